/*
 * lwipctl: how each result is shown.  Tables are column specifications
 * for print_table(); the few results that are not tables (status, ping,
 * the tcp list like ss -ti, dhcp) have their own printers.
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* netif, arp, route                                                      */
/* ---------------------------------------------------------------------- */

static void netif_flags(char *buf, size_t n, json_t *ni)
{
  snprintf(buf, n, "%s%s%s", jtrue(ni, "up") ? "up" : "down", jtrue(ni, "link_up") ? ",link" : ",no-link",
           jtrue(ni, "default") ? ",default" : "");
}

static char *netif_flags_cell(json_t *ni, json_t *ctx)
{
  char flags[32];
  (void)ctx;
  netif_flags(flags, sizeof(flags), ni);
  return xasprintf("%s", flags);
}

static char *netif_ip_cell(json_t *ni, json_t *ctx)
{
  (void)ctx;
  if (json_object_get(ni, "prefix") && strcmp(jstr(ni, "ip"), "-")) {
    return xasprintf("%s/%lld", jstr(ni, "ip"), jint(ni, "prefix"));
  }
  return xasprintf("%s", jstr(ni, "ip"));
}

static const struct column netif_cols[] = {
    {.header = "NAME", .kind = COL_STR, .key = "name", .align = 'l'},
    {.header = "MAC", .kind = COL_STR, .key = "mac", .align = 'l'},
    {.header = "IP", .kind = COL_FN, .align = 'l', .cell = netif_ip_cell},
    {.header = "GW", .kind = COL_STR, .key = "gw", .align = 'l'},
    {.header = "MTU", .kind = COL_INT, .key = "mtu", .align = 'r'},
    {.header = "FLAGS", .kind = COL_FN, .align = 'l', .cell = netif_flags_cell},
    {.header = "RX-PKTS", .kind = COL_INT, .key = "counters.rx_packets", .align = 'r'},
    {.header = "TX-PKTS", .kind = COL_INT, .key = "counters.tx_packets", .align = 'r'},
};

void print_netif_list(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(netif_cols, json_object_get(res, "netifs"), NULL);
  print_addr6_table(json_object_get(res, "netifs"));
}

/* netif.set answers with the netif itself; show it as a one-row table. */
void print_netif_one(const struct request *rq, json_t *res)
{
  (void)rq;
  json_t *list = json_array();
  json_array_append(list, res);
  PRINT_TABLE(netif_cols, list, NULL);
  json_decref(list);
}

static const struct column arp_cols[] = {
    {.header = "IP", .kind = COL_STR, .key = "ip", .align = 'l'},
    {.header = "MAC", .kind = COL_STR, .key = "mac", .align = 'l'},
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "STATE", .kind = COL_STR, .key = "state", .align = 'l'},
    {.header = "AGE", .kind = COL_INT, .key = "age_s", .fmt = "%llds", .align = 'l'},
    {.header = "QUEUED", .kind = COL_INT, .key = "queued", .align = 'r'},
};

void print_arp(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(arp_cols, json_object_get(res, "entries"), NULL);
}

static char *route_dest_cell(json_t *e, json_t *ctx)
{
  (void)ctx;
  return xasprintf("%s/%lld", jstr(e, "dest"), jint(e, "prefix"));
}

static char *route_gw_cell(json_t *e, json_t *ctx)
{
  (void)ctx;
  const char *gw = json_string_value(json_object_get(e, "gw"));
  return xasprintf("%s", gw && *gw ? gw : "direct");
}

static const struct column route_cols[] = {
    {.header = "DEST", .kind = COL_FN, .align = 'l', .cell = route_dest_cell},
    {.header = "GATEWAY", .kind = COL_FN, .align = 'l', .cell = route_gw_cell},
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "USABLE", .kind = COL_YESNO, .key = "usable", .align = 'l'},
};

void print_route(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(route_cols, json_object_get(res, "routes"), NULL);
}

/* ---------------------------------------------------------------------- */
/* stats and log levels                                                   */
/* ---------------------------------------------------------------------- */

static const char *const stat_cols[] = {"xmit",   "recv",   "fw",    "drop",    "chkerr",
                                        "lenerr", "memerr", "rterr", "proterr", "opterr"};
#define NSTAT_COLS ARRAY_SIZE(stat_cols)

/* A column is shown when any protocol has a non-zero value in it, when
 * --all asked for everything, or for the three columns always of interest. */
static void print_protocols(json_t *protos, int all)
{
  struct column cols[1 + NSTAT_COLS] = {{.header = "PROTO", .kind = COL_NAME, .align = 'l'}};
  size_t ncols = 1;
  for (size_t c = 0; c < NSTAT_COLS; c++) {
    int show = all || c < 2 || c == 3;
    const char *name;
    json_t *p;
    json_object_foreach(protos, name, p) {
      if (jint(p, stat_cols[c])) {
        show = 1;
      }
    }
    if (show) {
      cols[ncols++] = (struct column){.header = stat_cols[c], .kind = COL_INT, .key = stat_cols[c], .align = 'r'};
    }
  }
  print_table(cols, ncols, protos, NULL);
}

static const struct column drop_cols[] = {
    {.header = "DROP-REASON", .kind = COL_NAME, .align = 'l'},
    {.header = "COUNT", .kind = COL_INT, .align = 'r'},
};

static void print_drops(json_t *drops, int all)
{
  json_t *shown = json_object();
  const char *name;
  json_t *v;
  json_object_foreach(drops, name, v) {
    if (all || json_integer_value(v)) {
      json_object_set(shown, name, v);
    }
  }
  /* A table of only its header says less than a plain sentence. */
  if (json_object_size(shown) == 0) {
    puts("no drops");
  } else {
    PRINT_TABLE(drop_cols, shown, NULL);
  }
  json_decref(shown);
}

static const struct column pool_cols[] = {
    {.header = "POOL", .kind = COL_STR, .key = "name", .align = 'l'},
    {.header = "USED", .kind = COL_INT, .key = "used", .align = 'r'},
    {.header = "MAX", .kind = COL_INT, .key = "max", .align = 'r'},
    {.header = "AVAIL", .kind = COL_INT, .key = "avail", .align = 'r'},
    {.header = "ERR", .kind = COL_INT, .key = "err", .align = 'r'},
};

/* The heap is shown as one more pool, named "heap". */
static void print_pools(json_t *pools, json_t *heap)
{
  json_t *rows = json_array();
  if (json_is_array(pools)) {
    json_array_extend(rows, pools);
  }
  if (json_is_object(heap)) {
    json_t *h = json_copy(heap);
    json_object_set_new(h, "name", json_string("heap"));
    json_array_append_new(rows, h);
  }
  PRINT_TABLE(pool_cols, rows, NULL);
  json_decref(rows);
}

void print_stats(const struct request *rq, json_t *res)
{
  print_protocols(json_object_get(res, "protocols"), rq->all);
  putchar('\n');
  print_drops(json_object_get(res, "drops"), rq->all);
  putchar('\n');
  print_pools(json_object_get(res, "pools"), json_object_get(res, "heap"));
}

static char *level_cell(json_t *v, json_t *ctx)
{
  (void)ctx;
  return xasprintf("%s", json_is_string(v) ? json_string_value(v) : "-");
}

static const struct column level_cols[] = {
    {.header = "MODULE", .kind = COL_NAME, .align = 'l'},
    {.header = "LEVEL", .kind = COL_FN, .align = 'l', .cell = level_cell},
};

void print_levels(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(level_cols, json_object_get(res, "levels"), NULL);
}

/* ---------------------------------------------------------------------- */
/* capture, record, impair                                                */
/* ---------------------------------------------------------------------- */

void print_capture(const struct request *rq, json_t *res)
{
  (void)rq;
  kv("active:", "%s", jtrue(res, "active") ? "yes" : "no");
  kv("file:", "%s", jstr(res, "file"));
  kv("netif:", "%s", jstr(res, "netif"));
  kv("frames:", "%lld", jint(res, "frames"));
}

void print_capture_start(const struct request *rq, json_t *res)
{
  (void)rq;
  printf("capturing %s to %s\n", jstr(res, "netif"), jstr(res, "file"));
}

void print_capture_stop(const struct request *rq, json_t *res)
{
  (void)rq;
  printf("capture stopped: %lld frames in %s\n", jint(res, "frames"), jstr(res, "file"));
}

void print_record(const struct request *rq, json_t *res)
{
  (void)rq;
  const char *key;
  json_t *v;
  json_object_foreach(res, key, v) {
    if (json_is_string(v)) {
      printf("%-16s %s\n", key, json_string_value(v));
    } else if (json_is_integer(v)) {
      printf("%-16s %lld\n", key, (long long)json_integer_value(v));
    } else if (json_is_boolean(v)) {
      printf("%-16s %s\n", key, json_is_true(v) ? "yes" : "no");
    }
  }
}

/* Impairment counters are shown as "name=value" pairs per direction. */
static void print_impair_dir(const char *dir, json_t *ctr)
{
  const char *name;
  json_t *v;
  const char *sep = "";
  printf("%-12s", dir);
  json_object_foreach(ctr, name, v) {
    char *s = jfmt(v);
    printf("%s%s=%s", sep, name, s);
    sep = " ";
    free(s);
  }
  putchar('\n');
}

void print_impair(const struct request *rq, json_t *res)
{
  (void)rq;
  json_t *ctr = json_object_get(res, "counters");
  json_t *seed = json_object_get(res, "seed");
  char *s = jfmt(seed);
  kv("spec:", "%s", strcmp(jstr(res, "spec"), "-") ? jstr(res, "spec") : "none");
  kv("seed:", "%s", json_is_null(seed) ? "-" : s);
  free(s);
  print_impair_dir("rx:", json_object_get(ctr, "rx"));
  print_impair_dir("tx:", json_object_get(ctr, "tx"));
}

/* ---------------------------------------------------------------------- */
/* apps, forwarding, icmp, ping                                           */
/* ---------------------------------------------------------------------- */

static const struct column app_cols[] = {
    {.header = "ID", .kind = COL_INT, .key = "id", .align = 'r'},
    {.header = "NAME", .kind = COL_STR, .key = "name", .align = 'l'},
    {.header = "PORT", .kind = COL_INT, .key = "port", .align = 'r'},
    {.header = "RX-PKTS", .kind = COL_INT, .key = "rx_packets", .align = 'r'},
    {.header = "RX-BYTES", .kind = COL_INT, .key = "rx_bytes", .align = 'r'},
    {.header = "TX-PKTS", .kind = COL_INT, .key = "tx_packets", .align = 'r'},
};

void print_apps(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(app_cols, json_object_get(res, "apps"), NULL);
}

void print_app_start(const struct request *rq, json_t *res)
{
  (void)rq;
  printf("started %s on port %lld (id %lld)\n", jstr(res, "name"), jint(res, "port"), jint(res, "id"));
}

void print_forward(const struct request *rq, json_t *res)
{
  (void)rq;
  printf("forwarding: %s\n", jtrue(res, "enabled") ? "on" : "off");
}

void print_icmp_ratelimit(const struct request *rq, json_t *res)
{
  (void)rq;
  if (jint(res, "rate") == 0) {
    printf("icmp error rate limit: off (burst %lld)\n", jint(res, "burst"));
  } else {
    printf("icmp error rate limit: %lld/s, burst %lld\n", jint(res, "rate"), jint(res, "burst"));
  }
  json_t *sup = json_object_get(res, "suppressed");
  if (json_is_integer(sup)) {
    printf("suppressed: %lld\n", (long long)json_integer_value(sup));
  }
}

void print_ping(const struct request *rq, json_t *res)
{
  const char *dst = jstr(res, "dst");
  long long size = json_integer_value(json_object_get(rq->args, "size"));
  json_t *rtt = json_object_get(res, "rtt_ms"), *r;
  size_t i;
  if (!json_object_get(rq->args, "size")) {
    size = 56;
  }
  json_array_foreach(json_object_get(res, "replies"), i, r) {
    printf("%lld bytes from %s: seq=%lld time=%.3f ms\n", size + 8, dst, jint(r, "seq"), jnum(r, "rtt_ms"));
  }
  printf("--- %s ping statistics ---\n", dst);
  printf("%lld transmitted, %lld received, %.4g%% loss", jint(res, "transmitted"), jint(res, "received"),
         jnum(res, "loss_pct"));
  if (jint(res, "received") > 0) {
    printf(", rtt min/avg/median/max = %.3f/%.3f/%.3f/%.3f ms", jnum(rtt, "min"), jnum(rtt, "avg"), jnum(rtt, "median"),
           jnum(rtt, "max"));
  }
  putchar('\n');
}

/* ---------------------------------------------------------------------- */
/* status, raw, events                                                    */
/* ---------------------------------------------------------------------- */

static void print_status_netifs(json_t *list)
{
  size_t i;
  json_t *ni;
  json_array_foreach(list, i, ni) {
    char flags[32];
    netif_flags(flags, sizeof(flags), ni);
    kv(i ? "" : "netifs:", "%s %s/%lld (%s)", jstr(ni, "name"), jstr(ni, "ip"), jint(ni, "prefix"), flags);
  }
}

void print_status(const struct request *rq, json_t *res)
{
  (void)rq;
  json_t *cap = json_object_get(res, "capture");
  json_t *imp = json_object_get(res, "impair");
  long long up = jint(res, "uptime_ms");
  kv("version:", "lwipd %s", jstr(res, "version"));
  kv("profile:", "%s", jstr(res, "profile"));
  kv("pid:", "%lld", jint(res, "pid"));
  kv("uptime:", "%lld.%03lld s", up / 1000, up % 1000);
  kv("tap:", "%s", jstr(res, "tap"));
  json_t *off = json_object_get(res, "offload");
  if (off != NULL) {
    /* --offload as asked, what the kernel took, and the large frames so far. */
    kv("offload:", "%s (%s), %lld large frames in, %lld out", jstr(off, "mode"), jstr(off, "active"),
       jint(off, "rx_gso"), jint(off, "tx_gso"));
  }
  json_t *bp = json_object_get(res, "busy_poll");
  if (bp != NULL && jint(bp, "usec") == 0) {
    kv("busy-poll:", "off");
  } else if (bp != NULL) {
    /* --busy-poll USEC, and how often a polling pass found frames. */
    kv("busy-poll:", "%lld us, %lld rounds, %lld passes, %lld with frames", jint(bp, "usec"), jint(bp, "rounds"),
       jint(bp, "passes"), jint(bp, "hits"));
  }
  json_t *ur = json_object_get(res, "io_uring");
  if (ur != NULL && !jtrue(ur, "active")) {
    kv("io_uring:", "%s, not in use (plain read/write): %s", jstr(ur, "mode"), jstr(ur, "reason"));
  } else if (ur != NULL) {
    /* --io-uring: how many TAP reads and writes each system call carried. */
    kv("io_uring:", "%s, %lld submits, %lld writes, %lld reads (%lld frames), %.1f ops per submit", jstr(ur, "mode"),
       jint(ur, "submits"), jint(ur, "writes"), jint(ur, "reads"), jint(ur, "read_frames"), jnum(ur, "ops_per_submit"));
    /* Frames that went by plain calls instead: while the ring rested
     * (light traffic) and large frames written at once. */
    kv("",
       "%s; plain calls: %lld frames read, %lld written while resting (%lld rests, %lld wake-ups), %lld large "
       "frames written at once",
       jtrue(ur, "resting") ? "resting now" : "batching now", jint(ur, "plain_reads"), jint(ur, "plain_writes"),
       jint(ur, "to_plain"), jint(ur, "to_ring"), jint(ur, "direct_writes"));
  }
  if (jtrue(res, "seeded")) {
    kv("seed:", "%lld", jint(res, "seed"));
  } else {
    kv("seed:", "not seeded");
  }
  print_status_netifs(json_object_get(res, "netifs"));
  print_status_ip6(json_object_get(res, "netifs"));
  kv("apps:", "%lld", jint(res, "apps"));
  if (jtrue(cap, "active")) {
    kv("capture:", "%s on %s, %lld frames", jstr(cap, "file"), jstr(cap, "netif"), jint(cap, "frames"));
  } else {
    kv("capture:", "off");
  }
  kv("impair:", "%s", strcmp(jstr(imp, "spec"), "-") ? jstr(imp, "spec") : "none");
  kv("forwarding:", "%s", jtrue(res, "forwarding") ? "on" : "off");
}

/* raw: the result is shown as indented JSON since its shape is unknown. */
void print_raw(const struct request *rq, json_t *res)
{
  (void)rq;
  char *s = json_dumps(res, JSON_INDENT(2) | JSON_ENCODE_ANY);
  if (s) {
    puts(s);
  }
  free(s);
}

void print_done(const struct request *rq, json_t *res)
{
  (void)res;
  printf("%s: done\n", rq->cmd);
}

/* Events print as "time_ms event key=value ...", one per line. */
void print_event(json_t *ev)
{
  const char *name;
  json_t *v;
  printf("%lld %s", jint(ev, "time_ms"), jstr(ev, "event"));
  json_object_foreach(ev, name, v) {
    if (!strcmp(name, "event") || !strcmp(name, "time_ms")) {
      continue;
    }
    char *s = jfmt(v);
    printf(" %s=%s", name, s);
    free(s);
  }
  putchar('\n');
}

/* ---------------------------------------------------------------------- */
/* tcp: connections like `ss -ti` (fixed widths, and a detail line under  */
/* each connection, so not a column table)                                */
/* ---------------------------------------------------------------------- */

static char *endpoint(json_t *o, const char *addr, const char *port)
{
  /* An IPv6 address goes in brackets before its port (RFC 3986 3.2.2). */
  const char *a = jstr(o, addr);
  const char *l = strchr(a, ':') != NULL ? "[" : "", *r = *l != '\0' ? "]" : "";
  if (!port) {
    return xasprintf("%s%s%s:*", l, a, r);
  }
  return xasprintf("%s%s%s:%lld", l, a, r, jint(o, port));
}

/* The second line of a connection: what ss -ti shows indented. */
static void tcp_details(json_t *c)
{
  json_t *o = json_object_get(c, "options");
  printf("\t");
  if (jtrue(o, "sack")) {
    printf(" sack");
  }
  if (jtrue(o, "timestamps")) {
    printf(" ts");
  }
  if (jtrue(o, "wscale")) {
    printf(" wscale:%lld,%lld", jint(o, "snd_wscale"), jint(o, "rcv_wscale"));
  }
  json_t *ecn = json_object_get(c, "ecn");
  if (jtrue(ecn, "negotiated")) {
    /* As ss: "ecn", then what the marks did. */
    printf(" ecn ce:%lld ece_cuts:%lld", jint(ecn, "ce_rcvd"), jint(ecn, "reductions"));
  }
  printf(" mss:%lld rcvmss:%lld cwnd:%lld", jint(c, "mss"), jint(c, "rcv_mss"), jint(c, "cwnd"));
  if (jint(c, "ssthresh") < 0x7fffffffLL) {
    printf(" ssthresh:%lld", jint(c, "ssthresh"));
  }
  printf(" rtt:%.3f/%.3f rto:%lld retrans:%lld/%lld dupacks:%lld snd_wnd:%lld rcv_wnd:%lld", jnum(c, "srtt_ms"),
         jnum(c, "rttvar_ms"), jint(c, "rto_ms"), jint(c, "retransmits"), jint(c, "retransmits_total"),
         jint(c, "dupacks"), jint(c, "snd_wnd"), jint(c, "rcv_wnd"));
  if (jint(c, "ooseq_bytes")) {
    printf(" ooseq:%lld", jint(c, "ooseq_bytes"));
  }
  json_t *rack = json_object_get(c, "rack");
  if (rack != NULL && (jint(rack, "lost") != 0 || jint(rack, "tlp_probes") != 0)) {
    printf(" rack:lost=%lld,tlp=%lld,reo=%lldms", jint(rack, "lost"), jint(rack, "tlp_probes"),
           jint(rack, "reo_wnd_ms"));
  }
  if (jtrue(c, "in_recovery")) {
    printf(" recovery sacked:%lld", jint(c, "sacked_bytes"));
  }
  if (json_is_integer(json_object_get(c, "gives_up_in_ms"))) {
    printf(" stalled:%lldms gives_up_in:%lldms", jint(c, "stalled_ms"), jint(c, "gives_up_in_ms"));
  }
  json_t *soft = json_object_get(c, "soft_error");
  if (json_is_object(soft)) {
    printf(" icmp_soft:%lld/%lld", jint(soft, "type"), jint(soft, "code"));
  }
  putchar('\n');
}

static void tcp_row(const char *state, long long rq, long long sq, char *local, char *remote)
{
  printf("%-12s %8lld %8lld  %-21s %s\n", state, rq, sq, local, remote);
  free(local);
  free(remote);
}

void print_tcp_list(const struct request *rq, json_t *res)
{
  size_t i;
  json_t *c;
  (void)rq;
  printf("%-12s %8s %8s  %-21s %s\n", "State", "Recv-Q", "Send-Q", "Local", "Peer");
  /* As ss: for a listener Recv-Q is the connections waiting to be
   * accepted and Send-Q the backlog. */
  json_array_foreach(json_object_get(res, "listeners"), i, c) {
    tcp_row("LISTEN", jint(c, "pending"), jint(c, "backlog"), endpoint(c, "local", "local_port"),
            endpoint(c, "local", NULL));
  }
  json_array_foreach(json_object_get(res, "connections"), i, c) {
    tcp_row(jstr(c, "state"), jint(c, "recv_q") + jint(c, "ooseq_bytes"), jint(c, "send_q"),
            endpoint(c, "local", "local_port"), endpoint(c, "remote", "remote_port"));
    tcp_details(c);
  }
}

void print_tcp_limits(const struct request *rq, json_t *res)
{
  (void)rq;
  kv("user timeout", "%lld ms", jint(res, "user_timeout_ms"));
  kv("orphan", "%lld ms", jint(res, "orphan_timeout_ms"));
  kv("fin_wait_2", "%lld ms", jint(res, "fin_wait_2_ms"));
  kv("msl", "%lld ms (TIME_WAIT lasts twice this)", jint(res, "msl_ms"));
  kv("delayed ACK", "%lld ms", jint(res, "delack_ms"));
}

void print_tcp_cc(const struct request *rq, json_t *res)
{
  (void)rq;
  kv("congestion control", "%s (new connections)", jstr(res, "default"));
  kv("initial window", "%s", jstr(res, "initial_window"));
  kv("loss detection", "%s (SACK connections)", jstr(res, "loss_detection"));
}

void print_tcp_ecn(const struct request *rq, json_t *res)
{
  (void)rq;
  kv("ecn", "%s (connections given no mode)", jstr(res, "default"));
}

void print_tcp_connect(const struct request *rq, json_t *res)
{
  (void)rq;
  printf("%s:%lld: %lld bytes sent, %lld received in %.3f ms (connect %.3f ms): "
         "%.2f Mbit/s sent, %.2f Mbit/s received\n",
         jstr(res, "host"), jint(res, "port"), jint(res, "bytes_sent"), jint(res, "bytes_received"),
         jnum(res, "duration_ms"), jnum(res, "connect_ms"), jnum(res, "throughput_mbps"),
         jnum(res, "rx_throughput_mbps"));
}

/* ---------------------------------------------------------------------- */
/* DHCP client and DNS resolver                                           */
/* ---------------------------------------------------------------------- */

/* A lease time: seconds, or null for an infinite lease. */
static char *secs(json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  if (json_is_null(v)) {
    return xasprintf("infinite");
  }
  if (!json_is_integer(v)) {
    return xasprintf("-");
  }
  return xasprintf("%lld s", (long long)json_integer_value(v));
}

/* "lease:  3600 s (3500 s left)" */
static void kv_secs(const char *label, json_t *res, const char *total, const char *left)
{
  char *t = secs(res, total), *l = secs(res, left);
  kv(label, "%s (%s left)", t, l);
  free(t);
  free(l);
}

void print_dhcp(const struct request *rq, json_t *res)
{
  (void)rq;
  kv("netif:", "%s", jstr(res, "netif"));
  kv("state:", "%s", jstr(res, "state"));
  if (json_object_get(res, "released_ip")) {
    kv("released:", "%s%s", jstr(res, "released_ip"),
       jtrue(res, "released") ? "" : " (no DHCPRELEASE sent: there was no lease)");
  }
  if (!json_object_get(res, "ip")) {
    return;
  }
  if (jtrue(res, "supplied")) {
    kv("ip:", "%s/%lld", jstr(res, "ip"), jint(res, "prefix"));
  } else {
    kv("ip:", "none (offered %s)", jstr(res, "offered_ip"));
  }
  kv("router:", "%s", jstr(res, "router"));
  kv("server:", "%s", jstr(res, "server"));
  char *dns = join_strings(json_object_get(res, "dns"), ", ");
  kv("dns:", "%s", *dns ? dns : "-");
  free(dns);
  kv_secs("lease:", res, "lease_s", "lease_left_s");
  kv_secs("T1 renew:", res, "t1_s", "t1_left_s");
  kv_secs("T2 rebind:", res, "t2_s", "t2_left_s");
  json_t *aip = json_object_get(res, "autoip");
  if (aip) {
    kv("autoip:", "%s %s", jstr(aip, "state"), jstr(aip, "ip"));
  }
}

/* Who answered a lookup, as "10.77.0.1 (server 0)". */
static char *answered_by(json_t *o, json_t *ctx)
{
  (void)ctx;
  json_t *idx = json_object_get(o, "server_index");
  if (json_is_integer(idx)) {
    return xasprintf("%s (server %lld)", jstr(o, "server"), (long long)json_integer_value(idx));
  }
  if (json_is_string(idx)) {
    return xasprintf("%s (%s)", jstr(o, "server"), json_string_value(idx));
  }
  return xasprintf("-");
}

static const struct column dns_server_cols[] = {
    {.header = "INDEX", .kind = COL_INT, .key = "index", .align = 'r'},
    {.header = "ADDRESS", .kind = COL_STR, .key = "address", .align = 'l'},
    {.header = "SOURCE", .kind = COL_STR, .key = "source", .align = 'l'},
};

void print_dns_servers(const struct request *rq, json_t *res)
{
  (void)rq;
  if (json_array_size(json_object_get(res, "servers")) == 0) {
    puts("no DNS servers");
    return;
  }
  PRINT_TABLE(dns_server_cols, json_object_get(res, "servers"), NULL);
}

/* The rows of a lookup are its addresses; name and TTL are the answer's. */
static char *resolve_name_cell(json_t *a, json_t *res)
{
  (void)a;
  return xasprintf("%s", jstr(res, "name"));
}

static char *resolve_addr_cell(json_t *a, json_t *res)
{
  (void)res;
  return xasprintf("%s", json_string_value(a) ? json_string_value(a) : "?");
}

static char *resolve_ttl_cell(json_t *a, json_t *res)
{
  (void)a;
  return xasprintf("%lld", jint(res, "ttl"));
}

static const struct column dns_resolve_cols[] = {
    {.header = "NAME", .kind = COL_FN, .align = 'l', .cell = resolve_name_cell},
    {.header = "ADDRESS", .kind = COL_FN, .align = 'l', .cell = resolve_addr_cell},
    {.header = "TTL", .kind = COL_FN, .align = 'r', .cell = resolve_ttl_cell},
};

void print_dns_resolve(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(dns_resolve_cols, json_object_get(res, "addresses"), res);
  char *by = answered_by(res, NULL);
  printf("%s record from %s, answered by %s in %lld ms after %lld %s\n", jstr(res, "qtype"), jstr(res, "source"), by,
         jint(res, "elapsed_ms"), jint(res, "tries"), jint(res, "tries") == 1 ? "query" : "queries");
  free(by);
}

static char *cache_addrs_cell(json_t *e, json_t *ctx)
{
  (void)ctx;
  return join_strings(json_object_get(e, "addresses"), ",");
}

static const struct column dns_cache_cols[] = {
    {.header = "NAME", .kind = COL_STR, .key = "name", .align = 'l'},
    {.header = "TYPE", .kind = COL_STR, .key = "type", .align = 'l'},
    {.header = "TTL", .kind = COL_INT, .key = "ttl", .align = 'r'},
    {.header = "ADDRESSES", .kind = COL_FN, .align = 'l', .cell = cache_addrs_cell},
    {.header = "SERVER", .kind = COL_FN, .align = 'l', .cell = answered_by},
};

void print_dns_cache(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(dns_cache_cols, json_object_get(res, "entries"), NULL);
}

void print_dns_flush(const struct request *rq, json_t *res)
{
  (void)rq;
  printf("flushed %lld cache entries\n", jint(res, "flushed"));
}

/* ---------------------------------------------------------------------- */
/* iperf sessions (the live client output is in iperf.c)                  */
/* ---------------------------------------------------------------------- */

void print_iperf_start(const struct request *rq, json_t *res)
{
  (void)rq;
  printf("iperf %lld: %s (iperf%s) on port %lld\n", jint(res, "id"), jstr(res, "mode"),
         jint(res, "version") == 3 ? "3" : " 2", jint(res, "port"));
}

static char *iperf_mode_cell(json_t *s, json_t *ctx)
{
  (void)ctx;
  if (json_object_get(s, "target")) {
    return xasprintf("%s %s", jstr(s, "mode"), jstr(s, "target"));
  }
  return xasprintf("%s", jstr(s, "mode"));
}

/* The received rate of a finished test (iperf3), or the sender's (iperf 2). */
static char *iperf_result_cell(json_t *s, json_t *ctx)
{
  (void)ctx;
  json_t *r = json_object_get(s, "result");
  json_t *sum = json_object_get(json_object_get(r, "end"), "sum_received");
  char rate[32] = "-";
  if (sum || json_object_get(r, "bits_per_second")) {
    human_rate(rate, sizeof(rate), jnum(sum ? sum : r, "bits_per_second"));
  }
  return xasprintf("%s", rate);
}

static const struct column iperf_cols[] = {
    {.header = "ID", .kind = COL_INT, .key = "id", .align = 'r'},
    {.header = "MODE", .kind = COL_FN, .align = 'l', .cell = iperf_mode_cell},
    {.header = "VER", .kind = COL_INT, .key = "version", .align = 'l'},
    {.header = "PORT", .kind = COL_INT, .key = "port", .align = 'r'},
    {.header = "STATE", .kind = COL_STR, .key = "state", .align = 'l'},
    {.header = "TESTS", .kind = COL_INT, .key = "tests", .align = 'r'},
    {.header = "ELAPSED", .kind = COL_REAL, .key = "elapsed", .fmt = "%.1f", .align = 'r'},
    {.header = "RESULT", .kind = COL_FN, .align = 'l', .cell = iperf_result_cell},
};

/* iperf status ID answers with one session, without the list around it. */
void print_iperf_status(const struct request *rq, json_t *res)
{
  (void)rq;
  json_t *list = json_object_get(res, "sessions");
  if (!list) {
    list = json_pack("[O]", res);
  } else {
    json_incref(list);
  }
  PRINT_TABLE(iperf_cols, list, NULL);
  json_decref(list);
}

void print_iperf_stop(const struct request *rq, json_t *res)
{
  (void)rq;
  printf("stopped %lld iperf session(s)\n", jint(res, "stopped"));
}
