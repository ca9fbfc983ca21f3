"""Every named fault of the demo API, met by the client over real HTTP.

Transient faults (429, 502/503/504, a dropped or reset connection, one slow answer) are retried and
the call succeeds; persistent ones end in the right error of the tree, with a message that names
the status, the server's detail or a short excerpt of its page, and the path; bad bodies are
``ResponseError``; bad records become missing values with one warning per column.

Times are checked only as generous sanity bounds ("bounded", under 10 s) or as lower bounds that
prove a wait happened; retries back off 10 ms here instead of 0.5 s so the file stays fast.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import pytest
import requests

import sharedcloud_nb as sc
from sharedcloud_nb import _config
from sharedcloud_nb._http import CappedRetry as _CappedRetry
from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.demo.server import DEFAULT, FAULTS, parse_fault

LIST = "/api/v1/images/"
WEB_CRAWLING = "24b310f8-1405-4928-914f-d5c91272f88a"
BOUND = 10.0  # seconds: a sanity bound for "the call ends", not a speed target
RETRIES = 2


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait 10 ms instead of the default backoff (read when a Client is built)."""
    monkeypatch.setattr(_config, "DEFAULT_BACKOFF", 0.01)


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer() as demo:
        yield demo


def client_for(server: DemoServer, **options) -> sc.Client:
    options.setdefault("retries", RETRIES)
    options.setdefault("timeout", (2, 1.0))  # generous for loopback, shorter than slow:2
    return sc.Client(server.token, url=server.url, **options)


@contextmanager
def bounded() -> Iterator[None]:
    start = time.monotonic()
    yield
    assert time.monotonic() - start < BOUND, "the call must end within a bounded time"


def check_message(error: BaseException, server: DemoServer, *, path: str = LIST) -> str:
    """The message a person reads: short, one line, with the path, no HTML, no token."""
    text = str(error)
    assert path in text
    assert len(text) < 400 and "\n" not in text
    assert "<html" not in text.lower() and "<!doctype" not in text.lower()
    cause: BaseException | None = error
    while cause is not None:  # the whole chain a traceback shows
        assert server.token not in str(cause) and server.token not in repr(cause)
        cause = cause.__cause__ or cause.__context__
    return text


def frame_of(server: DemoServer, **options) -> tuple[pd.DataFrame, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = client_for(server, **options).images()
    return frame, caught


# -- the registry and its spec -----------------------------------------------------------------------


def test_every_fault_mode_of_the_issue_is_registered():
    assert set(FAULTS) >= {
        "latency",
        "slow",
        "status",
        "rate-limit",
        "down",
        "html-error",
        "not-json",
        "truncated",
        "drop",
        "reset",
        "bad-records",
        "dates",
        "redirect",
    }


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("truncated", ("truncated", None, DEFAULT)),
        ("status:503*2", ("status", "503", 2)),
        ("down*forever", ("down", None, None)),
        ("redirect:http://127.0.0.2:8000", ("redirect", "http://127.0.0.2:8000", DEFAULT)),
        ("bad-records:extra*3", ("bad-records", "extra", 3)),
    ],
)
def test_parse_fault(spec, parsed):
    assert parse_fault(spec) == parsed


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope", "Unknown fault 'nope'; known faults: bad-records, dates"),
        ("status:200", "between 400 and 599"),
        ("status:503*0", "TIMES must be >= 1"),
        ("latency:soon", "number of seconds"),
        ("bad-records:weird", "must be one of missing, extra, null, type"),
        ("dates:roman", "iso, us, epoch"),
        ("redirect", "ARG must be a url"),
        ("Status 503", "Not a fault spec"),
    ],
)
def test_bad_specs_are_refused_with_what_is_expected(spec, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        DemoServer(faults=[spec])


def test_times_after_and_path_select_the_requests(server):
    server.inject("status", 503, times=2, after=1, path=LIST + WEB_CRAWLING)
    headers = {"Authorization": f"Token {server.token}"}

    def status(path):
        return requests.get(server.url + path, headers=headers, timeout=5).status_code

    detail = LIST + WEB_CRAWLING + "/"
    assert [status(LIST), status(detail), status(detail), status(LIST), status(detail), status(detail)] == [
        200,
        200,
        503,
        200,
        503,
        200,
    ]


def test_cli_installs_faults_and_refuses_bad_ones():
    bad = subprocess.run(
        [sys.executable, "-m", "sharedcloud_nb.demo", "--port", "0", "--fault", "status:200"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "between 400 and 599" in bad.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "sharedcloud_nb.demo", "--port", "0", "--fault", "status:503*2", "--fault", "dates"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        banner = "".join(lines)
        assert "faults:   status:503*2 dates" in banner, banner + process.stderr.read()
        url = re.search(r"^\s*url:\s+(http://\S+)$", banner, re.M).group(1)
        headers = {"Authorization": f"Token {sc.demo.DEMO_TOKEN}"}
        statuses = [requests.get(url + LIST, headers=headers, timeout=10) for _ in range(3)]
        assert [r.status_code for r in statuses] == [503, 503, 200]
        assert statuses[2].json()[0]["created_at"] == "2017-06-14T10:02:17Z"
    finally:
        process.terminate()
        process.communicate(timeout=15)


# -- latency and slow answers -----------------------------------------------------------------------


def test_latency_delays_every_answer_and_the_call_still_succeeds(server):
    server.inject("latency:0.2")
    client = client_for(server, timeout=(2, 2))
    start = time.monotonic()
    assert len(client.list_images()) == len(server.images)
    client.get_image(WEB_CRAWLING)
    assert time.monotonic() - start >= 0.4, "two answers, each 0.2 s late"


def test_one_answer_slower_than_the_timeout_is_retried(server):
    server.inject("slow:2")
    with bounded():
        frame = client_for(server).images()
    assert len(frame) == len(server.images)
    assert len(server.requests) == 2


def test_answers_always_slower_than_the_timeout_end_in_a_transport_error(server):
    server.inject("slow:2*forever")
    with (
        bounded(),
        pytest.raises(sc.TransportError, match=r"timed out \(timeout=\(2, 0\.3\) s\).*raise timeout=") as info,
    ):
        client_for(server, timeout=(2, 0.3)).get_image(WEB_CRAWLING)  # every try times out
    check_message(info.value, server, path=f"{LIST}{WEB_CRAWLING}/")
    assert len(server.requests) == RETRIES + 1


# -- statuses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_transient_statuses_are_retried_and_the_call_succeeds(server, status, monkeypatch):
    monkeypatch.setattr(_config, "MAX_RETRY_AFTER", 0.05)  # 429's Retry-After: 1, shortened
    server.inject(f"status:{status}*{RETRIES}")
    with bounded():
        records = client_for(server).list_images()
    assert records == server.images
    assert len(server.requests) == RETRIES + 1


def test_retry_after_is_honoured(server):
    server.inject("rate-limit:1")
    start = time.monotonic()
    with bounded():
        assert len(client_for(server).images()) == len(server.images)
    assert time.monotonic() - start >= 0.9, "Retry-After: 1 is waited for"
    assert len(server.requests) == 2


def test_retry_after_is_capped(server, monkeypatch):
    # An hour asked; the cap (60 s by default, 0.2 s here) is what is waited.
    monkeypatch.setattr(_config, "MAX_RETRY_AFTER", 0.2)
    server.inject("rate-limit:3600")
    with bounded():
        assert len(client_for(server).images()) == len(server.images)
    assert len(server.requests) == 2


def test_the_default_cap_is_sixty_seconds():
    assert _config.MAX_RETRY_AFTER == 60
    answer = requests.Response()
    answer.headers["Retry-After"] = "3600"
    assert _CappedRetry().get_retry_after(answer) == 60
    answer.headers["Retry-After"] = "2"
    assert _CappedRetry().get_retry_after(answer) == 2


@pytest.mark.parametrize(
    ("status", "error", "detail", "tries"),
    [
        (429, sc.RateLimitError, "Request was throttled. Expected available in 1 second.", RETRIES + 1),
        (500, sc.ServerError, "A server error occurred.", 1),  # not transient: no retry
        (502, sc.ServerError, "Bad gateway.", RETRIES + 1),
        (503, sc.ServerError, "Service temporarily unavailable, try again later.", RETRIES + 1),
        (504, sc.ServerError, "Gateway timeout.", RETRIES + 1),
    ],
)
def test_persistent_failures_end_in_the_right_error(server, status, error, detail, tries, monkeypatch):
    monkeypatch.setattr(_config, "MAX_RETRY_AFTER", 0.05)  # 429's Retry-After: 1, shortened
    server.inject(f"down:{status}")
    with bounded(), pytest.raises(error) as info:
        client_for(server).images()
    assert type(info.value) is error
    assert (info.value.status, info.value.detail, info.value.path) == (status, detail, LIST)
    text = check_message(info.value, server)
    assert text.startswith(f"{status} ") and detail in text
    if status == 429:
        assert "(Retry-After: 1)" in text
    assert len(server.requests) == tries


def test_a_proxy_html_page_once_is_retried(server):
    server.inject("html-error")
    with bounded():
        assert len(client_for(server).images()) == len(server.images)


def test_a_persistent_proxy_html_page_gives_a_short_excerpt(server):
    server.inject("html-error*forever")
    with bounded(), pytest.raises(sc.ServerError) as info:
        client_for(server).list_images()
    assert info.value.status == 502 and info.value.detail is None
    text = check_message(info.value, server)
    assert "(the server sent: '502 Bad Gateway')" in text
    page = requests.get(server.url + LIST, headers={"Authorization": f"Token {server.token}"}, timeout=5)
    assert len(page.content) > 4000 and len(text) < 200, "an excerpt, never the whole page"


def test_an_html_error_page_on_a_detail_names_its_path(server):
    server.inject("html-error:504*forever")
    with pytest.raises(sc.ServerError, match="504 Gateway Timeout") as info:
        client_for(server).image(WEB_CRAWLING)
    check_message(info.value, server, path=f"{LIST}{WEB_CRAWLING}/")


# -- bodies that are not JSON ---------------------------------------------------------------------


def test_a_200_with_a_page_instead_of_json_is_a_response_error(server):
    server.inject("not-json")
    with (
        bounded(),
        pytest.raises(
            sc.ResponseError, match=r"not JSON \(text/html; charset=utf-8, \d+ bytes\): 'Scheduled maintenance'"
        ) as info,
    ):
        client_for(server).images()
    check_message(info.value, server)
    assert len(server.requests) == 1  # a 200 is an answer: not retried


def test_demo_truncated_answer_announces_more_than_it_sends(server):
    server.inject("truncated")
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(f"GET {LIST} HTTP/1.1\r\nHost: x\r\nAuthorization: Token {server.token}\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):  # the server closes after the half body
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert head.startswith(b"HTTP/1.1 200") and 0 < len(body) < length
    assert body.startswith(b"[{") and not body.endswith(b"]")


@pytest.mark.parametrize("call", ["list", "detail"])
def test_a_truncated_body_is_a_response_error(server, call):
    server.inject("truncated")
    client = client_for(server)
    with (
        bounded(),
        pytest.raises(
            sc.ResponseError,
            match=r"was cut off before its end \(IncompleteRead\(\d+ bytes read, \d+ more expected\)\)",
        ) as info,
    ):
        client.list_images() if call == "list" else client.get_image(WEB_CRAWLING)
    # urllib3 2 enforces Content-Length (IncompleteRead); the error summarises that cause in its
    # message and chains nothing, so no urllib3 frame (holding the request's headers) stays reachable.
    assert info.value.__cause__ is None and info.value.__context__ is None
    check_message(info.value, server, path=LIST if call == "list" else f"{LIST}{WEB_CRAWLING}/")
    assert client.list_images() == server.images  # the next call is whole again


# -- connections closed without an answer ---------------------------------------------------------


@pytest.mark.parametrize("fault", ["drop", "reset"])
def test_a_connection_closed_once_is_retried(server, fault):
    server.inject(fault)
    with bounded():
        assert client_for(server).list_images() == server.images
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("drop", "Remote end closed connection without response"), ("reset", "Connection reset by peer")],
)
def test_a_connection_always_closed_is_a_transport_error(server, fault, reason):
    server.inject(f"{fault}*forever")
    with bounded(), pytest.raises(sc.TransportError, match=f"Could not reach .* for GET {LIST}: .*{reason}") as info:
        client_for(server).images()
    check_message(info.value, server)
    assert len(server.requests) == RETRIES + 1


def test_connection_refused_is_a_transport_error():
    with DemoServer() as gone:
        url, token = gone.url, gone.token
    with bounded(), pytest.raises(sc.TransportError, match=r"Could not reach .*Connection refused"):
        sc.Client(token, url=url, retries=RETRIES).images()


# -- listings that fail half-way ------------------------------------------------------------------


@pytest.fixture
def paged() -> Iterator[DemoServer]:
    with DemoServer(page_size=10) as demo:  # 48 images: 5 pages
        yield demo


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("down:500", sc.ServerError),
        ("down:503", sc.ServerError),
        ("html-error*forever", sc.ServerError),
        ("not-json", sc.ResponseError),
        ("truncated", sc.ResponseError),
        ("drop*forever", sc.TransportError),
        ("slow:2*forever", sc.TransportError),
    ],
)
def test_a_listing_failing_half_way_raises_and_returns_nothing(paged, fault, error):
    paged.inject(fault, after=2)  # pages 1 and 2 answer; page 3 fails
    client = client_for(paged)
    with bounded(), pytest.raises(error) as info:
        client.images()
    check_message(info.value, paged)
    assert "page=3" in paged.requests[2].path


def test_a_listing_with_a_transient_fault_half_way_is_whole(paged):
    paged.inject("status:503", after=2)
    paged.inject("drop", after=3)
    records = client_for(paged).list_images()
    assert records == paged.images


# -- bad records and other date formats -----------------------------------------------------------


HALF = 24  # bad-records damages every other record of the 48


def warned(caught: list[warnings.WarningMessage]) -> dict[str, str]:
    """{column: message} of the SharedcloudWarnings, checking there is at most one per column."""
    messages = [str(w.message) for w in caught if issubclass(w.category, sc.SharedcloudWarning)]
    assert [w for w in caught if not issubclass(w.category, sc.SharedcloudWarning)] == []
    columns = [message.split(":", 1)[0] for message in messages]
    assert len(columns) == len(set(columns)), "one warning per column"
    return dict(zip(columns, messages, strict=False))


def test_records_with_wrong_types_keep_every_row(server):
    server.inject("bad-records:type")
    frame, caught = frame_of(server)
    assert len(frame) == len(server.images) and list(frame.columns[:13]) == sc.frames.COLUMNS
    assert frame["num_installations"].isna().sum() == HALF
    assert frame["requires_gpu"].isna().sum() == HALF
    assert frame["name"].isna().sum() == HALF
    assert frame["created_at"].notna().all() and frame["runtime"].notna().all()
    messages = warned(caught)
    assert set(messages) == {"name", "requires_gpu", "num_installations"}
    assert messages["num_installations"].startswith(f"num_installations: {HALF} of 48 values are not whole numbers")
    assert "'three'" in messages["num_installations"]
    # The undamaged rows (2nd, 4th...) keep their values.
    served = {r["uuid"]: r for r in server.images}
    for uuid in frame.index[1::2]:
        assert frame.loc[uuid, "num_installations"] == served[uuid]["num_installations"]


def test_records_with_missing_fields(server):
    server.inject("bad-records:missing")
    frame, caught = frame_of(server)
    assert len(frame) == 48
    assert frame["updated_at"].isna().sum() == HALF and frame["since_update"].isna().sum() == HALF
    assert frame["registry_path"].isna().sum() == HALF and frame["repository"].isna().sum() == HALF
    messages = warned(caught)
    assert messages == {
        "updated_at": f"updated_at: the field is missing from {HALF} of 48 records",
        "registry_path": f"registry_path: the field is missing from {HALF} of 48 records",
    }


def test_records_with_nulls_are_missing_without_warnings(server):
    server.inject("bad-records:null")
    frame, caught = frame_of(server)
    assert len(frame) == 48
    for column in ("description", "tag", "created_at", "age"):
        assert frame[column].isna().sum() == HALF
    assert warned(caught) == {}  # null is the API's own "no value"


def test_records_with_extra_fields_keep_them_after_the_schema(server):
    server.inject("bad-records:extra")
    frame, caught = frame_of(server)
    assert list(frame.columns) == [*sc.frames.COLUMNS, "visibility", "labels"]
    assert frame["visibility"].iloc[0] == "public" and pd.isna(frame["visibility"].iloc[1])
    assert frame["labels"].iloc[0] == {"team": "ml", "tier": 2}
    assert warned(caught) == {}


def test_mixed_bad_records_warn_once_per_column(server):
    server.inject("bad-records")
    frame, caught = frame_of(server)
    assert len(frame) == 48
    assert set(warned(caught)) == {"name", "requires_gpu", "num_installations", "registry_path", "updated_at"}


def test_a_bad_detail_record_is_a_typed_series_with_missing_values(server):
    server.inject("bad-records:type")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        series = client_for(server).image(WEB_CRAWLING)
    assert series.name == WEB_CRAWLING
    assert pd.isna(series["num_installations"]) and pd.isna(series["requires_gpu"])
    assert series["created_at"] == pd.Timestamp("2018-09-22 00:45:50", tz="UTC")
    assert set(warned(caught)) == {"name", "requires_gpu", "num_installations"}


def test_iso_dates_are_read_as_the_same_instants(server):
    clean = client_for(server).images()
    server.inject("dates:iso")
    frame, caught = frame_of(server)
    assert warned(caught) == {}
    for column in ("created_at", "updated_at", "current_server_time", "age", "since_update"):
        pd.testing.assert_series_equal(frame[column], clean[column])


@pytest.mark.parametrize(("style", "first"), [("us", "'06/14/2017 10:02:17'"), ("epoch", "1497434537")])
def test_dates_in_an_unknown_format_become_missing_with_a_warning(server, style, first):
    server.inject(f"dates:{style}")
    frame, caught = frame_of(server)
    assert len(frame) == 48
    assert frame["created_at"].isna().all() and frame["age"].isna().all()
    messages = warned(caught)
    assert set(messages) == {"created_at", "updated_at", "current_server_time"}
    assert messages["created_at"].startswith("created_at: 48 of 48 values are not dates in %d-%m-%Y %H:%M:%S")
    assert f"(the first: {first})" in messages["created_at"]


def test_bad_records_on_pages_damage_every_other_record_of_the_listing(paged):
    paged.inject("bad-records:type")
    frame, _caught = frame_of(paged)
    assert len(frame) == 48 and frame["num_installations"].isna().sum() == HALF
    assert frame["num_installations"].isna().tolist() == [i % 2 == 0 for i in range(48)]


# -- faults stack ---------------------------------------------------------------------------------


def test_alterations_stack_and_an_answer_ends_the_search(server):
    server.inject("latency:0.05")
    server.inject("dates")
    server.inject("status:503")
    raw = requests.get(server.url + LIST, headers={"Authorization": f"Token {server.token}"}, timeout=5)
    assert raw.status_code == 503
    raw = requests.get(server.url + LIST, headers={"Authorization": f"Token {server.token}"}, timeout=5)
    assert raw.json()[0]["created_at"] == "2017-06-14T10:02:17Z"
