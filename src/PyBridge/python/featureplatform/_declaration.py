"""The pieces of a job declaration: consistency levels, triggers, parameters and outputs."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any, Optional

__all__ = [
    "Consistency",
    "Trigger",
    "Param",
    "Output",
    "JobDefinitionError",
    "ResultShapeError",
    "DataSourceError",
    "PARAM_TYPES",
    "OUTPUT_TYPES",
]


class JobDefinitionError(ValueError):
    """A job declaration is invalid. ``file`` and ``line`` point at the author's code."""

    def __init__(self, message: str, file: str = "<unknown>", line: int = 0) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.reason = message
        self.file = file
        self.line = line


class ResultShapeError(TypeError):
    """The job's logic returned something that does not match its declared outputs."""


class DataSourceError(RuntimeError):
    """A ``ctx.fetch`` / ``ctx.history`` call failed in the data source (e.g. a consistency wait timed out)."""


class LookAheadError(ValueError):
    """A read asked for data after the triggering event's time.

    Point-in-time reads never see the future: that is what makes live runs, replays and calls agree. Read as of
    the event's time (the default) or earlier.
    """


class Consistency(str, enum.Enum):
    """How fresh the data a job reads must be (see the platform's design, section 4)."""

    EVENTUAL = "eventual"
    """Read what is stored now."""
    TRIGGER_STRONG = "trigger_strong"
    """Before the logic runs, wait until the triggering event itself is stored."""
    FETCH_STRONG = "fetch_strong"
    """A fetch as of time T waits until the fetched source's event-time watermark reaches T."""
    FETCH_STRONG_NO_DELAY = "fetch_strong_no_delay"
    """Like FETCH_STRONG, but while the source lags, a fetched row changed at or before T is read from the
    source database (and stored as an event) instead of waiting; otherwise the fetch waits like FETCH_STRONG."""


@dataclass(frozen=True)
class Trigger:
    """A source whose events run the job. ``where`` optionally names the event types (e.g. ``("insert",)``)."""

    source: str
    where: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "where": list(self.where)}


PARAM_TYPES: dict[type, str] = {int: "int", float: "float", bool: "bool", str: "str"}
OUTPUT_TYPES: dict[type, str] = {int: "int", float: "float", bool: "bool", str: "str"}


@dataclass(frozen=True)
class Param:
    """A parameter operators may change at run time.

    ``type`` is one of int, float, bool, str; ``default`` must satisfy the bounds
    (``min``/``max`` for numbers, ``choices`` for any type).
    """

    name: str
    type: type
    default: Any
    description: str = ""
    min: Optional[float] = None
    max: Optional[float] = None
    choices: tuple[Any, ...] = ()

    def check_definition(self) -> None:
        """Raises ValueError when the parameter itself is badly defined."""
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"parameter name {self.name!r} is not a valid identifier")
        if self.type not in PARAM_TYPES:
            raise ValueError(f"parameter '{self.name}': type must be int, float, bool or str, not {self.type!r}")
        if (self.min is not None or self.max is not None) and self.type not in (int, float):
            raise ValueError(f"parameter '{self.name}': min/max bounds only apply to int or float parameters")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"parameter '{self.name}': min {self.min} is greater than max {self.max}")
        for choice in self.choices:
            self.coerce(choice, what="choice")
        self.coerce(self.default, what="default")

    def coerce(self, value: Any, what: str = "value") -> Any:
        """Returns ``value`` converted to the parameter's type, or raises ValueError naming the violated rule."""
        t = self.type
        if t is bool:
            ok = isinstance(value, bool)
        elif t is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif t is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if ok:
                value = float(value)
                ok = math.isfinite(value)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise ValueError(f"parameter '{self.name}': {what} {value!r} is not a finite {PARAM_TYPES.get(t, t)}")
        if self.min is not None and value < self.min:
            raise ValueError(f"parameter '{self.name}': {what} {value!r} is below the minimum {self.min}")
        if self.max is not None and value > self.max:
            raise ValueError(f"parameter '{self.name}': {what} {value!r} is above the maximum {self.max}")
        if self.choices and what != "choice" and value not in self.choices:
            raise ValueError(f"parameter '{self.name}': {what} {value!r} is not one of {list(self.choices)}")
        return value

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": PARAM_TYPES[self.type],
            "default": self.default,
            "description": self.description,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices),
        }


@dataclass(frozen=True)
class Output:
    """One column of the job's result rows. ``type`` is one of int, float, bool, str."""

    name: str
    type: type
    description: str = ""
    nullable: bool = False

    def check_definition(self) -> None:
        """Raises ValueError when the output itself is badly defined."""
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"output name {self.name!r} is not a valid identifier")
        if self.type not in OUTPUT_TYPES:
            raise ValueError(f"output '{self.name}': type must be int, float, bool or str, not {self.type!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": OUTPUT_TYPES[self.type],
            "description": self.description,
            "nullable": self.nullable,
        }
