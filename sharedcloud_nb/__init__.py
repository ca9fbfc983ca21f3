"""sharedcloud_nb: explore the Sharedcloud Images API from Jupyter.

Re-exports the public names. Widgets, plots and the demo API are loaded on first use, so that
``import sharedcloud_nb`` costs little more than importing pandas and requests.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._config import VERSION
from .client import Client, connect, login
from .errors import (
    APIError,
    AuthenticationError,
    DemoDataWarning,
    InputError,
    InsecureURLError,
    NotFoundError,
    OfflineError,
    RateLimitError,
    ResponseError,
    ServerError,
    SharedcloudError,
    SharedcloudWarning,
    TransportError,
)
from .frames import images_frame

__version__ = VERSION

__all__ = [
    "APIError",
    "AuthenticationError",
    "Client",
    "DemoDataWarning",
    "Diff",
    "InputError",
    "InsecureURLError",
    "NotFoundError",
    "OfflineError",
    "RateLimitError",
    "ResponseError",
    "ServerError",
    "SharedcloudError",
    "SharedcloudWarning",
    "Store",
    "TransportError",
    "card",
    "connect",
    "demo",
    "diff",
    "explorer",
    "history",
    "image_picker",
    "images_frame",
    "login",
    "plots",
    "token_form",
]

_LAZY_MODULES = {"plots", "demo", "widgets"}
_LAZY_FUNCTIONS = {
    "token_form": "widgets",
    "image_picker": "widgets",
    # The explorer's module is not named "explorer": importing it would rebind sc.explorer.
    "explorer": "explore",
    "card": "display",
    # The snapshot store loads pyarrow.dataset and parquet: only when used.
    "Store": "store",
    "history": "timeline",
    "diff": "timeline",
    "Diff": "timeline",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_FUNCTIONS:
        return getattr(importlib.import_module(f".{_LAZY_FUNCTIONS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
