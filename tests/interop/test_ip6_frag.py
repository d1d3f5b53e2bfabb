"""IPv6 fragments in lwipd against Linux and hostile Scapy fragments (issue 15).

Covered: Linux `ping -6` with sizes that need fragments both ways; an echo
request in fragments sent out of order, answered in fragments that Scapy
reassembles to the right reply; an atomic fragment processed alone (RFC
6946); overlapping fragments drop the datagram and what follows for it
(RFC 5722); a first fragment without the whole header chain gets Parameter
Problem code 3 (RFC 7112); a non-final fragment not a multiple of 8 bytes
gets code 0 at the Payload Length and one past 65535 bytes code 0 at the
Fragment Offset (RFC 8200 4.5); each under its drop reason, and after a
burst of all of them the daemon answers and every pool and the heap are back
to their baseline.  The 60 s timeout and the limits are unit-tested
(tests/unit/test_ip6_frag.c), where the clock is virtual.
"""
import subprocess
import time

import pytest
from scapy.all import (
    AsyncSniffer,
    Ether,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ParamProblem,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    Raw,
    conf,
    defragment6,
    raw,
    sendp,
)

from lwipd_harness import TAP, running_lwipd

conf.verb = 0

HOST6 = "fd00:78::1"
LWIPD6 = "fd00:78::2"


@pytest.fixture(scope="module")
def lwipd():
    args = ["--ip6", f"{LWIPD6}/64", "--host-ip6", f"{HOST6}/64"]
    with running_lwipd(extra_args=args) as d:
        deadline = time.time() + 6
        while time.time() < deadline:
            if any(a["addr"] == LWIPD6 and a["state"] == "preferred" for a in d.tap_netif()["ip6"]):
                break
            time.sleep(0.1)
        # Linux learns lwipd's MAC and lwipd Linux's, so nothing below waits
        # for Neighbor Discovery.
        subprocess.run(["ping", "-6", "-c", "1", "-W", "2", LWIPD6], capture_output=True, check=False)
        yield d


def mac(d):
    return d.tap_netif()["mac"]


def drop(d, reason):
    return d.drops().get(reason, 0)


def wait_drop(d, reason, before, n=1, timeout=2.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if drop(d, reason) >= before + n:
            return
        time.sleep(0.02)
    raise AssertionError(f"{reason} did not reach {before + n}: {d.drops()}")


def exchange(d, frames, wait=1.0):
    """Send frames; return what lwipd sent meanwhile, ND and MLD left out."""
    sniffer = AsyncSniffer(iface=TAP, filter=f"ip6 and ether src {mac(d)}", store=True)
    sniffer.start()
    time.sleep(0.2)
    sendp(frames, iface=TAP)
    time.sleep(wait)
    pkts = sniffer.stop() or []
    return [p for p in pkts if IPv6 in p and not (ICMPv6ND_NS in p or ICMPv6ND_NA in p)
            and p[IPv6].payload.__class__.__name__ not in ("ICMPv6ND_RS", "ICMPv6MLReport2", "ICMPv6MLReport")]


def echo_bytes(size, seq):
    """An echo request from HOST6 to LWIPD6 as bytes, checksum included."""
    data = bytes((i * 7 + seq) & 0xff for i in range(size))
    return raw(IPv6(src=HOST6, dst=LWIPD6) / ICMPv6EchoRequest(id=0x7777, seq=seq, data=data))[40:]


def frag(d, ident, payload, offset, more, nh=58, dst=LWIPD6):
    """The frame of one fragment: payload bytes at byte offset offset."""
    return (Ether(src=d.host_mac(), dst=mac(d)) / IPv6(src=HOST6, dst=dst)
            / IPv6ExtHdrFragment(nh=nh, offset=offset // 8, m=int(more), id=ident) / Raw(payload))


def split(d, ident, msg, cuts):
    """msg in fragments starting at each offset in cuts (multiples of 8)."""
    ends = list(cuts[1:]) + [len(msg)]
    return [frag(d, ident, msg[a:b], a, b < len(msg)) for a, b in zip(cuts, ends)]


def pools(d):
    st = d.call("stats")
    return {p["name"]: p["used"] for p in st["pools"]}, st["heap"]["used"]


def ping6(size):
    return subprocess.run(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "-s", str(size), LWIPD6],
                          capture_output=True, text=True)


@pytest.mark.parametrize("size", [1500, 4000, 9000, 30000])
def test_linux_ping_in_fragments(lwipd, size):
    r = ping6(size)
    assert r.returncode == 0 and " 0% packet loss" in r.stdout, r.stdout + r.stderr


def test_out_of_order_fragments_answered_in_fragments(lwipd):
    msg = echo_bytes(3000, 1)
    frames = split(lwipd, 0x1001, msg, [0, 800, 1600, 2400])
    pkts = exchange(lwipd, [frames[3], frames[1], frames[0], frames[2]])
    frags = [p for p in pkts if IPv6ExtHdrFragment in p]
    assert len(frags) == 3, [p.summary() for p in pkts]  # 3048 bytes at MTU 1500
    assert len({p[IPv6ExtHdrFragment].id for p in frags}) == 1
    assert all(len(p[IPv6]) <= 1500 for p in frags)
    whole = defragment6(frags)
    rep = whole[ICMPv6EchoReply]
    assert rep.id == 0x7777 and rep.seq == 1 and bytes(rep.data) == bytes(msg[8:])


def test_reply_identifications_differ(lwipd):
    ids = []
    for seq in (2, 3):
        pkts = exchange(lwipd, split(lwipd, 0x1002 + seq, echo_bytes(2000, seq), [0, 1232]))
        ids += list({p[IPv6ExtHdrFragment].id for p in pkts if IPv6ExtHdrFragment in p})
    assert len(ids) == 2 and ids[0] != ids[1], ids


def test_atomic_fragment_processed_alone(lwipd):
    """RFC 6946: offset 0 and M clear is the whole packet, even while a
    datagram with its identification waits."""
    msg = echo_bytes(64, 4)
    pkts = exchange(lwipd, [frag(lwipd, 0x1010, msg[:24], 0, True), frag(lwipd, 0x1010, msg, 0, False)])
    assert len([p for p in pkts if ICMPv6EchoReply in p]) == 1, [p.summary() for p in pkts]
    # the waiting datagram is still whole-able: its last piece completes it
    pkts = exchange(lwipd, [frag(lwipd, 0x1010, msg[24:], 24, False)])
    assert len([p for p in pkts if ICMPv6EchoReply in p]) == 1, [p.summary() for p in pkts]


def test_overlap_drops_datagram_and_later_fragments(lwipd):
    before_o, before_a = drop(lwipd, "IP6_FRAG_OVERLAP"), drop(lwipd, "IP6_FRAG_ABANDONED")
    msg = echo_bytes(2000, 5)
    frames = [frag(lwipd, 0x1020, msg[:1232], 0, True),
              frag(lwipd, 0x1020, msg[1224:1240], 1224, True),  # overlaps by 8 bytes
              frag(lwipd, 0x1020, msg[1232:], 1232, False),     # would complete it
              frag(lwipd, 0x1020, msg[:1232], 0, True)]
    pkts = exchange(lwipd, frames)
    assert not [p for p in pkts if ICMPv6EchoReply in p or ICMPv6ParamProblem in p], [p.summary() for p in pkts]
    wait_drop(lwipd, "IP6_FRAG_OVERLAP", before_o)
    wait_drop(lwipd, "IP6_FRAG_ABANDONED", before_a, n=2)


def param_problems(pkts):
    return [(p[ICMPv6ParamProblem].code, p[ICMPv6ParamProblem].ptr) for p in pkts if ICMPv6ParamProblem in p]


def test_tiny_first_fragment_parameter_problem_3(lwipd):
    """RFC 7112 / RFC 8200 4.5: a first fragment holding a Destination
    Options header and nothing of the ICMPv6 header it names; then one
    holding 8 bytes of a TCP header (20 needed)."""
    before = drop(lwipd, "IP6_FRAG_INCOMPLETE_CHAIN")
    pkts = exchange(lwipd, [frag(lwipd, 0x1030, raw(IPv6ExtHdrDestOpt(nh=58)), 0, True, nh=60),
                            frag(lwipd, 0x1031, raw(IPv6ExtHdrDestOpt(nh=6)) + b"\0" * 8, 0, True, nh=60)])
    assert param_problems(pkts) == [(3, 0), (3, 0)], [p.summary() for p in pkts]
    wait_drop(lwipd, "IP6_FRAG_INCOMPLETE_CHAIN", before, n=2)


def test_fragment_not_multiple_of_8(lwipd):
    before = drop(lwipd, "IP6_FRAG_BAD_LEN")
    pkts = exchange(lwipd, [frag(lwipd, 0x1040, echo_bytes(64, 7)[:13], 0, True)])
    assert param_problems(pkts) == [(0, 4)], [p.summary() for p in pkts]
    wait_drop(lwipd, "IP6_FRAG_BAD_LEN", before)


def test_fragment_past_65535(lwipd):
    before = drop(lwipd, "IP6_FRAG_TOO_BIG")
    pkts = exchange(lwipd, [frag(lwipd, 0x1050, b"\0" * 16, 65528, False)])
    assert param_problems(pkts) == [(0, 42)], [p.summary() for p in pkts]
    wait_drop(lwipd, "IP6_FRAG_TOO_BIG", before)


def test_hostile_fragment_burst_pools_back_to_baseline(lwipd):
    """Every hostile case above many times, plus complete datagrams: nothing
    is left held (each abandoned or refused datagram frees its fragments at
    once), the daemon answers, pools and heap are back where they were."""
    base_pools, base_heap = pools(lwipd)
    frames = []
    for i in range(40):
        ident = 0x2000 + i
        msg = echo_bytes(2000, i)
        frames += [frag(lwipd, ident, msg[:1232], 0, True), frag(lwipd, ident, msg[1224:1240], 1224, True),
                   frag(lwipd, ident + 0x1000, msg[:13], 0, True),
                   frag(lwipd, ident + 0x2000, b"\0" * 16, 65528, False),
                   frag(lwipd, ident + 0x3000, (raw(IPv6ExtHdrDestOpt(nh=6)) + b"\0" * 8), 0, True, nh=60)]
        frames += split(lwipd, ident + 0x4000, msg, [0, 1232])
    sendp(frames, iface=TAP)
    assert lwipd.call("status")["version"]
    deadline = time.time() + 5
    while True:
        now_pools, now_heap = pools(lwipd)
        if (now_pools, now_heap) == (base_pools, base_heap) or time.time() > deadline:
            break
        time.sleep(0.2)
    diff = {k: (base_pools[k], now_pools.get(k)) for k in base_pools if base_pools[k] != now_pools.get(k)}
    assert not diff and now_heap == base_heap, (diff, base_heap, now_heap)
    assert base_pools.get("IP6_FRAG") == 0  # earlier tests left nothing waiting
    r = ping6(4000)
    assert r.returncode == 0, r.stdout


def test_reassembly_state_shown(lwipd):
    """reass6.list (and lwipctl reass6) show a datagram waiting for its
    last fragment: source, id, fragments, bytes; it goes when completed."""
    msg = echo_bytes(2000, 9)
    first, last = split(lwipd, 0x2468, msg, [0, 1200])
    sendp(first, iface=TAP)
    deadline = time.time() + 2
    held = []
    while time.time() < deadline and not held:
        held = [x for x in lwipd.call("reass6.list")["datagrams"] if x["id"] == 0x2468]
        time.sleep(0.05)
    assert held, lwipd.call("reass6.list")
    x = held[0]
    assert x["src"] == HOST6 and x["fragments"] == 1 and x["data_bytes"] == 1200, x
    assert x["have_first"] and not x["have_last"], x
    totals = lwipd.call("reass6.list")["totals"]
    assert totals["datagrams"] >= 1 and 0 < totals["bytes"] <= totals["max_bytes"], totals
    out = lwipd.lwipctl("reass6").stdout
    assert HOST6 in out and str(0x2468) in out, out
    pkts = exchange(lwipd, [last])
    assert any(ICMPv6EchoReply in p or IPv6ExtHdrFragment in p for p in pkts), [p.summary() for p in pkts]
    assert not [x for x in lwipd.call("reass6.list")["datagrams"] if x["id"] == 0x2468]
