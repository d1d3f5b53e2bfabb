/* Unit tests for core/ipv6/ip6.c and icmp6.c: echo replies byte for byte,
 * fixed-header validation, the extension-header chain (options and their
 * action bits, routing type 0, fragments, limits), Parameter Problem
 * pointers, when an error may not be sent (RFC 4443 2.4(e)), the rate
 * limit, Packet Too Big and the path-MTU floor, source address selection
 * (RFC 6724), interface identifiers, and allocation failures. */
#include "test_ip6_util.h"

#include "lwip/ip6_addr.h"
#include "lwip/ip6_frag.h"
#include "lwip/priv/nd6_priv.h"

static struct test_netif tn;
static struct netif *nif;

static void fixture(void)
{
  nif = ip6_fixture(&tn);
  learn_peer(&tn, PEER_GUA, OUR_GUA);
  learn_peer(&tn, PEER_LL, OUR_LL);
}

static size_t echo_body(u8_t *b, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    b[i] = (u8_t)(0x40 + i);
  }
  return n;
}

/* Receive an IPv6 packet whose payload (extension headers + ICMPv6 echo
 * request with checksum) is built by the caller with first next header
 * @p nexth. */
static void rx_raw6(const u8_t dmac[6], const char *src, const char *dst, u8_t nexth, const u8_t *pl, size_t plen)
{
  u8_t f[1700];
  size_t fl = mk6(f, dmac, src, dst, nexth, 64, pl, plen);
  test_rx(&tn, f, fl);
}

/* Extension header(s) in @p ext (@p elen bytes, the last one's next header
 * must be 58) followed by an echo request from PEER_GUA to @p dst. */
static size_t ext_then_echo(u8_t *pl, const u8_t *ext, size_t elen, const char *dst)
{
  u8_t body[8];
  memcpy(pl, ext, elen);
  size_t ml = mk_icmp6(pl + elen, PEER_GUA, dst, 128, 0, 0x12340001UL, body, echo_body(body, sizeof(body)));
  return elen + ml;
}

/* Pop one Parameter Problem sent to the peer: code and pointer checked. */
static void expect_pp(u8_t code, u32_t pointer)
{
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_memory_equal(s.frame, peer_mac, 6);
  assert_addr6(s.ip + 24, PEER_GUA);
  assert_int_equal(s.msg[0], 4);
  assert_int_equal(s.msg[1], code);
  assert_int_equal(get_be32(s.msg + 4), pointer);
}

static void expect_echo_reply(const char *from, const char *to)
{
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_memory_equal(s.frame, peer_mac, 6);
  assert_addr6(s.ip + 8, from);
  assert_addr6(s.ip + 24, to);
  assert_int_equal(s.ip[6], 58);
  assert_int_equal(s.ip[7], 64);
  assert_int_equal(s.msg[0], 129);
  assert_int_equal(get_be32(s.msg + 4), 0x12340001UL);
}

/* ------------------------------------------------------------------ */

static void test_ip6_echo_reply_exact(void **state)
{
  (void)state;
  fixture();
  u8_t body[100];
  size_t bl = echo_body(body, sizeof(body));
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 128, 0, 0xbeef0102UL, body, bl);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  u8_t expect[200];
  size_t el = mk_icmp6(expect, OUR_GUA, PEER_GUA, 129, 0, 0xbeef0102UL, body, bl);
  assert_int_equal(s.mlen, (int)el);
  assert_memory_equal(s.msg, expect, el);
  assert_addr6(s.ip + 8, OUR_GUA);
  assert_addr6(s.ip + 24, PEER_GUA);
  assert_false(pop6(&tn, &s));

  /* link-local, odd length, empty */
  rx_icmp6(&tn, test_mac, PEER_LL, OUR_LL, 64, 128, 0, 0x12340001UL, body, 3);
  expect_echo_reply(OUR_LL, PEER_LL);
  rx_icmp6(&tn, test_mac, PEER_LL, OUR_LL, 64, 128, 0, 0x12340001UL, body, 0);
  expect_echo_reply(OUR_LL, PEER_LL);
  /* to all-nodes: answered from a selected (link-local) address */
  u8_t mm[6];
  mcast_mac("ff02::1", mm);
  rx_icmp6(&tn, mm, PEER_LL, "ff02::1", 64, 128, 0, 0x12340001UL, body, 4);
  expect_echo_reply(OUR_LL, PEER_LL);
#if LWIP_STATS
  assert_int_equal(PROTO(ICMP6).xmit, 4);
#endif
}

/* Echo replies go to the hook (icmp6_set_echo_reply_hook) with the
 * sender in rx and the message at the ICMPv6 header; without a hook they
 * are counted as ICMP6_UNHANDLED. */
static int replies_seen;
static u16_t reply_seq;
static bool reply_from_peer;
static void on_reply(const struct pbuf *p, const struct ip6_rx *rx, void *arg)
{
  assert_ptr_equal(arg, &replies_seen);
  replies_seen++;
  reply_seq = (u16_t)((pbuf_get_at(p, 6) << 8) | pbuf_get_at(p, 7));
  ip6_addr_t peer = ip6(PEER_GUA);
  reply_from_peer = ip6_addr_eq_nozone(ip_2_ip6(&rx->ip.src), &peer) && p->tot_len == 8U + 20U;
}

static void test_ip6_echo_reply_hook(void **state)
{
  (void)state;
  fixture();
  u8_t body[20];
  size_t bl = echo_body(body, sizeof(body));
  u32_t unhandled = DROPS(ICMP6_UNHANDLED);
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 129, 0, 0x00070009UL, body, bl);
  CHECK_DROPS(assert_int_equal(DROPS(ICMP6_UNHANDLED), unhandled + 1));
  icmp6_set_echo_reply_hook(on_reply, &replies_seen);
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 129, 0, 0x0007000aUL, body, bl);
  assert_int_equal(replies_seen, 1);
  assert_int_equal(reply_seq, 10);
  assert_true(reply_from_peer);
  CHECK_DROPS(assert_int_equal(DROPS(ICMP6_UNHANDLED), unhandled + 1));
  struct sent6 s;
  assert_false(pop6(&tn, &s)); /* a reply is never answered */
  icmp6_set_echo_reply_hook(NULL, NULL);
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 129, 0, 0x0007000bUL, body, bl);
  assert_int_equal(replies_seen, 1);
}

static void test_ip6_echo_chained_input(void **state)
{
  (void)state;
  fixture();
  u8_t m[600], f[700], body[500];
  size_t ml = mk_icmp6(m, PEER_GUA, OUR_GUA, 128, 0, 0x12340001UL, body, echo_body(body, sizeof(body)));
  size_t fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 58, 64, m, ml);
  /* split inside the IPv6 header and through the message */
  test_rx_chunked(&tn, f, fl, 23);
  expect_echo_reply(OUR_GUA, PEER_GUA);
  /* trailing link-layer padding is trimmed */
  u8_t small[8];
  ml = mk_icmp6(m, PEER_GUA, OUR_GUA, 128, 0, 0x12340001UL, small, 0);
  fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 58, 64, m, ml);
  memset(f + fl, 0xee, 10);
  test_rx(&tn, f, fl + 10);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_int_equal(s.mlen, 8);
}

static void test_ip6_bad_headers(void **state)
{
  (void)state;
  fixture();
  u8_t m[64], f[200];
  u8_t body[4] = {1, 2, 3, 4};
  size_t ml = mk_icmp6(m, PEER_GUA, OUR_GUA, 128, 0, 0x12340001UL, body, sizeof(body));
  size_t fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 58, 64, m, ml);

  test_rx(&tn, f, 14 + 39); /* shorter than the fixed header */
  u8_t b[200];
  memcpy(b, f, fl);
  b[14] = 0x40; /* version 4 in an IPv6 EtherType */
  test_rx(&tn, b, fl);
  memcpy(b, f, fl);
  put_be16(b + 14 + 4, (u16_t)(ml + 1)); /* payload beyond the frame */
  test_rx(&tn, b, fl);
  memcpy(b, f, fl);
  put_be16(b + 14 + 4, 0); /* a jumbogram announcement */
  test_rx(&tn, b, fl);
  /* multicast and loopback sources, bad destinations */
  fl = mk6(b, test_mac, "ff02::1", OUR_GUA, 58, 64, m, ml);
  test_rx(&tn, b, fl);
  fl = mk6(b, test_mac, "::1", OUR_GUA, 58, 64, m, ml);
  test_rx(&tn, b, fl);
  fl = mk6(b, test_mac, PEER_GUA, "::1", 58, 64, m, ml);
  test_rx(&tn, b, fl);
  fl = mk6(b, test_mac, PEER_GUA, "ff01::1", 58, 64, m, ml);
  test_rx(&tn, b, fl);
  fl = mk6(b, test_mac, PEER_GUA, "2001:db8::99", 58, 64, m, ml);
  test_rx(&tn, b, fl);
  fl = mk6(b, test_mac, PEER_GUA, "ff02::1234", 58, 64, m, ml);
  test_rx(&tn, b, fl);
  /* a bad checksum */
  m[2] ^= 0x55;
  fl = mk6(b, test_mac, PEER_GUA, OUR_GUA, 58, 64, m, ml);
  test_rx(&tn, b, fl);
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_SHORT), 1);
  assert_int_equal(DROPS(IP6_BAD_VERSION), 1);
  assert_int_equal(DROPS(IP6_BAD_PLEN), 2);
  assert_int_equal(DROPS(IP6_BAD_SRC), 2);
  assert_int_equal(DROPS(IP6_BAD_DEST), 2);
  assert_int_equal(DROPS(IP6_NOT_FOR_US), 1);
  assert_int_equal(DROPS(IP6_NOT_JOINED), 1); /* ff02::1234: not joined (mld6.c) */
  assert_int_equal(DROPS(ICMP6_BAD_CHKSUM), 1);
#endif
}

/* RFC 8200 4.2: the two high bits of an unknown option type. */
static void test_ip6_unknown_option_actions(void **state)
{
  (void)state;
  fixture();
  u8_t ext[8] = {58, 0, 0, 2, 0, 0, 1, 0}; /* HBH: option (type set below), len 2, then PadN len 0 */
  u8_t pl[100];
  static const u8_t types[4] = {0x1e, 0x5e, 0x9e, 0xde};
  for (int i = 0; i < 4; i++) {
    ext[2] = types[i];
    size_t n = ext_then_echo(pl, ext, sizeof(ext), OUR_GUA);
    rx_raw6(test_mac, PEER_GUA, OUR_GUA, 0, pl, n);
  }
  expect_echo_reply(OUR_GUA, PEER_GUA); /* 00: skipped */
  expect_pp(2, 42);                     /* 10: Parameter Problem pointing at the type */
  expect_pp(2, 42);                     /* 11: the same to a unicast destination */
  assert_int_equal(tn.nframes, 0);

  /* to a multicast destination: 10 is still answered, 11 is not */
  u8_t mm[6];
  mcast_mac("ff02::1", mm);
  for (int i = 2; i < 4; i++) {
    ext[2] = types[i];
    u8_t body[8];
    memcpy(pl, ext, sizeof(ext));
    size_t ml = mk_icmp6(pl + 8, PEER_GUA, "ff02::1", 128, 0, 1, body, echo_body(body, 8));
    rx_raw6(mm, PEER_GUA, "ff02::1", 0, pl, 8 + ml);
  }
  expect_pp(2, 42);
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_OPT_DISCARD), 5);
#endif

  /* a known option: Router Alert with its 2 bytes is accepted */
  u8_t ra[8] = {58, 0, 5, 2, 0, 0, 1, 0};
  size_t n = ext_then_echo(pl, ra, sizeof(ra), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 0, pl, n);
  expect_echo_reply(OUR_GUA, PEER_GUA);
  /* an option running past its header */
  u8_t bad[8] = {58, 0, 0x1e, 9, 0, 0, 0, 0};
  n = ext_then_echo(pl, bad, sizeof(bad), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 0, pl, n);
  expect_pp(0, 43);
  /* 8 bytes of padding in a row (more than RFC 8504 needs) */
  u8_t pad[16] = {58, 1, 1, 6, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0};
  n = ext_then_echo(pl, pad, sizeof(pad), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 0, pl, n);
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_BAD_OPTION), 1);
  assert_int_equal(DROPS(IP6_TOO_MANY_OPTS), 1);
#endif
}

static void test_ip6_routing_header(void **state)
{
  (void)state;
  fixture();
  u8_t rh[24] = {58, 2, 0, 1}; /* type 0, one segment left, one address */
  u8_t pl[100];
  size_t n = ext_then_echo(pl, rh, sizeof(rh), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 43, pl, n);
  expect_pp(0, 42); /* RFC 5095: pointing at the routing type */
  rh[3] = 0;        /* no segments left: ignored */
  n = ext_then_echo(pl, rh, sizeof(rh), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 43, pl, n);
  expect_echo_reply(OUR_GUA, PEER_GUA);
  /* a routing header running past the packet */
  rh[1] = 200;
  n = ext_then_echo(pl, rh, sizeof(rh), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 43, pl, n);
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_ROUTING_HDR), 1);
  assert_int_equal(DROPS(IP6_BAD_EXT_HDR), 1);
#endif
}

static void test_ip6_chain_limits(void **state)
{
  (void)state;
  fixture();
  u8_t ext[8 * 20], pl[300];
  /* 20 Destination Options headers: more than IP6_EXT_HDRS_MAX */
  for (int i = 0; i < 20; i++) {
    u8_t *h = ext + 8 * i;
    memset(h, 0, 8);
    h[0] = i == 19 ? 58 : 60;
    h[2] = 1; /* PadN of 4 */
    h[3] = 4;
  }
  size_t n = ext_then_echo(pl, ext, sizeof(ext), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 60, pl, n);
  assert_int_equal(tn.nframes, 0);
  /* IP6_EXT_HDRS_MAX of them pass */
  n = ext_then_echo(pl, ext + 8 * (20 - IP6_EXT_HDRS_MAX), 8 * IP6_EXT_HDRS_MAX, OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 60, pl, n);
  expect_echo_reply(OUR_GUA, PEER_GUA);
  /* Hop-by-Hop after a Destination Options header */
  u8_t two[16] = {0, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4, 0, 0, 0, 0};
  n = ext_then_echo(pl, two, sizeof(two), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 60, pl, n);
  expect_pp(1, 40);
  /* an unknown upper layer; "no next header" is silent */
  u8_t junk[8] = {0};
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 253, junk, sizeof(junk));
  expect_pp(1, 6);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 59, junk, sizeof(junk));
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_CHAIN_TOO_LONG), 1);
  assert_int_equal(DROPS(IP6_HBH_NOT_FIRST), 1);
  assert_int_equal(DROPS(IP6_UNKNOWN_NEXTH), 1);
  assert_int_equal(DROPS(IP6_NO_NEXT_HEADER), 1);
#endif
}

static void test_ip6_fragments(void **state)
{
  (void)state;
  fixture();
  u8_t fh[8] = {58, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef}; /* atomic: offset 0, M clear */
  u8_t pl[100];
  size_t n = ext_then_echo(pl, fh, sizeof(fh), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 44, pl, n);
  expect_echo_reply(OUR_GUA, PEER_GUA); /* RFC 6946: processed on its own */
  fh[3] = 1;                            /* M set: a real fragment */
  n = ext_then_echo(pl, fh, sizeof(fh), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 44, pl, n);
  fh[3] = 0;
  fh[2] = 0x01; /* offset 32 */
  n = ext_then_echo(pl, fh, sizeof(fh), OUR_GUA);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 44, pl, n);
  /* both wait in reassembly (test_ip6_frag.c has the rest) */
  assert_int_equal(tn.nframes, 0);
  struct ip6_reass_totals tot;
  ip6_reass_get_totals(&tot);
  assert_int_equal(tot.datagrams, 1);
  assert_int_equal(tot.fragments, 2);
}

static void test_ip6_no_error_about_error(void **state)
{
  (void)state;
  fixture();
  /* an ICMPv6 error behind an unknown option asking for an error */
  u8_t ext[8] = {58, 0, 0x9e, 2, 0, 0, 1, 0};
  u8_t pl[100], body[48] = {0};
  memcpy(pl, ext, 8);
  size_t ml = mk_icmp6(pl + 8, PEER_GUA, OUR_GUA, 1, 4, 0, body, sizeof(body));
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 0, pl, 8 + ml);
  /* ... is answered: the walk stops before it knows the upper layer */
  expect_pp(2, 42);
  /* an unknown next header from the unspecified source gets nothing */
  u8_t junk[8] = {0};
  rx_raw6(test_mac, "::", OUR_GUA, 253, junk, sizeof(junk));
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP6_NO_ERROR), 1);
#endif
}

static void test_ip6_error_rate_limit(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(icmp6_set_ratelimit(1, 2), ERR_OK);
  u8_t junk[8] = {0};
  for (int i = 0; i < 5; i++) {
    rx_raw6(test_mac, PEER_GUA, OUR_GUA, 253, junk, sizeof(junk));
  }
  assert_int_equal(tn.nframes, 2);
  test_frames_clear(&tn);
  test_clock_advance(1000);
  rx_raw6(test_mac, PEER_GUA, OUR_GUA, 253, junk, sizeof(junk));
  assert_int_equal(tn.nframes, 1);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP6_RATE_LIMIT), 3);
#endif
  u32_t r, b;
  icmp6_get_ratelimit(&r, &b);
  assert_int_equal(r, 1);
  assert_int_equal(b, 2);
  assert_int_equal(icmp6_set_ratelimit(5, 0), ERR_VAL);
}

/* Packet Too Big (RFC 8201): believed only about our own packets, never
 * below 1280, forgotten after IP6_PMTU_AGE_MS. */
static void test_ip6_packet_too_big(void **state)
{
  (void)state;
  fixture();
  ip6_addr_t far = ip6("2001:db8::77");
  assert_int_equal(icmp6_path_mtu(nif, &far), 1500);
  u8_t quoted[48];
  memset(quoted, 0, sizeof(quoted));
  put_be32(quoted, 0x60000000UL);
  a6(OUR_GUA, quoted + 8);
  a6("2001:db8::77", quoted + 24);
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 2, 0, 1400, quoted, sizeof(quoted));
  assert_int_equal(icmp6_path_mtu(nif, &far), 1400);
  /* a larger one is not believed */
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 2, 0, 1450, quoted, sizeof(quoted));
  assert_int_equal(icmp6_path_mtu(nif, &far), 1400);
  /* below the minimum: the floor, counted */
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 2, 0, 500, quoted, sizeof(quoted));
  assert_int_equal(icmp6_path_mtu(nif, &far), 1280);
  struct icmp6_pmtu_info info;
  assert_true(icmp6_pmtu_get_info(0, &info));
  assert_int_equal(info.mtu, 1280);
  /* about a packet that was not ours */
  ip6_addr_t other = ip6("2001:db8::78");
  a6("2001:db8::5", quoted + 8);
  a6("2001:db8::78", quoted + 24);
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 2, 0, 1300, quoted, sizeof(quoted));
  assert_int_equal(icmp6_path_mtu(nif, &other), 1500);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP6_BAD_PTB), 2);
#endif
  assert_int_equal(tn.nframes, 0);
  /* a packet over the path MTU goes in fragments (test_ip6_frag.c) */
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 1300, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0, 1300);
  assert_int_equal(ip6_output(p, NULL, &far, 64, 0, 59), ERR_OK);
  pbuf_free(p);
  test_frames_clear(&tn);
  test_clock_advance(IP6_PMTU_AGE_MS);
  assert_int_equal(icmp6_path_mtu(nif, &far), 1500);
}

static void test_ip6_tentative_and_duplicate_unused(void **state)
{
  (void)state;
  fixture();
  ip6_addr_t t = ip6("2001:db8::33");
  s8_t idx;
  assert_int_equal(netif_add_ip6_address_prefix(nif, &t, 64, &idx), ERR_OK);
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_TENTATIVE);
  test_frames_clear(&tn);
  u8_t body[4] = {0};
  rx_icmp6(&tn, test_mac, PEER_GUA, "2001:db8::33", 64, 128, 0, 1, body, sizeof(body));
  assert_int_equal(tn.nframes, 0);
  assert_false(ip6_addr_is_ours(&t));
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_TENTATIVE), 1);
#endif
  /* the same address again: same slot, nothing changes */
  s8_t again;
  assert_int_equal(netif_add_ip6_address_prefix(nif, &t, 64, &again), ERR_OK);
  assert_int_equal(again, idx);
  ip6_addr_t bad = ip6("ff02::1");
  assert_int_equal(netif_add_ip6_address(nif, &bad, NULL), ERR_VAL);
  bad = ip6("::");
  assert_int_equal(netif_add_ip6_address(nif, &bad, NULL), ERR_VAL);
  /* the slots fill up */
  ip6_addr_t more = ip6("2001:db8::34");
  err_t err = ERR_OK;
  for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES && err == ERR_OK; i++) {
    more.addr[3] = lwip_htonl(0x100U + (u32_t)i);
    err = netif_add_ip6_address(nif, &more, NULL);
  }
  assert_int_equal(err, ERR_BUF);
}

/* RFC 6724 rules 1, 2, 3 and 8 as they apply to a host. */
static void test_ip6_source_selection(void **state)
{
  (void)state;
  fixture();
  ip6_addr_t d = ip6("fe80::99");
  d.zone = netif_get_index(nif);
  assert_true(ip6_addr_eq_nozone(ip_2_ip6(ip6_select_source_address(nif, &d)), &(ip6_addr_t){0}) == false);
  ip6_addr_t ll = ip6(OUR_LL), gua = ip6(OUR_GUA);
  assert_true(ip6_addr_eq_nozone(ip_2_ip6(ip6_select_source_address(nif, &d)), &ll));
  d = ip6("2001:db8:1::5");
  assert_true(ip6_addr_eq_nozone(ip_2_ip6(ip6_select_source_address(nif, &d)), &gua));
  /* rule 1: the destination itself */
  assert_true(ip6_addr_eq_nozone(ip_2_ip6(ip6_select_source_address(nif, &gua)), &gua));
  /* rule 8: longest matching prefix among two globals */
  ip6_addr_t other = ip6("2001:db8:1::10");
  s8_t idx;
  assert_int_equal(netif_add_ip6_address_prefix(nif, &other, 64, &idx), ERR_OK);
  netif_ip6_addr_set_state(nif, idx, IP6_ADDR_PREFERRED);
  assert_true(ip6_addr_eq_nozone(ip_2_ip6(ip6_select_source_address(nif, &d)), &other));
  /* rule 3: a deprecated address loses */
  netif_ip6_addr_set_state(nif, idx, IP6_ADDR_DEPRECATED);
  assert_true(ip6_addr_eq_nozone(ip_2_ip6(ip6_select_source_address(nif, &d)), &gua));
  /* a duplicate one is never chosen */
  netif_ip6_addr_set_state(nif, idx, IP6_ADDR_DUPLICATED);
  netif_ip6_addr_set_state(nif, 1, IP6_ADDR_DUPLICATED);
  assert_true(ip6_addr_eq_nozone(ip_2_ip6(ip6_select_source_address(nif, &d)), &ll));
}

static void test_ip6_output_routes(void **state)
{
  (void)state;
  fixture();
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 8, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0, 8);
  /* off-link without a router: no route */
  ip6_addr_t far = ip6("2001:db9::1");
  assert_int_equal(ip6_output(p, NULL, &far, 64, 0, 59), ERR_RTE);
  /* on-link: straight to the neighbor */
  ip6_addr_t peer = ip6(PEER_GUA);
  assert_int_equal(ip6_output(p, NULL, &peer, 33, 0xb8, 59), ERR_OK);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_int_equal(get_be32(s.ip), 0x6b800000UL);
  assert_int_equal(s.ip[6], 59);
  assert_int_equal(s.ip[7], 33);
  assert_addr6(s.ip + 8, OUR_GUA);
  /* the caller's pbuf comes back unchanged */
  assert_int_equal(p->tot_len, 8);
  /* multicast: 33:33 and the group's last 32 bits */
  ip6_addr_t grp = ip6("ff02::1:ff00:aa");
  grp.zone = netif_get_index(nif);
  assert_int_equal(ip6_output(p, NULL, &grp, 1, 0, 59), ERR_OK);
  assert_true(pop6(&tn, &s));
  u8_t mm[6];
  mcast_mac("ff02::1:ff00:aa", mm);
  assert_memory_equal(s.frame, mm, 6);
  assert_addr6(s.ip + 8, OUR_LL);
  /* a REF payload without header room gets a header pbuf in front */
  static const u8_t rom[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  struct pbuf *r = pbuf_alloc(PBUF_RAW, 8, PBUF_ROM);
  assert_non_null(r);
  r->payload = (void *)(uintptr_t)rom;
  assert_int_equal(ip6_output(r, NULL, &peer, 64, 0, 59), ERR_OK);
  assert_true(pop6(&tn, &s));
  assert_memory_equal(s.msg, rom, 8);
  pbuf_free(r);
  /* netif down */
  netif_set_down(nif);
  assert_int_equal(ip6_output_if(p, NULL, &peer, 64, 0, 59, nif), ERR_RTE);
  pbuf_free(p);
}

/* The echo reply's allocation fails at every step in turn; nothing leaks
 * and the reply goes once the memory is there. */
static void test_ip6_echo_alloc_failures(void **state)
{
  (void)state;
  fixture();
  u8_t body[64], m[100], f[200];
  size_t bl = echo_body(body, sizeof(body));
  size_t ml = mk_icmp6(m, PEER_GUA, OUR_GUA, 128, 0, 0x12340001UL, body, bl);
  size_t fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 58, 64, m, ml);
  for (int n = 1; n < 50; n++) {
    struct pbuf *p = test_pbuf(f, fl, 0);
    lwip_alloc_fail_after(n);
    tn.netif.input(p, &tn.netif);
    lwip_alloc_fail_after(0);
#if LWIP_STATS
    assert_int_equal(DROPS(ICMP6_NO_MEM) + DROPS(IP6_NO_MEM) + DROPS(ETH_NO_MEM), n - (tn.nframes > 0 ? 1 : 0));
#endif
    if (tn.nframes > 0) {
      expect_echo_reply(OUR_GUA, PEER_GUA);
      return;
    }
  }
  fail_msg("the echo reply never went out");
}

static void test_ip6_iid_and_linklocal(void **state)
{
  (void)state;
  nif = test_netif_add(&tn, "192.168.1.10", "255.255.255.0", NULL, test_mac);
  /* modified EUI-64 of 02:00:00:00:00:01 */
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 1), ERR_OK);
  ip6_addr_t ll = ip6(OUR_LL);
  assert_true(ip6_addr_eq_nozone(netif_ip6_addr(nif, 0), &ll));
  assert_int_equal(netif_ip6_addr(nif, 0)->zone, netif_get_index(nif));
  /* RFC 7217: stable for a prefix and key, different across prefixes and
   * keys, and not the MAC */
  static const u8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  netif_ip6_set_iid_secret(key);
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 0), ERR_OK);
  ip6_addr_t a1 = *netif_ip6_addr(nif, 0);
  assert_int_equal(lwip_ntohl(a1.addr[0]), 0xfe800000UL);
  assert_int_equal(a1.addr[1], 0);
  assert_false(ip6_addr_eq_nozone(&a1, &ll));
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 0), ERR_OK);
  assert_true(ip6_addr_eq_nozone(netif_ip6_addr(nif, 0), &a1));
  u8_t i1[8], i2[8], i3[8];
  ip6_addr_t p1 = ip6("2001:db8::"), p2 = ip6("2001:db8:0:1::");
  netif_ip6_make_iid(nif, &p1, 0, i1);
  netif_ip6_make_iid(nif, &p2, 0, i2);
  netif_ip6_make_iid(nif, &p1, 1, i3);
  assert_memory_not_equal(i1, i2, 8);
  assert_memory_not_equal(i1, i3, 8);
  static const u8_t key2[16] = {9};
  netif_ip6_set_iid_secret(key2);
  netif_ip6_make_iid(nif, &p1, 0, i2);
  assert_memory_not_equal(i1, i2, 8);
  /* SipHash-2-4 reference vector (the paper's appendix A): key 00..0f,
   * message 00..0e, output a129ca6149be45e5 */
  u8_t k[16], msg[15];
  for (int i = 0; i < 16; i++) {
    k[i] = (u8_t)i;
  }
  for (int i = 0; i < 15; i++) {
    msg[i] = (u8_t)i;
  }
  assert_true(lwip_siphash24(k, msg, sizeof(msg)) == 0xa129ca6149be45e5ULL);
  /* without a MAC there is no link-local address */
  nif->hwaddr_len = 0;
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 1), ERR_VAL);
}

/* A transport payload allocated at PBUF_TRANSPORT has room in front for
 * the TCP, IPv6 and Ethernet headers, so an IPv6 segment leaves as one
 * pbuf: with room for IPv4's header only, every IPv6 packet needed a
 * second pbuf (a heap allocation) for its headers. */
static void test_ip6_header_room(void **state)
{
  (void)state;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 100, PBUF_RAM);
  assert_non_null(p);
  assert_int_equal(pbuf_add_header(p, 20), 0); /* TCP without options */
  assert_int_equal(pbuf_add_header(p, 40), 0); /* IPv6 */
  assert_int_equal(pbuf_add_header(p, 14), 0); /* Ethernet */
  assert_int_equal(p->tot_len, 174);
  pbuf_free(p);
}

static void test_ip6_addr_helpers(void **state)
{
  (void)state;
  ip6_addr_t a, b;
  u8_t pl = 99;
  assert_true(ip6addr_cidr_aton("2001:db8::1/64", &a, &pl, true));
  assert_int_equal(pl, 64);
  b = ip6("2001:db8::1");
  assert_true(ip6_addr_eq_nozone(&a, &b));
  pl = 99;
  assert_true(ip6addr_cidr_aton("fe80::1", &a, &pl, false));
  assert_int_equal(pl, 99);
  assert_false(ip6addr_cidr_aton("fe80::1", &a, &pl, true));
  assert_false(ip6addr_cidr_aton("2001:db8::1/129", &a, &pl, true));
  assert_false(ip6addr_cidr_aton("2001:db8::1/064", &a, &pl, true));
  assert_false(ip6addr_cidr_aton("2001:db8::1/", &a, &pl, true));
  assert_false(ip6addr_cidr_aton("2001:db8::1/6x", &a, &pl, true));
  assert_false(ip6addr_cidr_aton("2001:db8:::1/64", &a, &pl, true));
  assert_true(ip6addr_cidr_aton("::/0", &a, &pl, true));
  assert_int_equal(pl, 0);
  a = ip6("2001:db8::1");
  b = ip6("2001:db8::8000:0:0:1");
  assert_int_equal(ip6_addr_common_prefix_len(&a, &b), 64);
  assert_int_equal(ip6_addr_common_prefix_len(&a, &a), 128);
  assert_true(ip6_addr_prefix_eq(&a, &b, 64));
  assert_false(ip6_addr_prefix_eq(&a, &b, 65));
  /* prefix_eq compares words under a mask; it must agree with the bit
   * count at every length, across word edges and past 128. */
  static const char *const pairs[][2] = {{"2001:db8::1", "2001:db8::8000:0:0:1"},
                                         {"2001:db8::1", "2001:db8::1"},
                                         {"::", "8000::"},
                                         {"2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:7"},
                                         {"fe80::1:0:0", "fe80::1:8000:0"}};
  for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
    ip6_addr_t x = ip6(pairs[k][0]), y = ip6(pairs[k][1]);
    u8_t common = ip6_addr_common_prefix_len(&x, &y);
    for (unsigned len = 0; len <= 130; len++) {
      assert_int_equal(ip6_addr_prefix_eq(&x, &y, (u8_t)len), common >= (len > 128 ? 128U : len));
    }
  }
  ip6_addr_t sn, u = ip6("2001:db8::12:3456");
  ip6_addr_set_solicitednode(&sn, &u);
  b = ip6("ff02::1:ff12:3456");
  assert_true(ip6_addr_eq_nozone(&sn, &b));
  assert_true(ip6_addr_issolicitednode_of(&sn, &u));
  assert_int_equal(ip6_multicast_scope(&sn), IP6_MULTICAST_SCOPE_LINK_LOCAL);
  a = ip6("fe80::1");
  assert_true(ip6_addr_islinklocal(&a));
  assert_false(ip6_addr_ismulticast(&a));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_ip6_echo_reply_exact, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_echo_reply_hook, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_echo_chained_input, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_bad_headers, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_unknown_option_actions, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_routing_header, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_chain_limits, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_fragments, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_no_error_about_error, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_error_rate_limit, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_packet_too_big, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_tentative_and_duplicate_unused, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_source_selection, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_output_routes, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_echo_alloc_failures, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_iid_and_linklocal, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_addr_helpers, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ip6_header_room, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
