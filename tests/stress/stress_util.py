"""Shared helpers of the stress suite (issue 13).

The suite reuses tests/interop/lwipd_harness.py (imported from ../interop,
not copied): each module runs lwipd in a network namespace of its own, the
pytest process entering it.  This file adds what the load tests need on
top of the harness:

- fast frame builders (Ethernet, ARP, IPv4, TCP) and an AF_PACKET
  socket on the TAP, because Scapy builds a few thousand frames a second
  and the floods here send tens of thousands; check_builders() compares
  each builder with Scapy's rendering of the same packet once per session;
- Linux peers: many non-blocking TCP clients, a bulk transfer checked with
  sha256, ping;
- memory figures from `stats` (every pool's `used` and the heap's), the
  baseline taken at module start, and after_case(): the check every case
  ends with (lwipd alive, ping answered, 256 KB through tcp-echo intact,
  every pool and the heap back to the baseline), which also records one
  line of the summary table conftest.py prints at the end of the session.

Every loop here is bounded in count and in time.  Time bounds are
multiplied by SLOW under AddressSanitizer (about 3x slower); the checks
themselves never depend on speed.
"""
import hashlib
import os
import random
import resource
import selectors
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

from lwipd_harness import HOST_IP, LWIPD_IP, TAP, running_lwipd  # noqa: E402,F401  (after the sys.path entry; running_lwipd is re-exported)

ECHO, DISCARD = 7, 9
KB, MB = 1 << 10, 1 << 20

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
PACKET_OUTGOING = 4
SO_SNDBUFFORCE, SO_RCVBUFFORCE = 32, 33
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def _asan_build():
    path = os.environ.get("LWIPD", "")
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


#: Time bounds are multiplied by this (ASan + UBSan build: about 3x slower).
SLOW = 3.0 if _asan_build() else 1.0


def raise_nofile(n):
    """Raise RLIMIT_NOFILE to at least @p n (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft == resource.RLIM_INFINITY or soft >= want:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


# ---------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------

def mac_bytes(mac):
    return bytes.fromhex(mac.replace(":", ""))


def ip_bytes(ip):
    return socket.inet_aton(ip)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(dst, src, ethertype, payload):
    return mac_bytes(dst) + mac_bytes(src) + struct.pack("!H", ethertype) + payload


def arp(op, hwsrc, psrc, hwdst, pdst):
    return struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, op) + mac_bytes(hwsrc) + ip_bytes(psrc) + \
        mac_bytes(hwdst) + ip_bytes(pdst)


def ipv4(src, dst, proto, payload, ident=1, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, ttl, proto, 0,
                      ip_bytes(src), ip_bytes(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def _pseudo(src, dst, proto, length):
    return ip_bytes(src) + ip_bytes(dst) + struct.pack("!BBH", 0, proto, length)


def tcp(src, dst, sport, dport, seq, ack, flags, win=65535, payload=b"", options=b""):
    off = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, off << 4, flags,
                      win, 0, 0) + options
    seg = hdr + payload
    c = csum(_pseudo(src, dst, 6, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


MSS_OPT = struct.pack("!BBH", 2, 4, 1460)


def tcp_frame(dst_mac, src_mac, src, dst, sport, dport, seq, ack, flags, payload=b"", options=b"",
              win=65535, ident=1):
    return eth(dst_mac, src_mac, ETH_P_IP,
               ipv4(src, dst, 6, tcp(src, dst, sport, dport, seq, ack, flags, win, payload, options), ident))


def arp_frame(src_mac, op, psrc, pdst, dst_mac="ff:ff:ff:ff:ff:ff", hwdst="00:00:00:00:00:00"):
    return eth(dst_mac, src_mac, ETH_P_ARP, arp(op, src_mac, psrc, hwdst, pdst))


def check_builders():
    """The builders render exactly what Scapy renders for the same packet
    (once per session: a wrong checksum would make every flood a test of
    the checksum check instead)."""
    from scapy.all import ARP, IP, TCP, Ether, Raw
    a = "02:00:00:00:00:aa"
    b = "02:00:00:00:00:bb"
    mine = tcp_frame(b, a, "10.77.0.9", LWIPD_IP, 1234, 7, 1000, 2000, SYN | ACK, b"hello", MSS_OPT, 512, 77)
    ref = bytes(Ether(dst=b, src=a) / IP(src="10.77.0.9", dst=LWIPD_IP, id=77, flags="DF") /
                TCP(sport=1234, dport=7, seq=1000, ack=2000, flags="SA", window=512,
                    options=[("MSS", 1460)]) / Raw(b"hello"))
    assert mine == ref, (mine.hex(), ref.hex())
    mine = arp_frame(a, 1, "10.77.0.9", LWIPD_IP)
    ref = bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=a) /
                ARP(op=1, hwsrc=a, psrc="10.77.0.9", hwdst="00:00:00:00:00:00", pdst=LWIPD_IP))
    assert mine == ref, (mine.hex(), ref.hex())


def random_mac(rng):
    return "02:%02x:%02x:%02x:%02x:%02x" % tuple(rng.randrange(256) for _ in range(5))


class L2:
    """An AF_PACKET socket on the TAP: whole frames both ways."""

    def __init__(self, iface=TAP):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        # The FORCE variants pass net.core.rmem_max/wmem_max (we are root).
        self.s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 * MB)
        self.s.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 4 * MB)
        self.s.bind((iface, ETH_P_ALL))
        self.s.setblocking(False)

    def close(self):
        self.s.close()

    def send(self, frame):
        try:
            self.s.send(frame)
            return True
        except (BlockingIOError, OSError):
            return False

    def flood(self, frames, max_frames, seconds, rate=None):
        """Send @p frames round and round until @p max_frames were handed to
        the socket or @p seconds passed, at most @p rate frames a second
        (None: as fast as the socket takes them; what lwipd cannot read in
        time the TAP drops).  @return (frames sent, seconds taken)."""
        t0 = time.monotonic()
        end = t0 + seconds
        sent = 0
        n = len(frames)
        send = self.s.send
        while sent < max_frames:
            now = time.monotonic()
            if now >= end:
                break
            if rate is not None and sent > rate * (now - t0):
                time.sleep(min(0.002, end - now))
                continue
            for i in range(min(256, max_frames - sent)):
                try:
                    send(frames[(sent + i) % n])
                except OSError:  # ENOBUFS / EAGAIN: the TAP queue is full
                    time.sleep(0.0005)
            sent += min(256, max_frames - sent)
        return sent, time.monotonic() - t0

    def recv_all(self, timeout, quiet=None):
        """Frames received (not our own) for at most @p timeout seconds,
        returning early once the socket has been quiet for @p quiet seconds
        (default: @p timeout, i.e. read until quiet or the time is up)."""
        out = []
        quiet = timeout if quiet is None else quiet
        end = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.s, selectors.EVENT_READ)
        try:
            while True:
                left = end - time.monotonic()
                if left <= 0 or not sel.select(min(quiet, left)):
                    break
                while True:
                    try:
                        data, addr = self.s.recvfrom(65536)
                    except BlockingIOError:
                        break
                    if addr[2] != PACKET_OUTGOING:
                        out.append(data)
        finally:
            sel.close()
        return out

    def recv_until(self, done, on_frame, timeout):
        """Hand every frame received (not our own) to @p on_frame until
        @p done() is true or @p timeout seconds pass.  @return done()."""
        end = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.s, selectors.EVENT_READ)
        try:
            while not done():
                left = end - time.monotonic()
                if left <= 0:
                    break
                if not sel.select(min(left, 0.05)):
                    continue
                while True:
                    try:
                        data, addr = self.s.recvfrom(65536)
                    except BlockingIOError:
                        break
                    if addr[2] != PACKET_OUTGOING:
                        on_frame(data)
        finally:
            sel.close()
        return done()


def flood_while_pinging(d, frames, n_frames, rate, linux_dst, lwipd_dst, table, six=False):
    """Send @p n_frames of @p frames (round and round, 10,000 at a time, at
    most @p rate a second) while Linux pings lwipd at @p linux_dst and lwipd
    pings Linux at @p lwipd_dst (15 each, 200 ms apart, so 3 s of them).
    After each batch, the length of the list @p table() returns and the
    pools' peaks are taken.  @return dict: sent, seconds, sizes, peak,
    linux_rx, lwipd_rx."""
    lping = d.client()
    cmd = ["ping"] + (["-6"] if six else []) + ["-n", "-q", "-c", "15", "-i", "0.2", "-W", "1", linux_dst]
    linux = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    rid = lping.next_id
    lping.send_raw((f'{{"id": {rid}, "cmd": "ping", "args": {{"dst": "{lwipd_dst}", "count": 15, '
                    f'"interval_ms": 200, "timeout_ms": 1000}}}}\n').encode())
    l2 = L2()
    sizes, peak = [], {}
    try:
        sent, t0 = 0, time.monotonic()
        while sent < n_frames and time.monotonic() - t0 < 10 * SLOW:
            at = sent % len(frames)
            n, _ = l2.flood(frames[at:at + 10000], 10000, 2.0 * SLOW, rate=rate)
            sent += n
            sizes.append(len(table()))
            for k, v in usage(d).items():
                peak[k] = max(peak.get(k, 0), v)
        seconds = time.monotonic() - t0
    finally:
        l2.close()
    out, _ = linux.communicate(timeout=30)
    during = [ln for ln in out.splitlines() if "transmitted" in ln]
    linux_rx = int(during[0].split(",")[1].split()[0]) if during else 0
    rep = lping.read_line()
    while rep.get("id") != rid:
        rep = lping.read_line()
    lping.close()
    return {"sent": sent, "seconds": seconds, "sizes": sizes, "peak": peak, "linux_rx": linux_rx,
            "lwipd_rx": rep.get("result", {}).get("received", 0)}


def parse_tcp(frame):
    """(src, dst, sport, dport, seq, ack, flags, payload) of an IPv4/TCP
    frame, else None."""
    if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return None
    ihl = (frame[14] & 15) * 4
    tot = struct.unpack("!H", frame[16:18])[0]
    t = 14 + ihl
    sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", frame[t:t + 14])
    data = frame[t + (off >> 4) * 4:14 + tot]
    return socket.inet_ntoa(frame[26:30]), socket.inet_ntoa(frame[30:34]), sport, dport, seq, ack, flags, data


# ---------------------------------------------------------------------------
# Linux peers
# ---------------------------------------------------------------------------

def ping(count=3, interval=0.2, wait=1):
    """Linux pings lwipd.  @return (all answered, summary line)."""
    r = subprocess.run(["ping", "-n", "-q", "-c", str(count), "-i", str(interval), "-W", str(wait), LWIPD_IP],
                       capture_output=True, text=True, timeout=30 + count * (interval + wait))
    lines = [ln for ln in r.stdout.splitlines() if "transmitted" in ln]
    summary = lines[0] if lines else (r.stdout + r.stderr).strip()
    return r.returncode == 0 and f"{count} received" in summary, summary


def payload(n, seed):
    return random.Random(seed).randbytes(n)


def transfer(port, data, deadline_s, expect_echo=True, stall_s=3.0):
    """Send @p data to lwipd's @p port from a new Linux connection, half-close,
    and read until EOF, giving up after @p deadline_s seconds or when no
    byte moved either way for @p stall_s (x SLOW) seconds.  @return
    dict(ok, sent, back, sha_ok, eof, secs, error): for tcp-echo ok means
    every byte came back intact (sha256)."""
    t0 = time.monotonic()
    res = {"ok": False, "sent": 0, "back": 0, "sha_ok": False, "eof": False, "secs": 0.0, "error": None}
    want = hashlib.sha256(data).hexdigest()
    try:
        sock = socket.create_connection((LWIPD_IP, port), timeout=min(3.5 * SLOW, deadline_s),
                                        source_address=(HOST_IP, 0))
    except OSError as e:
        res["error"] = f"connect: {e}"
        return res
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    view = memoryview(data)
    h = hashlib.sha256()
    deadline = t0 + deadline_s
    moved, last = 0, time.monotonic()
    try:
        while not res["eof"]:
            now = time.monotonic()
            if res["sent"] + res["back"] != moved:
                moved, last = res["sent"] + res["back"], now
            left = deadline - now
            if left <= 0 or now - last > stall_s * SLOW:
                res["error"] = (f"{'stalled' if left > 0 else 'deadline'}: sent {res['sent']} of {len(data)}, "
                                f"got {res['back']} back")
                break
            for _key, mask in sel.select(min(left, 0.5)):
                if mask & selectors.EVENT_WRITE and res["sent"] < len(data):
                    try:
                        res["sent"] += sock.send(view[res["sent"]:res["sent"] + 256 * KB])
                    except BlockingIOError:
                        pass
                    if res["sent"] == len(data):
                        sock.shutdown(socket.SHUT_WR)
                        sel.modify(sock, selectors.EVENT_READ)
                if mask & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(MB)
                    except BlockingIOError:
                        continue
                    except OSError as e:
                        res["error"] = f"recv: {e}"
                        res["eof"] = True
                        break
                    if not chunk:
                        res["eof"] = True
                        break
                    h.update(chunk)
                    res["back"] += len(chunk)
    finally:
        sel.close()
        sock.close()
    res["secs"] = time.monotonic() - t0
    res["sha_ok"] = h.hexdigest() == want
    if res["error"] is None:
        if expect_echo:
            res["ok"] = res["sha_ok"] and res["back"] == len(data)
            if not res["ok"]:
                res["error"] = f"echo: {res['back']} of {len(data)} bytes back, sha256 match {res['sha_ok']}"
        else:
            res["ok"] = res["sent"] == len(data) and res["back"] == 0
    return res


def open_many(n, port, batch=200, deadline_s=30.0, rcvbuf=None, linger0=False):
    """Open @p n Linux connections to lwipd's @p port, @p batch at a time
    (a listener's backlog is 255: more at once and SYNs wait for their
    retransmission).  @return (connected sockets, failure strings)."""
    raise_nofile(n + 512)
    socks, failures = [], []
    deadline = time.monotonic() + deadline_s
    sel = selectors.DefaultSelector()
    try:
        while len(socks) + len(failures) < n and time.monotonic() < deadline:
            pending = set()
            for _ in range(min(batch, n - len(socks) - len(failures))):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                if rcvbuf is not None:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
                if linger0:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.setblocking(False)
                s.bind((HOST_IP, 0))
                err = s.connect_ex((LWIPD_IP, port))
                if err not in (0, 115):  # EINPROGRESS
                    failures.append(f"connect: {os.strerror(err)}")
                    s.close()
                    continue
                sel.register(s, selectors.EVENT_WRITE)
                pending.add(s)
            while pending and time.monotonic() < deadline:
                for key, _mask in sel.select(0.5):
                    s = key.fileobj
                    sel.unregister(s)
                    pending.discard(s)
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        failures.append(f"connect: {os.strerror(err)}")
                        s.close()
                    else:
                        socks.append(s)
            for s in pending:
                sel.unregister(s)
                failures.append("connect: no answer before the deadline")
                s.close()
    finally:
        sel.close()
    return socks, failures


def close_all(socks, rst, d=None, chunk=200):
    """Close Linux sockets, with RST (SO_LINGER 0) when @p rst.  With lwipd
    @p d, @p chunk at a time, each time waiting until lwipd has read every
    frame queued for it on the TAP: the TAP's queue holds 1,000 frames, and
    an RST it drops leaves lwipd a connection whose peer is gone without
    trace (a peer that sends nothing more never learns of it)."""
    for i, s in enumerate(socks):
        try:
            if rst:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        except OSError:
            pass
        if d is not None and (i + 1) % chunk == 0:
            wait_tap_drained(d, 2 * SLOW)
    if d is not None:
        wait_tap_drained(d, 2 * SLOW)


def tap_counters():
    """The Linux side of the TAP: (frames sent towards lwipd, frames dropped
    because lwipd's queue was full), from /proc/net/dev of our namespace."""
    with open("/proc/net/dev") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name.strip() == TAP:
                fields = rest.split()
                return int(fields[9]), int(fields[11])
    return 0, 0


def wait_tap_drained(d, seconds):
    """Wait until lwipd has read every frame Linux queued for it on the TAP
    (or @p seconds pass).  @return True when drained."""
    end = time.monotonic() + seconds
    while True:
        tx, dropped = tap_counters()
        if d.tap_netif()["counters"]["rx_packets"] >= tx - dropped:
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.01)


# ---------------------------------------------------------------------------
# Memory figures
# ---------------------------------------------------------------------------

def usage(lwipd, full=False):
    """{pool name: used, ..., "HEAP": used} (with @p full the whole stats
    reply as well)."""
    st = lwipd.call("stats")
    u = {p["name"]: p["used"] for p in st["pools"]}
    u["HEAP"] = st["heap"]["used"]
    return (u, st) if full else u


def high_water(stats):
    """{pool name: max, "HEAP": max} from a stats reply."""
    m = {p["name"]: p["max"] for p in stats["pools"]}
    m["HEAP"] = stats["heap"]["max"]
    return m


#: Pools whose use may also fall below the baseline without that meaning
#: anything: the baseline has the ARP timer armed (the host's entry is in
#: the table), and a case that flushed the table (ARP floods evict it; the
#: table's last entry expiring stops the timer) ends with one timer less
#: until lwipd next resolves the host.  More than the baseline is a leak.
MAY_BE_LOWER = {"SYS_TIMEOUT"}


def diff(base, now):
    """{pool: (baseline, now)} for every pool not back to @p base."""
    out = {}
    for k in set(base) | set(now):
        b, a = base.get(k, 0), now.get(k, 0)
        if a != b and not (k in MAY_BE_LOWER and a < b):
            out[k] = (b, a)
    return out


def wait_back(lwipd, base, seconds):
    """Poll stats until every pool and the heap are back to @p base, or
    @p seconds pass.  @return (back, last usage, seconds waited)."""
    t0 = time.monotonic()
    end = t0 + seconds
    while True:
        now = usage(lwipd)
        if not diff(base, now) or time.monotonic() >= end:
            return not diff(base, now), now, time.monotonic() - t0
        time.sleep(0.2)


SHORT = {"PBUF_REF/ROM": "ref", "PBUF_POOL": "pbuf", "SYS_TIMEOUT": "tmo", "UDP_PCB": "udp",
         "RAW_PCB": "raw", "TCP_PCB": "tcp", "TCP_PCB_LISTEN": "lis", "TCP_SEG": "seg", "REASSDATA": "reass",
         "IGMP_GROUP": "igmp", "HEAP": "heap"}


def fmt_pools(base, now):
    """'tcp 0/0 seg 0/0 ...': used before/after for the pools that moved or
    are in use, always with tcp, seg, pbuf and heap."""
    keys = [k for k in SHORT if k in base or k in now]
    keys += sorted(k for k in set(base) | set(now) if k not in SHORT)
    parts = []
    for k in keys:
        b, a = base.get(k, 0), now.get(k, 0)
        if b or a or k in ("TCP_PCB", "TCP_SEG", "PBUF_POOL", "HEAP"):
            parts.append(f"{SHORT.get(k, k)} {b}/{a}")
    return " ".join(parts)


# ---------------------------------------------------------------------------
# The module environment and the after-case check
# ---------------------------------------------------------------------------

#: Rows of the summary table: dicts with case, load, outcome, pools,
#: secs, result.  conftest.py prints them at the end of the session.
ROWS = []
#: Per-test runtime, set by conftest.py's report hook.
RUNTIME = {}




class StressEnv:
    """lwipd in its namespace with tcp-echo (7) and tcp-discard (9) running,
    and the memory baseline taken once they listen and a warm-up transfer
    has come and gone."""

    def __init__(self, lwipd):
        self.d = lwipd
        self.apps = {}
        self.base = None
        self.nodeid = None

    def setup(self):
        check_builders()
        for name in ("tcp-echo", "tcp-discard"):
            self.apps[name] = self.d.call("app.start", name=name)["id"]
        # Warm-up: the host's ARP entry, the TCP timers, the first pbufs.
        ok, summary = ping(count=2)
        assert ok, summary
        r = transfer(ECHO, payload(256 * KB, 1), 20 * SLOW)
        assert r["ok"], r
        # TCP apps close after the peer's FIN: wait for LAST_ACK to end and
        # the pools to be still for a moment.
        end = time.monotonic() + 10
        prev = None
        while time.monotonic() < end:
            now = usage(self.d)
            if now == prev and now.get("TCP_PCB") == 0:
                break
            prev = now
            time.sleep(0.3)
        self.base = usage(self.d)
        self.tap_dropped = tap_counters()[1]
        return self

    def app(self, name):
        for a in self.d.call("app.list")["apps"]:
            if a["id"] == self.apps[name]:
                return a
        raise AssertionError(f"{name} not in app.list")

    def after_case(self, case, load, outcome, pool_wait=5.0):
        """The check every case ends with.  Records the summary row, then
        asserts: lwipd alive, ping answered, 256 KB through tcp-echo
        intact, every pool and the heap back to the module's baseline
        within @p pool_wait seconds (times SLOW)."""
        problems = []
        alive = self.d.alive()
        if not alive:
            problems.append("lwipd died")
            now = {}
        else:
            ok, summary = ping(count=3)
            if not ok:
                problems.append(f"ping: {summary}")
            r = transfer(ECHO, payload(256 * KB, 2), 8 * SLOW)
            if not r["ok"]:
                problems.append(f"256 KB echo: {r['error']}")
            back, now, _ = wait_back(self.d, self.base, pool_wait * SLOW)
            if not back:
                problems.append("not back to baseline: " +
                                ", ".join(f"{k} {b}->{a}" for k, (b, a) in sorted(diff(self.base, now).items())))
        # Frames for lwipd the TAP dropped during the case (its queue full):
        # floods expect them; anywhere else they explain a lost RST.
        dropped = tap_counters()[1]
        outcome += f"; TAP drops {dropped - self.tap_dropped}"
        self.tap_dropped = dropped
        ROWS.append({"case": case, "load": load, "outcome": outcome + ("; " + "; ".join(problems) if problems else ""),
                     "pools": fmt_pools(self.base, now), "nodeid": self.nodeid,
                     "after": "ok" if not problems else "FAILED"})
        print(f"[stress] {case} | {load} | {outcome} | pools before/after: {fmt_pools(self.base, now)}"
              + (f" | PROBLEMS: {problems}" if problems else ""))
        if not alive:
            raise AssertionError(f"lwipd died:\n{self.d.read_log()}")
        assert not problems, problems
