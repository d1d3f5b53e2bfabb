"""Case 8: 5,000 connections opened and reset.

Linux clients with SO_LINGER 0 connect to tcp-echo and tcp-discard, send a
little, and close at once (RST), some while lwipd is still echoing to them,
some before they sent anything.  Both ways a listener takes a connection
are covered, each for 2,500 connections:

- through the SYN queue: batches of 50, below its 192 entries;
- through SYN cookies: batches of 250 while crafted half-open handshakes
  fill both listeners' SYN queues (192 each, TCP_SYN_QUEUE_MAX), so every
  Linux connection is answered with a cookie (counted: TCP_SYN_COOKIE).

After each half, every connection lwipd accepted must be gone, and at the
end every pool and the heap back to the baseline."""
import random
import time


from stress_util import DISCARD, ECHO, KB, LWIPD_IP, MSS_OPT, RST, SLOW, SYN, L2, close_all, open_many, \
    tcp_frame, wait_back, wait_tap_drained

HALF = 2500
HALF_OPEN_IP = "10.77.0.88"
HALF_OPEN_MAC = "02:00:00:00:88:88"
SYN_QUEUE = 192  # include/lwip/priv/tcp_priv.h TCP_SYN_QUEUE_MAX (per listener, memp_num_tcp_synq 1024)


class HalfOpen:
    """Crafted handshakes that never complete, holding a listener's SYN
    queue full; release() resets them."""

    def __init__(self, d, port, n):
        self.d, self.port, self.isn = d, port, {}
        self.mac = d.tap_netif()["mac"]
        rng = random.Random(port)
        self.l2 = L2()
        for sport in range(30000, 30000 + n):
            self.isn[sport] = rng.randrange(1 << 32)
            self.l2.send(self._frame(sport, SYN, self.isn[sport], MSS_OPT))
        self.held = 0
        end = time.monotonic() + 2 * SLOW
        while time.monotonic() < end:
            self.held = sum(1 for c in d.call("tcp.list")["connections"]
                            if c["remote"] == HALF_OPEN_IP and c["local_port"] == port and c["state"] == "SYN_RCVD")
            if self.held >= SYN_QUEUE:
                break
            time.sleep(0.05)

    def _frame(self, sport, flags, seq, opts=b""):
        return tcp_frame(self.mac, HALF_OPEN_MAC, HALF_OPEN_IP, LWIPD_IP, sport, self.port, seq, 0, flags,
                         options=opts, win=64240)

    def release(self):
        for sport, isn in self.isn.items():
            self.l2.send(self._frame(sport, RST, isn + 1))
        self.l2.close()


def _storm(d, n, batch, rounds_s):
    """@p n connections in batches of @p batch, alternately to tcp-echo and
    tcp-discard; two thirds send 4 KiB before the RST (tcp-echo is echoing
    back when it comes), the rest reset right after the handshake.
    @return (opened, failures, seconds)."""
    opened, failures, t0 = 0, [], time.monotonic()
    for i in range(n // batch):
        if time.monotonic() - t0 > rounds_s:
            break
        socks, fails = open_many(batch, ECHO if i % 2 == 0 else DISCARD, batch=batch, deadline_s=10 * SLOW,
                                 linger0=True)
        failures += fails
        opened += len(socks)
        for j, s in enumerate(socks):
            if j % 3:
                try:
                    s.send(b"r" * (4 * KB))
                except OSError:
                    pass
        # The RSTs go once lwipd has read what is queued for it: an RST the
        # TAP drops would leave a connection nobody ever ends.
        wait_tap_drained(d, 2 * SLOW)
        close_all(socks, rst=True, d=d, chunk=batch)
    return opened, failures, time.monotonic() - t0


def _left(d, env, acc0):
    """Wait (5 s at most) until the apps hold no connection.  @return
    (accepted since @p acc0, still open, Linux connections in tcp.list)."""
    deadline = time.monotonic() + 5 * SLOW
    while True:
        apps = {name: env.app(name) for name in ("tcp-echo", "tcp-discard")}
        if all(a["open"] == 0 for a in apps.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    accepted = sum(apps[n]["connections"] - acc0[n] for n in apps)
    still_open = sum(a["open"] for a in apps.values())
    left = len([c for c in d.call("tcp.list")["connections"]
                if c["local_port"] in (ECHO, DISCARD) and c["remote"] != HALF_OPEN_IP])
    return accepted, still_open, left


def test_5000_connections_reset(env):
    d = env.d
    results, problems = [], []
    for path, batch in (("SYN queue", 50), ("SYN cookies", 250)):
        drops0 = d.drops()
        acc0 = {name: env.app(name)["connections"] for name in ("tcp-echo", "tcp-discard")}
        half_open = []
        if path == "SYN cookies":
            d.call("arp.add", ip=HALF_OPEN_IP, mac=HALF_OPEN_MAC)
            half_open = [HalfOpen(d, port, SYN_QUEUE + 4) for port in (ECHO, DISCARD)]
        try:
            opened, failures, secs = _storm(d, HALF, batch, 30 * SLOW)
        finally:
            for h in half_open:
                h.release()
            if half_open:
                d.call("arp.del", ip=HALF_OPEN_IP)
        accepted, still_open, left = _left(d, env, acc0)
        drops = {k: v - drops0.get(k, 0) for k, v in d.drops().items()
                 if k.startswith("TCP_") and v != drops0.get(k, 0)}
        held = [h.held for h in half_open]
        results.append(f"{path}: {opened} reset in {secs:.1f} s, {len(failures)} failed, accepted {accepted}, "
                       f"{still_open} left open ({left} in tcp.list)"
                       + (f", half-open held {held}" if half_open else "") + f", TCP drops {drops}")
        if failures or opened != HALF or accepted != HALF or still_open or left:
            problems.append(f"{path}: {opened} opened, {len(failures)} failed {failures[:2]}, accepted {accepted}, "
                            f"{still_open} open, {left} in tcp.list")
        if half_open and (min(held) < SYN_QUEUE or drops.get("TCP_SYN_COOKIE", 0) < HALF):
            problems.append(f"{path}: the SYN queues were not full (held {held}), "
                            f"{drops.get('TCP_SYN_COOKIE', 0)} cookies for {HALF} connections")
    back, now, wait_s = wait_back(d, env.base, 5 * SLOW)
    outcome = "; ".join(results) + f"; {'back' if back else 'NOT back'} after {wait_s:.1f} s"
    env.after_case("8 reset storm", f"{2 * HALF} conns reset (SO_LINGER 0)", outcome)
    assert not problems, problems
    assert back, now
