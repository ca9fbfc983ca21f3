"""The picker's index over uuids: repeated ids, and uuid prefixes found as integers, as a plain Python definition finds them."""

from __future__ import annotations

import random
import uuid

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import _labels, search
from sharedcloud_nb._label_order import _order
from sharedcloud_nb._uuidhex import eight_digits, first_eight, hex_digits, number
from sharedcloud_nb.demo.catalogue import generate_catalogue


def _ids(count: int, seed: int, upper: float = 0.0) -> list[str]:
    """Random uuids, a third of them alike in their first 8 characters, some in upper case."""
    rng = random.Random(seed)
    ids = []
    for _ in range(count):
        text = str(uuid.UUID(int=rng.getrandbits(128)))
        if rng.random() < 0.3:
            text = rng.choice(["c2aef5d8", "00000000"]) + text[8:]
        ids.append(text.upper() if rng.random() < upper else text)
    return ids


def _frame(ids: list[str], dtype: object = "string") -> pd.DataFrame:
    frame = sc.images_frame(generate_catalogue(len(ids)))
    return frame.set_axis(pd.Index(ids, dtype=dtype))


@pytest.mark.parametrize("dtype", ["string", object])
@pytest.mark.parametrize("upper", [0.0, 0.3])
def test_repeated_ids_are_listed_once_the_first_kept(dtype, upper):
    ids = _ids(600, seed=7, upper=upper)
    # Repeats, ids alike in their first 8 characters only, and the same uuid in another case (not a repeat).
    listed = ids + ids[:50] + [text.swapcase() for text in ids[50:80] if text.swapcase() not in ids]
    frame = _frame(listed, dtype)
    index = search.ImageIndex(frame)
    expected = frame[~frame.index.duplicated()]
    assert len(index) == len(expected) == len(set(listed))
    assert index.frame.index.tolist() == expected.index.tolist()
    assert sorted(index.uuids.tolist()) == sorted(set(listed))


@pytest.mark.parametrize("dtype", ["string", object])
def test_ids_alike_in_8_characters_are_not_taken_for_repeats(dtype):
    ids = _ids(400, seed=8, upper=0.2)
    assert search._unique(_frame(ids, dtype), _labels.read_ids(_frame(ids, dtype)))
    twice = [*ids, ids[0]]
    assert not search._unique(_frame(twice, dtype), _labels.read_ids(_frame(twice, dtype)))
    texts = ["not-a-uuid", "also-not", "not-a-uuid"]
    assert not search._unique(_frame(texts, dtype), _labels.read_ids(_frame(texts, dtype)))


def _starts(ids: list[str], word: str) -> list[bool]:
    return [text.casefold().startswith(word) for text in ids]


@pytest.mark.parametrize("upper", [0.0, 0.2])
def test_a_uuid_prefix_finds_the_ids_it_begins(upper):
    ids = _ids(3000, seed=9, upper=upper)
    index = search.ImageIndex(_frame(ids))
    assert (index._first is not None) == (upper == 0.0)  # canonical ids: prefixes compared as integers
    listed, texts = index.uuids.tolist(), _texts(index)
    words = ["c", "c2ae", "c2aef5d8", "c2aef5d8-", "00000000-", "0", "-", "c2aef5d8-x", "c2a-", ids[5][:13]]
    words += [ids[7].casefold(), ids[9][:20].casefold(), ids[11][:9].casefold(), "c2aef5d8c2aef5d8"]
    for word in words:
        assert index._uuid_starts(word).tolist() == _starts(listed, word), word
        assert index.search(word).mask.tolist() == [
            hit or word in text for hit, text in zip(_starts(listed, word), texts, strict=True)
        ], word


def _texts(index: search.ImageIndex) -> list[str]:
    rows = index.frame.iloc[index.rows]
    return [
        "\x1f".join("" if pd.isna(row[c]) else str(row[c]).casefold() for c in search.SEARCHED)
        for _, row in rows.iterrows()
    ]


def test_uuids_read_as_integers_as_digit_by_digit():
    ids = _ids(2000, seed=10) + [text.upper() for text in _ids(50, seed=11)]
    ids += ["".join(c.upper() if i % 3 else c for i, c in enumerate(text)) for text in _ids(50, seed=12)]
    digits, data = hex_digits(pa.array(ids))
    assert np.array_equal(eight_digits(digits), number(digits, range(8)))
    eight = first_eight(digits, data)
    # Equal exactly when the first 8 characters are, case and all.
    heads = [text[:8] for text in ids]
    assert len({(int(value), head) for value, head in zip(eight, heads, strict=True)}) == len(set(heads))
    assert len(set(eight.tolist())) == len(set(heads))
    for bad in [
        "c2aef5d8-26ea-4bd3-9495-705fa370ad5g",
        "c2aef5d8026ea-4bd3-9495-705fa370ad51",
        "-2aef5d8-26ea-4bd3-9495-705fa370ad51",
    ]:
        assert hex_digits(pa.array([*ids[:3], bad])) is None, bad


def test_the_order_is_stable_when_keys_of_8_character_labels_tie():
    key = np.array(
        [5 << 34 | 7, 3 << 34 | 1 << 33 | 4 << 1, 3 << 34 | 1 << 33 | 4 << 1, 1 << 34 | 2, 3 << 34 | 1 << 33 | 4 << 1]
    )
    assert _order(key).tolist() == np.argsort(key, kind="stable").tolist() == [3, 1, 2, 4, 0]
    rng = np.random.default_rng(0)
    many = (rng.integers(0, 4, 5000) << 34) | (1 << 33) | (rng.integers(0, 50, 5000) << 1)
    assert _order(many).tolist() == np.argsort(many, kind="stable").tolist()


def test_a_missing_value_is_labelled_and_found_as_the_same_text_written_out():
    ids = _ids(8, seed=13)
    coded = pd.DataFrame(
        {
            "name": ["a", "a", None, "(no name)", "b", "b", "b", "b"],
            "runtime": pd.Categorical(["?", None, "p", "p", 1, "1", "?", "p"]),  # categories 1 and "1" read alike
            "tag": pd.Categorical(["t", "t", None, None, "u", "u", "?", "?"]),
        },
        index=pd.Index(ids, dtype="string"),
    )
    written = coded.astype(object).fillna({"name": "(no name)", "runtime": "?", "tag": "?"}).astype("string")
    assert display_labels(coded) == display_labels(written)
    first, second = search.ImageIndex(coded), search.ImageIndex(written)
    assert first.rows.tolist() == second.rows.tolist() and first.labels.tolist() == second.labels.tolist()
    assert first.search("b").mask.tolist() == second.search("b").mask.tolist()


def display_labels(frame: pd.DataFrame) -> list[str]:
    return sc.display.image_labels(frame).tolist()


@pytest.mark.parametrize("dtype", ["string[pyarrow]", "string[python]", object])
def test_ids_and_columns_read_as_text_whatever_their_storage(dtype):
    ids = [*_ids(5, seed=14), "not-a-uuid"]
    frame = _frame(ids, dtype)
    frame["name"] = frame["name"].astype(dtype if dtype is not object else "string")
    reference = frame.astype({"name": "string[pyarrow]"})
    assert display_labels(frame) == display_labels(reference)
    assert search.ImageIndex(frame).labels.tolist() == search.ImageIndex(reference).labels.tolist()
    with_missing = _frame([*ids, None], dtype)  # a missing id is its placeholder key, whatever holds it
    read = _labels.read_ids(with_missing)
    assert read.text.to_pylist() == [*ids, "(no uuid #1)"] and read.missing.tolist() == [len(ids)]
