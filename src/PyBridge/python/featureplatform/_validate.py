"""Validates an uploaded job in a sandbox process of its own (never the API process).

The runtime starts ``python3`` with this module (``main``), the request as JSON on stdin, and reads the report from
the file the request names (author code may print anything to stdout/stderr). Steps, each failing validation with a
file and line:

1. import the job module as the runtime does (``load_versioned``): declaration, version, imported library modules;
2. run the upload's own tests: every ``test_*.py`` file of the upload (``unittest`` test cases and plain ``test_*``
   functions) and the ``test_*`` functions of the job module itself, with ``featureplatform.testing``;
3. check the output schema: every row the job computed in its tests (``featureplatform.testing.run_job``) against the
   declared outputs (a missing, extra or wrong-typed column fails, named); with no test rows, a sample event of its
   first trigger source is computed instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
import unittest
from typing import Any, Callable, Optional

from . import testing
from ._context import Event
from ._declaration import JobDefinitionError, ResultShapeError
from ._job import JobSpec
from ._loader import load_versioned, module_name_for
from ._versions import JOB_MODULE

__all__ = ["main", "validate"]

SAMPLE_TIME_MS = 1_767_225_600_000
"""Event time of the sample event (2026-01-01T00:00:00Z; fixed so the check is repeatable)."""


class _Failure(Exception):
    def __init__(self, kind: str, message: str, file: str, line: int, test: str = "") -> None:
        super().__init__(message)
        self.kind, self.message, self.file, self.line, self.test = kind, message, file, line, test


def _relative(root: str, path: str) -> str:
    path = os.path.abspath(path)
    return os.path.relpath(path, root).replace(os.sep, "/") if path.startswith(root + os.sep) else os.path.basename(path)


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]


def _frame_in(root: str, tb: Any, prefer: Optional[str] = None) -> tuple[str, int]:
    """The innermost frame of ``tb`` inside the upload (in ``prefer`` when it has one): file relative to root, line."""
    best = ("", 0)
    preferred = ("", 0)
    for frame, lineno in traceback.walk_tb(tb):
        name = os.path.abspath(frame.f_code.co_filename)
        if name.startswith(root + os.sep):
            best = (_relative(root, name), lineno)
            if prefer is not None and name == prefer:
                preferred = best
    return preferred if preferred[0] else best


class _Recorder:
    """Wraps ``featureplatform.testing.run_job``: counts the job's rows and keeps the first schema violation."""

    def __init__(self, original: Callable[..., Any]) -> None:
        self.original = original
        self.rows = 0
        self.current = ""
        self.violation: Optional[tuple[ResultShapeError, str]] = None

    def __call__(self, job: Any, event: Any, data: Any = None, params: Any = None) -> list[dict[str, Any]]:
        try:
            rows = self.original(job, event, data, params)
        except ResultShapeError as exc:
            if self.violation is None:
                self.violation = (exc, self.current)
            raise
        self.rows += len(rows)
        return rows


class _Collecting(unittest.TestResult):
    def __init__(self, root: str, recorder: _Recorder) -> None:
        super().__init__()
        self.root = root
        self.recorder = recorder
        self.ran: list[str] = []
        self.problems: list[tuple[str, str, str, int]] = []

    def startTest(self, test: unittest.TestCase) -> None:  # noqa: N802 - unittest's name
        super().startTest(test)
        self.ran.append(test.id())
        self.recorder.current = test.id()

    def _record(self, test: Any, err: Any) -> None:
        kind, exc, tb = err
        file = getattr(test, "_fp_file", None)
        where = _frame_in(self.root, tb, file)
        self.problems.append((test.id(), f"{kind.__name__}: {_first_line(str(exc))}", *where))

    def addError(self, test: Any, err: Any) -> None:  # noqa: N802
        super().addError(test, err)
        self._record(test, err)

    def addFailure(self, test: Any, err: Any) -> None:  # noqa: N802
        super().addFailure(test, err)
        self._record(test, err)


def _tests_of(module: Any, file: str, display: str) -> list[unittest.TestCase]:
    found: list[unittest.TestCase] = []
    for case in unittest.defaultTestLoader.loadTestsFromModule(module):
        for test in (case if isinstance(case, unittest.TestSuite) else [case]):
            if isinstance(test, unittest.TestCase):
                named = f"{display}::{type(test).__name__}.{getattr(test, '_testMethodName', '')}"
                test.id = (lambda n=named: n)  # type: ignore[method-assign]
            found.append(test)
    for name, value in sorted(vars(module).items()):
        if name.startswith("test_") and callable(value) and not isinstance(value, type) \
                and getattr(value, "__module__", None) == module.__name__:
            test = unittest.FunctionTestCase(value, description=f"{display}::{name}")
            test.id = (lambda n=f"{display}::{name}": n)  # type: ignore[method-assign]
            found.append(test)
    for test in found:
        test._fp_file = file  # type: ignore[attr-defined]
    return found


def _import_test_file(root: str, path: str) -> Any:
    name = "featureplatform_tests." + _relative(root, path)[:-3].replace("/", ".")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - the author's test module failed to import
        file, line = _frame_in(root, exc.__traceback__, path)
        if isinstance(exc, SyntaxError) and exc.filename:
            file, line = _relative(root, exc.filename), exc.lineno or 0
        raise _Failure("test", f"{type(exc).__name__} while importing the tests: {_first_line(str(exc))}",
                       file or _relative(root, path), line, _relative(root, path)) from None
    return module


def _sample(spec: JobSpec) -> tuple[int, str]:
    """Computes a sample event of the first trigger source (no data, default parameters): rows, or why none."""
    source = spec.triggers[0].source if spec.triggers else spec.requests
    try:
        rows = testing.run_job(spec, Event(source, "sample", SAMPLE_TIME_MS, {}), testing.InMemoryDataSource())
    except ResultShapeError:
        raise
    except Exception as exc:  # noqa: BLE001 - the sample has no data; the logic may rightly fail on it
        return 0, f"the sample event (source '{source}', no data) failed with {type(exc).__name__}: {_first_line(str(exc))}"
    return len(rows), "" if rows else f"the sample event (source '{source}', no data) computed no row"


def validate(root: str, job_file: str, library_dirs: list[str]) -> dict[str, Any]:
    """Validates ``job_file`` (relative to ``root``, the upload's folder); returns the report (see ``main``)."""
    root = os.path.abspath(root)
    job_path = os.path.join(root, job_file)
    sys.path.insert(0, root)  # tests may ``import`` the job module and the upload's helpers
    recorder = _Recorder(testing.run_job)
    testing.run_job = recorder  # type: ignore[assignment]
    report: dict[str, Any] = {"ok": False, "tests": [], "schema": {"rows": 0, "from": "", "note": ""}}
    try:
        try:
            spec, version, paths = load_versioned(job_path, library_dirs)
        except JobDefinitionError as exc:
            raise _Failure("import", _first_line(exc.reason), _relative(root, exc.file), exc.line) from None
        report.update(version=version, declaration=spec.to_json(),
                      modules=sorted(n for n in paths if n != JOB_MODULE))

        tests: list[unittest.TestCase] = []
        job_module = sys.modules.get(module_name_for(job_path))
        if job_module is not None:
            tests += _tests_of(job_module, job_path, job_file)
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.startswith("test_") and name.endswith(".py"):
                    path = os.path.join(folder, name)
                    tests += _tests_of(_import_test_file(root, path), path, _relative(root, path))
        result = _Collecting(root, recorder)
        unittest.TestSuite(tests).run(result)
        report["tests"] = result.ran
        if recorder.violation is not None:
            exc, test = recorder.violation
            raise _Failure("schema", f"{_first_line(str(exc))} (in test {test})", _relative(root, spec.file),
                           spec.logic_line, test)
        if result.problems:
            test, message, file, line = result.problems[0]
            others = len(result.problems) - 1
            raise _Failure("test", f"test {test} failed: {message}" + (f" ({others} more failed)" if others else ""),
                           file, line, test)

        if recorder.rows > 0:
            report["schema"] = {"rows": recorder.rows, "from": "tests", "note": ""}
        else:
            try:
                rows, note = _sample(spec)
            except ResultShapeError as exc:
                raise _Failure("schema", _first_line(str(exc)), _relative(root, spec.file), spec.logic_line) from None
            report["schema"] = {"rows": rows, "from": "sample", "note": note}
        report["ok"] = True
    except _Failure as failure:
        report["error"] = {"kind": failure.kind, "message": failure.message.replace(root + os.sep, ""), "file": failure.file,
                           "line": failure.line, "test": failure.test}
    finally:
        testing.run_job = recorder.original  # type: ignore[assignment]
    return report


def main() -> None:
    """Reads ``{"root", "job_file", "library_dirs", "report"}`` from stdin and writes the report (JSON) to ``report``."""
    request = json.load(sys.stdin)
    report = validate(request["root"], request["job_file"], list(request.get("library_dirs", [])))
    with open(request["report"], "w", encoding="utf-8") as f:
        json.dump(report, f)
