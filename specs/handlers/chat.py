"""The bundled chat room: a WebSocket API's handlers in the managed gateway's Lambda format.

Messages go to other members through the @connections API, as a deployed Lambda does with
boto3's `apigatewaymanagementapi` client; here with the standard library, so the example runs
without boto3. The room lives in this module: a reload of the handlers empties it."""

import json
import threading
import urllib.error
import urllib.request

_members: dict[str, str] = {}  # connection id -> name
_lock = threading.Lock()


def connect(event, context):
    return {"statusCode": 200}


def disconnect(event, context):
    with _lock:
        _members.pop(event["requestContext"]["connectionId"], None)
    return {"statusCode": 200}


def join(event, context):
    body = json.loads(event["body"])
    name = str(body.get("name") or "someone")[:40]
    with _lock:
        _members[event["requestContext"]["connectionId"]] = name
    return {"statusCode": 200, "body": json.dumps({"joined": name, "members": sorted(_members.values())})}


def say(event, context):
    request = event["requestContext"]
    body = json.loads(event["body"])
    with _lock:
        name = _members.get(request["connectionId"], "someone")
        targets = list(_members)
    line = json.dumps({"from": name, "text": str(body.get("text", ""))}).encode()
    endpoint = f"http://{request['domainName']}/{request['stage']}/@connections"
    for connection_id in targets:
        post = urllib.request.Request(f"{endpoint}/{connection_id}", data=line, method="POST")
        try:
            urllib.request.urlopen(post, timeout=5).close()
        except urllib.error.HTTPError as exc:
            if exc.code == 410:  # gone: it left without a $disconnect reaching us
                with _lock:
                    _members.pop(connection_id, None)
    return {"statusCode": 200}


def room(event, context):
    with _lock:
        return {"members": sorted(_members.values())}
