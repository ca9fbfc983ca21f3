"""One Client shared by threads: 50 concurrent detail requests from 8 threads, every answer right.

``requests.Session`` is not documented as thread-safe; what a Client shares between threads is
its connection pool (sized above the thread count) and its auth object (stateless). The request
log proves nothing failed quietly: exactly one request per call, so no retry hid an error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb.demo import DemoServer

THREADS = 8
CALLS = 50


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer() as demo:
        demo.inject("latency:0.02")  # answers overlap, so the threads really share the pool
        yield demo


def uuids_for(server: DemoServer) -> list[str]:
    uuids = [record["uuid"] for record in server.images]
    return (uuids * (CALLS // len(uuids) + 1))[:CALLS]


def run_together(call, arguments: list) -> list:
    """call(argument) for each argument from THREADS threads, started at the same moment."""
    start = threading.Barrier(THREADS)
    local = threading.local()

    def worker(argument):
        if not getattr(local, "started", False):
            local.started = True
            start.wait(timeout=10)
        return call(argument)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(worker, arguments))


def test_fifty_concurrent_detail_requests_from_eight_threads(server, caplog):
    caplog.set_level(logging.WARNING)
    client = sc.Client(server.token, url=server.url)
    served = {record["uuid"]: record for record in server.images}
    uuids = uuids_for(server)

    answers = run_together(client.get_image, uuids)

    assert answers == [served[uuid] for uuid in uuids]
    assert len(server.requests) == CALLS, "one request per call: nothing failed and was retried"
    assert all(request.authorized for request in server.requests), "each carried the server's token"
    assert server.errors == []
    # urllib3 warns "Connection pool is full, discarding connection" when threads outnumber it.
    assert [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")] == []


def test_typed_calls_from_threads_match_the_single_threaded_ones(server):
    client = sc.Client(server.token, url=server.url)
    uuids = uuids_for(server)
    expected = {uuid: client.image(uuid) for uuid in set(uuids)}
    frame = client.images()
    server.clear_requests()

    def call(uuid):
        return client.image(uuid) if uuid != uuids[0] else client.images()

    answers = run_together(call, uuids)

    for uuid, answer in zip(uuids, answers, strict=False):
        if uuid == uuids[0]:
            pd.testing.assert_frame_equal(answer, frame)
        else:
            pd.testing.assert_series_equal(answer, expected[uuid])
    assert len(server.requests) == CALLS
