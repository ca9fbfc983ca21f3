"""The documentation site as a reader sees it: headless Chromium, from the landing page on.

The site is the one ``make docs`` builds (the ``docs_site`` fixture builds it once per session, into
a temporary folder), served by the standard library's http.server on 127.0.0.1 and a free port.
The tests follow the navigation as a reader would: from the landing page to each notebook and to
the reference of ``Client.images``, and check that the plots load (a real image size) and the
tables have rows. Every page is served from the site itself: a request to any other address fails
the module. Screenshots land in ``build/e2e/``.

The tests of this module share one browser tab and run in file order.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import nbformat
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SCREENSHOTS = ROOT / "build" / "e2e"

# Each image of the page's article, once loaded (or failed): its address and natural size.
_IMAGE_SIZES = """async () => {
    const images = [...document.querySelectorAll('article img')];
    for (const image of images) {
        image.loading = 'eager';
        try { await image.decode(); } catch (error) { /* a broken image keeps naturalWidth 0 */ }
    }
    return images.map((i) => ({src: i.getAttribute('src'), width: i.naturalWidth, height: i.naturalHeight}));
}"""

# Each table of the page's article: how many body rows it has.
_TABLE_ROWS = """() => [...document.querySelectorAll('article table.dataframe')].map(
    (t) => t.querySelectorAll('tbody tr').length)"""


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site's folder without logging every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _outputs(notebook: Path, kind: str, holding: str = "") -> int:
    """How many outputs of the notebook have data of ``kind`` (whose text holds ``holding``)."""
    nb = nbformat.read(notebook, as_version=4)
    return sum(
        kind in output.get("data", {}) and holding in "".join(output["data"][kind])
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )


def _title(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    return next(line[2:].strip() for line in nb.cells[0].source.splitlines() if line.startswith("# "))


@pytest.fixture(scope="module")
def site(docs_site: Path) -> Iterator[str]:
    """The built site over HTTP on 127.0.0.1 (a free port), stopped after the module."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(docs_site)))
    thread = threading.Thread(target=server.serve_forever, name="docs-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def tab(browser_context: Any, site: str) -> Iterator[Any]:
    """One tab for the module; it records script errors and every request that leaves the site."""
    page = browser_context.new_page()
    page.errors = []
    page.foreign = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith((site + "/", "data:", "blob:")) else page.foreign.append(request.url)
        ),
    )
    try:
        yield page
    finally:
        page.close()


def _screenshot(page: Any, name: str, target: Any = None) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if target is not None:
        target.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"docs-{name}.png"))


def _click(page: Any, scope: str, name: str) -> None:
    """Click the visible link named ``name`` (exactly) inside the ``scope`` selector."""
    link = page.locator(f"{scope} a:visible").filter(has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")).first
    link.click()
    page.wait_for_load_state("load")


def test_the_landing_page_shows_the_quick_start(tab, site):
    tab.goto(f"{site}/index.html")
    assert tab.locator("article h1").first.inner_text().strip().startswith("sharedcloud_nb")
    quick = tab.locator("article section#quick-start")
    assert "client = sc.connect()" in quick.inner_text()
    _screenshot(tab, "index")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_is_reached_through_the_navigation_with_its_plots_and_tables(tab, site, notebook):
    tab.goto(f"{site}/index.html")
    _click(tab, ".bd-header", "Example notebooks")
    assert tab.url.endswith("/notebooks/index.html")
    title = _title(notebook)
    _click(tab, "article", title)
    assert tab.url.endswith(f"/notebooks/{notebook.stem}.html")
    assert tab.locator("article h1").first.inner_text().strip().rstrip("#").strip() == title

    images = tab.evaluate(_IMAGE_SIZES)
    assert len(images) == _outputs(notebook, "image/png")
    broken = [image["src"] for image in images if image["width"] == 0 or image["height"] == 0]
    assert broken == [], f"plots that did not load: {broken}"
    rows = tab.evaluate(_TABLE_ROWS)
    assert len(rows) == _outputs(notebook, "text/html", 'class="dataframe')  # tables, not the client's card
    assert all(count > 0 for count in rows), rows

    first = tab.locator("article img").first if images else tab.locator("article table.dataframe").first
    _screenshot(tab, notebook.stem, first if (images or rows) else None)


def test_the_reference_of_client_images_is_reached_through_the_navigation(tab, site):
    tab.goto(f"{site}/index.html")
    _click(tab, ".bd-header", "API reference")
    assert tab.url.endswith("/api/index.html")
    _click(tab, "article", "The client")
    assert tab.url.endswith("/api/client.html")
    # the page's own table of contents ("On this page") lists the methods
    _click(tab, ".bd-sidebar-secondary", "Client.images()")
    assert tab.url.endswith("/api/client.html#sharedcloud_nb.Client.images")
    entry = tab.locator("dt#sharedcloud_nb\\.Client\\.images")
    entry.wait_for(state="visible")
    assert entry.is_visible()
    signature = entry.inner_text()
    assert "images(" in signature and "DataFrame" in signature
    description = entry.locator("xpath=following-sibling::dd[1]").inner_text()
    assert description.strip()
    _screenshot(tab, "api-client-images")


def test_the_site_loaded_nothing_from_the_network_and_raised_no_script_error(tab):
    assert tab.foreign == []
    assert tab.errors == []
