"""TCP memory budgets (issue 13, item 2): peers that send to tcp-echo and
never read cannot take the memory that ARP, ICMP, new handshakes and other
connections need, and their memory comes back when they close or reset."""
import hashlib
import os
import socket
import subprocess
import time

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP


def _hog(n_bytes_max=4 << 20, seconds=3.0):
    """A Linux client of tcp-echo that sends and never reads (4 KiB receive
    buffer), until its send blocks for good or the time is up."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect((LWIPD_IP, 7))
    s.setblocking(False)
    return s


def _fill(socks, seconds):
    chunk = b"x" * 65536
    end = time.time() + seconds
    sent = [0] * len(socks)
    while time.time() < end:
        progress = False
        for i, s in enumerate(socks):
            try:
                sent[i] += s.send(chunk)
                progress = True
            except BlockingIOError:
                pass
        if not progress:
            time.sleep(0.05)
    return sent


def _ping_ok():
    r = subprocess.run(["ping", "-c", "3", "-i", "0.2", "-W", "1", LWIPD_IP], capture_output=True, text=True)
    return r.returncode == 0


def _echo_roundtrip(n=1 << 20):
    data = os.urandom(n)
    s = socket.create_connection((LWIPD_IP, 7), timeout=20)
    got = bytearray()
    view = memoryview(data)
    off = 0
    s.setblocking(False)
    end = time.time() + 30
    while len(got) < n and time.time() < end:
        if off < n:
            try:
                off += s.send(view[off:off + 65536])
            except BlockingIOError:
                pass
        try:
            chunk = s.recv(65536)
            if chunk:
                got += chunk
        except BlockingIOError:
            time.sleep(0.001)
    s.close()
    return hashlib.sha256(bytes(got)).digest() == hashlib.sha256(data).digest()


def _heap_used(lwipd):
    st = lwipd.call("stats")
    # tcp_memory appeared with the budgets; without it only the heap tells.
    tm = st.get("tcp_memory", {"tx_bytes": st["heap"]["used"], "rx_bytes": 0})
    return st["heap"]["used"], {p["name"]: p["used"] for p in st["pools"]}, tm


@pytest.fixture
def echo(lwipd):
    app = lwipd.call("app.start", name="tcp-echo", port=7)
    yield app
    lwipd.call("app.stop", id=app["id"])


@pytest.mark.parametrize("n_hogs,linger", [(6, False), (100, True)])
def test_non_reading_peers_do_not_freeze_the_stack(lwipd, echo, n_hogs, linger):
    heap0, pools0, _ = _heap_used(lwipd)
    hogs = [_hog() for _ in range(n_hogs)]
    try:
        _fill(hogs, 4.0 if n_hogs < 50 else 8.0)
        heap1, pools1, tm = _heap_used(lwipd)
        print(f"\n{n_hogs} non-reading peers: heap used {heap1} (baseline {heap0}), tcp_memory {tm}")
        assert tm["tx_bytes"] > 0
        # The stack still works for everything else.
        assert _ping_ok(), "ping not answered while peers hog memory"
        assert lwipd.call("ping", dst=HOST_IP, count=2, interval_ms=100)["received"] == 2
        assert _echo_roundtrip(), "a new echo connection did not carry 1 MB intact"
        assert lwipd.call("status")["pid"] > 0
    finally:
        for s in hogs:
            if linger:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
    # Closing with unread data makes Linux reset: the memory is back at once.
    deadline = time.time() + 10
    while time.time() < deadline:
        heap2, pools2, tm2 = _heap_used(lwipd)
        if tm2["tx_bytes"] == 0 and tm2["rx_bytes"] == 0 and heap2 <= heap0 + 4096:
            break
        time.sleep(0.2)
    assert tm2["tx_bytes"] == 0 and tm2["rx_bytes"] == 0, tm2
    assert heap2 <= heap0 + 4096, (heap0, heap2)
    assert pools2.get("PBUF_POOL", 0) <= pools0.get("PBUF_POOL", 0) + 8, (pools0, pools2)
