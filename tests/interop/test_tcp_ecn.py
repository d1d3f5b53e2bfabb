"""ECN (RFC 3168) between lwipd and Linux (issue 17).  The namespace's
Linux asks for ECN in its SYNs (net.ipv4.tcp_ecn=1).  lwipd negotiates it
both ways (passive by default, `tcp.ecn default=on` or `--ecn on` to ask),
marks its new data ECT(0), and with its impairment layer playing an AQM
router (`ce=N%`) the marks make both senders reduce: lwipd counts its own
reductions (tcp.list ecn.reductions, stats tcp_counters) and echoes ECE for
the marks it receives.  Marks are not losses: nothing is retransmitted."""
import hashlib
import os
import socket
import subprocess
import threading

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP, running_lwipd
from sockclient import SockClient, SockError
from test_tcp_linux import ECHO, MB, _connect, _payload, _pump

PORT = 5611


@pytest.fixture(scope="module")
def ecn_ns(lwipd):
    """Linux in the test's namespace asks for ECN; the echo app runs."""
    subprocess.run(["sysctl", "-q", "-w", "net.ipv4.tcp_ecn=1"], check=True)
    app = lwipd.call("app.start", name="tcp-echo")["id"]
    yield
    lwipd.call("app.stop", id=app)


@pytest.fixture(autouse=True)
def defaults(lwipd):
    yield
    lwipd.call("impair.clear")
    lwipd.call("tcp.ecn", default="passive")


def _conn(lwipd, sock):
    """lwipd's side of the connection of Linux socket @p sock (tcp.list)."""
    port = sock.getsockname()[1]
    for c in lwipd.call("tcp.list")["connections"]:
        if c["remote_port"] == port:
            return c
    return None


def _rx_marks(lwipd):
    """CE marks the impairment layer put on packets from Linux so far: it
    marks only ECN-capable ones, which Linux sends once ECN is agreed."""
    return lwipd.call("impair.get")["counters"]["rx"]["ce_marked"]


def test_passive_negotiation_and_off(lwipd, ecn_ns):
    """Linux's ECN-setup SYN gets an ECN-setup SYN-ACK from lwipd (the
    default, passive); with tcp.ecn off the same SYN is declined."""
    assert lwipd.call("tcp.ecn")["default"] == "passive"
    lwipd.call("impair.set", spec="rx:ce=100%")
    s = _connect(4, ECHO)
    try:
        s.sendall(b"x")
        assert s.recv(1) == b"x"
        c = _conn(lwipd, s)
        assert c["ecn"]["negotiated"] is True and c["ecn"]["mode"] == "passive", c
        # Linux agrees: its data went out ECT and was marked; lwipd saw CE.
        assert _rx_marks(lwipd) >= 1 and c["ecn"]["ce_rcvd"] >= 1, c
    finally:
        s.close()
    assert lwipd.call("tcp.ecn", default="off")["default"] == "off"
    lwipd.call("impair.set", spec="rx:ce=100%")
    marks = _rx_marks(lwipd)
    s = _connect(4, ECHO)
    try:
        s.sendall(b"y")
        assert s.recv(1) == b"y"
        c = _conn(lwipd, s)
        assert c["ecn"]["negotiated"] is False, c
        assert _rx_marks(lwipd) == marks and c["ecn"]["ce_rcvd"] == 0, c  # Not-ECT is never marked
    finally:
        s.close()
    c = lwipd.client()
    r = c.request("tcp.ecn", default="sometimes")
    assert r["ok"] is False and r["error"]["code"] == "bad_args", r
    c.close()
    out = lwipd.lwipctl("tcp", "ecn", "on").stdout
    assert "on" in out and lwipd.call("tcp.ecn")["default"] == "on", out
    bad = lwipd.lwipctl("tcp", "ecn", "sometimes", check=False)
    assert bad.returncode != 0 and bad.stderr


def test_active_negotiation(lwipd, ecn_ns):
    """lwipd asks (tcp.ecn on) when it connects to a Linux listener."""
    lwipd.call("tcp.ecn", default="on")
    srv = socket.socket()
    srv.bind((HOST_IP, PORT))
    srv.listen(1)
    srv.settimeout(5)
    sc = SockClient(lwipd.ctl_path)
    try:
        fd = sc.socket("tcp")
        lwipd.call("impair.set", spec="rx:ce=100%")
        marks = _rx_marks(lwipd)
        sc.connect(fd, HOST_IP, PORT, timeout=5)
        peer, _ = srv.accept()
        peer.sendall(b"hello")
        assert sc.read(fd, 5, timeout=5) == b"hello"
        info = sc.info(fd)
        assert info["tcp"]["ecn"]["negotiated"] is True and info["tcp"]["ecn"]["mode"] == "on", info
        assert _rx_marks(lwipd) > marks and info["tcp"]["ecn"]["ce_rcvd"] == 1, info
        peer.close()
        sc.close_fd(fd)
    finally:
        sc.close()
        srv.close()


def test_socket_option(lwipd, ecn_ns):
    """TCP_ECN on a socket beats the default (off here): `on` before
    sock.connect asks; `passive` on a listener accepts Linux's request for
    the connections it accepts."""
    lwipd.call("tcp.ecn", default="off")
    srv = socket.socket()
    srv.bind((HOST_IP, PORT + 1))
    srv.listen(1)
    srv.settimeout(5)
    sc = SockClient(lwipd.ctl_path)
    try:
        fd = sc.socket("tcp")
        assert sc.getsockopt(fd, "TCP_ECN") == "off"
        assert sc.setsockopt(fd, "TCP_ECN", "on") == "on"
        with pytest.raises(SockError) as ei:
            sc.setsockopt(fd, "TCP_ECN", "always")
        assert ei.value.errno == "EINVAL"
        sc.connect(fd, HOST_IP, PORT + 1, timeout=5)
        peer, _ = srv.accept()
        assert sc.info(fd)["tcp"]["ecn"]["negotiated"] is True
        peer.close()
        sc.close_fd(fd)
        lfd = sc.socket("tcp")
        sc.setsockopt(lfd, "TCP_ECN", "passive")
        sc.bind(lfd, port=PORT + 2)
        sc.listen(lfd, 4)
        assert sc.getsockopt(lfd, "TCP_ECN") == "passive"
        c = socket.create_connection((LWIPD_IP, PORT + 2), timeout=5, source_address=(HOST_IP, 0))
        child, _ = sc.accept(lfd, timeout=2)
        assert sc.getsockopt(child, "TCP_ECN") == "passive"
        assert sc.info(child)["tcp"]["ecn"]["negotiated"] is True
        c.close()
        sc.close_fd(child)
        sc.close_fd(lfd)
    finally:
        sc.close()
        srv.close()


def test_ce_marks_echo(lwipd, ecn_ns):
    """2 MB echoed with 2% of ECN-capable packets marked CE each way: the
    data is intact, lwipd reduced its window for the ECEs Linux echoed
    (and counted it), echoed the marks it received, and nothing was
    retransmitted because of them (there is no loss)."""
    before = lwipd.call("stats")["tcp_counters"]
    n = 2 * MB
    data = _payload(n, seed=41)
    s = _connect(4, ECHO)
    lwipd.call("impair.set", spec="both:ce=2%", seed=41)
    seen = {}
    stop = threading.Event()

    def sample():
        while not stop.wait(0.05):
            c = _conn(lwipd, s)
            if c is not None:
                seen.update(c)

    t = threading.Thread(target=sample)
    t.start()
    try:
        digest, back, _ = _pump(s, data, n, False, deadline_s=30)
    finally:
        stop.set()
        t.join()
    c = _conn(lwipd, s) or seen
    imp = lwipd.call("impair.get")
    s.close()
    after = lwipd.call("stats")["tcp_counters"]
    assert back == n and digest == hashlib.sha256(data).hexdigest()
    ecn = c["ecn"]
    print(f"ECN echo 2 MB: reductions {ecn['reductions']} ce_rcvd {ecn['ce_rcvd']} "
          f"retransmits {c['retransmits_total']} cwnd {c['cwnd']} ssthresh {c['ssthresh']}; "
          f"CE marked tx {imp['counters']['tx']['ce_marked']} rx {imp['counters']['rx']['ce_marked']}")
    assert ecn["negotiated"] is True, c
    assert ecn["reductions"] > 0 and ecn["ce_rcvd"] > 0, c
    assert c["retransmits_total"] == 0, c
    assert c["ssthresh"] < 0x7fffffff, c  # the ECEs left slow start
    assert imp["counters"]["tx"]["ce_marked"] > 0 and imp["counters"]["rx"]["ce_marked"] > 0, imp
    delta = {k: after[k] - before.get(k, 0) for k in after}
    assert delta["ECN_REDUCTIONS"] >= ecn["reductions"] and delta["ECN_CE_RCVD"] >= ecn["ce_rcvd"], delta
    assert delta["ECN_CWR_SENT"] > 0 and delta["ECN_CWR_RCVD"] > 0, delta


def test_command_line_option():
    """--ecn sets the default at start-up; a bad value exits 2."""
    with running_lwipd(extra_args=["--ecn", "on"]) as d:
        assert d.call("tcp.ecn")["default"] == "on"
    r = subprocess.run([os.environ["LWIPD"], "--tap", "lwx0", "--ecn", "maybe"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2 and "ecn" in r.stderr, (r.returncode, r.stderr)
