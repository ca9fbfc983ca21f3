"""The explorer's logic without widgets: the filters dict, filtering a frame, the table's rows, debouncing."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import filters as filters_module
from sharedcloud_nb.demo import default_catalogue
from sharedcloud_nb.demo.catalogue import generate_catalogue
from sharedcloud_nb.filters import (
    DEFAULT_FILTERS,
    DEFAULT_SORT,
    SORT_COLUMNS,
    TABLE_COLUMNS,
    CatalogueFilter,
    Debouncer,
    check_sort,
    count_text,
    filter_frame,
    merge_filters,
    parse_day,
    sort_rows,
    table_frame,
    table_note,
)
from sharedcloud_nb.search import ImageIndex

KNOWN = "24b310f8-1405-4928-914f-d5c91272f88a"  # web-crawling, python36


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return sc.images_frame(default_catalogue())


def test_the_logic_imports_without_ipywidgets_or_matplotlib():
    code = (
        "import sys, sharedcloud_nb.filters\n"
        "print([m for m in ('ipywidgets', 'traitlets', 'matplotlib', 'itables') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- the filters dict ----------------------------------------------------------------------------


def test_the_defaults_leave_everything_in():
    assert merge_filters({}) == {
        "search": "",
        "runtimes": (),
        "gpu": None,
        "created": (None, None),
        "min_installations": 0,
    }
    assert merge_filters({}) == dict(DEFAULT_FILTERS)


def test_assigning_merges_the_named_keys_and_keeps_the_others():
    base = merge_filters({"search": "nlp", "gpu": True})
    merged = merge_filters({"min_installations": 5}, base)
    assert merged == {**base, "min_installations": 5}
    assert base["min_installations"] == 0  # the base is not changed


@pytest.mark.parametrize(
    ("changes", "key", "expected"),
    [
        ({"runtimes": "python36"}, "runtimes", ("python36",)),
        ({"runtimes": ["python36", "node8", "python36"]}, "runtimes", ("python36", "node8")),
        ({"runtimes": None}, "runtimes", ()),
        ({"search": None}, "search", ""),
        ({"gpu": np.bool_(True)}, "gpu", True),
        ({"created": None}, "created", (None, None)),
        ({"created": ("2018-01-31", None)}, "created", (dt.date(2018, 1, 31), None)),
        ({"created": (None, "05-10-2018")}, "created", (None, dt.date(2018, 10, 5))),
        ({"created": [dt.datetime(2018, 1, 1, 23, 0, tzinfo=dt.timezone.utc), dt.date(2018, 2, 1)]}, "created",
         (dt.date(2018, 1, 1), dt.date(2018, 2, 1))),
        ({"min_installations": np.int64(7)}, "min_installations", 7),
        ({"min_installations": None}, "min_installations", 0),
    ],
)  # fmt: skip
def test_values_are_normalised(changes, key, expected):
    assert merge_filters(changes)[key] == expected


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"serach": "x"}, KeyError, "'serach' is not a filter"),
        ({"search": 3}, TypeError, "search is text"),
        ({"runtimes": [1, 2]}, TypeError, "runtimes is a tuple of runtime names"),
        ({"gpu": "yes"}, TypeError, "gpu is None"),
        ({"created": "2018-01-01"}, TypeError, "created is a"),
        ({"created": ("2018-01-01",)}, ValueError, "pair, not 1 values"),
        ({"created": ("2018-02-01", "2018-01-01")}, ValueError, "after the last"),
        ({"created": ("01/02/2018", None)}, ValueError, "YYYY-MM-DD or dd-mm-YYYY"),
        ({"min_installations": -1}, ValueError, "0 or more"),
        ({"min_installations": True}, ValueError, "whole number"),
        ({"min_installations": 2.5}, ValueError, "whole number"),
    ],
)
def test_bad_values_are_refused_with_a_message(changes, error, match):
    with pytest.raises(error, match=match):
        merge_filters(changes)


def test_filters_must_be_a_dict():
    with pytest.raises(TypeError, match="filters are a dict"):
        merge_filters([("gpu", True)])  # type: ignore[arg-type]


def test_parse_day_never_swaps_day_and_month():
    assert parse_day("05-10-2018") == dt.date(2018, 10, 5)
    assert parse_day("2018-10-05") == dt.date(2018, 10, 5)
    assert parse_day(pd.Timestamp("2018-10-05 23:30", tz="Europe/Berlin")) == dt.date(2018, 10, 5)
    with pytest.raises(TypeError):
        parse_day(20181005)


def test_count_text():
    assert count_text(12, 48) == "12 of 48 images"
    assert count_text(0, 1) == "0 of 1 image"
    assert count_text(1234, 100000) == "1,234 of 100,000 images"


# -- filtering ------------------------------------------------------------------------------------


def test_no_filter_keeps_every_image_with_the_same_schema(frame):
    out = filter_frame(frame, {})
    pd.testing.assert_frame_equal(out, frame)
    assert out.attrs == frame.attrs


@pytest.mark.parametrize("query", ["nlp", "TensorFlow", "python27 gpu", "24b3", "quay.io", "  ", "no-such-thing"])
def test_the_search_is_the_pickers_own(frame, query):
    index = ImageIndex(frame)
    expected = {index.uuids[i] for i in np.flatnonzero(index.search(query, 0).mask)}
    assert set(filter_frame(frame, {"search": query}).index) == expected


def test_search_folds_case_and_matches_a_uuid_prefix(frame):
    assert list(filter_frame(frame, {"search": "WEB-CRAWLING 24B310F8"}).index) == [KNOWN]


def test_runtimes_gpu_and_min_installations(frame):
    out = filter_frame(frame, {"runtimes": ("python27", "node8"), "gpu": False, "min_installations": 10})
    expected = frame[
        frame["runtime"].isin(["python27", "node8"])
        & (frame["requires_gpu"] == False)  # noqa: E712 - a boolean column compared element-wise
        & (frame["num_installations"] >= 10)
    ]
    assert list(out.index) == list(expected.index) and len(out) > 0
    assert len(filter_frame(frame, {"gpu": True})) == int(frame["requires_gpu"].sum())


def test_an_unknown_runtime_matches_nothing(frame):
    assert filter_frame(frame, {"runtimes": ("cobol",)}).empty


def test_created_includes_both_days_in_utc():
    records = default_catalogue()[:4]
    stamps = ["31-12-2017 23:59:59", "01-01-2018 00:00:00", "31-01-2018 23:59:59", "01-02-2018 00:00:00"]
    for record, stamp in zip(records, stamps, strict=True):
        record["created_at"] = stamp
    frame = sc.images_frame(records)
    inside = filter_frame(frame, {"created": ("2018-01-01", "2018-01-31")})
    assert list(inside["created_at"].dt.strftime("%d-%m-%Y %H:%M:%S")) == stamps[1:3]
    assert len(filter_frame(frame, {"created": (None, "2017-12-31")})) == 1
    assert len(filter_frame(frame, {"created": ("2018-02-01", None)})) == 1


def test_missing_values_fail_a_set_filter_but_not_the_defaults():
    records = default_catalogue()[:3]
    records[0]["requires_gpu"] = None
    records[1]["num_installations"] = None
    records[2]["created_at"] = None
    frame = sc.images_frame(records)  # missing values, not unreadable ones: no warning
    assert len(filter_frame(frame, {})) == 3
    assert records[0]["uuid"] not in filter_frame(frame, {"gpu": False}).index
    assert records[0]["uuid"] not in filter_frame(frame, {"gpu": True}).index
    assert records[1]["uuid"] not in filter_frame(frame, {"min_installations": 1}).index
    assert records[2]["uuid"] not in filter_frame(frame, {"created": ("2000-01-01", None)}).index


def test_filter_frame_is_pure(frame):
    before = frame.copy()
    filter_frame(frame, {"search": "nlp", "gpu": True})
    pd.testing.assert_frame_equal(frame, before)


def test_an_empty_frame_filters_to_an_empty_frame_of_the_schema():
    empty = sc.images_frame([])
    out = filter_frame(empty, {"search": "x", "gpu": True, "runtimes": ("python36",)})
    assert out.empty and list(out.columns) == list(empty.columns)
    assert (out.dtypes == empty.dtypes).all()


def test_runtime_counts_follow_every_filter_but_the_runtime_one(frame):
    prepared = CatalogueFilter(frame)
    result = prepared.apply(merge_filters({"runtimes": ("python36",), "gpu": True}))
    gpu = frame[frame["requires_gpu"] == True]  # noqa: E712
    assert result.runtime_counts == {r: int((gpu["runtime"] == r).sum()) for r in prepared.runtimes}
    assert result.count == int((gpu["runtime"] == "python36").sum())
    assert prepared.runtimes == tuple(sorted(frame["runtime"].dropna().unique()))


def test_a_repeated_uuid_is_kept_once(frame):
    doubled = pd.concat([frame, frame.loc[[KNOWN]]])
    assert len(filter_frame(doubled, {})) == len(frame)


# -- the table --------------------------------------------------------------------------------------


def test_the_table_holds_the_most_installed_with_iso_dates(frame):
    table = table_frame(frame, limit=5)
    assert list(table.columns) == [label for label, _ in TABLE_COLUMNS]
    assert table.index.name == "uuid"
    top = frame.sort_values("num_installations", ascending=False, kind="stable").head(5)
    assert list(table.index) == list(top.index)
    assert list(table["installations"]) == list(top["num_installations"])
    row = table_frame(frame).loc[KNOWN]
    assert row["created"] == frame.loc[KNOWN, "created_at"].strftime("%Y-%m-%d %H:%M:%S")
    assert row["GPU"] in ("yes", "no")
    assert len(table_frame(frame)) == len(frame)


# -- the order ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    return sc.images_frame(generate_catalogue(5000))


def test_sorting_applies_to_every_match_before_the_table_is_cut(big, monkeypatch):
    monkeypatch.setattr(filters_module, "TABLE_LIMIT", 100)
    prepared = CatalogueFilter(big)
    matches = filter_frame(big, {"gpu": False})
    assert len(matches) > 1000
    table = prepared.table_for({"gpu": False}, ("created_at", True))
    oldest = matches.sort_values("created_at", kind="stable").head(100)
    assert list(table.index) == list(oldest.index)  # the 100 oldest of ALL matches
    assert table["created"].iloc[0] == matches["created_at"].min().strftime("%Y-%m-%d %H:%M:%S")
    # not the oldest of the 100 most installed, which the browser alone would have sorted
    most_installed = matches.sort_values("num_installations", ascending=False, kind="stable").head(100)
    assert set(table.index) != set(most_installed.index)
    newest = prepared.table_for({"gpu": False}, ("created", False))  # the table's label works too
    assert list(newest.index) == list(matches.sort_values("created_at", ascending=False, kind="stable").index[:100])
    default = prepared.table_for({"gpu": False})
    assert list(default.index) == list(most_installed.index)


def test_every_column_sorts_every_match_like_a_stable_pandas_sort(big):
    prepared = CatalogueFilter(big)
    mask = prepared.apply(merge_filters({"min_installations": 3})).mask
    matches = big[mask]
    for column in SORT_COLUMNS:
        values = matches.index.to_series() if column == "uuid" else matches[column]
        if column in ("uuid", "name", "runtime", "tag"):
            values = values.astype("string").str.lower()  # text ignores case, as DataTables does
        for ascending in (True, False):
            expected = values.sort_values(ascending=ascending, kind="stable", na_position="last")
            rows = prepared.sorted_rows(mask, (column, ascending), 50)
            assert list(big.index[rows]) == list(expected.index[:50]), (column, ascending)


def _crafted() -> pd.DataFrame:
    frame = sc.images_frame(default_catalogue()).iloc[:5].copy()
    frame["name"] = pd.array(["beta", "Alpha", None, "gamma", "alpha2"], dtype="string")
    frame["num_installations"] = pd.array([10, 9, None, 100, 9], dtype="Int64")
    # day-first text would put 10-05-2018 after 05-10-2018: as dates, May comes first
    frame["created_at"] = pd.to_datetime(
        ["2018-10-05 10:00", "2018-05-10 10:00", "2017-12-31 23:00", None, "2019-01-01 00:00"], utc=True
    )
    return frame


def test_counts_sort_as_numbers_dates_as_dates_text_ignoring_case_missing_last():
    frame = _crafted()
    ids = list(frame.index)

    def order(column: str, ascending: bool) -> list[int]:
        return [ids.index(uuid) for uuid in frame.index[sort_rows(frame, (column, ascending))]]

    assert order("num_installations", False) == [3, 0, 1, 4, 2]  # ties keep the frame's order
    assert order("num_installations", True) == [1, 4, 0, 3, 2]  # missing last both ways
    assert order("created_at", True) == [2, 1, 0, 4, 3]
    assert order("created_at", False) == [4, 0, 1, 2, 3]
    assert order("name", True) == [1, 4, 0, 3, 2]
    assert order("name", False) == [3, 0, 4, 1, 2]
    assert list(table_frame(frame, 2, ("created_at", True)).index) == [ids[2], ids[1]]
    assert list(table_frame(frame).index) == [ids[i] for i in (3, 0, 1, 4, 2)]  # default: most installed


def test_check_sort():
    assert check_sort(None) == DEFAULT_SORT == ("num_installations", False)
    assert check_sort(("installations", True)) == ("num_installations", True)
    assert check_sort(["GPU", np.bool_(False)]) == ("requires_gpu", False)
    assert check_sort("name") == ("name", True)
    assert check_sort(("uuid", False)) == ("uuid", False)
    with pytest.raises(KeyError, match="not a column of the table"):
        check_sort(("colour", True))
    with pytest.raises(TypeError, match="column, ascending"):
        check_sort(("name", "asc"))
    with pytest.raises(TypeError, match="column, ascending"):
        check_sort(("name", True, 1))
    with pytest.raises(TypeError, match="column, ascending"):
        check_sort(3)


def test_the_order_of_every_row_is_taken_once_and_kept(big):
    prepared = CatalogueFilter(big)
    first = prepared.order(("created", True))
    assert prepared.order(("created_at", True)) is first  # a filter change only picks from it
    assert sorted(first.tolist()) == list(range(len(big)))


def test_the_table_note_says_which_rows_it_holds():
    assert table_note(48, 48) == ""
    assert table_note(10, 48).startswith("The table holds the 10 most installed of the 48 matching images")
    assert "1,000 first created of the 5,000" in table_note(1000, 5000, ("created_at", True))
    assert "the first 10 by name (descending) of the 48" in table_note(10, 48, ("name", False))
    assert "explorer.filtered has them all" in table_note(10, 48)


# -- debouncing ---------------------------------------------------------------------------------------


def test_a_zero_delay_applies_at_once():
    calls: list[str] = []
    Debouncer(calls.append, delay=0)("x")
    assert calls == ["x"]


def test_keystrokes_within_the_delay_apply_once_with_the_last_value():
    calls: list[str] = []
    done = threading.Event()
    debounced = Debouncer(lambda v: (calls.append(v), done.set()), delay=0.2)
    for text in ("t", "te", "ten", "tens"):
        debounced(text)
    assert calls == [] and debounced.pending
    assert done.wait(5)
    time.sleep(0.3)
    assert calls == ["tens"] and not debounced.pending


def test_flush_and_cancel():
    calls: list[str] = []
    debounced = Debouncer(calls.append, delay=10)
    debounced("a")
    debounced.flush()
    assert calls == ["a"]
    debounced("b")
    debounced.cancel()
    debounced.flush()
    assert calls == ["a"] and not debounced.pending


def test_in_a_running_loop_the_wait_is_a_timer_of_that_loop():
    calls: list[tuple[str, int]] = []

    async def typing() -> None:
        debounced = Debouncer(lambda v: calls.append((v, threading.get_ident())), delay=0.05)
        debounced("n")
        debounced("nl")
        await asyncio.sleep(0.2)

    asyncio.run(typing())
    assert calls == [("nl", threading.get_ident())]  # on the loop's own thread
