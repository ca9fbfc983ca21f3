"""The demo catalogue through time: what the demo API lists at any clock, a pure function of it.

The default catalogue (:func:`~.catalogue.default_catalogue`) is the state at
:data:`~.catalogue.FROZEN_CLOCK`. Before it, images not yet created are not listed, updates not
yet made are undone (four images were first published under a ``-rc`` or ``beta`` tag), counts are smaller,
and four images retired since are listed. After it, new versions appear (TensorFlow 1.12,
PyTorch 1.0, ...), some images are updated or retired, and counts keep growing.
``num_installations`` never goes down while an image is listed.

:class:`Timeline` does the same for a generated catalogue: a few images are updated, and a few
retired, after the reference clock, at dates drawn from their uuid.

Standard library only.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from .catalogue import (
    _SAME,
    DATE_FORMAT,
    FROZEN_CLOCK,
    _parse_clock,
    _registry_path,
    default_catalogue,
    describe,
)

__all__ = ["Timeline", "catalogue_at", "clock_text"]

Record = dict[str, Any]

_DAY = 86400

# uuid -> the tag an image had before its (default) update: published as a release candidate.
_TAG_BEFORE_UPDATE = {
    "733a5770-73e0-446f-8da5-dbc56cce178e": "1.5-rc",
    "71f0f231-ff4a-4459-ae1e-d17ea53762e5": "beta",  # computer-vision, promoted to latest
    "7adff5c4-5910-409c-9fb9-a07fa3a27e93": "1.8-rc",
    "acdbcc95-0e2e-4fe3-9f43-b8f682fb1c0a": "1.10-rc",
}

# uuid -> (updated_at, or None; retired at, or None): what happens to a default image after the clock.
_AFTER = {
    "e99d97c6-3c3b-40fd-8fff-df3ad64e24d6": ("16-10-2018 09:05:11", None),
    "0c958939-eae4-445c-8f10-edb022effe2a": ("16-10-2018 09:12:40", None),
    "5bdd690c-e576-43b8-b8e1-b665b436d69a": ("31-10-2018 10:00:00", None),
    "9f62215a-82b5-4df5-a053-bec56014f564": ("06-11-2018 14:22:03", None),
    "3273dca8-b121-439e-9ef1-dc2969a5bade": (None, "01-11-2018 00:00:00"),
    "e582efbf-be34-4c53-9c77-e87c02332896": (None, "01-11-2018 00:00:00"),
    "85da6625-d240-49e0-b471-cb32fe579f0b": (None, "03-12-2018 12:00:00"),
}

# Images that are not in the default catalogue: retired before FROZEN_CLOCK, or created after it.
# As _DEFAULT_TABLE, num_installations being the count at retirement (or 60 days after creation),
# then the retirement time or None.
_OTHER_TABLE: tuple[tuple[Any, ...], ...] = (
    ("9d2c5e71-4f8a-4c3b-a1e6-0b7f3d9c2e84", "web-crawling", "python27", "0.9", False, 4, "21-06-2017 15:20:11", _SAME, None, "10-09-2018 11:30:00"),
    ("3e9b7d15-a2c4-4b8f-b6d0-5c1e8f2a7d93", "pytorch-gpu", "python36", "0.2", True, 6, "02-10-2017 15:12:48", _SAME, None, "30-07-2018 16:00:00"),
    ("6a1f3c2e-0b7d-4e5a-9c41-2f8e7d9b3a10", "tensorflow", "python36", "1.4", False, 11, "06-11-2017 10:20:31", _SAME, None, "20-08-2018 09:00:00"),
    ("c47e0a93-5d2b-4f16-8a7e-913b2c6d4e58", "tensorflow-gpu", "python36", "1.4", True, 9, "06-11-2017 10:41:02", _SAME, None, "20-08-2018 09:00:00"),
    ("2c8e5a1f-6d4b-4e9a-8f3c-7b2d9e5a1c68", "nlp", "python37", "latest", False, 8, "19-10-2018 13:44:02", _SAME, None, None),
    ("e1c7b9d3-5a2f-4e8c-b4d6-3f9a1c7e5b20", "tensorflow", "python36", "1.12", False, 12, "08-11-2018 10:12:19", _SAME, None, None),
    ("8d4a6f0b-1c3e-4b7d-a9f2-6e5c8b1d3a74", "tensorflow-gpu", "python36", "1.12", True, 18, "08-11-2018 10:30:44", _SAME, None, None),
    ("47a9e2d6-8b3c-4f1a-9d5e-2c6b8f0a4e13", "pytorch", "python36", "1.0", False, 30, "10-12-2018 16:03:27", _SAME, None, None),
    ("a6d3f8b1-9e2c-4a7d-b5f4-8c1e3a6d9f52", "pytorch-gpu", "python36", "1.0", True, 45, "10-12-2018 16:09:55", _SAME, None, None),
)  # fmt: skip


def clock_text(clock: object) -> str:
    """A clock as the API writes it: from a datetime (naive means UTC) or ``dd-mm-YYYY HH:MM:SS`` text.

    Raises:
        ValueError: text in another form, or another type.

    Example:
        >>> import datetime
        >>> clock_text(datetime.datetime(2018, 10, 5, 16, 45, 36))
        '05-10-2018 16:45:36'
    """
    import datetime as dt

    if isinstance(clock, dt.datetime):
        if clock.tzinfo is not None:
            clock = clock.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return clock.strftime(DATE_FORMAT)
    if isinstance(clock, str):
        # datetime's strptime, not time's: time.strptime takes second 60 and 61 (leap seconds), which
        # the demo clock would then roll into the next minute.
        dt.datetime.strptime(clock, DATE_FORMAT)  # raises ValueError, naming the expected form
        return clock
    raise ValueError(f"A clock is a datetime or 'dd-mm-YYYY HH:MM:SS' text, got {type(clock).__name__}.")


def _seconds(clock: str | None) -> int | None:
    return None if clock is None else _parse_clock(clock)


def _stamp(seconds: int) -> str:
    return time.strftime(DATE_FORMAT, time.gmtime(seconds))


class _Life(NamedTuple):
    """One image through time: its record at the anchor, and what changes it before and after."""

    record: Record  # the record as listed at ``anchor`` (current_server_time aside)
    created: int
    anchor: int  # when num_installations equals the record's
    states: tuple[tuple[int, Record], ...]  # (from, overrides of the record), in time order
    retired: int | None


def _installs(count: int, created: int, anchor: int, now: int, waves: int) -> int:
    """From 0 at creation to ``count`` at the anchor, then on at the same pace (at least one a month).

    Up to the anchor the growth is a line with ``waves`` slow and fast spells on it
    (``x + 0.8 sin(2 pi w x) / (2 pi w)``, whose slope is never below 0.2): it never goes down.
    """
    if now <= anchor:
        x = (now - created) / max(anchor - created, 1)
        share = x + 0.8 * math.sin(2 * math.pi * waves * x) / (2 * math.pi * waves)
        return int(count * share + 0.5)
    pace = max(count, 1) / max(anchor - created, 30 * _DAY)
    return count + int(pace * (now - anchor))


def _state(record: Record, overrides: Record) -> Record:
    """The record with ``overrides``; a new tag moves the registry path and the description with it."""
    if not overrides:
        return record
    changed = {**record, **overrides}
    if "tag" in overrides:
        name, runtime = record["name"], record["runtime"]
        changed["registry_path"] = _registry_path(name, runtime, overrides["tag"])
        if record["description"] == describe(name, runtime, record["tag"]):
            changed["description"] = describe(name, runtime, overrides["tag"])
    return changed


def _default_lives(reference: int) -> list[_Life]:
    lives = []
    for record in default_catalogue():
        uuid = record["uuid"]
        created, updated = _parse_clock(record["created_at"]), _parse_clock(record["updated_at"])
        states: list[tuple[int, Record]] = [(created, {})]
        if created < updated <= reference:  # not yet updated before then
            before = {"updated_at": record["created_at"]}
            if uuid in _TAG_BEFORE_UPDATE:
                before["tag"] = _TAG_BEFORE_UPDATE[uuid]
            states = [(created, before), (updated, {})]
        later, retired = _AFTER.get(uuid, (None, None))
        if later is not None:
            states.append((_parse_clock(later), {"updated_at": later}))
        lives.append(_Life(dict(record), created, reference, tuple(states), _seconds(retired)))
    for uuid, name, runtime, tag, gpu, installs, created_at, _, _, retired_at in _OTHER_TABLE:
        created = _parse_clock(created_at)
        other: Record = {
            "uuid": uuid,
            "current_server_time": "",
            "num_installations": installs,
            "registry_path": _registry_path(name, runtime, tag),
            "updated_at": created_at,
            "created_at": created_at,
            "name": name,
            "description": describe(name, runtime, tag),
            "requires_gpu": gpu,
            "runtime": runtime,
            "tag": tag,
        }
        end = _seconds(retired_at)
        anchor = end if end is not None else created + 60 * _DAY
        lives.append(_Life(other, created, anchor, ((created, {}),), end))
    lives.sort(key=lambda life: life.created)  # stable: the default order is kept
    return lives


def _generated_lives(images: Sequence[Mapping[str, Any]], reference: int) -> list[_Life]:
    """Lives of generated images: a few are updated, and a few retired, at dates drawn from their uuid."""
    lives = []
    for record in images:
        created, updated = _parse_clock(record["created_at"]), _parse_clock(record["updated_at"])
        states: list[tuple[int, Record]] = [(created, {})]
        if created < updated <= reference:
            states = [(created, {"updated_at": record["created_at"]}), (updated, {})]
        bits = int(record["uuid"].replace("-", "")[:12], 16)
        retired: int | None = None
        if bits % 50 == 0:  # one in fifty retires within half a year
            retired = reference + _DAY * (1 + (bits >> 8) % 180)
        elif bits % 20 == 1:  # one in twenty is updated within half a year
            later = reference + _DAY * (1 + (bits >> 8) % 180) + (bits >> 16) % _DAY
            states.append((later, {"updated_at": _stamp(later)}))
        lives.append(_Life(dict(record), created, reference, tuple(states), retired))
    return lives


class Timeline:
    """A catalogue through time: :meth:`at` lists it as at any clock.

    Args:
        images: the catalogue as at ``reference`` (e.g. from :func:`generate_catalogue`); None for
            the default catalogue, with its own history of updates, retirements and new versions.
        reference: the clock at which the catalogue is ``images`` exactly.

    Example:
        >>> timeline = Timeline()
        >>> len(timeline.at(FROZEN_CLOCK)), len(timeline.at("05-07-2018 00:00:00"))
        (48, 38)
    """

    def __init__(self, images: Sequence[Mapping[str, Any]] | None = None, *, reference: str = FROZEN_CLOCK) -> None:
        self.reference = clock_text(reference)
        seconds = _parse_clock(self.reference)
        self._lives = _default_lives(seconds) if images is None else _generated_lives(images, seconds)

    def at(self, clock: object) -> list[Record]:
        """The records listed at ``clock`` (a datetime or ``dd-mm-YYYY HH:MM:SS``), in the API's order.

        Only images created by then and not yet retired are listed; ``updated_at``, the tag and
        ``num_installations`` are what they were then, and ``current_server_time`` is the clock.
        """
        stamp = clock_text(clock)
        now = _parse_clock(stamp)
        records = []
        for life in self._lives:
            if life.created > now or (life.retired is not None and life.retired <= now):
                continue
            overrides: Record = {}
            for start, changes in life.states:
                if start > now:
                    break
                overrides = changes
            record = _state(life.record, overrides)
            waves = 1 + int(life.record["uuid"][:2], 16) % 3  # each image its own rhythm
            installs = _installs(life.record["num_installations"], life.created, life.anchor, now, waves)
            records.append({**record, "current_server_time": stamp, "num_installations": installs})
        return records


@functools.cache
def _default_timeline() -> Timeline:
    return Timeline()


def catalogue_at(clock: object = FROZEN_CLOCK) -> list[Record]:
    """The default demo catalogue as listed at ``clock``: a deterministic function of the clock.

    At :data:`FROZEN_CLOCK` it is :func:`default_catalogue` exactly. Earlier, images not yet
    created are missing, updates not yet made are undone, counts are smaller, and four images
    since retired are listed; later, new versions appear and some images are updated or retired.
    ``num_installations`` never goes down.

    Example:
        >>> catalogue_at() == default_catalogue()
        True
    """
    return _default_timeline().at(clock)


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
