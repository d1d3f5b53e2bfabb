import os

import pytest

from lwipd_harness import Lwipd, prerequisites, TAP


def pytest_collection_modifyitems(config, items):
    reason = prerequisites()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        # Under CI a green run must mean the interop tests ran.
        raise pytest.UsageError(f"interop prerequisites missing under CI: {reason}")
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        item.add_marker(skip)


@pytest.fixture(scope="module")
def lwipd():
    d = Lwipd()
    d.start()
    try:
        yield d
    finally:
        log = d.read_log()
        alive = d.alive()
        d.stop()
        if not alive:
            pytest.fail(f"lwipd died during the module:\n{log}")


@pytest.fixture(scope="module")
def tap():
    return TAP
