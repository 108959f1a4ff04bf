"""CORS, all of it: the policy (the managed gateway's `x-amazon-apigateway-cors` shape, or
`x-gateway.cors`): which origins, methods and headers a browser may use; the reader that builds it
from the spec; and the stage that answers preflight requests and adds the headers to responses."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apigw_cli.gateway.exchange import Exchange, GatewayResponse

if TYPE_CHECKING:
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.spec.document import SpecDocument


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    origins: tuple[str, ...]  # "*" for any; "https://*.example.com" patterns allowed
    methods: tuple[str, ...] = ("*",)
    headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    def allows(self, origin: str) -> bool:
        origin = origin.lower()
        return any(pattern == "*" or fnmatch.fnmatchcase(origin, pattern.lower()) for pattern in self.origins)

    def _allow_origin(self, origin: str) -> list[tuple[str, str]]:
        # a credentialed request may not be answered with "*": echo the origin instead
        wildcard = self.origins == ("*",) and not self.allow_credentials
        headers = [("access-control-allow-origin", "*" if wildcard else origin)]
        if not wildcard:
            headers.append(("vary", "Origin"))
        if self.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
        return headers

    def preflight_headers(self, origin: str, method: str, requested_headers: str | None) -> list[tuple[str, str]]:
        """Headers of a preflight answer; empty when the origin or method is not allowed."""
        if not self.allows(origin):
            return []
        if "*" not in self.methods and method.upper() not in self.methods:
            return []
        headers = self._allow_origin(origin)
        headers.append(
            ("access-control-allow-methods", method.upper() if "*" in self.methods else ", ".join(self.methods))
        )
        if requested_headers:
            if "*" in self.headers:
                headers.append(("access-control-allow-headers", requested_headers))
            elif self.headers:
                headers.append(("access-control-allow-headers", ", ".join(self.headers)))
        if self.max_age is not None:
            headers.append(("access-control-max-age", str(self.max_age)))
        return headers

    def response_headers(self, origin: str) -> list[tuple[str, str]]:
        if not self.allows(origin):
            return []
        headers = self._allow_origin(origin)
        if self.expose_headers:
            headers.append(("access-control-expose-headers", ", ".join(self.expose_headers)))
        return headers


def read_cors(document: SpecDocument) -> CorsPolicy | None:
    """From `x-gateway.cors` or, in AWS specs, `x-amazon-apigateway-cors` (the same shape)."""
    gateway = document.root.get("x-gateway")
    if isinstance(gateway, dict) and "cors" in gateway:
        declared, at = gateway["cors"], document.root_location.child("x-gateway", "cors")
        key = "x-gateway.cors"
    else:
        key = "x-amazon-apigateway-cors"
        declared, at = document.root.get(key), document.root_location.child(key)
    if declared is None:
        return None
    if not isinstance(declared, dict):
        raise document.error(f"{key} must be a mapping (allowOrigins, allowMethods, ...)", at)

    def names(field: str, upper: bool = False) -> tuple[str, ...]:
        value = declared.get(field) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise document.error(f"{field} must be a list of strings", at.child(field))
        return tuple(item.upper() if upper and item != "*" else item for item in value)

    max_age = declared.get("maxAge")
    if max_age is not None and (not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0):
        raise document.error("maxAge must be a number of seconds", at.child("maxAge"))
    return CorsPolicy(
        origins=names("allowOrigins"),
        methods=names("allowMethods", upper=True) or ("*",),
        headers=tuple(h.lower() for h in names("allowHeaders")),
        expose_headers=names("exposeHeaders"),
        max_age=max_age,
        allow_credentials=bool(declared.get("allowCredentials")),
    )


class CorsStage:
    def __init__(self, policy: CorsPolicy):
        self._policy = policy

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        request = exchange.request
        origin = request.header("origin")
        if origin is None:
            return await call_next(exchange)
        requested_method = request.header("access-control-request-method")
        if request.method == "OPTIONS" and requested_method is not None:
            headers = self._policy.preflight_headers(
                origin, requested_method, request.header("access-control-request-headers")
            )
            if not headers:
                exchange.error = f"CORS preflight from {origin} for {requested_method} is not allowed"
            return GatewayResponse(204, headers)
        response = await call_next(exchange)
        for name, value in self._policy.response_headers(origin):
            response.set_header(name, value)
        return response
