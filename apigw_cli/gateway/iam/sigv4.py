"""Signature Version 4 checks of requests to an IAM-protected route, as execute-api makes them.

Both forms: the `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`
header (with `X-Amz-Date`), and the presigned query (`X-Amz-Algorithm`, `X-Amz-Credential`,
`X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature`). The canonical request is
built from the request target as received: the path URI-encoded once more (each segment is
encoded twice, as for every service but S3), the query pairs decoded and re-encoded (RFC 3986) and
sorted, the signed headers only (Host with its port), values trimmed; the payload hash is
`X-Amz-Content-SHA256` when sent (`UNSIGNED-PAYLOAD` included), else the body's SHA-256. The date
may be 5 minutes off; signatures are compared in constant time.

What a check finds wrong is a `SignatureRejected` with the managed gateway's response type, error
type and message; the canonical request and string to sign go to the debug log only.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from calendar import timegm
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from apigw_cli.gateway.iam.credentials import IamCredential

logger = logging.getLogger("apigw")
ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "execute-api"
SKEW_SECONDS = 300
MAX_EXPIRES = 7 * 24 * 3600  # a presigned request lives at most 7 days
_AUTH_PART = re.compile(r"\s*([A-Za-z]+)=([^,]*)\s*(?:,|$)")
_STAMP = re.compile(r"^\d{8}T\d{6}Z$")
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)


class SignatureRejected(Exception):
    def __init__(self, response_type: str, message: str, error_type: str | None = None):
        super().__init__(message)
        self.response_type = response_type  # a gateway_errors ResponseType
        self.message = message
        self.error_type = error_type


def _unrecognized() -> SignatureRejected:
    """An unknown access key, or a session token that is not the credential's."""
    return SignatureRejected(
        "INVALID_SIGNATURE", "The security token included in the request is invalid.", "UnrecognizedClientException"
    )


def _incomplete(message: str) -> SignatureRejected:
    return SignatureRejected("INVALID_SIGNATURE", message, "IncompleteSignatureException")


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The parts of a request a signature covers, as received."""

    method: str
    path: str  # percent-encoded, as sent
    query: str  # raw
    headers: list[tuple[str, str]]  # names lower-case
    body: bytes

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]


@dataclass(frozen=True, slots=True)
class _Signature:
    access_key: str
    date: str  # yyyymmdd of the scope
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str
    stamp: str  # X-Amz-Date
    expires: int | None  # presigned only
    token: str | None
    presigned: bool


def has_signature(request: SignedRequest) -> bool:
    authorization = request.header("authorization")
    if authorization and authorization[0].strip():
        return True
    return any(name.lower() == "x-amz-signature" for name, _ in _pairs(request.query))


def _pairs(query: str) -> list[tuple[str, str]]:
    """The query's pairs, decoded."""
    found = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            found.append((unquote(name), unquote(value)))
    return found


def _parse(request: SignedRequest) -> _Signature:
    authorization = request.header("authorization")
    if authorization and authorization[0].strip():
        text = authorization[0].strip()
        algorithm, _, rest = text.partition(" ")
        if algorithm != ALGORITHM:
            raise _incomplete(f"Authorization header requires the {ALGORITHM} algorithm, found {algorithm[:40]!r}")
        parts = {name: value.strip() for name, value in _AUTH_PART.findall(rest)}
        for needed in ("Credential", "SignedHeaders", "Signature"):
            if not parts.get(needed):
                raise _incomplete(f"Authorization header requires '{needed}' parameter.")
        stamps = request.header("x-amz-date")
        if not stamps:
            raise _incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        tokens = request.header("x-amz-security-token")
        return _signature(parts["Credential"], parts["SignedHeaders"], parts["Signature"], stamps[0].strip(),
                          None, tokens[0] if tokens else None, presigned=False)  # fmt: skip
    query = {name.lower(): value for name, value in _pairs(request.query)}
    if query.get("x-amz-algorithm") != ALGORITHM:
        raise _incomplete(f"X-Amz-Algorithm must be {ALGORITHM}")
    for needed in ("x-amz-credential", "x-amz-signedheaders", "x-amz-signature", "x-amz-date", "x-amz-expires"):
        if not query.get(needed):
            raise _incomplete(f"AWS query-string parameters must include '{needed.replace('x-amz-', 'X-Amz-')}'.")
    try:
        expires = int(query["x-amz-expires"])
    except ValueError:
        raise _incomplete("X-Amz-Expires must be a whole number of seconds") from None
    if not 0 < expires <= MAX_EXPIRES:
        raise _incomplete(f"X-Amz-Expires must be between 1 and {MAX_EXPIRES} seconds")
    return _signature(query["x-amz-credential"], query["x-amz-signedheaders"], query["x-amz-signature"],
                      query["x-amz-date"], expires, query.get("x-amz-security-token"), presigned=True)  # fmt: skip


def _signature(
    credential: str, signed: str, signature: str, stamp: str, expires: int | None, token: str | None, presigned: bool
) -> _Signature:
    scope = credential.split("/")
    if len(scope) != 5 or not all(scope):
        raise _incomplete(f"Credential must be KEY/DATE/REGION/SERVICE/aws4_request, found {credential[:80]!r}")
    if not _STAMP.match(stamp):
        raise _incomplete(f"X-Amz-Date must be yyyyMMddTHHmmssZ, found {stamp[:40]!r}")
    headers = tuple(signed.lower().split(";"))
    if "host" not in headers:
        raise _incomplete("SignedHeaders must include host")
    return _Signature(scope[0], scope[1], scope[2], scope[3], scope[4], headers, signature.lower(), stamp, expires,
                      token, presigned)  # fmt: skip


def _epoch(stamp: str) -> int:
    """yyyymmddThhmmssZ (checked by _STAMP) as epoch seconds; strptime took a third of a check."""
    parts = (stamp[0:4], stamp[4:6], stamp[6:8], stamp[9:11], stamp[11:13], stamp[13:15])
    try:
        return timegm((*(int(part) for part in parts), 0, 0, 0))
    except (ValueError, OverflowError):
        raise _incomplete(f"X-Amz-Date {stamp!r} is not a date") from None


def _stamp(epoch: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def _check_time(parsed: _Signature, now: float) -> None:
    signed_at = _epoch(parsed.stamp)
    if parsed.date != parsed.stamp[:8]:
        raise SignatureRejected(
            "INVALID_SIGNATURE", f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{parsed.date}' != '{parsed.stamp[:8]}', from '{parsed.stamp}'.",
        )  # fmt: skip
    if parsed.presigned:
        assert parsed.expires is not None
        if now > signed_at + parsed.expires:
            raise SignatureRejected(
                "INVALID_SIGNATURE",
                f"Signature expired: {_stamp(signed_at + parsed.expires)} is now earlier than {_stamp(now)}",
            )
    elif signed_at < now - SKEW_SECONDS:
        raise SignatureRejected(
            "INVALID_SIGNATURE",
            f"Signature expired: {parsed.stamp} is now earlier than {_stamp(now - SKEW_SECONDS)} "
            f"({_stamp(now)} - 5 min.)",
        )
    if signed_at > now + SKEW_SECONDS:
        raise SignatureRejected(
            "INVALID_SIGNATURE",
            f"Signature not yet current: {parsed.stamp} is still later than {_stamp(now + SKEW_SECONDS)} "
            f"({_stamp(now)} + 5 min.)",
        )


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_path(path: str) -> str:
    """The path as received (it was URI-encoded once by the client), encoded once more."""
    return quote(path or "/", safe="/~")


def canonical_queries(query: str, presigned: bool) -> tuple[str, ...]:
    """The canonical query string: each name and value decoded and encoded again (RFC 3986), sorted;
    then, when different, the pairs as sent, sorted (what botocore signs for a URL it was given)."""
    raw = [tuple(part.partition("=")[::2]) for part in query.split("&") if part]
    if presigned:
        raw = [(name, value) for name, value in raw if unquote(name).lower() != "x-amz-signature"]
    normal = "&".join(
        f"{name}={value}" for name, value in sorted((_encode(unquote(n)), _encode(unquote(v))) for n, v in raw)
    )
    as_sent = "&".join(f"{name}={value}" for name, value in sorted(raw))
    return (normal,) if as_sent == normal else (normal, as_sent)


def canonical_request(request: SignedRequest, signed_headers: tuple[str, ...], query: str) -> str:
    lines = []
    for name in sorted(set(signed_headers)):
        values = request.header(name)
        lines.append(f"{name}:{','.join(' '.join(value.split()) for value in values)}")
    content_hash = request.header("x-amz-content-sha256")
    payload = content_hash[0].strip() if content_hash else hashlib.sha256(request.body).hexdigest()
    return "\n".join(
        [
            request.method.upper(),
            canonical_path(request.path),
            query,
            "\n".join(lines) + "\n",
            ";".join(signed_headers),
            payload,
        ]
    )


@lru_cache(maxsize=256)
def signing_key(secret: str, date: str, region: str, service: str = SERVICE) -> bytes:
    """The day's key (kept: it changes once a day per credential, region and service)."""
    key = hmac.digest(f"AWS4{secret}".encode(), date.encode(), "sha256")
    for part in (region, service, "aws4_request"):
        key = hmac.digest(key, part.encode(), "sha256")
    return key


def verify(
    request: SignedRequest,
    credentials: dict[str, IamCredential],
    region: str,
    now: float | None = None,
    service: str = SERVICE,
) -> IamCredential:
    """The credential that signed the request; SignatureRejected when it must not pass."""
    parsed = _parse(request)
    credential = credentials.get(parsed.access_key)
    if credential is None:
        raise _unrecognized()
    if credential.session_token is not None and not hmac.compare_digest(
        (parsed.token or "").encode(), credential.session_token.encode()
    ):
        raise _unrecognized()
    if parsed.service != service:
        raise SignatureRejected("INVALID_SIGNATURE", f"Credential should be scoped to correct service: '{service}'. ")
    if parsed.region != region:
        raise SignatureRejected(
            "INVALID_SIGNATURE", f"Credential should be scoped to a valid region, not '{parsed.region[:40]}'. "
        )
    if parsed.terminator != "aws4_request":
        raise _incomplete("Credential should be scoped with a valid terminator: 'aws4_request'")
    _check_time(parsed, time.time() if now is None else now)
    scope = f"{parsed.date}/{parsed.region}/{parsed.service}/aws4_request"
    key = signing_key(credential.secret_access_key, parsed.date, parsed.region, service)
    for query in canonical_queries(request.query, parsed.presigned):
        canonical = canonical_request(request, parsed.signed_headers, query)
        to_sign = f"{ALGORITHM}\n{parsed.stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        expected = hmac.digest(key, to_sign.encode(), "sha256").hex()
        if hmac.compare_digest(expected.encode(), parsed.signature.encode()):
            return credential
        logger.debug("SigV4 mismatch for %s\ncanonical request:\n%s\nstring to sign:\n%s", parsed.access_key,
                     canonical, to_sign)  # fmt: skip
    raise SignatureRejected("INVALID_SIGNATURE", MISMATCH)
