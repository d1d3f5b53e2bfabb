"""ARP and ICMP against Linux and Scapy."""
import re
import subprocess
import time

from scapy.all import ARP, ICMP, IP, UDP, Ether, Raw, conf, fragment, srp, srp1, sendp, AsyncSniffer

from lwipd_harness import HOST_IP, LWIPD_IP, TAP

conf.verb = 0


def test_arp_request_reply(lwipd):
    mac = lwipd.tap_netif()["mac"]
    host_mac = lwipd.host_mac()
    ans = srp1(Ether(dst="ff:ff:ff:ff:ff:ff", src=host_mac) /
               ARP(op=1, hwsrc=host_mac, psrc=HOST_IP, pdst=LWIPD_IP), iface=TAP, timeout=3)
    assert ans is not None, "no ARP reply"
    assert ans[ARP].op == 2
    assert ans[ARP].hwsrc == mac
    assert ans[ARP].psrc == LWIPD_IP
    assert ans[ARP].pdst == HOST_IP
    assert ans[Ether].dst == host_mac
    # and lwipd learned us from the request (RFC 826 merge)
    entries = lwipd.call("arp.list")["entries"]
    assert any(e["ip"] == HOST_IP and e["mac"] == host_mac for e in entries)


def test_arp_for_other_address_ignored(lwipd):
    host_mac = lwipd.host_mac()
    before = lwipd.drops().get("ARP_NOT_FOR_US", 0)
    ans = srp1(Ether(dst="ff:ff:ff:ff:ff:ff", src=host_mac) /
               ARP(op=1, hwsrc=host_mac, psrc=HOST_IP, pdst="10.77.0.99"), iface=TAP, timeout=1)
    assert ans is None
    assert lwipd.drops().get("ARP_NOT_FOR_US", 0) == before + 1


def test_gratuitous_arp_on_address_change(lwipd):
    sniffer = AsyncSniffer(iface=TAP, filter="arp", store=True)
    sniffer.start()
    time.sleep(0.3)
    lwipd.call("netif.set", name=lwipd.tap_netif()["name"], ip=f"10.77.0.5/24")
    time.sleep(0.5)
    pkts = sniffer.stop()
    lwipd.call("netif.set", name=lwipd.tap_netif()["name"], ip=f"{LWIPD_IP}/24")
    garp = [p for p in pkts if ARP in p and p[ARP].psrc == "10.77.0.5" and p[ARP].pdst == "10.77.0.5"]
    assert garp, f"no gratuitous ARP seen among {[p.summary() for p in pkts]}"
    assert garp[0][Ether].dst == "ff:ff:ff:ff:ff:ff"


def _ping(size, count=3, extra=()):
    r = subprocess.run(["ping", "-c", str(count), "-i", "0.05", "-w", "30", "-s", str(size), *extra, LWIPD_IP],
                       capture_output=True, text=True, timeout=60)
    return r


def test_linux_ping_sizes(lwipd):
    # 0..9000 bytes of payload: the large ones are fragmented by Linux and
    # reassembled by lwipd, and the replies fragmented by lwipd.
    for size in (0, 1, 56, 1472, 1473, 2000, 4000, 8972, 9000):
        r = _ping(size)
        assert r.returncode == 0, f"ping -s {size} failed:\n{r.stdout}{r.stderr}"
        assert " 0% packet loss" in r.stdout, r.stdout


def test_echo_reply_content_scapy(lwipd):
    mac = lwipd.tap_netif()["mac"]
    host_mac = lwipd.host_mac()
    payload = bytes(range(256)) * 4
    req = Ether(dst=mac, src=host_mac) / IP(src=HOST_IP, dst=LWIPD_IP) / ICMP(id=0x4242, seq=7) / Raw(payload)
    ans = srp1(req, iface=TAP, timeout=3)
    assert ans is not None
    assert ans[ICMP].type == 0 and ans[ICMP].id == 0x4242 and ans[ICMP].seq == 7
    assert bytes(ans[Raw].load) == payload
    # checksum verified by rebuilding
    chk = ans[ICMP].chksum
    del ans[ICMP].chksum
    assert ICMP(bytes(ans[ICMP])).chksum == chk


def test_port_unreachable(lwipd):
    mac = lwipd.tap_netif()["mac"]
    host_mac = lwipd.host_mac()
    req = Ether(dst=mac, src=host_mac) / IP(src=HOST_IP, dst=LWIPD_IP) / UDP(sport=40000, dport=4444) / Raw(b"hello")
    ans = srp1(req, iface=TAP, timeout=3, filter="icmp")
    assert ans is not None, "no ICMP port unreachable"
    assert ans[ICMP].type == 3 and ans[ICMP].code == 3
    # Scapy decodes the quoted datagram as IPerror/UDPerror.
    from scapy.layers.inet import IPerror, UDPerror
    quoted = ans[ICMP].payload
    assert quoted[IPerror].dst == LWIPD_IP
    assert quoted[UDPerror].dport == 4444


def test_no_error_for_broadcast_udp(lwipd):
    mac = lwipd.tap_netif()["mac"]
    host_mac = lwipd.host_mac()
    req = (Ether(dst="ff:ff:ff:ff:ff:ff", src=host_mac) / IP(src=HOST_IP, dst="10.77.0.255") /
           UDP(sport=40000, dport=4444) / Raw(b"x"))
    ans = srp1(req, iface=TAP, timeout=1, filter="icmp")
    assert ans is None


def test_lwipctl_ping_to_linux(lwipd):
    r = lwipd.lwipctl("ping", HOST_IP, "-c", "5", "-i", "20", json_out=True)
    import json
    res = json.loads(r.stdout)["result"]
    assert res["transmitted"] == 5
    assert res["received"] == 5
    assert res["rtt_ms"]["median"] > 0


def test_reassembly_out_of_order_duplicate(lwipd):
    mac = lwipd.tap_netif()["mac"]
    host_mac = lwipd.host_mac()
    payload = bytes((i * 7) & 0xff for i in range(3000))
    pkt = IP(src=HOST_IP, dst=LWIPD_IP, id=0x5151) / ICMP(id=0x99, seq=1) / Raw(payload)
    frags = fragment(pkt, fragsize=1000)
    assert len(frags) >= 3
    order = [frags[2], frags[0], frags[0], frags[1]] + frags[3:]  # out of order with a duplicate
    sniffer = AsyncSniffer(iface=TAP, filter=f"icmp and src host {LWIPD_IP} or (ip[6:2] & 0x1fff != 0 and src host {LWIPD_IP})", store=True)
    sniffer.start()
    time.sleep(0.3)
    for f in order:
        sendp(Ether(dst=mac, src=host_mac) / f, iface=TAP)
    time.sleep(1.0)
    pkts = sniffer.stop()
    from scapy.all import defragment
    whole = [p for p in defragment([p[IP] for p in pkts if IP in p]) if ICMP in p and p[ICMP].type == 0 and p[ICMP].id == 0x99]
    assert whole, f"no reassembled echo reply: {[p.summary() for p in pkts]}"
    assert bytes(whole[0][Raw].load) == payload


def test_reassembly_overlap_dropped(lwipd):
    mac = lwipd.tap_netif()["mac"]
    host_mac = lwipd.host_mac()
    before = lwipd.drops().get("FRAG_OVERLAP", 0)
    payload = b"A" * 2000
    pkt = IP(src=HOST_IP, dst=LWIPD_IP, id=0x6161) / ICMP(id=0x98, seq=1) / Raw(payload)
    frags = fragment(pkt, fragsize=800)
    # an extra fragment overlapping the first one's tail
    over = IP(bytes(frags[1]))
    over.frag = over.frag - 10  # 80 bytes earlier: overlaps
    del over.chksum
    sniffer = AsyncSniffer(iface=TAP, filter=f"icmp and src host {LWIPD_IP}", store=True)
    sniffer.start()
    time.sleep(0.3)
    for f in [frags[0], over] + frags[1:]:
        sendp(Ether(dst=mac, src=host_mac) / f, iface=TAP)
    time.sleep(1.0)
    pkts = sniffer.stop()
    assert not [p for p in pkts if ICMP in p and p[ICMP].type == 0 and p[ICMP].id == 0x98]
    assert lwipd.drops().get("FRAG_OVERLAP", 0) >= before + 1
