"""Images listed without a uuid: every view keeps them, names them "no uuid", and never asks the server.

The careful path of ``sc.images_frame`` keeps a record whose uuid is missing or not text, its
index value missing (with a warning). Such a row stays in the picker, the explorer, the filters,
the plots, the card, the snapshot store and the history, under a placeholder key ("(no uuid #1)",
numbered in the frame's order) where an id is needed, and never reads "None", "<NA>" or "nan".
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb.display import image_labels
from sharedcloud_nb.filters import CatalogueFilter, filter_frame, sort_rows, table_frame
from sharedcloud_nb.search import ImageIndex

NOT_AN_ID = ("None", "<NA>", "nan", "NaN", "NA>")
TWINS = (3, 7)  # both without a uuid, and alike in name, runtime and tag
ORPHAN = 10  # without a uuid, its name its own
FIRST, SECOND, THIRD = "(no uuid #1)", "(no uuid #2)", "(no uuid #3)"


def _records(client) -> list[dict]:
    records = copy.deepcopy(client.list_images())
    twin = records[TWINS[0]]
    records[TWINS[1]].update(name=twin["name"], runtime=twin["runtime"], tag=twin["tag"], num_installations=10**6)
    records[ORPHAN].update(name="orphan-image", num_installations=10**6 + 1)
    for position in (*TWINS, ORPHAN):
        records[position]["uuid"] = None
    return records


def _typed(records: list[dict]) -> pd.DataFrame:
    with pytest.warns(UserWarning, match="uuid"):
        return sc.images_frame(records)


@pytest.fixture
def frame(client) -> pd.DataFrame:
    """The demo listing with three images listed without a uuid: two alike, one named "orphan-image"."""
    return _typed(_records(client))


def _index_kinds(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """The frame as ``images_frame`` gives it, and with its ids as Python objects (None, then NaN)."""
    kinds = [frame]
    for missing in (None, np.nan):
        other = frame.copy()
        other.index = pd.Index([missing if pd.isna(u) else str(u) for u in frame.index], dtype=object, name="uuid")
        kinds.append(other)
    return kinds


def _clean(texts) -> bool:
    return not any(bad in str(text) for text in texts for bad in NOT_AN_ID)


def test_the_records_are_kept_with_a_missing_uuid(frame):
    assert frame.index.isna().sum() == 3 and len(frame) == 48


def test_labels_say_no_uuid_and_tell_the_twins_apart(frame):
    for each in _index_kinds(frame):
        labels = image_labels(each)
        twin = frame.iloc[TWINS[0]]
        stem = f"{twin['name']} ({twin['runtime']}, {twin['tag']}, no uuid"
        assert [labels.iloc[TWINS[0]], labels.iloc[TWINS[1]]] == [f"{stem} #1)", f"{stem} #2)"]
        assert labels.iloc[ORPHAN] == "orphan-image (no uuid)"
        assert _clean(labels) and labels.is_unique


def test_the_index_lists_every_image_under_a_key_of_its_own(frame):
    for each in _index_kinds(frame):
        index = ImageIndex(each)
        assert len(index) == len(frame)
        assert sorted(u for u in index.uuids if index.lacks_uuid(u)) == [FIRST, SECOND, THIRD]
        assert _clean(index.labels) and _clean(index.label_at(i) for i in range(len(index)))
        assert not index.lacks_uuid(str(frame.index[0])) and not index.lacks_uuid(None)
        row = index.row(THIRD)
        assert row is not None and row["name"] == "orphan-image" and pd.isna(row.name)
        assert index.resolve(SECOND) == SECOND
        with pytest.raises(ValueError, match="uuid"):
            index.resolve("(no uuid #4)")  # not listed, and no uuid to ask the server for


def test_a_search_finds_them_by_name_and_not_by_their_key(frame):
    index = ImageIndex(frame)
    found = index.search("orphan-image")
    assert [index.uuid_at(i) for i in found.shown] == [THIRD]
    twin = frame.iloc[TWINS[0]]
    alike = index.search(f"{twin['name']} {twin['runtime']} {twin['tag']}")
    assert {FIRST, SECOND} <= {index.uuid_at(i) for i in alike.shown}
    assert index.search("(no").total == 0 and index.search("none").total == 0


def test_repeated_uuids_are_listed_once_but_every_image_without_a_uuid_stays(client):
    records = _records(client)
    records[1]["uuid"] = records[0]["uuid"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = sc.images_frame(records)
    index = ImageIndex(frame)
    assert len(index) == len(frame) - 1
    assert sorted(u for u in index.uuids if index.lacks_uuid(u)) == [FIRST, SECOND, THIRD]


def test_a_key_never_takes_the_id_of_a_listed_image(frame):
    renamed = frame.copy()
    renamed.index = pd.Index([FIRST if i == 0 else u for i, u in enumerate(frame.index)], name="uuid")
    index = ImageIndex(renamed)
    keys = sorted(u for u in index.uuids if index.lacks_uuid(u))
    assert len(keys) == 3 and FIRST not in keys and len(set(index.uuids)) == len(renamed)
    assert index.row(FIRST) is not None and index.row(FIRST)["name"] == frame.iloc[0]["name"]


def test_the_filters_keep_them_and_the_table_names_them(frame):
    assert len(filter_frame(frame, {})) == len(frame)
    assert list(filter_frame(frame, {"search": "orphan-image"})["name"]) == ["orphan-image"]
    prepared = CatalogueFilter(frame)
    assert len(prepared) == len(frame) and prepared.apply(dict(sc.filters.DEFAULT_FILTERS)).count == len(frame)
    table = table_frame(frame)
    assert len(table) == len(frame) and _clean(table.index)
    assert (table.index == "(no uuid)").sum() == 3
    last = sort_rows(frame, ("uuid", True))[-3:]  # missing values go last, as in every column
    assert sorted(last.tolist()) == sorted([*TWINS, ORPHAN])


def test_the_card_says_no_uuid(frame):
    card = sc.card(frame.iloc[ORPHAN])
    assert card.text.splitlines()[0] == "orphan-image · (no uuid)"
    assert "(no uuid)" in card.html and _clean(card.text.splitlines()[:2])


def test_a_snapshot_keeps_them(frame, client, tmp_path):
    store = sc.Store(tmp_path)
    store.save(frame, client=client)
    loaded = store.load(client=client)
    assert len(loaded) == len(frame) and loaded.index.isna().sum() == 3
    assert list(loaded["name"]) == list(frame["name"])


def _two_snapshots(frame: pd.DataFrame, client, tmp_path) -> sc.Store:
    store = sc.Store(tmp_path)
    store.save(frame, client=client)
    later = frame.copy()
    later["current_server_time"] = later["current_server_time"] + pd.Timedelta(days=1)
    later["num_installations"] = later["num_installations"] + 5
    store.save(later, client=client)
    return store


def test_the_history_keeps_them_without_taking_them_for_another_image(frame, client, tmp_path):
    history = sc.history(_two_snapshots(frame, client, tmp_path), client=client)
    assert len(history) == 2 * len(frame)
    uuids = history.index.get_level_values("uuid")
    assert uuids.isna().sum() == 6  # never the uuid of another image
    first = history.xs(frame.index[0], level="uuid")["num_installations"]
    assert first.tolist() == [frame.iloc[0]["num_installations"], frame.iloc[0]["num_installations"] + 5]
    gains = sc.timeline.installation_gains(history)
    assert len(gains) == len(frame) - 3 and gains.index.notna().all()  # nothing follows them over time
    sizes = sc.timeline.catalogue_sizes(history)
    assert sizes["listed"].tolist() == [len(frame), len(frame)]
    assert sizes["added"].tolist() == [0, 0] and sizes["removed"].tolist() == [0, 0]


def test_a_diff_does_not_match_them_with_each_other(frame):
    later = frame.copy()
    later["num_installations"] = later["num_installations"] + 1
    changes = sc.diff(frame, later)
    assert changes.changed["uuid"].notna().all() and changes.changed["uuid"].nunique() == len(frame) - 3
    assert len(changes.added) == len(changes.removed) == 0
    assert len(changes.old_without_uuid) == len(changes.new_without_uuid) == 3
    summary = changes.summary()
    assert "not compared: 3 images without a uuid in the old listing, 3 in the new" in summary
    assert _clean(summary.splitlines())
    fewer = sc.diff(frame, frame.iloc[1 : TWINS[1]])  # the first twin stays, the second and the orphan go
    kept = TWINS[1] - 1
    assert len(fewer.removed) == len(frame) - kept - 2 and fewer.removed.index.notna().all()
    assert len(fewer.new_without_uuid) == 1 and len(fewer.added) == 0
    assert sc.diff(frame, frame).counts() == {"added": 0, "removed": 0, "changed": 0}


# -- the widgets (not in the floors run) --------------------------------------------------------------


def test_the_picker_lists_them_and_shows_their_row_without_asking_the_server(frame, fresh_server):
    pytest.importorskip("ipywidgets")
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    picked: list[pd.Series] = []
    picker = sc.image_picker(frame, client=client, on_pick=picked.append)
    assert picker.count_text.startswith(f"{len(frame)} of {len(frame)}")
    labels = dict((value, label) for label, value in picker.select.options)
    assert {FIRST, SECOND, THIRD} <= set(labels) and labels[THIRD] == "orphan-image (no uuid)"
    assert _clean(labels.values())
    fresh_server.clear_requests()
    picker.search.value = "orphan"
    assert [value for _, value in picker.select.options] == [THIRD]
    picker.select.value = THIRD  # a click on its row
    assert picker.value == THIRD and picker.index.lacks_uuid(picker.value)
    assert picker.image is not None and picker.image["name"] == "orphan-image" and pd.isna(picker.image.name)
    assert picked == [picker.image] and picker.last_error is None
    assert picker.card_text.startswith("orphan-image · (no uuid)") and "it has no uuid" in picker.card_text
    assert fresh_server.requests == []
    picker.value = SECOND  # set from code: the search is cleared to show it
    assert picker.select.value == SECOND and picker.image is not None
    assert picker.image["num_installations"] == 10**6 and fresh_server.requests == []


def test_the_picker_without_a_client_picks_them_too(frame):
    pytest.importorskip("ipywidgets")
    picker = sc.image_picker(frame)
    for key in (FIRST, SECOND, THIRD):
        picker.value = key
        assert picker.value == key and picker.image is not None and "(no uuid)" in picker.card_text


def test_the_explorer_lists_them_and_shows_their_row(frame, fresh_server):
    pytest.importorskip("itables")
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    view = sc.explorer(frame, client=client, debounce=0)
    try:
        assert view.count_text.startswith(f"{len(frame)} of {len(frame)}") and len(view.table.df) == len(frame)
        shown = list(view.table.df["uuid"])
        assert {FIRST, SECOND, THIRD} <= set(shown) and _clean(shown)
        fresh_server.clear_requests()
        view.table.selected_rows = [shown.index(THIRD)]
        assert view.selected == THIRD and view.card_text.startswith("orphan-image · (no uuid)")
        assert fresh_server.requests == [] and view.last_error is None
        view.filters = {"search": "orphan-image"}
        assert list(view.filtered["name"]) == ["orphan-image"] and list(view.table.df["uuid"]) == [THIRD]
        assert view.table.selected_rows == [0]
        view.selected = FIRST
        assert view.table.selected_rows == [] and view.card_text.startswith(frame.iloc[TWINS[0]]["name"])
    finally:
        view.close()


def test_the_plots_name_them(frame):
    pytest.importorskip("matplotlib")
    ax = sc.plots.most_installed(frame, n=3)
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert labels[0] == "orphan-image (no uuid)" and labels[1].endswith("no uuid #2)") and _clean(labels)
    sc.plots.staleness(frame)
