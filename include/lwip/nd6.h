/**
 * @file nd6.h
 * Neighbor Discovery for IPv6 (RFC 4861) over Ethernet, and the duplicate
 * address detection of RFC 4862 5.4.
 *
 * The neighbor cache holds ND6_NUM_NEIGHBORS entries across all netifs,
 * each in one of the states of RFC 4861 7.3.2: INCOMPLETE (solicitations
 * sent to the solicited-node group, up to ND6_QUEUE_LEN packets waiting),
 * REACHABLE (confirmed within ReachableTime), STALE (not confirmed lately;
 * used as is), DELAY (used while STALE: upper layers get
 * DELAY_FIRST_PROBE_TIME to confirm) and PROBE (unicast solicitations).
 * Timers run only while some entry, DAD or router solicitation needs them.
 *
 * Ownership: nd6_input takes ownership; ethip6_output never does (a packet
 * that must wait for resolution is copied into the queue).
 */
#ifndef LWIP_ND6_H
#define LWIP_ND6_H

#include "lwip/opt.h"
#include "lwip/ip6.h"
#include "lwip/netif.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/nd6.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 4861 10 protocol constants (host side). */
#define ND6_MAX_MULTICAST_SOLICIT 3
#define ND6_MAX_UNICAST_SOLICIT 3
#define ND6_REACHABLE_TIME_MS 30000U /* BaseReachableTime, randomised by 0.5..1.5 */
#define ND6_RETRANS_TIMER_MS 1000U
#define ND6_DELAY_FIRST_PROBE_TIME_MS 5000U
#define ND6_MAX_RTR_SOLICITATION_DELAY_MS 1000U
#define ND6_RTR_SOLICITATION_INTERVAL_MS 4000U
#define ND6_MAX_RTR_SOLICITATIONS 3
/** RFC 4862 5.1 DupAddrDetectTransmits. */
#define ND6_DUP_ADDR_DETECT_TRANSMITS 1

enum nd6_state {
  ND6_NO_ENTRY = 0,
  ND6_INCOMPLETE,
  ND6_REACHABLE,
  ND6_STALE,
  ND6_DELAY,
  ND6_PROBE,
};

/** Name of a state ("reachable"), "?" when out of range. */
const char *nd6_state_name(int state);

/** A neighbor cache entry as shown to tools (lwipctl nd.list, gdb). */
struct nd6_neighbor_info {
  ip6_addr_t addr;
  struct eth_addr lladdr; /**< zero while INCOMPLETE */
  struct netif *netif;
  enum nd6_state state;
  bool is_router;
  u8_t queued;  /**< packets waiting for resolution */
  u8_t probes;  /**< solicitations sent in this INCOMPLETE/PROBE round */
  u32_t age_ms; /**< since the state last changed */
};

/** Entry @p i of the cache (0 .. ND6_NUM_NEIGHBORS-1).
 *  @return true and fills @p out when slot @p i is in use. */
bool nd6_get_neighbor_info(int i, struct nd6_neighbor_info *out);

/** Called when an entry appears, changes state or goes; @p gone on
 *  removal.  For lwipd's watch events.  NULL removes the hook. */
typedef void (*nd6_change_hook_fn)(const struct nd6_neighbor_info *info, bool gone);
void nd6_set_change_hook(nd6_change_hook_fn hook);

/** Empty the neighbor cache of @p netif (NULL: every netif); queued packets
 *  are dropped and counted.  @return entries removed. */
int nd6_flush(struct netif *netif);

/** Process a received ND message (RS, RA, NS, NA, Redirect; payload at the
 *  ICMPv6 header, checksum already verified).  Takes ownership of @p p. */
void nd6_input(struct pbuf *p, const struct ip6_rx *rx);

/** netif->output_ip6 for Ethernet: map a multicast destination to
 *  33:33:xx:xx:xx:xx (RFC 2464 7), resolve a unicast next hop through the
 *  neighbor cache (queueing while INCOMPLETE) and send.  Does not take
 *  ownership.  @return ERR_OK (sent or queued), ERR_MEM, ERR_RTE or the
 *  driver's error. */
err_t ethip6_output(struct netif *netif, struct pbuf *p, const ip6_addr_t *ip6addr);

/** Next hop for @p dest leaving by @p netif: @p dest itself when on-link
 *  (link-local, multicast, or inside the prefix of one of the netif's
 *  addresses), else a default router learned from RAs.
 *  @return true and fills @p next_hop, false when there is none. */
bool nd6_next_hop(const struct netif *netif, const ip6_addr_t *dest, ip6_addr_t *next_hop);
/** Does @p netif have a default router? */
bool nd6_has_default_router(const struct netif *netif);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_ND6_H */
