"""The documentation site (``make docs``, tools/build_docs.py): notebooks, API reference, strict build.

The tests that need a built site share one build (the ``docs_site`` fixture) and are marked slow;
the link checker and the build's own checks are also tested on small inputs, quickly.
"""

from __future__ import annotations

import html
import importlib.util
import logging
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import nbformat
import pytest

import sharedcloud_nb as sc

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BUILD_DOCS = ROOT / "tools" / "build_docs.py"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


check_links = _load("check_links", ROOT / "tools" / "check_links.py")
build_docs = _load("build_docs", BUILD_DOCS)


class _Collector(HTMLParser):
    """The links, images, ids and tables of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.ids: set[str] = set()
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a":
            self.links.append(values.get("href") or "")
        elif tag == "img":
            self.images.append(values)
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def outputs(path: Path, kind: str, holding: str = "") -> int:
    """How many outputs of the notebook have data of ``kind`` (whose text holds ``holding``)."""
    nb = nbformat.read(path, as_version=4)
    return sum(
        kind in output.get("data", {}) and holding in "".join(output["data"][kind])
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )


def first_heading(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(line[2:].strip() for line in nb.cells[0].source.splitlines() if line.startswith("# "))


# -- the built site ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_site_has_a_landing_page_the_notebooks_and_the_api_reference(docs_site):
    assert len(NOTEBOOKS) >= 2
    pages = {p.relative_to(docs_site).as_posix() for p in docs_site.rglob("*.html") if "_static" not in p.parts}
    expected = {f"notebooks/{nb.stem}.html" for nb in NOTEBOOKS} | {"index.html", "notebooks/index.html"}
    expected |= {
        f"api/{name}.html" for name in ("index", "client", "frames", "snapshots", "widgets", "plots", "demo", "errors")
    }
    assert expected <= pages
    index = parse(docs_site / "index.html")
    for notebook in NOTEBOOKS:
        assert f"notebooks/{notebook.stem}.html" in index.links
    assert "api/index.html" in index.links
    assert "api/client.html" in index.links


@pytest.mark.slow
def test_the_landing_page_is_the_readmes_opening_and_quick_start(docs_site):
    text = (docs_site / "index.html").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Quick start" in text
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    code = quick.split("```python", 1)[1].split("```", 1)[0]
    # every line of the quick start's code is on the page (highlighted: tags between the tokens)
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    for line in code.strip().splitlines():
        assert line.strip() in plain, line
    assert "## Using a real account" in readme and "Using a real account" not in plain


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_each_page_holds_its_notebook_as_committed(docs_site, notebook):
    page = docs_site / "notebooks" / f"{notebook.stem}.html"
    text = page.read_text(encoding="utf-8")
    collected = parse(page)
    assert collected.title.startswith(first_heading(notebook).split(":")[0])
    nb = nbformat.read(notebook, as_version=4)
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.text.strip():
                assert output.text.strip().splitlines()[0].strip() in plain
    # every saved plot is on the page, as a file of the site
    images = collected.images
    assert len(images) == outputs(notebook, "image/png")
    for image in images:
        src = image["src"] or ""
        assert (page.parent / src).resolve().read_bytes().startswith(b"\x89PNG"), src
    # every saved table is on the page
    assert text.count('class="dataframe') == outputs(notebook, "text/html", 'class="dataframe')


@pytest.mark.slow
def test_the_exploration_page_names_each_plot_by_its_question(docs_site):
    images = parse(docs_site / "notebooks" / "02-explore-images.html").images
    assert len(images) >= 6, "02-explore-images.ipynb lost its plots (executed without %matplotlib inline?)"
    alts = [image["alt"] for image in images]
    assert "Plot: Which runtimes dominate?" in alts
    assert all(alt and alt.startswith("Plot: ") for alt in alts)


@pytest.mark.slow
def test_widgets_show_their_text_where_they_cannot_run(docs_site):
    text = (docs_site / "notebooks" / "03-widgets.html").read_text(encoding="utf-8")
    assert "widget-view+json" not in text  # no widget placeholder that would render as nothing
    assert "Sharedcloud token form (widgets cannot show here)" in text


def _public_paths() -> list[str]:
    paths = []
    for name in sc.__all__:
        obj = getattr(sc, name)
        if isinstance(obj, ModuleType):
            paths.append(f"module-sharedcloud_nb.{name}")
        else:
            paths.append(f"sharedcloud_nb.{name}")
    plots = sc.plots
    paths += [f"sharedcloud_nb.plots.{name}" for name in plots.__all__ if callable(getattr(plots, name))]
    paths += ["sharedcloud_nb.demo.DemoServer"]
    paths += [f"sharedcloud_nb.Client.{name}" for name in ("images", "image", "list_images", "get_image", "is_demo")]
    paths += [
        f"sharedcloud_nb.frames.{name}" for name in ("read_images_csv", "write_images_csv", "read_images_parquet")
    ]
    return paths


@pytest.mark.slow
def test_the_api_reference_documents_every_public_name(docs_site):
    ids: set[str] = set()
    for page in (docs_site / "api").glob("*.html"):
        ids |= parse(page).ids
    missing = [path for path in _public_paths() if path not in ids]
    assert missing == []
    client = (docs_site / "api" / "client.html").read_text(encoding="utf-8")
    # Client.images: its signature, with the return type, and its docstring
    section = client.split('id="sharedcloud_nb.Client.images"', 1)[1].split('id="sharedcloud_nb.Client.image"', 1)[0]
    plain = html.unescape(re.sub(r"<[^>]+>", "", section))
    assert "instance" in plain and "DataFrame" in plain
    summary = (sc.Client.images.__doc__ or "").strip().splitlines()[0]
    assert re.sub(r"[`*]", "", summary) in " ".join(plain.split())


@pytest.mark.slow
def test_the_site_works_offline_and_its_links_hold(docs_site):
    assert check_links.check_site(docs_site) == []
    # objects.inv and search work from the folder; no intersphinx inventory was fetched
    assert (docs_site / "searchindex.js").is_file()


# -- the build's strictness ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_warning_fails_the_build(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(NOTEBOOKS[0], notebooks)
    broken = nbformat.v4.new_notebook()
    broken.cells = [nbformat.v4.new_markdown_cell("# Broken\n\nSee [the missing page](missing-page.md).")]
    nbformat.write(broken, notebooks / "99-broken.ipynb")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(BUILD_DOCS), "--notebooks", str(notebooks), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 1
    assert "warnings are errors" in result.stderr
    assert "missing-page" in result.stderr


def test_no_notebooks_is_an_error(tmp_path):
    result = subprocess.run(
        [sys.executable, str(BUILD_DOCS), "--notebooks", str(tmp_path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "No notebook" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_folder_that_is_not_a_previous_build_is_never_emptied(tmp_path):
    keep = tmp_path / "precious.txt"
    keep.write_text("mine")
    with pytest.raises(build_docs.BuildError, match="not a previous build"):
        build_docs.build(ROOT / "notebooks", tmp_path)
    assert keep.read_text() == "mine"


def test_the_landing_page_text_is_the_readme_up_to_the_end_of_its_quick_start():
    readme = "# pkg\n\nIntro.\n\n## Install\n\nx\n\n## Quick start\n\n```python\nimport pkg\n```\n\n## More\n\nno\n"
    text = build_docs.landing_text(readme)
    assert text.startswith("# pkg\n\nIntro.")
    assert "## Quick start" in text and "import pkg" in text
    assert "## Install" not in text and "## More" not in text
    with pytest.raises(build_docs.BuildError, match="Quick start"):
        build_docs.landing_text("# pkg\n\n## Usage\n")


def test_makefile_docs_target_uses_the_tool():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ndocs:", 1)[1].split("\n\n", 1)[0]
    assert "tools/build_docs.py --notebooks notebooks --out build/docs" in recipe
    install = makefile.split("\n$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert "docs]" in install


# -- the site's own checks (conf.py), on fake inputs ------------------------------------------------


@pytest.fixture(scope="module")
def conf() -> ModuleType:
    return _load("sharedcloud_docs_conf", ROOT / "docs" / "site" / "conf.py")


def test_a_public_object_without_a_docstring_is_reported(conf, caplog):
    def undocumented() -> None:
        pass

    with caplog.at_level(logging.WARNING):
        conf._require_docstring(None, "function", "sharedcloud_nb.undocumented", undocumented, {}, [])
        conf._require_docstring(None, "function", "sharedcloud_nb.documented", undocumented, {}, ["Says what."])
    assert [r.getMessage() for r in caplog.records] == ["function sharedcloud_nb.undocumented has no docstring"]


def test_a_public_method_left_out_for_want_of_a_docstring_is_reported(conf, caplog):
    def method(self) -> None:
        pass

    with caplog.at_level(logging.WARNING):
        conf._skip_member(None, "class", "refresh", method, True, {})
        conf._skip_member(None, "class", "_private", method, True, {})
    assert [r.getMessage() for r in caplog.records] == ["refresh of a documented class has no docstring"]


def test_a_public_name_missing_from_the_reference_is_reported(conf, caplog):
    documented = {name: None for name in conf._public_names() if name != "sharedcloud_nb.login"}
    env = SimpleNamespace(get_domain=lambda name: SimpleNamespace(objects=documented))
    with caplog.at_level(logging.WARNING):
        conf._check_coverage(None, env)
    assert [r.getMessage() for r in caplog.records] == [
        "public name sharedcloud_nb.login is not in the API reference (add it to a page of docs/site/api/)"
    ]


def _reference(target: str, module: str = "sharedcloud_nb") -> Any:
    from sphinx.addnodes import pending_xref

    node = pending_xref("", refdomain="py", reftype="class", reftarget=target, refdoc="api/client")
    node["py:module"] = module
    return node


def test_references_resolve_to_public_paths_show_private_ones_as_text_and_fail_otherwise(conf):
    from docutils import nodes

    linked = nodes.reference(text="Client")
    domain = SimpleNamespace(
        objects={"sharedcloud_nb.Client": SimpleNamespace(objtype="class")},
        objtypes_for_role=lambda role: ["class", "exception"],
        resolve_xref=lambda env, doc, builder, kind, target, node, contnode: (
            linked if target == "sharedcloud_nb.Client" else None
        ),
    )
    env = SimpleNamespace(get_domain=lambda name: domain)
    app = SimpleNamespace(builder=None, sharedcloud_aliases={"sharedcloud_nb.client.Client": "sharedcloud_nb.Client"})
    text = nodes.literal(text="x")
    # how an annotation names it, and an unqualified name in a docstring of another module
    assert conf._resolve_private_paths(app, env, _reference("sharedcloud_nb.client.Client"), text) is linked
    assert conf._resolve_private_paths(app, env, _reference("Client", "sharedcloud_nb.widgets"), text) is linked
    # a real object without a page: shown, unlinked
    assert conf._resolve_private_paths(app, env, _reference("sharedcloud_nb.schema.ImageRecord"), text) is text
    # nothing of that name anywhere: left unresolved, which fails the build
    assert conf._resolve_private_paths(app, env, _reference("sharedcloud_nb.schema.NoSuchRecord"), text) is None
    assert conf._resolve_private_paths(app, env, _reference("NoSuchClient"), text) is None


def test_a_reexported_constant_gets_the_docstring_written_where_it_is_defined(conf):
    import sharedcloud_nb.demo

    lines = conf._constant_doc("sharedcloud_nb.demo.DEMO_USERNAME", sharedcloud_nb.demo.DEMO_USERNAME)
    assert "username" in " ".join(lines)


# -- the offline link checker ----------------------------------------------------------------------


def test_the_link_checker_finds_broken_links_anchors_and_network_assets(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "_static").mkdir()
    (tmp_path / "index.html").write_text(
        '<html><head><link rel="stylesheet" href="_static/site.css">'
        '<script src="https://cdn.example.org/lib.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.org/font.css"></head><body id="top">'
        '<a href="sub/page.html#here">ok</a> <a href="sub/page.html#nowhere">anchor</a> '
        '<a href="missing.html">missing</a> <a href="#top">self</a> <a href="sub/">folder</a> '
        '<a href="https://example.org/">another site</a> <a href="mailto:a@example.org">mail</a> '
        '<a href="../outside.html">outside</a> <img src="data:image/png;base64,AA=="> <img src="plot.png">'
        "</body></html>",
        encoding="utf-8",
    )
    (tmp_path / "sub" / "page.html").write_text('<p id="here">x</p><a href="../index.html">up</a>', encoding="utf-8")
    (tmp_path / "sub" / "index.html").write_text("<p>folder index</p>", encoding="utf-8")
    (tmp_path / "_static" / "site.css").write_text(
        '@font-face { src: url("fonts/a.woff2"); } body { background: url(https://cdn.example.org/bg.png); }',
        encoding="utf-8",
    )
    (tmp_path / "_static" / "template.html").write_text('<a href="{{ pathto(x) }}">', encoding="utf-8")
    problems = check_links.check_site(tmp_path)
    text = "\n".join(problems)
    assert "cdn.example.org/lib.js" in text and "fonts.example.org" in text and "bg.png" in text
    assert "sub/page.html#nowhere" in text and "does not have" in text
    assert "missing.html" in text and "plot.png" in text and "fonts/a.woff2" in text
    assert "../outside.html" in text and "outside the site" in text
    assert len(problems) == 8, problems  # nothing else: the good links, mail, data: and another site pass
    assert "template.html" not in text  # theme templates among the assets are not pages


def test_the_link_checker_command_line(tmp_path):
    (tmp_path / "index.html").write_text('<a href="gone.html">x</a>', encoding="utf-8")
    checker = [sys.executable, str(ROOT / "tools" / "check_links.py"), str(tmp_path)]
    result = subprocess.run(checker, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "index.html:1: <a href='gone.html'> names a file that does not exist" in result.stdout
    (tmp_path / "gone.html").write_text("<p>here</p>", encoding="utf-8")
    result = subprocess.run(checker, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
    assert "0 broken link(s)" in result.stdout
