"""Benchmark of the image picker: build and filter times at 10,000 images.

``bench_picker(n)`` builds an :class:`~sharedcloud_nb.widgets.ImagePicker` over a generated
catalogue of ``n`` images (no HTTP: the picker's own work is measured) and times what a user
waits for: building the picker, and each keystroke's filtering (search box -> list -> count
label). Every time is the median of ``repeat`` runs. It also times, in the same run, the
straightforward way to filter (lowercase and ``str.contains`` every column on every keystroke),
and reports the ratio, which says more than an absolute time on an unknown machine.

With ``--distinct`` every name and description is made distinct (a third of the names and half of
the descriptions not ASCII, a few names twice): the worst case of the labels and search strings,
which a generated catalogue, sharing them by family, never reaches.

Run it: ``.venv/bin/python benchmarks/bench_widgets.py [--n 10000] [--repeat 7] [--distinct]``; the
benchmark suite (``make bench``) imports :func:`bench_picker`.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

import sharedcloud_nb as sc
from sharedcloud_nb.demo.catalogue import generate_catalogue
from sharedcloud_nb.widgets import ImageIndex, ImagePicker

#: Queries of different selectivity: a family, two words, a uuid prefix, nothing, one letter, a description word.
QUERIES = ("tensorflow", "python36 gpu", "24b", "no-such-image", "a", "scrapy")


def _median_time(action: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _naive_filter(frame: pd.DataFrame, query: str) -> list[tuple[str, str]]:
    """The obvious implementation: lowercase and search every column again on each keystroke."""
    keep = pd.Series(True, index=frame.index)
    for word in query.lower().split():
        hit = pd.Series(frame.index.str.lower().str.startswith(word), index=frame.index)
        for column in ("name", "runtime", "tag", "registry_path", "description"):
            hit |= frame[column].astype(str).str.lower().str.contains(word, regex=False)
        keep &= hit
    matches = frame[keep]
    labels = matches["name"].astype(str) + " · " + matches["runtime"].astype(str) + " · " + matches.index.str[:8]
    return list(zip(labels, matches.index, strict=False))[:200]


def _distinct_texts(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The frame with distinct names and descriptions, ASCII and not, in a shuffled order; 1% of the
    names given to another image too (so that some labels still need runtime, tag and uuid)."""
    rng = np.random.default_rng(seed)
    numbers = rng.permutation(len(frame))
    names = np.array([f"img-{i:07d}" if i % 3 else f"ïmage-ß{i:07d}" for i in numbers], dtype=object)
    twice = rng.choice(len(frame), len(frame) // 100, replace=False)
    names[twice] = names[rng.choice(len(frame), len(twice))]
    frame = frame.copy()
    frame["name"] = pd.array(names, dtype=frame["name"].dtype)
    frame["description"] = pd.array(
        [f"Description number {i} — ünïcode" if i % 2 else f"desc {i}" for i in numbers],
        dtype=frame["description"].dtype,
    )
    return frame


def bench_picker(n: int = 10_000, *, repeat: int = 7, seed: int = 0, distinct: bool = False) -> dict[str, Any]:
    """Time the picker's build and its filtering at ``n`` images.

    Args:
        n: how many images.
        repeat: runs per measurement; the median is reported.
        seed: the catalogue generator's seed.
        distinct: every name and description distinct (see the module's docstring).

    Returns:
        ``{"n", "repeat", "index_build_s", "picker_build_s", "filter_s": {query: s},
        "matches": {query: count}, "filter_s_worst", "naive_filter_s": {query: s},
        "speedup_vs_naive": {query: ratio}}`` -- times in seconds, medians of ``repeat`` runs.

    Example:
        >>> result = bench_picker(1000, repeat=3)  # doctest: +SKIP
        >>> result["filter_s_worst"] < 0.05  # doctest: +SKIP
        True
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sc.SharedcloudWarning)
        frame = sc.images_frame(generate_catalogue(n, seed))
    if distinct:
        frame = _distinct_texts(frame, seed)
    ImagePicker(frame)  # warm-up: first-use imports and caches are not the picker's cost

    index_build = _median_time(lambda: ImageIndex(frame), repeat)
    picker_build = _median_time(lambda: ImagePicker(frame), repeat)

    picker = ImagePicker(frame)
    filter_s: dict[str, float] = {}
    naive_s: dict[str, float] = {}
    matches: dict[str, int] = {}
    for query in QUERIES:
        # One change of the search box per run, as one keystroke makes: alternate the query's case
        # (the search ignores case, so both spellings do the same work).
        spellings = iter([query.upper(), query] * repeat)

        def type_query(spellings: Iterator[str] = spellings) -> None:
            picker.search.value = next(spellings)

        picker.search.value = query
        filter_s[query] = _median_time(type_query, repeat)
        matches[query] = picker.index.search(query).total
        naive_s[query] = _median_time(lambda query=query: _naive_filter(frame, query), repeat)
    return {
        "n": n,
        "distinct": distinct,
        "repeat": repeat,
        "index_build_s": index_build,
        "picker_build_s": picker_build,
        "filter_s": filter_s,
        "matches": matches,
        "filter_s_worst": max(filter_s.values()),
        "naive_filter_s": naive_s,
        "speedup_vs_naive": {q: naive_s[q] / filter_s[q] for q in QUERIES if filter_s[q] > 0},
    }


def _print(result: dict[str, Any]) -> None:
    kind = ", distinct names and descriptions" if result.get("distinct") else ""
    print(f"image picker, {result['n']:,} images{kind} (median of {result['repeat']} runs)")
    print(f"  build the search index    {result['index_build_s'] * 1000:8.1f} ms")
    print(f"  build the picker widgets  {result['picker_build_s'] * 1000:8.1f} ms")
    print(f"  {'filter (one keystroke)':<24}  {'picker':>9}  {'naive':>9}  {'ratio':>6}  matches")
    for query, seconds in result["filter_s"].items():
        naive = result["naive_filter_s"][query]
        ratio = result["speedup_vs_naive"].get(query, float("nan"))
        print(
            f"  {query!r:<24}  {seconds * 1000:6.1f} ms  {naive * 1000:6.1f} ms  {ratio:5.1f}x  "
            f"{result['matches'][query]:,}"
        )
    print(f"  slowest filter            {result['filter_s_worst'] * 1000:8.1f} ms")


def main(argv: list[str] | None = None) -> None:
    """Command line: print the picker's build and filter times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="how many images (default 10000)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement (default 7)")
    parser.add_argument("--distinct", action="store_true", help="every name and description distinct")
    args = parser.parse_args(argv)
    _print(bench_picker(args.n, repeat=args.repeat, distinct=args.distinct))


if __name__ == "__main__":
    main()
