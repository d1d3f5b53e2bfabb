"""The mDNS responder (core/apps/mdns.c, mdns.* commands) against avahi.

avahi-daemon runs on the Linux side of the TAP (10.77.0.1) with a private
D-Bus system bus (its own dbus-daemon, config and socket in the test's
directory; DBUS_SYSTEM_BUS_ADDRESS points avahi-daemon, avahi-resolve and
avahi-browse at it) and its own runtime directory (a private mount
namespace with a tmpfs over /run/avahi-daemon, so its pid file and socket
never meet a host copy).  avahi resolves lwipd's host name and browses
its service; Scapy forges what avahi would never send: a conflicting
answer while lwipd probes and after it announced, QU and legacy unicast
queries, and malformed messages counted under their drop reasons.

Both families (issue 16): lwipd and Linux also have fd00:7b::2 and
fd00:7b::1, avahi speaks IPv6 too, and the tests that query lwipd do it
over IPv4 and over IPv6.  A query is answered over the family it came by;
probes, announcements and goodbyes go to 224.0.0.251 and ff02::fb, each
with the A and AAAA records; lwipd's resolver asks ff02::fb for a .local
name and takes the AAAA answer of a Linux socket joined to that group.
"""
import json
import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP, TAP, ServerProcess, running_lwipd

GROUP = "224.0.0.251"
GROUP_MAC = "01:00:5e:00:00:fb"
GROUP6 = "ff02::fb"
GROUP6_MAC = "33:33:00:00:00:fb"
HOST6 = "fd00:7b::1"
LWIPD6 = "fd00:7b::2"
GROUPS = {"inet": GROUP, "inet6": GROUP6}
LWIPD_ADDR = {"inet": LWIPD_IP, "inet6": LWIPD6}


@pytest.fixture(scope="module")
def lwipd():
    args = ["--ip6", f"{LWIPD6}/64", "--host-ip6", f"{HOST6}/64"]
    with running_lwipd(extra_args=args) as d:
        deadline = time.time() + 6
        while time.time() < deadline:
            out = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", TAP], capture_output=True,
                                 text=True).stdout
            if (HOST6 in out and "tentative" not in out and
                    any(a["addr"] == LWIPD6 and a["state"] == "preferred" for a in d.tap_netif()["ip6"])):
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the IPv6 addresses never left DAD")
        yield d


@pytest.fixture(params=["inet", "inet6"])
def family(request):
    return request.param


def _our_ip6(lwipd):
    """lwipd's usable IPv6 addresses (the AAAA records it owns)."""
    return {a["addr"] for a in lwipd.tap_netif()["ip6"] if a["state"] in ("preferred", "deprecated")}


def _need(prog):
    path = shutil.which(prog) or (f"/usr/sbin/{prog}" if os.access(f"/usr/sbin/{prog}", os.X_OK) else None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{prog} is missing under CI (tools/install-deps installs it)")
        pytest.skip(f"{prog} is not installed (tools/install-deps installs it)")
    return path


DBUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={sock}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

AVAHI_CONF = f"""[server]
host-name=avahihost
use-ipv4=yes
use-ipv6=yes
allow-interfaces={TAP}
enable-dbus=yes
ratelimit-interval-usec=0
[wide-area]
enable-wide-area=no
[publish]
publish-workstation=no
publish-hinfo=no
publish-addresses=yes
[reflector]
enable-reflector=no
"""


class Avahi(ServerProcess):
    """dbus-daemon + avahi-daemon, both private to the test."""

    def __init__(self, workdir):
        self.dir = workdir
        self.sock = os.path.join(workdir, "system_bus")
        self.bus = f"unix:path={self.sock}"
        self.log_path = os.path.join(workdir, "avahi.log")
        self.dbus = None
        self.proc = None

    def env(self):
        return dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus)

    def start(self):
        dbus_daemon = _need("dbus-daemon")
        avahi_daemon = _need("avahi-daemon")
        conf = os.path.join(self.dir, "dbus.conf")
        with open(conf, "w") as f:
            f.write(DBUS_CONF.format(sock=self.sock))
        aconf = os.path.join(self.dir, "avahi-daemon.conf")
        with open(aconf, "w") as f:
            f.write(AVAHI_CONF)
        self.dbus = subprocess.Popen([dbus_daemon, "--nofork", "--nopidfile", f"--config-file={conf}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 5
        while not os.path.exists(self.sock) and time.time() < deadline:
            time.sleep(0.05)
        log = open(self.log_path, "w")
        # A private mount namespace: its own /run/avahi-daemon (pid file,
        # client socket), whatever the host runs.
        script = (f"mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon && "
                  f"exec {avahi_daemon} --no-drop-root --no-chroot --no-rlimits --debug -f {aconf}")
        self.proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                                     stdout=log, stderr=subprocess.STDOUT, env=self.env())
        log.close()
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"avahi-daemon exited with {self.proc.returncode}:\n{self.log()}")
            if "Server startup complete" in self.log():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"avahi-daemon did not start:\n{self.log()}")

    def run(self, *args, timeout=15):
        return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, env=self.env())

    def stop(self):
        super().stop()
        if self.dbus is not None and self.dbus.poll() is None:
            self.dbus.terminate()
            self.dbus.wait(timeout=5)


@pytest.fixture(scope="module")
def avahi(lwipd):
    a = Avahi(lwipd.dir).start()
    try:
        yield a
    finally:
        a.stop()


def _wait(lwipd, pred, timeout, what):
    deadline = time.time() + timeout
    st = None
    while time.time() < deadline:
        st = lwipd.call("mdns.status")
        if pred(st):
            return st
        time.sleep(0.05)
    raise AssertionError(f"{what} within {timeout} s; last mdns.status: {st}")


def _settled(lwipd, timeout=5.0):
    """Wait until no IPv6 address of lwipd's is tentative: one leaving DAD
    is an address change, which the responder answers with another
    announcement (RFC 6762 8.4), and the counts below would race it."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not [a for a in lwipd.tap_netif().get("ip6", []) if a["state"] == "tentative"]:
            return
        time.sleep(0.1)


def _restart(lwipd, host):
    _settled(lwipd)
    if lwipd.call("mdns.status")["running"]:
        lwipd.call("mdns.stop")
    return lwipd.call("mdns.start", hostname=host)


def _announced(lwipd, timeout=5):
    return _wait(lwipd, lambda s: s["state"] == "announced", timeout, "announced")


def _send(payload, sport=5353, dst=GROUP):
    from scapy.all import IP, UDP, Ether, IPv6, sendp
    if ":" in dst:
        mac = GROUP6_MAC if dst == GROUP6 else None
        ip = IPv6(src=HOST6, dst=dst, hlim=255)
    else:
        mac = GROUP_MAC if dst == GROUP else None
        ip = IP(src=HOST_IP, dst=dst, ttl=255)
    sendp(Ether(dst=mac) / ip / UDP(sport=sport, dport=5353) / payload, iface=TAP, verbose=False)


def _sniff(flt):
    """Start capturing lwipd's mDNS messages on the TAP (stop() gives them)."""
    from scapy.all import AsyncSniffer
    sn = AsyncSniffer(iface=TAP, filter=flt)
    sn.start()
    time.sleep(0.3)
    return sn


def _dns_of(pkts):
    """(destination address, DNS message) of each captured datagram."""
    from scapy.all import IP, IPv6
    from scapy.layers.dns import DNS
    out = []
    for p in pkts:
        dst = p[IPv6].dst if IPv6 in p else p[IP].dst
        out.append((dst, DNS(bytes(p["UDP"].payload))))
    return out


def _records(d, section="an"):
    n = {"an": d.ancount, "ar": d.arcount, "ns": d.nscount}[section]
    rrs = getattr(d, section)
    return [rrs[i] for i in range(n)] if n else []


def _drop(lwipd, reason):
    return lwipd.drops().get(reason, 0)


def _a_answer(name, addr, ttl=120):
    from scapy.layers.dns import DNS, DNSRR
    return bytes(DNS(id=0, qr=1, aa=1, qd=None, an=DNSRR(rrname=name, type="A", rclass=0x8001, ttl=ttl, rdata=addr)))


def test_start_announce_and_status(lwipd):
    st = _restart(lwipd, "lwipd")
    assert st["state"] in ("probing", "link_down") and st["hostname"] == "lwipd.local", st
    st = _announced(lwipd)
    c = st["counters"]
    assert c["probes"] == 3 and c["announcements"] == 2, st
    out = lwipd.lwipctl("mdns").stdout
    assert "announced" in out and "lwipd.local" in out, out


def test_avahi_resolves_host(lwipd, avahi, family):
    _restart(lwipd, "lwipd")
    _announced(lwipd)
    r = avahi.run("avahi-resolve", "-4" if family == "inet" else "-6", "-n", "lwipd.local")
    assert r.returncode == 0, r.stderr + avahi.log()
    name, addr = r.stdout.split()
    assert name == "lwipd.local", r.stdout
    if family == "inet":
        assert addr == LWIPD_IP, r.stdout
    else:
        assert addr.split("%")[0] in _our_ip6(lwipd), (r.stdout, _our_ip6(lwipd))


def test_mld_group_joined(lwipd):
    """The responder listens on ff02::fb (RFC 6762 20) and leaves it when
    it stops; Linux saw the report (its multicast list for the TAP's
    peer is not visible, so lwipd's own table is checked)."""
    _restart(lwipd, "lwipd")
    groups = [g["group"] for g in lwipd.call("mld.list")["groups"] if g["users"] > 0]
    assert GROUP6 in groups, groups
    lwipd.call("mdns.stop")
    groups = [g["group"] for g in lwipd.call("mld.list")["groups"] if g["users"] > 0]
    assert GROUP6 not in groups, groups


def test_probes_and_announcements_on_both_families(lwipd):
    """RFC 6762 8, 20: every probe and announcement goes to both groups,
    and each announcement holds the A record and the AAAA records."""
    _settled(lwipd)
    if lwipd.call("mdns.status")["running"]:
        lwipd.call("mdns.stop")
    sn = _sniff("udp port 5353 and (dst host 224.0.0.251 or dst host ff02::fb)")
    lwipd.call("mdns.start", hostname="both")
    _announced(lwipd)
    time.sleep(0.3)
    msgs = _dns_of(sn.stop())
    ours = _our_ip6(lwipd)
    for group in (GROUP, GROUP6):
        probes = [d for dst, d in msgs if dst == group and d.qr == 0 and d.nscount > 0]
        announces = [d for dst, d in msgs if dst == group and d.qr == 1 and d.ancount > 0]
        assert len(probes) == 3 and len(announces) == 2, (group, msgs)
        for d in announces:
            rrs = _records(d) + _records(d, "ar")
            a = [rr.rdata for rr in rrs if rr.type == 1 and rr.rrname == b"both.local."]
            aaaa = {rr.rdata for rr in rrs if rr.type == 28 and rr.rrname == b"both.local."}
            assert a == [LWIPD_IP] and LWIPD6 in aaaa and aaaa <= ours, (group, d.show(dump=True))
            assert all(rr.ttl == 120 and rr.rclass == 0x8001 for rr in rrs if rr.type in (1, 28))


def test_avahi_browses_service(lwipd, avahi):
    _restart(lwipd, "lwipd")
    st = lwipd.call("mdns.add", instance="Web", service="_http", proto="tcp", port=80, txt=["path=/"])
    assert st["services"][0]["instance"] == "Web", st
    _announced(lwipd)
    r = avahi.run("avahi-browse", "-rptk", "_http._tcp")
    assert r.returncode == 0, r.stderr
    resolved = [line.split(";") for line in r.stdout.splitlines() if line.startswith("=")]
    assert resolved, r.stdout + avahi.log()
    f = resolved[0]
    assert f[3] == "Web" and f[4] == "_http._tcp" and f[6] == "lwipd.local", f
    assert f[7] == LWIPD_IP and f[8] == "80" and '"path=/"' in f[9], f
    st = lwipd.call("mdns.remove", instance="Web")
    assert st["services"] == []


def test_http_server_announced_by_itself(lwipd, avahi):
    """http.start announces HOSTNAME._http._tcp while the responder runs
    (in either order) and http.stop withdraws it."""
    _restart(lwipd, "lwipd")
    if lwipd.call("http.status")["running"]:
        lwipd.call("http.stop")
    lwipd.call("http.start", port=8080)
    try:
        st = _announced(lwipd)
        svc = [x for x in st["services"] if x["service"] == "_http"]
        assert len(svc) == 1 and svc[0]["instance"] == "lwipd" and svc[0]["port"] == 8080, st
        r = avahi.run("avahi-browse", "-rptk", "_http._tcp")
        resolved = [line.split(";") for line in r.stdout.splitlines() if line.startswith("=")]
        assert resolved, r.stdout + avahi.log()
        f = resolved[0]
        assert f[3] == "lwipd" and f[6] == "lwipd.local" and f[8] == "8080" and '"path=/"' in f[9], f
        # Started the other way round: the responder after the server.
        _restart(lwipd, "lwipd")
        st = _announced(lwipd)
        assert [x["port"] for x in st["services"] if x["service"] == "_http"] == [8080], st
    finally:
        lwipd.call("http.stop")
    st = lwipd.call("mdns.status")
    assert st["services"] == [] and st["counters"]["goodbyes"] >= 1, st


def test_legacy_unicast_query(lwipd, family):
    from scapy.layers.dns import DNS, DNSQR
    _restart(lwipd, "lwipd")
    _announced(lwipd)
    af = socket.AF_INET if family == "inet" else socket.AF_INET6
    qtype = "A" if family == "inet" else "AAAA"
    s = socket.socket(af, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.sendto(bytes(DNS(id=0x4242, rd=0, qd=DNSQR(qname="lwipd.local", qtype=qtype))), (LWIPD_ADDR[family], 5353))
        data, src = s.recvfrom(1500)
    finally:
        s.close()
    d = DNS(data)
    assert src[:2] == (LWIPD_ADDR[family], 5353)
    assert d.id == 0x4242 and d.qr == 1 and d.qdcount == 1 and d.ancount >= 1
    answers = _records(d)
    assert all(rr.ttl <= 10 and rr.rclass == 1 for rr in answers)
    if family == "inet":
        assert answers[0].rdata == LWIPD_IP
    else:
        # Every AAAA record of ours: the global and the link-local address.
        assert {rr.rdata for rr in answers} == _our_ip6(lwipd) and LWIPD6 in _our_ip6(lwipd)
        # The other family's address rides along (RFC 6762 6.2).
        assert [rr.rdata for rr in _records(d, "ar") if rr.type == 1] == [LWIPD_IP]
    assert lwipd.call("mdns.status")["counters"]["legacy"] >= 1


def test_qu_query_unicast_answer(lwipd, family):
    from scapy.layers.dns import DNS, DNSQR
    _restart(lwipd, "lwipd")
    _announced(lwipd)
    host = HOST_IP if family == "inet" else HOST6
    sn = _sniff(f"udp and src host {LWIPD_ADDR[family]} and dst host {host} and port 5353")
    qtype = "A" if family == "inet" else "AAAA"
    _send(bytes(DNS(id=0, qd=DNSQR(qname="lwipd.local", qtype=qtype, qclass=0x8001))), dst=GROUPS[family])
    time.sleep(0.5)
    answers = [d for _, d in _dns_of(sn.stop())]
    assert any(a.qr == 1 and a.ancount >= 1 for a in answers), answers
    assert lwipd.call("mdns.status")["counters"]["unicast"] >= 1


def test_query_answered_over_its_family(lwipd, family):
    """RFC 6762 6, 20: a multicast query is answered to the group of the
    family it came by, and not to the other one."""
    from scapy.layers.dns import DNSQR, DNS
    _restart(lwipd, "lwipd")
    _announced(lwipd)
    time.sleep(1.1)  # past RFC 6762 6's one-second limit after the announcement
    before = lwipd.call("mdns.status")["counters"]["responses"]
    sn = _sniff("udp port 5353 and (dst host 224.0.0.251 or dst host ff02::fb)")
    _send(bytes(DNS(id=0, qd=DNSQR(qname="lwipd.local", qtype=255))), dst=GROUPS[family])  # ANY
    time.sleep(0.5)
    msgs = [(dst, d) for dst, d in _dns_of(sn.stop()) if d.qr == 1]
    assert [dst for dst, _ in msgs] == [GROUPS[family]], msgs
    rrs = _records(msgs[0][1])
    assert [rr.rdata for rr in rrs if rr.type == 1] == [LWIPD_IP]
    assert {rr.rdata for rr in rrs if rr.type == 28} == _our_ip6(lwipd)
    assert lwipd.call("mdns.status")["counters"]["responses"] == before + 1


def _aaaa_answer(name, addr, ttl=120):
    from scapy.layers.dns import DNS, DNSRR
    return bytes(DNS(id=0, qr=1, aa=1, qd=None, an=DNSRR(rrname=name, type="AAAA", rclass=0x8001, ttl=ttl,
                                                         rdata=addr)))


def test_conflict_while_probing_renames(lwipd, family):
    st = _restart(lwipd, "clash")
    assert st["state"] == "probing", st
    if family == "inet":
        _send(_a_answer("clash.local", "10.77.0.99"))
    else:
        _send(_aaaa_answer("clash.local", "fd00:7b::99"), dst=GROUP6)
    st = _announced(lwipd)
    assert st["hostname"] == "clash-2.local" and st["requested"] == "clash", st
    assert st["counters"]["conflicts"] >= 1 and st["renames"] == 1, st


def test_conflict_after_announce_probes_again(lwipd, avahi):
    _restart(lwipd, "later")
    _announced(lwipd)
    _send(_a_answer("later.local", "10.77.0.98"))
    st = lwipd.call("mdns.status")
    assert st["state"] == "probing" and st["counters"]["conflicts"] == 1, st
    # Nobody defends the name: lwipd keeps it and announces again.
    st = _announced(lwipd)
    assert st["hostname"] == "later.local", st
    r = avahi.run("avahi-resolve", "-4", "-n", "later.local")
    assert r.stdout.split() == ["later.local", LWIPD_IP], r.stdout + r.stderr


def test_goodbye_on_stop(lwipd):
    _restart(lwipd, "bye")
    _announced(lwipd)
    sn = _sniff("udp port 5353 and (dst host 224.0.0.251 or dst host ff02::fb)")
    lwipd.call("mdns.stop")
    time.sleep(0.3)
    msgs = _dns_of(sn.stop())
    for group in (GROUP, GROUP6):
        assert any(dst == group and d.ancount >= 1 and all(rr.ttl == 0 for rr in _records(d))
                   for dst, d in msgs), (group, msgs)
    assert lwipd.call("mdns.status")["state"] == "off"


def test_resolver_asks_ff02_fb(lwipd):
    """lwipd's resolver sends a .local query to ff02::fb (RFC 6762 5.1) as
    well as to 224.0.0.251, and takes the AAAA answer a Linux socket joined
    to ff02::fb sends back by unicast (a one-shot query: RFC 6762 6.7)."""
    from scapy.layers.dns import DNS, DNSRR
    if lwipd.call("mdns.status")["running"]:
        lwipd.call("mdns.stop")
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind(("::", 5353))
    mreq = socket.inet_pton(socket.AF_INET6, GROUP6) + struct.pack("@I", socket.if_nametoindex(TAP))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    s.settimeout(3)
    c = lwipd.client()
    try:
        c.send_raw(json.dumps({"id": 1, "cmd": "dns.resolve", "args": {"name": "linuxbox.local",
                                                                         "type": "aaaa"}}).encode() + b"\n")
        while True:
            data, src = s.recvfrom(1500)
            q = DNS(data)
            if q.qr == 0 and q.qd and q.qd[0].qname == b"linuxbox.local.":
                break
        assert q.qd[0].qtype == 28 and q.rd == 0, q.show(dump=True)
        ans = DNS(id=q.id, qr=1, aa=1, qd=q.qd, an=DNSRR(rrname="linuxbox.local", type="AAAA", ttl=60,
                                                           rdata=HOST6))
        s.sendto(bytes(ans), src)
        reply = c.read_line()
    finally:
        c.close()
        s.close()
    assert reply["ok"], reply
    r = reply["result"]
    assert r["addresses"] == [HOST6] and r["server_index"] == "mdns", r
    # The query left from lwipd's link-local address; the answer came
    # from Linux's (the source Linux picks for a link-local destination).
    assert src[0].split("%")[0] in _our_ip6(lwipd) and src[0].startswith("fe80:"), src
    out = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", TAP, "scope", "link"], capture_output=True,
                         text=True).stdout
    assert r["server"].split("%")[0] in out, (r, out)


def test_malformed_counted(lwipd):
    _restart(lwipd, "lwipd")
    _announced(lwipd)
    hdr = struct.pack("!6H", 0, 0, 1, 0, 0, 0)
    cases = [
        ("MDNS_BAD_NAME", hdr + b"\xc0\x0c" + b"\x00\x01\x00\x01"),  # pointer to itself
        ("MDNS_BAD_NAME", hdr + b"\xc3\xff" + b"\x00\x01\x00\x01"),  # beyond the message
        ("MDNS_TRUNCATED", struct.pack("!6H", 0, 0, 1, 1, 0, 0) + b"\x05lwipd\x05local\x00\x00\x01\x00\x01" +
         b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x78\x00\x40\x0a"),  # RDLENGTH past the end
        ("MDNS_SHORT", b"\x00\x00\x00"),
        ("MDNS_BAD_HDR", struct.pack("!6H", 0, 0x2800, 0, 0, 0, 0)),
    ]
    for reason, payload in cases:
        before = _drop(lwipd, reason)
        _send(payload)
        deadline = time.time() + 2
        while _drop(lwipd, reason) <= before and time.time() < deadline:
            time.sleep(0.05)
        assert _drop(lwipd, reason) == before + 1, (reason, lwipd.drops())
    before = _drop(lwipd, "MDNS_BAD_PORT")
    _send(_a_answer("lwipd.local", "10.77.0.97"), sport=4444, dst=LWIPD_IP)
    time.sleep(0.3)
    assert _drop(lwipd, "MDNS_BAD_PORT") == before + 1
    st = lwipd.call("mdns.status")
    assert st["state"] == "announced" and st["counters"]["conflicts"] == 0, st


def test_bad_control_args(lwipd):
    c = lwipd.client()
    try:
        r = c.request("mdns.start", hostname="bad.name")
        assert not r["ok"]
        r = c.request("mdns.add", instance="X", service="http", port=80)
        assert not r["ok"] and r["error"]["code"] in ("bad_args", "not_found"), r
        r = c.request("mdns.remove", instance="nope")
        assert not r["ok"] and r["error"]["code"] == "not_found", r
        r = c.request("mdns.add", instance="X", service="_http", proto="sctp", port=80)
        assert not r["ok"]
    finally:
        c.close()
