/**
 * @file ip4_addr.h
 * IPv4 addresses (ip4_addr_t) and lwIP's macros for them.
 *
 * An ip4_addr_t holds the address in network byte order, exactly as it
 * appears on the wire, so it can be compared and copied without swapping.
 */
#ifndef LWIP_IP4_ADDR_H
#define LWIP_IP4_ADDR_H

#include "lwip/arch.h"

#ifdef __cplusplus
extern "C" {
#endif

struct netif;

typedef struct ip4_addr {
  u32_t addr; /**< network byte order */
} ip4_addr_t;

#define IPADDR_NONE ((u32_t)0xffffffffUL)
#define IPADDR_LOOPBACK ((u32_t)0x7f000001UL)
#define IPADDR_ANY ((u32_t)0x00000000UL)
#define IPADDR_BROADCAST ((u32_t)0xffffffffUL)

/** Longest text form including the terminating NUL ("255.255.255.255"). */
#define IP4ADDR_STRLEN_MAX 16

/** Build an address from its four dotted-decimal parts (host order input). */
#define LWIP_MAKEU32(a, b, c, d) (((u32_t)((a) & 0xff) << 24) | ((u32_t)((b) & 0xff) << 16) | \
                                  ((u32_t)((c) & 0xff) << 8) | (u32_t)((d) & 0xff))
#define IP4_ADDR(ipaddr, a, b, c, d) ((ipaddr)->addr = lwip_htonl(LWIP_MAKEU32(a, b, c, d)))
#define IPADDR4_INIT(u32val) { u32val }
#define IPADDR4_INIT_BYTES(a, b, c, d) IPADDR4_INIT(PP_HTONL(LWIP_MAKEU32(a, b, c, d)))

#define ip4_addr_copy(dest, src) ((dest).addr = (src).addr)
#define ip4_addr_set(dest, src) ((dest)->addr = ((src) == NULL ? 0 : (src)->addr))
#define ip4_addr_set_zero(ipaddr) ((ipaddr)->addr = 0)
#define ip4_addr_set_any(ipaddr) ((ipaddr)->addr = IPADDR_ANY)
#define ip4_addr_set_loopback(ipaddr) ((ipaddr)->addr = PP_HTONL(IPADDR_LOOPBACK))
#define ip4_addr_set_u32(dest, src) ((dest)->addr = (src))
#define ip4_addr_get_u32(src) ((src)->addr)
#define ip4_addr_get_network(target, host, netmask) \
  ((target)->addr = (host)->addr & (netmask)->addr)

#define ip4_addr_isany_val(a) ((a).addr == IPADDR_ANY)
#define ip4_addr_isany(a) ((a) == NULL || ip4_addr_isany_val(*(a)))
#define ip4_addr_eq(a, b) ((a)->addr == (b)->addr)
#define ip4_addr_cmp(a, b) ip4_addr_eq(a, b)
#define ip4_addr_net_eq(a, b, mask) \
  (((a)->addr & (mask)->addr) == ((b)->addr & (mask)->addr))
#define ip4_addr_netcmp(a, b, mask) ip4_addr_net_eq(a, b, mask)
#define ip4_addr_ismulticast(a) (((a)->addr & PP_HTONL(0xf0000000UL)) == PP_HTONL(0xe0000000UL))
#define ip4_addr_islinklocal(a) (((a)->addr & PP_HTONL(0xffff0000UL)) == PP_HTONL(0xa9fe0000UL))
#define ip4_addr_isloopback(a) (((a)->addr & PP_HTONL(0xff000000UL)) == PP_HTONL(0x7f000000UL))
#define ip4_addr_islimitedbroadcast(a) ((a)->addr == IPADDR_BROADCAST)

#define ip4_addr1(a) ((u8_t)(lwip_ntohl((a)->addr) >> 24))
#define ip4_addr2(a) ((u8_t)(lwip_ntohl((a)->addr) >> 16))
#define ip4_addr3(a) ((u8_t)(lwip_ntohl((a)->addr) >> 8))
#define ip4_addr4(a) ((u8_t)(lwip_ntohl((a)->addr)))

/** Is @p addr a broadcast address on @p netif: limited broadcast, the
 *  all-zero host part, or the directed broadcast of the netif's subnet? */
bool ip4_addr_isbroadcast(const ip4_addr_t *addr, const struct netif *netif);
#define ip4_addr_isbroadcast_u32(u32, netif) \
  ip4_addr_isbroadcast(&(const ip4_addr_t){u32}, netif)

/** Is @p netmask a contiguous run of ones followed by zeros? */
bool ip4_addr_netmask_valid(u32_t netmask);
/** Prefix length (0..32) of a valid netmask. */
u8_t ip4_addr_netmask_prefix(const ip4_addr_t *netmask);
/** Netmask for a prefix length (values above 32 are taken as 32). */
void ip4_addr_netmask_from_prefix(ip4_addr_t *netmask, u8_t prefix);

/** Parse dotted-decimal text (strictly four decimal parts, each 0..255).
 *  @return 1 and fills @p addr (may be NULL) on success, 0 on bad text. */
int ip4addr_aton(const char *cp, ip4_addr_t *addr);
/** Same, returning the address or IPADDR_NONE on error. */
u32_t ipaddr_addr(const char *cp);
/** Parse "a.b.c.d/prefix", the one address-and-prefix parser for every
 *  caller.  Strict: four decimal parts 0..255 without leading zeros ("010"
 *  is octal to inet_aton(), so it is refused rather than guessed), a
 *  prefix of 0..32 without sign or leading zero, nothing after it.
 *  Without a slash the text is accepted only when @p prefix_required is
 *  false, and then *@p prefix is left as the caller set it: preset it to
 *  a default (24), or to a value above 32 to learn that none was given.
 *  @return true and fills @p addr and @p prefix (either may be NULL);
 *  false on bad text, with both untouched. */
bool ip4addr_cidr_aton(const char *s, ip4_addr_t *addr, u8_t *prefix, bool prefix_required);
/** Format into @p buf (at least IP4ADDR_STRLEN_MAX bytes).
 *  @return buf, or NULL when buflen is too small. */
char *ip4addr_ntoa_r(const ip4_addr_t *addr, char *buf, int buflen);
/** Format into a static buffer (not reentrant; for debug output). */
char *ip4addr_ntoa(const ip4_addr_t *addr);
/** Internal (ip_addr.c): write the decimal digits of @p v (0..65535) at
 *  @p out, no terminator.  @return the end.  Shared with netif names. */
char *lwip_put_dec(char *out, unsigned v);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_IP4_ADDR_H */
