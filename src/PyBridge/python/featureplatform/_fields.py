"""Typed accessors of an event's or a change's fields.

``event.decimal("amount")``, ``event.int("count")``, ``event.float(...)``, ``event.str(...)`` and ``event.bool(...)``
return the field as that type or raise :class:`FieldTypeError` naming the field, the expected type, the value and the
event. The rule that keeps one bad value from poisoning an entity:

* On the **triggering event** a value of the wrong type always raises: that computation fails, the run loop retries
  it and then quarantines that one event; the job goes on. ``default`` only stands in for a missing or null field.
* On a **change from history** (``ctx.history``), ``default`` also stands in for a value of the wrong type: pass it
  (e.g. ``change.decimal("amount", None)`` and skip ``None``) and a bad value stored long ago never fails the later
  computations of that entity. Without ``default`` it raises like an event's.

Numbers may be JSON numbers or strings holding one (Debezium's string decimal mode); ``bool`` is never a number.
"""

from __future__ import annotations

import builtins
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Optional

__all__ = ["FieldTypeError", "TypedFields"]

_MISSING: Any = object()


class FieldTypeError(ValueError):
    """A field of an event (or a change) is missing or holds a value of another type than the logic reads it as."""

    def __init__(self, field: builtins.str, expected: builtins.str, value: Any, where: builtins.str) -> None:
        shown = "missing" if value is _MISSING else f"got {value!r}"
        super().__init__(f"field {field!r} of {where} must be {expected}, {shown}")
        self.field = field
        self.expected = expected
        self.value = None if value is _MISSING else value


def _to_int(v: Any) -> builtins.int:
    if isinstance(v, builtins.bool):
        raise ValueError
    if isinstance(v, builtins.int):
        return v
    if isinstance(v, builtins.float) and v.is_integer():
        return builtins.int(v)
    if isinstance(v, Decimal) and v == v.to_integral_value():
        return builtins.int(v)
    if isinstance(v, builtins.str):
        return builtins.int(v.strip())
    raise ValueError


def _to_decimal(v: Any) -> Decimal:
    if isinstance(v, builtins.bool):
        raise ValueError
    if isinstance(v, Decimal):
        return v
    if isinstance(v, (builtins.int, builtins.float)):
        d = Decimal(builtins.str(v))
    elif isinstance(v, builtins.str):
        try:
            d = Decimal(v.strip())
        except InvalidOperation as e:
            raise ValueError from e
    else:
        raise ValueError
    if not d.is_finite():
        raise ValueError
    return d


def _to_float(v: Any) -> builtins.float:
    f = builtins.float(_to_decimal(v))
    return f


def _to_str(v: Any) -> builtins.str:
    if isinstance(v, builtins.str):
        return v
    raise ValueError


def _to_bool(v: Any) -> builtins.bool:
    if isinstance(v, builtins.bool):
        return v
    raise ValueError


class TypedFields:
    """The typed accessors; a class using it has ``data`` (a dict) and says what it is in ``_where()``."""

    __slots__ = ()

    #: Whether ``default`` also stands in for a value of the wrong type (changes from history: yes; events: no).
    _default_covers_invalid = False

    data: dict[builtins.str, Any]

    def _where(self) -> builtins.str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _typed(self, name: builtins.str, expected: builtins.str, convert: Callable[[Any], Any], default: Any) -> Any:
        value = self.data.get(name)
        if value is None:
            if default is _MISSING:
                raise FieldTypeError(name, expected, _MISSING, self._where())
            return default
        try:
            return convert(value)
        except (ValueError, TypeError, ArithmeticError):
            if self._default_covers_invalid and default is not _MISSING:
                return default
            raise FieldTypeError(name, expected, value, self._where()) from None

    def int(self, name: builtins.str, default: Any = _MISSING) -> Optional[builtins.int]:
        """The field as an int (a whole number, or a string holding one)."""
        return self._typed(name, "an int", _to_int, default)

    def decimal(self, name: builtins.str, default: Any = _MISSING) -> Optional[Decimal]:
        """The field as a Decimal (a number, or a string holding one)."""
        return self._typed(name, "a decimal", _to_decimal, default)

    def float(self, name: builtins.str, default: Any = _MISSING) -> Optional[builtins.float]:
        """The field as a float (a number, or a string holding one)."""
        return self._typed(name, "a float", _to_float, default)

    def str(self, name: builtins.str, default: Any = _MISSING) -> Optional[builtins.str]:
        """The field as a str (a JSON string; numbers are not converted)."""
        return self._typed(name, "a string", _to_str, default)

    def bool(self, name: builtins.str, default: Any = _MISSING) -> Optional[builtins.bool]:
        """The field as a bool (JSON true or false)."""
        return self._typed(name, "a bool", _to_bool, default)
