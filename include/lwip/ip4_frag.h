/**
 * @file ip4_frag.h
 * IPv4 fragmentation (RFC 791 3.2) and reassembly (RFC 791 3.2, RFC 815),
 * bounded in memory (MEMP_NUM_REASSDATA datagrams, IP_REASS_MAX_PBUFS pbufs)
 * and in time (IP_REASS_MAXAGE_S).
 */
#ifndef LWIP_IP4_FRAG_H
#define LWIP_IP4_FRAG_H

#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "lwip/ip4_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

#if IP_REASSEMBLY
/** A datagram being reassembled (opaque outside ip4_frag.c). */
struct ip_reassdata;

/** Add the fragment @p p (payload at its validated IP header, pbuf trimmed
 *  to the total length) to its datagram.  Takes ownership of @p p.
 *  @return the complete datagram (payload at a rebuilt IP header with offset
 *  0, MF clear and the full length; caller owns it) when this fragment
 *  completed it, otherwise NULL. */
struct pbuf *ip4_reass(struct pbuf *p);
/** Datagrams and pbufs currently held by reassembly. */
u16_t ip4_reass_datagrams(void);
u16_t ip4_reass_pbufs(void);
#endif

#if IP_FRAG
/** Send @p p (payload at a complete IPv4 header) in fragments that fit
 *  @p netif's MTU, each via netif->output to @p dest.  Does not take
 *  ownership.  @return ERR_OK, ERR_MEM, or the driver's error. */
err_t ip4_frag(struct pbuf *p, struct netif *netif, const ip4_addr_t *dest);
#endif

#ifdef __cplusplus
}
#endif

#endif /* LWIP_IP4_FRAG_H */
