"""The sock.* control calls (socket-style calls on lwipd's own stack) with
a crafted-segment peer on the wire (tcp_scapy.Peer): the application side
of each conversation is driven over the control socket, the wire side by
the test, and both are checked exactly.

The peer uses addresses the Linux side of the TAP does not own, so the
kernel never answers for it (see tcp_scapy).  Connection-refused uses the
real Linux stack at HOST_IP instead: its RST for a closed port is the
reference behaviour.
"""
import base64
import socket
import time

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP
from sockclient import SockClient, SockError
from tcp_scapy import ACK, FIN, PSH, RST, SYN, Peer, seq_add

PEER_IP = "10.77.0.61"
PEER_MAC = "02:00:00:77:00:61"
_next_port = [43000]


def _port():
    _next_port[0] += 1
    return _next_port[0]


def pattern(n):
    """What sock.write(length=n) sends: byte i is i % 256."""
    return bytes(i & 0xff for i in range(n))


@pytest.fixture
def sc(lwipd):
    c = SockClient(lwipd.ctl_path)
    yield c
    c.close()


@pytest.fixture
def peer(lwipd):
    made = []

    def make(sport, dport, **kw):
        p = Peer(lwipd, ip=PEER_IP, mac=PEER_MAC, sport=sport, dport=dport, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        if p.rcv_nxt is not None:
            p.reset()
        p.close()


def err_of(fn, *a, **kw):
    with pytest.raises(SockError) as ei:
        fn(*a, **kw)
    return ei.value.errno


def lwipd_connects(sc, p, fd, timeout_ms=3000):
    """lwipd's connect on @fd answered by the peer (RFC 9293 3.5 figure 6):
    returns the connect result."""
    rid = sc.start("sock.connect", fd=fd, ip=p.ip, port=p.sport, timeout_ms=timeout_ms)
    syn = p.expect(what="SYN")
    assert syn.flags == SYN and syn.ack == 0, syn
    p.rcv_nxt = seq_add(syn.seq, 1)
    p.send(SYN | ACK, seq=p.iss, ack=p.rcv_nxt, options=[("MSS", 1460)])
    p.snd_nxt = seq_add(p.iss, 1)
    ack = p.expect(what="ACK of our SYN-ACK")
    assert ack.flags & ACK and ack.ack == p.snd_nxt and ack.seq == p.rcv_nxt, ack
    return sc.wait(rid, "sock.connect")


def established_passive(sc, peer, backlog=4, win=65535):
    """A listener on a fresh port, a peer connected to it, and the accepted
    descriptor.  @return (listen fd, accepted fd, peer)."""
    lport = _port()
    lfd = sc.socket("tcp")
    sc.bind(lfd, port=lport)
    sc.listen(lfd, backlog)
    p = peer(_port(), lport)
    p.connect(mss=1460, ws=None, sack=False, ts=False, win=win)
    fd, addr = sc.accept(lfd, timeout=2)
    assert addr == (PEER_IP, p.sport)
    return lfd, fd, p


# ---------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------

def test_active_open_and_data(sc, peer):
    lport = _port()
    fd = sc.socket("tcp")
    assert sc.bind(fd, port=lport) == {"ip": "0.0.0.0", "port": lport}
    p = peer(_port(), lport)
    res = lwipd_connects(sc, p, fd)
    assert res["peer"] == {"ip": PEER_IP, "port": p.sport}
    assert res["local"] == {"ip": LWIPD_IP, "port": lport}
    assert sc.getpeername(fd) == (PEER_IP, p.sport)
    assert sc.getsockname(fd) == (LWIPD_IP, lport)
    info = sc.info(fd)
    assert info["state"] == "ESTABLISHED" and info["type"] == "tcp"
    # "write 3000 bytes now": three segments at most, in order, intact.
    assert sc.write(fd, length=3000, timeout=2) == 3000
    assert p.recv_data(3000) == pattern(3000)
    time.sleep(0.05)
    tcp = sc.info(fd)["tcp"]  # the tcp.list fields of this connection
    assert (tcp["local_port"], tcp["remote"], tcp["remote_port"]) == (lport, PEER_IP, p.sport)
    assert tcp["state"] == "ESTABLISHED" and tcp["send_q"] == 0 and tcp["mss"] == 1460
    p.send_data(b"hello from the wire")
    assert sc.read(fd, 100, timeout=2) == b"hello from the wire"


def test_passive_open_backlog_one(sc, peer):
    """With backlog 1 and one connection waiting for sock.accept, a second
    SYN gets no answer (the peer retransmits it, RFC 9293 3.10.7.2 leaves
    this to the implementation) until the first is accepted."""
    lport = _port()
    lfd = sc.socket("tcp")
    sc.bind(lfd, port=lport)
    assert sc.listen(lfd, 1) == {"backlog": 1}
    a = peer(_port(), lport)
    a.connect(mss=1460, ws=None, sack=False, ts=False)
    info = sc.info(lfd)
    assert info["listening"] and info["accept_queue"] == 1 and info["backlog"] == 1
    b = peer(_port(), lport)
    b.send(SYN, seq=b.iss, ack=0, options=[("MSS", 1460)])
    b.expect_none(0.8)
    fd, addr = sc.accept(lfd, timeout=1)
    assert addr == (PEER_IP, a.sport)
    assert sc.info(lfd)["accept_queue"] == 0
    # The retransmitted SYN now finds room.
    b.send(SYN, seq=b.iss, ack=0, options=[("MSS", 1460)])
    sa = b.expect(what="SYN-ACK to the retransmitted SYN")
    assert sa.flags == SYN | ACK and sa.ack == seq_add(b.iss, 1)
    b.rcv_nxt = seq_add(sa.seq, 1)
    b.snd_nxt = seq_add(b.iss, 1)
    b.send(ACK)
    fd2, addr2 = sc.accept(lfd, timeout=1)
    assert addr2 == (PEER_IP, b.sport) and fd2 != fd
    # Each accepted socket carries its own connection.
    b.send_data(b"from b")
    a.send_data(b"from a")
    assert sc.read(fd2, 100, timeout=1) == b"from b"
    assert sc.read(fd, 100, timeout=1) == b"from a"


def test_accept_timeout_and_nonblocking(sc):
    lfd = sc.socket("tcp")
    sc.bind(lfd, port=_port())
    sc.listen(lfd, 2)
    t = time.monotonic()
    assert err_of(sc.accept, lfd, timeout=0.3) == "EAGAIN"
    assert 0.25 <= time.monotonic() - t < 1.0
    assert sc.fcntl(lfd, nonblock=True) is True
    t = time.monotonic()
    assert err_of(sc.accept, lfd) == "EAGAIN"
    assert time.monotonic() - t < 0.2


def _simultaneous_syns(sc, p, lport):
    """Both ends send SYN; lwipd answers ours with SYN-ACK (SYN-RECEIVED)."""
    rid = sc.start("sock.connect", fd=0, ip=p.ip, port=p.sport, timeout_ms=2000)
    syn = p.expect(what="SYN")
    assert syn.flags == SYN
    p.send(SYN, seq=p.iss, ack=0, options=[("MSS", 1460)])
    p.snd_nxt = seq_add(p.iss, 1)
    sa = p.expect(what="SYN-ACK in SYN-RECEIVED")
    assert sa.flags == SYN | ACK and sa.seq == syn.seq and sa.ack == p.snd_nxt, sa
    p.rcv_nxt = seq_add(syn.seq, 1)
    return rid


def test_simultaneous_open(sc, peer):
    """RFC 9293 3.5 figure 8: both ends send SYN; each answers the other's
    SYN with SYN-ACK, and both reach ESTABLISHED."""
    lport = _port()
    fd = sc.socket("tcp")
    assert fd == 0
    sc.bind(fd, port=lport)
    p = peer(_port(), lport)
    rid = _simultaneous_syns(sc, p, lport)
    p.send(SYN | ACK, seq=p.iss, ack=p.rcv_nxt, options=[("MSS", 1460)])
    answer = p.drain(0.3)
    assert not any(a.flags & (RST | SYN) for a in answer), answer
    res = sc.wait(rid, "sock.connect", wait=3)
    assert res["peer"] == {"ip": PEER_IP, "port": p.sport}
    assert sc.info(fd)["state"] == "ESTABLISHED"
    sc.write(fd, b"simultaneous", timeout=1)
    assert p.recv_data(12) == b"simultaneous"


def test_simultaneous_open_completed_by_ack(sc, peer):
    """The same crossing SYNs, completed by a plain ACK of lwipd's SYN-ACK
    (what a peer that already reached ESTABLISHED sends)."""
    lport = _port()
    fd = sc.socket("tcp")
    assert fd == 0
    sc.bind(fd, port=lport)
    p = peer(_port(), lport)
    rid = _simultaneous_syns(sc, p, lport)
    p.send(ACK)
    res = sc.wait(rid, "sock.connect", wait=3)
    assert res["peer"] == {"ip": PEER_IP, "port": p.sport}
    assert sc.info(fd)["state"] == "ESTABLISHED"
    sc.write(fd, b"simultaneous", timeout=1)
    assert p.recv_data(12) == b"simultaneous"


def test_connect_refused_by_linux(sc):
    """Linux answers a SYN to a closed port with RST (RFC 9293 3.10.7.1):
    ECONNREFUSED; the socket may connect again afterwards."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST_IP, 0))
    closed_port = s.getsockname()[1]
    s.close()
    fd = sc.socket("tcp")
    assert err_of(sc.connect, fd, HOST_IP, closed_port, timeout=3) == "ECONNREFUSED"
    assert sc.info(fd)["state"] == "CLOSED"
    # A real connection to Linux after that, on the same descriptor.
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind((HOST_IP, 0))
    srv.listen(1)
    srv.settimeout(3)
    sc.connect(fd, HOST_IP, srv.getsockname()[1], timeout=3)
    conn, _ = srv.accept()
    conn.settimeout(3)
    sc.write(fd, b"to linux")
    assert conn.recv(100) == b"to linux"
    conn.sendall(b"to lwipd")
    assert sc.read(fd, 100, timeout=2) == b"to lwipd"
    conn.close()
    assert sc.read(fd, 100, timeout=2) == b""  # Linux's FIN
    sc.close_fd(fd)
    srv.close()


def test_connect_timeout_syn_retransmissions(sc, peer):
    """No answer to the SYN: retransmissions after 1 s and then 2 s more
    (RFC 6298 2.1 initial RTO of 1 s, 5.5 doubling), then ETIMEDOUT when
    the caller's timeout expires."""
    lport = _port()
    fd = sc.socket("tcp")
    sc.bind(fd, port=lport)
    p = peer(_port(), lport)
    t0 = time.monotonic()
    rid = sc.start("sock.connect", fd=fd, ip=p.ip, port=p.sport, timeout_ms=3600)
    syns = []
    deadline = time.monotonic() + 3.4
    while time.monotonic() < deadline:
        s = p._read(deadline)
        if s is not None:
            syns.append(s)
    assert [s.flags for s in syns] == [SYN, SYN, SYN], syns
    assert len({s.seq for s in syns}) == 1  # the same SYN again
    d1 = syns[1].when - syns[0].when
    d2 = syns[2].when - syns[1].when
    assert 0.9 <= d1 <= 1.2, f"first retransmission after {d1:.3f} s"
    assert 1.9 <= d2 <= 2.2, f"second retransmission after {d2:.3f} s"
    with pytest.raises(SockError) as ei:
        sc.wait(rid, "sock.connect", wait=3)
    assert ei.value.errno == "ETIMEDOUT"
    assert 3.5 <= time.monotonic() - t0 < 4.5
    p.expect_none(0.3)  # given up: no RST for a connection never established
    assert sc.info(fd)["state"] == "CLOSED"


def test_nonblocking_connect_poll(sc, peer):
    lport = _port()
    fd = sc.socket("tcp")
    sc.bind(fd, port=lport)
    sc.fcntl(fd, nonblock=True)
    p = peer(_port(), lport)
    assert err_of(sc.connect, fd, p.ip, p.sport) == "EINPROGRESS"
    assert err_of(sc.connect, fd, p.ip, p.sport) == "EALREADY"
    assert sc.poll({fd: ["out"]}, timeout=0) == {}
    syn = p.expect(what="SYN")
    rid = sc.start("sock.poll", fds=[{"fd": fd, "events": ["out"]}], timeout_ms=2000)
    p.rcv_nxt = seq_add(syn.seq, 1)
    p.send(SYN | ACK, seq=p.iss, ack=p.rcv_nxt, options=[("MSS", 1460)])
    p.snd_nxt = seq_add(p.iss, 1)
    assert sc.wait(rid, "sock.poll")["ready"] == [{"fd": fd, "revents": ["out"]}]
    assert sc.getsockopt(fd, "SO_ERROR") is None
    assert err_of(sc.connect, fd, p.ip, p.sport) == "EISCONN"
    assert err_of(sc.read, fd) == "EAGAIN"


def test_nonblocking_connect_refused_so_error(sc):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST_IP, 0))
    closed_port = s.getsockname()[1]
    s.close()
    fd = sc.socket("tcp")
    sc.fcntl(fd, nonblock=True)
    assert err_of(sc.connect, fd, HOST_IP, closed_port) == "EINPROGRESS"
    ready = sc.poll({fd: ["out"]}, timeout=2)
    assert "err" in ready[fd] and "hup" in ready[fd]
    assert sc.getsockopt(fd, "SO_ERROR") == "ECONNREFUSED"
    assert sc.getsockopt(fd, "SO_ERROR") is None  # reading it cleared it


# ---------------------------------------------------------------------------
# Closing
# ---------------------------------------------------------------------------

def test_half_close_peer_first(sc, peer):
    """The peer closes its side; lwipd reads end of stream, can still send
    (CLOSE-WAIT, RFC 9293 3.6), then closes its side."""
    _, fd, p = established_passive(sc, peer)
    p.send_data(b"last words", flags=PSH | ACK | FIN)
    assert sc.read(fd, 100, timeout=1) == b"last words"
    assert sc.read(fd, 100, timeout=1) == b""
    assert sc.info(fd)["state"] == "CLOSE_WAIT"
    assert sc.write(fd, length=500, timeout=1) == 500
    assert p.recv_data(500) == pattern(500)
    sc.shutdown(fd, "wr")
    fin = p.expect(what="FIN")
    while not fin.flags & FIN:
        fin = p.expect(what="FIN")
    assert fin.seq == p.rcv_nxt and fin.ack == p.snd_nxt
    p.rcv_nxt = seq_add(p.rcv_nxt, 1)
    p.send(ACK)
    p.rcv_nxt = None  # nothing left to reset
    assert err_of(sc.write, fd, b"x") == "EPIPE"
    assert sc.read(fd, 100, timeout=1) == b""


def test_half_close_lwipd_first(sc, peer):
    """lwipd shuts down its sending side; the peer may go on sending and
    lwipd reads it (FIN-WAIT-2), then the peer's FIN ends the stream."""
    _, fd, p = established_passive(sc, peer)
    sc.shutdown(fd, "wr")
    fin = p.expect(what="FIN")
    assert fin.flags & FIN and fin.seq == p.rcv_nxt and fin.ack == p.snd_nxt
    p.rcv_nxt = seq_add(p.rcv_nxt, 1)
    p.send(ACK)
    time.sleep(0.05)
    assert sc.info(fd)["state"] == "FIN_WAIT_2"
    assert err_of(sc.write, fd, b"no") == "EPIPE"
    p.send_data(b"a" * 700)
    p.send_data(b"b" * 300, flags=PSH | ACK | FIN)
    got = b""
    while len(got) < 1000:
        chunk = sc.read(fd, 65536, timeout=1)
        assert chunk
        got += chunk
    assert got == b"a" * 700 + b"b" * 300
    assert sc.read(fd, 100, timeout=1) == b""
    ack = p.expect(what="ACK of the FIN")
    while ack.ack != p.snd_nxt:
        ack = p.expect(what="ACK of the FIN")
    assert ack.flags == ACK
    p.rcv_nxt = None


def test_rst_in_last_ack_reported(sc, peer):
    """Both FINs out (the peer's first, then ours: LAST-ACK), and the peer
    resets instead of acknowledging ours: the socket the application still
    holds reports ECONNRESET through SO_ERROR and then on read, as a POSIX
    stack does, and sock.info shows it until sock.close."""
    _, fd, p = established_passive(sc, peer)
    p.send_data(b"bye", flags=PSH | ACK | FIN)
    assert sc.read(fd, 100, timeout=1) == b"bye"
    assert sc.read(fd, 100, timeout=1) == b""
    sc.shutdown(fd, "wr")
    fin = p.expect(what="FIN")
    while not fin.flags & FIN:
        fin = p.expect(what="FIN")
    assert sc.info(fd)["state"] == "LAST_ACK"
    p.send(RST | ACK, seq=p.snd_nxt, ack=seq_add(fin.seq, 1))
    p.rcv_nxt = None
    time.sleep(0.2)
    assert sc.info(fd)["state"] == "CLOSED"
    assert sc.getsockopt(fd, "SO_ERROR") == "ECONNRESET"
    assert sc.getsockopt(fd, "SO_ERROR") is None  # reading it cleared it
    assert sc.read(fd, 100, timeout=1) == b""
    sc.close_fd(fd)
    assert err_of(sc.info, fd) == "EBADF"


def test_rst_in_closing_reported_on_read(sc, peer):
    """Simultaneous close (CLOSING, RFC 9293 3.6) ended by a RST: the next
    read reports ECONNRESET."""
    _, fd, p = established_passive(sc, peer)
    sc.shutdown(fd, "wr")
    fin = p.expect(what="FIN")
    while not fin.flags & FIN:
        fin = p.expect(what="FIN")
    # Our FIN crossed the peer's: the peer's FIN does not ack ours.
    p.send(FIN | ACK, ack=fin.seq)
    p.snd_nxt = seq_add(p.snd_nxt, 1)
    time.sleep(0.1)
    assert sc.info(fd)["state"] == "CLOSING"
    p.send(RST | ACK, seq=p.snd_nxt, ack=seq_add(fin.seq, 1))
    p.rcv_nxt = None
    time.sleep(0.2)
    assert err_of(sc.read, fd, 100) == "ECONNRESET"
    assert sc.read(fd, 100, timeout=1) == b""
    assert sc.info(fd)["state"] == "CLOSED"
    sc.close_fd(fd)


def test_read_peek(sc, peer):
    """sock.read with peek (MSG_PEEK): the data comes back and stays
    queued, the window does not open for it; a plain read then takes it."""
    _, fd, p = established_passive(sc, peer)
    p.send_data(b"0123456789")
    p.expect(what="ACK of the data")
    assert sc.peek(fd, 4, timeout=1) == b"0123"
    assert sc.peek(fd, 100, timeout=1) == b"0123456789"
    assert sc.info(fd)["rx_queued"] == 10
    assert sc.read(fd, 4, timeout=1) == b"0123"
    assert sc.peek(fd, 100, timeout=1) == b"456789"
    assert sc.read(fd, 100, timeout=1) == b"456789"
    assert sc.info(fd)["rx_queued"] == 0
    # A blocking peek waits for data like a read.
    rid = sc.start("sock.read", fd=fd, peek=True, timeout_ms=2000)
    time.sleep(0.1)
    p.send_data(b"later")
    r = sc.wait(rid, "sock.read")
    assert base64.b64decode(r["data"]) == b"later"
    assert sc.read(fd, 100, timeout=1) == b"later"


def test_tcp_info_option(sc, peer):
    """getsockopt TCP_INFO: read-only, the state and sock.info's TCP
    fields; refused on UDP and for setsockopt."""
    _, fd, p = established_passive(sc, peer)
    v = sc.getsockopt(fd, "TCP_INFO")
    info = sc.info(fd)
    assert v["state"] == "ESTABLISHED" == info["state"]
    assert set(v["tcp"]) == set(info["tcp"]), (v, info)
    assert v["tcp"]["mss"] == info["tcp"]["mss"]
    assert err_of(sc.setsockopt, fd, "TCP_INFO", 1) in ("ENOPROTOOPT", "EINVAL")
    u = sc.socket("udp")
    assert err_of(sc.getsockopt, u, "TCP_INFO") == "ENOPROTOOPT"
    sc.close_fd(u)


def test_rst_on_close_with_unread_data(sc, peer):
    """RFC 1122 4.2.2.13 / RFC 9293 3.10.4: closing with data the
    application never read sends RST, not FIN."""
    _, fd, p = established_passive(sc, peer)
    p.send_data(b"never read" * 10)
    p.expect(what="ACK of the data")
    assert sc.info(fd)["rx_queued"] == 100
    assert sc.close_fd(fd) == {"reset": True}
    rst = p.expect(what="RST")
    assert rst.flags & RST and rst.seq == p.rcv_nxt, rst
    p.rcv_nxt = None
    assert err_of(sc.info, fd) == "EBADF"


def test_linger_zero_close_resets(sc, peer):
    _, fd, p = established_passive(sc, peer)
    assert sc.setsockopt(fd, "SO_LINGER", {"onoff": True, "linger": 0}) == {"onoff": True, "linger": 0}
    assert sc.close_fd(fd) == {"reset": True}
    rst = p.expect(what="RST")
    assert rst.flags & RST and rst.seq == p.rcv_nxt
    p.rcv_nxt = None


def test_graceful_close(sc, peer):
    _, fd, p = established_passive(sc, peer)
    assert sc.close_fd(fd) == {"reset": False}
    fin = p.expect(what="FIN")
    assert fin.flags == FIN | ACK and fin.seq == p.rcv_nxt
    p.rcv_nxt = seq_add(p.rcv_nxt, 1)
    p.send(FIN | ACK)
    ack = p.expect(what="ACK of our FIN")
    assert ack.flags == ACK and ack.ack == seq_add(p.snd_nxt, 1)
    p.rcv_nxt = None


def test_reset_by_peer(sc, peer):
    """A RST on an established connection: ECONNRESET once, then end of
    stream for reads and EPIPE for writes."""
    _, fd, p = established_passive(sc, peer)
    rid = sc.start("sock.read", fd=fd, timeout_ms=2000)
    time.sleep(0.1)
    p.reset()
    p.rcv_nxt = None
    with pytest.raises(SockError) as ei:
        sc.wait(rid, "sock.read")
    assert ei.value.errno == "ECONNRESET"
    assert sc.read(fd, 10, timeout=1) == b""
    assert err_of(sc.write, fd, b"x") == "EPIPE"
    assert sc.info(fd)["state"] == "ESTABLISHED" or sc.info(fd)["state"] == "CLOSED"


# ---------------------------------------------------------------------------
# Flow control and keepalive
# ---------------------------------------------------------------------------

def test_zero_window_reopened_by_read(sc, peer):
    """Data the application has not read stays in the window (RFC 9293
    3.8.6.2.2): the peer fills it to zero, and only sock.read opens it."""
    lport = _port()
    lfd = sc.socket("tcp")
    sc.bind(lfd, port=lport)
    sc.listen(lfd, 1)
    p = peer(_port(), lport)
    p.connect(mss=1460, ws=7, sack=False, ts=False, win=65535 << 7)
    fd, _ = sc.accept(lfd, timeout=2)
    wnd = sc.getsockopt(fd, "SO_RCVBUF")
    shift = p.peer_ws
    start = p.snd_nxt
    sent = 0
    while sent < wnd:
        n = min(1460, wnd - sent)
        p.send_data(bytes([sent // 1460 & 0xff]) * n)
        sent += n
    last = None
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and (last is None or (last.ack != p.snd_nxt and last.win != 0)):
        try:
            last = p.expect(timeout=1.0, what="ACKs of the data")
        except AssertionError:
            # A frame lost on its way in (it happened once in CI, under
            # ASan): this peer has no retransmission timer, so it sends
            # again what is not acknowledged, as an RTO would (RFC 6298
            # 5.4), byte for byte the same.
            pos = 0 if last is None else (last.ack - start) & 0xffffffff
            while pos < wnd:
                n = min(1460 - pos % 1460, wnd - pos)
                p.send(PSH | ACK, seq=seq_add(start, pos), payload=bytes([pos // 1460 & 0xff]) * n)
                pos += n
    # ACKs still on their way count: the last one says where the window
    # closed.
    while last is not None and last.win == 0:
        try:
            last = p.expect(timeout=0.2, what="any ACK after the zero window")
        except AssertionError:
            break
    assert last is not None and last.win == 0, last
    # The right edge lwipd announces moves in steps of at least an MSS
    # (receiver SWS avoidance, RFC 9293 3.8.6.2.2).  If the receive budget
    # held it back for a moment (the module's lwipd still holding an
    # earlier test's data), the last step can fall short of SO_RCVBUF by
    # less than a segment, and the bytes past the edge are not taken:
    # under load this happened once in CI, 4 bytes short.  The window is
    # then full at that edge; the peer takes those bytes back as unsent.
    filled = (last.ack - start) & 0xffffffff
    assert wnd - 1460 < filled <= wnd, (filled, wnd)
    p.snd_nxt = last.ack
    assert sc.info(fd)["rx_queued"] == filled
    # A byte beyond the closed window is not accepted (RFC 9293 3.10.7.4).
    p.send_data(b"!", advance=False)
    probe_ack = p.expect(what="ACK for a segment outside the window")
    assert probe_ack.ack == p.snd_nxt and probe_ack.win == 0
    n, eof = sc.read_discard(fd, 40000, timeout=1)
    assert (n, eof) == (40000, False)
    upd = p.expect(what="window update")
    assert upd.flags == ACK and upd.ack == p.snd_nxt
    # The scaled window is rounded down, never up (RFC 7323 2.3).
    assert upd.win == 40000 >> shift, upd
    # The reopened window takes new data.
    p.send_data(b"z" * 1000)
    ack = p.expect(what="ACK of data after the update")
    assert ack.ack == p.snd_nxt
    left = filled - 40000 + 1000
    while left > 0:
        n, _ = sc.read_discard(fd, 65536, timeout=1)
        left -= n
    assert left == 0
    assert sc.info(fd)["tcp"]["rcv_wnd"] == wnd


def test_write_blocks_on_full_send_buffer(sc, peer):
    """The peer offers a 1000-byte window and does not read: lwipd's send
    buffer fills; a non-blocking write takes what fits, then EAGAIN; a
    blocking write completes when the peer's ACK frees room."""
    _, fd, p = established_passive(sc, peer, win=1000)
    sndbuf = sc.getsockopt(fd, "SO_SNDBUF")
    sc.fcntl(fd, nonblock=True)
    assert sc.write(fd, length=sndbuf + 5000) == sndbuf
    assert err_of(sc.write, fd, b"x") == "EAGAIN"
    assert sc.poll({fd: ["out"]}, timeout=0) == {}
    sc.fcntl(fd, nonblock=False)
    rid = sc.start("sock.write", fd=fd, length=700, timeout_ms=3000)
    rid2 = sc.start("sock.write", fd=fd, data=base64.b64encode(b"B" * 300).decode(), timeout_ms=3000)
    time.sleep(0.2)
    with pytest.raises(TimeoutError):
        sc.wait_reply(rid, wait=0.1)  # still blocked: nothing was acknowledged
    assert p.recv_data(1000) == pattern(1000)  # ACKed as it came
    assert sc.wait(rid, "sock.write") == {"written": 700}
    assert sc.wait(rid2, "sock.write") == {"written": 300}
    assert sc.info(fd)["tcp"]["send_q"] == sndbuf


def test_keepalive_probes(sc, peer):
    """SO_KEEPALIVE with 500 ms idle, 300 ms interval, 2 probes: probes
    carry SEG.SEQ = SND.NXT - 1 (RFC 1122 4.2.3.6); unanswered, the
    connection is dropped and the reader sees ETIMEDOUT."""
    _, fd, p = established_passive(sc, peer)
    sc.setsockopt(fd, "TCP_KEEPIDLE_MS", 500)
    sc.setsockopt(fd, "TCP_KEEPINTVL_MS", 300)
    sc.setsockopt(fd, "TCP_KEEPCNT", 2)
    assert sc.getsockopt(fd, "TCP_KEEPIDLE") == 0  # in seconds, rounded down
    t0 = time.monotonic()
    assert sc.setsockopt(fd, "SO_KEEPALIVE", True) is True
    rid = sc.start("sock.read", fd=fd, timeout_ms=3000)
    probes = [p.expect(3, what="keepalive probe") for _ in range(2)]
    for pr in probes:
        assert pr.flags == ACK and pr.seq == seq_add(p.rcv_nxt, -1) and pr.ack == p.snd_nxt, pr
    assert 0.4 <= probes[0].when - t0 <= 0.7
    assert 0.2 <= probes[1].when - probes[0].when <= 0.45
    rst = p.expect(2, what="RST after the last probe")
    assert rst.flags & RST
    assert 0.2 <= rst.when - probes[1].when <= 0.45
    p.rcv_nxt = None
    with pytest.raises(SockError) as ei:
        sc.wait(rid, "sock.read")
    assert ei.value.errno == "ETIMEDOUT"


# ---------------------------------------------------------------------------
# UDP
# ---------------------------------------------------------------------------

def test_udp_sendto_recvfrom(sc):
    fd = sc.socket("udp")
    port = _port()
    sc.bind(fd, port=port)
    h = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    h.bind((HOST_IP, 0))
    h.settimeout(2)
    h.sendto(b"datagram one", (LWIPD_IP, port))
    data, addr = sc.recvfrom(fd, timeout=2)
    assert data == b"datagram one" and addr == h.getsockname()
    assert sc.sendto(fd, b"answer", *addr) == 6
    got, src = h.recvfrom(100)
    assert got == b"answer" and src == (LWIPD_IP, port)
    # Truncation to max, as recv(2) on a datagram socket.
    h.sendto(b"0123456789", (LWIPD_IP, port))
    r = sc.call("sock.recvfrom", fd=fd, max=4, timeout_ms=2000)
    assert base64.b64decode(r["data"]) == b"0123" and r["truncated"] is True
    sc.connect(fd, *h.getsockname())
    assert sc.write(fd, b"connected") == 9
    assert h.recvfrom(100)[0] == b"connected"
    h.close()
    # Linux's port unreachable (ICMP) reaches the connected socket as
    # ECONNREFUSED on its next read, as on Linux (RFC 1122 4.1.3.3).
    assert sc.write(fd, b"anyone?") == 7
    assert err_of(sc.read, fd, timeout=2) == "ECONNREFUSED"


# ---------------------------------------------------------------------------
# Control-protocol robustness
# ---------------------------------------------------------------------------

def test_bad_descriptors_and_types(sc, lwipd):
    assert err_of(sc.read, 5) == "EBADF"
    assert err_of(sc.close_fd, 63) == "EBADF"
    assert err_of(sc.call, "sock.read", fd=64) == "EBADF"
    assert err_of(sc.call, "sock.read", fd="0") == "bad_args"
    assert err_of(sc.call, "sock.read") == "bad_args"
    assert err_of(sc.call, "sock.socket", type="sctp") == "EPROTONOSUPPORT"
    assert err_of(sc.call, "sock.socket", type="tcp", family="unix") == "EAFNOSUPPORT"
    fd = sc.socket("tcp")
    assert err_of(sc.call, "sock.write", fd=fd, data="not base64!") == "bad_args"
    assert err_of(sc.call, "sock.write", fd=fd) == "bad_args"
    assert err_of(sc.call, "sock.read", fd=fd, max="10") == "bad_args"
    assert err_of(sc.call, "sock.read", fd=fd, timeout_ms=-5) == "bad_args"
    assert err_of(sc.call, "sock.poll", fds=[]) == "bad_args"
    assert err_of(sc.call, "sock.poll", fds=[{"fd": fd, "events": ["pri"]}]) == "bad_args"
    # Descriptors belong to their control connection.
    with SockClient(lwipd.ctl_path) as other:
        assert err_of(other.info, fd) == "EBADF"
        assert other.poll({fd: ["in"]}, timeout=0) == {fd: ["nval"]}


def test_calls_in_the_wrong_state(sc):
    t = sc.socket("tcp")
    u = sc.socket("udp")
    assert err_of(sc.read, t) == "ENOTCONN"
    assert err_of(sc.write, t, b"x") == "ENOTCONN"
    assert err_of(sc.shutdown, t, "wr") == "ENOTCONN"
    assert err_of(sc.getpeername, t) == "ENOTCONN"
    assert err_of(sc.accept, t, timeout=0) == "EINVAL"
    assert err_of(sc.listen, u) == "EOPNOTSUPP"
    assert err_of(sc.accept, u) == "EOPNOTSUPP"
    assert err_of(sc.write, u, b"x") == "EDESTADDRREQ"
    assert err_of(sc.getsockopt, u, "TCP_NODELAY") == "ENOPROTOOPT"
    assert err_of(sc.getsockopt, t, "SO_NOSUCH") == "ENOPROTOOPT"
    assert err_of(sc.setsockopt, t, "SO_ERROR", 1) == "ENOPROTOOPT"
    assert err_of(sc.setsockopt, t, "TCP_KEEPCNT", 0) == "EINVAL"
    assert err_of(sc.shutdown, t, "sideways") == "EINVAL"
    port = _port()
    sc.bind(t, port=port)
    assert err_of(sc.bind, t, port=port + 1) == "EINVAL"
    t2 = sc.socket("tcp")
    assert err_of(sc.bind, t2, port=port) == "EADDRINUSE"
    sc.listen(t)
    assert err_of(sc.connect, t, PEER_IP, 9) == "EINVAL"
    assert err_of(sc.read, t) == "ENOTCONN"
    assert sc.setsockopt(t2, "TCP_NODELAY", True) is True
    assert sc.getsockopt(t2, "SO_SNDBUF") == sc.setsockopt(t2, "SO_SNDBUF", 1000)
    for fd in (t, u, t2):
        sc.close_fd(fd)
    assert sc.list() == []


def test_descriptor_limit(sc):
    fds = [sc.socket("udp") for _ in range(64)]
    assert fds == list(range(64))
    assert err_of(sc.socket, "udp") == "EMFILE"
    sc.close_fd(17)
    assert sc.socket("tcp") == 17  # the lowest free one, as POSIX
    for fd in fds:
        sc.close_fd(fd)


def test_read_timeout_and_poll_timeout(sc, peer):
    _, fd, p = established_passive(sc, peer)
    t = time.monotonic()
    assert err_of(sc.read, fd, timeout=0.3) == "EAGAIN"
    assert 0.25 <= time.monotonic() - t < 1.0
    t = time.monotonic()
    assert sc.poll({fd: ["in"]}, timeout=0.3) == {}
    assert 0.25 <= time.monotonic() - t < 1.0
    assert sc.poll({fd: ["in", "out"]}, timeout=0) == {fd: ["out"]}
    # A blocked read and a poll on one connection, completed by one segment.
    r1 = sc.start("sock.poll", fds=[{"fd": fd, "events": ["in"]}], timeout_ms=2000)
    r2 = sc.start("sock.read", fd=fd, max=3, timeout_ms=2000)
    p.send_data(b"abcdef")
    assert sc.wait(r1)["ready"] == [{"fd": fd, "revents": ["in"]}]
    assert base64.b64decode(sc.wait(r2)["data"]) == b"abc"
    assert sc.read(fd, 10) == b"def"


def test_close_with_blocked_call_answers_ebadf(sc, peer):
    _, fd, p = established_passive(sc, peer)
    rid = sc.start("sock.read", fd=fd, timeout_ms=3000)
    sc.close_fd(fd)
    with pytest.raises(SockError) as ei:
        sc.wait(rid, "sock.read")
    assert ei.value.errno == "EBADF"
    p.expect(what="FIN")
    p.rcv_nxt = None


def test_client_vanishes_with_blocked_calls(lwipd, peer):
    """A control connection that goes away with an accept and a read
    blocked: lwipd keeps running, answers nobody, closes the connection
    (FIN) and frees the listening port."""
    c = SockClient(lwipd.ctl_path)
    lport = _port()
    lfd = c.socket("tcp")
    c.bind(lfd, port=lport)
    c.listen(lfd, 4)
    p = peer(_port(), lport)
    p.connect(mss=1460, ws=None, sack=False, ts=False)
    fd, _ = c.accept(lfd, timeout=2)
    c.start("sock.read", fd=fd, timeout_ms=60000)
    c.start("sock.accept", fd=lfd, timeout_ms=60000)
    c.start("sock.poll", fds=[{"fd": fd, "events": ["in"]}])
    time.sleep(0.1)
    c.close()
    fin = p.expect(what="FIN after the client went away")
    assert fin.flags & FIN and fin.seq == p.rcv_nxt
    p.rcv_nxt = seq_add(p.rcv_nxt, 1)
    p.send(FIN | ACK)
    p.expect(what="ACK of the FIN")
    p.rcv_nxt = None
    with SockClient(lwipd.ctl_path) as c2:
        t = c2.socket("tcp")
        # The closed connection may sit in TIME_WAIT on the port: reuse it.
        c2.setsockopt(t, "SO_REUSEADDR", True)
        assert c2.bind(t, port=lport)["port"] == lport  # the listener is gone
        assert c2.list()[0]["fd"] == 0
    assert lwipd.alive()
    pools = {pl["name"]: pl for pl in lwipd.call("stats")["pools"]}
    listen_pool = [v for k, v in pools.items() if "LISTEN" in k]
    assert listen_pool and listen_pool[0]["used"] == 0


# ---------------------------------------------------------------------------
# lwipctl sock
# ---------------------------------------------------------------------------

def test_lwipctl_sock_script(lwipd, tmp_path):
    """A scripted server on one control connection: a Linux client talks
    to it, and lwipctl prints each call's result."""
    import subprocess
    import os
    port = _port()
    script = tmp_path / "server.sock"
    script.write_text(f"""# a one-shot server
socket type=tcp
bind fd=0 port={port}
listen fd=0 backlog=1
accept fd=0 timeout_ms=5000
read fd=1 max=100 timeout_ms=5000
write fd=1 text=hello back
-read fd=7
poll fd=1 events=out timeout_ms=0
setsockopt fd=1 name=SO_LINGER value=off
close fd=1
""")
    proc = subprocess.Popen([os.environ["LWIPCTL"], "--ctl", lwipd.ctl_path, "sock", "script", str(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 3
    while True:
        try:
            c = socket.create_connection((LWIPD_IP, port), timeout=3)
            break
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "the scripted listener never came up"
            time.sleep(0.05)
    c.sendall(b"ping")
    assert c.recv(100) == b"hello back"
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert lines[0] == 'socket: {"fd":0,"type":"tcp"}'
    assert lines[4] == 'read: 4 bytes: "ping"'
    assert lines[5] == 'write: {"written":10}'
    assert lines[6] == 'poll: {"ready":[{"fd":1,"revents":["out"]}]}'
    assert lines[7] == 'setsockopt: {"name":"SO_LINGER","value":{"onoff":false,"linger":0}}'
    assert lines[8] == 'close: {"reset":false}'
    assert "EBADF" in err  # the ignored failing call
    assert c.recv(100) == b""  # close: FIN after the data
    c.close()
    # One-shot form: the descriptor dies with the lwipctl run.
    r = lwipd.lwipctl("sock", "socket", "type=udp", json_out=True)
    assert '"fd": 0' in r.stdout or '"fd":0' in r.stdout
    r = lwipd.lwipctl("sock", "info", "fd=0", check=False)
    assert r.returncode == 1 and "EBADF" in r.stderr
    r = lwipd.lwipctl("sock", "frobnicate", check=False)
    assert r.returncode == 2


def test_client_vanishes_with_connect_pending(lwipd, peer):
    """A blocked connect whose control connection goes away: the attempt
    is abandoned (no more SYN retransmissions) and the port is free."""
    c = SockClient(lwipd.ctl_path)
    lport = _port()
    fd = c.socket("tcp")
    c.bind(fd, port=lport)
    p = peer(_port(), lport)
    c.start("sock.connect", fd=fd, ip=p.ip, port=p.sport)
    c.start("sock.write", fd=fd, length=100)
    syn = p.expect(what="SYN")
    assert syn.flags == SYN
    c.close()
    p.expect_none(1.5)  # the retransmission due at 1 s never comes
    with SockClient(lwipd.ctl_path) as c2:
        t = c2.socket("tcp")
        assert c2.bind(t, port=lport)["port"] == lport
