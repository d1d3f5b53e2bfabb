"""Case 6: 3,000 connections whose peers vanish without FIN or RST.

The peers are crafted (no Linux socket involved): one address on the link
that Linux does not own, with a MAC of its own that lwipd is given as a
static ARP entry, so lwipd's frames to it are dropped by the kernel as
PACKET_OTHERHOST and nothing ever answers for the peer (the same trick as
tests/interop/tcp_scapy.py).  Each peer completes the handshake with
tcp-echo and sends one line; a third of them also send FIN.  Then they fall
silent: tcp-echo's reply is never acknowledged (ESTABLISHED, data in
flight), and for the FIN senders neither is lwipd's FIN (LAST_ACK).

With the give-up limits set short through `tcp.limits` (user timeout for
unacknowledged data, orphan timeout after the application closed; see
docs/tcp.md, "Giving up"), every connection must be reset (TCP_GIVE_UP)
within the limit plus a 3 s margin, with the pools and heap back to the
baseline."""
import random
import time

from stress_util import ACK, ECHO, FIN, LWIPD_IP, MSS_OPT, PSH, RST, SLOW, SYN, L2, parse_tcp, tcp_frame, \
    wait_back

N = 3000
PEER_IP = "10.77.0.66"
PEER_MAC = "02:00:00:00:66:66"
FIRST_PORT = 20000
BATCH = 50  # within the SYN queue (64): no SYN cookies needed
#: The give-up limit set for the test: longer than setting up all the
#: connections takes (well under 1 s; checked), short enough to wait for.
LIMIT_MS = int(3000 * SLOW)


def _handshakes(d, l2, lwipd_mac, deadline):
    """Connect every peer and send its line; @return (ports whose line
    tcp-echo echoed, frames seen)."""
    rng = random.Random(6)
    isn = {p: rng.randrange(1 << 32) for p in range(FIRST_PORT, FIRST_PORT + N)}
    line = {p: b"abandoned peer %05d\n" % p for p in isn}
    fin_peer = {p: (p - FIRST_PORT) % 3 == 2 for p in isn}
    synack, echoed = {}, set()

    def frame(p, flags, data=b"", opts=b""):
        seq = isn[p] if flags & SYN else isn[p] + 1
        ack = synack[p] + 1 if p in synack else 0
        return tcp_frame(lwipd_mac, PEER_MAC, PEER_IP, LWIPD_IP, p, ECHO, seq, ack, flags, data, opts, 64240)

    def absorb(f):
        t = parse_tcp(f)
        if t is None or t[1] != PEER_IP or t[3] not in isn:
            return
        _src, _dst, _sp, port, seq, _ack, flags, data = t
        if flags & SYN and flags & ACK:
            synack[port] = seq
        elif data:
            echoed.add(port)

    ports = list(isn)
    for i in range(0, N, BATCH):
        batch = ports[i:i + BATCH]
        for _try in range(3):
            todo = [p for p in batch if p not in synack]
            if not todo or time.monotonic() > deadline:
                break
            for p in todo:
                l2.send(frame(p, SYN, opts=MSS_OPT))
            l2.recv_until(lambda: all(p in synack for p in batch), absorb, 0.5)
        for _try in range(3):
            todo = [p for p in batch if p in synack and p not in echoed]
            if not todo or time.monotonic() > deadline:
                break
            for p in todo:
                l2.send(frame(p, ACK | PSH | (FIN if fin_peer[p] else 0), line[p]))
            l2.recv_until(lambda: all(p in echoed for p in batch if p in synack), absorb, 0.5)
        if not all(p in echoed for p in batch):
            break  # lwipd stopped serving: no point in queueing more
    return echoed, fin_peer


def _count_rst(l2):
    n = 0
    for f in l2.recv_all(0.2, quiet=0.01):
        t = parse_tcp(f)
        if t is not None and t[1] == PEER_IP and t[6] & RST:
            n += 1
    return n


def _ours(d):
    res = d.call("tcp.list")
    return [c for c in res["connections"] if c["remote"] == PEER_IP]


def test_3000_abandoned_connections(env):
    d = env.d
    old = d.call("tcp.limits")  # restored at the end
    d.call("tcp.limits", user_timeout_ms=LIMIT_MS, orphan_timeout_ms=LIMIT_MS, fin_wait_2_ms=LIMIT_MS)
    d.call("arp.add", ip=PEER_IP, mac=PEER_MAC)
    give_up0 = d.drops().get("TCP_GIVE_UP", 0)
    l2 = L2()
    rst_seen = 0
    try:
        mac = d.tap_netif()["mac"]
        t0 = time.monotonic()
        echoed, fin_peer = _handshakes(d, l2, mac, t0 + 20 * SLOW)
        setup_s = time.monotonic() - t0
        t_silent = time.monotonic()
        conns = _ours(d)
        assert setup_s < LIMIT_MS / 1000 * 0.8 or len(echoed) < N, \
            f"setting up took {setup_s:.1f} s, too close to the {LIMIT_MS} ms limit to tell anything"
        states = {}
        for c in conns:
            states[c["state"]] = states.get(c["state"], 0) + 1
        print(f"[stress] {len(echoed)} of {N} peers echoed in {setup_s:.1f} s; lwipd holds {len(conns)}: {states}")
        # Silence.  Each connection stalled when its echo went out (before
        # t_silent) and must be gone the limit later; 3 s margin.
        end = t_silent + LIMIT_MS / 1000 + 3 * SLOW
        left = len(conns)
        while time.monotonic() < end:
            left = len(_ours(d))
            rst_seen += _count_rst(l2)
            if left == 0:
                break
            time.sleep(0.25)
        gone_s = time.monotonic() - t_silent
        rst_seen += _count_rst(l2)
    finally:
        l2.close()
        d.call("arp.del", ip=PEER_IP)
        d.call("tcp.limits", **old)
    back, now, wait_s = wait_back(d, env.base, 5 * SLOW)
    given_up = d.drops().get("TCP_GIVE_UP", 0) - give_up0
    outcome = (f"{len(echoed)} echoed ({sum(fin_peer[p] for p in echoed)} with FIN), lwipd held {len(conns)} "
               f"{states}; limits {LIMIT_MS} ms: {left} left after {gone_s:.1f} s, {given_up} TCP_GIVE_UP, "
               f"{rst_seen} RST to the peers; "
               f"memory {'back' if back else 'NOT back'}")
    env.after_case("6 abandoned conns", f"{N} crafted peers gone silent", outcome)
    assert len(echoed) == N, f"only {len(echoed)} of {N} connections were set up"
    assert len(conns) == N, states
    assert left == 0, f"{left} connections still there {gone_s:.1f} s after the peers went silent"
    # docs/tcp.md "Giving up": each is reset and counted as TCP_GIVE_UP.
    assert given_up == N, outcome
    assert back, now
