"""The `--lambda-map` file: which local handler runs for each Lambda function an AWS spec names.

    MyFunction: handlers/users.py:handler              # function name or CloudFormation logical id
    "arn:aws:lambda:*:*:function:orders-*": orders.py:main   # ARN or name pattern (fnmatch)

Handler files are relative to the map file, so it can live outside the spec's folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigw_cli.errors import SpecError
from apigw_cli.spec.document import display_path, parse_file_shown

if TYPE_CHECKING:
    from pathlib import Path


def read_lambda_map(path: Path) -> tuple[tuple[str, str], ...]:
    data = parse_file_shown(path)
    shown = display_path(path.resolve())
    if not isinstance(data, dict):
        raise SpecError(
            "a lambda map must be a mapping of function names or ARN patterns to 'file.py:function'", shown, 1, 1
        )
    entries = []
    folder = path.resolve().parent
    for key, value in data.items():
        if not isinstance(value, str) or ":" not in value:
            raise SpecError(f"{key}: {value!r} is not a handler reference like 'file.py:function'", shown)
        target, _, function = value.rpartition(":")
        if target.endswith(".py") or "/" in target:
            value = f"{(folder / target).resolve()}:{function}"
        entries.append((str(key), value))
    return tuple(entries)
