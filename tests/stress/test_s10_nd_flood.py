"""Case 10: the IPv6 neighbor cache flooded from random sources.

The ND twin of case 7.  Tens of thousands of Neighbor Solicitations for
lwipd's address, each from a random link-local or global source with a
random MAC in its Source Link-Layer Address option (each would create a
STALE entry, RFC 4861 7.2.3, and draw an NA that moves it to DELAY), plus
unsolicited Neighbor Advertisements for random targets (never creating an
entry, 7.2.5), solicitations for other targets, and DAD probes from ::.
The cache stays bounded (ND6_NUM_NEIGHBORS entries), the pools do not
grow, and the real neighbour (the Linux side) keeps resolving both ways:
ping -6 from Linux and from lwipd is answered during the flood and after.
"""
import ipaddress
import random
import struct
import subprocess
import time

import pytest

from stress_util import SLOW, StressEnv, csum, flood_while_pinging, mac_bytes, random_mac, running_lwipd

N_FRAMES = 150000  # 3 s at RATE, as long as the pings below
RATE = 50000
ND6_NUM_NEIGHBORS = 64  # meson.build, daemon profile
HOST6 = "fd00:77::1"
LWIPD6 = "fd00:77::2"


@pytest.fixture(scope="module")
def lwipd():
    with running_lwipd(extra_args=["--ip6", f"{LWIPD6}/64", "--host-ip6", f"{HOST6}/64"]) as d:
        deadline = time.monotonic() + 6 * SLOW
        while time.monotonic() < deadline:
            if sum(1 for a in d.tap_netif()["ip6"] if a["state"] == "preferred") >= 2:
                break
            time.sleep(0.1)
        yield d


@pytest.fixture(scope="module")
def env(lwipd):
    return StressEnv(lwipd).setup()


def _ip6(a):
    return ipaddress.IPv6Address(a).packed


def _icmp6_frame(src_mac, dst_mac, src, dst, icmp):
    """Ethernet + IPv6 (hop limit 255, RFC 4861 7.1) + ICMPv6 with its
    checksum over the pseudo-header (RFC 8200 8.1)."""
    s, d = _ip6(src), _ip6(dst)
    pseudo = s + d + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    ip = struct.pack("!IHBB", 0x60000000, len(icmp), 58, 255) + s + d
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + b"\x86\xdd" + ip + icmp


def _solicited(addr):
    b = _ip6(addr)
    group = "ff02::1:ff%02x:%02x%02x" % (b[13], b[14], b[15])
    return group, "33:33:ff:%02x:%02x:%02x" % (b[13], b[14], b[15])


def _ns(src_mac, src, target, sllao=True):
    group, gmac = _solicited(target)
    body = struct.pack("!BBHI", 135, 0, 0, 0) + _ip6(target)
    if sllao:
        body += b"\x01\x01" + mac_bytes(src_mac)
    return _icmp6_frame(src_mac, gmac, src, group, body)


def _na(src_mac, src, target):
    # Unsolicited, Override set, to all-nodes, with the Target Link-Layer option.
    body = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + _ip6(target) + b"\x02\x01" + mac_bytes(src_mac)
    return _icmp6_frame(src_mac, "33:33:00:00:00:01", src, "ff02::1", body)


def _rand_iid(rng):
    return "%x:%x:%x:%x" % tuple(rng.randrange(1, 0xffff) for _ in range(4))


def _frames(n, seed):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        mac = random_mac(rng)
        kind = i % 6
        if kind in (0, 1):
            out.append(_ns(mac, "fe80::" + _rand_iid(rng), LWIPD6))  # for lwipd, link-local source
        elif kind == 2:
            out.append(_ns(mac, "fd00:77::" + _rand_iid(rng), LWIPD6))  # for lwipd, on-link global source
        elif kind == 3:
            out.append(_na(mac, "fe80::" + _rand_iid(rng), "fd00:77::" + _rand_iid(rng)))  # unsolicited NA
        elif kind == 4:
            out.append(_ns(mac, "fe80::" + _rand_iid(rng), "fd00:77::" + _rand_iid(rng)))  # someone else
        else:
            out.append(_ns(mac, "::", "fd00:77::" + _rand_iid(rng), sllao=False))  # DAD probe
    return out


def _lwipd_ping(d, count, interval_ms=200):
    r = d.client()
    rep = r.request("ping", dst=HOST6, count=count, interval_ms=interval_ms, timeout_ms=1000)
    r.close()
    return rep.get("result", {}).get("received", 0)


def test_nd_cache_flood(env):
    d = env.d
    frames = _frames(20000, seed=10)
    st0 = d.call("stats", all=True)
    f = flood_while_pinging(d, frames, N_FRAMES, RATE, LWIPD6, HOST6, lambda: d.call("nd.list")["neighbors"], six=True)
    sent, flood_s, sizes, peak = f["sent"], f["seconds"], f["sizes"], f["peak"]
    linux_rx, lwipd_rx = f["linux_rx"], f["lwipd_rx"]
    st1 = d.call("stats", all=True)
    nd_rx = st1["protocols"]["nd6"]["recv"] - st0["protocols"]["nd6"]["recv"]
    full = st1["drops"].get("ND6_TABLE_FULL", 0) - st0["drops"].get("ND6_TABLE_FULL", 0)
    r = subprocess.run(["ping", "-6", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "1", LWIPD6],
                       capture_output=True, text=True, timeout=30)
    after_linux = r.returncode == 0
    after_lwipd = _lwipd_ping(d, 3)
    outcome = (f"lwipd read {nd_rx} ND; cache max {max(sizes)} entries (size {ND6_NUM_NEIGHBORS}), "
               f"{full} table-full drops; ping -6 during: linux {linux_rx}/15, lwipd {lwipd_rx}/15; "
               f"after: linux {'3/3' if after_linux else r.stdout.strip().splitlines()[-1:]}, "
               f"lwipd {after_lwipd}/3; peak pbuf {peak.get('PBUF_POOL', 0)} heap {peak.get('HEAP', 0)}")
    # The entries the flood made age out (DELAY, PROBE, gone: RFC 4861 7.3.3)
    # within seconds; flush them so the pools compare with the baseline.
    d.call("nd.flush")
    env.after_case("10 ND cache flood", f"{sent} ND frames in {flood_s:.1f} s", outcome)
    assert max(sizes) <= ND6_NUM_NEIGHBORS, sizes
    assert after_linux and after_lwipd == 3, outcome
    assert linux_rx >= 12 and lwipd_rx >= 12, outcome
