"""TCP trace events (issue 17, docs/tcp-trace.md): `subscribe` to `tcp`
with a 4-tuple filter while Linux echoes data through lwipd's echo app
under loss (lwipd's own impairment layer); the events carry the fields
the protocol promises, only matching connections are reported, and
`lwipctl tcp trace -o` / `lwipctl tcp plot` record and draw them."""
import json
import os
import socket
import subprocess
import time

import pytest

from lwipd_harness import HOST_IP, LWIPD_IP, ControlClient
from test_tcp_linux import ECHO, _connect, _payload, _pump

SNAPSHOT = ("clock_ms", "kind", "local", "local_port", "remote", "remote_port", "state", "cwnd", "ssthresh",
            "srtt_ms", "rttvar_ms", "rto_ms", "pipe", "snd_una", "snd_nxt", "snd_wnd", "rcv_wnd")
KINDS = {"state", "cwnd", "rtt", "send", "retransmit", "ack", "recovery_enter", "recovery_exit"}


@pytest.fixture(scope="module")
def echo(lwipd):
    app = lwipd.call("app.start", name="tcp-echo")["id"]
    yield
    lwipd.call("app.stop", id=app)


@pytest.fixture(autouse=True)
def no_impairment(lwipd):
    yield
    lwipd.call("impair.clear")


def _echo_through_loss(lwipd, nbytes, seed):
    """Echo nbytes through lwipd with 3% loss each way; @return our port."""
    data = _payload(nbytes, seed=seed)
    s = _connect(4, ECHO)
    port = s.getsockname()[1]
    lwipd.call("impair.set", spec="both:loss=3%", seed=seed)
    _, back, _ = _pump(s, data, nbytes, False, deadline_s=20)
    lwipd.call("impair.clear")
    s.close()
    assert back == nbytes
    return port


def _subscribe(lwipd, **flt):
    c = ControlClient(lwipd.ctl_path, timeout=0.5)
    r = c.request("subscribe", events=["tcp"], tcp=flt)
    assert r["ok"], r
    return c


def _drain(c, quiet_s=1.0, limit_s=10.0):
    """Events until none came for quiet_s."""
    out = []
    end = time.monotonic() + limit_s
    last = time.monotonic()
    while time.monotonic() < end and time.monotonic() - last < quiet_s:
        try:
            msg = c.read_line()
        except socket.timeout:
            continue
        if msg.get("event") == "tcp":
            out.append(msg)
            last = time.monotonic()
    return out


def test_events_and_filter(lwipd, echo):
    mine = _subscribe(lwipd, local=LWIPD_IP, local_port=ECHO)
    other = _subscribe(lwipd, local_port=ECHO, remote="10.77.0.99")
    port = _echo_through_loss(lwipd, 300_000, seed=41)
    evs = _drain(mine)
    assert evs, "no tcp events"
    for e in evs:
        for k in SNAPSHOT:
            assert k in e, (k, e)
        assert e["kind"] in KINDS, e
        assert (e["local"], e["local_port"], e["remote"], e["remote_port"]) == (LWIPD_IP, ECHO, HOST_IP, port), e
    kinds = {e["kind"] for e in evs}
    assert {"state", "send", "ack", "rtt", "cwnd", "retransmit", "recovery_enter"} <= kinds, kinds
    states = [(e["old_state"], e["state"]) for e in evs if e["kind"] == "state"]
    assert states[0] == ("LISTEN", "SYN_RCVD") or states[0] == ("CLOSED", "SYN_RCVD"), states
    assert ("SYN_RCVD", "ESTABLISHED") in states, states
    clocks = [e["clock_ms"] for e in evs]
    assert clocks == sorted(clocks)
    sends = [e for e in evs if e["kind"] in ("send", "retransmit")]
    assert all("seq" in e and "len" in e for e in sends)
    # 300 kB echoed: the data sent adds up to at least that (SYN/FIN are 0).
    assert sum(e["len"] for e in sends if e["kind"] == "send") >= 300_000
    for e in evs:
        if e["kind"] == "rtt":
            assert e["rtt_ms"] >= 0 and e["rto_ms"] >= 200 and e["srtt_ms"] > 0, e
        if e["kind"].startswith("recovery"):
            assert e["reason"] in ("dupack", "sack", "rack", "tlp", "rto", "ecn"), e
    # The other subscriber's filter (a remote that does not exist) matched nothing.
    assert _drain(other, quiet_s=0.2) == []
    mine.close()
    other.close()


def test_bad_filters(lwipd):
    c = ControlClient(lwipd.ctl_path)
    for bad in ({"local_port": 70000}, {"local": "not-an-ip"}, {"port": 7}, 5):
        r = c.request("subscribe", events=["tcp"], tcp=bad)
        assert not r["ok"] and r["error"]["code"] == "bad_args", (bad, r)
    c.close()


def _have_matplotlib():
    return subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"], capture_output=True).returncode == 0


def test_lwipctl_trace_and_plot(lwipd, echo, tmp_path):
    trace = tmp_path / "t.jsonl"
    cmd = [os.environ["LWIPCTL"], "--ctl", lwipd.ctl_path, "tcp", "trace", f"local_port={ECHO}", "-o", str(trace),
           "--duration", "6"]
    rec = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Subscribed once lwipd counts it as a subscriber.
        deadline = time.monotonic() + 3
        while lwipd.call("status")["control"]["subscribers"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        port = _echo_through_loss(lwipd, 200_000, seed=42)
        out, err = rec.communicate(timeout=15)
    finally:
        rec.kill()
    assert rec.returncode == 0, err
    lines = [json.loads(x) for x in trace.read_text().splitlines()]
    assert lines and all(e["event"] == "tcp" and e["local_port"] == ECHO for e in lines)
    assert any(e["remote_port"] == port and e["kind"] == "retransmit" for e in lines)
    assert f"{len(lines)} events written to {trace}" in err
    # --count stops after N events, printed as lines on stdout.
    rec = subprocess.Popen(cmd[:6] + ["--count", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        _echo_through_loss(lwipd, 20_000, seed=43)
        out, err = rec.communicate(timeout=10)
    finally:
        rec.kill()
    assert rec.returncode == 0 and len(out.splitlines()) == 3 and out.count(" tcp ") == 3, (out, err)
    if not _have_matplotlib():
        pytest.skip("python3-matplotlib is not installed for /usr/bin/python3 (tools/install-deps)")
    png = tmp_path / "t.png"
    r = lwipd.lwipctl("tcp", "plot", trace, "-o", png)
    assert f"{png}:" in r.stdout
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    bad = lwipd.lwipctl("tcp", "plot", trace, "-o", png, "--conn", "1", check=False)
    assert bad.returncode != 0 and "no connection" in bad.stderr


def test_replay_trace_is_deterministic(tmp_path):
    """lwip-replay --tcp-trace writes the same events for a case on every
    run (its clock is virtual), in the format lwipctl tcp plot reads."""
    replay = os.path.join(os.path.dirname(os.environ["LWIPCTL"]), "replay", "lwip-replay")
    case = os.path.join(os.path.dirname(__file__), "..", "..", "pcaps", "tcp-echo")
    if not os.path.exists(replay) or not os.path.isdir(case):
        pytest.skip("lwip-replay or pcaps/tcp-echo missing")
    outs = []
    for i in range(2):
        f = tmp_path / f"r{i}.jsonl"
        subprocess.run([replay, "--quiet", "--tcp-trace", str(f), case], capture_output=True, timeout=60)
        outs.append(f.read_text())
    assert outs[0] == outs[1]
    evs = [json.loads(x) for x in outs[0].splitlines()]
    assert evs and all(e["event"] == "tcp" and e["case"].endswith("tcp-echo") for e in evs)
    assert {"state", "send", "ack"} <= {e["kind"] for e in evs}
    assert all(k in evs[0] for k in SNAPSHOT)
