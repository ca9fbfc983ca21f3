"""A pause of the cyclic garbage collector, for decoding and converting large answers. Standard library only."""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["gc_paused", "release_free_memory"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large answer is decoded and converted.

    Records whose values include lists or objects are containers the collector tracks, and
    decoding 100,000 of them would start a collection every few hundred allocations, each walking
    the growing heap: 40% of the decode time (flat records, whose dicts Python does not track,
    lose nothing either way). Decoded JSON forms no cycles, so nothing is lost by waiting.

    Example:
        >>> with gc_paused():  # doctest: +SKIP
        ...     records = orjson.loads(body)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def release_free_memory() -> None:
    """Hand the memory the C library's allocator holds free back to the system (glibc only; else nothing).

    Arrow parses a large listing in many blocks, on several threads, each with an allocator arena
    of its own: what those blocks freed stays mapped to the process (counted in its resident
    memory) until the allocator is told to give it back. Loading a million images holds 150-250 MB
    less at its peak for a call of a few milliseconds between steps.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:  # the symbols the interpreter is linked with: glibc's, where glibc is the C library
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
