"""The Lambda events of a WebSocket API's routes, in the shapes the managed gateway sends, as its
recorded events show them (Powertools for AWS Lambda's test events apiGatewayWebSocketApiConnect,
-Message, -Disconnect and apiGatewayAuthorizerWebSocketEvent, recorded against API Gateway):

- CONNECT: the handshake's headers and query (the only event with them), no body;
- MESSAGE: `messageId`, the message as `body` (base64 with `isBase64Encoded` for binary frames);
- DISCONNECT: the managed gateway's fixed headers, `disconnectStatusCode` and `disconnectReason`;
- the REQUEST authorizer's event on $connect: `type`, `methodArn`, headers, query, stage variables.

Every requestContext carries routeKey, eventType, extendedRequestId, requestTime, messageDirection,
stage, connectedAt, requestTimeEpoch, identity.sourceIp, requestId, domainName, connectionId and
apiId; an authorized connection's later events carry the authorizer's context too.
"""

from __future__ import annotations

import base64
import secrets
import string
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from apigw_cli.gateway.context_variables import request_time
from apigw_cli.gateway.deployment import ACCOUNT_ID, API_ID, REGION, Deployment

_ID_ALPHABET = string.ascii_letters + string.digits


def new_id() -> str:
    """A connection, request or message id shaped as the managed gateway's (16 characters, `=` last),
    letters and digits otherwise, so that it stands in a path unescaped."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(15)) + "="


class WsIdentity(TypedDict):
    sourceIp: str
    userAgent: NotRequired[str]


class WsRequestContext(TypedDict):
    routeKey: str
    messageId: NotRequired[str]
    disconnectStatusCode: NotRequired[int]
    eventType: str
    extendedRequestId: str
    requestTime: str
    messageDirection: str
    disconnectReason: NotRequired[str]
    stage: str
    connectedAt: int
    requestTimeEpoch: int
    identity: WsIdentity
    requestId: str
    domainName: str
    connectionId: str
    apiId: str
    authorizer: NotRequired[dict[str, Any]]


@dataclass(frozen=True)
class Handshake:
    """What the client sent to open the connection (headers lower-case, in order)."""

    path: str
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    client_ip: str

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass
class ConnectionFacts:
    """One connection as its events describe it."""

    connection_id: str
    connected_at: float  # epoch seconds
    handshake: Handshake
    deployment: Deployment
    authorizer: dict[str, Any] | None = None  # requestContext.authorizer, once $connect allowed it

    @property
    def domain(self) -> str:
        return self.handshake.header("host") or "localhost"

    @property
    def user_agent(self) -> str | None:
        return self.handshake.header("user-agent")

    def context(self, route_key: str, event_type: str, now: float, request_id: str) -> WsRequestContext:
        identity: WsIdentity = {"sourceIp": self.handshake.client_ip}
        agent = self.user_agent
        if agent:
            identity["userAgent"] = agent
        context: WsRequestContext = {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": request_time(now),
            "messageDirection": "IN",
            "stage": self.deployment.stage,
            "connectedAt": int(self.connected_at * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": identity,
            "requestId": request_id,
            "domainName": self.domain,
            "connectionId": self.connection_id,
            "apiId": API_ID,
        }
        if self.authorizer is not None:
            context["authorizer"] = self.authorizer
        return context


def _headers(handshake: Handshake) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in handshake.headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _query(handshake: Handshake) -> dict[str, Any]:
    if not handshake.query:
        return {}
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in handshake.query:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return {"queryStringParameters": single, "multiValueQueryStringParameters": multi}


def connect_event(facts: ConnectionFacts, now: float, request_id: str) -> dict[str, Any]:
    headers, multi = _headers(facts.handshake)
    event: dict[str, Any] = {"headers": headers, "multiValueHeaders": multi, **_query(facts.handshake)}
    if facts.deployment.stage_variables:
        event["stageVariables"] = dict(facts.deployment.variables)
    event["requestContext"] = facts.context("$connect", "CONNECT", now, request_id)
    event["isBase64Encoded"] = False
    return event


def message_event(
    facts: ConnectionFacts, route_key: str, message: str | bytes, now: float, request_id: str
) -> dict[str, Any]:
    context = facts.context(route_key, "MESSAGE", now, request_id)
    context["messageId"] = new_id()
    event: dict[str, Any] = {"requestContext": context}
    if facts.deployment.stage_variables:
        event["stageVariables"] = dict(facts.deployment.variables)
    if isinstance(message, bytes):
        event["body"] = base64.b64encode(message).decode("ascii")
        event["isBase64Encoded"] = True
    else:
        event["body"] = message
        event["isBase64Encoded"] = False
    return event


def disconnect_event(facts: ConnectionFacts, code: int, reason: str, now: float, request_id: str) -> dict[str, Any]:
    headers = {"Host": facts.domain, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    context = facts.context("$disconnect", "DISCONNECT", now, request_id)
    context["disconnectStatusCode"] = code
    context["disconnectReason"] = reason
    return {
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }


def connect_method_arn(deployment: Deployment) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{deployment.stage}/$connect"


def authorizer_event(facts: ConnectionFacts, now: float, request_id: str) -> dict[str, Any]:
    """A REQUEST authorizer's event on $connect (no connection exists yet, so no authorizer field)."""
    headers, multi = _headers(facts.handshake)
    query = _query(facts.handshake)
    return {
        "type": "REQUEST",
        "methodArn": connect_method_arn(facts.deployment),
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": query.get("queryStringParameters", {}),
        "multiValueQueryStringParameters": query.get("multiValueQueryStringParameters", {}),
        "stageVariables": dict(facts.deployment.variables),
        "requestContext": facts.context("$connect", "CONNECT", now, request_id),
    }


def disconnect_reason(code: int, reason: str) -> str:
    """The managed gateway's words for a close without a reason of the client's own."""
    if reason:
        return reason
    if code == 1005:
        return "Client-side close frame status not set"
    if code == 1001:
        return "Going away"
    if code == 1006:
        return "Connection closed abnormally"
    return ""
