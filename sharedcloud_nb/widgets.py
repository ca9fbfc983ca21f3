"""Widgets: the token form and the image picker, thin shells on ipywidgets 8 (loaded on first use).

This module owns :func:`token_form` and :func:`image_picker`. :class:`TokenForm` and
:class:`ImagePicker` only wire widgets to plain modules that import neither ipywidgets nor
traitlets: ``_connecting`` (:func:`validate_token`, :func:`connected_message`,
:func:`error_message`, the scrubbing of secrets), :mod:`~sharedcloud_nb.search` (:class:`ImageIndex`),
:mod:`~sharedcloud_nb.display` (:class:`Card`, :func:`image_card`, :func:`gone_card`,
:func:`error_card`, :func:`describe_delta`, :func:`format_time`, and ``image_labels``, which the
plots use too) and ``_callbacks`` (:class:`CallbackDispatcher`). Those names are importable from
here as well. Each widget exposes its root as ``.widget`` and displays itself in a notebook;
where widgets cannot render, its text form says in one line what to do instead.

The token and the password live only in the resulting :class:`~sharedcloud_nb.Client`: the form
empties every secret field the moment it reads it, before any request is sent, so neither the
saved widget state nor the notebook file ever holds one.

This module needs traitlets when imported (the traits are observable), ipywidgets when a widget is
built. Stable CSS classes for browser tests: ``sc-token-form``, ``sc-token-input``, ``sc-connect``,
``sc-status``, ``sc-username``, ``sc-password``, ``sc-login``, ``sc-url``, ``sc-image-picker``,
``sc-picker-search``, ``sc-picker-count``, ``sc-picker-list``, ``sc-picker-card``, ``sc-picker-status``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from . import _config, _searchbox
from ._callbacks import CallbackDispatcher, Debounce
from ._connecting import connected_message, detached, error_message, redact, validate_token
from ._extras import install_message
from .client import Client, check_url, login
from .display import (
    EMPTY_CARD_HTML,
    GREY,
    Card,
    StatusLines,
    describe_delta,
    error_card,
    format_time,
    gone_card,
    image_card,
    image_labels,
    loading_html,
    plural,
)
from .errors import NotFoundError
from .search import PICKER_LIMIT, ImageIndex, Matches, is_uuid

_NEEDS_WIDGETS = install_message("Each widget (sc.token_form(), sc.image_picker())")

try:  # traitlets comes with ipywidgets and ipykernel; the traits make .client/.value observable.
    import traitlets
except ImportError as exc:  # pragma: no cover - exercised only without the notebook extra
    raise ImportError(_NEEDS_WIDGETS) from exc

__all__ = [
    "PICKER_LIMIT",
    "CallbackDispatcher",
    "Card",
    "ImageIndex",
    "ImagePicker",
    "Matches",
    "TokenForm",
    "connected_message",
    "describe_delta",
    "error_card",
    "error_message",
    "format_time",
    "gone_card",
    "image_card",
    "image_labels",
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


def _ipywidgets() -> Any:
    """The ipywidgets module, or an ImportError that says how to install it."""
    try:
        import ipywidgets
    except ImportError as exc:
        raise ImportError(_NEEDS_WIDGETS) from exc
    return ipywidgets


# -- the widgets ----------------------------------------------------------------------------


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

    Its traits can be observed, e.g. ``form.observe(callback, "client")``.

    Traits:
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
        #: the last exception of a connect, login or callback; a failed connect's comes without its
        #: traceback, whose frames would hold the token
        self.last_error: BaseException | None = None
        self._on_connect: CallbackDispatcher[Client] = CallbackDispatcher(self._callback_failed, event="on_connect")
        if on_connect is not None:
            self.on_connect(on_connect)
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
        self._status = StatusLines(self.status)
        login_box = w.VBox(
            [
                w.HTML(
                    f'<span style="color:{GREY}">Gets a token from the server (api-token-auth) and connects with it.</span>'
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
                    f'<span style="color:{GREY}">Default: SHAREDCLOUD_URL, else SHAREDCLOUD_CLI_URL, else https://sharedcloud.io.</span>'
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
        self._on_connect.register_callback(callback, remove=remove)

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
        if not self.busy:  # else a request is in flight; a second one would race it
            connected = self._connect(get_token, secrets, verb)
            if connected is not None:
                self._connected(*connected)

    def _connect(
        self, get_token: Callable[[str], str], secrets: tuple[str, ...], verb: str
    ) -> tuple[Client, int] | None:
        url = self.url.value.strip()
        self._set_busy(True)
        try:
            self._status.set(f"{verb} {urlsplit(url).netloc or url}…", "info")
            self._sync_status()
            url = check_url(url)
            token = get_token(url)
            return validate_token(token, url, **self._options)
        except Exception as exc:
            self.last_error = detached(exc)
            self._status.set("Could not connect: " + redact(error_message(exc), secrets), "error")
            self._sync_status()
            return None
        finally:
            self._set_busy(False)

    def _connected(self, client: Client, count: int) -> None:
        # A frame holding no secret: an observer's or callback's exception kept in last_error has
        # its traceback start here, and %xmode Verbose prints the locals of each of its frames.
        self._connected_line = connected_message(client, count)
        self._status.set(self._connected_line, "ok")
        try:
            self.set_trait("client", client)
        except Exception as exc:
            log.debug("an observer of form.client raised", exc_info=exc)
            self._callback_failed("an observer of form.client", exc)
        self._on_connect(client)
        self._sync_status()

    def _callback_failed(self, who: str, exc: BaseException) -> None:
        self.last_error = exc
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
    ``search`` (Text, ``sc-picker-search``; ``picker.search("gpu")`` applies a query at once,
    while typing in a large catalogue filters once it pauses), ``count_label`` (Label,
    ``sc-picker-count``), ``select`` (Select, ``sc-picker-list``; option values are uuids),
    ``card`` (HTML, ``sc-picker-card``), ``status`` (HTML, ``sc-picker-status``: callback errors), and
    ``widget``, the root.

    Traits:
        value: the picked image's id as listed (a uuid, or whatever id an edited listing holds),
            None before. Setting it (any spelling of a uuid) selects that image, clearing the
            search if it hides it, and shows its card.

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
        self._on_pick: CallbackDispatcher[pd.Series] = CallbackDispatcher(self._callback_failed, event="on_pick")
        if on_pick is not None:
            self.on_pick(on_pick)
        self._syncing = False
        self._matches: Matches | None = None

        self.search = _searchbox.search_box_class()(
            placeholder="Search name, runtime, registry path, description or uuid",
            layout=w.Layout(width="420px"),
        )
        self.search.apply = self._apply_search
        # Typing in a large catalogue filters once the typing pauses, not at every keystroke.
        self._typed = Debounce(self._refresh, _searchbox.DEBOUNCE_SECONDS)
        self.count_label = w.Label(value="")
        self.select = w.Select(options=[], index=None, rows=10, layout=w.Layout(width="420px"))
        self.card = w.HTML(value=EMPTY_CARD_HTML)
        self.status = w.HTML(value="")
        self._status = StatusLines(self.status)
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
        self._on_pick.register_callback(callback, remove=remove)

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
            f"Sharedcloud image picker over {plural(len(self.index), 'image')} (widgets cannot show here): "
            "pick with picker.value = '<uuid>', then read picker.image."
        )

    # -- traits ------------------------------------------------------------------------------------

    @traitlets.validate("value")
    def _validate_value(self, proposal: dict[str, Any]) -> str | None:
        if proposal["value"] is None:
            return None
        try:
            return self.index.resolve(proposal["value"])
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
        if self._syncing:
            return
        if len(self.index) >= _searchbox.DEBOUNCE_FROM:
            self._typed()
        else:
            self._refresh()

    def _apply_search(self, text: str) -> None:
        """``picker.search(text)``: the query in the box, applied at once."""
        self._typed.cancel()
        with self._sync():
            self.search.value = text
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

    def _set_card(self, card: Card | None) -> None:
        self._card = card if card is not None else Card(title="")
        self.card.value = card.html if card is not None else EMPTY_CARD_HTML

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
        if listed is not None and not is_uuid(uuid):
            # An id that is no uuid (an edited file, say): the server cannot be asked for it.
            self._set_card(image_card(listed, note="From the list (its id is not a uuid, so the server is not asked)."))
            self._picked(listed)
            return
        self.card.value = loading_html(uuid)
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
        self._on_pick(image)

    def _callback_failed(self, who: str, exc: BaseException) -> None:
        self.last_error = exc
        self._status.add(f"{who} raised {type(exc).__name__}: {exc}")


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


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
