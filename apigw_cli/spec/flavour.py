"""Which of the managed gateway's API kinds a spec is written for: a REST API, an HTTP API, or
neither (a plain OpenAPI spec). It decides what an unknown route answers and the Lambda event
format an integration defaults to. `x-gateway.flavour` says it; otherwise the spec's own marks do:
the extensions only HTTP API exports carry (`x-amazon-apigateway-importexport-version`,
`x-amazon-apigateway-cors`, a `$default` route, `payloadFormatVersion` on an integration), else any
`x-amazon-apigateway-*` extension (REST exports carry nothing else)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from apigw_cli.spec.walk import DEFAULT_ROUTE, operations

if TYPE_CHECKING:
    from apigw_cli.spec.document import SpecDocument

Flavour = Literal["rest", "http", "plain"]
AWS_PREFIX = "x-amazon-apigateway-"
_HTTP_ONLY_ROOT_KEYS = ("x-amazon-apigateway-importexport-version", "x-amazon-apigateway-cors")


def detect_flavour(document: SpecDocument) -> Flavour:
    root = document.root
    gateway: Any = root.get("x-gateway")
    declared = gateway.get("flavour") if isinstance(gateway, dict) else None
    if declared in ("rest", "http"):
        return declared  # type: ignore[no-any-return]
    paths = root.get("paths")
    if any(key in root for key in _HTTP_ONLY_ROOT_KEYS) or (isinstance(paths, dict) and DEFAULT_ROUTE in paths):
        return "http"
    aws = any(str(key).startswith(AWS_PREFIX) for key in root)
    for site in operations(document):
        integration = site.operation.get("x-amazon-apigateway-integration")
        if isinstance(integration, dict) and "payloadFormatVersion" in integration:
            return "http"
        aws = aws or any(str(key).startswith(AWS_PREFIX) for key in site.operation)
    return "rest" if aws else "plain"
