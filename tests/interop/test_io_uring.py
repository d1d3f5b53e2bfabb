"""Batched TAP I/O through io_uring (--io-uring, issue 18).

The same transfers as test_offload, with the ring on and off, with and
without offloads: every byte must arrive intact and in order each way,
and status io_uring must say what runs.  With the ring on, a bulk
transfer must have been batched: more than one read or write request per
io_uring_enter.  On a kernel that refuses io_uring the "on" cases check
that lwipd refuses to start and says why, and the rest run plain.
"""
import os
import socket
import subprocess

import pytest

from lwipd_harness import Lwipd, running_lwipd
from test_offload import ECHO, MB, _connect, _echo, _from_lwipd, _to_discard


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
            # With offloads lwipd sends 64 KB GSO frames: written at once
            # from their pbufs, never copied into the ring's pool.
            assert (st["direct_writes"] > 0) == (offload == "on" and d.call("status")["offload"]["tx_gso"] > 0)
            _ping_pong(d)
        else:
            assert "submits" not in st and st["reason"] == "--io-uring off"


def _ping_pong(d, rounds=20):
    """Request/response through tcp-echo, one 64-byte message at a time:
    the ring rests (after at most four such exchanges, or before them
    when the events after the transfers were quiet already) and the
    frames go by plain read() and write()."""
    before = d.call("status")["io_uring"]
    s = _connect(ECHO)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i in range(rounds):
        msg = bytes([i]) * 64
        s.sendall(msg)
        got = b""
        while len(got) < 64:
            chunk = s.recv(64 - len(got))
            assert chunk, "tcp-echo closed the connection"
            got += chunk
        assert got == msg
    # Asked before the close: its FIN exchange may move two frames at once.
    st = d.call("status")["io_uring"]
    out = d.lwipctl("status").stdout
    s.close()
    assert st["resting"], st
    # Most exchanges went by plain calls: all but the (at most four) quiet
    # events the ring waits for, after a handshake event that may wake it.
    assert st["plain_reads"] - before["plain_reads"] >= rounds // 2, st
    assert st["plain_writes"] - before["plain_writes"] >= rounds // 2, st
    assert "resting now; plain calls:" in out, out


def test_bad_value_refused():
    r = subprocess.run(["sh", "-c", '"$LWIPD" --tap unused0 --io-uring maybe'], capture_output=True, text=True)
    assert r.returncode == 2
    assert "--io-uring maybe: expected auto, on or off" in r.stderr


# ---- A kernel that forbids io_uring (issue 18) ----
#
# kernel.io_uring_disabled (Linux 6.6) = 2 makes io_uring_setup fail with
# EPERM for every process, root included (1 would still let root in).  It
# is a host-wide setting, so the fixture holds it only for one test and
# puts the old value back however the test ends.

IO_URING_SYSCTL = "/proc/sys/kernel/io_uring_disabled"


@pytest.fixture
def io_uring_forbidden():
    if not os.path.exists(IO_URING_SYSCTL):
        pytest.skip("no kernel.io_uring_disabled sysctl on this kernel (Linux 6.6 or later has it)")
    with open(IO_URING_SYSCTL) as f:
        old = f.read().strip()
    try:
        with open(IO_URING_SYSCTL, "w") as f:
            f.write("2")
    except OSError as e:
        pytest.skip(f"cannot set kernel.io_uring_disabled: {e}")
    try:
        yield
    finally:
        with open(IO_URING_SYSCTL, "w") as f:
            f.write(old)


def _skip_without_liburing(text):
    """A build without liburing never has a ring: the sysctl is then not
    what stops it, and these tests say nothing."""
    if "built without liburing" in text:
        pytest.skip("lwipd was built without liburing")


def test_auto_runs_plain_when_the_kernel_forbids_io_uring(io_uring_forbidden):
    with running_lwipd(extra_args=["--io-uring", "auto"]) as d:
        log = d.read_log()
        _skip_without_liburing(log)
        # The log says why the ring is not used; status says it is not.
        assert "io_uring: io_uring_setup refused: Operation not permitted" in log, log
        assert "kernel.io_uring_disabled" in log and "reading and writing the TAP a frame a call" in log, log
        st = d.call("status")["io_uring"]
        assert st == {"mode": "auto", "active": False, "reason": (
            "io_uring: io_uring_setup refused: Operation not permitted (kernel.io_uring_disabled, or a seccomp filter)")}
        ids = {a: d.call("app.start", name=a)["id"] for a in ("tcp-discard", "tcp-echo")}
        _to_discard(d, ids["tcp-discard"], 4 * MB)
        _from_lwipd(d, 4 * MB)
        _echo(2 * MB)
        assert d.call("status")["io_uring"] == st
        out = d.lwipctl("status").stdout
        assert "auto, not in use (plain read/write): io_uring: io_uring_setup refused" in out, out


def test_on_refuses_to_start_when_the_kernel_forbids_io_uring(io_uring_forbidden):
    d = Lwipd(extra_args=["--io-uring", "on"])
    try:
        with pytest.raises(RuntimeError) as e:
            d.start()
        msg = str(e.value)
        _skip_without_liburing(msg)
        assert "lwipd exited with 1" in msg, msg
        assert ("--io-uring on: io_uring: io_uring_setup refused: Operation not permitted "
                "(kernel.io_uring_disabled, or a seccomp filter); use --io-uring auto or off") in msg, msg
    finally:
        d.stop()
