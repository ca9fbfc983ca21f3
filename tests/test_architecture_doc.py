"""docs/architecture.md draws every module of the package, so that nobody needs another document."""

from __future__ import annotations

from pathlib import Path

import sharedcloud_nb

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(sharedcloud_nb.__file__).parent


def test_every_module_has_its_line_in_the_architecture() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = sorted(path.name for path in PACKAGE.rglob("*.py") if path.name != "__init__.py")
    missing = [name for name in modules if f" {name} " not in text]
    assert missing == [], f"add a line for each to docs/architecture.md: {missing}"
