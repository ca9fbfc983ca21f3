"""Image labels: how the picker, the explorer and the plots name an image, made column-wise.

The label is the bare name, then as much of runtime, tag and uuid as tells images apart
(:func:`image_labels`). It is built once per distinct (name, runtime, tag), and clashes are
counted on integers, so a million images need no million-string hashing.
:mod:`sharedcloud_nb.display` re-exports :func:`image_labels`.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import join_text
from ._columns import Columns
from ._textorder import text_ranks
from ._uuidhex import eight_digits, first_eight, hex_digits

__all__ = [
    "NO_NAME",
    "NO_UUID",
    "Columns",
    "Ids",
    "LabelParts",
    "distinct",
    "image_labels",
    "no_uuid_keys",
    "read_ids",
    "repeated",
]

#: The placeholder of a missing name, in labels and card titles.
NO_NAME = "(no name)"
#: What a label writes for an image listed without a uuid (``frames.images_frame`` keeps such a
#: record, its uuid missing): "name (no uuid)", "name (runtime, tag, no uuid)", where other labels
#: write a uuid. Never "None", "<NA>" or "nan".
NO_UUID = "no uuid"


def image_labels(frame: pd.DataFrame) -> pd.Series:
    """A short label per image that tells apart images sharing a name.

    The name alone when it is unique in the frame; else "name (runtime)"; else
    "name (runtime, tag)"; else "name (runtime, tag, first 8 characters of the uuid)"; else, for
    uuids alike in their first 8 characters, the whole uuid. Only the images that clash at one
    step go on to the next. A missing name reads "(no name)", a missing runtime or tag "?". An
    image listed without a uuid says so where a uuid would be written, and in any case: "name (no
    uuid)", "name (runtime, tag, no uuid)"; two such that still read alike are numbered as their
    placeholder ids are ("no uuid #2", see :func:`no_uuid_keys`).

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
class Ids:
    """A frame's ids as Arrow text and, when every one is a uuid, read as hex digits (:func:`read_ids`).

    Attributes:
        text: the ids as text, in the frame's order; a missing id (None, NA, NaN) as its placeholder
            key (:func:`no_uuid_keys`), so that every row has an id of its own.
        read: ``_uuidhex.hex_digits(text)``: the digits and the bytes, or None when an id is not a uuid
            (or is missing).
        missing: the positions of the missing ids, in order (empty nearly always).
    """

    text: pa.Array
    read: tuple[np.ndarray, np.ndarray] | None
    missing: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @functools.cached_property
    def eight(self) -> np.ndarray | None:
        """Per id, its first 8 characters as one integer (``_uuidhex.first_eight``), or None."""
        return None if self.read is None else first_eight(*self.read)

    @functools.cached_property
    def alike(self) -> np.ndarray | None:
        """The positions of the ids whose first 8 characters another id has too (found by sorting
        :attr:`eight`), or None: equal ids, and labels that 8 characters do not tell apart, are among them."""
        return None if self.eight is None else repeated(self.eight)

    @functools.cached_property
    def first(self) -> np.ndarray | None:
        """Per id, the value of its first 8 hex digits (``_uuidhex.eight_digits``), or None."""
        if self.read is None:
            return None
        if "eight" in self.__dict__:  # made already: its digits are its high bits
            return np.asarray(self.eight, dtype=np.int64) >> 8
        return eight_digits(self.read[0]).astype(np.int64)


def no_uuid_keys(count: int, listed: pa.Array) -> pa.Array:
    """The placeholder ids of ``count`` images listed without a uuid: "(no uuid #1)", "(no uuid #2)"...

    They stand for those images where an id is needed (the picker's ``value``, the explorer's
    ``selected``), numbered in the frame's order, and are never sent to the server. Should a listed
    id (``listed``) be one of them, every key takes a "*" more, so that no two images share an id.

    Example:
        >>> no_uuid_keys(2, pa.array(["24b310f8-1405-4928-914f-d5c91272f88a"])).to_pylist()
        ['(no uuid #1)', '(no uuid #2)']
    """
    listed = listed.cast(pa.string())
    suffix = ""
    while True:
        keys = pa.array([f"({NO_UUID} #{number}{suffix})" for number in range(1, count + 1)], type=pa.string())
        if not pc.any(pc.is_in(keys, value_set=listed)).as_py():
            return keys
        suffix += "*"


def read_ids(frame: pd.DataFrame) -> Ids:
    """The frame's ids (its index) as text, read as uuids when they all are (see :class:`Ids`).

    A missing id (a record whose uuid was missing or not text) becomes its placeholder key
    (:func:`no_uuid_keys`), whatever pandas version or index dtype holds it.
    """
    text: Any
    if isinstance(frame.index.dtype, pd.StringDtype):  # text already: no million Python strings
        text = pa.array(frame.index.array)
        text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
        missing = np.flatnonzero(text.is_null().to_numpy(zero_copy_only=False)) if text.null_count else None
        text = text.cast(pa.string())
    else:
        isna = np.asarray(frame.index.isna(), dtype=bool)
        missing = np.flatnonzero(isna) if isna.any() else None
        text = pa.array(pd.Series(frame.index.astype(str), dtype="string[pyarrow]"), type=pa.string())
        text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    if missing is None:
        return Ids(text, hex_digits(text))
    mask = np.zeros(len(text), dtype=bool)
    mask[missing] = True
    # str() wrote "None", "nan" or "<NA>" there (or Arrow left a null): no id of an image.
    listed = text.filter(pa.array(~mask))
    text = pc.replace_with_mask(text, pa.array(mask), no_uuid_keys(len(missing), listed).cast(text.type))
    return Ids(text, None, missing)


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
        first: every id's first 8 hex digits as one integer (``_uuidhex.eight_digits``), or None.
        marked: the labels of the rows without a uuid (:data:`NO_UUID`), by row; their ``where`` is -1.
    """

    shared: pa.Array
    where: np.ndarray
    step: np.ndarray
    triple: np.ndarray
    prefixes: pa.Array
    uuid: pa.Array
    digits: np.ndarray | None
    first: np.ndarray | None
    build: Callable[[], pa.Array] = field(repr=False, compare=False)
    marked: dict[int, str] = field(default_factory=dict)

    @functools.cached_property
    def labels(self) -> pa.Array:
        """Every row's label, as one Arrow string array in the frame's order."""
        labels = self.build()
        if self.marked:
            rows = np.fromiter(self.marked, dtype=np.intp, count=len(self.marked))
            mask = np.zeros(len(labels), dtype=bool)
            mask[rows] = True
            written = [self.marked[int(row)] for row in np.sort(rows)]  # in the order of the mask
            labels = pc.replace_with_mask(labels, pa.array(mask), pa.array(written, type=labels.type))
        return labels

    def label(self, row: int) -> str:
        """The label of the frame's row ``row``, as :attr:`labels` has it (without making them all)."""
        if self.marked and int(row) in self.marked:
            return self.marked[int(row)]
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
) -> np.ndarray:
    """Each row's label as a number: equal numbers, equal labels (the clashes are counted on these).

    The labels with a uuid are compared as the strings in ``own``: the way when the 8-character
    form's clashes cannot be counted on integers (see :func:`_eight_clashes`).
    """
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


def _label_parts(frame: pd.DataFrame, ids: Ids | None = None, columns: Columns | None = None) -> LabelParts:
    """The labels of :func:`image_labels` and how each was built (see :class:`LabelParts`).

    ``ids``, ``columns``: the frame's :func:`read_ids` and :class:`Columns`, when the caller has them already.
    """
    # Positional work throughout: the uuid index may repeat (the API once served duplicates).
    # The first three forms depend on (name, runtime, tag) alone: they are written once per
    # distinct triple, and a row holds the number of its label in a table of distinct labels, so
    # that a clash is a count, not a hash of a million strings. Only the rows that reach the
    # uuid forms get a string of their own.
    ids = ids if ids is not None else read_ids(frame)
    uuid, read = ids.text, ids.read
    triple, first, (n_, r_, t_), names = _triples(columns if columns is not None else Columns(frame))
    rows_of = np.bincount(triple, minlength=len(first)).astype(np.float64)
    # The distinct labels of the first three forms, numbered (strings[table_of[k][i]] is the
    # triple i's label of form k, -1 for a form it never reaches), and the form each triple's takes.
    strings, table_of, step_of = _shared_steps(names, (n_, r_, t_), rows_of)
    count = len(triple)
    own: dict[int, pa.Array] = {}  # the uuid forms (3, 4): each row's own string, for the rows at that form
    prefixes = join_text(n_, " (", r_, ", ", t_, ", ")  # "name (runtime, tag, "
    step = step_of[triple]  # which form each row's label has
    eight: np.ndarray | None = None
    at_uuid = np.flatnonzero(step_of == 3)
    if len(at_uuid):  # the third form still clashes: the uuid forms
        # When every id is a uuid and no "name (runtime, tag, " of these begins another label, two
        # labels with 8 characters of the uuid are equal exactly when their prefix and those
        # characters are: the clashes at that step are counted on integers, not on a million strings.
        prefix_code = _prefix_codes(prefixes, at_uuid, strings) if read is not None else None
        eight = ids.eight if prefix_code is not None else None
        _uuid_forms(own, step, step, 3, eight is not None, uuid, prefixes, triple)
        if eight is not None and prefix_code is not None and ids.alike is not None:
            clash = _eight_clashes(step, triple, eight, prefix_code, ids.alike)
        else:
            numbers = _label_numbers(step, table_of, triple, strings, own)
            clash = np.bincount(numbers)[numbers] > 1
        if clash.any():
            before = step.copy()
            step[clash] = 4
            _uuid_forms(own, step, before, 4, eight is not None, uuid, prefixes, triple)

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
    marked = _no_uuid_labels(ids.missing, step, triple, (n_, r_, t_)) if len(ids.missing) else {}
    where[ids.missing] = -1  # a label of its own, as those with a uuid have
    return LabelParts(strings, where, step, triple, prefixes, uuid, digits, ids.first, build, marked)


def _no_uuid_labels(
    missing: np.ndarray, step: np.ndarray, triple: np.ndarray, texts: tuple[pa.Array, pa.Array, pa.Array]
) -> dict[int, str]:
    """The labels of the rows without a uuid (``missing``), by row: as much of runtime and tag as
    their clashes asked for, then "no uuid" where a uuid would be written (the marker is always
    there: such an image cannot be read from the server). Two that still read alike are told apart
    by their placeholder key's number ("no uuid #2": the second image without a uuid)."""
    name, runtime, tag = (values.take(pa.array(triple[missing])).to_pylist() for values in texts)
    written = []
    for form, n, r, t in zip(step[missing].tolist(), name, runtime, tag, strict=True):
        inside = ("", f"{r}, ", f"{r}, {t}, ")[min(form, 2)]
        written.append(f"{n} ({inside}{NO_UUID}")
    counts = collections.Counter(written)
    return {
        int(row): label + (f" #{number})" if counts[label] > 1 else ")")
        for number, (row, label) in enumerate(zip(missing.tolist(), written, strict=True), start=1)
    }


def _shared_steps(
    names: tuple[np.ndarray, pa.Array], texts: tuple[pa.Array, pa.Array, pa.Array], rows_of: np.ndarray
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The distinct labels of the first three forms, their numbers per form and triple, and per
    triple the form its rows' labels reach in the first three steps (3: the third clashes too).

    Those labels depend on the triple alone, so their clashes are counted per triple, each
    weighted by its number of rows (``rows_of``), not per row. A form is written only for the
    triples that reach it: where names are mostly distinct, the first form (the name, numbered
    by its code among the distinct names) is nearly all there is.

    Args:
        names: per triple, its name's code among the distinct names; and those names.
        texts: per triple, its name, runtime and tag.
        rows_of: per triple, how many rows hold it.
    """
    name, runtime, tag = texts
    table = _Table(names[1])
    table_of = np.full((3, len(rows_of)), -1, dtype=np.int64)
    table_of[0] = names[0]
    step_of = np.zeros(len(rows_of), dtype=np.int64)
    triples = np.arange(len(rows_of))
    for form in (1, 2, 3):
        numbers = table_of[step_of, triples]
        clash = np.bincount(numbers, weights=rows_of)[numbers] > 1
        if not clash.any():
            break
        step_of[clash] = form
        if form < 3:  # the triples that take this form now: their labels of it, numbered
            new = np.flatnonzero(clash)
            take = pa.array(new)
            inside = (runtime.take(take),) if form == 1 else (runtime.take(take), ", ", tag.take(take))
            table_of[form, new] = table.number(join_text(name.take(take), " (", *inside, ")"))
    return table.strings(), table_of, step_of


class _Table:
    """Distinct labels numbered: the names first (distinct already), then the labels of the second
    and third forms as they are written, each a number of its own unless it is written already.

    Those labels end with ")": of the names, only those that do can be one of them, and only those
    are looked up (not a million names hashed again).
    """

    def __init__(self, names: pa.Array) -> None:
        text = pa.large_string()
        self._pieces = [names.cast(text)]
        self._size = len(names)
        closing = pc.ends_with(names, ")").to_numpy(zero_copy_only=False)
        self._closing_at = np.flatnonzero(closing).astype(np.int64)
        self._closing = names.take(pa.array(self._closing_at)).cast(text)

    def number(self, labels: pa.Array) -> np.ndarray:
        """The numbers of ``labels`` (new ones numbered here, in order)."""
        labels = labels.cast(pa.large_string())
        found = np.asarray(
            pc.index_in(labels, value_set=self._closing).fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64
        )
        numbers = np.full(len(labels), -1, dtype=np.int64)
        hit = found >= 0
        numbers[hit] = self._closing_at[found[hit]]
        new = np.flatnonzero(~hit)
        encoded = labels.take(pa.array(new)).dictionary_encode()
        numbers[new] = self._size + np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        added = encoded.dictionary
        self._pieces.append(added)
        self._closing = pa.concat_arrays([self._closing, added])
        self._closing_at = np.concatenate([self._closing_at, self._size + np.arange(len(added), dtype=np.int64)])
        self._size += len(added)
        return numbers

    def strings(self) -> pa.Array:
        """Every label numbered, in the order of their numbers."""
        return pa.concat_arrays(self._pieces)


def _eight_clashes(
    step: np.ndarray, triple: np.ndarray, eight: np.ndarray, prefix_code: np.ndarray, alike: np.ndarray
) -> np.ndarray:
    """The rows at the 8-character form whose label another row's equals: same prefix, same 8 characters.

    Such a label equals no label of another form (see :func:`_prefix_codes`), and labels of the
    first three forms that did not clash before do not now: only these rows are compared, as
    integers, and of them only those whose 8 characters another id has too (``alike``, :attr:`Ids.alike`).
    """
    rows = alike[step[alike] == 3]
    clash = np.zeros(len(step), dtype=bool)
    clash[rows[repeated((prefix_code[triple[rows]] << 40) | eight[rows])]] = True
    return clash


def repeated(key: np.ndarray) -> np.ndarray[Any, np.dtype[np.intp]]:
    """The positions of the keys that occur more than once (in no particular order), found by sorting.

    Example:
        >>> sorted(repeated(np.array([7, 3, 7, 1])).tolist())
        [0, 2]
    """
    order = np.argsort(key)  # ties need no order: only whether a key repeats is read
    ordered = key[order]
    same = ordered[1:] == ordered[:-1]
    marked = np.zeros(len(key), dtype=bool)
    marked[1:] |= same
    marked[:-1] |= same
    return order[marked]


def _prefix_codes(prefixes: pa.Array, at_uuid: np.ndarray, strings: pa.Array) -> np.ndarray | None:
    """Per triple, its number among the distinct "name (runtime, tag, " prefixes of the triples
    ``at_uuid`` (-1 for the others); or None when one of those begins another of them or a label
    without a uuid (a label with a uuid could then equal one that has another prefix, or one
    without a uuid).

    Only the triples whose labels take a uuid have their prefix in a label, and a string a prefix
    begins holds its ", ": the other labels without a uuid, most of them, need no sorting.
    """
    encoded = prefixes.take(pa.array(at_uuid)).dictionary_encode()
    distinct = encoded.dictionary.cast(pa.large_string())
    others = strings.filter(pc.match_substring(strings, ", ")).cast(pa.large_string())
    marked = np.arange(len(distinct) + len(others)) < len(distinct)
    if text_ranks(pa.concat_arrays([distinct, others]), marked) is None:
        return None
    codes = np.full(len(prefixes), -1, dtype=np.int64)
    codes[at_uuid] = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return codes


def _texts(columns: Columns, column: str, missing: str) -> tuple[np.ndarray, pa.Array]:
    """A column's codes and distinct values, ``missing`` written where a value is: values as text
    are distinct (the missing one may be written as a listed one: it then takes that one's code)."""
    codes, values = columns.codes(column)  # distinct already: found by a scan, not hashed again
    at = int(pc.index(values, pa.scalar(missing, pa.string())).as_py()) if len(values) else -1
    if at < 0:
        at, values = len(values), pa.concat_arrays([values, pa.array([missing], type=pa.string())])
    return np.where(codes < 0, at, codes), values


def _triples(
    columns: Columns,
) -> tuple[np.ndarray, np.ndarray, tuple[pa.Array, pa.Array, pa.Array], tuple[np.ndarray, pa.Array]]:
    """Each row's number among the distinct (name, runtime, tag), a row of each, each one's texts,
    and each one's name as a code among the distinct names, with those names."""
    coded = [_texts(columns, "name", NO_NAME), _texts(columns, "runtime", "?"), _texts(columns, "tag", "?")]
    key = np.zeros(len(coded[0][0]), dtype=np.int64)
    size = 1
    for codes, values in coded:
        if size * max(len(values), 1) >= 2**62:  # renumber before the key overflows
            _, key = np.unique(key, return_inverse=True)
            size = int(key.max()) + 1 if len(key) else 1
        key = key * max(len(values), 1) + codes
        size *= max(len(values), 1)
    _, first, triple = distinct(key, size)
    name, runtime, tag = (values.take(pa.array(codes[first])) for codes, values in coded)
    return triple, first, (name, runtime, tag), (coded[0][0][first], coded[0][1])


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
