"""The demo catalogue through time: a deterministic function of the clock, exactly today's at the default clock."""

from __future__ import annotations

import calendar
import datetime as dt
import time

import pytest
import requests

from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.demo.catalogue import DATE_FORMAT, FROZEN_CLOCK, default_catalogue, generate_catalogue
from sharedcloud_nb.demo.timeline import Timeline, catalogue_at, clock_text

REFERENCE_RECORDS = ("24b310f8-1405-4928-914f-d5c91272f88a", "2413a0f8-c105-4928-914f-d5c93173f88a")


def _clocks(start: str, days: int, step: int) -> list[str]:
    first = dt.datetime.strptime(start, DATE_FORMAT)
    return [(first + dt.timedelta(days=d)).strftime(DATE_FORMAT) for d in range(0, days, step)]


def _seconds(text: str) -> float:
    return calendar.timegm(time.strptime(text, DATE_FORMAT))


def test_at_the_default_clock_it_is_exactly_todays_catalogue():
    assert catalogue_at() == default_catalogue()
    assert catalogue_at(FROZEN_CLOCK) == default_catalogue()
    assert catalogue_at(dt.datetime(2018, 10, 5, 16, 45, 36)) == default_catalogue()
    listed = {r["uuid"]: r for r in catalogue_at()}
    for uuid in REFERENCE_RECORDS:
        assert listed[uuid] == next(r for r in default_catalogue() if r["uuid"] == uuid)


def test_it_is_deterministic_and_the_clock_is_the_server_time():
    clock = "12-08-2018 08:00:00"
    assert catalogue_at(clock) == catalogue_at(clock)
    assert {r["current_server_time"] for r in catalogue_at(clock)} == {clock}


def test_an_image_is_listed_once_created_and_until_retired():
    for clock in _clocks("01-01-2017 00:00:00", 800, 13):
        now = _seconds(clock)
        for record in catalogue_at(clock):
            assert _seconds(record["created_at"]) <= now
    listed = lambda clock: {r["uuid"] for r in catalogue_at(clock)}  # noqa: E731
    # created 22-09-2018 00:45:50
    assert REFERENCE_RECORDS[0] not in listed("22-09-2018 00:45:49")
    assert REFERENCE_RECORDS[0] in listed("22-09-2018 00:45:50")
    # retired 20-08-2018 09:00:00, listed before
    assert "6a1f3c2e-0b7d-4e5a-9c41-2f8e7d9b3a10" in listed("20-08-2018 08:59:59")
    assert "6a1f3c2e-0b7d-4e5a-9c41-2f8e7d9b3a10" not in listed("20-08-2018 09:00:00")
    # retired after the default clock; new versions appear after it
    assert "e582efbf-be34-4c53-9c77-e87c02332896" not in listed("02-11-2018 00:00:00")
    assert "e1c7b9d3-5a2f-4e8c-b4d6-3f9a1c7e5b20" in listed("09-11-2018 00:00:00")
    # three months before the default clock, some of today's images are not there yet
    assert 30 < len(listed("05-07-2018 16:45:36")) < 48 < len(listed("05-01-2019 00:00:00"))


def test_updates_move_updated_at_and_a_tag_changes():
    def record(clock: str, uuid: str) -> dict:
        return next(r for r in catalogue_at(clock) if r["uuid"] == uuid)

    rc = record("10-08-2018 00:00:00", "acdbcc95-0e2e-4fe3-9f43-b8f682fb1c0a")
    assert rc["tag"] == "1.10-rc" and rc["registry_path"] == "sharedcloud/tensorflow-gpu-python36:1.10-rc"
    assert rc["updated_at"] == rc["created_at"] == "09-08-2018 10:06:57"
    assert "TensorFlow 1.10-rc" in rc["description"]
    released = record("14-08-2018 00:00:00", "acdbcc95-0e2e-4fe3-9f43-b8f682fb1c0a")
    assert released["tag"] == "1.10" and released["updated_at"] == "13-08-2018 17:21:45"
    later = record("20-10-2018 00:00:00", "e99d97c6-3c3b-40fd-8fff-df3ad64e24d6")
    assert later["updated_at"] == "16-10-2018 09:05:11"


def test_installations_grow_and_never_go_down():
    previous: dict[str, int] = {}
    for clock in _clocks("01-06-2017 00:00:00", 700, 3):
        for record in catalogue_at(clock):
            count = record["num_installations"]
            assert count >= previous.get(record["uuid"], 0), (clock, record["uuid"])
            previous[record["uuid"]] = count
    first = {r["uuid"]: r["num_installations"] for r in catalogue_at("05-07-2018 16:45:36")}
    today = {r["uuid"]: r["num_installations"] for r in catalogue_at()}
    assert sum(today[u] for u in first if u in today) > sum(first[u] for u in first if u in today)


def test_clock_text():
    assert clock_text("05-10-2018 16:45:36") == "05-10-2018 16:45:36"
    aware = dt.datetime(2018, 10, 5, 18, 45, 36, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert clock_text(aware) == "05-10-2018 16:45:36"
    with pytest.raises(ValueError):
        clock_text("2018-10-05 16:45:36")
    with pytest.raises(ValueError, match="datetime"):
        clock_text(12)


def test_a_generated_catalogue_moves_through_time_too():
    images = generate_catalogue(2000, seed=3)
    timeline = Timeline(images)
    assert timeline.at(FROZEN_CLOCK) == images
    earlier = timeline.at("05-10-2017 00:00:00")
    assert 0 < len(earlier) < len(images)
    later = timeline.at("05-10-2019 00:00:00")
    assert len(later) < len(images)  # a few retired
    today = {r["uuid"]: r for r in images}
    assert all(r["num_installations"] >= today[r["uuid"]]["num_installations"] for r in later)
    assert sum(r["updated_at"] != today[r["uuid"]]["updated_at"] for r in later) > 20


# -- the server's clock, over real HTTP ----------------------------------------------------------------


def _listing(server: DemoServer) -> list[dict]:
    r = requests.get(server.url + "/api/v1/images/", headers={"Authorization": f"Token {server.token}"}, timeout=10)
    r.raise_for_status()
    return r.json()


def _detail(server: DemoServer, uuid: str) -> requests.Response:
    url = f"{server.url}/api/v1/images/{uuid}/"
    return requests.get(url, headers={"Authorization": f"Token {server.token}"}, timeout=10)


def test_the_default_server_serves_todays_catalogue_verbatim():
    with DemoServer() as server:
        assert server.clock == FROZEN_CLOCK
        assert _listing(server) == default_catalogue()


def test_a_server_at_a_clock_serves_the_catalogue_of_that_time():
    with DemoServer(clock=dt.datetime(2018, 7, 5, 16, 45, 36)) as server:
        assert server.clock == "05-07-2018 16:45:36"
        assert _listing(server) == catalogue_at("05-07-2018 16:45:36")
        assert _detail(server, REFERENCE_RECORDS[0]).status_code == 404  # not created yet
        retired = "6a1f3c2e-0b7d-4e5a-9c41-2f8e7d9b3a10"
        assert _detail(server, retired).json()["tag"] == "1.4"
        server.clock = "05-10-2018 16:45:36"
        assert _listing(server) == default_catalogue()
        assert _detail(server, retired).status_code == 404  # retired since
        assert _detail(server, REFERENCE_RECORDS[0]).json()["current_server_time"] == FROZEN_CLOCK
        assert server.advance(days=30, hours=2) == "04-11-2018 18:45:36"
        listed = _listing(server)
        assert {r["current_server_time"] for r in listed} == {"04-11-2018 18:45:36"}
        assert listed == catalogue_at("04-11-2018 18:45:36")


def test_a_generated_server_moves_through_time_and_pages_follow():
    with (
        DemoServer(size=500, seed=2) as today,
        DemoServer(size=500, seed=2, clock="05-10-2017 00:00:00", page_size=100) as server,
    ):
        assert server.catalogue.page_size == 100
        first = requests.get(
            server.url + "/api/v1/images/", headers={"Authorization": f"Token {server.token}"}, timeout=10
        ).json()
        assert first["count"] == len(server.images) < len(today.images) == 500
        server.clock = FROZEN_CLOCK
        assert server.images == today.images
        assert server.catalogue.page_size == 100


def test_a_live_clock_cannot_be_set():
    server = DemoServer(live_clock=True)
    with pytest.raises(ValueError, match="live"):
        server.clock = FROZEN_CLOCK
    with pytest.raises(ValueError):
        DemoServer(clock=FROZEN_CLOCK, live_clock=True)


def test_cli_clock():
    from sharedcloud_nb.demo.__main__ import build_parser

    assert build_parser().parse_args(["--clock", "05-07-2018 16:45:36"]).clock == "05-07-2018 16:45:36"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--clock", "2018-07-05"])
