"""TCP over IPv6 against the Linux kernel of the test namespace (issue 16).

lwipd has a static global address and Linux's side of the TAP one too
(--ip6, --host-ip6), as in test_ip6.py.  Plain Python AF_INET6 sockets
against the TCP apps, which listen on both families by default, and a
Linux listener fed by lwipd's tcp.connect: 1 MB each way with a content
check, 1 MB through 5% loss both ways, a RST from a closed port, half-close,
200 connections at once, tcp.list and tcp.abort with IPv6 addresses, and a
sock.* active open with family inet6.  The whole module takes well under a
minute; throughput is printed, never asserted.
"""
import hashlib
import random
import selectors
import socket
import subprocess
import threading
import time

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP, TAP, ControlClient, running_lwipd

HOST6 = "fd00:76::1"
LWIPD6 = "fd00:76::2"
ECHO, DISCARD, CLOSED = 7, 9, 4444
MB = 1 << 20


@pytest.fixture(scope="module")
def lwipd():
    args = ["--ip6", f"{LWIPD6}/64", "--host-ip6", f"{HOST6}/64"]
    with running_lwipd(extra_args=args) as d:
        _wait(lambda: sum(1 for a in d.tap_netif()["ip6"] if a["state"] == "preferred") >= 2,
              "lwipd's IPv6 addresses never became preferred")
        _wait(_host_addr_ready, "Linux's IPv6 address stayed tentative")
        ids = [d.call("app.start", name=n)["id"] for n in ("tcp-echo", "tcp-discard")]
        yield d
        for i in ids:
            d.call("app.stop", id=i)


@pytest.fixture(autouse=True)
def no_impairment(lwipd):
    yield
    lwipd.call("impair.clear")


def _wait(cond, what, timeout=6.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(what)


def _host_addr_ready():
    out = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", TAP], capture_output=True, text=True).stdout
    return HOST6 in out and "tentative" not in out


def _connect6(port, timeout=5.0):
    return socket.create_connection((LWIPD6, port), timeout=timeout, source_address=(HOST6, 0))


def _pump(sock, data, expect_back, half_close, deadline_s):
    """Send data, read back expect_back bytes (or to EOF when half_close),
    in one thread with a selector.  @return (sha256 back, bytes, eof)."""
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    view = memoryview(data)
    off, got, eof = 0, 0, False
    h = hashlib.sha256()
    deadline = time.monotonic() + deadline_s
    try:
        while not eof and (half_close or got < expect_back or off < len(data)):
            left = deadline - time.monotonic()
            assert left > 0, f"stalled: sent {off} of {len(data)}, got {got} of {expect_back}"
            for _key, mask in sel.select(min(left, 1.0)):
                if mask & selectors.EVENT_WRITE and off < len(data):
                    try:
                        off += sock.send(view[off:off + 256 * 1024])
                    except BlockingIOError:
                        pass
                    if off == len(data):
                        if half_close:
                            sock.shutdown(socket.SHUT_WR)
                        sel.modify(sock, selectors.EVENT_READ)
                if mask & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(MB)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        eof = True
                        break
                    h.update(chunk)
                    got += len(chunk)
    finally:
        sel.close()
    return h.hexdigest(), got, eof


def test_echo_1mb_over_ipv6(lwipd):
    data = random.Random(1).randbytes(MB)
    s = _connect6(ECHO)
    t = time.monotonic()
    digest, back, _ = _pump(s, data, MB, False, deadline_s=20)
    print(f"Linux -> lwipd echo 1 MB over IPv6: {MB / MB / max(time.monotonic() - t, 1e-6):.1f} MB/s")
    s.close()
    assert back == MB and digest == hashlib.sha256(data).hexdigest()


def _pattern_sha256(n):
    """tcp.connect's generated stream: byte i is i % 251."""
    period = bytes(i % 251 for i in range(251))
    h = hashlib.sha256()
    full, rest = divmod(n, 251)
    for _ in range(full):
        h.update(period)
    h.update(period[:rest])
    return h.hexdigest()


def test_lwipd_sends_1mb_to_linux_over_ipv6(lwipd):
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.bind((HOST6, 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    result = {}

    def serve():
        c, addr = srv.accept()
        c.settimeout(20)
        h, got = hashlib.sha256(), 0
        while True:
            chunk = c.recv(MB)
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
        result.update(sha=h.hexdigest(), got=got, peer=addr[0])
        c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    c = ControlClient(lwipd.ctl_path, timeout=30)
    try:
        r = c.call("tcp.connect", host=HOST6, port=port, bytes=MB, timeout_ms=20000)
    finally:
        c.close()
    t.join(20)
    srv.close()
    assert r["host"] == HOST6 and r["bytes_sent"] == MB, r
    assert result["got"] == MB and result["sha"] == _pattern_sha256(MB)
    assert result["peer"] == LWIPD6


def test_echo_1mb_with_5pct_loss(lwipd):
    data = random.Random(2).randbytes(MB)
    s = _connect6(ECHO)
    before = lwipd.call("impair.set", spec="both:loss=5%", seed=33)["counters"]
    digest, back, _ = _pump(s, data, MB, False, deadline_s=40)
    after = lwipd.call("impair.get")["counters"]
    lwipd.call("impair.clear")
    s.close()
    assert back == MB and digest == hashlib.sha256(data).hexdigest()
    assert after["tx"]["dropped"] > before["tx"]["dropped"] and after["rx"]["dropped"] > before["rx"]["dropped"]


def test_closed_port_rst(lwipd):
    t = time.monotonic()
    with pytest.raises(ConnectionRefusedError):
        _connect6(CLOSED)
    assert time.monotonic() - t < 0.5


def test_half_close(lwipd):
    s = _connect6(ECHO)
    data = random.Random(3).randbytes(50000)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(5)
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    assert buf == data


def test_200_concurrent_connections(lwipd):
    socks = [_connect6(ECHO) for _ in range(200)]
    try:
        for i, s in enumerate(socks):
            s.sendall(b"conn %d\n" % i)
        for i, s in enumerate(socks):
            want = b"conn %d\n" % i
            got = b""
            while len(got) < len(want):
                chunk = s.recv(100)
                assert chunk, f"connection {i} closed early"
                got += chunk
            assert got == want
        conns = lwipd.call("tcp.list", limit=1000)["connections"]
        mine = [c for c in conns if c["remote"] == HOST6 and c["local_port"] == ECHO and c["state"] == "ESTABLISHED"]
        assert len(mine) >= 200
    finally:
        for s in socks:
            s.close()


def test_tcp_list_and_abort_with_ipv6(lwipd):
    s = _connect6(DISCARD)
    lport = s.getsockname()[1]
    lst = lwipd.call("tcp.list")
    conn = [c for c in lst["connections"] if c["remote_port"] == lport and c["remote"] == HOST6]
    assert len(conn) == 1, lst["connections"]
    assert conn[0]["local"] == LWIPD6 and conn[0]["family"] == "inet6" and conn[0]["mss"] <= 1440
    # The apps listen on both families: one dual-stack listener each.
    listeners = [li for li in lst["listeners"] if li["local_port"] == DISCARD]
    assert listeners and listeners[0]["family"] == "any" and listeners[0]["local"] == "*"
    r = lwipd.call("tcp.abort", local_port=DISCARD, remote=HOST6, remote_port=lport)
    assert r["state"] == "ESTABLISHED"
    s.settimeout(2)
    with pytest.raises(ConnectionResetError):
        s.recv(10)
    s.close()
    # The same listener still serves IPv4.
    s4 = socket.create_connection((LWIPD_IP, ECHO), timeout=3, source_address=(HOST_IP, 0))
    s4.sendall(b"four")
    assert s4.recv(10) == b"four"
    s4.close()


def test_sock_tcp_inet6_active_open(lwipd):
    from sockclient import SockClient
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.bind((HOST6, 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    sc = SockClient(lwipd.ctl_path)
    try:
        fd = sc.call("sock.socket", type="tcp", family="inet6")["fd"]
        res = sc.call("sock.connect", fd=fd, ip=HOST6, port=port, timeout_ms=3000)
        assert res["peer"] == {"ip": HOST6, "port": port} and res["local"]["ip"] == LWIPD6
        c, _ = srv.accept()
        c.settimeout(3)
        assert sc.write(fd, b"sock over six") == 13
        assert c.recv(100) == b"sock over six"
        c.sendall(b"reply")
        assert sc.read(fd, timeout=2) == b"reply"
        c.close()
    finally:
        sc.close()
        srv.close()
