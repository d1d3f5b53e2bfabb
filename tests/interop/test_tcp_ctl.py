"""tcp.list, tcp.connect and tcp.abort on the control socket, with Linux
sockets in the test's namespace as the peers.

The payload tcp.connect generates is byte i = i % 251
(docs/control-protocol.md), so a Linux server can check it with a sha256.
"""
import hashlib
import os
import re
import socket
import subprocess
import threading
import time

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP

MIB = 1024 * 1024
_PERIOD = bytes(range(251))


def pattern_sha256(n):
    """sha256 of the first n bytes of tcp.connect's generated payload."""
    h = hashlib.sha256()
    block = _PERIOD * 4096  # a multiple of the period, so blocks line up
    while n >= len(block):
        h.update(block)
        n -= len(block)
    h.update(block[:n])
    return h.hexdigest()


class Server:
    """A Linux TCP server on HOST_IP: accepts one connection, reads until
    EOF (counting and hashing), optionally sends `reply` bytes, closes."""

    def __init__(self, reply=b"", read=True, close_first=False):
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind((HOST_IP, 0))
        self.ls.listen(1)
        self.ls.settimeout(30)
        self.port = self.ls.getsockname()[1]
        self.reply, self.read, self.close_first = reply, read, close_first
        self.size, self.sha, self.error, self.peer = 0, None, None, None
        self.release = threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            c, self.peer = self.ls.accept()
            c.settimeout(30)
            if self.close_first:
                c.shutdown(socket.SHUT_WR)  # our FIN before any data
            if not self.read:
                # Hold the connection without reading: lwipd's sender
                # fills our window and waits.
                self.release.wait(30)
                try:
                    while c.recv(65536):
                        pass
                except OSError as e:
                    self.error = e
                c.close()
                return
            h = hashlib.sha256()
            while True:
                b = c.recv(1 << 20)
                if not b:
                    break
                self.size += len(b)
                h.update(b)
            self.sha = h.hexdigest()
            if self.reply:
                c.sendall(self.reply)
            c.close()
        except OSError as e:
            self.error = e
        finally:
            self.ls.close()

    def join(self):
        self.t.join(35)
        assert not self.t.is_alive()


def conns_to(lwipd, port):
    return [c for c in lwipd.call("tcp.list")["connections"] if c["remote_port"] == port]


def linux_wscale(lport):
    """(snd, rcv) window shifts of Linux's socket on local port lport."""
    out = subprocess.run(["ss", "-tinH", "sport", f"= :{lport}"], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"wscale:(\d+),(\d+)", out)
    assert m, out
    return int(m.group(1)), int(m.group(2))


def wait_for(pred, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return pred()


@pytest.fixture(scope="module")
def echo(lwipd):
    app = lwipd.call("app.start", name="tcp-echo")
    yield app
    lwipd.call("app.stop", id=app["id"])


def test_list_shows_linux_connection_and_listener(lwipd, echo):
    s = socket.create_connection((LWIPD_IP, 7), timeout=5)
    try:
        s.sendall(b"hello lwipd")
        assert s.recv(100) == b"hello lwipd"
        lport = s.getsockname()[1]
        res = lwipd.call("tcp.list")
        mine = [c for c in res["connections"] if c["remote_port"] == lport]
        assert len(mine) == 1
        c = mine[0]
        assert (c["local"], c["local_port"], c["remote"], c["state"]) == (LWIPD_IP, 7, HOST_IP, "ESTABLISHED")
        # The echo was acknowledged before recv() returned only on our side;
        # give lwipd's send queue a moment to drain.
        c = wait_for(lambda: [x for x in conns_to(lwipd, lport) if x["send_q"] == 0])[0]
        assert c["send_q"] == 0 and c["recv_q"] == 0 and c["ooseq_bytes"] == 0
        # Linux offers SACK, timestamps and window scaling in its SYN.
        assert c["options"]["sack"] is True
        assert c["options"]["timestamps"] is True
        assert c["options"]["wscale"] is True
        # The shifts are Linux's, crossed: what `ss -ti` calls wscale:SND,RCV
        # on the Linux side is RCV,SND on lwipd's.
        assert (c["options"]["rcv_wscale"], c["options"]["snd_wscale"]) == linux_wscale(lport)
        # MTU 1500: 1460 bytes of MSS each way; with timestamps, 12 bytes
        # of every segment go to the option, so 1448 of data (as ss shows).
        assert c["mss"] == 1448 and c["rcv_mss"] == 1460
        assert c["retransmits"] == 0 and c["in_recovery"] is False
        assert c["cwnd"] > 0 and c["rto_ms"] >= 200
        assert c["srtt_ms"] > 0
        listeners = [x for x in res["listeners"] if x["local_port"] == 7]
        # The app listens on both families: one dual-stack listener, "*".
        assert listeners == [{"local": "*", "local_port": 7, "backlog": listeners[0]["backlog"], "pending": 0,
                              "family": "any"}]
        # lwipctl tcp: one line for the connection, one for the listener.
        out = lwipd.lwipctl("tcp").stdout
        line = [x for x in out.splitlines() if f"{HOST_IP}:{lport}" in x]
        assert len(line) == 1 and "ESTABLISHED" in line[0] and f"{LWIPD_IP}:7" in line[0]
        assert "sack" in out and "LISTEN" in out
        js = lwipd.lwipctl("tcp", "list", json_out=True).stdout
        assert f'"remote_port": {lport}' in js or f'"remote_port":{lport}' in js
    finally:
        s.close()
    # The Linux side closed first: lwipd's side ends in CLOSED (no TIME_WAIT
    # on the passive closer, RFC 9293 3.6).
    assert wait_for(lambda: not conns_to(lwipd, lport))


def test_connect_sends_10mb_intact(lwipd):
    srv = Server()
    n = 10 * MIB
    lwipd.call("stats.reset")
    res = lwipd.call("tcp.connect", host=HOST_IP, port=srv.port, bytes=n, timeout_ms=60000)
    srv.join()
    assert srv.error is None
    assert srv.size == n
    assert srv.sha == pattern_sha256(n)
    assert res["bytes_sent"] == n and res["bytes_received"] == 0
    assert res["host"] == HOST_IP and res["port"] == srv.port
    assert res["local_port"] == srv.peer[1]
    assert res["duration_ms"] > 0 and res["throughput_mbps"] > 0
    # Throughput is bytes * 8 / duration.
    assert abs(res["throughput_mbps"] - n * 8 / (res["duration_ms"] * 1000)) < 0.01 * res["throughput_mbps"]
    # Backpressure came from the send buffer, not from running pools dry.
    st = lwipd.call("stats")
    assert "TCP_NO_MEM" not in st["drops"], st["drops"]
    assert [p["err"] for p in st["pools"] if p["name"] == "PBUF_REF/ROM"] == [0]
    # Nothing left but possibly TIME_WAIT (lwipd closed first).
    left = conns_to(lwipd, srv.port)
    assert all(c["state"] in ("TIME_WAIT", "FIN_WAIT_2") for c in left)


def test_connect_recv_and_file(lwipd, tmp_path):
    data = os.urandom(300001)
    f = tmp_path / "payload.bin"
    f.write_bytes(data)
    reply = bytes((i * 7) & 0xff for i in range(MIB + 3))
    srv = Server(reply=reply)
    res = lwipd.call("tcp.connect", host=HOST_IP, port=srv.port, file=str(f), recv=True)
    srv.join()
    assert srv.size == len(data) and srv.sha == hashlib.sha256(data).hexdigest()
    assert res["bytes_sent"] == len(data)
    assert res["bytes_received"] == len(reply)


@pytest.mark.parametrize("recv", [False, True])
def test_connect_peer_closes_first(lwipd, recv):
    # The peer's FIN comes first: lwipd sends on in CLOSE_WAIT, its own FIN
    # makes it LAST_ACK, and the ACK of that FIN ends the connection
    # (RFC 9293 3.6) before any sent callback for the last bytes.
    srv = Server(close_first=True)
    n = MIB + 7
    res = lwipd.call("tcp.connect", host=HOST_IP, port=srv.port, bytes=n, recv=recv)
    srv.join()
    assert srv.error is None and srv.size == n and srv.sha == pattern_sha256(n)
    assert res["bytes_sent"] == n and res["bytes_received"] == 0
    assert wait_for(lambda: not conns_to(lwipd, srv.port))


def test_connect_nothing_to_send(lwipd):
    # No bytes: connect, FIN, done once the FIN is acknowledged.
    srv = Server()
    res = lwipd.call("tcp.connect", host=HOST_IP, port=srv.port, bytes=0)
    srv.join()
    assert srv.error is None and srv.size == 0
    assert res["bytes_sent"] == 0 and res["bytes_received"] == 0 and res["throughput_mbps"] == 0


def test_connect_timeout_mid_transfer(lwipd):
    # The server never reads: lwipd fills the window and the deadline hits
    # in ESTABLISHED.  The connection is reset, not left behind.
    srv = Server(read=False)
    c = lwipd.client()
    r = c.request("tcp.connect", host=HOST_IP, port=srv.port, bytes=50 * MIB, timeout_ms=800)
    c.close()
    assert r["ok"] is False and r["error"]["code"] == "timeout"
    assert r["error"]["message"].startswith(f"timed out after 800 ms (ESTABLISHED to {HOST_IP}:{srv.port}, ")
    assert r["error"]["message"].endswith(f" of {50 * MIB} bytes acknowledged)")
    assert not conns_to(lwipd, srv.port)
    srv.release.set()
    srv.join()
    assert isinstance(srv.error, ConnectionResetError)


def test_lwipctl_tcp_connect(lwipd):
    srv = Server()
    r = lwipd.lwipctl("tcp", "connect", HOST_IP, srv.port, "-n", 123457)
    srv.join()
    assert srv.size == 123457 and srv.sha == pattern_sha256(123457)
    assert "123457 bytes sent" in r.stdout and "Mbit/s" in r.stdout
    r = lwipd.lwipctl("tcp", "connect", HOST_IP, srv.port, "-n", 10, check=False)
    assert r.returncode == 1 and "connection_refused" in r.stderr


def test_connect_refused(lwipd):
    c = lwipd.client()
    # A port nothing listens on: Linux answers the SYN with RST.
    s = socket.socket()
    s.bind((HOST_IP, 0))
    closed_port = s.getsockname()[1]
    s.close()
    r = c.request("tcp.connect", host=HOST_IP, port=closed_port, bytes=100)
    assert r["ok"] is False
    assert r["error"]["code"] == "connection_refused"
    assert r["error"]["message"] == f"connection refused by {HOST_IP}:{closed_port} (RST in answer to the SYN)"
    assert not conns_to(lwipd, closed_port)
    c.close()


def test_connect_timeout(lwipd):
    # Nobody has 10.77.0.99: ARP gets no answer and the SYN never leaves.
    c = lwipd.client()
    t0 = time.time()
    r = c.request("tcp.connect", host="10.77.0.99", port=5001, bytes=10, timeout_ms=700)
    assert 0.6 < time.time() - t0 < 3
    assert r["ok"] is False and r["error"]["code"] == "timeout"
    assert r["error"]["message"].startswith("timed out after 700 ms (SYN_SENT to 10.77.0.99:5001")
    assert not conns_to(lwipd, 5001)
    c.close()


@pytest.mark.parametrize("args,code,needle", [
    ({"port": 80}, "bad_args", "args.host"),
    ({"host": "nope", "port": 80}, "bad_args", "args.host"),
    ({"host": HOST_IP}, "bad_args", "args.port"),
    ({"host": HOST_IP, "port": 0}, "bad_args", "args.port"),
    ({"host": HOST_IP, "port": 65536}, "bad_args", "args.port"),
    ({"host": HOST_IP, "port": 80, "bytes": -1}, "bad_args", "args.bytes"),
    ({"host": HOST_IP, "port": 80, "bytes": "10"}, "bad_args", "args.bytes"),
    ({"host": HOST_IP, "port": 80, "bytes": 1, "file": "/etc/hostname"}, "bad_args", "give one of them"),
    ({"host": HOST_IP, "port": 80, "file": "/nonexistent/x"}, "io_error", "No such file"),
    ({"host": HOST_IP, "port": 80, "file": "/tmp"}, "bad_args", "not a regular file"),
    ({"host": HOST_IP, "port": 80, "recv": "yes"}, "bad_args", "args.recv"),
    ({"host": HOST_IP, "port": 80, "timeout_ms": 0}, "bad_args", "args.timeout_ms"),
    ({"host": "0.0.0.0", "port": 80}, "failed", "ERR_VAL"),
])
def test_connect_bad_args(lwipd, args, code, needle):
    c = lwipd.client()
    r = c.request("tcp.connect", **args)
    assert r["ok"] is False and r["error"]["code"] == code
    assert needle in r["error"]["message"]
    c.close()
    assert lwipd.call("tcp.list")["connections"] == [] or all(
        x["remote_port"] != 80 for x in lwipd.call("tcp.list")["connections"])


def test_abort_bad_args_and_not_found(lwipd):
    c = lwipd.client()
    r = c.request("tcp.abort", local_port=1, remote=HOST_IP, remote_port=1)
    assert r["error"]["code"] == "not_found"
    r = c.request("tcp.abort", local_port=1, remote=HOST_IP)
    assert r["error"]["code"] == "bad_args" and "args.remote_port" in r["error"]["message"]
    c.close()


def test_client_disconnect_aborts_connection(lwipd):
    srv = Server(read=False)
    c = lwipd.client()
    c.send_raw(b'{"id": 1, "cmd": "tcp.connect", "args": {"host": "%s", "port": %d, "bytes": 50000000}}\n'
               % (HOST_IP.encode(), srv.port))
    # Wait until the transfer is stuck on the server's full window.
    assert wait_for(lambda: [x for x in conns_to(lwipd, srv.port) if x["send_q"] > 0])
    c.close()
    # lwipd notices within one tick and resets the connection.
    assert wait_for(lambda: not conns_to(lwipd, srv.port), timeout=3)
    srv.release.set()
    srv.join()
    assert isinstance(srv.error, ConnectionResetError)
    assert lwipd.alive()


def test_client_disconnect_in_syn_sent(lwipd):
    # Nobody answers 10.77.0.98: the connection sits in SYN_SENT until the
    # client leaves, then it goes too.
    c = lwipd.client()
    c.send_raw(b'{"id": 1, "cmd": "tcp.connect", "args": {"host": "10.77.0.98", "port": 5002, "bytes": 1}}\n')
    conn = wait_for(lambda: conns_to(lwipd, 5002))
    assert [x["state"] for x in conn] == ["SYN_SENT"]
    c.close()
    assert wait_for(lambda: not conns_to(lwipd, 5002), timeout=3)


def test_abort_own_transfer(lwipd):
    srv = Server(read=False)
    c = lwipd.client()
    c.send_raw(b'{"id": 9, "cmd": "tcp.connect", "args": {"host": "%s", "port": %d, "bytes": 50000000}}\n'
               % (HOST_IP.encode(), srv.port))
    conn = wait_for(lambda: conns_to(lwipd, srv.port))[0]
    res = lwipd.call("tcp.abort", local_port=conn["local_port"], remote=HOST_IP, remote_port=srv.port)
    assert res == {"state": "ESTABLISHED"}
    r = c.read_line()
    assert r["id"] == 9 and r["ok"] is False and r["error"]["code"] == "failed"
    assert "aborted" in r["error"]["message"].lower() or "ERR_ABRT" in r["error"]["message"]
    c.close()
    srv.release.set()
    srv.join()
    assert not conns_to(lwipd, srv.port)
