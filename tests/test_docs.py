"""tools/build_docs.py (``make docs``): every executed notebook becomes an HTML page with its plots."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


class _Collector(HTMLParser):
    """The links and images of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        elif tag == "img":
            self.images.append(dict(attrs))


def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def png_outputs(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum("image/png" in output.get("data", {}) for cell in nb.cells for output in cell.get("outputs", []))


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("docs") / "build" / "docs"  # a folder that does not exist yet
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_docs.py"), str(ROOT / "notebooks"), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_one_page_per_notebook_and_an_index_linking_them(docs):
    out, _ = docs
    assert len(NOTEBOOKS) >= 2
    pages = sorted(p.name for p in out.glob("*.html"))
    assert pages == sorted([nb.stem + ".html" for nb in NOTEBOOKS] + ["index.html"])
    index = parse(out / "index.html")
    assert index.links == [nb.stem + ".html" for nb in NOTEBOOKS]
    assert "Quick start" in (out / "index.html").read_text()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_each_page_holds_its_notebook(docs, notebook):
    out, _ = docs
    page = out / (notebook.stem + ".html")
    text = page.read_text(encoding="utf-8")
    nb = nbformat.read(notebook, as_version=4)
    heading = next(line for line in nb.cells[0].source.splitlines() if line.startswith("# "))
    assert re.search(r"<title>[^<]*" + re.escape(heading[2:].split(":")[0]), text)
    # the saved outputs are on the page (printed text, as saved)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.text.strip():
                assert html.escape(output.text.strip().splitlines()[0], quote=False) in text
    images = parse(page).images
    assert len(images) == png_outputs(notebook)
    assert all(image["src"].startswith("data:image/png;base64,") for image in images)


def test_the_exploration_page_shows_its_plots(docs):
    out, stdout = docs
    page = out / "02-explore-images.html"
    images = parse(page).images
    assert len(images) >= 6, "02-explore-images.ipynb lost its plots (executed without %matplotlib inline?)"
    alts = [image["alt"] for image in images]
    assert "Plot: Which runtimes dominate?" in alts
    assert all(alt and alt.startswith("Plot: ") for alt in alts)
    assert f"02-explore-images.html  ({len(images)} plots)" in stdout


def test_no_notebooks_is_an_error(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_docs.py"), str(tmp_path), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "No notebook" in result.stderr
    assert not (tmp_path / "out").exists()


def test_makefile_docs_target_uses_the_tool():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ndocs:", 1)[1].split("\n\n", 1)[0]
    assert "tools/build_docs.py notebooks build/docs" in recipe
