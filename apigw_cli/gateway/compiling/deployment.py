"""Reading deployment stages (`x-gateway.stages`): named sets of stage variables, with the stage's own
API throttle and cache switch, one chosen per server with `--stage` (gateway/deployment.py holds
what is chosen)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigw_cli.errors import SpecError
from apigw_cli.gateway.deployment import Deployment
from apigw_cli.gateway.stages.throttle import read_throttle

if TYPE_CHECKING:
    from apigw_cli.spec.document import SpecDocument


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
