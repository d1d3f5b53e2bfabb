/**
 * @file igmp.h
 * IGMPv2 host side (RFC 2236): join/leave, unsolicited reports, delayed
 * answers to queries, and the netif's multicast MAC filter kept in step.
 * The all-systems group 224.0.0.1 is joined on every IGMP netif and never
 * reported (RFC 2236 6).
 */
#ifndef LWIP_IGMP_H
#define LWIP_IGMP_H

#include "lwip/opt.h"
#include "lwip/ip.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Unsolicited Report Interval, ms (RFC 2236 8.10). */
#define IGMP_UNSOLICITED_REPORT_INTERVAL_MS 10000
/** Reports sent when joining (RFC 2236 3: "repeated once or twice"). */
#define IGMP_JOIN_REPORTS 2

enum igmp_group_state {
  IGMP_GROUP_NON_MEMBER = 0,
  IGMP_GROUP_DELAYING_MEMBER, /**< a report is scheduled */
  IGMP_GROUP_IDLE_MEMBER
};

struct igmp_group {
  struct igmp_group *next;
  ip4_addr_t group_address;
  u8_t last_reporter_flag; /**< we sent the last report, so we send the Leave */
  u8_t group_state;        /**< enum igmp_group_state */
  u16_t timer_ms;          /**< ms until our report (DELAYING_MEMBER) */
  u8_t use;                /**< join count: leave when it drops to 0 */
  u8_t reports_left;       /**< unsolicited reports still to send */
};

/** Start IGMP on @p netif (joins all-systems).  @return ERR_OK or ERR_MEM. */
err_t igmp_start(struct netif *netif);
/** Stop IGMP on @p netif, freeing its groups.  @return ERR_OK. */
err_t igmp_stop(struct netif *netif);
/** Report every group of @p netif (after link up). */
void igmp_report_groups(struct netif *netif);
/** @return the group entry of @p netif for @p addr, or NULL. */
struct igmp_group *igmp_lookfor_group(struct netif *netif, const ip4_addr_t *addr);
/** Join @p groupaddr on the netif with address @p ifaddr (any: all IGMP
 *  netifs).  @return ERR_OK, ERR_VAL (not a multicast group, or none
 *  matching netif) or ERR_MEM. */
err_t igmp_joingroup(const ip4_addr_t *ifaddr, const ip4_addr_t *groupaddr);
err_t igmp_joingroup_netif(struct netif *netif, const ip4_addr_t *groupaddr);
/** Leave (one join of) @p groupaddr.  @return ERR_OK or ERR_VAL (not joined). */
err_t igmp_leavegroup(const ip4_addr_t *ifaddr, const ip4_addr_t *groupaddr);
err_t igmp_leavegroup_netif(struct netif *netif, const ip4_addr_t *groupaddr);
/** Input from IP.  Takes ownership of @p p. */
void igmp_input(struct pbuf *p, const struct ip_rx *rx);
#define netif_igmp_data(netif) ((netif)->igmp_groups)

#ifdef __cplusplus
}
#endif

#endif /* LWIP_IGMP_H */
