/**
 * @file ip6_frag.h
 * IPv6 fragments (RFC 8200 4.5): reassembly of received fragments, bounded
 * in memory and time, with the rules of RFC 5722 (an overlap drops the whole
 * datagram) and RFC 7112 (the first fragment holds the whole header chain);
 * fragmentation of what we send when it exceeds the path MTU, with
 * identifications an off-path attacker cannot predict (RFC 7739).
 *
 * Limits (lwip/opt.h): IP6_REASS_MAX_DATAGRAMS datagrams at once,
 * IP6_REASS_MAX_BYTES bytes held (each fragment charged at least one pool
 * buffer per pbuf it pins), IP6_REASS_MAXAGE_S seconds per datagram.  They
 * mirror IPv4's budget (MEMP_NUM_REASSDATA, IP_REASS_MAX_PBUFS) in a budget
 * of their own, so one family's fragments cannot starve the other's.
 */
#ifndef LWIP_IP6_FRAG_H
#define LWIP_IP6_FRAG_H

#include "lwip/opt.h"

#if LWIP_IPV6

#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "lwip/ip6.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Add a received fragment to its datagram.  @p p has its payload at the
 *  IPv6 header; @p rx is its receive context, with rx->ip.hdr_len the
 *  offset of the Fragment header (whose offset or M flag is not zero: an
 *  atomic fragment never comes here, RFC 6946) and rx->nexth_off the offset
 *  of the Next Header field that names it.  Takes ownership of @p p.
 *  Sends Parameter Problem where RFC 8200 4.5 and RFC 7112 ask for it, and
 *  counts every fragment it drops.
 *  @return the reassembled packet when this fragment completed it (one
 *  contiguous pbuf, payload at an IPv6 header whose unfragmentable part is
 *  the first fragment's, without the Fragment header, with the Payload
 *  Length of the whole; the caller owns it), otherwise NULL. */
struct pbuf *ip6_reass(struct pbuf *p, const struct ip6_rx *rx);

/** How ip6_frag() hands each fragment to the link.  Must not take
 *  ownership of @p frag. */
typedef err_t (*ip6_frag_send_fn)(struct pbuf *frag, const ip6_addr_t *dest, struct netif *netif);

/** Send @p p (payload at a complete IPv6 header) in fragments of at most
 *  @p mtu bytes, each through @p send: the unfragmentable part (the IPv6
 *  header, and Hop-by-Hop and Routing headers with what precedes them) is
 *  repeated in each, followed by a Fragment header and 8-byte-aligned
 *  pieces of the rest (RFC 8200 4.5).  Does not take ownership of @p p.
 *  @return ERR_OK; ERR_VAL when the unfragmentable part leaves no room for
 *  8 bytes of data in @p mtu or the headers are malformed (counted
 *  IP6_TOO_BIG); ERR_MEM (counted IP6_NO_MEM); or the first error @p send
 *  returned (the later fragments are then not sent). */
err_t ip6_frag(struct pbuf *p, const ip6_addr_t *dest, struct netif *netif, u16_t mtu, ip6_frag_send_fn send);

/** A datagram in reassembly, as shown to tools. */
struct ip6_reass_info {
  ip6_addr_t src; /**< with the input netif's zone when link-local */
  ip6_addr_t dest;
  u32_t id;         /**< Identification of its Fragment headers */
  u32_t bytes;      /**< bytes charged against IP6_REASS_MAX_BYTES */
  u32_t data_bytes; /**< fragment data held (what the fragments carry) */
  u16_t fragments;  /**< fragments held */
  u32_t age_ms;     /**< since its first fragment arrived */
  bool have_first;  /**< the offset-0 fragment arrived */
  bool have_last;   /**< the fragment with M clear arrived */
  u32_t total;      /**< length of the fragmentable part, once have_last */
  bool abandoned;   /**< dropped after an overlap or an inconsistency
                           (RFC 5722): later fragments for it are dropped too
                           until it times out */
};

/** Datagram slot @p i (0 .. IP6_REASS_MAX_DATAGRAMS-1).
 *  @return true and fills @p out when the slot is in use. */
bool ip6_reass_get_info(int i, struct ip6_reass_info *out);

/** What reassembly holds in all, and its limits. */
struct ip6_reass_totals {
  u16_t datagrams;     /**< slots in use (abandoned ones included) */
  u32_t bytes;         /**< bytes charged */
  u16_t fragments;     /**< fragments held */
  u16_t max_datagrams; /**< IP6_REASS_MAX_DATAGRAMS */
  u32_t max_bytes;     /**< IP6_REASS_MAX_BYTES */
  u32_t maxage_ms;     /**< IP6_REASS_MAXAGE_S in milliseconds */
};
void ip6_reass_get_totals(struct ip6_reass_totals *out);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_IPV6 */

#endif /* LWIP_IP6_FRAG_H */
