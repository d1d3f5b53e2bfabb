# gdb helpers that print the lwipd stack's protocol state.
#
# Load with `source tools/gdb/lwipd.py` inside gdb, or `gdb -x tools/gdb/lwipd.py`.
# Every command only reads memory and never calls a function in the inferior
# (gdb cannot on some CPUs, e.g. gdb 13 on Xeons with AMX; the test runs with
# `set may-call-functions off`), so they work on a live process and on a core
# file alike.  Keep it so: read globals and follow pointers, and evaluate only
# plain names (lookup) or the user's own expression (lwip-pbuf).  See
# tools/gdb/README.md for the commands and sample output.

import ipaddress
import re

import gdb

NOT_IN_BUILD = "not in this build"

# Bits of netif->flags (include/lwip/netif.h).
NETIF_FLAGS = [(0x01, "UP"), (0x02, "BROADCAST"), (0x04, "LINK"), (0x08, "ETHARP"),
               (0x10, "ETHERNET"), (0x20, "IGMP"), (0x40, "MLD6")]
# Bits of udp_pcb->flags (include/lwip/udp.h).
UDP_FLAGS = [(0x01, "NOCHKSUM"), (0x02, "UDPLITE"), (0x04, "CONNECTED"), (0x08, "MCAST_LOOP")]
# Bits of raw_pcb->flags (include/lwip/raw.h).
RAW_FLAGS = [(0x01, "CONNECTED"), (0x02, "HDRINCL")]
# Bits of pbuf->flags (include/lwip/pbuf.h).
PBUF_FLAGS = [(0x01, "PUSH"), (0x08, "LLBCAST"), (0x10, "LLMCAST")]
# The names etharp_state_name() gives, keyed by enumerator, so the numbers
# come from the debug info and cannot drift from the C enum.
ARP_STATE_NAMES = {
    "ETHARP_STATE_EMPTY": "empty",
    "ETHARP_STATE_PENDING": "incomplete",
    "ETHARP_STATE_STABLE": "stable",
    "ETHARP_STATE_STABLE_REREQUESTING": "stable-rerequesting",
    "ETHARP_STATE_STATIC": "static",
}
# A corrupted list must not hang gdb: walks stop after this many nodes.
MAX_WALK = 10000


class NotInBuild(Exception):
    """A symbol the command needs is missing (feature compiled out)."""


def lookup(name):
    """The value of a global or file-static variable, or NotInBuild."""
    try:
        sym = gdb.lookup_static_symbol(name) or gdb.lookup_global_symbol(name)
    except (gdb.error, AttributeError):
        sym = None
    if sym is not None and not sym.is_function:
        return sym.value()
    try:
        return gdb.parse_and_eval(name)
    except gdb.error:
        raise NotInBuild(name)


def enum_names(type_name):
    """Map enumerator value -> name for an enum type, empty if unknown."""
    try:
        return {int(f.enumval): f.name for f in gdb.lookup_type(type_name).strip_typedefs().fields()}
    except gdb.error:
        return {}


def flags_str(value, table):
    names = [name for bit, name in table if int(value) & bit]
    return "|".join(names) if names else "-"


def mem_bytes(addr, n):
    if n <= 0:
        return b""
    return bytes(gdb.selected_inferior().read_memory(int(addr), n))


def ip4_str(v):
    """Dotted form of an ip4_addr_t or of its u32 addr field.  The u32 holds
    the address in network byte order, so its bytes in memory order are the
    dotted quad whatever the target's endianness."""
    if v.type.strip_typedefs().code == gdb.TYPE_CODE_STRUCT:
        v = v["addr"]
    if v.address is not None:
        b = mem_bytes(v.address, 4)
    else:
        order = "little" if "little" in gdb.execute("show endian", to_string=True) else "big"
        b = int(v).to_bytes(4, order)
    return ".".join(str(x) for x in b)


def ip6_str(v):
    """An ip6_addr_t in RFC 5952 form, with %zone when it has one.  The four
    u32 words hold the address in network byte order, so the 16 bytes in
    memory order are the address whatever the target's endianness."""
    text = str(ipaddress.IPv6Address(mem_bytes(v["addr"].address, 16)))
    zone = int(v["zone"])
    return "%s%%%d" % (text, zone) if zone else text


def ipaddr_str(v):
    """An ip_addr_t: IPv4 dotted, IPv6 as ip6_str, any-type marked."""
    t = int(v["type"])
    if t == 6:
        return ip6_str(v["u_addr"]["ip6"])
    s = ip4_str(v["u_addr"]["ip4"])
    return s if t == 0 else s + "(any-type)"


def endpoint_str(ip, port):
    """addr:port, an IPv6 address in brackets ([fe80::1%1]:53) as in URLs."""
    text = ipaddr_str(ip)
    return ("[%s]:%d" if int(ip["type"]) == 6 else "%s:%d") % (text, port)


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def walk(head, link="next"):
    """Yield the nodes of a NULL-terminated list starting at pointer head."""
    p, n = head, 0
    while int(p) != 0 and n < MAX_WALK:
        yield p
        p, n = p[link], n + 1


def func_name(ptr):
    """The symbol a function pointer points to, or its address.  A static
    function whose name another file uses too (reass_tmr in ip4_frag.c and
    ip6_frag.c) gets its file: reass_tmr@ip6_frag.c."""
    if int(ptr) == 0:
        return "NULL"
    m = re.search(r"<([^>+]+)", str(ptr))
    if m:
        name = m.group(1)
    else:
        try:
            name = gdb.execute("info symbol 0x%x" % int(ptr), to_string=True).split()[0]
        except gdb.error:
            return "0x%x" % int(ptr)
    try:
        same = [s for s in gdb.lookup_static_symbols(name) if s.is_function]
        if len(same) > 1:
            fn = gdb.block_for_pc(int(ptr)).function
            if fn is not None and fn.symtab is not None:
                return "%s@%s" % (name, fn.symtab.filename.rsplit("/", 1)[-1])
    except (gdb.error, AttributeError, RuntimeError):
        pass
    return name


class LwipCommand(gdb.Command):
    """Base: a named command whose missing symbols print 'not in this build'."""

    def __init__(self, name):
        super().__init__(name, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        # Without a program every symbol would be "missing": say so instead.
        if not gdb.objfiles():
            raise gdb.GdbError("%s: no program loaded (use file, run or core)" % self.NAME)
        try:
            self.run(arg)
        except NotInBuild as e:
            print("%s: %s (%s missing)" % (self.NAME, NOT_IN_BUILD, e))


class Netifs(LwipCommand):
    """lwip-netifs: every netif on netif_list with addresses, flags and counters."""
    NAME = "lwip-netifs"

    def run(self, arg):
        default = lookup("netif_default")
        for n in walk(lookup("netif_list")):
            name = "%c%c%d" % (int(n["name"][0]) or ord("?"), int(n["name"][1]) or ord("?"), int(n["num"]))
            mark = " (default)" if int(n) == int(default) else ""
            print("%s%s index %d flags %s" % (name, mark, int(n["num"]) + 1, flags_str(n["flags"], NETIF_FLAGS)))
            print("  ip %s mask %s gw %s" % (ipaddr_str(n["ip_addr"]), ipaddr_str(n["netmask"]), ipaddr_str(n["gw"])))
            hwlen = int(n["hwaddr_len"])
            mac = mac_str(mem_bytes(n["hwaddr"].address, hwlen)) if hwlen else "-"
            print("  mac %s mtu %d" % (mac, int(n["mtu"])))
            c = n["counters"]
            print("  rx %d pkts %d bytes %d drops, tx %d pkts %d bytes %d errors" % tuple(
                int(c[f]) for f in ("rx_packets", "rx_bytes", "rx_drops", "tx_packets", "tx_bytes", "tx_errors")))


class Arp(LwipCommand):
    """lwip-arp: the used entries of the ARP cache (arp_table in core/ipv4/etharp.c)."""
    NAME = "lwip-arp"

    def run(self, arg):
        table = lookup("arp_table")
        states = {v: ARP_STATE_NAMES.get(k, k) for v, k in enum_names("enum etharp_state").items()}
        lo, hi = table.type.strip_typedefs().range()
        shown = 0
        print("%-3s %-15s %-17s %-19s %-6s %4s %10s" % ("#", "ip", "mac", "state", "netif", "qlen", "stamp_ms"))
        for i in range(lo, hi + 1):
            e = table[i]
            st = int(e["state"])
            if st == 0:
                continue
            n = e["netif"]
            nif = "%c%c%d" % (int(n["name"][0]), int(n["name"][1]), int(n["num"])) if int(n) else "-"
            print("%-3d %-15s %-17s %-19s %-6s %4d %10d" % (
                i, ip4_str(e["ipaddr"]), mac_str(mem_bytes(e["ethaddr"].address, 6)),
                states.get(st, str(st)), nif, int(e["qlen"]), int(e["stamp_ms"])))
            shown += 1
        print("%d of %d entries in use" % (shown, hi - lo + 1))


def pcb_common(p):
    return "%s -> %s netif_idx %d ttl %d tos %d" % (
        ipaddr_str(p["local_ip"]), ipaddr_str(p["remote_ip"]), int(p["netif_idx"]), int(p["ttl"]), int(p["tos"]))


class Udp(LwipCommand):
    """lwip-udp: every UDP PCB (the port hash udp_hash, and udp_unbound if built)."""
    NAME = "lwip-udp"

    def run(self, arg):
        buckets = lookup("udp_hash")
        lo, hi = buckets.type.strip_typedefs().range()
        heads = [buckets[i] for i in range(lo, hi + 1)]
        try:
            heads.append(lookup("udp_unbound"))
        except NotInBuild:
            pass  # a single-bucket build keeps unbound PCBs in udp_hash[0]
        count = 0
        for head in heads:
            for p in walk(head):
                print("udp_pcb 0x%x %s -> %s flags %s ttl %d recv %s" % (
                    int(p), endpoint_str(p["local_ip"], int(p["local_port"])),
                    endpoint_str(p["remote_ip"], int(p["remote_port"])),
                    flags_str(p["flags"], UDP_FLAGS), int(p["ttl"]), func_name(p["recv"])))
                count += 1
        print("%d UDP PCBs" % count)


class Raw(LwipCommand):
    """lwip-raw: every raw PCB (raw_pcbs in core/raw.c)."""
    NAME = "lwip-raw"

    def run(self, arg):
        count = 0
        for p in walk(lookup("raw_pcbs")):
            print("raw_pcb 0x%x proto %d %s flags %s recv %s" % (
                int(p), int(p["protocol"]), pcb_common(p), flags_str(p["flags"], RAW_FLAGS), func_name(p["recv"])))
            count += 1
        print("%d raw PCBs" % count)


class Timers(LwipCommand):
    """lwip-timers: pending timeouts (next_timeout in core/timeouts.c), soonest first."""
    NAME = "lwip-timers"

    def run(self, arg):
        count = 0
        for t in walk(lookup("next_timeout")):
            print("deadline %10d ms  %-24s arg 0x%x" % (int(t["time"]), func_name(t["h"]), int(t["arg"])))
            count += 1
        print("%d pending timeouts (deadlines in sys_now() ms)" % count)


def print_mem_stats(s):
    name = s["name"].string() if int(s["name"]) else "?"
    print("%-14s %10d %10d %10d %6d %7d" % (name, int(s["avail"]), int(s["used"]), int(s["max"]),
                                            int(s["err"]), int(s["illegal"])))


class Pools(LwipCommand):
    """lwip-pools: memp pool statistics (pool_stats in core/memp.c) and the heap (heap_stats in core/mem.c)."""
    NAME = "lwip-pools"

    def run(self, arg):
        stats = lookup("pool_stats")
        lo, hi = stats.type.strip_typedefs().range()
        print("%-14s %10s %10s %10s %6s %7s" % ("pool", "avail", "used", "max", "err", "illegal"))
        for i in range(lo, hi + 1):
            if int(stats[i]["avail"]) != 0:
                print_mem_stats(stats[i])
        try:
            print_mem_stats(lookup("heap_stats"))
        except NotInBuild:
            print("HEAP           %s" % NOT_IN_BUILD)


def enum_label(names, i, prefix):
    """Enumerator i without its common prefix, lower case."""
    name = names.get(i, str(i))
    return name[len(prefix):].lower() if name.startswith(prefix) else name


class Stats(LwipCommand):
    """lwip-stats: per-protocol counters (lwip_stats.proto[]) and the non-zero drop reasons."""
    NAME = "lwip-stats"
    FIELDS = ("xmit", "recv", "fw", "drop", "chkerr", "lenerr", "memerr", "rterr", "proterr", "opterr")

    def run(self, arg):
        st = lookup("lwip_stats")
        proto_ids = enum_names("enum lwip_stats_proto_id")
        drop_ids = enum_names("enum lwip_drop_reason")
        # The string tables of core/stats.c give the display names; the enum
        # names stand in when the tables are compiled out.
        try:
            pnames = lookup("proto_names")
        except NotInBuild:
            pnames = None
        try:
            dinfo = lookup("drop_info")
        except NotInBuild:
            dinfo = None
        proto = st["proto"]
        lo, hi = proto.type.strip_typedefs().range()
        print("%-8s" % "proto" + "".join("%9s" % f for f in self.FIELDS))
        for i in range(lo, hi + 1):
            name = pnames[i].string() if pnames is not None else enum_label(proto_ids, i, "LWIP_PROTO_")
            print("%-8s" % name + "".join("%9d" % int(proto[i][f]) for f in self.FIELDS))
        drops = st["drops"]
        lo, hi = drops.type.strip_typedefs().range()
        nonzero = [i for i in range(lo, hi + 1) if int(drops[i]) != 0]
        print("drops (non-zero):" if nonzero else "drops: none")
        for i in nonzero:
            if dinfo is not None:
                label = "%-20s %s" % (dinfo[i]["name"].string(), dinfo[i]["desc"].string())
            else:
                label = drop_ids.get(i, str(i))[len("LWIP_DROP_"):]
            print("  %8d  %s" % (int(drops[i]), label))


class Pbuf(LwipCommand):
    """lwip-pbuf EXPR: walk the pbuf chain EXPR points to (follows next, also across a queue)."""
    NAME = "lwip-pbuf"

    def run(self, arg):
        if not arg.strip():
            raise gdb.GdbError("usage: lwip-pbuf EXPR (a struct pbuf *)")
        p = gdb.parse_and_eval(arg).cast(gdb.lookup_type("struct pbuf").pointer())
        if int(p) == 0:
            print("NULL pbuf")
            return
        types = enum_names("pbuf_type")
        packet_left = None
        for q in walk(p):
            if packet_left is None:
                packet_left = int(q["tot_len"])
            ln = int(q["len"])
            data = mem_bytes(q["payload"], min(ln, 16)) if int(q["payload"]) else b""
            print("pbuf 0x%x type %s len %d tot_len %d ref %d flags %s payload %s%s" % (
                int(q), enum_label(types, int(q["type_internal"]), "PBUF_"), ln, int(q["tot_len"]),
                int(q["ref"]), flags_str(q["flags"], PBUF_FLAGS), data.hex(" "), " ..." if ln > 16 else ""))
            # A pbuf whose len covers the rest of tot_len ends a packet; a
            # further next link means a queue of packets.
            packet_left -= ln
            if packet_left <= 0:
                if int(q["next"]):
                    print("-- end of packet, next packet in the queue:")
                packet_left = None


class Reass(LwipCommand):
    """lwip-reass: IPv4 datagrams waiting for reassembly (reassdatagrams in core/ipv4/ip4_frag.c),
    then IPv6 ones (ip6_reass_slots in core/ipv6/ip6_frag.c) with their fragments."""
    NAME = "lwip-reass"

    def run(self, arg):
        try:
            self.ip4()
        except NotInBuild as e:
            # IPv4 reassembly compiled out; IPv6's may still be there.
            print("%s: %s (%s missing)" % (self.NAME, NOT_IN_BUILD, e))
        self.ip6()

    @staticmethod
    def ip4():
        count = 0
        for r in walk(lookup("reassdatagrams")):
            print("reass 0x%x %s -> %s id 0x%04x proto %d first %s len %d pbufs %d started_ms %d" % (
                int(r), ip4_str(r["src"]), ip4_str(r["dest"]), int(r["id"]), int(r["proto"]),
                "yes" if bool(r["have_first"]) else "no", int(r["datagram_len"]),
                int(r["npbufs"]), int(r["started_ms"])))
            count += 1
        print("%d datagrams in reassembly, %d pbufs held" % (count, int(lookup("reass_pbufs"))))

    @staticmethod
    def ip6():
        """IPv6 datagrams being reassembled (ip6_reass_slots in
        core/ipv6/ip6_frag.c), each with its fragments' ranges."""
        try:
            slots = lookup_in("ip6_frag.c", "ip6_reass_slots")
        except NotInBuild:
            return
        n = 0
        for i in range(array_len(slots)):
            r = slots[i]
            if not bool(r["used"]):
                continue
            n += 1
            ranges = " ".join("[%d,%d)%s" % (int(f["start"]), int(f["end"]), "+" if bool(f["more"]) else "")
                              for f in walk(r["frags"]))
            print("reass6 %d %s -> %s id 0x%08x first %s last %s%s frags %d data %d bytes charge %d started_ms %d%s" % (
                i, ip6_str(r["src"]), ip6_str(r["dest"]), u32(r["id"]), "yes" if bool(r["have_first"]) else "no",
                "yes" if bool(r["have_last"]) else "no",
                " total %d" % int(r["total"]) if bool(r["have_last"]) else "", int(r["nfrags"]),
                u32(r["data_bytes"]), u32(r["charge"]), u32(r["started_ms"]),
                " (abandoned: later fragments dropped until it times out)" if bool(r["abandoned"]) else ""))
            if ranges:
                print("  fragments %s" % ranges)
        print("%d IPv6 datagrams in reassembly, %d fragments, %d bytes charged" % (
            n, int(lookup_in("ip6_frag.c", "ip6_reass_frags")), u32(lookup_in("ip6_frag.c", "ip6_reass_bytes"))))


# Bits of tcp_pcb->flags (include/lwip/priv/tcp_priv.h, TF_NODELAY in tcp.h).
TCP_FLAGS = [(0x0001, "ACK_DELAY"), (0x0002, "ACK_NOW"), (0x0004, "INFR"), (0x0008, "FIN"),
             (0x0010, "RXCLOSED"), (0x0020, "FIN_RCVD"), (0x0040, "NODELAY"), (0x0080, "WND_SCALE"),
             (0x0100, "TIMESTAMP"), (0x0200, "SACK"), (0x0400, "RCV_GAP"), (0x1000, "FIN_DELIVER"), (0x2000, "PASSIVE"),
             (0x4000, "BATCHED"), (0x8000, "WND_UPDATE"), (0x10000, "ZOMBIE"), (0x20000, "COOKIE")]


def u32(v):
    return int(v) & 0xffffffff


def tcp_options(p):
    """SACK / timestamps / window scaling as tcp.list shows them."""
    f = int(p["flags"])
    opts = []
    if f & 0x0200:
        opts.append("sack")
    if f & 0x0100:
        opts.append("ts")
    if f & 0x0080:
        opts.append("wscale:%d,%d" % (int(p["snd_scale"]), int(p["rcv_scale"])))
    return " ".join(opts) if opts else "-"


class Tcp(LwipCommand):
    """lwip-tcp: TCP connections (the 4-tuple hash conn_hash), PCBs bound but not
    connected (bound_pcbs) and listeners (listen_hash), all members of core/tcp.c's
    file-static `st`, then the handshakes in the SYN queue (core/tcp_synq.c)."""
    NAME = "lwip-tcp"

    @staticmethod
    def tcp_global(name):
        """A member of core/tcp.c's state struct `st` ('tcp.c'::st); a build
        without TCP has neither, and says which list is missing."""
        try:
            return lookup_in("tcp.c", "st")[name]
        except (NotInBuild, gdb.error):
            raise NotInBuild(name)

    def run(self, arg):
        states = enum_names("enum tcp_state")
        conns = self.tcp_global("conn_hash")
        lo, hi = conns.type.strip_typedefs().range()
        count = 0
        for i in range(lo, hi + 1):
            for p in walk(conns[i], "hnext"):
                self.conn(p, states)
                count += 1
        bound = 0
        for p in walk(self.tcp_global("bound_pcbs")):
            print("tcp_pcb 0x%x %s %s (bound, not connected)" % (
                int(p), endpoint_str(p["local_ip"], int(p["local_port"])), states.get(int(p["state"]), "?")))
            bound += 1
        listeners = self.tcp_global("listen_hash")
        lo, hi = listeners.type.strip_typedefs().range()
        nl = 0
        for i in range(lo, hi + 1):
            for l in walk(listeners[i]):
                print("listen 0x%x %s backlog %d pending %d accept %s" % (
                    int(l), endpoint_str(l["local_ip"], int(l["local_port"])), int(l["backlog"]),
                    int(l["accepts_pending"]), func_name(l["accept"])))
                nl += 1
        print("%d connections, %d bound, %d listeners" % (count, bound, nl))
        self.synq()

    @staticmethod
    def synq():
        """The SYN queue (synq_hash in core/tcp_synq.c): one small entry per
        handshake a listener answered, shown as SYN_RCVD as tcp.list does."""
        try:
            table = lookup("synq_hash")
        except NotInBuild:
            # Built without tcp_synq_cookies: handshakes are SYN_RCVD PCBs,
            # listed with the connections above.
            print("SYN queue: %s (synq_hash missing)" % NOT_IN_BUILD)
            return
        lo, hi = table.type.strip_typedefs().range()
        n = 0
        for i in range(lo, hi + 1):
            for e in walk(table[i], "hnext"):
                bits = int(e["opts"])
                opts = [name for bit, name in ((1, "wscale:%d" % int(e["snd_scale"])), (2, "sack"), (4, "ts"))
                        if bits & bit]
                print("synq 0x%x %s <- %s SYN_RCVD iss %u irs %u mss %d options %s synacks_resent %d "
                      "due %u listener 0x%x" % (
                          int(e), endpoint_str(e["local_ip"], int(e["local_port"])),
                          endpoint_str(e["remote_ip"], int(e["remote_port"])), u32(e["iss"]), u32(e["irs"]), int(e["mss"]),
                          " ".join(opts) if opts else "-", int(e["nrtx"]), u32(e["due"]), int(e["listener"])))
                n += 1
        print("%d handshakes in the SYN queue" % n)

    @staticmethod
    def congestion(p):
        """The controller (pcb->cc, a struct tcp_cc_ops: its name string is
        read from memory) and, for CUBIC, W_max and K.  A build without
        tcp_cubic has no pcb->cc: every PCB's controller is NewReno."""
        name = "?"
        try:
            if not any(f.name == "cc" for f in p.dereference().type.strip_typedefs().fields()):
                name = "newreno"
            elif int(p["cc"]):
                name = p["cc"]["name"].string()
        except gdb.error:
            pass
        line = "  congestion %s" % name
        if name == "cubic" and int(p["cc_wmax"]):
            line += " W_max %d K %d ms epoch %s" % (int(p["cc_wmax"]), int(p["cc_k_ms"]),
                                                    "on" if int(p["cc_epoch"]) else "off")
        print(line)
        print(Tcp.slow_start(p))

    @staticmethod
    def slow_start(p):
        """The slow-start phase as tcp.list's ss_phase names it, and HyStart++'s
        round state (RFC 9406; hs_phase: 0 off, 1 slow start, 2 CSS)."""
        none = 0xffffffff
        phase = int(p["hs_phase"])
        if u32(p["cwnd"]) >= u32(p["ssthresh"]):
            name = "avoidance"
        else:
            name = "css" if phase == 2 else "slow_start"
        line = "  phase %s hystart %s" % (name, ["off", "ss", "css"][phase] if phase < 3 else str(phase))
        if phase != 0:
            def ms(v):
                return "-" if u32(v) == none else "%d" % u32(v)
            line += " round_end %u min_rtt last %s cur %s samples %d" % (
                u32(p["hs_window_end"]), ms(p["hs_last_min"]), ms(p["hs_cur_min"]), int(p["hs_samples"]))
            if phase == 2:
                line += " css_base %s css_rounds %d" % (ms(p["hs_css_base"]), int(p["hs_css_rounds"]))
        return line

    @staticmethod
    def ecn(p):
        """ECN (RFC 3168): the mode (enum tcp_ecn_mode), the pcb->ecn bits
        (TCP_ECN_OK 1: negotiated, ECN 2: echoing ECE until CWR, CWR 4: CWR
        owed on the next new segment, HELD 8: no other reduction until an ACK
        passes recover) and the counters."""
        try:
            lookup("tcp_ecn_default_mode")
        except NotInBuild:
            return "  ecn: %s (tcp_ecn_default_mode missing)" % NOT_IN_BUILD  # tcp_ecn off
        mode = int(p["ecn_mode"])
        bits = int(p["ecn"])
        names = [n for b, n in ((1, "ok"), (2, "ece"), (4, "cwr"), (8, "held")) if bits & b]
        return "  ecn mode %s state %s recover %u ce_rcvd %d reductions %d" % (
            ["off", "passive", "on"][mode] if mode < 3 else str(mode), "|".join(names) or "-",
            u32(p["ecn_recover"]), u32(p["ecn_ce_rcvd"]), u32(p["ecn_reductions"]))

    @staticmethod
    def rack(p):
        """RACK-TLP (RFC 8985): RACK.rtt, min_RTT, the reordering window
        multiplier, the flags (1 valid, 2 reordering seen, 4 D-SACK round,
        8 probe out, 16 probe was a retransmission, 32 probe D-SACKed), the
        armed timers and the counters.  None in a build without tcp_rack."""
        try:
            flags = int(p["rack_flags"])
        except gdb.error:
            return None
        names = [n for b, n in ((1, "valid"), (2, "reordering"), (4, "dsack_round"), (8, "tlp_out"),
                                (16, "tlp_rexmit"), (32, "tlp_dsacked")) if flags & b]
        min_rtt = u32(p["rack_min_rtt"])
        return ("  rack rtt %d min_rtt %s reo_mult %d flags %s reo_timer %s pto %s "
                "lost %d tlp %d repaired %d dsacks %d prr delivered %d out %d" % (
                    u32(p["rack_rtt"]), "-" if min_rtt == 0xffffffff else "%d" % min_rtt,
                    int(p["rack_reo_mult"]), "|".join(names) or "-", "armed" if u32(p["rack_due"]) else "off",
                    "armed" if u32(p["tlp_due"]) else "off", u32(p["rack_lost_total"]), u32(p["tlp_total"]),
                    u32(p["tlp_repaired"]), u32(p["dsack_total"]), u32(p["prr_delivered"]), u32(p["prr_out"])))

    @staticmethod
    def conn(p, states):
        refused = int(p["refused_data"]["tot_len"]) if int(p["refused_data"]) else 0
        print("tcp_pcb 0x%x %s -> %s %s" % (
            int(p), endpoint_str(p["local_ip"], int(p["local_port"])), endpoint_str(p["remote_ip"], int(p["remote_port"])),
            states.get(int(p["state"]), str(int(p["state"])))))
        print("  send_q %d unsent %d recv_q %d ooseq %d snd_wnd %d rcv_wnd %d mss %d rcv_mss %d" % (
            u32(p["snd_lbb"] - p["snd_una"]), u32(p["snd_lbb"] - p["snd_nxt"]), refused, int(p["ooseq_bytes"]),
            int(p["snd_wnd"]), int(p["rcv_wnd"]), int(p["mss"]), int(p["rcv_mss"])))
        print("  cwnd %d ssthresh %d srtt %.3f rttvar %.3f rto %d nrtx %d dupacks %d options %s" % (
            int(p["cwnd"]), int(p["ssthresh"]), int(p["srtt8"]) / 8.0, int(p["rttvar4"]) / 4.0, int(p["rto"]),
            int(p["nrtx"]), int(p["dupacks"]), tcp_options(p)))
        Tcp.congestion(p)
        print(Tcp.ecn(p))
        rack = Tcp.rack(p)
        if rack is not None:
            print(rack)
        print("  snd_una %u snd_nxt %u snd_lbb %u rcv_nxt %u flags %s recv %s" % (
            u32(p["snd_una"]), u32(p["snd_nxt"]), u32(p["snd_lbb"]), u32(p["rcv_nxt"]),
            flags_str(p["flags"], TCP_FLAGS), func_name(p["recv"])))
        if int(p["soft_err"]):
            # The last soft ICMP error (RFC 5461 4), reported if the
            # connection times out.
            print("  icmp soft error type %d code %d" % (int(p["soft_icmp_type"]), int(p["soft_icmp_code"])))


for _cmd in (Netifs, Arp, Udp, Raw, Timers, Pools, Stats, Pbuf, Reass, Tcp):
    _cmd(_cmd.NAME)


# ---------------------------------------------------------------------------
# IPv6 (core/ipv6/): addresses per netif, the neighbor cache and the path
# MTU cache.  Memory reads only, like the rest; in a build without IPv6 each
# command says "not in this build".
# ---------------------------------------------------------------------------

# netif->ip6_addr_state values (include/lwip/netif.h), as
# netif_ip6_addr_state_name() names them.
IP6_ADDR_STATES = {0x00: "invalid", 0x08: "tentative", 0x30: "preferred", 0x10: "deprecated",
                   0x40: "duplicate"}
# netif->ip6_addr_origin values (NETIF_IP6_ORIGIN_*).
IP6_ORIGINS = {0: "static", 1: "link-local", 2: "slaac"}
# netif->ip6_iid_mode values (enum netif_ip6_iid_mode).
IP6_IID_MODES = {0: "stable-opaque", 1: "eui64"}
IP6_LIFE_INFINITE = 0xffffffff


def lookup_in(filename, name):
    """A file-static variable of one source file (`cache` in nd6.c): the
    name alone may be ambiguous across the core."""
    try:
        for sym in gdb.lookup_static_symbols(name):
            if sym.symtab is not None and sym.symtab.filename.endswith("/" + filename) and not sym.is_function:
                return sym.value()
    except (gdb.error, AttributeError):
        pass
    try:
        return gdb.parse_and_eval("'%s'::%s" % (filename, name))
    except gdb.error:
        raise NotInBuild("%s in %s" % (name, filename))


def netif_name(n):
    return "%c%c%d" % (int(n["name"][0]) or ord("?"), int(n["name"][1]) or ord("?"), int(n["num"]))


def field_or_missing(v, field, what):
    try:
        return v[field]
    except gdb.error:
        raise NotInBuild(what)


def has_field(v, field):
    return any(f.name == field for f in v.type.strip_typedefs().target().fields()) \
        if v.type.strip_typedefs().code == gdb.TYPE_CODE_PTR else \
        any(f.name == field for f in v.type.strip_typedefs().fields())


def life_str(seconds):
    s = u32(seconds)
    return "infinite" if s == IP6_LIFE_INFINITE else "%d s" % s


def array_len(v):
    lo, hi = v.type.strip_typedefs().range()
    return hi - lo + 1


def packet_sizes(q):
    """tot_len of each packet in a queue of pbuf chains linked by next (a
    packet's last pbuf ends its tot_len, the next one starts a packet)."""
    sizes, left = [], None
    for p in walk(q):
        if left is None:
            left = int(p["tot_len"])
            sizes.append(left)
        left -= int(p["len"])
        if left <= 0:
            left = None
    return sizes


class Ip6(LwipCommand):
    """lwip-ip6: every netif's IPv6 addresses with state, origin, prefix
    length, lifetimes and DAD progress, router solicitations left, and the
    path MTU cache (pmtu_cache in core/ipv6/icmp6.c)."""
    NAME = "lwip-ip6"

    def run(self, arg):
        addrs = 0
        netifs = list(walk(lookup("netif_list")))
        if netifs:
            field_or_missing(netifs[0], "ip6_addr", "netif.ip6_addr")
        for n in netifs:
            mode = IP6_IID_MODES.get(int(n["ip6_iid_mode"]), str(int(n["ip6_iid_mode"])))
            rs_left = int(n["rs_left"])
            rs = "%d router solicitations left, next at %d ms" % (rs_left, u32(n["rs_at"])) if rs_left \
                else "no router solicitation pending"
            print("%s index %d iid %s, %s" % (netif_name(n), int(n["num"]) + 1, mode, rs))
            for i in range(array_len(n["ip6_addr_state"])):
                st = int(n["ip6_addr_state"][i])
                if st == 0:
                    continue
                addrs += 1
                line = "  [%d] %s/%d %s %s valid %s preferred %s" % (
                    i, ip6_str(n["ip6_addr"][i]["u_addr"]["ip6"]), int(n["ip6_addr_prefix_len"][i]),
                    IP6_ADDR_STATES.get(st, "0x%02x" % st),
                    IP6_ORIGINS.get(int(n["ip6_addr_origin"][i]), str(int(n["ip6_addr_origin"][i]))),
                    life_str(n["ip6_addr_valid_life"][i]), life_str(n["ip6_addr_pref_life"][i]))
                # The lifetimes count down from a stamp (sys_now() when
                # they were set) where the build keeps one.
                finite = u32(n["ip6_addr_valid_life"][i]) != IP6_LIFE_INFINITE
                if finite and has_field(n, "ip6_addr_life_stamp"):
                    line += " as of %d ms" % u32(n["ip6_addr_life_stamp"][i])
                if st == 0x08:
                    line += ", DAD %d solicitations left, next step at %d ms" % (
                        int(n["ip6_addr_dad_left"][i]), u32(n["ip6_addr_dad_at"][i]))
                if int(n["ip6_addr_dad_counter"][i]):
                    line += ", DAD counter %d" % int(n["ip6_addr_dad_counter"][i])
                print(line)
        print("%d IPv6 addresses on %d netifs" % (addrs, len(netifs)))
        try:
            cache = lookup_in("icmp6.c", "pmtu_cache")
        except NotInBuild:
            return
        rows = [cache[i] for i in range(array_len(cache)) if int(cache[i]["mtu"]) != 0]
        print("path MTU cache: %d of %d entries in use%s" % (len(rows), array_len(cache), ":" if rows else ""))
        for e in rows:
            print("  %s mtu %d since %d ms" % (ip6_str(e["dest"]), int(e["mtu"]), u32(e["stamp_ms"])))


class Nd(LwipCommand):
    """lwip-nd: the IPv6 neighbor cache (cache in core/ipv6/nd6.c) with
    states, link-layer addresses, router flags and queued packets, then the
    default routers, prefixes, RDNSS, DNSSL, routes and redirects learned
    from Router Advertisements and Redirects (core/ipv6/nd6_router.c)."""
    NAME = "lwip-nd"

    def run(self, arg):
        cache = lookup_in("nd6.c", "cache")
        states = {v: enum_label({v: k}, v, "ND6_") for v, k in enum_names("enum nd6_state").items()}
        print("%-3s %-28s %-17s %-10s %-6s %-6s %6s %10s %10s  %s" % (
            "#", "ip6", "mac", "state", "netif", "router", "probes", "stamp_ms", "next_ms", "queued"))
        shown = 0
        for i in range(array_len(cache)):
            e = cache[i]
            st = int(e["state"])
            if st == 0:
                continue
            shown += 1
            n = e["netif"]
            sizes = packet_sizes(e["q"])
            queued = "%d (%s bytes)" % (int(e["qlen"]), ", ".join(str(x) for x in sizes)) if sizes \
                else str(int(e["qlen"]))
            # next_ms means something only while a timer step is due.
            timed = states.get(st, "") in ("incomplete", "delay", "probe")
            print("%-3d %-28s %-17s %-10s %-6s %-6s %6d %10d %10s  %s" % (
                i, ip6_str(e["addr"]), mac_str(mem_bytes(e["lladdr"].address, 6)), states.get(st, str(st)),
                netif_name(n) if int(n) else "-", "yes" if bool(e["is_router"]) else "no", int(e["probes"]),
                u32(e["stamp_ms"]), str(u32(e["next_ms"])) if timed else "-", queued))
        print("%d of %d entries in use" % (shown, array_len(cache)))
        # What Router Advertisements and Redirects filled (core/ipv6/
        # nd6_router.c): each list is an array whose free slots have no
        # netif; lifetimes are seconds left as of a sys_now() stamp.
        for title, name, fmt in self.LISTS:
            try:
                arr = lookup_in("nd6_router.c", name)
            except NotInBuild:
                continue
            rows = [arr[i] for i in range(array_len(arr)) if int(arr[i]["netif"]) != 0]
            print("%s: %d of %d in use" % (title, len(rows), array_len(arr)))
            for r in rows:
                print("  " + fmt(r))

    @staticmethod
    def life(lf):
        left = u32(lf["left_s"])
        return "infinite" if left == IP6_LIFE_INFINITE else "%d s as of %d ms" % (left, u32(lf["stamp_ms"]))

    PREFS = {-1: "low", 0: "medium", 1: "high"}

    LISTS = [
        ("default routers", "nd6_routers", lambda r: "%s on %s preference %s lifetime %s" % (
            ip6_str(r["addr"]), netif_name(r["netif"]), Nd.PREFS.get(int(r["pref"]), str(int(r["pref"]))),
            Nd.life(r["life"]))),
        ("prefixes", "nd6_prefixes", lambda r: "%s/%d on %s%s%s valid %s preferred %s" % (
            ip6_str(r["prefix"]), int(r["len"]), netif_name(r["netif"]), " on-link" if bool(r["onlink"]) else "",
            " autonomous" if bool(r["autonomous"]) else "", Nd.life(r["valid"]), Nd.life(r["pref"]))),
        ("RDNSS", "nd6_rdnss", lambda r: "%s on %s lifetime %s" % (
            ip6_str(r["addr"]), netif_name(r["netif"]), Nd.life(r["life"]))),
        ("DNSSL", "nd6_dnssl", lambda r: "%s on %s lifetime %s" % (
            cstr(r["name"]), netif_name(r["netif"]), Nd.life(r["life"]))),
        ("routes", "nd6_routes", lambda r: "%s/%d via %s on %s preference %s lifetime %s" % (
            ip6_str(r["prefix"]), int(r["len"]), ip6_str(r["router"]), netif_name(r["netif"]),
            Nd.PREFS.get(int(r["pref"]), str(int(r["pref"]))), Nd.life(r["life"]))),
        ("redirects", "nd6_redirects", lambda r: "%s -> %s on %s lifetime %s" % (
            ip6_str(r["dest"]), ip6_str(r["target"]), netif_name(r["netif"]), Nd.life(r["life"]))),
    ]


# mld6.c's netif->mld_flags bits (MLD6_NF_*).
MLD_NF_GQ_PENDING = 0x01
MLD_NF_V1 = 0x02


class Mld(LwipCommand):
    """lwip-mld: per netif, the IPv6 multicast groups listened to
    (netif->mld_groups, core/ipv6/mld6.c) with their state-change reports
    and pending query answers, and the querier's mode and timers."""
    NAME = "lwip-mld"

    def run(self, arg):
        netifs = list(walk(lookup("netif_list")))
        if netifs:
            field_or_missing(netifs[0], "mld_groups", "netif.mld_groups")
        total = 0
        for n in netifs:
            flags = int(n["mld_flags"])
            mode = "MLDv1 compatibility until %d ms" % u32(n["mld_v1_until"]) if flags & MLD_NF_V1 else "MLDv2"
            gq = ", general query answer due at %d ms" % u32(n["mld_gq_at"]) if flags & MLD_NF_GQ_PENDING else ""
            qi, qrv = int(n["mld_qi_s"]), int(n["mld_qrv"])
            print("%s: %s, query interval %s, robustness %s%s" % (
                netif_name(n), mode, "%d s" % qi if qi else "default", str(qrv) if qrv else "default", gq))
            for g in walk(n["mld_groups"]):
                total += 1
                line = "  %s users %d" % (ip6_str(g["group"]), int(g["use"]))
                if int(g["change_left"]):
                    line += ", %d %s reports left, next at %d ms" % (
                        int(g["change_left"]), "TO_EX" if int(g["change_type"]) == 4 else "TO_IN",
                        u32(g["change_at"]))
                if bool(g["query_pending"]):
                    nsrc = int(g["query_nsrc"])
                    srcs = " ".join(ip6_str(g["query_src"][i]) for i in range(nsrc))
                    line += ", query answer due at %d ms%s" % (
                        u32(g["query_at"]), " for sources " + srcs if nsrc else "")
                print(line)
        print("%d groups on %d netifs" % (total, len(netifs)))


for _cmd in (Ip6, Nd, Mld):
    _cmd(_cmd.NAME)


# ---------------------------------------------------------------------------
# lwip-http: the HTTP server of lwipd (core/apps/httpd.c).  Its own section:
# it reads the daemon's `http_server` (daemon/httpcmds.c), a struct httpd,
# and walks its connection list; like the rest, memory reads only.
# ---------------------------------------------------------------------------

HTTP_PHASES = {0: "read", 1: "send", 2: "closing"}


class Http(LwipCommand):
    """lwip-http: lwipd's HTTP server: listener, counters and each
    connection (peer, phase, response in progress, bytes pending)."""
    NAME = "lwip-http"

    def run(self, arg):
        s = lookup("http_server")
        if int(s["listener"]) == 0:
            print("http: not running")
            return
        cfg, st = s["cfg"], s["stats"]
        print("http: port %d, %d/%d connections, idle timeout %d ms, max header %d" % (
            int(cfg["port"]), int(s["nconns"]), int(cfg["max_conns"]), int(cfg["idle_timeout_ms"]),
            int(cfg["max_header"])))
        print("  connections %d refused %d requests %d pipelined %d 2xx %d 4xx %d 5xx %d timeouts %d" % (
            int(st["connections"]), int(st["refused"]), int(st["requests"]), int(st["pipelined"]),
            int(st["responses"][2]), int(st["responses"][4]), int(st["responses"][5]), int(st["timeouts"])))
        n = 0
        for c in walk(s["conns"]):
            p = c["pcb"]
            rx = int(c["rx"]["tot_len"]) if int(c["rx"]) else 0
            print("conn 0x%x %s:%d %s status %d off %d left %d requests %d pending %d%s" % (
                int(c), ipaddr_str(p["remote_ip"]), int(p["remote_port"]),
                HTTP_PHASES.get(int(c["phase"]), "?"), int(c["status"]), int(c["off"]), int(c["left"]),
                int(c["requests"]), rx, " keep-alive" if int(c["keep"]) else ""))
            n += 1
        print("%d connections" % n)


Http(Http.NAME)


# ---------------------------------------------------------------------------
# Apps: the TFTP server (core/apps/tftp_server.c).  Kept apart from the stack's
# commands above: it reads a struct tftp_server, which lives wherever the
# application put it (lwipd: tftp_srv in daemon/tftpcmds.c).
# ---------------------------------------------------------------------------

class Tftp(LwipCommand):
    """lwip-tftp [EXPR]: the TFTP server's transfers in progress and totals.
    EXPR is a struct tftp_server (default: lwipd's tftp_srv)."""
    NAME = "lwip-tftp"

    def run(self, arg):
        expr = arg.strip() or "tftp_srv"
        srv = lookup(expr) if re.match(r"^\w+$", expr) else gdb.parse_and_eval(expr)
        if srv.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
            srv = srv.dereference()
        if not bool(srv["running"]):
            print("TFTP server not running")
            return
        cfg = srv["cfg"]
        states = enum_names("enum tftp_xfer_state")
        print("TFTP server on port %d%s, up to %d transfers, timeout %d ms (floor %d), %d retries" % (
            int(cfg["port"]), " (writable)" if bool(cfg["writable"]) else "", int(cfg["max_transfers"]),
            int(cfg["timeout_ms"]), int(cfg["min_rto_ms"]), int(cfg["retries"])))
        xfers = srv["xfers"]
        lo, hi = xfers.type.strip_typedefs().range()
        n = 0
        for i in range(lo, hi + 1):
            x = xfers[i]
            if int(x["state"]) == 0:
                continue
            n += 1
            st = x["stats"]
            name = mem_bytes(x["name"].address, int(x["name"].type.sizeof)).split(b"\0", 1)[0].decode(errors="replace")
            tsize = int(x["tsize"])
            print("xfer %d %s %s:%d port %d %s blksize %d block %d bytes %d%s retx %d dupacks %d rto %d ms %s" % (
                i, "WRQ" if bool(x["write"]) else "RRQ", ipaddr_str(x["peer"]), int(x["peer_port"]),
                int(x["local_port"]), states.get(int(x["state"]), "?").replace("TFTP_XFER_", "").lower(),
                int(x["blksize"]), int(x["block"]), int(st["bytes"]),
                "" if tsize == 0xffffffff else "/%d" % tsize, int(st["retransmits"]), int(st["dup_acks"]),
                int(x["rto_ms"]), name))
        s = srv["stats"]
        print("%d transfers in progress; totals: rrq %d wrq %d refused %d completed %d failed %d retransmits %d" % (
            n, int(s["rrq"]), int(s["wrq"]), int(s["refused"]), int(s["completed"]), int(s["failed"]),
            int(s["retransmits"])))


Tftp(Tftp.NAME)


# ---------------------------------------------------------------------------
# Apps: the mDNS responder (core/apps/mdns.c).  Its own section: it reads a
# struct mdns, which lives wherever the application put it (lwipd:
# `responder` in daemon/mdnscmds.c); memory reads only.
# ---------------------------------------------------------------------------

MDNS_STATES = {0: "off", 1: "probing", 2: "announcing", 3: "announced", 4: "link_down", 5: "gave_up"}


def cstr(arr):
    return mem_bytes(arr.address, int(arr.type.sizeof)).split(b"\0", 1)[0].decode(errors="replace")


class Mdns(LwipCommand):
    """lwip-mdns [EXPR]: the mDNS responder's host name, state, services,
    pending answers and counters.  EXPR is a struct mdns (default: lwipd's
    responder)."""
    NAME = "lwip-mdns"

    def run(self, arg):
        expr = arg.strip() or "responder"
        m = lookup(expr) if re.match(r"^\w+$", expr) else gdb.parse_and_eval(expr)
        if m.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
            m = m.dereference()
        state = int(m["state"])
        if state == 0:
            print("mDNS responder not running")
            return
        print("mDNS %s.local (asked %s.local, %d renames) on netif 0x%x: %s, step %d, pending answers 0x%x" % (
            cstr(m["hostname"]), cstr(m["base"]), int(m["renames"]), int(m["netif"]),
            MDNS_STATES.get(state, "?"), int(m["step"]), int(m["pending"])))
        svcs = m["services"]
        lo, hi = svcs.type.strip_typedefs().range()
        for i in range(lo, hi + 1):
            s = svcs[i]
            if not bool(s["used"]):
                continue
            print("service %d \"%s\" %s.%s port %d txt %d bytes%s" % (
                i, cstr(s["name"]), cstr(s["service"]), "_tcp" if int(s["proto"]) == 1 else "_udp",
                int(s["port"]), int(s["txt_len"]), " (renamed from \"%s\")" % cstr(s["base"]) if int(s["renames"])
                else ""))
        st = m["stats"]
        print("probes %d announcements %d responses %d unicast %d legacy %d ka-suppressed %d conflicts %d "
              "tiebreaks-lost %d renames %d goodbyes %d send-errors %d" % tuple(
                  int(st[f]) for f in ("probes", "announcements", "responses", "unicast", "legacy", "ka_suppressed",
                                       "conflicts", "tiebreaks_lost", "renames", "goodbyes", "send_errors")))


Mdns(Mdns.NAME)


# ---------------------------------------------------------------------------
# Apps: the MQTT client (core/apps/mqtt.c).  Its own section: it reads a
# struct mqtt_client, which lives wherever the application put it (lwipd:
# mqtt_cl in daemon/mqttcmds.c); memory reads only.
# ---------------------------------------------------------------------------

MQTT_OUT_STAGES = {1: "wait PUBACK", 2: "wait PUBREC", 3: "wait PUBCOMP"}


class Mqtt(LwipCommand):
    """lwip-mqtt [EXPR]: the MQTT client's broker, state, keep alive,
    messages in flight, pending (un)subscribes and counters.  EXPR is a
    struct mqtt_client (default: lwipd's mqtt_cl)."""
    NAME = "lwip-mqtt"

    def run(self, arg):
        expr = arg.strip() or "mqtt_cl"
        c = lookup(expr) if re.match(r"^\w+$", expr) else gdb.parse_and_eval(expr)
        if c.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
            c = c.dereference()
        states = enum_names("enum mqtt_state")
        state = int(c["state"])
        if state == 0:
            print("MQTT client not running")
            return
        cid = mem_bytes(c["client_id"].address, int(c["client_id"].type.sizeof)).split(b"\0", 1)[0]
        print("MQTT %s:%d as \"%s\": %s, keep alive %d s, %s session%s, CONNACK code %d, pcb 0x%x" % (
            ipaddr_str(c["broker"]), int(c["port"]), cid.decode(errors="replace"),
            states.get(state, "?").replace("MQTT_STATE_", "").lower(), int(c["keepalive_s"]),
            "clean" if bool(c["clean_session"]) else "kept", " (present)" if bool(c["session_present"]) else "",
            int(c["connack"]), int(c["pcb"])))
        print("timer due at %d ms, last sent at %d ms, ping %s, reconnect wait %d ms, rx %d/%d bytes%s" % (
            int(c["next_ms"]), int(c["last_tx_ms"]),
            "outstanding since %d ms" % int(c["ping_sent_ms"]) if bool(c["ping_out"]) else "not outstanding",
            int(c["backoff_ms"]), int(c["rx_len"]), int(c["max_incoming"]),
            ", skipping %d" % int(c["skip"]) if int(c["skip"]) else ""))
        out = c["out"]
        lo, hi = out.type.strip_typedefs().range()
        for i in range(lo, hi + 1):
            o = out[i]
            if int(o["id"]) == 0:
                continue
            print("out id %d QoS %d %s%s, %d bytes held, done %s" % (
                int(o["id"]), int(o["qos"]), MQTT_OUT_STAGES.get(int(o["stage"]), "?"),
                " (to send)" if bool(o["unsent"]) else "", int(o["len"]) if int(o["pkt"]) else 0,
                func_name(o["done"])))
        pend = c["pending"]
        lo, hi = pend.type.strip_typedefs().range()
        for i in range(lo, hi + 1):
            q = pend[i]
            if int(q["id"]) != 0:
                print("pending id %d %s" % (int(q["id"]), "SUBSCRIBE" if int(q["type"]) == 8 else "UNSUBSCRIBE"))
        ids = [int(c["qos2_in"][i]) for i in range(int(c["qos2_in"].type.sizeof // c["qos2_in"][0].type.sizeof))]
        if any(ids):
            print("incoming QoS 2 awaiting PUBREL: %s" % " ".join(str(x) for x in ids if x))
        s = c["stats"]
        print("connects %d connacks %d refused %d lost %d pings %d ping-timeouts %d malformed %d "
              "pub-tx %d/%d/%d pub-rx %d/%d/%d done %d retransmits %d dup-rx %d too-big %d suback-fail %d" % (
                  int(s["connects"]), int(s["connacks"]), int(s["refused"]), int(s["lost"]), int(s["ping_sent"]),
                  int(s["ping_timeouts"]), int(s["malformed"]), int(s["pub_tx"][0]), int(s["pub_tx"][1]),
                  int(s["pub_tx"][2]), int(s["pub_rx"][0]), int(s["pub_rx"][1]), int(s["pub_rx"][2]),
                  int(s["pub_done"]), int(s["retransmits"]), int(s["dup_rx"]), int(s["too_big"]),
                  int(s["suback_fail"])))


Mqtt(Mqtt.NAME)
