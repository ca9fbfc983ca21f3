"""Image labels: how the picker, the explorer and the plots name an image, made column-wise.

The label is the bare name, then as much of runtime, tag and uuid as tells images apart
(:func:`image_labels`). It is built once per distinct (name, runtime, tag), and clashes are
counted on integers, so a million images need no million-string hashing.
:mod:`sharedcloud_nb.display` re-exports :func:`image_labels`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import join_text
from ._uuidhex import first_eight, hex_digits

__all__ = ["NO_NAME", "LabelParts", "distinct", "image_labels"]

#: The placeholder of a missing name, in labels and card titles.
NO_NAME = "(no name)"


def _strings(frame: pd.DataFrame, column: str, missing: str) -> pd.Series:
    """A column as Arrow strings on a positional index, ``missing`` where absent or empty."""
    if column not in frame.columns:
        return pd.Series(missing, index=pd.RangeIndex(len(frame)), dtype="string[pyarrow]")
    return frame[column].astype("string[pyarrow]").fillna(missing).reset_index(drop=True)


def image_labels(frame: pd.DataFrame) -> pd.Series:
    """A short label per image that tells apart images sharing a name.

    The name alone when it is unique in the frame; else "name (runtime)"; else
    "name (runtime, tag)"; else "name (runtime, tag, first 8 characters of the uuid)"; else, for
    uuids alike in their first 8 characters, the whole uuid. Only the images that clash at one
    step go on to the next. A missing name reads "(no name)", a missing runtime or tag "?".

    Args:
        frame: an images frame indexed by uuid; a missing ``name``, ``runtime`` or ``tag``
            column counts as missing values.

    Returns:
        A string Series aligned with the frame's rows (same index).

    Example:
        >>> frame = pd.DataFrame(
        ...     {"name": ["nlp", "nlp", "xgboost"], "runtime": ["python27", "python36", "python36"]},
        ...     index=["0a", "1b", "2c"],
        ... )
        >>> list(image_labels(frame))
        ['nlp (python27)', 'nlp (python36)', 'xgboost']
    """
    return pd.Series(
        pd.arrays.ArrowStringArray(_label_parts(frame).labels.cast(pa.large_string())),
        index=frame.index,
        name="name" if "name" in frame.columns else None,  # as the name column's Series was
    )


@dataclass(frozen=True)
class LabelParts:
    """How :func:`image_labels` built each row's label, kept so that labels can be ordered as numbers.

    A row's label is either one of ``shared`` (the forms without a uuid, written once per distinct
    (name, runtime, tag)), or ``prefix[triple] + ident + ")"`` where ``prefix`` is
    ``"name (runtime, tag, "`` and ``ident`` the row's uuid (its first 8 characters at step 3).

    ``labels`` (every row's label as one Arrow array, in the frame's order) is made on first use;
    :meth:`label` writes one row's.

    Attributes:
        shared: the distinct labels without a uuid; ``where[row]`` is the row's among them, or -1.
        where: per row, its label's position in ``shared``, or -1 for a label with a uuid.
        step: per row, the label's form (0 name ... 3 first 8 characters of the uuid, 4 the uuid).
        triple: per row, its number among the distinct (name, runtime, tag).
        prefixes: per triple, ``"name (runtime, tag, "``.
        uuid: the rows' ids as text.
        digits: every id's hex digits (``_uuidhex.hex_digits``), or None when one is not a uuid.
    """

    shared: pa.Array
    where: np.ndarray
    step: np.ndarray
    triple: np.ndarray
    prefixes: pa.Array
    uuid: pa.Array
    digits: np.ndarray | None
    build: Callable[[], pa.Array] = field(repr=False, compare=False)

    @functools.cached_property
    def labels(self) -> pa.Array:
        """Every row's label, as one Arrow string array in the frame's order."""
        return self.build()

    def label(self, row: int) -> str:
        """The label of the frame's row ``row``, as :attr:`labels` has it (without making them all)."""
        if self.where[row] >= 0:
            return str(self.shared[int(self.where[row])].as_py())
        ident = str(self.uuid[int(row)].as_py())
        if self.step[row] == 3:  # Python slices ASCII as Arrow does; other text goes through Arrow's kernel
            ident = ident[:8] if ident.isascii() else str(pc.utf8_slice_codeunits(pa.array([ident]), 0, 8)[0].as_py())
        return f"{self.prefixes[int(self.triple[row])].as_py()}{ident})"


def _label_numbers(
    step: np.ndarray,
    table_of: np.ndarray,
    triple: np.ndarray,
    strings: pa.Array,
    own: dict[int, pa.Array],
    eight: np.ndarray | None,
    prefix_code: np.ndarray | None,
) -> np.ndarray:
    """Each row's label as a number: equal numbers, equal labels (the clashes are counted on these)."""
    ids = np.empty(len(triple), dtype=np.int64)
    shared = step < 3
    ids[shared] = table_of[step[shared], triple[shared]]
    offset = len(strings)
    for form, text in own.items():
        rows = np.flatnonzero(step == form)
        found = pc.index_in(text, value_set=strings).fill_null(-1).to_numpy(zero_copy_only=False)
        encoded = text.dictionary_encode()
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64) + offset
        ids[rows] = np.where(found >= 0, found, codes)
        offset += len(encoded.dictionary)
    rows = np.flatnonzero(step == 3)
    if eight is not None and prefix_code is not None and len(rows):
        _, codes = np.unique((prefix_code[triple[rows]] << 40) | eight[rows], return_inverse=True)
        ids[rows] = offset + codes.reshape(-1)
    return ids


def _uuid_forms(
    own: dict[int, pa.Array],
    step: np.ndarray,
    before: np.ndarray,
    form: int,
    counted: bool,
    uuid: pa.Array,
    prefixes: pa.Array,
    triple: np.ndarray,
) -> None:
    """Write (in ``own``) the strings of the rows whose labels now take a uuid (forms 3 and 4).

    ``counted``: the 8-character form's clashes are counted on integers; its strings are made once, at the end.
    """
    for uuid_form in (3, 4):
        rows = np.flatnonzero(step == uuid_form)
        if not len(rows) or (uuid_form == 3 and counted):
            own.pop(uuid_form, None)
        elif uuid_form == 3 and form == 4 and 3 in own:
            # At the last step rows only leave form 3 (for form 4): keep the strings of those that stay.
            own[3] = own[3].filter(pa.array(step[before == 3] == 3))
        else:
            ident = uuid.take(pa.array(rows))
            if uuid_form == 3:
                ident = pc.utf8_slice_codeunits(ident, 0, 8)
            own[uuid_form] = join_text(prefixes.take(pa.array(triple[rows])), ident, ")")


def _label_parts(frame: pd.DataFrame) -> LabelParts:
    """The labels of :func:`image_labels` and how each was built (see :class:`LabelParts`)."""
    # Positional work throughout: the uuid index may repeat (the API once served duplicates).
    # The first three forms depend on (name, runtime, tag) alone: they are written once per
    # distinct triple, and a row holds the number of its label in a table of distinct labels, so
    # that a clash is a count, not a hash of a million strings. Only the rows that reach the
    # uuid forms get a string of their own.
    name = _arrow_strings(frame, "name", NO_NAME)
    runtime = _arrow_strings(frame, "runtime", "?")
    tag = _arrow_strings(frame, "tag", "?")
    uuid = pa.array(pd.Series(frame.index.astype(str), dtype="string[pyarrow]"), type=pa.string())
    if isinstance(uuid, pa.ChunkedArray):
        uuid = uuid.combine_chunks()
    triple, first = _triples(name, runtime, tag)
    n_, r_, t_ = (column.take(pa.array(first)) for column in (name, runtime, tag))
    forms = [n_.cast(pa.large_string()), join_text(n_, " (", r_, ")"), join_text(n_, " (", r_, ", ", t_, ")")]
    # Every distinct label of the first three forms, numbered: forms[k][i] is number table_of[k][i].
    table = pa.concat_arrays(forms).dictionary_encode()
    table_of = np.asarray(table.indices.to_numpy(zero_copy_only=False), dtype=np.int64).reshape(3, -1)
    strings = table.dictionary
    count = len(triple)
    step = np.zeros(count, dtype=np.int64)  # which form each row's label has
    own: dict[int, pa.Array] = {}  # the uuid forms (3, 4): each row's own string, for the rows at that form
    prefixes = join_text(n_, " (", r_, ", ", t_, ", ")  # "name (runtime, tag, "
    read = hex_digits(uuid)
    # When every id is a uuid and no "name (runtime, tag, " begins another label, two labels with
    # 8 characters of the uuid are equal exactly when their prefix and those characters are: the
    # clashes at that step are counted on integers, not on a million strings.
    prefix_code = _prefix_codes(prefixes, strings) if read is not None else None
    eight = first_eight(*read) if read is not None and prefix_code is not None else None

    for form in range(1, 5):  # built only when needed: most catalogues stop after one or two steps
        ids = _label_numbers(step, table_of, triple, strings, own, eight, prefix_code)
        clash = np.bincount(ids)[ids] > 1
        if not clash.any():
            break
        before = step.copy()
        step[clash] = form
        _uuid_forms(own, step, before, form, eight is not None, uuid, prefixes, triple)

    def build() -> pa.Array:
        rows = np.flatnonzero(step == 3)
        if eight is not None and len(rows):
            ident = pc.utf8_slice_codeunits(uuid.take(pa.array(rows)), 0, 8)
            own[3] = join_text(prefixes.take(pa.array(triple[rows])), ident, ")")
        return _assemble(strings, table_of, triple, step, own)

    where = np.full(count, -1, dtype=np.int64)
    shared = step < 3
    where[shared] = table_of[step[shared], triple[shared]]
    digits = None if read is None else read[0]
    return LabelParts(strings, where, step, triple, prefixes, uuid, digits, build)


def _prefix_codes(prefixes: pa.Array, strings: pa.Array) -> np.ndarray | None:
    """Each triple's number among the distinct "name (runtime, tag, " prefixes, or None when one of
    them begins another prefix or a label without a uuid (a label with a uuid could then equal
    one that has another prefix)."""
    encoded = prefixes.dictionary_encode()
    distinct = encoded.dictionary.to_pylist()
    ordered = sorted(set(distinct) | set(strings.to_pylist()))  # the strings a prefix begins follow it
    starts = set(distinct)
    if any(before in starts and after.startswith(before) for before, after in itertools.pairwise(ordered)):
        return None
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def _arrow_strings(frame: pd.DataFrame, column: str, missing: str) -> pa.Array:
    if column in frame.columns and isinstance(frame[column].dtype, pd.CategoricalDtype):
        # Each category made text once and taken by code: pandas' astype goes through a million objects.
        column_values = frame[column]
        categories = column_values.cat.categories.astype("string[pyarrow]").fillna(missing)
        table = pa.array(pd.concat([pd.Series(categories), pd.Series([missing], dtype="string[pyarrow]")]), pa.string())
        codes = column_values.cat.codes.to_numpy().astype(np.int64)
        codes[codes < 0] = len(categories)
        return (table.combine_chunks() if isinstance(table, pa.ChunkedArray) else table).take(pa.array(codes))
    values = pa.array(_strings(frame, column, missing), type=pa.string())
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _triples(name: pa.Array, runtime: pa.Array, tag: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each row's number among the distinct (name, runtime, tag), and a row of each."""
    key = np.zeros(len(name), dtype=np.int64)
    size = 1
    for column in (name, runtime, tag):
        encoded = column.dictionary_encode()
        if size * max(len(encoded.dictionary), 1) >= 2**62:  # renumber before the key overflows
            _, key = np.unique(key, return_inverse=True)
            size = int(key.max()) + 1 if len(key) else 1
        key = key * max(len(encoded.dictionary), 1) + encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        size *= max(len(encoded.dictionary), 1)
    _, first, triple = distinct(key, size)
    return triple, first


def distinct(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What ``np.unique(key, return_index=True, return_inverse=True)`` returns, for keys in ``range(size)``.

    A million keys of a few thousand values are counted in a table of ``size`` entries rather
    than sorted (10-20 times faster); a sparse key is sorted as ``np.unique`` does.

    Example:
        >>> [a.tolist() for a in distinct(np.array([5, 2, 5, 0]), 6)]
        [[0, 2, 5], [3, 1, 0], [2, 1, 2, 0]]
    """
    if size > 4 * len(key) + 1024:
        values, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return values, first, inverse.reshape(-1)
    present = np.zeros(size, dtype=bool)
    present[key] = True
    first = np.full(size, len(key), dtype=np.int64)
    np.minimum.at(first, key, np.arange(len(key), dtype=np.int64))  # each value's first row
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present), first[present], rank[key]


def _assemble(
    strings: pa.Array, table_of: np.ndarray, triple: np.ndarray, step: np.ndarray, own: dict[int, pa.Array]
) -> pa.Array:
    """Each row's label as one Arrow array: from the table of shared labels, or the row's own."""
    pieces = [strings]
    where = np.empty(len(triple), dtype=np.int64)
    shared = step < 3
    where[shared] = table_of[step[shared], triple[shared]]
    offset = len(strings)
    for form, text in own.items():
        rows = np.flatnonzero(step == form)
        where[rows] = offset + np.arange(len(rows))
        pieces.append(text)
        offset += len(text)
    return pa.concat_arrays([piece.cast(pa.string()) for piece in pieces]).take(pa.array(where))
