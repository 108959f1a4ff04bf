"""UserAPI handlers in Lambda proxy format 1.0: each takes (event, context) and returns
{statusCode, headers, body}, exactly as they would on the managed gateway."""

from __future__ import annotations

import json
from typing import Any

import userstore


def _reply(status: int, payload: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(payload) if payload is not None else "",
    }


def list_users(event: dict[str, Any], context: Any) -> dict[str, Any]:
    query = event.get("queryStringParameters") or {}
    limit = int(query.get("limit", 20))
    offset = int(query.get("offset", 0))
    users, total = userstore.list_users(limit, offset)
    return _reply(200, {"items": users, "total": total, "limit": limit, "offset": offset})


def create_user(event: dict[str, Any], context: Any) -> dict[str, Any]:
    new = json.loads(event["body"])
    try:
        user = userstore.create_user(new["name"], new["email"])
    except userstore.EmailTaken:
        return _reply(409, {"message": f"a user with email {new['email']} exists"})
    return _reply(201, user, {"Location": f"/users/{user['id']}"})


def get_user(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = userstore.get_user(int(event["pathParameters"]["id"]))
    if user is None:
        return _reply(404, {"message": "user not found"})
    return _reply(200, user)


def delete_user(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if not userstore.delete_user(int(event["pathParameters"]["id"])):
        return _reply(404, {"message": "user not found"})
    return {"statusCode": 204, "body": ""}
