"""Lambda functions and AWS services as a CloudFormation-built spec names them in an integration's
or authorizer's `uri`: an ARN written out, or `Fn::Sub` / `Fn::GetAtt` / `Fn::Join` / `Ref` on a
resource (`${ListPetsFunction.Arn}`), which a local mapping (`x-gateway.lambdas`, `--lambda-map`)
turns into a handler."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

_LAMBDA_ARN = re.compile(r"arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^/:$]+)")
_SERVICE = re.compile(r"arn:aws[\w-]*:apigateway:[^:]*:([^:]+):")
_SUB_REFERENCE = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class LambdaRef:
    """A Lambda function as a spec names it: by ARN, or by a CloudFormation resource."""

    name: str | None = None
    logical_id: str | None = None
    arn: str | None = None

    def __str__(self) -> str:
        return self.name or self.logical_id or self.arn or "?"

    def matches(self, key: str) -> bool:
        if key in (self.name, self.logical_id, self.arn):
            return True
        return any(value is not None and fnmatch.fnmatchcase(value, key) for value in (self.arn, self.name))


def flatten_uri(value: Any) -> tuple[str, dict[str, Any]]:
    """A `uri` as text with `${...}` references kept, and the variables an `Fn::Sub` list defines."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict):
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            if isinstance(sub, list) and sub and isinstance(sub[0], str):
                return sub[0], sub[1] if len(sub) > 1 and isinstance(sub[1], dict) else {}
            if isinstance(sub, str):
                return sub, {}
        if "Fn::Join" in value:
            join = value["Fn::Join"]
            if isinstance(join, list) and len(join) == 2 and isinstance(join[1], list):
                parts = [flatten_uri(part)[0] for part in join[1]]
                return str(join[0]).join(parts), {}
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            logical = target[0] if isinstance(target, list) and target else str(target).split(".")[0]
            return f"${{{logical}.Arn}}", {}
        if "Ref" in value:
            return f"${{{value['Ref']}}}", {}
    return "", {}


def lambda_ref(uri: Any, inside_lambda_uri: bool = False) -> LambdaRef | None:
    """The function a Lambda integration `uri` names; None when it is not a Lambda uri."""
    text, variables = flatten_uri(uri)
    found = _LAMBDA_ARN.search(text)
    if found:
        return LambdaRef(name=found.group(1), arn=found.group(0))
    if not inside_lambda_uri and ":lambda:path/" not in text:
        return None
    for reference in _SUB_REFERENCE.findall(text):
        if reference in variables:
            inner = lambda_ref(variables[reference], inside_lambda_uri=True)
            if inner is not None:
                return inner
        logical = reference.split(".")[0]
        if not logical.startswith("AWS::") and not logical.startswith("stageVariables"):
            return LambdaRef(logical_id=logical)
    return None


def service_of(uri: Any) -> str | None:
    text, _ = flatten_uri(uri)
    found = _SERVICE.search(text)
    return found.group(1) if found else None


def handler_for(function: LambdaRef, lambdas: tuple[tuple[str, str], ...]) -> str | None:
    """The local handler mapped to `function` (the first key that names or matches it)."""
    for key, reference in lambdas:
        if function.matches(key):
            return reference
    return None
