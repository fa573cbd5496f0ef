"""The ``@job`` decorator: declares a feature job around its main logic function."""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from ._declaration import Consistency, JobDefinitionError, Output, Param, Trigger
from ._models import check_model_name, model_param_name

__all__ = ["job", "JobSpec", "job_of", "JOB_ATTRIBUTE"]

JOB_ATTRIBUTE = "__featureplatform_job__"

REQUEST_SOURCE_PREFIX = "calls."
"""A job's calls are events of source ``calls.<job>`` unless it declares ``requests=``."""

Logic = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class JobSpec:
    """Everything declared about one job. Built by :func:`job`; read by the host and the test helper."""

    name: str
    logic: Logic
    triggers: tuple[Trigger, ...]
    consistency: Consistency
    params: tuple[Param, ...]
    outputs: tuple[Output, ...]
    description: str
    file: str
    line: int
    logic_line: int
    defaults: Mapping[str, Any] = field(default_factory=dict)
    requests: str = ""
    """The source calls of the job are events of (``calls.<name>`` unless declared)."""
    models: tuple[str, ...] = ()
    """The trained models the logic uses (``ctx.model``); each is bound through parameter ``model.<name>``."""
    sinks: tuple[str, ...] = ()
    """Output presets (admin-defined sinks, ``Runtime:Outputs:Presets``) the job's rows go to; empty: as configured."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "triggers": [t.to_json() for t in self.triggers],
            "consistency": self.consistency.value,
            "params": [p.to_json() for p in self.params],
            "outputs": [o.to_json() for o in self.outputs],
            "file": self.file,
            "line": self.line,
            "logic": self.logic.__name__,
            "logic_line": self.logic_line,
            "requests": self.requests or REQUEST_SOURCE_PREFIX + self.name,
            "models": list(self.models),
            "sinks": list(self.sinks),
        }


def job(
    name: str,
    *,
    triggers: Union[str, Trigger, Sequence[Union[str, Trigger]]],
    outputs: Sequence[Output],
    params: Sequence[Param] = (),
    consistency: Optional[Union[Consistency, str]] = None,
    requests: Optional[str] = None,
    models: Sequence[str] = (),
    sinks: Union[str, Sequence[str]] = (),
) -> Callable[[Logic], Logic]:
    """Declares the decorated function as a job's main logic.

    The function is called as ``logic(event, ctx)`` and returns ``None`` (no row), one row (a dict keyed by
    output name), or an iterable of rows (a list, or a generator that ``yield``s rows).

    Args:
        name: Unique job name (letters, digits, ``_``, ``-``, ``.``).
        triggers: The source(s) whose events run the job: names or :class:`Trigger` objects.
        outputs: The columns of a result row.
        params: Parameters operators may change while the job runs; read them from ``ctx.params``.
        consistency: Default consistency of the trigger and of ``ctx.fetch``/``ctx.history`` (a read may override
            it). Left out: ``fetch_strong`` for a job with several trigger sources (the level that gives the join
            guarantee when the logic reads the other side), else ``eventual``.
        requests: The source calls of the job (``POST /api/jobs/<name>/requests``) are stored as events of; left
            out: ``calls.<name>``. It is the job's own: never one of its triggers, never written by anything else,
            so calls never change the events other logic reads.
        models: Names of the trained models the logic uses through ``ctx.model(name)`` (from the platform's model
            registry). Each adds a parameter ``model.<name>`` (a string, default ``""``) holding the version in use:
            a version is chosen by proposing and approving that parameter, like any parameter (docs/models.md).
        sinks: Output presets the rows go to, by name (admins define them under ``Runtime:Outputs:Presets``: a
            Kafka topic, a RabbitMQ exchange, the feature store; ``feature_store`` always exists). Left out: the
            outputs configured for the job (default: the feature store). Publishing fails naming an unknown one.

    Raises:
        JobDefinitionError: naming the file and line of this decorator when the declaration is invalid, or of
            the function when its signature is not ``(event, ctx)``.
    """
    caller = sys._getframe(1)
    file, line = caller.f_code.co_filename, caller.f_lineno

    def fail(message: str) -> JobDefinitionError:
        return JobDefinitionError(message, file, line)

    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "_-." for c in name):
        raise fail(f"job name {name!r} must be a non-empty string of letters, digits, '_', '-' or '.'")
    trigger_list = _triggers(triggers, fail)
    try:
        if consistency is None:
            level = Consistency.FETCH_STRONG if len({t.source for t in trigger_list}) > 1 else Consistency.EVENTUAL
        else:
            level = Consistency(consistency)
    except ValueError:
        raise fail(f"consistency {consistency!r} is not one of {[c.value for c in Consistency]}") from None
    request_source = REQUEST_SOURCE_PREFIX + name if requests is None else requests
    if not isinstance(request_source, str) or not request_source or not all(c.isalnum() or c in "_-." for c in request_source):
        raise fail(f"requests {requests!r} must be a source name of letters, digits, '_', '-' or '.'")
    if request_source in {t.source for t in trigger_list}:
        raise fail(f"requests {request_source!r} is a trigger of the job; calls need a source of their own "
                   f"(leave requests out for {REQUEST_SOURCE_PREFIX + name!r})")
    sink_list = (sinks,) if isinstance(sinks, str) else tuple(sinks)
    for sink in sink_list:
        if not isinstance(sink, str) or not sink or not all(c.isalnum() or c in "_-." for c in sink):
            raise fail(f"sinks: {sink!r} must be an output preset's name (letters, digits, '_', '-' or '.')")
    if len(set(sink_list)) != len(sink_list):
        raise fail(f"sinks: {list(sink_list)} names a preset twice")
    param_list = _checked(params, Param, "params", fail) + _model_params(models, fail)
    model_list = tuple(models)
    output_list = _checked(outputs, Output, "outputs", fail)
    if not output_list:
        raise fail("a job must declare at least one output")

    def decorate(logic: Logic) -> Logic:
        code = getattr(logic, "__code__", None)
        if code is None or not callable(logic):
            raise fail(f"@job must decorate a function, not {type(logic).__name__}")
        where = (code.co_filename, code.co_firstlineno)
        if inspect.iscoroutinefunction(logic):
            raise JobDefinitionError(f"'{logic.__name__}' must be a plain function, not 'async def'", *where)
        _check_signature(logic, where)
        spec = JobSpec(
            name=name,
            logic=logic,
            triggers=trigger_list,
            consistency=level,
            params=param_list,
            outputs=output_list,
            description=inspect.cleandoc(logic.__doc__ or ""),
            file=file,
            line=line,
            logic_line=code.co_firstlineno,
            defaults={p.name: p.default for p in param_list},
            requests=request_source,
            models=model_list,
            sinks=sink_list,
        )
        setattr(logic, JOB_ATTRIBUTE, spec)
        return logic

    return decorate


def job_of(obj: Any) -> Optional[JobSpec]:
    """The :class:`JobSpec` attached to a decorated function, or ``None``."""
    spec = getattr(obj, JOB_ATTRIBUTE, None)
    return spec if isinstance(spec, JobSpec) else None


def _triggers(triggers: Any, fail: Callable[[str], JobDefinitionError]) -> tuple[Trigger, ...]:
    items: Iterable[Any] = [triggers] if isinstance(triggers, (str, Trigger)) else triggers
    result = []
    for t in items:
        t = Trigger(t) if isinstance(t, str) else t
        if not isinstance(t, Trigger) or not isinstance(t.source, str) or not t.source:
            raise fail(f"trigger {t!r} must be a source name or a Trigger")
        result.append(t)
    if not result:
        raise fail("a job must declare at least one trigger source")
    return tuple(result)


def _model_params(models: Any, fail: Callable[[str], JobDefinitionError]) -> tuple[Param, ...]:
    """One string parameter ``model.<name>`` per declared model: its value is the version in use ("" = none yet)."""
    if isinstance(models, str) or not isinstance(models, (list, tuple)):
        raise fail(f"models must be a list of model names, e.g. models=[\"churn\"], not {models!r}")
    seen: set[str] = set()
    result = []
    for name in models:
        problem = check_model_name(name)
        if problem is not None:
            raise fail(problem)
        if name in seen:
            raise fail(f"models: '{name}' is declared twice")
        seen.add(name)
        # Not an identifier on purpose: it never collides with an author's parameter.
        result.append(Param(model_param_name(name), str, "", description=f"Version (SHA-256) of model '{name}' the job uses"))
    return tuple(result)


def _checked(items: Sequence[Any], kind: type, what: str, fail: Callable[[str], JobDefinitionError]) -> tuple[Any, ...]:
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, kind):
            raise fail(f"{what} must contain {kind.__name__} objects, got {item!r}")
        try:
            item.check_definition()
        except ValueError as exc:
            raise fail(str(exc)) from None
        if item.name in seen:
            raise fail(f"{what}: '{item.name}' is declared twice")
        seen.add(item.name)
    return tuple(items)


def _check_signature(logic: Logic, where: tuple[str, int]) -> None:
    sig = inspect.signature(logic)
    positional = [
        p for p in sig.parameters.values()
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    required_other = [
        p for p in sig.parameters.values()
        if p.kind == inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    ]
    if len(positional) != 2 or required_other:
        raise JobDefinitionError(
            f"'{logic.__name__}{sig}' must take exactly two arguments: (event, ctx)", *where)
