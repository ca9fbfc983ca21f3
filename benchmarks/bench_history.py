"""History benchmark: a year of daily snapshots, read back three ways.

Builds, in a temporary store, one snapshot a day for ``days`` days of demo time (the demo API
serving ``DemoServer(size=N)`` moved through time with ``server.clock``), then times, as medians
after a warm-up:

- **sharedcloud_nb**: ``sc.history(store, columns=("num_installations",))``, the long frame
  indexed (server_time, uuid);
- **naive**: every file read with ``pd.read_parquet`` and joined with ``pd.concat``;
- **bare**: ``pyarrow.dataset`` over the account's folder, the same three columns read and
  converted with ``to_pandas()`` (the floor: no index, no typing).

It also reports the store's size on disk per snapshot and the time to take one snapshot.

Run it alone: ``.venv/bin/python benchmarks/bench_history.py [--days 365] [--size 10000]``;
``make bench`` runs it after the loading benchmarks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as ds

import sharedcloud_nb as sc
from sharedcloud_nb.demo import FROZEN_CLOCK, DemoServer
from sharedcloud_nb.store import account_of

MIN_VS_NAIVE = 3.0  # sc.history at least 3x faster than reading every file with pandas
MAX_VS_BARE = 1.5  # and at most 1.5x a bare pyarrow.dataset read of the same columns
COLUMNS = ["current_server_time", "uuid", "num_installations"]


def _medians(actions: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Each action's median time; the actions take turns, so that a slow moment of a shared machine
    falls on all of them alike, and each run starts after a garbage collection."""
    for action in actions.values():
        action()  # warm-up: the page cache, pyarrow's thread pool
    runs: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            gc.collect()
            start = time.perf_counter()
            action()
            runs[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in runs.items()}


def build(root: Path, days: int, size: int) -> tuple[Any, float]:
    """A store of one snapshot a day, ending at the demo's default clock; returns a client and the seconds per snapshot."""
    end = dt.datetime.strptime(FROZEN_CLOCK, "%d-%m-%Y %H:%M:%S")
    store = sc.Store(root)
    with DemoServer(size=size, clock=end - dt.timedelta(days=days - 1)) as server:
        client = sc.Client(server.token, url=server.url)
        start = time.perf_counter()
        for day in range(days):
            if day:
                server.advance(days=1)
            store.snapshot(client)
        seconds = (time.perf_counter() - start) / days
    return client, seconds


def measure_history(days: int = 365, size: int = 10_000, repeat: int = 5) -> dict[str, Any]:
    """Build the store and time the three ways; returns the figures."""
    with tempfile.TemporaryDirectory(prefix="sharedcloud-bench-") as tmp:
        root = Path(tmp) / "store"
        client, per_snapshot = build(root, days, size)
        store = sc.Store(root)
        folder = store.account_dir(account_of(client))
        files = sorted(folder.rglob("*.parquet"))

        def ours() -> pd.DataFrame:
            return sc.history(store, columns=("num_installations",), client=client)

        def naive() -> pd.DataFrame:
            return pd.concat([pd.read_parquet(path) for path in files])

        def bare() -> pd.DataFrame:
            return ds.dataset(folder, format="parquet", partitioning="hive").to_table(columns=COLUMNS).to_pandas()

        rows = len(ours())
        assert rows == len(bare()) == len(naive()), "the three ways read different rows"
        result = {
            "days": days,
            "size": size,
            "files": len(files),
            "rows": rows,
            "bytes_per_snapshot": sum(p.stat().st_size for p in files) / len(files),
            "snapshot_seconds": per_snapshot,
            **_medians({"ours": ours, "naive": naive, "bare": bare}, repeat),
        }
    return result


def report(result: dict[str, Any]) -> list[tuple[bool, str]]:
    """Print the figures; return the targets as (passed, text)."""
    print(
        f"\nHistory: {result['files']} daily snapshots of {result['size']:,} images "
        f"({result['rows']:,} rows), one taken in {result['snapshot_seconds'] * 1000:.0f} ms"
    )
    print(f"  store on disk: {result['bytes_per_snapshot'] / 1024:,.0f} KiB per snapshot")
    for name, label in (("ours", "sc.history()"), ("naive", "pd.read_parquet + concat"), ("bare", "pyarrow.dataset")):
        print(f"  {label:<26} {result[name] * 1000:8.0f} ms")
    vs_naive = result["naive"] / result["ours"]
    vs_bare = result["ours"] / result["bare"]
    return [
        (vs_naive >= MIN_VS_NAIVE, f"history {vs_naive:.1f}x faster than the naive way (target >= {MIN_VS_NAIVE}x)"),
        (vs_bare <= MAX_VS_BARE, f"history {vs_bare:.2f}x a bare pyarrow.dataset read (target <= {MAX_VS_BARE}x)"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365, help="daily snapshots (default 365)")
    parser.add_argument("--size", type=int, default=10_000, help="images served (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each way (default 5)")
    args = parser.parse_args(argv)
    lines = report(measure_history(args.days, args.size, args.repeat))
    for passed, text in lines:
        print(f"  {'PASS' if passed else 'FAIL'}  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
