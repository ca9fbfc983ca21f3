"""Connecting: checking a token, wording the outcome, and keeping secrets out of what is kept.

The plain half of the token form (``sharedcloud_nb.widgets.TokenForm``): :func:`validate_token`
connects and lists, :func:`connected_message` and :func:`error_message` word the result, and
:func:`detached` / :func:`redact` make sure neither a traceback nor a message keeps the token or
password. No ipywidgets, no traitlets.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .client import Client, check_url
from .display import plural
from .errors import APIError, SharedcloudError

__all__ = ["connected_message", "detached", "error_message", "redact", "validate_token"]


def validate_token(token: str, url: str, **options: Any) -> tuple[Client, int]:
    """A client for ``token`` at ``url``, checked by listing the images it can see.

    Args:
        token: the API token.
        url: the host root.
        **options: passed on to :class:`~sharedcloud_nb.Client` (timeout, retries, session).

    Returns:
        The client and the number of images it sees.

    Raises:
        InputError: (a ValueError) an empty or malformed token, or a malformed url (nothing is sent).
        InsecureURLError: ``http://`` to a host that is not loopback (nothing is sent).
        AuthenticationError: the server refused the token.
        SharedcloudError: any other failure of the listing.

    Example:
        >>> client, count = validate_token(token, "https://sharedcloud.io")  # doctest: +SKIP
    """
    client = Client(token, url=check_url(url), **options)
    return client, len(client.list_images())


def connected_message(client: Client, count: int) -> str:
    """The status line after a successful connect.

    Example:
        >>> connected_message(Client("my-api-token", url="https://sharedcloud.io"), 42)
        'Connected to sharedcloud.io — 42 images visible'
    """
    where = "the demo catalogue" if client.is_demo else (urlsplit(client.url).netloc or client.url)
    return f"Connected to {where} — {plural(count, 'image')} visible"


def error_message(exc: BaseException) -> str:
    """What a failed connect or login says: the server's own words, or the transport problem.

    Example:
        >>> from sharedcloud_nb import AuthenticationError
        >>> error_message(AuthenticationError("...", status=401, detail="Invalid token."))
        'Invalid token. (HTTP 401)'
    """
    if isinstance(exc, APIError) and exc.detail:
        return f"{exc.detail} (HTTP {exc.status})"
    if isinstance(exc, (SharedcloudError, ValueError)):
        return str(exc) or type(exc).__name__
    return f"unexpected {type(exc).__name__}: {exc}"


def detached(exc: BaseException) -> BaseException:
    """``exc`` with no traceback anywhere in its chain: the frames would keep the token or password alive.

    Both links are followed, the cause and the context (an exception raised ``from`` one while
    handling another has both), however the two branch.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending.extend(link for link in (current.__cause__, current.__context__) if link is not None)
    return exc


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced; a last guard, since no message should hold one anyway.

    Example:
        >>> redact("token abcd1234 refused", ("abcd1234",))
        'token <hidden> refused'
    """
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "<hidden>")
    return text
