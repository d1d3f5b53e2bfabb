"""Test harness for lwipd interop tests.

Each test module gets a fresh network namespace with lwipd running in it on
a new TAP device whose Linux side is configured by --host-ip.  The pytest
process itself enters the namespace (setns) while the module runs, so Scapy,
sockets and subprocesses see only the test's own network.  Everything is torn
down (lwipd by PID, then the namespace) even when a test fails.
"""
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)

LWIPD_IP = "10.77.0.2"
HOST_IP = "10.77.0.1"
PREFIX = 24
TAP = "lwt0"


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: " + os.strerror(err))


def prerequisites():
    """Return None when interop tests can run here, else the reason."""
    if os.geteuid() != 0:
        return "needs root (network namespaces and TAP devices)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    if shutil.which("ip") is None:
        return "no 'ip' command (iproute2)"
    try:
        import scapy.all  # noqa: F401
    except ImportError:
        return "Scapy is not importable (run under /usr/bin/python3 with python3-scapy)"
    for var in ("LWIPD", "LWIPCTL"):
        path = os.environ.get(var)
        if not path or not os.access(path, os.X_OK):
            return f"${var} does not name the built binary (run through 'meson test --suite interop')"
    return None


def require_prerequisites(items, suite):
    """pytest_collection_modifyitems body for a suite that needs root and
    the built binaries: every test is skipped with the reason when they are
    missing, and under CI=true that is an error, so a green CI run means
    the tests ran."""
    import pytest

    reason = prerequisites()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"{suite} prerequisites missing under CI: {reason}")
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        item.add_marker(skip)


def wait_until(cond, what, timeout=6.0):
    """Poll cond() every 50 ms until it is true; fail with what when
    timeout seconds pass first."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() >= deadline:
            raise AssertionError(what)
        time.sleep(0.05)


@contextlib.contextmanager
def running_lwipd(**kwargs):
    """lwipd in a new namespace for the duration of the block; it must not
    have died meanwhile (the namespace and lwipd go either way)."""
    d = Lwipd(**kwargs)
    d.start()
    try:
        yield d
    finally:
        log = d.read_log()
        alive = d.alive()
        d.stop()
        if not alive:
            raise AssertionError(f"lwipd died during the module:\n{log}")


class ControlClient:
    """A JSON-lines client of lwipd's control socket."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.next_id = 1

    def close(self):
        self.sock.close()

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def read_line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("control socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def request(self, cmd, **args):
        rid = self.next_id
        self.next_id += 1
        self.send_raw((json.dumps({"id": rid, "cmd": cmd, "args": args}) + "\n").encode())
        while True:
            reply = self.read_line()
            if reply.get("id") == rid:
                return reply

    def call(self, cmd, **args):
        reply = self.request(cmd, **args)
        if not reply.get("ok"):
            raise RuntimeError(f"{cmd} failed: {reply.get('error')}")
        return reply["result"]


class Lwipd:
    """lwipd running in its own namespace.

    host_ip=False starts lwipd without --host-ip, on a TAP the test created
    (and configures) itself; env adds environment variables for lwipd.
    start() is enter_namespace() then spawn(); a test that starts lwipd many
    times in one namespace calls those two and stop_daemon() itself."""

    def __init__(self, extra_args=(), seed=1, host_ip=True, env=None, offload="off"):
        self.ns = f"lwt{os.getpid()}x{int(time.time() * 1000) % 100000}"
        self.dir = tempfile.mkdtemp(prefix="lwipd-interop-")
        self.ctl_path = os.path.join(self.dir, "ctl.sock")
        self.log_path = os.path.join(self.dir, "lwipd.log")
        self.proc = None
        self.orig_ns = None
        self.extra_args = list(extra_args)
        # TAP offloads (auto by default in lwipd) change what crosses the
        # TAP: 64 KB TCP frames that impairments and captures see whole.
        # Tests keep plain frames unless they ask (test_offload.py);
        # offload=None leaves lwipd's default.
        if offload is not None and "--offload" not in self.extra_args:
            self.extra_args += ["--offload", offload]
        self.seed = seed
        self.host_ip = host_ip
        self.env = dict(env or {})

    # -- lifecycle --
    def start(self):
        self.enter_namespace()
        return self.spawn()

    def enter_namespace(self):
        """Create the namespace and move this process into it."""
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.orig_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open(f"/run/netns/{self.ns}", os.O_RDONLY)
        try:
            _setns(fd)
        finally:
            os.close(fd)
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

    def spawn(self, wait=True):
        """Start lwipd (in our namespace) and, with wait, wait until its
        control socket answers.  The log keeps only the latest start."""
        args = [os.environ["LWIPD"], "--tap", TAP, "--ip", f"{LWIPD_IP}/{PREFIX}"]
        if self.host_ip:
            args += ["--host-ip", f"{HOST_IP}/{PREFIX}"]
        args += ["--ctl", self.ctl_path, "--seed", str(self.seed)] + self.extra_args
        if hasattr(self, "log"):
            self.log.close()
        self.log = open(self.log_path, "w")
        env = dict(os.environ, **self.env) if self.env else None
        # The child inherits our (the test's) namespace.
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lwipd exited with {self.proc.returncode}:\n{self.read_log()}")
            try:
                c = ControlClient(self.ctl_path, timeout=2)
                c.call("status")
                c.close()
                # wait for the host side to be up so the first packets are not lost
                return
            except (OSError, ConnectionError, RuntimeError) as e:
                last = e
                time.sleep(0.05)
        raise RuntimeError(f"lwipd control socket never answered: {last}\n{self.read_log()}")

    def read_log(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-20000:]
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop_daemon(self):
        """Stop lwipd (SIGTERM, then SIGKILL after 5 s); the namespace stays."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def stop(self):
        try:
            self.stop_daemon()
        finally:
            if self.orig_ns is not None:
                _setns(self.orig_ns)
                os.close(self.orig_ns)
                self.orig_ns = None
            subprocess.run(["ip", "netns", "del", self.ns], check=False)
            if hasattr(self, "log"):
                self.log.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers --
    def client(self):
        return ControlClient(self.ctl_path)

    def call(self, cmd, **args):
        c = self.client()
        try:
            return c.call(cmd, **args)
        finally:
            c.close()

    def lwipctl(self, *args, check=True, json_out=False):
        cmd = [os.environ["LWIPCTL"], "--ctl", self.ctl_path]
        if json_out:
            cmd.append("--json")
        cmd += [str(a) for a in args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r

    def drops(self):
        return self.call("stats", all=True)["drops"]

    def tap_netif(self):
        """The TAP netif as netif.list shows it."""
        for n in self.call("netif.list")["netifs"]:
            if n["name"].startswith("tp"):
                return n
        raise AssertionError("no tp netif in netif.list")

    def wait_ip6(self, addr6, host6, timeout=8.0):
        """Wait until lwipd's static addr6 and Linux's host6 on the TAP are
        both past DAD: neither side uses a tentative address (RFC 4862
        5.4), so a test starting earlier would see its connects fail."""
        deadline = time.monotonic() + timeout
        while True:
            mine = [a for a in self.tap_netif().get("ip6", []) if a["addr"] == addr6]
            linux = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", TAP], capture_output=True,
                                   text=True, check=True).stdout
            linux_ready = any(f" {host6}/" in line and "tentative" not in line for line in linux.splitlines())
            if mine and mine[0]["state"] == "preferred" and linux_ready:
                return
            assert time.monotonic() < deadline, f"IPv6 addresses not ready: {mine} / {linux}"
            time.sleep(0.05)

    def host_mac(self):
        """MAC of the Linux side of the TAP.  Read with ip(8), not /sys:
        sysfs shows the namespace it was mounted in, not ours."""
        out = subprocess.run(["ip", "-o", "link", "show", "dev", TAP], capture_output=True,
                             text=True, check=True).stdout
        return out.split("link/ether", 1)[1].split()[0]


class ServerProcess:
    """A helper daemon (dnsmasq, unbound) a test runs in its namespace:
    subclasses start self.proc (stderr piped) and set self.log_path."""

    proc = None
    log_path = None

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-5000:]
        except (OSError, TypeError):
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
