"""Case 3: control replies over 1 MiB, to a client that reads them.

1,500 `status` requests pipelined in one write (about 2 MiB of replies),
and a `tcp.list` of 2,500 open connections (over 1 MiB in one reply): the
client gets every reply, ids in order, and nothing is lost
(docs/control-protocol.md, "Limits": flow control, not disconnection).
When `tcp.list` takes `offset`/`limit` the paged form must list the same
connections."""
import json
import socket
import time

from stress_util import DISCARD, HOST_IP, SLOW, close_all, open_many, wait_back

N_STATUS = 1500
N_CONN = 2500


class _Reader:
    """A control client that reads whole lines with a deadline."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(5 * SLOW)
        self.s.connect(path)
        self.buf = b""
        self.bytes = 0

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise ConnectionError(f"control socket closed after {self.bytes} bytes")
            self.bytes += len(chunk)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, cmd, rid, **args):
        self.s.sendall((json.dumps({"id": rid, "cmd": cmd, "args": args}) + "\n").encode())
        r = self.line()
        assert r.get("id") == rid, r
        assert r.get("ok"), r
        return r["result"]


def _pipelined_status(path):
    c = _Reader(path)
    req = b"".join(b'{"id": %d, "cmd": "status"}\n' % i for i in range(N_STATUS))
    t0 = time.monotonic()
    c.s.sendall(req)
    ids, bad = [], []
    end = t0 + 30 * SLOW
    try:
        while len(ids) < N_STATUS and time.monotonic() < end:
            r = c.line()
            ids.append(r.get("id"))
            if not r.get("ok"):
                bad.append(r)
    except (ConnectionError, socket.timeout) as e:
        bad.append(str(e))
    finally:
        c.s.close()
    return ids, bad, c.bytes, time.monotonic() - t0


def test_replies_over_1mib(env):
    d = env.d
    ids, bad, nbytes, secs = _pipelined_status(d.ctl_path)
    status_ok = ids == list(range(N_STATUS)) and not bad
    print(f"[stress] {N_STATUS} pipelined status: {len(ids)} replies, {nbytes / 1048576:.2f} MiB in {secs:.2f} s")

    socks, failures = open_many(N_CONN, DISCARD, batch=200, deadline_s=40 * SLOW)
    paged = None
    try:
        assert not failures, f"{len(failures)} connects failed: {failures[:3]}"
        c = _Reader(d.ctl_path)
        t0 = time.monotonic()
        full = c.call("tcp.list", 1)
        list_s = time.monotonic() - t0
        list_bytes = c.bytes
        ours = {(x["remote_port"]) for x in full["connections"]
                if x["local_port"] == DISCARD and x["remote"] == HOST_IP and x["state"] == "ESTABLISHED"}
        # The paged form, where lwipd has it: a limit smaller than the
        # count must be honoured, and the pages together list them all.
        probe = c.call("tcp.list", 2, offset=0, limit=10)
        if len(probe["connections"]) <= 10:
            paged = set()
            off, rid = 0, 3
            while off < len(full["connections"]) + 10 and rid < 1000:
                page = c.call("tcp.list", rid, offset=off, limit=500)
                rid += 1
                if not page["connections"]:
                    break
                paged |= {x["remote_port"] for x in page["connections"]
                          if x["local_port"] == DISCARD and x["state"] == "ESTABLISHED"}
                off += len(page["connections"])
        c.s.close()
    finally:
        close_all(socks, rst=True, d=d)
    back, _, _ = wait_back(d, env.base, 10 * SLOW)
    outcome = (f"status x{N_STATUS}: {len(ids)} replies ({nbytes / 1048576:.1f} MiB) ids "
               f"{'in order' if ids == list(range(N_STATUS)) else 'WRONG'}{', errors' if bad else ''}; "
               f"tcp.list: {len(ours)} of {len(socks)} ({list_bytes / 1048576:.1f} MiB, {list_s:.2f} s); "
               f"paging: {'n/a (no offset/limit)' if paged is None else f'{len(paged)} listed'}")
    env.after_case("3 ctl replies > 1 MiB", f"{N_STATUS} pipelined status; {len(socks)} TCP conns", outcome)
    assert status_ok, f"{len(ids)} of {N_STATUS} replies, errors {bad[:3]}"
    assert len(ours) >= N_CONN, f"tcp.list shows {len(ours)} of {N_CONN} connections"
    if paged is not None:
        assert paged == ours
