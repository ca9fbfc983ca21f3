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
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from . import _config
from ._callbacks import CallbackDispatcher
from ._connecting import connected_message, detached, error_message, redact, validate_token
from ._picker import ImagePicker, image_picker
from ._widgetbase import NEEDS_WIDGETS as _NEEDS_WIDGETS
from ._widgetbase import Displayable as _Displayable
from ._widgetbase import ipywidgets as _ipywidgets
from .client import Client, check_url, login
from .display import (
    GREY,
    Card,
    StatusLines,
    describe_delta,
    error_card,
    format_time,
    gone_card,
    image_card,
    image_labels,
)
from .errors import InputTypeError
from .search import PICKER_LIMIT, ImageIndex, Matches

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


# -- the widgets ----------------------------------------------------------------------------


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
        _check_form_options(url, options)
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


# -- the public constructors ---------------------------------------------------------------------


def _check_form_options(url: str | None, options: dict[str, Any]) -> None:
    """Refuse at once what would otherwise fail only when the form connects."""
    import inspect

    known = [name for name in inspect.signature(Client).parameters if name not in ("token", "url")]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise InputTypeError(f"token_form() got an unknown option {unknown[0]!r}; it passes on {', '.join(known)}.")
    if url is not None and not isinstance(url, str):  # a malformed one is said in the form, where it can be edited
        raise InputTypeError(
            f"The server url must be a string such as https://sharedcloud.io, got {type(url).__name__}."
        )


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
        InputTypeError: (a TypeError) an option :class:`~sharedcloud_nb.Client` does not take, a
            ``url`` that is not text, or an ``on_connect`` that is not callable.
        ImportError: ipywidgets is not installed.

    Example:
        >>> form = sc.token_form()  # doctest: +SKIP
        >>> form                    # doctest: +SKIP
        >>> df = form.client.images()  # after connecting  # doctest: +SKIP
    """
    return TokenForm(on_connect, url=url, **options)


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
