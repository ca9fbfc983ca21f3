"""Callbacks: a list of functions called in turn, where one that raises does not stop the others.

:class:`CallbackDispatcher` is what ``TokenForm.on_connect`` and ``ImagePicker.on_pick`` register
with, in the manner of ipywidgets' own ``CallbackDispatcher``; the widget decides how an error is
shown. :class:`Debounce` runs an action once typing pauses. Standard library only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .errors import InputTypeError

__all__ = ["CallbackDispatcher", "Debounce", "callback_name"]

log = logging.getLogger("sharedcloud_nb")

T = TypeVar("T")


def callback_name(callback: Callable[..., Any]) -> str:
    """How a message names a callback: its qualified name, else its repr.

    Example:
        >>> callback_name(str.upper)
        'str.upper'
    """
    return getattr(callback, "__qualname__", None) or getattr(callback, "__name__", None) or repr(callback)


class CallbackDispatcher(Generic[T]):
    """Callbacks called in turn with one value.

    A callback that raises is reported to ``on_error`` (and logged at DEBUG level); the callbacks
    after it still run. Registering a callback twice calls it twice.

    Args:
        on_error: called with a description ("on_pick callback f") and the exception.
        event: the name the description gives the callbacks, e.g. ``"on_pick"``.

    Example:
        >>> errors = []
        >>> dispatch = CallbackDispatcher(lambda who, exc: errors.append(who), event="on_pick")
        >>> dispatch.register_callback(print)
        >>> dispatch("picked")
        picked
    """

    def __init__(self, on_error: Callable[[str, BaseException], Any], *, event: str = "callback") -> None:
        self.callbacks: list[Callable[[T], Any]] = []
        self._on_error = on_error
        self._event = event

    def register_callback(self, callback: Callable[[T], Any], remove: bool = False) -> None:
        """Add ``callback``, or with ``remove=True`` take every registration of it away.

        Removal compares with ``==``, so a bound method fetched again (``obj.method``, a new
        object each time) removes the one registered.

        Raises:
            InputTypeError: (a TypeError) ``callback`` is not callable: it would fail only at the event.
        """
        if not remove and not callable(callback):
            raise InputTypeError(
                f"{self._event} takes a function (called with one argument), not {type(callback).__name__}."
            )
        if remove:
            self.callbacks = [cb for cb in self.callbacks if cb != callback]
        else:
            self.callbacks.append(callback)

    def __call__(self, value: T) -> None:
        """Call every callback with ``value``, in the order they were registered."""
        for callback in list(self.callbacks):  # a callback may register or remove others
            try:
                callback(value)
            except Exception as exc:
                who = f"{self._event} callback {callback_name(callback)}"
                log.debug("%s raised", who, exc_info=exc)
                self._on_error(who, exc)

    def __len__(self) -> int:
        return len(self.callbacks)


class Debounce:
    """Run ``action`` once calls pause for ``seconds``: each call puts the run off again.

    It waits on the running event loop (a Jupyter kernel's, where widget events arrive), so the
    action runs in the loop's thread as widget events do. With no loop running (a script, a
    test), each call runs the action at once.

    Args:
        action: what to run.
        seconds: the pause that runs it.
    """

    def __init__(self, action: Callable[[], Any], seconds: float) -> None:
        self.action = action
        self.seconds = seconds
        self._handle: asyncio.TimerHandle | None = None

    def __call__(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.action()
            return
        self.cancel()
        self._handle = loop.call_later(self.seconds, self._run)

    @property
    def pending(self) -> bool:
        """Whether a run is waiting for the pause."""
        return self._handle is not None

    def cancel(self) -> None:
        """Drop the waiting run, if any."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _run(self) -> None:
        self._handle = None
        self.action()
