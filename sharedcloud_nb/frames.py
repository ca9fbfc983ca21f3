"""API image records -> a typed pandas DataFrame: :func:`images_frame` and its siblings.

There are two ways in, and one way out. The records (what ``GET /api/v1/images/`` answers,
decoded) and the raw JSON of a listing are each read into a :class:`_Columns`: the schema's fields
as typed Arrow arrays (the dates as nanoseconds), the fields the schema does not know as served,
and what could not be read. :func:`_build` alone turns that into the frame, so both ways give the
same frame for the same records. The schema itself (columns, kinds, dtypes, the date format) is
:mod:`sharedcloud_nb.schema`'s; ``FIELDS``, ``COLUMNS``, ``DTYPES`` and ``DATE_FORMAT`` here are
its names under which users first found them.

Records are read one of two ways:

- **vouched**: well-formed records are read by Arrow in one C++ pass (``pa.array(records,
  type=_RECORD)``), and a well-formed listing straight from its JSON (``pyarrow.json``, with no
  Python object per value). Each reader refuses what Arrow alone would let through, then
  :func:`_vouched`, the one check both go through, refuses any null or missing field and types
  the columns;
- **careful**: every other list of records is taken out once per key, each column is type-checked
  by Arrow's own inference, and only a column where that fails is read value by value. Every row
  is kept; what cannot be read becomes missing, with one warning per column that counts the
  values and shows the first.

Dates are day first and never inferred (:mod:`sharedcloud_nb.dates`). Categories come from
Arrow's dictionary encoding, and the cyclic garbage collector waits while records are converted
(:func:`gc_paused`). ``benchmarks/run.py`` measures all of this. CSV and Parquet files live in
:mod:`sharedcloud_nb.files` (re-exported here).
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema
from ._arrow import booleans, integers, strings
from ._gc import gc_paused, release_free_memory
from ._listing_json import ListingStream, read_listing
from ._pandas_arrays import TO_PANDAS, elapsed, repository
from ._uuidhex import surely_distinct
from ._warn import Problems
from .dates import date_ns, datetime_array, parse_dates
from .errors import InputError, InputTypeError, ResponseError, excerpt
from .files import CSV_NA, read_images_csv, read_images_parquet, write_images_csv

__all__ = [
    "COLUMNS",
    "CSV_NA",
    "DATE_FORMAT",
    "DTYPES",
    "FIELDS",
    "empty_frame",
    "gc_paused",
    "image_series",
    "images_frame",
    "images_frame_from_json",
    "parse_dates",
    "read_images_csv",
    "read_images_parquet",
    "write_images_csv",
]

#: The API's date format: day first, server time (UTC).
DATE_FORMAT = schema.DATE_FORMAT

#: The fields of an image record as served (but ``uuid``), and the kind of value each holds.
FIELDS: dict[str, str] = schema.KINDS

#: The frame's columns, in order (the index is ``uuid``).
COLUMNS: list[str] = schema.COLUMNS

#: The dtype of each column.
DTYPES: dict[str, Any] = schema.dtypes()

_DTYPE_OF_KIND = {column.kind: DTYPES[column.name] for column in schema.TABLE if column.name in DTYPES}
STRING = _DTYPE_OF_KIND["string"]
DATETIME = _DTYPE_OF_KIND["date"]
TIMEDELTA = _DTYPE_OF_KIND["timedelta"]

_KNOWN = frozenset(schema.SERVED_ORDER)
_MISSING = object()  # a key absent from a record (as opposed to a null value)

# Dates are text to Arrow: dates.py reads them (day first, which Arrow cannot be told).
_ARROW_TYPE = {
    "string": pa.string(),
    "category": pa.string(),
    "boolean": pa.bool_(),
    "integer": pa.int64(),
    "date": pa.string(),
}
#: A well-formed record as Arrow reads it on the vouched way: the served fields, dates as text.
_RECORD = pa.struct([(column.name, _ARROW_TYPE[column.kind]) for column in schema.TABLE if column.served is not None])
# What the JSON reader is told: text as large_string, pandas' string storage, so none is cast after.
_RECORD_SCHEMA = pa.schema(
    [
        (field.name, pa.large_string() if field.type == pa.string() else field.type)
        for field in (_RECORD.field(i) for i in range(_RECORD.num_fields))
    ]
)
#: Its field names (``StructType.names`` is pyarrow 18's; the declared floor is older).
_RECORD_NAMES: list[str] = _RECORD_SCHEMA.names
# Arrow reads 2.5 as 2 into an int64 column: the integer fields' types are checked in Python
# (with ``get``, so that a defaultdict lacking the key is read, never written).
_INTEGER_FIELDS = [operator.methodcaller("get", key) for key, kind in FIELDS.items() if kind == "integer"]


@dataclasses.dataclass
class _Columns:
    """Records read into typed columns: what both ways in produce, and all :func:`_build` needs.

    Attributes:
        uuid: the uuids, Arrow ``large_string`` (null where missing or unreadable).
        fields: each field of ``FIELDS`` but the dates as an Arrow array of its kind:
            ``large_string`` for text and categories, ``bool_`` for flags, ``int64`` for counts
            (null where missing or unreadable).
        dates: each date field as int64 nanoseconds since 1970 (``NAT`` where missing or unreadable).
        extras: the served fields the schema does not know, as served, in the records' key order.
        problems: what could not be read, to warn about once the frame is built.
    """

    uuid: pa.Array | pa.ChunkedArray
    fields: dict[str, pa.Array | pa.ChunkedArray]
    dates: dict[str, np.ndarray]
    extras: dict[str, list[Any]]
    problems: Problems

    @property
    def total(self) -> int:
        """How many records."""
        return len(self.uuid)


# -- The one check of the vouched way ------------------------------------------------------------


def _vouched(
    arrays: dict[str, pa.Array | pa.ChunkedArray],
    served: Callable[[str], Sequence[Any]],
    extras: dict[str, list[Any]],
) -> _Columns | None:
    """The schema's fields that Arrow read for every record, typed; None unless every value is there.

    Both vouched readers end here, so they accept the same records: each has made Arrow refuse a
    value of another type (or, where Arrow would convert it silently, refused it itself), and here
    a null, or a field some record lacks (which Arrow reads as null), sends the records the careful
    way. Dates are text to Arrow: they are read here, where a value that is no date is still
    only a warning.

    Args:
        arrays: ``_RECORD``'s fields, one Arrow array (or chunked array) each.
        served: a field's values as served, read only where a date is not day-first.
        extras: the served fields the schema does not know, as served.
    """
    if any(array.null_count for array in arrays.values()):
        return None
    problems = Problems(len(arrays["uuid"]))
    fields: dict[str, pa.Array] = {}
    dates: dict[str, np.ndarray] = {}
    for key, kind in FIELDS.items():
        if kind == "date":
            dates[key] = date_ns(served(key), key, problems, strings=arrays[key])
        elif pa.types.is_string(arrays[key].type):
            fields[key] = arrays[key].cast(pa.large_string())
        else:
            fields[key] = arrays[key]
    return _Columns(arrays["uuid"].cast(pa.large_string()), fields, dates, extras, problems)


# -- Records: vouched, else careful --------------------------------------------------------------


def _check_records(records: Any) -> list[dict[str, Any]]:
    """The records as a list of dicts (a DRF page gives its results); ResponseError otherwise."""
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


def _read_records(records: list[dict[str, Any]]) -> _Columns:
    """Non-empty records as typed columns: the vouched way if Arrow vouches for them, else the careful way."""
    return _vouched_records(records) or _careful(records)


class _Column(Sequence[Any]):
    """One key of the records as a read-only sequence, read only where asked."""

    def __init__(self, records: list[dict[str, Any]], key: str) -> None:
        self.records, self.key = records, key

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, position: Any) -> Any:
        return self.records[position][self.key]


def _vouched_records(records: list[dict[str, Any]]) -> _Columns | None:
    """Records read by Arrow in one C++ pass, or None: see :func:`_vouched`.

    ``pa.array(records, type=_RECORD)`` refuses a str where a bool belongs or a lone surrogate; it
    lets through a float among the integers (it truncates 2.5 to 2), refused here. Records must
    also all have as many keys as the first, all of the schema's among them, so that they differ at
    most in the keys the schema does not know, whose presence :func:`_present` checks as it reads
    them. The leniencies left concern values no JSON decoder gives: bytes are read as UTF-8 text,
    and numpy booleans and str subclasses as what they hold, where the careful way would call them
    wrong.
    """
    first = records[0]
    if not first.keys() >= _KNOWN or set(map(len, records)) != {len(first)}:
        return None
    try:
        struct = pa.array(records, type=_RECORD)
    except (pa.ArrowException, TypeError, ValueError, OverflowError, UnicodeError):
        return None
    if not isinstance(struct, pa.StructArray) or struct.null_count:
        return None  # a ChunkedArray: over 2 GiB of text in a column, for the careful way
    if any(set(map(type, map(getter, records))) != {int} for getter in _INTEGER_FIELDS):
        return None
    extras = _present(records, [key for key in first if key not in _KNOWN])
    if extras is None:
        return None
    arrays = {name: struct.field(name) for name in _RECORD_NAMES}
    return _vouched(arrays, lambda key: _Column(records, key), extras)


def _present(records: list[dict[str, Any]], keys: list[str]) -> dict[str, list[Any]] | None:
    """Each key's values, or None if some record lacks one of the keys."""
    columns = {key: [record.get(key, _MISSING) for record in records] for key in keys}
    if any(_MISSING in values for values in columns.values()):
        return None
    return columns


def _served_columns(records: list[dict[str, Any]]) -> tuple[dict[str, list[Any]], dict[str, int]]:
    """Every key's values in record order (None where a record lacks the key), and how many lack each.

    The records of one answer nearly always have the same keys: then the first record's keys are
    all there is to read (``get``, not ``[]``, so a defaultdict is read, never written). Otherwise
    every record's keys are gathered and the absent ones counted.
    """
    first = records[0]
    if set(map(len, records)) == {len(first)}:
        present = _present(records, list(first))
        if present is not None:
            return present, {}
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


def _careful(records: list[dict[str, Any]]) -> _Columns:
    """Records read column by column, each type-checked by Arrow and read value by value only where that fails."""
    total = len(records)
    problems = Problems(total)
    columns, absent = _served_columns(records)

    def values_of(key: str) -> list[Any]:
        if key not in columns:
            problems.absent(key, total)
            return [None] * total
        problems.absent(key, absent.get(key, 0))
        return columns[key]

    fields: dict[str, pa.Array] = {}
    dates: dict[str, np.ndarray] = {}
    for key, kind in FIELDS.items():
        if kind == "date":
            dates[key] = date_ns(values_of(key), key, problems)
        else:
            fields[key] = _CAREFUL_READERS[kind](values_of(key), key, problems)
    uuid = strings(values_of("uuid"), "uuid", problems)
    extras = {key: values for key, values in columns.items() if key not in _KNOWN}
    return _Columns(uuid, fields, dates, extras, problems)


#: How the careful way reads each kind of field but dates.
_CAREFUL_READERS: dict[str, Callable[[list[Any], str, Problems], pa.Array]] = {
    "string": strings,
    "category": strings,
    "boolean": booleans,
    "integer": integers,
}


# -- A listing's JSON: vouched, else None --------------------------------------------------------


class _ArrowValues(Sequence[Any]):
    """An Arrow array as a read-only sequence of Python values, converted only where asked."""

    def __init__(self, array: pa.Array) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, position: Any) -> Any:
        return self.array[position].as_py()


def _vouched_table(tables: list[pa.Table | None]) -> _Columns | None:
    """A listing's records as Arrow read them from its JSON, or None if unsure: see :func:`_vouched`.

    Decoding 100,000 records into dicts, converting them to Arrow and freeing them costs more than
    the decoding itself (benchmarks/run.py). :mod:`~sharedcloud_nb._listing_json` reads a compact
    array of flat objects in strict JSON and valid UTF-8 and answers None for anything else; its
    explicit schema refuses other fields and values of another type (2.5, "three" or true among
    the counts).
    """
    # The text columns stay in Arrow's chunks, as pandas keeps them (joining them would copy a
    # quarter of a GB at a million images); the dates and categories are read chunk by chunk;
    # the flags and counts are joined (they are small), one at a time.
    table = tables.pop()  # the caller's list held the only other reference
    if table is None:
        return None
    arrays = {name: table.column(name) for name in _RECORD_NAMES}
    del table
    for name in _RECORD_NAMES:
        if name not in _CHUNKED:
            arrays[name] = arrays[name].combine_chunks()
    return _vouched(arrays, lambda key: _ArrowValues(arrays[key]), {})


# Columns of a listing's table left in chunks: the dates and categories (read chunk by chunk), and
# the text that goes to the frame as it is.
_CHUNKED = frozenset(
    key for key, kind in {"uuid": "string", **FIELDS}.items() if kind in ("string", "category", "date")
)


# -- Columns -> frame ----------------------------------------------------------------------------


def _build(columns: _Columns) -> pd.DataFrame:
    """The typed frame of the columns: the schema's columns in order, then the extra fields as served.

    Adds to ``columns.problems`` what only the whole frame shows: a served field named like a
    column the frame computes, and uuids that repeat.
    """
    data: dict[str, Any] = {}
    for key, kind in FIELDS.items():
        if kind == "date":
            data[key] = datetime_array(columns.dates[key])
        else:
            data[key] = TO_PANDAS[kind](columns.fields[key])
    data["repository"] = repository(columns.fields["registry_path"])
    data["age"] = elapsed(columns.dates["current_server_time"], columns.dates["created_at"])
    data["since_update"] = elapsed(columns.dates["current_server_time"], columns.dates["updated_at"])
    index = pd.Index(pd.arrays.ArrowStringArray(columns.uuid), name="uuid")
    frame = pd.DataFrame({column: data[column] for column in COLUMNS}, index=index, copy=False)
    for key, values in columns.extras.items():
        if key in DTYPES:  # a served "age", "since_update" or "repository" would replace the schema's
            columns.problems.note(f"{key}: the served field is ignored; the frame computes its own")
        else:
            frame[key] = _served(values, index)
    _check_uuids(columns.uuid, index, columns.problems)
    return frame


def _check_uuids(uuid: pa.Array, index: pd.Index, problems: Problems) -> None:
    """Warn of uuids listed more than once (every row is kept)."""
    # Hashes of the uuids' text say cheaply that none repeats; else Arrow counts the distinct ones,
    # and pandas finds which repeat only when one does (it builds a hash table of the index that
    # would otherwise stay in memory).
    if surely_distinct(uuid):
        return
    if uuid.null_count or len(pc.unique(uuid)) != len(uuid):
        duplicated = index.duplicated(keep=False)
        if duplicated.any():
            problems.note(
                f"uuid: {int(index.duplicated().sum())} records repeat a uuid already listed "
                f"(e.g. {index[duplicated][0]!r}); all rows are kept"
            )


def _served(values: list[Any], index: pd.Index) -> pd.Series:
    """A field the schema does not know, as pandas infers it (object when Arrow cannot hold its text)."""
    try:
        return pd.Series(values, index=index)
    except (UnicodeEncodeError, pa.ArrowException, TypeError, ValueError):
        return pd.Series(values, index=index, dtype=object)


# -- The public functions ------------------------------------------------------------------------


def _empty_dtype(dtype: Any) -> Any:
    # Categories of the schema's string type, as a non-empty frame has (not object).
    return pd.CategoricalDtype(pd.Index([], dtype=STRING)) if dtype == "category" else dtype


def empty_frame() -> pd.DataFrame:
    """An empty images frame with exactly the schema.

    Example:
        >>> list(empty_frame().columns) == COLUMNS
        True
    """
    frame = pd.DataFrame({column: pd.Series([], dtype=_empty_dtype(DTYPES[column])) for column in COLUMNS})
    frame.index = pd.Index([], dtype=STRING, name="uuid")
    return frame


def _finish(frame: pd.DataFrame, problems: Problems | None, source: str | None) -> pd.DataFrame:
    """Warn of what could not be read (at the user's line) and record where the data came from."""
    if problems is not None:
        problems.warn()
    frame.attrs["source"] = source
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
        ...                     "created_at": "05-10-2018 16:45:36"}])
        >>> df["created_at"].iloc[0].month
        10
    """
    with gc_paused():
        checked = _check_records(records)
        if not checked:
            return _finish(empty_frame(), None, source)
        columns = _read_records(checked)
        frame = _build(columns)
    return _finish(frame, columns.problems, source)


def images_frame_from_json(
    body: bytes | bytearray, *, source: str | None = None, consume: bool = False
) -> pd.DataFrame | None:
    """The typed frame straight from the JSON of ``GET /api/v1/images/``, or None.

    None when Arrow cannot vouch for every record: decode the body and call :func:`images_frame`,
    whose careful way reads and reports what this one refuses. Both build the frame from the same
    checked columns, so they give equal frames (and warnings) wherever this one answers. It reads
    exactly the JSON a strict decoder reads (valid UTF-8 included), no more.

    Args:
        body: the answer's bytes.
        source: kept in ``frame.attrs["source"]``, as by :func:`images_frame`.
        consume: empty a bytearray ``body`` once it is read, before the frame is built, so that
            its memory is free for the frame; it is left whole when None is returned.

    Returns:
        The typed DataFrame, or None.

    Example:
        >>> frame = images_frame_from_json(response.content)  # doctest: +SKIP
        >>> if frame is None:  # doctest: +SKIP
        ...     frame = images_frame(response.json())
    """
    with gc_paused():
        tables = [read_listing(body, _RECORD_SCHEMA)]
        if tables[0] is None:
            return None
        if consume and isinstance(body, bytearray):
            body.clear()
        return _frame_of_tables(tables, source)


def listing_stream() -> ListingStream:
    """A stream to feed a listing's JSON into as it arrives, for :func:`images_frame_from_stream`."""
    return ListingStream(_RECORD_SCHEMA)


def images_frame_from_stream(stream: ListingStream, *, source: str | None = None) -> pd.DataFrame | None:
    """The typed frame of a listing fed whole into ``stream``, or None: then ``stream.body()`` is its
    JSON for :func:`images_frame` (decoded), as with :func:`images_frame_from_json`."""
    with gc_paused():
        tables = [stream.finish()]
        if tables[0] is None:
            return None
        return _frame_of_tables(tables, source)


def _frame_of_tables(tables: list[pa.Table | None], source: str | None) -> pd.DataFrame | None:
    """The frame of the one table in ``tables``, which is emptied, so that nothing else holds the
    table while its columns are read: the dates' text and the categories' are freed as they are."""
    large = tables[0] is not None and tables[0].nbytes > _LARGE
    if large:
        release_free_memory()  # what the parse freed, before the columns are made
    columns = _vouched_table(tables)
    if columns is None:
        return None
    if large:
        release_free_memory()  # the dates' text, before the frame is built
    frame = _build(columns)
    return _finish(frame, columns.problems, source)


# A table this large is worth handing freed memory back to the system between steps (a few ms).
_LARGE = 64 << 20


def require_columns(frame: Any, columns: Sequence[str], who: str) -> pd.DataFrame:
    """``frame`` if it is a DataFrame with ``columns``; else an error that names what is missing.

    What the plots and the explorer take: an images frame, or any frame with the columns they read.

    Raises:
        InputTypeError: (a TypeError) not a DataFrame.
        InputError: (a ValueError) a column is missing.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputTypeError(
            f"{who}() takes an images DataFrame (client.images() or sc.images_frame()), not {type(frame).__name__}."
        )
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InputError(
            f"{who}() needs the column(s) {', '.join(missing)}, which this frame lacks; "
            "pass a frame from client.images() or sc.images_frame()."
        )
    return frame


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


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
