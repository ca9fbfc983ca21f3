"""A listing's JSON read by Arrow, for exactly the JSON the careful path accepts, or None.

Arrow's JSON reader reads newline-delimited objects, and is more lenient than a JSON decoder: it
takes objects with no comma (or only whitespace) between them, bytes that are not UTF-8 inside
strings, and any leading whitespace a ``bytes.strip`` removes (a form feed). :func:`read_listing`
makes it read a compact JSON array of flat objects (``[{...},{...}]``) only where every one of
those differences is ruled out first, and answers None otherwise, so the caller hands the body
to the careful path (orjson, then value by value), which refuses or reads it:

- around the array, only JSON's own whitespace (space, tab, line feed, carriage return);
- the text is valid UTF-8 (checked by Arrow over the body, without a copy, unless it is ASCII);
- no escaped surrogate (``\\uD800``-``\\uDFFF``), which Arrow replaces rather than refuses;
- objects are separated by exactly ``},{``: each such comma becomes a newline *in place* (one
  byte for one), Arrow must find exactly one object per line, and the commas are put back after;
  a ``},{`` inside a string leaves a line that is not JSON, which Arrow refuses.

Everything inside an object is Arrow's (RapidJSON's) to refuse: a wrong type, an unknown field, a
raw control character, NaN where a number belongs. No copy of the body is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["read_listing"]

_WHITESPACE = b" \t\n\r"  # JSON's whitespace: nothing else (no form feed, no vertical tab)
_LEADING = re.compile(rb"[ \t\n\r]*")
# An escaped high or low surrogate. A preceding escaped backslash ("\\ud800") makes this text, not
# an escape: such a body goes the careful way too, which costs time, never correctness.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
_OPEN, _COMMA, _CLOSE, _NEWLINE = (ord(char) for char in "{,}\n")
_SCAN = 1 << 22  # bytes per pass of the comma scan: its temporaries stay small
# Arrow's threaded reader costs more than it gains on a body of a few blocks.
_THREADED = 4 << 20
_BLOCK_SIZE = 8 << 20  # bytes Arrow parses at a time (and rows per chunk of the table)


def read_listing(body: bytes | bytearray, schema: pa.Schema) -> pa.Table | None:
    """The listing's records as an Arrow table of ``schema``, or None where the careful path must decide.

    Args:
        body: the answer's bytes. A bytearray is changed while it is read and restored before
            this returns (one byte per object); bytes are copied once into one.
        schema: the records' fields and types; any other field makes Arrow refuse the listing.

    Returns:
        One row per object, or None: the body is not a compact array of objects in strict JSON
        with valid UTF-8, or Arrow refused a value.

    Example:
        >>> read_listing(b'[{"a":1},{"a":2}]', pa.schema([("a", pa.int64())])).num_rows
        2
        >>> read_listing(b'[{"a":1}{"a":2}]', pa.schema([("a", pa.int64())])) is None
        True
    """
    if isinstance(body, bytes):
        body = bytearray(body)
    bounds = _array_bounds(body)
    if bounds is None or not _strict_text(body):
        return None
    start, end = bounds
    data = np.frombuffer(body, dtype=np.uint8)
    with _one_object_per_line(data[start + 1 : end - 1]) as separators:
        table = _parse(memoryview(body)[start + 1 : end - 1], schema)
    del data
    if table is None or table.num_rows != separators + 1:
        return None  # objects with no comma between them: not JSON
    return table


def _array_bounds(body: bytearray) -> tuple[int, int] | None:
    """Where ``[{`` starts and ``}]`` ends, with only JSON whitespace around them; None if not so."""
    start = _LEADING.match(body)
    begin = start.end() if start is not None else 0
    tail = bytes(body[max(begin, len(body) - 64) :])
    kept = tail.rstrip(_WHITESPACE)
    if not kept and len(body) - begin > 64:
        return None  # more trailing whitespace than is worth scanning here: the careful path reads it
    end = len(body) - (len(tail) - len(kept))
    if end - begin < 4 or body[begin : begin + 2] != b"[{" or body[end - 2 : end] != b"}]":
        return None
    return begin, end


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

    Arrow's streaming reader converts each block as it parses it, where its table reader keeps
    every block's parsed form until the end: the same table, for about 250 MB less at 1,000,000
    images. The table's columns stay in chunks (one per block); nothing here joins them.
    """
    import pyarrow.json as pa_json  # only a listing pays for it

    source = pa.BufferReader(pa.py_buffer(lines))
    if not hasattr(pa_json, "open_json"):  # pyarrow < 19: the table reader, the same table for more memory
        return _parse_whole(source, schema, threads=len(lines) > _THREADED)
    try:
        reader = pa_json.open_json(
            source,
            read_options=pa_json.ReadOptions(use_threads=len(lines) > _THREADED, block_size=_BLOCK_SIZE),
            parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error"),
            # The C library's allocator: measured here, Arrow's default (mimalloc) kept 80 MB more
            # at the peak of a million images and faulted in pages enough to cost a third more time.
            memory_pool=pa.system_memory_pool(),
        )
        try:
            return pa.Table.from_batches(list(reader), schema=schema)
        finally:
            reader.close()
    except (pa.ArrowException, ValueError, OverflowError):
        return None
    finally:
        source.close()  # let go of the body, which the caller may then free


def _parse_whole(source: Any, schema: pa.Schema, *, threads: bool) -> pa.Table | None:
    """:func:`_parse` where pyarrow has no streaming JSON reader (``open_json`` is pyarrow 19's)."""
    import pyarrow.json as pa_json

    try:
        return pa_json.read_json(
            source,
            read_options=pa_json.ReadOptions(use_threads=threads, block_size=_BLOCK_SIZE),
            parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error"),
        )
    except (pa.ArrowException, ValueError, OverflowError):
        return None
    finally:
        source.close()
