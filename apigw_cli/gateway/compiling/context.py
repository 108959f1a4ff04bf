"""What the parts of compiling share: the document, compiled-schema cache, handler loader, the
snapshot's thread pool and HTTP client, gateway-wide options, the deployment stage, the state that
outlives snapshots, and start-up notices."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import ConfigError, SpecError
from apigw_cli.gateway.compiling.deployment import choose_deployment
from apigw_cli.gateway.deployment import Deployment
from apigw_cli.gateway.integrations.backend_client import BackendClient
from apigw_cli.gateway.integrations.handlers import HandlerLoader
from apigw_cli.gateway.integrations.http import DEFAULT_MAX_RESPONSE_BYTES
from apigw_cli.gateway.state import GatewayState
from apigw_cli.gateway.validation.schema import SchemaCompiler
from apigw_cli.spec.flavour import Flavour, detect_flavour

if TYPE_CHECKING:
    from collections.abc import Callable

    from apigw_cli.config import Settings
    from apigw_cli.spec.document import Location, SpecDocument


@dataclass(frozen=True)
class GatewayOptions:
    """Gateway-wide settings from the root `x-gateway`."""

    proxy_from_environment: bool = False
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    lambdas: tuple[tuple[str, str], ...] = ()  # function name, ARN or pattern -> handler reference


@dataclass
class CompileContext:
    document: SpecDocument
    settings: Settings
    options: GatewayOptions
    schemas: SchemaCompiler
    handlers: HandlerLoader
    executor: ThreadPoolExecutor
    backend: BackendClient
    deployment: Deployment = field(default_factory=lambda: Deployment(None))
    state: GatewayState = field(default_factory=GatewayState)
    static: bool = False  # lint: check what serve would refuse, compile no validators, run no handler code
    flavour: Flavour = "plain"  # REST API, HTTP API or neither
    notices: list[str] = field(default_factory=list)
    mock_families: dict[str, Any] = field(default_factory=dict)  # stateful mocks: collection path -> its family

    @classmethod
    def create(
        cls,
        document: SpecDocument,
        settings: Settings,
        lambda_map: tuple[tuple[str, str], ...],
        static_handlers: bool = False,
        state: GatewayState | None = None,
    ) -> CompileContext:
        options = read_gateway_options(document, lambda_map)
        binary = document.root.get("x-amazon-apigateway-binary-media-types") or ()
        deployment = replace(
            choose_deployment(document, settings.deployment), binary_media_types=tuple(str(t).lower() for t in binary)
        )
        return cls(
            document=document,
            settings=settings,
            options=options,
            schemas=SchemaCompiler(document),
            handlers=HandlerLoader(document.root_path.parent, static=static_handlers),
            executor=ThreadPoolExecutor(settings.handler_threads, thread_name_prefix="apigw-handler"),
            backend=BackendClient(trust_env=options.proxy_from_environment),
            deployment=deployment,
            state=state if state is not None else GatewayState(),
            static=static_handlers,
            flavour=detect_flavour(document),
        )

    def error(self, message: str, at: Location) -> SpecError:
        return self.document.error(message, at)

    def load_handler(self, reference: str, at: Location) -> Callable[..., Any]:
        """The handler function `reference` names, or a SpecError at `at` saying why not."""
        try:
            return self.handlers.load(reference)
        except ConfigError as exc:
            raise self.error(str(exc), at) from None


def read_gateway_options(document: SpecDocument, lambda_map: tuple[tuple[str, str], ...]) -> GatewayOptions:
    at = document.root_location.child("x-gateway")
    raw: Any = document.root.get("x-gateway") or {}
    if not isinstance(raw, dict):
        raise document.error("x-gateway must be a mapping", at)
    http = raw.get("http") or {}
    if not isinstance(http, dict):
        raise document.error("x-gateway.http must be a mapping", at.child("http"))
    trust_env = http.get("proxyFromEnvironment", False)
    if not isinstance(trust_env, bool):
        raise document.error("proxyFromEnvironment must be true or false", at.child("http", "proxyFromEnvironment"))
    limit = http.get("maxResponseBytes", DEFAULT_MAX_RESPONSE_BYTES)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise document.error("maxResponseBytes must be a positive integer", at.child("http", "maxResponseBytes"))
    lambdas = raw.get("lambdas") or {}
    if not isinstance(lambdas, dict) or not all(isinstance(v, str) for v in lambdas.values()):
        raise document.error(
            "x-gateway.lambdas must map function names or ARN patterns to 'file.py:function'", at.child("lambdas")
        )
    # the --lambda-map file wins over the spec: it is the local, uncommitted override
    return GatewayOptions(trust_env, limit, (*lambda_map, *((str(k), v) for k, v in lambdas.items())))
