"""The stateful mock (`x-integration: {type: mock, state: collection}`, or `serve --stateful`): the
operations of one path family (`/pets` and `/pets/{petId}`) share a collection of resources.

POST on the collection creates (the id taken from the body, else made for the id property's type:
the next integer, a UUID, or the next number as a string; 409 when it is taken) and answers its
first declared 2xx with the resource and a `Location`; GET on the collection lists them (in the
response's envelope when its example or schema wraps the list in an object; query parameters that
name a resource field filter by it); GET on the item reads, PUT replaces, PATCH merges (JSON Merge
Patch: null removes a field), DELETE removes; an unknown id is 404. Bodies were validated against
the operation's schema by the request validation stage before they get here. Other methods, and a
request that asks for a status (`Prefer: code=`, `?__code=`), are answered as the plain mock
answers them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from apigw_cli.gateway import json_text
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.integrations.mock import MockIntegration, parse_prefer

if TYPE_CHECKING:
    from apigw_cli.gateway.operation import Operation
    from apigw_cli.gateway.stores.mock_state import MockState

IdKind = Literal["integer", "uuid", "string"]


@dataclass(frozen=True, slots=True)
class MockFamily:
    """A collection path and its item path, compiled from the spec once for all their operations."""

    collection: str  # the collection's path template, e.g. /pets: the resources' key in the state
    item: str | None  # the item's path template, e.g. /pets/{petId}
    id_param: str | None  # the item path's parameter naming the id
    id_field: str  # the resource property holding the id
    id_kind: IdKind
    seeds: tuple[tuple[str, Any], ...]  # the examples the collection starts with, by id

    def seed_list(self) -> list[tuple[str, Any]]:
        return [(key, json.loads(json.dumps(resource))) for key, resource in self.seeds]  # copies: state owns them

    def location(self, key: str) -> str:
        if self.item is not None and self.id_param is not None:
            return self.item.replace("{" + self.id_param + "}", quote(key, safe=""))
        return f"{self.collection.rstrip('/')}/{quote(key, safe='')}"


@dataclass(frozen=True, slots=True)
class StatefulMockIntegration:
    family: MockFamily
    role: Literal["collection", "item"]
    state: MockState
    fallback: MockIntegration
    kind: str = "mock"

    @property
    def target(self) -> str:
        return f"stateful {self.family.collection}"

    async def aclose(self) -> None:
        return None

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        operation = exchange.operation
        assert operation is not None  # the route stage ran
        request = exchange.request
        method = request.method
        asks_status = "code" in parse_prefer(request.header("prefer")) or "__code" in request.query
        family = self.family
        if asks_status:
            return await self.fallback.invoke(exchange)
        if self.role == "collection" and method == "GET":
            return self._list(exchange, operation)
        if self.role == "collection" and method == "POST":
            return await self._create(exchange, operation)
        if self.role == "item" and method in ("GET", "PUT", "PATCH", "DELETE") and family.id_param is not None:
            key = exchange.path_params.get(family.id_param, "")
            stored = self.state.get(family.collection, key, family.seed_list)
            if stored is None:
                exchange.error = f"stateful mock: no resource {key!r} in {family.collection}"
                return gateway_error(
                    "RESOURCE_NOT_FOUND",
                    f"No resource with {family.id_field} {key!r} in {family.collection}",
                    error_type="NotFoundException",
                )
            if method == "GET":
                return _answer(operation, 200, stored)
            if method == "DELETE":
                self.state.delete(family.collection, key)
                return _answer(operation, 204, stored)
            body = await _object_body(exchange)
            if isinstance(body, GatewayResponse):
                return body
            if method == "PUT":
                updated = {**body, family.id_field: stored.get(family.id_field, key)}
            else:  # PATCH: JSON Merge Patch, one level
                updated = {k: v for k, v in {**stored, **body}.items() if body.get(k, True) is not None}
                updated[family.id_field] = stored.get(family.id_field, key)
            self.state.put(family.collection, key, updated)
            return _answer(operation, 200, updated)
        return await self.fallback.invoke(exchange)

    def _list(self, exchange: Exchange, operation: Operation) -> GatewayResponse:
        resources = self.state.resources(self.family.collection, self.family.seed_list)
        fields = {name for resource in resources if isinstance(resource, dict) for name in resource}
        for name, values in exchange.request.query.items():
            if name in fields:  # ?status=sold: those whose field says so
                resources = [r for r in resources if isinstance(r, dict) and key_text(r.get(name)) == values[-1]]
        return _answer(operation, 200, self._envelope(operation, resources))

    def _envelope(self, operation: Operation, resources: list[Any]) -> Any:
        """The list as the response declares it: bare, or in the first list of its example's or
        generated value's object (`{"data": [...], "total": 2}`)."""
        status = _first_2xx(operation, 200)
        response = operation.response_for(status)
        media = next(iter(response.media.values()), None) if response is not None else None
        if media is None:
            return resources
        template = media.examples[0].value if media.examples else self.fallback.generated_value(media)
        if isinstance(template, dict):
            for name, value in template.items():
                if isinstance(value, list):
                    return {**template, name: resources}
        return resources

    async def _create(self, exchange: Exchange, operation: Operation) -> GatewayResponse:
        family = self.family
        body = await _object_body(exchange)
        if isinstance(body, GatewayResponse):
            return body
        keys = self.state.keys(family.collection, family.seed_list)
        given = body.get(family.id_field)
        if given is not None:
            key = key_text(given)
            if key in keys:
                exchange.error = f"stateful mock: {family.id_field} {key!r} exists in {family.collection}"
                return gateway_error(
                    "DEFAULT_4XX",
                    f"A resource with {family.id_field} {key!r} already exists in {family.collection}",
                    status=409,
                    error_type="ConflictException",
                )
            resource = body
        else:
            made = new_id(family.id_kind, keys)
            key = key_text(made)
            resource = {family.id_field: made, **body}
        self.state.put(family.collection, key, resource)
        answer = _answer(operation, 201, resource)
        answer.headers.append(("location", family.location(key)))
        return answer


def new_id(kind: IdKind, taken: list[str]) -> Any:
    """An id for a new resource: the next integer past the largest, a UUID, or that integer as text."""
    if kind == "uuid":
        return str(uuid.uuid4())
    largest = max((int(key) for key in taken if key.isdigit()), default=0)
    return largest + 1 if kind == "integer" else str(largest + 1)


def key_text(value: Any) -> str:
    """An id (or a field compared with a query value) as the text a URL carries it as."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


async def _object_body(exchange: Exchange) -> dict[str, Any] | GatewayResponse:
    raw = await exchange.request.read_body()
    try:
        body = json_text.loads(raw) if raw else None
    except ValueError as exc:
        return gateway_error("BAD_REQUEST_BODY", f"Invalid JSON: {exc}")
    if not isinstance(body, dict):
        exchange.error = "stateful mock: the body is not a JSON object"
        return gateway_error("BAD_REQUEST_BODY", "A stateful mock stores JSON objects: the body must be one")
    return body


def _first_2xx(operation: Operation, default: int) -> int:
    codes = sorted(int(code) for code in operation.responses if code.isdigit() and code.startswith("2"))
    return codes[0] if codes else default


def _answer(operation: Operation, default: int, value: Any) -> GatewayResponse:
    status = _first_2xx(operation, default)
    if status in (204, 205):
        return GatewayResponse(status, [], b"")
    body = json.dumps(value, ensure_ascii=False).encode()
    return GatewayResponse(status, [("content-type", "application/json")], body)
