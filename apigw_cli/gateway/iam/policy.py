"""Policy statements matched against a method ARN, the way both IAM (identity and resource policies)
and Lambda authorizers' policies are read: an `Action` and a `Resource` each a string or a list,
`*` and `?` wildcards (no other glob syntax), Deny wins. A resource policy's
`execute-api:/stage/METHOD/path` shorthand stands for the API's own ARN."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

INVOKE = "execute-api:Invoke"


@lru_cache(maxsize=1024)
def _pattern(text: str) -> re.Pattern[str]:
    """An IAM wildcard pattern: `*` any run of characters, `?` one; everything else literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text), re.DOTALL)


def wildcard_match(pattern: str, text: str) -> bool:
    return _pattern(pattern).fullmatch(text) is not None


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []


@dataclass(frozen=True)
class RequestFacts:
    """What a policy's conditions and principals may ask about the request."""

    source_ip: str = ""
    principal_arn: str = ""
    principal_account: str = ""


def statements(policy: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not policy:
        return []
    found = policy.get("Statement")
    listed = [found] if isinstance(found, dict) else found if isinstance(found, list) else []
    return [statement for statement in listed if isinstance(statement, dict)]


def covers(statement: Mapping[str, Any], arn: str, api_arn_prefix: str = "", action: str = INVOKE) -> bool:
    """Whether the statement's Action and Resource take in `action` on `arn` (NotAction and
    NotResource invert them)."""
    if "NotAction" in statement:
        if any(wildcard_match(pattern, action) for pattern in _listed(statement["NotAction"])):
            return False
    elif not any(wildcard_match(pattern, action) for pattern in _listed(statement.get("Action"))):
        return False

    def expand(pattern: str) -> str:
        if api_arn_prefix and pattern.startswith("execute-api:/"):
            return api_arn_prefix + pattern[len("execute-api:/") :]
        return pattern

    if "NotResource" in statement:
        return not any(wildcard_match(expand(pattern), arn) for pattern in _listed(statement["NotResource"]))
    return any(wildcard_match(expand(pattern), arn) for pattern in _listed(statement.get("Resource")))


def principal_matches(statement: Mapping[str, Any], facts: RequestFacts) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for value in _listed(principal.get("AWS")):
        if value == "*" or value == facts.principal_arn or value == facts.principal_account:
            return True
        if value == f"arn:aws:iam::{facts.principal_account}:root":
            return True
    return False


_CONDITION_KEYS = {
    "aws:sourceip": "source_ip",
    "aws:principalarn": "principal_arn",
    "aws:principalaccount": "principal_account",
}


def conditions_hold(statement: Mapping[str, Any], facts: RequestFacts) -> bool | None:
    """True or False when every condition could be evaluated; None when one cannot be here."""
    condition = statement.get("Condition")
    if not condition:
        return True
    if not isinstance(condition, dict):
        return None
    for operator, tests in condition.items():
        if not isinstance(tests, dict):
            return None
        for key, expected in tests.items():
            attribute = _CONDITION_KEYS.get(str(key).lower())
            if attribute is None:
                return None
            actual = str(getattr(facts, attribute))
            held = _test(str(operator), actual, _listed(expected))
            if held is None:
                return None
            if not held:
                return False
    return True


def _test(operator: str, actual: str, expected: list[str]) -> bool | None:
    if operator in ("IpAddress", "NotIpAddress"):
        try:
            address = ipaddress.ip_address(actual)
            inside = any(address in ipaddress.ip_network(network, strict=False) for network in expected)
        except ValueError:
            return None
        return inside if operator == "IpAddress" else not inside
    if operator in ("StringEquals", "ArnEquals"):
        return actual in expected
    if operator in ("StringNotEquals", "ArnNotEquals"):
        return actual not in expected
    if operator in ("StringLike", "ArnLike"):
        return any(wildcard_match(pattern, actual) for pattern in expected)
    if operator in ("StringNotLike", "ArnNotLike"):
        return not any(wildcard_match(pattern, actual) for pattern in expected)
    return None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    denied: bool  # an explicit Deny


def evaluate(
    found: Iterable[Mapping[str, Any]],
    arn: str,
    facts: RequestFacts | None = None,
    api_arn_prefix: str = "",
    need_principal: bool = False,
    action: str = INVOKE,
) -> Verdict:
    """Allow and explicit Deny over the statements that cover `arn`. A statement whose condition
    cannot be evaluated here never allows, and still denies (the safe reading)."""
    facts = facts or RequestFacts()
    allowed = denied = False
    for statement in found:
        if not covers(statement, arn, api_arn_prefix, action):
            continue
        if need_principal and not principal_matches(statement, facts):
            continue
        effect = str(statement.get("Effect", "")).lower()
        held = conditions_hold(statement, facts)
        if effect == "deny" and held is not False:
            denied = True
        elif effect == "allow" and held is True:
            allowed = True
    return Verdict(allowed and not denied, denied)
