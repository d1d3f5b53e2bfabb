"""MLD (RFC 3810, RFC 2710) in lwipd, on the wire (issue 15).

lwipd runs with a static global address; --pcap records every frame it
sends from its first moment.  A Scapy querier on Linux's side of the TAP
sends MLDv2 and MLDv1 queries from Linux's link-local address.

Covered: the start-up reports (CHANGE_TO_EXCLUDE for the solicited-node
groups, from :: while the link-local address is tentative, hop limit 1,
Router Alert, to ff02::16); a General Query answered within the Maximum
Response Delay with MODE_IS_EXCLUDE for every group but all-nodes; a
Multicast Address Specific Query answered for that group only; queries
with hop limit 2, a global source or no Router Alert dropped under their
reasons and unanswered; an MLDv1 Query answered with MLDv1 Reports
(compatibility mode, last because it lasts 260 s).
"""
import ipaddress
import os
import re
import subprocess
import tempfile
import time

import pytest
from scapy.all import AsyncSniffer, Ether, IPv6, IPv6ExtHdrHopByHop, conf, rdpcap, sendp
from scapy.layers.inet6 import ICMPv6MLQuery, ICMPv6MLQuery2, ICMPv6MLReport, ICMPv6MLReport2, RouterAlert

from lwipd_harness import TAP, running_lwipd

conf.verb = 0

HOST6 = "fd00:77::1"
LWIPD6 = "fd00:77::2"
CHANGE_TO_EXCLUDE = 4
MODE_IS_EXCLUDE = 2


@pytest.fixture(scope="module")
def pcap_dir():
    d = tempfile.mkdtemp(prefix="lwipd-mld-")
    yield d
    subprocess.run(["rm", "-rf", d], check=False)


@pytest.fixture(scope="module")
def lwipd(pcap_dir):
    args = ["--ip6", f"{LWIPD6}/64", "--host-ip6", f"{HOST6}/64", "--pcap", os.path.join(pcap_dir, "start.pcap")]
    with running_lwipd(extra_args=args) as d:
        deadline = time.time() + 6
        while sum(1 for a in d.tap_netif()["ip6"] if a["state"] == "preferred") < 2:
            assert time.time() < deadline, d.tap_netif()["ip6"]
            time.sleep(0.1)
        time.sleep(1.5)  # the start-up reports and their repeats are over
        yield d


def link_local(d):
    return next(a["addr"] for a in d.tap_netif()["ip6"] if a["origin"] == "link-local")


def host_link_local():
    out = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", TAP, "scope", "link"],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"inet6 (fe80::[0-9a-f:]+)/", out)
    assert m, out
    return m.group(1)


def solicited_node(addr):
    b = ipaddress.IPv6Address(addr).packed
    return str(ipaddress.IPv6Address(bytes.fromhex("ff0200000000000000000001ff") + b[13:]))


def mcast_mac(group):
    b = ipaddress.IPv6Address(group).packed
    return "33:33:%02x:%02x:%02x:%02x" % tuple(b[12:])


def query(d, msg, dst="ff02::1", src=None, hlim=1, ra=True):
    ip = IPv6(src=src or host_link_local(), dst=dst, hlim=hlim)
    hbh = IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) if ra else None
    pkt = Ether(src=d.host_mac(), dst=mcast_mac(dst)) / ip
    return pkt / hbh / msg if hbh is not None else pkt / msg


def sniff_mld(d, frames, wait):
    """Send frames, return lwipd's MLD messages seen within wait seconds
    with their arrival time after the send."""
    sniffer = AsyncSniffer(iface=TAP, filter=f"ip6 and ether src {d.tap_netif()['mac']}", store=True)
    sniffer.start()
    time.sleep(0.2)
    t0 = time.time()
    sendp(frames, iface=TAP)
    time.sleep(wait)
    pkts = sniffer.stop() or []
    return [(p.time - t0, p) for p in pkts
            if any(c in p for c in (ICMPv6MLReport2, ICMPv6MLReport))]


def check_envelope(p, src):
    """RFC 3810 5: hop limit 1, a Hop-by-Hop Router Alert of value 0."""
    assert p[IPv6].hlim == 1, p.summary()
    assert p[IPv6].src == src, p.summary()
    hbh = p[IPv6ExtHdrHopByHop]
    assert any(isinstance(o, RouterAlert) and o.value == 0 for o in hbh.options), p.show(dump=True)


def records(p):
    """(type, group) of each Multicast Address Record (RFC 3810 5.2.4),
    read from the bytes: Scapy 2.5 dissects only the first record."""
    m = bytes(p[ICMPv6MLReport2])
    out, off = set(), 8
    for _ in range(int.from_bytes(m[6:8], "big")):
        assert off + 20 <= len(m), m.hex()
        nsrc = int.from_bytes(m[off + 2:off + 4], "big")
        out.add((m[off], str(ipaddress.IPv6Address(m[off + 4:off + 20]))))
        off += 20 + 16 * nsrc + 4 * m[off + 1]
    assert off == len(m), m.hex()
    return out


def test_startup_reports(lwipd, pcap_dir):
    mac = lwipd.tap_netif()["mac"]
    ll = link_local(lwipd)
    pkts = [p for p in rdpcap(os.path.join(pcap_dir, "start.pcap")) if p[Ether].src == mac and ICMPv6MLReport2 in p]
    assert pkts, "no MLDv2 report at start-up"
    for p in pkts:
        assert p[IPv6].dst == "ff02::16"
        check_envelope(p, p[IPv6].src)
        assert p[IPv6].src in ("::", ll)
    got = set().union(*(records(p) for p in pkts))
    assert (CHANGE_TO_EXCLUDE, solicited_node(ll)) in got, got
    assert (CHANGE_TO_EXCLUDE, solicited_node(LWIPD6)) in got, got
    assert not any(g == "ff02::1" for _, g in got), got
    # RFC 3810 5.2.13: the first reports leave before the link-local
    # address has passed DAD, from the unspecified address.
    assert pkts[0][IPv6].src == "::", pkts[0].summary()


def test_stats_have_mld6(lwipd):
    st = lwipd.call("stats", all=True)
    assert "mld6" in st["protocols"]
    assert st["protocols"]["mld6"]["xmit"] >= 2, st["protocols"]["mld6"]
    assert "MLD6_NO_ROUTER_ALERT" in st["drops"]


def test_general_query_answered(lwipd):
    ll = link_local(lwipd)
    got = sniff_mld(lwipd, query(lwipd, ICMPv6MLQuery2(mrd=1000)), 2.0)
    assert len(got) == 1, [p.summary() for _, p in got]
    t, p = got[0]
    assert t < 1.0 + 0.5, t  # Maximum Response Delay 1000 ms, some slack for the VM
    assert p[IPv6].dst == "ff02::16"
    check_envelope(p, ll)
    recs = records(p)
    assert (MODE_IS_EXCLUDE, solicited_node(ll)) in recs, recs
    assert (MODE_IS_EXCLUDE, solicited_node(LWIPD6)) in recs, recs
    assert all(rtype == MODE_IS_EXCLUDE and g != "ff02::1" for rtype, g in recs), recs


def test_group_specific_query_answered(lwipd):
    ll = link_local(lwipd)
    g = solicited_node(LWIPD6)
    got = sniff_mld(lwipd, query(lwipd, ICMPv6MLQuery2(mrd=500, mladdr=g), dst=g), 1.5)
    assert len(got) == 1, [p.summary() for _, p in got]
    check_envelope(got[0][1], ll)
    assert records(got[0][1]) == {(MODE_IS_EXCLUDE, g)}


@pytest.mark.parametrize("bad,reason", [
    ({"hlim": 2}, "MLD6_BAD_HOPLIM"),
    ({"src": HOST6}, "MLD6_BAD_SRC"),
    ({"ra": False}, "MLD6_NO_ROUTER_ALERT"),
])
def test_invalid_query_dropped(lwipd, bad, reason):
    before = lwipd.drops().get(reason, 0)
    got = sniff_mld(lwipd, query(lwipd, ICMPv6MLQuery2(mrd=300), **bad), 1.0)
    assert got == [], [p.summary() for _, p in got]
    assert lwipd.drops().get(reason, 0) == before + 1, lwipd.drops()


def test_v1_query_compatibility_mode(lwipd):
    """Last: the compatibility mode lasts 260 s (RFC 3810 9.12)."""
    ll = link_local(lwipd)
    got = sniff_mld(lwipd, query(lwipd, ICMPv6MLQuery(mrd=1000)), 2.0)
    v1 = [p for _, p in got if ICMPv6MLReport in p]
    assert not any(ICMPv6MLReport2 in p for _, p in got)
    groups = {p[ICMPv6MLReport].mladdr for p in v1}
    assert groups == {solicited_node(ll), solicited_node(LWIPD6)}, [p.summary() for p in v1]
    for p in v1:
        check_envelope(p, ll)
        assert p[IPv6].dst == p[ICMPv6MLReport].mladdr  # RFC 2710 3: to the group
