"""What the snapshot store tells over time: :func:`history` (a long frame) and :func:`diff` (what changed).

:func:`history` reads one account's snapshots as a single ``pyarrow.dataset``: only the columns
asked for are read (projection), and only the ``date=`` folders between ``since`` and ``until``
are opened (partition pruning). :func:`diff` compares two listings, frames or snapshot times.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from . import schema
from .errors import InputError, InputTypeError
from .store import Store, _typed, _warn_unreadable, account_of, configured_account, parse_when

__all__ = ["Diff", "catalogue_sizes", "check_history", "diff", "history", "installation_gains"]

_STRING = pd.StringDtype("pyarrow")
_KEYS = ("current_server_time", "uuid")
# The date= partition as text: left to inference, a tool may read it as a date or a number.
_PARTITIONING = ds.partitioning(pa.schema([("date", pa.string())]), flavor="hive")
# Plain Parquet reads: reading the uuids as dictionaries (dictionary_columns) was measured slower,
# over a year of snapshots, than reading them as strings and encoding them once (see _codes).
_FORMAT = ds.ParquetFileFormat()
#: The served fields diff compares: not the clock, nor the columns derived from the others.
COMPARED: tuple[str, ...] = tuple(name for name in schema.KINDS if name != "current_server_time")


def _as_store(store: Store | str | Path | None) -> Store:
    return store if isinstance(store, Store) else Store(store)


def _instant(stamp: pd.Timestamp) -> pa.Scalar:
    return pa.scalar(stamp.as_unit("ns"), type=pa.timestamp("ns", tz="UTC"))


def _filter(since: pd.Timestamp | None, until: pd.Timestamp | None) -> ds.Expression | None:
    """The scan filter: the date= partition (prunes folders) and the exact server time."""
    parts = []
    if since is not None:
        parts += [ds.field("date") >= f"{since:%Y-%m-%d}", ds.field("current_server_time") >= _instant(since)]
    if until is not None:
        parts += [ds.field("date") <= f"{until:%Y-%m-%d}", ds.field("current_server_time") <= _instant(until)]
    if not parts:
        return None
    expression = parts[0]
    for part in parts[1:]:
        expression = expression & part
    return expression


def _scan(files: list[Path], folder: Path, columns: list[str], expression: ds.Expression | None) -> pa.Table | None:
    """The snapshot files as one table; an unreadable file is left out, with one warning."""
    try:
        dataset = ds.dataset(
            [str(f) for f in files], format=_FORMAT, partitioning=_PARTITIONING, partition_base_dir=str(folder)
        )
        return dataset.to_table(columns=columns, filter=expression)
    except (OSError, pa.ArrowException):
        pass
    # The slow path, only when a file is broken: find which ones, and read the others.
    good, bad = [], []
    for path in files:
        try:
            pq.read_table(path, columns=columns)
            good.append(str(path))
        except (OSError, pa.ArrowException):
            bad.append(path)
    _warn_unreadable(bad, "sc.history()")
    if not good:
        return None
    dataset = ds.dataset(good, format=_FORMAT, partitioning=_PARTITIONING, partition_base_dir=str(folder))
    return dataset.to_table(columns=columns, filter=expression)


def history(
    store: Store | str | Path | None = None,
    columns: Sequence[str] = ("num_installations",),
    since: Any = None,
    until: Any = None,
    client: Any = None,
) -> pd.DataFrame:
    """Every stored snapshot of one account as one long frame: (server_time, uuid) -> ``columns``.

    Args:
        store: a :class:`Store` or its folder; default ``sc.Store()``.
        columns: the image columns wanted (any of the frame's); only those are read.
        since, until: bounds on the server's clock (inclusive): a datetime, ISO text or
            ``dd-mm-YYYY HH:MM:SS``. Only the ``date=`` folders in between are opened.
        client: whose snapshots; default the account ``sc.connect()`` would pick.

    Returns:
        A frame indexed by ``server_time`` (the snapshot's ``current_server_time``) and
        ``uuid``, with the columns typed as in ``client.images()``: the snapshots in time order,
        each in the API's order. Of two snapshots at the same server time, the one taken last
        is kept. Empty when the store holds no snapshot of the account. ``attrs`` holds
        ``source`` ("demo" or the server's url) and ``snapshots`` (how many were read).

    Raises:
        InputError: (a ValueError) a column the images frame does not have; a ``since``/``until``
            that is not a time, or a ``since`` after ``until``. An
            :class:`~sharedcloud_nb.errors.InputTypeError` (also a TypeError) when ``columns`` are not
            names, a time is not even text or a time (a number), or ``client`` is not a client.

    Example:
        >>> h = sc.history(columns=("num_installations", "tag"))  # doctest: +SKIP
        >>> h.xs("24b310f8-1405-4928-914f-d5c91272f88a", level="uuid")  # doctest: +SKIP
    """
    wanted = _wanted(columns)
    account = configured_account() if client is None else account_of(client)
    store = _as_store(store)
    lower = None if since is None else parse_when(since)
    upper = None if until is None else parse_when(until)
    if lower is not None and upper is not None and lower > upper:
        raise InputError(f"since ({lower:%Y-%m-%d %H:%M:%S}) is after until ({upper:%Y-%m-%d %H:%M:%S}); swap them.")
    files = _files_between(store.entries(account)[0], lower, upper)
    table = _scan(files, store.account_dir(account), [*_KEYS, *wanted], _filter(lower, upper)) if files else None
    frame = _long(table, wanted)
    # As a frame from a snapshot says where it came from, so that plot titles can.
    frame.attrs = {"source": "demo" if account.demo else account.url, "snapshots": len(files)}
    return frame


def _wanted(columns: Sequence[str] | str) -> list[str]:
    """The asked columns, each once, beside the index's; an InputError for one the frame lacks."""
    if isinstance(columns, str):
        columns = (columns,)
    names = tuple(columns) if isinstance(columns, Iterable) else None
    if names is None or not all(isinstance(c, str) for c in names):
        raise InputTypeError(f"columns are column names, e.g. ('num_installations', 'tag'); not {columns!r}.")
    columns = names
    wanted = [c for c in dict.fromkeys(columns) if c not in _KEYS]
    unknown = [c for c in wanted if c not in schema.COLUMNS]
    if unknown:
        raise InputError(f"Unknown column {unknown[0]!r}; the images frame has {', '.join(schema.COLUMNS)}.")
    return wanted


def _files_between(entries: Sequence[Any], lower: pd.Timestamp | None, upper: pd.Timestamp | None) -> list[Any]:
    """The files of the snapshots whose day is in range (partition pruning), one per server time.

    Of two snapshots at the same server time, the last taken is kept (entries come sorted by server
    time, then by when they were taken).
    """
    latest = {entry.server_time: entry for entry in entries}
    return [
        entry.path
        for entry in latest.values()
        if (lower is None or entry.server_time.normalize() >= lower.normalize())
        and (upper is None or entry.server_time.normalize() <= upper.normalize())
    ]


def _long(table: pa.Table | None, wanted: list[str]) -> pd.DataFrame:
    """The scanned table as the long frame: a (server_time, uuid) index built from Arrow's codes."""
    dtypes = schema.dtypes()
    if table is None or table.num_rows == 0:
        index = pd.MultiIndex.from_arrays(
            [pd.DatetimeIndex([], dtype=dtypes["current_server_time"]), pd.Index([], dtype=_STRING)],
            names=["server_time", "uuid"],
        )
        return pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in wanted}, index=index)
    # The files were read in time order, so the rows are already grouped by snapshot. The index
    # is built from Arrow's dictionary codes, which keeps pandas from hashing millions of uuids.
    levels, codes = [], []
    for name in _KEYS:
        level, code = _codes(table.column(name))
        levels.append(level)
        codes.append(code)
    times = pd.DatetimeIndex(levels[0].to_pandas(), dtype=dtypes["current_server_time"])
    uuids = pd.Index(pd.arrays.ArrowStringArray(levels[1].cast(pa.large_string())), dtype=_STRING)
    index = pd.MultiIndex(levels=[times, uuids], codes=codes, names=["server_time", "uuid"], verify_integrity=False)
    frame = _typed(table.select(wanted)) if wanted else pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    frame.index = index
    return frame


def _codes(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """A column's distinct values and each row's position among them (-1 where missing: an image
    listed without a uuid is missing in the index, never taken for another image)."""
    if not pa.types.is_dictionary(column.type):
        encoded = column.combine_chunks().dictionary_encode()
        return encoded.dictionary, encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    column = column.unify_dictionaries()
    if column.num_chunks == 0:
        return pa.array([], type=column.type.value_type), np.array([], dtype=np.int32)
    indices = [chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False) for chunk in column.chunks]
    return column.chunk(0).dictionary, np.concatenate(indices)


# -- diff ------------------------------------------------------------------------------------------


def _listing(value: Any, store: Store | str | Path | None, client: Any) -> pd.DataFrame:
    if isinstance(value, pd.DataFrame):
        return value
    return _as_store(store).load(value, client=client)


def _comparable(values: pd.Series) -> pd.Series:
    """Values two listings' columns can be compared by (categories of two frames differ)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype(_STRING)
    return values


def _listed(frame: pd.DataFrame) -> np.ndarray:
    """Which rows have a uuid: only those can be matched with the other listing's."""
    return ~np.asarray(frame.index.isna(), dtype=bool)


def _changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The tidy table of changed values for the uuids both listings hold, in the new listing's order."""
    old = old[~old.index.duplicated() & _listed(old)]
    new = new[~new.index.duplicated() & _listed(new)]
    common = new.index[new.index.isin(old.index)]
    extra = [c for c in new.columns if c in old.columns and c not in schema.COLUMNS]
    pieces = []
    for position, field in enumerate([*COMPARED, *extra]):
        if field not in old.columns or field not in new.columns:
            continue
        before = _comparable(old[field].reindex(common))
        after = _comparable(new[field].reindex(common))
        missing_before, missing_after = before.isna().to_numpy(), after.isna().to_numpy()
        equal = (before == after).fillna(False).to_numpy(dtype=bool) if len(common) else missing_before
        differs = (missing_before != missing_after) | (~equal & ~missing_before & ~missing_after)
        if differs.any():
            pieces.append(
                pd.DataFrame(
                    {
                        "uuid": common[differs],
                        "field": field,
                        "old": before[differs].astype(object).to_numpy(),
                        "new": after[differs].astype(object).to_numpy(),
                        "_order": position,
                    }
                )
            )
    if not pieces:
        return pd.DataFrame(
            {"uuid": pd.Series([], dtype=_STRING), "field": pd.Series([], dtype=_STRING), "old": [], "new": []}
        ).astype({"old": object, "new": object})
    changed = pd.concat(pieces, ignore_index=True)
    rank = pd.Series(range(len(common)), index=common)
    changed["_row"] = rank.reindex(changed["uuid"]).to_numpy()
    changed = changed.sort_values(["_row", "_order"], kind="stable").drop(columns=["_row", "_order"])
    changed["uuid"] = changed["uuid"].astype(_STRING)
    changed["field"] = changed["field"].astype(_STRING)
    return changed.reset_index(drop=True)


def _when(frame: pd.DataFrame) -> str:
    """How a listing names its time: the snapshot's server time, else the frame's clock."""
    stamp = frame.attrs.get("server_time")
    if stamp is None and "current_server_time" in frame.columns and len(frame):
        stamp = frame["current_server_time"].max()
    if stamp is None or pd.isna(stamp):
        return "?"
    return f"{pd.Timestamp(stamp):%Y-%m-%d %H:%M:%S}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _check_listing(frame: object, which: str) -> None:
    """Refuse what cannot be compared by uuid: not a frame, or a frame not indexed by uuid."""
    if not isinstance(frame, pd.DataFrame):
        raise InputTypeError(
            f"A diff compares two images frames (client.images(), store.load()); the {which} one is {type(frame).__name__}."
        )
    if frame.index.name != "uuid":
        hint = "its uuids are a column: use df.set_index('uuid')" if "uuid" in frame.columns else "it has no uuid index"
        raise InputError(f"A diff compares images by uuid, but the {which} frame is not indexed by uuid ({hint}).")


class Diff:
    """What changed between two listings: images added, removed, and values changed.

    Raises:
        InputTypeError: (a TypeError) ``old`` or ``new`` is not a DataFrame.
        InputError: (a ValueError) one is not indexed by uuid (as ``client.images()`` gives it).

    Attributes:
        old, new: the two listings compared.
        added: the new listing's rows whose uuid the old one lacks (typed, as in ``client.images()``).
        removed: the old listing's rows whose uuid the new one lacks.
        changed: one row per changed value: ``uuid``, ``field``, ``old``, ``new`` (the values
            keep their types: Timestamps for dates, ints for counts); the served fields are
            compared, not ``current_server_time`` nor the columns derived from the others.
        old_without_uuid, new_without_uuid: each listing's rows without a uuid (``images_frame``
            keeps such a record, its uuid missing). Nothing matches them with the other listing's,
            so they are in none of the above; :meth:`summary` counts them.
    """

    def __init__(self, old: pd.DataFrame, new: pd.DataFrame) -> None:
        _check_listing(old, "old")
        _check_listing(new, "new")
        self.old = old
        self.new = new
        listed_old, listed_new = _listed(old), _listed(new)
        self.added = new[~new.index.isin(old.index) & listed_new]
        self.removed = old[~old.index.isin(new.index) & listed_old]
        self.old_without_uuid = old[~listed_old]
        self.new_without_uuid = new[~listed_new]
        self.changed = _changes(old, new)

    def counts(self) -> dict[str, int]:
        """How many images were added, removed and changed.

        Returns:
            ``{"added": n, "removed": n, "changed": n}``; an image counts once however many of its
            fields changed.

        Example:
            >>> new = df.iloc[2:].copy()  # two images gone, and one more installation of the next one
            >>> new.loc[new.index[0], "num_installations"] += 1
            >>> sc.diff(df, new).counts()
            {'added': 0, 'removed': 2, 'changed': 1}
        """
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": int(self.changed["uuid"].nunique()),
        }

    def summary(self) -> str:
        """One line per kind of change, the changed fields counted.

        Returns:
            Four lines: the two listings' server times, then the images added, removed and changed
            (with how many images each field changed in); and a fifth when a listing has images
            without a uuid, which are not compared: "not compared: 2 images without a uuid in the
            old listing, 1 in the new".

        Example:
            >>> print(sc.diff(old, new).summary())  # doctest: +SKIP
            from 2018-07-06 16:45:36 to 2018-10-05 16:45:36
            added: 12 images
            removed: 2 images
            changed: 40 images (num_installations 40, updated_at 3, tag 1)
        """
        counts = self.counts()
        by_field = self.changed["field"].value_counts(sort=False)
        fields = ", ".join(f"{field} {int(n)}" for field, n in by_field.items())
        lines = [
            f"from {_when(self.old)} to {_when(self.new)}",
            f"added: {_plural(counts['added'], 'image')}",
            f"removed: {_plural(counts['removed'], 'image')}",
            f"changed: {_plural(counts['changed'], 'image')}" + (f" ({fields})" if fields else ""),
        ]
        if len(self.old_without_uuid) or len(self.new_without_uuid):
            lines.append(
                f"not compared: {_plural(len(self.old_without_uuid), 'image')} without a uuid in the old listing, "
                f"{len(self.new_without_uuid)} in the new"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<Diff " + "; ".join(self.summary().splitlines()) + ">"

    def _repr_html_(self) -> str:
        lines = self.summary().splitlines()
        parts = [f"<p><b>What changed</b> {html.escape(lines[0])}</p><ul>"]
        parts += [f"<li>{html.escape(line)}</li>" for line in lines[1:]]
        parts.append("</ul>")
        shown = [c for c in ("name", "registry_path", "num_installations", "created_at") if c in self.new.columns]
        for title, frame in (("Added", self.added), ("Removed", self.removed), ("Changed", self.changed)):
            if len(frame) == 0:
                continue
            table = frame if title == "Changed" else frame[[c for c in shown if c in frame.columns]]
            more = f" (first 20 of {len(frame)})" if len(frame) > 20 else ""
            parts.append(f"<p><b>{title}</b>{more}</p>")
            parts.append(table.head(20).to_html(escape=True, index=title != "Changed"))
        return "".join(parts)


def diff(old: Any, new: Any, *, store: Store | str | Path | None = None, client: Any = None) -> Diff:
    """What changed between two listings.

    Args:
        old, new: images frames (from ``client.images()``, ``store.load()``, ...) or snapshot
            times (anything ``store.load(when)`` takes): the snapshot at or before that time.
        store: where to load snapshot times from; default ``sc.Store()``.
        client: whose snapshots; default the account ``sc.connect()`` would pick.

    Returns:
        A :class:`Diff`: ``.added``, ``.removed``, ``.changed``, ``.summary()``.

    Raises:
        OfflineError: a time before every stored snapshot.
        InputError: (a ValueError) text that is not a time, or a frame not indexed by uuid; an
            :class:`~sharedcloud_nb.errors.InputTypeError` (also a TypeError) for neither a frame nor a
            time (a number, a list), or a ``client`` that is not a client.

    Example:
        >>> d = sc.diff("2018-07-06", "2018-10-05")  # doctest: +SKIP
        >>> d.changed.query("field == 'num_installations'")  # doctest: +SKIP
    """
    return Diff(_listing(old, store, client), _listing(new, store, client))


# -- what the history plots draw -------------------------------------------------------------------


def check_history(history: Any, columns: Sequence[str], who: str) -> pd.DataFrame:
    """Check that ``history`` is a frame from :func:`history` with ``columns``; say what to do otherwise.

    Raises:
        InputTypeError: (a TypeError) not a frame indexed by (server_time, uuid).
        InputError: (a ValueError) a column is missing.
    """
    if not isinstance(history, pd.DataFrame) or list(history.index.names) != ["server_time", "uuid"]:
        raise InputTypeError(
            f"{who}() takes a history frame from sc.history() (indexed by server_time and uuid), "
            f"not {type(history).__name__}."
        )
    missing = [column for column in columns if column not in history.columns]
    if missing:
        raise InputError(
            f"{who}() needs the column(s) {', '.join(missing)}; "
            f"ask for them with sc.history(columns=({', '.join(repr(c) for c in missing)},))."
        )
    return history


def installation_gains(history: pd.DataFrame) -> pd.DataFrame:
    """Per image: installations in the first and the last snapshot that list it, and the gain; largest gain first.

    Ties keep the higher last count, then the order of first appearance. An image listed without a
    uuid is left out: nothing tells it apart from one snapshot to the next.
    """
    counts = check_history(history, ["num_installations"], "installation_gains")["num_installations"].dropna()
    by_image = counts.groupby(level="uuid", sort=False)
    first, last = by_image.first().astype("int64"), by_image.last().astype("int64")
    gains = pd.DataFrame({"first": first, "last": last, "gain": last - first})
    return gains.sort_values(["gain", "last"], ascending=False, kind="stable")


def catalogue_sizes(history: pd.DataFrame) -> pd.DataFrame:
    """Per snapshot: images listed, added since the snapshot before, and removed since; indexed by server time.

    The first snapshot is the baseline: nothing added or removed. Images listed without a uuid
    count as listed, but not as added or removed: nothing tells whether one is the one listed before.
    """
    check_history(history, [], "catalogue_sizes")
    times, uuids = history.index.get_level_values("server_time"), history.index.get_level_values("uuid")
    time_codes, time_levels = pd.factorize(times, sort=True)
    uuid_codes, _ = pd.factorize(uuids)  # -1 for a missing uuid
    known = uuid_codes >= 0
    # One row per snapshot, one column per image: listed or not. Small: snapshots x images booleans.
    present = np.zeros((len(time_levels), int(uuid_codes.max(initial=-1)) + 1), dtype=bool)
    present[time_codes[known], uuid_codes[known]] = True
    without_uuid = np.bincount(time_codes[~known], minlength=len(time_levels))
    zero = np.zeros(1 if len(time_levels) else 0, dtype=np.int64)
    return pd.DataFrame(
        {
            "listed": present.sum(axis=1) + without_uuid,
            "added": np.concatenate([zero, (present[1:] & ~present[:-1]).sum(axis=1)]),
            "removed": np.concatenate([zero, (present[:-1] & ~present[1:]).sum(axis=1)]),
        },
        index=pd.DatetimeIndex(time_levels, name="server_time"),
    )


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
