"""`apigw coverage`: how much of a spec runs here as the managed gateway would run it. Per operation:
`runs` (as on AWS), `approximated` (it runs, otherwise than on AWS: how), or `unavailable` (it
answers a 5xx naming why: a Lambda nobody mapped, an AWS service, an authorizer with nothing to
run). Per `x-amazon-apigateway-*` extension the spec uses: what apigw does with it. `serve` prints
the one-line summary at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.integrations.unavailable import UnavailableIntegration
from apigw_cli.gateway.stages.lambda_authorizer import UnavailableAuthorizer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from apigw_cli.gateway.routes import Route
    from apigw_cli.gateway.snapshot import Gateway

# what apigw does with each of the managed gateway's extensions
EXTENSIONS: dict[str, tuple[str, str]] = {
    "x-amazon-apigateway-integration": (
        "runs",
        "aws_proxy and aws Lambdas through x-gateway.lambdas / --lambda-map, http, http_proxy, mock; "
        "AWS services answer 501 unless mapped",
    ),
    "x-amazon-apigateway-integrations": ("runs", "reusable integrations under components, as $refs"),
    "x-amazon-apigateway-request-validators": ("runs", "body and parameter checks with the managed gateway's messages"),
    "x-amazon-apigateway-request-validator": ("runs", "the validator an operation or the API chooses"),
    "x-amazon-apigateway-authorizer": ("runs", "TOKEN and REQUEST Lambdas, JWT; Cognito user pools with local keys"),
    "x-amazon-apigateway-authtype": ("runs", "custom (Lambda), awsSigv4 (IAM), cognito_user_pools"),
    "x-amazon-apigateway-auth": ("runs", "AWS_IAM: SigV4 against local credentials, identity and resource policies"),
    "x-amazon-apigateway-api-key-source": ("runs", "HEADER or AUTHORIZER"),
    "x-amazon-apigateway-binary-media-types": ("runs", "base64 bodies in Lambda events and mapping templates"),
    "x-amazon-apigateway-cors": ("runs", "the HTTP API's CORS configuration"),
    "x-amazon-apigateway-gateway-responses": ("runs", "status, headers and templates of the gateway's own answers"),
    "x-amazon-apigateway-policy": ("runs", "execute-api:Invoke with Principal and IP / principal conditions"),
    "x-amazon-apigateway-any-method": ("runs", "an operation for every method of a path"),
    "x-amazon-apigateway-importexport-version": ("runs", "read with the HTTP API export it marks"),
    "x-amazon-apigateway-documentation": ("ignored", "documentation parts matter to the AWS console only"),
    "x-amazon-apigateway-endpoint-configuration": ("ignored", "a local server has no endpoint types or VPC endpoints"),
    "x-amazon-apigateway-minimum-compression-size": ("ignored", "responses are sent uncompressed"),
    "x-amazon-apigateway-tag-value": ("ignored", "tags matter to AWS billing and access only"),
    "x-amazon-apigateway-integration-response": ("runs", "inside integrations"),
}


@dataclass(frozen=True)
class OperationCoverage:
    method: str
    path: str
    operation_id: str | None
    status: str  # runs, approximated, unavailable
    answer: int | None  # the 5xx an unavailable one answers
    why: tuple[str, ...]


def operation_coverage(route: Route) -> OperationCoverage:
    operation = route.operation
    why: list[str] = []
    answer = None
    if isinstance(route.integration, UnavailableIntegration):
        why.append(route.integration.reason)
        answer = route.integration.status
    if isinstance(route.authorizer, UnavailableAuthorizer):
        why.append(f"authorizer {route.authorizer.name}: {route.authorizer.reason}")
        answer = answer or 500
    if answer is not None:
        status = "unavailable"
    elif route.approximations:
        status = "approximated"
        why = list(route.approximations)
    else:
        status = "runs"
    return OperationCoverage(operation.method, operation.path, operation.operation_id, status, answer, tuple(why))


def extension_uses(value: Any, found: dict[str, int] | None = None) -> dict[str, int]:
    """How often each `x-amazon-apigateway-*` key appears anywhere in the document."""
    counts = found if found is not None else {}
    for key, item in _items(value):
        if isinstance(key, str) and key.startswith("x-amazon-apigateway-"):
            counts[key] = counts.get(key, 0) + 1
        if isinstance(item, dict | list):
            extension_uses(item, counts)
    return counts


def _items(value: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(value, dict):
        yield from value.items()
    elif isinstance(value, list):
        yield from ((None, item) for item in value)


@dataclass(frozen=True)
class Coverage:
    operations: tuple[OperationCoverage, ...]
    extensions: tuple[tuple[str, int, str, str], ...]  # name, uses, status, what apigw does

    def count(self, status: str) -> int:
        return sum(1 for operation in self.operations if operation.status == status)

    @property
    def summary(self) -> str:
        return coverage_summary(self.operations)

    def as_json(self) -> dict[str, Any]:
        return {
            "summary": {
                "operations": len(self.operations),
                "runs": self.count("runs"),
                "approximated": self.count("approximated"),
                "unavailable": self.count("unavailable"),
                "text": self.summary,
            },
            "operations": [
                {
                    "method": o.method,
                    "path": o.path,
                    "operationId": o.operation_id,
                    "status": o.status,
                    "answer": o.answer,
                    "why": list(o.why),
                }
                for o in self.operations
            ],
            "extensions": [
                {"name": name, "uses": uses, "status": status, "what": what}
                for name, uses, status, what in self.extensions
            ],
        }


def coverage_summary(operations: tuple[OperationCoverage, ...] | list[OperationCoverage]) -> str:
    """`38 of 40 operations run as on AWS; 2 answer 501: see apigw coverage`."""
    total = len(operations)
    runs = sum(1 for o in operations if o.status == "runs")
    text = f"{runs} of {total} operations run as on AWS"
    approximated = sum(1 for o in operations if o.status == "approximated")
    if approximated:
        text += f"; {approximated} approximated"
    answers: dict[int, int] = {}
    for o in operations:
        if o.answer is not None:
            answers[o.answer] = answers.get(o.answer, 0) + 1
    for status, count in sorted(answers.items()):
        text += f"; {count} answer {status}"
    return text + (": see apigw coverage" if runs < total else "")


def coverage(gateway: Gateway, document_root: Any) -> Coverage:
    operations = tuple(operation_coverage(route) for route in gateway.routes)
    extensions = tuple(
        (name, uses, *EXTENSIONS.get(name, ("ignored", "not known to apigw")))
        for name, uses in sorted(extension_uses(document_root).items())
    )
    return Coverage(operations, extensions)
