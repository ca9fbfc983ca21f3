"""The namespace a user meets: dir(), help(), tab completion, and a core install without the extra."""

from __future__ import annotations

import importlib
import json
import pydoc
import subprocess
import sys
from pathlib import Path

import pytest

import sharedcloud_nb as sc

ROOT = Path(__file__).resolve().parents[1]

#: The modules a user imports or reaches as sc.<module>.
PUBLIC_MODULES = [
    "sharedcloud_nb.client",
    "sharedcloud_nb.dates",
    "sharedcloud_nb.demo",
    "sharedcloud_nb.display",
    "sharedcloud_nb.errors",
    "sharedcloud_nb.explore",
    "sharedcloud_nb.files",
    "sharedcloud_nb.filters",
    "sharedcloud_nb.frames",
    "sharedcloud_nb.plots",
    "sharedcloud_nb.schema",
    "sharedcloud_nb.search",
    "sharedcloud_nb.store",
    "sharedcloud_nb.timeline",
    "sharedcloud_nb.widgets",
]
NOT_PUBLIC = {"np", "pd", "plt", "pa", "pq", "Any", "annotations", "importlib", "requests", "traitlets"}


def test_dir_of_the_package_is_its_public_api():
    assert dir(sc) == sorted([*sc.__all__, "__version__"])
    assert not NOT_PUBLIC & set(dir(sc))


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_dir_of_each_public_module_is_its_public_names(name):
    module = importlib.import_module(name)
    assert dir(module) == sorted(module.__all__)
    assert not NOT_PUBLIC & set(dir(module))
    assert all(hasattr(module, public) for public in module.__all__)


def test_every_public_name_resolves():
    for name in sc.__all__:
        assert hasattr(sc, name), name


def test_help_opens_with_the_quick_start_and_stays_short():
    text = pydoc.render_doc(sc, renderer=pydoc.plaintext)
    lines = text.splitlines()
    assert "Quick start" in "\n".join(lines[:12])
    assert "client = sc.connect()" in "\n".join(lines[:20])
    assert len(lines) < 1000, len(lines)
    assert "with_traceback" not in text  # no inherited exception boilerplate


# -- a core install, without the notebook extra ------------------------------------------------------

_CORE_ONLY = """
import sys
for name in ("ipywidgets", "matplotlib", "traitlets", "itables", "anywidget"):
    sys.modules[name] = None  # as if the notebook extra were not installed
import io, contextlib, json, pydoc
import sharedcloud_nb as sc
from sharedcloud_nb import *
report = {"hasattr": [n for n in sc.__all__ if not hasattr(sc, n)], "dir": dir(sc),
          "help": len(pydoc.render_doc(sc, renderer=pydoc.plaintext)), "plots_dir": dir(sc.plots),
          "star": sorted(n for n in sc.__all__ if n not in globals())}
calls = {
    "token_form": lambda: sc.token_form(),
    "image_picker": lambda: sc.image_picker(),
    "explorer": lambda: sc.explorer(),
    "plots.runtimes": lambda: sc.plots.runtimes(None),
}
for what, call in calls.items():
    try:
        call()
    except ImportError as exc:
        report[what] = str(exc)
    else:
        report[what] = "no error"
report["help_token_form"] = pydoc.render_doc(sc.token_form, renderer=pydoc.plaintext)
print(json.dumps(report))
"""


def test_a_core_install_keeps_the_names_and_says_how_to_install_the_extra():
    result = subprocess.run([sys.executable, "-c", _CORE_ONLY], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["hasattr"] == [] and report["star"] == []
    assert report["dir"] == dir(sc) and report["help"] > 0
    assert "runtimes" in report["plots_dir"] and "plt" not in report["plots_dir"]
    for what in ("token_form", "image_picker", "explorer", "plots.runtimes"):
        message = report[what]
        assert "'notebook' extra" in message, (what, message)
        assert "pip install 'sharedcloud_nb[notebook]'" in message and "pip install -e '.[notebook]'" in message
    assert "token" in report["help_token_form"].lower() and "notebook" in report["help_token_form"]


# -- the README is the front page ------------------------------------------------------------------


def test_the_readme_names_every_public_name_and_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [name for name in sc.__all__ if f"`{name}`" not in readme and f"sc.{name}" not in readme] == []
    for needed in ("make demo", "make test", "## Quick start", "make docs", "build/docs/index.html"):
        assert needed in readme, needed


# -- docstrings ---------------------------------------------------------------------------------------


def _documented_callables() -> list[tuple[str, object]]:
    import inspect

    found: list[tuple[str, object]] = []
    for name in sc.__all__:
        value = getattr(sc, name)
        if inspect.isfunction(value):
            found.append((name, value))
        elif name in ("Client", "Store", "Diff"):
            found += [
                (f"{name}.{method}", member)
                for method, member in vars(value).items()
                if inspect.isfunction(member) and not method.startswith("_")
            ]
        elif name == "plots":
            found += [(f"plots.{n}", getattr(value, n)) for n in value.__all__ if inspect.isfunction(getattr(value, n))]
    server = sc.demo.DemoServer
    found += [
        (f"demo.DemoServer.{method}", member)
        for method, member in vars(server).items()
        if inspect.isfunction(member) and not method.startswith("_")
    ]
    return found


@pytest.mark.parametrize(("name", "function"), _documented_callables(), ids=[n for n, _ in _documented_callables()])
def test_public_functions_document_args_returns_and_raises(name, function):
    import inspect

    doc = inspect.getdoc(function) or ""
    signature = inspect.signature(function)
    takes = [p for p in signature.parameters if p not in ("self", "cls")]
    if takes:
        assert "Args:" in doc, name
    if signature.return_annotation not in ("None", None, inspect.Signature.empty):
        assert "Returns:" in doc, name
    # Raises is asked of what can fail on the user's input or the network, not of a close or a lookup.
    if name not in NOTHING_TO_RAISE:
        assert "Raises:" in doc, name


#: Methods that raise nothing a caller could act on (closing, clearing, reading what is held).
NOTHING_TO_RAISE = {
    "Client.close",
    "Diff.counts",
    "Diff.summary",
    "Store.account_dir",
    "Store.entries",
    "Store.snapshots",
    "demo.DemoServer.stop",
    "demo.DemoServer.add_fault",
    "demo.DemoServer.fail_next",
    "demo.DemoServer.clear_requests",
    "demo.DemoServer.clear_faults",
    "demo.DemoServer.current_server_time",
}
