"""Every warning of the package points at the user's line, whichever public function raised it."""

from __future__ import annotations

import inspect
import io
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import client as client_module
from sharedcloud_nb import frames
from sharedcloud_nb._warn import user_stacklevel
from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.demo.catalogue import default_catalogue

BAD_RECORD = {"uuid": "24b310f8-1405-4928-914f-d5c91272f88a", "name": 42, "created_at": "31-02-2018 10:00:00"}


@pytest.fixture(scope="module")
def us_dates() -> Iterator[DemoServer]:
    """Well-formed records whose dates are month first: Arrow reads the JSON, the dates warn."""
    with DemoServer(faults=["dates:us"]) as server:
        yield server


@pytest.fixture(scope="module")
def bad_types() -> Iterator[DemoServer]:
    """Every other record has values of the wrong type: the careful path warns."""
    with DemoServer(faults=["bad-records:type"]) as server:
        yield server


def _warnings_of(call: Callable[[], Any]) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    ours = [w for w in caught if issubclass(w.category, sc.SharedcloudWarning)]
    assert ours, "the call gave no SharedcloudWarning"
    return ours


def _assert_at_this_file(caught: list[warnings.WarningMessage]) -> None:
    assert [(w.filename, str(w.message)) for w in caught] == [(__file__, str(w.message)) for w in caught]


def _line() -> int:
    """The caller's line number."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


def test_images_frame_warns_at_the_callers_line() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = _line() + 1
        sc.images_frame([BAD_RECORD])
    assert caught and {(w.filename, w.lineno) for w in caught} == {(__file__, line)}


def test_parse_dates_warns_at_the_callers_line() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = _line() + 1
        frames.parse_dates(["05-10-2018 16:45:36", "nope"])
    assert [(w.filename, w.lineno) for w in caught] == [(__file__, line)]


def test_images_frame_from_json_warns_at_the_callers_line() -> None:
    records = default_catalogue()
    records[0]["created_at"] = "not a date"
    _assert_at_this_file(_warnings_of(lambda: frames.images_frame_from_json(orjson.dumps(records))))


def test_image_series_warns_at_the_callers_line() -> None:
    _assert_at_this_file(_warnings_of(lambda: frames.image_series(BAD_RECORD)))


def test_client_images_on_the_arrow_path(us_dates: DemoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the listing should have been read straight from its JSON")

    monkeypatch.setattr(client_module, "images_frame", refuse)
    client = sc.Client(us_dates.token, url=us_dates.url)
    caught = _warnings_of(client.images)
    assert len(caught) == 3  # the three date fields
    _assert_at_this_file(caught)


def test_client_images_on_the_careful_path(bad_types: DemoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        return None  # as if Arrow could not vouch for the listing

    monkeypatch.setattr(client_module, "images_frame_from_stream", refuse)
    client = sc.Client(bad_types.token, url=bad_types.url)
    caught = _warnings_of(client.images)
    assert len(caught) == 3  # name, requires_gpu, num_installations
    _assert_at_this_file(caught)


def test_client_image(bad_types: DemoServer) -> None:
    client = sc.Client(bad_types.token, url=bad_types.url)
    uuid = bad_types.images[0]["uuid"]
    _assert_at_this_file(_warnings_of(lambda: client.image(uuid)))


def test_a_call_through_the_users_own_helper_points_at_the_helper() -> None:
    def load(records: list[dict[str, Any]]) -> Any:
        return sc.images_frame(records)  # the user's line: the first frame outside the package

    caught = _warnings_of(lambda: load([BAD_RECORD]))
    assert {w.lineno for w in caught} == {load.__code__.co_firstlineno + 1}


def test_errors_filter_raises_at_the_users_line() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", sc.SharedcloudWarning)
        with pytest.raises(sc.SharedcloudWarning, match="name: 1 of 1 values are not strings"):
            sc.images_frame([BAD_RECORD])


def test_read_images_csv_does_not_warn() -> None:
    buffer = io.StringIO()
    frames.write_images_csv(sc.images_frame(default_catalogue()), buffer)
    buffer.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frames.read_images_csv(buffer)


def test_user_stacklevel_outside_the_package_is_one() -> None:
    assert user_stacklevel() == 1


@pytest.fixture
def store_with_a_corrupt_file(tmp_path: Path, client: sc.Client) -> sc.Store:
    """A store of two snapshots, the newer cut in half."""
    store = sc.Store(tmp_path / "store")
    with DemoServer(clock="06-10-2018 09:00:00") as later:
        store.snapshot(client)
        store.snapshot(sc.Client(later.token, url=later.url))
    newest = sorted(store.root.rglob("*.parquet"))[-1]
    newest.write_bytes(newest.read_bytes()[:100])
    return store


@pytest.mark.parametrize(
    "way_in",
    [
        lambda store, client: store.snapshots(),
        lambda store, client: store.load(client=client),
        lambda store, client: sc.history(store, client=client),
    ],
    ids=["store.snapshots", "store.load", "sc.history"],
)
def test_the_store_warns_at_the_callers_line(
    store_with_a_corrupt_file: sc.Store, client: sc.Client, way_in: Callable[[sc.Store, sc.Client], Any]
) -> None:
    caught = _warnings_of(lambda: way_in(store_with_a_corrupt_file, client))
    assert len(caught) == 1 and "Skipped the unreadable snapshot file" in str(caught[0].message)
    _assert_at_this_file(caught)
