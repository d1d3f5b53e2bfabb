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
"""
import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP, TAP, ServerProcess

GROUP = "224.0.0.251"
GROUP_MAC = "01:00:5e:00:00:fb"


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
use-ipv6=no
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
    from scapy.all import IP, UDP, Ether, sendp
    mac = GROUP_MAC if dst == GROUP else None
    pkt = Ether(dst=mac) / IP(src=HOST_IP, dst=dst, ttl=255) / UDP(sport=sport, dport=5353) / payload
    sendp(pkt, iface=TAP, verbose=False)


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


def test_avahi_resolves_host(lwipd, avahi):
    _restart(lwipd, "lwipd")
    _announced(lwipd)
    r = avahi.run("avahi-resolve", "-4", "-n", "lwipd.local")
    assert r.returncode == 0, r.stderr + avahi.log()
    assert r.stdout.split() == ["lwipd.local", LWIPD_IP], r.stdout


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


def test_legacy_unicast_query(lwipd):
    from scapy.layers.dns import DNS, DNSQR
    _restart(lwipd, "lwipd")
    _announced(lwipd)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.sendto(bytes(DNS(id=0x4242, rd=0, qd=DNSQR(qname="lwipd.local", qtype="A"))), (LWIPD_IP, 5353))
        data, src = s.recvfrom(1500)
    finally:
        s.close()
    d = DNS(data)
    assert src == (LWIPD_IP, 5353)
    assert d.id == 0x4242 and d.qr == 1 and d.qdcount == 1 and d.ancount >= 1
    assert d.an[0].rdata == LWIPD_IP and d.an[0].ttl <= 10 and d.an[0].rclass == 1
    assert lwipd.call("mdns.status")["counters"]["legacy"] >= 1


def test_qu_query_unicast_answer(lwipd):
    from scapy.all import AsyncSniffer
    from scapy.layers.dns import DNS, DNSQR
    _restart(lwipd, "lwipd")
    _announced(lwipd)
    sn = AsyncSniffer(iface=TAP, filter=f"udp and src host {LWIPD_IP} and dst host {HOST_IP} and port 5353")
    sn.start()
    time.sleep(0.3)
    _send(bytes(DNS(id=0, qd=DNSQR(qname="lwipd.local", qtype="A", qclass=0x8001))))
    time.sleep(0.5)
    pkts = sn.stop()
    answers = [DNS(bytes(p["UDP"].payload)) for p in pkts]
    assert any(a.qr == 1 and a.ancount >= 1 for a in answers), pkts
    assert lwipd.call("mdns.status")["counters"]["unicast"] >= 1


def test_conflict_while_probing_renames(lwipd):
    st = _restart(lwipd, "clash")
    assert st["state"] == "probing", st
    _send(_a_answer("clash.local", "10.77.0.99"))
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
    from scapy.all import AsyncSniffer
    from scapy.layers.dns import DNS
    _restart(lwipd, "bye")
    _announced(lwipd)
    sn = AsyncSniffer(iface=TAP, filter=f"udp and src host {LWIPD_IP} and dst host {GROUP}")
    sn.start()
    time.sleep(0.3)
    lwipd.call("mdns.stop")
    time.sleep(0.3)
    pkts = sn.stop()
    dns = [DNS(bytes(p["UDP"].payload)) for p in pkts]
    assert any(d.ancount >= 1 and d.an[0].ttl == 0 for d in dns), pkts
    assert lwipd.call("mdns.status")["state"] == "off"


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
