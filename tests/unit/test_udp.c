/* Unit tests for core/udp.c: demultiplexing, validation, UDP-Lite, binding,
 * ephemeral ports and the exact bytes of what is sent. */
#include "test_common.h"

#include <stdlib.h>
#include <arpa/inet.h>

#include "lwip/udp.h"
#include "lwip/igmp.h"
#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/ip4.h"

#if LWIP_UDP

#define OUR_IP "192.168.1.10"
#define PEER_IP "192.168.1.2"
#define BCAST_IP "192.168.1.255"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

static struct test_netif tn;
static struct netif *nif;

/* ---- receive recorder ---- */
#define MAX_RECS 8
struct rec {
  struct udp_pcb *pcb;
  u8_t data[2048];
  u16_t len;
  u16_t nchain; /* pbufs in the chain handed over */
  ip_addr_t addr;
  u16_t port;
};
static struct rec recs[MAX_RECS];
static int nrecs;
static struct udp_pcb *victim; /* removed by remover_recv */

static void rec_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)arg;
  assert_true(nrecs < MAX_RECS);
  struct rec *r = &recs[nrecs++];
  r->pcb = pcb;
  r->len = p->tot_len;
  r->nchain = pbuf_clen(p);
  assert_true(p->tot_len <= sizeof(r->data));
  pbuf_copy_partial(p, r->data, p->tot_len, 0);
  r->addr = *addr;
  r->port = port;
  pbuf_free(p);
}

static void remover_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  rec_recv(arg, pcb, p, addr, port);
  if (victim != NULL) {
    udp_remove(victim);
    victim = NULL;
  }
}

static void fixture(void)
{
  nrecs = 0;
  victim = NULL;
  memset(recs, 0, sizeof(recs));
  nif = test_netif_add(&tn, OUR_IP, "255.255.255.0", "192.168.1.1", test_mac);
  test_add_peer_arp(PEER_IP);
}

static void set_ip(ip_addr_t *a, const char *dotted)
{
  ip4_addr_t v;
  v.addr = test_ip(dotted);
  ip_addr_set_ip4(a, &v);
}

static struct udp_pcb *new_bound(const char *ip, u16_t port, bool reuse)
{
  struct udp_pcb *pcb = udp_new();
  assert_non_null(pcb);
  if (reuse) {
    ip_set_option(pcb, SOF_REUSEADDR);
  }
  ip_addr_t a;
  set_ip(&a, ip != NULL ? ip : "0.0.0.0");
  assert_int_equal(udp_bind(pcb, &a, port), ERR_OK);
  udp_recv(pcb, rec_recv, NULL);
  return pcb;
}

/* Ethernet destination for an IPv4 destination: broadcast, multicast
 * (RFC 1112 6.4) or our own MAC. */
static void eth_dst_for(u8_t *frame, const char *dst)
{
  u32_t d = ntohl(test_ip(dst));
  if (d == 0xffffffffU || (d & 0xffU) == 0xffU) {
    memset(frame, 0xff, 6);
  } else if ((d >> 28) == 0xe) {
    const u8_t m[6] = {0x01, 0x00, 0x5e, (u8_t)((d >> 16) & 0x7f), (u8_t)(d >> 8), (u8_t)d};
    memcpy(frame, m, 6);
  }
}

/* A whole frame carrying @p l4 (@p l4len bytes) with protocol @p proto. */
static size_t frame_l4(u8_t *frame, const char *src, const char *dst, u8_t proto, const u8_t *l4, size_t l4len)
{
  size_t n = test_eth_ip4(frame, src, dst, proto, l4, l4len);
  eth_dst_for(frame, dst);
  return n;
}

static size_t frame_udp(u8_t *frame, const char *src, const char *dst, u16_t sport, u16_t dport,
                        const void *payload, size_t plen)
{
  u8_t udp[1600];
  size_t ulen = test_udp(udp, src, dst, sport, dport, payload, plen);
  return frame_l4(frame, src, dst, IP_PROTO_UDP, udp, ulen);
}

static void rx_udp(const char *src, const char *dst, u16_t sport, u16_t dport, const void *payload, size_t plen)
{
  u8_t frame[1600];
  size_t n = frame_udp(frame, src, dst, sport, dport, payload, plen);
  test_rx(&tn, frame, n);
}

static u32_t pseudo_sum(const char *src, const char *dst, u8_t proto, u16_t len)
{
  u32_t s = ntohl(test_ip(src)), d = ntohl(test_ip(dst));
  return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto + len;
}

/* Pop one frame and check its Ethernet and IPv4 headers; returns the length
 * and leaves the frame in @p buf. */
static int pop_ip_frame(u8_t *buf, size_t size, const u8_t dst_mac[6], u8_t proto, const char *src, const char *dst)
{
  int n = test_pop_ip_bytes(&tn, buf, size);
  assert_true(n >= 14 + 20);
  assert_memory_equal(buf, dst_mac, 6);
  assert_memory_equal(buf + 6, test_mac, 6);
  assert_int_equal(get_be16(buf + 12), 0x0800);
  const u8_t *ip = buf + 14;
  assert_int_equal(ip[0], 0x45);
  assert_int_equal(ip[9], proto);
  assert_int_equal(test_cksum(ip, 20, 0), 0);
  u32_t s = test_ip(src), d = test_ip(dst);
  assert_memory_equal(ip + 12, &s, 4);
  assert_memory_equal(ip + 16, &d, 4);
  assert_true(get_be16(ip + 2) + 14 <= n);
  return n;
}

/* ------------------------------------------------------------------ */

static void test_udp_rx_delivery(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = new_bound(NULL, 7000, false);
  rx_udp(PEER_IP, OUR_IP, 1234, 7000, "hello", 5);
  assert_int_equal(nrecs, 1);
  assert_ptr_equal(recs[0].pcb, pcb);
  assert_int_equal(recs[0].len, 5);
  assert_memory_equal(recs[0].data, "hello", 5);
  assert_int_equal(ip_2_ip4(&recs[0].addr)->addr, test_ip(PEER_IP));
  assert_int_equal(recs[0].port, 1234);
  /* another port: nobody */
  rx_udp(PEER_IP, OUR_IP, 1234, 7001, "x", 1);
  assert_int_equal(nrecs, 1);
  /* empty datagram */
  rx_udp(PEER_IP, OUR_IP, 1234, 7000, "", 0);
  assert_int_equal(nrecs, 2);
  assert_int_equal(recs[1].len, 0);
#if LWIP_STATS
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_UDP].recv, 3);
#endif
  test_frames_clear(&tn);
  udp_remove(pcb);
}

static void test_udp_best_match(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *any = new_bound(NULL, 7000, true);
  struct udp_pcb *exact = new_bound(OUR_IP, 7000, true);
  struct udp_pcb *conn = new_bound(NULL, 7000, true);
  ip_addr_t peer;
  set_ip(&peer, PEER_IP);
  assert_int_equal(udp_connect(conn, &peer, 1234), ERR_OK);
  assert_int_equal(conn->local_port, 7000);
  assert_true(udp_is_flag_set(conn, UDP_FLAGS_CONNECTED));

  rx_udp(PEER_IP, OUR_IP, 1234, 7000, "a", 1);
  assert_int_equal(nrecs, 1);
  assert_ptr_equal(recs[0].pcb, conn);
  rx_udp(PEER_IP, OUR_IP, 1235, 7000, "b", 1);
  assert_int_equal(nrecs, 2);
  assert_ptr_equal(recs[1].pcb, exact);
  udp_remove(exact);
  rx_udp(PEER_IP, OUR_IP, 1235, 7000, "c", 1);
  assert_int_equal(nrecs, 3);
  assert_ptr_equal(recs[2].pcb, any);
  udp_disconnect(conn);
  assert_false(udp_is_flag_set(conn, UDP_FLAGS_CONNECTED));
  udp_remove(any);
  rx_udp(PEER_IP, OUR_IP, 1299, 7000, "d", 1);
  assert_int_equal(nrecs, 4);
  assert_ptr_equal(recs[3].pcb, conn);
  udp_remove(conn);
}

static void test_udp_connected_filter(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *conn = new_bound(NULL, 7000, false);
  ip_addr_t peer;
  set_ip(&peer, PEER_IP);
  assert_int_equal(udp_connect(conn, &peer, 1234), ERR_OK);
  rx_udp(PEER_IP, OUR_IP, 9999, 7000, "a", 1); /* wrong source port */
  rx_udp("192.168.1.3", OUR_IP, 1234, 7000, "a", 1); /* wrong source address */
  assert_int_equal(nrecs, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_NO_PCB), 2);
#endif
  rx_udp(PEER_IP, OUR_IP, 1234, 7000, "ok", 2);
  assert_int_equal(nrecs, 1);
  test_frames_clear(&tn);
  udp_remove(conn);
}

static void test_udp_broadcast_to_all(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *a = new_bound(NULL, 7000, true);
  struct udp_pcb *b = new_bound(NULL, 7000, true);
  struct udp_pcb *c = new_bound(OUR_IP, 7000, true); /* bound to the netif's address */
  struct udp_pcb *other = new_bound(NULL, 7000, true);
  ip_addr_t elsewhere;
  set_ip(&elsewhere, "192.168.1.77");
  assert_int_equal(udp_connect(other, &elsewhere, 1234), ERR_OK);
  struct udp_pcb *port2 = new_bound(NULL, 7001, false);

  rx_udp(PEER_IP, BCAST_IP, 1234, 7000, "bcast", 5);
  assert_int_equal(nrecs, 3);
  bool seen_a = false, seen_b = false, seen_c = false;
  for (int i = 0; i < nrecs; i++) {
    assert_int_equal(recs[i].len, 5);
    assert_memory_equal(recs[i].data, "bcast", 5);
    assert_int_equal(recs[i].port, 1234);
    seen_a |= recs[i].pcb == a;
    seen_b |= recs[i].pcb == b;
    seen_c |= recs[i].pcb == c;
  }
  assert_true(seen_a && seen_b && seen_c);
  nrecs = 0;
  /* the limited broadcast too; c hears it as the holder of the netif's
   * address, "other" is connected elsewhere */
  rx_udp(PEER_IP, "255.255.255.255", 1234, 7000, "all", 3);
  assert_int_equal(nrecs, 3);
  nrecs = 0;
  /* no PCB for a broadcast: dropped quietly, never an ICMP error */
  rx_udp(PEER_IP, BCAST_IP, 1234, 7999, "x", 1);
  assert_int_equal(nrecs, 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_remove(a);
  udp_remove(b);
  udp_remove(c);
  udp_remove(other);
  udp_remove(port2);
}

static void test_udp_broadcast_callback_removes(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *p1 = new_bound(NULL, 7000, true);
  struct udp_pcb *p2 = new_bound(NULL, 7000, true);
  struct udp_pcb *p3 = new_bound(NULL, 7000, true);
  /* chains are LIFO: p3 first.  p3 removes p2 during delivery. */
  udp_recv(p3, remover_recv, NULL);
  victim = p2;
  rx_udp(PEER_IP, BCAST_IP, 1, 7000, "z", 1);
  assert_int_equal(nrecs, 2);
  assert_ptr_equal(recs[0].pcb, p3);
  assert_ptr_equal(recs[1].pcb, p1);
  udp_remove(p1);
  udp_remove(p3);
}

/* A callback that rebinds its own PCB to another port sharing its chain
 * (5064 shares 5000's bucket in the hashed build; a small build has one
 * chain) and removes the next PCB due: delivery stops there.  Before, the
 * rebound PCB still counted as on the port's chain, delivery went on from
 * its new place at the head, and the first PCB got the datagram twice. */
static struct udp_pcb *rebind_me;
static void rebinder_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  remover_recv(arg, pcb, p, addr, port);
  if (rebind_me != NULL) {
    assert_int_equal(udp_bind(rebind_me, IP4_ADDR_ANY, 5064), ERR_OK);
    rebind_me = NULL;
  }
}

static void test_udp_broadcast_callback_rebinds(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *b = new_bound(NULL, 5000, true);
  struct udp_pcb *c = new_bound(NULL, 5000, true);
  struct udp_pcb *d = new_bound(NULL, 5000, true);
  /* LIFO: d, then c, which removes b and moves itself to port 5064. */
  udp_recv(c, rebinder_recv, NULL);
  victim = b;
  rebind_me = c;
  rx_udp(PEER_IP, BCAST_IP, 1, 5000, "z", 1);
  assert_int_equal(nrecs, 2);
  assert_ptr_equal(recs[0].pcb, d);
  assert_ptr_equal(recs[1].pcb, c);
  udp_remove(c);
  udp_remove(d);
}

/* Port 0 is no port: a datagram to it reaches no PCB, not even one that
 * is not bound yet (before, the hashed build handed it to such a PCB). */
static void test_udp_port_zero_reaches_none(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *u = udp_new();
  assert_non_null(u);
  udp_recv(u, rec_recv, NULL);
  rx_udp(PEER_IP, OUR_IP, 5555, 0, "zero", 4);
  assert_int_equal(nrecs, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_NO_PCB), 1);
#endif
  test_frames_clear(&tn);
  udp_remove(u);
}

static void test_udp_no_pcb_port_unreachable(void **state)
{
  (void)state;
  fixture();
  u8_t frame[200], out[200];
  size_t n = frame_udp(frame, PEER_IP, OUR_IP, 5555, 9, "ping", 4);
  test_rx(&tn, frame, n);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_NO_PCB), 1);
#endif
#if LWIP_ICMP
  int len = pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_ICMP, OUR_IP, PEER_IP);
  const u8_t *icmp = out + 14 + 20;
  u16_t icmp_len = (u16_t)(get_be16(out + 14 + 2) - 20);
  assert_int_equal(icmp_len, 8 + 20 + 8);
  assert_true(len >= 14 + 20 + icmp_len);
  assert_int_equal(icmp[0], 3); /* destination unreachable */
  assert_int_equal(icmp[1], 3); /* port unreachable */
  assert_int_equal(test_cksum(icmp, icmp_len, 0), 0);
  assert_memory_equal(icmp + 4, "\0\0\0\0", 4);
  /* quotes the IP header and the first 8 bytes of the datagram */
  assert_memory_equal(icmp + 8, frame + 14, 20 + 8);
#endif
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* multicast to a joined group without a PCB: no error either */
#if LWIP_IGMP
  ip4_addr_t g;
  g.addr = test_ip("239.1.1.1");
  assert_int_equal(igmp_joingroup_netif(nif, &g), ERR_OK);
  test_frames_clear(&tn);
  rx_udp(PEER_IP, "239.1.1.1", 5555, 9, "m", 1);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
  test_frames_clear(&tn);
#endif
}

static void test_udp_bad_checksum_and_zero(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = new_bound(NULL, 7000, false);
  u8_t frame[200];
  size_t n = frame_udp(frame, PEER_IP, OUR_IP, 1, 7000, "data", 4);
  frame[14 + 20 + 8] ^= 0x01; /* corrupt the payload */
  test_rx(&tn, frame, n);
  assert_int_equal(nrecs, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_BAD_CHKSUM), 1);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_UDP].chkerr, 1);
#endif
  /* RFC 768: checksum 0 = none computed; accepted even with wrong data */
  frame[14 + 20 + 6] = frame[14 + 20 + 7] = 0;
  test_rx(&tn, frame, n);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 4);
  /* 0xffff stands for a computed zero (RFC 768): it is checked, not
   * skipped, and here the true sum differs */
  n = frame_udp(frame, PEER_IP, OUR_IP, 1, 7000, "data", 4);
  assert_int_not_equal(get_be16(frame + 14 + 20 + 6), 0xffff);
  frame[14 + 20 + 6] = frame[14 + 20 + 7] = 0xff;
  test_rx(&tn, frame, n);
  assert_int_equal(nrecs, 1);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_BAD_CHKSUM), 2);
#endif
  /* with receive checksum offload the stack no longer checks; a build
   * without the offload option ignores chksum_flags and checks anyway */
  n = frame_udp(frame, PEER_IP, OUR_IP, 1, 7000, "data", 4);
  frame[14 + 20 + 8] ^= 0x01;
  nif->chksum_flags = (u16_t)(nif->chksum_flags & ~NETIF_CHECKSUM_CHECK_UDP);
  test_rx(&tn, frame, n);
#if LWIP_OFFLOAD
  assert_int_equal(nrecs, 2);
#else
  assert_int_equal(nrecs, 1);
#endif
  nif->chksum_flags = NETIF_CHECKSUM_ENABLE_ALL;
  udp_remove(pcb);
}

/* A UDP header whose length field says @p ulen, in an IP packet carrying
 * @p iplen bytes of UDP. */
static void rx_udp_lengths(u16_t ulen, size_t iplen, bool fix_cksum)
{
  u8_t udp[100], frame[200];
  memset(udp, 0xab, sizeof(udp));
  put_be16(udp, 1);
  put_be16(udp + 2, 7000);
  put_be16(udp + 4, ulen);
  udp[6] = udp[7] = 0;
  if (fix_cksum && ulen >= 8 && ulen <= iplen) {
    u16_t c = test_cksum(udp, ulen, pseudo_sum(PEER_IP, OUR_IP, 17, ulen));
    put_be16(udp + 6, c == 0 ? 0xffff : c);
  }
  size_t n = frame_l4(frame, PEER_IP, OUR_IP, IP_PROTO_UDP, udp, iplen);
  test_rx(&tn, frame, n);
}

static void test_udp_bad_length(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = new_bound(NULL, 7000, false);
  rx_udp_lengths(20, 16, false); /* claims more than IP carries */
  rx_udp_lengths(7, 16, false);  /* below the header */
  rx_udp_lengths(0, 16, false);
  assert_int_equal(nrecs, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_BAD_LEN), 3);
#endif
  rx_udp_lengths(8, 4, false); /* shorter than a header */
  assert_int_equal(nrecs, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_SHORT), 1);
#endif
  /* padding after the datagram is trimmed (checksum over ulen only) */
  rx_udp_lengths(13, 30, true);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 5);
  assert_memory_equal(recs[0].data, "\xab\xab\xab\xab\xab", 5);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_remove(pcb);
}

#if LWIP_UDPLITE
/* A UDP-Lite datagram with coverage field @p cov; the checksum covers
 * @p sum_bytes (when non-zero) or is forced to @p forced. */
static void rx_udplite(u16_t cov, size_t plen, size_t sum_bytes, bool force, u16_t forced)
{
  u8_t l4[200], frame[300];
  u16_t total = (u16_t)(8 + plen);
  put_be16(l4, 4000);
  put_be16(l4 + 2, 7000);
  put_be16(l4 + 4, cov);
  l4[6] = l4[7] = 0;
  for (size_t i = 0; i < plen; i++) {
    l4[8 + i] = (u8_t)(0x30 + i);
  }
  if (force) {
    put_be16(l4 + 6, forced);
  } else {
    u16_t c = test_cksum(l4, sum_bytes, pseudo_sum(PEER_IP, OUR_IP, IP_PROTO_UDPLITE, total));
    put_be16(l4 + 6, c == 0 ? 0xffff : c);
  }
  size_t n = frame_l4(frame, PEER_IP, OUR_IP, IP_PROTO_UDPLITE, l4, total);
  test_rx(&tn, frame, n);
}

static void test_udplite_rx(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *lite = udp_new();
  assert_non_null(lite);
  udp_setflags(lite, UDP_FLAGS_UDPLITE);
  assert_int_equal(udp_bind(lite, IP_ADDR_ANY, 7000), ERR_OK);
  udp_recv(lite, rec_recv, NULL);

  rx_udplite(8, 10, 8, false, 0); /* header-only coverage: payload unchecked */
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 10);
  assert_int_equal(recs[0].data[0], 0x30);
  rx_udplite(0, 10, 18, false, 0); /* 0 = whole datagram */
  assert_int_equal(nrecs, 2);
  rx_udplite(0, 10, 8, false, 0); /* whole coverage, but sum over 8 only */
  assert_int_equal(nrecs, 2);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_BAD_CHKSUM), 1);
#endif
  rx_udplite(5, 10, 8, false, 0);  /* 1..7 illegal (RFC 3828 3.1) */
  rx_udplite(19, 10, 8, false, 0); /* beyond the datagram */
  assert_int_equal(nrecs, 2);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_BAD_COVERAGE), 2);
#endif
  rx_udplite(8, 10, 8, true, 0); /* checksum 0 is illegal for UDP-Lite */
  assert_int_equal(nrecs, 2);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_BAD_CHKSUM), 2);
#endif
  /* the application insists on 12 covered bytes */
  lite->chksum_len_rx = 12;
  rx_udplite(8, 10, 8, false, 0);
  assert_int_equal(nrecs, 2);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_BAD_COVERAGE), 3);
#endif
  rx_udplite(12, 10, 12, false, 0);
  assert_int_equal(nrecs, 3);
  /* a plain UDP PCB on the same port does not hear UDP-Lite, and vice versa */
  udp_remove(lite);
  struct udp_pcb *plain = new_bound(NULL, 7000, false);
  rx_udplite(8, 10, 8, false, 0);
  assert_int_equal(nrecs, 3);
  test_frames_clear(&tn); /* port unreachable */
  udp_remove(plain);
}

static void test_udplite_send(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *lite = udp_new();
  assert_non_null(lite);
  udp_setflags(lite, UDP_FLAGS_UDPLITE | UDP_FLAGS_NOCHKSUM); /* NOCHKSUM ignored */
  assert_int_equal(udp_bind(lite, IP_ADDR_ANY, 4000), ERR_OK);
  lite->chksum_len_tx = 8;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 12, PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, "0123456789ab", 12);
  ip_addr_t peer;
  set_ip(&peer, PEER_IP);
  assert_int_equal(udp_sendto(lite, p, &peer, 5000), ERR_OK);
  u8_t out[200];
  pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_UDPLITE, OUR_IP, PEER_IP);
  const u8_t *l4 = out + 34;
  assert_int_equal(get_be16(l4 + 4), 8); /* coverage */
  assert_int_not_equal(get_be16(l4 + 6), 0);
  assert_int_equal(test_cksum(l4, 8, pseudo_sum(OUR_IP, PEER_IP, IP_PROTO_UDPLITE, 20)), 0);
  /* coverage beyond the datagram becomes 0 (= everything) */
  lite->chksum_len_tx = 500;
  assert_int_equal(udp_sendto(lite, p, &peer, 5000), ERR_OK);
  pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_UDPLITE, OUR_IP, PEER_IP);
  assert_int_equal(get_be16(l4 + 4), 0);
  assert_int_equal(test_cksum(l4, 20, pseudo_sum(OUR_IP, PEER_IP, IP_PROTO_UDPLITE, 20)), 0);
  pbuf_free(p);
  udp_remove(lite);
}
#endif

static void test_udp_bind_conflicts(void **state)
{
  (void)state;
  fixture();
  ip_addr_t ours, any;
  set_ip(&ours, OUR_IP);
  set_ip(&any, "0.0.0.0");
  struct udp_pcb *a = udp_new(), *b = udp_new();
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(udp_bind(a, &any, 7000), ERR_OK);
  assert_int_equal(udp_bind(b, &any, 7000), ERR_USE);
  assert_int_equal(udp_bind(b, &ours, 7000), ERR_USE);
  assert_int_equal(udp_bind(b, NULL, 7000), ERR_USE);
  assert_int_equal(b->local_port, 0);
  ip_set_option(b, SOF_REUSEADDR);
  assert_int_equal(udp_bind(b, &ours, 7000), ERR_USE); /* needs both */
  ip_set_option(a, SOF_REUSEADDR);
  assert_int_equal(udp_bind(b, &ours, 7000), ERR_OK);
  /* different specific addresses never conflict */
  ip_reset_option(a, SOF_REUSEADDR);
  ip_reset_option(b, SOF_REUSEADDR);
  ip_addr_t other;
  set_ip(&other, "10.0.0.1");
  assert_int_equal(udp_bind(a, &other, 7001), ERR_OK);
  assert_int_equal(udp_bind(b, &ours, 7001), ERR_OK);
  /* rebinding the same PCB to its own port is fine */
  assert_int_equal(udp_bind(b, &ours, 7001), ERR_OK);
  /* the rebound PCB left its old port */
  struct udp_pcb *c = udp_new();
  assert_non_null(c);
  assert_int_equal(udp_bind(c, &any, 7000), ERR_OK);
  udp_remove(a);
  udp_remove(b);
  assert_int_equal(udp_bind(c, &any, 7001), ERR_OK);
  udp_remove(c);
}

static void count_pcb(struct udp_pcb *pcb, void *arg)
{
  (void)pcb;
  (*(int *)arg)++;
}

static void test_udp_ephemeral_ports(void **state)
{
  (void)state;
  fixture();
  enum { N = 20 };
  struct udp_pcb *pcbs[N];
  for (int i = 0; i < N; i++) {
    pcbs[i] = udp_new();
    assert_non_null(pcbs[i]);
    assert_int_equal(udp_bind(pcbs[i], NULL, 0), ERR_OK);
    assert_true(pcbs[i]->local_port >= UDP_LOCAL_PORT_RANGE_START);
    for (int j = 0; j < i; j++) {
      assert_int_not_equal(pcbs[i]->local_port, pcbs[j]->local_port);
    }
  }
  /* not just counting up from the start of the range (RFC 6056) */
  assert_int_not_equal(pcbs[1]->local_port, pcbs[0]->local_port + 1);
  /* connect binds an unbound PCB */
  struct udp_pcb *c = udp_new();
  assert_non_null(c);
  ip_addr_t peer;
  set_ip(&peer, PEER_IP);
  assert_int_equal(udp_connect(c, &peer, 53), ERR_OK);
  assert_true(c->local_port >= UDP_LOCAL_PORT_RANGE_START);
  assert_int_equal(udp_connect(c, NULL, 53), ERR_VAL);
  /* foreach sees every PCB, bound or not */
  struct udp_pcb *unbound = udp_new();
  assert_non_null(unbound);
  int count = 0;
  udp_foreach(count_pcb, &count);
  assert_int_equal(count, N + 2);
  for (int i = 0; i < N; i++) {
    udp_remove(pcbs[i]);
  }
  udp_remove(c);
  udp_remove(unbound);
  count = 0;
  udp_foreach(count_pcb, &count);
  assert_int_equal(count, 0);
}

static void test_udp_pool_exhaustion(void **state)
{
  (void)state;
  static struct udp_pcb *pcbs[MEMP_NUM_UDP_PCB + 1];
  int n = 0;
  while (n <= MEMP_NUM_UDP_PCB && (pcbs[n] = udp_new()) != NULL) {
    n++;
  }
  assert_int_equal(n, MEMP_NUM_UDP_PCB);
  assert_null(udp_new());
  udp_remove(pcbs[0]);
  pcbs[0] = udp_new();
  assert_non_null(pcbs[0]);
  for (int i = 0; i < n; i++) {
    udp_remove(pcbs[i]);
  }
#if LWIP_TEST_HOOKS
  /* allocation failure injected */
  lwip_alloc_fail_after(1);
  assert_null(udp_new());
  lwip_alloc_fail_after(0);
#endif
}

/* Check a captured UDP frame: ports, length, checksum, payload. */
static void check_udp_frame(const u8_t *out, const char *src, const char *dst, u16_t sport, u16_t dport,
                            const void *payload, u16_t plen, bool cksum)
{
  const u8_t *udp = out + 34;
  assert_int_equal(get_be16(out + 14 + 2), 20 + 8 + plen);
  assert_int_equal(get_be16(udp), sport);
  assert_int_equal(get_be16(udp + 2), dport);
  assert_int_equal(get_be16(udp + 4), 8 + plen);
  if (cksum) {
    assert_int_not_equal(get_be16(udp + 6), 0);
    assert_int_equal(test_cksum(udp, 8U + plen, pseudo_sum(src, dst, 17, (u16_t)(8 + plen))), 0);
  } else {
    assert_int_equal(get_be16(udp + 6), 0);
  }
  assert_memory_equal(udp + 8, payload, plen);
}

static void test_udp_send_exact(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = new_bound(NULL, 5000, false);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 3, PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, "abc", 3);
  void *payload = p->payload;
  ip_addr_t peer;
  set_ip(&peer, PEER_IP);
  assert_int_equal(udp_sendto(pcb, p, &peer, 6000), ERR_OK);
  /* the caller's pbuf is unchanged */
  assert_ptr_equal(p->payload, payload);
  assert_int_equal(p->len, 3);
  assert_int_equal(p->tot_len, 3);
  u8_t out[200];
  pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_UDP, OUR_IP, PEER_IP);
  assert_int_equal(out[14 + 8], IP_DEFAULT_TTL);
  check_udp_frame(out, OUR_IP, PEER_IP, 5000, 6000, "abc", 3, true);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_UDP].xmit, 1);
#endif
  /* connected send; the ttl and tos of the PCB are used */
  assert_int_equal(udp_send(pcb, p), ERR_CONN);
  assert_int_equal(udp_connect(pcb, &peer, 6001), ERR_OK);
  pcb->ttl = 7;
  pcb->tos = 0x10;
  assert_int_equal(udp_send(pcb, p), ERR_OK);
  pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_UDP, OUR_IP, PEER_IP);
  assert_int_equal(out[14 + 8], 7);
  assert_int_equal(out[14 + 1], 0x10);
  check_udp_frame(out, OUR_IP, PEER_IP, 5000, 6001, "abc", 3, true);
  /* NOCHKSUM sends 0 */
  udp_set_flags(pcb, UDP_FLAGS_NOCHKSUM);
  assert_int_equal(udp_send(pcb, p), ERR_OK);
  pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_UDP, OUR_IP, PEER_IP);
  check_udp_frame(out, OUR_IP, PEER_IP, 5000, 6001, "abc", 3, false);
  udp_clear_flags(pcb, UDP_FLAGS_NOCHKSUM);
  /* checksum offload: the stack leaves the field for the hardware; a
   * build without the offload option computes it anyway */
  nif->chksum_flags = (u16_t)(nif->chksum_flags & ~NETIF_CHECKSUM_GEN_UDP);
  assert_int_equal(udp_send(pcb, p), ERR_OK);
  pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_UDP, OUR_IP, PEER_IP);
  check_udp_frame(out, OUR_IP, PEER_IP, 5000, 6001, "abc", 3, !LWIP_OFFLOAD);
  nif->chksum_flags = NETIF_CHECKSUM_ENABLE_ALL;
  pbuf_free(p);
  udp_remove(pcb);
}

static void test_udp_send_ref_and_unbound(void **state)
{
  (void)state;
  fixture();
  static const char data[] = "reference payload";
  struct pbuf *p = pbuf_alloc_reference((void *)(uintptr_t)data, sizeof(data) - 1, PBUF_REF);
  assert_non_null(p);
  struct udp_pcb *pcb = udp_new(); /* unbound: sendto picks an ephemeral port */
  assert_non_null(pcb);
  ip_addr_t peer;
  set_ip(&peer, PEER_IP);
  assert_int_equal(udp_sendto(pcb, p, &peer, 6000), ERR_OK);
  assert_true(pcb->local_port >= UDP_LOCAL_PORT_RANGE_START);
  assert_ptr_equal(p->payload, data);
  assert_int_equal(p->tot_len, sizeof(data) - 1);
  assert_null(p->next);
  u8_t out[200];
  pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_UDP, OUR_IP, PEER_IP);
  check_udp_frame(out, OUR_IP, PEER_IP, pcb->local_port, 6000, data, sizeof(data) - 1, true);
  /* a chained payload (header room in the first pbuf only) */
  struct pbuf *head = pbuf_alloc(PBUF_TRANSPORT, 4, PBUF_RAM);
  assert_non_null(head);
  memcpy(head->payload, "abcd", 4);
  pbuf_chain(head, p);
  assert_int_equal(udp_sendto(pcb, head, &peer, 6000), ERR_OK);
  pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_UDP, OUR_IP, PEER_IP);
  u8_t expect[64];
  memcpy(expect, "abcd", 4);
  memcpy(expect + 4, data, sizeof(data) - 1);
  check_udp_frame(out, OUR_IP, PEER_IP, pcb->local_port, 6000, expect, (u16_t)(4 + sizeof(data) - 1), true);
  pbuf_free(head);
  pbuf_free(p);
  udp_remove(pcb);
}

static void test_udp_send_broadcast_and_errors(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = new_bound(NULL, 68, false);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 2, PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, "hi", 2);
  ip_addr_t bc;
  set_ip(&bc, "255.255.255.255");
  assert_int_equal(udp_sendto(pcb, p, &bc, 67), ERR_OK);
  u8_t out[200];
  static const u8_t bmac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  pop_ip_frame(out, sizeof(out), bmac, IP_PROTO_UDP, OUR_IP, "255.255.255.255");
  check_udp_frame(out, OUR_IP, "255.255.255.255", 68, 67, "hi", 2, true);
  set_ip(&bc, BCAST_IP);
  assert_int_equal(udp_sendto(pcb, p, &bc, 67), ERR_OK);
  pop_ip_frame(out, sizeof(out), bmac, IP_PROTO_UDP, OUR_IP, BCAST_IP);

  /* bound to a netif index that does not exist: no route */
  pcb->netif_idx = 200;
  assert_int_equal(udp_sendto(pcb, p, &bc, 67), ERR_RTE);
  pcb->netif_idx = NETIF_NO_INDEX;
  /* bound to an address the netif does not own */
  ip_addr_t other;
  set_ip(&other, "10.9.9.9");
  assert_int_equal(udp_bind(pcb, &other, 68), ERR_OK);
  assert_int_equal(udp_sendto_if(pcb, p, &bc, 67, nif), ERR_RTE);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  assert_int_equal(udp_bind(pcb, NULL, 68), ERR_OK);
  /* too big for an IP datagram */
  static u8_t big[65520];
  struct pbuf *r = pbuf_alloc_reference(big, 65515, PBUF_REF);
  assert_non_null(r);
  assert_int_equal(udp_sendto_if(pcb, r, &bc, 67, nif), ERR_MEM);
  pbuf_free(r);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  pbuf_free(p);
  udp_remove(pcb);
}

static void test_udp_multicast_send(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = new_bound(NULL, 5353, false);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 1, PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, "m", 1);
  ip_addr_t grp;
  set_ip(&grp, "239.1.2.3");
  static const u8_t mmac[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
  u8_t out[200];
  /* RFC 1112 6.1: TTL 1 by default */
  assert_int_equal(udp_sendto(pcb, p, &grp, 5353), ERR_OK);
  pop_ip_frame(out, sizeof(out), mmac, IP_PROTO_UDP, OUR_IP, "239.1.2.3");
  assert_int_equal(out[14 + 8], 1);
  check_udp_frame(out, OUR_IP, "239.1.2.3", 5353, 5353, "m", 1, true);
  udp_set_multicast_ttl(pcb, 5);
  assert_int_equal(udp_sendto(pcb, p, &grp, 5353), ERR_OK);
  pop_ip_frame(out, sizeof(out), mmac, IP_PROTO_UDP, OUR_IP, "239.1.2.3");
  assert_int_equal(out[14 + 8], 5);
  /* unicast keeps the normal TTL */
  ip_addr_t peer;
  set_ip(&peer, PEER_IP);
  assert_int_equal(udp_sendto(pcb, p, &peer, 5353), ERR_OK);
  pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_UDP, OUR_IP, PEER_IP);
  assert_int_equal(out[14 + 8], IP_DEFAULT_TTL);
  /* the multicast interface by index */
  udp_set_multicast_netif_index(pcb, 200);
  assert_int_equal(udp_sendto(pcb, p, &grp, 5353), ERR_RTE);
  udp_set_multicast_netif_index(pcb, netif_get_index(nif));
  assert_int_equal(udp_sendto(pcb, p, &grp, 5353), ERR_OK);
  pop_ip_frame(out, sizeof(out), mmac, IP_PROTO_UDP, OUR_IP, "239.1.2.3");
  assert_int_equal(test_frames_ip_only(&tn), 0);
  pbuf_free(p);
  udp_remove(pcb);
}

#if LWIP_IGMP
static void test_udp_multicast_rx_and_loop(void **state)
{
  (void)state;
  fixture();
  ip4_addr_t g;
  g.addr = test_ip("239.1.1.1");
  assert_int_equal(igmp_joingroup_netif(nif, &g), ERR_OK);
  test_frames_clear(&tn);
  struct udp_pcb *any = new_bound(NULL, 7000, true);
  struct udp_pcb *grp = new_bound("239.1.1.1", 7000, true);
  struct udp_pcb *uni = new_bound(OUR_IP, 7000, true); /* hears no multicast */
  rx_udp(PEER_IP, "239.1.1.1", 1, 7000, "mc", 2);
  assert_int_equal(nrecs, 2);
  assert_true((recs[0].pcb == any && recs[1].pcb == grp) || (recs[0].pcb == grp && recs[1].pcb == any));
  udp_remove(uni);
  udp_remove(grp);
#if LWIP_LOOPBACK
  nrecs = 0;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 4, PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, "loop", 4);
  ip_addr_t ga;
  ip_addr_set_ip4(&ga, &g);
  assert_int_equal(udp_sendto(any, p, &ga, 7000), ERR_OK);
  assert_int_equal(test_frames_ip_only(&tn), 1); /* on the wire */
  assert_int_equal(nrecs, 0);      /* ours arrives later, from the loop queue */
  udp_set_flags(any, UDP_FLAGS_MULTICAST_LOOP);
  assert_int_equal(udp_sendto(any, p, &ga, 7000), ERR_OK);
  assert_int_equal(test_frames_ip_only(&tn), 2);
  test_clock_advance(1);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 4);
  assert_memory_equal(recs[0].data, "loop", 4);
  assert_int_equal(recs[0].port, 7000);
  assert_int_equal(ip_2_ip4(&recs[0].addr)->addr, test_ip(OUR_IP));
  /* not joined: no copy for us */
  ip_addr_t other;
  set_ip(&other, "239.9.9.9");
  assert_int_equal(udp_sendto(any, p, &other, 7000), ERR_OK);
  test_clock_advance(1);
  assert_int_equal(nrecs, 1);
  pbuf_free(p);
#endif
  test_frames_clear(&tn);
  udp_remove(any);
  assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
  test_frames_clear(&tn);
}
#endif

static void test_udp_send_alloc_failures(void **state)
{
  (void)state;
#if !LWIP_TEST_HOOKS
  skip(); /* the build has no allocation failure hook */
#endif
  fixture();
  static const char data[] = "oom";
  struct udp_pcb *pcb = new_bound(NULL, 5000, false);
  ip_addr_t peer;
  set_ip(&peer, PEER_IP);
  for (int pass = 0; pass < 2; pass++) {
    struct pbuf *p;
    if (pass == 0) {
      p = pbuf_alloc_reference((void *)(uintptr_t)data, 3, PBUF_REF);
    } else {
      p = pbuf_alloc(PBUF_TRANSPORT, 3, PBUF_RAM);
      memcpy(p->payload, data, 3);
    }
    assert_non_null(p);
    err_t err = ERR_MEM;
    u32_t n;
    for (n = 1; n < 50; n++) {
      lwip_alloc_fail_after(n);
      err = udp_sendto(pcb, p, &peer, 6000);
      lwip_alloc_fail_after(0);
      assert_int_equal(p->tot_len, 3);
      assert_int_equal(p->ref, 1);
      if (err == ERR_OK && test_frames_ip_only(&tn) == 1) {
        break;
      }
      test_frames_clear(&tn);
    }
    assert_int_equal(err, ERR_OK);
    if (pass == 0) {
      assert_true(n > 1); /* the header pbuf is an allocation that can fail */
    }
    u8_t out[200];
    pop_ip_frame(out, sizeof(out), peer_mac, IP_PROTO_UDP, OUR_IP, PEER_IP);
    check_udp_frame(out, OUR_IP, PEER_IP, 5000, 6000, data, 3, true);
    pbuf_free(p);
  }
  udp_remove(pcb);
}

static void test_udp_rx_alloc_failures(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *a = new_bound(NULL, 7000, true);
  struct udp_pcb *b = new_bound(NULL, 7000, true);
  u8_t frame[200];
  size_t n = frame_udp(frame, PEER_IP, BCAST_IP, 1, 7000, "copy", 4);
  for (u32_t k = 1; k < 20; k++) {
    nrecs = 0;
    struct pbuf *p = test_pbuf(frame, n, 0);
    lwip_alloc_fail_after(k);
    tn.netif.input(p, &tn.netif);
    lwip_alloc_fail_after(0);
    if (nrecs == 2) {
      break;
    }
    assert_true(nrecs <= 1);
  }
  assert_int_equal(nrecs, 2);
  udp_remove(a);
  udp_remove(b);
}

static void test_udp_chained_input(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = new_bound(NULL, 7000, false);
  u8_t payload[300];
  for (size_t i = 0; i < sizeof(payload); i++) {
    payload[i] = (u8_t)(i * 7);
  }
  u8_t frame[400];
  size_t n = frame_udp(frame, PEER_IP, OUR_IP, 1, 7000, payload, sizeof(payload));
  static const size_t chunks[] = {3, 7, 37, 41, 100};
  for (size_t i = 0; i < LWIP_ARRAYSIZE(chunks); i++) {
    nrecs = 0;
    test_rx_chunked(&tn, frame, n, chunks[i]);
    assert_int_equal(nrecs, 1);
    assert_int_equal(recs[0].len, sizeof(payload));
    assert_memory_equal(recs[0].data, payload, sizeof(payload));
  }
  /* padding trimmed on a chain too */
  nrecs = 0;
  u8_t padded[420];
  memcpy(padded, frame, n);
  memset(padded + n, 0xee, 10);
  put_be16(padded + 14 + 2, (u16_t)(get_be16(frame + 14 + 2) + 10));
  padded[14 + 10] = padded[14 + 11] = 0;
  put_be16(padded + 14 + 10, test_cksum(padded + 14, 20, 0));
  test_rx_chunked(&tn, padded, n + 10, 50);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, sizeof(payload));
  udp_remove(pcb);
}

static void test_udp_addr_change_and_netif_binding(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = new_bound(OUR_IP, 7000, false);
  ip4_addr_t na;
  na.addr = test_ip("192.168.1.20");
  netif_set_ipaddr(nif, &na);
  assert_int_equal(ip_2_ip4(&pcb->local_ip)->addr, na.addr);
  test_frames_clear(&tn); /* gratuitous ARP */
  rx_udp(PEER_IP, "192.168.1.20", 1, 7000, "new", 3);
  assert_int_equal(nrecs, 1);

  /* bound to another netif: datagrams from this one are not delivered */
  static struct test_netif tn2;
  struct netif *n2 = test_netif_add(&tn2, "10.0.0.1", "255.255.255.0", NULL, test_mac2);
  struct udp_pcb *only2 = new_bound(NULL, 7001, false);
  udp_bind_netif(only2, n2);
  assert_int_equal(only2->netif_idx, netif_get_index(n2));
  rx_udp(PEER_IP, "192.168.1.20", 1, 7001, "x", 1);
  assert_int_equal(nrecs, 1);
  test_frames_clear(&tn);
  udp_bind_netif(only2, NULL);
  rx_udp(PEER_IP, "192.168.1.20", 1, 7001, "x", 1);
  assert_int_equal(nrecs, 2);
  udp_remove(only2);
  udp_remove(pcb);
}

static void test_udp_recv_null_and_remove_in_callback(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = udp_new();
  assert_non_null(pcb);
  assert_int_equal(udp_bind(pcb, NULL, 7000), ERR_OK);
  rx_udp(PEER_IP, OUR_IP, 1, 7000, "nobody listens", 14); /* freed, no leak */
  assert_int_equal(nrecs, 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_recv(pcb, remover_recv, NULL);
  victim = pcb; /* the callback removes its own PCB */
  rx_udp(PEER_IP, OUR_IP, 1, 7000, "bye", 3);
  assert_int_equal(nrecs, 1);
  rx_udp(PEER_IP, OUR_IP, 1, 7000, "gone", 4);
  assert_int_equal(nrecs, 1);
  test_frames_clear(&tn);
}

#endif /* LWIP_UDP */

int main(void)
{
#if LWIP_UDP
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_udp_rx_delivery, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_best_match, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_connected_filter, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_broadcast_to_all, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_broadcast_callback_removes, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_broadcast_callback_rebinds, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_port_zero_reaches_none, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_no_pcb_port_unreachable, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_bad_checksum_and_zero, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_bad_length, test_setup, test_teardown),
#if LWIP_UDPLITE
    cmocka_unit_test_setup_teardown(test_udplite_rx, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udplite_send, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_udp_bind_conflicts, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_ephemeral_ports, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_pool_exhaustion, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_send_exact, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_send_ref_and_unbound, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_send_broadcast_and_errors, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_multicast_send, test_setup, test_teardown),
#if LWIP_IGMP
    cmocka_unit_test_setup_teardown(test_udp_multicast_rx_and_loop, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_udp_send_alloc_failures, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_rx_alloc_failures, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_chained_input, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_addr_change_and_netif_binding, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp_recv_null_and_remove_in_callback, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("udp", tests, NULL, NULL);
#else
  return 0;
#endif
}
