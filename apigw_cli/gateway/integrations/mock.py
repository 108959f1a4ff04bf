"""The `mock` integration: answers from the operation's declared responses, with no backend.

Status: `Prefer: code=NNN` (Prism's `?__code=NNN` too), else `x-integration.status`, else the first
2xx declared. Media type: the declared one the request's `Accept` takes (negotiation.py), 406
when it takes none. Body: `Prefer: example=NAME` (`?__example=NAME`), else the first declared
example, else a value generated from the schema at the first request (valid against it, the same
every time); `Prefer: dynamic=true` (`?__dynamic=true`) generates a fresh random one, valid too.
Headers: the declared response headers, from their examples or generated from their schemas.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.integrations.mock_data import generate
from apigw_cli.gateway.integrations.negotiation import negotiate
from apigw_cli.gateway.integrations.xml_render import render_xml
from apigw_cli.gateway.operation import ResponseMedia, ResponseSpec, declared_response

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True)
class MockIntegration:
    status: int | None = None
    kind: str = "mock"
    # generated values checked once against their schema, by id of their ResponseMedia (validators
    # compile on first use: compiling does not check them)
    _checked: dict[int, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def target(self) -> str:
        return f"status {self.status}" if self.status else "from examples"

    async def aclose(self) -> None:
        return None

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        operation = exchange.operation
        assert operation is not None  # the route stage ran
        prefer = parse_prefer(exchange.request.header("prefer"))
        query = exchange.request.query
        for name in ("code", "example", "dynamic"):  # Prism's spelling: ?__code=404&__example=cat
            if f"__{name}" in query and name not in prefer:
                prefer[name] = query[f"__{name}"][-1]
        status, response = self._choose_response(operation.responses, prefer.get("code"))
        if response is None:
            wanted = prefer.get("code")
            return gateway_error(
                "DEFAULT_4XX",
                f"No response for status {wanted} is declared for {operation.route_key}",
                status=404,
                error_type="NotFoundException",
            )
        headers = list(response.mock_headers)  # declared response headers, mocked
        if not response.media:
            return GatewayResponse(status, headers, b"")
        accept = exchange.request.header("accept")
        declared = list(response.media)
        chosen_type = negotiate(declared, accept, [response.media[m].spec.kind == "json" for m in declared])
        if chosen_type is None:
            exchange.error = f"Accept {accept!r} takes none of {', '.join(declared)}"
            return gateway_error(
                "DEFAULT_4XX", "Not Acceptable", status=406, error_type="NotAcceptableException", supported=declared
            )
        media = response.media[chosen_type]
        example_name = prefer.get("example")
        dynamic = str(prefer.get("dynamic", "")).lower() == "true"
        if example_name is not None:
            chosen = next((e for e in media.examples if e.name == example_name), None)
            if chosen is None:
                names = ", ".join(e.name for e in media.examples) or "none"
                return gateway_error(
                    "DEFAULT_4XX",
                    f"No example named {example_name!r} (declared: {names})",
                    status=404,
                    error_type="NotFoundException",
                )
            value = chosen.value
        elif dynamic and media.mock_schema is not None:
            value = generate(media.mock_schema, random.Random())
        elif media.examples:
            value = media.examples[0].value
        else:
            value = self.generated_value(media)
        content_type = media.spec.media_type if "*" not in media.spec.media_type else "application/json"
        if media.xml_schema is not None and not isinstance(value, str | bytes):
            body = render_xml(value, media.xml_schema).encode()  # following the schema's xml objects
        elif media.spec.kind == "json" or not isinstance(value, str | bytes):
            body = json.dumps(value, ensure_ascii=False).encode()
        else:
            body = value.encode() if isinstance(value, str) else value
        return GatewayResponse(status, [("content-type", content_type), *headers], body)

    def generated_value(self, media: ResponseMedia) -> Any:
        """The generated value (made at the first request: compiling stays lazy); one remade without
        the schema's own examples when they contradict it."""
        key = id(media)
        if key not in self._checked:
            value = generate(media.mock_schema) if media.mock_schema is not None else None
            validator = media.spec.validator
            if value is not None and validator is not None and validator.errors(value):
                value = generate(validator.schema, use_examples=False)
            self._checked[key] = value
        return self._checked[key]

    def _choose_response(
        self, responses: Mapping[str, ResponseSpec], preferred: str | None
    ) -> tuple[int, ResponseSpec | None]:
        if preferred is not None:
            if not preferred.isdigit():
                return 0, None
            return int(preferred), declared_response(responses, preferred)
        if self.status is not None:
            return self.status, declared_response(responses, str(self.status))
        for key in sorted(responses):
            if key.startswith("2"):
                return (200 if key == "2XX" else int(key)), responses[key]
        for key in sorted(responses):
            if key[0].isdigit():
                return (int(key[0]) * 100 if key.endswith("XX") else int(key)), responses[key]
        if "default" in responses:
            return 200, responses["default"]
        return 204, ResponseSpec("204", {}, {})


def parse_prefer(header: str | None) -> dict[str, str]:
    prefs: dict[str, str] = {}
    for part in (header or "").replace(";", ",").split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            prefs[name.strip().lower()] = value.strip().strip('"')
    return prefs
