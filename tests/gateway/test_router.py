"""Routing: literal over templated segments, greedy {proxy+}, base paths, 404, 405 with Allow, HEAD."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigw_cli.gateway.router import Match, MethodNotAllowed, Router
from apigw_cli.gateway.snapshot import Gateway
from tests.helpers import call, gateway_for, write


def router(*routes: tuple[str, str], base_paths: tuple[str, ...] = ("",)) -> Router[str]:
    table: Router[str] = Router(base_paths)
    for method, template in routes:
        table.add(template, method, f"{method} {template}")
    return table


def matched(result: object) -> Match[str]:
    assert isinstance(result, Match), result
    return result


def test_literal_segment_wins_over_a_template() -> None:
    table = router(("GET", "/users/{id}"), ("GET", "/users/me"))
    assert matched(table.match("GET", "/users/me")).target == "GET /users/me"
    found = matched(table.match("GET", "/users/42"))
    assert (found.target, found.params) == ("GET /users/{id}", {"id": "42"})


def test_backtracks_when_the_literal_branch_dead_ends() -> None:
    table = router(("GET", "/users/me"), ("GET", "/users/{id}/posts"))
    found = matched(table.match("GET", "/users/me/posts"))
    assert (found.target, found.params) == ("GET /users/{id}/posts", {"id": "me"})


def test_greedy_parameter_takes_the_rest_of_the_path() -> None:
    table = router(("GET", "/files/{proxy+}"), ("GET", "/files/index"))
    assert matched(table.match("GET", "/files/index")).target == "GET /files/index"
    assert matched(table.match("GET", "/files/a/b/c.txt")).params == {"proxy": "a/b/c.txt"}
    assert table.match("GET", "/files") is None


def test_greedy_parameter_must_be_last() -> None:
    with pytest.raises(ValueError, match="must be the last segment"):
        router(("GET", "/a/{proxy+}/b"))


def test_path_parameters_are_percent_decoded_per_segment() -> None:
    found = matched(router(("GET", "/tags/{name}")).match("GET", "/tags/a%2Fb%20c"))
    assert found.params == {"name": "a/b c"}


def test_parameter_inside_a_segment() -> None:
    found = matched(router(("GET", "/reports/{id}.{format}")).match("GET", "/reports/7.csv"))
    assert found.params == {"id": "7", "format": "csv"}


def test_known_path_with_another_method_is_method_not_allowed() -> None:
    result = router(("GET", "/users"), ("POST", "/users")).match("DELETE", "/users")
    assert isinstance(result, MethodNotAllowed)
    assert result.allowed == ("GET", "HEAD", "POST")


def test_base_path_is_required_and_stripped() -> None:
    table = router(("GET", "/users"), base_paths=("/v1",))
    assert matched(table.match("GET", "/v1/users")).target == "GET /users"
    assert table.match("GET", "/users") is None
    assert table.match("GET", "/v1x/users") is None


@pytest.fixture
def users_gateway(tmp_path: Path) -> Gateway:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        servers: [{url: "http://localhost:{port}/{base}", variables: {port: {default: "3000"}, base: {default: v2}}}]
        x-integration: {type: mock}
        paths:
          /users:
            get:
              responses:
                "200": {description: ok, content: {application/json: {example: [1, 2]}}}
            post:
              responses:
                "201": {description: created}
        """,
    )
    return gateway_for(spec)


def test_unknown_path_answers_404_not_found(users_gateway: Gateway) -> None:
    response = call(users_gateway, "GET", "/v2/nothing")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_wrong_method_answers_405_with_allow(users_gateway: Gateway) -> None:
    response = call(users_gateway, "PATCH", "/v2/users")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert response.json() == {"message": "Method Not Allowed"}


def test_server_url_variables_give_the_base_path(users_gateway: Gateway) -> None:
    assert call(users_gateway, "GET", "/v2/users").json() == [1, 2]
    assert call(users_gateway, "GET", "/users").status_code == 404


def test_head_is_answered_for_get_routes_without_a_body(users_gateway: Gateway) -> None:
    response = call(users_gateway, "HEAD", "/v2/users")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(b"[1, 2]"))
