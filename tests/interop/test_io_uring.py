"""Batched TAP I/O through io_uring (--io-uring, issue 18).

The same transfers as test_offload, with the ring on and off, with and
without offloads: every byte must arrive intact and in order each way,
and status io_uring must say what runs.  With the ring on, a bulk
transfer must have been batched: more than one read or write request per
io_uring_enter.  On a kernel that refuses io_uring the "on" cases check
that lwipd refuses to start and says why, and the rest run plain.
"""
import subprocess

import pytest

from lwipd_harness import Lwipd, running_lwipd
from test_offload import MB, _echo, _from_lwipd, _to_discard


def _ring_refused():
    """Does `--io-uring on` fail to start here (a kernel without io_uring,
    or a build without liburing)?  Then it must say why."""
    d = Lwipd(extra_args=["--io-uring", "on"])
    try:
        d.start()
        return False
    except RuntimeError as e:  # lwipd exited; the message holds its log
        assert "--io-uring on: io_uring" in str(e)
        return True
    finally:
        d.stop()


@pytest.mark.parametrize("offload", ["off", "on"])
@pytest.mark.parametrize("ring", ["on", "off"])
def test_transfers(ring, offload):
    if ring == "on" and _ring_refused():
        pytest.skip("io_uring refused here; lwipd said why")
    with running_lwipd(extra_args=["--io-uring", ring, "--offload", offload]) as d:
        st = d.call("status")["io_uring"]
        assert st["mode"] == ring and st["active"] == (ring == "on")
        ids = {a: d.call("app.start", name=a)["id"] for a in ("tcp-discard", "tcp-echo")}
        _to_discard(d, ids["tcp-discard"], 10 * MB)
        _from_lwipd(d, 10 * MB)
        _echo(4 * MB)
        st = d.call("status")["io_uring"]
        if ring == "on":
            assert st["submits"] > 0 and st["writes"] > 0 and st["read_frames"] > 0
            assert st["ops_per_submit"] > 1.0
        else:
            assert "submits" not in st


def test_bad_value_refused():
    r = subprocess.run(["sh", "-c", '"$LWIPD" --tap unused0 --io-uring maybe'], capture_output=True, text=True)
    assert r.returncode == 2
    assert "--io-uring maybe: expected auto, on or off" in r.stderr
