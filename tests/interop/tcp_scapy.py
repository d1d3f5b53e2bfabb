"""A crafted-segment TCP peer for driving lwipd with exact flags and numbers.

The peer lives at an address the Linux side of the TAP does not own
(10.77.0.x, given per peer) with a MAC of its own, and lwipd is given a
static ARP entry for it (arp.add).  lwipd's frames to the peer therefore
carry a destination MAC that is not the TAP's: the Linux kernel treats them
as PACKET_OTHERHOST and drops them before IP, so it never answers a SYN-ACK
with a RST on the peer's behalf, and never sends ICMP.  The peer reads and
writes whole Ethernet frames through one AF_PACKET socket bound to the TAP,
so nothing of the Linux IP stack is involved in either direction.

Sequence numbers are kept the way RFC 9293 3.3.1 names them: the peer's
snd_nxt is what lwipd expects next (its RCV.NXT) and the peer's rcv_nxt is
lwipd's SND.NXT as far as the peer has seen it.

IPv6 (family=6): the peer is at fd00:77::50 and up, inside the /64 that
lwipd (LWIPD_IP6, started with ip6_args()) and Linux share but not an
address Linux owns.  lwipd has no static neighbor entry to give, so the
peer does what a neighbor does (RFC 4861): its first frame is a Neighbor
Solicitation carrying its link-layer address, which creates a STALE entry
in lwipd's cache (7.2.3), and it answers every solicitation for its address
with a solicited, override Advertisement (7.2.4) while it reads.  lwipd's
TCP frames then go to the peer's MAC and the kernel drops them as
PACKET_OTHERHOST, exactly as over IPv4.
"""
import socket
import time

from scapy.all import IP, TCP, Ether, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6, Raw

from lwipd_harness import LWIPD_IP, TAP

# The IPv6 addresses of the TCP tests, lwipd's and Linux's side of the TAP:
# the prefix test_ip6.py uses (each module has a namespace of its own).
LWIPD_IP6 = "fd00:77::2"
HOST_IP6 = "fd00:77::1"
PREFIX6 = 64


def ip6_args():
    """lwipd's extra arguments for a module whose peers speak IPv6 too."""
    return ["--ip6", f"{LWIPD_IP6}/{PREFIX6}", "--host-ip6", f"{HOST_IP6}/{PREFIX6}"]


def peer_ip(family, host):
    """The peer address numbered host (50 and up) in the family's test network."""
    return f"10.77.0.{host}" if family == 4 else f"fd00:77::{host:x}"

ETH_P_ALL = 0x0003
ETH_P_IP, ETH_P_IPV6 = b"\x08\x00", b"\x86\xdd"
IPPROTO_TCP, IPPROTO_ICMPV6 = 6, 58
ND_NS = 135
PACKET_OUTGOING = 4

# TCP flag bits, by name, so assertions read like RFC 9293 3.1.
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


def flags_str(f):
    return "".join(n for b, n in ((SYN, "S"), (FIN, "F"), (RST, "R"), (PSH, "P"), (ACK, "A"), (URG, "U"))
                    if f & b) or "-"


def seq_add(a, n):
    return (a + n) & 0xffffffff


def seq_le(a, b):
    """a <= b in sequence space (RFC 9293 3.4: modulo 2**32)."""
    return ((b - a) & 0xffffffff) < 0x80000000


class Segment:
    """One segment lwipd sent, decoded, with the time it was read."""

    def __init__(self, pkt, when):
        t = pkt[TCP]
        self.pkt = pkt
        self.when = when
        self.flags = int(t.flags)
        self.seq = t.seq
        self.ack = t.ack
        self.win = t.window
        self.sport = t.sport
        self.dport = t.dport
        self.payload = bytes(t.payload)
        self.options = {}
        for name, val in t.options:
            self.options[name] = val

    @property
    def seqlen(self):
        return len(self.payload) + (1 if self.flags & SYN else 0) + (1 if self.flags & FIN else 0)

    def __repr__(self):
        return (f"<{flags_str(self.flags)} seq={self.seq} ack={self.ack} win={self.win} "
                f"len={len(self.payload)} opts={self.options}>")


class Peer:
    """One TCP endpoint at (ip, sport) talking to lwipd at (LWIPD_IP, dport).
    dport None: lwipd opens actively (tcp.connect to ip:sport) and accept()
    learns its port from the SYN."""

    def __init__(self, lwipd, ip=None, mac="02:00:00:77:00:50", sport=40000, dport=7, family=4):
        assert family in (4, 6), family
        self.lwipd = lwipd
        self.family = family
        self.ip = ip or peer_ip(family, 0x50)
        self.mac = mac
        self.sport = sport
        self.dport = dport
        self.lwipd_mac = lwipd.tap_netif()["mac"]
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind((TAP, 0))
        if family == 4:
            self.lwipd_ip = LWIPD_IP
            lwipd.call("arp.add", ip=self.ip, mac=mac)
        else:
            self.lwipd_ip = LWIPD_IP6
            self._ip6_bin = socket.inet_pton(socket.AF_INET6, self.ip)
            self._lwipd6_bin = socket.inet_pton(socket.AF_INET6, LWIPD_IP6)
            self._announce()
        self.iss = 1000000 + sport * 7
        self.snd_nxt = self.iss
        self.rcv_nxt = None
        self.win = 65535
        self.ws = None          # our shift when window scaling is in use
        self.peer_ws = 0        # lwipd's shift
        self.ts = False
        self.ts_recent = 0      # lwipd's last TSval, echoed in our TSecr
        self.sent_tsval = 0     # our last TSval
        self.t0 = time.monotonic()
        self.synack = None
        self.last = None        # the last in-order data segment recv_data took

    def close(self):
        self.sock.close()

    # -- the network layer --
    def _ip_header(self):
        # Scapy fills in lengths and the TCP checksum over the right
        # pseudo-header (RFC 9293 3.1, RFC 8200 8.1) when the frame is built.
        if self.family == 4:
            return IP(src=self.ip, dst=LWIPD_IP)
        return IPv6(src=self.ip, dst=LWIPD_IP6)

    def _announce(self):
        """A Neighbor Solicitation for lwipd's address with our link-layer
        address: lwipd learns us from it (RFC 4861 7.2.3) and need not ask."""
        ns = (Ether(src=self.mac, dst=self.lwipd_mac) / IPv6(src=self.ip, dst=LWIPD_IP6, hlim=255)
              / ICMPv6ND_NS(tgt=LWIPD_IP6) / ICMPv6NDOptSrcLLAddr(lladdr=self.mac))
        self.sock.send(bytes(ns))

    def _answer_ns(self, data):
        """Answer lwipd's solicitation for our address (RFC 4861 7.2.4):
        solicited and override, with our link-layer address; hop limit 255
        or lwipd must drop it (7.1.2)."""
        pkt = Ether(data)
        if ICMPv6ND_NS not in pkt or socket.inet_pton(socket.AF_INET6, pkt[ICMPv6ND_NS].tgt) != self._ip6_bin:
            return
        src = pkt[IPv6].src
        dst = src if src != "::" else "ff02::1"
        na = (Ether(src=self.mac, dst=pkt[Ether].src) / IPv6(src=self.ip, dst=dst, hlim=255)
              / ICMPv6ND_NA(tgt=self.ip, R=0, S=int(src != "::"), O=1) / ICMPv6NDOptDstLLAddr(lladdr=self.mac))
        self.sock.send(bytes(na))

    def _ours(self, data):
        """The frame is a TCP segment from lwipd to our address (the
        addresses read straight from the header, compared as bytes); a
        Neighbor Solicitation on the way is answered."""
        if self.family == 4:
            return (len(data) >= 34 and data[12:14] == ETH_P_IP and data[23] == IPPROTO_TCP
                    and data[26:30] == socket.inet_aton(LWIPD_IP) and data[30:34] == socket.inet_aton(self.ip))
        if len(data) < 54 or data[12:14] != ETH_P_IPV6:
            return False
        if data[20] == IPPROTO_ICMPV6 and len(data) > 54 and data[54] == ND_NS:
            self._answer_ns(data)
            return False
        return data[20] == IPPROTO_TCP and data[22:38] == self._lwipd6_bin and data[38:54] == self._ip6_bin

    # -- sending --
    def tsval(self):
        return int((time.monotonic() - self.t0) * 1000) + 1

    def send(self, flags, seq=None, ack=None, payload=b"", win=None, options=None, sport=None):
        """Send one segment; seq/ack default to the connection's state, win
        (the raw 16-bit field) to self.win scaled by our shift.  The
        timestamp option goes on every segment once negotiated (RFC 7323
        3.2), unless options are given explicitly."""
        if seq is None:
            seq = self.snd_nxt
        if ack is None:
            ack = self.rcv_nxt if (flags & ACK) and self.rcv_nxt is not None else 0
        if win is None:
            # RFC 7323 2.2: the window of a SYN is never scaled.
            win = min(self.win >> (0 if flags & SYN else (self.ws or 0)), 65535)
        if options is None:
            options = []
            if self.ts:
                self.sent_tsval = self.tsval()
                options = [("NOP", None), ("NOP", None), ("Timestamp", (self.sent_tsval, self.ts_recent))]
        tcp = TCP(sport=sport or self.sport, dport=self.dport, seq=seq, ack=ack, flags=flags, window=win,
                  options=options)
        frame = Ether(src=self.mac, dst=self.lwipd_mac) / self._ip_header() / tcp
        if payload:
            frame = frame / Raw(payload)
        self.sock.send(bytes(frame))

    def send_data(self, payload, flags=PSH | ACK, advance=True):
        self.send(flags, payload=payload)
        if advance:
            self.snd_nxt = seq_add(self.snd_nxt, len(payload) + (1 if flags & FIN else 0))

    # -- receiving --
    def _read(self, deadline, sport=None):
        """The next segment from lwipd to this peer, or None at the deadline."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                return None
            when = time.monotonic()
            if addr[2] == PACKET_OUTGOING:
                continue
            if not self._ours(data):
                continue
            pkt = Ether(data)
            if TCP not in pkt:
                continue
            if self.dport is not None and pkt[TCP].sport != self.dport:
                continue
            if sport is not None and pkt[TCP].dport != sport:
                continue
            if sport is None and pkt[TCP].dport != self.sport:
                continue
            seg = Segment(pkt, when)
            if "Timestamp" in seg.options:
                self.ts_recent = seg.options["Timestamp"][0]
            return seg

    def expect(self, timeout=2.0, what="a segment", sport=None):
        seg = self._read(time.monotonic() + timeout, sport=sport)
        assert seg is not None, f"no answer from lwipd within {timeout} s (expected {what})"
        return seg

    def expect_new(self, timeout=2.0, what="a segment"):
        """Like expect, but passes over retransmissions of what we have
        received already (data or FIN wholly below rcv_nxt): a retransmission
        timer or a tail loss probe may fire before our ACK reaches lwipd, on a
        slow (sanitizer) build especially."""
        deadline = time.monotonic() + timeout
        while True:
            seg = self._read(deadline)
            assert seg is not None, f"no answer from lwipd within {timeout} s (expected {what})"
            used = len(seg.payload) + (1 if seg.flags & FIN else 0)
            if used == 0 or self.rcv_nxt is None or not seq_le(seq_add(seg.seq, used), self.rcv_nxt):
                return seg

    def expect_none(self, timeout=0.5):
        seg = self._read(time.monotonic() + timeout)
        assert seg is None, f"expected silence, lwipd sent {seg!r}"

    def drain(self, timeout=0.2):
        """Read and return everything lwipd sends for timeout seconds."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            seg = self._read(deadline)
            if seg is None:
                return out
            out.append(seg)

    # -- handshakes and shorthands --
    def syn_options(self, mss=1460, ws=7, sack=True, ts=True):
        opts = [("MSS", mss)] if mss is not None else []
        if sack:
            opts.append(("SAckOK", b""))
        if ts:
            opts.append(("Timestamp", (self.tsval(), 0)))
        if ws is not None:
            opts += [("NOP", None), ("WScale", ws)]
        return opts

    def connect(self, mss=1460, ws=7, sack=True, ts=True, win=65535, final_win=None):
        """Three-way handshake (RFC 9293 3.5); checks the SYN-ACK's numbers."""
        self.win = win
        self.send(SYN, seq=self.iss, ack=0, win=min(win, 65535), options=self.syn_options(mss, ws, sack, ts))
        self.snd_nxt = seq_add(self.iss, 1)
        sa = self.expect(what="SYN-ACK")
        assert sa.flags == SYN | ACK, f"expected SYN-ACK, got {sa!r}"
        assert sa.ack == self.snd_nxt, sa
        self.synack = sa
        self.rcv_nxt = seq_add(sa.seq, 1)
        self.ts = ts and "Timestamp" in sa.options
        if ws is not None and "WScale" in sa.options:
            self.ws = ws
            self.peer_ws = sa.options["WScale"]
        if final_win is not None:
            self.win = final_win
        self.send(ACK)
        return sa

    def accept(self, mss=1460, ws=7, sack=True, ts=True, win=65535, timeout=3.0, payload=b""):
        """Passive open against lwipd's active one: read its SYN, learn its
        port from it and answer SYN-ACK with the options it offered
        (RFC 9293 3.5; RFC 7323 and RFC 2018 only when offered), and with
        payload as text on the SYN-ACK (RFC 9293 3.10.7.3) if given."""
        syn = self.expect(timeout=timeout, what="SYN from lwipd")
        assert syn.flags == SYN and syn.ack == 0 and not syn.payload, syn
        self.dport = syn.sport
        self.rcv_nxt = seq_add(syn.seq, 1)
        self.win = win
        opts = [("MSS", mss)]
        if sack and "SAckOK" in syn.options:
            opts.append(("SAckOK", b""))
        self.ts = ts and "Timestamp" in syn.options
        if self.ts:
            self.sent_tsval = self.tsval()
            opts.append(("Timestamp", (self.sent_tsval, syn.options["Timestamp"][0])))
        if ws is not None and "WScale" in syn.options:
            self.ws = ws
            self.peer_ws = syn.options["WScale"]
            opts += [("NOP", None), ("WScale", ws)]
        self.send(SYN | ACK, seq=self.iss, ack=self.rcv_nxt, win=min(win, 65535), options=opts, payload=payload)
        self.snd_nxt = seq_add(self.iss, 1 + len(payload))
        return syn

    def ack(self, win=None):
        self.send(ACK, win=win)

    def reset(self):
        """Tear the connection down with an exactly placed RST."""
        self.send(RST | ACK)

    def recv_data(self, nbytes, timeout=3.0, ack_each=True):
        """Read nbytes of in-order data from lwipd, ACKing as it comes."""
        got = b""
        deadline = time.monotonic() + timeout
        while len(got) < nbytes:
            seg = self._read(deadline)
            assert seg is not None, f"only {len(got)} of {nbytes} bytes arrived"
            if seg.payload and seg.seq == self.rcv_nxt:
                self.last = seg
                got += seg.payload
                self.rcv_nxt = seq_add(self.rcv_nxt, len(seg.payload))
                if ack_each:
                    self.ack()
        return got
