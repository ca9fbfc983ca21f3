"""Root pytest configuration: the environment that the notebook kernels inherit.

nbval copies os.environ when it starts each notebook's kernel, after collection and before any
fixture could run, so this is set here, in pytest_configure, for tests/ and notebooks/ alike.
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # The notebooks must show the demo catalogue, whatever token or url this shell has set.
    for name in [name for name in os.environ if name.startswith("SHAREDCLOUD_")]:
        del os.environ[name]
    os.environ["SHAREDCLOUD_DEMO"] = "1"
    os.environ["MPLBACKEND"] = "Agg"


# The quick loop (pytest -m "not slow") leaves out what takes long by nature: the property searches,
# the notebooks (a kernel each), the documentation build and the browser tests.
_SLOW_PATHS = ("tests/e2e/", "notebooks/", "tests/test_properties.py", "tests/test_docs.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        if where.startswith(_SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
