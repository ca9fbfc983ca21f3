"""The demo API's faults: what a remote service does to a client, on demand, for tests and rehearsals.

This module owns the fault registry :data:`FAULTS` and the one mechanism that installs faults on a
server, :class:`InstalledFaults`. Every way of adding a fault is a thin wrapper over
:meth:`InstalledFaults.install`: ``DemoServer(faults=[...])`` and :meth:`DemoServer.inject
<.server.DemoServer.inject>` build a named fault from the registry; ``add_fault`` installs any
callable; ``fail_next`` a fixed answer; setting ``server.delay`` a lasting latency.

A fault is a callable that sees each request before the API does and returns what to do instead
(a :class:`Response` to send, :class:`Drop` to hang up, :class:`Alter` to change the API's own
answer) or None. A named fault is installed from Python or from the command line with a spec
``NAME[:ARG][*TIMES]`` (``TIMES`` a count or ``forever``; without it, the fault's own default)::

    DemoServer(faults=["status:503*2", "latency:0.2"])     # or, on a running server:
    server.inject("truncated")                             # the next answer is cut off mid-JSON
    server.inject("status", 429, times=3, path="/api/v1/images/")
    python -m sharedcloud_nb.demo --fault 'status:503*2' --fault bad-records:type

A fault answers any request, whichever client sends it (``path=`` narrows it to paths starting
with that prefix, ``after=N`` lets the first N through). Faults that alter the API's answer
(latency, slow, truncated, bad-records, dates) stack; the first that answers instead (a status, a
page, drop, reset, redirect) ends the search, delayed by the alterations before it.

The named faults are listed once, by their entries in :data:`FAULTS`; :func:`fault_table` writes
the list (``python -m sharedcloud_nb.demo --help`` prints it, and so does ``help()`` on this
module, below). :func:`register_fault` adds one.

Standard library only.
"""

from __future__ import annotations

import calendar
import http
import re
import textwrap
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

from ..schema import DATE_FIELDS, DATE_FORMAT
from .api import Answer, DemoRequest, RecordRewrite, encode

if TYPE_CHECKING:
    from .server import DemoServer

__all__ = [
    "DEFAULT",
    "FAULTS",
    "Alter",
    "Drop",
    "Fault",
    "InstalledFaults",
    "NamedFault",
    "RecordRewrite",
    "Response",
    "Times",
    "build_fault",
    "fault_table",
    "parse_fault",
    "register_fault",
]


# -- what a fault does -----------------------------------------------------------------------------


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
        return encode(self.body)

    def answer(self) -> Answer:
        """The answer to send: the default headers, then ``headers``."""
        body = self.encoded_body()
        given = {name.lower() for name in self.headers}
        head = {}
        if "content-type" not in given:
            head["Content-Type"] = "application/json"
        if "content-length" not in given:
            head["Content-Length"] = str(len(body))
        head.update(self.headers)
        return Answer(self.status, head, [body], close="content-length" in given)


@dataclass(frozen=True)
class Drop:
    """A fault's answer: close the connection without answering (with a TCP reset when ``reset``)."""

    reset: bool = False
    delay: float = 0.0
    """Seconds to wait before closing."""


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
        records: RecordRewrite | None
        if first is None or second is None:
            records = first or second
        else:

            def records(record: dict[str, Any], position: int) -> dict[str, Any]:
                return second(first(record, position), position)

        return Alter(self.delay + other.delay, records, self.truncate or other.truncate)


Action = Response | Drop | Alter
"""What a fault returns for a request it answers."""

Fault = Callable[[DemoRequest], Response | Drop | Alter | None]
"""A fault: called with each request; returns what to do instead of the API's plain answer, or None."""


def _always(action: Action) -> Fault:
    """A fault that answers every request it sees with ``action``."""
    return lambda request: action


# -- the one way in --------------------------------------------------------------------------------


@dataclass
class _Entry:
    fault: Fault
    remaining: int | None  # None: forever
    skip: int  # matching requests still to let through
    key: str | None  # a setting (e.g. the server's delay): replaced by key, kept by clear()


class InstalledFaults:
    """The faults installed on one server, in order: every way of adding a fault ends in :meth:`install`.

    Safe to use from several threads (a fault may install another while it runs).

    Example:
        >>> from sharedcloud_nb.demo.api import Headers
        >>> faults = InstalledFaults()
        >>> faults.install(lambda request: Response(503), times=1)
        >>> request = DemoRequest("GET", "/api/v1/images/", Headers())
        >>> faults.take(request), faults.take(request)
        (Response(status=503, body=b'', headers={}, delay=0.0), None)
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._entries: list[_Entry] = []

    def install(
        self,
        fault: Fault,
        *,
        times: int | None = 1,
        after: int = 0,
        path: str | None = None,
        key: str | None = None,
    ) -> None:
        """Install ``fault``: it sees every request before the API does, and may answer instead.

        Args:
            fault: called with each :class:`DemoRequest`; returns an answer or None. Faults are
                tried in the order installed.
            times: how many requests it answers before it is removed; None keeps it. Below 1,
                nothing is installed.
            after: let this many requests it would answer through first.
            path: answer only requests whose path starts with this.
            key: install it as a setting of that name, tried first, replacing the previous one,
                and left in place by :meth:`clear` (how ``server.delay`` works).

        Raises:
            ValueError: ``after`` is negative.
        """
        if after < 0:
            raise ValueError(f"after must be >= 0, got {after}")
        if times is not None and times < 1:
            return
        if path is not None:
            fault = _only_under(path, fault)
        entry = _Entry(fault, times, after, key)
        with self._lock:
            if key is None:
                self._entries.append(entry)
                return
            self.remove(key)
            self._entries.insert(0, entry)

    def remove(self, key: str) -> None:
        """Remove the setting installed under ``key``, if any."""
        with self._lock:
            self._entries[:] = [entry for entry in self._entries if entry.key != key]

    def clear(self) -> None:
        """Remove every fault but the settings."""
        with self._lock:
            self._entries[:] = [entry for entry in self._entries if entry.key is not None]

    def take(self, request: DemoRequest) -> Action | None:
        """What the faults do with ``request``: alterations stack, the first other answer wins.

        A fault that answers counts one of its times (and is removed after the last).
        """
        altered: Alter | None = None
        with self._lock:
            for entry in list(self._entries):
                action = entry.fault(request)
                if action is None:
                    continue
                if entry.skip > 0:
                    entry.skip -= 1
                    continue
                if entry.remaining is not None:
                    entry.remaining -= 1
                    if entry.remaining <= 0 and entry in self._entries:  # the fault may have cleared it
                        self._entries.remove(entry)
                if isinstance(action, Alter):
                    altered = action if altered is None else altered.then(action)
                    continue
                if altered is not None and altered.delay:
                    action = replace(action, delay=action.delay + altered.delay)
                return action
        return altered


def _only_under(prefix: str, fault: Fault) -> Fault:
    def fault_under(request: DemoRequest) -> Action | None:
        return fault(request) if request.path.startswith(prefix) else None

    return fault_under


# -- the registry ----------------------------------------------------------------------------------

FaultFactory = Callable[["DemoServer | None", "str | None"], Fault]


@dataclass(frozen=True)
class NamedFault:
    """An entry of :data:`FAULTS`: how to build a fault from its spec's ARG.

    Attributes:
        name: the name used in specs (``status``, ``truncated``...).
        factory: ``(server, arg) -> Fault``; ``arg`` is the spec's ARG text or None.
        times: how many requests it answers by default (None: until cleared).
        summary: what the client gets, for ``--help`` and :func:`fault_table`.
        arg: how its ARG is written after the name, e.g. ``[:SECONDS=0.5]`` (optional, with its
            default) or ``:URL`` (required); empty when it takes none.
    """

    name: str
    factory: FaultFactory
    times: int | None
    summary: str
    arg: str = ""


FAULTS: dict[str, NamedFault] = {}
"""The named faults, by name (:func:`fault_table` lists them)."""


def register_fault(
    name: str, *, times: int | None, summary: str, arg: str = ""
) -> Callable[[FaultFactory], FaultFactory]:
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
        FAULTS[name] = NamedFault(name, factory, times, summary, arg)
        return factory

    return decorate


class _Default:
    """The type of :data:`DEFAULT`."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Final = _Default()
"""``times=DEFAULT``: the named fault's own default number of times."""

Times = int | _Default | None
"""How many requests a fault answers: a count, None for all until cleared, or :data:`DEFAULT`."""

_SPEC = re.compile(r"(?P<name>[a-z0-9-]+)(?::(?P<arg>.*?))?(?:\*(?P<times>\d+|forever))?")


def parse_fault(spec: str) -> tuple[str, str | None, Times]:
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
        count: Times = DEFAULT
    elif times == "forever":
        count = None
    else:
        count = int(times)
        if count < 1:
            raise ValueError(f"A fault's TIMES must be >= 1 or 'forever', got {times!r} in {spec!r}.")
    return name, (arg if arg else None), count


def build_fault(
    spec: str,
    arg: object = None,
    *,
    times: Times = DEFAULT,
    server: DemoServer | None = None,
) -> tuple[Fault, int | None]:
    """Build the named fault of ``spec``; returns it and how many requests it answers.

    Args:
        spec: a name (``"truncated"``) or a whole spec ``NAME[:ARG][*TIMES]``.
        arg: overrides the spec's ARG.
        times: overrides the spec's TIMES, else the fault's own default.
        server: the server it is built for, passed to the factory.

    Raises:
        ValueError: an unknown name or a bad argument (says what is expected).
    """
    name, spec_arg, spec_times = parse_fault(spec)
    named = FAULTS[name]
    fault = named.factory(server, spec_arg if arg is None else str(arg))
    if isinstance(times, _Default):
        times = spec_times
    return fault, (named.times if isinstance(times, _Default) else times)


def fault_table(width: int = 100) -> str:
    """The named faults of :data:`FAULTS` as a plain-text table, one per row (for ``--help``).

    Example:
        >>> print(fault_table().splitlines()[1])
        latency[:SECONDS=0.5]     forever  every answer, SECONDS late
    """
    usages = {entry.name: entry.name + entry.arg for entry in FAULTS.values()}
    first = max(len("name[:ARG]"), *map(len, usages.values()))
    lines = [f"{'name[:ARG]':<{first}}  times    what the client gets"]
    for entry in FAULTS.values():
        times = "forever" if entry.times is None else f"{entry.times}x"
        start = f"{usages[entry.name]:<{first}}  {times:<7}  "
        wrapped = textwrap.fill(
            entry.summary, width, initial_indent=start, subsequent_indent=" " * len(start), break_on_hyphens=False
        )
        lines.append(wrapped)
    return "\n".join(lines)


# -- the named faults ------------------------------------------------------------------------------


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


@register_fault("latency", times=None, arg="[:SECONDS=0.5]", summary="every answer, SECONDS late")
def _latency(server: DemoServer | None, arg: str | None) -> Fault:
    return _always(Alter(delay=_seconds(arg, 0.5, "latency")))


@register_fault(
    "slow", times=1, arg="[:SECONDS=35]", summary="the next answer, SECONDS late (past the client's 30 s read timeout)"
)
def _slow(server: DemoServer | None, arg: str | None) -> Fault:
    return _always(Alter(delay=_seconds(arg, 35.0, "slow")))


@register_fault(
    "status", times=1, arg="[:CODE=503]", summary="a DRF-style JSON error with that status; 429 has Retry-After: 1"
)
def _status(server: DemoServer | None, arg: str | None) -> Fault:
    return _always(_status_answer(_status_code(arg, 503, "status")))


@register_fault(
    "rate-limit", times=1, arg="[:SECONDS=1]", summary="429 'Request was throttled.' with Retry-After: SECONDS"
)
def _rate_limit(server: DemoServer | None, arg: str | None) -> Fault:
    seconds = _seconds(arg, 1, "rate-limit")
    if not seconds.is_integer():
        raise ValueError(f"rate-limit: Retry-After is a whole number of seconds, got {arg!r}.")
    return _always(_throttled(int(seconds)))


@register_fault("down", times=None, arg="[:CODE=503]", summary="'status' for good: a persistent failure")
def _down(server: DemoServer | None, arg: str | None) -> Fault:
    return _always(_status_answer(_status_code(arg, 503, "down")))


@register_fault(
    "html-error",
    times=1,
    arg="[:CODE=502]",
    summary="a proxy's HTML error page (text/html, several KB) with that status",
)
def _html_error(server: DemoServer | None, arg: str | None) -> Fault:
    code = _status_code(arg, 502, "html-error")
    return _always(Response(code, _proxy_page(code), {"Content-Type": "text/html"}))


@register_fault("not-json", times=1, summary="200 with an HTML page instead of JSON")
def _not_json(server: DemoServer | None, arg: str | None) -> Fault:
    page = (
        "<!DOCTYPE html>\n<html><head><title>Scheduled maintenance</title></head>\n<body>\n"
        "<h1>We'll be back soon</h1>\n" + "<p>Sharedcloud is being upgraded.</p>\n" * 200 + "</body></html>\n"
    )
    return _always(Response(200, page, {"Content-Type": "text/html; charset=utf-8"}))


@register_fault(
    "truncated", times=1, summary="the real answer cut off half-way (Content-Length of the whole), then hung up"
)
def _truncated(server: DemoServer | None, arg: str | None) -> Fault:
    return _always(Alter(truncate=True))


@register_fault("drop", times=1, summary="the connection closed without an answer")
def _drop(server: DemoServer | None, arg: str | None) -> Fault:
    return _always(Drop())


@register_fault("reset", times=1, summary="the connection reset (TCP RST) without an answer")
def _reset(server: DemoServer | None, arg: str | None) -> Fault:
    return _always(Drop(reset=True))


_BAD_KINDS = ("missing", "extra", "null", "type")


def _damage(record: dict[str, Any], kinds: tuple[str, ...]) -> dict[str, Any]:
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


@register_fault(
    "bad-records",
    times=None,
    arg="[:KIND=mixed]",
    summary=(
        "every other record (the 1st, 3rd, ...; every detail) damaged: 'missing' updated_at and "
        "registry_path; 'extra' visibility and labels (an object); 'null' description, tag and "
        "created_at; 'type' num_installations \"three\", requires_gpu \"yes\", name 42; 'mixed' all four"
    ),
)
def _bad_records(server: DemoServer | None, arg: str | None) -> Fault:
    kind = arg or "mixed"
    if kind != "mixed" and kind not in _BAD_KINDS:
        raise ValueError(f"bad-records: KIND must be one of {', '.join(_BAD_KINDS)}, mixed; got {arg!r}.")
    kinds = _BAD_KINDS if kind == "mixed" else (kind,)

    def rewrite(record: dict[str, Any], position: int) -> dict[str, Any]:
        return _damage(record, kinds) if position % 2 == 0 else record

    return _always(Alter(records=rewrite))


_DATE_STYLES: dict[str, Callable[[time.struct_time], Any]] = {
    "iso": lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", t),
    "us": lambda t: time.strftime("%m/%d/%Y %H:%M:%S", t),
    "epoch": lambda t: int(calendar.timegm(t)),
}


@register_fault(
    "dates",
    times=None,
    arg="[:STYLE=iso]",
    summary="dates written another way: 'iso' 2018-10-05T16:45:36Z, 'us' 10/05/2018 16:45:36, 'epoch' 1538757936 (a number)",
)
def _dates(server: DemoServer | None, arg: str | None) -> Fault:
    style = arg or "iso"
    if style not in _DATE_STYLES:
        raise ValueError(f"dates: STYLE must be one of {', '.join(_DATE_STYLES)}; got {arg!r}.")
    write = _DATE_STYLES[style]

    def rewrite(record: dict[str, Any], position: int) -> dict[str, Any]:
        for name in DATE_FIELDS:
            value = record.get(name)
            if isinstance(value, str):
                try:
                    record[name] = write(time.strptime(value, DATE_FORMAT))
                except ValueError:
                    pass  # already not a day-first date (another fault's work): leave it
        return record

    return _always(Alter(records=rewrite))


@register_fault(
    "redirect", times=1, arg=":URL", summary="302 to URL + the request's path and query (another host, say)"
)
def _redirect(server: DemoServer | None, arg: str | None) -> Fault:
    if not arg or not re.match(r"https?://[^/]+", arg):
        raise ValueError(f"redirect: ARG must be a url such as http://127.0.0.2:8000, got {arg!r}.")
    root = arg.rstrip("/")
    return lambda request: Response(
        302, b"", {"Location": root + request.path, "Content-Type": "text/html; charset=utf-8"}
    )


if __doc__:  # help() shows the list, written from the registry (absent under python -OO)
    __doc__ += "\nThe named faults::\n\n" + textwrap.indent(fault_table(), "    ") + "\n"


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
