/**
 * @file ip6_addr.c
 * IPv6 address helpers (RFC 4291): well-known groups, prefix comparison
 * and the "address/prefix" parser.  The text conversions of a bare address
 * live in core/ip_addr.c with the dual-stack type.
 */
#include "lwip/ip6_addr.h"
#include "lwip/priv/nd6_priv.h"
#include <string.h>

void ip6_addr_set_allnodes_linklocal(ip6_addr_t *a)
{
  IP6_ADDR(a, 0xff020000UL, 0, 0, 1);
}

void ip6_addr_set_allrouters_linklocal(ip6_addr_t *a)
{
  IP6_ADDR(a, 0xff020000UL, 0, 0, 2);
}

void ip6_addr_set_solicitednode(ip6_addr_t *a, const ip6_addr_t *unicast)
{
  u32_t low = lwip_ntohl(unicast->addr[3]) & 0x00ffffffUL;
  IP6_ADDR(a, 0xff020000UL, 0, 1, 0xff000000UL | low);
}

bool ip6_addr_prefix_eq(const ip6_addr_t *a, const ip6_addr_t *b, u8_t prefix_len)
{
  /* Whole words compared as they are, then the last one under a mask:
   * this runs for every packet sent (route and next-hop checks), so it
   * does not count bits. */
  unsigned bits = prefix_len > 128 ? 128U : prefix_len;
  int i = 0;
  for (; bits >= 32U; bits -= 32U, i++) {
    if (a->addr[i] != b->addr[i]) {
      return false;
    }
  }
  if (bits == 0) {
    return true;
  }
  u32_t mask = lwip_htonl(0xffffffffUL << (32U - bits));
  return ((a->addr[i] ^ b->addr[i]) & mask) == 0;
}

u8_t ip6_addr_common_prefix_len(const ip6_addr_t *a, const ip6_addr_t *b)
{
  u8_t len = 0;
  for (int i = 0; i < 4; i++) {
    u32_t x = lwip_ntohl(a->addr[i] ^ b->addr[i]);
    if (x == 0) {
      len = (u8_t)(len + 32);
      continue;
    }
    while ((x & 0x80000000UL) == 0) {
      x <<= 1;
      len++;
    }
    break;
  }
  return len;
}

bool ip6addr_cidr_aton(const char *s, ip6_addr_t *addr, u8_t *prefix, bool prefix_required)
{
  char text[IP6ADDR_STRLEN_MAX];
  if (s == NULL) {
    return false;
  }
  const char *slash = strchr(s, '/');
  size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
  if (alen == 0 || alen >= sizeof(text)) {
    return false;
  }
  memcpy(text, s, alen);
  text[alen] = '\0';
  ip6_addr_t a;
  if (!ip6addr_aton(text, &a)) {
    return false;
  }
  unsigned len = 0;
  if (slash != NULL) {
    const char *d = slash + 1;
    /* One to three digits, no sign, no leading zero, 0..128. */
    if (d[0] < '0' || d[0] > '9' || (d[0] == '0' && d[1] != '\0')) {
      return false;
    }
    int n = 0;
    for (; d[n] != '\0'; n++) {
      if (d[n] < '0' || d[n] > '9' || n == 3) {
        return false;
      }
      len = len * 10U + (unsigned)(d[n] - '0');
    }
    if (len > 128U) {
      return false;
    }
  } else if (prefix_required) {
    return false;
  }
  if (addr != NULL) {
    *addr = a;
  }
  if (slash != NULL && prefix != NULL) {
    *prefix = (u8_t)len;
  }
  return true;
}

char *ip6addr_ntoa(const ip6_addr_t *addr)
{
  static char buf[IP6ADDR_STRLEN_MAX];
  return ip6addr_ntoa_r(addr, buf, sizeof(buf));
}

/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed PRF, short inputs
 * cheap.  Little-endian word loads as the algorithm defines them. */
static u64_t rotl64(u64_t x, int b)
{
  return (x << b) | (x >> (64 - b));
}

static u64_t load_le64(const u8_t *p, size_t n)
{
  u64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    v |= (u64_t)p[i] << (8 * i);
  }
  return v;
}

#define SIPROUND(v0, v1, v2, v3)                                                                                       \
  do {                                                                                                                 \
    v0 += v1;                                                                                                          \
    v1 = rotl64(v1, 13);                                                                                               \
    v1 ^= v0;                                                                                                          \
    v0 = rotl64(v0, 32);                                                                                               \
    v2 += v3;                                                                                                          \
    v3 = rotl64(v3, 16);                                                                                               \
    v3 ^= v2;                                                                                                          \
    v0 += v3;                                                                                                          \
    v3 = rotl64(v3, 21);                                                                                               \
    v3 ^= v0;                                                                                                          \
    v2 += v1;                                                                                                          \
    v1 = rotl64(v1, 17);                                                                                               \
    v1 ^= v2;                                                                                                          \
    v2 = rotl64(v2, 32);                                                                                               \
  } while (0)

u64_t lwip_siphash24(const u8_t key[16], const void *data, size_t len)
{
  const u8_t *in = (const u8_t *)data;
  u64_t k0 = load_le64(key, 8), k1 = load_le64(key + 8, 8);
  u64_t v0 = k0 ^ 0x736f6d6570736575ULL;
  u64_t v1 = k1 ^ 0x646f72616e646f6dULL;
  u64_t v2 = k0 ^ 0x6c7967656e657261ULL;
  u64_t v3 = k1 ^ 0x7465646279746573ULL;
  size_t full = len & ~(size_t)7;
  for (size_t i = 0; i < full; i += 8) {
    u64_t m = load_le64(in + i, 8);
    v3 ^= m;
    SIPROUND(v0, v1, v2, v3);
    SIPROUND(v0, v1, v2, v3);
    v0 ^= m;
  }
  u64_t b = ((u64_t)len << 56) | load_le64(in + full, len - full);
  v3 ^= b;
  SIPROUND(v0, v1, v2, v3);
  SIPROUND(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xff;
  for (int i = 0; i < 4; i++) {
    SIPROUND(v0, v1, v2, v3);
  }
  return v0 ^ v1 ^ v2 ^ v3;
}
