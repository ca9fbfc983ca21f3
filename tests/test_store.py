"""The snapshot store over real HTTP: layout, dtypes, provenance, atomic writes, accounts, corrupt files."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import _demo_registry
from sharedcloud_nb.demo import DEMO_TOKEN, DemoServer
from sharedcloud_nb.store import META_KEY, fingerprint

OTHER_TOKEN = "0123456789abcdef" * 2 + "feedbeef"
THIRD_TOKEN = "f" * 40


@pytest.fixture
def store(tmp_path: Path) -> sc.Store:
    return sc.Store(tmp_path / "store")


def _files(store: sc.Store) -> list[Path]:
    return sorted(store.root.rglob("*.parquet"))


def test_default_path_precedence(monkeypatch, clean_env, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert sc.Store().root == clean_env / ".cache" / "sharedcloud_nb"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert sc.Store().root == clean_env / ".cache" / "sharedcloud_nb"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert sc.Store().root == tmp_path / "xdg" / "sharedcloud_nb"
    monkeypatch.setenv("SHAREDCLOUD_CACHE_DIR", str(tmp_path / "env"))
    assert sc.Store().root == tmp_path / "env"
    assert sc.Store(tmp_path / "arg").root == tmp_path / "arg"
    assert not (tmp_path / "arg").exists()  # nothing is created before a write


def test_snapshot_keeps_every_dtype_and_says_where_it_came_from(store, client):
    taken = store.snapshot(client)
    back = store.load(client=client)
    pd.testing.assert_frame_equal(back, taken, check_exact=True)
    assert back.index.dtype == taken.index.dtype == pd.StringDtype("pyarrow")
    for column in ("runtime", "tag", "repository"):
        assert back[column].cat.categories.dtype == taken[column].cat.categories.dtype
    assert back.attrs["source"] == "demo"
    assert back.attrs["server_time"] == "2018-10-05T16:45:36+00:00"
    assert pd.Timestamp(back.attrs["taken_at"]).tzinfo is not None
    assert Path(back.attrs["snapshot"]) == _files(store)[0]


def test_layout_and_provenance(store, client):
    store.snapshot(client)
    (path,) = _files(store)
    parts = path.relative_to(store.root).parts
    assert parts[:3] == ("host=demo", f"account={fingerprint(DEMO_TOKEN)}", "date=2018-10-05")
    assert parts[3].startswith("164536_") and parts[3].endswith(".parquet")
    meta = json.loads(pq.read_metadata(path).metadata[META_KEY.encode()])
    assert meta["server_url"] == client.url
    assert meta["server_time"] == "2018-10-05T16:45:36+00:00"
    assert meta["rows"] == 48 and meta["demo"] is True
    assert meta["version"] == sc.__version__
    assert meta["account"] == fingerprint(DEMO_TOKEN) and len(meta["account"]) == 16
    listing = store.snapshots()
    assert list(listing.columns) == [
        "host",
        "account",
        "server_time",
        "taken_at",
        "rows",
        "demo",
        "server_url",
        "version",
        "path",
    ]
    assert listing.loc[0, "rows"] == 48 and listing.loc[0, "host"] == "demo"
    assert str(listing["server_time"].dtype) == "datetime64[ns, UTC]"


def test_the_demo_is_one_account_whatever_its_port(store, demo_server):
    with DemoServer() as other:
        store.snapshot(sc.Client(other.token, url=other.url))
    store.snapshot(sc.Client(demo_server.token, url=demo_server.url))
    listing = store.snapshots()
    assert listing["host"].tolist() == ["demo", "demo"]
    assert listing["account"].nunique() == 1


def test_two_accounts_and_two_servers_are_kept_apart(store, demo_server):
    with (
        DemoServer(token=OTHER_TOKEN, clock="01-10-2018 00:00:00") as other,
        DemoServer(host="localhost", token=THIRD_TOKEN, clock="02-10-2018 00:00:00") as real,
    ):
        mine = sc.Client(demo_server.token, url=demo_server.url)
        theirs = sc.Client(other.token, url=other.url)
        # Taken off the list of this process's demo servers, and not the demo token: a server of its own.
        _demo_registry.unregister(real.url)
        remote = sc.Client(real.token, url=f"http://127.0.0.1:{real.port}")
        assert not remote.is_demo
        for client in (mine, theirs, remote):
            store.snapshot(client)
        assert store.load(client=mine).attrs["server_time"].startswith("2018-10-05")
        assert store.load(client=theirs).attrs["server_time"].startswith("2018-10-01")
        assert store.load(client=remote).attrs["server_time"].startswith("2018-10-02")
        assert store.load(client=remote).attrs["source"] == remote.url
        listing = store.snapshots()
        assert sorted(zip(listing["host"], listing["account"], strict=True)) == sorted(
            [
                ("demo", fingerprint(DEMO_TOKEN)),
                ("demo", fingerprint(OTHER_TOKEN)),
                (f"127.0.0.1_{real.port}", fingerprint(real.token)),
            ]
        )
        assert sc.history(store, client=theirs).index.get_level_values("server_time").unique().tolist() == [
            pd.Timestamp("2018-10-01", tz="UTC")
        ]


def test_no_token_byte_in_any_stored_file(store):
    with DemoServer(token=OTHER_TOKEN) as server, DemoServer(host="localhost", token=OTHER_TOKEN[::-1]) as real:
        store.snapshot(sc.Client(server.token, url=server.url))
        store.snapshot(sc.Client(real.token, url=f"http://127.0.0.1:{real.port}"))
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert len(files) == 2
    for path in files:
        data = path.read_bytes()
        for token in (OTHER_TOKEN, OTHER_TOKEN[::-1]):
            for form in (token, token.upper(), token[:16], token[-16:]):
                assert form.encode() not in data
                assert form.encode("utf-16-le") not in data
        for part in path.relative_to(store.root).parts:
            assert OTHER_TOKEN[:8] not in part and OTHER_TOKEN[::-1][:8] not in part


def test_concurrent_writers_in_threads_leave_valid_files(store, client):
    errors: list[BaseException] = []

    def snap() -> None:
        try:
            store.snapshot(client)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=snap) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    files = _files(store)
    assert len(files) == 4
    for path in files:
        assert pq.read_table(path).num_rows == 48
    assert [p for p in store.root.rglob("*") if p.is_file() and p.suffix != ".parquet"] == []


def test_concurrent_writers_in_two_processes_leave_two_valid_files(store, demo_server):
    code = (
        "import sys, sharedcloud_nb as sc\n"
        "client = sc.Client(sys.argv[2], url=sys.argv[3])\n"
        "sc.Store(sys.argv[1]).snapshot(client)\n"
    )
    args = [sys.executable, "-c", code, str(store.root), demo_server.token, demo_server.url]
    processes = [subprocess.Popen(args, stderr=subprocess.PIPE) for _ in range(2)]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    files = _files(store)
    assert len(files) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        listing = store.snapshots()
    # The demo account whatever process took it (the demo token on loopback).
    assert listing["host"].tolist() == ["demo", "demo"] and listing["rows"].tolist() == [48, 48]


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_corrupt_file_is_skipped_with_one_warning_naming_it(store, client):
    with DemoServer(clock="06-10-2018 09:00:00") as later:
        first = store.snapshot(client)
        store.snapshot(sc.Client(later.token, url=later.url))
    newest = _files(store)[-1]
    assert "date=2018-10-06" in str(newest)
    _truncate(newest)
    with pytest.warns(sc.SharedcloudWarning, match=newest.name) as caught:
        back = store.load(client=client)
    assert len(caught) == 1
    pd.testing.assert_frame_equal(back, first)
    with pytest.warns(sc.SharedcloudWarning, match=newest.name) as caught:
        listing = store.snapshots()
    assert len(caught) == 1 and len(listing) == 1
    with pytest.warns(sc.SharedcloudWarning, match=newest.name) as caught:
        history = sc.history(store, client=client)
    assert len(caught) == 1 and len(history) == 48


def test_load_when_picks_the_snapshot_at_or_before(store):
    clocks = ["01-10-2018 12:00:00", "03-10-2018 12:00:00", "05-10-2018 12:00:00"]
    for clock in clocks:
        with DemoServer(clock=clock) as server:
            store.snapshot(sc.Client(server.token, url=server.url))
    client = sc.Client(DEMO_TOKEN, url="http://127.0.0.1:9")  # the demo account, with its server gone
    assert store.load(client=client).attrs["server_time"].startswith("2018-10-05T12")
    assert store.load("04-10-2018 00:00:00", client=client).attrs["server_time"].startswith("2018-10-03T12")
    assert store.load("2018-10-03 12:00:00", client=client).attrs["server_time"].startswith("2018-10-03T12")
    assert store.load(pd.Timestamp("2018-10-02"), client=client).attrs["server_time"].startswith("2018-10-01")
    with pytest.raises(sc.OfflineError, match="No snapshot"):
        store.load("30-09-2018 00:00:00", client=client)
    with pytest.raises(ValueError, match="Not a time"):
        store.load("yesterday", client=client)


def test_load_without_a_client_uses_the_configured_account(store, monkeypatch):
    with DemoServer(token=OTHER_TOKEN, host="localhost") as server:
        _demo_registry.unregister(server.url)  # seen from the client, a server of its own
        url = f"http://127.0.0.1:{server.port}"
        store.snapshot(sc.Client(OTHER_TOKEN, url=url))
    with DemoServer() as demo:
        store.snapshot(sc.Client(demo.token, url=demo.url))
    assert store.load().attrs["source"] == "demo"  # no configuration: the demo account
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", OTHER_TOKEN)
    monkeypatch.setenv("SHAREDCLOUD_URL", url)
    assert store.load().attrs["source"] == url
    monkeypatch.delenv("SHAREDCLOUD_TOKEN")
    with pytest.raises(sc.AuthenticationError):
        store.load()


def test_a_listing_limited_to_an_instance_is_not_a_snapshot(store, client, demo_server):
    with pytest.raises(ValueError, match="whole catalogue"):
        store.save(client.images(instance=demo_server.instances[0]), client=client)
    assert _files(store) == []


def test_duckdb_reads_the_store_as_a_dataset(store, client):
    duckdb = pytest.importorskip("duckdb")
    with DemoServer(token=OTHER_TOKEN, clock="01-10-2018 08:00:00") as other:
        store.snapshot(sc.Client(other.token, url=other.url))
    store.snapshot(client)
    store.snapshot(client)
    query = (
        "SELECT host, account, CAST(date AS VARCHAR) AS date, uuid, name, num_installations, tag "
        f"FROM read_parquet('{store.root}/**/*.parquet', hive_partitioning=true) ORDER BY account, date, uuid, name"
    )
    got = duckdb.sql(query).df()
    assert len(got) == 3 * 48
    expected = []
    for path in _files(store):
        frame = pq.read_table(path).to_pandas()
        host, account, date = (part.split("=", 1)[1] for part in path.relative_to(store.root).parts[:3])
        for uuid, row in frame.iterrows():
            expected.append((host, account, date, uuid, row["name"], int(row["num_installations"]), row["tag"]))
    rows = sorted(
        (r.host, r.account, r.date, r.uuid, r.name, int(r.num_installations), r.tag) for r in got.itertuples()
    )
    assert rows == sorted(expected)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1.5h", 5400), (30, 30), (2.5, 2.5), ("10", 10)],
)
def test_max_age_forms(value, seconds):
    from sharedcloud_nb.store import parse_max_age

    assert parse_max_age(value).total_seconds() == seconds


@pytest.mark.parametrize("value", ["soon", "-1s", -5, True, "2 hours"])
def test_max_age_refused(value):
    from sharedcloud_nb.store import parse_max_age

    with pytest.raises(ValueError, match="age"):
        parse_max_age(value)


def test_recent_serves_a_young_snapshot_only(store, client):
    assert store.recent(client, "1h") is None
    taken = store.snapshot(client)
    young = store.recent(client, "1h")
    assert young is not None and young.attrs["snapshot"] == taken.attrs["snapshot"]
    pd.testing.assert_frame_equal(young, taken)
    assert store.recent(client, 0) is None
