"""The token never escapes: not in a repr or an error, not in DEBUG logs or warnings, not to another
host on a redirect, not over plain http:// to a remote host, and never written to disk.

The demo servers here accept a distinctive token, and "leaks" means any 8 characters of it in a
row (``Client.__repr__`` shows the last 4, which is allowed). Widget state and notebook files are
covered by tests/test_widgets.py and the notebooks' own checks.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import _config, _warn
from sharedcloud_nb.demo import DemoServer, Response
from sharedcloud_nb.demo.server import FAULTS
from sharedcloud_nb.store import fingerprint

SECRET = "Sk-live-7Qz9Xw3Lp0Vt5Rb8Nc2Md6Hj4Gf1"
PASSWORD = "Pw-never-shown-4417"
WRONG = "Wr0ng-token-Qx81Lm27Zp55"  # a token the server refuses: not echoed either
LIST = "/api/v1/images/"
WEB_CRAWLING = "24b310f8-1405-4928-914f-d5c91272f88a"
_WINDOWS = {SECRET[i : i + 8] for i in range(len(SECRET) - 7)} | {PASSWORD, WRONG}


def leaks(text: str) -> bool:
    """True when ``text`` holds the token (any 8 characters of it in a row), the password or WRONG."""
    return any(window in text for window in _WINDOWS)


def error_texts(error: BaseException) -> list[str]:
    """What a person may see of an error: str and repr of it and its chain, and the traceback."""
    texts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        texts += [str(seen), repr(seen)]
        seen = seen.__cause__ or seen.__context__
    return texts


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_config, "DEFAULT_BACKOFF", 0.01)
    monkeypatch.setattr(_config, "MAX_RETRY_AFTER", 0.05)


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(token=SECRET, password=PASSWORD) as demo:
        yield demo


@pytest.fixture
def second_host() -> Iterator[DemoServer]:
    """Another host: 127.0.0.2 (all of 127/8 is loopback on Linux), another port elsewhere."""
    try:
        demo = DemoServer(host="127.0.0.2", token=SECRET).start()
    except OSError:
        demo = DemoServer(token=SECRET).start()
    try:
        yield demo
    finally:
        demo.stop()


def test_the_leak_detector_finds_the_token():
    assert leaks(f"Authorization: Token {SECRET}") and leaks(SECRET[5:14]) and leaks(PASSWORD)
    assert not leaks(f"Client(url='http://127.0.0.1:1', token='…{SECRET[-4:]}')") and not leaks(SECRET[:7])


# -- repr, str, errors, logs, warnings ------------------------------------------------------------


def test_client_repr_and_str_hide_the_token(server):
    client = sc.Client(SECRET, url=server.url)
    for text in (repr(client), str(client), repr(client._auth), repr(client.session.adapters), f"{client}"):
        assert not leaks(text), text
    assert "account='demo'" in repr(client) and SECRET[-4:] not in repr(client)
    remote = sc.Client(SECRET, url="https://sharedcloud.io")
    for text in (repr(remote), remote._repr_html_()):
        assert not leaks(text) and SECRET[-4:] not in text and fingerprint(SECRET) in text


def sweep_cases() -> list[str]:
    """Every named fault, made to last, plus the calls' own errors."""
    specs = {
        "latency": "latency:0.01",
        "slow": "slow:2*forever",
        "status": "status:429*forever",
        "rate-limit": "rate-limit:0*forever",
        "down": "down:500",
        "html-error": "html-error*forever",
        "not-json": "not-json*forever",
        "truncated": "truncated*forever",
        "drop": "drop*forever",
        "reset": "reset*forever",
        "bad-records": "bad-records",
        "dates": "dates:epoch",
        "redirect": "redirect",
    }
    assert set(specs) == set(FAULTS), "a new fault joins this sweep"
    return [*specs.values(), "down:502", "down:503", "down:504", "dates:us", "bad-records:type"]


@pytest.mark.parametrize("spec", sweep_cases())
def test_no_error_log_or_warning_of_any_fault_holds_the_token(server, second_host, spec, caplog):
    caplog.set_level(logging.DEBUG, logger="urllib3")
    caplog.set_level(logging.DEBUG, logger="sharedcloud_nb")
    if spec == "redirect":
        server.inject("redirect", second_host.url, times=None)
    else:
        server.inject(spec)
    # A short read timeout only where every answer is meant to time out.
    client = sc.Client(SECRET, url=server.url, retries=1, timeout=(2, 0.3 if spec.startswith("slow") else 2))
    errors: list[BaseException] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in (
            client.images,
            client.list_images,
            lambda: client.image(WEB_CRAWLING),
            lambda: client.get_image(WEB_CRAWLING.upper()),
        ):
            try:
                call()
            except sc.SharedcloudError as exc:
                errors.append(exc)
    if spec not in ("latency:0.01", "dates:epoch", "dates:us", "bad-records", "bad-records:type"):
        assert len(errors) == 4, "every call fails under a lasting fault"
    if spec == "redirect":
        assert second_host.requests and not any("Authorization" in r.headers for r in second_host.requests)
    for error in errors:
        for text in error_texts(error):
            assert not leaks(text), text
    for warning in caught:
        assert not leaks(str(warning.message))
    assert caplog.records, "urllib3 and the package log at DEBUG"
    formatter = logging.Formatter("%(name)s %(message)s")
    for record in caplog.records:
        assert not leaks(formatter.format(record)), record.getMessage()


@pytest.mark.parametrize(
    "call",
    [
        lambda url: sc.Client(WRONG, url=url).images(),  # a refused token
        lambda url: sc.Client(SECRET, url=url).get_image("7" * 36),  # a malformed uuid
        lambda url: sc.Client(SECRET, url=url).get_image("00000000-0000-0000-0000-000000000007"),  # 404
        lambda url: sc.Client(SECRET, url=url + "/nowhere").images(),  # a path that is not the API
        lambda url: sc.login("demo", PASSWORD + "x", url=url),  # refused credentials
        lambda url: sc.Client(SECRET, url="http://sharedcloud.io"),  # insecure url
        lambda url: sc.Client(SECRET[:9] + "\r\n" + SECRET[9:], url=url),  # refused, not echoed
    ],
)
def test_errors_of_calls_hold_no_token_nor_password(server, call, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises((sc.SharedcloudError, ValueError)) as info:
        call(server.url)
    for text in error_texts(info.value):
        assert not leaks(text), text
    assert not any(leaks(record.getMessage()) for record in caplog.records)


def test_a_successful_login_logs_neither_password_nor_token(server, caplog):
    caplog.set_level(logging.DEBUG)
    assert sc.login("demo", PASSWORD, url=server.url) == SECRET
    assert caplog.records and not any(leaks(logging.Formatter().format(r)) for r in caplog.records)


# -- redirects and next links to another host -----------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_does_not_carry_the_token(server, second_host, status):
    target = second_host.url
    server.add_fault(lambda request: Response(status, b"", {"Location": target + request.path}), times=1)
    client = sc.Client(SECRET, url=server.url, retries=0)
    # The other host gets no token, so it answers 401: the call fails rather than leak.
    with pytest.raises(sc.AuthenticationError, match="Authentication credentials were not provided"):
        client.list_images()
    assert server.requests[0].authorized, "the server that was checked got the token (its own: SECRET)"
    assert [request.path for request in second_host.requests] == [LIST]
    assert "Authorization" not in second_host.requests[0].headers
    assert not any(leaks(value) for value in second_host.requests[0].headers.values())


def test_the_redirect_fault_to_another_host_over_the_command_line_spec(server, second_host):
    server.inject(f"redirect:{second_host.url}")
    with pytest.raises(sc.AuthenticationError):
        sc.Client(SECRET, url=server.url, retries=0).images()
    assert "Authorization" not in second_host.requests[0].headers


def test_a_redirect_on_the_same_host_keeps_the_token(server):
    # Django's APPEND_SLASH answers 301 to the same host: the token goes on, as it should.
    client = sc.Client(SECRET, url=server.url)
    assert client._request("GET", LIST.rstrip("/")).status_code == 200
    assert server.requests and all(r.authorized for r in server.requests)  # the server's token is SECRET


def test_a_next_page_on_another_host_is_refused_before_any_request(server, second_host):
    page = {"count": 2, "next": second_host.url + LIST + "?page=2", "previous": None, "results": [server.images[0]]}
    server.add_fault(lambda request: Response(200, page), times=1)
    with pytest.raises(sc.ResponseError, match=r"another host.*refusing to send the token"):
        sc.Client(SECRET, url=server.url).list_images()
    assert second_host.requests == []


# -- plain http:// to a remote host ---------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list:
    """Record every attempt to resolve or connect (none is expected)."""
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("no network access was expected")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize(
    "url",
    [
        "http://sharedcloud.io",
        "http://10.0.0.5:8000",
        "http://0.0.0.0:8000",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://127.0.0.1@example.com",  # user info "127.0.0.1", host example.com
        "http://user:pw@sharedcloud.io:80/",
        "HTTP://SHAREDCLOUD.IO",
    ],
)
def test_plain_http_to_a_remote_host_is_refused_before_any_request(url, no_network, monkeypatch):
    with pytest.raises(sc.InsecureURLError, match="in clear"):
        sc.Client(SECRET, url=url)
    with pytest.raises(sc.InsecureURLError):
        sc.connect(SECRET, url=url)
    with pytest.raises(sc.InsecureURLError):
        sc.login("demo", PASSWORD, url=url)
    monkeypatch.setenv("SHAREDCLOUD_URL", url)
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", SECRET)
    with pytest.raises(sc.InsecureURLError) as info:
        sc.connect()
    assert not any(leaks(text) for text in error_texts(info.value))
    assert no_network == []


# -- nothing is written ---------------------------------------------------------------------------


def snapshot(*roots: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under the roots, with its modification time and content."""
    files = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                files[str(path)] = (path.stat().st_mtime_ns, path.read_bytes())
            else:
                files[str(path)] = (path.stat().st_mtime_ns, b"<dir>")
    return files


@pytest.fixture
def watched(clean_env: Path, tmp_path_factory, monkeypatch) -> tuple[Path, Path, Path]:
    """HOME (from conftest), a working directory and the temporary directory, all fresh."""
    cwd, tmp = tmp_path_factory.mktemp("cwd"), tmp_path_factory.mktemp("tmp")
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return clean_env, cwd, tmp


def no_file_holds_the_token(*roots: Path) -> bool:
    return not any(SECRET.encode() in path.read_bytes() for root in roots for path in root.rglob("*") if path.is_file())


def test_connect_with_a_token_writes_nothing(server, watched, monkeypatch):
    before, environ = snapshot(*watched), dict(os.environ)
    client = sc.connect(SECRET, url=server.url)
    client.images()
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", SECRET)
    monkeypatch.setenv("SHAREDCLOUD_URL", server.url)
    sc.connect().images()
    monkeypatch.delenv("SHAREDCLOUD_TOKEN")
    monkeypatch.delenv("SHAREDCLOUD_URL")
    assert snapshot(*watched) == before
    assert dict(os.environ) == environ, "connect() puts the token in no environment variable"


def test_the_cli_login_file_is_read_not_written(server, watched):
    home = watched[0]
    login_file = home / _config.CLI_CONFIG
    login_file.parent.mkdir(parents=True)
    login_file.write_text(SECRET + "\n", encoding="utf-8")
    login_file.chmod(0o400)
    before = snapshot(*watched)

    client = sc.connect(url=server.url)  # the token comes from the login file
    assert len(client.images()) == len(server.images)
    assert server.requests[-1].authorized  # the server's token, SECRET, was sent
    assert not leaks(repr(client))

    assert snapshot(*watched) == before, "the login file and its folder are left exactly as they were"


def test_connect_to_the_demo_writes_nothing(watched, capsys):
    before = snapshot(*watched)
    _warn.forget_demo_warning()  # as in a new process: the demo is announced once per process
    with pytest.warns(sc.DemoDataWarning, match="no SHAREDCLOUD_TOKEN found"):
        client = sc.connect()
    assert client.is_demo and len(client.images()) > 0
    assert snapshot(*watched) == before
    assert no_file_holds_the_token(*watched)


def test_login_writes_nothing(server, watched):
    before = snapshot(*watched)
    assert sc.login("demo", PASSWORD, url=server.url) == SECRET
    assert snapshot(*watched) == before
