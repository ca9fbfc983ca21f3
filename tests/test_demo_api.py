"""The demo API's views as pure functions: a request in, an answer out, no socket.

The same behaviour is checked over real HTTP in test_demo_server.py; here each DRF detail is
checked at the source, fast, and the server-side pieces that need no network (the fault list,
the registry of demo urls) are checked directly. A few tests at the end start a server to check
what only a running one can show (errors re-raised in the test, the shared server).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import requests

from sharedcloud_nb import _demo_registry
from sharedcloud_nb.demo import FAULTS, FROZEN_CLOCK, DemoServer, Response, running_urls, shared_server
from sharedcloud_nb.demo import faults as faults_module
from sharedcloud_nb.demo.api import Answer, DemoRequest, Headers, answer
from sharedcloud_nb.demo.faults import Alter, InstalledFaults, fault_table

LIST = "/api/v1/images/"
LOGIN = "/api/v1/api-token-auth/"
DETAIL_UUID = "2413a0f8-c105-4928-914f-d5c93173f88a"
INSTANCE = "c2cf385a-1ebe-457c-9bc5-6adf741026f9"
SERVER = DemoServer()  # never started: its catalogue and account are all the views need
PAGED = DemoServer(page_size=10)
AUTH = {"Authorization": f"Token {SERVER.token}"}


def call(
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    *,
    server: DemoServer = SERVER,
    **options: Any,
) -> Answer:
    request = DemoRequest(method, path, Headers(AUTH if headers is None else headers), body)
    return answer(request, server.catalogue, server.account, **options)


# -- routing ---------------------------------------------------------------------------------------


def test_list_and_detail_answer_the_catalogue() -> None:
    listing = call("GET", LIST)
    assert listing.status == 200 and listing.json() == SERVER.images
    assert listing.headers["Content-Type"] == "application/json"
    assert listing.headers["Content-Length"] == str(len(listing.body))
    assert listing.headers["Allow"] == "GET, HEAD, OPTIONS" and listing.headers["X-Sharedcloud-Demo"] == "1"
    detail = call("GET", f"{LIST}{DETAIL_UUID}/")
    assert detail.status == 200 and detail.json()["uuid"] == DETAIL_UUID


def test_append_slash_is_a_301_before_authentication() -> None:
    reply = call("GET", "/api/v1/images?instance=x&page=2", headers={})
    assert reply.status == 301 and reply.body == b""
    assert reply.headers["Location"] == "/api/v1/images/?instance=x&page=2"
    assert "Allow" not in reply.headers
    assert call("POST", "/api/v1/api-token-auth", headers={}).headers["Location"] == LOGIN


@pytest.mark.parametrize("path", ["/", "/api/v1/", "/api/v1/images/x/y/", "/nope", "/api/v1/images/nope/more"])
def test_unknown_paths_are_404(path: str) -> None:
    reply = call("GET", path)
    assert (reply.status, reply.json()) == (404, {"detail": "Not found."})


def test_an_unknown_uuid_is_a_404_of_the_detail_view() -> None:
    reply = call("GET", f"{LIST}00000000-0000-4000-8000-000000000000/")
    assert (reply.status, reply.json()) == (404, {"detail": "Not found."})
    assert reply.headers["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", LIST, "GET, HEAD, OPTIONS"),
        ("DELETE", f"{LIST}{DETAIL_UUID}/", "GET, HEAD, OPTIONS"),
        ("GET", LOGIN, "POST, OPTIONS"),
    ],
)
def test_other_methods_are_405_once_authenticated(method: str, path: str, allow: str) -> None:
    reply = call(method, path)
    assert (reply.status, reply.json()) == (405, {"detail": f'Method "{method}" not allowed.'})
    assert reply.headers["Allow"] == allow and reply.headers["Vary"] == "Accept"


def test_options_answers_drf_metadata() -> None:
    reply = call("OPTIONS", LOGIN, headers={})
    assert reply.status == 200
    assert reply.json() == {
        "name": "Obtain Auth Token",
        "description": "",
        "renders": ["application/json"],
        "parses": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    }
    assert call("OPTIONS", LIST).json()["name"] == "Image List"
    assert call("OPTIONS", LIST, headers={}).status == 401


# -- authentication --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "Authentication credentials were not provided."),
        ("Bearer abc", "Authentication credentials were not provided."),
        ("Token", "Invalid token header. No credentials provided."),
        ("Token a b", "Invalid token header. Token string should not contain spaces."),
        ("Token \xff\xfe", "Invalid token header. Token string should not contain invalid characters."),
        ("Token " + "0" * 40, "Invalid token."),
    ],
)
def test_the_four_drf_401s(authorization: str | None, detail: str) -> None:
    reply = call("POST", LIST, {} if authorization is None else {"Authorization": authorization})
    assert (reply.status, reply.json()) == (401, {"detail": detail})
    assert reply.headers["WWW-Authenticate"] == "Token"


def test_the_token_keyword_is_case_insensitive() -> None:
    assert call("GET", LIST, {"authorization": f"token {SERVER.token}"}).status == 200


# -- login -----------------------------------------------------------------------------------------


def login(data: Any, content_type: str = "application/json", **options: Any) -> Answer:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return call("POST", LOGIN, {"Content-Type": content_type, **options}, body)


def test_login_answers_the_token() -> None:
    reply = login({"username": " demo ", "password": "demo-password"})
    assert (reply.status, reply.json()) == (200, {"token": SERVER.token})
    form = login(b"username=demo&password=demo-password", "application/x-www-form-urlencoded")
    assert form.json() == {"token": SERVER.token}


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"username": ["This field is required."], "password": ["This field is required."]}),
        (
            {"username": None, "password": ""},
            {"username": ["This field may not be null."], "password": ["This field may not be blank."]},
        ),
        (
            {"username": ["demo"], "password": True},
            {"username": ["Not a valid string."], "password": ["Not a valid string."]},
        ),
        ({"username": "  ", "password": "x"}, {"username": ["This field may not be blank."]}),
        (
            {"username": "demo", "password": "wrong"},
            {"non_field_errors": ["Unable to log in with provided credentials."]},
        ),
        (
            {"username": "demo", "password": " demo-password"},
            {"non_field_errors": ["Unable to log in with provided credentials."]},
        ),
        ([1], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
    ],
)
def test_login_400s(data: Any, errors: dict[str, list[str]]) -> None:
    reply = login(data)
    assert (reply.status, reply.json()) == (400, errors)


def test_login_refuses_bad_json_and_unknown_media_types() -> None:
    bad = login(b"{nope", "application/json")
    assert bad.status == 400 and bad.json()["detail"].startswith("JSON parse error - ")
    reply = login(b"<xml/>", "text/xml")
    assert (reply.status, reply.json()) == (415, {"detail": 'Unsupported media type "text/xml" in request.'})


def test_login_refuses_a_wrong_token_though_it_needs_none() -> None:
    reply = login({"username": "demo", "password": "demo-password"}, Authorization="Token nope")
    assert (reply.status, reply.json()) == (401, {"detail": "Invalid token."})


def test_account_repr_hides_the_secrets() -> None:
    assert SERVER.token not in repr(SERVER.account) and SERVER.password not in repr(SERVER.account)


# -- the list: instance filter and pagination ------------------------------------------------------


def test_instance_filter() -> None:
    reply = call("GET", f"{LIST}?instance={INSTANCE.upper()}")
    assert [r["uuid"] for r in reply.json()] == SERVER.downloads[INSTANCE]
    assert call("GET", f"{LIST}?instance=").json() == SERVER.images
    assert call("GET", f"{LIST}?instance=00000000-0000-4000-8000-000000000000").json() == []


def test_a_malformed_instance_is_a_400() -> None:
    reply = call("GET", f"{LIST}?instance=nope")
    assert (reply.status, reply.json()) == (400, {"instance": ["“nope” is not a valid UUID."]})


def test_pagination_links_are_absolute_and_keep_the_filter() -> None:
    first = call("GET", LIST, {**AUTH, "Host": "example.test:8000"}, server=PAGED).json()
    assert first["count"] == 48 and len(first["results"]) == 10 and first["previous"] is None
    assert first["next"] == "http://example.test:8000/api/v1/images/?page=2"
    second = call("GET", f"{LIST}?page=2&instance=", server=PAGED, host="127.0.0.1:1234").json()
    assert second["previous"] == "http://127.0.0.1:1234/api/v1/images/?instance="
    assert second["next"] == "http://127.0.0.1:1234/api/v1/images/?instance=&page=3"
    last = call("GET", f"{LIST}?page=last", server=PAGED).json()
    assert last["next"] is None and len(last["results"]) == 8
    assert [r for page in (first, second) for r in page["results"]] == PAGED.images[:20]


@pytest.mark.parametrize("page", ["0", "6", "x", "-1"])
def test_an_invalid_page_is_a_404(page: str) -> None:
    reply = call("GET", f"{LIST}?page={page}", server=PAGED)
    assert (reply.status, reply.json()) == (404, {"detail": "Invalid page."})


def test_an_empty_filtered_list_has_one_empty_page() -> None:
    reply = call("GET", f"{LIST}?instance=00000000-0000-4000-8000-000000000000", server=PAGED)
    assert reply.json() == {"count": 0, "next": None, "previous": None, "results": []}


# -- a fault's record rewrite, applied in one place to lists, pages and details --------------------


def mark(record: dict[str, Any], position: int) -> dict[str, Any]:
    record["position"] = position
    return record


def test_the_rewrite_sees_each_record_with_its_position_in_the_answer() -> None:
    listing = call("GET", LIST, rewrite=mark).json()
    assert [r["position"] for r in listing] == list(range(48))
    page = call("GET", f"{LIST}?page=3", server=PAGED, rewrite=mark).json()["results"]
    assert [r["position"] for r in page] == list(range(20, 30))
    detail = call("GET", f"{LIST}{DETAIL_UUID}/", rewrite=mark).json()
    assert detail["position"] == 0
    assert "position" not in SERVER.images[0]  # the catalogue is left as it was


def test_live_clock_records_carry_the_time_of_the_answer() -> None:
    live = DemoServer(live_clock=True)
    for reply in (call("GET", LIST, server=live), call("GET", LIST, server=live, rewrite=mark)):
        assert {r["current_server_time"] for r in reply.json()} == {live.current_server_time()}


# -- the fault registry, one way in ----------------------------------------------------------------


def test_the_fault_list_is_written_once_and_shown_everywhere() -> None:
    table = fault_table()
    assert all(name + entry.arg in table for name, entry in FAULTS.items())
    assert faults_module.__doc__ is not None and table.splitlines()[1] in faults_module.__doc__


def test_installed_faults_stack_alterations_and_count_times() -> None:
    installed = InstalledFaults()
    installed.install(lambda request: Alter(delay=0.25), times=None)
    installed.install(lambda request: Response(503), times=1, after=1, path=LIST)
    request = DemoRequest("GET", LIST, Headers())
    assert installed.take(request) == Alter(delay=0.25)  # let through once (after=1)
    assert installed.take(request) == Response(503, delay=0.25)
    assert installed.take(request) == Alter(delay=0.25)
    assert installed.take(DemoRequest("GET", "/other/", Headers())) == Alter(delay=0.25)


def test_a_setting_is_tried_first_replaced_by_key_and_kept_by_clear() -> None:
    installed = InstalledFaults()
    installed.install(lambda request: Response(503), times=None)
    installed.install(lambda request: Alter(delay=1.0), times=None, key="delay")
    installed.install(lambda request: Alter(delay=2.0), times=None, key="delay")
    request = DemoRequest("GET", LIST, Headers())
    assert installed.take(request) == Response(503, delay=2.0)
    installed.clear()
    assert installed.take(request) == Alter(delay=2.0)
    installed.remove("delay")
    assert installed.take(request) is None


def test_every_way_in_goes_through_the_same_list() -> None:
    server = DemoServer(faults=["status:502"])
    server.add_fault(lambda request: Response(418), times=1)
    server.fail_next(1, 500)
    server.inject("truncated")
    server.delay = 0.5
    request = DemoRequest("GET", LIST, Headers())
    installed = server._backend.faults  # the one list, looked at from a test
    assert [installed.take(request) for _ in range(4)] == [
        Response(502, {"detail": "Bad gateway."}, delay=0.5),
        Response(418, delay=0.5),
        Response(500, delay=0.5),
        Alter(delay=0.5, truncate=True),
    ]
    server.clear_faults()
    assert installed.take(request) == Alter(delay=0.5) and server.delay == 0.5
    server.delay = 0
    assert installed.take(request) is None


# -- the registry of demo urls ---------------------------------------------------------------------


def test_demo_urls_are_known_in_every_spelling() -> None:
    url = "http://127.0.0.1:1"
    assert not _demo_registry.is_demo_url(url)
    _demo_registry.register(url)
    try:
        for spelling in (url, url + "/", "http://localhost:1", "HTTP://LocalHost:1/"):
            assert _demo_registry.is_demo_url(spelling), spelling
        for other in ("http://127.0.0.1:2", "https://127.0.0.1:1", "http://127.0.0.1:1/api", "nope", "http://[::1"):
            assert not _demo_registry.is_demo_url(other), other
        assert {url, "http://localhost:1"} <= _demo_registry.urls()
    finally:
        _demo_registry.unregister(url)
    assert not _demo_registry.is_demo_url(url)


def test_a_running_server_is_registered_until_it_stops() -> None:
    with DemoServer() as server:
        url = server.url
        assert _demo_registry.is_demo_url(url)
        assert f"http://localhost:{server.port}" in running_urls()
    assert not _demo_registry.is_demo_url(url) and url not in running_urls()


# -- needs a running server ------------------------------------------------------------------------


def test_check_errors_reraises_a_server_error_in_the_test() -> None:
    def broken(request: DemoRequest) -> None:
        raise ZeroDivisionError("a bug in a fault")

    with DemoServer() as server:
        server.check_errors()  # nothing yet
        server.add_fault(broken, times=None)
        reply = requests.get(server.url + LIST, headers=AUTH, timeout=10)
        assert (reply.status_code, reply.json()) == (500, {"detail": "A server error occurred."})
        with pytest.raises(ZeroDivisionError, match="a bug in a fault"):
            server.check_errors()
        assert len(server.errors) == 1  # kept


def test_the_delay_holds_back_fault_answers_too() -> None:
    with DemoServer() as server:
        server.delay = 0.3
        server.fail_next(1, 503)
        start = time.monotonic()
        assert requests.get(server.url + LIST, headers=AUTH, timeout=10).status_code == 503
        assert time.monotonic() - start >= 0.3


def test_shared_server_is_one_per_process() -> None:
    found: list[DemoServer] = []
    threads = [threading.Thread(target=lambda: found.append(shared_server())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and all(server is found[0] for server in found)
    assert found[0].is_running and _demo_registry.is_demo_url(found[0].url)


@pytest.mark.parametrize(
    ("size", "seed", "clock"),
    [
        (0, 0, FROZEN_CLOCK),
        (1, 3, FROZEN_CLOCK),
        (4999, 1, "01-01-2018 00:00:00"),
        (5000, 2, FROZEN_CLOCK),
        (12_345, 5, FROZEN_CLOCK),
    ],
)
def test_the_list_body_written_while_generating_is_what_encoding_gives(size, seed, clock):
    from sharedcloud_nb.demo.api import encode_list
    from sharedcloud_nb.demo.catalogue import generate_catalogue
    from sharedcloud_nb.demo.generated import generate_with_list_body

    records, chunks = generate_with_list_body(size, seed, clock=clock)
    assert records == generate_catalogue(size, seed, clock=clock)
    assert b"".join(chunks) == b"".join(encode_list(records))


@pytest.mark.parametrize(
    ("size", "seed", "clock", "digest"),
    [
        (30_001, 3, FROZEN_CLOCK, "5b43d5072ed17c5bb0048e2e988eaf2df9e4b2f15bec98214ee091d7db008222"),
        (123_457, 7, "01-01-2018 00:00:00", "dba14838a86dec9c6556b9b92c1d31f8075faee327fd5488fe667eb005c31664"),
    ],
)
def test_generated_catalogues_stay_the_same_records(size, seed, clock, digest):
    """The same (size, seed, clock) lists the same bytes as it always has: drawing faster changes no record."""
    import hashlib

    from sharedcloud_nb.demo.generated import generate_with_list_body

    _, chunks = generate_with_list_body(size, seed, clock=clock)
    assert hashlib.sha256(b"".join(chunks)).hexdigest() == digest


def test_a_streamed_body_is_served_whole_under_its_length(monkeypatch):
    """A big catalogue's chunks are written while the first are sent: the client sees the same bytes."""
    import urllib.request

    from sharedcloud_nb.demo import generated
    from sharedcloud_nb.demo.api import encode_list

    monkeypatch.setattr(generated, "STREAM_FROM", 0)
    with DemoServer(size=12_345, seed=6) as server:
        assert isinstance(server.catalogue.list_body(None), generated.StreamedBody)
        request = urllib.request.Request(server.url + LIST, headers=AUTH)
        with urllib.request.urlopen(request) as response:
            body = response.read()
            assert int(response.headers["Content-Length"]) == len(body)
        assert body == b"".join(encode_list(server.images))
        head = requests.head(server.url + LIST, headers=AUTH, timeout=10)
        assert int(head.headers["Content-Length"]) == len(body)
        server.check_errors()


def test_a_streamed_body_with_a_live_clock_is_whole_json(monkeypatch):
    from sharedcloud_nb.demo import generated

    monkeypatch.setattr(generated, "STREAM_FROM", 0)
    with DemoServer(size=6_000, seed=2, live_clock=True) as server:
        reply = requests.get(server.url + LIST, headers=AUTH, timeout=10)
        assert reply.status_code == 200 and len(reply.json()) == 6_000
        assert int(reply.headers["Content-Length"]) == len(reply.content)


def test_a_failure_writing_a_streamed_body_cuts_the_listing_off(monkeypatch):
    import http.client
    import urllib.request

    from sharedcloud_nb.demo import _drawing, generated

    def broken(*args: Any) -> Any:
        yield b"["
        raise ZeroDivisionError("a bug in writing the body")

    monkeypatch.setattr(generated, "STREAM_FROM", 0)
    monkeypatch.setattr(_drawing, "iter_list_body", broken)
    with DemoServer(size=7_000) as server:  # two chunks: the second is never written
        request = urllib.request.Request(server.url + LIST, headers=AUTH)
        with urllib.request.urlopen(request) as response, pytest.raises(http.client.IncompleteRead):
            response.read()
        with pytest.raises(ZeroDivisionError, match="a bug in writing the body"):
            server.check_errors()
        detail = requests.get(server.url + LIST + server.images[0]["uuid"] + "/", headers=AUTH, timeout=10)
        assert detail.status_code == 200  # only the listing failed


def test_a_streamed_body_reads_like_a_list():
    from sharedcloud_nb.demo.generated import StreamedBody

    body = StreamedBody(iter([b"[1", b",2", b"]"]), 3, 5)
    assert (len(body), body.nbytes, list(body), body[-1], body[0:2]) == (
        3,
        5,
        [b"[1", b",2", b"]"],
        b"]",
        [b"[1", b",2"],
    )
    with pytest.raises(IndexError):
        body[3]

    def failing() -> Any:
        yield b"["
        raise ValueError("broken")

    broken = StreamedBody(failing(), 2, 2)
    assert broken[0] == b"["
    with pytest.raises(ValueError, match="broken"):
        broken[1]


def test_a_generated_catalogue_is_served_as_encoding_gives():
    import urllib.request

    from sharedcloud_nb.demo.api import encode_list

    with DemoServer(size=7_000, seed=4) as server:
        request = urllib.request.Request(
            server.url + "/api/v1/images/", headers={"Authorization": f"Token {server.token}"}
        )
        with urllib.request.urlopen(request) as response:
            assert response.read() == b"".join(encode_list(server.images))
