"""Progress bars of long calls: shown on slow work only, off in each of three ways, never the token;
and an interrupted call stops at once and leaves nothing half done."""

from __future__ import annotations

import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import _progress

SLOW = 1.3  # seconds of latency: past the bar's delay of about a second
LISTING = "GET /api/v1/images/"


@pytest.fixture
def slow_server(fresh_server):
    fresh_server.inject("latency", SLOW)
    return fresh_server


def _bar_of(capsys) -> str:
    return capsys.readouterr().err


def test_a_slow_listing_shows_a_bar_without_the_token(slow_server, capsys):
    client = sc.Client(slow_server.token, url=slow_server.url)
    frame = client.images()
    err = _bar_of(capsys)
    assert LISTING in err
    assert slow_server.token not in err
    assert len(frame) == len(slow_server.images)


def test_a_slow_list_images_shows_a_bar_too(slow_server, capsys):
    sc.Client(slow_server.token, url=slow_server.url).list_images()
    assert LISTING in _bar_of(capsys)


def test_a_fast_listing_shows_nothing(fresh_server, capsys):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    client.images()
    client.list_images()
    assert _bar_of(capsys) == ""


@pytest.mark.parametrize("way", ["call", "client", "environment"])
def test_progress_can_be_turned_off_three_ways(slow_server, capsys, monkeypatch, way):
    if way == "environment":
        monkeypatch.setenv("SHAREDCLOUD_PROGRESS", "0")
    client = sc.Client(slow_server.token, url=slow_server.url, progress=False if way == "client" else None)
    if way == "call":
        client.images(progress=False)
    else:
        client.images()
    assert _bar_of(capsys) == ""


def test_a_call_can_turn_on_what_the_client_turned_off(slow_server, capsys):
    client = sc.Client(slow_server.token, url=slow_server.url, progress=False)
    client.images(progress=True)
    assert LISTING in _bar_of(capsys)


def test_no_bar_holds_the_token(slow_server, monkeypatch):
    shown = []
    original = _progress.Progress._show

    def keep(self):
        original(self)
        shown.append(self.bar)

    monkeypatch.setattr(_progress.Progress, "_show", keep)
    sc.Client(slow_server.token, url=slow_server.url).images()
    assert shown
    for bar in shown:
        assert slow_server.token not in str(bar) and slow_server.token not in repr(vars(bar))


@pytest.mark.parametrize("call", ["images", "list_images", "snapshot", "images_max_age"])
def test_an_interrupt_while_reading_stops_at_once_and_leaves_nothing(fresh_server, monkeypatch, tmp_path, call):
    store = sc.Store(tmp_path / "store")
    client = sc.Client(fresh_server.token, url=fresh_server.url, store=store)

    def interrupt(self, done, total=None):
        raise KeyboardInterrupt

    run = {
        "images": client.images,
        "list_images": client.list_images,
        "snapshot": client.snapshot,
        "images_max_age": lambda: client.images(max_age="1h"),
    }[call]
    with monkeypatch.context() as patch:
        patch.setattr(_progress.Progress, "update", interrupt)
        with pytest.raises(KeyboardInterrupt):
            run()
    assert store.snapshots().empty if hasattr(store.snapshots(), "empty") else not store.snapshots()
    # The client is whole: the interrupted answer was closed, and the next call reads a full listing.
    assert len(client.images()) == len(fresh_server.images)
    assert len(client.list_images()) == len(fresh_server.images)
