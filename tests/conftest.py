"""Shared fixtures: a clean environment for every test, and demo API servers over real HTTP."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sharedcloud_nb.demo import DemoServer

_PREFIX = "SHAREDCLOUD_"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No SHAREDCLOUD_* variable, and HOME in an empty temporary folder (no CLI login file)."""
    for name in list(os.environ):
        if name.startswith(_PREFIX):
            monkeypatch.delenv(name)
    # The snapshot store's default folder: never the user's own cache.
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    """The default demo catalogue, shared by the session (read-only use)."""
    with DemoServer() as server:
        yield server


@pytest.fixture
def fresh_server() -> Iterator[DemoServer]:
    """A demo server of the test's own, for tests that inject faults or read the request log."""
    with DemoServer() as server:
        yield server


@pytest.fixture
def client(demo_server: DemoServer):
    import sharedcloud_nb as sc

    return sc.Client(demo_server.token, url=demo_server.url)


@pytest.fixture(scope="session")
def docs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation site, built once per session by ``tools/build_docs.py`` (what ``make docs`` runs)
    into a temporary folder; its tests and the browser test share it."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out = tmp_path_factory.mktemp("docs") / "build" / "docs"  # a folder that does not exist yet
    result = subprocess.run(
        [sys.executable, str(root / "tools" / "build_docs.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "links checked" in result.stdout
    return out


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    """Close the pyplot figures a test (or a docstring example) leaves open, so none carries over."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture(scope="module")
def weekly_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Fourteen weekly snapshots of the moving demo (July to October 2018): the store, and the client that took them."""
    import sharedcloud_nb as sc

    store = sc.Store(tmp_path_factory.mktemp("weekly"))
    with DemoServer(clock="06-07-2018 16:45:36") as server:
        client = sc.Client(server.token, url=server.url)
        for week in range(14):
            if week:
                server.advance(days=7)
            store.snapshot(client)
    return store, client
