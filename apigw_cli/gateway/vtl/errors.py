"""What compiling or rendering a template raises (importable without the engine)."""

from __future__ import annotations


class TemplateSyntaxError(ValueError):
    """A template that does not parse: the message names its line and column."""


class TemplateRenderError(Exception):
    """A template that failed while it rendered; `line` is the template line of the failing part."""

    def __init__(self, origin: str, line: int, detail: str, cause: BaseException | None):
        super().__init__(f"template {origin}, line {line}, {detail}")
        self.line = line
        self.detail = detail  # "at '$x.y()': ValueError: ..."
        self.cause = cause  # what the failing part raised (a body that is not JSON: BodyNotJson)
