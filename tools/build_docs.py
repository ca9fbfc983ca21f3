"""Build the documentation site: the executed notebooks and the API reference, as static HTML.

``make docs`` runs ``python tools/build_docs.py``, which writes ``build/docs/`` (open
``build/docs/index.html``). It

1. stages the Sphinx sources of ``docs/site/``, the notebooks (as committed: they are never
   re-executed, since nbval proves their outputs) and the README's opening and quick start (the
   landing page) in a temporary folder;
2. builds them with Sphinx, myst-nb and the pydata theme, warnings as errors (``-W --keep-going``):
   a broken cross-reference, a docstring that is not valid reStructuredText, or a public name
   without a docstring or missing from the reference fails the build;
3. checks every internal link and asset of the result offline (``tools/check_links.py``).

Nothing is fetched from the network, at build time or when the pages are read.

Usage:
    python tools/build_docs.py [--notebooks DIR] [--out DIR]

Exit status: 0 when the site is built and its links hold, 1 when there is no notebook, the build
warns or a link is broken, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # its sibling check_links.py, when run as a script
from check_links import check_site

__all__ = ["ROOT", "BuildError", "build", "landing_text", "main"]

ROOT = Path(__file__).resolve().parents[1]
SITE_SOURCES = ROOT / "docs" / "site"
README = ROOT / "README.md"

_SECTION = re.compile(r"^## ", re.MULTILINE)


class BuildError(RuntimeError):
    """The site could not be built: no notebook, a Sphinx warning or error, or a broken link."""


def landing_text(readme: str) -> str:
    """The README's opening (title, what the package is, the two commands) and its quick start.

    Args:
        readme: the README's Markdown.

    Returns:
        The Markdown from the start up to the end of the ``## Quick start`` section.

    Raises:
        BuildError: the README has no ``## Quick start`` section.
    """
    sections = _SECTION.split(readme)
    opening = sections[0]
    quick = next((s for s in sections[1:] if s.startswith("Quick start")), None)
    if quick is None:
        raise BuildError("README.md has no '## Quick start' section for the landing page.")
    return f"{opening.rstrip()}\n\n## {quick.rstrip()}\n"


def _stage(notebooks: list[Path], readme: Path, staging: Path) -> None:
    shutil.copytree(SITE_SOURCES, staging, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    (staging / "notebooks").mkdir(exist_ok=True)
    for notebook in notebooks:
        shutil.copy2(notebook, staging / "notebooks" / notebook.name)
    (staging / "_readme.md").write_text(landing_text(readme.read_text(encoding="utf-8")), encoding="utf-8")


def _clear(out: Path) -> None:
    """Empty a previous build, so no page of a removed notebook lingers; refuse any other folder."""
    if not out.exists():
        return
    if any(out.iterdir()) and not (out / ".buildinfo").exists():
        raise BuildError(f"{out} is not empty and is not a previous build of the site; not deleting it.")
    shutil.rmtree(out)


def build(notebooks_dir: Path, out: Path, *, readme: Path = README) -> list[Path]:
    """Build the site from every ``*.ipynb`` of ``notebooks_dir`` into ``out``, then check its links.

    Args:
        notebooks_dir: the folder of executed notebooks.
        out: the output folder (emptied first if it holds a previous build).
        readme: the README whose opening and quick start make the landing page.

    Returns:
        The HTML pages written, sorted.

    Raises:
        BuildError: no notebook, Sphinx failed or warned (its output is in the message), or a link
            of the result is broken.

    Example:
        >>> build(Path("notebooks"), Path("build/docs"))  # doctest: +SKIP
    """
    notebooks = sorted(notebooks_dir.glob("*.ipynb"))
    if not notebooks:
        raise BuildError(f"No notebook (*.ipynb) in {notebooks_dir}.")
    _clear(out)
    with tempfile.TemporaryDirectory(prefix="sharedcloud-docs-") as tmp:
        staging = Path(tmp) / "src"
        _stage(notebooks, readme, staging)
        command = [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",  # warnings are errors ...
            "--keep-going",  # ... all of them reported, not just the first
            "-E",  # a fresh environment: an incremental build would not repeat old warnings
            "-q",
            "-d",
            str(Path(tmp) / "doctrees"),
            str(staging),
            str(out),
        ]
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise BuildError(f"sphinx-build failed (warnings are errors):\n{result.stderr.strip()}")
    problems = check_site(out)
    if problems:
        raise BuildError("broken links in the built site:\n" + "\n".join(problems))
    return sorted(out.rglob("*.html"))


def main(argv: list[str] | None = None) -> int:
    """Build the site from the command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default=ROOT / "notebooks", type=Path, help="folder of executed notebooks")
    parser.add_argument("--out", default=ROOT / "build" / "docs", type=Path, help="folder for the site")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        pages = build(args.notebooks, args.out)
    except BuildError as exc:
        print(f"build_docs: {exc}", file=sys.stderr)
        return 1
    print(
        f"build_docs: {len(pages)} pages, links checked, in {time.perf_counter() - started:.0f} s; "
        f"open {args.out / 'index.html'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
