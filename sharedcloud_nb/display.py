"""Display: how an image reads -- its label, its detail card, and the wording of times and counts.

Plain functions over pandas, shared by the picker and the plots; no ipywidgets, no traitlets:

- :func:`image_labels` -- one short label per image, the same in a plot's ticks and the picker's list;
- :class:`Card`, :func:`image_card`, :func:`gone_card`, :func:`error_card` -- the detail card, as
  escaped HTML or plain text; :func:`card` (``sc.card``) shows one image's card in a notebook;
- :func:`describe_delta`, :func:`format_time`, :func:`plural` -- durations, times and counts in words;
- :class:`StatusLines`, :func:`status_html` -- the coloured lines of a widget's status area.

The card's rows come from :data:`sharedcloud_nb.schema.TABLE` (its ``label`` per column), so a
column added to the schema shows on the card without a change here.
"""

from __future__ import annotations

import functools
import html
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import join_text
from ._uuidhex import first_eight, hex_digits
from .schema import COLUMNS, TABLE

__all__ = [
    "Card",
    "StatusLines",
    "card",
    "describe_delta",
    "error_card",
    "format_time",
    "gone_card",
    "image_card",
    "image_labels",
    "plural",
    "status_html",
]

RED = "#b00020"
GREEN = "#1b5e20"
GREY = "#555555"

#: The placeholder of a missing name, in labels and card titles.
NO_NAME = "(no name)"

#: What the picker's card says before a pick.
EMPTY_CARD_HTML = f'<span style="color:{GREY}">Pick an image to see its details.</span>'


def plural(count: int, word: str) -> str:
    """``count`` and ``word``, plural unless the count is one, with thousands separated.

    Example:
        >>> plural(10000, "image")
        '10,000 images'
    """
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def status_html(lines: Iterable[tuple[str, str]]) -> str:
    """Status lines as HTML: one escaped ``<div>`` per ``(text, kind)``, coloured by kind.

    Args:
        lines: ``(text, kind)`` pairs; kind is ``error`` (red), ``ok`` (green) or ``info`` (grey).
    """
    colours = {"error": RED, "ok": GREEN, "info": GREY}
    return "".join(f'<div style="color:{colours.get(kind, GREY)}">{html.escape(text)}</div>' for text, kind in lines)


class StatusLines:
    """The lines of a status area, each plain or coloured, rendered into ``target.value`` as HTML.

    Args:
        target: what shows the lines, e.g. an ``ipywidgets.HTML``; any object with a ``value``.
    """

    def __init__(self, target: Any) -> None:
        self.target = target
        self.lines: list[tuple[str, str]] = []

    def set(self, text: str, kind: str = "info") -> None:
        """Replace every line by ``text`` (none when it is empty)."""
        self.lines = [(text, kind)] if text else []
        self.target.value = status_html(self.lines)

    def add(self, text: str, kind: str = "error") -> None:
        """Add a line under the others."""
        self.lines.append((text, kind))
        self.target.value = status_html(self.lines)

    @property
    def text(self) -> str:
        """The lines as plain text."""
        return "\n".join(text for text, _ in self.lines)


def loading_html(uuid: str) -> str:
    """What the card shows while the picked image is read from the server."""
    return f'<span style="color:{GREY}">Loading {html.escape(uuid)}…</span>'


# -- labels ----------------------------------------------------------------------------------------


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

    def numbers() -> np.ndarray:
        ids = np.empty(count, dtype=np.int64)
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

    for form in range(1, 5):  # built only when needed: most catalogues stop after one or two steps
        ids = numbers()
        clash = np.bincount(ids)[ids] > 1
        if not clash.any():
            break
        before = step.copy()
        step[clash] = form
        for uuid_form in (3, 4):
            rows = np.flatnonzero(step == uuid_form)
            if not len(rows) or (uuid_form == 3 and eight is not None):  # (then made once, below)
                own.pop(uuid_form, None)
            elif uuid_form == 3 and form == 4 and 3 in own:
                # At the last step rows only leave form 3 (for form 4): keep the strings of those that stay.
                own[3] = own[3].filter(pa.array(step[before == 3] == 3))
            else:
                ident = uuid.take(pa.array(rows))
                if uuid_form == 3:
                    ident = pc.utf8_slice_codeunits(ident, 0, 8)
                own[uuid_form] = join_text(prefixes.take(pa.array(triple[rows])), ident, ")")

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


# -- time and text in words --------------------------------------------------------------------------

_UNITS = (
    # (name, seconds, the smallest duration written in this unit)
    ("year", 365 * 86400, 365 * 86400),
    ("month", 30 * 86400, 60 * 86400),
    ("week", 7 * 86400, 14 * 86400),
    ("day", 86400, 2 * 86400),
    ("hour", 3600, 2 * 3600),
    ("minute", 60, 2 * 60),
)


def describe_delta(delta: Any) -> str:
    """A duration in words, rounded down to its largest sensible unit (the sign is ignored).

    Example:
        >>> describe_delta(pd.Timedelta(days=23))
        '3 weeks'
        >>> describe_delta(pd.Timedelta(days=478))
        '1 year'
    """
    seconds = int(abs(pd.Timedelta(delta).total_seconds()))
    for name, size, threshold in _UNITS:
        if seconds >= threshold:
            return plural(seconds // size, name)
    return plural(seconds, "second")


def format_time(value: Any) -> str:
    """A timestamp as a readable UTC time (month spelled out, so day and month cannot swap).

    Example:
        >>> format_time(pd.Timestamp("2018-10-05 16:45:36", tz="UTC"))
        '5 Oct 2018 16:45:36 UTC'
    """
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return "unknown"
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return f"{stamp.day} {stamp:%b %Y %H:%M:%S} UTC"


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (list, dict, tuple)) and bool(pd.isna(value)))


def _relative(delta: Any, verb: str) -> str:
    if _missing(delta):
        return "unknown (a date is missing)"
    delta = pd.Timedelta(delta)
    if delta < pd.Timedelta(0):
        return f"{verb} {describe_delta(delta)} after the server time (the dates disagree)"
    return f"{verb} {describe_delta(delta)} before the server time"


def _text(value: Any, missing: str = "—") -> str:
    if _missing(value):
        return missing
    if isinstance(value, str):
        return value if value.strip() else "(empty)"
    return str(value)


# -- the card ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """What the picker's detail card shows: a title, (label, text) rows, and notes.

    ``html`` escapes every value (names and descriptions come from a server); ``text`` is the
    same content as plain lines, for a terminal or a compared notebook output.
    """

    title: str
    rows: tuple[tuple[str, str], ...] = ()
    note: str = ""
    error: str = ""

    @property
    def html(self) -> str:
        """The card as HTML, every value escaped."""
        parts = [f'<div style="font-weight:bold;margin-bottom:4px">{html.escape(self.title)}</div>']
        if self.error:
            parts.append(f'<div style="color:{RED}">{html.escape(self.error)}</div>')
        if self.rows:
            # Compact rows: JupyterLab's own table style pads each cell for a data table.
            cell = "padding:1px 1em 1px 0;line-height:1.35;text-align:left;vertical-align:top;border:none"
            cells = "".join(
                f'<tr><th style="{cell}">{html.escape(label)}</th><td style="{cell}">{html.escape(value)}</td></tr>'
                for label, value in self.rows
            )
            parts.append(f'<table style="border-collapse:collapse">{cells}</table>')
        if self.note:
            parts.append(f'<div style="color:{GREY};font-size:smaller">{html.escape(self.note)}</div>')
        return "".join(parts)

    @property
    def text(self) -> str:
        """The card as plain text lines."""
        lines = [self.title]
        if self.error:
            lines.append(self.error)
        width = max((len(label) for label, _ in self.rows), default=0)
        lines += [f"{label + ':':<{width + 1}} {value}" for label, value in self.rows]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.html

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text)


def _flag(value: Any) -> str:
    return "unknown" if _missing(value) else ("yes" if bool(value) else "no")


def _count(value: Any) -> str:
    return "unknown" if _missing(value) else f"{int(value):,}"


#: What happened at the start of each duration the frame derives ("created 3 weeks before ...").
_VERBS = {"age": "created", "since_update": "updated"}
# How each kind of column reads on the card, in the order the card groups them: the texts first, then
# the flag, the count, the dates, and the durations, which read against the server's clock.
_TEXT_KINDS = ("string", "category")
_CARD_KINDS: tuple[tuple[tuple[str, ...], Callable[[str, Any], str]], ...] = (
    (_TEXT_KINDS, lambda name, value: _text(value, "(none)" if name == "description" else "—")),
    (("boolean",), lambda name, value: _flag(value)),
    (("integer",), lambda name, value: _count(value)),
    (("date",), lambda name, value: format_time(value)),
    (("timedelta",), lambda name, value: _relative(value, _VERBS.get(name, "measured"))),
)
#: The card's rows after the uuid: (label, column, how it reads), from the schema.
_CARD_ROWS: tuple[tuple[str, str, Callable[[str, Any], str]], ...] = tuple(
    (column.label, column.name, show)
    for kinds, show in _CARD_KINDS
    for column in TABLE
    if column.kind in kinds and column.name != "uuid"
)
_CARD_KNOWN = frozenset(COLUMNS)


def image_card(image: pd.Series, *, note: str = "") -> Card:
    """The detail card of one image: every field, dates in UTC, ages against the server's clock.

    Args:
        image: a typed image Series (a row of ``client.images()`` or ``client.image(uuid)``),
            named by its uuid.
        note: a line shown under the card (e.g. where the data comes from).

    Returns:
        The :class:`Card`: the uuid, then each column of the schema, then the fields the API
        added later, as served.

    Example:
        >>> card = image_card(client.image("24b310f8-1405-4928-914f-d5c91272f88a"))
        >>> print(card.text.splitlines()[0])
        web-crawling · 24b310f8-1405-4928-914f-d5c91272f88a
    """
    uuid = str(image.name)
    rows: list[tuple[str, str]] = [("UUID", uuid)]
    rows += [(label, show(name, image.get(name))) for label, name, show in _CARD_ROWS]
    rows += [(str(key), _text(value)) for key, value in image.items() if key not in _CARD_KNOWN]
    return Card(title=f"{_text(image.get('name'), NO_NAME)} · {uuid}", rows=tuple(rows), note=note)


def card(image: pd.Series) -> Card:
    """The card the image picker shows, for one image: displays itself in a notebook.

    ``client.image(uuid)`` returns a typed Series; this shows it as the picker's detail card (HTML
    in Jupyter, aligned text elsewhere). An image of the demo catalogue says so under the card.

    Args:
        image: a typed image Series, from ``client.image(uuid)`` or a row of ``client.images()``
            (``df.loc[uuid]``).

    Returns:
        The :class:`Card`; ``.html`` and ``.text`` give its two forms.

    Raises:
        TypeError: ``image`` is not a pandas Series (a whole frame, a uuid string).

    Example:
        >>> image = client.images().iloc[0]
        >>> print(sc.card(image).text.splitlines()[1])
        UUID:          dc348097-5124-43ca-83da-7768cc4276ce
    """
    if not isinstance(image, pd.Series):
        hint = " (pick one row: df.loc[uuid], or client.image(uuid))" if isinstance(image, pd.DataFrame) else ""
        raise TypeError(f"sc.card() shows one image, a pandas Series; got {type(image).__name__}{hint}.")
    note = "Demo data: the built-in demo catalogue." if image.attrs.get("source") == "demo" else ""
    return image_card(image, note=note)


def _fallback_card(uuid: str, error: str, listed: pd.Series | None) -> Card:
    """A card that says what went wrong, over what the list said of the image, if anything."""
    if listed is None:
        return Card(title=f"(unknown image) · {uuid}", error=error, rows=(("UUID", uuid),))
    return Card(
        title=f"{_text(listed.get('name'), NO_NAME)} · {uuid}",
        error=error,
        rows=image_card(listed).rows,
        note="The details above are from the list loaded earlier.",
    )


def gone_card(uuid: str, listed: pd.Series | None = None) -> Card:
    """The card of an image the server no longer has (404), with what the list said, if known."""
    return _fallback_card(
        uuid,
        "This image no longer exists on the server (404 Not found): it was deleted after the list was loaded.",
        listed,
    )


def error_card(uuid: str, exc: BaseException, listed: pd.Series | None = None) -> Card:
    """The card when the image could not be read: the error's message, and the listed data, if any."""
    return _fallback_card(uuid, f"Could not read this image from the server: {exc}", listed)


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
