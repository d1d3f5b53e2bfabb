"""The README's examples run as written.

The lwipctl example block under "Running lwipd" is read from README.md
itself, so editing the README re-tests it.  Only what differs between the
reader's machine and this test is substituted: the namespace name (NS),
lwipd's address (10.0.0.2 there) and the control socket lwipctl talks to.
Each line runs under /bin/sh, which on Debian is dash, as a reader's
shell snippet would: the tcp-discard line must not rely on bash's
/dev/tcp outside its explicit `bash -c`.
"""
import os
import re
import subprocess
import time

from lwipd_harness import LWIPD_IP

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def _example_block(marker):
    """The first ```sh block after the line containing marker."""
    text = open(README).read()
    start = text.index(marker)
    m = re.compile(r"```sh\n(.*?)```", re.S).search(text, start)
    assert m, f"no sh block after {marker!r}"
    return [line for line in m.group(1).splitlines() if line.strip()]


def _strip_comment(line):
    # README comments are separated from the command by whitespace.
    return re.sub(r"\s+#\s.*$", "", line)


def _adapt(line, lwipd):
    lwipctl = f"{os.environ['LWIPCTL']} --ctl {lwipd.ctl_path}"
    line = re.sub(r"(^|;\s*)lwipctl\b", lambda m: m.group(1) + lwipctl, line)
    line = re.sub(r"\bNS\b", lwipd.ns, line)
    return line.replace("10.0.0.2", LWIPD_IP)


def _discard_app(lwipd):
    apps = [a for a in lwipd.call("app.list")["apps"] if a["name"] == "tcp-discard"]
    assert len(apps) == 1, apps
    return apps[0]


def test_tcp_discard_example(lwipd):
    lines = _example_block("For example, with lwipd at")
    assert len(lines) == 3, lines
    for line in lines:
        cmd = _adapt(_strip_comment(line), lwipd)
        r = subprocess.run(["/bin/sh", "-c", cmd], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"{line}\n-> {cmd}\n{r.stdout}\n{r.stderr}"
    # head -c 100M sent 100 MiB; the discard server may still be reading
    # the tail when bash's redirection closes.
    want = 100 << 20
    deadline = time.monotonic() + 20
    while _discard_app(lwipd)["rx_bytes"] < want and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _discard_app(lwipd)["rx_bytes"] == want
    lwipd.call("app.stop", id=_discard_app(lwipd)["id"])
