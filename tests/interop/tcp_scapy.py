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
"""
import socket
import time

from scapy.all import IP, TCP, Ether, Raw

from lwipd_harness import LWIPD_IP, TAP

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

# TCP flag bits, by name, so assertions read like RFC 9293 3.1.
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


def flags_str(f):
    return "".join(n for b, n in ((SYN, "S"), (FIN, "F"), (RST, "R"), (PSH, "P"), (ACK, "A"), (URG, "U"))
                    if f & b) or "-"


def seq_add(a, n):
    return (a + n) & 0xffffffff


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

    def __init__(self, lwipd, ip="10.77.0.50", mac="02:00:00:77:00:50", sport=40000, dport=7):
        self.lwipd = lwipd
        self.ip = ip
        self.mac = mac
        self.sport = sport
        self.dport = dport
        lwipd.call("arp.add", ip=ip, mac=mac)
        self.lwipd_mac = lwipd.tap_netif()["mac"]
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind((TAP, 0))
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
        frame = Ether(src=self.mac, dst=self.lwipd_mac) / IP(src=self.ip, dst=LWIPD_IP) / tcp
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
            if len(data) < 34 or data[12:14] != b"\x08\x00" or data[23] != 6:
                continue
            pkt = Ether(data)
            if IP not in pkt or TCP not in pkt or pkt[IP].dst != self.ip or pkt[IP].src != LWIPD_IP:
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

    def accept(self, mss=1460, ws=7, sack=True, ts=True, win=65535, timeout=3.0):
        """Passive open against lwipd's active one: read its SYN, learn its
        port from it and answer SYN-ACK with the options it offered
        (RFC 9293 3.5; RFC 7323 and RFC 2018 only when offered)."""
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
        self.send(SYN | ACK, seq=self.iss, ack=self.rcv_nxt, win=min(win, 65535), options=opts)
        self.snd_nxt = seq_add(self.iss, 1)
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
