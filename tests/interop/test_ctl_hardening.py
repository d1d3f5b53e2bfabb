"""Control-socket hardening (issue 13, items 1 and 3, and the control-plane
limits): a client that never reads cannot crash lwipd, a client that reads
gets every reply however large, and each limit answers only the client that
reached it."""
import json
import random
import resource
import socket
import threading
import time

from scapy.all import ARP, Ether

from lwipd_harness import HOST_IP, LWIPD_IP, TAP, ControlClient


def _arp_frames(n, seed=13):
    """@p n ARP requests to lwipd, each from a new source on the link: every
    one creates or replaces an ARP entry, so each raises an `arp` event
    (and debug log events)."""
    rng = random.Random(seed)
    frames = []
    for _ in range(n):
        mac = "02:%02x:%02x:%02x:%02x:%02x" % tuple(rng.randrange(256) for _ in range(5))
        ip = "10.77.0.%d" % rng.randrange(3, 254)
        frames.append(bytes(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
                            ARP(op=1, hwsrc=mac, psrc=ip, pdst=LWIPD_IP)))
    return frames


def _arp_flood(seconds, frames):
    """Send @p frames round and round for @p seconds through a raw packet
    socket (Scapy's per-packet send is too slow to make a flood)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((TAP, 0))
    end = time.time() + seconds
    sent = 0
    try:
        while time.time() < end:
            for f in frames:
                try:
                    s.send(f)
                except BlockingIOError:
                    time.sleep(0.001)
                except OSError:
                    return sent  # the link went away (lwipd died): the caller checks
                sent += 1
    finally:
        s.close()
    return sent


def test_never_reading_subscriber_is_dropped_not_crashing(lwipd):
    """Item 1: a subscriber to all events that never reads, while ARP and
    log events flow.  Before the fix, when an `arp` event pushed the
    client over the limit, the disconnect's own log line was broadcast to
    the client being freed (a double free).  The log level stays at info so
    that the overflow comes from an ARP event, not from inside the log
    hook."""
    if True:
        stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect(lwipd.ctl_path)
        stuck.sendall(b'{"id":1,"cmd":"subscribe","args":{"events":["all"]}}\n')
        watcher = lwipd.client()  # a second client that keeps reading
        frames = _arp_frames(2000)
        deadline = time.time() + 20
        while time.time() < deadline:
            _arp_flood(1.0, frames)
            assert lwipd.alive(), lwipd.read_log()
            ctl = watcher.call("status").get("control", {})
            if ctl.get("not_reading", 0) >= 1:
                break
        assert lwipd.alive(), lwipd.read_log()
        assert ctl.get("not_reading", 0) >= 1, ctl
        # The stuck client finds its connection closed once it reads.
        stuck.settimeout(5)
        got = b""
        while True:
            chunk = stuck.recv(1 << 20)
            if not chunk:
                break
            got += chunk
        assert got.startswith(b'{"id": 1') or got.startswith(b'{"id":1'), got[:80]
        stuck.close()
        assert watcher.call("status")["pid"] > 0
        watcher.close()
    with open(lwipd.log_path) as f:
        assert "does not read its events" in f.read()


def test_pipelined_status_all_answered(lwipd):
    """Item 3: 1,500 pipelined `status` requests from a reading client
    (well over 1 MiB of replies) are all answered, in order."""
    c = lwipd.client()
    before = c.call("status").get("control", {}).get("not_reading", 0)
    n = 1500
    data = b"".join(b'{"id":%d,"cmd":"status"}\n' % i for i in range(n))
    sender = threading.Thread(target=c.send_raw, args=(data,))
    sender.start()
    total = 0
    for i in range(n):
        r = c.read_line()
        assert r["id"] == i and r["ok"], r
        total += len(json.dumps(r))
    sender.join(10)
    assert total > (1 << 20)
    assert c.call("status")["control"]["not_reading"] == before
    c.close()


def test_pending_call_limit_is_per_client(lwipd):
    """Each client has at most 64 deferred calls outstanding; the 65th gets
    `busy`, other clients are unaffected, and the count comes back."""
    c = lwipd.client()
    fd = c.call("sock.socket", type="udp")["fd"]
    c.call("sock.bind", fd=fd, ip=LWIPD_IP, port=4321)
    for i in range(64):
        c.send_raw(b'{"id":"p%d","cmd":"sock.poll","args":{"fds":[{"fd":%d,"events":["in"]}],'
                   b'"timeout_ms":3000}}\n' % (i, fd))
    r = c.request("ping", dst=HOST_IP, count=1)
    assert r["ok"] is False and r["error"]["code"] == "busy", r
    assert "pending" in r["error"]["message"]
    other = lwipd.client()
    assert other.call("ping", dst=HOST_IP, count=1)["received"] == 1
    other.close()
    # The polls time out (replies with empty ready lists), then calls work.
    seen = 0
    while seen < 64:
        r = c.read_line()
        if str(r.get("id", "")).startswith("p"):
            assert r["ok"] and r["result"]["ready"] == []
            seen += 1
    assert c.call("ping", dst=HOST_IP, count=1)["received"] == 1
    c.close()


def test_client_limit_busy_only_for_the_extra(lwipd):
    clients = [lwipd.client() for _ in range(32)]
    try:
        extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        extra.settimeout(5)
        extra.connect(lwipd.ctl_path)
        line = extra.makefile("rb").readline()
        assert json.loads(line)["error"]["code"] == "busy"
        assert extra.recv(10) == b""
        extra.close()
        for c in clients:
            assert c.call("status")["control"]["clients"] == 32
    finally:
        for c in clients:
            c.close()


def test_tcp_list_2500_connections(lwipd):
    """Item 3: tcp.list with 2,500 connections (a reply of several MiB) is
    delivered whole to a client that reads."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 8192), max(hard, 8192)))
    app = lwipd.call("app.start", name="tcp-discard", port=9)
    socks = []
    try:
        for _ in range(2500):
            s = socket.socket()
            s.settimeout(5)
            s.connect((LWIPD_IP, 9))
            socks.append(s)
        c = ControlClient(lwipd.ctl_path, timeout=30)
        conns = c.call("tcp.list")["connections"]
        established = [x for x in conns if x["state"] == "ESTABLISHED" and x["local_port"] == 9]
        assert len(established) >= 2500, len(established)
        c.close()
    finally:
        for s in socks:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        lwipd.call("app.stop", id=app["id"])


def test_error_messages_are_always_utf8(lwipd):
    """Every bad line gets an error reply, whatever bytes it holds: jansson's
    parse error quotes the raw bytes it stopped at, and a long command name
    is cut inside a multi-byte character; both messages used to be invalid
    UTF-8, the reply could not be built and the client got nothing."""
    c = lwipd.client()
    c.sock.settimeout(5)  # a missing reply fails here instead of hanging
    lines = [
        b'{"id":1,"cmd":"x","args":{"k":"\\\xc4\x95"}}\n',  # bad escape before raw UTF-8
        b'{"id":2,"cmd":"x","args":{"k":"\\\xc4"}}\n',  # ... before a lone lead byte
        ('{"id":3,"cmd":"a%s"}\n' % ("\u00e9" * 80)).encode(),  # cut at byte 100
    ]
    c.send_raw(b"".join(lines))
    replies = [c.read_line() for _ in lines]
    assert [r["ok"] for r in replies] == [False] * 3, replies
    assert [r["error"]["code"] for r in replies] == ["parse_error", "parse_error", "unknown_command"], replies
    assert "\\xc4" in replies[0]["error"]["message"], replies[0]
    assert replies[2]["id"] == 3 and replies[2]["error"]["message"].startswith("no such command: a"), replies[2]
    c.call("status")  # the connection is still served
    c.close()
