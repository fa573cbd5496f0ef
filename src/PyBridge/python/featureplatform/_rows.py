"""Checks what the logic returned against the job's declared outputs and turns it into value lists."""

from __future__ import annotations

import math
import numbers
from typing import Any

from ._declaration import ResultShapeError
from ._job import JobSpec

__all__ = ["normalise_rows"]


def normalise_rows(spec: JobSpec, result: Any) -> list[list[Any]]:
    """The rows of ``result`` as lists of values in declared output order.

    ``result`` may be None (no row), a dict (one row), or a list/tuple/iterable of dicts.

    Raises:
        ResultShapeError: naming the job, its logic function and its file:line, and what is wrong.
    """
    if result is None:
        return []
    if isinstance(result, dict):
        return [_row(spec, result, 0)]
    if isinstance(result, (str, bytes)) or not hasattr(result, "__iter__"):
        raise _shape(spec, f"returned {type(result).__name__}; expected None, a dict (one row) or a list of dicts")
    return [_row(spec, item, i) for i, item in enumerate(result)]


def _shape(spec: JobSpec, message: str) -> ResultShapeError:
    return ResultShapeError(
        f"job '{spec.name}': '{spec.logic.__name__}' ({spec.file}:{spec.logic_line}) {message}")


def _row(spec: JobSpec, row: Any, index: int) -> list[Any]:
    if not isinstance(row, dict):
        raise _shape(spec, f"row {index} is {type(row).__name__}; expected a dict keyed by output name")
    outputs = spec.outputs
    if len(row) != len(outputs) or any(o.name not in row for o in outputs):
        declared = [o.name for o in outputs]
        missing = [n for n in declared if n not in row]
        unknown = [k for k in row if k not in declared]
        raise _shape(spec, f"row {index} does not match the declared outputs {declared}: "
                           f"missing {missing}, unknown {unknown}")
    values = []
    for o in outputs:
        v = row[o.name]
        t = type(v)
        if t is o.type and t is not float:
            values.append(v)
            continue
        values.append(_convert(spec, o, v, index))
    return values


def _convert(spec: JobSpec, o: Any, v: Any, index: int) -> Any:
    if v is None:
        if o.nullable:
            return None
        raise _shape(spec, f"row {index}: output '{o.name}' is None but not declared nullable")
    if o.type is float and isinstance(v, numbers.Real) and not isinstance(v, bool):
        f = float(v)
        if math.isfinite(f):
            return f
        if o.nullable:
            return None
        raise _shape(spec, f"row {index}: output '{o.name}' is {f}, which is not a finite float")
    if o.type is int and isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return int(v)
    if o.type is bool and type(v).__name__ == "bool_":  # numpy.bool_
        return bool(v)
    if o.type is str and isinstance(v, str):
        return str(v)
    raise _shape(spec, f"row {index}: output '{o.name}' is {type(v).__name__} {v!r}; declared {o.type.__name__}")
