"""Deployment stages (`x-gateway.stages`, the managed gateway's "stages"; in this code "stage" alone
is a pipeline stage): named sets of stage variables, with the stage's own API throttle and cache
switch, one chosen per server with `--stage`, substituted where the spec writes
`${stageVariables.NAME}`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from apigw_cli.errors import SpecError
from apigw_cli.gateway.limits import Throttle
from apigw_cli.gateway.stages.throttle import read_throttle
from apigw_cli.spec.document import Location, SpecDocument

_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_.:/-]+)\}")


@dataclass(frozen=True)
class Deployment:
    name: str | None  # None: the spec declares no stages
    variables: dict[str, str] = field(default_factory=dict)
    throttle: Throttle | None = None  # the stage's own API throttle, over x-gateway.throttle
    cache: bool = True  # `cache: false` turns every x-cache off in this stage

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


def choose_deployment(document: SpecDocument, wanted: str | None) -> Deployment:
    at = document.root_location.child("x-gateway", "stages")
    gateway: Any = document.root.get("x-gateway") or {}
    declared = gateway.get("stages") if isinstance(gateway, dict) else None
    if declared is None:
        if wanted is not None:
            raise SpecError(
                f"--stage {wanted}: the spec declares no stages (x-gateway.stages)", str(document.root_path)
            )
        return Deployment(None)
    if not isinstance(declared, dict) or not declared:
        raise document.error("x-gateway.stages must map stage names to {variables: {...}}", at)
    name = wanted if wanted is not None else str(next(iter(declared)))
    if name not in declared:
        raise document.error(f"stage {name!r} is not declared (declared: {', '.join(map(str, declared))})", at)
    entry = declared[name] or {}
    variables = entry.get("variables") or {} if isinstance(entry, dict) else None
    if not isinstance(variables, dict):
        raise document.error(f"stage {name}: variables must map names to values", at.child(name))
    cache = entry.get("cache", True)
    if not isinstance(cache, bool):
        raise document.error(f"stage {name}: cache must be true or false", at.child(name, "cache"))
    throttle = entry.get("throttle")
    return Deployment(
        name,
        {str(key): str(value) for key, value in variables.items()},
        read_throttle(document, throttle, at.child(name, "throttle")) if throttle is not None else None,
        cache,
    )
