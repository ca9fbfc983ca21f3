"""sharedcloud_nb: explore the Sharedcloud Images API from Jupyter, as typed pandas frames.

Quick start::

    import sharedcloud_nb as sc

    client = sc.connect()                # SHAREDCLOUD_TOKEN; without one, the built-in demo catalogue
    df = client.images()                 # every image: a typed DataFrame indexed by uuid
    sc.card(client.image(df.index[0]))   # one image, as the image picker's detail card
    sc.plots.runtimes(df)                # one plot per question (the notebook extra)

The names, by topic (``help(sc.<name>)`` for each):

- connecting: :func:`connect`, :class:`Client`, :func:`login`; :func:`token_form` (a widget);
- frames: :func:`images_frame` (records to the typed frame), :func:`card`; CSV and Parquet in
  ``sharedcloud_nb.files``;
- widgets and plots (``pip install 'sharedcloud_nb[notebook]'``): :func:`token_form`,
  :func:`image_picker`, :func:`explorer`, ``sc.plots``;
- snapshots through time: :class:`Store`, :func:`history`, :func:`diff`, :class:`Diff`;
- the demo API, real HTTP on this machine: ``sc.demo.DemoServer``;
- errors: :class:`SharedcloudError` and its tree (``help(sharedcloud_nb.errors)``);
  :class:`SharedcloudWarning`, :class:`DemoDataWarning`.

The notebooks in ``notebooks/`` are the tutorial; ``make docs`` builds them into a site with the
API reference. Only the error tree is imported with the package: everything else loads on first
use of one of its names (the client and the frames bring pandas, pyarrow and requests), so that
``python -m sharedcloud_nb.demo``, standard library only, starts without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._config import VERSION
from .errors import (
    APIError,
    AuthenticationError,
    DemoDataWarning,
    InputError,
    InputTypeError,
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

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from . import demo, plots, widgets  # noqa: F401 - widgets is a lazy module, not in __all__
    from .client import Client, connect, login
    from .display import card
    from .explore import explorer
    from .frames import images_frame
    from .store import Store
    from .timeline import Diff, diff, history
    from .widgets import image_picker, token_form

__version__ = VERSION

__all__ = [
    "APIError",
    "AuthenticationError",
    "Client",
    "DemoDataWarning",
    "Diff",
    "InputError",
    "InputTypeError",
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
    # The client and the frames bring pandas, pyarrow and requests: only when used.
    "Client": "client",
    "connect": "client",
    "login": "client",
    "images_frame": "frames",
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
    # Loaded on first use. Without the notebook extra a name still resolves (help, dir, hasattr and
    # `import *` work): to a stand-in whose call says how to install the extra.
    if name not in _LAZY_MODULES and name not in _LAZY_FUNCTIONS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name = name if name in _LAZY_MODULES else _LAZY_FUNCTIONS[name]
    try:
        module = importlib.import_module(f".{module_name}", __name__)
    except ImportError as exc:
        from . import _extras  # only when the notebook extra may be missing

        package = _extras.missing_package(exc)
        if package is None:
            raise
        return _extras.stand_in(__name__, module_name, name, package)
    if name in _LAZY_MODULES:
        return module
    value = getattr(module, name)
    globals()[name] = value  # kept: the next use is a plain attribute
    return value


def __dir__() -> list[str]:
    # The public API only: no importlib, Any or annotations in dir(sc) or in tab completion.
    return sorted([*__all__, "__version__"])
