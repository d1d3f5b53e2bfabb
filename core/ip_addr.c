/**
 * @file ip_addr.c
 * Address helpers: IPv4 broadcast/netmask tests, text conversion for both
 * families, and the dual-stack comparisons.
 */
#include "lwip/ip_addr.h"
#include "lwip/netif.h"

#include <string.h>

const ip_addr_t ip_addr_any = IPADDR4_INIT_U32(IPADDR_ANY);
const ip_addr_t ip_addr_broadcast = IPADDR4_INIT_U32(IPADDR_BROADCAST);
const ip_addr_t ip_addr_any_type = IPADDR_ANY_TYPE_INIT;

/* ------------------------------------------------------------------ */
/* IPv4                                                                */
/* ------------------------------------------------------------------ */

bool ip4_addr_isbroadcast(const ip4_addr_t *addr, const struct netif *netif)
{
  u32_t a = addr->addr;
  /* RFC 1122 3.2.1.3: all ones and all zeros are (old-style) broadcast. */
  if (a == IPADDR_BROADCAST || a == IPADDR_ANY) {
    return true;
  }
  if (netif == NULL || (netif->flags & NETIF_FLAG_BROADCAST) == 0) {
    return false;
  }
  u32_t ours = ip_2_ip4(&netif->ip_addr)->addr;
  u32_t mask = ip_2_ip4(&netif->netmask)->addr;
  if (a == ours) {
    return false;
  }
  /* Directed broadcast of the netif's subnet: host part all ones.  A /31
   * or /32 has no broadcast address (RFC 3021); the /32's only address is
   * ours, refused above, so only the /31 needs a test of its own. */
  if (mask == PP_HTONL(0xfffffffeUL)) {
    return false;
  }
  return (a & mask) == (ours & mask) && (a | mask) == IPADDR_BROADCAST;
}

bool ip4_addr_netmask_valid(u32_t netmask)
{
  u32_t host = lwip_ntohl(netmask);
  u32_t inv = ~host;
  /* Contiguous ones then zeros: the complement is 2^k - 1. */
  return (inv & (inv + 1)) == 0;
}

u8_t ip4_addr_netmask_prefix(const ip4_addr_t *netmask)
{
  u32_t m = lwip_ntohl(netmask->addr);
  u8_t n = 0;
  while (m & 0x80000000UL) {
    n++;
    m <<= 1;
  }
  return n;
}

void ip4_addr_netmask_from_prefix(ip4_addr_t *netmask, u8_t prefix)
{
  /* The host bits are all ones shifted right by the prefix: a 64-bit
   * shift, as 32 (the /0) is no valid shift of a 32-bit value. */
  u32_t m = ~(u32_t)(0xffffffffULL >> LWIP_MIN(prefix, 32));
  netmask->addr = lwip_htonl(m);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Scan @p parts dot-separated decimal parts at @p cp (each 0..255, at
 * most three digits): four for a dotted quad, one for a CIDR prefix.
 * With @p strict a part may not start with 0 unless it is 0: "010" reads
 * as 8 to inet_aton() and as 10 to others, so strict text refuses it.
 * The parts go to @p val as the bytes of an address in network order, as
 * ip4_addr_t holds it (a single part in the last byte).  @return where the
 * text after them starts, or NULL (bad or no text; @p val untouched). */
static const char *scan_ip4(const char *cp, bool strict, int parts, u32_t *val)
{
  u32_t acc = 0;
  if (cp == NULL) {
    return NULL;
  }
  for (;;) {
    u32_t v = 0;
    int digits = 0;
    if (strict && cp[0] == '0' && is_digit(cp[1])) {
      return NULL;
    }
    while (is_digit(*cp)) {
      v = v * 10 + (u32_t)(*cp - '0');
      if (++digits > 3 || v > 255) {
        return NULL;
      }
      cp++;
    }
    if (digits == 0) {
      return NULL;
    }
    acc = (acc << 8) | v;
    if (--parts == 0) {
      break;
    }
    if (*cp != '.') {
      return NULL;
    }
    cp++;
  }
  *val = lwip_htonl(acc);
  return cp;
}

int ip4addr_aton(const char *cp, ip4_addr_t *addr)
{
  u32_t val;
  if ((cp = scan_ip4(cp, false, 4, &val)) == NULL || *cp != '\0') {
    return 0;
  }
  if (addr != NULL) {
    addr->addr = val;
  }
  return 1;
}

bool ip4addr_cidr_aton(const char *s, ip4_addr_t *addr, u8_t *prefix, bool prefix_required)
{
  u32_t val;
  if ((s = scan_ip4(s, true, 4, &val)) == NULL) {
    return false;
  }
  bool given = (*s == '/');
  u32_t len = 0;
  if (given) {
    /* Digits only (no sign), no leading zero, 0..32: one strict part. */
    s = scan_ip4(s + 1, true, 1, &len);
    len = lwip_ntohl(len);
    if (s == NULL || len > 32U) {
      return false;
    }
  } else if (prefix_required) {
    return false;
  }
  if (*s != '\0') {
    return false;
  }
  if (addr != NULL) {
    addr->addr = val;
  }
  if (given && prefix != NULL) {
    *prefix = (u8_t)len;
  }
  return true;
}

u32_t ipaddr_addr(const char *cp)
{
  ip4_addr_t a;
  return ip4addr_aton(cp, &a) ? a.addr : IPADDR_NONE;
}

/* Write the decimal form of @p v (0..65535) at @p out; returns the end. */
char *lwip_put_dec(char *out, unsigned v)
{
  /* Step past as many places as it has digits, then write them from the
   * last one back: no buffer to reverse. */
  unsigned t = v;
  do {
    out++;
    t /= 10;
  } while (t != 0);
  char *d = out;
  do {
    *--d = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return out;
}

char *ip4addr_ntoa_r(const ip4_addr_t *addr, char *buf, int buflen)
{
  if (addr == NULL || buf == NULL || buflen < IP4ADDR_STRLEN_MAX) {
    return NULL;
  }
  /* The address is in network order: its bytes are the parts in order. */
  const u8_t *part = (const u8_t *)&addr->addr;
  char *out = buf;
  for (int i = 0; i < 4; i++) {
    out = lwip_put_dec(out, part[i]);
    *out++ = i < 3 ? '.' : '\0';
  }
  return buf;
}

char *ip4addr_ntoa(const ip4_addr_t *addr)
{
  static char buf[IP4ADDR_STRLEN_MAX];
  return ip4addr_ntoa_r(addr, buf, sizeof(buf));
}

/* ------------------------------------------------------------------ */
/* IPv6 text (RFC 4291 2.2, canonical output per RFC 5952 4)           */
/* ------------------------------------------------------------------ */

/* The parser and the formatter only where an ip_addr_t can hold IPv6
 * (LWIP_IPADDR_V6, see ip_addr.h): elsewhere ipaddr_aton() takes IPv6
 * text for the bad IPv4 text it is, and no IPv6 address is ever shown. */
#if LWIP_IPADDR_V6

static int hex_val(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parse up to 8 groups of hex (and an optional trailing dotted quad) from
 * @p cp into @p words, stopping at "::" or the end.  Returns the number of
 * 16-bit words written, or -1 on bad text; *end is where it stopped. */
static int parse_groups(const char *cp, u16_t *words, int max, const char **end, bool allow_v4)
{
  int n = 0;
  while (*cp != '\0' && n < max) {
    if (cp[0] == ':' && cp[1] == ':') {
      break;
    }
    if (allow_v4 && n <= max - 2) {
      /* A trailing IPv4 part: digits then '.' before the next ':'. */
      const char *q = cp;
      while (is_digit(*q)) q++;
      if (*q == '.') {
        ip4_addr_t a;
        if (!ip4addr_aton(cp, &a)) {
          return -1;
        }
        u32_t h = lwip_ntohl(a.addr);
        words[n++] = (u16_t)(h >> 16);
        words[n++] = (u16_t)h;
        cp += strlen(cp);
        break;
      }
    }
    unsigned v = 0;
    int digits = 0;
    int d;
    while ((d = hex_val(*cp)) >= 0) {
      v = (v << 4) | (unsigned)d;
      if (++digits > 4) {
        return -1;
      }
      cp++;
    }
    if (digits == 0) {
      return -1;
    }
    words[n++] = (u16_t)v;
    if (*cp == ':' && cp[1] != ':') {
      cp++;
      if (*cp == '\0') {
        return -1; /* trailing single colon */
      }
    } else if (*cp != '\0' && *cp != ':') {
      return -1;
    }
  }
  *end = cp;
  return n;
}

int ip6addr_aton(const char *cp, ip6_addr_t *addr)
{
  u16_t head[8], tail[8], words[8] = {0};
  const char *end;
  if (cp == NULL) {
    return 0;
  }
  int nh = parse_groups(cp, head, 8, &end, true);
  if (nh < 0) {
    return 0;
  }
  int nt = 0;
  bool compressed = false;
  if (end[0] == ':' && end[1] == ':') {
    compressed = true;
    end += 2;
    if (*end != '\0') {
      nt = parse_groups(end, tail, 8 - nh, &end, true);
      if (nt < 0 || (end[0] == ':' && end[1] == ':')) {
        return 0; /* two "::" */
      }
    }
  }
  if (*end != '\0') {
    return 0;
  }
  if (compressed ? (nh + nt > 7) : (nh != 8)) {
    return 0;
  }
  memcpy(words, head, (size_t)nh * sizeof(u16_t));
  memcpy(words + 8 - nt, tail, (size_t)nt * sizeof(u16_t));
  if (addr != NULL) {
    for (int i = 0; i < 4; i++) {
      addr->addr[i] = lwip_htonl(((u32_t)words[2 * i] << 16) | words[2 * i + 1]);
    }
    addr->zone = 0;
  }
  return 1;
}

char *ip6addr_ntoa_r(const ip6_addr_t *addr, char *buf, int buflen)
{
  u16_t w[8];
  if (addr == NULL || buf == NULL || buflen < IP6ADDR_STRLEN_MAX) {
    return NULL;
  }
  for (int i = 0; i < 4; i++) {
    u32_t h = lwip_ntohl(addr->addr[i]);
    w[2 * i] = (u16_t)(h >> 16);
    w[2 * i + 1] = (u16_t)h;
  }
  /* RFC 5952 4.2: compress the longest run of two or more zero words (the
   * first one on a tie). */
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && w[j] == 0) j++;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = (j == i) ? i + 1 : j;
  }
  static const char hex[] = "0123456789abcdef";
  char *out = buf;
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      *out++ = ':';
      if (i == 0) *out++ = ':';
      i += best_len - 1;
      continue;
    }
    bool lead = true;
    for (int s = 12; s >= 0; s -= 4) {
      unsigned d = (w[i] >> s) & 0xfU;
      if (d == 0 && lead && s != 0) continue;
      lead = false;
      *out++ = hex[d];
    }
    if (i != 7) *out++ = ':';
  }
  *out = '\0';
  return buf;
}
#endif /* LWIP_IPADDR_V6 */

/* ------------------------------------------------------------------ */
/* Dual stack                                                          */
/* ------------------------------------------------------------------ */

bool ip_addr_eq(const ip_addr_t *a, const ip_addr_t *b)
{
  if (a->type != b->type) {
    return false;
  }
#if LWIP_IPADDR_V6
  if (a->type == IPADDR_TYPE_V6) {
    return memcmp(a->u_addr.ip6.addr, b->u_addr.ip6.addr, 16) == 0 &&
           a->u_addr.ip6.zone == b->u_addr.ip6.zone;
  }
#endif
  return a->u_addr.ip4.addr == b->u_addr.ip4.addr;
}

bool ip_addr_isany(const ip_addr_t *a)
{
  if (a == NULL) {
    return true;
  }
#if LWIP_IPADDR_V6
  if (a->type == IPADDR_TYPE_V6) {
    const u32_t *w = a->u_addr.ip6.addr;
    return (w[0] | w[1] | w[2] | w[3]) == 0;
  }
#endif
  return a->u_addr.ip4.addr == IPADDR_ANY;
}

bool ip_addr_ismulticast(const ip_addr_t *a)
{
#if LWIP_IPADDR_V6
  if (a->type == IPADDR_TYPE_V6) {
    return (lwip_ntohl(a->u_addr.ip6.addr[0]) >> 24) == 0xffU;
  }
#endif
  return ip4_addr_ismulticast(&a->u_addr.ip4);
}

int ipaddr_aton(const char *cp, ip_addr_t *addr)
{
  ip_addr_t tmp;
  memset(&tmp, 0, sizeof(tmp));
#if LWIP_IPADDR_V6
  if (cp != NULL && strchr(cp, ':') != NULL) {
    if (!ip6addr_aton(cp, &tmp.u_addr.ip6)) {
      return 0;
    }
    tmp.type = IPADDR_TYPE_V6;
  } else
#endif
  {
    if (!ip4addr_aton(cp, &tmp.u_addr.ip4)) { /* also refuses NULL */
      return 0;
    }
    tmp.type = IPADDR_TYPE_V4;
  }
  if (addr != NULL) {
    *addr = tmp;
  }
  return 1;
}

char *ipaddr_ntoa_r(const ip_addr_t *addr, char *buf, int buflen)
{
  if (addr == NULL) {
    return NULL;
  }
#if LWIP_IPADDR_V6
  if (addr->type == IPADDR_TYPE_V6) {
    return ip6addr_ntoa_r(&addr->u_addr.ip6, buf, buflen);
  }
#endif
  return ip4addr_ntoa_r(&addr->u_addr.ip4, buf, buflen);
}

char *ipaddr_ntoa(const ip_addr_t *addr)
{
  static char buf[IPADDR_STRLEN_MAX];
  return ipaddr_ntoa_r(addr, buf, sizeof(buf));
}
