"""The transport against hostile servers and careless input: urls, tokens, proxies, deadlines, sizes.

Real HTTP against the demo API; a few raw socket servers play what the demo cannot (a body that
trickles forever, an endless chunked body, a connection that is refused).
"""

from __future__ import annotations

import gzip
import re
import socket
import threading
import time
import traceback
from collections.abc import Iterator

import pytest

import sharedcloud_nb as sc
from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.demo.faults import Response

SECRET = "Sk-live-7Qz9Xw3Lp0Vt5Rb8Nc2Md6Hj4Gf1"
PASSWORD = "Pw-never-shown-4417"
LIST = "/api/v1/images/"


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(token=SECRET, password=PASSWORD) as demo:
        yield demo


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A bound socket nobody serves yet: its port is this machine's, and a raw server can use it."""
    sock = socket.create_server(("127.0.0.1", 0))
    yield sock
    sock.close()


def _serve_once(sock: socket.socket, talk) -> threading.Thread:
    def run() -> None:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            try:
                talk(conn)
            except OSError:
                pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


# -- urls: one parser, nothing ambiguous -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://remote.example\\@127.0.0.1:8000",  # urllib3 ends the authority at the backslash
        "https://sharedcloud.io\\path",
        "https://user:pw@sharedcloud.io",
        "https://sharedcloud.io/?next=http://evil",
        "https://sharedcloud.io/#frag",
        "https://shared cloud.io",
        "https://sharedcloud.io\r\nX-Evil: 1",
    ],
)
def test_ambiguous_urls_are_refused_before_any_request(url, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no network access was expected")

    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(sc.InputError) as info:
        sc.Client(SECRET, url=url)
    assert isinstance(info.value, ValueError) and isinstance(info.value, sc.SharedcloudError)
    with pytest.raises(sc.InputError):
        sc.login("demo", PASSWORD, url=url)


def test_a_url_given_with_the_api_prefix_is_accepted(server):
    for suffix in ("/api/v1", "/api/v1/"):
        client = sc.Client(SECRET, url=server.url + suffix)
        assert client.url == server.url
        assert len(client.images()) == len(server.images)
    assert [r.path for r in server.requests] == [LIST, LIST]


# -- tokens as copy-paste brings them ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "named"),
    [("\u200b", "U+200B ZERO WIDTH SPACE"), ("\ufeff", "U+FEFF"), ("\u201d", "U+201D"), ("é", "U+00E9")],
)
def test_a_token_with_an_invisible_or_curly_character_is_refused_naming_it(bad, named):
    token = SECRET[:10] + bad + SECRET[10:]
    with pytest.raises(sc.InputError, match=rf"{re.escape(named)}.* at character 11 of {len(token)}") as info:
        sc.Client(token, url="https://sharedcloud.io")
    assert SECRET[:8] not in str(info.value) and SECRET[-8:] not in str(info.value)


def test_blanks_and_a_bom_around_a_token_are_trimmed(server):
    client = sc.Client("\ufeff " + SECRET + "\u200b\n", url=server.url)
    assert len(client.list_images()) == len(server.images)


# -- proxies ---------------------------------------------------------------------------------------


def test_loopback_never_goes_through_a_proxy(server, listener, monkeypatch):
    proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.settimeout(0.2)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert len(sc.Client(SECRET, url=server.url).images()) == len(server.images)
    assert sc.login("demo", PASSWORD, url=server.url) == SECRET
    session = __import__("requests").Session()  # a session of the user's own, trusting the environment
    assert len(sc.Client(SECRET, url=server.url, session=session).list_images()) == len(server.images)
    with pytest.raises(socket.timeout):
        listener.accept()  # the proxy saw nothing


# -- a total deadline --------------------------------------------------------------------------------


def _trickle(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[")
    for _ in range(200):
        time.sleep(0.1)
        conn.sendall(b" ")


def test_a_body_that_trickles_forever_ends_at_the_deadline(listener):
    _serve_once(listener, _trickle)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    client = sc.Client(SECRET, url=url, timeout=(2, 5), deadline=1.0)
    started = time.monotonic()
    with pytest.raises(sc.TransportError, match=r"did not finish within its deadline of 1 s .*1 attempt in"):
        client.images()
    assert time.monotonic() - started < 3


def test_the_deadline_covers_retries_and_waits_and_can_be_set_per_call(server):
    server.inject("rate-limit:30", times=None)  # every answer asks for 30 s
    client = sc.Client(SECRET, url=server.url, retries=5)
    started = time.monotonic()
    with pytest.raises(sc.RateLimitError, match=r"429 .*Retry-After: 30") as info:
        client.images(deadline=2)
    assert time.monotonic() - started < 2
    assert info.value.status == 429  # the status received, not "could not reach"


# -- Retry-After that is not a number of seconds -------------------------------------------------------


@pytest.mark.parametrize("value", ["garbage", "-5", "1.5", ""])
def test_an_invalid_retry_after_falls_back_to_the_backoff(server, value):
    answer = Response(503, {"detail": "Busy."}, {"Retry-After": value})
    server.add_fault(lambda request: answer, times=2)
    client = sc.Client(SECRET, url=server.url, retries=3)
    assert len(client.images()) == len(server.images)
    assert len(server.requests) == 3
    server.add_fault(lambda request: answer, times=None)
    with pytest.raises(sc.ServerError, match=r"503 .*Busy\..*4 attempts in") as info:
        client.list_images()
    assert info.value.status == 503


# -- sizes -----------------------------------------------------------------------------------------


def test_an_answer_larger_than_max_bytes_is_refused(server):
    with pytest.raises(sc.ResponseError, match=r"larger than 1,000 bytes"):
        sc.Client(SECRET, url=server.url, max_bytes=1000).images()
    assert len(sc.Client(SECRET, url=server.url).images()) == len(server.images)


def test_a_decompression_bomb_is_refused_early(server):
    bomb = gzip.compress(b"[" + b" " * (200 * 1024 * 1024) + b"]", compresslevel=9)
    assert len(bomb) < 1024 * 1024
    server.add_fault(lambda request: Response(200, bomb, {"Content-Encoding": "gzip"}), times=1)
    with pytest.raises(sc.ResponseError, match=r"inflates more than 200 times.*decompression bomb"):
        sc.Client(SECRET, url=server.url).images()


def _endless_chunks(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    conn.sendall(b"1\r\n[\r\n")
    chunk = b"0," * 32768
    for _ in range(10_000):
        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))


def test_an_endless_chunked_body_stops_at_the_size_cap(listener):
    _serve_once(listener, _endless_chunks)
    client = sc.Client(SECRET, url=f"http://127.0.0.1:{listener.getsockname()[1]}", max_bytes=5_000_000)
    with pytest.raises(sc.ResponseError, match=r"larger than 5,000,000 bytes"):
        client.images()


# -- pagination that never ends ----------------------------------------------------------------------


def test_a_server_that_always_has_a_next_page_is_stopped(server):
    def page(request):
        number = int(request.query.get("page", "1"))
        return Response(
            200,
            {
                "count": 2,
                "next": f"{server.url}{LIST}?page={number + 1}",
                "previous": None,
                "results": [server.images[0]],
            },
        )

    server.add_fault(page, times=None)
    with pytest.raises(sc.ResponseError, match=r"more pages than its count of 2 images implies"):
        sc.Client(SECRET, url=server.url).images()
    assert len(server.requests) < 20


# -- messages that point the right way ------------------------------------------------------------------


def test_a_redirect_to_an_unreachable_host_says_the_token_was_not_sent(server):
    elsewhere = f"http://127.0.0.1:{_closed_port()}"
    server.inject("redirect", elsewhere, times=None)
    with pytest.raises(
        sc.TransportError, match=r"redirected GET /api/v1/images/ to http://127\.0\.0\.1:\d+.*token was not sent"
    ):
        sc.Client(SECRET, url=server.url, retries=0).images()


def test_a_redirect_loop_is_not_a_network_failure(server):
    server.add_fault(lambda request: Response(302, b"", {"Location": request.path}), times=None)
    with pytest.raises(sc.ResponseError, match=r"redirects GET /api/v1/images/ in a loop"):
        sc.Client(SECRET, url=server.url, retries=0).images()


def test_a_404_on_the_listing_points_at_the_url_not_at_a_uuid(server):
    with pytest.raises(sc.NotFoundError, match=r"does not look like a Sharedcloud server") as info:
        sc.Client(SECRET, url=server.url + "/nowhere").images()
    assert "uuid" not in str(info.value)
    with pytest.raises(sc.NotFoundError, match=r"check the uuid"):
        sc.Client(SECRET, url=server.url).image("00000000-0000-4000-8000-000000000000")


def test_a_401_says_where_the_token_came_from(server, monkeypatch, clean_env):
    wrong = "f" * 40
    with pytest.raises(sc.AuthenticationError, match=r"passed as an argument"):
        sc.connect(wrong, url=server.url).images()
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", wrong)
    with pytest.raises(sc.AuthenticationError, match=r"came from SHAREDCLOUD_TOKEN"):
        sc.connect(url=server.url).images()
    monkeypatch.delenv("SHAREDCLOUD_TOKEN")
    (clean_env / ".sharedcloud").mkdir()
    (clean_env / ".sharedcloud" / "client_config").write_text(wrong)
    with pytest.raises(sc.AuthenticationError, match=r"came from the CLI login file.*log in again"):
        sc.connect(url=server.url).images()


@pytest.mark.parametrize(
    "call",
    [
        lambda: sc.Client(SECRET, url="https://sharedcloud.io").get_image("not-a-uuid"),
        lambda: sc.Client(SECRET, url="ftp://sharedcloud.io"),
        lambda: sc.Client("", url="https://sharedcloud.io"),
        lambda: sc.Client(SECRET, url="http://sharedcloud.io"),
    ],
)
def test_refused_input_is_in_the_tree_and_a_value_error(call):
    with pytest.raises(sc.SharedcloudError) as info:
        call()
    assert isinstance(info.value, sc.InputError) and isinstance(info.value, ValueError)


# -- no secret in a traceback's locals, a short chain ------------------------------------------------------


def _verbose(error: BaseException) -> str:
    """What `%xmode Verbose` or `pytest --showlocals` would print: every frame with its locals."""
    return "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())


def test_a_transport_error_chains_nothing_and_its_locals_hold_no_token():
    client = sc.Client(SECRET, url=f"http://127.0.0.1:{_closed_port()}", retries=0)
    with pytest.raises(sc.TransportError, match="Could not reach") as info:
        client.images()
    error = info.value
    assert error.__cause__ is None and error.__context__ is None
    text = _verbose(error)
    assert SECRET not in text and SECRET[:8] not in text
    assert len(traceback.format_exception(error)) < 15  # the readable error, not five chained ones


def test_a_refused_login_keeps_the_password_out_of_the_traceback(server):
    with pytest.raises(sc.AuthenticationError) as info:
        sc.login("demo", PASSWORD + "x", url=server.url)
    assert PASSWORD not in _verbose(info.value)
    with pytest.raises(sc.TransportError) as info:
        sc.login("demo", PASSWORD, url=f"http://127.0.0.1:{_closed_port()}")
    assert PASSWORD not in _verbose(info.value) and info.value.__context__ is None
