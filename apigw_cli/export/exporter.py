"""`apigw export SPEC --to aws-rest|aws-http`: the spec as the managed gateway imports it.

- `x-integration` (inherited from the root and the path item as serve inherits it) becomes
  `x-amazon-apigateway-integration`: python -> `aws_proxy` on the Lambda the `--lambda-arn` map
  names (or the ARN template makes from the handler's function name), http -> `http_proxy` (path
  parameters mapped), mock -> `mock` answering the operation's example (REST only: HTTP APIs have
  no mock integration). Integrations the spec already writes AWS's way stay as they are.
- `x-gateway`: API keys -> `x-amazon-apigateway-api-key-source` and an `api_key` scheme; JWT and
  Lambda authorizers -> `x-amazon-apigateway-authorizer`s; CORS -> `x-amazon-apigateway-cors`
  (HTTP) or OPTIONS mock methods (REST); validation -> request validators (REST). Usage plans,
  throttles, caches and stage variables are stage settings, not part of an import: they go to
  `NAME.deploy.json` beside the output, and `NAME.lambdas.yaml` maps the Lambdas back to their
  handlers so `apigw serve` runs the export as it ran the original.
- OpenAPI 3.1 is taken down to 3.0 (export/openapi30.py); apigw's own extensions are removed.

What cannot be said to the managed gateway is a `Loss` (where, what); the CLI lists them and exits
1 unless --allow-loss.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from apigw_cli.export.openapi30 import METHODS, down_convert
from apigw_cli.gateway.deployment import ACCOUNT_ID, REGION
from apigw_cli.spec.bundle import bundle
from apigw_cli.spec.pointer import format_pointer
from apigw_cli.spec.walk import TEMPLATE_PARAMETER

if TYPE_CHECKING:
    from pathlib import Path

    from apigw_cli.spec.document import SpecDocument

Target = Literal["aws-rest", "aws-http"]
OWN_EXTENSIONS = ("x-integration", "x-gateway", "x-throttle", "x-cache")
_REST_ONLY = (
    "x-amazon-apigateway-request-validators", "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-gateway-responses", "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-binary-media-types", "x-amazon-apigateway-policy",
)  # fmt: skip


def _where(*tokens: str) -> str:
    return format_pointer(tuple(tokens))


DEFAULT_ARN_TEMPLATE = "arn:aws:lambda:{region}:{account}:function:{name}"
REST_TIMEOUT_MS = 29_000


@dataclass(frozen=True)
class Loss:
    where: str
    what: str


@dataclass
class Export:
    document: dict[str, Any]
    losses: list[Loss] = field(default_factory=list)
    lambdas: dict[str, str] = field(default_factory=dict)  # ARN -> handler file (absolute):function
    deploy: dict[str, Any] = field(default_factory=dict)  # stage settings, usage plans


@dataclass(frozen=True)
class ExportOptions:
    target: Target
    lambda_arns: dict[str, str] = field(default_factory=dict)  # handler reference or function name -> ARN
    arn_template: str = DEFAULT_ARN_TEMPLATE
    region: str = REGION
    account: str = ACCOUNT_ID
    stage: str | None = None


def _inherit(*configs: Any) -> dict[str, Any] | None:
    """The nearest x-integration over the farther ones, key by key, as serve inherits them."""
    merged: dict[str, Any] | None = None
    for config in configs:  # farthest first
        if not isinstance(config, dict):
            continue
        if merged is None or ("type" in config and config["type"] != merged.get("type")):
            merged = dict(config)
        else:
            merged.update(config)
    return merged


class _Exporter:
    def __init__(self, document: SpecDocument, options: ExportOptions):
        self.source = document
        self.options = options
        self.out = bundle(document)  # one file: the managed gateway imports one
        self.result = Export(self.out)
        self.rest = options.target == "aws-rest"

    def lose(self, where: str, what: str) -> None:
        self.result.losses.append(Loss(where, what))

    def run(self) -> Export:
        if self.source.dialect == "2.0" and not self.rest:
            self.lose("/swagger", "an HTTP API imports OpenAPI 3.0 only: convert the Swagger 2.0 spec first")
        if self.source.dialect == "3.1":
            down_convert(self.out, self.lose)
        found = self.out.get("x-gateway")
        gateway: dict[str, Any] = found if isinstance(found, dict) else {}
        root_integration = self.out.get("x-integration")
        validated = False
        for path, item in (self.out.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            validated = validated or bool(item.get("parameters"))
            for method in METHODS:
                operation = item.get(method)
                if isinstance(operation, dict):
                    validated = validated or bool(operation.get("parameters") or operation.get("requestBody"))
                    config = _inherit(root_integration, item.get("x-integration"), operation.get("x-integration"))
                    self._operation(path, method, operation, config)
        self._gateway(gateway)
        self._strip(self.out)
        if self.rest:
            if "x-amazon-apigateway-request-validators" not in self.out:  # apigw validates every request
                self.out["x-amazon-apigateway-request-validators"] = {
                    "all": {"validateRequestBody": True, "validateRequestParameters": True}
                }
                self.out.setdefault("x-amazon-apigateway-request-validator", "all")
        else:
            if validated:
                self.lose(
                    "/paths", "request validation: HTTP APIs do not validate requests (backends get them as sent)"
                )
            for key in _REST_ONLY:
                if key in self.out:
                    self.lose(_where(key), f"{key}: REST APIs only")
                    self.out.pop(key)
            self.out["x-amazon-apigateway-importexport-version"] = "1.0"
        return self.result

    # operations
    def _operation(self, path: str, method: str, operation: dict[str, Any], config: dict[str, Any] | None) -> None:
        where = _where("paths", path, method)
        written = operation.get("x-amazon-apigateway-integration")
        if written is not None:  # written the managed gateway's way already
            kind = str(written.get("type", "")).lower() if isinstance(written, dict) else ""
            if not self.rest and kind not in ("aws_proxy", "http_proxy"):
                self.lose(where, f"a {kind or '$ref'} integration: HTTP APIs take aws_proxy and http_proxy only")
            if not self.rest and operation.get("x-amazon-apigateway-request-validator"):
                operation.pop("x-amazon-apigateway-request-validator")
            return
        for key in ("x-throttle", "x-cache"):
            if key in operation:
                self._route_setting(path, method, key, operation[key])
        kind = (config or {}).get("type", "mock")
        integration: dict[str, Any] | None
        if kind == "python":
            integration = self._lambda(where, config or {})
        elif kind == "http":
            integration = self._http(where, method, config or {})
        else:
            integration = self._mock(where, operation, config or {})
        if integration is not None:
            operation["x-amazon-apigateway-integration"] = integration

    def _lambda(self, where: str, config: dict[str, Any]) -> dict[str, Any]:
        arn = self._deployed_lambda(str(config.get("handler", "")))
        payload = str(config.get("payload", "1.0"))
        integration: dict[str, Any] = {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": self._invocation_uri(arn),
            "passthroughBehavior": "when_no_match",
        }
        if self.rest:
            if payload == "2.0":
                self.lose(where, "payload 2.0: a REST API sends Lambdas the 1.0 event only")
        else:
            integration["payloadFormatVersion"] = payload
        self._timeout(where, config, integration)
        return integration

    def _deployed_lambda(self, reference: str) -> str:
        """The ARN a handler is deployed as (--lambda-arn, else the ARN template), kept with the
        handler's file for the lambda map written beside the export."""
        function = reference.rpartition(":")[2]
        options = self.options
        arn = options.lambda_arns.get(reference) or options.lambda_arns.get(function)
        if arn is None:
            name = re.sub(r"[^A-Za-z0-9_-]", "-", function) or "handler"
            arn = options.arn_template.format(name=name, region=options.region, account=options.account)
        file_part = reference.rpartition(":")[0]
        handler = reference
        if file_part.endswith(".py") or "/" in file_part:
            handler = f"{(self.source.root_path.parent / file_part).resolve()}:{function}"
        self.result.lambdas[arn] = handler
        return arn

    def _security_schemes(self) -> dict[str, Any]:
        """The document's security schemes (2.0: securityDefinitions), made when missing."""
        if self.source.dialect == "2.0":
            found: dict[str, Any] = self.out.setdefault("securityDefinitions", {})
        else:
            found = self.out.setdefault("components", {}).setdefault("securitySchemes", {})
        return found

    def _invocation_uri(self, arn: str) -> str:
        return f"arn:aws:apigateway:{self.options.region}:lambda:path/2015-03-31/functions/{arn}/invocations"

    def _http(self, where: str, method: str, config: dict[str, Any]) -> dict[str, Any]:
        url = str(config.get("url", ""))
        integration: dict[str, Any] = {
            "type": "http_proxy",
            "httpMethod": str(config.get("method") or method).upper(),
            "uri": url,
            "passthroughBehavior": "when_no_match",
        }
        if "${stageVariables." in url and not self.rest:
            self.lose(where, "stage variables in an HTTP API integration URL need ${stageVariables.NAME} set per stage")
        names = [name.rstrip("+") for name in TEMPLATE_PARAMETER.findall(url)]
        if self.rest and names:
            integration["requestParameters"] = {
                f"integration.request.path.{name}": f"method.request.path.{name}" for name in names
            }
        else:
            integration["payloadFormatVersion"] = "1.0"
        self._timeout(where, config, integration)
        return integration

    def _timeout(self, where: str, config: dict[str, Any], integration: dict[str, Any]) -> None:
        if "timeout" not in config:
            return
        millis = int(float(config["timeout"]) * 1000)
        if self.rest and millis > REST_TIMEOUT_MS:
            self.lose(where, f"timeout {config['timeout']} s: a REST API integration waits 29 s at most")
            millis = REST_TIMEOUT_MS
        integration["timeoutInMillis"] = millis

    def _mock(self, where: str, operation: dict[str, Any], config: dict[str, Any]) -> dict[str, Any] | None:
        if not self.rest:
            self.lose(where, "a mock: HTTP APIs have no mock integration (point it at a Lambda or a backend)")
            return None
        status, body = self._example(operation, config.get("status"))
        response: dict[str, Any] = {"statusCode": str(status)}
        if body is not None:
            response["responseTemplates"] = {"application/json": body}
        return {
            "type": "mock",
            "requestTemplates": {"application/json": json.dumps({"statusCode": status})},
            "passthroughBehavior": "when_no_match",
            "responses": {"default": response},
        }

    def _example(self, operation: dict[str, Any], wanted: Any) -> tuple[int, str | None]:
        responses = operation.get("responses") or {}
        codes = [code for code in responses if str(code).isdigit()]
        status = (
            int(wanted) if isinstance(wanted, int) else int(next((c for c in codes if str(c).startswith("2")), 200))
        )
        response = self._resolved(responses.get(str(status)) or responses.get(status) or {})
        if self.source.dialect == "2.0":
            example = (response.get("examples") or {}).get("application/json")
            return status, json.dumps(example) if example is not None else None
        for media in (response.get("content") or {}).values():
            if not isinstance(media, dict):
                continue
            if "example" in media:
                return status, json.dumps(media["example"])
            for named in (media.get("examples") or {}).values():
                named = self._resolved(named)
                if isinstance(named, dict) and "value" in named:
                    return status, json.dumps(named["value"])
        return status, None

    def _resolved(self, value: Any) -> Any:
        for _ in range(20):
            if not (isinstance(value, dict) and isinstance(value.get("$ref"), str) and value["$ref"].startswith("#/")):
                return value
            node: Any = self.out
            for token in value["$ref"][2:].split("/"):
                node = node.get(token.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
            value = node
        return value

    def _route_setting(self, path: str, method: str, key: str, value: Any) -> None:
        settings = self.result.deploy.setdefault("methodSettings", {}).setdefault(f"{path}/{method.upper()}", {})
        if key == "x-throttle" and isinstance(value, dict):
            settings.update({"throttlingRateLimit": value.get("rate"), "throttlingBurstLimit": value.get("burst")})
        elif key == "x-cache" and isinstance(value, dict):
            settings.update({"cachingEnabled": value.get("enabled", True), "cacheTtlInSeconds": value.get("ttl", 300)})
            if value.get("keys"):
                settings["cacheKeyParameters"] = [f"method.request.{key}" for key in value["keys"]]

    # x-gateway
    def _gateway(self, gateway: dict[str, Any]) -> None:
        deploy = self.result.deploy
        if "throttle" in gateway and isinstance(gateway["throttle"], dict):
            deploy["throttle"] = {
                "rateLimit": gateway["throttle"].get("rate"),
                "burstLimit": gateway["throttle"].get("burst"),
            }
        stages = gateway.get("stages")
        if isinstance(stages, dict) and stages:
            name = self.options.stage or str(next(iter(stages)))
            if name not in stages:
                self.lose("/x-gateway/stages", f"stage {name!r} is not declared")
            else:
                entry = stages[name] or {}
                deploy["stage"] = {"name": name, "variables": dict(entry.get("variables") or {})}
        keys = gateway.get("apiKeys") or []
        if keys:
            if self.rest:
                self.out.setdefault("x-amazon-apigateway-api-key-source", "HEADER")
                self._security_schemes().setdefault("api_key", {"type": "apiKey", "name": "x-api-key", "in": "header"})
                deploy["apiKeys"] = [{"name": key.get("name")} for key in keys if isinstance(key, dict)]
            else:
                self.lose("/x-gateway/apiKeys", "API keys and usage plans: HTTP APIs have none")
        plans = gateway.get("usagePlans") or []
        if plans and self.rest:
            deploy["usagePlans"] = copy.deepcopy(plans)
        self._authorizers(gateway.get("authorizers") or {})
        cors = gateway.get("cors")
        if isinstance(cors, dict):
            self._cors(cors)
        if gateway.get("websocket"):
            self.lose("/x-gateway/websocket", "a WebSocket API is not imported from OpenAPI: create it with its routes")

    def _authorizers(self, authorizers: dict[str, Any]) -> None:
        if not authorizers:
            return
        schemes = self._security_schemes()
        for name, config in authorizers.items():
            if not isinstance(config, dict):
                continue
            where = f"/x-gateway/authorizers/{name}"
            kind = str(config.get("type", "jwt")).lower()
            scheme = schemes.setdefault(name, {"type": "apiKey", "name": "Authorization", "in": "header"})
            if kind == "jwt" or ("issuer" in config and "handler" not in config):
                if self.rest:
                    self.lose(
                        where,
                        "a JWT authorizer: REST APIs have none (a Cognito user pool or a Lambda authorizer can do it)",
                    )
                    continue
                header = str(config.get("header") or "Authorization")
                audience = config.get("audience") or []
                scheme["x-amazon-apigateway-authorizer"] = {
                    "type": "jwt",
                    "identitySource": f"$request.header.{header}",
                    "jwtConfiguration": {
                        "issuer": config.get("issuer"),
                        "audience": [audience] if isinstance(audience, str) else list(audience),
                    },
                }
            elif "handler" in config:
                arn = self._deployed_lambda(str(config["handler"]))
                scheme["x-amazon-apigateway-authtype"] = "custom"
                scheme["x-amazon-apigateway-authorizer"] = {
                    "type": "token" if kind == "token" else "request",
                    "authorizerUri": self._invocation_uri(arn),
                    "identitySource": config.get(
                        "identitySource", "method.request.header.Authorization" if kind == "token" else ""
                    ),
                    "authorizerResultTtlInSeconds": config.get("authorizerResultTtlInSeconds", 300),
                }

    def _cors(self, cors: dict[str, Any]) -> None:
        if not self.rest:
            self.out["x-amazon-apigateway-cors"] = copy.deepcopy(cors)
            return
        origins = cors.get("allowOrigins") or ["*"]
        headers = {
            "method.response.header.Access-Control-Allow-Origin": f"'{origins[0]}'",
            "method.response.header.Access-Control-Allow-Methods": f"'{','.join(cors.get('allowMethods') or ['*'])}'",
            "method.response.header.Access-Control-Allow-Headers": f"'{','.join(cors.get('allowHeaders') or ['*'])}'",
        }
        if len(origins) > 1:
            self.lose("/x-gateway/cors/allowOrigins", "several origins: a REST API's OPTIONS mock answers one")
        for item in (self.out.get("paths") or {}).values():
            if isinstance(item, dict) and "options" not in item:
                item["options"] = {
                    "responses": {
                        "200": {
                            "description": "CORS preflight",
                            "headers": {name.rsplit(".", 1)[1]: {"schema": {"type": "string"}} for name in headers},
                        }
                    },
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": {"application/json": '{"statusCode": 200}'},
                        "responses": {"default": {"statusCode": "200", "responseParameters": dict(headers)}},
                    },
                }

    def _strip(self, value: Any) -> None:
        if isinstance(value, dict):
            for key in OWN_EXTENSIONS:
                value.pop(key, None)
            for item in value.values():
                self._strip(item)
        elif isinstance(value, list):
            for item in value:
                self._strip(item)


def export_spec(document: SpecDocument, options: ExportOptions) -> Export:
    return _Exporter(document, options).run()


def lambda_map_text(export: Export, folder: Path) -> str:
    """The side file that maps each exported Lambda back to its handler, relative to `folder`."""
    lines = ["# apigw export: the Lambdas of the exported spec and the handlers they were (apigw serve --lambda-map)"]
    for arn, handler in export.lambdas.items():
        file_part, _, function = handler.rpartition(":")
        shown = os.path.relpath(file_part, folder) if file_part.endswith(".py") else file_part
        lines.append(f'"{arn}": "{shown}:{function}"')
    return "\n".join(lines) + "\n"
