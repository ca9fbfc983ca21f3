"""What a client serves from the snapshot store: offline listings and details, and young-enough snapshots.

The client keeps its HTTP code; these functions are the store's side of ``client.images()``,
``client.image()`` and ``client.snapshot()`` when a client is offline or given ``max_age``. No
function here sends a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import AuthenticationError, NotFoundError, OfflineError
from .store import DEMO_HOST, Account, Store, _is_loopback_url, account_of

if TYPE_CHECKING:  # pragma: no cover - typing only
    import datetime as dt
    import os

    import pandas as pd

    from .client import Client

__all__ = [
    "as_store",
    "demo_account",
    "offline_client",
    "offline_image",
    "offline_images",
    "recent_or_fetch",
    "refuse",
    "resolve_account",
]


def as_store(store: Store | str | os.PathLike[str] | None) -> Store:
    """A :class:`Store` from a store, a folder, or None (the default folder)."""
    return store if isinstance(store, Store) else Store(store)


def demo_account() -> Account:
    """The built-in demo's account, whatever its port: what an offline client without a token serves."""
    from .store import _demo_token, fingerprint

    return Account(DEMO_HOST, fingerprint(_demo_token()), "demo", True)


def offline_images(client: Any, store: Store, instance: str | None = None) -> pd.DataFrame:
    """The newest snapshot of the client's account, as ``client.images()`` would have listed it.

    Raises:
        OfflineError: no snapshot of the account in the store, or a listing limited to an
            instance (snapshots hold the whole catalogue).
    """
    if instance is not None:
        raise OfflineError(
            "Offline, only the whole catalogue can be served: snapshots do not record which images "
            "an instance downloaded. Call images() without instance=, or go online."
        )
    return store.load(client=client)


def offline_image(client: Any, store: Store, uuid: str) -> pd.Series:
    """One image of the newest snapshot, as ``client.image(uuid)`` would have given it.

    Raises:
        OfflineError: no snapshot of the account in the store.
        NotFoundError: the snapshot does not list that uuid (no request is sent).
    """
    frame = offline_images(client, store)
    matches = frame.index == uuid
    if not matches.any():
        taken = frame.attrs.get("server_time", "?")
        raise NotFoundError(
            f"No image {uuid} in the newest snapshot (server time {taken}); offline, so no request was sent.",
            status=404,
            detail="Not found.",
            path=None,
        )
    series = frame[matches].iloc[0]
    series.name = uuid
    series.attrs = dict(frame.attrs)
    return series


def recent_or_fetch(client: Any, store: Store, max_age: str | dt.timedelta | float | int, fetch: Any) -> pd.DataFrame:
    """The account's snapshot if taken less than ``max_age`` ago; else ``fetch()``, stored.

    Args:
        client: whose account.
        store: where the snapshots are.
        max_age: ``"90s"``, ``"2h"``, ``"1d"``, a timedelta or seconds.
        fetch: a function of no argument that lists the whole catalogue over the network.

    Raises:
        InputError: ``max_age`` is not an age (see :func:`~sharedcloud_nb.store.parse_max_age`), or
            the store's folder cannot be made (checked before anything is fetched).
    """
    frame = store.recent(client, max_age)
    if frame is None:
        store._make_root()  # a store that cannot be written is refused before the listing is fetched
        frame = fetch()
        store.save(frame, client=client)
    return frame


def refuse(what: str) -> OfflineError:
    """The error for a call that would need the network on an offline client."""
    return OfflineError(
        f"Offline: {what} needs the network. Use client.images() or client.image(uuid), served from "
        "the store, or connect without offline=True (and without SHAREDCLOUD_OFFLINE=1)."
    )


def resolve_account(client: Any, store: Store) -> Account:
    """The account an offline client serves.

    Its own; but a demo server's snapshots are kept as the demo's, so a client of a stopped demo
    server (a loopback url) whose token the store knows as a demo account serves those.
    """
    account = account_of(client)
    if account.demo or not _is_loopback_url(client.url):
        return account
    demo = Account(DEMO_HOST, account.fingerprint, client.url, True)
    return demo if store.account_dir(demo).is_dir() else account


def offline_client(
    token: str | None, url: str | None, store: Store | str | os.PathLike[str] | None, options: dict[str, Any]
) -> Client:
    """The client ``sc.connect(..., offline=True)`` returns: it serves the store and sends nothing.

    With no token configured (or ``SHAREDCLOUD_DEMO=1`` and no arguments) it serves the demo
    account's snapshots, without starting the demo server.

    Raises:
        AuthenticationError: a url is configured but no token (no account to serve).
    """
    from . import _config
    from .client import Client

    resolved_url, configured = _config.resolve_url(url)
    resolved_token = _config.resolve_token(token)
    demo = (_config.demo_forced() and token is None and url is None) or (resolved_token is None and not configured)
    if demo:
        from .demo import DEMO_TOKEN

        client = Client(DEMO_TOKEN, url="http://127.0.0.1", store=store, offline=True, **options)
        client._account = demo_account()
        from ._warn import warn_demo

        warn_demo("Offline, serving the built-in demo catalogue's snapshots from the store.")
        return client
    if resolved_token is None:
        raise AuthenticationError(
            f"No token for {resolved_url}, so no account whose snapshots to serve: set {_config.ENV_TOKEN} "
            "or pass token=.",
            status=401,
        )
    client = Client(resolved_token, url=resolved_url, store=store, offline=True, **options)
    client._account = resolve_account(client, client.store)
    return client
