"""What the main logic receives: the triggering :class:`Event` and a :class:`Context` to read data and parameters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Optional, Protocol, Union

from ._declaration import Consistency, LookAheadError
from ._fields import TypedFields

__all__ = ["Event", "Change", "Context", "DataSource", "TimeLike", "to_epoch_ms"]

TimeLike = Union[int, datetime]
"""An instant: epoch milliseconds (int) or a datetime (naive datetimes are taken as UTC)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_epoch_ms(value: TimeLike) -> int:
    """Epoch milliseconds of an int (returned as is) or a datetime (naive = UTC)."""
    if isinstance(value, bool):
        raise TypeError("a time must be epoch milliseconds or a datetime, not bool")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return (value - _EPOCH) // timedelta(milliseconds=1)
    raise TypeError(f"a time must be epoch milliseconds or a datetime, not {type(value).__name__}")


class Event(TypedFields):
    """The event that triggered the job: its source, entity key, event time and data (a dict).

    Typed accessors (``event.decimal("amount")``, ``int``, ``float``, ``str``, ``bool``) raise
    :class:`~featureplatform.FieldTypeError` when the field holds another type: see ``featureplatform._fields``.
    """

    __slots__ = ("source", "key", "time_ms", "data", "id")

    def __init__(self, source: str, key: str, time_ms: int, data: Optional[dict[str, Any]] = None,
                 id: Optional[str] = None) -> None:  # noqa: A002 - "id" is the event's identity
        self.source = source
        self.key = key
        self.time_ms = time_ms
        self.data: dict[str, Any] = data if data is not None else {}
        self.id = id

    @property
    def time(self) -> datetime:
        """The event time as an aware UTC datetime."""
        return _EPOCH + timedelta(milliseconds=self.time_ms)

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def get(self, name: str, default: Any = None) -> Any:
        """A field of the event's data, or ``default``."""
        return self.data.get(name, default)

    def _where(self) -> str:
        return f"event {self.id or '?'} of {self.source} (key {self.key})"

    def __repr__(self) -> str:
        return f"Event(source={self.source!r}, key={self.key!r}, time_ms={self.time_ms}, data={self.data!r})"


class Change(TypedFields):
    """One stored change of an entity, as returned by ``ctx.history``: when it happened and the data it carried.

    Typed accessors as on :class:`Event`, except that ``default`` also stands in for a value of the wrong type, so a bad
    value stored in history never fails later computations (``change.decimal("amount", None)``).
    """

    __slots__ = ("time_ms", "data")
    _default_covers_invalid = True

    def __init__(self, time_ms: int, data: dict[str, Any]) -> None:
        self.time_ms = time_ms
        self.data = data

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def get(self, name: str, default: Any = None) -> Any:
        """A field of the change's data, or ``default``."""
        return self.data.get(name, default)

    def _where(self) -> str:
        return f"the change at {self.time_ms} from history"

    def __repr__(self) -> str:
        return f"Change(time_ms={self.time_ms}, data={self.data!r})"


class DataSource(Protocol):
    """Where ``ctx.fetch``/``ctx.history`` read from: the event center in the host, canned data in unit tests."""

    def fetch(self, source: str, key: str, as_of_ms: int, consistency: str) -> Optional[dict[str, Any]]:
        """The entity's state as of ``as_of_ms`` (latest change at or before it), or None if it did not exist."""
        ...

    def history(self, source: str, key: str, since_ms: int, until_ms: int, limit: int,
                consistency: str = "eventual") -> list[Change]:
        """The entity's changes with ``since_ms <= time <= until_ms``, oldest first, at most ``limit``, read with
        ``consistency`` as of ``until_ms``."""
        ...


class Context:
    """Per-call access to point-in-time data and to the job's parameters.

    Reads default to the triggering event's time, so logic never sees data from its future.
    """

    __slots__ = ("event", "params", "job", "_source", "_consistency", "_models")

    def __init__(self, event: Event, params: Mapping[str, Any], source: DataSource,
                 consistency: Consistency = Consistency.EVENTUAL, job: str = "", models: Any = None) -> None:
        self.event = event
        self.params = params
        """The job's parameter values for this call (a read-only mapping; one consistent set per call)."""
        self.job = job
        self._source = source
        self._consistency = consistency
        self._models = models

    def model(self, name: str) -> Any:
        """The trained model ``name`` the job declared (``@job(models=[name])``), in the version chosen for this call.

        The version is the approved value of parameter ``model.<name>`` in force at the event's time (a backtest may
        pin another). The model is loaded once per process and version and shared by every event: do not change it.
        A scikit-learn model is the estimator itself; a ``linear-json`` model is a :class:`~featureplatform.LinearModel`.

        Raises:
            ModelError: the job does not declare ``name`` (naming the declared ones), no version is chosen yet, or the
                artifact is missing or cannot be loaded; ModelIntegrityError when its bytes no longer match its version.
        """
        if self._models is None:
            from ._models import ModelError
            raise ModelError(f"ctx.model({name!r}): job '{self.job}' declares no models (add @job(models=[...]))")
        return self._models.get(name, self.params)

    def model_version(self, name: str) -> str:
        """The version of model ``name`` this call uses (see :meth:`model`)."""
        if self._models is None:
            from ._models import ModelError
            raise ModelError(f"ctx.model_version({name!r}): job '{self.job}' declares no models (add @job(models=[...]))")
        return self._models.version(name, self.params)

    def fetch(self, source: str, key: str, as_of: Optional[TimeLike] = None,
              consistency: Optional[Union[Consistency, str]] = None) -> Optional[dict[str, Any]]:
        """The state of entity ``key`` of ``source`` as of ``as_of`` (default: the event's time), or None.

        ``consistency`` overrides the job's declared level for this read.
        """
        as_of_ms = self.event.time_ms if as_of is None else to_epoch_ms(as_of)
        self._check_not_future(as_of_ms, "fetch")
        level = self._consistency if consistency is None else Consistency(consistency)
        return self._source.fetch(source, str(key), as_of_ms, level.value)

    def history(self, source: str, key: str, since: Union[TimeLike, timedelta],
                until: Optional[TimeLike] = None, limit: int = 1000,
                consistency: Optional[Union[Consistency, str]] = None) -> list[Change]:
        """The changes of entity ``key`` of ``source`` between ``since`` and ``until`` (both inclusive), oldest first.

        ``since`` may be a :class:`~datetime.timedelta`: that long before ``until``. ``until`` defaults to the
        event's time. At most ``limit`` changes are returned (the oldest ones). The read honours the job's
        consistency level (or ``consistency`` for this read) as of ``until``, exactly like :meth:`fetch`: at
        fetch-strong it waits until ``source`` has stored everything up to ``until``.
        """
        until_ms = self.event.time_ms if until is None else to_epoch_ms(until)
        self._check_not_future(until_ms, "history")
        since_ms = until_ms - since // timedelta(milliseconds=1) if isinstance(since, timedelta) else to_epoch_ms(since)
        if limit <= 0:
            raise ValueError("limit must be positive")
        level = self._consistency if consistency is None else Consistency(consistency)
        return self._source.history(source, str(key), since_ms, until_ms, int(limit), level.value)

    def _check_not_future(self, time_ms: int, what: str) -> None:
        if time_ms > self.event.time_ms:
            raise LookAheadError(
                f"ctx.{what} asked for data as of {time_ms}, after the event's time {self.event.time_ms}; "
                "reads never see the future (read as of the event's time or earlier)")
