"""The client and the store together: snapshot(), images(max_age=...), and offline mode that sends nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import _warn
from sharedcloud_nb.demo import DemoServer

TOKEN = "a1" * 20
REFERENCE = "24b310f8-1405-4928-914f-d5c91272f88a"


@pytest.fixture
def store(tmp_path: Path) -> sc.Store:
    return sc.Store(tmp_path / "store")


@pytest.fixture
def server():
    with DemoServer(token=TOKEN, clock="05-07-2018 16:45:36") as server:
        yield server


def _requests(server: DemoServer) -> int:
    return sum(1 for r in server.requests if r.path.startswith("/api/"))


def test_snapshot_fetches_stores_and_returns_the_frame(store, server):
    client = sc.connect(TOKEN, url=server.url, store=store)
    frame = client.snapshot()
    assert len(frame) == len(server.images)
    assert frame.attrs["source"] == "demo"
    assert frame.attrs["server_time"] == "2018-07-05T16:45:36+00:00"
    assert Path(frame.attrs["snapshot"]).is_file()
    pd.testing.assert_frame_equal(store.load(client=client), frame)


def test_the_store_argument_takes_a_path_and_defaults_to_the_cache(tmp_path, monkeypatch, server):
    client = sc.connect(TOKEN, url=server.url, store=tmp_path / "here")
    client.snapshot()
    assert list((tmp_path / "here").rglob("*.parquet"))
    monkeypatch.setenv("SHAREDCLOUD_CACHE_DIR", str(tmp_path / "cache"))
    sc.connect(TOKEN, url=server.url).snapshot()
    assert list((tmp_path / "cache").rglob("*.parquet"))


@pytest.mark.parametrize("max_age", ["1h", "90s", "1d", 3600, dt.timedelta(minutes=5)])
def test_images_max_age_serves_a_young_snapshot_without_a_request(store, server, max_age):
    client = sc.connect(TOKEN, url=server.url, store=store)
    first = client.images(max_age=max_age)  # nothing stored yet: fetched and stored
    assert len(list(store.root.rglob("*.parquet"))) == 1
    before = _requests(server)
    again = client.images(max_age=max_age)
    assert _requests(server) == before
    pd.testing.assert_frame_equal(again, first)
    assert again.attrs["taken_at"] == first.attrs["taken_at"]


def test_images_max_age_fetches_when_the_snapshot_is_too_old(store, server):
    client = sc.connect(TOKEN, url=server.url, store=store)
    client.images(max_age="1h")
    server.advance(days=7)
    before = _requests(server)
    frame = client.images(max_age=0)
    assert _requests(server) == before + 1
    assert frame.attrs["server_time"].startswith("2018-07-12")
    assert len(list(store.root.rglob("*.parquet"))) == 2
    with pytest.raises(ValueError, match="age"):
        client.images(max_age="soon")


def test_images_without_max_age_never_touches_the_store(store, server):
    sc.connect(TOKEN, url=server.url, store=store).images()
    assert not store.root.exists()


def test_offline_serves_the_newest_snapshot_with_the_server_stopped(store):
    with DemoServer(token=TOKEN, clock="05-07-2018 16:45:36") as server:
        online = sc.connect(TOKEN, url=server.url, store=store)
        online.snapshot()
        server.advance(days=14)
        newest = online.snapshot()
        url = server.url
    offline = sc.connect(TOKEN, url=url, store=store, offline=True)
    assert "offline" in repr(offline) and TOKEN not in repr(offline)
    frame = offline.images()
    pd.testing.assert_frame_equal(frame, newest)
    assert frame.attrs["server_time"].startswith("2018-07-19")
    first_uuid = frame.index[0]
    series = offline.image(first_uuid)
    assert series.name == first_uuid and series["name"] == frame.iloc[0]["name"]
    with pytest.raises(sc.NotFoundError, match="no request"):
        offline.image("11111111-2222-4333-8444-555555555555")
    with pytest.raises(ValueError):
        offline.image("not-a-uuid")
    with pytest.raises(sc.OfflineError):
        offline.snapshot()


def test_offline_from_the_environment(store, monkeypatch, server):
    sc.connect(TOKEN, url=server.url, store=store).snapshot()
    monkeypatch.setenv("SHAREDCLOUD_OFFLINE", "1")
    client = sc.connect(TOKEN, url=server.url, store=store)
    before = _requests(server)
    assert len(client.images()) == len(server.images)
    assert _requests(server) == before


def test_offline_without_a_snapshot_is_an_offline_error(store):
    client = sc.connect(TOKEN, url="https://sharedcloud.io", store=store, offline=True)
    with pytest.raises(sc.OfflineError, match="No snapshot"):
        client.images()
    with pytest.raises(sc.OfflineError):
        client.image(REFERENCE)


def test_offline_without_a_token_serves_the_demo_account_and_starts_no_server(store, capsys):
    from sharedcloud_nb.demo import running_urls

    with DemoServer() as demo:
        sc.Client(demo.token, url=demo.url, store=store).snapshot()
    with DemoServer(token=TOKEN) as other:  # another account: never served as the demo's
        sc.connect(TOKEN, url=other.url, store=store).snapshot()
    running = running_urls()
    _warn.forget_demo_warning()  # as in a fresh process, where nothing has said "demo" yet
    with pytest.warns(sc.DemoDataWarning, match="Offline, serving the built-in demo catalogue"):
        client = sc.connect(store=store, offline=True)
    assert running_urls() == running  # no demo server started
    assert capsys.readouterr().out == ""
    frame = client.images()
    assert frame.attrs["source"] == "demo" and len(frame) == 48
    assert client.image(REFERENCE)["name"] == "web-crawling"


def test_offline_listing_of_an_instance_is_refused(store, server):
    sc.connect(TOKEN, url=server.url, store=store).snapshot()
    client = sc.connect(TOKEN, url=server.url, store=store, offline=True)
    with pytest.raises(sc.OfflineError, match="instance"):
        client.images(instance=server.instances[0])
