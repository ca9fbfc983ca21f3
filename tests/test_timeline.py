"""sc.history and sc.diff over snapshots taken over real HTTP."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb.demo import DemoServer

CLOCKS = ["01-10-2018 12:00:00", "03-10-2018 12:00:00", "05-10-2018 12:00:00"]


@pytest.fixture
def store(tmp_path: Path) -> sc.Store:
    store = sc.Store(tmp_path / "store")
    for clock in CLOCKS:
        with DemoServer(clock=clock) as server:
            store.snapshot(sc.Client(server.token, url=server.url))
    return store


@pytest.fixture
def demo_client(demo_server):
    return sc.Client(demo_server.token, url=demo_server.url)


def test_history_is_a_long_typed_frame(store, demo_client):
    history = sc.history(store, columns=("num_installations", "tag", "created_at"), client=demo_client)
    assert history.index.names == ["server_time", "uuid"]
    assert str(history.index.levels[0].dtype) == "datetime64[ns, UTC]"
    assert history.index.levels[1].dtype == pd.StringDtype("pyarrow")
    assert list(history.columns) == ["num_installations", "tag", "created_at"]
    assert str(history["num_installations"].dtype) == "Int64"
    assert str(history["tag"].dtype) == "category"
    assert str(history["created_at"].dtype) == "datetime64[ns, UTC]"
    assert history.index.get_level_values("server_time").is_monotonic_increasing
    assert not history.index.duplicated().any()
    times = history.index.get_level_values("server_time").unique()
    assert [f"{t:%d-%m-%Y %H:%M:%S}" for t in times] == CLOCKS
    one = history.xs("24b310f8-1405-4928-914f-d5c91272f88a", level="uuid")
    assert len(one) == 3


def test_two_snapshots_at_one_server_time_count_once(store, demo_client):
    with DemoServer(clock=CLOCKS[-1]) as server:
        again = store.snapshot(sc.Client(server.token, url=server.url))
    history = sc.history(store, since=CLOCKS[-1], client=demo_client)
    assert len(history) == len(again) and not history.index.duplicated().any()


def test_history_defaults_to_installations_of_the_configured_account(store):
    history = sc.history(store)  # no configuration: the demo account
    assert list(history.columns) == ["num_installations"]
    assert len(history) == sum(len(sc.Store(store.root).load(c)) for c in CLOCKS)


def test_history_since_until_are_inclusive_and_prune_folders(store, demo_client):
    # A broken file outside the range is never opened: no warning.
    first = sorted(store.root.rglob("*.parquet"))[0]
    assert "date=2018-10-01" in str(first)
    first.write_bytes(b"not parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = sc.history(store, since="03-10-2018 12:00:00", until="2018-10-05", client=demo_client)
    times = history.index.get_level_values("server_time").unique()
    assert list(times) == [pd.Timestamp("2018-10-03 12:00:00", tz="UTC")]
    with pytest.warns(sc.SharedcloudWarning, match="not readable|unreadable"):
        sc.history(store, until="2018-10-02", client=demo_client)


def test_history_of_an_empty_store_and_unknown_columns(tmp_path, demo_client):
    empty = sc.history(tmp_path / "nothing", columns=("num_installations", "tag"), client=demo_client)
    assert empty.empty and list(empty.columns) == ["num_installations", "tag"]
    assert empty.index.names == ["server_time", "uuid"]
    with pytest.raises(ValueError, match="Unknown column 'stars'"):
        sc.history(tmp_path, columns=("stars",), client=demo_client)


def _changed_listing(frame: pd.DataFrame) -> pd.DataFrame:
    new = frame.iloc[1:].copy()  # the first image is gone
    uuid = new.index[0]
    new.loc[uuid, "num_installations"] = new.loc[uuid, "num_installations"] + 7
    new.loc[uuid, "updated_at"] = pd.Timestamp("2018-10-05 10:00:00", tz="UTC")
    new.loc[uuid, "age"] = pd.Timedelta(days=1)  # derived: not compared
    extra = frame.iloc[:1].copy()
    extra.index = pd.Index(["11111111-2222-4333-8444-555555555555"], dtype=frame.index.dtype, name="uuid")
    return pd.concat([new, extra])


def test_diff_of_two_frames(client):
    old = client.images()
    new = _changed_listing(old)
    diff = sc.diff(old, new)
    assert diff.added.index.tolist() == ["11111111-2222-4333-8444-555555555555"]
    assert diff.removed.index.tolist() == [old.index[0]]
    assert diff.added.dtypes.equals(old.dtypes) and diff.removed.dtypes.equals(old.dtypes)
    changed = diff.changed
    assert list(changed.columns) == ["uuid", "field", "old", "new"]
    assert changed["field"].tolist() == ["num_installations", "updated_at"]
    count = changed.iloc[0]
    assert (count["old"], count["new"]) == (old.iloc[1]["num_installations"], old.iloc[1]["num_installations"] + 7)
    assert isinstance(count["new"], int)
    assert isinstance(changed.iloc[1]["new"], pd.Timestamp)
    assert diff.counts() == {"added": 1, "removed": 1, "changed": 1}
    summary = diff.summary().splitlines()
    assert summary[1:] == [
        "added: 1 image",
        "removed: 1 image",
        "changed: 1 image (num_installations 1, updated_at 1)",
    ]
    html = diff._repr_html_()
    assert "Added" in html and "Removed" in html and "num_installations" in html
    assert "changed: 1 image" in repr(diff)


def test_diff_of_the_same_listing_is_empty(client):
    frame = client.images()
    diff = sc.diff(frame, frame.copy())
    assert diff.counts() == {"added": 0, "removed": 0, "changed": 0}
    assert diff.changed.empty and list(diff.changed.columns) == ["uuid", "field", "old", "new"]
    assert "changed: 0 images" in diff.summary()


def test_diff_of_snapshot_times(store, demo_client):
    diff = sc.diff("01-10-2018 12:00:00", "2018-10-05 12:00", store=store, client=demo_client)
    assert diff.summary().splitlines()[0] == "from 2018-10-01 12:00:00 to 2018-10-05 12:00:00"
    assert diff.old.attrs["server_time"].startswith("2018-10-01")
    assert diff.new.attrs["server_time"].startswith("2018-10-05")
    with pytest.raises(sc.OfflineError):
        sc.diff("01-01-2017 00:00:00", "05-10-2018 12:00:00", store=store, client=demo_client)


def test_diff_compares_a_missing_value_with_a_present_one(client):
    old = client.images()
    new = old.copy()
    new.loc[new.index[2], "description"] = pd.NA
    diff = sc.diff(old, new)
    assert diff.changed["field"].tolist() == ["description"]
    assert diff.changed.iloc[0]["new"] is pd.NA


def test_catalogue_sizes_and_installation_gains(weekly_store, tmp_path):
    from sharedcloud_nb.timeline import catalogue_sizes, installation_gains

    store, client = weekly_store
    history = sc.history(store, columns=("num_installations",), client=client)
    sizes = catalogue_sizes(history)
    assert len(sizes) == 14 and sizes.index.name == "server_time"
    assert sizes["listed"].iloc[-1] == 48 and sizes["listed"].iloc[0] == 38
    assert sizes[["added", "removed"]].iloc[0].tolist() == [0, 0]
    # every week: listed = listed before + added - removed
    assert (sizes["listed"].diff().iloc[1:] == (sizes["added"] - sizes["removed"]).iloc[1:]).all()
    assert sizes["removed"].sum() == 4  # the four images retired between July and October
    gains = installation_gains(history)
    assert list(gains.columns) == ["first", "last", "gain"]
    assert gains["gain"].is_monotonic_decreasing and (gains["gain"] >= 0).all()
    assert gains.index[0] == "ff0b3e02-0f2d-4dbd-b430-159ae87cda66"  # tensorflow python36 latest
    empty = sc.history(tmp_path / "none", client=client)
    assert catalogue_sizes(empty).empty and installation_gains(empty).empty
    with pytest.raises(TypeError, match="history frame"):
        catalogue_sizes(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="num_installations"):
        installation_gains(sc.history(store, columns=("tag",), client=client))
