"""The deployment stage a snapshot serves (`x-gateway.stages`; "stage" alone in this code is a
pipeline stage): its name and stage variables, its API throttle and cache switch, and the binary
media types, as events, `$context` and integration URIs read them. Also the identity the local
gateway gives its API (account, API id, region) wherever the managed gateway would put its own."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apigw_cli.gateway.limits import Throttle
    from apigw_cli.spec.document import Location, SpecDocument

ACCOUNT_ID = "123456789012"
API_ID = "apigwlocal"
REGION = "us-east-1"
_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_.:/-]+)\}")


@dataclass(frozen=True)
class Deployment:
    name: str | None  # None: the spec declares no stages
    variables: dict[str, str] = field(default_factory=dict)
    throttle: Throttle | None = None  # the stage's own API throttle, over x-gateway.throttle
    cache: bool = True  # `cache: false` turns every x-cache off in this stage
    binary_media_types: tuple[str, ...] = ()  # x-amazon-apigateway-binary-media-types, lower-case

    @property
    def stage(self) -> str:
        """The stage name events and `$context.stage` carry: `$default` when the spec declares none."""
        return self.name or "$default"

    @property
    def deployment_id(self) -> str:
        """`requestContext.deploymentId`: six characters, the same for the same stage in every run."""
        return hashlib.blake2b(f"deployment:{self.stage}".encode(), digest_size=8).hexdigest()[:6]

    @property
    def stage_variables(self) -> dict[str, str] | None:
        return self.variables or None

    def substitute(self, text: str, document: SpecDocument, at: Location) -> str:
        """`text` with each `${stageVariables.NAME}` replaced; an unknown name is a SpecError there."""

        def value(found: re.Match[str]) -> str:
            name = found.group(1)
            if name not in self.variables:
                where = (
                    f"stage {self.name!r}"
                    if self.name
                    else "no stage (declare x-gateway.stages, pick one with --stage)"
                )
                known = ", ".join(sorted(self.variables)) or "none"
                raise document.error(f"stage variable {name!r} is not set for {where} (set: {known})", at)
            return self.variables[name]

        return _VARIABLE.sub(value, text)
