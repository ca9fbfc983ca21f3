"""Search: the image picker's index -- labels, search strings and filtering, with no widget in sight.

:class:`ImageIndex` builds, once per listing, one label (:func:`~sharedcloud_nb.display.image_labels`,
as the plots name images) and one folded search string per image (:func:`fold`: case, accents and
compatibility forms aside); :meth:`ImageIndex.search` answers a query with :class:`Matches`, and
:meth:`ImageIndex.resolve` says which listed image a pick names (an id as listed, whatever its
form, or any spelling of a uuid). The picker and the explorer share it. Plain pandas and pyarrow:
no ipywidgets, no traitlets.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import join_text
from ._fold import _folded, fold
from ._label_order import label_order
from ._labels import Columns, Ids, LabelParts, _label_parts, distinct, read_ids
from .client import canonical_uuid
from .display import plural

__all__ = ["PICKER_LIMIT", "ImageIndex", "Matches", "fold", "is_uuid"]

#: How many matches the picker's list shows at most; the count label says how many more there are.
PICKER_LIMIT = 200

#: The fields a search word is looked for in (besides the uuid, matched by its prefix).
SEARCHED = ("name", "runtime", "tag", "registry_path", "description")

_SEP = "\x1f"  # between fields of a search string, so a query never matches across two fields


# A uuid as the API writes it; any other id is checked by the uuid module (upper case, braces...).
_CANONICAL_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_UUID_PREFIX = re.compile(r"[0-9a-f-]{1,36}")
_HEX_HEAD = re.compile(r"[0-9a-f]{1,8}")


def is_uuid(value: object) -> bool:
    """Whether ``value`` is a uuid in any spelling the API's uuid check accepts (so the server can be asked).

    Example:
        >>> is_uuid("24B310F8-1405-4928-914F-D5C91272F88A"), is_uuid("web-crawling")
        (True, False)
    """
    try:
        canonical_uuid(value)
    except ValueError:
        return False
    return True


def _coded(columns: Columns, column: str) -> tuple[np.ndarray, pa.Array, bool]:
    """Each row's code among the column's distinct values, those values folded ("" last, for
    missing), and whether each row has its own (a column nearly all distinct, :meth:`Columns.rows`)."""
    codes, distinct, own = columns.rows(column)
    codes = np.where(codes < 0, len(distinct), codes)
    return codes, _folded(pa.concat_arrays([distinct, pa.array([""], type=pa.string())])), own


def _search_texts(columns: Columns) -> tuple[pa.Array, np.ndarray]:
    """The distinct search strings of the frame's rows, and each row's position among them.

    Images share their searched fields far more often than not (a million generated images have a
    few thousand distinct ones), so a word is looked for in each distinct string once, and the
    rows take the answer of theirs.
    """
    coded = [_coded(columns, column) for column in SEARCHED]
    texts = [(codes, folded) for codes, folded, _ in coded]
    if any(own for *_, own in coded):  # a column nearly all distinct: each row is a combination of its own
        first = combination = np.arange(len(columns.frame))
    else:
        key = np.zeros(len(columns.frame), dtype=np.int64)
        size = 1
        for codes, folded in texts:
            if size * len(folded) >= 2**62:  # renumber the combinations so far before the key overflows
                _, key = np.unique(key, return_inverse=True)
                size = int(key.max()) + 1 if len(key) else 1
            key = key * len(folded) + codes
            size *= len(folded)
        _, first, combination = distinct(key, size)
    joined = join_text(*(folded.take(codes[first]) for codes, folded in texts), separator=_SEP)
    return joined, combination.reshape(-1)


# From this many images the search strings are made on a thread of their own while the labels are.
_SIDE_BY_SIDE = 50_000


def _labels_and_texts(
    frame: pd.DataFrame, ids: Ids
) -> tuple[LabelParts, np.ndarray[Any, np.dtype[np.intp]], tuple[pa.Array, np.ndarray]]:
    """The labels, their order (:func:`label_order`) and the search strings (:func:`_search_texts`).

    The labels and the search strings are two chains of Arrow and numpy work, each of which lets
    go of the GIL: over a large frame they run side by side, on two cores where there are two.
    """
    columns = Columns(frame)
    if len(frame) < _SIDE_BY_SIDE:
        parts = _label_parts(frame, ids, columns)
        # The lowercased labels' order, from integer keys (see label_order): no million-string sort.
        return parts, label_order(parts), _search_texts(columns)
    for column in ("name", "runtime", "tag"):  # read by both: coded once, before they part
        columns.codes(column)
    with ThreadPoolExecutor(1, thread_name_prefix="sharedcloud-search") as pool:
        texts = pool.submit(_search_texts, columns)
        parts = _label_parts(frame, ids, columns)
        order = label_order(parts)
        return parts, order, texts.result()


def _unique(frame: pd.DataFrame, ids: Ids) -> bool:
    """``frame.index.is_unique``, without hashing a million strings when the ids are uuids.

    Ids equal only when their first 8 characters are (read as integers, :attr:`Ids.eight`): those
    are sorted, and only the few ids alike in them are compared as text. Other indexes (objects
    of any kind, ids that are not uuids) ask pandas.
    """
    if ids.alike is None or not isinstance(frame.index.dtype, pd.StringDtype):
        return bool(frame.index.is_unique)
    alike = ids.text.take(pa.array(ids.alike))
    return bool(pc.count_distinct(alike).as_py() == len(alike))


def _odd_ids(ids: Ids) -> np.ndarray[Any, np.dtype[np.intp]]:
    """The positions of the ids that are not uuids as the API writes them (lower case)."""
    if ids.read is not None:  # all written as uuids: those with an upper-case letter are odd
        lowered = pc.ascii_lower(ids.text)
        return np.flatnonzero(pc.not_equal(lowered, ids.text).to_numpy(zero_copy_only=False))
    return np.flatnonzero(~pc.match_substring_regex(ids.text, _CANONICAL_UUID).to_numpy(zero_copy_only=False))


def _without(text: pa.Array, rows: np.ndarray) -> pa.Array:
    """``text`` with its values at ``rows`` made missing."""
    mask = np.zeros(len(text), dtype=bool)
    mask[rows] = True
    return pc.if_else(pa.array(mask), pa.scalar(None, type=text.type), text)


@dataclass(frozen=True)
class Matches:
    """The result of :meth:`ImageIndex.search`.

    Attributes:
        mask: one bool per image of the index (in its order): does it match.
        total: how many match.
        shown: positions (in the index's order) of the first ``limit`` matches.
    """

    mask: np.ndarray[Any, np.dtype[np.bool_]]
    total: int
    shown: np.ndarray[Any, np.dtype[np.intp]]

    @property
    def more(self) -> int:
        """How many matches are not shown."""
        return self.total - len(self.shown)


class ImageIndex:
    """The picker's data: one label and one folded search string per image, built once.

    Images are sorted by label (:func:`~sharedcloud_nb.display.image_labels`: the name, and as
    much of runtime, tag and uuid as tells it apart). Every string is built column-wise with
    pandas/pyarrow, and a search is a few vectorised substring tests, so 10,000 images build and
    filter in milliseconds. A repeated uuid is listed once.

    An image listed without a uuid (a missing index value: ``sc.images_frame`` keeps such a record)
    is listed too, every one of them: its label says "no uuid", a search finds it by its fields,
    and its id here (:attr:`uuids`, :meth:`uuid_at`, what :meth:`resolve` and :meth:`row` take) is
    a placeholder key, "(no uuid #1)", "(no uuid #2)"... in the frame's order
    (:func:`~sharedcloud_nb._labels.no_uuid_keys`). Such a key is no uuid: :meth:`lacks_uuid`
    tells it, and the server is never asked for it.

    Args:
        frame: a typed images frame indexed by uuid (``client.images()``, ``sc.images_frame``).

    Example:
        >>> index = ImageIndex(client.images())
        >>> matches = index.search("tensorflow gpu")
        >>> [index.labels[i] for i in matches.shown][:1]
        ['tensorflow-gpu (python27, 1.8)']
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        ids = read_ids(frame)
        if not _unique(frame, ids):  # filtering copies every column: only when a uuid repeats
            # Images without a uuid are no repeats of each other: each is kept.
            repeats = frame.index.duplicated() & ~np.asarray(frame.index.isna(), dtype=bool)
            if repeats.any():
                frame = frame[~repeats]
                ids = read_ids(frame)
        parts, order, (texts, combination) = _labels_and_texts(frame, ids)

        self.frame = frame
        #: the frame position of each image, in the index's (label) order
        self.rows = order
        uuid_array = parts.uuid
        # As Arrow text in the frame's order: a million Python strings are made only if asked for
        # (uuids, labels, a lookup by uuid), and the index's order is taken then; the picker reads
        # the few it shows (uuid_at, label_at).
        self._uuid_text: pa.Array = uuid_array
        self._parts = parts
        self._uuids: np.ndarray[Any, np.dtype[np.object_]] | None = None
        self._labels: np.ndarray[Any, np.dtype[np.object_]] | None = None
        self._positions: dict[str, int] | None = None
        self._texts = texts
        self._text_of = combination[order]  # each image's position in _texts
        #: the placeholder keys of the images without a uuid (see the class's docstring)
        self._no_uuid: frozenset[str] = frozenset(uuid_array.take(pa.array(ids.missing)).to_pylist())
        # The listed ids that are uuids in another spelling (upper case, say), by their canonical
        # form: a pick of the canonical spelling finds them. Canonical ids, nearly all, need no entry.
        odd = _odd_ids(ids)
        listed = uuid_array.take(pa.array(odd))
        # A uuid is written with 32 hex digits at least: shorter ids (a million integers, say) are
        # none, and are not each asked.
        listed = listed.filter(pc.greater_equal(pc.utf8_length(listed), 32))
        self._aliases = {canonical_uuid(text): text for text in listed.to_pylist() if is_uuid(text)}
        # When every id is a canonical uuid, a word with a letter beyond a-f starts none of them,
        # and a word starts an id when its first 8 characters are the id's first 8 hex digits
        # (compared as integers) and the rest follows them (compared as text, in those ids alone).
        self._only_canonical = len(odd) == 0
        self._first: np.ndarray | None = None
        self._uuid: pa.Array | None = None  # folded, in the index's order, unless _first says it all
        if self._only_canonical and ids.first is not None:
            self._first = ids.first[order]
        else:
            # A placeholder key is no uuid that a word could start: those rows are searched as empty.
            searched = _without(uuid_array, ids.missing) if len(ids.missing) else uuid_array
            self._uuid = _folded(searched).take(order)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def uuids(self) -> np.ndarray[Any, np.dtype[np.object_]]:
        """The listed ids, in the index's (label) order (made on first use); an image without a
        uuid has its placeholder key ("(no uuid #1)")."""
        if self._uuids is None:
            self._uuids = np.asarray(self._uuid_text.take(pa.array(self.rows)).to_pylist(), dtype=object)
        return self._uuids

    @property
    def labels(self) -> np.ndarray[Any, np.dtype[np.object_]]:
        """The labels, in the index's order (made on first use)."""
        if self._labels is None:
            self._labels = np.asarray(self._parts.labels.take(pa.array(self.rows)).to_pylist(), dtype=object)
        return self._labels

    def uuid_at(self, position: int) -> str:
        """The id at ``position`` of the index's order (without making every id a Python string);
        a placeholder key for an image without a uuid."""
        return str(self._uuid_text[int(self.rows[position])].as_py())

    def ids_of(self, rows: np.ndarray) -> np.ndarray[Any, np.dtype[np.object_]]:
        """The ids of the frame's rows ``rows`` (positions in :attr:`frame`, not in the index's
        order), placeholder keys for the images without a uuid."""
        return np.asarray(self._uuid_text.take(pa.array(np.asarray(rows, dtype=np.int64))).to_pylist(), dtype=object)

    def lacks_uuid(self, uuid: str | None) -> bool:
        """Whether ``uuid`` is the placeholder key ("(no uuid #1)") of an image listed without a
        uuid: its row of the list is all there is, and the server cannot be asked for it."""
        return uuid in self._no_uuid

    def label_at(self, position: int) -> str:
        """The label at ``position`` of the index's order."""
        return self._parts.label(int(self.rows[position]))

    @property
    def _position(self) -> dict[str, int]:
        """id -> position in the index's order, built on first lookup."""
        if self._positions is None:
            self._positions = {uuid: i for i, uuid in enumerate(self.uuids)}
        return self._positions

    def resolve(self, value: object) -> str:
        """The id that a pick of ``value`` names: a listed id as listed, else the canonical uuid.

        An id listed exactly as given is taken as it is, uuid or not (an edited JSON file may hold
        any text); a uuid in any spelling names the listed image whose id is that uuid, and an
        unlisted uuid is returned in its canonical form (the server may know it).

        Raises:
            InputError: (a ValueError) ``value`` is neither a listed id nor a uuid.

        Example:
            >>> index.resolve("24B310F8-1405-4928-914F-D5C91272F88A")  # doctest: +SKIP
            '24b310f8-1405-4928-914f-d5c91272f88a'
        """
        if isinstance(value, str) and value in self._position:
            return value
        canonical = canonical_uuid(value)
        return canonical if canonical in self._position else self._aliases.get(canonical, canonical)

    def position(self, uuid: str) -> int | None:
        """The position of ``uuid`` in the index's order, or None when it is not listed."""
        return self._position.get(uuid)

    def row(self, uuid: str) -> pd.Series | None:
        """The listed image as a typed Series named by its uuid, or None when it is not listed.

        An image without a uuid (``uuid`` its placeholder key) keeps the frame's missing name:
        the key is no uuid of an image.
        """
        position = self._position.get(uuid)
        if position is None:
            return None
        series = self.frame.iloc[int(self.rows[position])].copy()
        if uuid not in self._no_uuid:
            series.name = uuid
        return series

    def search(self, query: str, limit: int = PICKER_LIMIT) -> Matches:
        """The images that match every word of ``query``.

        A word matches an image when it occurs in its name, runtime, tag, registry path or
        description, or when the image's uuid starts with it. Both sides are folded alike
        (:func:`fold`): case, accents and compatibility forms aside, so "izmir" finds "İzmir",
        "cafe" "Café", "strasse" "Straße", "οδος" "ΟΔΟΣ" and "cafe" full-width "ＣＡＦＥ".

        Args:
            query: words separated by spaces; empty matches everything.
            limit: how many positions of matches to return in ``shown``.

        Returns:
            The :class:`Matches`, positions in the index's (label) order.
        """
        words = fold(query).split()
        if not words:
            mask = np.ones(len(self), dtype=bool)
        else:
            mask = np.ones(len(self), dtype=bool)
            for word in words:
                in_text = pc.match_substring(self._texts, word).to_numpy(zero_copy_only=False).astype(bool)
                hit = in_text[self._text_of]
                if not self._only_canonical or _UUID_PREFIX.fullmatch(word):
                    hit |= self._uuid_starts(word)
                mask &= hit
        positions = np.flatnonzero(mask)
        return Matches(mask=mask, total=len(positions), shown=positions[:limit])

    def _uuid_starts(self, word: str) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Per image (in the index's order), whether its id, folded, starts with ``word``."""
        if self._first is None:
            assert self._uuid is not None
            return pc.starts_with(self._uuid, word).to_numpy(zero_copy_only=False).astype(bool)
        head = word[:8]
        if not _HEX_HEAD.fullmatch(head):  # a canonical uuid begins with 8 hex digits
            return np.zeros(len(self), dtype=bool)
        hit: np.ndarray[Any, np.dtype[np.bool_]] = (self._first >> (4 * (8 - len(head)))) == int(head, 16)
        if len(word) > 8:
            candidates = np.flatnonzero(hit)
            text = self._uuid_text.take(pa.array(self.rows[candidates]))
            hit[candidates] = pc.starts_with(text, word).to_numpy(zero_copy_only=False).astype(bool)
        return hit

    def count_text(self, matches: Matches) -> str:
        """The count label: "12 of 42 images", and how many more there are than shown."""
        text = f"{matches.total:,} of {plural(len(self), 'image')}"
        if matches.more > 0:
            text += f" — the first {len(matches.shown):,} shown, … and {matches.more:,} more (type to narrow)"
        return text


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
