"""Render the executed example notebooks to HTML pages, with an index, for reading in a browser.

``make docs`` runs ``python tools/build_docs.py notebooks build/docs``. The notebooks are committed
with their outputs (validated by nbval), so they are rendered as they are, never re-executed: the
pages show exactly what the tests checked. Plots are embedded in the pages (``data:`` URIs), so
the output folder can be copied anywhere as it is.

Usage:
    python tools/build_docs.py [SOURCE_DIR] [OUTPUT_DIR]

Exit status: 0 when every notebook was rendered, 1 when there is none, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

__all__ = ["Page", "build", "main", "render_notebook"]

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Page:
    """One rendered notebook: its HTML file name, title, summary and number of plots."""

    filename: str
    title: str
    summary: str
    plots: int


def _markdown_text(text: str) -> str:
    """Markdown to a short plain text: no code ticks, emphasis or link targets."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[`*_]", "", text)
    return " ".join(text.split())


def _title_and_summary(nb: nbformat.NotebookNode, fallback: str) -> tuple[str, str]:
    """The first heading of the first markdown cell, and the paragraph after it."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        title, paragraphs = fallback, []
        for block in re.split(r"\n\s*\n", cell.source.strip()):
            first = block.strip().splitlines()[0] if block.strip() else ""
            match = _HEADING.match(first)
            if match and title == fallback and not paragraphs:
                title = _markdown_text(match.group(2))
            elif block.strip():
                paragraphs.append(_markdown_text(block))
        return title, (paragraphs[0] if paragraphs else "")
    return fallback, ""


def _plot_captions(nb: nbformat.NotebookNode, title: str) -> list[str]:
    """An alternative text per PNG output, in order: the heading of the section it answers."""
    captions: list[str] = []
    section = title
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = _HEADING.match(line)
                if match:
                    section = _markdown_text(match.group(2))
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    captions.append(f"Plot: {section}")
    return captions


def render_notebook(path: Path, out_dir: Path, exporter: HTMLExporter | None = None) -> Page:
    """Render one executed notebook to ``out_dir/<stem>.html`` (outputs as saved, no execution).

    Args:
        path: the .ipynb file.
        out_dir: the folder for the page (must exist).
        exporter: an HTMLExporter to reuse (one is made when None).

    Returns:
        The :class:`Page` written.
    """
    nb = nbformat.read(path, as_version=4)
    title, summary = _title_and_summary(nb, fallback=path.stem)
    exporter = exporter or HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # nbconvert gives every plot the same placeholder alt text; name what each plot answers instead.
    soup = BeautifulSoup(body, features="html.parser")
    images = soup.select("div.jp-RenderedImage img")
    captions = _plot_captions(nb, title)
    if len(images) == len(captions):
        for image, caption in zip(images, captions, strict=False):
            image["alt"] = caption
        body = str(soup)
    filename = path.stem + ".html"
    (out_dir / filename).write_text(body, encoding="utf-8")
    return Page(filename=filename, title=title, summary=summary, plots=len(images))


def _index(pages: list[Page]) -> str:
    items = "\n".join(
        f'  <li><a href="{html.escape(page.filename)}">{html.escape(page.title)}</a>'
        + (f"<p>{html.escape(page.summary)}</p>" if page.summary else "")
        + "</li>"
        for page in pages
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sharedcloud_nb: example notebooks</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }}
  li {{ margin-bottom: 1rem; }}
  li p {{ margin: 0.25rem 0 0; color: #444; }}
</style>
</head>
<body>
<h1>sharedcloud_nb: example notebooks</h1>
<p>The example notebooks as they were executed against the built-in demo catalogue and validated by nbval.</p>
<ol>
{items}
</ol>
</body>
</html>
"""


def build(source: Path, out_dir: Path) -> list[Page]:
    """Render every ``*.ipynb`` of ``source`` (sorted by name) into ``out_dir``, with ``index.html``.

    Args:
        source: the folder of executed notebooks.
        out_dir: the output folder, created if needed.

    Returns:
        The pages written, in index order.

    Raises:
        FileNotFoundError: ``source`` holds no notebook.

    Example:
        >>> build(Path("notebooks"), Path("build/docs"))  # doctest: +SKIP
    """
    notebooks = sorted(source.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"No notebook (*.ipynb) in {source}.")
    out_dir.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    pages = [render_notebook(path, out_dir, exporter) for path in notebooks]
    (out_dir / "index.html").write_text(_index(pages), encoding="utf-8")
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default="notebooks", type=Path, help="folder of executed notebooks")
    parser.add_argument("output", nargs="?", default="build/docs", type=Path, help="folder for the HTML pages")
    args = parser.parse_args(argv)
    try:
        pages = build(args.source, args.output)
    except FileNotFoundError as exc:
        print(f"build_docs: {exc}", file=sys.stderr)
        return 1
    for page in pages:
        print(f"{args.output / page.filename}  ({page.plots} plot{'s' if page.plots != 1 else ''})  {page.title}")
    print(f"{args.output / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
