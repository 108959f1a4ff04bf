"""Velocity templates on airspeed-ext, compiled once and rendered per request, with the managed
gateway's dialect where the fork departs from Velocity (each rule below is Velocity's, as the
managed gateway's Java engine applies it):

- `#break` leaves the innermost `#foreach` (outside one it ends the template, like `#stop`);
- `#foreach` over a map walks its values, and stops with an error past 1,000 iterations (the
  managed gateway's quota: "Number of iterations in a #foreach ... #end loop in mapping
  templates: 1000", developer guide, limits.md);
- a null condition is false (`#if($missing)`), and `!null` is true;
- a reference renders Java's text of its value (`{a=1}`, `[1, 2]`, `true`), and a method is one
  of Java's (`java.py`) or one a template object (`$input`, `$util`) exposes: no Python
  attribute is reachable from a template;
- `+` with a string concatenates, `/` of two integers truncates and otherwise divides, and an
  ordering (`>`, `<=`, ...) of what cannot be ordered (null, a string and a number) is false.

airspeed-ext was kept over airspeed 0.7: it parses `#set` with bracketed and hyphenated keys,
renders undefined references empty and booleans lower-case, as the managed gateway does (both
rendered a 50-item `#foreach` in the same time, bench/template_bench.py). This module imports
airspeed at its top; it is imported only where a template is compiled.
"""

from __future__ import annotations

import operator
import re
from typing import TYPE_CHECKING, Any

import airspeed  # noqa: TID253 - this module is imported lazily, by the template compiler
from airspeed import operators as velocity  # noqa: TID253

from apigw_cli.gateway.vtl.errors import TemplateRenderError, TemplateSyntaxError
from apigw_cli.gateway.vtl.java import TemplateObject, bean_property, java_text, methods_of

if TYPE_CHECKING:
    from collections.abc import Mapping

FOREACH_LIMIT = 1000


class _Break(BaseException):
    """Raised by `#break`; a BaseException so that airspeed's error wrapping lets it through."""


class _BreakDirective(velocity._Element):  # type: ignore[misc]
    START = re.compile(r"#(?:break\b|\{break\})(.*)$", re.S)

    def parse(self) -> None:
        self.identity_match(self.START)

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        raise _Break


def _foreach(self: Any, stream: Any, namespace: Any, loader: Any) -> None:
    iterable = self.value.calculate(namespace, loader)
    if iterable is None or isinstance(iterable, str):
        return  # Velocity skips what it cannot iterate
    if isinstance(iterable, dict):
        items = list(iterable.values())
    else:
        try:
            items = list(iterable)
        except TypeError:
            raise ValueError(f"#foreach over ${self.loop_var_name}: {java_text(iterable)!r} is not a list") from None
    if len(items) > FOREACH_LIMIT:
        raise ValueError(f"#foreach over {len(items)} items: the managed gateway stops at {FOREACH_LIMIT}")
    count = len(items)
    for number, item in enumerate(items, start=1):
        local = velocity.LocalNamespace(namespace)
        local["velocityCount"] = number
        local["velocityHasNext"] = number < count
        local["foreach"] = {
            "count": number,
            "index": number - 1,
            "hasNext": number < count,
            "first": number == 1,
            "last": number == count,
        }
        local[self.loop_var_name] = item
        try:
            self.block.evaluate(stream, local, loader)
        except _Break:
            return


def _condition(self: Any, namespace: Any, loader: Any) -> bool:
    return bool(self.expression.calculate(namespace, loader))


def _negation(self: Any, namespace: Any, loader: Any) -> bool:
    return not self.value.calculate(namespace, loader)


def _plus(left: Any, right: Any) -> Any:
    if isinstance(left, str) or isinstance(right, str):
        return java_text(left) + java_text(right)
    if left is None or right is None:
        return None  # Velocity: arithmetic with null is null (it logs, the template goes on)
    return left + right


def _divide(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int):
        quotient = abs(left) // abs(right)
        return quotient if (left >= 0) == (right >= 0) else -quotient
    return left / right


_ORDERINGS = {
    ">": operator.gt, "gt": operator.gt, ">=": operator.ge, "ge": operator.ge,
    "<": operator.lt, "lt": operator.lt, "<=": operator.le, "le": operator.le,
}  # fmt: skip


def _ordered(compare: Any) -> Any:
    """An ordering that is false when the two sides cannot be ordered (null, a string and a number),
    as Velocity's is (it logs and takes the comparison as false) instead of failing the template."""

    def ordered(left: Any, right: Any) -> bool:
        try:
            return bool(compare(left, right))
        except TypeError:
            return False

    return ordered


def _property(value: Any, name: str) -> Any:
    if name.startswith("_"):
        return None
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, TemplateObject):
        if name not in value.exposed:
            return None
        found = getattr(value, name)
        return None if callable(found) else found
    return bean_property(value, name)


def _method(value: Any, name: str) -> Any:
    if name.startswith("_"):
        return None
    table = methods_of(value)
    if table is not None:
        function = table.get(name)
        return None if function is None else (lambda *args: function(value, *args))
    if isinstance(value, TemplateObject) and name in value.exposed:
        found = getattr(value, name)
        return found if callable(found) else None
    return None


def _item(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(value):
        return value[key]
    return None


def _name_or_call(self: Any, current: Any, loader: Any, top_namespace: Any) -> Any:
    """One step of a reference (`$name`, `.name`, `.name(args)`, `name[key]`)."""
    if isinstance(current, velocity.LocalNamespace):
        try:
            value = current[self.name]
        except KeyError:
            value = None
        if isinstance(value, velocity._FunctionDefinition):  # a #define'd block: its text
            stream = velocity.StoppableStream()
            arguments = self.parameters.calculate(top_namespace, loader) if self.parameters else []
            value.execute_function(stream, top_namespace, arguments, loader)
            return stream.getvalue()
        if self.parameters is not None:
            return None
    elif self.parameters is not None:
        function = _method(current, self.name)
        if function is None:
            return None
        return function(*self.parameters.calculate(top_namespace, loader))
    else:
        value = _property(current, self.name)
    if self.index is not None:
        value = _item(value, self.index.calculate(top_namespace, loader))
    return value


velocity.UserDefinedDirective.DIRECTIVES.append(_BreakDirective)
velocity.ForeachDirective.evaluate_raw = _foreach
velocity.Condition.calculate = _condition
velocity.UnaryOperatorValue.calculate = _negation
velocity.NameOrCall.calculate = _name_or_call
velocity.BinaryOperator.OPERATORS = {
    **velocity.BinaryOperator.OPERATORS,
    "+": _plus,
    "/": _divide,
    **{name: _ordered(compare) for name, compare in _ORDERINGS.items()},
}
velocity.value_to_string = java_text


class CompiledTemplate:
    """A template parsed once (a snapshot's compile); `render` is safe from any thread."""

    def __init__(self, text: str, origin: str):
        self.origin = origin  # where it was declared, for messages: "spec.yaml:12 requestTemplates"
        self._template = airspeed.Template(text, origin)
        try:
            self._template.ensure_compiled()
        except velocity.TemplateSyntaxError as exc:
            raise TemplateSyntaxError(str(exc)) from None

    def render(self, variables: Mapping[str, Any]) -> str:
        """The template's text for `variables` (a fresh namespace of the top-level names)."""
        stream = velocity.StoppableStream()
        try:
            self._template.merge_to(dict(variables), stream)
        except _Break:
            pass  # #break outside a #foreach ends the template
        except velocity.TemplateExecutionError as exc:
            line = 1 + exc.element.full_text()[: exc.start].count("\n")
            cause = exc.__cause__
            reason = f"{type(cause).__name__}: {cause}" if cause is not None else str(exc)
            detail = f"at {exc.element.my_text().strip()[:60]!r}: {reason}"
            raise TemplateRenderError(self.origin, line, detail, cause) from None
        return str(stream.getvalue())
