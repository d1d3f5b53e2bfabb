"""The TFTP server (core/apps/tftp_server.c, tftp.* commands) against
tftp-hpa's client and a small client written here for what tftp-hpa does
not send (options, a foreign TID, malformed packets).

lwipd serves a directory of this module's own; every file is compared by
SHA-256 after the transfer.  tftp-hpa 5.2's client (Debian package
tftp-hpa) sends RRQ/WRQ without options (512-byte blocks): `-m binary`
selects octet mode, `-v` prints the transfer summary, `-c get|put` runs one
command.  The 10 MB file goes once clean and once with lwipd's own
impairment losing 5% of the frames in each direction (impair.set
both:loss=5%); the server's adaptive retransmission timeout is floored at
2 ms for that (tftp.start min_rto_ms) so the module stays short.
"""
import hashlib
import os
import random
import shutil
import socket
import struct
import subprocess
import time

import pytest

from lwipd_harness import LWIPD_IP

BIG = 10 * 1024 * 1024


def _need_tftp():
    if shutil.which("tftp") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tftp (tftp-hpa) is missing under CI (tools/install-deps installs it)")
        pytest.skip("tftp (tftp-hpa) is not installed (tools/install-deps installs it)")


def _sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


@pytest.fixture(scope="module")
def root(lwipd):
    d = os.path.join(lwipd.dir, "tftproot")
    os.makedirs(os.path.join(d, "sub"))
    rnd = random.Random(19)
    _write(os.path.join(d, "small.bin"), rnd.randbytes(1000))
    _write(os.path.join(d, "exact.bin"), rnd.randbytes(1024))
    _write(os.path.join(d, "empty.bin"), b"")
    _write(os.path.join(d, "mid.bin"), rnd.randbytes(300 * 1024))
    _write(os.path.join(d, "sub", "inner.bin"), rnd.randbytes(5000))
    _write(os.path.join(d, "big.bin"), rnd.randbytes(BIG))
    os.symlink("/etc/passwd", os.path.join(d, "escape"))
    os.symlink("/etc", os.path.join(d, "etcdir"))
    os.makedirs(os.path.join(lwipd.dir, "out"))
    return d


@pytest.fixture(scope="module")
def server(lwipd, root):
    _need_tftp()
    st = lwipd.call("tftp.start", root=root, writable=True, min_rto_ms=2, timeout_ms=500)
    assert st["running"] and st["port"] == 69 and st["writable"]
    yield st
    if lwipd.call("tftp.status")["running"]:
        lwipd.call("tftp.stop")


def tftp(lwipd, command, mode="binary", timeout=60):
    """Run tftp-hpa: one command against lwipd, verbose.  Returns
    (returncode, output)."""
    r = subprocess.run(["tftp", "-v", "-m", mode, LWIPD_IP, "-c"] + command.split(), capture_output=True,
                       text=True, timeout=timeout, cwd=os.path.join(lwipd.dir, "out"))
    return r.returncode, r.stdout + r.stderr


def get_ok(lwipd, root, name, timeout=60):
    local = os.path.join(lwipd.dir, "out", os.path.basename(name))
    if os.path.exists(local):
        os.unlink(local)
    rc, out = tftp(lwipd, f"get {name} {local}", timeout=timeout)
    assert rc == 0 and ("Received" in out or os.path.getsize(local) == 0), out
    assert _sha(local) == _sha(os.path.join(root, name)), out
    return out


def _err(reply):
    assert not reply["ok"], reply
    return reply["error"]["code"]


# ---- a small client for options and hostile packets ----

def rrq(name, mode="octet", **opts):
    b = struct.pack("!H", 1) + name.encode() + b"\0" + mode.encode() + b"\0"
    for k, v in opts.items():
        b += k.encode() + b"\0" + str(v).encode() + b"\0"
    return b


def parse_oack(pkt):
    assert struct.unpack("!H", pkt[:2])[0] == 6, pkt
    parts = pkt[2:].split(b"\0")[:-1]
    return {parts[i].decode(): int(parts[i + 1]) for i in range(0, len(parts), 2)}


def udp_sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.bind(("", 0))
    return s


def fetch(s, blksize, expect=1):
    """Read DATA blocks from block @expect on (ACKing each) until the short
    one.  Returns the bytes and the server's TID."""
    data = b""
    tid = None
    while True:
        pkt, addr = s.recvfrom(70000)
        tid = tid or addr
        assert addr == tid
        op, block = struct.unpack("!HH", pkt[:4])
        assert op == 3, pkt[:40]
        s.sendto(struct.pack("!HH", 4, block), tid)
        if block == expect:
            data += pkt[4:]
            expect = (expect + 1) & 0xffff
            if len(pkt) - 4 < blksize:
                return data, tid


# ---------------------------------------------------------------------------


def test_bad_args(lwipd, root):
    c = lwipd.client()
    try:
        st = c.call("tftp.status")
        assert st["running"] is False and st["transfers"] == []
        assert _err(c.request("tftp.stop")) == "not_found"
        assert _err(c.request("tftp.start")) == "bad_args"
        assert _err(c.request("tftp.start", root=os.path.join(root, "nothere"))) == "not_found"
        assert _err(c.request("tftp.start", root=os.path.join(root, "small.bin"))) == "bad_args"
        assert _err(c.request("tftp.start", root=root, port=0)) == "bad_args"
        assert _err(c.request("tftp.start", root=root, max_transfers=9)) == "bad_args"
        assert _err(c.request("tftp.start", root=root, max_blksize=7)) == "bad_args"
        assert _err(c.request("tftp.start", root=root, writable="yes")) == "bad_args"
        assert c.call("tftp.status")["running"] is False
    finally:
        c.close()


def test_get(lwipd, root, server):
    for name in ("small.bin", "exact.bin", "empty.bin", "mid.bin", "sub/inner.bin"):
        get_ok(lwipd, root, name)
    st = lwipd.call("tftp.status")
    assert st["totals"]["completed"] >= 5 and st["totals"]["failed"] == 0, st
    assert st["totals"]["bytes_sent"] >= 1000 + 1024 + 300 * 1024 + 5000
    assert st["transfers"] == []
    stats = lwipd.call("stats")["protocols"]["tftp"]
    assert stats["recv"] > 600 and stats["xmit"] > 600


def test_put(lwipd, root, server):
    src = os.path.join(lwipd.dir, "upload.bin")
    _write(src, random.Random(5).randbytes(70001))
    rc, out = tftp(lwipd, f"put {src} uploaded.bin")
    assert rc == 0 and "Sent" in out, out
    dst = os.path.join(root, "uploaded.bin")
    deadline = time.time() + 5
    while lwipd.call("tftp.status")["transfers"]:  # dallying after the last ACK
        assert time.time() < deadline
        time.sleep(0.05)
    assert _sha(dst) == _sha(src)
    # An existing file is never overwritten.
    rc, out = tftp(lwipd, f"put {src} small.bin")
    assert "File already exists" in out, out
    # Nor can a write leave the directory.
    rc, out = tftp(lwipd, f"put {src} ../outside.bin")
    assert "Error code 2" in out, out
    assert not os.path.exists(os.path.join(lwipd.dir, "outside.bin"))


def test_errors(lwipd, root, server):
    rc, out = tftp(lwipd, "get nothere.bin")
    assert "Error code 1: File not found" in out, out
    for bad in ("../lwipd.log", "/etc/passwd", "sub/../small.bin", "escape", "etcdir/passwd", "sub"):
        rc, out = tftp(lwipd, f"get {bad} x.bin")
        assert "Error code 2" in out, (bad, out)
    # netascii is refused with a clear message.
    rc, out = tftp(lwipd, "get small.bin", mode="ascii")
    assert "netascii mode not supported" in out, out
    assert lwipd.call("tftp.status")["totals"]["refused"] >= 8


def test_read_only(lwipd, root, server):
    lwipd.call("tftp.stop")
    try:
        st = lwipd.call("tftp.start", root=root, port=6969)
        assert not st["writable"] and st["port"] == 6969
        src = os.path.join(root, "small.bin")
        r = subprocess.run(["tftp", "-v", "-m", "binary", LWIPD_IP, "6969", "-c", "put", src, "new.bin"],
                           capture_output=True, text=True, timeout=30)
        assert "Error code 2" in r.stdout + r.stderr, r
        assert not os.path.exists(os.path.join(root, "new.bin"))
    finally:
        lwipd.call("tftp.stop")
        lwipd.call("tftp.start", root=root, writable=True, min_rto_ms=2, timeout_ms=500)


def test_options_and_tids(lwipd, root, server):
    """blksize, tsize and timeout (RFC 2347-2349) from our own client; a
    packet from another TID gets ERROR 5 and the transfer goes on."""
    s = udp_sock()
    other = udp_sock()
    try:
        s.sendto(rrq("mid.bin", blksize=1400, tsize=0, timeout=2), (LWIPD_IP, 69))
        pkt, tid = s.recvfrom(2000)
        assert parse_oack(pkt) == {"blksize": 1400, "tsize": 300 * 1024, "timeout": 2}
        s.sendto(struct.pack("!HH", 4, 0), tid)
        pkt, _ = s.recvfrom(2000)
        assert struct.unpack("!HH", pkt[:4]) == (3, 1) and len(pkt) == 4 + 1400
        # A stranger's ACK to the transfer's port: ERROR 5 to the stranger.
        other.sendto(struct.pack("!HH", 4, 1), tid)
        epkt, _ = other.recvfrom(2000)
        assert struct.unpack("!HH", epkt[:4]) == (5, 5), epkt
        s.sendto(struct.pack("!HH", 4, 1), tid)
        rest, tid2 = fetch(s, 1400, expect=2)
        assert tid2 == tid
        with open(os.path.join(root, "mid.bin"), "rb") as f:
            assert pkt[4:] + rest == f.read()
        # A block size beyond the TAP's MTU is clamped (1500 - 20 - 8 - 4).
        s.sendto(rrq("small.bin", blksize=65464), (LWIPD_IP, 69))
        pkt, tid = s.recvfrom(2000)
        assert parse_oack(pkt) == {"blksize": 1468}
        s.sendto(struct.pack("!HH", 5, 8) + b"no thanks\0", tid)  # the client refuses the OACK
        # A bad option value is refused with ERROR 8.
        s.sendto(rrq("small.bin", blksize=4), (LWIPD_IP, 69))
        pkt, _ = s.recvfrom(2000)
        assert struct.unpack("!HH", pkt[:4]) == (5, 8), pkt
    finally:
        s.close()
        other.close()
    drops = lwipd.drops()
    assert drops["TFTP_UNKNOWN_TID"] >= 1
    st = lwipd.call("tftp.status")
    assert st["totals"]["unknown_tid"] >= 1 and st["totals"]["peer_errors"] >= 1


def test_malformed(lwipd, server):
    """Hostile packets to the request port: each dropped under its reason."""
    before = lwipd.drops()
    s = udp_sock()
    try:
        s.sendto(b"\x00", (LWIPD_IP, 69))                      # TFTP_SHORT
        s.sendto(struct.pack("!HH", 4, 1), (LWIPD_IP, 69))      # TFTP_BAD_OPCODE (ACK to port 69)
        s.sendto(struct.pack("!H", 9) + b"x\0", (LWIPD_IP, 69))  # TFTP_BAD_OPCODE
        s.sendto(struct.pack("!H", 1) + b"x\0octet", (LWIPD_IP, 69))  # TFTP_BAD_REQUEST, ERROR 4
        pkt, _ = s.recvfrom(2000)
        assert struct.unpack("!HH", pkt[:4]) == (5, 4)
        s.sendto(struct.pack("!H", 1) + b"a" * 600 + b"\0octet\0", (LWIPD_IP, 69))  # over 512: BAD_REQUEST
        time.sleep(0.2)
    finally:
        s.close()
    after = lwipd.drops()
    assert after["TFTP_SHORT"] - before["TFTP_SHORT"] == 1
    assert after["TFTP_BAD_OPCODE"] - before["TFTP_BAD_OPCODE"] == 2
    assert after["TFTP_BAD_REQUEST"] - before["TFTP_BAD_REQUEST"] == 2


def test_concurrent(lwipd, root, server):
    outs = []
    procs = []
    for i, name in enumerate(("mid.bin", "sub/inner.bin", "small.bin")):
        local = os.path.join(lwipd.dir, "out", f"c{i}.bin")
        outs.append((local, name))
        procs.append(subprocess.Popen(["tftp", "-m", "binary", LWIPD_IP, "-c", "get", name, local],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    for p in procs:
        p.wait(timeout=60)
    for local, name in outs:
        assert _sha(local) == _sha(os.path.join(root, name))


def test_10mb(lwipd, root, server):
    t0 = time.monotonic()
    get_ok(lwipd, root, "big.bin", timeout=60)
    print(f"10 MB clean: {time.monotonic() - t0:.2f} s")


def test_10mb_under_5_percent_loss(lwipd, root, server):
    before = lwipd.call("tftp.status")["totals"]
    lwipd.call("impair.set", spec="both:loss=5%", seed=19)
    try:
        t0 = time.monotonic()
        get_ok(lwipd, root, "big.bin", timeout=80)
        took = time.monotonic() - t0
        lost = lwipd.call("impair.get")["counters"]
    finally:
        lwipd.call("impair.clear")
    after = lwipd.call("tftp.status")["totals"]
    retx = after["retransmits"] - before["retransmits"]
    print(f"10 MB under 5% loss: {took:.2f} s, {retx} retransmits")
    assert lost["rx"]["dropped"] > 0 and lost["tx"]["dropped"] > 0
    assert retx > 0 and after["failed"] == before["failed"]


def test_lwipctl_and_stop(lwipd, root, server):
    out = lwipd.lwipctl("tftp", "status").stdout
    assert root in out and "completed" in out, out
    r = lwipd.lwipctl("tftp", "stop")
    assert "stopped" in r.stdout, r.stdout
    assert lwipd.call("tftp.status")["running"] is False
    r = lwipd.lwipctl("tftp", "start", root, "-w", "-p", "6970", "-W", "400")
    assert "port 6970" in r.stdout and "writable" in r.stdout, r.stdout
    r = lwipd.lwipctl("tftp", "start", "/x", "-z", check=False)
    assert r.returncode == 2
    lwipd.call("tftp.stop")
