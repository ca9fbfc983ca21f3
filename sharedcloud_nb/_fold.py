"""Search folding: text compared case, accents and compatibility forms aside, vectorised.

:func:`fold` folds a query, :func:`_folded` a column of the picker's index
(:mod:`sharedcloud_nb.search`). Folding is Unicode's compatibility caseless match (NFKD, lowered,
case folding's few other mappings) less the nonspacing marks. It is a function of each character
alone (but for the order of combining marks, which NFKD sets): text of a million distinct strings
is folded by folding each distinct character once and splicing the results into the UTF-8 bytes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["fold"]

# After NFKD and lowering, what case folding (``str.casefold``) still maps otherwise: the sharp s
# ("ẞ" lowers to "ß"), the final sigma, and the iota subscript, which folds to a full iota.
_FOLDS = (("ß", "ss"), ("ς", "σ"), ("\u0345", "ι"))


def _fold_any(values: pa.Array) -> pa.Array:
    """Strings folded for search, vectorised: compatibility-decomposed (NFKD), lowered, marks dropped.

    So "İzmir" reads "izmir", "Café" "cafe", "Straße" "strasse", full-width "ＣＡＦＥ" "cafe" and
    "ﬁsh" "fish": Unicode's compatibility caseless match, less the accents (nonspacing marks).
    Each distinct character is folded once (:func:`_by_character`) where that is the same thing;
    else each string is (:func:`_fold_each`).
    """
    by_character = _by_character(values)
    return by_character if by_character is not None else _fold_each(values)


def _fold_each(values: pa.Array) -> pa.Array:
    """:func:`_fold_any`, string by string: Arrow's kernels over every string."""
    text = pc.utf8_lower(pc.utf8_normalize(values, form="NFKD"))
    for letter, folded in _FOLDS:
        text = pc.replace_substring(text, letter, folded)
    # The accents of Latin letters, most marks by far, are dropped from the bytes; only the text
    # still not ASCII then goes through the regular expression, several times slower.
    text = _without_accents(text)
    others = pc.invert(pc.string_is_ascii(text))
    if not pc.any(others).as_py():
        return text
    rest = pc.replace_substring_regex(pc.filter(text, others), r"\p{Mn}+", "")
    return pc.replace_with_mask(text, others, rest.cast(text.type))


def _without_accents(text: pa.Array) -> pa.Array:
    """``text`` without its combining diacritical marks (U+0300..U+036F, nonspacing marks all),
    removed from its UTF-8 bytes: 0xCC 0x80-0xBF and 0xCD 0x80-0xAF, a lead byte and the next."""
    if text.null_count or not len(text) or text.buffers()[2] is None:
        return text
    width = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(text.buffers()[1], dtype=width)[text.offset : text.offset + len(text) + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    lead = np.flatnonzero((data == 0xCC) | (data == 0xCD))  # never a continuation byte (0x80-0xBF)
    lead = lead[(data[lead] == 0xCC) | (data[np.minimum(lead + 1, len(data) - 1)] < 0xB0)]
    if not len(lead):
        return text
    drop = np.zeros(len(data), dtype=bool)
    drop[lead] = True
    drop[lead + 1] = True
    # Each string loses 2 bytes per mark: its new end is its old one less those of it and before it.
    owner = np.searchsorted(offsets, lead + offsets[0], side="right") - 1
    lost = np.zeros(len(offsets), dtype=np.int64)
    lost[1:] = np.cumsum(2 * np.bincount(owner, minlength=len(text)))
    ends = (offsets.astype(np.int64) - offsets[0] - lost).astype(width)
    return pa.Array.from_buffers(text.type, len(text), [None, pa.py_buffer(ends), pa.py_buffer(data[~drop])])


def fold(text: str) -> str:
    """``text`` folded as the index folds its strings: what a query is matched as.

    Example:
        >>> fold("İZMİR Café ＳＴＲＡẞＥ")
        'izmir cafe strasse'
    """
    return text.lower() if text.isascii() else str(_fold_any(pa.array([text], type=pa.string()))[0].as_py())


def _folded(values: pa.Array) -> pa.Array:
    """Each string folded for search (:func:`fold`; nulls as "").

    ASCII text, nearly all of a catalogue, is only lowered (folding changes nothing else there);
    the other values alone are decomposed, lowered and stripped of their marks, all in Arrow.
    """
    if isinstance(values, pa.ChunkedArray):  # a column pandas keeps in pieces (after a concat, say)
        values = values.combine_chunks()
    values = values.fill_null("")
    folded = pc.ascii_lower(values)
    others = pc.invert(pc.string_is_ascii(values))
    if not pc.any(others).as_py():
        return folded
    rest = _fold_any(pc.filter(values, others)).cast(folded.type)
    return pc.replace_with_mask(folded, others, rest)


def _by_character(values: pa.Array) -> pa.Array | None:
    """:func:`_fold_each` of ``values`` (as large_string), made by folding each distinct non-ASCII
    character once and splicing the results into the strings' UTF-8 bytes; None where that could
    differ: a null, or a character whose folding keeps a combining character (NFKD orders those
    across characters; the nonspacing marks, most of them, are dropped, and the iota subscript
    reads as a full iota, wherever NFKD puts them).
    """
    if values.null_count or not len(values) or values.buffers()[2] is None:
        return None
    width = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=width)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    offsets = offsets.astype(np.int64) - offsets[0]
    lead, size, code = _code_points(data)
    # Each distinct character, folded once by Arrow's kernels.
    distinct, which = _distinct_points(code)
    chars = pa.array([chr(point) for point in distinct.tolist()], type=pa.large_string())
    folded = _fold_each(chars).cast(pa.large_string())
    if _keeps_combining(folded):
        return None
    folded_at = np.frombuffer(folded.buffers()[1], dtype=np.int64)[folded.offset : folded.offset + len(folded) + 1]
    folded_bytes = np.frombuffer(folded.buffers()[2] or b"", dtype=np.uint8)
    # The ASCII bytes stay (lowered at the end); each character's bytes give way to its folding,
    # inserted where it stood among them.
    counts = folded_at[which + 1] - folded_at[which]
    before = lead - (np.cumsum(size) - size)  # ASCII bytes before each character
    inserted = np.repeat(folded_at[which] - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
    text = np.insert(data[data < 0x80], np.repeat(before, counts), folded_bytes[inserted])
    owner = np.searchsorted(offsets, lead, side="right") - 1  # each character's string
    grown = np.zeros(len(offsets), dtype=np.int64)
    grown[1:] = np.cumsum(np.bincount(owner, weights=counts - size, minlength=len(values)).astype(np.int64))
    ends = pa.py_buffer(offsets + grown)
    joined = pa.Array.from_buffers(pa.large_string(), len(values), [None, ends, pa.py_buffer(text)])
    return pc.ascii_lower(joined)


def _keeps_combining(folded: pa.Array) -> bool:
    """Whether a string of ``folded`` holds a combining character (canonical combining class above
    0), found as NFKD finds it: one after "a" and an iota subscript (class 240, the highest) moves
    before it."""
    text = pa.large_string()
    mark = pa.scalar("a\u0345", text)
    longest = pc.max(pc.utf8_length(folded)).as_py() if len(folded) else 0
    for at in range(longest or 0):
        point = pc.utf8_slice_codeunits(folded, at, at + 1).cast(text)
        moved = pc.utf8_normalize(pc.binary_join_element_wise(mark, point, pa.scalar("", text)), form="NFKD")
        kept = pc.binary_join_element_wise(mark, pc.utf8_normalize(point, form="NFKD"), pa.scalar("", text))
        if not pc.all(pc.equal(moved, kept)).as_py():
            return True
    return False


def _distinct_points(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct code points in ``code``, in order, and each one's position among them."""
    if len(code) < 1 << 16:  # a query, a few strings: sorted
        distinct, which = np.unique(code, return_inverse=True)
        return distinct, which.reshape(-1)
    seen = np.zeros(0x110000, dtype=bool)  # a million characters: counted in a table of Unicode
    seen[code] = True
    distinct = np.flatnonzero(seen)
    number = np.zeros(0x110000, dtype=np.int64)
    number[distinct] = np.arange(len(distinct))
    return distinct, number[code]


def _code_points(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The non-ASCII characters of valid UTF-8 ``data``: where each begins, its length in bytes,
    and its code point."""
    lead = np.flatnonzero(data >= 0xC0)  # a continuation byte is 0x80-0xBF
    padded = np.zeros(len(data) + 3, dtype=np.uint8)
    padded[: len(data)] = data
    first = padded[lead].astype(np.int64)
    rest = [padded[lead + step].astype(np.int64) & 0x3F for step in (1, 2, 3)]
    size = 2 + (first >= 0xE0) + (first >= 0xF0)
    two = ((first & 0x1F) << 6) | rest[0]
    three = ((first & 0x0F) << 12) | (rest[0] << 6) | rest[1]
    four = ((first & 0x07) << 18) | (rest[0] << 12) | (rest[1] << 6) | rest[2]
    return lead, size, np.where(size == 2, two, np.where(size == 3, three, four))
