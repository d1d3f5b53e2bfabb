/* Unit tests for core/netif/ethernet.c: which received frames are accepted
 * (and why the others are dropped), chained input, and the exact header
 * ethernet_output puts in front of a packet without disturbing the caller's
 * pbuf. */
#include "test_common.h"

#include <stdlib.h>

#include "lwip/ethernet.h"
#include "lwip/etharp.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/etharp.h"

#define OUR_IP "192.168.1.10"
#define PEER_IP "192.168.1.2"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#define PROTO(p) (lwip_stats.proto[LWIP_PROTO_##p])
#endif

static struct test_netif tn;
static struct netif *nif;

static void fixture(void)
{
  nif = test_netif_add(&tn, OUR_IP, "255.255.255.0", "192.168.1.1", test_mac);
#if LWIP_STATS
  /* Bringing the netif up sent an announcement: count from zero after it. */
  lwip_stats_reset();
#endif
}

/* An ARP request from the peer for @p target, in an Ethernet frame to
 * @p dst.  ARP is used to probe acceptance because its effect (a reply
 * frame) is visible even in builds without statistics.  @return 42. */
static size_t arp_request_frame(u8_t *buf, const u8_t dst[6], const u8_t src[6], const char *target)
{
  size_t n = test_eth_hdr(buf, dst, src, 0x0806);
  u8_t *a = buf + n;
  put_be16(a + 0, 1);      /* hardware type Ethernet */
  put_be16(a + 2, 0x0800); /* protocol IPv4 */
  a[4] = 6;
  a[5] = 4;
  put_be16(a + 6, 1); /* request */
  memcpy(a + 8, src, 6);
  u32_t sip = test_ip(PEER_IP), tip = test_ip(target);
  memcpy(a + 14, &sip, 4);
  memset(a + 18, 0, 6);
  memcpy(a + 24, &tip, 4);
  return n + 28;
}

/* Pop one frame and check it is an ARP reply from us to the peer. */
static void expect_arp_reply(void)
{
  u8_t out[128];
  int len = test_frame_pop_bytes(&tn, out, sizeof(out));
  assert_int_equal(len, 42);
  assert_memory_equal(out, peer_mac, 6);
  assert_memory_equal(out + 6, test_mac, 6);
  assert_int_equal(get_be16(out + 12), 0x0806);
  assert_int_equal(get_be16(out + 14 + 6), 2);
}

static const u8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- input ---- */

static void test_eth_runts(void **state)
{
  (void)state;
  fixture();
  u8_t frame[64];
  size_t n = arp_request_frame(frame, bcast_mac, peer_mac, OUR_IP);
  assert_int_equal(n, 42);
#if LWIP_STATS
  u32_t before = DROPS(ETH_SHORT);
  u32_t rx = PROTO(ETH).recv;
#endif
  /* Every length that cannot hold the 14-byte header is a runt, whether it
   * arrives in one pbuf or spread over a chain. */
  for (size_t len = 0; len < 14; len++) {
    test_rx(&tn, frame, len);
    if (len >= 2) {
      test_rx_chunked(&tn, frame, len, 1);
    }
  }
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nif->counters.rx_drops, 14 + 12);
#if LWIP_STATS
  assert_int_equal(DROPS(ETH_SHORT) - before, 14 + 12);
  assert_int_equal(PROTO(ETH).recv - rx, 14 + 12);
  assert_int_equal(DROPS(ETH_NOT_FOR_US), 0);
#endif
}

static void test_eth_header_only(void **state)
{
  (void)state;
  fixture();
  u8_t frame[64];
  /* A header and nothing behind it: the ARP layer's "short" rule applies,
   * and the pbuf must not leak (teardown checks). */
  test_eth_hdr(frame, test_mac, peer_mac, 0x0806);
  test_rx(&tn, frame, 14);
  test_rx_chunked(&tn, frame, 14, 5);
  test_eth_hdr(frame, test_mac, peer_mac, 0x0800);
  test_rx(&tn, frame, 14);
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ETH_SHORT), 0);
  assert_int_equal(DROPS(ARP_SHORT), 2);
  assert_int_equal(DROPS(IP4_SHORT), 1);
#endif
}

static void test_eth_not_for_us(void **state)
{
  (void)state;
  fixture();
  u8_t frame[64];
  /* Unicast to another station (differs from ours in the last byte only). */
  size_t n = arp_request_frame(frame, test_mac2, peer_mac, OUR_IP);
  test_rx(&tn, frame, n);
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nif->counters.rx_drops, 1);
#if LWIP_STATS
  assert_int_equal(DROPS(ETH_NOT_FOR_US), 1);
  assert_int_equal(PROTO(ARP).recv, 0);
#endif
  /* Same frame to our MAC is answered. */
  n = arp_request_frame(frame, test_mac, peer_mac, OUR_IP);
  test_rx(&tn, frame, n);
  expect_arp_reply();
  assert_int_equal(nif->counters.rx_drops, 1);
}

static void test_eth_broadcast_multicast_accepted(void **state)
{
  (void)state;
  fixture();
  u8_t frame[64];
  size_t n = arp_request_frame(frame, bcast_mac, peer_mac, OUR_IP);
  test_rx(&tn, frame, n);
  expect_arp_reply();
  /* Any group MAC (the I/G bit set) passes this layer: IPv4 mapped,
   * and a non-IP one such as the STP bridge group. */
  const u8_t mc1[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
  const u8_t mc2[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
  n = arp_request_frame(frame, mc1, peer_mac, OUR_IP);
  test_rx(&tn, frame, n);
  expect_arp_reply();
  n = arp_request_frame(frame, mc2, peer_mac, OUR_IP);
  test_rx(&tn, frame, n);
  expect_arp_reply();
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nif->counters.rx_drops, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ETH_NOT_FOR_US), 0);
  assert_int_equal(PROTO(ETH).recv, 3);
  assert_int_equal(PROTO(ARP).recv, 3);
#endif
}

static void test_eth_own_src(void **state)
{
  (void)state;
  fixture();
  u8_t frame[64];
  /* Our own broadcast coming back, e.g. from a bridge loop. */
  size_t n = arp_request_frame(frame, bcast_mac, test_mac, OUR_IP);
  test_rx(&tn, frame, n);
  /* And unicast to us from us. */
  n = arp_request_frame(frame, test_mac, test_mac, OUR_IP);
  test_rx(&tn, frame, n);
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nif->counters.rx_drops, 2);
#if LWIP_STATS
  assert_int_equal(DROPS(ETH_OWN_SRC), 2);
  assert_int_equal(PROTO(ARP).recv, 0);
#endif
}

static void test_eth_vlan(void **state)
{
  (void)state;
  fixture();
  u8_t frame[64];
  size_t n = arp_request_frame(frame, bcast_mac, peer_mac, OUR_IP);
  /* An 802.1Q tag (TPID 0x8100) and a QinQ service tag (0x88a8) in the
   * EtherType position; the inner ARP must not be looked at. */
  put_be16(frame + 12, 0x8100);
  test_rx(&tn, frame, n);
  put_be16(frame + 12, 0x88a8);
  test_rx(&tn, frame, n);
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nif->counters.rx_drops, 2);
#if LWIP_STATS
  assert_int_equal(DROPS(ETH_VLAN), 2);
  assert_int_equal(DROPS(ETH_UNKNOWN_TYPE), 0);
  assert_int_equal(PROTO(ARP).recv, 0);
#endif
}

static void test_eth_unknown_type(void **state)
{
  (void)state;
  fixture();
  u8_t frame[64];
  size_t n = arp_request_frame(frame, bcast_mac, peer_mac, OUR_IP);
#if LWIP_IPV6
  const u16_t types[] = {0x88cc, 0x8035, /* LLDP instead of IPv6, which is handled */
#else
  const u16_t types[] = {0x86dd, 0x8035,
#endif
                          0x0000, 0x05dc, 0xffff, 0x0801, 0x0807};
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    put_be16(frame + 12, types[i]);
    test_rx(&tn, frame, n);
  }
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nif->counters.rx_drops, 7);
#if LWIP_STATS
  assert_int_equal(DROPS(ETH_UNKNOWN_TYPE), 7);
  assert_int_equal(PROTO(ARP).recv, 0);
  assert_int_equal(PROTO(IP4).recv, 0);
#endif
}

static void test_eth_no_etharp_flag(void **state)
{
  (void)state;
  fixture();
  u8_t frame[64];
  size_t n = arp_request_frame(frame, bcast_mac, peer_mac, OUR_IP);
  /* A netif that does not run ARP/IPv4 takes neither EtherType. */
  nif->flags = (u8_t)(nif->flags & ~NETIF_FLAG_ETHARP);
  test_rx(&tn, frame, n);
  put_be16(frame + 12, 0x0800);
  test_rx(&tn, frame, n);
  nif->flags |= NETIF_FLAG_ETHARP;
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nif->counters.rx_drops, 2);
#if LWIP_STATS
  assert_int_equal(DROPS(ETH_UNKNOWN_TYPE), 2);
#endif
}

static void test_eth_chained_split_header(void **state)
{
  (void)state;
  fixture();
  u8_t frame[64];
  size_t n = arp_request_frame(frame, bcast_mac, peer_mac, OUR_IP);
  /* Chains whose pbuf boundaries fall inside the 14-byte header (and at
   * its end, and inside the ARP body). */
  const size_t chunks[] = {1, 2, 3, 5, 6, 7, 13, 14, 15, 20, 41};
  for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
    test_rx_chunked(&tn, frame, n, chunks[i]);
    expect_arp_reply();
  }
  assert_int_equal(nif->counters.rx_drops, 0);
  /* Destination checks also read across the split. */
  n = arp_request_frame(frame, test_mac2, peer_mac, OUR_IP);
  test_rx_chunked(&tn, frame, n, 4);
  n = arp_request_frame(frame, bcast_mac, test_mac, OUR_IP);
  test_rx_chunked(&tn, frame, n, 4);
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nif->counters.rx_drops, 2);
#if LWIP_STATS
  assert_int_equal(DROPS(ETH_NOT_FOR_US), 1);
  assert_int_equal(DROPS(ETH_OWN_SRC), 1);
#endif
}

static void test_eth_ipv4_chained(void **state)
{
  (void)state;
  fixture();
#if LWIP_ICMP
  /* IPv4 is handed on too, also when the chain splits the Ethernet header:
   * an echo request split after 5 bytes is answered. */
  test_add_peer_arp(PEER_IP);
  u8_t icmp[64], frame[128], out[128];
  size_t il = test_icmp_echo(icmp, 8, 0x4242, 7, "ping", 4);
  size_t n = test_eth_ip4(frame, PEER_IP, OUR_IP, 1, icmp, il);
  const size_t chunks[] = {0, 5, 13, 14};
  for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
    test_rx_chunked(&tn, frame, n, chunks[i]);
    int len = test_frame_pop_bytes(&tn, out, sizeof(out));
    assert_int_equal(len, (int)n);
    assert_memory_equal(out, peer_mac, 6);
    assert_memory_equal(out + 6, test_mac, 6);
    assert_int_equal(get_be16(out + 12), 0x0800);
    assert_int_equal(out[14 + 20], 0); /* echo reply */
    assert_memory_equal(out + 14 + 20 + 4, icmp + 4, il - 4);
  }
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nif->counters.rx_drops, 0);
#if LWIP_STATS
  assert_int_equal(PROTO(IP4).recv, 4);
  assert_int_equal(PROTO(ETH).recv, 4);
#endif
#else
  skip();
#endif
}

/* ---- output ---- */

static const u8_t payload_bytes[] = {0x45, 0x00, 0x00, 0x1c, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5};

static void check_out_frame(u16_t type)
{
  u8_t out[128];
  int len = test_frame_pop_bytes(&tn, out, sizeof(out));
  assert_int_equal(len, 14 + (int)sizeof(payload_bytes));
  const u8_t hdr[14] = {0x02, 0, 0, 0, 0, 0xaa, 0x02, 0, 0, 0, 0, 0x01, (u8_t)(type >> 8), (u8_t)type};
  assert_memory_equal(out, hdr, 14);
  assert_memory_equal(out + 14, payload_bytes, sizeof(payload_bytes));
}

static void test_eth_output_with_room(void **state)
{
  (void)state;
  fixture();
  struct eth_addr src, dst;
  memcpy(src.addr, test_mac, 6);
  memcpy(dst.addr, peer_mac, 6);
  struct pbuf *p = pbuf_alloc(PBUF_LINK, sizeof(payload_bytes), PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, payload_bytes, sizeof(payload_bytes));
  void *pl = p->payload;
  assert_int_equal(ethernet_output(nif, p, &src, &dst, 0x0800), ERR_OK);
  check_out_frame(0x0800);
  /* The caller's pbuf is as it was: the header was added and removed. */
  assert_ptr_equal(p->payload, pl);
  assert_int_equal(p->len, sizeof(payload_bytes));
  assert_int_equal(p->tot_len, sizeof(payload_bytes));
  assert_int_equal(p->ref, 1);
  assert_null(p->next);
  /* Same pbuf again, with another EtherType. */
  assert_int_equal(ethernet_output(nif, p, &src, &dst, 0x0806), ERR_OK);
  check_out_frame(0x0806);
  assert_int_equal(tn.nframes, 0);
  pbuf_free(p);
#if LWIP_STATS
  assert_int_equal(PROTO(ETH).xmit, 2);
  assert_int_equal(DROPS(ETH_NO_MEM), 0);
#endif
}

static void test_eth_output_chain_with_room(void **state)
{
  (void)state;
  fixture();
  struct eth_addr src, dst;
  memcpy(src.addr, test_mac, 6);
  memcpy(dst.addr, peer_mac, 6);
  /* A two-pbuf chain; the header goes in front of the first one. */
  struct pbuf *p = pbuf_alloc(PBUF_LINK, 4, PBUF_RAM);
  struct pbuf *t = pbuf_alloc(PBUF_RAW, sizeof(payload_bytes) - 4, PBUF_RAM);
  assert_non_null(p);
  assert_non_null(t);
  memcpy(p->payload, payload_bytes, 4);
  memcpy(t->payload, payload_bytes + 4, sizeof(payload_bytes) - 4);
  pbuf_cat(p, t);
  void *pl = p->payload;
  assert_int_equal(ethernet_output(nif, p, &src, &dst, 0x0800), ERR_OK);
  check_out_frame(0x0800);
  assert_ptr_equal(p->payload, pl);
  assert_int_equal(p->len, 4);
  assert_int_equal(p->tot_len, sizeof(payload_bytes));
  assert_int_equal(p->ref, 1);
  assert_ptr_equal(p->next, t);
  assert_int_equal(t->ref, 1);
  pbuf_free(p);
}

static void test_eth_output_no_room(void **state)
{
  (void)state;
  fixture();
  struct eth_addr src, dst;
  memcpy(src.addr, test_mac, 6);
  memcpy(dst.addr, peer_mac, 6);
  /* A REF pbuf cannot grow a header in front of memory it does not own:
   * the header travels in a pbuf of its own. */
  static u8_t ext[sizeof(payload_bytes)];
  memcpy(ext, payload_bytes, sizeof(ext));
  struct pbuf *p = pbuf_alloc_reference(ext, sizeof(ext), PBUF_REF);
  assert_non_null(p);
  assert_int_equal(ethernet_output(nif, p, &src, &dst, 0x0800), ERR_OK);
  check_out_frame(0x0800);
  assert_ptr_equal(p->payload, ext);
  assert_int_equal(p->len, sizeof(ext));
  assert_int_equal(p->tot_len, sizeof(ext));
  assert_int_equal(p->ref, 1);
  assert_null(p->next);
  assert_memory_equal(ext, payload_bytes, sizeof(ext));

  /* A RAM pbuf allocated without header room behaves the same. */
  struct pbuf *r = pbuf_alloc(PBUF_RAW, sizeof(payload_bytes), PBUF_RAM);
  assert_non_null(r);
  memcpy(r->payload, payload_bytes, sizeof(payload_bytes));
  void *pl = r->payload;
  assert_int_equal(ethernet_output(nif, r, &src, &dst, 0x0800), ERR_OK);
  check_out_frame(0x0800);
  assert_ptr_equal(r->payload, pl);
  assert_int_equal(r->len, sizeof(payload_bytes));
  assert_int_equal(r->tot_len, sizeof(payload_bytes));
  assert_int_equal(r->ref, 1);
  assert_null(r->next);
  pbuf_free(r);
  pbuf_free(p);
#if LWIP_STATS
  assert_int_equal(PROTO(ETH).xmit, 2);
#endif
}

static void test_eth_output_link_error(void **state)
{
  (void)state;
  fixture();
  struct eth_addr src, dst;
  memcpy(src.addr, test_mac, 6);
  memcpy(dst.addr, peer_mac, 6);
  struct pbuf *p = pbuf_alloc(PBUF_LINK, sizeof(payload_bytes), PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, payload_bytes, sizeof(payload_bytes));
  void *pl = p->payload;
  static u8_t ext[sizeof(payload_bytes)];
  struct pbuf *r = pbuf_alloc_reference(ext, sizeof(ext), PBUF_REF);
  assert_non_null(r);

  /* The driver's error comes back unchanged on both header paths, and the
   * caller's pbufs are restored (no leak of the separate header pbuf). */
  tn.linkoutput_ret = ERR_IF;
  assert_int_equal(ethernet_output(nif, p, &src, &dst, 0x0800), ERR_IF);
  assert_int_equal(ethernet_output(nif, r, &src, &dst, 0x0800), ERR_IF);
  tn.linkoutput_ret = ERR_BUF;
  assert_int_equal(ethernet_output(nif, p, &src, &dst, 0x0800), ERR_BUF);
  tn.linkoutput_ret = ERR_OK;
  assert_int_equal(tn.nframes, 0);
  assert_ptr_equal(p->payload, pl);
  assert_int_equal(p->len, sizeof(payload_bytes));
  assert_int_equal(p->ref, 1);
  assert_ptr_equal(r->payload, ext);
  assert_int_equal(r->len, sizeof(ext));
  assert_int_equal(r->ref, 1);
  assert_null(r->next);

  /* No driver at all. */
  netif_linkoutput_fn saved = nif->linkoutput;
  nif->linkoutput = NULL;
  assert_int_equal(ethernet_output(nif, p, &src, &dst, 0x0800), ERR_IF);
  nif->linkoutput = saved;
  assert_ptr_equal(p->payload, pl);
  pbuf_free(p);
  pbuf_free(r);
}

static void test_eth_output_no_mem(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  fixture();
  struct eth_addr src, dst;
  memcpy(src.addr, test_mac, 6);
  memcpy(dst.addr, peer_mac, 6);
  static u8_t ext[sizeof(payload_bytes)];
  memcpy(ext, payload_bytes, sizeof(ext));
  struct pbuf *r = pbuf_alloc_reference(ext, sizeof(ext), PBUF_REF);
  assert_non_null(r);
  lwip_alloc_fail_after(1);
  assert_int_equal(ethernet_output(nif, r, &src, &dst, 0x0800), ERR_MEM);
  lwip_alloc_fail_after(0);
  assert_int_equal(tn.nframes, 0);
  assert_ptr_equal(r->payload, ext);
  assert_int_equal(r->len, sizeof(ext));
  assert_int_equal(r->ref, 1);
  assert_null(r->next);
#if LWIP_STATS
  assert_int_equal(DROPS(ETH_NO_MEM), 1);
  assert_int_equal(PROTO(ETH).xmit, 0);
#endif
  /* With header room no allocation is needed, so the hook does not bite. */
  struct pbuf *p = pbuf_alloc(PBUF_LINK, sizeof(payload_bytes), PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, payload_bytes, sizeof(payload_bytes));
  lwip_alloc_fail_after(1);
  assert_int_equal(ethernet_output(nif, p, &src, &dst, 0x0800), ERR_OK);
  lwip_alloc_fail_after(0);
  check_out_frame(0x0800);
  /* Once memory is back the REF path works again. */
  assert_int_equal(ethernet_output(nif, r, &src, &dst, 0x0800), ERR_OK);
  check_out_frame(0x0800);
  pbuf_free(p);
  pbuf_free(r);
#else
  skip();
#endif
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_eth_runts, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_header_only, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_not_for_us, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_broadcast_multicast_accepted, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_own_src, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_vlan, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_unknown_type, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_no_etharp_flag, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_chained_split_header, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_ipv4_chained, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_output_with_room, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_output_chain_with_room, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_output_no_room, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_output_link_error, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_eth_output_no_mem, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
