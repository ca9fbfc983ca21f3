"""The error tree, and the one function that maps an HTTP answer to it.

::

    SharedcloudError                 everything the package raises
    ├── APIError                     the server answered with an error: .status, .detail, .path
    │   ├── AuthenticationError      401/403 (or a refused login)
    │   ├── NotFoundError            404
    │   ├── RateLimitError           429 after the retries
    │   └── ServerError              5xx after the retries
    ├── ResponseError                the answer is not what the API promises (not JSON, cut off, wrong shape)
    ├── TransportError               no answer: connection refused or reset, timeout, deadline passed
    ├── OfflineError                 offline, and no stored snapshot to serve
    └── InputError                   (also a ValueError) refused input: a malformed uuid, url, token or argument
        ├── InputTypeError           (also a TypeError) an argument of the wrong type
        └── InsecureURLError         plain http:// to a host that is not loopback
    SharedcloudWarning               values that could not be read (one warning per column, with counts)
    └── DemoDataWarning              the data is the built-in demo catalogue (once per process)

:func:`raise_for_status` is the one place an HTTP status becomes an error; transport exceptions
are worded in one place too, :func:`sharedcloud_nb._http.transport_error`. Messages say what
happened, the server's own ``detail`` and what to do next; they never contain the token.
"""

from __future__ import annotations

import html
import linecache
import os
import re
import sys
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import _config

if TYPE_CHECKING:  # pragma: no cover - typing only
    import requests

__all__ = [
    "APIError",
    "AuthenticationError",
    "DemoDataWarning",
    "InputError",
    "InputTypeError",
    "InsecureURLError",
    "NotFoundError",
    "OfflineError",
    "RateLimitError",
    "ResponseError",
    "ServerError",
    "SharedcloudError",
    "SharedcloudWarning",
    "TransportError",
    "excerpt",
    "raise_for_status",
]

#: What an error message tells a person to do when the token is refused.
TOKEN_HINT = _config.TOKEN_HINT


class _ShortHelp(type):
    """The metaclass of the package's errors and warnings, so that ``help()`` shows what they add.

    ``help()`` (pydoc) documents every name in ``dir(cls)``: for an exception, some thirty members
    of ``BaseException``, repeated for each class of the tree, which buried ``help(sc)`` under a
    thousand lines. ``dir()`` of these classes leaves out what the built-in classes define (and
    the ``__dict__``/``__weakref__`` slots); instances are untouched, and so is every attribute.
    """

    def __dir__(cls) -> list[str]:
        ours = {name for klass in cls.__mro__ if klass.__module__ != "builtins" for name in vars(klass)}
        builtin = {name for klass in cls.__mro__ if klass.__module__ == "builtins" for name in vars(klass)}
        hidden = (builtin - ours) | {"__dict__", "__weakref__"}
        return sorted(name for name in super().__dir__() if name not in hidden)


class SharedcloudError(Exception, metaclass=_ShortHelp):
    """Base class of every error raised by sharedcloud_nb.

    In IPython and Jupyter a raised error shows concisely (:meth:`_render_traceback_`): its class,
    its message (what happened, the server's ``detail``, what to do), and the line of your code
    that called the package, without the frames inside the package or the chained exceptions.
    ``%debug`` still walks every frame, and ``traceback.print_exception(sys.last_value)`` prints
    the whole traceback with its chain.
    """

    def _render_traceback_(self) -> list[str]:
        """The lines IPython shows for this error when it is raised in a cell."""
        lines = [f"{type(self).__name__}: {self}"]
        where = _user_frame(self.__traceback__)
        if where:
            lines.append(where)
        return lines

    def _repr_html_(self) -> str:
        """The error as a notebook shows it when the error object itself is displayed."""
        rows = [("Status", str(status))] if (status := getattr(self, "status", None)) is not None else []
        if getattr(self, "detail", None):
            rows.append(("Server said", str(self.detail)))  # type: ignore[attr-defined]  # APIError only
        cells = "".join(
            f'<tr><th style="text-align:left;padding-right:1em">{html.escape(k)}</th>'
            f'<td style="text-align:left">{html.escape(v)}</td></tr>'
            for k, v in rows
        )
        return (
            f'<div><b style="color:#b00020">{html.escape(type(self).__name__)}</b>: {html.escape(str(self))}'
            + (f"<table>{cells}</table>" if cells else "")
            + "</div>"
        )


class APIError(SharedcloudError):
    """The server answered with an error status.

    Attributes:
        status: the HTTP status code.
        detail: the server's own message (DRF ``detail``), or None.
        path: the url path that was asked for, or None.
    """

    def __init__(self, message: str, *, status: int, detail: str | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.path = path


class AuthenticationError(APIError):
    """401 or 403: the token (or the username and password) was refused."""


class NotFoundError(APIError):
    """404: the image (or path) does not exist."""


class RateLimitError(APIError):
    """429, still after the retries."""


class ServerError(APIError):
    """5xx, still after the retries."""


class ResponseError(SharedcloudError):
    """The answer is not what the API promises: not JSON, truncated, or of the wrong shape."""


class TransportError(SharedcloudError):
    """No answer at all: connection refused or reset, or a timeout."""


class OfflineError(SharedcloudError):
    """Offline (``sc.connect(offline=True)`` or ``SHAREDCLOUD_OFFLINE=1``), and no stored snapshot to serve."""


class InputError(SharedcloudError, ValueError):
    """Refused input, before anything is sent: a malformed uuid, url or token, or an argument out of range.

    Also a ``ValueError``, so ``except ValueError`` keeps working.
    """


class InputTypeError(InputError, TypeError):
    """Refused input of the wrong type (a list where text goes, a frame where one image goes).

    An :class:`InputError`, and also a ``TypeError``, so ``except TypeError`` keeps working.
    """


class InsecureURLError(InputError):
    """A plain ``http://`` url to a host that is not loopback: the token would travel in clear."""


class SharedcloudWarning(UserWarning, metaclass=_ShortHelp):
    """Data that could not be read as the API promises (kept as missing values, and counted)."""


class DemoDataWarning(SharedcloudWarning):
    """The data is the built-in demo catalogue, not an account's: said once per process.

    ``sc.connect()`` warns when it falls back to the demo API. Silence it the usual way::

        import warnings
        warnings.simplefilter("ignore", sc.DemoDataWarning)
    """


_PACKAGE_DIR = os.path.dirname(__file__) + os.sep


def _user_frame(tb: TracebackType | None) -> str:
    """Where the user's code called into the package: the last frame before the package's own."""
    user: TracebackType | None = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            break
        user, tb = tb, tb.tb_next
    if user is None:
        return ""
    filename, line = user.tb_frame.f_code.co_filename, user.tb_lineno
    source = linecache.getline(filename, line).strip()
    return f"  in {_cell_name(filename)}, line {line}" + (f": {source}" if source else "")


def _cell_name(filename: str) -> str:
    """``Cell In[3]`` for a notebook cell's file (as IPython names it), else the file's path."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    number = getattr(getattr(shell, "compile", None), "_filename_map", {}).get(filename)
    return f"Cell In[{number}]" if number is not None else filename


_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def excerpt(text: str | bytes | bytearray | None, limit: int = 120) -> str:
    """A short, one-line excerpt of a body for an error message (never a whole page).

    HTML is reduced to its title, or to its text without tags.
    """
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text[: limit * 40]).decode("utf-8", errors="replace")
    else:
        text = text[: limit * 40]
    if "<" in text and ">" in text:
        title = _TITLE.search(text)
        text = title.group(1) if title else _TAG.sub(" ", text)
        text = html.unescape(text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _server_detail(response: requests.Response) -> str | None:
    """The server's own words: DRF ``detail``, or the messages of a 400 answer."""
    try:
        payload: Any = response.json()
    except ValueError:
        return None
    if isinstance(payload, dict):
        detail = payload.get("detail")
        if isinstance(detail, str):
            return detail
        messages = []
        for key, value in payload.items():
            items = value if isinstance(value, list) else [value]
            text = " ".join(str(item) for item in items)
            messages.append(text if key in ("non_field_errors", "detail") else f"{key}: {text}")
        return " ".join(messages) or None
    return None


def _path(response: requests.Response) -> str:
    url = response.url or (response.request.url if response.request is not None else "") or ""
    return urlsplit(url).path or "/"


_CLASSES: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    429: RateLimitError,
}

_ADVICE = {
    AuthenticationError: TOKEN_HINT + ".",
    NotFoundError: _config.NOT_FOUND_HINT,
    RateLimitError: _config.RATE_LIMIT_HINT,
    # No "retries were made": a 500 is not retried (only _config.RETRY_STATUSES are).
    ServerError: _config.SERVER_ERROR_HINT,
    APIError: "",
}


def raise_for_status(response: requests.Response, *, token_advice: str | None = None, note: str | None = None) -> None:
    """Raise the matching error of the tree for an HTTP answer that is not a success.

    Args:
        response: a ``requests.Response`` (a streamed one should have its body read first, bounded:
            see :func:`sharedcloud_nb._http.preload_error_body`).
        token_advice: what to do when the token is refused, saying where it came from.
        note: a clause added to the message (how many attempts, a redirect).

    Raises:
        AuthenticationError: 401 or 403.
        NotFoundError: 404.
        RateLimitError: 429.
        ServerError: any 5xx.
        APIError: any other status of 400 or more.
    """
    status = response.status_code
    if status < 400:
        return
    cls = ServerError if status >= 500 else _CLASSES.get(status, APIError)
    detail = _server_detail(response)
    path = _path(response)
    reason = response.reason or ""
    message = f"{status} {reason}".strip() + f" for {response.request.method if response.request else 'GET'} {path}"
    if detail:
        message += f": {detail}"
    else:
        body = excerpt(response.text)
        if body:
            message += f" (the server sent: {body!r})"
    if cls is RateLimitError and response.headers.get("Retry-After"):
        message += f" (Retry-After: {response.headers['Retry-After']})"
    if note:
        message += f" ({note})"
    advice = _advice(cls, path, token_advice)
    if advice:
        message += f" — {advice}"
    raise cls(message, status=status, detail=detail, path=path)


def _advice(cls: type[APIError], path: str, token_advice: str | None) -> str:
    if cls is AuthenticationError and token_advice:
        return token_advice
    if cls is NotFoundError and not _DETAIL_PATH.search(path):
        return _config.NOT_AN_API_HINT
    return _ADVICE.get(cls, "")


_DETAIL_PATH = re.compile(r"/images/[^/]+/?$")


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
