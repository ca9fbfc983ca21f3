"""The transport: sessions, retries, token auth, url and token checks, and transport-error wording.

Everything that touches ``requests`` and ``urllib3`` directly lives here, so that the client
reads as API calls:

- :func:`new_session`, :func:`retry_policy` -- a ``requests.Session`` whose adapters make one
  attempt each, and urllib3's ``Retry`` policy that :mod:`sharedcloud_nb._calls` applies (GET
  only, 429/502/503/504 and lost connections, ``Retry-After`` honoured up to a cap);
- :class:`TokenAuth` -- ``Authorization: Token <key>``, which requests drops on a redirect to
  another host, and which never shows the key in a repr;
- :func:`check_url`, :func:`check_token`, :func:`canonical_uuid`, :func:`mask` -- input checked
  before anything is sent;
- :func:`transport_error` -- the one place a ``requests`` exception becomes an error of the
  package's tree (:class:`~sharedcloud_nb.errors.TransportError` or
  :class:`~sharedcloud_nb.errors.ResponseError`), worded for a person;
- :func:`loads` -- JSON decoding (orjson when installed) with the garbage collector paused.
"""

from __future__ import annotations

import ipaddress
import json
import unicodedata
import uuid as uuid_module
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url
from urllib3.util.retry import Retry

from . import _config
from ._gc import gc_paused
from .errors import (
    InputError,
    InputTypeError,
    InsecureURLError,
    ResponseError,
    SharedcloudError,
    TransportError,
    excerpt,
)

__all__ = [
    "DECODE_ERRORS",
    "CappedRetry",
    "Secret",
    "Timeout",
    "TokenAuth",
    "canonical_uuid",
    "check_token",
    "check_url",
    "loads",
    "mask",
    "new_session",
    "reason",
    "request_headers",
    "retry_policy",
    "token_hint",
    "transport_error",
    "user_agent",
]

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}

#: A timeout in seconds: one number, or (connect, read).
Timeout = float | tuple[float, float]


# -- retries and sessions ------------------------------------------------------------------------


class CappedRetry(Retry):
    """urllib3 ``Retry`` whose ``Retry-After`` wait is capped, so a call's total time stays bounded."""

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        if value is None:
            return None
        return min(value, _config.MAX_RETRY_AFTER)


def retry_policy(retries: int) -> Retry:
    """The retry policy of every session the package makes: GET only, transient failures only."""
    return CappedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=_config.RETRY_STATUSES,
        backoff_factor=_config.DEFAULT_BACKOFF,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer is mapped by errors.raise_for_status
        raise_on_redirect=False,
    )


def user_agent() -> str:
    """What every request of the package says it is: ``sharedcloud_nb/<version> python-requests/<version>``.

    Example:
        >>> user_agent().startswith("sharedcloud_nb/")
        True
    """
    return f"sharedcloud_nb/{_config.VERSION} {requests.utils.default_user_agent()}"


def request_headers(session: requests.Session) -> dict[str, str] | None:
    """The headers to add to one request on ``session``: the package's ``User-Agent``, unless set.

    A session the package made already says it. A session given by the user is not changed: its
    requests carry the package's ``User-Agent`` only while the session's own is requests'
    default, so a ``User-Agent`` the user chose is kept.
    """
    if session.headers.get("User-Agent") == requests.utils.default_user_agent():
        return {"User-Agent": user_agent()}
    return None


def new_session(*, loopback: bool = False) -> requests.Session:
    """A ``requests.Session`` whose adapters make one attempt each: :func:`send` applies the retries.

    Its requests say ``User-Agent: sharedcloud_nb/<version> python-requests/<version>``.

    Args:
        loopback: the session talks to this machine only; it then reads no proxy or netrc
            settings from the environment (a local token never goes through a proxy, and each
            call skips the lookup).
    """
    session = requests.Session()
    session.headers["User-Agent"] = user_agent()
    session.trust_env = not loopback
    adapter = HTTPAdapter(max_retries=0, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class TokenAuth(requests.auth.AuthBase):
    """``Authorization: Token <key>``; requests strips it on a redirect to another host or scheme."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Token {self._token}"
        return request

    def __repr__(self) -> str:
        return "TokenAuth(<hidden>)"


# -- input checks ----------------------------------------------------------------------------------


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]")
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse_ambiguous(url: str) -> None:
    """Refuse what two url parsers could read differently, or what a server url never holds."""
    if not isinstance(url, str):
        raise InputTypeError(
            f"The server url must be a string such as https://sharedcloud.io, got {type(url).__name__}."
        )
    if "\\" in url:
        raise InputError("The server url contains a backslash, which parsers disagree on; write it with / only.")
    bad = next((ch for ch in url if ord(ch) < 33 or ord(ch) == 127), None)
    if bad is not None:
        raise InputError(f"The server url contains a space or control character ({_describe(bad)}); remove it.")


def check_url(url: str) -> str:
    """Validate a server url and return it normalised: no trailing slash, no ``/api/v1`` suffix.

    The url is parsed once, with the parser the transport uses (urllib3's), and what parsers could
    read differently is refused, so the request goes to exactly the host that was checked.

    Raises:
        InsecureURLError: ``http://`` to a host that is not loopback.
        InputError: not an http(s) url, or one with a backslash, user info, a query, a fragment,
            a space or a control character; an :class:`~sharedcloud_nb.errors.InputTypeError` (also
            a TypeError) when not a string.

    Example:
        >>> check_url("https://sharedcloud.io/api/v1/")
        'https://sharedcloud.io'
    """
    _refuse_ambiguous(url)
    try:
        parts = parse_url(url)
    except LocationParseError:
        raise InputError(f"The server url must look like https://host, got {url!r}.") from None
    if parts.scheme not in ("http", "https") or not parts.host:
        raise InputError(f"The server url must look like https://host, got {url!r}.")
    if parts.scheme == "http" and not _is_loopback(parts.host):
        raise InsecureURLError(
            f"Refusing plain http:// to {parts.host}: the token would travel in clear. "
            "Use an https:// url (http:// is allowed only for 127.0.0.1, localhost and [::1])."
        )
    if parts.auth:
        raise InputError("The server url holds a user name or password (user@host); give the host alone.")
    if parts.query is not None or parts.fragment is not None:
        raise InputError("The server url has a query or fragment (? or #); give the host root alone.")
    path = (parts.path or "").rstrip("/")
    prefix = _config.API_PREFIX.rstrip("/")
    if path.endswith(prefix):  # a url copied with the API's prefix: the paths add it again
        path = path[: -len(prefix)]
    netloc = parts.host if parts.port is None else f"{parts.host}:{parts.port}"
    return f"{parts.scheme}://{netloc}{path.rstrip('/')}"


def same_origin(url: str, base: str) -> bool:
    """True when ``url`` goes to the scheme, host and port of ``base`` (parsed as the transport parses)."""
    a, b = parse_url(url), parse_url(base)
    return (a.scheme, (a.host or "").lower(), a.port) == (b.scheme, (b.host or "").lower(), b.port)


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine (it must then never go through a proxy)."""
    return _is_loopback(parse_url(url).host)


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def token_hint() -> str:
    """What to do when there is no usable token."""
    return f"set {_config.ENV_TOKEN}, pass token=..., or log in with sc.login(username, password) or sc.token_form()."


def canonical_uuid(value: object) -> str:
    """The canonical string form of a uuid.

    Raises:
        InputError: (a ValueError) naming the bad value, when it is not a uuid.

    Example:
        >>> canonical_uuid("24B310F8-1405-4928-914F-D5C91272F88A")
        '24b310f8-1405-4928-914f-d5c91272f88a'
    """
    if isinstance(value, uuid_module.UUID):
        return str(value)
    try:
        return str(uuid_module.UUID(str(value).strip()))
    except (ValueError, AttributeError, TypeError):
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "...'"
        raise InputError(
            f"Not a valid uuid: {shown}. An image uuid looks like 24b310f8-1405-4928-914f-d5c91272f88a."
        ) from None


def check_token(token: str) -> str:
    """The token without surrounding blanks, checked to be printable ASCII.

    What copy-paste from a web page brings (a zero-width space, a byte-order mark, a curly
    quote, a non-breaking space) is refused here, with the character and its position named:
    http.client would fail on it later with an error that quotes the whole header.

    Raises:
        InputError: an empty token, or one with a character a token never holds (the token
            itself is never repeated in the message); an :class:`~sharedcloud_nb.errors.InputTypeError`
            (also a TypeError) when not a string.
    """
    if token is not None and not isinstance(token, str):  # its type only: never the token itself
        raise InputTypeError(f"The token must be a string, got {type(token).__name__}: " + token_hint())
    if token is None or not token.strip():
        raise InputError("The token is empty: " + token_hint())
    token = token.strip(" \t\r\n\ufeff\u200b\u00a0")
    for position, ch in enumerate(token, start=1):
        if not 33 <= ord(ch) <= 126:
            raise InputError(
                f"The token contains {_describe(ch)} at character {position} of {len(token)}, which no token "
                "holds (copy-paste from a web page brings such characters); copy it again, or type it."
            )
    if not token:
        raise InputError("The token is empty: " + token_hint())
    return token


class Secret:
    """A password or token held so that a repr, a log line or a traceback's locals never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself, for the one place it is sent."""
        return self._value

    def __repr__(self) -> str:
        return "Secret(<hidden>)"

    __str__ = __repr__


def mask(token: str) -> str:
    """A masked form of a token for display: at most its last 4 characters, and only when long.

    Example:
        >>> mask("0123456789abcdef0123"), mask("short")
        ('…0123', '…')
    """
    if len(token) >= 16:
        return "…" + token[-4:]
    return "…"


# -- JSON ------------------------------------------------------------------------------------------


def _decoder() -> tuple[Callable[[bytes | bytearray], Any], tuple[type[Exception], ...]]:
    try:  # orjson decodes several times faster than the standard library; optional.
        import orjson
    except ImportError:  # pragma: no cover - exercised only without orjson
        return json.loads, (ValueError,)
    return orjson.loads, (orjson.JSONDecodeError, ValueError)


_LOADS, DECODE_ERRORS = _decoder()


def loads(data: bytes | bytearray) -> Any:
    """Decode JSON with the cyclic garbage collector paused.

    A large listing is a million new objects, and the collector would walk the growing heap every
    few hundred of them; decoded JSON forms no cycles, so nothing is lost by waiting.

    Raises:
        ValueError: (or orjson's subclass) the bytes are not JSON; see :data:`DECODE_ERRORS`.
    """
    with gc_paused():
        return _LOADS(data)


# -- transport errors ------------------------------------------------------------------------------


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it wraps (``.reason``, or an exception among its args), outermost first."""
    chain = [exc]
    while len(chain) < 10:
        inner = chain[-1]
        nxt = getattr(inner, "reason", None)
        if not isinstance(nxt, BaseException):
            # e.g. ProtocolError("Connection aborted.", RemoteDisconnected(...))
            nxt = next((arg for arg in inner.args if isinstance(arg, BaseException)), None)
        if nxt is None or nxt in chain:
            break
        chain.append(nxt)
    return chain


def timed_out(exc: BaseException) -> bool:
    """True when a requests/urllib3 exception comes from a timeout."""
    from urllib3.exceptions import NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    causes = _causes(exc)
    # urllib3 derives NewConnectionError (e.g. connection refused) from its TimeoutError.
    if any(isinstance(cause, NewConnectionError) for cause in causes):
        return False
    return any(isinstance(cause, (Urllib3Timeout, TimeoutError)) for cause in causes)


def reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 exception, in a few words."""
    inner = _causes(exc)[-1]
    text = str(inner) or type(inner).__name__
    # urllib3 quotes the connection object; keep the readable end.
    if ": " in text and "object at 0x" in text:
        text = text.split(": ", 1)[1]
    return excerpt(text, 160)


def transport_error(
    exc: BaseException,
    *,
    method: str,
    url: str,
    timeout: Any,
    retries: int,
    reading_body: bool = False,
) -> SharedcloudError:
    """The error of the tree for a request that got no (whole) answer: the one place that words it.

    The error summarises ``exc`` in its message and is raised outside the ``except`` block that
    caught it, so it chains nothing: the chain of urllib3 exceptions holds the request (and its
    ``Authorization`` header) in its frames and attributes, and printing it buries the message
    under hundreds of lines.

    Args:
        exc: what requests (or urllib3, while a body is read) raised.
        method: the request's method.
        url: the url asked for (only its path is shown; the server root is shown when unreachable).
        timeout: the timeout that was in force, for the message.
        retries: how many retries were allowed, for the message.
        reading_body: the failure came while the body was read (an answer cut off).
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return ResponseError(f"The server redirects {method} {path} in a loop; check the url.")
    # With retries mounted, a timeout comes wrapped (MaxRetryError -> ConnectionError).
    if isinstance(exc, requests.exceptions.Timeout) or timed_out(exc):
        return TransportError(
            f"{method} {path} timed out (timeout={timeout!r} s); "
            "the server is slow or unreachable, try again or raise timeout=."
        )
    if reading_body or isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return ResponseError(f"The answer to {method} {path} was cut off before its end ({reason(exc)}); try again.")
    if isinstance(exc, requests.exceptions.RetryError):
        return TransportError(f"{method} {path} failed after {retries} retries: {reason(exc)}.")
    hop = getattr(getattr(exc, "request", None), "url", None) or url
    if not same_origin(hop, url):
        elsewhere = urlsplit(hop)
        return TransportError(
            f"The server redirected {method} {path} to {elsewhere.scheme}://{elsewhere.netloc}, which could not be "
            f"reached ({reason(exc)}); the token was not sent there. Check the server url."
        )
    root = f"{parts.scheme}://{parts.netloc}"
    return TransportError(
        f"Could not reach {root} for {method} {path}: {reason(exc)}. Check the url and your network, or try again later."
    )
