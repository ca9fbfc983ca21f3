"""The image picker's search box: a Text widget that, called with a query, applies it at once.

``picker.search("tensorflow gpu")`` filters at once; typing in a catalogue of
:data:`DEBOUNCE_FROM` images or more filters once the typing pauses for :data:`DEBOUNCE_SECONDS`
(the picker's :class:`~sharedcloud_nb._callbacks.Debounce`), so a keystroke never waits for
a search of a million images.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

__all__ = ["DEBOUNCE_FROM", "DEBOUNCE_SECONDS", "search_box_class"]

#: Images from which typing in the picker's search box waits for a pause.
DEBOUNCE_FROM = 50_000
#: The pause, in seconds.
DEBOUNCE_SECONDS = 0.2


@functools.cache
def search_box_class() -> type:
    """The search box's class (made on first use: ipywidgets is imported only then)."""
    import ipywidgets

    class SearchBox(ipywidgets.Text):
        """A search box; ``picker.search("tensorflow gpu")`` filters at once, typing once it pauses."""

        apply: Callable[[str], None]

        def __call__(self, text: str) -> None:
            self.apply(text)

    return SearchBox
