"""The @connections API of a WebSocket API, on the gateway's own port, as the managed gateway serves
it to `boto3.client("apigatewaymanagementapi", endpoint_url=...)`:

- `POST {prefix}/{connectionId}`: the body goes to the connection, 200;
- `GET {prefix}/{connectionId}`: 200 `{"connectedAt", "identity": {"sourceIp", "userAgent"}, "lastActiveAt"}`;
- `DELETE {prefix}/{connectionId}`: the connection is closed, 204;
- an unknown or closed connection: 410 GoneException; a post over 128 KiB: 413 PayloadTooLargeException.

Errors carry the managed gateway's `x-amzn-ErrorType` header, which botocore reads to raise the
client's matching exception. It answers at `/{stage}/@connections` (the API's URL with its stage,
as boto3's endpoint_url names it) and, without --stage-prefix, at `/@connections` too. Once IAM
credentials are declared (x-gateway.iam, --iam-credentials), calls must be SigV4-signed by one of
them and allowed execute-api:ManageConnections, as the managed gateway requires; before that they
are accepted unsigned, so boto3 with any credentials works out of the box."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.websocket.api import MAX_MESSAGE_BYTES

if TYPE_CHECKING:
    from apigw_cli.gateway.stages.iam import IamGate
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.gateway.websocket.connections import ConnectionDirectory, ConnectionRecord

MANAGE_CONNECTIONS = "execute-api:ManageConnections"


def _error(status: int, error_type: str, message: str | None) -> GatewayResponse:
    return GatewayResponse(
        status,
        [("content-type", "application/json"), ("x-amzn-errortype", error_type)],
        json.dumps({"message": message}).encode(),
        response_type=error_type,
        message=message or "",
    )


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"


def connection_json(record: ConnectionRecord) -> bytes:
    identity: dict[str, str] = {"sourceIp": record.source_ip}
    if record.user_agent:
        identity["userAgent"] = record.user_agent
    return json.dumps(
        {"connectedAt": _iso(record.connected_at), "identity": identity, "lastActiveAt": _iso(record.last_active_at)}
    ).encode()


class ConnectionsApiStage:
    def __init__(self, prefixes: tuple[str, ...], directory: ConnectionDirectory, iam: IamGate | None = None):
        self._prefixes = tuple(prefix.rstrip("/") + "/" for prefix in prefixes)
        self._directory = directory
        self._iam = iam  # once IAM credentials are declared, calls must be signed by one of them

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        request = exchange.request
        prefix = next((prefix for prefix in self._prefixes if request.path.startswith(prefix)), None)
        if prefix is None:
            return await call_next(exchange)
        connection_id = unquote(request.path[len(prefix) :])
        exchange.notes.append("@connections")
        if not connection_id or "/" in connection_id:
            return _error(404, "NotFoundException", "Not Found")
        if self._iam is not None:
            arn = (
                f"{self._iam.api_prefix}{prefix.strip('/').split('/')[0]}/{request.method}/@connections/{connection_id}"
            )
            refused = await self._iam.check(exchange, arn, MANAGE_CONNECTIONS)
            if refused is not None:
                return refused
        directory = self._directory
        if request.method == "POST":
            body = await request.read_body()
            if len(body) > MAX_MESSAGE_BYTES:
                exchange.error = f"a post of {len(body)} bytes, over the {MAX_MESSAGE_BYTES}-byte message quota"
                return _error(413, "PayloadTooLargeException", "Message too long")
            if await directory.post(connection_id, body):
                await directory.touch(connection_id, time.time())
                return GatewayResponse(200, [("content-type", "application/json")], b"")
        elif request.method == "GET":
            record = await directory.get(connection_id)
            if record is not None:
                return GatewayResponse(200, [("content-type", "application/json")], connection_json(record))
        elif request.method == "DELETE":
            if await directory.close(connection_id):
                return GatewayResponse(204, [], b"")
        else:
            return _error(405, "MethodNotAllowedException", f"{request.method} is not one of POST, GET, DELETE")
        exchange.error = f"connection {connection_id} is gone"
        return _error(410, "GoneException", None)
