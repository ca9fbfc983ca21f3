"""Print the lowest release series of each core dependency that pyproject.toml declares.

``make test-floors`` installs what this prints (``numpy>=1.26`` becomes ``numpy==1.26.*``, the
newest patch release of the oldest declared minor version) into a fresh venv and runs the core
tests there, so that a declared floor is a version the package works with. A dependency declared
with no ``>=`` floor is printed as declared.

Example:
    $ python tools/floors.py
    numpy==1.26.* pandas==2.2.* pyarrow==15.* requests==2.31.* tqdm==4.66.* urllib3==2.3.*
"""

from __future__ import annotations

import re
from pathlib import Path

# The [project] table's dependencies: a list of quoted requirement strings (tomllib is 3.11's, and
# Python 3.10 is supported; the list's shape is simple enough to read without it).
_DEPENDENCIES = re.compile(r"^dependencies\s*=\s*\[(.*?)\]", re.MULTILINE | re.DOTALL)
_FLOOR = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([0-9][0-9.]*)$")


def floors(pyproject: str) -> list[str]:
    """Each core requirement of ``pyproject`` as its lowest declared release series.

    Raises:
        ValueError: pyproject has no dependencies list.
    """
    found = _DEPENDENCIES.search(pyproject)
    if found is None:
        raise ValueError("pyproject.toml has no [project] dependencies list")
    pins = []
    for requirement in re.findall(r"\"([^\"]+)\"", found.group(1)):
        match = _FLOOR.match(requirement.replace(" ", ""))
        if match is None:
            pins.append(requirement)
            continue
        name, version = match.groups()
        pins.append(f"{name}=={version}.*")
    return pins


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    print(" ".join(floors((root / "pyproject.toml").read_text(encoding="utf-8"))))
