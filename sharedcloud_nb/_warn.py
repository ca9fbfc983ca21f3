"""Warnings that point at the user's line, whichever public function raised them.

A fixed ``stacklevel`` is right for one call depth only: the same conversion reached through
``sc.images_frame``, ``client.images()``, ``client.image()`` or ``parse_dates`` sits at four
depths, so a fixed level points inside the package or past the user's code (``sys:1``).
:func:`user_stacklevel` counts the frames up to the first one outside this package instead
(Python 3.12's ``skip_file_prefixes`` does the same, but 3.10 and 3.11 have no such option), and
:func:`warn` is how every warning of the package is emitted. :class:`Problems` collects what a
conversion could not read, to warn once per column with counts. :func:`warn_demo` says, once
per process, that the data is the built-in demo catalogue.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from types import FrameType
from typing import Any

from .errors import DemoDataWarning, SharedcloudWarning, excerpt

__all__ = ["Problems", "user_stacklevel", "warn", "warn_demo"]

#: This package's directory: frames whose code lives under it are not the user's.
#: Spelled as ``__file__`` is, since a frame's ``co_filename`` is the path its module was loaded from.
_PACKAGE_DIR = os.path.dirname(__file__) + os.sep


def _in_package(frame: FrameType) -> bool:
    return frame.f_code.co_filename.startswith(_PACKAGE_DIR)


def _internal(frame: FrameType) -> bool:
    # The frames that warnings.warn itself skips when it counts a stacklevel above 1 (the import machinery).
    filename = frame.f_code.co_filename
    return "importlib" in filename and "_bootstrap" in filename


def user_stacklevel(frame: FrameType | None = None) -> int:
    """The ``stacklevel`` that makes ``warnings.warn``, called in ``frame``, point at the user's line.

    Counted as ``warnings.warn`` counts: ``frame`` is level 1, and each level above it is the next
    frame that is not the import machinery's. The user's line is the first frame whose code is not
    in this package; when there is none (the package's own command line), the outermost frame.

    Args:
        frame: the frame that will call ``warnings.warn``; by default the caller's.

    Returns:
        The stacklevel to pass to ``warnings.warn`` in that frame.

    Example:
        >>> warnings.warn("odd", UserWarning, stacklevel=user_stacklevel())  # doctest: +SKIP
    """
    current = frame if frame is not None else sys._getframe(1)
    level = 1
    while _in_package(current):
        outer = current.f_back
        while outer is not None and _internal(outer):
            outer = outer.f_back
        if outer is None:
            break
        current, level = outer, level + 1
    return level


def warn(message: str, category: type[Warning] = SharedcloudWarning) -> None:
    """``warnings.warn(message, category)`` reported at the user's line (see :func:`user_stacklevel`).

    Example:
        >>> warn("created_at: 1 of 3 values are not dates")  # doctest: +SKIP
    """
    warnings.warn(message, category, stacklevel=user_stacklevel(sys._getframe(0)))


_demo_lock = threading.Lock()
_demo_warned = False  # the package remembers it warned: once per process, whichever cell connects


def warn_demo(message: str) -> bool:
    """Emit :class:`~sharedcloud_nb.DemoDataWarning` at the user's line, the first time only.

    Remembered by the package rather than left to the warnings registry, whose "once per
    location" would warn again from every cell (each cell is a new location).

    Args:
        message: what the data is and how to use an account instead.

    Returns:
        True when this call warned, False when the process had already been told.
    """
    global _demo_warned
    with _demo_lock:
        if _demo_warned:
            return False
        _demo_warned = True
    warnings.warn(message, DemoDataWarning, stacklevel=user_stacklevel(sys._getframe(0)))
    return True


def forget_demo_warning() -> None:
    """Let the next demo connection warn again (for tests)."""
    global _demo_warned
    with _demo_lock:
        _demo_warned = False


class Problems:
    """What a conversion could not read: one message per column, with counts, warned at the end.

    Args:
        total: how many values each column has (the number of records).

    Example:
        >>> problems = Problems(3)
        >>> problems.bad("tag", 1, 42, "strings")
        >>> problems.messages
        ['tag: 1 of 3 values are not strings and were set to missing (the first: 42)']
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.messages: list[str] = []

    def bad(self, column: str, count: int, first: Any, expected: str) -> None:
        """Note that ``count`` values of ``column`` are not ``expected`` (``first`` is the first of them)."""
        if count:
            self.messages.append(
                f"{column}: {count} of {self.total} values are not {expected} and were set to missing "
                f"(the first: {excerpt(repr(first), 60)})"
            )

    def outside(self, column: str, count: int, first: Any, bounds: str) -> None:
        """Note that ``count`` values of ``column`` are valid but outside what the column holds (``bounds``)."""
        if count:
            self.messages.append(
                f"{column}: {count} of {self.total} values are dates out of range (this column holds {bounds}) "
                f"and were set to missing (the first: {excerpt(repr(first), 60)})"
            )

    def absent(self, column: str, count: int) -> None:
        """Note that ``count`` records lack the field ``column``."""
        if count == self.total:
            self.messages.append(f"{column}: the field is missing from every record; the column is all missing")
        elif count:
            self.messages.append(f"{column}: the field is missing from {count} of {self.total} records")

    def note(self, message: str) -> None:
        """Note anything else worth a warning (a message that names its column first)."""
        self.messages.append(message)

    def warn(self) -> None:
        """One :class:`~sharedcloud_nb.SharedcloudWarning` per message, at the user's line."""
        for message in self.messages:
            warn(message)
