/**
 * @file priv/nd6_priv.h
 * What netif.c and ip6.c call in the IPv6 core: netif up/down events, the
 * DAD start/stop of one address, and the keyed hash of RFC 7217.  Private:
 * applications use netif.h, nd6.h and ip6.h.
 */
#ifndef LWIP_PRIV_ND6_PRIV_H
#define LWIP_PRIV_ND6_PRIV_H

#include "lwip/opt.h"
#include "lwip/netif.h"
#include "lwip/nd6.h"

/** The netif came up (or its link did): start DAD for tentative addresses
 *  and router solicitation. */
void nd6_netif_up(struct netif *netif);
/** The netif went down or is being removed: stop DAD and solicitation, drop
 *  its neighbor entries and their queues. */
void nd6_netif_down(struct netif *netif);
/** Start duplicate address detection of slot @p idx (tentative). */
void nd6_dad_start(struct netif *netif, s8_t idx);
/** Stop DAD of slot @p idx (the address goes away). */
void nd6_dad_stop(struct netif *netif, s8_t idx);

/** The lifetimes of an address of @p netif changed: re-arm the ND timer
 *  for their expiry. */
void nd6_addr_lifetimes_changed(struct netif *netif);

/* Between nd6.c (neighbor cache, DAD, solicitations) and nd6_router.c
 * (Router Advertisements, the router/prefix/route lists, SLAAC, Redirect). */
struct ip6_rx;
struct pbuf;
void nd6_router_init(void);
/** Router Advertisement (hop limit and code checked), Redirect.  Neither
 *  takes ownership of @p p. */
void nd6_ra_input(struct pbuf *p, const struct ip6_rx *rx);
void nd6_redirect_input(struct pbuf *p, const struct ip6_rx *rx);
/** Timer work of the router side at @p now. */
void nd6_router_tmr(u32_t now);
/** Earliest deadline of the router side into *@p at.  @return false when none. */
bool nd6_router_next_deadline(u32_t now, u32_t *at);
/** @p netif went down or away: forget what was learned on it. */
void nd6_router_netif_down(struct netif *netif);
/** The neighbor @p addr on @p netif says it is no router any more (RFC 4861
 *  7.2.5): it leaves the default router list. */
void nd6_router_not_router(struct netif *netif, const ip6_addr_t *addr);
/** DAD found slot @p idx duplicate; a SLAAC or stable link-local address
 *  is retried with the next RFC 7217 DAD_Counter.  Called after the state
 *  is DUPLICATED. */
void nd6_slaac_dad_failed(struct netif *netif, s8_t idx);
/** (Re)make the link-local address in slot 0 from the netif's identifier
 *  with RFC 7217 DAD_Counter @p dad_counter, tentative (netif.c). */
void netif_ip6_linklocal_set(struct netif *netif, u8_t dad_counter);
/** Re-arm the ND timer (nd6.c). */
void nd6_reschedule(void);

/** Parse the options of an ND message from @p off (RFC 4861 4.6: every
 *  option non-empty and inside the message).  @return false on a bad one. */
bool nd6_opts_valid(const struct pbuf *p, u16_t off);
/** Record @p lla for @p addr (RFC 4861 7.2.3 rules: created STALE, STALE
 *  when it changes), with IsRouter @p is_router (-1: leave as is); @p lla
 *  NULL only sets IsRouter on an existing entry. */
void nd6_neighbor_learn(struct netif *netif, const ip6_addr_t *addr, const u8_t *lla, int is_router);
/** State of the neighbor entry of @p addr on @p netif (ND6_NO_ENTRY when none). */
enum nd6_state nd6_neighbor_state(const struct netif *netif, const ip6_addr_t *addr);
/** Is @p lla unusable for a neighbor (multicast, or our own)? */
bool nd6_lla_bad(const u8_t *lla, const struct netif *netif);

/** SipHash-2-4 of @p len bytes under the 128-bit @p key (the PRF of RFC
 *  7217 identifiers). */
u64_t lwip_siphash24(const u8_t key[16], const void *data, size_t len);

#endif
