"""images_frame_from_json(): a listing read by Arrow straight from its JSON equals the careful path."""

from __future__ import annotations

import warnings

import orjson
import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import frames
from sharedcloud_nb.demo.catalogue import default_catalogue, generate_catalogue


def _same(records):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast = frames.images_frame_from_json(orjson.dumps(records), source="s")
        careful = sc.images_frame(records, source="s")
    assert fast is not None
    pd.testing.assert_frame_equal(fast, careful)
    assert fast.attrs == careful.attrs


def test_default_catalogue_equals_the_careful_path():
    _same(default_catalogue())


def test_generated_catalogue_equals_the_careful_path():
    _same(generate_catalogue(5000, seed=3))


def test_unicode_escapes_that_are_not_surrogates_are_read():
    records = default_catalogue()
    records[0]["description"] = "café — naïve 🚀"
    body = orjson.dumps(records).replace("é".encode(), b"\\u00e9")
    frame = frames.images_frame_from_json(body)
    assert frame is not None and frame["description"].iloc[0] == "café — naïve 🚀"


def _changed(change):
    records = default_catalogue()
    change(records[3])
    return records


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("float count", lambda r: r.update(num_installations=2.5)),
        ("integral float count", lambda r: r.update(num_installations=4.0)),
        ("bool count", lambda r: r.update(num_installations=True)),
        ("text count", lambda r: r.update(num_installations="3")),
        ("count beyond int64", lambda r: r.update(num_installations=10**19)),
        ("number name", lambda r: r.update(name=3)),
        ("object name", lambda r: r.update(name={"a": 1})),
        ("text gpu", lambda r: r.update(requires_gpu="true")),
        ("number gpu", lambda r: r.update(requires_gpu=1)),
        ("null", lambda r: r.update(name=None)),
        ("missing field", lambda r: r.pop("name")),
        ("extra field", lambda r: r.update(owner="alice")),
        ("split marker inside a string", lambda r: r.update(description='a},{"name":"b"}')),
        ("lone surrogate", lambda r: r.update(description="\ud800")),
    ],
)
def test_what_arrow_cannot_vouch_for_goes_the_careful_way(name, change):
    records = _changed(change)
    try:
        body = orjson.dumps(records)
    except orjson.JSONEncodeError:  # orjson refuses lone surrogates: write them as JSON escapes
        import json

        body = json.dumps(records, separators=(",", ":")).encode()
    assert frames.images_frame_from_json(body) is None


@pytest.mark.parametrize(
    "body",
    [b"[]", b'{"count": 0, "results": []}', b"[1, 2]", b"not json", b'[{"uuid": "a"}, {"uuid": "b"}]'],
)
def test_other_shapes_go_the_careful_way(body):
    assert frames.images_frame_from_json(body) is None


def test_duplicate_key_goes_the_careful_way():
    record = dict(default_catalogue()[0])
    body = orjson.dumps([record])
    body = body[:-2] + b',"name":"other"}]'  # the same key twice: decoders keep the last
    fast = frames.images_frame_from_json(body)
    careful = sc.images_frame(orjson.loads(body))
    assert fast is None or fast["name"].iloc[0] == careful["name"].iloc[0]


def test_client_reads_a_well_formed_listing_without_python_records(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the careful path was taken for a well-formed listing")

    import sharedcloud_nb.client as client_module

    monkeypatch.setattr(client_module, "images_frame", refuse)
    frame = client.images()
    assert len(frame) >= 40 and frame.attrs["source"] == "demo"


def test_client_takes_the_careful_path_for_bad_records(fresh_server):
    fresh_server.inject("bad-records", "type")
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = client.images()
    messages = sorted(str(w.message).split(":")[0] for w in caught if issubclass(w.category, sc.SharedcloudWarning))
    assert messages == ["name", "num_installations", "requires_gpu"]
    assert len(frame) == len(fresh_server.images)
    assert frame["num_installations"].isna().sum() > 0


# -- The fast path reads exactly the language of the careful path: strict JSON, valid UTF-8 --------

_BODY = orjson.dumps(default_catalogue())
_TEXT = default_catalogue()[2]["description"].encode()
_COUNT = b'"num_installations":%d' % default_catalogue()[0]["num_installations"]


def _in_text(extra: bytes) -> bytes:
    return _BODY.replace(_TEXT, _TEXT + extra, 1)


NOT_THE_SAME_LANGUAGE = {
    # bytes that are not UTF-8, inside a string
    "Latin-1 byte": _in_text(b"caf\xe9"),
    "encoded surrogate": _in_text(b"\xed\xa0\x80"),
    "overlong sequence": _in_text(b"\xc0\xaf"),
    "beyond U+10FFFF": _in_text(b"\xf4\x90\x80\x80"),
    "truncated sequence": _in_text(b"\xe2\x82"),
    # objects not separated by exactly one comma
    "no comma between objects": _BODY.replace(b"},{", b"}{", 1),
    "only a space between objects": _BODY.replace(b"},{", b"} {", 1),
    "only a newline between objects": _BODY.replace(b"},{", b"}\n{", 1),
    "a tab and a comma": _BODY.replace(b"},{", b"}\t,{", 1),
    "two commas": _BODY.replace(b"},{", b"},,{", 1),
    # whitespace JSON does not have
    "form feed before the array": b"\x0c" + _BODY,
    "vertical tab after the array": _BODY + b"\x0b",
    "non-breaking space before the array": b"\xc2\xa0" + _BODY,
    "byte order mark": b"\xef\xbb\xbf" + _BODY,
    "form feed inside an object": _BODY.replace(b'"name":', b'"name":\x0c', 1),
    # values and text JSON does not have
    "NaN count": _BODY.replace(_COUNT, b'"num_installations":NaN', 1),
    "Infinity count": _BODY.replace(_COUNT, b'"num_installations":Infinity', 1),
    "leading zero": _BODY.replace(_COUNT, b'"num_installations":007', 1),
    "raw tab in a string": _in_text(b"\t"),
    "raw newline in a string": _in_text(b"\n"),
    "invalid escape": _in_text(b"\\x41"),
    "trailing comma in an object": _BODY.replace(b"},{", b",},{", 1),
    "trailing comma in the array": _BODY[:-1] + b",]",
    "content after the array": _BODY + b"[]",
    "NUL after the array": _BODY + b"\x00",
    "a comment": _BODY.replace(b"},{", b"}/* */,{", 1),
    # JSON the careful path reads, which Arrow cannot vouch for (or reads differently)
    "lone high surrogate escape": _in_text(b"\\ud800"),
    "lone low surrogate escape": _in_text(b"\\uDC00"),
    "surrogate pair escape": _in_text(b"\\ud83d\\ude80"),
    "escaped backslash before ud800": _in_text(b"\\\\ud800"),
    "whitespace around commas": _BODY.replace(b"},{", b"} ,\n {"),
    "pretty-printed": orjson.dumps(default_catalogue(), option=orjson.OPT_INDENT_2),
    "exponent count": _BODY.replace(_COUNT, b'"num_installations":1e2', 1),
    "negative zero count": _BODY.replace(_COUNT, b'"num_installations":-0', 1),
    "non-ASCII text": _in_text("İzmir ΟΔΟΣ 🚀".encode()),
    "NUL escape": _in_text(b"\\u0000"),
    "whitespace around the array": b" \t\r\n" + _BODY + b"\n\r\t ",
}


def _careful(body: bytes):
    """What list_images() and images_frame() make of the body: a frame and its warnings, or the decoder's error."""
    try:
        records = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "not JSON", []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = sc.images_frame(records)
    return frame, [str(w.message) for w in caught]


@pytest.mark.parametrize("name", list(NOT_THE_SAME_LANGUAGE))
def test_the_fast_path_reads_only_what_the_careful_path_reads(name):
    body = NOT_THE_SAME_LANGUAGE[name]
    careful, careful_warnings = _careful(body)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fast = frames.images_frame_from_json(body)
    if fast is None:
        return  # handed over: the careful path decides (as client.images() does)
    assert not isinstance(careful, str), f"the fast path read {name!r}, which is not JSON"
    pd.testing.assert_frame_equal(fast, careful)
    assert [str(w.message) for w in caught] == careful_warnings


@pytest.mark.parametrize(
    "name",
    [
        "Latin-1 byte",
        "encoded surrogate",
        "overlong sequence",
        "no comma between objects",
        "only a space between objects",
        "form feed before the array",
    ],
)
def test_the_client_refuses_what_is_not_json_as_list_images_does(fresh_server, name):
    from sharedcloud_nb.demo.faults import Response

    body = NOT_THE_SAME_LANGUAGE[name]
    fresh_server.add_fault(lambda request: Response(200, body=body), times=None)
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    with pytest.raises(sc.ResponseError, match="is not JSON") as careful:
        client.list_images()
    with pytest.raises(sc.ResponseError, match="is not JSON") as fast:
        client.images()
    assert str(fast.value) == str(careful.value)


def test_a_bytearray_body_is_left_as_it_was():
    body = bytearray(_BODY)
    assert frames.images_frame_from_json(body) is not None
    assert body == _BODY
    split_inside = bytearray(_in_text(b'},{"name":"b"}'))
    assert frames.images_frame_from_json(split_inside) is None
    assert split_inside == _in_text(b'},{"name":"b"}')


def test_a_consumed_body_is_emptied_only_when_read():
    body = bytearray(_BODY)
    assert frames.images_frame_from_json(body, consume=True) is not None
    assert body == b""
    refused = bytearray(NOT_THE_SAME_LANGUAGE["no comma between objects"])
    assert frames.images_frame_from_json(refused, consume=True) is None
    assert refused == NOT_THE_SAME_LANGUAGE["no comma between objects"]


def test_a_listing_of_many_blocks_gives_columns_in_pieces_that_the_picker_reads():
    from sharedcloud_nb.search import ImageIndex

    records = generate_catalogue(30_000, seed=5)  # over 8 MB: Arrow reads it in several blocks
    for position in range(0, len(records), 997):
        records[position]["name"] = "ΟΔΟΣ-" + records[position]["name"]
    fast = frames.images_frame_from_json(orjson.dumps(records))
    assert fast is not None
    pd.testing.assert_frame_equal(fast, sc.images_frame(records))
    assert fast["name"].array._pa_array.num_chunks > 1  # the text stays in Arrow's pieces
    assert ImageIndex(fast).search("οδος").total == len(range(0, len(records), 997))
    # As does a frame whose columns are in pieces because pd.concat made them so.
    pieces = pd.concat([fast.iloc[:10_000], fast.iloc[10_000:]])
    assert ImageIndex(pieces).search("οδος").total == len(range(0, len(records), 997))
