/**
 * @file cmds.c
 * The control commands (docs/control-protocol.md): each handler checks its
 * arguments, acts on the stack, and returns a result object or sets an
 * error.  Also the stack events sent to subscribers.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>

#include "lwip/init.h"
#include "lwip/etharp.h"
#include "lwip/ip4.h"
#include "lwip/icmp.h"
#if LWIP_IPV6
#include "lwip/icmp6.h"
#endif
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/debug.h"
#include "lwip/err.h"

#include "impair.h"
#include "pcapdev.h"
#include "tap.h"
#include "tap_uring.h"
#include "unix_port.h"

/* The daemon's state (also set up by lwip-replay, which links these
 * commands to execute the control commands a case recorded). */
struct lwipd lwipd;


static struct netif *netif_arg(json_t *args, struct ctl_reply *r)
{
  const char *name = NULL;
  if (!arg_str(args, "name", true, &name, r)) {
    return NULL;
  }
  struct netif *n = netif_find(name);
  if (n == NULL) {
    ctl_error(r, CTL_E_NOT_FOUND, "no netif named %s", name);
  }
  return n;
}

static json_t *failed(struct ctl_reply *r, err_t err)
{
  return ctl_error(r, err == ERR_MEM ? CTL_E_NO_MEMORY : CTL_E_FAILED, "%s: %s", lwip_err_name(err), lwip_strerr(err));
}

/* ---------------------------------------------------------------------- */
/* netif                                                                   */
/* ---------------------------------------------------------------------- */

json_t *cmds_netif_json(struct netif *n)
{
  char name[NETIF_NAMESIZE];
  const struct netif_counters *c = &n->counters;
  json_t *o = json_pack(
      "{s:s, s:i, s:o, s:i, s:b, s:b, s:b, s:o, s:i, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I}}", "name",
      netif_index_to_name(netif_get_index(n), name), "index", netif_get_index(n), "mac", json_mac(n->hwaddr), "mtu",
      n->mtu, "up", netif_is_up(n), "link_up", netif_is_link_up(n), "default", n == netif_default, "ip",
      json_ip4(netif_ip4_addr(n)), "prefix", ip4_addr_netmask_prefix(netif_ip4_netmask(n)), "netmask",
      json_ip4(netif_ip4_netmask(n)), "gw", json_ip4(netif_ip4_gw(n)), "counters", "rx_packets",
      (json_int_t)c->rx_packets, "rx_bytes", (json_int_t)c->rx_bytes, "rx_drops", (json_int_t)c->rx_drops, "tx_packets",
      (json_int_t)c->tx_packets, "tx_bytes", (json_int_t)c->tx_bytes, "tx_errors", (json_int_t)c->tx_errors);
  /* IPv6 addresses with state, origin and lifetimes (empty without IPv6). */
  json_object_set_new(o, "ip6", ip6cmds_addrs_json(n));
  return o;
}

static json_t *netif_list_json(void)
{
  json_t *a = json_array();
  struct netif *n;
  /* netif_list is newest first; show them in the order they were added. */
  for (int idx = 1; idx <= 255; idx++) {
    NETIF_FOREACH(n)
    {
      if (netif_get_index(n) == idx) {
        json_array_append_new(a, cmds_netif_json(n));
      }
    }
  }
  return a;
}

static json_t *cmd_netif_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  return json_pack("{s:o}", "netifs", netif_list_json());
}

/* Parse netif.set's address arguments.  @return false on a bad one. */
static bool netif_set_addr_args(json_t *args, struct netif *n, ip4_addr_t *ip, ip4_addr_t *mask, ip4_addr_t *gw,
                                struct ctl_reply *r)
{
  const char *ipstr = NULL;
  *ip = *netif_ip4_addr(n);
  *mask = *netif_ip4_netmask(n);
  *gw = *netif_ip4_gw(n);
  if (!arg_str(args, "ip", false, &ipstr, r) || !arg_ip4(args, "gw", false, gw, r)) {
    return false;
  }
  if (ipstr != NULL) {
    if (strchr(ipstr, '/') != NULL) {
      if (!parse_cidr(ipstr, ip, mask)) {
        ctl_error(r, CTL_E_BAD_ARGS, "args.ip: expected a.b.c.d/prefix");
        return false;
      }
    } else if (!ip4addr_aton(ipstr, ip)) {
      ctl_error(r, CTL_E_BAD_ARGS, "args.ip: not an IPv4 address");
      return false;
    }
  }
  if (!arg_ip4(args, "netmask", false, mask, r)) {
    return false;
  }
  if (!ip4_addr_netmask_valid(mask->addr)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.netmask: not a contiguous netmask");
    return false;
  }
  return true;
}

static json_t *cmd_netif_set(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = netif_arg(args, r);
  ip4_addr_t ip, mask, gw;
  long long mtu = -1;
  bool up = false, link = false, dflt = false;
  bool has_up = arg_given(args, "up"), has_link = arg_given(args, "link_up");
  if (n == NULL || !netif_set_addr_args(args, n, &ip, &mask, &gw, r) ||
      !arg_int(args, "mtu", false, 68, 65535, &mtu, r) || !arg_bool(args, "up", false, &up, r) ||
      !arg_bool(args, "link_up", false, &link, r) || !arg_bool(args, "default", false, &dflt, r)) {
    return NULL;
  }
  /* Everything is checked before anything changes. */
  netif_set_addr(n, &ip, &mask, &gw);
  if (mtu > 0) {
    netif_set_mtu(n, (u16_t)mtu);
  }
  if (has_link) {
    link ? netif_set_link_up(n) : netif_set_link_down(n);
  }
  if (has_up) {
    up ? netif_set_up(n) : netif_set_down(n);
  }
  if (dflt) {
    netif_set_default(n);
  }
  return cmds_netif_json(n);
}

/* The routing table as ip4_route() sees it: one connected route per netif
 * that is up with an address, then the default route. */
static json_t *cmd_route_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  struct netif *n;
  char name[NETIF_NAMESIZE];
  NETIF_FOREACH(n)
  {
    if (ip4_addr_isany(netif_ip4_addr(n))) {
      continue;
    }
    ip4_addr_t net;
    ip4_addr_get_network(&net, netif_ip4_addr(n), netif_ip4_netmask(n));
    json_array_append_new(a, json_pack("{s:s, s:o, s:i, s:s, s:s, s:b}", "family", "ipv4", "dest", json_ip4(&net),
                                       "prefix", ip4_addr_netmask_prefix(netif_ip4_netmask(n)), "gw", "", "netif",
                                       netif_index_to_name(netif_get_index(n), name), "usable",
                                       netif_is_up(n) && netif_is_link_up(n)));
  }
  if (netif_default != NULL) {
    n = netif_default;
    ip4_addr_t any = {IPADDR_ANY};
    json_array_append_new(a, json_pack("{s:s, s:o, s:i, s:o, s:s, s:b}", "family", "ipv4", "dest", json_ip4(&any),
                                       "prefix", 0, "gw", json_ip4(netif_ip4_gw(n)), "netif",
                                       netif_index_to_name(netif_get_index(n), name), "usable",
                                       netif_is_up(n) && netif_is_link_up(n)));
  }
  ip6cmds_routes_json(a);
  return json_pack("{s:o}", "routes", a);
}

/* ---------------------------------------------------------------------- */
/* ARP                                                                     */
/* ---------------------------------------------------------------------- */

static json_t *arp_entry_json(const struct etharp_entry_info *e)
{
  char name[NETIF_NAMESIZE] = "";
  if (e->netif != NULL) {
    netif_index_to_name(netif_get_index(e->netif), name);
  }
  return json_pack("{s:o, s:o, s:s, s:s, s:i, s:i}", "ip", json_ip4(&e->ipaddr), "mac", json_mac(e->ethaddr.addr),
                   "netif", name, "state", etharp_state_name(e->state), "age_s", e->age_s, "queued", e->queued);
}

static json_t *cmd_arp_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  struct etharp_entry_info e;
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    if (etharp_get_entry_info(i, &e)) {
      json_array_append_new(a, arp_entry_json(&e));
    }
  }
  return json_pack("{s:o}", "entries", a);
}

static json_t *cmd_arp_add(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  ip4_addr_t ip;
  const char *macstr = NULL;
  struct eth_addr mac;
  if (!arg_ip4(args, "ip", true, &ip, r) || !arg_str(args, "mac", true, &macstr, r)) {
    return NULL;
  }
  if (!parse_mac(macstr, mac.addr)) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.mac: expected xx:xx:xx:xx:xx:xx");
  }
  err_t err = etharp_add_static_entry(&ip, &mac);
  if (err == ERR_ARG) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args: broadcast, multicast or zero address");
  }
  if (err == ERR_RTE) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.ip: not reachable through any netif");
  }
  return err == ERR_OK ? json_object() : failed(r, err);
}

static json_t *cmd_arp_del(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  ip4_addr_t ip;
  if (!arg_ip4(args, "ip", true, &ip, r)) {
    return NULL;
  }
  if (etharp_remove_static_entry(&ip) != ERR_OK) {
    return ctl_error(r, CTL_E_NOT_FOUND, "no static ARP entry for %s", ip4addr_ntoa(&ip));
  }
  return json_object();
}

static json_t *cmd_arp_flush(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  etharp_flush();
  return json_object();
}

/* ---------------------------------------------------------------------- */
/* Statistics and logging                                                  */
/* ---------------------------------------------------------------------- */

static json_t *mem_json(const struct stats_mem *s)
{
  return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "name", s->name ? s->name : "heap", "avail", (json_int_t)s->avail,
                   "used", (json_int_t)s->used, "max", (json_int_t)s->max, "err", (json_int_t)s->err, "illegal",
                   (json_int_t)s->illegal);
}

static json_t *cmd_stats(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  bool all = false;
  if (!arg_bool(args, "all", false, &all, r)) {
    return NULL;
  }
  json_t *protos = json_object(), *drops = json_object(), *pools = json_array();
#if LWIP_STATS
  for (int i = 0; i < LWIP_PROTO_COUNT; i++) {
    const struct stats_proto *p = &lwip_stats.proto[i];
    json_object_set_new(protos, lwip_stats_proto_name(i),
                        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "xmit", (json_int_t)p->xmit,
                                  "recv", (json_int_t)p->recv, "fw", (json_int_t)p->fw, "drop", (json_int_t)p->drop,
                                  "chkerr", (json_int_t)p->chkerr, "lenerr", (json_int_t)p->lenerr, "memerr",
                                  (json_int_t)p->memerr, "rterr", (json_int_t)p->rterr, "proterr",
                                  (json_int_t)p->proterr, "opterr", (json_int_t)p->opterr));
  }
  for (int i = 0; i < LWIP_DROP_COUNT; i++) {
    if (all || lwip_stats.drops[i] != 0) {
      json_object_set_new(drops, lwip_drop_reason_name(i), json_integer(lwip_stats.drops[i]));
    }
  }
  json_t *tcpc = json_object();
  for (int i = 0; i < LWIP_TCPC_COUNT; i++) {
    json_object_set_new(tcpc, lwip_tcp_counter_name(i), json_integer(lwip_stats.tcp[i]));
  }
#endif
  for (int i = 0; i < MEMP_MAX; i++) {
    json_array_append_new(pools, mem_json(memp_stats((memp_t)i)));
  }
  json_t *o = json_pack("{s:o, s:o, s:o, s:o}", "protocols", protos, "drops", drops, "pools", pools, "heap",
                        mem_json(mem_stats()));
#if LWIP_STATS
  json_object_set_new(o, "tcp_counters", tcpc);
#endif
#if LWIP_TCP
  struct tcp_mem_info t;
  tcp_mem_get_info(&t);
  json_object_set_new(o, "tcp_memory",
                      json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tx_bytes", (json_int_t)t.tx_bytes,
                                "tx_budget", (json_int_t)t.tx_budget, "rx_bytes", (json_int_t)t.rx_bytes, "rx_budget",
                                (json_int_t)t.rx_budget, "tx_floor", (json_int_t)t.tx_floor, "rx_floor",
                                (json_int_t)t.rx_floor, "heap_reserve", (json_int_t)t.heap_reserve, "tx_limited",
                                (json_int_t)t.tx_limited, "rx_limited", (json_int_t)t.rx_limited));
#endif
  return o;
}

static json_t *cmd_stats_reset(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  lwip_stats_reset();
  return json_object();
}

static json_t *log_levels_json(void)
{
  json_t *o = json_object();
  for (int m = 0; m < LWIP_LOG_MODULE_COUNT; m++) {
    json_object_set_new(o, lwip_log_module_name(m), json_string(lwip_log_level_name(lwip_log_levels[m])));
  }
  return json_pack("{s:o}", "levels", o);
}

static json_t *cmd_log_get(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  return log_levels_json();
}

static json_t *cmd_log_set(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *mod = NULL, *lvl = NULL;
  if (!arg_str(args, "module", true, &mod, r) || !arg_str(args, "level", true, &lvl, r)) {
    return NULL;
  }
  int m = strcmp(mod, "all") == 0 ? -1 : lwip_log_module_find(mod);
  int l = lwip_log_level_find(lvl);
  if (m == -1 && strcmp(mod, "all") != 0) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.module: no module named %s", mod);
  }
  if (l < 0) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.level: expected off, error, warn, info, debug or trace");
  }
#if !LWIP_DEBUG
  return ctl_error(r, CTL_E_FAILED, "this build has no debug log (debug_log=disabled)");
#endif
  lwip_log_set_level(m, l);
  return log_levels_json();
}

/* ---------------------------------------------------------------------- */
/* Capture and impairment                                                  */
/* ---------------------------------------------------------------------- */

static json_t *capture_json(void)
{
  char name[NETIF_NAMESIZE] = "";
  if (lwipd.netif_added) {
    netif_index_to_name(netif_get_index(&lwipd.netif), name);
  }
  return json_pack("{s:b, s:s?, s:s, s:I}", "active", lwipd.capture != NULL, "file", lwipd.capture_path, "netif", name,
                   "frames", (json_int_t)(lwipd.capture ? lwipd.capture->frames : 0));
}

static json_t *cmd_capture_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  return capture_json();
}

int cmds_capture_start(const char *file, char *err, size_t errlen)
{
  struct pcap_dev *pd = pcapdev_open(file, err, errlen);
  if (pd == NULL) {
    return -1;
  }
  /* Above the impairment wrapper: the capture shows what the stack really
   * received and sent. */
  dev_push(&pd->dev, &lwipd.impair->dev);
  lwipd.capture = pd;
  free(lwipd.capture_path);
  lwipd.capture_path = strdup(file);
  LWIP_LOG(APP, INFO, "capture to %s started", file);
  return 0;
}

uint64_t cmds_capture_stop(void)
{
  uint64_t frames = lwipd.capture->frames;
  dev_unlink(&lwipd.capture->dev);
  pcapdev_close(lwipd.capture);
  lwipd.capture = NULL;
  LWIP_LOG(APP, INFO, "capture to %s stopped after %llu frames", lwipd.capture_path, (unsigned long long)frames);
  return frames;
}

static json_t *cmd_capture_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *file = NULL, *nif = NULL;
  if (!arg_str(args, "file", true, &file, r) || !arg_str(args, "netif", false, &nif, r)) {
    return NULL;
  }
  if (nif != NULL && (!lwipd.netif_added || netif_find(nif) != &lwipd.netif)) {
    return ctl_error(r, CTL_E_NOT_FOUND, "netif %s has no device to capture (only the TAP netif has)", nif);
  }
  if (lwipd.capture != NULL) {
    return ctl_error(r, CTL_E_BUSY, "already capturing to %s", lwipd.capture_path);
  }
  char err[256];
  if (cmds_capture_start(file, err, sizeof(err)) != 0) {
    return ctl_error(r, CTL_E_IO, "%s", err);
  }
  json_t *o = capture_json();
  json_object_del(o, "active");
  json_object_del(o, "frames");
  return o;
}

static json_t *cmd_capture_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  if (lwipd.capture == NULL) {
    return ctl_error(r, CTL_E_NOT_FOUND, "not capturing");
  }
  uint64_t frames = cmds_capture_stop();
  return json_pack("{s:s, s:I}", "file", lwipd.capture_path, "frames", (json_int_t)frames);
}

static json_t *impair_counters_json(enum impair_dir_id d)
{
  const struct impair_counters *c = impair_counters(lwipd.impair, d);
  return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}", "frames", (json_int_t)c->frames, "dropped",
                   (json_int_t)c->dropped, "duplicated", (json_int_t)c->duplicated, "reordered",
                   (json_int_t)c->reordered, "delayed", (json_int_t)c->delayed, "corrupted", (json_int_t)c->corrupted,
                   "ce_marked", (json_int_t)c->ce_marked, "nomem", (json_int_t)c->nomem, "held",
                   (int)impair_held_frames(lwipd.impair, d));
}

static json_t *impair_json(void)
{
  char spec[IMPAIR_SPEC_MAX];
  return json_pack("{s:s, s:I, s:{s:o, s:o}}", "spec", impair_get_spec(lwipd.impair, spec, sizeof(spec)), "seed",
                   (json_int_t)lwipd.impair->seed, "counters", "rx", impair_counters_json(IMPAIR_RX), "tx",
                   impair_counters_json(IMPAIR_TX));
}

static json_t *cmd_impair_get(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  return impair_json();
}

static json_t *cmd_impair_set(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *spec = NULL;
  long long seed = -1;
  if (!arg_str(args, "spec", true, &spec, r) || !arg_int(args, "seed", false, 0, INT64_MAX, &seed, r)) {
    return NULL;
  }
  char err[256];
  struct impair_params check[2];
  if (impair_parse(spec, check, err, sizeof(err)) != 0) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.spec: %s", err);
  }
  if (seed >= 0) {
    impair_set_seed(lwipd.impair, (uint64_t)seed);
  }
  impair_set_spec(lwipd.impair, spec, err, sizeof(err));
  LWIP_LOG(APP, INFO, "impairment set to '%s'", spec);
  return impair_json();
}

static json_t *cmd_impair_clear(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  impair_clear(lwipd.impair);
  return impair_json();
}

/* ---------------------------------------------------------------------- */
/* status, forwarding, subscribe                                           */
/* ---------------------------------------------------------------------- */

/* --offload: what was asked, what the kernel accepted, how big a TCP
 * segment the stack may hand the TAP, and the frames that used it. */
static json_t *offload_json(const struct tap_dev *tap)
{
  const struct tap_counters *c = &tap->counters;
  return json_pack("{s:s, s:s, s:b, s:i, s:I, s:I, s:I}", "mode", tap_offload_name(tap->mode), "active",
                   tap_offload_state(tap), "vnet_hdr", tap->vnet_hdr, "gso_max",
                   lwipd.netif_added ? (int)lwipd.netif.gso_max : 0, "rx_gso", (json_int_t)c->rx_gso, "tx_gso",
                   (json_int_t)c->tx_gso, "rx_bad_hdr", (json_int_t)c->rx_bad_hdr);
}

/* --io-uring: what was asked, whether a ring runs, and how well it
 * batches: ops_per_submit is how many read() or write() calls (counting
 * reads that found the TAP empty) each io_uring_enter stood for. */
static json_t *io_uring_json(const struct tap_dev *tap)
{
  const struct tap_uring_counters *c = tap_uring_counters(tap);
  json_t *o = json_pack("{s:s, s:b}", "mode", tap_uring_mode_name((enum tap_uring_mode)lwipd.io_uring_mode), "active",
                        c != NULL);
  if (c != NULL) {
    uint64_t ops = c->writes + c->reads;
    json_object_set_new(o, "submits", json_integer((json_int_t)c->submits));
    json_object_set_new(o, "writes", json_integer((json_int_t)c->writes));
    json_object_set_new(o, "reads", json_integer((json_int_t)c->reads));
    json_object_set_new(o, "read_frames", json_integer((json_int_t)c->read_frames));
    json_object_set_new(o, "pool_full", json_integer((json_int_t)c->pool_full));
    json_object_set_new(o, "ops_per_submit", json_real(c->submits ? (double)ops / (double)c->submits : 0.0));
    json_object_set_new(o, "resting", json_boolean(tap_uring_resting(tap)));
    json_object_set_new(o, "plain_reads", json_integer((json_int_t)c->plain_reads));
    json_object_set_new(o, "plain_writes", json_integer((json_int_t)c->plain_writes));
    json_object_set_new(o, "direct_writes", json_integer((json_int_t)c->direct_writes));
    json_object_set_new(o, "to_plain", json_integer((json_int_t)c->to_plain));
    json_object_set_new(o, "to_ring", json_integer((json_int_t)c->to_ring));
  } else {
    /* Why not: asked off, refused at start, or failed since. */
    const char *why = tap_uring_failure(tap);
    if (lwipd.io_uring_mode == TAP_URING_OFF) {
      why = "--io-uring off";
    } else if (why == NULL) {
      why = lwipd.io_uring_refused[0] != '\0' ? lwipd.io_uring_refused : "not started";
    }
    json_object_set_new(o, "reason", json_string(why));
  }
  return o;
}

static json_t *cmd_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *o = json_pack(
      "{s:s, s:s, s:i, s:I, s:b, s:s, s:o, s:I, s:o, s:o, s:b, s:b}", "version", LWIP_VERSION_STRING, "profile",
      LWIP_PROFILE, "pid", (int)getpid(), "uptime_ms", (json_int_t)(sys_now() - lwipd.start_ms), "seeded", lwipd.seeded,
      "tap", lwipd.tap ? lwipd.tap->name : "", "netifs", netif_list_json(), "apps", (json_int_t)apps_count(), "capture",
      capture_json(), "impair", impair_json(), "forwarding", ip4_forwarding(), "tap_gone", lwipd.tap_gone);
  if (lwipd.seeded) {
    json_object_set_new(o, "seed", json_integer((json_int_t)lwipd.seed));
  }
  json_object_set_new(o, "control", ctl_status_json());
  if (lwipd.tap != NULL) {
    json_object_set_new(o, "offload", offload_json(lwipd.tap));
    json_object_set_new(o, "io_uring", io_uring_json(lwipd.tap));
  }
  /* --busy-poll: the setting (0: off) and how the polling went. */
  const struct lwipd_busy_poll *bp = &lwipd.busy_poll;
  json_object_set_new(o, "busy_poll",
                      json_pack("{s:i, s:I, s:I, s:I}", "usec", (int)bp->usec, "rounds", (json_int_t)bp->rounds,
                                "passes", (json_int_t)bp->passes, "hits", (json_int_t)bp->hits));
#if LWIP_IPV6
  /* How IPv6 was brought up: SLAAC on or off, identifier mode, --ip6. */
  json_object_set_new(o, "ip6", ip6cmds_conf_json(&lwipd.ip6));
#endif
  return o;
}

static json_t *cmd_ip_forward(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  bool on = false;
  bool has = arg_given(args, "enable");
  if (!arg_bool(args, "enable", false, &on, r)) {
    return NULL;
  }
  if (has && ip4_set_forwarding(on) != ERR_OK) {
    return ctl_error(r, CTL_E_FAILED, "this build has no forwarding (ip_forward=disabled)");
  }
  return json_pack("{s:b}", "enabled", ip4_forwarding());
}

/* icmp.ratelimit: read, or set either value of, the token bucket that
 * limits ICMP errors (RFC 1812 4.3.2.8).  A value not given is kept. */
static json_t *cmd_icmp_ratelimit(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  u32_t rate, burst;
  icmp_get_ratelimit(&rate, &burst);
  long long nrate = rate, nburst = burst;
  if (!arg_int(args, "rate", false, 0, TOKBUCKET_MAX, &nrate, r) ||
      !arg_int(args, "burst", false, 0, TOKBUCKET_MAX, &nburst, r)) {
    return NULL;
  }
  if ((arg_given(args, "rate") || arg_given(args, "burst")) &&
      icmp_set_ratelimit((u32_t)nrate, (u32_t)nburst) != ERR_OK) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.burst: must be at least 1 while rate is not 0");
  }
#if LWIP_IPV6
  if (arg_given(args, "rate") || arg_given(args, "burst")) {
    /* ICMPv6 errors: their own bucket (RFC 4443 2.4(f)), the same settings
     * (accepted above, so this cannot fail). */
    icmp6_set_ratelimit((u32_t)nrate, (u32_t)nburst);
  }
#endif
  icmp_get_ratelimit(&rate, &burst);
  /* The drop counter of the stats command (null in a build without stats). */
#if LWIP_STATS
  json_t *suppressed = json_integer((json_int_t)lwip_stats.drops[LWIP_DROP_ICMP_RATE_LIMIT]);
#else
  json_t *suppressed = json_null();
#endif
  return json_pack("{s:I, s:I, s:b, s:o}", "rate", (json_int_t)rate, "burst", (json_int_t)burst, "enabled", rate != 0,
                   "suppressed", suppressed);
}

static void shutdown_cb(evutil_socket_t fd, short what, void *arg)
{
  (void)fd;
  (void)what;
  (void)arg;
  event_base_loopbreak(lwipd.base);
}

/* Stop the daemon as SIGTERM does, a moment after the reply has gone out. */
static json_t *cmd_shutdown(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  struct timeval tv = {0, 100000};
  if (lwipd.base == NULL) {
    return ctl_error(r, CTL_E_FAILED, "no event loop to stop");
  }
  LWIP_LOG(APP, INFO, "shutdown requested over the control socket");
  event_base_once(lwipd.base, -1, EV_TIMEOUT, shutdown_cb, NULL, &tv);
  return json_object();
}

static json_t *cmd_subscribe(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  static const struct {
    const char *name;
    unsigned bit;
  } classes[] = {
      {"link", CTL_EV_LINK}, {"address", CTL_EV_ADDRESS}, {"arp", CTL_EV_ARP},
      {"log", CTL_EV_LOG},   {"dhcp", CTL_EV_DHCP},       {"mqtt", CTL_EV_MQTT},
      {"nd", CTL_EV_ND},     {"all", CTL_EV_ALL},         {"tcp", CTL_EV_TCP},
  };
  json_t *ev = json_object_get(args, "events");
  unsigned mask = 0;
  if (ev == NULL) {
    mask = CTL_EV_ALL;
  } else if (!json_is_array(ev)) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.events: not a list");
  }
  size_t i;
  json_t *v;
  json_array_foreach(ev, i, v) {
    unsigned bit = 0;
    for (size_t k = 0; k < sizeof(classes) / sizeof(classes[0]); k++) {
      if (json_is_string(v) && strcmp(json_string_value(v), classes[k].name) == 0) {
        bit = classes[k].bit;
      }
    }
    if (bit == 0) {
      return ctl_error(r, CTL_E_BAD_ARGS,
                       "args.events[%zu]: expected link, address, arp, log, dhcp, mqtt, nd, tcp or all", i);
    }
    mask |= bit;
  }
  /* TCP trace events go through the client's 4-tuple filter (args.tcp). */
  if ((mask & CTL_EV_TCP) && !tcptrace_subscribe(req, json_object_get(args, "tcp"), r)) {
    return NULL;
  }
  ctl_subscribe(req, mask);
  return json_object();
}

/* ---------------------------------------------------------------------- */
/* Events                                                                  */
/* ---------------------------------------------------------------------- */

static void netif_event(struct netif *n, netif_nsc_reason_t reason, const netif_ext_callback_args_t *args)
{
  char name[NETIF_NAMESIZE];
  netif_index_to_name(netif_get_index(n), name);
  if ((reason & LWIP_NSC_LINK_CHANGED) && ctl_has_subscribers(CTL_EV_LINK)) {
    ctl_broadcast(CTL_EV_LINK, "link", json_pack("{s:s, s:b}", "netif", name, "up", args->link_changed.state != 0));
  }
  if ((reason & (LWIP_NSC_IPV4_SETTINGS_CHANGED | LWIP_NSC_IPV4_ADDRESS_CHANGED | LWIP_NSC_IPV4_GATEWAY_CHANGED |
                 LWIP_NSC_IPV4_NETMASK_CHANGED)) &&
      ctl_has_subscribers(CTL_EV_ADDRESS)) {
    ctl_broadcast(CTL_EV_ADDRESS, "address",
                  json_pack("{s:s, s:o, s:i, s:o}", "netif", name, "ip", json_ip4(netif_ip4_addr(n)), "prefix",
                            ip4_addr_netmask_prefix(netif_ip4_netmask(n)), "gw", json_ip4(netif_ip4_gw(n))));
  }
}

NETIF_DECLARE_EXT_CALLBACK(netif_cb)

static void log_event(int module, int level, const char *message)
{
  if (ctl_has_subscribers(CTL_EV_LOG)) {
    ctl_broadcast(CTL_EV_LOG, "log",
                  json_pack("{s:s, s:s, s:s}", "module", lwip_log_module_name(module), "level",
                            lwip_log_level_name(level), "message", message));
  }
}

/* The ARP table's change hook: an `arp` event per change, as it happens. */
static void arp_event(const struct etharp_entry_info *e, bool removed, void *arg)
{
  (void)arg;
  if (ctl_has_subscribers(CTL_EV_ARP)) {
    ctl_broadcast(CTL_EV_ARP, "arp",
                  json_pack("{s:o, s:o, s:s}", "ip", json_ip4(&e->ipaddr), "mac", json_mac(e->ethaddr.addr), "state",
                            removed ? "removed" : etharp_state_name(e->state)));
  }
}

void cmds_stop_jobs(void)
{
  /* Everything that holds PCBs, timers or deferred requests, so the
   * stack can be torn down (shutdown, record.start, the replay's end). */
  ping_stop_all();
  tcpcmds_stop_all();
  sock_stop_all();
  iperf_stop_all();
  apps_stop_all();
  sntpcmds_stop_all();
  mqttcmds_stop_all();
  mdnscmds_stop_all();
  httpcmds_stop_all();
  tftpcmds_stop_all();
}

void cmds_events_init(void)
{
  netif_add_ext_callback(&netif_cb, netif_event);
  etharp_set_change_hook(arp_event, NULL);
  unix_port_set_log_hook(log_event);
  ip6cmds_events_init();
  netapps_init();
  dhcp6cmds_init();
}


/* ---------------------------------------------------------------------- */
/* The table                                                               */
/* ---------------------------------------------------------------------- */

static json_t *cmd_help(struct ctl_req *req, json_t *args, struct ctl_reply *r);

/* This file's commands: the stack's state, logging, capture, impairment. */
static const struct ctl_cmd core_cmds[] = {
    {"status", cmd_status, "daemon, netifs, apps, capture, impairment and control-socket summary"},
    {"netif.list", cmd_netif_list, "netifs with addresses, link state and counters"},
    {"netif.set", cmd_netif_set, "change a netif's address, gateway, MTU or up/link state"},
    {"route.list", cmd_route_list, "the routing table"},
    {"arp.list", cmd_arp_list, "ARP cache entries"},
    {"arp.add", cmd_arp_add, "add a static ARP entry"},
    {"arp.del", cmd_arp_del, "remove an ARP entry"},
    {"arp.flush", cmd_arp_flush, "empty the ARP cache"},
    {"stats", cmd_stats, "protocol, drop-reason, pool, heap and TCP memory statistics"},
    {"stats.reset", cmd_stats_reset, "zero the protocol and drop counters"},
    {"log.get", cmd_log_get, "log levels per module"},
    {"log.set", cmd_log_set, "set a log level, per module or for all"},
    {"capture.start", cmd_capture_start, "capture a netif's frames to a pcap file"},
    {"capture.stop", cmd_capture_stop, "stop the capture"},
    {"capture.status", cmd_capture_status, "the capture in progress"},
    {"impair.get", cmd_impair_get, "the impairment in force and its counters"},
    {"impair.show", cmd_impair_get, "same as impair.get"},
    {"impair.set", cmd_impair_set, "set loss, delay, duplication, reordering, corruption, CE marks"},
    {"impair.clear", cmd_impair_clear, "remove all impairment"},
    {"ip.forward", cmd_ip_forward, "read or set forwarding (IPv4 and IPv6, one switch)"},
    {"icmp.ratelimit", cmd_icmp_ratelimit, "read or set the ICMP error rate limit"},
    {"subscribe", cmd_subscribe, "receive events (link, address, arp, log, dhcp, mqtt, nd; tcp with a 4-tuple filter)"},
    {"shutdown", cmd_shutdown, "stop lwipd"},
    {"help", cmd_help, "the commands and one line on each"},
    {NULL, NULL, NULL},
};

/* The registry: every module's table (record.* belongs to the daemon
 * proper and is looked up by ctl.c, so lwip-replay does not record). */
static const struct ctl_cmd *const registry[] = {
    core_cmds,  ip6_cmds,  ping_cmds, tcp_cmds,  sock_cmds, netapps_cmds, apps_cmds,
    iperf_cmds, sntp_cmds, mqtt_cmds, http_cmds, tftp_cmds, mdns_cmds,    dhcp6_cmds,
};

ctl_cmd_fn ctl_cmd_lookup(const struct ctl_cmd *table, const char *cmd)
{
  for (const struct ctl_cmd *c = table; c->name != NULL; c++) {
    if (strcmp(c->name, cmd) == 0) {
      return c->fn;
    }
  }
  return NULL;
}

ctl_cmd_fn cmds_find(const char *cmd)
{
  for (size_t i = 0; i < LWIP_ARRAYSIZE(registry); i++) {
    ctl_cmd_fn fn = ctl_cmd_lookup(registry[i], cmd);
    if (fn != NULL) {
      return fn;
    }
  }
  return NULL;
}

static json_t *cmd_help(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *list = json_array();
  for (size_t i = 0; i < LWIP_ARRAYSIZE(registry); i++) {
    for (const struct ctl_cmd *c = registry[i]; c->name != NULL; c++) {
      json_array_append_new(list, json_pack("{s:s, s:s}", "name", c->name, "help", c->help));
    }
  }
  return json_pack("{s:o}", "commands", list);
}
