"""Snapshots on disk: typed listings kept as a hive-partitioned Parquet dataset, with their provenance.

A snapshot is one typed images frame, as ``client.images()`` gives it, written as one Parquet
file with its provenance in the file's key-value metadata. The store is a plain folder laid out
hive-style, so pandas, pyarrow.dataset, Polars, DuckDB and Spark read it with no help from here::

    <root>/host=<host>/account=<fingerprint>/date=<YYYY-MM-DD>/<HHMMSS>_<taken at>_<random>.parquet

- ``host`` is the server's host (``sharedcloud.io``; ``127.0.0.1_8000`` with a port), or ``demo``
  for the built-in demo API whatever its port.
- ``account`` is a one-way fingerprint of the token (:func:`fingerprint`): it tells two accounts
  apart, and the token cannot be recovered from it. The token itself is never written.
- ``date`` and the file name's time are the *server's* clock (``current_server_time``), which is
  what ``when``, ``since`` and ``until`` mean; the local UTC time it was taken follows it.

Writes are atomic (a temporary file, then ``os.replace``), so two kernels snapshotting at once
leave two valid files. A file that cannot be read is skipped with one :class:`SharedcloudWarning`
per call that names it.

:func:`~sharedcloud_nb.timeline.history` and :func:`~sharedcloud_nb.timeline.diff` read it (in :mod:`sharedcloud_nb.timeline`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import _config, schema
from ._warn import warn
from ._when import parse_max_age, parse_when
from .errors import AuthenticationError, InputError, InputTypeError, OfflineError

__all__ = [
    "META_KEY",
    "Account",
    "Store",
    "account_of",
    "configured_account",
    "fingerprint",
    "parse_max_age",
    "parse_when",
]

#: The Parquet key-value metadata key that holds a snapshot's provenance (JSON).
META_KEY = "sharedcloud_nb"
#: The host partition of the built-in demo API, whatever its port.
DEMO_HOST = "demo"

# A fixed salt, so that the fingerprint is this package's own: the same token hashed elsewhere
# gives another value. Changing it would split every store in two.
_SALT = b"sharedcloud_nb account fingerprint v1\x00"
_NAME = re.compile(r"^(\d{6})_(\d{8}T\d{12}Z)_[0-9a-f]+\.parquet$")
_DATE_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
_STRING = pd.StringDtype("pyarrow")


def fingerprint(token: str) -> str:
    """A one-way, 16-character fingerprint of a token that tells two accounts apart.

    sha256 of a fixed salt and the token, truncated to 80 bits and written in lower-case
    base32 (letters and digits 2-7, so that no tool reads a partition value as a number).

    Example:
        >>> len(fingerprint("0123456789abcdef0123456789abcdef01234567"))
        16
    """
    digest = hashlib.sha256(_SALT + token.encode("utf-8")).digest()
    return base64.b32encode(digest[:10]).decode("ascii").lower()


class Account(NamedTuple):
    """Whose snapshots: a server and an account on it.

    Attributes:
        host: ``demo``, or the server's host (``:port`` written ``_port``).
        fingerprint: :func:`fingerprint` of the token.
        url: the server's url as last used (provenance only; the demo's changes with its port).
        demo: True for the built-in demo API.
    """

    host: str
    fingerprint: str
    url: str
    demo: bool

    @property
    def key(self) -> tuple[str, str]:
        """(host, fingerprint): what keeps two accounts' snapshots apart."""
        return self.host, self.fingerprint


def _host_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "unknown").lower()
    if parts.port is not None:
        host += f"_{parts.port}"
    # Partition values are folder names: keep to characters every file system and tool accepts.
    return re.sub(r"[^a-z0-9._-]", "_", host)


def _demo_token() -> str:
    from .demo import DEMO_TOKEN

    return str(DEMO_TOKEN)


def _is_loopback_url(url: str) -> bool:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def account_of(client: Any) -> Account:
    """The account a client talks to (reads ``client.url``, ``client.is_demo`` and its token).

    A client of the built-in demo API is the demo account whatever the port, also after its
    server has stopped (the demo token on loopback says so).

    Raises:
        InputTypeError: (a TypeError) ``client`` is not a client (text, None).
    """
    if not (hasattr(client, "_token") and hasattr(client, "url")):
        raise InputTypeError(f"client is a sc.Client (from sc.connect()), not {type(client).__name__}.")
    # An offline client built without a token says whose snapshots it serves.
    explicit = getattr(client, "_account", None)
    if isinstance(explicit, Account):
        return explicit
    token = client._token
    demo = bool(client.is_demo) or (token == _demo_token() and _is_loopback_url(client.url))
    return Account(DEMO_HOST if demo else _host_of(client.url), fingerprint(token), client.url, demo)


def configured_account() -> Account:
    """The account ``sc.connect()`` would pick from the configuration, without connecting.

    Raises:
        AuthenticationError: a url is configured but no token (as ``sc.connect()`` raises).
    """
    url, configured = _config.resolve_url()
    token = _config.resolve_token()
    if _config.demo_forced() or (token is None and not configured):
        return Account(DEMO_HOST, fingerprint(_demo_token()), "demo", True)
    if token is None:
        raise AuthenticationError(
            f"No token for {url}, so no account to read snapshots of: set {_config.ENV_TOKEN} or pass client=.",
            status=401,
        )
    return Account(_host_of(url), fingerprint(token), url, False)


class _Entry(NamedTuple):
    """A snapshot file as its path names it (no file is opened to know this)."""

    server_time: pd.Timestamp
    taken: str  # the local UTC time it was taken, compact, for ordering snapshots of one server time
    path: Path


def _entry(path: Path) -> _Entry | None:
    """The entry a file's path names, or None when it is not named as a snapshot."""
    name, folder = _NAME.match(path.name), _DATE_DIR.match(path.parent.name)
    if name is None or folder is None:
        return None
    stamp = pd.Timestamp(f"{folder.group(1)}T{name.group(1)}", tz="UTC")
    return _Entry(stamp, name.group(2), path)


def _warn_unreadable(paths: Iterable[Path], action: str) -> None:
    """One warning for every unreadable file a call met, naming them."""
    paths = list(paths)
    if not paths:
        return
    names = ", ".join(str(p) for p in paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    what = "snapshot file" if len(paths) == 1 else f"{len(paths)} snapshot files"
    warn(f"Skipped the unreadable {what} {names} ({action}); delete it or take a new snapshot.")


def _typed(table: pa.Table) -> pd.DataFrame:
    """A snapshot table as the images frame it was: Parquet keeps every dtype but the strings' flavour."""
    frame = table.to_pandas()
    if frame.index.name == "uuid" and frame.index.dtype != _STRING:
        frame.index = pd.Index(frame.index.astype(_STRING), name="uuid")
    for column, dtype in schema.dtypes().items():
        if column not in frame.columns:
            continue
        values = frame[column]
        if dtype == "category":
            if not isinstance(values.dtype, pd.CategoricalDtype):
                frame[column] = pd.Categorical(values.astype(_STRING))
            elif values.cat.categories.dtype != _STRING:
                categories = pd.Index(values.cat.categories.astype(_STRING))
                frame[column] = pd.Categorical.from_codes(values.cat.codes, categories=categories)
        elif values.dtype != dtype:
            frame[column] = values.astype(dtype)
    return frame


def _provenance(metadata: dict[bytes, bytes] | None) -> dict[str, Any]:
    """The provenance stored with a snapshot; ValueError when the file holds none."""
    raw = (metadata or {}).get(META_KEY.encode())
    if raw is None:
        raise ValueError("no sharedcloud_nb provenance in its metadata")
    meta = json.loads(raw)
    if not isinstance(meta, dict):
        raise ValueError("malformed sharedcloud_nb provenance")
    return meta


def _frame_server_time(frame: pd.DataFrame) -> pd.Timestamp | None:
    if "current_server_time" not in frame.columns or frame.empty:
        return None
    latest = frame["current_server_time"].max()
    return None if pd.isna(latest) else pd.Timestamp(latest).tz_convert("UTC")


class Store:
    """A folder of snapshots, one Parquet file each, laid out hive-style (see the module docstring).

    Args:
        path: the folder (text or a ``pathlib.Path``); default ``SHAREDCLOUD_CACHE_DIR``, else
            ``$XDG_CACHE_HOME/sharedcloud_nb``, else ``~/.cache/sharedcloud_nb``. Created on the first write.

    Raises:
        InputTypeError: (a TypeError) ``path`` is neither text, a path nor None (a number, bytes).
        InputError: (a ValueError) ``path`` is a file, or lies under one, so no folder can be made there.

    Example:
        >>> store = sc.Store("snapshots")          # doctest: +SKIP
        >>> store.snapshot(client)                 # doctest: +SKIP
        >>> store.snapshots()[["host", "server_time", "rows"]]  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.root = _check_root(path)

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    def __fspath__(self) -> str:
        return str(self.root)

    # -- writing ------------------------------------------------------------------------------

    def snapshot(self, client: Any) -> pd.DataFrame:
        """Fetch the whole listing with ``client.images()``, store it, and return it.

        Args:
            client: the client to fetch with; its account names the snapshot's folder.

        Returns:
            The typed frame, with ``attrs`` saying it is stored (``taken_at``, ``server_time``, ``snapshot``).

        Raises:
            SharedcloudError: the listing could not be fetched (nothing is stored then).
            InputError: (a ValueError) the frame is one instance's listing, not the whole catalogue, or
                the store's folder cannot be made (checked before anything is fetched).
            InputTypeError: (a TypeError) ``client`` is not a client.
        """
        account_of(client)  # a careless client is refused before anything is fetched
        self._make_root()
        frame = client.images()
        self.save(frame, client=client)
        return frame

    def save(self, frame: pd.DataFrame, *, client: Any, taken_at: dt.datetime | None = None) -> Path:
        """Write a typed images frame as a snapshot of the client's account; atomic.

        Args:
            frame: the whole listing, as ``client.images()`` returns it.
            client: whose listing it is (its token is fingerprinted, never written).
            taken_at: when it was fetched (default: now, UTC).

        Returns:
            The path of the new file. ``frame.attrs`` gains ``taken_at``, ``server_time`` and ``snapshot``.

        Raises:
            InputError: (a ValueError) the frame is a listing limited to an instance (not the catalogue),
                or not an images frame (a column or the uuid index missing); ``taken_at`` is not a time;
                the store's folder cannot be made (a file in the way, no permission).
            InputTypeError: (a TypeError) ``frame`` is not a DataFrame, ``client`` not a client.
        """
        _check_images_frame(frame)
        if frame.attrs.get("instance") is not None:
            raise InputError("A snapshot holds the whole catalogue; this listing is limited to one instance.")
        account = account_of(client)
        taken = parse_when(dt.datetime.now(dt.timezone.utc) if taken_at is None else taken_at)
        server_time = _frame_server_time(frame) or taken.floor("s")
        from . import __version__

        meta = {
            "server_url": account.url,
            "host": account.host,
            "account": account.fingerprint,
            "demo": account.demo,
            "taken_at": taken.isoformat(),
            "server_time": server_time.isoformat(),
            "rows": len(frame),
            "version": __version__,
        }
        attrs = dict(frame.attrs)
        frame.attrs = {}  # written below as provenance; pandas' copy of them would only repeat it
        try:
            table = pa.Table.from_pandas(frame, preserve_index=True)
        finally:
            frame.attrs = attrs
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), META_KEY.encode(): json.dumps(meta)})
        folder = self.root / f"host={account.host}" / f"account={account.fingerprint}"
        folder = folder / f"date={server_time:%Y-%m-%d}"
        _make_folder(folder, self.root)
        # The random part keeps two snapshots taken in the same microsecond apart.
        path = folder / f"{server_time:%H%M%S}_{taken:%Y%m%dT%H%M%S%f}Z_{secrets.token_hex(4)}.parquet"
        # A name that starts with "." is skipped by pyarrow.dataset, and *.tmp by every *.parquet glob.
        temporary = folder / f".{path.name}.{os.getpid()}.tmp"
        try:
            with open(temporary, "wb") as handle:
                pq.write_table(table, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        frame.attrs.update(_stored_attrs(meta, path))
        return path

    def _make_root(self) -> None:
        """Make the store's folder if it is not there yet.

        Raises:
            InputError: (a ValueError) it cannot be made: a file is in the way, or no permission.
        """
        _make_folder(self.root, self.root)

    # -- reading ------------------------------------------------------------------------------

    def account_dir(self, account: Account) -> Path:
        """The folder of one account's snapshots.

        Args:
            account: whose snapshots (:func:`account_of` a client).

        Returns:
            ``<root>/host=<host>/account=<fingerprint>``, which may not exist yet.
        """
        return self.root / f"host={account.host}" / f"account={account.fingerprint}"

    def entries(self, account: Account) -> tuple[list[_Entry], list[Path]]:
        """One account's snapshot files, oldest first, and the files misnamed among them.

        Args:
            account: whose snapshots.

        Returns:
            The entries (path, server time, time taken), by server time then time taken; and the
            ``.parquet`` files of the account's folder whose names this store does not write.
        """
        folder = self.account_dir(account)
        entries, misnamed = [], []
        for path in folder.glob("date=*/*.parquet"):
            entry = _entry(path)
            if entry is None:
                misnamed.append(path)
            else:
                entries.append(entry)
        entries.sort(key=lambda e: (e.server_time, e.taken))
        return entries, misnamed

    def recent(self, client: Any, max_age: str | dt.timedelta | float | int) -> pd.DataFrame | None:
        """The account's most recently taken snapshot when it was taken less than ``max_age`` ago, else None.

        Args:
            client: whose snapshots.
            max_age: as :func:`parse_max_age` reads it; measured on this machine's clock (UTC).

        Returns:
            The stored frame (its ``attrs`` say which snapshot), or None.

        Raises:
            InputError: ``max_age`` is not a duration :func:`parse_max_age` reads (an
                :class:`~sharedcloud_nb.errors.InputTypeError` when not even text, a timedelta or a
                number, or when ``client`` is not a client).
        """
        limit = parse_max_age(max_age)
        entries, _ = self.entries(account_of(client))
        if not entries:
            return None
        latest = max(entries, key=lambda e: e.taken)
        taken = dt.datetime.strptime(latest.taken, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.timezone.utc)
        if dt.datetime.now(dt.timezone.utc) - taken > limit:
            return None
        try:
            return read_snapshot(latest.path)
        except (OSError, ValueError, KeyError, pa.ArrowException):
            _warn_unreadable([latest.path], "a recent snapshot")
            return None

    def snapshots(self) -> pd.DataFrame:
        """Every snapshot in the store, of every account: one row each with its provenance.

        Returns:
            Columns ``host``, ``account``, ``server_time``, ``taken_at``, ``rows``, ``demo``,
            ``server_url``, ``version``, ``path``; sorted by host, account and server time.
            Reads only the files' footers.
        """
        rows, unreadable = [], []
        for path in sorted(self.root.glob("host=*/account=*/date=*/*.parquet")):
            try:
                meta = _provenance(pq.read_metadata(path).metadata)
                rows.append(
                    {
                        "host": meta["host"],
                        "account": meta["account"],
                        "server_time": pd.Timestamp(meta["server_time"]),
                        "taken_at": pd.Timestamp(meta["taken_at"]),
                        "rows": meta["rows"],
                        "demo": meta["demo"],
                        "server_url": meta["server_url"],
                        "version": meta["version"],
                        "path": str(path),
                    }
                )
            except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
                unreadable.append(path)
        _warn_unreadable(unreadable, "store.snapshots()")
        return _snapshot_frame(rows)

    def load(self, when: Any = None, *, client: Any = None) -> pd.DataFrame:
        """The account's snapshot nearest at or before ``when`` (the server's clock); default the newest.

        Args:
            when: a datetime, a Timestamp, ISO text or ``dd-mm-YYYY HH:MM:SS``; naive means UTC.
            client: whose snapshots; default the account ``sc.connect()`` would pick.

        Returns:
            The typed frame, ``attrs`` saying where it came from (``source``, ``taken_at``,
            ``server_time``, ``snapshot``). An unreadable file is skipped with one warning
            and the previous snapshot served.

        Raises:
            OfflineError: no readable snapshot of this account at or before ``when``.
            InputError: (a ValueError) ``when`` is not a time (an
                :class:`~sharedcloud_nb.errors.InputTypeError` when not even text or a time, or when
                ``client`` is not a client).

        Example:
            >>> df = store.load("01-10-2018 00:00:00")  # doctest: +SKIP
        """
        account = configured_account() if client is None else account_of(client)
        limit = None if when is None else parse_when(when)
        entries, misnamed = self.entries(account)
        candidates = [e for e in entries if limit is None or e.server_time <= limit]
        unreadable: list[Path] = list(misnamed)
        try:
            for entry in reversed(candidates):
                try:
                    return read_snapshot(entry.path)
                except (OSError, ValueError, KeyError, pa.ArrowException):
                    unreadable.append(entry.path)
        finally:
            _warn_unreadable(unreadable, "store.load()")
        before = "" if limit is None else f" at or before {limit:%Y-%m-%d %H:%M:%S} UTC"
        raise OfflineError(
            f"No snapshot of the {'demo' if account.demo else account.host} account{before} in {self.root}; "
            "take one with client.snapshot() while online."
        )


_STORE_FORMS = "a folder (text or a pathlib.Path), or None for the default (SHAREDCLOUD_CACHE_DIR, else ~/.cache)"


def _check_root(path: object) -> Path:
    """The store's folder from ``Store(path)``, refused when it is no path or cannot be a folder."""
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"A store is {_STORE_FORMS}; not {type(path).__name__}.")
    if path is not None and not isinstance(os.fspath(path), str):
        raise InputTypeError(f"A store is {_STORE_FORMS}; not a path given as bytes.")
    root = _config.cache_dir(path)
    # The nearest part of the path that exists must be a folder: below a file, nothing can be made.
    existing = next((p for p in (root, *root.parents) if os.path.lexists(p)), None)
    if existing is not None and not existing.is_dir():
        where = "is" if existing == root else f"lies under {existing}, which is"
        raise InputError(f"The store's folder {root} {where} a file, not a folder; give {_STORE_FORMS}.")
    return root


def _check_images_frame(frame: object) -> None:
    """Refuse what is no whole images frame: a snapshot of it would not load as one."""
    if not isinstance(frame, pd.DataFrame):
        raise InputTypeError(f"A snapshot is an images frame (client.images()), not {type(frame).__name__}.")
    missing = [c for c in schema.COLUMNS if c not in frame.columns]
    if frame.index.name != "uuid" or missing:
        lack = f"the column(s) {', '.join(missing[:4])}" if missing else "its uuid index"
        raise InputError(f"A snapshot is a whole images frame, as client.images() gives it; this one lacks {lack}.")


def _make_folder(folder: Path, root: Path) -> None:
    """Make ``folder`` (in the store at ``root``); an InputError naming the store when it cannot be made."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            f"Cannot make the store's folder {root} ({reason}); give sc.Store() a folder you can write to, "
            f"or set {_config.ENV_CACHE_DIR}."
        ) from None


def _stored_attrs(meta: dict[str, Any], path: Path) -> dict[str, Any]:
    return {
        "source": "demo" if meta.get("demo") else meta.get("server_url"),
        "taken_at": meta.get("taken_at"),
        "server_time": meta.get("server_time"),
        "snapshot": str(path),
    }


def read_snapshot(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read one snapshot file into the typed frame it was, with its provenance in ``attrs``.

    Raises:
        OSError, ValueError, pyarrow.ArrowException: the file is unreadable, truncated or not a snapshot.
    """
    table = pq.read_table(path)
    meta = _provenance(table.schema.metadata)
    frame = _typed(table)
    frame.attrs = _stored_attrs(meta, Path(path))
    return frame


def _snapshot_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["host", "account", "server_time", "taken_at", "rows", "demo", "server_url", "version", "path"]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("host", "account", "server_url", "version", "path"):
        frame[column] = frame[column].astype(_STRING)
    for column in ("server_time", "taken_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype(schema.dtypes()["created_at"])
    frame["rows"] = frame["rows"].astype("Int64")
    frame["demo"] = frame["demo"].astype("boolean")
    return frame.sort_values(["host", "account", "server_time", "taken_at"], ignore_index=True)


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
