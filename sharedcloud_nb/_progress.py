"""Progress of long calls: a ``tqdm.auto`` bar (a widget in Jupyter, text in a terminal).

A bar appears only once the work has lasted about a second (:data:`DELAY`), or at once before a
wait the server imposed that long, so quick calls print nothing and notebook outputs stay the
same. Turn it off with ``progress=False`` on a call, ``Client(progress=False)``, or
``SHAREDCLOUD_PROGRESS=0``. What a bar says is built from paths, counts and statuses only: it
never holds the token. tqdm is imported only when a bar is shown.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from . import _config

__all__ = ["DELAY", "Progress", "enabled"]

#: Seconds of work before a bar is shown.
DELAY = 1.0


def enabled(call: bool | None = None, client: bool | None = None) -> bool:
    """Whether to show progress: the call's choice > the client's > ``SHAREDCLOUD_PROGRESS`` > yes."""
    for choice in (call, client):
        if choice is not None:
            return bool(choice)
    return _config.progress_default()


class Progress:
    """One bar for one piece of work, created lazily; a context manager that always closes it.

    Args:
        description: what is being done, e.g. ``"GET /api/v1/images/"``.
        enabled: False makes every method a no-op.
        unit: ``"B"`` for bytes (scaled to kB, MB...), else a word such as ``"page"``.
        delay: seconds of work before the bar is shown.
    """

    def __init__(self, description: str, *, enabled: bool = True, unit: str = "B", delay: float = DELAY) -> None:
        self.description = description
        self.enabled = enabled
        self.unit = unit
        self.delay = delay
        self.started = time.monotonic()
        self.done = 0
        self.total: int | None = None
        self.bar: Any = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def update(self, done: int, total: int | None = None) -> None:
        """Set how much is done (and of how much, when known)."""
        self.done = done
        if total is not None:
            self.total = total
        if not self.enabled:
            return
        if self.bar is None and time.monotonic() - self.started >= self.delay:
            self._show()
        if self.bar is not None:
            if self.total is not None and self.bar.total != self.total:
                self.bar.total = self.total
            self.bar.n = self.done
            self.bar.refresh()

    def note(self, text: str, *, now: bool = False) -> None:
        """A line of news beside the bar (a retry, a wait); ``now`` shows the bar at once."""
        if not self.enabled:
            return
        if self.bar is None and (now or time.monotonic() - self.started >= self.delay):
            self._show()
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=True)

    def close(self) -> None:
        """Close the bar, if one was shown."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _show(self) -> None:
        from tqdm.auto import tqdm

        scaled = self.unit == "B"
        self.bar = tqdm(
            total=self.total,
            initial=self.done,
            desc=self.description,
            unit=self.unit,
            unit_scale=scaled,
            unit_divisor=1024 if scaled else 1000,
            leave=False,
        )
