"""Every lwipctl command, human output and --json."""
import json
import subprocess

from lwipd_harness import HOST_IP, LWIPD_IP


def test_status_table_and_json(lwipd):
    r = lwipd.lwipctl("status")
    assert "version" in r.stdout.lower() or "lwipd" in r.stdout.lower()
    r = lwipd.lwipctl("status", json_out=True)
    assert json.loads(r.stdout)["ok"] is True


def test_netif_and_set(lwipd):
    name = lwipd.tap_netif()["name"]
    r = lwipd.lwipctl("netif")
    assert name in r.stdout and LWIPD_IP in r.stdout
    lwipd.lwipctl("netif", "set", name, "mtu", "1400")
    assert lwipd.tap_netif()["mtu"] == 1400
    lwipd.lwipctl("netif", "set", name, "mtu", "1500")


def test_arp_commands(lwipd):
    lwipd.lwipctl("arp", "add", "10.77.0.50", "02:00:00:00:00:50")
    r = lwipd.lwipctl("arp")
    assert "10.77.0.50" in r.stdout and "static" in r.stdout
    lwipd.lwipctl("arp", "del", "10.77.0.50")
    r = lwipd.lwipctl("arp", "del", "10.77.0.50", check=False)
    assert r.returncode == 1
    lwipd.lwipctl("arp", "flush")


def test_stats_and_log(lwipd):
    r = lwipd.lwipctl("stats")
    assert "ip4" in r.stdout
    lwipd.lwipctl("stats", "--all")
    lwipd.lwipctl("stats", "reset")
    lwipd.lwipctl("log", "arp", "debug")
    r = lwipd.lwipctl("log")
    assert "arp" in r.stdout and "debug" in r.stdout
    lwipd.lwipctl("log", "arp", "warn")


def test_capture_impair_app_forward(lwipd, tmp_path):
    f = tmp_path / "x.pcap"
    lwipd.lwipctl("capture", "start", str(f))
    lwipd.lwipctl("capture", "status")
    lwipd.lwipctl("capture", "stop")
    assert f.exists()
    lwipd.lwipctl("impair", "tx:dup=1%")
    r = lwipd.lwipctl("impair")
    assert "dup" in r.stdout
    lwipd.lwipctl("impair", "clear")
    r = lwipd.lwipctl("app", "start", "udp-echo", "7100", json_out=True)
    app_id = json.loads(r.stdout)["result"]["id"]
    r = lwipd.lwipctl("app", "list")
    assert "udp-echo" in r.stdout
    lwipd.lwipctl("app", "stop", str(app_id))
    lwipd.lwipctl("forward", "on")
    lwipd.lwipctl("forward", "off")


def test_ping_output(lwipd):
    r = lwipd.lwipctl("ping", HOST_IP, "-c", "3", "-i", "10")
    assert "3 received" in r.stdout or "received 3" in r.stdout or " 0% " in r.stdout or "0.0%" in r.stdout, r.stdout


def test_usage_and_connect_errors(lwipd):
    import os
    r = subprocess.run([os.environ["LWIPCTL"], "--ctl", lwipd.ctl_path, "no-such-command"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    r = subprocess.run([os.environ["LWIPCTL"], "--ctl", "/nonexistent/sock", "status"],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_route_table(lwipd):
    r = lwipd.lwipctl("route")
    assert "10.77.0.0/24" in r.stdout and "direct" in r.stdout
    routes = lwipd.call("route.list")["routes"]
    assert any(x["dest"] == "10.77.0.0" and x["prefix"] == 24 for x in routes)


def test_watch_prints_events(lwipd):
    import os
    import signal
    import time
    p = subprocess.Popen([os.environ["LWIPCTL"], "--ctl", lwipd.ctl_path, "watch", "address"],
                         stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        name = lwipd.tap_netif()["name"]
        lwipd.call("netif.set", name=name, gw="10.77.0.1")
        lwipd.call("netif.set", name=name, gw="0.0.0.0")
        time.sleep(0.3)
    finally:
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=5)
    assert "address" in out and name in out, out


def test_shutdown_command():
    # A daemon of its own: shutting down the module's one would end the module.
    from lwipd_harness import Lwipd
    d = Lwipd(seed=3)
    d.start()
    try:
        r = d.lwipctl("shutdown")
        assert r.returncode == 0
        d.proc.wait(timeout=5)
        assert d.proc.returncode == 0
        import os
        assert not os.path.exists(d.ctl_path)
    finally:
        d.stop()
