"""The `mock` integration: answers from the operation's declared responses, with no backend.

Status: `Prefer: code=NNN`, else `x-integration.status`, else the first 2xx declared.
Body: `Prefer: example=NAME`, else the first declared example, else a value generated from
the schema at load time (valid against it, the same every time).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.operation import ResponseMedia, ResponseSpec, declared_response
from apigw_cli.gateway.validation.body import media_type_of


@dataclass(frozen=True, slots=True)
class MockIntegration:
    status: int | None = None
    kind: str = "mock"

    @property
    def target(self) -> str:
        return f"status {self.status}" if self.status else "from examples"

    async def aclose(self) -> None:
        return None

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        operation = exchange.operation
        assert operation is not None  # the route stage ran
        prefer = parse_prefer(exchange.request.header("prefer"))
        status, response = self._choose_response(operation.responses, prefer.get("code"))
        if response is None:
            wanted = prefer.get("code")
            return gateway_error(
                "DEFAULT_4XX",
                f"No response for status {wanted} is declared for {operation.route_key}",
                status=404,
                error_type="NotFoundException",
            )
        media = _negotiate(response, exchange.request.header("accept"))
        if media is None:
            return GatewayResponse(status, [], b"")
        value = media.generated
        example_name = prefer.get("example")
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
        elif media.examples:
            value = media.examples[0].value
        content_type = media.spec.media_type if "*" not in media.spec.media_type else "application/json"
        if media.spec.kind == "json" or not isinstance(value, str | bytes):
            body = json.dumps(value, ensure_ascii=False).encode()
        else:
            body = value.encode() if isinstance(value, str) else value
        return GatewayResponse(status, [("content-type", content_type)], body)

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


def _negotiate(response: ResponseSpec, accept: str | None) -> ResponseMedia | None:
    if not response.media:
        return None
    for wanted in (media_type_of(part) for part in (accept or "").split(",")):
        if wanted in response.media:
            return response.media[wanted]
        if wanted.endswith("/*") and wanted != "*/*":
            for media_type, media in response.media.items():
                if media_type.startswith(wanted[:-1]):
                    return media
    for media_type, media in response.media.items():
        if media.spec.kind == "json" and "*" not in media_type:
            return media
    return next(iter(response.media.values()))
