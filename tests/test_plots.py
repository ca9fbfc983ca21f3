"""sharedcloud_nb.plots: what each helper draws (bar heights, labels, counts, titles), not pixels.

The demo catalogue comes over real HTTP (the ``client`` fixture); small frames are hand-made with
``sc.images_frame(records)``. Expected values are computed independently with pandas.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display in tests

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import plots
from sharedcloud_nb.demo import DEMO_INSTANCES

HELPERS = [plots.runtimes, plots.gpu_share, plots.most_installed, plots.catalogue_growth, plots.staleness]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def demo(client):
    frame = client.images()
    assert frame.attrs["source"] == "demo"
    return frame


def image(uuid_prefix: str, **fields):
    """A hand-made image record; ``uuid_prefix`` is 8 hex digits."""
    record = {
        "uuid": f"{uuid_prefix}-1405-4928-914f-d5c91272f88a",
        "current_server_time": "05-10-2018 16:45:36",
        "num_installations": 1,
        "registry_path": "sharedcloud/standard-python36:latest",
        "updated_at": "01-01-2018 00:00:00",
        "created_at": "01-01-2018 00:00:00",
        "name": "standard",
        "description": "An Image",
        "requires_gpu": False,
        "runtime": "python36",
        "tag": "latest",
    }
    record.update(fields)
    return record


def frame_of(*records):
    return sc.images_frame(list(records))


def tick_labels(axis):
    return [label.get_text() for label in axis.get_ticklabels()]


# -- common behaviour ------------------------------------------------------------------------------


@pytest.mark.parametrize("helper", HELPERS, ids=lambda f: f.__name__)
def test_demo_data_is_said_in_the_title(demo, helper):
    ax = helper(demo)
    assert ax.get_title().endswith("(demo data)")
    assert "no data" not in ax.get_title()


@pytest.mark.parametrize("helper", HELPERS, ids=lambda f: f.__name__)
def test_other_sources_are_not_called_demo_data(helper):
    ax = helper(frame_of(image("24b310f8"), image("2413a0f8", requires_gpu=True)))
    assert "demo" not in ax.get_title()
    assert ax.get_title()


@pytest.mark.parametrize("helper", HELPERS, ids=lambda f: f.__name__)
def test_draws_on_the_given_axes_and_returns_it(demo, helper):
    fig, ax = plt.subplots()
    assert helper(demo, ax=ax) is ax
    assert plt.get_fignums() == [fig.number]


@pytest.mark.parametrize("helper", HELPERS, ids=lambda f: f.__name__)
def test_new_figure_when_no_axes_given(demo, helper):
    ax = helper(demo)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(plt.get_fignums()) == 1


@pytest.mark.parametrize("helper", HELPERS, ids=lambda f: f.__name__)
def test_empty_frame_says_no_data(helper, client):
    empty = client.images(instance="00000000-0000-4000-8000-000000000000")  # unknown instance: []
    assert empty.empty
    ax = helper(empty)
    assert "no data" in ax.get_title()
    assert "(demo data)" in ax.get_title()
    assert [t.get_text() for t in ax.texts] == ["no data"]
    assert not ax.patches


@pytest.mark.parametrize("helper", HELPERS, ids=lambda f: f.__name__)
def test_all_values_missing_says_no_data(helper):
    blank = {k: None for k in ("num_installations", "created_at", "updated_at", "requires_gpu", "current_server_time")}
    ax = helper(frame_of(image("24b310f8", **blank), image("2413a0f8", **blank)))
    if helper is plots.runtimes:  # a runtime is known, only the GPU need is not
        assert [c.get_label() for c in ax.containers] == ["CPU", "GPU", "GPU unknown"]
        assert [p.get_height() for p in ax.containers[2]] == [2]
    else:
        assert ax.get_title().endswith("no data"), ax.get_title()


@pytest.mark.parametrize("helper", HELPERS, ids=lambda f: f.__name__)
def test_refuses_what_is_not_an_images_frame(helper):
    with pytest.raises(TypeError, match="images DataFrame"):
        helper([{"name": "standard"}])
    with pytest.raises(ValueError, match="needs the column"):
        helper(pd.DataFrame({"name": ["standard"]}))


def test_instance_is_named_in_the_title(client):
    frame = client.images(instance=DEMO_INSTANCES[0])
    ax = plots.runtimes(frame)
    assert f"instance {DEMO_INSTANCES[0][:8]}" in ax.get_title()


# -- runtimes --------------------------------------------------------------------------------------


def test_runtimes_stacks_cpu_and_gpu_per_runtime(demo):
    ax = plots.runtimes(demo)
    expected = pd.crosstab(demo["runtime"].astype(str), demo["requires_gpu"].astype(bool))
    order = expected.sum(axis=1).sort_values(ascending=False, kind="stable").index.tolist()
    assert tick_labels(ax.xaxis) == order
    assert order[0] == "python36"
    cpu, gpu = ax.containers
    assert cpu.get_label() == "CPU" and gpu.get_label() == "GPU"
    assert [p.get_height() for p in cpu] == expected.loc[order, False].tolist()
    assert [p.get_height() for p in gpu] == expected.loc[order, True].tolist()
    # GPU bars sit on the CPU bars
    assert [p.get_y() for p in gpu] == [p.get_height() for p in cpu]
    totals = [t.get_text() for t in ax.texts]
    assert totals == [str(n) for n in expected.loc[order].sum(axis=1)]
    gpu_count = int(demo["requires_gpu"].sum())
    assert ax.get_title() == f"Images per runtime: {gpu_count} of {len(demo)} need a GPU (demo data)"
    assert ax.get_xlabel() == "runtime" and ax.get_ylabel() == "images"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CPU", "GPU"]


def test_runtimes_counts_missing_values_apart():
    frame = frame_of(
        image("00000001", runtime="node8"),
        image("00000002", runtime="node8", requires_gpu=True),
        image("00000003", runtime="node8", requires_gpu=None),
        image("00000004", runtime=None),
    )
    ax = plots.runtimes(frame)
    assert tick_labels(ax.xaxis) == ["node8", "(unknown)"]
    cpu, gpu, unknown = ax.containers
    assert unknown.get_label() == "GPU unknown"
    assert [p.get_height() for p in cpu] == [1, 1]
    assert [p.get_height() for p in gpu] == [1, 0]
    assert [p.get_height() for p in unknown] == [1, 0]
    assert [t.get_text() for t in ax.texts] == ["3", "1"]


def test_runtimes_ties_are_in_alphabetical_order():
    frame = frame_of(image("00000001", runtime="r35"), image("00000002", runtime="node8"))
    assert tick_labels(plots.runtimes(frame).xaxis) == ["node8", "r35"]


# -- gpu_share -------------------------------------------------------------------------------------


def test_gpu_share_of_images_and_installations(demo):
    ax = plots.gpu_share(demo)
    gpu = demo["requires_gpu"].astype(bool)
    installs = demo["num_installations"].astype(int)
    cpu_bars, gpu_bars = ax.containers
    assert tick_labels(ax.yaxis) == ["images", "installations"]
    assert [p.get_width() for p in cpu_bars] == pytest.approx(
        [100 * (~gpu).sum() / len(demo), 100 * installs[~gpu].sum() / installs.sum()]
    )
    assert [p.get_width() for p in gpu_bars] == pytest.approx(
        [100 * gpu.sum() / len(demo), 100 * installs[gpu].sum() / installs.sum()]
    )
    labels = [t.get_text() for t in ax.texts]
    assert f"{int(gpu.sum())} ({100 * gpu.sum() / len(demo):.0f} %)" in labels


def test_gpu_share_with_no_installations_at_all():
    ax = plots.gpu_share(frame_of(image("00000001", num_installations=0), image("00000002", num_installations=None)))
    assert [p.get_width() for p in ax.containers[0]] == [100, 0]


# -- most_installed --------------------------------------------------------------------------------


def test_most_installed_shows_the_top_n_largest_first(demo):
    ax = plots.most_installed(demo, n=5)
    expected = demo.sort_values("num_installations", ascending=False, kind="stable").head(5)
    assert [p.get_width() for p in ax.patches] == expected["num_installations"].tolist()
    assert [t.get_text() for t in ax.texts] == [str(n) for n in expected["num_installations"]]
    labels = tick_labels(ax.yaxis)
    assert labels[0] == "tensorflow-gpu (python36, latest)"
    assert labels[2] == "standard (python36)"  # its python27 sibling is not in the top 5, yet named apart
    # rank 1 is drawn on top
    assert ax.patches[0].get_y() < ax.patches[1].get_y() and ax.yaxis_inverted()
    assert "top 5 of 48" in ax.get_title()
    assert ax.get_xlabel() == "installations"
    gpu_color = matplotlib.colors.to_rgba(plots.GPU_COLOR)
    assert [p.get_facecolor() == gpu_color for p in ax.patches] == expected["requires_gpu"].tolist()


def test_most_installed_labels_duplicate_names_apart():
    frame = frame_of(
        image("24b310f8", name="web-crawling", num_installations=3),
        image("2413a0f8", name="web-crawling", num_installations=3),
        image("719b2ce4", name="web-crawling", tag="1.0", num_installations=2),
        image("065fe71e", name="web-crawling", runtime="python27", num_installations=5),
        image("dc348097", name="standard", num_installations=1),
    )
    ax = plots.most_installed(frame)
    assert tick_labels(ax.yaxis) == [
        "web-crawling (python27)",
        "web-crawling (python36, latest, 24b310f8)",  # ties keep the catalogue's order
        "web-crawling (python36, latest, 2413a0f8)",
        "web-crawling (python36, 1.0)",
        "standard",
    ]
    assert len(set(tick_labels(ax.yaxis))) == 5


def test_most_installed_leaves_out_missing_counts_and_says_so():
    frame = frame_of(image("00000001", num_installations=None), image("00000002", num_installations=4))
    ax = plots.most_installed(frame, n=10)
    assert [p.get_width() for p in ax.patches] == [4]
    assert "1 image without an installation count not shown" in ax.get_xlabel()
    assert "top 1 of 1" in ax.get_title()


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_most_installed_refuses_a_bad_n(demo, n):
    with pytest.raises(ValueError, match="n must be"):
        plots.most_installed(demo, n=n)


def test_image_labels_are_unique_and_aligned(demo):
    labels = plots.image_labels(demo)
    assert labels.index.equals(demo.index)
    assert labels.is_unique
    assert labels.loc["24b310f8-1405-4928-914f-d5c91272f88a"] == "web-crawling (python36, latest, 24b310f8)"
    assert labels.loc["da6d6e5d-584e-450f-9547-0b7ee4c42162"] == "xgboost-gpu"  # a unique name stays bare


# -- catalogue_growth ------------------------------------------------------------------------------


def test_catalogue_growth_bars_line_and_update_markers(demo):
    ax = plots.catalogue_growth(demo)
    created = demo["created_at"].dt.strftime("%Y-%m")
    updated_later = demo["updated_at"] > demo["created_at"]
    update_months = demo.loc[updated_later, "updated_at"].dt.strftime("%Y-%m")
    months = pd.period_range("2017-06", "2018-10", freq="M")  # first creation .. last update
    assert update_months.max() == "2018-10" and created.min() == "2017-06"

    bar_months = [mdates.num2date(p.get_x()).strftime("%Y-%m") for p in ax.patches]
    assert bar_months == [str(m) for m in months]
    per_month = created.value_counts().reindex([str(m) for m in months], fill_value=0)
    assert [p.get_height() for p in ax.patches] == per_month.tolist()
    assert per_month.loc["2018-02"] == 0 and per_month.loc["2018-10"] == 0  # empty months are drawn

    (markers,) = ax.get_lines()
    marked = update_months.value_counts()
    assert [mdates.num2date(x).strftime("%Y-%m") for x in markers.get_xdata()] == sorted(marked.index)
    assert list(markers.get_ydata()) == marked.sort_index().tolist()
    assert sum(markers.get_ydata()) == updated_later.sum() == 17

    (line,) = ax.right_ax.get_lines()
    assert list(line.get_ydata()) == per_month.cumsum().tolist()
    assert line.get_ydata()[-1] == len(demo)
    assert ax.right_ax.get_ylabel() == "images in the catalogue"
    assert f"{len(demo)} images created, 17 of them updated later" in ax.get_title()
    legend = ax.right_ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "images created in the month",
        "images updated in the month",
        "images in the catalogue (right axis)",
    ]


def test_catalogue_growth_counts_updates_after_creation_only():
    frame = frame_of(
        image("00000001", created_at="15-01-2018 10:00:00", updated_at="02-03-2018 10:00:00"),
        image("00000002", created_at="20-01-2018 10:00:00", updated_at="20-01-2018 10:00:00"),  # never updated
        image("00000003", created_at="07-10-2017 12:06:38", updated_at="10-07-2017 12:06:38"),  # swapped dates
        image("00000004", created_at=None),
    )
    ax = plots.catalogue_growth(frame)
    assert len(ax.patches) == 6  # Oct 2017 .. Mar 2018
    assert [p.get_height() for p in ax.patches] == [1, 0, 0, 2, 0, 0]
    (markers,) = ax.get_lines()
    assert [mdates.num2date(x).strftime("%Y-%m") for x in markers.get_xdata()] == ["2018-03"]
    assert list(markers.get_ydata()) == [1]
    assert list(ax.right_ax.get_lines()[0].get_ydata()) == [1, 1, 1, 3, 3, 3]
    assert "1 image without a creation date not shown" in ax.get_xlabel()


def test_catalogue_growth_in_utc_months():
    # 31-01 23:30 UTC is January, whatever the machine's time zone.
    ax = plots.catalogue_growth(frame_of(image("00000001", created_at="31-01-2018 23:30:00", updated_at=None)))
    assert [mdates.num2date(p.get_x()).strftime("%Y-%m") for p in ax.patches] == ["2018-01"]


# -- staleness -------------------------------------------------------------------------------------


def test_staleness_shows_the_stalest_first_in_server_days(demo):
    ax = plots.staleness(demo, n=5)
    days = (demo["current_server_time"] - demo["updated_at"]) / pd.Timedelta(days=1)
    expected = days.sort_values(ascending=False, kind="stable").head(5)
    assert [p.get_width() for p in ax.patches] == pytest.approx(expected.tolist())
    assert [t.get_text() for t in ax.texts] == [f"{d:.0f} d" for d in expected]
    assert tick_labels(ax.yaxis)[0] == plots.image_labels(demo).loc[expected.index[0]] == "web-crawling (python27)"
    (median,) = ax.get_lines()
    assert median.get_xdata()[0] == pytest.approx(days.median())
    assert "05 Oct 2018" in ax.get_xlabel()
    assert "top 5 of 48" in ax.get_title()


def test_staleness_leaves_out_missing_dates():
    frame = frame_of(
        image("00000001", updated_at="05-09-2018 16:45:36"),
        image("00000002", updated_at=None),
        image("00000003", updated_at="04-10-2018 16:45:36"),
    )
    ax = plots.staleness(frame)
    assert [p.get_width() for p in ax.patches] == pytest.approx([30, 1])
    assert "1 image without an update date not shown" in ax.get_xlabel()


def test_plots_are_reachable_lazily_from_the_package():
    assert sc.plots.runtimes is plots.runtimes
    assert set(plots.__all__) >= {"runtimes", "gpu_share", "most_installed", "catalogue_growth", "staleness"}


def test_plots_leave_the_frame_untouched(demo):
    before = demo.copy()
    for helper in HELPERS:
        helper(demo)
    pd.testing.assert_frame_equal(demo, before)
    assert np.all(demo.columns == before.columns)
