"""The layout's promises, checked on the source: no import cycles among apigw's modules (imports
under TYPE_CHECKING and inside functions count: each is a dependency of one module on another)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "apigw_cli"


def _module_names() -> dict[str, Path]:
    names = {}
    for file in PACKAGE.rglob("*.py"):
        parts = list(file.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = file
    return names


def import_graph() -> dict[str, set[str]]:
    """Each apigw module -> the apigw modules it imports anywhere in its text."""
    modules = _module_names()
    graph: dict[str, set[str]] = {}
    for name, file in modules.items():
        package = name if file.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    child = f"{base}.{alias.name}"
                    found.add(child if child in modules else base)
        graph[name] = {target for target in found if target in modules and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_sees_type_checking_and_function_level_imports() -> None:
    graph = import_graph()
    assert "apigw_cli.gateway.snapshot" in graph["apigw_cli.console"]  # imported under TYPE_CHECKING
    assert "apigw_cli.loading" in graph["apigw_cli.cli"]  # imported inside a command


def test_no_module_imports_itself_through_others() -> None:
    assert cycles(import_graph()) == []


def test_the_server_and_the_data_model_stay_below_what_uses_them() -> None:
    graph = import_graph()
    assert "apigw_cli.console" not in graph["apigw_cli.server"]
    assert "apigw_cli.server" not in graph["apigw_cli.invoke"]
    model = ("apigw_cli.gateway.exchange", "apigw_cli.gateway.operation", "apigw_cli.gateway.principal")
    for module in model:
        assert not any(target.startswith("apigw_cli.gateway.integrations") for target in graph[module]), module
