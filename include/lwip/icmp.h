/**
 * @file icmp.h
 * ICMP for IPv4 (RFC 792, RFC 1122 3.2.2): echo replies, and the errors the
 * stack sends (destination unreachable, time exceeded), rate-limited and
 * never about an ICMP error, a broadcast/multicast or a non-first fragment.
 */
#ifndef LWIP_ICMP_H
#define LWIP_ICMP_H

#include "lwip/opt.h"
#include "lwip/ip.h"
#include "lwip/prot/icmp.h"

#ifdef __cplusplus
extern "C" {
#endif

enum icmp_dur_type {
  ICMP_DUR_NET = 0,   /**< net unreachable */
  ICMP_DUR_HOST = 1,  /**< host unreachable */
  ICMP_DUR_PROTO = 2, /**< protocol unreachable */
  ICMP_DUR_PORT = 3,  /**< port unreachable */
  ICMP_DUR_FRAG = 4,  /**< fragmentation needed and DF set */
  ICMP_DUR_SR = 5     /**< source route failed */
};

enum icmp_te_type {
  ICMP_TE_TTL = 0, /**< time to live exceeded in transit */
  ICMP_TE_FRAG = 1 /**< fragment reassembly time exceeded */
};

/** Replies per second allowed (token bucket; RFC 1812 4.3.2.8 asks routers
 *  to limit, and a host answering junk should too). */
#define ICMP_RATE_PER_S 100
#define ICMP_RATE_BURST 50

/** Process a received ICMP message (payload at the ICMP header).  Takes
 *  ownership of @p p. */
void icmp_input(struct pbuf *p, const struct ip_rx *rx);

/** Send destination unreachable about @p p, whose payload is the offending
 *  datagram's IP header.  Does not take ownership; silently does nothing
 *  where RFC 1122 3.2.2 forbids an error. */
void icmp_dest_unreach(struct pbuf *p, enum icmp_dur_type t);
/** Send time exceeded about @p p (payload at its IP header). */
void icmp_time_exceeded(struct pbuf *p, enum icmp_te_type t);
/** Fragmentation needed (code 4) with the next-hop @p mtu (RFC 1191). */
void icmp_frag_needed(struct pbuf *p, u16_t mtu);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_ICMP_H */
