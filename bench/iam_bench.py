"""What IAM costs a request: the SigV4 check alone (µs a call, on a botocore-signed request), and a
whole request through the gateway in-process (no sockets) to a mock route with and without IAM,
signed by botocore. One run; the ratio is what it tells.

Usage: python bench/iam_bench.py [--count 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from apigw_cli.config import Settings
from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.iam.credentials import IamCredential
from apigw_cli.gateway.iam.sigv4 import SignedRequest, verify
from apigw_cli.gateway.inprocess import send_request
from apigw_cli.loading import build_gateway

SPEC = """openapi: 3.0.3
info: {title: iam bench, version: "1"}
x-gateway:
  iam:
    credentials:
      - {accessKeyId: AKIDBENCH, secretAccessKey: bench-secret, arn: "arn:aws:iam::123456789012:user/bench",
         policy: {Statement: [{Effect: Allow, Action: execute-api:Invoke, Resource: "*"}]}}
paths:
  /signed/{id}:
    get:
      x-amazon-apigateway-auth: {type: AWS_IAM}
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      x-integration: {type: mock}
      responses: {"200": {description: ok, content: {application/json: {example: {ok: true}}}}}
  /open/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      x-integration: {type: mock}
      responses: {"200": {description: ok, content: {application/json: {example: {ok: true}}}}}
"""


def signed_headers(path: str) -> list[tuple[str, str]]:
    request = AWSRequest(method="GET", url=f"http://127.0.0.1:3000{path}?a=1", headers={"host": "127.0.0.1:3000"})
    SigV4Auth(Credentials("AKIDBENCH", "bench-secret"), "execute-api", "us-east-1").add_auth(request)
    return [(name.lower(), value) for name, value in request.headers.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    headers = signed_headers("/signed/1")
    credentials = {"AKIDBENCH": IamCredential("AKIDBENCH", "bench-secret", "arn:aws:iam::123456789012:user/bench")}
    request = SignedRequest("GET", "/signed/1", "a=1", headers, b"")
    started = time.perf_counter()
    for _ in range(args.count):
        verify(request, credentials, "us-east-1")
    check_us = (time.perf_counter() - started) / args.count * 1e6

    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "api.yaml"
        spec.write_text(SPEC)
        settings = Settings(spec=spec, reload=False, validate_responses="off")
        app = GatewayApp(build_gateway(settings), settings.max_body_bytes)

        async def run(path: str, sent: list[tuple[str, str]]) -> float:
            for _ in range(200):  # warm-up
                await send_request(app, "GET", path, "a=1", sent)
            begun = time.perf_counter()
            for _ in range(args.count):
                answer = await send_request(app, "GET", path, "a=1", sent)
                assert answer.status == 200, answer.body
            return float((time.perf_counter() - begun) / args.count * 1e6)

        open_us = asyncio.run(run("/open/1", [("host", "127.0.0.1:3000")]))
        signed_us = asyncio.run(run("/signed/1", headers))
    print(f"{'measurement':<52} {'µs':>8}")
    print(f"{'SigV4 check alone (verify)':<52} {check_us:>8.1f}")
    print(f"{'request to a mock route, no IAM (in-process)':<52} {open_us:>8.1f}")
    print(f"{'request to a mock route, IAM enforce (in-process)':<52} {signed_us:>8.1f}")
    print(f"signed / unsigned: {signed_us / open_us:.2f} ({args.count} requests each)")


if __name__ == "__main__":
    main()
