"""More DNS resolver interop: failover to unbound, spoofed answers, and
malformed answers.

dnsmasq (from test_dhcp_dns) serves example.test on 10.77.0.1.  unbound
runs as a second server on 10.77.0.3, authoritative from local-data for the
same names with different addresses, so a reply shows which server gave it.
10.77.0.4 is a Linux address where nothing answers DNS: lookups sent there
are answered by Scapy, which sniffs the query on the TAP and injects what a
test wants (forgeries, malformed messages, the real answer relayed from
dnsmasq).  Nobody owns 10.77.0.5: as a server it is dead, its queries
never even leave lwipd for want of an ARP reply.

The tests run in file order: the one that kills dnsmasq comes last.
"""
import os
import shutil
import socket
import struct
import subprocess
import threading
import time

import pytest
from scapy.all import IP, UDP, AsyncSniffer, Ether, Raw, sendp

from lwipd_harness import HOST_IP, LWIPD_IP, ServerProcess, TAP
from test_dhcp_dns import NAME, NAME_V4, dnsmasq, _err, _need_features  # noqa: F401 (fixture)

UNBOUND_IP = "10.77.0.3"
SCAPY_IP = "10.77.0.4"   # Linux owns it, no DNS server: Scapy answers
DEAD_IP = "10.77.0.5"    # nobody has it: queries go nowhere
ALT_NAME = "alt.test"    # known to unbound only
ALT_V4 = "10.77.0.97"
UNBOUND_V4 = "10.77.0.98"  # unbound's address for NAME (dnsmasq says 10.77.0.99)
UNBOUND_TTL = 300
BOGUS_V4 = "10.66.6.6"


def _need_unbound():
    if shutil.which("unbound") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("unbound is missing under CI (tools/install-deps installs it)")
        pytest.skip("unbound is not installed (tools/install-deps installs it)")


def _a_query(name, qid=0x4242):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", 1, 1)


class Unbound(ServerProcess):
    """unbound on UNBOUND_IP, answering only from its local zone: no root
    hints, no recursion to the (absent) internet."""

    def __init__(self, workdir):
        self.dir = workdir
        self.conf = os.path.join(workdir, "unbound.conf")
        self.log_path = os.path.join(workdir, "unbound.log")
        self.proc = None

    def start(self):
        with open(self.conf, "w") as f:
            f.write(f"""server:
    interface: {UNBOUND_IP}
    port: 53
    do-ip6: no
    do-tcp: no
    do-daemonize: no
    chroot: ""
    username: ""
    directory: "{self.dir}"
    pidfile: "{self.dir}/unbound.pid"
    logfile: "{self.log_path}"
    use-syslog: no
    verbosity: 1
    log-queries: yes
    access-control: 10.77.0.0/24 allow
    module-config: "iterator"
    do-not-query-localhost: no
    local-zone: "test." static
    local-data: "{ALT_NAME}. {UNBOUND_TTL} IN A {ALT_V4}"
    local-data: "{NAME}. {UNBOUND_TTL} IN A {UNBOUND_V4}"
remote-control:
    control-enable: no
""")
        self.proc = subprocess.Popen(["unbound", "-d", "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"unbound exited: {self.proc.stderr.read().decode(errors='replace')}")
            if self._ready():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"unbound never answered on {UNBOUND_IP}:53\n{self.log()}")

    def _ready(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        try:
            s.sendto(_a_query(ALT_NAME), (UNBOUND_IP, 53))
            return len(s.recvfrom(512)[0]) > 12
        except OSError:
            return False
        finally:
            s.close()



@pytest.fixture(scope="module")
def addrs(dnsmasq):  # noqa: F811
    """The extra Linux-side addresses.  They carry an alias label because
    dnsmasq with --bind-interfaces matches --interface against the label
    (dnsmasq(8), --interface) and would otherwise take port 53 on them as
    they appear.  A bound, never-read socket on SCAPY_IP keeps Linux from
    sending port unreachables for the queries Scapy answers."""
    for i, a in enumerate((UNBOUND_IP, SCAPY_IP)):
        subprocess.run(["ip", "addr", "add", f"{a}/24", "dev", TAP, "label", f"{TAP}:{i}"], check=True)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((SCAPY_IP, 53))
    try:
        yield
    finally:
        s.close()


@pytest.fixture(scope="module")
def unbound(lwipd, addrs):
    _need_unbound()
    u = Unbound(lwipd.dir).start()
    try:
        yield u
    finally:
        u.stop()


class ScapyServer:
    """Answers lwipd's queries to SCAPY_IP with what @p respond returns
    for (query bytes): a list of (source address, source port, payload),
    sent in order as frames on the TAP."""

    def __init__(self, respond):
        self.respond = respond
        self.queries = []
        self.errors = []
        self.ready = threading.Event()
        self.sniffer = AsyncSniffer(iface=TAP, store=False, prn=self._on_query,
                                    filter=f"udp and dst host {SCAPY_IP} and dst port 53",
                                    started_callback=self.ready.set)

    def __enter__(self):
        self.sniffer.start()
        assert self.ready.wait(5), "sniffer never started"
        time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        self.sniffer.stop()

    def _on_query(self, pkt):
        try:
            q = bytes(pkt[UDP].payload)
            self.queries.append(q)
            frames = [Ether(src=pkt[Ether].dst, dst=pkt[Ether].src) / IP(src=src, dst=LWIPD_IP) /
                      UDP(sport=sport, dport=pkt[UDP].sport) / Raw(payload)
                      for src, sport, payload in self.respond(q)]
            sendp(frames, iface=TAP, verbose=False)
        except Exception as e:  # reported by the test, not lost in the thread
            self.errors.append(repr(e))


def _answer(query, qid=None, question=None, flags=0x8580, answers=b"", ancount=None):
    """A response to @p query: its question (or @p question, wire form)
    echoed, then @p answers as the answer section."""
    qid = struct.unpack("!H", query[:2])[0] if qid is None else qid
    question = query[12:] if question is None else question
    if ancount is None:
        ancount = 1 if answers else 0
    return struct.pack("!HHHHHH", qid, flags, 1, ancount, 0, 0) + question + answers


def _rr_a(addr, owner=b"\xc0\x0c", ttl=60):
    """An A record; the owner defaults to a pointer to the question name."""
    return owner + struct.pack("!HHIH", 1, 1, ttl, 4) + socket.inet_aton(addr)


def _qname(query):
    """The question name of @p query as text, letter case as sent."""
    labels, off = [], 12
    while query[off]:
        labels.append(query[off + 1:off + 1 + query[off]].decode())
        off += 1 + query[off]
    return ".".join(labels)


def _wire(name):
    return b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\x00"


def _drop_delta(before, after):
    return {k: after.get(k, 0) - v for k, v in before.items() if k.startswith("DNS_") and after.get(k, 0) != v}


# ---------------------------------------------------------------------------
# Failover


def test_failover_from_dead_server(lwipd, unbound):
    _need_features(lwipd)
    lwipd.call("dns.cache.flush")
    lwipd.call("dns.servers", servers=[DEAD_IP, UNBOUND_IP])
    t0 = time.time()
    r = lwipd.call("dns.resolve", name=ALT_NAME)
    took = time.time() - t0
    assert r["addresses"] == [ALT_V4], r
    assert r["server"] == UNBOUND_IP and r["server_index"] == 1 and r["source"] == "network"
    # Three tries at the dead server after 1, 2 and 4 s (docs/control-
    # protocol.md), then the first to unbound answers at once.
    assert r["tries"] == 4, r
    assert 6900 <= r["elapsed_ms"] < 7500 and 6.9 < took < 8, (r, took)
    assert UNBOUND_TTL - 2 <= r["ttl"] <= UNBOUND_TTL
    # unbound saw exactly one query from lwipd (logged with its 0x20 case).
    ours = [ln for ln in unbound.log().splitlines() if f"info: {LWIPD_IP} " in ln]
    assert len(ours) == 1 and ours[0].lower().endswith(f" {ALT_NAME}. a in"), unbound.log()


# ---------------------------------------------------------------------------
# Spoofing resistance (RFC 5452)


def test_forged_answers_lose_to_the_real_one(lwipd, dnsmasq, addrs):  # noqa: F811
    """Before the real answer (dnsmasq's, relayed from SCAPY_IP) come five
    forgeries with a bogus address: each wrong in one way only."""

    def respond(q):
        name = _qname(q)
        bad = _rr_a(BOGUS_V4)
        qid = struct.unpack("!H", q[:2])[0]
        # The 0x20 variant: the same name with the case of its first letter
        # flipped (lwipd randomises the case and wants it back unchanged).
        flipped = name[0].swapcase() + name[1:]
        relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        relay.settimeout(2)
        try:
            relay.sendto(q, (HOST_IP, 53))
            real = relay.recvfrom(512)[0]
        finally:
            relay.close()
        return [
            (SCAPY_IP, 53, _answer(q, qid=qid ^ 0x5a5a, answers=bad)),          # wrong ID
            (SCAPY_IP, 1053, _answer(q, answers=bad)),                         # wrong source port
            (HOST_IP, 53, _answer(q, answers=bad)),                            # wrong source address
            (SCAPY_IP, 53, _answer(q, question=_wire("evil.test") + q[-4:], answers=bad)),  # other name
            (SCAPY_IP, 53, _answer(q, question=_wire(flipped) + q[-4:], answers=bad)),      # other case
            (SCAPY_IP, 53, real),
        ]

    lwipd.call("dns.cache.flush")
    lwipd.call("dns.servers", servers=[SCAPY_IP])
    before = lwipd.drops()
    with ScapyServer(respond) as srv:
        r = lwipd.call("dns.resolve", name=NAME)
    assert srv.errors == [] and len(srv.queries) == 1, (srv.errors, srv.queries)
    assert r["addresses"] == [NAME_V4] and r["server"] == SCAPY_IP and r["tries"] == 1, r
    qname = _qname(srv.queries[0])
    assert qname.lower() == NAME and any(c.isalpha() for c in qname)
    assert _drop_delta(before, lwipd.drops()) == {"DNS_BAD_ID": 1, "DNS_BAD_SOURCE": 2, "DNS_BAD_QUESTION": 2}
    assert lwipd.call("dns.cache")["entries"][0]["addresses"] == [NAME_V4]


def test_query_id_port_and_case_vary(lwipd, addrs):
    """Five lookups: every one from a new port with a new ID (RFC 5452 9.2)."""
    def respond(q):
        return [(SCAPY_IP, 53, _answer(q, answers=_rr_a("10.77.0.42")))]

    lwipd.call("dns.servers", servers=[SCAPY_IP])
    started = threading.Event()
    sniffed = AsyncSniffer(iface=TAP, store=True, filter=f"udp and dst host {SCAPY_IP} and dst port 53",
                           started_callback=started.set)
    sniffed.start()
    assert started.wait(5), "sniffer never started"
    with ScapyServer(respond) as srv:
        for i in range(5):
            r = lwipd.call("dns.resolve", name=f"host{i}.vary.example")
            assert r["addresses"] == ["10.77.0.42"], r
    time.sleep(0.1)
    pkts = sniffed.stop()
    seen = [(p[UDP].sport, bytes(p[UDP].payload)[:2]) for p in pkts]
    assert len(srv.queries) == 5 and len(seen) == 5, seen
    assert len({s[0] for s in seen}) == 5 and len({s[1] for s in seen}) == 5, seen
    assert all(1024 <= s[0] for s in seen)


# ---------------------------------------------------------------------------
# Malformed answers


def _malformed(q):
    """Messages that pass the source, ID and question checks but are
    broken further on, each with a bogus address to be never used."""
    bad = _rr_a(BOGUS_V4)
    end = len(q)  # offset of the answer section: the query is header + question
    fixed = struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(BOGUS_V4)
    return [
        # A pointer to itself (RFC 1035 4.1.4 pointers go to a prior name).
        _answer(q, answers=struct.pack("!H", 0xc000 | end) + fixed),
        # Two pointers pointing at each other.
        _answer(q, answers=struct.pack("!HH", 0xc000 | (end + 2), 0xc000 | end) + fixed),
        # A pointer far beyond the end of the message.
        _answer(q, answers=struct.pack("!H", 0xc000 | 0x3fff) + fixed),
        # Three answers counted, one present.
        _answer(q, answers=bad, ancount=3),
        # RDLENGTH running past the end.
        _answer(q, answers=b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 40) + socket.inet_aton(BOGUS_V4)),
        # A label running past the end.
        _answer(q, answers=b"\x3fabc"),
    ]


def test_malformed_answers_ignored_and_counted(lwipd, addrs):
    def respond(q):
        short = q[:8]
        not_response = _answer(q, flags=0x0100, answers=_rr_a(BOGUS_V4))
        good = _answer(q, answers=_rr_a("10.77.0.43"))
        return [(SCAPY_IP, 53, m) for m in [short, not_response] + _malformed(q) + [good]]

    lwipd.call("dns.servers", servers=[SCAPY_IP])
    before = lwipd.drops()
    with ScapyServer(respond) as srv:
        r = lwipd.call("dns.resolve", name="broken.example")
    assert srv.errors == [] and len(srv.queries) == 1, (srv.errors, srv.queries)
    assert r["addresses"] == ["10.77.0.43"] and r["tries"] == 1, r
    assert _drop_delta(before, lwipd.drops()) == {"DNS_SHORT": 1, "DNS_NOT_RESPONSE": 1, "DNS_MALFORMED": 6}
    assert lwipd.call("status")["pid"] > 0


def test_truncated_answer_reported(lwipd, addrs):
    def respond(q):
        # TC set (RFC 1035 4.1.1) with an address that must not be used.
        return [(SCAPY_IP, 53, _answer(q, flags=0x8780, answers=_rr_a(BOGUS_V4)))]

    lwipd.call("dns.servers", servers=[SCAPY_IP])
    with ScapyServer(respond) as srv:
        code, msg = _err(lwipd.client().request("dns.resolve", name="big.example"))
    assert srv.errors == []
    assert code == "failed" and msg.startswith("truncated:") and "big.example" in msg, msg
    assert all(e["name"] != "big.example" for e in lwipd.call("dns.cache")["entries"])


def test_malformed_only_times_out(lwipd, addrs):
    """Nothing but broken answers: the lookup keeps waiting and ends in a
    plain timeout, with every try's answers counted."""
    def respond(q):
        return [(SCAPY_IP, 53, _malformed(q)[0])]

    lwipd.call("dns.servers", servers=[SCAPY_IP])
    before = lwipd.drops()
    with ScapyServer(respond) as srv:
        code, msg = _err(lwipd.client().request("dns.resolve", name="loop.example"))
    assert code == "timeout" and "3 queries" in msg, msg
    assert len(srv.queries) == 3
    assert _drop_delta(before, lwipd.drops()) == {"DNS_MALFORMED": 3}
    assert lwipd.call("status")["pid"] > 0


# ---------------------------------------------------------------------------
# Failover when the first server dies (last: dnsmasq stays down)


def test_failover_when_dnsmasq_dies(lwipd, dnsmasq, unbound):  # noqa: F811
    lwipd.call("dns.cache.flush")
    lwipd.call("dns.servers", servers=[HOST_IP, UNBOUND_IP])
    r = lwipd.call("dns.resolve", name=NAME)
    assert r["addresses"] == [NAME_V4] and r["server"] == HOST_IP and r["server_index"] == 0, r
    dnsmasq.stop()
    # From the cache, the first server's answer still stands ...
    assert lwipd.call("dns.resolve", name=NAME)["source"] == "cache"
    # ... and a fresh lookup goes to unbound after three tries of dnsmasq.
    assert lwipd.call("dns.cache.flush")["flushed"] == 1
    t0 = time.time()
    r = lwipd.call("dns.resolve", name=NAME)
    took = time.time() - t0
    assert r["addresses"] == [UNBOUND_V4] and r["server"] == UNBOUND_IP and r["server_index"] == 1, r
    assert r["tries"] == 4 and 6900 <= r["elapsed_ms"] < 7500 and took < 8, (r, took)
    assert lwipd.call("status")["pid"] > 0
