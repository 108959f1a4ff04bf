"""Runs the operation's Lambda authorizer: 401 without an identity (or one that fails the
validation expression), 403 on Deny, 500 when the authorizer fails; never a pass on error."""

from __future__ import annotations

from apigw_cli.errors import AuthorizerFailed
from apigw_cli.gateway.clock import Clock
from apigw_cli.gateway.exchange import Exchange, GatewayResponse, gateway_error
from apigw_cli.gateway.pipeline import Handler


class LambdaAuthorizerStage:
    def __init__(self, clock: Clock):
        self._clock = clock

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        authorizer = operation.lambda_authorizer if operation is not None else None
        if authorizer is None:
            return await call_next(exchange)
        identity = authorizer.identity(exchange)
        if identity is None or (authorizer.validation is not None and not authorizer.validation.fullmatch(identity[0])):
            exchange.error = f"no valid identity for authorizer {authorizer.name}"
            return gateway_error(401, "Unauthorized", response_type="UNAUTHORIZED")
        try:
            decision = await authorizer.decide(exchange, identity, self._clock.now())
        except AuthorizerFailed as exc:
            exchange.error = str(exc)
            return gateway_error(500, "Internal server error", response_type="AUTHORIZER_FAILURE")
        if not decision.allowed:
            exchange.error = f"authorizer {authorizer.name} denied"
            return gateway_error(403, "User is not authorized to access this resource", response_type="ACCESS_DENIED")
        exchange.authorizer_context = {
            **({"principalId": decision.principal} if decision.principal else {}),
            **decision.context,
        }
        return await call_next(exchange)
