"""The managed gateway's integration responses for non-proxy integrations: a backend outcome
(status code, or a Lambda error message) selects an entry by `selectionPattern`, which sets
the status, static headers and, when its template is static, the body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import re

    from apigw_cli.gateway.exchange import GatewayResponse


@dataclass(frozen=True, slots=True)
class IntegrationResponse:
    pattern: re.Pattern[str] | None  # None: the default entry
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None  # a static response template; None passes the backend's body through
    content_type: str | None = None

    def apply(self, response: GatewayResponse) -> GatewayResponse:
        response.status = self.status
        for name, value in self.headers:
            response.set_header(name, value)
        if self.body is not None:
            response.body = self.body
            if self.content_type:
                response.set_header("content-type", self.content_type)
        return response


def select_response(responses: tuple[IntegrationResponse, ...], subject: str) -> IntegrationResponse | None:
    """The entry whose pattern matches `subject` in full, else the default entry."""
    default = None
    for entry in responses:
        if entry.pattern is None:
            default = default or entry
        elif entry.pattern.fullmatch(subject):
            return entry
    return default
