"""The image picker: a search box, the matching images and the detail card of the one picked.

A thin shell: the index and its search are :mod:`~sharedcloud_nb.search`'s, the card and the
labels :mod:`~sharedcloud_nb.display`'s. :mod:`~sharedcloud_nb.widgets` re-exports it.
"""

from __future__ import annotations

import logging
import uuid as uuid_module
from collections.abc import Callable
from typing import Any

import pandas as pd

from . import _searchbox
from ._callbacks import CallbackDispatcher, Debounce
from ._widgetbase import NEEDS_WIDGETS as _NEEDS_WIDGETS
from ._widgetbase import Displayable as _Displayable
from ._widgetbase import OwnChanges
from ._widgetbase import check_client as _check_client
from ._widgetbase import check_count as _check_count
from ._widgetbase import ipywidgets as _ipywidgets
from .client import Client
from .display import (
    EMPTY_CARD_HTML,
    Card,
    StatusLines,
    error_card,
    gone_card,
    image_card,
    loading_html,
    plural,
)
from .errors import InputError, InputTypeError, NotFoundError
from .search import PICKER_LIMIT, ImageIndex, Matches, is_uuid

try:  # traitlets comes with ipywidgets and ipykernel; the trait makes .value observable.
    import traitlets
except ImportError as exc:  # pragma: no cover - exercised only without the notebook extra
    raise ImportError(_NEEDS_WIDGETS) from exc

__all__ = ["ImagePicker", "PickError", "PickTypeError", "PickedId", "image_picker"]

log = logging.getLogger("sharedcloud_nb")


class PickError(traitlets.TraitError, InputError):
    """A pick that is neither listed nor a uuid: the TraitError traitlets raises, and an InputError."""


class PickTypeError(traitlets.TraitError, InputTypeError):
    """A pick that is not even text: the TraitError traitlets raises, and an InputTypeError."""


class PickedId(traitlets.Unicode[str | None, Any]):
    """The trait of a picked image's id: text (a ``uuid.UUID`` is taken as its text), or None."""

    def validate(self, obj: Any, value: Any) -> Any:
        if isinstance(value, uuid_module.UUID):
            value = str(value)
        elif value is not None and not isinstance(value, str):
            raise PickTypeError(
                f"A pick is an image's uuid as text, e.g. '24b310f8-1405-4928-914f-d5c91272f88a'; "
                f"not {type(value).__name__}."
            )
        return super().validate(obj, value)


class ImagePicker(_Displayable, OwnChanges, traitlets.HasTraits):
    """A searchable list of images and a detail card of the one picked.

    Build it with :func:`image_picker`. Widgets (each also reachable by its CSS class):
    ``search`` (Text, ``sc-picker-search``; ``picker.search("gpu")`` applies a query at once,
    while typing in a large catalogue filters once it pauses), ``count_label`` (Label,
    ``sc-picker-count``), ``select`` (Select, ``sc-picker-list``; option values are uuids),
    ``card`` (HTML, ``sc-picker-card``), ``status`` (HTML, ``sc-picker-status``: callback errors), and
    ``widget``, the root.

    Traits:
        value: the picked image's id as listed (a uuid, or whatever id an edited listing holds),
            None before. Setting it (any spelling of a uuid) selects that image, clearing the
            search if it hides it, and shows its card. An image listed without a uuid is listed
            too ("name (no uuid)"); its value is a placeholder key, "(no uuid #1)", "(no uuid #2)"...
            in the frame's order, which is no uuid: ``picker.index.lacks_uuid(picker.value)`` is
            True, and its card is its row of the list (the server cannot be asked for it).

    Attributes:
        image: the typed Series of the pick (fresh from the server when a client is at hand),
            None before or when it could not be read. Its name is the uuid (missing for an image
            listed without one).
        frame: the listed images; index: their :class:`ImageIndex`; client: the Client used for
            the detail request, or None.
    """

    value = PickedId(None, allow_none=True)

    def __init__(
        self,
        source: Client | pd.DataFrame,
        *,
        client: Client | None = None,
        on_pick: Callable[[pd.Series], Any] | None = None,
        limit: int = PICKER_LIMIT,
    ) -> None:
        super().__init__()
        _check_client(client, "image_picker()")
        if isinstance(source, Client):
            client = client if client is not None else source
            frame = source.images()
        elif isinstance(source, pd.DataFrame):
            frame = source
        else:
            raise InputTypeError(
                f"image_picker() takes a Client or an images DataFrame (client.images()), got {type(source).__name__}."
            )
        w = _ipywidgets()
        self.client = client
        self.frame = frame
        self.index = ImageIndex(frame)
        self.limit = limit
        self.image: pd.Series | None = None
        #: the last exception of a detail request or callback
        self.last_error: BaseException | None = None
        self._on_pick: CallbackDispatcher[pd.Series] = CallbackDispatcher(self._callback_failed, event="on_pick")
        if on_pick is not None:
            self.on_pick(on_pick)
        self._matches: Matches | None = None

        self.search = _searchbox.search_box_class()(
            placeholder="Search name, runtime, registry path, description or uuid",
            layout=w.Layout(width="420px"),
        )
        self.search.apply = self._apply_search
        # Typing in a large catalogue filters once the typing pauses, not at every keystroke.
        self._typed = Debounce(self._refresh, _searchbox.DEBOUNCE_SECONDS)
        self.count_label = w.Label(value="")
        self.select = w.Select(options=[], index=None, rows=10, layout=w.Layout(width="420px"))
        self.card = w.HTML(value=EMPTY_CARD_HTML)
        self.status = w.HTML(value="")
        self._status = StatusLines(self.status)
        self.widget = w.VBox([self.search, self.count_label, self.select, self.card, self.status])
        for widget, css in (
            (self.widget, "sc-image-picker"),
            (self.search, "sc-picker-search"),
            (self.count_label, "sc-picker-count"),
            (self.select, "sc-picker-list"),
            (self.card, "sc-picker-card"),
            (self.status, "sc-picker-status"),
        ):
            widget.add_class(css)
        self._card = Card(title="")
        self._refresh()
        self.search.observe(self._search_changed, names="value")
        self.select.observe(self._select_changed, names="value")

    # -- public -----------------------------------------------------------------------------------

    def on_pick(self, callback: Callable[[pd.Series], Any], remove: bool = False) -> None:
        """Register (or remove) a callback called with the image Series after each pick.

        It is not called when the image could not be read. An exception in a callback is shown
        in the picker's status area (and kept in ``last_error``).
        """
        self._on_pick.register_callback(callback, remove=remove)

    @property
    def limit(self) -> int:
        """How many matches the list shows at most; settable (a whole number, 1 or more)."""
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._limit = _check_count(value, "limit")

    @property
    def count_text(self) -> str:
        """The count label's text, e.g. "12 of 42 images"."""
        return self.count_label.value

    @property
    def card_text(self) -> str:
        """The card's content as plain text (empty before a pick)."""
        return self._card.text

    def _text_form(self) -> str:
        return (
            f"Sharedcloud image picker over {plural(len(self.index), 'image')} (widgets cannot show here): "
            "search with picker.search('words'), pick with picker.value = '<uuid>', then read picker.image."
        )

    # -- traits ------------------------------------------------------------------------------------

    @traitlets.validate("value")
    def _validate_value(self, proposal: dict[str, Any]) -> str | None:
        if proposal["value"] is None:
            return None
        try:
            return self.index.resolve(proposal["value"])
        except ValueError as exc:
            raise PickError(str(exc)) from None

    @traitlets.observe("value")
    def _value_changed(self, change: dict[str, Any]) -> None:
        uuid = change["new"]
        self._show_in_list(uuid)
        self._load(uuid)

    # -- the list ---------------------------------------------------------------------------------

    def _search_changed(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        if len(self.index) >= _searchbox.DEBOUNCE_FROM:
            self._typed()
        else:
            self._refresh()

    def _apply_search(self, text: str) -> None:
        """``picker.search(text)``: the query in the box, applied at once."""
        if not isinstance(text, str):
            raise InputTypeError(f"picker.search() takes text, e.g. picker.search('gpu'); not {type(text).__name__}.")
        self._typed.cancel()
        with self._sync():
            self.search.value = text
        self._refresh()

    def _select_changed(self, change: dict[str, Any]) -> None:
        if self._syncing or change["new"] is None:
            return  # the picker's own update, or a selection that a new filter hid
        self.value = change["new"]

    def _refresh(self) -> None:
        """Filter by the search box; list the first matches, and the pick when it matches too."""
        matches = self.index.search(self.search.value, self.limit)
        self._matches = matches
        shown = list(matches.shown)
        picked = self.index.position(self.value) if self.value is not None else None
        if picked is not None and matches.mask[picked] and picked not in set(shown):
            shown.insert(0, picked)  # a match beyond the limit stays visible once picked
        options = [(self.index.label_at(i), self.index.uuid_at(i)) for i in shown]
        with self._sync():
            self.select.index = None  # else new options would select their first entry
            self.select.options = options
            if picked is not None and picked in set(shown):
                self.select.value = self.value
        self.count_label.value = self.index.count_text(matches)

    def _show_in_list(self, uuid: str | None) -> None:
        position = self.index.position(uuid) if uuid is not None else None
        if position is not None and self._matches is not None and not self._matches.mask[position]:
            with self._sync():
                self.search.value = ""  # the search hides the pick: show everything again
        self._refresh()

    # -- the card ---------------------------------------------------------------------------------

    def _set_card(self, card: Card | None) -> None:
        self._card = card if card is not None else Card(title="")
        self.card.value = card.html if card is not None else EMPTY_CARD_HTML

    def _load(self, uuid: str | None) -> None:
        self._status.set("")
        self.image = None
        if uuid is None:
            self._set_card(None)
            return
        listed = self.index.row(uuid)
        if listed is not None and self.index.lacks_uuid(uuid):
            # Listed without a uuid: its row is all there is, and the server cannot be asked for it.
            self._set_card(image_card(listed, note="From the list (it has no uuid, so the server cannot be asked)."))
            self._picked(listed)
            return
        if self.client is None:
            if listed is None:
                self._set_card(
                    error_card(uuid, LookupError("it is not in this list, and there is no client to ask the server"))
                )
                return
            self._set_card(image_card(listed, note="From the list (give client= to read it fresh from the server)."))
            self._picked(listed)
            return
        if listed is not None and not is_uuid(uuid):
            # An id that is no uuid (an edited file, say): the server cannot be asked for it.
            self._set_card(image_card(listed, note="From the list (its id is not a uuid, so the server is not asked)."))
            self._picked(listed)
            return
        self.card.value = loading_html(uuid)
        try:
            image = self.client.image(uuid)
        except NotFoundError as exc:
            self.last_error = exc
            self._set_card(gone_card(uuid, listed))
            return
        except Exception as exc:
            self.last_error = exc
            self._set_card(error_card(uuid, exc, listed))
            return
        self._set_card(image_card(image))
        self._picked(image)

    def _picked(self, image: pd.Series) -> None:
        self.image = image
        self._on_pick(image)

    def _callback_failed(self, who: str, exc: BaseException) -> None:
        self.last_error = exc
        self._status.add(f"{who} raised {type(exc).__name__}: {exc}")


def image_picker(
    source: Client | pd.DataFrame,
    client: Client | None = None,
    on_pick: Callable[[pd.Series], Any] | None = None,
    *,
    limit: int = PICKER_LIMIT,
) -> ImagePicker:
    """A search box, a list of the matching images and a detail card of the one picked.

    Args:
        source: a Client (its ``images()`` are listed, and it reads each pick fresh) or a typed
            images frame.
        client: the Client for the detail request when ``source`` is a frame; without one the
            card shows the frame's row.
        on_pick: called with the picked image's typed Series.
        limit: how many matches the list shows at most (the count label says how many more).

    Returns:
        An :class:`ImagePicker`; ``picker.value`` is the picked uuid, ``picker.image`` its Series.

    Raises:
        InputTypeError: (a TypeError) ``source`` is neither a Client nor a DataFrame, ``client`` is not
            a Client, or ``on_pick`` is not callable.
        InputError: (a ValueError) ``limit`` below 1.
        SharedcloudError: listing the images of a Client failed.
        ImportError: ipywidgets is not installed.

    Example:
        >>> picker = sc.image_picker(client)  # doctest: +SKIP
        >>> picker.value = "24b310f8-1405-4928-914f-d5c91272f88a"  # doctest: +SKIP
        >>> picker.image["name"]  # doctest: +SKIP
        'web-crawling'
    """
    return ImagePicker(source, client=client, on_pick=on_pick, limit=limit)
