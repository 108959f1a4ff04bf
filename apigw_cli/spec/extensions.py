"""The JSON Schema apigw publishes for its extensions (`apigw schema extensions`), and checking one
extension object against it: lint reports every mismatch, serve refuses the first."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

# the JSON Schemas apigw publishes (`apigw schema`); a plain path, as importlib.resources costs
# ~15 ms of imports, which every `apigw invoke` would pay
SCHEMAS_FOLDER = Path(__file__).resolve().parent.parent / "schemas"


def extension_schema() -> dict[str, Any]:
    return dict(json.loads((SCHEMAS_FOLDER / "extensions.json").read_text(encoding="utf-8")))


@cache
def _validators() -> dict[str, Any]:
    import jsonschema_rs

    schema = extension_schema()
    return {
        name: jsonschema_rs.validator_for(
            {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{name}"}
        )
        for name in schema["$defs"]
    }


def extension_errors(key: str, value: Any) -> Iterator[tuple[tuple[str, ...], str]]:
    """Where in `value` (the object under `key`) it departs from the schema, and how: the message
    starts with the dotted place, `x-integration.timeout: -1 is less than the minimum of 0`."""
    for error in _validators()[key].iter_errors(value):
        path = tuple(str(token) for token in error.instance_path)
        yield path, f"{key}{'.' + '.'.join(path) if path else ''}: {error.message}"
