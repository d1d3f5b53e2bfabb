import pytest

from lwipd_harness import TAP, require_prerequisites, running_lwipd


def pytest_collection_modifyitems(config, items):
    require_prerequisites(items, "interop")


@pytest.fixture(scope="module")
def lwipd():
    with running_lwipd() as d:
        yield d


@pytest.fixture(scope="module")
def tap():
    return TAP
