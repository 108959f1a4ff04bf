"""The IAM side of a spec: the local credentials requests may be signed with (`x-gateway.iam.credentials`
and `serve --iam-credentials FILE`, both a list of `{accessKeyId, secretAccessKey, sessionToken?,
arn, policy?}`), the region signatures are scoped to, and the API's resource policy
(`x-amazon-apigateway-policy`). Credentials are never read from the process environment."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import SpecError
from apigw_cli.spec.document import Location, SpecDocument, parse_file_shown
from apigw_cli.spec.walk import security_of, security_schemes

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class IamCredential:
    access_key_id: str
    secret_access_key: str
    arn: str  # the principal they stand for: arn:aws:iam::123456789012:user/ci
    session_token: str | None = None
    policy: dict[str, Any] | None = None  # an identity policy; None: the credential may invoke anything

    @property
    def account(self) -> str:
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 4 else ""

    @property
    def user_id(self) -> str:
        """A stable unique id in the shape of an IAM user's (AIDA...), as `caller` and `user` carry it."""
        return "AIDA" + hashlib.blake2b(self.arn.encode(), digest_size=8).hexdigest().upper()


@dataclass(frozen=True)
class IamConfig:
    region: str = DEFAULT_REGION
    credentials: dict[str, IamCredential] = field(default_factory=dict)  # by access key id
    resource_policy: dict[str, Any] | None = None


def sigv4_schemes(document: SpecDocument) -> frozenset[str]:
    """Security schemes that stand for IAM: `x-amazon-apigateway-authtype: awsSigv4` (the managed
    gateway's export names it sigv4, an apiKey in the Authorization header)."""
    return frozenset(
        name
        for name, scheme in security_schemes(document).items()
        if isinstance(scheme, dict) and str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4"
    )


def uses_iam(document: SpecDocument, operation: dict[str, Any], sigv4: frozenset[str]) -> bool:
    """`x-amazon-apigateway-auth: {type: AWS_IAM}` on the operation, or a security requirement
    whose every alternative names a sigv4 scheme."""
    auth = operation.get("x-amazon-apigateway-auth")
    if isinstance(auth, dict) and str(auth.get("type", "")).lower() == "aws_iam":
        return True
    security = security_of(document, operation)
    if not sigv4 or not isinstance(security, list) or not security:
        return False
    return all(isinstance(option, dict) and any(name in sigv4 for name in option) for option in security)


def read_iam(document: SpecDocument, credentials_file: Path | None) -> IamConfig:
    root = document.root
    at = document.root_location.child("x-gateway", "iam")
    gateway: Any = root.get("x-gateway") or {}
    raw: Any = gateway.get("iam") or {} if isinstance(gateway, dict) else {}
    if not isinstance(raw, dict):
        raise document.error("x-gateway.iam must be a mapping: {region, credentials: [...]}", at)
    region = raw.get("region", DEFAULT_REGION)
    if not isinstance(region, str) or not region:
        raise document.error("x-gateway.iam.region must be a region name such as us-east-1", at.child("region"))
    found: dict[str, IamCredential] = {}
    entries: list[tuple[Any, Location | None, str]] = [
        (entry, at.child("credentials", index), str(document.root_path))
        for index, entry in enumerate(raw.get("credentials") or [])
    ]
    if credentials_file is not None:
        data = parse_file_shown(credentials_file)
        listed = data.get("credentials") if isinstance(data, dict) else data
        if not isinstance(listed, list):
            raise SpecError(
                "an IAM credentials file is a list of {accessKeyId, secretAccessKey, arn, sessionToken?, policy?}",
                credentials_file,
                1,
                1,
            )
        entries += [(entry, None, str(credentials_file)) for entry in listed]
    for entry, where, source in entries:
        credential = _credential(document, entry, where, source)
        found[credential.access_key_id] = credential  # the file's come last: they win
    policy = root.get("x-amazon-apigateway-policy")
    if policy is not None and not (isinstance(policy, dict) and isinstance(policy.get("Statement"), list | dict)):
        raise document.error(
            "x-amazon-apigateway-policy must be a policy document with a Statement",
            document.root_location.child("x-amazon-apigateway-policy"),
        )
    return IamConfig(region, found, policy)


def _credential(document: SpecDocument, entry: Any, where: Location | None, source: str) -> IamCredential:
    def fail(message: str) -> SpecError:
        return document.error(message, where) if where is not None else SpecError(message, source)

    if not isinstance(entry, dict):
        raise fail("an IAM credential is {accessKeyId, secretAccessKey, arn, sessionToken?, policy?}")
    for name in ("accessKeyId", "secretAccessKey", "arn"):
        if not isinstance(entry.get(name), str) or not entry[name]:
            raise fail(f"an IAM credential needs {name} (a string)")
    arn = entry["arn"]
    if not arn.startswith("arn:") or len(arn.split(":")) < 6:
        raise fail(f"arn {arn!r} is not an ARN such as arn:aws:iam::123456789012:user/ci")
    token = entry.get("sessionToken")
    if token is not None and not isinstance(token, str):
        raise fail("sessionToken must be a string")
    policy = entry.get("policy")
    if policy is not None and not (isinstance(policy, dict) and isinstance(policy.get("Statement"), list | dict)):
        raise fail("policy must be an identity policy document with a Statement")
    return IamCredential(entry["accessKeyId"], entry["secretAccessKey"], arn, token, policy)
