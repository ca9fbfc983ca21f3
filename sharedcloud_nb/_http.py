"""The transport: sessions, retries, token auth, url and token checks, and transport-error wording.

Everything that touches ``requests`` and ``urllib3`` directly lives here, so that the client
reads as API calls:

- :func:`new_session` -- a ``requests.Session`` with urllib3's ``Retry`` mounted (GET only,
  429/502/503/504 and lost connections, ``Retry-After`` honoured up to a cap);
- :class:`TokenAuth` -- ``Authorization: Token <key>``, which requests drops on a redirect to
  another host, and which never shows the key in a repr;
- :func:`check_url`, :func:`check_token`, :func:`mask` -- input checked before anything is sent;
- :func:`transport_error` -- the one place a ``requests`` exception becomes an error of the
  package's tree (:class:`~sharedcloud_nb.errors.TransportError` or
  :class:`~sharedcloud_nb.errors.ResponseError`), worded for a person;
- :func:`loads` -- JSON decoding (orjson when installed) with the garbage collector paused.
"""

from __future__ import annotations

import gc
import ipaddress
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import _config
from .errors import InsecureURLError, ResponseError, SharedcloudError, TransportError, excerpt

__all__ = [
    "DECODE_ERRORS",
    "CappedRetry",
    "TokenAuth",
    "check_token",
    "check_url",
    "loads",
    "mask",
    "new_session",
    "reason",
    "retry_policy",
    "token_hint",
    "transport_error",
]

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


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


def new_session(retries: int) -> requests.Session:
    """A ``requests.Session`` with :func:`retry_policy` mounted for http and https."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry_policy(retries), pool_maxsize=16)
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
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Validate a server url and return it without a trailing slash.

    Raises:
        InsecureURLError: ``http://`` to a host that is not loopback.
        ValueError: not an http(s) url.

    Example:
        >>> check_url("https://sharedcloud.io/")
        'https://sharedcloud.io'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The server url must look like https://host, got {url!r}.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise InsecureURLError(
            f"Refusing plain http:// to {parts.hostname}: the token would travel in clear. "
            "Use an https:// url (http:// is allowed only for 127.0.0.1, localhost and [::1])."
        )
    return url.rstrip("/")


def token_hint() -> str:
    """What to do when there is no usable token."""
    return f"set {_config.ENV_TOKEN}, pass token=..., or log in with sc.login(username, password) or sc.token_form()."


def check_token(token: str) -> str:
    """The token without surrounding blanks.

    Raises:
        ValueError: an empty token, or one with spaces or control characters (never repeated in
            the message).
    """
    if not isinstance(token, str) or not token.strip():
        raise ValueError("The token is empty: " + token_hint())
    token = token.strip()
    # A newline or control character would let the header be split; requests would then quote
    # the value in its own error. Refuse it here without repeating it.
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in token):
        raise ValueError("The token contains spaces or control characters; copy it again without them.")
    return token


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


def _decoder() -> tuple[Callable[[bytes], Any], tuple[type[Exception], ...]]:
    try:  # orjson decodes several times faster than the standard library; optional.
        import orjson
    except ImportError:  # pragma: no cover - exercised only without orjson
        return json.loads, (ValueError,)
    return orjson.loads, (orjson.JSONDecodeError, ValueError)


_LOADS, DECODE_ERRORS = _decoder()


def loads(data: bytes) -> Any:
    """Decode JSON with the cyclic garbage collector paused.

    A large listing is a million new objects, and the collector would walk the growing heap every
    few hundred of them; decoded JSON forms no cycles, so nothing is lost by waiting.

    Raises:
        ValueError: (or orjson's subclass) the bytes are not JSON; see :data:`DECODE_ERRORS`.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _LOADS(data)
    finally:
        if enabled:
            gc.enable()


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
    exc: requests.exceptions.RequestException,
    *,
    method: str,
    url: str,
    timeout: Any,
    retries: int,
    reading_body: bool = False,
) -> SharedcloudError:
    """The error of the tree for a request that got no (whole) answer: the one place that words it.

    Args:
        exc: what requests raised.
        method: the request's method.
        url: the url asked for (only its path is shown; the server root is shown when unreachable).
        timeout: the timeout that was in force, for the message.
        retries: how many retries were allowed, for the message.
        reading_body: the failure came while the body was read (an answer cut off).
    """
    parts = urlsplit(url)
    path = parts.path or "/"
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
    root = f"{parts.scheme}://{parts.netloc}"
    return TransportError(
        f"Could not reach {root} for {method} {path}: {reason(exc)}. Check the url and your network, or try again later."
    )
