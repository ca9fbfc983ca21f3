"""Benchmark of the explorer: how long a filter change takes to redraw the table and the plots.

``measure_explorer(n)`` builds ``sc.explorer()`` over a generated catalogue of ``n`` images (no HTTP:
the explorer's own work is measured, as the user waits for it after a click), then applies a
sequence of filter and sort changes, each as a control would (``explorer.filters = {...}``,
``explorer.sort = (column, ascending)``), and times:

- **table**: everything but the plots: filtering, the runtime counts, the controls, the count label,
  sorting every match and cutting it to the table's limit, and the table widget's new data
  (itables' ``update()``, which serialises the rows it sends);
- **plots**: redrawing ``sc.plots.runtimes`` and ``sc.plots.gpu_share`` on the one figure and
  encoding the PNG sent to the browser.

The front end's own drawing is not included (it happens in the browser, after the kernel is done).
Each figure is the median of ``repeat`` runs of every change, and the first run apart ("1st"): the
first sort by a column works out the order of every image once (later ones only pick the matches
from it). The worst median is what is compared with the targets (table <= 100 ms, plots <= 300 ms
at 100,000 images). Printed, never asserted.

Run it: ``.venv/bin/python benchmarks/bench_explorer.py [--sizes 10000,100000] [--repeat 5]``;
``make bench`` runs it too (``benchmarks/run.py``).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Iterator
from typing import Any

import sharedcloud_nb as sc
from sharedcloud_nb.demo.catalogue import generate_catalogue

#: The table and plot targets, in seconds, at TARGET_N images.
TABLE_TARGET = 0.100
PLOTS_TARGET = 0.300
TARGET_N = 100_000

#: Filter and sort changes as a user makes them, one after the other (each merges into the
#: previous; filters change with a sort other than the default in force too).
CHANGES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("runtime python36", {"runtimes": ("python36",)}),
    ("GPU only", {"gpu": True}),
    ("sort by created, oldest 1st", {"sort": ("created_at", True)}),
    ("created in 2017", {"created": ("2017-01-01", "2017-12-31")}),
    ("at least 10 installs", {"min_installations": 10}),
    ("sort by name, Z to A", {"sort": ("name", False)}),
    ("search 'tensorflow'", {"search": "tensorflow"}),
    ("sort by uuid", {"sort": ("uuid", True)}),
    ("two runtimes", {"runtimes": ("python36", "python27")}),
    ("reset (filters and sort)", {}),
)


def _frame(n: int) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the demo data warning
        return sc.images_frame(generate_catalogue(n))


def _changes(view: Any) -> Iterator[tuple[str, float, float, int]]:
    """Apply each change; yield (label, table seconds, plot seconds, matches)."""
    plot_time = [0.0]
    draw = view._plots.draw

    def timed_draw(frame: Any) -> bytes:
        start = time.perf_counter()
        try:
            return draw(frame)
        finally:
            plot_time[0] += time.perf_counter() - start

    view._plots.draw = timed_draw
    for label, change in CHANGES:
        plot_time[0] = 0.0
        start = time.perf_counter()
        if "sort" in change:
            view.sort = change["sort"]
        elif change:
            view.filters = change
        else:
            view.reset()
        total = time.perf_counter() - start
        yield label, total - plot_time[0], plot_time[0], len(view.filtered)


def measure_explorer(n: int, *, repeat: int = 5) -> dict[str, Any]:
    """Build an explorer over ``n`` generated images and time every change of :data:`CHANGES`."""
    frame = _frame(n)
    start = time.perf_counter()
    view = sc.explorer(frame, debounce=0)
    build = time.perf_counter() - start
    table: dict[str, list[float]] = {label: [] for label, _ in CHANGES}
    plots: dict[str, list[float]] = {label: [] for label, _ in CHANGES}
    matches: dict[str, int] = {}
    for _ in range(repeat):
        for label, table_s, plot_s, count in _changes(view):
            table[label].append(table_s)
            plots[label].append(plot_s)
            matches[label] = count
    view.close()
    return {
        "n": n,
        "repeat": repeat,
        "build_s": build,
        "table_s": {label: statistics.median(times) for label, times in table.items()},
        "first_table_s": {label: times[0] for label, times in table.items()},
        "plots_s": {label: statistics.median(times) for label, times in plots.items()},
        "matches": matches,
    }


def report(result: dict[str, Any]) -> Iterator[tuple[bool | None, str]]:
    """Print the table of one size; yield the targets (met, what was measured) at TARGET_N."""
    n = result["n"]
    print(f"Explorer at {n:,} images (benchmarks/bench_explorer.py, medians of {result['repeat']} runs)")
    print(f"  build sc.explorer(frame)       {result['build_s'] * 1000:8.1f} ms")
    print(f"  {'filter or sort change':<28} {'table':>9} {'(1st run)':>10} {'plots':>9}   matches")
    for label, table_s in result["table_s"].items():
        first, plot_s = result["first_table_s"][label], result["plots_s"][label]
        print(
            f"  {label:<28} {table_s * 1000:6.1f} ms ({first * 1000:6.1f} ms) {plot_s * 1000:6.1f} ms"
            f"   {result['matches'][label]:,}"
        )
    worst_table = max(result["table_s"].values())
    worst_plots = max(result["plots_s"].values())
    worst_first = max(result["first_table_s"].values())
    print(f"  {'slowest':<28} {worst_table * 1000:6.1f} ms ({worst_first * 1000:6.1f} ms) {worst_plots * 1000:6.1f} ms")
    if n == TARGET_N:
        yield (
            worst_table <= TABLE_TARGET,
            f"explorer: a filter or sort change redraws the table in {worst_table * 1000:.0f} ms at {n:,} "
            "(target <= 100 ms)",
        )
        yield (
            worst_plots <= PLOTS_TARGET,
            f"explorer: a filter change redraws the plots in {worst_plots * 1000:.0f} ms at {n:,} (target <= 300 ms)",
        )


def main(argv: list[str] | None = None) -> None:
    """Command line: print the explorer's redraw times and whether the targets are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="catalogue sizes (default 10000,100000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of every change (default 5)")
    args = parser.parse_args(argv)
    lines: list[tuple[bool | None, str]] = []
    for n in [int(size) for size in args.sizes.split(",") if size.strip()]:
        lines += list(report(measure_explorer(n, repeat=args.repeat)))
        print()
    for met, text in lines:
        print(f"{'PASS' if met else 'FAIL'}  {text}")


if __name__ == "__main__":
    main()
