"""One call to the API: attempts within a deadline, waits between them, and a bounded body.

:func:`send` applies urllib3's ``Retry`` policy itself (the session's adapters make one attempt
each), so that every attempt's timeouts are capped to what is left of the call's
:class:`Deadline`, every wait is checked against it and shown on the call's progress bar, and an
invalid ``Retry-After`` falls back to the backoff. :func:`read_body` reads the answer in blocks
under the same deadline, a size cap and a decompression-ratio cap. Errors are worded by
:func:`sharedcloud_nb._http.transport_error` and raised outside the ``except`` blocks, so they
chain nothing.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import HTTPError, InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

from . import _config
from ._http import _causes, is_loopback_url, same_origin, transport_error
from ._progress import Progress
from .errors import InputError, InputTypeError, ResponseError, SharedcloudError, TransportError

__all__ = [
    "NO_PROXY",
    "Call",
    "Deadline",
    "check_count",
    "check_deadline",
    "check_flag",
    "check_timeout",
    "error_note",
    "preload_error_body",
    "read_body",
    "send",
]


#: No proxy for a loopback url: the demo or a local tunnel is on this machine.
NO_PROXY: dict[str, str | None] = {"http": None, "https": None, "all": None}


def check_deadline(seconds: Any) -> float | None:
    """A call's time budget, checked: seconds above 0 (``inf`` or None for no bound).

    Raises:
        InputError: (a ValueError) 0 or less, or NaN: a call with no time at all would fail
            before its first attempt.
        InputTypeError: (a TypeError) not a number (text, a bool).
    """
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise InputTypeError(f"deadline is a number of seconds, or None for no bound; not {type(seconds).__name__}.")
    if math.isnan(seconds) or seconds <= 0:
        raise InputError(f"deadline is a number of seconds above 0, or None for no bound; not {seconds!r}.")
    return float(seconds)


_TIMEOUT_FORMS = "a number of seconds above 0, a (connect, read) pair of them, or None for no limit"


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_timeout(timeout: Any) -> Any:
    """The (connect, read) timeouts, checked: seconds above 0, a pair of them, or None.

    Raises:
        InputError: (a ValueError) 0 or less, NaN or infinite, or a tuple that is not a pair.
        InputTypeError: (a TypeError) not a number, a pair or None (text, a bool).
    """
    parts = timeout if isinstance(timeout, tuple) else (timeout,)
    if isinstance(timeout, tuple) and len(timeout) != 2:
        raise InputError(f"timeout is {_TIMEOUT_FORMS}; not {len(timeout)} values.")
    for part in parts:
        if part is None:
            continue
        if not _is_number(part):
            raise InputTypeError(f"timeout is {_TIMEOUT_FORMS}; not {type(part).__name__}.")
        if not math.isfinite(part) or part <= 0:
            raise InputError(f"timeout is {_TIMEOUT_FORMS}; not {timeout!r}.")
    return timeout


def check_count(value: Any, name: str, *, least: int, meaning: str) -> int:
    """A whole number of at least ``least`` (a float that is whole, such as 4e9, is taken as one).

    Raises:
        InputError: (a ValueError) below ``least``, not whole, NaN or infinite.
        InputTypeError: (a TypeError) not a number (text, a bool, None).
    """
    if not _is_number(value):
        raise InputTypeError(f"{name} is {meaning}, a whole number of at least {least}; not {type(value).__name__}.")
    if not math.isfinite(value) or value != int(value) or value < least:
        raise InputError(f"{name} is {meaning}, a whole number of at least {least}; not {value!r}.")
    return int(value)


def check_flag(value: Any, name: str, *, none: str | None = None) -> Any:
    """True or False (or None, when ``none`` says what None means): text such as "no" is truthy, so refused.

    Raises:
        InputTypeError: (a TypeError) anything else.
    """
    if isinstance(value, bool) or (value is None and none is not None):
        return value
    also = f", or None ({none})" if none is not None else ""
    shown = repr(value) if isinstance(value, (str, int, float)) and len(repr(value)) <= 40 else type(value).__name__
    raise InputTypeError(f"{name} is True or False{also}; not {shown}.")


class Deadline:
    """The time budget of one call: every attempt, every wait and the body's reading.

    Args:
        seconds: the budget; None for no bound.

    Raises:
        InputError: ``seconds`` is not a budget (see :func:`check_deadline`).
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = check_deadline(seconds)
        self.start = time.monotonic()

    def elapsed(self) -> float:
        """Seconds since the call began."""
        return time.monotonic() - self.start

    def remaining(self) -> float:
        """Seconds left (infinite without a bound)."""
        return float("inf") if self.seconds is None else self.seconds - self.elapsed()

    def timeout(self, timeout: Any) -> Any:
        """``timeout`` (a number or a (connect, read) pair) capped to what is left."""
        left = self.remaining()
        if left == float("inf"):
            return timeout
        left = max(left, 0.001)
        if isinstance(timeout, tuple):
            return tuple(left if part is None else min(part, left) for part in timeout)
        return left if timeout is None else min(timeout, left)


@dataclass
class Call:
    """One logical call: what it asks, its budget, its retries so far, and where it reports progress."""

    method: str
    url: str
    deadline: Deadline
    progress: Progress
    retry: Retry | None
    timeout: Any = _config.DEFAULT_TIMEOUT
    attempts: int = 0

    @property
    def max_attempts(self) -> int:
        """The first attempt and every retry the policy allows at most."""
        total = self.retry.total if self.retry is not None else 0
        return self.attempts + (total if isinstance(total, int) else 0) + (0 if self.attempts else 1)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    def tally(self) -> str:
        """How many attempts took how long, for a message."""
        noun = "attempt" if self.attempts == 1 else "attempts"
        return f"{self.attempts} {noun} in {self.deadline.elapsed():.1f} s"

    def failed(self, exc: BaseException, *, reading_body: bool = False) -> SharedcloudError:
        """The error of the tree for ``exc`` (see :func:`transport_error`)."""
        retries = self.retry.total if self.retry is not None and isinstance(self.retry.total, int) else 0
        return transport_error(
            exc, method=self.method, url=self.url, timeout=self.timeout, retries=retries, reading_body=reading_body
        )

    def out_of_time(self, what: str) -> TransportError:
        return TransportError(
            f"{self.method} {self.path} did not finish within its deadline of {self.deadline.seconds:g} s "
            f"({what}; {self.tally()}). Try again later, or raise deadline=."
        )


def send(session: requests.Session, call: Call, **kwargs: Any) -> requests.Response:
    """Send ``call``, retrying transient failures with ``call.retry`` within ``call.deadline``.

    The retry policy is urllib3's ``Retry``, applied here rather than inside urllib3 so that
    every attempt's timeouts are capped to the time left, every wait is checked against it and
    shown as progress, and an invalid ``Retry-After`` falls back to the backoff.

    Returns:
        The last answer (an error status is the caller's to map).

    Raises:
        TransportError, ResponseError: no answer (see :func:`transport_error`), or the deadline passed.
    """
    if is_loopback_url(call.url):
        kwargs["proxies"] = NO_PROXY  # never through a proxy: HTTP_PROXY must not see a local token
    while True:
        if call.deadline.remaining() <= 0:
            raise call.out_of_time("no time left for another attempt")
        call.attempts += 1
        failure: requests.exceptions.RequestException | None = None
        try:
            response = session.request(call.method, call.url, timeout=call.deadline.timeout(call.timeout), **kwargs)
        except requests.exceptions.RequestException as exc:
            failure = exc
        if failure is not None:
            _wait_after_failure(call, failure)
            continue
        wait = _status_wait(call, response)
        if wait is None:
            return response
        response.close()
        _sleep(call, wait, f"{response.status_code}")


def _urllib3_cause(exc: BaseException) -> Exception | None:
    """The urllib3 error under a requests exception, as ``Retry.increment`` classifies it."""
    for cause in _causes(exc)[1:] or [exc]:
        if isinstance(cause, HTTPError) and not isinstance(cause, MaxRetryError):
            return cause
    return None


def _wait_after_failure(call: Call, exc: requests.exceptions.RequestException) -> None:
    """Wait before the next attempt after ``exc``, or raise the error of the tree for it."""
    cause = _urllib3_cause(exc)
    error = call.failed(exc)
    retry = None if call.retry is None or cause is None else _incremented(call.retry, call, cause)
    if retry is None:
        raise error  # raised outside any except block: it chains nothing (see transport_error)
    call.retry = retry
    _sleep(call, retry.get_backoff_time(), "no answer", error=error)


def _incremented(retry: Retry, call: Call, cause: Exception) -> Retry | None:
    """The policy after one more failure, or None when urllib3 says no more attempts."""
    try:
        return retry.increment(call.method, call.url, error=cause)
    except Exception:  # MaxRetryError, or the error re-raised (a read error of a method not retried)
        return None


def _status_wait(call: Call, response: requests.Response) -> float | None:
    """Seconds to wait before retrying an answer's status, or None to keep the answer."""
    retry = call.retry
    if retry is None or not retry.is_retry(call.method, response.status_code, "Retry-After" in response.headers):
        return None
    try:
        call.retry = retry.increment(call.method, call.url, response=response.raw)
    except MaxRetryError:
        return None  # the retries are spent: the caller maps this answer
    try:
        asked = call.retry.get_retry_after(response.raw) if call.retry.respect_retry_after_header else None
    except InvalidHeader:
        asked = None  # "garbage", "-5", "1.5" or empty: the backoff decides
    wait = call.retry.get_backoff_time() if asked is None else asked
    if wait >= call.deadline.remaining():
        return None  # waiting would pass the deadline: the caller maps this answer
    return wait


def _sleep(call: Call, wait: float, what: str, *, error: SharedcloudError | None = None) -> None:
    """Wait before the next attempt, saying so on the progress bar when the wait is noticeable."""
    if wait >= call.deadline.remaining():
        if error is not None:
            raise error from None
        raise call.out_of_time(f"a wait of {wait:g} s was asked")
    if wait >= 1:
        if what == "429":
            call.progress.note(f"rate limited, waiting {wait:g} s as the server asked", now=True)
        else:
            call.progress.note(
                f"{what}, retrying in {wait:g} s, attempt {call.attempts + 1} of {call.max_attempts}", now=True
            )
    time.sleep(wait)


def read_body(
    response: requests.Response, call: Call, *, max_bytes: int, sink: Callable[[bytes], None] | None = None
) -> bytearray:
    """The whole (decoded) body, read in blocks within the deadline and under the size caps.

    The blocks go straight into one buffer, sized from ``Content-Length`` when the body is not
    compressed (otherwise grown as they come): a large listing is never held twice, as a list of
    blocks and their join. With a ``sink``, each block goes to it instead, as it arrives, and the
    buffer returned is empty.

    Raises:
        ResponseError: the body decodes past ``max_bytes``, or inflates more than
            :data:`~sharedcloud_nb._config.MAX_DECOMPRESSION_RATIO` times (a decompression bomb).
        TransportError: the deadline passed while reading.
    """
    raw = response.raw
    total = _content_length(response)
    read1 = getattr(raw, "read1", None)
    plain = response.headers.get("Content-Encoding", "identity").strip().lower() in ("", "identity")
    # Zero-filled pages are mapped lazily, so an announced length that never comes costs nothing.
    body = bytearray(min(total, max_bytes)) if plain and total and sink is None else bytearray()
    size = 0
    with call.progress:
        while True:
            if call.deadline.remaining() <= 0:
                raise call.out_of_time(f"{size:,} bytes of the answer were read")
            block, error = _read_block(raw, read1, call)
            if error is not None:
                raise error  # outside the except block: nothing chained
            if not block:
                break
            if sink is None:
                body[size : size + len(block)] = block
            else:
                sink(block)
            size += len(block)
            del block
            _check_size(call, size, raw.tell(), max_bytes)
            call.progress.update(raw.tell(), total)
    if len(body) != size:
        del body[size:]
    return body


def _read_block(raw: Any, read1: Any, call: Call) -> tuple[bytes, SharedcloudError | None]:
    """One block of the decoded body, or the error of the tree for why it could not be read."""
    try:
        if read1 is not None:
            return read1(_BLOCK, decode_content=True), None
        return raw.read(_BLOCK, decode_content=True), None
    except (HTTPError, OSError) as exc:
        return b"", call.failed(exc, reading_body=True)


_BLOCK = 1 << 20  # bytes asked of each read: large enough that a big listing is few reads
_ERROR_BODY_LIMIT = 1 << 20  # an error answer is read this far at most


def preload_error_body(response: requests.Response, call: Call) -> None:
    """Read at most 1 MiB of a streamed error answer, so that its message never reads an endless body.

    Raises:
        ResponseError: the error answer was cut off before its announced end.
    """
    if response.status_code < 400 or getattr(response, "_content_consumed", True) or response.raw is None:
        return
    try:
        data, error = response.raw.read(_ERROR_BODY_LIMIT, decode_content=True), None
    except (HTTPError, OSError) as exc:
        data, error = b"", call.failed(exc, reading_body=True)
    if error is not None:
        response.close()
        raise error  # outside the except block: nothing chained
    response._content = data or b""
    response._content_consumed = True
    response.close()


def _content_length(response: requests.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _check_size(call: Call, size: int, wire: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ResponseError(
            f"The answer to {call.method} {call.path} is larger than {max_bytes:,} bytes, far more than any "
            "catalogue; stopped reading it. Raise max_bytes= if you expect that much."
        )
    if size > _config.MIN_RATIO_BYTES and wire and size > wire * _config.MAX_DECOMPRESSION_RATIO:
        raise ResponseError(
            f"The answer to {call.method} {call.path} inflates more than {_config.MAX_DECOMPRESSION_RATIO} times "
            f"({wire:,} bytes on the wire became {size:,}): a decompression bomb, not a catalogue; stopped reading it."
        )


def error_note(call: Call, response: requests.Response) -> str | None:
    """What an error message adds about the call: a redirect elsewhere, and the attempts made.

    Returns:
        The clause for :func:`~sharedcloud_nb.errors.raise_for_status`'s ``note``, or None.
    """
    notes = []
    if response.url and not same_origin(response.url, call.url):
        where = urlsplit(response.url)
        notes.append(f"the server redirected to {where.scheme}://{where.netloc}, where the token was not sent")
    if call.attempts > 1:
        notes.append(call.tally())
    return "; ".join(notes) or None
