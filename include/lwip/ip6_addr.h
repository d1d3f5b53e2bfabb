/**
 * @file ip6_addr.h
 * IPv6 address predicates and builders (RFC 4291), lwIP's names.  The type
 * ip6_addr_t itself lives in ip_addr.h: four 32-bit words in network order
 * plus a zone (the netif index of a link-local address, 0 when none).
 */
#ifndef LWIP_IP6_ADDR_H
#define LWIP_IP6_ADDR_H

#include "lwip/opt.h"
#include "lwip/ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The zone of an address that has none. */
#define IP6_NO_ZONE 0

/** Build from four host-order words (zone none). */
#define IP6_ADDR(ip6addr, w0, w1, w2, w3)                                                                              \
  do {                                                                                                                 \
    (ip6addr)->addr[0] = lwip_htonl(w0);                                                                               \
    (ip6addr)->addr[1] = lwip_htonl(w1);                                                                               \
    (ip6addr)->addr[2] = lwip_htonl(w2);                                                                               \
    (ip6addr)->addr[3] = lwip_htonl(w3);                                                                               \
    (ip6addr)->zone = IP6_NO_ZONE;                                                                                     \
  } while (0)
#define ip6_addr_set_zero(a) memset((a), 0, sizeof(ip6_addr_t))
#define ip6_addr_copy(dest, src) ((dest) = (src))

/** Same 128 bits (zones not compared). */
static inline bool ip6_addr_eq_nozone(const ip6_addr_t *a, const ip6_addr_t *b)
{
  return a->addr[0] == b->addr[0] && a->addr[1] == b->addr[1] && a->addr[2] == b->addr[2] && a->addr[3] == b->addr[3];
}
/** Same 128 bits and zone. */
#define ip6_addr_eq(a, b) (ip6_addr_eq_nozone(a, b) && (a)->zone == (b)->zone)

#define ip6_addr_isany_val(a) (((a).addr[0] | (a).addr[1] | (a).addr[2] | (a).addr[3]) == 0)
#define ip6_addr_isany(a) ((a) == NULL || ip6_addr_isany_val(*(a)))
#define ip6_addr_isloopback(a)                                                                                         \
  ((a)->addr[0] == 0 && (a)->addr[1] == 0 && (a)->addr[2] == 0 && (a)->addr[3] == PP_HTONL(1UL))
#define ip6_addr_ismulticast(a) (((a)->addr[0] & PP_HTONL(0xff000000UL)) == PP_HTONL(0xff000000UL))
#define ip6_addr_islinklocal(a) (((a)->addr[0] & PP_HTONL(0xffc00000UL)) == PP_HTONL(0xfe800000UL))
#define ip6_addr_isuniquelocal(a) (((a)->addr[0] & PP_HTONL(0xfe000000UL)) == PP_HTONL(0xfc000000UL))
#define ip6_addr_isipv4mapped(a) ((a)->addr[0] == 0 && (a)->addr[1] == 0 && (a)->addr[2] == PP_HTONL(0x0000ffffUL))

/** Multicast scope (RFC 4291 2.7, RFC 7346): the low nibble of byte 1. */
#define ip6_multicast_scope(a) ((u8_t)(lwip_ntohl((a)->addr[0]) >> 16) & 0x0fU)
#define IP6_MULTICAST_SCOPE_INTERFACE_LOCAL 0x1U
#define IP6_MULTICAST_SCOPE_LINK_LOCAL 0x2U
#define IP6_MULTICAST_SCOPE_ADMIN_LOCAL 0x4U
#define IP6_MULTICAST_SCOPE_SITE_LOCAL 0x5U
#define IP6_MULTICAST_SCOPE_ORGANIZATION_LOCAL 0x8U
#define IP6_MULTICAST_SCOPE_GLOBAL 0xeU
#define ip6_addr_ismulticast_iflocal(a)                                                                                \
  (ip6_addr_ismulticast(a) && ip6_multicast_scope(a) == IP6_MULTICAST_SCOPE_INTERFACE_LOCAL)
#define ip6_addr_ismulticast_linklocal(a)                                                                              \
  (ip6_addr_ismulticast(a) && ip6_multicast_scope(a) == IP6_MULTICAST_SCOPE_LINK_LOCAL)

/** ff02::1, all nodes on the link. */
#define ip6_addr_isallnodes_linklocal(a)                                                                               \
  ((a)->addr[0] == PP_HTONL(0xff020000UL) && (a)->addr[1] == 0 && (a)->addr[2] == 0 && (a)->addr[3] == PP_HTONL(1UL))
/** ff02::2, all routers on the link. */
#define ip6_addr_isallrouters_linklocal(a)                                                                             \
  ((a)->addr[0] == PP_HTONL(0xff020000UL) && (a)->addr[1] == 0 && (a)->addr[2] == 0 && (a)->addr[3] == PP_HTONL(2UL))
/** Is @p a the solicited-node group ff02::1:ffXX:XXXX of unicast @p u (RFC 4291 2.7.1)? */
#define ip6_addr_issolicitednode_of(a, u)                                                                              \
  ((a)->addr[0] == PP_HTONL(0xff020000UL) && (a)->addr[1] == 0 && (a)->addr[2] == PP_HTONL(1UL) &&                     \
   ((a)->addr[3] & PP_HTONL(0xff000000UL)) == PP_HTONL(0xff000000UL) &&                                                \
   (((a)->addr[3] ^ (u)->addr[3]) & PP_HTONL(0x00ffffffUL)) == 0)
#define ip6_addr_issolicitednode(a)                                                                                    \
  ((a)->addr[0] == PP_HTONL(0xff020000UL) && (a)->addr[1] == 0 && (a)->addr[2] == PP_HTONL(1UL) &&                     \
   ((a)->addr[3] & PP_HTONL(0xff000000UL)) == PP_HTONL(0xff000000UL))

void ip6_addr_set_allnodes_linklocal(ip6_addr_t *a);
void ip6_addr_set_allrouters_linklocal(ip6_addr_t *a);
/** ff02::1:ffXX:XXXX for the unicast address @p unicast (RFC 4291 2.7.1). */
void ip6_addr_set_solicitednode(ip6_addr_t *a, const ip6_addr_t *unicast);

/** Do the first @p prefix_len bits of @p a and @p b agree? */
bool ip6_addr_prefix_eq(const ip6_addr_t *a, const ip6_addr_t *b, u8_t prefix_len);
/** Length of the longest common prefix of @p a and @p b, 0..128 (RFC 6724
 *  CommonPrefixLen). */
u8_t ip6_addr_common_prefix_len(const ip6_addr_t *a, const ip6_addr_t *b);

/** Does a unicast address of this kind need a zone to be used (RFC 4007)? */
#define ip6_addr_has_scope(a)                                                                                          \
  (ip6_addr_islinklocal(a) || ip6_addr_ismulticast_linklocal(a) || ip6_addr_ismulticast_iflocal(a))

/** Parse "ADDR/PREFIX" (RFC 4291 2.3), the IPv6 sibling of
 *  ip4addr_cidr_aton(): a prefix of 0..128 without sign or leading zero,
 *  nothing after it.  Without a slash the text is accepted only when
 *  @p prefix_required is false, and *@p prefix is then left as the caller
 *  set it.  @return true and fills @p addr and @p prefix (either may be
 *  NULL); false on bad text, with both untouched. */
bool ip6addr_cidr_aton(const char *s, ip6_addr_t *addr, u8_t *prefix, bool prefix_required);

/** Format into a static buffer (not reentrant; for debug output). */
char *ip6addr_ntoa(const ip6_addr_t *addr);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_IP6_ADDR_H */
