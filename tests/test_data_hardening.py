"""Values that come out wrong without a word: impossible times, dates beyond pandas' range, counts
beyond int64, repositories of digest references, and what a CSV file cannot keep.

Each test here failed on the code before its fix; each checks both ways a value can be read (the
vectorised or Arrow way and the careful way) where there are two.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import warnings

import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb._http import loads
from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.demo.catalogue import generate_catalogue
from sharedcloud_nb.frames import DATE_FORMAT, images_frame_from_json, parse_dates

NOT_DATES = f"are not dates in {DATE_FORMAT} (day first) or ISO 8601 and were set to missing"
OUT_OF_RANGE = "are dates out of range (this column holds 1677-09-21 to 2262-04-11) and were set to missing"


def compact(records):
    """The records as a listing's compact JSON (what the Arrow way reads)."""
    return json.dumps(records, separators=(",", ":")).encode()


def caught(call, *args):
    """(what ``call(*args)`` returns, the messages of the SharedcloudWarnings it raised)."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        result = call(*args)
    assert all(issubclass(w.category, sc.SharedcloudWarning) for w in records), [str(w.message) for w in records]
    return result, [str(w.message) for w in records]


@pytest.fixture(scope="module")
def catalogue():
    return generate_catalogue(3_000, seed=11)


# -- Impossible times ----------------------------------------------------------------------------

IMPOSSIBLE = [
    "31-12-2018 23:59:60",  # rolled over to 2019 by strptime's leap second
    "31-12-2018 23:59:61",
    "05-10-2018 10:00:60",
    "5-10-2018 10:00:60",  # not zero-padded: only the careful path reads such values at all
    "05-10-2018 24:00:00",
    "05-10-2018 10:60:00",
    "2018-10-05T10:00:60Z",
    "2018-10-05T24:00:00",
]


@pytest.mark.parametrize("text", IMPOSSIBLE)
def test_an_impossible_time_is_missing_and_warned_in_the_careful_path(text):
    parsed, messages = caught(parse_dates, [text], "created_at")
    assert pd.isna(parsed.iloc[0])
    assert messages == [f"created_at: 1 of 1 values {NOT_DATES} (the first: {text!r})"]


@pytest.mark.parametrize("text", IMPOSSIBLE)
def test_an_impossible_time_among_thousands_is_missing_and_warned(catalogue, text):
    payload = copy.deepcopy(catalogue)
    payload[1000]["updated_at"] = text
    for frame, messages in (caught(sc.images_frame, payload), caught(images_frame_from_json, compact(payload))):
        assert pd.isna(frame["updated_at"].iloc[1000]) and pd.isna(frame["since_update"].iloc[1000])
        assert messages == [f"updated_at: 1 of 3000 values {NOT_DATES} (the first: {text!r})"]
        assert frame["updated_at"].notna().sum() == 2999


def test_the_last_second_of_a_minute_still_reads():
    parsed, messages = caught(parse_dates, ["31-12-2018 23:59:59", "5-10-2018 10:00:59"])
    assert list(parsed) == [
        pd.Timestamp("2018-12-31 23:59:59", tz="UTC"),
        pd.Timestamp("2018-10-05 10:00:59", tz="UTC"),
    ]
    assert messages == []


def test_the_demo_clock_refuses_a_second_60():
    with pytest.raises(ValueError):
        DemoServer(clock="31-12-2018 23:59:60")


# -- Dates beyond datetime64[ns] -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "01-01-0001 00:00:00",
        "31-12-2262 00:00:00",
        "31-12-9999 23:59:59",
        "01-01-1677 00:00:00",
        "9999-12-31T23:59:59Z",
    ],
)
def test_a_real_date_out_of_range_is_called_out_of_range(text):
    parsed, messages = caught(parse_dates, ["05-10-2018 16:45:36", text], "created_at")
    assert pd.isna(parsed.iloc[1]) and parsed.iloc[0] == pd.Timestamp("2018-10-05 16:45:36", tz="UTC")
    assert messages == [f"created_at: 1 of 2 values {OUT_OF_RANGE} (the first: {text!r})"]


def test_out_of_range_and_not_dates_are_told_apart(catalogue):
    payload = copy.deepcopy(catalogue)
    payload[5]["created_at"] = "31-12-9999 00:00:00"
    payload[6]["created_at"] = "30-02-9999 00:00:00"  # no 30 February, in any year
    payload[7]["created_at"] = "31-12-9999 00:00:00"
    payload[8]["created_at"] = "soon"
    for frame, messages in (caught(sc.images_frame, payload), caught(images_frame_from_json, compact(payload))):
        assert frame["created_at"].iloc[5:9].isna().all()
        assert messages == [
            f"created_at: 2 of 3000 values {NOT_DATES} (the first: '30-02-9999 00:00:00')",
            f"created_at: 2 of 3000 values {OUT_OF_RANGE} (the first: '31-12-9999 00:00:00')",
        ]


# -- Counts beyond int64 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "literal",
    [
        b"-9223372036854775809",
        b"-9223372036854777000",
        b"18446744073709551616",
        b"9223372036854775808",
        b"-1e19",
        b"1e19",
    ],
)
@pytest.mark.parametrize("size", [1, 3_000])
def test_a_count_beyond_int64_is_missing_and_warned_on_either_side(catalogue, literal, size):
    payload = copy.deepcopy(catalogue[:size])
    payload[0]["num_installations"] = 0
    body = compact(payload).replace(b'"num_installations":0', b'"num_installations":' + literal, 1)
    records = loads(body)  # as the client decodes a listing (orjson makes a float of a big integer)
    frame, messages = caught(sc.images_frame, records)
    assert pd.isna(frame["num_installations"].iloc[0])
    assert len(messages) == 1 and messages[0].startswith(f"num_installations: 1 of {size} values are not whole numbers")
    fast = images_frame_from_json(body)
    assert fast is None or pd.isna(fast["num_installations"].iloc[0])


def test_int64_edges_and_exact_floats_still_read(catalogue):
    payload = copy.deepcopy(catalogue[:4])
    for record, value in zip(payload, [-(2**63), 2**63 - 1, 4.0, float(2**53)], strict=True):
        record["num_installations"] = value
    frame, messages = caught(sc.images_frame, payload)
    assert list(frame["num_installations"]) == [-(2**63), 2**63 - 1, 4, 2**53]
    assert messages == []


# -- repository ----------------------------------------------------------------------------------

REFERENCES = [
    ("name", "name"),
    ("name:tag", "name"),
    ("ns/name:1.0", "ns/name"),
    ("name@sha256:" + "a" * 64, "name"),
    ("name:tag@sha256:" + "b" * 64, "name"),
    ("host:5000/ns/name:tag", "host:5000/ns/name"),
    ("host:5000/ns/name", "host:5000/ns/name"),
    ("host:5000/ns/name@sha256:" + "c" * 64, "host:5000/ns/name"),
    ("host:5000/ns/name:tag@sha256:" + "d" * 64, "host:5000/ns/name"),
    ("registry.example.com/team/app:v2", "registry.example.com/team/app"),
]


@pytest.mark.parametrize("copies", [1, 20])  # many distinct paths, or few paths many times
def test_repository_of_every_reference_form(catalogue, copies):
    payload = []
    for position, (path, _) in enumerate(REFERENCES * copies):
        record = dict(catalogue[position])
        record["registry_path"] = path
        payload.append(record)
    frame = sc.images_frame(payload)
    assert list(frame["repository"].astype(str)) == [repository for _, repository in REFERENCES] * copies
    assert list(images_frame_from_json(compact(payload))["repository"]) == list(frame["repository"])


# -- CSV ------------------------------------------------------------------------------------------


def csv_round_trip(frame):
    buffer = io.StringIO()
    sc.frames.write_images_csv(frame, buffer)
    buffer.seek(0)
    return sc.frames.read_images_csv(buffer)


# Text that a CSV field could take for a missing value or split across lines; each in every text column.
AWKWARD_TEXT = [
    "<NA>",
    "",
    "\\",
    "\\\\",
    "\\<NA>",
    "\\\\<NA>",
    "<NA><NA>",
    " <NA> ",
    "a\rb",
    "a\r\nb",
    'q"uote,',
    "nan",
    "None",
]


def test_csv_round_trip_keeps_text_that_looks_like_a_missing_value(catalogue):
    payload = copy.deepcopy(catalogue[: len(AWKWARD_TEXT) + 1])
    for record, text in zip(payload, AWKWARD_TEXT, strict=False):
        record.update(name=text, description=text, tag=text, runtime=text, registry_path="x/" + text, notes=text)
    payload[-1].update(name=None, description=None, tag=None, runtime=None, registry_path=None, notes=None)
    payload[0]["num_installations"] = 2**63 - 1  # beside a missing count: never through float64
    payload[1]["num_installations"] = None
    payload[2]["num_installations"] = 2**53 + 1
    frame, _ = caught(sc.images_frame, payload)
    back = csv_round_trip(frame)
    known = list(frame.columns[:-1])  # a field the schema does not know reads back as text, in the schema's string type
    pd.testing.assert_frame_equal(back[known], frame[known])
    assert back["notes"].iloc[:-1].tolist() == frame["notes"].iloc[:-1].tolist()
    assert back["description"].iloc[0] == "<NA>" and back["tag"].iloc[1] == "" and back["notes"].iloc[0] == "<NA>"
    assert back["description"].iloc[:-1].notna().all() and back["tag"].iloc[:-1].notna().all()
    assert back.iloc[-1][["name", "description", "tag", "runtime", "registry_path", "notes"]].isna().all()


def test_csv_escapes_only_what_needs_it(catalogue):
    payload = copy.deepcopy(catalogue[:3])
    payload[0].update(description="<NA>", tag="")
    payload[1].update(description="", tag="latest")
    payload[2].update(description=None, tag=None)
    frame, _ = caught(sc.images_frame, payload)
    buffer = io.StringIO()
    sc.frames.write_images_csv(frame, buffer)
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    header = rows[0]
    description, tag = header.index("description"), header.index("tag")
    assert [row[description] for row in rows[1:]] == ["\\<NA>", "", "<NA>"]
    assert [row[tag] for row in rows[1:]] == ["\\", "latest", "<NA>"]


def test_a_plain_csv_with_a_backslash_description_still_reads(catalogue):
    frame, _ = caught(sc.images_frame, copy.deepcopy(catalogue[:2]))
    frame["description"] = pd.array(["C:\\", "\\"], dtype=frame["description"].dtype)
    buffer = io.StringIO()
    frame.to_csv(buffer)  # not write_images_csv: nothing escaped, and a lone backslash is itself
    buffer.seek(0)
    assert list(sc.frames.read_images_csv(buffer)["description"]) == ["C:\\", "\\"]
