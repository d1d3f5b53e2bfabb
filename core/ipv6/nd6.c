/**
 * @file nd6.c
 * Neighbor Discovery (RFC 4861) for a host on Ethernet: Neighbor
 * Solicitation and Advertisement with the validation of 7.1.1 and 7.1.2,
 * the neighbor cache and Neighbor Unreachability Detection (7.3), packets
 * queued while resolving, duplicate address detection (RFC 4862 5.4) and
 * router solicitation at start-up (6.3.7).  Router Advertisements, the
 * router/prefix/route lists, SLAAC and Redirects are in nd6_router.c.
 *
 * Timers: one, armed at the earliest deadline of an entry that is
 * resolving or probing, a DAD step, a router solicitation or a lifetime
 * kept by nd6_router.c (nd6_router_next_deadline); REACHABLE
 * entries age into STALE when next looked at, so a quiet cache arms
 * nothing.
 */
#include "lwip/nd6.h"
#include "lwip/icmp6.h"
#include "lwip/ethernet.h"
#include "lwip/inet_chksum.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/icmp6.h"
#include "lwip/priv/init.h"
#include "lwip/priv/nd6_priv.h"
#include <string.h>

struct nd6_entry {
  ip6_addr_t addr;
  struct netif *netif;
  struct pbuf *q;     /* packets waiting for resolution, chained by next */
  u32_t stamp_ms;     /* when the state last changed */
  u32_t next_ms;      /* next timer step (INCOMPLETE, DELAY, PROBE) */
  u32_t reachable_ms; /* ReachableTime drawn on entering REACHABLE */
  u8_t lladdr[ETH_HWADDR_LEN];
  u8_t state; /* enum nd6_state */
  u8_t probes;
  u8_t qlen;
  bool is_router;
};

static struct nd6_entry cache[ND6_NUM_NEIGHBORS];
static struct sys_timeo nd6_timeo;
static bool timer_armed;
static nd6_change_hook_fn change_hook;

static void nd6_tmr(void *arg);

void nd6_init(void)
{
  /* lwip_init() starts over: whatever a previous run left is forgotten
   * (the pools it pointed into were reset too). */
  memset(cache, 0, sizeof(cache));
  memset(&nd6_timeo, 0, sizeof(nd6_timeo));
  timer_armed = false;
  change_hook = NULL;
  nd6_router_init();
}

/* RFC 4861 6.3.2: RetransTimer and BaseReachableTime are per link and an
 * RA may set them; until one does, the protocol defaults. */
static u32_t retrans_ms(const struct netif *netif)
{
  return (netif != NULL && netif->nd6_retrans_ms != 0) ? netif->nd6_retrans_ms : ND6_RETRANS_TIMER_MS;
}

static u32_t base_reachable_ms(const struct netif *netif)
{
  return (netif != NULL && netif->nd6_reachable_ms != 0) ? netif->nd6_reachable_ms : ND6_REACHABLE_TIME_MS;
}

const char *nd6_state_name(int state)
{
  static const char *const names[] = {"none", "incomplete", "reachable", "stale", "delay", "probe"};
  return (state >= 0 && state < (int)LWIP_ARRAYSIZE(names)) ? names[state] : "?";
}

void nd6_set_change_hook(nd6_change_hook_fn hook)
{
  change_hook = hook;
}

/* ---------------------------------------------------------------------- */
/* Cache entries                                                           */
/* ---------------------------------------------------------------------- */

static void entry_info(const struct nd6_entry *e, struct nd6_neighbor_info *out)
{
  memset(out, 0, sizeof(*out));
  out->addr = e->addr;
  memcpy(out->lladdr.addr, e->lladdr, ETH_HWADDR_LEN);
  out->netif = e->netif;
  out->state = (enum nd6_state)e->state;
  out->is_router = e->is_router;
  out->queued = e->qlen;
  out->probes = e->probes;
  out->age_ms = sys_now() - e->stamp_ms;
}

static void report(const struct nd6_entry *e, bool gone)
{
  if (change_hook != NULL) {
    struct nd6_neighbor_info info;
    entry_info(e, &info);
    change_hook(&info, gone);
  }
}

/* The one place an entry changes state: logged "old -> new" and reported. */
static void set_state(struct nd6_entry *e, u8_t state)
{
  u8_t old = e->state;
  e->state = state;
  e->stamp_ms = sys_now();
  if (state == ND6_REACHABLE) {
    /* RFC 4861 6.3.2: ReachableTime is drawn uniformly from 0.5 to 1.5
     * times BaseReachableTime, so neighbors do not probe in step. */
    u32_t base = base_reachable_ms(e->netif);
    e->reachable_ms = base / 2U + lwip_port_rand() % base;
  }
  if (old != state) {
    char b[IP6ADDR_STRLEN_MAX];
    LWIP_LOG(ND6, DEBUG, "%s %s -> %s", ip6addr_ntoa_r(&e->addr, b, sizeof(b)), nd6_state_name(old),
             nd6_state_name(state));
    LWIP_UNUSED_ARG(b);
    report(e, false);
  }
}

static void entry_drop_queue(struct nd6_entry *e)
{
  while (e->q != NULL) {
    struct pbuf *p = e->q;
    e->q = p->next;
    p->next = NULL;
    pbuf_free(p);
    LWIP_DROP(ND6_UNRESOLVED);
  }
  e->qlen = 0;
}

static void entry_free(struct nd6_entry *e)
{
  if (e->state != ND6_NO_ENTRY) {
    report(e, true);
  }
  entry_drop_queue(e);
  memset(e, 0, sizeof(*e));
}

/* REACHABLE turns STALE once ReachableTime has passed without a
 * confirmation (RFC 4861 7.3.3); done when the entry is looked at. */
static void entry_age(struct nd6_entry *e)
{
  if (e->state == ND6_REACHABLE && sys_now() - e->stamp_ms >= e->reachable_ms) {
    set_state(e, ND6_STALE);
  }
}

static struct nd6_entry *entry_find(const ip6_addr_t *addr, const struct netif *netif)
{
  for (int i = 0; i < ND6_NUM_NEIGHBORS; i++) {
    struct nd6_entry *e = &cache[i];
    if (e->state != ND6_NO_ENTRY && e->netif == netif && ip6_addr_eq_nozone(&e->addr, addr)) {
      entry_age(e);
      return e;
    }
  }
  return NULL;
}

/* A free entry, else the least recently changed one that holds nothing
 * waiting (STALE first: nobody is using it now).  @return NULL when full. */
static struct nd6_entry *entry_new(const ip6_addr_t *addr, struct netif *netif)
{
  struct nd6_entry *victim = NULL;
  for (int i = 0; i < ND6_NUM_NEIGHBORS; i++) {
    struct nd6_entry *e = &cache[i];
    if (e->state == ND6_NO_ENTRY) {
      victim = e;
      break;
    }
    entry_age(e);
    if (e->state != ND6_STALE || e->qlen != 0) {
      continue;
    }
    if (victim == NULL || lwip_time_before(e->stamp_ms, victim->stamp_ms)) {
      victim = e;
    }
  }
  if (victim == NULL) {
    LWIP_DROP(ND6_TABLE_FULL);
    return NULL;
  }
  entry_free(victim);
  victim->addr = *addr;
  victim->addr.zone = IP6_NO_ZONE;
  victim->netif = netif;
  return victim;
}

bool nd6_get_neighbor_info(int i, struct nd6_neighbor_info *out)
{
  if (i < 0 || i >= ND6_NUM_NEIGHBORS || out == NULL || cache[i].state == ND6_NO_ENTRY) {
    return false;
  }
  entry_age(&cache[i]);
  entry_info(&cache[i], out);
  return true;
}

int nd6_flush(struct netif *netif)
{
  int n = 0;
  for (int i = 0; i < ND6_NUM_NEIGHBORS; i++) {
    if (cache[i].state != ND6_NO_ENTRY && (netif == NULL || cache[i].netif == netif)) {
      entry_free(&cache[i]);
      n++;
    }
  }
  return n;
}

/* ---------------------------------------------------------------------- */
/* The timer                                                               */
/* ---------------------------------------------------------------------- */

static bool netif_dad_pending(const struct netif *n, int i)
{
  return ip6_addr_istentative(n->ip6_addr_state[i]) && netif_is_up(n) && netif_is_link_up(n);
}

/* Arm the one timer at the earliest deadline, or disarm it. */
static void schedule(void)
{
  u32_t now = sys_now();
  bool any = false;
  u32_t first = 0;
#define ND6_CONSIDER(t)                                                                                                \
  do {                                                                                                                 \
    if (!any || lwip_time_before((t), first)) {                                                                        \
      first = (t);                                                                                                     \
      any = true;                                                                                                      \
    }                                                                                                                  \
  } while (0)
  for (int i = 0; i < ND6_NUM_NEIGHBORS; i++) {
    u8_t st = cache[i].state;
    if (st == ND6_INCOMPLETE || st == ND6_DELAY || st == ND6_PROBE) {
      ND6_CONSIDER(cache[i].next_ms);
    }
  }
  struct netif *n;
  NETIF_FOREACH(n)
  {
    for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
      if (netif_dad_pending(n, i)) {
        ND6_CONSIDER(n->ip6_addr_dad_at[i]);
      }
    }
    if (n->rs_left > 0 && netif_is_up(n) && netif_is_link_up(n)) {
      ND6_CONSIDER(n->rs_at);
    }
  }
  u32_t router_at;
  if (nd6_router_next_deadline(now, &router_at)) {
    ND6_CONSIDER(router_at);
  }
#undef ND6_CONSIDER
  if (timer_armed) {
    sys_untimeout(nd6_tmr, NULL);
    timer_armed = false;
  }
  if (any) {
    u32_t delay = lwip_time_before(now, first) ? first - now : 0;
    sys_timeout_static(&nd6_timeo, delay, nd6_tmr, NULL);
    timer_armed = true;
  }
}

/* ---------------------------------------------------------------------- */
/* Sending ND messages                                                     */
/* ---------------------------------------------------------------------- */

/* An ICMPv6 message of @p len bytes with room for the headers in front. */
static struct pbuf *nd6_alloc(u16_t len)
{
  struct pbuf *q = pbuf_alloc(PBUF_LINK, (u16_t)(IP6_HLEN + len), PBUF_RAM);
  if (q == NULL) {
    LWIP_DROP(ND6_NO_MEM);
    return NULL;
  }
  pbuf_remove_header(q, IP6_HLEN);
  memset(q->payload, 0, len);
  return q;
}

static void put_lla_opt(u8_t *o, u8_t type, const struct netif *netif)
{
  o[ND6_OPT_OFF_TYPE] = type;
  o[ND6_OPT_OFF_LEN] = 1;
  memcpy(o + 2, netif->hwaddr, ETH_HWADDR_LEN);
}

/* Finish (checksum) and send with hop limit 255 (RFC 4861 7.1). */
static void nd6_send(struct pbuf *q, struct netif *netif, const ip6_addr_t *src, const ip6_addr_t *dst)
{
  u8_t *m = (u8_t *)q->payload;
  u16_t sum = ip6_chksum_pseudo(q, IP6_NEXTH_ICMP6, q->tot_len, src, dst);
  memcpy(m + ICMP6_OFF_CHKSUM, &sum, 2);
  STATS_TX(ND6);
  ip6_output_if_src(q, src, dst, ND6_HOPLIM, 0, IP6_NEXTH_ICMP6, netif);
  pbuf_free(q);
}

/* Neighbor Solicitation for @p target to @p dst (its solicited-node group,
 * or the neighbor itself when probing).  @p dad: from the unspecified
 * address and without our link-layer address (RFC 4862 5.4.2). */
static void nd6_send_ns(struct netif *netif, const ip6_addr_t *target, const ip6_addr_t *dst, bool dad)
{
  ip6_addr_t src;
  ip6_addr_set_zero(&src);
  if (!dad) {
    const ip_addr_t *sel = ip6_select_source_address(netif, target);
    if (sel == NULL) {
      LWIP_DROP(IP6_NO_SOURCE);
      return;
    }
    src = *ip_2_ip6(sel);
  }
  u16_t len = (u16_t)(ND6_NS_HLEN + (dad ? 0 : ND6_OPT_LLA_LEN));
  struct pbuf *q = nd6_alloc(len);
  if (q == NULL) {
    return;
  }
  u8_t *m = (u8_t *)q->payload;
  m[ICMP6_OFF_TYPE] = ICMP6_TYPE_NS;
  memcpy(m + ND6_OFF_TARGET, target->addr, IP6_ADDR_LEN);
  if (!dad) {
    put_lla_opt(m + ND6_NS_HLEN, ND6_OPT_SLLA, netif);
  }
  nd6_send(q, netif, &src, dst);
}

static void nd6_send_ns_multicast(struct netif *netif, const ip6_addr_t *target, bool dad)
{
  ip6_addr_t group;
  ip6_addr_set_solicitednode(&group, target);
  group.zone = netif_get_index(netif);
  nd6_send_ns(netif, target, &group, dad);
}

/* Neighbor Advertisement for our address @p target (RFC 4861 7.2.4). */
static void nd6_send_na(struct netif *netif, const ip6_addr_t *target, const ip6_addr_t *dst, bool solicited)
{
  struct pbuf *q = nd6_alloc(ND6_NA_HLEN + ND6_OPT_LLA_LEN);
  if (q == NULL) {
    return;
  }
  u8_t *m = (u8_t *)q->payload;
  m[ICMP6_OFF_TYPE] = ICMP6_TYPE_NA;
  /* Override: we are the owner of the address, not a proxy. */
  m[ND6_NA_OFF_FLAGS] = (u8_t)(ND6_NA_FLAG_OVERRIDE | (solicited ? ND6_NA_FLAG_SOLICITED : 0));
  memcpy(m + ND6_OFF_TARGET, target->addr, IP6_ADDR_LEN);
  put_lla_opt(m + ND6_NA_HLEN, ND6_OPT_TLLA, netif);
  nd6_send(q, netif, target, dst);
}

/* Router Solicitation (RFC 4861 6.3.7): from a usable link-local address
 * with our link-layer address, else from the unspecified address without. */
static void nd6_send_rs(struct netif *netif)
{
  ip6_addr_t src, dst;
  ip6_addr_set_zero(&src);
  if (ip6_addr_isvalid(netif_ip6_addr_state(netif, 0)) && ip6_addr_islinklocal(netif_ip6_addr(netif, 0))) {
    src = *netif_ip6_addr(netif, 0);
  }
  bool with_lla = !ip6_addr_isany(&src);
  struct pbuf *q = nd6_alloc((u16_t)(ND6_RS_HLEN + (with_lla ? ND6_OPT_LLA_LEN : 0)));
  if (q == NULL) {
    return;
  }
  u8_t *m = (u8_t *)q->payload;
  m[ICMP6_OFF_TYPE] = ICMP6_TYPE_RS;
  if (with_lla) {
    put_lla_opt(m + ND6_RS_HLEN, ND6_OPT_SLLA, netif);
  }
  ip6_addr_set_allrouters_linklocal(&dst);
  dst.zone = netif_get_index(netif);
  nd6_send(q, netif, &src, &dst);
}

/* ---------------------------------------------------------------------- */
/* DAD and router solicitation per netif                                   */
/* ---------------------------------------------------------------------- */

static u32_t random_delay(u32_t max_ms)
{
  return max_ms == 0 ? 0 : lwip_port_rand() % max_ms;
}

static bool netif_has_ip6(const struct netif *netif)
{
  for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (!ip6_addr_isinvalid(netif->ip6_addr_state[i])) {
      return true;
    }
  }
  return false;
}

void nd6_dad_start(struct netif *netif, s8_t idx)
{
  netif->ip6_addr_dad_left[idx] = ND6_DUP_ADDR_DETECT_TRANSMITS;
  /* RFC 4862 5.4.2: a random delay before the first solicitation, so hosts
   * that start together do not collide. */
  netif->ip6_addr_dad_at[idx] = sys_now() + random_delay(ND6_MAX_RTR_SOLICITATION_DELAY_MS);
  if (idx == 0 && netif_is_up(netif) && netif_is_link_up(netif) && netif->rs_left == 0) {
    /* A new link-local address (re)starts router discovery. */
    netif->rs_left = ND6_MAX_RTR_SOLICITATIONS;
    netif->rs_at = netif->ip6_addr_dad_at[idx] + retrans_ms(netif);
  }
  schedule();
}

void nd6_dad_stop(struct netif *netif, s8_t idx)
{
  netif->ip6_addr_dad_left[idx] = 0;
  schedule();
}

void nd6_netif_up(struct netif *netif)
{
  if (!netif_is_up(netif) || !netif_is_link_up(netif) || !netif_has_ip6(netif)) {
    return;
  }
  for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (ip6_addr_istentative(netif->ip6_addr_state[i])) {
      netif->ip6_addr_dad_left[i] = ND6_DUP_ADDR_DETECT_TRANSMITS;
      netif->ip6_addr_dad_at[i] = sys_now() + random_delay(ND6_MAX_RTR_SOLICITATION_DELAY_MS);
    }
  }
  /* RFC 4861 6.3.7: up to MAX_RTR_SOLICITATIONS, the first after a random
   * delay of up to MAX_RTR_SOLICITATION_DELAY. */
  netif->rs_left = ND6_MAX_RTR_SOLICITATIONS;
  netif->rs_at = sys_now() + random_delay(ND6_MAX_RTR_SOLICITATION_DELAY_MS);
  schedule();
}

void nd6_netif_down(struct netif *netif)
{
  netif->rs_left = 0;
  for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    netif->ip6_addr_dad_left[i] = 0;
  }
  nd6_flush(netif);
  nd6_router_netif_down(netif);
  schedule();
}

void nd6_addr_lifetimes_changed(struct netif *netif)
{
  LWIP_UNUSED_ARG(netif);
  schedule();
}

void nd6_reschedule(void)
{
  schedule();
}

/* Another node has our tentative address (RFC 4862 5.4.5): it is never
 * used. */
static void dad_conflict(struct netif *netif, s8_t idx)
{
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(ND6, WARN, "DAD: %s is in use on %c%c%u: address marked duplicate",
           ip6addr_ntoa_r(netif_ip6_addr(netif, idx), b, sizeof(b)), netif->name[0], netif->name[1], netif->num);
  LWIP_UNUSED_ARG(b);
  LWIP_DROP(ND6_DAD_CONFLICT);
  netif->ip6_addr_dad_left[idx] = 0;
  netif_ip6_addr_set_state(netif, idx, IP6_ADDR_DUPLICATED);
  nd6_slaac_dad_failed(netif, idx);
}

static void netif_timer(struct netif *n, u32_t now)
{
  if (!netif_is_up(n) || !netif_is_link_up(n)) {
    return;
  }
  for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (!netif_dad_pending(n, i) || lwip_time_before(now, n->ip6_addr_dad_at[i])) {
      continue;
    }
    if (n->ip6_addr_dad_left[i] > 0) {
      n->ip6_addr_dad_left[i]--;
      n->ip6_addr_dad_at[i] = now + retrans_ms(n);
      nd6_send_ns_multicast(n, netif_ip6_addr(n, i), true);
    } else {
      /* RetransTimer after the last solicitation without an answer: the
       * address is ours (RFC 4862 5.4), deprecated at once when its
       * preferred lifetime ran out meanwhile (5.5.4). */
      netif_ip6_addr_set_state(n, i, netif_ip6_addr_pref_left(n, i) != 0 ? IP6_ADDR_PREFERRED : IP6_ADDR_DEPRECATED);
    }
  }
  if (n->rs_left > 0 && !lwip_time_before(now, n->rs_at)) {
    n->rs_left--;
    n->rs_at = now + ND6_RTR_SOLICITATION_INTERVAL_MS;
    nd6_send_rs(n);
  }
}

static void entry_timer(struct nd6_entry *e, u32_t now)
{
  if (lwip_time_before(now, e->next_ms)) {
    return;
  }
  switch (e->state) {
  case ND6_INCOMPLETE:
    if (e->probes >= ND6_MAX_MULTICAST_SOLICIT) {
      /* RFC 4861 7.2.2: unanswered; the queued packets are discarded. */
      entry_free(e);
      return;
    }
    e->probes++;
    e->next_ms = now + retrans_ms(e->netif);
    nd6_send_ns_multicast(e->netif, &e->addr, false);
    break;
  case ND6_DELAY:
  case ND6_PROBE: {
    if (e->state == ND6_DELAY) {
      /* 7.3.3: no upper-layer confirmation within DELAY_FIRST_PROBE_TIME:
       * the first probe goes now. */
      set_state(e, ND6_PROBE);
      e->probes = 0;
    }
    if (e->probes >= ND6_MAX_UNICAST_SOLICIT) {
      entry_free(e);
      return;
    }
    e->probes++;
    e->next_ms = now + retrans_ms(e->netif);
    ip6_addr_t dst = e->addr;
    if (ip6_addr_has_scope(&dst)) {
      dst.zone = netif_get_index(e->netif);
    }
    nd6_send_ns(e->netif, &e->addr, &dst, false);
    break;
  }
  default:
    break;
  }
}

static void nd6_tmr(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  timer_armed = false;
  u32_t now = sys_now();
  for (int i = 0; i < ND6_NUM_NEIGHBORS; i++) {
    if (cache[i].state != ND6_NO_ENTRY) {
      entry_timer(&cache[i], now);
    }
  }
  struct netif *n;
  NETIF_FOREACH(n)
  {
    netif_timer(n, now);
  }
  nd6_router_tmr(now);
  schedule();
}

/* ---------------------------------------------------------------------- */
/* Output                                                                  */
/* ---------------------------------------------------------------------- */

static err_t send_to(struct netif *netif, struct pbuf *p, const u8_t *lladdr)
{
  struct eth_addr src, dst;
  memcpy(src.addr, netif->hwaddr, ETH_HWADDR_LEN);
  memcpy(dst.addr, lladdr, ETH_HWADDR_LEN);
  return ethernet_output(netif, p, &src, &dst, ETHTYPE_IPV6);
}

/* Keep a copy of @p p on an INCOMPLETE entry, the latest ND6_QUEUE_LEN. */
static err_t entry_enqueue(struct nd6_entry *e, struct pbuf *p)
{
  struct pbuf *copy = pbuf_clone(PBUF_LINK, PBUF_RAM, p);
  if (copy == NULL) {
    LWIP_DROP(ND6_NO_MEM);
    return ERR_MEM;
  }
  if (e->qlen >= ND6_QUEUE_LEN) {
    struct pbuf *old = e->q;
    e->q = old->next;
    old->next = NULL;
    pbuf_free(old);
    e->qlen--;
    LWIP_DROP(ND6_QUEUE_FULL);
  }
  struct pbuf **tail = &e->q;
  while (*tail != NULL) {
    tail = &(*tail)->next;
  }
  *tail = copy;
  e->qlen++;
  return ERR_OK;
}

err_t ethip6_output(struct netif *netif, struct pbuf *p, const ip6_addr_t *ip6addr)
{
  LWIP_ERROR_RET("ethip6_output: args", netif != NULL && p != NULL && ip6addr != NULL, ERR_ARG);
  u8_t mac[ETH_HWADDR_LEN];
  if (ip6_addr_ismulticast(ip6addr)) {
    /* RFC 2464 7: 33:33 and the group's low 32 bits. */
    mac[0] = 0x33;
    mac[1] = 0x33;
    memcpy(mac + 2, (const u8_t *)ip6addr->addr + 12, 4);
    return send_to(netif, p, mac);
  }
  struct nd6_entry *e = entry_find(ip6addr, netif);
  if (e == NULL) {
    e = entry_new(ip6addr, netif);
    if (e == NULL) {
      return ERR_MEM;
    }
    set_state(e, ND6_INCOMPLETE);
    e->probes = 1;
    e->next_ms = sys_now() + retrans_ms(netif);
    err_t err = entry_enqueue(e, p);
    nd6_send_ns_multicast(netif, ip6addr, false);
    schedule();
    return err;
  }
  switch (e->state) {
  case ND6_INCOMPLETE:
    return entry_enqueue(e, p);
  case ND6_STALE:
    /* RFC 4861 7.3.3: sending to a STALE neighbor gives upper layers
     * DELAY_FIRST_PROBE_TIME to confirm it before probing. */
    set_state(e, ND6_DELAY);
    e->next_ms = sys_now() + ND6_DELAY_FIRST_PROBE_TIME_MS;
    schedule();
    break;
  default:
    break;
  }
  return send_to(netif, p, e->lladdr);
}

/* Send what waited for @p e to resolve. */
static void entry_flush_queue(struct nd6_entry *e)
{
  while (e->q != NULL) {
    struct pbuf *p = e->q;
    e->q = p->next;
    p->next = NULL;
    e->qlen--;
    send_to(e->netif, p, e->lladdr);
    pbuf_free(p);
  }
}

/* ---------------------------------------------------------------------- */
/* Input                                                                   */
/* ---------------------------------------------------------------------- */

/* Options of an ND message from @p off (RFC 4861 4.6): every option has a
 * non-zero length inside the message.  The link-layer address option of
 * type @p lla_type, when present, is copied to @p lla.
 * @return -1 on a bad option, else 1 when the LLA option was present, 0 when not. */
static int nd6_parse_opts(const struct pbuf *p, u16_t off, u8_t lla_type, u8_t lla[ETH_HWADDR_LEN])
{
  int found = 0;
  while (off < p->tot_len) {
    u8_t o[2 + ETH_HWADDR_LEN];
    if (pbuf_copy_partial(p, o, 2, off) != 2 || o[ND6_OPT_OFF_LEN] == 0 ||
        (u32_t)off + o[ND6_OPT_OFF_LEN] * 8U > p->tot_len) {
      return -1;
    }
    if (o[ND6_OPT_OFF_TYPE] == lla_type) {
      /* An Ethernet address option is exactly 8 bytes (RFC 2464 8). */
      if (o[ND6_OPT_OFF_LEN] != 1) {
        return -1;
      }
      pbuf_copy_partial(p, o, sizeof(o), off);
      memcpy(lla, o + 2, ETH_HWADDR_LEN);
      found = 1;
    }
    off = (u16_t)(off + o[ND6_OPT_OFF_LEN] * 8U);
  }
  return found;
}

bool nd6_opts_valid(const struct pbuf *p, u16_t off)
{
  while (off < p->tot_len) {
    int len = pbuf_try_get_at(p, (u16_t)(off + ND6_OPT_OFF_LEN));
    if (len <= 0 || (u32_t)off + (u32_t)len * 8U > p->tot_len) {
      return false;
    }
    off = (u16_t)(off + (u32_t)len * 8U);
  }
  return true;
}

bool nd6_lla_bad(const u8_t *lla, const struct netif *netif)
{
  return ETH_IS_MULTICAST(lla) || memcmp(lla, netif->hwaddr, ETH_HWADDR_LEN) == 0;
}

enum nd6_state nd6_neighbor_state(const struct netif *netif, const ip6_addr_t *addr)
{
  const struct nd6_entry *e = entry_find(addr, netif);
  return e != NULL ? (enum nd6_state)e->state : ND6_NO_ENTRY;
}

/* RFC 4861 7.2.3 (NS), 6.3.4 (RA), 8.3 (Redirect): a link-layer address
 * option creates or refreshes the sender's entry (STALE when new or
 * changed); IsRouter is set as the message says. */
void nd6_neighbor_learn(struct netif *netif, const ip6_addr_t *addr, const u8_t *lla, int is_router)
{
  struct nd6_entry *e = entry_find(addr, netif);
  if (e != NULL && is_router >= 0) {
    e->is_router = is_router != 0;
  }
  if (lla == NULL) {
    return;
  }
  if (e == NULL) {
    e = entry_new(addr, netif);
    if (e == NULL) {
      return;
    }
    memcpy(e->lladdr, lla, ETH_HWADDR_LEN);
    e->is_router = is_router > 0;
    set_state(e, ND6_STALE);
    return;
  }
  if (e->state == ND6_INCOMPLETE) {
    memcpy(e->lladdr, lla, ETH_HWADDR_LEN);
    set_state(e, ND6_STALE);
    entry_flush_queue(e);
    schedule();
    return;
  }
  if (memcmp(e->lladdr, lla, ETH_HWADDR_LEN) != 0) {
    memcpy(e->lladdr, lla, ETH_HWADDR_LEN);
    set_state(e, ND6_STALE);
    schedule();
  }
}

static void nd6_ns_input(struct pbuf *p, const struct ip6_rx *rx)
{
  struct netif *netif = rx->ip.inp;
  const ip6_addr_t *src = ip_2_ip6(&rx->ip.src);
  const ip6_addr_t *dst = ip_2_ip6(&rx->ip.dest);
  u8_t m[ND6_NS_HLEN];
  if (pbuf_copy_partial(p, m, sizeof(m), 0) != sizeof(m)) {
    LWIP_DROP(ND6_SHORT);
    return;
  }
  ip6_addr_t target;
  memset(&target, 0, sizeof(target));
  memcpy(target.addr, m + ND6_OFF_TARGET, IP6_ADDR_LEN);
  if (ip6_addr_ismulticast(&target)) {
    LWIP_DROP(ND6_BAD_TARGET);
    return;
  }
  u8_t lla[ETH_HWADDR_LEN];
  int has_lla = nd6_parse_opts(p, ND6_NS_HLEN, ND6_OPT_SLLA, lla);
  if (has_lla < 0 || (has_lla && nd6_lla_bad(lla, netif))) {
    LWIP_DROP(ND6_BAD_OPTION);
    return;
  }
  bool from_dad = ip6_addr_isany(src);
  /* 7.1.1: from the unspecified address only to a solicited-node group
   * and without a source link-layer address option. */
  if (from_dad && (!ip6_addr_issolicitednode(dst) || has_lla)) {
    LWIP_DROP(ND6_BAD_SRC);
    return;
  }
  s8_t idx = netif_get_ip6_addr_match(netif, &target);
  if (idx < 0 || ip6_addr_isduplicated(netif_ip6_addr_state(netif, idx))) {
    LWIP_DROP(ND6_NOT_FOR_US);
    return;
  }
  if (ip6_addr_istentative(netif_ip6_addr_state(netif, idx))) {
    /* RFC 4862 5.4.3: a DAD probe for our tentative address means another
     * node wants it too; a resolution request for it is ignored. */
    if (from_dad) {
      dad_conflict(netif, idx);
    } else {
      LWIP_DROP(IP6_TENTATIVE);
    }
    return;
  }
  if (from_dad) {
    /* Someone probes an address we hold: defend it to all nodes, not
     * solicited (RFC 4861 7.2.4). */
    ip6_addr_t all;
    ip6_addr_set_allnodes_linklocal(&all);
    all.zone = netif_get_index(netif);
    nd6_send_na(netif, netif_ip6_addr(netif, idx), &all, false);
    return;
  }
  if (has_lla) {
    nd6_neighbor_learn(netif, src, lla, -1);
  }
  nd6_send_na(netif, netif_ip6_addr(netif, idx), src, true);
}

static void nd6_na_input(struct pbuf *p, const struct ip6_rx *rx)
{
  struct netif *netif = rx->ip.inp;
  u8_t m[ND6_NA_HLEN];
  if (pbuf_copy_partial(p, m, sizeof(m), 0) != sizeof(m)) {
    LWIP_DROP(ND6_SHORT);
    return;
  }
  ip6_addr_t target;
  memset(&target, 0, sizeof(target));
  memcpy(target.addr, m + ND6_OFF_TARGET, IP6_ADDR_LEN);
  u8_t flags = m[ND6_NA_OFF_FLAGS];
  /* 7.1.2: the target is never multicast, and an answer to a multicast
   * destination cannot be solicited. */
  if (ip6_addr_ismulticast(&target) || (rx->ip.is_multicast && (flags & ND6_NA_FLAG_SOLICITED))) {
    LWIP_DROP(ND6_BAD_TARGET);
    return;
  }
  u8_t lla[ETH_HWADDR_LEN];
  int has_lla = nd6_parse_opts(p, ND6_NA_HLEN, ND6_OPT_TLLA, lla);
  if (has_lla < 0 || (has_lla && nd6_lla_bad(lla, netif))) {
    LWIP_DROP(ND6_BAD_OPTION);
    return;
  }
  s8_t idx = netif_get_ip6_addr_match(netif, &target);
  if (idx >= 0) {
    if (ip6_addr_istentative(netif_ip6_addr_state(netif, idx))) {
      /* RFC 4862 5.4.4: the address is in use elsewhere. */
      dad_conflict(netif, idx);
    } else {
      char b[IP6ADDR_STRLEN_MAX];
      LWIP_LOG(ND6, WARN, "another node advertises our address %s", ip6addr_ntoa_r(&target, b, sizeof(b)));
      LWIP_UNUSED_ARG(b);
      LWIP_DROP(ND6_DAD_CONFLICT);
    }
    return;
  }
  struct nd6_entry *e = entry_find(&target, netif);
  if (e == NULL) {
    /* 7.2.5: an unsolicited advertisement creates no entry. */
    LWIP_DROP(ND6_NO_ENTRY);
    return;
  }
  bool solicited = (flags & ND6_NA_FLAG_SOLICITED) != 0;
  bool override = (flags & ND6_NA_FLAG_OVERRIDE) != 0;
  bool was_router = e->is_router;
  e->is_router = (flags & ND6_NA_FLAG_ROUTER) != 0;
  if (was_router && !e->is_router) {
    /* 7.2.5: a router that stops being one leaves the default router
     * list. */
    nd6_router_not_router(netif, &target);
  }
  if (e->state == ND6_INCOMPLETE) {
    if (!has_lla) {
      LWIP_DROP(ND6_BAD_OPTION);
      return;
    }
    memcpy(e->lladdr, lla, ETH_HWADDR_LEN);
    set_state(e, solicited ? ND6_REACHABLE : ND6_STALE);
    entry_flush_queue(e);
    schedule();
    return;
  }
  bool changed = has_lla && memcmp(e->lladdr, lla, ETH_HWADDR_LEN) != 0;
  if (!override && changed) {
    /* 7.2.5: a different address without Override only makes a
     * REACHABLE entry suspect. */
    if (e->state == ND6_REACHABLE) {
      set_state(e, ND6_STALE);
    }
    return;
  }
  if (changed) {
    memcpy(e->lladdr, lla, ETH_HWADDR_LEN);
  }
  if (solicited) {
    set_state(e, ND6_REACHABLE);
  } else if (changed) {
    set_state(e, ND6_STALE);
  }
  schedule();
}

void nd6_input(struct pbuf *p, const struct ip6_rx *rx)
{
  STATS_RX(ND6);
  int type = pbuf_try_get_at(p, ICMP6_OFF_TYPE);
  /* RFC 4861 6.1, 7.1: hop limit 255 proves the sender is on the link
   * (a router would have decremented it), and the code is 0. */
  if (rx->ip.ttl != ND6_HOPLIM) {
    LWIP_DROP(ND6_BAD_HOPLIM);
    goto out;
  }
  if (pbuf_try_get_at(p, ICMP6_OFF_CODE) != 0) {
    LWIP_DROP(ND6_BAD_CODE);
    goto out;
  }
  switch (type) {
  case ICMP6_TYPE_NS:
    nd6_ns_input(p, rx);
    break;
  case ICMP6_TYPE_NA:
    nd6_na_input(p, rx);
    break;
  case ICMP6_TYPE_RA:
    nd6_ra_input(p, rx);
    break;
  case ICMP6_TYPE_RD:
    nd6_redirect_input(p, rx);
    break;
  default:
    /* RS: hosts ignore them (RFC 4861 6.2.6). */
    LWIP_DROP(ND6_UNHANDLED);
    break;
  }
out:
  pbuf_free(p);
}
