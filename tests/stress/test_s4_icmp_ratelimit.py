"""Case 4: a UDP scan of 1,024 closed ports.

With the default ICMP error rate limit (read with `icmp.ratelimit`), Linux
gets at most burst + rate * elapsed port unreachables, and every other
probe that reached lwipd is counted as suppressed (`icmp.ratelimit`
`suppressed` and the drop reason ICMP_RATE_LIMIT)."""
import select
import socket
import time

from stress_util import LWIPD_IP, ping

PORTS = range(20000, 21024)


def _counters(d):
    st = d.call("stats", all=True)
    return {"suppressed": st["drops"]["ICMP_RATE_LIMIT"], "no_pcb": st["drops"]["UDP_NO_PCB"],
            "icmp_xmit": st["protocols"]["icmp"]["xmit"]}


def _scan(d):
    """@return (unreachables received, seconds from the first probe to the
    last unreachable, counter deltas)."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    raw.setblocking(False)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ports = set(PORTS)
    got, last = 0, None
    try:
        before = _counters(d)
        t0 = time.monotonic()
        for port in PORTS:
            udp.sendto(b"scan", (LWIPD_IP, port))
        end = t0 + 10
        while time.monotonic() < end:
            if not select.select([raw], [], [], 0.5)[0]:
                break  # quiet for 0.5 s: lwipd has answered what it will
            while True:
                try:
                    pkt, addr = raw.recvfrom(2048)
                except BlockingIOError:
                    break
                icmp = pkt[(pkt[0] & 15) * 4:]
                if addr[0] != LWIPD_IP or len(icmp) < 32 or icmp[0] != 3 or icmp[1] != 3:
                    continue
                q = 8 + (icmp[8] & 15) * 4
                if int.from_bytes(icmp[q + 2:q + 4], "big") in ports:
                    got += 1
                    last = time.monotonic()
        after = _counters(d)
    finally:
        udp.close()
        raw.close()
    return got, (last or t0) - t0, {k: after[k] - before[k] for k in after}


def test_udp_scan_rate_limited(env):
    d = env.d
    rl = d.call("icmp.ratelimit")
    assert rl["enabled"] and rl["rate"] > 0 and rl["burst"] > 0, rl
    ok, summary = ping(count=1)  # ARP resolved: no probe waits in a queue
    assert ok, summary
    sup0 = rl["suppressed"]
    got, elapsed, delta = _scan(d)
    rl2 = d.call("icmp.ratelimit")
    # +1: the bucket refills in whole milliseconds and our clock is read
    # after the packet arrived.
    bound = rl["burst"] + rl["rate"] * elapsed + 1
    outcome = (f"{got} unreachables in {elapsed:.2f} s (bound {bound:.0f} = {rl['burst']} + "
               f"{rl['rate']}/s x t); lwipd: {delta['no_pcb']} probes, {delta['icmp_xmit']} sent, "
               f"{delta['suppressed']} suppressed (icmp.ratelimit +{rl2['suppressed'] - sup0})")
    env.after_case("4 ICMP rate limit", f"UDP scan of {len(PORTS)} closed ports", outcome)
    assert got <= bound, outcome
    assert delta["icmp_xmit"] <= bound, outcome
    # Each probe lwipd saw was answered or suppressed, and the scan was
    # far over the limit.
    assert delta["icmp_xmit"] + delta["suppressed"] == delta["no_pcb"], delta
    assert delta["no_pcb"] > 2 * bound, (delta, bound)
    assert rl2["suppressed"] - sup0 == delta["suppressed"] > 0, (rl2, sup0, delta)
