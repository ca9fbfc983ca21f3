"""The API's dates: day first (:data:`~sharedcloud_nb.schema.DATE_FORMAT`, UTC), never inferred.

Two ways to read a column of them, each value ending as int64 nanoseconds since 1970 (NaT where
unread):

- the vectorised way, :func:`_day_first_ns`: straight from the Arrow string buffer with numpy, with
  no Python object per value. A value is read only if every digit and separator is where the
  format puts it and it names a second that exists (31-02 is never rolled over into March); a date
  shared by every record (``current_server_time``) is read once;
- the careful way, :func:`_dates_careful`: value by value with pandas, day-first first, then ISO
  8601 in case the API changes format. Only the values the vectorised way leaves are read so,
  which keeps one bad date in 100,000 cheap.

:func:`parse_dates` is the public entry; :func:`date_ns` and :func:`datetime_array` are what
:mod:`sharedcloud_nb.frames` builds its date columns with.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ._arrow import inferred
from ._warn import Problems
from .schema import DATE_FIELDS, DATE_FORMAT, dtypes

__all__ = ["parse_dates"]

#: The dtype of a date column.
DATETIME = dtypes()[DATE_FIELDS[0]]
#: NaT as int64 nanoseconds.
NAT = np.iinfo(np.int64).min

# ISO 8601 as an API would write it: a date, optionally a time, fraction and offset. Nothing looser
# (pandas' "ISO8601" parser also takes 2018/10/05, which is no format the API promises).
_ISO_8601 = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"

# Seconds 60 and 61: strptime takes them (for leap seconds) and pandas then rolls them into the next
# minute (on 31 December, the next year). No such second is a date; DATE_FORMAT ends with its seconds.
_LEAP_SECOND = r"(?<!\d)6[01]$"
# The year of a value that may be a real date beyond what datetime64[ns] holds, day first or ISO 8601.
_YEAR = r"^(?:\d{1,2}-\d{1,2}-(\d{4})\s|(\d{4})-\d{2}-\d{2}(?:[T ]|$))"

# How many digits each field of a fixed-width date has: all the vectorised reader understands.
_DIGITS = {"d": 2, "m": 2, "Y": 4, "H": 2, "M": 2, "S": 2}


def _layout(date_format: str) -> tuple[int, dict[str, range], np.ndarray, np.ndarray, np.ndarray]:
    """Where a date written ``date_format`` keeps its digits and separators, in bytes.

    Returns:
        The width; each field's rows among the digits (e.g. ``{"d": range(0, 2), ...}``); the
        positions of the digits; those of the separators; the separators' bytes.
    """
    fields: dict[str, range] = {}
    digits: list[int] = []
    separators: list[tuple[int, str]] = []
    for directive, literal in re.findall(r"%(.)|(.)", date_format, flags=re.DOTALL):
        position = len(digits) + len(separators)
        if not directive:
            separators.append((position, literal))
            continue
        if directive not in _DIGITS or directive in fields:
            raise ValueError(f"The vectorised date reader reads %d %m %Y %H %M %S once each, not %{directive}.")
        fields[directive] = range(len(digits), len(digits) + _DIGITS[directive])
        digits.extend(range(position, position + _DIGITS[directive]))
    return (
        len(digits) + len(separators),
        fields,
        np.array(digits, dtype=np.intp),
        np.array([position for position, _ in separators], dtype=np.intp),
        np.frombuffer("".join(text for _, text in separators).encode("ascii"), dtype=np.uint8),
    )


# DATE_FORMAT laid out in bytes ("dd-mm-YYYY HH:MM:SS"): the vectorised reader takes the digits and
# checks the separators at these positions, straight from the Arrow data buffer.
_DATE_WIDTH, _FIELDS, _DIGIT_POSITIONS, _SEPARATOR_POSITIONS, _SEPARATORS = _layout(DATE_FORMAT)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
#: What datetime64[ns] holds, for the warning about real dates beyond it.
_NS_RANGE = f"{pd.Timestamp.min:%Y-%m-%d} to {pd.Timestamp.max:%Y-%m-%d}"
# Years whose every second fits datetime64[ns] (1677-09-21 .. 2262-04-11); the rest go the careful way.
_FAST_YEARS = (1678, 2261)
# Rows per pass of _day_first_block: its temporaries stay small, in cache and reused by malloc
# (a 100,000-row temporary is a fresh mmap whose pages fault in on first touch, every time).
_BLOCK = 16384


def _day_first_ns(strings: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Read values written exactly as ``DATE_FORMAT``: (nanoseconds since 1970, which were read).

    Vectorised over the Arrow buffers, with no Python object per value, and strict: a value is read
    only if it is as wide as the format with every digit and separator where the format puts them,
    and names a second that exists (31-02-2018 is not read, where pyarrow's ``strptime`` would roll
    it over to 3 March). Whatever is not read is left to the careful path.
    """
    if isinstance(strings, pa.ChunkedArray):
        return _day_first_chunks(strings)
    count = len(strings)
    ns = np.full(count, NAT, dtype=np.int64)
    read = np.zeros(count, dtype=bool)
    _, offsets_buffer, data_buffer = strings.buffers()
    if count == 0 or data_buffer is None:
        return ns, read
    offset_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    offsets: np.ndarray = np.frombuffer(
        offsets_buffer, dtype=offset_type, count=count + 1, offset=strings.offset * np.dtype(offset_type).itemsize
    )
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    candidates = np.diff(offsets) == _DATE_WIDTH
    if strings.null_count:
        candidates &= strings.is_valid().to_numpy(zero_copy_only=False)
    if candidates.all():  # the usual case: one contiguous block of fixed-width values
        _day_first_contiguous(data[offsets[0] : offsets[0] + count * _DATE_WIDTH].reshape(count, _DATE_WIDTH), ns, read)
        return ns, read
    rows = np.flatnonzero(candidates)
    width = np.arange(_DATE_WIDTH)
    for start in range(0, len(rows), _BLOCK):
        block = rows[start : start + _BLOCK]
        ns[block], read[block] = _day_first_block(data[offsets[block][:, None] + width])
    return ns, read


def _day_first_chunks(strings: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_day_first_ns` chunk by chunk, never joining the chunks."""
    parts = [_day_first_ns(chunk) for chunk in strings.chunks]
    if len(parts) == 1:
        return parts[0]
    return (
        np.concatenate([ns for ns, _ in parts] or [np.empty(0, dtype=np.int64)]),
        np.concatenate([read for _, read in parts] or [np.empty(0, dtype=bool)]),
    )


def _day_first_contiguous(chars: np.ndarray, ns: np.ndarray, read: np.ndarray) -> None:
    """Fill ``ns`` and ``read`` from an (n, width) array of bytes, block by block."""
    if (chars == chars[0]).all():  # one value for every record (current_server_time): read it once
        ns[:], read[:] = _day_first_block(chars[:1])
        return
    for start in range(0, len(chars), _BLOCK):
        ns[start : start + _BLOCK], read[start : start + _BLOCK] = _day_first_block(chars[start : start + _BLOCK])


def _number(digits: np.ndarray, rows: range) -> np.ndarray:
    """The decimal number whose digits are ``digits[rows]`` (one row per digit position)."""
    value = digits[rows[0]]
    for row in rows[1:]:
        value = value * 10 + digits[row]
    return value


def _day_first_block(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_day_first_ns on an (n, width) array of bytes: (nanoseconds, which are well-formed dates)."""
    digits = chars[:, _DIGIT_POSITIONS] - np.uint8(ord("0"))  # uint8: a byte below "0" wraps past 9
    good = digits.max(axis=1) <= 9
    good &= (chars[:, _SEPARATOR_POSITIONS] == _SEPARATORS).all(axis=1)
    d = digits.T.astype(np.int32)  # one contiguous row per digit position; int32 holds every field
    day, month, year = _number(d, _FIELDS["d"]), _number(d, _FIELDS["m"]), _number(d, _FIELDS["Y"])
    hour, minute, second = _number(d, _FIELDS["H"]), _number(d, _FIELDS["M"]), _number(d, _FIELDS["S"])
    good &= (month >= 1) & (month <= 12) & (day >= 1) & (hour < 24) & (minute < 60) & (second < 60)
    good &= (year >= _FAST_YEARS[0]) & (year <= _FAST_YEARS[1])
    month = np.where(good, month, 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    good &= day <= _DAYS_IN_MONTH[month] + (leap & (month == 2))
    # Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
    shifted_year = year - (month <= 2)
    era = shifted_year // 400
    year_of_era = shifted_year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = (era * 146097 + day_of_era - 719468).astype(np.int64)
    seconds = days * 86400 + (hour * 3600 + minute * 60 + second)
    return np.where(good, seconds * 1_000_000_000, NAT), good


def _to_ns(parsed: pd.Series) -> pd.Series:
    """As datetime64[ns, UTC]; a date beyond its range (before 1677 or after 2262) becomes NaT."""
    try:
        return parsed.astype(DATETIME)
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        inside = (parsed >= pd.Timestamp.min.tz_localize("UTC")) & (parsed <= pd.Timestamp.max.tz_localize("UTC"))
        return parsed.where(inside).astype(DATETIME)


def _python_date(text: str) -> dt.datetime | None:
    """``text`` as a datetime by the standard library (years 1 to 9999), day first or ISO 8601; None if neither.

    ``datetime.strptime`` refuses second 60 where pandas rolls it over; ``fromisoformat`` reads the
    ISO 8601 forms :data:`_ISO_8601` allows (``Z`` and a comma included, from Python 3.11).
    """
    try:
        value = dt.datetime.strptime(text, DATE_FORMAT)
    except ValueError:
        if not re.fullmatch(_ISO_8601, text):
            return None
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def _out_of_range(values: pd.Series) -> np.ndarray:
    """Which ``values`` are real dates that datetime64[ns] cannot hold (years 1 to 1677, 2262 to 9999).

    Only values whose year is near or beyond the edges are read one by one, so a column of anything
    else stays cheap.
    """
    outside = np.zeros(len(values), dtype=bool)
    years = values.str.extract(_YEAR).astype("float64").max(axis=1).to_numpy()
    edges = np.flatnonzero((years <= 1677) | (years >= 2262))
    low, high = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    for position in edges.tolist():
        value = _python_date(values.iloc[position])
        outside[position] = value is not None and not (low <= pd.Timestamp(value) <= high)
    return outside


def _dates_careful(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Each value on its own: day-first first, then ISO 8601; NaT where neither reads.

    Returns:
        The dates (NaT where unread), and which of the unread values are real dates out of range.
    """
    parsed = _to_ns(pd.to_datetime(values, format=DATE_FORMAT, errors="coerce", utc=True))
    leap = parsed.notna() & values.str.contains(_LEAP_SECOND, na=False).astype(bool)
    if leap.any():
        parsed = parsed.mask(leap)
    retry = parsed.isna() & values.notna() & ~leap
    if retry.any():
        retry &= values.str.fullmatch(_ISO_8601, na=False).astype(bool)
    if retry.any():
        iso = _to_ns(pd.to_datetime(values[retry], format="ISO8601", errors="coerce", utc=True))
        parsed = parsed.copy()
        parsed[retry] = iso
    unread = (parsed.isna() & values.notna()).to_numpy()
    outside = np.zeros(len(values), dtype=bool)
    if unread.any():
        outside[unread] = _out_of_range(values[unread])
    return parsed, outside


def date_ns(
    values: Sequence[Any], column: str, problems: Problems, strings: pa.Array | pa.ChunkedArray | None = None
) -> np.ndarray:
    """Dates as int64 nanoseconds since 1970 (NaT where unread): the vectorised way, then the careful one.

    Args:
        values: the column's values as served (read only where the vectorised way leaves them).
        column: its name, for the warning.
        problems: where a value that is neither day-first nor ISO 8601 is counted.
        strings: the values already as an Arrow string array, when the caller has it.

    Returns:
        An int64 array, ``NAT`` where a value is missing or unread.
    """
    if len(values) == 0:
        return np.empty(0, dtype=np.int64)
    if strings is None:
        strings = inferred(values, pa.string())
    if strings is None:  # not all str: the vectorised way looks at the ASCII ones, the careful one at the rest
        strings = pa.array(
            [value if type(value) is str and value.isascii() else None for value in values], type=pa.string()
        )
    ns, read = _day_first_ns(strings)
    if not read.all():
        rest = np.flatnonzero(~read)
        others = [values[position] for position in rest.tolist()]
        as_text = pd.Series([value if type(value) is str else None for value in others], dtype=object)
        parsed, outside = _dates_careful(as_text)
        ns[rest] = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)
        bad = parsed.isna().to_numpy() & pd.Series(others, dtype=object).notna().to_numpy() & ~outside
        if bad.any():
            expected = f"dates in {DATE_FORMAT} (day first) or ISO 8601"
            problems.bad(column, int(bad.sum()), others[int(bad.argmax())], expected)
        if outside.any():
            problems.outside(column, int(outside.sum()), others[int(outside.argmax())], _NS_RANGE)
    return ns


def datetime_array(ns: np.ndarray) -> Any:
    """Nanoseconds since 1970 (``NAT`` for missing) as pandas' datetime64[ns, UTC] array, without a copy."""
    # A view of the naive array as UTC shares the buffer: pd.array(..., dtype=DATETIME) or
    # tz_localize("UTC") copy it (8 MB a column at a million images).
    return pd.array(ns.view("datetime64[ns]"), copy=False).view(DATETIME)


def parse_dates(values: Any, column: str = "date") -> pd.Series:
    """Parse API dates (day first, as the API writes them, UTC; or ISO 8601) into datetime64[ns, UTC].

    Values that are neither become NaT, with one warning that says how many failed and the first;
    real dates that datetime64[ns] cannot hold (before 1677-09-21 or after 2262-04-11) become NaT
    with a warning of their own that says so. An impossible time (second 60, hour 24) is not a date.

    Args:
        values: an iterable of date strings (None for missing).
        column: the name of the Series, and of the column in the warning.

    Returns:
        A Series of datetime64[ns, UTC].

    Example:
        >>> parse_dates(["05-10-2018 16:45:36"])[0]
        Timestamp('2018-10-05 16:45:36+0000', tz='UTC')
    """
    values = list(values)
    problems = Problems(len(values))
    result = datetime_array(date_ns(values, column, problems))
    problems.warn()
    return pd.Series(result, dtype=DATETIME, name=column)


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
