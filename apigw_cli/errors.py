"""The one exception hierarchy of apigw.

ApigwError                  anything apigw itself reports to a user
 +-- SpecError              the spec cannot be loaded or compiled; carries file, line and column
 +-- ConfigError            a flag, environment variable or settings value is unusable
 +-- RecordError            a recording, HAR file or access log that replay cannot read
 +-- IntegrationError       a backend could not be reached or answered badly (raised per request)
 |    +-- IntegrationTimeout    the backend did not answer within the integration's timeout
 +-- RequestTooLarge        a request body ran past the size limit while it was read (per request)
 +-- StoreUnavailable       the shared store is down and its failure policy is `closed` (per request)
 +-- TokenRejected          a JWT that must not pass: missing, malformed, badly signed, expired (per request)
 +-- AuthorizerFailed       a Lambda authorizer raised, timed out or answered no decision (per request)

The CLI turns an ApigwError into one line on stderr and exit code 2; nothing else is caught there.
The per-request ones never reach it: the pipeline's stages turn them into the gateway's answers.
"""

from __future__ import annotations

from pathlib import Path


class ApigwError(Exception):
    """Base class of every error apigw reports to a user."""


class SpecError(ApigwError):
    """A spec that cannot be loaded or compiled, located by file, line and column (1-based)."""

    def __init__(self, message: str, file: Path | str | None = None, line: int | None = None, col: int | None = None):
        self.message = message
        self.file = Path(file) if file is not None else None
        self.line = line
        self.col = col
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.file is None:
            return self.message
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where}: {self.message}"


class ConfigError(ApigwError):
    """A setting that cannot be used as given."""


class RecordError(ApigwError):
    """A recording that cannot be read: named by file and, where it is one line's fault, line."""


class IntegrationError(ApigwError):
    """A backend failed to produce a usable response.

    `public_message` is what the client is told (default: the managed gateway's "Internal server
    error"); the exception's own text goes to the log only.
    """

    def __init__(self, message: str, public_message: str | None = None):
        super().__init__(message)
        self.public_message = public_message


class IntegrationTimeout(IntegrationError):
    """A backend did not answer within its timeout."""


class RequestTooLarge(ApigwError):
    """A request body ran past the size limit while being read."""


class StoreUnavailable(ApigwError):
    """The shared store could not be reached (refused, or no answer within its deadline) and the
    failure policy is `closed`."""


class TokenRejected(ApigwError):
    """The token is missing, malformed, badly signed, expired or not for this API."""


class AuthorizerFailed(ApigwError):
    """The Lambda authorizer raised, timed out or answered something that is not a decision."""
