"""JWT authorizers, all but their reader (compiling/authorizers.py, with the other authorizers of
`securitySchemes`): HTTP API style and Cognito user pools (which issue JWTs). The signature is
checked against a JWKS, then issuer, audience, `exp`/`nbf` with a small leeway, and the route's
scopes: 401 for a token that must not pass, 403 when it lacks a scope the route requires.

The algorithms come from configuration, never from the token's header, and `none` is refused.
Keys come from a local JWKS file (read at load time) or a URL fetched on first use and cached;
a token signed with a key id the cache lacks triggers one refresh, shared by concurrent requests.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import TokenRejected
from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.principal import VerifiedJwt

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler

LEEWAY_SECONDS = 30
_REFRESH_INTERVAL = 60.0  # at most one JWKS refresh a minute for unknown key ids


@dataclass
class JwtAuthorizer:
    name: str
    issuer: str | None
    audiences: tuple[str, ...]
    algorithms: tuple[str, ...]
    header: str  # lower-case header holding "Bearer <token>"
    jwks_url: str | None = None
    keys: dict[str, Any] = field(default_factory=dict)  # kid -> key object
    _lock: asyncio.Lock | None = None
    _fetched_at: float = 0.0

    @classmethod
    def with_jwks(cls, jwks: dict[str, Any], **options: Any) -> JwtAuthorizer:
        authorizer = cls(**options)
        authorizer.keys = parse_jwks(jwks)
        return authorizer

    async def verify(self, header_value: str | None) -> dict[str, Any]:
        """The token's claims; TokenRejected when it must not pass."""
        import jwt

        token = _bearer(header_value)
        try:
            unverified = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"malformed token: {exc}") from None
        if str(unverified.get("alg", "")).lower() == "none" or unverified.get("alg") not in self.algorithms:
            raise TokenRejected(f"algorithm {unverified.get('alg')!r} is not one of {', '.join(self.algorithms)}")
        key = await self._key(unverified.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=list(self.algorithms),
                audience=list(self.audiences) or None,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp"], "verify_aud": bool(self.audiences)},
            )
        except jwt.PyJWTError as exc:
            raise TokenRejected(str(exc)) from None
        return claims

    async def _key(self, kid: Any) -> Any:
        if kid in self.keys:
            return self.keys[kid]
        if kid is None and len(self.keys) == 1:
            return next(iter(self.keys.values()))
        if self.jwks_url is not None:
            await self._refresh()
            if kid in self.keys or (kid is None and len(self.keys) == 1):
                return self.keys[kid] if kid in self.keys else next(iter(self.keys.values()))
        raise TokenRejected(f"no key {kid!r} in the authorizer's JWKS")

    async def _refresh(self) -> None:
        """Fetch the JWKS URL, once for all requests waiting on it, at most once a minute."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if time.monotonic() - self._fetched_at < _REFRESH_INTERVAL and self.keys:
                return
            import httpx

            assert self.jwks_url is not None
            try:
                async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
                    response = await client.get(self.jwks_url)
                    response.raise_for_status()
                    self.keys = parse_jwks(response.json())
            except (httpx.HTTPError, ValueError) as exc:
                raise TokenRejected(f"JWKS at {self.jwks_url} could not be fetched: {exc}") from None
            finally:
                self._fetched_at = time.monotonic()


def parse_jwks(jwks: Any) -> dict[str, Any]:
    import jwt

    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError('a JWKS is {"keys": [...]}')
    keys: dict[str, Any] = {}
    for entry in jwks["keys"]:
        keys[entry.get("kid")] = jwt.PyJWK.from_dict(entry).key
    return keys


def _bearer(value: str | None) -> str:
    if not value:
        raise TokenRejected("no bearer token")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    if not token:
        return scheme  # a bare token, as some clients send
    raise TokenRejected("the Authorization header is not 'Bearer <token>'")


def token_scopes(claims: dict[str, Any]) -> set[str]:
    scopes = claims.get("scope") or claims.get("scp") or []
    if isinstance(scopes, str):
        return set(scopes.split())
    return {str(scope) for scope in scopes} if isinstance(scopes, list) else set()


def load_jwks_text(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("a JWKS is a JSON object")
    return value


@dataclass(frozen=True, slots=True)
class JwtRequirement:
    """What a route's security asks of a JWT: the authorizer that checks it, and the scopes."""

    authorizer: JwtAuthorizer
    scopes: tuple[str, ...]

    def __str__(self) -> str:
        return f"jwt {self.authorizer.name}" + (f" [{' '.join(self.scopes)}]" if self.scopes else "")


class JwtStage:
    def __init__(self, routes: Sequence[JwtRequirement | None]):
        self._routes = routes  # by operation index

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        requirement = self._routes[operation.index] if operation is not None else None
        if requirement is None:
            return await call_next(exchange)
        authorizer = requirement.authorizer
        try:
            claims = await authorizer.verify(exchange.request.header(authorizer.header))
        except TokenRejected as exc:
            exchange.error = f"JWT rejected by {authorizer.name}: {exc}"
            return gateway_error("UNAUTHORIZED")
        scopes = token_scopes(claims)
        missing = [scope for scope in requirement.scopes if scope not in scopes]
        if missing:
            exchange.error = f"JWT lacks scope {', '.join(missing)}"
            return gateway_error("INVALID_API_KEY", error_type="AccessDeniedException")  # 403 Forbidden
        exchange.jwt = VerifiedJwt(claims, tuple(sorted(scopes)))
        return await call_next(exchange)
