"""Arrow arrays -> the frame's pandas arrays: masked flags and counts, categories, repositories, gaps.

The typed frame's columns other than text and dates are made here from the Arrow arrays that
:mod:`sharedcloud_nb.frames` reads, without a Python object per row: categories come from Arrow's
dictionary encoding (chunk by chunk for a chunked array, so that no column of text is joined),
the repository is computed once per distinct registry path, and gaps between dates are int64
arithmetic with overflow checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .dates import NAT

__all__ = ["TO_PANDAS", "elapsed", "repository"]


def _masked(array: pa.Array, cls: type, fill: Any) -> Any:
    """An Arrow bool/int64 array as pandas' masked BooleanArray/IntegerArray (writable buffers)."""
    if array.null_count:
        mask = array.is_null().to_numpy(zero_copy_only=False, writable=True)
        array = array.fill_null(fill)
    else:
        mask = np.zeros(len(array), dtype=bool)
    return cls(array.to_numpy(zero_copy_only=False, writable=True), mask)


def _encoded(strings: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """The distinct values and each row's position among them (-1 where null; Arrow's int32), from
    Arrow's dictionary encoding; chunk by chunk for a chunked array, so its text is never joined."""
    if isinstance(strings, pa.ChunkedArray):
        if strings.num_chunks != 1:
            chunks = [chunk.dictionary_encode() for chunk in strings.chunks]
            if not chunks:
                return pa.array([], type=strings.type), np.empty(0, dtype=np.int32)
            unified = pa.chunked_array(chunks).unify_dictionaries()
            del chunks
            codes = [chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False) for chunk in unified.chunks]
            return unified.chunk(0).dictionary, np.concatenate(codes)
        strings = strings.chunk(0)
    encoded = strings.dictionary_encode()
    return encoded.dictionary, encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)


def _categorical(strings: pa.Array | pa.ChunkedArray) -> pd.Categorical:
    """A Categorical with sorted string categories, from one dictionary encoding in Arrow."""
    dictionary, codes = _encoded(strings)
    if len(dictionary):
        # Sorted categories, as pd.Categorical(values) gives: renumber the codes to match.
        order = pc.array_sort_indices(dictionary).to_numpy()
        rank = np.empty(len(order), dtype=codes.dtype)  # Arrow's int32 indices: half the bytes of int64
        rank[order] = np.arange(len(order))
        codes = np.where(codes >= 0, rank[codes], -1).astype(codes.dtype, copy=False)
        dictionary = dictionary.take(order)
    categories = pd.Index(pd.arrays.ArrowStringArray(dictionary.cast(pa.large_string())))
    return pd.Categorical.from_codes(codes, categories=categories, validate=False)  # codes made above


#: How each kind of field but dates goes from its Arrow array to the frame's pandas array.
TO_PANDAS: dict[str, Callable[[pa.Array], Any]] = {
    "string": pd.arrays.ArrowStringArray,
    "category": _categorical,
    "boolean": lambda array: _masked(array, pd.arrays.BooleanArray, False),
    "integer": lambda array: _masked(array, pd.arrays.IntegerArray, 0),
}


# A reference is [host[:port]/]path[:tag][@digest]: the repository is what precedes the tag and the
# digest. A tag is a colon after the last slash, so a registry's ":5000/" stays; a digest runs
# from "@" to the end and has a colon of its own ("@sha256:..."), so it is dropped first.
_TAG_AND_DIGEST = r"(:[^/:@]*)?(@[^/]*)?$"


def repository(registry_path: pa.Array | pa.ChunkedArray) -> pd.Categorical:
    """Each registry path without its ``:tag`` and ``@digest`` (``host:5000/ns/name:1@sha256:ab`` -> ``host:5000/ns/name``).

    As a Categorical, built from the distinct paths: each is stripped once and the rows take the
    code of theirs, so no string is made per row.
    """
    dictionary, indices = _encoded(registry_path)
    stripped = _categorical(pc.replace_substring_regex(dictionary, pattern=_TAG_AND_DIGEST, replacement=""))
    of_path = np.asarray(stripped.codes, dtype=indices.dtype)
    codes = np.where(indices >= 0, of_path[np.maximum(indices, 0)], -1) if len(of_path) else np.full(len(indices), -1)
    return pd.Categorical.from_codes(codes, categories=stripped.categories, validate=False)  # codes made above


def elapsed(later: np.ndarray, earlier: np.ndarray) -> Any:
    """``later - earlier`` as timedelta64[ns]; NaT where either is NaT or the gap exceeds what
    timedelta64[ns] holds (about 292 years: both dates are then still in the frame, valid)."""
    gap = later - earlier  # int64 arithmetic wraps silently on overflow; detected below
    overflow = ((later ^ earlier) & (later ^ gap)) < 0
    known = (later != NAT) & (earlier != NAT) & ~overflow & (gap != NAT)
    np.putmask(gap, ~known, NAT)  # in place: the frame's column is this array, not a copy of it
    return pd.array(gap.view("timedelta64[ns]"), copy=False)
