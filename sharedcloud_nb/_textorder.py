"""Text in byte order, vectorised: ranks of strings, and whether one of them begins the next.

The labels' fast paths (:mod:`sharedcloud_nb._labels`, :mod:`sharedcloud_nb._label_order`) hold
only when no "name (runtime, tag, " prefix begins another label. Strings that begin with a given
one sort right after it, so one Arrow sort and a comparison of neighbours tell it, with no Python
loop over a million strings.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["begins_with", "text_ranks"]

_BYTES = pa.large_binary()
# A byte that valid UTF-8 never holds: the strings that begin with s are those from s up to, not
# including, s + this byte.
_ABOVE = pa.scalar(b"\xff", _BYTES)


def begins_with(text: pa.Array, start: pa.Array) -> np.ndarray:
    """Per position, whether ``text`` begins with ``start`` there; for pairs where ``text`` sorts after
    ``start`` (byte order), as neighbours in sorted strings do.

    Example:
        >>> begins_with(pa.array(["ab (c", "b"]), pa.array(["ab", "a"])).tolist()
        [True, False]
    """
    bound = pc.binary_join_element_wise(start.cast(_BYTES), _ABOVE, pa.scalar(b"", _BYTES))
    return np.asarray(pc.less(text.cast(_BYTES), bound).to_numpy(zero_copy_only=False), dtype=bool)


def text_ranks(texts: pa.Array, marked: np.ndarray) -> np.ndarray | None:
    """Each string's rank in byte order (which is code point order; equal strings rank equal), or
    None when a ``marked`` string is a proper prefix of another of ``texts``.

    Args:
        texts: strings without nulls.
        marked: one bool per string: those whose being a prefix of another is asked about.

    Returns:
        An int64 array of dense ranks (0 for the first string in byte order), or None.

    Example:
        >>> text_ranks(pa.array(["b", "a", "b"]), np.array([False, False, False])).tolist()
        [1, 0, 1]
        >>> text_ranks(pa.array(["a (", "a (b"]), np.array([True, False])) is None
        True
    """
    count = len(texts)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.asarray(pc.array_sort_indices(texts).to_numpy(), dtype=np.int64)
    ordered = texts.take(pa.array(order))
    differ = np.asarray(
        pc.not_equal(ordered.slice(1), ordered.slice(0, count - 1)).to_numpy(zero_copy_only=False), dtype=bool
    )
    dense = np.zeros(count, dtype=np.int64)
    np.cumsum(differ, out=dense[1:])
    # A string that begins others sorts right before them: only the next distinct one need be
    # compared, and only for the runs of equal strings that hold a marked one.
    holds_marked = np.zeros(int(dense[-1]) + 1, dtype=bool)
    holds_marked[dense[np.flatnonzero(np.asarray(marked, dtype=bool)[order])]] = True
    last = np.flatnonzero(differ)  # the last position of each run but the final one
    last = last[holds_marked[dense[last]]]
    if len(last) and begins_with(ordered.take(pa.array(last + 1)), ordered.take(pa.array(last))).any():
        return None
    ranks = np.empty(count, dtype=np.int64)
    ranks[order] = dense
    return ranks
