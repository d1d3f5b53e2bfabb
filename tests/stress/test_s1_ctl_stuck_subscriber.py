"""Case 1: a control client subscribed to every event that never reads,
while ARP traffic and debug logging make events flow.

It has a 4 KiB receive buffer, so its events pile up in lwipd: past the
documented 1 MiB (docs/control-protocol.md, "Limits") it must be
disconnected -- without crashing lwipd (the disconnect itself logs a line,
which is an event too) and without slowing the other clients."""
import random
import socket
import time

from stress_util import LWIPD_IP, MB, SLOW, L2, arp_frame, random_mac


def _arp_frames(n, seed):
    """ARP requests to lwipd and gratuitous ARPs, each from a new random
    source on the link (never the host's address): every one creates or
    replaces an ARP entry in lwipd and raises events and debug lines."""
    rng = random.Random(seed)
    frames = []
    for i in range(n):
        mac = random_mac(rng)
        ip = f"10.77.0.{rng.randrange(3, 254)}"
        if i % 4 == 3:
            frames.append(arp_frame(mac, 1, ip, ip))  # gratuitous
        else:
            frames.append(arp_frame(mac, 1, ip, LWIPD_IP))
    return frames


def _status_ms(client):
    t = time.monotonic()
    st = client.call("status")
    return (time.monotonic() - t) * 1000, st


def test_never_reading_subscriber(env):
    d = env.d
    d.call("log.set", module="all", level="debug")
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.connect(d.ctl_path)
    stuck.sendall(b'{"id": 1, "cmd": "subscribe", "args": {"events": ["all"]}}\n')
    probe = d.client()
    l2 = L2()
    frames = _arp_frames(4000, seed=1)
    arp_rx0 = d.call("stats")["protocols"]["arp"]["recv"]
    sent, worst_ms, t0 = 0, 0.0, time.monotonic()
    cut = None
    try:
        # Bounded: at most 10 s (x SLOW) and 1,000,000 frames at 100,000/s;
        # at least 1.5 s, then until lwipd reports the client cut off
        # (status.control, where the daemon has it) or 3 s.
        while time.monotonic() - t0 < 10 * SLOW and sent < 1_000_000:
            n, _ = l2.flood(frames, 25_000, 0.25, rate=100_000)
            sent += n
            assert d.alive(), f"lwipd died during the ARP flood:\n{d.read_log()}"
            ms, st = _status_ms(probe)
            worst_ms = max(worst_ms, ms)
            cut = st.get("control", {}).get("not_reading")
            elapsed = time.monotonic() - t0
            if elapsed >= 1.5 and (cut or elapsed >= 3.0):
                break
        flood_s = time.monotonic() - t0
    finally:
        l2.close()
        if d.alive():
            d.call("log.set", module="all", level="warn")
    assert d.alive(), f"lwipd died:\n{d.read_log()}"
    ms, _ = _status_ms(probe)
    probe.close()
    arp_rx = d.call("stats")["protocols"]["arp"]["recv"] - arp_rx0

    # The stuck client reads at last: what was buffered, then EOF or reset.
    stuck.settimeout(5 * SLOW)
    got, end, why = 0, time.monotonic() + 20 * SLOW, None
    while time.monotonic() < end and got < 256 * MB:
        try:
            chunk = stuck.recv(MB)
        except socket.timeout:
            why = "nothing more for 5 s and no EOF: still connected"
            break
        except ConnectionResetError:
            why = "reset"
            break
        if not chunk:
            why = "EOF"
            break
        got += len(chunk)
    stuck.close()

    # Another client still gets events.
    fresh = d.client()
    fresh.call("subscribe", events=["arp"])
    l2 = L2()
    try:
        l2.flood([arp_frame("02:00:00:00:31:31", 1, "10.77.0.131", LWIPD_IP)], 1, 1)
    finally:
        l2.close()
    ev = fresh.read_line()
    fresh.close()

    outcome = (f"stuck client: {got // 1024} KiB then {why}; status worst {max(worst_ms, ms):.0f} ms; "
               f"control.not_reading={cut}; new subscriber got {ev.get('event')}")
    env.after_case("1 ctl stuck subscriber", f"{sent} ARP frames in {flood_s:.1f} s ({arp_rx} read by lwipd), log debug", outcome)
    assert why in ("EOF", "reset"), f"the stuck client was not disconnected: {got} bytes read, {why}"
    assert ev.get("event") == "arp", ev
