"""The image schema, written once: every other module derives what it needs from :data:`TABLE`.

An image record, as ``GET /api/v1/images/`` serves it, has eleven fields; the typed frame has
the uuid as its index, the ten other fields, and three columns derived from them. One row of
:data:`TABLE` per column says what kind of value it holds, where the API puts it in a record,
and how the detail card labels it. From the table come:

- :data:`SERVED_ORDER` -- the record's keys in the API's order (what the demo API writes);
- :data:`COLUMNS` -- the frame's columns, in order;
- :data:`KINDS` -- each served field's kind (``string``, ``category``, ``boolean``, ``integer``, ``date``);
- :data:`DATE_FIELDS` -- the served fields that hold dates;
- :func:`dtypes` -- each column's pandas dtype (pandas is imported only when it is called);
- :class:`ImageRecord` -- the record as a ``TypedDict``, for type checkers.

Dates are written :data:`DATE_FORMAT`, day first, in the server's time (UTC): ``05-10-2018
16:45:36`` is 5 October 2018. They are never inferred, since inference swaps day and month.

Standard library only, so that the demo API can use it without loading pandas.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple, TypedDict

__all__ = [
    "COLUMNS",
    "DATE_FIELDS",
    "DATE_FORMAT",
    "DERIVED",
    "KINDS",
    "SERVED_ORDER",
    "TABLE",
    "Column",
    "ImageRecord",
    "dtypes",
]

#: How the API writes dates: day first, server time (UTC).
DATE_FORMAT = "%d-%m-%Y %H:%M:%S"


class Column(NamedTuple):
    """One column of the images frame.

    Attributes:
        name: the column's (and, when served, the record key's) name.
        kind: ``string``, ``category``, ``boolean``, ``integer``, ``date`` or ``timedelta``.
        served: the key's position in a record as the API writes it (``uuid`` is 0), or None
            for a column the frame derives.
        label: how the detail card names it.
    """

    name: str
    kind: str
    served: int | None
    label: str


#: The frame's columns in order, preceded by its index ``uuid``. The one place the schema is written.
TABLE: tuple[Column, ...] = (
    Column("uuid", "string", 0, "UUID"),
    Column("name", "string", 6, "Name"),
    Column("description", "string", 7, "Description"),
    Column("runtime", "category", 9, "Runtime"),
    Column("tag", "category", 10, "Tag"),
    Column("requires_gpu", "boolean", 8, "GPU"),
    Column("num_installations", "integer", 2, "Installations"),
    Column("registry_path", "string", 3, "Registry path"),
    # registry_path without its ":tag" or "@digest": few distinct values, the key analysts group by.
    Column("repository", "category", None, "Repository"),
    Column("created_at", "date", 5, "Created"),
    Column("updated_at", "date", 4, "Updated"),
    Column("current_server_time", "date", 1, "Server time"),
    Column("age", "timedelta", None, "Age"),  # current_server_time - created_at
    Column("since_update", "timedelta", None, "Last update"),  # current_server_time - updated_at
)

#: The keys of an image record, in the order the API serves them.
SERVED_ORDER: tuple[str, ...] = tuple(
    c.name for c in sorted(TABLE, key=lambda c: (c.served is None, c.served)) if c.served is not None
)

#: The frame's columns, in order (the index, ``uuid``, is not among them).
COLUMNS: list[str] = [c.name for c in TABLE if c.name != "uuid"]

#: Each served field but ``uuid``, in frame order, with the kind of value it holds.
KINDS: dict[str, str] = {c.name: c.kind for c in TABLE if c.served is not None and c.name != "uuid"}

#: The columns the frame computes from the served fields (a served field of that name is ignored).
DERIVED: tuple[str, ...] = tuple(c.name for c in TABLE if c.served is None)

#: The served fields that hold dates.
DATE_FIELDS: tuple[str, ...] = tuple(name for name, kind in KINDS.items() if kind == "date")


class ImageRecord(TypedDict):
    """An image record as the API serves it (dates as ``DATE_FORMAT`` strings).

    Its keys are :data:`SERVED_ORDER` (a type checker needs them spelled out; a test holds the two equal).
    """

    uuid: str
    current_server_time: str
    num_installations: int
    registry_path: str
    updated_at: str
    created_at: str
    name: str
    description: str
    requires_gpu: bool
    runtime: str
    tag: str


@functools.cache
def dtypes() -> dict[str, Any]:
    """Each column's pandas dtype, in column order (imports pandas on first call).

    Strings are pandas' Arrow-backed strings, dates ``datetime64[ns, UTC]``, counts the nullable
    ``Int64``, flags the nullable ``boolean``, and the few-valued fields categories.

    Example:
        >>> str(dtypes()["created_at"])
        'datetime64[ns, UTC]'
    """
    import pandas as pd

    by_kind: dict[str, Any] = {
        "string": pd.StringDtype("pyarrow"),
        "category": "category",
        "boolean": "boolean",
        "integer": "Int64",
        "date": pd.DatetimeTZDtype(unit="ns", tz="UTC"),
        "timedelta": "timedelta64[ns]",
    }
    return {c.name: by_kind[c.kind] for c in TABLE if c.name != "uuid"}


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
