"""Mapping templates by media type, and which one a request or response gets.

Request templates (`requestTemplates`) are chosen by the request's Content-Type (none sent:
`application/json`); when none matches, `passthroughBehavior` decides (developer guide,
integration-passthrough-behaviors): `when_no_match` passes the body through, `when_no_templates`
passes it through only when no template is declared at all and answers 415 otherwise, `never`
answers 415.

Response templates (`responseTemplates` of an integration response) are chosen by the first
media type of the request's Accept header (the managed gateway honours only the first, developer
guide, api-gateway-payload-encodings-workflow), else `application/json`, else the first declared.

A template that is empty (or only whitespace) maps nothing: the payload passes through as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from apigw_cli.gateway.validation.body import media_type_of
from apigw_cli.gateway.vtl.errors import TemplateRenderError, TemplateSyntaxError
from apigw_cli.gateway.vtl.variables import InputVariable, template_variables
from apigw_cli.spec.document import Location, SpecDocument, display_path
from apigw_cli.spec.locate import locate

if TYPE_CHECKING:
    from apigw_cli.gateway.mapping.scope import MappingScope
    from apigw_cli.gateway.vtl.engine import CompiledTemplate

PassthroughBehavior = Literal["when_no_match", "when_no_templates", "never"]
PASSTHROUGH_BEHAVIORS: tuple[PassthroughBehavior, ...] = ("when_no_match", "when_no_templates", "never")
DEFAULT_MEDIA_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class MappingTemplate:
    media_type: str  # lower-case, as declared
    compiled: CompiledTemplate | BrokenTemplate | None  # None: an empty template, the payload passes through
    location: Location

    def render(self, scope: MappingScope, payload: bytes) -> str:
        """The template's text for `payload` (what `$input` reads). TemplateRenderError on failure."""
        assert self.compiled is not None
        variables = template_variables(InputVariable(payload, scope.params), scope.context, scope.deployment.variables)
        return self.compiled.render(variables)


@dataclass(frozen=True, slots=True)
class UnsupportedMediaType:
    """No request template for this Content-Type, and the passthrough behaviour refuses it (415)."""

    media_type: str


@dataclass(frozen=True, slots=True)
class MappingTemplates:
    templates: tuple[MappingTemplate, ...] = ()
    passthrough: PassthroughBehavior = "when_no_match"

    @property
    def declared(self) -> bool:
        return bool(self.templates)

    def _find(self, media_type: str) -> MappingTemplate | None:
        return next((template for template in self.templates if template.media_type == media_type), None)

    def for_request(self, content_type: str | None) -> MappingTemplate | UnsupportedMediaType | None:
        """The template for a request body (None: pass it through as it is)."""
        media_type = media_type_of(content_type) if content_type else DEFAULT_MEDIA_TYPE
        found = self._find(media_type)
        if found is not None:
            return None if found.compiled is None else found
        if self.passthrough == "never" or (self.passthrough == "when_no_templates" and self.templates):
            return UnsupportedMediaType(media_type)
        return None

    def for_response(self, accept: str | None) -> MappingTemplate | None:
        """The template for an integration response (None: pass its body through)."""
        if not self.templates:
            return None
        first = media_type_of(accept.split(",", 1)[0]) if accept else ""
        found = self._find(first) or self._find(DEFAULT_MEDIA_TYPE) or self.templates[0]
        return None if found.compiled is None else found


class BrokenTemplate:
    """A template that does not parse: the managed gateway imports it and fails the requests that
    use it, so it stands in for the template and fails each render with the syntax error."""

    def __init__(self, origin: str, error: TemplateSyntaxError):
        self.origin = origin
        self.error = error

    def render(self, variables: Any) -> str:
        detail = str(self.error)  # "line 3, column 7: expected ..."
        line = int(detail.split(",", 1)[0].removeprefix("line ")) if detail.startswith("line ") else 1
        raise TemplateRenderError(self.origin, line, f"does not parse: {detail}", None)


def compile_templates(
    document: SpecDocument,
    declared: Any,
    at: Location,
    notices: list[str],
    passthrough: PassthroughBehavior = "when_no_match",
) -> MappingTemplates:
    """`requestTemplates` / `responseTemplates` compiled. One that does not parse is named in
    `notices` and fails the requests that use it (500); a SpecError for what is not a template map."""
    if declared is None:
        return MappingTemplates((), passthrough)
    if not isinstance(declared, dict):
        raise document.error("mapping templates must map media types to templates", at)
    if not declared:
        return MappingTemplates((), passthrough)
    from apigw_cli.gateway.vtl.engine import CompiledTemplate

    found = []
    for media_type, text in declared.items():
        where = at.child(str(media_type))
        if text is not None and not isinstance(text, str):
            raise document.error(f"the {media_type} template must be text", where)
        compiled: CompiledTemplate | BrokenTemplate | None = None
        if text is not None and text.strip():
            try:
                compiled = CompiledTemplate(text, str(where))
            except TemplateSyntaxError as exc:
                compiled = BrokenTemplate(str(where), exc)
                problem = document.error(f"the {media_type} mapping template does not parse ({exc})", where)
                notices.append(f"{problem}: requests that use it answer 500")
        found.append(MappingTemplate(str(media_type).lower(), compiled, where))
    return MappingTemplates(tuple(found), passthrough)


def template_failure(template: MappingTemplate, error: Exception) -> str:
    """What to log when a template failed: the spec's file and line of the template, the line in
    it, and why (the managed gateway answers 500 and logs "Unable to transform request")."""
    where = _spec_line(template.location)
    if isinstance(error, TemplateRenderError):
        return f"mapping template {template.media_type} at {where}, template line {error.line}, failed {error.detail}"
    return f"mapping template {template.media_type} at {where} failed: {type(error).__name__}: {error}"


@lru_cache(maxsize=64)
def _spec_line(location: Location) -> str:
    """file:line of a template, found when one fails (a read of the spec file, on failures only)."""
    position = locate(location.file, location.pointer)
    shown = display_path(location.file)
    return f"{shown}:{position[0]}" if position else str(location)
