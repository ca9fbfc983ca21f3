"""The widget front end matches the widget kernel side (no browser needed, so never skipped).

A mismatch between ipywidgets (in the kernel) and the JupyterLab widget manager extension shows
``VBox(children=...)`` as text instead of the form, with no error anywhere. ipywidgets 8 speaks
widget protocol 2 with controls/base model version 2.0.0, which ``@jupyter-widgets/jupyterlab-manager``
5.x (shipped by jupyterlab_widgets 3.x) provides, for JupyterLab 4.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from jupyter_core.paths import jupyter_path

ROOT = Path(__file__).resolve().parents[2]
MANAGER = "@jupyter-widgets/jupyterlab-manager"


def _major(text: str) -> int:
    return int(re.match(r"\D*(\d+)", text).group(1))


def _manager_package() -> dict:
    for base in jupyter_path("labextensions"):
        path = Path(base) / MANAGER / "package.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    pytest.fail(f"{MANAGER} is not installed in any of {jupyter_path('labextensions')}: install jupyterlab_widgets")


def test_ipywidgets_8_with_jupyterlab_widgets_3_and_jupyterlab_4():
    import ipywidgets
    from ipywidgets import _version

    assert _major(ipywidgets.__version__) == 8
    assert _version.__protocol_version__.startswith("2.")
    assert _major(version("jupyterlab_widgets")) == 3
    assert _major(version("jupyterlab")) == 4


def test_the_lab_extension_is_the_one_jupyterlab_widgets_ships_and_fits_this_jupyterlab():
    package = _manager_package()
    dependencies = package["dependencies"]
    assert package["name"] == MANAGER
    assert _major(package["version"]) == 5
    # controls 5.x / base 6.x are the JavaScript side of ipywidgets 8's model versions 2.0.0.
    assert _major(dependencies["@jupyter-widgets/controls"]) == 5
    assert _major(dependencies["@jupyter-widgets/base"]) == 6
    assert _major(dependencies["@jupyterlab/application"]) == _major(version("jupyterlab"))


def test_jupyter_labextension_list_shows_the_widget_manager_enabled():
    listing = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # It writes to stderr; "enabled" and "OK" say JupyterLab will load it.
    text = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr)
    line = next((line for line in text.splitlines() if MANAGER in line), "")
    assert "enabled" in line and "OK" in line and "jupyterlab_widgets" in line, text


def test_constraints_pin_jupyterlab_and_the_widgets_together():
    pins = dict(
        line.split("==", 1)
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    for name in ("jupyterlab", "ipywidgets", "jupyterlab_widgets"):
        assert pins.get(name) == version(name), name
