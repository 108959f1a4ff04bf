"""Find and import the Python functions `python` integrations call.

`handlers/users.py:get_user` is a file relative to the spec; `package.module:function` is
imported from the spec's folder or the installed packages. Each loader imports a file once
under a module name of its own, so a later snapshot can load a fresh copy beside it.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import itertools
import os
import sys
import traceback
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import ConfigError
from apigw_cli.spec.document import Stamp, file_stamp

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

LOCAL_MARKER = "APIGW_LOCAL"  # set to "1" so handler code can tell it runs under apigw
_generation = itertools.count(1)


class HandlerLoader:
    """Imports handler modules for one snapshot; raises ConfigError with a message naming what is wrong.

    A `static` loader (lint) runs no handler code: it checks that the file exists and defines the
    function by reading its syntax tree, and hands back a stand-in that must never be called.
    """

    def __init__(self, spec_folder: Path, static: bool = False):
        self._spec_folder = spec_folder
        self._static = static
        self._modules: dict[str, ModuleType] = {}
        self._stamps: dict[str, Stamp] = {}  # handler files as they were just before they were imported
        self._generation = next(_generation)
        if not static:
            os.environ[LOCAL_MARKER] = "1"

    def sources(self) -> dict[Path, Stamp]:
        """Handler files and the project modules they import (their folder or the spec's), to watch,
        each with its stamp: a handler file's from before it was imported, a module's from now."""
        own = [m.__file__ for m in self._modules.values() if m.__file__]
        folders = {os.path.realpath(self._spec_folder), *(_real_file(file)[1] for file in own)}
        found: dict[Path, Stamp] = {Path(file): self._stamps.get(file) for file in own}
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if file and not _in_site_packages(file):
                real, folder = _real_file(file)
                if folder in folders and Path(real) not in found:
                    found[Path(real)] = file_stamp(real)
        return found

    @property
    def module_names(self) -> tuple[str, ...]:
        """The names this loader gave handler files in sys.modules (removed when the snapshot closes)."""
        return tuple(m.__name__ for m in self._modules.values() if m.__name__.startswith("apigw_handlers_"))

    def load(self, reference: str) -> Callable[..., Any]:
        target, sep, function = reference.rpartition(":")
        if not sep or not target or not function:
            raise ConfigError(f"handler {reference!r} must be 'path/to/file.py:function' or 'package.module:function'")
        if self._static:
            return self._check_statically(reference, target, function)
        if target.endswith(".py") or "/" in target or os.sep in target:
            module = self._load_file(target)
        else:
            module = self._import(target)
        handler = getattr(module, function, None)
        if handler is None:
            defined = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
            hint = f" (it defines: {', '.join(defined)})" if defined else ""
            raise ConfigError(f"handler {reference!r}: {target} has no function {function!r}{hint}")
        if not callable(handler):
            raise ConfigError(f"handler {reference!r}: {function!r} in {target} is not a function")
        return handler  # type: ignore[no-any-return]

    def _check_statically(self, reference: str, target: str, function: str) -> Callable[..., Any]:
        if target.endswith(".py") or "/" in target or os.sep in target:
            problem = handler_problem((self._spec_folder / target).resolve(), function)
            if problem:
                raise ConfigError(f"handler {reference!r}: {problem}")

        def not_loaded(*args: Any) -> Any:
            raise RuntimeError(f"{reference} was checked, not imported")

        return not_loaded

    def _load_file(self, relative: str) -> ModuleType:
        path = (self._spec_folder / relative).resolve()
        key = str(path)
        if key in self._modules:
            return self._modules[key]
        if not path.is_file():
            raise ConfigError(f"handler file {relative} not found (looked for {path})")
        # sibling modules of a handler (`import store`) must import as they would on Lambda
        for folder in (str(path.parent), str(self._spec_folder)):
            if folder not in sys.path:
                sys.path.insert(0, folder)
        name = f"apigw_handlers_{self._generation}.{path.stem}_{abs(hash(key)) % 10**8}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"handler file {relative} cannot be imported")
        module = importlib.util.module_from_spec(spec)
        self._stamps[str(path)] = file_stamp(path)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise ConfigError(f"handler file {relative} failed to import: {_describe(exc, path)}") from exc
        self._modules[key] = module
        return module

    def _import(self, dotted: str) -> ModuleType:
        if dotted in self._modules:
            return self._modules[dotted]
        folder = str(self._spec_folder)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        try:
            module = importlib.import_module(dotted)
        except ModuleNotFoundError as exc:
            raise ConfigError(f"handler module {dotted} not found ({exc})") from exc
        except Exception as exc:
            raise ConfigError(f"handler module {dotted} failed to import: {_describe(exc, None)}") from exc
        self._modules[dotted] = module
        return module


def forget_project_modules(folder: Path) -> None:
    """Drop modules imported from `folder` (`import userstore` beside a handler) from sys.modules,
    so the next snapshot's handlers import them afresh; earlier snapshots keep the ones they have."""
    root = os.path.join(os.path.realpath(folder), "")
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and not name.startswith("apigw_handlers_") and not _in_site_packages(file):
            if _real_file(file)[0].startswith(root):
                del sys.modules[name]


def _describe(exc: BaseException, path: Path | None) -> str:
    if isinstance(exc, SyntaxError):
        return f"{exc.msg} at line {exc.lineno}"
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if path is not None and Path(f.filename) == path] or frames[-1:]
    where = f" (line {inside[-1].lineno})" if inside else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _in_site_packages(file: str) -> bool:
    return "site-packages" in file or "dist-packages" in file


@cache
def _defined_names(path_text: str, mtime: float) -> frozenset[str] | str:
    try:
        tree = ast.parse(Path(path_text).read_text(encoding="utf-8"), filename=path_text)
    except SyntaxError as exc:
        return f"syntax error at line {exc.lineno}: {exc.msg}"
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return frozenset(names)


def handler_problem(path: Path, function: str) -> str | None:
    """Why `function` cannot be found in the file at `path` by reading it (no code runs), or None."""
    if not path.is_file():
        return f"file {path} not found"
    names = _defined_names(str(path), path.stat().st_mtime)
    if isinstance(names, str):
        return names
    if function not in names:
        defined = ", ".join(sorted(n for n in names if not n.startswith("_"))) or "nothing"
        return f"no function {function!r} in {path.name} (it defines: {defined})"
    return None


@functools.lru_cache(maxsize=4096)
def _real_file(file: str) -> tuple[str, str]:
    """A module file's real path and folder, worked out once per file: every reload looks at each
    of the ~2,000 modules a server has imported, which pathlib would resolve anew each time."""
    real = os.path.realpath(file)
    return real, os.path.dirname(real)
