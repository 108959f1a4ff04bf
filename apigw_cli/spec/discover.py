"""Which spec a command works on when none is named."""

from __future__ import annotations

import os
from pathlib import Path

from apigw_cli.errors import ConfigError

DEFAULT_NAMES = ("apigw.yaml", "openapi.yaml", "openapi.json")


def discover_spec(given: Path | None, cwd: Path | None = None) -> Path:
    if given is not None:
        return given
    from_env = os.environ.get("APIGW_SPEC")
    if from_env:
        return Path(from_env)
    folder = cwd or Path.cwd()
    for name in DEFAULT_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no spec given and none of {', '.join(DEFAULT_NAMES)} in {folder}; pass the spec file or set APIGW_SPEC"
    )
