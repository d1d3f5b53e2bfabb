"""Case 7: the ARP cache flooded from random sources.

Tens of thousands of ARP requests for lwipd, unsolicited replies and
gratuitous ARPs, each from a random address on the link (never the host's)
with a random MAC, plus requests from off-link addresses and for other
hosts.  The table stays bounded (ARP_TABLE_SIZE entries), the pools do not
grow, and the real neighbour (the Linux side) still resolves both ways:
pings from Linux and from lwipd are answered during the flood and after."""
import random

from stress_util import HOST_IP, LWIPD_IP, arp_frame, flood_while_pinging, ping, random_mac

N_FRAMES = 150000  # 3 s at RATE: as long as the pings below
RATE = 50000  # frames/s: lwipd keeps up, so a lost ping is lwipd's doing
ARP_TABLE_SIZE = 64  # meson.build, daemon profile


def _frames(lwipd_mac, n, seed):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        mac = random_mac(rng)
        ip = f"10.77.0.{rng.randrange(3, 255)}"
        kind = i % 6
        if kind in (0, 1):
            out.append(arp_frame(mac, 1, ip, LWIPD_IP))  # request for lwipd
        elif kind == 2:
            out.append(arp_frame(mac, 2, ip, LWIPD_IP, dst_mac=lwipd_mac, hwdst=lwipd_mac))  # unsolicited reply
        elif kind == 3:
            out.append(arp_frame(mac, 1, ip, ip))  # gratuitous
        elif kind == 4:
            out.append(arp_frame(mac, 1, ip, f"10.77.0.{rng.randrange(3, 255)}"))  # for someone else
        else:
            out.append(arp_frame(mac, 1, f"10.{rng.randrange(256)}.{rng.randrange(256)}.9", LWIPD_IP))  # off-link
    return out


def test_arp_cache_flood(env):
    d = env.d
    mac = d.tap_netif()["mac"]
    frames = _frames(mac, N_FRAMES, seed=7)
    st0 = d.call("stats", all=True)
    # Pings in both directions while the flood runs (3 s of them).
    f = flood_while_pinging(d, frames, N_FRAMES, RATE, LWIPD_IP, HOST_IP, lambda: d.call("arp.list")["entries"])
    sent, flood_s, sizes, peak = f["sent"], f["seconds"], f["sizes"], f["peak"]
    linux_rx, lwipd_rx = f["linux_rx"], f["lwipd_rx"]
    st1 = d.call("stats", all=True)
    arp_rx = st1["protocols"]["arp"]["recv"] - st0["protocols"]["arp"]["recv"]
    table_full = st1["drops"]["ARP_TABLE_FULL"] - st0["drops"]["ARP_TABLE_FULL"]
    # After the flood, from the caches as the flood left them.
    entries = d.call("arp.list")["entries"]
    host = [e for e in entries if e["ip"] == HOST_IP]
    after_ok, after = ping(count=3)
    r = d.client()
    after_lwipd = r.request("ping", dst=HOST_IP, count=3, interval_ms=200, timeout_ms=1000)
    r.close()
    after_lwipd_rx = after_lwipd.get("result", {}).get("received", 0)
    outcome = (f"lwipd read {arp_rx} ARP; table max {max(sizes)} entries (size {ARP_TABLE_SIZE}), "
               f"{table_full} table-full drops; pings during: linux {linux_rx}/15, lwipd {lwipd_rx}/15; "
               f"after: linux {'3/3' if after_ok else after}, lwipd {after_lwipd_rx}/3; "
               f"host entry {'kept' if host else 'evicted'}; peak pbuf {peak['PBUF_POOL']} heap {peak['HEAP']}")
    env.after_case("7 ARP cache flood", f"{sent} ARP frames in {flood_s:.1f} s", outcome)
    assert max(sizes) <= ARP_TABLE_SIZE, sizes
    assert after_ok and after_lwipd_rx == 3, outcome
    # During the flood the host must keep resolving: most pings answered
    # (the flood is paced below what lwipd reads; a lost one or two is the
    # host's entry being evicted and resolved again).
    assert linux_rx >= 12 and lwipd_rx >= 12, outcome
