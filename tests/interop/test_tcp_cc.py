"""Congestion control in lwipd (issue 17): NewReno and CUBIC (RFC 9438)
chosen by default (tcp.cc, --congestion) or per socket (TCP_CONGESTION),
the RFC 6928 initial window, and CUBIC carrying real transfers with Linux
as the peer through loss (lwipd's own impairment layer), intact, with the
controller's state visible in tcp.list.  Throughput is printed, never
asserted."""
import hashlib
import os
import subprocess
import time

import pytest

from lwipd_harness import HOST_IP, running_lwipd
from sockclient import SockError
from test_tcp_linux import ECHO, MB, _connect, _payload, _pump, _rate


@pytest.fixture(scope="module")
def echo(lwipd):
    app = lwipd.call("app.start", name="tcp-echo")["id"]
    yield
    lwipd.call("app.stop", id=app)


@pytest.fixture(autouse=True)
def defaults(lwipd):
    yield
    lwipd.call("impair.clear")
    lwipd.call("tcp.cc", default="newreno", initial_window="rfc5681")


def test_tcp_cc_command(lwipd):
    got = lwipd.call("tcp.cc")
    assert got["default"] == "newreno" and got["initial_window"] == "rfc5681", got
    assert "cubic" in got["available"], got
    got = lwipd.call("tcp.cc", default="cubic", initial_window="rfc6928")
    assert got["default"] == "cubic" and got["initial_window"] == "rfc6928", got
    c = lwipd.client()
    for bad in ({"default": "bbr"}, {"initial_window": "iw20"}, {"default": 3}):
        r = c.request("tcp.cc", **bad)
        assert r["ok"] is False and r["error"]["code"] == "bad_args", (bad, r)
    c.close()
    out = lwipd.lwipctl("tcp", "cc", "newreno", "rfc5681").stdout
    assert "newreno" in out and "rfc5681" in out, out
    bad = lwipd.lwipctl("tcp", "cc", "bbr", check=False)
    assert bad.returncode != 0 and bad.stderr


def test_congestion_per_socket(lwipd):
    """TCP_CONGESTION on a socket; a listener passes it to what it accepts."""
    import socket as pysock
    from sockclient import SockClient
    sc = SockClient(lwipd.ctl_path)
    try:
        fd = sc.socket("tcp")
        assert sc.getsockopt(fd, "TCP_CONGESTION") == "newreno"
        assert sc.setsockopt(fd, "TCP_CONGESTION", "cubic") == "cubic"
        assert sc.getsockopt(fd, "TCP_CONGESTION") == "cubic"
        with pytest.raises(SockError) as ei:
            sc.setsockopt(fd, "TCP_CONGESTION", "vegas")
        assert ei.value.errno == "ENOENT"
        sc.bind(fd, port=5601)
        sc.listen(fd, 4)
        c = pysock.create_connection(("10.77.0.2", 5601), timeout=5, source_address=(HOST_IP, 0))
        child, _ = sc.accept(fd, timeout=2)
        assert sc.getsockopt(child, "TCP_CONGESTION") == "cubic"
        info = sc.info(child)
        assert info["tcp"]["congestion"] == "cubic", info
        c.close()
        sc.close_fd(child)
        sc.close_fd(fd)
    finally:
        sc.close()


def test_initial_window_ten_segments(lwipd, echo):
    lwipd.call("tcp.cc", initial_window="rfc6928")
    s = _connect(4, ECHO)
    try:
        time.sleep(0.1)
        conns = [c for c in lwipd.call("tcp.list")["connections"] if c["local_port"] == ECHO]
        assert conns and conns[0]["cwnd"] == min(10 * conns[0]["mss"], max(2 * conns[0]["mss"], 14600)), conns
    finally:
        s.close()


@pytest.mark.parametrize("spec,seed", [("both:loss=1%", 31), ("both:loss=5%", 32)])
def test_cubic_echo_under_loss(lwipd, echo, spec, seed):
    """2 MB echoed by lwipd with CUBIC under loss each way: intact, and
    the controller met congestion (W_max set) and says so in tcp.list."""
    lwipd.call("tcp.cc", default="cubic")
    n = 2 * MB
    data = _payload(n, seed=seed)
    s = _connect(4, ECHO)
    lwipd.call("impair.set", spec=spec, seed=seed)
    t = time.monotonic()
    seen = {}

    def sample():
        for c in lwipd.call("tcp.list")["connections"]:
            if c["local_port"] == ECHO:
                seen.update(c)

    digest, back, _ = _pump(s, data, n, False, deadline_s=90)
    elapsed = time.monotonic() - t
    sample()
    lwipd.call("impair.clear")
    s.close()
    print(f"cubic echo 2 MB with {spec}: {_rate(n, elapsed)}; cwnd {seen.get('cwnd')} "
          f"W_max {seen.get('cubic_wmax')} K {seen.get('cubic_k_ms')} ms")
    assert back == n and digest == hashlib.sha256(data).hexdigest()
    assert seen.get("congestion") == "cubic", seen
    assert seen.get("cubic_wmax", 0) > 0, seen


def test_command_line_options():
    """--congestion and --initial-window set the defaults at start-up; a
    bad value is refused before anything starts (exit 2)."""
    with running_lwipd(extra_args=["--congestion", "cubic", "--initial-window", "rfc6928"]) as d:
        got = d.call("tcp.cc")
        assert got["default"] == "cubic" and got["initial_window"] == "rfc6928", got
    for args, msg in ((["--congestion", "bbr"], "congestion"), (["--initial-window", "iw4"], "initial-window")):
        r = subprocess.run([os.environ["LWIPD"], "--tap", "lwx0"] + args, capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and msg in r.stderr, (args, r.returncode, r.stderr)
