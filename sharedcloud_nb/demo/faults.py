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

import re
import textwrap
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

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


# The named faults register themselves when their module is imported: here, once the registry exists.
from . import _named_faults  # noqa: E402, F401

if __doc__:  # help() shows the list, written from the registry (absent under python -OO)
    __doc__ += "\nThe named faults::\n\n" + textwrap.indent(fault_table(), "    ") + "\n"


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
