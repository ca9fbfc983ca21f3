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
