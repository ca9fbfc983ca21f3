"""The benchmark suite (``make bench``): loading the catalogue against the JSON-decoding floor.

In one process, against the demo API serving N generated images (``DemoServer(size=N)``, real
HTTP on 127.0.0.1, in a thread of this process), for N = 1,000, 10,000 and 100,000 (and
1,000,000 with ``--large``), it times, as medians of several runs after a warm-up:

- **floor**: ``requests`` GET of the list and ``orjson.loads`` of ``response.content``, nothing more;
- **naive**: what a pandas user writes: ``pd.DataFrame(requests.get(...).json())``, then
  ``pd.to_datetime(col, dayfirst=True)`` on the three date columns;
- **sharedcloud_nb**: ``client.images()``, the full typed frame.

It also prints the same floor with the body read the way the client reads it (``floor, 1 read``:
one read of the whole body instead of requests' 10 kB pieces), so that what the client gains on the
transport and what it spends on typing can be told apart; the targets use the floor as defined
above. Then the bytes per row of the typed frame against the naive frame, ``import sharedcloud_nb``
against ``import pandas, requests`` in fresh interpreters, and the image picker at 10,000 images
(``benchmarks/bench_widgets.py``, when present), and the explorer's redraw times after a filter
change at 10,000 and 100,000 images (``benchmarks/bench_explorer.py``). It ends with PASS/FAIL for each speed target.

The demo server's thread competes with the measured code for the GIL; that is the same for the
floor, the naive way and sharedcloud_nb alike, so the ratios compare like with like.

Run it: ``make bench`` or ``.venv/bin/python benchmarks/run.py [--large] [--sizes 1000,10000]
[--repeat 5]``.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import requests

import sharedcloud_nb as sc
from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.frames import FIELDS

DEFAULT_SIZES = (1_000, 10_000, 100_000)
LARGE = 1_000_000
TARGET_N = 100_000
DATES = [name for name, kind in FIELDS.items() if kind == "date"]

# The speed targets.
MAX_VS_FLOOR = 1.7  # client.images() at most 1.7x the floor at 100k
MIN_VS_NAIVE = 1.9  # and at least 1.9x faster than the naive way
MAX_IMPORT_OVERHEAD = 0.10  # import sharedcloud_nb adds at most 10% to import pandas, requests
# "Roughly linear": the per-image cost at 1M at most 1.5x that at 100k, or, where the floor itself
# is not linear on the machine (page faults over gigabytes of records), growing at most 1.2x as
# much as the floor's does.
MAX_LARGE_GROWTH = 1.5
MAX_LARGE_GROWTH_VS_FLOOR = 1.2


# -- the three ways to load the list --------------------------------------------------------------


class Loaders:
    """The ways of loading the list from one server, each a function of no argument."""

    def __init__(self, server: DemoServer) -> None:
        self.url = server.url + "/api/v1/images/"
        self.headers = {"Authorization": f"Token {server.token}"}
        self.session = requests.Session()  # keep-alive, as the client has
        self.client = sc.Client(server.token, url=server.url)

    def floor(self) -> Any:
        return orjson.loads(self.session.get(self.url, headers=self.headers).content)

    def floor_one_read(self) -> Any:
        response = self.session.get(self.url, headers=self.headers, stream=True)
        return orjson.loads(b"".join(response.iter_content(chunk_size=None)))

    def naive(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.session.get(self.url, headers=self.headers).json())
        for column in DATES:
            frame[column] = pd.to_datetime(frame[column], dayfirst=True)
        return frame

    def ours(self) -> pd.DataFrame:
        return self.client.images()

    def close(self) -> None:
        self.session.close()
        self.client.session.close()


METHODS = ("floor", "floor_one_read", "naive", "ours")


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()  # start each run from the same heap: the previous run's garbage is not its cost
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def measure_size(n: int, repeat: int) -> dict[str, Any]:
    """Medians of ``repeat`` interleaved runs of every method at ``n`` images, after one warm-up each."""
    with DemoServer(size=n) as server:
        loaders = Loaders(server)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                body_bytes = len(loaders.session.get(loaders.url, headers=loaders.headers).content)
                for method in METHODS:  # warm-up: the server's cached body, imports, caches, pools
                    getattr(loaders, method)()
                times: dict[str, list[float]] = {method: [] for method in METHODS}
                frames: dict[str, pd.DataFrame] = {}
                # Interleaved, so that a slower moment of a shared machine touches every method alike,
                # and in a rotating order, so that none always runs right after the same other one
                # (the naive way leaves the allocator with much memory to give back or reuse).
                for round_ in range(repeat):
                    for method in METHODS[round_ % len(METHODS) :] + METHODS[: round_ % len(METHODS)]:
                        seconds, result = _timed(getattr(loaders, method))
                        times[method].append(seconds)
                        if method in ("naive", "ours"):
                            frames[method] = result
                        del result
        finally:
            loaders.close()
    naive, ours = frames["naive"], frames["ours"]
    check = _same_values(naive, ours, n)
    medians = {method: statistics.median(values) for method, values in times.items()}
    result = {
        "n": n,
        "repeat": repeat,
        "body_mb": body_bytes / 1e6,
        "median_s": medians,
        "ours_bytes_per_row": ours.memory_usage(deep=True).sum() / n,
        "ours_served_bytes_per_row": ours[list(FIELDS)].memory_usage(deep=True).sum() / n,
        "naive_bytes_per_row": naive.memory_usage(deep=True).sum() / n,
        "check": check,
    }
    del frames, naive, ours
    gc.collect()
    return result


def _same_values(naive: pd.DataFrame, ours: pd.DataFrame, n: int) -> str:
    """Both ways read the same thing: rows, uuids, and every date to the second (day first)."""
    problems = []
    if len(ours) != n or len(naive) != n:
        problems.append(f"rows {len(ours)} / {len(naive)} of {n}")
    elif not (ours.index.to_numpy(dtype=object) == naive["uuid"].to_numpy(dtype=object)).all():
        problems.append("uuids differ")
    else:
        for column in DATES:
            theirs = naive[column].dt.as_unit("ns").to_numpy()  # naive: no timezone, UTC wall times
            if not (ours[column].dt.tz_localize(None).dt.as_unit("ns").to_numpy() == theirs).all():
                problems.append(f"{column} differs")
    return "same rows, uuids and dates" if not problems else "MISMATCH: " + ", ".join(problems)


# -- import time -----------------------------------------------------------------------------------


def _import_seconds(env: dict[str, str]) -> tuple[float, float]:
    """In a fresh interpreter: (import pandas, requests), then (import sharedcloud_nb on top of them)."""
    code = (
        "import time; t0 = time.perf_counter(); import pandas, requests; t1 = time.perf_counter(); "
        "import sharedcloud_nb; t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    base, ours = done.stdout.strip().splitlines()[-1].split()
    return float(base), float(ours)


def measure_import(runs: int) -> dict[str, float]:
    """What ``import sharedcloud_nb`` adds to ``import pandas, requests``: min over ``runs`` fresh interpreters.

    Each interpreter imports pandas and requests, then sharedcloud_nb, timing both: the package's
    own cost is what the second import takes (all it imports beyond them: its modules, orjson, html).
    Bytecode is cached, as after any first import: a private cache (PYTHONPYCACHEPREFIX in a
    temporary folder, written by a first, uncounted run), so that an environment with
    PYTHONDONTWRITEBYTECODE does not charge the package's compilation to it, and the working tree
    gets no __pycache__.
    """
    with tempfile.TemporaryDirectory(prefix="sharedcloud-bench-pycache-") as cache:
        env = {key: value for key, value in os.environ.items() if not key.startswith("SHAREDCLOUD_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
        _import_seconds(env)  # writes the cache
        times = [_import_seconds(env) for _ in range(runs)]
    base, ours = min(t[0] for t in times), min(t[1] for t in times)
    return {"base_s": base, "ours_s": base + ours, "added_s": ours, "overhead": ours / base}


# -- the image picker ------------------------------------------------------------------------------


def measure_picker(n: int) -> dict[str, Any] | str:
    """``bench_widgets.bench_picker(n=n)`` when that file exists and runs; else why not, as a string."""
    path = Path(__file__).with_name("bench_widgets.py")
    if not path.exists():
        return "benchmarks/bench_widgets.py does not exist"
    try:
        spec = importlib.util.spec_from_file_location("bench_widgets", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.bench_picker(n=n)
    except Exception as exc:  # another engineer's work in progress must not stop the suite
        return f"{type(exc).__name__}: {exc}"


def run_history(days: int) -> list[tuple[bool | None, str]]:
    """``bench_history``: a year of daily snapshots read back by sc.history, pandas and pyarrow.dataset."""
    spec = importlib.util.spec_from_file_location("bench_history", Path(__file__).with_name("bench_history.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print(f"  history: {days} daily snapshots of 10,000 images ...", flush=True)
    return list(module.report(module.measure_history(days=days)))


def run_load(sizes: list[int], rounds: int) -> list[tuple[bool | None, str]]:
    """``bench_load``: client.images() against DuckDB, Polars and the floor, each in fresh processes."""
    spec = importlib.util.spec_from_file_location("bench_load", Path(__file__).with_name("bench_load.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = []
    for n in sizes:
        print(f"  load {n:,} images in fresh processes (server in its own) ...", flush=True)
        results.append(module.measure(n, min(rounds, 3) if n >= LARGE else rounds))
    return list(module.report(results, module.demo_ready()))


def run_explorer(sizes: list[int]) -> list[tuple[bool | None, str]]:
    """``bench_explorer``: a filter change's table and plot redraw times at each size."""
    spec = importlib.util.spec_from_file_location("bench_explorer", Path(__file__).with_name("bench_explorer.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines: list[tuple[bool | None, str]] = []
    for n in sizes:
        print()
        lines += list(module.report(module.measure_explorer(n)))
    return lines


# -- printing --------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms" if seconds < 10 else f"{seconds:10.2f} s"


def print_loads(results: list[dict[str, Any]]) -> None:
    print()
    print("Load the whole catalogue (median of interleaved runs, after a warm-up)")
    header = (
        f"{'images':>10} {'body':>8} {'floor':>12} {'floor,1 read':>12} {'naive':>12} {'sharedcloud_nb':>14}"
        f" {'ours/floor':>10} {'ours/floor1':>11} {'naive/ours':>10}"
    )
    print(header)
    for r in results:
        m = r["median_s"]
        print(
            f"{r['n']:>10,} {r['body_mb']:>6.1f}MB {_ms(m['floor']):>12} {_ms(m['floor_one_read']):>12}"
            f" {_ms(m['naive']):>12} {_ms(m['ours']):>14} {m['ours'] / m['floor']:>9.2f}x"
            f" {m['ours'] / m['floor_one_read']:>10.2f}x {m['naive'] / m['ours']:>9.2f}x"
        )
    print()
    print("Per image (median time / N) and memory of the frame (memory_usage(deep=True) / N)")
    print(
        f"{'images':>10} {'floor':>10} {'naive':>10} {'ours':>10}   {'typed B/row':>11} {'(served fields)':>15}"
        f" {'naive B/row':>11}   check"
    )
    for r in results:
        m, n = r["median_s"], r["n"]
        print(
            f"{n:>10,} {m['floor'] / n * 1e6:>8.2f}us {m['naive'] / n * 1e6:>8.2f}us {m['ours'] / n * 1e6:>8.2f}us"
            f"   {r['ours_bytes_per_row']:>11.1f} {r['ours_served_bytes_per_row']:>15.1f}"
            f" {r['naive_bytes_per_row']:>11.1f}   {r['check']}"
        )
    print(
        "  floor: requests .content + orjson.loads; floor,1 read: the same with the body read in one piece,"
        " as the client does.\n"
        "  typed B/row counts all 13 columns and the uuid index; (served fields) leaves out the three the"
        " frame computes\n  (repository, age, since_update), which the naive frame does not have."
    )


def print_import(result: dict[str, float]) -> None:
    print()
    print("Import time (fresh interpreters, bytecode cached, min of several)")
    print(f"  import pandas, requests              {result['base_s'] * 1000:7.1f} ms")
    print(f"  then import sharedcloud_nb adds      {result['added_s'] * 1000:7.1f} ms   ({result['overhead']:+.1%})")


def print_picker(result: dict[str, Any] | str, n: int) -> None:
    print()
    if isinstance(result, str):
        print(f"picker: not available ({result})")
        return
    print(f"Image picker at {result.get('n', n):,} images (benchmarks/bench_widgets.py, medians)")
    for key, label in (("index_build_s", "build the search index"), ("picker_build_s", "build the picker")):
        if key in result:
            print(f"  {label:<26}{result[key] * 1000:8.1f} ms")
    for query, seconds in result.get("filter_s", {}).items():
        naive = result.get("naive_filter_s", {}).get(query)
        extra = f"   naive {naive * 1000:6.1f} ms ({naive / seconds:4.1f}x)" if naive and seconds else ""
        print(f"  filter {query!r:<19}{seconds * 1000:8.1f} ms{extra}")
    if "filter_s_worst" in result:
        print(f"  {'slowest filter':<26}{result['filter_s_worst'] * 1000:8.1f} ms")


def targets(results: list[dict[str, Any]], imports: dict[str, float] | None) -> list[tuple[bool | None, str]]:
    """Each speed target as (met, what was measured); met is None when not measured."""
    by_n = {r["n"]: r for r in results}
    lines: list[tuple[bool | None, str]] = []
    at = by_n.get(TARGET_N)
    if at is None:
        lines.append((None, f"load at {TARGET_N:,}: not measured (add it to --sizes)"))
    else:
        m = at["median_s"]
        vs_floor, vs_naive = m["ours"] / m["floor"], m["naive"] / m["ours"]
        lines.append(
            (
                vs_floor <= MAX_VS_FLOOR,
                f"client.images() at {TARGET_N:,}: {_ms(m['ours']).strip()} = {vs_floor:.2f}x the floor "
                f"({_ms(m['floor']).strip()}); target <= {MAX_VS_FLOOR}x"
                f"  [{m['ours'] / m['floor_one_read']:.2f}x the one-read floor]",
            )
        )
        lines.append(
            (
                vs_naive >= MIN_VS_NAIVE,
                f"client.images() at {TARGET_N:,}: {vs_naive:.2f}x faster than naive "
                f"({_ms(m['naive']).strip()}); target >= {MIN_VS_NAIVE}x",
            )
        )
    largest = max(results, key=lambda r: r["n"]) if results else None
    if largest is not None:
        ours, naive, served = (
            largest["ours_bytes_per_row"],
            largest["naive_bytes_per_row"],
            largest["ours_served_bytes_per_row"],
        )
        lines.append(
            (
                ours <= naive,
                f"memory at {largest['n']:,}: typed frame {ours:.1f} B/row vs naive {naive:.1f} B/row "
                f"({ours / naive - 1:+.1%}); target <= naive  [served fields alone: {served:.1f} B/row, "
                f"{served / naive - 1:+.1%}]",
            )
        )
    if imports is None:
        lines.append((None, "import overhead: not measured"))
    else:
        lines.append(
            (
                imports["overhead"] <= MAX_IMPORT_OVERHEAD,
                f"import sharedcloud_nb adds {imports['overhead']:+.1%} to import pandas, requests "
                f"({imports['added_s'] * 1000:.1f} ms on {imports['base_s'] * 1000:.0f} ms); target <= "
                f"{MAX_IMPORT_OVERHEAD:.0%}",
            )
        )
    large, reference = by_n.get(LARGE), by_n.get(TARGET_N)
    if large is None:
        lines.append((None, f"{LARGE:,} images: not measured (run with --large)"))
    elif reference is None:
        lines.append((None, f"{LARGE:,} images loaded, but no {TARGET_N:,} run to compare the per-image cost with"))
    else:
        growth = (large["median_s"]["ours"] / LARGE) / (reference["median_s"]["ours"] / TARGET_N)
        floor_growth = (large["median_s"]["floor"] / LARGE) / (reference["median_s"]["floor"] / TARGET_N)
        linear = growth <= MAX_LARGE_GROWTH or growth <= MAX_LARGE_GROWTH_VS_FLOOR * floor_growth
        lines.append(
            (
                linear and large["check"].startswith("same"),
                f"{LARGE:,} images load ({_ms(large['median_s']['ours']).strip()}, {large['check']}); "
                f"per image {large['median_s']['ours'] / LARGE * 1e6:.2f} us vs "
                f"{reference['median_s']['ours'] / TARGET_N * 1e6:.2f} us at {TARGET_N:,} ({growth:.2f}x; the "
                f"floor's grows {floor_growth:.2f}x); target roughly linear (<= {MAX_LARGE_GROWTH}x, or <= "
                f"{MAX_LARGE_GROWTH_VS_FLOOR}x the floor's growth)",
            )
        )
    return lines


def print_targets(lines: list[tuple[bool | None, str]]) -> None:
    print()
    print("Targets")
    for met, text in lines:
        mark = "----" if met is None else ("PASS" if met else "FAIL")
        print(f"  [{mark}] {text}")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes are whole numbers separated by commas, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive, got {text!r}")
    return sizes


def main(argv: list[str] | None = None) -> int:
    """Command line: run the suite and print the tables and the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=list(DEFAULT_SIZES),
        help="catalogue sizes, e.g. 1000,10000 (default 1000,10000,100000)",
    )
    parser.add_argument(
        "--large", action="store_true", help=f"also {LARGE:,} images (a few GB of memory, a few minutes)"
    )
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per method and size (default 7)")
    parser.add_argument("--large-repeat", type=int, default=3, help=f"timed runs at {LARGE:,} (default 3)")
    parser.add_argument("--import-runs", type=int, default=7, help="fresh interpreters per import (default 7; 0 skips)")
    parser.add_argument("--picker-n", type=int, default=10_000, help="images for the picker (default 10000; 0 skips)")
    parser.add_argument(
        "--history-days", type=int, default=365, help="daily snapshots for the history benchmark (default 365; 0 skips)"
    )
    parser.add_argument(
        "--explorer-sizes",
        type=lambda text: _sizes(text) if text.strip() not in ("", "0") else [],
        default=[10_000, 100_000],
        help="catalogue sizes for the explorer's redraw times (default 10000,100000; 0 skips)",
    )
    parser.add_argument(
        "--load-rounds",
        type=int,
        default=5,
        help="interleaved rounds of the fresh-process load benchmark against DuckDB and Polars (default 5; 0 skips)",
    )
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes) | ({LARGE} if args.large else set()))

    print(
        f"sharedcloud_nb benchmark: Python {platform.python_version()}, pandas {pd.__version__}, "
        f"pyarrow {pa.__version__}, orjson {orjson.__version__}, requests {requests.__version__}, "
        f"{os.cpu_count()} CPUs"
    )
    print("One process; the demo API runs on 127.0.0.1 in a thread of it (same GIL for every method).")
    results = []
    for n in sizes:
        repeat = args.large_repeat if n >= LARGE else args.repeat
        print(f"  {n:,} images: {repeat} runs of each method ...", flush=True)
        results.append(measure_size(n, max(1, repeat)))
    print_loads(results)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"  peak memory of this process: {peak:,.0f} MiB (server, body, records and frames of every size)")

    imports = measure_import(args.import_runs) if args.import_runs > 0 else None
    if imports is not None:
        print_import(imports)
    if args.picker_n > 0:
        print_picker(measure_picker(args.picker_n), args.picker_n)
    lines = targets(results, imports)
    if args.load_rounds > 0:
        lines += run_load(sorted({1_000, TARGET_N} | ({LARGE} if args.large else set())), args.load_rounds)
    if args.explorer_sizes:
        lines += run_explorer(args.explorer_sizes)
    if args.history_days > 0:
        lines += run_history(args.history_days)
    print_targets(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
