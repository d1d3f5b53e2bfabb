"""iperf.start/stop/status against Debian's iperf3 (3.12) and iperf (2.1.8)
in the test's namespace: Linux clients against lwipd's servers, lwipd's
clients against Linux servers.  Every run is 2 s.

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

from lwipd_harness import HOST_IP, LWIPD_IP

pytestmark = pytest.mark.skipif(shutil.which("iperf3") is None or shutil.which("iperf") is None,
                                reason="iperf3 and iperf (Debian packages) are needed")

DURATION = 2


def close(a, b, rel=0.01, slack=8 << 20):
    return abs(a - b) <= max(rel * max(a, b), slack)


def iperf3_client(*args, port=5201):
    """Run Debian's iperf3 client against lwipd, return its JSON result."""
    r = subprocess.run(["iperf3", "-c", LWIPD_IP, "-p", str(port), "-t", str(DURATION), "-J", *args],
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


def test_iperf3_tcp_to_lwipd(lwipd, server3):
    res = iperf3_client()
    ours = last_result(lwipd, server3)
    check_tcp_sums(res, ours, 1)
    assert ours["start"]["test_start"]["protocol"] == "TCP"
    assert ours["start"]["test_start"]["reverse"] == 0
    # The receiver's figure as lwipd measured it is what iperf3 shows.
    assert ours["end"]["sum_received"]["bytes"] == res["end"]["sum_received"]["bytes"]


def test_iperf3_tcp_reverse(lwipd, server3):
    res = iperf3_client("-R")
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


def test_iperf3_udp_to_lwipd(lwipd, server3):
    res = iperf3_client("-u", "-b", "20M", "-l", "1200")
    ours = last_result(lwipd, server3)
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


@pytest.fixture
def linux_iperf3():
    p = subprocess.Popen(["iperf3", "-s", "-B", HOST_IP, "-p", "5301", "-J"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    yield p
    p.kill()
    p.wait()


def run_client(lwipd, **args):
    sid = lwipd.call("iperf.start", target=HOST_IP, duration=DURATION, **args)["id"]
    st = wait_state(lwipd, sid, ("done", "failed"))
    assert st["state"] == "done", st
    lwipd.call("iperf.stop", id=sid)
    return st


@pytest.mark.parametrize("reverse", [False, True])
def test_lwipd_tcp_client(lwipd, linux_iperf3, reverse):
    st = run_client(lwipd, port=5301, reverse=reverse, streams=2)
    end = st["result"]["end"]
    assert len(end["streams"]) == 2
    sent, recvd = end["sum_sent"]["bytes"], end["sum_received"]["bytes"]
    assert sent > 1 << 20 and close(sent, recvd)
    assert len(st["result"]["intervals"]) >= DURATION - 1
    assert st["flows"] == []  # the test's connections are closed


def test_lwipd_udp_client(lwipd, linux_iperf3):
    st = run_client(lwipd, port=5301, protocol="udp", bandwidth=10_000_000, length=1000)
    s = st["result"]["end"]["sum"]
    sent = st["result"]["end"]["sum_sent"]
    assert abs(sent["bytes"] - 10e6 * DURATION / 8) < 0.05 * sent["bytes"]
    # Datagrams still in flight when the client says TEST_END are not
    # counted by the server: a handful at most.
    assert sent["bytes"] // 1000 - 20 <= s["packets"] <= sent["bytes"] // 1000
    assert s["lost_packets"] == 0


def test_lwipd_udp_client_reverse(lwipd, linux_iperf3):
    st = run_client(lwipd, port=5301, protocol="udp", bandwidth=8_000_000, reverse=True)
    s = st["result"]["end"]["sum"]
    assert s["packets"] > 0 and s["lost_packets"] == 0
    assert st["result"]["end"]["sum_received"]["bytes"] == st["result"]["end"]["sum_sent"]["bytes"]


@pytest.fixture(scope="module")
def server2(lwipd):
    sid = lwipd.call("iperf.start", mode="server", version=2)["id"]
    yield sid
    lwipd.call("iperf.stop", id=sid)


def test_iperf2_tcp_to_lwipd(lwipd, server2):
    r = subprocess.run(["iperf", "-c", LWIPD_IP, "-t", str(DURATION), "-y", "C"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    sent = int(r.stdout.strip().splitlines()[-1].split(",")[7])
    deadline = time.time() + 5
    while not lwipd.call("iperf.status", id=server2)["results"] and time.time() < deadline:
        time.sleep(0.1)
    got = lwipd.call("iperf.status", id=server2)["results"][-1]
    assert got["protocol"] == "TCP"
    assert got["bytes"] == sent


def test_iperf2_udp_server_report(lwipd, server2):
    r = subprocess.run(["iperf", "-c", LWIPD_IP, "-u", "-b", "5M", "-l", "1000", "-t", str(DURATION)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    # The client prints our report after "Server Report:".
    out = r.stdout
    assert "Server Report:" in out, out
    report = out.split("Server Report:", 1)[1].strip().splitlines()[-1]
    lost, total = report.split()[-2].split("/")
    got = lwipd.call("iperf.status", id=server2)["results"][-1]
    assert got["protocol"] == "UDP"
    assert int(total) == got["packets"] and int(lost) == got["lost_packets"] == 0
    assert abs(got["packets"] - 5e6 * DURATION / 8 / 1000) < 0.05 * got["packets"]
    assert got["bytes"] == got["packets"] * 1000
    assert "ms" in report


def test_bad_parameters(lwipd):
    for args, code in [({"mode": "server", "version": 4}, "bad_args"),
                       ({"target": "10.0.0.1", "mode": "server"}, "bad_args"),
                       ({"target": "nonsense"}, "bad_args"),
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


def test_lwipctl_client_live(lwipd, linux_iperf3):
    r = lwipd.lwipctl("iperf", "client", HOST_IP, "-p", "5301", "-t", str(DURATION))
    lines = r.stdout.splitlines()
    assert sum(1 for l in lines if l.startswith("[  SUM]") and "sender" not in l and "receiver" not in l) >= 2
    assert any(l.endswith("receiver") for l in lines)
    r = lwipd.lwipctl("iperf", "client", HOST_IP, "-t", "1", "-Q", check=False)
    assert r.returncode == 2 and "unknown iperf client option '-Q'" in r.stderr
