"""Built-in UDP echo and discard apps, used from Linux sockets."""
import socket

import pytest

from lwipd_harness import LWIPD_IP


def _udp(timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    return s


def test_udp_echo(lwipd):
    app = lwipd.call("app.start", name="udp-echo")
    assert app["port"] == 7
    try:
        s = _udp()
        for size in (0, 1, 100, 1472, 4000, 20000):
            data = bytes((i * 13) & 0xff for i in range(size))
            s.sendto(data, (LWIPD_IP, 7))
            got, addr = s.recvfrom(65535)
            assert got == data
            assert addr[0] == LWIPD_IP and addr[1] == 7
        s.close()
        apps = lwipd.call("app.list")["apps"]
        echo = [a for a in apps if a["id"] == app["id"]][0]
        assert echo["rx_packets"] == 6 and echo["tx_packets"] == 6
    finally:
        lwipd.call("app.stop", id=app["id"])


def test_udp_discard_and_stop(lwipd):
    app = lwipd.call("app.start", name="udp-discard")
    assert app["port"] == 9
    s = _udp(timeout=0.5)
    s.sendto(b"into the void", (LWIPD_IP, 9))
    with pytest.raises(socket.timeout):
        s.recvfrom(100)
    apps = lwipd.call("app.list")["apps"]
    assert [a for a in apps if a["id"] == app["id"]][0]["rx_packets"] == 1
    lwipd.call("app.stop", id=app["id"])
    assert not [a for a in lwipd.call("app.list")["apps"] if a["id"] == app["id"]]


def test_app_errors(lwipd):
    c = lwipd.client()
    r = c.request("app.start", name="no-such-app")
    assert not r["ok"] and r["error"]["code"] == "bad_args"
    a = c.call("app.start", name="udp-echo", port=7007)
    r = c.request("app.start", name="udp-discard", port=7007)
    assert not r["ok"] and r["error"]["code"] in ("busy", "failed")
    r = c.request("app.stop", id=987654)
    assert not r["ok"] and r["error"]["code"] == "not_found"
    c.call("app.stop", id=a["id"])
    c.close()
