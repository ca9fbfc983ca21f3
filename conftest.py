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
