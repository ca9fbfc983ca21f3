"""The client over real HTTP against the demo API: endpoints, error mapping, retries, pagination."""

from __future__ import annotations

import logging
import time
import uuid

import pandas as pd
import pytest
import requests

import sharedcloud_nb as sc
from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.store import fingerprint

WEB_CRAWLING = "24b310f8-1405-4928-914f-d5c91272f88a"
DETAIL_EXAMPLE = "2413a0f8-c105-4928-914f-d5c93173f88a"


def test_list_images_returns_every_record_as_served(client, demo_server):
    records = client.list_images()
    assert isinstance(records, list)
    assert records == demo_server.images
    assert len(records) >= 40


def test_get_image_returns_the_documented_record(client):
    record = client.get_image(WEB_CRAWLING)
    assert record["uuid"] == WEB_CRAWLING
    assert record["name"] == "web-crawling"
    assert record["created_at"] == "22-09-2018 00:45:50"


def test_images_is_typed_and_day_first(client):
    df = client.images()
    assert df.index.name == "uuid"
    row = df.loc[WEB_CRAWLING]
    assert row["created_at"] == pd.Timestamp("2018-09-22 00:45:50", tz="UTC")
    # 05-10-2018 is the 5th of October, not the 10th of May.
    assert row["current_server_time"] == pd.Timestamp("2018-10-05 16:45:36", tz="UTC")
    assert str(df["created_at"].dtype) == "datetime64[ns, UTC]"
    assert df.attrs["source"] == "demo"


def test_image_is_a_typed_series_named_by_uuid(client):
    series = client.image(WEB_CRAWLING.upper())  # any spelling of the uuid is made canonical
    assert series.name == WEB_CRAWLING
    assert series["created_at"] == pd.Timestamp("2018-09-22 00:45:50", tz="UTC")
    assert series["age"] == pd.Timedelta("13 days 15:59:46")
    assert series["num_installations"] == 3
    frame_row = client.images().loc[WEB_CRAWLING]
    assert series.to_dict() == frame_row.to_dict()


def test_instance_filter(client, demo_server):
    instance = demo_server.instances[0]
    df = client.images(instance=instance)
    assert 0 < len(df) < len(demo_server.images)
    assert df.attrs["instance"] == instance
    served = [
        r["uuid"]
        for r in requests.get(
            demo_server.url + "/api/v1/images/",
            params={"instance": instance},
            headers={"Authorization": f"Token {demo_server.token}"},
            timeout=5,
        ).json()
    ]
    assert list(df.index) == served


@pytest.mark.parametrize("bad", ["not-a-uuid", "24b310f8-1405-4928-914f", "", "../../etc/passwd"])
def test_malformed_uuid_is_refused_before_any_request(fresh_server, bad):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    before = len(fresh_server.requests)
    with pytest.raises(ValueError, match="Not a valid uuid"):
        client.get_image(bad)
    with pytest.raises(ValueError, match="Not a valid uuid"):
        client.images(instance=bad)
    assert len(fresh_server.requests) == before


def test_unknown_uuid_is_not_found(client):
    with pytest.raises(sc.NotFoundError, match="Not found") as info:
        client.get_image(uuid.UUID(int=7))
    assert info.value.status == 404
    assert info.value.detail == "Not found."
    assert info.value.path == f"/api/v1/images/{uuid.UUID(int=7)}/"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "Authentication credentials were not provided."),
        ("Token 0000000000000000000000000000000000000000", "Invalid token."),
        ("Token", "Invalid token header. No credentials provided."),
        ("Token a b", "Invalid token header. Token string should not contain spaces."),
    ],
)
def test_auth_errors_map_to_authentication_error(demo_server, header, detail):
    session = requests.Session()
    if header is not None:
        # Send the raw header (the Client refuses such tokens itself), to test the mapping.
        session.headers["Authorization"] = header
    client = sc.Client("placeholder-token-0000", url=demo_server.url, session=session)
    client._auth = lambda request: request  # leave the session's header as it is
    with pytest.raises(sc.AuthenticationError) as info:
        client.list_images()
    assert info.value.status == 401
    assert info.value.detail == detail
    assert "SHAREDCLOUD_TOKEN" in str(info.value)


def test_invalid_token_message_is_actionable_and_secret_free(demo_server):
    token = "f" * 40
    client = sc.Client(token, url=demo_server.url)
    with pytest.raises(sc.AuthenticationError, match=r"401 .*Invalid token\..*SHAREDCLOUD_TOKEN") as info:
        client.images()
    assert token not in str(info.value) and token not in repr(info.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, sc.APIError),
        (401, sc.AuthenticationError),
        (403, sc.AuthenticationError),
        (404, sc.NotFoundError),
        (409, sc.APIError),
        (429, sc.RateLimitError),
        (500, sc.ServerError),
        (502, sc.ServerError),
        (503, sc.ServerError),
        (504, sc.ServerError),
    ],
)
def test_status_mapping(fresh_server, status, error):
    body = b'{"detail": "Something the server says."}'
    fresh_server.fail_next(10, status, body=body, headers={"Content-Type": "application/json"})
    client = sc.Client(fresh_server.token, url=fresh_server.url, retries=0)
    with pytest.raises(error, match="Something the server says") as info:
        client.list_images()
    assert type(info.value) is error
    assert info.value.status == status
    assert info.value.detail == "Something the server says."
    assert str(status) in str(info.value)
    assert "/api/v1/images/" in str(info.value)


def test_retries_503_twice_then_succeeds(fresh_server):
    fresh_server.fail_next(2, 503, body=b'{"detail": "Busy."}', headers={"Content-Type": "application/json"})
    client = sc.Client(fresh_server.token, url=fresh_server.url, retries=3)
    assert len(client.list_images()) == len(fresh_server.images)
    assert len(fresh_server.requests) == 3


def test_retry_honours_retry_after(fresh_server):
    fresh_server.fail_next(
        1,
        429,
        body=b'{"detail": "Request was throttled."}',
        headers={"Content-Type": "application/json", "Retry-After": "1"},
    )
    client = sc.Client(fresh_server.token, url=fresh_server.url, retries=2)
    start = time.monotonic()
    client.list_images()
    elapsed = time.monotonic() - start
    assert elapsed >= 0.9, "Retry-After: 1 must be waited for"
    assert len(fresh_server.requests) == 2


def test_retries_are_bounded_and_end_in_the_right_error(fresh_server):
    fresh_server.fail_next(100, 503, body=b'{"detail": "Busy."}', headers={"Content-Type": "application/json"})
    client = sc.Client(fresh_server.token, url=fresh_server.url, retries=2)
    with pytest.raises(sc.ServerError, match=r"503.*Busy"):
        client.list_images()
    assert len(fresh_server.requests) == 3  # the first try and two retries


def test_post_is_never_retried(fresh_server):
    fresh_server.fail_next(1, 503, body=b'{"detail": "Busy."}', headers={"Content-Type": "application/json"})
    with pytest.raises(sc.ServerError):
        sc.login(fresh_server.username, fresh_server.password, url=fresh_server.url)
    assert len(fresh_server.requests) == 1


def test_pagination_is_followed():
    with DemoServer(page_size=7) as server:
        client = sc.Client(server.token, url=server.url)
        records = client.list_images()
        assert [r["uuid"] for r in records] == [r["uuid"] for r in server.images]
        assert len(server.requests) == -(-len(server.images) // 7)
        assert len(client.images()) == len(server.images)


def test_pagination_failing_half_way_raises_rather_than_returning_part():
    with DemoServer(page_size=7) as server:
        client = sc.Client(server.token, url=server.url, retries=0)
        # The first page answers, every later one fails.
        original = server.fail_next
        client.session.hooks["response"].append(
            lambda response, *a, **k: original(
                50, 500, body=b'{"detail": "Boom."}', headers={"Content-Type": "application/json"}
            )
        )
        with pytest.raises(sc.ServerError, match="Boom"):
            client.list_images()


def test_not_json_raises_response_error(fresh_server):
    fresh_server.fail_next(
        1,
        200,
        body=b"<html><title>Welcome to nginx</title><body>" + b"x" * 5000 + b"</body></html>",
        headers={"Content-Type": "text/html"},
    )
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    with pytest.raises(sc.ResponseError, match=r"not JSON.*Welcome to nginx") as info:
        client.list_images()
    assert len(str(info.value)) < 400


def test_wrong_shape_raises_response_error(fresh_server):
    fresh_server.fail_next(1, 200, body=b'{"images": []}', headers={"Content-Type": "application/json"})
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    with pytest.raises(sc.ResponseError, match="Expected a list of image objects, got dict"):
        client.images()


def test_connection_refused_is_a_transport_error():
    with DemoServer() as server:
        url, token = server.url, server.token
    client = sc.Client(token, url=url, retries=0)
    with pytest.raises(sc.TransportError, match="Could not reach"):
        client.list_images()


def test_timeout_is_a_transport_error(fresh_server, monkeypatch):
    client = sc.Client(fresh_server.token, url=fresh_server.url, retries=0, timeout=(1, 0.2))
    fresh_server.delay = 1.0
    with pytest.raises(sc.TransportError, match=r"timed out|Read timed out"):
        client.list_images()


@pytest.mark.parametrize("url", ["http://sharedcloud.io", "http://10.0.0.5:8000", "http://example.com/"])
def test_plain_http_to_a_remote_host_is_refused(url):
    with pytest.raises(sc.InsecureURLError, match="in clear"):
        sc.Client("a" * 40, url=url)
    with pytest.raises(ValueError):
        sc.Client("a" * 40, url=url)


@pytest.mark.parametrize(
    "url", ["https://sharedcloud.io", "http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"]
)
def test_https_and_loopback_are_accepted(url):
    assert sc.Client("a" * 40, url=url).url == url


def test_repr_names_the_server_and_account_never_the_token(client, demo_server):
    text = repr(client)
    assert text == f"Client(url={demo_server.url!r}, account='demo')"
    assert str(client) == text
    other = sc.Client("0123456789abcdef" * 2 + "01234567", url="https://sharedcloud.io")
    assert repr(other) == f"Client(url='https://sharedcloud.io', account={fingerprint(other._token)!r})"
    assert "4567" not in repr(other) and "0123" not in repr(other)


def test_client_displays_itself_as_html(client, demo_server):
    shown = client._repr_html_()
    assert "Sharedcloud client" in shown and demo_server.url in shown and "demo API" in shown
    assert "online" in shown and demo_server.token not in shown
    other = sc.Client("0123456789abcdef" * 2 + "01234567", url="https://sharedcloud.io")
    assert fingerprint(other._token) in other._repr_html_() and "4567" not in other._repr_html_()


def test_token_with_newline_is_refused_without_echo():
    with pytest.raises(ValueError) as info:
        sc.Client("abc\r\nX-Evil: 1", url="https://sharedcloud.io")
    assert "X-Evil" not in str(info.value)


def test_login_form_returns_the_token(demo_server):
    assert sc.login(demo_server.username, demo_server.password, url=demo_server.url) == demo_server.token


def test_login_bad_credentials(demo_server):
    with pytest.raises(sc.AuthenticationError, match="Unable to log in with provided credentials") as info:
        sc.login(demo_server.username, "wrong", url=demo_server.url)
    assert "wrong" not in str(info.value)


def test_debug_logs_hold_no_token(fresh_server, caplog):
    caplog.set_level(logging.DEBUG)
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    client.images()
    with pytest.raises(sc.NotFoundError):
        client.get_image(uuid.UUID(int=1))
    assert caplog.records, "the package and urllib3 log at DEBUG"
    assert all(fresh_server.token not in record.getMessage() for record in caplog.records)


def test_redirect_to_trailing_slash_is_followed_with_token(fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    response = client._request("GET", "/api/v1/images")
    assert response.status_code == 200
    assert response.history and response.history[0].status_code == 301


def test_client_is_a_context_manager_that_closes_its_session(demo_server, monkeypatch):
    closed = []
    with sc.Client(demo_server.token, url=demo_server.url) as client:
        monkeypatch.setattr(client.session, "close", lambda: closed.append(True))
        assert len(client.images()) > 0
    assert closed == [True]


def test_close_leaves_a_session_it_was_given_open(demo_server, monkeypatch):
    session = requests.Session()
    closed = []
    monkeypatch.setattr(session, "close", lambda: closed.append(True))
    with sc.Client(demo_server.token, url=demo_server.url, session=session) as client:
        client.images()
    assert closed == []


def test_login_does_not_follow_a_redirect_with_the_credentials():
    with DemoServer() as elsewhere, DemoServer() as server:
        server.inject("redirect", elsewhere.url.replace("127.0.0.1", "localhost"))
        with pytest.raises(sc.ResponseError, match=r"redirects to localhost.*credentials were not sent") as info:
            sc.login(server.username, server.password, url=server.url)
        assert server.password not in str(info.value)
        assert elsewhere.requests == []


def test_login_transport_failure_is_worded_and_hides_the_password():
    with DemoServer() as server:
        url = server.url
    with pytest.raises(sc.TransportError, match=r"Could not reach .* for POST /api/v1/api-token-auth/") as info:
        sc.login("demo", "s3cret-password", url=url)
    assert "s3cret-password" not in str(info.value)
    assert info.value.__cause__ is None  # no chained urllib3 frames holding the request
