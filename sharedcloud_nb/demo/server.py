"""The demo API's server: :class:`DemoServer`, real HTTP on loopback, in a daemon thread.

This module owns the server's lifecycle (start/stop, a context manager, port 0), its clock and
its request log; the socket I/O is :mod:`._sockets`'. What the API answers is :mod:`.api`'s (pure functions, a request in and an answer out); the
faults that can be injected are :mod:`.faults`'; the data, and its encoded bodies, cached, are
:mod:`.catalogue`'s (:class:`~.catalogue.ServedCatalogue`).

A request goes through one place, ``_sockets._Handler._handle``: it is read from the socket, logged in
:attr:`DemoServer.requests`, shown to the installed faults, answered by :func:`.api.answer`
unless a fault answers instead, and written back by one writer. The handler uses only the small
public interface of ``_Backend``, never the server's private members.

Standard library only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import numbers
import socket
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .. import _demo_registry
from ..schema import DATE_FORMAT, ImageRecord
from . import api
from ._log import LOG_SIZE, authorized, for_the_log
from ._sockets import _Handler, _HTTPServer
from .api import Account, Answer, DemoRequest, Headers
from .catalogue import (
    FROZEN_CLOCK,
    ServedCatalogue,
    default_catalogue,
    default_downloads,
    generate_catalogue,
    generate_downloads,
    utc_now,
)
from .faults import (
    DEFAULT,
    FAULTS,
    Action,
    Alter,
    Drop,
    Fault,
    InstalledFaults,
    NamedFault,
    Response,
    Times,
    build_fault,
    parse_fault,
    register_fault,
)
from .generated import GeneratedRecords, generate_with_streamed_list_body
from .timeline import Timeline, clock_text

__all__ = [
    "DEFAULT",
    "DEMO_PASSWORD",
    "DEMO_TOKEN",
    "DEMO_USERNAME",
    "FAULTS",
    "Alter",
    "DemoRequest",
    "DemoServer",
    "Drop",
    "Fault",
    "Headers",
    "NamedFault",
    "Response",
    "parse_fault",
    "register_fault",
    "running_urls",
    "shared_server",
]

DEMO_USERNAME = "demo"
"""The demo account's username (for ``POST /api/v1/api-token-auth/``)."""

DEMO_PASSWORD = "demo-password"
"""The demo account's password."""

DEMO_TOKEN = hashlib.sha1(b"sharedcloud_nb demo API token").hexdigest()
"""The demo API's token: 40 hex characters like a real key, public since it opens only the demo."""


class _Backend:
    """What the request handler may use of its server: the log, the faults, the API, the connections."""

    def __init__(self, server: DemoServer) -> None:
        self.server = server
        self.faults = InstalledFaults()
        self.lock = threading.Lock()  # guards the request log and the open connections
        self.connections: set[socket.socket] = set()

    def log(self, request: DemoRequest) -> None:
        logged = for_the_log(request, token=self.server.token, password=self.server.password)
        with self.lock:
            requests = self.server.requests
            requests.append(logged)
            if len(requests) > self.server.max_logged_requests:
                del requests[: len(requests) - self.server.max_logged_requests]

    def authorized(self, headers: Headers) -> bool:
        return authorized(headers, self.server.token)

    def take_fault(self, request: DemoRequest) -> Action | None:
        return self.faults.take(request)

    def answer(self, request: DemoRequest, alter: Alter | None, host: str) -> Answer:
        rewrite = None if alter is None else alter.records
        return api.answer(request, self.server.catalogue, self.server.account, rewrite=rewrite, host=host)

    def report(self, error: BaseException) -> None:
        with self.lock:  # the first errors are the ones check_errors raises: keep those, not endless more
            if len(self.server.errors) < 100:
                self.server.errors.append(error)

    def opened(self, connection: socket.socket) -> None:
        with self.lock:
            self.connections.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self.lock:
            self.connections.discard(connection)

    def close_connections(self) -> None:
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _whole(value: Any, name: str, least: int, most: int | None = None) -> int:
    """A whole-number argument (``size=1e6`` is a million); a TypeError or ValueError saying what is taken."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} is a whole number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number != int(number) or number < least or (most is not None and number > most):
        span = f"from {least} to {most}" if most is not None else f"{least} or more"
        raise ValueError(f"{name} is a whole number {span}, not {value!r}")
    return int(number)


class DemoServer:
    """The demo Sharedcloud API over real HTTP on loopback, in a daemon thread.

    Args:
        host: the address to bind; loopback by default.
        port: the port to bind; 0 picks a free one (read it from :attr:`url` after start()).
        size: None serves the default catalogue (48 images); an int serves that many images
            generated from ``seed`` (see :func:`~.catalogue.generate_catalogue`).
        seed: the generator seed when ``size`` is given.
        clock: the frozen server time, written like the API's dates; default ``05-10-2018 16:45:36``.
        live_clock: use the real UTC clock for ``current_server_time`` instead of a frozen one.
        page_size: None lists everything at once (a JSON array, like Sharedcloud); an int makes
            the list endpoint paginate DRF-style: ``{"count", "next", "previous", "results"}``.
        token: the token the server accepts; default :data:`DEMO_TOKEN`.
        username, password: the demo account, for the login endpoint.
        faults: named faults to install at once, as specs ``NAME[:ARG][*TIMES]`` (see
            :meth:`inject`).

    Attributes:
        token, username, password: the demo credentials.
        images: the records served (``current_server_time`` as at construction); read-only use.
        instances: the uuids of the two demo instances.
        downloads: ``{instance_uuid: [image_uuid, ...]}``, what ``?instance=`` answers.
        catalogue: the records as the views read them, with the cached encoded bodies.
        requests: the last ``max_logged_requests`` requests received, as
            :class:`DemoRequest` ``(method, path, headers)``, with credentials masked
            (``request.authorized`` says whether the server's token was sent). A request body
            over 64 KiB is refused (413) unread.
        max_logged_requests: how many requests the log keeps (1000; settable).
        errors: the first 100 exceptions raised while answering (each answered 500); :meth:`check_errors`
            raises the first in a test.

    Raises:
        ValueError: a malformed ``clock``, ``clock`` with ``live_clock``, a ``size``, ``page_size`` or
            ``port`` out of range or not whole, or a bad fault spec.
        TypeError: a ``size``, ``page_size`` or ``port`` that is no number (text, a bool), a ``host``
            that is not text, or ``faults`` given as one string rather than a list of them.

    Example:
        >>> import requests
        >>> with DemoServer() as server:
        ...     r = requests.get(server.url + "/api/v1/images/",
        ...                      headers={"Authorization": f"Token {server.token}"})
        >>> r.status_code, len(r.json())
        (200, 48)
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        size: int | None = None,
        seed: int = 0,
        clock: str | dt.datetime | None = None,
        live_clock: bool = False,
        page_size: int | None = None,
        token: str = DEMO_TOKEN,
        username: str = DEMO_USERNAME,
        password: str = DEMO_PASSWORD,
        faults: Iterable[str] = (),
    ) -> None:
        if clock is not None and live_clock:
            raise ValueError("give either a frozen clock or live_clock=True, not both")
        if clock is not None:
            clock = clock_text(clock)  # raises ValueError when malformed
        size = None if size is None else _whole(size, "size", 0)
        page_size = None if page_size is None else _whole(page_size, "page_size", 1)
        port = _whole(port, "port", 0, 65535)
        if not isinstance(host, str):
            raise TypeError(f"host is text such as '127.0.0.1', not {type(host).__name__}")
        if isinstance(faults, str):  # a string is iterable: it would be read as one fault per letter
            raise TypeError(f"faults is a list of fault specs, e.g. faults=[{faults!r}], not a single string")
        self.host = host
        self._port = port
        stamp = utc_now() if live_clock else (clock or FROZEN_CLOCK)
        self.token = token
        self.username = username
        self.password = password
        # The default clock's catalogue moved to this clock (.timeline); a live clock moves only the clock.
        self._generated: list[ImageRecord] | GeneratedRecords | None = None
        self._timeline: Timeline | None = None
        moved = not live_clock and stamp != FROZEN_CLOCK
        list_body: Sequence[bytes] | None = None
        if size is None:
            self.images: Sequence[ImageRecord] = self._at(stamp) if moved else default_catalogue(clock=stamp)
            self.downloads: dict[str, list[str]] = default_downloads()
        else:
            # The list body is written from the records' draws (a million records' json.dumps
            # would make the first listing wait seconds), except where the clock moves them; for
            # many records its chunks are written while the first are sent (StreamedBody). Its
            # records are drawn only when something reads one (see GeneratedRecords).
            if moved:
                self._generated = generate_catalogue(size, seed, clock=FROZEN_CLOCK)
                self.images = self._at(stamp)
                self.downloads = generate_downloads(self._generated, seed)
            else:
                generated, list_body = generate_with_streamed_list_body(size, seed, clock=stamp)
                self._generated = self.images = generated
                self.downloads = generate_downloads(generated.uuid_records(), seed)
        self.instances: list[str] = list(self.downloads)
        self.catalogue = ServedCatalogue(self.images, self.downloads, page_size=page_size, stamp=stamp, live=live_clock)
        if list_body is not None:
            self.catalogue.seed_list_body(list_body)
        self.requests: list[DemoRequest] = []
        self.max_logged_requests = LOG_SIZE
        self.errors: list[BaseException] = []
        self._delay = 0.0
        self._backend = _Backend(self)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for spec in faults:
            self.inject(spec)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> DemoServer:
        """Bind and serve in a daemon thread; returns self. Does nothing when already running.

        Returns:
            The server, started (``with DemoServer() as server`` calls this).

        Raises:
            OSError: the address cannot be bound (a port in use, a host not on this machine).
        """
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self._port), _Handler, backend=self._backend)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sharedcloud-demo-{httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        _demo_registry.register(self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and every open keep-alive connection. Idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        _demo_registry.unregister(self.url)
        self._httpd = self._thread = None
        httpd.shutdown()
        httpd.server_close()
        self._backend.close_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def is_running(self) -> bool:
        """True between start() and stop()."""
        return self._httpd is not None

    @property
    def port(self) -> int:
        """The bound port (the requested one before start())."""
        return self._httpd.server_address[1] if self._httpd is not None else self._port

    @property
    def url(self) -> str:
        """The host root, e.g. ``http://127.0.0.1:54321`` (no trailing slash).

        Raises:
            RuntimeError: the server is not started and was asked for port 0.
        """
        if self._httpd is None and self._port == 0:
            raise RuntimeError("DemoServer has no port yet: call start() or use it as a context manager")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def __repr__(self) -> str:
        where = self.url if self.is_running else "stopped"
        return f"<DemoServer {where}, {len(self.images)} images>"

    @property
    def page_size(self) -> int | None:
        """Records per page of the list, or None for all at once; set at construction."""
        return self.catalogue.page_size

    @property
    def live_clock(self) -> bool:
        """True when ``current_server_time`` is the real UTC clock; set at construction."""
        return self.catalogue.live

    @property
    def account(self) -> Account:
        """The credentials the server accepts (its repr shows no secret)."""
        return Account(self.username, self.password, self.token)

    def current_server_time(self) -> str:
        """The server's clock now, as it writes it in ``current_server_time``.

        Returns:
            The time as the API writes it, day first: ``"05-10-2018 16:45:36"``.
        """
        return self.catalogue.now()

    # -- the clock ---------------------------------------------------------------------------------

    def _at(self, stamp: str) -> list[ImageRecord]:
        """The catalogue as listed at ``stamp``: a function of the clock alone (None: the default's)."""
        if self._timeline is None:
            generated = self._generated
            self._timeline = Timeline(
                generated.materialized() if isinstance(generated, GeneratedRecords) else generated
            )
        return self._timeline.at(stamp)  # type: ignore[return-value]  # records of the schema's keys

    @property
    def clock(self) -> str:
        """The server's clock, as it writes ``current_server_time``; settable (a datetime or that text).

        Setting it moves the catalogue to that time (see :mod:`.timeline`); a request already
        being answered keeps the catalogue it started with.

        Raises:
            ValueError: a malformed clock, or setting a live clock.
        """
        return self.catalogue.now()

    @clock.setter
    def clock(self, value: str | dt.datetime) -> None:
        if self.live_clock:
            raise ValueError("This server follows the real clock (live_clock=True); it cannot be set.")
        stamp = clock_text(value)
        images = self._at(stamp)
        catalogue = ServedCatalogue(images, self.downloads, page_size=self.page_size, stamp=stamp)
        # Two plain assignments: a request in flight keeps the catalogue object it was given.
        self.images, self.catalogue = images, catalogue

    def advance(self, days: float = 0, hours: float = 0) -> str:
        """Move the clock by ``days`` and ``hours`` (back when negative); return it: ``advance(days=7)``.

        Args:
            days: how many days to move the clock (fractions allowed).
            hours: how many hours, added to the days.

        Returns:
            The new clock, as the API writes ``current_server_time``.

        Raises:
            ValueError: the clock is live (it follows the machine's time) and cannot be moved, or
                ``days``/``hours`` is NaN, infinite or beyond the calendar.
            TypeError: ``days`` or ``hours`` is no number.
        """
        for name, value in (("days", days), ("hours", hours)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"{name} is a number (fractions allowed), not {type(value).__name__}")
        now = dt.datetime.strptime(self.clock, DATE_FORMAT)
        try:
            self.clock = now + dt.timedelta(days=days, hours=hours)
        except (ValueError, OverflowError):  # NaN, infinite, or past year 9999
            raise ValueError(f"cannot move the clock by days={days!r}, hours={hours!r}") from None
        return self.clock

    # -- test helpers ----------------------------------------------------------------------------

    def clear_requests(self) -> None:
        """Forget the requests logged so far."""
        with self._backend.lock:
            self.requests.clear()

    def check_errors(self) -> None:
        """Raise, in the caller's thread, the first exception the server met while answering.

        The server answers such a request 500 and keeps the exception in :attr:`errors`, where a
        test would not see it; calling this at the end of a test does (like pytest-httpserver's
        ``check_assertions()``). The list is left as it is.

        Raises:
            Exception: the first exception met while answering, as it was raised there.

        Example:
            >>> with DemoServer() as server:  # doctest: +SKIP
            ...     run_the_code_under_test(server.url)
            ...     server.check_errors()
        """
        if self.errors:
            raise self.errors[0]

    @property
    def delay(self) -> float:
        """Seconds to wait before answering each request (0 by default; settable any time).

        Setting it installs a lasting latency fault, tried before every other; :meth:`clear_faults`
        leaves it in place, and setting 0 removes it. Setting a negative, infinite or non-number
        value raises ValueError.
        """
        return self._delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or not 0 <= seconds < math.inf:
            raise ValueError(f"delay is a number of seconds, 0 or more, not {seconds!r}")
        self._delay = seconds
        if seconds > 0:
            self._backend.faults.install(lambda request: Alter(delay=seconds), times=None, key="delay")
        else:
            self._backend.faults.remove("delay")

    def add_fault(self, fault: Fault, *, times: int | None = 1) -> None:
        """Install ``fault``: it sees every request before the API does, and may answer instead.

        Args:
            fault: called with each :class:`DemoRequest`; returns a :class:`Response` to send, or
                None to let the request through. Faults are tried in the order installed.
            times: how many requests the fault answers before it is removed; None keeps it
                (below 1: nothing is installed).
        """
        self._backend.faults.install(fault, times=times)

    def fail_next(
        self,
        n: int,
        status: int,
        body: bytes | str | Any = b"",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next ``n`` requests (any path) with ``status``, ``body`` and ``headers``.

        Args:
            n: how many requests to answer so (below 1: none).
            status: the HTTP status.
            body: bytes, text, or anything JSON-serialisable (sent as JSON).
            headers: headers to send with it.

        Example:
            >>> server.fail_next(2, 503, {"detail": "Service unavailable"}, {"Retry-After": "0"})  # doctest: +SKIP
        """
        response = Response(status, body, dict(headers or {}))
        self.add_fault(lambda request: response, times=n)

    def inject(
        self,
        fault: str,
        arg: object = None,
        *,
        times: Times = DEFAULT,
        after: int = 0,
        path: str | None = None,
    ) -> None:
        """Install a named fault from :data:`FAULTS` (``python -m sharedcloud_nb.demo --help`` lists them).

        Args:
            fault: a name (``"truncated"``) or a whole spec ``NAME[:ARG][*TIMES]`` (``"status:503*2"``).
            arg: the fault's argument (a status, seconds, a kind...); overrides the spec's ARG.
            times: how many requests it answers, None for all until :meth:`clear_faults`; by
                default the spec's TIMES, else the fault's own default.
            after: let this many matching requests through first (e.g. fail a listing's page 2).
            path: answer only requests whose path starts with this (e.g. ``"/api/v1/images/"``).

        Raises:
            ValueError: an unknown name or a bad argument (says what is expected).

        Example:
            >>> server.inject("status", 503, times=2)  # doctest: +SKIP
            >>> server.inject("rate-limit:0")          # doctest: +SKIP
            >>> server.inject("bad-records", "type", path="/api/v1/images/")  # doctest: +SKIP
        """
        built, count = build_fault(fault, arg, times=times, server=self)
        self._backend.faults.install(built, times=count, after=after, path=path)

    def clear_faults(self) -> None:
        """Remove every installed fault (the :attr:`delay` stays until set to 0)."""
        self._backend.faults.clear()


def running_urls() -> frozenset[str]:
    """The urls of the demo servers running in this process (how a client knows it talks to one).

    A server bound to 127.0.0.1 is listed under ``localhost`` too.

    Example:
        >>> with DemoServer() as server:
        ...     server.url in running_urls()
        True
    """
    return _demo_registry.urls()


_shared: DemoServer | None = None
_shared_lock = threading.Lock()


def shared_server() -> DemoServer:
    """The demo server of this process, started on the first call (a new one if it was stopped).

    Safe to call from several threads: they get the same server.

    Example:
        >>> shared_server() is shared_server()  # doctest: +SKIP
        True
    """
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.is_running:
            _shared = DemoServer().start()
        return _shared


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
