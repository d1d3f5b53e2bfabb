"""Case 9: control-socket abuse, while a monitor client keeps asking
`status` every 50 ms and must always be answered promptly.

One after another: 40 clients at once (the limit is 32: the extra ones get
one `busy` error line and are closed), endless pipelining from a client
that reads slowly (it still gets every reply, in order), subscribers that
never read (cut off), lines over 64 KiB (`too_long`, then closed), invalid
UTF-8 and deeply nested JSON (`parse_error`, the connection goes on, or
`too_long` past 64 KiB), binary garbage, half-open and idle clients
(docs/control-protocol.md, "Limits" and "Error codes")."""
import json
import random
import selectors
import socket
import threading
import time

from stress_util import LWIPD_IP, MB, SLOW, L2, arp_frame, random_mac

MAX_CLIENTS = 32
PROMPT_S = 1.0 * SLOW  # the monitor's worst acceptable status round trip


class Monitor(threading.Thread):
    def __init__(self, d):
        super().__init__(daemon=True)
        self.c = d.client()
        self.stop = threading.Event()
        self.calls, self.worst, self.errors = 0, 0.0, []

    def run(self):
        while not self.stop.is_set():
            t = time.monotonic()
            try:
                self.c.call("status")
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.errors.append(f"{type(e).__name__}: {e}")
                return
            self.worst = max(self.worst, time.monotonic() - t)
            self.calls += 1
            time.sleep(0.05)
        self.c.close()


def _raw(d, rcvbuf=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5 * SLOW)
    s.connect(d.ctl_path)
    return s


def _lines_until(s, pred, limit_bytes=64 * MB):
    """Read lines until @p pred(obj) or EOF.  @return (matching object or
    None, objects read before it, eof)."""
    buf, seen, total = b"", [], 0
    while total < limit_bytes:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            obj = json.loads(line)
            if pred(obj):
                return obj, seen, False
            seen.append(obj)
        chunk = s.recv(1 << 20)
        if not chunk:
            return None, seen, True
        total += len(chunk)
        buf += chunk
    return None, seen, False


def _eof(s):
    """Read to EOF (True) or timeout/limit (False)."""
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def _status_ok(s, rid):
    s.sendall(b'{"id": %d, "cmd": "status"}\n' % rid)
    r, _, _ = _lines_until(s, lambda o: o.get("id") == rid)
    return r is not None and r.get("ok") is True


def _too_many_clients(d, res):
    existing = d.call("status").get("control", {}).get("clients")
    socks = [_raw(d) for _ in range(40)]
    time.sleep(0.3)
    # Who was refused: a busy line and EOF.  The rest are served.
    busy, served = 0, 0
    for i, s in enumerate(socks):
        s.settimeout(0.5 * SLOW)
        try:
            s.setblocking(False)
            head = s.recv(4096)
        except BlockingIOError:
            head = None
        except ConnectionResetError:
            head = b""
        s.settimeout(5 * SLOW)
        if head:
            obj = json.loads(head.split(b"\n", 1)[0])
            if obj.get("error", {}).get("code") == "busy" and _eof(s):
                busy += 1
        elif head is None and _status_ok(s, 1000 + i):
            served += 1
    for s in socks:
        s.close()
    # The client limit counts the monitor (and anyone else connected; the
    # count came from a connection of its own, gone now).
    others = existing - 1 if existing is not None else 1
    res["40 clients"] = f"{served} served, {busy} busy (others connected: {others})"
    return served == MAX_CLIENTS - others and busy == 40 - served


def _slow_reader_pipelining(d, res):
    """Requests written non-stop for 3 s by a client reading 4 KiB every
    20 ms; then it reads the rest: every reply, in order."""
    s = _raw(d)
    s.setblocking(False)
    sent_lines, pending = 0, b""
    got, buf = [], b""
    t_end = time.monotonic() + 3
    while time.monotonic() < t_end:
        if not pending:  # 50 requests a write
            pending = b"".join(b'{"id": %d, "cmd": "status"}\n' % (sent_lines + i) for i in range(50))
            sent_lines += 50
        try:
            n = s.send(pending)
            pending = pending[n:]
            continue
        except BlockingIOError:
            pass
        try:
            buf += s.recv(4096)
        except BlockingIOError:
            pass
        time.sleep(0.02)
    # Finish the last line (reading meanwhile: lwipd reads requests only
    # while our replies drain), then read everything.
    end = time.monotonic() + 30 * SLOW
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    try:
        while len(got) < sent_lines and time.monotonic() < end:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                got.append(json.loads(line).get("id"))
            if not pending:
                sel.modify(s, selectors.EVENT_READ)
            for _key, mask in sel.select(1.0):
                if mask & selectors.EVENT_WRITE and pending:
                    try:
                        pending = pending[s.send(pending):]
                    except BlockingIOError:
                        pass
                if mask & selectors.EVENT_READ:
                    try:
                        chunk = s.recv(1 << 20)
                    except BlockingIOError:
                        continue
                    except ConnectionResetError:
                        chunk = b""
                    if not chunk:
                        end = 0  # EOF: lwipd hung up on a client that reads
                        break
                    buf += chunk
    finally:
        sel.close()
    s.close()
    res["slow reader"] = f"{sent_lines} pipelined, {len(got)} replies" + \
        ("" if got == list(range(sent_lines)) else " (ids NOT in order / missing)")
    return got == list(range(sent_lines))


def _never_reading_subscribers(d, res):
    subs = []
    for _ in range(5):
        s = _raw(d, rcvbuf=4096)
        s.sendall(b'{"id": 1, "cmd": "subscribe", "args": {"events": ["all"]}}\n')
        subs.append(s)
    before = d.call("status").get("control", {}).get("not_reading")
    rng = random.Random(9)
    frames = [arp_frame(random_mac(rng), 1, f"10.77.0.{rng.randrange(3, 255)}", LWIPD_IP) for _ in range(3000)]
    d.call("log.set", module="all", level="debug")
    l2 = L2()
    try:
        l2.flood(frames, 150_000, 2.0 * SLOW, rate=75_000)
    finally:
        l2.close()
        d.call("log.set", module="all", level="warn")
    cut = sum(_eof(s) for s in subs)
    for s in subs:
        s.close()
    after = d.call("status").get("control", {}).get("not_reading")
    res["never-reading subscribers"] = f"{cut}/5 cut off (not_reading {before} -> {after})"
    return cut == 5


def _too_long(d, res):
    out = []
    for name, data in (("70 KiB line", b'{"id": 1, "cmd": "' + b"a" * (70 * 1024) + b'"}\n'),
                       ("200 KiB, no newline", b"a" * (200 * 1024)),
                       ("100,000 [", b"[" * 100_000 + b"\n")):
        s = _raw(d)
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            r, _, _ = _lines_until(s, lambda o: True)
        except (ConnectionResetError, socket.timeout):
            r = None
        eof = _eof(s)
        s.close()
        out.append((name, (r or {}).get("error", {}).get("code"), eof))
    res["too long"] = ", ".join(f"{n}: {c}{' + EOF' if e else ' (no EOF)'}" for n, c, e in out)
    return all(c == "too_long" and e for _, c, e in out)


def _bad_json(d, res):
    """Each bad line gets parse_error and the connection goes on."""
    cases = [("invalid UTF-8", b'{"id": 5, "cmd": "status", "x": "\xff\xfe\xc0\xaf"}\n'),
             ("NUL inside", b'{"id": 6, "cmd": "sta\x00tus"}\n'),
             ("60,000 [", b"[" * 60_000 + b"\n"),
             ("nested objects", b'{"a":' * 10_000 + b"1" + b"}" * 10_000 + b"\n")]
    out, ok = [], True
    s = _raw(d)
    for i, (name, data) in enumerate(cases):
        s.sendall(data)
        r, _, eof = _lines_until(s, lambda o: True)
        code = (r or {}).get("error", {}).get("code")
        alive = not eof and _status_ok(s, 100 + i)
        out.append(f"{name}: {code}{'' if alive else ' (connection lost)'}")
        ok = ok and code == "parse_error" and alive
    s.close()
    res["bad JSON"] = ", ".join(out)
    return ok


def _garbage(d, res):
    """256 KiB of random bytes (newlines, NULs, anything): every line gets
    an error reply, or the connection is closed for a line over 64 KiB;
    never a crash.  A following status on a new connection is answered."""
    rng = random.Random(99)
    blob = rng.randbytes(256 * 1024)
    s = _raw(d)
    errors, eof = 0, False
    try:
        s.sendall(blob + b'\n{"id": "after", "cmd": "status"}\n')
        r, seen, eof = _lines_until(s, lambda o: o.get("id") == "after")
        errors = sum(1 for o in seen if o.get("ok") is False)
        after = r is not None and r.get("ok")
    except (BrokenPipeError, ConnectionResetError, socket.timeout, ValueError) as e:
        after = False
        res["garbage error"] = repr(e)
    s.close()
    newline_count = blob.count(b"\n")
    res["binary garbage"] = f"{newline_count + 1} lines, {errors} error replies, status after: {after}"
    return after and errors >= 1


def _half_open(d, res):
    out = []
    # A request, then our write side shut: the reply still comes.
    s = _raw(d)
    s.sendall(b'{"id": 77, "cmd": "status"}\n')
    s.shutdown(socket.SHUT_WR)
    r, _, _ = _lines_until(s, lambda o: o.get("id") == 77)
    out.append(r is not None and r.get("ok"))
    s.close()
    # Half a request, then shut: closed without a reply, or a parse error.
    s = _raw(d)
    s.sendall(b'{"id": 78, "cmd": "sta')
    s.shutdown(socket.SHUT_WR)
    out.append(_eof(s))
    s.close()
    res["half-open"] = f"reply after SHUT_WR: {out[0]}, partial line then SHUT_WR closed: {out[1]}"
    return all(out)


def test_control_socket_abuse(env):
    d = env.d
    mon = Monitor(d)
    mon.start()
    # Idle clients that never send anything stay connected throughout.
    idle = [_raw(d) for _ in range(4)]
    res, ok = {}, {}
    try:
        for step in (_slow_reader_pipelining, _never_reading_subscribers, _too_long, _bad_json, _garbage,
                     _half_open):
            ok[step.__name__] = step(d, res)
            assert d.alive(), f"lwipd died in {step.__name__}:\n{d.read_log()}"
        for s in idle:
            s.close()
        idle = []
        time.sleep(0.2)
        ok["_too_many_clients"] = _too_many_clients(d, res)
    finally:
        for s in idle:
            s.close()
        mon.stop.set()
        mon.join(10)
    ctl = d.call("status").get("control", {})
    counters = {k: ctl.get(k) for k in ("accepted", "refused_busy", "too_long", "not_reading")}
    failed = [k.lstrip("_") for k, v in ok.items() if not v]
    outcome = (f"monitor: {mon.calls} status, worst {mon.worst * 1000:.0f} ms, {len(mon.errors)} errors; "
               f"counters {counters}; " + "; ".join(f"{k}: {v}" for k, v in res.items()))
    env.after_case("9 ctl abuse", "40 clients, slow pipeliner, stuck subscribers, bad lines", outcome)
    assert not mon.errors, mon.errors
    assert mon.worst <= PROMPT_S, f"status took {mon.worst:.2f} s"
    assert not failed, f"failed steps: {failed}: {res}"
