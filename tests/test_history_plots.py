"""The history plots: what they draw from snapshots of the moving demo API (lines, bars, titles), not pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display in tests

import matplotlib.pyplot as plt
import numpy as np
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import plots
from sharedcloud_nb.timeline import catalogue_sizes, installation_gains


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_installations_over_time_draws_the_largest_gains(weekly_store):
    store, client = weekly_store
    history = sc.history(store, columns=("num_installations", "name", "runtime", "tag"), client=client)
    ax = plots.installations_over_time(history, top=3)
    gains = installation_gains(history)
    lines = ax.get_lines()
    assert len(lines) == 3
    assert [int(line.get_ydata()[-1]) for line in lines] == gains["last"].iloc[:3].tolist()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == f"tensorflow (python36, latest) (+{gains['gain'].iloc[0]})"
    assert ax.get_title() == "Installations over time: top 3 of 52 images by gain (demo data)"
    assert "06 Jul 2018 to 05 Oct 2018" in ax.get_xlabel()


def test_installations_over_time_labels_without_names(weekly_store):
    store, client = weekly_store
    history = sc.history(store, client=client)
    ax = plots.installations_over_time(history, top=2)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith(installation_gains(history).index[0][:8])


def test_catalogue_changes_draws_added_removed_and_size(weekly_store):
    store, client = weekly_store
    history = sc.history(store, client=client)
    sizes = catalogue_sizes(history)
    ax = plots.catalogue_changes(history)
    bars = ax.patches
    assert len(bars) == 2 * len(sizes)
    heights = np.array([bar.get_height() for bar in bars])
    assert heights[: len(sizes)].tolist() == sizes["added"].tolist()
    assert (-heights[len(sizes) :]).tolist() == sizes["removed"].tolist()
    (line,) = ax.right_ax.get_lines()
    assert line.get_ydata().tolist() == sizes["listed"].tolist()
    assert ax.get_title() == (
        f"Catalogue changes: {sizes['added'].sum()} added, {sizes['removed'].sum()} removed (demo data)"
    )


def test_empty_history_and_wrong_input(tmp_path, client):
    empty = sc.history(tmp_path / "none", client=client)
    assert plots.installations_over_time(empty).get_title().startswith("Installations over time: no data")
    ax = plots.catalogue_changes(empty)
    assert ax.get_title().startswith("Catalogue changes: no data") and ax.right_ax is None
    with pytest.raises(TypeError, match="history frame"):
        plots.catalogue_changes(client.images())
    with pytest.raises(ValueError, match="num_installations"):
        plots.installations_over_time(sc.history(tmp_path, columns=("tag",), client=client))
    with pytest.raises(ValueError, match="at least 1"):
        plots.installations_over_time(empty, top=0)


def test_a_snapshot_frame_says_so_in_plot_titles(tmp_path, client):
    store = sc.Store(tmp_path / "s")
    store.snapshot(client)
    frame = store.load(client=client)
    title = plots.most_installed(frame, n=3).get_title()
    assert title == "Most-installed images: top 3 of 48, snapshot of 05 Oct 2018 (demo data)"
    assert "snapshot" not in plots.most_installed(client.images(), n=3).get_title()


def test_history_plots_accept_an_axes(weekly_store):
    store, client = weekly_store
    history = sc.history(store, client=client)
    _, (left, right) = plt.subplots(1, 2)
    assert plots.installations_over_time(history, ax=left) is left
    assert plots.catalogue_changes(history, ax=right) is right
