"""Widgets: the token form and the image picker, on ipywidgets 8 (loaded on first use).

This module owns the two notebook widgets, :func:`token_form` and :func:`image_picker`. Their
logic lives in plain functions and classes that know nothing of ipywidgets and take callbacks:

- connecting: :func:`validate_token`, :func:`connected_message`, :func:`error_message`;
- picking: :class:`ImageIndex` (labels, search strings, filtering), :func:`image_card`,
  :func:`gone_card`, :func:`error_card`, :func:`describe_delta`, :func:`format_time`.

:class:`TokenForm` and :class:`ImagePicker` are thin shells that wire those to widgets. Each
exposes its root widget as ``.widget`` and displays itself in a notebook; where widgets cannot
render, its text form says in one line what to do instead.

The token and the password live only in the resulting :class:`~sharedcloud_nb.Client`: the form
empties every secret field the moment it reads it, before any request is sent, so neither the
saved widget state nor the notebook file ever holds one.

ipywidgets is imported when a widget is built, not when this module is imported, so that the pure
helpers work (and ``import sharedcloud_nb`` stays light) without it. Every important widget
carries a stable CSS class for browser tests: ``sc-token-form``, ``sc-token-input``,
``sc-connect``, ``sc-status``, ``sc-username``, ``sc-password``, ``sc-login``, ``sc-url``,
``sc-image-picker``, ``sc-picker-search``, ``sc-picker-count``, ``sc-picker-list``,
``sc-picker-card``, ``sc-picker-status``.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _config
from .client import Client, canonical_uuid, check_url, login
from .errors import APIError, NotFoundError, SharedcloudError

_NEEDS_WIDGETS = (
    "sc.token_form() and sc.image_picker() need ipywidgets 8 and a Jupyter front end: "
    "pip install 'sharedcloud_nb[notebook]'."
)

try:  # traitlets comes with ipywidgets and ipykernel; the traits make .client/.value observable.
    import traitlets
except ImportError as exc:  # pragma: no cover - exercised only without the notebook extra
    raise ImportError(_NEEDS_WIDGETS) from exc

__all__ = [
    "Card",
    "ImageIndex",
    "ImagePicker",
    "TokenForm",
    "connected_message",
    "describe_delta",
    "error_card",
    "error_message",
    "format_time",
    "gone_card",
    "image_card",
    "image_picker",
    "token_form",
    "validate_token",
]

log = logging.getLogger("sharedcloud_nb")

#: What a front end without widgets shows instead of the token form (one line).
TOKEN_FORM_TEXT = (
    "Sharedcloud token form (widgets cannot show here): to connect without it, set "
    "SHAREDCLOUD_TOKEN, or run sc.connect(token=getpass())."
)

#: How many matches the picker's list shows at most; the count label says how many more there are.
PICKER_LIMIT = 200

_RED = "#b00020"
_GREEN = "#1b5e20"
_GREY = "#555555"
_SEP = "\x1f"  # between fields of a search string, so a query never matches across two fields


def _ipywidgets() -> Any:
    """The ipywidgets module, or an ImportError that says how to install it."""
    try:
        import ipywidgets
    except ImportError as exc:
        raise ImportError(_NEEDS_WIDGETS) from exc
    return ipywidgets


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _callback_name(callback: Callable[..., Any]) -> str:
    return getattr(callback, "__qualname__", None) or getattr(callback, "__name__", None) or repr(callback)


def _detached(exc: BaseException) -> BaseException:
    """``exc`` with no traceback along its chain: the frames would keep the token or password alive."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__
    return exc


def _redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced; a last guard, since no message should hold one anyway."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "<hidden>")
    return text


# -- connecting: plain functions -------------------------------------------------------------


def validate_token(token: str, url: str, **options: Any) -> tuple[Client, int]:
    """A client for ``token`` at ``url``, checked by listing the images it can see.

    Args:
        token: the API token.
        url: the host root.
        **options: passed on to :class:`~sharedcloud_nb.Client` (timeout, retries, session).

    Returns:
        The client and the number of images it sees.

    Raises:
        ValueError: an empty or malformed token, or a malformed url (nothing is sent).
        InsecureURLError: ``http://`` to a host that is not loopback (nothing is sent).
        AuthenticationError: the server refused the token.
        SharedcloudError: any other failure of the listing.

    Example:
        >>> client, count = validate_token(token, "https://sharedcloud.io")  # doctest: +SKIP
    """
    client = Client(token, url=check_url(url), **options)
    return client, len(client.list_images())


def connected_message(client: Client, count: int) -> str:
    """The status line after a successful connect.

    Example:
        >>> connected_message(Client("my-api-token", url="https://sharedcloud.io"), 42)
        'Connected to sharedcloud.io — 42 images visible'
    """
    where = "the demo catalogue" if client.is_demo else (urlsplit(client.url).netloc or client.url)
    return f"Connected to {where} — {_plural(count, 'image')} visible"


def error_message(exc: BaseException) -> str:
    """What a failed connect or login says: the server's own words, or the transport problem.

    Example:
        >>> from sharedcloud_nb import AuthenticationError
        >>> error_message(AuthenticationError("...", status=401, detail="Invalid token."))
        'Invalid token. (HTTP 401)'
    """
    if isinstance(exc, APIError) and exc.detail:
        return f"{exc.detail} (HTTP {exc.status})"
    if isinstance(exc, (SharedcloudError, ValueError)):
        return str(exc) or type(exc).__name__
    return f"unexpected {type(exc).__name__}: {exc}"


# -- picking: plain functions and classes -----------------------------------------------------

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
            return _plural(seconds // size, name)
    return _plural(seconds, "second")


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


def _relative(delta: Any, verb: str) -> str:
    if delta is None or pd.isna(delta):
        return "unknown (a date is missing)"
    delta = pd.Timedelta(delta)
    if delta < pd.Timedelta(0):
        return f"{verb} {describe_delta(delta)} after the server time (the dates disagree)"
    return f"{verb} {describe_delta(delta)} before the server time"


def _text(value: Any, missing: str = "—") -> str:
    if value is None or (not isinstance(value, (list, dict, tuple)) and pd.isna(value)):
        return missing
    if isinstance(value, str):
        return value if value.strip() else "(empty)"
    return str(value)


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
            parts.append(f'<div style="color:{_RED}">{html.escape(self.error)}</div>')
        if self.rows:
            # Compact rows: JupyterLab's own table style pads each cell for a data table.
            cell = "padding:1px 1em 1px 0;line-height:1.35;text-align:left;vertical-align:top;border:none"
            cells = "".join(
                f'<tr><th style="{cell}">{html.escape(label)}</th><td style="{cell}">{html.escape(value)}</td></tr>'
                for label, value in self.rows
            )
            parts.append(f'<table style="border-collapse:collapse">{cells}</table>')
        if self.note:
            parts.append(f'<div style="color:{_GREY};font-size:smaller">{html.escape(self.note)}</div>')
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


_CARD_FIELDS = (
    ("Name", "name"),
    ("Description", "description"),
    ("Runtime", "runtime"),
    ("Tag", "tag"),
    ("Registry path", "registry_path"),
    ("Repository", "repository"),
)
_CARD_KNOWN = {
    "name", "description", "runtime", "tag", "registry_path", "repository", "requires_gpu",
    "num_installations", "created_at", "updated_at", "current_server_time", "age", "since_update",
}  # fmt: skip


def image_card(image: pd.Series, *, note: str = "") -> Card:
    """The detail card of one image: every field, dates in UTC, ages against the server's clock.

    Args:
        image: a typed image Series (a row of ``client.images()`` or ``client.image(uuid)``),
            named by its uuid.
        note: a line shown under the card (e.g. where the data comes from).

    Example:
        >>> card = image_card(client.image("24b310f8-1405-4928-914f-d5c91272f88a"))  # doctest: +SKIP
        >>> print(card.text)  # doctest: +SKIP
    """
    uuid = str(image.name)
    rows: list[tuple[str, str]] = [("UUID", uuid)]
    for label, key in _CARD_FIELDS:
        rows.append((label, _text(image.get(key), "(none)" if key == "description" else "—")))
    gpu = image.get("requires_gpu")
    rows.append(("GPU", "unknown" if gpu is None or pd.isna(gpu) else ("yes" if bool(gpu) else "no")))
    installs = image.get("num_installations")
    rows.append(("Installations", "unknown" if installs is None or pd.isna(installs) else f"{int(installs):,}"))
    rows.append(("Created", format_time(image.get("created_at"))))
    rows.append(("Updated", format_time(image.get("updated_at"))))
    rows.append(("Server time", format_time(image.get("current_server_time"))))
    rows.append(("Age", _relative(image.get("age"), "created")))
    rows.append(("Last update", _relative(image.get("since_update"), "updated")))
    for key, value in image.items():  # fields the API added later: shown as served
        if key not in _CARD_KNOWN:
            rows.append((str(key), _text(value)))
    name = _text(image.get("name"), "(no name)")
    return Card(title=f"{name} · {uuid}", rows=tuple(rows), note=note)


def gone_card(uuid: str, listed: pd.Series | None = None) -> Card:
    """The card of an image the server no longer has (404), with what the list said, if known."""
    name = _text(listed.get("name"), "(no name)") if listed is not None else "(unknown image)"
    rows = image_card(listed).rows if listed is not None else (("UUID", uuid),)
    return Card(
        title=f"{name} · {uuid}",
        error="This image no longer exists on the server (404 Not found): it was deleted after the list was loaded.",
        rows=rows,
        note="The details above are from the list loaded earlier." if listed is not None else "",
    )


def error_card(uuid: str, exc: BaseException, listed: pd.Series | None = None) -> Card:
    """The card when the image could not be read: the error's message, and the listed data, if any."""
    name = _text(listed.get("name"), "(no name)") if listed is not None else "(unknown image)"
    rows = image_card(listed).rows if listed is not None else (("UUID", uuid),)
    return Card(
        title=f"{name} · {uuid}",
        error=f"Could not read this image from the server: {exc}",
        rows=rows,
        note="The details above are from the list loaded earlier." if listed is not None else "",
    )


def _lower_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series("", index=frame.index, dtype="string[pyarrow]")
    return frame[column].astype("string[pyarrow]").fillna("").str.lower()


@dataclass(frozen=True)
class Matches:
    """The result of :meth:`ImageIndex.search`.

    Attributes:
        mask: one bool per image of the index (in its order): does it match.
        total: how many match.
        shown: positions (in the index's order) of the first ``limit`` matches.
    """

    mask: np.ndarray
    total: int
    shown: np.ndarray

    @property
    def more(self) -> int:
        """How many matches are not shown."""
        return self.total - len(self.shown)


class ImageIndex:
    """The picker's data: one label and one lowercase search string per image, built once.

    Images are sorted by label (name, runtime, uuid). Every string is built column-wise with
    pandas/pyarrow, and a search is a few vectorised substring tests, so 10,000 images build and
    filter in milliseconds. A repeated uuid is listed once.

    Args:
        frame: a typed images frame indexed by uuid (``client.images()``, ``sc.images_frame``).

    Example:
        >>> index = ImageIndex(client.images())  # doctest: +SKIP
        >>> matches = index.search("tensorflow gpu")  # doctest: +SKIP
        >>> [index.labels[i] for i in matches.shown][:1]  # doctest: +SKIP
        ['tensorflow-gpu · python27 · 1d0538c3']
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        frame = frame[~frame.index.duplicated()]
        uuids = pd.Series(frame.index.astype(str), index=frame.index, dtype="string[pyarrow]")
        name = frame["name"].astype("string[pyarrow]") if "name" in frame else None
        runtime = frame["runtime"].astype("string[pyarrow]") if "runtime" in frame else None
        name = name.fillna("(no name)") if name is not None else pd.Series("(no name)", index=frame.index)
        runtime = runtime.fillna("?") if runtime is not None else pd.Series("?", index=frame.index)
        labels = name + " · " + runtime + " · " + uuids.str.slice(0, 8)
        clash = labels.duplicated(keep=False).to_numpy()
        if clash.any():  # same name, runtime and uuid prefix: the whole uuid tells them apart
            labels = labels.where(~clash, name + " · " + runtime + " · " + uuids)
        text = _lower_column(frame, "name")
        for column in ("runtime", "tag", "registry_path", "description"):
            text = text + _SEP + _lower_column(frame, column)
        # Arrow sorts strings natively (and stably), far faster than numpy on object arrays.
        order = pc.sort_indices(pa.array(labels.str.lower(), type=pa.string())).to_numpy()

        self.frame = frame
        #: the frame position of each image, in the index's (label) order
        self.rows = order
        self.uuids: np.ndarray = uuids.to_numpy(dtype=object)[order]
        self.labels: np.ndarray = labels.to_numpy(dtype=object)[order]
        self._text = pa.array(text, type=pa.string()).take(order)
        self._uuid = pa.array(uuids.str.lower(), type=pa.string()).take(order)
        self._position = {uuid: i for i, uuid in enumerate(self.uuids)}

    def __len__(self) -> int:
        return len(self.uuids)

    def position(self, uuid: str) -> int | None:
        """The position of ``uuid`` in the index's order, or None when it is not listed."""
        return self._position.get(uuid)

    def row(self, uuid: str) -> pd.Series | None:
        """The listed image as a typed Series named by its uuid, or None when it is not listed."""
        position = self._position.get(uuid)
        if position is None:
            return None
        series = self.frame.iloc[int(self.rows[position])].copy()
        series.name = uuid
        return series

    def search(self, query: str, limit: int = PICKER_LIMIT) -> Matches:
        """The images that match every word of ``query``.

        A word matches an image when it occurs (case-insensitive) in its name, runtime, tag,
        registry path or description, or when the image's uuid starts with it.

        Args:
            query: words separated by spaces; empty matches everything.
            limit: how many positions of matches to return in ``shown``.
        """
        words = query.lower().split()
        if not words:
            mask = np.ones(len(self), dtype=bool)
        else:
            hits: Any = None
            for word in words:
                hit = pc.or_(pc.match_substring(self._text, word), pc.starts_with(self._uuid, word))
                hits = hit if hits is None else pc.and_(hits, hit)
            mask = hits.to_numpy(zero_copy_only=False).astype(bool, copy=False)
        positions = np.flatnonzero(mask)
        return Matches(mask=mask, total=len(positions), shown=positions[:limit])

    def count_text(self, matches: Matches) -> str:
        """The count label: "12 of 42 images", and how many more there are than shown."""
        text = f"{matches.total:,} of {_plural(len(self), 'image')}"
        if matches.more > 0:
            text += f" — the first {len(matches.shown):,} shown, … and {matches.more:,} more (type to narrow)"
        return text


# -- the widgets ----------------------------------------------------------------------------


class _Status:
    """Lines of a status area, each plain or coloured, rendered into an HTML widget."""

    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.lines: list[tuple[str, str]] = []

    def set(self, text: str, kind: str = "info") -> None:
        self.lines = [(text, kind)] if text else []
        self._render()

    def add(self, text: str, kind: str = "error") -> None:
        self.lines.append((text, kind))
        self._render()

    @property
    def text(self) -> str:
        return "\n".join(text for text, _ in self.lines)

    def _render(self) -> None:
        colours = {"error": _RED, "ok": _GREEN, "info": _GREY}
        self.widget.value = "".join(
            f'<div style="color:{colours.get(kind, _GREY)}">{html.escape(text)}</div>' for text, kind in self.lines
        )


class _Displayable:
    """Display through the root widget, with a one-line text form where widgets cannot render."""

    widget: Any

    def _text_form(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs))
        bundle["text/plain"] = self._text_form()
        return bundle

    def __repr__(self) -> str:
        return self._text_form()


class TokenForm(_Displayable, traitlets.HasTraits):
    """A form that asks for the API token (or a username and password) and connects.

    Build it with :func:`token_form`. Widgets (each also reachable by its CSS class):
    ``token`` (Password, ``sc-token-input``), ``connect`` (Button, ``sc-connect``), ``status``
    (HTML, ``sc-status``), ``username`` / ``password`` / ``login`` under the folded
    "Username and password" section, ``url`` under "Advanced", and ``widget``, the root.

    The token field connects when its value is committed (Enter, or leaving the field, which
    clicking Connect does first). Every secret field is emptied the moment it is read.

    Traits (observable with ``form.observe(callback, "client")``):
        client: the connected Client, None before the first successful connect. A failed later
            attempt leaves the previous connection in place.
        status_text: the status area's text.
        busy: True while a request is in flight (the buttons are disabled meanwhile).
    """

    client = traitlets.Instance(Client, allow_none=True, read_only=True)
    status_text = traitlets.Unicode("", read_only=True)
    busy = traitlets.Bool(False, read_only=True)

    def __init__(
        self,
        on_connect: Callable[[Client], Any] | None = None,
        *,
        url: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__()
        w = _ipywidgets()
        self._options = options
        self._callbacks: list[Callable[[Client], Any]] = []
        if on_connect is not None:
            self.on_connect(on_connect)
        #: the last exception of a connect, login or callback; a failed connect's comes without its
        #: traceback, whose frames would hold the token
        self.last_error: BaseException | None = None
        # A click on Connect first commits the field (the browser's change event), which already
        # connects; the click that follows must then not say "the field is empty".
        self._token_taken = False
        self._password_taken = False
        self._connected_line = ""

        self.token = w.Password(
            placeholder="Paste your API token, then press Enter",
            continuous_update=False,  # the value reaches the kernel once, on Enter or on leaving the field
            description="Token",
            layout=w.Layout(width="420px"),
        )
        self.connect = w.Button(description="Connect", button_style="primary", tooltip="Check the token and connect")
        self.username = w.Text(placeholder="username", description="Username")
        self.password = w.Password(placeholder="password, then Enter", description="Password", continuous_update=False)
        self.login = w.Button(description="Log in", tooltip="Get a token with the username and password, and connect")
        self.url = w.Text(value=_config.resolve_url(url)[0], description="Server", layout=w.Layout(width="420px"))
        self.status = w.HTML(value="")
        self._status = _Status(self.status)
        login_box = w.VBox(
            [
                w.HTML(
                    f'<span style="color:{_GREY}">Gets a token from the server (api-token-auth) and connects with it.</span>'
                ),
                self.username,
                self.password,
                self.login,
            ]
        )
        advanced = w.VBox(
            [
                self.url,
                w.HTML(
                    f'<span style="color:{_GREY}">Default: SHAREDCLOUD_URL, else SHAREDCLOUD_CLI_URL, else https://sharedcloud.io.</span>'
                ),
            ]
        )
        self.more = w.Accordion(children=[login_box, advanced], titles=("Username and password", "Advanced"))
        self.more.selected_index = None  # folded
        self.widget = w.VBox([w.HBox([self.token, self.connect]), self.more, self.status])

        for widget, css in (
            (self.widget, "sc-token-form"),
            (self.token, "sc-token-input"),
            (self.connect, "sc-connect"),
            (self.status, "sc-status"),
            (self.username, "sc-username"),
            (self.password, "sc-password"),
            (self.login, "sc-login"),
            (self.url, "sc-url"),
        ):
            widget.add_class(css)

        self.token.observe(self._token_committed, names="value")
        self.connect.on_click(self._connect_clicked)
        self.password.observe(self._password_committed, names="value")
        self.login.on_click(self._login_clicked)

    # -- public ---------------------------------------------------------------------------------

    def on_connect(self, callback: Callable[[Client], Any], remove: bool = False) -> None:
        """Register (or remove) a callback called with the Client after each successful connect.

        An exception in a callback is shown in the status area (and kept in ``last_error``);
        the other callbacks still run.
        """
        if remove:
            self._callbacks = [cb for cb in self._callbacks if cb != callback]  # == matches bound methods
        else:
            self._callbacks.append(callback)

    def _text_form(self) -> str:
        return TOKEN_FORM_TEXT

    # -- the token field and button ---------------------------------------------------------------

    def _token_committed(self, change: dict[str, Any]) -> None:
        token = change["new"]
        if not token:
            return  # our own reset to ""
        self.token.value = ""  # before anything else: the widget state must never hold it
        self._token_taken = True
        if not token.strip():
            self._status.set("The token field was blank: paste your API token, then press Enter.", "error")
            self._sync_status()
            return
        self._attempt(lambda url: token, secrets=(token,))

    def _connect_clicked(self, _button: Any) -> None:
        if self.token.value:  # a front end that sent the click before the value: take it now
            self._token_committed({"new": self.token.value})
        elif self._token_taken:
            self._token_taken = False  # the click that committed the field; it has connected already
        else:
            self._empty_click("Paste your API token in the field first (or open “Username and password”).")

    # -- username and password --------------------------------------------------------------------

    def _password_committed(self, change: dict[str, Any]) -> None:
        password = change["new"]
        if not password:
            return
        self.password.value = ""
        self._password_taken = True
        username = self.username.value.strip()
        if not username:
            self._status.set("Type the username first, then the password again.", "error")
            self._sync_status()
            return
        options = {k: v for k, v in self._options.items() if k == "timeout"}
        self._attempt(
            lambda url: login(username, password, url=url, **options), secrets=(password,), verb="Logging in to"
        )

    def _login_clicked(self, _button: Any) -> None:
        if self.password.value:
            self._password_committed({"new": self.password.value})
        elif self._password_taken:
            self._password_taken = False
        else:
            self._empty_click("Type the username and the password first.")

    def _empty_click(self, hint: str) -> None:
        if self.client is not None and self._connected_line:
            self._status.set(self._connected_line, "ok")  # keep saying what is connected
            self._status.add("To connect with another account, " + hint[0].lower() + hint[1:], "info")
        else:
            self._status.set(hint, "info")
        self._sync_status()

    # -- the one place a connect happens ------------------------------------------------------------

    def _attempt(
        self, get_token: Callable[[str], str], *, secrets: tuple[str, ...], verb: str = "Connecting to"
    ) -> None:
        if self.busy:  # a request is in flight; a second one would race it
            return
        url = self.url.value.strip()
        self._set_busy(True)
        try:
            self._status.set(f"{verb} {urlsplit(url).netloc or url}…", "info")
            self._sync_status()
            url = check_url(url)
            token = get_token(url)
            client, count = validate_token(token, url, **self._options)
        except Exception as exc:
            self.last_error = _detached(exc)
            self._status.set("Could not connect: " + _redact(error_message(exc), secrets), "error")
            self._sync_status()
            return
        finally:
            self._set_busy(False)
        self._connected_line = connected_message(client, count)
        self._status.set(self._connected_line, "ok")
        try:
            self.set_trait("client", client)
        except Exception as exc:
            self._callback_failed("an observer of form.client", exc)
        for callback in list(self._callbacks):
            try:
                callback(client)
            except Exception as exc:
                self._callback_failed(f"on_connect callback {_callback_name(callback)}", exc)
        self._sync_status()

    def _callback_failed(self, who: str, exc: BaseException) -> None:
        self.last_error = exc
        log.debug("%s raised", who, exc_info=exc)
        self._status.add(f"{who} raised {type(exc).__name__}: {exc}", "error")

    def _set_busy(self, busy: bool) -> None:
        self.connect.disabled = busy
        self.login.disabled = busy
        self.set_trait("busy", busy)

    def _sync_status(self) -> None:
        self.set_trait("status_text", self._status.text)


class ImagePicker(_Displayable, traitlets.HasTraits):
    """A searchable list of images and a detail card of the one picked.

    Build it with :func:`image_picker`. Widgets (each also reachable by its CSS class):
    ``search`` (Text, ``sc-picker-search``), ``count_label`` (Label, ``sc-picker-count``),
    ``select`` (Select, ``sc-picker-list``; option values are uuids), ``card`` (HTML,
    ``sc-picker-card``), ``status`` (HTML, ``sc-picker-status``: callback errors), and
    ``widget``, the root.

    Traits:
        value: the picked uuid, None before. Setting it selects that image (clearing the search
            if it hides it) and shows its card.

    Attributes:
        image: the typed Series of the pick (fresh from the server when a client is at hand),
            None before or when it could not be read.
        frame: the listed images; index: their :class:`ImageIndex`; client: the Client used for
            the detail request, or None.
    """

    value = traitlets.Unicode(None, allow_none=True)

    def __init__(
        self,
        source: Client | pd.DataFrame,
        *,
        client: Client | None = None,
        on_pick: Callable[[pd.Series], Any] | None = None,
        limit: int = PICKER_LIMIT,
    ) -> None:
        super().__init__()
        if isinstance(source, Client):
            client = client if client is not None else source
            frame = source.images()
        elif isinstance(source, pd.DataFrame):
            frame = source
        else:
            raise TypeError(
                f"image_picker() takes a Client or an images DataFrame (client.images()), got {type(source).__name__}."
            )
        w = _ipywidgets()
        self.client = client
        self.frame = frame
        self.index = ImageIndex(frame)
        self.limit = limit
        self.image: pd.Series | None = None
        #: the last exception of a detail request or callback
        self.last_error: BaseException | None = None
        self._callbacks: list[Callable[[pd.Series], Any]] = []
        if on_pick is not None:
            self.on_pick(on_pick)
        self._syncing = False
        self._matches: Matches | None = None

        self.search = w.Text(
            placeholder="Search name, runtime, registry path, description or uuid",
            layout=w.Layout(width="420px"),
        )
        self.count_label = w.Label(value="")
        self.select = w.Select(options=[], index=None, rows=10, layout=w.Layout(width="420px"))
        self.card = w.HTML(value=self._empty_card_html())
        self.status = w.HTML(value="")
        self._status = _Status(self.status)
        self.widget = w.VBox([self.search, self.count_label, self.select, self.card, self.status])
        for widget, css in (
            (self.widget, "sc-image-picker"),
            (self.search, "sc-picker-search"),
            (self.count_label, "sc-picker-count"),
            (self.select, "sc-picker-list"),
            (self.card, "sc-picker-card"),
            (self.status, "sc-picker-status"),
        ):
            widget.add_class(css)
        self._card = Card(title="")
        self._refresh()
        self.search.observe(self._search_changed, names="value")
        self.select.observe(self._select_changed, names="value")

    # -- public -----------------------------------------------------------------------------------

    def on_pick(self, callback: Callable[[pd.Series], Any], remove: bool = False) -> None:
        """Register (or remove) a callback called with the image Series after each pick.

        It is not called when the image could not be read. An exception in a callback is shown
        in the picker's status area (and kept in ``last_error``).
        """
        if remove:
            self._callbacks = [cb for cb in self._callbacks if cb != callback]  # == matches bound methods
        else:
            self._callbacks.append(callback)

    @property
    def count_text(self) -> str:
        """The count label's text, e.g. "12 of 42 images"."""
        return self.count_label.value

    @property
    def card_text(self) -> str:
        """The card's content as plain text (empty before a pick)."""
        return self._card.text

    def _text_form(self) -> str:
        return (
            f"Sharedcloud image picker over {_plural(len(self.index), 'image')} (widgets cannot show here): "
            "pick with picker.value = '<uuid>', then read picker.image."
        )

    # -- traits ------------------------------------------------------------------------------------

    @traitlets.validate("value")
    def _validate_value(self, proposal: dict[str, Any]) -> str | None:
        if proposal["value"] is None:
            return None
        try:
            return canonical_uuid(proposal["value"])
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None

    @traitlets.observe("value")
    def _value_changed(self, change: dict[str, Any]) -> None:
        uuid = change["new"]
        self._show_in_list(uuid)
        self._load(uuid)

    # -- the list ---------------------------------------------------------------------------------

    @contextmanager
    def _sync(self) -> Iterator[None]:
        """Changes made by the picker itself, which its observers must not take for a user's pick."""
        previous, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = previous

    def _search_changed(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._refresh()

    def _select_changed(self, change: dict[str, Any]) -> None:
        if self._syncing or change["new"] is None:
            return  # the picker's own update, or a selection that a new filter hid
        self.value = change["new"]

    def _refresh(self) -> None:
        """Filter by the search box; list the first matches, and the pick when it matches too."""
        matches = self.index.search(self.search.value, self.limit)
        self._matches = matches
        shown = list(matches.shown)
        picked = self.index.position(self.value) if self.value is not None else None
        if picked is not None and matches.mask[picked] and picked not in set(shown):
            shown.insert(0, picked)  # a match beyond the limit stays visible once picked
        options = [(self.index.labels[i], self.index.uuids[i]) for i in shown]
        with self._sync():
            self.select.index = None  # else new options would select their first entry
            self.select.options = options
            if picked is not None and picked in set(shown):
                self.select.value = self.value
        self.count_label.value = self.index.count_text(matches)

    def _show_in_list(self, uuid: str | None) -> None:
        position = self.index.position(uuid) if uuid is not None else None
        if position is not None and self._matches is not None and not self._matches.mask[position]:
            with self._sync():
                self.search.value = ""  # the search hides the pick: show everything again
        self._refresh()

    # -- the card ---------------------------------------------------------------------------------

    @staticmethod
    def _empty_card_html() -> str:
        return f'<span style="color:{_GREY}">Pick an image to see its details.</span>'

    def _set_card(self, card: Card | None) -> None:
        self._card = card if card is not None else Card(title="")
        self.card.value = card.html if card is not None else self._empty_card_html()

    def _load(self, uuid: str | None) -> None:
        self._status.set("")
        self.image = None
        if uuid is None:
            self._set_card(None)
            return
        listed = self.index.row(uuid)
        if self.client is None:
            if listed is None:
                self._set_card(
                    error_card(uuid, LookupError("it is not in this list, and there is no client to ask the server"))
                )
                return
            self._set_card(image_card(listed, note="From the list (give client= to read it fresh from the server)."))
            self._picked(listed)
            return
        self.card.value = f'<span style="color:{_GREY}">Loading {html.escape(uuid)}…</span>'
        try:
            image = self.client.image(uuid)
        except NotFoundError as exc:
            self.last_error = exc
            self._set_card(gone_card(uuid, listed))
            return
        except Exception as exc:
            self.last_error = exc
            self._set_card(error_card(uuid, exc, listed))
            return
        self._set_card(image_card(image))
        self._picked(image)

    def _picked(self, image: pd.Series) -> None:
        self.image = image
        for callback in list(self._callbacks):
            try:
                callback(image)
            except Exception as exc:
                self.last_error = exc
                log.debug("on_pick callback raised", exc_info=exc)
                self._status.add(f"on_pick callback {_callback_name(callback)} raised {type(exc).__name__}: {exc}")


# -- the public constructors ---------------------------------------------------------------------


def token_form(
    on_connect: Callable[[Client], Any] | None = None, *, url: str | None = None, **options: Any
) -> TokenForm:
    """A form that asks for the API token in a password field, validates it and connects.

    A folded section offers a username and password instead (``sc.login``), and an "Advanced"
    one the server url. The token is read once and the field emptied at once: it lives only in
    the resulting Client (``form.client``), never in the widget state or the notebook.

    Args:
        on_connect: called with the Client after each successful connect.
        url: the server url shown under "Advanced"; default as ``sc.connect()`` resolves it
            (SHAREDCLOUD_URL, SHAREDCLOUD_CLI_URL, https://sharedcloud.io).
        **options: passed on to :class:`~sharedcloud_nb.Client` (timeout, retries, session).

    Returns:
        A :class:`TokenForm`; display it (last expression of a cell) to show the form.

    Raises:
        ImportError: ipywidgets is not installed.

    Example:
        >>> form = sc.token_form()  # doctest: +SKIP
        >>> form                    # doctest: +SKIP
        >>> df = form.client.images()  # after connecting  # doctest: +SKIP
    """
    return TokenForm(on_connect, url=url, **options)


def image_picker(
    source: Client | pd.DataFrame,
    client: Client | None = None,
    on_pick: Callable[[pd.Series], Any] | None = None,
    *,
    limit: int = PICKER_LIMIT,
) -> ImagePicker:
    """A search box, a list of the matching images and a detail card of the one picked.

    Args:
        source: a Client (its ``images()`` are listed, and it reads each pick fresh) or a typed
            images frame.
        client: the Client for the detail request when ``source`` is a frame; without one the
            card shows the frame's row.
        on_pick: called with the picked image's typed Series.
        limit: how many matches the list shows at most (the count label says how many more).

    Returns:
        An :class:`ImagePicker`; ``picker.value`` is the picked uuid, ``picker.image`` its Series.

    Raises:
        TypeError: ``source`` is neither a Client nor a DataFrame.
        SharedcloudError: listing the images of a Client failed.
        ImportError: ipywidgets is not installed.

    Example:
        >>> picker = sc.image_picker(client)  # doctest: +SKIP
        >>> picker.value = "24b310f8-1405-4928-914f-d5c91272f88a"  # doctest: +SKIP
        >>> picker.image["name"]  # doctest: +SKIP
        'web-crawling'
    """
    return ImagePicker(source, client=client, on_pick=on_pick, limit=limit)
