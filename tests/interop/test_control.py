"""Control-socket robustness: the daemon answers or closes cleanly, never
crashes or blocks."""
import json
import os
import socket
import stat
import time

import pytest

from lwipd_harness import ControlClient


def _raw(lwipd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(lwipd.ctl_path)
    return s


def _line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return json.loads(buf) if buf else None


def test_socket_mode(lwipd):
    mode = stat.S_IMODE(os.stat(lwipd.ctl_path).st_mode)
    assert mode == 0o600


def test_malformed_json(lwipd):
    s = _raw(lwipd)
    s.sendall(b"{not json\n")
    r = _line(s)
    assert r["ok"] is False and r["error"]["code"] == "parse_error"
    s.sendall(b"[1,2,3]\n")
    r = _line(s)
    assert r["error"]["code"] == "parse_error"
    # the connection still works
    s.sendall(b'{"id": "x", "cmd": "status"}\n')
    r = _line(s)
    assert r["ok"] and r["id"] == "x"
    s.close()


def test_bad_requests(lwipd):
    c = lwipd.client()
    c.send_raw(b'{"id": 1}\n')
    assert c.read_line()["error"]["code"] == "bad_request"
    c.send_raw(b'{"id": 2, "cmd": 5}\n')
    assert c.read_line()["error"]["code"] == "bad_request"
    c.send_raw(b'{"id": 3, "cmd": "status", "args": [1]}\n')
    assert c.read_line()["error"]["code"] == "bad_request"
    r = c.request("no.such.command")
    assert r["error"]["code"] == "unknown_command"
    r = c.request("arp.add", ip=5, mac="02:00:00:00:00:09")
    assert r["error"]["code"] == "bad_args"
    r = c.request("arp.add", ip="10.77.0.9", mac="zz")
    assert r["error"]["code"] == "bad_args"
    r = c.request("log.set", module="nosuch", level="debug")
    assert r["error"]["code"] == "bad_args"
    r = c.request("netif.set", name="xx9", up=True)
    assert r["error"]["code"] == "not_found"
    r = c.request("netif.set", name=lwipd.tap_netif()["name"], mtu=10)
    assert r["error"]["code"] == "bad_args"
    r = c.request("ping", dst="10.77.0.1", count=0)
    assert r["error"]["code"] == "bad_args"
    c.close()


def test_too_long_line(lwipd):
    s = _raw(lwipd)
    try:
        s.sendall(b'{"id": 1, "cmd": "' + b"a" * (70 * 1024) + b'"}\n')
    except (BrokenPipeError, ConnectionResetError):
        pass
    r = _line(s)
    assert r is None or r["error"]["code"] == "too_long"
    s.close()
    assert lwipd.call("status")


def test_disconnect_mid_request(lwipd):
    for _ in range(20):
        s = _raw(lwipd)
        s.sendall(b'{"id": 1, "cmd": "sta')
        s.close()
    s = _raw(lwipd)
    s.sendall(b'{"id": 1, "cmd": "ping", "args": {"dst": "10.77.0.1", "count": 50, "interval_ms": 100}}\n')
    s.close()  # vanish while a deferred reply is pending
    time.sleep(0.2)
    assert lwipd.call("status")


def test_client_never_reads(lwipd):
    s = _raw(lwipd)
    s.setblocking(False)
    req = b'{"id": 1, "cmd": "stats", "args": {"all": true}}\n'
    sent = 0
    deadline = time.time() + 5
    while time.time() < deadline and sent < 4000:
        try:
            s.send(req)
            sent += 1
        except BlockingIOError:
            time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            break  # the daemon hung up on a client that never reads: allowed
    # the daemon keeps serving others, whatever it does with this client
    t0 = time.time()
    assert lwipd.call("status")
    assert time.time() - t0 < 5
    s.close()


def test_client_limit(lwipd):
    socks = []
    try:
        for _ in range(40):
            socks.append(_raw(lwipd))
        # the ones past the limit get an error line and are closed
        refused = 0
        for s in socks[32:]:
            s.settimeout(2)
            r = _line(s)
            if r is not None and r.get("error", {}).get("code") == "busy":
                refused += 1
        assert refused >= 1
    finally:
        for s in socks:
            s.close()
    time.sleep(0.2)
    assert lwipd.call("status")


def test_subscribe_events(lwipd):
    c = lwipd.client()
    c.call("subscribe", events=["link", "address"])
    name = lwipd.tap_netif()["name"]
    lwipd.call("netif.set", name=name, ip="10.77.0.6/24")
    lwipd.call("netif.set", name=name, ip="10.77.0.2/24")
    ev = c.read_line()
    assert ev.get("event") == "address"
    assert ev["netif"] == name
    c.close()


def test_subscribe_log_lines(lwipd):
    c = lwipd.client()
    c.call("subscribe", events=["log"])
    lwipd.call("log.set", module="app", level="info")
    try:
        app = lwipd.call("app.start", name="udp-discard", port=7309)
        lwipd.call("app.stop", id=app["id"])
        seen = []
        while True:
            ev = c.read_line()
            if ev.get("event") == "log":
                seen.append(ev)
                if "7309" in ev["message"]:
                    break
        assert seen[-1]["module"] == "app" and seen[-1]["level"] == "info"
    finally:
        lwipd.call("log.set", module="app", level="warn")
        c.close()


def test_null_arguments_are_absent(lwipd):
    """A JSON null argument means "not given", for every command: it never
    turns a netif, its link or forwarding off."""
    name = lwipd.tap_netif()["name"]
    lwipd.call("netif.set", name=name, up=None, link_up=None)
    n = lwipd.tap_netif()
    assert n["up"] and n["link_up"], n
    lwipd.call("ip.forward", enable=True)
    try:
        lwipd.call("ip.forward", enable=None)
        assert lwipd.call("ip.forward")["enabled"] is True
    finally:
        lwipd.call("ip.forward", enable=False)


def test_help_lists_every_command(lwipd):
    """The registry answers `help` with every module's commands, and each
    one it lists is found by the dispatcher (none is unknown_command)."""
    c = lwipd.client()
    cmds = c.call("help")["commands"]
    names = {x["name"] for x in cmds}
    for expected in ("status", "tcp.limits", "sock.info", "dns.resolve", "ping", "app.start", "iperf.start",
                     "icmp.ratelimit", "help"):
        assert expected in names, expected
    assert all(x["help"] for x in cmds)
    for name in sorted(names - {"shutdown"}):
        r = c.request(name, __probe__=1) if name != "subscribe" else c.request(name, events=[])
        assert r.get("error", {}).get("code") != "unknown_command", name
    c.close()
