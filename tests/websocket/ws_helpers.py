"""What the WebSocket tests share: a spec folder with handlers that write every event they get to a
JSON-lines file, a real `apigw serve` on it, and bounded waits on what the handlers saw."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HANDLERS = '''
import json, os, time

def _seen(event):
    with open(os.environ["WS_EVENTS"], "a") as out:
        out.write(json.dumps(event) + "\\n")

def connect(event, context):
    _seen(event)
    query = event.get("queryStringParameters") or {}
    if query.get("refuse"):
        return {"statusCode": int(query["refuse"]), "body": "go away"}
    if query.get("raise"):
        raise RuntimeError("connect failed")
    if query.get("post"):  # posting to itself during $connect: not connected yet
        import urllib.error, urllib.request
        request = event["requestContext"]
        url = f"http://{request['domainName']}/{request['stage']}/@connections/{request['connectionId']}"
        try:
            urllib.request.urlopen(urllib.request.Request(url, data=b"early", method="POST"), timeout=5)
            _seen({"postStatus": 200})
        except urllib.error.HTTPError as exc:
            _seen({"postStatus": exc.code})
    return {"statusCode": 200}

def disconnect(event, context):
    _seen(event)
    return {"statusCode": 200}

def default(event, context):
    _seen(event)
    return {"statusCode": 200, "body": "default:" + (event.get("body") or "")}

def echo(event, context):
    _seen(event)
    route = event["requestContext"]["routeKey"]
    return {"statusCode": 200, "body": json.dumps({"echo": json.loads(event["body"]), "route": route})}

def silent(event, context):
    _seen(event)
    return {"statusCode": 200, "body": "never sent"}

def broken(event, context):
    _seen(event)
    raise ValueError("broken handler")

def whoami(event, context):
    _seen(event)
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}

def post_back(event, context):
    """What a deployed Lambda does: boto3's management client on the API's URL and stage."""
    import boto3
    request = event["requestContext"]
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"http://{request['domainName']}/{request['stage']}",
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    found = client.get_connection(ConnectionId=request["connectionId"])
    answer = json.dumps({"sourceIp": found["Identity"]["SourceIp"]}).encode()
    client.post_to_connection(ConnectionId=request["connectionId"], Data=answer)
    return {"statusCode": 200}

def pid(event, context):
    """Which worker process holds the connection (or answers the request)."""
    request = event["requestContext"]
    return {"statusCode": 200, "body": json.dumps({"pid": os.getpid(), "connectionId": request.get("connectionId")})}

def authorize(event, context):
    _seen(event)
    token = (event.get("queryStringParameters") or {}).get("token") or event["headers"].get("authorization")
    effect = "Allow" if token == "good" else "Deny"
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"team": "blue"},
    }
'''

SPEC = """openapi: 3.0.3
info: {title: WebSocket test, version: "1"}
x-gateway:
  websocket:
    path: /ws
    routes:
ROUTES
IDLE
paths:
  /ping:
    get:
      x-integration: {type: mock}
      responses: {"200": {description: ok, content: {application/json: {example: {ok: true}}}}}
  /pid:
    get:
      x-integration: {type: python, handler: ws.py:pid}
      responses: {"200": {description: the worker's process id}}
"""

DEFAULT_ROUTES = """      $connect: {type: python, handler: ws.py:connect}
      $disconnect: {type: python, handler: ws.py:disconnect}
      $default: {type: python, handler: ws.py:default, routeResponse: true}
      echo: {type: python, handler: ws.py:echo, routeResponse: true}
      silent: {type: python, handler: ws.py:silent}
      broken: {type: python, handler: ws.py:broken, routeResponse: true}
      whoami: {type: python, handler: ws.py:whoami, routeResponse: true}
      postBack: {type: python, handler: ws.py:post_back}
      pid: {type: python, handler: ws.py:pid, routeResponse: true}"""


def write_api(folder: Path, routes: str = DEFAULT_ROUTES, extra: str = "", head: str = "") -> Path:
    (folder / "ws.py").write_text(HANDLERS)
    spec = folder / "api.yaml"
    text = SPEC.replace("ROUTES", routes).replace("IDLE", extra)
    if head:
        text = text.replace("x-gateway:\n", "x-gateway:\n" + head, 1)
    spec.write_text(text)
    return spec


def events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(path: Path, found: Callable[[list[dict[str, Any]]], bool], timeout: float = 20) -> list[dict[str, Any]]:
    """The handlers' events once `found` holds of them (AssertionError past the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = events(path)
        if found(seen):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout} s: {[e['requestContext']['eventType'] for e in seen]}")
        time.sleep(0.05)


def of_type(seen: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [event for event in seen if event.get("requestContext", {}).get("eventType") == event_type]


def ws_url(base: str, path: str = "/ws") -> str:
    return base.replace("http://", "ws://") + path
