/**
 * @file inet_chksum.c
 * The Internet checksum (RFC 1071).
 *
 * The fast path sums the data in native byte order, eight bytes per load.
 * RFC 1071 section 2(B) shows that the ones'-complement sum is independent
 * of byte order: summing native 16-bit words and storing the folded result
 * natively puts exactly the right two bytes into memory.  So no byte is ever
 * swapped except where a piece of a pbuf chain starts at an odd offset of
 * the packet, whose partial sum is then rotated by eight bits (RFC 1071
 * section 2(A), "byte order independence" applied to a shifted sequence).
 */
#include "lwip/inet_chksum.h"
#include <string.h>

static u16_t swap16(u16_t v)
{
  return (u16_t)((v << 8) | (v >> 8));
}

#if UINTPTR_MAX > 0xffffffffU
/* Fold a wide accumulator down to 16 bits with end-around carry. */
static u16_t fold64(u64_t sum)
{
  sum = (sum & 0xffffffffULL) + (sum >> 32);
  sum = (sum & 0xffffffffULL) + (sum >> 32);
  sum = (sum & 0xffffU) + (sum >> 16);
  sum = (sum & 0xffffU) + (sum >> 16);
  sum = (sum & 0xffffU) + (sum >> 16);
  return (u16_t)sum;
}

u16_t lwip_standard_chksum(const void *data, size_t len)
{
  const u8_t *p = (const u8_t *)data;
  u64_t sum = 0;

  /* Each 64-bit load adds as two 32-bit halves into a 64-bit accumulator,
   * which cannot overflow before 2^32 additions: far beyond any packet. */
  while (len >= 32) {
    u64_t a, b, c, d;
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
    memcpy(&c, p + 16, 8);
    memcpy(&d, p + 24, 8);
    sum += (a & 0xffffffffULL) + (a >> 32);
    sum += (b & 0xffffffffULL) + (b >> 32);
    sum += (c & 0xffffffffULL) + (c >> 32);
    sum += (d & 0xffffffffULL) + (d >> 32);
    p += 32;
    len -= 32;
  }
  while (len >= 8) {
    u64_t a;
    memcpy(&a, p, 8);
    sum += (a & 0xffffffffULL) + (a >> 32);
    p += 8;
    len -= 8;
  }
  while (len >= 2) {
    u16_t w;
    memcpy(&w, p, 2);
    sum += w;
    p += 2;
    len -= 2;
  }
  if (len == 1) {
    /* An odd trailing byte is summed as if padded with a zero byte
     * (RFC 1071 section 4.1). */
    u8_t last[2] = {p[0], 0};
    u16_t w;
    memcpy(&w, last, 2);
    sum += w;
  }
  return fold64(sum);
}
#else
/* A 32-bit target has no 64-bit loads: one 32-bit word per step into a
 * 32-bit accumulator, each carry added back at once (end-around carry,
 * RFC 1071 section 2(C)).  As fast there as unrolling, a fraction of the
 * code, and the same result: both give the one representative of the sum
 * in 1..0xffff (0 only for all-zero data). */
u16_t lwip_standard_chksum(const void *data, size_t len)
{
  const u8_t *p = (const u8_t *)data;
  u32_t sum = 0, w;

  for (;; p += 4, len -= 4) {
    if (len < 4) {
      /* The last 0-3 bytes, zero-padded in their lanes: an odd trailing
       * byte counts as if padded with a zero byte (RFC 1071 section 4.1). */
      u8_t last[4] = {0, 0, 0, 0};
      memcpy(last, p, len);
      memcpy(&w, last, 4);
    } else {
      memcpy(&w, p, 4);
    }
    sum += w;
    sum += sum < w;
    if (len <= 4) {
      break;
    }
  }
  sum = (sum & 0xffffU) + (sum >> 16);
  sum = (sum & 0xffffU) + (sum >> 16);
  return (u16_t)sum;
}
#endif

u16_t inet_chksum(const void *data, u16_t len)
{
  return (u16_t)~lwip_standard_chksum(data, len);
}

/* Sum of the first @p limit bytes of a chain, not complemented. */
static u16_t chain_sum(const struct pbuf *p, u32_t limit)
{
  u32_t sum = 0;
  bool odd = false;
  for (const struct pbuf *q = p; q != NULL && limit > 0; q = q->next) {
    u32_t n = LWIP_MIN((u32_t)q->len, limit);
    u16_t part = lwip_standard_chksum(q->payload, n);
    /* A piece that begins at an odd packet offset has its bytes in the
     * opposite lanes of the 16-bit words. */
    sum += odd ? swap16(part) : part;
    sum = (sum & 0xffffU) + (sum >> 16);
    if (n & 1U) {
      odd = !odd;
    }
    limit -= n;
  }
  return (u16_t)sum;
}

u16_t inet_chksum_pbuf(const struct pbuf *p)
{
  /* No pbuf sums to 0, complemented 0xffff. */
  return (u16_t)~chain_sum(p, p != NULL ? p->tot_len : 0U);
}

/* The IPv4 pseudo header of RFC 768 / RFC 9293 section 3.1: source,
 * destination, a zero byte, the protocol and the transport length. */
static u32_t pseudo_sum(u8_t proto, u16_t proto_len, const ip4_addr_t *src, const ip4_addr_t *dest)
{
  u32_t sum = 0;
  u32_t s = src->addr;
  u32_t d = dest->addr;
  sum += (s & 0xffffU) + (s >> 16);
  sum += (d & 0xffffU) + (d >> 16);
  sum += lwip_htons((u16_t)proto);
  sum += lwip_htons(proto_len);
  return sum;
}

static u16_t finish(u32_t sum)
{
  sum = (sum & 0xffffU) + (sum >> 16);
  sum = (sum & 0xffffU) + (sum >> 16);
  return (u16_t)~sum;
}

u16_t inet_chksum_pseudo_partial(const struct pbuf *p, u8_t proto, u16_t proto_len,
                                 u16_t chksum_len, const ip4_addr_t *src, const ip4_addr_t *dest)
{
  return finish(pseudo_sum(proto, proto_len, src, dest) + chain_sum(p, chksum_len));
}

u16_t inet_chksum_pseudo(const struct pbuf *p, u8_t proto, u16_t proto_len,
                         const ip4_addr_t *src, const ip4_addr_t *dest)
{
  return inet_chksum_pseudo_partial(p, proto, proto_len, p->tot_len, src, dest);
}

#if LWIP_IPV6
/* The IPv6 pseudo header of RFC 8200 8.1: source, destination, the 32-bit
 * upper-layer length and the next header value after three zero bytes. */
static u32_t pseudo_sum_ip6(u8_t proto, u32_t proto_len, const ip6_addr_t *src, const ip6_addr_t *dest)
{
  /* Sixteen 16-bit words of at most 0xffff, then three more: the 32-bit
   * sum cannot overflow, so it is folded once, by finish(). */
  u32_t sum = 0;
  for (int i = 0; i < 4; i++) {
    sum += (src->addr[i] & 0xffffU) + (src->addr[i] >> 16);
    sum += (dest->addr[i] & 0xffffU) + (dest->addr[i] >> 16);
  }
  sum += lwip_htons((u16_t)(proto_len >> 16));
  sum += lwip_htons((u16_t)proto_len);
  sum += lwip_htons((u16_t)proto);
  return sum;
}

u16_t ip6_chksum_pseudo_partial(const struct pbuf *p, u8_t proto, u32_t proto_len, u16_t chksum_len,
                                const ip6_addr_t *src, const ip6_addr_t *dest)
{
  return finish(pseudo_sum_ip6(proto, proto_len, src, dest) + chain_sum(p, chksum_len));
}

u16_t ip6_chksum_pseudo(const struct pbuf *p, u8_t proto, u32_t proto_len, const ip6_addr_t *src,
                        const ip6_addr_t *dest)
{
  return ip6_chksum_pseudo_partial(p, proto, proto_len, p->tot_len, src, dest);
}
#endif

u16_t lwip_chksum_copy(void *to, const void *from, u16_t len)
{
  memcpy(to, from, len);
  return inet_chksum(to, len);
}
