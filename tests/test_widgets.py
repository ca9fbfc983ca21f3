"""The token form and the image picker, driven as a user would: set .value, click(), read what shows.

Everything runs against the demo API over real HTTP. Widgets are built without a kernel (ipywidgets
then uses a dummy comm), which is enough to exercise every observer and read every widget's state.
"""

from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import sys
import unicodedata

import ipywidgets
import pandas as pd
import pytest
import traitlets

import sharedcloud_nb as sc
from sharedcloud_nb import widgets as scw
from sharedcloud_nb.demo import DemoServer, Response

KNOWN = "24b310f8-1405-4928-914f-d5c91272f88a"  # web-crawling, python36, in the API reference
TWIN = "2413a0f8-c105-4928-914f-d5c93173f88a"  # the same name, runtime and registry path


def _all_widgets(root: ipywidgets.Widget) -> list[ipywidgets.Widget]:
    """Every widget reachable from ``root``: children, and widgets held in traits (layout, style)."""
    seen: dict[str, ipywidgets.Widget] = {}
    stack = [root]
    while stack:
        widget = stack.pop()
        if widget.model_id in seen:
            continue
        seen[widget.model_id] = widget
        for name in widget.keys:
            value = getattr(widget, name)
            items = value if isinstance(value, (list, tuple)) else [value]
            stack.extend(item for item in items if isinstance(item, ipywidgets.Widget))
    return list(seen.values())


def _state_json(root: ipywidgets.Widget) -> str:
    return json.dumps([w.get_state() for w in _all_widgets(root)], default=str)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the token form ------------------------------------------------------------------------------


def test_form_starts_empty_with_the_url_as_connect_resolves_it(monkeypatch):
    form = sc.token_form()
    assert form.client is None and form.status_text == "" and not form.busy
    assert form.url.value == "https://sharedcloud.io"
    assert form.more.selected_index is None  # username/password and Advanced are folded
    monkeypatch.setenv("SHAREDCLOUD_URL", "https://env.example.org/")
    assert sc.token_form().url.value == "https://env.example.org"
    assert sc.token_form(url="https://arg.example.org").url.value == "https://arg.example.org"


def test_enter_in_the_token_field_connects_and_empties_it(demo_server):
    connected = []
    form = sc.token_form(connected.append, url=demo_server.url)
    form.token.value = demo_server.token  # what Enter (or leaving the field) sends
    assert form.status_text == "Connected to the demo catalogue — 48 images visible"
    assert form.token.value == ""
    assert isinstance(form.client, sc.Client) and form.client.is_demo
    assert connected == [form.client]
    assert len(form.client.images()) == 48
    assert "#1b5e20" in form.status.value  # green


def test_clicking_connect_after_typing_connects_once(demo_server):
    # In a browser the click first commits the field (its change event), then clicks.
    connected = []
    form = sc.token_form(connected.append, url=demo_server.url)
    form.token.value = demo_server.token
    form.connect.click()
    assert len(connected) == 1
    assert form.status_text == "Connected to the demo catalogue — 48 images visible"
    form.connect.click()  # a later click on an empty field says what to do, and keeps the connection
    assert form.client is connected[0]
    assert form.status_text.splitlines() == [
        "Connected to the demo catalogue — 48 images visible",
        "To connect with another account, paste your API token in the field first (or open “Username and password”).",
    ]


def test_connect_with_an_empty_field_asks_for_the_token(demo_server):
    form = sc.token_form(url=demo_server.url)
    form.connect.click()
    assert form.client is None
    assert "Paste your API token in the field first" in form.status_text
    form.token.value = "   "
    assert "blank" in form.status_text and form.token.value == "" and form.client is None


def test_a_wrong_token_shows_the_servers_message_in_red_and_the_form_stays_usable(demo_server):
    connected = []
    form = sc.token_form(connected.append, url=demo_server.url)
    form.token.value = "0" * 40
    assert form.status_text == "Could not connect: Invalid token. (HTTP 401)"
    assert "#b00020" in form.status.value
    assert form.client is None and connected == [] and form.token.value == ""
    assert not form.connect.disabled and not form.busy
    assert isinstance(form.last_error, sc.AuthenticationError)
    error = form.last_error
    while error is not None:  # no frame (holding the token) is kept alive by the error
        assert error.__traceback__ is None
        error = error.__cause__ or error.__context__
    form.token.value = demo_server.token
    assert form.status_text.startswith("Connected to the demo catalogue")
    assert len(connected) == 1


def test_a_failed_attempt_after_a_connect_keeps_the_previous_client(demo_server):
    form = sc.token_form(url=demo_server.url)
    form.token.value = demo_server.token
    first = form.client
    form.token.value = "1" * 40
    assert form.client is first
    assert form.status_text == "Could not connect: Invalid token. (HTTP 401)"


def test_the_token_is_validated_by_listing_the_images(fresh_server):
    form = sc.token_form(url=fresh_server.url)
    fresh_server.clear_requests()
    form.token.value = fresh_server.token
    assert [(r.method, r.path) for r in fresh_server.requests] == [("GET", "/api/v1/images/")]


@pytest.mark.parametrize(
    ("status", "body", "shown"),
    [
        (503, {"detail": "Service temporarily unavailable."}, "Service temporarily unavailable. (HTTP 503)"),
        (403, {"detail": "You do not have permission to perform this action."},
         "You do not have permission to perform this action. (HTTP 403)"),
        (200, "<html><title>Maintenance</title></html>", "is not JSON"),
    ],
)  # fmt: skip
def test_server_failures_show_their_message(fresh_server, status, body, shown):
    form = sc.token_form(url=fresh_server.url, retries=0)
    fresh_server.fail_next(1, status, body, {"Content-Type": "text/html"} if isinstance(body, str) else None)
    form.token.value = fresh_server.token
    assert form.status_text.startswith("Could not connect: ")
    assert shown in form.status_text
    assert form.client is None


def test_a_transport_problem_is_shown(demo_server):
    form = sc.token_form(url=f"http://127.0.0.1:{_free_port()}", retries=0)
    form.token.value = demo_server.token
    assert form.status_text.startswith("Could not connect: Could not reach http://127.0.0.1:")
    assert "#b00020" in form.status.value
    assert form.client is None and not form.connect.disabled


def test_an_insecure_url_is_refused_before_sending_anything(demo_server):
    form = sc.token_form(url="http://sharedcloud.example.org")
    form.token.value = demo_server.token
    assert "Refusing plain http:// to sharedcloud.example.org" in form.status_text
    assert demo_server.token not in form.status_text


def test_the_url_can_be_changed_under_advanced(demo_server):
    form = sc.token_form(url="https://sharedcloud.example.org")
    form.url.value = demo_server.url + "/"
    form.token.value = demo_server.token
    assert form.client.url == demo_server.url


def test_the_buttons_are_disabled_while_a_request_is_in_flight(fresh_server):
    form = sc.token_form(url=fresh_server.url)
    seen = []

    def spy(request):  # runs in the server's thread while the form waits for the answer
        seen.append((form.connect.disabled, form.login.disabled, form.busy, form.status.value))

    fresh_server.add_fault(spy, times=None)
    form.token.value = fresh_server.token
    assert seen and all(disabled and login and busy for disabled, login, busy, _ in seen)
    assert "Connecting to 127.0.0.1:" in seen[0][3]
    assert not form.connect.disabled and not form.login.disabled and not form.busy


def test_username_and_password_log_in_and_connect(fresh_server):
    connected = []
    form = sc.token_form(connected.append, url=fresh_server.url)
    form.username.value = fresh_server.username
    form.password.value = fresh_server.password  # Enter in the password field
    form.login.click()  # the click that committed the field: no second login
    assert form.status_text == "Connected to the demo catalogue — 48 images visible"
    assert form.password.value == "" and len(connected) == 1
    logins = [r for r in fresh_server.requests if r.method == "POST"]
    assert [r.path for r in logins] == ["/api/v1/api-token-auth/"]


def test_a_wrong_password_shows_the_servers_message(demo_server):
    form = sc.token_form(url=demo_server.url)
    form.username.value = demo_server.username
    form.password.value = "not the password"
    assert form.status_text == "Could not connect: Unable to log in with provided credentials. (HTTP 400)"
    assert form.password.value == "" and form.client is None


def test_a_password_without_username_is_not_sent(fresh_server):
    form = sc.token_form(url=fresh_server.url)
    form.password.value = fresh_server.password
    assert form.status_text == "Type the username first, then the password again."
    assert form.password.value == "" and fresh_server.requests == []
    form.login.click()
    form.login.click()
    assert form.status_text == "Type the username and the password first."


@pytest.mark.parametrize("how", ["token", "login", "wrong token", "wrong password"])
def test_no_widget_state_holds_the_token_or_the_password(demo_server, how):
    form = sc.token_form(url=demo_server.url)
    if how == "token":
        form.token.value = demo_server.token
    elif how == "wrong token":
        form.token.value = "f" * 40
    else:
        form.username.value = demo_server.username
        form.password.value = demo_server.password if how == "login" else "a wrong password"
    form.connect.click()
    form.login.click()
    state = _state_json(form.widget)
    assert len(_all_widgets(form.widget)) > 10  # layouts and styles are walked too
    for secret in (demo_server.token, demo_server.password, "f" * 40, "a wrong password"):
        assert secret not in state
        assert secret not in form.status_text and secret not in repr(form)
    assert not re.search(r"\b[0-9a-f]{40}\b", state)


def test_callback_errors_show_in_the_status_area_and_the_others_still_run(demo_server):
    called = []

    def broken(client):
        raise ValueError("the callback broke")

    form = sc.token_form(broken, url=demo_server.url)
    form.on_connect(called.append)
    form.observe(lambda change: called.append("observer"), names="client")
    form.token.value = demo_server.token
    lines = form.status_text.splitlines()
    assert lines[0] == "Connected to the demo catalogue — 48 images visible"
    assert re.fullmatch(r"on_connect callback .*broken raised ValueError: the callback broke", lines[1])
    assert "#b00020" in form.status.value
    assert called == ["observer", form.client]
    assert isinstance(form.last_error, ValueError)


def test_a_failing_observer_of_client_is_shown_too(demo_server):
    form = sc.token_form(url=demo_server.url)

    def observer(change):
        raise RuntimeError("observer failed")

    form.observe(observer, names="client")
    form.token.value = demo_server.token
    assert form.client is not None
    assert "an observer of form.client raised RuntimeError: observer failed" in form.status_text


def test_on_connect_can_be_removed(demo_server):
    called = []
    form = sc.token_form(called.append, url=demo_server.url)
    form.on_connect(called.append, remove=True)
    form.token.value = demo_server.token
    assert called == []


def test_each_connect_calls_on_connect_once(demo_server):
    called = []
    form = sc.token_form(called.append, url=demo_server.url)
    form.token.value = demo_server.token
    form.username.value = demo_server.username
    form.password.value = demo_server.password
    assert len(called) == 2 and called[0] is not called[1]


def test_the_form_displays_as_its_widget_with_a_one_line_text_fallback():
    form = sc.token_form()
    bundle = form._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == form.widget.model_id
    text = bundle["text/plain"]
    assert "\n" not in text and "VBox" not in text
    assert "SHAREDCLOUD_TOKEN" in text and "sc.connect(token=getpass())" in text
    assert repr(form) == text


def test_stable_css_classes_for_browser_tests():
    form = sc.token_form()
    assert "sc-token-form" in form.widget._dom_classes
    assert "sc-token-input" in form.token._dom_classes
    assert "sc-connect" in form.connect._dom_classes
    assert "sc-status" in form.status._dom_classes
    assert isinstance(form.token, ipywidgets.Password)
    assert form.token.continuous_update is False


@pytest.mark.parametrize(
    ("url", "count", "expected"),
    [
        ("https://sharedcloud.io", 42, "Connected to sharedcloud.io — 42 images visible"),
        ("https://api.example.org:8443", 1, "Connected to api.example.org:8443 — 1 image visible"),
        ("https://sharedcloud.io", 10000, "Connected to sharedcloud.io — 10,000 images visible"),
    ],
)
def test_connected_message_names_the_host(url, count, expected):
    assert scw.connected_message(sc.Client("my-api-token", url=url), count) == expected


def test_importing_the_widgets_module_does_not_load_ipywidgets():
    code = "import sys, sharedcloud_nb.widgets; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# -- the image picker ------------------------------------------------------------------------------


def test_picker_lists_every_image_with_distinguishable_labels(client):
    picker = sc.image_picker(client)
    assert picker.count_text == "48 of 48 images"
    options = picker.select.options
    assert len(options) == 48 and picker.value is None and picker.select.value is None
    labels = [label for label, _ in options]
    assert len(set(labels)) == 48
    # The plots' labels: the name, then as much of runtime, tag and uuid as tells the image apart.
    assert "web-crawling (python36, latest, 24b310f8)" in labels
    assert "web-crawling (python36, latest, 2413a0f8)" in labels
    assert "nlp (python36)" in labels and "xgboost-gpu" in labels
    frame = client.images()
    assert {value for _, value in options} == set(frame.index)
    assert {value: label for label, value in options} == sc.plots.image_labels(frame).to_dict()
    assert labels == sorted(labels, key=str.lower)
    assert picker.select.rows == 10


def _expected_matches(frame: pd.DataFrame, query: str) -> set[str]:
    keep = pd.Series(True, index=frame.index)
    for word in query.lower().split():
        hit = frame.index.str.startswith(word)
        for column in ("name", "runtime", "tag", "registry_path", "description"):
            hit |= frame[column].astype(str).str.lower().str.contains(word, regex=False).fillna(False).to_numpy()
        keep &= hit
    return set(frame.index[keep.to_numpy()])


@pytest.mark.parametrize(
    "query",
    ["tensorflow", "TensorFlow", "node10", "sharedcloud/pytorch-gpu", "scrapy", "web python36", "24b310f8",
     "24b3", "gpu 1.8", "  pytorch   0.4  "],
)  # fmt: skip
def test_typing_filters_by_name_runtime_registry_path_description_and_uuid_prefix(client, query):
    picker = sc.image_picker(client)
    frame = client.images()
    picker.search.value = query
    expected = _expected_matches(frame, query)
    assert expected  # every query of this table matches something
    assert {value for _, value in picker.select.options} == expected
    assert picker.count_text == f"{len(expected)} of 48 images"


def test_a_search_matches_uuid_prefixes_only_and_can_match_nothing(client):
    picker = sc.image_picker(client)
    picker.search.value = "1405-4928"  # the middle of KNOWN's uuid
    assert picker.select.options == () and picker.count_text == "0 of 48 images"
    picker.search.value = "24B310F8-1405"
    assert [value for _, value in picker.select.options] == [KNOWN]
    assert picker.count_text == "1 of 48 images"


def test_picking_in_the_list_shows_a_fresh_card(fresh_server):
    picked = []
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    picker = sc.image_picker(client, on_pick=picked.append)
    fresh_server.clear_requests()
    picker.select.value = KNOWN  # a click on its row
    assert picker.value == KNOWN
    assert [r.path for r in fresh_server.requests] == [f"/api/v1/images/{KNOWN}/"]
    text = picker.card_text
    for line in (
        f"UUID:          {KNOWN}",
        "Name:          web-crawling",
        "Runtime:       python36",
        "Registry path: sharedcloud/web-crawling-python36:latest",
        "GPU:           no",
        "Installations: 3",
        "Server time:   5 Oct 2018 16:45:36 UTC",
    ):
        assert line in text.splitlines()
    assert re.search(r"^Created: +\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d UTC$", text, re.M)
    assert re.search(r"^Age: +created \d+ \w+ before the server time$", text, re.M)
    assert "Python3.6 and web crawling" in text
    assert "web-crawling" in picker.card.value and "<table" in picker.card.value
    assert picker.image.name == KNOWN and picker.image["name"] == "web-crawling"
    assert picker.image["created_at"].tzinfo is not None  # typed
    assert len(picked) == 1 and picked[0] is picker.image


def test_the_card_reads_the_server_not_the_list(fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    picker = sc.image_picker(client)
    record = dict(next(r for r in fresh_server.images if r["uuid"] == KNOWN), num_installations=999)
    fresh_server.add_fault(lambda request: Response(200, record) if KNOWN in request.path else None)
    picker.value = KNOWN
    assert "Installations: 999" in picker.card_text


def test_ages_are_measured_against_the_server_time():
    record = {
        "uuid": KNOWN, "name": "x", "description": "", "runtime": "python36", "tag": "latest",
        "requires_gpu": True, "num_installations": 1234, "registry_path": "a/b:latest",
        "created_at": "14-09-2018 16:45:36", "updated_at": "03-10-2018 10:00:00",
        "current_server_time": "05-10-2018 16:45:36", "color": "blue",
    }  # fmt: skip
    picker = sc.image_picker(sc.images_frame([record]))
    picker.value = KNOWN
    lines = picker.card_text.splitlines()
    assert "Age:           created 3 weeks before the server time" in lines
    assert "Last update:   updated 2 days before the server time" in lines
    assert "GPU:           yes" in lines and "Installations: 1,234" in lines
    assert "Created:       14 Sep 2018 16:45:36 UTC" in lines
    assert "Description:   (empty)" in lines
    assert "color:         blue" in lines  # a field the API added later


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (pd.Timedelta(seconds=1), "1 second"),
        (pd.Timedelta(seconds=90), "90 seconds"),
        (pd.Timedelta(minutes=5), "5 minutes"),
        (pd.Timedelta(hours=36), "36 hours"),
        (pd.Timedelta(days=13), "13 days"),
        (pd.Timedelta(days=23), "3 weeks"),
        (pd.Timedelta(days=75), "2 months"),
        (pd.Timedelta(days=478), "1 year"),
        (pd.Timedelta(days=-3), "3 days"),
    ],
)
def test_describe_delta(delta, words):
    assert scw.describe_delta(delta) == words


def test_setting_value_selects_the_image_even_when_the_search_hides_it(client):
    picker = sc.image_picker(client)
    picker.search.value = "tensorflow"
    picker.value = KNOWN.upper()  # any spelling of the uuid
    assert picker.value == KNOWN
    assert picker.search.value == "" and picker.select.value == KNOWN
    assert picker.count_text == "48 of 48 images"
    assert picker.card_text.startswith(f"web-crawling · {KNOWN}")
    picker.search.value = "tensorflow"  # filtering away the pick keeps the pick and its card
    assert picker.value == KNOWN and picker.select.value is None and picker.image is not None
    picker.value = None
    assert picker.image is None and picker.card_text == "" and "Pick an image" in picker.card.value


def test_value_is_an_observable_trait_and_refuses_what_is_not_a_uuid(client):
    picker = sc.image_picker(client)
    seen = []
    picker.observe(lambda change: seen.append(change["new"]), names="value")
    picker.select.value = TWIN
    assert seen == [TWIN]
    with pytest.raises(traitlets.TraitError, match="Not a valid uuid"):
        picker.value = "web-crawling"
    assert picker.value == TWIN


def test_filtering_does_not_pick_anything(fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    picker = sc.image_picker(client)
    fresh_server.clear_requests()
    for query in ("t", "te", "ten", "tensorflow-gpu", ""):
        picker.search.value = query
    assert picker.value is None and fresh_server.requests == []


def test_a_404_says_the_image_no_longer_exists(fresh_server):
    picked = []
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    picker = sc.image_picker(client, on_pick=picked.append)
    fresh_server.fail_next(1, 404, {"detail": "Not found."})
    picker.value = KNOWN
    assert "This image no longer exists on the server" in picker.card_text
    assert "The details above are from the list loaded earlier." in picker.card_text
    assert "Name:          web-crawling" in picker.card_text  # what the list said
    assert picker.image is None and picked == []
    assert isinstance(picker.last_error, sc.NotFoundError)


def test_a_listed_image_unknown_to_the_server_gives_a_404_card(client):
    frame = client.images()
    ghost = frame.loc[[KNOWN]].rename(index={KNOWN: "00000000-0000-4000-8000-000000000000"})
    ghost["name"] = "ghost"
    picker = sc.image_picker(pd.concat([frame, ghost]), client=client)
    assert picker.count_text == "49 of 49 images"
    picker.search.value = "ghost"
    picker.select.value = picker.select.options[0][1]
    assert picker.card_text.startswith("ghost · 00000000-0000-4000-8000-000000000000")
    assert "no longer exists on the server" in picker.card_text


def test_other_errors_show_their_message_in_the_card(fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url, retries=0)
    picker = sc.image_picker(client)
    fresh_server.fail_next(1, 500, {"detail": "Database unavailable."})
    picker.value = KNOWN
    assert "Could not read this image from the server:" in picker.card_text
    assert "Database unavailable." in picker.card_text
    assert "#b00020" in picker.card.value and picker.image is None
    picker.value = TWIN  # the next pick works again
    assert picker.image.name == TWIN and "Could not read" not in picker.card_text


def test_a_frame_without_client_makes_no_request(fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    frame = client.images()
    fresh_server.clear_requests()
    picked = []
    picker = sc.image_picker(frame, on_pick=picked.append)
    picker.value = KNOWN
    assert fresh_server.requests == []
    assert "Name:          web-crawling" in picker.card_text and "From the list" in picker.card_text
    assert picker.image.name == KNOWN and picked[0] is picker.image
    picker.value = "00000000-0000-4000-8000-000000000000"
    assert "it is not in this list" in picker.card_text and picker.image is None


def test_the_card_escapes_what_the_server_sent():
    record = {
        "uuid": KNOWN, "name": "<script>alert('x')</script>", "description": "a & b <b>bold</b>",
        "runtime": "python36", "tag": "latest", "requires_gpu": False, "num_installations": 1,
        "registry_path": "a/b:latest", "created_at": "05-10-2018 16:45:36",
        "updated_at": "05-10-2018 16:45:36", "current_server_time": "05-10-2018 16:45:36",
    }  # fmt: skip
    picker = sc.image_picker(sc.images_frame([record]))
    picker.value = KNOWN
    assert "<script>" not in picker.card.value and "<b>bold" not in picker.card.value
    assert html.escape("<script>alert('x')</script>") in picker.card.value
    assert "a &amp; b &lt;b&gt;bold&lt;/b&gt;" in picker.card.value
    assert picker.select.options[0][0] == "<script>alert('x')</script>"  # labels are text


def test_on_pick_errors_show_in_the_status_area(client):
    def broken(series):
        raise KeyError("no such column")

    picker = sc.image_picker(client, on_pick=broken)
    picker.value = KNOWN
    assert picker.image is not None  # the card and the pick are fine
    assert re.search(r"on_pick callback .*broken raised KeyError: 'no such column'", html.unescape(picker.status.value))
    assert "#b00020" in picker.status.value
    picker.on_pick(broken, remove=True)
    picker.value = TWIN
    assert picker.status.value == ""


def test_the_picker_displays_as_its_widget_with_a_text_fallback(client):
    picker = sc.image_picker(client)
    bundle = picker._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == picker.widget.model_id
    assert bundle["text/plain"] == (
        "Sharedcloud image picker over 48 images (widgets cannot show here): "
        "search with picker.search('words'), pick with picker.value = '<uuid>', then read picker.image."
    )
    for widget, css in (
        (picker.search, "sc-picker-search"),
        (picker.select, "sc-picker-list"),
        (picker.count_label, "sc-picker-count"),
        (picker.card, "sc-picker-card"),
    ):
        assert css in widget._dom_classes


def test_the_picker_refuses_other_sources():
    with pytest.raises(TypeError, match="takes a Client or an images DataFrame"):
        sc.image_picker([{"uuid": KNOWN}])


def test_an_empty_frame():
    picker = sc.image_picker(sc.images_frame([]))
    assert picker.count_text == "0 of 0 images" and picker.select.options == ()


def test_duplicate_uuids_are_listed_once(client):
    frame = client.images()
    picker = sc.image_picker(pd.concat([frame, frame.loc[[KNOWN]]]))
    assert picker.count_text == "48 of 48 images"


def test_ten_thousand_images_show_a_few_hundred_at_a_time():
    with DemoServer(size=10_000) as server:
        client = sc.Client(server.token, url=server.url)
        picker = sc.image_picker(client)
        assert len(picker.select.options) == scw.PICKER_LIMIT == 200
        assert picker.count_text == "10,000 of 10,000 images — the first 200 shown, … and 9,800 more (type to narrow)"
        frame = client.images()
        last = picker.index.uuids[-1]  # far beyond the first 200
        picker.value = last
        assert picker.select.value == last and picker.select.options[0][1] == last
        assert len(picker.select.options) == 201
        assert picker.card_text.startswith(f"{frame.loc[last, 'name']} · {last}")
        picker.search.value = last[:8]
        assert [value for _, value in picker.select.options] == [last]


# -- the widgets notebook ------------------------------------------------------------------------


def test_the_widgets_notebook_holds_no_secret_nor_saved_state_with_one():
    from pathlib import Path

    from sharedcloud_nb.demo import DEMO_PASSWORD, DEMO_TOKEN

    path = Path(__file__).resolve().parents[1] / "notebooks" / "03-widgets.ipynb"
    text = path.read_text(encoding="utf-8")
    assert DEMO_TOKEN not in text and DEMO_PASSWORD not in text
    assert not re.search(r"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])", text)
    notebook = json.loads(text)
    sources = "\n".join("".join(cell["source"]) for cell in notebook["cells"])
    assert "sc.demo.DEMO_TOKEN" in sources  # read from the demo module, as a user pastes theirs


# -- search: at once when asked, after a pause when typed in a large catalogue ----------------------


@pytest.fixture
def demo_frame():
    from sharedcloud_nb.demo.catalogue import default_catalogue

    return sc.images_frame(default_catalogue())


def test_calling_the_search_box_applies_a_query_at_once(demo_frame):
    picker = sc.image_picker(demo_frame)
    picker.search("tensorflow gpu")
    assert picker.search.value == "tensorflow gpu"
    expected = picker.index.search("tensorflow gpu")
    assert picker.count_text == picker.index.count_text(expected)
    assert [value for _, value in picker.select.options] == [picker.index.uuids[i] for i in expected.shown]


def test_typing_in_a_large_catalogue_filters_once_it_pauses(demo_frame, monkeypatch):
    import asyncio

    from sharedcloud_nb import _searchbox

    monkeypatch.setattr(_searchbox, "DEBOUNCE_FROM", 0)  # the demo catalogue counts as large
    monkeypatch.setattr(_searchbox, "DEBOUNCE_SECONDS", 0.05)
    picker = sc.image_picker(demo_frame)
    refreshes = []
    original = picker._refresh
    monkeypatch.setattr(picker, "_refresh", lambda: (refreshes.append(picker.search.value), original())[1])
    picker._typed.action = picker._refresh

    async def type_slowly_then_wait():
        for text in ("t", "te", "ten", "tens"):
            picker.search.value = text
            await asyncio.sleep(0.01)
        assert refreshes == []  # still typing
        await asyncio.sleep(0.2)

    asyncio.run(type_slowly_then_wait())
    assert refreshes == ["tens"]
    assert picker.count_text == picker.index.count_text(picker.index.search("tens"))
    picker.search("gpu")  # asked for: at once, with no wait
    assert refreshes == ["tens", "gpu"]


def test_the_search_finds_what_a_plain_python_search_finds(demo_frame):
    from sharedcloud_nb.search import SEARCHED

    frame = demo_frame.copy()
    frame.loc[frame.index[0], "name"] = "İzmir ΟΔΟΣ"
    frame.loc[frame.index[1], "description"] = None
    picker = sc.image_picker(frame)
    index = picker.index
    rows = frame.iloc[index.rows]

    def folded(text):  # case folded, compatibility-decomposed, without accents, one string at a time
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        return "".join(c for c in text if unicodedata.category(c) != "Mn")

    def plain(query):
        words = folded(query).split()
        texts = [
            "\x1f".join("" if pd.isna(row[c]) else folded(str(row[c])) for c in SEARCHED) for _, row in rows.iterrows()
        ]
        uuids = [folded(str(u)) for u in rows.index]
        return [all(w in t or u.startswith(w) for w in words) for t, u in zip(texts, uuids, strict=True)]

    queries = ("tensorflow", "GPU python36", "οδος", "i̇zmir", "izmir", "IZMIR", "24b3", "latest nothing", "")
    for query in (*queries, "sharedcloud/"):
        assert list(index.search(query).mask) == plain(query), query
