/**
 * @file ip6.h
 * IPv6 (RFC 8200): input validation with the extension-header chain walked
 * once, reassembly of fragments (lwip/ip6_frag.h), delivery to upper
 * protocols, forwarding between netifs, source address selection (RFC 6724)
 * and output, fragmented when over the path MTU.
 *
 * Forwarding (build option ip_forward) follows the IPv4 switch,
 * ip4_set_forwarding(): one switch for both families.  A packet not for us
 * is then forwarded with its hop limit decremented (Time Exceeded code 0
 * when it would reach zero), never fragmented (Packet Too Big when over the
 * outgoing MTU), and never when its source is unspecified or link-local or
 * its destination link-local or multicast (RFC 4291 2.5.2, 2.5.6).
 *
 * Ownership: ip6_input takes ownership of the packet; the output functions
 * never do (the caller frees its pbuf afterwards, unchanged).
 */
#ifndef LWIP_IP6_H
#define LWIP_IP6_H

#include "lwip/opt.h"
#include "lwip/ip.h"
#include "lwip/ip6_addr.h"
#include "lwip/netif.h"
#include "lwip/prot/ip6.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Hop limit of packets we originate (RFC 8200 3 leaves it to the node;
 *  64 as Linux and the IANA recommendation). */
#define IP6_DEFAULT_HOPLIM 64

/** RFC 8504 5.3 limits, so a hostile chain costs little: extension headers
 *  before the upper layer, options (padding not counted) in one Hop-by-Hop
 *  or Destination Options header, and consecutive padding bytes (more than
 *  7 is never needed to align anything). */
#define IP6_EXT_HDRS_MAX 8
#define IP6_OPTS_MAX 8
#define IP6_PAD_MAX 7
/** Longest Hop-by-Hop or Destination Options header accepted, in bytes. */
#define IP6_OPT_HDR_MAX 256

/** Per-packet context of a received IPv6 packet, passed down the input path
 *  as an argument.  @c ip is the part every IP version shares (a dual-stack
 *  transport reads only it): ip.src and ip.dest are IPv6 (a link-local one
 *  carries the input netif's zone), ip.hdr_len is the length of the fixed
 *  header and every extension header before the upper-layer header,
 *  ip.proto the upper-layer protocol, ip.ttl the hop limit and ip.tos the
 *  traffic class.  When an upper-layer input function is called,
 *  p->payload points at its header and the IPv6 header sits ip.hdr_len
 *  bytes before it (pbuf_add_header_force() exposes it again). */
struct ip6_rx {
  struct ip_rx ip;
  u32_t flow_label;
  u16_t nexth_off;   /**< offset of the Next Header field naming ip.proto */
  u8_t n_ext;        /**< extension headers walked */
  bool router_alert; /**< Hop-by-Hop Router Alert (RFC 2711) was present */
  u16_t router_alert_value;
  bool atomic_frag; /**< carried an atomic fragment header (RFC 6946) */
  bool reassembled; /**< the packet was reassembled from fragments */
};

/** Upper-layer input: takes ownership of @p p. */
typedef void (*ip6_proto_input_fn)(struct pbuf *p, const struct ip6_rx *rx);

/** Process a received IPv6 packet (payload at the IPv6 header).  Takes
 *  ownership of @p p.  Validates the fixed header (version, payload length
 *  against the frame, addresses), decides whether it is ours (our unicast
 *  addresses that are not tentative, all-nodes, our solicited-node groups)
 *  or to be forwarded, walks the extension headers once (Parameter Problem
 *  where RFC 8200 asks for it), hands fragments to reassembly, and delivers
 *  to the upper protocol.  Every drop is counted.  @return ERR_OK. */
err_t ip6_input(struct pbuf *p, struct netif *inp);

/** Choose the outgoing netif for @p dest: the zone of a scoped address, a
 *  netif with an address whose prefix holds @p dest, else one with a
 *  default router, else the default netif when it has a usable IPv6
 *  address.  @p src (may be NULL) prefers the netif that owns it.
 *  @return the netif, or NULL when unroutable. */
struct netif *ip6_route(const ip6_addr_t *src, const ip6_addr_t *dest);

/** Source address selection (RFC 6724 5, the rules that apply to a host)
 *  among the usable (preferred or deprecated) addresses of @p netif for
 *  destination @p dest.  @return the address (owned by the netif), or NULL
 *  when the netif has none usable. */
const ip_addr_t *ip6_select_source_address(const struct netif *netif, const ip6_addr_t *dest);

/** Send @p p (payload = upper-layer header and data) to @p dest through
 *  @p netif with an IPv6 header: @p src NULL or unspecified means "select
 *  one" (ip6_select_source_address), @p hl the hop limit, @p tc the traffic
 *  class, @p nexth the upper-layer protocol.  Packets for an address of our
 *  own are looped back.  Does not take ownership of @p p.
 *  @return ERR_OK, ERR_RTE (netif down, no source or no next hop), ERR_MEM,
 *  ERR_VAL (payload over 65495 bytes, or over the path MTU with an
 *  unfragmentable part too long to fragment) or the driver's error.  A
 *  packet over the path MTU (icmp6_path_mtu(), never below 1280) is sent in
 *  fragments (ip6_frag()); the first fragment that fails stops the rest
 *  and its error is returned. */
err_t ip6_output_if(struct pbuf *p, const ip6_addr_t *src, const ip6_addr_t *dest, u8_t hl, u8_t tc, u8_t nexth,
                    struct netif *netif);
/** As ip6_output_if(), with @p src used as given even when unspecified (DAD
 *  solicitations, RFC 4862 5.4.2). */
err_t ip6_output_if_src(struct pbuf *p, const ip6_addr_t *src, const ip6_addr_t *dest, u8_t hl, u8_t tc, u8_t nexth,
                        struct netif *netif);
/** Route (ip6_route) and send.  @return as ip6_output_if(). */
err_t ip6_output(struct pbuf *p, const ip6_addr_t *src, const ip6_addr_t *dest, u8_t hl, u8_t tc, u8_t nexth);

/** Is @p addr a usable (preferred or deprecated) address of any netif? */
bool ip6_addr_is_ours(const ip6_addr_t *addr);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_IP6_H */
