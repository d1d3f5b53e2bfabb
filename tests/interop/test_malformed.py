"""Malformed frames are dropped and counted; the daemon keeps answering."""
import subprocess

from scapy.all import ICMP, IP, UDP, Ether, Raw, conf, sendp

from lwipd_harness import HOST_IP, LWIPD_IP, TAP

conf.verb = 0


def _send_and_expect(lwipd, frame_bytes, reason):
    before = lwipd.drops().get(reason, 0)
    sendp(Ether(frame_bytes) if isinstance(frame_bytes, bytes) else frame_bytes, iface=TAP)
    # the control socket answering proves the daemon is alive and has
    # processed the frame (both run on the one event loop, frame first)
    import time
    for _ in range(50):
        if lwipd.drops().get(reason, 0) > before:
            return
        time.sleep(0.02)
    raise AssertionError(f"{reason} did not increase: {lwipd.drops()}")


def _base(lwipd):
    # type is given so that a Raw payload still says IPv4 (Scapy would
    # otherwise pick 0x9000 for it).
    return Ether(dst=lwipd.tap_netif()["mac"], src=lwipd.host_mac(), type=0x0800)


def test_bad_ip_checksum(lwipd):
    pkt = _base(lwipd) / IP(src=HOST_IP, dst=LWIPD_IP, chksum=0x1234) / ICMP() / Raw(b"x" * 8)
    _send_and_expect(lwipd, pkt, "IP4_BAD_CHKSUM")


def test_bad_version(lwipd):
    pkt = _base(lwipd) / IP(src=HOST_IP, dst=LWIPD_IP, version=5) / ICMP()
    _send_and_expect(lwipd, pkt, "IP4_BAD_VERSION")


def test_header_length_beyond_frame(lwipd):
    raw = bytes(IP(src=HOST_IP, dst=LWIPD_IP) / ICMP())
    raw = bytes([0x4f]) + raw[1:]  # IHL 15 = 60 bytes, frame has 28
    _send_and_expect(lwipd, _base(lwipd) / Raw(raw), "IP4_BAD_HLEN")


def test_total_length_beyond_frame(lwipd):
    pkt = _base(lwipd) / IP(src=HOST_IP, dst=LWIPD_IP, len=1000) / ICMP()
    _send_and_expect(lwipd, pkt, "IP4_BAD_TOTLEN")


def test_truncated_ip_header(lwipd):
    raw = bytes(IP(src=HOST_IP, dst=LWIPD_IP) / ICMP())[:12]
    _send_and_expect(lwipd, _base(lwipd) / Raw(raw), "IP4_SHORT")


def test_bad_udp_checksum(lwipd):
    pkt = _base(lwipd) / IP(src=HOST_IP, dst=LWIPD_IP) / UDP(sport=1, dport=7, chksum=0x1111) / Raw(b"abc")
    _send_and_expect(lwipd, pkt, "UDP_BAD_CHKSUM")


def test_truncated_udp(lwipd):
    pkt = _base(lwipd) / IP(src=HOST_IP, dst=LWIPD_IP, proto=17) / Raw(b"\x00\x01\x00")
    _send_and_expect(lwipd, pkt, "UDP_SHORT")


def test_bad_icmp_checksum(lwipd):
    pkt = _base(lwipd) / IP(src=HOST_IP, dst=LWIPD_IP) / ICMP(chksum=0x4321) / Raw(b"zz")
    _send_and_expect(lwipd, pkt, "ICMP_BAD_CHKSUM")


def test_runt_frame(lwipd):
    sendp(Raw(b"\x01\x02\x03"), iface=TAP)
    # runts never reach the stack's counters if the kernel refuses them; if it
    # does send them, they are counted as ETH_SHORT.  Either way: alive.
    assert lwipd.call("status")["version"]


def test_still_answers_ping(lwipd):
    r = subprocess.run(["ping", "-c", "3", "-i", "0.05", "-W", "2", LWIPD_IP], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    stats = lwipd.call("stats")
    assert stats["protocols"]["ip4"]["drop"] >= 1
