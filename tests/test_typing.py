"""The package is typed for its users: py.typed ships in the wheel, and a user's mypy --strict is clean."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "typing" / "user_script.py"
CONFIG = ROOT / "tests" / "typing" / "mypy.ini"


def _mypy(path: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(CONFIG), "--cache-dir", str(cache), str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


@pytest.mark.slow
def test_the_wheel_ships_py_typed(tmp_path):
    # Built as pip builds it for a user: in an isolated environment with the declared build requirements.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("sharedcloud_nb-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sharedcloud_nb/py.typed" in names
    assert not [name for name in names if name.startswith(("tests/", "notebooks/"))]


def test_a_users_script_passes_mypy_strict(tmp_path):
    result = _mypy(SCRIPT, tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found" in result.stdout


def test_mypy_strict_sees_a_misuse_of_the_api(tmp_path):
    # The check above means something only if the package's types reach the user's checker.
    bad = tmp_path / "misuse.py"
    bad.write_text(
        "import sharedcloud_nb as sc\n"
        "client = sc.Client('x' * 40)\n"
        "client.image(42)\n"
        "count: int = sc.login('me', 'secret')\n"
    )
    result = _mypy(bad, tmp_path / "cache")
    assert result.returncode == 1
    assert 'Argument 1 to "image" of "Client" has incompatible type "int"' in result.stdout
    assert 'Incompatible types in assignment (expression has type "str", variable has type "int")' in result.stdout


def test_the_users_script_runs_against_the_demo():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "404 Not found." in result.stdout and result.stderr == ""
