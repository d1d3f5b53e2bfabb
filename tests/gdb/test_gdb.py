#!/usr/bin/env python3
"""Run gdb_target under gdb with tools/gdb/lwipd.py loaded, stop at
gdb_checkpoint(), run every lwip-* command and check what it prints against
the state gdb_target.c set up.  gdb runs with `set may-call-functions off`:
neither the helpers nor this test may call functions in the inferior.

Usage: test_gdb.py GDB TARGET LWIPD_PY
"""

import re
import subprocess
import sys

COMMANDS = ["lwip-netifs", "lwip-arp", "lwip-udp", "lwip-raw", "lwip-timers",
            "lwip-pools", "lwip-stats", "lwip-pbuf gdb_chain", "lwip-pbuf gdb_chain->next->next",
            "lwip-pbuf arp_table[1].q",
            "lwip-pbuf 0", "lwip-pbuf", "lwip-reass", "lwip-tcp", "lwip-ip6", "lwip-nd", "lwip-mld",
            "print gdb_ip6_tx_frames", "print gdb_ip6_tx_bytes"]

# gdb runs with inferior function calls forbidden, from its very first
# command on.  On some CPUs (Intel Xeon with AMX, gdb 13) gdb cannot call
# functions in the inferior at all, so neither the helpers nor this test may
# depend on it: gdb_target.c builds every piece of state itself, and with
# this setting any call a helper or the test made would fail here too.
NO_CALLS = "set may-call-functions off"
# The guard: a call that must be refused, which proves the setting is in
# force (gdb before 9 does not know it and would make the call).
CALL_PROBE = "print gdb_checkpoint()"

failures = []


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what)
    if not cond:
        failures.append(what)


def run_gdb(gdb, target, script):
    # Each command's output is framed by a marker line so it can be checked
    # on its own.
    args = [gdb, "-batch", "-nx", "-iex", NO_CALLS, "-x", script, "-ex", "break gdb_checkpoint", "-ex", "run"]
    for c in COMMANDS:
        args += ["-ex", "echo @@@ %s\\n" % c, "-ex", c]
    args += ["-ex", "echo @@@ call-probe\\n", "-ex", CALL_PROBE]
    # A last marker keeps gdb's own "Kill the program" chatter out of the
    # last command's section.
    args += ["-ex", "echo @@@ end\\n", "-ex", "kill", target]
    res = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=90)
    return res.stdout


def sections(out):
    parts = {}
    for chunk in out.split("@@@ ")[1:]:
        name, _, body = chunk.partition("\n")
        parts[name.strip()] = body
    return parts


def check_ip6(s, has_ip6):
    """lwip-ip6 and lwip-nd against the IPv6 state gdb_target.c made."""
    a, nd, mld = s["lwip-ip6"], s["lwip-nd"], s["lwip-mld"]
    if not has_ip6:
        check(a.strip() == "lwip-ip6: not in this build (netif.ip6_addr missing)", "ip6: not in this build")
        check(nd.strip() == "lwip-nd: not in this build (cache in nd6.c missing)", "nd: not in this build")
        check(mld.strip() == "lwip-mld: not in this build (netif.mld_groups missing)", "mld: not in this build")
        return
    # MLD: the query taught QRV/QQIC; all-nodes (never reported), the
    # solicited-node groups each shared by two addresses, every join with
    # its state-change report still to repeat (RFC 3810 6.1), and the
    # application's group with the answer to the query pending.
    check(re.search(r"^gd1: MLDv2, query interval 125 s, robustness 2$", mld, re.M) is not None,
          "mld: v2 mode, QQIC and QRV learned from the query")
    check(re.search(r"^  ff02::1 users 1$", mld, re.M) is not None, "mld: all-nodes, nothing pending")
    check(re.search(r"^  ff02::1:ff00:1 users 2, 1 TO_EX reports left, next at \d+ ms$", mld, re.M) is not None,
          "mld: solicited-node of the link-local and SLAAC addresses, one report to repeat")
    check(re.search(r"^  ff02::1:ff00:2 users 2, 1 TO_EX reports left, next at \d+ ms$", mld, re.M) is not None,
          "mld: solicited-node of the two ::2 addresses")
    check(re.search(r"^  ff05::1:3 users 1, 1 TO_EX reports left, next at \d+ ms, query answer due at \d+ ms$",
                    mld, re.M) is not None, "mld: the application's group with the query answer pending")
    check(re.search(r"^4 groups on 2 netifs$", mld, re.M) is not None, "mld: totals")
    # Addresses: link-local by modified EUI-64 past DAD (zone = index 2),
    # a static one in DAD, a deprecated SLAAC one with finite lifetimes and
    # the one SLAAC made from the RA's prefix, in DAD.  The RA also ended
    # router solicitation (RFC 4861 6.3.7).
    check(re.search(r"^gd1 index 2 iid eui64, no router solicitation pending$", a, re.M) is not None,
          "ip6: netif line with IID mode, solicitations over after the RA")
    check(re.search(r"^  \[0\] fe80::ff:fe00:1%2/64 preferred link-local valid infinite preferred infinite$",
                    a, re.M) is not None, "ip6: link-local preferred, zone, origin, infinite lifetimes")
    check(re.search(r"^  \[1\] 2001:db8:7::2/64 tentative static valid infinite preferred infinite, "
                    r"DAD 1 solicitations left, next step at \d+ ms$", a, re.M) is not None,
          "ip6: static address tentative with its DAD step")
    check(re.search(r"^  \[2\] 2001:db8:8::2/48 deprecated slaac valid 7200 s preferred 0 s( as of \d+ ms)?$",
                    a, re.M) is not None, "ip6: deprecated SLAAC address with lifetimes and /48")
    check(re.search(r"^  \[3\] 2001:db8:a::ff:fe00:1/64 tentative slaac valid 86400 s preferred 14400 s as of \d+ ms, "
                    r"DAD 1 solicitations left, next step at \d+ ms$", a, re.M) is not None,
          "ip6: SLAAC address from the RA prefix, EUI-64 IID, in DAD")
    check(re.search(r"^4 IPv6 addresses on 2 netifs$", a, re.M) is not None, "ip6: totals")
    check(re.search(r"^path MTU cache: 1 of \d+ entries in use:\n  2001:db8:9::1 mtu 1400 since \d+ ms$", a, re.M)
          is not None, "ip6: the Packet Too Big's path MTU entry")
    # Neighbors: DELAY after our NA to a STALE entry, INCOMPLETE with the
    # two queued packets, REACHABLE router from a solicited NA.
    check(re.search(r"^\d+\s+fe80::11\s+02:11:22:33:44:66\s+delay\s+gd1\s+no\s+0\s+\d+\s+\d+\s+0$", nd, re.M)
          is not None, "nd: fe80::11 delay with its MAC and a timer step")
    check(re.search(r"^\d+\s+2001:db8:7::99\s+00:00:00:00:00:00\s+incomplete\s+gd1\s+no\s+1\s+\d+\s+\d+\s+"
                    r"2 \(44, 46 bytes\)$", nd, re.M) is not None,
          "nd: 2001:db8:7::99 incomplete, one solicitation, two packets queued")
    check(re.search(r"^\d+\s+fe80::10\s+02:11:22:33:44:77\s+reachable\s+gd1\s+yes\s+\d+\s+\d+\s+-\s+0$", nd, re.M)
          is not None, "nd: fe80::10 reachable router, queue flushed")
    check(re.search(r"^3 of \d+ entries in use$", nd, re.M) is not None, "nd: entries in use")
    # What the RA filled in nd6_router.c's lists.
    check(re.search(r"^default routers: 1 of \d+ in use\n  fe80::10 on gd1 preference medium lifetime 1800 s as of "
                    r"\d+ ms$", nd, re.M) is not None, "nd: the default router with its lifetime")
    check(re.search(r"^prefixes: 1 of \d+ in use\n  2001:db8:a::/64 on gd1 on-link autonomous valid 86400 s as of \d+ "
                    r"ms preferred 14400 s as of \d+ ms$", nd, re.M) is not None, "nd: the prefix with flags and lifetimes")
    check(re.search(r"^RDNSS: 1 of \d+ in use\n  2001:db8::53 on gd1 lifetime 600 s as of \d+ ms$", nd, re.M)
          is not None, "nd: the RDNSS server")
    check(re.search(r"^DNSSL: 0 of \d+ in use$", nd, re.M) is not None, "nd: no DNSSL")
    check(re.search(r"^routes: 1 of \d+ in use\n  2001:db8:100::/48 via fe80::10 on gd1 preference high lifetime 900 s "
                    r"as of \d+ ms$", nd, re.M) is not None, "nd: the route information route, high preference")
    check(re.search(r"^redirects: 0 of \d+ in use$", nd, re.M) is not None, "nd: no redirects")


def main():
    gdb, target, script = sys.argv[1:4]
    out = run_gdb(gdb, target, script)
    print(out)
    s = sections(out)
    check(re.search(r"^Breakpoint 1, gdb_checkpoint \(\)", out, re.M) is not None, "stopped at gdb_checkpoint")
    check("may-call-functions is off" in s.get("call-probe", ""),
          "gdb refuses inferior calls (%s)" % NO_CALLS)
    for c in COMMANDS:
        check(c in s, "%s ran" % c)
        check("Traceback" not in s.get(c, "") and "Python Exception" not in s.get(c, ""),
              "%s: no Python error" % c)
    if failures:
        return 1

    # The pools tell which features this build has: a RAW_PCB pool exists
    # only with raw, a REASSDATA pool only with reassembly, a TCP_PCB pool
    # only with TCP.
    pools = {}
    for line in s["lwip-pools"].splitlines():
        f = line.split()
        if len(f) == 6 and f[1].isdigit():
            pools[f[0]] = [int(x) for x in f[1:]]
    has_raw = "RAW_PCB" in pools
    has_reass = "REASSDATA" in pools
    has_tcp = "TCP_PCB" in pools
    # IPv6 builds have the netif's address arrays; gdb_target then adds
    # addresses, neighbors and a path MTU entry, and counts its IPv6 frames.
    has_ip6 = "not in this build" not in s["lwip-ip6"]
    m6f = re.search(r"^\$\d+ = (\d+)$", s["print gdb_ip6_tx_frames"], re.M)
    m6b = re.search(r"^\$\d+ = (\d+)$", s["print gdb_ip6_tx_bytes"], re.M)
    ip6_frames = int(m6f.group(1)) if m6f else 0
    ip6_bytes = int(m6b.group(1)) if m6b else 0
    check(ip6_frames > 0 if has_ip6 else ip6_frames == 0, "target: IPv6 frames sent iff IPv6 is built")

    # lwip-netifs: the netif gdb_target added, with decoded addresses and flags.
    n = s["lwip-netifs"]
    m = re.search(r"^gd(\d+) \(default\) index (\d+) flags (\S+)$", n, re.M)
    check(m is not None, "netifs: gd<num> (default) with index and flags")
    if m:
        check(int(m.group(2)) == int(m.group(1)) + 1, "netifs: index is num + 1")
        check(m.group(3).split("|") == ["UP", "BROADCAST", "LINK", "ETHARP", "ETHERNET"] + ["MLD6"] * has_ip6,
              "netifs: flags UP|BROADCAST|LINK|ETHARP|ETHERNET (|MLD6 with IPv6)")
    check("ip 192.168.7.2 mask 255.255.255.0 gw 192.168.7.1" in n, "netifs: ip/mask/gw dotted")
    check("mac 02:00:00:00:00:01 mtu 1500" in n, "netifs: mac and mtu")
    # The runt frame is counted as an rx drop by ethernet_input; the fake
    # driver counts the ARP frames (42 bytes each) it was handed and, apart,
    # the IPv6 ones.
    check("rx 0 pkts 0 bytes 1 drops" in n, "netifs: rx counters (one drop)")
    m = re.search(r"tx (\d+) pkts (\d+) bytes 0 errors", n)
    arp_frames = int(m.group(1)) - ip6_frames if m else 0
    check(m is not None and arp_frames >= 1 and int(m.group(2)) - ip6_bytes == 42 * arp_frames,
          "netifs: ARP (and IPv6) frames counted as tx")

    # lwip-arp: the static entry and the pending one, and with TCP the
    # gateway's, which holds the SYN of the connection to port 80.
    a = s["lwip-arp"]
    # (stable, learned from its reply, in a build without arp_static_entries)
    peer_learned = re.search(r"^\d+\s+192\.168\.7\.10\s+\S+\s+stable\s", a, re.M) is not None
    check(re.search(r"^\d+\s+192\.168\.7\.10\s+02:11:22:33:44:55\s+(static|stable)\s", a, re.M) is not None,
          "arp: 192.168.7.10 static (or learned) with its MAC")
    check(re.search(r"^\d+\s+192\.168\.7\.99\s+00:00:00:00:00:00\s+incomplete\s+gd\d+\s+2\s", a, re.M)
          is not None, "arp: 192.168.7.99 incomplete on gd, two packets queued")
    if has_tcp:
        check(re.search(r"^\d+\s+192\.168\.7\.1\s+00:00:00:00:00:00\s+incomplete\s+gd\d+\s+1\s", a, re.M)
              is not None, "arp: gateway 192.168.7.1 incomplete, the SYN queued")
    check(re.search(r"^%d of \d+ entries in use$" % (3 if has_tcp else 2), a, re.M) is not None,
          "arp: entries in use")

    # lwip-udp: the PCB bound to port 7.
    u = s["lwip-udp"]
    check(re.search(r"^udp_pcb 0x[0-9a-f]+ 0\.0\.0\.0:7 -> 0\.0\.0\.0:0 flags - ", u, re.M) is not None,
          "udp: PCB on 0.0.0.0:7")
    check(re.search(r"^%d UDP PCBs$" % (1 + 2 * has_ip6), u, re.M) is not None, "udp: one PCB (three with IPv6)")
    # IPv6 PCBs: both ends in brackets with the zone, the family's any.
    check((re.search(r"^udp_pcb 0x[0-9a-f]+ \[fe80::ff:fe00:1%2\]:5353 -> \[fe80::11%2\]:5353 flags CONNECTED ",
                     u, re.M) is not None) == has_ip6, "udp: the connected link-local IPv6 PCB iff IPv6")
    check((re.search(r"^udp_pcb 0x[0-9a-f]+ \[::\]:7 -> \[::\]:0 flags - ", u, re.M) is not None) == has_ip6,
          "udp: the IPv6 wildcard on port 7 iff IPv6")

    # lwip-raw: the ICMP PCB, or 'not in this build'.
    r = s["lwip-raw"]
    if has_raw:
        check(re.search(r"^raw_pcb 0x[0-9a-f]+ proto 1 0\.0\.0\.0 -> 0\.0\.0\.0 netif_idx 0 ttl 64 tos 0 flags - ",
                        r, re.M) is not None and "%d raw PCBs" % (1 + has_ip6) in r, "raw: one protocol 1 PCB")
        check((re.search(r"^raw_pcb 0x[0-9a-f]+ proto 58 :: -> :: netif_idx 0 ", r, re.M) is not None) == has_ip6,
              "raw: the ICMPv6 PCB iff IPv6")
        check(pools["RAW_PCB"][1] == 1 + has_ip6, "pools: RAW_PCB used 1 (2 with IPv6)")
    else:
        check(r.strip() == "lwip-raw: not in this build (raw_pcbs missing)", "raw: not in this build")

    # lwip-timers: the ARP timer armed by the pending entry, and TCP's timer
    # wheel armed by the SYN_SENT connection.
    t = s["lwip-timers"]
    check(re.search(r"^deadline\s+\d+ ms\s+etharp_tmr\s+arg 0x0$", t, re.M) is not None, "timers: etharp_tmr pending")
    # IPv4's and IPv6's reassembly timers are both static reass_tmr: with
    # both built, each name carries its file.
    check((re.search(r"^deadline\s+\d+ ms\s+reass_tmr(@ip4_frag\.c)?\s", t, re.M) is not None) == has_reass,
          "timers: reass_tmr pending iff reassembly is built")
    check((re.search(r"^deadline\s+\d+ ms\s+reass_tmr@ip6_frag\.c\s", t, re.M) is not None) == has_ip6,
          "timers: IPv6 reassembly's reass_tmr@ip6_frag.c pending iff IPv6 is built")
    check((re.search(r"^deadline\s+\d+ ms\s+tcp_wheel_timeout\s", t, re.M) is not None) == has_tcp,
          "timers: tcp_wheel_timeout pending iff TCP is built")
    check((re.search(r"^deadline\s+\d+ ms\s+nd6_tmr\s", t, re.M) is not None) == has_ip6,
          "timers: nd6_tmr pending (DAD, router solicitation, neighbors) iff IPv6 is built")
    check((re.search(r"^deadline\s+\d+ ms\s+mld6_tmr\s", t, re.M) is not None) == has_ip6,
          "timers: mld6_tmr pending (reports, the query answer) iff IPv6 is built")
    check(re.search(r"^%d pending timeouts" % (1 + has_reass + has_tcp + 3 * has_ip6), t, re.M) is not None,
          "timers: count")

    # lwip-pools: non-empty pools with the used counts the target implies.
    check("UDP_PCB" in pools and pools["UDP_PCB"][1] == 1 + 2 * has_ip6, "pools: UDP_PCB used 1 (3 with IPv6)")
    # TCP's wheel timer is a static sys_timeo, not from the pool.
    check("SYS_TIMEOUT" in pools and pools["SYS_TIMEOUT"][1] == (2 if has_reass else 1),
          "pools: SYS_TIMEOUT used = pending pool timers")
    if has_tcp:
        check(pools["TCP_PCB"][1] == 2, "pools: TCP_PCB used 2 (bound + SYN_SENT)")
        check(pools.get("TCP_PCB_LISTEN", [0, 0])[1] == (2 if has_ip6 else 1),
              "pools: TCP_PCB_LISTEN used 1 (and the dual-stack one with IPv6)")
        check(pools.get("TCP_SEG", [0, 0])[1] == 1, "pools: TCP_SEG used 1 (the SYN)")
    # The runt was freed; the fragment, when reassembly is built, is held.
    check("PBUF_POOL" in pools and pools["PBUF_POOL"][1] == has_reass + has_ip6 and pools["PBUF_POOL"][2] >= 1,
          "pools: PBUF_POOL used by the held fragments only")
    check(not has_reass or pools["REASSDATA"][1] == 1, "pools: REASSDATA used 1")
    check("HEAP" in pools and pools["HEAP"][1] > 0, "pools: heap in use (3 PBUF_RAM)")
    check(all(v[0] > 0 for v in pools.values()), "pools: only non-empty pools listed")
    # IPv6's pools come from memp_std.h like the rest: gd1's four MLD groups.
    check(not has_ip6 or pools.get("MLD6_GROUP", [0, 0])[1] == 4, "pools: MLD6_GROUP used 4 with IPv6")
    check(not has_ip6 or pools.get("IP6_FRAG", [0, 0])[1] == 1, "pools: IP6_FRAG used 1 (the held fragment)")

    # lwip-stats: protocol rows and the ETH_SHORT drop (stats builds only).
    st = s["lwip-stats"]
    if "not in this build" in st:
        check(True, "stats: compiled out")
    else:
        check(re.search(r"^arp\s+[1-9]", st, re.M) is not None, "stats: arp xmit >= 1")
        check(re.search(r"^eth\s+\d+\s+%d\s+0\s+1\s+0\s+1\s" % (1 + has_reass + 6 * has_ip6 + peer_learned),
                        st, re.M) is not None,
              "stats: eth recv (runt + fragment + NS, NA, RA, PTB, MLD query, fragment, peer's ARP reply) "
              "drop 1 lenerr 1")
        check(re.search(r"^udp(\s+0){10}$", st, re.M) is not None, "stats: udp all zero")
        check(re.search(r"^\s+1\s+ETH_SHORT\s+frame shorter", st, re.M) is not None, "stats: ETH_SHORT drop named")

    # lwip-pbuf: three pbufs of 10, 20 and 30 bytes.
    pb = s["lwip-pbuf gdb_chain"]
    rows = re.findall(r"^pbuf 0x[0-9a-f]+ type (\w+) len (\d+) tot_len (\d+) ref (\d+) flags (\S+) payload (.*)$",
                      pb, re.M)
    check([(int(x[1]), int(x[2]), int(x[3])) for x in rows] == [(10, 60, 1), (20, 50, 1), (30, 30, 1)],
          "pbuf: len/tot_len/ref of the 3-pbuf chain")
    check(all(x[0] == "ram" for x in rows), "pbuf: type ram")
    check(len(rows) == 3 and rows[0][5] == "00 01 02 03 04 05 06 07 08 09", "pbuf: first payload bytes")
    check(len(rows) == 3 and rows[2][5] == "cc " * 15 + "cc ...", "pbuf: 16 bytes shown, then ...")

    # lwip-reass: nothing waiting, or compiled out.
    # lwip-pbuf on a sub-chain, on NULL, and without an argument.
    tail = s["lwip-pbuf gdb_chain->next->next"]
    check(re.search(r"^pbuf 0x[0-9a-f]+ type ram len 30 tot_len 30 ref 1 ", tail, re.M) is not None
          and tail.count("pbuf 0x") == 1, "pbuf: the last pbuf alone")
    check(s["lwip-pbuf 0"].strip() == "NULL pbuf", "pbuf: NULL")
    # The ARP entry's queue: two one-pbuf packets, split by the separator.
    q = s["lwip-pbuf arp_table[1].q"].splitlines()
    check(len(q) == 3 and re.match(r"pbuf 0x[0-9a-f]+ type ram len 4 tot_len 4 ref 1 flags - payload a4 a4 a4 a4$", q[0])
          and q[1] == "-- end of packet, next packet in the queue:"
          and re.match(r"pbuf 0x[0-9a-f]+ type ram len 6 tot_len 6 ref 1 flags - payload( a6){6}$", q[2]),
          "pbuf: a queue of two packets")
    check("usage: lwip-pbuf EXPR" in s["lwip-pbuf"], "pbuf: usage without EXPR")

    # lwip-reass: the first fragment gdb_target injected, or compiled out.
    re_ = s["lwip-reass"]
    if has_reass:
        check(re.search(r"^reass 0x[0-9a-f]+ 192\.168\.7\.10 -> 192\.168\.7\.2 id 0x1234 proto 17 first yes "
                        r"len 0 pbufs 1 started_ms \d+$", re_, re.M) is not None, "reass: the waiting datagram")
        check("1 datagrams in reassembly, 1 pbufs held" in re_, "reass: totals")
    else:
        check(re_.strip() == "lwip-reass: not in this build (reassdatagrams missing)", "reass: not in this build")
    if has_ip6:
        check(re.search(r"^reass6 \d+ fe80::10%2 -> fe80::ff:fe00:1%2 id 0xabcd0001 first yes last no frags 1 data 16 "
                        r"bytes charge \d+ started_ms \d+\n  fragments \[0,16\)\+$", re_, re.M) is not None,
              "reass: the IPv6 first fragment, its range and M flag")
        check(re.search(r"^1 IPv6 datagrams in reassembly, 1 fragments, \d+ bytes charged$", re_, re.M) is not None,
              "reass: IPv6 totals")

    # lwip-tcp: what gdb_target.c made, as tcp.list would show it.
    t = s["lwip-tcp"]
    if not has_tcp:
        check(t.strip() == "lwip-tcp: not in this build (conn_hash missing)", "tcp: not in this build")
    else:
        m = re.search(r"^tcp_pcb 0x[0-9a-f]+ 192\.168\.7\.2:(\d+) -> 192\.168\.7\.1:80 SYN_SENT$", t, re.M)
        check(m is not None and 49152 <= int(m.group(1)) <= 65535, "tcp: SYN_SENT to the gateway from an ephemeral port")
        # The SYN takes one sequence number and has not been acknowledged;
        # the send MSS is RFC 9293's default 536 until the peer announces one.
        check(re.search(r"^  send_q 1 unsent 0 recv_q 0 ooseq 0 snd_wnd \d+ rcv_wnd \d+ mss 536 rcv_mss (1460|536)$",
                        t, re.M) is not None, "tcp: queues and MSS of the SYN_SENT PCB")
        check(re.search(r"^  cwnd \d+ ssthresh \d+ srtt 0\.000 rttvar [\d.]+ rto 1000 nrtx 0 dupacks 0 options -$",
                        t, re.M) is not None, "tcp: no RTT sample yet, initial RTO 1 s, no options")
        check(re.search(r"^  congestion newreno$", t, re.M) is not None, "tcp: the controller by name")
        # ECN (RFC 3168): the default mode, passive, fixed by the SYN, which
        # does not ask; no state bits, nothing counted.  Or (tcp_ecn off)
        # said to be left out of the build.
        check(re.search(r"^  (ecn mode passive state - recover \d+ ce_rcvd 0 reductions 0|"
                        r"ecn: not in this build \(tcp_ecn_default_mode missing\))$", t, re.M) is not None,
              "tcp: ECN mode and state")
        # RACK-TLP's state in a build with tcp_rack (SACK not agreed yet,
        # nothing delivered): no line at all without it.
        rack = re.search(r"^  rack .*$", t, re.M)
        if rack is not None:
            check(re.search(r"^  rack rtt 0 min_rtt - reo_mult 1 flags - reo_timer off pto off lost 0 tlp 0 "
                            r"repaired 0 dsacks 0 prr delivered 0 out 0$", t, re.M) is not None,
                  "tcp: RACK-TLP state of a new connection")
        check(re.search(r"^tcp_pcb 0x[0-9a-f]+ 0\.0\.0\.0:9090 CLOSED \(bound, not connected\)$", t, re.M)
              is not None, "tcp: the bound PCB")
        check(re.search(r"^listen 0x[0-9a-f]+ 0\.0\.0\.0:8080 backlog 5 pending 0 accept ", t, re.M) is not None,
              "tcp: the listener with its backlog")
        if has_ip6:
            # The dual-stack listener: its address is the any-type wildcard.
            check(re.search(r"^listen 0x[0-9a-f]+ 0\.0\.0\.0\(any-type\):8443 backlog 2 pending 0 accept ", t, re.M)
                  is not None, "tcp: the dual-stack listener")
        check(re.search(r"^1 connections, 1 bound, %d listeners$" % (2 if has_ip6 else 1), t, re.M) is not None,
              "tcp: totals")
        # Empty, or (tcp_synq_cookies off) said to be left out of the build.
        check(re.search(r"^(0 handshakes in the SYN queue|SYN queue: not in this build \(synq_hash missing\))$", t, re.M)
              is not None, "tcp: the SYN queue (empty)")

    check_ip6(s, has_ip6)

    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
