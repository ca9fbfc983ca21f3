"""Matplotlib helpers for the images frame: one analyst question per function, each returning its Axes.

Every helper takes an images frame (from ``client.images()`` or ``sc.images_frame()``) and
``ax=None``, draws on ``ax`` (or on a new figure), and returns the Axes, as pandas' ``.plot`` does,
so that a plot can be placed in a grid of subplots and adjusted afterwards:

- :func:`runtimes` -- images per runtime, CPU and GPU stacked;
- :func:`gpu_share` -- the share of images, and of installations, that need a GPU;
- :func:`most_installed` -- the top N images by installations, as horizontal bars;
- :func:`catalogue_growth` -- images created per month (bars), the catalogue's size (line, right
  axis) and images updated per month (markers);
- :func:`staleness` -- the N images longest without an update, in days before the server's clock;
- :func:`installations_over_time` -- from ``sc.history()``: the images gaining installations fastest;
- :func:`catalogue_changes` -- from ``sc.history()``: images added and removed per snapshot, and the size.

Titles say what is drawn without the code, name the snapshot when the frame came from one
(``store.load()``, offline mode: ", snapshot of 05 Oct 2018"), and end with "(demo data)" when
the frame came from the built-in demo catalogue (``frame.attrs["source"] == "demo"``). An empty frame, or one whose
values are all missing, gives an Axes titled "...: no data" rather than an error; rows with a
missing value are left out and the axis label says how many.

This module imports matplotlib; ``sharedcloud_nb`` loads it only when ``sc.plots`` is first used.
"""

from __future__ import annotations

from typing import Any, cast

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from . import display, timeline
from .errors import InputError, InputTypeError
from .frames import require_columns

__all__ = [
    "CPU_COLOR",
    "GPU_COLOR",
    "NO_DATA",
    "UNKNOWN_COLOR",
    "catalogue_changes",
    "catalogue_growth",
    "gpu_share",
    "image_labels",
    "installations_over_time",
    "most_installed",
    "runtimes",
    "staleness",
]

CPU_COLOR = "tab:blue"
GPU_COLOR = "tab:orange"
UNKNOWN_COLOR = "tab:gray"
UPDATE_COLOR = "tab:red"
TOTAL_COLOR = "tab:green"

#: What a plot says when there is nothing to draw.
NO_DATA = "no data"
#: The note appended to a title when the frame came from the demo catalogue.
DEMO_NOTE = "(demo data)"

_DAY = pd.Timedelta(days=1)


# -- shared pieces ---------------------------------------------------------------------------------


def _check_n(n: Any, name: str = "n") -> None:
    """How many images a top-N plot shows: a whole number, at least 1 (True is not a number here)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"{name} must be a whole number of images, at least 1, not {n!r}.")


def _title(frame: pd.DataFrame, text: str) -> str:
    """The title: the text, the instance the frame is limited to, and the demo note."""
    instance = frame.attrs.get("instance")
    if instance:
        text += f", instance {str(instance)[:8]}"
    if frame.attrs.get("snapshot") and frame.attrs.get("server_time"):
        text += f", snapshot of {pd.Timestamp(frame.attrs['server_time']):%d %b %Y}"
    if frame.attrs.get("source") == "demo":
        text += f" {DEMO_NOTE}"
    return text


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None and not isinstance(ax, Axes):  # a Figure, or the array of plt.subplots(2)
        raise InputTypeError(f"ax is a matplotlib Axes (axes[0] of plt.subplots(2)) or None, not {type(ax).__name__}.")
    if ax is not None:
        return ax
    # constrained layout keeps long tick labels (image names) inside the figure.
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _no_data(ax: Axes, frame: pd.DataFrame, what: str) -> Axes:
    ax.set_title(_title(frame, f"{what}: {NO_DATA}"))
    ax.text(0.5, 0.5, NO_DATA, transform=ax.transAxes, ha="center", va="center", color=UNKNOWN_COLOR, fontsize=14)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _left_out(count: int, why: str) -> str:
    """A note for an axis label: how many images are not drawn and why ('' when none)."""
    if not count:
        return ""
    return f"  ({count} image{'s' if count != 1 else ''} {why} not shown)"


def _text(series: pd.Series, missing: str) -> pd.Series:
    """A column as plain strings with a placeholder for missing values, on a positional index."""
    return series.astype("string").fillna(missing).reset_index(drop=True)


def image_labels(frame: pd.DataFrame) -> pd.Series:
    """A short label per image that tells apart images sharing a name, as the image picker lists them.

    The name alone when it is unique in the frame; else "name (runtime)"; else
    "name (runtime, tag)"; else "name (runtime, tag, first 8 characters of the uuid)" (see
    :func:`sharedcloud_nb.display.image_labels`, which the picker uses too).

    Args:
        frame: an images frame (needs ``name``, ``runtime`` and ``tag``).

    Returns:
        A string Series aligned with the frame's rows (same index).

    Raises:
        InputError: (a ValueError) not an images frame (an InputTypeError, also a TypeError, when not a DataFrame).

    Example:
        >>> image_labels(df).loc["24b310f8-1405-4928-914f-d5c91272f88a"]
        'web-crawling (python36, latest, 24b310f8)'
    """
    return display.image_labels(require_columns(frame, ["name", "runtime", "tag"], "image_labels"))


# -- the plots -------------------------------------------------------------------------------------


def runtimes(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Images per runtime as stacked bars: CPU images below, GPU images on top, the total above.

    Runtimes are ordered by their number of images, largest first. Images whose ``requires_gpu``
    is missing get a third, grey segment ("GPU unknown"); a missing runtime is "(unknown)".

    Args:
        frame: an images frame (needs ``runtime`` and ``requires_gpu``).
        ax: the Axes to draw on; a new figure when None.

    Returns:
        The Axes. ``ax.containers`` holds one bar container per segment, labelled "CPU", "GPU"
        (and "GPU unknown" when present), in that order.

    Raises:
        InputError: (a ValueError) not an images frame (an InputTypeError when not a DataFrame, or ``ax`` no Axes).

    Example:
        >>> ax = sc.plots.runtimes(client.images())
    """
    what = "Images per runtime"
    require_columns(frame, ["runtime", "requires_gpu"], "runtimes")
    ax = _axes(ax, (8, 4.5))
    if frame.empty:
        return _no_data(ax, frame, what)
    runtime = _text(frame["runtime"], "(unknown)")
    kind = frame["requires_gpu"].astype("boolean").map({True: "GPU", False: "CPU"})
    kind = kind.astype("string").fillna("GPU unknown").reset_index(drop=True)
    counts = pd.crosstab(runtime, kind)
    segments = ["CPU", "GPU"] + (["GPU unknown"] if "GPU unknown" in counts.columns else [])
    counts = counts.reindex(columns=segments, fill_value=0)
    totals = counts.sum(axis=1)
    # Ties keep the alphabetical order crosstab gives, so the plot is the same on every run.
    counts = counts.loc[totals.sort_values(ascending=False, kind="stable").index]
    totals = counts.sum(axis=1)

    x = np.arange(len(counts))
    bottom = np.zeros(len(counts))
    colors = {"CPU": CPU_COLOR, "GPU": GPU_COLOR, "GPU unknown": UNKNOWN_COLOR}
    containers = []
    for segment in segments:
        heights = counts[segment].to_numpy(dtype=float)
        containers.append(ax.bar(x, heights, bottom=bottom, color=colors[segment], label=segment, width=0.7))
        bottom += heights
    # The totals go above the top segment.
    ax.bar_label(containers[-1], labels=[str(int(total)) for total in totals], padding=2)
    ax.set_xticks(x, list(counts.index))
    ax.set_xlabel("runtime")
    ax.set_ylabel("images")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(y=0.12)  # room for the totals above the bars
    # A few runtimes (one instance's images) should not make bars as wide as the figure.
    pad = (max(len(counts), 4) - len(counts)) / 2
    ax.set_xlim(-0.6 - pad, len(counts) - 0.4 + pad)
    ax.legend(title="needs", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    gpu = int(counts["GPU"].sum())
    ax.set_title(_title(frame, f"{what}: {gpu} of {int(totals.sum())} need a GPU"))
    return ax


def gpu_share(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """How much of the catalogue needs a GPU: images and installations, CPU vs GPU, as 100 % bars.

    Two horizontal bars, "images" and "installations", each split into the CPU and the GPU share
    and annotated with the count and the percentage. Images whose ``requires_gpu`` is missing are
    left out (the axis label says how many); missing installation counts count as 0.

    Args:
        frame: an images frame (needs ``requires_gpu`` and ``num_installations``).
        ax: the Axes to draw on; a new figure when None.

    Returns:
        The Axes; ``ax.containers`` holds the "CPU" then the "GPU" bars, widths in percent.

    Raises:
        InputTypeError: (a TypeError) not a DataFrame, or ``ax`` is no matplotlib Axes.
        InputError: (a ValueError) the frame lacks ``requires_gpu`` or ``num_installations``.

    Example:
        >>> ax = sc.plots.gpu_share(client.images())
    """
    what = "Share of images and installations that need a GPU"
    require_columns(frame, ["requires_gpu", "num_installations"], "gpu_share")
    ax = _axes(ax, (8, 2.8))
    gpu = frame["requires_gpu"].astype("boolean")
    known = gpu.notna().to_numpy()
    if not known.any():
        return _no_data(ax, frame, what)
    gpu = gpu[known].to_numpy(dtype=bool)
    installs = frame["num_installations"].astype("Int64")[known].fillna(0).to_numpy(dtype=float)
    rows = ["images", "installations"]
    cpu_counts = np.array([(~gpu).sum(), installs[~gpu].sum()], dtype=float)
    gpu_counts = np.array([gpu.sum(), installs[gpu].sum()], dtype=float)
    totals = cpu_counts + gpu_counts
    safe = np.where(totals > 0, totals, 1.0)  # no installations at all: 0 %, not a division error
    cpu_pct, gpu_pct = 100 * cpu_counts / safe, 100 * gpu_counts / safe
    y = np.arange(len(rows))
    cpu_bars = ax.barh(y, cpu_pct, color=CPU_COLOR, label="CPU", height=0.6)
    gpu_bars = ax.barh(y, gpu_pct, left=cpu_pct, color=GPU_COLOR, label="GPU", height=0.6)
    for bars, counts, pct in ((cpu_bars, cpu_counts, cpu_pct), (gpu_bars, gpu_counts, gpu_pct)):
        labels = [f"{int(c)} ({p:.0f} %)" if p >= 8 else "" for c, p in zip(counts, pct, strict=True)]
        ax.bar_label(bars, labels=labels, label_type="center", color="white", fontweight="bold")
    ax.set_yticks(y, rows)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("share, %" + _left_out(int((~known).sum()), "with requires_gpu missing"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title(_title(frame, what))
    return ax


def most_installed(frame: pd.DataFrame, n: int = 10, ax: Axes | None = None) -> Axes:
    """The ``n`` most-installed images as horizontal bars, the most installed on top.

    Bars are labelled with :func:`image_labels` (computed on the whole frame, so "standard
    (python36)" reads as such even when its python27 sibling is not in the top N) and annotated with
    the count; GPU images are orange, CPU images blue. Ties keep the catalogue's order. Images
    without an installation count are left out.

    Args:
        frame: an images frame (needs ``name``, ``runtime``, ``tag``, ``requires_gpu``,
            ``num_installations``).
        n: how many images to show (at least 1).
        ax: the Axes to draw on; a new figure when None.

    Returns:
        The Axes; ``ax.patches`` are the bars in rank order, ``ax.get_yticklabels()`` their labels.

    Raises:
        InputError: (a ValueError) ``n`` is less than 1, or the frame lacks a column.
        InputTypeError: (a TypeError) not a DataFrame, or ``ax`` is no matplotlib Axes.

    Example:
        >>> ax = sc.plots.most_installed(client.images(), n=5)
    """
    _check_n(n)
    what = "Most-installed images"
    require_columns(frame, ["name", "runtime", "tag", "requires_gpu", "num_installations"], "most_installed")
    counts = frame["num_installations"].astype("Int64").reset_index(drop=True)
    known = counts.notna().to_numpy()
    ax = _axes(ax, (8, 0.38 * min(int(n), max(int(known.sum()), 1)) + 1.6))
    if not known.any():
        return _no_data(ax, frame, what)
    labels = image_labels(frame).reset_index(drop=True)[known]
    gpu = frame["requires_gpu"].astype("boolean").fillna(False).reset_index(drop=True)[known]
    values = counts[known].astype("int64")
    order = values.sort_values(ascending=False, kind="stable").index[: int(n)]
    shown = values.loc[order]
    y = np.arange(len(order))
    colors = [GPU_COLOR if g else CPU_COLOR for g in gpu.loc[order]]
    bars = ax.barh(y, shown.to_numpy(), color=colors, height=0.7)
    ax.bar_label(bars, labels=[str(v) for v in shown], padding=3)
    ax.set_yticks(y, list(labels.loc[order]))
    ax.invert_yaxis()  # rank 1 on top
    ax.margins(x=0.1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("installations" + _left_out(int((~known).sum()), "without an installation count"))
    handles = [plt.Rectangle((0, 0), 1, 1, color=CPU_COLOR), plt.Rectangle((0, 0), 1, 1, color=GPU_COLOR)]
    ax.legend(handles, ["CPU", "GPU"], loc="lower right")
    ax.set_title(_title(frame, f"{what}: top {len(order)} of {int(known.sum())}"))
    return ax


def _set_right_ax(ax: Axes, right: Axes | None) -> None:
    """Give ``ax`` its secondary Axes as ``ax.right_ax``, the name pandas' ``secondary_y`` plots use.

    matplotlib's Axes declares no such attribute (pandas sets it on the instance too), hence the
    cast: the attribute is part of this module's documented result, not of matplotlib's type.
    """
    cast(Any, ax).right_ax = right


def _months(dates: pd.Series) -> pd.Series:
    """Dates -> monthly periods (UTC), without the warning pandas gives for dropping a timezone."""
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    return dates.dt.to_period("M")


def catalogue_growth(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The catalogue over time: images created per month, the running total, and updates.

    Bars: images created in each month (UTC), every month from the first creation to the last
    creation or update, empty months included. Line (right axis, ``ax.right_ax``): how many
    images the catalogue holds at the end of each month. Markers: how many images were updated
    in that month (an update is an ``updated_at`` later than ``created_at``; images never updated,
    or with an update date before their creation date, mark nothing).

    Args:
        frame: an images frame (needs ``created_at`` and ``updated_at``).
        ax: the Axes to draw on; a new figure when None.

    Returns:
        The Axes of the bars and markers (left axis, images per month). As with pandas'
        ``secondary_y``, the right axis of the cumulative line is ``ax.right_ax`` (None when
        there is no data to draw).

    Raises:
        InputTypeError: (a TypeError) not a DataFrame, or ``ax`` is no matplotlib Axes.
        InputError: (a ValueError) the frame lacks ``created_at`` or ``updated_at``.

    Example:
        >>> ax = sc.plots.catalogue_growth(client.images())
        >>> int(ax.right_ax.get_lines()[0].get_ydata()[-1])  # the catalogue's size
        48
    """
    what = "The catalogue over time"
    require_columns(frame, ["created_at", "updated_at"], "catalogue_growth")
    ax = _axes(ax, (10, 4.5))
    created = pd.to_datetime(frame["created_at"]).reset_index(drop=True)
    updated = pd.to_datetime(frame["updated_at"]).reset_index(drop=True)
    has_created = created.notna()
    if not has_created.any():
        _set_right_ax(ax, None)
        return _no_data(ax, frame, what)
    created_months = _months(created[has_created])
    was_updated = has_created & updated.notna() & (updated > created)
    updated_months = _months(updated[was_updated])
    last = max(created_months.max(), updated_months.max()) if len(updated_months) else created_months.max()
    months = pd.period_range(created_months.min(), last, freq="M")
    per_month = created_months.value_counts().reindex(months, fill_value=0)
    updates = updated_months.value_counts().reindex(months, fill_value=0)
    total = per_month.cumsum()

    starts = mdates.date2num(months.to_timestamp(how="start"))
    ends = mdates.date2num((months + 1).to_timestamp(how="start"))
    # Bars fill most of their month; the line's points sit at each month's end, when the total holds.
    bars = ax.bar(
        starts,
        per_month.to_numpy(),
        width=(ends - starts) * 0.85,
        align="edge",
        color=CPU_COLOR,
        label="images created in the month",
    )
    marked = updates.to_numpy() > 0
    (markers,) = ax.plot(
        (starts + (ends - starts) / 2)[marked],
        updates.to_numpy()[marked],
        linestyle="none",
        marker="v",
        markersize=8,
        color=UPDATE_COLOR,
        label="images updated in the month",
    )
    right = ax.twinx()
    (line,) = right.plot(
        ends, total.to_numpy(), color=TOTAL_COLOR, marker=".", label="images in the catalogue (right axis)"
    )
    right.set_ylim(bottom=0, top=max(int(total.iloc[-1]), 1) * 1.08)
    right.set_ylabel("images in the catalogue")
    right.yaxis.set_major_locator(MaxNLocator(integer=True))

    # Month and year on every tick: a first tick reading "Jul" alone leaves the year to guess.
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.set_xlim(starts[0] - 5, ends[-1] + 5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0, top=max(int(per_month.max()), int(updates.max()), 1) * 1.15)
    ax.set_ylabel("images per month")
    ax.set_xlabel("month (UTC)" + _left_out(int((~has_created).sum()), "without a creation date"))
    # One legend for both axes, on the right Axes: it is drawn last, so nothing covers the legend.
    right.legend(handles=[bars, markers, line], loc="upper left")
    ax.set_title(
        _title(frame, f"{what}: {int(total.iloc[-1])} images created, {int(was_updated.sum())} of them updated later")
    )
    _set_right_ax(ax, right)
    return ax


def staleness(frame: pd.DataFrame, n: int = 15, ax: Axes | None = None) -> Axes:
    """The ``n`` stalest images: days since their last update, measured on the server's clock.

    Horizontal bars, the stalest on top, labelled with :func:`image_labels` and annotated with the
    days; a dashed line marks the median over all images. Time is ``since_update``, i.e.
    ``current_server_time - updated_at``, so the answer does not depend on when the notebook runs.
    Images without a date are left out.

    Args:
        frame: an images frame (needs ``name``, ``runtime``, ``tag``, ``since_update``;
            ``current_server_time`` names the reference date in the title when present).
        n: how many images to show (at least 1).
        ax: the Axes to draw on; a new figure when None.

    Returns:
        The Axes; ``ax.patches`` are the bars (widths in days, stalest first).

    Raises:
        InputError: (a ValueError) ``n`` is less than 1, or the frame lacks a column.
        InputTypeError: (a TypeError) not a DataFrame, or ``ax`` is no matplotlib Axes.

    Example:
        >>> ax = sc.plots.staleness(client.images(), n=10)
    """
    _check_n(n)
    what = "Stalest images"
    require_columns(frame, ["name", "runtime", "tag", "since_update"], "staleness")
    since = pd.to_timedelta(frame["since_update"]).reset_index(drop=True)
    known = since.notna().to_numpy()
    ax = _axes(ax, (8, 0.38 * min(int(n), max(int(known.sum()), 1)) + 1.6))
    if not known.any():
        return _no_data(ax, frame, what)
    days = since[known] / _DAY
    labels = image_labels(frame).reset_index(drop=True)[known]
    order = days.sort_values(ascending=False, kind="stable").index[: int(n)]
    shown = days.loc[order]
    y = np.arange(len(order))
    bars = ax.barh(y, shown.to_numpy(), color=CPU_COLOR, height=0.7)
    ax.bar_label(bars, labels=[f"{d:.0f} d" for d in shown], padding=3)
    median = float(days.median())
    ax.axvline(median, color=UPDATE_COLOR, linestyle="--", label=f"median of all {len(days)} images: {median:.0f} days")
    ax.set_yticks(y, list(labels.loc[order]))
    ax.invert_yaxis()
    ax.margins(x=0.12)
    ax.legend(loc="lower right")
    as_of = ""
    if "current_server_time" in frame.columns:
        clock = pd.to_datetime(frame["current_server_time"]).max()
        if pd.notna(clock):
            as_of = f", counted back from the server's clock ({clock:%d %b %Y})"
    ax.set_xlabel(f"days since the last update{as_of}" + _left_out(int((~known).sum()), "without an update date"))
    ax.set_title(_title(frame, f"{what}: top {len(order)} of {len(days)} by time since update"))
    return ax


# -- history: plots of sc.history() frames ----------------------------------------------------------


def _history_labels(history: pd.DataFrame, uuids: pd.Index) -> list[str]:
    """As the picker labels images when the history has name, runtime and tag; else registry path, else short uuid."""
    latest = history.reset_index(level="server_time", drop=True)
    latest = latest[~latest.index.duplicated(keep="last")]
    if {"name", "runtime", "tag"} <= set(history.columns):
        labels = display.image_labels(latest)
        return [str(labels.loc[u]) for u in uuids]
    if "registry_path" in history.columns:
        return [str(latest.loc[u, "registry_path"]) for u in uuids]
    return [str(u)[:8] for u in uuids]


def _span(times: pd.DatetimeIndex) -> str:
    return f"{times.min():%d %b %Y} to {times.max():%d %b %Y}"


def installations_over_time(history: pd.DataFrame, top: int = 10, ax: Axes | None = None) -> Axes:
    """Installations through the snapshots of the ``top`` images that gained the most, one line each.

    The gain is an image's count in the last snapshot that lists it minus its count in the first
    (:func:`sharedcloud_nb.timeline.installation_gains`). Lines are labelled as the picker labels
    images when the history has ``name``, ``runtime`` and ``tag``, else by registry path or short uuid.

    Args:
        history: a frame from :func:`sharedcloud_nb.history` with ``num_installations``.
        top: how many images to draw (at least 1).
        ax: the Axes to draw on; a new figure when None.

    Returns:
        The Axes; ``ax.get_lines()`` are the images, the largest gain first.

    Raises:
        InputTypeError: (a TypeError) not a history frame, or ``ax`` is no matplotlib Axes.
        InputError: (a ValueError) ``top`` is less than 1, or ``num_installations`` is missing.

    Example:
        >>> h = sc.history(columns=("num_installations", "name", "runtime", "tag"))  # doctest: +SKIP
        >>> ax = sc.plots.installations_over_time(h, top=5)  # doctest: +SKIP
    """
    _check_n(top, "top")
    what = "Installations over time"
    gains = timeline.installation_gains(
        timeline.check_history(history, ["num_installations"], "installations_over_time")
    )
    ax = _axes(ax, (9, 4.5))
    if gains.empty:
        return _no_data(ax, history, what)
    chosen = gains.index[: int(top)]
    counts = history["num_installations"].dropna()
    wide = counts[counts.index.get_level_values("uuid").isin(chosen)].astype("int64").unstack("uuid")
    for uuid, label in zip(chosen, _history_labels(history, chosen), strict=True):
        ax.plot(wide.index, wide[uuid], marker=".", label=f"{label} (+{int(gains.loc[uuid, 'gain'])})")
    ax.set_ylabel("installations")
    ax.set_xlabel(f"server time, {_span(pd.DatetimeIndex(wide.index))}")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
    ax.set_title(_title(history, f"{what}: top {len(chosen)} of {len(gains)} images by gain"))
    return ax


def catalogue_changes(history: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Images added (bars up) and removed (bars down) at each snapshot, and the images listed (line, right axis).

    Counted by :func:`sharedcloud_nb.timeline.catalogue_sizes`; the first snapshot is the baseline.

    Args:
        history: a frame from :func:`sharedcloud_nb.history` (any columns).
        ax: the Axes to draw on; a new figure when None.

    Returns:
        The Axes; its secondary Axes, with the line, is ``ax.right_ax``.

    Raises:
        InputTypeError: (a TypeError) not a history frame, or ``ax`` is no matplotlib Axes.

    Example:
        >>> ax = sc.plots.catalogue_changes(sc.history())  # doctest: +SKIP
    """
    what = "Catalogue changes"
    sizes = timeline.catalogue_sizes(timeline.check_history(history, [], "catalogue_changes"))
    ax = _axes(ax, (9, 4.5))
    if sizes.empty:
        _set_right_ax(ax, None)
        return _no_data(ax, history, what)
    when = pd.DatetimeIndex(sizes.index)
    # Bars a little narrower than the shortest gap between two snapshots (in days, matplotlib's unit).
    gaps = np.diff(when.asi8) / 86400e9
    width = max(float(gaps.min()) * 0.8 if len(gaps) else 1.0, 0.02)
    ax.bar(when, sizes["added"], width=width, color=TOTAL_COLOR, label="added")
    ax.bar(when, -sizes["removed"], width=width, color=UPDATE_COLOR, label="removed")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("images added (+) / removed (−)")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    right = ax.twinx()
    right.plot(when, sizes["listed"], color=CPU_COLOR, marker=".", label="images listed")
    right.set_ylabel("images listed")
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    _set_right_ax(ax, right)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    handles = [*ax.get_legend_handles_labels()[0], *right.get_legend_handles_labels()[0]]
    ax.legend(handles, [str(h.get_label()) for h in handles], loc="upper left", frameon=False)
    ax.set_xlabel(f"server time, {len(when)} snapshots, {_span(when)}")
    added, removed = int(sizes["added"].sum()), int(sizes["removed"].sum())
    ax.set_title(_title(history, f"{what}: {added} added, {removed} removed"))
    return ax


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
