"""Python values to typed Arrow arrays, with Arrow's own type inference as the check of their types.

:func:`inferred` is the first step of every column read from Python values, done in one pass in
C++ (:mod:`sharedcloud_nb.dates` reads date columns with it). Only where it fails do
:func:`strings`, :func:`booleans` and :func:`integers` look at the values one by one: each keeps
the values of its type, makes the others missing, and counts them in a
:class:`~sharedcloud_nb._warn.Problems`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ._warn import Problems

__all__ = ["booleans", "inferred", "integers", "join_text", "strings"]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# The largest magnitude below which every whole number is a float exactly. A bigger float may be a
# rounding of what the server wrote: orjson decodes an integer beyond int64 (-9223372036854775809)
# as a float, which rounds to -2**63 and would pass for int64's minimum.
_EXACT_FLOAT = 2**53


def inferred(values: Sequence[Any], expected: pa.DataType) -> pa.Array | None:
    """The values as an Arrow array if Arrow infers exactly ``expected`` from them (or only nulls), else None.

    Arrow's inference is strict where it matters here: a float among integers gives double, bytes
    among strings give binary, and a str among integers, an int among booleans or a bool among
    integers is an error; each of them sends the column down the careful path, which says which
    values are wrong.

    Example:
        >>> inferred([1, None, 3], pa.int64()).null_count
        1
        >>> inferred([1, 2.5], pa.int64()) is None
        True
    """
    try:
        array = pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    if isinstance(array, pa.ChunkedArray):  # over 2 GiB of text: let the careful path build it
        return None
    if array.type == expected:
        return array
    if array.type == pa.null():
        return pa.nulls(len(array), type=expected)
    return None


def _first_bad(values: list[Any], ok: Iterable[bool]) -> tuple[int, Any]:
    """How many values are not ok, and the first of them."""
    count, first = 0, None
    for value, good in zip(values, ok, strict=True):
        if not good:
            if count == 0:
                first = value
            count += 1
    return count, first


def strings(values: list[Any], column: str, problems: Problems) -> pa.Array:
    """A large_string Arrow array (pandas' string storage); values that are not str become null (counted)."""
    array = inferred(values, pa.string())
    if array is not None:
        return array.cast(pa.large_string())
    ok = [value is None or _is_text(value) for value in values]
    count, first = _first_bad(values, ok)
    problems.bad(column, count, first, "strings")
    return pa.array([value if good else None for value, good in zip(values, ok, strict=True)], type=pa.large_string())


def _is_text(value: Any) -> bool:
    """A str that Arrow can hold: not one with a lone surrogate, which ``json.loads`` lets through."""
    if type(value) is not str:
        return False
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def booleans(values: list[Any], column: str, problems: Problems) -> pa.Array:
    """A bool_ Arrow array; values that are not true/false (1, "yes") become null (counted)."""
    array = inferred(values, pa.bool_())
    if array is not None:
        return array
    ok = [value is None or type(value) is bool for value in values]
    count, first = _first_bad(values, ok)
    problems.bad(column, count, first, "true/false")
    return pa.array([value if good else None for value, good in zip(values, ok, strict=True)], type=pa.bool_())


def _integer_or_none(value: Any) -> tuple[bool, Any]:
    """(whether the value is a whole number that int64 holds, or None; the value as an int or None)."""
    if value is None:
        return True, None
    if type(value) is int:
        fits = _INT64_MIN <= value <= _INT64_MAX
        return fits, value if fits else None
    if type(value) is float and value.is_integer() and -_EXACT_FLOAT <= value <= _EXACT_FLOAT:
        return True, int(value)
    return False, None


def integers(values: list[Any], column: str, problems: Problems) -> pa.Array:
    """An int64 Arrow array; a float that is a whole number (4.0) is read, other values become null (counted).

    A count beyond int64, or a float too large to be a whole number exactly (beyond 2**53: a JSON
    decoder's rounding of a bigger integer), is not read: null and counted, above as below the range.
    """
    # Inference keeps true/false out (bool is an int subclass) and 2**64 (overflow).
    array = inferred(values, pa.int64())
    if array is not None:
        return array
    checked = [_integer_or_none(value) for value in values]
    count, first = _first_bad(values, (good for good, _ in checked))
    problems.bad(column, count, first, "whole numbers")
    return pa.array([value for _, value in checked], type=pa.int64())


def join_text(*parts: pa.Array | str, separator: str = "") -> pa.Array:
    """Text arrays and literal strings joined element-wise, as one ``large_string`` array.

    Every part is brought to ``large_string`` first: pyarrow before 16 has no kernel that joins
    ``string`` and ``large_string`` values, and pandas hands over either.

    Example:
        >>> join_text(pa.array(["nlp"]), " (", pa.array(["python36"], pa.large_string()), ")").to_pylist()
        ['nlp (python36)']
    """
    text = pa.large_string()
    typed = [pa.scalar(part, text) if isinstance(part, str) else part.cast(text) for part in parts]
    return pc.binary_join_element_wise(*typed, pa.scalar(separator, text))
