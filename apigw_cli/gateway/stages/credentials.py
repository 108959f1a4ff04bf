"""Security schemes the gateway cannot verify (HTTP basic, a bearer or other HTTP scheme with no JWT
authorizer, OAuth2, OpenID Connect, an API key in a header, query string or cookie other than
`x-api-key`): it checks that the credentials are there, as Prism does, so a request without them
does not pass where the spec requires them. Missing: 401 with `WWW-Authenticate`, naming the
schemes. `--no-auth` turns it off, as for API keys.

A route's `security` is a list of alternatives, each a set of schemes that must all be satisfied;
a scheme that another stage verifies (an `x-api-key` key, a JWT or Lambda authorizer) counts as
present here, and that stage decides on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.stages.api_key import is_api_key_scheme
from apigw_cli.gateway.validation.params import parse_cookies
from apigw_cli.spec.walk import security_of, security_schemes

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.spec.document import SpecDocument

Where = Literal["authorization", "header", "query", "cookie", "verified"]


@dataclass(frozen=True, slots=True)
class Credential:
    """Where one scheme's credential is sent, and what it starts with there."""

    scheme: str  # its name in the spec
    where: Where
    name: str = ""  # the header, query parameter or cookie
    prefix: str = ""  # the Authorization scheme: "basic", "bearer", ...

    def present(self, exchange: Exchange) -> bool:
        request = exchange.request
        if self.where == "verified":
            return True
        if self.where == "authorization":
            value = request.header("authorization") or ""
            scheme, _, token = value.partition(" ")
            return scheme.lower() == self.prefix and bool(token.strip())
        if self.where == "header":
            return bool(request.header(self.name.lower()))
        if self.where == "query":
            return bool(request.query.get(self.name))
        return self.name in parse_cookies(request.header("cookie"))

    @property
    def challenge(self) -> str | None:
        """Its `WWW-Authenticate` challenge, for an Authorization scheme."""
        if self.where != "authorization":
            return None
        return f'{self.prefix.capitalize()} realm="apigw"'


@dataclass(frozen=True, slots=True)
class CredentialRequirement:
    alternatives: tuple[tuple[Credential, ...], ...]  # any one, all of its credentials

    def missing(self, exchange: Exchange) -> tuple[Credential, ...] | None:
        """None when an alternative has all its credentials; else those the first one lacks."""
        for alternative in self.alternatives:
            if all(credential.present(exchange) for credential in alternative):
                return None
        return tuple(c for c in self.alternatives[0] if not c.present(exchange))


def _credential(name: str, scheme: Any, verified: frozenset[str]) -> Credential | None:
    if name in verified or is_api_key_scheme(scheme) or not isinstance(scheme, dict):
        return Credential(name, "verified")
    kind = str(scheme.get("type", "")).lower()
    if kind == "http":
        return Credential(name, "authorization", prefix=str(scheme.get("scheme", "bearer")).lower())
    if kind == "basic":  # Swagger 2.0
        return Credential(name, "authorization", prefix="basic")
    if kind in ("oauth2", "openidconnect"):
        return Credential(name, "authorization", prefix="bearer")
    if kind == "apikey":
        where = str(scheme.get("in", "header")).lower()
        if where in ("header", "query", "cookie"):
            return Credential(name, where, name=str(scheme.get("name", "")))  # type: ignore[arg-type]
    return None  # mutualTLS and kinds a request cannot show: not checked


def credential_requirement(
    document: SpecDocument, operation: dict[str, Any], verified: frozenset[str]
) -> CredentialRequirement | None:
    """What an operation's `security` requires that no other stage verifies; None when nothing."""
    security = security_of(document, operation)
    if not isinstance(security, list) or not security:
        return None
    schemes = security_schemes(document)
    alternatives: list[tuple[Credential, ...]] = []
    for alternative in security:
        names = list(alternative) if isinstance(alternative, dict) else []
        found = tuple(c for c in (_credential(n, schemes.get(n), verified) for n in names) if c is not None)
        alternatives.append(found)
    if any(all(c.where == "verified" for c in alternative) for alternative in alternatives):
        return None  # anonymous allowed, or only schemes another stage checks
    return CredentialRequirement(tuple(alternatives))


class CredentialsStage:
    def __init__(self, routes: Sequence[CredentialRequirement | None]):
        self._routes = routes  # by operation index

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        requirement = self._routes[operation.index] if operation is not None else None
        if requirement is not None:
            missing = requirement.missing(exchange)
            if missing is not None:
                names = ", ".join(credential.scheme for credential in missing)
                exchange.error = f"no credentials for {names}"
                challenges = [(("www-authenticate", c.challenge)) for c in missing if c.challenge]
                return gateway_error("UNAUTHORIZED", f"Unauthorized: send credentials for {names}", challenges)
        return await call_next(exchange)
