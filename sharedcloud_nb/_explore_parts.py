"""The explorer's table options and plot figure: the parts of :mod:`sharedcloud_nb.explore` that talk to itables and matplotlib.

Both are imported when an explorer is built, not when ``sharedcloud_nb`` is.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from .filters import TABLE_COLUMNS

__all__ = ["Plots", "table_options"]

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
