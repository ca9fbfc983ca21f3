"""The project's own files: pyproject and environment.yml agree; the package imports lightly."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(requirement: str) -> str:
    return requirement.strip()[len(_name(requirement)) :].replace(" ", "")


def test_environment_yml_has_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    assert {_name(d): _spec(d) for d in conda} == {_name(d): _spec(d) for d in wanted}
    assert "conda-forge" in env["channels"]
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]


def test_constraints_pin_every_dependency():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [_name(d) for d in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        names += [_name(d) for d in extra]
    assert [n for n in names if n not in pins] == []


@pytest.mark.parametrize("name", ["duckdb", "polars"])
def test_benchmark_contenders_are_declared_everywhere_and_pinned_to_what_is_installed(name):
    from importlib.metadata import version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert name in [_name(d) for d in project["optional-dependencies"]["test"]]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert name in [_name(d) for d in env["dependencies"] if isinstance(d, str)]
    pins = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line)
    assert pins[name] == version(name)


def test_import_loads_no_widgets_plots_or_demo_server():
    code = (
        "import sys, sharedcloud_nb as sc\n"
        "heavy = [m for m in ('ipywidgets', 'matplotlib', 'sharedcloud_nb.demo', 'sharedcloud_nb.widgets',"
        " 'sharedcloud_nb.plots', 'http.server') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_names():
    import sharedcloud_nb as sc

    for name in sc.__all__:
        assert getattr(sc, name) is not None, name
    assert issubclass(sc.InsecureURLError, ValueError)
    assert issubclass(sc.InsecureURLError, sc.SharedcloudError)
    for cls in (sc.AuthenticationError, sc.NotFoundError, sc.RateLimitError, sc.ServerError):
        assert issubclass(cls, sc.APIError)


def test_the_demo_command_and_the_package_import_neither_pandas_nor_requests():
    code = (
        "import sys, sharedcloud_nb, sharedcloud_nb.demo.__main__\n"
        "print([m for m in ('pandas', 'pyarrow', 'numpy', 'requests', 'urllib3') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_name_is_there_lazily_and_by_star_import():
    code = (
        "import sharedcloud_nb as sc\n"
        "missing = [name for name in sc.__all__ if name not in dir(sc)]\n"
        "namespace = {}\n"
        "exec('from sharedcloud_nb import *', namespace)\n"
        "absent = [name for name in sc.__all__ if name not in namespace]\n"
        "same = sc.Client is namespace['Client'] and sc.images_frame is namespace['images_frame']\n"
        "print(missing, absent, same)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] [] True"
