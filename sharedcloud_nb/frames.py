"""The image schema and :func:`images_frame`: API records -> a typed pandas DataFrame.

Each column is built column-wise with pyarrow: a fast path for the well-formed case (one check
of the value types, one vectorised conversion) and a careful path for the rest, which keeps every
row, turns what it cannot read into a missing value and warns once per column with a count and
the first bad value. Dates are day-first (``%d-%m-%Y %H:%M:%S``, UTC), never inferred; ISO 8601
is accepted too in case the API changes format.

How the fast path stays fast (``benchmarks/run.py`` measures it): well-formed records are read
by Arrow in one C++ pass (``pa.array(records, type=struct)``), with the few checks Arrow does not
make done in Python; other records are taken out once per key and each column is type-checked by
Arrow's own inference, going the careful way only where that fails. Day-first dates are read with
numpy straight from the Arrow string buffer (digits at fixed positions and the calendar checked,
so 31-02 is never rolled over into March; one date shared by every record is read once), and only
the values it does not read are parsed one by one, so one bad date in 100,000 costs little.
Categories come from Arrow's dictionary encoding, and the cyclic garbage collector waits while
the records are converted.
"""

from __future__ import annotations

import contextlib
import gc
import operator
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ResponseError, SharedcloudWarning, excerpt

__all__ = [
    "COLUMNS",
    "CSV_NA",
    "DATE_FORMAT",
    "DTYPES",
    "FIELDS",
    "empty_frame",
    "image_series",
    "images_frame",
    "parse_dates",
    "read_images_csv",
    "read_images_parquet",
    "write_images_csv",
]

#: The API's date format: day first, server time (UTC).
DATE_FORMAT = "%d-%m-%Y %H:%M:%S"

STRING = pd.StringDtype("pyarrow")
DATETIME = pd.DatetimeTZDtype(unit="ns", tz="UTC")
TIMEDELTA = "timedelta64[ns]"

#: The fields of an image record as served, and the kind of value each holds.
FIELDS: dict[str, str] = {
    "name": "string",
    "description": "string",
    "runtime": "category",
    "tag": "category",
    "requires_gpu": "boolean",
    "num_installations": "integer",
    "registry_path": "string",
    "created_at": "date",
    "updated_at": "date",
    "current_server_time": "date",
}

#: The frame's columns, in order (the index is ``uuid``).
COLUMNS: list[str] = [
    "name",
    "description",
    "runtime",
    "tag",
    "requires_gpu",
    "num_installations",
    "registry_path",
    "repository",
    "created_at",
    "updated_at",
    "current_server_time",
    "age",
    "since_update",
]

#: The dtype of each column.
DTYPES: dict[str, Any] = {
    "name": STRING,
    "description": STRING,
    "runtime": "category",
    "tag": "category",
    "requires_gpu": "boolean",
    "num_installations": "Int64",
    "registry_path": STRING,
    "repository": "category",  # few distinct values, and the key analysts group by
    "created_at": DATETIME,
    "updated_at": DATETIME,
    "current_server_time": DATETIME,
    "age": TIMEDELTA,
    "since_update": TIMEDELTA,
}

_KNOWN = set(FIELDS) | {"uuid"}
_MISSING = object()  # a key absent from a record (as opposed to a null value)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_NAT = np.iinfo(np.int64).min  # NaT as int64 nanoseconds
# ISO 8601 as an API would write it: a date, optionally a time, fraction and offset. Nothing looser
# (pandas' "ISO8601" parser also takes 2018/10/05, which is no format the API promises).
_ISO_8601 = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"

# DATE_FORMAT laid out in bytes, "dd-mm-YYYY HH:MM:SS": the fast date path reads the digits and
# checks the separators at these positions, straight from the Arrow data buffer.
_DATE_WIDTH = 19
_DATE_DIGITS = np.array([0, 1, 3, 4, 6, 7, 8, 9, 11, 12, 14, 15, 17, 18])
_DATE_SEPARATOR_POSITIONS = np.array([2, 5, 10, 13, 16])
_DATE_SEPARATORS = np.frombuffer(b"-- ::", dtype=np.uint8)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
# Years whose every second fits datetime64[ns] (1677-09-21 .. 2262-04-11); the rest go the careful way.
_FAST_YEARS = (1678, 2261)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large answer is decoded and converted.

    Records whose values include lists or objects are containers the collector tracks, and
    decoding 100,000 of them would start a collection every few hundred allocations, each walking
    the growing heap: 40% of the decode time (flat records, whose dicts Python does not track,
    lose nothing either way). Decoded JSON forms no cycles, so nothing is lost by waiting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Problems:
    """Collects what could not be read, to warn once per column with counts."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.messages: list[str] = []

    def bad(self, column: str, count: int, first: Any, expected: str) -> None:
        if count:
            self.messages.append(
                f"{column}: {count} of {self.total} values are not {expected} and were set to missing "
                f"(the first: {excerpt(repr(first), 60)})"
            )

    def absent(self, column: str, count: int) -> None:
        if count == self.total:
            self.messages.append(f"{column}: the field is missing from every record; the column is all missing")
        elif count:
            self.messages.append(f"{column}: the field is missing from {count} of {self.total} records")

    def warn(self) -> None:
        for message in self.messages:
            warnings.warn(message, SharedcloudWarning, stacklevel=4)


def _check_records(records: Any) -> list[dict[str, Any]]:
    if isinstance(records, dict) and isinstance(records.get("results"), list):
        records = records["results"]  # a DRF page passed directly
    if not isinstance(records, list):
        raise ResponseError(
            f"Expected a list of image objects, got {type(records).__name__}: {excerpt(repr(records))!r}."
        )
    if set(map(type, records)) <= {dict}:
        return records  # what a JSON decoder gives; the loop below finds the odd one otherwise
    for position, record in enumerate(records):
        if not isinstance(record, dict):
            raise ResponseError(
                f"Expected a list of image objects, but item {position} is a {type(record).__name__}: "
                f"{excerpt(repr(record))!r}."
            )
    return records


#: A well-formed record as Arrow reads it on the fast path (see _arrow_columns).
_RECORD = pa.struct(
    [("uuid", pa.string())]
    + [(key, {"boolean": pa.bool_(), "integer": pa.int64()}.get(kind, pa.string())) for key, kind in FIELDS.items()]
)


# Arrow reads 2.5 as 2 into an int64 column: the integer fields' types are checked in Python.
_INTEGER_FIELDS = [operator.itemgetter(key) for key, kind in FIELDS.items() if kind == "integer"]


def _arrow_columns(records: list[dict[str, Any]]) -> dict[str, pa.Array] | None:
    """The schema's fields of well-formed records, read by Arrow in one C++ pass; None otherwise.

    Well formed: every record has every field of the schema and as many keys as the first, no
    value is null, and each is of its field's type. ``pa.array(records, type=_RECORD)`` checks most
    of that as it converts (a str where a bool belongs, a lone surrogate: an error). What it lets
    through is checked here: a missing key (Arrow makes it null, so any null sends the records the
    other way) and a float among the integers (Arrow truncates 2.5 to 2). Records with as many
    keys, all of the schema's among them, differ at most in their other keys, which the caller
    checks as it reads them. The leniencies left concern values no JSON decoder gives: bytes are
    read as UTF-8 text, and numpy booleans and str subclasses as what they hold, where the careful
    path would call them wrong.
    """
    first = records[0]
    if not first.keys() >= _KNOWN or set(map(len, records)) != {len(first)}:
        return None
    try:
        struct = pa.array(records, type=_RECORD)
    except (pa.ArrowException, TypeError, ValueError, OverflowError, UnicodeError):
        return None
    if not isinstance(struct, pa.StructArray) or struct.null_count:
        return None  # a ChunkedArray: over 2 GiB of text in a column, for the careful path
    columns = {name: struct.field(name) for name in _RECORD.names}
    if any(column.null_count for column in columns.values()):
        return None
    if any(set(map(type, map(getter, records))) != {int} for getter in _INTEGER_FIELDS):
        return None
    return columns


class _Column(Sequence[Any]):
    """One key of the records as a read-only sequence, read only where asked (the careful path)."""

    def __init__(self, records: list[dict[str, Any]], key: str) -> None:
        self.records, self.key = records, key

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, position: Any) -> Any:
        return self.records[position][self.key]


class _ArrowValues(Sequence[Any]):
    """An Arrow array as a read-only sequence of Python values, converted only where asked."""

    def __init__(self, array: pa.Array) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, position: Any) -> Any:
        return self.array[position].as_py()


def _arrow_listing(body: bytes) -> dict[str, pa.Array] | None:
    """The schema's fields of a listing's JSON, parsed by Arrow without Python objects; None if unsure.

    Decoding 100,000 records into dicts, converting them to Arrow and freeing them costs more than
    the decoding itself (benchmarks/run.py). A compact JSON array of flat objects becomes
    newline-delimited JSON by splitting at ``},{``; a split inside a string or a nested value
    leaves a line that is not valid JSON, so Arrow fails and the caller takes the careful path.
    Arrow must vouch for everything ``_arrow_columns`` vouches for: the explicit schema refuses
    other fields and values of another type (2.5, "three" or true among the counts), a null or a
    missing field shows as a null, which is refused here. Text with ``\\uD...`` escapes (which
    may be lone surrogates, which Arrow would replace rather than refuse) goes the careful way.
    """
    text = body.strip()
    if not (text.startswith(b"[{") and text.endswith(b"}]")) or b"\\ud" in text or b"\\uD" in text:
        return None
    import io

    import pyarrow.json as pa_json

    lines = text[1:-1].replace(b"},{", b"}\n{")
    try:
        table = pa_json.read_json(
            io.BytesIO(lines),
            parse_options=pa_json.ParseOptions(explicit_schema=pa.schema(_RECORD), unexpected_field_behavior="error"),
        )
        columns = {name: table.column(name).combine_chunks() for name in _RECORD.names}
    except (pa.ArrowException, ValueError, OverflowError):
        return None
    if any(column.null_count for column in columns.values()):
        return None
    return columns


def images_frame_from_json(body: bytes, *, source: str | None = None) -> pd.DataFrame | None:
    """The typed frame straight from the JSON of ``GET /api/v1/images/``, or None.

    None when Arrow cannot vouch for every record (see ``_arrow_listing``): decode the body and
    call :func:`images_frame`, whose careful path reads and reports what this one refuses. The two
    give equal frames wherever this one answers.
    """
    arrow = _arrow_listing(body)
    if arrow is None:
        return None
    problems = _Problems(len(arrow["uuid"]))
    frame = _frame(None, problems, arrow=arrow)
    problems.warn()
    frame.attrs["source"] = source
    return frame


def _columns(records: list[dict[str, Any]]) -> tuple[dict[str, list[Any]], dict[str, int]]:
    """Every key's values in record order (None where a record lacks the key), and how many lack each.

    The records of one answer nearly always have the same keys: then the first record's keys are
    all there is to read (``get``, not ``[]``, so a defaultdict is read, never written). Otherwise
    every record's keys are gathered and the absent ones counted.
    """
    first = records[0]
    if set(map(len, records)) == {len(first)}:
        columns = _present(records, list(first))
        if columns is not None:
            return columns, {}
    keys: dict[str, None] = {}
    for record in records:
        for key in record:
            keys.setdefault(key, None)
    columns: dict[str, list[Any]] = {}
    absent: dict[str, int] = {}
    for key in keys:
        values = [record.get(key, _MISSING) for record in records]
        missing = values.count(_MISSING)
        if missing:
            absent[key] = missing
            values = [None if value is _MISSING else value for value in values]
        columns[key] = values
    return columns, absent


def _present(records: list[dict[str, Any]], keys: list[str]) -> dict[str, list[Any]] | None:
    """Each key's values, or None if some record lacks one of the keys."""
    columns = {key: [record.get(key, _MISSING) for record in records] for key in keys}
    if any(_MISSING in values for values in columns.values()):
        return None
    return columns


def _first_bad(values: list[Any], ok: Iterable[bool]) -> tuple[int, Any]:
    count, first = 0, None
    for value, good in zip(values, ok):
        if not good:
            if count == 0:
                first = value
            count += 1
    return count, first


def _inferred(values: list[Any], expected: pa.DataType) -> pa.Array | None:
    """The values as an Arrow array if Arrow infers exactly ``expected`` from them (or only nulls), else None.

    This is the fast path's type check, done in one pass in C++. Arrow's inference is strict where
    it matters here: a float among integers gives double, bytes among strings give binary, and a
    str among integers, an int among booleans or a bool among integers is an error; each of them
    sends the column down the careful path, which says which values are wrong.
    """
    try:
        array = pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    if isinstance(array, pa.ChunkedArray):  # over 2 GiB of text: let the careful path build it
        return None
    if array.type == expected:
        return array
    if array.type == pa.null():
        return pa.nulls(len(array), type=expected)
    return None


def _strings(values: list[Any], column: str, problems: _Problems) -> pa.Array:
    """A large_string Arrow array (pandas' string storage); values that are not str become null (counted)."""
    array = _inferred(values, pa.string())
    if array is not None:
        return array.cast(pa.large_string())
    ok = [value is None or _is_text(value) for value in values]
    count, first = _first_bad(values, ok)
    problems.bad(column, count, first, "strings")
    return pa.array([value if good else None for value, good in zip(values, ok)], type=pa.large_string())


def _is_text(value: Any) -> bool:
    """A str that Arrow can hold: not one with a lone surrogate, which ``json.loads`` lets through."""
    if type(value) is not str:
        return False
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _masked(array: pa.Array, cls: type, fill: Any) -> Any:
    """An Arrow bool/int64 array as pandas' masked BooleanArray/IntegerArray (writable buffers)."""
    if array.null_count:
        mask = array.is_null().to_numpy(zero_copy_only=False, writable=True)
        array = array.fill_null(fill)
    else:
        mask = np.zeros(len(array), dtype=bool)
    return cls(array.to_numpy(zero_copy_only=False, writable=True), mask)


def _booleans(values: list[Any], column: str, problems: _Problems) -> pa.Array:
    array = _inferred(values, pa.bool_())
    if array is not None:
        return array
    ok = [value is None or type(value) is bool for value in values]
    count, first = _first_bad(values, ok)
    problems.bad(column, count, first, "true/false")
    return pa.array([value if good else None for value, good in zip(values, ok)], type=pa.bool_())


def _integer_or_none(value: Any) -> tuple[bool, Any]:
    if value is None:
        return True, None
    if type(value) is int:
        fits = _INT64_MIN <= value <= _INT64_MAX
        return fits, value if fits else None
    if type(value) is float and value.is_integer() and _INT64_MIN <= value <= _INT64_MAX:
        return True, int(value)
    return False, None


def _integers(values: list[Any], column: str, problems: _Problems) -> pa.Array:
    # Inference keeps true/false out (bool is an int subclass) and 2**64 (overflow).
    array = _inferred(values, pa.int64())
    if array is not None:
        return array
    checked = [_integer_or_none(value) for value in values]
    count, first = _first_bad(values, (good for good, _ in checked))
    problems.bad(column, count, first, "whole numbers")
    return pa.array([value for _, value in checked], type=pa.int64())


def _day_first_ns(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Read values written exactly as ``dd-mm-YYYY HH:MM:SS``: (nanoseconds since 1970, which were read).

    Vectorised over the Arrow buffers, with no Python object per value, and strict: a value is read
    only if it is 19 ASCII characters with every digit and separator where the format puts them,
    and names a second that exists (31-02-2018 is not read, where pyarrow's ``strptime`` would roll
    it over to 3 March). Whatever is not read is left to the careful path.
    """
    count = len(strings)
    ns = np.full(count, _NAT, dtype=np.int64)
    read = np.zeros(count, dtype=bool)
    _, offsets_buffer, data_buffer = strings.buffers()
    if count == 0 or data_buffer is None:
        return ns, read
    offset_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    offsets = np.frombuffer(
        offsets_buffer, dtype=offset_type, count=count + 1, offset=strings.offset * np.dtype(offset_type).itemsize
    )
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    candidates = np.diff(offsets) == _DATE_WIDTH
    if strings.null_count:
        candidates &= strings.is_valid().to_numpy(zero_copy_only=False)
    if candidates.all():  # the usual case: one contiguous block of fixed-width values
        chars = data[offsets[0] : offsets[0] + count * _DATE_WIDTH].reshape(count, _DATE_WIDTH)
        if (chars == chars[0]).all():  # one value for every record (current_server_time): read it once
            ns[:], read[:] = _day_first_block(chars[:1])
            return ns, read
        for start in range(0, count, _BLOCK):
            ns[start : start + _BLOCK], read[start : start + _BLOCK] = _day_first_block(chars[start : start + _BLOCK])
        return ns, read
    rows = np.flatnonzero(candidates)
    for start in range(0, len(rows), _BLOCK):
        block = rows[start : start + _BLOCK]
        ns[block], read[block] = _day_first_block(data[offsets[block, None] + np.arange(_DATE_WIDTH)])
    return ns, read


# Rows per pass of _day_first_block: its temporaries stay small, in cache and reused by malloc
# (a 100,000-row temporary is a fresh mmap whose pages fault in on first touch, every time).
_BLOCK = 16384


def _day_first_block(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_day_first_ns on an (n, 19) array of bytes: (nanoseconds, which are well-formed dates)."""
    digits = chars[:, _DATE_DIGITS] - np.uint8(ord("0"))  # uint8: a byte below "0" wraps past 9
    good = digits.max(axis=1) <= 9
    good &= (chars[:, _DATE_SEPARATOR_POSITIONS] == _DATE_SEPARATORS).all(axis=1)
    d = digits.T.astype(np.int32)  # one contiguous row per digit position; int32 holds every field
    day, month = d[0] * 10 + d[1], d[2] * 10 + d[3]
    year = d[4] * 1000 + d[5] * 100 + d[6] * 10 + d[7]
    hour, minute, second = d[8] * 10 + d[9], d[10] * 10 + d[11], d[12] * 10 + d[13]
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
    return np.where(good, seconds * 1_000_000_000, _NAT), good


def _to_ns(parsed: pd.Series) -> pd.Series:
    """As datetime64[ns, UTC]; a date beyond its range (before 1677 or after 2262) becomes NaT."""
    try:
        return parsed.astype(DATETIME)
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        inside = (parsed >= pd.Timestamp.min.tz_localize("UTC")) & (parsed <= pd.Timestamp.max.tz_localize("UTC"))
        return parsed.where(inside).astype(DATETIME)


def _dates_careful(values: pd.Series) -> pd.Series:
    """Each value on its own: day-first first, then ISO 8601; NaT where neither reads."""
    parsed = _to_ns(pd.to_datetime(values, format=DATE_FORMAT, errors="coerce", utc=True))
    retry = parsed.isna() & values.notna()
    if retry.any():
        retry &= values.str.fullmatch(_ISO_8601).fillna(False).astype(bool)
    if retry.any():
        iso = _to_ns(pd.to_datetime(values[retry], format="ISO8601", errors="coerce", utc=True))
        parsed = parsed.copy()
        parsed[retry] = iso
    return parsed


def parse_dates(values: Any, column: str = "date") -> pd.Series:
    """Parse API dates (``%d-%m-%Y %H:%M:%S``, day first, UTC; or ISO 8601) into datetime64[ns, UTC].

    Values that are neither become NaT, with one warning that says how many failed and the first.

    Example:
        >>> parse_dates(["05-10-2018 16:45:36"])[0]
        Timestamp('2018-10-05 16:45:36+0000', tz='UTC')
    """
    values = list(values)
    problems = _Problems(len(values))
    result = _datetime_array(_date_ns(values, column, problems))
    problems.warn()
    return pd.Series(result, dtype=DATETIME, name=column)


def _date_ns(values: Sequence[Any], column: str, problems: _Problems, strings: pa.Array | None = None) -> np.ndarray:
    """Dates as int64 nanoseconds since 1970 (NaT where unread): the fast path, then the careful one.

    ``strings``: the values already as an Arrow string array, when the caller has it; ``values``
    is then read only at the positions the fast path leaves.
    """
    count = len(values)
    if count == 0:
        return np.empty(0, dtype=np.int64)
    if strings is None:
        strings = _inferred(values, pa.string())
    if strings is None:  # not all str: the fast path looks at the ASCII ones, the careful one at the rest
        strings = pa.array(
            [value if type(value) is str and value.isascii() else None for value in values], type=pa.string()
        )
    ns, read = _day_first_ns(strings)
    if not read.all():
        rest = np.flatnonzero(~read)
        others = [values[position] for position in rest.tolist()]
        as_text = pd.Series([value if type(value) is str else None for value in others], dtype=object)
        parsed = _dates_careful(as_text)
        ns[rest] = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)
        bad = parsed.isna().to_numpy() & pd.Series(others, dtype=object).notna().to_numpy()
        bad_count = int(bad.sum())
        if bad_count:
            problems.bad(
                column, bad_count, others[int(bad.argmax())], f"dates in {DATE_FORMAT} (day first) or ISO 8601"
            )
    return ns


def _datetime_array(ns: np.ndarray) -> Any:
    return pd.array(ns.view("datetime64[ns]"), dtype=DATETIME)


def _elapsed(later: np.ndarray, earlier: np.ndarray) -> Any:
    """``later - earlier`` as timedelta64[ns]; NaT where either is NaT or the gap exceeds what
    timedelta64[ns] holds (about 292 years: both dates are then still in the frame, valid)."""
    gap = later - earlier  # int64 arithmetic wraps silently on overflow; detected below
    overflow = ((later ^ earlier) & (later ^ gap)) < 0
    known = (later != _NAT) & (earlier != _NAT) & ~overflow & (gap != _NAT)
    return pd.array(np.where(known, gap, _NAT).view("timedelta64[ns]"))


def _categorical(strings: pa.Array) -> pd.Categorical:
    """A Categorical with sorted string categories, from one dictionary encoding in Arrow."""
    encoded = strings.dictionary_encode()
    dictionary = encoded.dictionary
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    if len(dictionary):
        # Sorted categories, as pd.Categorical(values) gives: renumber the codes to match.
        order = pc.array_sort_indices(dictionary).to_numpy()
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        codes = np.where(codes >= 0, rank[codes], -1)
        dictionary = dictionary.take(order)
    categories = pd.Index(pd.arrays.ArrowStringArray(dictionary.cast(pa.large_string())))
    return pd.Categorical.from_codes(codes, categories=categories, validate=False)  # codes made above


def _repository(registry_path: pa.Array) -> pa.Array:
    # Drop a trailing ":tag", but not a registry's ":port" (a colon followed by a slash later).
    pattern, replacement = r":[^/:]*$", ""
    encoded = registry_path.dictionary_encode()
    if len(encoded.dictionary) * 4 > len(registry_path):
        return pc.replace_substring_regex(registry_path, pattern=pattern, replacement=replacement)
    # Few distinct paths (many images of few repositories): strip each once, then spread.
    stripped = pc.replace_substring_regex(encoded.dictionary, pattern=pattern, replacement=replacement)
    return stripped.take(encoded.indices)


def _empty_dtype(dtype: Any) -> Any:
    # Categories of the schema's string type, as a non-empty frame has (not object).
    return pd.CategoricalDtype(pd.Index([], dtype=STRING)) if dtype == "category" else dtype


def empty_frame() -> pd.DataFrame:
    """An empty images frame with exactly the schema."""
    frame = pd.DataFrame({column: pd.Series([], dtype=_empty_dtype(DTYPES[column])) for column in COLUMNS})
    frame.index = pd.Index([], dtype=STRING, name="uuid")
    return frame


def images_frame(records: Any, *, source: str | None = None) -> pd.DataFrame:
    """Turn API image records into a typed DataFrame indexed by uuid.

    Columns, dtypes and order are those of ``COLUMNS`` and ``DTYPES``; fields the API adds later
    follow, as served. Nothing is dropped: a value that cannot be read becomes missing, with one
    ``SharedcloudWarning`` per column that says how many and shows the first.

    Args:
        records: the list of dicts that ``GET /api/v1/images/`` answers (a DRF page is accepted).
        source: where the records came from ("demo" or the url), kept in ``frame.attrs["source"]``.

    Returns:
        The typed DataFrame.

    Raises:
        ResponseError: the payload is not a list of objects (says what it is).

    Example:
        >>> df = images_frame([{"uuid": "24b310f8-1405-4928-914f-d5c91272f88a",
        ...                     "created_at": "05-10-2018 16:45:36"}])  # doctest: +SKIP
        >>> df["created_at"].iloc[0].month  # doctest: +SKIP
        10
    """
    with _gc_paused():
        records = _check_records(records)
        if not records:
            frame = empty_frame()
            frame.attrs["source"] = source
            return frame
        problems = _Problems(len(records))
        frame = _frame(records, problems)
    problems.warn()
    frame.attrs["source"] = source
    return frame


def _frame(
    records: list[dict[str, Any]] | None, problems: _Problems, arrow: dict[str, pa.Array] | None = None
) -> pd.DataFrame:
    """Column by column: each kind has a fast path for the well-formed case and a careful one.

    ``arrow``: the schema's fields of a listing that Arrow read straight from its JSON (see
    ``_arrow_listing``, which vouches for them as ``_arrow_columns`` does); ``records`` is then None.
    """
    columns: dict[str, list[Any]] = {}
    absent: dict[str, int] = {}
    if records is None:
        assert arrow is not None
        total = len(arrow["uuid"])
    else:
        total = len(records)
        arrow = _arrow_columns(records)
    if arrow is not None and records is not None:
        # The fields the schema does not know, as served; None when the records' other keys differ.
        present = _present(records, [key for key in records[0] if key not in _KNOWN])
        if present is None:
            arrow = None
        else:
            columns = present
    if arrow is None:
        columns, absent = _columns(records)

    def values_of(key: str) -> list[Any]:
        if key not in columns:
            problems.absent(key, total)
            return [None] * total
        problems.absent(key, absent.get(key, 0))
        return columns[key]

    data: dict[str, Any] = {}
    ns: dict[str, np.ndarray] = {}
    for key, kind in FIELDS.items():
        array = None if arrow is None else arrow[key]
        if kind == "date":
            if array is None:
                values: Sequence[Any] = values_of(key)
            else:
                values = _ArrowValues(array) if records is None else _Column(records, key)
            ns[key] = _date_ns(values, key, problems, strings=array)
            data[key] = _datetime_array(ns[key])
        elif kind == "boolean":
            array = _booleans(values_of(key), key, problems) if array is None else array
            data[key] = _masked(array, pd.arrays.BooleanArray, False)
        elif kind == "integer":
            array = _integers(values_of(key), key, problems) if array is None else array
            data[key] = _masked(array, pd.arrays.IntegerArray, 0)
        else:
            strings = _strings(values_of(key), key, problems) if array is None else array.cast(pa.large_string())
            if key == "registry_path":
                data["repository"] = _categorical(_repository(strings))
            data[key] = _categorical(strings) if kind == "category" else pd.arrays.ArrowStringArray(strings)
    data["age"] = _elapsed(ns["current_server_time"], ns["created_at"])
    data["since_update"] = _elapsed(ns["current_server_time"], ns["updated_at"])
    if arrow is None:
        uuid_strings = _strings(values_of("uuid"), "uuid", problems)
    else:
        uuid_strings = arrow["uuid"].cast(pa.large_string())
    index = pd.Index(pd.arrays.ArrowStringArray(uuid_strings), name="uuid")
    frame = pd.DataFrame({column: data[column] for column in COLUMNS}, index=index, copy=False)

    for key, values in columns.items():
        if key in _KNOWN:
            continue
        if key in DTYPES:  # a served "age", "since_update" or "repository" would replace the schema's
            problems.messages.append(f"{key}: the served field is ignored; the frame computes its own")
            continue
        frame[key] = _served(values, index)

    # Arrow counts the distinct uuids cheaply; pandas finds which ones repeat only when one does
    # (it builds a hash table of the index that would otherwise stay in memory).
    if uuid_strings.null_count or len(pc.unique(uuid_strings)) != total:
        duplicated = index.duplicated(keep=False)
        if duplicated.any():
            problems.messages.append(
                f"uuid: {int(index.duplicated().sum())} records repeat a uuid already listed "
                f"(e.g. {index[duplicated][0]!r}); all rows are kept"
            )
    return frame


def _served(values: list[Any], index: pd.Index) -> pd.Series:
    """A field the schema does not know, as pandas infers it (object when Arrow cannot hold its text)."""
    try:
        return pd.Series(values, index=index)
    except (UnicodeEncodeError, pa.ArrowException, TypeError, ValueError):
        return pd.Series(values, index=index, dtype=object)


def image_series(record: Any, *, source: str | None = None) -> pd.Series:
    """One record as a typed Series named by its uuid (the same typing as a row of the frame).

    Raises:
        ResponseError: the record is not a JSON object.
    """
    if not isinstance(record, dict):
        raise ResponseError(f"Expected an image object, got {type(record).__name__}: {excerpt(repr(record))!r}.")
    frame = images_frame([record], source=source)
    series = frame.iloc[0]
    series.name = frame.index[0]
    series.attrs["source"] = source
    return series


# -- Files: CSV and Parquet that read back with the schema --------------------------------------------
# Appended as one block (issue 4); images_frame() and the functions above are not involved.

#: How a missing value is written in CSV, so that it reads back as missing and not as "".
CSV_NA = "<NA>"

_BOOLEANS = {"True": True, "False": False, "true": True, "false": False}


def write_images_csv(frame: pd.DataFrame, path: Any) -> None:
    """Write an images frame to CSV so that :func:`read_images_csv` gives back the same frame.

    Plain ``frame.to_csv(path)`` writes a missing description and an empty one alike, as an empty
    field; this writes missing values as ``<NA>`` (:data:`CSV_NA`) instead. Dates are written in
    ISO 8601 with their UTC offset, durations as pandas writes them (``32 days 05:25:31``).
    ``frame.attrs`` (where the data came from) is not kept: CSV has no place for it.

    Args:
        frame: an images frame (its uuid index is written as the first column).
        path: a file path or a writable text buffer.

    Example:
        >>> write_images_csv(df, "images.csv")  # doctest: +SKIP
    """
    frame.to_csv(path, na_rep=CSV_NA)


def read_images_csv(path: Any) -> pd.DataFrame:
    """Read a CSV written by :func:`write_images_csv` (or ``frame.to_csv``) back into a typed frame.

    Every column of ``COLUMNS`` present in the file gets its dtype from ``DTYPES`` (dates in UTC,
    categories, nullable booleans and integers, durations); the index is ``uuid``; other columns
    stay strings. ``<NA>`` is missing everywhere; an empty field is missing except in a text column,
    where it is the empty string (so a file from plain ``to_csv`` reads its missing descriptions
    as "").

    Args:
        path: a file path or a readable text buffer.

    Returns:
        The typed DataFrame.

    Raises:
        ValueError: the file has no ``uuid`` column, or a value that does not fit its column
            (which names the column).

    Example:
        >>> back = read_images_csv("images.csv")  # doctest: +SKIP
        >>> back.dtypes.equals(df.dtypes)  # doctest: +SKIP
        True
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[CSV_NA])
    if "uuid" not in raw.columns:
        raise ValueError(f"Not an images CSV: no uuid column (the columns are {list(raw.columns)[:8]}).")
    data: dict[str, Any] = {}
    for column in raw.columns:
        if column == "uuid":
            continue
        values = raw[column]
        dtype = DTYPES.get(column)
        if dtype is None or dtype is STRING:
            data[column] = values.astype(STRING)
            continue
        values = values.mask(values == "")  # an empty field in a non-text column is missing
        try:
            if dtype == "category":
                data[column] = pd.Series(pd.Categorical(pd.array(values, dtype=STRING)))
            elif dtype == "boolean":
                unknown = values.notna() & ~values.isin(list(_BOOLEANS))
                if unknown.any():
                    raise ValueError(f"not true/false: {values[unknown].iloc[0]!r}")
                data[column] = values.map(_BOOLEANS).astype("boolean")
            elif dtype == "Int64":
                data[column] = pd.to_numeric(values).astype("Int64")
            elif dtype is DATETIME:
                data[column] = pd.to_datetime(values, format="ISO8601", utc=True).astype(DATETIME)
            else:
                data[column] = pd.to_timedelta(values).astype(TIMEDELTA)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"Column {column!r} of the CSV does not read as {dtype}: {exc}") from exc
    index = pd.Index(raw["uuid"].astype(STRING), name="uuid")
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(raw)))
    frame.index = index
    return frame


def read_images_parquet(path: Any) -> pd.DataFrame:
    """Read an images frame saved with ``frame.to_parquet(path)``, with the schema's dtypes.

    Parquet keeps the values, ``frame.attrs`` and most dtypes; pandas reads strings back as its
    default string type (the uuid index, the categories), so those are set back to the schema's.

    Example:
        >>> df.to_parquet("images.parquet")  # doctest: +SKIP
        >>> read_images_parquet("images.parquet").dtypes.equals(df.dtypes)  # doctest: +SKIP
        True
    """
    frame = pd.read_parquet(path)
    if frame.index.name == "uuid":
        frame.index = pd.Index(frame.index.astype(STRING), name="uuid")
    for column, dtype in DTYPES.items():
        if column not in frame.columns:
            continue
        if dtype == "category":
            if str(frame[column].dtype) != "category" or frame[column].cat.categories.dtype != STRING:
                frame[column] = pd.Categorical(pd.array(frame[column].astype(object), dtype=STRING))
        elif frame[column].dtype != dtype:
            frame[column] = frame[column].astype(dtype)
    return frame
