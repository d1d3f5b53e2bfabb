"""DHCPv6 client (RFC 8415) against dnsmasq.

dnsmasq runs on the Linux side of the TAP (fd00:77::1/64, --host-ip6) as
the DHCPv6 server, started by each test with the configuration it needs:

- stateful: dhcp6.start (mode stateful) leases an address of dnsmasq's
  range; dnsmasq's lease file holds lwipd's DUID-LL; the address is in
  netif.list (origin dhcp6, /128) and answers Linux's ping once DAD is
  over; dhcp6.status shows DNS servers and the domain list; `dhcp6`
  events arrive on watch; dhcp6.release removes the address and dnsmasq
  logs the Release;
- stateless: dnsmasq sends Router Advertisements with only the O flag
  (ra-stateless); dhcp6.start mode auto waits for one and then sends
  Information-Request: the DNS server and domain list arrive, no address.

Renew/Rebind timing, retransmission pacing, Decline and hostile replies
are covered by tests/unit/test_dhcp6.c on the virtual clock (dnsmasq's
shortest lease is 120 s, too long for this suite).
"""
import os
import shutil
import subprocess
import time

import pytest

from lwipd_harness import TAP, ServerProcess, running_lwipd

HOST6 = "fd00:77::1"
RANGE_LO, RANGE_HI = "fd00:77::100", "fd00:77::1ff"
DOMAIN = "lab.test"


def _need_dnsmasq():
    if shutil.which("dnsmasq") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dnsmasq is missing under CI (tools/install-deps installs it)")
        pytest.skip("dnsmasq is not installed (tools/install-deps installs it)")


class Dnsmasq6(ServerProcess):
    """dnsmasq as a DHCPv6 server on the TAP, DNS off (port 0)."""

    def __init__(self, workdir, extra):
        self.dir = workdir
        self.leases = os.path.join(workdir, "dnsmasq6.leases")
        self.log_path = os.path.join(workdir, "dnsmasq6.log")
        self.extra = extra
        self.proc = None

    def start(self):
        args = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", f"--interface={TAP}", "--bind-interfaces",
                "--except-interface=lo", "--user=root", "--group=root", "--port=0", "--no-resolv", "--no-hosts",
                f"--dhcp-leasefile={self.leases}", f"--pid-file={self.dir}/dnsmasq6.pid",
                f"--dhcp-option=option6:dns-server,[{HOST6}]", f"--dhcp-option=option6:domain-search,{DOMAIN}",
                "--log-dhcp", f"--log-facility={self.log_path}"] + self.extra
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.3)
        if self.proc.poll() is not None:
            raise RuntimeError(f"dnsmasq exited: {self.proc.stderr.read().decode(errors='replace')}")
        return self

    def lease_text(self):
        try:
            with open(self.leases) as f:
                return f.read()
        except OSError:
            return ""


@pytest.fixture(scope="module")
def lwipd():
    _need_dnsmasq()
    with running_lwipd(extra_args=["--host-ip6", f"{HOST6}/64"]) as d:
        r = d.client().request("dhcp6.status")
        if not r["ok"] and "disabled" in r["error"]["message"]:
            pytest.skip(r["error"]["message"])
        _wait(lambda: all(a["state"] == "preferred" for a in d.tap_netif()["ip6"]), 6, "link-local past DAD")
        yield d


def _wait(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _state(d, state):
    st = d.call("dhcp6.status")
    return st if st["state"] == state else None


def _mac_duid(d):
    mac = d.tap_netif()["mac"].lower()
    return "00:03:00:01:" + mac, "00030001" + mac.replace(":", "")


def _in_range(addr):
    return addr.startswith("fd00:77::1") and len(addr) == len("fd00:77::1xx")


def _check_dns_servers_from_dhcp6(d):
    """The Reply's DNS server became the resolver's, shown as learnt from
    DHCPv6 in dns.servers and lwipctl dns (not as set by hand)."""
    assert d.call("dns.servers")["servers"] == [{"index": 0, "address": HOST6, "source": "dhcp6"}]
    out = d.lwipctl("dns", "servers").stdout
    assert any(l.split()[1:] == [HOST6, "dhcp6"] for l in out.splitlines()), out


def test_stateful_lease_and_release(lwipd):
    d = lwipd
    # --enable-ra: the RA makes fd00:77::/64 on-link for lwipd (DHCPv6
    # itself says nothing about prefixes, RFC 8415 21.6), so it can answer
    # Linux's ping of the leased /128.
    dm = Dnsmasq6(d.dir, [f"--dhcp-range={RANGE_LO},{RANGE_HI},64,120s", "--enable-ra"]).start()
    events = d.client()
    try:
        events.call("subscribe", events=["dhcp"])
        st = d.call("dhcp6.start", mode="stateful")
        assert st["mode"] == "stateful" and st["state"] == "solicit", st
        duid_colon, duid_hex = _mac_duid(d)
        assert st["duid"] == duid_hex, st
        st = _wait(lambda: _state(d, "bound"), 10, f"a DHCPv6 lease\n{dm.log()}")
        lease = st["lease"]
        ip = lease["ip"]
        assert _in_range(ip), st
        assert lease["valid_s"] == 120 and 0 < lease["t1_s"] <= lease["t2_s"] <= 120, st
        assert st["dns"] == [HOST6] and st["domains"] == [DOMAIN], st
        assert st["server"], st
        _check_dns_servers_from_dhcp6(d)
        # dnsmasq stores the client's DUID with the lease.
        assert duid_colon in dm.lease_text().lower(), dm.lease_text()
        # The address on the netif, as a /128 leased by DHCPv6, usable
        # once DAD passes: Linux pings it.
        addr = _wait(lambda: next((a for a in d.tap_netif()["ip6"] if a["addr"] == ip and a["state"] == "preferred"),
                                  None), 5, "the leased address past DAD")
        assert addr["origin"] == "dhcp6" and addr["prefix"] == 128, addr
        _wait(lambda: any(p["prefix"].startswith("fd00:77::") for p in d.call("nd.prefixes")["prefixes"]), 10,
              "dnsmasq's RA")
        r = subprocess.run(["ping", "-6", "-c", "2", "-i", "0.3", "-W", "2", ip], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        # The state changes arrived as events.
        seen = []
        deadline = time.time() + 3
        while ("bound" not in seen) and time.time() < deadline:
            ev = events.read_line()
            if ev.get("event") == "dhcp6":
                seen.append(ev["to"])
                if ev["to"] == "bound":
                    assert ev["ip"] == ip and ev["mode"] == "stateful", ev
        assert seen[:3] == ["solicit", "request", "bound"], seen
        # lwipctl shows it.
        out = d.lwipctl("dhcp6").stdout
        assert "bound" in out and ip in out and DOMAIN in out, out
        # Release: the address goes at once; dnsmasq answers and logs it.
        rel = d.call("dhcp6.release")
        assert rel["released_ip"] == ip, rel
        assert all(a["addr"] != ip for a in d.tap_netif()["ip6"])
        _wait(lambda: _state(d, "off"), 5, "the Release's Reply")
        _wait(lambda: "dhcprelease" in dm.log().lower() or "release" in dm.log().lower(), 3, "dnsmasq's log line")
        # dnsmasq's messages all parsed: none dropped as malformed.
        drops = d.drops()
        assert all(drops.get(k, 0) == 0 for k in ("DHCP6_BAD_OPTION", "DHCP6_BAD_CLIENTID", "DHCP6_NO_SERVERID",
                                                  "DHCP6_SHORT")), drops
    finally:
        events.close()
        dm.stop()


def test_stateless_from_ra_o_flag(lwipd):
    d = lwipd
    st = d.call("dhcp6.start", mode="auto")
    assert st["state"] == "wait-ra", st
    # Router Advertisements with O and not M (ra-stateless), every 4 s.
    dm = Dnsmasq6(d.dir, [f"--dhcp-range={HOST6},ra-stateless", "--enable-ra", f"--ra-param={TAP},4"]).start()
    try:
        st = _wait(lambda: _state(d, "informed"), 20, f"the Information-Request's Reply\n{dm.log()}")
        assert st["mode"] == "auto", st
        assert st["lease"] is None, st
        assert st["dns"] == [HOST6] and st["domains"] == [DOMAIN], st
        _check_dns_servers_from_dhcp6(d)
        assert 600 <= st["refresh_left_s"] <= 86400, st
        assert not any(a["origin"] == "dhcp6" for a in d.tap_netif()["ip6"])
        out = d.lwipctl("dhcp6", "status").stdout
        assert "informed" in out and DOMAIN in out, out
        d.call("dhcp6.stop")
        assert d.call("dhcp6.status")["state"] == "off"
    finally:
        dm.stop()
