/**
 * @file priv/mld6_priv.h
 * What netif.c calls in mld6.c when an IPv6 address slot changes.
 * Private: applications use mld6.h.
 */
#ifndef LWIP_PRIV_MLD6_PRIV_H
#define LWIP_PRIV_MLD6_PRIV_H

#include "lwip/opt.h"
#include "lwip/netif.h"

/** An address slot of @p netif changed address or state: its
 *  solicited-node group (RFC 4291 2.7.1) is joined while the address is
 *  tentative or valid, and left when it goes away or is found duplicate
 *  (RFC 4862 5.4.2).  @p old_addr / @p new_addr may be :: (no address). */
void mld6_addr_update(struct netif *netif, const ip6_addr_t *old_addr, u8_t old_state, const ip6_addr_t *new_addr,
                      u8_t new_state);

#endif
