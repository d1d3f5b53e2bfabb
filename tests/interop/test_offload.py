"""TAP offloads (--offload, issue 18): the same transfers with the
virtio-net header and TSO/checksum offload on and with plain frames.

With offloads on, Linux hands lwipd TCP segments of up to 64 KB (counted
in status offload.rx_gso) and takes lwipd's segments of up to 64 KB with
their checksums left partial (offload.tx_gso); every byte must still
arrive intact each way.  A capture taken meanwhile holds the large frames
as they crossed the TAP and Scapy reads them.

The impairment device (port-unix/impair.c) sits between the stack and
the TAP and sees those large frames as they are: it drops, duplicates,
delays, reorders and CE-marks a GSO frame whole (the kernel still cuts a
duplicate or a late one into its MSS-sized pieces), so 1% loss is 1% of
frames, and one lost frame is a burst of up to 44 segments.  A corrupted
one is a single frame the peer's checksum check must reject: on the way
out its checksum is completed and its GSO mark removed before the bit
flips (the kernel must not sum the flipped bit in); on the way in it
loses the kernel's "checksum verified" mark, so lwipd checks it.
test_impaired_transfers runs every impairment at once over GSO frames.
"""
import hashlib
import json
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


def _from_lwipd(d, n, timeout=20):
    """lwipd -> Linux: n bytes of tcp.connect's pattern, checked.

    The receiver closes only after tcp.connect has answered: tcp.connect
    succeeds once its FIN is acknowledged, and a RST that reaches lwipd's
    TIME_WAIT before the job has looked (Linux's answer to a stray
    duplicate ACK under impairment) would otherwise be reported as a
    reset of a transfer that completed."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind((HOST_IP, 0))
    srv.listen(1)
    result = {}
    answered = threading.Event()

    def serve():
        conn, _ = srv.accept()
        conn.settimeout(timeout)
        h, got = hashlib.sha256(), 0
        while True:
            chunk = conn.recv(MB)
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
        result.update(sha=h.hexdigest(), got=got)
        answered.wait(timeout)
        conn.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    c = ControlClient(d.ctl_path, timeout=timeout + 10)
    try:
        r = c.call("tcp.connect", host=HOST_IP, port=srv.getsockname()[1], bytes=n, timeout_ms=(timeout + 5) * 1000)
    finally:
        c.close()
        answered.set()
    th.join(timeout)
    srv.close()
    assert r["bytes_sent"] == n
    assert result.get("got") == n
    assert result["sha"] == _pattern_sha256(n)


def _echo(n, timeout=20):
    """Both ways through tcp-echo at once, checked with a digest."""
    data = random.Random(n + 1).randbytes(n)
    s = _connect(ECHO)
    s.settimeout(timeout)
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
    th.join(timeout)
    s.close()
    assert got[0] == n
    assert back.hexdigest() == hashlib.sha256(data).hexdigest()


def _covered(segs):
    """The number of distinct sequence numbers the payloads of @p segs
    cover (one connection, less than 2 GiB from its first segment)."""
    if not segs:
        return 0
    base = segs[0][TCP].seq
    spans = sorted(((p[TCP].seq - base) % (1 << 32), len(p[TCP].payload)) for p in segs if len(p[TCP].payload))
    total, end = 0, 0
    for start, n in spans:
        if start + n > end:
            total += start + n - max(start, end)
            end = start + n
    return total


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
        # Bytes covered, not bytes seen: Linux may retransmit a piece (it
        # did under ASan, 56 bytes twice), and the capture holds both.
        assert _covered(data) == MB
        biggest = max(len(p) for p in pkts)
        if mode == "on":
            assert biggest > 1514  # a frame of several segments, as it crossed the TAP
        else:
            assert biggest <= 1514


def test_100mb_both_ways():
    """100 MB each way with offloads on, every byte hash-checked: from
    Linux through tcp-echo and back (both directions at once), and from
    lwipd's tcp.connect pattern to a Linux receiver."""
    with running_lwipd(extra_args=["--offload", "on"]) as d:
        d.call("app.start", name="tcp-echo")
        _echo(100 * MB, timeout=120)
        _from_lwipd(d, 100 * MB, timeout=120)
        st = d.call("status")["offload"]
        assert st["rx_gso"] > 0 and st["tx_gso"] > 0 and st["rx_bad_hdr"] == 0


def _impair_counters(d):
    return d.call("impair.get")["counters"]


def test_impaired_transfers():
    """Loss, duplication, reordering, corruption and CE marks both ways
    while 64 KB frames cross the TAP (see the module docstring for what
    each does to a GSO frame): the streams still arrive intact, the
    impairments did act on GSO frames, and the corrupted frames were
    caught by a checksum, never delivered."""
    spec = "both:loss=1%,dup=1%,reorder=2%,corrupt=0.5%,ce=1%"
    with running_lwipd(extra_args=["--offload", "on", "--ecn", "on"]) as d:
        # ECN both ways, so CE marks land on Linux's GSO frames too (the
        # namespace is the test's own).
        subprocess.run(["sysctl", "-q", "-w", "net.ipv4.tcp_ecn=1"], check=True)
        d.call("app.start", name="tcp-echo")
        # Both ARP caches filled first: three lost ARP replies in a row
        # would fail the first connect with "no route to host".
        _echo(1000)
        d.call("impair.set", spec=spec, seed=18)
        gso_before = d.call("status")["offload"]
        _echo(16 * MB, timeout=120)
        _from_lwipd(d, 16 * MB, timeout=120)
        st = d.call("status")["offload"]
        c = _impair_counters(d)
        d.call("impair.clear")
        # Large frames went through the impairment both ways...
        assert st["rx_gso"] > gso_before["rx_gso"] and st["tx_gso"] > gso_before["tx_gso"]
        # ...and every kind of impairment acted in each direction.
        for way in ("rx", "tx"):
            for k in ("dropped", "duplicated", "reordered", "corrupted", "ce_marked"):
                assert c[way][k] > 0, (way, k, c)
        # A corrupted frame in is dropped by lwipd's IP or TCP checksum
        # check (a flip in an ARP or ICMPv6 frame may be dropped by
        # another check, or go unnoticed in ARP, which has no checksum).
        drops = d.drops()
        caught = drops["IP4_BAD_CHKSUM"] + drops["TCP_BAD_CHKSUM"]
        assert 0 < caught <= c["rx"]["corrupted"], (drops, c)


def test_record_keeps_offloads(tmp_path):
    """record.start restarts the stack in place; the netif it re-adds keeps
    the TAP's offloads, the case says so (netif.offload, csum_ok frames),
    and lwip-replay reproduces the large frames byte for byte."""
    replay = os.path.join(os.path.dirname(os.environ["LWIPCTL"]), "replay", "lwip-replay")
    case = str(tmp_path / "case")
    with running_lwipd(extra_args=["--offload", "on"]) as d:
        d.call("record.start", dir=case, seed=5)
        d.call("app.start", name="tcp-echo")
        _echo(512 << 10)
        d.call("record.stop")
    with open(os.path.join(case, "case.json")) as f:
        c = json.load(f)
    assert c["netif"]["offload"] == {"gso_max": 65521, "tcp_csum_partial": True}
    assert any(e.get("csum_ok") for e in c["events"])
    assert max(len(p) for p in rdpcap(os.path.join(case, "expected.pcap"))) > 1514
    r = subprocess.run([replay, case], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


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
