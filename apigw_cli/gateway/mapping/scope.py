"""What the mappings of one request read and share: the method request's parameters, its
`$context` map (made on first use, then shared by every template of the request, so an override
a request template sets is seen by what comes after), and the stage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.context_variables import context_variables

if TYPE_CHECKING:
    from apigw_cli.gateway.deployment import Deployment
    from apigw_cli.gateway.exchange import Exchange
    from apigw_cli.gateway.vtl.variables import Params


class MappingScope:
    def __init__(self, exchange: Exchange, deployment: Deployment, body: bytes):
        self.exchange = exchange
        self.deployment = deployment
        self.body = body  # the method request's body, read whole
        self._context: dict[str, Any] | None = None
        self._params: Params | None = None

    @property
    def context(self) -> dict[str, Any]:
        """`$context` (REST API names), with `requestOverride` / `responseOverride` to be filled."""
        if self._context is None:
            self._context = context_variables(self.exchange, self.deployment)
        return self._context

    @property
    def params(self) -> Params:
        """`$input.params()`: the path, query string (a repeated name: its last value, as the
        managed gateway maps it) and header values of the method request."""
        if self._params is None:
            request = self.exchange.request
            headers: dict[str, str] = {}
            for name, value in request.headers:
                headers[name] = f"{headers[name]},{value}" if name in headers else value
            self._params = {
                "path": dict(self.exchange.path_params),
                "querystring": {name: values[-1] for name, values in request.query.items() if values},
                "header": headers,
            }
        return self._params

    def header_values(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self.exchange.request.headers if key == lowered]

    def query_values(self, name: str) -> list[str]:
        return list(self.exchange.request.query.get(name, []))

    @property
    def request_override(self) -> dict[str, Any]:
        found = self.context.get("requestOverride")
        return found if isinstance(found, dict) else {}

    @property
    def response_override(self) -> dict[str, Any]:
        found = self.context.get("responseOverride")
        return found if isinstance(found, dict) else {}
