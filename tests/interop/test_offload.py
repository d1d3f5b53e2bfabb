"""TAP offloads (--offload, issue 18): the same transfers with the
virtio-net header and TSO/checksum offload on and with plain frames.

With offloads on, Linux hands lwipd TCP segments of up to 64 KB (counted
in status offload.rx_gso) and takes lwipd's segments of up to 64 KB with
their checksums left partial (offload.tx_gso); every byte must still
arrive intact each way.  A capture taken meanwhile holds the large frames
as they crossed the TAP and Scapy reads them.
"""
import hashlib
import random
import socket
import subprocess
import threading
import os

import pytest
from scapy.all import IP, TCP, rdpcap

from lwipd_harness import HOST_IP, LWIPD_IP, ControlClient, running_lwipd

MB = 1 << 20
DISCARD, ECHO = 9, 7


def _connect(port):
    return socket.create_connection((LWIPD_IP, port), timeout=10, source_address=(HOST_IP, 0))


def _app(d, app_id):
    return [a for a in d.call("app.list")["apps"] if a["id"] == app_id][0]


def _to_discard(d, app_id, n):
    """Linux -> lwipd: n bytes to tcp-discard, counted by the app."""
    before = _app(d, app_id)["rx_bytes"]
    s = _connect(DISCARD)
    s.sendall(random.Random(n).randbytes(n))
    s.shutdown(socket.SHUT_WR)
    assert s.recv(1) == b""  # discard closes when we do
    s.close()
    assert _app(d, app_id)["rx_bytes"] - before == n


def _pattern_sha256(n):
    """tcp.connect's stream: byte i is i % 251 (docs/control-protocol.md)."""
    block = bytes(range(251)) * 4096
    h = hashlib.sha256()
    while n > 0:
        k = min(n, len(block))
        h.update(block[:k])
        n -= k
    return h.hexdigest()


def _from_lwipd(d, n):
    """lwipd -> Linux: n bytes of tcp.connect's pattern, checked."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind((HOST_IP, 0))
    srv.listen(1)
    result = {}

    def serve():
        conn, _ = srv.accept()
        conn.settimeout(20)
        h, got = hashlib.sha256(), 0
        while True:
            chunk = conn.recv(MB)
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
        conn.close()
        result.update(sha=h.hexdigest(), got=got)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    c = ControlClient(d.ctl_path, timeout=30)
    try:
        r = c.call("tcp.connect", host=HOST_IP, port=srv.getsockname()[1], bytes=n, timeout_ms=25000)
    finally:
        c.close()
    th.join(20)
    srv.close()
    assert r["bytes_sent"] == n
    assert result.get("got") == n
    assert result["sha"] == _pattern_sha256(n)


def _echo(n):
    """Both ways through tcp-echo at once, checked with a digest."""
    data = random.Random(n + 1).randbytes(n)
    s = _connect(ECHO)
    back = hashlib.sha256()
    got = [0]

    def reader():
        while got[0] < n:
            chunk = s.recv(MB)
            if not chunk:
                break
            back.update(chunk)
            got[0] += len(chunk)

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    s.sendall(data)
    th.join(20)
    s.close()
    assert got[0] == n
    assert back.hexdigest() == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("mode", ["on", "off"])
def test_transfers(mode, tmp_path):
    with running_lwipd(extra_args=["--offload", mode]) as d:
        st = d.call("status")["offload"]
        assert st["mode"] == mode
        if mode == "on":
            assert st["vnet_hdr"] and st["active"] == "csum,tso4,tso6" and st["gso_max"] > 60000
        else:
            assert not st["vnet_hdr"] and st["active"] == "none" and st["gso_max"] == 0
        ids = {a: d.call("app.start", name=a)["id"] for a in ("tcp-discard", "tcp-echo")}
        cap = str(tmp_path / "cap.pcap")
        d.call("capture.start", file=cap)
        _to_discard(d, ids["tcp-discard"], MB)
        d.call("capture.stop")
        _to_discard(d, ids["tcp-discard"], 10 * MB)
        _from_lwipd(d, 10 * MB)
        _echo(4 * MB)
        st = d.call("status")["offload"]
        if mode == "on":
            # Large segments did cross the TAP, both ways.
            assert st["rx_gso"] > 0 and st["tx_gso"] > 0
        else:
            assert st["rx_gso"] == 0 and st["tx_gso"] == 0
        assert st["rx_bad_hdr"] == 0
        pkts = rdpcap(cap)
        data = [p for p in pkts if TCP in p and p[IP].dst == LWIPD_IP and p[TCP].dport == DISCARD]
        assert sum(len(p[TCP].payload) for p in data) == MB
        biggest = max(len(p) for p in pkts)
        if mode == "on":
            assert biggest > 1514  # a frame of several segments, as it crossed the TAP
        else:
            assert biggest <= 1514


def test_offload_auto_is_the_default():
    with running_lwipd(offload=None) as d:
        st = d.call("status")["offload"]
        assert st["mode"] == "auto"
        # This kernel accepts the offloads (test_transfers with "on" passes).
        assert st["active"] == "csum,tso4,tso6"
        out = d.lwipctl("status").stdout
        assert "offload:    auto (csum,tso4,tso6), 0 large frames in, 0 out" in out


def test_bad_offload_value():
    r = subprocess.run([os.environ["LWIPD"], "--tap", "lwtx0", "--offload", "maybe"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2
    assert "--offload maybe: expected auto, on or off" in r.stderr
