/**
 * @file mld6.c
 * Multicast Listener Discovery, listener side: MLDv2 (RFC 3810) and the
 * MLDv1 compatibility mode of RFC 3810 8.2 (RFC 2710 messages).
 *
 * Each netif keeps its groups in netif->mld_groups (pool MLD6_GROUP),
 * all-nodes first.  A group is listened to while its use count is above 0;
 * at the last leave it stays on the list only while its CHANGE_TO_INCLUDE
 * is repeated.  Pending work has a deadline in sys_now() time: per netif the
 * answer to a General Query (the "interface timer" of RFC 3810 6.2) and the
 * end of compatibility mode, per group the answer to a query about it and
 * the next state-change report.  One timeout is armed at the earliest
 * deadline and none when nothing is pending.
 *
 * Every message leaves with hop limit 1, a Router Alert option in a
 * Hop-by-Hop Options header (RFC 3810 5, RFC 2711) and a link-local source,
 * or :: while the netif has no valid link-local address (RFC 3810 5.2.13).
 */
#include "lwip/opt.h"

#if LWIP_IPV6

#include "lwip/mld6.h"
#include "lwip/ip6.h"
#include "lwip/inet_chksum.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/timeouts.h"
#include "lwip/prot/icmp6.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/mld6.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/mld6_priv.h"

#include <string.h>

/* netif->mld_flags */
#define MLD6_NF_GQ_PENDING 0x01U /* an answer to a General Query is due at mld_gq_at */
#define MLD6_NF_V1 0x02U         /* MLDv1 compatibility mode until mld_v1_until */

/* The one timeout.  Nothing else needs resetting by lwip_init(): groups
 * live in their netifs and go with them (mld6_stop), and
 * sys_timeouts_init() empties the timeout list. */
static struct sys_timeo mld6_timeo;

static void mld6_tmr(void *arg);

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */
/* ---------------------------------------------------------------------- */

/* Does MLD speak on @p n right now?  Groups are kept on every netif, but
 * only a netif with NETIF_FLAG_MLD6 that is up sends and answers. */
static bool mld6_active(const struct netif *n)
{
  return (n->flags & NETIF_FLAG_MLD6) != 0 && netif_is_up(n) && netif_is_link_up(n) && n->output_ip6 != NULL;
}

static bool in_v1(const struct netif *n)
{
  return (n->mld_flags & MLD6_NF_V1) != 0;
}

/* RFC 3810 9.1: the Robustness Variable is the QRV of the latest query. */
static u8_t robustness(const struct netif *n)
{
  return n->mld_qrv != 0 ? n->mld_qrv : MLD6_ROBUSTNESS;
}

/* RFC 3810 6: no message is ever sent about all-nodes, nor about a group of
 * scope 0 (reserved) or 1 (interface-local). */
static bool reportable(const ip6_addr_t *g)
{
  return !ip6_addr_isallnodes_linklocal(g) && ip6_multicast_scope(g) > IP6_MULTICAST_SCOPE_INTERFACE_LOCAL;
}

/* A random delay in [0, @p max_ms]. */
static u32_t rand_upto(u32_t max_ms)
{
  return max_ms == 0 ? 0 : lwip_port_rand() % (max_ms + 1U);
}

static bool due(u32_t at, u32_t now)
{
  return !lwip_time_before(now, at);
}

static void allnodes(ip6_addr_t *a)
{
  ip6_addr_set_allnodes_linklocal(a);
  a->zone = IP6_NO_ZONE;
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                 */
/* ---------------------------------------------------------------------- */

/* A pbuf for an MLD message of @p len bytes behind our Hop-by-Hop header,
 * zeroed, with room for the IPv6 and link headers in front. */
static struct pbuf *mld6_alloc(u16_t len)
{
  struct pbuf *p = pbuf_alloc(PBUF_LINK, (u16_t)(IP6_HLEN + MLD6_HBH_LEN + len), PBUF_RAM);
  if (p == NULL) {
    LWIP_DROP(MLD6_NO_MEM);
    return NULL;
  }
  pbuf_remove_header(p, IP6_HLEN);
  memset(p->payload, 0, p->len);
  return p;
}

/* RFC 3810 5.2.13: from a valid link-local address, or from :: while the
 * netif has none (its link-local address is still tentative). */
static void mld6_source(const struct netif *n, ip6_addr_t *src)
{
  for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (ip6_addr_isvalid(netif_ip6_addr_state(n, i)) && ip6_addr_islinklocal(netif_ip6_addr(n, i))) {
      *src = *netif_ip6_addr(n, i);
      return;
    }
  }
  ip6_addr_set_zero(src);
}

/* Finish the message in @p p (Hop-by-Hop header, then the MLD message) and
 * send it to @p dst.  Frees @p p. */
static void mld6_send(struct netif *n, struct pbuf *p, const ip6_addr_t *dst)
{
  u8_t *h = (u8_t *)p->payload;
  /* RFC 2711 2.1: Router Alert, value 0 = "contains an MLD message"; a
   * PadN of two bytes fills the header to 8. */
  h[IP6_EXT_OFF_NEXTH] = IP6_NEXTH_ICMP6;
  h[IP6_EXT_OFF_LEN] = 0;
  h[2] = IP6_OPT_ROUTER_ALERT;
  h[3] = 2;
  put_be16(h + 4, MLD6_RA_VALUE_MLD);
  h[6] = IP6_OPT_PADN;
  h[7] = 0;
  ip6_addr_t src, d = *dst;
  mld6_source(n, &src);
  d.zone = netif_get_index(n);
  pbuf_remove_header(p, MLD6_HBH_LEN);
  u16_t sum = ip6_chksum_pseudo(p, IP6_NEXTH_ICMP6, p->tot_len, &src, &d);
  memcpy((u8_t *)p->payload + ICMP6_OFF_CHKSUM, &sum, 2);
  pbuf_add_header(p, MLD6_HBH_LEN);
  STATS_TX(MLD6);
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(MLD6, DEBUG, "send type %u to %s", h[MLD6_HBH_LEN], ip6addr_ntoa_r(dst, b, sizeof(b)));
  LWIP_UNUSED_ARG(b);
  /* RFC 3810 5: hop limit 1, the message never leaves the link. */
  ip6_output_if_src(p, &src, &d, 1, 0, IP6_NEXTH_HOPBYHOP, n);
  pbuf_free(p);
}

/* An MLDv1 Report (to the group) or Done (to all-routers), RFC 2710 3-4. */
static void send_v1(struct netif *n, u8_t type, const ip6_addr_t *group)
{
  struct pbuf *p = mld6_alloc(MLD6_V1_LEN);
  if (p == NULL) {
    return;
  }
  u8_t *m = (u8_t *)p->payload + MLD6_HBH_LEN;
  m[ICMP6_OFF_TYPE] = type;
  memcpy(m + MLD6_OFF_GROUP, group->addr, IP6_ADDR_LEN);
  ip6_addr_t dst = *group;
  if (type == ICMP6_TYPE_MLD) {
    ip6_addr_set_allrouters_linklocal(&dst);
  }
  mld6_send(n, p, &dst);
}

/* An MLDv2 Report being filled with records (RFC 3810 5.2); records go
 * into one message up to the link MTU and into the next beyond it. */
struct report {
  struct netif *n;
  struct pbuf *p;
  u16_t len;  /* bytes of the message so far */
  u16_t cap;  /* bytes the message's buffer holds */
  u16_t nrec; /* records in it */
  u16_t max;  /* largest message that fits the link */
  u32_t left; /* bytes of the records still to come (a hint for the size) */
};

/* A report on @p n about to receive @p rec_bytes bytes of records: each
 * buffer is as large as what is left to send, up to what the link takes, so
 * a single record does not hold an MTU of heap. */
static void report_init(struct report *r, struct netif *n, u32_t rec_bytes)
{
  memset(r, 0, sizeof(*r));
  r->n = n;
  u16_t mtu = netif_mtu6(n) != 0 ? netif_mtu6(n) : IP6_MIN_MTU; /* an RA may have lowered it */
  r->max = (u16_t)(LWIP_MAX(mtu, (u16_t)IP6_MIN_MTU) - IP6_HLEN - MLD6_HBH_LEN);
  r->left = rec_bytes;
}

static void report_flush(struct report *r)
{
  if (r->p == NULL) {
    return;
  }
  u8_t *m = (u8_t *)r->p->payload + MLD6_HBH_LEN;
  put_be16(m + MLD6_R2_OFF_NREC, r->nrec);
  pbuf_realloc(r->p, (u16_t)(MLD6_HBH_LEN + r->len));
  ip6_addr_t dst;
  /* RFC 3810 5.2.14: reports go to all MLDv2-capable routers, ff02::16. */
  IP6_ADDR(&dst, 0xff020000UL, 0, 0, 0x16UL);
  mld6_send(r->n, r->p, &dst);
  r->p = NULL;
}

/* Add one Multicast Address Record of @p type about @p group with @p nsrc
 * sources. */
static void report_add(struct report *r, u8_t type, const ip6_addr_t *group, u8_t nsrc, const ip6_addr_t *src)
{
  u16_t need = (u16_t)(MLD6_REC_HLEN + nsrc * IP6_ADDR_LEN);
  if (r->p != NULL && r->len + need > r->cap) {
    report_flush(r);
  }
  u32_t left = LWIP_MAX(r->left, (u32_t)need);
  r->left = left - need;
  if (r->p == NULL) {
    r->cap = (u16_t)(MLD6_R2_HLEN + LWIP_MIN(left, (u32_t)(r->max - MLD6_R2_HLEN)));
    r->p = mld6_alloc(r->cap);
    if (r->p == NULL) {
      return;
    }
    u8_t *m = (u8_t *)r->p->payload + MLD6_HBH_LEN;
    m[ICMP6_OFF_TYPE] = ICMP6_TYPE_MLR2;
    r->len = MLD6_R2_HLEN;
    r->nrec = 0;
  }
  u8_t *rec = (u8_t *)r->p->payload + MLD6_HBH_LEN + r->len;
  rec[MLD6_REC_OFF_TYPE] = type;
  rec[MLD6_REC_OFF_AUXLEN] = 0;
  put_be16(rec + MLD6_REC_OFF_NSRC, nsrc);
  memcpy(rec + MLD6_REC_OFF_GROUP, group->addr, IP6_ADDR_LEN);
  for (u8_t i = 0; i < nsrc; i++) {
    memcpy(rec + MLD6_REC_HLEN + i * IP6_ADDR_LEN, src[i].addr, IP6_ADDR_LEN);
  }
  r->len = (u16_t)(r->len + need);
  r->nrec++;
}

/* The state-change message of @p e: CHANGE_TO_EXCLUDE {} after a join,
 * CHANGE_TO_INCLUDE {} after the last leave (RFC 3810 6.1); in
 * compatibility mode an MLDv1 Report (a Done is sent once, by the leave). */
static void send_change(struct netif *n, struct mld6_group *e)
{
  if (in_v1(n)) {
    if (e->change_type == MLD6_CHANGE_TO_EXCLUDE) {
      send_v1(n, ICMP6_TYPE_MLR, &e->group);
    }
    return;
  }
  struct report r;
  report_init(&r, n, MLD6_REC_HLEN);
  report_add(&r, e->change_type, &e->group, 0, NULL);
  report_flush(&r);
}

/* ---------------------------------------------------------------------- */
/* The timer                                                               */
/* ---------------------------------------------------------------------- */

static void consider(bool *any, u32_t *first, u32_t t)
{
  if (!*any || lwip_time_before(t, *first)) {
    *first = t;
    *any = true;
  }
}

/* Arm the one timeout at the earliest deadline of any netif, or disarm it
 * when nothing is pending (an idle stack has no timers). */
static void schedule(void)
{
  bool any = false;
  u32_t first = 0;
  struct netif *n;
  NETIF_FOREACH(n)
  {
    if (in_v1(n)) {
      consider(&any, &first, n->mld_v1_until);
    }
    if (n->mld_flags & MLD6_NF_GQ_PENDING) {
      consider(&any, &first, n->mld_gq_at);
    }
    for (const struct mld6_group *e = n->mld_groups; e != NULL; e = e->next) {
      if (e->query_pending) {
        consider(&any, &first, e->query_at);
      }
      if (e->change_left > 0) {
        consider(&any, &first, e->change_at);
      }
    }
  }
  sys_untimeout(mld6_tmr, NULL);
  if (any) {
    u32_t now = sys_now();
    sys_timeout_static(&mld6_timeo, lwip_time_before(now, first) ? first - now : 0, mld6_tmr, NULL);
  }
}

/* ---------------------------------------------------------------------- */
/* Groups                                                                  */
/* ---------------------------------------------------------------------- */

static struct mld6_group *find_entry(const struct netif *n, const ip6_addr_t *g)
{
  for (struct mld6_group *e = n->mld_groups; e != NULL; e = e->next) {
    if (ip6_addr_eq_nozone(&e->group, g)) {
      return e;
    }
  }
  return NULL;
}

struct mld6_group *mld6_lookfor_group(struct netif *netif, const ip6_addr_t *group)
{
  if (netif == NULL || group == NULL) {
    return NULL;
  }
  struct mld6_group *e = find_entry(netif, group);
  return (e != NULL && e->use > 0) ? e : NULL;
}

bool mld6_netif_has_group(const struct netif *netif, const ip6_addr_t *group)
{
  if (netif == NULL || group == NULL) {
    return false;
  }
  const struct mld6_group *e = find_entry(netif, group);
  return e != NULL && e->use > 0;
}

static void mac_filter(struct netif *n, const ip6_addr_t *g, enum netif_mac_filter_action action)
{
  if (n->mld_mac_filter != NULL) {
    n->mld_mac_filter(n, g, action);
  }
}

/* A new entry at the end of the list, not yet joined.  @return it, or NULL
 * when the pool is empty (counted). */
static struct mld6_group *new_entry(struct netif *n, const ip6_addr_t *g)
{
  struct mld6_group *e = (struct mld6_group *)memp_malloc(MEMP_MLD6_GROUP);
  if (e == NULL) {
    char b[IP6ADDR_STRLEN_MAX];
    LWIP_LOG(MLD6, WARN, "out of group entries for %s", ip6addr_ntoa_r(g, b, sizeof(b)));
    LWIP_UNUSED_ARG(b);
    LWIP_DROP(MLD6_POOL_FULL);
    return NULL;
  }
  memset(e, 0, sizeof(*e));
  e->group = *g;
  e->group.zone = IP6_NO_ZONE;
  struct mld6_group **pp = &n->mld_groups;
  while (*pp != NULL) {
    pp = &(*pp)->next;
  }
  *pp = e;
  return e;
}

static void free_entry(struct netif *n, struct mld6_group *e)
{
  for (struct mld6_group **pp = &n->mld_groups; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == e) {
      *pp = e->next;
      break;
    }
  }
  memp_free(MEMP_MLD6_GROUP, e);
}

/* RFC 3810 6.1: a state change is reported at once and repeated
 * [Robustness Variable] - 1 more times, each at a random time within the
 * Unsolicited Report Interval.  A change that comes while an older one is
 * still being repeated replaces it (the record now says the new state). */
static void start_change(struct netif *n, struct mld6_group *e, u8_t type)
{
  e->change_type = type;
  e->change_left = 0;
  if (!reportable(&e->group) || !mld6_active(n)) {
    return; /* reported by mld6_report_groups() when the netif comes up */
  }
  send_change(n, e);
  u32_t interval = in_v1(n) ? MLD6_V1_UNSOLICITED_REPORT_INTERVAL_MS : MLD6_UNSOLICITED_REPORT_INTERVAL_MS;
  e->change_left = (u8_t)(robustness(n) - 1U);
  e->change_at = sys_now() + 1U + rand_upto(interval - 1U);
}

/* Join @p g on @p n (any group, all-nodes included).  @return ERR_OK or
 * ERR_MEM. */
static err_t join(struct netif *n, const ip6_addr_t *g)
{
  struct mld6_group *e = find_entry(n, g);
  if (e != NULL && e->use > 0) {
    if (e->use == 0xff) {
      return ERR_MEM;
    }
    e->use++;
    return ERR_OK;
  }
  if (e == NULL) {
    /* RFC 4291 2.8: a netif that listens to anything listens to all-nodes;
     * it is the first entry, never reported and left only by mld6_stop. */
    ip6_addr_t all;
    allnodes(&all);
    if (!ip6_addr_eq_nozone(g, &all) && find_entry(n, &all) == NULL) {
      struct mld6_group *a = new_entry(n, &all);
      if (a != NULL) {
        a->use = 1;
        mac_filter(n, &all, NETIF_ADD_MAC_FILTER);
      }
    }
    e = new_entry(n, g);
    if (e == NULL) {
      return ERR_MEM;
    }
  }
  /* A new entry, or one whose leave was still being repeated. */
  e->use = 1;
  mac_filter(n, &e->group, NETIF_ADD_MAC_FILTER);
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(MLD6, INFO, "%c%c%u joined %s", n->name[0], n->name[1], n->num, ip6addr_ntoa_r(g, b, sizeof(b)));
  LWIP_UNUSED_ARG(b);
  start_change(n, e, MLD6_CHANGE_TO_EXCLUDE);
  schedule();
  return ERR_OK;
}

/* Leave one use of @p g on @p n.  @return ERR_OK or ERR_VAL (not joined). */
static err_t leave(struct netif *n, const ip6_addr_t *g)
{
  struct mld6_group *e = find_entry(n, g);
  if (e == NULL || e->use == 0) {
    return ERR_VAL;
  }
  if (e->use > 1) {
    e->use--;
    return ERR_OK;
  }
  e->use = 0;
  e->query_pending = false; /* nothing left to answer for */
  mac_filter(n, &e->group, NETIF_DEL_MAC_FILTER);
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(MLD6, INFO, "%c%c%u left %s", n->name[0], n->name[1], n->num, ip6addr_ntoa_r(g, b, sizeof(b)));
  LWIP_UNUSED_ARG(b);
  e->change_left = 0; /* no more repeats of the join */
  if (reportable(&e->group) && mld6_active(n)) {
    if (in_v1(n)) {
      /* RFC 2710 4: one Done to all-routers.  We may not have sent the
       * latest report, but the RFC allows the Done anyway. */
      send_v1(n, ICMP6_TYPE_MLD, &e->group);
    } else {
      start_change(n, e, MLD6_CHANGE_TO_INCLUDE);
    }
  }
  if (e->change_left == 0) {
    free_entry(n, e);
  }
  schedule();
  return ERR_OK;
}

/* May an application join or leave @p g?  Any multicast group except
 * those of reserved scope 0 and all-nodes (always listened to). */
static bool app_group_ok(const ip6_addr_t *g)
{
  return g != NULL && ip6_addr_ismulticast(g) && ip6_multicast_scope(g) != 0 && !ip6_addr_isallnodes_linklocal(g);
}

err_t mld6_joingroup_netif(struct netif *netif, const ip6_addr_t *groupaddr)
{
  LWIP_ERROR_RET("mld6_joingroup_netif: args", netif != NULL && groupaddr != NULL, ERR_VAL);
  if (!app_group_ok(groupaddr)) {
    return ERR_VAL;
  }
  return join(netif, groupaddr);
}

err_t mld6_leavegroup_netif(struct netif *netif, const ip6_addr_t *groupaddr)
{
  LWIP_ERROR_RET("mld6_leavegroup_netif: args", netif != NULL && groupaddr != NULL, ERR_VAL);
  if (!app_group_ok(groupaddr)) {
    return ERR_VAL;
  }
  return leave(netif, groupaddr);
}

/* Apply @p fn to every IPv6 netif owning @p srcaddr (NULL or ::: every
 * IPv6 netif).  @return ERR_VAL when none matched, else ERR_OK when one
 * call succeeded, else the last error. */
static err_t each_netif(const ip6_addr_t *srcaddr, const ip6_addr_t *groupaddr,
                        err_t (*fn)(struct netif *, const ip6_addr_t *))
{
  if (!app_group_ok(groupaddr)) {
    return ERR_VAL;
  }
  err_t err = ERR_VAL;
  struct netif *n;
  NETIF_FOREACH(n)
  {
    if (n->output_ip6 == NULL) {
      continue;
    }
    if (ip6_addr_isany(srcaddr) || netif_get_ip6_addr_match(n, srcaddr) >= 0) {
      err_t e = fn(n, groupaddr);
      if (err != ERR_OK) {
        err = e;
      }
    }
  }
  return err;
}

err_t mld6_joingroup(const ip6_addr_t *srcaddr, const ip6_addr_t *groupaddr)
{
  return each_netif(srcaddr, groupaddr, mld6_joingroup_netif);
}

err_t mld6_leavegroup(const ip6_addr_t *srcaddr, const ip6_addr_t *groupaddr)
{
  return each_netif(srcaddr, groupaddr, mld6_leavegroup_netif);
}

/* Does slot state @p state with address @p a hold its solicited-node
 * group?  From the moment it is tentative (RFC 4862 5.4.2: DAD must hear
 * the solicitations of others) until it is removed or found duplicate. */
static bool holds_sn(const ip6_addr_t *a, u8_t state)
{
  return a != NULL && !ip6_addr_isany(a) && (ip6_addr_istentative(state) || ip6_addr_isvalid(state));
}

void mld6_addr_update(struct netif *netif, const ip6_addr_t *old_addr, u8_t old_state, const ip6_addr_t *new_addr,
                      u8_t new_state)
{
  bool had = holds_sn(old_addr, old_state), has = holds_sn(new_addr, new_state);
  ip6_addr_t og, ng;
  if (had) {
    ip6_addr_set_solicitednode(&og, old_addr);
    og.zone = IP6_NO_ZONE;
  }
  if (has) {
    ip6_addr_set_solicitednode(&ng, new_addr);
    ng.zone = IP6_NO_ZONE;
  }
  if (had && has && ip6_addr_eq_nozone(&og, &ng)) {
    return;
  }
  /* Join first: two addresses sharing a group keep it joined throughout. */
  if (has) {
    join(netif, &ng);
  }
  if (had) {
    leave(netif, &og);
  }
}

void mld6_report_groups(struct netif *netif)
{
  if (netif == NULL || !mld6_active(netif)) {
    return;
  }
  for (struct mld6_group *e = netif->mld_groups; e != NULL; e = e->next) {
    if (e->use > 0) {
      start_change(netif, e, MLD6_CHANGE_TO_EXCLUDE);
    }
  }
  schedule();
}

err_t mld6_stop(struct netif *netif)
{
  if (netif == NULL) {
    return ERR_OK;
  }
  while (netif->mld_groups != NULL) {
    struct mld6_group *e = netif->mld_groups;
    if (e->use > 0) {
      mac_filter(netif, &e->group, NETIF_DEL_MAC_FILTER);
    }
    free_entry(netif, e);
  }
  netif->mld_flags = 0;
  netif->mld_qrv = 0;
  netif->mld_qi_s = 0;
  schedule();
  return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Answers to queries                                                      */
/* ---------------------------------------------------------------------- */

/* The Current State Report answering a General Query (RFC 3810 6.3): one
 * MODE_IS_EXCLUDE {} record for every group we listen to.  Only in MLDv2
 * mode: entering MLDv1 mode cancels the interface timer, and an MLDv1
 * General Query sets a timer per group instead (general_query). */
static void answer_general(struct netif *n)
{
  u32_t bytes = 0;
  for (const struct mld6_group *e = n->mld_groups; e != NULL; e = e->next) {
    if (e->use > 0 && reportable(&e->group)) {
      bytes += MLD6_REC_HLEN;
    }
  }
  struct report r;
  report_init(&r, n, bytes);
  for (struct mld6_group *e = n->mld_groups; e != NULL; e = e->next) {
    if (e->use == 0 || !reportable(&e->group)) {
      continue;
    }
    report_add(&r, MLD6_MODE_IS_EXCLUDE, &e->group, 0, NULL);
  }
  report_flush(&r);
}

/* The answer about one group (RFC 3810 6.3): MODE_IS_EXCLUDE {} to a
 * Multicast Address Specific Query; to a Multicast Address and Source
 * Specific Query, MODE_IS_INCLUDE of the queried sources we want, which in
 * EXCLUDE {} mode are all of them. */
static void answer_group(struct netif *n, struct mld6_group *e, struct report *r)
{
  if (in_v1(n)) {
    send_v1(n, ICMP6_TYPE_MLR, &e->group);
  } else if (e->query_nsrc == 0) {
    report_add(r, MLD6_MODE_IS_EXCLUDE, &e->group, 0, NULL);
  } else {
    report_add(r, MLD6_MODE_IS_INCLUDE, &e->group, e->query_nsrc, e->query_src);
  }
}

/* Forget everything pending on @p n (it went quiet, or its protocol
 * version changed); entries only kept for their leave go. */
static void cancel_pending(struct netif *n)
{
  n->mld_flags &= (u8_t)~MLD6_NF_GQ_PENDING;
  struct mld6_group *next;
  for (struct mld6_group *e = n->mld_groups; e != NULL; e = next) {
    next = e->next;
    e->query_pending = false;
    e->change_left = 0;
    if (e->use == 0) {
      free_entry(n, e);
    }
  }
}

static void group_timer(struct netif *n, struct mld6_group *e, u32_t now, struct report *r)
{
  if (e->query_pending && due(e->query_at, now)) {
    e->query_pending = false;
    answer_group(n, e, r);
  }
  if (e->change_left > 0 && due(e->change_at, now)) {
    send_change(n, e);
    e->change_left--;
    u32_t interval = in_v1(n) ? MLD6_V1_UNSOLICITED_REPORT_INTERVAL_MS : MLD6_UNSOLICITED_REPORT_INTERVAL_MS;
    e->change_at = now + 1U + rand_upto(interval - 1U);
    if (e->change_left == 0 && e->use == 0) {
      free_entry(n, e);
    }
  }
}

static void netif_timer(struct netif *n, u32_t now)
{
  if (in_v1(n) && due(n->mld_v1_until, now)) {
    /* RFC 3810 8.2.1: the Older Version Querier Present timer expired. */
    n->mld_flags &= (u8_t)~MLD6_NF_V1;
    LWIP_LOG(MLD6, INFO, "%c%c%u: no MLDv1 querier any more, back to MLDv2", n->name[0], n->name[1], n->num);
  }
  if (!mld6_active(n)) {
    cancel_pending(n);
    return;
  }
  if ((n->mld_flags & MLD6_NF_GQ_PENDING) && due(n->mld_gq_at, now)) {
    n->mld_flags &= (u8_t)~MLD6_NF_GQ_PENDING;
    answer_general(n);
  }
  /* Answers to group queries due together share one report. */
  u32_t bytes = 0;
  for (const struct mld6_group *e = n->mld_groups; e != NULL; e = e->next) {
    if (e->query_pending && due(e->query_at, now)) {
      bytes += MLD6_REC_HLEN + (u32_t)e->query_nsrc * IP6_ADDR_LEN;
    }
  }
  struct report r;
  report_init(&r, n, bytes);
  struct mld6_group *next;
  for (struct mld6_group *e = n->mld_groups; e != NULL; e = next) {
    next = e->next;
    group_timer(n, e, now, &r);
  }
  report_flush(&r);
}

static void mld6_tmr(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  u32_t now = sys_now();
  struct netif *n;
  NETIF_FOREACH(n)
  {
    netif_timer(n, now);
  }
  schedule();
}

/* ---------------------------------------------------------------------- */
/* Input                                                                   */
/* ---------------------------------------------------------------------- */

/* RFC 3810 5.1.3: Maximum Response Code to ms; from 32768 on it is a
 * floating-point value, 1 | exp (3 bits) | mant (12 bits). */
static u32_t max_resp_ms(u16_t code)
{
  if (code < 0x8000U) {
    return code;
  }
  u32_t mant = code & 0x0fffU, exp = (code >> 12) & 0x7U;
  return (mant | 0x1000U) << (exp + 3U);
}

/* RFC 3810 5.1.9: Querier's Query Interval Code to seconds, the same kind
 * of floating point on 8 bits. */
static u32_t qqic_s(u8_t code)
{
  if (code < 0x80U) {
    return code;
  }
  u32_t mant = code & 0x0fU, exp = (code >> 4) & 0x7U;
  return (mant | 0x10U) << (exp + 3U);
}

/* A query, parsed. */
struct mld6_query {
  bool v1;
  u32_t max_ms;
  ip6_addr_t group; /* :: for a General Query */
  u16_t nsrc;
  u8_t qrv;
  u8_t qqic;
};

/* RFC 3810 6.2 and 8.1: validate a query.  @return LWIP_DROP_COUNT when it
 * is good (and fills @p q), else the drop reason. */
static int parse_query(const struct pbuf *p, const struct ip6_rx *rx, struct mld6_query *q)
{
  /* 6.2: a query must come from a link-local source with hop limit 1 and
   * a Router Alert option (of value 0, MLD: RFC 2711 2.1), or it is
   * dropped. */
  if (rx->ip.ttl != 1) {
    return LWIP_DROP_MLD6_BAD_HOPLIM;
  }
  if (!ip6_addr_islinklocal(ip_2_ip6(&rx->ip.src))) {
    return LWIP_DROP_MLD6_BAD_SRC;
  }
  if (!rx->router_alert || rx->router_alert_value != MLD6_RA_VALUE_MLD) {
    return LWIP_DROP_MLD6_NO_ROUTER_ALERT;
  }
  /* 8.1: exactly 24 bytes is an MLDv1 Query, 28 or more an MLDv2 one;
   * anything else is ignored. */
  u8_t b[MLD6_Q2_MINLEN];
  if (p->tot_len == MLD6_V1_LEN) {
    q->v1 = true;
  } else if (p->tot_len >= MLD6_Q2_MINLEN) {
    q->v1 = false;
  } else {
    return LWIP_DROP_MLD6_BAD_LEN;
  }
  if (pbuf_copy_partial(p, b, q->v1 ? MLD6_V1_LEN : MLD6_Q2_MINLEN, 0) != (q->v1 ? MLD6_V1_LEN : MLD6_Q2_MINLEN)) {
    return LWIP_DROP_MLD6_BAD_LEN;
  }
  memset(&q->group, 0, sizeof(q->group));
  memcpy(q->group.addr, b + MLD6_OFF_GROUP, IP6_ADDR_LEN);
  u16_t code = get_be16(b + MLD6_OFF_MAXRESP);
  q->max_ms = q->v1 ? code : max_resp_ms(code);
  q->nsrc = 0;
  q->qrv = 0;
  q->qqic = 0;
  if (!q->v1) {
    q->nsrc = get_be16(b + MLD6_Q2_OFF_NSRC);
    q->qrv = b[MLD6_Q2_OFF_SQRV] & MLD6_Q2_QRV_MASK;
    q->qqic = b[MLD6_Q2_OFF_QQIC];
    if ((u32_t)MLD6_Q2_MINLEN + (u32_t)q->nsrc * IP6_ADDR_LEN > p->tot_len) {
      return LWIP_DROP_MLD6_BAD_LEN;
    }
  }
  /* 5.1.15: any destination that is ours (ip6_input checked that) is
   * accepted, whatever the query.  5.1.5 and 5.1.10: the multicast address
   * is :: with no sources in a General Query, and a group otherwise. */
  if (ip6_addr_isany(&q->group) ? q->nsrc != 0 : !ip6_addr_ismulticast(&q->group)) {
    return LWIP_DROP_MLD6_BAD_QUERY;
  }
  return LWIP_DROP_COUNT;
}

/* RFC 3810 8.2.1: an MLDv1 Query puts the netif in MLDv1 compatibility
 * mode for the Older Version Querier Present Timeout (9.12: Robustness
 * Variable times Query Interval plus Query Response Interval). */
static void enter_v1(struct netif *n)
{
  if (!in_v1(n)) {
    /* Pending MLDv2 answers and repeats would go out in the wrong version:
     * they are dropped, and the v1 query is answered afresh. */
    cancel_pending(n);
    LWIP_LOG(MLD6, INFO, "%c%c%u: MLDv1 querier present, compatibility mode", n->name[0], n->name[1], n->num);
  }
  u32_t qi_s = n->mld_qi_s != 0 ? n->mld_qi_s : MLD6_QUERY_INTERVAL_S;
  n->mld_flags |= MLD6_NF_V1;
  n->mld_v1_until = sys_now() + robustness(n) * qi_s * 1000U + MLD6_QUERY_RESPONSE_INTERVAL_MS;
}

/* Remember the sources of a source-specific query in @p e's pending answer
 * (RFC 3810 6.2 rule 4: the lists are merged).  When they do not fit, the
 * answer becomes the group's whole state, which asks for all sources. */
static void merge_sources(struct mld6_group *e, const struct pbuf *p, u16_t nsrc)
{
  for (u16_t i = 0; i < nsrc; i++) {
    ip6_addr_t s;
    memset(&s, 0, sizeof(s));
    pbuf_copy_partial(p, s.addr, IP6_ADDR_LEN, (u16_t)(MLD6_Q2_OFF_SRC + i * IP6_ADDR_LEN));
    bool known = false;
    for (u8_t k = 0; k < e->query_nsrc; k++) {
      known = known || ip6_addr_eq_nozone(&e->query_src[k], &s);
    }
    if (known) {
      continue;
    }
    if (e->query_nsrc == MLD6_QUERY_SOURCES_MAX) {
      e->query_nsrc = 0;
      return;
    }
    e->query_src[e->query_nsrc++] = s;
  }
}

/* RFC 3810 6.2 rules 3 and 4 for a query about @p e, answered by @p at. */
static void schedule_group_answer(struct mld6_group *e, const struct pbuf *p, const struct mld6_query *q, u32_t at)
{
  if (!e->query_pending) {
    e->query_pending = true;
    e->query_at = at;
    e->query_nsrc = 0;
    if (q->nsrc > 0) {
      merge_sources(e, p, q->nsrc);
    }
    return;
  }
  if (lwip_time_before(at, e->query_at)) {
    e->query_at = at;
  }
  /* A pending answer for the whole group stays one; a query for the whole
   * group makes it one. */
  if (e->query_nsrc != 0) {
    if (q->nsrc == 0) {
      e->query_nsrc = 0;
    } else {
      merge_sources(e, p, q->nsrc);
    }
  }
}

/* RFC 3810 9.1, 9.2: the querier's Robustness Variable and Query Interval
 * become ours (0 in a field means "not told"). */
static void learn_querier_vars(struct netif *n, const struct mld6_query *q)
{
  if (q->qrv != 0) {
    n->mld_qrv = q->qrv;
  }
  if (q->qqic != 0) {
    n->mld_qi_s = (u16_t)LWIP_MIN(qqic_s(q->qqic), 0xffffUL);
  }
}

/* A General Query, answered by @p at (random within its delay). */
static void general_query(struct netif *n, const struct mld6_query *q, u32_t now, u32_t at)
{
  if (!in_v1(n)) {
    /* RFC 3810 6.2 rules 1 and 2: the interface timer, kept when it ends
     * sooner. */
    if (!(n->mld_flags & MLD6_NF_GQ_PENDING) || lwip_time_before(at, n->mld_gq_at)) {
      n->mld_flags |= MLD6_NF_GQ_PENDING;
      n->mld_gq_at = at;
    }
    return;
  }
  /* RFC 2710 4: a timer per group, each kept when it ends sooner. */
  for (struct mld6_group *e = n->mld_groups; e != NULL; e = e->next) {
    u32_t t = now + rand_upto(q->max_ms);
    if (e->use > 0 && reportable(&e->group) && (!e->query_pending || lwip_time_before(t, e->query_at))) {
      e->query_pending = true;
      e->query_nsrc = 0;
      e->query_at = t;
    }
  }
}

/* A query about one group (with or without sources), answered by @p at. */
static void group_query(struct netif *n, const struct pbuf *p, struct mld6_query *q, u32_t at)
{
  struct mld6_group *e = mld6_lookfor_group(n, &q->group);
  if (e == NULL || !reportable(&e->group)) {
    LWIP_DROP(MLD6_NOT_MEMBER);
    return;
  }
  if (in_v1(n)) {
    q->nsrc = 0; /* an MLDv1 report has no sources */
  } else if ((n->mld_flags & MLD6_NF_GQ_PENDING) && !lwip_time_before(at, n->mld_gq_at)) {
    /* RFC 3810 6.2 rule 1: the answer to the General Query comes sooner
     * and covers this group. */
    return;
  }
  schedule_group_answer(e, p, q, at);
}

static void query_input(struct pbuf *p, const struct ip6_rx *rx)
{
  struct netif *n = rx->ip.inp;
  struct mld6_query q;
  int bad = parse_query(p, rx, &q);
  if (bad != LWIP_DROP_COUNT) {
#if LWIP_STATS || LWIP_DEBUG
    lwip_drop((enum lwip_drop_reason)bad);
#endif
    return;
  }
  if (!mld6_active(n)) {
    LWIP_DROP(MLD6_DISABLED);
    return;
  }
  if (q.v1) {
    enter_v1(n);
  } else if (!in_v1(n)) {
    learn_querier_vars(n, &q);
  }
  u32_t now = sys_now();
  u32_t at = now + rand_upto(q.max_ms);
  if (ip6_addr_isany(&q.group)) {
    general_query(n, &q, now, at);
  } else {
    group_query(n, p, &q, at);
  }
  schedule();
}

/* A Report or Done of another node.  RFC 3810 6: an MLDv2 listener does
 * not suppress its reports; in compatibility mode an MLDv1 Report for a
 * group we were about to answer for does (RFC 2710 4). */
static void other_report_input(struct pbuf *p, const struct ip6_rx *rx, u8_t type)
{
  struct netif *n = rx->ip.inp;
  if (type == ICMP6_TYPE_MLR && in_v1(n) && p->tot_len >= MLD6_V1_LEN) {
    ip6_addr_t g;
    memset(&g, 0, sizeof(g));
    pbuf_copy_partial(p, g.addr, IP6_ADDR_LEN, MLD6_OFF_GROUP);
    struct mld6_group *e = mld6_lookfor_group(n, &g);
    if (e != NULL && e->query_pending) {
      e->query_pending = false;
      schedule();
      return;
    }
  }
  LWIP_DROP(MLD6_OTHER_REPORT);
}

void mld6_input(struct pbuf *p, const struct ip6_rx *rx)
{
  STATS_RX(MLD6);
  /* icmp6_input checked the length (4 bytes at least) and the checksum,
   * and sends only the four MLD types here. */
  int type = pbuf_try_get_at(p, ICMP6_OFF_TYPE);
  if (type == ICMP6_TYPE_MLQ) {
    query_input(p, rx);
  } else {
    other_report_input(p, rx, (u8_t)type);
  }
  pbuf_free(p);
}

/* ---------------------------------------------------------------------- */
/* Information for tools                                                   */
/* ---------------------------------------------------------------------- */

bool mld6_get_group_info(int i, struct mld6_group_info *out)
{
  if (i < 0 || out == NULL) {
    return false;
  }
  u32_t now = sys_now();
  struct netif *n;
  NETIF_FOREACH(n)
  {
    for (const struct mld6_group *e = n->mld_groups; e != NULL; e = e->next) {
      if (i-- > 0) {
        continue;
      }
      memset(out, 0, sizeof(*out));
      out->netif = n;
      out->group = e->group;
      out->users = e->use;
      bool any = false;
      u32_t first = 0;
      if (e->query_pending) {
        consider(&any, &first, e->query_at);
      }
      if (e->change_left > 0) {
        consider(&any, &first, e->change_at);
      }
      if ((n->mld_flags & MLD6_NF_GQ_PENDING) && e->use > 0 && reportable(&e->group)) {
        consider(&any, &first, n->mld_gq_at);
      }
      out->reporting = any;
      out->timer_left_ms = (any && lwip_time_before(now, first)) ? first - now : 0;
      return true;
    }
  }
  return false;
}

u8_t mld6_netif_version(const struct netif *netif)
{
  return (netif != NULL && in_v1(netif) && lwip_time_before(sys_now(), netif->mld_v1_until)) ? 1 : 2;
}

u32_t mld6_v1_querier_left_ms(const struct netif *netif)
{
  if (netif == NULL || !in_v1(netif)) {
    return 0;
  }
  u32_t now = sys_now();
  return lwip_time_before(now, netif->mld_v1_until) ? netif->mld_v1_until - now : 0;
}

#endif /* LWIP_IPV6 */
