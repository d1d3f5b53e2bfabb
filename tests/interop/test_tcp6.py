"""TCP over IPv6 against the Linux kernel of the test namespace (issue 16):
what only IPv6 has.

The transfers (1 and 100 MB each way with a content check, 1%, 5% and 10%
loss, reordering and duplication, 1000 connections at once, half-close, a
RST from a closed port) are test_tcp_linux.py's, which runs every test over
both families.  Here: tcp.list and tcp.abort with IPv6 addresses, the
dual-stack listener of an app serving both families, and a sock.* active
open with family inet6.  lwipd has a static global address and Linux's
side of the TAP one too (--ip6, --host-ip6), as in test_ip6.py.
"""
import socket

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP, running_lwipd

HOST6 = "fd00:76::1"
LWIPD6 = "fd00:76::2"
ECHO, DISCARD = 7, 9


@pytest.fixture(scope="module")
def lwipd():
    args = ["--ip6", f"{LWIPD6}/64", "--host-ip6", f"{HOST6}/64"]
    with running_lwipd(extra_args=args) as d:
        d.wait_ip6(LWIPD6, HOST6)
        ids = [d.call("app.start", name=n)["id"] for n in ("tcp-echo", "tcp-discard")]
        yield d
        for i in ids:
            d.call("app.stop", id=i)


def _connect6(port, timeout=5.0):
    return socket.create_connection((LWIPD6, port), timeout=timeout, source_address=(HOST6, 0))


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
