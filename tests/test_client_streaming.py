"""The client reads a JSON body in one piece (stream=True): failures while reading it stay in the tree.

``Client._get_json`` asks for the answer with ``stream=True`` and reads the whole body at once
(several times faster than requests' 10 kB pieces for a large listing). The body is then read
outside ``Client._request``, so these tests check that a body cut off, an error answer's body cut
off, or a body that stalls past the read timeout still end as ResponseError / TransportError,
and that the connection is still reused.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

import sharedcloud_nb as sc
from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.demo.server import Response

WEB_CRAWLING = "24b310f8-1405-4928-914f-d5c91272f88a"


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer() as demo:
        yield demo


def test_an_error_answer_whose_body_is_cut_off_is_a_response_error(server):
    # raise_for_status reads the body of an error answer: with stream=True that read is lazy.
    server.add_fault(lambda request: Response(404, body=b'{"detail": "Not fo', headers={"Content-Length": "999"}))
    client = sc.Client(server.token, url=server.url, retries=0)
    with pytest.raises(sc.ResponseError, match=r"GET /api/v1/images/ was cut off before its end \(IncompleteRead"):
        client.list_images()


def test_a_listing_whose_body_is_cut_off_is_a_response_error(server):
    body = b'[{"uuid": "' + WEB_CRAWLING.encode() + b'", "name": "web-cra'
    server.add_fault(lambda request: Response(200, body=body, headers={"Content-Length": str(len(body) + 500)}))
    client = sc.Client(server.token, url=server.url, retries=0)
    with pytest.raises(sc.ResponseError, match=r"was cut off before its end") as info:
        client.images()
    assert server.token not in str(info.value)


@pytest.fixture
def stalling_url() -> Iterator[str]:
    """A server that sends the headers and the first bytes of a body, then nothing for 3 seconds."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(
                    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{"uuid":'
                )
                stop.wait(3)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()


def test_a_body_that_stalls_past_the_read_timeout_is_a_transport_error(stalling_url):
    client = sc.Client("x" * 40, url=stalling_url, timeout=(2, 0.3), retries=0)
    started = time.monotonic()
    with pytest.raises(sc.TransportError, match=r"GET /api/v1/images/ timed out \(timeout=\(2, 0\.3\) s\)"):
        client.list_images()
    assert time.monotonic() - started < 2.5


def test_a_body_that_is_not_json_says_what_it_is(server):
    server.add_fault(
        lambda request: Response(200, body=b"<html>maintenance</html>", headers={"Content-Type": "text/html"})
    )
    client = sc.Client(server.token, url=server.url, retries=0)
    with pytest.raises(sc.ResponseError, match=r"is not JSON \(text/html, 24 bytes\): 'maintenance'"):
        client.list_images()


def test_streamed_reads_give_the_connection_back(server):
    client = sc.Client(server.token, url=server.url)
    for _ in range(3):
        assert len(client.list_images()) == len(server.images)
        client.get_image(WEB_CRAWLING)
    manager = client.session.get_adapter(server.url).poolmanager
    pools = [manager.pools[key] for key in manager.pools.keys()]
    # Each body was read to its end, so the connection went back to the pool and served all six.
    assert [(pool.num_connections, pool.num_requests) for pool in pools] == [(1, 6)]
