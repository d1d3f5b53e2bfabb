/**
 * @file record.c
 * Recording a live session as a replay case (docs/replay-format.md).
 *
 * `record.start` restarts the stack in place from a state lwip-replay can
 * rebuild (fresh lwip_init, reseeded generator, the TAP netif re-added with
 * its current address, MAC and MTU), then a record device at the top of
 * the netif's device stack writes every frame the stack receives to
 * input.pcap and every frame it sends to expected.pcap.  Alongside, the
 * event log notes, in order and at the frozen instant of each, every frame
 * delivered, every timer run and every control command that can change what
 * the stack sends.  `record.stop` writes case.json.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "lwip/init.h"
#include "lwip/ethernet.h"
#include "lwip/ip4.h"
#include "lwip/debug.h"

#include "dev.h"
#include "impair.h"
#include "tap.h"
#include "unix_port.h"

struct record_dev {
  struct dev dev; /* must stay first */
  pcap_t *pcap;
  pcap_dumper_t *in, *out;
  char *dir;
  char *description;
  json_t *events;
  json_t *setup;
  uint64_t seed;
  uint32_t start_ms;
  uint64_t base_us;
  uint64_t nin, nout;
};

static struct record_dev *rec;

static uint32_t rec_t(void)
{
  return sys_now() - rec->start_ms;
}

static void rec_event(json_t *ev)
{
  json_object_set_new(ev, "t", json_integer(rec_t()));
  json_array_append_new(rec->events, ev);
}

/* Write @p p to @p d with the frozen clock as its timestamp, in whole ms. */
static void rec_dump(pcap_dumper_t *d, const struct pbuf *p)
{
  static u8_t buf[65535];
  uint64_t us = rec->base_us + (uint64_t)rec_t() * 1000U;
  struct pcap_pkthdr h = {.caplen = p->tot_len, .len = p->tot_len};
  h.ts.tv_sec = (time_t)(us / 1000000U);
  h.ts.tv_usec = (suseconds_t)(us % 1000000U);
  pbuf_copy_partial(p, buf, p->tot_len, 0);
  pcap_dump((u_char *)d, &h, buf);
}

static void rec_rx(struct dev *d, struct pbuf *p)
{
  rec_dump(rec->in, p);
  json_t *ev = json_pack("{s:I}", "frame", (json_int_t)rec->nin);
  if (p->flags & PBUF_FLAG_CSUM_OK) {
    /* The TAP vouched for this frame's checksum (--offload: the kernel
     * verified it, or made the frame here and left the sum partial, so
     * the capture holds a checksum that would not verify): the replay
     * marks it the same way, or it would drop what lwipd took. */
    json_object_set_new(ev, "csum_ok", json_true());
  }
  rec_event(ev);
  rec->nin++;
  dev_deliver_up(d, p);
}

static err_t rec_tx(struct dev *d, struct pbuf *p)
{
  rec_dump(rec->out, p);
  rec->nout++;
  return dev_send_down(d, p);
}

static void rec_dev_close(struct dev *d)
{
  (void)d;
}

static const struct dev_ops rec_ops = {"record", rec_tx, rec_rx, rec_dev_close};

/* ---------------------------------------------------------------------- */
/* Hooks the daemon calls                                                  */
/* ---------------------------------------------------------------------- */

bool record_active(void)
{
  return rec != NULL;
}

void record_timers(void)
{
  if (rec != NULL) {
    rec_event(json_pack("{s:b}", "timers", 1));
  }
}

void record_batch_end(void)
{
  if (rec != NULL) {
    rec_event(json_pack("{s:b}", "batch_end", 1));
  }
}

void record_command(const char *cmd, json_t *args)
{
  /* Only commands that can change what the stack sends are replayed;
   * capture and impairment act below the recording point. */
  static const char *const replayed[] = {"netif.set", "arp.add", "arp.del", "arp.flush", "app.start",
                                         "app.stop", "ping", "ip.forward", "tcp.connect", "tcp.abort", "tcp.cc", "tcp.limits", "tcp.ecn",
                                         "iperf.start", "iperf.stop", "dhcp.start", "dhcp.stop",
                                         "dns.servers", "dns.resolve", "dns.cache.flush", "sntp.start",
                                         "sntp.stop", "mqtt.connect", "mqtt.disconnect", "mqtt.publish", "mqtt.subscribe", "mqtt.unsubscribe", "mdns.start", "mdns.stop", "mdns.add", "mdns.remove", "http.start", "http.stop", "tftp.start", "tftp.stop",
                                         "dhcp6.start", "dhcp6.stop", "dhcp6.release"};
  if (rec == NULL) {
    return;
  }
  for (size_t i = 0; i < sizeof(replayed) / sizeof(replayed[0]); i++) {
    if (strcmp(cmd, replayed[i]) == 0) {
      rec_event(json_pack("{s:s, s:O}", "cmd", cmd, "args", args));
      return;
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Restarting the stack                                                    */
/* ---------------------------------------------------------------------- */

/* The TAP netif's configuration, to rebuild it after lwip_init(). */
struct netif_conf {
  ip4_addr_t ip, mask, gw;
  uint8_t mac[6];
  uint16_t mtu;
  bool link_up;
  struct lwipd_ip6_conf ip6;
  u16_t gso_max; /* TAP offloads (--offload): kept across the restart */
  u16_t chksum_flags;
};

static void netif_conf_save(struct netif_conf *c)
{
  c->ip = *netif_ip4_addr(&lwipd.netif);
  c->mask = *netif_ip4_netmask(&lwipd.netif);
  c->gw = *netif_ip4_gw(&lwipd.netif);
  memcpy(c->mac, lwipd.netif.hwaddr, 6);
  c->mtu = lwipd.netif.mtu;
  c->link_up = lwipd.tap_gone ? false : tap_link_up(lwipd.tap);
  c->ip6 = lwipd.ip6;
  c->gso_max = lwipd.netif.gso_max;
  c->chksum_flags = lwipd.netif.chksum_flags;
}

static json_t *netif_conf_json(const struct netif_conf *c)
{
  json_t *o = json_pack("{s:o, s:o, s:i, s:o, s:i, s:b}", "mac", json_mac(c->mac), "ip", json_ip4(&c->ip), "prefix",
                        ip4_addr_netmask_prefix(&c->mask), "gw", json_ip4(&c->gw), "mtu", c->mtu, "link_up",
                        c->link_up);
#if LWIP_IPV6
  /* How IPv6 came up (link-local, static addresses, identifiers, SLAAC):
   * lwip-replay brings it up the same way; cases without the key are
   * IPv4-only, as they were recorded. */
  json_object_set_new(o, "ip6", ip6cmds_conf_json(&c->ip6));
#endif
  if (c->gso_max != 0 || !(c->chksum_flags & NETIF_CHECKSUM_GEN_TCP)) {
    /* What the TAP's offloads let the stack leave to the kernel: TCP
     * segments of up to gso_max bytes and TCP checksums left partial.
     * Both change the bytes TCP sends, so lwip-replay gives its netif the
     * same (docs/replay-format.md); a case without the key had none. */
    json_object_set_new(o, "offload",
                        json_pack("{s:i, s:b}", "gso_max", (int)c->gso_max, "tcp_csum_partial",
                                  !(c->chksum_flags & NETIF_CHECKSUM_GEN_TCP)));
  }
  return o;
}

/* Everything that holds pbufs, PCBs or timers goes before lwip_init(). */
static void stack_teardown(void)
{
  cmds_stop_jobs();
  netif_remove(&lwipd.netif);
  lwipd.netif_added = false;
  /* The impairment device holds delayed frames and timers from the old
   * pools: replace it with a fresh one with the same spec and seed. */
  char spec[IMPAIR_SPEC_MAX];
  impair_get_spec(lwipd.impair, spec, sizeof(spec));
  uint64_t iseed = lwipd.impair->seed;
  impair_close(lwipd.impair);
  lwipd.impair = impair_open(iseed);
  dev_push(&lwipd.impair->dev, &lwipd.tap->dev);
  char err[256];
  impair_set_spec(lwipd.impair, spec, err, sizeof(err));
}

/* Bring the stack up again exactly as lwip-replay will (docs/replay-format.md). */
static int stack_rebuild(const struct netif_conf *c, uint64_t seed)
{
  /* Seed before lwip_init(): it draws from the generator already (the
   * first IP ID), and the replay does the same. */
  unix_port_seed(seed);
  lwip_init();
  cmds_events_init();
  lwipd.seeded = true;
  lwipd.seed = seed;
  memcpy(dev_netif_config.mac, c->mac, 6);
  dev_netif_config.mtu = c->mtu;
  if (netif_add(&lwipd.netif, &c->ip, &c->mask, &c->gw, &lwipd.tap->dev, dev_netif_init, ethernet_input) == NULL) {
    return -1;
  }
  lwipd.netif_added = true;
  /* netif_add starts from "no offloads": give back what the TAP allows. */
  lwipd.netif.gso_max = c->gso_max;
  lwipd.netif.chksum_flags = c->chksum_flags;
#if LWIP_IPV6
  char err[256];
  if (ip6cmds_setup(&lwipd.netif, &c->ip6, err, sizeof(err)) != 0) {
    LWIP_LOG(APP, ERROR, "record.start: %s", err);
    return -1;
  }
#endif
  netif_set_default(&lwipd.netif);
  netif_set_up(&lwipd.netif);
  if (c->link_up) {
    netif_set_link_up(&lwipd.netif);
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Commands                                                                */
/* ---------------------------------------------------------------------- */

static int open_dumpers(struct record_dev *r, char *err, size_t errlen)
{
  if (mkdir(r->dir, 0755) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "%s: %s", r->dir, strerror(errno));
    return -1;
  }
  r->pcap = pcap_open_dead(DLT_EN10MB, 65535);
  char path[4096];
  snprintf(path, sizeof(path), "%s/input.pcap", r->dir);
  r->in = r->pcap ? pcap_dump_open(r->pcap, path) : NULL;
  snprintf(path, sizeof(path), "%s/expected.pcap", r->dir);
  r->out = r->in ? pcap_dump_open(r->pcap, path) : NULL;
  if (r->out == NULL) {
    snprintf(err, errlen, "%s", r->pcap ? pcap_geterr(r->pcap) : "pcap_open_dead failed");
    return -1;
  }
  return 0;
}

static void rec_free(struct record_dev *r)
{
  if (r->in != NULL) {
    pcap_dump_close(r->in);
  }
  if (r->out != NULL) {
    pcap_dump_close(r->out);
  }
  if (r->pcap != NULL) {
    pcap_close(r->pcap);
  }
  json_decref(r->events);
  json_decref(r->setup);
  free(r->dir);
  free(r->description);
  free(r);
}

static json_t *cmd_record_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *dir = NULL, *desc = NULL;
  long long seed = -1;
  if (!arg_str(args, "dir", true, &dir, r) || !arg_str(args, "description", false, &desc, r) ||
      !arg_int(args, "seed", false, 0, INT64_MAX, &seed, r)) {
    return NULL;
  }
  if (rec != NULL) {
    return ctl_error(r, CTL_E_BUSY, "already recording to %s", rec->dir);
  }
  if (lwipd.tap_gone) {
    return ctl_error(r, CTL_E_FAILED, "the TAP device is gone");
  }
  struct record_dev *n = calloc(1, sizeof(*n));
  char err[512];
  if (n == NULL) {
    return ctl_error(r, CTL_E_NO_MEMORY, "out of memory");
  }
  n->dir = strdup(dir);
  n->description = strdup(desc ? desc : "");
  n->events = json_array();
  if (open_dumpers(n, err, sizeof(err)) != 0) {
    rec_free(n);
    return ctl_error(r, CTL_E_IO, "%s", err);
  }
  struct netif_conf c;
  netif_conf_save(&c);
  n->seed = seed >= 0 ? (uint64_t)seed : ((uint64_t)lwip_port_rand() << 32 | lwip_port_rand());
  n->dev.ops = &rec_ops;
  struct timeval now;
  gettimeofday(&now, NULL);
  n->base_us = (uint64_t)now.tv_sec * 1000000U; /* whole seconds: readable timestamps */
  n->start_ms = sys_now();
  n->setup = netif_conf_json(&c);

  stack_teardown();
  /* The record device goes on top before the netif comes back, so the
   * announcements of coming up are part of the expected output. */
  dev_push(&n->dev, dev_top(&lwipd.tap->dev));
  rec = n;
  if (stack_rebuild(&c, n->seed) != 0) {
    return ctl_error(r, CTL_E_FAILED, "could not re-add the netif");
  }
  LWIP_LOG(APP, INFO, "recording to %s (seed %llu)", dir, (unsigned long long)n->seed);
  return json_pack("{s:s, s:I}", "dir", dir, "seed", (json_int_t)n->seed);
}

static int write_case(struct record_dev *r, uint32_t end_ms, char *err, size_t errlen)
{
  json_t *c = json_pack("{s:i, s:s, s:I, s:I, s:I, s:O, s:O, s:I, s:i}", "version", 1, "description",
                        r->description, "seed", (json_int_t)r->seed, "start_ms", (json_int_t)r->start_ms,
                        "base_us", (json_int_t)r->base_us, "netif", r->setup, "events", r->events, "end_ms",
                        (json_int_t)end_ms, "tolerance_ms", 0);
  char path[4096];
  snprintf(path, sizeof(path), "%s/case.json", r->dir);
  int rc = c ? json_dump_file(c, path, JSON_INDENT(1) | JSON_COMPACT) : -1;
  json_decref(c);
  if (rc != 0) {
    snprintf(err, errlen, "%.400s/case.json: cannot write", r->dir);
  }
  return rc;
}

json_t *record_stop_now(struct ctl_reply *r)
{
  struct record_dev *n = rec;
  uint32_t end = rec_t();
  dev_unlink(&n->dev);
  rec = NULL;
  char err[512];
  int rc = write_case(n, end, err, sizeof(err));
  json_t *res = json_pack("{s:s, s:I, s:I, s:I, s:i}", "dir", n->dir, "input_frames", (json_int_t)n->nin,
                          "expected_frames", (json_int_t)n->nout, "events",
                          (json_int_t)json_array_size(n->events), "duration_ms", (int)end);
  LWIP_LOG(APP, INFO, "recording to %s stopped: %llu frames in, %llu out", n->dir, (unsigned long long)n->nin,
           (unsigned long long)n->nout);
  rec_free(n);
  if (rc != 0 && r != NULL) {
    json_decref(res);
    return ctl_error(r, CTL_E_IO, "%s", err);
  }
  return res;
}

static json_t *cmd_record_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  if (rec == NULL) {
    return ctl_error(r, CTL_E_NOT_FOUND, "not recording");
  }
  return record_stop_now(r);
}

static json_t *cmd_record_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  if (rec == NULL) {
    return json_pack("{s:b}", "active", 0);
  }
  return json_pack("{s:b, s:s, s:I, s:I, s:I, s:i}", "active", 1, "dir", rec->dir, "seed", (json_int_t)rec->seed,
                   "input_frames", (json_int_t)rec->nin, "expected_frames", (json_int_t)rec->nout, "duration_ms",
                   (int)rec_t());
}

const struct ctl_cmd record_cmds[] = {
    {"record.start", cmd_record_start, "restart the stack and record a replay case"},
    {"record.stop", cmd_record_stop, "stop recording and write the case"},
    {"record.status", cmd_record_status, "the recording in progress"},
    {NULL, NULL, NULL},
};
