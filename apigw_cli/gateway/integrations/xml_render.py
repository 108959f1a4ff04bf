"""A mocked value as XML, the way OpenAPI's `xml` object says a schema's instances look: the
element is named by `xml.name` (else the property's name, else the schema component's name),
`xml.attribute` makes a property an attribute, arrays repeat their item element and are wrapped in
one named element only with `xml.wrapped`, `xml.namespace` and `xml.prefix` qualify a name.
The schema is a bundled one (`$defs`)."""

from __future__ import annotations

from typing import Any

# what xml.sax.saxutils escapes (it imports urllib.request, ~20 ms of every start that loads the mocks)
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)


def escape(text: str) -> str:
    return text.translate(_TEXT)


def quoteattr(text: str) -> str:
    """`text` as a double-quoted attribute value."""
    return f'"{text.translate(_ATTRIBUTE)}"'


def _deref(schema: Any, defs: dict[str, Any]) -> tuple[Any, str | None]:
    """The schema a `$ref` names (and that name), following a few hops."""
    name = None
    for _ in range(16):
        if not isinstance(schema, dict) or not isinstance(schema.get("$ref"), str):
            break
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            break
        name = ref[len("#/$defs/") :]
        schema = defs.get(name, {})
    return schema, name


def _xml(schema: Any) -> dict[str, Any]:
    found = schema.get("xml") if isinstance(schema, dict) else None
    return found if isinstance(found, dict) else {}


def _qualified(name: str, xml: dict[str, Any]) -> tuple[str, str]:
    """The tag and the namespace declaration (an attribute text, maybe empty) of an element."""
    prefix = xml.get("prefix")
    tag = f"{prefix}:{name}" if isinstance(prefix, str) and prefix else name
    namespace = xml.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        return tag, ""
    attribute = f"xmlns:{prefix}" if isinstance(prefix, str) and prefix else "xmlns"
    return tag, f" {attribute}={quoteattr(namespace)}"


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _text(value: Any) -> str:
    return escape(_plain(value))


def render_xml(value: Any, schema: Any) -> str:
    defs: dict[str, Any] = schema.get("$defs", {}) if isinstance(schema, dict) else {}
    resolved, component = _deref(schema, defs)
    name = _xml(resolved).get("name") or component or "root"
    if isinstance(value, list):
        items, item_component = _deref(resolved.get("items") if isinstance(resolved, dict) else {}, defs)
        item_name = _xml(items).get("name") or item_component or "item"
        inner = "".join(_element(item, items, str(item_name), defs, 1) for item in value)
        tag, declaration = _qualified(str(_xml(resolved).get("name") or f"{item_name}s"), _xml(resolved))
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<{tag}{declaration}>{inner}</{tag}>\n'
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _element(value, resolved, str(name), defs, 0) + "\n"


def _element(value: Any, schema: Any, name: str, defs: dict[str, Any], depth: int) -> str:
    schema, _ = _deref(schema, defs)
    xml = _xml(schema)
    tag, declaration = _qualified(str(xml.get("name") or name), xml)
    if depth > 32:
        return f"<{tag}/>"
    if isinstance(value, dict):
        properties = schema.get("properties") if isinstance(schema, dict) else None
        properties = properties if isinstance(properties, dict) else {}
        attributes = []
        children = []
        for key, item in value.items():
            sub, _ = _deref(properties.get(key, {}), defs)
            sub_xml = _xml(sub)
            if sub_xml.get("attribute") is True and not isinstance(item, dict | list):
                attributes.append(f" {sub_xml.get('name') or key}={quoteattr(_plain(item))}")
            else:
                children.append(_child(item, sub, str(key), defs, depth))
        return f"<{tag}{declaration}{''.join(attributes)}>{''.join(children)}</{tag}>"
    if isinstance(value, list):
        return _child(value, schema, name, defs, depth)
    return f"<{tag}{declaration}>{_text(value)}</{tag}>"


def _child(value: Any, schema: Any, name: str, defs: dict[str, Any], depth: int) -> str:
    if not isinstance(value, list):
        return _element(value, schema, name, defs, depth + 1)
    schema, _ = _deref(schema, defs)
    xml = _xml(schema)
    items, _ = _deref(schema.get("items") if isinstance(schema, dict) else {}, defs)
    item_name = str(_xml(items).get("name") or name)
    inner = "".join(_element(item, items, item_name, defs, depth + 1) for item in value)
    if xml.get("wrapped") is True:
        tag, declaration = _qualified(str(xml.get("name") or name), xml)
        return f"<{tag}{declaration}>{inner}</{tag}>"
    return inner
