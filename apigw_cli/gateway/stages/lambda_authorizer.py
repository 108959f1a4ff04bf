"""Lambda (custom) authorizers, TOKEN and REQUEST, run as local Python handlers, all but their
reader (compiling/authorizers.py). The IAM policy they return is matched against the method ARN
(Deny wins; `*` and `?` wildcards, matched as IAM matches them: gateway/iam/policy.py), or the HTTP
API simple form `{"isAuthorized": ...}` is read. Results are cached for the authorizer's TTL, keyed
by the identity (and the route, for REQUEST). The stage answers 401 without an identity (or one that
fails the validation expression), 403 on Deny, 500 when the authorizer fails: an authorizer that
raises or answers nonsense never lets a request through."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import AuthorizerFailed
from apigw_cli.gateway.context_variables import context_value, context_variables
from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.iam.policy import covers
from apigw_cli.gateway.lambda_runtime import event_v1, method_arn, run_handler
from apigw_cli.gateway.principal import AuthorizerGrant

if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Sequence
    from concurrent.futures import ThreadPoolExecutor

    from apigw_cli.gateway.clock import Clock
    from apigw_cli.gateway.deployment import Deployment
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.gateway.stores.base import Store

logger = logging.getLogger("apigw")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    principal: str | None
    context: dict[str, Any]
    explicit_deny: bool = False
    simple: bool = False  # from an HTTP API's {"isAuthorized": ...} answer

    @property
    def denial(self) -> str:
        """ACCESS_DENIED's message, as the managed gateway words it."""
        if self.explicit_deny:
            return "User is not authorized to access this resource with an explicit deny"
        return "User is not authorized to access this resource"


@dataclass
class LambdaAuthorizer:
    name: str
    kind: str  # "token" or "request"
    handler: Callable[..., Any]
    reference: str
    identity_sources: tuple[str, ...]  # header.X, query.X, context.X, stageVariables.X
    validation: re.Pattern[str] | None
    ttl: float
    simple: bool  # the HTTP API's {"isAuthorized": bool} answer
    executor: ThreadPoolExecutor
    deployment: Deployment
    store: Store  # answers are cached there, so workers sharing a store share them
    namespace: str
    timeout: float = 10.0

    def identity(self, exchange: Exchange) -> tuple[str, ...] | None:
        """The identity sources' values, or None when one is missing (the managed gateway then
        answers 401 without calling the authorizer)."""
        values = []
        for source in self.identity_sources:
            where, _, name = source.partition(".")
            value: str | None = None
            if where == "header":
                value = exchange.request.header(name.lower())
            elif where == "query":
                found = exchange.request.query.get(name)
                value = found[-1] if found else None
            elif where == "stageVariables":
                value = (self.deployment.stage_variables or {}).get(name)
            elif where == "context":
                found_value = context_value(context_variables(exchange, self.deployment), name)
                value = str(found_value) if found_value is not None else None
            if not value:
                return None
            values.append(value)
        return tuple(values)

    async def decide(self, exchange: Exchange, identity: tuple[str, ...], now: float) -> Decision:
        operation = exchange.operation
        assert operation is not None
        parts = identity if self.kind == "token" else (*identity, operation.route_key)
        arn = method_arn(self.deployment, exchange.request.method, operation.path)
        if self.kind == "token":
            event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": identity[0], "methodArn": arn}
        else:
            event = {"type": "REQUEST", "methodArn": arn, **event_v1(exchange, self.deployment)}
        return await self.decide_event(event, arn, parts, exchange.request_id, now)

    async def decide_event(
        self, event: dict[str, Any], arn: str, parts: tuple[str, ...], request_id: str, now: float
    ) -> Decision:
        """The decision on `event` for `arn`, from the cache (keyed by `parts`) or the authorizer."""
        # identities are tokens: the key holds a digest, never the token itself
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        key = f"{self.namespace}:authorizer:{self.name}:{digest}"
        cached = await self.store.get_value(key, now) if self.ttl > 0 else None
        if cached is not None:
            # a cached policy is matched against this request's ARN, as the managed gateway does
            return self._read(json.loads(cached), arn)
        answer = await self._call(event, request_id)
        decision = self._read(answer, arn)  # a malformed answer raises here, and is not cached
        if self.ttl > 0:
            await self.store.put_value(key, json.dumps(answer, default=str).encode(), now + self.ttl, now)
        return decision

    async def _call(self, event: dict[str, Any], request_id: str) -> Any:
        name = self.reference.rpartition(":")[2]
        try:
            return await run_handler(self.handler, event, name, request_id, self.executor, self.timeout)
        except Exception as exc:
            logger.error("authorizer %s raised %s: %s", self.name, type(exc).__name__, exc, exc_info=exc)
            raise AuthorizerFailed(f"authorizer {self.name} raised {type(exc).__name__}: {exc}") from exc

    def _read(self, answer: Any, arn: str) -> Decision:
        if not isinstance(answer, dict):
            raise AuthorizerFailed(f"authorizer {self.name} answered {type(answer).__name__}, not a policy")
        context: dict[str, Any] = answer["context"] if isinstance(answer.get("context"), dict) else {}
        if self.simple or "isAuthorized" in answer:
            if not isinstance(answer.get("isAuthorized"), bool):
                raise AuthorizerFailed(f"authorizer {self.name}: isAuthorized must be true or false")
            return Decision(answer["isAuthorized"], None, context, simple=True)
        policy = answer.get("policyDocument")
        statements = policy.get("Statement") if isinstance(policy, dict) else None
        if not isinstance(statements, list):
            raise AuthorizerFailed(f"authorizer {self.name} answered no policyDocument.Statement")
        allowed = denied = False
        for statement in statements:
            if not isinstance(statement, dict) or not covers(statement, arn):
                continue
            effect = str(statement.get("Effect", "")).lower()
            allowed = allowed or effect == "allow"
            denied = denied or effect == "deny"
        principal = answer.get("principalId")
        return Decision(allowed and not denied, str(principal) if principal is not None else None, context, denied)


@dataclass(frozen=True)
class UnavailableAuthorizer:
    """An authorizer the spec declares that cannot run here (a Lambda nobody mapped, a Cognito user
    pool with no local keys): its routes answer 500 AuthorizerConfigurationException, as the managed
    gateway does for an authorizer it cannot reach, and start-up says what to configure."""

    name: str
    reason: str


class LambdaAuthorizerStage:
    def __init__(self, clock: Clock, routes: Sequence[LambdaAuthorizer | UnavailableAuthorizer | None]):
        self._clock = clock
        self._routes = routes  # by operation index

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        authorizer = self._routes[operation.index] if operation is not None else None
        if authorizer is None:
            return await call_next(exchange)
        if isinstance(authorizer, UnavailableAuthorizer):
            exchange.error = f"authorizer {authorizer.name}: {authorizer.reason}"
            return gateway_error("AUTHORIZER_CONFIGURATION_ERROR")
        identity = authorizer.identity(exchange)
        if identity is None or (authorizer.validation is not None and not authorizer.validation.fullmatch(identity[0])):
            exchange.error = f"no valid identity for authorizer {authorizer.name}"
            return gateway_error("UNAUTHORIZED")
        try:
            decision = await authorizer.decide(exchange, identity, self._clock.now())
        except AuthorizerFailed as exc:
            exchange.error = str(exc)
            return gateway_error("AUTHORIZER_CONFIGURATION_ERROR")
        if not decision.allowed:
            exchange.error = f"authorizer {authorizer.name} denied"
            if decision.simple:  # an HTTP API's authorizer
                return gateway_error("DEFAULT_4XX", "Forbidden", status=403, error_type="ForbiddenException")
            return gateway_error("ACCESS_DENIED", decision.denial)
        exchange.authorizer = AuthorizerGrant(decision.principal, decision.context)
        return await call_next(exchange)
