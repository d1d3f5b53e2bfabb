/**
 * @file ip_addr.h
 * Dual-stack IP address type ip_addr_t, laid out as lwIP's with IPv4 and
 * IPv6 both compiled in: a union of ip4_addr_t and ip6_addr_t plus a type
 * tag.  In a build with no IPv6 address to hold (LWIP_IPADDR_V6 0) the
 * union holds only the IPv4 address and ip_2_ip6() and IPv6 text parsing
 * do not exist; the tag and the rest of the API stay.
 */
#ifndef LWIP_IP_ADDR_H
#define LWIP_IP_ADDR_H

#include "lwip/opt.h"
#include "lwip/ip4_addr.h"
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Can an ip_addr_t hold an IPv6 address?  In a build with IPv6, and in an
 *  IPv4-only one with the DNS resolver, which returns AAAA answers (and
 *  parses IPv6 literals) as data for the application.  Otherwise nothing
 *  in the stack makes or takes one (udp, tcp and raw refuse IPv6 at their
 *  entry points), so the address is only its IPv4 part. */
#define LWIP_IPADDR_V6 (LWIP_IPV6 || LWIP_DNS)

/** IPv6 address, 4 words in network order, plus the scope zone. */
typedef struct ip6_addr {
  u32_t addr[4];
  u8_t zone;
} ip6_addr_t;

#define IP6ADDR_STRLEN_MAX 46

enum lwip_ip_addr_type {
  IPADDR_TYPE_V4 = 0U,
  IPADDR_TYPE_V6 = 6U,
  IPADDR_TYPE_ANY = 46U, /**< for PCBs bound to both families */
};

/* Without IPv6 addresses the union holds only the IPv4 address: 8 bytes
 * instead of 24 in every PCB, netif and packet descriptor, and every copy
 * of one is a word pair.  The type tag stays, so the API and its checks (a
 * PCB of the wrong family is refused) are the same in every build. */
typedef struct ip_addr {
  union {
#if LWIP_IPADDR_V6
    ip6_addr_t ip6;
#endif
    ip4_addr_t ip4;
  } u_addr;
  u8_t type; /**< enum lwip_ip_addr_type */
} ip_addr_t;

#if LWIP_IPADDR_V6
#define IPADDR_STRLEN_MAX IP6ADDR_STRLEN_MAX
#define IPADDR4_INIT_U32(u32val) { { { { u32val, 0, 0, 0 }, 0 } }, IPADDR_TYPE_V4 }
#define IPADDR_ANY_TYPE_INIT { { { { 0, 0, 0, 0 }, 0 } }, IPADDR_TYPE_ANY }
#else
#define IPADDR_STRLEN_MAX IP4ADDR_STRLEN_MAX
#define IPADDR4_INIT_U32(u32val) { { { u32val } }, IPADDR_TYPE_V4 }
#define IPADDR_ANY_TYPE_INIT { { { 0 } }, IPADDR_TYPE_ANY }
#endif

#define IP_GET_TYPE(ipaddr) ((ipaddr)->type)
#define IP_SET_TYPE_VAL(ipaddr, iptype) ((ipaddr).type = (u8_t)(iptype))
#define IP_SET_TYPE(ipaddr, iptype) do { if ((ipaddr) != NULL) { IP_SET_TYPE_VAL(*(ipaddr), iptype); } } while (0)
#define IP_IS_V4_VAL(ipaddr) ((ipaddr).type == IPADDR_TYPE_V4)
#define IP_IS_V6_VAL(ipaddr) ((ipaddr).type == IPADDR_TYPE_V6)
#define IP_IS_ANY_TYPE_VAL(ipaddr) ((ipaddr).type == IPADDR_TYPE_ANY)
#define IP_IS_V4(ipaddr) ((ipaddr) == NULL || IP_IS_V4_VAL(*(ipaddr)))
#define IP_IS_V6(ipaddr) ((ipaddr) != NULL && IP_IS_V6_VAL(*(ipaddr)))

#define ip_2_ip4(ipaddr) (&((ipaddr)->u_addr.ip4))
#if LWIP_IPADDR_V6
#define ip_2_ip6(ipaddr) (&((ipaddr)->u_addr.ip6))
#endif
#define IP_ADDR4(ipaddr, a, b, c, d) do { \
    IP4_ADDR(ip_2_ip4(ipaddr), a, b, c, d); IP_SET_TYPE_VAL(*(ipaddr), IPADDR_TYPE_V4); } while (0)

/** Set @p dest to the IPv4 address @p src (NULL gives the any address). */
static inline void ip_addr_set_ip4(ip_addr_t *dest, const ip4_addr_t *src)
{
#if LWIP_IPADDR_V6
  /* The IPv6 words and zone read as zero afterwards, not as stale bytes. */
  memset(dest, 0, sizeof(*dest));
#endif
  dest->u_addr.ip4.addr = src ? src->addr : 0;
  dest->type = IPADDR_TYPE_V4;
}
#define ip_addr_copy_from_ip4(dest, src) ip_addr_set_ip4(&(dest), &(src))
#define ip_addr_set_ip4_u32(ipaddr, val) do { if (ipaddr) { \
    ip_addr_set_ip4(ipaddr, NULL); ip_2_ip4(ipaddr)->addr = (val); } } while (0)
#define ip_addr_get_ip4_u32(ipaddr) (IP_IS_V4(ipaddr) && (ipaddr) ? ip_2_ip4(ipaddr)->addr : 0)
#define ip_addr_copy(dest, src) ((dest) = (src))
#define ip_addr_set(dest, src) do { if ((src) != NULL) { *(dest) = *(src); } \
    else { ip_addr_set_zero(dest); } } while (0)
#define ip_addr_set_zero(ipaddr) ip_addr_set_ip4(ipaddr, NULL)
#define ip_addr_set_any(is_ipv6, ipaddr) do { ip_addr_set_zero(ipaddr); \
    if (is_ipv6) { (ipaddr)->type = IPADDR_TYPE_V6; } } while (0)

/** Equal addresses of the same family (IPv6 zones included). */
bool ip_addr_eq(const ip_addr_t *a, const ip_addr_t *b);
#define ip_addr_cmp(a, b) ip_addr_eq(a, b)
/** The unspecified address of its family (NULL counts as any). */
bool ip_addr_isany(const ip_addr_t *a);
#define ip_addr_isany_val(a) ip_addr_isany(&(a))
bool ip_addr_ismulticast(const ip_addr_t *a);
#define ip_addr_isbroadcast(ipaddr, netif) \
  (IP_IS_V4(ipaddr) && ip4_addr_isbroadcast(ip_2_ip4(ipaddr), netif))
#define ip_addr_isloopback(ipaddr) (IP_IS_V4(ipaddr) && ip4_addr_isloopback(ip_2_ip4(ipaddr)))

/** Parse IPv6 text (RFC 4291 2.2, with "::" and a trailing dotted quad).
 *  @return 1 on success, 0 on bad text. */
int ip6addr_aton(const char *cp, ip6_addr_t *addr);
/** Format IPv6 in the RFC 5952 canonical form.  @return buf or NULL. */
char *ip6addr_ntoa_r(const ip6_addr_t *addr, char *buf, int buflen);

/** Parse either family; IPv6 when the text contains ':'.
 *  @return 1 on success, 0 on bad text. */
int ipaddr_aton(const char *cp, ip_addr_t *addr);
/** Format either family into @p buf.  @return buf, or NULL if too small. */
char *ipaddr_ntoa_r(const ip_addr_t *addr, char *buf, int buflen);
/** Format into a static buffer (not reentrant; for debug output). */
char *ipaddr_ntoa(const ip_addr_t *addr);

extern const ip_addr_t ip_addr_any;
extern const ip_addr_t ip_addr_broadcast;
extern const ip_addr_t ip_addr_any_type;

#define IP_ADDR_ANY (&ip_addr_any)
#define IP4_ADDR_ANY (&ip_addr_any)
#define IP4_ADDR_ANY4 (ip_2_ip4(&ip_addr_any))
#define IP_ADDR_BROADCAST (&ip_addr_broadcast)
#define IP4_ADDR_BROADCAST (ip_2_ip4(&ip_addr_broadcast))
#define IP_ANY_TYPE (&ip_addr_any_type)

#ifdef __cplusplus
}
#endif

#endif /* LWIP_IP_ADDR_H */
