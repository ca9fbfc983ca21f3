"""Uuids read as numbers: ids as an array of hex digits, so labels can be compared and sorted as integers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["first_eight", "hex_digits", "number"]

# bytes.translate tables (a C loop over the bytes, no index array of a million rows):
# a byte's value as a hex digit (16 for "-", 255 for any other byte), and the shape of a uuid's text.
_VALUE = bytearray([255] * 256)
_SHAPE = bytearray(b"?" * 256)
for _digit, _char in enumerate("0123456789abcdef"):
    _VALUE[ord(_char)] = _VALUE[ord(_char.upper())] = _digit
    _SHAPE[ord(_char)] = _SHAPE[ord(_char.upper())] = ord("0")
_VALUE[ord("-")] = 16
_SHAPE[ord("-")] = ord("-")
_UUID_SHAPE = b"00000000-0000-0000-0000-000000000000"
HYPHENS = (8, 13, 18, 23)  # where a uuid's hyphens are


def hex_digits(ident: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """The ids as an (n, 36) array of hex digit values (16 at the hyphens), and their bytes; or None
    unless every id is a uuid written with 36 ASCII characters (any case).

    Example:
        >>> hex_digits(pa.array(["c2aef5d8-26ea-4bd3-9495-705fa370ad51"]))[0][0, :9].tolist()
        [12, 2, 10, 14, 15, 5, 13, 8, 16]
    """
    if ident.null_count:
        return None
    if len(ident) == 0:
        return np.zeros((0, 36), dtype=np.uint8), np.zeros((0, 36), dtype=np.uint8)
    lengths = pc.binary_length(ident)
    if pc.min(lengths).as_py() != 36 or pc.max(lengths).as_py() != 36:
        return None
    width = np.int64 if pa.types.is_large_string(ident.type) else np.int32
    offsets = np.frombuffer(ident.buffers()[1], dtype=width)[ident.offset : ident.offset + len(ident) + 1]
    data = np.frombuffer(ident.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(-1, 36)
    raw = data.tobytes()
    if raw.translate(_SHAPE) != _UUID_SHAPE * len(data):
        return None
    digits = np.frombuffer(raw.translate(_VALUE), dtype=np.uint8).reshape(-1, 36)
    return digits, data


def number(digits: np.ndarray, columns: tuple[int, ...] | range) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """The hex digits at ``columns`` (at most 16) read as one unsigned integer per row."""
    value = np.zeros(len(digits), dtype=np.uint64)
    for column in columns:
        value = (value << np.uint64(4)) | digits[:, column].astype(np.uint64)
    return value


def first_eight(digits: np.ndarray, data: np.ndarray) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The first 8 characters of each uuid as one integer, equal exactly when the characters are
    (the case of each letter counts: 32 bits of digits, then 8 bits saying which are upper case)."""
    upper = np.zeros(len(data), dtype=np.int64)
    for column in range(8):
        upper = (upper << 1) | ((data[:, column] >= ord("A")) & (data[:, column] <= ord("F"))).astype(np.int64)
    return (number(digits, range(8)).astype(np.int64) << 8) | upper
