"""The examples in the docstrings run, against the demo API: documentation that cannot go stale.

Every module of the package is searched for doctests (``>>>`` examples). They run with ``sc`` (the
package), ``client`` (a client of a demo server of their own) and ``df`` (its ``client.images()``)
in their namespace, as the docstrings assume, in a temporary working folder. ``# doctest: +SKIP`` is left only where an example needs a real account, a file, or a
notebook front end.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import sharedcloud_nb as sc
from sharedcloud_nb.demo import DemoServer


def _modules() -> list[str]:
    names = [sc.__name__]
    for info in pkgutil.walk_packages(sc.__path__, prefix=f"{sc.__name__}."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return sorted(names)


def _tests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for name in _modules():
        try:
            module = importlib.import_module(name)
        except ImportError:  # a module of the notebook extra, in a core install
            continue
        found += [test for test in finder.find(module, name) if test.examples]
    return sorted(found, key=lambda test: test.name)


TESTS = _tests()


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer() as demo:
        yield demo


def test_there_are_examples_to_run():
    runnable = [test for test in TESTS if any(not example.options.get(doctest.SKIP) for example in test.examples)]
    assert len(runnable) >= 10


@pytest.mark.parametrize("test", TESTS, ids=lambda test: test.name.removeprefix("sharedcloud_nb."))
def test_docstring_example(
    test: doctest.DocTest, server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    client = sc.Client(server.token, url=server.url)
    test.globs.update({"sc": sc, "client": client, "df": client.images()})
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    with warnings.catch_warnings():
        # The examples show values; what a conversion warns of is tested elsewhere (tests/test_warnings.py).
        warnings.simplefilter("ignore", sc.SharedcloudWarning)
        result = runner.run(test, out=report.append, clear_globs=True)
    client.close()
    assert result.failed == 0, "".join(report)
