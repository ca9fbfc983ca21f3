"""The demo API over real HTTP: endpoints, DRF's answers, pagination, clocks, catalogues, faults, CLI."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import requests

from sharedcloud_nb.demo import (
    DEMO_INSTANCES,
    DEMO_TOKEN,
    FIELDS,
    FROZEN_CLOCK,
    DemoServer,
    Response,
    default_catalogue,
    default_downloads,
    generate_catalogue,
    generate_downloads,
    running_urls,
)

FMT = "%d-%m-%Y %H:%M:%S"
LIST = "/api/v1/images/"
LOGIN = "/api/v1/api-token-auth/"

# The two records of api/images-endpoints.md, verbatim.
REFERENCE_LIST_RECORD = {
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
REFERENCE_DETAIL_RECORD = {
    "uuid": "2413a0f8-c105-4928-914f-d5c93173f88a",
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
KEY_ORDER = [
    "uuid", "current_server_time", "num_installations", "registry_path", "updated_at", "created_at",
    "name", "description", "requires_gpu", "runtime", "tag",
]  # fmt: skip
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer() as s:
        yield s


@pytest.fixture
def own_server() -> Iterator[DemoServer]:
    with DemoServer() as s:
        yield s


def auth(token: str = DEMO_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def get(server: DemoServer, path: str, headers: dict[str, str] | None = None, **kwargs) -> requests.Response:
    kwargs.setdefault("timeout", 10)
    return requests.get(server.url + path, headers=auth() if headers is None else headers, **kwargs)


def parse(value: str) -> datetime:
    return datetime.strptime(value, FMT).replace(tzinfo=timezone.utc)


# -- endpoints -------------------------------------------------------------------------------------


def test_server_attributes(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url) and server.port != 0
    assert re.fullmatch(r"[0-9a-f]{40}", server.token)
    assert (server.username, server.password) == ("demo", "demo-password")
    assert server.instances == list(DEMO_INSTANCES)
    assert server.url in running_urls()
    assert server.token not in repr(server)


def test_list_serves_the_catalogue_as_json(server):
    r = get(server, LIST)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert int(r.headers["Content-Length"]) == len(r.content)
    records = r.json()
    assert records == server.images == default_catalogue()
    assert all(list(record) == KEY_ORDER for record in records)
    assert REFERENCE_LIST_RECORD in records and REFERENCE_DETAIL_RECORD in records


def test_detail_serves_the_reference_record_verbatim(server):
    r = get(server, LIST + REFERENCE_DETAIL_RECORD["uuid"] + "/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == REFERENCE_DETAIL_RECORD
    assert list(r.json()) == KEY_ORDER


def test_head_gives_the_length_without_a_body(server):
    r = requests.head(server.url + LIST, headers=auth(), timeout=10)
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["Content-Length"]) == len(get(server, LIST).content)


def test_keep_alive_serves_several_requests_on_one_connection(server):
    with requests.Session() as session:
        for _ in range(3):
            r = session.get(server.url + LIST, headers=auth(), timeout=10)
            assert r.status_code == 200 and len(r.json()) == 48
        assert r.raw.version == 11


@pytest.mark.parametrize(
    "path",
    [
        LIST + "00000000-0000-4000-8000-000000000000/",  # a valid uuid nobody has
        LIST + "not-a-uuid/",
        LIST + REFERENCE_DETAIL_RECORD["uuid"].upper() + "/",
        "/api/v1/instances/",
        "/",
        "/api/v1/images/x/y/",
    ],
)
def test_not_found(server, path):
    r = get(server, path)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"detail": "Not found."}


# -- authentication --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"Authorization": "Bearer " + DEMO_TOKEN}, "Authentication credentials were not provided."),
        ({"Authorization": "Token " + "0" * 40}, "Invalid token."),
        ({"Authorization": "Token"}, "Invalid token header. No credentials provided."),
        ({"Authorization": "Token a b"}, "Invalid token header. Token string should not contain spaces."),
    ],
)
@pytest.mark.parametrize("path", [LIST, LIST + REFERENCE_DETAIL_RECORD["uuid"] + "/", LIST + "unknown/"])
def test_auth_failures_are_drf_401s(server, headers, detail, path):
    r = get(server, path, headers=headers)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Token"
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"detail": detail}


def test_the_token_keyword_is_case_insensitive_like_drf(server):
    assert get(server, LIST, headers={"Authorization": f"token {server.token}"}).status_code == 200


def test_request_log_shows_what_was_sent(own_server):
    get(own_server, LIST, headers={})
    get(own_server, LIST + "?instance=" + DEMO_INSTANCES[0])
    (m1, p1, h1), (m2, p2, h2) = own_server.requests
    assert (m1, p1) == ("GET", LIST) and "Authorization" not in h1 and "authorization" not in h1
    assert (m2, p2) == ("GET", LIST + "?instance=" + DEMO_INSTANCES[0])
    assert h2["authorization"] == "Token <hidden>"  # the log keeps no credential...
    assert own_server.requests[1].authorized and not own_server.requests[0].authorized  # ...but knows it was sent
    own_server.clear_requests()
    assert own_server.requests == []


# -- methods and redirects -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", [LIST, LIST + REFERENCE_DETAIL_RECORD["uuid"] + "/"])
def test_other_methods_are_405_once_authenticated(server, method, path):
    r = requests.request(method, server.url + path, headers=auth(), timeout=10)
    assert r.status_code == 405
    assert r.json() == {"detail": f'Method "{method}" not allowed.'}
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_other_methods_are_401_without_credentials(server, method):
    r = requests.request(method, server.url + LIST, timeout=10)
    assert r.status_code == 401
    assert r.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/api/v1/images", "/api/v1/images/"),
        ("/api/v1/images?instance=" + DEMO_INSTANCES[0], "/api/v1/images/?instance=" + DEMO_INSTANCES[0]),
        (
            "/api/v1/images/" + REFERENCE_DETAIL_RECORD["uuid"],
            "/api/v1/images/" + REFERENCE_DETAIL_RECORD["uuid"] + "/",
        ),
        ("/api/v1/api-token-auth", "/api/v1/api-token-auth/"),
    ],
)
def test_missing_trailing_slash_is_a_301_before_auth(server, path, location):
    r = requests.get(server.url + path, allow_redirects=False, timeout=10)
    assert r.status_code == 301
    assert r.headers["Location"] == location


def test_redirect_leads_to_the_answer(server):
    r = get(server, "/api/v1/images?instance=" + DEMO_INSTANCES[1])
    assert r.status_code == 200 and [h.status_code for h in r.history] == [301]
    assert len(r.json()) == 5


def test_unknown_path_without_slash_is_404_not_301(server):
    r = requests.get(server.url + "/api/v1/nothing", allow_redirects=False, timeout=10)
    assert r.status_code == 404 and r.json() == {"detail": "Not found."}


# -- login -----------------------------------------------------------------------------------------


def test_login_form_encoded(server):
    r = requests.post(server.url + LOGIN, data={"username": "demo", "password": "demo-password"}, timeout=10)
    assert r.status_code == 200 and r.json() == {"token": server.token}


def test_login_json(server):
    r = requests.post(server.url + LOGIN, json={"username": "demo", "password": "demo-password"}, timeout=10)
    assert r.status_code == 200 and r.json() == {"token": server.token}


def test_login_multipart(server):
    files = {"username": (None, "demo"), "password": (None, "demo-password")}
    r = requests.post(server.url + LOGIN, files=files, timeout=10)
    assert r.status_code == 200 and r.json() == {"token": server.token}


@pytest.mark.parametrize(
    ("data", "status", "answer"),
    [
        (
            {"username": "demo", "password": "wrong"},
            400,
            {"non_field_errors": ["Unable to log in with provided credentials."]},
        ),
        (
            {"username": "someone", "password": "demo-password"},
            400,
            {"non_field_errors": ["Unable to log in with provided credentials."]},
        ),
        ({"password": "demo-password"}, 400, {"username": ["This field is required."]}),
        ({"username": "demo"}, 400, {"password": ["This field is required."]}),
        ({}, 400, {"username": ["This field is required."], "password": ["This field is required."]}),
        ({"username": "", "password": "demo-password"}, 400, {"username": ["This field may not be blank."]}),
    ],
)
@pytest.mark.parametrize("encoding", ["data", "json"])
def test_login_refusals(server, data, status, answer, encoding):
    r = requests.post(server.url + LOGIN, **{encoding: data}, timeout=10)
    assert r.status_code == status
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == answer


def test_login_needs_no_auth_and_is_post_only(server):
    r = requests.get(server.url + LOGIN, timeout=10)
    assert r.status_code == 405 and r.json() == {"detail": 'Method "GET" not allowed.'}
    r = requests.post(server.url + LOGIN, data={"username": "demo", "password": "demo-password"}, timeout=10)
    assert r.status_code == 200


def test_login_refuses_a_malformed_token_header_like_drf(server):
    r = requests.post(
        server.url + LOGIN,
        data={"username": "demo", "password": "demo-password"},
        headers={"Authorization": "Token stale"},
        timeout=10,
    )
    assert r.status_code == 401 and r.json() == {"detail": "Invalid token."}


def test_login_bad_json_and_media_type(server):
    r = requests.post(server.url + LOGIN, data=b"{nope", headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("JSON parse error - ")
    r = requests.post(server.url + LOGIN, data=b"demo", headers={"Content-Type": "text/plain"}, timeout=10)
    assert r.status_code == 415 and r.json() == {"detail": 'Unsupported media type "text/plain" in request.'}


# -- instance filter -------------------------------------------------------------------------------


def test_instance_filter(server):
    first = get(server, LIST, params={"instance": DEMO_INSTANCES[0]}).json()
    second = get(server, LIST, params={"instance": DEMO_INSTANCES[1]}).json()
    assert (len(first), len(second)) == (7, 5)
    assert len({r["uuid"] for r in first} & {r["uuid"] for r in second}) == 2
    assert [r["uuid"] for r in first] == default_downloads()[DEMO_INSTANCES[0]]
    assert REFERENCE_LIST_RECORD in first and REFERENCE_LIST_RECORD in second
    order = [r["uuid"] for r in server.images]
    assert [r["uuid"] for r in first] == [u for u in order if u in {r["uuid"] for r in first}]


def test_instance_filter_accepts_any_uuid_spelling(server):
    spelled = DEMO_INSTANCES[1].upper().replace("-", "")
    assert len(get(server, LIST, params={"instance": spelled}).json()) == 5


def test_unknown_instance_gives_an_empty_list(server):
    r = get(server, LIST, params={"instance": "00000000-0000-4000-8000-000000000000"})
    assert r.status_code == 200 and r.json() == []


def test_empty_instance_is_no_filter(server):
    assert len(get(server, LIST + "?instance=").json()) == 48


def test_malformed_instance_is_a_400(server):
    r = get(server, LIST, params={"instance": "x"})
    assert r.status_code == 400
    assert r.json() == {"instance": ["“x” is not a valid UUID."]}


# -- pagination ------------------------------------------------------------------------------------


def test_pagination_follows_drf():
    with DemoServer(page_size=10) as server:
        first = get(server, LIST).json()
        assert list(first) == ["count", "next", "previous", "results"]
        assert first["count"] == 48 and first["previous"] is None
        assert first["next"] == f"{server.url}{LIST}?page=2"
        records, url, pages = [], server.url + LIST, 0
        while url:
            page = requests.get(url, headers=auth(), timeout=10).json()
            records += page["results"]
            url, pages = page["next"], pages + 1
        assert pages == 5 and records == server.images
        second = get(server, LIST + "?page=2").json()
        assert second["previous"] == server.url + LIST  # DRF drops page=1
        third = get(server, LIST + "?page=3").json()
        assert third["previous"] == f"{server.url}{LIST}?page=2"
        last = get(server, LIST + "?page=last").json()
        assert last["next"] is None and len(last["results"]) == 8
        for bad in ("6", "0", "abc"):
            r = get(server, LIST + "?page=" + bad)
            assert r.status_code == 404 and r.json() == {"detail": "Invalid page."}


def test_pagination_keeps_the_filter_in_links():
    with DemoServer(page_size=3) as server:
        instance = DEMO_INSTANCES[0]
        page = get(server, LIST, params={"instance": instance}).json()
        assert page["count"] == 7
        assert page["next"] == f"{server.url}{LIST}?instance={instance}&page=2"
        page = requests.get(page["next"], headers=auth(), timeout=10).json()
        assert page["previous"] == f"{server.url}{LIST}?instance={instance}"
        empty = get(server, LIST, params={"instance": str(uuid.UUID(int=4))}).json()
        assert empty == {"count": 0, "next": None, "previous": None, "results": []}


# -- clocks ----------------------------------------------------------------------------------------


def test_frozen_clock_in_every_record(server):
    assert FROZEN_CLOCK == "05-10-2018 16:45:36"
    assert {r["current_server_time"] for r in get(server, LIST).json()} == {FROZEN_CLOCK}
    assert server.current_server_time() == FROZEN_CLOCK


def test_a_chosen_frozen_clock():
    with DemoServer(clock="01-01-2019 00:00:00") as server:
        assert get(server, LIST).json()[0]["current_server_time"] == "01-01-2019 00:00:00"
    with pytest.raises(ValueError):
        DemoServer(clock="2019-01-01T00:00:00")
    with pytest.raises(ValueError):
        DemoServer(clock=FROZEN_CLOCK, live_clock=True)


def test_live_clock_is_the_real_utc_clock():
    with DemoServer(live_clock=True) as server:
        time.sleep(1.1)  # past the second the body was encoded in
        now = datetime.now(timezone.utc)
        for path in (LIST, LIST + REFERENCE_DETAIL_RECORD["uuid"] + "/"):
            body = get(server, path).json()
            for record in body if isinstance(body, list) else [body]:
                served = parse(record["current_server_time"])
                assert record["current_server_time"] != FROZEN_CLOCK
                assert abs(served - now) < timedelta(seconds=5)
        records = get(server, LIST).json()
        assert len({r["current_server_time"] for r in records}) == 1
        assert [r["created_at"] for r in records] == [r["created_at"] for r in server.images]


def test_live_clock_in_pages():
    with DemoServer(live_clock=True, page_size=5) as server:
        time.sleep(1.1)
        page = get(server, LIST).json()
        assert abs(parse(page["results"][0]["current_server_time"]) - datetime.now(timezone.utc)) < timedelta(seconds=5)


# -- faults ----------------------------------------------------------------------------------------


def test_fail_next_answers_n_requests_then_resumes(own_server):
    own_server.fail_next(2, 503, body=b'{"detail": "Busy."}', headers={"Retry-After": "0"})
    for path in (LIST, "/anything/"):
        r = get(own_server, path)
        assert r.status_code == 503 and r.json() == {"detail": "Busy."}
        assert r.headers["Retry-After"] == "0" and r.headers["Content-Type"] == "application/json"
    assert get(own_server, LIST).status_code == 200
    assert len(own_server.requests) == 3


def test_add_fault_can_pick_its_requests(own_server):
    def only_detail(request):
        return Response(500, "oops", {"Content-Type": "text/plain"}) if request.path != LIST else None

    own_server.add_fault(only_detail, times=None)
    assert get(own_server, LIST).status_code == 200
    r = get(own_server, LIST + REFERENCE_DETAIL_RECORD["uuid"] + "/")
    assert (r.status_code, r.text, r.headers["Content-Type"]) == (500, "oops", "text/plain")
    assert get(own_server, LIST + REFERENCE_DETAIL_RECORD["uuid"] + "/").status_code == 500
    own_server.clear_faults()
    assert get(own_server, LIST + REFERENCE_DETAIL_RECORD["uuid"] + "/").status_code == 200


def test_delay_makes_clients_time_out(own_server):
    own_server.delay = 0.5
    with pytest.raises(requests.Timeout):
        get(own_server, LIST, timeout=0.1)
    own_server.delay = 0
    assert get(own_server, LIST).status_code == 200


# -- lifecycle -------------------------------------------------------------------------------------


def test_stop_closes_keep_alive_connections_and_refuses_new_ones():
    server = DemoServer().start()
    url = server.url
    with requests.Session() as session:
        assert session.get(url + LIST, headers=auth(), timeout=10).status_code == 200
        server.stop()
        assert url not in running_urls()
        with pytest.raises(requests.ConnectionError):
            session.get(url + LIST, headers=auth(), timeout=10)
    server.stop()  # idempotent
    assert server.errors == []


def test_url_before_start_is_an_error():
    with pytest.raises(RuntimeError, match="start"):
        _ = DemoServer().url


# -- catalogues ------------------------------------------------------------------------------------


def test_default_catalogue_is_believable():
    images = default_catalogue()
    clock = parse(FROZEN_CLOCK)
    assert len(images) >= 40
    assert all(list(r) == list(FIELDS) == KEY_ORDER for r in images)
    assert len({r["uuid"] for r in images}) == len(images)
    assert all(UUID4.match(r["uuid"]) for r in images)
    runtimes = Counter(r["runtime"] for r in images)
    assert {"python27", "python36", "node8"} <= set(runtimes)
    assert {r["requires_gpu"] for r in images} == {True, False}
    assert any(r["registry_path"] == "sharedcloud/tensorflow-gpu-python36:latest" and r["requires_gpu"] for r in images)
    assert all(r["registry_path"] == f"sharedcloud/{r['name']}-{r['runtime']}:{r['tag']}" for r in images)
    assert {"latest", "1.10"} <= {r["tag"] for r in images}
    dates = [r[key] for r in images for key in ("created_at", "updated_at")]
    days = {int(d[:2]) for d in dates}
    assert min(days) <= 12 < max(days)
    assert all(parse(d) < clock for d in dates)
    assert min(parse(d) for d in dates) < datetime(2017, 7, 1, tzinfo=timezone.utc)
    odd = [r for r in images if parse(r["created_at"]) > parse(r["updated_at"])]
    assert len(odd) == 1
    assert sum(r["description"] == "" for r in images) == 2
    installs = [r["num_installations"] for r in images]
    assert min(installs) == 0 and max(installs) >= 200
    assert Counter(r["registry_path"] for r in images)["sharedcloud/web-crawling-python36:latest"] == 2
    assert default_catalogue() == images and default_catalogue() is not images


def test_generation_is_deterministic_and_plausible():
    a, b, c = generate_catalogue(1000, seed=1), generate_catalogue(1000, seed=1), generate_catalogue(1000, seed=2)
    assert a == b and a != c
    assert len(a) == 1000 and len({r["uuid"] for r in a}) == 1000
    assert all(UUID4.match(r["uuid"]) and list(r) == KEY_ORDER for r in a)
    clock = parse(FROZEN_CLOCK)
    assert all(parse(r["created_at"]) <= parse(r["updated_at"]) < clock for r in a)
    assert {parse(r["created_at"]).year for r in a} == {2016, 2017, 2018}
    names = {r["name"] for r in default_catalogue()}
    assert {r["name"] for r in a} <= names and {r["runtime"] for r in a} >= {"python27", "python36", "node8"}
    assert {r["requires_gpu"] for r in a} == {True, False}
    assert generate_downloads(a, 1) == generate_downloads(b, 1)
    assert generate_catalogue(0) == []


def test_generated_server():
    with DemoServer(size=1000, seed=3) as server:
        records = get(server, LIST).json()
        assert len(records) == 1000 and records == generate_catalogue(1000, seed=3)
        assert len({r["uuid"] for r in records}) == 1000
        assert get(server, LIST + records[500]["uuid"] + "/").json() == records[500]
        filtered = get(server, LIST, params={"instance": server.instances[1]}).json()
        assert [r["uuid"] for r in filtered] == server.downloads[server.instances[1]]
        assert 0 < len(filtered) < 1000


def test_large_bodies_are_encoded_in_chunks_and_stay_valid():
    # More records than one encoding batch, so the chunk seams are exercised.
    with DemoServer(size=12_345, seed=4) as server:
        r = get(server, LIST)
        assert int(r.headers["Content-Length"]) == len(r.content)
        assert r.json() == server.images


# -- CLI -------------------------------------------------------------------------------------------


def test_cli_serves_until_terminated():
    process = subprocess.Popen(
        [sys.executable, "-m", "sharedcloud_nb.demo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the banner ends with how to stop
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        out = "".join(lines)
        match = re.search(r"^\s*url:\s+(http://127\.0\.0\.1:\d+)$", out, re.M)
        assert match, out + process.stderr.read()
        url = match.group(1)
        assert f"token:    {DEMO_TOKEN}" in out and "username: demo" in out and "password: demo-password" in out
        assert f"SHAREDCLOUD_URL={url} SHAREDCLOUD_TOKEN={DEMO_TOKEN}" in out
        r = requests.get(url + LIST, headers=auth(), timeout=10)
        assert r.status_code == 200 and len(r.json()) == 48
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert "Stopped." in stdout


def test_a_generated_catalogues_records_are_drawn_only_when_read():
    from sharedcloud_nb.demo.catalogue import generate_catalogue
    from sharedcloud_nb.demo.generated import GeneratedRecords

    with DemoServer(size=3_000, seed=8) as server:
        assert isinstance(server.images, GeneratedRecords) and server.images._records is None
        listing = requests.get(server.url + "/api/v1/images/", headers={"Authorization": f"Token {server.token}"})
        assert len(listing.json()) == 3_000 and server.images._records is None  # served from the body alone
        assert server.images == generate_catalogue(3_000, seed=8)  # the same records, drawn now
        uuid = server.images[5]["uuid"]
        detail = requests.get(f"{server.url}/api/v1/images/{uuid}/", headers={"Authorization": f"Token {server.token}"})
        assert detail.json() == server.images[5]
