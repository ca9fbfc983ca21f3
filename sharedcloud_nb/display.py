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

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._labels import NO_NAME, NO_UUID, image_labels
from .errors import InputTypeError
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
            named by its uuid; a row listed without a uuid (its name missing) reads "(no uuid)".
        note: a line shown under the card (e.g. where the data comes from).

    Returns:
        The :class:`Card`: the uuid, then each column of the schema, then the fields the API
        added later, as served.

    Example:
        >>> card = image_card(client.image("24b310f8-1405-4928-914f-d5c91272f88a"))
        >>> print(card.text.splitlines()[0])
        web-crawling · 24b310f8-1405-4928-914f-d5c91272f88a
    """
    uuid = f"({NO_UUID})" if _missing(image.name) else str(image.name)
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
        InputTypeError: (a TypeError) ``image`` is not a pandas Series (a whole frame, a uuid string).

    Example:
        >>> image = client.images().iloc[0]
        >>> print(sc.card(image).text.splitlines()[1])
        UUID:          dc348097-5124-43ca-83da-7768cc4276ce
    """
    if not isinstance(image, pd.Series):
        hint = " (pick one row: df.loc[uuid], or client.image(uuid))" if isinstance(image, pd.DataFrame) else ""
        raise InputTypeError(f"sc.card() shows one image, a pandas Series; got {type(image).__name__}{hint}.")
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
