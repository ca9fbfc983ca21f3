"""Logging in: a username and password for a token, sent only to the url that was checked.

:func:`login` posts the form once (a POST is never retried) through a session of
:func:`sharedcloud_nb._http.new_session`, follows no redirect (the credentials would go with it),
and holds the password in a :class:`~sharedcloud_nb._http.Secret` from its first line, so that a
traceback showing the frames' local variables never shows it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from . import _calls, _config, _http
from ._calls import check_timeout
from ._http import DECODE_ERRORS, Timeout, check_url, is_loopback_url, loads, new_session
from ._http import transport_error as _transport_error
from .errors import (
    AuthenticationError,
    InputError,
    InputTypeError,
    ResponseError,
    SharedcloudError,
    _server_detail,
    excerpt,
    raise_for_status,
)

__all__ = ["login"]


def login(username: str, password: str, *, url: str | None = None, timeout: Timeout = _config.DEFAULT_TIMEOUT) -> str:
    """Get an API token with a username and password (``POST /api/v1/api-token-auth/``).

    The credentials go only to the url that was checked: a redirect is not followed.

    Args:
        username: the Sharedcloud username.
        password: its password (never logged nor shown).
        url: the host root; else SHAREDCLOUD_URL, SHAREDCLOUD_CLI_URL, the real service.
        timeout: (connect, read) timeouts in seconds.

    Returns:
        The token string.

    Raises:
        InputTypeError: (a TypeError) the username or the password is not text (None, a number,
            bytes): nothing is sent, and the message names its type only; a timeout that is no number.
        InputError: (a ValueError) the username or the password is empty, or a timeout of 0 or less;
            nothing is sent.
        AuthenticationError: the server refused the credentials (with its message).
        TransportError: the server could not be reached.
        ResponseError: the answer holds no token, or redirects elsewhere.

    Example:
        >>> token = sc.login("me", getpass())  # doctest: +SKIP
    """
    secret = _http.Secret(password)
    del password  # from here on only the Secret holds it, whose repr hides it (tracebacks show locals)
    _check_credentials(username, secret)
    check_timeout(timeout)
    target = check_url(_config.resolve_url(url)[0]) + _config.LOGIN_PATH
    form = {"username": username, "password": secret}
    del secret
    with new_session(loopback=is_loopback_url(target)) as session:  # one attempt: a POST is never retried
        response, error = _post_form(session, target, form, timeout)
    if error is not None:
        raise error  # outside the except block: nothing chained
    assert response is not None
    return _token_of(response)


def _check_credentials(username: object, password: _http.Secret) -> None:
    """Refuse credentials that are not text, or blank, before anything is sent.

    The password is never bound to a local name here (a traceback showing locals would show it),
    and a message names its type only.
    """
    for name, kind, blank in (
        ("username", type(username), isinstance(username, str) and not username.strip()),
        ("password", type(password.reveal()), isinstance(password.reveal(), str) and not password.reveal().strip()),
    ):
        if not issubclass(kind, str):
            raise InputTypeError(
                f"sc.login(username, password) takes text: the {name} must be a string, got {kind.__name__}."
            )
        if blank:
            raise InputError(f"sc.login(username, password): the {name} is empty (or only spaces).")


def _post_form(
    session: requests.Session, target: str, form: dict[str, Any], timeout: Timeout
) -> tuple[requests.Response | None, SharedcloudError | None]:
    """POST the login form once, never following a redirect; the answer, or the error of the tree."""
    try:
        return session.post(
            target,
            data={name: value.reveal() if isinstance(value, _http.Secret) else value for name, value in form.items()},
            timeout=timeout,
            allow_redirects=False,
            proxies=_calls.NO_PROXY if is_loopback_url(target) else None,  # type: ignore[arg-type]  # None drops a proxy
        ), None
    except requests.exceptions.RequestException as exc:
        return None, _transport_error(exc, method="POST", url=target, timeout=timeout, retries=0)


def _token_of(response: requests.Response) -> str:
    """The token of a login answer; a 400 is the server refusing the credentials."""
    path = urlsplit(response.url).path
    if response.status_code == 400:
        detail = _server_detail(response) or "the server refused the credentials"
        raise AuthenticationError(
            f"Login refused: {detail} Check the username and password.", status=400, detail=detail, path=path
        )
    raise_for_status(response)
    if response.is_redirect:
        where = urlsplit(response.headers.get("Location", ""))
        raise ResponseError(
            f"The login answer redirects to {where.netloc or where.path or 'another place'}; "
            "the credentials were not sent there. Check the server url."
        )
    try:
        token = loads(response.content).get("token")
    except (*DECODE_ERRORS, AttributeError):  # type: ignore[misc]  # mypy reads no starred tuple here
        token = None
    if not isinstance(token, str) or not token:
        raise ResponseError(f"The login answer holds no token: {excerpt(response.content)!r}.")
    return token
