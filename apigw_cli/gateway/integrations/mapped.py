"""Non-proxy integrations of AWS specs (`http`, `aws` to a Lambda, `mock`): the method request is
mapped to an integration request (mapping/request.py), a backend answers it, and its answer is
mapped to the method response by an integration response (mapping/responses.py).

The backends, each saying what the integration responses' selection patterns are matched against:

- http: the mapped request to the URL (only mapped query strings and headers pass, as on the
  managed gateway, which also sends its own User-Agent and API id); the backend's status code;
- Lambda: the handler gets the integration request body as its event (JSON, else the text); its
  result is the 200 body, an exception's `errorMessage` is the selection subject (the default
  entry takes a success);
- mock: the `statusCode` of the rendered request template (200 without one) is the subject, and
  response templates read the method request's body as `$input`.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

from apigw_cli.errors import IntegrationTimeout
from apigw_cli.gateway import json_text
from apigw_cli.gateway.deployment import API_ID, Deployment
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.integrations.http import HttpIntegration, forwarded_headers
from apigw_cli.gateway.lambda_runtime import run_handler
from apigw_cli.gateway.mapping.parameters import BackendAnswer
from apigw_cli.gateway.mapping.scope import MappingScope

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import ThreadPoolExecutor

    from apigw_cli.gateway.mapping.request import IntegrationRequest, RequestMapping
    from apigw_cli.gateway.mapping.responses import IntegrationResponses

logger = logging.getLogger("apigw")
_STATUS_CODE = re.compile(r'"?statusCode"?\s*:\s*"?(\d{3})')


class Backend(Protocol):
    kind: str

    @property
    def target(self) -> str: ...

    async def call(self, scope: MappingScope, request: IntegrationRequest) -> tuple[BackendAnswer, str | None]:
        """The backend's answer, and what selection patterns match (None: only the default)."""
        ...


class MappedIntegration:
    def __init__(
        self, backend: Backend, request: RequestMapping, responses: IntegrationResponses, deployment: Deployment
    ):
        self._backend = backend
        self._request = request
        self._responses = responses
        self._deployment = deployment
        self.kind = backend.kind

    @property
    def target(self) -> str:
        return self._backend.target

    @property
    def mapping(self) -> str:
        """What the route table says of its mappings: templates, responses, parameters."""
        request = self._request
        parts = []
        if request.templates.declared:
            kinds = ", ".join(template.media_type for template in request.templates.templates)
            parts.append(f"request template {kinds} (passthrough {request.templates.passthrough})")
        else:
            parts.append(f"no request template (passthrough {request.templates.passthrough})")
        if request.parameters.mappings:
            parts.append(f"{len(request.parameters.mappings)} request parameters")
        entries = self._responses.entries
        templated = sum(1 for entry in entries if entry.templates.declared)
        parts.append(
            f"{len(entries)} integration responses ({templated} templated)" if entries else "no integration response"
        )
        return "; ".join(parts)

    async def aclose(self) -> None:
        return None

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        body = await exchange.request.read_body()
        scope = MappingScope(exchange, self._deployment, body)
        prepared = self._request.prepare(scope)
        if isinstance(prepared, GatewayResponse):
            return prepared
        answer, subject = await self._backend.call(scope, prepared)
        return self._responses.respond(scope, answer, subject)


class HttpBackend:
    """The `http` integration's backend: the mapped request, sent with the managed gateway's headers."""

    kind = "http"

    def __init__(self, http: HttpIntegration, greedy_defaults: frozenset[str]):
        self._http = http
        self._greedy_defaults = greedy_defaults  # greedy path parameters of the method, by name

    @property
    def target(self) -> str:
        return self._http.target

    async def call(self, scope: MappingScope, request: IntegrationRequest) -> tuple[BackendAnswer, str | None]:
        exchange = scope.exchange
        parts = request.parts
        # a URL placeholder nobody mapped takes the method's path parameter of that name
        params = {**exchange.path_params, **parts.path}
        keep = parts.greedy | {name for name in self._greedy_defaults if name not in parts.path}
        url = self._http.url.render(params, keep)
        if parts.query:
            url += ("&" if self._http.url.has_query else "?") + urlencode(parts.query)
        headers = [
            ("content-type", request.content_type),
            ("accept", "application/json"),
            ("user-agent", f"AmazonAPIGateway_{API_ID}"),
            ("x-amzn-apigateway-api-id", API_ID),
            *forwarded_headers(exchange.request),
        ]
        mapped = {name for name, _ in parts.headers}
        headers = [(name, value) for name, value in headers if name not in mapped] + parts.headers
        method = self._http.method or exchange.request.method
        response = await self._http.send(method, url, headers, request.body or None)
        return BackendAnswer(response.status, response.headers, response.body), str(response.status)


class LambdaBackend:
    """A Lambda custom integration (`type: aws` to a function): the handler, run locally."""

    kind = "python"

    def __init__(self, handler: Callable[..., Any], reference: str, timeout: float, executor: ThreadPoolExecutor):
        self._handler = handler
        self._reference = reference
        self._timeout = timeout
        self._executor = executor

    @property
    def target(self) -> str:
        return f"{self._reference} (Lambda custom integration)"

    async def call(self, scope: MappingScope, request: IntegrationRequest) -> tuple[BackendAnswer, str | None]:
        try:
            event: Any = json_text.loads(request.body) if request.body.strip() else {}
        except ValueError:
            event = request.body.decode("utf-8", errors="replace")
        name = self._reference.rpartition(":")[2]
        request_id = scope.exchange.request_id
        headers = [("content-type", "application/json")]
        try:
            result = await run_handler(self._handler, event, name, request_id, self._executor, self._timeout)
        except TimeoutError:
            raise IntegrationTimeout(f"handler {self._reference} did not answer within {self._timeout:g} s") from None
        except Exception as exc:
            # the Python runtime's error payload; its errorMessage is what selection patterns match
            error = {
                "errorMessage": str(exc),
                "errorType": type(exc).__name__,
                "requestId": request_id,
                "stackTrace": traceback.format_tb(exc.__traceback__),
            }
            scope.exchange.notes.append(f"handler {self._reference} raised {type(exc).__name__}: {exc}")
            logger.info("handler %s raised %s: %s", self._reference, type(exc).__name__, exc)
            return BackendAnswer(200, headers, json.dumps(error).encode()), str(exc)
        try:
            payload = json.dumps(result)
        except (TypeError, ValueError) as exc:
            message = f"Unable to marshal response: {exc}"
            error = {"errorMessage": message, "errorType": "Runtime.MarshalError", "requestId": request_id}
            return BackendAnswer(200, headers, json.dumps(error).encode()), message
        return BackendAnswer(200, headers, payload.encode()), None


class MockBackend:
    """`type: mock`: the status the rendered request template names; no backend at all."""

    kind = "mock"

    @property
    def target(self) -> str:
        return "statusCode from requestTemplates"

    async def call(self, scope: MappingScope, request: IntegrationRequest) -> tuple[BackendAnswer, str | None]:
        status = 200
        if request.templated:
            status = _status_of(request.body)
        return BackendAnswer(status, [], scope.body), str(status)


def _status_of(rendered: bytes) -> int:
    try:
        document = json_text.loads(rendered)
    except ValueError:
        document = None
    value = document.get("statusCode") if isinstance(document, dict) else None
    if value is None:
        found = _STATUS_CODE.search(rendered.decode("utf-8", errors="replace"))
        value = found.group(1) if found else 200
    try:
        return int(value)
    except (TypeError, ValueError):
        return 200
