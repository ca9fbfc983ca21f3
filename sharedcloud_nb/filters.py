"""The explorer's logic without widgets: a filters dict, and the images of a frame that match it.

:func:`sc.explorer() <sharedcloud_nb.explorer>` is a thin shell over this module:

- :data:`DEFAULT_FILTERS` and :func:`merge_filters`: the filters as a plain dict that a notebook
  can read, store and assign back (assigning merges the keys it names);
- :class:`CatalogueFilter`: a frame prepared once (the picker's ``ImageIndex`` for the text
  search, numpy arrays for the rest), then filtered in a few milliseconds at 100,000 images;
  :func:`filter_frame` is the same as one pure call;
- :data:`DEFAULT_SORT` and :func:`check_sort`: the table's order, (column, ascending), applied to
  every match before the table's rows are cut to :data:`TABLE_LIMIT` (:meth:`CatalogueFilter.sorted_rows`,
  :func:`sort_rows`);
- :func:`count_text`, :func:`table_frame`, :func:`table_note`: what the count label and the table show;
- :class:`Debouncer`: waits for a pause in typing before applying the search.

Nothing here imports ipywidgets or matplotlib.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._labels import NO_UUID
from .errors import InputError, InputTypeError
from .search import ImageIndex

__all__ = [
    "DEFAULT_FILTERS",
    "DEFAULT_SORT",
    "SORT_COLUMNS",
    "TABLE_COLUMNS",
    "TABLE_LIMIT",
    "CatalogueFilter",
    "Debouncer",
    "FilterResult",
    "check_sort",
    "count_text",
    "filter_frame",
    "merge_filters",
    "parse_day",
    "sort_rows",
    "table_frame",
    "table_note",
]

#: The filters of an unfiltered view. ``created`` is (first day, last day), both included, UTC;
#: None leaves that end open. ``runtimes`` empty means every runtime.
DEFAULT_FILTERS: Mapping[str, Any] = {
    "search": "",
    "runtimes": (),
    "gpu": None,
    "created": (None, None),
    "min_installations": 0,
}

#: The table's columns: its label, and the frame column it shows.
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "name"),
    ("runtime", "runtime"),
    ("tag", "tag"),
    ("GPU", "requires_gpu"),
    ("installations", "num_installations"),
    ("created", "created_at"),
    ("updated", "updated_at"),
)

#: How many rows the table holds at most: the first of the matches in the chosen order (every match
#: is sorted here first). Paging happens in the browser, and a few thousand rows already take tens
#: of milliseconds to send.
TABLE_LIMIT = 1000

#: What the table can be sorted by: "uuid" and the frame columns of :data:`TABLE_COLUMNS`.
SORT_COLUMNS: tuple[str, ...] = ("uuid", *(column for _, column in TABLE_COLUMNS))

#: The table's default order, (column, ascending): most installations first.
DEFAULT_SORT: tuple[str, bool] = ("num_installations", False)

_SORT_ALIASES = {label: column for label, column in TABLE_COLUMNS}

_DAY_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")  # ISO, and the API's own day-first order: never inferred
_NANOS_PER_DAY = 86_400 * 10**9


# -- the filters dict ---------------------------------------------------------------------------


def parse_day(value: Any) -> dt.date | None:
    """A day from a date, a datetime (its UTC day), a Timestamp, or text ``YYYY-MM-DD`` / ``dd-mm-YYYY``.

    Raises:
        InputError: (a ValueError) text in neither format.
        InputTypeError: (a TypeError) anything else.

    Example:
        >>> parse_day("05-10-2018")
        datetime.date(2018, 10, 5)
    """
    if value is None:
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        stamp = pd.Timestamp(value)
        return (stamp.tz_convert("UTC") if stamp.tzinfo is not None else stamp).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for form in _DAY_FORMATS:
            try:
                return dt.datetime.strptime(value.strip(), form).date()
            except ValueError:
                continue
        raise InputError(f"A day is written YYYY-MM-DD or dd-mm-YYYY, not {value!r}.")
    raise InputTypeError(f"A day is a date, a datetime or text YYYY-MM-DD, not {type(value).__name__}.")


def _runtimes(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise InputTypeError(f"runtimes is a tuple of runtime names (empty for all), not {value!r}.")
    return tuple(dict.fromkeys(value))  # once each, in the order given


def _gpu(value: Any) -> bool | None:
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    raise InputTypeError(f"gpu is None (both), True (GPU images) or False (CPU images), not {value!r}.")


def _created(value: Any) -> tuple[dt.date | None, dt.date | None]:
    if value is None:
        return (None, None)
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InputTypeError(f"created is a (first day, last day) pair, None for an open end, not {value!r}.")
    days = tuple(value)
    if len(days) != 2:
        raise InputError(f"created is a (first day, last day) pair, not {len(days)} values.")
    start, end = parse_day(days[0]), parse_day(days[1])
    if start is not None and end is not None and start > end:
        raise InputError(f"created: the first day ({start}) is after the last ({end}).")
    return (start, end)


def _min_installations(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InputError(f"min_installations is a whole number, 0 or more, not {value!r}.")
    return int(value)


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "search": lambda v: "" if v is None else _text(v),
    "runtimes": _runtimes,
    "gpu": _gpu,
    "created": _created,
    "min_installations": _min_installations,
}


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise InputTypeError(f"search is text, not {type(value).__name__}.")
    return value


def merge_filters(changes: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``base`` with the keys that ``changes`` names replaced, each checked and normalised.

    Args:
        changes: some of ``search``, ``runtimes``, ``gpu``, ``created``, ``min_installations``.
        base: the filters in force; default :data:`DEFAULT_FILTERS`.

    Returns:
        A new dict with all five keys: ``runtimes`` a tuple, ``created`` a pair of dates or None.

    Raises:
        KeyError: a key that is not a filter (nothing is changed).
        InputError: (a ValueError) a value out of range, such as a negative ``min_installations``;
            an :class:`~sharedcloud_nb.errors.InputTypeError` (also a TypeError) for a value of the wrong type.

    Example:
        >>> merge_filters({"gpu": True, "created": ("2018-01-01", None)})["created"]
        (datetime.date(2018, 1, 1), None)
    """
    if not isinstance(changes, Mapping):
        raise InputTypeError(f"filters are a dict, not {type(changes).__name__}.")
    unknown = [key for key in changes if key not in DEFAULT_FILTERS]
    if unknown:
        raise KeyError(f"{unknown[0]!r} is not a filter; the filters are {', '.join(DEFAULT_FILTERS)}.")
    merged = dict(DEFAULT_FILTERS if base is None else base)
    for key, value in changes.items():
        merged[key] = _CHECKS[key](value)
    return merged


def count_text(matching: int, total: int) -> str:
    """The count label, e.g. "12 of 48 images".

    Example:
        >>> count_text(1, 1)
        '1 of 1 image'
    """
    return f"{matching:,} of {total:,} image{'' if total == 1 else 's'}"


# -- the order ----------------------------------------------------------------------------------


def check_sort(value: Any) -> tuple[str, bool]:
    """The table's order as ``(column, ascending)``, checked and normalised.

    Args:
        value: ``(column, ascending)``; a column alone (ascending); or None (:data:`DEFAULT_SORT`).
            The column is one of :data:`SORT_COLUMNS` or its label in the table ("installations").

    Raises:
        KeyError: a column the table cannot be sorted by.
        InputTypeError: (a TypeError) anything else.

    Example:
        >>> check_sort(("created", False))
        ('created_at', False)
    """
    if value is None:
        return DEFAULT_SORT
    if isinstance(value, str):
        value = (value, True)
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        raise InputTypeError(f"sort is a (column, ascending) pair, not {value!r}.")
    pair = tuple(value)
    if len(pair) != 2 or not isinstance(pair[0], str) or not isinstance(pair[1], (bool, np.bool_)):
        raise InputTypeError(f"sort is a (column, ascending) pair, e.g. ('created_at', False), not {value!r}.")
    column = _SORT_ALIASES.get(pair[0], pair[0])
    if column not in SORT_COLUMNS:
        raise KeyError(f"{pair[0]!r} is not a column of the table; sort by one of {', '.join(SORT_COLUMNS)}.")
    return (column, bool(pair[1]))


def _sort_key(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Numbers that sort ``column`` as the table shows it, and where it is missing.

    Counts sort as numbers, dates as instants, GPU as no < yes, text case-insensitively (as
    DataTables does, so the header's arrow agrees with the rows).
    """
    if column == "uuid":
        # An image without a uuid has no value here: it sorts last, as other missing values do.
        listed = ~np.asarray(frame.index.isna(), dtype=bool)
        values: pd.Series = pd.Series(frame.index.astype(str), index=frame.index).where(listed)
    elif column in frame:
        values = frame[column]
    else:
        values = pd.Series(pd.NA, index=frame.index, dtype="object")
    if column == "num_installations":
        numbers = values.astype("Float64")
        return numbers.fillna(0).to_numpy(dtype=np.float64), numbers.isna().to_numpy()
    if column.endswith("_at"):
        stamps = pd.to_datetime(values, utc=True)
        missing = stamps.isna().to_numpy()
        instants = stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
        return np.where(missing, 0, instants), missing
    if column == "requires_gpu":
        flags = values.astype("boolean")
        return flags.fillna(False).to_numpy(dtype=np.int64), flags.isna().to_numpy()
    # Ranks of the lower-cased text: one sort of the distinct values, then integers.
    codes, _ = pd.factorize(values.astype("string").str.lower(), sort=True)
    return codes.astype(np.int64), codes < 0


def _ordering(key: tuple[np.ndarray, np.ndarray], ascending: bool) -> np.ndarray:
    values, missing = key
    # lexsort is stable: equal values keep the frame's order, in both directions; missing go last.
    return np.lexsort((values if ascending else -values, missing))


def sort_rows(frame: pd.DataFrame, sort: Any = None, limit: int | None = None) -> np.ndarray:
    """The positions of ``frame``'s rows in the order ``sort``: a pure function.

    Args:
        frame: images, indexed by uuid.
        sort: as :func:`check_sort` takes it; default :data:`DEFAULT_SORT` (most installed first).
        limit: at most this many positions (the first in that order); None for all.

    Returns:
        An integer array for ``frame.iloc``. Ties keep the frame's order; missing values go last.

    Example:
        >>> oldest = frame.iloc[sort_rows(frame, ("created_at", True), limit=10)]  # doctest: +SKIP
    """
    column, ascending = check_sort(sort)
    rows = _ordering(_sort_key(frame, column), ascending)
    return rows if limit is None else rows[:limit]


# -- filtering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterResult:
    """The outcome of :meth:`CatalogueFilter.apply`.

    Attributes:
        mask: one bool per image of the prepared frame: does it match every filter.
        runtime_counts: per runtime, how many images match every filter but the runtime one
            (what the runtime choices show next to their names).
    """

    mask: np.ndarray
    runtime_counts: dict[str, int]

    @property
    def count(self) -> int:
        """How many images match."""
        return int(self.mask.sum())


class CatalogueFilter:
    """A frame prepared for filtering: built once, then :meth:`apply` as often as filters change.

    The text search is the image picker's own (``sharedcloud_nb.search.ImageIndex``):
    every word must occur, case and accents aside, in the name, runtime, tag, registry path or
    description, or start the uuid. A uuid listed twice is kept once, as the picker does.

    Args:
        frame: a typed images frame indexed by uuid.

    Example:
        >>> prepared = CatalogueFilter(client.images())  # doctest: +SKIP
        >>> prepared.frame_for({"search": "tensorflow", "gpu": True})  # doctest: +SKIP
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.index = ImageIndex(frame)
        #: the prepared frame (repeated uuids dropped); masks are in its row order
        self.frame: pd.DataFrame = self.index.frame
        n = len(self.frame)
        # index.rows[i] is the frame row of the index's i-th image: invert it once, so that a
        # search mask (index order) becomes a frame mask with one take.
        self._from_index = np.empty(n, dtype=np.intp)
        self._from_index[self.index.rows] = np.arange(n)
        runtime = self._column("runtime").astype("category")
        self.runtimes: tuple[str, ...] = tuple(sorted(str(c) for c in runtime.cat.categories))
        runtime = runtime.cat.set_categories(list(self.runtimes))
        self._runtime = runtime.cat.codes.to_numpy(dtype=np.int64)  # -1 where missing
        gpu = self._column("requires_gpu").astype("boolean")
        self._gpu = np.where(gpu.isna().to_numpy(), -1, gpu.fillna(False).to_numpy(dtype=np.int8))
        created = pd.to_datetime(self._column("created_at"), utc=True)
        # Missing dates become the smallest int64, so they fail every bound but an open one.
        self._created = created.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
        installs = self._column("num_installations").astype("Float64")
        self._installs = installs.fillna(-1).to_numpy(dtype=np.float64)
        self._search_cache: tuple[str, np.ndarray] | None = None
        self._orders: dict[tuple[str, bool], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def _column(self, name: str) -> pd.Series:
        if name in self.frame:
            return self.frame[name]
        return pd.Series(pd.NA, index=self.frame.index, dtype="object")

    def search_mask(self, query: str) -> np.ndarray:
        """The frame rows that the picker's search keeps for ``query`` (the last one is cached)."""
        if self._search_cache is not None and self._search_cache[0] == query:
            return self._search_cache[1]
        if not query.split():
            mask = np.ones(len(self), dtype=bool)
        else:
            mask = self.index.search(query, 0).mask[self._from_index]
        self._search_cache = (query, mask)
        return mask

    def _other_masks(self, filters: Mapping[str, Any]) -> np.ndarray:
        """Every filter but the runtime one (the runtime counts are taken after these)."""
        mask = self.search_mask(filters["search"]).copy()
        if filters["gpu"] is not None:
            mask &= self._gpu == int(filters["gpu"])
        start, end = filters["created"]
        if start is not None:
            mask &= self._created >= pd.Timestamp(start).value
        if end is not None:  # the last day is included: before the next midnight
            mask &= self._created < pd.Timestamp(end).value + _NANOS_PER_DAY
        if filters["min_installations"] > 0:
            mask &= self._installs >= filters["min_installations"]
        return mask

    def apply(self, filters: Mapping[str, Any]) -> FilterResult:
        """The rows that match ``filters`` (a full dict, as :func:`merge_filters` returns)."""
        others = self._other_masks(filters)
        known = self._runtime >= 0
        counts = np.bincount(self._runtime[others & known], minlength=len(self.runtimes))
        runtime_counts = {name: int(count) for name, count in zip(self.runtimes, counts, strict=True)}
        mask = others
        if filters["runtimes"]:
            wanted = [self.runtimes.index(r) for r in filters["runtimes"] if r in self.runtimes]
            mask = others & np.isin(self._runtime, wanted)
        return FilterResult(mask=mask, runtime_counts=runtime_counts)

    def order(self, sort: Any = None) -> np.ndarray:
        """Every row of the prepared frame in the order ``sort``, worked out once per order and kept."""
        key = check_sort(sort)
        if key not in self._orders:
            self._orders[key] = _ordering(_sort_key(self.frame, key[0]), key[1])
        return self._orders[key]

    def sorted_rows(self, mask: np.ndarray, sort: Any = None, limit: int | None = None) -> np.ndarray:
        """The matching rows (``mask``) in the order ``sort``, the first ``limit`` of them.

        Every match is sorted, not only those the table holds: the prepared frame's order is taken
        once, and a filter change then only picks the matches from it (no sort at all).

        Example:
            >>> prepared = CatalogueFilter(frame)  # doctest: +SKIP
            >>> rows = prepared.sorted_rows(prepared.apply(filters).mask, ("created_at", True), 100)  # doctest: +SKIP
        """
        order = self.order(sort)
        rows = order[mask[order]]
        return rows if limit is None else rows[:limit]

    def table_for(self, filters: Mapping[str, Any], sort: Any = None) -> pd.DataFrame:
        """The table of the images that match ``filters``: every match sorted, then the first :data:`TABLE_LIMIT`.

        Args:
            filters: some of the keys of :data:`DEFAULT_FILTERS` (the others keep their default).
            sort: as :func:`check_sort` takes it; default most installed first.
        """
        rows = self.sorted_rows(self.apply(merge_filters(filters)).mask, sort, TABLE_LIMIT)
        return table_frame(self.frame.iloc[rows], sort=None)

    def frame_for(self, filters: Mapping[str, Any]) -> pd.DataFrame:
        """The matching images as a typed frame of the same schema (``filters`` may be partial)."""
        return self.frame[self.apply(merge_filters(filters)).mask]


def filter_frame(frame: pd.DataFrame, filters: Mapping[str, Any]) -> pd.DataFrame:
    """The images of ``frame`` that match ``filters``: a pure function, ``frame`` is not changed.

    Args:
        frame: a typed images frame indexed by uuid.
        filters: some of the keys of :data:`DEFAULT_FILTERS`; the others keep their default.

    Returns:
        The matching rows, same columns, dtypes and ``attrs``, in the frame's order.

    Example:
        >>> filter_frame(df, {"runtimes": ("python36",), "min_installations": 10})  # doctest: +SKIP
    """
    return CatalogueFilter(frame).frame_for(filters)


# -- the table ----------------------------------------------------------------------------------


def table_frame(frame: pd.DataFrame, limit: int | None = None, sort: Any = DEFAULT_SORT) -> pd.DataFrame:
    """What the table shows: the columns of :data:`TABLE_COLUMNS`, in the order ``sort``.

    Dates are ISO text (``YYYY-MM-DD HH:MM:SS``, UTC), which sorts in time order; the table
    writes them day-first, as the API does. GPU is "yes", "no" or empty. The uuid of an image
    listed without one reads "(no uuid)".

    Args:
        frame: the matching images.
        limit: at most this many rows (the first in that order); None for all.
        sort: ``(column, ascending)`` as :func:`check_sort` takes it; default most installed
            first; None keeps the frame's order (rows already sorted and cut).
    """
    if sort is None:
        picked = frame if limit is None else frame.iloc[:limit]
    else:
        picked = frame.iloc[sort_rows(frame, sort, limit)]
    listed = ~np.asarray(picked.index.isna(), dtype=bool)  # else "(no uuid)", never "None", "nan" or "<NA>"
    table = pd.DataFrame(index=pd.Index(picked.index.astype(str).where(listed, f"({NO_UUID})"), name="uuid"))
    for label, column in TABLE_COLUMNS:
        values = picked[column] if column in picked else pd.Series(pd.NA, index=picked.index)
        if column == "requires_gpu":
            values = values.astype("boolean").map({True: "yes", False: "no"}).astype("string").fillna("")
        elif column.endswith("_at"):
            values = pd.to_datetime(values, utc=True).dt.strftime("%Y-%m-%d %H:%M:%S").astype("string").fillna("")
        elif column == "num_installations":
            values = values.astype("Int64")
        else:
            values = values.astype("string").fillna("")
        table[label] = values.to_numpy()
    return table


_ORDER_WORDS = {
    ("num_installations", False): "the {n} most installed",
    ("num_installations", True): "the {n} least installed",
    ("created_at", False): "the {n} most recently created",
    ("created_at", True): "the {n} first created",
    ("updated_at", False): "the {n} most recently updated",
    ("updated_at", True): "the {n} least recently updated",
}


def table_note(shown: int, matching: int, sort: Any = DEFAULT_SORT) -> str:
    """What the table says when it holds fewer rows than match ("" when it holds them all).

    Example:
        >>> table_note(1000, 5000, ("created_at", True))
        'The table holds the 1,000 first created of the 5,000 matching images (every match is sorted, then cut): sort with "Sort by", or narrow the filters; explorer.filtered has them all.'
    """
    if shown >= matching:
        return ""
    column, ascending = check_sort(sort)
    words = _ORDER_WORDS.get((column, ascending))
    if words is None:
        label = next((lab for lab, col in TABLE_COLUMNS if col == column), column)
        words = f"the first {{n}} by {label} ({'ascending' if ascending else 'descending'})"
    return (
        f"The table holds {words.format(n=f'{shown:,}')} of the {matching:,} matching images (every match is "
        'sorted, then cut): sort with "Sort by", or narrow the filters; explorer.filtered has them all.'
    )


# -- debouncing ---------------------------------------------------------------------------------


class Debouncer:
    """Calls ``action`` once typing pauses for ``delay`` seconds, with the last value given.

    In a kernel the wait is a timer on its event loop, so ``action`` runs on the kernel's own
    thread, between messages; with no running loop (a script, a test) a timer thread is used.

    Args:
        action: called with the latest value.
        delay: the pause, in seconds; 0 applies at once.

    Example:
        >>> calls = []
        >>> debounced = Debouncer(calls.append, delay=0)
        >>> debounced("tens"); calls
        ['tens']
    """

    def __init__(self, action: Callable[[Any], Any], delay: float = 0.25) -> None:
        self.action = action
        self.delay = delay
        self._pending: tuple[Any] | None = None
        self._handle: asyncio.TimerHandle | threading.Timer | None = None
        self._lock = threading.Lock()

    def __call__(self, value: Any) -> None:
        """Remember ``value`` and (re)start the wait."""
        if self.delay <= 0:
            self.action(value)
            return
        with self._lock:
            self._pending = (value,)
            self._cancel()
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                timer = threading.Timer(self.delay, self.flush)
                timer.daemon = True
                self._handle = timer
                timer.start()
            else:
                self._handle = loop.call_later(self.delay, self.flush)

    @property
    def pending(self) -> bool:
        """True while a value waits to be applied."""
        return self._pending is not None

    def flush(self) -> None:
        """Apply the waiting value now, if any."""
        with self._lock:
            pending, self._pending = self._pending, None
            self._cancel()
        if pending is not None:
            self.action(pending[0])

    def cancel(self) -> None:
        """Forget the waiting value."""
        with self._lock:
            self._pending = None
            self._cancel()

    def _cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
