"""The picker's order: images sorted by their lowercased label, without sorting a million strings.

:func:`label_order` gives the order Arrow's stable ``sort_indices`` gives over the lowercased labels
of :func:`~sharedcloud_nb.display.image_labels`, but sorts integers: the few distinct shared
labels and "name (runtime, tag, " prefixes are ranked once (a few thousand strings), and the uuid
that ends a label is read as a number. When the labels do not have the shape this relies on (an
id that is not a uuid, a prefix that begins another label), it sorts the strings as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._labels import LabelParts, distinct
from ._textorder import text_ranks
from ._uuidhex import eight_digits, hex_digits, number

__all__ = ["label_order"]

# The uuid's 32 hex digits after its first 8 (which lead the key), in two integers of 8 and 16 digits.
_MIDDLE = (9, 10, 11, 12, 14, 15, 16, 17)
_LAST = (19, 20, 21, 22, *range(24, 36))


def label_order(parts: LabelParts) -> np.ndarray[Any, np.dtype[np.intp]]:
    """Row positions in the order of the rows' lowercased labels (ties in row order).

    Args:
        parts: the labels and how they were built (``_labels._label_parts``).

    Returns:
        What ``pc.sort_indices(pc.utf8_lower(parts.labels))`` returns, as a numpy array.
    """
    fast = _integer_order(parts)
    if fast is not None:
        return fast
    return np.asarray(pc.sort_indices(pc.utf8_lower(parts.labels)).to_numpy(), dtype=np.intp)


def _ranks(parts: LabelParts, own_triples: np.ndarray) -> np.ndarray | None:
    """The rank of each shared label then each own prefix among them all, lowercased (equal strings
    rank equal); None when a prefix begins another of these strings (the order would then depend
    on the uuid that follows it, not on the prefix alone)."""
    shared = pc.utf8_lower(parts.shared).cast(pa.large_string())
    prefixes = pc.utf8_lower(parts.prefixes.take(pa.array(own_triples, type=pa.int64()))).cast(pa.large_string())
    # Arrow's own order (UTF-8 bytes), the one the strings sort would use.
    marked = np.arange(len(shared) + len(prefixes)) >= len(shared)
    return text_ranks(pa.concat_arrays([shared, prefixes]), marked)


def _integer_order(parts: LabelParts) -> np.ndarray[Any, np.dtype[np.intp]] | None:
    """The order of :func:`label_order` from integer keys, or None when the labels' shape does not allow it.

    Key of a row: the rank of its shared label, or of its "name (runtime, tag, " prefix; then
    whether a uuid follows (a label sorts before the longer ones it begins); then the uuid's
    first 8 hex digits (all a step-3 label has: ")" sorts before the "-" of a whole uuid); then
    the rest of a whole uuid. Hex digits in a fixed width sort as their value.
    """
    if parts.marked:  # labels without a uuid ("no uuid"): not of the shape the keys rely on
        return None
    own_rows = np.flatnonzero(parts.where < 0)
    own_triples, _, own_of = distinct(parts.triple[own_rows], len(parts.prefixes))
    # Every id read already, as image_labels told clashes apart; else the own rows' ids read here.
    if parts.digits is not None and parts.first is not None:
        digits, digits_row, first = parts.digits, own_rows, parts.first[own_rows]
    else:
        read = hex_digits(parts.uuid.take(pa.array(own_rows, type=pa.int64())))
        if read is None:
            return None
        digits, digits_row = read[0], np.arange(len(own_rows))
        first = eight_digits(digits).astype(np.int64)
    ranks = _ranks(parts, own_triples)
    if ranks is None:
        return None
    shared_rows = np.flatnonzero(parts.where >= 0)
    whole = parts.step[own_rows] == 4
    key = np.empty(len(parts.where), dtype=np.int64)
    # A shared label's rows keep their order: the row number in the low bits makes every key of
    # theirs distinct, so that a sort that is not stable orders them alike (an own label's key has
    # bit 33 set, above any row number, and its rank in the bits above).
    key[shared_rows] = (ranks[parts.where[shared_rows]] << 34) | shared_rows
    key[own_rows] = (
        (ranks[len(parts.shared) + own_of.reshape(-1)] << 34) | (1 << 33) | (first << 1) | whole.astype(np.int64)
    )
    order = _order(key)
    if whole.any():
        # Whole uuids that share a prefix and first 8 digits sit together in the order: sort those
        # slots by the rest of the uuid, then by row (ties keep row order, as a stable sort does).
        is_whole = np.zeros(len(key), dtype=bool)
        whole_rows = own_rows[whole]
        is_whole[whole_rows] = True
        slots = np.flatnonzero(is_whole[order])
        rows = order[slots]
        rest = np.empty((2, len(key)), dtype=np.uint64)
        whole_digits = digits[digits_row[whole]]
        rest[0, whole_rows] = number(whole_digits, _MIDDLE)
        rest[1, whole_rows] = number(whole_digits, _LAST)
        order[slots] = rows[np.lexsort((rows, rest[1, rows], rest[0, rows], key[rows]))]
    return order.astype(np.intp, copy=False)


def _order(key: np.ndarray) -> np.ndarray[Any, np.dtype[np.intp]]:
    """The stable order of ``key``, sorted without the stable sort (several times faster) when no
    key of an 8-character label repeats (keys with bit 0 set, whole uuids, are ordered after)."""
    if len(key) >= 2**33:  # the row numbers would reach the bits of the label's kind
        return np.argsort(key, kind="stable")
    order = np.argsort(key)
    ordered = key[order]
    if np.any((ordered[1:] == ordered[:-1]) & (ordered[1:] & 1 == 0)):  # ties whose order counts
        return np.argsort(key, kind="stable")
    return order
