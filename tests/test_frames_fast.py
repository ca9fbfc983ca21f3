"""images_frame()'s fast path and careful path agree: the split of the load path, tested on large frames.

The fast path reads well-formed records in one Arrow pass and day-first dates with numpy; anything
else goes the careful way, value by value. These tests put one odd value among thousands and check
that only that value is affected, that it is warned about, and that every other value is exactly
what the careful path (or pandas, by another route) makes of it.
"""

from __future__ import annotations

import copy
import gc
import random
import warnings

import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb.demo.catalogue import generate_catalogue
from sharedcloud_nb.frames import DATE_FORMAT, parse_dates

N = 5_000
DATES = ["created_at", "updated_at", "current_server_time"]


@pytest.fixture(scope="module")
def catalogue():
    return generate_catalogue(N, seed=7)


def records(catalogue):
    return copy.deepcopy(catalogue)


def quiet(payload):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return sc.images_frame(payload)


def warned(payload):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = sc.images_frame(payload)
    messages = [str(w.message) for w in caught if issubclass(w.category, sc.SharedcloudWarning)]
    assert len(messages) == len([w for w in caught]), "only SharedcloudWarnings"
    return frame, messages


def reference_dates(values):
    """What pandas makes of day-first strings by another route (explicit format, value by value)."""
    return pd.to_datetime(pd.Series(values, dtype=object), format=DATE_FORMAT, errors="coerce", utc=True)


def test_the_fast_path_reads_every_date_as_pandas_does(catalogue):
    frame = quiet(records(catalogue))
    for column in DATES:
        expected = reference_dates([record[column] for record in catalogue])
        assert (frame[column].to_numpy() == expected.to_numpy()).all(), column
    assert frame["age"].iloc[0] == frame["current_server_time"].iloc[0] - frame["created_at"].iloc[0]


@pytest.mark.parametrize("column", DATES)
def test_one_impossible_date_in_thousands_is_missing_and_warned(catalogue, column):
    payload = records(catalogue)
    payload[1234][column] = "31-02-2018 00:00:00"  # no 31 February: never rolled over to 3 March
    frame, messages = warned(payload)
    assert pd.isna(frame[column].iloc[1234])
    assert messages == [
        f"{column}: 1 of {N} values are not dates in {DATE_FORMAT} (day first) or ISO 8601 and were set to "
        "missing (the first: '31-02-2018 00:00:00')"
    ]
    others = [position for position in range(N) if position != 1234]
    expected = reference_dates([record[column] for record in catalogue])
    assert (frame[column].iloc[others].to_numpy() == expected.iloc[others].to_numpy()).all()


def test_mixed_day_first_and_iso_in_one_large_column(catalogue):
    payload = records(catalogue)
    rng = random.Random(3)
    iso_rows = sorted(rng.sample(range(N), 500))
    for position in iso_rows:
        stamp = pd.Timestamp(pd.to_datetime(payload[position]["created_at"], format=DATE_FORMAT))
        payload[position]["created_at"] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame = quiet(payload)
    expected = reference_dates([record["created_at"] for record in catalogue])
    assert (frame["created_at"].to_numpy() == expected.to_numpy()).all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("29-02-2000 12:00:00", "2000-02-29 12:00:00"),  # divisible by 400: a leap year
        ("29-02-1900 12:00:00", None),  # divisible by 100 only: not one
        ("29-02-2016 00:00:00", "2016-02-29 00:00:00"),
        ("29-02-2017 00:00:00", None),
        ("31-04-2018 00:00:00", None),
        ("30-04-2018 23:59:59", "2018-04-30 23:59:59"),
        ("00-01-2018 00:00:00", None),
        ("01-13-2018 00:00:00", None),
        ("01-01-2018 24:00:00", None),
        ("01-01-2018 23:60:00", None),
        ("31-12-2261 23:59:59", "2261-12-31 23:59:59"),  # the last year the fast path reads
        ("22-09-1677 00:00:00", "1677-09-22 00:00:00"),  # datetime64[ns] holds it: the careful path reads it
        ("01-01-1677 00:00:00", None),  # before datetime64[ns] begins
        ("01-01-9999 00:00:00", None),
        ("05-10-2018 16:45:36", "2018-10-05 16:45:36"),  # 5 October, never 10 May
    ],
)
def test_calendar_rules_in_a_large_column(text, expected):
    values = ["05-10-2018 16:45:36"] * 2_000 + [text] + ["13-10-2018 16:45:36"] * 2_000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed = parse_dates(values)
    got = parsed.iloc[2_000]
    if expected is None:
        assert pd.isna(got)
        assert len(caught) == 1 and "1 of 4001 values" in str(caught[0].message)
    else:
        assert got == pd.Timestamp(expected, tz="UTC")
        assert caught == []
    assert parsed.iloc[0] == pd.Timestamp("2018-10-05 16:45:36", tz="UTC")
    assert parsed.iloc[-1] == pd.Timestamp("2018-10-13 16:45:36", tz="UTC")


def test_one_date_for_every_record_is_read_once_but_right(catalogue):
    frame = quiet(records(catalogue))
    assert (frame["current_server_time"] == pd.Timestamp("2018-10-05 16:45:36", tz="UTC")).all()
    payload = records(catalogue)
    for record in payload:
        record["current_server_time"] = "31-02-2018 00:00:00"
    frame, messages = warned(payload)
    assert frame["current_server_time"].isna().all() and frame["age"].isna().all()
    assert messages[0].startswith(f"current_server_time: {N} of {N} values are not dates")


@pytest.mark.parametrize(
    ("field", "value", "expected", "message"),
    [
        ("num_installations", 2.5, None, "num_installations: 1 of 5000 values are not whole numbers"),
        ("num_installations", 4.0, 4, None),  # a whole float is a count (never truncated, never lost)
        ("num_installations", True, None, "num_installations: 1 of 5000 values are not whole numbers"),
        ("num_installations", 2**63, None, "num_installations: 1 of 5000 values are not whole numbers"),
        ("requires_gpu", 1, None, "requires_gpu: 1 of 5000 values are not true/false"),
        ("name", 42, None, "name: 1 of 5000 values are not strings"),
        ("name", "a\ud800b", None, "name: 1 of 5000 values are not strings"),  # a lone surrogate
        ("tag", None, None, None),  # a null is missing, silently
        ("description", "naïve 🦀", "naïve 🦀", None),
    ],
)
def test_one_odd_value_in_thousands_leaves_the_others_alone(catalogue, field, value, expected, message):
    clean = quiet(records(catalogue))
    payload = records(catalogue)
    payload[777][field] = value
    frame, messages = warned(payload)
    got = frame[field].iloc[777]
    assert pd.isna(got) if expected is None else got == expected, got
    assert messages == ([] if message is None else [m for m in messages if m.startswith(message)])
    assert len(messages) == (0 if message is None else 1)
    others = frame.drop(index=frame.index[777])
    pd.testing.assert_frame_equal(others, clean.drop(index=clean.index[777]))


def test_fast_and_careful_paths_give_the_same_frame(catalogue):
    fast = quiet(records(catalogue))
    payload = records(catalogue)
    payload.append(dict(payload[0], uuid="00000000-0000-0000-0000-000000000000", description=None))
    careful = quiet(payload)  # a null sends every column of every record the careful way
    pd.testing.assert_frame_equal(careful.iloc[:N], fast)
    assert list(fast["runtime"].cat.categories) == sorted(fast["runtime"].dropna().unique())


def test_records_with_as_many_keys_but_different_ones(catalogue):
    payload = records(catalogue)
    del payload[10]["tag"]
    payload[10]["owner"] = "alice"
    frame, messages = warned(payload)
    assert messages == [f"tag: the field is missing from 1 of {N} records"]
    assert pd.isna(frame["tag"].iloc[10]) and frame["owner"].iloc[10] == "alice"
    assert frame["owner"].drop(index=frame.index[10]).isna().all()


def test_a_duplicate_uuid_among_thousands_is_warned(catalogue):
    payload = records(catalogue)
    payload[4000]["uuid"] = payload[3]["uuid"]
    frame, messages = warned(payload)
    assert len(frame) == N
    assert messages == [
        f"uuid: 1 records repeat a uuid already listed (e.g. {payload[3]['uuid']!r}); all rows are kept"
    ]


def test_the_records_are_not_changed(catalogue):
    payload = records(catalogue)
    quiet(payload)
    assert payload == catalogue


def test_durations_beyond_timedelta64_are_missing_not_a_crash(catalogue):
    payload = records(catalogue)[:3]
    payload[1]["created_at"] = "01-01-1700 00:00:00"  # 318 years before current_server_time
    frame = quiet(payload)
    assert frame["created_at"].iloc[1] == pd.Timestamp("1700-01-01", tz="UTC")
    assert pd.isna(frame["age"].iloc[1]) and not pd.isna(frame["age"].iloc[0])


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(catalogue, enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        quiet(records(catalogue)[:100])
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_large_catalogue_through_the_client():
    from sharedcloud_nb.demo import DemoServer

    with DemoServer(size=20_000, seed=5) as server:
        client = sc.Client(server.token, url=server.url)
        frame = client.images()
        served = server.images
    assert len(frame) == 20_000 and list(frame.index[:3]) == [record["uuid"] for record in served[:3]]
    expected = reference_dates([record["updated_at"] for record in served])
    assert (frame["updated_at"].to_numpy() == expected.to_numpy()).all()
    assert frame["num_installations"].tolist() == [record["num_installations"] for record in served]


def test_defaultdict_records_are_read_not_written(catalogue):
    from collections import defaultdict

    payload = [defaultdict(lambda: "invented", record) for record in records(catalogue)[:50]]
    del payload[5]["tag"]
    payload[5]["owner"] = "alice"
    before = [dict(record) for record in payload]
    frame, messages = warned(payload)
    assert [dict(record) for record in payload] == before, "no key was added by reading"
    assert pd.isna(frame["tag"].iloc[5]) and messages == ["tag: the field is missing from 1 of 50 records"]
