"""`replay --check-schema`: checks each replayed response against the spec with openapi-core, the
reference validator (the gateway's own compiled validators are what is being tested). Our router
finds the operation, so base paths and stage prefixes need no server matching; openapi-core is
only asked whether this response fits that operation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import ConfigError
from apigw_cli.gateway.router import Match

if TYPE_CHECKING:
    from apigw_cli.gateway.inprocess import Answer
    from apigw_cli.gateway.snapshot import Gateway

_HOST = "http://apigw.replay"


@dataclass
class _RequestParameters:
    query: dict[str, Any] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    cookie: dict[str, Any] = field(default_factory=dict)
    path: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Request:
    """openapi-core's Request protocol: only what finding the operation needs."""

    method: str
    path: str
    path_pattern: str
    host_url: str = _HOST
    content_type: str = ""
    body: bytes | None = None
    parameters: _RequestParameters = field(default_factory=_RequestParameters)


@dataclass
class _Response:
    status_code: int
    content_type: str
    headers: dict[str, str]
    data: bytes


class SchemaCheck:
    def __init__(self, gateway: Gateway):
        from openapi_core import OpenAPI
        from openapi_core.configurations import Config

        from apigw_cli.spec.parse import parse_file

        if gateway.openapi_version.startswith("2"):
            raise ConfigError(
                f"{gateway.spec_path}: --check-schema reads OpenAPI 3.0 and 3.1 specs (openapi-core, the reference "
                "validator, has no Swagger 2.0); serve --validate-responses strict checks 2.0 responses"
            )
        data = parse_file(gateway.spec_path)
        data["servers"] = [{"url": _HOST}]  # operations are found by our router, not by server URL
        self._openapi = OpenAPI.from_dict(
            data,
            config=Config(spec_validator_cls=None),  # type: ignore[arg-type]  # None: lint checks the spec, base_uri=gateway.spec_path.resolve().as_uri()
        )
        self._router = gateway.router

    def problem(self, method: str, path: str, answer: Answer) -> str | None:
        """Why the answer breaks the spec, or None. Answers to paths the spec lacks are not checked."""
        found = self._router.match(method, path)
        if not isinstance(found, Match):
            return None
        content_type = (answer.header("content-type") or "").lower()
        parameters = _RequestParameters(path=found.params)
        request = _Request(method.lower(), found.template, found.template, parameters=parameters)
        response = _Response(answer.status, content_type, dict(answer.headers), answer.body)
        try:
            self._openapi.validate_response(request, response)  # type: ignore[arg-type]
        except Exception as exc:
            return _describe(exc)
        return None


def _describe(exc: Exception) -> str:
    """openapi-core's schema errors as `pointer: message`, else its own message."""
    inner = exc.__cause__
    causes = []
    for error in getattr(inner, "schema_errors", None) or ():
        where = "/".join(str(part) for part in getattr(error, "absolute_path", ()))
        causes.append(f"{'/' + where if where else 'body'}: {getattr(error, 'message', error)}")
    return ("; ".join(causes) or f"{type(exc).__name__}: {exc}")[:500]
