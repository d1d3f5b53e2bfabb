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

/** SipHash-2-4 of @p len bytes under the 128-bit @p key (the PRF of RFC
 *  7217 identifiers). */
u64_t lwip_siphash24(const u8_t key[16], const void *data, size_t len);

#endif
