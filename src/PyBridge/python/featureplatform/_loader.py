"""Compiles a job module from its source file and finds its declared job."""

from __future__ import annotations

import os
import sys
import traceback
import types
from typing import Optional, Sequence

from ._declaration import JobDefinitionError
from ._job import JobSpec, job_of
from ._versions import JOB_MODULE, LibraryImports, library_sources, version_of

__all__ = ["load_job_file", "load_versioned", "module_name_for", "fingerprint"]


def module_name_for(path: str) -> str:
    """The name a job file's module is registered under in ``sys.modules``."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return "featureplatform_jobs." + "".join(c if c.isalnum() else "_" for c in stem)


def load_job_file(path: str, source: Optional[str] = None) -> tuple[JobSpec, types.ModuleType]:
    """Compiles ``path`` into a fresh module object and returns its job.

    The module is compiled from source (never from cached bytecode), so a rewrite is always seen. It is
    registered in ``sys.modules`` only once it has loaded and validated; a failing version leaves the
    previous registration untouched.

    Raises:
        JobDefinitionError: with the file and line of the problem (syntax error, exception while
            importing, no job, more than one job, invalid declaration).
    """
    path = os.path.abspath(path)
    if source is None:
        try:
            with open(path, encoding="utf-8") as f:
                source = f.read()
        except OSError as exc:
            raise JobDefinitionError(f"cannot read job module: {exc}", path, 0) from None
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise JobDefinitionError(f"{type(exc).__name__}: {exc.msg}", exc.filename or path, exc.lineno or 0) from None
    name = module_name_for(path)
    module = types.ModuleType(name)
    module.__file__ = path
    previous = sys.modules.get(name)
    sys.modules[name] = module  # dataclasses and typing resolve names through sys.modules while executing
    try:
        exec(code, module.__dict__)
        jobs = [obj for obj in list(module.__dict__.values())
                if job_of(obj) is not None and getattr(obj, "__module__", None) == name]
        if not jobs:
            raise JobDefinitionError(
                "no job declared: decorate the main logic function with @featureplatform.job(...)", path, 1)
        if len(jobs) > 1:
            second = job_of(jobs[1])
            assert second is not None
            raise JobDefinitionError(
                f"more than one job declared ({', '.join(job_of(j).name for j in jobs)}); one job per module",  # type: ignore[union-attr]
                path, second.line)
        spec = job_of(jobs[0])
        assert spec is not None
    except JobDefinitionError:
        _restore(name, previous)
        raise
    except BaseException as exc:  # noqa: BLE001 - any failure while importing the author's module
        _restore(name, previous)
        line = _line_in(exc, path)
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        raise JobDefinitionError(f"{type(exc).__name__} while loading the module: {exc}\n{detail}", path, line) from None
    return spec, module


def load_versioned(path: str, library_dirs: Sequence[str] = ()) -> tuple[JobSpec, str, dict[str, str]]:
    """Loads ``path`` as :func:`load_job_file` does, with its local library code imported afresh; returns the job,
    its version (see ``_versions``) and the files the version covers (module name -> path).

    Library roots: the module's own directory, then ``library_dirs``.
    """
    path = os.path.abspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise JobDefinitionError(f"cannot read job module: {exc}", path, 0) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JobDefinitionError(f"the job module is not UTF-8: {exc}", path, 0) from None
    hook = LibraryImports.get()
    saved = hook.begin([os.path.dirname(path), *library_dirs])
    try:
        spec, _ = load_job_file(path, text)
    except BaseException:
        hook.abort(saved)
        raise
    files, paths = library_sources(hook, raw, hook.end())
    paths[JOB_MODULE] = path
    return spec, version_of(files), paths


def fingerprint(paths: dict[str, str]) -> str:
    """The version the files of ``paths`` (module name -> path) have now: equal to the loaded version while none of
    them changed (a missing file hashes as empty)."""
    files = {}
    for name, file in paths.items():
        try:
            with open(file, "rb") as f:
                files[name] = f.read()
        except OSError:
            files[name] = b""
    return version_of(files)


def _restore(name: str, previous: Optional[types.ModuleType]) -> None:
    if previous is None:
        sys.modules.pop(name, None)
    else:
        sys.modules[name] = previous


def _line_in(exc: BaseException, path: str) -> int:
    line = 0
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == path:
            line = lineno
    return line
