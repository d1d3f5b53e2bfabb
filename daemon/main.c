/**
 * @file main.c
 * lwipd: the lwipd core on a Linux TAP device, driven by one libevent loop.
 *
 * Everything runs on one thread: TAP reads, the control socket, and the
 * core's timers.  Timers are tickless: after any work, one libevent timer
 * is armed for the core's next deadline (sys_timeouts_sleeptime), so an
 * idle daemon does not wake up.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ethernet.h"
#include "lwip/etharp.h"
#include "lwip/icmp.h"
#if LWIP_IPV6
#include "lwip/icmp6.h"
#include "lwip/ip6_addr.h"
#endif
#include "lwip/timeouts.h"
#include "lwip/debug.h"

#include "dev.h"
#include "impair.h"
#include "lwip/tcp.h"
#include "pcapdev.h"
#include "tap.h"
#include "tap_uring.h"
#include "unix_port.h"

/** Frames read per wakeup: bounded so the control socket stays responsive
 *  under a flood. */
#define TAP_BATCH 64
#define MAX_LOG_OPTS 32
/** --busy-poll's largest value: a second of spinning is already far past
 *  any wake-up it could save. */
#define BUSY_POLL_MAX_US 1000000U

struct options {
  const char *tap;
  const char *ip, *gw, *mac, *ctl, *pcap, *impair, *host_ip;
  long mtu;
  bool dhcp;              /* --dhcp: start the DHCP client at launch */
  bool dhcp_keep_lease;   /* --dhcp-release-on-exit no */
  bool have_seed;
  uint64_t seed;
  const char *log[MAX_LOG_OPTS];
  int nlog;
  bool icmp_rl;           /* --icmp-ratelimit given */
  const char *congestion; /* --congestion NAME */
  bool iw10;              /* --initial-window rfc6928 */
  const char *ecn;        /* --ecn off|passive|on */
  bool dupthresh;         /* --loss-detection dupthresh */
  uint32_t icmp_rate, icmp_burst;
  const char *ip6[LWIPD_IP6_MAX_STATIC]; /* --ip6, repeatable */
  int nip6;
  const char *host_ip6, *iid;
  bool no_slaac;
  enum tap_offload offload; /* --offload auto|on|off */
  uint32_t busy_poll_us;    /* --busy-poll USEC, 0: off */
  enum tap_uring_mode io_uring; /* --io-uring auto|on|off */
};

static struct event *timer_ev, *tap_ev, *nl_ev;
static int nl_fd = -1;

/* ---------------------------------------------------------------------- */
/* Options                                                                 */
/* ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
  fprintf(f,
          "usage: lwipd --tap NAME [options]\n"
          "Run the lwipd TCP/IP stack on a Linux TAP device.\n\n"
          "  --tap NAME            TAP interface to attach to (created if missing)\n"
          "  --ip ADDR/PREFIX      lwipd's IPv4 address, e.g. 10.0.0.2/24\n"
          "  --gw ADDR             default gateway\n"
          "  --mac MAC             lwipd's MAC (default: derived from NAME, locally administered)\n"
          "  --mtu N               MTU, 68..65535 (default: the TAP's)\n"
          "  --ctl PATH            control socket (default /run/lwipd/NAME.sock)\n"
          "  --pcap FILE           capture every frame to FILE (SIGHUP reopens it)\n"
          "  --impair SPEC         impairment, e.g. 'rx:loss=2%%,delay=20ms~5ms;tx:dup=1%%'\n"
          "  --seed N              make every random choice reproducible\n"
          "  --log LEVEL           log level of every module: off error warn info debug trace\n"
          "  --log MODULE=LEVEL    level of one module (repeatable)\n"
          "  --host-ip ADDR/PREFIX configure the Linux side of the TAP and bring it up\n"
          "  --dhcp                get an address by DHCP at launch (dhcp.start)\n"
          "  --dhcp-release-on-exit yes|no\n"
          "                        send DHCPRELEASE on a clean shutdown (default yes)\n"
          "  --ip6 ADDR/PREFIX     a static IPv6 address, e.g. fd00::2/64 (repeatable); a\n"
          "                        link-local address is always made (IPv6 builds)\n"
          "  --host-ip6 ADDR/PREFIX\n"
          "                        give the Linux side of the TAP an IPv6 address, bring it up\n"
          "  --iid stable|eui64    interface identifiers: RFC 7217 stable and opaque, keyed by\n"
          "                        --seed (default), or modified EUI-64 from the MAC\n"
          "  --no-slaac            ignore Router Advertisement prefixes (no SLAAC addresses)\n"
          "  --icmp-ratelimit RATE[/BURST]\n"
          "                        ICMP errors per second after a burst of BURST; 0: no\n"
          "                        limit (default %u/%u)\n"
          "  --congestion NAME     TCP congestion control of new connections: newreno\n"
          "                        (default) or cubic (RFC 9438; builds with tcp_cubic)\n"
          "  --initial-window rfc5681|rfc6928\n"
          "                        TCP initial window: 2-4 segments (default) or 10 (RFC 6928)\n"
          "  --ecn off|passive|on  TCP ECN (RFC 3168): passive (default) accepts a peer's request,\n"
          "                        on also asks for it in our SYNs\n"
          "  --loss-detection rack|dupthresh\n"
          "                        how SACK connections find losses: RACK-TLP with PRR (RFC 8985,\n"
          "                        RFC 6937; default in builds with tcp_rack) or RFC 6675's\n"
          "                        three SACKed segments\n"
          "  --offload auto|on|off TAP offloads (virtio-net headers): checksums and TCP\n"
          "                        segments of up to 64 KB both ways; auto (default) takes\n"
          "                        what the kernel allows, on fails if it refuses\n"
          "  --io-uring auto|on|off batch the TAP's reads and writes through io_uring:\n"
          "                        one system call for a batch of frames; auto (default)\n"
          "                        uses it when the kernel allows, on fails if it refuses\n"
          "  --busy-poll USEC      low-latency mode: after each pass of the event loop, keep\n"
          "                        polling the TAP without sleeping for up to USEC\n"
          "                        microseconds after the last frame (0..1000000; default\n"
          "                        0: off); costs a core while it spins\n"
          "  --config FILE         read options from FILE ('key = value' lines, # comments)\n"
          "  --help, --version\n",
          (unsigned)ICMP_RATELIMIT, (unsigned)ICMP_RATELIMIT_BURST);
}

static int bad_option(const char *opt, const char *val, const char *why)
{
  fprintf(stderr, "lwipd: --%s%s%s: %s\n", opt, val ? " " : "", val ? val : "", why);
  return 2;
}

static bool parse_u64(const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0) {
    return false;
  }
  *out = v;
  return true;
}

static const struct option long_opts[] = {
  {"tap", required_argument, NULL, 't'},     {"ip", required_argument, NULL, 'i'},
  {"gw", required_argument, NULL, 'g'},      {"mac", required_argument, NULL, 'm'},
  {"mtu", required_argument, NULL, 'M'},     {"ctl", required_argument, NULL, 'c'},
  {"pcap", required_argument, NULL, 'p'},    {"impair", required_argument, NULL, 'I'},
  {"seed", required_argument, NULL, 's'},    {"log", required_argument, NULL, 'l'},
  {"host-ip", required_argument, NULL, 'H'}, {"config", required_argument, NULL, 'C'},
  {"dhcp", no_argument, NULL, 'D'},          {"dhcp-release-on-exit", required_argument, NULL, 'R'},
  {"icmp-ratelimit", required_argument, NULL, 'r'},
  {"congestion", required_argument, NULL, 'K'},
  {"initial-window", required_argument, NULL, 'W'},
  {"ecn", required_argument, NULL, 'N'},
  {"loss-detection", required_argument, NULL, 'L'},
  {"offload", required_argument, NULL, 'O'},
  {"busy-poll", required_argument, NULL, 'B'},
  {"io-uring", required_argument, NULL, 'U'},
  {"ip6", required_argument, NULL, '6'},     {"host-ip6", required_argument, NULL, 'J'},
  {"iid", required_argument, NULL, 'E'},     {"no-slaac", no_argument, NULL, 'S'},
  {"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, 'V'},
  {NULL, 0, NULL, 0},
};

/* "yes"/"no" and their usual spellings.  @return 1, 0, or -1 if neither. */
static int parse_yes_no(const char *s)
{
  static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
  for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
    if (strcmp(s, yes[i]) == 0) {
      return 1;
    }
    if (strcmp(s, no[i]) == 0) {
      return 0;
    }
  }
  return -1;
}

/* A decimal number 0..TOKBUCKET_MAX and nothing else (no sign, no
 * spaces, no hex).  @return true when @p s is one. */
static bool parse_ratelimit_num(const char *s, size_t len, uint32_t *out)
{
  uint32_t v = 0;
  if (len == 0 || len > 7) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    v = v * 10U + (uint32_t)(s[i] - '0');
  }
  *out = v;
  return v <= TOKBUCKET_MAX;
}

/* --icmp-ratelimit RATE[/BURST]: BURST defaults to the build's; with a
 * RATE above 0 it must be at least 1.  @return 0 or 2. */
static int parse_icmp_ratelimit(struct options *o, const char *arg)
{
  const char *slash = strchr(arg, '/');
  size_t rlen = slash ? (size_t)(slash - arg) : strlen(arg);
  uint32_t rate, burst = ICMP_RATELIMIT_BURST;
  if (!parse_ratelimit_num(arg, rlen, &rate) || (slash && !parse_ratelimit_num(slash + 1, strlen(slash + 1), &burst))) {
    return bad_option("icmp-ratelimit", arg, "expected RATE[/BURST], whole numbers 0..1000000, e.g. 100/50");
  }
  if (rate != 0 && burst == 0) {
    return bad_option("icmp-ratelimit", arg, "BURST must be at least 1 (RATE 0 turns the limit off)");
  }
  o->icmp_rl = true;
  o->icmp_rate = rate;
  o->icmp_burst = burst;
  return 0;
}

/* --busy-poll USEC: a decimal number of microseconds, 0 (off) to
 * BUSY_POLL_MAX_US, and nothing else (no sign, unit, spaces or hex).
 * @return 0 or 2. */
static int parse_busy_poll(struct options *o, const char *arg)
{
  uint32_t v = 0;
  size_t n = strlen(arg);
  bool ok = n > 0 && n <= 7;
  for (size_t i = 0; ok && i < n; i++) {
    ok = arg[i] >= '0' && arg[i] <= '9';
    v = v * 10U + (uint32_t)(arg[i] - '0');
  }
  if (!ok || v > BUSY_POLL_MAX_US) {
    return bad_option("busy-poll", arg, "expected microseconds, a whole number from 0 (off) to 1000000");
  }
  o->busy_poll_us = v;
  return 0;
}

/* Apply one option.  @return 0, -1 to exit 0 (help/version), or 2. */
static int apply_option(struct options *o, int c, const char *arg)
{
  switch (c) {
  case 't': o->tap = arg; break;
  case 'i': o->ip = arg; break;
  case 'g': o->gw = arg; break;
  case 'm': o->mac = arg; break;
  case 'c': o->ctl = arg; break;
  case 'p': o->pcap = arg; break;
  case 'I': o->impair = arg; break;
  case 'H': o->host_ip = arg; break;
  case 'C': break; /* read before the other options */
  case 'D': o->dhcp = true; break;
  case 'r': return parse_icmp_ratelimit(o, arg);
  case 'K':
#if LWIP_TCP
    if (!tcp_congestion_available(arg)) {
      return bad_option("congestion", arg, "expected newreno or cubic (a build with tcp_cubic)");
    }
#endif
    o->congestion = arg;
    break;
  case 'O':
    if (!tap_offload_parse(arg, &o->offload)) {
      return bad_option("offload", arg, "expected auto, on or off");
    }
    if (!LWIP_OFFLOAD && o->offload == TAP_OFFLOAD_ON) {
      return bad_option("offload", arg, "this build has no offloads (offload=disabled)");
    }
    break;
  case 'B': return parse_busy_poll(o, arg);
  case 'U':
    if (!tap_uring_parse(arg, &o->io_uring)) {
      return bad_option("io-uring", arg, "expected auto, on or off");
    }
    break;
  case 'W':
    if (strcmp(arg, "rfc5681") != 0 && strcmp(arg, "rfc6928") != 0) {
      return bad_option("initial-window", arg, "expected rfc5681 or rfc6928");
    }
    o->iw10 = strcmp(arg, "rfc6928") == 0;
    break;
  case 'N': {
#if LWIP_TCP
    enum tcp_ecn_mode mode;
    if (tcp_ecn_mode_parse(arg, &mode) != ERR_OK) {
      return bad_option("ecn", arg, "expected off, passive or on");
    }
#endif
    o->ecn = arg;
    break;
  }
  case 'L':
    if (strcmp(arg, "dupthresh") != 0 && (strcmp(arg, "rack") != 0 || !LWIP_TCP_RACK)) {
      return bad_option("loss-detection", arg, "expected rack (a build with tcp_rack) or dupthresh");
    }
    o->dupthresh = strcmp(arg, "dupthresh") == 0;
    break;
  case '6':
    if (o->nip6 == LWIPD_IP6_MAX_STATIC) {
      return bad_option("ip6", arg, "given too many times");
    }
    o->ip6[o->nip6++] = arg;
    break;
  case 'J': o->host_ip6 = arg; break;
  case 'E': o->iid = arg; break;
  case 'S': o->no_slaac = true; break;
  case 'R':
    if (parse_yes_no(arg) < 0) {
      return bad_option("dhcp-release-on-exit", arg, "expected yes or no");
    }
    o->dhcp_keep_lease = parse_yes_no(arg) == 0;
    break;
  case 'M': {
    char *end;
    o->mtu = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || o->mtu < 68 || o->mtu > 65535) {
      return bad_option("mtu", arg, "must be a number from 68 to 65535");
    }
    break;
  }
  case 's':
    if (!parse_u64(arg, &o->seed)) {
      return bad_option("seed", arg, "must be a non-negative integer");
    }
    o->have_seed = true;
    break;
  case 'l':
    if (o->nlog == MAX_LOG_OPTS) {
      return bad_option("log", arg, "given too many times");
    }
    o->log[o->nlog++] = arg;
    break;
  case 'h': usage(stdout); return -1;
  case 'V': printf("%s\n", LWIP_VERSION_STRING_FULL); return -1;
  default: return 2;
  }
  return 0;
}

static char *trim(char *s)
{
  while (*s == ' ' || *s == '\t') {
    s++;
  }
  char *e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) {
    *--e = '\0';
  }
  return s;
}

/* Read "key = value" lines of a config file into @p o.  The strings are
 * kept for the life of the process.  @return 0 or 2. */
static int read_config(struct options *o, const char *path)
{
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fprintf(stderr, "lwipd: --config %s: %s\n", path, strerror(errno));
    return 2;
  }
  char line[1024];
  int lineno = 0, rc = 0;
  while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
    lineno++;
    char *s = trim(line);
    if (*s == '\0' || *s == '#') {
      continue;
    }
    char *eq = strchr(s, '=');
    const struct option *opt = NULL;
    if (eq != NULL) {
      *eq = '\0';
      char *key = trim(s);
      for (const struct option *x = long_opts; x->name != NULL; x++) {
        if (strcmp(x->name, key) == 0 && x->val != 'C' && x->val != 'h' && x->val != 'V') {
          opt = x;
        }
      }
    }
    if (opt != NULL && opt->has_arg == no_argument) {
      /* A flag in the file reads "dhcp = yes" (or no, to leave it off). */
      int yes = parse_yes_no(trim(eq + 1));
      if (yes < 0) {
        fprintf(stderr, "lwipd: %s:%d: %s: expected yes or no\n", path, lineno, opt->name);
        rc = 2;
        break;
      }
      rc = yes ? apply_option(o, opt->val, NULL) : 0;
      continue;
    }
    if (opt == NULL) {
      fprintf(stderr, "lwipd: %s:%d: expected 'option = value' with an option lwipd --help lists\n", path, lineno);
      rc = 2;
      break;
    }
    rc = apply_option(o, opt->val, strdup(trim(eq + 1)));
  }
  fclose(f);
  return rc;
}

static int parse_options(int argc, char **argv, struct options *o)
{
  memset(o, 0, sizeof(*o));
  o->offload = TAP_OFFLOAD_AUTO;
  o->io_uring = TAP_URING_AUTO;
  /* The config file is read first so command-line options override it. */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      int rc = read_config(o, argv[i + 1]);
      if (rc != 0) {
        return rc;
      }
    } else if (strncmp(argv[i], "--config=", 9) == 0) {
      int rc = read_config(o, argv[i] + 9);
      if (rc != 0) {
        return rc;
      }
    }
  }
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
    if (c == '?' || c == ':') {
      const char *what = argv[optind - 1];
      fprintf(stderr, "lwipd: %s: %s (see lwipd --help)\n", what,
              c == ':' || (optopt != 0) ? "needs a value" : "unknown option");
      return 2;
    }
    int rc = apply_option(o, c, optarg);
    if (rc != 0) {
      return rc;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "lwipd: %s: unexpected argument (see lwipd --help)\n", argv[optind]);
    return 2;
  }
  if (o->tap == NULL || *o->tap == '\0' || strlen(o->tap) >= IFNAMSIZ) {
    return bad_option("tap", o->tap, o->tap ? "must be 1 to 15 characters" : "is required (see lwipd --help)");
  }
  return 0;
}

/* The IPv6 options into @p c.  @return 0 or 2. */
static int check_ip6_values(const struct options *o, struct lwipd_ip6_conf *c)
{
  memset(c, 0, sizeof(*c));
  c->slaac = !o->no_slaac;
#if LWIP_IPV6
  if (o->iid != NULL) {
    if (strcmp(o->iid, "eui64") != 0 && strcmp(o->iid, "stable") != 0) {
      return bad_option("iid", o->iid, "expected stable (RFC 7217) or eui64");
    }
    c->eui64 = strcmp(o->iid, "eui64") == 0;
  }
  /* Slot 0 holds the link-local address. */
  if (o->nip6 > LWIP_IPV6_NUM_ADDRESSES - 1) {
    char why[96];
    snprintf(why, sizeof(why), "at most %d static addresses in this build (ipv6_num_addresses %d, one is link-local)",
             LWIP_IPV6_NUM_ADDRESSES - 1, LWIP_IPV6_NUM_ADDRESSES);
    return bad_option("ip6", o->ip6[LWIP_IPV6_NUM_ADDRESSES - 1], why);
  }
  for (int i = 0; i < o->nip6; i++) {
    ip6_addr_t a;
    u8_t prefix = 0;
    if (!ip6addr_cidr_aton(o->ip6[i], &a, &prefix, true)) {
      return bad_option("ip6", o->ip6[i], "expected ADDR/PREFIX, e.g. fd00::2/64");
    }
    if (ip6_addr_isany_val(a) || ip6_addr_ismulticast(&a) || ip6_addr_isloopback(&a)) {
      return bad_option("ip6", o->ip6[i], "not a unicast address");
    }
    c->addr[c->naddr].addr = a;
    c->addr[c->naddr].prefix = prefix;
    c->naddr++;
  }
  if (o->host_ip6 != NULL) {
    ip6_addr_t a;
    u8_t prefix = 0;
    if (!ip6addr_cidr_aton(o->host_ip6, &a, &prefix, true) || ip6_addr_isany_val(a) || ip6_addr_ismulticast(&a) ||
        ip6_addr_isloopback(&a)) {
      return bad_option("host-ip6", o->host_ip6, "expected a unicast ADDR/PREFIX, e.g. fd00::1/64");
    }
  }
#else
  const char *which = o->nip6 ? "ip6" : o->host_ip6 ? "host-ip6" : o->iid ? "iid" : o->no_slaac ? "no-slaac" : NULL;
  if (which != NULL) {
    return bad_option(which, NULL, "this build has no IPv6 (ipv6=disabled)");
  }
#endif
  return 0;
}

/* Check the option values that need the stack's parsers. */
static int check_values(const struct options *o, ip4_addr_t *ip, ip4_addr_t *mask, ip4_addr_t *gw, uint8_t mac[6])
{
  ip->addr = mask->addr = gw->addr = 0;
  if (o->ip != NULL && !parse_cidr(o->ip, ip, mask)) {
    return bad_option("ip", o->ip, "expected ADDR/PREFIX, e.g. 10.0.0.2/24");
  }
  if (o->gw != NULL && !ip4addr_aton(o->gw, gw)) {
    return bad_option("gw", o->gw, "not an IPv4 address");
  }
  if (o->mac != NULL && (!parse_mac(o->mac, mac) || (mac[0] & 1))) {
    return bad_option("mac", o->mac, "expected a unicast MAC xx:xx:xx:xx:xx:xx");
  }
  ip4_addr_t hip, hmask;
  if (o->host_ip != NULL && !parse_cidr(o->host_ip, &hip, &hmask)) {
    return bad_option("host-ip", o->host_ip, "expected ADDR/PREFIX, e.g. 10.0.0.1/24");
  }
  if (o->impair != NULL) {
    struct impair_params p[2];
    char err[256];
    if (impair_parse(o->impair, p, err, sizeof(err)) != 0) {
      return bad_option("impair", o->impair, err);
    }
  }
  int rc = check_ip6_values(o, &lwipd.ip6);
  if (rc != 0) {
    return rc;
  }
  for (int i = 0; i < o->nlog; i++) {
    const char *eq = strchr(o->log[i], '=');
    const char *lvl = eq ? eq + 1 : o->log[i];
    if (lwip_log_level_find(lvl) < 0) {
      return bad_option("log", o->log[i], "level must be off, error, warn, info, debug or trace");
    }
    if (eq != NULL) {
      char mod[32];
      snprintf(mod, sizeof(mod), "%.*s", (int)(eq - o->log[i]), o->log[i]);
      if (lwip_log_module_find(mod) < 0) {
        return bad_option("log", o->log[i], "unknown module");
      }
    }
  }
  return 0;
}

static void apply_log_levels(const struct options *o)
{
  lwip_log_set_level(-1, LWIP_LOG_LEVEL_WARN);
  for (int i = 0; i < o->nlog; i++) {
    const char *eq = strchr(o->log[i], '=');
    if (eq == NULL) {
      lwip_log_set_level(-1, lwip_log_level_find(o->log[i]));
    } else {
      char mod[32];
      snprintf(mod, sizeof(mod), "%.*s", (int)(eq - o->log[i]), o->log[i]);
      lwip_log_set_level(lwip_log_module_find(mod), lwip_log_level_find(eq + 1));
    }
  }
}

/* ---------------------------------------------------------------------- */
/* The event loop                                                          */
/* ---------------------------------------------------------------------- */

void lwipd_event_begin(void)
{
  unix_port_clock_set(unix_port_clock_real());
}

void lwipd_schedule(void)
{
  /* The event is over: the clock runs again, so the sleep below is
   * measured from the real now. */
  unix_port_clock_release();
  /* Everything the event sent leaves now, in one system call. */
  tap_uring_flush(lwipd.tap);
  if (lwipd.capture != NULL) {
    pcapdev_flush(lwipd.capture);
  }
  u32_t ms = sys_timeouts_sleeptime();
  if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
    evtimer_del(timer_ev);
    return;
  }
  struct timeval tv = {(time_t)(ms / 1000U), (suseconds_t)((ms % 1000U) * 1000U)};
  evtimer_add(timer_ev, &tv);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
  (void)fd;
  (void)what;
  (void)arg;
  lwipd_event_begin();
  record_timers();
  sys_check_timeouts();
  lwipd_schedule();
}

static void tap_cb(evutil_socket_t fd, short what, void *arg)
{
  (void)fd;
  (void)what;
  (void)arg;
  lwipd_event_begin();
#if LWIP_TCP
  /* One cumulative ACK per connection for the whole batch of frames. */
  tcp_batch_begin();
#endif
  int nread = tap_read_batch(lwipd.tap, TAP_BATCH);
#if LWIP_TCP
  record_batch_end();
  tcp_batch_end();
#endif
  if (nread < 0) {
    /* The interface was deleted under us: keep serving the control socket
     * so the operator can see what happened and stop us cleanly. */
    LWIP_LOG(NETIF, ERROR, "TAP %s is gone (%s); the control socket stays up", lwipd.tap->name, strerror(errno));
    event_del(tap_ev);
    lwipd.tap_gone = true;
    netif_set_link_down(&lwipd.netif);
  }
  lwipd_schedule();
}

static uint64_t mono_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

static bool loop_stopped(void)
{
  return event_base_got_break(lwipd.base) || event_base_got_exit(lwipd.base);
}

/* --busy-poll: the round after a wake-up.  Waking a sleeping thread costs
 * tens of microseconds (more when the sender runs on another CPU), which
 * is most of a request/response round trip on a TAP; so instead of going
 * back to sleep, run non-blocking passes of the whole event loop (the TAP,
 * the control socket, timers: nothing waits behind the spinning) until
 * busy_poll.usec microseconds have passed without a frame from the TAP.
 * A pass that found nothing yields the CPU: when the peer (or the kernel
 * thread carrying its packet) shares this CPU it runs at once instead of
 * waiting for the scheduler to preempt the spinning; on an idle CPU
 * sched_yield returns at once. */
static void busy_poll_round(void)
{
  struct lwipd_busy_poll *bp = &lwipd.busy_poll;
  uint64_t deadline = mono_us() + bp->usec;
  bp->rounds++;
  while (!lwipd.tap_gone && mono_us() < deadline) {
    uint64_t before = lwipd.tap->counters.rx_frames + lwipd.tap->counters.rx_bad_hdr;
    if (event_base_loop(lwipd.base, EVLOOP_NONBLOCK) < 0 || loop_stopped()) {
      return;
    }
    bp->passes++;
    if (lwipd.tap->counters.rx_frames + lwipd.tap->counters.rx_bad_hdr != before) {
      bp->hits++;
      deadline = mono_us() + bp->usec;
    } else {
      sched_yield();
    }
  }
}

/* The main loop: libevent's own, or with --busy-poll one sleeping pass
 * (EVLOOP_ONCE: until something happens) followed by a polling round.  A
 * loopbreak (a signal, the shutdown command) ends either. */
static void run_event_loop(void)
{
  if (lwipd.busy_poll.usec == 0) {
    event_base_dispatch(lwipd.base);
    return;
  }
  while (event_base_loop(lwipd.base, EVLOOP_ONCE) == 0 && !loop_stopped()) {
    busy_poll_round();
    if (loop_stopped()) {
      break;
    }
  }
}

/* Any link message from the kernel: re-read the TAP's flags.  A message is
 * not parsed; it only says "something changed".  When the socket's buffer
 * overflowed, recv() reports ENOBUFS once and the lost messages are gone,
 * but the flags are read after the drain, so nothing is missed. */
static void netlink_cb(evutil_socket_t fd, short what, void *arg)
{
  (void)what;
  (void)arg;
  char buf[8192];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0 || (n < 0 && (errno == EINTR || errno == ENOBUFS))) {
      continue;
    }
    break;
  }
  if (lwipd.tap == NULL || !lwipd.netif_added || lwipd.tap_gone) {
    return;
  }
  lwipd_event_begin();
  bool up = tap_link_up(lwipd.tap);
  if (up != netif_is_link_up(&lwipd.netif)) {
    LWIP_LOG(NETIF, INFO, "TAP %s link %s", lwipd.tap->name, up ? "up" : "down");
    char name[NETIF_NAMESIZE];
    json_t *args = json_pack("{s:s, s:b}", "name", netif_index_to_name(netif_get_index(&lwipd.netif), name),
                             "link_up", up);
    record_command("netif.set", args);
    json_decref(args);
    up ? netif_set_link_up(&lwipd.netif) : netif_set_link_down(&lwipd.netif);
  }
  lwipd_schedule();
}

/* Subscribe to link notifications (RTMGRP_LINK).  Called before the TAP is
 * opened and its flags are first read: see main. */
static int netlink_open(void)
{
  nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
  if (nl_fd < 0 || bind(nl_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    LWIP_LOG(NETIF, WARN, "no netlink link notifications (%s): link changes need netif.set", strerror(errno));
    if (nl_fd >= 0) {
      close(nl_fd);
    }
    nl_fd = -1;
    return -1;
  }
  nl_ev = event_new(lwipd.base, nl_fd, EV_READ | EV_PERSIST, netlink_cb, NULL);
  event_add(nl_ev, NULL);
  return 0;
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
  (void)what;
  (void)arg;
  if (sig == SIGHUP) {
    char err[256];
    if (lwipd.capture != NULL && pcapdev_reopen(lwipd.capture, err, sizeof(err)) != 0) {
      LWIP_LOG(APP, ERROR, "SIGHUP: %s", err);
    } else {
      LWIP_LOG(APP, INFO, "SIGHUP: capture file reopened");
    }
    return;
  }
  LWIP_LOG(APP, INFO, "%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  event_base_loopbreak(lwipd.base);
}

/* ---------------------------------------------------------------------- */
/* Setup and shutdown                                                      */
/* ---------------------------------------------------------------------- */

/* Test hook, read only here, in the start-up path: with
 * LWIPD_TEST_STARTUP_DELAY_MS=N in the environment (N in 1..10000) lwipd
 * sleeps N ms right after it has first read the TAP's link state, before it
 * opens the control socket.  tests/interop/test_startup_race.py sets it to
 * widen the time in which a link change made at start-up must not be lost;
 * it is not an option and nothing else should set it. */
static void test_startup_delay(void)
{
  const char *v = getenv("LWIPD_TEST_STARTUP_DELAY_MS");
  uint64_t ms;
  if (v == NULL || !parse_u64(v, &ms) || ms == 0 || ms > 10000) {
    return;
  }
  LWIP_LOG(APP, WARN, "test hook: start-up paused for %lu ms (LWIPD_TEST_STARTUP_DELAY_MS)", (unsigned long)ms);
  struct timespec ts = {(time_t)(ms / 1000U), (long)(ms % 1000U) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* What the TAP's virtio-net header lets the stack leave to the kernel.
 * Sending needs only the header: TCP checksums left partial and TCP
 * segments of up to 64 KB (gso_max: a whole frame, Ethernet header
 * included, must fit a pbuf).  Receive offloads need nothing from the
 * stack: tap.c marks what the kernel vouched for. */
static void set_offloads(struct netif *n, const struct tap_dev *tap)
{
  if (!tap->vnet_hdr) {
    return;
  }
  n->chksum_flags &= (u16_t)~NETIF_CHECKSUM_GEN_TCP;
  n->gso_max = (u16_t)(TAP_FRAME_MAX - 14U);
}

static int setup_netif(const struct options *o, const ip4_addr_t *ip, const ip4_addr_t *mask, const ip4_addr_t *gw,
                       const uint8_t *mac)
{
  char err[256];
  /* A build without the offload option checks every checksum itself, so
   * the TAP must not pass up frames whose checksum the kernel left partial:
   * --offload auto means off there. */
  lwipd.tap = tap_open_offload(o->tap, true, LWIP_OFFLOAD ? o->offload : TAP_OFFLOAD_OFF, err, sizeof(err));
  if (lwipd.tap == NULL) {
    fprintf(stderr, "lwipd: %s\n", err);
    return 1;
  }
  lwipd.io_uring_mode = o->io_uring;
  if (o->io_uring != TAP_URING_OFF && tap_uring_start(lwipd.tap, err, sizeof(err)) != 0) {
    if (o->io_uring == TAP_URING_ON) {
      fprintf(stderr, "lwipd: --io-uring on: %s; use --io-uring auto or off to run without\n", err);
      return 1;
    }
    LWIP_LOG(NETIF, WARN, "%s; reading and writing the TAP a frame a call", err);
    snprintf(lwipd.io_uring_refused, sizeof(lwipd.io_uring_refused), "%s", err);
  }
  if (o->host_ip != NULL && tap_configure_host(lwipd.tap->name, o->host_ip, err, sizeof(err)) != 0) {
    fprintf(stderr, "lwipd: --host-ip %s: %s\n", o->host_ip, err);
    return 1;
  }
#if LWIP_IPV6
  if (o->host_ip6 != NULL && tap_configure_host6(lwipd.tap->name, o->host_ip6, err, sizeof(err)) != 0) {
    fprintf(stderr, "lwipd: --host-ip6 %s: %s\n", o->host_ip6, err);
    return 1;
  }
#endif
  lwipd.impair = impair_open(lwipd.seeded ? lwipd.seed : ((uint64_t)lwip_port_rand() << 32 | lwip_port_rand()));
  if (lwipd.impair == NULL) {
    fprintf(stderr, "lwipd: out of memory\n");
    return 1;
  }
  dev_push(&lwipd.impair->dev, &lwipd.tap->dev);
  if (o->impair != NULL) {
    impair_set_spec(lwipd.impair, o->impair, err, sizeof(err));
  }
  memcpy(dev_netif_config.mac, o->mac ? mac : lwipd.tap->mac, 6);
  dev_netif_config.mtu = (uint16_t)(o->mtu ? o->mtu : (lwipd.tap->mtu ? lwipd.tap->mtu : 1500));
  dev_netif_config.name[0] = 't';
  dev_netif_config.name[1] = 'p';
  if (netif_add(&lwipd.netif, ip, mask, gw, &lwipd.tap->dev, dev_netif_init, ethernet_input) == NULL) {
    fprintf(stderr, "lwipd: cannot add the netif\n");
    return 1;
  }
  lwipd.netif_added = true;
  set_offloads(&lwipd.netif, lwipd.tap);
  /* The addresses go on before the netif comes up, so DAD and router
   * solicitation start with it (RFC 4862 5.4, RFC 4861 6.3.7). */
  if (ip6cmds_setup(&lwipd.netif, &lwipd.ip6, err, sizeof(err)) != 0) {
    fprintf(stderr, "lwipd: --ip6: %s\n", err);
    return 1;
  }
  netif_set_default(&lwipd.netif);
  netif_set_up(&lwipd.netif);
  if (tap_link_up(lwipd.tap)) {
    netif_set_link_up(&lwipd.netif);
  }
  if (o->pcap != NULL && cmds_capture_start(o->pcap, err, sizeof(err)) != 0) {
    fprintf(stderr, "lwipd: --pcap %s: %s\n", o->pcap, err);
    return 1;
  }
  return 0;
}

/* --dhcp: the same as dhcp.start from the control socket.  @return 0 or 1. */
static int start_dhcp(void)
{
  json_t *args = json_object();
  struct ctl_reply r = {0};
  json_t *res = cmds_find("dhcp.start")(NULL, args, &r);
  json_decref(args);
  if (res == NULL) {
    fprintf(stderr, "lwipd: --dhcp: %s\n", r.message);
    return 1;
  }
  json_decref(res);
  return 0;
}

/* Is any frame still waiting for an ARP reply? */
static bool arp_pending(void)
{
#if !LWIP_STATS
  /* Without stats the core keeps no view of its ARP table (etharp.h), so
   * the queue cannot be seen: say "pending" and let the release wait out
   * its one-second limit rather than quit before the DHCPRELEASE left. */
  return true;
#else
  struct etharp_entry_info e;
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    if (etharp_get_entry_info(i, &e) && e.queued > 0) {
      return true;
    }
  }
  return false;
#endif
}

static void release_wait_cb(evutil_socket_t fd, short what, void *arg)
{
  (void)fd;
  (void)what;
  (void)arg;
  if (!arp_pending()) {
    event_base_loopbreak(lwipd.base);
  }
}

/* RFC 2131 4.4.6: a client that no longer needs its address may give it
 * back, so the server can hand it out again at once.  The DHCPRELEASE is
 * unicast to the server, whose MAC may not be known yet: the loop runs on
 * until the ARP exchange has let it go out, for at most a second. */
static void release_leases(void)
{
  lwipd_event_begin();
  int n = netapps_dhcp_release_all();
  lwipd_schedule();
  if (n == 0 || !arp_pending()) {
    return;
  }
  struct timeval poll = {0, 10000}, limit = {1, 0};
  struct event *ev = event_new(lwipd.base, -1, EV_PERSIST, release_wait_cb, NULL);
  if (ev == NULL) {
    return;
  }
  event_add(ev, &poll);
  event_base_loopexit(lwipd.base, &limit);
  event_base_dispatch(lwipd.base);
  event_free(ev);
}

static void shutdown_all(void)
{
  if (record_active()) {
    json_decref(record_stop_now(NULL));
  }
  netapps_stop_all();
  cmds_stop_jobs();
  ctl_close();
  if (lwipd.capture != NULL) {
    cmds_capture_stop();
  }
  free(lwipd.capture_path);
  if (lwipd.netif_added) {
    netif_remove(&lwipd.netif);
  }
  impair_close(lwipd.impair);
  tap_close(lwipd.tap);
  if (nl_ev != NULL) {
    event_free(nl_ev);
    close(nl_fd);
  }
}

int main(int argc, char **argv)
{
  struct options o;
  int rc = parse_options(argc, argv, &o);
  if (rc != 0) {
    return rc < 0 ? 0 : rc;
  }
  ip4_addr_t ip, mask, gw;
  uint8_t mac[6] = {0};
  rc = check_values(&o, &ip, &mask, &gw, mac);
  if (rc != 0) {
    return rc;
  }
  if (o.have_seed) {
    unix_port_seed(o.seed);
    lwipd.seeded = true;
    lwipd.seed = o.seed;
  }
  signal(SIGPIPE, SIG_IGN);
  lwip_init();
  apply_log_levels(&o);
#if LWIP_TCP
  if (o.congestion != NULL) {
    (void)tcp_set_default_congestion(o.congestion); /* checked by apply_option */
  }
  tcp_set_initial_window(o.iw10 ? TCP_IW_RFC6928 : TCP_IW_RFC5681);
  if (o.ecn != NULL) {
    enum tcp_ecn_mode mode = TCP_ECN_MODE_PASSIVE;
    (void)tcp_ecn_mode_parse(o.ecn, &mode); /* checked by apply_option */
    tcp_set_default_ecn(mode);
  }
  if (o.dupthresh) {
    (void)tcp_set_loss_detection(TCP_LOSS_DUPTHRESH);
  }
#endif
  if (o.icmp_rl) {
    icmp_set_ratelimit(o.icmp_rate, o.icmp_burst); /* checked by parse_icmp_ratelimit */
#if LWIP_IPV6
    /* ICMPv6 errors have a bucket of their own (RFC 4443 2.4(f)) with the
     * same settings. */
    icmp6_set_ratelimit(o.icmp_rate, o.icmp_burst);
#endif
  }
  lwipd.start_ms = sys_now();
  lwipd.base = event_base_new();
  timer_ev = evtimer_new(lwipd.base, timer_cb, NULL);
  if (lwipd.base == NULL || timer_ev == NULL) {
    fprintf(stderr, "lwipd: cannot create the event loop\n");
    return 1;
  }
  char ctl_default[PATH_MAX];
  snprintf(ctl_default, sizeof(ctl_default), "/run/lwipd/%s.sock", o.tap);
  lwipd.ctl_path = o.ctl ? o.ctl : ctl_default;
  /* Link notifications first, then the TAP's state (tap_open, --host-ip,
   * setup_netif).  The other way round, a change between the read and the
   * subscription (the carrier coming on as the TAP is attached, --host-ip's
   * or an operator's `ip link set up`) was never seen and the netif kept a
   * stale link state, ignoring all traffic.  Whatever the kernel sends from
   * here on waits in the socket, and the loop's first pass re-reads the
   * flags (netlink_cb). */
  netlink_open();
  rc = setup_netif(&o, &ip, &mask, &gw, mac);
  if (rc == 0) {
    test_startup_delay();
  }
  if (rc == 0 && ctl_open(lwipd.base, lwipd.ctl_path) != 0) {
    rc = 1;
  }
  if (rc != 0) {
    shutdown_all();
    return rc;
  }
  cmds_events_init();
  if (o.dhcp && (rc = start_dhcp()) != 0) {
    shutdown_all();
    return rc;
  }
  tap_ev = event_new(lwipd.base, tap_fd(lwipd.tap), EV_READ | EV_PERSIST, tap_cb, NULL);
  event_add(tap_ev, NULL);
  struct event *sigs[3];
  const int signums[3] = {SIGINT, SIGTERM, SIGHUP};
  for (int i = 0; i < 3; i++) {
    sigs[i] = evsignal_new(lwipd.base, signums[i], signal_cb, NULL);
    event_add(sigs[i], NULL);
  }
  LWIP_LOG(APP, INFO, "%s on %s, control socket %s", LWIP_VERSION_STRING_FULL, lwipd.tap->name, lwipd.ctl_path);
  fprintf(stderr, "lwipd: running on %s (%s), control socket %s\n", lwipd.tap->name,
          o.ip ? o.ip : "no address", lwipd.ctl_path);
  lwipd_schedule();
  lwipd.busy_poll.usec = o.busy_poll_us;
  run_event_loop();
  if (!o.dhcp_keep_lease && !lwipd.tap_gone) {
    release_leases();
  }

  event_free(tap_ev);
  for (int i = 0; i < 3; i++) {
    event_free(sigs[i]);
  }
  shutdown_all();
  event_free(timer_ev);
  event_base_free(lwipd.base);
  return 0;
}
