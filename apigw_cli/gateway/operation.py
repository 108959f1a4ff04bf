"""The compiled form of one OpenAPI operation: what it accepts and answers, resolved at load time.
Plain data: the integration and the policies compiled for it live with the stages that apply them
(see routes.py), so this module sits below everything that handles a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from apigw_cli.spec.walk import DEFAULT_ROUTE

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from apigw_cli.gateway.validation.body import MediaSpec
    from apigw_cli.gateway.validation.params import ParameterSpec
    from apigw_cli.gateway.validation.schema import SchemaValidator


@dataclass(frozen=True, slots=True)
class RequestBodySpec:
    required: bool
    media: Mapping[str, MediaSpec]


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    value: Any


@dataclass(frozen=True, slots=True)
class ResponseMedia:
    spec: MediaSpec  # its validator checks responses
    examples: tuple[Example, ...]  # declared examples, in order
    # the bundled schema a mock generates values from (at its first request, when there is no
    # example or dynamic=true is asked); None if no schema or not mocked
    mock_schema: Any
    xml_schema: Any = None  # the bundled schema of an XML media type, which a mock renders by


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    status: str  # "200", "2XX" or "default"
    media: Mapping[str, ResponseMedia]
    media_specs: Mapping[str, MediaSpec]  # the same keys, for Content-Type selection
    mock_headers: tuple[tuple[str, str], ...] = ()  # declared headers as the mock sends them


@dataclass(frozen=True, slots=True)
class Operation:
    index: int  # its place in the snapshot's routes: the stages' per-route tables are indexed by it
    method: str  # upper-case, or ANY
    path: str  # the path template as the spec has it, e.g. /users/{id}
    operation_id: str | None
    summary: str
    parameters: tuple[ParameterSpec, ...]
    request_body: RequestBodySpec | None
    responses: Mapping[str, ResponseSpec]
    integration: str  # the kind of its integration (python, http, mock, unsupported...), for logs and records
    source: str  # file#pointer of the operation, for messages
    validate_parameters: bool = True
    validate_body: bool = True
    # "aws": the managed gateway's request validators (x-amazon-apigateway-request-validators): required
    # parameters present, a JSON body against its model, and its messages; "openapi": everything declared
    validation_style: Literal["openapi", "aws"] = "openapi"
    fingerprint: str = ""  # a digest of the operation as the spec wrote it, to tell what a reload changed

    @property
    def route_key(self) -> str:
        """`GET /users/{id}`, or `$default` for an HTTP API's catch-all route (its events say so)."""
        return self.path if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"

    def response_for(self, status: int) -> ResponseSpec | None:
        return declared_response(self.responses, str(status))

    def validators(self) -> Iterator[SchemaValidator]:
        """Every schema validator of the operation: parameters, request bodies, responses."""
        for parameter in self.parameters:
            if parameter.validator is not None:
                yield parameter.validator
        for media in self.request_body.media.values() if self.request_body else ():
            if media.validator is not None:
                yield media.validator
        for response in self.responses.values():
            for spec in response.media_specs.values():
                if spec.validator is not None:
                    yield spec.validator


def declared_response(responses: Mapping[str, ResponseSpec], code: str) -> ResponseSpec | None:
    """The declared response a status code falls under: exact code, then `4XX`, then `default`."""
    return responses.get(code) or responses.get(code[0] + "XX") or responses.get("default")
