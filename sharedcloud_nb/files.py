"""Images frames on disk: CSV and Parquet files that read back with the schema's dtypes.

CSV keeps no types, so :func:`read_images_csv` gives each known column its dtype back from
:mod:`sharedcloud_nb.schema`, and :func:`write_images_csv` writes missing values so that they
read back as missing, and text that looks like a missing value so that it reads back as itself.
Parquet is the lossless format: it keeps the types and ``frame.attrs`` too; :func:`read_images_parquet`
restores the string types pandas does not. The three are also importable from
:mod:`sharedcloud_nb.frames`.
"""

from __future__ import annotations

import csv
from typing import Any

import pandas as pd

from .errors import InputError, InputTypeError
from .schema import TABLE, dtypes

__all__ = ["CSV_NA", "read_images_csv", "read_images_parquet", "write_images_csv"]

#: How a missing value is written in CSV, so that it reads back as missing and not as "".
CSV_NA = "<NA>"

# Text that a CSV field would confuse with a missing value: "<NA>" anywhere, and "" in a category
# column, where an empty field is missing (a file of plain to_csv writes missing values so). Such
# values, and those that differ from them only by leading backslashes, are written with one
# backslash more and read with one less: <NA> is written \<NA>, \<NA> is written \\<NA>, an empty
# tag \ and a tag \ is written \\. No other value changes (an empty description stays an empty
# field). Per kind of column: (the values written with one backslash more, the fields read with
# one less); the second is what the first becomes, so that every value reads back as itself.
_ESCAPES = {
    "string": (r"\\+|\\*<NA>", r"\\\\+|\\+<NA>"),
    "category": (r"\\*(?:<NA>)?", r"\\+(?:<NA>)?"),
}

_BOOLEANS = {"True": True, "False": False, "true": True, "false": False}
#: The kind of each column, and of the index (``uuid``); a column the schema does not know is text.
_KINDS = {column.name: column.kind for column in TABLE}
_DTYPES = dtypes()
#: The schema's string dtype, which the uuid index has too.
_TEXT = next(_DTYPES[name] for name, kind in _KINDS.items() if kind == "string" and name in _DTYPES)


def _text_kind(values: pd.Series | pd.Index, kind: str | None) -> str | None:
    """How a column's text is escaped: its kind in the schema, ``"string"`` for any other column
    that may hold text (the reader takes those as text), None for a column of no text."""
    if kind is None and (values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype)):
        kind = "string"
    elif kind is None and pd.api.types.is_string_dtype(values.dtype):
        kind = "string"
    return kind if kind in _ESCAPES else None


def _escape(values: pd.Series, kind: str) -> pd.Series:
    """Text values as written: a value that could read back as something else gets one more backslash."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = pd.Series(values.cat.categories, dtype=object)
        if not pd.api.types.is_string_dtype(categories):
            return values
        return values.cat.rename_categories(_escape(categories, kind).tolist())
    text = values.astype(object)
    try:
        escaped = text.str.fullmatch(_ESCAPES[kind][0], na=False).astype(bool)
    except AttributeError:  # an object column with no text in it
        return values
    if not escaped.any():
        return values
    return text.where(~escaped, "\\" + text.where(escaped, ""))


def _unescape(values: pd.Series, kind: str) -> pd.Series:
    """Text values as read: a value written with one backslash more loses it."""
    escaped = values.str.fullmatch(_ESCAPES[kind][1], na=False).astype(bool)
    if not escaped.any():
        return values
    return values.where(~escaped, values.str.slice(1))


def write_images_csv(frame: pd.DataFrame, path: Any) -> None:
    """Write an images frame to CSV so that :func:`read_images_csv` gives back the same frame.

    Plain ``frame.to_csv(path)`` writes a missing description and an empty one alike, as an empty
    field; this writes missing values as ``<NA>`` (:data:`CSV_NA`) instead, and text that would
    read back as something else with a backslash before it: a description that is literally
    ``<NA>`` is written ``\\<NA>``, an empty tag ``\\`` (a value that already starts so, one more).
    Text fields are quoted, so that a carriage return or a comma inside one stays inside it. Dates
    are written in ISO 8601 with their UTC offset, durations as pandas writes them
    (``32 days 05:25:31``). ``frame.attrs`` (where the data came from) is not kept: CSV has no
    place for it. Parquet (``frame.to_parquet``) is the lossless format.

    Args:
        frame: an images frame (its uuid index is written as the first column).
        path: a file path or a writable text buffer.

    Raises:
        InputTypeError: (a TypeError) ``frame`` is not a DataFrame (nothing is written).
        OSError: the file cannot be written (pandas' own error: no such folder, no permission).

    Example:
        >>> write_images_csv(df, "images.csv")
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputTypeError(
            f"write_images_csv() writes an images frame (client.images()), not {type(frame).__name__}."
        )
    escaped = {}
    for column in frame.columns:
        kind = _text_kind(frame[column], _KINDS.get(column)) if isinstance(column, str) else None
        if kind is not None:
            escaped[column] = _escape(frame[column], kind)
    out = frame.assign(**escaped) if escaped else frame
    out = out.set_axis(pd.Index(_escape(pd.Series(frame.index, dtype=object), "string"), name=frame.index.name))
    out.to_csv(path, na_rep=CSV_NA, quoting=csv.QUOTE_NONNUMERIC)


def _csv_column(values: pd.Series, kind: str, dtype: Any) -> Any:
    """A non-text column of the CSV (strings, None where missing) as the schema types it.

    Raises:
        ValueError: a value does not fit the kind.
    """
    if kind == "category":
        return pd.Series(pd.Categorical(pd.array(values, dtype=_TEXT)))
    if kind == "boolean":
        unknown = values.notna() & ~values.isin(list(_BOOLEANS))
        if unknown.any():
            raise ValueError(f"not true/false: {values[unknown].iloc[0]!r}")
        return values.map(_BOOLEANS).astype(dtype)
    if kind == "integer":
        # Nullable from the start: through float64 a count beyond 2**53 beside a missing one would change.
        return pd.to_numeric(values, dtype_backend="numpy_nullable").astype(dtype)
    if kind == "date":
        return pd.to_datetime(values, format="ISO8601", utc=True).astype(dtype)
    return pd.to_timedelta(values).astype(dtype)


def read_images_csv(path: Any) -> pd.DataFrame:
    """Read a CSV written by :func:`write_images_csv` (or ``frame.to_csv``) back into a typed frame.

    Every column of ``COLUMNS`` present in the file gets its dtype from ``DTYPES`` (dates in UTC,
    categories, nullable booleans and integers, durations); the index is ``uuid``; other columns
    stay strings. ``<NA>`` is missing everywhere; an empty field is missing except in a text column,
    where it is the empty string (so a file from plain ``to_csv`` reads its missing descriptions
    as ""). Text that :func:`write_images_csv` escaped (``\\<NA>``, ``\\``) reads back as it was.

    Args:
        path: a file path or a readable text buffer.

    Returns:
        The typed DataFrame.

    Raises:
        InputError: (a ValueError) the file has no ``uuid`` column, or a value that does not fit
            its column (which names the column).

    Example:
        >>> write_images_csv(df, "images.csv")
        >>> back = read_images_csv("images.csv")
        >>> back.dtypes.equals(df.dtypes)
        True
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[CSV_NA])
    if "uuid" not in raw.columns:
        raise InputError(f"Not an images CSV: no uuid column (the columns are {list(raw.columns)[:8]}).")
    data: dict[str, Any] = {}
    for column in raw.columns:
        if column == "uuid":
            continue
        values = raw[column]
        kind = _KINDS.get(column, "string")
        if kind == "string":
            data[column] = _unescape(values, kind).astype(_TEXT)
            continue
        dtype = _DTYPES[column]
        try:
            # An empty field in a non-text column is missing.
            values = values.mask(values == "")
            if kind == "category":
                values = _unescape(values, kind)
            data[column] = _csv_column(values, kind, dtype)
        except (ValueError, TypeError) as exc:
            raise InputError(f"Column {column!r} of the CSV does not read as {dtype}: {exc}") from exc
    index = pd.Index(_unescape(raw["uuid"], "string").astype(_TEXT), name="uuid")
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(raw)))
    frame.index = index
    return frame


def read_images_parquet(path: Any) -> pd.DataFrame:
    """Read an images frame saved with ``frame.to_parquet(path)``, with the schema's dtypes.

    Parquet keeps the values, ``frame.attrs`` and most dtypes; pandas reads strings back as its
    default string type (the uuid index, the categories), so those are set back to the schema's.

    Args:
        path: a file path or a readable binary buffer.

    Returns:
        The typed DataFrame.

    Example:
        >>> df.to_parquet("images.parquet")
        >>> read_images_parquet("images.parquet").dtypes.equals(df.dtypes)
        True
    """
    frame = pd.read_parquet(path)
    if frame.index.name == "uuid":
        frame.index = pd.Index(frame.index.astype(_TEXT), name="uuid")
    for column, dtype in _DTYPES.items():
        if column not in frame.columns:
            continue
        if dtype == "category":
            if str(frame[column].dtype) != "category" or frame[column].cat.categories.dtype != _TEXT:
                frame[column] = pd.Categorical(pd.array(frame[column].astype(object), dtype=_TEXT))
        elif frame[column].dtype != dtype:
            frame[column] = frame[column].astype(dtype)
    return frame


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
