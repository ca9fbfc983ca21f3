"""A listing's JSON read by Arrow as it arrives, for exactly the JSON the careful path accepts.

Arrow's JSON reader reads newline-delimited objects, and is more lenient than a JSON decoder: it
takes objects with no comma (or only whitespace) between them, bytes that are not UTF-8 inside
strings, and any leading whitespace a ``bytes.strip`` removes (a form feed). :class:`ListingStream`
makes it read a compact JSON array of flat objects (``[{...},{...}]``) only where every one of
those differences is ruled out first, chunk by chunk (:func:`read_listing` is the same for a whole
body), and hands anything else to the careful path (orjson, then value by value), which refuses
or reads it:

- around the array, only JSON's own whitespace (space, tab, line feed, carriage return);
- the text is valid UTF-8 (checked by Arrow over each chunk, unless it is ASCII);
- no escaped surrogate (``\\uD800``-``\\uDFFF``), which Arrow replaces rather than refuses;
- objects are separated by exactly ``},{``: a chunk ends at the last such separator its bytes
  hold, each comma inside it becomes a newline (one byte for one), and Arrow must find exactly one
  object per line; a ``},{`` inside a string leaves a line that is not JSON, which Arrow refuses;
- every record has every field of the schema, none null (the frame's fast way takes no other).

Everything inside an object is Arrow's (RapidJSON's) to refuse: a wrong type, an unknown field, a
raw control character, NaN where a number belongs. Chunks are cut only at a separator, which is
ASCII, so each is valid UTF-8 exactly when the whole is.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["ListingStream", "read_listing"]

_WHITESPACE = b" \t\n\r"  # JSON's whitespace: nothing else (no form feed, no vertical tab)
_LEADING = re.compile(rb"[ \t\n\r]*")
# An escaped high or low surrogate. A preceding escaped backslash ("\\ud800") makes this text, not
# an escape: such a body goes the careful way too, which costs time, never correctness.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
_OPEN, _COMMA, _CLOSE, _NEWLINE = (ord(char) for char in "{,}\n")
_SCAN = 1 << 22  # bytes per pass of the comma scan: its temporaries stay small
_BLOCK_SIZE = 8 << 20  # bytes Arrow parses at a time: a chunk is one block, unless an object is huge
# Bytes of whole objects parsed at a time as a listing arrives. Small enough that the chunks in
# flight are a few MB; large enough that Arrow's fixed cost per parse stays a few percent.
_CHUNK = 4 << 20
_WORKERS = 2  # chunks parsed at once (Arrow lets go of the GIL while it parses)
_SPLIT = b"},{"
_MAX_LEADING = 4096  # bytes of whitespace before the "[" (each block re-reads them while it lasts)


def read_listing(body: bytes | bytearray, schema: pa.Schema) -> pa.Table | None:
    """The listing's records as an Arrow table of ``schema``, or None where the careful path must decide.

    Args:
        body: the answer's bytes (left as they are).
        schema: the records' fields and types; any other field makes Arrow refuse the listing.

    Returns:
        One row per object, or None: the body is not a compact array of objects in strict JSON
        with valid UTF-8, Arrow refused a value, or some record lacks a field or holds a null.

    Example:
        >>> read_listing(b'[{"a":1},{"a":2}]', pa.schema([("a", pa.int64())])).num_rows
        2
        >>> read_listing(b'[{"a":1}{"a":2}]', pa.schema([("a", pa.int64())])) is None
        True
    """
    with ListingStream(schema) as stream:
        stream.feed(body)
        return stream.finish()


class ListingStream:
    """A listing's JSON fed block by block as it arrives, read by Arrow in chunks of whole objects.

    Once ``chunk`` bytes have come, the objects they complete are parsed on a worker thread while
    the next bytes arrive, and their bytes are let go: a large listing is never held whole, as
    bytes and as a table at once. At most ``workers + 1`` chunks are in flight, so a fast sender
    cannot pile bytes up ahead of the parsing.

    Where a chunk is not what Arrow can vouch for (see the module's rules, and: every record has
    every field, none null), the stream stops parsing and keeps every byte from that chunk on;
    :meth:`body` then gives the careful path a listing that decodes to exactly the records
    served: the objects already parsed are written back from their (exact) values.

    Use it as a context manager: leaving it stops the workers, whatever happened.

    Example:
        >>> with ListingStream(pa.schema([("a", pa.int64())])) as stream:
        ...     stream.feed(b'[{"a":1},')
        ...     stream.feed(b'{"a":2}]')
        ...     stream.finish().num_rows
        2
    """

    def __init__(self, schema: pa.Schema, *, chunk: int | None = None, workers: int = _WORKERS) -> None:
        self.schema = schema
        self._chunk, self._workers = chunk or _CHUNK, max(1, workers)
        self._pending = bytearray()  # bytes not yet handed to a worker
        self._head: bytearray | None = None  # leading whitespace and "[", once "[{" has been seen
        self._first: bytes | None = None  # the first chunk handed over, as served (the fallback starts so)
        self._tables: list[pa.Table] = []
        self._running: deque[Future[tuple[pa.Table | None, bytearray]]] = deque()
        self._pool: ThreadPoolExecutor | None = None
        self._raw: bytearray | None = None  # set once the stream stopped parsing: the careful path's input
        self._taken = False  # finish() handed the records over

    def __enter__(self) -> ListingStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (a chunk being parsed is finished first) and let go of every chunk."""
        if self._pool is not None:
            for future in self._running:
                future.cancel()
            self._pool.shutdown(wait=True)
            self._pool = None
        self._running.clear()

    def feed(self, block: bytes | bytearray | memoryview) -> None:
        """Take the next bytes of the listing; parse the objects of each full chunk."""
        if self._raw is not None:
            self._raw += block
            return
        self._pending += block
        if self._head is None and not self._start():
            return
        while self._raw is None and len(self._pending) >= self._chunk and self._cut():
            pass

    def finish(self) -> pa.Table | None:
        """The records of the whole listing as one table, or None: :meth:`body` is for the careful path."""
        while self._running and self._raw is None:
            self._collect()
        if self._raw is not None:
            return None
        if self._head is not None:
            end = _array_end(self._pending)
            if end is not None:
                piece = self._pending[:end]
                del self._pending[:end]
                table, piece = _parse_piece(piece, self.schema)
                if table is not None:
                    # Handed over: the stream keeps no reference, so the caller can free each column.
                    tables, self._tables, self._taken = [*self._tables, table], [], True
                    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]
                self._pending[:0] = piece
        self._fall_back(bytearray())
        return None

    def body(self) -> bytearray:
        """JSON that decodes to exactly the listing served, for the careful path.

        After :meth:`finish` answered None, it is the listing as served from the first chunk Arrow
        could not vouch for, after the records parsed before it, written back from their values.
        Asked instead of :meth:`finish`, the same: the chunks parsed so far, written back, then
        the rest as served.

        Raises:
            RuntimeError: :meth:`finish` handed the records over as a table (their bytes are gone).
        """
        if self._raw is None:
            if self._taken:
                raise RuntimeError("finish() handed the listing over as a table; its bytes were let go")
            while self._running and self._raw is None:
                self._collect()
        return self._raw if self._raw is not None else self._fall_back(bytearray())

    # -- inside ---------------------------------------------------------------------------------

    def _start(self) -> bool:
        """Whether the listing opens with "[{" (after JSON whitespace); else keep it all for the careful path."""
        begin = _LEADING.match(self._pending)
        at = begin.end() if begin is not None else 0
        if at > _MAX_LEADING:  # more whitespace than any listing opens with: the careful path reads it
            self._fall_back(bytearray())
            return False
        if len(self._pending) - at < 2:
            return False  # not enough yet to tell
        if self._pending[at : at + 2] != b"[{":
            self._fall_back(bytearray())
            return False
        self._head = self._pending[: at + 1]
        del self._pending[: at + 1]
        return True

    def _cut(self) -> bool:
        """Hand the complete objects of the pending bytes to a worker; False if none is complete yet."""
        split = self._pending.rfind(_SPLIT)
        if split < 0:
            if len(self._pending) > 4 * self._chunk:
                # No "},{" in MBs: not a compact listing (pretty-printed, say), or an object far larger
                # than any image's. The careful path reads it, and the bytes are not searched again.
                self._fall_back(bytearray())
            return False  # else one object larger than a chunk: wait for its end
        piece = self._pending[: split + 1]
        del self._pending[: split + 2]
        if self._first is None:
            self._first = bytes(piece)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="sharedcloud-listing")
        self._running.append(self._pool.submit(_parse_piece, piece, self.schema))
        while len(self._running) > self._workers and self._raw is None:
            self._collect()
        return True

    def _collect(self) -> None:
        """The oldest chunk's outcome: its table kept, or the stream falls back from it on."""
        table, piece = self._running.popleft().result()
        if table is not None:
            self._tables.append(table)
        else:
            self._fall_back(piece)

    def _fall_back(self, piece: bytearray) -> bytearray:
        """Stop parsing: keep the listing from ``piece`` on, after the records already parsed, written back."""
        raw = bytearray(self._head or b"")
        # The objects parsed: the first chunk as served, the others written back from their values.
        served: list[bytes | bytearray] = [self._first] if self._first is not None and self._tables else []
        objects = served + [_dumps(table) for table in self._tables[len(served) :]]
        # The pieces were cut at "},{" without their comma: it goes back between them.
        objects += [piece] if piece else []
        objects += [future.result()[1] for future in self._running]
        self._running.clear()
        raw += b",".join([*objects, self._pending])
        self._pending = bytearray()
        self._tables = []
        self._raw = raw
        return raw


def _parse_piece(piece: bytearray, schema: pa.Schema) -> tuple[pa.Table | None, bytearray]:
    """Compact objects separated by ``},{`` read by Arrow: the table, or None; and the bytes as given."""
    if not _strict_text(piece):
        return None, piece
    data = np.frombuffer(piece, dtype=np.uint8)
    with _one_object_per_line(data) as separators:
        table = _parse(memoryview(piece), schema)
    del data
    if table is None or table.num_rows != separators + 1:
        return None, piece  # objects with no comma between them: not JSON
    if any(table.column(index).null_count for index in range(table.num_columns)):
        return None, piece  # a null or a missing field: the careful path says which
    return table, piece


def _dumps(table: pa.Table) -> bytes:
    """Records Arrow parsed, written back as JSON objects separated by commas (no brackets)."""
    records = table.to_pylist()
    try:
        import orjson
    except ImportError:  # pragma: no cover - exercised only without orjson
        import json

        return json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode()[1:-1]
    return orjson.dumps(records)[1:-1]


def _array_end(rest: bytearray) -> int | None:
    """Where the last object of the listing's rest ends (before its "]"), with only JSON whitespace after; or None."""
    tail = bytes(rest[-64:])
    kept = tail.rstrip(_WHITESPACE)
    if not kept and len(rest) > 64:
        return None  # more trailing whitespace than is worth scanning here: the careful path reads it
    end = len(rest) - (len(tail) - len(kept))
    if end < 2 or rest[end - 2 : end] != b"}]":
        return None
    return end - 1


def _strict_text(body: bytearray) -> bool:
    """Valid UTF-8 with no escaped surrogate (which Arrow would replace rather than refuse)."""
    if b"\\" in body and _SURROGATE_ESCAPE.search(body):
        return False
    if body.isascii():
        return True
    offsets = pa.py_buffer(np.array([0, len(body)], dtype=np.int64))
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(body)])
    try:
        whole.cast(pa.large_string())  # validates the UTF-8 (overlong forms and surrogates too), no copy kept
    except (pa.ArrowInvalid, UnicodeError):
        return False
    return True


@contextmanager
def _one_object_per_line(data: np.ndarray) -> Iterator[int]:
    """Turn each comma of ``},{`` into a newline in place; yield how many; put the commas back after."""
    found = []
    for begin in range(0, len(data), _SCAN):
        opens = np.flatnonzero(data[begin : begin + _SCAN] == _OPEN) + begin
        opens = opens[opens >= 2]
        keep = (data[opens - 1] == _COMMA) & (data[opens - 2] == _CLOSE)
        found.append(opens[keep] - 1)
    commas = np.concatenate(found) if found else np.empty(0, dtype=np.intp)
    data[commas] = _NEWLINE
    try:
        yield len(commas)
    finally:
        data[commas] = _COMMA


def _parse(lines: Any, schema: pa.Schema) -> pa.Table | None:
    """Newline-delimited objects read by Arrow with an explicit schema; None where Arrow refuses them.

    One chunk of a listing (a few MB): read on the calling thread, since the chunks themselves are
    what runs in parallel.
    """
    import pyarrow.json as pa_json  # only a listing pays for it

    source = pa.BufferReader(pa.py_buffer(lines))
    try:
        return pa_json.read_json(
            source,
            read_options=pa_json.ReadOptions(use_threads=False, block_size=_BLOCK_SIZE),
            parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error"),
            # The C library's allocator: measured here, Arrow's default (mimalloc) kept 80 MB more
            # at the peak of a million images and faulted in pages enough to cost a third more time.
            memory_pool=pa.system_memory_pool(),
        )
    except (pa.ArrowException, ValueError, OverflowError):
        return None
    finally:
        source.close()  # let go of the chunk's bytes
