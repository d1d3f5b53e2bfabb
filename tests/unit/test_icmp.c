/* Unit tests for core/ipv4/icmp.c: echo replies byte for byte, validation
 * of received messages, when an error may and may not be sent (RFC 1122
 * 3.2.2), what it quotes, the rate limit and allocation failures. */
#include "test_common.h"

#include <stdlib.h>
#include <arpa/inet.h>

#include "lwip/ip4.h"
#include "lwip/icmp.h"
#include "lwip/tokbucket.h"
#include "lwip/udp.h"
#include "lwip/etharp.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/icmp.h"

#define OUR_IP "192.168.1.10"
#define PEER_IP "192.168.1.2"
#define BCAST_IP "192.168.1.255"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#define ICMP_STATS (lwip_stats.proto[LWIP_PROTO_ICMP])
#endif

static const u8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static struct test_netif tn;
static struct netif *nif;

static void fixture(void)
{
  nif = test_netif_add(&tn, OUR_IP, "255.255.255.0", "192.168.1.1", test_mac);
  test_add_peer_arp(PEER_IP);
}

/* IPv4 datagram with a 20-byte header (id 0x4242, TTL @p ttl). */
static size_t mk_ip(u8_t *buf, const char *src, const char *dst, u8_t proto, const void *pl, size_t plen, u16_t frag,
                    u8_t ttl)
{
  test_ip4_hdr(buf, src, dst, proto, (u16_t)(20 + plen), 0x4242, frag, ttl);
  memcpy(buf + 20, pl, plen);
  return 20 + plen;
}

static void rx_ip(const u8_t dmac[6], const u8_t *ip, size_t iplen, size_t chunk)
{
  u8_t frame[1700];
  test_eth_hdr(frame, dmac, peer_mac, 0x0800);
  memcpy(frame + 14, ip, iplen);
  test_rx_chunked(&tn, frame, 14 + iplen, chunk);
}

/* A UDP datagram from the peer to a port nobody listens on: udp_input
 * answers it with port unreachable through icmp_dest_unreach. */
static size_t mk_closed_port(u8_t *ip, const void *pl, size_t plen)
{
  u8_t udp[256];
  size_t ulen = test_udp(udp, PEER_IP, OUR_IP, 1234, 9, pl, plen);
  return mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_UDP, udp, ulen, 0, 64);
}

static void rx_closed_port(void)
{
  u8_t ip[64];
  size_t n = mk_closed_port(ip, "ping", 4);
  rx_ip(test_mac, ip, n, 0);
}

/* Pop one frame sent to the peer and check its Ethernet and IPv4 headers
 * (from us, TTL 64, protocol ICMP, tos @p tos, valid checksum); the ICMP
 * message is copied to @p m.  @return its length. */
static int pop_icmp(u8_t *m, size_t size, u8_t tos)
{
  u8_t f[1600];
  test_frames_ip_only(&tn);
  int fl = test_frame_pop_bytes(&tn, f, sizeof(f));
  assert_true(fl >= 14 + 20 + 8);
  assert_memory_equal(f, peer_mac, 6);
  assert_memory_equal(f + 6, test_mac, 6);
  assert_int_equal(get_be16(f + 12), 0x0800);
  const u8_t *h = f + 14;
  assert_int_equal(h[0], 0x45);
  assert_int_equal(h[1], tos);
  assert_int_equal(get_be16(h + 2), fl - 14);
  assert_int_equal(get_be16(h + 6), 0);
  assert_int_equal(h[8], 64);
  assert_int_equal(h[9], IP_PROTO_ICMP);
  assert_int_equal(test_cksum(h, 20, 0), 0);
  u32_t s = test_ip(OUR_IP), d = test_ip(PEER_IP);
  assert_memory_equal(h + 12, &s, 4);
  assert_memory_equal(h + 16, &d, 4);
  int ml = fl - 14 - 20;
  assert_true((size_t)ml <= size);
  memcpy(m, h + 20, (size_t)ml);
  return ml;
}

/* ------------------------------------------------------------------ */

static void test_icmp_echo_reply_exact(void **state)
{
  (void)state;
  fixture();
  u8_t data[32], icmp[64], ip[128], m[128], expect[64];
  for (size_t i = 0; i < sizeof(data); i++) {
    data[i] = (u8_t)(0x30 + i);
  }
  size_t il = test_icmp_echo(icmp, ICMP_ECHO, 0xbeef, 0x0102, data, sizeof(data));
  size_t n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 200);
  ip[1] = 0x28; /* a tos the reply carries back */
  put_be16(ip + 10, 0);
  put_be16(ip + 10, test_cksum(ip, 20, 0));
  rx_ip(test_mac, ip, n, 0);
  int ml = pop_icmp(m, sizeof(m), 0x28);
  size_t el = test_icmp_echo(expect, ICMP_ER, 0xbeef, 0x0102, data, sizeof(data));
  assert_int_equal(ml, (int)el);
  assert_memory_equal(m, expect, el);
  assert_int_equal(test_frames_ip_only(&tn), 0);

  /* odd length, and a request without data */
  il = test_icmp_echo(icmp, ICMP_ECHO, 1, 65535, "abc", 3);
  n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
  rx_ip(test_mac, ip, n, 0);
  ml = pop_icmp(m, sizeof(m), 0);
  el = test_icmp_echo(expect, ICMP_ER, 1, 65535, "abc", 3);
  assert_int_equal(ml, (int)el);
  assert_memory_equal(m, expect, el);
  il = test_icmp_echo(icmp, ICMP_ECHO, 0, 0, "", 0);
  n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
  rx_ip(test_mac, ip, n, 0);
  ml = pop_icmp(m, sizeof(m), 0);
  el = test_icmp_echo(expect, ICMP_ER, 0, 0, "", 0);
  assert_int_equal(ml, 8);
  assert_memory_equal(m, expect, el);
#if LWIP_STATS
  assert_int_equal(ICMP_STATS.recv, 3);
  assert_int_equal(ICMP_STATS.xmit, 3);
  assert_int_equal(ICMP_STATS.drop, 0);
#endif
}

/* Replies are not rate-limited: only errors are. */
static void test_icmp_echo_not_rate_limited(void **state)
{
  (void)state;
  fixture();
  u8_t icmp[64], ip[128];
  for (int i = 0; i < ICMP_RATELIMIT_BURST + 10; i++) {
    size_t il = test_icmp_echo(icmp, ICMP_ECHO, 7, (u16_t)i, "x", 1);
    size_t n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
    rx_ip(test_mac, ip, n, 0);
  }
  assert_int_equal(test_frames_ip_only(&tn), ICMP_RATELIMIT_BURST + 10);
  test_frames_clear(&tn);
}

static void test_icmp_echo_chained(void **state)
{
  (void)state;
  fixture();
  u8_t data[301], icmp[400], ip[512], m[512], expect[400];
  for (size_t i = 0; i < sizeof(data); i++) {
    data[i] = (u8_t)(i ^ 0x5a);
  }
  size_t il = test_icmp_echo(icmp, ICMP_ECHO, 0x4321, 9, data, sizeof(data));
  size_t n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
  size_t el = test_icmp_echo(expect, ICMP_ER, 0x4321, 9, data, sizeof(data));
  /* chains split at odd places, inside the ICMP header among them */
  const size_t chunks[] = {17, 37, 100, 3};
  for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
    rx_ip(test_mac, ip, n, chunks[i]);
    int ml = pop_icmp(m, sizeof(m), 0);
    assert_int_equal(ml, (int)el);
    assert_memory_equal(m, expect, el);
  }
  assert_int_equal(test_frames_ip_only(&tn), 0);
}

static void test_icmp_echo_broadcast_ignored(void **state)
{
  (void)state;
  fixture();
  u8_t icmp[64], ip[128];
  size_t il = test_icmp_echo(icmp, ICMP_ECHO, 1, 1, "smurf", 5);
  size_t n = mk_ip(ip, PEER_IP, BCAST_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
  rx_ip(bcast_mac, ip, n, 0);
  n = mk_ip(ip, PEER_IP, "255.255.255.255", IP_PROTO_ICMP, icmp, il, 0, 64);
  rx_ip(bcast_mac, ip, n, 0);
  /* the all-systems group is always joined; echo to it is ignored too */
  const u8_t mc_mac[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
  n = mk_ip(ip, PEER_IP, "224.0.0.1", IP_PROTO_ICMP, icmp, il, 0, 64);
  rx_ip(mc_mac, ip, n, 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_BCAST_ECHO), 3);
#endif
}

static void test_icmp_rx_invalid(void **state)
{
  (void)state;
  fixture();
  u8_t icmp[64], ip[128];
  /* shorter than an ICMP header */
  size_t il = test_icmp_echo(icmp, ICMP_ECHO, 1, 1, "", 0);
  size_t n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, 7, 0, 64);
  rx_ip(test_mac, ip, n, 0);
  n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, 0, 0, 64);
  rx_ip(test_mac, ip, n, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_SHORT), 2);
#endif
  /* checksum: one bit wrong in the data, then in the checksum itself */
  il = test_icmp_echo(icmp, ICMP_ECHO, 1, 1, "data", 4);
  icmp[9] ^= 0x20;
  n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
  rx_ip(test_mac, ip, n, 0);
  icmp[9] ^= 0x20;
  icmp[3] ^= 0x01;
  n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
  rx_ip(test_mac, ip, n, 7);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_BAD_CHKSUM), 2);
#endif
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* with checksum checking off on the netif the same is answered; a
   * build without the offload option ignores chksum_flags and drops it */
  nif->chksum_flags = (u16_t)(nif->chksum_flags & ~NETIF_CHECKSUM_CHECK_ICMP);
  rx_ip(test_mac, ip, n, 0);
  assert_int_equal(test_frames_ip_only(&tn), LWIP_OFFLOAD ? 1 : 0);
  test_frames_clear(&tn);
#if LWIP_STATS
  assert_int_equal(ICMP_STATS.recv, 5);
  assert_int_equal(ICMP_STATS.drop, LWIP_OFFLOAD ? 4 : 5);
  assert_int_equal(ICMP_STATS.lenerr, 2);
  assert_int_equal(ICMP_STATS.chkerr, LWIP_OFFLOAD ? 2 : 3);
#endif
}

static void test_icmp_other_types_unhandled(void **state)
{
  (void)state;
  fixture();
  const u8_t types[] = {ICMP_ER, ICMP_DUR, ICMP_TE, ICMP_TS, ICMP_RD, 42};
  u8_t icmp[64], ip[128];
  for (size_t i = 0; i < sizeof(types); i++) {
    size_t il = test_icmp_echo(icmp, types[i], 1, 1, "12345678", 8);
    size_t n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
    rx_ip(test_mac, ip, n, 0);
  }
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_UNHANDLED), sizeof(types));
#endif
}

/* ---- errors ---- */

/* A received datagram as the input path hands it to icmp_dest_unreach:
 * payload at the IP header, arrived on our netif. */
static struct pbuf *rx_pbuf(const u8_t *ip, size_t n, u8_t flags)
{
  struct pbuf *p = test_pbuf(ip, n, 0);
  p->if_idx = netif_get_index(nif);
  p->flags = flags;
  return p;
}

static void test_icmp_error_quote(void **state)
{
  (void)state;
  fixture();
  u8_t ip[128], m[128];
  u8_t pl[40];
  for (size_t i = 0; i < sizeof(pl); i++) {
    pl[i] = (u8_t)(0xc0 + i);
  }
  /* through the input path: UDP to a closed port quotes the IP header and
   * the UDP header, nothing of the data */
  size_t n = mk_closed_port(ip, pl, sizeof(pl));
  rx_ip(test_mac, ip, n, 0);
  int ml = pop_icmp(m, sizeof(m), 0);
  u8_t expect[64] = {ICMP_DUR, ICMP_DUR_PORT, 0, 0, 0, 0, 0, 0};
  memcpy(expect + 8, ip, 28);
  put_be16(expect + 2, test_cksum(expect, 36, 0));
  assert_int_equal(ml, 36);
  assert_memory_equal(m, expect, 36);
#if LWIP_STATS
  assert_int_equal(ICMP_STATS.xmit, 1);
#endif

  /* a datagram with less than 8 bytes behind its header: quoted whole */
  n = mk_ip(ip, PEER_IP, OUR_IP, 253, "abc", 3, 0, 64);
  struct pbuf *p = rx_pbuf(ip, n, 0);
  icmp_dest_unreach(p, ICMP_DUR_HOST);
  ml = pop_icmp(m, sizeof(m), 0);
  assert_int_equal(ml, 8 + 23);
  assert_int_equal(m[0], ICMP_DUR);
  assert_int_equal(m[1], ICMP_DUR_HOST);
  assert_int_equal(test_cksum(m, (size_t)ml, 0), 0);
  assert_memory_equal(m + 8, ip, 23);
  /* the caller keeps its pbuf as it was */
  assert_int_equal(p->ref, 1);
  assert_int_equal(p->tot_len, n);
  pbuf_free(p);

  /* time exceeded and fragmentation needed (next-hop MTU in bytes 6-7,
   * RFC 1191) */
  n = mk_ip(ip, PEER_IP, OUR_IP, 253, pl, 12, 0, 64);
  p = rx_pbuf(ip, n, 0);
  icmp_time_exceeded(p, ICMP_TE_FRAG);
  ml = pop_icmp(m, sizeof(m), 0);
  assert_int_equal(ml, 36);
  u8_t te[36] = {ICMP_TE, ICMP_TE_FRAG, 0, 0, 0, 0, 0, 0};
  memcpy(te + 8, ip, 28);
  put_be16(te + 2, test_cksum(te, 36, 0));
  assert_memory_equal(m, te, 36);
  icmp_frag_needed(p, 1280);
  ml = pop_icmp(m, sizeof(m), 0);
  assert_int_equal(ml, 36);
  u8_t fn[36] = {ICMP_DUR, ICMP_DUR_FRAG, 0, 0, 0, 0, 0x05, 0x00};
  memcpy(fn + 8, ip, 28);
  put_be16(fn + 2, test_cksum(fn, 36, 0));
  assert_memory_equal(m, fn, 36);
  pbuf_free(p);

  /* a chained datagram is quoted across its pbufs */
  n = mk_ip(ip, PEER_IP, OUR_IP, 253, pl, 30, 0, 64);
  p = test_pbuf(ip, n, 9);
  p->if_idx = netif_get_index(nif);
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  ml = pop_icmp(m, sizeof(m), 0);
  assert_int_equal(ml, 36);
  assert_memory_equal(m + 8, ip, 28);
  pbuf_free(p);
  assert_int_equal(test_frames_ip_only(&tn), 0);
}

/* RFC 1122 3.2.2: the datagrams no error may be sent about. */
static void test_icmp_error_suppressed(void **state)
{
  (void)state;
  fixture();
  u8_t ip[128], icmp[64], m[128];
  struct pbuf *p;
  size_t n, il;

  /* an ICMP error */
  const u8_t errs[] = {ICMP_DUR, ICMP_TE, ICMP_SQ, ICMP_RD, ICMP_PP};
  for (size_t i = 0; i < sizeof(errs); i++) {
    il = test_icmp_echo(icmp, errs[i], 0, 0, "12345678", 8);
    n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
    p = rx_pbuf(ip, n, 0);
    icmp_dest_unreach(p, ICMP_DUR_PROTO);
    pbuf_free(p);
  }
  /* an ICMP datagram too short to show its type */
  n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, 0, 0, 64);
  p = rx_pbuf(ip, n, 0);
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  pbuf_free(p);
  /* broadcast and multicast destinations */
  const char *dsts[] = {BCAST_IP, "255.255.255.255", "224.0.0.1", "239.1.2.3"};
  for (size_t i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
    n = mk_ip(ip, PEER_IP, dsts[i], 253, "12345678", 8, 0, 64);
    p = rx_pbuf(ip, n, 0);
    icmp_dest_unreach(p, ICMP_DUR_PROTO);
    pbuf_free(p);
  }
  /* a unicast datagram that came in a link-level broadcast or multicast */
  n = mk_ip(ip, PEER_IP, OUR_IP, 253, "12345678", 8, 0, 64);
  p = rx_pbuf(ip, n, PBUF_FLAG_LLBCAST);
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  pbuf_free(p);
  p = rx_pbuf(ip, n, PBUF_FLAG_LLMCAST);
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  pbuf_free(p);
  /* not the first fragment */
  n = mk_ip(ip, PEER_IP, OUR_IP, 253, "12345678", 8, 3, 64);
  p = rx_pbuf(ip, n, 0);
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  pbuf_free(p);
  n = mk_ip(ip, PEER_IP, OUR_IP, 253, "12345678", 8, IP_MF | 100, 64);
  p = rx_pbuf(ip, n, 0);
  icmp_time_exceeded(p, ICMP_TE_FRAG);
  pbuf_free(p);
  /* sources that are not a single host */
  const char *srcs[] = {"0.0.0.0", "255.255.255.255", BCAST_IP, "224.0.0.9"};
  for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
    n = mk_ip(ip, srcs[i], OUR_IP, 253, "12345678", 8, 0, 64);
    p = rx_pbuf(ip, n, 0);
    icmp_dest_unreach(p, ICMP_DUR_PROTO);
    pbuf_free(p);
  }
  /* not an IP header at all */
  p = rx_pbuf(ip, 12, 0);
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  pbuf_free(p);
  icmp_dest_unreach(NULL, ICMP_DUR_PROTO);
  n = mk_ip(ip, PEER_IP, OUR_IP, 253, "12345678", 8, 0, 64);
  ip[0] = 0x4f; /* header longer than the datagram */
  p = rx_pbuf(ip, n, 0);
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  pbuf_free(p);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(ICMP_STATS.xmit, 0);
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 0);
#endif

  /* allowed: about an ICMP query (echo request or reply), and about the
   * first fragment */
  const u8_t queries[] = {ICMP_ECHO, ICMP_ER, ICMP_TS};
  for (size_t i = 0; i < sizeof(queries); i++) {
    il = test_icmp_echo(icmp, queries[i], 5, 6, "q", 1);
    n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
    p = rx_pbuf(ip, n, 0);
    icmp_dest_unreach(p, ICMP_DUR_PROTO);
    pbuf_free(p);
    int ml = pop_icmp(m, sizeof(m), 0);
    assert_int_equal(ml, 8 + 29 - 1);
    assert_int_equal(m[0], ICMP_DUR);
    assert_memory_equal(m + 8, ip, 28);
  }
  n = mk_ip(ip, PEER_IP, OUR_IP, 253, "12345678", 8, IP_MF, 64);
  p = rx_pbuf(ip, n, 0);
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  pbuf_free(p);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);

  /* through the input path: a link-level broadcast frame to our unicast
   * address and a closed port gets no answer */
  n = mk_closed_port(ip, "b", 1);
  rx_ip(bcast_mac, ip, n, 0);
  rx_ip(bcast_mac, ip, n, 20);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  rx_ip(test_mac, ip, n, 0);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);
}

/* An echo request claiming source 0.0.0.0 cannot be answered: 0.0.0.0 is
 * never a destination (RFC 1122 3.2.1.3). */
static void test_icmp_echo_from_any_not_answered(void **state)
{
  (void)state;
  fixture();
  u8_t icmp[64], ip[128];
  size_t il = test_icmp_echo(icmp, ICMP_ECHO, 1, 1, "who", 3);
  size_t n = mk_ip(ip, "0.0.0.0", OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
  rx_ip(test_mac, ip, n, 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NO_ROUTE), 1);
#endif
}

static void test_icmp_rate_limit(void **state)
{
  (void)state;
  fixture();
  /* a known limit, whatever the build's default: 100/s after 50 */
  enum { RATE = 100, BURST = 50 };
  assert_int_equal(icmp_set_ratelimit(RATE, BURST), ERR_OK);
  /* a full bucket lets a burst through in one millisecond */
  for (int i = 0; i < BURST; i++) {
    rx_closed_port();
  }
  assert_int_equal(test_frames_ip_only(&tn), BURST);
  test_frames_clear(&tn);
  rx_closed_port();
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 1);
#endif
  /* RATE per second: one token every 1000/RATE ms */
  const u32_t per_token = 1000U / RATE;
  test_clock_advance(per_token - 1);
  rx_closed_port();
  assert_int_equal(test_frames_ip_only(&tn), 0);
  test_clock_advance(1);
  rx_closed_port();
  assert_int_equal(test_frames_ip_only(&tn), 1);
  rx_closed_port();
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);
  /* two and a half tokens: two errors, then half a token more is one */
  test_clock_advance(per_token * 5 / 2);
  for (int i = 0; i < 3; i++) {
    rx_closed_port();
  }
  assert_int_equal(test_frames_ip_only(&tn), 2);
  test_frames_clear(&tn);
  test_clock_advance(per_token / 2);
  rx_closed_port();
  rx_closed_port();
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 1 + 1 + 1 + 1 + 1);
#endif
  /* a long quiet spell refills no more than the burst */
  test_clock_advance(60 * 1000);
  for (int i = 0; i < BURST + 5; i++) {
    rx_closed_port();
  }
  assert_int_equal(test_frames_ip_only(&tn), BURST);
  test_frames_clear(&tn);
  /* suppressed datagrams are still counted as dropped by UDP */
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 5 + 5);
  assert_int_equal(DROPS(UDP_NO_PCB), 2 * BURST + 1 + 1 + 2 + 3 + 2 + 5);
#endif
}

/* Datagrams we may not answer do not use up the rate limit. */
static void test_icmp_rate_limit_not_spent_on_suppressed(void **state)
{
  (void)state;
  fixture();
  u8_t ip[64];
  size_t n = mk_closed_port(ip, "b", 1);
  assert_int_equal(icmp_set_ratelimit(100, 1), ERR_OK);
  for (int i = 0; i < 100; i++) {
    rx_ip(bcast_mac, ip, n, 0);
  }
  assert_int_equal(test_frames_ip_only(&tn), 0);
  rx_closed_port();
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 0);
#endif
}

/* ---- the rate limit as configured (issue 13: a scan of 1,024 closed
 * ports must not get 1,024 answers) ---- */

/* Probe closed ports @p first_port .. @p first_port + @p n - 1 from the
 * peer, all at the current virtual instant, as a UDP port scan does.
 * Every answer must be a port unreachable quoting the probe just sent,
 * and the answered probes must be the first ones (the bucket empties, it
 * does not pick).  @return the number of answers. */
static int scan_closed_ports(u16_t first_port, int n)
{
  int answered = 0;
  for (int i = 0; i < n; i++) {
    u8_t udp[64], ip[128], m[128];
    u16_t port = (u16_t)(first_port + i);
    size_t ulen = test_udp(udp, PEER_IP, OUR_IP, 40000, port, "scan", 4);
    size_t len = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_UDP, udp, ulen, 0, 64);
    rx_ip(test_mac, ip, len, 0);
    int k = test_frames_ip_only(&tn);
    assert_in_range(k, 0, 1);
    if (k == 1) {
      assert_int_equal(answered, i);
      int ml = pop_icmp(m, sizeof(m), 0);
      assert_int_equal(ml, ICMP_HLEN + 20 + 8);
      assert_int_equal(m[ICMP_OFF_TYPE], ICMP_DUR);
      assert_int_equal(m[ICMP_OFF_CODE], ICMP_DUR_PORT);
      assert_int_equal(get_be16(m + ICMP_HLEN + 20 + 2), port);
      answered++;
    }
  }
  return answered;
}

/* The build's default limit (on unless built with -Dicmp_ratelimit=0). */
static void test_icmp_ratelimit_port_scan(void **state)
{
  (void)state;
  fixture();
#if ICMP_RATELIMIT == 0
  skip();
#else
  _Static_assert(ICMP_RATELIMIT_BURST < 1024, "the scan must outlast the burst");
  u32_t rate = 0, burst = 0;
  icmp_get_ratelimit(&rate, &burst);
  assert_int_equal(rate, ICMP_RATELIMIT);
  assert_int_equal(burst, ICMP_RATELIMIT_BURST);

  /* 1,024 probes in one instant: one burst of answers, the rest counted */
  assert_int_equal(scan_closed_ports(1, 1024), ICMP_RATELIMIT_BURST);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 1024 - ICMP_RATELIMIT_BURST);
  assert_int_equal(DROPS(UDP_NO_PCB), 1024);
  assert_int_equal(ICMP_STATS.xmit, ICMP_RATELIMIT_BURST);
#endif

  /* the bucket refills at the rate: the time of 10 tokens, 10 answers
   * (rounded up to whole milliseconds, which may add one) */
  u32_t ms = (10U * 1000U + ICMP_RATELIMIT - 1) / ICMP_RATELIMIT;
  int expect = (int)LWIP_MIN((u64_t)ms * ICMP_RATELIMIT / 1000U, (u64_t)ICMP_RATELIMIT_BURST);
  test_clock_advance(ms);
  assert_int_equal(scan_closed_ports(2001, 1024), expect);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 2 * 1024 - ICMP_RATELIMIT_BURST - expect);
#endif

  /* an hour of quiet refills the burst, and no more */
  test_clock_advance(3600U * 1000U);
  assert_int_equal(scan_closed_ports(4001, 1024), ICMP_RATELIMIT_BURST);
#endif
}

/* Rate 0: no limit at all; and switching it back on starts full. */
static void test_icmp_ratelimit_off(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(icmp_set_ratelimit(0, 0), ERR_OK);
  u32_t rate = 1, burst = 1;
  icmp_get_ratelimit(&rate, &burst);
  assert_int_equal(rate, 0);
  assert_int_equal(burst, 0);
  assert_int_equal(scan_closed_ports(1, 1024), 1024);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 0);
  assert_int_equal(ICMP_STATS.xmit, 1024);
#endif
  /* the burst given with rate 0 is kept for show only */
  assert_int_equal(icmp_set_ratelimit(0, 7), ERR_OK);
  assert_int_equal(scan_closed_ports(2001, 300), 300);

  assert_int_equal(icmp_set_ratelimit(10, 4), ERR_OK);
  assert_int_equal(scan_closed_ports(3001, 20), 4);
  test_clock_advance(100); /* one token at 10/s */
  assert_int_equal(scan_closed_ports(3101, 20), 1);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 16 + 19);
#endif
}

static void test_icmp_ratelimit_api(void **state)
{
  (void)state;
  fixture();
  /* lwip_init() (in the setup) brought back the build's values after the
   * tests above changed them */
  u32_t rate = 0, burst = 0;
  icmp_get_ratelimit(&rate, &burst);
  assert_int_equal(rate, ICMP_RATELIMIT);
  assert_int_equal(burst, ICMP_RATELIMIT_BURST);
  icmp_get_ratelimit(NULL, NULL);
  icmp_get_ratelimit(&rate, NULL);
  icmp_get_ratelimit(NULL, &burst);

  /* out of range: refused, and nothing changes */
  assert_int_equal(icmp_set_ratelimit(5, 0), ERR_VAL);
  assert_int_equal(icmp_set_ratelimit(TOKBUCKET_MAX + 1, 1), ERR_VAL);
  assert_int_equal(icmp_set_ratelimit(1, TOKBUCKET_MAX + 1), ERR_VAL);
  assert_int_equal(icmp_set_ratelimit(0, TOKBUCKET_MAX + 1), ERR_VAL);
  assert_int_equal(icmp_set_ratelimit(0xffffffffU, 0xffffffffU), ERR_VAL);
  icmp_get_ratelimit(&rate, &burst);
  assert_int_equal(rate, ICMP_RATELIMIT);
  assert_int_equal(burst, ICMP_RATELIMIT_BURST);

  /* the largest values are accepted */
  assert_int_equal(icmp_set_ratelimit(TOKBUCKET_MAX, TOKBUCKET_MAX), ERR_OK);
  icmp_get_ratelimit(&rate, &burst);
  assert_int_equal(rate, TOKBUCKET_MAX);
  assert_int_equal(burst, TOKBUCKET_MAX);
  assert_int_equal(scan_closed_ports(1, 200), 200);

  /* one a second: the partial refill is not lost to the refused probes */
  assert_int_equal(icmp_set_ratelimit(1, 1), ERR_OK);
  assert_int_equal(scan_closed_ports(1001, 3), 1);
  for (int i = 0; i < 9; i++) {
    test_clock_advance(111); /* 999 ms in all */
    assert_int_equal(scan_closed_ports(1101, 1), 0);
  }
  test_clock_advance(1);
  assert_int_equal(scan_closed_ports(1201, 3), 1);
  /* setting the limit refills the bucket */
  assert_int_equal(icmp_set_ratelimit(1, 1), ERR_OK);
  assert_int_equal(scan_closed_ports(1301, 3), 1);
}

/* Every error type draws from the one bucket; echo replies never do and
 * are sent even while the bucket is empty. */
static void test_icmp_ratelimit_errors_only(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(icmp_set_ratelimit(1, 2), ERR_OK);
  assert_int_equal(scan_closed_ports(1, 2), 2);
  u8_t ip[128], icmp[64];
  size_t n = mk_ip(ip, PEER_IP, OUR_IP, 253, "12345678", 8, 0, 64);
  struct pbuf *p = rx_pbuf(ip, n, 0);
  icmp_time_exceeded(p, ICMP_TE_TTL);
  icmp_frag_needed(p, 1280);
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 3);
#endif
  for (int i = 0; i < 300; i++) {
    size_t il = test_icmp_echo(icmp, ICMP_ECHO, 7, (u16_t)i, "x", 1);
    size_t len = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
    rx_ip(test_mac, ip, len, 0);
    assert_int_equal(test_frames_ip_only(&tn), 1);
    test_frames_clear(&tn);
  }
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_RATE_LIMIT), 3);
  assert_int_equal(ICMP_STATS.xmit, 2 + 300);
#endif
  /* and the echoes took no token: a second later exactly one error */
  test_clock_advance(1000);
  icmp_time_exceeded(p, ICMP_TE_TTL);
  icmp_time_exceeded(p, ICMP_TE_TTL);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);
  pbuf_free(p);
}

/* The bucket itself (lwip/tokbucket.h), at its edges. */
static void test_tokbucket_edges(void **state)
{
  (void)state;
  struct lwip_tokbucket b;
  /* across the 32-bit wrap of the clock: 1,000/s is one token a ms */
  tokbucket_init(&b, 1000, 2, 0xfffffff0U);
  assert_true(tokbucket_take(&b, 0xfffffff0U));
  assert_true(tokbucket_take(&b, 0xfffffff0U));
  assert_false(tokbucket_take(&b, 0xfffffff0U));
  assert_true(tokbucket_take(&b, 0xfffffff1U));
  assert_false(tokbucket_take(&b, 0xfffffff1U));
  assert_true(tokbucket_take(&b, 0x00000005U)); /* 20 ms later: full (2) */
  assert_true(tokbucket_take(&b, 0x00000005U));
  assert_false(tokbucket_take(&b, 0x00000005U));

  /* the largest rate over the longest gap neither overflows nor overfills */
  tokbucket_init(&b, TOKBUCKET_MAX, 3, 0);
  for (int i = 0; i < 3; i++) {
    assert_true(tokbucket_take(&b, 0));
  }
  assert_false(tokbucket_take(&b, 0));
  for (int i = 0; i < 3; i++) {
    assert_true(tokbucket_take(&b, 0x7fffffffU));
  }
  assert_false(tokbucket_take(&b, 0x7fffffffU));
  /* the largest burst */
  tokbucket_init(&b, 1, TOKBUCKET_MAX, 0);
  assert_int_equal(b.level, TOKBUCKET_MAX * 1000U);

  /* a slow rate keeps its fractions across refused takes */
  tokbucket_init(&b, 3, 1, 0);
  assert_true(tokbucket_take(&b, 0));
  assert_false(tokbucket_take(&b, 100));
  assert_false(tokbucket_take(&b, 200));
  assert_false(tokbucket_take(&b, 333)); /* 999 thousandths */
  assert_true(tokbucket_take(&b, 334));

  /* rate 0 never limits */
  tokbucket_init(&b, 0, 0, 0);
  for (int i = 0; i < 10000; i++) {
    assert_true(tokbucket_take(&b, 0));
  }
}

static void test_icmp_alloc_failure(void **state)
{
  (void)state;
  fixture();
#if LWIP_TEST_HOOKS
  u8_t icmp[64], ip[128], frame[160];
  /* echo reply */
  size_t il = test_icmp_echo(icmp, ICMP_ECHO, 1, 1, "mem", 3);
  size_t n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, il, 0, 64);
  test_eth_hdr(frame, test_mac, peer_mac, 0x0800);
  memcpy(frame + 14, ip, n);
  struct pbuf *p = test_pbuf(frame, 14 + n, 0);
  lwip_alloc_fail_after(1);
  tn.netif.input(p, &tn.netif);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_NO_MEM), 1);
#endif
  /* and the next one goes through */
  rx_ip(test_mac, ip, n, 0);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);

  /* error message */
  n = mk_ip(ip, PEER_IP, OUR_IP, 253, "12345678", 8, 0, 64);
  p = rx_pbuf(ip, n, 0);
  lwip_alloc_fail_after(1);
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_NO_MEM), 2);
#endif
  icmp_dest_unreach(p, ICMP_DUR_PROTO);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);
  pbuf_free(p);

  /* from the input path: UDP to a closed port */
  n = mk_closed_port(ip, "x", 1);
  test_eth_hdr(frame, test_mac, peer_mac, 0x0800);
  memcpy(frame + 14, ip, n);
  p = test_pbuf(frame, 14 + n, 0);
  lwip_alloc_fail_after(1);
  tn.netif.input(p, &tn.netif);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_NO_MEM), 3);
#endif
#else
  skip();
#endif
}

#if LWIP_UDP
/* ---- errors about our datagrams, to the PCB that sent them ---- */

static int nerrs;
static struct ip_icmp_err last_err;

static void rec_err(void *arg, struct udp_pcb *pcb, const struct ip_icmp_err *e)
{
  (void)arg;
  (void)pcb;
  last_err = *e;
  nerrs++;
}

/* The peer's ICMP error @p type/@p code quoting @p quote (an IPv4 header
 * and what followed, @p qlen bytes). */
static void rx_error_about(const u8_t *quote, size_t qlen, u8_t type, u8_t code)
{
  u8_t icmp[128] = {type, code};
  memcpy(icmp + 8, quote, qlen);
  put_be16(icmp + 2, test_cksum(icmp, 8 + qlen, 0));
  assert_int_equal(test_cksum(icmp, 8 + qlen, 0), 0);
  u8_t ip[200];
  size_t n = mk_ip(ip, PEER_IP, OUR_IP, IP_PROTO_ICMP, icmp, 8 + qlen, 0, 64);
  rx_ip(test_mac, ip, n, 0);
}

/* RFC 1122 4.1.3.3: UDP MUST pass an ICMP error about a datagram it sent
 * up to the application: the sending PCB's udp_err() callback hears it,
 * with the reading of the code, the quoted ports and who reported it.
 * An error about another port or peer, or one whose quote does not come
 * from our address (RFC 5927 4.1), reaches nobody and is counted. */
static void test_icmp_error_to_udp(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = udp_new();
  assert_non_null(pcb);
  ip4_addr_t peer4 = {test_ip(PEER_IP)};
  ip_addr_t peer;
  ip_addr_set_ip4(&peer, &peer4);
  assert_int_equal(udp_connect(pcb, &peer, 53), ERR_OK);
  udp_err(pcb, rec_err);
  nerrs = 0;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 5, PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, "query", 5);
  assert_int_equal(udp_send(pcb, p), ERR_OK);
  pbuf_free(p);
  u8_t f[200];
  test_frames_ip_only(&tn);
  int fl = test_frame_pop_bytes(&tn, f, sizeof(f));
  assert_int_equal(fl, 14 + 20 + 8 + 5);
  const u8_t *sent = f + 14; /* its IPv4 header and the UDP header: what an error quotes */

  rx_error_about(sent, 28, ICMP_DUR, ICMP_DUR_PORT);
  assert_int_equal(nerrs, 1);
  assert_int_equal(last_err.err, ERR_RST);
  assert_int_equal(last_err.type, ICMP_DUR);
  assert_int_equal(last_err.code, ICMP_DUR_PORT);
  assert_int_equal(last_err.proto, IP_PROTO_UDP);
  assert_int_equal(last_err.sport, pcb->local_port);
  assert_int_equal(last_err.dport, 53);
  assert_true(ip_addr_eq(&last_err.dest, &peer));
  assert_true(ip_addr_eq(&last_err.reporter, &peer));
  assert_ptr_equal(last_err.inp, nif);
  rx_error_about(sent, 28, ICMP_TE, 0);
  assert_int_equal(nerrs, 2);
  assert_int_equal(last_err.err, ERR_RTE);

#if LWIP_STATS
  u32_t unhandled = DROPS(ICMP_UNHANDLED);
#endif
  u8_t other[28];
  memcpy(other, sent, 28);
  put_be16(other + 20, (u16_t)(pcb->local_port + 1)); /* another source port */
  rx_error_about(other, 28, ICMP_DUR, ICMP_DUR_PORT);
  memcpy(other, sent, 28);
  put_be16(other + 22, 54); /* another peer port for a connected PCB */
  rx_error_about(other, 28, ICMP_DUR, ICMP_DUR_PORT);
  memcpy(other, sent, 28);
  u32_t notours = test_ip("192.168.1.77");
  memcpy(other + 12, &notours, 4); /* a quoted source that is not ours */
  rx_error_about(other, 28, ICMP_DUR, ICMP_DUR_PORT);
  rx_error_about(sent, 20 + 4, ICMP_DUR, ICMP_DUR_PORT); /* too short to hold the ports */
  assert_int_equal(nerrs, 2);
#if LWIP_STATS
  assert_int_equal(DROPS(ICMP_UNHANDLED), unhandled + 4);
#endif
  /* A removed PCB hears nothing more. */
  udp_remove(pcb);
  rx_error_about(sent, 28, ICMP_DUR, ICMP_DUR_PORT);
  assert_int_equal(nerrs, 2);
  assert_int_equal(test_frames_ip_only(&tn), 0); /* errors are never answered */
}
#endif

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_icmp_echo_reply_exact, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_echo_not_rate_limited, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_echo_chained, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_echo_broadcast_ignored, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_rx_invalid, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_other_types_unhandled, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_error_quote, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_error_suppressed, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_echo_from_any_not_answered, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_rate_limit, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_rate_limit_not_spent_on_suppressed, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_ratelimit_port_scan, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_ratelimit_off, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_ratelimit_api, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_icmp_ratelimit_errors_only, test_setup, test_teardown),
    cmocka_unit_test(test_tokbucket_edges),
    cmocka_unit_test_setup_teardown(test_icmp_alloc_failure, test_setup, test_teardown),
#if LWIP_UDP
    cmocka_unit_test_setup_teardown(test_icmp_error_to_udp, test_setup, test_teardown),
#endif
  };
  return cmocka_run_group_tests_name("icmp", tests, NULL, NULL);
}
