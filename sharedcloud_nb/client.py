"""The API client: :class:`Client`, :func:`connect` and :func:`login`.

A client owns one ``requests.Session`` (from :func:`sharedcloud_nb._http.new_session`, retries
mounted) and reads the API through one method, :meth:`Client._request`: every error answer is
mapped by :func:`sharedcloud_nb.errors.raise_for_status` and every transport exception by
:func:`sharedcloud_nb._http.transport_error`. The token is sent by an auth object, so requests
drops it on a redirect to another host, and it appears in no repr, message or log line.

How a listing flows: :meth:`Client.images` reads the body of ``GET /api/v1/images/`` in one
piece; :func:`~sharedcloud_nb.frames.images_frame_from_json` reads a well-formed listing with
Arrow straight from the bytes; anything else is decoded, its pages followed
(:meth:`Client.list_images`), and converted by the careful :func:`~sharedcloud_nb.frames.images_frame`.
"""

from __future__ import annotations

import logging
import uuid as uuid_module
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import requests

from . import _config, _demo_registry
from ._http import DECODE_ERRORS, TokenAuth, check_token, check_url, loads, mask, new_session, token_hint
from ._http import transport_error as _transport_error
from .errors import AuthenticationError, ResponseError, SharedcloudError, excerpt, raise_for_status
from .frames import image_series, images_frame, images_frame_from_json

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["Client", "canonical_uuid", "check_url", "connect", "login", "mask"]

log = logging.getLogger("sharedcloud_nb")

Timeout = float | tuple[float, float]


def canonical_uuid(value: object) -> str:
    """The canonical string form of a uuid.

    Raises:
        ValueError: naming the bad value, when it is not a uuid.

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
            are left as they are, so retries are then yours to configure, and :meth:`close`
            leaves it open.

    Raises:
        InsecureURLError: ``http://`` to a host that is not loopback.
        ValueError: an empty or malformed token.

    Example:
        >>> with Client(token, url="https://sharedcloud.io") as client:  # doctest: +SKIP
        ...     df = client.images()
    """

    def __init__(
        self,
        token: str,
        *,
        url: str = _config.DEFAULT_URL,
        timeout: Timeout = _config.DEFAULT_TIMEOUT,
        retries: int = _config.DEFAULT_RETRIES,
        session: requests.Session | None = None,
    ) -> None:
        self._token = check_token(token)
        self.url = check_url(url)
        self.timeout = timeout
        self.retries = retries
        self._auth = TokenAuth(self._token)
        self._owns_session = session is None
        self.session = new_session(retries) if session is None else session

    def close(self) -> None:
        """Close the connections of the session the client made (a session given to it stays open)."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(url={self.url!r}, token={mask(self._token)!r}{', demo' if self.is_demo else ''})"

    __str__ = __repr__

    @property
    def is_demo(self) -> bool:
        """True when this client talks to a built-in demo API running in this process."""
        return _demo_registry.is_demo_url(self.url)

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
            raise self._failed(exc, method, url) from exc
        raise_for_status(response)
        return response

    def _failed(
        self, exc: requests.exceptions.RequestException, method: str, url: str, *, reading_body: bool = False
    ) -> SharedcloudError:
        return _transport_error(
            exc, method=method, url=url, timeout=self.timeout, retries=self.retries, reading_body=reading_body
        )

    def _get_body(self, path_or_url: str, **kwargs: Any) -> tuple[requests.Response, bytes]:
        """GET and read the whole body (an error answer is mapped by _request)."""
        # stream=True and one read of the whole body: requests' own .content reads it in 10 kB
        # pieces, which for a large listing takes longer than decoding it (benchmarks/run.py).
        # The body is read outside _request's try, so a failure while reading it is mapped here.
        url = path_or_url if "://" in path_or_url else self.url + path_or_url
        try:
            response = self._request("GET", url, stream=True, **kwargs)
            body = b"".join(response.iter_content(chunk_size=None))
        except requests.exceptions.RequestException as exc:
            raise self._failed(exc, "GET", url, reading_body=True) from exc
        return response, body

    @staticmethod
    def _decode(response: requests.Response, body: bytes) -> Any:
        try:
            return loads(body)
        except DECODE_ERRORS as exc:
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
        records: list[dict[str, Any]] = self._all_pages(
            self._get_json(_config.IMAGES_PATH, params=_instance_params(instance))
        )
        return records

    def _all_pages(self, payload: Any) -> Any:
        """The records of a listing's first answer and, when the server paginates, of every next page."""
        if not isinstance(payload, dict) or "results" not in payload:
            return payload  # a plain list, returned as is; images_frame checks its shape
        records: list[Any] = []
        seen: set[str] = set()
        while True:
            results = payload.get("results")
            if not isinstance(results, list):
                raise ResponseError(
                    f"A page of GET {_config.IMAGES_PATH} has no list of results: {excerpt(repr(payload))!r}."
                )
            records.extend(results)
            if not payload.get("next"):
                break
            payload = self._get_json(self._next_page(payload["next"], seen))
            if not isinstance(payload, dict):
                raise ResponseError(
                    f"A page of GET {_config.IMAGES_PATH} is not a DRF page: {excerpt(repr(payload))!r}."
                )
        count = payload.get("count")
        if isinstance(count, int) and count != len(records):
            raise ResponseError(
                f"The server announced {count} images but its pages held {len(records)}; "
                "the listing changed while it was read, try again."
            )
        return records

    def _next_page(self, link: object, seen: set[str]) -> str:
        """The absolute url of a ``next`` link, checked: same host, and not a page already read."""
        url = urljoin(self.url + _config.IMAGES_PATH, str(link))
        parts, origin = urlsplit(url), urlsplit(self.url)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            raise ResponseError(
                f"The next page is on another host ({parts.scheme}://{parts.netloc}); refusing to send the token there."
            )
        if url in seen:
            raise ResponseError(f"The pagination loops back to {parts.path}?{parts.query}.")
        seen.add(url)
        return url

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
        path = f"{_config.IMAGES_PATH}{key}/"
        record = self._get_json(path)
        if not isinstance(record, dict):
            raise ResponseError(f"GET {path} did not answer an object: {excerpt(repr(record))!r}.")
        return record

    def images(self, instance: str | None = None) -> pd.DataFrame:
        """The images as a typed DataFrame indexed by uuid (see ``sc.images_frame``).

        Example:
            >>> df = client.images()  # doctest: +SKIP
            >>> df["created_at"].dt.month.head(1).tolist()  # doctest: +SKIP
            [9]
        """
        response, body = self._get_body(_config.IMAGES_PATH, params=_instance_params(instance))
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


def login(username: str, password: str, *, url: str | None = None, timeout: Timeout = _config.DEFAULT_TIMEOUT) -> str:
    """Get an API token with a username and password (``POST /api/v1/api-token-auth/``).

    The credentials go only to the url that was checked: a redirect is not followed.

    Args:
        username: the Sharedcloud username.
        password: its password (never logged nor shown).
        url: the host root; else SHAREDCLOUD_URL, SHAREDCLOUD_CLI_URL, the real service.
        timeout: (connect, read) timeouts in seconds.

    Returns:
        The token string.

    Raises:
        AuthenticationError: the server refused the credentials (with its message).
        TransportError: the server could not be reached.
        ResponseError: the answer holds no token, or redirects elsewhere.

    Example:
        >>> token = sc.login("me", getpass())  # doctest: +SKIP
    """
    target = check_url(_config.resolve_url(url)[0]) + _config.LOGIN_PATH
    with new_session(retries=0) as session:  # a POST is never retried
        try:
            response = session.post(
                target, data={"username": username, "password": password}, timeout=timeout, allow_redirects=False
            )
        except requests.exceptions.RequestException as exc:
            raise _transport_error(exc, method="POST", url=target, timeout=timeout, retries=0) from None
    return _token_of(response)


def _token_of(response: requests.Response) -> str:
    """The token of a login answer; a 400 is the server refusing the credentials."""
    path = urlsplit(response.url).path
    if response.status_code == 400:
        try:
            raise_for_status(response)
        except SharedcloudError as exc:
            detail = getattr(exc, "detail", None) or "the server refused the credentials"
            raise AuthenticationError(
                f"Login refused: {detail} Check the username and password.", status=400, detail=detail, path=path
            ) from None
    raise_for_status(response)
    if response.is_redirect:
        where = urlsplit(response.headers.get("Location", ""))
        raise ResponseError(
            f"The login answer redirects to {where.netloc or where.path or 'another place'}; "
            "the credentials were not sent there. Check the server url."
        )
    try:
        token = loads(response.content)["token"]
    except (*DECODE_ERRORS, KeyError, TypeError) as exc:  # type: ignore[misc]  # mypy reads no starred tuple here
        raise ResponseError(f"The login answer holds no token: {excerpt(response.content)!r}.") from exc
    if not isinstance(token, str) or not token:
        raise ResponseError("The login answer holds no token.")
    return token


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

    Returns:
        The connected :class:`Client`.

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
                f"No token for {resolved_url}: " + token_hint(), status=401, detail=None, path=None
            )
        return _demo_client(options, reason=f"no {_config.ENV_TOKEN} found")
    return Client(resolved_token, url=resolved_url, **options)


def _demo_client(options: dict[str, Any], reason: str) -> Client:
    from .demo import shared_server  # the demo is loaded only when it is the answer

    server = shared_server()
    print(
        f"sharedcloud_nb: {reason}, so this is the built-in demo catalogue; "
        f"set {_config.ENV_TOKEN} (or use sc.token_form()) for your own account."
    )
    return Client(server.token, url=server.url, **options)
