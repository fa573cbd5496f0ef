"""Compiles a job module from its source file and finds its declared job."""

from __future__ import annotations

import os
import sys
import traceback
import types
from typing import Optional

from ._declaration import JobDefinitionError
from ._job import JobSpec, job_of

__all__ = ["load_job_file", "module_name_for"]


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
