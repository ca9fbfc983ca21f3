"""The explorer as an analyst uses it, in headless Chromium: in JupyterLab, and as the Voilà app.

In both, on the demo catalogue: type a search and see the count and the table change; pick a
runtime and see the plot change; sort by installations with the "Sort by" control; select a row
and see the card. In the app, also: no code and no traceback is shown, and a wrong token in the
app's form shows the server's own message. Every step leaves a screenshot in ``build/e2e/`` (``explorer-lab-*``,
``explorer-app-*``).

The app is started as ``make app`` starts it (Voilà on 127.0.0.1, sources stripped, tracebacks
hidden, ``SHAREDCLOUD_DEMO=1``), with ``SHAREDCLOUD_URL`` pointing at a demo server of this test,
so that the app's token form talks to a real server.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sharedcloud_nb.demo import DemoServer, default_catalogue

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "05-explorer.ipynb"
SCREENSHOTS = ROOT / "build" / "e2e"
QUERY = "tensorflow"
RUNTIME = "python27"
FIELDS = ("name", "runtime", "tag", "registry_path", "description")
APP_START_TIMEOUT = 90.0
#: The installations column of the table (0 is the uuid).
INSTALLS = 5


def _matching(query: str, runtime: str | None = None) -> list[dict]:
    """The demo images the search keeps (every word in a field, or a uuid prefix), and the runtime."""
    words = query.lower().split()
    return [
        r
        for r in default_catalogue()
        if all(any(w in (r.get(f) or "").lower() for f in FIELDS) or r["uuid"].startswith(w) for w in words)
        and (runtime is None or r["runtime"] == runtime)
    ]


def _shot(page: Any, name: str, target: Any = None) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if target is not None:
        target.scroll_into_view_if_needed()
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    (target if target is not None else page).screenshot(path=str(path))
    return path


def _expect_text(locator: Any, text: Any) -> None:
    from playwright.sync_api import expect

    expect(locator).to_contain_text(text)


def _installs(view: Any) -> list[int]:
    cells = view.locator(".sc-explorer-table tbody tr").all()
    return [int(row.locator("td").nth(INSTALLS).inner_text().replace(",", "")) for row in cells]


def _walk_through(page: Any, view: Any, prefix: str) -> None:
    """The analyst's steps, the same in JupyterLab and in the app; a screenshot after each."""
    from playwright.sync_api import expect

    total = len(default_catalogue())
    count = view.locator(".sc-explorer-count")
    table = view.locator(".sc-explorer-table")
    rows = table.locator("tbody tr")
    plot = view.locator("img.sc-explorer-plots")
    card = view.locator(".sc-explorer-card")
    view.scroll_into_view_if_needed()
    _expect_text(count, f"{total} of {total} images")  # it opens unfiltered
    expect(rows.first).to_be_visible()
    _shot(page, f"{prefix}-1-opened", view)

    # Type a search: the count and the table follow (after the pause in typing).
    _expect_text(table, f"of {total} entries")
    view.locator(".sc-explorer-search input").press_sequentially(QUERY, delay=60)
    found = _matching(QUERY)
    _expect_text(count, f"{len(found)} of {total} images")
    _expect_text(table, f"of {len(found)} entries")
    names = [row.locator("td").nth(1).inner_text() for row in rows.all()]
    assert names and all(QUERY in name for name in names), names
    _shot(page, f"{prefix}-2-search", view)

    # Pick a runtime: the count, and the plot, change.
    picture = plot.get_attribute("src")
    narrowed = _matching(QUERY, RUNTIME)
    view.locator(".sc-explorer-runtimes select").select_option(label=f"{RUNTIME} ({len(narrowed)})")
    _expect_text(count, f"{len(narrowed)} of {total} images")
    expect(plot).not_to_have_attribute("src", picture or "")
    _shot(page, f"{prefix}-3-runtime", view)

    # Sort with the "Sort by" control: every match is sorted in the kernel, and the header's arrow agrees.
    sort_by = view.locator(".sc-explorer-sort select")
    direction = view.locator(".sc-explorer-sort-direction")
    sort_by.select_option(label="created")
    expect(table.locator("thead th", has_text="created")).to_have_class(_has("dt-ordering-desc"))
    sort_by.select_option(label="installations")
    header = table.locator("thead th", has_text="installations")
    direction.get_by_role("button", name="ascending", exact=True).click()
    expect(header).to_have_class(_has("dt-ordering-asc"))
    values = _installs(view)
    assert values == sorted(values), values
    assert values[0] == min(r["num_installations"] for r in narrowed)
    direction.get_by_role("button", name="descending", exact=True).click()
    expect(header).to_have_class(_has("dt-ordering-desc"))
    values = _installs(view)
    assert values == sorted(values, reverse=True), values
    assert values[0] == max(r["num_installations"] for r in narrowed)
    _shot(page, f"{prefix}-4-sorted", view)

    # Select a row: its card.
    row = rows.nth(1)
    uuid = row.locator("td").first.inner_text().strip()
    record = next(r for r in default_catalogue() if r["uuid"] == uuid)
    row.click()
    _expect_text(card, f"{record['name']} · {uuid}")
    _expect_text(card, "Installations")
    _shot(page, f"{prefix}-5-card", view)


def _has(css_class: str) -> Any:
    import re

    return re.compile(rf"(^|\s){re.escape(css_class)}(\s|$)")


# -- JupyterLab ---------------------------------------------------------------------------------------


#: Tall enough for the whole explorer, so that each screenshot shows the plots and the card too.
VIEWPORT = {"width": 1400, "height": 1700}


def test_the_explorer_in_jupyterlab(jupyter_lab, page):
    page.set_viewport_size(VIEWPORT)
    panel = jupyter_lab.open_notebook(page, NOTEBOOK)
    jupyter_lab.run_all(page)
    view = panel.locator(".sc-explorer")
    assert view.count() == 1
    _walk_through(page, view, "explorer-lab")
    shown = panel.inner_text()
    assert "Traceback (most recent call last)" not in shown and "Error displaying widget" not in shown
    assert page.errors == [], "JavaScript errors in the page"


# -- the Voilà app --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def form_server() -> Iterator[DemoServer]:
    """The server the app's token form talks to (SHAREDCLOUD_URL)."""
    with DemoServer() as server:
        yield server


@pytest.fixture(scope="module")
def voila_app(
    chromium_executable: Path,
    form_server: DemoServer,
    tmp_path_factory: pytest.TempPathFactory,
    free_port: Callable[[], int],
    stop_server: Callable[[subprocess.Popen], None],
) -> Iterator[str]:
    """The app as make app serves it, on a free port; its url."""
    base = tmp_path_factory.mktemp("voila")
    root = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    home = base / "home"
    home.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SHAREDCLOUD_", "JUPYTER", "IPYTHON")) and name != "MPLBACKEND"
    }
    env.update(
        SHAREDCLOUD_DEMO="1",
        SHAREDCLOUD_URL=form_server.url,
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / ".local" / "share" / "jupyter" / "runtime"),
        IPYTHONDIR=str(home / ".ipython"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        JUPYTER_PATH=str(ROOT / "share" / "jupyter"),  # the app's own page, as make app serves it
    )
    port = free_port()
    log = base / "voila.log"
    command = [
        sys.executable,
        "-m",
        "voila",
        NOTEBOOK,
        "--template=sharedcloud",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--strip_sources=True",
        "--show_tracebacks=False",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + APP_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"voila exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"voila did not listen in {APP_START_TIMEOUT:.0f} s")
                time.sleep(0.25)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def app_page(browser_context: Any, voila_app: str) -> Iterator[Any]:
    tab = browser_context.new_page()
    tab.set_viewport_size(VIEWPORT)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.errors = errors
    tab.goto(voila_app, wait_until="domcontentloaded")
    tab.locator(".sc-explorer .sc-explorer-table tbody tr").first.wait_for(timeout=180_000)
    try:
        yield tab
    finally:
        tab.close()


def test_the_app_shows_the_explorer_and_no_code(app_page):
    text = app_page.locator("body").inner_text()
    for code in ("import sharedcloud_nb as sc", "view = sc.explorer()", "print(repr(view))", "view.selected = None"):
        assert code not in text, f"the app shows code: {code}"
    assert app_page.locator(".jp-InputArea-editor, .jp-CodeMirrorEditor").count() == 0
    assert "Traceback" not in text
    assert app_page.locator(".sc-explorer").count() == 1


def test_the_explorer_in_the_app(app_page):
    _walk_through(app_page, app_page.locator(".sc-explorer"), "explorer-app")
    assert app_page.errors == [], "JavaScript errors in the page"


def test_a_wrong_token_in_the_apps_form_shows_the_servers_message(app_page):
    box = app_page.locator(".sc-explorer-connect")
    box.get_by_text("Connect to your Sharedcloud account").click()
    field = box.locator(".sc-token-input input[type=password]")
    field.fill(secrets.token_hex(20))  # looks like a token, is nobody's
    field.press("Enter")
    status = box.locator(".sc-status")
    _expect_text(status, "Invalid token.")  # the server's own words
    _expect_text(status, "Could not connect")
    assert field.input_value() == ""
    total = len(default_catalogue())
    _expect_text(app_page.locator(".sc-explorer-count"), f"of {total} images")  # the demo stays
    _shot(app_page, "explorer-app-6-wrong-token", box)
