"""The HTTP client: :class:`Client`, :func:`connect` and :func:`login`.

One ``requests.Session`` per client, retries through urllib3's ``Retry`` mounted on it, every
error answer mapped by :func:`sharedcloud_nb.errors.raise_for_status`, and transport exceptions
worded in one place (:meth:`Client._transport_error`). The token is sent as ``Authorization: Token <key>``
by an auth object, so requests drops it on a redirect to another host, and it appears in no repr,
message or log line.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import uuid as uuid_module
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import _config
from .errors import (
    AuthenticationError,
    InsecureURLError,
    ResponseError,
    SharedcloudError,
    TransportError,
    excerpt,
    raise_for_status,
)
from .frames import gc_paused as _gc_paused
from .frames import image_series, images_frame, images_frame_from_json

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["Client", "connect", "login"]

log = logging.getLogger("sharedcloud_nb")

try:  # orjson decodes several times faster than the standard library; optional.
    import orjson as _orjson

    def _loads(data: bytes) -> Any:
        with _gc_paused():  # a large listing is a million new objects (see frames._gc_paused)
            return _orjson.loads(data)

    _DECODE_ERRORS: tuple[type[Exception], ...] = (_orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover - exercised only without orjson

    def _loads(data: bytes) -> Any:
        with _gc_paused():
            return json.loads(data)

    _DECODE_ERRORS = (ValueError,)


API_PREFIX = "/api/v1/"
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


class _CappedRetry(Retry):
    """urllib3 ``Retry`` whose ``Retry-After`` wait is capped, so a call's total time stays bounded."""

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        if value is None:
            return None
        return min(value, _config.MAX_RETRY_AFTER)


class _TokenAuth(requests.auth.AuthBase):
    """``Authorization: Token <key>``; requests strips it on a redirect to another host or scheme."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Token {self._token}"
        return request

    def __repr__(self) -> str:
        return "_TokenAuth(<hidden>)"


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


def _check_token(token: str) -> str:
    if not isinstance(token, str) or not token.strip():
        raise ValueError("The token is empty: " + _config_hint())
    token = token.strip()
    # A newline or control character would let the header be split; requests would then quote
    # the value in its own error. Refuse it here without repeating it.
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in token):
        raise ValueError("The token contains spaces or control characters; copy it again without them.")
    return token


def _config_hint() -> str:
    return f"set {_config.ENV_TOKEN}, pass token=..., or log in with sc.login(username, password) or sc.token_form()."


def mask(token: str) -> str:
    """A masked form of a token for display: at most its last 4 characters, and only when long."""
    if len(token) >= 16:
        return "…" + token[-4:]
    return "…"


def canonical_uuid(value: Any) -> str:
    """The canonical string form of a uuid.

    Raises:
        ValueError: naming the bad value, when it is not a uuid.
    """
    if isinstance(value, uuid_module.UUID):
        return str(value)
    try:
        return str(uuid_module.UUID(str(value).strip()))
    except (ValueError, AttributeError, TypeError):
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "...'"
        raise ValueError(
            f"Not a valid uuid: {shown}. An image uuid looks like 24b310f8-1405-4928-914f-d5c91272f88a."
        ) from None


class Client:
    """A client of the Sharedcloud Images API.

    Args:
        token: the API token (``Authorization: Token <token>``).
        url: the host root, ``https://sharedcloud.io`` by default.
        timeout: (connect, read) timeouts in seconds.
        retries: how many times a GET is retried on a transient failure (connection errors,
            timeouts, 429, 502, 503, 504), with exponential backoff and ``Retry-After`` honoured
            up to 60 s, so a call lasts at most about (retries + 1) read timeouts + retries × 60 s.
        session: a ``requests.Session`` to use (requests-cache, your own adapters); its adapters
            are left as they are, so retries are then yours to configure.

    Raises:
        InsecureURLError: ``http://`` to a host that is not loopback.
        ValueError: an empty or malformed token.

    Example:
        >>> client = Client(token, url="https://sharedcloud.io")  # doctest: +SKIP
        >>> client.images().head()  # doctest: +SKIP
    """

    def __init__(
        self,
        token: str,
        *,
        url: str = _config.DEFAULT_URL,
        timeout: float | tuple[float, float] = _config.DEFAULT_TIMEOUT,
        retries: int = _config.DEFAULT_RETRIES,
        session: requests.Session | None = None,
    ) -> None:
        self._token = _check_token(token)
        self.url = check_url(url)
        self.timeout = timeout
        self.retries = retries
        self._auth = _TokenAuth(self._token)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(max_retries=self._retry_policy(retries), pool_maxsize=16)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self.session = session

    @staticmethod
    def _retry_policy(retries: int) -> Retry:
        return _CappedRetry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=(429, 502, 503, 504),
            backoff_factor=_config.DEFAULT_BACKOFF,
            respect_retry_after_header=True,
            raise_on_status=False,  # the last answer is mapped by raise_for_status
            raise_on_redirect=False,
        )

    def __repr__(self) -> str:
        return f"Client(url={self.url!r}, token={mask(self._token)!r}{', demo' if self.is_demo else ''})"

    __str__ = __repr__

    @property
    def is_demo(self) -> bool:
        """True when this client talks to the built-in demo API of this process."""
        from .demo import server as demo_server

        return self.url in demo_server.running_urls()

    @property
    def source(self) -> str:
        """Where the data comes from, as recorded in ``DataFrame.attrs``: "demo" or the url."""
        return "demo" if self.is_demo else self.url

    # -- HTTP ---------------------------------------------------------------------------------

    def _request(self, method: str, path_or_url: str, **kwargs: Any) -> requests.Response:
        """Send one request; wrap transport failures; map error statuses. The one place for both."""
        url = path_or_url if "://" in path_or_url else self.url + path_or_url
        kwargs.setdefault("timeout", self.timeout)
        log.debug("%s %s", method, urlsplit(url).path)
        try:
            response = self.session.request(method, url, auth=self._auth, **kwargs)
        except requests.exceptions.RequestException as exc:
            raise self._transport_error(method, urlsplit(url).path, exc) from exc
        raise_for_status(response)
        return response

    def _transport_error(
        self, method: str, path: str, exc: requests.exceptions.RequestException, *, reading_body: bool = False
    ) -> SharedcloudError:
        """The error of the tree for a request that got no (whole) answer: the one place that words it."""
        # With retries mounted, a timeout comes wrapped (MaxRetryError -> ConnectionError).
        if isinstance(exc, requests.exceptions.Timeout) or _timed_out(exc):
            return TransportError(
                f"{method} {path} timed out (timeout={self.timeout!r} s); "
                "the server is slow or unreachable, try again or raise timeout=."
            )
        if reading_body or isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return ResponseError(
                f"The answer to {method} {path} was cut off before its end ({_reason(exc)}); try again."
            )
        if isinstance(exc, requests.exceptions.RetryError):
            return TransportError(f"{method} {path} failed after {self.retries} retries: {_reason(exc)}.")
        return TransportError(
            f"Could not reach {self.url} for {method} {path}: {_reason(exc)}. "
            "Check the url and your network, or try again later."
        )

    def _get_body(self, path_or_url: str, **kwargs: Any) -> tuple[requests.Response, bytes]:
        """GET and read the whole body (an error answer is mapped by _request)."""
        # stream=True and one read of the whole body: requests' own .content reads it in 10 kB
        # pieces, which for a large listing takes longer than decoding it (benchmarks/run.py).
        # The body (or an error answer's, read by raise_for_status) is then read outside
        # _request's try, so a failure while reading it is mapped here, the way _request maps it.
        try:
            response = self._request("GET", path_or_url, stream=True, **kwargs)
            body = b"".join(response.iter_content(chunk_size=None))
        except requests.exceptions.RequestException as exc:
            raise self._transport_error("GET", urlsplit(path_or_url).path, exc, reading_body=True) from exc
        return response, body

    @staticmethod
    def _decode(response: requests.Response, body: bytes) -> Any:
        try:
            return _loads(body)
        except _DECODE_ERRORS as exc:
            ctype = response.headers.get("Content-Type", "no content type")
            raise ResponseError(
                f"The answer to GET {urlsplit(response.url).path} is not JSON ({ctype}, {len(body)} bytes): "
                f"{excerpt(body)!r}."
            ) from exc

    def _get_json(self, path_or_url: str, **kwargs: Any) -> Any:
        return self._decode(*self._get_body(path_or_url, **kwargs))

    # -- API ----------------------------------------------------------------------------------

    def list_images(self, instance: str | None = None) -> list[dict[str, Any]]:
        """The image records as served, following DRF pagination when the server paginates.

        Args:
            instance: only the images downloaded on this instance (its uuid).

        Returns:
            A list of dicts, one per image.

        Raises:
            ValueError: a malformed instance uuid (nothing is sent).
            ResponseError: an answer that is neither a list nor a DRF page, or a ``next`` link to
                another host. A listing that fails half-way raises; pages are never returned partially.

        Example:
            >>> records = client.list_images()  # doctest: +SKIP
        """
        return self._all_pages(self._get_json(API_PREFIX + "images/", params=_instance_params(instance)))

    def _all_pages(self, payload: Any) -> Any:
        """The records of a listing's first answer and, when the server paginates, of every next page."""
        if not isinstance(payload, dict) or "results" not in payload:
            return payload  # a plain list, returned as is; images_frame checks its shape
        records: list[Any] = []
        origin = urlsplit(self.url)
        seen: set[str] = set()
        while True:
            results = payload.get("results")
            if not isinstance(results, list):
                raise ResponseError(
                    f"A page of GET /api/v1/images/ has no list of results: {excerpt(repr(payload))!r}."
                )
            records.extend(results)
            nxt = payload.get("next")
            if not nxt:
                break
            nxt = urljoin(self.url + API_PREFIX + "images/", str(nxt))
            parts = urlsplit(nxt)
            if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
                raise ResponseError(
                    f"The next page is on another host ({parts.scheme}://{parts.netloc}); refusing to "
                    "send the token there."
                )
            if nxt in seen:
                raise ResponseError(f"The pagination loops back to {parts.path}?{parts.query}.")
            seen.add(nxt)
            payload = self._get_json(nxt)
            if not isinstance(payload, dict):
                raise ResponseError(f"A page of GET /api/v1/images/ is not a DRF page: {excerpt(repr(payload))!r}.")
        count = payload.get("count")
        if isinstance(count, int) and count != len(records):
            raise ResponseError(
                f"The server announced {count} images but its pages held {len(records)}; "
                "the listing changed while it was read, try again."
            )
        return records

    def get_image(self, uuid: str) -> dict[str, Any]:
        """One image record as served.

        Raises:
            ValueError: a malformed uuid (nothing is sent).
            NotFoundError: no image with that uuid.
            ResponseError: the answer is not a JSON object.

        Example:
            >>> client.get_image("24b310f8-1405-4928-914f-d5c91272f88a")["name"]  # doctest: +SKIP
            'web-crawling'
        """
        key = canonical_uuid(uuid)
        record = self._get_json(f"{API_PREFIX}images/{key}/")
        if not isinstance(record, dict):
            raise ResponseError(f"GET /api/v1/images/{key}/ did not answer an object: {excerpt(repr(record))!r}.")
        return record

    def images(self, instance: str | None = None) -> pd.DataFrame:
        """The images as a typed DataFrame indexed by uuid (see ``sc.images_frame``).

        Example:
            >>> df = client.images()  # doctest: +SKIP
            >>> df["created_at"].dt.month.head(1).tolist()  # doctest: +SKIP
            [9]
        """
        response, body = self._get_body(API_PREFIX + "images/", params=_instance_params(instance))
        # A well-formed, unpaginated listing is read by Arrow straight from its JSON; anything
        # else (pages, bad values) takes the careful path through Python records.
        frame = images_frame_from_json(body, source=self.source)
        if frame is None:
            records = self._all_pages(self._decode(response, body))
            del body
            frame = images_frame(records, source=self.source)
        if instance is not None:
            frame.attrs["instance"] = canonical_uuid(instance)
        return frame

    def image(self, uuid: str) -> pd.Series:
        """One image as a typed Series named by its uuid (the same typing as a row of ``images()``)."""
        return image_series(self.get_image(uuid), source=self.source)


def _instance_params(instance: str | None) -> dict[str, str] | None:
    return {"instance": canonical_uuid(instance)} if instance is not None else None


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


def _timed_out(exc: BaseException) -> bool:
    """True when a requests/urllib3 exception comes from a timeout."""
    from urllib3.exceptions import NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    causes = _causes(exc)
    # urllib3 derives NewConnectionError (e.g. connection refused) from its TimeoutError.
    if any(isinstance(cause, NewConnectionError) for cause in causes):
        return False
    return any(isinstance(cause, (Urllib3Timeout, TimeoutError)) for cause in causes)


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 exception, in a few words."""
    inner = _causes(exc)[-1]
    text = str(inner) or type(inner).__name__
    # urllib3 quotes the connection object; keep the readable end.
    if ": " in text and "object at 0x" in text:
        text = text.split(": ", 1)[1]
    return excerpt(text, 160)


def login(username: str, password: str, *, url: str | None = None, timeout: Any = _config.DEFAULT_TIMEOUT) -> str:
    """Get an API token with a username and password (``POST /api/v1/api-token-auth/``).

    Args:
        username: the Sharedcloud username.
        password: its password (never logged nor shown).
        url: the host root; else SHAREDCLOUD_URL, SHAREDCLOUD_CLI_URL, the real service.

    Returns:
        The token string.

    Raises:
        AuthenticationError: the server refused the credentials (with its message).

    Example:
        >>> token = sc.login("me", getpass())  # doctest: +SKIP
    """
    base = check_url(_config.resolve_url(url)[0])
    target = base + API_PREFIX + "api-token-auth/"
    try:
        response = requests.post(target, data={"username": username, "password": password}, timeout=timeout)
    except requests.exceptions.RequestException as exc:
        raise TransportError(f"Could not reach {base} to log in: {_reason(exc)}.") from exc
    if response.status_code == 400:
        try:
            raise_for_status(response)
        except SharedcloudError as exc:
            detail = getattr(exc, "detail", None) or "the server refused the credentials"
            raise AuthenticationError(
                f"Login refused: {detail} Check the username and password.",
                status=400,
                detail=detail,
                path=urlsplit(target).path,
            ) from exc
    raise_for_status(response)
    try:
        token = _loads(response.content)["token"]
    except (*_DECODE_ERRORS, KeyError, TypeError) as exc:
        raise ResponseError(f"The login answer holds no token: {excerpt(response.content)!r}.") from exc
    if not isinstance(token, str) or not token:
        raise ResponseError("The login answer holds no token.")
    return token


_demo_lock = threading.Lock()
_demo_server: Any = None


def _demo() -> Any:
    """The in-process demo API, started once per process."""
    global _demo_server
    with _demo_lock:
        if _demo_server is None:
            from .demo import DemoServer

            _demo_server = DemoServer().start()
        return _demo_server


def connect(token: str | None = None, *, url: str | None = None, **options: Any) -> Client:
    """A client from the first configuration found; the demo API when there is none.

    Token: argument > ``SHAREDCLOUD_TOKEN`` > the official CLI's ``~/.sharedcloud/client_config``.
    Url: argument > ``SHAREDCLOUD_URL`` > ``SHAREDCLOUD_CLI_URL`` > ``https://sharedcloud.io``.
    With no token anywhere and no url configured, or with ``SHAREDCLOUD_DEMO=1`` and no
    arguments, it starts the built-in demo API (once per process), says so in one line, and
    connects to it. Nothing is ever written.

    Args:
        token: the API token.
        url: the host root.
        **options: passed on to :class:`Client` (timeout, retries, session).

    Raises:
        AuthenticationError: a url is configured but no token was found.

    Example:
        >>> client = sc.connect()  # doctest: +SKIP
        >>> client.is_demo  # doctest: +SKIP
        True
    """
    if _config.demo_forced() and token is None and url is None:
        return _demo_client(options, reason=f"{_config.ENV_DEMO} is set")
    resolved_url, configured = _config.resolve_url(url)
    resolved_token = _config.resolve_token(token)
    if resolved_token is None:
        if configured:
            raise AuthenticationError(
                f"No token for {resolved_url}: " + _config_hint(), status=401, detail=None, path=None
            )
        return _demo_client(options, reason=f"no {_config.ENV_TOKEN} found")
    return Client(resolved_token, url=resolved_url, **options)


def _demo_client(options: dict[str, Any], reason: str) -> Client:
    server = _demo()
    print(
        f"sharedcloud_nb: {reason}, so this is the built-in demo catalogue; "
        f"set {_config.ENV_TOKEN} (or use sc.token_form()) for your own account."
    )
    return Client(server.token, url=server.url, **options)
