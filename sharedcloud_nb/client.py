"""The API client: :class:`Client`, :func:`connect` and :func:`login`.

A client owns one ``requests.Session`` (from :func:`sharedcloud_nb._http.new_session`, whose
adapters make one attempt each) and reads the API through one method, :meth:`Client._request`:
:func:`sharedcloud_nb._calls.send` makes the attempts within the call's deadline, every error
answer is mapped by :func:`sharedcloud_nb.errors.raise_for_status` and every transport exception
by :func:`sharedcloud_nb._http.transport_error`. The token is sent by an auth object, so requests
drops it on a redirect to another host, and it appears in no repr, message or log line.

How a listing flows: :meth:`Client.images` reads the body of ``GET /api/v1/images/`` in blocks
(:func:`sharedcloud_nb._calls.read_body`) into a :class:`~sharedcloud_nb._listing_json.ListingStream`,
where Arrow parses a well-formed listing chunk by chunk as it arrives
(:func:`~sharedcloud_nb.frames.images_frame_from_stream`); anything else is decoded from the
listing as served, its pages followed (:meth:`Client.list_images`), and converted by the careful
:func:`~sharedcloud_nb.frames.images_frame`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import requests

from . import _config, _demo_registry, _offline, _progress, _warn
from ._calls import (
    Call,
    Deadline,
    check_count,
    check_deadline,
    check_flag,
    check_timeout,
    error_note,
    preload_error_body,
    read_body,
    send,
)
from ._http import (
    DECODE_ERRORS,
    Timeout,
    TokenAuth,
    canonical_uuid,
    check_token,
    check_url,
    is_loopback_url,
    loads,
    mask,
    new_session,
    request_headers,
    retry_policy,
    same_origin,
    token_hint,
)
from ._login import login
from .errors import (
    AuthenticationError,
    InputError,
    InputTypeError,
    ResponseError,
    excerpt,
    raise_for_status,
)
from .frames import image_series, images_frame, images_frame_from_stream, listing_stream
from .store import parse_max_age

if TYPE_CHECKING:  # pragma: no cover - typing only
    import os

    import pandas as pd

    from .store import Store

__all__ = ["Client", "canonical_uuid", "check_url", "connect", "login", "mask"]

log = logging.getLogger("sharedcloud_nb")
_NO_CHOICE = "the client's, else SHAREDCLOUD_PROGRESS"


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
            leaves it open. The session is not modified: each request adds the package's
            ``User-Agent`` unless the session sets one of its own.
        deadline: the longest a call may take in all, every attempt, wait and read included
            (seconds; None for no bound); each call can override it.
        max_bytes: the most an answer may decode to; larger answers, and compressed answers that
            inflate suspiciously, are refused.
        progress: show a progress bar on calls that last over a second; None follows
            ``SHAREDCLOUD_PROGRESS`` (on unless 0); each call can override it.

    Raises:
        InsecureURLError: ``http://`` to a host that is not loopback.
        InputError: (a ValueError) an empty or malformed token or url, a ``deadline`` or ``timeout`` of
            0 or less, negative ``retries``, a ``max_bytes`` below 1; an :class:`InputTypeError` (also a
            TypeError) for one of the wrong type (``offline="no"``, a ``session`` that is no requests.Session);
            a ``store`` that is no folder (see :class:`~sharedcloud_nb.Store`).

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
        deadline: float | None = _config.DEFAULT_DEADLINE,
        max_bytes: int = _config.DEFAULT_MAX_BYTES,
        progress: bool | None = None,
        store: Store | str | os.PathLike[str] | None = None,
        offline: bool = False,
    ) -> None:
        self._token = check_token(token)
        self.offline = check_flag(offline, "offline")
        self._store_option = store
        # A store given is checked now (a number, a file); the default one is made on first use.
        self._store: Store | None = None if store is None else _offline.as_store(store)
        self._account: Any = None  # whose snapshots an offline client serves, when not its own
        self.url = check_url(url)
        self.timeout = check_timeout(timeout)
        self.retries = check_count(retries, "retries", least=0, meaning="how many times a GET is retried")
        self.deadline = check_deadline(deadline)
        self.max_bytes = check_count(max_bytes, "max_bytes", least=1, meaning="the most bytes an answer may hold")
        self.progress = check_flag(progress, "progress", none=_NO_CHOICE)
        if session is not None and not isinstance(session, requests.Session):
            raise InputTypeError(
                f"session is a requests.Session (or one of its subclasses), not {type(session).__name__}."
            )
        self._auth = TokenAuth(self._token)
        self._token_advice = _config.token_advice(_config.SOURCE_ARGUMENT)
        self._owns_session = session is None
        self.session = new_session(loopback=is_loopback_url(self.url)) if session is None else session
        # The session's adapters make one attempt each; a session given to the client keeps its own.
        self._retry = retry_policy(retries) if session is None else None

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

    def _account_name(self) -> str:
        """The account's name: "demo", or the token's one-way fingerprint (the store's too)."""
        from .store import account_of  # the store's own fingerprint, loaded when first shown

        account = account_of(self)
        return "demo" if account.demo else account.fingerprint

    def __repr__(self) -> str:
        offline = ", offline=True" if getattr(self, "offline", False) else ""
        return f"Client(url={self.url!r}, account={self._account_name()!r}{offline})"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """The client in a notebook: server, account (a fingerprint, never the token), online or not."""
        import html

        offline = bool(getattr(self, "offline", False))
        account = self._account_name()
        rows = [
            ("Server", self.url + (" (the built-in demo API)" if self.is_demo else "")),
            ("Account", "demo" if account == "demo" else f"{account} (a fingerprint of the token)"),
            ("Mode", "offline: served from stored snapshots" if offline else "online"),
        ]
        store = getattr(self, "_store", None)
        if store is not None and getattr(store, "root", None) is not None:
            rows.append(("Store", str(store.root)))
        cells = "".join(
            f'<tr><th style="text-align:left;padding-right:1em">{html.escape(k)}</th>'
            f'<td style="text-align:left">{html.escape(v)}</td></tr>'
            for k, v in rows
        )
        return f"<div><b>Sharedcloud client</b><table>{cells}</table></div>"

    @property
    def store(self) -> Store:
        """Where :meth:`snapshot` writes and ``images(max_age=...)`` and offline mode read (``sc.Store``)."""
        if self._store is None:
            self._store = _offline.as_store(self._store_option)
        return self._store

    def snapshot(self) -> pd.DataFrame:
        """Fetch the whole catalogue, store it as a snapshot, and return the typed frame.

        Returns:
            The frame of :meth:`images`, its ``attrs`` saying where it is stored (``snapshot``,
            ``taken_at``, ``server_time``).

        Raises:
            OfflineError: the client is offline.
            InputError: (a ValueError) the store is no folder, or its folder cannot be made (nothing is fetched).

        Example:
            >>> df = client.snapshot()  # doctest: +SKIP
        """
        if self.offline:
            raise _offline.refuse("a snapshot")
        return self.store.snapshot(self)

    @property
    def is_demo(self) -> bool:
        """True when this client talks to a built-in demo API running in this process."""
        return _demo_registry.is_demo_url(self.url)

    @property
    def source(self) -> str:
        """Where the data comes from, as recorded in ``DataFrame.attrs``: "demo" or the url."""
        return "demo" if self.is_demo else self.url

    # -- HTTP ---------------------------------------------------------------------------------

    def _call(self, method: str, url: str, *, deadline: float | None = None, progress: bool | None = None) -> Call:
        """One call's budget, retries and progress bar (``None``: the client's own settings)."""
        return Call(
            method=method,
            url=url,
            deadline=Deadline(self.deadline if deadline is None else deadline),
            progress=_progress.Progress(
                f"{method} {urlsplit(url).path}",
                enabled=_progress.enabled(check_flag(progress, "progress", none=_NO_CHOICE), self.progress),
            ),
            retry=self._retry,
            timeout=self.timeout,
        )

    def _url(self, path_or_url: str) -> str:
        return path_or_url if "://" in path_or_url else self.url + path_or_url

    def _request(self, method: str, path_or_url: str, *, call: Call | None = None, **kwargs: Any) -> requests.Response:
        """Send one request (retried within its deadline) and map an error status. The one place for both."""
        url = self._url(path_or_url)
        call = call if call is not None else self._call(method, url)
        log.debug("%s %s", method, urlsplit(url).path)
        headers = request_headers(self.session)
        if headers is not None:
            kwargs["headers"] = {**headers, **kwargs.get("headers", {})}
        response = send(self.session, call, auth=self._auth, **kwargs)
        preload_error_body(response, call)
        raise_for_status(response, token_advice=self._token_advice, note=error_note(call, response))
        return response

    def _get_body(
        self,
        path_or_url: str,
        *,
        deadline: float | None = None,
        progress: bool | None = None,
        sink: Callable[[bytes], None] | None = None,
        **kwargs: Any,
    ) -> tuple[requests.Response, bytearray]:
        """GET and read the whole body in blocks, within the call's deadline and the size caps
        (into ``sink`` as they arrive, if given: the body returned is then empty)."""
        url = self._url(path_or_url)
        call = self._call("GET", url, deadline=deadline, progress=progress)
        with call.progress:
            response = self._request("GET", url, call=call, stream=True, **kwargs)
            try:
                body = read_body(response, call, max_bytes=self.max_bytes, sink=sink)
            finally:
                response.close()
        return response, body

    @staticmethod
    def _decode(response: requests.Response, body: bytes | bytearray) -> Any:
        try:
            return loads(body)
        except DECODE_ERRORS:
            pass
        ctype = response.headers.get("Content-Type", "no content type")
        raise ResponseError(  # outside the except block: the decoder's error (and the whole body) is not chained
            f"The answer to GET {urlsplit(response.url).path} is not JSON ({ctype}, {len(body)} bytes): "
            f"{excerpt(body)!r}."
        )

    def _get_json(self, path_or_url: str, **kwargs: Any) -> Any:
        return self._decode(*self._get_body(path_or_url, **kwargs))

    # -- API ----------------------------------------------------------------------------------

    def list_images(
        self, instance: str | None = None, *, deadline: float | None = None, progress: bool | None = None
    ) -> list[dict[str, Any]]:
        """The image records as served, following DRF pagination when the server paginates.

        Args:
            instance: only the images downloaded on this instance (its uuid).
            deadline: this call's time budget in seconds (default: the client's).
            progress: show a progress bar if the call lasts (default: the client's choice).

        Returns:
            A list of dicts, one per image.

        Raises:
            InputError: (a ValueError) a malformed instance uuid (nothing is sent).
            ResponseError: an answer that is neither a list nor a DRF page, or a ``next`` link to
                another host. A listing that fails half-way raises; pages are never returned partially.

        Example:
            >>> records = client.list_images()
        """
        if self.offline:
            raise _offline.refuse("list_images()")
        first = self._get_json(
            _config.IMAGES_PATH, params=_instance_params(instance), deadline=deadline, progress=progress
        )
        records: list[dict[str, Any]] = self._all_pages(first, deadline=deadline, progress=progress)
        return records

    def _all_pages(self, payload: Any, *, deadline: float | None = None, progress: bool | None = None) -> Any:
        """The records of a listing's first answer and, when the server paginates, of every next page.

        The pages are bounded by what the first page's ``count`` implies (plus a little slack for
        images added meanwhile) and by the call's deadline: a server that always answers a new
        ``next`` cannot keep the call going.
        """
        if not isinstance(payload, dict) or "results" not in payload:
            return payload  # a plain list, returned as is; images_frame checks its shape
        budget = Deadline(self.deadline if deadline is None else deadline)
        records: list[Any] = []
        seen: set[str] = set()
        limit = _page_limit(payload)
        with _progress.Progress(
            f"GET {_config.IMAGES_PATH}", enabled=_progress.enabled(progress, self.progress), unit="page"
        ) as bar:
            while True:
                records.extend(_results(payload))
                bar.update(len(seen) + 1, limit - _config.PAGE_SLACK)
                if not payload.get("next"):
                    break
                if len(seen) + 1 >= limit:
                    raise ResponseError(
                        f"The listing has more pages than its count of {payload.get('count')} images implies "
                        f"({limit} read); the server keeps answering a next page. Stopped reading it."
                    )
                url = self._next_page(payload["next"], seen)
                payload = self._get_json(url, deadline=max(budget.remaining(), 0.001), progress=False)
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
        parts = urlsplit(url)
        if "\\" in url or not same_origin(url, self.url):
            raise ResponseError(
                f"The next page is on another host ({parts.scheme}://{parts.netloc}); refusing to send the token there."
            )
        if url in seen:
            raise ResponseError(f"The pagination loops back to {parts.path}?{parts.query}.")
        seen.add(url)
        return url

    def get_image(self, uuid: str, *, deadline: float | None = None) -> dict[str, Any]:
        """One image record as served.

        Args:
            uuid: the image's uuid (any case; braces and urn: forms are accepted).
            deadline: this call's time budget in seconds (default: the client's).

        Returns:
            The record, a dict with the API's fields, its dates as the API writes them.

        Raises:
            InputError: (a ValueError) a malformed uuid (nothing is sent).
            NotFoundError: no image with that uuid.
            ResponseError: the answer is not a JSON object.

        Example:
            >>> client.get_image("24b310f8-1405-4928-914f-d5c91272f88a")["name"]
            'web-crawling'
        """
        key = canonical_uuid(uuid)
        if self.offline:
            raise _offline.refuse("get_image()")
        path = f"{_config.IMAGES_PATH}{key}/"
        record = self._get_json(path, deadline=deadline, progress=False)
        if not isinstance(record, dict):
            raise ResponseError(f"GET {path} did not answer an object: {excerpt(repr(record))!r}.")
        return record

    def images(
        self,
        instance: str | None = None,
        *,
        max_age: str | dt.timedelta | float | int | None = None,
        deadline: float | None = None,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """The images as a typed DataFrame indexed by uuid (see ``sc.images_frame``).

        Args:
            instance: only the images downloaded on this instance (its uuid).
            max_age: serve this account's newest snapshot if it was taken less than this long ago
                (``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``, ``"1w"``, a timedelta or seconds), else
                fetch and store one. Offline, the newest snapshot is served whatever its age.
            deadline: this call's time budget in seconds (default: the client's).
            progress: show a progress bar if the call lasts (default: the client's choice).

        Returns:
            The typed frame, indexed by uuid, the same schema whatever the server sends (an empty
            answer gives an empty frame); ``attrs["source"]`` says where it came from ("demo" or the url).

        Raises:
            OfflineError: offline, and no snapshot of this account in the store.
            InputError: (a ValueError) ``max_age`` together with ``instance``, or a ``max_age`` that
                is not an age (``"2 fortnights"``, negative; an :class:`InputTypeError` for a list,
                a bool...), or a store that cannot be written to. Nothing is sent.

        Example:
            >>> df = client.images()
            >>> df.loc["24b310f8-1405-4928-914f-d5c91272f88a", "created_at"]  # "22-09-2018 00:45:50", day first
            Timestamp('2018-09-22 00:45:50+0000', tz='UTC')
        """
        if max_age is not None:
            parse_max_age(max_age)  # a careless max_age is refused online and offline alike
            if instance is not None:
                raise InputError("max_age= serves snapshots, which hold the whole catalogue: drop instance=.")
        if self.offline:
            return _offline.offline_images(self, self.store, instance)
        if max_age is not None:
            return _offline.recent_or_fetch(
                self, self.store, max_age, lambda: self._fetch_images(None, deadline=deadline, progress=progress)
            )
        return self._fetch_images(instance, deadline=deadline, progress=progress)

    def _fetch_images(self, instance: str | None, *, deadline: float | None, progress: bool | None) -> pd.DataFrame:
        """GET the listing and type it (the network side of :meth:`images`)."""
        # A well-formed, unpaginated listing is read by Arrow straight from its JSON, as it arrives
        # (the whole body is never held); anything else (pages, bad values) takes the careful path
        # through Python records, from the listing as served.
        with listing_stream() as stream:
            response, _ = self._get_body(
                _config.IMAGES_PATH,
                params=_instance_params(instance),
                deadline=deadline,
                progress=progress,
                sink=stream.feed,
            )
            frame = images_frame_from_stream(stream, source=self.source)
            body = stream.body() if frame is None else bytearray()
        if frame is None:
            records = self._all_pages(self._decode(response, body), deadline=deadline, progress=progress)
            del body, stream
            frame = images_frame(records, source=self.source)
        if instance is not None:
            frame.attrs["instance"] = canonical_uuid(instance)
        return frame

    def image(self, uuid: str, *, deadline: float | None = None) -> pd.Series:
        """One image as a typed Series named by its uuid (the same typing as a row of ``images()``).

        Args:
            uuid: the image's uuid (any case; braces and urn: forms are accepted).
            deadline: this call's time budget in seconds (default: the client's).

        Returns:
            The typed Series; ``sc.card(series)`` shows it as the image picker's card.

        Raises:
            InputError: a malformed uuid (nothing is sent).
            NotFoundError: no image with that uuid (offline: not in the newest snapshot; no request is sent).
        """
        if self.offline:
            return _offline.offline_image(self, self.store, canonical_uuid(uuid))
        return image_series(self.get_image(uuid, deadline=deadline), source=self.source)


def _results(page: dict[str, Any]) -> list[Any]:
    results = page.get("results")
    if not isinstance(results, list):
        raise ResponseError(f"A page of GET {_config.IMAGES_PATH} has no list of results: {excerpt(repr(page))!r}.")
    return results


def _page_limit(page: dict[str, Any]) -> int:
    """How many pages a listing may have: what its count implies for this page's size, plus slack."""
    count, size = page.get("count"), len(page.get("results") or ())
    if isinstance(count, int) and count >= 0 and size:
        return -(-count // size) + _config.PAGE_SLACK
    return 1 + _config.PAGE_SLACK if size == 0 else 10_000 + _config.PAGE_SLACK


def _instance_params(instance: str | None) -> dict[str, str] | None:
    return {"instance": canonical_uuid(instance)} if instance is not None else None


def connect(
    token: str | None = None,
    *,
    url: str | None = None,
    store: Store | str | os.PathLike[str] | None = None,
    offline: bool = False,
    **options: Any,
) -> Client:
    """A client from the first configuration found; the demo API when there is none.

    Token: argument > ``SHAREDCLOUD_TOKEN`` > the official CLI's ``~/.sharedcloud/client_config``.
    Url: argument > ``SHAREDCLOUD_URL`` > ``SHAREDCLOUD_CLI_URL`` > ``https://sharedcloud.io``.
    With no token anywhere and no url configured, or with ``SHAREDCLOUD_DEMO=1`` and no
    arguments, it starts the built-in demo API (once per process), says so with one
    :class:`~sharedcloud_nb.DemoDataWarning` (once per process), and connects to it. Nothing is
    printed and nothing is ever written.

    Args:
        token: the API token.
        url: the host root.
        store: where snapshots are kept (a ``sc.Store`` or a folder); default ``sc.Store()``.
        offline: serve the store's newest snapshots and never touch the network (also with
            ``SHAREDCLOUD_OFFLINE=1``); with no token configured, the demo account's snapshots,
            without starting the demo API.
        **options: passed on to :class:`Client` (timeout, retries, session).

    Returns:
        The connected :class:`Client`.

    Raises:
        AuthenticationError: a url is configured but no token was found.
        InputError: (a ValueError) a malformed token, url or option, as :class:`Client` refuses them.

    Example:
        >>> client = sc.connect()
        >>> client.is_demo
        True
    """
    if check_flag(offline, "offline") or _config.offline_forced():
        return _offline.offline_client(token, url, store, options)
    options["store"] = store
    if _config.demo_forced() and token is None and url is None:
        return _demo_client(options, reason=f"{_config.ENV_DEMO} is set")
    resolved_url, configured = _config.resolve_url(url)
    resolved_token, source = _config.resolve_token_source(token)
    if resolved_token is None:
        if configured:
            raise AuthenticationError(
                f"No token for {resolved_url}: " + token_hint(), status=401, detail=None, path=None
            )
        return _demo_client(options, reason=f"no {_config.ENV_TOKEN} found")
    client = Client(resolved_token, url=resolved_url, **options)
    client._token_advice = _config.token_advice(source)
    return client


def _demo_client(options: dict[str, Any], reason: str) -> Client:
    from .demo import shared_server  # the demo is loaded only when it is the answer

    server = shared_server()
    _warn.warn_demo(
        f"{reason}, so this is the built-in demo catalogue; "
        f"set {_config.ENV_TOKEN} (or use sc.token_form()) for your own account."
    )
    return Client(server.token, url=server.url, **options)


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
