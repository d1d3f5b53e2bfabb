/**
 * @file ip4.h
 * IPv4 (RFC 791, RFC 1122 3.2.1): input validation and delivery, routing,
 * forwarding, output.
 */
#ifndef LWIP_IP4_H
#define LWIP_IP4_H

#include "lwip/opt.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/prot/ip4.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Process a received IPv4 packet (payload at the IP header).  Takes
 *  ownership of @p p.  Validates version, header length, total length
 *  against the frame, checksum and addresses; reassembles fragments;
 *  delivers, forwards or drops (every drop counted).  @return ERR_OK. */
err_t ip4_input(struct pbuf *p, struct netif *inp);

/** Choose the outgoing netif for @p dest: a netif whose subnet holds it
 *  (longest prefix first), else the default netif.  Only netifs that are up
 *  with link up count.  @return the netif, or NULL when unroutable. */
struct netif *ip4_route(const ip4_addr_t *dest);
/** As ip4_route(), but a datagram from a given source leaves by the netif
 *  that owns that source when it can reach @p dest. */
struct netif *ip4_route_src(const ip4_addr_t *src, const ip4_addr_t *dest);

/** Send @p p (payload = transport header and data) to @p dest: route it,
 *  add an IPv4 header and hand it to the netif, fragmenting when larger than
 *  the MTU.  @p src NULL or any means the netif's address.  @p ttl, @p tos,
 *  @p proto go into the header.  Does not take ownership of @p p.
 *  @return ERR_OK, ERR_RTE (no route), ERR_MEM, ERR_BUF, ERR_VAL (too big
 *  for the MTU with fragmentation disabled) or the driver's error. */
err_t ip4_output(struct pbuf *p, const ip4_addr_t *src, const ip4_addr_t *dest,
                 u8_t ttl, u8_t tos, u8_t proto);
/** Same, through the given @p netif (no route lookup).  @p dest NULL means
 *  the header is already in @p p (IP_HDRINCL): only output happens. */
err_t ip4_output_if(struct pbuf *p, const ip4_addr_t *src, const ip4_addr_t *dest,
                    u8_t ttl, u8_t tos, u8_t proto, struct netif *netif);
/** As ip4_output_if(), but @p src is used as given even when it is any. */
err_t ip4_output_if_src(struct pbuf *p, const ip4_addr_t *src, const ip4_addr_t *dest,
                        u8_t ttl, u8_t tos, u8_t proto, struct netif *netif);

/** Turn forwarding on or off at run time (only with ip_forward built in).
 *  @return ERR_OK, or ERR_VAL when the build has no forwarding. */
err_t ip4_set_forwarding(bool on);
bool ip4_forwarding(void);

/** IP identification of the next datagram we originate. */
u16_t ip4_next_id(void);

/** Is @p addr one of our addresses (on any netif), or loopback? */
bool ip4_addr_is_ours(const ip4_addr_t *addr);

#define ip_output(p, src, dest, ttl, tos, proto) \
  ip4_output(p, ip_2_ip4(src), ip_2_ip4(dest), ttl, tos, proto)

#ifdef __cplusplus
}
#endif

#endif /* LWIP_IP4_H */
