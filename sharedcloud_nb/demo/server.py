"""The demo API's HTTP side: :class:`DemoServer`, a real HTTP server that speaks like Sharedcloud.

This module owns *how* the demo API answers; the data comes from :mod:`.catalogue`. The server
follows ``api/README.md`` to the letter, including Django REST Framework's details:

- ``GET /api/v1/images/``, ``GET /api/v1/images/<uuid>/``, ``?instance=<uuid>`` (images downloaded
  on that instance; an unknown instance gives ``[]``; a malformed uuid gives
  ``400 {"instance": ["“x” is not a valid UUID."]}``, as Django's UUIDField says it), and with
  ``page_size`` set, DRF's page-number pagination (``?page=K``, absolute ``next``/``previous``).
- ``POST /api/v1/api-token-auth/`` with ``username``/``password``, form-encoded, multipart or JSON.
- ``Authorization: Token <key>`` and DRF's four 401 answers, with ``WWW-Authenticate: Token``.
  As in DRF, authentication runs before the method check (an unauthenticated ``POST`` on images
  is 401, an authenticated one 405), and a malformed or unknown ``Token`` header is refused even on
  the login endpoint, which otherwise needs no credentials.
- Django's APPEND_SLASH: a path without its trailing slash is answered ``301`` to the path with the
  slash (query string kept), before authentication.
- Unknown uuids and unknown paths: ``404 {"detail": "Not found."}``.

Every JSON answer is compact UTF-8 (DRF's renderer), ``Content-Type: application/json``, with a
``Content-Length``, over HTTP/1.1 keep-alive. Answers also carry ``X-Sharedcloud-Demo: 1``.

Large catalogues are served fast: the list body is encoded once, lazily, and cached (per instance
filter too); with the live clock only ``current_server_time`` is patched at answer time.

For tests, every request is logged in :attr:`DemoServer.requests`, and faults can be injected:
:meth:`DemoServer.fail_next` makes the next requests fail; :meth:`DemoServer.add_fault` installs
any callable that may answer a request instead of the API. Both plug into ``_Handler._handle``,
the one place every request goes through.

Named faults rehearse what a remote service does to a client. Each is a factory in :data:`FAULTS`,
installed by name from Python or from the command line, with a spec ``NAME[:ARG][*TIMES]``
(``TIMES`` a count or ``forever``; without it, the fault's own default)::

    DemoServer(faults=["status:503*2", "latency:0.2"])     # or, on a running server:
    server.inject("truncated")                             # the next answer is cut off mid-JSON
    server.inject("status", 429, times=3, path="/api/v1/images/")
    python -m sharedcloud_nb.demo --fault 'status:503*2' --fault bad-records:type

======================  =======  ===================================================================
name[:ARG]              times    what the client gets
======================  =======  ===================================================================
latency[:SECONDS=0.5]   forever  every answer, SECONDS late
slow[:SECONDS=35]       1        the next answer, SECONDS late (past the client's 30 s read timeout)
status[:CODE=503]       1        a DRF-style JSON error with that status; 429 has ``Retry-After: 1``
rate-limit[:SECONDS=1]  1        429 ``Request was throttled.`` with ``Retry-After: SECONDS``
down[:CODE=503]         forever  ``status`` for good: a persistent failure
html-error[:CODE=502]   1        a proxy's HTML error page (text/html, several KB)
not-json                1        200 with an HTML page instead of JSON
truncated               1        the real answer cut off half-way (Content-Length of the whole)
drop                    1        the connection closed without an answer
reset                   1        the connection reset (TCP RST) without an answer
bad-records[:KIND]      forever  every other record (the 1st, 3rd, ...; every detail) damaged:
                                 ``missing`` updated_at and registry_path; ``extra`` visibility and
                                 labels (an object); ``null`` description, tag and created_at;
                                 ``type`` num_installations "three", requires_gpu "yes", name 42;
                                 ``mixed`` (default) all four
dates[:STYLE=iso]       forever  dates written another way: ``iso`` 2018-10-05T16:45:36Z,
                                 ``us`` 10/05/2018 16:45:36, ``epoch`` 1538757936 (a number)
redirect:URL            1        302 to URL + the request's path and query (another host, say)
======================  =======  ===================================================================

A fault answers any request (``path=`` narrows it to paths starting with that prefix, ``after=N``
lets the first N through). Faults that alter the API's answer (latency, slow, truncated,
bad-records, dates) stack; the first that answers instead (a status, a page, drop, reset,
redirect) ends the search, delayed by the alterations before it. :data:`FAULTS` can be extended
with :func:`register_fault`. A fault answers the next request, whichever client sends it.

Standard library only.
"""

from __future__ import annotations

import calendar
import email.parser
import email.policy
import hashlib
import http
import json
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid as uuid_module
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from .catalogue import (
    DATE_FORMAT,
    FROZEN_CLOCK,
    default_catalogue,
    default_downloads,
    generate_catalogue,
    generate_downloads,
)

__all__ = [
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
]

DEMO_USERNAME = "demo"
"""The demo account's username (for ``POST /api/v1/api-token-auth/``)."""

DEMO_PASSWORD = "demo-password"
"""The demo account's password."""

DEMO_TOKEN = hashlib.sha1(b"sharedcloud_nb demo API token").hexdigest()
"""The demo API's token: 40 hex characters like a real key, public since it opens only the demo."""

_LIST_PATH = "/api/v1/images/"
_LOGIN_PATH = "/api/v1/api-token-auth/"
_DETAIL_PATH = re.compile(r"/api/v1/images/([^/]+)/")
_IMAGES_ALLOW = "GET, HEAD, OPTIONS"
_LOGIN_ALLOW = "POST, OPTIONS"
_BATCH = 5000  # records per encoded chunk of a list body
_PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]


def _dumps(obj: Any) -> str:
    """Encode like DRF's JSONRenderer: compact, UTF-8 characters kept as they are."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _json(obj: Any) -> bytes:
    return _dumps(obj).encode()


class Headers(Mapping[str, str]):
    """Request headers as received: case-insensitive lookup, names kept as sent.

    Example:
        >>> h = Headers([("Authorization", "Token abc")])
        >>> h["authorization"], "AUTHORIZATION" in h, dict(h)
        ('Token abc', True, {'Authorization': 'Token abc'})
    """

    __slots__ = ("_store",)

    def __init__(self, items: Mapping[str, str] | list[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._store: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            self._store.setdefault(name.lower(), (name, value))  # first one wins, like get()

    def __getitem__(self, name: str) -> str:
        return self._store[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._store

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __repr__(self) -> str:
        return f"Headers({dict(self)!r})"


class _RequestFields(NamedTuple):
    method: str
    path: str
    headers: Headers


class DemoRequest(_RequestFields):
    """A request the demo server received: a ``(method, path, headers)`` tuple, plus ``.body``.

    ``path`` is the request target as sent, query string included; ``headers`` is a
    case-insensitive :class:`Headers`; ``body`` the raw request body (bytes).
    """

    body: bytes

    def __new__(cls, method: str, path: str, headers: Headers, body: bytes = b"") -> DemoRequest:
        self = super().__new__(cls, method, path, headers)
        self.body = body
        return self

    @property
    def query(self) -> dict[str, str]:
        """The query string's parameters (the last value of each)."""
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))


@dataclass(frozen=True)
class Response:
    """An answer a fault sends instead of the API's.

    ``body`` may be bytes, a str (sent as UTF-8) or a JSON-able object (sent as JSON).
    ``Content-Type`` defaults to ``application/json`` and ``Content-Length`` to the body's length;
    a ``Content-Length`` given in ``headers`` is sent as is, and the connection is then closed
    after the answer (so a lying length can simulate a truncated body).
    """

    status: int
    body: bytes | str | Any = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering."""

    def encoded_body(self) -> bytes:
        """The body as the bytes to send."""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return _json(self.body)


@dataclass(frozen=True)
class Drop:
    """A fault's answer: close the connection without answering (with a TCP reset when ``reset``)."""

    reset: bool = False
    delay: float = 0.0
    """Seconds to wait before closing."""


RecordRewrite = Callable[[dict, int], dict]
"""Rewrites one served record (a copy, free to change) given its position in the answer."""


@dataclass(frozen=True)
class Alter:
    """A fault's answer: answer as the API would, altered.

    Attributes:
        delay: seconds to wait before answering.
        records: applied to each image record served (list, page or detail), with its position in
            the answer (0 for a detail); returns the record to send.
        truncate: send only the first half of the body, with the whole body's Content-Length, then
            close the connection.
    """

    delay: float = 0.0
    records: RecordRewrite | None = None
    truncate: bool = False

    def then(self, other: Alter) -> Alter:
        """Both alterations: delays add up, record rewrites run in order."""
        first, second = self.records, other.records
        if first is None or second is None:
            records = first or second
        else:

            def records(record: dict, position: int) -> dict:
                return second(first(record, position), position)

        return Alter(self.delay + other.delay, records, self.truncate or other.truncate)


Fault = Callable[[DemoRequest], Response | Drop | Alter | None]
"""A fault: called with each request; returns what to do instead of the API's plain answer, or None.

A :class:`Response` is sent instead, :class:`Drop` closes the connection, :class:`Alter` changes
the API's own answer.
"""


@dataclass
class _InstalledFault:
    fault: Fault
    remaining: int | None  # None: forever
    skip: int = 0  # matching requests still to let through


# -- named faults ----------------------------------------------------------------------------------

FaultFactory = Callable[["DemoServer", "str | None"], Fault]


@dataclass(frozen=True)
class NamedFault:
    """An entry of :data:`FAULTS`: how to build a fault from its spec's ARG.

    Attributes:
        name: the name used in specs (``status``, ``truncated``...).
        factory: ``(server, arg) -> Fault``; ``arg`` is the spec's ARG text or None.
        times: how many requests it answers by default (None: until cleared).
        summary: one line for ``--help``.
    """

    name: str
    factory: FaultFactory
    times: int | None
    summary: str


FAULTS: dict[str, NamedFault] = {}
"""The named faults, by name (see the module docstring's table)."""


def register_fault(name: str, *, times: int | None, summary: str) -> Callable[[FaultFactory], FaultFactory]:
    """Register a fault factory under ``name`` (a decorator), so specs and ``--fault`` can use it.

    Example:
        >>> @register_fault("teapot", times=1, summary="418 I'm a teapot")
        ... def _teapot(server, arg):
        ...     return lambda request: Response(418, {"detail": "I'm a teapot."})
        >>> "teapot" in FAULTS
        True
        >>> del FAULTS["teapot"]
    """

    def decorate(factory: FaultFactory) -> FaultFactory:
        FAULTS[name] = NamedFault(name, factory, times, summary)
        return factory

    return decorate


_SPEC = re.compile(r"(?P<name>[a-z0-9-]+)(?::(?P<arg>.*?))?(?:\*(?P<times>\d+|forever))?")


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Any = _Default()
"""``times=DEFAULT``: the named fault's own default number of times."""


def parse_fault(spec: str) -> tuple[str, str | None, int | _Default | None]:
    """Split a fault spec ``NAME[:ARG][*TIMES]`` into ``(name, arg, times)``.

    Raises:
        ValueError: a malformed spec or an unknown name (the message lists the known ones).

    Example:
        >>> parse_fault("status:503*2"), parse_fault("truncated"), parse_fault("down*forever")
        (('status', '503', 2), ('truncated', None, DEFAULT), ('down', None, None))
    """
    match = _SPEC.fullmatch(spec.strip())
    if match is None:
        raise ValueError(f"Not a fault spec: {spec!r}; expected NAME[:ARG][*TIMES], e.g. status:503*2.")
    name, arg, times = match.group("name", "arg", "times")
    if name not in FAULTS:
        raise ValueError(f"Unknown fault {name!r}; known faults: {', '.join(sorted(FAULTS))}.")
    if times is None:
        count: int | _Default | None = DEFAULT
    elif times == "forever":
        count = None
    else:
        count = int(times)
        if count < 1:
            raise ValueError(f"A fault's TIMES must be >= 1 or 'forever', got {times!r} in {spec!r}.")
    return name, (arg if arg else None), count


def _seconds(arg: str | None, default: float, name: str) -> float:
    if arg is None:
        return default
    try:
        value = float(arg)
    except ValueError:
        raise ValueError(f"{name}: ARG must be a number of seconds, got {arg!r}.") from None
    if not 0 <= value <= 86400:
        raise ValueError(f"{name}: ARG must be between 0 and 86400 seconds, got {arg!r}.")
    return value


def _status_code(arg: str | None, default: int, name: str) -> int:
    if arg is None:
        return default
    try:
        code = int(arg)
    except ValueError:
        code = 0
    if not 400 <= code <= 599:
        raise ValueError(f"{name}: ARG must be an error status between 400 and 599, got {arg!r}.")
    return code


def _throttled(seconds: int) -> Response:
    """DRF's Throttled answer, with its Retry-After."""
    unit = "second" if seconds == 1 else "seconds"
    detail = f"Request was throttled. Expected available in {seconds} {unit}."
    return Response(429, {"detail": detail}, {"Retry-After": str(seconds)})


_DETAILS = {
    500: "A server error occurred.",
    502: "Bad gateway.",
    503: "Service temporarily unavailable, try again later.",
    504: "Gateway timeout.",
}


def _phrase(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:  # a status without a standard name, e.g. 499
        return "Error"


def _status_answer(code: int) -> Response:
    if code == 429:
        return _throttled(1)
    return Response(code, {"detail": _DETAILS.get(code) or _phrase(code) + "."})


def _proxy_page(code: int) -> bytes:
    """A reverse proxy's error page: a whole HTML document of several KB, as a CDN sends."""
    phrase = _phrase(code)
    style = "".join(
        f".c{i}{{margin:{i}px;padding:{i}px;font:14px/1.4 sans-serif;color:#{i:03x}}}\n" for i in range(120)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{code} {phrase}</title>\n<style>\n{style}</style>\n</head>\n<body>\n"
        f"<center><h1>{code} {phrase}</h1></center>\n"
        "<p>The upstream server did not answer properly. Please try again in a few minutes.</p>\n"
        "<hr><center>nginx</center>\n"
        + "<!-- a padding to disable MSIE and Chrome friendly error page -->\n" * 6
        + "</body>\n</html>\n"
    ).encode()


@register_fault("latency", times=None, summary="every answer SECONDS late (default 0.5)")
def _latency(server: DemoServer, arg: str | None) -> Fault:
    action = Alter(delay=_seconds(arg, 0.5, "latency"))
    return lambda request: action


@register_fault("slow", times=1, summary="the next answer SECONDS late, past a client's timeout (default 35)")
def _slow(server: DemoServer, arg: str | None) -> Fault:
    action = Alter(delay=_seconds(arg, 35.0, "slow"))  # the client's default read timeout is 30 s
    return lambda request: action


@register_fault("status", times=1, summary="a JSON error with status CODE (default 503; 429 has Retry-After: 1)")
def _status(server: DemoServer, arg: str | None) -> Fault:
    response = _status_answer(_status_code(arg, 503, "status"))
    return lambda request: response


@register_fault("rate-limit", times=1, summary="429 with Retry-After: SECONDS (default 1)")
def _rate_limit(server: DemoServer, arg: str | None) -> Fault:
    seconds = _seconds(arg, 1, "rate-limit")
    if not seconds.is_integer():
        raise ValueError(f"rate-limit: Retry-After is a whole number of seconds, got {arg!r}.")
    response = _throttled(int(seconds))
    return lambda request: response


@register_fault("down", times=None, summary="a persistent failure: status CODE until cleared (default 503)")
def _down(server: DemoServer, arg: str | None) -> Fault:
    response = _status_answer(_status_code(arg, 503, "down"))
    return lambda request: response


@register_fault("html-error", times=1, summary="a proxy's HTML error page with status CODE (default 502)")
def _html_error(server: DemoServer, arg: str | None) -> Fault:
    code = _status_code(arg, 502, "html-error")
    response = Response(code, _proxy_page(code), {"Content-Type": "text/html"})
    return lambda request: response


@register_fault("not-json", times=1, summary="200 with an HTML page instead of JSON")
def _not_json(server: DemoServer, arg: str | None) -> Fault:
    page = (
        "<!DOCTYPE html>\n<html><head><title>Scheduled maintenance</title></head>\n<body>\n"
        "<h1>We'll be back soon</h1>\n" + "<p>Sharedcloud is being upgraded.</p>\n" * 200 + "</body></html>\n"
    )
    response = Response(200, page, {"Content-Type": "text/html; charset=utf-8"})
    return lambda request: response


@register_fault("truncated", times=1, summary="the real answer cut off half-way, then the connection closed")
def _truncated(server: DemoServer, arg: str | None) -> Fault:
    action = Alter(truncate=True)
    return lambda request: action


@register_fault("drop", times=1, summary="the connection closed without an answer")
def _drop(server: DemoServer, arg: str | None) -> Fault:
    action = Drop()
    return lambda request: action


@register_fault("reset", times=1, summary="the connection reset (TCP RST) without an answer")
def _reset(server: DemoServer, arg: str | None) -> Fault:
    action = Drop(reset=True)
    return lambda request: action


_BAD_KINDS = ("missing", "extra", "null", "type")


def _damage(record: dict, kinds: tuple[str, ...]) -> dict:
    if "missing" in kinds:
        record.pop("updated_at", None)
        record.pop("registry_path", None)
    if "extra" in kinds:
        record["visibility"] = "public"
        record["labels"] = {"team": "ml", "tier": 2}
    if "null" in kinds:
        record.update(description=None, tag=None, created_at=None)
    if "type" in kinds:
        record.update(num_installations="three", requires_gpu="yes", name=42)
    return record


@register_fault("bad-records", times=None, summary="every other record damaged: KIND missing|extra|null|type|mixed")
def _bad_records(server: DemoServer, arg: str | None) -> Fault:
    kind = arg or "mixed"
    if kind != "mixed" and kind not in _BAD_KINDS:
        raise ValueError(f"bad-records: KIND must be one of {', '.join(_BAD_KINDS)}, mixed; got {arg!r}.")
    kinds = _BAD_KINDS if kind == "mixed" else (kind,)

    def rewrite(record: dict, position: int) -> dict:
        return _damage(record, kinds) if position % 2 == 0 else record

    action = Alter(records=rewrite)
    return lambda request: action


_DATE_FIELDS = ("created_at", "updated_at", "current_server_time")
_DATE_STYLES: dict[str, Callable[[time.struct_time], Any]] = {
    "iso": lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", t),
    "us": lambda t: time.strftime("%m/%d/%Y %H:%M:%S", t),
    "epoch": lambda t: int(calendar.timegm(t)),
}


@register_fault("dates", times=None, summary="dates in another STYLE: iso (default), us or epoch")
def _dates(server: DemoServer, arg: str | None) -> Fault:
    style = arg or "iso"
    if style not in _DATE_STYLES:
        raise ValueError(f"dates: STYLE must be one of {', '.join(_DATE_STYLES)}; got {arg!r}.")
    write = _DATE_STYLES[style]

    def rewrite(record: dict, position: int) -> dict:
        for name in _DATE_FIELDS:
            value = record.get(name)
            if isinstance(value, str):
                try:
                    record[name] = write(time.strptime(value, DATE_FORMAT))
                except ValueError:
                    pass  # already not a day-first date (another fault's work): leave it
        return record

    action = Alter(records=rewrite)
    return lambda request: action


@register_fault("redirect", times=1, summary="302 to URL + the request's path (e.g. another host)")
def _redirect(server: DemoServer, arg: str | None) -> Fault:
    if not arg or not re.match(r"https?://[^/]+", arg):
        raise ValueError(f"redirect: ARG must be a url such as http://127.0.0.2:8000, got {arg!r}.")
    root = arg.rstrip("/")
    return lambda request: Response(
        302, b"", {"Location": root + request.path, "Content-Type": "text/html; charset=utf-8"}
    )


class _Answer(Exception):
    """Raised inside the handler to send an error answer at once."""

    def __init__(self, status: int, obj: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = _json(obj)
        self.headers = dict(headers or {})


def _not_found() -> _Answer:
    return _Answer(404, {"detail": "Not found."})


class _Body(NamedTuple):
    """An encoded JSON body, as chunks (a million records need no second 300 MB copy)."""

    chunks: list[bytes]
    length: int

    @classmethod
    def of(cls, chunks: list[bytes]) -> _Body:
        return cls(chunks, sum(map(len, chunks)))


def _encode_list(records: list[dict]) -> list[bytes]:
    """Encode ``records`` as one JSON array, in chunks of at most ``_BATCH`` records."""
    n = len(records)
    if n == 0:
        return [b"[]"]
    chunks = []
    for i in range(0, n, _BATCH):
        encoded = _json(records[i : i + _BATCH])
        # Each batch encodes as "[...]": keep "[" on the first, "]" on the last, "," in between.
        first, last = i == 0, i + _BATCH >= n
        inner = encoded[0 if first else 1 : None if last else -1]
        chunks.append(inner if first else b"," + inner)
    return chunks


class DemoServer:
    """The demo Sharedcloud API over real HTTP on loopback, in a daemon thread.

    Args:
        host: the address to bind; loopback by default.
        port: the port to bind; 0 picks a free one (read it from :attr:`url` after start()).
        size: None serves the default catalogue (48 images); an int serves that many images
            generated from ``seed`` (see :func:`~.catalogue.generate_catalogue`).
        seed: the generator seed when ``size`` is given.
        clock: the frozen server time, ``"%d-%m-%Y %H:%M:%S"``; default ``05-10-2018 16:45:36``.
        live_clock: use the real UTC clock for ``current_server_time`` instead of a frozen one.
        page_size: None lists everything at once (a JSON array, like Sharedcloud); an int makes
            the list endpoint paginate DRF-style: ``{"count", "next", "previous", "results"}``.
        token: the token the server accepts; default :data:`DEMO_TOKEN`.
        username, password: the demo account, for the login endpoint.
        faults: named faults to install at once, as specs ``NAME[:ARG][*TIMES]`` (see
            :meth:`inject` and the module docstring).

    Attributes:
        token, username, password: the demo credentials.
        images: the records served (``current_server_time`` as at construction); read-only use.
        instances: the uuids of the two demo instances.
        downloads: ``{instance_uuid: [image_uuid, ...]}``, what ``?instance=`` answers.
        requests: every request received, as :class:`DemoRequest` ``(method, path, headers)``.
        errors: exceptions raised while answering (each answered 500), for debugging tests.
        delay: seconds to wait before answering each request (0 by default; settable any time),
            e.g. to make a client time out.

    Raises:
        ValueError: a malformed ``clock``, ``clock`` with ``live_clock``, a bad ``size``/``page_size``,
            or a bad fault spec.

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
        clock: str | None = None,
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
            time.strptime(clock, DATE_FORMAT)  # raises ValueError when malformed
        if page_size is not None and page_size < 1:
            raise ValueError(f"page_size must be >= 1, got {page_size}")
        self.host = host
        self._port = port
        self.live_clock = live_clock
        self._stamp = _utc_now() if live_clock else (clock or FROZEN_CLOCK)
        self.page_size = page_size
        self.token = token
        self.username = username
        self.password = password
        if size is None:
            self.images: list[dict] = default_catalogue(clock=self._stamp)
            self.downloads: dict[str, list[str]] = default_downloads()
        else:
            self.images = generate_catalogue(size, seed, clock=self._stamp)
            self.downloads = generate_downloads(self.images, seed)
        self.instances: list[str] = list(self.downloads)
        self.requests: list[DemoRequest] = []
        self.errors: list[BaseException] = []
        self.delay = 0.0

        self._lock = threading.RLock()  # guards requests, faults, connections (a fault may add one)
        self._cache_lock = threading.RLock()  # guards the lazily built lookups and bodies
        self._faults: list[_InstalledFault] = []
        self._connections: set[socket.socket] = set()
        self._positions: dict[str, int] | None = None
        self._filtered: dict[str, list[dict]] = {}
        self._list_bodies: dict[str | None, _Body] = {}
        self._pages: dict[tuple[str | None, int], bytes] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for spec in faults:
            self.inject(spec)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> DemoServer:
        """Bind and serve in a daemon thread; returns self. Does nothing when already running."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self._port), _Handler, demo=self)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sharedcloud-demo-{httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        with _running_lock:
            _running.add(self)
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and every open keep-alive connection. Idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        with _running_lock:
            _running.discard(self)
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
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

    # -- test helpers ----------------------------------------------------------------------------

    def current_server_time(self) -> str:
        """The server's clock now, as it writes it in ``current_server_time``."""
        return _utc_now() if self.live_clock else self._stamp

    def clear_requests(self) -> None:
        """Forget the requests logged so far."""
        with self._lock:
            self.requests.clear()

    def add_fault(self, fault: Fault, *, times: int | None = 1) -> None:
        """Install ``fault``: it sees every request before the API does, and may answer instead.

        Args:
            fault: called with each :class:`DemoRequest`; returns a :class:`Response` to send, or
                None to let the request through. Faults are tried in the order installed.
            times: how many requests the fault answers before it is removed; None keeps it.
        """
        if times is not None and times < 1:
            return
        with self._lock:
            self._faults.append(_InstalledFault(fault, times))

    def fail_next(
        self,
        n: int,
        status: int,
        body: bytes | str | Any = b"",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next ``n`` requests (any path) with ``status``, ``body`` and ``headers``.

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
        times: int | None = DEFAULT,
        after: int = 0,
        path: str | None = None,
    ) -> None:
        """Install a named fault from :data:`FAULTS` (the module docstring lists them).

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
        name, spec_arg, spec_times = parse_fault(fault)
        if arg is not None:
            spec_arg = str(arg)
        named = FAULTS[name]
        built = named.factory(self, spec_arg)
        if times is DEFAULT:
            times = named.times if spec_times is DEFAULT else spec_times
        if path is not None:
            prefix, inner = path, built

            def built(request: DemoRequest) -> Response | Drop | Alter | None:
                return inner(request) if request.path.startswith(prefix) else None

        if after < 0:
            raise ValueError(f"after must be >= 0, got {after}")
        if times is not None and times < 1:
            return
        with self._lock:
            self._faults.append(_InstalledFault(built, times, after))

    def clear_faults(self) -> None:
        """Remove every installed fault."""
        with self._lock:
            self._faults.clear()

    def _take_fault(self, request: DemoRequest) -> Response | Drop | Alter | None:
        """What the faults do with ``request``: alterations stack, the first other answer wins."""
        altered: Alter | None = None
        with self._lock:
            for installed in list(self._faults):
                action = installed.fault(request)
                if action is None:
                    continue
                if installed.skip > 0:
                    installed.skip -= 1
                    continue
                if installed.remaining is not None:
                    installed.remaining -= 1
                    if installed.remaining <= 0:
                        self._faults.remove(installed)
                if isinstance(action, Alter):
                    altered = action if altered is None else altered.then(action)
                    continue
                if altered is not None and altered.delay:
                    action = replace(action, delay=action.delay + altered.delay)
                return action
        return altered

    # -- data ------------------------------------------------------------------------------------

    def _position_index(self) -> dict[str, int]:
        """uuid -> position in :attr:`images`, built on first use (a million take ~0.3 s)."""
        if self._positions is None:
            with self._cache_lock:
                if self._positions is None:
                    self._positions = {record["uuid"]: i for i, record in enumerate(self.images)}
        return self._positions

    def _image(self, image_uuid: str) -> dict | None:
        position = self._position_index().get(image_uuid)
        return None if position is None else self.images[position]

    def _records(self, instance: str | None) -> list[dict]:
        """The records the list answers, in catalogue order (the database's order)."""
        if instance is None:
            return self.images
        records = self._filtered.get(instance)
        if records is None:
            index = self._position_index()
            found = (index.get(u) for u in self.downloads.get(instance, ()))
            records = [self.images[i] for i in sorted(i for i in found if i is not None)]
            with self._cache_lock:
                self._filtered[instance] = records
        return records

    def _list_body(self, instance: str | None) -> _Body:
        body = self._list_bodies.get(instance)
        if body is None:
            with self._cache_lock:
                body = self._list_bodies.get(instance)
                if body is None:
                    body = _Body.of(_encode_list(self._records(instance)))
                    self._list_bodies[instance] = body
        return body

    def _page_results(self, instance: str | None, page: int) -> bytes:
        key = (instance, page)
        results = self._pages.get(key)
        if results is None:
            assert self.page_size is not None
            records = self._records(instance)
            chunk = records[(page - 1) * self.page_size : page * self.page_size]
            results = _json(chunk)
            with self._cache_lock:
                self._pages[key] = results
        return results

    def _patch_clock(self, data: bytes) -> bytes:
        """Write the clock's current time over the one encoded in ``data`` (same length)."""
        now = self.current_server_time()
        if now == self._stamp:
            return data
        old = b'"current_server_time":"' + self._stamp.encode() + b'"'
        return data.replace(old, b'"current_server_time":"' + now.encode() + b'"')


_running: set[DemoServer] = set()
_running_lock = threading.Lock()


def running_urls() -> frozenset[str]:
    """The urls of the demo servers running in this process (how a client knows it talks to one).

    A server bound to 127.0.0.1 is listed under ``localhost`` too.

    Example:
        >>> with DemoServer() as server:
        ...     server.url in running_urls()
        True
    """
    with _running_lock:
        servers = list(_running)
    urls = set()
    for server in servers:
        if server.is_running:
            urls.add(server.url)
            if server.host == "127.0.0.1":
                urls.add(f"http://localhost:{server.port}")
    return frozenset(urls)


def _utc_now() -> str:
    return time.strftime(DATE_FORMAT, time.gmtime())


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # many clients connecting at once (load tests) are queued, not refused

    def __init__(self, address: tuple[str, int], handler: type, *, demo: DemoServer) -> None:
        self.demo = demo
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() would look up the host's FQDN, which can stall on DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away is not news; anything else is kept for tests to inspect.
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, OSError):
            self.demo.errors.append(exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in separate writes
    server: _HTTPServer

    def version_string(self) -> str:
        return "sharedcloud-demo"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.demo._lock:
            self.server.demo._connections.add(self.connection)

    def finish(self) -> None:
        with self.server.demo._lock:
            self.server.demo._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_OPTIONS(self) -> None:
        self._handle("OPTIONS")

    # -- the one dispatch --------------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        """Answer one request: log it, let faults answer, else route it like the real API."""
        demo = self.server.demo
        self._method = method
        self._sent = False
        self._allow: str | None = None
        self._alter: Alter | None = None
        try:
            body = self._read_body()
            request = DemoRequest(method, self.path, Headers(list(self.headers.items())), body)
            with demo._lock:
                demo.requests.append(request)
            action = demo._take_fault(request)
            if isinstance(action, Alter):
                delay = demo.delay + action.delay
            else:
                delay = action.delay if action is not None else demo.delay
            if delay > 0:
                time.sleep(delay)
            if isinstance(action, Response):
                self._send_fault(action)
                return
            if isinstance(action, Drop):
                self._drop(action.reset)
                return
            self._alter = action
            self._dispatch(request)
        except _Answer as answer:
            self._send(answer.status, [answer.body], answer.headers)
        except OSError:
            self.close_connection = True
        except Exception as exc:  # a bug: answer like Django in production, keep it for tests
            demo.errors.append(exc)
            self.close_connection = True
            if not self._sent:
                self._send(500, [_json({"detail": "A server error occurred."})], {})

    def _dispatch(self, request: DemoRequest) -> None:
        demo = self.server.demo
        split = urlsplit(self.path)
        path = unquote(split.path)
        route = _route(path)
        if route is None:
            if not path.endswith("/") and _route(path + "/") is not None:
                # Django's APPEND_SLASH, before any view runs.
                location = split.path + "/" + (f"?{split.query}" if split.query else "")
                self._send(301, [b""], {"Location": location, "Content-Type": "text/html; charset=utf-8"})
                return
            raise _not_found()
        view, argument = route
        allow = _LOGIN_ALLOW if view == "login" else _IMAGES_ALLOW
        self._allow = allow
        # DRF's APIView.initial(): authentication (and, on images, the permission check) come
        # before the method is looked at.
        authenticated = self._authenticate(request.headers)
        if view != "login" and not authenticated:
            raise _Answer(
                401,
                {"detail": "Authentication credentials were not provided."},
                {"WWW-Authenticate": "Token"},
            )
        if self._method == "OPTIONS":
            self._send_json(200, _options_metadata(view))
            return
        if view == "login":
            if self._method != "POST":
                raise _method_not_allowed(self._method)
            self._send_json(200, {"token": self._login(request)})
            return
        if self._method not in ("GET", "HEAD"):
            raise _method_not_allowed(self._method)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        if view == "detail":
            record = demo._image(argument)
            if record is None:
                raise _not_found()
            if demo.live_clock:
                record = dict(record, current_server_time=demo.current_server_time())
            if self._alter is not None and self._alter.records is not None:
                record = self._alter.records(dict(record), 0)
            self._send_json(200, record)
            return
        instance = _instance_filter(query.get("instance", ""))
        if demo.page_size is None:
            if self._alter is not None and self._alter.records is not None:
                rewrite = self._alter.records
                records = [rewrite(dict(r), i) for i, r in enumerate(demo._records(instance))]
                body = _Body.of(_encode_list(records))  # altered: not cached
            else:
                body = demo._list_body(instance)
            chunks = body.chunks
            if demo.live_clock:
                chunks = [demo._patch_clock(c) for c in chunks]
            self._send(200, chunks, {}, length=body.length)
            return
        self._send_page(instance, query.get("page", "1"), split)

    # -- views -----------------------------------------------------------------------------------

    def _authenticate(self, headers: Headers) -> bool:
        """DRF's TokenAuthentication: True for the right token, False for no Token credentials.

        Raises:
            _Answer: 401 for a malformed Token header or an unknown key, with DRF's texts.
        """
        raw = headers.get("Authorization", "").encode("latin-1", "replace")
        parts = raw.split()
        if not parts or parts[0].lower() != b"token":
            return False
        challenge = {"WWW-Authenticate": "Token"}
        if len(parts) == 1:
            raise _Answer(401, {"detail": "Invalid token header. No credentials provided."}, challenge)
        if len(parts) > 2:
            raise _Answer(401, {"detail": "Invalid token header. Token string should not contain spaces."}, challenge)
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise _Answer(
                401,
                {"detail": "Invalid token header. Token string should not contain invalid characters."},
                challenge,
            ) from None
        if key != self.server.demo.token:
            raise _Answer(401, {"detail": "Invalid token."}, challenge)
        return True

    def _login(self, request: DemoRequest) -> str:
        """DRF's ObtainAuthToken: validate username/password, return the token or raise a 400."""
        data = _parse_form(request)
        errors: dict[str, list[str]] = {}
        values: dict[str, str] = {}
        for name, trim in (("username", True), ("password", False)):  # AuthTokenSerializer
            if name not in data:
                errors[name] = ["This field is required."]
                continue
            value = data[name]
            if value is None:
                errors[name] = ["This field may not be null."]
                continue
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                errors[name] = ["Not a valid string."]
                continue
            text = str(value).strip() if trim else str(value)
            if text == "":
                errors[name] = ["This field may not be blank."]
                continue
            values[name] = text
        if errors:
            raise _Answer(400, errors)
        demo = self.server.demo
        if values["username"] != demo.username or values["password"] != demo.password:
            raise _Answer(400, {"non_field_errors": ["Unable to log in with provided credentials."]})
        return demo.token

    def _send_page(self, instance: str | None, page_param: str, split: Any) -> None:
        """DRF's PageNumberPagination over the (filtered) list."""
        demo = self.server.demo
        assert demo.page_size is not None
        count = len(demo._records(instance))
        pages = max(1, -(-count // demo.page_size))  # Django's Paginator keeps an empty first page
        if page_param == "last":
            page = pages
        else:
            try:
                page = int(page_param)
            except ValueError:
                raise _Answer(404, {"detail": "Invalid page."}) from None
            if not 1 <= page <= pages:
                raise _Answer(404, {"detail": "Invalid page."})
        host = self.headers.get("Host") or f"{demo.host}:{demo.port}"
        base = f"http://{host}{split.path}"
        params = parse_qsl(split.query, keep_blank_values=True)

        def link(target: int | None) -> str | None:
            if target is None:
                return None
            query = {k: v for k, v in params if k != "page"}
            if target != 1:  # DRF drops the page parameter for the first page
                query["page"] = str(target)
            encoded = urlencode(sorted(query.items()))
            return f"{base}?{encoded}" if encoded else base

        head = _json(
            {
                "count": count,
                "next": link(page + 1 if page < pages else None),
                "previous": link(page - 1 if page > 1 else None),
            }
        )
        if self._alter is not None and self._alter.records is not None:
            rewrite, start = self._alter.records, (page - 1) * demo.page_size
            chunk = demo._records(instance)[start : start + demo.page_size]
            results = _json([rewrite(dict(r), start + i) for i, r in enumerate(chunk)])
        else:
            results = demo._page_results(instance, page)
        if demo.live_clock:
            results = demo._patch_clock(results)
        self._send(200, [head[:-1], b',"results":', results, b"}"], {})

    # -- I/O ---------------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            n = int(length)
        except ValueError:
            self.close_connection = True
            raise _Answer(400, {"detail": "Malformed Content-Length."}) from None
        return self.rfile.read(n) if n > 0 else b""

    def _send_json(self, status: int, obj: Any) -> None:
        self._send(status, [_json(obj)], {})

    def _send(self, status: int, chunks: list[bytes], headers: Mapping[str, str], *, length: int | None = None) -> None:
        """Send a complete answer: DRF's headers, then ``headers``, then the body (none for HEAD)."""
        self._sent = True
        self.send_response(status)
        given = {name.lower() for name in headers}
        if "content-type" not in given:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(sum(map(len, chunks)) if length is None else length))
        allow = getattr(self, "_allow", None)
        if allow and status != 301:
            self.send_header("Allow", allow)
            self.send_header("Vary", "Accept")
        self.send_header("X-Sharedcloud-Demo", "1")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self._method != "HEAD":
            if self._alter is not None and self._alter.truncate:
                # Half the body, mid-JSON, under the whole body's Content-Length, then hang up.
                self.close_connection = True
                chunks = [b"".join(chunks)[: max(1, sum(map(len, chunks)) // 2)]]
            for chunk in chunks:
                self.wfile.write(chunk)
        self._allow = None

    def _drop(self, reset: bool) -> None:
        """Hang up without answering; with ``reset``, abort with a TCP RST rather than a FIN."""
        self._sent = True
        self.close_connection = True
        if reset:
            # SO_LINGER 0 makes close() send RST. The real close happens only once the reading
            # file object, which holds a reference on the socket, is closed too.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()

    def _send_fault(self, response: Response) -> None:
        body = response.encoded_body()
        self._sent = True
        self.send_response(response.status)
        given = {name.lower() for name in response.headers}
        if "content-type" not in given:
            self.send_header("Content-Type", "application/json")
        if "content-length" not in given:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.close_connection = True
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self._method != "HEAD":
            self.wfile.write(body)


def _route(path: str) -> tuple[str, str | None] | None:
    if path == _LIST_PATH:
        return ("list", None)
    if path == _LOGIN_PATH:
        return ("login", None)
    match = _DETAIL_PATH.fullmatch(path)
    if match:
        return ("detail", match.group(1))
    return None


def _method_not_allowed(method: str) -> _Answer:
    return _Answer(405, {"detail": f'Method "{method}" not allowed.'})


def _instance_filter(value: str) -> str | None:
    """The instance uuid to filter on, normalised; None for no filter (empty, like django-filter)."""
    if value == "":
        return None
    try:
        return str(uuid_module.UUID(value))
    except ValueError:
        raise _Answer(400, {"instance": [f"“{value}” is not a valid UUID."]}) from None


def _options_metadata(view: str) -> dict[str, Any]:
    """DRF's SimpleMetadata answer to OPTIONS."""
    names = {"list": "Image List", "detail": "Image Detail", "login": "Obtain Auth Token"}
    return {
        "name": names[view],
        "description": "",
        "renders": ["application/json"],
        "parses": _PARSES,
    }


def _parse_form(request: DemoRequest) -> dict[str, Any]:
    """The login request's data, parsed like DRF's JSON, form and multipart parsers."""
    content_type = request.headers.get("Content-Type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if not request.body and not media_type:
        return {}
    if media_type == "application/json":
        try:
            data = json.loads(request.body.decode())
        except (UnicodeDecodeError, ValueError) as exc:
            raise _Answer(400, {"detail": f"JSON parse error - {exc}"}) from None
        if not isinstance(data, dict):
            kind = {list: "list", str: "str", int: "int", float: "float", bool: "bool"}.get(type(data), "NoneType")
            raise _Answer(400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]})
        return data
    if media_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    if media_type == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
        data = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                payload = part.get_payload(decode=True) or b""
                data[name] = payload.decode("utf-8", "replace")
        return data
    raise _Answer(415, {"detail": f'Unsupported media type "{content_type}" in request.'})
