"""The schema is written once, in sharedcloud_nb.schema: everything else derives from it."""

from __future__ import annotations

import re
from pathlib import Path

from sharedcloud_nb import schema

PACKAGE = Path(schema.__file__).parent


def test_served_order_is_the_api_reference_order() -> None:
    assert schema.SERVED_ORDER == (
        "uuid", "current_server_time", "num_installations", "registry_path", "updated_at",
        "created_at", "name", "description", "requires_gpu", "runtime", "tag",
    )  # fmt: skip


def test_typed_dict_names_the_served_keys() -> None:
    assert tuple(schema.ImageRecord.__annotations__) == schema.SERVED_ORDER


def test_columns_kinds_and_dtypes_agree() -> None:
    assert schema.COLUMNS[0] == "name" and schema.COLUMNS[-2:] == ["age", "since_update"]
    assert list(schema.dtypes()) == schema.COLUMNS
    assert set(schema.KINDS) | set(schema.DERIVED) == set(schema.COLUMNS)
    assert schema.DATE_FIELDS == ("created_at", "updated_at", "current_server_time")


def test_date_format_and_field_list_are_written_once() -> None:
    """Only schema.py spells out the date format or lists the record's keys."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "schema.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "%d-%m-%Y %H:%M:%S" in text or re.search(r'"current_server_time",\s*\n?\s*"num_installations"', text):
            offenders.append(path.relative_to(PACKAGE).as_posix())
    assert offenders == []
