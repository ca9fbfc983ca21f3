"""The widgets' plain helpers: labels, cards, the search index and the callback dispatcher.

They import neither ipywidgets nor traitlets, so a script or a front end without widgets can use
them; the picker and the plots share the labels, so an image reads the same in both.
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import display, schema, search, widgets
from sharedcloud_nb._callbacks import CallbackDispatcher

KNOWN = "24b310f8-1405-4928-914f-d5c91272f88a"

HELPERS = ("display", "search", "_connecting", "_callbacks")


def test_the_helpers_import_and_work_without_ipywidgets_or_traitlets():
    code = (
        "import sys\n"
        "sys.modules['ipywidgets'] = None\n"  # None in sys.modules makes `import ipywidgets` fail
        "sys.modules['traitlets'] = None\n"
        f"for name in {HELPERS!r}:\n"
        "    __import__('sharedcloud_nb.' + name)\n"
        "import sharedcloud_nb as sc\n"
        "from sharedcloud_nb.demo import default_catalogue\n"
        "from sharedcloud_nb.display import image_card, image_labels\n"
        "from sharedcloud_nb.search import ImageIndex\n"
        "frame = sc.images_frame(default_catalogue())\n"
        "index = ImageIndex(frame)\n"
        "print(index.count_text(index.search('nlp')))\n"
        "print(image_card(frame.iloc[0]).text.splitlines()[1])\n"
        "try:\n"
        "    import sharedcloud_nb.widgets\n"
        "except ImportError as exc:\n"
        "    print('widgets:', exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "2 of 48 images"
    assert lines[1].startswith("UUID:")
    # widgets.py needs traitlets, and says how to install it.
    assert lines[2].startswith("widgets: Each widget (sc.token_form(), sc.image_picker()) needs the 'notebook' extra")
    assert "pip install 'sharedcloud_nb[notebook]'" in lines[2] and "pip install -e '.[notebook]'" in lines[2]


def test_widgets_re_exports_the_helpers():
    for name in ("Card", "ImageIndex", "Matches", "image_card", "gone_card", "error_card", "describe_delta",
                 "format_time", "validate_token", "connected_message", "error_message", "image_labels",
                 "PICKER_LIMIT", "CallbackDispatcher"):  # fmt: skip
        assert hasattr(widgets, name) and name in widgets.__all__
    assert widgets.ImageIndex is search.ImageIndex and widgets.image_card is display.image_card


# -- labels --------------------------------------------------------------------------------------------


def _frame(*rows: tuple[str, str | None, str | None, str | None]) -> pd.DataFrame:
    uuids, names, runtimes, tags = zip(*rows, strict=True)
    return pd.DataFrame({"name": names, "runtime": runtimes, "tag": tags}, index=list(uuids))


def test_labels_add_only_what_tells_images_apart():
    frame = _frame(
        ("a0000000-1", "solo", "python36", "latest"),
        ("b0000000-1", "twin", "python27", "latest"),
        ("c0000000-1", "twin", "python36", "latest"),
        ("d0000000-1", "tags", "python36", "1.0"),
        ("e0000000-1", "tags", "python36", "2.0"),
        ("f0000000-1", "same", "python36", "latest"),
        ("f1000000-1", "same", "python36", "latest"),
    )
    assert list(display.image_labels(frame)) == [
        "solo",
        "twin (python27)",
        "twin (python36)",
        "tags (python36, 1.0)",
        "tags (python36, 2.0)",
        "same (python36, latest, f0000000)",
        "same (python36, latest, f1000000)",
    ]


def test_labels_fall_back_to_the_whole_uuid_when_eight_characters_clash():
    frame = _frame(
        ("abcdef12-0000", "same", "python36", "latest"),
        ("abcdef12-1111", "same", "python36", "latest"),
        ("99999999-0000", "same", None, None),
    )
    labels = display.image_labels(frame)
    assert list(labels) == [
        "same (python36, latest, abcdef12-0000)",
        "same (python36, latest, abcdef12-1111)",
        "same (?)",
    ]
    assert labels.index.equals(frame.index)


def test_labels_without_name_runtime_or_tag_columns():
    frame = pd.DataFrame(index=["a0000000-1", "b0000000-1"])
    assert list(display.image_labels(frame)) == [
        "(no name) (?, ?, a0000000)",
        "(no name) (?, ?, b0000000)",
    ]


def test_plots_and_picker_name_the_demo_images_alike(client):
    frame = client.images()
    index = search.ImageIndex(frame)
    assert dict(zip(index.uuids, index.labels, strict=True)) == sc.plots.image_labels(frame).to_dict()


# -- the card ------------------------------------------------------------------------------------------


def test_the_card_labels_every_column_as_the_schema_does(client):
    card = display.image_card(client.image(KNOWN))
    labels = [label for label, _ in card.rows]
    assert sorted(labels) == sorted(column.label for column in schema.TABLE)
    assert labels == [
        "UUID", "Name", "Description", "Runtime", "Tag", "Registry path", "Repository", "GPU",
        "Installations", "Created", "Updated", "Server time", "Age", "Last update",
    ]  # fmt: skip


def test_the_card_shows_fields_the_api_added_later(client):
    image = client.image(KNOWN)
    image["licence"] = "MIT"
    assert display.image_card(image).rows[-1] == ("licence", "MIT")


# -- callbacks -----------------------------------------------------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[object] = []

    def record(self, value: object) -> None:
        self.seen.append(value)


def test_a_failing_callback_is_reported_and_the_others_still_run():
    errors: list[tuple[str, BaseException]] = []
    seen: list[object] = []

    def broken(value: object) -> None:
        raise KeyError("no such column")

    dispatch: CallbackDispatcher[object] = CallbackDispatcher(
        lambda who, exc: errors.append((who, exc)), event="on_pick"
    )
    dispatch.register_callback(broken)
    dispatch.register_callback(seen.append)
    dispatch("image")
    assert seen == ["image"]
    ((who, exc),) = errors
    assert who.startswith("on_pick callback ") and who.endswith("broken") and isinstance(exc, KeyError)


def test_remove_takes_away_a_bound_method_fetched_again():
    recorder = _Recorder()
    dispatch: CallbackDispatcher[int] = CallbackDispatcher(lambda who, exc: None)
    dispatch.register_callback(recorder.record)
    dispatch.register_callback(recorder.record)
    assert len(dispatch) == 2
    dispatch.register_callback(recorder.record, remove=True)  # a new bound-method object, equal to the first
    dispatch.register_callback(print, remove=True)  # never registered: nothing happens
    dispatch(1)
    assert recorder.seen == [] and len(dispatch) == 0


def test_a_callback_may_remove_itself_while_called():
    seen: list[int] = []
    dispatch: CallbackDispatcher[int] = CallbackDispatcher(lambda who, exc: None)

    def once(value: int) -> None:
        seen.append(value)
        dispatch.register_callback(once, remove=True)

    dispatch.register_callback(once)
    dispatch.register_callback(seen.append)
    dispatch(1)
    dispatch(2)
    assert seen == [1, 1, 2]


@pytest.mark.parametrize("event", ["on_connect", "on_pick"])
def test_the_widgets_remove_bound_methods(demo_server, client, event):
    recorder = _Recorder()
    if event == "on_connect":
        form = sc.token_form(recorder.record, url=demo_server.url)
        form.on_connect(recorder.record, remove=True)
        form.token.value = demo_server.token
        assert form.client is not None
    else:
        picker = sc.image_picker(client, on_pick=recorder.record)
        picker.on_pick(recorder.record, remove=True)
        picker.value = KNOWN
        assert picker.image is not None
    assert recorder.seen == []


def _reference_labels(frame):
    """image_labels as first written: every step over every row, in pandas (the definition)."""

    def strings(column, missing):
        if column not in frame.columns:
            return pd.Series(missing, index=pd.RangeIndex(len(frame)), dtype="string[pyarrow]")
        return frame[column].astype("string[pyarrow]").fillna(missing).reset_index(drop=True)

    name, runtime, tag = strings("name", "(no name)"), strings("runtime", "?"), strings("tag", "?")
    uuid = pd.Series(frame.index.astype(str), dtype="string[pyarrow]")
    more = [
        lambda: name + " (" + runtime + ")",
        lambda: name + " (" + runtime + ", " + tag + ")",
        lambda: name + " (" + runtime + ", " + tag + ", " + uuid.str.slice(0, 8) + ")",
        lambda: name + " (" + runtime + ", " + tag + ", " + uuid + ")",
    ]
    labels = name.copy()
    for better in more:
        clash = labels.duplicated(keep=False)
        if not clash.any():
            break
        labels[clash] = better()[clash]
    labels.index = frame.index
    return labels


def _tricky_frames():
    from sharedcloud_nb.demo.catalogue import generate_catalogue

    big = sc.images_frame(generate_catalogue(3000, seed=9))
    yield big
    yield big.iloc[:0]
    yield big.iloc[:1]
    twins = pd.DataFrame(
        {
            "name": ["a", "a", "a (p)", "a", "b", None, None, "c", "c", "c"],
            "runtime": ["p", "q", "x", "p", "p", "p", "p", None, None, "r"],
            "tag": ["1", "1", "1", "1", "2", "2", "2", "t", "t", None],
        },
        index=["aaaaaaaa-1", "bbbbbbbb", "cccc", "aaaaaaaa-2", "d", "e", "f", "g", "g", "h"],
    )
    yield twins
    yield twins[["name"]]
    yield twins.drop(columns=["name"])
    shaped = big.copy()  # a name written like another image's label
    shaped.loc[shaped.index[0], "name"] = f"{shaped['name'].iloc[1]} ({shaped['runtime'].iloc[1]})"
    yield shaped


@pytest.mark.parametrize("case", range(7))
def test_labels_equal_their_definition_step_by_step(case):
    frame = list(_tricky_frames())[case]
    pd.testing.assert_series_equal(display.image_labels(frame), _reference_labels(frame))


def _uuid_frame(seed):
    """Uuid ids (some upper case, a third sharing their first 8 characters, one repeated), and names
    that begin another image's "name (runtime, tag, " when the seed is odd."""
    import random
    import uuid

    from sharedcloud_nb.demo.catalogue import generate_catalogue

    rng = random.Random(seed)
    frame = sc.images_frame(generate_catalogue(2000, seed=seed))
    ids = []
    for _ in range(len(frame)):
        text = str(uuid.UUID(int=rng.getrandbits(128)))
        if rng.random() < 0.3:
            text = rng.choice(["c2aef5d8", "C2AEF5D8", "00000000"]) + text[8:]
        ids.append(text.upper() if rng.random() < 0.2 else text)
    ids[-1] = ids[0]
    frame = frame.set_axis(pd.Index(ids, dtype=frame.index.dtype))
    if seed % 2:
        first = frame.iloc[0]
        frame.loc[frame.index[5], "name"] = f"{first['name']} ({first['runtime']}, {first['tag']}, c2aef5d8"
    return frame


@pytest.mark.parametrize("seed", range(4))
def test_labels_of_uuid_ids_equal_their_definition(seed):
    frame = _uuid_frame(seed)
    pd.testing.assert_series_equal(display.image_labels(frame), _reference_labels(frame))
