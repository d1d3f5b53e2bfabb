/**
 * @file igmp.c
 * IGMPv2, host side (RFC 2236; RFC 1112 for the all-systems group).
 *
 * Each IGMP netif keeps its joined groups in netif->igmp_groups, the
 * all-systems group 224.0.0.1 first.  A group is IDLE, or DELAYING while a
 * report is scheduled; one 100 ms tick (armed only while some group is
 * DELAYING) counts the report timers down.  Every message we send carries
 * the Router Alert option (RFC 2113, required by RFC 2236 2) and TTL 1.
 */
#include "lwip/opt.h"

#if LWIP_IGMP

#include "lwip/igmp.h"
#include "lwip/ip4.h"
#include "lwip/inet_chksum.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/timeouts.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/igmp.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/init.h"

#include <string.h>

/** Granularity of the report timers, ms. */
#define IGMP_TICK_MS 100U
/** Max Response Time assumed for an IGMPv1 query (code 0): 10 s (RFC 2236 4). */
#define IGMP_V1_MAX_RESP_MS 10000U
/** IP header with the 4-byte Router Alert option (RFC 2113 2.1). */
#define IGMP_IP_HLEN (IP_HLEN + 4)
/** TTL of every IGMP message (RFC 2236 2). */
#define IGMP_TTL 1

/* 224.0.0.1 all systems (RFC 1112 4), 224.0.0.2 all routers (RFC 2236 3). */
#define IGMP_ALLSYSTEMS PP_HTONL(0xe0000001UL)
#define IGMP_ALLROUTERS PP_HTONL(0xe0000002UL)

static void igmp_tick(void *arg);

void igmp_init(void)
{
  /* Groups live in their netifs and go with them (igmp_stop); the timer
   * list was reset by sys_timeouts_init(). */
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */
/* ------------------------------------------------------------------ */

/** Build and send one IGMPv2 message of @p type about @p group to @p dest.
 *  @return true when it was handed to the netif. */
static bool igmp_send(struct netif *netif, u8_t type, const ip4_addr_t *group, u32_t dest)
{
  if (!netif_is_up(netif) || !netif_is_link_up(netif) || netif->output == NULL) {
    return false; /* igmp_report_groups() reports everything when it comes up */
  }
  struct pbuf *p = pbuf_alloc(PBUF_LINK, IGMP_IP_HLEN + IGMP_MINLEN, PBUF_RAM);
  if (p == NULL) {
    LWIP_DROP(IGMP_NO_MEM);
    return false;
  }
  u8_t *ip = (u8_t *)p->payload;
  u8_t *msg = ip + IGMP_IP_HLEN;
  memset(ip, 0, IGMP_IP_HLEN + IGMP_MINLEN);
  msg[IGMP_OFF_TYPE] = type;
  put_n32(msg + IGMP_OFF_GROUP, group->addr);
  u16_t sum = inet_chksum(msg, IGMP_MINLEN);
  memcpy(msg + IGMP_OFF_CHKSUM, &sum, 2);

  ip[IP4_OFF_VHL] = 0x40 | (IGMP_IP_HLEN / 4);
  put_be16(ip + IP4_OFF_LEN, IGMP_IP_HLEN + IGMP_MINLEN);
  put_be16(ip + IP4_OFF_ID, ip4_next_id());
  ip[IP4_OFF_TTL] = IGMP_TTL;
  ip[IP4_OFF_PROTO] = IP_PROTO_IGMP;
  put_n32(ip + IP4_OFF_SRC, netif_ip4_addr(netif)->addr);
  put_n32(ip + IP4_OFF_DEST, dest);
  /* RFC 2113 2.1: type 148, length 4, value 0 ("examine packet"). */
  ip[IP_HLEN] = IP_OPT_ROUTER_ALERT;
  ip[IP_HLEN + 1] = 4;
  sum = inet_chksum(ip, IGMP_IP_HLEN);
  memcpy(ip + IP4_OFF_CHKSUM, &sum, 2);

  ip4_addr_t dst;
  dst.addr = dest;
  LWIP_LOG(IGMP, DEBUG, "send type 0x%02x group %s", type, ip4addr_ntoa(group));
  STATS_TX(IGMP);
  err_t err = netif->output(netif, p, &dst);
  pbuf_free(p);
  return err == ERR_OK;
}

static void igmp_send_report(struct netif *netif, struct igmp_group *g)
{
  if (igmp_send(netif, IGMP_V2_MEMB_REPORT, &g->group_address, g->group_address.addr)) {
    /* RFC 2236 3: we sent the latest report, so we owe the Leave. */
    g->last_reporter_flag = 1;
  }
}

/* ------------------------------------------------------------------ */
/* Report timers                                                       */
/* ------------------------------------------------------------------ */

static bool igmp_any_delaying(void)
{
  struct netif *n;
  NETIF_FOREACH(n) {
    for (struct igmp_group *g = n->igmp_groups; g != NULL; g = g->next) {
      if (g->group_state == IGMP_GROUP_DELAYING_MEMBER) {
        return true;
      }
    }
  }
  return false;
}

static void igmp_arm_tick(void)
{
  if (!sys_timeout_pending(igmp_tick, NULL) && sys_timeout(IGMP_TICK_MS, igmp_tick, NULL) != ERR_OK) {
    LWIP_LOG(IGMP, ERROR, "no timeout slot for the report timer");
  }
}

/** Stop the tick when nothing is scheduled any more (an idle stack has no
 *  timers). */
static void igmp_disarm_tick_if_idle(void)
{
  if (!igmp_any_delaying()) {
    sys_untimeout(igmp_tick, NULL);
  }
}

/** Schedule a report at a random time in [0, @p max_ms] (RFC 2236 3),
 *  unless one is already due sooner. */
static void igmp_delay_report(struct igmp_group *g, u32_t max_ms)
{
  if (g->group_state == IGMP_GROUP_DELAYING_MEMBER && g->timer_ms <= max_ms) {
    return;
  }
  g->timer_ms = (u16_t)(lwip_port_rand() % (max_ms + 1U));
  g->group_state = IGMP_GROUP_DELAYING_MEMBER;
  igmp_arm_tick();
}

/** A timer ran out: send the report and, while unsolicited repeats are
 *  owed (RFC 2236 3), schedule the next. */
static void igmp_timer_fired(struct netif *netif, struct igmp_group *g)
{
  g->group_state = IGMP_GROUP_IDLE_MEMBER;
  igmp_send_report(netif, g);
  if (g->reports_left > 0) {
    g->reports_left--;
  }
  if (g->reports_left > 0) {
    igmp_delay_report(g, IGMP_UNSOLICITED_REPORT_INTERVAL_MS);
  }
}

static void igmp_tick(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  struct netif *n;
  NETIF_FOREACH(n) {
    for (struct igmp_group *g = n->igmp_groups; g != NULL; g = g->next) {
      if (g->group_state != IGMP_GROUP_DELAYING_MEMBER) {
        continue;
      }
      if (g->timer_ms <= IGMP_TICK_MS) {
        g->timer_ms = 0;
        igmp_timer_fired(n, g);
      } else {
        g->timer_ms = (u16_t)(g->timer_ms - IGMP_TICK_MS);
      }
    }
  }
  if (igmp_any_delaying()) {
    igmp_arm_tick();
  }
}

/* ------------------------------------------------------------------ */
/* Groups                                                              */
/* ------------------------------------------------------------------ */

struct igmp_group *igmp_lookfor_group(struct netif *netif, const ip4_addr_t *addr)
{
  if (netif == NULL || addr == NULL) {
    return NULL;
  }
  for (struct igmp_group *g = netif->igmp_groups; g != NULL; g = g->next) {
    if (g->group_address.addr == addr->addr) {
      return g;
    }
  }
  return NULL;
}

static void igmp_mac_filter(struct netif *netif, const ip4_addr_t *group, enum netif_mac_filter_action action)
{
  if (netif->igmp_mac_filter != NULL) {
    netif->igmp_mac_filter(netif, group, action);
  }
}

/** A new group entry (after all-systems, which stays first), with its MAC
 *  filter added.  @return it or NULL when the pool is empty. */
static struct igmp_group *igmp_new_group(struct netif *netif, const ip4_addr_t *addr)
{
  struct igmp_group *g = (struct igmp_group *)memp_malloc(MEMP_IGMP_GROUP);
  if (g == NULL) {
    LWIP_LOG(IGMP, WARN, "out of group entries for %s", ip4addr_ntoa(addr));
    return NULL;
  }
  memset(g, 0, sizeof(*g));
  g->group_address = *addr;
  g->group_state = IGMP_GROUP_IDLE_MEMBER;
  struct igmp_group **pp = &netif->igmp_groups;
  if (*pp != NULL) {
    pp = &(*pp)->next;
  }
  g->next = *pp;
  *pp = g;
  igmp_mac_filter(netif, addr, NETIF_ADD_MAC_FILTER);
  return g;
}

static void igmp_free_group(struct netif *netif, struct igmp_group *g)
{
  for (struct igmp_group **pp = &netif->igmp_groups; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == g) {
      *pp = g->next;
      break;
    }
  }
  igmp_mac_filter(netif, &g->group_address, NETIF_DEL_MAC_FILTER);
  memp_free(MEMP_IGMP_GROUP, g);
}

err_t igmp_start(struct netif *netif)
{
  LWIP_ERROR_RET("igmp_start: netif", netif != NULL, ERR_VAL);
  ip4_addr_t all;
  all.addr = IGMP_ALLSYSTEMS;
  struct igmp_group *g = igmp_lookfor_group(netif, &all);
  if (g == NULL) {
    g = igmp_new_group(netif, &all);
    if (g == NULL) {
      return ERR_MEM;
    }
    g->use = 1;
  }
  return ERR_OK;
}

err_t igmp_stop(struct netif *netif)
{
  if (netif == NULL) {
    return ERR_OK;
  }
  while (netif->igmp_groups != NULL) {
    igmp_free_group(netif, netif->igmp_groups);
  }
  igmp_disarm_tick_if_idle();
  return ERR_OK;
}

/** Report @p g as if just joined: one report now and the repeats of RFC
 *  2236 3 later. */
static void igmp_report_fresh(struct netif *netif, struct igmp_group *g)
{
  if (!netif_is_up(netif) || !netif_is_link_up(netif)) {
    return; /* reported when the netif comes up */
  }
  igmp_send_report(netif, g);
  g->reports_left = IGMP_JOIN_REPORTS - 1;
  g->group_state = IGMP_GROUP_IDLE_MEMBER;
  if (g->reports_left > 0) {
    igmp_delay_report(g, IGMP_UNSOLICITED_REPORT_INTERVAL_MS);
  }
}

void igmp_report_groups(struct netif *netif)
{
  if (netif == NULL) {
    return;
  }
  for (struct igmp_group *g = netif->igmp_groups; g != NULL; g = g->next) {
    if (g->group_address.addr != IGMP_ALLSYSTEMS) { /* never reported (RFC 2236 6) */
      igmp_report_fresh(netif, g);
    }
  }
}

err_t igmp_joingroup_netif(struct netif *netif, const ip4_addr_t *groupaddr)
{
  LWIP_ERROR_RET("igmp_joingroup_netif: args", netif != NULL && groupaddr != NULL, ERR_VAL);
  if (!ip4_addr_ismulticast(groupaddr) || groupaddr->addr == IGMP_ALLSYSTEMS ||
      (netif->flags & NETIF_FLAG_IGMP) == 0) {
    return ERR_VAL;
  }
  struct igmp_group *g = igmp_lookfor_group(netif, groupaddr);
  if (g != NULL) {
    if (g->use == 0xff) {
      return ERR_MEM;
    }
    g->use++;
    return ERR_OK;
  }
  g = igmp_new_group(netif, groupaddr);
  if (g == NULL) {
    return ERR_MEM;
  }
  g->use = 1;
  LWIP_LOG(IGMP, INFO, "joined %s", ip4addr_ntoa(groupaddr));
  igmp_report_fresh(netif, g);
  return ERR_OK;
}

/** Apply @p fn to every IGMP netif with address @p ifaddr (any: all).
 *  @return ERR_VAL when none matched, else the last result. */
static err_t igmp_each_netif(const ip4_addr_t *ifaddr, const ip4_addr_t *groupaddr,
                             err_t (*fn)(struct netif *, const ip4_addr_t *))
{
  err_t err = ERR_VAL;
  struct netif *n;
  NETIF_FOREACH(n) {
    if ((n->flags & NETIF_FLAG_IGMP) == 0) {
      continue;
    }
    if (ip4_addr_isany(ifaddr) || ifaddr->addr == netif_ip4_addr(n)->addr) {
      err_t e = fn(n, groupaddr);
      if (err != ERR_OK) {
        err = e; /* one success makes the whole call a success */
      }
    }
  }
  return err;
}

err_t igmp_joingroup(const ip4_addr_t *ifaddr, const ip4_addr_t *groupaddr)
{
  LWIP_ERROR_RET("igmp_joingroup: group", groupaddr != NULL, ERR_VAL);
  if (!ip4_addr_ismulticast(groupaddr) || groupaddr->addr == IGMP_ALLSYSTEMS) {
    return ERR_VAL;
  }
  return igmp_each_netif(ifaddr, groupaddr, igmp_joingroup_netif);
}

err_t igmp_leavegroup_netif(struct netif *netif, const ip4_addr_t *groupaddr)
{
  LWIP_ERROR_RET("igmp_leavegroup_netif: args", netif != NULL && groupaddr != NULL, ERR_VAL);
  if (!ip4_addr_ismulticast(groupaddr) || groupaddr->addr == IGMP_ALLSYSTEMS) {
    return ERR_VAL;
  }
  struct igmp_group *g = igmp_lookfor_group(netif, groupaddr);
  if (g == NULL) {
    return ERR_VAL;
  }
  if (g->use > 1) {
    g->use--;
    return ERR_OK;
  }
  /* RFC 2236 3: the host that sent the last report sends the Leave, to
   * all routers; otherwise another member answered last and it may stay
   * quiet. */
  if (g->last_reporter_flag) {
    igmp_send(netif, IGMP_LEAVE_GROUP, &g->group_address, IGMP_ALLROUTERS);
  }
  LWIP_LOG(IGMP, INFO, "left %s", ip4addr_ntoa(groupaddr));
  igmp_free_group(netif, g);
  igmp_disarm_tick_if_idle();
  return ERR_OK;
}

err_t igmp_leavegroup(const ip4_addr_t *ifaddr, const ip4_addr_t *groupaddr)
{
  LWIP_ERROR_RET("igmp_leavegroup: group", groupaddr != NULL, ERR_VAL);
  return igmp_each_netif(ifaddr, groupaddr, igmp_leavegroup_netif);
}

/* ------------------------------------------------------------------ */
/* Input                                                               */
/* ------------------------------------------------------------------ */

/** A Membership Query (RFC 2236 3): schedule a report for the group asked
 *  about, or for every group on a general query. */
static void igmp_query(struct netif *netif, u8_t max_resp, const ip4_addr_t *group, const struct ip_rx *rx)
{
  /* RFC 2236 4: code 0 comes from an IGMPv1 router; treat it as 10 s. */
  u32_t max_ms = max_resp == 0 ? IGMP_V1_MAX_RESP_MS : (u32_t)max_resp * 100U;
  if (group->addr == IPADDR_ANY) {
    if (ip_2_ip4(&rx->dest)->addr != IGMP_ALLSYSTEMS) {
      LWIP_DROP(IGMP_BAD_DEST);
      return;
    }
    for (struct igmp_group *g = netif->igmp_groups; g != NULL; g = g->next) {
      if (g->group_address.addr != IGMP_ALLSYSTEMS) {
        g->reports_left = 0;
        igmp_delay_report(g, max_ms);
      }
    }
    return;
  }
  if (ip_2_ip4(&rx->dest)->addr != group->addr || !ip4_addr_ismulticast(group)) {
    LWIP_DROP(IGMP_BAD_DEST);
    return;
  }
  struct igmp_group *g = igmp_lookfor_group(netif, group);
  if (g == NULL || group->addr == IGMP_ALLSYSTEMS) {
    LWIP_DROP(IGMP_NOT_MEMBER);
    return;
  }
  g->reports_left = 0;
  igmp_delay_report(g, max_ms);
}

/** Another member's report (RFC 2236 3): it answered for the group, so we
 *  cancel ours and are no longer the last reporter. */
static void igmp_other_report(struct netif *netif, const ip4_addr_t *group, const struct ip_rx *rx)
{
  if (ip_2_ip4(&rx->dest)->addr != group->addr) {
    LWIP_DROP(IGMP_BAD_DEST);
    return;
  }
  struct igmp_group *g = igmp_lookfor_group(netif, group);
  if (g == NULL) {
    LWIP_DROP(IGMP_NOT_MEMBER);
    return;
  }
  if (g->group_state == IGMP_GROUP_DELAYING_MEMBER) {
    g->group_state = IGMP_GROUP_IDLE_MEMBER;
    g->timer_ms = 0;
    g->reports_left = 0;
    g->last_reporter_flag = 0;
    igmp_disarm_tick_if_idle();
  }
}

void igmp_input(struct pbuf *p, const struct ip_rx *rx)
{
  LWIP_ASSERT("igmp_input: args", p != NULL && rx != NULL && rx->inp != NULL);
  STATS_RX(IGMP);
  u8_t buf[IGMP_MINLEN];
  const u8_t *msg = NULL;
  if (p->tot_len >= IGMP_MINLEN) {
    msg = pbuf_get_contiguous(p, buf, sizeof(buf), IGMP_MINLEN, 0);
  }
  if (msg == NULL) {
    LWIP_DROP(IGMP_SHORT);
    pbuf_free(p);
    return;
  }
  /* The checksum covers the whole message (longer IGMPv3 queries too). */
  if (inet_chksum_pbuf(p) != 0) {
    LWIP_DROP(IGMP_BAD_CHKSUM);
    pbuf_free(p);
    return;
  }
  ip4_addr_t group;
  group.addr = get_n32(msg + IGMP_OFF_GROUP);
  switch (msg[IGMP_OFF_TYPE]) {
  case IGMP_MEMB_QUERY:
    /* RFC 3376 7.1: a v2 host treats a (longer) v3 query as a v2 one. */
    igmp_query(rx->inp, msg[IGMP_OFF_MAXRESP], &group, rx);
    break;
  case IGMP_V1_MEMB_REPORT:
  case IGMP_V2_MEMB_REPORT:
    igmp_other_report(rx->inp, &group, rx);
    break;
  default:
    /* Leave Group is for routers; anything else is unknown to a v2 host. */
    LWIP_DROP(IGMP_UNKNOWN_TYPE);
    break;
  }
  pbuf_free(p);
}

#endif /* LWIP_IGMP */
