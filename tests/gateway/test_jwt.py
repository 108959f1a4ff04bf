"""JWT authorizers through real HTTP: what passes, what is refused with 401, scopes with 403, and
the claims a handler receives."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from apigw_cli.errors import SpecError
from tests.helpers import gateway_for, running_server, write

ISSUER = "https://auth.example.com/"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

SPEC = """
openapi: 3.0.3
info: {title: jwt, version: "1"}
x-integration: {type: python, handler: "h.py:claims", payload: "2.0"}
x-gateway:
  authorizers:
    users: {type: jwt, issuer: "https://auth.example.com/", audience: [api://orders], jwks: jwks.json}
components:
  securitySchemes:
    users: {type: http, scheme: bearer, bearerFormat: JWT}
paths:
  /me:
    get:
      security: [{users: []}]
      responses: {default: {description: any}}
  /admin:
    get:
      security: [{users: [orders:admin]}]
      responses: {default: {description: any}}
"""
HANDLER = "def claims(event, context):\n    return event['requestContext'].get('authorizer', {})\n"


def hs256_with_public_key(**claims: Any) -> str:
    """The key-confusion attack, built by hand: PyJWT refuses to sign it."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    payload = {"iss": ISSUER, "aud": "api://orders", "sub": "user-7", "exp": now + 300, **claims}
    signing_input = b64(json.dumps({"alg": "HS256", "kid": "k1"}).encode()) + "." + b64(json.dumps(payload).encode())
    signature = hmac.new(PUBLIC_PEM, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


UNSIGNED = jwt.encode({"sub": "x", "exp": int(time.time()) + 60}, None, algorithm="none")  # type: ignore[arg-type]


def token(key: Any = KEY, algorithm: str = "RS256", kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": "api://orders", "sub": "user-7", "iat": now, "exp": now + 300, **claims}
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    public = jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
    write(tmp_path, "jwks.json", json.dumps({"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}))
    write(tmp_path, "h.py", HANDLER)
    with running_server(gateway_for(write(tmp_path, "api.yaml", SPEC))) as url:
        yield url


def get(base: str, path: str, bearer: str | None) -> httpx.Response:
    headers = {"authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return httpx.get(base + path, headers=headers, timeout=5)


def test_a_valid_token_passes_and_its_claims_reach_the_handler(base: str) -> None:
    response = get(base, "/me", token(scope="orders:read"))
    assert response.status_code == 200
    seen = response.json()["jwt"]
    assert seen["claims"]["sub"] == "user-7"
    assert seen["scopes"] == ["orders:read"]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(None, id="no token"),
        pytest.param("not.a.jwt", id="garbage"),
        pytest.param(token(aud="api://other"), id="wrong audience"),
        pytest.param(token(iss="https://evil.example.com/"), id="wrong issuer"),
        pytest.param(token(exp=int(time.time()) - 120), id="expired"),
        pytest.param(token(nbf=int(time.time()) + 600), id="not yet valid"),
        pytest.param(token(key=OTHER_KEY), id="signed by another key"),
        pytest.param(token(kid="unknown"), id="unknown key id"),
        pytest.param(UNSIGNED, id="alg none"),
        pytest.param(hs256_with_public_key(), id="HS256 with the RSA public key"),
    ],
)
def test_tokens_that_must_not_pass_get_401(base: str, bad: str | None) -> None:
    response = get(base, "/me", bad)
    assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})


def test_a_missing_scope_is_403(base: str) -> None:
    assert get(base, "/admin", token(scope="orders:read")).status_code == 403
    assert get(base, "/admin", token(scope="orders:read orders:admin")).status_code == 200


def test_the_managed_gateways_jwt_authorizer_form(tmp_path: Path) -> None:
    public = jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
    write(tmp_path, "keys.json", json.dumps({"keys": [{**public, "kid": "k1"}]}))
    write(tmp_path, "h.py", HANDLER)
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.1
        info: {title: http api, version: "1"}
        x-integration: {type: python, handler: "h.py:claims", payload: "2.0"}
        x-gateway:
          authorizers:
            cognito: {jwks: keys.json}   # where the keys are locally
        components:
          securitySchemes:
            cognito:
              type: oauth2
              flows: {}
              x-amazon-apigateway-authorizer:
                type: jwt
                identitySource: $request.header.Authorization
                jwtConfiguration: {issuer: "https://auth.example.com/", audience: [api://orders]}
        paths:
          /me:
            get:
              security: [{cognito: []}]
              responses: {default: {description: any}}
        """,
    )
    with running_server(gateway_for(spec)) as url:
        assert get(url, "/me", token()).status_code == 200
        assert get(url, "/me", token(aud="nope")).status_code == 401


def test_algorithm_none_cannot_be_configured(tmp_path: Path) -> None:
    spec = write(tmp_path, "api.yaml", SPEC.replace("jwks: jwks.json", "jwks: jwks.json, algorithms: [none]"))
    write(tmp_path, "jwks.json", '{"keys": []}')
    write(tmp_path, "h.py", HANDLER)
    with pytest.raises(SpecError, match="algorithm 'none' is never accepted"):
        gateway_for(spec)


def test_a_jwks_url_is_fetched_once_for_concurrent_requests(tmp_path: Path) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    fetches: list[int] = []
    public = jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True)

    async def jwks(request: Request) -> JSONResponse:
        fetches.append(1)
        return JSONResponse({"keys": [{**public, "kid": "k1"}]})

    from tests.helpers import running_app

    with running_app(Starlette(routes=[Route("/jwks.json", jwks)])) as keys_base:
        write(tmp_path, "h.py", HANDLER)
        spec = write(tmp_path, "api.yaml", SPEC.replace("jwks: jwks.json", f"jwks: {keys_base}/jwks.json"))
        with running_server(gateway_for(spec)) as url:

            async def burst() -> list[int]:
                async with httpx.AsyncClient(timeout=10) as client:
                    headers = {"authorization": f"Bearer {token()}"}
                    answers = await asyncio.gather(*(client.get(f"{url}/me", headers=headers) for _ in range(20)))
                return [answer.status_code for answer in answers]

            assert asyncio.run(burst()) == [200] * 20
            assert get(url, "/me", token(kid="rotated")).status_code == 401  # an unknown kid: no refetch storm
    assert len(fetches) == 1
