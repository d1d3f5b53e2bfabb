/**
 * @file ip6cmds.c
 * IPv6 in lwipd: bringing it up on the TAP netif at start-up (and again
 * when record.start restarts the stack), and the IPv6 commands of the
 * control socket (docs/control-protocol.md).
 *
 * Start-up follows RFC 4862: the link-local address first (5.3), with
 * duplicate address detection before it is used (5.4) and router
 * solicitation once it is (RFC 4861 6.3.7), both run by nd6.c on the
 * core's timers, which the event loop serves like every other timer.
 * Static addresses from --ip6 go through DAD too.  Interface identifiers are
 * RFC 7217 stable, opaque ones keyed by a secret taken from lwipd's seed,
 * so `--seed N` gives the same addresses on every run, or modified EUI-64
 * (--iid eui64).
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <stdio.h>
#include <string.h>

#if LWIP_IPV6
#include "lwip/icmp6.h"
#include "lwip/ip6.h"
#include "lwip/ip6_frag.h"
#include "lwip/ip6_addr.h"
#include "lwip/mld6.h"
#include "lwip/nd6.h"
#endif

#include "tap.h"

/* ---------------------------------------------------------------------- */
/* Start-up                                                                */
/* ---------------------------------------------------------------------- */

#if LWIP_IPV6
/* SplitMix64 (Steele, Lea, Flood 2014): a good 64-bit mixer, enough to
 * spread one seed over the 128-bit key. */
static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* RFC 7217 5 wants a secret that is stable for the host.  lwipd has no
 * place to keep one, so a seeded lwipd derives it from its seed (the same
 * seed, the same addresses, which is what tests and replay need); an
 * unseeded one leaves the core to draw a random key, stable for the life
 * of the process.  The key is not the seed's random stream itself, so
 * knowing one says nothing of the other. */
static void set_iid_secret(void)
{
  if (!lwipd.seeded) {
    return;
  }
  uint64_t x = lwipd.seed ^ 0x6c77697064366969ULL; /* "lwipd6ii" */
  u8_t key[16];
  for (int half = 0; half < 2; half++) {
    uint64_t v = splitmix64(&x);
    for (int i = 0; i < 8; i++) {
      key[half * 8 + i] = (u8_t)(v >> (56 - 8 * i));
    }
  }
  netif_ip6_set_iid_secret(key);
}

int ip6cmds_setup(struct netif *n, const struct lwipd_ip6_conf *c, char *err, size_t errlen)
{
  set_iid_secret();
  n->ip6_autoconfig_enabled = c->slaac ? 1 : 0;
  err_t e = netif_create_ip6_linklocal_address(n, c->eui64 ? 1 : 0);
  if (e != ERR_OK) {
    snprintf(err, errlen, "cannot make a link-local address: %s", lwip_strerr(e));
    return -1;
  }
  for (int i = 0; i < c->naddr; i++) {
    char buf[IP6ADDR_STRLEN_MAX];
    ip6addr_ntoa_r(&c->addr[i].addr, buf, sizeof(buf));
    e = netif_add_ip6_address_prefix(n, &c->addr[i].addr, c->addr[i].prefix, NULL);
    if (e == ERR_BUF) {
      snprintf(err, errlen, "%s/%u: no free address slot (this build keeps %d IPv6 addresses per netif)", buf,
               c->addr[i].prefix, LWIP_IPV6_NUM_ADDRESSES);
      return -1;
    }
    if (e != ERR_OK) {
      snprintf(err, errlen, "%s/%u: not a unicast address (%s)", buf, c->addr[i].prefix, lwip_strerr(e));
      return -1;
    }
  }
  return 0;
}
#else
int ip6cmds_setup(struct netif *n, const struct lwipd_ip6_conf *c, char *err, size_t errlen)
{
  (void)n;
  if (c->naddr > 0) {
    snprintf(err, errlen, "this build has no IPv6 (ipv6=disabled)");
    return -1;
  }
  return 0;
}
#endif

json_t *ip6cmds_conf_json(const struct lwipd_ip6_conf *c)
{
  json_t *addrs = json_array();
#if LWIP_IPV6 /* without IPv6 no address is ever configured (ip6cmds_setup refuses them) */
  for (int i = 0; i < c->naddr; i++) {
    char buf[IP6ADDR_STRLEN_MAX + 8];
    char a[IP6ADDR_STRLEN_MAX];
    snprintf(buf, sizeof(buf), "%s/%u", ip6addr_ntoa_r(&c->addr[i].addr, a, sizeof(a)), c->addr[i].prefix);
    json_array_append_new(addrs, json_string(buf));
  }
#endif
  return json_pack("{s:b, s:s, s:o}", "slaac", c->slaac, "iid", c->eui64 ? "eui64" : "stable", "addresses", addrs);
}

int ip6cmds_conf_from_json(json_t *o, struct lwipd_ip6_conf *c, char *err, size_t errlen)
{
  json_t *slaac = json_object_get(o, "slaac"), *iid = json_object_get(o, "iid"),
         *addrs = json_object_get(o, "addresses");
  memset(c, 0, sizeof(*c));
  if (!json_is_object(o) || !json_is_boolean(slaac) || !json_is_string(iid) || !json_is_array(addrs) ||
      json_array_size(addrs) > LWIPD_IP6_MAX_STATIC) {
    snprintf(err, errlen, "ip6: expected {slaac: bool, iid: \"stable\"|\"eui64\", addresses: [\"ADDR/PREFIX\", ...]}");
    return -1;
  }
  c->slaac = json_is_true(slaac);
  if (strcmp(json_string_value(iid), "eui64") == 0) {
    c->eui64 = true;
  } else if (strcmp(json_string_value(iid), "stable") != 0) {
    snprintf(err, errlen, "ip6.iid: expected \"stable\" or \"eui64\"");
    return -1;
  }
  size_t i;
  json_t *v;
  json_array_foreach(addrs, i, v) {
    u8_t prefix = 0;
#if LWIP_IPV6
    bool ok = json_is_string(v) && ip6addr_cidr_aton(json_string_value(v), &c->addr[i].addr, &prefix, true);
#else
    bool ok = false; /* no IPv6 in this build: no address can be set */
#endif
    if (!ok) {
      snprintf(err, errlen, "ip6.addresses[%zu]: expected \"ADDR/PREFIX\"", i);
      return -1;
    }
    c->addr[i].prefix = prefix;
    c->naddr++;
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Addresses, routes and the IPv6 commands                                 */
/* ---------------------------------------------------------------------- */

#if LWIP_IPV6
static const char *origin_name(u8_t origin)
{
  switch (origin) {
  case NETIF_IP6_ORIGIN_STATIC:
    return "static";
  case NETIF_IP6_ORIGIN_LINKLOCAL:
    return "link-local";
  case NETIF_IP6_ORIGIN_AUTOCONF:
    return "slaac";
  case NETIF_IP6_ORIGIN_DHCP6:
    return "dhcp6";
  default:
    return "?";
  }
}

json_t *json_ip6(const ip6_addr_t *a)
{
  char buf[IP6ADDR_STRLEN_MAX];
  ip6_addr_t plain = *a;
  plain.zone = IP6_NO_ZONE; /* the netif is shown beside it */
  return json_string(ip6addr_ntoa_r(&plain, buf, sizeof(buf)));
}

/* A lifetime in seconds, or null for infinite (RFC 4861 4.6.2). */
static json_t *json_lifetime(u32_t s)
{
  return s == IP6_ADDR_LIFE_INFINITE ? json_null() : json_integer((json_int_t)s);
}

static const char *netif_name(const struct netif *n, char name[NETIF_NAMESIZE])
{
  name[0] = '\0';
  return n != NULL ? netif_index_to_name(netif_get_index(n), name) : name;
}

static json_t *addr_json(struct netif *n, int i)
{
  const ip6_addr_t *a = netif_ip6_addr(n, i);
  return json_pack("{s:o, s:i, s:s, s:s, s:s, s:o, s:o}", "addr", json_ip6(a), "prefix", n->ip6_addr_prefix_len[i],
                   "state", netif_ip6_addr_state_name(netif_ip6_addr_state(n, i)), "origin",
                   origin_name(n->ip6_addr_origin[i]), "scope", ip6_addr_islinklocal(a) ? "link" : "global",
                   "valid_lifetime_s", json_lifetime(netif_ip6_addr_valid_left(n, (s8_t)i)), "preferred_lifetime_s",
                   json_lifetime(netif_ip6_addr_pref_left(n, (s8_t)i)));
}

json_t *ip6cmds_addrs_json(struct netif *n)
{
  json_t *a = json_array();
  for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (!ip6_addr_isinvalid(netif_ip6_addr_state(n, i))) {
      json_array_append_new(a, addr_json(n, i));
    }
  }
  return a;
}

/* One on-link route per distinct prefix of the netif's usable addresses,
 * as nd6_next_hop() treats them (RFC 4861 5.2). */
static void onlink_routes(struct netif *n, json_t *a)
{
  char name[NETIF_NAMESIZE];
  for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (!ip6_addr_isvalid(netif_ip6_addr_state(n, i))) {
      continue;
    }
    u8_t plen = n->ip6_addr_prefix_len[i];
    bool seen = false;
    for (int k = 0; k < i; k++) {
      seen = seen || (ip6_addr_isvalid(netif_ip6_addr_state(n, k)) && n->ip6_addr_prefix_len[k] == plen &&
                      ip6_addr_prefix_eq(netif_ip6_addr(n, k), netif_ip6_addr(n, i), plen));
    }
    if (seen) {
      continue;
    }
    ip6_addr_t net = *netif_ip6_addr(n, i);
    for (int b = plen; b < 128; b++) {
      ((u8_t *)net.addr)[b / 8] &= (u8_t) ~(0x80U >> (b % 8));
    }
    json_array_append_new(a, json_pack("{s:s, s:o, s:i, s:s, s:s, s:s, s:b}", "family", "ipv6", "dest", json_ip6(&net),
                                       "prefix", plen, "gw", "", "netif", netif_name(n, name), "source", "address",
                                       "usable", netif_is_up(n) && netif_is_link_up(n)));
  }
}

static json_t *route6_json(const ip6_addr_t *dest, u8_t plen, const ip6_addr_t *gw, const struct netif *n,
                           const char *source)
{
  char name[NETIF_NAMESIZE];
  return json_pack("{s:s, s:o, s:i, s:o, s:s, s:s, s:b}", "family", "ipv6", "dest", json_ip6(dest), "prefix", plen,
                   "gw", gw != NULL ? json_ip6(gw) : json_string(""), "netif", netif_name(n, name), "source", source,
                   "usable", n != NULL && netif_is_up(n) && netif_is_link_up(n));
}

/* Does a usable address of @p n carry the prefix @p prefix/@p plen (so
 * onlink_routes() showed it already)? */
static bool address_prefix(const struct netif *n, const ip6_addr_t *prefix, u8_t plen)
{
  for (int i = 0; n != NULL && i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (ip6_addr_isvalid(netif_ip6_addr_state(n, i)) && n->ip6_addr_prefix_len[i] == plen &&
        ip6_addr_prefix_eq(netif_ip6_addr(n, i), prefix, plen)) {
      return true;
    }
  }
  return false;
}

/* What Router Advertisements taught (RFC 4861 6.3.4, RFC 4191): on-link
 * prefixes, Route Information routes, redirects and default routers, in
 * the order nd6_next_hop() consults them after the addresses' prefixes. */
static void learned_routes(json_t *a)
{
  struct nd6_prefix_info p;
  for (int i = 0; i < ND6_NUM_PREFIXES; i++) {
    if (nd6_get_prefix_info(i, &p) && p.onlink && !address_prefix(p.netif, &p.prefix, p.prefix_len)) {
      json_array_append_new(a, route6_json(&p.prefix, p.prefix_len, NULL, p.netif, "ra"));
    }
  }
  struct nd6_route_info r;
  for (int i = 0; i < ND6_NUM_ROUTES; i++) {
    if (nd6_get_route_info(i, &r)) {
      json_array_append_new(a, route6_json(&r.prefix, r.prefix_len, &r.router, r.netif, "route-info"));
    }
  }
  struct nd6_redirect_info d;
  for (int i = 0; i < ND6_NUM_REDIRECTS; i++) {
    if (nd6_get_redirect_info(i, &d)) {
      json_array_append_new(a, route6_json(&d.dest, 128, &d.target, d.netif, "redirect"));
    }
  }
  struct nd6_router_info t;
  ip6_addr_t any;
  ip6_addr_set_zero(&any);
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    if (nd6_get_router_info(i, &t)) {
      json_array_append_new(a, route6_json(&any, 0, &t.addr, t.netif, "ra"));
    }
  }
}

void ip6cmds_routes_json(json_t *a)
{
  struct netif *n;
  NETIF_FOREACH(n)
  {
    onlink_routes(n, a);
  }
  learned_routes(a);
}

/* Parse args.@p key as an IPv6 address with an optional zone:
 * "fe80::1%tap0" names lwipd's TAP by its Linux name, "%tp1" by the netif
 * name; a link-local address without a zone gets the default netif's (the
 * TAP's: lwipd has one link).  @return false with an error set. */
bool arg_ip6_zoned(json_t *args, const char *key, bool required, ip6_addr_t *out, struct ctl_reply *r)
{
  const char *s = NULL;
  if (!arg_str(args, key, required, &s, r)) {
    return false;
  }
  if (s == NULL) {
    return true;
  }
  char text[IP6ADDR_STRLEN_MAX + 1 + 32];
  if (strlen(s) >= sizeof(text)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.%s: too long for an IPv6 address", key);
    return false;
  }
  strcpy(text, s);
  char *pct = strchr(text, '%');
  struct netif *zone = netif_default;
  if (pct != NULL) {
    *pct++ = '\0';
    zone = netif_find(pct);
    if (zone == NULL && lwipd.tap != NULL && lwipd.netif_added && strcmp(pct, lwipd.tap->name) == 0) {
      zone = &lwipd.netif;
    }
    if (zone == NULL) {
      ctl_error(r, CTL_E_BAD_ARGS, "args.%s: no netif or TAP named %s", key, pct);
      return false;
    }
  }
  if (!ip6addr_aton(text, out)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.%s: not an IPv6 address", key);
    return false;
  }
  out->zone = IP6_NO_ZONE;
  if (ip6_addr_has_scope(out) && zone != NULL) {
    out->zone = netif_get_index(zone);
  } else if (pct != NULL && !ip6_addr_has_scope(out)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.%s: a zone is only for link-local addresses", key);
    return false;
  }
  return true;
}

static struct netif *netif_arg6(json_t *args, struct ctl_reply *r)
{
  const char *name = NULL;
  if (!arg_str(args, "name", false, &name, r)) {
    return NULL;
  }
  struct netif *n = name != NULL ? netif_find(name) : netif_default;
  if (n == NULL) {
    ctl_error(r, CTL_E_NOT_FOUND, "no netif named %s", name ? name : "(default)");
  }
  return n;
}

/* netif.addr6.add {name?, addr: "ADDR/PREFIX"}: a static address, through
 * DAD like --ip6 (its state is tentative in the reply). */
static json_t *cmd_addr6_add(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *s = NULL;
  struct netif *n = netif_arg6(args, r);
  if (n == NULL || !arg_str(args, "addr", true, &s, r)) {
    return NULL;
  }
  ip6_addr_t a;
  u8_t prefix = 0;
  if (!ip6addr_cidr_aton(s, &a, &prefix, true)) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.addr: expected ADDR/PREFIX, e.g. fd00::2/64");
  }
  if (netif_get_ip6_addr_match(n, &a) >= 0) {
    return ctl_error(r, CTL_E_BUSY, "args.addr: %s is on the netif already", s);
  }
  s8_t idx = -1;
  err_t e = netif_add_ip6_address_prefix(n, &a, prefix, &idx);
  if (e == ERR_VAL) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.addr: not a unicast address");
  }
  if (e == ERR_BUF) {
    return ctl_error(r, CTL_E_NO_MEMORY, "no free IPv6 address slot (this build keeps %d per netif)",
                     LWIP_IPV6_NUM_ADDRESSES);
  }
  if (e != ERR_OK) {
    return ctl_error(r, CTL_E_FAILED, "%s", lwip_strerr(e));
  }
  return addr_json(n, idx);
}

/* netif.addr6.del {name?, addr}: remove any address but the link-local
 * one lwipd made (without it ND cannot work, RFC 4861 6.3.7). */
static json_t *cmd_addr6_del(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *s = NULL;
  struct netif *n = netif_arg6(args, r);
  if (n == NULL || !arg_str(args, "addr", true, &s, r)) {
    return NULL;
  }
  ip6_addr_t a;
  u8_t prefix = 0;
  if (!ip6addr_cidr_aton(s, &a, &prefix, false)) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.addr: not an IPv6 address");
  }
  s8_t idx = netif_get_ip6_addr_match(n, &a);
  if (idx < 0) {
    return ctl_error(r, CTL_E_NOT_FOUND, "no address %s on the netif", s);
  }
  if (n->ip6_addr_origin[idx] == NETIF_IP6_ORIGIN_LINKLOCAL) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.addr: the link-local address stays (Neighbor Discovery needs it)");
  }
  netif_ip6_addr_set_state(n, idx, IP6_ADDR_INVALID);
  return json_object();
}

static json_t *neighbor_json(const struct nd6_neighbor_info *e)
{
  char name[NETIF_NAMESIZE];
  return json_pack("{s:o, s:o, s:s, s:s, s:b, s:i, s:i, s:I}", "ip", json_ip6(&e->addr), "mac",
                   json_mac(e->lladdr.addr), "netif", netif_name(e->netif, name), "state", nd6_state_name(e->state),
                   "router", e->is_router, "queued", e->queued, "probes", e->probes, "age_ms", (json_int_t)e->age_ms);
}

static json_t *cmd_nd_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  struct nd6_neighbor_info e;
  for (int i = 0; i < ND6_NUM_NEIGHBORS; i++) {
    if (nd6_get_neighbor_info(i, &e)) {
      json_array_append_new(a, neighbor_json(&e));
    }
  }
  return json_pack("{s:o}", "neighbors", a);
}

static json_t *cmd_nd_flush(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = NULL;
  bool routers = false;
  if ((arg_given(args, "name") && (n = netif_arg6(args, r)) == NULL) ||
      !arg_bool(args, "routers", false, &routers, r)) {
    return NULL;
  }
  json_t *o = json_pack("{s:i}", "removed", nd6_flush(n));
  if (routers) {
    json_object_set_new(o, "routers_removed", json_integer(nd6_flush_routers(n)));
  }
  return o;
}

static const char *preference_name(s8_t pref)
{
  return pref > 0 ? "high" : pref < 0 ? "low" : "medium";
}

static json_t *router_json(const struct nd6_router_info *t)
{
  char name[NETIF_NAMESIZE];
  return json_pack("{s:o, s:s, s:I, s:s, s:b}", "addr", json_ip6(&t->addr), "netif", netif_name(t->netif, name),
                   "lifetime_s", (json_int_t)t->lifetime_left_s, "preference", preference_name(t->preference),
                   "reachable", t->reachable);
}

static json_t *prefix_json(const struct nd6_prefix_info *p)
{
  char name[NETIF_NAMESIZE];
  return json_pack("{s:o, s:i, s:s, s:b, s:b, s:o, s:o}", "prefix", json_ip6(&p->prefix), "prefix_len", p->prefix_len,
                   "netif", netif_name(p->netif, name), "onlink", p->onlink, "autonomous", p->autonomous,
                   "valid_lifetime_s", json_lifetime(p->valid_left_s), "preferred_lifetime_s",
                   json_lifetime(p->pref_left_s));
}

static json_t *rdnss_json(const struct nd6_rdnss_info *d)
{
  char name[NETIF_NAMESIZE];
  return json_pack("{s:o, s:s, s:o}", "addr", json_ip6(&d->addr), "netif", netif_name(d->netif, name), "lifetime_s",
                   json_lifetime(d->lifetime_left_s));
}

static json_t *dnssl_json(const struct nd6_dnssl_info *d)
{
  char name[NETIF_NAMESIZE];
  return json_pack("{s:s, s:s, s:o}", "domain", d->domain, "netif", netif_name(d->netif, name), "lifetime_s",
                   json_lifetime(d->lifetime_left_s));
}

/* What the latest Router Advertisements set on each netif. */
static json_t *ra_params_json(void)
{
  json_t *a = json_array();
  struct netif *n;
  NETIF_FOREACH(n)
  {
    struct nd6_ra_params p;
    char name[NETIF_NAMESIZE];
    if (n == netif_loopback || !nd6_get_ra_params(n, &p)) {
      continue;
    }
    json_array_append_new(a, json_pack("{s:s, s:b, s:I, s:i, s:I, s:I, s:i, s:b, s:b}", "netif", netif_name(n, name),
                                       "ra_seen", p.ra_seen, "last_ra_age_ms", (json_int_t)p.last_ra_age_ms,
                                       "cur_hop_limit", p.cur_hop_limit, "base_reachable_ms",
                                       (json_int_t)p.base_reachable_ms, "retrans_ms", (json_int_t)p.retrans_ms, "mtu",
                                       p.mtu, "managed", p.managed, "other", p.other));
  }
  return a;
}

static json_t *cmd_nd_routers(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  struct nd6_router_info t;
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    if (nd6_get_router_info(i, &t)) {
      json_array_append_new(a, router_json(&t));
    }
  }
  return json_pack("{s:o, s:o}", "routers", a, "params", ra_params_json());
}

static json_t *cmd_nd_prefixes(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  struct nd6_prefix_info p;
  for (int i = 0; i < ND6_NUM_PREFIXES; i++) {
    if (nd6_get_prefix_info(i, &p)) {
      json_array_append_new(a, prefix_json(&p));
    }
  }
  return json_pack("{s:o}", "prefixes", a);
}

static json_t *cmd_nd_dns(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *servers = json_array(), *domains = json_array();
  struct nd6_rdnss_info d;
  for (int i = 0; i < ND6_NUM_RDNSS; i++) {
    if (nd6_get_rdnss_info(i, &d)) {
      json_array_append_new(servers, rdnss_json(&d));
    }
  }
  struct nd6_dnssl_info l;
  for (int i = 0; i < ND6_NUM_DNSSL; i++) {
    if (nd6_get_dnssl_info(i, &l)) {
      json_array_append_new(domains, dnssl_json(&l));
    }
  }
  return json_pack("{s:o, s:o}", "servers", servers, "domains", domains);
}

/* mld.list: the multicast groups each netif listens to (RFC 3810) and
 * the MLD version it speaks. */
static json_t *cmd_mld_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *groups = json_array(), *netifs = json_array();
  struct mld6_group_info g;
  char name[NETIF_NAMESIZE];
  for (int i = 0; mld6_get_group_info(i, &g); i++) {
    json_array_append_new(groups, json_pack("{s:s, s:o, s:i, s:b, s:I}", "netif", netif_name(g.netif, name), "group",
                                            json_ip6(&g.group), "users", g.users, "reporting", g.reporting,
                                            "timer_left_ms", (json_int_t)g.timer_left_ms));
  }
  struct netif *n;
  NETIF_FOREACH(n)
  {
    if (n->flags & NETIF_FLAG_MLD6) {
      json_array_append_new(netifs,
                            json_pack("{s:s, s:i, s:I}", "netif", netif_name(n, name), "version", mld6_netif_version(n),
                                      "v1_querier_left_ms", (json_int_t)mld6_v1_querier_left_ms(n)));
    }
  }
  return json_pack("{s:o, s:o}", "groups", groups, "netifs", netifs);
}

static json_t *cmd_pmtu_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  struct icmp6_pmtu_info e;
  for (int i = 0; i < IP6_PMTU_CACHE_SIZE; i++) {
    if (icmp6_pmtu_get_info(i, &e)) {
      json_array_append_new(
          a, json_pack("{s:o, s:i, s:I}", "dest", json_ip6(&e.dest), "mtu", e.mtu, "age_ms", (json_int_t)e.age_ms));
    }
  }
  return json_pack("{s:o}", "entries", a);
}

/* IPv6 reassembly (core/ipv6/ip6_frag.c): the datagrams held and the
 * budget they use. */
static json_t *cmd_reass6_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  struct ip6_reass_info e;
  for (int i = 0; i < IP6_REASS_MAX_DATAGRAMS; i++) {
    if (ip6_reass_get_info(i, &e)) {
      json_array_append_new(a, json_pack("{s:o, s:o, s:I, s:I, s:I, s:i, s:I, s:b, s:b, s:I}", "src", json_ip6(&e.src),
                                         "dest", json_ip6(&e.dest), "id", (json_int_t)e.id, "bytes",
                                         (json_int_t)e.bytes, "data_bytes", (json_int_t)e.data_bytes, "fragments",
                                         e.fragments, "age_ms", (json_int_t)e.age_ms, "have_first", e.have_first,
                                         "have_last", e.have_last, "total", (json_int_t)e.total));
    }
  }
  struct ip6_reass_totals t;
  ip6_reass_get_totals(&t);
  return json_pack("{s:o, s:{s:i, s:I, s:i, s:i, s:I, s:I}}", "datagrams", a, "totals", "datagrams", t.datagrams,
                   "bytes", (json_int_t)t.bytes, "fragments", t.fragments, "max_datagrams", t.max_datagrams,
                   "max_bytes", (json_int_t)t.max_bytes, "maxage_ms", (json_int_t)t.maxage_ms);
}

/* ---------------------------------------------------------------------- */
/* Events: address states (netif ext callback), neighbors (nd6 hook)       */
/* ---------------------------------------------------------------------- */

/* The address each slot held when last seen, per netif index: the core
 * clears a slot before it reports the change to invalid, and the event
 * must still name the address that went. */
#define SHADOW_NETIFS 8
static ip6_addr_t shadow[SHADOW_NETIFS][LWIP_IPV6_NUM_ADDRESSES];

static void addr6_event(struct netif *n, netif_nsc_reason_t reason, const netif_ext_callback_args_t *args)
{
  if (!(reason & LWIP_NSC_IPV6_ADDR_STATE_CHANGED)) {
    return;
  }
  s8_t i = args->ipv6_addr_state_changed.addr_index;
  u8_t idx = netif_get_index(n);
  ip6_addr_t a = *ip_2_ip6(args->ipv6_addr_state_changed.address);
  if (idx < SHADOW_NETIFS && i >= 0 && i < LWIP_IPV6_NUM_ADDRESSES) {
    if (ip6_addr_isany_val(a)) {
      a = shadow[idx][i];
    } else {
      shadow[idx][i] = a;
    }
  }
  if (!ctl_has_subscribers(CTL_EV_ADDRESS)) {
    return;
  }
  char name[NETIF_NAMESIZE];
  ctl_broadcast(CTL_EV_ADDRESS, "address6",
                json_pack("{s:s, s:o, s:i, s:s, s:s, s:s}", "netif", netif_name(n, name), "addr", json_ip6(&a),
                          "prefix", n->ip6_addr_prefix_len[i], "state",
                          netif_ip6_addr_state_name(netif_ip6_addr_state(n, i)), "old_state",
                          netif_ip6_addr_state_name(args->ipv6_addr_state_changed.old_state), "origin",
                          origin_name(n->ip6_addr_origin[i])));
}

NETIF_DECLARE_EXT_CALLBACK(addr6_cb)

static void nd_event(const struct nd6_neighbor_info *e, bool gone)
{
  if (!ctl_has_subscribers(CTL_EV_ND)) {
    return;
  }
  json_t *o = neighbor_json(e);
  if (gone) {
    json_object_set_new(o, "state", json_string("removed"));
  }
  ctl_broadcast(CTL_EV_ND, "nd", o);
}

/* Routers, prefixes, RDNSS, DNSSL, routes and redirects as RAs and
 * Redirects change them: an `nd_list` event (class nd). */
static void nd_list_event(const struct nd6_list_event *ev)
{
  static const char *const names[] = {"router", "prefix", "rdnss", "dnssl", "route", "redirect"};
  if (ev->list == ND6_LIST_RDNSS) {
    netapps_rdnss_changed(ev->gone ? ev->slot : -1);
  }
  if (!ctl_has_subscribers(CTL_EV_ND) || (unsigned)ev->list >= LWIP_ARRAYSIZE(names)) {
    return;
  }
  json_t *o = NULL;
  char name[NETIF_NAMESIZE];
  switch (ev->list) {
  case ND6_LIST_ROUTER:
    o = router_json(&ev->u.router);
    break;
  case ND6_LIST_PREFIX:
    o = prefix_json(&ev->u.prefix);
    break;
  case ND6_LIST_RDNSS:
    o = rdnss_json(&ev->u.rdnss);
    break;
  case ND6_LIST_DNSSL:
    o = dnssl_json(&ev->u.dnssl);
    break;
  case ND6_LIST_ROUTE:
    o = route6_json(&ev->u.route.prefix, ev->u.route.prefix_len, &ev->u.route.router, ev->u.route.netif, "route-info");
    break;
  case ND6_LIST_REDIRECT:
    o = json_pack("{s:o, s:o, s:s}", "dest", json_ip6(&ev->u.redirect.dest), "target", json_ip6(&ev->u.redirect.target),
                  "netif", netif_name(ev->u.redirect.netif, name));
    break;
  }
  if (o == NULL) {
    return;
  }
  json_object_set_new(o, "list", json_string(names[ev->list]));
  json_object_set_new(o, "gone", json_boolean(ev->gone));
  ctl_broadcast(CTL_EV_ND, "nd_list", o);
}

void ip6cmds_events_init(void)
{
  netif_add_ext_callback(&addr6_cb, addr6_event);
  nd6_set_change_hook(nd_event);
  nd6_set_list_hook(nd_list_event);
}

#else /* LWIP_IPV6 */

json_t *ip6cmds_addrs_json(struct netif *n)
{
  (void)n;
  return json_array();
}

void ip6cmds_routes_json(json_t *a)
{
  (void)a;
}

void ip6cmds_events_init(void)
{
}

static json_t *no_ipv6(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  return ctl_error(r, CTL_E_FAILED, "this build has no IPv6 (ipv6=disabled)");
}
#define cmd_addr6_add no_ipv6
#define cmd_addr6_del no_ipv6
#define cmd_nd_list no_ipv6
#define cmd_nd_flush no_ipv6
#define cmd_pmtu_list no_ipv6
#define cmd_nd_routers no_ipv6
#define cmd_nd_prefixes no_ipv6
#define cmd_nd_dns no_ipv6
#define cmd_mld_list no_ipv6
#define cmd_reass6_list no_ipv6
#endif /* LWIP_IPV6 */

/* This file's commands (docs/control-protocol.md). */
const struct ctl_cmd ip6_cmds[] = {
    {"netif.addr6.add", cmd_addr6_add, "add a static IPv6 address (ADDR/PREFIX) to a netif, through DAD"},
    {"netif.addr6.del", cmd_addr6_del, "remove an IPv6 address from a netif"},
    {"nd.list", cmd_nd_list, "the IPv6 neighbor cache with states"},
    {"nd.flush", cmd_nd_flush, "empty the IPv6 neighbor cache (and with routers: what RAs taught)"},
    {"nd.routers", cmd_nd_routers, "default routers and the RA parameters per netif"},
    {"nd.prefixes", cmd_nd_prefixes, "prefixes from Router Advertisements (on-link, SLAAC, lifetimes)"},
    {"nd.dns", cmd_nd_dns, "DNS servers (RDNSS) and search domains (DNSSL) from Router Advertisements"},
    {"mld.list", cmd_mld_list, "multicast groups joined per netif (MLD) and the MLD version spoken"},
    {"pmtu.list", cmd_pmtu_list, "the IPv6 path-MTU cache (Packet Too Big)"},
    {"reass6.list", cmd_reass6_list, "IPv6 datagrams in reassembly and the reassembly budget"},
    {NULL, NULL, NULL},
};

bool arg_ip(json_t *args, const char *key, bool required, ip_addr_t *out, struct ctl_reply *r)
{
  const char *s = NULL;
  if (!arg_str(args, key, required, &s, r)) {
    return false;
  }
  if (s == NULL) {
    return true;
  }
#if LWIP_IPV6
  if (strchr(s, ':') != NULL) {
    ip_addr_set_zero(out);
    out->type = IPADDR_TYPE_V6;
    return arg_ip6_zoned(args, key, required, ip_2_ip6(out), r);
  }
#endif
  ip4_addr_t a4;
  if (!ip4addr_aton(s, &a4)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.%s: not an IP address", key);
    return false;
  }
  ip_addr_set_ip4(out, &a4);
  return true;
}

json_t *json_ip_zoned(const ip_addr_t *a)
{
  if (IP_IS_ANY_TYPE_VAL(*a)) {
    return json_string("*");
  }
#if LWIP_IPV6
  if (!IP_IS_V6_VAL(*a)) {
    return json_ip4(ip_2_ip4(a));
  }
  char buf[IP6ADDR_STRLEN_MAX + 1 + NETIF_NAMESIZE];
  ip6_addr_t plain = *ip_2_ip6(a);
  plain.zone = IP6_NO_ZONE;
  ip6addr_ntoa_r(&plain, buf, sizeof(buf));
  struct netif *n = ip_2_ip6(a)->zone != IP6_NO_ZONE ? netif_get_by_index(ip_2_ip6(a)->zone) : NULL;
  if (n != NULL) {
    size_t len = strlen(buf);
    snprintf(buf + len, sizeof(buf) - len, "%%%c%c%u", n->name[0], n->name[1], n->num);
  }
  return json_string(buf);
#else
  return json_ip4(ip_2_ip4(a));
#endif
}

const char *ip_family_name(const ip_addr_t *a)
{
  return IP_IS_ANY_TYPE_VAL(*a) ? "any" : IP_IS_V6_VAL(*a) ? "inet6" : "inet";
}
