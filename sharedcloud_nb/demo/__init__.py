"""The built-in demo Sharedcloud API: a realistic catalogue served over real HTTP on loopback.

This package owns the demo API that lets every notebook, test and benchmark run without an
account: :mod:`.catalogue` holds the data and :mod:`.timeline` how it moves with the clock, :mod:`.api` what the API answers (pure functions, a
request in and an answer out), :mod:`.faults` the failures it can be made to show, :mod:`.server`
the HTTP server (:class:`DemoServer`), and ``python -m sharedcloud_nb.demo`` runs it from a shell.

Example:
    >>> from sharedcloud_nb.demo import DemoServer
    >>> with DemoServer() as server:          # doctest: +SKIP
    ...     print(server.url, server.token)

Standard library only, so importing it is cheap.
"""

from __future__ import annotations

from .api import DemoRequest, Headers
from .catalogue import (
    DATE_FORMAT,
    DEMO_INSTANCES,
    FIELDS,
    FROZEN_CLOCK,
    default_catalogue,
    default_downloads,
    generate_catalogue,
    generate_downloads,
)
from .faults import FAULTS, Alter, Drop, Fault, NamedFault, Response, parse_fault, register_fault
from .server import DEMO_PASSWORD, DEMO_TOKEN, DEMO_USERNAME, DemoServer, running_urls, shared_server
from .timeline import Timeline, catalogue_at

__all__ = [
    "DATE_FORMAT",
    "DEMO_INSTANCES",
    "DEMO_PASSWORD",
    "DEMO_TOKEN",
    "DEMO_USERNAME",
    "FAULTS",
    "FIELDS",
    "FROZEN_CLOCK",
    "Alter",
    "DemoRequest",
    "DemoServer",
    "Drop",
    "Fault",
    "Headers",
    "NamedFault",
    "Response",
    "Timeline",
    "catalogue_at",
    "default_catalogue",
    "default_downloads",
    "generate_catalogue",
    "generate_downloads",
    "parse_fault",
    "register_fault",
    "running_urls",
    "shared_server",
]


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
