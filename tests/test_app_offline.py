"""The explorer app (make app) works offline: its page loads no asset from another host.

The app is served exactly as ``make app`` serves it (the command is read from ``make -n app``),
and its page is fetched over HTTP; no browser is needed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "share" / "jupyter" / "voila" / "templates" / "sharedcloud"
START_TIMEOUT = 90.0
# What a page fetches from elsewhere: an absolute or protocol-relative url.
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
# The same inside CSS or a script: url(...), @import "...", import("...") / from "...".
EXTERNAL_IN_CODE = re.compile(
    r"""(?:url\(\s*['"]?|@import\s+['"]|import\(\s*['"]|from\s+['"])\s*(?:https?:)?//""", re.IGNORECASE
)


class _Assets(HTMLParser):
    """Every url the page loads by itself: src and href of every element but a link to follow (<a>)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.code: list[str] = []
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_code = tag in ("script", "style")
        for name, value in attrs:
            if value is None:
                continue
            if name in ("src", "srcset", "data", "poster") or (name == "href" and tag != "a"):
                self.urls.append(value)
            if name == "style":
                self.code.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._in_code = False

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.code.append(data)


def _external(page: str) -> list[str]:
    parser = _Assets()
    parser.feed(page)
    found = [url for url in parser.urls if EXTERNAL.match(url)]
    found += [match.group(0) for code in parser.code for match in EXTERNAL_IN_CODE.finditer(code)]
    return found


def test_the_check_sees_what_voilas_own_lab_template_fetches_from_cdns():
    page = (
        '<html><head><link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/x/all.min.css" />'
        '<script>const m = (await import("https://cdnjs.cloudflare.com/ajax/libs/m.mjs")).default;</script>'
        "<style>@font-face { src: url(//fonts.example/f.woff) }</style>"
        '<script src="/voila/static/voila.js"></script></head>'
        '<body><a href="https://sharedcloud.io">a link to follow</a>'
        '<svg xmlns="http://www.w3.org/2000/svg"></svg></body></html>'
    )
    assert len(_external(page)) == 3


def test_the_apps_template_links_nothing_external():
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(TEMPLATE.iterdir()))
    # The only urls in it are those it removes from Voila's lab template.
    kept = [line for line in text.splitlines() if "//" in line and "replace(" not in line]
    assert kept == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app_command(port: int) -> str:
    """The shell command ``make app`` runs, from ``make -n``: what is tested is what the Makefile does."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREDCLOUD_")}
    done = subprocess.run(
        [make, "-n", "app", f"PORT={port}"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    lines = done.stdout.replace("\\\n", " ").splitlines()
    return next(line for line in lines if "-m voila" in line)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("make app runs the project's .venv, which is not installed here")
    port = _free_port()
    command = _app_command(port)
    home = tmp_path_factory.mktemp("app-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHAREDCLOUD_", "JUPYTER", "IPYTHON"))}
    env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "jupyter"), IPYTHONDIR=str(home / "ipython"))
    log = home / "voila.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            ["bash", "-c", command], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"make app's voila exited with {process.returncode}:\n{log.read_text(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"make app's voila did not listen in {START_TIMEOUT:.0f} s")
                time.sleep(0.25)
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the session started above: voila and its kernel
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.slow
def test_the_served_app_page_loads_nothing_from_another_host(app_url):
    response = requests.get(app_url, timeout=120)  # the page streams while the notebook runs
    response.raise_for_status()
    page = response.text
    assert "Sharedcloud explorer over 48 images" in page  # the explorer itself, not an error page
    assert _external(page) == []
    # What the page loads is served by the app itself; Font Awesome, which Voila's lab template
    # fetched from a CDN, comes with Voila's own styles.
    parser = _Assets()
    parser.feed(page)
    local = [url for url in parser.urls if url.startswith("/")]
    assert any("voila-style.js" in url for url in local)
    for url in local:
        asset = requests.get(app_url.rstrip("/") + url, timeout=30)
        assert asset.status_code == 200, url
        if "voila-style.js" in url:
            assert "Font Awesome 5 Free" in asset.text
