"""A generated catalogue served from its list body: the body written as the records are drawn, the records later.

:func:`generate_with_list_body` is what ``DemoServer(size=...)`` serves: the list body, exactly
``encode_list(generate_catalogue(...))``, written from the generator's draws taken in columns
(one ``bytes.join`` per chunk of records), and :class:`GeneratedRecords`, the records themselves, drawn again,
identically, only when something reads one. A million records as dicts take seconds and about a
gigabyte; the first listing needs neither. From :data:`STREAM_FROM` records the server takes the
body from :func:`generate_with_streamed_list_body`: its size is known once the records are drawn,
and its chunks are written (a fifth of the work) while the first listing sends them.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..schema import ImageRecord
from . import _drawing
from ._drawing import UUID_LINE
from .catalogue import FROZEN_CLOCK, _draw, generate_catalogue

__all__ = [
    "STREAM_FROM",
    "GeneratedRecords",
    "StreamedBody",
    "generate_with_list_body",
    "generate_with_streamed_list_body",
]


def generate_with_list_body(
    size: int, seed: int = 0, *, clock: str = FROZEN_CLOCK
) -> tuple[GeneratedRecords, list[bytes]]:
    """The list body that serves :func:`generate_catalogue`'s records, and the records, made when first read.

    The body is exactly ``encode_list(records)`` (what the list view would encode on first
    request), for a fraction of its cost: each chunk's JSON is one ``bytes.join`` of its records'
    fields and of the JSON between them (written once per kind of image), where ``json.dumps``
    would walk a million dicts. The records themselves (a million dicts take seconds and about 1 GB) are
    drawn again, identically, only when something reads one (a detail, a filter, a page).

    Returns:
        The records (equal to ``generate_catalogue(size, seed, clock=clock)``) and the body's chunks.
    """
    records, draws, kinds = _drawn(size, seed, clock)
    return records, _drawing.list_body(draws, kinds, clock)


def generate_with_streamed_list_body(
    size: int, seed: int = 0, *, clock: str = FROZEN_CLOCK
) -> tuple[GeneratedRecords, Sequence[bytes]]:
    """:func:`generate_with_list_body`, its chunks written on a thread of its own while they are sent.

    What ``DemoServer(size=...)`` serves from :data:`STREAM_FROM` records: the records are drawn
    before this returns, and the body's size with them (what ``Content-Length`` says); its chunks
    (a fifth of the work) are written meanwhile, each as soon as the one before. The first listing
    sends each chunk once written: writing the rest overlaps sending (the socket lets go of the GIL).

    Returns:
        The records, and the body as a :class:`StreamedBody` (a plain list below :data:`STREAM_FROM`).
    """
    if size < STREAM_FROM:
        return generate_with_list_body(size, seed, clock=clock)
    records, draws, kinds = _drawn(size, seed, clock)
    count, nbytes = _drawing.list_body_size(draws, kinds, clock)
    return records, StreamedBody(_drawing.iter_list_body(draws, kinds, clock), count, nbytes)


STREAM_FROM = 100_000
"""From how many records :func:`generate_with_streamed_list_body` streams the body."""


def _drawn(size: int, seed: int, clock: str) -> tuple[GeneratedRecords, _drawing.Draws, list[_drawing.Kind]]:
    """The records (drawn later) and the draws of their list body (now)."""
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of new objects, none in a cycle: the collector would only walk them
    try:
        draws, kinds = _draw(size, seed, clock, binary=True)
    finally:
        if gc_was_enabled:
            gc.enable()
    return GeneratedRecords(size, seed, clock, _UuidText(draws.uuid_text)), draws, kinds


class StreamedBody(Sequence[bytes]):
    """A list body's chunks as a daemon thread writes them: how many and their bytes known at once, each waited for.

    Attributes:
        nbytes: the body's length (its ``Content-Length``).

    Reading a chunk not written yet waits for it; if writing failed, reading a chunk it did not
    write raises what writing raised (a listing then breaks off, as a server failing mid-answer).
    """

    def __init__(self, chunks: Iterator[bytes], count: int, nbytes: int) -> None:
        self.nbytes = nbytes
        self._count = count
        self._written: list[bytes] = []
        self._error: BaseException | None = None
        self._ready = threading.Condition()
        threading.Thread(target=self._write, args=(chunks,), name="sharedcloud-demo-list-body", daemon=True).start()

    def _write(self, chunks: Iterator[bytes]) -> None:
        try:
            for chunk in chunks:
                with self._ready:
                    self._written.append(chunk)
                    self._ready.notify_all()
        except BaseException as error:  # raised again where a chunk is read (a listing: reported, cut off)
            with self._ready:
                self._error = error
                self._ready.notify_all()

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, position: Any) -> Any:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(self._count))]
        if position < 0:
            position += self._count
        if not 0 <= position < self._count:
            raise IndexError("chunk index out of range")
        with self._ready:
            self._ready.wait_for(lambda: len(self._written) > position or self._error is not None)
            if len(self._written) > position:
                return self._written[position]
            assert self._error is not None
            raise self._error

    def __iter__(self) -> Iterator[bytes]:
        for position in range(self._count):
            yield self[position]


class GeneratedRecords(Sequence[ImageRecord]):
    """``generate_catalogue(size, seed, clock=clock)``, drawn on first use of a record; the uuids at once.

    Compares equal to the list of records; slices are lists.
    """

    def __init__(self, size: int, seed: int, clock: str, uuids: Sequence[str]) -> None:
        self.size, self.seed, self.clock, self.uuids = size, seed, clock, uuids
        self._records: list[ImageRecord] | None = None
        self._lock = threading.Lock()

    def materialized(self) -> list[ImageRecord]:
        """The records as a list (drawn now if not yet)."""
        if self._records is None:
            with self._lock:
                if self._records is None:
                    self._records = generate_catalogue(self.size, self.seed, clock=self.clock)
        return self._records

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, position: Any) -> Any:
        return self.materialized()[position]

    def __iter__(self) -> Iterator[ImageRecord]:
        return iter(self.materialized())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, GeneratedRecords):
            other = other.materialized()
        return self.materialized() == other

    __hash__ = None  # type: ignore[assignment]  # a mutable sequence's equality, like a list's

    def __repr__(self) -> str:
        return f"<{self.size:,} generated image records, seed {self.seed}>"

    def uuid_records(self) -> Sequence[Mapping[str, str]]:
        """Each record's uuid as ``{"uuid": ...}``, without drawing the records (what generate_downloads reads)."""
        return [{"uuid": uuid} for uuid in self.uuids] if self.size <= 10_000 else _UuidRecords(self.uuids)


class _UuidText(Sequence[str]):
    """Uuids in one ASCII bytes object, each on a line of its own: under half the memory of a list of them; cut on reading."""

    def __init__(self, text: bytes) -> None:
        self.text = text

    def __len__(self) -> int:
        return len(self.text) // UUID_LINE

    def __getitem__(self, position: Any) -> Any:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError("uuid index out of range")
        return self.text[UUID_LINE * position : UUID_LINE * position + 36].decode("ascii")


class _UuidRecords(Sequence[Mapping[str, str]]):
    def __init__(self, uuids: Sequence[str]) -> None:
        self.uuids = uuids

    def __len__(self) -> int:
        return len(self.uuids)

    def __getitem__(self, position: Any) -> Any:
        return {"uuid": self.uuids[position]}
