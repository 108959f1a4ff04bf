"""The signature check against AWS's published Signature Version 4 example (the IAM ListUsers
request of the SigV4 documentation: AKIDEXAMPLE at 20150830T123600Z), step by step, and the
same request refused once anything it signed changes."""

from __future__ import annotations

import calendar
import hashlib
import time

import pytest

from apigw_cli.gateway.iam.credentials import IamCredential
from apigw_cli.gateway.iam.sigv4 import SignatureRejected, SignedRequest, canonical_request, signing_key, verify

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
WHEN = calendar.timegm(time.strptime("20150830T123600Z", "%Y%m%dT%H%M%SZ"))
SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
HEADERS = [
    ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
    ("host", "iam.amazonaws.com"),
    ("x-amz-date", "20150830T123600Z"),
]
CREDENTIALS = {"AKIDEXAMPLE": IamCredential("AKIDEXAMPLE", SECRET, "arn:aws:iam::123456789012:user/example")}


def request(signature: str = SIGNATURE, query: str = "Action=ListUsers&Version=2010-05-08") -> SignedRequest:
    authorization = (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        f"SignedHeaders=content-type;host;x-amz-date, Signature={signature}"
    )
    return SignedRequest("GET", "/", query, [*HEADERS, ("authorization", authorization)], b"")


def test_the_documented_canonical_request_and_signing_key() -> None:
    canonical = canonical_request(
        request(), ("content-type", "host", "x-amz-date"), "Action=ListUsers&Version=2010-05-08"
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    )
    assert signing_key(SECRET, "20150830", "us-east-1", "iam").hex() == (
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    )


def test_the_documented_request_verifies_and_its_changes_do_not() -> None:
    assert verify(request(), CREDENTIALS, "us-east-1", now=WHEN, service="iam").access_key_id == "AKIDEXAMPLE"
    assert verify(request(query="Version=2010-05-08&Action=ListUsers"), CREDENTIALS, "us-east-1", now=WHEN,
                  service="iam")  # fmt: skip
    for changed in (request(SIGNATURE[:-1] + "8"), request(query="Action=ListUsers&Version=2010-05-09")):
        with pytest.raises(SignatureRejected):
            verify(changed, CREDENTIALS, "us-east-1", now=WHEN, service="iam")
    with pytest.raises(SignatureRejected, match="Signature expired"):
        verify(request(), CREDENTIALS, "us-east-1", now=WHEN + 301, service="iam")
