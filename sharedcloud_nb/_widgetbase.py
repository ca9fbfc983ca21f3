"""What every widget of the package shares: loading ipywidgets, and displaying itself.

A widget displays through its root (``.widget``) and, where widgets cannot render (a terminal,
nbconvert without the widget manager), as a one-line text that says what to do instead.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._extras import install_message
from .errors import InputError, InputTypeError

__all__ = ["NEEDS_WIDGETS", "Displayable", "OwnChanges", "check_client", "check_count", "check_pause", "ipywidgets"]

#: The ImportError's message when ipywidgets (the notebook extra) is missing.
NEEDS_WIDGETS = install_message("Each widget (sc.token_form(), sc.image_picker())")


def ipywidgets(needs: str = NEEDS_WIDGETS) -> Any:
    """The ipywidgets module, or an ImportError that says how to install it (``needs``: its message)."""
    try:
        import ipywidgets
    except ImportError as exc:
        raise ImportError(needs) from exc
    return ipywidgets


def check_client(client: Any, who: str) -> None:
    """A widget's ``client=``: a Client or None (a string would fail only at the first pick, in the card).

    Raises:
        InputTypeError: (a TypeError) anything else.
    """
    from .client import Client  # the client brings pandas and requests; the widgets have them already

    if client is not None and not isinstance(client, Client):
        raise InputTypeError(
            f"{who} takes client= a sc.Client (from sc.connect()) or None, not {type(client).__name__}."
        )


def check_count(value: Any, name: str) -> int:
    """A widget's how-many argument (``limit``, ``table_limit``): a whole number, 1 or more.

    Raises:
        InputError: (a ValueError) less than 1.
        InputTypeError: (a TypeError) not a whole number (a float, text, a bool).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputTypeError(f"{name} is a whole number of images, 1 or more; not {type(value).__name__}.")
    if value < 1:
        raise InputError(f"{name} is a whole number of images, 1 or more; not {value!r}.")
    return int(value)


def check_pause(value: Any, name: str) -> float:
    """A widget's pause in seconds (``debounce``): a number, 0 or more.

    Raises:
        InputError: (a ValueError) negative, infinite or NaN.
        InputTypeError: (a TypeError) not a number (text, a bool).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name} is a number of seconds, 0 or more; not {type(value).__name__}.")
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{name} is a number of seconds, 0 or more; not {value!r}.")
    return float(value)


class Displayable:
    """Display through the root widget, with a one-line text form where widgets cannot render."""

    widget: Any

    def _text_form(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs))
        bundle["text/plain"] = self._text_form()
        return bundle

    def __repr__(self) -> str:
        return self._text_form()


class OwnChanges:
    """Changes a widget makes to its own controls, which its observers must not take for a user's.

    Inside ``with self._sync():`` an observer sees ``self._syncing`` True and lets the change pass.
    """

    _syncing: bool = False

    @contextmanager
    def _sync(self) -> Iterator[None]:
        previous, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = previous
