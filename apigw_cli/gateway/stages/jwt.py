"""Verifies the bearer JWT where the operation's security names a JWT authorizer: 401 for a
token that must not pass, 403 when it lacks a scope the route requires."""

from __future__ import annotations

from apigw_cli.errors import TokenRejected
from apigw_cli.gateway.exchange import Exchange, GatewayResponse, gateway_error
from apigw_cli.gateway.jwt_auth import token_scopes
from apigw_cli.gateway.pipeline import Handler


class JwtStage:
    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        if operation is None or operation.jwt is None:
            return await call_next(exchange)
        authorizer, required = operation.jwt
        try:
            claims = await authorizer.verify(exchange.request.header(authorizer.header))
        except TokenRejected as exc:
            exchange.error = f"JWT rejected by {authorizer.name}: {exc}"
            return gateway_error(401, "Unauthorized", response_type="UNAUTHORIZED")
        scopes = token_scopes(claims)
        missing = [scope for scope in required if scope not in scopes]
        if missing:
            exchange.error = f"JWT lacks scope {', '.join(missing)}"
            return gateway_error(403, "Forbidden", response_type="ACCESS_DENIED")
        exchange.claims = claims
        exchange.scopes = tuple(sorted(scopes))
        return await call_next(exchange)
