"""Check the links of a built static site, offline.

Sphinx's ``linkcheck`` builder fetches every link from the internet; this checks what can be known
from the files alone, which is what matters for a site that must work from a folder:

- every internal ``href``/``src`` of every HTML page (``_static/`` holds assets, not pages), and every ``url(...)`` of every stylesheet,
  names a file of the site (a folder means its ``index.html``), inside the site;
- a ``#fragment`` on an internal link to a page names an ``id`` (or ``<a name>``) of that page;
- nothing is loaded from the network: no script, stylesheet, image, font or frame has an
  ``http(s)://`` or ``//host`` address. Links a reader clicks to another site are allowed (and not
  followed).

``tools/build_docs.py`` runs it on every build.

Usage:
    python tools/check_links.py SITE_DIR

Exit status: 0 when every link holds, 1 otherwise (each problem on a line), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import re
import sys
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["Link", "check_site", "main"]

#: Attributes that hold an address, by tag.
_URL_ATTRS = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "script": ("src",),
    "img": ("src",),
    "iframe": ("src",),
    "source": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
#: ``<link rel=...>`` values that make the browser download the address.
_LOADING_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "manifest",
}
_SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


class Link:
    """One address found in a file: where, which tag and attribute, and whether it is downloaded."""

    __slots__ = ("attr", "line", "loads", "tag", "url")

    def __init__(self, tag: str, attr: str, url: str, line: int, *, loads: bool) -> None:
        self.tag, self.attr, self.url, self.line, self.loads = tag, attr, url, line, loads


class _Page(HTMLParser):
    """The anchors (ids) and links of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[Link] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        rels = set(values.get("rel", "").lower().split())
        for attr in _URL_ATTRS.get(tag, ()):
            if attr in values:
                loads = tag not in ("a", "area") and (tag != "link" or bool(rels & _LOADING_RELS))
                self.links.append(Link(tag, attr, values[attr].strip(), self.getpos()[0], loads=loads))


@cache
def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    page.close()
    return page


def _target(root: Path, source: Path, path: str) -> Path | None:
    """The file an internal address names, or None when it leaves the site."""
    target = (source.parent / unquote(path)).resolve() if path else source.resolve()
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_relative_to(root) else None


def _check_link(root: Path, source: Path, link: Link) -> str | None:
    """What is wrong with one address, or None."""
    where = f"{source.relative_to(root)}:{link.line}: <{link.tag} {link.attr}={link.url!r}>"
    url = link.url
    if not url or url.lower().startswith(_SKIPPED_SCHEMES):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if link.loads or parts.scheme not in ("http", "https"):
            return f"{where} loads from the network; a site that works offline ships its assets"
        return None
    target = _target(root, source, parts.path)
    if target is None:
        return f"{where} points outside the site"
    if not target.is_file():
        return f"{where} names a file that does not exist"
    if parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _parse(target).ids:
        return f"{where} names an anchor that {target.relative_to(root)} does not have"
    return None


def _css_links(path: Path) -> list[Link]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return [
        Link("css", "url", match.group(2).strip(), text.count("\n", 0, match.start()) + 1, loads=True)
        for match in _CSS_URL.finditer(text)
    ]


def check_site(site: Path) -> list[str]:
    """Check every internal link and asset of a built site; see the module docstring.

    Args:
        site: the folder of the built site.

    Returns:
        One line per problem (file, line, the link, what is wrong); empty when every link holds.

    Raises:
        FileNotFoundError: ``site`` has no HTML page.

    Example:
        >>> check_site(Path("build/docs"))  # doctest: +SKIP
        []
    """
    root = site.resolve()
    # Pages only: a theme may ship HTML templates among its static assets (``_static/``).
    pages = sorted(page for page in root.rglob("*.html") if "_static" not in page.relative_to(root).parts)
    if not pages:
        raise FileNotFoundError(f"No HTML page in {site}.")
    _parse.cache_clear()
    problems: list[str] = []
    sources = [(page, _parse(page).links) for page in pages]
    sources += [(sheet, _css_links(sheet)) for sheet in sorted(root.rglob("*.css"))]
    for source, links in sources:
        for link in links:
            problem = _check_link(root, source, link)
            if problem:
                problems.append(problem)
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check a site from the command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="folder of the built site")
    args = parser.parse_args(argv)
    try:
        problems = check_site(args.site)
    except FileNotFoundError as exc:
        print(f"check_links: {exc}", file=sys.stderr)
        return 1
    for problem in problems:
        print(problem)
    print(f"check_links: {len(problems)} broken link(s) in {args.site}", file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
