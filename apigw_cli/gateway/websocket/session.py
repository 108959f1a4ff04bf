"""One WebSocket connection, from handshake to close, as the managed gateway runs it:

1. the $connect authorizer (401 without an identity, 403 on Deny, 500 when it fails) and the
   $connect route: a non-2xx answer (or a failure: 500) refuses the handshake with that status;
2. each message picks its route (`WebSocketApi.select`) on the snapshot current when it arrives,
   so a reload reaches open connections at their next message; no route answers the managed
   gateway's Forbidden on the socket, a failing integration its Internal server error; a route
   response goes back only where the route asks for one;
3. the connection ends by the client's close, a DELETE on @connections, the idle timeout or the
   maximum age (both close with 1001 Going away), or the server shutting down; however it ends,
   $disconnect runs once.

Messages of one connection are handled one at a time, in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from apigw_cli.errors import AuthorizerFailed, IntegrationError, IntegrationTimeout, TokenRejected
from apigw_cli.gateway.exchange import Exchange, GatewayRequest
from apigw_cli.gateway.principal import AuthorizerGrant
from apigw_cli.gateway.stages.jwt import JwtAuthorizer, token_scopes
from apigw_cli.gateway.stages.lambda_authorizer import LambdaAuthorizer
from apigw_cli.gateway.websocket.api import CONNECT, DISCONNECT, WebSocketApi, WsAnswer, WsRoute
from apigw_cli.gateway.websocket.connections import ConnectionRecord
from apigw_cli.gateway.websocket.events import (
    ConnectionFacts,
    Handshake,
    authorizer_event,
    connect_event,
    connect_method_arn,
    disconnect_event,
    disconnect_reason,
    message_event,
    new_id,
)
from apigw_cli.gateway.websocket.observe import WsEvent

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import Receive, Scope, Send

    from apigw_cli.gateway.snapshot import Gateway

logger = logging.getLogger("apigw")
GOING_AWAY = 1001
CLOSE_WAIT = 5.0  # seconds a closed connection waits for the client's close frame


class Refused(Exception):
    def __init__(self, status: int, body: bytes | None, why: str):
        super().__init__(why)
        self.status = status
        self.body = body


def _message(text: str) -> bytes:
    return json.dumps({"message": text}).encode()


async def refuse(scope: Scope, send: Send, status: int, body: bytes | None) -> None:
    """Answer the handshake with an HTTP status (403 where the server cannot send one)."""
    if "websocket.http.response" in (scope.get("extensions") or {}):
        headers = [(b"content-type", b"application/json")] if body else []
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body or b""})
    else:
        await send({"type": "websocket.close", "code": 1008})


def handshake_of(scope: Scope) -> Handshake:
    headers = [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in scope["headers"]]
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    client = scope.get("client")
    path = scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or scope["path"]
    return Handshake(path, query, headers, client[0] if client else "127.0.0.1")


class Session:
    def __init__(
        self,
        current: Callable[[], Gateway],
        gateway: Gateway,
        api: WebSocketApi,
        scope: Scope,
        receive: Receive,
        send: Send,
    ):
        self._current = current  # the snapshot now: each message runs on the one current when it arrives
        self._gateway = gateway
        self._api = api
        self._scope = scope
        self._receive = receive
        self._send_raw = send
        handshake = handshake_of(scope)
        self.facts = ConnectionFacts(new_id(), time.time(), handshake, api.deployment)
        self._send_lock = asyncio.Lock()
        self._open = False  # accepted and not yet closing
        self._closing: tuple[int, str] | None = None  # a close the server started
        self._disconnected = False
        self._handling: WsEvent | None = None  # the message being handled, for the record

    # LiveConnection, for the directory
    async def send(self, data: bytes) -> bool:
        if not self._open:
            return False
        if self._handling is not None:  # posted while a message of this connection is handled: its answer too
            self._handling.replies.append(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return await self._send({"type": "websocket.send", "bytes": data})
        return await self._send({"type": "websocket.send", "text": text})

    async def close(self, code: int, reason: str) -> None:
        if not self._open:
            return
        self._open = False
        self._closing = (code, reason)
        async with self._send_lock:
            try:
                await self._send_raw({"type": "websocket.close", "code": code, "reason": reason})
            except Exception:  # the client went already: its disconnect ends the loop
                logger.debug("close of a connection that was gone", exc_info=True)

    async def _send(self, message: dict[str, Any]) -> bool:
        async with self._send_lock:
            if not self._open:
                return False
            try:
                await self._send_raw(message)
            except Exception:
                return False
        return True

    # the connection's life
    async def run(self) -> None:
        first = await self._receive()
        if first["type"] != "websocket.connect":
            return
        api = self._api
        connect = WsEvent("CONNECT", self.facts.connection_id, new_id(), CONNECT, time.time(),
                          self.facts.handshake.client_ip, api.path)  # fmt: skip
        connect.query = self._scope.get("query_string", b"").decode("latin-1")
        connect.headers = self.facts.handshake.headers
        try:
            await self._authorize(connect)
            await self._connect(connect)
        except Refused as refused:
            connect.status = refused.status
            connect.error = str(refused)
            api.observer.done(connect)
            await refuse(self._scope, self._send_raw, refused.status, refused.body)
            return
        await self._send_raw({"type": "websocket.accept"})
        self._open = True
        record = ConnectionRecord(
            self.facts.connection_id,
            self.facts.connected_at,
            self.facts.handshake.client_ip,
            self.facts.user_agent,
            self.facts.connected_at,
        )
        code, reason = 1006, ""
        api.observer.connections(1)
        try:
            await api.directory.add(record, self)
            api.observer.done(connect)
            code, reason = await self._loop()
        finally:
            self._open = False
            api.observer.connections(-1)
            try:
                await api.directory.remove(self.facts.connection_id)
            except Exception:  # a directory that is down (Redis) must not cost the connection its $disconnect
                logger.exception("WebSocket connection %s: unlisting it failed", self.facts.connection_id)
            await self._disconnect(code, reason)

    async def _authorize(self, event: WsEvent) -> None:
        authorizer = self._api.authorizer
        if authorizer is None:
            return
        if isinstance(authorizer, JwtAuthorizer):
            try:
                claims = await authorizer.verify(self.facts.handshake.header(authorizer.header))
            except TokenRejected as exc:
                raise Refused(401, _message("Unauthorized"), f"JWT rejected by {authorizer.name}: {exc}") from None
            self.facts.authorizer = {"jwt": {"claims": claims, "scopes": sorted(token_scopes(claims))}}
            return
        if not isinstance(authorizer, LambdaAuthorizer):
            raise Refused(500, _message("Internal server error"), f"authorizer {authorizer.name}: {authorizer.reason}")
        handshake = self.facts.handshake
        exchange = Exchange(
            GatewayRequest("GET", handshake.path, event.query, list(handshake.headers), client_ip=handshake.client_ip),
            event.request_id,
            event.received_at,
        )
        identity = authorizer.identity(exchange)
        if identity is None or (authorizer.validation is not None and not authorizer.validation.fullmatch(identity[0])):
            raise Refused(401, _message("Unauthorized"), f"no valid identity for authorizer {authorizer.name}")
        try:
            decision = await authorizer.decide_event(
                authorizer_event(self.facts, event.received_at, event.request_id),
                connect_method_arn(self._api.deployment),
                (*identity, CONNECT),
                event.request_id,
                self._api.clock.now(),
            )
        except AuthorizerFailed as exc:
            raise Refused(500, _message("Internal server error"), str(exc)) from None
        if not decision.allowed:
            raise Refused(403, _message("Forbidden"), f"authorizer {authorizer.name} denied")
        self.facts.authorizer = AuthorizerGrant(decision.principal, decision.context).as_event_field()

    async def _connect(self, event: WsEvent) -> None:
        route = self._api.routes.get(CONNECT)
        if route is None:
            return
        answer = await self._invoke(
            self._gateway, route, connect_event(self.facts, event.received_at, event.request_id), event
        )
        if answer is None:
            raise Refused(500, _message("Internal server error"), event.error or "the $connect integration failed")
        event.status = answer.status
        if not 200 <= answer.status < 300:
            raise Refused(answer.status, answer.body, f"$connect answered {answer.status}")

    async def _loop(self) -> tuple[int, str]:
        """Messages until the connection ends: the close code and reason $disconnect reports."""
        api = self._api
        age_deadline = time.monotonic() + api.max_age
        idle_deadline = time.monotonic() + api.idle_timeout
        for _ in range(10**12):  # bounded by the deadlines: the connection's age ends it
            if self._closing is not None:
                return await self._closed_by_server()
            remaining = min(age_deadline, idle_deadline) - time.monotonic()
            if remaining <= 0:
                await self.close(GOING_AWAY, "Going away")
                continue
            try:
                message = await asyncio.wait_for(self._receive(), remaining)
            except TimeoutError:
                continue
            kind = message["type"]
            if kind == "websocket.disconnect":
                if self._closing is not None:
                    return self._closing
                code = int(message.get("code") or 1005)
                if code == 1005 and "reason" not in message:
                    # uvicorn says 1005 for a connection lost without a close frame too; only a
                    # close frame carries a reason: without one, the close was abnormal
                    return 1006, ""
                return code, str(message.get("reason") or "")
            if kind != "websocket.receive":
                continue
            idle_deadline = time.monotonic() + self._api.idle_timeout
            data: str | bytes | None = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            try:
                await self._message(data)
            except Exception:  # a bug or a broken store: logged, and the connection lives on
                logger.exception("WebSocket connection %s: a message failed", self.facts.connection_id)
                await self._send({"type": "websocket.send", "text": self._error_body("Internal server error", "")})
            idle_deadline = time.monotonic() + self._api.idle_timeout
        return GOING_AWAY, "Going away"

    async def _closed_by_server(self) -> tuple[int, str]:
        """The server sent its close: wait a little for the client's, then the connection is over."""
        assert self._closing is not None
        deadline = time.monotonic() + CLOSE_WAIT
        for _ in range(10_000):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                message = await asyncio.wait_for(self._receive(), remaining)
            except TimeoutError:
                break
            if message["type"] == "websocket.disconnect":
                break
        return self._closing

    async def _message(self, data: str | bytes) -> None:
        gateway = self._current()
        api = gateway.websocket
        if api is None:  # a reload took the WebSocket API away
            await self.close(GOING_AWAY, "Going away")
            return
        self._gateway, self._api = gateway, api
        now = time.time()
        event = WsEvent("MESSAGE", self.facts.connection_id, new_id(), None, now, self.facts.handshake.client_ip,
                        api.path, message=data)  # fmt: skip
        await api.directory.touch(self.facts.connection_id, now)
        route = api.select(data)
        if route is None:
            event.status = 403
            event.error = "no route for the message and no $default"
            await self._reply(event, self._error_body("Forbidden", event.request_id))
            api.observer.done(event)
            return
        event.route_key = route.key
        self._handling = event
        try:
            answer = await self._invoke(
                gateway, route, message_event(self.facts, route.key, data, now, event.request_id), event
            )
        finally:
            self._handling = None
        if answer is None:
            await self._reply(event, self._error_body("Internal server error", event.request_id))
        else:
            event.status = answer.status
            if route.route_response and answer.body is not None:
                await self._reply(event, answer.body, answer.binary)
        api.observer.done(event)

    def _error_body(self, text: str, request_id: str) -> bytes:
        return json.dumps({"message": text, "connectionId": self.facts.connection_id, "requestId": request_id}).encode()

    async def _reply(self, event: WsEvent, body: bytes, binary: bool = False) -> None:
        event.replies.append(body)
        if binary:
            await self._send({"type": "websocket.send", "bytes": body})
        else:
            await self._send({"type": "websocket.send", "text": body.decode("utf-8", errors="replace")})

    async def _invoke(
        self, gateway: Gateway, route: WsRoute, payload: dict[str, Any], event: WsEvent
    ) -> WsAnswer | None:
        """The route's answer, or None when its integration failed (the reason is on `event`). The
        snapshot counts the call in flight, so a reload closes it only once the call is done."""
        event.integration = route.integration.kind
        started = time.perf_counter()
        gateway.in_flight.enter()
        try:
            return await route.integration.invoke(payload, event.request_id)
        except (IntegrationError, IntegrationTimeout) as exc:
            event.status = 504 if isinstance(exc, IntegrationTimeout) else 500
            event.error = str(exc)
            return None
        finally:
            gateway.in_flight.leave()
            event.integration_seconds = time.perf_counter() - started

    async def _disconnect(self, code: int, reason: str) -> None:
        """$disconnect, once, on the snapshot current now."""
        if self._disconnected:
            return
        self._disconnected = True
        gateway = self._current()
        api = gateway.websocket if gateway.websocket is not None else self._api
        now = time.time()
        event = WsEvent("DISCONNECT", self.facts.connection_id, new_id(), DISCONNECT, now,
                        self.facts.handshake.client_ip, api.path, close_code=code)  # fmt: skip
        route = api.routes.get(DISCONNECT)
        if route is not None:
            payload = disconnect_event(self.facts, code, disconnect_reason(code, reason), now, event.request_id)
            answer = await self._invoke(gateway, route, payload, event)
            if answer is not None:
                event.status = answer.status
        api.observer.done(event)


async def serve_websocket(current: Callable[[], Gateway], scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI websocket scope: a session on the API the path names, or the handshake refused 404."""
    gateway = current()
    api = gateway.websocket
    path = scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or scope["path"]
    if api is None or path.rstrip("/") != api.path.rstrip("/"):
        first = await receive()
        if first["type"] == "websocket.connect":
            await refuse(scope, send, 404, _message("Not Found"))
        return
    await Session(current, gateway, api, scope, receive, send).run()
