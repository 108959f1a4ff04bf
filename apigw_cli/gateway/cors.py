"""A CORS policy (the managed gateway's `x-amazon-apigateway-cors` shape): which origins,
methods and headers a browser may use, answered on preflight and added to responses."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass


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
