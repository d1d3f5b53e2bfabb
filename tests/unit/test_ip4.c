/* Unit tests for core/ipv4/ip4.c: validation of received headers (each
 * drop counted with its reason), delivery rules, routing, the exact bytes
 * of what is sent, loopback, forwarding and fragmentation on output. */
#include "test_common.h"

#include <stdlib.h>
#include <arpa/inet.h>

#include "lwip/ip4.h"
#include "lwip/icmp.h"
#include "lwip/udp.h"
#include "lwip/igmp.h"
#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/icmp.h"

#if LWIP_UDP

#define OUR_IP "192.168.1.10"
#define PEER_IP "192.168.1.2"
#define BCAST_IP "192.168.1.255"
#define OUR_IP2 "10.0.0.1"
#define PEER2_IP "10.0.0.2"
#define PORT 7000

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#define IP4_STATS (lwip_stats.proto[LWIP_PROTO_IP4])
#endif

static const u8_t peer2_mac[6] = {0x02, 0, 0, 0, 0, 0xbb};
static const u8_t test_mac3[6] = {0x02, 0, 0, 0, 0, 0x03};
static const u8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static struct test_netif tn;
static struct test_netif tn2;
static struct test_netif tn3;
static struct netif *nif;

/* ---- receive recorder on UDP port 7000 ---- */
#define MAX_RECS 8
struct rec {
  u8_t data[2048];
  u16_t len;
  ip_addr_t addr;
  u16_t port;
};
static struct rec recs[MAX_RECS];
static int nrecs;
static struct udp_pcb *upcb;

static void rec_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)arg;
  (void)pcb;
  assert_true(nrecs < MAX_RECS);
  struct rec *r = &recs[nrecs++];
  r->len = p->tot_len;
  assert_true(p->tot_len <= sizeof(r->data));
  pbuf_copy_partial(p, r->data, p->tot_len, 0);
  r->addr = *addr;
  r->port = port;
  pbuf_free(p);
}

static void add_arp(const char *ip, const u8_t mac[6])
{
  test_add_arp(test_ip(ip), mac);
}

/* One netif 192.168.1.10/24 (default) with a static ARP entry for the
 * peer, and a UDP PCB listening on port 7000. */
static void fixture(void)
{
  nrecs = 0;
  memset(recs, 0, sizeof(recs));
  nif = test_netif_add(&tn, OUR_IP, "255.255.255.0", "192.168.1.1", test_mac);
  add_arp(PEER_IP, peer_mac);
  upcb = udp_new();
  assert_non_null(upcb);
  assert_int_equal(udp_bind(upcb, NULL, PORT), ERR_OK);
  udp_recv(upcb, rec_recv, NULL);
}

static void done(void)
{
  if (upcb != NULL) {
    udp_remove(upcb);
    upcb = NULL;
  }
}

/* A second netif 10.0.0.1/24 with a static ARP entry for 10.0.0.2. */
static struct netif *add_second(void)
{
  struct netif *n = test_netif_add(&tn2, OUR_IP2, "255.255.255.0", NULL, test_mac2);
  add_arp(PEER2_IP, peer2_mac);
  return n;
}

/* IPv4 datagram (20-byte header, id 0x4242) into @p buf. */
static size_t mk_ip(u8_t *buf, const char *src, const char *dst, u8_t proto, const void *pl, size_t plen,
                    u16_t frag, u8_t ttl)
{
  test_ip4_hdr(buf, src, dst, proto, (u16_t)(20 + plen), 0x4242, frag, ttl);
  memcpy(buf + 20, pl, plen);
  return 20 + plen;
}

/* IPv4 datagram carrying a UDP datagram to our PORT. */
static size_t mk_ip_udp(u8_t *buf, const char *src, const char *dst, u16_t dport, const void *pl, size_t plen)
{
  u8_t udp[1600];
  size_t ulen = test_udp(udp, src, dst, 1234, dport, pl, plen);
  return mk_ip(buf, src, dst, IP_PROTO_UDP, udp, ulen, 0, 64);
}

/* Ethernet frame from the peer to @p dmac carrying @p ip. */
static size_t mk_frame(u8_t *frame, const u8_t dmac[6], const u8_t *ip, size_t iplen)
{
  test_eth_hdr(frame, dmac, peer_mac, 0x0800);
  memcpy(frame + 14, ip, iplen);
  return 14 + iplen;
}

static void rx_ip_on(struct test_netif *t, const u8_t dmac[6], const u8_t *ip, size_t iplen)
{
  u8_t frame[1700];
  size_t n = mk_frame(frame, dmac, ip, iplen);
  test_rx(t, frame, n);
}

/* Straight into ip4_input (no Ethernet), as a driver without framing. */
static void ip4_in(const u8_t *ip, size_t len)
{
  assert_int_equal(ip4_input(test_pbuf(ip, len, 0), nif), ERR_OK);
}

static void set4(ip4_addr_t *a, const char *dotted)
{
  a->addr = test_ip(dotted);
}

/* ------------------------------------------------------------------ */
/* Input validation                                                     */
/* ------------------------------------------------------------------ */

static void test_ip4_rx_validation(void **state)
{
  (void)state;
  fixture();
  u8_t good[64], b[64];
  size_t n = mk_ip_udp(good, PEER_IP, OUR_IP, PORT, "abcd", 4);
  assert_int_equal(n, 32);

  /* shorter than a header */
  ip4_in(good, 19);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_SHORT), 1);
#endif
  /* version 5 in ip4_input, version 6 through the generic ip_input (which
   * hands it to IPv6 when built in: 32 bytes are short of its header) */
  memcpy(b, good, n);
  b[0] = 0x55;
  ip4_in(b, n);
  b[0] = 0x65;
  assert_int_equal(ip_input(test_pbuf(b, n, 0), nif), ERR_OK);
#if LWIP_STATS && LWIP_IPV6
  assert_int_equal(DROPS(IP4_BAD_VERSION), 1);
  assert_int_equal(DROPS(IP6_SHORT), 1);
#elif LWIP_STATS
  assert_int_equal(DROPS(IP4_BAD_VERSION), 2);
#endif
  /* header length 16 bytes */
  memcpy(b, good, n);
  b[0] = 0x44;
  ip4_in(b, n);
  /* header length 60 bytes in a 32-byte packet */
  b[0] = 0x4f;
  ip4_in(b, n);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_BAD_HLEN), 2);
#endif
  /* total length below the header length, then beyond the frame (each
   * with a correct checksum so only the length can be blamed) */
  memcpy(b, good, n);
  put_be16(b + 2, 19);
  put_be16(b + 10, 0);
  put_be16(b + 10, test_cksum(b, 20, 0));
  ip4_in(b, n);
  put_be16(b + 2, (u16_t)(n + 1));
  put_be16(b + 10, 0);
  put_be16(b + 10, test_cksum(b, 20, 0));
  ip4_in(b, n);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_BAD_TOTLEN), 2);
#endif
  /* header checksum */
  memcpy(b, good, n);
  b[10] ^= 0x01;
  ip4_in(b, n);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_BAD_CHKSUM), 1);
#endif
  /* broadcast and multicast sources (RFC 1122 3.2.1.3) */
  const char *bad_src[] = {"255.255.255.255", BCAST_IP, "224.0.0.5", "239.1.1.1"};
  for (size_t i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++) {
    n = mk_ip_udp(b, bad_src[i], OUR_IP, PORT, "abcd", 4);
    ip4_in(b, n);
  }
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_BAD_SRC), 4);
#endif
  assert_int_equal(nrecs, 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);

  /* the untouched datagram is fine: the rejections above were for the
   * one field changed, not a broken builder */
  ip4_in(good, 32);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 4);
  assert_memory_equal(recs[0].data, "abcd", 4);
  /* source 0.0.0.0 is allowed (a host that has no address yet) */
  n = mk_ip_udp(b, "0.0.0.0", OUR_IP, PORT, "z", 1);
  ip4_in(b, n);
  assert_int_equal(nrecs, 2);
#if LWIP_STATS
  /* the version-6 packet is IPv6's when it is built in */
  assert_int_equal(IP4_STATS.recv, LWIP_IPV6 ? 13 : 14);
  assert_int_equal(IP4_STATS.drop, LWIP_IPV6 ? 11 : 12);
  assert_int_equal(IP4_STATS.lenerr, 5);
  assert_int_equal(IP4_STATS.chkerr, 1);
#endif
  done();
}

static void test_ip4_rx_short_frames(void **state)
{
  (void)state;
  fixture();
  u8_t ip[64];
  size_t n = mk_ip_udp(ip, PEER_IP, OUR_IP, PORT, "abcd", 4);
  /* an empty pbuf */
  ip4_in(ip, 0);
  /* a frame cut inside the header, through Ethernet */
  rx_ip_on(&tn, test_mac, ip, 10);
  /* a frame cut inside the payload: the total length lies */
  rx_ip_on(&tn, test_mac, ip, n - 1);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_SHORT), 2);
  assert_int_equal(DROPS(IP4_BAD_TOTLEN), 1);
#endif
  assert_int_equal(nrecs, 0);
  done();
}

/* RFC 894: Ethernet frames are padded to 60 bytes; the padding is not part
 * of the datagram and must be cut off before UDP checks its length. */
static void test_ip4_rx_padding_trimmed(void **state)
{
  (void)state;
  fixture();
  u8_t ip[64], frame[80];
  size_t n = mk_ip_udp(ip, PEER_IP, OUR_IP, PORT, "", 0);
  assert_int_equal(n, 28);
  size_t fl = mk_frame(frame, test_mac, ip, n);
  memset(frame + fl, 0xee, 60 - fl);
  test_rx(&tn, frame, 60);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 0);
  /* a payload of 3 bytes with padding behind it too */
  n = mk_ip_udp(ip, PEER_IP, OUR_IP, PORT, "xyz", 3);
  fl = mk_frame(frame, test_mac, ip, n);
  memset(frame + fl, 0x55, 60 - fl);
  test_rx(&tn, frame, 60);
  assert_int_equal(nrecs, 2);
  assert_int_equal(recs[1].len, 3);
  assert_memory_equal(recs[1].data, "xyz", 3);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_BAD_LEN), 0);
  assert_int_equal(DROPS(UDP_BAD_CHKSUM), 0);
#endif
  done();
}

/* A 24-byte header whose option area holds NOP NOP NOP EOL: the transport
 * data starts after the options. */
static size_t mk_ip_opts(u8_t *b, const char *src, const char *dst, u16_t dport, const void *pl, size_t plen)
{
  u8_t udp[256];
  size_t ulen = test_udp(udp, src, dst, 1234, dport, pl, plen);
  test_ip4_hdr(b, src, dst, IP_PROTO_UDP, (u16_t)(24 + ulen), 0x77, 0, 64);
  b[0] = 0x46;
  b[20] = IP_OPT_NOP;
  b[21] = IP_OPT_NOP;
  b[22] = IP_OPT_NOP;
  b[23] = IP_OPT_EOL;
  put_be16(b + 10, 0);
  put_be16(b + 10, test_cksum(b, 24, 0));
  memcpy(b + 24, udp, ulen);
  return 24 + ulen;
}

static void test_ip4_rx_options_skipped(void **state)
{
  (void)state;
  fixture();
  u8_t ip[128];
  size_t n = mk_ip_opts(ip, PEER_IP, OUR_IP, PORT, "options", 7);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 7);
  assert_memory_equal(recs[0].data, "options", 7);
  assert_int_equal(ip_2_ip4(&recs[0].addr)->addr, test_ip(PEER_IP));
  assert_int_equal(recs[0].port, 1234);

  /* to a closed port: the ICMP error quotes all 24 header bytes plus 8 */
  n = mk_ip_opts(ip, PEER_IP, OUR_IP, 9, "options", 7);
  rx_ip_on(&tn, test_mac, ip, n);
  u8_t f[256];
  int fl = test_pop_ip_bytes(&tn, f, sizeof(f));
  assert_int_equal(fl, 14 + 20 + 8 + 24 + 8);
  assert_int_equal(f[34], ICMP_DUR);
  assert_int_equal(f[35], ICMP_DUR_PORT);
  assert_memory_equal(f + 42, ip, 32);
  done();
}

static void test_ip4_rx_chained_header(void **state)
{
  (void)state;
  fixture();
  u8_t ip[128], frame[160];
  size_t n = mk_ip_udp(ip, PEER_IP, OUR_IP, PORT, "chained!", 8);
  size_t fl = mk_frame(frame, test_mac, ip, n);
  /* splits: inside the Ethernet header, 6 bytes into the IP header, and
   * every 7 bytes throughout */
  const size_t chunks[] = {10, 20, 7, 3};
  for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
    test_rx_chunked(&tn, frame, fl, chunks[i]);
    assert_int_equal(nrecs, (int)i + 1);
    assert_int_equal(recs[i].len, 8);
    assert_memory_equal(recs[i].data, "chained!", 8);
  }
  /* options split across pbufs */
  n = mk_ip_opts(ip, PEER_IP, OUR_IP, PORT, "o", 1);
  fl = mk_frame(frame, test_mac, ip, n);
  test_rx_chunked(&tn, frame, fl, 36);
  assert_int_equal(nrecs, 5);
  assert_int_equal(recs[4].len, 1);

  /* A link-level broadcast frame keeps that property when its split header
   * is made contiguous: no ICMP error may answer it (RFC 1122 3.2.2). */
  n = mk_ip_udp(ip, PEER_IP, OUR_IP, 9, "x", 1);
  fl = mk_frame(frame, bcast_mac, ip, n);
  test_rx_chunked(&tn, frame, fl, 20);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* ...while the same as unicast is answered */
  fl = mk_frame(frame, test_mac, ip, n);
  test_rx_chunked(&tn, frame, fl, 20);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);
#if LWIP_TEST_HOOKS
  /* no memory to make the header contiguous */
  n = mk_ip_udp(ip, PEER_IP, OUR_IP, PORT, "nomem", 5);
  fl = mk_frame(frame, test_mac, ip, n);
  struct pbuf *p = test_pbuf(frame, fl, 20);
  lwip_alloc_fail_after(1);
  tn.netif.input(p, &tn.netif);
  assert_int_equal(nrecs, 5);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NO_MEM), 1);
#endif
#endif
  done();
}

/* ------------------------------------------------------------------ */
/* Delivery                                                             */
/* ------------------------------------------------------------------ */

static void test_ip4_rx_delivery(void **state)
{
  (void)state;
  fixture();
  u8_t ip[128];
  size_t n;

  n = mk_ip_udp(ip, PEER_IP, OUR_IP, PORT, "uni", 3);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(nrecs, 1);
  n = mk_ip_udp(ip, PEER_IP, "255.255.255.255", PORT, "lim", 3);
  rx_ip_on(&tn, bcast_mac, ip, n);
  assert_int_equal(nrecs, 2);
  assert_memory_equal(recs[1].data, "lim", 3);
  n = mk_ip_udp(ip, PEER_IP, BCAST_IP, PORT, "dir", 3);
  rx_ip_on(&tn, bcast_mac, ip, n);
  assert_int_equal(nrecs, 3);
  assert_memory_equal(recs[2].data, "dir", 3);

  const u8_t mc_mac[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
#if LWIP_IGMP
  ip4_addr_t grp;
  set4(&grp, "239.1.2.3");
  assert_int_equal(igmp_joingroup_netif(nif, &grp), ERR_OK);
  test_frames_clear(&tn); /* the membership report */
  n = mk_ip_udp(ip, PEER_IP, "239.1.2.3", PORT, "mc", 2);
  rx_ip_on(&tn, mc_mac, ip, n);
  assert_int_equal(nrecs, 4);
  assert_memory_equal(recs[3].data, "mc", 2);
  assert_int_equal(igmp_leavegroup_netif(nif, &grp), ERR_OK);
  test_frames_clear(&tn);
  /* after leaving, the group is someone else's */
  rx_ip_on(&tn, mc_mac, ip, n);
  assert_int_equal(nrecs, 4);
#endif
  int before = nrecs;
  /* a group never joined, and another host on our subnet */
  n = mk_ip_udp(ip, PEER_IP, "239.9.9.9", PORT, "no", 2);
  rx_ip_on(&tn, mc_mac, ip, n);
  n = mk_ip_udp(ip, PEER_IP, "192.168.1.77", PORT, "no", 2);
  rx_ip_on(&tn, test_mac, ip, n);
  /* a host elsewhere entirely */
  n = mk_ip_udp(ip, PEER_IP, "8.8.8.8", PORT, "no", 2);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(nrecs, before);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NOT_FOR_US), 3 + (LWIP_IGMP ? 1 : 0));
#endif
  done();
}

/* The weak host model: our address on another netif is ours too. */
static void test_ip4_rx_weak_host(void **state)
{
  (void)state;
  fixture();
  add_second();
  u8_t ip[128];
  size_t n = mk_ip_udp(ip, PEER_IP, OUR_IP2, PORT, "weak", 4);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(nrecs, 1);
  /* ...but not while that netif is down */
  netif_set_down(&tn2.netif);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(nrecs, 1);
  done();
}

/* The protocol table: each protocol number the build has reaches its
 * handler (its receive counter moves), none is taken as unknown. */
static void test_ip4_rx_protocol_table(void **state)
{
  (void)state;
#if LWIP_STATS
  fixture();
  static const struct {
    u8_t proto;
    int counter;
  } table[] = {
    {.proto = IP_PROTO_ICMP, .counter = LWIP_PROTO_ICMP},
#if LWIP_IGMP
    {.proto = IP_PROTO_IGMP, .counter = LWIP_PROTO_IGMP},
#endif
#if LWIP_UDP
    {.proto = IP_PROTO_UDP, .counter = LWIP_PROTO_UDP},
#if LWIP_UDPLITE
    {.proto = IP_PROTO_UDPLITE, .counter = LWIP_PROTO_UDP},
#endif
#endif
#if LWIP_TCP
    {.proto = IP_PROTO_TCP, .counter = LWIP_PROTO_TCP},
#endif
  };
  u8_t ip[128], payload[8] = {0};
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
    u32_t before = lwip_stats.proto[table[i].counter].recv;
    size_t n = mk_ip(ip, PEER_IP, OUR_IP, table[i].proto, payload, sizeof(payload), 0, 64);
    rx_ip_on(&tn, test_mac, ip, n);
    assert_int_equal(lwip_stats.proto[table[i].counter].recv, before + 1);
    assert_int_equal(DROPS(IP4_UNKNOWN_PROTO), 0);
    test_frames_clear(&tn); /* whatever the protocol answered to zeros */
  }
  done();
#else
  skip();
#endif
}

/* RFC 1122 3.2.2.1: protocol unreachable, quoting header + 8 bytes. */
static void test_ip4_rx_unknown_proto(void **state)
{
  (void)state;
  fixture();
  u8_t ip[128], payload[16];
  for (size_t i = 0; i < sizeof(payload); i++) {
    payload[i] = (u8_t)(0xa0 + i);
  }
  size_t n = mk_ip(ip, PEER_IP, OUR_IP, 253, payload, sizeof(payload), 0, 64);
  rx_ip_on(&tn, test_mac, ip, n);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_UNKNOWN_PROTO), 1);
#endif
  u8_t f[256];
  int fl = test_pop_ip_bytes(&tn, f, sizeof(f));
  assert_int_equal(fl, 14 + 20 + 8 + 28);
  assert_memory_equal(f, peer_mac, 6);
  assert_memory_equal(f + 6, test_mac, 6);
  const u8_t *h = f + 14;
  assert_int_equal(h[0], 0x45);
  assert_int_equal(get_be16(h + 2), 56);
  assert_int_equal(h[8], 64);
  assert_int_equal(h[9], IP_PROTO_ICMP);
  assert_int_equal(test_cksum(h, 20, 0), 0);
  u32_t s = test_ip(OUR_IP), d = test_ip(PEER_IP);
  assert_memory_equal(h + 12, &s, 4);
  assert_memory_equal(h + 16, &d, 4);
  const u8_t *m = h + 20;
  u8_t expect[36] = {ICMP_DUR, ICMP_DUR_PROTO, 0, 0, 0, 0, 0, 0};
  memcpy(expect + 8, ip, 28);
  put_be16(expect + 2, test_cksum(expect, 36, 0));
  assert_memory_equal(m, expect, 36);
  assert_int_equal(test_frames_ip_only(&tn), 0);

  /* the same to a broadcast address: dropped without a word */
  n = mk_ip(ip, PEER_IP, BCAST_IP, 253, payload, sizeof(payload), 0, 64);
  rx_ip_on(&tn, bcast_mac, ip, n);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_UNKNOWN_PROTO), 2);
#endif
  done();
}

/* ------------------------------------------------------------------ */
/* Routing                                                              */
/* ------------------------------------------------------------------ */

static void test_ip4_route(void **state)
{
  (void)state;
  fixture();
  struct netif *n2 = test_netif_add(&tn2, "10.0.0.1", "255.0.0.0", NULL, test_mac2);
  struct netif *n3 = test_netif_add(&tn3, "10.1.0.1", "255.255.0.0", NULL, test_mac3);
  ip4_addr_t a, s;

  set4(&a, "10.1.2.3");
  assert_ptr_equal(ip4_route(&a), n3); /* /16 beats /8 */
  set4(&a, "10.2.0.1");
  assert_ptr_equal(ip4_route(&a), n2);
  set4(&a, "192.168.1.99");
  assert_ptr_equal(ip4_route(&a), nif);
  set4(&a, "8.8.8.8");
  assert_ptr_equal(ip4_route(&a), nif); /* default */
  set4(&a, "239.1.1.1");
  assert_ptr_equal(ip4_route(&a), nif); /* multicast leaves by the default */
  set4(&a, "255.255.255.255");
  assert_ptr_equal(ip4_route(&a), nif);
  assert_null(ip4_route(NULL));
#if LWIP_LOOPBACK
  set4(&a, "127.0.0.1");
  assert_ptr_equal(ip4_route(&a), netif_loopback);
#endif

  /* a down netif or one without link is skipped */
  set4(&a, "10.1.2.3");
  netif_set_down(n3);
  assert_ptr_equal(ip4_route(&a), n2);
  netif_set_up(n3);
  assert_ptr_equal(ip4_route(&a), n3);
  netif_set_link_down(n3);
  assert_ptr_equal(ip4_route(&a), n2);
  netif_set_link_up(n3);
  test_frames_clear(&tn3);

  /* the default netif changes, and unusable defaults give no route */
  set4(&a, "8.8.8.8");
  netif_set_default(n2);
  assert_ptr_equal(ip4_route(&a), n2);
  netif_set_link_down(n2);
  assert_null(ip4_route(&a));
  netif_set_link_up(n2);
  netif_set_default(NULL);
  assert_null(ip4_route(&a));
  netif_set_default(nif);
  test_frames_clear(&tn2);

  /* ip4_route_src: the netif owning the source wins when it reaches the
   * destination directly... */
  set4(&s, "10.0.0.1");
  set4(&a, "10.1.2.3");
  assert_ptr_equal(ip4_route_src(&s, &a), n2);
  /* ...but not for a destination it has no route to (no gateway) */
  set4(&a, "8.8.8.8");
  assert_ptr_equal(ip4_route_src(&s, &a), nif);
  ip4_addr_t gw;
  set4(&gw, "10.0.0.254");
  netif_set_gw(n2, &gw);
  assert_ptr_equal(ip4_route_src(&s, &a), n2);
  /* multicast and broadcast are reachable from any netif */
  set4(&a, "239.1.1.1");
  set4(&s, "10.1.0.1");
  assert_ptr_equal(ip4_route_src(&s, &a), n3);
  set4(&a, "255.255.255.255");
  assert_ptr_equal(ip4_route_src(&s, &a), n3);
  /* an unknown source, any, or none falls back to ip4_route */
  set4(&a, "10.1.2.3");
  set4(&s, "172.16.0.1");
  assert_ptr_equal(ip4_route_src(&s, &a), n3);
  set4(&s, "0.0.0.0");
  assert_ptr_equal(ip4_route_src(&s, &a), n3);
  assert_ptr_equal(ip4_route_src(NULL, &a), n3);
  /* the source's netif down: ordinary routing */
  set4(&s, "10.0.0.1");
  netif_set_down(n2);
  assert_ptr_equal(ip4_route_src(&s, &a), n3);
  set4(&a, "8.8.8.8");
  assert_ptr_equal(ip4_route_src(&s, &a), nif);

  /* ip4_addr_is_ours */
  set4(&a, "10.1.0.1");
  assert_true(ip4_addr_is_ours(&a));
  set4(&a, "10.0.0.1");
  assert_false(ip4_addr_is_ours(&a)); /* its netif is down */
  set4(&a, "0.0.0.0");
  assert_false(ip4_addr_is_ours(&a));
  assert_false(ip4_addr_is_ours(NULL));
  test_frames_clear(&tn);
  test_frames_clear(&tn2);
  test_frames_clear(&tn3);
  done();
}

/* ------------------------------------------------------------------ */
/* Output                                                               */
/* ------------------------------------------------------------------ */

/* Pop one frame to @p dmac and check it is exactly an IPv4 datagram with
 * the given fields and @p payload; @return the IP identification. */
static u16_t check_out(struct test_netif *t, const u8_t dmac[6], const u8_t smac[6], const char *src,
                       const char *dst, u8_t ttl, u8_t tos, u8_t proto, const u8_t *payload, size_t plen)
{
  u8_t f[1600];
  int fl = test_pop_ip_bytes(t, f, sizeof(f));
  assert_int_equal(fl, (int)(14 + 20 + plen)); /* the fake driver does not pad */
  assert_memory_equal(f, dmac, 6);
  assert_memory_equal(f + 6, smac, 6);
  assert_int_equal(get_be16(f + 12), 0x0800);
  const u8_t *h = f + 14;
  u16_t id = get_be16(h + 4);
  u8_t expect[20];
  test_ip4_hdr(expect, src, dst, proto, (u16_t)(20 + plen), id, 0, ttl);
  expect[1] = tos;
  put_be16(expect + 10, 0);
  put_be16(expect + 10, test_cksum(expect, 20, 0));
  assert_memory_equal(h, expect, 20);
  assert_memory_equal(h + 20, payload, plen);
  return id;
}

static void test_ip4_output_exact(void **state)
{
  (void)state;
  fixture();
  u8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ip4_addr_t dst;
  set4(&dst, PEER_IP);

  /* with header room: the header goes in front, in place */
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, sizeof(data), PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, data, sizeof(data));
  void *pl = p->payload;
  assert_int_equal(ip4_output(p, NULL, &dst, 33, 0x10, IP_PROTO_UDP), ERR_OK);
  assert_ptr_equal(p->payload, pl);
  assert_int_equal(p->len, 8);
  assert_int_equal(p->tot_len, 8);
  assert_int_equal(p->ref, 1);
  assert_null(p->next);
  assert_memory_equal(p->payload, data, 8);
  u16_t id1 = check_out(&tn, peer_mac, test_mac, OUR_IP, PEER_IP, 33, 0x10, IP_PROTO_UDP, data, 8);

  /* without header room: a header pbuf is put in front and let go */
  struct pbuf *r = pbuf_alloc(PBUF_RAW, sizeof(data), PBUF_RAM);
  assert_non_null(r);
  memcpy(r->payload, data, sizeof(data));
  pl = r->payload;
  assert_int_equal(ip4_output(r, NULL, &dst, 1, 0, 99), ERR_OK);
  assert_ptr_equal(r->payload, pl);
  assert_int_equal(r->len, 8);
  assert_int_equal(r->tot_len, 8);
  assert_int_equal(r->ref, 1);
  assert_null(r->next);
  u16_t id2 = check_out(&tn, peer_mac, test_mac, OUR_IP, PEER_IP, 1, 0, 99, data, 8);
  assert_int_equal((u16_t)(id1 + 1), id2); /* identification advances */

  /* an explicit source is used as given; ip4_output_if_src keeps any */
  ip4_addr_t src;
  set4(&src, "192.168.1.11");
  assert_int_equal(ip4_output_if(p, &src, &dst, 64, 0, IP_PROTO_UDP, nif), ERR_OK);
  check_out(&tn, peer_mac, test_mac, "192.168.1.11", PEER_IP, 64, 0, IP_PROTO_UDP, data, 8);
  set4(&src, "0.0.0.0");
  assert_int_equal(ip4_output_if_src(p, &src, &dst, 64, 0, IP_PROTO_UDP, nif), ERR_OK);
  check_out(&tn, peer_mac, test_mac, "0.0.0.0", PEER_IP, 64, 0, IP_PROTO_UDP, data, 8);
  assert_int_equal(ip4_output_if(p, NULL, &dst, 64, 0, IP_PROTO_UDP, nif), ERR_OK);
  check_out(&tn, peer_mac, test_mac, OUR_IP, PEER_IP, 64, 0, IP_PROTO_UDP, data, 8);

  /* a chain: the header covers the whole chain */
  struct pbuf *c = pbuf_alloc(PBUF_TRANSPORT, 4, PBUF_RAM);
  struct pbuf *c2 = pbuf_alloc(PBUF_RAW, 4, PBUF_RAM);
  memcpy(c->payload, data, 4);
  memcpy(c2->payload, data + 4, 4);
  pbuf_cat(c, c2);
  assert_int_equal(ip4_output(c, NULL, &dst, 64, 0, IP_PROTO_UDP), ERR_OK);
  assert_int_equal(c->tot_len, 8);
  check_out(&tn, peer_mac, test_mac, OUR_IP, PEER_IP, 64, 0, IP_PROTO_UDP, data, 8);
  pbuf_free(c);

  /* HDRINCL: the header already in the pbuf is sent unchanged */
  u8_t ip[64];
  size_t n = mk_ip(ip, OUR_IP, PEER_IP, 99, data, 8, 0, 7);
  struct pbuf *h = pbuf_alloc(PBUF_IP, (u16_t)n, PBUF_RAM);
  memcpy(h->payload, ip, n);
  assert_int_equal(ip4_output_if(h, NULL, NULL, 0, 0, 0, nif), ERR_OK);
  u8_t f[128];
  assert_int_equal(test_pop_ip_bytes(&tn, f, sizeof(f)), 14 + 28);
  assert_memory_equal(f + 14, ip, n);
  /* a "header" too short to hold a destination */
  pbuf_realloc(h, 10);
  assert_int_equal(ip4_output_if(h, NULL, NULL, 0, 0, 0, nif), ERR_VAL);
  pbuf_free(h);

  /* errors: no route, netif down */
  netif_set_default(NULL);
  set4(&dst, "8.8.8.8");
  assert_int_equal(ip4_output(p, NULL, &dst, 64, 0, IP_PROTO_UDP), ERR_RTE);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NO_ROUTE), 1);
#endif
  netif_set_default(nif);
  set4(&dst, PEER_IP);
  netif_set_down(nif);
  assert_int_equal(ip4_output_if(p, NULL, &dst, 64, 0, IP_PROTO_UDP, nif), ERR_RTE);
  assert_int_equal(ip4_output(p, NULL, &dst, 64, 0, IP_PROTO_UDP), ERR_RTE);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NETIF_DOWN), 1);
  assert_int_equal(DROPS(IP4_NO_ROUTE), 2);
#endif
  netif_set_up(nif);
  test_frames_clear(&tn);
  assert_int_equal(p->ref, 1);
  assert_int_equal(p->tot_len, 8);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  pbuf_free(p);
  pbuf_free(r);
  done();
}

/* The caller's pbuf is also unchanged when the driver fails. */
static void test_ip4_output_driver_error(void **state)
{
  (void)state;
  fixture();
  ip4_addr_t dst;
  set4(&dst, PEER_IP);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 8, PBUF_RAM);
  memset(p->payload, 0x11, 8);
  void *pl = p->payload;
  tn.linkoutput_ret = ERR_IF;
  err_t e = ip4_output(p, NULL, &dst, 64, 0, IP_PROTO_UDP);
  assert_int_equal(e, ERR_IF);
  assert_ptr_equal(p->payload, pl);
  assert_int_equal(p->len, 8);
  assert_int_equal(p->ref, 1);
  tn.linkoutput_ret = ERR_OK;
  assert_int_equal(test_frames_ip_only(&tn), 0);
  pbuf_free(p);
  done();
}

static void test_ip4_output_loopback(void **state)
{
  (void)state;
#if !LWIP_LOOPBACK
  skip(); /* before the fixture: skip() does not return */
#else
  fixture();
  u8_t udp[64];
  size_t ulen = test_udp(udp, OUR_IP, OUR_IP, 1234, PORT, "self", 4);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)ulen, PBUF_RAM);
  memcpy(p->payload, udp, ulen);
  ip4_addr_t dst;
  set4(&dst, OUR_IP);
  assert_int_equal(ip4_output(p, NULL, &dst, 64, 0, IP_PROTO_UDP), ERR_OK);
  assert_int_equal(p->ref, 1);
  assert_int_equal(p->tot_len, ulen);
  pbuf_free(p);
  /* not delivered from inside the sender's call, and never on the wire */
  assert_int_equal(nrecs, 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  test_clock_advance(0);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 4);
  assert_memory_equal(recs[0].data, "self", 4);
  assert_int_equal(ip_2_ip4(&recs[0].addr)->addr, test_ip(OUR_IP));
  assert_int_equal(test_frames_ip_only(&tn), 0);

  /* 127.0.0.1 goes through the loopback netif */
  ulen = test_udp(udp, "127.0.0.1", "127.0.0.1", 1234, PORT, "lo", 2);
  p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)ulen, PBUF_RAM);
  memcpy(p->payload, udp, ulen);
  set4(&dst, "127.0.0.1");
  assert_int_equal(ip4_output(p, NULL, &dst, 64, 0, IP_PROTO_UDP), ERR_OK);
  pbuf_free(p);
  test_clock_advance(0);
  assert_int_equal(nrecs, 2);
  assert_memory_equal(recs[1].data, "lo", 2);
  assert_int_equal(test_frames_ip_only(&tn), 0);

  /* 127/8 arriving from the wire is a martian */
  u8_t ip[64];
  size_t n = mk_ip_udp(ip, PEER_IP, "127.0.0.1", PORT, "martian", 7);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(nrecs, 2);
#if LWIP_TEST_HOOKS
  /* no memory for the looped copy */
  p = pbuf_alloc(PBUF_TRANSPORT, 8, PBUF_RAM);
  memset(p->payload, 0, 8);
  set4(&dst, OUR_IP);
  lwip_alloc_fail_after(1);
  assert_int_equal(ip4_output(p, NULL, &dst, 64, 0, IP_PROTO_UDP), ERR_MEM);
  assert_int_equal(p->ref, 1);
  assert_int_equal(p->tot_len, 8);
  pbuf_free(p);
  test_clock_advance(0);
  assert_int_equal(nrecs, 2);
#endif
  done();
#endif
}

static void test_ip4_output_fragmented(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(netif_set_mtu(nif, 576), ERR_OK);
  u8_t data[1000];
  for (size_t i = 0; i < sizeof(data); i++) {
    data[i] = (u8_t)(i * 7 + 1);
  }
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, sizeof(data), PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, data, sizeof(data));
  void *pl = p->payload;
  ip4_addr_t dst;
  set4(&dst, PEER_IP);
  err_t e = ip4_output(p, NULL, &dst, 64, 0, 99);
  assert_ptr_equal(p->payload, pl);
  assert_int_equal(p->tot_len, sizeof(data));
  assert_int_equal(p->ref, 1);
#if IP_FRAG
  assert_int_equal(e, ERR_OK);
  /* 576 - 20 = 556, rounded down to 8-byte units: 552 per fragment */
  u8_t f[1600];
  int fl = test_pop_ip_bytes(&tn, f, sizeof(f));
  assert_int_equal(fl, 14 + 20 + 552);
  const u8_t *h = f + 14;
  assert_int_equal(h[0], 0x45);
  assert_int_equal(get_be16(h + 2), 572);
  assert_int_equal(get_be16(h + 6), IP_MF | 0);
  assert_int_equal(h[9], 99);
  assert_int_equal(test_cksum(h, 20, 0), 0);
  assert_memory_equal(h + 20, data, 552);
  u16_t id = get_be16(h + 4);
  fl = test_pop_ip_bytes(&tn, f, sizeof(f));
  assert_int_equal(fl, 14 + 20 + 448);
  assert_int_equal(get_be16(h + 2), 468);
  assert_int_equal(get_be16(h + 6), 552 / 8);
  assert_int_equal(get_be16(h + 4), id);
  assert_int_equal(test_cksum(h, 20, 0), 0);
  assert_memory_equal(h + 20, data + 552, 448);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#else
  assert_int_equal(e, ERR_VAL);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_DF_TOO_BIG), 1);
#endif
#endif
  /* exactly the MTU is not fragmented */
  pbuf_realloc(p, 556);
  assert_int_equal(ip4_output(p, NULL, &dst, 64, 0, 99), ERR_OK);
  u8_t g[1600];
  assert_int_equal(test_pop_ip_bytes(&tn, g, sizeof(g)), 14 + 576);
  assert_int_equal(get_be16(g + 14 + 6), 0);
  pbuf_free(p);
  done();
}

static void test_ip4_output_alloc_failure(void **state)
{
  (void)state;
#if !LWIP_TEST_HOOKS
  skip();
#else
  fixture();
  ip4_addr_t dst;
  set4(&dst, PEER_IP);
  struct pbuf *r = pbuf_alloc(PBUF_RAW, 8, PBUF_RAM);
  memset(r->payload, 0x22, 8);
  void *pl = r->payload;
  lwip_alloc_fail_after(1);
  assert_int_equal(ip4_output(r, NULL, &dst, 64, 0, IP_PROTO_UDP), ERR_MEM);
  assert_ptr_equal(r->payload, pl);
  assert_int_equal(r->ref, 1);
  assert_null(r->next);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NO_MEM), 1);
#endif
  /* the next attempt succeeds */
  assert_int_equal(ip4_output(r, NULL, &dst, 64, 0, IP_PROTO_UDP), ERR_OK);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);
  pbuf_free(r);
  done();
#endif
}

/* ------------------------------------------------------------------ */
/* Forwarding                                                           */
/* ------------------------------------------------------------------ */

#if LWIP_IP_FORWARD
/* Pop an ICMP error sent to the peer on tn; checks the IP header and the
 * ICMP checksum, @return the ICMP message length (copied to @p m). */
static int pop_icmp_to_peer(u8_t *m, size_t size)
{
  u8_t f[1600];
  int fl = test_pop_ip_bytes(&tn, f, sizeof(f));
  assert_true(fl >= 14 + 20 + 8);
  assert_memory_equal(f, peer_mac, 6);
  const u8_t *h = f + 14;
  assert_int_equal(h[9], IP_PROTO_ICMP);
  assert_int_equal(test_cksum(h, 20, 0), 0);
  u32_t s = test_ip(OUR_IP), d = test_ip(PEER_IP);
  assert_memory_equal(h + 12, &s, 4);
  assert_memory_equal(h + 16, &d, 4);
  int ml = get_be16(h + 2) - 20;
  assert_true((size_t)ml <= size);
  memcpy(m, h + 20, (size_t)ml);
  assert_int_equal(test_cksum(m, (size_t)ml, 0), 0);
  return ml;
}
#endif

static void test_ip4_forward(void **state)
{
  (void)state;
  fixture();
  add_second();
  u8_t ip[1600], f[1600], m[256];
  size_t n = mk_ip_udp(ip, PEER_IP, PEER2_IP, 5000, "fwd", 3);
#if LWIP_IP_FORWARD
  /* off by default */
  assert_false(ip4_forwarding());
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(test_frames_ip_only(&tn2), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NOT_FOR_US), 1);
#endif
  assert_int_equal(ip4_set_forwarding(true), ERR_OK);
  assert_true(ip4_forwarding());

  /* TTL down by one, checksum redone, everything else unchanged */
  rx_ip_on(&tn, test_mac, ip, n);
  int fl = test_pop_ip_bytes(&tn2, f, sizeof(f));
  assert_int_equal(fl, 14 + 31);
  assert_memory_equal(f, peer2_mac, 6);
  assert_memory_equal(f + 6, test_mac2, 6);
  u8_t expect[64];
  memcpy(expect, ip, n);
  expect[8] = 63;
  put_be16(expect + 10, 0);
  put_be16(expect + 10, test_cksum(expect, 20, 0));
  assert_memory_equal(f + 14, expect, n);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(IP4_STATS.fw, 1);
#endif

  /* TTL 1: time exceeded back to the source, quoting the datagram as it
   * arrived */
  u8_t udp[64];
  size_t ulen = test_udp(udp, PEER_IP, PEER2_IP, 1234, 5000, "ttl", 3);
  n = mk_ip(ip, PEER_IP, PEER2_IP, IP_PROTO_UDP, udp, ulen, 0, 1);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(test_frames_ip_only(&tn2), 0);
  int ml = pop_icmp_to_peer(m, sizeof(m));
  assert_int_equal(ml, 8 + 28);
  assert_int_equal(m[0], ICMP_TE);
  assert_int_equal(m[1], ICMP_TE_TTL);
  assert_int_equal(get_be32(m + 4), 0);
  assert_memory_equal(m + 8, ip, 28);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_TTL_EXCEEDED), 1);
#endif
  /* TTL 0 likewise */
  n = mk_ip(ip, PEER_IP, PEER2_IP, IP_PROTO_UDP, udp, ulen, 0, 0);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(test_frames_ip_only(&tn2), 0);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);

  /* never forwarded: link-local source or destination, the other subnet's
   * broadcast, back out the netif it came in on */
  const char *cases[][2] = {
    {"169.254.1.1", PEER2_IP},
    {PEER_IP, "169.254.7.7"},
    {PEER_IP, "10.0.0.255"},
    {PEER_IP, "192.168.1.77"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    n = mk_ip_udp(ip, cases[i][0], cases[i][1], 5000, "no", 2);
    rx_ip_on(&tn, test_mac, ip, n);
  }
  assert_int_equal(test_frames_ip_only(&tn2), 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NO_FORWARD), 4);
  assert_int_equal(IP4_STATS.fw, 1);
#endif
  /* multicast is not routed: not for us */
  n = mk_ip_udp(ip, PEER_IP, "239.5.5.5", 5000, "mc", 2);
  const u8_t mc_mac[6] = {0x01, 0x00, 0x5e, 0x05, 0x05, 0x05};
  rx_ip_on(&tn, mc_mac, ip, n);
  assert_int_equal(test_frames_ip_only(&tn2), 0);

  /* DF and too big for the next hop: fragmentation needed with its MTU */
  assert_int_equal(netif_set_mtu(&tn2.netif, 576), ERR_OK);
  u8_t big[600];
  memset(big, 0x5a, sizeof(big));
  n = mk_ip(ip, PEER_IP, PEER2_IP, 99, big, sizeof(big), IP_DF, 64);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(test_frames_ip_only(&tn2), 0);
  ml = pop_icmp_to_peer(m, sizeof(m));
  assert_int_equal(ml, 8 + 28);
  assert_int_equal(m[0], ICMP_DUR);
  assert_int_equal(m[1], ICMP_DUR_FRAG);
  assert_int_equal(get_be16(m + 4), 0);
  assert_int_equal(get_be16(m + 6), 576);
  assert_memory_equal(m + 8 + 20, big, 8);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_DF_TOO_BIG), 1);
#endif
#if IP_FRAG
  /* without DF it is fragmented on the way */
  n = mk_ip(ip, PEER_IP, PEER2_IP, 99, big, sizeof(big), 0, 64);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(test_frames_ip_only(&tn2), 2);
  fl = test_pop_ip_bytes(&tn2, f, sizeof(f));
  assert_int_equal(fl, 14 + 20 + 552);
  assert_int_equal(get_be16(f + 14 + 6), IP_MF);
  assert_int_equal(f[14 + 8], 63);
  fl = test_pop_ip_bytes(&tn2, f, sizeof(f));
  assert_int_equal(fl, 14 + 20 + 48);
  assert_int_equal(get_be16(f + 14 + 6), 552 / 8);
#endif
  assert_int_equal(netif_set_mtu(&tn2.netif, 1500), ERR_OK);

  /* switched off again */
  assert_int_equal(ip4_set_forwarding(false), ERR_OK);
  n = mk_ip_udp(ip, PEER_IP, PEER2_IP, 5000, "off", 3);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(test_frames_ip_only(&tn2), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NOT_FOR_US), 3);
#endif
#else
  /* not built in: cannot be switched on, other hosts' datagrams are not
   * ours */
  assert_int_equal(ip4_set_forwarding(true), ERR_VAL);
  assert_false(ip4_forwarding());
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(test_frames_ip_only(&tn2), 0);
  (void)f;
  (void)m;
#endif
  test_frames_clear(&tn);
  test_frames_clear(&tn2);
  done();
}

/* The DHCP client port is reachable on a netif that has no address yet. */
static void test_ip4_rx_unconfigured_dhcp(void **state)
{
  (void)state;
  nrecs = 0;
  nif = test_netif_add(&tn, NULL, NULL, NULL, test_mac);
  struct udp_pcb *d = udp_new();
  assert_non_null(d);
  assert_int_equal(udp_bind(d, NULL, 68), ERR_OK);
  udp_recv(d, rec_recv, NULL);
  u8_t ip[128];
  size_t n = mk_ip_udp(ip, "192.168.1.1", "192.168.1.50", 68, "offer", 5);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(nrecs, 1);
  /* other ports are not */
  n = mk_ip_udp(ip, "192.168.1.1", "192.168.1.50", 69, "no", 2);
  rx_ip_on(&tn, test_mac, ip, n);
  assert_int_equal(nrecs, 1);
  udp_remove(d);
  test_frames_clear(&tn);
}

#endif /* LWIP_UDP */

int main(void)
{
#if LWIP_UDP
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_ip4_rx_validation, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_rx_short_frames, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_rx_padding_trimmed, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_rx_options_skipped, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_rx_chained_header, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_rx_delivery, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_rx_weak_host, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_rx_protocol_table, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_rx_unknown_proto, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_rx_unconfigured_dhcp, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_route, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_output_exact, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_output_driver_error, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_output_loopback, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_output_fragmented, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_output_alloc_failure, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_forward, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("ip4", tests, NULL, NULL);
#else
  return 0;
#endif
}
