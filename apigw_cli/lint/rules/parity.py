"""Rules Spectral's `oas` and Redocly's `recommended` rulesets have that apigw adopts (docs/lint.md
has the table of both, with our name beside each or why we decline it). Correctness rules are on
by default; style rules (`style=True`) only in the `all` rule set or when configured."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from apigw_cli.lint.context import LintContext, Problem, as_map
from apigw_cli.lint.findings import Severity
from apigw_cli.lint.registry import rule

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from apigw_cli.spec.document import Location

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}
_URL_SAFE = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*$")
_MARKDOWN_EVAL = re.compile(r"eval\s*\(", re.IGNORECASE)
_MARKDOWN_SCRIPT = re.compile(r"<script", re.IGNORECASE)


def _all_schemas(ctx: LintContext) -> Iterator[tuple[dict[str, Any], Location]]:
    """Every schema object of the document, once (one walk shared by every rule)."""
    from apigw_cli.lint.rules.structure import all_schemas

    for node, where, _direction in all_schemas(ctx):
        yield node, where


def _is_type(value: Any, kind: str) -> bool:
    if kind == "integer":
        whole = isinstance(value, float) and value.is_integer()
        return (isinstance(value, int) and not isinstance(value, bool)) or whole
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    expected = _JSON_TYPES.get(kind)
    return expected is None or (isinstance(value, expected) and not (kind != "boolean" and isinstance(value, bool)))


@rule("typed-enum", Severity.ERROR, "Each enum value is of the schema's type (null only where the schema allows it).")
def typed_enum(ctx: LintContext) -> Iterator[Problem]:
    for node, at in _all_schemas(ctx):
        values = node.get("enum")
        kinds = node.get("type")
        if not isinstance(values, list) or kinds is None:
            continue
        allowed = (
            [kinds]
            if isinstance(kinds, str)
            else [k for k in kinds if isinstance(k, str)]
            if isinstance(kinds, list)
            else []
        )
        nullable = node.get("nullable") is True or "null" in allowed or node.get("x-nullable") is True
        for index, value in enumerate(values):
            if value is None and nullable:
                continue
            if not any(_is_type(value, kind) for kind in allowed if kind != "null"):
                shown = "null" if value is None else repr(value)
                yield Problem(f"enum value {shown} is not of type {' or '.join(allowed)}", at.child("enum", index))


@rule("array-items", Severity.ERROR, "Schemas of type array say what their items are (OpenAPI 3.0 and 2.0 need items).")
def array_items(ctx: LintContext) -> Iterator[Problem]:
    if ctx.dialect == "3.1":
        return  # JSON Schema 2020-12 allows an array of anything
    for node, at in _all_schemas(ctx):
        if node.get("type") == "array" and "items" not in node:
            yield Problem("a schema of type array has no items", at)


@rule("duplicated-entry-in-enum", Severity.WARN, "No value is listed twice in an enum.")
def duplicated_entry_in_enum(ctx: LintContext) -> Iterator[Problem]:
    import json

    for node, at in _all_schemas(ctx):
        values = node.get("enum")
        if not isinstance(values, list):
            continue
        seen: set[str] = set()
        for index, value in enumerate(values):
            key = json.dumps(value, sort_keys=True)
            if key in seen:
                yield Problem(f"enum value {json.dumps(value)} is listed more than once", at.child("enum", index))
            seen.add(key)


@rule(
    "operation-success-response",
    Severity.WARN,
    "Each operation declares a 2xx or 3xx response (or a default one, as the managed gateway's exports do).",
)
def operation_success_response(ctx: LintContext) -> Iterator[Problem]:
    for op in ctx.operations():
        responses = op.operation.get("responses")
        if not isinstance(responses, dict) or not responses:
            continue  # oas-schema's finding; none at all is how the managed gateway exports a proxy method
        codes = [str(code).upper() for code in responses]
        if not any(code == "DEFAULT" or code[:1] in ("2", "3") for code in codes):
            yield Problem(f"{op.route}: no 2xx or 3xx response is declared", op.at.child("responses"))


@rule("operation-parameters-unique", Severity.ERROR, "No operation declares two parameters with one name and `in`.")
def operation_parameters_unique(ctx: LintContext) -> Iterator[Problem]:
    for op in ctx.operations():
        for container, at in ((op.operation, op.at), (op.path_item, op.path_item_at)):
            seen: set[tuple[str, str]] = set()
            listed = container.get("parameters")
            for index, entry in enumerate(listed if isinstance(listed, list) else []):
                parameter, _ = ctx.resolve(entry, at.child("parameters", index))
                if not isinstance(parameter, dict):
                    continue
                key = (str(parameter.get("name")), str(parameter.get("in")))
                if key in seen:
                    yield Problem(
                        f"{op.route}: parameter {key[0]!r} in {key[1]} is declared twice", at.child("parameters", index)
                    )
                seen.add(key)


@rule("operation-tag-defined", Severity.WARN, "Tags operations use are declared in the document's `tags`.")
def operation_tag_defined(ctx: LintContext) -> Iterator[Problem]:
    declared = {str(tag.get("name")) for tag in ctx.root.get("tags") or [] if isinstance(tag, dict)}
    if not isinstance(ctx.root.get("tags"), list):
        return  # a spec without a tags list: declaring them is operation-tags-declared's business (style)
    for op in ctx.operations():
        for index, tag in enumerate(op.operation.get("tags") or []):
            if str(tag) not in declared:
                yield Problem(f"{op.route}: tag {tag!r} is not in the document's tags", op.at.child("tags", index))


@rule("openapi-tags-unique", Severity.ERROR, "No tag is declared twice in the document's `tags`.")
def openapi_tags_unique(ctx: LintContext) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, tag in enumerate(ctx.root.get("tags") or []):
        if isinstance(tag, dict):
            name = str(tag.get("name"))
            if name in seen:
                yield Problem(f"tag {name!r} is declared twice", ctx.at("tags", index))
            seen.add(name)


@rule("path-not-include-query", Severity.ERROR, "Path keys hold no query string (declare query parameters instead).")
def path_not_include_query(ctx: LintContext) -> Iterator[Problem]:
    for path in as_map(ctx.root.get("paths")):
        if "?" in str(path):
            yield Problem(
                f"path {path} includes a query string: declare its parameters with in: query", ctx.at("paths", path)
            )


@rule("path-declaration-must-exist", Severity.ERROR, "Path parameters are named: no empty `{}` in a path.")
def path_declaration_must_exist(ctx: LintContext) -> Iterator[Problem]:
    for path in as_map(ctx.root.get("paths")):
        if "{}" in str(path):
            yield Problem(f"path {path} has an empty parameter {{}}: name it", ctx.at("paths", path))


@rule("path-keys-no-trailing-slash", Severity.WARN, "Path keys do not end with a slash (the root path excepted).")
def path_keys_no_trailing_slash(ctx: LintContext) -> Iterator[Problem]:
    for path in as_map(ctx.root.get("paths")):
        text = str(path)
        if len(text) > 1 and text.endswith("/"):
            yield Problem(f"path {text} ends with a slash", ctx.at("paths", path))


def _servers(ctx: LintContext) -> Iterator[tuple[str, Location]]:
    for index, server in enumerate(ctx.root.get("servers") or []):
        if isinstance(server, dict) and isinstance(server.get("url"), str):
            yield server["url"], ctx.at("servers", index, "url")


@rule("server-trailing-slash", Severity.WARN, "Server URLs do not end with a slash (paths start with one).")
def server_trailing_slash(ctx: LintContext) -> Iterator[Problem]:
    for url, at in _servers(ctx):
        if url.endswith("/") and url != "/":
            yield Problem(f"server URL {url} ends with a slash", at)
    host = ctx.root.get("host") if ctx.dialect == "2.0" else None
    if isinstance(host, str) and host.endswith("/"):
        yield Problem(f"host {host} ends with a slash", ctx.at("host"))


@rule("server-variables-defined", Severity.ERROR, "Every {variable} of a server URL is declared in its `variables`.")
def server_variables_defined(ctx: LintContext) -> Iterator[Problem]:
    for index, server in enumerate(ctx.root.get("servers") or []):
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        declared = as_map(server.get("variables"))
        for name in re.findall(r"\{([^}]+)\}", server["url"]):
            if name not in declared:
                yield Problem(f"server URL variable {{{name}}} is not declared", ctx.at("servers", index, "url"))
        for name, variable in declared.items():
            if isinstance(variable, dict) and variable.get("enum") == []:
                yield Problem(f"server variable {name}: its enum is empty", ctx.at("servers", index, "variables", name))


@rule("server-not-example", Severity.WARN, "Server URLs and the 2.0 host are not example.com.", style=True)
def server_not_example(ctx: LintContext) -> Iterator[Problem]:
    for url, at in _servers(ctx):
        if re.search(r"(^|//|\.)example\.com\b", url):
            yield Problem(f"server URL {url} is example.com", at)
    host = ctx.root.get("host")
    if isinstance(host, str) and re.search(r"(^|\.)example\.com\b", host):
        yield Problem(f"host {host} is example.com", ctx.at("host"))


@rule("servers-defined", Severity.WARN, "The document says where the API is served (servers, or 2.0 host).", style=True)
def servers_defined(ctx: LintContext) -> Iterator[Problem]:
    if ctx.dialect == "2.0":
        if not ctx.root.get("host"):
            yield Problem("no host: where is the API served?", ctx.at())
    elif not ctx.root.get("servers"):
        yield Problem("no servers: where is the API served?", ctx.at())


@rule("operation-operationId-valid-in-url", Severity.WARN, "operationIds use only characters safe in a URL.")
def operation_id_valid_in_url(ctx: LintContext) -> Iterator[Problem]:
    for op in ctx.operations():
        operation_id = op.operation.get("operationId")
        if isinstance(operation_id, str) and not _URL_SAFE.match(operation_id):
            yield Problem(f"operationId {operation_id!r} has characters unsafe in a URL", op.at.child("operationId"))


@rule(
    "example-value-or-external",
    Severity.WARN,
    "An Example object has `value` or `externalValue`: one, not both, not neither.",
)
def example_value_or_external(ctx: LintContext) -> Iterator[Problem]:
    from apigw_cli.lint.rules.structure import media_objects

    if ctx.dialect == "2.0":
        return
    places = [(example, ctx.at("components", "examples", name), str(name))
              for name, example in as_map(as_map(ctx.root.get("components")).get("examples")).items()]  # fmt: skip
    for media, at, _direction in media_objects(ctx):
        for name, example in as_map(media.get("examples")).items():
            if isinstance(example, dict) and "$ref" not in example:
                places.append((example, at.child("examples", name), str(name)))
    for example, at, name in places:
        if not isinstance(example, dict) or "$ref" in example:
            continue
        if "value" in example and "externalValue" in example:
            yield Problem(f"example {name} has both value and externalValue", at)
        elif "value" not in example and "externalValue" not in example:
            yield Problem(f"example {name} has neither value nor externalValue", at)


def _descriptions(value: Any, at: Location) -> Iterator[tuple[str, Location]]:
    stack = [(value, at)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if key in ("description", "title", "summary") and isinstance(item, str):
                    yield item, where.child(key)
                elif isinstance(item, dict | list) and key not in ("example", "examples", "default", "enum"):
                    stack.append((item, where.child(key)))
        elif isinstance(node, list):
            stack.extend((item, where.child(index)) for index, item in enumerate(node))


def _mentions_script(path: Path) -> bool:
    """Whether the file's text holds `<script` or `eval(` anywhere (read a megabyte at a time)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            tail = ""
            for _ in range(1 << 20):  # bounded by the file's size
                chunk = handle.read(1 << 20)
                if not chunk:
                    return False
                text = tail + chunk
                if _MARKDOWN_SCRIPT.search(text) or _MARKDOWN_EVAL.search(text):
                    return True
                tail = text[-16:]  # a match across two chunks
    except OSError:
        return True  # cannot tell: walk
    return True


@rule("no-script-in-markdown", Severity.WARN, "Descriptions hold no <script> tags or eval(...) (docs render them).")
def no_script_in_markdown(ctx: LintContext) -> Iterator[Problem]:
    if not any(_mentions_script(path) for path in ctx.document.files):
        return  # a search of the files' text spares walking every description (0.15 s on 13 MB)
    for text, at in _descriptions(ctx.root, ctx.at()):
        if _MARKDOWN_SCRIPT.search(text):
            yield Problem("a <script> tag in markdown: documentation tools would run it", at)
        elif _MARKDOWN_EVAL.search(text):
            yield Problem("eval(...) in markdown: documentation tools may run it", at)


# style rules: off by default, on with `extends: [all]` or when configured
@rule("info-contact", Severity.WARN, "info has a contact.", style=True)
def info_contact(ctx: LintContext) -> Iterator[Problem]:
    if not isinstance(as_map(ctx.root.get("info")).get("contact"), dict):
        yield Problem("info has no contact", ctx.at("info"))


@rule("info-description", Severity.WARN, "info has a description.", style=True)
def info_description(ctx: LintContext) -> Iterator[Problem]:
    if not as_map(ctx.root.get("info")).get("description"):
        yield Problem("info has no description", ctx.at("info"))


@rule("info-license", Severity.WARN, "info has a license with a URL (or, in 3.1, an identifier).", style=True)
def info_license(ctx: LintContext) -> Iterator[Problem]:
    license_ = as_map(ctx.root.get("info")).get("license")
    if not isinstance(license_, dict):
        yield Problem("info has no license", ctx.at("info"))
    elif not license_.get("url") and not license_.get("identifier"):
        yield Problem("the license has no url", ctx.at("info", "license"))


@rule("operation-description", Severity.WARN, "Each operation has a description or a summary.", style=True)
def operation_description(ctx: LintContext) -> Iterator[Problem]:
    for op in ctx.operations():
        if not op.operation.get("description") and not op.operation.get("summary"):
            yield Problem(f"{op.route} has no description or summary", op.at)


@rule("operation-operationId", Severity.WARN, "Each operation has an operationId.", style=True)
def operation_operation_id(ctx: LintContext) -> Iterator[Problem]:
    for op in ctx.operations():
        if not op.operation.get("operationId"):
            yield Problem(f"{op.route} has no operationId", op.at)


@rule("operation-tags", Severity.WARN, "Each operation has at least one tag.", style=True)
def operation_tags(ctx: LintContext) -> Iterator[Problem]:
    for op in ctx.operations():
        if not op.operation.get("tags"):
            yield Problem(f"{op.route} has no tags", op.at)


@rule("operation-4xx-response", Severity.WARN, "Each operation declares at least one 4xx response.", style=True)
def operation_4xx_response(ctx: LintContext) -> Iterator[Problem]:
    for op in ctx.operations():
        responses = op.operation.get("responses")
        if isinstance(responses, dict) and not any(str(code).upper().startswith("4") for code in responses):
            yield Problem(f"{op.route}: no 4xx response is declared", op.at.child("responses"))


@rule("tag-description", Severity.WARN, "Each tag of the document's `tags` has a description.", style=True)
def tag_description(ctx: LintContext) -> Iterator[Problem]:
    for index, tag in enumerate(ctx.root.get("tags") or []):
        if isinstance(tag, dict) and not tag.get("description"):
            yield Problem(f"tag {tag.get('name')!r} has no description", ctx.at("tags", index))


@rule("tags-alphabetical", Severity.WARN, "The document's `tags` are in alphabetical order.", style=True)
def tags_alphabetical(ctx: LintContext) -> Iterator[Problem]:
    names = [str(tag.get("name")) for tag in ctx.root.get("tags") or [] if isinstance(tag, dict)]
    for index in range(1, len(names)):
        if names[index].lower() < names[index - 1].lower():
            yield Problem(f"tag {names[index]!r} comes after {names[index - 1]!r}", ctx.at("tags", index))
            return


@rule(
    "discriminator-defined",
    Severity.ERROR,
    "Swagger 2.0: a discriminator is a property the schema declares and requires.",
)
def discriminator_defined(ctx: LintContext) -> Iterator[Problem]:
    if ctx.dialect != "2.0":
        return  # 3.x puts the property in the alternatives (oneOf, anyOf), where oas-schema checks its shape
    for node, at in _all_schemas(ctx):
        name = node.get("discriminator")
        if not isinstance(name, str):
            continue
        if name not in as_map(node.get("properties")):
            yield Problem(f"discriminator {name!r} is not one of the schema's properties", at.child("discriminator"))
        elif name not in (node.get("required") or []):
            yield Problem(f"discriminator {name!r} is not in the schema's required list", at.child("discriminator"))


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@rule(
    "form-data-consumed",
    Severity.ERROR,
    "Swagger 2.0: an operation with formData parameters consumes a form media type.",
)
def form_data_consumed(ctx: LintContext) -> Iterator[Problem]:
    if ctx.dialect != "2.0":
        return
    root_consumes = ctx.root.get("consumes") or []
    for op in ctx.operations():
        if not any(parameter.get("in") == "formData" for parameter, _ in ctx.parameters(op)):
            continue
        consumes = op.operation.get("consumes", root_consumes) or []
        if not any(str(media).split(";")[0].strip().lower() in _FORM_TYPES for media in consumes):
            yield Problem(
                f"{op.route} has formData parameters but consumes neither "
                "application/x-www-form-urlencoded nor multipart/form-data",
                op.at.child("consumes") if "consumes" in op.operation else op.at,
            )
