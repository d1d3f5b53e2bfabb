"""The HTTP server (core/apps/httpd.c, http.* commands) against curl, ab
and raw sockets from the TAP's Linux side.

lwipd serves a directory made here (http.start root=...): small pages, a
5 MB random file and a subdirectory.  curl checks GET, HEAD, Content-Type,
one connection reused for several URLs, byte ranges, 404 and 405; a raw
socket sends pipelined requests in one write and hostile request heads,
each counted under its drop reason; ab runs 100 concurrent keep-alive
connections and must see no failed request.  A last test restarts the
server with a connection limit of 2 and a 1 s idle timeout.
"""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import time

import pytest

from lwipd_harness import LWIPD_IP

BASE = f"http://{LWIPD_IP}"
BIG = 5 * 1024 * 1024


def _need(prog):
    if shutil.which(prog) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{prog} is missing under CI (tools/install-deps installs it)")
        pytest.skip(f"{prog} is not installed (tools/install-deps installs it)")


@pytest.fixture(scope="module")
def site(lwipd):
    root = os.path.join(lwipd.dir, "www")
    os.makedirs(os.path.join(root, "sub"))
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write("<!DOCTYPE html><title>t</title><p>lwipd interop</p>\n")
    with open(os.path.join(root, "a.txt"), "w") as f:
        f.write("hello world\n")
    with open(os.path.join(root, "sub", "index.html"), "w") as f:
        f.write("<p>sub</p>\n")
    with open(os.path.join(root, "style.css"), "w") as f:
        f.write("p{}\n")
    data = os.urandom(BIG)
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(data)
    # A link out of the root is never followed.
    os.symlink("/etc/passwd", os.path.join(root, "passwd"))
    return {"root": root, "big_sha": hashlib.sha256(data).hexdigest()}


@pytest.fixture(scope="module")
def http(lwipd, site):
    _need("curl")
    st = lwipd.call("http.start", port=80, root=site["root"], max_conns=256)
    assert st["running"] and st["root"] == site["root"]
    yield lwipd
    if lwipd.call("http.status")["running"]:
        lwipd.call("http.stop")


def curl(*args, check=True):
    r = subprocess.run(["curl", "-sS", "--max-time", "20", *args], capture_output=True, timeout=30)
    if check:
        assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r


def head_fields(text):
    """The last response head in curl -D output: (status, {field: value})."""
    blocks = [b for b in text.split("\r\n\r\n") if b.startswith("HTTP/")]
    lines = blocks[-1].split("\r\n")
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        fields[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), fields


def fetch(url, *args):
    r = curl("-D", "-", "-o", "/dev/null", *args, url)
    return head_fields(r.stdout.decode())


def test_get_and_head(http):
    r = curl(f"{BASE}/a.txt")
    assert r.stdout == b"hello world\n"
    status, f = fetch(f"{BASE}/")
    assert status == 200 and f["content-type"] == "text/html; charset=utf-8"
    status, f = fetch(f"{BASE}/style.css")
    assert f["content-type"] == "text/css"
    status, f = fetch(f"{BASE}/sub/")
    assert status == 200 and f["content-length"] == "11"
    r = curl("-I", f"{BASE}/big.bin")
    status, f = head_fields(r.stdout.decode())
    assert status == 200 and int(f["content-length"]) == BIG and f["accept-ranges"] == "bytes"


def test_keep_alive_reuses_one_connection(http):
    before = http.call("http.status")["counters"]
    urls = [f"{BASE}/a.txt", f"{BASE}/", f"{BASE}/style.css", f"{BASE}/sub/", f"{BASE}/nope"]
    args = ["-w", "%{http_code} %{num_connects}\n"]
    for u in urls:
        args += [u, "-o", "/dev/null"]
    r = curl(*args)
    lines = r.stdout.decode().split()
    codes, connects = lines[0::2], [int(x) for x in lines[1::2]]
    assert codes == ["200", "200", "200", "200", "404"]
    assert connects == [1, 0, 0, 0, 0], "curl opened more than one connection"
    after = http.call("http.status")["counters"]
    assert after["connections"] - before["connections"] == 1
    assert after["requests"] - before["requests"] == 5


def test_ranges(http):
    r = curl("-r", "0-4", "-D", "-", f"{BASE}/a.txt")
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    status, f = head_fields(head.decode() + "\r\n\r\n")
    assert status == 206 and f["content-range"] == "bytes 0-4/12" and body == b"hello"
    assert curl("-r", "6-", f"{BASE}/a.txt").stdout == b"world\n"
    assert curl("-r", "-3", f"{BASE}/a.txt").stdout == b"ld\n"
    r = curl("-r", "1000000-1999999", f"{BASE}/big.bin")
    with open(os.path.join(http.dir, "www", "big.bin"), "rb") as f:
        f.seek(1000000)
        assert r.stdout == f.read(1000000)
    status, f = fetch(f"{BASE}/a.txt", "-r", "100-200")
    assert status == 416 and f["content-range"] == "bytes */12"
    # Several ranges are not served as multipart: the whole file, 200.
    status, f = fetch(f"{BASE}/a.txt", "-r", "0-1,3-4")
    assert status == 200 and f["content-length"] == "12"


def test_not_found_and_method_not_allowed(http):
    status, _ = fetch(f"{BASE}/missing.html")
    assert status == 404
    status, _ = fetch(f"{BASE}/passwd")  # a symlink out of the root
    assert status == 404
    status, f = fetch(f"{BASE}/a.txt", "-X", "POST")
    assert status == 405 and f["allow"] == "GET, HEAD"
    status, f = fetch(f"{BASE}/a.txt", "-X", "DELETE")
    assert status == 405


def _recv_responses(s, n, head_only=()):
    """Read n responses from socket s: [(status, fields, body)]."""
    buf = b""
    out = []
    deadline = time.time() + 10
    while len(out) < n and time.time() < deadline:
        while b"\r\n\r\n" in buf and len(out) < n:
            head, _, rest = buf.partition(b"\r\n\r\n")
            status, f = head_fields(head.decode() + "\r\n\r\n")
            blen = 0 if len(out) in head_only else int(f.get("content-length", "0"))
            if len(rest) < blen:
                break
            out.append((status, f, rest[:blen]))
            buf = rest[blen:]
        if len(out) < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    return out, buf


def test_pipelined_requests(http):
    before = http.call("http.status")["counters"]["pipelined"]
    s = socket.create_connection((LWIPD_IP, 80), timeout=10)
    try:
        s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n"
                  b"GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out, rest = _recv_responses(s, 5, head_only=(1,))
        assert [o[0] for o in out] == [200, 200, 404, 206, 200]
        assert out[0][2] == b"hello world\n"
        assert int(out[1][1]["content-length"]) == BIG
        assert out[3][2] == b"hello"
        assert out[4][1]["connection"] == "close"
        assert rest == b"" and s.recv(100) == b""  # then the server's FIN
    finally:
        s.close()
    assert http.call("http.status")["counters"]["pipelined"] - before >= 4


HOSTILE = [
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP_BAD_VERSION"),
    (b"GET / HTTP/1.1\r\n\r\n", 400, "HTTP_BAD_REQUEST"),
    (b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400, "HTTP_BAD_REQUEST"),
    (b"GET /%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400, "HTTP_BAD_REQUEST"),
    (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "HTTP_BAD_REQUEST"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, "HTTP_BAD_REQUEST"),
    (b"GET / HTTP/1.1\x00\r\nHost: x\r\n\r\n", 400, "HTTP_BAD_REQUEST"),
    (b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 501, "HTTP_NOT_IMPLEMENTED"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, "HTTP_NOT_IMPLEMENTED"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody", 413, "HTTP_TOO_LARGE"),
    (b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "HTTP_TOO_LARGE"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"p" * 200 + b"\r\n" * 1 + (b"X-Pad: " + b"p" * 200 + b"\r\n") * 30
     + b"\r\n", 431, "HTTP_TOO_LARGE"),
]


@pytest.mark.parametrize("req,status,reason", HOSTILE, ids=[f"{h[1]}-{i}" for i, h in enumerate(HOSTILE)])
def test_hostile_requests(http, req, status, reason):
    before = http.drops().get(reason, 0)
    s = socket.create_connection((LWIPD_IP, 80), timeout=10)
    try:
        s.sendall(req)
        out, _ = _recv_responses(s, 1)
        assert out and out[0][0] == status, out
        assert out[0][1]["connection"] == "close"
        # The server closes after such an answer (FIN, not RST).
        assert s.recv(100) == b""
    finally:
        s.close()
    assert http.drops()[reason] - before == 1
    assert http.call("http.status")["running"]


def test_large_file_sha256(http, site):
    out = os.path.join(http.dir, "big.out")
    curl("-o", out, f"{BASE}/big.bin")
    with open(out, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == site["big_sha"]
    os.unlink(out)


def test_ab_100_keepalive_connections(http):
    _need("ab")
    before = http.call("http.status")["counters"]
    r = subprocess.run(["ab", "-q", "-k", "-n", "5000", "-c", "100", "-s", "20", f"{BASE}/index.html"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^Complete requests:\s+5000$", r.stdout, re.M), r.stdout
    assert re.search(r"^Failed requests:\s+0$", r.stdout, re.M), r.stdout
    assert re.search(r"^Non-2xx responses", r.stdout, re.M) is None, r.stdout
    assert re.search(r"^Keep-Alive requests:\s+5000$", r.stdout, re.M), r.stdout
    after = http.call("http.status")["counters"]
    assert after["refused"] == before["refused"]
    assert after["requests"] - before["requests"] == 5000


def test_status_page_and_lwipctl(http):
    body = curl(f"{BASE}/status").stdout.decode()
    assert "http.requests " in body and "\ntcp recv " in body
    out = http.lwipctl("http", "status").stdout
    assert "running on port 80" in out and "www" in out
    st = http.lwipctl("http", "status", json_out=True).stdout
    assert '"counters"' in st
    assert http.call("http.status")["files_open"] == 0


def _request(lwipd, cmd, **args):
    c = lwipd.client()
    try:
        return c.request(cmd, **args)
    finally:
        c.close()


def test_limits_and_idle_timeout(http, site):
    err = _request(http, "http.start", port=8080)
    assert not err["ok"] and err["error"]["code"] == "busy"
    http.call("http.stop")
    err = _request(http, "http.start", port=80, root="/nonexistent-dir")
    assert not err["ok"] and err["error"]["code"] == "not_found"
    err = _request(http, "http.start", port=0)
    assert not err["ok"] and err["error"]["code"] == "bad_args"
    assert not http.call("http.status")["running"]
    http.call("http.start", port=80, root=site["root"], max_conns=2, idle_timeout_ms=1000)
    before = http.drops().get("HTTP_CONN_LIMIT", 0)
    held = [socket.create_connection((LWIPD_IP, 80), timeout=10) for _ in range(2)]
    try:
        time.sleep(0.2)
        s = socket.create_connection((LWIPD_IP, 80), timeout=10)
        s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        out, _ = _recv_responses(s, 1)
        assert out and out[0][0] == 503 and out[0][1]["retry-after"] == "1"
        s.close()
        assert http.drops()["HTTP_CONN_LIMIT"] - before == 1
        # The idle ones are closed by the server within about a second.
        t0 = time.time()
        for h in held:
            assert h.recv(100) == b""
        assert time.time() - t0 < 4
    finally:
        for h in held:
            h.close()
    st = http.call("http.status")
    assert st["counters"]["refused"] == 1 and st["counters"]["timeouts"] >= 2
    assert curl(f"{BASE}/a.txt").stdout == b"hello world\n"
    stopped = http.call("http.stop")
    assert stopped["running"] is False
