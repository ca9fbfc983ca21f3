"""Drawing a generated catalogue in columns, and writing its records or its list body from them.

:func:`draw` makes exactly the draws :func:`.catalogue.generate_catalogue` has always made (same
``random.Random`` calls in the same order, so the same records for a seed), but a column at a
time: the random bits of every record come from one ``getrandbits`` per batch of records (the
Mersenne Twister fills a big draw with the same 32-bit words, least significant first, that
successive small draws would take); fields are cut from those bits for all records at once
(bytes sliced, translated and shifted as one integer), then looked up by C loops (``map``) rather
than per record in Python; the uuids are laid out and hex-encoded as bytes for all records at
once; and each chunk of the list body is one ``bytes.join`` of its records' fields and of the
JSON between them, written once per kind of image. A million records' list body takes about
1.2 s on this project's 2-core machine (three seconds as dicts, then encoded).
Standard library only.
"""

from __future__ import annotations

import binascii
import functools
import json
import math
import operator
import random
import struct
import sys
import time
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from ..schema import ImageRecord

Variant = tuple[str, str, str, bool, str, int, int]
"""(name, runtime, tag, gpu, description, popularity, available_from): a kind of image to draw from."""
Kind = tuple[str, str, str, bool, str, str]
"""(name, runtime, tag, gpu, description, registry_path): what a record of a kind of image holds."""

BUCKET_BITS = 20  # generated images are drawn from per-bucket pools; 2**20 s is about 12 days
LIST_BATCH = 5000  # records per chunk of the list body, as encode_list makes them
_POOL = 4096  # kinds and installation counts per pool, picked by 12 random bits
_MOST_INSTALLS = 1500

# Per record, 64 bits of choices then 128 of uuid: once two getrandbits calls, now one per batch.
_RECORD_BYTES = 24
_BATCH_RECORDS = 1 << 16  # keeps each getrandbits argument far below its C int limit
# The uuid's version (4) and variant (10xx) bits, set in its big-endian bytes 6 and 8.
_VERSION = bytes((byte & 0x0F) | 0x40 for byte in range(256))
_VARIANT = bytes((byte & 0x3F) | 0x80 for byte in range(256))
UUID_END = b"\n" * 4
"""What follows each uuid in :attr:`Draws.uuid_text` (whitespace): its lines are 40 bytes, a multiple of 4."""
UUID_LINE = 36 + len(UUID_END)
# Where each group of 4 of a uuid's 32 hex digits goes in its 36 characters (dashes after 8, 12, 16, 20 digits).
_UNIT_AT = (0, 4, 9, 14, 19, 24, 28, 32)
_UPDATE_MASK = (0x1FFFFFF).to_bytes(4, "little")  # 25 bits
_LOW_NIBBLE = bytes(byte & 0x0F for byte in range(256))
_EMPTY = bytes(byte & 63 == 0 for byte in range(256))  # 1 where a choice byte 3 empties the description

# The JSON of a record after its dates, as json.dumps writes it (compact, UTF-8 kept).
_CREATED = b'","created_at":"'
_TAIL = '"name":%s,"description":%s,"requires_gpu":%s,"runtime":%s,"tag":%s}'


class Draws(NamedTuple):
    """A generated catalogue's records as columns, in creation order.

    ``codes[i]`` is ``2 * kind + empty``: the index of record ``i``'s kind in the kinds given to
    :func:`draw`, and whether its description is empty.
    """

    codes: list[int]
    uuids: list[Any]  # str, or bytes when drawn for the list body (all text columns alike)
    installs: list[Any]  # int, or its decimal text as bytes when drawn for the list body
    updated_at: list[Any]
    created_at: list[Any]
    uuid_text: bytes  # when drawn for the list body: every uuid followed by UUID_END (ASCII); else b""


def draw(size: int, seed: int, start: int, end: int, variants: Sequence[Variant], *, binary: bool = False) -> Draws:
    """Draw ``size`` records from ``random.Random(seed)``, created between ``start`` and ``end`` (epoch seconds).

    Args:
        size: how many records (>= 0).
        seed: the generator's seed.
        start: the earliest creation time; ``end`` (>= ``start``) the latest.
        variants: the kinds of image, as :data:`Variant` tuples; ``Draws.codes`` index them.
        binary: text columns, and the counts as their decimal text, in ASCII bytes (what
            :func:`list_body` joins), not str and ints.

    Returns:
        The records' columns.

    Raises:
        ValueError: ``start`` is not a midnight (UTC).
    """
    if start % 86400:
        raise ValueError("start must be a midnight (UTC)")
    rng = random.Random(seed)
    span = end - start
    pools = _pools(rng, start, span, variants)
    installs_pool = [min(int(rng.lognormvariate(2.0, 1.3)), _MOST_INSTALLS) for _ in range(_POOL)]
    created = _created(rng, size, span)
    data = _random_bytes(rng, size)
    codes = _codes(data, created, pools)
    installs = _installs(data, [str(count).encode() for count in installs_pool] if binary else installs_pool)
    updates = _update_bits(data, size)
    text = _uuid_text(data, size)
    del data
    created_at, updated_at = _dates(created, updates, start, span, binary)
    # UUID_END is whitespace: the argumentless split, the fastest, cuts there and leaves no empty string at the end.
    uuids: list[Any] = text.split() if binary else text.decode("ascii").split()
    return Draws(codes, uuids, installs, updated_at, created_at, text if binary else b"")


def _created(rng: random.Random, size: int, span: int) -> array[int]:
    """Each record's creation, in seconds after the window's start, sorted (the creation order of a real database).

    Sorted seconds are the seconds of the sorted uniform draws (the mapping is monotonic), so
    the draws are mapped as they are made, in the order their objects lie in memory.
    """
    sqrt, trunc, fspan = math.sqrt, float.__trunc__, float(span)
    random_ = rng.random
    seconds = [trunc(fspan * sqrt(random_())) for _ in range(size)]
    seconds.sort()
    # Sorting leaves the list's ints scattered in memory: every later pass over them would wait
    # on a cache miss per record (twice the time of the pass). One tight C loop lays them out in order.
    return array("l", struct.pack(f"{size}l", *seconds))


def _codes(data: bytes, created: array[int], pools: list[list[int]]) -> list[int]:
    """Each record's ``2 * kind + empty`` (see :class:`Draws`), from its choice bits and its creation's bucket."""
    # Bits 0..11 pick the kind in the bucket's pool; bits 24..29 all zero empty its description.
    kinds = _lane(data[0::_RECORD_BYTES], data[1::_RECORD_BYTES].translate(_LOW_NIBBLE))
    empty = data[3::_RECORD_BYTES].translate(_EMPTY)
    codes: list[int] = []
    first = 0
    # Creation dates are sorted, so each bucket's records are a run: one map (a C loop) per bucket.
    for bucket, pool in enumerate(pools):
        last = bisect_left(created, (bucket + 1) << BUCKET_BITS, first)
        doubled = [2 * kind for kind in pool]
        codes += map(operator.add, map(doubled.__getitem__, kinds[first:last]), empty[first:last])
        first = last
    return codes


def _installs(data: bytes, installs_pool: list[Any]) -> list[Any]:
    """Each record's installation count (or its text): bits 12..23 of its choices pick it in ``installs_pool``."""
    # Bits 8..23 are a 16-bit word of bytes 1 and 2; a table by word saves a shift and a mask per record.
    by_word = [installs_pool[word >> 4] for word in range(1 << 16)]
    return list(map(by_word.__getitem__, _lane(data[1::_RECORD_BYTES], data[2::_RECORD_BYTES])))


def _lane(low: bytes, high: bytes) -> array[int]:
    """The 16-bit words ``low[i] | high[i] << 8``."""
    lane = bytearray(2 * len(low))
    lane[0::2] = low
    lane[1::2] = high
    words = array("H", lane)
    if sys.byteorder == "big":
        words.byteswap()
    return words


def _dates(
    created: array[int], updates: array[int], start: int, span: int, binary: bool
) -> tuple[list[Any], list[Any]]:
    """Each record's ``created_at`` and ``updated_at`` text (half never updated, the others skewed towards creation).

    ``created`` are seconds after ``start`` (a midnight), in order; no date is after ``start + span``;
    ``updates`` are from :func:`_update_bits`.
    """
    # A date is "dd-mm-YYYY HH" by the hour after start, then ":MM:SS": two lookups and a
    # concatenation, in tables small enough to stay in the CPU's caches (created dates are sorted,
    # so the hours are read in order; 86,400 times of day would be read all over 5 MB).
    hours: list[Any] = []
    for day in range(span // 86400 + 1):
        text = time.strftime("%d-%m-%Y", time.gmtime(start + day * 86400))
        hours += [f"{text} {hour:02d}".encode() if binary else f"{text} {hour:02d}" for hour in range(24)]
    minutes = _minutes_and_seconds(binary)
    created_at = [hours[seconds // 3600] + minutes[seconds % 3600] for seconds in created]
    trunc = float.__trunc__
    updated_at = [
        text
        if bits & 1
        else hours[(t := seconds + trunc((span - seconds) * (u := (bits >> 1) / 0x1000000) * u * u)) // 3600]
        + minutes[t % 3600]
        for seconds, bits, text in zip(created, updates, created_at, strict=True)
    ]
    return created_at, updated_at


def _pools(rng: random.Random, start: int, span: int, variants: Sequence[Variant]) -> list[list[int]]:
    """Per time bucket, 4096 indices into ``variants`` (popular ones more often, none before it is available)."""
    index = {variant: i for i, variant in enumerate(variants)}
    pools = []
    for bucket in range((span >> BUCKET_BITS) + 1):
        bucket_end = start + ((bucket + 1) << BUCKET_BITS)
        available = [v for v in variants if v[6] <= bucket_end] or list(variants[:1])
        weights = [1.0 + math.sqrt(v[5]) for v in available]
        # Choosing among the positions takes the same draws as among the variants, without hashing each pick.
        pools.append(rng.choices([index[v] for v in available], weights, k=_POOL))
    return pools


def _random_bytes(rng: random.Random, size: int) -> bytes:
    """Each record's 192 random bits (24 bytes, little-endian), as getrandbits(64) then getrandbits(128) drew them."""
    parts = []
    for first in range(0, size, _BATCH_RECORDS):
        count = min(_BATCH_RECORDS, size - first)
        parts.append(rng.getrandbits(8 * _RECORD_BYTES * count).to_bytes(_RECORD_BYTES * count, "little"))
    return b"".join(parts)


def _update_bits(data: bytes, size: int) -> array[int]:
    """Bits 30..54 of each record's choices: whether it was never updated (bit 30), then how long after (31..54)."""
    # Bytes 3..6 hold bits 24..55: one shift and one mask of them all as a single integer leave
    # ints of one 30-bit digit, which Python shifts and tests faster than the 64-bit choices.
    lane = bytearray(4 * size)
    for byte in range(4):
        lane[byte::4] = data[3 + byte :: _RECORD_BYTES]
    kept = int.from_bytes(_UPDATE_MASK * size, "little")
    words = array("I", ((int.from_bytes(lane, "little") >> 6) & kept).to_bytes(4 * size, "little"))
    if sys.byteorder == "big":
        words.byteswap()
    return words


def _uuid_text(data: bytes, size: int) -> bytes:
    """Each record's version-4 uuid and :data:`UUID_END`, from its last 128 random bits (the number, hex in big-endian order)."""
    # Moved 4 bytes at a time (memoryviews of 32-bit words): a byte at a time took 4 times the passes.
    words = memoryview(data).cast("I")
    raw = array("I", [0]) * (4 * size)
    with memoryview(raw) as units:
        for unit in range(4):
            # The number's big-endian word k is its little-endian word 3 - k, bytes reversed (byteswap below).
            units[unit::4] = words[_RECORD_BYTES // 4 - 1 - unit :: _RECORD_BYTES // 4]
    raw.byteswap()
    with memoryview(raw).cast("B") as raw_bytes:
        raw_bytes[6::16] = bytes(raw_bytes[6::16]).translate(_VERSION)
        raw_bytes[8::16] = bytes(raw_bytes[8::16]).translate(_VARIANT)
    digits = memoryview(binascii.hexlify(raw)).cast("I")  # bytes at once: no str to encode
    del raw
    text = bytearray(b"-" * 36 + UUID_END) * size
    with memoryview(text) as whole:
        for unit, at in enumerate(_UNIT_AT):
            # A view of 32-bit words starting where this group of 4 digits falls in the first line.
            offset = at % 4
            line = whole[offset : offset + UUID_LINE * size - 4] if offset else whole
            with line.cast("I") as placed:
                placed[at // 4 :: UUID_LINE // 4] = digits[unit::8]
    return bytes(text)


@functools.cache
def _minutes_and_seconds(binary: bool) -> tuple[Any, ...]:
    """All 3,600 ":MM:SS" strings (as ASCII bytes if ``binary``)."""
    texts = tuple(f":{m:02d}:{s:02d}" for m in range(60) for s in range(60))
    return tuple(text.encode() for text in texts) if binary else texts


def records(draws: Draws, kinds: Sequence[Kind], clock: str) -> list[ImageRecord]:
    """The record dicts of ``draws`` (``kinds`` in the order of the variants drawn from)."""
    out: list[ImageRecord] = []
    append = out.append
    for code, uuid, installs, updated_at, created_at in zip(*draws[:5], strict=True):
        name, runtime, tag, gpu, description, registry_path = kinds[code >> 1]
        append(
            {
                "uuid": uuid,
                "current_server_time": clock,
                "num_installations": installs,
                "registry_path": registry_path,
                "updated_at": updated_at,
                "created_at": created_at,
                "name": name,
                "description": "" if code & 1 else description,
                "requires_gpu": gpu,
                "runtime": runtime,
                "tag": tag,
            }
        )
    return out


def list_body(draws: Draws, kinds: Sequence[Kind], clock: str) -> list[bytes]:
    """``encode_list(records(draws, kinds, clock))``, chunk for chunk, without making the dicts.

    ``draws`` come from :func:`draw` with ``binary=True``. Each chunk is one ``bytes.join`` of its
    records' pieces: the JSON between the fields, written once per kind of image, and the fields
    themselves. A join sizes its result first and copies each piece once (a ``%`` formatting grew
    its result as it went, and a template joined first was copied twice).
    """
    return list(iter_list_body(draws, kinds, clock))


def list_body_size(draws: Draws, kinds: Sequence[Kind], clock: str) -> tuple[int, int]:
    """How many chunks :func:`list_body` makes, and how many bytes they hold, without writing them."""
    head, middle, (paths, _, last_tails) = _pieces(kinds, clock)
    # Every record: its fixed-width fields (uuid, two dates) and the JSON around them; a comma
    # between records, "[" and "]" around them all.
    fixed = len(head) + 36 + len(middle) + 19 + len(_CREATED) + 19
    by_code = [fixed + len(path) + len(tail) for path, tail in zip(paths, last_tails, strict=True)]
    size = len(draws.codes)
    nbytes = sum(map(by_code.__getitem__, draws.codes)) + sum(map(len, draws.installs)) + max(size - 1, 0) + 2
    return size // LIST_BATCH + 1, nbytes


def iter_list_body(draws: Draws, kinds: Sequence[Kind], clock: str) -> Iterator[bytes]:
    """The chunks of :func:`list_body`, one at a time."""
    head, middle, kind_pieces = _pieces(kinds, clock)
    codes, uuids, installs, updated_at, created_at = draws[:5]
    size = len(codes)
    full = size - size % LIST_BATCH
    for first in range(0, full + 1, LIST_BATCH):
        last = min(first + LIST_BATCH, size)
        # "[" first, "," between chunks; the records after the last full batch (maybe none) close it.
        opening = b"[" if first == 0 else b"," if last > first else b""
        closing = b"]" if first == full else b""
        chunk_codes = codes[first:last]
        # A record's pieces: head, uuid, middle, count, registry path..., updated, ..., created, tail.
        pieces: list[bytes] = [head, b"", middle, b"", b"", b"", _CREATED, b"", b""] * (last - first)
        pieces[1::9] = uuids[first:last]
        pieces[3::9] = installs[first:last]
        pieces[4::9] = map(kind_pieces[0].__getitem__, chunk_codes)
        pieces[5::9] = updated_at[first:last]
        pieces[7::9] = created_at[first:last]
        pieces[8::9] = map(kind_pieces[1].__getitem__, chunk_codes)
        if pieces:
            pieces[0] = opening + head
            pieces[-1] = kind_pieces[2][chunk_codes[-1]]  # the chunk's last record: no comma after it
            pieces.append(closing)
        else:
            pieces += (opening, closing)
        yield b"".join(pieces)


def _pieces(kinds: Sequence[Kind], clock: str) -> tuple[bytes, bytes, tuple[list[bytes], list[bytes], list[bytes]]]:
    """The JSON of a record between its fields (uuid, count, updated_at, created_at), as json.dumps writes it.

    Returns:
        Before the uuid; between the uuid and the count; and per code (kind, empty description):
        between the count and ``updated_at``, after ``created_at`` with the comma before the next
        record, and the same without it.
    """
    middle = '","current_server_time":' + _dumps(clock) + ',"num_installations":'
    paths, tails, last_tails = [], [], []
    for name, runtime, tag, gpu, description, registry_path in kinds:
        for text in (description, ""):
            paths.append((',"registry_path":' + _dumps(registry_path) + ',"updated_at":"').encode())
            tail = '",' + _TAIL % (_dumps(name), _dumps(text), "true" if gpu else "false", _dumps(runtime), _dumps(tag))
            tails.append(tail.encode() + b",")
            last_tails.append(tail.encode())
    return b'{"uuid":"', middle.encode(), (paths, tails, last_tails)


def _dumps(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
