"""The explorer's parts: its table options, plot figure, detail card and history, apart from :mod:`sharedcloud_nb.explore`.

They are imported when an explorer is built, not when ``sharedcloud_nb`` is.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import _config
from .display import Card, error_card, gone_card, image_card
from .errors import NotFoundError
from .filters import SORT_COLUMNS, TABLE_COLUMNS, check_sort
from .frames import require_columns
from .search import is_uuid

if TYPE_CHECKING:
    from .client import Client

log = logging.getLogger("sharedcloud_nb")

__all__ = ["SORT_CHOICES", "Plots", "check_frame", "detail_card", "read_history", "table_options", "table_order"]

#: The "Sort by" choices: the table's column labels, and the column each sorts by.
SORT_CHOICES: tuple[tuple[str, str], ...] = (("uuid", "uuid"), *TABLE_COLUMNS)

# DataTables writes the ISO text it sorts by day-first, as the API does (05-10-2018 16:45:36).
_DAY_FIRST = (
    "function (data, type, row, meta) { if (type !== 'display' || !data) { return data; } "
    "return data.slice(8, 10) + '-' + data.slice(5, 7) + '-' + data.slice(0, 4) + data.slice(10); }"
)


def table_options() -> dict[str, Any]:
    """The DataTables options: our own search box instead of its one, dates day-first, counts right."""
    from itables.typing import JavascriptFunction

    labels = [label for label, _ in TABLE_COLUMNS]
    first = 1  # column 0 is the uuid
    dates = [first + labels.index("created"), first + labels.index("updated")]
    return {
        "showIndex": False,  # the uuid is a column of its own: one header row, sortable like the others
        "maxBytes": 0,  # never downsampled: the explorer limits the rows itself (TABLE_LIMIT)
        "select": {"style": "single"},
        "layout": {"topStart": "pageLength", "topEnd": None, "bottomStart": "info", "bottomEnd": "paging"},
        "pageLength": 10,
        "lengthMenu": [10, 25, 50, 100],
        "classes": "display compact nowrap",
        "columnDefs": [
            {"targets": dates, "render": JavascriptFunction(_DAY_FIRST)},
            {"targets": [first + labels.index("installations")], "className": "dt-right"},
        ],
    }


def table_order(sort: Any, cut: bool) -> dict[str, Any]:
    """The DataTables options that show the order ``sort`` (already applied to the rows) on the header.

    Args:
        sort: ``(column, ascending)``, as :func:`~sharedcloud_nb.filters.check_sort` takes it.
        cut: the table holds fewer rows than match. A header click would then sort only those, so
            the header keeps its arrow but takes no clicks (the "Sort by" control sorts every match);
            otherwise every match is in the browser and a click sorts them all, exactly.
    """
    column, ascending = check_sort(sort)
    return {
        "order": [[SORT_COLUMNS.index(column), "asc" if ascending else "desc"]],  # column 0 is the uuid
        "ordering": {"indicators": True, "handler": False} if cut else True,
    }


class Plots:
    """The linked plots: one Figure, redrawn in place, and the PNG bytes of its last drawing."""

    def __init__(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        # Fixed margins rather than a layout engine: the labels are short and known, and solving a
        # constrained layout would take a fifth of every redraw.
        self.figure = Figure(figsize=(7.5, 6.2), dpi=80)
        FigureCanvasAgg(self.figure)

    def draw(self, frame: pd.DataFrame) -> bytes:
        """The runtimes and GPU-share plots of ``frame``, redrawn on the one figure, as PNG bytes."""
        from . import plots

        self.figure.clear()
        top, bottom = self.figure.subplots(
            2,
            1,
            height_ratios=[4.5, 2.6],
            gridspec_kw={"left": 0.13, "right": 0.8, "top": 0.94, "bottom": 0.08, "hspace": 0.5},
        )
        plots.runtimes(frame, ax=top)
        plots.gpu_share(frame, ax=bottom)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return buffer.getvalue()

    def draw_history(self, history: pd.DataFrame, title: str) -> bytes:
        """One image's installations over time, drawn by ``sc.plots.installations_over_time``."""
        from . import plots

        self.figure.clear()
        self.figure.set_size_inches(5.5, 2.8)
        ax = self.figure.subplots(gridspec_kw={"left": 0.14, "right": 0.97, "top": 0.88, "bottom": 0.2})
        plots.installations_over_time(history, top=1, ax=ax)
        legend = ax.get_legend()
        if legend is not None:  # one line, named by the title: no legend beside it
            legend.remove()
        ax.set_title(title)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return buffer.getvalue()

    def close(self) -> None:
        """Release what the figure holds (it is not in pyplot's registry: nothing else to close)."""
        self.figure.clear()


def detail_card(
    uuid: str, listed: pd.Series | None, client: Client | None, *, no_uuid: bool = False
) -> tuple[Card, BaseException | None]:
    """The card of the image ``uuid``: fresh from the server when there is a client, else as listed.

    Args:
        uuid: the selected image's id; listed: its row of the list, or None.
        client: the Client to ask, or None.
        no_uuid: ``uuid`` is the placeholder key of an image listed without a uuid (never asked for).

    Returns:
        The card, and the error a request raised (None when it did not fail): a 404 gives the
        "gone" card, another error a card that says it.
    """
    if listed is not None and no_uuid:
        # Listed without a uuid: its row is all there is, and the server cannot be asked for it.
        return image_card(listed, note="From the list (it has no uuid, so the server cannot be asked)."), None
    if client is None:
        if listed is None:
            return error_card(uuid, LookupError("it is not in this list, and there is no client to ask")), None
        return image_card(listed, note="From the list (no client to read it fresh from the server)."), None
    if listed is not None and not is_uuid(uuid):
        # An id that is no uuid (an edited file, say): the server cannot be asked for it.
        return image_card(listed, note="From the list (its id is not a uuid, so the server is not asked)."), None
    try:
        image = client.image(uuid)
    except NotFoundError as exc:
        return gone_card(uuid, listed), exc
    except Exception as exc:
        return error_card(uuid, exc, listed), exc
    return image_card(image), None


#: The columns the explorer's filters and plots cannot do without.
NEEDED = ("runtime", "requires_gpu", "num_installations")


def check_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame to explore; an InputError naming the columns it lacks (else a plot would, later).

    Raises:
        InputTypeError: (a TypeError) not a DataFrame.
        InputError: (a ValueError) a column of :data:`NEEDED` is missing.
    """
    return require_columns(frame, NEEDED, "explorer")


def read_history(store: Any, client: Client | None) -> tuple[pd.DataFrame, BaseException | None]:
    """Every image's installations in each stored snapshot (empty without a store), and a read's error."""
    try:
        from .timeline import history
    except ImportError:  # the snapshot store is optional
        return pd.DataFrame(), None
    if store is None and not _config.cache_dir(None).exists():
        return pd.DataFrame(), None  # no store yet: nothing to read, and nothing to create
    try:
        return history(store, columns=("num_installations",), client=client), None
    except Exception as exc:  # a broken store must not break the explorer
        log.debug("reading the snapshot history failed", exc_info=exc)
        return pd.DataFrame(), exc
