"""The picker's order from integer keys equals sorting the lowercased labels themselves."""

from __future__ import annotations

import random
import uuid

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import _labels, display, search
from sharedcloud_nb._label_order import _integer_order, label_order
from sharedcloud_nb.demo.catalogue import generate_catalogue


def _python_order(frame: pd.DataFrame) -> list[int]:
    """Row positions sorted by lowercased label with Python's (stable) sort: the definition."""
    labels = display.image_labels(frame)
    # Arrow's lowercasing, as the picker's (Python's str.lower differs for a few letters, "İ" say).
    lowered = pc.utf8_lower(pa.array(labels, type=pa.string())).to_pylist()
    return sorted(range(len(frame)), key=lowered.__getitem__)


def _with_clashing_ids(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The frame with ids that clash in their first 8 characters, some in upper case."""
    rng = random.Random(seed)
    ids = []
    for _ in range(len(frame)):
        text = str(uuid.UUID(int=rng.getrandbits(128)))
        if rng.random() < 0.3:  # a whole uuid is needed to tell these apart
            text = rng.choice(["c2aef5d8", "00000000", "ffffffff"]) + text[8:]
        ids.append(text.upper() if rng.random() < 0.2 else text)
    assert len(set(ids)) == len(ids)
    return frame.set_axis(pd.Index(ids, dtype=frame.index.dtype))


@pytest.mark.parametrize("size", [0, 1, 7, 60, 3000])
def test_the_fast_order_is_the_sort_of_the_labels_on_a_generated_catalogue(size):
    frame = sc.images_frame(generate_catalogue(max(size, 1))).iloc[:size]
    frame = _with_clashing_ids(frame, seed=size)
    parts = _labels._label_parts(frame)
    if size >= 60:
        assert (parts.step == 4).any()  # the whole-uuid form is exercised
    fast = _integer_order(parts)
    assert fast is not None  # these labels have the shape the integer keys rely on
    assert fast.tolist() == _python_order(frame)
    index = search.ImageIndex(frame)
    assert index.rows.tolist() == _python_order(frame)
    assert index.labels.tolist() == display.image_labels(frame).iloc[_python_order(frame)].tolist()


def test_labels_of_another_shape_fall_back_to_sorting_strings_in_the_same_order():
    rng = random.Random(3)
    names = ["a", "A", "a (b", "a (b, c", "x (py, x, c2aef5d8)", "İx", "ΣΟΦΟΣ", "ß", None]
    frame = pd.DataFrame(
        {
            "name": [rng.choice(names) for _ in range(2000)],
            "runtime": [rng.choice(["b", "b, c", "py", None]) for _ in range(2000)],
            "tag": [rng.choice(["c", "x", "c, d"]) for _ in range(2000)],
        },
        index=[f"c2aef5d8-{i}" if i % 3 else str(uuid.UUID(int=rng.getrandbits(128))) for i in range(2000)],
    )
    parts = _labels._label_parts(frame)
    assert _integer_order(parts) is None
    assert label_order(parts).tolist() == _python_order(frame)
    # Without the names and runtimes that begin another label's prefix, and with uuids only: the fast path.
    sane = frame[
        frame["name"].isin(["a", "A", "ß", "ΣΟΦΟΣ"])
        & frame["runtime"].isin(["py", None])
        & frame["tag"].isin(["c", "x"])
        & (frame.index.str.len() == 36)
    ]
    sane_parts = _labels._label_parts(sane)
    assert _integer_order(sane_parts) is not None
    assert np.array_equal(label_order(sane_parts), _python_order(sane))


@pytest.mark.parametrize("text", [pa.string(), pa.large_string()])
def test_uuids_read_as_hex_digits_from_either_arrow_text_type(text):
    from sharedcloud_nb._uuidhex import hex_digits

    ids = pa.array(["c2aef5d8-26ea-4bd3-9495-705fa370ad51", "C2AEF5D8-26EA-4BD3-9495-705FA370AD51"], text).slice(0)
    read = hex_digits(ids)
    assert read is not None and (read[0][0] == read[0][1]).all() and read[0][0, 0] == 12
    assert hex_digits(pa.array(["c2aef5d8-26ea-4bd3-9495-705fa370ad5g"], text)) is None
    assert hex_digits(pa.array(["c2aef5d8-26ea-4bd3-9495-705fa370ad5-"], text)) is None
    assert hex_digits(pa.array(["not-a-uuid"], text)) is None


def test_one_row_s_label_is_written_as_the_whole_array_has_it():
    frame = _with_clashing_ids(sc.images_frame(generate_catalogue(400)), seed=5)
    frame.loc[frame.index[3], "name"] = "ΣΟΦΟΣ İx"
    accented = frame.iloc[:50].set_axis([f"é{i:02d}ßümlaut-{i}" for i in range(50)])  # ids of non-ASCII text
    for each in (frame, frame.reset_index(drop=True), accented):
        parts = _labels._label_parts(each)
        assert (parts.step == 3).any()
        assert [parts.label(row) for row in range(len(each))] == parts.labels.to_pylist()
