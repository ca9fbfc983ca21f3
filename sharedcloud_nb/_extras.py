"""The ``notebook`` extra: what needs it, and what a call says when it is not installed.

A core install (``pip install sharedcloud_nb``, without ``[notebook]``) has no ipywidgets, traitlets
or matplotlib. ``help(sc)``, ``dir(sc)``, ``hasattr(sc, name)`` and ``from sharedcloud_nb import *``
must work there all the same, so when a lazy name's module cannot be imported for want of the
extra, :func:`stand_in` gives an object of the same name whose *call* raises an ``ImportError``
naming the extra and the two ways to install it. Its names and docstrings are read from the
module's source (``ast``), without importing it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from types import ModuleType
from typing import Any, NoReturn

__all__ = ["EXTRA", "install_message", "missing_package", "stand_in"]

#: The extra that brings widgets and plots.
EXTRA = "notebook"

#: The top-level packages of the extra that the package's modules import.
_PACKAGES = frozenset({"ipywidgets", "traitlets", "matplotlib", "itables", "anywidget", "IPython", "ipykernel"})


def install_message(what: str, package: str | None = None) -> str:
    """What a call that needs the ``notebook`` extra says without it.

    Args:
        what: the call, as the user wrote it (``"sc.token_form()"``).
        package: the package found missing, if known.

    Returns:
        One sentence naming the extra and the install commands for a released package and a clone.

    Example:
        >>> print(install_message("sc.token_form()", "ipywidgets"))  # doctest: +NORMALIZE_WHITESPACE
        sc.token_form() needs the 'notebook' extra (ipywidgets is not installed): pip install
        'sharedcloud_nb[notebook]', or in a clone of the repository pip install -e '.[notebook]'.
    """
    missing = f" ({package} is not installed)" if package else ""
    return (
        f"{what} needs the '{EXTRA}' extra{missing}: pip install 'sharedcloud_nb[{EXTRA}]', "
        f"or in a clone of the repository pip install -e '.[{EXTRA}]'."
    )


def missing_package(exc: ImportError) -> str | None:
    """The package of the ``notebook`` extra whose absence caused ``exc``, or None for another cause."""
    while exc is not None:
        top = (exc.name or "").split(".")[0]
        if top in _PACKAGES:
            return top
        cause = exc.__cause__ or exc.__context__
        exc = cause if isinstance(cause, ImportError) else None  # type: ignore[assignment]
    return None


def _unavailable(what: str, package: str, doc: str | None) -> Callable[..., NoReturn]:
    def unavailable(*args: Any, **kwargs: Any) -> NoReturn:
        raise ImportError(install_message(what, package), name=package)

    unavailable.__name__ = unavailable.__qualname__ = what.rstrip("()").rsplit(".", 1)[-1]
    unavailable.__doc__ = f"{doc or ''}\n\nNot available here: {install_message(what, package)}".strip()
    return unavailable


def _source_names(module: str) -> tuple[list[str], dict[str, ast.AST], str | None]:
    """A module's ``__all__``, its top-level definitions and docstring, read from its source."""
    # Imported here, when a name stands in: widgets.py imports this module for its message only.
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return [], {}, None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    names: list[str] = []
    defs: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            defs[node.name] = node
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id == "__all__":
                names = list(ast.literal_eval(node.value))
            else:
                defs[node.targets[0].id] = node.value
    return names, defs, ast.get_docstring(tree)


def _stand_in_value(what: str, node: ast.AST | None, package: str) -> Any:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return _unavailable(what + "()", package, ast.get_docstring(node))
    if node is not None:
        try:
            return ast.literal_eval(node)  # a constant keeps its value
        except ValueError:
            pass
    return _unavailable(what + "()", package, None)


def stand_in(package_name: str, module: str, name: str, package: str) -> Any:
    """What ``sc.<name>`` is when ``sc.<module>`` cannot be imported for want of ``package``.

    Args:
        package_name: ``sharedcloud_nb``.
        module: the submodule that holds ``name`` (``"widgets"``).
        name: the attribute asked for: the module itself (``"plots"``) or one of its names.
        package: the missing package of the extra.

    Returns:
        For a module, a stand-in module with the same public names (``dir()`` and ``help()`` work)
        whose functions raise; for a function, a function with its docstring that raises
        ``ImportError`` (see :func:`install_message`) when called.
    """
    names, defs, doc = _source_names(f"{package_name}.{module}")
    if name != module:
        return _stand_in_value(f"sc.{name}", defs.get(name), package)
    stub = ModuleType(f"{package_name}.{module}", f"{doc or ''}\n\n{install_message(f'sc.{module}', package)}")
    stub.__all__ = names  # type: ignore[attr-defined]  # a module's own __all__
    for public in names:
        setattr(stub, public, _stand_in_value(f"sc.{module}.{public}", defs.get(public), package))
    stub.__dir__ = lambda: sorted(names)  # type: ignore[method-assign]  # PEP 562: dir() of the module
    return stub


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
