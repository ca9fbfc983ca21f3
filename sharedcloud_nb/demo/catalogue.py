"""The demo API's data: the default image catalogue, generated catalogues and instance downloads.

This module owns *what* the demo API serves, never *how* (that is :mod:`.api` and :mod:`.server`):

- :func:`default_catalogue` -- 48 believable images of the service families seen on Sharedcloud
  (web-crawling, standard, TensorFlow on CPU and GPU, ...) for the runtimes ``python27``,
  ``python36``, ``node8`` and a few later ones. It contains verbatim both records of the API
  reference (which share a registry path: a realistic duplicate for data-quality checks), one
  record whose ``created_at`` is after its ``updated_at`` (day and month swapped), and two
  records with an empty description. Every date is before :data:`FROZEN_CLOCK`.
- :func:`generate_catalogue` -- ``size`` images drawn deterministically from the same families,
  fast enough for a million records.
- :data:`DEMO_INSTANCES`, :func:`default_downloads`, :func:`generate_downloads` -- the two demo
  instances and which images are downloaded on each (the ``?instance=<uuid>`` filter).
- :class:`ServedCatalogue` -- a catalogue as the API's views read it (:class:`.api.Catalogue`):
  lookups, and the list and page bodies encoded once, lazily, and cached (a million records take
  seconds to encode); with the live clock only ``current_server_time`` is patched at answer time.

Records are plain dicts (typed :class:`~sharedcloud_nb.schema.ImageRecord`) with the keys of
:data:`FIELDS`, in the API's order; dates are strings in :data:`DATE_FORMAT` (day first, UTC).
Both come from :mod:`sharedcloud_nb.schema`. Standard library only: importing this module is cheap.
"""

from __future__ import annotations

import calendar
import gc
import random
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .. import schema
from ..schema import ImageRecord
from . import _drawing
from .api import encode, encode_list

__all__ = [
    "DATE_FORMAT",
    "DEMO_INSTANCES",
    "FIELDS",
    "FROZEN_CLOCK",
    "ServedCatalogue",
    "default_catalogue",
    "default_downloads",
    "describe",
    "generate_catalogue",
    "generate_downloads",
    "utc_now",
]

DATE_FORMAT = schema.DATE_FORMAT
"""How the API writes dates: day first, server time (UTC) (:data:`sharedcloud_nb.schema.DATE_FORMAT`)."""

FROZEN_CLOCK = "05-10-2018 16:45:36"
"""The demo server's default ``current_server_time`` (5 October 2018), as in the API reference."""

FIELDS: tuple[str, ...] = schema.SERVED_ORDER
"""The keys of an image record, in the order the API serves them (:data:`sharedcloud_nb.schema.SERVED_ORDER`)."""

DEMO_INSTANCES: tuple[str, str] = (
    "c2cf385a-1ebe-457c-9bc5-6adf741026f9",  # a GPU workstation of a data scientist
    "14442c94-c1b1-490b-a22d-3ccb7786f575",  # a CPU box running crawlers
)
"""The uuids of the two demo instances, usable with ``?instance=<uuid>``."""

_LANGUAGES = {
    "python27": "Python2.7",
    "python36": "Python3.6",
    "python37": "Python3.7",
    "node8": "Node.js 8",
    "node10": "Node.js 10",
    "r35": "R 3.5",
}


# Each family's descriptions: the first whose runtime prefix matches gives the wording.
_DESCRIPTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "web-crawling": (
        ("node", "{lang} and web crawling libraries such as puppeteer, cheerio, request and axios"),
        ("", "{lang} and web crawling libraries such as requests, bs4, lxml and Scrapy"),
    ),
    "standard": (
        ("node", "{lang} and npm"),
        ("r", "{lang} and its recommended packages"),
        ("", "{lang} and its standard library"),
    ),
    "tensorflow": (
        ("node", "{lang} and TensorFlow.js (tfjs-node){version} for CPU"),
        ("", "{lang} and TensorFlow{version} for CPU, with numpy, scipy and pandas"),
    ),
    "tensorflow-gpu": (("", "{lang}, CUDA 9.0, cuDNN 7 and TensorFlow{version} for GPU"),),
    "pytorch": (("", "{lang} and PyTorch{version} for CPU, with torchvision"),),
    "pytorch-gpu": (("", "{lang}, CUDA 9.0 and PyTorch{version} for GPU, with torchvision"),),
    "data-science": (
        ("r", "{lang} and the tidyverse, data.table and caret"),
        ("", "{lang} and data science libraries such as numpy, pandas, scipy, scikit-learn and matplotlib"),
    ),
    "nlp": (("", "{lang} and NLP libraries such as nltk, spaCy and gensim"),),
    "computer-vision": (("", "{lang} and computer vision libraries such as OpenCV, Pillow and scikit-image"),),
    "xgboost-gpu": (("", "{lang}, CUDA 9.0 and XGBoost with GPU support"),),
}


def describe(name: str, runtime: str, tag: str) -> str:
    """Return the description the demo catalogue gives an image of this family, runtime and tag.

    Example:
        >>> describe("web-crawling", "python36", "latest")
        'An Image containing Python3.6 and web crawling libraries such as requests, bs4, lxml and Scrapy'
    """
    lang = _LANGUAGES.get(runtime, runtime)
    version = "" if tag == "latest" else f" {tag}"
    for prefix, wording in _DESCRIPTIONS.get(name, ()):
        if runtime.startswith(prefix):
            return "An Image containing " + wording.format(lang=lang, version=version)
    return f"An Image containing {lang}"


_SAME = None  # updated_at equal to created_at
_EMPTY = ""  # a missing description, served as ""

# (uuid, name, runtime, tag, requires_gpu, num_installations, created_at, updated_at, description)
# In creation order, which is the order the API lists them. description None -> describe().
_DEFAULT_TABLE: tuple[tuple[str, str, str, str, bool, int, str, str | None, str | None], ...] = (
    ("dc348097-5124-43ca-83da-7768cc4276ce", "standard", "python27", "latest", False, 41, "14-06-2017 10:02:17", "03-09-2018 11:20:05", None),
    ("258cbcea-14b7-443a-8563-18e65e919c0a", "standard", "python36", "latest", False, 187, "14-06-2017 10:04:51", "03-09-2018 11:22:40", None),
    ("065fe71e-e738-4470-abdf-f4b8b9cf1292", "web-crawling", "python27", "latest", False, 22, "21-06-2017 15:37:09", _SAME, None),
    ("baaf64ea-f8f5-428c-b9ab-016267b4086e", "tensorflow", "python27", "latest", False, 35, "07-07-2017 09:12:44", "17-08-2018 18:03:29", None),
    ("ff0b3e02-0f2d-4dbd-b430-159ae87cda66", "tensorflow", "python36", "latest", False, 264, "07-07-2017 09:15:02", "17-08-2018 18:05:11", None),
    ("1d0538c3-e80e-4bd0-af09-759ee3bac228", "tensorflow-gpu", "python27", "latest", True, 12, "07-07-2017 09:48:36", "17-08-2018 18:31:50", None),
    ("f44aa670-e792-45b9-80ba-22a9e6b0354a", "tensorflow-gpu", "python36", "latest", True, 318, "07-07-2017 09:51:13", "17-08-2018 18:34:02", None),
    ("cd91edad-38ef-4626-b081-64a90fc5e14e", "standard", "node8", "latest", False, 29, "02-08-2017 13:26:40", _SAME, None),
    ("8158f280-866d-46ea-bf78-0855c1ca99cc", "web-crawling", "node8", "latest", False, 17, "02-08-2017 13:40:55", "11-01-2018 08:14:22", None),
    ("9f62215a-82b5-4df5-a053-bec56014f564", "data-science", "python36", "latest", False, 143, "25-09-2017 16:08:31", "04-10-2018 07:45:12", None),
    ("85da6625-d240-49e0-b471-cb32fe579f0b", "data-science", "python27", "latest", False, 9, "25-09-2017 16:11:47", _SAME, None),
    ("719b2ce4-dda0-481b-a757-ad52439c95d3", "web-crawling", "python36", "1.0", False, 6, "07-10-2017 12:00:03", _SAME, None),
    # The odd one: updated_at before created_at (day and month swapped), for data-quality demos.
    ("ef4a8fb1-e0fc-41ae-9459-cdfbf43f9481", "web-crawling", "node8", "1.0", False, 2, "07-10-2017 12:06:38", "10-07-2017 12:06:38", None),
    ("06b85816-34f1-4a6e-8156-134591e44980", "nlp", "python36", "latest", False, 58, "08-11-2017 19:22:10", "12-06-2018 09:37:45", None),
    ("3d82b3f5-fe68-44fc-9655-66916447142b", "nlp", "python27", "latest", False, 4, "08-11-2017 19:25:41", _SAME, _EMPTY),
    ("71f0f231-ff4a-4459-ae1e-d17ea53762e5", "computer-vision", "python36", "latest", False, 37, "04-12-2017 08:55:20", "16-07-2018 14:08:03", None),
    ("acbb0c29-6060-4122-ac0c-b22fc137122e", "pytorch", "python36", "0.3", False, 5, "11-12-2017 17:43:26", _SAME, None),
    ("d3b4bbd3-a840-408d-9c0b-41af7323d5b8", "pytorch", "python36", "latest", False, 52, "11-12-2017 17:45:10", "27-07-2018 13:29:44", None),
    ("3ac930d9-503c-4120-8ccc-21e725eddf31", "pytorch-gpu", "python36", "0.3", True, 11, "11-12-2017 17:50:02", _SAME, None),
    ("5b77f281-b24b-4792-bba1-cdf43d82ff96", "pytorch-gpu", "python36", "latest", True, 96, "11-12-2017 17:52:40", "27-07-2018 13:31:07", None),
    ("59a80dd8-0037-49df-a776-5b171a13f8c7", "tensorflow", "python36", "1.5", False, 8, "29-01-2018 10:14:55", _SAME, None),
    ("733a5770-73e0-446f-8da5-dbc56cce178e", "tensorflow-gpu", "python36", "1.5", True, 14, "29-01-2018 10:31:07", "02-02-2018 09:03:48", None),
    ("d4ac43f3-18be-4b2b-8ffb-a1229874a9c9", "standard", "r35", "latest", False, 13, "26-04-2018 14:47:19", _SAME, None),
    ("77955b22-d261-4527-b790-2547f5e7f5ac", "data-science", "r35", "latest", False, 21, "26-04-2018 15:02:33", "09-08-2018 10:26:54", None),
    ("bf2fc69b-6f91-441e-8695-464bc4f14998", "pytorch", "python36", "0.4", False, 16, "27-04-2018 09:30:15", _SAME, None),
    ("a5912e51-ec41-4e59-bb27-214b156389d2", "pytorch-gpu", "python36", "0.4", True, 24, "27-04-2018 09:36:48", _SAME, None),
    ("3273dca8-b121-439e-9ef1-dc2969a5bade", "tensorflow", "python27", "1.8", False, 3, "03-05-2018 11:18:40", _SAME, None),
    ("5b7c95be-83c8-4f9c-8d20-3ada20157cac", "tensorflow", "python36", "1.8", False, 19, "03-05-2018 11:20:12", _SAME, None),
    ("e582efbf-be34-4c53-9c77-e87c02332896", "tensorflow-gpu", "python27", "1.8", True, 1, "03-05-2018 11:41:58", _SAME, None),
    ("7adff5c4-5910-409c-9fb9-a07fa3a27e93", "tensorflow-gpu", "python36", "1.8", True, 27, "03-05-2018 11:44:36", "08-05-2018 16:12:09", None),
    ("f6c50b81-c72e-4dd6-baac-634ab56544e5", "tensorflow", "node8", "latest", False, 7, "16-05-2018 20:05:33", "03-07-2018 12:40:18", None),
    ("92ea0a4a-78ee-413d-9fcc-351b250f613c", "standard", "python37", "latest", False, 14, "29-06-2018 08:11:52", _SAME, None),
    ("bee29a14-4f10-49f7-b858-1080c5d76898", "web-crawling", "python37", "latest", False, 3, "29-06-2018 08:19:27", _SAME, None),
    ("8b4935d4-4af2-4484-9a68-2be62e84cffd", "data-science", "python37", "latest", False, 0, "02-07-2018 17:56:04", _SAME, None),
    ("79d1d201-6c80-4323-a1eb-fdda3e222731", "tensorflow", "python27", "1.9", False, 0, "12-07-2018 10:03:41", _SAME, None),
    ("b744d9bc-9fb6-4e21-b361-708b0212fede", "tensorflow", "python36", "1.9", False, 12, "12-07-2018 10:05:09", _SAME, None),
    ("f55f7f0a-2b63-45d7-8915-ea9b4fa2547e", "tensorflow-gpu", "python36", "1.9", True, 20, "12-07-2018 10:22:15", _SAME, None),
    ("fcebd77c-c5a5-41fa-bdda-31bc0cb32ead", "pytorch", "python36", "0.4.1", False, 9, "27-07-2018 13:17:22", _SAME, None),
    ("e10a3ffe-3fc1-4ee3-a52e-77f8c80d2b07", "pytorch-gpu", "python36", "0.4.1", True, 31, "27-07-2018 13:25:50", _SAME, None),
    ("9640847a-4631-4dad-b69e-47ab6e1ef8e1", "tensorflow", "python36", "1.10", False, 15, "09-08-2018 09:48:30", _SAME, None),
    ("acdbcc95-0e2e-4fe3-9f43-b8f682fb1c0a", "tensorflow-gpu", "python36", "1.10", True, 23, "09-08-2018 10:06:57", "13-08-2018 17:21:45", None),
    ("da6d6e5d-584e-450f-9547-0b7ee4c42162", "xgboost-gpu", "python36", "latest", True, 8, "14-08-2018 15:40:26", _SAME, None),
    ("5bdd690c-e576-43b8-b8e1-b665b436d69a", "standard", "node10", "latest", False, 6, "04-09-2018 16:33:08", _SAME, None),
    ("24d922bc-4446-4c66-9b5f-562b86ebbca3", "web-crawling", "node10", "latest", False, 1, "04-09-2018 16:39:50", _SAME, _EMPTY),
    # Both records of the API reference, verbatim; they share a registry path.
    ("24b310f8-1405-4928-914f-d5c91272f88a", "web-crawling", "python36", "latest", False, 3, "22-09-2018 00:45:50", _SAME, None),
    ("2413a0f8-c105-4928-914f-d5c93173f88a", "web-crawling", "python36", "latest", False, 3, "22-09-2018 00:45:50", _SAME, None),
    ("e99d97c6-3c3b-40fd-8fff-df3ad64e24d6", "tensorflow", "python36", "1.11", False, 2, "28-09-2018 11:02:37", _SAME, None),
    ("0c958939-eae4-445c-8f10-edb022effe2a", "tensorflow-gpu", "python36", "1.11", True, 4, "28-09-2018 11:20:14", _SAME, None),
)  # fmt: skip

_DEFAULT_DOWNLOADS: dict[str, tuple[str, ...]] = {
    DEMO_INSTANCES[0]: (
        "f44aa670-e792-45b9-80ba-22a9e6b0354a",  # tensorflow-gpu-python36:latest
        "5b77f281-b24b-4792-bba1-cdf43d82ff96",  # pytorch-gpu-python36:latest
        "9f62215a-82b5-4df5-a053-bec56014f564",  # data-science-python36:latest
        "24b310f8-1405-4928-914f-d5c91272f88a",  # web-crawling-python36:latest (shared)
        "258cbcea-14b7-443a-8563-18e65e919c0a",  # standard-python36:latest (shared)
        "acdbcc95-0e2e-4fe3-9f43-b8f682fb1c0a",  # tensorflow-gpu-python36:1.10
        "06b85816-34f1-4a6e-8156-134591e44980",  # nlp-python36:latest
    ),
    DEMO_INSTANCES[1]: (
        "24b310f8-1405-4928-914f-d5c91272f88a",  # web-crawling-python36:latest (shared)
        "258cbcea-14b7-443a-8563-18e65e919c0a",  # standard-python36:latest (shared)
        "cd91edad-38ef-4626-b081-64a90fc5e14e",  # standard-node8:latest
        "8158f280-866d-46ea-bf78-0855c1ca99cc",  # web-crawling-node8:latest
        "ff0b3e02-0f2d-4dbd-b430-159ae87cda66",  # tensorflow-python36:latest
    ),
}


def _registry_path(name: str, runtime: str, tag: str) -> str:
    return f"sharedcloud/{name}-{runtime}:{tag}"


def default_catalogue(*, clock: str = FROZEN_CLOCK) -> list[ImageRecord]:
    """Return the default demo catalogue: 48 image records, in the order the API lists them.

    Args:
        clock: the ``current_server_time`` written in every record.

    Returns:
        A fresh list of fresh dicts (mutating it does not change later calls).

    Example:
        >>> images = default_catalogue()
        >>> images[0]["registry_path"]
        'sharedcloud/standard-python27:latest'
    """
    records: list[ImageRecord] = []
    for uuid, name, runtime, tag, gpu, installs, created, updated, description in _DEFAULT_TABLE:
        records.append(
            {
                "uuid": uuid,
                "current_server_time": clock,
                "num_installations": installs,
                "registry_path": _registry_path(name, runtime, tag),
                "updated_at": created if updated is _SAME else updated,
                "created_at": created,
                "name": name,
                "description": describe(name, runtime, tag) if description is None else description,
                "requires_gpu": gpu,
                "runtime": runtime,
                "tag": tag,
            }
        )
    return records


def default_downloads() -> dict[str, list[str]]:
    """Return which default-catalogue images are downloaded on each demo instance.

    Returns:
        ``{instance_uuid: [image_uuid, ...]}`` for the two :data:`DEMO_INSTANCES`
        (7 and 5 images, 2 of them on both), in catalogue order.
    """
    position = {row[0]: i for i, row in enumerate(_DEFAULT_TABLE)}
    return {instance: sorted(uuids, key=position.__getitem__) for instance, uuids in _DEFAULT_DOWNLOADS.items()}


# ---------------------------------------------------------------------------------------------
# Generated catalogues

# Created dates of generated images fall in this window (UTC), before FROZEN_CLOCK.
_WINDOW_START = calendar.timegm((2016, 1, 1, 0, 0, 0))
_WINDOW_END = calendar.timegm((2018, 10, 4, 23, 59, 59))


_FIRST_RUNTIMES = frozenset({"python27", "python36", "node8"})


def _parse_clock(clock: str) -> int:
    return calendar.timegm(time.strptime(clock, DATE_FORMAT))


def _variants() -> list[tuple[str, str, str, bool, str, int, int]]:
    """The distinct images of the default catalogue.

    Returns:
        (name, runtime, tag, gpu, description, popularity, available_from) tuples, where
        ``available_from`` (epoch seconds) is when a generated image of this kind may first be
        created: a week before its first default record for versioned tags and later runtimes,
        a year and a half before for the ``latest`` tags of the first runtimes.
    """
    first: dict[tuple[str, str, str], tuple[bool, str]] = {}  # in order of first appearance
    popularity: dict[tuple[str, str, str], int] = {}
    for _, name, runtime, tag, gpu, installs, created, *_ in _DEFAULT_TABLE:
        key = (name, runtime, tag)
        popularity[key] = popularity.get(key, 0) + installs
        first.setdefault(key, (gpu, created))
    variants = []
    for (name, runtime, tag), (gpu, created) in first.items():
        lead_days = 548 if tag == "latest" and runtime in _FIRST_RUNTIMES else 7
        available_from = _parse_clock(created) - lead_days * 86400
        description = describe(name, runtime, tag)
        variants.append((name, runtime, tag, gpu, description, popularity[(name, runtime, tag)], available_from))
    return variants


def generate_catalogue(size: int, seed: int = 0, *, clock: str = FROZEN_CLOCK) -> list[ImageRecord]:
    """Generate ``size`` plausible image records, deterministically from ``seed``.

    Images are drawn from the families, runtimes and tags of the default catalogue (popular ones
    more often, and none long before its default counterpart: no TensorFlow 1.11 in 2016), with skewed installation counts, about 2% empty descriptions, created dates over
    2016-01-01 .. 2018-10-04 (more recent ones more frequent, and never after ``clock``), and
    ``updated_at`` equal to or after ``created_at``. Uuids are random version-4 uuids drawn from
    the same generator. A million records take a few seconds.

    Args:
        size: how many records.
        seed: the seed of the ``random.Random`` that draws everything; same seed, same records.
        clock: the ``current_server_time`` written in every record.

    Returns:
        A list of ``size`` record dicts, in creation order.

    Raises:
        ValueError: ``size`` is negative.

    Example:
        >>> generate_catalogue(1000, seed=1) == generate_catalogue(1000, seed=1)
        True
    """
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    # A million new dicts would trigger many cyclic-GC passes over a growing heap (a sixth of the
    # time) for nothing: these records cannot form cycles.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(size, seed, clock)
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(size: int, seed: int, clock: str) -> list[ImageRecord]:
    """The records of :func:`generate_catalogue`."""
    draws, kinds = _draw(size, seed, clock, binary=False)
    return _drawing.records(draws, kinds, clock)


def _draw(size: int, seed: int, clock: str, *, binary: bool) -> tuple[_drawing.Draws, list[_drawing.Kind]]:
    """The draws of :func:`generate_catalogue`'s records (``binary``: for their list body), and the kinds they index."""
    end = max(min(_WINDOW_END, _parse_clock(clock) - 1), _WINDOW_START)
    variants = _variants()
    # Each variant's (name, runtime, tag, gpu, description, registry_path), made once.
    kinds = [(v[0], v[1], v[2], v[3], v[4], _registry_path(v[0], v[1], v[2])) for v in variants]
    return _drawing.draw(size, seed, _WINDOW_START, end, variants, binary=binary), kinds


def generate_downloads(images: Sequence[Mapping[str, Any]], seed: int = 0) -> dict[str, list[str]]:
    """Choose, deterministically from ``seed``, which of ``images`` are downloaded on each demo instance.

    The first instance gets ``max(7, len(images) // 200)`` images and the second
    ``max(5, len(images) // 250)`` (fewer if the catalogue is smaller), two of them shared.

    Args:
        images: the catalogue, as from :func:`generate_catalogue`.
        seed: the seed of the choice.

    Returns:
        ``{instance_uuid: [image_uuid, ...]}`` for the two :data:`DEMO_INSTANCES`, in catalogue order.
    """
    n = len(images)
    rng = random.Random(f"downloads-{seed}")
    first = sorted(rng.sample(range(n), min(n, max(7, n // 200))))
    shared = first[:2]
    rest = sorted(set(range(n)) - set(first)) if n <= 10_000 else None
    k = min(max(5, n // 250) - len(shared), n - len(first))
    if rest is not None:
        others = rng.sample(rest, max(k, 0))
    else:
        taken = set(first)
        others = []
        while len(others) < k:
            i = rng.randrange(n)
            if i not in taken:
                taken.add(i)
                others.append(i)
    second = sorted(shared + others)
    return {
        DEMO_INSTANCES[0]: [images[i]["uuid"] for i in first],
        DEMO_INSTANCES[1]: [images[i]["uuid"] for i in second],
    }


# ---------------------------------------------------------------------------------------------
# The catalogue as served


def utc_now() -> str:
    """The real UTC clock, written like the API's dates."""
    return time.strftime(DATE_FORMAT, time.gmtime())


class ServedCatalogue:
    """The records a server serves, with the encoded bodies it caches (the views' :class:`.api.Catalogue`).

    Args:
        images: the records, in the order the list serves them (their ``current_server_time`` is ``stamp``).
        downloads: ``{instance_uuid: [image_uuid, ...]}``, what ``?instance=`` answers.
        page_size: None to list everything at once; else the records per page.
        stamp: the ``current_server_time`` written in ``images``.
        live: serve the real UTC clock instead of ``stamp``.
    """

    def __init__(
        self,
        images: Sequence[ImageRecord],
        downloads: Mapping[str, Sequence[str]],
        *,
        page_size: int | None,
        stamp: str,
        live: bool = False,
    ) -> None:
        self.images = images
        self.downloads = downloads
        self.page_size = page_size
        self.stamp = stamp
        self.live = live
        self._lock = threading.RLock()  # guards the lazily built lookups and bodies
        self._positions: dict[str, int] | None = None
        self._filtered: dict[str, list[ImageRecord]] = {}
        self._list_bodies: dict[str | None, Sequence[bytes]] = {}
        self._pages: dict[tuple[str | None, int], bytes] = {}

    def now(self) -> str:
        """The server's clock now, as it writes it in ``current_server_time``."""
        return utc_now() if self.live else self.stamp

    def _position_index(self) -> dict[str, int]:
        """uuid -> position in :attr:`images`, built on first use (a million take ~0.3 s)."""
        if self._positions is None:
            with self._lock:
                if self._positions is None:
                    self._positions = {record["uuid"]: i for i, record in enumerate(self.images)}
        return self._positions

    def image(self, uuid: str) -> ImageRecord | None:
        """The record of ``uuid``, or None."""
        position = self._position_index().get(uuid)
        return None if position is None else self.images[position]

    def records(self, instance: str | None) -> Sequence[ImageRecord]:
        """The records the list answers, in catalogue order (the database's order)."""
        if instance is None:
            return self.images
        records = self._filtered.get(instance)
        if records is None:
            index = self._position_index()
            found = (index.get(u) for u in self.downloads.get(instance, ()))
            records = [self.images[i] for i in sorted(i for i in found if i is not None)]
            with self._lock:
                self._filtered[instance] = records
        return records

    def list_body(self, instance: str | None) -> Sequence[bytes]:
        """``records(instance)`` as a JSON array in chunks, encoded once, at the current time."""
        body = self._list_bodies.get(instance)
        if body is None:
            with self._lock:
                body = self._list_bodies.get(instance)
                if body is None:
                    body = encode_list(self.records(instance))
                    self._list_bodies[instance] = body
        return [self._patch_clock(chunk) for chunk in body] if self.live else body

    def seed_list_body(self, chunks: Sequence[bytes]) -> None:
        """Take ``chunks`` as the whole list's body (exactly what :meth:`list_body` would encode; maybe still being written)."""
        with self._lock:
            self._list_bodies[None] = chunks

    def page_results(self, instance: str | None, page: int) -> bytes:
        """The records of ``page`` (from 1) as a JSON array, encoded once, at the current time."""
        key = (instance, page)
        results = self._pages.get(key)
        if results is None:
            size = self.page_size or len(self.images)
            results = encode(self.records(instance)[(page - 1) * size : page * size])
            with self._lock:
                self._pages[key] = results
        return self._patch_clock(results) if self.live else results

    def _patch_clock(self, data: bytes) -> bytes:
        """Write the clock's current time over the one encoded in ``data`` (same length)."""
        now = self.now()
        if now == self.stamp:
            return data
        old = b'"current_server_time":"' + self.stamp.encode() + b'"'
        return data.replace(old, b'"current_server_time":"' + now.encode() + b'"')


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
