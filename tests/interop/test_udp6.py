"""UDP and DNS over IPv6 against Linux (issue 16).

lwipd has a static global address and Linux's side of the TAP one too
(--ip6, --host-ip6), as in test_ip6.py.  Covered: the UDP echo app answers
Linux over IPv6 (global and link-local, sizes up to fragmented ones) and
over IPv4 from the same PCB (it listens on both families); a datagram to a
closed port makes Linux's connected socket see ECONNREFUSED (ICMPv6 port
unreachable); a datagram with a zero UDP checksum is dropped and counted;
AAAA and A lookups through dnsmasq listening on Linux's IPv6 address, with
`dns.servers` given that IPv6 address.
"""
import os
import shutil
import socket
import subprocess
import time

import pytest
from scapy.all import UDP, Ether, IPv6, Raw, sendp

from lwipd_harness import LWIPD_IP, TAP, ServerProcess, running_lwipd, wait_until

HOST6 = "fd00:78::1"
LWIPD6 = "fd00:78::2"
NAME = "six.test"
NAME_V4 = "10.78.0.66"
NAME_V6 = "fd78::66"


@pytest.fixture(scope="module")
def lwipd():
    args = ["--ip6", f"{LWIPD6}/64", "--host-ip6", f"{HOST6}/64"]
    with running_lwipd(extra_args=args) as d:
        wait_until(lambda: sum(1 for a in d.tap_netif()["ip6"] if a["state"] == "preferred") >= 2,
                   "lwipd's IPv6 addresses never became preferred")
        wait_until(_host_addr_ready, "Linux's IPv6 address stayed tentative")
        yield d


def _host_addr_ready():
    out = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", TAP], capture_output=True, text=True).stdout
    return HOST6 in out and "tentative" not in out


def _link_local(d):
    return next(a["addr"] for a in d.tap_netif()["ip6"] if a["origin"] == "link-local")


def _udp6(timeout=2.0):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    return s


def test_udp_echo_over_ipv6_and_ipv4(lwipd):
    app = lwipd.call("app.start", name="udp-echo")
    try:
        s = _udp6()
        for size in (0, 1, 100, 1232, 3000):
            data = bytes((i * 7) & 0xff for i in range(size))
            s.sendto(data, (LWIPD6, 7))
            got, addr = s.recvfrom(65535)
            assert got == data and addr[0] == LWIPD6 and addr[1] == 7
        ll = _link_local(lwipd)
        idx = socket.if_nametoindex(TAP)
        s.sendto(b"link-local", (ll, 7, 0, idx))
        got, addr = s.recvfrom(100)
        assert got == b"link-local" and addr[0].split("%")[0] == ll
        s.close()
        # The same app over IPv4: one dual-stack PCB.
        s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s4.settimeout(2)
        s4.sendto(b"four", (LWIPD_IP, 7))
        assert s4.recvfrom(100) == (b"four", (LWIPD_IP, 7))
        s4.close()
        apps = lwipd.call("app.list")["apps"]
        echo = [a for a in apps if a["id"] == app["id"]][0]
        assert echo["rx_packets"] == 7 and echo["tx_packets"] == 7
    finally:
        lwipd.call("app.stop", id=app["id"])


def test_port_unreachable(lwipd):
    before = lwipd.drops().get("UDP_NO_PCB", 0)
    s = _udp6()
    s.connect((LWIPD6, 33434))
    s.send(b"anyone?")
    with pytest.raises(ConnectionRefusedError):
        s.recv(100)
    s.close()
    assert lwipd.drops().get("UDP_NO_PCB", 0) == before + 1


def test_zero_checksum_dropped(lwipd):
    app = lwipd.call("app.start", name="udp-echo", port=7070)
    try:
        before = lwipd.drops().get("UDP6_ZERO_CHKSUM", 0)
        mac = lwipd.tap_netif()["mac"]
        frame = (Ether(src=lwipd.host_mac(), dst=mac) / IPv6(src=HOST6, dst=LWIPD6) /
                 UDP(sport=4000, dport=7070, chksum=0) / Raw(b"no checksum"))
        sendp(frame, iface=TAP, verbose=False)
        wait_until(lambda: lwipd.drops().get("UDP6_ZERO_CHKSUM", 0) == before + 1, "zero checksum not counted", 2.0)
        apps = lwipd.call("app.list")["apps"]
        assert [a for a in apps if a["id"] == app["id"]][0]["rx_packets"] == 0
    finally:
        lwipd.call("app.stop", id=app["id"])


class Dnsmasq6(ServerProcess):
    """dnsmasq as a DNS server only, on the TAP's addresses (IPv6 included)."""

    def __init__(self, workdir):
        self.dir = workdir
        self.log_path = os.path.join(workdir, "dnsmasq6.log")

    def start(self):
        args = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", f"--interface={TAP}", "--bind-interfaces",
                "--except-interface=lo", "--user=root", "--group=root", "--port=53", "--no-resolv", "--no-hosts",
                f"--pid-file={self.dir}/dnsmasq6.pid", f"--address=/{NAME}/{NAME_V4}",
                f"--address=/{NAME}/{NAME_V6}", "--local=/test/", "--log-queries", f"--log-facility={self.log_path}"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 5
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dnsmasq exited: {self.proc.stderr.read().decode(errors='replace')}")
            if self._ready():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"dnsmasq never answered on [{HOST6}]:53\n{self.log()}")

    def _ready(self):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        try:
            s.sendto(b"\x12\x34\x01\x00" + b"\x00" * 8, (HOST6, 53))
            s.recvfrom(512)
            return True
        except OSError:
            return False
        finally:
            s.close()


@pytest.fixture(scope="module")
def dnsmasq6(lwipd):
    if shutil.which("dnsmasq") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dnsmasq is missing under CI (tools/install-deps installs it)")
        pytest.skip("dnsmasq is not installed (tools/install-deps installs it)")
    d = Dnsmasq6(lwipd.dir).start()
    try:
        yield d
    finally:
        d.stop()


def test_dns_over_ipv6(lwipd, dnsmasq6):
    servers = lwipd.call("dns.servers", servers=[HOST6])["servers"]
    assert servers == [{"index": 0, "address": HOST6, "source": "manual"}]
    try:
        lwipd.call("dns.cache.flush")
        r6 = lwipd.call("dns.resolve", name=NAME, type="aaaa")
        assert r6["addresses"] == [NAME_V6] and r6["qtype"] == "aaaa", r6
        assert r6["server"] == HOST6 and r6["server_index"] == 0 and r6["tries"] == 1
        r4 = lwipd.call("dns.resolve", name=NAME, type="a")
        assert r4["addresses"] == [NAME_V4] and r4["server"] == HOST6, r4
        # dnsmasq saw both questions arrive over IPv6 from lwipd's address
        # (the name in lwipd's random 0x20 letter case).
        log = dnsmasq6.log().lower()
        assert f"query[aaaa] {NAME} from {LWIPD6}" in log and f"query[a] {NAME} from {LWIPD6}" in log, log
        bad = lwipd.client().request("dns.servers", servers=["ff02::1"])
        assert not bad["ok"] and bad["error"]["code"] == "bad_args"
    finally:
        lwipd.call("dns.servers", servers=[])


def test_sock_udp_inet6_round_trip(lwipd):
    """sock.* with family inet6: an IPv6 UDP socket bound to [::]:port
    receives from Linux, answers with sendto, connects and writes; TCP
    inet6 sockets are still refused."""
    from sockclient import SockClient, SockError
    sc = SockClient(lwipd.ctl_path)
    try:
        fd = sc.call("sock.socket", type="udp", family="inet6")["fd"]
        assert sc.info(fd)["family"] == "inet6"
        assert sc.call("sock.bind", fd=fd, ip="::", port=6006) == {"ip": "::", "port": 6006}
        h = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        h.bind((HOST6, 0))
        h.settimeout(2)
        h.sendto(b"over six", (LWIPD6, 6006))
        data, addr = sc.recvfrom(fd, timeout=2)
        assert data == b"over six" and addr == (HOST6, h.getsockname()[1])
        assert sc.sendto(fd, b"back", *addr) == 4
        got, src = h.recvfrom(100)
        assert got == b"back" and src[:2] == (LWIPD6, 6006)
        sc.connect(fd, *addr)
        assert sc.write(fd, b"connected") == 9
        assert h.recvfrom(100)[0] == b"connected"
        info = sc.info(fd)
        assert info["family"] == "inet6" and info["peer"] == {"ip": HOST6, "port": addr[1]}
        h.close()
        # Linux's port unreachable (ICMPv6) reaches the connected socket as
        # ECONNREFUSED on its next read, as on Linux.
        assert sc.write(fd, b"anyone?") == 7
        with pytest.raises(SockError) as e:
            sc.read(fd, timeout=2)
        assert e.value.errno == "ECONNREFUSED"
        # An IPv4 address is no address of an inet6 socket.
        with pytest.raises(SockError) as e:
            sc.sendto(fd, b"x", "10.77.0.1", 9)
        assert e.value.errno == "bad_args"
    finally:
        sc.close()


def test_sock_tcp_inet6(lwipd):
    """sock.* TCP with family inet6: a listener on [::]:7007 accepts Linux's
    IPv6 connection, data both ways, addresses IPv6 in every result."""
    from sockclient import SockClient
    sc = SockClient(lwipd.ctl_path)
    try:
        lfd = sc.call("sock.socket", type="tcp", family="inet6")["fd"]
        assert sc.bind(lfd, ip="::", port=7007) == {"ip": "::", "port": 7007}
        sc.listen(lfd, 4)
        h = socket.create_connection((LWIPD6, 7007), timeout=3)
        a = sc.call("sock.accept", fd=lfd, timeout_ms=3000)
        assert a["peer"] == {"ip": HOST6, "port": h.getsockname()[1]} and a["local"] == {"ip": LWIPD6, "port": 7007}
        h.sendall(b"hello over six")
        assert sc.read(a["fd"], timeout=2) == b"hello over six"
        assert sc.write(a["fd"], b"and back") == 8
        assert h.recv(100) == b"and back"
        assert sc.info(a["fd"])["family"] == "inet6"
        h.close()
    finally:
        sc.close()


def _host_link_local():
    out = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", TAP, "scope", "link"], capture_output=True,
                         text=True, check=True).stdout
    return out.split("inet6 ", 1)[1].split("/", 1)[0]


def _ra_rdnss(lwipd, servers, lifetime):
    from scapy.all import ICMPv6ND_RA, ICMPv6NDOptRDNSS
    frame = (Ether(src=lwipd.host_mac(), dst="33:33:00:00:00:01") /
             IPv6(src=_host_link_local(), dst="ff02::1", hlim=255) /
             ICMPv6ND_RA(routerlifetime=0) / ICMPv6NDOptRDNSS(dns=servers, lifetime=lifetime))
    sendp(frame, iface=TAP, verbose=False)


def _servers(lwipd):
    return lwipd.call("dns.servers")["servers"]


def test_ra_rdnss_feeds_the_resolver(lwipd, dnsmasq6):
    """RFC 8106 5.3.1: an RA's RDNSS becomes the resolver's server while none
    was set by hand, and leaves with lifetime 0; a manual server wins."""
    lwipd.call("dns.servers", servers=[])
    _ra_rdnss(lwipd, [HOST6], 600)
    wait_until(lambda: _servers(lwipd) == [{"index": 0, "address": HOST6, "source": "ra-rdnss"}],
               f"RDNSS not installed: {_servers(lwipd)}", 3.0)
    out = lwipd.lwipctl("dns", "servers").stdout
    assert any(l.split()[1:] == [HOST6, "ra-rdnss"] for l in out.splitlines()), out
    lwipd.call("dns.cache.flush")
    r = lwipd.call("dns.resolve", name=NAME, type="aaaa")
    assert r["addresses"] == [NAME_V6] and r["server"] == HOST6
    _ra_rdnss(lwipd, [HOST6], 0)
    wait_until(lambda: _servers(lwipd) == [], f"RDNSS not withdrawn: {_servers(lwipd)}", 3.0)
    # Set by hand: an RDNSS does not replace it.
    lwipd.call("dns.servers", servers=["10.77.0.1"])
    try:
        _ra_rdnss(lwipd, [HOST6], 600)
        wait_until(lambda: lwipd.call("nd.dns")["servers"], "the RA's RDNSS not learnt", 3.0)
        assert _servers(lwipd) == [{"index": 0, "address": "10.77.0.1", "source": "manual"}]
    finally:
        _ra_rdnss(lwipd, [HOST6], 0)
        lwipd.call("dns.servers", servers=[])
