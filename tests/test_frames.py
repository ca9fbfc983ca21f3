"""images_frame(): the schema, day-first dates, ISO fallback, bad and missing values, empty input."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb.frames import COLUMNS, DTYPES, parse_dates

RECORD = {
    "uuid": "24b310f8-1405-4928-914f-d5c91272f88a",
    "current_server_time": "05-10-2018 16:45:36",
    "num_installations": 3,
    "registry_path": "sharedcloud/web-crawling-python36:latest",
    "updated_at": "22-09-2018 00:45:50",
    "created_at": "22-09-2018 00:45:50",
    "name": "web-crawling",
    "description": "An Image containing Python3.6 and web crawling libraries such as requests, bs4, lxml and Scrapy",
    "requires_gpu": False,
    "runtime": "python36",
    "tag": "latest",
}

EXPECTED_DTYPES = {
    "name": "string",
    "description": "string",
    "runtime": "category",
    "tag": "category",
    "requires_gpu": "boolean",
    "num_installations": "Int64",
    "registry_path": "string",
    "repository": "category",
    "created_at": "datetime64[ns, UTC]",
    "updated_at": "datetime64[ns, UTC]",
    "current_server_time": "datetime64[ns, UTC]",
    "age": "timedelta64[ns]",
    "since_update": "timedelta64[ns]",
}


def record(**changes):
    result = dict(RECORD, **changes)
    return {k: v for k, v in result.items() if v is not ...}


def quiet(records, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return sc.images_frame(records, **kwargs)


def test_schema_order_and_dtypes():
    df = quiet([RECORD])
    assert list(df.columns) == COLUMNS
    assert {c: str(t) for c, t in df.dtypes.items()} == EXPECTED_DTYPES
    assert df.index.name == "uuid"
    assert list(df.index) == [RECORD["uuid"]]
    row = df.iloc[0]
    assert row["repository"] == "sharedcloud/web-crawling-python36"
    assert row["age"] == pd.Timestamp("2018-10-05 16:45:36") - pd.Timestamp("2018-09-22 00:45:50")
    assert row["requires_gpu"] is False or row["requires_gpu"] == False  # noqa: E712 - numpy bool
    assert row["num_installations"] == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05-10-2018 16:45:36", "2018-10-05 16:45:36"),  # the trap: 5 October, not 10 May
        ("12-01-2018 00:00:00", "2018-01-12 00:00:00"),
        ("01-12-2018 23:59:59", "2018-12-01 23:59:59"),
        ("31-12-2017 08:00:00", "2017-12-31 08:00:00"),
        ("29-02-2016 12:00:00", "2016-02-29 12:00:00"),
    ],
)
def test_day_first_dates(text, expected):
    df = quiet([record(created_at=text, updated_at=text)])
    assert df["created_at"].iloc[0] == pd.Timestamp(expected, tz="UTC")


def test_day_first_trap_in_a_column_of_many():
    values = ["05-10-2018 16:45:36", "13-10-2018 16:45:36", "01-02-2018 00:00:00"] * 10
    parsed = parse_dates(values)
    assert list(parsed.dt.month[:3]) == [10, 10, 2]
    assert list(parsed.dt.day[:3]) == [5, 13, 1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-10-05T16:45:36Z", "2018-10-05 16:45:36"),
        ("2018-10-05T16:45:36", "2018-10-05 16:45:36"),
        ("2018-10-05T18:45:36+02:00", "2018-10-05 16:45:36"),
        ("2018-10-05 16:45:36.250000", "2018-10-05 16:45:36.25"),
    ],
)
def test_iso_8601_fallback(text, expected):
    df = quiet([record(created_at=text)])
    assert df["created_at"].iloc[0] == pd.Timestamp(expected, tz="UTC")


@pytest.mark.parametrize("bad", ["31-02-2018 00:00:00", "2018/10/05", "yesterday", "05-10-2018", 1538757936, ""])
def test_unreadable_dates_become_nat_with_one_warning(bad):
    good = record(uuid="00000000-0000-0000-0000-000000000001")
    with pytest.warns(sc.SharedcloudWarning, match=r"updated_at: 2 of 3 values are not dates") as caught:
        df = sc.images_frame([good, record(updated_at=bad), record(uuid="x", updated_at=bad)])
    assert len([w for w in caught if "updated_at" in str(w.message)]) == 1
    assert repr(bad)[:20] in str(caught[0].message)
    assert len(df) == 3
    assert df["updated_at"].isna().tolist() == [False, True, True]
    assert df["since_update"].isna().tolist() == [False, True, True]


def test_missing_field_becomes_a_missing_column_with_a_warning():
    with pytest.warns(sc.SharedcloudWarning, match="description: the field is missing from every record"):
        df = sc.images_frame([record(description=...), record(uuid="b", description=...)])
    assert list(df.columns) == COLUMNS
    assert df["description"].isna().all()
    assert str(df["description"].dtype) == "string"


def test_field_missing_from_some_records():
    with pytest.warns(sc.SharedcloudWarning, match="num_installations: the field is missing from 1 of 2 records"):
        df = sc.images_frame([record(), record(uuid="b", num_installations=...)])
    assert df["num_installations"].isna().tolist() == [False, True]


def test_nulls_stay_missing_in_nullable_dtypes():
    df = quiet([record(requires_gpu=None, num_installations=None, description=None, runtime=None, created_at=None)])
    row = df.iloc[0]
    assert pd.isna(row["requires_gpu"]) and pd.isna(row["num_installations"]) and pd.isna(row["description"])
    assert pd.isna(row["runtime"]) and pd.isna(row["created_at"]) and pd.isna(row["age"])
    assert {c: str(t) for c, t in df.dtypes.items()} == EXPECTED_DTYPES


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("num_installations", "three", "whole numbers"),
        ("num_installations", 2.5, "whole numbers"),
        ("num_installations", True, "whole numbers"),
        ("num_installations", 10**30, "whole numbers"),
        ("requires_gpu", "yes", "true/false"),
        ("requires_gpu", 1, "true/false"),
        ("name", 42, "strings"),
        ("runtime", {"nested": 1}, "strings"),
    ],
)
def test_wrong_types_become_missing_with_a_warning(field, value, expected):
    with pytest.warns(sc.SharedcloudWarning, match=f"{field}: 1 of 2 values are not {expected}"):
        df = sc.images_frame([record(), record(uuid="b", **{field: value})])
    assert len(df) == 2
    assert pd.isna(df[field].iloc[1])
    assert not pd.isna(df[field].iloc[0])


def test_integral_float_is_accepted_as_integer():
    df = quiet([record(num_installations=4.0)])
    assert df["num_installations"].iloc[0] == 4


def test_extra_fields_are_kept_after_the_schema():
    df = quiet([record(owner="alice", size_mb=120), record(uuid="b", owner="bob", size_mb=130)])
    assert list(df.columns) == [*COLUMNS, "owner", "size_mb"]
    assert df["owner"].tolist() == ["alice", "bob"]


def test_empty_list_gives_the_full_schema():
    df = quiet([])
    full = quiet([RECORD])
    for column in ("runtime", "tag", "repository"):
        assert df[column].cat.categories.dtype == full[column].cat.categories.dtype
    assert len(df) == 0
    assert list(df.columns) == COLUMNS
    assert {c: str(t) for c, t in df.dtypes.items()} == EXPECTED_DTYPES
    assert df.index.name == "uuid"


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        ({"detail": "Not found."}, "got dict"),
        ("hello", "got str"),
        (None, "got NoneType"),
        ([RECORD, "oops"], "item 1 is a str"),
        ([[1, 2]], "item 0 is a list"),
    ],
)
def test_payload_that_is_not_a_list_of_objects(payload, match):
    with pytest.raises(sc.ResponseError, match=match):
        sc.images_frame(payload)


def test_duplicate_uuids_are_kept_and_warned():
    with pytest.warns(sc.SharedcloudWarning, match="repeat a uuid"):
        df = sc.images_frame([record(), record(name="again")])
    assert df["name"].tolist() == ["web-crawling", "again"]


def test_repository_keeps_a_registry_port():
    df = quiet([record(registry_path="registry.example.org:5000/team/image:1.2")])
    assert df["repository"].iloc[0] == "registry.example.org:5000/team/image"


def test_source_recorded_in_attrs():
    assert quiet([RECORD], source="https://sharedcloud.io").attrs["source"] == "https://sharedcloud.io"


def test_drf_page_is_accepted():
    df = quiet({"count": 1, "next": None, "previous": None, "results": [RECORD]})
    assert list(df.index) == [RECORD["uuid"]]


def test_dtypes_constant_matches_frame():
    assert {c: str(pd.Series([], dtype=t).dtype) for c, t in DTYPES.items()} == EXPECTED_DTYPES
