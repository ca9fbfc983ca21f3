"""Fixtures for the browser tests: JupyterLab on a copy of notebooks/, driven in headless Chromium.

One JupyterLab server and one Chromium per test module (both are slow to start on a small
machine); each is always stopped, kernels first, even when a test fails. The server runs from
this interpreter (the project's ``.venv``), on 127.0.0.1 and a free port, with token auth on (a
random Jupyter token made here, not a Sharedcloud one), ``SHAREDCLOUD_DEMO=1`` and a HOME of its
own, so no user setting, login file or ``SHAREDCLOUD_*`` variable of this shell leaks in.

Where ``/usr/bin/chromium`` (or the ``playwright`` package) is missing the browser tests skip and
say how to install it; with ``REQUIRE_E2E=1`` (set by ``.ci/run``) that skip is a failure instead.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
#: Screenshots of every step, for a person to look at (CI can keep them as artifacts).
SCREENSHOTS = ROOT / "build" / "e2e"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
INSTALL_HINT = (
    "install it with `apt-get update && apt-get install -y chromium` (Debian/Ubuntu), or run .ci/run, which does"
)

#: How long JupyterLab may take to answer, and to draw itself in the browser, on a slow machine.
SERVER_START_TIMEOUT = 90.0
#: Playwright's default wait for a selector or an action, in milliseconds.
UI_TIMEOUT_MS = 60_000
#: The longest a "Run All Cells" may take (kernel start, imports, the demo API, plots).
RUN_ALL_TIMEOUT_MS = 180_000

# JupyterLab settings for a headless run: no news or update toasts over the page. The notebook
# and widget settings stay at their defaults, which is what an analyst has.
LAB_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


# What the front notebook's toolbar says about its kernel: its name ("No Kernel" until one is
# started) and the execution indicator's status (which reads "idle" before a kernel exists too).
_KERNEL_STATE = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const name = panel && panel.querySelector('.jp-KernelName');
    const status = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
    return {
        kernel: name ? name.textContent.trim() : '',
        status: status ? status.getAttribute('data-status') : '',
    };
}"""


def require_e2e() -> bool:
    """True when the browser tests must run (``REQUIRE_E2E=1``): a missing browser fails them."""
    return os.environ.get("REQUIRE_E2E", "").strip().lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> None:
    if require_e2e():
        pytest.fail(f"REQUIRE_E2E=1 but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"{reason} (with REQUIRE_E2E=1 this is a failure)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class JupyterLab:
    """A running JupyterLab server, and the browser steps the tests share.

    Attributes:
        url: the server's base url, ``http://127.0.0.1:<port>``.
        token: the Jupyter server token (random, made by the fixture).
        root: the server's root_dir, a temporary copy of ``notebooks/``.
        log: the server's combined stdout/stderr.
    """

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen = field(repr=False)

    # -- the REST API, for set-up and clean-up only: the tests themselves use the page ---------
    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the Jupyter server's REST API; returns the decoded JSON answer (or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for failure messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def shutdown_kernels(self) -> None:
        """Close every session and kernel, so no kernel outlives the module."""
        try:
            for session in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{session['id']}")
            for kernel in self.api("GET", "/api/kernels"):
                self.api("DELETE", f"/api/kernels/{kernel['id']}")
        except (OSError, urllib.error.URLError, ValueError):
            pass  # the server is already gone; stop() still ends its process group

    # -- the browser steps ---------------------------------------------------------------------
    def open_notebook(self, page: Any, name: str) -> Any:
        """Open ``name`` in JupyterLab as a user would (its /lab/tree url) and wait for its kernel.

        Returns:
            The locator of the notebook panel now in front.
        """
        page.goto(f"{self.url}/lab/tree/{name}?token={self.token}", wait_until="domcontentloaded")
        page.wait_for_selector("#jp-main-dock-panel", timeout=UI_TIMEOUT_MS)
        panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        panel.locator(".jp-Cell").first.wait_for(timeout=UI_TIMEOUT_MS)
        self.wait_for_kernel(page)
        return panel

    def dismiss_dialogs(self, page: Any) -> None:
        """Accept any modal dialog that would block the page.

        The one that shows up is "Select Kernel": on a slow first load JupyterLab may open the
        notebook before it has the kernel list, and then asks; its default is the notebook's own
        kernel (python3), which is what accepting picks.
        """
        for _ in range(5):
            dialog = page.locator(".jp-Dialog")
            if not dialog.count():
                return
            dialog.locator(".jp-Dialog-button.jp-mod-accept").first.click()
            dialog.first.wait_for(state="detached", timeout=UI_TIMEOUT_MS)

    def wait_for_kernel(self, page: Any, timeout: float = UI_TIMEOUT_MS / 1000) -> None:
        """Wait until the front notebook has a kernel, started and idle, accepting dialogs meanwhile."""
        deadline = time.monotonic() + timeout
        state: dict = {}
        while time.monotonic() < deadline:
            self.dismiss_dialogs(page)
            state = page.evaluate(_KERNEL_STATE)
            if state["kernel"] not in ("", "No Kernel") and state["status"] == "idle":
                return
            page.wait_for_timeout(250)
        pytest.fail(f"the notebook's kernel is not ready after {timeout:.0f} s: {state}\n{self.log_tail()}")

    def menu(self, page: Any, top: str, item: str) -> None:
        """Click a main-menu entry, e.g. ``menu(page, "Run", "Run All Cells")``."""
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(top)}$")).click()
        entry = page.locator(".lm-Menu-content > .lm-Menu-item:visible").filter(
            has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$"))
        )
        entry.first.click()

    def run_all(self, page: Any) -> None:
        """Clear every output, then Run > Run All Cells, and wait until every code cell has run.

        Outputs are cleared first so that what the tests then see was drawn by this run, not
        loaded from the notebook file.
        """
        self.menu(page, "Edit", "Clear Outputs of All Cells")
        page.wait_for_function(
            """() => {
                const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                return panel.querySelectorAll('.jp-CodeCell .jp-OutputArea-output').length === 0;
            }""",
            timeout=UI_TIMEOUT_MS,
        )
        self.menu(page, "Run", "Run All Cells")
        page.wait_for_function(
            """() => {
                const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
                const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
                return prompts.length > 0
                    && prompts.every((p) => /^\\[\\d+\\]:$/.test(p.textContent.trim()))
                    && status !== null && status.getAttribute('data-status') === 'idle'
                    && document.querySelectorAll('.jp-Dialog').length === 0;
            }""",
            timeout=RUN_ALL_TIMEOUT_MS,
        )

    def save(self, page: Any, name: str) -> str:
        """File > Save Notebook, then wait until the file on disk has changed; returns its text.

        Each save of these tests changes the file (new outputs, then widget state), so "changed"
        is the sign that JupyterLab has written it.
        """
        path = self.root / name
        before = path.read_bytes()
        self.menu(page, "File", "Save Notebook")
        deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
        while path.read_bytes() == before:
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not save {name}:\n{self.log_tail()}")
            page.wait_for_timeout(200)
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
        page.wait_for_function("(tab) => !tab.classList.contains('jp-mod-dirty')", arg=tab.element_handle())
        return path.read_text(encoding="utf-8")

    def screenshot(self, page: Any, name: str, target: Any = None, *, scroll_to: Any = None) -> Path:
        """Save a PNG as build/e2e/<name>.png: of one element (``target``), or of the page,
        scrolled to ``scroll_to`` first if given."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        anchor = target if target is not None else scroll_to
        if anchor is not None:
            anchor.scroll_into_view_if_needed()
            anchor.wait_for(state="visible")
        # Cells outside the viewport are painted lazily (content-visibility): let two frames pass.
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
        (target if target is not None else page).screenshot(path=str(path))
        return path


def _lab_environment(home: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        # No Sharedcloud setting of this shell, no Jupyter location of this user, and no
        # MPLBACKEND=Agg from the root conftest: the kernel must draw inline, as for a user.
        if not name.startswith(("SHAREDCLOUD_", "JUPYTER", "IPYTHON")) and name != "MPLBACKEND"
    }
    env.update(
        SHAREDCLOUD_DEMO="1",
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / ".local" / "share" / "jupyter" / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / ".jupyter" / "lab" / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / ".jupyter" / "lab" / "workspaces"),
        IPYTHONDIR=str(home / ".ipython"),
        # debugpy's warning about frozen modules would otherwise land on every kernel's stderr.
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


def _write_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def _stop(process: subprocess.Popen) -> None:
    """End the server we started: SIGTERM to its process group (it then shuts its kernels down
    itself), SIGKILL if it has not gone within 20 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """A free port on 127.0.0.1, for a server a test module starts itself."""
    return _free_port


@pytest.fixture(scope="session")
def stop_server() -> Callable[[subprocess.Popen], None]:
    """How to end a server a test module started (see ``_stop``)."""
    return _stop


@pytest.fixture(scope="module")
def chromium_executable() -> Path:
    """The system Chromium that Playwright drives; skips (or fails under REQUIRE_E2E=1) without it."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} not found: {INSTALL_HINT}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed: run `make install` (it is in the test extra)")
    return CHROMIUM


@pytest.fixture(scope="module")
def jupyter_lab(chromium_executable: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """JupyterLab from this interpreter on a temporary copy of notebooks/, stopped afterwards."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    home = base / "home"
    home.mkdir()
    env = _lab_environment(home)
    _write_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    # A Jupyter server token, random for this run; passed in the environment, not on the
    # command line, so it does not show in the process list.
    token = secrets.token_urlsafe(24)
    env["JUPYTER_TOKEN"] = token
    port = _free_port()
    log = base / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # Nothing of this run asks PyPI for extensions.
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root; Jupyter refuses it otherwise
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    lab = JupyterLab(url=f"http://127.0.0.1:{port}", token=token, root=root, log=log, process=process)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}:\n{lab.log_tail()}")
            try:
                lab.api("GET", "/api/status")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer in {SERVER_START_TIMEOUT:.0f} s:\n{lab.log_tail()}")
                time.sleep(0.25)
        yield lab
    finally:
        lab.shutdown_kernels()
        _stop(process)


@pytest.fixture(scope="module")
def browser_context(chromium_executable: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium with a new, empty profile; closed after the module."""
    from playwright.sync_api import expect, sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(chromium_executable),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        expect.set_options(timeout=UI_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def page(browser_context: Any, jupyter_lab: JupyterLab) -> Iterator[Any]:
    """One browser tab for the module; uncaught page errors are collected on ``page.errors``."""
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.errors = errors
    try:
        yield tab
    finally:
        tab.close()
