"""A listing parsed in chunks as it arrives: the same frame, warnings and careful path as the whole body.

The chunks here are a few KB (a real listing's are 4 MB), so that a listing of a few thousand
images crosses many of them and a defect can sit in the first, a middle or the last chunk, or
straddle two.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import _listing_json, frames
from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.demo.catalogue import generate_catalogue
from sharedcloud_nb.demo.faults import FAULTS, Alter, register_fault

_CHUNK = 8 << 10
_RECORDS = generate_catalogue(600, seed=11)
_BODY = orjson.dumps(_RECORDS)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_listing_json, "_CHUNK", _CHUNK)


def _blocks(body: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _streamed(body: bytes, block: int = 1000) -> tuple[Any, list[str], Any]:
    """What the stream makes of ``body`` fed in blocks: a frame or None, its warnings, and body()."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with frames.listing_stream() as stream:
            for piece in _blocks(body, block):
                stream.feed(piece)
            frame = frames.images_frame_from_stream(stream, source="s")
            served = stream.body() if frame is None else None
    return frame, [str(w.message) for w in caught], served


def _careful(body: bytes) -> tuple[Any, list[str]]:
    try:
        records = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "not JSON", []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = sc.images_frame(records, source="s")
    return frame, [str(w.message) for w in caught]


def _damaged(position: int, change: Any) -> bytes:
    records = [dict(record) for record in _RECORDS]
    change(records[position])
    return orjson.dumps(records)


def test_a_well_formed_listing_is_read_in_many_chunks_and_equals_the_careful_path() -> None:
    assert len(_BODY) > 20 * _CHUNK
    frame, messages, _ = _streamed(_BODY)
    careful, careful_messages = _careful(_BODY)
    assert frame is not None
    pd.testing.assert_frame_equal(frame, careful)
    assert messages == careful_messages == []
    assert frame["name"].array._pa_array.num_chunks > 10  # read in chunks, and kept so


@pytest.mark.parametrize("position", [0, 1, 17, 300, 598, 599])
@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("text count", lambda r: r.update(num_installations="3")),
        ("float count", lambda r: r.update(num_installations=2.5)),
        ("null", lambda r: r.update(description=None)),
        ("missing field", lambda r: r.pop("registry_path")),
        ("extra field", lambda r: r.update(owner={"name": "alice"})),
        ("split marker inside a string", lambda r: r.update(description='a},{"name":"b"}')),
        ("bad date", lambda r: r.update(created_at="31-02-2018 10:00:00")),
        ("non-ASCII text", lambda r: r.update(name="İzmir 🚀")),
    ],
)
def test_a_defect_anywhere_gives_the_careful_paths_frame_and_warnings(name: str, change: Any, position: int) -> None:
    body = _damaged(position, change)
    careful, careful_messages = _careful(body)
    frame, messages, served = _streamed(body)
    if frame is None:  # handed over: the careful path reads the listing as served
        assert orjson.loads(served) == orjson.loads(body)
        frame, messages = _careful(bytes(served))
    pd.testing.assert_frame_equal(frame, careful)
    assert messages == careful_messages


@pytest.mark.parametrize(
    "body",
    [
        _BODY[: len(_BODY) // 2],  # cut off
        _BODY[:-1] + b",]",  # a trailing comma
        _BODY + b"[]",  # content after the array
        _BODY.replace(b"},{", b"}{", 1),  # no comma between the first two objects
        _BODY[: len(_BODY) * 3 // 4] + _BODY[len(_BODY) * 3 // 4 :].replace(b"},{", b"}{", 1),  # nor late
        _BODY[: len(_BODY) // 2] + _BODY[len(_BODY) // 2 :].replace(b'"name":', b'"name":\x0c', 1),
        b" \t\r\n" + _BODY + b"\n\r\t ",
        b"[]",
        b'{"count": 0, "results": []}',
    ],
)
def test_what_is_not_one_json_array_of_objects_is_served_as_it_came(body: bytes) -> None:
    frame, _, served = _streamed(body)
    careful, _ = _careful(body)
    if frame is not None:
        pd.testing.assert_frame_equal(frame, careful)
        return
    try:
        expected = orjson.loads(body)
    except orjson.JSONDecodeError:
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(served)
        return
    assert orjson.loads(served) == expected


@pytest.mark.parametrize("block", [1, 7, 4096, 1 << 20])
def test_the_outcome_does_not_depend_on_how_the_bytes_arrive(block: int) -> None:
    body = _damaged(450, lambda r: r.update(requires_gpu="yes"))
    _, messages, served = _streamed(body, block=block)
    assert orjson.loads(served) == orjson.loads(body)
    assert _streamed(_BODY, block=block)[0] is not None
    assert messages == []  # nothing is warned before the careful path reads it


def test_the_first_chunk_is_handed_back_as_served() -> None:
    # A defect after the first chunk: the careful path's input still starts with the bytes served
    # (an error message quoting the answer's beginning quotes what the server sent).
    body = b"[ " + _damaged(590, lambda r: r.update(tag=3))[1:]
    _, _, served = _streamed(body)
    assert bytes(served[:_CHUNK]) == body[:_CHUNK]


def test_a_stream_left_early_stops_its_workers() -> None:
    before = {thread.ident for thread in threading.enumerate()}
    with pytest.raises(KeyboardInterrupt), frames.listing_stream() as stream:
        for count, piece in enumerate(_blocks(_BODY, 1000)):
            stream.feed(piece)
            if count == 60:
                raise KeyboardInterrupt
    assert {thread.ident for thread in threading.enumerate()} <= before


def test_no_more_chunks_are_in_flight_than_the_workers_can_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    # A sender faster than the parsing cannot pile the whole listing up in memory: feeding waits.
    original = _listing_json._parse_piece

    def slow(piece: bytearray, schema: pa.Schema) -> Any:
        time.sleep(0.01)
        return original(piece, schema)

    monkeypatch.setattr(_listing_json, "_parse_piece", slow)
    in_flight = []
    with frames.listing_stream() as stream:
        for piece in _blocks(_BODY, 4096):
            stream.feed(piece)
            in_flight.append(len(stream._running))
            assert len(stream._pending) < _CHUNK + 4096
        assert stream.finish() is not None
    assert max(in_flight) == 2  # the two workers busy, never a backlog


# -- Over HTTP: client.images() ------------------------------------------------------------------


@pytest.fixture(scope="module")
def late_fault() -> Iterator[str]:
    """A fault that damages one record, by position: a listing that goes wrong late."""

    @register_fault("test-bad-record", times=None, summary="one record's count is text", arg=":POSITION")
    def _bad_record(server: Any, arg: str | None) -> Any:
        position = int(arg or 0)

        def rewrite(record: dict[str, Any], at: int) -> dict[str, Any]:
            return {**record, "num_installations": "three"} if at == position else record

        return lambda request: Alter(records=rewrite)

    yield "test-bad-record"
    del FAULTS["test-bad-record"]


@pytest.mark.parametrize("position", [0, 2990])
def test_client_images_with_a_late_bad_record_equals_the_careful_path(late_fault: str, position: int) -> None:
    with DemoServer(size=3000, seed=5) as server:
        client = sc.Client(server.token, url=server.url, progress=False)
        records = client.list_images()
        server.inject(late_fault, str(position))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = client.images()
    damaged = [dict(record) for record in records]
    damaged[position]["num_installations"] = "three"
    careful, careful_messages = _careful(orjson.dumps(damaged))
    careful.attrs = frame.attrs
    pd.testing.assert_frame_equal(frame, careful)
    assert [str(w.message) for w in caught] == careful_messages
    assert careful_messages and careful_messages[0].startswith("num_installations: 1 of 3000")


def test_client_images_reads_a_large_listing_without_python_records(monkeypatch: pytest.MonkeyPatch) -> None:
    import sharedcloud_nb.client as client_module

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the careful path was taken for a well-formed listing")

    monkeypatch.setattr(client_module, "images_frame", refuse)
    with DemoServer(size=3000, seed=5) as server:
        frame = sc.Client(server.token, url=server.url, progress=False).images()
    assert len(frame) == 3000 and frame.index.is_unique


# -- Repeated uuids: a hash says "none" cheaply, the exact count says which ------------------------


def test_surely_distinct_is_sure_only_when_no_uuid_repeats() -> None:
    from sharedcloud_nb._uuidhex import surely_distinct

    uuids = [record["uuid"] for record in _RECORDS]
    assert surely_distinct(pa.array(uuids, pa.large_string()))
    assert surely_distinct(pa.chunked_array([pa.array(uuids[:300]), pa.array(uuids[300:])]))
    assert surely_distinct(pa.array(uuids).slice(5, 100))
    assert not surely_distinct(pa.chunked_array([pa.array(uuids[:300]), pa.array(uuids[299:])]))
    assert not surely_distinct(pa.array([*uuids, None]))
    assert not surely_distinct(pa.array([*uuids, "short"]))
    # Same length, differing only in the last 4 bytes (the tail word): still told apart.
    assert surely_distinct(pa.array(["c2aef5d8-26ea-4bd3-9495-705fa370ad51", "c2aef5d8-26ea-4bd3-9495-705fa370ad52"]))


def test_a_repeated_uuid_in_a_streamed_listing_is_warned_and_kept() -> None:
    records = [dict(record) for record in _RECORDS]
    records[550]["uuid"] = records[3]["uuid"]
    frame, messages, _ = _streamed(orjson.dumps(records))
    assert frame is not None and len(frame) == 600
    assert messages == [
        f"uuid: 1 records repeat a uuid already listed (e.g. {records[3]['uuid']!r}); all rows are kept"
    ]


def test_an_interrupt_while_chunks_are_parsed_stops_the_workers_and_leaves_the_client_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sharedcloud_nb import _progress

    def busy() -> bool:
        return any(thread.name.startswith("sharedcloud-listing") for thread in threading.enumerate())

    def interrupt(self: Any, done: int, total: int | None = None) -> None:
        if busy():
            raise KeyboardInterrupt

    with DemoServer(size=20000, seed=2) as server:
        client = sc.Client(server.token, url=server.url, progress=False)
        with monkeypatch.context() as patch:
            patch.setattr(_progress.Progress, "update", interrupt)
            with pytest.raises(KeyboardInterrupt):
                client.images()
        assert not busy()
        assert len(client.images()) == 20000


def test_a_listing_opening_with_endless_whitespace_goes_to_the_careful_path_at_once() -> None:
    with frames.listing_stream() as stream:
        for _ in range(100):
            stream.feed(b" " * 1000)
        assert stream._raw is not None and not stream._pending  # no longer re-read block after block
        stream.feed(_BODY)
        assert stream.finish() is None
        assert orjson.loads(stream.body()) == _RECORDS


def test_a_pretty_printed_listing_is_not_searched_again_and_again() -> None:
    body = orjson.dumps(_RECORDS, option=orjson.OPT_INDENT_2)
    assert b"},{" not in body
    with frames.listing_stream() as stream:
        for piece in _blocks(body, 1000):
            stream.feed(piece)
            assert len(stream._pending) <= 4 * _CHUNK + 1000  # handed over once it is clearly not compact
        assert stream.finish() is None
        assert stream.body() == body


def test_body_instead_of_finish_is_the_listing_and_after_finish_is_refused() -> None:
    with frames.listing_stream() as stream:
        for piece in _blocks(_BODY, 1000):
            stream.feed(piece)
        assert orjson.loads(stream.body()) == _RECORDS  # the chunks parsed so far written back, then the rest
    with frames.listing_stream() as stream:
        stream.feed(_BODY)
        table = stream.finish()
        assert table is not None and table.num_rows == 600
        assert not stream._tables  # handed over: the caller alone holds the records
        with pytest.raises(RuntimeError, match="handed the listing over"):
            stream.body()
