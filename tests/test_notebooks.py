"""The committed notebooks: no secret anywhere in them, a markdown introduction, explained nbval markers.

nbval checks what the notebooks *show*; these tests check what they *hold*. Each check is a plain
function returning its findings, run over every notebook in notebooks/, and run against planted
examples too, so that a check which silently stopped finding anything would fail.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from sharedcloud_nb.demo import DEMO_PASSWORD, DEMO_TOKEN

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
HEX40 = re.compile(r"[0-9a-fA-F]{40}")
# A token or password written into code: token="...", password='...', SHAREDCLOUD_TOKEN = "...",
# sc.login("user", "secret"). Reading one (getpass(), os.environ[...]) is fine.
LITERAL_SECRET = re.compile(
    r"""(?:\b(?:token|password)\s*=\s*[rbuf]*["'][^"']+["'])"""
    r"""|(?:SHAREDCLOUD_TOKEN["']?\s*[\]]?\s*=\s*[rbuf]*["'][^"']+["'])"""
    r"""|(?:\blogin\(\s*[^,()]+,\s*[rbuf]*["'][^"']+["'])""",
    re.IGNORECASE,
)
# nbval's markers: it recognises a marker only when the comment is the marker alone.
MARKERS = {
    "NBVAL_IGNORE_OUTPUT",
    "NBVAL_SKIP",
    "NBVAL_CHECK_OUTPUT",
    "NBVAL_RAISES_EXCEPTION",
    "PYTEST_VALIDATE_IGNORE_OUTPUT",
}
NEEDS_REASON = {"NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "PYTEST_VALIDATE_IGNORE_OUTPUT"}
TAGS_NEEDING_REASON = {"nbval-ignore-output", "nbval-skip", "pytest-validate-ignore-output"}


# -- the checks ----------------------------------------------------------------------------------


def secrets_in_text(text: str) -> list[str]:
    """The demo token, the demo password, or any run of 40 hex digits, anywhere in the file."""
    found = []
    if DEMO_TOKEN in text:
        found.append("the demo token")
    if DEMO_PASSWORD in text:
        found.append("the demo password")
    found += [f"a 40-hex string at character {m.start()}" for m in HEX40.finditer(text)]
    return found


def _widget_states(nb: dict[str, Any]) -> list[tuple[str, Any]]:
    states = []
    widgets = nb.get("metadata", {}).get("widgets")
    if widgets:
        states.append(("metadata.widgets", widgets))
    for number, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []) or []:
            data = output.get("data", {}) or {}
            if WIDGET_STATE in data:
                states.append((f"cell {number} output {WIDGET_STATE}", data[WIDGET_STATE]))
    return states


def _password_values(state: Any) -> list[str]:
    """Values of password fields in a saved widget state (any non-empty one is a leak)."""
    found = []
    if isinstance(state, dict):
        model = state.get("model_name") or state.get("_model_name") or ""
        inner = state.get("state", {})
        if isinstance(inner, dict):
            model = inner.get("_model_name", model)
            if model == "PasswordModel" and inner.get("value"):
                found.append("a filled password field")
        for value in state.values():
            found += _password_values(value)
    elif isinstance(state, list):
        for value in state:
            found += _password_values(value)
    return found


def secrets_in_widget_state(nb: dict[str, Any]) -> list[str]:
    """Saved widget state holding a token, a password or a filled password field."""
    found = []
    for where, state in _widget_states(nb):
        text = json.dumps(state, ensure_ascii=False)
        found += [f"{where}: {what}" for what in secrets_in_text(text)]
        found += [f"{where}: {what}" for what in _password_values(state)]
    return found


def secrets_in_code(nb: dict[str, Any]) -> list[str]:
    """A token or password written as a literal in a code cell."""
    found = []
    for number, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        found += [f"cell {number}: {m.group(0)[:20]}..." for m in LITERAL_SECRET.finditer(source)]
    return found


def marker_problems(nb: dict[str, Any]) -> list[str]:
    """nbval markers without a reason, or written so that nbval does not recognise them.

    A marker is a comment line holding the marker alone, and the next line is a comment saying why:

        # NBVAL_IGNORE_OUTPUT
        # the demo server's port changes on every run
    """
    problems = []
    for number, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        lines = "".join(cell.get("source", "")).splitlines()
        for i, line in enumerate(lines):
            stripped = line.strip()
            if not stripped.startswith("#"):
                continue
            comment = stripped.lstrip("#").strip()
            marker = next((m for m in MARKERS if comment.upper().startswith(m)), None)
            if marker is None:
                continue
            if comment != marker:
                problems.append(
                    f"cell {number}: {stripped!r} is not seen by nbval, which needs the marker alone on its "
                    "line; put the reason on the next comment line"
                )
                continue
            if marker in NEEDS_REASON:
                following = lines[i + 1].strip() if i + 1 < len(lines) else ""
                reason = following.lstrip("#").strip()
                if not following.startswith("#") or not reason or reason.split()[0].strip(":").upper() in MARKERS:
                    problems.append(f"cell {number}: {marker} without a comment on the next line saying why")
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        for tag in sorted(tags & TAGS_NEEDING_REASON):
            first = lines[0].strip() if lines else ""
            if not first.startswith("#") or not first.lstrip("#").strip():
                problems.append(f"cell {number}: tag {tag!r} without a first comment line saying why")
    return problems


def introduction_problems(nb: dict[str, Any]) -> list[str]:
    """The first cell must be markdown: a title, what the notebook shows, how to use a real account."""
    cells = nb.get("cells", [])
    if not cells or cells[0].get("cell_type") != "markdown":
        return ["the first cell is not markdown"]
    text = "".join(cells[0].get("source", ""))
    problems = []
    if not re.search(r"^#\s+\S", text, re.MULTILINE):
        problems.append("the introduction has no '# title'")
    if len(re.sub(r"^#.*$", "", text, flags=re.MULTILINE).split()) < 25:
        problems.append("the introduction says too little of what the notebook shows")
    if "token" not in text.lower():
        problems.append("the introduction does not say how to use a real account (a token)")
    return problems


# -- over every notebook ---------------------------------------------------------------------------


def test_there_are_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert "01-quickstart.ipynb" in names and "02-explore-images.ipynb" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_secret_in_the_file(path):
    assert secrets_in_text(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_secret_in_saved_widget_state(path):
    assert secrets_in_widget_state(json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_secret_written_in_code(path):
    assert secrets_in_code(json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_starts_with_a_markdown_introduction(path):
    assert introduction_problems(json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_nbval_marker_says_why(path):
    assert marker_problems(json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_is_a_valid_executed_notebook(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
    assert code and all(cell.execution_count is not None for cell in code), "commit the notebook executed"
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), "executed top to bottom on a fresh kernel"


# -- the checks find what they should --------------------------------------------------------------


def _notebook(*cells: dict[str, Any], metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    nb = nbformat.v4.new_notebook(metadata=metadata or {})
    nb.cells = list(cells)
    return json.loads(nbformat.writes(nb))


def _code(source: str, outputs: list[dict[str, Any]] | None = None, **metadata: Any) -> dict[str, Any]:
    cell = nbformat.v4.new_code_cell(source, metadata=metadata, execution_count=1)
    cell.outputs = [nbformat.from_dict(o) for o in outputs or []]
    return cell


def _intro(text: str = "# Title\n\n" + "word " * 30 + "token") -> dict[str, Any]:
    return nbformat.v4.new_markdown_cell(text)


FAKE_KEY = "0123456789abcdef" * 2 + "01234567"  # 40 hex digits


@pytest.mark.parametrize(
    "text",
    [
        DEMO_TOKEN,
        f'"Authorization: Token {DEMO_TOKEN.upper()}"',
        f"password={DEMO_PASSWORD}",
        FAKE_KEY,
        "x" + FAKE_KEY + "y" * 3,
        "a" * 41,
    ],
)
def test_secrets_in_text_finds(text):
    assert secrets_in_text('{"cells": ["' + text + '"]}')


@pytest.mark.parametrize(
    "text",
    [
        "24b310f8-1405-4928-914f-d5c91272f88a",  # a uuid: hex, but in runs of 12 at most
        "token='…f3de'",  # a masked token, as Client's repr shows it
        "deadbeef" * 4 + "g" + "deadbeef",
    ],
)
def test_secrets_in_text_lets_pass(text):
    assert secrets_in_text(text) == []


def test_widget_state_in_metadata_with_a_token_is_found():
    state = {"state": {"m1": {"model_name": "TextModel", "state": {"_model_name": "TextModel", "value": DEMO_TOKEN}}}}
    nb = _notebook(_intro(), metadata={"widgets": {WIDGET_STATE: state}})
    found = secrets_in_widget_state(nb)
    assert "metadata.widgets: the demo token" in found
    assert any("a 40-hex string" in f for f in found)  # the demo token is 40 hex digits, as real keys are


def test_widget_state_with_a_filled_password_field_is_found():
    state = {
        "state": {"m1": {"model_name": "PasswordModel", "state": {"_model_name": "PasswordModel", "value": "hunter2"}}}
    }
    nb = _notebook(_intro(), metadata={"widgets": {WIDGET_STATE: state}})
    assert secrets_in_widget_state(nb) == ["metadata.widgets: a filled password field"]
    empty = copy.deepcopy(state)
    empty["state"]["m1"]["state"]["value"] = ""
    assert secrets_in_widget_state(_notebook(_intro(), metadata={"widgets": {WIDGET_STATE: empty}})) == []


def test_widget_state_in_an_output_is_found():
    output = {
        "output_type": "display_data",
        "metadata": {},
        "data": {WIDGET_STATE: {"state": {"value": DEMO_PASSWORD}}, "text/plain": "form"},
    }
    nb = _notebook(_intro(), _code("sc.token_form()", [output]))
    assert secrets_in_widget_state(nb) == [f"cell 1 output {WIDGET_STATE}: the demo password"]


@pytest.mark.parametrize(
    "source",
    [
        'client = sc.connect(token="abc123")',
        "client = sc.Client(token='abc123')",
        'os.environ["SHAREDCLOUD_TOKEN"] = "abc123"',
        'token = sc.login("me", "hunter2")',
        'sc.login(username, password="hunter2")',
    ],
)
def test_literal_secrets_in_code_are_found(source):
    assert secrets_in_code(_notebook(_intro(), _code(source)))


@pytest.mark.parametrize(
    "source",
    [
        "client = sc.connect(token=getpass())",
        'token = os.environ["SHAREDCLOUD_TOKEN"]',
        "sc.login(username, getpass())",
    ],
)
def test_reading_a_secret_in_code_is_fine(source):
    assert secrets_in_code(_notebook(_intro(), _code(source))) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("# NBVAL_IGNORE_OUTPUT\n# the port changes on every run\nclient", []),
        ("# NBVAL_SKIP\n# opens a browser, which the test machine lacks\nopen()", []),
        ("# NBVAL_CHECK_OUTPUT\nx", []),
        ("# NBVAL_IGNORE_OUTPUT\nclient", ["NBVAL_IGNORE_OUTPUT without a comment"]),
        ("x = 1\n# NBVAL_SKIP", ["NBVAL_SKIP without a comment"]),
        ("# NBVAL_IGNORE_OUTPUT\n#\nclient", ["NBVAL_IGNORE_OUTPUT without a comment"]),
        ("# NBVAL_IGNORE_OUTPUT\n# NBVAL_SKIP\n# why\nx", ["NBVAL_IGNORE_OUTPUT without a comment"]),
        ("# NBVAL_IGNORE_OUTPUT: the port changes\nclient", ["is not seen by nbval"]),
        ("# NBVAL_SKIP - needs a browser\nx", ["is not seen by nbval"]),
    ],
)
def test_marker_problems(source, expected):
    problems = marker_problems(_notebook(_intro(), _code(source)))
    assert len(problems) == len(expected)
    for problem, text in zip(problems, expected, strict=False):
        assert text in problem


def test_marker_tags_need_a_first_comment_line():
    bad = _code("client", tags=["nbval-ignore-output"])
    good = _code("# the port changes on every run\nclient", tags=["nbval-skip"])
    assert marker_problems(_notebook(_intro(), bad)) == [
        "cell 1: tag 'nbval-ignore-output' without a first comment line saying why"
    ]
    assert marker_problems(_notebook(_intro(), good)) == []


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([_code("import sharedcloud_nb as sc"), _intro()], "the first cell is not markdown"),
        ([_intro("Some words " * 20 + "token")], "no '# title'"),
        ([_intro("# Title\n\nShort. token")], "says too little"),
        ([_intro("# Title\n\n" + "word " * 30)], "real account"),
        ([], "the first cell is not markdown"),
    ],
)
def test_introduction_problems(cells, expected):
    problems = introduction_problems(_notebook(*cells))
    assert any(expected in problem for problem in problems), problems
