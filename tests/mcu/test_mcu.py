"""The mps2-an386 firmware (tests/mcu) on QEMU, against Linux.

QEMU runs the Cortex-M4 image with its LAN9118 on a TAP in a private
network namespace; dnsmasq there serves DHCP.  The board must take its
address by DHCP, answer ping, echo UDP datagrams, echo 1 MB over TCP
byte for byte, and swallow a stream on TCP discard.  The unit suites
that need no host (checksum, pbuf, IPv4, TCP with its fixtures) run on the
same emulated board too, with semihosting carrying their output and exit
status (test_unit_suite_on_board).

Skipped with the reason when something it needs is missing (root,
/dev/net/tun, qemu-system-arm, dnsmasq, arm-none-eabi-gcc); under CI=true
that is a failure instead, so a green CI run means the board ran.
"""
import ctypes
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
TAP = "mcu0"
HOST_IP = "10.78.0.1"
BOARD_IP = "10.78.0.50"
BOARD_MAC = "52:54:00:4d:43:55"
CLONE_NEWNET = 0x40000000
ECHO_PORT = 7
DISCARD_PORT = 9
TCP_ECHO_BYTES = 1 << 20


def missing_prerequisite():
    """None when the test can run here, else the reason it cannot."""
    if os.geteuid() != 0:
        return "needs root (a network namespace and a TAP device)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    for tool, pkg in (("qemu-system-arm", "qemu-system-arm"), ("dnsmasq", "dnsmasq"),
                      ("arm-none-eabi-gcc", "gcc-arm-none-eabi"), ("ip", "iproute2"), ("ping", "iputils-ping")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (package {pkg}; tools/install-deps installs it)"
    return None


def pytest_collection_modifyitems_guard():
    reason = missing_prerequisite()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"mcu prerequisites missing under CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


pytest_collection_modifyitems_guard()


def run(*args):
    subprocess.run(args, check=True, capture_output=True, text=True)


def enter_private_netns():
    """Move this process (pytest, run by meson for this suite alone) into
    a new network namespace: the TAP, dnsmasq and QEMU live and die with it."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "unshare(CLONE_NEWNET): " + os.strerror(err))
    run("ip", "link", "set", "lo", "up")
    run("ip", "tuntap", "add", "dev", TAP, "mode", "tap")
    run("ip", "addr", "add", f"{HOST_IP}/24", "dev", TAP)
    run("ip", "link", "set", TAP, "up")


class Board:
    """QEMU running the firmware, with its console in a file."""

    def __init__(self, elf, workdir):
        self.uart_path = os.path.join(workdir, "uart.log")
        self.proc = subprocess.Popen(
            ["qemu-system-arm", "-M", "mps2-an386", "-display", "none", "-monitor", "none",
             "-serial", f"file:{self.uart_path}", "-kernel", elf,
             "-nic", f"tap,ifname={TAP},script=no,downscript=no,model=lan9118,mac={BOARD_MAC}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def console(self):
        try:
            with open(self.uart_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"QEMU exited ({self.proc.returncode}): "
                                     f"{self.proc.stderr.read().decode(errors='replace')}\n{self.console()}")
            m = re.search(pattern, self.console())
            if m:
                return m
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} on the board's console within {timeout} s:\n{self.console()}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()


def build_images(*mode):
    """Run tests/mcu/build-firmware (with --unit for the suites) into a
    directory under MCU_BUILD_DIR; returns that directory's tests/mcu."""
    base = os.environ.get("MCU_BUILD_DIR") or os.path.join(TOP, "build", "mcu")
    build_dir = base + ("-unit" if mode else "")
    out = subprocess.run([os.path.join(HERE, "build-firmware"), *mode, build_dir], capture_output=True, text=True)
    assert out.returncode == 0, f"tests/mcu/build-firmware {' '.join(mode)} failed:\n{out.stdout}\n{out.stderr}"
    print("\nimage sizes (arm-none-eabi-size):\n" + out.stdout)
    return os.path.join(build_dir, "tests", "mcu")


@pytest.fixture(scope="module")
def board():
    elf = os.path.join(build_images(), "lwipd-mps2.elf")
    enter_private_netns()
    with tempfile.TemporaryDirectory(prefix="lwipd-mcu-") as workdir:
        dnsmasq = subprocess.Popen(
            ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", f"--interface={TAP}", "--bind-interfaces",
             "--except-interface=lo", "--user=root", "--group=root", "--port=0", "--no-resolv", "--no-hosts",
             f"--dhcp-range={BOARD_IP},10.78.0.60,255.255.255.0,600s", f"--dhcp-host={BOARD_MAC},{BOARD_IP}",
             "--no-ping", f"--dhcp-leasefile={workdir}/leases", f"--pid-file={workdir}/dnsmasq.pid",
             "--log-dhcp", f"--log-facility={workdir}/dnsmasq.log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        b = Board(elf, workdir)
        try:
            b.wait_for(r"address (?!0\.0\.0\.0)\d+\.\d+\.\d+\.\d+", timeout=20)
            yield b
            assert b.proc.poll() is None, f"QEMU exited during the test:\n{b.console()}"
            assert "fault:" not in b.console() and "assertion failed" not in b.console(), b.console()
        finally:
            b.stop()
            dnsmasq.terminate()
            dnsmasq.wait(timeout=5)


def test_dhcp_address(board):
    """The address came from dnsmasq's reservation for the board's MAC,
    with the mask and router it offers (the router is dnsmasq's host)."""
    lines = re.findall(r"address (\S+) netmask (\S+) gateway (\S+)", board.console())
    assert lines, board.console()
    m = lines[-1]  # the latest: the first is 0.0.0.0 from before DHCP
    assert m[0] == BOARD_IP, board.console()
    assert m[1] == "255.255.255.0"
    assert m[2] == HOST_IP
    assert f"MAC {BOARD_MAC}" in board.console()


def test_ping(board):
    out = subprocess.run(["ping", "-c", "5", "-i", "0.2", "-W", "2", "-s", "1000", BOARD_IP],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert " 0% packet loss" in out.stdout, out.stdout


def test_udp_echo(board):
    """Datagrams from 1 byte to a full Ethernet frame come back unchanged."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        for n in (1, 18, 512, 1000, 1472):
            data = os.urandom(n)
            for _ in range(3):  # the first may wait for ARP
                s.sendto(data, (BOARD_IP, ECHO_PORT))
                try:
                    got, peer = s.recvfrom(2048)
                    break
                except socket.timeout:
                    continue
            else:
                raise AssertionError(f"no UDP echo of {n} bytes")
            assert got == data and peer == (BOARD_IP, ECHO_PORT)
    finally:
        s.close()


def test_tcp_echo_1mb(board):
    """1 MiB of random bytes through TCP echo comes back byte for byte;
    the rate is printed for the record (it measures QEMU, not the core)."""
    data = os.urandom(TCP_ECHO_BYTES)
    s = socket.create_connection((BOARD_IP, ECHO_PORT), timeout=10)
    s.settimeout(30)
    sent_err = []

    def sender():
        try:
            s.sendall(data)
        except OSError as e:
            sent_err.append(e)

    start = time.monotonic()
    t = threading.Thread(target=sender)
    t.start()
    got = bytearray()
    try:
        while len(got) < len(data):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        elapsed = time.monotonic() - start
    finally:
        t.join(timeout=30)
        s.close()
    assert not sent_err, sent_err
    assert len(got) == len(data), f"{len(got)} of {len(data)} bytes came back"
    assert got == data, "the echoed bytes differ"
    print(f"\nTCP echo: {len(data)} bytes each way in {elapsed:.2f} s = "
          f"{len(data) / elapsed / 1024:.0f} KiB/s (QEMU mps2-an386, minimal profile, window 2144)")


def test_tcp_discard(board):
    """256 KiB into discard, then FIN: the board reads it all and closes
    its side too (recv sees EOF), sending nothing back."""
    s = socket.create_connection((BOARD_IP, DISCARD_PORT), timeout=10)
    s.settimeout(20)
    try:
        s.sendall(os.urandom(256 * 1024))
        s.shutdown(socket.SHUT_WR)
        assert s.recv(100) == b""
    finally:
        s.close()


UNIT_SUITES = ("test_chksum", "test_pbuf", "test_ip4", "test_tcp")


@pytest.fixture(scope="module")
def unit_images():
    return build_images("--unit")


@pytest.mark.parametrize("suite", UNIT_SUITES)
def test_unit_suite_on_board(unit_images, suite):
    """The suite's image on the board: its exit status (SYS_EXIT through
    semihosting) is QEMU's, and its last line counts the failures."""
    out = subprocess.run(["qemu-system-arm", "-M", "mps2-an386", "-display", "none", "-monitor", "none",
                          "-serial", "stdio", "-semihosting-config", "enable=on,target=native",
                          "-kernel", os.path.join(unit_images, suite + ".elf")],
                         capture_output=True, text=True, timeout=60)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log
    assert "mcu-unit: 0 failed" in log, log
    passed = re.search(r"\[  PASSED  \] (\d+) test", log)
    assert passed and int(passed.group(1)) > 0, log
    print(f"\n{suite} on mps2-an386: {passed.group(1)} passed, "
          f"{len(re.findall(r'^.  SKIPPED . [a-z]', log, re.M))} skipped")
