"""Images frames on disk: CSV and Parquet files that read back with the schema's dtypes.

CSV keeps no types, so :func:`read_images_csv` gives each known column its dtype back from
:mod:`sharedcloud_nb.schema`, and :func:`write_images_csv` writes missing values so that they
read back as missing. Parquet keeps nearly everything; :func:`read_images_parquet` restores the
string types pandas does not. The three are also importable from :mod:`sharedcloud_nb.frames`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .schema import TABLE, dtypes

__all__ = ["CSV_NA", "read_images_csv", "read_images_parquet", "write_images_csv"]

#: How a missing value is written in CSV, so that it reads back as missing and not as "".
CSV_NA = "<NA>"

_BOOLEANS = {"True": True, "False": False, "true": True, "false": False}
#: The kind of each column, and of the index (``uuid``); a column the schema does not know is text.
_KINDS = {column.name: column.kind for column in TABLE}
_DTYPES = dtypes()
#: The schema's string dtype, which the uuid index has too.
_TEXT = next(_DTYPES[name] for name, kind in _KINDS.items() if kind == "string" and name in _DTYPES)


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
        return pd.to_numeric(values).astype(dtype)
    if kind == "date":
        return pd.to_datetime(values, format="ISO8601", utc=True).astype(dtype)
    return pd.to_timedelta(values).astype(dtype)


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
        kind = _KINDS.get(column, "string")
        if kind == "string":
            data[column] = values.astype(_TEXT)
            continue
        dtype = _DTYPES[column]
        try:
            # An empty field in a non-text column is missing.
            data[column] = _csv_column(values.mask(values == ""), kind, dtype)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"Column {column!r} of the CSV does not read as {dtype}: {exc}") from exc
    index = pd.Index(raw["uuid"].astype(_TEXT), name="uuid")
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
        >>> df.to_parquet("images.parquet")  # doctest: +SKIP
        >>> read_images_parquet("images.parquet").dtypes.equals(df.dtypes)  # doctest: +SKIP
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
