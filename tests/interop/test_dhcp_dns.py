"""DHCP client and DNS resolver on the control socket, against dnsmasq.

dnsmasq runs on the Linux side of the TAP (10.77.0.1) as the DHCP server
and as the DNS server it hands out.  The tests run in file order and share
one lwipd and one dnsmasq: bad arguments first (nothing running), then a
lease, the resolver with the server learnt from it, renewal and release.
A second lwipd started with --dhcp checks launch-time DHCP and the
DHCPRELEASE sent on a clean shutdown.
"""
import json
import os
import shutil
import socket
import subprocess
import time

import pytest

from lwipd_harness import HOST_IP, Lwipd, ServerProcess, TAP

RANGE_LO, RANGE_HI = 100, 150
NAME = "example.test"
NAME_V4 = "10.77.0.99"
NAME_V6 = "fd77::99"
LOCAL_TTL = 90
LEASE_S = 120   # dnsmasq's shortest lease
SILENT = "10.77.0.3"  # an address nobody answers from


def _need_dnsmasq():
    if shutil.which("dnsmasq") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dnsmasq is missing under CI (tools/install-deps installs it)")
        pytest.skip("dnsmasq is not installed (tools/install-deps installs it)")


class Dnsmasq(ServerProcess):
    """dnsmasq on the TAP's Linux side, in the current (test) namespace."""

    def __init__(self, workdir):
        self.dir = workdir
        self.leases = os.path.join(workdir, "dnsmasq.leases")
        self.log_path = os.path.join(workdir, "dnsmasq.log")
        self.proc = None

    def start(self):
        args = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", f"--interface={TAP}", "--bind-interfaces",
                "--except-interface=lo", "--user=root", "--group=root", "--port=53", "--no-resolv", "--no-hosts",
                f"--dhcp-range=10.77.0.{RANGE_LO},10.77.0.{RANGE_HI},255.255.255.0,{LEASE_S}s",
                f"--dhcp-option=option:router,{HOST_IP}", f"--dhcp-option=option:dns-server,{HOST_IP}",
                # No ICMP check of offered addresses: it delays the offer by
                # seconds and nothing else is on this link.
                "--no-ping", f"--dhcp-leasefile={self.leases}", f"--pid-file={self.dir}/dnsmasq.pid",
                f"--address=/{NAME}/{NAME_V4}", f"--address=/{NAME}/{NAME_V6}", "--local=/test/",
                f"--local-ttl={LOCAL_TTL}", "--log-queries", "--log-dhcp", f"--log-facility={self.log_path}"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 5
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dnsmasq exited: {self.proc.stderr.read().decode(errors='replace')}")
            if self._dns_ready():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"dnsmasq never answered on {HOST_IP}:53\n{self.log()}")

    def _dns_ready(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        try:
            # A bare header with QDCOUNT 0: dnsmasq answers FORMERR or
            # similar, which is all that is needed to know it listens.
            s.sendto(b"\x12\x34\x01\x00" + b"\x00" * 8, (HOST_IP, 53))
            s.recvfrom(512)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def lease_lines(self):
        try:
            with open(self.leases) as f:
                return [line.split() for line in f if line.strip()]
        except OSError:
            return []



def _need_features(lwipd):
    """Builds configured without DHCP or DNS answer these commands with
    `failed`; the tests are for builds that have them."""
    c = lwipd.client()
    try:
        for cmd in ("dhcp.status", "dns.cache"):
            r = c.request(cmd)
            if not r["ok"] and "disabled" in r["error"]["message"]:
                pytest.skip(r["error"]["message"])
    finally:
        c.close()


@pytest.fixture(scope="module")
def dnsmasq(lwipd):
    _need_features(lwipd)
    _need_dnsmasq()
    d = Dnsmasq(lwipd.dir).start()
    try:
        yield d
    finally:
        d.stop()


def _err(reply):
    assert not reply["ok"], reply
    return reply["error"]["code"], reply["error"]["message"]


def _wait_state(lwipd, state, timeout):
    deadline = time.time() + timeout
    st = None
    while time.time() < deadline:
        st = lwipd.call("dhcp.status")
        if st["state"] == state:
            return st
        time.sleep(0.05)
    raise AssertionError(f"DHCP never reached {state} in {timeout} s: {st}")


def _mac(lwipd):
    return lwipd.tap_netif()["mac"]


# ---------------------------------------------------------------------------
# Bad arguments and commands with nothing running


def test_bad_args(lwipd):
    _need_features(lwipd)
    c = lwipd.client()
    try:
        assert _err(c.request("dhcp.start", netif=5))[0] == "bad_args"
        assert _err(c.request("dhcp.start", netif="nope9"))[0] == "not_found"
        for cmd in ("dhcp.stop", "dhcp.release", "dhcp.renew"):
            code, msg = _err(c.request(cmd))
            assert code == "not_found" and "not running" in msg, (cmd, msg)
        assert _err(c.request("dhcp.status", netif=[]))[0] == "bad_args"
        assert c.call("dhcp.status")["state"] == "off"

        assert _err(c.request("dns.resolve"))[0] == "bad_args"
        assert _err(c.request("dns.resolve", name=7))[0] == "bad_args"
        assert _err(c.request("dns.resolve", name=NAME, type="mx"))[0] == "bad_args"
        assert _err(c.request("dns.resolve", name="a..b.test"))[0] == "bad_args"
        assert _err(c.request("dns.resolve", name=""))[0] == "bad_args"
        assert _err(c.request("dns.resolve", name="x" * 300))[0] == "bad_args"
        assert _err(c.request("dns.servers", servers="10.0.0.1"))[0] == "bad_args"
        assert _err(c.request("dns.servers", servers=["10.0.0"]))[0] == "bad_args"
        assert _err(c.request("dns.servers", servers=[1]))[0] == "bad_args"
        assert _err(c.request("dns.servers", servers=["0.0.0.0"]))[0] == "bad_args"
        assert _err(c.request("dns.servers", servers=["224.0.0.251"]))[0] == "bad_args"
        # IPv6 servers are taken (test_udp6.py), but not multicast, the
        # unspecified address or a zone on a global address.
        for bad6 in ("ff02::1", "::", "fd77::1%tp0", "fe80::1%nope9", "fd77::1::2"):
            assert _err(c.request("dns.servers", servers=[bad6]))[0] == "bad_args", bad6
        assert _err(c.request("dns.servers", servers=["10.0.0.1", "10.0.0.2", "10.0.0.3"]))[0] == "bad_args"
        assert _err(c.request("subscribe", events=["dhcpx"]))[0] == "bad_args"
        # No server yet: a clear refusal rather than a lookup that hangs.
        code, msg = _err(c.request("dns.resolve", name=NAME))
        assert code == "failed" and "no DNS server" in msg
        # Literals need no server and come back at once.
        r = c.call("dns.resolve", name="10.1.2.3")
        assert r["addresses"] == ["10.1.2.3"] and r["source"] == "literal" and r["server"] is None
        assert c.call("dns.servers") == {"servers": [], "max": 2}
        assert c.call("dns.cache")["entries"] == []
        assert c.call("status")["pid"] > 0  # still alive
    finally:
        c.close()
    r = lwipd.lwipctl("dhcp", "bogus", check=False)
    assert r.returncode == 2 and "unknown dhcp subcommand" in r.stderr
    r = lwipctl_rc = lwipd.lwipctl("dns", "resolve", NAME, "-t", "mx", check=False)
    assert lwipctl_rc.returncode == 2 and "expected a, aaaa or any" in r.stderr
    r = lwipd.lwipctl("dns", "servers", "10.0.0", check=False)
    assert r.returncode == 2


# ---------------------------------------------------------------------------
# DHCP


def test_dhcp_lease(lwipd, dnsmasq):
    events = lwipd.client()
    events.call("subscribe", events=["dhcp"])
    t0 = time.time()
    st = lwipd.call("dhcp.start")
    assert st["state"] == "selecting" and st["netif"].startswith("tp")
    # The DHCPACK arrives within 2 s (state CHECKING: the address is being
    # probed).  RFC 5227 probing then takes 3 to 7 s more before it is used.
    deadline = t0 + 2.0
    acked = None
    while time.time() < deadline:
        s = lwipd.call("dhcp.status")
        if s["state"] in ("checking", "bound"):
            acked = s
            break
        time.sleep(0.02)
    assert acked is not None, f"no DHCPACK within 2 s: {s}\n{dnsmasq.log()}"
    st = _wait_state(lwipd, "bound", 9.0)
    ip = st["ip"]
    last = int(ip.split(".")[3])
    assert ip.startswith("10.77.0.") and RANGE_LO <= last <= RANGE_HI, st
    assert acked["offered_ip"] == ip
    assert st["supplied"] is True
    assert st["netmask"] == "255.255.255.0" and st["prefix"] == 24
    assert st["router"] == HOST_IP and st["server"] == HOST_IP
    assert st["dns"] == [HOST_IP]
    assert st["lease_s"] == LEASE_S and st["t1_s"] == LEASE_S // 2 and st["t2_s"] == LEASE_S * 7 // 8
    assert LEASE_S - 10 <= st["lease_left_s"] <= LEASE_S
    assert 0 < st["t1_left_s"] <= LEASE_S // 2 and st["t1_left_s"] < st["t2_left_s"] < st["lease_left_s"]
    n = lwipd.tap_netif()
    assert n["ip"] == ip and n["prefix"] == 24 and n["gw"] == HOST_IP
    # dnsmasq agrees: one lease, for our MAC and address.
    leases = dnsmasq.lease_lines()
    assert [(x[1], x[2]) for x in leases] == [(_mac(lwipd), ip)], leases
    # Events: every transition, in order, ending bound with the address.
    seen = []
    while not seen or seen[-1]["to"] != "bound":
        ev = events.read_line()
        assert ev["event"] == "dhcp" and ev["netif"] == st["netif"]
        seen.append(ev)
    events.close()
    assert [(e["from"], e["to"]) for e in seen] == [
        ("off", "init"), ("init", "selecting"), ("selecting", "requesting"), ("requesting", "checking"),
        ("checking", "bound")]
    assert seen[-1]["ip"] == ip


def test_dns_servers_from_dhcp(lwipd, dnsmasq):
    assert lwipd.call("dns.servers") == {"servers": [{"index": 0, "address": HOST_IP, "source": "dhcp"}],
                                         "max": 2}
    out = lwipd.lwipctl("dns", "servers").stdout
    assert out.split("\n")[1].split() == ["0", HOST_IP, "dhcp"]


# ---------------------------------------------------------------------------
# DNS


def test_dns_resolve(lwipd, dnsmasq):
    lwipd.call("dns.cache.flush")
    r = lwipd.call("dns.resolve", name=NAME)
    assert r["addresses"] == [NAME_V4], r
    assert r["name"] == NAME and r["type"] == "a" and r["qtype"] == "a"
    assert r["source"] == "network" and r["server"] == HOST_IP and r["server_index"] == 0
    assert 0 < r["ttl"] <= LOCAL_TTL and r["ttl"] >= LOCAL_TTL - 2
    assert r["tries"] == 1 and 0 <= r["elapsed_ms"] < 1000
    again = lwipd.call("dns.resolve", name=NAME.upper())
    assert again["source"] == "cache" and again["addresses"] == [NAME_V4]
    r6 = lwipd.call("dns.resolve", name=NAME, type="aaaa")
    assert r6["addresses"] == [NAME_V6] and r6["qtype"] == "aaaa" and r6["server"] == HOST_IP
    ra = lwipd.call("dns.resolve", name="www." + NAME, type="any")
    assert ra["addresses"] == [NAME_V4] and ra["qtype"] == "a"
    out = lwipd.lwipctl("dns", "resolve", "mail." + NAME).stdout
    assert out.split("\n")[1].split()[:2] == ["mail." + NAME, NAME_V4], out
    assert f"answered by {HOST_IP} (server 0)" in out
    js = json.loads(lwipd.lwipctl("dns", "resolve", "mail." + NAME, json_out=True).stdout)
    assert js["ok"] and js["result"]["source"] == "cache"


def test_dns_unknown_name(lwipd, dnsmasq):
    code, msg = _err(lwipd.client().request("dns.resolve", name="nosuch.test"))
    assert code == "not_found" and msg.startswith("nxdomain:") and "nosuch.test" in msg
    r = lwipd.lwipctl("dns", "resolve", "other.nosuch.test", check=False)
    assert r.returncode == 1 and "nxdomain" in r.stderr


def test_dns_cache(lwipd, dnsmasq):
    lwipd.call("dns.resolve", name=NAME)
    entries = lwipd.call("dns.cache")["entries"]
    mine = [e for e in entries if e["name"] == NAME and e["type"] == "a"]
    assert len(mine) == 1, entries
    assert mine[0]["addresses"] == [NAME_V4] and mine[0]["server"] == HOST_IP
    assert 0 < mine[0]["ttl"] <= LOCAL_TTL
    out = lwipd.lwipctl("dns", "cache").stdout
    assert any(line.split()[:2] == [NAME, "a"] for line in out.splitlines()), out
    flushed = lwipd.call("dns.cache.flush")["flushed"]
    assert flushed == len(entries)
    assert lwipd.call("dns.cache")["entries"] == []
    assert lwipd.lwipctl("dns", "cache", "flush").stdout.strip() == "flushed 0 cache entries"


def test_dns_servers_set_and_timeout(lwipd, dnsmasq):
    r = lwipd.call("dns.servers", servers=[SILENT])
    assert r["servers"] == [{"index": 0, "address": SILENT, "source": "manual"}]
    # Nobody answers at SILENT: three tries (1 + 2 + 4 s), then a timeout.
    t0 = time.time()
    code, msg = _err(lwipd.client().request("dns.resolve", name="slow." + NAME))
    took = time.time() - t0
    assert code == "timeout" and "3 queries" in msg, msg
    assert 6.5 < took < 9, took
    # A client that goes away takes its lookup with it: the lookup's own
    # UDP PCB is freed.  (Timers are not compared: ARP retries for SILENT
    # come and go on their own.)
    def udp_pcbs():
        return [p["used"] for p in lwipd.call("stats")["pools"] if p["name"] == "UDP_PCB"][0]
    before = udp_pcbs()
    c = lwipd.client()
    c.send_raw(b'{"id":1,"cmd":"dns.resolve","args":{"name":"gone.example.test"}}\n')
    time.sleep(0.2)
    assert udp_pcbs() == before + 1
    c.close()
    time.sleep(0.6)
    assert udp_pcbs() == before
    lwipd.call("dns.servers", servers=[HOST_IP, SILENT])
    assert lwipd.lwipctl("dns", "servers", "none").stdout.strip() == "no DNS servers"
    lwipd.call("dns.servers", servers=[HOST_IP])


def test_dhcp_renew(lwipd, dnsmasq):
    before = lwipd.call("dhcp.status")
    assert before["state"] == "bound"
    time.sleep(1.1)
    r = lwipd.call("dhcp.renew")
    assert r["state"] in ("renewing", "bound")
    st = _wait_state(lwipd, "bound", 2.0)
    assert st["ip"] == before["ip"] and st["server"] == HOST_IP
    assert st["lease_left_s"] >= LEASE_S - 1
    assert lwipd.tap_netif()["ip"] == before["ip"]
    assert "DHCPACK" in dnsmasq.log()


def test_dhcp_release(lwipd, dnsmasq):
    ip = lwipd.call("dhcp.status")["ip"]
    r = lwipd.call("dhcp.release")
    assert r["released"] is True and r["released_ip"] == ip and r["state"] == "off"
    assert lwipd.tap_netif()["ip"] == "0.0.0.0"
    deadline = time.time() + 3
    while dnsmasq.lease_lines() and time.time() < deadline:
        time.sleep(0.05)
    assert dnsmasq.lease_lines() == [], dnsmasq.log()
    assert _err(lwipd.client().request("dhcp.release"))[0] == "not_found"


def test_lwipctl_dhcp(lwipd, dnsmasq):
    out = lwipd.lwipctl("dhcp", "start").stdout
    assert "state:" in out and "selecting" in out
    _wait_state(lwipd, "bound", 9.0)
    out = lwipd.lwipctl("dhcp").stdout
    fields = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in out.splitlines()}
    ip = lwipd.call("dhcp.status")["ip"]
    assert fields["state"] == "bound" and fields["ip"] == f"{ip}/24"
    assert fields["router"] == HOST_IP and fields["dns"] == HOST_IP
    assert fields["lease"].startswith(f"{LEASE_S} s (")
    js = json.loads(lwipd.lwipctl("dhcp", "status", json_out=True).stdout)
    assert js["result"]["ip"] == ip
    out = lwipd.lwipctl("dhcp", "stop").stdout
    assert "off" in out
    assert lwipd.tap_netif()["ip"] == "0.0.0.0"


def test_resolve_pending_at_stack_restart(lwipd, dnsmasq):
    """record.start restarts the stack: a pending lookup is answered, not lost."""
    lwipd.call("dns.servers", servers=[SILENT])
    c = lwipd.client()
    c.send_raw(b'{"id":"p","cmd":"dns.resolve","args":{"name":"pending.example.test"}}\n')
    time.sleep(0.2)
    lwipd.call("record.start", dir=os.path.join(lwipd.dir, "case"))
    reply = c.read_line()
    c.close()
    assert reply["id"] == "p" and reply["error"]["code"] == "failed"
    assert "restarted" in reply["error"]["message"]
    lwipd.call("record.stop")
    # The restart forgot the servers along with the resolver's state.
    assert lwipd.call("dns.servers")["servers"] == []
    assert lwipd.call("dhcp.status")["state"] == "off"


def test_autoip_fallback():
    """No DHCP server answers: AutoIP (RFC 3927) takes a 169.254/16
    address after the third unanswered DHCPDISCOVER (about 4 + 8 + 16 s
    with RFC 2131 backoff, then ACD probing), while DHCP keeps trying.
    A namespace of its own, where no dnsmasq runs.  About 35 s."""
    other = Lwipd(seed=3)
    other.start()
    try:
        other.call("dhcp.start")
        deadline = time.time() + 50
        st = None
        while time.time() < deadline:
            st = other.call("dhcp.status")
            if st.get("autoip", {}).get("state") == "bound":
                break
            time.sleep(0.25)
        assert st.get("autoip", {}).get("state") == "bound", st
        ip = st["autoip"]["ip"]
        a, b, c, _ = (int(x) for x in ip.split("."))
        # RFC 3927 2.1: 169.254.1.0 to 169.254.254.255.
        assert (a, b) == (169, 254) and 1 <= c <= 254, ip
        # DHCP has not given up: it is still looking for a server.
        assert st["state"] in ("selecting", "init", "backing_off", "rebooting"), st
        assert other.tap_netif()["ip"] == ip
        # The Linux side joins the link-local subnet to reach it (RFC 3927 2.6).
        subprocess.run(["ip", "addr", "add", "169.254.0.1/16", "dev", TAP], check=True)
        r = subprocess.run(["ping", "-c", "1", "-W", "2", ip], capture_output=True)
        assert r.returncode == 0, r.stdout
        other.call("dhcp.stop")
    finally:
        other.stop()


def test_dhcp_at_launch_and_release_on_exit(lwipd, dnsmasq):
    """lwipd --dhcp in a namespace of its own with its own dnsmasq."""
    _need_dnsmasq()
    other = Lwipd(extra_args=["--dhcp"], seed=2)
    other.start()
    d = None
    try:
        d = Dnsmasq(other.dir).start()
        st = _wait_state(other, "bound", 12.0)
        assert st["ip"].startswith("10.77.0.") and st["router"] == HOST_IP
        assert [x[2] for x in d.lease_lines()] == [st["ip"]]
        # A lookup still pending at shutdown is dropped cleanly (ASan builds
        # check nothing leaks): its client sees an error reply or, since
        # ctl_close() does not flush what is queued, the end of the
        # connection, but never a hang.
        other.call("dns.servers", servers=[SILENT])
        c = other.client()
        c.send_raw(b'{"id":9,"cmd":"dns.resolve","args":{"name":"late.example.test"}}\n')
        time.sleep(0.2)
        other.proc.terminate()
        try:
            reply = c.read_line()
            assert reply["id"] == 9 and reply["error"]["code"] == "failed" and "stopping" in reply["error"]["message"]
        except ConnectionError:
            pass
        c.close()
        other.proc.wait(timeout=5)
        deadline = time.time() + 3
        while d.lease_lines() and time.time() < deadline:
            time.sleep(0.05)
        assert d.lease_lines() == [], d.log()
    finally:
        if d is not None:
            d.stop()
        other.stop()
