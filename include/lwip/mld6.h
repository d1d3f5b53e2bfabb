/**
 * @file mld6.h
 * Multicast Listener Discovery for a host: MLDv2 (RFC 3810) with the MLDv1
 * compatibility mode of RFC 3810 8.2 (RFC 2710 messages while an MLDv1
 * querier is present).
 *
 * Every IPv6 netif keeps the groups it listens to: all-nodes ff02::1
 * (RFC 4291 2.8; never reported, RFC 3810 6), the solicited-node group of
 * each of its addresses (joined when the address is added, tentative
 * included, and left when it is removed or found duplicate) and the groups
 * applications join, each with a use count.  ip6_input accepts a packet to
 * a multicast group only when its netif has joined it.
 *
 * Listening is always "any source": a joined group is in EXCLUDE mode with
 * an empty source list, as lwIP's mld6_joingroup gives, so a join is
 * reported as CHANGE_TO_EXCLUDE {} and a leave as CHANGE_TO_INCLUDE {}
 * (RFC 3810 6.1).  Source-specific filters (RFC 3678) are not offered.
 *
 * MLD messages are sent and queries answered only on netifs with
 * NETIF_FLAG_MLD6; other netifs keep their groups (so they receive them)
 * but stay silent.  Ownership: mld6_input takes ownership of its packet.
 */
#ifndef LWIP_MLD6_H
#define LWIP_MLD6_H

#include "lwip/opt.h"

#if LWIP_IPV6

#include "lwip/ip6.h"
#include "lwip/ip6_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/mld6.h"

#ifdef __cplusplus
extern "C" {
#endif

/** RFC 3810 9.1: Robustness Variable until a query tells another (QRV). */
#define MLD6_ROBUSTNESS 2
/** RFC 3810 9.2: Query Interval, seconds, until a query tells another (QQIC). */
#define MLD6_QUERY_INTERVAL_S 125
/** RFC 3810 9.3: Query Response Interval assumed for the compatibility
 *  timeout, ms. */
#define MLD6_QUERY_RESPONSE_INTERVAL_MS 10000
/** RFC 3810 9.11: Unsolicited Report Interval of MLDv2, ms. */
#define MLD6_UNSOLICITED_REPORT_INTERVAL_MS 1000
/** RFC 2710 7.10: Unsolicited Report Interval of MLDv1, ms (used in the
 *  compatibility mode). */
#define MLD6_V1_UNSOLICITED_REPORT_INTERVAL_MS 10000
/** Sources of Multicast Address and Source Specific Queries remembered per
 *  group for the pending answer (RFC 3810 6.2 rule 4); more than this and
 *  the answer becomes the one to a Multicast Address Specific Query, which
 *  asks for no less traffic. */
#define MLD6_QUERY_SOURCES_MAX 4

/** A joined group (private to mld6.c; shown through mld6_get_group_info). */
struct mld6_group {
  struct mld6_group *next;
  ip6_addr_t group;   /**< zone not set: the netif is the zone */
  u8_t use;           /**< joins; 0 while the CHANGE_TO_INCLUDE of a leave is repeated */
  u8_t change_left;   /**< state-change reports still to send (RFC 3810 6.1) */
  u8_t change_type;   /**< MLD6_CHANGE_TO_EXCLUDE or MLD6_CHANGE_TO_INCLUDE */
  u8_t query_nsrc;    /**< sources of a pending source-specific answer (0: the whole group) */
  bool query_pending; /**< an answer to a query about this group is due at query_at */
  u32_t change_at;    /**< sys_now() of the next state-change report */
  u32_t query_at;
  ip6_addr_t query_src[MLD6_QUERY_SOURCES_MAX];
};

/** Join @p groupaddr on the netif that owns address @p srcaddr, or on every
 *  IPv6 netif when @p srcaddr is NULL or ::.
 *  @return ERR_OK (joined on at least one netif), ERR_VAL (not a multicast
 *  group, scope 0, all-nodes, or no netif owns @p srcaddr) or ERR_MEM (the
 *  group pool is full, or the use count would overflow). */
err_t mld6_joingroup(const ip6_addr_t *srcaddr, const ip6_addr_t *groupaddr);
/** Join @p groupaddr on @p netif: a new group is added to the MAC filter
 *  and reported at once (and RFC 3810 6.1's repeats); a group already
 *  joined only counts one more use.  @return as mld6_joingroup(). */
err_t mld6_joingroup_netif(struct netif *netif, const ip6_addr_t *groupaddr);
/** Leave (one join of) @p groupaddr on the netif owning @p srcaddr, or on
 *  every netif (NULL or ::).  @return ERR_OK, or ERR_VAL (not joined there,
 *  or not a group an application may leave). */
err_t mld6_leavegroup(const ip6_addr_t *srcaddr, const ip6_addr_t *groupaddr);
/** Leave one join of @p groupaddr on @p netif: at the last one the MAC
 *  filter entry goes and the leave is reported (CHANGE_TO_INCLUDE {}, or an
 *  MLDv1 Done in compatibility mode).  @return as mld6_leavegroup(). */
err_t mld6_leavegroup_netif(struct netif *netif, const ip6_addr_t *groupaddr);

/** @return the group entry of @p netif for @p group (still joined, use >
 *  0), or NULL. */
struct mld6_group *mld6_lookfor_group(struct netif *netif, const ip6_addr_t *group);
/** Does @p netif listen to @p group?  (ip6_input asks this.) */
bool mld6_netif_has_group(const struct netif *netif, const ip6_addr_t *group);
/** Report every group of @p netif as newly joined (after it comes up or its
 *  link returns). */
void mld6_report_groups(struct netif *netif);
/** Forget every group of @p netif (netif_remove), removing their MAC
 *  filter entries; nothing is sent.  @return ERR_OK. */
err_t mld6_stop(struct netif *netif);
/** Input of an MLD message (ICMPv6 types 130, 131, 132, 143; payload at the
 *  ICMPv6 header, checksum verified).  Takes ownership of @p p. */
void mld6_input(struct pbuf *p, const struct ip6_rx *rx);

/** A group as shown to tools (lwipctl mld.list, gdb). */
struct mld6_group_info {
  struct netif *netif;
  ip6_addr_t group;
  u8_t users;          /**< joins (0: left, the leave still being repeated) */
  bool reporting;      /**< a report or response is pending */
  u32_t timer_left_ms; /**< until the next one (0 when none is pending) */
};
/** Group @p i (0, 1, ... over every netif's list, in order).
 *  @return true and fills @p out, or false past the last group. */
bool mld6_get_group_info(int i, struct mld6_group_info *out);
/** @return 2, or 1 while @p netif is in MLDv1 compatibility mode. */
u8_t mld6_netif_version(const struct netif *netif);
/** @return ms until the Older Version Querier Present timeout of @p netif
 *  ends compatibility mode (RFC 3810 8.2.1), 0 when not in it. */
u32_t mld6_v1_querier_left_ms(const struct netif *netif);

/** Set the driver's filter callback (netif->mld_mac_filter, of type
 *  netif_mld_mac_filter_fn): told to add the 33:33:... address of each
 *  group joined and remove it when the group is left (RFC 2464 7). */
#define netif_set_mld_mac_filter(netif, fn)                                                                            \
  do {                                                                                                                 \
    if ((netif) != NULL) {                                                                                             \
      (netif)->mld_mac_filter = (fn);                                                                                  \
    }                                                                                                                  \
  } while (0)
#define netif_get_mld_mac_filter(netif) (((netif) != NULL) ? ((netif)->mld_mac_filter) : NULL)

#ifdef __cplusplus
}
#endif

#endif /* LWIP_IPV6 */

#endif /* LWIP_MLD6_H */
