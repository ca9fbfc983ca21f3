"""No secret in what a widget keeps: ``last_error`` printed with every frame's locals.

IPython's ``%xmode Verbose`` and ``pytest --showlocals`` print the locals of every frame of an
exception and of its chain; ``traceback.TracebackException(..., capture_locals=True)`` is the same
walk. Whatever a widget keeps in ``last_error`` (a failed connect or login, an observer's or a
callback's exception, a failed detail request) must not show the token or the password that way.
"""

from __future__ import annotations

import traceback
import warnings

import pytest

import sharedcloud_nb as sc
from sharedcloud_nb._connecting import detached

KNOWN = "24b310f8-1405-4928-914f-d5c91272f88a"


def with_locals(exc: BaseException) -> str:
    return "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())


def boom(_value):
    raise RuntimeError("a callback failed")


def assert_hidden(exc: BaseException | None, *secrets: str) -> None:
    assert exc is not None
    text = with_locals(exc)
    for secret in secrets:
        assert secret not in text


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(lambda form: form.on_connect(boom), id="on_connect callback"),
        pytest.param(lambda form: form.observe(lambda change: 1 / 0, names="client"), id="observer of client"),
    ],
)
def test_a_failing_observer_or_callback_after_a_connect_keeps_no_token(demo_server, break_it):
    form = sc.token_form(url=demo_server.url)
    break_it(form)
    form.token.value = demo_server.token
    assert form.client is not None and form.last_error is not None
    assert_hidden(form.last_error, demo_server.token)


def test_a_failing_callback_after_a_login_keeps_no_password_nor_token(demo_server):
    form = sc.token_form(boom, url=demo_server.url)
    form.username.value = demo_server.username
    form.password.value = demo_server.password
    assert form.client is not None and isinstance(form.last_error, RuntimeError)
    assert_hidden(form.last_error, demo_server.password, demo_server.token)


def test_a_refused_token_or_password_is_kept_without_it(demo_server):
    form = sc.token_form(url=demo_server.url)
    form.token.value = demo_server.token + "-typo"
    assert_hidden(form.last_error, demo_server.token)
    form.username.value = demo_server.username
    form.password.value = "not-the-password-42"
    assert isinstance(form.last_error, sc.AuthenticationError)
    assert_hidden(form.last_error, "not-the-password-42", demo_server.token)


def test_the_picker_and_the_explorer_keep_no_token(fresh_server):
    token = fresh_server.token
    client = sc.Client(token, url=fresh_server.url, retries=0)
    picker = sc.image_picker(client, on_pick=boom)
    picker.value = KNOWN
    assert isinstance(picker.last_error, RuntimeError)
    assert_hidden(picker.last_error, token)
    fresh_server.fail_next(1, 500, {"detail": "Database unavailable."})
    picker.value = "2413a0f8-c105-4928-914f-d5c93173f88a"
    assert isinstance(picker.last_error, sc.ServerError)
    assert_hidden(picker.last_error, token)
    view = sc.explorer(client, debounce=0)
    try:
        fresh_server.fail_next(1, 500, {"detail": "Database unavailable."})
        view.selected = KNOWN
        assert isinstance(view.last_error, sc.ServerError)
        assert_hidden(view.last_error, token)
    finally:
        view.close()


def test_a_transport_failure_of_a_pick_keeps_no_token(demo_server):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = sc.Client(demo_server.token, url=demo_server.url).images()
    with sc.demo.DemoServer() as gone:
        url, token = gone.url, gone.token
    picker = sc.image_picker(frame, client=sc.Client(token, url=url, retries=0))
    picker.value = KNOWN
    assert isinstance(picker.last_error, sc.TransportError)
    assert_hidden(picker.last_error, token)


def test_detached_clears_the_cause_and_the_context_alike():
    def holds(secret):
        raise KeyError("inner")

    try:
        holds("s3cr3t-cause")
    except KeyError as exc:
        cause = exc
    try:
        try:
            holds("s3cr3t-context")
        except KeyError:
            raise ValueError("outer") from cause  # a cause other than the exception being handled
    except ValueError as exc:
        caught = exc
    assert caught.__context__ is not None and caught.__context__ is not caught.__cause__
    kept = detached(caught)
    assert kept.__traceback__ is None and kept.__cause__.__traceback__ is None
    assert kept.__context__.__traceback__ is None
    assert "s3cr3t" not in with_locals(kept)
