"""--busy-poll USEC (issue 18): the low-latency mode, off by default.

After each pass of its event loop lwipd keeps polling for up to USEC
microseconds after the last frame before it sleeps again.  What is
checked here is behaviour, not speed (tools/bench/net-bench measures
the latency with and without it): the setting shows in status, the
polling passes do read frames, everything else (the control socket,
timers, TCP) keeps working while lwipd spins, a signal still stops it,
and bad values are refused with a clear message.
"""
import os
import signal
import socket
import subprocess

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP, Lwipd, running_lwipd


def test_off_by_default():
    with running_lwipd() as d:
        assert d.call("status")["busy_poll"] == {"usec": 0, "rounds": 0, "passes": 0, "hits": 0}
        assert "busy-poll:  off" in d.lwipctl("status").stdout


def test_busy_poll_serves_traffic():
    d = Lwipd(extra_args=["--busy-poll", "200"])
    d.start()
    try:
        d.call("app.start", name="tcp-echo")
        # Request/response: each request arrives while lwipd polls after
        # the previous reply, so some polling pass must read it.
        s = socket.create_connection((LWIPD_IP, 7), timeout=10, source_address=(HOST_IP, 0))
        for i in range(200):
            msg = b"%05d" % i
            s.sendall(msg)
            got = b""
            while len(got) < len(msg):
                chunk = s.recv(64)
                assert chunk
                got += chunk
            assert got == msg
        s.close()
        r = subprocess.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", "-q", LWIPD_IP], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        bp = d.call("status")["busy_poll"]
        assert bp["usec"] == 200
        assert bp["rounds"] > 0 and bp["passes"] >= bp["hits"] > 0, bp
        out = d.lwipctl("status").stdout
        assert "busy-poll:  200 us, " in out and " with frames" in out
        # SIGTERM still ends the spinning loop, cleanly.
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(timeout=5) == 0
    finally:
        d.stop()


@pytest.mark.parametrize("value", ["-1", "abc", "1000001", "", "10us", "0x10", " 5", "99999999"])
def test_bad_busy_poll_value(value):
    r = subprocess.run([os.environ["LWIPD"], "--tap", "lwbp0", "--busy-poll", value], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2
    assert f"--busy-poll {value}: expected microseconds, a whole number from 0 (off) to 1000000" in r.stderr


def test_busy_poll_in_help():
    r = subprocess.run([os.environ["LWIPD"], "--help"], capture_output=True, text=True, timeout=10)
    assert "--busy-poll USEC" in r.stdout
