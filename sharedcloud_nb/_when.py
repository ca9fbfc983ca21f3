"""Points in time and ages as a person writes them: :func:`parse_when` and :func:`parse_max_age`.

What ``store.load(when)``, ``sc.history(since=, until=)``, ``sc.diff()`` and ``client.images(max_age=)``
take, read in one place, and refused with an :class:`~sharedcloud_nb.errors.InputError` that says
which forms are accepted. :mod:`sharedcloud_nb.store` re-exports both.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from typing import Any

import pandas as pd

from . import schema
from .errors import InputError, InputTypeError

__all__ = ["parse_max_age", "parse_when"]


def parse_when(value: Any) -> pd.Timestamp:
    """A point in time as a UTC Timestamp: a datetime, a Timestamp, ISO text or the API's ``dd-mm-YYYY HH:MM:SS``.

    A naive time is taken as UTC (the API's clock is UTC).

    Raises:
        InputError: (a ValueError) text that is neither form, or a missing time (NaT, NaN, "").
        InputTypeError: (a TypeError) neither text nor a time (a list, a bool, a number: pandas would
            read 2018 or epoch seconds as nanoseconds after 1970).
    """
    given = value
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        # pandas reads a number as nanoseconds since 1970: a year or epoch seconds would be misread.
        raise InputTypeError(
            f"A time is a datetime, ISO text (2018-10-05 16:45) or 05-10-2018 16:45:36, not a number ({value!r})."
        )
    if isinstance(value, str):
        try:
            value = dt.datetime.strptime(value.strip(), schema.DATE_FORMAT)
        except ValueError:
            try:
                value = pd.Timestamp(value.strip())
            except ValueError:
                raise InputError(
                    f"Not a time: {value!r}; give a datetime, ISO text (2018-10-05 16:45) or 05-10-2018 16:45:36."
                ) from None
    try:
        stamp = pd.Timestamp(value)
    except TypeError:
        raise InputTypeError(
            f"A time is a datetime, ISO text (2018-10-05 16:45) or 05-10-2018 16:45:36, not {type(value).__name__}."
        ) from None
    if pd.isna(stamp):
        raise InputError(f"Not a time: {given!r}; give a datetime, ISO text (2018-10-05 16:45) or 05-10-2018 16:45:36.")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


_AGE = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)?\s*$", re.IGNORECASE)
_AGE_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400, None: 1}
_AGE_FORMS = "text such as '90s', '15m', '2h', '1d' or '1w', a timedelta, or a number of seconds"


def parse_max_age(value: str | dt.timedelta | float | int) -> dt.timedelta:
    """An age limit as a timedelta: ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``, ``"1w"``, a timedelta or seconds.

    Raises:
        InputError: (a ValueError) text in another form ("2 fortnights"), a negative age, or one
            too large or not a number (NaN).
        InputTypeError: (a TypeError) neither text, a timedelta nor a number (a list, a bool, None).

    Example:
        >>> parse_max_age("2h")
        datetime.timedelta(seconds=7200)
    """
    if isinstance(value, dt.timedelta):
        age = value
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise InputError(f"Not an age: {value!r}; give {_AGE_FORMS}.")
        age = _seconds(float(value), value)
    elif isinstance(value, str):
        match = _AGE.match(value)
        if match is None:
            raise InputError(f"Not an age: {value!r}; give {_AGE_FORMS}.")
        unit = match.group(2).lower() if match.group(2) else None
        age = _seconds(float(match.group(1)) * _AGE_UNITS[unit], value)
    else:
        raise InputTypeError(f"max_age is {_AGE_FORMS}, not {type(value).__name__}.")
    if age < dt.timedelta(0):
        raise InputError(f"An age cannot be negative: {value!r}; give {_AGE_FORMS}.")
    return age


def _seconds(seconds: float, value: object) -> dt.timedelta:
    """``seconds`` as a timedelta; an InputError naming ``value`` when no timedelta is that long."""
    try:
        return dt.timedelta(seconds=seconds)
    except OverflowError:
        raise InputError(f"Not an age: {value!r} is longer than any timedelta; give {_AGE_FORMS}.") from None


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
