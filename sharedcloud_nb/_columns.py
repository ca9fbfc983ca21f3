"""A frame's text columns as codes among their distinct values, each column coded once.

:class:`Columns` is shared by the labels (:mod:`sharedcloud_nb._labels`) and the picker's search
strings (:mod:`sharedcloud_nb.search`): they read the same columns, the name above all, and a column
of a million strings is hashed once for both, or not at all when its values are nearly all distinct
and only the search reads it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Columns"]


class Columns:
    """A frame's columns as codes among their distinct values, each column coded once.

    The labels and the search strings read the same columns (the name above all): a column of
    a million strings is hashed once for both.

    Example:
        >>> codes, values = Columns(pd.DataFrame({"name": ["b", None, "b"]})).codes("name")
        >>> codes.tolist(), values.to_pylist()
        ([0, -1, 0], ['b'])
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._coded: dict[str, tuple[np.ndarray, pa.Array]] = {}

    def codes(self, column: str) -> tuple[np.ndarray, pa.Array]:
        """Per row, its value's position among the column's distinct values (-1 where missing, or for
        every row when there is no such column), and those values as text (not to be modified; no
        two alike, not even categories that read alike as text)."""
        if column not in self._coded:
            self._coded[column] = _column_codes(self.frame, column)
        return self._coded[column]

    def rows(self, column: str) -> tuple[np.ndarray, pa.Array, bool]:
        """:meth:`codes`; or, for a large text column whose values are nearly all distinct (judged on
        a sample), each row's own value: codes 0, 1, 2... (-1 where missing), the column as text
        (values may repeat), and True. Hashing such a column would only tell that each value is new.
        """
        values = self.frame[column] if column in self.frame.columns else None
        if (
            column in self._coded
            or values is None
            or len(values) < _SAMPLED
            or isinstance(values.dtype, pd.CategoricalDtype)
        ):
            return (*self.codes(column), False)
        text = _arrow_text(values)
        size = min(_SAMPLE, len(text))
        sample = text.take(pa.array(np.linspace(0, len(text) - 1, size).astype(np.int64)))
        if pc.count_distinct(sample).as_py() < 0.95 * size:
            return (*self.codes(column), False)
        codes = np.arange(len(text), dtype=np.int64)
        if text.null_count:
            codes[text.is_null().to_numpy(zero_copy_only=False)] = -1
        return codes, text.cast(pa.string()), True


# Columns.rows: from this many rows, a sample of _SAMPLE values says whether a column is worth hashing.
_SAMPLED = 100_000
_SAMPLE = 4096


def _arrow_text(values: pd.Series) -> pa.Array:
    """A column of text (not categorical) as one Arrow array, made from the pandas array."""
    # Text as it is (pandas' astype of one string dtype to another can go through Python objects).
    text = values.array if isinstance(values.dtype, pd.StringDtype) else values.astype("string[pyarrow]").array
    encoded: Any = pa.array(text)
    if isinstance(encoded, pa.ChunkedArray):  # a column pandas keeps in pieces (after a concat, say)
        encoded = encoded.combine_chunks()
    return encoded


def _column_codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, pa.Array]:
    if column not in frame.columns:
        return np.full(len(frame), -1, dtype=np.int64), pa.array([], type=pa.string())
    values = frame[column]
    # Arrow arrays from pandas arrays, never from a Series: pyarrow's look for __arrow_array__ on
    # a Series goes through pandas' __getattr__, which hashes the whole index (a million uuids).
    if isinstance(values.dtype, pd.CategoricalDtype):  # already coded: each category made text once
        codes = values.cat.codes.to_numpy().astype(np.int64)
        categories: Any = pa.array(values.cat.categories.astype("string[pyarrow]").array)
        if isinstance(categories, pa.ChunkedArray):
            categories = categories.combine_chunks()
        # Categories that read alike as text (1 and "1") are one value: the codes are renumbered.
        written = categories.cast(pa.string()).dictionary_encode()
        renumber = np.append(np.asarray(written.indices.to_numpy(zero_copy_only=False), dtype=np.int64), -1)
        codes = renumber[codes]  # code -1 (missing) takes the appended -1
        distinct: Any = written.dictionary
    else:
        encoded = _arrow_text(values).dictionary_encode()
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        distinct = encoded.dictionary
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    return codes, distinct.cast(pa.string())
