"""ICMP error rate limiting (RFC 1812 4.3.2.8) seen from Linux: a UDP port
scan of 1,024 closed ports gets a burst of port unreachables plus the
refill rate, not one answer per port; the suppressed ones are counted; the
limit is read and changed through icmp.ratelimit, --icmp-ratelimit and the
config file."""
import json
import os
import select
import socket
import subprocess
import time

import pytest

from lwipd_harness import LWIPD_IP, Lwipd

SCAN_PORTS = 1024
FIRST_PORT = 20000  # nothing listens there: lwipd runs no app in this module


def _icmp_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setblocking(False)
    return s


def _count_port_unreachables(raw, ports, settle=0.5):
    """Drain @raw until it stays quiet for @settle seconds; count the port
    unreachables from lwipd that quote a probe to one of @ports."""
    n = 0
    while True:
        r, _, _ = select.select([raw], [], [], settle)
        if not r:
            return n
        while True:
            try:
                pkt, addr = raw.recvfrom(2048)
            except BlockingIOError:
                break
            ihl = (pkt[0] & 0x0f) * 4
            icmp = pkt[ihl:]
            if addr[0] != LWIPD_IP or len(icmp) < 8 + 20 + 4 or icmp[0] != 3 or icmp[1] != 3:
                continue
            qihl = (icmp[8] & 0x0f) * 4
            dport = int.from_bytes(icmp[8 + qihl + 2:8 + qihl + 4], "big")
            if dport in ports:
                n += 1


def _counters(d):
    st = d.call("stats", all=True)
    return {"suppressed": st["drops"]["ICMP_RATE_LIMIT"], "no_pcb": st["drops"]["UDP_NO_PCB"],
            "icmp_xmit": st["protocols"]["icmp"]["xmit"]}


def _scan(d, nports=SCAN_PORTS, first=FIRST_PORT):
    """Probe @nports closed ports as fast as Linux sends.  @return (answers
    received, counter deltas, seconds from just before the scan until the
    counters were read)."""
    # ARP is resolved first so that no probe waits in a queue.
    subprocess.run(["ping", "-c", "1", "-W", "2", LWIPD_IP], capture_output=True, check=True)
    raw = _icmp_socket()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        before = _counters(d)
        t0 = time.monotonic()
        for port in range(first, first + nports):
            udp.sendto(b"scan", (LWIPD_IP, port))
        got = _count_port_unreachables(raw, set(range(first, first + nports)))
        after = _counters(d)
        elapsed = time.monotonic() - t0
    finally:
        udp.close()
        raw.close()
    delta = {k: after[k] - before[k] for k in after}
    return got, delta, elapsed


def test_default_limit_is_on(lwipd):
    res = lwipd.call("icmp.ratelimit")
    assert set(res) == {"rate", "burst", "enabled", "suppressed"}
    assert res["enabled"] is True and res["rate"] > 0 and res["burst"] >= 1, res


@pytest.mark.parametrize("rate,burst", [(100, 50), (1, 5)])
def test_port_scan_is_limited(lwipd, rate, burst):
    """1,024 probes: at most burst + rate * elapsed answers (plus a little
    for the clocks' granularity), every other error counted as suppressed."""
    res = lwipd.call("icmp.ratelimit", rate=rate, burst=burst)  # refills the bucket
    assert (res["rate"], res["burst"], res["enabled"]) == (rate, burst, True)
    got, delta, elapsed = _scan(lwipd)
    # Each probe that reached lwipd (a closed port each: the TAP queue may
    # overflow on a loaded machine) was either answered or suppressed.
    bound = burst + rate * elapsed + 2
    assert SCAN_PORTS >= delta["no_pcb"] > 2 * bound, (delta, bound)
    assert delta["icmp_xmit"] + delta["suppressed"] == delta["no_pcb"], delta
    assert burst <= got <= bound, (got, bound, elapsed, delta)
    assert delta["icmp_xmit"] <= bound, (delta, bound)
    # icmp.ratelimit shows the same counter as stats
    assert lwipd.call("icmp.ratelimit")["suppressed"] == lwipd.drops()["ICMP_RATE_LIMIT"]


def test_lwipctl_icmp_ratelimit(lwipd):
    r = lwipd.lwipctl("icmp", "ratelimit", "100", "50")
    assert "100/s, burst 50" in r.stdout, r.stdout
    assert "suppressed: " in r.stdout, r.stdout
    r = lwipd.lwipctl("icmp", "ratelimit", json_out=True)
    res = json.loads(r.stdout)["result"]
    assert (res["rate"], res["burst"]) == (100, 50)
    r = lwipd.lwipctl("icmp", "ratelimit", "-1", check=False)
    assert r.returncode == 2 and "rate" in r.stderr


def test_rate_zero_is_unlimited(lwipd):
    res = lwipd.call("icmp.ratelimit", rate=0)
    assert res["enabled"] is False and res["rate"] == 0
    nports = 300
    got, delta, _ = _scan(lwipd, nports, FIRST_PORT + 2000)
    assert delta == {"suppressed": 0, "no_pcb": nports, "icmp_xmit": nports}, delta
    assert got == nports
    lwipd.call("icmp.ratelimit", rate=100, burst=50)


def test_echo_replies_not_limited(lwipd):
    """With the error bucket empty, ping is still answered every time."""
    lwipd.call("icmp.ratelimit", rate=1, burst=1)
    _scan(lwipd, 20, FIRST_PORT + 3000)
    # -w: wait for every reply (see test_impair_capture._ping_loss).
    r = subprocess.run(["ping", "-c", "50", "-i", "0.002", "-w", "30", LWIPD_IP],
                       capture_output=True, text=True, timeout=60)
    assert " 0% packet loss" in r.stdout, r.stdout
    lwipd.call("icmp.ratelimit", rate=100, burst=50)


def test_bad_arguments_change_nothing(lwipd):
    lwipd.call("icmp.ratelimit", rate=100, burst=50)
    for args in ({"rate": 5, "burst": 0}, {"rate": -1}, {"rate": 1000001}, {"burst": 1000001},
                 {"rate": "10"}, {"burst": 2.5}):
        reply = lwipd.client().request("icmp.ratelimit", **args)
        assert reply["ok"] is False and reply["error"]["code"] == "bad_args", (args, reply)
    res = lwipd.call("icmp.ratelimit")
    assert (res["rate"], res["burst"]) == (100, 50)
    # one value alone keeps the other
    assert lwipd.call("icmp.ratelimit", burst=7)["rate"] == 100
    assert lwipd.call("icmp.ratelimit", rate=9)["burst"] == 7
    # burst 0 goes with rate 0 only
    assert lwipd.call("icmp.ratelimit", rate=0, burst=0)["burst"] == 0
    reply = lwipd.client().request("icmp.ratelimit", rate=9)
    assert reply["ok"] is False and "burst" in reply["error"]["message"], reply
    lwipd.call("icmp.ratelimit", rate=100, burst=50)


def test_command_line_and_config_file(lwipd, tmp_path):
    """--icmp-ratelimit on the command line wins over the config file; a
    config file alone sets it too.  Each in a namespace of its own."""
    conf = tmp_path / "lwipd.conf"
    conf.write_text("# test\nicmp-ratelimit = 7/3\n")
    for extra, want in ((["--config", str(conf)], (7, 3)),
                        (["--config", str(conf), "--icmp-ratelimit", "0"], (0, None)),
                        (["--icmp-ratelimit", "12"], (12, None))):
        other = Lwipd(extra_args=extra, seed=5)
        other.start()
        try:
            res = other.call("icmp.ratelimit")
            assert res["rate"] == want[0], (extra, res)
            if want[1] is not None:
                assert res["burst"] == want[1], (extra, res)
            if want == (7, 3):
                got, delta, elapsed = _scan(other, 200, FIRST_PORT)
                assert 3 <= got <= 3 + 7 * elapsed + 2, (got, elapsed)
                assert delta["suppressed"] >= 200 - (3 + 7 * elapsed + 2), delta
        finally:
            other.stop()


@pytest.mark.parametrize("value,why", [("abc", "RATE[/BURST]"), ("5/0", "BURST must be at least 1"),
                                       ("-5", "RATE[/BURST]"), ("1000001", "RATE[/BURST]"),
                                       ("10/", "RATE[/BURST]")])
def test_bad_option_values(value, why):
    r = subprocess.run([os.environ["LWIPD"], "--tap", "lwtbad", "--icmp-ratelimit", value],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2, r
    assert "--icmp-ratelimit" in r.stderr and why in r.stderr, r.stderr
