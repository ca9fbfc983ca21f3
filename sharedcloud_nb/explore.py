"""The explorer: filters, a table, linked plots and a detail card of the catalogue, in one view.

:func:`explorer` builds an :class:`Explorer`, a thin shell of ipywidgets over the plain logic of
:mod:`sharedcloud_nb.filters` (the filters dict, the picker's search, the table's rows), the
picker's cards (``image_card``) and the helpers of
:mod:`sharedcloud_nb.plots`. ``make app`` serves the same view as a Voilà app.

The table is itables' ``ITable`` widget (DataTables, bundled: nothing is fetched at run time). Its
order is kept here (``explorer.sort``, the "Sort by" control) and applied to every match before the
rows are cut to ``table_limit``; DataTables is only told which column that is, for its header arrow.
The plots are drawn on one matplotlib Figure, made without pyplot (so no figure piles up in
pyplot's registry, nor is shown twice by the inline backend), and sent as one PNG to an Image
widget, which swaps the picture in place: no flicker.

Every important widget carries a stable CSS class for browser tests: ``sc-explorer``,
``sc-explorer-search``, ``sc-explorer-count``, ``sc-explorer-runtimes``, ``sc-explorer-gpu``,
``sc-explorer-created-from``, ``sc-explorer-created-to``, ``sc-explorer-min-installations``,
``sc-explorer-sort``, ``sc-explorer-sort-direction``, ``sc-explorer-reset``, ``sc-explorer-table``, ``sc-explorer-note``, ``sc-explorer-plots``,
``sc-explorer-card``, ``sc-explorer-history``, ``sc-explorer-status``, ``sc-explorer-connect``.
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import traitlets

from . import _config, _offline
from ._explore_parts import SORT_CHOICES as _SORT_CHOICES
from ._explore_parts import Plots as _Plots
from ._explore_parts import check_frame as _check_frame
from ._explore_parts import detail_card as _detail_card
from ._explore_parts import read_history as _read_history
from ._explore_parts import table_options as _table_options
from ._explore_parts import table_order as _table_order
from ._extras import install_message
from ._picker import PickedId, PickError
from ._widgetbase import Displayable, OwnChanges
from ._widgetbase import check_client as _check_client
from ._widgetbase import check_count as _check_count
from ._widgetbase import check_pause as _check_pause
from ._widgetbase import ipywidgets as _ipywidgets
from .client import Client, connect
from .display import Card
from .errors import InputTypeError, SharedcloudError
from .filters import (
    DEFAULT_FILTERS,
    DEFAULT_SORT,
    TABLE_COLUMNS,
    TABLE_LIMIT,
    CatalogueFilter,
    Debouncer,
    check_sort,
    count_text,
    merge_filters,
    table_frame,
    table_note,
)
from .frames import images_frame
from .widgets import TokenForm

__all__ = ["Explorer", "explorer"]

log = logging.getLogger("sharedcloud_nb")

_NEEDS_WIDGETS = install_message("sc.explorer()")
_GREY = "#555555"
_RED = "#b00020"
#: The pause in typing after which the search applies, in seconds.
DEBOUNCE = 0.25
_GPU_CHOICES = (("all", "all"), ("CPU", "cpu"), ("GPU", "gpu"))
_GPU_VALUE = {"all": None, "cpu": False, "gpu": True}
_GPU_CHOICE = {None: "all", False: "cpu", True: "gpu"}


class Explorer(Displayable, OwnChanges, traitlets.HasTraits):
    """Filters, the matching images' table, linked plots and the detail card of the one selected.

    Build it with :func:`explorer`. Display it (last expression of a cell) to show it.

    Traits:
        selected: the chosen image's id as listed (a uuid in any spelling may be set), None
            before. Settable: setting it shows that image's card (and, when the snapshot store
            holds it, its installations over time). An image listed without a uuid has a
            placeholder key, "(no uuid #1)"... as the picker's ``value`` (the table's uuid column
            shows it): its card is its row of the list, and it has no history.

    Attributes:
        frame: every image; client: the Client of the detail requests, or None.
        widget: the root widget; the controls are ``search``, ``runtimes``, ``gpu``,
            ``created_from``, ``created_to``, ``min_installations``, ``sort_by``,
            ``sort_direction``, ``reset_button``, and the
            outputs ``count``, ``table``, ``plots``, ``card``, ``history``, ``status``, ``form``.
    """

    selected = PickedId(None, allow_none=True)

    def __init__(
        self,
        source: Client | pd.DataFrame | None = None,
        *,
        client: Client | None = None,
        store: Any = None,
        table_limit: int = TABLE_LIMIT,
        debounce: float = DEBOUNCE,
        sort: Any = None,
    ) -> None:
        super().__init__()
        w = _ipywidgets(_NEEDS_WIDGETS)
        self.table_limit = _check_count(table_limit, "table_limit")
        if store is not None:
            _offline.as_store(store)  # a store that is no folder is refused here, not later in the history panel
        self.store = store
        #: the last exception of a detail request, a load or a callback
        self.last_error: BaseException | None = None
        # Filters are applied one at a time. In a kernel everything runs on its event loop anyway;
        # elsewhere (a script) the search waits on a timer thread, which must not interleave with a
        # control changed meanwhile (it would be taken for the explorer's own sync, and lost).
        self._lock = threading.RLock()
        self._filters: dict[str, Any] = dict(DEFAULT_FILTERS)
        self._sort = check_sort(sort)
        self._debounce = Debouncer(self._search_typed, delay=_check_pause(debounce, "debounce"))
        self._history: pd.DataFrame | None = None
        self._table_uuids: np.ndarray = np.array([], dtype=object)
        self._last_mask: np.ndarray | None = None  # the matches last plotted
        self._mask = np.zeros(0, dtype=bool)  # the matches in force
        self._card = Card(title="")
        self._plots = _Plots()
        self._history_plot = _Plots()
        self._build_widgets(w)
        self._wire()
        self._set_source(source, client)

    # -- building ---------------------------------------------------------------------------------

    def _build_widgets(self, w: Any) -> None:
        try:
            from itables.widget import ITable
        except ImportError as exc:  # itables (or anywidget) missing: say which extra brings them
            raise ImportError(_NEEDS_WIDGETS) from exc

        self.search = w.Text(
            placeholder="Search name, runtime, registry path, description or uuid",
            continuous_update=True,
            layout=w.Layout(width="440px"),
        )
        self.count = w.HTML(value="")
        self.runtimes = w.SelectMultiple(options=[], rows=6, description="Runtime", layout=w.Layout(width="260px"))
        self.gpu = w.ToggleButtons(options=_GPU_CHOICES, value="all", description="Needs")
        self.gpu.style.button_width = "60px"
        wide = {"description_width": "initial"}  # the labels whole, not cut to the default width
        self.created_from = w.DatePicker(description="Created from", value=None, style=wide)
        self.created_to = w.DatePicker(description="to", value=None, style=wide)
        self.min_installations = w.BoundedIntText(
            value=0, min=0, max=10**12, description="Min. installs", style=wide, layout=w.Layout(width="220px")
        )
        self.sort_by = w.Dropdown(
            options=_SORT_CHOICES, description="Sort by", style=wide, layout=w.Layout(width="220px")
        )
        self.sort_direction = w.ToggleButtons(options=(("ascending", True), ("descending", False)))
        self.sort_direction.style.button_width = "100px"
        self.reset_button = w.Button(description="Reset", tooltip="Show every image again, most installed first")
        self._table_options = _table_options()
        empty = table_frame(pd.DataFrame(columns=[c for _, c in TABLE_COLUMNS])).reset_index()
        self.table = ITable(empty, **self._table_options)
        self.note = w.HTML(value="")
        self.plots = w.Image(format="png", layout=w.Layout(width="600px"))
        self.card = w.HTML(value=self._empty_card_html())
        self.history = w.Image(format="png", layout=w.Layout(display="none", width="440px"))
        self.status = w.HTML(value="")
        self.form = TokenForm()
        self.connect_box = w.Accordion(children=[self.form.widget], titles=("Connect to your Sharedcloud account",))
        self.connect_box.selected_index = None
        dates = w.HBox([self.created_from, self.created_to])
        order = w.HBox([self.sort_by, self.sort_direction])
        filters = w.HBox([self.runtimes, w.VBox([self.gpu, dates, self.min_installations, order]), self.reset_button])
        details = w.VBox([self.card, self.history], layout=w.Layout(width="460px"))
        self.widget = w.VBox(
            [
                self.connect_box,
                w.HBox([self.search, self.count]),
                filters,
                self.table,
                self.note,
                w.HBox([self.plots, details]),
                self.status,
            ]
        )
        for widget, css in (
            (self.widget, "sc-explorer"),
            (self.search, "sc-explorer-search"),
            (self.count, "sc-explorer-count"),
            (self.runtimes, "sc-explorer-runtimes"),
            (self.gpu, "sc-explorer-gpu"),
            (self.created_from, "sc-explorer-created-from"),
            (self.created_to, "sc-explorer-created-to"),
            (self.min_installations, "sc-explorer-min-installations"),
            (self.sort_by, "sc-explorer-sort"),
            (self.sort_direction, "sc-explorer-sort-direction"),
            (self.reset_button, "sc-explorer-reset"),
            (self.table, "sc-explorer-table"),
            (self.note, "sc-explorer-note"),
            (self.plots, "sc-explorer-plots"),
            (self.card, "sc-explorer-card"),
            (self.history, "sc-explorer-history"),
            (self.status, "sc-explorer-status"),
            (self.connect_box, "sc-explorer-connect"),
        ):
            widget.add_class(css)

    def _wire(self) -> None:
        self.search.observe(self._search_changed, names="value")
        self.runtimes.observe(lambda c: self._control("runtimes", tuple(c["new"])), names="value")
        self.gpu.observe(lambda c: self._control("gpu", _GPU_VALUE[c["new"]]), names="value")
        self.created_from.observe(lambda c: self._control_created(), names="value")
        self.created_to.observe(lambda c: self._control_created(), names="value")
        self.min_installations.observe(lambda c: self._control("min_installations", c["new"]), names="value")
        self.sort_by.observe(lambda c: self._sort_control(), names="value")
        self.sort_direction.observe(lambda c: self._sort_control(), names="value")
        self.reset_button.on_click(lambda _button: self.reset())
        self.table.observe(self._rows_selected, names="selected_rows")
        self.form.observe(self._connected, names="client")

    # -- the data ---------------------------------------------------------------------------------

    def _set_source(self, source: Client | pd.DataFrame | None, client: Client | None) -> None:
        _check_client(client, "explorer()")
        if source is not None:
            if not isinstance(source, (Client, pd.DataFrame)):
                raise InputTypeError(
                    f"explorer() takes a Client, an images DataFrame or nothing, not {type(source).__name__}."
                )
            self.load(source, client=client)
        elif not _config.demo_forced() and _config.resolve_token(None) is None:
            self._load(images_frame([]), None)  # nothing configured: the form first
            self.connect_box.selected_index = 0
            self._say("Connect with your API token to explore your images (or set SHAREDCLOUD_TOKEN).", "info")
        else:
            try:
                found = connect()
                self._load(found.images(), found)
            except SharedcloudError as exc:  # shown in the view: the app has no traceback to show
                self.last_error = exc
                self._load(images_frame([]), None)
                self.connect_box.selected_index = 0
                self._say(f"Could not load the images: {exc}", "error")

    def load(self, source: Client | pd.DataFrame, *, client: Client | None = None) -> None:
        """Explore another catalogue (a Client's images, or a frame); the filters stay as they are.

        Raises:
            InputTypeError: (a TypeError) ``source`` is neither a Client nor a DataFrame, ``client`` no Client.
            InputError: (a ValueError) the frame lacks a column the filters or plots need.
            SharedcloudError: listing a Client's images failed.
        """
        _check_client(client, "load()")
        if isinstance(source, Client):
            self._load(source.images(), client if client is not None else source)
        elif isinstance(source, pd.DataFrame):
            self._load(_check_frame(source), client)
        else:
            raise InputTypeError(f"load() takes a Client or an images DataFrame, not {type(source).__name__}.")

    def _load(self, frame: pd.DataFrame, client: Client | None) -> None:
        self.client = client
        self._prepared = CatalogueFilter(frame)
        self.frame = self._prepared.frame
        self._history = None
        self._last_mask = None
        self.selected = None
        self._apply()

    def _connected(self, change: dict[str, Any]) -> None:
        if change["new"] is None:
            return
        try:
            self.load(change["new"])
        except SharedcloudError as exc:
            self.last_error = exc
            self._say(f"Connected, but the images could not be listed: {exc}", "error")
            return
        self._say("")
        self.connect_box.selected_index = None

    # -- the filters --------------------------------------------------------------------------------

    @property
    def filters(self) -> dict[str, Any]:
        """The filters in force, as a new dict; assigning a dict changes the filters it names, at once.

        The keys are those of :data:`~sharedcloud_nb.filters.DEFAULT_FILTERS`. Changing the dict
        read here changes nothing; assign it back instead.
        """
        return dict(self._filters)

    @filters.setter
    def filters(self, changes: Mapping[str, Any]) -> None:
        with self._lock:
            merged = merge_filters(changes, self._filters)  # raises before anything changes
            self._debounce.cancel()  # a filter set from code wins over typing still waiting
            self._filters = merged
            self._apply()

    def reset(self) -> None:
        """Every filter back to its default, and the default order: all images, most installed first."""
        with self._lock:
            self._debounce.cancel()
            self._filters = dict(DEFAULT_FILTERS)
            self._sort = DEFAULT_SORT
            self._apply()

    @property
    def sort(self) -> tuple[str, bool]:
        """The table's order, ``(column, ascending)``: every match is sorted, then the first shown.

        Assign ``(column, ascending)`` (a frame column of the table, e.g. ``"created_at"``, or its
        label, e.g. ``"created"``), or a column alone for ascending, or None for the default
        ``("num_installations", False)``. It applies at once; the filters stay.
        """
        return self._sort

    @sort.setter
    def sort(self, value: Any) -> None:
        with self._lock:
            self._sort = check_sort(value)  # raises before anything changes
            self._sync_sort()
            self._show_table()

    @property
    def filtered(self) -> pd.DataFrame:
        """The matching images (typed, the same schema as ``frame``), in the frame's order.

        The table's order (:attr:`sort`) is not applied here, so that ``filtered`` is the same
        frame whatever the table shows; ``filtered.iloc[sort_rows(filtered, view.sort)]`` is it in
        that order (``from sharedcloud_nb.filters import sort_rows``).
        """
        return self._filtered

    @property
    def count_text(self) -> str:
        """The count, e.g. "12 of 48 images"."""
        return count_text(len(self._filtered), len(self.frame))

    @property
    def card_text(self) -> str:
        """The card's content as plain text (empty before a selection)."""
        return self._card.text

    def _search_changed(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._debounce(change["new"])

    def _search_typed(self, text: str) -> None:
        self._control("search", text)

    def _control(self, key: str, value: Any) -> None:
        """A control changed: apply at once (a bad value is said in the status area)."""
        try:
            with self._lock:
                if self._syncing:
                    return
                self._filters = merge_filters({key: value}, self._filters)
                self._apply()
        except Exception as exc:
            self.last_error = exc
            log.debug("explorer filter %s failed", key, exc_info=exc)
            self._say(f"Could not apply the {key} filter: {exc}", "error")

    def _control_created(self) -> None:
        self._control("created", (self.created_from.value, self.created_to.value))

    def _sort_control(self) -> None:
        if not self._syncing:
            self.sort = (self.sort_by.value, self.sort_direction.value)

    def _apply(self) -> None:
        result = self._prepared.apply(self._filters)
        self._mask = result.mask
        self._filtered = self.frame[result.mask]
        self._sync_controls(result.runtime_counts)
        self.count.value = f"<b>{html.escape(self.count_text)}</b>"
        self._show_table()
        if self._last_mask is None or not np.array_equal(self._last_mask, result.mask):
            self._last_mask = result.mask
            self.plots.value = self._plots.draw(self._filtered)

    def _sync_controls(self, counts: dict[str, int]) -> None:
        """Make every control show the filters in force (they may have been set from code)."""
        f = self._filters
        with self._sync():
            if self.search.value != f["search"]:
                self.search.value = f["search"]
            options = [(f"{name} ({counts.get(name, 0):,})", name) for name in self._prepared.runtimes]
            if list(self.runtimes.options) != options:
                self.runtimes.options = options
            chosen = tuple(r for r in f["runtimes"] if r in self._prepared.runtimes)
            if tuple(self.runtimes.value) != chosen:
                self.runtimes.value = chosen
            self.gpu.value = _GPU_CHOICE[f["gpu"]]
            self.created_from.value, self.created_to.value = f["created"]
            self.min_installations.value = f["min_installations"]
        self._sync_sort()

    def _sync_sort(self) -> None:
        with self._sync():
            self.sort_by.value, self.sort_direction.value = self._sort

    # -- the table ----------------------------------------------------------------------------------

    def _show_table(self) -> None:
        # Every match in the chosen order, then the first table_limit: the order is true at any size.
        limit = _check_count(self.table_limit, "table_limit")  # a plain attribute: checked again when used
        rows = self._prepared.sorted_rows(self._mask, self._sort, limit)
        shown = table_frame(self.frame.iloc[rows], sort=None)
        # The index's ids: an image without a uuid shows (and is selected by) its placeholder key.
        self._table_uuids = self._prepared.index.ids_of(rows)
        shown.index = pd.Index(self._table_uuids, dtype=shown.index.dtype, name="uuid")
        selected = self._table_rows(self.selected)
        options = {**self._table_options, **_table_order(self._sort, cut=len(shown) < len(self._filtered))}
        with self._sync():
            # Every option again: update() otherwise falls back to the defaults for those not named.
            self.table.update(shown.reset_index(), selected_rows=selected, **options)
        note = table_note(len(shown), len(self._filtered), self._sort)
        self.note.value = f'<span style="color:{_GREY}">{html.escape(note)}</span>' if note else ""

    def _table_rows(self, uuid: str | None) -> list[int]:
        if uuid is None:
            return []
        return [int(i) for i in np.flatnonzero(self._table_uuids == uuid)[:1]]

    def _rows_selected(self, change: dict[str, Any]) -> None:
        if self._syncing or not change["new"]:
            return
        row = change["new"][0]
        if 0 <= row < len(self._table_uuids):
            self.selected = str(self._table_uuids[row])

    # -- the selection --------------------------------------------------------------------------------

    @traitlets.validate("selected")
    def _validate_selected(self, proposal: dict[str, Any]) -> str | None:
        if proposal["value"] is None:
            return None
        try:
            return self._prepared.index.resolve(proposal["value"])
        except ValueError as exc:
            raise PickError(str(exc)) from None

    @traitlets.observe("selected")
    def _selected_changed(self, change: dict[str, Any]) -> None:
        uuid = change["new"]
        rows = self._table_rows(uuid)
        if list(self.table.selected_rows) != rows:
            with self._sync():
                self.table.selected_rows = rows
        self._show_card(uuid)
        self._show_history(uuid)

    def _listed(self, uuid: str) -> pd.Series | None:
        return self._prepared.index.row(uuid)

    def _set_card(self, card: Card | None) -> None:
        self._card = card if card is not None else Card(title="")
        self.card.value = card.html if card is not None else self._empty_card_html()

    @staticmethod
    def _empty_card_html() -> str:
        return f'<span style="color:{_GREY}">Select a row of the table to see the image’s details.</span>'

    def _show_card(self, uuid: str | None) -> None:
        """The selected image's card: fresh from the server when there is a client."""
        if uuid is None:
            self._set_card(None)
            return
        no_uuid = self._prepared.index.lacks_uuid(uuid)
        card, error = _detail_card(uuid, self._listed(uuid), self.client, no_uuid=no_uuid)
        if error is not None:
            self.last_error = error
        self._set_card(card)

    def _show_history(self, uuid: str | None) -> None:
        """Installations over time, when the snapshot store holds the image more than once."""
        series = self.installations_over_time(uuid) if uuid is not None else None
        if series is None or len(series) < 2:
            self.history.layout.display = "none"
            return
        listed = self._listed(uuid) if uuid is not None else None
        name = str(listed.get("name")) if listed is not None else str(uuid)[:8]
        assert self._history is not None  # read by installations_over_time above
        mine = self._history[self._history.index.get_level_values("uuid") == uuid]
        self.history.value = self._history_plot.draw_history(mine, f"Installations over time: {name}")
        self.history.layout.display = None

    def installations_over_time(self, uuid: str) -> pd.Series | None:
        """The image's installations in each stored snapshot (by server time), or None without a store.

        Read from ``sc.history()`` once per catalogue, then looked up for each selection.
        """
        if self._history is None:
            self._history = self._read_history()
        if self._history.empty:
            return None
        try:
            series = self._history.xs(uuid, level="uuid")["num_installations"]
        except KeyError:
            return None
        return series.dropna()

    def _read_history(self) -> pd.DataFrame:
        frame, error = _read_history(self.store, self.client)
        if error is not None:  # a broken store must not break the explorer
            self.last_error = error
        return frame

    # -- status, display, closing ---------------------------------------------------------------------

    def _say(self, text: str, kind: str = "info") -> None:
        colour = _RED if kind == "error" else _GREY
        self.status.value = f'<div style="color:{colour}">{html.escape(text)}</div>' if text else ""

    def _text_form(self) -> str:
        # Every setting of the view (the filters, the order, the selection) is named here: in a
        # terminal or a static page this line is all there is to learn how to drive it from code.
        return (
            f"Sharedcloud explorer over {len(self.frame):,} images (widgets cannot show here): read "
            "explorer.filtered, set explorer.filters = {...}, explorer.sort = (column, ascending) and "
            "explorer.selected = '<uuid>', or explorer.reset()."
        )

    def close(self) -> None:
        """Close every widget and release the figures."""
        self._debounce.cancel()
        self._plots.close()
        self._history_plot.close()
        stack = [self.widget]
        while stack:  # every widget of the view, not only the root: each holds a comm to the front end
            widget = stack.pop()
            stack.extend(getattr(widget, "children", ()))
            widget.close()


def explorer(
    source: Client | pd.DataFrame | None = None,
    *,
    client: Client | None = None,
    store: Any = None,
    table_limit: int = TABLE_LIMIT,
    debounce: float = DEBOUNCE,
    sort: Any = None,
) -> Explorer:
    """One linked view of the catalogue: filters, a table, plots and the selected image's card.

    Args:
        source: a Client (its images are explored, and it reads each selection fresh), a typed
            images frame, or nothing: then ``sc.connect()``, or, with no token configured and
            ``SHAREDCLOUD_DEMO`` unset, the token form first.
        client: the Client for the detail requests when ``source`` is a frame.
        store: the snapshot store (a ``sc.Store`` or its folder) for the installations-over-time
            panel; default the default store, when it exists.
        table_limit: how many matching images the table holds at most (the first in its order).
        debounce: the pause in typing, in seconds, after which the search applies.
        sort: the table's order, ``(column, ascending)``, e.g. ``("created_at", False)``; default
            most installed first. Every match is sorted before the table is cut to ``table_limit``.

    Returns:
        An :class:`Explorer`: ``.filtered``, ``.filters``, ``.sort``, ``.selected``, ``.reset()``.

    Raises:
        InputTypeError: (a TypeError) ``source`` is neither a Client, a DataFrame nor None; ``client`` is
            not a Client; ``sort`` is no pair; ``store`` is no folder.
        InputError: (a ValueError) ``table_limit`` below 1, a negative ``debounce``, a ``store`` that is a file,
            a frame without ``runtime``, ``requires_gpu`` or ``num_installations``.
        KeyError: ``sort`` names no column of the table.
        SharedcloudError: listing a given Client's images failed.
        ImportError: ipywidgets or itables is not installed.

    Example:
        >>> view = sc.explorer(client)  # doctest: +SKIP
        >>> view.filters = {"runtimes": ("python36",), "gpu": True}  # doctest: +SKIP
        >>> view.filtered.shape  # doctest: +SKIP
    """
    return Explorer(source, client=client, store=store, table_limit=table_limit, debounce=debounce, sort=sort)


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
