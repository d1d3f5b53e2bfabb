"""lwipd's TCP with the Linux kernel of the test namespace as the peer.

Plain Python sockets against the built-in TCP apps (echo 7, discard 9,
chargen 19) and a Linux listener fed by lwipd's tcp.connect: bulk
transfers in both directions with a content check, transfers through the
impairment layer (loss, reordering, duplication in both directions, seeded
so a failure can be rerun), 1000 connections at once, half-close and a RST
from a closed port.  Throughput is printed for the record, never asserted:
the machine running the suite may be busy.

Every test runs over IPv4 and over IPv6 (ids v4 and v6, issue 16): lwipd
and Linux's side of the TAP have a static IPv6 address as well
(tcp_scapy.ip6_args), the apps listen on both families, and tcp.connect
takes either.  The v4 tests all run first, then the v6 ones.

Transfers run in one thread with a selector (non-blocking socket): a
sender thread plus a receiver with a socket timeout would share one
O_NONBLOCK flag and time out each other's calls.
"""
import hashlib
import os
import random
import resource
import selectors
import socket
import threading
import time

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP, ControlClient, running_lwipd
from tcp_scapy import HOST_IP6, LWIPD_IP6, ip6_args

ECHO, DISCARD, CHARGEN, CLOSED = 7, 9, 19, 4444
MB = 1 << 20


@pytest.fixture(scope="module")
def lwipd():
    """lwipd with IPv4 and a static IPv6 address; Linux's side has both too."""
    with running_lwipd(extra_args=ip6_args()) as d:
        d.wait_ip6(LWIPD_IP6, HOST_IP6)
        yield d


@pytest.fixture(scope="module", params=[4, 6], ids=["v4", "v6"])
def family(request):
    """Module scope: pytest runs every v4 test, then every v6 one."""
    return request.param


def _addrs(family):
    """(socket family, Linux's address, lwipd's address) on the TAP."""
    if family == 4:
        return socket.AF_INET, HOST_IP, LWIPD_IP
    return socket.AF_INET6, HOST_IP6, LWIPD_IP6


@pytest.fixture(scope="module")
def apps(lwipd):
    ids = {n: lwipd.call("app.start", name=n)["id"] for n in ("tcp-echo", "tcp-discard", "tcp-chargen")}
    yield ids
    for i in ids.values():
        lwipd.call("app.stop", id=i)


@pytest.fixture(autouse=True)
def no_impairment(lwipd):
    yield
    lwipd.call("impair.clear")


def _app(lwipd, app_id):
    return [a for a in lwipd.call("app.list")["apps"] if a["id"] == app_id][0]


def _payload(n, seed):
    return random.Random(seed).randbytes(n)


def _connect(family, port, timeout=5.0):
    _, host, peer = _addrs(family)
    return socket.create_connection((peer, port), timeout=timeout, source_address=(host, 0))


def _pump(sock, data, expect_back, half_close, deadline_s):
    """Send data; read what comes back until expect_back bytes (or EOF when
    half_close).  @return (sha256 of what came back, byte count, eof seen)."""
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


def _rate(nbytes, seconds):
    return f"{nbytes / MB / max(seconds, 1e-6):.1f} MB/s"


@pytest.mark.parametrize("size_mb", [1, 100])
def test_discard_bulk(lwipd, apps, family, size_mb):
    n = size_mb * MB
    data = _payload(n, seed=size_mb)
    before = _app(lwipd, apps["tcp-discard"])["rx_bytes"]
    s = _connect(family, DISCARD)
    t = time.monotonic()
    _, back, eof = _pump(s, data, 0, True, deadline_s=120)
    # Discard (RFC 863) closes when we do and sends nothing.
    assert back == 0 and eof
    elapsed = time.monotonic() - t
    s.close()
    print(f"Linux -> lwipd discard {size_mb} MB over IPv{family}: {_rate(n, elapsed)} "
          f"sha256 {hashlib.sha256(data).hexdigest()}")
    deadline = time.monotonic() + 5
    while _app(lwipd, apps["tcp-discard"])["rx_bytes"] - before < n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _app(lwipd, apps["tcp-discard"])["rx_bytes"] - before == n


@pytest.mark.parametrize("size_mb", [1, 100])
def test_echo_bulk(lwipd, apps, family, size_mb):
    n = size_mb * MB
    data = _payload(n, seed=100 + size_mb)
    s = _connect(family, ECHO)
    t = time.monotonic()
    digest, back, eof = _pump(s, data, n, False, deadline_s=120)
    elapsed = time.monotonic() - t
    s.close()
    print(f"Linux <-> lwipd echo {size_mb} MB over IPv{family}: {_rate(n, elapsed)} each way")
    assert back == n
    assert digest == hashlib.sha256(data).hexdigest()


def _pattern_sha256(n):
    """sha256 of tcp.connect's generated stream: byte i is i % 251
    (docs/control-protocol.md).  The block is a whole number of periods,
    so the blocks join up into the stream."""
    block = bytes(range(251)) * 4096
    h = hashlib.sha256()
    while n > 0:
        k = min(n, len(block))
        h.update(block[:k])
        n -= k
    return h.hexdigest()


@pytest.mark.parametrize("size_mb", [1, 100])
def test_lwipd_sends_to_linux(lwipd, family, size_mb):
    n = size_mb * MB
    af, host, peer = _addrs(family)
    srv = socket.socket(af, socket.SOCK_STREAM)
    srv.bind((host, 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    result = {}

    def serve():
        conn, addr = srv.accept()
        conn.settimeout(60)
        h, got = hashlib.sha256(), 0
        while True:
            chunk = conn.recv(MB)
            if not chunk:
                break  # lwipd's FIN after the data
            h.update(chunk)
            got += len(chunk)
        conn.close()
        result.update(sha=h.hexdigest(), got=got, peer=addr[0])

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    c = ControlClient(lwipd.ctl_path, timeout=120)
    try:
        r = c.call("tcp.connect", host=host, port=port, bytes=n, timeout_ms=110000)
    finally:
        c.close()
    th.join(30)
    srv.close()
    print(f"lwipd -> Linux tcp.connect {size_mb} MB over IPv{family}: {r['throughput_mbps'] / 8:.1f} MB/s "
          "(lwipd's figure)")
    assert r["bytes_sent"] == n
    assert result.get("got") == n and result["peer"] == peer
    assert result["sha"] == _pattern_sha256(n)


def _chargen_stream(n):
    """RFC 864's pattern as lwipd sends it: 72 printable characters a line,
    each line starting one character further along the 95 printable ASCII
    characters, CR LF after each."""
    period = b"".join(bytes(32 + (i + c) % 95 for c in range(72)) + b"\r\n" for i in range(95))
    return (period * (n // len(period) + 1))[:n]


def test_chargen_pattern(lwipd, apps, family):
    n = 10 * MB
    s = _connect(family, CHARGEN)
    buf = bytearray()
    t = time.monotonic()
    s.settimeout(10)
    while len(buf) < n:
        chunk = s.recv(MB)
        assert chunk, f"chargen closed after {len(buf)} bytes"
        buf += chunk
    elapsed = time.monotonic() - t
    s.close()
    print(f"lwipd -> Linux chargen 10 MB over IPv{family}: {_rate(n, elapsed)}")
    want = _chargen_stream(n)
    got = bytes(buf[:n])
    if got != want:
        bad = next(i for i in range(n) if got[i] != want[i])
        pytest.fail(f"chargen pattern differs at byte {bad}: {got[bad - 10:bad + 10]!r} vs {want[bad - 10:bad + 10]!r}")


IMPAIRMENTS = [
    ("both:loss=1%", 11),
    ("both:loss=5%", 12),
    ("both:loss=10%", 13),
    ("both:reorder=10%", 14),
    ("both:dup=10%", 15),
    ("both:loss=2%,reorder=5%,dup=5%", 16),
]


@pytest.mark.parametrize("spec,seed", IMPAIRMENTS, ids=[s for s, _ in IMPAIRMENTS])
def test_echo_impaired(lwipd, apps, family, spec, seed):
    n = 2 * MB
    data = _payload(n, seed=seed)
    s = _connect(family, ECHO)
    before = lwipd.call("impair.set", spec=spec, seed=seed)["counters"]
    t = time.monotonic()
    # Everything is read back before we close, so only TCP's recovery is
    # under test here (the FIN path has its own test below).
    digest, back, _ = _pump(s, data, n, False, deadline_s=90)
    elapsed = time.monotonic() - t
    after = lwipd.call("impair.get")["counters"]
    lwipd.call("impair.clear")
    counters = {d: {k: after[d][k] - before[d][k] for k in ("frames", "dropped", "duplicated", "reordered")}
                for d in ("rx", "tx")}
    s.close()
    print(f"echo 2 MB over IPv{family} with {spec} (seed {seed}): {_rate(n, elapsed)}; impair counters {counters}")
    assert back == n
    assert digest == hashlib.sha256(data).hexdigest()
    # The impairment really happened.
    for d in ("rx", "tx"):
        assert sum(v for k, v in counters[d].items() if k in ("dropped", "duplicated", "reordered")) > 0


def _many_echo_clients(family, n, hold, deadline_s=60, while_held=None):
    """n clients of the family connect at once (non-blocking), each sends one line and
    reads it back.  hold: keep every connection open until all are done
    (n connections at once in lwipd), else close each when its echo is in.
    @return (done, failures, seconds)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(4096, n + 256), hard), hard))
    sel = selectors.DefaultSelector()
    state = {}
    af, host, peer = _addrs(family)
    t = time.monotonic()
    for i in range(n):
        s = socket.socket(af, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((host, 0))
        s.connect_ex((peer, ECHO))
        state[s] = {"msg": f"connection {i:04d} says hello".encode(), "sent": False, "got": b""}
        sel.register(s, selectors.EVENT_WRITE)
    done, failed = 0, []
    deadline = time.monotonic() + deadline_s

    def finish(s, why=None):
        nonlocal done
        sel.unregister(s)
        if why is None:
            done += 1
        else:
            failed.append(why)
        if not hold:
            s.close()

    try:
        while done + len(failed) < n and time.monotonic() < deadline:
            for key, _mask in sel.select(1.0):
                s, st = key.fileobj, state[key.fileobj]
                if not st["sent"]:
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        finish(s, f"connect: {os.strerror(err)}")
                        continue
                    s.send(st["msg"])
                    st["sent"] = True
                    sel.modify(s, selectors.EVENT_READ)
                    continue
                try:
                    chunk = s.recv(100)
                except OSError as e:
                    finish(s, f"recv: {e}")
                    continue
                st["got"] += chunk
                if not chunk or st["got"] == st["msg"]:
                    finish(s, None if st["got"] == st["msg"] else f"got {st['got']!r}")
        if hold and while_held is not None:
            while_held()
    finally:
        for s in state:
            s.close()
        sel.close()
    return done, failed, time.monotonic() - t


def test_1000_concurrent_clients(lwipd, apps, family):
    before = _app(lwipd, apps["tcp-echo"])["connections"]
    done, failed, secs = _many_echo_clients(family, 1000, hold=False)
    print(f"1000 echo clients over IPv{family} started at once, each closing when done: {done} done in {secs:.2f} s")
    assert not failed, failed[:5]
    assert done == 1000
    assert _app(lwipd, apps["tcp-echo"])["connections"] - before == 1000


def test_1000_connections_open_at_once(lwipd, apps, family):
    # Connections of earlier tests first finish closing (their FINs may
    # still be on the way): then every open one counted below is ours.
    deadline = time.monotonic() + 10
    while _app(lwipd, apps["tcp-echo"])["open"] != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _app(lwipd, apps["tcp-echo"])["open"] == 0, "earlier echo connections never closed"
    before = _app(lwipd, apps["tcp-echo"])["connections"]
    seen = {}
    _, host, _ = _addrs(family)

    def count_open():
        seen["open"] = _app(lwipd, apps["tcp-echo"])["open"]
        seen["established"] = sum(1 for c in lwipd.call("tcp.list")["connections"]
                                  if c["local_port"] == ECHO and c["state"] == "ESTABLISHED"
                                  and c["remote"] == host)

    done, failed, secs = _many_echo_clients(family, 1000, hold=True, deadline_s=30, while_held=count_open)
    print(f"1000 echo connections over IPv{family} held open at once: {done} done in {secs:.2f} s, "
          f"{len(failed)} failed, lwipd saw {seen}")
    assert not failed, failed[:5]
    assert done == 1000
    assert _app(lwipd, apps["tcp-echo"])["connections"] - before == 1000
    # All 1000 were open in lwipd at the same moment.
    assert seen == {"open": 1000, "established": 1000}


def test_echo_half_close(lwipd, apps, family):
    s = _connect(family, ECHO)
    data = _payload(50000, seed=5)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)  # our FIN: lwipd is now CLOSE_WAIT and still sends
    s.settimeout(5)
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break  # lwipd's FIN, after the echoed data
        buf += chunk
    s.close()
    assert buf == data


def test_echo_half_close_with_backlog(lwipd, apps, family):
    # 2 MB sent at once and then our FIN, with loss on lwipd's sending side
    # so the echo is far behind when the FIN arrives: all of it must still
    # come back, then lwipd's FIN (RFC 9293 3.6 half-close, RFC 862).
    n = 2 * MB
    data = _payload(n, seed=6)
    s = _connect(family, ECHO)
    lwipd.call("impair.set", spec="tx:loss=5%", seed=21)
    digest, back, eof = _pump(s, data, n, True, deadline_s=60)
    s.close()
    assert eof and back == n
    assert digest == hashlib.sha256(data).hexdigest()


def test_closed_port_refused_fast(lwipd, apps, family):
    t = time.monotonic()
    with pytest.raises(ConnectionRefusedError):
        _connect(family, CLOSED, timeout=5)
    elapsed = time.monotonic() - t
    # A RST answers the SYN at once (RFC 9293 3.10.7.1), no retry needed.
    assert elapsed < 0.5, f"refused after {elapsed:.2f} s"
