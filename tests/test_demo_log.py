"""The demo server's request log is bounded and holds no secret; oversized bodies are refused.

``DemoServer.requests`` is what tests read to see what a client sent. It keeps the last
``max_logged_requests`` requests, with credentials masked, and tells by ``request.authorized``
whether the server's token was sent, so the tests that prove the token went (or did not) need
no copy of it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
import requests

import sharedcloud_nb as sc
from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.demo._log import MAX_BODY

LIST = "/api/v1/images/"
LOGIN = "/api/v1/api-token-auth/"
TOKEN = "Tk-log-9f8e7d6c5b4a39281706"
PASSWORD = "Pw-log-never-kept-5521"


@pytest.fixture
def server():
    with DemoServer(token=TOKEN, password=PASSWORD) as demo:
        yield demo


def everything_logged(server: DemoServer) -> str:
    """Every request of the log as text: reprs, paths, headers and bodies, decoded."""
    parts = [repr(server.requests)]
    for request in server.requests:
        parts += [request.path, repr(dict(request.headers)), request.body.decode("utf-8", "replace")]
    return "\n".join(parts)


def test_the_log_keeps_the_last_requests_only(server):
    assert server.max_logged_requests == 1000
    server.max_logged_requests = 5
    for page in range(8):
        requests.get(f"{server.url}{LIST}?page={page}", headers={"Authorization": f"Token {TOKEN}"}, timeout=10)
    assert [request.path for request in server.requests] == [f"{LIST}?page={page}" for page in range(3, 8)]


def test_the_log_masks_credentials_and_says_whether_the_token_was_sent(server):
    client = sc.Client(TOKEN, url=server.url)
    client.get_image(server.images[0]["uuid"])
    requests.get(server.url + LIST, headers={"Authorization": "Token some-other-token"}, timeout=10)
    requests.get(server.url + LIST + "?token=" + TOKEN, headers={"Cookie": "session=" + TOKEN}, timeout=10)
    good, wrong, in_query = server.requests
    assert good.authorized and not wrong.authorized and not in_query.authorized
    assert good.headers["Authorization"] == wrong.headers["Authorization"] == "Token <hidden>"
    assert in_query.path == LIST + "?token=<hidden>" and in_query.headers["Cookie"] == "<hidden>"
    text = everything_logged(server)
    assert TOKEN not in text and "some-other-token" not in text


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(
            lambda url, password: requests.post(url, json={"username": "demo", "password": password}), id="json"
        ),
        pytest.param(
            lambda url, password: requests.post(url, data={"username": "demo", "password": password}), id="form"
        ),
        pytest.param(
            lambda url, password: requests.post(url, files={"username": (None, "demo"), "password": (None, password)}),
            id="multipart",
        ),
    ],
)
@pytest.mark.parametrize("password", [PASSWORD, 'wrong & "quoted" pässword', "Pw-another-one"])
def test_the_log_masks_the_login_password_however_it_is_sent(server, send, password):
    answer = send(server.url + LOGIN, password)
    assert answer.status_code == (200 if password == PASSWORD else 400)
    (logged,) = server.requests
    text = everything_logged(server)
    assert PASSWORD not in text and TOKEN not in text
    assert password not in text and password.encode() not in logged.body
    assert b"demo" in logged.body or logged.body == b"<hidden>"


def test_sc_login_still_works_and_leaves_no_password_in_the_log(server):
    assert sc.login("demo", PASSWORD, url=server.url) == TOKEN
    assert dict(parse_qsl(server.requests[0].body.decode())) == {"username": "demo", "password": "<hidden>"}
    assert PASSWORD not in everything_logged(server)


def test_a_body_larger_than_the_api_needs_is_refused_unread(server):
    too_big = b"x" * (MAX_BODY + 1)
    answer = requests.post(server.url + LOGIN, data=too_big, headers={"Content-Type": "text/plain"}, timeout=10)
    assert answer.status_code == 413
    assert answer.json() == {"detail": f"Request body too large: the API accepts at most {MAX_BODY} bytes."}
    chunked = requests.post(server.url + LOGIN, data=iter([too_big[:40_000], too_big[40_000:]]), timeout=10)
    assert chunked.status_code == 413
    assert [(request.method, request.path, request.body) for request in server.requests] == [("POST", LOGIN, b"")] * 2
    # The server goes on answering, and a body within the bound is read.
    assert requests.post(server.url + LOGIN, json={"username": "demo", "password": PASSWORD}, timeout=10).ok
    server.check_errors()


@pytest.mark.parametrize("size_line", [b"-1", b"zz", b"+10"])
def test_a_malformed_chunk_size_is_refused_not_read_to_the_end(server, size_line):
    import socket

    with socket.create_connection((server.host, server.port), timeout=10) as connection:
        connection.sendall(
            b"POST "
            + LOGIN.encode()
            + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + size_line
            + b"\r\n"
        )
        reply = b""
        while chunk := connection.recv(65536):  # answered at once, then hung up (the body is not read)
            reply += chunk
    assert reply.startswith(b"HTTP/1.0 400") or reply.startswith(b"HTTP/1.1 400"), reply[:80]
    assert b"Malformed chunked request body." in reply
    server.check_errors()
