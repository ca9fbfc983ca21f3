"""The image schema and :func:`images_frame`: API records -> a typed pandas DataFrame.

Each column is built column-wise with pyarrow: a fast path for the well-formed case (one check
of the value types, one vectorised conversion) and a careful path for the rest, which keeps every
row, turns what it cannot read into a missing value and warns once per column with a count and
the first bad value. Dates are day-first (``%d-%m-%Y %H:%M:%S``, UTC), never inferred; ISO 8601
is accepted too in case the API changes format.
"""

from __future__ import annotations

import warnings
from typing import Any, Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ResponseError, SharedcloudWarning, excerpt

__all__ = [
    "DATE_FORMAT",
    "FIELDS",
    "COLUMNS",
    "DTYPES",
    "images_frame",
    "image_series",
    "parse_dates",
    "empty_frame",
    "CSV_NA",
    "write_images_csv",
    "read_images_csv",
    "read_images_parquet",
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
    "repository": STRING,
    "created_at": DATETIME,
    "updated_at": DATETIME,
    "current_server_time": DATETIME,
    "age": TIMEDELTA,
    "since_update": TIMEDELTA,
}

_KNOWN = set(FIELDS) | {"uuid"}
_MISSING = object()  # a key absent from a record (as opposed to a null value)
_NONE = type(None)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_DAY_FIRST = r"^\d\d-\d\d-\d\d\d\d \d\d:\d\d:\d\d$"
# ISO 8601 as an API would write it: a date, optionally a time, fraction and offset. Nothing looser
# (pandas' "ISO8601" parser also takes 2018/10/05, which is no format the API promises).
_ISO_8601 = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"


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
    for position, record in enumerate(records):
        if not isinstance(record, dict):
            raise ResponseError(
                f"Expected a list of image objects, but item {position} is a {type(record).__name__}: "
                f"{excerpt(repr(record))!r}."
            )
    return records


def _extract(records: list[dict[str, Any]], key: str, problems: _Problems) -> list[Any]:
    values = [record.get(key, _MISSING) for record in records]
    absent = values.count(_MISSING)
    if absent:
        problems.absent(key, absent)
        values = [None if value is _MISSING else value for value in values]
    return values


def _first_bad(values: list[Any], ok: Iterable[bool]) -> tuple[int, Any]:
    count, first = 0, None
    for value, good in zip(values, ok):
        if not good:
            if count == 0:
                first = value
            count += 1
    return count, first


def _strings(values: list[Any], column: str, problems: _Problems) -> pa.Array:
    if set(map(type, values)) <= {str, _NONE}:
        return pa.array(values, type=pa.string())
    ok = [value is None or type(value) is str for value in values]
    count, first = _first_bad(values, ok)
    problems.bad(column, count, first, "strings")
    return pa.array([value if good else None for value, good in zip(values, ok)], type=pa.string())


def _booleans(values: list[Any], column: str, problems: _Problems) -> pa.Array:
    if set(map(type, values)) <= {bool, _NONE}:
        return pa.array(values, type=pa.bool_())
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
    if set(map(type, values)) <= {int, _NONE}:
        try:
            return pa.array(values, type=pa.int64())
        except (pa.ArrowInvalid, OverflowError):
            pass  # an integer beyond int64: the careful path counts it
    checked = [_integer_or_none(value) for value in values]
    count, first = _first_bad(values, (good for good, _ in checked))
    problems.bad(column, count, first, "whole numbers")
    return pa.array([value for _, value in checked], type=pa.int64())


def _dates_fast(array: pa.Array) -> pa.Array | None:
    """Day-first strings -> timestamp[s] in one vectorised pass, or None if any value is odd."""
    if array.null_count == len(array):
        return None
    if not pc.all(pc.match_substring_regex(array, _DAY_FIRST)).as_py():
        return None
    iso = pc.binary_join_element_wise(
        pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(array, 6, 10),
            pc.utf8_slice_codeunits(array, 3, 5),
            pc.utf8_slice_codeunits(array, 0, 2),
            "-",
        ),
        pc.utf8_slice_codeunits(array, 11, 19),
        "T",
    )
    try:
        # Arrow's ISO 8601 cast is strict: 31-02-2018 fails rather than rolling over to March.
        return pc.cast(iso, pa.timestamp("s"))
    except pa.ArrowInvalid:
        return None


def _dates_careful(values: pd.Series) -> pd.Series:
    """Each value on its own: day-first first, then ISO 8601; NaT where neither reads."""
    parsed = pd.to_datetime(values, format=DATE_FORMAT, errors="coerce", utc=True)
    retry = parsed.isna() & values.notna()
    if retry.any():
        retry &= values.str.fullmatch(_ISO_8601).fillna(False).astype(bool)
    if retry.any():
        iso = pd.to_datetime(values[retry], format="ISO8601", errors="coerce", utc=True)
        parsed = parsed.astype(DATETIME)
        parsed[retry] = iso.astype(DATETIME)
    return parsed.astype(DATETIME)


def parse_dates(values: Any, column: str = "date") -> pd.Series:
    """Parse API dates (``%d-%m-%Y %H:%M:%S``, day first, UTC; or ISO 8601) into datetime64[ns, UTC].

    Values that are neither become NaT, with one warning that says how many failed and the first.

    Example:
        >>> parse_dates(["05-10-2018 16:45:36"])[0]
        Timestamp('2018-10-05 16:45:36+0000', tz='UTC')
    """
    values = list(values)
    problems = _Problems(len(values))
    result = _dates(values, column, problems)
    problems.warn()
    return pd.Series(result, dtype=DATETIME, name=column)


def _dates(values: list[Any], column: str, problems: _Problems) -> pd.Series:
    strings = _strings_quiet(values)
    if strings is not None:
        fast = _dates_fast(strings)
        if fast is not None:
            return pd.Series(fast.to_pandas(types_mapper=None), copy=False).dt.tz_localize("UTC").astype(DATETIME)
    as_text = pd.Series([value if type(value) is str else None for value in values], dtype=object)
    parsed = _dates_careful(as_text)
    bad = parsed.isna().to_numpy() & pd.Series(values, dtype=object).notna().to_numpy()
    count = int(bad.sum())
    if count:
        first = values[int(bad.argmax())]
        problems.bad(column, count, first, f"dates in {DATE_FORMAT} (day first) or ISO 8601")
    return parsed


def _strings_quiet(values: list[Any]) -> pa.Array | None:
    if set(map(type, values)) <= {str, _NONE}:
        return pa.array(values, type=pa.string())
    return None


def _repository(registry_path: pa.Array) -> pa.Array:
    # Drop a trailing ":tag", but not a registry's ":port" (a colon followed by a slash later).
    return pc.replace_substring_regex(registry_path, pattern=r":[^/:]*$", replacement="")


def empty_frame() -> pd.DataFrame:
    """An empty images frame with exactly the schema."""
    frame = pd.DataFrame({column: pd.Series([], dtype=DTYPES[column]) for column in COLUMNS})
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
    records = _check_records(records)
    if not records:
        frame = empty_frame()
        frame.attrs["source"] = source
        return frame
    problems = _Problems(len(records))
    columns: dict[str, Any] = {}
    arrays: dict[str, pa.Array] = {}
    for key, kind in FIELDS.items():
        values = _extract(records, key, problems)
        if kind == "date":
            columns[key] = _dates(values, key, problems)
            continue
        if kind in ("string", "category"):
            arrays[key] = _strings(values, key, problems)
        elif kind == "boolean":
            arrays[key] = _booleans(values, key, problems)
        else:
            arrays[key] = _integers(values, key, problems)
    uuids = _extract(records, "uuid", problems)
    index_array = _strings(uuids, "uuid", problems)
    arrays["repository"] = _repository(arrays["registry_path"])

    data: dict[str, Any] = {}
    for column in COLUMNS:
        if column in columns:
            data[column] = columns[column].array
        elif column in arrays:
            data[column] = _to_pandas(arrays[column], DTYPES[column])
    data["age"] = (columns["current_server_time"] - columns["created_at"]).array
    data["since_update"] = (columns["current_server_time"] - columns["updated_at"]).array
    index = pd.Index(_to_pandas(index_array, STRING), name="uuid")
    frame = pd.DataFrame(data, index=index, columns=COLUMNS)

    extra = [key for key in _extra_keys(records) if key not in _KNOWN]
    for key in extra:
        frame[key] = pd.Series([record.get(key) for record in records], index=index)

    duplicated = index.duplicated(keep=False)
    if duplicated.any():
        problems.messages.append(
            f"uuid: {int(index.duplicated().sum())} records repeat a uuid already listed "
            f"(e.g. {index[duplicated][0]!r}); all rows are kept"
        )
    problems.warn()
    frame.attrs["source"] = source
    return frame


def _extra_keys(records: list[dict[str, Any]]) -> list[str]:
    keys: dict[str, None] = {}
    first = records[0].keys()
    if all(record.keys() == first for record in records):
        return list(first)
    for record in records:
        for key in record:
            keys.setdefault(key, None)
    return list(keys)


def _to_pandas(array: pa.Array, dtype: Any) -> Any:
    if dtype == "category":
        return pd.Categorical(pd.array(array.to_pandas(), dtype=STRING))
    if dtype is STRING:
        return pd.array(array, dtype=STRING)
    if dtype == "boolean":
        return pd.array(array.to_pylist() if array.null_count else array.to_numpy(zero_copy_only=False), dtype="boolean")
    if dtype == "Int64":
        if array.null_count:
            return pd.array(array.to_pylist(), dtype="Int64")
        return pd.array(array.to_numpy(), dtype="Int64")
    raise AssertionError(dtype)


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
