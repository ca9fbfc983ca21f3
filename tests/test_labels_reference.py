"""Labels, their order and the picker's searches equal a plain Python definition on frames of every shape.

The frames: a generated catalogue (names shared by many images), mostly distinct names and
descriptions (ASCII and not), names that clash with other labels or begin another label's
"name (runtime, tag, ", uuids alike in their first 8 characters or in upper case, ids that are
not uuids, categorical names and missing values. The vectorised paths (integer clash counts, the
integer order, the byte-order checks of :mod:`sharedcloud_nb._textorder`) must give what the
definition gives, whichever of them a frame takes.
"""

from __future__ import annotations

import collections
import functools
import itertools
import random
import uuid

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import _columns, _fold, _labels, display, search
from sharedcloud_nb._textorder import text_ranks
from sharedcloud_nb.demo.catalogue import default_catalogue, generate_catalogue

_ODD_NAMES = [
    "a",
    "A",
    "a (b",
    "a (b, c",
    "a (b, c, ",
    "a (python36, latest, ",
    "x (py, x, c2aef5d8)",
    "a (b)",
    "a)",
    "İx",
    "ΣΟΦΟΣ",
    "ß",
    "ss",
    "é",
    "日本語",
    "",
    None,
]


def _uuids(count: int, rng: random.Random) -> list[str]:
    """Random uuids, a third alike in their first 8 characters, a fifth in upper case."""
    ids = []
    for _ in range(count):
        text = str(uuid.UUID(int=rng.getrandbits(128)))
        if rng.random() < 0.3:
            text = rng.choice(["c2aef5d8", "00000000", "ffffffff"]) + text[8:]
        ids.append(text.upper() if rng.random() < 0.2 else text)
    return ids


def _frames() -> dict[str, pd.DataFrame]:
    rng = random.Random(7)
    base = sc.images_frame(generate_catalogue(1500, seed=11))
    clashing = pd.Index(_uuids(len(base), rng), dtype=base.index.dtype)
    odd = base.copy()
    odd["name"] = pd.array([rng.choice(_ODD_NAMES) for _ in range(len(odd))], dtype=odd["name"].dtype)
    odd["description"] = pd.array(
        [rng.choice([None, "", "Café ÉCOLE", "ﬁsh", "desc 12"]) for _ in range(len(odd))],
        dtype=odd["description"].dtype,
    )
    kept = pd.Series([rng.random() > 0.1 for _ in range(len(odd))], index=odd.index)
    odd["runtime"] = odd["runtime"].astype(object).where(kept).astype(odd["runtime"].dtype)
    distinct = base.copy()
    numbers = list(range(len(distinct)))
    rng.shuffle(numbers)
    names = [f"img-{i:05d}" if i % 3 else f"ïmage-ß{i:05d}" for i in numbers]
    names[::50] = names[1::50][: len(names[::50])]  # a few names twice
    distinct["name"] = pd.array(names, dtype=distinct["name"].dtype)
    distinct["description"] = pd.array([f"desc {i} ü" for i in numbers], dtype=distinct["description"].dtype)
    # A label that begins with a "name (runtime, tag, " whose images need their uuid: "a (b, c, 00000000)"
    # is a name here, and what two images named "a" of runtime "b" and tag "c" read with 8 characters.
    prefixed = pd.DataFrame(
        {
            "name": ["a (b, c, 00000000)", "a", "a", "a (b, c, 00000000-x", "a", "a"],
            "runtime": ["b", "b", "b", "b", "b", "b"],
            "tag": ["c", "c", "c", "c", "d", "d"],
        },
        index=pd.Index(["00000000" + text[8:] for text in _uuids(4, rng)] + _uuids(2, rng), dtype=base.index.dtype),
    )
    categorical = odd.copy()
    categorical["name"] = categorical["name"].astype("category")
    return {
        "default": sc.images_frame(default_catalogue()),
        "generated": base,
        "generated, clashing uuids": base.set_axis(clashing),
        "odd names": odd,
        "odd names, clashing uuids": odd.set_axis(clashing),
        "distinct names": distinct,
        "distinct names, clashing uuids": distinct.set_axis(clashing),
        "ids not uuids": odd.iloc[:400].set_axis([f"é{i:02d}ßü-{i % 97}" for i in range(400)]),
        "integer index": odd.iloc[:300].reset_index(drop=True),
        "no name or runtime column": base.iloc[:200].drop(columns=["name", "runtime"]),
        "categorical names": categorical,
        "a name that a prefix begins": prefixed,
        "one image": base.iloc[:1],
    }


FRAMES = _frames()


def _text(frame: pd.DataFrame, column: str, missing: str) -> list[str]:
    if column not in frame.columns:
        return [missing] * len(frame)
    return [missing if pd.isna(value) else str(value) for value in frame[column].astype(object)]


def _eight(ident: str) -> str:
    return str(pc.utf8_slice_codeunits(pa.array([ident]), 0, 8)[0].as_py())


def _python_labels(frame: pd.DataFrame) -> list[str]:
    """The labels as image_labels' docstring defines them, one string at a time."""
    name = _text(frame, "name", _labels.NO_NAME)
    runtime, tag = _text(frame, "runtime", "?"), _text(frame, "tag", "?")
    ids = [str(ident) for ident in frame.index]
    forms = [
        lambda i: name[i],
        lambda i: f"{name[i]} ({runtime[i]})",
        lambda i: f"{name[i]} ({runtime[i]}, {tag[i]})",
        lambda i: f"{name[i]} ({runtime[i]}, {tag[i]}, {_eight(ids[i])})",
        lambda i: f"{name[i]} ({runtime[i]}, {tag[i]}, {ids[i]})",
    ]
    step = [0] * len(frame)
    for form in (1, 2, 3, 4):
        labels = [forms[step[i]](i) for i in range(len(frame))]
        counts = collections.Counter(labels)
        clash = [i for i in range(len(frame)) if counts[labels[i]] > 1]
        for i in clash:
            step[i] = form
        if not clash:
            break
    return [forms[step[i]](i) for i in range(len(frame))]


def _python_order(labels: list[str]) -> list[int]:
    lowered = pc.utf8_lower(pa.array(labels, type=pa.string())).to_pylist()
    return sorted(range(len(labels)), key=lowered.__getitem__)


def _python_search(frame: pd.DataFrame, queries: tuple[str, ...]) -> dict[str, list[int]]:
    """Per query, the row positions of the images that match every word of it, one image at a time."""
    fold = functools.lru_cache(maxsize=None)(search.fold)
    fields = [[fold(value) for value in _text(frame, column, "")] for column in search.SEARCHED]
    ids = [fold(str(ident)) for ident in frame.index]
    found = {}
    for query in queries:
        words = fold(query).split()
        found[query] = [
            i
            for i in range(len(frame))
            if all(any(word in values[i] for values in fields) or ids[i].startswith(word) for word in words)
        ]
    return found


@pytest.mark.parametrize("key", list(FRAMES))
@pytest.mark.parametrize("as_large", [False, True])
def test_labels_order_and_searches_are_the_python_definition(key, as_large, monkeypatch):
    if as_large:  # as a large frame is indexed: columns nearly all distinct are not hashed, and
        # the search strings are made on a thread of their own while the labels are
        monkeypatch.setattr(_columns, "_SAMPLED", 0)
        monkeypatch.setattr(search, "_SIDE_BY_SIDE", 0)
    frame = FRAMES[key]
    labels = _python_labels(frame)
    assert display.image_labels(frame).tolist() == labels
    parts = _labels._label_parts(frame)
    assert parts.labels.to_pylist() == labels
    assert [parts.label(row) for row in range(0, len(frame), 7)] == labels[::7]
    index = search.ImageIndex(frame)
    order = _python_order(labels)
    assert index.rows.tolist() == order
    assert index.labels.tolist() == [labels[row] for row in order]
    position = {row: at for at, row in enumerate(order)}
    queries = ("", "img", "ïmage ß", "IMAGE", "python36 latest", "c2ae", "c2aef5d8-", "a (b", "σοφος", "desc 12")
    for query, rows in _python_search(frame, queries).items():
        assert np.flatnonzero(index.search(query).mask).tolist() == sorted(position[row] for row in rows), query


def test_every_frame_here_takes_the_paths_it_is_meant_to():
    # Both the uuid forms and the fallbacks are exercised: clashes at 8 characters, and prefixes
    # that begin other labels.
    steps = {key: set(_labels._label_parts(frame).step.tolist()) for key, frame in FRAMES.items()}
    assert 4 in steps["generated, clashing uuids"] and 4 in steps["odd names, clashing uuids"]
    assert 3 in steps["odd names"] and steps["distinct names"] >= {0, 3}


def _python_ranks(texts: list[str], marked: list[bool]) -> list[int] | None:
    """text_ranks, one string at a time: Python's order of str is code point order."""
    starts = {text for text, mark in zip(texts, marked, strict=True) if mark}
    ordered = sorted(set(texts))
    if any(before in starts and after.startswith(before) for before, after in itertools.pairwise(ordered)):
        return None
    return [ordered.index(text) for text in texts]


@pytest.mark.parametrize("seed", range(40))
def test_text_ranks_is_the_python_definition(seed):
    rng = random.Random(seed)
    alphabet = ["a", "b", " (", ", ", ")", "é", "ß", "日", "\U0001f600", "A"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(0, 30))]
    marked = [rng.random() < 0.2 for _ in texts]
    ranks = text_ranks(pa.array(texts, type=pa.large_string()), np.array(marked, dtype=bool))
    expected = _python_ranks(texts, marked)
    assert (ranks is None and expected is None) or (ranks is not None and ranks.tolist() == expected)


# Latin, Greek, Cyrillic, Hebrew and Arabic with their marks, Hangul syllables and jamo, letterlike
# symbols, ligatures, full-width forms, the iota subscript, astral characters; and musical symbols
# whose decompositions hold spacing marks (Mc), which NFKD orders across characters.
_CHARACTERS = [
    chr(point)
    for low, high in [(0x80, 0x600), (0x1E00, 0x2200), (0xAC00, 0xAC20), (0x1100, 0x1170), (0xFB00, 0xFB50), (0xFF00, 0xFF70)]
    for point in range(low, high)
] + ["\u0345", "\U0001d15e", "\U0001d165", "\U0001f600", "\U00010400"]  # fmt: skip


@pytest.mark.parametrize("seed", range(20))
def test_folding_each_character_once_is_folding_each_string(seed):
    rng = random.Random(seed)
    ascii_text = list("aZ09 -_(),.ß")
    fell_back = 0
    for _ in range(40):
        texts = [
            "".join(rng.choice(_CHARACTERS if rng.random() < 0.5 else ascii_text) for _ in range(rng.randint(0, 8)))
            for _ in range(rng.randint(1, 12))
        ]
        values = pa.array(texts, type=rng.choice([pa.string(), pa.large_string()]))
        values = values.slice(1) if len(values) > 1 and rng.random() < 0.3 else values
        each = _fold._fold_each(values).cast(pa.large_string())
        once = _fold._by_character(values)
        fell_back += once is None
        assert once is None or once.to_pylist() == each.to_pylist(), texts
        assert _fold._fold_any(values).cast(pa.large_string()).to_pylist() == each.to_pylist()
    assert fell_back < 40  # the splicing is exercised
    assert _fold._by_character(pa.array(["a\U0001d15e"])) is None  # a spacing mark: string by string


def test_ids_that_are_uuids_in_other_spellings_are_found_by_their_canonical_form():
    canonical = [str(uuid.UUID(int=i + 1)) for i in range(4)]
    listed = ["{" + canonical[0].upper() + "}", "urn:uuid:" + canonical[1], canonical[2].replace("-", ""), canonical[3]]
    frame = FRAMES["generated"].iloc[:4].set_axis(pd.Index(listed, dtype="string"))
    index = search.ImageIndex(frame)
    assert [index.resolve(text) for text in canonical] == listed
    assert search.ImageIndex(FRAMES["integer index"])._aliases == {}
