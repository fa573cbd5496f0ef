"""Run a job's logic in plain ``python3`` unit tests with canned data.

Example::

    from featureplatform.testing import InMemoryDataSource, run_job
    from featureplatform import Event

    data = InMemoryDataSource()
    data.add("users", "u1", at=1_000, data={"tier": "gold"})
    rows = run_job(my_job, Event("orders", "u1", 2_000, {"amount": 10.0}), data, params={"window_days": 7})
"""

from __future__ import annotations

import bisect
from types import MappingProxyType
from typing import Any, Callable, Mapping, Optional

from ._context import Change, Context, Event, TimeLike, to_epoch_ms
from ._job import JobSpec, job_of
from ._loader import load_job_file
from ._models import LinearModel, ModelResolver, model_param_name
from ._rows import normalise_rows

__all__ = ["InMemoryDataSource", "run_job", "load_job", "resolve_params", "LinearModel"]


class InMemoryDataSource:
    """Canned point-in-time data: per (source, key), a timeline of changes.

    ``fetch`` answers as of a time (the latest change at or before it; a change with ``data=None`` is a
    delete). ``calls`` records every read so tests can assert what the logic asked for.
    """

    def __init__(self) -> None:
        self._timelines: dict[tuple[str, str], tuple[list[int], list[Optional[dict[str, Any]]]]] = {}
        self.calls: list[tuple[Any, ...]] = []

    def add(self, source: str, key: str, at: TimeLike, data: Optional[dict[str, Any]]) -> "InMemoryDataSource":
        """Records that entity ``key`` of ``source`` changed to ``data`` at ``at``; returns self for chaining."""
        times, states = self._timelines.setdefault((source, str(key)), ([], []))
        ms = to_epoch_ms(at)
        i = bisect.bisect_right(times, ms)
        times.insert(i, ms)
        states.insert(i, data)
        return self

    def fetch(self, source: str, key: str, as_of_ms: int, consistency: str) -> Optional[dict[str, Any]]:
        self.calls.append(("fetch", source, key, as_of_ms, consistency))
        timeline = self._timelines.get((source, key))
        if timeline is None:
            return None
        times, states = timeline
        i = bisect.bisect_right(times, as_of_ms)
        state = states[i - 1] if i else None
        return dict(state) if state is not None else None

    def history(self, source: str, key: str, since_ms: int, until_ms: int, limit: int,
                consistency: str = "eventual") -> list[Change]:
        self.calls.append(("history", source, key, since_ms, until_ms, limit))
        times, states = self._timelines.get((source, key), ([], []))
        lo, hi = bisect.bisect_left(times, since_ms), bisect.bisect_right(times, until_ms)
        return [Change(times[i], dict(states[i] or {})) for i in range(lo, min(hi, lo + limit))]


def load_job(path: str) -> JobSpec:
    """Loads and validates a job module file the way the host does; raises JobDefinitionError naming file:line."""
    return load_job_file(path)[0]


def resolve_params(spec: JobSpec, overrides: Optional[Mapping[str, Any]] = None) -> Mapping[str, Any]:
    """The job's defaults with ``overrides`` applied, each checked against its declared type and bounds."""
    values = dict(spec.defaults)
    by_name = {p.name: p for p in spec.params}
    for name, value in (overrides or {}).items():
        if name not in by_name:
            raise ValueError(f"job '{spec.name}' has no parameter '{name}' (declared: {sorted(by_name)})")
        values[name] = by_name[name].coerce(value)
    return MappingProxyType(values)


def run_job(job: Callable[..., Any] | JobSpec, event: Event, data: Optional[Any] = None,
            params: Optional[Mapping[str, Any]] = None, models: Optional[Mapping[str, Any]] = None) -> list[dict[str, Any]]:
    """Runs the job's logic for one event and returns its rows as dicts, checked against the declared outputs.

    ``data`` is the data source for ``ctx.fetch``/``ctx.history`` (default: an empty InMemoryDataSource).
    ``models`` gives ``ctx.model`` its models by name (e.g. ``{"churn": LinearModel(["x"], [2.0], 1.0)}``); a name the
    job does not declare is an error, as on the platform.
    """
    spec = job if isinstance(job, JobSpec) else job_of(job)
    if spec is None:
        raise TypeError(f"{job!r} is not a function decorated with @featureplatform.job")
    given = dict(models or {})
    undeclared = sorted(set(given) - set(spec.models))
    if undeclared:
        raise ValueError(f"job '{spec.name}' does not declare model(s) {undeclared} (declared: {list(spec.models)})")
    values = {model_param_name(name): "test" for name in given}
    values.update(params or {})
    resolver = ModelResolver(lambda: spec.name, lambda: spec.models, lambda name, _version: given[name])
    ctx = Context(event, resolve_params(spec, values), data if data is not None else InMemoryDataSource(),
                  spec.consistency, spec.name, resolver)
    names = [o.name for o in spec.outputs]
    return [dict(zip(names, row)) for row in normalise_rows(spec, spec.logic(event, ctx))]
