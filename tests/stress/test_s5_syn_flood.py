"""Case 5: a SYN flood while two established transfers go on.

20,000 SYNs from random sources (half on the link, whose SYN-ACKs wait for
ARP that never resolves, half off it, which have no route) and random
ports hit tcp-echo's port through a raw packet socket, as fast as it takes
them.  Meanwhile two Linux connections keep streaming: one to tcp-echo
(every byte must come back intact, sha256) and one to tcp-discard (every
byte must be counted by the app).  During the flood lwipd's TCP state stays
bounded (the SYN queue holds at most 192 handshakes per listener, each a
small entry and no PCB, cookies answer the rest); afterwards the queue drains (a handshake is given up
after 20 s, TCP_SYN_RCVD_TIMEOUT_MS) and every pool is back."""
import hashlib
import random
import selectors
import socket
import threading
import time

from stress_util import DISCARD, ECHO, HOST_IP, KB, LWIPD_IP, MB, MSS_OPT, SLOW, SYN, L2, random_mac, \
    diff, tcp_frame, usage, wait_back

N_SYN = 20000
SYN_QUEUE_MAX = 192  # include/lwip/priv/tcp_priv.h TCP_SYN_QUEUE_MAX (per listener, memp_num_tcp_synq 1024)


class Stream(threading.Thread):
    """A Linux connection that sends random data until stop is set (and at
    least min_bytes), then half-closes and reads to EOF.  For tcp-echo it
    checks what came back against what was sent (sha256)."""

    def __init__(self, port, seed, min_bytes, deadline_s):
        super().__init__(daemon=True)
        self.port, self.rng, self.min_bytes, self.deadline_s = port, random.Random(seed), min_bytes, deadline_s
        self.stop = threading.Event()
        self.sent = self.back = 0
        self.h_sent, self.h_back = hashlib.sha256(), hashlib.sha256()
        self.error, self.eof = None, False
        self.connected = threading.Event()

    def run(self):
        try:
            self._run()
        except Exception as e:  # reported by the test
            self.error = f"{type(e).__name__}: {e}"
        finally:
            self.connected.set()

    def _run(self):
        s = socket.create_connection((LWIPD_IP, self.port), timeout=5 * SLOW, source_address=(HOST_IP, 0))
        self.connected.set()
        s.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        chunk, off, writing = b"", 0, True
        end = time.monotonic() + self.deadline_s
        progress, last = 0, time.monotonic()
        try:
            while not self.eof:
                now = time.monotonic()
                if self.sent + self.back != progress:
                    progress, last = self.sent + self.back, now
                if now > end or now - last > 5 * SLOW:
                    self.error = f"stalled: sent {self.sent}, got back {self.back}"
                    return
                for _key, mask in sel.select(0.2):
                    if writing and mask & selectors.EVENT_WRITE:
                        if off == len(chunk):
                            if self.stop.is_set() and self.sent >= self.min_bytes:
                                s.shutdown(socket.SHUT_WR)
                                writing = False
                                sel.modify(s, selectors.EVENT_READ)
                                continue
                            chunk, off = self.rng.randbytes(64 * KB), 0
                        try:
                            n = s.send(chunk[off:])
                        except BlockingIOError:
                            n = 0
                        self.h_sent.update(chunk[off:off + n])
                        off += n
                        self.sent += n
                    if mask & selectors.EVENT_READ:
                        try:
                            data = s.recv(MB)
                        except BlockingIOError:
                            continue
                        if not data:
                            self.eof = True
                            break
                        self.back += len(data)
                        self.h_back.update(data)
        finally:
            sel.close()
            s.close()


def _syn_frames(lwipd_mac, n, seed):
    rng = random.Random(seed)
    frames = []
    for i in range(n):
        if i % 2:
            src = f"10.77.0.{rng.randrange(3, 255)}"  # on the link: lwipd ARPs in vain
        else:
            src = f"10.77.{rng.randrange(1, 256)}.{rng.randrange(1, 255)}"  # off the link: no route
        frames.append(tcp_frame(lwipd_mac, random_mac(rng), src, LWIPD_IP, rng.randrange(1024, 65536), ECHO,
                                rng.randrange(1 << 32), 0, SYN, options=MSS_OPT, win=64240, ident=i & 0xffff))
    return frames


def test_syn_flood_with_transfers(env):
    d = env.d
    mac = d.tap_netif()["mac"]
    frames = _syn_frames(mac, N_SYN, seed=5)
    st0 = d.call("stats", all=True)
    discard_rx0 = env.app("tcp-discard")["rx_bytes"]
    streams = [Stream(ECHO, 51, 4 * MB, 60 * SLOW), Stream(DISCARD, 52, 4 * MB, 60 * SLOW)]
    for s in streams:
        s.start()
    for s in streams:
        s.connected.wait(10 * SLOW)
    time.sleep(0.3)
    l2 = L2()
    peak = {}
    try:
        sent, flood_s = 0, 0.0
        t0 = time.monotonic()
        # In pieces, looking at lwipd's TCP state in between; bounded by
        # count and by 15 s.
        while sent < N_SYN and time.monotonic() - t0 < 15 * SLOW:
            n, _ = l2.flood(frames[sent:sent + 2000], 2000, 2.0)
            sent += n
            u = usage(d)
            for k in ("TCP_PCB", "TCP_SEG", "TCP_SYNQ", "PBUF_POOL", "HEAP"):
                peak[k] = max(peak.get(k, 0), u[k])
        flood_s = time.monotonic() - t0
    finally:
        l2.close()
        for s in streams:
            s.stop.set()
    st1 = d.call("stats", all=True)
    for s in streams:
        s.join(60 * SLOW)
    echo, disc = streams
    deadline = time.monotonic() + 5 * SLOW
    while env.app("tcp-discard")["rx_bytes"] - discard_rx0 < disc.sent and time.monotonic() < deadline:
        time.sleep(0.1)
    discard_rx = env.app("tcp-discard")["rx_bytes"] - discard_rx0
    echo_ok = echo.error is None and echo.eof and echo.back == echo.sent and \
        echo.h_back.hexdigest() == echo.h_sent.hexdigest()
    disc_ok = disc.error is None and disc.eof and discard_rx == disc.sent
    # The SYN queue drains: handshakes are given up after 20 s with an RST
    # to the (unresolved) flood source.  Those RSTs wait in the ARP queue
    # until the entry is given up, ARP_MAXPENDING_S (5 s) later on a 1 s
    # ARP timer, so the heap is back within about 26 s; 25 s was measured
    # as 24.6-25.1 s and failed CI on the edge.
    back, now, wait_s = wait_back(d, env.base, 32 * SLOW)
    drops = {k: st1["drops"][k] - st0["drops"][k] for k in ("TCP_SYN_COOKIE", "TCP_BACKLOG_FULL", "TCP_NO_MEM")}
    tcp_rx = st1["protocols"]["tcp"]["recv"] - st0["protocols"]["tcp"]["recv"]
    outcome = (f"lwipd took {tcp_rx} TCP segs; cookies {drops['TCP_SYN_COOKIE']}, backlog full "
               f"{drops['TCP_BACKLOG_FULL']}, no mem {drops['TCP_NO_MEM']}; peak tcp {peak['TCP_PCB']} "
               f"seg {peak['TCP_SEG']} synq {peak['TCP_SYNQ']} pbuf {peak['PBUF_POOL']} heap {peak['HEAP']}; echo {echo.sent / MB:.1f} MB "
               f"{'intact' if echo_ok else 'BROKEN'}, discard {disc.sent / MB:.1f} MB "
               f"{'counted' if disc_ok else 'BROKEN'}; {'back' if back else 'NOT back'} after {wait_s:.1f} s"
               + ("" if back else f" {diff(env.base, now)}"))
    env.after_case("5 SYN flood", f"{sent} SYNs in {flood_s:.1f} s, 2 transfers", outcome)
    assert echo_ok, (echo.error, echo.sent, echo.back, echo.eof)
    assert disc_ok, (disc.error, disc.sent, discard_rx, disc.eof)
    # Bounded: PCBs only for the 2 transfers; the handshakes are SYN queue
    # entries, at most a listener's share.
    assert peak["TCP_PCB"] <= env.base["TCP_PCB"] + 2, peak
    assert peak["TCP_SYNQ"] <= SYN_QUEUE_MAX, peak
    assert back
