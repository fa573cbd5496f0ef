"""Job versions: the content hash of a job module and the local library code it imports.

What is hashed (and why):

* the job module's source bytes;
* the source bytes of every *local* module the job imports while it loads, directly or through other local modules
  (recorded by the import system as they execute, so the hashed bytes are exactly the executed bytes), plus every local
  module named by an ``import`` statement anywhere in those files (an import inside a function runs only at call time,
  so it is found by reading the files' syntax trees instead).

A module is *local* when its file lies under a library root: the job module's own directory (the jobs directory) or a
directory of the project's library path (``PythonHostOptions.LibraryDirectories``). The standard library and
site-packages are not hashed: they belong to the installation, which a deployment pins, and hashing them would cost
seconds per load. Compiled extension modules under a root are not hashed either (only ``.py`` sources are code the
platform reloads).

The hash is over canonical bytes, the same in every process and after a restart: for each file, sorted by its dotted
module name (the job module is named ``<job>``), the name, its length and the source with ``\\r\\n`` turned into
``\\n``, fed to SHA-256. No path, mtime or size of the disk goes in, so two checkouts at different places agree. The
version is the first 16 hex digits (64 bits) of the digest.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.abc
import importlib.machinery
import os
import sys
from typing import Any, Iterable, Optional, Sequence

__all__ = ["LibraryImports", "library_sources", "version_of", "JOB_MODULE", "VERSION_DIGITS"]

JOB_MODULE = "<job>"
VERSION_DIGITS = 16


def _canonical(source: bytes) -> bytes:
    return source.replace(b"\r\n", b"\n")


def version_of(files: dict[str, bytes]) -> str:
    """The version of a set of sources: module name -> source bytes (see the module docstring)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        body = _canonical(files[name])
        encoded = name.encode("utf-8")
        digest.update(len(encoded).to_bytes(4, "big"))
        digest.update(encoded)
        digest.update(len(body).to_bytes(8, "big"))
        digest.update(body)
    return digest.hexdigest()[:VERSION_DIGITS]


def _under(path: str, roots: Sequence[str]) -> bool:
    path = os.path.realpath(path)
    return any(path == r or path.startswith(r + os.sep) for r in roots)


class _RecordingLoader(importlib.machinery.SourceFileLoader):
    """Loads a local module from its source (never from cached bytecode) and records the bytes it executed."""

    def __init__(self, fullname: str, path: str, owner: "LibraryImports") -> None:
        super().__init__(fullname, path)
        self._owner = owner

    def get_code(self, fullname: str) -> Any:
        path = self.get_filename(fullname)
        source = self.get_data(path)
        self._owner._loaded(fullname, path, source)
        return compile(source, path, "exec", dont_inherit=True)


class LibraryImports(importlib.abc.MetaPathFinder):
    """The import hook of local modules, one per interpreter (installed before the path finder).

    Local modules resolve against the roots of the load in progress; every one executed is recorded, so a job load
    knows its library code. Before each job load the local modules are dropped from ``sys.modules``: each load
    imports its library code afresh from the files as they are now (a hot reload of an edited library file takes
    effect, and the version names the code that really runs).
    """

    _installed: Optional["LibraryImports"] = None

    def __init__(self) -> None:
        self._roots: tuple[str, ...] = ()
        self._recording: Optional[dict[str, tuple[str, bytes]]] = None
        self._local: set[str] = set()

    @classmethod
    def get(cls) -> "LibraryImports":
        if cls._installed is None:
            hook = cls()
            index = next((i for i, f in enumerate(sys.meta_path) if f is importlib.machinery.PathFinder), len(sys.meta_path))
            sys.meta_path.insert(index, hook)
            cls._installed = hook
        return cls._installed

    # ---- the finder ------------------------------------------------------------------------------------------------
    def find_spec(self, fullname: str, path: Optional[Iterable[str]] = None, target: Any = None) -> Any:
        roots = self._roots
        if not roots:
            return None
        search = list(path) if path is not None else list(roots)
        if path is not None and not any(_under(p, roots) for p in search):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, search)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py") or not _under(spec.origin, roots):
            return None
        spec.loader = _RecordingLoader(fullname, spec.origin, self)
        return spec

    def _loaded(self, fullname: str, path: str, source: bytes) -> None:
        self._local.add(fullname)
        if self._recording is not None:
            self._recording[fullname] = (path, source)

    # ---- a job load ------------------------------------------------------------------------------------------------
    def begin(self, roots: Sequence[str]) -> dict[str, Any]:
        """Starts recording a job load with ``roots``; returns what :meth:`abort` needs to restore."""
        # The roots of every load so far, this load's first: an import the logic runs at call time still resolves.
        current = tuple(os.path.realpath(r) for r in roots)
        self._roots = current + tuple(r for r in self._roots if r not in current)
        saved = {name: sys.modules.pop(name) for name in list(self._local) if name in sys.modules}
        self._recording = {}
        return saved

    def end(self) -> dict[str, tuple[str, bytes]]:
        """Stops recording; returns the local modules executed: name -> (path, source bytes)."""
        recorded, self._recording = self._recording or {}, None
        return recorded

    def abort(self, saved: dict[str, Any]) -> None:
        """A failed load: its fresh local modules go, the previous ones come back."""
        for name, _ in (self._recording or {}).items():
            sys.modules.pop(name, None)
        self._recording = None
        sys.modules.update(saved)

    def resolve(self, fullname: str) -> Optional[str]:
        """The source file of local module ``fullname`` without executing anything, or None when it is not local
        (or not a module: ``from mod import function`` names an attribute)."""
        parts = fullname.split(".")
        search: list[str] = list(self._roots)
        origin: Optional[str] = None
        for i in range(len(parts)):
            spec = importlib.machinery.PathFinder.find_spec(".".join(parts[: i + 1]), search)
            if spec is None or spec.origin is None or not _under(spec.origin, self._roots):
                return None
            origin = spec.origin
            if spec.submodule_search_locations is None:
                return origin if i == len(parts) - 1 and origin.endswith(".py") else None
            search = list(spec.submodule_search_locations)
        return origin if origin is not None and origin.endswith(".py") else None


def _imported_names(source: bytes, module: str, is_package: bool) -> list[str]:
    """Absolute names of the modules an ``import`` statement anywhere in ``source`` names (relative ones resolved)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".") if package else []
                if node.level - 1 > len(base_parts):
                    continue
                base = ".".join(base_parts[: len(base_parts) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module and base else (node.module or base)
            else:
                target = node.module or ""
            if target:
                names.append(target)
                names.extend(f"{target}.{a.name}" for a in node.names if a.name != "*")
    return names


def library_sources(hook: LibraryImports, job_source: bytes,
                    recorded: dict[str, tuple[str, bytes]]) -> tuple[dict[str, bytes], dict[str, str]]:
    """The job's hashed files (name -> bytes) and their paths: the job module, the local modules it executed, and the
    local modules named by imports in those files."""
    files: dict[str, bytes] = {JOB_MODULE: job_source}
    paths: dict[str, str] = {}
    for name, (path, source) in recorded.items():
        files[name] = source
        paths[name] = path
    pending = [(JOB_MODULE, job_source, False)] + [(n, s, os.path.basename(paths[n]) == "__init__.py") for n, s in files.items() if n != JOB_MODULE]
    seen = set(files)
    while pending:
        module, source, is_package = pending.pop()
        for name in _imported_names(source, "" if module == JOB_MODULE else module, is_package):
            if name in seen:
                continue
            seen.add(name)
            path = hook.resolve(name)
            if path is None:
                continue
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            files[name] = data
            paths[name] = path
            pending.append((name, data, os.path.basename(path) == "__init__.py"))
    return files, paths
