"""The demo API's named faults: the factories of :data:`~sharedcloud_nb.demo.faults.FAULTS`.

Each factory is registered under its name by :func:`~sharedcloud_nb.demo.faults.register_fault`,
with the one-line summary that ``--help`` and :func:`~sharedcloud_nb.demo.faults.fault_table`
print. :mod:`.faults` imports this module once its registry exists. Standard library only.
"""

from __future__ import annotations

import calendar
import http
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..schema import DATE_FIELDS, DATE_FORMAT
from .faults import Alter, Drop, Fault, Response, _always, register_fault

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .server import DemoServer


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
