"""RACK-TLP (RFC 8985) with PRR (RFC 6937) in lwipd (issue 17): the loss
detection of SACK connections, chosen with tcp.cc / --loss-detection, and
real transfers through lwipd's own impairment with Linux as the peer:
intact, with RACK's work (losses marked by time, tail loss probes)
visible in tcp.list.  Times are printed beside RFC 6675's, never
asserted."""
import hashlib
import os
import subprocess
import time

import pytest

from lwipd_harness import running_lwipd
from test_tcp_linux import ECHO, MB, _connect, _payload, _pump, _rate


@pytest.fixture(scope="module")
def echo(lwipd):
    app = lwipd.call("app.start", name="tcp-echo")["id"]
    yield
    lwipd.call("app.stop", id=app)


@pytest.fixture(autouse=True)
def defaults(lwipd):
    yield
    lwipd.call("impair.clear")
    lwipd.call("tcp.cc", loss_detection="rack")


def test_loss_detection_command(lwipd):
    got = lwipd.call("tcp.cc")
    assert got["loss_detection"] == "rack", got
    assert lwipd.call("tcp.cc", loss_detection="dupthresh")["loss_detection"] == "dupthresh"
    c = lwipd.client()
    for bad in ({"loss_detection": "fack"}, {"loss_detection": 1}):
        r = c.request("tcp.cc", **bad)
        assert r["ok"] is False and r["error"]["code"] == "bad_args", (bad, r)
    c.close()
    out = lwipd.lwipctl("tcp", "cc", "rack").stdout
    assert "loss detection" in out and "rack" in out, out
    assert lwipd.call("tcp.cc")["loss_detection"] == "rack"


def _echo_under_loss(lwipd, spec, seed, n):
    data = _payload(n, seed=seed)
    s = _connect(4, ECHO)
    lwipd.call("impair.set", spec=spec, seed=seed)
    seen = {}
    t = time.monotonic()
    digest, back, _ = _pump(s, data, n, False, deadline_s=120)
    elapsed = time.monotonic() - t
    for c in lwipd.call("tcp.list")["connections"]:
        if c["local_port"] == ECHO:
            seen.update(c)
    lwipd.call("impair.clear")
    s.close()
    assert back == n and digest == hashlib.sha256(data).hexdigest()
    return elapsed, seen


@pytest.mark.parametrize("spec,seed", [("both:loss=5%", 41), ("both:loss=2%,reorder=5%", 42)])
def test_rack_echo_under_loss(lwipd, echo, spec, seed):
    """1 MB echoed through loss (and reordering) each way: intact, RACK
    in charge, and it marked losses by time; RFC 6675 beside it for the
    record."""
    n = MB
    elapsed, seen = _echo_under_loss(lwipd, spec, seed, n)
    assert seen.get("recovery") == "rack", seen
    rack = seen.get("rack", {})
    assert rack.get("lost", 0) + rack.get("tlp_probes", 0) > 0, seen
    lwipd.call("tcp.cc", loss_detection="dupthresh")
    elapsed_dt, seen_dt = _echo_under_loss(lwipd, spec, seed, n)
    assert seen_dt.get("recovery") == "dupthresh" and "rack" not in seen_dt, seen_dt
    print(f"echo 1 MB with {spec}: rack {elapsed:.2f} s ({_rate(n, elapsed)}, lost {rack.get('lost')}, "
          f"tlp {rack.get('tlp_probes')}, repaired {rack.get('tlp_repaired')}, dsacks {rack.get('dsacks')}, "
          f"rtx {seen.get('retransmits_total')}); dupthresh {elapsed_dt:.2f} s "
          f"(rtx {seen_dt.get('retransmits_total')})")


@pytest.mark.parametrize("cc", ["newreno", "cubic"])
@pytest.mark.parametrize("loss", [1, 5, 10])
def test_echo_each_controller_loss_and_reorder(lwipd, echo, cc, loss):
    """256 kB echoed through loss and reordering each way with each
    controller (RACK-TLP in charge): intact, and the loss was met."""
    lwipd.call("tcp.cc", default=cc)
    try:
        elapsed, seen = _echo_under_loss(lwipd, f"both:loss={loss}%,reorder=2%", 50 + loss, 256 * 1024)
    finally:
        lwipd.call("tcp.cc", default="newreno")
    assert seen.get("congestion") == cc and seen.get("recovery") == "rack", seen
    assert seen.get("retransmits_total", 0) > 0, seen
    print(f"{cc} 256 kB echo, {loss}% loss + 2% reorder each way: {elapsed:.2f} s, "
          f"rtx {seen.get('retransmits_total')}, rack {seen.get('rack')}")


def test_command_line_option():
    """--loss-detection sets the default at start-up; a bad value is
    refused before anything starts (exit 2)."""
    with running_lwipd(extra_args=["--loss-detection", "dupthresh"]) as d:
        assert d.call("tcp.cc")["loss_detection"] == "dupthresh"
    r = subprocess.run([os.environ["LWIPD"], "--tap", "lwx0", "--loss-detection", "fack"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2 and "loss-detection" in r.stderr, (r.returncode, r.stderr)
