"""Careless input is refused with the package's InputError, naming what is accepted, and nothing is sent.

InputError is also a ValueError; InputTypeError (a value of the wrong type) is an InputError and
also a TypeError, so ``except ValueError`` and ``except TypeError`` keep working.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

import sharedcloud_nb as sc
from sharedcloud_nb.demo import DemoServer
from sharedcloud_nb.filters import check_sort, merge_filters
from sharedcloud_nb.frames import read_images_csv
from sharedcloud_nb.store import parse_max_age, parse_when

TOKEN = "a1" * 20
FORMS = "'90s', '15m', '2h', '1d' or '1w', a timedelta, or a number of seconds"


def test_the_input_errors_are_also_the_builtin_errors_they_replace():
    assert issubclass(sc.InputError, ValueError) and issubclass(sc.InputError, sc.SharedcloudError)
    assert issubclass(sc.InputTypeError, sc.InputError) and issubclass(sc.InputTypeError, TypeError)


@pytest.fixture
def server():
    with DemoServer(token=TOKEN, clock="05-07-2018 16:45:36") as server:
        yield server


def _api_requests(server: DemoServer) -> int:
    return sum(1 for r in server.requests if r.path.startswith("/api/"))


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("2 fortnights", sc.InputError),
        ("soon", sc.InputError),
        (-5, sc.InputError),
        ("-1h", sc.InputError),
        (dt.timedelta(hours=-1), sc.InputError),
        (float("nan"), sc.InputError),
        (float("inf"), sc.InputError),
        ("99999999999w", sc.InputError),  # longer than any timedelta: not an OverflowError
        ([1], sc.InputTypeError),
        (True, sc.InputTypeError),
    ],
)
def test_a_bad_max_age_is_an_input_error_naming_the_accepted_forms(value, kind, tmp_path: Path, server):
    with pytest.raises(kind) as info:
        parse_max_age(value)
    assert FORMS in str(info.value)
    client = sc.connect(TOKEN, url=server.url, store=sc.Store(tmp_path))
    before = _api_requests(server)
    with pytest.raises(kind, match="90s"):
        client.images(max_age=value)
    assert _api_requests(server) == before  # refused before anything is sent
    offline = sc.connect(TOKEN, url=server.url, store=sc.Store(tmp_path), offline=True)
    with pytest.raises(kind, match="90s"):  # not silently ignored offline
        offline.images(max_age=value)


def test_max_age_with_instance_is_an_input_error_online_and_offline(tmp_path: Path, server):
    client = sc.connect(TOKEN, url=server.url, store=sc.Store(tmp_path))
    before = _api_requests(server)
    with pytest.raises(sc.InputError, match="drop instance="):
        client.images(server.instances[0], max_age="1h")
    assert _api_requests(server) == before
    offline = sc.connect(TOKEN, url=server.url, store=sc.Store(tmp_path), offline=True)
    with pytest.raises(sc.InputError, match="drop instance="):
        offline.images(server.instances[0], max_age="1h")


def test_max_age_accepts_numpy_numbers():
    np = pytest.importorskip("numpy")
    assert parse_max_age(np.int64(90)) == dt.timedelta(seconds=90)
    assert parse_max_age(np.float64(1.5)) == dt.timedelta(seconds=1.5)


def test_times_are_input_errors():
    with pytest.raises(sc.InputError, match="Not a time"):
        parse_when("someday")
    with pytest.raises(sc.InputTypeError, match="not list"):
        parse_when([2018, 10, 5])


def test_the_filters_and_the_order_refuse_with_input_errors():
    with pytest.raises(sc.InputError, match="0 or more"):
        merge_filters({"min_installations": -1})
    with pytest.raises(sc.InputError, match="after the last"):
        merge_filters({"created": ("2018-10-05", "2018-01-01")})
    with pytest.raises(sc.InputError, match="YYYY-MM-DD"):
        merge_filters({"created": ("5th of May", None)})
    for changes in ({"gpu": "yes"}, {"search": 3}, {"runtimes": 3}, {"created": "2018"}):
        with pytest.raises(sc.InputTypeError):
            merge_filters(changes)
    with pytest.raises(sc.InputTypeError, match="filters are a dict"):
        merge_filters([("gpu", True)])  # type: ignore[arg-type]
    with pytest.raises(sc.InputTypeError, match="column, ascending"):
        check_sort(("created_at", "down"))


def test_plots_refuse_with_input_errors(demo_server):
    pytest.importorskip("matplotlib")
    from sharedcloud_nb import plots

    frame = sc.Client(demo_server.token, url=demo_server.url).images()
    with pytest.raises(sc.InputError, match="n must be"):
        plots.most_installed(frame, n=0)
    with pytest.raises(sc.InputTypeError, match="images DataFrame"):
        plots.most_installed(frame.to_dict(), n=3)
    with pytest.raises(sc.InputError, match="needs the column"):
        plots.most_installed(frame.drop(columns="num_installations"), n=3)


def test_card_history_csv_and_store_refuse_with_input_errors(tmp_path: Path, demo_server):
    client = sc.Client(demo_server.token, url=demo_server.url)
    with pytest.raises(sc.InputTypeError, match="one image"):
        sc.card(client.images())
    with pytest.raises(sc.InputError, match="Unknown column 'stars'"):
        sc.history(store=tmp_path, columns=("stars",), client=client)
    with pytest.raises(sc.InputError, match="no uuid column"):
        read_images_csv(io.StringIO("name,tag\na,b\n"))
    with pytest.raises(sc.InputError, match="whole catalogue"):
        sc.Store(tmp_path).save(client.images(instance=demo_server.instances[0]), client=client)


def test_widgets_refuse_a_source_of_the_wrong_type_with_input_errors():
    pytest.importorskip("ipywidgets")
    with pytest.raises(sc.InputTypeError, match="image_picker"):
        sc.image_picker("not a client")  # type: ignore[arg-type]
    with pytest.raises(sc.InputTypeError, match="explorer"):
        sc.explorer("not a client")  # type: ignore[arg-type]
    explorer = sc.explorer(sc.images_frame([]))
    with pytest.raises(sc.InputTypeError, match="load"):
        explorer.load("not a client")  # type: ignore[arg-type]


@pytest.mark.parametrize(("deadline", "kind"), [(-1, sc.InputError), (0, sc.InputError), (float("nan"), sc.InputError),
                                                ("30", sc.InputTypeError), (True, sc.InputTypeError)])  # fmt: skip
def test_a_deadline_that_is_no_time_is_refused_before_anything_is_sent(deadline, kind, fresh_server):
    with pytest.raises(kind, match="deadline is a number of seconds"):
        sc.Client(fresh_server.token, url=fresh_server.url, deadline=deadline)
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    with pytest.raises(kind, match="deadline is a number of seconds"):
        client.images(deadline=deadline)
    with pytest.raises(kind, match="deadline is a number of seconds"):
        client.image("24b310f8-1405-4928-914f-d5c91272f88a", deadline=deadline)
    assert fresh_server.requests == []
    assert len(client.images(deadline=float("inf"))) == len(fresh_server.images)  # inf: no bound


def test_a_token_or_url_of_the_wrong_type_is_an_input_type_error_naming_its_type_only():
    secret = b"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
    for call in (lambda: sc.Client(secret), lambda: sc.connect(token=secret, url="http://127.0.0.1:1")):  # type: ignore[arg-type]
        with pytest.raises(sc.InputTypeError, match="token must be a string, got bytes") as info:
            call()
        assert "a1a1" not in str(info.value)
    for offline in (False, True):
        with pytest.raises(sc.InputTypeError, match="url must be a string"):
            sc.connect("a1" * 20, url=5, offline=offline)  # type: ignore[arg-type]
    with pytest.raises(sc.InputError, match="token is empty"):
        sc.Client(None)  # type: ignore[arg-type]


def test_history_columns_that_are_not_names_are_an_input_type_error(tmp_path: Path, demo_server):
    client = sc.Client(demo_server.token, url=demo_server.url)
    with pytest.raises(sc.InputTypeError, match="column names"):
        sc.history(store=tmp_path, columns=5, client=client)  # type: ignore[arg-type]
    history = sc.history(store=tmp_path, columns=(c for c in ["tag"]), client=client)  # any iterable of names
    assert "tag" in history.columns


def test_the_widgets_refuse_a_limit_or_pause_that_means_nothing(demo_server):
    pytest.importorskip("ipywidgets")
    frame = sc.Client(demo_server.token, url=demo_server.url).images()
    for limit, kind in ((0, sc.InputError), (-1, sc.InputError), (2.5, sc.InputTypeError), ("10", sc.InputTypeError)):
        with pytest.raises(kind, match="limit is a whole number of images, 1 or more"):
            sc.image_picker(frame, limit=limit)  # type: ignore[arg-type]
        with pytest.raises(kind, match="table_limit is a whole number of images, 1 or more"):
            sc.explorer(frame, table_limit=limit)  # type: ignore[arg-type]
    for pause, kind in ((-0.1, sc.InputError), (float("inf"), sc.InputError), ("0.2", sc.InputTypeError)):
        with pytest.raises(kind, match="debounce is a number of seconds, 0 or more"):
            sc.explorer(frame, debounce=pause)  # type: ignore[arg-type]
    assert sc.image_picker(frame, limit=1).limit == 1
    assert sc.explorer(frame, table_limit=1, debounce=0).table_limit == 1


@pytest.mark.parametrize("path", [5, ["snapshots"], b"snapshots"])
def test_a_store_that_is_no_path_is_an_input_type_error(path):
    with pytest.raises(sc.InputTypeError, match="A store is a folder"):
        sc.Store(path)


def test_a_store_where_no_folder_can_be_made_is_refused_before_anything_is_fetched(tmp_path: Path, fresh_server):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    with pytest.raises(sc.InputError, match=r"notes.txt is a file, not a folder"):
        sc.Store(a_file)
    with pytest.raises(sc.InputError, match=r"lies under .*notes.txt, which is a file"):
        sc.Store(a_file / "snapshots")
    later = sc.Store(tmp_path / "later")
    (tmp_path / "later").write_text("a file made after the store")
    client = sc.Client(fresh_server.token, url=fresh_server.url, store=later)
    for call in (client.snapshot, lambda: later.snapshot(client), lambda: client.images(max_age="1h")):
        with pytest.raises(sc.InputError, match=r"Cannot make the store's folder .*later"):
            call()
    with pytest.raises(sc.InputTypeError, match="A store is a folder"):
        sc.Client(fresh_server.token, url=fresh_server.url, store=5).snapshot()  # type: ignore[arg-type]
    assert fresh_server.requests == []  # refused before the listing was fetched


@pytest.mark.parametrize(
    ("username", "password", "kind", "match"),
    [
        (5, "a-secret-pw", sc.InputTypeError, "username must be a string, got int"),
        ("demo", None, sc.InputTypeError, "password must be a string, got NoneType"),
        ("demo", b"a-secret-pw", sc.InputTypeError, "password must be a string, got bytes"),
        ("", "a-secret-pw", sc.InputError, "username is empty"),
        ("demo", "   ", sc.InputError, "password is empty"),
    ],
)
def test_login_refuses_credentials_that_are_not_text_without_showing_the_password(
    username, password, kind, match, fresh_server
):
    import traceback

    with pytest.raises(kind, match=match) as info:
        sc.login(username, password, url=fresh_server.url)
    # The package's frames, with their local variables (the test's own frame holds the password).
    frames = traceback.StackSummary.extract(traceback.walk_tb(info.tb.tb_next), capture_locals=True)
    shown = "".join(frames.format()) + str(info.value) + repr(info.value)
    assert "login" in shown and "a-secret-pw" not in shown
    assert fresh_server.requests == []  # nothing was sent


NAN = float("nan")


@pytest.mark.parametrize(
    ("option", "value", "kind", "match"),
    [
        ("timeout", -1, sc.InputError, "timeout is a number of seconds above 0"),
        ("timeout", 0, sc.InputError, "timeout is a number of seconds above 0"),
        ("timeout", NAN, sc.InputError, "timeout is a number of seconds above 0"),
        ("timeout", (1, 2, 3), sc.InputError, "not 3 values"),
        ("timeout", (-1, 5), sc.InputError, "a .connect, read. pair"),
        ("timeout", "5", sc.InputTypeError, "timeout is a number of seconds .* not str"),
        ("timeout", True, sc.InputTypeError, "not bool"),
        ("retries", -1, sc.InputError, "retries is how many times a GET is retried"),
        ("retries", 1.5, sc.InputError, "a whole number of at least 0; not 1.5"),
        ("retries", "3", sc.InputTypeError, "not str"),
        ("retries", None, sc.InputTypeError, "not NoneType"),
        ("max_bytes", 0, sc.InputError, "max_bytes is the most bytes"),
        ("max_bytes", NAN, sc.InputError, "whole number of at least 1"),
        ("max_bytes", "1e9", sc.InputTypeError, "not str"),
        ("max_bytes", None, sc.InputTypeError, "not NoneType"),
        ("progress", "no", sc.InputTypeError, "progress is True or False, or None .*; not 'no'"),
        ("offline", "false", sc.InputTypeError, "offline is True or False; not 'false'"),
        ("session", "x", sc.InputTypeError, "session is a requests.Session"),
    ],
)
def test_client_options_that_mean_nothing_are_refused_before_anything_is_sent(option, value, kind, match, fresh_server):
    with pytest.raises(kind, match=match):
        sc.Client(fresh_server.token, url=fresh_server.url, **{option: value})
    with pytest.raises(kind, match=match):
        sc.connect(fresh_server.token, url=fresh_server.url, **{option: value})
    assert fresh_server.requests == []


def test_client_options_in_range_are_kept(fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url, timeout=(None, 5), retries=0, max_bytes=4e9)
    assert (client.timeout, client.retries, client.max_bytes) == ((None, 5), 0, 4_000_000_000)
    assert isinstance(client.max_bytes, int)
    with pytest.raises(sc.InputTypeError, match="progress is True or False"):
        client.images(progress="no")  # type: ignore[arg-type]
    assert fresh_server.requests == []
    assert len(client.images(progress=False)) == len(fresh_server.images)


def test_login_refuses_a_timeout_that_means_nothing(fresh_server):
    with pytest.raises(sc.InputError, match="timeout is a number of seconds above 0"):
        sc.login("demo", "demo-password", url=fresh_server.url, timeout=-1)
    assert fresh_server.requests == []


def test_the_token_form_refuses_what_would_fail_only_when_it_connects():
    pytest.importorskip("ipywidgets")
    with pytest.raises(sc.InputTypeError, match="unknown option 'retires'; it passes on timeout, retries"):
        sc.token_form(retires=3)
    with pytest.raises(sc.InputTypeError, match="server url must be a string"):
        sc.token_form(url=5)  # type: ignore[arg-type]
    with pytest.raises(sc.InputTypeError, match="on_connect takes a function"):
        sc.token_form(on_connect=5)  # type: ignore[arg-type]
    with pytest.raises(sc.InputTypeError, match="on_pick takes a function"):
        sc.image_picker(sc.images_frame([]), on_pick="print")  # type: ignore[arg-type]
    assert sc.token_form(url="", timeout=5)._options == {"timeout": 5}  # "" is the default url, as in connect()


def test_a_number_is_no_time_and_since_cannot_follow_until(tmp_path: Path, demo_server):
    client = sc.Client(demo_server.token, url=demo_server.url)
    store = sc.Store(tmp_path)
    store.snapshot(client)
    # pandas reads a number as nanoseconds after 1970: epoch seconds or a year would be misread in silence.
    for call in (
        lambda: parse_when(1538750000),
        lambda: store.load(2018, client=client),
        lambda: sc.history(store=store, since=1538750000, client=client),
        lambda: sc.diff(5, 6, store=store, client=client),
        lambda: store.save(client.images(), client=client, taken_at=5),
    ):
        with pytest.raises(sc.InputTypeError, match="not a number"):
            call()
    with pytest.raises(sc.InputError, match="Not a time: ''"):
        parse_when("")
    with pytest.raises(sc.InputError, match="Not a time: 'garbage'"):
        store.save(client.images(), client=client, taken_at="garbage")
    with pytest.raises(sc.InputError, match=r"since \(2020-01-01 00:00:00\) is after until \(2010-01-01 00:00:00\)"):
        sc.history(store=store, since="2020-01-01", until="2010-01-01", client=client)


def test_a_client_that_is_no_client_is_an_input_type_error(tmp_path: Path, fresh_server):
    store = sc.Store(tmp_path / "store")
    frame = sc.images_frame([])
    for call in (
        lambda: sc.history(store=store, client="x"),
        lambda: sc.diff("2018-01-01", "2019-01-01", store=store, client="x"),
        lambda: store.load(client=5),
        lambda: store.recent("x", "1h"),
        lambda: store.save(frame, client=None),
        lambda: store.snapshot("x"),
    ):
        with pytest.raises(sc.InputTypeError, match=r"client is a sc.Client \(from sc.connect\(\)\), not"):
            call()
    assert not store.root.exists()  # nothing was written


def test_a_snapshot_and_a_diff_take_whole_images_frames_indexed_by_uuid(tmp_path: Path, demo_server):
    client = sc.Client(demo_server.token, url=demo_server.url)
    frame = client.images()
    store = sc.Store(tmp_path / "store")
    with pytest.raises(sc.InputTypeError, match="A snapshot is an images frame"):
        store.save(frame.to_dict(), client=client)  # type: ignore[arg-type]
    with pytest.raises(sc.InputError, match=r"lacks the column\(s\) description, runtime"):
        store.save(frame[["name"]], client=client)
    with pytest.raises(sc.InputError, match="lacks its uuid index"):
        store.save(frame.reset_index(), client=client)
    assert not store.root.exists()
    with pytest.raises(sc.InputTypeError, match="the old one is int"):
        sc.Diff(5, frame)  # type: ignore[arg-type]
    with pytest.raises(sc.InputError, match=r"the new frame is not indexed by uuid \(its uuids are a column"):
        sc.diff(frame, frame.reset_index())
    assert sc.diff(frame, frame).counts() == {"added": 0, "removed": 0, "changed": 0}


def test_the_widgets_refuse_a_client_store_or_query_of_the_wrong_kind(tmp_path: Path, demo_server):
    pytest.importorskip("ipywidgets")
    frame = sc.Client(demo_server.token, url=demo_server.url).images()
    with pytest.raises(sc.InputTypeError, match=r"image_picker\(\) takes client= a sc.Client"):
        sc.image_picker(frame, client="x")  # type: ignore[arg-type]
    with pytest.raises(sc.InputTypeError, match=r"explorer\(\) takes client= a sc.Client"):
        sc.explorer(frame, client="x")  # type: ignore[arg-type]
    view = sc.explorer(frame)
    with pytest.raises(sc.InputTypeError, match=r"load\(\) takes client= a sc.Client"):
        view.load(frame, client=5)  # type: ignore[arg-type]
    with pytest.raises(sc.InputTypeError, match="A store is a folder"):
        sc.explorer(frame, store=5)
    (tmp_path / "notes.txt").write_text("not a folder")
    with pytest.raises(sc.InputError, match="is a file, not a folder"):
        sc.explorer(frame, store=tmp_path / "notes.txt")
    picker = sc.image_picker(frame)
    for query in (5, None, ["gpu"]):
        with pytest.raises(sc.InputTypeError, match=r"picker.search\(\) takes text"):
            picker.search(query)
    picker.search("gpu")
    assert picker.count_text.startswith(str(int(frame["requires_gpu"].sum())))


def test_plots_refuse_an_ax_that_is_no_axes_and_name_their_own_arguments(demo_server, tmp_path: Path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from sharedcloud_nb import plots

    client = sc.Client(demo_server.token, url=demo_server.url)
    frame = client.images()
    figure, axes = plt.subplots(2)
    for ax in (figure, axes, 5):
        with pytest.raises(sc.InputTypeError, match=r"ax is a matplotlib Axes \(axes\[0\] of plt.subplots\(2\)\)"):
            plots.most_installed(frame, ax=ax)
    assert plots.most_installed(frame, ax=axes[0]) is axes[0]
    sc.Store(tmp_path).snapshot(client)
    history = sc.history(store=tmp_path, client=client)
    with pytest.raises(sc.InputError, match="top must be a whole number of images"):
        plots.installations_over_time(history, top=0)
    with pytest.raises(sc.InputTypeError, match=r"^installations_over_time\(\) takes a history frame"):
        plots.installations_over_time(frame)
    with pytest.raises(sc.InputTypeError, match=r"^catalogue_changes\(\) takes a history frame"):
        plots.catalogue_changes(frame)


@pytest.mark.parametrize(
    ("options", "kind", "match"),
    [
        ({"size": "10"}, TypeError, "size is a whole number, not str"),
        ({"size": 1.5}, ValueError, "size is a whole number 0 or more, not 1.5"),
        ({"size": -1}, ValueError, "size is a whole number 0 or more"),
        ({"page_size": "5"}, TypeError, "page_size is a whole number, not str"),
        ({"page_size": 0}, ValueError, "page_size is a whole number 1 or more"),
        ({"port": 70000}, ValueError, "port is a whole number from 0 to 65535"),
        ({"port": "8000"}, TypeError, "port is a whole number, not str"),
        ({"host": 5}, TypeError, "host is text"),
        ({"faults": "slow:1"}, TypeError, r"faults=\['slow:1'\], not a single string"),
    ],
)
def test_the_demo_server_says_what_it_takes(options, kind, match):
    with pytest.raises(kind, match=match):
        DemoServer(**options)


def test_the_demo_server_takes_a_whole_float_size_and_refuses_a_clock_move_or_delay_that_means_nothing():
    assert len(DemoServer(size=1e2).images) == 100
    server = DemoServer()
    for days, kind in ((float("nan"), ValueError), (1e12, ValueError), ("1", TypeError), (None, TypeError)):
        with pytest.raises(kind, match="days"):
            server.advance(days)
    for seconds in (-1, float("inf"), "x"):
        with pytest.raises(ValueError, match="delay is a number of seconds, 0 or more"):
            server.delay = seconds
    assert server.delay == 0


def test_a_pick_that_is_no_image_is_an_input_error_and_still_a_trait_error(demo_server):
    pytest.importorskip("ipywidgets")
    import uuid

    import traitlets

    frame = sc.Client(demo_server.token, url=demo_server.url).images()
    known = "24b310f8-1405-4928-914f-d5c91272f88a"
    view = sc.explorer(frame)
    for widget, trait in ((sc.image_picker(frame), "value"), (view, "selected")):
        with pytest.raises(sc.InputError, match="Not a valid uuid: 'nope'") as info:
            setattr(widget, trait, "nope")
        assert isinstance(info.value, traitlets.TraitError)
        with pytest.raises(sc.InputTypeError, match=r"A pick is an image's uuid as text.*not int") as info:
            setattr(widget, trait, 5)
        assert isinstance(info.value, traitlets.TraitError)
        setattr(widget, trait, uuid.UUID(known))
        assert getattr(widget, trait) == known


def test_a_store_given_to_a_client_is_checked_when_it_is_given(tmp_path: Path, fresh_server):
    (tmp_path / "notes.txt").write_text("not a folder")
    for store, kind in ((5, sc.InputTypeError), (tmp_path / "notes.txt", sc.InputError)):
        with pytest.raises(kind, match=r"A store is a folder|is a file, not a folder"):
            sc.connect(fresh_server.token, url=fresh_server.url, store=store)
        with pytest.raises(kind, match=r"A store is a folder|is a file, not a folder"):
            sc.connect(fresh_server.token, url=fresh_server.url, store=store, offline=True)
    assert fresh_server.requests == []
    assert sc.Client(fresh_server.token, url=fresh_server.url, store=tmp_path / "s").store.root == tmp_path / "s"


def test_a_limit_set_after_construction_is_checked_too(demo_server):
    pytest.importorskip("ipywidgets")
    frame = sc.Client(demo_server.token, url=demo_server.url).images()
    picker, view = sc.image_picker(frame, limit=5), sc.explorer(frame, table_limit=5)
    for value, kind in ((-1, sc.InputError), ("10", sc.InputTypeError)):
        with pytest.raises(kind, match="limit is a whole number of images, 1 or more"):
            picker.limit = value  # type: ignore[assignment]
        view.table_limit = value  # type: ignore[assignment]  # a plain attribute: refused when next used
        with pytest.raises(kind, match="table_limit is a whole number of images, 1 or more"):
            view.filters = {"gpu": True}
    assert picker.limit == 5
    view.table_limit = 2
    view.filters = {"gpu": True}
    assert len(view.table.df) == 2


def test_the_explorer_names_the_columns_a_frame_lacks_when_it_is_given(demo_server):
    pytest.importorskip("ipywidgets")
    frame = sc.Client(demo_server.token, url=demo_server.url).images()
    with pytest.raises(sc.InputError, match=r"^explorer\(\) needs the column\(s\) runtime, num_installations"):
        sc.explorer(frame.drop(columns=["runtime", "num_installations"]))
    view = sc.explorer(frame.drop(columns=["description", "tag"]))  # what it can do without
    with pytest.raises(sc.InputError, match=r"explorer\(\) needs the column\(s\) requires_gpu"):
        view.load(frame.drop(columns="requires_gpu"))
    assert view.count_text == f"{len(frame)} of {len(frame)} images"


def test_writing_a_csv_of_something_that_is_no_frame_is_an_input_type_error(tmp_path: Path):
    from sharedcloud_nb.files import write_images_csv

    with pytest.raises(sc.InputTypeError, match=r"write_images_csv\(\) writes an images frame .*, not list"):
        write_images_csv([{"uuid": "x"}], tmp_path / "images.csv")  # type: ignore[arg-type]
    assert not (tmp_path / "images.csv").exists()
