"""The MQTT client (core/apps/mqtt.c, mqtt.* commands) against mosquitto.

mosquitto listens on the Linux side of the TAP (10.77.0.1:1883), anonymous,
without persistence; mosquitto_sub and mosquitto_pub are the other party.
lwipd publishes at QoS 0, 1 and 2 and mosquitto_sub receives; mosquitto_pub
publishes and lwipd's wildcard subscriptions receive; the will is delivered
when lwipd's connection is aborted; lwipd reconnects after the broker
restarts.  A fake broker (a Python socket) sends malformed packets, each
counted under its drop reason.
"""
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from lwipd_harness import HOST_IP, ServerProcess

PORT = 1883
FAKE_PORT = 1884


def _need(prog):
    if shutil.which(prog) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{prog} is missing under CI (tools/install-deps installs it)")
        pytest.skip(f"{prog} is not installed (tools/install-deps installs it)")


def _port_open(addr, port):
    try:
        with socket.create_connection((addr, port), timeout=0.2):
            return True
    except OSError:
        return False


class Mosquitto(ServerProcess):
    """mosquitto in the test's namespace, its files in a temporary directory."""

    def __init__(self, workdir):
        self.dir = workdir
        self.conf = os.path.join(workdir, "mosquitto.conf")
        self.log_path = os.path.join(workdir, "mosquitto.log")
        self.proc = None

    def start(self):
        with open(self.conf, "w") as f:
            f.write(f"listener {PORT} {HOST_IP}\nallow_anonymous true\npersistence false\n"
                    f"user root\nlog_dest file {self.log_path}\nlog_type all\n")
        self.proc = subprocess.Popen(["mosquitto", "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.proc.stderr.read().decode(errors='replace')}")
            if _port_open(HOST_IP, PORT):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"mosquitto never listened on {HOST_IP}:{PORT}\n{self.log()}")


@pytest.fixture(scope="module")
def broker(lwipd):
    _need("mosquitto")
    _need("mosquitto_sub")
    _need("mosquitto_pub")
    b = Mosquitto(lwipd.dir).start()
    try:
        yield b
    finally:
        b.stop()


def _err(reply):
    assert not reply["ok"], reply
    return reply["error"]["code"]


def _wait(lwipd, pred, timeout, what):
    deadline = time.time() + timeout
    st = None
    while time.time() < deadline:
        st = lwipd.call("mqtt.status")
        if pred(st):
            return st
        time.sleep(0.05)
    raise AssertionError(f"{what} within {timeout} s; last mqtt.status: {st}")


def _connect(lwipd, **kw):
    args = dict(broker=HOST_IP, client_id="lwipd-test", keepalive=30, reconnect_min_ms=200,
                reconnect_max_ms=1000)
    args.update(kw)
    _disconnect(lwipd)
    lwipd.call("mqtt.connect", **args)
    return _wait(lwipd, lambda s: s["state"] == "connected", 10, "a CONNACK")


def _disconnect(lwipd):
    if lwipd.call("mqtt.status")["running"]:
        lwipd.call("mqtt.disconnect")


class Sub:
    """mosquitto_sub printing 'topic payload' lines until it has @count."""

    def __init__(self, topic, count, qos=2):
        self.proc = subprocess.Popen(["mosquitto_sub", "-h", HOST_IP, "-p", str(PORT), "-t", topic, "-q", str(qos),
                                      "-v", "-C", str(count), "-W", "20"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        # mosquitto_sub has no "subscribed" signal: wait for the broker to
        # log the subscription.
        time.sleep(0.5)

    def lines(self, timeout=20):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        # Latin-1 keeps every payload byte as one character.
        return out.decode("latin-1").splitlines()


def _pub(topic, msg, qos=0, retain=False):
    args = ["mosquitto_pub", "-h", HOST_IP, "-p", str(PORT), "-t", topic, "-m", msg, "-q", str(qos)]
    if retain:
        args.append("-r")
    subprocess.run(args, check=True, timeout=10)


def _messages(lwipd, n, timeout=10, since=0):
    deadline = time.time() + timeout
    got = []
    while time.time() < deadline:
        got = lwipd.call("mqtt.messages", since=since)["messages"]
        if len(got) >= n:
            return got
        time.sleep(0.05)
    raise AssertionError(f"{n} messages within {timeout} s; got {got}")


def test_bad_args(lwipd):
    c = lwipd.client()
    try:
        st = c.call("mqtt.status")
        assert st["state"] == "off" and st["running"] is False
        assert _err(c.request("mqtt.disconnect")) == "not_found"
        assert _err(c.request("mqtt.connect")) == "bad_args"
        assert _err(c.request("mqtt.connect", broker="224.0.0.1")) == "bad_args"
        assert _err(c.request("mqtt.connect", broker=HOST_IP, password="x")) == "bad_args"
        assert _err(c.request("mqtt.connect", broker=HOST_IP, client_id="", clean=False)) == "bad_args"
        assert _err(c.request("mqtt.connect", broker=HOST_IP, client_id="x" * 65)) == "bad_args"
        assert _err(c.request("mqtt.connect", broker=HOST_IP, will={"topic": "a/#"})) == "bad_args"
        assert _err(c.request("mqtt.connect", broker=HOST_IP, keepalive=70000)) == "bad_args"
        assert _err(c.request("mqtt.publish", topic="t", payload="x")) == "not_found"  # not connected
        assert _err(c.request("mqtt.publish", topic="t", payload="x", payload_hex="00")) == "bad_args"
        assert _err(c.request("mqtt.subscribe")) == "bad_args"
        assert c.call("mqtt.status")["state"] == "off"
    finally:
        c.close()


def test_publish_qos_0_1_2(lwipd, broker):
    st = _connect(lwipd)
    assert st["client_id"] == "lwipd-test" and st["broker"] == HOST_IP and st["connack"] == 0
    sub = Sub("lw/#", 4)
    c = lwipd.client()
    try:
        for qos in (0, 1, 2):
            res = c.call("mqtt.publish", topic=f"lw/q{qos}", payload=f"hello {qos}", qos=qos)
            assert res["done"] == "publish" and res["qos"] == qos
        res = c.call("mqtt.publish", topic="lw/bin", payload_hex="00ff10", qos=1)
        assert _err(c.request("mqtt.publish", topic="lw/#", payload="x")) == "bad_args"
    finally:
        c.close()
    lines = sub.lines()
    assert lines[:2] == ["lw/q0 hello 0", "lw/q1 hello 1"], lines
    # mosquitto_sub prints a QoS 2 message only after its PUBREL round trip
    # with the broker, so the QoS 1 message lwipd published after it may be
    # printed first: MQTT orders messages only within one QoS (3.1.1 4.6).
    assert sorted(lines[2:]) == sorted(["lw/q2 hello 2", "lw/bin \x00\xff\x10"]), lines
    st = lwipd.call("mqtt.status")
    assert st["counters"]["pub_tx"] == [1, 2, 1], st
    assert st["counters"]["pub_done"] == 3 and st["inflight"] == 0
    mqtt = lwipd.call("stats")["protocols"]["mqtt"]
    assert mqtt["drop"] == 0 and mqtt["recv"] >= 4  # CONNACK, PUBACK x2, PUBREC, PUBCOMP
    out = lwipd.lwipctl("mqtt", "status").stdout
    assert "connected" in out and HOST_IP in out and "lwipd-test" in out
    out = lwipctl_pub = lwipd.lwipctl("mqtt", "publish", "lw/ctl", "from lwipctl", "-q", "2").stdout
    assert "done at QoS 2" in lwipctl_pub, out


def test_subscribe_wildcards(lwipd, broker):
    _connect(lwipd)
    lwipd.call("mqtt.messages", clear=True)
    since = lwipd.call("mqtt.messages")["next_seq"] - 1
    c = lwipd.client()
    try:
        assert c.call("mqtt.subscribe", filter="sensors/+/temp", qos=1)["granted_qos"] == 1
        assert c.call("mqtt.subscribe", filter="alarms/#", qos=2)["granted_qos"] == 2
        assert _err(c.request("mqtt.subscribe", filter="a/#/b")) == "bad_args"
    finally:
        c.close()
    _pub("sensors/kitchen/temp", "21.5", qos=1)
    _pub("sensors/kitchen/humidity", "40", qos=1)  # matches no filter
    _pub("alarms/door/front", "open", qos=2)
    _pub("alarms", "bare", qos=0)  # '#' also matches the parent level
    got = _messages(lwipd, 3, since=since)
    time.sleep(0.3)
    got = lwipd.call("mqtt.messages", since=since)["messages"]
    assert [(m["topic"], m["payload"], m["qos"]) for m in got] == [
        ("sensors/kitchen/temp", "21.5", 1), ("alarms/door/front", "open", 2), ("alarms", "bare", 0)], got
    st = lwipd.call("mqtt.status")
    assert st["counters"]["pub_rx"][1] >= 1 and st["counters"]["pub_rx"][2] >= 1 and st["qos2_in"] == 0
    out = lwipd.lwipctl("mqtt", "messages").stdout
    assert "alarms/door/front" in out and "open" in out
    res = lwipd.call("mqtt.unsubscribe", filter="alarms/#")
    assert res["done"] == "unsubscribe"
    nxt = lwipd.call("mqtt.messages")["next_seq"]
    _pub("alarms/door/back", "closed", qos=1)
    _pub("sensors/hall/temp", "19", qos=1)
    got = _messages(lwipd, 1, since=nxt - 1)
    time.sleep(0.3)
    got = lwipd.call("mqtt.messages", since=nxt - 1)["messages"]
    assert [m["topic"] for m in got] == ["sensors/hall/temp"], got


def test_will_on_abort(lwipd, broker):
    _disconnect(lwipd)
    _connect(lwipd, client_id="lwipd-will", will={"topic": "will/lwipd", "payload": "lwipd gone", "qos": 1})
    sub = Sub("will/#", 1)
    conns = [t for t in lwipd.call("tcp.list")["connections"] if t.get("remote_port") == PORT and t.get("state") == "ESTABLISHED"]
    assert len(conns) == 1, conns
    lost = lwipd.call("mqtt.status")["counters"]["lost"]
    lwipd.call("tcp.abort", local_port=conns[0]["local_port"], remote=HOST_IP, remote_port=PORT)
    assert sub.lines() == ["will/lwipd lwipd gone"]
    # The client notices and comes back by itself.
    st = _wait(lwipd, lambda s: s["state"] == "connected" and s["counters"]["lost"] > lost, 10, "a reconnection")
    assert st["counters"]["connacks"] >= 2
    # A clean DISCONNECT discards the will (MQTT 3.1.1 3.14.4).
    sub = Sub("will/#", 1)
    lwipd.call("mqtt.disconnect")
    assert sub.lines(timeout=2) == []


def test_reconnect_after_broker_restart(lwipd, broker):
    _disconnect(lwipd)
    st = _connect(lwipd, client_id="lwipd-restart", keepalive=5)
    connacks = st["counters"]["connacks"]
    broker.stop()
    st = _wait(lwipd, lambda s: s["state"] in ("wait_reconnect", "tcp_connecting"), 10, "the loss noticed")
    assert _err(lwipd.client().request("mqtt.publish", topic="lw/x", payload="x", qos=1)) == "not_found"
    broker.start()
    st = _wait(lwipd, lambda s: s["state"] == "connected" and s["counters"]["connacks"] > connacks, 15,
               "a reconnection to the restarted broker")
    assert st["counters"]["lost"] >= 1 and st["counters"]["connects"] >= 2
    sub = Sub("lw/after", 1)
    assert lwipd.call("mqtt.publish", topic="lw/after", payload="restart", qos=1)["done"] == "publish"
    assert sub.lines() == ["lw/after restart"]
    # Keep alive: PINGREQ after 5 s of silence, answered.
    st = _wait(lwipd, lambda s: s["counters"]["ping_sent"] >= 1, 8, "a PINGREQ")
    time.sleep(0.3)
    st = lwipd.call("mqtt.status")
    assert st["state"] == "connected" and st["counters"]["ping_timeouts"] == 0
    lwipd.call("mqtt.disconnect")


class FakeBroker:
    """Accepts one connection at a time; answers the client's first packets
    (CONNECT, ...) with the byte strings given, one each, then reads until
    lwipd closes or resets the connection."""

    def __init__(self, *answers):
        self.answers = answers
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST_IP, FAKE_PORT))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.stop = False
        self.accepted = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            with conn:
                conn.settimeout(2)
                try:
                    for a in self.answers:
                        conn.recv(1024)
                        conn.sendall(a)
                    while conn.recv(1024):
                        pass
                except OSError:
                    pass

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.mark.parametrize("answer,reason", [
    (b"\x20\x02\x00\x07", "MQTT_BAD_CONNACK"),
    (b"\x20\x02\x00\x00\x30\xff\xff\xff\xff\x01", "MQTT_BAD_VARINT"),
    (b"\x20\x02\x00\x00\x36\x03\x00\x01t", "MQTT_BAD_FLAGS"),
    (b"\x20\x02\x00\x00\x30\x04\x00\x02a#", "MQTT_BAD_TOPIC"),
    (b"\x30\x03\x00\x01t", "MQTT_UNEXPECTED"),
    (b"\x20\x02\x00\x00\x90\x03\x00\x01\x05", "MQTT_BAD_SUBACK"),
])
def test_malformed_from_broker(lwipd, answer, reason):
    """Each malformed packet ends the connection (RST), counted under its
    reason; the client then tries again."""
    _disconnect(lwipd)
    fake = FakeBroker(answer)
    try:
        before = lwipd.call("stats", all=True)["drops"].get(reason, 0)
        lwipd.call("mqtt.connect", broker=HOST_IP, port=FAKE_PORT, reconnect_min_ms=5000)
        deadline = time.time() + 5
        while lwipd.call("stats", all=True)["drops"].get(reason, 0) == before:
            assert time.time() < deadline, f"{reason} never counted: {lwipd.call('mqtt.status')}"
            time.sleep(0.05)
        st = lwipd.call("mqtt.status")
        assert st["counters"]["malformed"] >= 1 and st["state"] in ("wait_reconnect", "tcp_connecting")
        assert lwipd.call("stats", all=True)["drops"][reason] == before + 1
        lwipd.call("mqtt.disconnect")
    finally:
        fake.close()


def test_suback_failure(lwipd):
    """mosquitto grants every subscription, so a fake broker answers the
    SUBSCRIBE with SUBACK 0x80: an error reply, counted, connection kept."""
    _disconnect(lwipd)
    fake = FakeBroker(b"\x20\x02\x00\x00", b"\x90\x03\x00\x01\x80")
    try:
        lwipd.call("mqtt.connect", broker=HOST_IP, port=FAKE_PORT)
        _wait(lwipd, lambda s: s["state"] == "connected", 5, "the fake CONNACK")
        reply = lwipd.client().request("mqtt.subscribe", filter="secret/#", qos=1)
        assert _err(reply) == "failed" and "0x80" in reply["error"]["message"]
        st = lwipd.call("mqtt.status")
        assert st["counters"]["suback_fail"] == 1 and st["state"] == "connected" and st["pending"] == 0
        lwipd.call("mqtt.disconnect")
    finally:
        fake.close()
