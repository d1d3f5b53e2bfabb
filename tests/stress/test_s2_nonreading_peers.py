"""Case 2: 100 Linux TCP peers of tcp-echo that send and never read.

Each peer has a 4 KiB receive buffer and sends until its sends block:
tcp-echo's replies fill the peer's window, then lwipd's send buffer, then
lwipd's receive window.  While they are stuck, lwipd must still answer
ping, resolve ARP both ways, carry a new 1 MB echo transfer intact and
answer status/stats.  The heap and pool high-water marks are printed.
Then the peers go -- with RST (SO_LINGER 0), or gracefully (shutdown,
drain what lwipd echoed, close) -- and every pool and the heap must be
back to the baseline within seconds."""
import selectors
import socket
import subprocess
import time

import pytest

from stress_util import ECHO, HOST_IP, KB, MB, SLOW, TAP, StressEnv, close_all, high_water, open_many, payload, \
    ping, running_lwipd, transfer, usage, wait_back

PEERS = 100


# A fresh lwipd for each variant: one left wedged by the first must not
# decide the second.
@pytest.fixture
def lwipd():
    with running_lwipd() as d:
        yield d


@pytest.fixture
def env(lwipd):
    return StressEnv(lwipd).setup()


def _fill(socks, seconds, idle=1.0):
    """Send from every socket (non-blocking) until none made progress for
    @p idle seconds, or @p seconds pass.  @return (bytes sent, seconds,
    sockets that were blocked at the end)."""
    chunk = b"x" * (64 * KB)
    total, t0 = 0, time.monotonic()
    last_progress = t0
    blocked = set()
    while time.monotonic() - t0 < seconds:
        progress = False
        for s in socks:
            try:
                n = s.send(chunk)
                total += n
                progress = True
                blocked.discard(s)
            except BlockingIOError:
                blocked.add(s)
            except OSError:
                blocked.add(s)
        now = time.monotonic()
        if progress:
            last_progress = now
        elif now - last_progress >= idle:
            break
        else:
            time.sleep(0.05)
    return total, time.monotonic() - t0, len(blocked)


def _drain_graceful(socks, seconds):
    """shutdown(SHUT_WR) every socket, read what comes until EOF, close.
    @return (sockets that saw EOF, bytes read)."""
    sel = selectors.DefaultSelector()
    for s in socks:
        s.shutdown(socket.SHUT_WR)
        sel.register(s, selectors.EVENT_READ)
    eof, got = 0, 0
    end = time.monotonic() + seconds
    last = time.monotonic()
    try:
        # Until every peer saw EOF, @p seconds pass, or nothing at all
        # arrives for 8 s (x SLOW): lwipd has stopped sending.  (Data lwipd
        # drops for its memory budget comes again after the peer's RTO,
        # which backs off: a few seconds of silence are normal.)
        while eof < len(socks) and time.monotonic() < end and time.monotonic() - last < 8 * SLOW:
            for key, _ in sel.select(0.5):
                last = time.monotonic()
                s = key.fileobj
                try:
                    data = s.recv(MB)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    eof += 1
                    sel.unregister(s)
                else:
                    got += len(data)
    finally:
        sel.close()
        for s in socks:
            s.close()
    return eof, got


def _arp_both_ways(d):
    """Linux resolves lwipd and lwipd resolves Linux, from empty caches.
    @return (ok, detail)."""
    subprocess.run(["ip", "neigh", "flush", "dev", TAP], check=False)
    d.call("arp.flush")
    ok, summary = ping(count=1, wait=2)
    r = d.client()
    try:
        rep = r.request("ping", dst=HOST_IP, count=1, timeout_ms=2000)
    finally:
        r.close()
    lwipd_ok = rep.get("ok") and rep["result"]["received"] == 1
    return ok and lwipd_ok, f"linux->lwipd {summary}; lwipd->linux {rep.get('result', rep.get('error'))}"


@pytest.mark.parametrize("close", ["rst", "graceful"])
def test_100_nonreading_peers(env, close):
    d = env.d
    drops0 = d.drops()
    socks, failures = open_many(PEERS, ECHO, rcvbuf=4096, deadline_s=20 * SLOW)
    try:
        assert not failures, failures[:5]
        assert len(socks) == PEERS
        for s in socks:
            s.setblocking(False)
        sent, fill_s, blocked = _fill(socks, 10 * SLOW)
        problems = []
        # While they are stuck:
        t = time.monotonic()
        u, st = usage(d, full=True)
        stats_ms = (time.monotonic() - t) * 1000
        t = time.monotonic()
        d.call("status")
        status_ms = (time.monotonic() - t) * 1000
        ok, summary = ping(count=3)
        if not ok:
            problems.append(f"ping: {summary}")
        arp_ok, arp_detail = _arp_both_ways(d)
        if not arp_ok:
            problems.append(f"ARP: {arp_detail}")
        r = transfer(ECHO, payload(MB, 22), 10 * SLOW)
        if not r["ok"]:
            problems.append(f"1 MB echo: {r['error']}")
        hw = high_water(d.call("stats"))
        print(f"[stress] 100 stuck peers: {sent / MB:.1f} MiB sent in {fill_s:.1f} s, {blocked} blocked; "
              f"in use {u}; high water heap {hw['HEAP']} B, pools "
              f"{ {k: v for k, v in hw.items() if k != 'HEAP' and v} }; stats {stats_ms:.0f} ms, "
              f"status {status_ms:.0f} ms; 1 MB echo {r['secs']:.1f} s ok={r['ok']}")
        # Then they go.
        if close == "rst":
            close_all(socks, rst=True, d=d)
            closed = f"{PEERS} RST"
        else:
            t = time.monotonic()
            eof, got = _drain_graceful(socks, 20 * SLOW)
            closed = f"{eof}/{PEERS} drained to EOF ({got / MB:.1f} MiB, {time.monotonic() - t:.1f} s)"
            if eof != PEERS:
                problems.append(f"graceful close: only {eof} of {PEERS} saw EOF")
        socks = []
        back, now, secs = wait_back(d, env.base, 5 * SLOW)
    finally:
        close_all(socks, rst=True)
    drops = {k: v - drops0.get(k, 0) for k, v in d.drops().items() if k.startswith("TCP_") and v != drops0.get(k, 0)}
    outcome = (f"{blocked}/{PEERS} blocked after {sent / MB:.1f} MiB; ping/ARP/1MB echo/status "
               f"{'ok' if not problems else 'FAILED'}; high water heap {hw['HEAP']} "
               f"tcp {hw['TCP_PCB']} seg {hw['TCP_SEG']} pbuf {hw['PBUF_POOL']}; "
               f"{closed}: {'back' if back else 'NOT back'} in {secs:.1f} s; TCP drops {drops}"
               + (f" [{'; '.join(problems)}]" if problems else ""))
    env.after_case(f"2 stuck peers ({close})", f"{PEERS} non-reading peers, rcvbuf 4 KiB", outcome)
    assert not problems, problems
    assert blocked == PEERS, f"only {blocked} of {PEERS} peers blocked"
