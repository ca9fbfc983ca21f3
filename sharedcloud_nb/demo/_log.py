"""The demo server's request log: bounded, and with no secret in it.

:attr:`DemoServer.requests <sharedcloud_nb.demo.DemoServer.requests>` keeps the last
:data:`LOG_SIZE` requests (a long-running ``python -m sharedcloud_nb.demo`` or a load test would
otherwise keep every one). What it keeps is :func:`for_the_log`'s copy of each: credentials
masked (``Authorization: Token <hidden>``, the login body's password), and the server's token and
password nowhere, so that printing the log, or a test failure that shows it, reveals neither.
Whether the request carried the server's token stays known, as ``request.authorized``. Bodies
above :data:`MAX_BODY` are refused before they are read (the API never needs one that big).

Standard library only.
"""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

from . import api
from .api import DemoRequest, Headers

__all__ = ["HIDDEN", "LOG_SIZE", "MAX_BODY", "authorized", "for_the_log"]

#: How many requests the log keeps: the last ones.
LOG_SIZE = 1000
#: The largest request body the server reads, in bytes (a login's is well under 1 KiB).
MAX_BODY = 64 * 1024
#: What stands in the log for a secret.
HIDDEN = "<hidden>"

# Headers whose whole value is a credential: the scheme word is kept, the rest hidden.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def authorized(headers: Headers, token: str) -> bool:
    """Whether ``headers`` carry exactly ``Authorization: Token <token>`` (the keyword in any case, as DRF reads it).

    Example:
        >>> authorized(Headers([("Authorization", "token abc")]), "abc")
        True
    """
    parts = headers.get("Authorization", "").split()
    return len(parts) == 2 and parts[0].lower() == "token" and parts[1] == token


def _masked_header(name: str, value: str) -> str:
    if name.lower() not in _CREDENTIAL_HEADERS:
        return value
    scheme, _, rest = value.partition(" ")
    return f"{scheme} {HIDDEN}" if rest and name.lower() != "cookie" else HIDDEN


def _spellings(secret: str) -> set[bytes]:
    """How ``secret`` may be written in a body: as is, form-encoded, or inside a JSON string."""
    forms = {secret, quote_plus(secret), quote(secret, safe=""), json.dumps(secret)[1:-1]}
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    return {form.encode("utf-8", "surrogatepass") for form in forms if form}


def _masked_body(request: DemoRequest, secrets: list[str]) -> bytes:
    """The body with the password it carries (as the login view reads it) and every secret hidden.

    When the password cannot be found written out in the body (an encoding not foreseen), the
    whole body is hidden rather than kept.
    """
    body = request.body
    if not body:
        return body
    try:
        password = api._parse_form(request).get("password")
    except Exception:  # not a form the login view reads: nothing named a password in it
        password = None
    hidden = [secret for secret in [*secrets, password] if isinstance(secret, str) and secret]
    for secret in sorted(hidden, key=len, reverse=True):
        for spelling in _spellings(secret):
            body = body.replace(spelling, HIDDEN.encode())
    if isinstance(password, str) and password:
        masked = DemoRequest(request.method, request.path, request.headers, body)
        try:
            still = api._parse_form(masked).get("password")
        except Exception:
            still = None
        if still == password:
            return HIDDEN.encode()
    return body


def for_the_log(request: DemoRequest, *, token: str, password: str) -> DemoRequest:
    """The copy of ``request`` that the log keeps: credentials masked, the server's secrets nowhere.

    Args:
        request: the request as received (what the API and the faults see).
        token, password: the server's own secrets, hidden wherever they appear.

    Example:
        >>> request = DemoRequest("GET", "/api/v1/images/", Headers([("Authorization", "Token abc")]))
        >>> logged = for_the_log(request, token="abc", password="pw")
        >>> logged.headers["Authorization"], logged.authorized
        ('Token <hidden>', True)
    """
    secrets = [secret for secret in (token, password) if secret]

    def scrub(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, HIDDEN)
        return text

    headers = Headers([(name, scrub(_masked_header(name, value))) for name, value in request.headers.items()])
    return DemoRequest(
        request.method,
        scrub(request.path),
        headers,
        _masked_body(request, secrets),
        authorized=authorized(request.headers, token),
    )
