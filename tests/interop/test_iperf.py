"""iperf.start/stop/status against Debian's iperf3 (3.12) and iperf (2.1.8)
in the test's namespace: Linux clients against lwipd's servers, lwipd's
clients against Linux servers, the transfers over IPv4 and over IPv6
(issue 16: lwipd and Linux have static addresses in fd00:7a::/64 besides
the IPv4 ones).  Every run is 2 s.

The byte counts both ends report are compared: for a TCP test the sender
counts what it queued, and up to a send buffer may still be in flight when
the test ends, so sent and received agree within 1 % or 8 MiB; UDP at a
modest rate over a TAP loses nothing.
"""
import json
import shutil
import subprocess
import time

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP, running_lwipd, wait_until

HOST6 = "fd00:7a::1"
LWIPD6 = "fd00:7a::2"
HOST_ADDR = {"inet": HOST_IP, "inet6": HOST6}
LWIPD_ADDR = {"inet": LWIPD_IP, "inet6": LWIPD6}

pytestmark = pytest.mark.skipif(shutil.which("iperf3") is None or shutil.which("iperf") is None,
                                reason="iperf3 and iperf (Debian packages) are needed")

DURATION = 2


@pytest.fixture(scope="module")
def lwipd():
    args = ["--ip6", f"{LWIPD6}/64", "--host-ip6", f"{HOST6}/64"]
    with running_lwipd(extra_args=args) as d:
        d.wait_ip6(LWIPD6, HOST6)
        yield d


@pytest.fixture(params=["inet", "inet6"])
def family(request):
    return request.param


def close(a, b, rel=0.01, slack=8 << 20):
    return abs(a - b) <= max(rel * max(a, b), slack)


def iperf3_client(*args, port=5201, family="inet"):
    """Run Debian's iperf3 client against lwipd, return its JSON result."""
    r = subprocess.run(["iperf3", "-c", LWIPD_ADDR[family], "-p", str(port), "-t", str(DURATION), "-J", *args],
                       capture_output=True, text=True, timeout=30)
    res = json.loads(r.stdout)
    assert r.returncode == 0 and "error" not in res, r.stdout[-2000:] + r.stderr
    return res


def last_result(lwipd, sid):
    """The server's result once it is listening again: the client may exit
    before the server has read its IPERF_DONE and closed the test."""
    deadline = time.time() + 5
    st = lwipd.call("iperf.status", id=sid)
    while st["state"] != "listening" and time.time() < deadline:
        time.sleep(0.05)
        st = lwipd.call("iperf.status", id=sid)
    assert st["state"] == "listening", st
    return st["result"]


@pytest.fixture(scope="module")
def server3(lwipd):
    sid = lwipd.call("iperf.start", mode="server", version=3)["id"]
    yield sid
    lwipd.call("iperf.stop", id=sid)


def wait_state(lwipd, sid, states, timeout=DURATION + 10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = lwipd.call("iperf.status", id=sid)
        if st["state"] in states:
            return st
        time.sleep(0.2)
    raise AssertionError(f"iperf {sid} still {st['state']}: {st}")


def check_tcp_sums(res, ours, streams):
    """The Linux side's JSON and ours agree, stream by stream."""
    end = res["end"]
    assert len(end["streams"]) == streams
    assert len(ours["end"]["streams"]) == streams
    sent, recvd = end["sum_sent"]["bytes"], end["sum_received"]["bytes"]
    assert sent > 0 and recvd > 0
    assert close(sent, recvd)
    assert close(ours["end"]["sum_sent"]["bytes"], sent)
    assert close(ours["end"]["sum_received"]["bytes"], recvd)
    assert ours["start"]["test_start"]["num_streams"] == streams
    assert len(ours["intervals"]) >= DURATION - 1


def test_iperf3_tcp_to_lwipd(lwipd, server3, family):
    res = iperf3_client(family=family)
    ours = last_result(lwipd, server3)
    check_tcp_sums(res, ours, 1)
    assert [c["remote_host"] for c in ours["start"]["connected"]] == [HOST_ADDR[family]]
    assert ours["start"]["test_start"]["protocol"] == "TCP"
    assert ours["start"]["test_start"]["reverse"] == 0
    # The receiver's figure as lwipd measured it is what iperf3 shows.
    assert ours["end"]["sum_received"]["bytes"] == res["end"]["sum_received"]["bytes"]


def test_iperf3_tcp_reverse(lwipd, server3, family):
    res = iperf3_client("-R", family=family)
    ours = last_result(lwipd, server3)
    check_tcp_sums(res, ours, 1)
    assert ours["start"]["test_start"]["reverse"] == 1
    assert ours["end"]["sum_sent"]["bytes"] == res["end"]["sum_sent"]["bytes"]


def test_iperf3_tcp_parallel(lwipd, server3):
    res = iperf3_client("-P", "4")
    ours = last_result(lwipd, server3)
    check_tcp_sums(res, ours, 4)
    ids = sorted(s["sender"]["socket"] for s in ours["end"]["streams"])
    assert ids == [1, 3, 4, 5]  # iperf3's stream numbering


def test_iperf3_udp_to_lwipd(lwipd, server3, family):
    res = iperf3_client("-u", "-b", "20M", "-l", "1200", family=family)
    ours = last_result(lwipd, server3)
    assert [c["remote_host"] for c in ours["start"]["connected"]] == [HOST_ADDR[family]]
    s = res["end"]["sum"]
    packets = s["packets"]
    # 20 Mbit/s of 1200-byte datagrams for 2 s.
    assert abs(packets - 20e6 * DURATION / 8 / 1200) < 0.05 * packets
    assert s["lost_packets"] == 0
    assert ours["end"]["sum"]["packets"] == packets
    assert ours["end"]["sum"]["lost_packets"] == 0
    assert ours["end"]["sum_received"]["bytes"] == packets * 1200
    assert 0 <= s["jitter_ms"] < 5


def test_busy_server_denies_second_client(lwipd, server3):
    first = subprocess.Popen(["iperf3", "-c", LWIPD_IP, "-t", "3", "-J"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        wait_state(lwipd, server3, ("running",))
        r = subprocess.run(["iperf3", "-c", LWIPD_IP, "-t", "1"], capture_output=True, text=True, timeout=20)
        assert r.returncode != 0
        assert "busy" in (r.stdout + r.stderr)
    finally:
        out, _ = first.communicate(timeout=20)
    assert "error" not in json.loads(out)


def _linux_server(cmd, port, family, proto="tcp"):
    """A Linux iperf server bound to the host's address of @p family; this
    waits until its socket exists, so lwipd's client does not race it."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ss = ["ss", "-Hln", "-t" if proto == "tcp" else "-u", "-6" if family == "inet6" else "-4"]
    wait_until(lambda: f":{port} " in subprocess.run(ss, capture_output=True, text=True).stdout,
               f"{cmd[0]} never bound port {port}", 5.0)
    return p


@pytest.fixture
def linux_iperf3(family):
    p = _linux_server(["iperf3", "-s", "-B", HOST_ADDR[family], "-p", "5301", "-J"], 5301, family)
    yield p
    p.kill()
    p.wait()


def run_client(lwipd, family="inet", **args):
    sid = lwipd.call("iperf.start", target=HOST_ADDR[family], duration=DURATION, **args)["id"]
    st = wait_state(lwipd, sid, ("done", "failed"))
    assert st["state"] == "done", st
    assert st["target"] == HOST_ADDR[family] and st["family"] == family
    lwipd.call("iperf.stop", id=sid)
    return st


@pytest.mark.parametrize("reverse", [False, True])
def test_lwipd_tcp_client(lwipd, linux_iperf3, family, reverse):
    st = run_client(lwipd, family, port=5301, reverse=reverse, streams=2)
    end = st["result"]["end"]
    assert [c["remote_host"] for c in st["result"]["start"]["connected"]] == [HOST_ADDR[family]] * 2
    assert len(end["streams"]) == 2
    sent, recvd = end["sum_sent"]["bytes"], end["sum_received"]["bytes"]
    assert sent > 1 << 20 and close(sent, recvd)
    assert len(st["result"]["intervals"]) >= DURATION - 1
    assert st["flows"] == []  # the test's connections are closed


def kernel_rcvbuf_drops():
    """Datagrams Linux (in the test's namespace) dropped because a UDP
    socket's receive buffer was full, IPv4 and IPv6 together."""
    n = 0
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Udp:")]
    n += int(rows[1][rows[0].index("RcvbufErrors")])
    with open("/proc/net/snmp6") as f:
        n += sum(int(l.split()[1]) for l in f if l.startswith("Udp6RcvbufErrors"))
    return n


def test_lwipd_udp_client(lwipd, linux_iperf3, family):
    drops0 = kernel_rcvbuf_drops()
    st = run_client(lwipd, family, port=5301, protocol="udp", bandwidth=10_000_000, length=1000)
    s = st["result"]["end"]["sum"]
    sent = st["result"]["end"]["sum_sent"]
    assert abs(sent["bytes"] - 10e6 * DURATION / 8) < 0.05 * sent["bytes"]
    # Datagrams still in flight when the client says TEST_END are not
    # counted by the server: a handful at most.
    assert sent["bytes"] // 1000 - 20 <= s["packets"] <= sent["bytes"] // 1000
    # Nothing is lost on the TAP; on a loaded machine iperf3 may fall
    # behind and its kernel drop a few for a full socket buffer, which
    # the kernel counts: only those may be missing.
    assert s["lost_packets"] <= kernel_rcvbuf_drops() - drops0


def test_lwipd_udp_client_reverse(lwipd, linux_iperf3, family):
    st = run_client(lwipd, family, port=5301, protocol="udp", bandwidth=8_000_000, reverse=True)
    s = st["result"]["end"]["sum"]
    assert s["packets"] > 0 and s["lost_packets"] == 0
    # The default datagram fits a 1500-byte link unfragmented on either
    # family: 1460 bytes over IPv4, 1440 over IPv6 (a 20-byte larger header).
    blksize = {"inet": 1460, "inet6": 1440}[family]
    # Datagrams Linux sent after lwipd's client said TEST_END are in
    # sum_sent and not in what lwipd counted (as in the forward test): a
    # handful at most, whole datagrams, none missing before them (lost 0).
    gap = st["result"]["end"]["sum_sent"]["bytes"] - st["result"]["end"]["sum_received"]["bytes"]
    assert 0 <= gap <= 20 * blksize and gap % blksize == 0, gap
    assert st["result"]["start"]["test_start"]["blksize"] == blksize
    assert st["result"]["end"]["sum_received"]["bytes"] == s["packets"] * blksize


@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_lwipd_iperf2_client(lwipd, family, proto):
    """lwipd's iperf 2 client against Linux's iperf 2 server: TCP bytes as
    the server counted them, UDP with the server's report."""
    v6 = ["-V"] if family == "inet6" else []
    udp = ["-u"] if proto == "udp" else []
    cmd = ["iperf", "-s", *udp, "-B", HOST_ADDR[family], "-p", "5302", "-y", "C", *v6]
    p = _linux_server(cmd, 5302, family, proto)
    try:
        args = {"bandwidth": 4_000_000, "length": 1000} if proto == "udp" else {}
        st = run_client(lwipd, family, version=2, port=5302, protocol=proto, **args)
    finally:
        time.sleep(0.5)
        p.kill()
        out, _ = p.communicate()
    res = st["result"]
    assert res["protocol"] == proto.upper() and res["bytes"] > 0
    if proto == "udp":
        rep = res["server_report"]
        # iperf 2's server counts the closing datagram (negative sequence
        # number) as one more.
        assert res["packets"] == res["bytes"] // 1000
        assert rep["packets"] == res["packets"] + 1 and rep["bytes"] == res["bytes"] + 1000
        assert rep["lost_packets"] == 0
    else:
        # The server's CSV line: the two ends' addresses, and the bytes
        # it received in field 8.  iperf 2.1's server reads a stream's
        # first 4 bytes as its header flags word and does not count them.
        line = [l for l in out.splitlines() if l.count(",") >= 8][-1].split(",")
        assert {line[1], line[3]} == {LWIPD_ADDR[family], HOST_ADDR[family]}
        assert int(line[7]) == res["bytes"] - 4


@pytest.fixture(scope="module")
def server2(lwipd):
    sid = lwipd.call("iperf.start", mode="server", version=2)["id"]
    yield sid
    lwipd.call("iperf.stop", id=sid)


def iperf2_client(family, *args):
    """Debian's iperf 2 client against lwipd (it takes an IPv6 address
    only with -V)."""
    v6 = ["-V"] if family == "inet6" else []
    return subprocess.run(["iperf", "-c", LWIPD_ADDR[family], "-t", str(DURATION), *v6, *args], capture_output=True,
                          text=True, timeout=30)


def test_iperf2_tcp_to_lwipd(lwipd, server2, family):
    tests = lwipd.call("iperf.status", id=server2)["tests"]
    r = iperf2_client(family, "-y", "C")
    assert r.returncode == 0, r.stderr
    sent = int(r.stdout.strip().splitlines()[-1].split(",")[7])
    # The flow is recorded when its connection closes, maybe after the
    # client has exited.
    deadline = time.time() + 5
    while lwipd.call("iperf.status", id=server2)["tests"] == tests and time.time() < deadline:
        time.sleep(0.1)
    got = lwipd.call("iperf.status", id=server2)["results"][-1]
    assert got["protocol"] == "TCP" and got["peer"] == HOST_ADDR[family]
    assert got["bytes"] == sent


def test_iperf2_udp_server_report(lwipd, server2, family):
    r = iperf2_client(family, "-u", "-b", "5M", "-l", "1000")
    assert r.returncode == 0, r.stderr
    # The client prints our report after "Server Report:".
    out = r.stdout
    assert "Server Report:" in out, out
    report = out.split("Server Report:", 1)[1].strip().splitlines()[-1]
    lost, total = report.split()[-2].split("/")
    got = lwipd.call("iperf.status", id=server2)["results"][-1]
    assert got["protocol"] == "UDP" and got["peer"] == HOST_ADDR[family]
    assert int(total) == got["packets"] and int(lost) == got["lost_packets"] == 0
    assert abs(got["packets"] - 5e6 * DURATION / 8 / 1000) < 0.05 * got["packets"]
    assert got["bytes"] == got["packets"] * 1000
    assert "ms" in report


def test_bad_parameters(lwipd):
    for args, code in [({"mode": "server", "version": 4}, "bad_args"),
                       ({"target": "10.0.0.1", "mode": "server"}, "bad_args"),
                       ({"target": "nonsense"}, "bad_args"),
                       ({"target": "fd00:7a::1::2"}, "bad_args"),
                       ({"target": HOST_IP, "protocol": "sctp"}, "bad_args"),
                       ({"target": HOST_IP, "streams": 99}, "bad_args"),
                       ({"target": HOST_IP, "version": 2, "reverse": True}, "bad_args")]:
        c = lwipd.client()
        try:
            reply = c.request("iperf.start", **args)
        finally:
            c.close()
        assert not reply["ok"] and reply["error"]["code"] == code, (args, reply)
    c = lwipd.client()
    try:
        assert c.request("iperf.stop", id=999)["error"]["code"] == "not_found"
    finally:
        c.close()


def test_stop_mid_test_leaves_nothing(lwipd):
    """iperf.stop during a test, and a peer that vanishes: no PCB stays."""
    before = len(lwipd.call("tcp.list")["connections"])
    sid = lwipd.call("iperf.start", mode="server", version=3, port=5401)["id"]
    p = subprocess.Popen(["iperf3", "-c", LWIPD_IP, "-p", "5401", "-t", "5", "-P", "2"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_state(lwipd, sid, ("running",))
        lwipd.call("iperf.stop", id=sid)
    finally:
        p.wait(timeout=20)
    deadline = time.time() + 5
    while time.time() < deadline:
        conns = [c for c in lwipd.call("tcp.list")["connections"] if c.get("state") not in ("TIME_WAIT",)]
        if len(conns) <= before:
            break
        time.sleep(0.1)
    assert len(conns) <= before, conns
    assert all(l.get("local_port") != 5401 for l in lwipd.call("tcp.list").get("listeners", []))
    # A client killed mid-test: the server notices and takes the next test.
    sid = lwipd.call("iperf.start", mode="server", version=3, port=5402)["id"]
    p = subprocess.Popen(["iperf3", "-c", LWIPD_IP, "-p", "5402", "-t", "5"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_state(lwipd, sid, ("running",))
    p.kill()
    p.wait()
    st = wait_state(lwipd, sid, ("listening",))
    assert "error" in st["result"]
    r = subprocess.run(["iperf3", "-c", LWIPD_IP, "-p", "5402", "-t", "1"], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 0, r.stdout + r.stderr
    lwipd.call("iperf.stop", id=sid)


def test_silent_client_times_out(lwipd):
    """A client that sends its cookie and then nothing does not hold the
    server: after idle_timeout it is dropped and the next test runs."""
    import socket
    sid = lwipd.call("iperf.start", mode="server", port=5403, idle_timeout=2)["id"]
    s = socket.create_connection((LWIPD_IP, 5403), timeout=10)
    try:
        s.sendall(b"a" * 36 + b"\0")
        assert s.recv(1) == bytes([9])  # PARAM_EXCHANGE
        t0 = time.time()
        st = wait_state(lwipd, sid, ("listening",), timeout=10)
        deadline = time.time() + 10
        while "silent" not in st.get("error", "") and time.time() < deadline:
            time.sleep(0.2)
            st = lwipd.call("iperf.status", id=sid)
        assert "silent" in st["error"]
        assert 2 <= time.time() - t0 <= 8
        # The connection was aborted: reading gives EOF or a reset.
        try:
            assert s.recv(100) == b""
        except ConnectionResetError:
            pass
    finally:
        s.close()
    r = subprocess.run(["iperf3", "-c", LWIPD_IP, "-p", "5403", "-t", "1"], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 0, r.stdout + r.stderr
    lwipd.call("iperf.stop", id=sid)


@pytest.mark.parametrize("opts", [[], ["-u", "-R"]], ids=["tcp", "udp-reverse"])
def test_lwipctl_client_live(lwipd, linux_iperf3, family, opts):
    r = lwipd.lwipctl("iperf", "client", HOST_ADDR[family], "-p", "5301", "-t", str(DURATION), *opts)
    lines = r.stdout.splitlines()
    assert lines[0].endswith(f"connecting to {HOST_ADDR[family]} port 5301"), lines[0]
    assert sum(1 for l in lines if l.startswith("[  SUM]") and "sender" not in l and "receiver" not in l) >= 2
    assert any(l.endswith("receiver") for l in lines)
    r = lwipd.lwipctl("iperf", "client", HOST_IP, "-t", "1", "-Q", check=False)
    assert r.returncode == 2 and "unknown iperf client option '-Q'" in r.stderr
