"""sc.explorer(), driven as a user would: set .value, click(), read what shows; over real HTTP.

Widgets are built without a kernel (ipywidgets then uses a dummy comm), which is enough to
exercise every observer. The logic itself is tested without widgets in test_filters.py.
"""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest
import traitlets

import sharedcloud_nb as sc
from sharedcloud_nb.filters import DEFAULT_FILTERS, filter_frame

KNOWN = "24b310f8-1405-4928-914f-d5c91272f88a"  # web-crawling, python36, in the API reference


@pytest.fixture
def view(client):
    explorer = sc.explorer(client, debounce=0)
    yield explorer
    explorer.close()


def _runtime_labels(explorer) -> dict[str, str]:
    return {value: label for label, value in explorer.runtimes.options}


def test_sc_explorer_stays_a_function_after_its_module_is_imported():
    import sharedcloud_nb.explore  # noqa: F401 - the import is the point

    assert callable(sc.explorer) and sc.explorer.__module__ == "sharedcloud_nb.explore"
    assert "explorer" in sc.__all__ and "explorer" in dir(sc)


def test_it_opens_unfiltered(view, client):
    frame = client.images()
    assert view.filters == dict(DEFAULT_FILTERS)
    assert view.count_text == f"{len(frame)} of {len(frame)} images"
    assert view.count.value == f"<b>{len(frame)} of {len(frame)} images</b>"
    pd.testing.assert_frame_equal(view.filtered, frame)
    assert len(view.table.df) == len(frame) and view.note.value == ""
    assert view.selected is None and "Select a row" in view.card.value


def test_assigning_filters_merges_and_applies_at_once(view, client):
    frame = client.images()
    view.filters = {"search": "python", "gpu": True}
    view.filters = {"min_installations": 5}
    expected = {**DEFAULT_FILTERS, "search": "python", "gpu": True, "min_installations": 5}
    assert view.filters == expected
    pd.testing.assert_frame_equal(view.filtered, filter_frame(frame, expected))
    assert view.count_text == f"{len(view.filtered)} of {len(frame)} images"
    # the controls show what was set from code
    assert view.search.value == "python" and view.gpu.value == "gpu" and view.min_installations.value == 5
    assert list(view.table.df["uuid"]) == list(
        view.filtered.sort_values("num_installations", ascending=False, kind="stable").index
    )


def test_a_bad_filter_changes_nothing(view):
    view.filters = {"gpu": False}
    before = view.filters
    with pytest.raises(KeyError, match="not a filter"):
        view.filters = {"gpu": True, "colour": "red"}
    with pytest.raises(ValueError, match="0 or more"):
        view.filters = {"min_installations": -3}
    assert view.filters == before


def test_the_filters_read_back_are_a_copy(view):
    filters = view.filters
    filters["gpu"] = True
    assert view.filters["gpu"] is None


def test_every_control_applies_at_once(view, client):
    frame = client.images()
    view.runtimes.value = ("python27",)
    assert view.filters["runtimes"] == ("python27",)
    view.gpu.value = "cpu"
    view.created_from.value = dt.date(2017, 1, 1)
    view.created_to.value = dt.date(2018, 6, 30)
    view.min_installations.value = 3
    expected = {
        "search": "",
        "runtimes": ("python27",),
        "gpu": False,
        "created": (dt.date(2017, 1, 1), dt.date(2018, 6, 30)),
        "min_installations": 3,
    }
    assert view.filters == expected
    pd.testing.assert_frame_equal(view.filtered, filter_frame(frame, expected))


def test_runtime_choices_show_counts_under_the_other_filters(view, client):
    frame = client.images()
    labels = _runtime_labels(view)
    assert labels["python36"] == f"python36 ({int((frame['runtime'] == 'python36').sum())})"
    view.filters = {"gpu": True, "runtimes": ("python36",)}
    gpu = frame[frame["requires_gpu"] == True]  # noqa: E712
    labels = _runtime_labels(view)
    assert labels["python27"] == f"python27 ({int((gpu['runtime'] == 'python27').sum())})"
    assert view.runtimes.value == ("python36",)  # the choice survives the new labels


def test_reset_button_restores_the_defaults_and_the_controls(view, client):
    view.filters = {"search": "nlp", "runtimes": ("python36",), "gpu": True, "created": ("2018-01-01", None)}
    view.reset_button.click()
    assert view.filters == dict(DEFAULT_FILTERS)
    assert view.search.value == "" and view.runtimes.value == () and view.gpu.value == "all"
    assert view.created_from.value is None and view.min_installations.value == 0
    assert len(view.filtered) == len(client.images())
    view.filters = {"gpu": False}
    view.reset()
    assert view.filters == dict(DEFAULT_FILTERS)


def test_only_keystrokes_are_debounced(client):
    # A pause long enough that three keystrokes land inside it even on a busy machine.
    debounce = 1.5
    view = sc.explorer(client, debounce=debounce)
    try:
        total = len(view.frame)
        for text in ("n", "nl", "nlp"):
            view.search.value = text
        assert view.count_text == f"{total} of {total} images"  # still typing
        deadline = time.monotonic() + 10
        while view.count_text == f"{total} of {total} images" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert view.filters["search"] == "nlp" and view.count_text == f"2 of {total} images"
        # a control, and a filter set from code, apply at once, even while typing waits
        view.gpu.value = "gpu"
        assert view.filters["gpu"] is True
        view.search.value = "tensorflow"
        view.filters = {"search": "web"}
        time.sleep(debounce + 0.5)  # the typed "tensorflow" must not apply over it when its pause ends
        assert view.filters["search"] == "web" and view.search.value == "web"
    finally:
        view.close()


def test_selecting_a_row_shows_the_card_fresh_from_the_server(fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    view = sc.explorer(client, debounce=0)
    row = list(view.table.df["uuid"]).index(KNOWN)
    fresh_server.clear_requests()
    view.table.selected_rows = [row]
    assert view.selected == KNOWN
    assert view.card_text.startswith(f"web-crawling · {KNOWN}")
    assert [r.path for r in fresh_server.requests] == [f"/api/v1/images/{KNOWN}/"]


def test_selected_is_a_settable_observable_trait(view):
    seen = []
    view.observe(lambda change: seen.append(change["new"]), names="selected")
    view.selected = KNOWN.upper()
    assert view.selected == KNOWN and seen == [KNOWN]
    assert view.table.selected_rows == [list(view.table.df["uuid"]).index(KNOWN)]
    assert "web-crawling" in view.card.value
    with pytest.raises(traitlets.TraitError):
        view.selected = "not-a-uuid"
    view.selected = None
    assert view.table.selected_rows == [] and view.card_text == ""


def test_a_404_says_the_image_is_gone(fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    view = sc.explorer(client, debounce=0)
    fresh_server.fail_next(1, 404, {"detail": "Not found."})
    view.selected = KNOWN
    assert "This image no longer exists on the server" in view.card_text
    assert isinstance(view.last_error, sc.NotFoundError)


def test_a_frame_without_a_client_shows_the_listed_row(client):
    view = sc.explorer(client.images(), debounce=0)
    view.selected = KNOWN
    assert "From the list" in view.card_text and "web-crawling" in view.card_text


def test_the_plots_change_with_the_filters_on_one_reused_figure(view):
    import matplotlib.pyplot as plt

    figures_before = plt.get_fignums()
    first = bytes(view.plots.value)
    figure = view._plots.figure
    assert first.startswith(b"\x89PNG")
    view.filters = {"runtimes": ("node8",)}
    assert bytes(view.plots.value) != first
    assert view._plots.figure is figure and len(figure.axes) == 2
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[0].startswith("Images per runtime") and titles[1].startswith("Share of images")
    drawn = []
    draw = view._plots.draw
    view._plots.draw = lambda frame: drawn.append(len(frame)) or draw(frame)
    view.filters = {"search": "node"}  # the same images: nothing to redraw
    assert drawn == []
    view.filters = {"search": "node10"}
    assert drawn == [len(view.filtered)]
    assert plt.get_fignums() == figures_before  # nothing piled up in pyplot


def test_the_table_keeps_its_options_across_updates(view):
    view.filters = {"gpu": True}
    args = view.table._dt_args  # what the front end receives
    assert args["layout"]["topEnd"] is None  # the explorer's search box, not DataTables' own
    assert ["columnDefs", 0, "render"] in args["keys_to_be_evaluated"]  # dates day-first
    assert args["select"] == {"style": "single"}
    assert list(view.table.df.columns) == [
        "uuid",
        "name",
        "runtime",
        "tag",
        "GPU",
        "installations",
        "created",
        "updated",
    ]


def test_the_table_is_capped_and_says_so(client):
    view = sc.explorer(client, table_limit=10, debounce=0)
    assert len(view.table.df) == 10
    assert "the 10 most installed of the 48 matching images" in view.note.value
    view.filters = {"search": "nlp"}
    assert view.note.value == ""


def test_the_sort_control_sorts_every_match_before_the_table_is_cut(client):
    frame = client.images()
    view = sc.explorer(client, table_limit=10, debounce=0)
    assert view.sort == ("num_installations", False) and view.sort_by.value == "num_installations"
    assert view.sort_direction.value is False
    view.sort_by.value = "created_at"
    view.sort_direction.value = True
    assert view.sort == ("created_at", True)
    oldest = frame.sort_values("created_at", kind="stable").head(10)
    assert list(view.table.df["uuid"]) == list(oldest.index)  # the 10 oldest of all 48
    assert "the 10 first created of the 48 matching images" in view.note.value
    args = view.table._dt_args
    assert args["order"] == [[6, "asc"]]  # the header's arrow agrees: column 6 is "created"
    assert args["ordering"] == {"indicators": True, "handler": False}  # a click would sort only 10
    pd.testing.assert_frame_equal(view.filtered, frame)  # filtered keeps the frame's order
    view.filters = {"gpu": False}  # the order stays across filter changes
    cpu = frame[frame["requires_gpu"] == False]  # noqa: E712 - a nullable boolean column
    assert list(view.table.df["uuid"]) == list(cpu.sort_values("created_at", kind="stable").index[:10])
    view.close()


def test_the_sort_is_settable_from_code_and_reset_restores_it(view, client):
    frame = client.images()
    view.sort = ("installations", True)  # the table's label works too
    assert view.sort == ("num_installations", True)
    assert view.sort_by.value == "num_installations" and view.sort_direction.value is True
    assert list(view.table.df["uuid"]) == list(frame.sort_values("num_installations", kind="stable").index)
    assert view.table._dt_args["order"] == [[5, "asc"]]
    assert view.table._dt_args["ordering"] is True  # every match is in the table: clicks sort them all
    view.filters = {"search": "python"}
    with pytest.raises(KeyError, match="not a column"):
        view.sort = ("colour", True)
    with pytest.raises(TypeError, match="column, ascending"):
        view.sort = ("name", "up")
    assert view.sort == ("num_installations", True)
    view.selected = KNOWN
    view.sort = ("name", False)
    uuids = list(view.table.df["uuid"])
    assert view.table.selected_rows == [uuids.index(KNOWN)]  # the selection follows its row
    view.reset()
    assert view.sort == ("num_installations", False) and view.filters == dict(DEFAULT_FILTERS)
    assert view.sort_by.value == "num_installations" and view.sort_direction.value is False
    assert view.table._dt_args["order"] == [[5, "desc"]]


def test_the_sort_can_be_given_at_construction(client):
    view = sc.explorer(client, debounce=0, sort=("updated", False))
    assert view.sort == ("updated_at", False) and view.sort_by.value == "updated_at"
    newest = client.images().sort_values("updated_at", ascending=False, kind="stable")
    assert list(view.table.df["uuid"]) == list(newest.index)
    view.close()
    with pytest.raises(KeyError, match="not a column"):
        sc.explorer(client, sort="colour")


def test_close_closes_every_widget_of_the_view(client):
    view = sc.explorer(client, debounce=0)
    widgets = [view.widget, view.search, view.table, view.plots, view.card, view.form.token]
    view.close()
    assert all(widget.comm is None for widget in widgets)


def test_the_text_form_is_one_line(view):
    text = repr(view)
    assert "\n" not in text and "widgets cannot show here" in text
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"] == text
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_the_text_form_names_every_setting_of_the_view(view):
    # Where widgets cannot render, the text form is the only guide: it names everything that can
    # be set from code (the settable properties and the traits), what to read, and reset().
    from sharedcloud_nb.explore import Explorer

    settable = [name for name, value in vars(Explorer).items() if isinstance(value, property) and value.fset]
    names = [*settable, *Explorer.class_trait_names(), "filtered", "reset()"]
    assert {"filters", "sort", "selected"} <= set(names)
    text = repr(view)
    assert [name for name in names if f"explorer.{name}" not in text] == []


def test_bad_sources_are_refused(view):
    with pytest.raises(TypeError, match="takes a Client, an images DataFrame or nothing"):
        sc.explorer("images.csv")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="load"):
        view.load(42)  # type: ignore[arg-type]


def test_with_nothing_configured_the_token_form_comes_first(demo_server, monkeypatch):
    monkeypatch.setenv("SHAREDCLOUD_URL", demo_server.url)
    view = sc.explorer(debounce=0)
    assert view.count_text == "0 of 0 images" and view.connect_box.selected_index == 0
    assert "Connect with your API token" in view.status.value
    view.form.token.value = "0" * 40
    assert "Invalid token." in view.form.status_text and view.count_text == "0 of 0 images"
    view.form.token.value = demo_server.token
    assert view.count_text == "48 of 48 images" and view.client is view.form.client
    assert view.connect_box.selected_index is None and view.status.value == ""


def test_the_demo_when_asked(monkeypatch, capsys):
    from sharedcloud_nb import _warn

    _warn.forget_demo_warning()
    monkeypatch.setenv("SHAREDCLOUD_DEMO", "1")
    with pytest.warns(sc.DemoDataWarning, match="demo catalogue"):
        view = sc.explorer(debounce=0)
    assert view.client is not None and view.client.is_demo
    assert view.count_text == "48 of 48 images" and view.connect_box.selected_index is None
    assert capsys.readouterr().out == ""


def test_a_refused_configured_token_is_said_inside_the_view(demo_server, monkeypatch):
    monkeypatch.setenv("SHAREDCLOUD_URL", demo_server.url)
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", "f" * 40)
    view = sc.explorer(debounce=0)
    assert "Could not load the images" in view.status.value and "Invalid token" in view.status.value
    assert "f" * 40 not in view.status.value
    assert view.connect_box.selected_index == 0


def test_installations_over_time_from_the_snapshot_store(client, tmp_path):
    store = sc.Store(tmp_path / "snapshots")
    frame = client.images()
    store.save(frame, client=client)
    later = frame.copy()
    later["current_server_time"] = later["current_server_time"] + pd.Timedelta(days=7)
    later.loc[KNOWN, "num_installations"] = int(frame.loc[KNOWN, "num_installations"]) + 5
    store.save(later, client=client)
    view = sc.explorer(client, store=store, debounce=0)
    assert view.history.layout.display == "none"
    view.selected = KNOWN
    series = view.installations_over_time(KNOWN)
    assert series is not None and list(series.astype(int)) == [
        int(frame.loc[KNOWN, "num_installations"]),
        int(frame.loc[KNOWN, "num_installations"]) + 5,
    ]
    assert view.history.layout.display is None and bytes(view.history.value).startswith(b"\x89PNG")


def test_without_snapshots_there_is_no_history_panel(view):
    view.selected = KNOWN
    assert view.installations_over_time(KNOWN) is None
    assert view.history.layout.display == "none"


def _make_app(env_extra: dict[str, str]) -> str:
    import os
    import shutil
    import subprocess
    from pathlib import Path

    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREDCLOUD_")} | env_extra
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([make, "-n", "app", "PORT=8123"], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_app_serves_the_explorer_notebook_on_loopback_without_code_or_tracebacks():
    out = _make_app({})
    assert "http://127.0.0.1:8123/" in out  # it says where
    command = next(line for line in out.splitlines() if "-m voila 05-explorer.ipynb" in line)
    assert command.startswith("cd notebooks && SHAREDCLOUD_DEMO=1 ")
    options = out[out.index("-m voila") :]
    for option in ("--Voila.ip=127.0.0.1", "--port=8123", "--strip_sources=True", "--show_tracebacks=False"):
        assert option in options


def test_make_app_with_a_token_in_the_environment_shows_that_account():
    out = _make_app({"SHAREDCLOUD_TOKEN": "a" * 40})
    assert "SHAREDCLOUD_DEMO=1" not in out and "a" * 40 not in out
