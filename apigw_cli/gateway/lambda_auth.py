"""Lambda (custom) authorizers, TOKEN and REQUEST, run as local Python handlers: the IAM policy
they return is matched against the method ARN (Deny wins; `*` and `?` wildcards), or the HTTP
API simple form `{"isAuthorized": ...}` is read. Results are cached for the authorizer's TTL,
keyed by the identity (and the route, for REQUEST). An authorizer that raises or answers nonsense
denies: it never lets a request through."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from apigw_cli.errors import AuthorizerFailed
from apigw_cli.gateway.exchange import Exchange
from apigw_cli.gateway.integrations.lambda_events import ACCOUNT_ID, API_ID, LambdaSettings, event_v1
from apigw_cli.gateway.integrations.python import run_handler
from apigw_cli.gateway.stores.base import Store

logger = logging.getLogger("apigw")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    principal: str | None
    context: dict[str, Any]


@dataclass
class LambdaAuthorizer:
    name: str
    kind: str  # "token" or "request"
    handler: Callable[..., Any]
    reference: str
    identity_sources: tuple[str, ...]  # header.X, query.X
    validation: re.Pattern[str] | None
    ttl: float
    simple: bool  # the HTTP API's {"isAuthorized": bool} answer
    executor: ThreadPoolExecutor
    settings: LambdaSettings
    store: Store  # answers are cached there, so workers sharing a store share them
    namespace: str
    timeout: float = 10.0

    def identity(self, exchange: Exchange) -> tuple[str, ...] | None:
        values = []
        for source in self.identity_sources:
            where, _, name = source.partition(".")
            value = exchange.request.header(name.lower()) if where == "header" else None
            if where == "query":
                found = exchange.request.query.get(name)
                value = found[-1] if found else None
            if not value:
                return None
            values.append(value)
        return tuple(values)

    async def decide(self, exchange: Exchange, identity: tuple[str, ...], now: float) -> Decision:
        operation = exchange.operation
        assert operation is not None
        parts = identity if self.kind == "token" else (*identity, operation.route_key)
        # identities are tokens: the key holds a digest, never the token itself
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        key = f"{self.namespace}:authorizer:{self.name}:{digest}"
        method_arn = (
            f"arn:aws:execute-api:us-east-1:{ACCOUNT_ID}:{API_ID}/{self.settings.stage}/"
            f"{exchange.request.method}/{operation.path.lstrip('/')}"
        )
        cached = await self.store.get_value(key, now) if self.ttl > 0 else None
        if cached is not None:
            # a cached policy is matched against this request's ARN, as the managed gateway does
            return self._read(json.loads(cached), method_arn)
        if self.kind == "token":
            event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": identity[0], "methodArn": method_arn}
        else:
            event = {"type": "REQUEST", "methodArn": method_arn, **event_v1(exchange, self.settings)}
        answer = await self._call(event, exchange)
        decision = self._read(answer, method_arn)  # a malformed answer raises here, and is not cached
        if self.ttl > 0:
            await self.store.put_value(key, json.dumps(answer, default=str).encode(), now + self.ttl, now)
        return decision

    async def _call(self, event: dict[str, Any], exchange: Exchange) -> Any:
        name = self.reference.rpartition(":")[2]
        try:
            return await run_handler(self.handler, event, name, exchange.request_id, self.executor, self.timeout)
        except Exception as exc:
            logger.error("authorizer %s raised %s: %s", self.name, type(exc).__name__, exc, exc_info=exc)
            raise AuthorizerFailed(f"authorizer {self.name} raised {type(exc).__name__}: {exc}") from exc

    def _read(self, answer: Any, method_arn: str) -> Decision:
        if not isinstance(answer, dict):
            raise AuthorizerFailed(f"authorizer {self.name} answered {type(answer).__name__}, not a policy")
        context: dict[str, Any] = answer["context"] if isinstance(answer.get("context"), dict) else {}
        if self.simple or "isAuthorized" in answer:
            if not isinstance(answer.get("isAuthorized"), bool):
                raise AuthorizerFailed(f"authorizer {self.name}: isAuthorized must be true or false")
            return Decision(answer["isAuthorized"], None, context)
        policy = answer.get("policyDocument")
        statements = policy.get("Statement") if isinstance(policy, dict) else None
        if not isinstance(statements, list):
            raise AuthorizerFailed(f"authorizer {self.name} answered no policyDocument.Statement")
        allowed = denied = False
        for statement in statements:
            if not isinstance(statement, dict) or not _covers(statement, method_arn):
                continue
            effect = str(statement.get("Effect", "")).lower()
            allowed = allowed or effect == "allow"
            denied = denied or effect == "deny"
        principal = answer.get("principalId")
        return Decision(allowed and not denied, str(principal) if principal is not None else None, context)


def _covers(statement: dict[str, Any], method_arn: str) -> bool:
    actions = statement.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    if not any(fnmatch.fnmatchcase("execute-api:Invoke", str(action)) for action in actions):
        return False
    resources = statement.get("Resource", [])
    resources = [resources] if isinstance(resources, str) else resources
    return any(fnmatch.fnmatchcase(method_arn, str(resource)) for resource in resources)
