/**
 * @file lwip-replay.c
 * lwip-replay: rebuild the stack a replay case describes, feed it the
 * case's input capture under a virtual clock, and compare what it sends
 * with the case's expected capture (the contract is docs/replay-format.md).
 *
 *   lwip-replay [--trace] [--bless] [--quiet] CASE_DIR...
 *
 * The stack runs in this process with the Linux port, its clock frozen
 * (unix_port_clock_set) at the replay's virtual time, so every sys_now()
 * sees exactly the instant the schedule says.  The netif is driven by the
 * device glue of port-unix (dev_netif_init) over a virtual bottom device
 * whose tx compares each frame the moment the stack sends it: the first
 * difference calls replay_diverged(), a breakpoint target for gdb with the
 * sending call stack still live.
 *
 * Control commands of a case run through the daemon's own handlers
 * (daemon/cmds.c via lwipd_cmds); this file supplies the few functions
 * those handlers expect from the daemon's control socket and main loop.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "lwip/init.h"
#include "lwip/debug.h"
#include "lwip/etharp.h"
#include "lwip/ethernet.h"
#include "lwip/ip.h"
#include "lwip/ip4_addr.h"
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "lwip/tcp.h"
#include "lwip/tcp_trace.h"

#include "dev.h"
#include "lwipd.h"
#include "unix_port.h"

#include "decode.h"

#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

#define SLL_HLEN 16U
#define SLL2_HLEN 20U
#define SLL_OUTGOING 4U   /* PACKET_OUTGOING in the cooked header */
#define ETHTYPE_IPV4 0x0800U
#define MAX_FRAME 65535U
/* How long the post-case cleanup lets timers run (virtual ms): long enough
 * for every protocol timer (ARP entries, reassembly) to expire. */
#define CLEANUP_MS (10U * 60U * 1000U)
/* A timer loop that fires this many times without the clock moving is
 * re-arming itself at zero delay: stop instead of spinning forever. */
#define MAX_SAME_INSTANT_RUNS 100000U

/** Breakpoint target: called once per case, at the first output frame that
 *  differs from expected.pcap (or the first extra frame), from inside the
 *  stack's send path, so `break replay_diverged` in gdb stops with the whole
 *  call stack of the sender at the exact virtual millisecond.  Missing
 *  frames are only known at the end of the case, where it is called too.
 *  Kept out of line and visible on purpose. */
void replay_diverged(unsigned frame_index);
/** The frame index of the last divergence, readable from gdb. */
extern volatile unsigned replay_diverged_frame;
volatile unsigned replay_diverged_frame;

__attribute__((noinline, used)) void replay_diverged(unsigned frame_index)
{
  replay_diverged_frame = frame_index;
  /* An empty asm keeps the compiler from treating the call as removable. */
  __asm__ volatile("" ::: "memory");
}

/* ---------------------------------------------------------------------- */
/* Options and case state                                                  */
/* ---------------------------------------------------------------------- */

static bool opt_trace, opt_bless, opt_quiet;

struct frame {
  int64_t t;      /* ms after the start */
  uint32_t len;
  uint8_t *data;
};

struct frames {
  struct frame *v;
  size_t n, cap;
};

enum in_kind { IN_ETH, IN_IP, IN_SKIP };

struct in_frame {
  int64_t t;
  enum in_kind kind;
  const char *skip_why; /* for IN_SKIP */
  uint32_t len;
  uint8_t *data;        /* what is delivered (the cooked header removed) */
};

enum ev_kind { EV_FRAME, EV_TIMERS, EV_CMD, EV_BATCH_END };

struct event {
  int64_t t;
  enum ev_kind kind;
  size_t frame;
  const char *cmd;
  json_t *args; /* borrowed from the case's JSON; may be NULL */
  bool csum_ok; /* a frame the TAP vouched for (PBUF_FLAG_CSUM_OK) */
};

struct case_cfg {
  json_t *root;
  uint64_t seed;
  uint32_t start_ms;
  bool has_base;
  int64_t base_us;
  uint8_t mac[6];
  ip4_addr_t ip, mask, gw;
  uint16_t mtu;
  bool link_up;
  bool has_ip6; /* netif.ip6 given: IPv6 comes up as lwipd brought it up */
  struct lwipd_ip6_conf ip6;
  uint16_t gso_max; /* netif.offload: TAP offloads the case was recorded with */
  bool tcp_csum_partial;
  struct event *cmds;
  size_t ncmds;
  bool has_events;
  bool has_batches; /* events mark the ends of TAP read batches */
  struct event *events;
  size_t nevents;
  bool has_end;
  int64_t end_ms;
  int64_t tolerance_ms;
};

/* Everything about the case being run: the capture callback needs it. */
static struct {
  const char *dir;
  struct case_cfg cfg;
  struct in_frame *in;
  size_t nin;
  bool have_first_in;
  int64_t first_in_us;
  struct frames exp, act;
  bool have_exp;
  int64_t tolerance;
  int64_t vt;            /* virtual ms after the start */
  bool capturing;
  unsigned delivered;
  bool failed;           /* a case error (exit 2), or skipped */
  bool skipped;          /* the build lacks what the case needs: rc.err says what */
  char err[512];
  bool diverged;
  size_t div_index;
  int64_t div_t;
  char div_msg[512];
  size_t ndiff;
} rc;

static struct dev replay_dev;

/* --tcp-trace FILE: every case's TCP trace events, one JSON line each. */
static FILE *tcp_trace_out;

/* Record why the case stops (the first reason wins): an error, or with
 * @p skip a feature the build lacks. */
static void case_stop(bool skip, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void case_stop(bool skip, const char *fmt, va_list ap)
{
  if (!rc.failed) {
    vsnprintf(rc.err, sizeof(rc.err), fmt, ap);
    rc.failed = true;
    rc.skipped = skip;
  }
}

static bool case_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Record a case error.  @return false for chaining. */
static bool case_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  case_stop(false, fmt, ap);
  va_end(ap);
  return false;
}

static bool case_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* This build cannot replay the case: the recording used a feature the
 * build was configured without (meson -Dipv6=disabled, -Ddhcp6=disabled),
 * so the stack could never send what expected.pcap holds.  The case stops
 * as after an error but is reported as skipped, saying why, and does not
 * fail the run.  @return false for chaining. */
static bool case_skip(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  case_stop(true, fmt, ap);
  va_end(ap);
  return false;
}

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void trace(const char *fmt, ...)
{
  if (!opt_trace) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "[replay t=%" PRId64 "ms] ", rc.vt);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (p == NULL) {
    fprintf(stderr, "lwip-replay: out of memory\n");
    exit(2);
  }
  return p;
}

static void frames_push(struct frames *f, int64_t t, const uint8_t *data, uint32_t len)
{
  if (f->n == f->cap) {
    f->cap = f->cap ? f->cap * 2 : 64;
    struct frame *v = realloc(f->v, f->cap * sizeof(*v));
    if (v == NULL) {
      fprintf(stderr, "lwip-replay: out of memory\n");
      exit(2);
    }
    f->v = v;
  }
  struct frame *x = &f->v[f->n++];
  x->t = t;
  x->len = len;
  x->data = xmalloc(len);
  memcpy(x->data, data, len);
}

static void frames_free(struct frames *f)
{
  for (size_t i = 0; i < f->n; i++) {
    free(f->v[i].data);
  }
  free(f->v);
  memset(f, 0, sizeof(*f));
}

/* Floor division, so a timestamp a fraction of a ms before the base does
 * not round up to t = 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---------------------------------------------------------------------- */
/* What the command handlers expect from the daemon (lwipd.h)              */
/* ---------------------------------------------------------------------- */

static void replay_req_release(struct ctl_req *req)
{
  json_decref(req->id);
  req->id = NULL;
}

static void replay_reply_later(struct ctl_req *req, json_t *result, const char *code, const char *message)
{
  if (code != NULL) {
    trace("deferred reply: error %s: %s", code, message ? message : "");
  } else if (opt_trace && result != NULL) {
    char *s = json_dumps(result, JSON_COMPACT);
    trace("deferred reply: %s", s ? s : "?");
    free(s);
  }
  json_decref(result);
  replay_req_release(req);
}

/* The replay's one "client" never goes away: deferred commands (ping) run
 * to completion as they did live. */
static bool replay_req_alive(const struct ctl_req *req)
{
  (void)req;
  return true;
}

static void replay_broadcast(unsigned cls, const char *name, json_t *ev)
{
  (void)cls;
  (void)name;
  json_decref(ev);
}

static void replay_subscribe(const struct ctl_req *req, unsigned mask)
{
  (void)req;
  (void)mask;
}

static bool replay_has_subscribers(unsigned cls)
{
  (void)cls;
  return false;
}

/* No client to send to (a replay's TCP trace goes to --tcp-trace). */
static bool replay_send_event(uint64_t client, const char *name, json_t *ev)
{
  (void)client;
  (void)name;
  json_decref(ev);
  return false;
}

/* The replay has one command source and no socket clients. */
static json_t *replay_status_json(void)
{
  return json_pack("{s:i, s:i}", "clients", 0, "subscribers", 0);
}

/* The services the replay gives the command handlers it runs. */
static const struct ctl_ops replay_ops = {
    .reply_later = replay_reply_later,
    .req_release = replay_req_release,
    .req_alive = replay_req_alive,
    .broadcast = replay_broadcast,
    .subscribe = replay_subscribe,
    .has_subscribers = replay_has_subscribers,
    .status = replay_status_json,
    .send_event = replay_send_event,
};

/* ---------------------------------------------------------------------- */
/* case.json                                                               */
/* ---------------------------------------------------------------------- */

static bool check_keys(json_t *obj, const char *path, const char *const *allowed)
{
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    bool ok = false;
    for (const char *const *a = allowed; *a != NULL; a++) {
      if (strcmp(*a, key) == 0) {
        ok = true;
      }
    }
    if (!ok) {
      return case_error("case.json: %s%s: unknown key", path, key);
    }
  }
  return true;
}

/* Fetch an integer in [min, max]; a missing optional key leaves *out. */
static bool get_int(json_t *obj, const char *path, const char *key, bool required, long long min, long long max,
                    long long *out, bool *present)
{
  json_t *v = json_object_get(obj, key);
  if (present != NULL) {
    *present = v != NULL;
  }
  if (v == NULL) {
    return required ? case_error("case.json: %s%s: missing", path, key) : true;
  }
  if (!json_is_integer(v)) {
    return case_error("case.json: %s%s: not an integer", path, key);
  }
  long long x = json_integer_value(v);
  if (x < min || x > max) {
    return case_error("case.json: %s%s: %lld is outside %lld..%lld", path, key, x, min, max);
  }
  *out = x;
  return true;
}

static bool get_str(json_t *obj, const char *path, const char *key, bool required, const char **out)
{
  json_t *v = json_object_get(obj, key);
  if (v == NULL) {
    return required ? case_error("case.json: %s%s: missing", path, key) : true;
  }
  if (!json_is_string(v)) {
    return case_error("case.json: %s%s: not a string", path, key);
  }
  *out = json_string_value(v);
  return true;
}

static bool get_bool(json_t *obj, const char *path, const char *key, bool *out)
{
  json_t *v = json_object_get(obj, key);
  if (v == NULL) {
    return true;
  }
  if (!json_is_boolean(v)) {
    return case_error("case.json: %s%s: not a boolean", path, key);
  }
  *out = json_is_true(v);
  return true;
}

static bool get_ip(json_t *obj, const char *path, const char *key, bool required, ip4_addr_t *out)
{
  const char *s = NULL;
  if (!get_str(obj, path, key, required, &s)) {
    return false;
  }
  if (s != NULL && !ip4addr_aton(s, out)) {
    return case_error("case.json: %s%s: \"%s\" is not an IPv4 address", path, key, s);
  }
  return true;
}

static bool get_args(json_t *obj, const char *path, json_t **out)
{
  json_t *v = json_object_get(obj, "args");
  if (v != NULL && !json_is_object(v)) {
    return case_error("case.json: %sargs: not an object", path);
  }
  *out = v;
  return true;
}

/* netif.offload: what lwipd's TAP let the stack leave to the kernel
 * (--offload).  Both change the bytes TCP sends: segments of up to gso_max
 * bytes, and TCP checksums left partial. */
static bool load_offload(struct case_cfg *c, json_t *o)
{
  static const char *const keys[] = {"gso_max", "tcp_csum_partial", NULL};
  long long gso_max = 0;
  if (!json_is_object(o)) {
    return case_error("case.json: netif.offload: not an object");
  }
  if (!check_keys(o, "netif.offload.", keys) ||
      !get_int(o, "netif.offload.", "gso_max", true, 0, UINT16_MAX, &gso_max, NULL) ||
      !get_bool(o, "netif.offload.", "tcp_csum_partial", &c->tcp_csum_partial)) {
    return false;
  }
  c->gso_max = (uint16_t)gso_max;
  if (!LWIP_OFFLOAD && (c->gso_max != 0 || c->tcp_csum_partial)) {
    return case_skip("netif.offload: the case runs with TAP offloads; this build has none (offload=disabled)");
  }
  return true;
}

static bool load_netif(struct case_cfg *c, json_t *n)
{
  static const char *const keys[] = {"mac", "ip", "prefix", "gw", "mtu", "link_up", "ip6", "offload", NULL};
  const char *mac = NULL;
  long long prefix = 0, mtu = 1500;
  if (!json_is_object(n)) {
    return case_error("case.json: netif: not an object");
  }
  if (!check_keys(n, "netif.", keys) || !get_str(n, "netif.", "mac", true, &mac) ||
      !get_ip(n, "netif.", "ip", true, &c->ip) || !get_int(n, "netif.", "prefix", true, 0, 32, &prefix, NULL) ||
      !get_ip(n, "netif.", "gw", false, &c->gw) || !get_int(n, "netif.", "mtu", false, 68, 65535, &mtu, NULL) ||
      !get_bool(n, "netif.", "link_up", &c->link_up)) {
    return false;
  }
  if (!parse_mac(mac, c->mac)) {
    return case_error("case.json: netif.mac: \"%s\" is not xx:xx:xx:xx:xx:xx", mac);
  }
  ip4_addr_netmask_from_prefix(&c->mask, (u8_t)prefix);
  c->mtu = (uint16_t)mtu;
  json_t *ip6 = json_object_get(n, "ip6");
  if (ip6 != NULL && !LWIP_IPV6) {
    /* lwipd brought IPv6 up on the netif: its DAD, router solicitations
     * and MLD reports are in expected.pcap. */
    return case_skip("netif.ip6: the case runs IPv6; this build has none (ipv6=disabled)");
  }
  char err[256];
  if (ip6 != NULL && ip6cmds_conf_from_json(ip6, &c->ip6, err, sizeof(err)) != 0) {
    return case_error("case.json: netif.%s", err);
  }
  c->has_ip6 = ip6 != NULL;
  json_t *off = json_object_get(n, "offload");
  return off == NULL || load_offload(c, off);
}

static bool load_commands(struct case_cfg *c, json_t *a)
{
  static const char *const keys[] = {"at_ms", "cmd", "args", NULL};
  if (!json_is_array(a)) {
    return case_error("case.json: commands: not a list");
  }
  c->ncmds = json_array_size(a);
  c->cmds = calloc(c->ncmds ? c->ncmds : 1, sizeof(*c->cmds));
  for (size_t i = 0; i < c->ncmds; i++) {
    json_t *o = json_array_get(a, i);
    char path[48];
    long long at = 0;
    snprintf(path, sizeof(path), "commands[%zu].", i);
    if (!json_is_object(o)) {
      return case_error("case.json: commands[%zu]: not an object", i);
    }
    if (!check_keys(o, path, keys) || !get_int(o, path, "at_ms", true, 0, UINT32_MAX, &at, NULL) ||
        !get_str(o, path, "cmd", true, &c->cmds[i].cmd) || !get_args(o, path, &c->cmds[i].args)) {
      return false;
    }
    c->cmds[i].t = at;
    c->cmds[i].kind = EV_CMD;
  }
  return true;
}

static bool load_events(struct case_cfg *c, json_t *a)
{
  static const char *const keys[] = {"t", "frame", "csum_ok", "timers", "batch_end", "cmd", "args", NULL};
  if (!json_is_array(a)) {
    return case_error("case.json: events: not a list");
  }
  c->has_events = true;
  c->nevents = json_array_size(a);
  c->events = calloc(c->nevents ? c->nevents : 1, sizeof(*c->events));
  int64_t last = 0;
  for (size_t i = 0; i < c->nevents; i++) {
    json_t *o = json_array_get(a, i);
    struct event *e = &c->events[i];
    char path[48];
    long long t = 0, frame = 0;
    bool has_frame = false;
    snprintf(path, sizeof(path), "events[%zu].", i);
    if (!json_is_object(o)) {
      return case_error("case.json: events[%zu]: not an object", i);
    }
    if (!check_keys(o, path, keys) || !get_int(o, path, "t", true, 0, UINT32_MAX, &t, NULL) ||
        !get_int(o, path, "frame", false, 0, INT32_MAX, &frame, &has_frame) ||
        !get_str(o, path, "cmd", false, &e->cmd) || !get_args(o, path, &e->args)) {
      return false;
    }
    json_t *timers = json_object_get(o, "timers");
    if (timers != NULL && !json_is_true(timers)) {
      return case_error("case.json: %stimers: must be true", path);
    }
    json_t *batch_end = json_object_get(o, "batch_end");
    if (batch_end != NULL && !json_is_true(batch_end)) {
      return case_error("case.json: %sbatch_end: must be true", path);
    }
    int kinds = has_frame + (timers != NULL) + (batch_end != NULL) + (e->cmd != NULL);
    if (kinds != 1) {
      return case_error("case.json: events[%zu]: needs exactly one of frame, timers, batch_end, cmd", i);
    }
    if (e->args != NULL && e->cmd == NULL) {
      return case_error("case.json: %sargs: only a cmd event takes args", path);
    }
    if (!get_bool(o, path, "csum_ok", &e->csum_ok)) {
      return false;
    }
    if (e->csum_ok && !has_frame) {
      return case_error("case.json: %scsum_ok: only a frame event takes csum_ok", path);
    }
    if (t < last) {
      return case_error("case.json: %st: %lld is before the previous event (%" PRId64 ")", path, t, last);
    }
    last = t;
    e->t = t;
    e->frame = (size_t)frame;
    e->kind = has_frame ? EV_FRAME : timers != NULL ? EV_TIMERS : batch_end != NULL ? EV_BATCH_END : EV_CMD;
    c->has_batches |= e->kind == EV_BATCH_END;
  }
  return true;
}

static bool load_case(struct case_cfg *c, const char *dir)
{
  static const char *const keys[] = {"version", "description", "seed", "start_ms", "base_us", "netif", "commands",
                                     "events", "end_ms", "tolerance_ms", NULL};
  char path[4096];
  json_error_t jerr;
  snprintf(path, sizeof(path), "%s/case.json", dir);
  c->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (c->root == NULL) {
    return case_error("case.json: line %d: %s", jerr.line, jerr.text);
  }
  json_t *r = c->root;
  long long version = 0, seed = 0, start = 0, base = 0, end = 0, tol = 0;
  bool has_tol = false;
  const char *desc = NULL;
  c->link_up = true;
  if (!json_is_object(r)) {
    return case_error("case.json: not an object");
  }
  if (!check_keys(r, "", keys) || !get_int(r, "", "version", true, 1, 1, &version, NULL) ||
      !get_str(r, "", "description", false, &desc) || !get_int(r, "", "seed", true, 0, INT64_MAX, &seed, NULL) ||
      !get_int(r, "", "start_ms", true, 0, UINT32_MAX, &start, NULL) ||
      !get_int(r, "", "base_us", false, 0, INT64_MAX, &base, &c->has_base) ||
      !get_int(r, "", "end_ms", false, 0, UINT32_MAX, &end, &c->has_end) ||
      !get_int(r, "", "tolerance_ms", false, 0, UINT32_MAX, &tol, &has_tol)) {
    return false;
  }
  json_t *n = json_object_get(r, "netif");
  if (n == NULL) {
    return case_error("case.json: netif: missing");
  }
  if (!load_netif(c, n)) {
    return false;
  }
  json_t *cmds = json_object_get(r, "commands");
  if (cmds != NULL && !load_commands(c, cmds)) {
    return false;
  }
  json_t *evs = json_object_get(r, "events");
  if (evs != NULL && !load_events(c, evs)) {
    return false;
  }
  c->seed = (uint64_t)seed;
  c->start_ms = (uint32_t)start;
  c->base_us = base;
  c->end_ms = end;
  /* Recorded cases are exact; hand-written ones compare with the capture
   * timing of a real host, hence the looser default. */
  c->tolerance_ms = has_tol ? tol : (c->has_events ? 0 : 10);
  return true;
}

/* ---------------------------------------------------------------------- */
/* Captures                                                                */
/* ---------------------------------------------------------------------- */

static int64_t ts_us(const struct pcap_pkthdr *h)
{
  return (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
}

static pcap_t *open_pcap(const char *dir, const char *name, bool *missing)
{
  char path[4096], errbuf[PCAP_ERRBUF_SIZE];
  struct stat st;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  if (missing != NULL) {
    *missing = stat(path, &st) != 0 && errno == ENOENT;
  }
  pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (p == NULL) {
    case_error("%s: %s", name, errbuf);
  }
  return p;
}

static const char *dlt_name(int dlt)
{
  const char *n = pcap_datalink_val_to_name(dlt);
  return n ? n : "unknown";
}

static bool load_input(void)
{
  pcap_t *p = open_pcap(rc.dir, "input.pcap", NULL);
  if (p == NULL) {
    return false;
  }
  int dlt = pcap_datalink(p);
  if (dlt != DLT_EN10MB && dlt != DLT_RAW && dlt != DLT_IPV4 && dlt != DLT_LINUX_SLL && dlt != DLT_LINUX_SLL2) {
    pcap_close(p);
    return case_error("input.pcap: link type %s (%d) is not supported: use EN10MB, RAW, IPV4, LINUX_SLL or "
                      "LINUX_SLL2",
                      dlt_name(dlt), dlt);
  }
  struct pcap_pkthdr *h;
  const u_char *data;
  size_t cap = 0;
  int r;
  while ((r = pcap_next_ex(p, &h, &data)) == 1) {
    size_t i = rc.nin;
    if (rc.nin == cap) {
      cap = cap ? cap * 2 : 64;
      struct in_frame *v = realloc(rc.in, cap * sizeof(*v));
      if (v == NULL) {
        fprintf(stderr, "lwip-replay: out of memory\n");
        exit(2);
      }
      rc.in = v;
    }
    struct in_frame *f = &rc.in[rc.nin++];
    memset(f, 0, sizeof(*f));
    int64_t us = ts_us(h);
    if (!rc.have_first_in) {
      rc.have_first_in = true;
      rc.first_in_us = us;
    }
    int64_t base = rc.cfg.has_base ? rc.cfg.base_us : rc.first_in_us;
    if (us < base) {
      pcap_close(p);
      return case_error("input.pcap: frame %zu is stamped before base_us", i);
    }
    f->t = (us - base) / 1000;
    if (h->caplen < h->len) {
      pcap_close(p);
      return case_error("input.pcap: frame %zu was cut by the capture's snap length (%u of %u bytes)", i,
                        h->caplen, h->len);
    }
    size_t off = 0;
    f->kind = dlt == DLT_EN10MB ? IN_ETH : IN_IP;
    if (dlt == DLT_EN10MB) {
      /* A capture of both directions holds what the stack sent too. */
      if (h->caplen >= 12 && memcmp(data + 6, rc.cfg.mac, 6) == 0) {
        f->kind = IN_SKIP;
        f->skip_why = "sent by the stack";
      }
    } else if (dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2) {
      size_t hl = dlt == DLT_LINUX_SLL ? SLL_HLEN : SLL2_HLEN;
      if (h->caplen < hl) {
        f->kind = IN_SKIP;
        f->skip_why = "shorter than the cooked header";
      } else {
        unsigned pkttype = dlt == DLT_LINUX_SLL ? (unsigned)(data[0] << 8 | data[1]) : data[10];
        unsigned proto = dlt == DLT_LINUX_SLL ? (unsigned)(data[14] << 8 | data[15]) : (unsigned)(data[0] << 8 | data[1]);
        if (pkttype == SLL_OUTGOING) {
          f->kind = IN_SKIP;
          f->skip_why = "outgoing";
        } else if (proto != ETHTYPE_IPV4) {
          f->kind = IN_SKIP;
          f->skip_why = "not IPv4";
        }
        off = hl;
      }
    }
    if (h->caplen - off > MAX_FRAME) {
      pcap_close(p);
      return case_error("input.pcap: frame %zu is larger than %u bytes", i, MAX_FRAME);
    }
    if (f->kind != IN_SKIP) {
      f->len = (uint32_t)(h->caplen - off);
      f->data = xmalloc(f->len);
      memcpy(f->data, data + off, f->len);
    }
  }
  if (r == -1) {
    case_error("input.pcap: %s", pcap_geterr(p));
  }
  pcap_close(p);
  return !rc.failed;
}

/* Frame times of a written or read expected.pcap are relative to this. */
static int64_t time_base_us(void)
{
  if (rc.cfg.has_base) {
    return rc.cfg.base_us;
  }
  return rc.have_first_in ? rc.first_in_us : 0;
}

/* Read expected.pcap; @p required false (blessing) tolerates its absence. */
static bool load_expected(bool required)
{
  bool missing = false;
  pcap_t *p = open_pcap(rc.dir, "expected.pcap", &missing);
  if (p == NULL) {
    if (!required) {
      rc.failed = false; /* blessing writes it */
      rc.err[0] = '\0';
      return true;
    }
    return false;
  }
  if (pcap_datalink(p) != DLT_EN10MB) {
    int dlt = pcap_datalink(p);
    pcap_close(p);
    if (!required) {
      return true;
    }
    return case_error("expected.pcap: link type %s (%d): must be EN10MB", dlt_name(dlt), dlt);
  }
  struct pcap_pkthdr *h;
  const u_char *data;
  int r;
  int64_t base = time_base_us();
  while ((r = pcap_next_ex(p, &h, &data)) == 1) {
    frames_push(&rc.exp, floor_div(ts_us(h) - base, 1000), data, h->caplen);
  }
  if (r == -1) {
    case_error("expected.pcap: %s", pcap_geterr(p));
  }
  pcap_close(p);
  rc.have_exp = true;
  return !rc.failed;
}

static bool write_expected(char *err, size_t errlen)
{
  char path[4096], tmp[4200];
  snprintf(path, sizeof(path), "%s/expected.pcap", rc.dir);
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  pcap_t *p = pcap_open_dead(DLT_EN10MB, (int)MAX_FRAME);
  if (p == NULL) {
    snprintf(err, errlen, "pcap_open_dead failed");
    return false;
  }
  pcap_dumper_t *d = pcap_dump_open(p, tmp);
  if (d == NULL) {
    snprintf(err, errlen, "%.400s", pcap_geterr(p));
    pcap_close(p);
    return false;
  }
  int64_t base = time_base_us();
  for (size_t i = 0; i < rc.act.n; i++) {
    struct pcap_pkthdr h;
    int64_t us = base + rc.act.v[i].t * 1000;
    h.ts.tv_sec = (time_t)(us / 1000000);
    h.ts.tv_usec = (suseconds_t)(us % 1000000);
    h.caplen = h.len = rc.act.v[i].len;
    pcap_dump((u_char *)d, &h, rc.act.v[i].data);
  }
  bool ok = pcap_dump_flush(d) == 0;
  pcap_dump_close(d);
  pcap_close(p);
  if (!ok || rename(tmp, path) != 0) {
    snprintf(err, errlen, "%.400s: %.80s", ok ? path : tmp, strerror(errno));
    remove(tmp);
    return false;
  }
  return true;
}

/* ---------------------------------------------------------------------- */
/* Comparing output frames                                                 */
/* ---------------------------------------------------------------------- */

static void note_diff(size_t k, int64_t t, const char *msg)
{
  rc.ndiff++;
  if (!rc.diverged) {
    rc.diverged = true;
    rc.div_index = k;
    rc.div_t = t;
    snprintf(rc.div_msg, sizeof(rc.div_msg), "%s", msg);
    trace("output frame #%zu differs: %s", k, msg);
    replay_diverged((unsigned)k);
  }
}

static void compare_frame(size_t k)
{
  const struct frame *a = &rc.act.v[k];
  char msg[400];
  if (k >= rc.exp.n) {
    char sum[160];
    decode_summary(a->data, a->len, sum, sizeof(sum));
    snprintf(msg, sizeof(msg), "extra frame: the stack sent more than the %zu expected (%s)", rc.exp.n, sum);
    note_diff(k, a->t, msg);
    return;
  }
  const struct frame *e = &rc.exp.v[k];
  if (decode_first_diff(e->data, e->len, a->data, a->len, msg, sizeof(msg))) {
    note_diff(k, a->t, msg);
  } else if (llabs((long long)(a->t - e->t)) > rc.tolerance) {
    snprintf(msg, sizeof(msg), "timestamp only: expected t=%" PRId64 "ms, actual t=%" PRId64 "ms (tolerance %" PRId64 " ms)",
             e->t, a->t, rc.tolerance);
    note_diff(k, a->t, msg);
  }
}

/* The bottom device's tx: the wire.  Never fails, as a TAP write would not. */
static err_t replay_dev_tx(struct dev *d, struct pbuf *p)
{
  (void)d;
  if (!rc.capturing) {
    return ERR_OK;
  }
  uint8_t *buf = xmalloc(p->tot_len);
  pbuf_copy_partial(p, buf, p->tot_len, 0);
  frames_push(&rc.act, rc.vt, buf, p->tot_len);
  free(buf);
  size_t k = rc.act.n - 1;
  if (opt_trace) {
    char sum[160];
    decode_summary(rc.act.v[k].data, rc.act.v[k].len, sum, sizeof(sum));
    trace("out #%zu (%u bytes) %s", k, (unsigned)p->tot_len, sum);
  }
  compare_frame(k);
  return ERR_OK;
}

static const struct dev_ops replay_dev_ops = {
  .kind = "replay",
  .tx = replay_dev_tx,
  .rx = NULL,
  .close = NULL,
};

/* ---------------------------------------------------------------------- */
/* The schedule                                                            */
/* ---------------------------------------------------------------------- */

static void set_clock(void)
{
  unix_port_clock_set((uint32_t)(rc.cfg.start_ms + (uint64_t)rc.vt));
}

static void fire_timers(void)
{
  trace("timers");
  sys_check_timeouts();
}

/* Fire every timer due up to @p target at its own deadline, then move the
 * clock to @p target (unless @p stop_when_idle and nothing is pending). */
static void advance_to(int64_t target, bool stop_when_idle)
{
  unsigned same = 0;
  while (!rc.failed) {
    u32_t next = sys_timeouts_sleeptime();
    if (next == SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
      if (stop_when_idle) {
        return;
      }
      break;
    }
    if (rc.vt + (int64_t)next > target) {
      break;
    }
    same = next == 0 ? same + 1 : 0;
    if (same > MAX_SAME_INSTANT_RUNS) {
      case_error("a timer keeps re-arming itself with no delay at t=%" PRId64 "ms", rc.vt);
      return;
    }
    rc.vt += next;
    set_clock();
    fire_timers();
  }
  if (target > rc.vt) {
    rc.vt = target;
    set_clock();
  }
}

/* Deliver input frame @p idx; @p csum_ok: the live TAP vouched for its
 * checksum, so it carries PBUF_FLAG_CSUM_OK as it did there. */
static void deliver(size_t idx, bool csum_ok)
{
  struct in_frame *f = &rc.in[idx];
  if (f->kind == IN_SKIP) {
    trace("in frame #%zu skipped (%s)", idx, f->skip_why);
    return;
  }
  trace("in frame #%zu (%u bytes)", idx, f->len);
  /* Like the TAP driver: a PBUF_POOL chain.  IP packets get link header
   * room, as a reply built in place may need it. */
  struct pbuf *p = pbuf_alloc(f->kind == IN_ETH ? PBUF_RAW : PBUF_LINK, (u16_t)f->len, PBUF_POOL);
  if (p == NULL) {
    trace("in frame #%zu dropped: no pbuf", idx);
    return;
  }
  pbuf_take(p, f->data, (u16_t)f->len);
  if (csum_ok) {
    p->flags |= PBUF_FLAG_CSUM_OK;
  }
  rc.delivered++;
  if (f->kind == IN_ETH) {
    dev_deliver_up(&replay_dev, p);
  } else {
    struct netif *n = &lwipd.netif;
    p->if_idx = netif_get_index(n);
    n->counters.rx_packets++;
    n->counters.rx_bytes += p->tot_len;
    ip_input(p, n);
  }
}

/* Commands that act on the daemon's devices or event loop, which the
 * replay does not have. */
static bool cmd_unsupported(const char *name)
{
  return strncmp(name, "impair.", 7) == 0 || strncmp(name, "capture.", 8) == 0 || strcmp(name, "shutdown") == 0;
}

/* Read-only commands that need the daemon's devices to answer (status
 * describes the TAP and the impairment device): they change nothing the
 * stack does, so a recorded one is skipped rather than failing the case. */
static bool cmd_skipped(const char *name)
{
  return strcmp(name, "status") == 0;
}

static void run_cmd(const char *name, json_t *args)
{
  if (opt_trace) {
    char *s = args ? json_dumps(args, JSON_COMPACT) : NULL;
    trace("cmd %s %s", name, s ? s : "{}");
    free(s);
  }
  if (cmd_unsupported(name)) {
    case_error("command %s at t=%" PRId64 "ms cannot be replayed (it needs the daemon's devices or event loop)", name,
               rc.vt);
    return;
  }
  if (cmd_skipped(name)) {
    trace("cmd %s skipped (read-only, needs the daemon's devices)", name);
    return;
  }
  ctl_cmd_fn fn = cmds_find(name);
  if (fn == NULL) {
    case_error("command %s at t=%" PRId64 "ms: no such command", name, rc.vt);
    return;
  }
  struct ctl_req req = {1, json_null(), false};
  struct ctl_reply r;
  memset(&r, 0, sizeof(r));
  json_t *a = args ? json_incref(args) : json_object();
  json_t *res = fn(&req, a, &r);
  json_decref(a);
  if (r.code != NULL) {
    json_decref(res);
    /* A command whose feature is compiled out fails saying "this build
     * has no ..." (daemon/dhcp6cmds.c, netapps.c and the others): the case
     * cannot be replayed here. */
    if (strstr(r.message, "this build has no") != NULL) {
      case_skip("command %s at t=%" PRId64 "ms: %s", name, rc.vt, r.message);
    } else {
      case_error("command %s at t=%" PRId64 "ms failed: %s: %s", name, rc.vt, r.code, r.message);
    }
    return;
  }
  if (r.deferred) {
    trace("cmd %s: reply deferred", name);
    return;
  }
  if (opt_trace && res != NULL) {
    char *s = json_dumps(res, JSON_COMPACT);
    trace("cmd %s -> %s", name, s ? s : "?");
    free(s);
  }
  json_decref(res);
}

static void run_events(void)
{
  for (size_t i = 0; i < rc.cfg.nevents && !rc.failed; i++) {
    const struct event *e = &rc.cfg.events[i];
    rc.vt = e->t;
    set_clock();
    switch (e->kind) {
    case EV_FRAME:
      if (e->frame >= rc.nin) {
        case_error("events[%zu]: frame %zu, but input.pcap holds %zu", i, e->frame, rc.nin);
        return;
      }
#if LWIP_TCP
      /* Frames up to the next batch_end event came in one read batch. */
      if (rc.cfg.has_batches) {
        tcp_batch_begin();
      }
#endif
      deliver(e->frame, e->csum_ok);
      break;
    case EV_BATCH_END:
#if LWIP_TCP
      tcp_batch_end();
#endif
      trace("batch end");
      break;
    case EV_TIMERS:
      fire_timers();
      break;
    case EV_CMD:
      run_cmd(e->cmd, e->args);
      break;
    }
  }
}

static int cmp_event_time(const void *a, const void *b)
{
  const struct event *x = a, *y = b;
  if (x->t != y->t) {
    return x->t < y->t ? -1 : 1;
  }
  /* At one instant, commands first (an app started "at" a frame's time is
   * there to receive it), then frames in capture order. */
  if (x->kind != y->kind) {
    return x->kind == EV_CMD ? -1 : 1;
  }
  return x->frame < y->frame ? -1 : x->frame > y->frame;
}

static void run_timed(void)
{
  size_t n = 0;
  struct event *sched = xmalloc((rc.nin + rc.cfg.ncmds) * sizeof(*sched));
  int64_t last_input = 0;
  for (size_t i = 0; i < rc.nin; i++) {
    if (rc.in[i].kind != IN_SKIP) {
      sched[n++] = (struct event){.t = rc.in[i].t, .kind = EV_FRAME, .frame = i};
      last_input = rc.in[i].t > last_input ? rc.in[i].t : last_input;
    }
  }
  for (size_t i = 0; i < rc.cfg.ncmds; i++) {
    sched[n] = rc.cfg.cmds[i];
    sched[n++].frame = i; /* keeps equal-time commands in file order */
  }
  qsort(sched, n, sizeof(*sched), cmp_event_time);
  int64_t end = rc.cfg.has_end ? rc.cfg.end_ms : last_input + 60000;
  for (size_t i = 0; i < n && !rc.failed; i++) {
    if (sched[i].t > end) {
      break;
    }
    advance_to(sched[i].t, false);
    if (rc.failed) {
      break;
    }
    if (sched[i].kind == EV_FRAME) {
      deliver(sched[i].frame, false);
    } else {
      run_cmd(sched[i].cmd, sched[i].args);
    }
  }
  if (!rc.failed) {
    advance_to(end, true);
  }
  free(sched);
}

/* ---------------------------------------------------------------------- */
/* TCP trace (--tcp-trace)                                                 */
/* ---------------------------------------------------------------------- */

#if LWIP_TCP && LWIP_TCP_TRACE
/* The same objects lwipd sends as `tcp` events (tcptrace_event_json), with
 * the case's folder and its virtual time in place of lwipd's uptime, so
 * lwipctl tcp plot draws a replayed connection as it draws a live one. */
static void replay_tcp_trace(const struct tcp_trace_event *ev, void *arg)
{
  (void)arg;
  json_t *o = tcptrace_event_json(ev);
  if (o == NULL) {
    return;
  }
  json_object_set_new(o, "event", json_string("tcp"));
  json_object_set_new(o, "time_ms", json_integer((json_int_t)rc.vt));
  json_object_set_new(o, "case", json_string(rc.dir));
  char *s = json_dumps(o, JSON_COMPACT);
  if (s != NULL) {
    fprintf(tcp_trace_out, "%s\n", s);
    free(s);
  }
  json_decref(o);
}
#endif

/* Install the hook when --tcp-trace asked for it (lwip_init keeps hooks,
 * so once per case is only for clarity). */
static void tcp_trace_start(void)
{
#if LWIP_TCP && LWIP_TCP_TRACE
  if (tcp_trace_out != NULL) {
    tcp_set_trace_hook(replay_tcp_trace, NULL);
  }
#endif
}

/* ---------------------------------------------------------------------- */
/* One case                                                                */
/* ---------------------------------------------------------------------- */

static void setup_stack(void)
{
  struct case_cfg *c = &rc.cfg;
  lwip_log_set_level(-1, opt_trace ? LWIP_LOG_LEVEL_DEBUG : opt_quiet ? LWIP_LOG_LEVEL_OFF : LWIP_LOG_LEVEL_WARN);
  rc.vt = 0;
  set_clock();
  /* Seed first: lwip_init() itself draws from the generator (ip4_init
   * picks the first IP ID), and lwipd's record.start seeds at the same
   * point (docs/replay-format.md). */
  unix_port_seed(c->seed);
  lwip_init();
  tcp_trace_start();
  memset(&lwipd, 0, sizeof(lwipd));
  lwipd.seeded = true;
  lwipd.seed = c->seed;
  lwipd.start_ms = c->start_ms;
  memset(&replay_dev, 0, sizeof(replay_dev));
  replay_dev.ops = &replay_dev_ops;
  memcpy(dev_netif_config.mac, c->mac, 6);
  dev_netif_config.mtu = c->mtu;
  dev_netif_config.name[0] = 't';
  dev_netif_config.name[1] = 'p';
  rc.capturing = true;
  if (netif_add(&lwipd.netif, &c->ip, &c->mask, &c->gw, &replay_dev, dev_netif_init, ethernet_input) == NULL) {
    case_error("netif_add failed");
    return;
  }
  lwipd.netif_added = true;
  /* The offloads lwipd's netif had while recording (record.c): without
   * them TCP would send MSS-sized segments with complete checksums. */
  lwipd.netif.gso_max = c->gso_max;
  if (c->tcp_csum_partial) {
    lwipd.netif.chksum_flags &= (u16_t)~NETIF_CHECKSUM_GEN_TCP;
  }
  char err[256];
  if (c->has_ip6 && ip6cmds_setup(&lwipd.netif, &c->ip6, err, sizeof(err)) != 0) {
    case_error("netif.ip6: %s", err);
    return;
  }
  netif_set_default(&lwipd.netif);
  netif_set_up(&lwipd.netif);
  if (c->link_up) {
    netif_set_link_up(&lwipd.netif);
  }
}

/* Stop whatever the case started, remove the netif, let the timers drain,
 * and insist that every buffer and pool element came back. */
static void teardown_stack(void)
{
  rc.capturing = false;
  cmds_stop_jobs();
  if (lwipd.netif_added) {
    netif_remove(&lwipd.netif);
    lwipd.netif_added = false;
  }
  int64_t stop = rc.vt + CLEANUP_MS;
  unsigned same = 0;
  for (;;) {
    u32_t next = sys_timeouts_sleeptime();
    if (next == SYS_TIMEOUTS_SLEEPTIME_INFINITE || rc.vt + (int64_t)next > stop) {
      break;
    }
    same = next == 0 ? same + 1 : 0;
    if (same > MAX_SAME_INSTANT_RUNS) {
      break;
    }
    rc.vt += next;
    set_clock();
    sys_check_timeouts();
  }
  u32_t used = lwip_mem_in_use();
  if (used != 0) {
    case_error("memory leak: %u units still in use after the case and its timers ended", (unsigned)used);
  }
}

static void print_context(size_t k)
{
  size_t lo = k >= 2 ? k - 2 : 0;
  for (size_t i = lo; i <= k + 2; i++) {
    char es[200] = "(none)", as[200] = "(none)";
    char et[32] = "", at[32] = "";
    if (i >= rc.exp.n && i >= rc.act.n) {
      break;
    }
    if (i < rc.exp.n) {
      decode_summary(rc.exp.v[i].data, rc.exp.v[i].len, es, sizeof(es));
      snprintf(et, sizeof(et), "t=%" PRId64 "ms ", rc.exp.v[i].t);
    }
    if (i < rc.act.n) {
      decode_summary(rc.act.v[i].data, rc.act.v[i].len, as, sizeof(as));
      snprintf(at, sizeof(at), "t=%" PRId64 "ms ", rc.act.v[i].t);
    }
    printf("  %s#%zu expected %s%s\n", i == k ? ">" : " ", i, et, es);
    printf("   %*s actual   %s%s\n", (int)snprintf(NULL, 0, "#%zu", i), "", at, as);
  }
}

/* Missing frames are known only at the end. */
static void compare_tail(void)
{
  for (size_t k = rc.act.n; k < rc.exp.n; k++) {
    char sum[160], msg[300];
    decode_summary(rc.exp.v[k].data, rc.exp.v[k].len, sum, sizeof(sum));
    snprintf(msg, sizeof(msg), "missing frame: the stack sent only %zu of %zu expected (next expected: %s)",
             rc.act.n, rc.exp.n, sum);
    note_diff(k, rc.exp.v[k].t, msg);
  }
}

static void free_case(void)
{
  for (size_t i = 0; i < rc.nin; i++) {
    free(rc.in[i].data);
  }
  free(rc.in);
  frames_free(&rc.exp);
  frames_free(&rc.act);
  free(rc.cfg.cmds);
  free(rc.cfg.events);
  json_decref(rc.cfg.root);
  memset(&rc, 0, sizeof(rc));
}

/* @return 0 ok, 1 differs, 2 case error, -1 skipped (the build lacks what
 *  the case needs). */
static int run_case(const char *dir)
{
  int status = 0;
  memset(&rc, 0, sizeof(rc));
  rc.dir = dir;
  if (load_case(&rc.cfg, dir) && load_input() && load_expected(!opt_bless)) {
    /* Blessing reports every change, even within the tolerance. */
    rc.tolerance = opt_bless ? 0 : rc.cfg.tolerance_ms;
    setup_stack();
    if (!rc.failed) {
      if (rc.cfg.has_events) {
        run_events();
      } else {
        run_timed();
      }
    }
    teardown_stack();
    compare_tail();
  }
  if (rc.skipped) {
    printf("%s: skipped: %s\n", dir, rc.err);
    status = -1;
  } else if (rc.failed) {
    printf("%s: ERROR: %s\n", dir, rc.err);
    status = 2;
  } else if (opt_bless) {
    char err[512];
    if (!write_expected(err, sizeof(err))) {
      printf("%s: ERROR: cannot write expected.pcap: %s\n", dir, err);
      status = 2;
    } else if (!rc.have_exp) {
      printf("%s: blessed (%u frames in, %zu out): expected.pcap created\n", dir, rc.delivered, rc.act.n);
    } else if (!rc.diverged) {
      printf("%s: blessed (%u frames in, %zu out): expected.pcap unchanged\n", dir, rc.delivered, rc.act.n);
    } else {
      printf("%s: blessed (%u frames in, %zu out): expected.pcap rewritten (was %zu frames, now %zu; %zu differ)\n",
             dir, rc.delivered, rc.act.n, rc.exp.n, rc.act.n, rc.ndiff);
      if (!opt_quiet) {
        printf("  first change at output frame %zu (t=%" PRId64 " ms): %s\n", rc.div_index, rc.div_t, rc.div_msg);
        print_context(rc.div_index);
      }
    }
  } else if (rc.diverged) {
    printf("%s: DIFFERS at output frame %zu (t=%" PRId64 " ms)\n", dir, rc.div_index, rc.div_t);
    if (!opt_quiet) {
      printf("  %s\n", rc.div_msg);
      print_context(rc.div_index);
      printf("  %zu of %zu output frames differ (%zu sent, %zu expected)\n", rc.ndiff,
             rc.act.n > rc.exp.n ? rc.act.n : rc.exp.n, rc.act.n, rc.exp.n);
    }
    status = 1;
  } else {
    printf("%s: ok (%u frames in, %zu out)\n", dir, rc.delivered, rc.act.n);
  }
  fflush(stdout);
  free_case();
  return status;
}

/* ---------------------------------------------------------------------- */
/* Command line                                                            */
/* ---------------------------------------------------------------------- */

static bool has_case_json(const char *dir)
{
  char path[4096];
  struct stat st;
  snprintf(path, sizeof(path), "%s/case.json", dir);
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **cases;
static size_t ncases, cases_cap;

static void add_case(char *dir)
{
  if (ncases == cases_cap) {
    cases_cap = cases_cap ? cases_cap * 2 : 16;
    char **v = realloc(cases, cases_cap * sizeof(*v));
    if (v == NULL) {
      fprintf(stderr, "lwip-replay: out of memory\n");
      exit(2);
    }
    cases = v;
  }
  cases[ncases++] = dir;
}

/* @return false when @p arg is neither a case nor a folder of cases. */
static bool collect(const char *arg)
{
  char *dir = strdup(arg);
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/') {
    dir[--len] = '\0';
  }
  if (has_case_json(dir)) {
    add_case(dir);
    return true;
  }
  DIR *d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "lwip-replay: %s: %s\n", dir, strerror(errno));
    free(dir);
    return false;
  }
  size_t first = ncases;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') {
      continue;
    }
    char *sub = xmalloc(len + strlen(de->d_name) + 2);
    sprintf(sub, "%s/%s", dir, de->d_name);
    if (has_case_json(sub)) {
      add_case(sub);
    } else {
      free(sub);
    }
  }
  closedir(d);
  if (ncases == first) {
    fprintf(stderr, "lwip-replay: %s: no case.json in it or in any sub-folder\n", dir);
    free(dir);
    return false;
  }
  qsort(cases + first, ncases - first, sizeof(*cases), cmp_str);
  free(dir);
  return true;
}

static void usage(FILE *f)
{
  fprintf(f,
          "usage: lwip-replay [--trace] [--bless] [--quiet] [--no-skip] [--tcp-trace FILE.jsonl] CASE_DIR...\n"
          "  Replays each case (a folder with case.json, input.pcap, expected.pcap; a folder\n"
          "  without case.json means each of its sub-folders that has one) and compares the\n"
          "  frames the stack sends with expected.pcap.  See docs/replay-format.md.\n"
          "  --trace  interleave the stack's debug log with replay markers (stderr)\n"
          "  --bless  write the frames sent to expected.pcap and say what changed\n"
          "  --quiet  print only one line per case\n"
          "  --tcp-trace FILE.jsonl  write the TCP trace events of every case to FILE\n"
          "           (lwipctl tcp plot draws it; docs/tcp-trace.md)\n"
          "  A case that needs a feature this build lacks (IPv6, a command's module) is\n"
          "  skipped, saying why; with --no-skip such a case fails the run (exit 2).\n"
          "exit status: 0 all match (or are skipped), 1 a case differs, 2 bad case or usage\n");
}

/* --no-skip: a case this build cannot reproduce fails the run instead of
 * being skipped (the full daemon build, where nothing may be missing). */
static bool no_skip;

int main(int argc, char **argv)
{
  bool ok = true;
  int nargs = 0;
  ctl_set_ops(&replay_ops);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--trace") == 0) {
      opt_trace = true;
    } else if (strcmp(argv[i], "--bless") == 0) {
      opt_bless = true;
    } else if (strcmp(argv[i], "--no-skip") == 0) {
      no_skip = true;
    } else if (strcmp(argv[i], "--quiet") == 0) {
      opt_quiet = true;
    } else if (strcmp(argv[i], "--tcp-trace") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "lwip-replay: --tcp-trace needs a file\n");
        return 2;
      }
#if LWIP_TCP && LWIP_TCP_TRACE
      if (tcp_trace_out != NULL) {
        fclose(tcp_trace_out);
      }
      tcp_trace_out = fopen(argv[++i], "w");
      if (tcp_trace_out == NULL) {
        fprintf(stderr, "lwip-replay: %s: %s\n", argv[i], strerror(errno));
        return 2;
      }
#else
      fprintf(stderr, "lwip-replay: --tcp-trace: this build has no TCP trace events (tcp_trace=disabled)\n");
      return 2;
#endif
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fprintf(stderr, "lwip-replay: unknown option %s\n", argv[i]);
      usage(stderr);
      return 2;
    } else {
      nargs++;
      ok = collect(argv[i]) && ok;
    }
  }
  if (nargs == 0) {
    usage(stderr);
    return 2;
  }
  if (!ok) {
    return 2;
  }
  int status = 0;
  size_t skipped = 0;
  for (size_t i = 0; i < ncases; i++) {
    int s = run_case(cases[i]);
    skipped += s < 0;
    status = s > status ? s : status;
    free(cases[i]);
  }
  if (skipped > 0) {
    printf("lwip-replay: %zu of %zu cases skipped: this build lacks what they need\n", skipped, ncases);
    if (no_skip) {
      /* A build that should have everything (--no-skip) lost a module:
       * its cases must not pass unseen. */
      printf("lwip-replay: --no-skip: a skipped case fails the run\n");
      status = 2;
    }
  }
  free(cases);
  if (tcp_trace_out != NULL && fclose(tcp_trace_out) != 0) {
    fprintf(stderr, "lwip-replay: --tcp-trace: %s\n", strerror(errno));
    status = 2;
  }
  return status;
}
