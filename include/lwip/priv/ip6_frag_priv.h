/*
 * Private to core/ipv6: the record that links a waiting fragment into its
 * datagram (visible here so memp.c can size the IP6_FRAG pool), and the
 * header-chain skipper ip6.c and ip6_frag.c share.
 */
#ifndef LWIP_PRIV_IP6_FRAG_PRIV_H
#define LWIP_PRIV_IP6_FRAG_PRIV_H

#include "lwip/opt.h"
#include "lwip/pbuf.h"

#if LWIP_IPV6
/** One fragment waiting for the rest of its datagram.  The pbuf is kept as
 *  received (payload at its IPv6 header): the bookkeeping lives here, never
 *  in the packet's own bytes. */
struct ip6_frag_node {
  struct ip6_frag_node *next; /**< next fragment by offset */
  struct pbuf *p;
  u32_t charge; /**< bytes charged against IP6_REASS_MAX_BYTES */
  u16_t start;  /**< range [start, end) in the fragmentable part */
  u16_t end;
  u16_t data_off; /**< offset of the fragment data in p */
  bool more;      /**< its M flag */
};

/** Skip the extension headers of @p p from offset @p off, where a header of
 *  type @p nexth starts, without processing any (Hop-by-Hop, Destination
 *  Options, Routing, Authentication, and a Fragment header of offset 0),
 *  at most IP6_EXT_HDRS_MAX of them.  A Fragment header of another offset
 *  counts as the upper layer (what follows it is not in this packet).
 *  @return true, with the upper-layer protocol in @p proto and its offset
 *  in @p upper_off, when every header skipped lies inside the packet. */
bool ip6_skip_ext_headers(const struct pbuf *p, u8_t nexth, u16_t off, u8_t *proto, u16_t *upper_off);
#endif

#endif
