"""Stress suite fixtures: lwipd in a namespace per module (the interop
harness, imported from ../interop), the memory baseline, and the summary
table printed at the end of the session."""

import pytest

import stress_util
from lwipd_harness import require_prerequisites


def pytest_collection_modifyitems(config, items):
    require_prerequisites(items, "stress")


@pytest.fixture(scope="module")
def lwipd():
    """One lwipd per module (a module may override this and env with
    function scope, for a fresh lwipd per test)."""
    with stress_util.running_lwipd() as d:
        yield d


@pytest.fixture(scope="module")
def env(lwipd):
    """lwipd with tcp-echo and tcp-discard, and the module's baseline."""
    return stress_util.StressEnv(lwipd).setup()


@pytest.fixture(autouse=True)
def _current_test(request, env):
    env.nodeid = request.node.nodeid
    yield


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        xfail = hasattr(report, "wasxfail")
        if report.passed:
            result = "XPASS" if xfail else "passed"
        elif report.skipped:
            result = "xfail" if xfail else "skipped"
        else:
            result = "FAILED"
        msg = ""
        if not report.passed and report.longrepr is not None:
            crash = getattr(report.longrepr, "reprcrash", None)
            msg = crash.message.splitlines()[0] if crash is not None else str(report.longrepr).splitlines()[-1]
        stress_util.RUNTIME[report.nodeid] = (report.duration, result, msg[:160])


def pytest_terminal_summary(terminalreporter):
    if not stress_util.RUNTIME:
        return
    tr = terminalreporter
    tr.section("stress summary")
    seen = set()
    for row in stress_util.ROWS:
        secs, result, msg = stress_util.RUNTIME.get(row["nodeid"], (0.0, "?", ""))
        seen.add(row["nodeid"])
        tr.write_line(f"{row['case']:<24} {result:<7} {secs:6.1f}s | {row['load']} | {row['outcome']} | "
                      f"pools before/after: {row['pools']}")
    for nodeid, (secs, result, msg) in stress_util.RUNTIME.items():
        if nodeid not in seen:
            name = nodeid.split("::")[-1]
            tr.write_line(f"{name:<24} {result:<7} {secs:6.1f}s | (did not reach the after-case check) {msg}")
