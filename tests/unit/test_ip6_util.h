/*
 * IPv6 packet builders and checkers for the IPv6 suites (test_ip6.c,
 * test_nd6.c), written independently of the code under test: addresses
 * through inet_pton, checksums through test_cksum.  The fixture is an
 * Ethernet test netif with a link-local address (modified EUI-64 of
 * test_mac: fe80::ff:fe00:1) and 2001:db8::10/64, both past DAD.
 */
#ifndef TEST_IP6_UTIL_H
#define TEST_IP6_UTIL_H

#include "test_common.h"

#include <arpa/inet.h>

#include "lwip/ip6.h"
#include "lwip/icmp6.h"
#include "lwip/nd6.h"
#include "lwip/prot/wire.h"

#define OUR_LL "fe80::ff:fe00:1"
#define OUR_GUA "2001:db8::10"
#define PEER_LL "fe80::aa"
#define PEER_GUA "2001:db8::2"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#define PROTO(p) (lwip_stats.proto[LWIP_PROTO_##p])
#endif

static inline void a6(const char *text, u8_t out[16])
{
  assert_int_equal(inet_pton(AF_INET6, text, out), 1);
}

static inline ip6_addr_t ip6(const char *text)
{
  ip6_addr_t a;
  memset(&a, 0, sizeof(a));
  a6(text, (u8_t *)a.addr);
  return a;
}

/* Checksum of an upper-layer message with the IPv6 pseudo header. */
static inline u16_t cksum6(const u8_t src[16], const u8_t dst[16], u8_t nexth, const u8_t *msg, size_t len)
{
  static u8_t buf[2200];
  assert_true(len + 40 <= sizeof(buf));
  memcpy(buf, src, 16);
  memcpy(buf + 16, dst, 16);
  put_be32(buf + 32, (u32_t)len);
  buf[36] = buf[37] = buf[38] = 0;
  buf[39] = nexth;
  memcpy(buf + 40, msg, len);
  return test_cksum(buf, 40 + len, 0);
}

/* Ethernet + IPv6 header (+ @p plen bytes of @p payload, already complete)
 * into @p f.  @return the frame length. */
static inline size_t mk6(u8_t *f, const u8_t dmac[6], const char *src, const char *dst, u8_t nexth, u8_t hl,
                         const u8_t *payload, size_t plen)
{
  test_eth_hdr(f, dmac, peer_mac, 0x86dd);
  u8_t *h = f + 14;
  put_be32(h, 0x60000000UL);
  put_be16(h + 4, (u16_t)plen);
  h[6] = nexth;
  h[7] = hl;
  a6(src, h + 8);
  a6(dst, h + 24);
  memcpy(h + 40, payload, plen);
  return 14 + 40 + plen;
}

/* An ICMPv6 message (type, code, 4-byte field, body) with its checksum. */
static inline size_t mk_icmp6(u8_t *m, const char *src, const char *dst, u8_t type, u8_t code, u32_t field,
                              const u8_t *body, size_t blen)
{
  u8_t s[16], d[16];
  a6(src, s);
  a6(dst, d);
  m[0] = type;
  m[1] = code;
  m[2] = m[3] = 0;
  put_be32(m + 4, field);
  memcpy(m + 8, body, blen);
  put_be16(m + 2, cksum6(s, d, 58, m, 8 + blen));
  return 8 + blen;
}

/* The MAC of an IPv6 multicast group (RFC 2464 7). */
static inline void mcast_mac(const char *group, u8_t mac[6])
{
  u8_t g[16];
  a6(group, g);
  mac[0] = mac[1] = 0x33;
  memcpy(mac + 2, g + 12, 4);
}

/* Receive an ICMPv6 message from @p src to @p dst (hop limit @p hl). */
static inline void rx_icmp6(struct test_netif *t, const u8_t dmac[6], const char *src, const char *dst, u8_t hl,
                            u8_t type, u8_t code, u32_t field, const u8_t *body, size_t blen)
{
  u8_t m[1600], f[1700];
  size_t ml = mk_icmp6(m, src, dst, type, code, field, body, blen);
  size_t fl = mk6(f, dmac, src, dst, 58, hl, m, ml);
  test_rx(t, f, fl);
}

/* A sent frame, parsed. */
struct sent6 {
  u8_t frame[1700];
  int len;
  u8_t *ip;  /* IPv6 header */
  u8_t *msg; /* after the IPv6 header */
  int mlen;
};

/* Pop the oldest captured frame that is not ARP (gratuitous ARP belongs to
 * the ARP tests); check it is IPv6 from our MAC with a consistent payload
 * length, and a valid ICMPv6 checksum when it is one. */
static inline bool pop6(struct test_netif *t, struct sent6 *s)
{
  do {
    s->len = test_frame_pop_bytes(t, s->frame, sizeof(s->frame));
    if (s->len < 0) {
      return false;
    }
  } while (s->len >= 14 && get_be16(s->frame + 12) == 0x0806);
  assert_true(s->len >= 14 + 40);
  assert_memory_equal(s->frame + 6, test_mac, 6);
  assert_int_equal(get_be16(s->frame + 12), 0x86dd);
  s->ip = s->frame + 14;
  s->msg = s->ip + 40;
  assert_int_equal(s->ip[0] >> 4, 6);
  s->mlen = (int)get_be16(s->ip + 4);
  assert_int_equal(s->mlen + 54, s->len);
  if (s->ip[6] == 58) {
    assert_int_equal(cksum6(s->ip + 8, s->ip + 24, 58, s->msg, (size_t)s->mlen), 0);
  }
  return true;
}

static inline void assert_addr6(const u8_t *field, const char *text)
{
  u8_t a[16];
  a6(text, a);
  assert_memory_equal(field, a, 16);
}

/* The netif with its two addresses past DAD; captured frames cleared. */
static inline struct netif *ip6_fixture(struct test_netif *t)
{
  struct netif *n = test_netif_add(t, "192.168.1.10", "255.255.255.0", NULL, test_mac);
  assert_int_equal(netif_create_ip6_linklocal_address(n, 1), ERR_OK);
  ip6_addr_t g = ip6(OUR_GUA);
  s8_t idx = -1;
  assert_int_equal(netif_add_ip6_address_prefix(n, &g, 64, &idx), ERR_OK);
  assert_int_equal(idx, 1);
  test_clock_advance(2100);
  assert_int_equal(netif_ip6_addr_state(n, 0), IP6_ADDR_PREFERRED);
  assert_int_equal(netif_ip6_addr_state(n, 1), IP6_ADDR_PREFERRED);
  test_clock_advance(20000); /* the router solicitations are over */
  test_frames_clear(t);
  return n;
}

/* The peer solicits us with its MAC, so its entry exists (STALE); our
 * advertisement is discarded. */
static inline void learn_peer(struct test_netif *t, const char *peer, const char *ours)
{
  u8_t body[16 + 8];
  a6(ours, body);
  body[16] = 1;
  body[17] = 1;
  memcpy(body + 18, peer_mac, 6);
  rx_icmp6(t, test_mac, peer, ours, 255, 135, 0, 0, body, sizeof(body));
  test_frames_clear(t);
}

#endif
