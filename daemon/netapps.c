/**
 * @file netapps.c
 * The core's DHCP client and DNS resolver on the control socket:
 * dhcp.start/stop/release/renew/status, the "dhcp" events sent on every
 * client state change, and dns.servers/resolve/cache/cache.flush.
 *
 * dns.resolve is deferred like ping: the reply goes out when the resolver
 * calls back.  A lookup whose client disconnects is cancelled (dns_cancel)
 * at the next look, a few hundred milliseconds later, so a vanished client
 * never leaves a lookup or its UDP PCB behind.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/debug.h"
#include "lwip/err.h"
#include "lwip/timeouts.h"
#if LWIP_DHCP
#include "lwip/dhcp.h"
#endif
#if LWIP_AUTOIP
#include "lwip/autoip.h"
#endif
#if LWIP_DNS
#include "lwip/dns.h"
#include "lwip/prot/dns.h"
#include "lwip/ip6_addr.h"
#include "lwip/nd6.h"
#endif

/* Without the feature the commands exist and say why they cannot work. */
#define DISABLED_CMD(fn, why)                                          \
  static json_t *fn(struct ctl_req *req, json_t *args, struct ctl_reply *r) \
  {                                                                    \
    (void)req;                                                         \
    (void)args;                                                        \
    return ctl_error(r, CTL_E_FAILED, why);                            \
  }

#if LWIP_DHCP
/* The netif named by args.netif, by default the TAP netif. */
static struct netif *netif_named(json_t *args, struct ctl_reply *r)
{
  const char *name = NULL;
  if (!arg_str(args, "netif", false, &name, r)) {
    return NULL;
  }
  if (name == NULL) {
    if (!lwipd.netif_added) {
      ctl_error(r, CTL_E_NOT_FOUND, "lwipd has no TAP netif");
      return NULL;
    }
    return &lwipd.netif;
  }
  struct netif *n = netif_find(name);
  if (n == NULL) {
    ctl_error(r, CTL_E_NOT_FOUND, "no netif named %s", name);
  }
  return n;
}

static const char *netif_label(struct netif *n, char name[NETIF_NAMESIZE])
{
  return netif_index_to_name(netif_get_index(n), name);
}
#endif

/* ---------------------------------------------------------------------- */
/* DHCP                                                                    */
/* ---------------------------------------------------------------------- */

#if LWIP_DHCP

/* A lease time as JSON: seconds, or null for an infinite lease
 * (0xffffffff, RFC 2132 9.2). */
static json_t *json_secs(u32_t s)
{
  return s == 0xffffffffUL ? json_null() : json_integer((json_int_t)s);
}

static json_t *dhcp_status_json(struct netif *n)
{
  char name[NETIF_NAMESIZE];
  struct dhcp_info in;
  if (dhcp_get_info(n, &in) != ERR_OK) {
    /* No client was ever started on this netif. */
    return json_pack("{s:s, s:s, s:b}", "netif", netif_label(n, name), "state", "off", "supplied", 0);
  }
  json_t *dns = json_array();
  for (u8_t i = 0; i < in.dns_count && i < DHCP_MAX_DNS_SERVERS; i++) {
    json_array_append_new(dns, json_ip4(&in.dns[i]));
  }
  json_t *o = json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i}",
                        "netif", netif_label(n, name), "state", in.state, "supplied", dhcp_supplied_address(n) != 0,
                        "ip", json_ip4(&in.leased_ip), "offered_ip", json_ip4(&in.offered_ip), "netmask",
                        json_ip4(&in.netmask), "prefix", ip4_addr_netmask_prefix(&in.netmask), "router",
                        json_ip4(&in.router), "server", json_ip4(&in.server_id), "dns", dns, "lease_s",
                        json_secs(in.lease_s), "t1_s", json_secs(in.t1_s), "t2_s", json_secs(in.t2_s),
                        "lease_left_s", json_secs(in.lease_left_s), "t1_left_s", json_secs(in.t1_left_s),
                        "t2_left_s", json_secs(in.t2_left_s), "tries", in.tries);
#if LWIP_AUTOIP
  if (n->autoip != NULL && n->autoip->state != AUTOIP_STATE_OFF) {
    json_object_set_new(o, "autoip",
                        json_pack("{s:s, s:o}", "state", autoip_state_name(n->autoip->state), "ip",
                                  json_ip4(&n->autoip->llipaddr)));
  }
#endif
  return o;
}

/* The client is "running" unless it was never started or is OFF. */
static bool dhcp_running(const struct netif *n)
{
  return n->dhcp != NULL && n->dhcp->state != DHCP_STATE_OFF;
}

static json_t *cmd_dhcp_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = netif_named(args, r);
  if (n == NULL) {
    return NULL;
  }
  err_t err = dhcp_start(n);
  if (err == ERR_ARG) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.netif: DHCP needs an Ethernet netif");
  }
  if (err != ERR_OK) {
    return ctl_error(r, err == ERR_MEM ? CTL_E_NO_MEMORY : CTL_E_FAILED, "%s: %s", lwip_err_name(err),
                     lwip_strerr(err));
  }
  LWIP_LOG(APP, INFO, "DHCP started on %c%c%u", n->name[0], n->name[1], n->num);
  return dhcp_status_json(n);
}

/* The netif named in @p args, where DHCP must be running, or NULL with
 * the error set. */
static struct netif *dhcp_netif(json_t *args, struct ctl_reply *r)
{
  struct netif *n = netif_named(args, r);
  if (n != NULL && !dhcp_running(n)) {
    ctl_error(r, CTL_E_NOT_FOUND, "DHCP is not running on %c%c%u", n->name[0], n->name[1], n->num);
    return NULL;
  }
  return n;
}

static json_t *cmd_dhcp_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = dhcp_netif(args, r);
  if (n == NULL) {
    return NULL;
  }
  /* Stopping drops the leased address without a DHCPRELEASE: the server
   * keeps the lease until it expires (RFC 2131 4.4.6 makes releasing
   * optional). */
  dhcp_stop(n);
  return dhcp_status_json(n);
}

static json_t *cmd_dhcp_release(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = dhcp_netif(args, r);
  if (n == NULL) {
    return NULL;
  }
  struct dhcp_info in;
  dhcp_get_info(n, &in);
  bool had_lease = dhcp_supplied_address(n) != 0;
  err_t err = dhcp_release(n);
  json_t *o = dhcp_status_json(n);
  /* The address is given up even if the DHCPRELEASE could not be sent. */
  json_object_set_new(o, "released", json_boolean(had_lease && err == ERR_OK));
  json_object_set_new(o, "released_ip", json_ip4(&in.leased_ip));
  return o;
}

static json_t *cmd_dhcp_renew(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = dhcp_netif(args, r);
  if (n == NULL) {
    return NULL;
  }
  err_t err = dhcp_renew(n);
  if (err == ERR_CONN) {
    struct dhcp_info in;
    dhcp_get_info(n, &in);
    return ctl_error(r, CTL_E_FAILED, "no lease to renew (state %s, or the link is down)", in.state);
  }
  if (err != ERR_OK) {
    return ctl_error(r, err == ERR_MEM ? CTL_E_NO_MEMORY : CTL_E_FAILED, "DHCPREQUEST not sent: %s: %s",
                     lwip_err_name(err), lwip_strerr(err));
  }
  return dhcp_status_json(n);
}

static json_t *cmd_dhcp_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = netif_named(args, r);
  return n == NULL ? NULL : dhcp_status_json(n);
}

static void dhcp_state_event(struct netif *n, u8_t old_state, u8_t new_state)
{
  if (!ctl_has_subscribers(CTL_EV_DHCP)) {
    return;
  }
  char name[NETIF_NAMESIZE];
  json_t *ev = json_pack("{s:s, s:s, s:s}", "netif", netif_label(n, name), "from", dhcp_state_name(old_state),
                         "to", dhcp_state_name(new_state));
  struct dhcp_info in;
  if (ev != NULL && dhcp_get_info(n, &in) == ERR_OK && !ip4_addr_isany(&in.offered_ip)) {
    json_object_set_new(ev, "ip", json_ip4(&in.offered_ip));
  }
  ctl_broadcast(CTL_EV_DHCP, "dhcp", ev);
}

#if LWIP_DNS
/* RFC 2132 3.8: the servers of a lease become the resolver's.  A lease
 * without option 6 leaves the configured servers alone. */
static void dhcp_dns_servers(struct netif *n, u8_t count, const ip4_addr_t *servers)
{
  (void)n;
  if (count == 0) {
    return;
  }
  /* The lease's list replaces the whole old one: a server left from an
   * earlier lease or from dns.servers may belong to another network. */
  for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
    if (i < count) {
      ip_addr_t a;
      ip_addr_set_ip4(&a, &servers[i]);
      dns_setserver_source(i, &a, DNS_SERVER_DHCP);
    } else {
      dns_setserver(i, NULL);
    }
  }
}
#endif

int netapps_dhcp_release_all(void)
{
  int released = 0;
  struct netif *n;
  NETIF_FOREACH(n) {
    if (n->dhcp != NULL && dhcp_supplied_address(n)) {
      LWIP_LOG(APP, INFO, "releasing the DHCP lease of %c%c%u", n->name[0], n->name[1], n->num);
      released += dhcp_release(n) == ERR_OK;
    }
  }
  return released;
}

#else /* LWIP_DHCP */

#define NO_DHCP "this build has no DHCP client (dhcp=disabled)"
DISABLED_CMD(cmd_dhcp_start, NO_DHCP)
DISABLED_CMD(cmd_dhcp_stop, NO_DHCP)
DISABLED_CMD(cmd_dhcp_release, NO_DHCP)
DISABLED_CMD(cmd_dhcp_renew, NO_DHCP)
DISABLED_CMD(cmd_dhcp_status, NO_DHCP)

int netapps_dhcp_release_all(void)
{
  return 0;
}

#endif /* LWIP_DHCP */

/* ---------------------------------------------------------------------- */
/* DNS                                                                     */
/* ---------------------------------------------------------------------- */

#if LWIP_DNS

/** How often a pending lookup checks that its client is still there. */
#define RESOLVE_POLL_MS 250U

struct resolve_job {
  struct resolve_job *next;
  struct ctl_req req;
  char *name;
  const char *type;
  struct sys_timeo poll; /* resolve_poll's timer, in the job's own storage */
};

static struct resolve_job *resolve_jobs;

static const struct {
  const char *name;
  u8_t addrtype;
} dns_types[] = {
  {"a", LWIP_DNS_ADDRTYPE_IPV4},
  {"aaaa", LWIP_DNS_ADDRTYPE_IPV6},
  /* "any": A first, AAAA when the name has no A record. */
  {"any", LWIP_DNS_ADDRTYPE_IPV4_IPV6},
};

static json_t *json_ipaddr(const ip_addr_t *a)
{
  char buf[IPADDR_STRLEN_MAX + NETIF_NAMESIZE + 1];
  if (ipaddr_ntoa_r(a, buf, IPADDR_STRLEN_MAX) == NULL) {
    return json_string("?");
  }
#if LWIP_IPV6
  /* A scoped address shows its zone as "%name", as dns.servers takes it. */
  char name[NETIF_NAMESIZE];
  if (IP_IS_V6_VAL(*a) && ip_2_ip6(a)->zone != IP6_NO_ZONE && netif_index_to_name(ip_2_ip6(a)->zone, name) != NULL) {
    size_t n = strlen(buf);
    snprintf(buf + n, sizeof(buf) - n, "%%%s", name);
  }
#endif
  return json_string(buf);
}

static json_t *json_addrs(const ip_addr_t *addrs, u8_t n)
{
  json_t *a = json_array();
  for (u8_t i = 0; i < n; i++) {
    json_array_append_new(a, json_ipaddr(&addrs[i]));
  }
  return a;
}

static const char *qtype_name(u16_t qtype)
{
  return qtype == DNS_RRTYPE_A ? "a" : qtype == DNS_RRTYPE_AAAA ? "aaaa" : "";
}

/* Who answered: a configured server's index, the mDNS group, or nobody. */
static json_t *json_server_idx(u8_t idx)
{
  if (idx == DNS_SERVER_IDX_NONE) {
    return json_null();
  }
  return idx == DNS_SERVER_IDX_MDNS ? json_string("mdns") : json_integer(idx);
}

static const char *source_name(u8_t source)
{
  switch (source) {
  case DNS_SOURCE_NETWORK: return "network";
  case DNS_SOURCE_CACHE: return "cache";
  case DNS_SOURCE_LOCAL: return "local";
  case DNS_SOURCE_LITERAL: return "literal";
  default: return "?";
  }
}

static json_t *resolve_json(const struct dns_result *res, const char *type)
{
  bool answered = res->server_idx != DNS_SERVER_IDX_NONE;
  return json_pack("{s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:s, s:I, s:i}", "name", res->name, "type", type,
                   "qtype", qtype_name(res->qtype), "addresses", json_addrs(res->addrs, res->naddrs), "ttl",
                   (json_int_t)res->ttl, "server", answered ? json_ipaddr(&res->server) : json_null(),
                   "server_index", json_server_idx(res->server_idx), "source", source_name(res->source),
                   "elapsed_ms", (json_int_t)res->elapsed_ms, "tries", res->tries);
}

static void job_free(struct resolve_job *j)
{
  for (struct resolve_job **pp = &resolve_jobs; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == j) {
      *pp = j->next;
      break;
    }
  }
  free(j->name);
  free(j);
}

/* A failed lookup's status as a protocol error: a name that does not
 * exist (RCODE 3, RFC 1035 4.1.1) or has no record of the type (RFC 2308
 * NODATA) is not_found; no answer at all is a timeout. */
static void status_error(const struct dns_result *res, const char *type, const char **code, char *msg, size_t len)
{
  const char *st = dns_status_name(res->status);
  switch (res->status) {
  case DNS_STATUS_NXDOMAIN:
    *code = CTL_E_NOT_FOUND;
    snprintf(msg, len, "%s: %s does not exist", st, res->name);
    break;
  case DNS_STATUS_NODATA:
    *code = CTL_E_NOT_FOUND;
    snprintf(msg, len, "%s: %s has no %s record", st, res->name, type);
    break;
  case DNS_STATUS_TIMEOUT:
    *code = CTL_E_TIMEOUT;
    snprintf(msg, len, "%s: no answer for %s from any server after %u queries in %lu ms", st, res->name,
             res->tries, (unsigned long)res->elapsed_ms);
    break;
  case DNS_STATUS_TRUNCATED:
    *code = CTL_E_FAILED;
    snprintf(msg, len, "%s: the answer for %s did not fit in a UDP message", st, res->name);
    break;
  case DNS_STATUS_NO_MEM:
    *code = CTL_E_NO_MEMORY;
    snprintf(msg, len, "%s: no memory to send a query for %s", st, res->name);
    break;
  default:
    *code = CTL_E_FAILED;
    snprintf(msg, len, "%s: the server could not answer for %s", st, res->name);
    break;
  }
}

static void resolve_poll(void *arg);

static void resolve_done(const struct dns_result *res, void *arg)
{
  struct resolve_job *j = (struct resolve_job *)arg;
  sys_untimeout(resolve_poll, j);
  LWIP_LOG(APP, INFO, "dns.resolve %s: %s in %lu ms", j->name, dns_status_name(res->status),
           (unsigned long)res->elapsed_ms);
  if (res->status == DNS_STATUS_OK) {
    ctl_reply_later(&j->req, resolve_json(res, j->type), NULL, NULL);
  } else {
    const char *code;
    char msg[256];
    status_error(res, j->type, &code, msg, sizeof(msg));
    ctl_reply_later(&j->req, NULL, code, msg);
  }
  job_free(j);
}

/* The resolver has no idea of control clients: look now and then whether
 * the one waiting is still there, and cancel the lookup if not. */
static void resolve_poll(void *arg)
{
  struct resolve_job *j = (struct resolve_job *)arg;
  if (!ctl_req_alive(&j->req)) {
    LWIP_LOG(APP, DEBUG, "dns.resolve %s: client gone, lookup cancelled", j->name);
    dns_cancel(j);
    ctl_req_release(&j->req);
    job_free(j);
    return;
  }
  sys_timeout_static(&j->poll, RESOLVE_POLL_MS, resolve_poll, j);
}

static json_t *resolve_start_error(struct ctl_reply *r, err_t err, const char *name)
{
  switch (err) {
  case ERR_ARG:
    return ctl_error(r, CTL_E_BAD_ARGS, "args.name: '%s' is not a valid host name", name);
  case ERR_VAL:
    return ctl_error(r, CTL_E_FAILED, "no DNS server is configured (set one with dns.servers or get one by DHCP)");
  case ERR_MEM:
    if (dns_pending_count() >= DNS_MAX_REQUESTS) {
      return ctl_error(r, CTL_E_BUSY, "%d lookups are pending already", DNS_MAX_REQUESTS);
    }
    return ctl_error(r, CTL_E_NO_MEMORY, "no memory or UDP PCB for the lookup");
  default:
    return ctl_error(r, CTL_E_FAILED, "%s: %s", lwip_err_name(err), lwip_strerr(err));
  }
}

static json_t *cmd_dns_resolve(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  const char *name = NULL, *type = "a";
  if (!arg_str(args, "name", true, &name, r) || !arg_str(args, "type", false, &type, r)) {
    return NULL;
  }
  size_t k = 0;
  while (k < sizeof(dns_types) / sizeof(dns_types[0]) && strcmp(dns_types[k].name, type) != 0) {
    k++;
  }
  if (k == sizeof(dns_types) / sizeof(dns_types[0])) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.type: expected a, aaaa or any");
  }
  if (*name == '\0' || strlen(name) >= DNS_MAX_NAME_LENGTH) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.name: must be 1 to %d characters", DNS_MAX_NAME_LENGTH - 1);
  }
  struct resolve_job *j = calloc(1, sizeof(*j));
  if (j == NULL || (j->name = strdup(name)) == NULL) {
    free(j);
    return ctl_error(r, CTL_E_NO_MEMORY, "no memory for the lookup");
  }
  j->type = dns_types[k].name;
  struct dns_result res;
  err_t err = dns_gethostbyname_ex(j->name, dns_types[k].addrtype, &res, resolve_done, j);
  if (err == ERR_OK) {
    /* Answered at once (literal, local table or cache). */
    json_t *o = resolve_json(&res, j->type);
    free(j->name);
    free(j);
    return o;
  }
  if (err != ERR_INPROGRESS) {
    free(j->name);
    free(j);
    return resolve_start_error(r, err, name);
  }
  j->req = *req;
  j->next = resolve_jobs;
  resolve_jobs = j;
  sys_timeout_static(&j->poll, RESOLVE_POLL_MS, resolve_poll, j);
  r->deferred = true;
  return NULL;
}

static void resolve_fail_all(const char *why, bool stack_alive)
{
  while (resolve_jobs != NULL) {
    struct resolve_job *j = resolve_jobs;
    if (stack_alive) {
      dns_cancel(j);
      sys_untimeout(resolve_poll, j);
    }
    ctl_reply_later(&j->req, NULL, CTL_E_FAILED, why);
    job_free(j);
  }
}

static json_t *servers_json(void)
{
  json_t *a = json_array();
  for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
    const ip_addr_t *s = dns_getserver(i);
    if (!ip_addr_isany(s)) {
      json_array_append_new(a, json_pack("{s:i, s:o, s:s}", "index", i, "address", json_ipaddr(s), "source",
                                         dns_server_origin_name(dns_getserver_source(i))));
    }
  }
  return json_pack("{s:o, s:i}", "servers", a, "max", DNS_MAX_SERVERS);
}

/* One element of args.servers: a unicast IPv4 address, or (IPv6 built) a
 * unicast IPv6 one, link-local with an optional %zone (arg_ip6_zoned's
 * rules).  @return false with an error set. */
static bool server_addr(json_t *v, size_t i, ip_addr_t *out, struct ctl_reply *r)
{
  const char *text = json_is_string(v) ? json_string_value(v) : NULL;
#if LWIP_IPV6
  if (text != NULL && strchr(text, ':') != NULL) {
    char key[32];
    snprintf(key, sizeof(key), "servers[%zu]", i);
    json_t *one = json_pack("{s:O}", key, v);
    ip6_addr_t a6;
    bool ok = one != NULL && arg_ip6_zoned(one, key, true, &a6, r);
    json_decref(one);
    if (!ok) {
      return false;
    }
    if (ip6_addr_isany(&a6) || ip6_addr_ismulticast(&a6)) {
      ctl_error(r, CTL_E_BAD_ARGS, "args.%s: not a unicast IPv6 address", key);
      return false;
    }
    memset(out, 0, sizeof(*out));
    *ip_2_ip6(out) = a6;
    out->type = IPADDR_TYPE_V6;
    return true;
  }
#endif
  ip4_addr_t a4;
  if (text == NULL || !ip4addr_aton(text, &a4) || ip4_addr_isany(&a4) || ip4_addr_ismulticast(&a4) ||
      ip4_addr_islimitedbroadcast(&a4)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.servers[%zu]: not a unicast IPv4%s address", i, LWIP_IPV6 ? " or IPv6" : "");
    return false;
  }
  ip_addr_set_ip4(out, &a4);
  return true;
}

static json_t *cmd_dns_servers(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  json_t *list = json_object_get(args, "servers");
  if (list == NULL || json_is_null(list)) {
    return servers_json();
  }
  if (!json_is_array(list)) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.servers: not a list");
  }
  if (json_array_size(list) > DNS_MAX_SERVERS) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.servers: at most %d servers", DNS_MAX_SERVERS);
  }
  ip_addr_t addrs[DNS_MAX_SERVERS];
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) {
    if (!server_addr(v, i, &addrs[i], r)) {
      return NULL;
    }
  }
  /* Everything is checked before anything changes. */
  for (u8_t s = 0; s < DNS_MAX_SERVERS; s++) {
    dns_setserver(s, s < json_array_size(list) ? &addrs[s] : NULL);
  }
  return servers_json();
}

static void cache_entry(const struct dns_cache_info *e, void *arg)
{
  json_t *a = (json_t *)arg;
  bool answered = e->server_idx != DNS_SERVER_IDX_NONE && e->server != NULL;
  json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:I, s:o, s:o, s:I}", "name", e->name, "type",
                                     qtype_name(e->qtype), "addresses", json_addrs(e->addrs, e->naddrs), "ttl",
                                     (json_int_t)e->ttl_left, "server",
                                     answered ? json_ipaddr(e->server) : json_null(), "server_index",
                                     json_server_idx(e->server_idx), "elapsed_ms", (json_int_t)e->elapsed_ms));
}

static json_t *cmd_dns_cache(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  dns_cache_foreach(cache_entry, a);
  return json_pack("{s:o, s:i}", "entries", a, "max", DNS_TABLE_SIZE);
}

static json_t *cmd_dns_cache_flush(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  dns_cache_foreach(cache_entry, a);
  size_t n = json_array_size(a);
  json_decref(a);
  dns_cache_flush();
  return json_pack("{s:I}", "flushed", (json_int_t)n);
}

void netapps_stop_all(void)
{
  resolve_fail_all("dns.resolve stopped: the stack was restarted or lwipd is stopping", true);
}

#else /* LWIP_DNS */

#define NO_DNS "this build has no DNS resolver (dns=disabled)"
DISABLED_CMD(cmd_dns_servers, NO_DNS)
DISABLED_CMD(cmd_dns_resolve, NO_DNS)
DISABLED_CMD(cmd_dns_cache, NO_DNS)
DISABLED_CMD(cmd_dns_cache_flush, NO_DNS)

void netapps_stop_all(void)
{
}

#endif /* LWIP_DNS */

/* ---------------------------------------------------------------------- */
/* Set-up                                                                  */
/* ---------------------------------------------------------------------- */

#if LWIP_DNS && LWIP_IPV6
/* RFC 8106 5.3.1: the RDNSS addresses of Router Advertisements become the
 * resolver's servers, in the order nd6 keeps them, as long as no server
 * was set by hand or learnt from DHCP or DHCPv6 (those win); an expired or withdrawn
 * RDNSS leaves the list the same way.  Called on every RDNSS change;
 * @p gone_slot is the nd6 slot being removed (still listed while its
 * event is reported), -1 for none. */
void netapps_rdnss_changed(int gone_slot)
{
  for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
    if (dns_getserver_source(i) != DNS_SERVER_RA_RDNSS && !ip_addr_isany(dns_getserver(i))) {
      return;
    }
  }
  u8_t n = 0;
  struct nd6_rdnss_info d;
  for (int i = 0; i < ND6_NUM_RDNSS && n < DNS_MAX_SERVERS; i++) {
    if (i != gone_slot && nd6_get_rdnss_info(i, &d)) {
      ip_addr_t a;
      memset(&a, 0, sizeof(a));
      *ip_2_ip6(&a) = d.addr; /* a link-local one carries its zone */
      a.type = IPADDR_TYPE_V6;
      dns_setserver_source(n++, &a, DNS_SERVER_RA_RDNSS);
    }
  }
  for (u8_t i = n; i < DNS_MAX_SERVERS; i++) {
    dns_setserver(i, NULL);
  }
}
#else
void netapps_rdnss_changed(int gone_slot)
{
  (void)gone_slot;
}
#endif

void netapps_init(void)
{
#if LWIP_DNS
  /* lwip_init() has just run (start-up, or record.start restarting the
   * stack): lookups still listed were forgotten with the old resolver. */
  resolve_fail_all("dns.resolve stopped: the stack was restarted", false);
#endif
#if LWIP_DHCP
  /* lwip_init() also forgot the callbacks. */
  dhcp_set_state_callback(dhcp_state_event);
#if LWIP_DNS
  dhcp_set_dns_callback(dhcp_dns_servers);
#endif
#endif
}

/* The dhcp.* and dns.* commands (docs/control-protocol.md). */
const struct ctl_cmd netapps_cmds[] = {
    {"dhcp.start", cmd_dhcp_start, "start the DHCP client"},
    {"dhcp.stop", cmd_dhcp_stop, "stop the DHCP client"},
    {"dhcp.release", cmd_dhcp_release, "release the lease"},
    {"dhcp.renew", cmd_dhcp_renew, "renew the lease now"},
    {"dhcp.status", cmd_dhcp_status, "the DHCP client's state and lease"},
    {"dns.servers", cmd_dns_servers, "read or set the DNS servers"},
    {"dns.resolve", cmd_dns_resolve, "resolve a name (deferred)"},
    {"dns.cache", cmd_dns_cache, "the DNS cache"},
    {"dns.cache.flush", cmd_dns_cache_flush, "empty the DNS cache"},
    {NULL, NULL, NULL},
};
