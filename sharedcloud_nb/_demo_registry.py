"""The urls of the demo API servers running in this process, so a client can tell it talks to one.

The demo server registers its url when it starts and unregisters it when it stops; the client
asks :func:`is_demo_url`. Keeping the registry here, apart from the demo package, lets the client
know without importing the demo server. ``localhost`` and ``127.0.0.1`` name the same server.

Standard library only; safe to use from several threads.

Example:
    >>> register("http://127.0.0.1:54321")
    >>> is_demo_url("http://localhost:54321/"), is_demo_url("http://127.0.0.1:8000")
    (True, False)
    >>> unregister("http://127.0.0.1:54321")
"""

from __future__ import annotations

import threading
from collections import Counter
from urllib.parse import urlsplit

__all__ = ["is_demo_url", "register", "unregister", "urls"]

_ALIASES = {"localhost": "127.0.0.1"}
_DEFAULT_PORTS = {"http": 80, "https": 443}

_lock = threading.Lock()
_registered: Counter[str] = Counter()  # url as registered -> how many registrations


def _key(url: str) -> str | None:
    """``url`` in one spelling (scheme, host and port lower-cased and explicit, no trailing slash)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a port that is not a number, an unbalanced "[": not a demo server's url
        return None
    host = (parts.hostname or "").lower()
    if not host:
        return None
    host = _ALIASES.get(host, host)
    scheme = parts.scheme.lower()
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}:{port}{parts.path.rstrip('/')}"


def register(url: str) -> None:
    """Record that a demo server answers at ``url`` (its root, e.g. ``http://127.0.0.1:54321``)."""
    with _lock:
        _registered[url] += 1


def unregister(url: str) -> None:
    """Forget one registration of ``url``; unknown urls are ignored."""
    with _lock:
        if _registered[url] > 1:
            _registered[url] -= 1
        else:
            del _registered[url]


def urls() -> frozenset[str]:
    """The registered urls, each as registered, plus its ``localhost`` spelling for ``127.0.0.1``."""
    with _lock:
        registered = list(_registered)
    found = set(registered)
    for url in registered:
        parts = urlsplit(url)
        if parts.hostname == "127.0.0.1":
            port = f":{parts.port}" if parts.port is not None else ""
            found.add(parts._replace(netloc=f"localhost{port}").geturl())
    return frozenset(found)


def is_demo_url(url: str) -> bool:
    """True when ``url`` is the root of a demo server running in this process.

    Spellings of one address match: ``localhost`` or ``127.0.0.1``, upper or lower case, with or
    without a trailing slash or the scheme's default port.

    Example:
        >>> is_demo_url("https://sharedcloud.io")
        False
    """
    key = _key(url)
    if key is None:
        return False
    with _lock:
        registered = list(_registered)
    return any(_key(known) == key for known in registered)
