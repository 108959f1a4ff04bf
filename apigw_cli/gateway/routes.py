"""A route as the route table shows it: the compiled operation and everything compiled for it (its
integration, auth, throttle and cache). The compiler makes one per operation; the pipeline hands
each stage its column of them (`column`), indexed by the operation's index; `apigw routes`, the
start-up notices and reload diffs read them whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from apigw_cli.gateway.integrations.mapped import MappedIntegration
from apigw_cli.gateway.integrations.unavailable import UnavailableIntegration
from apigw_cli.gateway.stages.lambda_authorizer import LambdaAuthorizer, UnavailableAuthorizer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from apigw_cli.gateway.integrations.base import Integration
    from apigw_cli.gateway.limits import Throttle
    from apigw_cli.gateway.operation import Operation
    from apigw_cli.gateway.stages.cache import CachePolicy
    from apigw_cli.gateway.stages.credentials import CredentialRequirement
    from apigw_cli.gateway.stages.jwt import JwtRequirement

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Route:
    operation: Operation
    integration: Integration
    api_key_required: bool = False
    jwt: JwtRequirement | None = None
    authorizer: LambdaAuthorizer | UnavailableAuthorizer | None = None
    throttle: Throttle | None = None  # x-throttle: this route's own bucket
    cache: CachePolicy | None = None  # x-cache
    credentials: CredentialRequirement | None = None  # schemes checked for presence only (basic, OAuth2, ...)
    iam: bool = False  # SigV4-signed requests only (x-amazon-apigateway-auth AWS_IAM, a sigv4 scheme)
    approximations: tuple[str, ...] = ()  # how it runs otherwise than on the managed gateway (apigw coverage)

    @property
    def runs_locally(self) -> bool:
        """False for a route that answers a 5xx naming why it cannot run here (an unmapped Lambda,
        an AWS service, an authorizer with nothing to run)."""
        return not isinstance(self.integration, UnavailableIntegration) and not isinstance(
            self.authorizer, UnavailableAuthorizer
        )

    @property
    def mapping(self) -> str | None:
        """The managed gateway's data mapping of a non-proxy integration, as the route table shows it."""
        return self.integration.mapping if isinstance(self.integration, MappedIntegration) else None

    @property
    def auth(self) -> str:
        parts = []
        if self.jwt is not None:
            parts.append(str(self.jwt))
        if isinstance(self.authorizer, UnavailableAuthorizer):
            parts.append(f"authorizer {self.authorizer.name} (cannot run here: answers 500)")
        elif self.authorizer is not None:
            parts.append(f"lambda {self.authorizer.name}")
        if self.iam:
            parts.append("iam")
        if self.api_key_required:
            parts.append("api key")
        if self.credentials is not None:
            schemes = sorted({c.scheme for alternative in self.credentials.alternatives for c in alternative})
            parts.append(f"credentials present ({', '.join(schemes)})")
        return " + ".join(parts) or "none"


def column(routes: Sequence[Route], pick: Callable[[Route], T | None]) -> tuple[T | None, ...] | None:
    """One policy's entry for every route, by operation index; None when no route has one (the
    pipeline then leaves that policy's stage out: an unused stage still costs a call a request)."""
    found = tuple(pick(route) for route in routes)
    return found if any(entry is not None for entry in found) else None
