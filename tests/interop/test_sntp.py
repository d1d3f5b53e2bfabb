"""The SNTP client (core/apps/sntp.c, sntp.* commands) against chrony.

chronyd runs on the Linux side of the TAP (10.77.0.1) as an NTP server of
stratum 8 on the host's clock (`local stratum 8`, `-x`: it never touches
the clock).  lwipd's client asks it by address, and once more with the
address handed out by dnsmasq as DHCP option 42.  Both ends read the same
host clock, so the offset lwipd measures must lie within half the round
trip of zero (RFC 5905 8: the error of the offset is bounded by delay / 2).
"""
import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

from lwipd_harness import HOST_IP, ServerProcess, TAP, running_lwipd

SILENT = "10.77.0.3"  # nobody answers from it
CHRONY_STRATUM = 8


def _chronyd():
    return shutil.which("chronyd") or ("/usr/sbin/chronyd" if os.access("/usr/sbin/chronyd", os.X_OK) else None)


def _need(prog, path):
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{prog} is missing under CI (tools/install-deps installs it)")
        pytest.skip(f"{prog} is not installed (tools/install-deps installs it)")


def ntp_query(addr, timeout=0.5):
    """One SNTP request from the Linux side; the reply's stratum or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(b"\x23" + b"\x00" * 39 + struct.pack("!Q", 0x1234567890ABCDEF), (addr, 123))
        data, _ = s.recvfrom(512)
        return data[1] if len(data) >= 48 else None
    except OSError:
        return None
    finally:
        s.close()


class Chrony(ServerProcess):
    """chronyd serving NTP on the TAP's Linux side, in the current (test)
    namespace, with every file of its own in a temporary directory."""

    def __init__(self, workdir):
        self.dir = workdir
        self.conf = os.path.join(workdir, "chrony.conf")
        self.log_path = os.path.join(workdir, "chronyd.log")
        self.proc = None

    def start(self):
        with open(self.conf, "w") as f:
            f.write(f"bindaddress {HOST_IP}\nport 123\ncmdport 0\nallow 10.77.0.0/24\n"
                    f"local stratum {CHRONY_STRATUM}\n"
                    f"pidfile {self.dir}/chronyd.pid\ndriftfile {self.dir}/chrony.drift\n")
        log = open(self.log_path, "w")
        # -x: never adjust the host's clock; -d: foreground, log to stderr;
        # -u root: keep writing its files here after start-up.
        self.proc = subprocess.Popen([_chronyd(), "-x", "-d", "-u", "root", "-f", self.conf], stdout=log,
                                     stderr=subprocess.STDOUT)
        log.close()
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chronyd exited with {self.proc.returncode}:\n{self.log()}")
            if ntp_query(HOST_IP) == CHRONY_STRATUM:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"chronyd never answered as stratum {CHRONY_STRATUM} on {HOST_IP}:123\n{self.log()}")


class DhcpServer(ServerProcess):
    """dnsmasq as a DHCP server only (no DNS), handing out option 42."""

    def __init__(self, workdir):
        self.dir = workdir
        self.log_path = os.path.join(workdir, "dnsmasq-ntp.log")
        self.proc = None

    def start(self):
        args = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", f"--interface={TAP}", "--bind-interfaces",
                "--except-interface=lo", "--user=root", "--group=root", "--port=0", "--no-ping",
                "--dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,120s",
                f"--dhcp-option=option:ntp-server,{HOST_IP}", f"--dhcp-leasefile={self.dir}/ntp.leases",
                f"--pid-file={self.dir}/dnsmasq-ntp.pid", "--log-dhcp", f"--log-facility={self.log_path}"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.3)
        if self.proc.poll() is not None:
            raise RuntimeError(f"dnsmasq exited: {self.proc.stderr.read().decode(errors='replace')}")
        return self


@pytest.fixture(scope="module")
def chrony(lwipd):
    _need("chronyd", _chronyd())
    c = Chrony(lwipd.dir).start()
    try:
        yield c
    finally:
        c.stop()


def _err(reply):
    assert not reply["ok"], reply
    return reply["error"]["code"], reply["error"]["message"]


def _wait(lwipd, pred, timeout, what):
    deadline = time.time() + timeout
    st = None
    while time.time() < deadline:
        st = lwipd.call("sntp.status")
        if pred(st):
            return st
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout} s; last sntp.status: {st}")


def _check_sample(st, server):
    last = st["last"]
    assert last is not None, st
    assert last["server"] == server
    assert last["stratum"] == CHRONY_STRATUM
    assert last["leap"] != 3 and last["version"] == 4
    assert last["delay_us"] >= 0
    # Same host clock on both sides: |offset| <= delay / 2, plus the
    # microsecond rounding of both clock readings.
    assert abs(last["offset_us"]) <= last["delay_us"] // 2 + 1000, last
    assert st["counters"]["rejected"] == 0, st
    assert st["clock"]["steps"] >= 1
    # lwipd's wall time is the host's, corrected by offsets close to zero.
    assert abs(st["clock"]["unix_us"] - time.time() * 1e6) < 1e6


def test_bad_args(lwipd):
    c = lwipd.client()
    try:
        st = c.call("sntp.status")
        assert st["state"] == "off" and st["running"] is False and st["last"] is None
        assert _err(c.request("sntp.stop"))[0] == "not_found"
        assert _err(c.request("sntp.start"))[0] == "bad_args"
        assert _err(c.request("sntp.start", servers=[HOST_IP], dhcp=True))[0] == "bad_args"
        assert _err(c.request("sntp.start", servers=[]))[0] == "bad_args"
        assert _err(c.request("sntp.start", servers=["224.0.1.1"]))[0] == "bad_args"
        assert _err(c.request("sntp.start", servers=["10.77.0.1", "x"]))[0] == "bad_args"
        assert _err(c.request("sntp.start", servers=["1.2.3.4"] * 5))[0] == "bad_args"
        assert _err(c.request("sntp.start", servers=[HOST_IP], poll=14))[0] == "bad_args"  # RFC 4330 10
        assert _err(c.request("sntp.start", servers=[HOST_IP], timeout_ms=10))[0] == "bad_args"
        assert c.call("sntp.status")["state"] == "off"
    finally:
        c.close()


def test_silent_server_backs_off(lwipd):
    """No answer: the request times out, the failure is counted and the
    next request waits the first retry interval (15 s)."""
    st = lwipd.call("sntp.start", servers=[SILENT], timeout_ms=300, poll=16)
    assert st["running"] and st["servers"][0]["address"] == SILENT
    st = _wait(lwipd, lambda s: s["counters"]["timeouts"] >= 1, 10, "a timeout")
    assert st["state"] == "idle" and st["fails"] == 1
    assert st["counters"]["requests"] == 1 and st["last"] is None
    assert 0 < st["next_in_ms"] <= 15000
    assert _err(lwipd.client().request("sntp.start", servers=[HOST_IP]))[0] == "busy"
    st = lwipd.call("sntp.stop")
    assert st["state"] == "off" and st["counters"]["timeouts"] >= 1


def test_chrony_by_address(lwipd, chrony):
    st = lwipd.call("sntp.start", servers=[SILENT, HOST_IP], timeout_ms=500, poll=16, max_backoff=15)
    # The silent one first: after its timeout (and 15 s) chrony is asked.
    st = _wait(lwipd, lambda s: s["counters"]["replies"] >= 1, 30, "a reply from chrony")
    _check_sample(st, HOST_IP)
    assert st["counters"]["timeouts"] >= 1
    assert st["state"] == "idle" and st["fails"] == 0
    assert [s["address"] for s in st["servers"]] == [SILENT, HOST_IP]
    assert st["servers"][1]["current"] and st["servers"][1]["stratum"] == CHRONY_STRATUM
    assert 0 < st["next_in_ms"] <= 16000
    sntp_stats = lwipd.call("stats")["protocols"]["sntp"]
    assert sntp_stats["recv"] >= 1 and sntp_stats["xmit"] >= 2 and sntp_stats["drop"] == 0
    # lwipctl shows the same.
    out = subprocess.run([os.environ["LWIPCTL"], "--ctl", lwipd.ctl_path, "sntp", "status"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert "stratum" in out.stdout and HOST_IP in out.stdout and "idle" in out.stdout
    lwipd.call("sntp.stop")
    assert lwipd.call("sntp.status")["state"] == "off"


def test_chrony_from_dhcp_option_42():
    """A second lwipd takes its address from dnsmasq, which names chrony in
    option 42; sntp.start dhcp=true asks the server the lease names."""
    _need("chronyd", _chronyd())
    _need("dnsmasq", shutil.which("dnsmasq"))
    # The module's lwipd stays; this one has its own namespace and TAP.
    with running_lwipd(seed=7) as d:
        chrony2 = Chrony(d.dir).start()
        srv = DhcpServer(d.dir).start()
        try:
            st = d.call("sntp.start", dhcp=True, poll=16, timeout_ms=500)
            assert st["from_dhcp"] and st["state"] in ("idle", "no_server")
            d.call("dhcp.start")
            deadline = time.time() + 15
            while d.call("dhcp.status")["state"] != "bound":
                assert time.time() < deadline, f"no lease from dnsmasq:\n{srv.log()}"
                time.sleep(0.1)
            # The client looks at the lease at its next poll (16 s at most).
            st = _wait(d, lambda s: s["counters"]["replies"] >= 1, 30, "a reply from the DHCP-named server")
            assert st["from_dhcp"] and [s["address"] for s in st["servers"]] == [HOST_IP]
            _check_sample(st, HOST_IP)
            d.call("sntp.stop")
        finally:
            srv.stop()
            chrony2.stop()
