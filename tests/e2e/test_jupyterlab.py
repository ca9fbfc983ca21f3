"""The notebooks and widgets as an analyst sees them: JupyterLab in headless Chromium.

Python tests of the widgets cannot see what the front end does with them: a version mismatch
between ipywidgets and the JupyterLab extension shows ``VBox(children=...)`` as text, and an
error in a callback vanishes. These tests open the notebooks in a real JupyterLab, run them,
type and click in the widgets, and read what the page shows. Every step leaves a screenshot in
``build/e2e/``.

The tests of this module share one JupyterLab and one browser tab, and run in file order: the
token typed into the form is what the save test then looks for in the saved notebook.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime
from typing import Any

import pytest

from sharedcloud_nb.demo import DEMO_TOKEN, default_catalogue

pytestmark = pytest.mark.e2e

WIDGETS = "03-widgets.ipynb"
EXPLORE = "02-explore-images.ipynb"

#: What the picker test types, and the image it then picks (one of the two named "nlp").
QUERY = "nlp"
PICK = next(r for r in default_catalogue() if r["name"] == "nlp" and r["runtime"] == "python36")
#: What an ipywidgets model prints when the front end cannot render it (the mismatch this catches).
WIDGET_AS_TEXT = re.compile(r"\b[HV]Box\(children=|Password\(|Button\(description=")
FORTY_HEX = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{40}(?![0-9a-fA-F])")

# Everything the front notebook's outputs show, one entry per output: its mime type and text.
_OUTPUTS = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    return [...panel.querySelectorAll('.jp-OutputArea-output')].map((o) => ({
        mime: o.getAttribute('data-mime-type') || '',
        text: o.innerText || o.textContent,  // innerText is empty while JupyterLab has not rendered the cell (scrolled away)
    }));
}"""


def _card_time(served: str) -> str:
    """A served date ("08-11-2017 19:22:10", day first) as the card writes it ("8 Nov 2017 19:22:10 UTC")."""
    stamp = datetime.strptime(served, "%d-%m-%Y %H:%M:%S")
    return f"{stamp.day} {stamp:%b %Y %H:%M:%S} UTC"


def _matches(query: str) -> int:
    """How many demo images the picker's search should keep for a one-word query."""
    fields = ("name", "runtime", "tag", "registry_path", "description")
    return sum(
        any(query in (record.get(f) or "").lower() for f in fields) or record["uuid"].startswith(query)
        for record in default_catalogue()
    )


def _expect_text(locator: Any, pattern: str | re.Pattern[str]) -> None:
    from playwright.sync_api import expect

    expect(locator).to_contain_text(pattern)  # waits (the browser fixture sets how long)


def _check_outputs(page: Any) -> list[dict]:
    """The outputs of the front notebook, after checking that none is an error or a stray warning."""
    outputs = page.evaluate(_OUTPUTS)
    shown = "\n".join(o["text"] for o in outputs)
    assert "Traceback (most recent call last)" not in shown
    assert "Error displaying widget" not in shown
    stderr = [o["text"] for o in outputs if o["mime"] == "application/vnd.jupyter.stderr"]
    # The one expected line: connecting to the demo says so, once, as a DemoDataWarning.
    stray = [text for text in stderr if "DemoDataWarning: " not in text]
    assert stray == [], f"the notebook wrote to stderr in JupyterLab: {stray}"
    assert len(stderr) - len(stray) <= 1, f"the demo was announced more than once: {stderr}"
    return outputs


@pytest.fixture(scope="module")
def typed_secrets() -> list[str]:
    """The tokens typed into the browser so far (the save test looks for them on disk)."""
    return []


@pytest.fixture(scope="module")
def widgets_notebook(jupyter_lab: Any, page: Any) -> Any:
    """03-widgets.ipynb open in JupyterLab, all cells run (outputs cleared first)."""
    panel = jupyter_lab.open_notebook(page, WIDGETS)
    jupyter_lab.run_all(page)
    return panel


def test_widgets_notebook_runs_and_shows_real_widgets(jupyter_lab, page, widgets_notebook):
    outputs = _check_outputs(page)
    # Rendered by the widget manager: DOM elements with the widgets' classes, not their repr.
    shown = "\n---\n".join(o["text"] for o in outputs)
    assert widgets_notebook.locator(".sc-token-form").count() == 1, f"no token form rendered; the outputs:\n{shown}"
    assert widgets_notebook.locator(".sc-token-input input[type=password]").count() == 1
    assert widgets_notebook.locator(".sc-image-picker").count() == 1
    assert widgets_notebook.locator(".sc-picker-list select").count() == 1
    as_text = [o["text"] for o in outputs if WIDGET_AS_TEXT.search(o["text"])]
    assert as_text == [], f"widgets shown as text (front end and ipywidgets do not match?): {as_text}"
    # The cells that drove the form in code left it connected.
    _expect_text(widgets_notebook.locator(".sc-status"), "Connected to the demo catalogue")
    assert page.errors == [], "JavaScript errors in the page"
    jupyter_lab.screenshot(page, "01-widgets-notebook-run", scroll_to=widgets_notebook.locator(".sc-token-form"))


def test_token_form_refuses_a_wrong_token_then_connects(jupyter_lab, page, widgets_notebook, typed_secrets):
    form = widgets_notebook.locator(".sc-token-form")
    field = form.locator(".sc-token-input input[type=password]")
    connect = form.locator("button.sc-connect")
    status = form.locator(".sc-status")
    form.scroll_into_view_if_needed()

    wrong = secrets.token_hex(20)  # looks like a real token, is nobody's
    typed_secrets.append(wrong)
    field.fill(wrong)
    connect.click()
    _expect_text(status, "Invalid token.")  # the server's own words
    _expect_text(status, "Could not connect")
    assert field.input_value() == ""
    jupyter_lab.screenshot(page, "02-token-form-wrong-token", form)

    # The demo token is typed into the browser only: it is in no notebook and no file.
    typed_secrets.append(DEMO_TOKEN)
    field.fill(DEMO_TOKEN)
    connect.click()
    _expect_text(status, re.compile(r"Connected to the demo catalogue — \d+ images visible"))
    assert "Could not connect" not in status.inner_text()
    assert field.input_value() == ""
    assert DEMO_TOKEN not in form.inner_text()
    jupyter_lab.screenshot(page, "03-token-form-connected", form)


def test_picker_search_narrows_the_list_and_a_pick_shows_its_card(jupyter_lab, page, widgets_notebook):
    picker = widgets_notebook.locator(".sc-image-picker")
    search = picker.locator(".sc-picker-search input")
    count = picker.locator(".sc-picker-count")
    options = picker.locator(".sc-picker-list select option")
    card = picker.locator(".sc-picker-card")
    picker.scroll_into_view_if_needed()
    total = len(default_catalogue())

    before = count.inner_text()
    search.fill("")
    _expect_text(count, f"{total} of {total} images")
    assert options.count() == total
    search.press_sequentially(QUERY, delay=50)  # as typed: the list follows every keystroke
    expected = _matches(QUERY)
    _expect_text(count, f"{expected} of {total} images")
    assert count.inner_text() not in (before, f"{total} of {total} images")
    # ipywidgets writes the spaces of an option as no-break spaces, so that none collapses.
    shown = options.all_inner_texts()
    labels = [text.replace("\xa0", " ") for text in shown]
    assert len(labels) == expected and all(QUERY in label.lower() for label in labels), labels

    # The list names images as the plots do; the two "nlp" images differ by runtime.
    label = f"{PICK['name']} ({PICK['runtime']})"
    assert label in labels, labels
    picker.locator(".sc-picker-list select").select_option(label=shown[labels.index(label)])
    _expect_text(card, f"{PICK['name']} · {PICK['uuid']}")
    # Dates are served day first ("08-11-2017"); the card spells the month out, so 8 November.
    _expect_text(card, _card_time(PICK["created_at"]))
    _expect_text(card, _card_time(PICK["updated_at"]))
    rows = dict(
        (row.locator("th").inner_text().strip(), row.locator("td").inner_text().strip())
        for row in card.locator("tr").all()
    )
    assert rows["Name"] == PICK["name"]
    assert rows["Runtime"] == PICK["runtime"]
    assert rows["Created"] == _card_time(PICK["created_at"])
    assert rows["Updated"] == _card_time(PICK["updated_at"])
    jupyter_lab.screenshot(page, "04-picker-detail-card", picker)


def test_saved_notebook_holds_no_token_nor_widget_state_with_it(jupyter_lab, page, widgets_notebook, typed_secrets):
    assert typed_secrets, "the token form test must run first (it types the tokens looked for here)"

    def check(saved_text: str) -> dict:
        for token in typed_secrets:
            assert token not in saved_text
        assert FORTY_HEX.findall(saved_text) == []
        notebook = json.loads(saved_text)
        state = notebook["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        for model in state.get("state", {}).values():
            if model["model_name"] == "PasswordModel":
                assert model["state"].get("value", "") == "", model
        return state

    # As saved with JupyterLab's defaults (widget state is not written).
    check(jupyter_lab.save(page, WIDGETS))

    # An analyst who turned on Settings > Save Widget State Automatically: the live state of this
    # session is written (the card of the image just picked), and still holds no token.
    jupyter_lab.menu(page, "Settings", "Save Widget State Automatically")
    state = check(jupyter_lab.save(page, WIDGETS))
    cards = [
        m["state"].get("value", "")
        for m in state.get("state", {}).values()
        if "sc-picker-card" in m["state"].get("_dom_classes", ())
    ]
    assert any(PICK["uuid"] in card for card in cards), "the saved widget state is not this session's"
    jupyter_lab.screenshot(page, "05-widgets-notebook-saved", scroll_to=widgets_notebook.locator(".sc-image-picker"))


def test_explore_notebook_draws_its_plots_as_images(jupyter_lab, page):
    expected = sum(
        "image/png" in output.get("data", {})
        for cell in json.loads((jupyter_lab.root / EXPLORE).read_text(encoding="utf-8"))["cells"]
        for output in cell.get("outputs", ())
    )
    assert expected > 0, f"{EXPLORE} is committed without plots"
    # Opened from the file browser, as a user would, in the same JupyterLab.
    page.locator(".jp-DirListing-item", has_text=EXPLORE).dblclick()
    page.locator(f".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current:has-text('{EXPLORE}')").wait_for()
    jupyter_lab.wait_for_kernel(page)
    jupyter_lab.run_all(page)
    _check_outputs(page)
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    images = panel.locator(".jp-OutputArea-output.jp-RenderedImage img")
    assert images.count() == expected
    sizes = images.evaluate_all("(imgs) => imgs.map((i) => [i.naturalWidth, i.naturalHeight])")
    assert all(width > 100 and height > 100 for width, height in sizes), sizes
    jupyter_lab.screenshot(page, "06-explore-notebook-run", scroll_to=images.first)
    jupyter_lab.screenshot(page, "07-plot", images.first)
