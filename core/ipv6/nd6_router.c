/**
 * @file nd6_router.c
 * The router side of Neighbor Discovery for a host: Router Advertisement
 * processing (RFC 4861 6.3.4) into a default router list, a prefix list,
 * Route Information routes (RFC 4191), RDNSS and DNSSL (RFC 8106) and the
 * per-netif parameters; Redirect (RFC 4861 8); next-hop selection (5.2,
 * 6.3.6) over all of it.  Autonomous prefixes go on to nd6_slaac.c.
 *
 * Every list is a fixed array.  What does not fit is dropped and counted
 * (ND6_*_FULL), so a flood of advertisements with many prefixes or from
 * many routers costs a bounded amount of memory and time.
 *
 * Lifetimes are kept as "seconds left at a stamp" and counted down by the
 * ND timer, which nd6.c arms at the earliest expiry this file reports (at
 * most an hour away, so the stamps never age past the clock's wrap).
 */
#include "lwip/nd6.h"
#include "lwip/icmp6.h"
#include "lwip/dhcp6.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/icmp6.h"
#include "lwip/prot/ip6.h"
#include "lwip/priv/nd6_priv.h"
#include <string.h>

/* RFC 4861 6.2.1 and 10: MAX_REACHABLE_TIME.  Advertised ReachableTime and
 * RetransTimer values above it are ignored. */
#define ND6_MAX_REACHABLE_TIME_MS 3600000UL

struct nd6_router {
  ip6_addr_t addr;
  struct netif *netif; /* NULL: slot free */
  struct nd6_life life;
  s8_t pref;
};

struct nd6_prefix {
  ip6_addr_t prefix;
  struct netif *netif;
  struct nd6_life valid, pref;
  u8_t len;
  bool onlink, autonomous;
};

struct nd6_rdnss {
  ip6_addr_t addr;
  struct netif *netif;
  struct nd6_life life;
};

struct nd6_dnssl {
  char name[ND6_DNSSL_NAME_MAX + 1];
  struct netif *netif;
  struct nd6_life life;
};

struct nd6_route {
  ip6_addr_t prefix;
  ip6_addr_t router;
  struct netif *netif;
  struct nd6_life life;
  u8_t len;
  s8_t pref;
};

struct nd6_redirect {
  ip6_addr_t dest;
  ip6_addr_t target;
  struct netif *netif;
  struct nd6_life life;
};

static struct nd6_router nd6_routers[ND6_NUM_ROUTERS];
static struct nd6_prefix nd6_prefixes[ND6_NUM_PREFIXES];
static struct nd6_rdnss nd6_rdnss[ND6_NUM_RDNSS];
static struct nd6_dnssl nd6_dnssl[ND6_NUM_DNSSL];
static struct nd6_route nd6_routes[ND6_NUM_ROUTES];
static struct nd6_redirect nd6_redirects[ND6_NUM_REDIRECTS];
static unsigned rr_next; /* round robin among routers of unknown reachability */
static nd6_list_hook_fn list_hook;

void nd6_router_init(void)
{
  memset(nd6_routers, 0, sizeof(nd6_routers));
  memset(nd6_prefixes, 0, sizeof(nd6_prefixes));
  memset(nd6_rdnss, 0, sizeof(nd6_rdnss));
  memset(nd6_dnssl, 0, sizeof(nd6_dnssl));
  memset(nd6_routes, 0, sizeof(nd6_routes));
  memset(nd6_redirects, 0, sizeof(nd6_redirects));
  rr_next = 0;
  list_hook = NULL;
}

void nd6_set_list_hook(nd6_list_hook_fn hook)
{
  list_hook = hook;
}

/* Clear the bits of @p a after the first @p len (the RFC 4861 4.6.2 and
 * RFC 4191 2.3 rule: bits past the prefix length are ignored). */
static void mask_prefix(ip6_addr_t *a, u8_t len)
{
  u8_t *b = (u8_t *)a->addr;
  for (int i = 0; i < IP6_ADDR_LEN; i++) {
    int keep = (int)len - i * 8;
    if (keep <= 0) {
      b[i] = 0;
    } else if (keep < 8) {
      b[i] = (u8_t)(b[i] & (0xffU << (8 - keep)));
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Info API and change events                                              */
/* ---------------------------------------------------------------------- */

static s8_t prf_value(u8_t prf)
{
  /* RFC 4191 2.1: 01 high, 00 medium, 11 low; 10 (reserved) is medium. */
  switch (prf & ND6_PRF_MASK) {
  case ND6_PRF_HIGH:
    return 1;
  case ND6_PRF_LOW:
    return -1;
  default:
    return 0;
  }
}

/* 6.3.6: a router is reachable or probably reachable when its neighbor
 * entry exists and is not INCOMPLETE. */
static bool router_reachable(const struct netif *netif, const ip6_addr_t *addr)
{
  enum nd6_state st = nd6_neighbor_state(netif, addr);
  return st != ND6_NO_ENTRY && st != ND6_INCOMPLETE;
}

static void router_info(const struct nd6_router *r, struct nd6_router_info *out, u32_t now)
{
  memset(out, 0, sizeof(*out));
  out->addr = r->addr;
  out->netif = r->netif;
  out->lifetime_left_s = nd6_life_left(&r->life, now);
  out->preference = r->pref;
  out->reachable = router_reachable(r->netif, &r->addr);
}

static void prefix_info(const struct nd6_prefix *x, struct nd6_prefix_info *out, u32_t now)
{
  memset(out, 0, sizeof(*out));
  out->prefix = x->prefix;
  out->prefix_len = x->len;
  out->netif = x->netif;
  out->onlink = x->onlink;
  out->autonomous = x->autonomous;
  out->valid_left_s = nd6_life_left(&x->valid, now);
  out->pref_left_s = nd6_life_left(&x->pref, now);
}

static void rdnss_info(const struct nd6_rdnss *x, struct nd6_rdnss_info *out, u32_t now)
{
  memset(out, 0, sizeof(*out));
  out->addr = x->addr;
  out->netif = x->netif;
  out->lifetime_left_s = nd6_life_left(&x->life, now);
}

static void dnssl_info(const struct nd6_dnssl *x, struct nd6_dnssl_info *out, u32_t now)
{
  memset(out, 0, sizeof(*out));
  memcpy(out->domain, x->name, sizeof(out->domain));
  out->netif = x->netif;
  out->lifetime_left_s = nd6_life_left(&x->life, now);
}

static void route_info(const struct nd6_route *x, struct nd6_route_info *out, u32_t now)
{
  memset(out, 0, sizeof(*out));
  out->prefix = x->prefix;
  out->prefix_len = x->len;
  out->router = x->router;
  out->netif = x->netif;
  out->preference = x->pref;
  out->lifetime_left_s = nd6_life_left(&x->life, now);
}

static void redirect_info(const struct nd6_redirect *x, struct nd6_redirect_info *out, u32_t now)
{
  memset(out, 0, sizeof(*out));
  out->dest = x->dest;
  out->target = x->target;
  out->netif = x->netif;
  out->lifetime_left_s = nd6_life_left(&x->life, now);
}

/* Report slot @p slot of @p list to the hook (before a removal clears it). */
static void report(enum nd6_list list, int slot, bool gone)
{
  if (list_hook == NULL) {
    return;
  }
  struct nd6_list_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.list = list;
  ev.slot = slot;
  ev.gone = gone;
  u32_t now = sys_now();
  switch (list) {
  case ND6_LIST_ROUTER:
    router_info(&nd6_routers[slot], &ev.u.router, now);
    break;
  case ND6_LIST_PREFIX:
    prefix_info(&nd6_prefixes[slot], &ev.u.prefix, now);
    break;
  case ND6_LIST_RDNSS:
    rdnss_info(&nd6_rdnss[slot], &ev.u.rdnss, now);
    break;
  case ND6_LIST_DNSSL:
    dnssl_info(&nd6_dnssl[slot], &ev.u.dnssl, now);
    break;
  case ND6_LIST_ROUTE:
    route_info(&nd6_routes[slot], &ev.u.route, now);
    break;
  case ND6_LIST_REDIRECT:
    redirect_info(&nd6_redirects[slot], &ev.u.redirect, now);
    break;
  }
  list_hook(&ev);
}

bool nd6_get_router_info(int i, struct nd6_router_info *out)
{
  if (i < 0 || i >= ND6_NUM_ROUTERS || out == NULL || nd6_routers[i].netif == NULL) {
    return false;
  }
  router_info(&nd6_routers[i], out, sys_now());
  return true;
}

bool nd6_get_prefix_info(int i, struct nd6_prefix_info *out)
{
  if (i < 0 || i >= ND6_NUM_PREFIXES || out == NULL || nd6_prefixes[i].netif == NULL) {
    return false;
  }
  prefix_info(&nd6_prefixes[i], out, sys_now());
  return true;
}

bool nd6_get_rdnss_info(int i, struct nd6_rdnss_info *out)
{
  if (i < 0 || i >= ND6_NUM_RDNSS || out == NULL || nd6_rdnss[i].netif == NULL) {
    return false;
  }
  rdnss_info(&nd6_rdnss[i], out, sys_now());
  return true;
}

bool nd6_get_dnssl_info(int i, struct nd6_dnssl_info *out)
{
  if (i < 0 || i >= ND6_NUM_DNSSL || out == NULL || nd6_dnssl[i].netif == NULL) {
    return false;
  }
  dnssl_info(&nd6_dnssl[i], out, sys_now());
  return true;
}

bool nd6_get_route_info(int i, struct nd6_route_info *out)
{
  if (i < 0 || i >= ND6_NUM_ROUTES || out == NULL || nd6_routes[i].netif == NULL) {
    return false;
  }
  route_info(&nd6_routes[i], out, sys_now());
  return true;
}

bool nd6_get_redirect_info(int i, struct nd6_redirect_info *out)
{
  if (i < 0 || i >= ND6_NUM_REDIRECTS || out == NULL || nd6_redirects[i].netif == NULL) {
    return false;
  }
  redirect_info(&nd6_redirects[i], out, sys_now());
  return true;
}

bool nd6_get_ra_params(const struct netif *netif, struct nd6_ra_params *out)
{
  if (netif == NULL || out == NULL) {
    return false;
  }
  memset(out, 0, sizeof(*out));
  out->ra_seen = netif->ra_seen;
  out->last_ra_age_ms = netif->ra_seen ? sys_now() - netif->ra_last_ms : 0;
  out->cur_hop_limit = nd6_hop_limit(netif);
  out->base_reachable_ms = netif->nd6_reachable_ms != 0 ? netif->nd6_reachable_ms : ND6_REACHABLE_TIME_MS;
  out->retrans_ms = netif->nd6_retrans_ms != 0 ? netif->nd6_retrans_ms : ND6_RETRANS_TIMER_MS;
  out->mtu = netif->mtu6;
  out->managed = (netif->ra_flags & ND6_RA_FLAG_MANAGED) != 0;
  out->other = (netif->ra_flags & ND6_RA_FLAG_OTHER) != 0;
  return true;
}

u8_t nd6_hop_limit(const struct netif *netif)
{
  return (netif != NULL && netif->cur_hop_limit != 0) ? netif->cur_hop_limit : IP6_DEFAULT_HOPLIM;
}

/* ---------------------------------------------------------------------- */
/* Removing entries                                                        */
/* ---------------------------------------------------------------------- */

static void log_entry(const char *what, const ip6_addr_t *a, const struct netif *n, const char *how)
{
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(ND6, INFO, "%s %s on %c%c%u %s", what, ip6addr_ntoa_r(a, b, sizeof(b)), n->name[0], n->name[1], n->num, how);
  LWIP_UNUSED_ARG(b);
  LWIP_UNUSED_ARG(what);
  LWIP_UNUSED_ARG(a);
  LWIP_UNUSED_ARG(n);
  LWIP_UNUSED_ARG(how);
}

static void router_remove(int i, const char *why)
{
  log_entry("router", &nd6_routers[i].addr, nd6_routers[i].netif, why);
  report(ND6_LIST_ROUTER, i, true);
  memset(&nd6_routers[i], 0, sizeof(nd6_routers[i]));
}

static void prefix_remove(int i, const char *why)
{
  log_entry("prefix", &nd6_prefixes[i].prefix, nd6_prefixes[i].netif, why);
  report(ND6_LIST_PREFIX, i, true);
  memset(&nd6_prefixes[i], 0, sizeof(nd6_prefixes[i]));
}

static void rdnss_remove(int i)
{
  report(ND6_LIST_RDNSS, i, true);
  memset(&nd6_rdnss[i], 0, sizeof(nd6_rdnss[i]));
}

static void dnssl_remove(int i)
{
  report(ND6_LIST_DNSSL, i, true);
  memset(&nd6_dnssl[i], 0, sizeof(nd6_dnssl[i]));
}

static void route_remove(int i)
{
  log_entry("route", &nd6_routes[i].prefix, nd6_routes[i].netif, "removed");
  report(ND6_LIST_ROUTE, i, true);
  memset(&nd6_routes[i], 0, sizeof(nd6_routes[i]));
}

static void redirect_remove(int i)
{
  report(ND6_LIST_REDIRECT, i, true);
  memset(&nd6_redirects[i], 0, sizeof(nd6_redirects[i]));
}

int nd6_flush_routers(struct netif *netif)
{
  int n = 0;
#define ND6_FLUSH(arr, count, rm)                                                                                      \
  for (int i = 0; i < (count); i++) {                                                                                  \
    if (arr[i].netif != NULL && (netif == NULL || arr[i].netif == netif)) {                                            \
      rm;                                                                                                              \
      n++;                                                                                                             \
    }                                                                                                                  \
  }
  ND6_FLUSH(nd6_routers, ND6_NUM_ROUTERS, router_remove(i, "flushed"))
  ND6_FLUSH(nd6_prefixes, ND6_NUM_PREFIXES, prefix_remove(i, "flushed"))
  ND6_FLUSH(nd6_rdnss, ND6_NUM_RDNSS, rdnss_remove(i))
  ND6_FLUSH(nd6_dnssl, ND6_NUM_DNSSL, dnssl_remove(i))
  ND6_FLUSH(nd6_routes, ND6_NUM_ROUTES, route_remove(i))
  ND6_FLUSH(nd6_redirects, ND6_NUM_REDIRECTS, redirect_remove(i))
#undef ND6_FLUSH
  return n;
}

void nd6_router_netif_down(struct netif *netif)
{
  nd6_flush_routers(netif);
  netif->mtu6 = 0;
  netif->cur_hop_limit = 0;
  netif->ra_flags = 0;
  netif->ra_seen = false;
  netif->nd6_reachable_ms = 0;
  netif->nd6_retrans_ms = 0;
}

void nd6_router_not_router(struct netif *netif, const ip6_addr_t *addr)
{
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    if (nd6_routers[i].netif == netif && ip6_addr_eq_nozone(&nd6_routers[i].addr, addr)) {
      router_remove(i, "is no router any more (NA without R)");
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Timer                                                                   */
/* ---------------------------------------------------------------------- */

void nd6_router_tmr(u32_t now)
{
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    if (nd6_routers[i].netif != NULL) {
      nd6_life_rebase(&nd6_routers[i].life, now);
      if (nd6_life_over(&nd6_routers[i].life, now)) {
        router_remove(i, "lifetime over");
      }
    }
  }
  for (int i = 0; i < ND6_NUM_PREFIXES; i++) {
    if (nd6_prefixes[i].netif != NULL) {
      nd6_life_rebase(&nd6_prefixes[i].valid, now);
      nd6_life_rebase(&nd6_prefixes[i].pref, now);
      if (nd6_life_over(&nd6_prefixes[i].valid, now)) {
        prefix_remove(i, "valid lifetime over");
      }
    }
  }
  for (int i = 0; i < ND6_NUM_RDNSS; i++) {
    if (nd6_rdnss[i].netif != NULL) {
      nd6_life_rebase(&nd6_rdnss[i].life, now);
      if (nd6_life_over(&nd6_rdnss[i].life, now)) {
        rdnss_remove(i);
      }
    }
  }
  for (int i = 0; i < ND6_NUM_DNSSL; i++) {
    if (nd6_dnssl[i].netif != NULL) {
      nd6_life_rebase(&nd6_dnssl[i].life, now);
      if (nd6_life_over(&nd6_dnssl[i].life, now)) {
        dnssl_remove(i);
      }
    }
  }
  for (int i = 0; i < ND6_NUM_ROUTES; i++) {
    if (nd6_routes[i].netif != NULL) {
      nd6_life_rebase(&nd6_routes[i].life, now);
      if (nd6_life_over(&nd6_routes[i].life, now)) {
        route_remove(i);
      }
    }
  }
  for (int i = 0; i < ND6_NUM_REDIRECTS; i++) {
    if (nd6_redirects[i].netif != NULL) {
      nd6_life_rebase(&nd6_redirects[i].life, now);
      if (nd6_life_over(&nd6_redirects[i].life, now)) {
        redirect_remove(i);
      }
    }
  }
  nd6_slaac_tmr(now);
}

bool nd6_router_next_deadline(u32_t now, u32_t *at)
{
  bool any = false;
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    if (nd6_routers[i].netif != NULL) {
      nd6_life_deadline(&nd6_routers[i].life, now, at, &any);
    }
  }
  for (int i = 0; i < ND6_NUM_PREFIXES; i++) {
    if (nd6_prefixes[i].netif != NULL) {
      nd6_life_deadline(&nd6_prefixes[i].valid, now, at, &any);
    }
  }
  for (int i = 0; i < ND6_NUM_RDNSS; i++) {
    if (nd6_rdnss[i].netif != NULL) {
      nd6_life_deadline(&nd6_rdnss[i].life, now, at, &any);
    }
  }
  for (int i = 0; i < ND6_NUM_DNSSL; i++) {
    if (nd6_dnssl[i].netif != NULL) {
      nd6_life_deadline(&nd6_dnssl[i].life, now, at, &any);
    }
  }
  for (int i = 0; i < ND6_NUM_ROUTES; i++) {
    if (nd6_routes[i].netif != NULL) {
      nd6_life_deadline(&nd6_routes[i].life, now, at, &any);
    }
  }
  for (int i = 0; i < ND6_NUM_REDIRECTS; i++) {
    if (nd6_redirects[i].netif != NULL) {
      nd6_life_deadline(&nd6_redirects[i].life, now, at, &any);
    }
  }
  nd6_slaac_deadline(now, at, &any);
  return any;
}

/* ---------------------------------------------------------------------- */
/* Next hop                                                                */
/* ---------------------------------------------------------------------- */

/* On-link by an RA prefix with the L flag (RFC 4861 6.3.4), or inside the
 * prefix of a configured or link-local address.  A SLAAC address does not
 * make its prefix on-link by itself (RFC 5942 4): only the L flag does. */
static bool is_onlink(const struct netif *n, const ip6_addr_t *dest)
{
  u32_t now = sys_now();
  for (int i = 0; i < ND6_NUM_PREFIXES; i++) {
    const struct nd6_prefix *x = &nd6_prefixes[i];
    if (x->netif == n && x->onlink && !nd6_life_over(&x->valid, now) && ip6_addr_prefix_eq(&x->prefix, dest, x->len)) {
      return true;
    }
  }
  for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    u8_t st = n->ip6_addr_state[i];
    if (!ip6_addr_isinvalid(st) && !ip6_addr_isduplicated(st) && n->ip6_addr_origin[i] != NETIF_IP6_ORIGIN_SLAAC &&
        n->ip6_addr_prefix_len[i] > 0 && ip6_addr_prefix_eq(netif_ip6_addr(n, i), dest, n->ip6_addr_prefix_len[i])) {
      return true;
    }
  }
  return false;
}

static const struct nd6_redirect *redirect_find(const struct netif *n, const ip6_addr_t *dest)
{
  u32_t now = sys_now();
  for (int i = 0; i < ND6_NUM_REDIRECTS; i++) {
    const struct nd6_redirect *x = &nd6_redirects[i];
    if (x->netif == n && ip6_addr_eq_nozone(&x->dest, dest) && !nd6_life_over(&x->life, now)) {
      return x;
    }
  }
  return NULL;
}

/* RFC 4191 3.2 / 4861 6.3.6: the default router for @p n.  Among routers
 * that are reachable or probably reachable, the highest preference (the
 * first listed on a tie, so traffic stays on one router); when none is,
 * round robin among those of the highest preference, so that NUD tries
 * each in turn.  @return the slot, -1 when there is no router. */
static int select_router(const struct netif *n)
{
  u32_t now = sys_now();
  int best = -1, best_any = -1;
  int count_top = 0;
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    const struct nd6_router *r = &nd6_routers[i];
    if (r->netif != n || nd6_life_over(&r->life, now)) {
      continue;
    }
    if (router_reachable(n, &r->addr) && (best < 0 || r->pref > nd6_routers[best].pref)) {
      best = i;
    }
    if (best_any < 0 || r->pref > nd6_routers[best_any].pref) {
      best_any = i;
      count_top = 1;
    } else if (r->pref == nd6_routers[best_any].pref) {
      count_top++;
    }
  }
  if (best >= 0 || best_any < 0) {
    return best;
  }
  unsigned pick = rr_next++ % (unsigned)count_top;
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    const struct nd6_router *r = &nd6_routers[i];
    if (r->netif == n && !nd6_life_over(&r->life, now) && r->pref == nd6_routers[best_any].pref) {
      if (pick == 0) {
        return i;
      }
      pick--;
    }
  }
  return best_any;
}

/* RFC 4191 3.1: the route with the longest prefix holding @p dest, then the
 * highest preference, then a reachable router.  Routes of length 0 only
 * when @p zero_len.  @return the slot or -1. */
static int select_route(const struct netif *n, const ip6_addr_t *dest, bool zero_len)
{
  u32_t now = sys_now();
  int best = -1;
  bool best_reach = false;
  for (int i = 0; i < ND6_NUM_ROUTES; i++) {
    const struct nd6_route *x = &nd6_routes[i];
    if (x->netif != n || nd6_life_over(&x->life, now) || (x->len == 0 && !zero_len) ||
        !ip6_addr_prefix_eq(&x->prefix, dest, x->len)) {
      continue;
    }
    bool reach = router_reachable(n, &x->router);
    if (best < 0 || x->len > nd6_routes[best].len ||
        (x->len == nd6_routes[best].len && x->pref > nd6_routes[best].pref) ||
        (x->len == nd6_routes[best].len && x->pref == nd6_routes[best].pref && reach && !best_reach)) {
      best = i;
      best_reach = reach;
    }
  }
  return best;
}

bool nd6_has_default_router(const struct netif *netif)
{
  u32_t now = sys_now();
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    if (nd6_routers[i].netif == netif && !nd6_life_over(&nd6_routers[i].life, now)) {
      return true;
    }
  }
  /* A Route Information route for ::/0 is a default route too (RFC 4191
   * 2.3); more specific ones are not: ip6_route asks this to pick a netif
   * for any off-link destination. */
  for (int i = 0; i < ND6_NUM_ROUTES; i++) {
    if (nd6_routes[i].netif == netif && nd6_routes[i].len == 0 && !nd6_life_over(&nd6_routes[i].life, now)) {
      return true;
    }
  }
  return false;
}

bool nd6_next_hop(const struct netif *netif, const ip6_addr_t *dest, ip6_addr_t *next_hop)
{
  if (ip6_addr_ismulticast(dest) || ip6_addr_islinklocal(dest)) {
    *next_hop = *dest;
    return true;
  }
  const struct nd6_redirect *rd = redirect_find(netif, dest);
  if (rd != NULL) {
    *next_hop = rd->target;
    return true;
  }
  if (is_onlink(netif, dest)) {
    *next_hop = *dest;
    return true;
  }
  int i = select_route(netif, dest, false);
  if (i >= 0) {
    *next_hop = nd6_routes[i].router;
    return true;
  }
  i = select_router(netif);
  if (i >= 0) {
    *next_hop = nd6_routers[i].addr;
    return true;
  }
  i = select_route(netif, dest, true);
  if (i >= 0) {
    *next_hop = nd6_routes[i].router;
    return true;
  }
  return false;
}

/* ---------------------------------------------------------------------- */
/* Router Advertisement: the lists                                         */
/* ---------------------------------------------------------------------- */

/* RFC 4861 6.3.4: the default router list entry of @p src. */
static void ra_router(struct netif *netif, const ip6_addr_t *src, u16_t lifetime, s8_t pref, u32_t now)
{
  int slot = -1, free_slot = -1;
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    if (nd6_routers[i].netif == netif && ip6_addr_eq_nozone(&nd6_routers[i].addr, src)) {
      slot = i;
    } else if (nd6_routers[i].netif == NULL && free_slot < 0) {
      free_slot = i;
    }
  }
  if (lifetime == 0) {
    /* A lifetime of 0: the sender is not a default router (any more). */
    if (slot >= 0) {
      router_remove(slot, "lifetime 0");
    }
    return;
  }
  if (slot >= 0) {
    bool changed = nd6_routers[slot].pref != pref;
    nd6_routers[slot].pref = pref;
    nd6_life_set(&nd6_routers[slot].life, lifetime, now);
    if (changed) {
      report(ND6_LIST_ROUTER, slot, false);
    }
    return;
  }
  if (free_slot < 0) {
    LWIP_DROP(ND6_ROUTERS_FULL);
    return;
  }
  struct nd6_router *r = &nd6_routers[free_slot];
  r->addr = *src;
  r->addr.zone = IP6_NO_ZONE;
  r->netif = netif;
  r->pref = pref;
  nd6_life_set(&r->life, lifetime, now);
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(ND6, INFO, "default router %s on %c%c%u lifetime %u s preference %d", ip6addr_ntoa_r(src, b, sizeof(b)),
           netif->name[0], netif->name[1], netif->num, lifetime, pref);
  LWIP_UNUSED_ARG(b);
  report(ND6_LIST_ROUTER, free_slot, false);
}

/* 6.3.4: a Prefix Information option's prefix list entry.  @p onlink:
 * the L flag (a prefix without it keeps what an earlier option said). */
static void prefix_update(struct netif *netif, const ip6_addr_t *prefix, u8_t len, bool onlink, bool autonomous,
                          u32_t valid, u32_t pref, u32_t now)
{
  int slot = -1, free_slot = -1;
  for (int i = 0; i < ND6_NUM_PREFIXES; i++) {
    if (nd6_prefixes[i].netif == netif && nd6_prefixes[i].len == len &&
        ip6_addr_prefix_eq(&nd6_prefixes[i].prefix, prefix, len)) {
      slot = i;
    } else if (nd6_prefixes[i].netif == NULL && free_slot < 0) {
      free_slot = i;
    }
  }
  if (slot >= 0) {
    struct nd6_prefix *x = &nd6_prefixes[slot];
    bool changed = x->autonomous != autonomous;
    x->autonomous = autonomous;
    if (!onlink && x->onlink) {
      /* 6.3.4 takes on-link lifetimes only from options with L set; one
       * without it says nothing about the link (4.6.2). */
      if (changed) {
        report(ND6_LIST_PREFIX, slot, false);
      }
      return;
    }
    if (valid == 0) {
      /* 6.3.4: an on-link prefix with valid lifetime 0 times out now. */
      prefix_remove(slot, "valid lifetime 0");
      return;
    }
    changed = changed || (onlink && !x->onlink);
    x->onlink = x->onlink || onlink;
    nd6_life_set(&x->valid, valid, now);
    nd6_life_set(&x->pref, pref, now);
    if (changed) {
      report(ND6_LIST_PREFIX, slot, false);
    }
    return;
  }
  if (valid == 0) {
    return;
  }
  if (free_slot < 0) {
    LWIP_DROP(ND6_PREFIXES_FULL);
    return;
  }
  struct nd6_prefix *x = &nd6_prefixes[free_slot];
  x->prefix = *prefix;
  x->len = len;
  x->netif = netif;
  x->onlink = onlink;
  x->autonomous = autonomous;
  nd6_life_set(&x->valid, valid, now);
  nd6_life_set(&x->pref, pref, now);
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(ND6, INFO, "prefix %s/%u on %c%c%u%s%s valid %lu s preferred %lu s", ip6addr_ntoa_r(prefix, b, sizeof(b)),
           len, netif->name[0], netif->name[1], netif->num, onlink ? " on-link" : "", autonomous ? " autonomous" : "",
           (unsigned long)valid, (unsigned long)pref);
  LWIP_UNUSED_ARG(b);
  report(ND6_LIST_PREFIX, free_slot, false);
}

/* ---------------------------------------------------------------------- */
/* Router Advertisement: the options                                       */
/* ---------------------------------------------------------------------- */

/* Prefix Information (RFC 4861 6.3.4, RFC 4862 5.5.3).  @p o: the option,
 * its 32 bytes copied. */
static void ra_prefix_opt(struct netif *netif, const u8_t *o, u32_t now)
{
  u8_t len = o[ND6_PIO_OFF_PLEN];
  u8_t flags = o[ND6_PIO_OFF_FLAGS];
  u32_t valid = get_be32(o + ND6_PIO_OFF_VALID);
  u32_t pref = get_be32(o + ND6_PIO_OFF_PREF);
  ip6_addr_t prefix;
  memset(&prefix, 0, sizeof(prefix));
  memcpy(prefix.addr, o + ND6_PIO_OFF_PREFIX, IP6_ADDR_LEN);
  if (len > 128 || ip6_addr_islinklocal(&prefix)) {
    /* 6.3.4 / 5.5.3 b): the link-local prefix is never taken from an RA. */
    LWIP_DROP(ND6_BAD_PREFIX);
    return;
  }
  mask_prefix(&prefix, len);
  bool onlink = (flags & ND6_PIO_FLAG_ONLINK) != 0;
  bool autonomous = (flags & ND6_PIO_FLAG_AUTO) != 0;
  if (onlink || autonomous) {
    prefix_update(netif, &prefix, len, onlink, autonomous, valid, LWIP_MIN(pref, valid), now);
  }
  if (autonomous) {
    nd6_slaac_prefix(netif, &prefix, len, valid, pref);
  }
}

/* MTU option (6.3.4): taken when 1280 .. the link MTU. */
static void ra_mtu_opt(struct netif *netif, const u8_t *o, u8_t olen)
{
  u32_t mtu = get_be32(o + ND6_MTU_OFF_MTU);
  if (olen != 1 || mtu < IP6_MIN_MTU || (netif->mtu != 0 && mtu > netif->mtu)) {
    LWIP_LOG(ND6, DEBUG, "RA MTU %lu refused (link MTU %u)", (unsigned long)mtu, netif->mtu);
    LWIP_DROP(ND6_BAD_MTU);
    return;
  }
  if (netif->mtu6 != mtu) {
    LWIP_LOG(ND6, INFO, "%c%c%u: IPv6 MTU %lu from RA", netif->name[0], netif->name[1], netif->num, (unsigned long)mtu);
  }
  netif->mtu6 = (u16_t)mtu;
}

/* Route Information (RFC 4191 2.3, 3.1).  @p o: the option (olen*8 bytes). */
static void ra_route_opt(struct netif *netif, const ip6_addr_t *router, const u8_t *o, u8_t olen, u32_t now)
{
  u8_t len = o[ND6_RIO_OFF_PLEN];
  u8_t prf = (u8_t)((o[ND6_RIO_OFF_FLAGS] >> ND6_RA_PRF_SHIFT) & ND6_PRF_MASK);
  u32_t lifetime = get_be32(o + ND6_RIO_OFF_LIFETIME);
  /* 2.3: length 3 beyond /64, at least 2 beyond /0; reserved Prf: ignore. */
  if (olen > 3 || len > 128 || (len > 64 && olen < 3) || (len > 0 && olen < 2) || prf == ND6_PRF_RESERVED) {
    LWIP_DROP(ND6_BAD_ROUTE);
    return;
  }
  ip6_addr_t prefix;
  memset(&prefix, 0, sizeof(prefix));
  memcpy(prefix.addr, o + ND6_RIO_OFF_PREFIX, (size_t)(olen - 1U) * 8U);
  mask_prefix(&prefix, len);
  int slot = -1, free_slot = -1;
  for (int i = 0; i < ND6_NUM_ROUTES; i++) {
    struct nd6_route *x = &nd6_routes[i];
    if (x->netif == netif && x->len == len && ip6_addr_prefix_eq(&x->prefix, &prefix, len) &&
        ip6_addr_eq_nozone(&x->router, router)) {
      slot = i;
    } else if (x->netif == NULL && free_slot < 0) {
      free_slot = i;
    }
  }
  if (lifetime == 0) {
    if (slot >= 0) {
      route_remove(slot);
    }
    return;
  }
  if (slot < 0) {
    if (free_slot < 0) {
      LWIP_DROP(ND6_ROUTES_FULL);
      return;
    }
    slot = free_slot;
    nd6_routes[slot].prefix = prefix;
    nd6_routes[slot].len = len;
    nd6_routes[slot].router = *router;
    nd6_routes[slot].router.zone = IP6_NO_ZONE;
    nd6_routes[slot].netif = netif;
    nd6_routes[slot].pref = prf_value(prf);
    log_entry("route", &prefix, netif, "added");
  }
  bool changed = slot == free_slot || nd6_routes[slot].pref != prf_value(prf);
  nd6_routes[slot].pref = prf_value(prf);
  nd6_life_set(&nd6_routes[slot].life, lifetime, now);
  if (changed) {
    report(ND6_LIST_ROUTE, slot, false);
  }
}

/* One RDNSS address (RFC 8106 5.3.1): refreshed, added, or with lifetime 0
 * removed. */
static void rdnss_update(struct netif *netif, const ip6_addr_t *a, u32_t lifetime, u32_t now)
{
  int slot = -1, free_slot = -1;
  for (int i = 0; i < ND6_NUM_RDNSS; i++) {
    if (nd6_rdnss[i].netif == netif && ip6_addr_eq_nozone(&nd6_rdnss[i].addr, a)) {
      slot = i;
    } else if (nd6_rdnss[i].netif == NULL && free_slot < 0) {
      free_slot = i;
    }
  }
  if (lifetime == 0) {
    if (slot >= 0) {
      rdnss_remove(slot);
    }
    return;
  }
  if (slot >= 0) {
    nd6_life_set(&nd6_rdnss[slot].life, lifetime, now);
    return;
  }
  if (free_slot < 0) {
    LWIP_DROP(ND6_RDNSS_FULL);
    return;
  }
  nd6_rdnss[free_slot].addr = *a;
  nd6_rdnss[free_slot].addr.zone = ip6_addr_has_scope(a) ? netif_get_index(netif) : IP6_NO_ZONE;
  nd6_rdnss[free_slot].netif = netif;
  nd6_life_set(&nd6_rdnss[free_slot].life, lifetime, now);
  log_entry("DNS server", a, netif, "added");
  report(ND6_LIST_RDNSS, free_slot, false);
}

/* RDNSS option (RFC 8106 5.1): length 3 + 2n, one or more addresses. */
static void ra_rdnss_opt(struct netif *netif, const struct pbuf *p, u16_t off, u8_t olen, u32_t now)
{
  u8_t h[ND6_DNSOPT_OFF_DATA];
  if (olen < 3 || (olen & 1U) == 0 || pbuf_copy_partial(p, h, sizeof(h), off) != sizeof(h)) {
    LWIP_DROP(ND6_BAD_DNSOPT);
    return;
  }
  u32_t lifetime = get_be32(h + ND6_DNSOPT_OFF_LIFETIME);
  /* (olen - 1) * 8 is a multiple of 16: the last address ends the option. */
  for (u32_t a_off = off + ND6_DNSOPT_OFF_DATA; a_off < off + olen * 8U; a_off += IP6_ADDR_LEN) {
    ip6_addr_t a;
    memset(&a, 0, sizeof(a));
    if (pbuf_copy_partial(p, a.addr, IP6_ADDR_LEN, (u16_t)a_off) != IP6_ADDR_LEN || ip6_addr_ismulticast(&a) ||
        ip6_addr_isany(&a) || ip6_addr_isloopback(&a)) {
      LWIP_DROP(ND6_BAD_DNSOPT);
      continue;
    }
    rdnss_update(netif, &a, lifetime, now);
  }
}

/* One search domain (RFC 8106 5.3.1 as for RDNSS). */
static void dnssl_update(struct netif *netif, const char *name, u32_t lifetime, u32_t now)
{
  int slot = -1, free_slot = -1;
  for (int i = 0; i < ND6_NUM_DNSSL; i++) {
    if (nd6_dnssl[i].netif == netif && lwip_stricmp(nd6_dnssl[i].name, name) == 0) {
      slot = i;
    } else if (nd6_dnssl[i].netif == NULL && free_slot < 0) {
      free_slot = i;
    }
  }
  if (lifetime == 0) {
    if (slot >= 0) {
      dnssl_remove(slot);
    }
    return;
  }
  if (slot >= 0) {
    nd6_life_set(&nd6_dnssl[slot].life, lifetime, now);
    return;
  }
  if (free_slot < 0) {
    LWIP_DROP(ND6_DNSSL_FULL);
    return;
  }
  memcpy(nd6_dnssl[free_slot].name, name, sizeof(nd6_dnssl[free_slot].name));
  nd6_dnssl[free_slot].netif = netif;
  nd6_life_set(&nd6_dnssl[free_slot].life, lifetime, now);
  LWIP_LOG(ND6, INFO, "search domain %s on %c%c%u", name, netif->name[0], netif->name[1], netif->num);
  report(ND6_LIST_DNSSL, free_slot, false);
}

/* Read one name in DNS wire form (RFC 1035 3.1, no compression, RFC 8106
 * 5.2) at *@p off, before @p end, as dotted text into @p out.
 * @return 1 for a name, 0 at the padding (a zero byte where a name would
 * start), -1 when malformed or longer than ND6_DNSSL_NAME_MAX. */
static int dnssl_read_name(const struct pbuf *p, u16_t *off, u16_t end, char out[ND6_DNSSL_NAME_MAX + 1])
{
  size_t n = 0;
  bool first = true;
  while (*off < end) {
    int l = pbuf_try_get_at(p, *off);
    if (l < 0 || l > 63) {
      return -1;
    }
    (*off)++;
    if (l == 0) {
      out[n] = '\0';
      return first ? 0 : 1;
    }
    if ((u32_t)*off + (u32_t)l > end || n + (first ? 0U : 1U) + (size_t)l > ND6_DNSSL_NAME_MAX) {
      return -1;
    }
    if (!first) {
      out[n++] = '.';
    }
    if (pbuf_copy_partial(p, out + n, (u16_t)l, *off) != (u16_t)l) {
      return -1;
    }
    for (int i = 0; i < l; i++) {
      /* Printable ASCII without the dot: a label that would not survive as
       * dotted text, or would reach a resolver or a JSON reply as
       * non-text, is refused rather than mangled. */
      u8_t c = (u8_t)out[n + (size_t)i];
      if (c <= 0x20U || c >= 0x7fU || c == '.') {
        return -1;
      }
    }
    n += (size_t)l;
    *off = (u16_t)(*off + l);
    first = false;
  }
  return -1; /* not terminated inside the option */
}

/* DNSSL option (RFC 8106 5.2). */
static void ra_dnssl_opt(struct netif *netif, const struct pbuf *p, u16_t off, u8_t olen, u32_t now)
{
  u8_t h[ND6_DNSOPT_OFF_DATA];
  if (olen < 2 || pbuf_copy_partial(p, h, sizeof(h), off) != sizeof(h)) {
    LWIP_DROP(ND6_BAD_DNSOPT);
    return;
  }
  u32_t lifetime = get_be32(h + ND6_DNSOPT_OFF_LIFETIME);
  u16_t end = (u16_t)(off + olen * 8U);
  u16_t at = (u16_t)(off + ND6_DNSOPT_OFF_DATA);
  char name[ND6_DNSSL_NAME_MAX + 1];
  while (at < end) {
    int r = dnssl_read_name(p, &at, end, name);
    if (r < 0) {
      LWIP_DROP(ND6_BAD_DNSOPT);
      return;
    }
    if (r == 0) {
      break; /* padding to the end of the option */
    }
    dnssl_update(netif, name, lifetime, now);
  }
}

/* Walk the (already length-checked) options of an RA from @p off. */
static void ra_options(struct netif *netif, const ip6_addr_t *src, const struct pbuf *p, u16_t off, u32_t now)
{
  while (off < p->tot_len) {
    u8_t o[32];
    memset(o, 0, sizeof(o));
    u16_t avail = (u16_t)LWIP_MIN((u32_t)sizeof(o), (u32_t)(p->tot_len - off));
    pbuf_copy_partial(p, o, avail, off);
    u8_t olen = o[ND6_OPT_OFF_LEN];
    switch (o[ND6_OPT_OFF_TYPE]) {
    case ND6_OPT_PREFIX:
      if (olen != ND6_PIO_LEN) {
        LWIP_DROP(ND6_BAD_PREFIX);
      } else {
        ra_prefix_opt(netif, o, now);
      }
      break;
    case ND6_OPT_MTU:
      ra_mtu_opt(netif, o, olen);
      break;
    case ND6_OPT_RIO:
      ra_route_opt(netif, src, o, olen, now);
      break;
    case ND6_OPT_RDNSS:
      ra_rdnss_opt(netif, p, off, olen, now);
      break;
    case ND6_OPT_DNSSL:
      ra_dnssl_opt(netif, p, off, olen, now);
      break;
    default:
      /* Source link-layer address: done by the caller; others: RFC 4861
       * 4.6 says unknown options are skipped. */
      break;
    }
    off = (u16_t)(off + olen * 8U);
  }
}

/* The Source Link-Layer Address option of an RA or the Target one of a
 * Redirect (already length-checked).  @return -1 malformed, 0 absent, 1
 * copied to @p lla. */
static int find_lla(const struct pbuf *p, u16_t off, u8_t type, const struct netif *netif, u8_t lla[ETH_HWADDR_LEN])
{
  int found = 0;
  while (off < p->tot_len) {
    u8_t o[2 + ETH_HWADDR_LEN];
    u16_t n = pbuf_copy_partial(p, o, 2, off);
    if (n != 2) {
      return -1;
    }
    if (o[ND6_OPT_OFF_TYPE] == type) {
      if (o[ND6_OPT_OFF_LEN] != 1 || pbuf_copy_partial(p, o, sizeof(o), off) != sizeof(o) ||
          nd6_lla_bad(o + 2, netif)) {
        return -1;
      }
      memcpy(lla, o + 2, ETH_HWADDR_LEN);
      found = 1;
    }
    off = (u16_t)(off + o[ND6_OPT_OFF_LEN] * 8U);
  }
  return found;
}

void nd6_ra_input(struct pbuf *p, const struct ip6_rx *rx)
{
  struct netif *netif = rx->ip.inp;
  const ip6_addr_t *src = ip_2_ip6(&rx->ip.src);
  u8_t m[ND6_RA_HLEN];
  /* RFC 4861 6.1.2: from a link-local address (routers are identified by
   * it), at least 16 bytes, every option of non-zero length. */
  if (!ip6_addr_islinklocal(src)) {
    LWIP_DROP(ND6_NOT_LINKLOCAL);
    return;
  }
  if (pbuf_copy_partial(p, m, sizeof(m), 0) != sizeof(m)) {
    LWIP_DROP(ND6_SHORT);
    return;
  }
  u8_t lla[ETH_HWADDR_LEN];
  int has_lla = nd6_opts_valid(p, ND6_RA_HLEN) ? find_lla(p, ND6_RA_HLEN, ND6_OPT_SLLA, netif, lla) : -1;
  if (has_lla < 0) {
    LWIP_DROP(ND6_BAD_OPTION);
    return;
  }
  if (netif_get_ip6_addr_match(netif, src) >= 0) {
    /* Our own address as the source: a looped-back copy, or a node
     * using our address; either way not a router to learn. */
    LWIP_DROP(ND6_FROM_US);
    return;
  }
  u32_t now = sys_now();
  u8_t flags = m[ND6_RA_OFF_FLAGS];
  u16_t lifetime = get_be16(m + ND6_RA_OFF_LIFETIME);
  u32_t reachable = get_be32(m + ND6_RA_OFF_REACHABLE);
  u32_t retrans = get_be32(m + ND6_RA_OFF_RETRANS);
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(ND6, DEBUG, "RA from %s lifetime %u hop limit %u flags 0x%02x", ip6addr_ntoa_r(src, b, sizeof(b)), lifetime,
           m[ND6_RA_OFF_CUR_HOPLIM], flags);
  LWIP_UNUSED_ARG(b);

  /* 6.3.7: a valid RA with a non-zero Router Lifetime ends solicitation;
   * one from a router that is no default router does not. */
  if (lifetime != 0) {
    netif->rs_left = 0;
  }
  netif->ra_seen = true;
  netif->ra_last_ms = now;
  netif->ra_flags = (u8_t)(flags & (ND6_RA_FLAG_MANAGED | ND6_RA_FLAG_OTHER));
  /* 6.3.4: each of these is taken when non-zero (0: unspecified). */
  if (m[ND6_RA_OFF_CUR_HOPLIM] != 0) {
    netif->cur_hop_limit = m[ND6_RA_OFF_CUR_HOPLIM];
  }
  if (reachable != 0 && reachable <= ND6_MAX_REACHABLE_TIME_MS) {
    /* Each neighbor entry draws its ReachableTime anew from this base. */
    netif->nd6_reachable_ms = reachable;
  }
  if (retrans != 0 && retrans <= ND6_MAX_REACHABLE_TIME_MS) {
    /* RetransTimer has no limit in 6.3.4; one above an hour is not
     * plausible, and past 2^31 ms it would break the timer arithmetic. */
    netif->nd6_retrans_ms = retrans;
  }
  /* RFC 4191 2.2: the preference means nothing with lifetime 0. */
  s8_t pref = lifetime != 0 ? prf_value((u8_t)(flags >> ND6_RA_PRF_SHIFT)) : 0;
  ra_router(netif, src, lifetime, pref, now);
  /* 6.3.4: the router's neighbor entry: IsRouter, and its address (STALE
   * when created or changed, 7.2.3). */
  nd6_neighbor_learn(netif, src, has_lla ? lla : NULL, 1);
  ra_options(netif, src, p, ND6_RA_HLEN, now);
  nd6_reschedule();
#if LWIP_DHCP6
  /* RFC 4861 4.2: M and O tell hosts what DHCPv6 offers on this link. */
  dhcp6_nd6_ra_trigger(netif, (flags & ND6_RA_FLAG_MANAGED) != 0, (flags & ND6_RA_FLAG_OTHER) != 0);
#endif
}

/* ---------------------------------------------------------------------- */
/* Redirect (RFC 4861 8)                                                   */
/* ---------------------------------------------------------------------- */

static void redirect_store(struct netif *netif, const ip6_addr_t *dest, const ip6_addr_t *target, u32_t now)
{
  int slot = -1, free_slot = -1, oldest = -1;
  for (int i = 0; i < ND6_NUM_REDIRECTS; i++) {
    const struct nd6_redirect *x = &nd6_redirects[i];
    if (x->netif == NULL) {
      free_slot = free_slot < 0 ? i : free_slot;
    } else if (x->netif == netif && ip6_addr_eq_nozone(&x->dest, dest)) {
      slot = i;
    } else if (oldest < 0 || nd6_life_left(&x->life, now) < nd6_life_left(&nd6_redirects[oldest].life, now)) {
      /* Every redirect starts with the same lifetime, so the one with
       * the least left was confirmed longest ago. */
      oldest = i;
    }
  }
  bool changed = true;
  if (slot >= 0) {
    changed = !ip6_addr_eq_nozone(&nd6_redirects[slot].target, target);
  } else if (free_slot >= 0) {
    slot = free_slot;
  } else {
    /* Full: the least recently confirmed redirect goes; the router can
     * send it again, and the default path still works meanwhile. */
    slot = oldest;
    redirect_remove(slot);
  }
  struct nd6_redirect *x = &nd6_redirects[slot];
  x->dest = *dest;
  x->dest.zone = IP6_NO_ZONE;
  x->target = *target;
  x->target.zone = ip6_addr_has_scope(target) ? netif_get_index(netif) : IP6_NO_ZONE;
  x->netif = netif;
  nd6_life_set(&x->life, ND6_REDIRECT_LIFETIME_S, now);
  if (changed) {
    report(ND6_LIST_REDIRECT, slot, false);
  }
}

void nd6_redirect_input(struct pbuf *p, const struct ip6_rx *rx)
{
  struct netif *netif = rx->ip.inp;
  const ip6_addr_t *src = ip_2_ip6(&rx->ip.src);
  u8_t m[ND6_RD_HLEN];
  /* 8.1: from the link-local address of a router, 40 bytes or more. */
  if (!ip6_addr_islinklocal(src)) {
    LWIP_DROP(ND6_NOT_LINKLOCAL);
    return;
  }
  if (pbuf_copy_partial(p, m, sizeof(m), 0) != sizeof(m)) {
    LWIP_DROP(ND6_SHORT);
    return;
  }
  ip6_addr_t target, dest;
  memset(&target, 0, sizeof(target));
  memset(&dest, 0, sizeof(dest));
  memcpy(target.addr, m + ND6_OFF_TARGET, IP6_ADDR_LEN);
  memcpy(dest.addr, m + ND6_RD_OFF_DEST, IP6_ADDR_LEN);
  /* 8.1: the destination is not multicast; the target is a router's
   * link-local address or the destination itself (on-link). */
  bool onlink = ip6_addr_eq_nozone(&target, &dest);
  if (ip6_addr_ismulticast(&dest) || (!onlink && !ip6_addr_islinklocal(&target))) {
    LWIP_DROP(ND6_BAD_REDIRECT);
    return;
  }
  u8_t lla[ETH_HWADDR_LEN];
  int has_lla = nd6_opts_valid(p, ND6_RD_HLEN) ? find_lla(p, ND6_RD_HLEN, ND6_OPT_TLLA, netif, lla) : -1;
  if (has_lla < 0) {
    LWIP_DROP(ND6_BAD_OPTION);
    return;
  }
  /* 8.1: only the router we use for this destination may redirect it;
   * anyone else on the link would be hijacking traffic. */
  ip6_addr_t hop;
  if (!nd6_next_hop(netif, &dest, &hop) || ip6_addr_eq_nozone(&hop, &dest) || !ip6_addr_eq_nozone(&hop, src)) {
    char b[IP6ADDR_STRLEN_MAX];
    LWIP_LOG(ND6, DEBUG, "Redirect from %s ignored: not our first hop for the destination",
             ip6addr_ntoa_r(src, b, sizeof(b)));
    LWIP_UNUSED_ARG(b);
    LWIP_DROP(ND6_REDIRECT_NOT_ROUTER);
    return;
  }
  char b1[IP6ADDR_STRLEN_MAX], b2[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(ND6, INFO, "redirect: %s via %s%s", ip6addr_ntoa_r(&dest, b1, sizeof(b1)),
           ip6addr_ntoa_r(&target, b2, sizeof(b2)), onlink ? " (on-link)" : "");
  LWIP_UNUSED_ARG(b1);
  LWIP_UNUSED_ARG(b2);
  redirect_store(netif, &dest, &target, sys_now());
  /* 8.3: the target's entry from its link-layer address; a target other
   * than the destination is a router. */
  nd6_neighbor_learn(netif, &target, has_lla ? lla : NULL, onlink ? -1 : 1);
  nd6_reschedule();
}
