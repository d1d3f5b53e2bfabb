"""More DHCP client interop (issue 6): rebinding to a server that came
back on another address, DHCPNAK of a wrong INIT-REBOOT, and Scapy as a
hostile server whose bad replies must change nothing.

Each test runs its own lwipd in a namespace of its own, so one test's
lease or server never leaks into the next.  dnsmasq runs DHCP only here
(--port=0): readiness is its "DHCP, IP range" log line, not a DNS answer.
"""
import os
import signal
import socket
import struct
import subprocess
import time

import pytest

from lwipd_harness import HOST_IP, Lwipd, TAP
from test_dhcp_dns import Dnsmasq, _need_dnsmasq, _wait_state

LEASE_S = 120          # dnsmasq's shortest lease
NEW_HOST_IP = "10.77.0.5"


class DhcpOnly(Dnsmasq):
    """dnsmasq as a DHCP server only, with the range, server address and
    T1/T2 a test asks for."""

    def __init__(self, workdir, lo, hi, extra=(), tag="a"):
        os.makedirs(workdir, exist_ok=True)
        super().__init__(workdir)
        self.log_path = os.path.join(workdir, f"dnsmasq-{tag}.log")
        self.range = (lo, hi)
        self.extra = list(extra)
        self.tag = tag

    def start(self):
        lo, hi = self.range
        args = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", f"--interface={TAP}", "--bind-interfaces",
                "--except-interface=lo", "--user=root", "--group=root", "--port=0",
                f"--dhcp-range=10.77.0.{lo},10.77.0.{hi},255.255.255.0,{LEASE_S}s", "--no-ping",
                f"--dhcp-leasefile={self.leases}", f"--pid-file={self.dir}/dnsmasq-{self.tag}.pid",
                "--log-dhcp", f"--log-facility={self.log_path}"] + self.extra
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 5
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dnsmasq exited: {self.proc.stderr.read().decode(errors='replace')}")
            if "DHCP, IP range" in self.log():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"dnsmasq never started its DHCP server\n{self.log()}")


@pytest.fixture
def fresh(request):
    """A new lwipd in a new namespace for one test; seeds differ per test
    so the runs stay reproducible."""
    d = Lwipd(seed=request.param if hasattr(request, "param") else 40)
    d.start()
    try:
        st = d.call("dhcp.status")
        assert st["state"] == "off"
        yield d
    finally:
        alive = d.alive()
        rc = None
        if alive:
            # A clean exit of its own, so sanitizer builds get to report
            # leaks before the harness removes the log.
            d.proc.send_signal(signal.SIGTERM)
            try:
                rc = d.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        log = d.read_log()
        d.stop()
        if not alive:
            pytest.fail(f"lwipd died during the test:\n{log}")
        if rc != 0 or "Sanitizer" in log:
            pytest.fail(f"lwipd did not exit cleanly (rc {rc}):\n{log}")


def _events_until(client, last_state, timeout):
    """Read "dhcp" events until one going to @last_state; return them all."""
    client.sock.settimeout(timeout)
    seen = []
    while not seen or seen[-1]["to"] != last_state:
        ev = client.read_line()
        if ev.get("event") == "dhcp":
            seen.append(ev)
    return [(e["from"], e["to"]) for e in seen], seen


# ---------------------------------------------------------------------------
# Rebinding (RFC 2131 4.4.5)


@pytest.mark.parametrize("fresh", [41], indirect=True)
def test_rebind_to_server_on_new_address(fresh):
    """dnsmasq A hands out a lease with T1 = 8 s and T2 = 12 s (options 58
    and 59: dnsmasq will not lease for less than 120 s, and the default
    T1/T2 of 60/105 s would make this slow).  A then goes away and the
    Linux side's address moves from 10.77.0.1 to 10.77.0.5, where dnsmasq
    B starts with the same lease database.  At T1 the client unicasts its
    DHCPREQUEST to the old server, which no longer exists; at T2 it
    broadcasts (REBINDING) and B extends the lease: same address, new
    server identifier."""
    _need_dnsmasq()
    d = fresh
    t1, t2 = 8, 12
    timers = [f"--dhcp-option=option:T1,{t1}", f"--dhcp-option=option:T2,{t2}"]
    a = DhcpOnly(d.dir, 100, 150, timers + [f"--dhcp-option=option:router,{HOST_IP}"], tag="a").start()
    b = None
    try:
        d.call("dhcp.start")
        st = _wait_state(d, "bound", 10.0)
        ip = st["ip"]
        assert st["server"] == HOST_IP and st["router"] == HOST_IP
        assert (st["lease_s"], st["t1_s"], st["t2_s"]) == (LEASE_S, t1, t2), st
        assert [x[2] for x in a.lease_lines()] == [ip]
        events = d.client()
        events.call("subscribe", events=["dhcp"])
        a.stop()
        subprocess.run(["ip", "addr", "del", f"{HOST_IP}/24", "dev", TAP], check=True)
        subprocess.run(["ip", "addr", "add", f"{NEW_HOST_IP}/24", "dev", TAP], check=True)
        b = DhcpOnly(d.dir, 100, 150, timers + ["--dhcp-authoritative",
                                                 f"--dhcp-option=option:router,{NEW_HOST_IP}"], tag="b").start()
        # T2 is at most 12 s after the lease began; allow for the time
        # already spent checking the address.
        trans, seen = _events_until(events, "bound", t2 + 4)
        events.close()
        assert trans == [("bound", "renewing"), ("renewing", "rebinding"), ("rebinding", "bound")], seen
        st = d.call("dhcp.status")
        assert st["state"] == "bound" and st["ip"] == ip, st
        assert st["server"] == NEW_HOST_IP and st["router"] == NEW_HOST_IP, st
        assert LEASE_S - t2 - 3 <= st["lease_left_s"] <= LEASE_S, st
        assert d.tap_netif()["ip"] == ip
        blog = b.log()
        assert f"DHCPREQUEST({TAP}) {ip}" in blog and f"DHCPACK({TAP}) {ip}" in blog, blog
        # The old server saw nothing after it was stopped, and B answered
        # exactly one request: the rebinding broadcast.
        assert blog.count("DHCPACK(") == 1, blog
    finally:
        if b is not None:
            b.stop()
        a.stop()


# ---------------------------------------------------------------------------
# INIT-REBOOT refused (RFC 2131 3.2, 4.3.2)


@pytest.mark.parametrize("fresh", [42], indirect=True)
def test_nak_on_wrong_init_reboot(fresh):
    """After a lease from 10.77.0.100-150 the server is replaced by an
    authoritative one for 10.77.0.200-250 with an empty lease database.
    A link flap makes the client ask for its old address (INIT-REBOOT:
    DHCPREQUEST with option 50, no server id); the new server answers
    DHCPNAK, and the client restarts in INIT and takes a fresh lease."""
    _need_dnsmasq()
    d = fresh
    a = DhcpOnly(os.path.join(d.dir, "a"), 100, 150, tag="a").start()
    b = None
    try:
        d.call("dhcp.start")
        old = _wait_state(d, "bound", 10.0)["ip"]
        assert 100 <= int(old.split(".")[3]) <= 150
        a.stop()
        b = DhcpOnly(os.path.join(d.dir, "b"), 200, 250, ["--dhcp-authoritative"], tag="b").start()
        events = d.client()
        events.call("subscribe", events=["dhcp"])
        subprocess.run(["ip", "link", "set", TAP, "down"], check=True)
        deadline = time.time() + 3
        while d.tap_netif().get("link_up", True) and time.time() < deadline:
            time.sleep(0.02)
        assert d.tap_netif()["link_up"] is False
        subprocess.run(["ip", "link", "set", TAP, "up"], check=True)
        trans, seen = _events_until(events, "bound", 12.0)
        events.close()
        assert trans == [("bound", "init-reboot"), ("init-reboot", "rebooting"), ("rebooting", "init"),
                         ("init", "selecting"), ("selecting", "requesting"), ("requesting", "checking"),
                         ("checking", "bound")], seen
        st = d.call("dhcp.status")
        new = st["ip"]
        assert st["state"] == "bound" and 200 <= int(new.split(".")[3]) <= 250, st
        assert d.tap_netif()["ip"] == new
        blog = b.log()
        assert f"DHCPNAK({TAP}) {old}" in blog, blog
        assert [x[2] for x in b.lease_lines()] == [new]
    finally:
        if b is not None:
            b.stop()
        a.stop()


# ---------------------------------------------------------------------------
# Scapy as a hostile server


DHCP_COOKIE = b"\x63\x82\x53\x63"
OFFER_IP = "10.77.0.120"


def _opt(code, data):
    return bytes([code, len(data)]) + data


def _ip(a):
    return socket.inet_aton(a)


def _good_opts(msg_type=2):
    return (_opt(53, bytes([msg_type])) + _opt(54, _ip(HOST_IP)) + _opt(51, struct.pack("!I", LEASE_S)) +
            _opt(1, _ip("255.255.255.0")) + _opt(3, _ip(HOST_IP)) + b"\xff")


def _bootreply(xid, chaddr, opts, yiaddr=OFFER_IP, sname=b"", file=b""):
    """A BOOTREPLY built byte by byte (RFC 2131 2), so malformed option
    areas go out exactly as written."""
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, xid, 0, 0, b"\0" * 4, _ip(yiaddr), _ip(HOST_IP),
                      b"\0" * 4, chaddr, sname, file)
    return hdr + DHCP_COOKIE + opts


def _send(d, payload):
    from scapy.all import IP, UDP, Ether, Raw, sendp
    sendp(Ether(dst=d.tap_netif()["mac"], src=d.host_mac()) / IP(src=HOST_IP, dst="255.255.255.255") /
          UDP(sport=67, dport=68) / Raw(payload), iface=TAP, verbose=False)


def _requests(got):
    from scapy.all import BOOTP, DHCP
    out = []
    for p in list(got):
        if BOOTP in p and DHCP in p:
            opts = dict(o for o in p[DHCP].options if isinstance(o, tuple) and len(o) == 2)
            out.append((p[BOOTP].xid, opts))
    return out


def _wait_for(pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    return pred()


@pytest.mark.parametrize("fresh", [43], indirect=True)
def test_hostile_server(fresh):
    from scapy.all import AsyncSniffer
    d = fresh
    mac = bytes(int(x, 16) for x in d.tap_netif()["mac"].split(":"))
    chaddr = mac + b"\0" * 10
    # AsyncSniffer.results is filled only on stop(): collect as it goes.
    got = []
    sniffer = AsyncSniffer(iface=TAP, filter="udp and dst port 67", prn=got.append, store=False)
    sniffer.start()
    time.sleep(0.3)
    try:
        d.call("dhcp.start")
        disc = _wait_for(lambda: [r for r in _requests(got) if r[1].get("message-type") == 1], 3.0)
        assert disc, "no DHCPDISCOVER seen"
        xid = disc[0][0]
        before = d.call("dhcp.status")
        assert before["state"] == "selecting"

        over_file = bytearray(128)
        over_file[126:128] = b"\x06\x08"        # DNS servers: 8 bytes promised, none left in 'file'
        over_sname = bytearray(64)
        over_sname[63] = 6                      # an option code with no room for its length
        base = _opt(53, b"\x02") + _opt(54, _ip(HOST_IP)) + _opt(51, struct.pack("!I", LEASE_S))
        cases = [
            ("wrong xid", "DHCP_BAD_XID", _bootreply(xid ^ 0x5a5a5a5a, chaddr, _good_opts())),
            ("other chaddr", "DHCP_BAD_CHADDR",
             _bootreply(xid, bytes.fromhex("02aabbccddee") + b"\0" * 10, _good_opts())),
            ("truncated option", "DHCP_BAD_OPTION",
             _bootreply(xid, chaddr, _opt(53, b"\x02") + _opt(54, _ip(HOST_IP)) + b"\x33\x04\x00\x00")),
            ("length byte missing", "DHCP_BAD_OPTION", _bootreply(xid, chaddr, base + b"\x03")),
            ("message type of length 2", "DHCP_BAD_OPTION",
             _bootreply(xid, chaddr, _opt(53, b"\x02\x02") + _opt(54, _ip(HOST_IP)) + b"\xff")),
            ("server id of length 3", "DHCP_BAD_OPTION",
             _bootreply(xid, chaddr, _opt(53, b"\x02") + _opt(54, b"\x0a\x4d\x00") + b"\xff")),
            ("router of length 6", "DHCP_BAD_OPTION", _bootreply(xid, chaddr, base + _opt(3, b"\x0a" * 6) + b"\xff")),
            ("two message types", "DHCP_BAD_OPTION", _bootreply(xid, chaddr, base + _opt(53, b"\x05") + b"\xff")),
            ("overload value 7", "DHCP_BAD_OPTION", _bootreply(xid, chaddr, base + _opt(52, b"\x07") + b"\xff")),
            ("overload of length 2", "DHCP_BAD_OPTION",
             _bootreply(xid, chaddr, base + _opt(52, b"\x01\x01") + b"\xff")),
            ("overload into a truncated 'file'", "DHCP_BAD_OPTION",
             _bootreply(xid, chaddr, base + _opt(52, b"\x01") + b"\xff", file=bytes(over_file))),
            ("overload into a truncated 'sname'", "DHCP_BAD_OPTION",
             _bootreply(xid, chaddr, base + _opt(52, b"\x03") + b"\xff", sname=bytes(over_sname))),
            ("no server id", "DHCP_MISSING_OPTION",
             _bootreply(xid, chaddr, _opt(53, b"\x02") + _opt(51, struct.pack("!I", LEASE_S)) + b"\xff")),
            ("no message type", "DHCP_MISSING_OPTION", _bootreply(xid, chaddr, _opt(54, _ip(HOST_IP)) + b"\xff")),
            ("offer of a loopback address", "DHCP_BAD_ADDR",
             _bootreply(xid, chaddr, _good_opts(), yiaddr="127.0.0.9")),
            ("ACK while selecting", "DHCP_UNEXPECTED", _bootreply(xid, chaddr, _good_opts(msg_type=5))),
            ("too short", "DHCP_SHORT", _bootreply(xid, chaddr, b"")[:200]),
        ]
        for what, reason, payload in cases:
            drops = d.drops()
            _send(d, payload)
            _wait_for(lambda: d.drops()[reason] != drops[reason], 1.0)
            after = d.drops()
            # Only DHCP's counters: the Linux side's own chatter (IPv6,
            # multicast) may be dropped meanwhile for reasons of its own.
            changed = {k: after[k] - drops[k] for k in after if k.startswith("DHCP_") and after[k] != drops[k]}
            assert changed == {reason: 1}, (what, changed)
            st = d.call("dhcp.status")
            for k in ("state", "offered_ip", "ip", "server", "router", "lease_s", "supplied"):
                assert st[k] == before[k], (what, k, st[k], before[k])
        # Nothing was taken up: no DHCPREQUEST went out.
        assert [r for r in _requests(got) if r[1].get("message-type") == 3] == []

        # A valid server is still heard: OFFER, the REQUEST names it, ACK.
        _send(d, _bootreply(xid, chaddr, _good_opts(2)))
        req = _wait_for(lambda: [r for r in _requests(got) if r[1].get("message-type") == 3], 3.0)
        assert req, "no DHCPREQUEST after a valid DHCPOFFER"
        rxid, ropts = req[0]
        assert rxid == xid and ropts.get("requested_addr") == OFFER_IP and ropts.get("server_id") == HOST_IP, req
        _send(d, _bootreply(xid, chaddr, _good_opts(5)))
        st = _wait_state(d, "bound", 9.0)
        assert st["ip"] == OFFER_IP and st["server"] == HOST_IP and st["router"] == HOST_IP, st
        assert st["lease_s"] == LEASE_S and st["prefix"] == 24
        assert d.tap_netif()["ip"] == OFFER_IP
    finally:
        sniffer.stop()
