"""Who a request is from, as the auth stages establish it: the API key it presented (with the usage
plan that limits it), a verified JWT, or a Lambda authorizer's grant. The throttle reads the plan,
the cache keeps callers apart by it, Lambda events and the record carry it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apigw_cli.gateway.limits import Quota, Throttle


@dataclass(frozen=True, slots=True)
class UsagePlan:
    name: str
    throttle: Throttle | None
    quota: Quota | None


@dataclass(frozen=True, slots=True)
class ApiKey:
    name: str
    value: str
    plan: UsagePlan | None


@dataclass(frozen=True, slots=True)
class VerifiedJwt:
    claims: dict[str, Any]
    scopes: tuple[str, ...]  # sorted

    @property
    def subject(self) -> str:
        return str(self.claims.get("sub", ""))


@dataclass(frozen=True, slots=True)
class AuthorizerGrant:
    """What a Lambda authorizer that allowed the request answered besides its decision."""

    principal_id: str | None
    context: dict[str, Any] = field(default_factory=dict)

    def as_event_field(self) -> dict[str, Any]:
        """`requestContext.authorizer` as a Lambda proxy event carries it."""
        return {**({"principalId": self.principal_id} if self.principal_id else {}), **self.context}
