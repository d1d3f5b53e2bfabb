/**
 * @file inet_chksum.h
 * The Internet checksum (RFC 1071): ones'-complement sum of 16-bit words.
 *
 * All functions return the checksum ready to store in a header (the
 * complement of the sum, in network byte order as a u16_t in memory) -- or,
 * for verification, 0 when data that contains a correct checksum is summed.
 */
#ifndef LWIP_INET_CHKSUM_H
#define LWIP_INET_CHKSUM_H

#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Ones'-complement sum (not complemented) of @p len bytes at @p data, as a
 *  16-bit value in network order in memory.  Any alignment, odd lengths. */
u16_t lwip_standard_chksum(const void *data, size_t len);
/** Byte-at-a-time reference implementation (for tests and the benchmark).
 *  Inline, so only the programs that use it carry it. */
static inline u16_t lwip_chksum_reference(const void *data, size_t len)
{
  const u8_t *p = (const u8_t *)data;
  u32_t sum = 0;
  for (size_t i = 0; i < len; i++) {
    /* Even offsets are the high byte of a big-endian word. */
    sum += (i & 1U) ? p[i] : ((u32_t)p[i] << 8);
    if (sum > 0xffffU) {
      sum = (sum & 0xffffU) + (sum >> 16);
    }
  }
  return lwip_htons((u16_t)sum);
}

/** Checksum of a buffer: store it as memcpy(field, &sum, 2). */
u16_t inet_chksum(const void *data, u16_t len);
/** Checksum over a whole pbuf chain (any pbuf lengths, odd or even). */
u16_t inet_chksum_pbuf(const struct pbuf *p);
/** Checksum over the chain plus the IPv4 pseudo header (RFC 768, RFC 9293). */
u16_t inet_chksum_pseudo(const struct pbuf *p, u8_t proto, u16_t proto_len,
                         const ip4_addr_t *src, const ip4_addr_t *dest);
/** As inet_chksum_pseudo() but covering only the first @p chksum_len bytes
 *  of the chain (UDP-Lite, RFC 3828). */
u16_t inet_chksum_pseudo_partial(const struct pbuf *p, u8_t proto, u16_t proto_len,
                                 u16_t chksum_len, const ip4_addr_t *src, const ip4_addr_t *dest);
#if LWIP_IPV6
/** Checksum over the chain plus the IPv6 pseudo header (RFC 8200 8.1):
 *  ICMPv6, and UDP/TCP over IPv6.  @p proto_len is the upper-layer length. */
u16_t ip6_chksum_pseudo(const struct pbuf *p, u8_t proto, u32_t proto_len, const ip6_addr_t *src,
                        const ip6_addr_t *dest);
/** As ip6_chksum_pseudo() covering only the first @p chksum_len bytes. */
u16_t ip6_chksum_pseudo_partial(const struct pbuf *p, u8_t proto, u32_t proto_len, u16_t chksum_len,
                                const ip6_addr_t *src, const ip6_addr_t *dest);
#endif
/** Copy @p len bytes from @p from to @p to and return the checksum of them
 *  (equal to inet_chksum of the destination). */
u16_t lwip_chksum_copy(void *to, const void *from, u16_t len);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_INET_CHKSUM_H */
