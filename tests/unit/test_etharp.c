/* Unit tests for core/ipv4/etharp.c: answering and learning from received
 * ARP packets (RFC 826), validation of what is received, resolution with
 * queueing, retransmission and give-up, cache aging and refresh (RFC 1122
 * 2.3.2), static entries, table management and announcements (RFC 5227).
 * Every frame the stack sends is compared byte for byte with one built here
 * independently. */
#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>

#include "lwip/etharp.h"
#include "lwip/ethernet.h"
#include "lwip/prot/wire.h"

#define OUR_IP "192.168.1.10"
#define PEER_IP "192.168.1.2"
#define GW_IP "192.168.1.1"
#define OTHER_IP "192.168.1.3"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#define PROTO(p) (lwip_stats.proto[LWIP_PROTO_##p])
#endif

static struct test_netif tn;
static struct netif *nif;

static const u8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const u8_t zero_mac[6] = {0, 0, 0, 0, 0, 0};
static const u8_t other_mac[6] = {0x02, 0, 0, 0, 0, 0xbb};
static const u8_t gw_mac[6] = {0x02, 0, 0, 0, 0, 0x99};

static void fixture_gw(const char *gw)
{
  nif = test_netif_add(&tn, OUR_IP, "255.255.255.0", gw, test_mac);
#if LWIP_STATS
  /* The announcement sent while coming up is not part of any case. */
  lwip_stats_reset();
#endif
}

static void fixture(void)
{
  fixture_gw(GW_IP);
}

static ip4_addr_t ip4(const char *dotted)
{
  ip4_addr_t a;
  a.addr = test_ip(dotted);
  return a;
}

static struct eth_addr mac_of(const u8_t m[6])
{
  struct eth_addr e;
  memcpy(e.addr, m, 6);
  return e;
}

/* A whole ARP frame (Ethernet header + 28-byte packet).  @return 42. */
static size_t arp_frame(u8_t *buf, const u8_t edst[6], const u8_t esrc[6], u16_t op, const u8_t sha[6],
                        const char *spa, const u8_t tha[6], const char *tpa)
{
  size_t n = test_eth_hdr(buf, edst, esrc, 0x0806);
  u8_t *a = buf + n;
  u32_t s = test_ip(spa), t = test_ip(tpa);
  put_be16(a + 0, 1);
  put_be16(a + 2, 0x0800);
  a[4] = 6;
  a[5] = 4;
  put_be16(a + 6, op);
  memcpy(a + 8, sha, 6);
  memcpy(a + 14, &s, 4);
  memcpy(a + 18, tha, 6);
  memcpy(a + 24, &t, 4);
  return n + 28;
}

/* Receive an ARP packet from @p sha at @p spa (Ethernet source = @p sha). */
static void rx_arp(const u8_t edst[6], u16_t op, const u8_t sha[6], const char *spa, const u8_t tha[6],
                   const char *tpa)
{
  u8_t f[64];
  size_t n = arp_frame(f, edst, sha, op, sha, spa, tha, tpa);
  test_rx(&tn, f, n);
}

/* A reply from @p mac at @p ip addressed to us: teaches the stack. */
static void rx_reply_to_us(const u8_t mac[6], const char *ip)
{
  rx_arp(test_mac, 2, mac, ip, test_mac, OUR_IP);
}

/* Pop the next frame and compare it with the ARP frame described. */
static void expect_arp(const u8_t edst[6], u16_t op, const u8_t tha[6], const char *spa, const char *tpa)
{
  u8_t want[64], got[128];
  size_t n = arp_frame(want, edst, test_mac, op, test_mac, spa, tha, tpa);
  int len = test_frame_pop_bytes(&tn, got, sizeof(got));
  assert_int_equal(len, (int)n);
  assert_memory_equal(got, want, n);
}

/* The broadcast request the stack sends to resolve @p ip. */
static void expect_request(const char *ip)
{
  expect_arp(bcast_mac, 1, zero_mac, OUR_IP, ip);
}

/* An IPv4 packet of 24 bytes whose bytes all derive from @p mark, with room
 * for the link header as the IP layer would allocate it. */
#define PKT_LEN 24
static struct pbuf *ip_packet(u8_t mark)
{
  struct pbuf *p = pbuf_alloc(PBUF_IP, PKT_LEN, PBUF_RAM);
  assert_non_null(p);
  u8_t *b = (u8_t *)p->payload;
  for (int i = 0; i < PKT_LEN; i++) {
    b[i] = (u8_t)(mark + i);
  }
  b[0] = 0x45;
  return p;
}

/* Send packet @p mark to @p dst with etharp_output and free it; @return the
 * result.  Also checks the caller's pbuf was left as it was. */
static err_t output(const char *dst, u8_t mark)
{
  struct pbuf *p = ip_packet(mark);
  void *pl = p->payload;
  ip4_addr_t d = ip4(dst);
  err_t err = etharp_output(nif, p, &d);
  assert_ptr_equal(p->payload, pl);
  assert_int_equal(p->len, PKT_LEN);
  assert_int_equal(p->tot_len, PKT_LEN);
  assert_int_equal(p->ref, 1);
  assert_null(p->next);
  pbuf_free(p);
  return err;
}

/* Pop the next frame: IPv4 packet @p mark to Ethernet @p dst. */
static void expect_ip(const u8_t dst[6], u8_t mark)
{
  u8_t got[128];
  int len = test_frame_pop_bytes(&tn, got, sizeof(got));
  assert_int_equal(len, 14 + PKT_LEN);
  u8_t hdr[14];
  test_eth_hdr(hdr, dst, test_mac, 0x0800);
  assert_memory_equal(got, hdr, 14);
  struct pbuf *p = ip_packet(mark);
  assert_memory_equal(got + 14, p->payload, PKT_LEN);
  pbuf_free(p);
}

#if LWIP_STATS
/* The table view (etharp_get_entry_info) is built with stats; the lines
 * of a case that read it are in TABLE_VIEW(), left out without stats. */
#define TABLE_VIEW(...) __VA_ARGS__

/* Look up the table slot holding @p ip (any netif).  @return 1 if found. */
static int find_entry(const char *ip, struct etharp_entry_info *info)
{
  ip4_addr_t a = ip4(ip);
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    struct etharp_entry_info e;
    if (etharp_get_entry_info(i, &e) && ip4_addr_eq(&e.ipaddr, &a)) {
      if (info != NULL) {
        *info = e;
      }
      return 1;
    }
  }
  return 0;
}

static int count_entries(void)
{
  int n = 0;
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    struct etharp_entry_info e;
    n += etharp_get_entry_info(i, &e);
  }
  return n;
}

static void expect_entry(const char *ip, enum etharp_state state, const u8_t mac[6])
{
  struct etharp_entry_info info;
  assert_true(find_entry(ip, &info));
  assert_string_equal(etharp_state_name(info.state), etharp_state_name(state));
  if (mac != NULL) {
    assert_memory_equal(info.ethaddr.addr, mac, 6);
  }
}
#else
#define TABLE_VIEW(...)

/* Built without stats (the minimal profile) there is no table view: an
 * entry is seen through etharp_find_addr, only once resolved, and without
 * its state told (STABLE, refreshing).  @p info must be NULL. */
static int find_entry(const char *ip, struct etharp_entry_info *info)
{
  ip4_addr_t a = ip4(ip);
  assert_null(info);
  return etharp_find_addr(NULL, &a, NULL, NULL) >= 0;
}

static void expect_entry(const char *ip, enum etharp_state state, const u8_t mac[6])
{
  ip4_addr_t a = ip4(ip);
  struct eth_addr *m = NULL;
  int i = etharp_find_addr(NULL, &a, &m, NULL);
  if (state < ETHARP_STATE_STABLE) {
    assert_int_equal(i, -1);
    return;
  }
  assert_true(i >= 0);
  if (mac != NULL) {
    assert_memory_equal(m->addr, mac, 6);
  }
}
#endif

/* A host address 192.168.1.(100 + i), for filling the table. */
static const char *host(size_t i)
{
  static char buf[4][20];
  static int k;
  char *b = buf[k++ & 3];
  snprintf(b, sizeof(buf[0]), "192.168.1.%u", (unsigned)(100 + i));
  return b;
}

static void host_mac(size_t i, u8_t mac[6])
{
  const u8_t m[6] = {0x02, 0x10, 0, 0, 0, (u8_t)i};
  memcpy(mac, m, 6);
}

#if LWIP_TEST_HOOKS
/* As rx_arp(), with allocation @p n after the received pbuf failing. */
static void rx_arp_fail(u32_t n, const u8_t edst[6], u16_t op, const u8_t sha[6], const char *spa,
                        const u8_t tha[6], const char *tpa)
{
  u8_t f[64];
  size_t len = arp_frame(f, edst, sha, op, sha, spa, tha, tpa);
  struct pbuf *p = test_pbuf(f, len, 0);
  lwip_alloc_fail_after(n);
  tn.netif.input(p, &tn.netif);
  lwip_alloc_fail_after(0);
}

/* As output(), with allocation @p n after the packet's own failing. */
static err_t output_fail(u32_t n, const char *dst, u8_t mark)
{
  struct pbuf *p = ip_packet(mark);
  ip4_addr_t d = ip4(dst);
  lwip_alloc_fail_after(n);
  err_t err = etharp_output(nif, p, &d);
  lwip_alloc_fail_after(0);
  assert_int_equal(p->ref, 1);
  assert_int_equal(p->len, PKT_LEN);
  pbuf_free(p);
  return err;
}
#endif

/* ------------------------------------------------------------------ */
/* Input                                                              */
/* ------------------------------------------------------------------ */

static void test_arp_request_for_us_answered(void **state)
{
  (void)state;
  fixture();
  rx_arp(bcast_mac, 1, peer_mac, PEER_IP, zero_mac, OUR_IP);
  /* RFC 826: the reply goes to the asker, with the roles swapped. */
  expect_arp(peer_mac, 2, peer_mac, OUR_IP, PEER_IP);
  assert_int_equal(tn.nframes, 0);
  /* And the asker is learned, as it will likely talk to us next. */
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
  TABLE_VIEW(struct etharp_entry_info info;)
  TABLE_VIEW(assert_true(find_entry(PEER_IP, &info));)
  TABLE_VIEW(assert_ptr_equal(info.netif, nif);)
  TABLE_VIEW(assert_int_equal(info.queued, 0);)
  TABLE_VIEW(assert_int_equal(info.age_s, 0);)
  struct eth_addr *m = NULL;
  const ip4_addr_t *ipr = NULL;
  ip4_addr_t peer = ip4(PEER_IP);
  assert_true(etharp_find_addr(nif, &peer, &m, &ipr) >= 0);
  assert_memory_equal(m->addr, peer_mac, 6);
  assert_true(ip4_addr_eq(ipr, &peer));
  /* A unicast request (a refresh of the peer's cache) is answered too. */
  rx_arp(test_mac, 1, peer_mac, PEER_IP, test_mac, OUR_IP);
  expect_arp(peer_mac, 2, peer_mac, OUR_IP, PEER_IP);
#if LWIP_STATS
  assert_int_equal(PROTO(ARP).recv, 2);
  assert_int_equal(PROTO(ARP).xmit, 2);
  assert_int_equal(PROTO(ARP).drop, 0);
#endif
}

static void test_arp_request_other_ip(void **state)
{
  (void)state;
  fixture();
  rx_arp(bcast_mac, 1, peer_mac, PEER_IP, zero_mac, OTHER_IP);
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_NOT_FOR_US), 1);
#endif
  /* Once the peer is known, overheard traffic updates it (RFC 826 merge):
   * here the peer's address moved to another MAC. */
  rx_reply_to_us(peer_mac, PEER_IP);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
  test_clock_advance(10000);
  rx_arp(bcast_mac, 1, other_mac, PEER_IP, zero_mac, OTHER_IP);
  assert_int_equal(tn.nframes, 0);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, other_mac);
  TABLE_VIEW(struct etharp_entry_info info;)
  TABLE_VIEW(assert_true(find_entry(PEER_IP, &info));)
  TABLE_VIEW(assert_int_equal(info.age_s, 0)); /* refreshed */
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_NOT_FOR_US), 2);
#endif
}

static void test_arp_reply_learning(void **state)
{
  (void)state;
  fixture();
  /* A reply between two other hosts (seen through a broadcast reply or a
   * hub) teaches nothing new. */
  rx_arp(bcast_mac, 2, other_mac, OTHER_IP, peer_mac, PEER_IP);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_NOT_FOR_US), 1);
#endif
  /* A reply to us is learned, and no answer is sent to a reply. */
  rx_reply_to_us(other_mac, OTHER_IP);
  assert_int_equal(tn.nframes, 0);
  expect_entry(OTHER_IP, ETHARP_STATE_STABLE, other_mac);
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)
  /* A gratuitous announcement by a known host updates it (merge). */
  rx_arp(bcast_mac, 1, peer_mac, OTHER_IP, zero_mac, OTHER_IP);
  expect_entry(OTHER_IP, ETHARP_STATE_STABLE, peer_mac);
  assert_int_equal(tn.nframes, 0);
  /* ... and an unknown host's announcement is not learned. */
  rx_arp(bcast_mac, 1, gw_mac, GW_IP, zero_mac, GW_IP);
  assert_false(find_entry(GW_IP, NULL));
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)
}

static void test_arp_malformed(void **state)
{
  (void)state;
  fixture();
  u8_t good[64], f[64];
  size_t n = arp_frame(good, bcast_mac, peer_mac, 1, peer_mac, PEER_IP, zero_mac, OUR_IP);

  /* Short: every length from header-only+1 to 27 ARP bytes, flat and
   * chained. */
  for (size_t len = 15; len < n; len++) {
    test_rx(&tn, good, len);
    test_rx_chunked(&tn, good, len, 10);
  }
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_SHORT), 2 * (n - 15));
#endif

  /* Bad format: hardware type, protocol type, address lengths. */
  const struct {
    size_t off;
    u8_t val;
  } fmt[] = {{14 + 1, 6}, {14 + 0, 1}, {14 + 2, 0x86}, {14 + 3, 0x01}, {14 + 4, 8}, {14 + 5, 16}, {14 + 5, 0}};
  for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
    memcpy(f, good, n);
    f[fmt[i].off] = fmt[i].val;
    test_rx(&tn, f, n);
  }
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_BAD_FORMAT), 7);
#endif

  /* Bad opcode: 0, RARP request/reply (3, 4) and a high byte set. */
  const u16_t ops[] = {0, 3, 4, 0x0101, 0xffff};
  for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
    memcpy(f, good, n);
    put_be16(f + 14 + 6, ops[i]);
    test_rx(&tn, f, n);
  }
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_BAD_OP), 5);
#endif

  /* Bad sender: group MACs, our own MAC, group or broadcast IPs. */
  const u8_t mc_mac[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
  n = arp_frame(f, bcast_mac, peer_mac, 1, bcast_mac, PEER_IP, zero_mac, OUR_IP);
  test_rx(&tn, f, n);
  n = arp_frame(f, bcast_mac, peer_mac, 1, mc_mac, PEER_IP, zero_mac, OUR_IP);
  test_rx(&tn, f, n);
  n = arp_frame(f, bcast_mac, peer_mac, 1, test_mac, PEER_IP, zero_mac, OUR_IP);
  test_rx(&tn, f, n);
  n = arp_frame(f, bcast_mac, peer_mac, 1, peer_mac, "224.0.0.1", zero_mac, OUR_IP);
  test_rx(&tn, f, n);
  n = arp_frame(f, bcast_mac, peer_mac, 1, peer_mac, "255.255.255.255", zero_mac, OUR_IP);
  test_rx(&tn, f, n);
  n = arp_frame(f, bcast_mac, peer_mac, 2, peer_mac, "192.168.1.255", test_mac, OUR_IP);
  test_rx(&tn, f, n);
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_BAD_SENDER), 6);
  assert_int_equal(DROPS(ARP_NOT_FOR_US), 0);
  assert_int_equal(PROTO(ARP).drop, 2 * (42 - 15) + 7 + 5 + 6);
  assert_int_equal(PROTO(ARP).xmit, 0);
#endif
  /* Nothing was answered or learned. */
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)

  /* The untouched packet still works (the checks above are not sticky). */
  test_rx(&tn, good, 42);
  expect_arp(peer_mac, 2, peer_mac, OUR_IP, PEER_IP);
  /* Trailing bytes (Ethernet padding to 60) are fine. */
  memset(f, 0, sizeof(f));
  memcpy(f, good, 42);
  test_rx(&tn, f, 60);
  expect_arp(peer_mac, 2, peer_mac, OUR_IP, PEER_IP);
}

static void test_arp_conflict(void **state)
{
  (void)state;
  fixture();
  /* Another station claims our address (RFC 5227 2.4): reported, neither
   * answered nor learned, whether it asks for us or announces itself. */
  rx_arp(bcast_mac, 1, peer_mac, OUR_IP, zero_mac, OUR_IP);
  rx_arp(bcast_mac, 1, peer_mac, OUR_IP, zero_mac, PEER_IP);
  rx_arp(test_mac, 2, peer_mac, OUR_IP, test_mac, OUR_IP);
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_BAD_SENDER), 3);
#endif
}

static void test_arp_probe(void **state)
{
  (void)state;
  fixture();
  /* RFC 5227 2.1.1: a probe has sender IP 0.  A probe for our address is
   * defended with a reply; the prober is not learned (it has no address). */
  rx_arp(bcast_mac, 1, peer_mac, "0.0.0.0", zero_mac, OUR_IP);
  expect_arp(peer_mac, 2, peer_mac, OUR_IP, "0.0.0.0");
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
  assert_false(find_entry("0.0.0.0", NULL));
  /* A probe for another address is neither answered nor learned. */
  rx_arp(bcast_mac, 1, peer_mac, "0.0.0.0", zero_mac, OTHER_IP);
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_BAD_SENDER), 0);
  assert_int_equal(DROPS(ARP_NOT_FOR_US), 1);
#endif
}

static void test_arp_no_address(void **state)
{
  (void)state;
  fixture_gw(NULL);
  /* Without an address of our own nothing is "for us": not even a request
   * for 0.0.0.0 is answered. */
  ip4_addr_t any = ip4("0.0.0.0");
  netif_set_ipaddr(nif, &any);
  test_frames_clear(&tn);
  rx_arp(bcast_mac, 1, peer_mac, PEER_IP, zero_mac, "0.0.0.0");
  rx_arp(bcast_mac, 1, peer_mac, "0.0.0.0", zero_mac, "0.0.0.0");
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
}

/* ------------------------------------------------------------------ */
/* Resolution and queueing                                            */
/* ------------------------------------------------------------------ */

static void test_arp_output_queue_and_flush(void **state)
{
  (void)state;
  fixture();
  /* The first packet triggers one broadcast request and waits. */
  assert_int_equal(output(OTHER_IP, 0), ERR_OK);
  expect_request(OTHER_IP);
  assert_int_equal(tn.nframes, 0);
  expect_entry(OTHER_IP, ETHARP_STATE_PENDING, NULL);
  /* More packets in the same second join the queue without a new request;
   * beyond ARP_QUEUE_LEN the oldest make room (RFC 1122 2.3.2.2: keep the
   * latest). */
  for (u8_t i = 1; i < ARP_QUEUE_LEN + 2; i++) {
    assert_int_equal(output(OTHER_IP, (u8_t)(i * 16)), ERR_OK);
  }
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(struct etharp_entry_info info;)
  TABLE_VIEW(assert_true(find_entry(OTHER_IP, &info));)
  TABLE_VIEW(assert_int_equal(info.queued, ARP_QUEUE_LEN);)
  TABLE_VIEW(assert_int_equal(info.state, ETHARP_STATE_PENDING);)
  TABLE_VIEW(assert_int_equal(etharp_find_addr(nif, &info.ipaddr, NULL, NULL), -1);)
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_QUEUE_FULL), 2);
  assert_int_equal(PROTO(ARP).xmit, 1);
#endif
  /* The answer releases the queue in order, to the learned MAC. */
  rx_reply_to_us(other_mac, OTHER_IP);
  for (u8_t i = 2; i < ARP_QUEUE_LEN + 2; i++) {
    expect_ip(other_mac, (u8_t)(i * 16));
  }
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_true(find_entry(OTHER_IP, &info));)
  TABLE_VIEW(assert_int_equal(info.queued, 0);)
  TABLE_VIEW(assert_int_equal(info.state, ETHARP_STATE_STABLE);)
  /* Later packets go straight out. */
  assert_int_equal(output(OTHER_IP, 7), ERR_OK);
  expect_ip(other_mac, 7);
  assert_int_equal(tn.nframes, 0);
}

static void test_arp_pending_released_by_any_news(void **state)
{
  (void)state;
  fixture();
  /* A request for us from the host being resolved answers the question
   * as well as a reply would: the queue leaves, and we reply. */
  assert_int_equal(output(OTHER_IP, 1), ERR_OK);
  expect_request(OTHER_IP);
  rx_arp(bcast_mac, 1, other_mac, OTHER_IP, zero_mac, OUR_IP);
  expect_ip(other_mac, 1);
  expect_arp(other_mac, 2, other_mac, OUR_IP, OTHER_IP);
  assert_int_equal(tn.nframes, 0);
  expect_entry(OTHER_IP, ETHARP_STATE_STABLE, other_mac);
  /* Overheard traffic of a host being resolved (RFC 826 merge: the entry
   * exists) resolves it too. */
  assert_int_equal(output(PEER_IP, 2), ERR_OK);
  assert_int_equal(output(PEER_IP, 3), ERR_OK);
  expect_request(PEER_IP);
  rx_arp(bcast_mac, 1, peer_mac, PEER_IP, zero_mac, GW_IP);
  expect_ip(peer_mac, 2);
  expect_ip(peer_mac, 3);
  assert_int_equal(tn.nframes, 0);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
  /* A reply for someone else about a pending host resolves it as well. */
  assert_int_equal(output(GW_IP, 4), ERR_OK);
  expect_request(GW_IP);
  rx_arp(bcast_mac, 2, gw_mac, GW_IP, peer_mac, PEER_IP);
  expect_ip(gw_mac, 4);
  assert_int_equal(tn.nframes, 0);
}

static void test_arp_queue_copies(void **state)
{
  (void)state;
  fixture();
  /* A packet waiting for resolution is copied: the caller may reuse its
   * memory (a REF pbuf) or its chain as soon as etharp_output returns. */
  static u8_t ext[PKT_LEN];
  struct pbuf *ref_pkt = ip_packet(0x40);
  memcpy(ext, ref_pkt->payload, PKT_LEN);
  pbuf_free(ref_pkt);
  struct pbuf *r = pbuf_alloc_reference(ext, PKT_LEN, PBUF_REF);
  assert_non_null(r);
  ip4_addr_t d = ip4(OTHER_IP);
  assert_int_equal(etharp_output(nif, r, &d), ERR_OK);
  assert_int_equal(r->ref, 1);
  assert_ptr_equal(r->payload, ext);
  pbuf_free(r);
  memset(ext, 0xee, sizeof(ext));

  struct pbuf *full = ip_packet(0x50);
  struct pbuf *h = pbuf_alloc(PBUF_IP, 10, PBUF_RAM);
  struct pbuf *t = pbuf_alloc(PBUF_RAW, PKT_LEN - 10, PBUF_RAM);
  assert_non_null(h);
  assert_non_null(t);
  memcpy(h->payload, full->payload, 10);
  memcpy(t->payload, (u8_t *)full->payload + 10, PKT_LEN - 10);
  pbuf_free(full);
  pbuf_cat(h, t);
  assert_int_equal(etharp_output(nif, h, &d), ERR_OK);
  assert_int_equal(h->ref, 1);
  assert_int_equal(t->ref, 1);
  assert_int_equal(h->tot_len, PKT_LEN);
  memset(t->payload, 0xdd, PKT_LEN - 10);
  pbuf_free(h);

  expect_request(OTHER_IP);
  rx_reply_to_us(other_mac, OTHER_IP);
  expect_ip(other_mac, 0x40);
  expect_ip(other_mac, 0x50);
  assert_int_equal(tn.nframes, 0);
}

static void test_arp_query_resolve_only(void **state)
{
  (void)state;
  fixture();
  ip4_addr_t o = ip4(OTHER_IP);
  /* etharp_query without a packet only starts resolution. */
  assert_int_equal(etharp_query(nif, &o, NULL), ERR_OK);
  expect_request(OTHER_IP);
  assert_int_equal(etharp_query(nif, &o, NULL), ERR_OK);
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(struct etharp_entry_info info;)
  TABLE_VIEW(assert_true(find_entry(OTHER_IP, &info));)
  TABLE_VIEW(assert_int_equal(info.queued, 0);)
  /* Group and broadcast addresses are never resolved. */
  ip4_addr_t bad[] = {ip4("255.255.255.255"), ip4("192.168.1.255"), ip4("224.0.0.5"), ip4("0.0.0.0")};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(etharp_query(nif, &bad[i], NULL), ERR_ARG);
  }
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)
  rx_reply_to_us(other_mac, OTHER_IP);
  assert_int_equal(etharp_query(nif, &o, NULL), ERR_OK);
  assert_int_equal(tn.nframes, 0);
  expect_entry(OTHER_IP, ETHARP_STATE_STABLE, other_mac);
}

static void test_arp_retransmit_and_give_up(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(output(OTHER_IP, 1), ERR_OK);
  assert_int_equal(output(OTHER_IP, 2), ERR_OK);
  expect_request(OTHER_IP);
  assert_int_equal(tn.nframes, 0);
  /* RFC 1122 2.3.2.1: at most one request a second, until the limit. */
  for (int s = 1; s < ARP_MAXPENDING_S; s++) {
    test_clock_advance(999);
    assert_int_equal(tn.nframes, 0);
    test_clock_advance(1);
    expect_request(OTHER_IP);
    assert_int_equal(tn.nframes, 0);
    TABLE_VIEW(struct etharp_entry_info info;)
    TABLE_VIEW(assert_true(find_entry(OTHER_IP, &info));)
    TABLE_VIEW(assert_int_equal(info.state, ETHARP_STATE_PENDING);)
    TABLE_VIEW(assert_int_equal(info.age_s, s);)
    TABLE_VIEW(assert_int_equal(info.queued, 2);)
  }
  test_clock_advance(1000);
  /* Given up: entry gone, no more requests, both packets counted. */
  assert_int_equal(tn.nframes, 0);
  assert_false(find_entry(OTHER_IP, NULL));
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_UNRESOLVED), 2);
  assert_int_equal(PROTO(ARP).xmit, ARP_MAXPENDING_S);
#endif
  test_clock_advance(10000);
  assert_int_equal(tn.nframes, 0);
  /* A new attempt starts afresh. */
  assert_int_equal(output(OTHER_IP, 3), ERR_OK);
  expect_request(OTHER_IP);
  rx_reply_to_us(other_mac, OTHER_IP);
  expect_ip(other_mac, 3);
  assert_int_equal(tn.nframes, 0);
}

static void test_arp_expiry(void **state)
{
  (void)state;
  fixture();
  rx_reply_to_us(peer_mac, PEER_IP);
  /* Unused, it is not refreshed, and lives exactly ARP_MAXAGE_S. */
  test_clock_advance(ARP_MAXAGE_S * 1000U - 1);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
  TABLE_VIEW(struct etharp_entry_info info;)
  TABLE_VIEW(assert_true(find_entry(PEER_IP, &info));)
  TABLE_VIEW(assert_int_equal(info.age_s, ARP_MAXAGE_S - 1);)
  assert_int_equal(tn.nframes, 0);
  test_clock_advance(1);
  assert_false(find_entry(PEER_IP, NULL));
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_UNRESOLVED), 0);
#endif
  /* The next packet must resolve again. */
  assert_int_equal(output(PEER_IP, 1), ERR_OK);
  expect_request(PEER_IP);
  assert_int_equal(tn.nframes, 0);
}

static void test_arp_rerequest(void **state)
{
  (void)state;
  fixture();
  rx_reply_to_us(peer_mac, PEER_IP);
  test_clock_advance((ARP_MAXAGE_S - ARP_REREQUEST_S) * 1000U - 1);
  /* Not yet due: sent without a refresh. */
  assert_int_equal(output(PEER_IP, 1), ERR_OK);
  expect_ip(peer_mac, 1);
  assert_int_equal(tn.nframes, 0);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
  test_clock_advance(1);
  /* Due: a unicast poll to the known MAC, and the packet still goes out. */
  assert_int_equal(output(PEER_IP, 2), ERR_OK);
  expect_arp(peer_mac, 1, zero_mac, OUR_IP, PEER_IP);
  expect_ip(peer_mac, 2);
  assert_int_equal(tn.nframes, 0);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE_REREQUESTING, peer_mac);
  /* Only one poll while it is outstanding. */
  assert_int_equal(output(PEER_IP, 3), ERR_OK);
  expect_ip(peer_mac, 3);
  assert_int_equal(tn.nframes, 0);
  /* The answer makes it stable again with a fresh lifetime. */
  test_clock_advance(2000);
  rx_reply_to_us(peer_mac, PEER_IP);
  assert_int_equal(tn.nframes, 0);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
  TABLE_VIEW(struct etharp_entry_info info;)
  TABLE_VIEW(assert_true(find_entry(PEER_IP, &info));)
  TABLE_VIEW(assert_int_equal(info.age_s, 0);)
  test_clock_advance(ARP_REREQUEST_S * 1000U);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
  assert_int_equal(output(PEER_IP, 4), ERR_OK);
  expect_ip(peer_mac, 4);
  assert_int_equal(tn.nframes, 0);
}

static void test_arp_rerequest_unanswered(void **state)
{
  (void)state;
  fixture();
  rx_reply_to_us(peer_mac, PEER_IP);
  test_clock_advance((ARP_MAXAGE_S - ARP_REREQUEST_S) * 1000U);
  assert_int_equal(output(PEER_IP, 1), ERR_OK);
  expect_arp(peer_mac, 1, zero_mac, OUR_IP, PEER_IP);
  expect_ip(peer_mac, 1);
  /* No answer: the entry still ends at ARP_MAXAGE_S. */
  test_clock_advance(ARP_REREQUEST_S * 1000U - 1);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE_REREQUESTING, peer_mac);
  assert_int_equal(tn.nframes, 0);
  test_clock_advance(1);
  assert_false(find_entry(PEER_IP, NULL));
}

static void test_arp_gateway_and_route(void **state)
{
  (void)state;
  fixture();
  /* Off the subnet: the gateway is resolved, and the packet goes to it. */
  assert_int_equal(output("8.8.8.8", 1), ERR_OK);
  expect_request(GW_IP);
  assert_int_equal(tn.nframes, 0);
  assert_false(find_entry("8.8.8.8", NULL));
  expect_entry(GW_IP, ETHARP_STATE_PENDING, NULL);
  rx_reply_to_us(gw_mac, GW_IP);
  expect_ip(gw_mac, 1);
  assert_int_equal(output("10.1.2.3", 2), ERR_OK);
  expect_ip(gw_mac, 2);
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)
  /* Link-local destinations are on the link (RFC 3927 2.6.2). */
  assert_int_equal(output("169.254.7.8", 3), ERR_OK);
  expect_request("169.254.7.8");
  assert_int_equal(tn.nframes, 0);

  /* Without a gateway an off-subnet destination has no next hop. */
  ip4_addr_t none = ip4("0.0.0.0");
  netif_set_gw(nif, &none);
  test_frames_clear(&tn);
  assert_int_equal(output("8.8.8.8", 4), ERR_RTE);
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NO_ROUTE), 1);
#endif
}

static void test_arp_bcast_mcast_mapping(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(output("255.255.255.255", 1), ERR_OK);
  expect_ip(bcast_mac, 1);
  assert_int_equal(output("192.168.1.255", 2), ERR_OK);
  expect_ip(bcast_mac, 2);
  /* RFC 1112 6.4: 01:00:5e and the low 23 bits of the group; the top bit
   * of the second octet is lost. */
  const u8_t m1[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
  const u8_t m2[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
  const u8_t m3[6] = {0x01, 0x00, 0x5e, 0x7f, 0xff, 0xff};
  assert_int_equal(output("224.0.0.251", 3), ERR_OK);
  expect_ip(m1, 3);
  assert_int_equal(output("239.129.2.3", 4), ERR_OK);
  expect_ip(m2, 4);
  assert_int_equal(output("239.1.2.3", 5), ERR_OK);
  expect_ip(m2, 5);
  assert_int_equal(output("239.255.255.255", 6), ERR_OK);
  expect_ip(m3, 6);
  /* No ARP traffic, no entries. */
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
#if LWIP_STATS
  assert_int_equal(PROTO(ARP).xmit, 0);
#endif
}

/* ------------------------------------------------------------------ */
/* Static entries and table management                                */
/* ------------------------------------------------------------------ */

#if LWIP_ARP_STATIC_ENTRIES
static void test_arp_static(void **state)
{
  (void)state;
  fixture();
  ip4_addr_t peer = ip4(PEER_IP);
  struct eth_addr pm = mac_of(peer_mac), om = mac_of(other_mac);
  assert_int_equal(etharp_add_static_entry(&peer, &pm), ERR_OK);
  expect_entry(PEER_IP, ETHARP_STATE_STATIC, peer_mac);
  struct eth_addr *m = NULL;
  assert_true(etharp_find_addr(nif, &peer, &m, NULL) >= 0);
  assert_memory_equal(m->addr, peer_mac, 6);
  /* Used without any ARP traffic, and never refreshed or expired. */
  assert_int_equal(output(PEER_IP, 1), ERR_OK);
  expect_ip(peer_mac, 1);
  test_clock_advance(ARP_MAXAGE_S * 2000U);
  assert_int_equal(output(PEER_IP, 2), ERR_OK);
  expect_ip(peer_mac, 2);
  assert_int_equal(tn.nframes, 0);
  expect_entry(PEER_IP, ETHARP_STATE_STATIC, peer_mac);
  /* Received ARP does not override it. */
  rx_reply_to_us(other_mac, PEER_IP);
  rx_arp(bcast_mac, 1, other_mac, PEER_IP, zero_mac, OUR_IP);
  expect_arp(other_mac, 2, other_mac, OUR_IP, PEER_IP);
  expect_entry(PEER_IP, ETHARP_STATE_STATIC, peer_mac);
  /* Replacing it changes the MAC. */
  assert_int_equal(etharp_add_static_entry(&peer, &om), ERR_OK);
  expect_entry(PEER_IP, ETHARP_STATE_STATIC, other_mac);
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)

  /* Bad arguments. */
  ip4_addr_t any = ip4("0.0.0.0"), mc = ip4("224.0.0.1"), lb = ip4("255.255.255.255"),
             db = ip4("192.168.1.255");
  const u8_t mcm[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
  struct eth_addr mcmac = mac_of(mcm), bm = mac_of(bcast_mac);
  ip4_addr_t o = ip4(OTHER_IP);
  assert_int_equal(etharp_add_static_entry(&any, &pm), ERR_ARG);
  assert_int_equal(etharp_add_static_entry(&mc, &pm), ERR_ARG);
  assert_int_equal(etharp_add_static_entry(&lb, &pm), ERR_ARG);
  assert_int_equal(etharp_add_static_entry(&db, &pm), ERR_ARG);
  assert_int_equal(etharp_add_static_entry(&o, &mcmac), ERR_ARG);
  assert_int_equal(etharp_add_static_entry(&o, &bm), ERR_ARG);
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)
  /* No netif reaches it. */
  netif_set_default(NULL);
  ip4_addr_t far = ip4("10.9.9.9");
  assert_int_equal(etharp_add_static_entry(&far, &pm), ERR_RTE);
  netif_set_default(nif);

  /* Removal: only static entries, only once. */
  rx_reply_to_us(gw_mac, GW_IP);
  ip4_addr_t gw = ip4(GW_IP);
  assert_int_equal(etharp_remove_static_entry(&gw), ERR_ARG);
  expect_entry(GW_IP, ETHARP_STATE_STABLE, gw_mac);
  assert_int_equal(etharp_remove_static_entry(&o), ERR_ARG);
  assert_int_equal(etharp_remove_static_entry(&peer), ERR_OK);
  assert_false(find_entry(PEER_IP, NULL));
  assert_int_equal(etharp_remove_static_entry(&peer), ERR_ARG);
  /* After removal the address is resolved again. */
  assert_int_equal(output(PEER_IP, 3), ERR_OK);
  expect_request(PEER_IP);
  assert_int_equal(tn.nframes, 0);
}
#endif

#if LWIP_ARP_STATIC_ENTRIES
static void test_arp_static_over_pending(void **state)
{
  (void)state;
  fixture();
  /* Packets waiting on a resolution leave as soon as the address is
   * configured statically. */
  assert_int_equal(output(OTHER_IP, 1), ERR_OK);
  assert_int_equal(output(OTHER_IP, 2), ERR_OK);
  expect_request(OTHER_IP);
  ip4_addr_t o = ip4(OTHER_IP);
  struct eth_addr om = mac_of(other_mac);
  assert_int_equal(etharp_add_static_entry(&o, &om), ERR_OK);
  expect_ip(other_mac, 1);
  expect_ip(other_mac, 2);
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(struct etharp_entry_info info;)
  TABLE_VIEW(assert_true(find_entry(OTHER_IP, &info));)
  TABLE_VIEW(assert_int_equal(info.state, ETHARP_STATE_STATIC);)
  TABLE_VIEW(assert_int_equal(info.queued, 0);)
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)
  /* The timer no longer retransmits for it. */
  test_clock_advance(ARP_MAXPENDING_S * 2000U);
  assert_int_equal(tn.nframes, 0);
  expect_entry(OTHER_IP, ETHARP_STATE_STATIC, other_mac);
}
#endif

static void test_arp_table_full_recycles_oldest(void **state)
{
  (void)state;
  fixture();
  u8_t mac[6];
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    host_mac(i, mac);
    rx_reply_to_us(mac, host(i));
    test_clock_advance(1000);
  }
  TABLE_VIEW(assert_int_equal(count_entries(), ARP_TABLE_SIZE);)
  /* A refresh of the first one makes the second the oldest. */
  host_mac(0, mac);
  rx_reply_to_us(mac, host(0));
  host_mac(ARP_TABLE_SIZE, mac);
  rx_reply_to_us(mac, host(ARP_TABLE_SIZE));
  TABLE_VIEW(assert_int_equal(count_entries(), ARP_TABLE_SIZE);)
  TABLE_VIEW(assert_true(find_entry(host(0), NULL));)
  assert_false(find_entry(host(1), NULL));
  TABLE_VIEW(assert_true(find_entry(host(2), NULL));)
  expect_entry(host(ARP_TABLE_SIZE), ETHARP_STATE_STABLE, mac);
  /* A new resolution recycles the next oldest. */
  assert_int_equal(output(OTHER_IP, 1), ERR_OK);
  expect_request(OTHER_IP);
  assert_false(find_entry(host(2), NULL));
  TABLE_VIEW(assert_true(find_entry(host(3), NULL));)
  expect_entry(OTHER_IP, ETHARP_STATE_PENDING, NULL);
  TABLE_VIEW(assert_int_equal(count_entries(), ARP_TABLE_SIZE);)
  assert_int_equal(tn.nframes, 0);
}

static void test_arp_table_full_pending(void **state)
{
  (void)state;
  fixture();
  /* With only unresolved entries, the oldest of them is given up (its
   * queue is counted as unresolved). */
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    assert_int_equal(output(host(i), (u8_t)i), ERR_OK);
    expect_request(host(i));
    test_clock_advance(1);
  }
  TABLE_VIEW(assert_int_equal(count_entries(), ARP_TABLE_SIZE);)
  assert_int_equal(output(OTHER_IP, 1), ERR_OK);
  expect_request(OTHER_IP);
  assert_false(find_entry(host(0), NULL));
  TABLE_VIEW(assert_true(find_entry(host(1), NULL));)
  expect_entry(OTHER_IP, ETHARP_STATE_PENDING, NULL);
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_UNRESOLVED), 1);
#endif
  /* A learned entry is preferred as a victim over a pending one. */
  rx_arp(bcast_mac, 2, gw_mac, host(5), test_mac, OUR_IP);
  expect_ip(gw_mac, 5);
  expect_entry(host(5), ETHARP_STATE_STABLE, gw_mac);
  assert_int_equal(output(GW_IP, 2), ERR_OK);
  expect_request(GW_IP);
  assert_false(find_entry(host(5), NULL));
  TABLE_VIEW(assert_true(find_entry(host(1), NULL));)
  TABLE_VIEW(assert_int_equal(count_entries(), ARP_TABLE_SIZE);)
  assert_int_equal(tn.nframes, 0);
}

#if LWIP_ARP_STATIC_ENTRIES
static void test_arp_table_full_static(void **state)
{
  (void)state;
  fixture();
  struct eth_addr m;
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    ip4_addr_t a = ip4(host(i));
    host_mac(i, m.addr);
    assert_int_equal(etharp_add_static_entry(&a, &m), ERR_OK);
  }
  /* Static entries are never recycled. */
  ip4_addr_t a = ip4(host(ARP_TABLE_SIZE));
  assert_int_equal(etharp_add_static_entry(&a, &m), ERR_MEM);
  assert_int_equal(output(OTHER_IP, 1), ERR_MEM);
  rx_reply_to_us(other_mac, OTHER_IP);
  assert_int_equal(tn.nframes, 0);
  assert_false(find_entry(OTHER_IP, NULL));
  TABLE_VIEW(assert_int_equal(count_entries(), ARP_TABLE_SIZE);)
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_TABLE_FULL), 2);
#endif
  /* Replacing an existing static entry needs no new slot. */
  a = ip4(host(0));
  assert_int_equal(etharp_add_static_entry(&a, &m), ERR_OK);
  ip4_addr_t h1 = ip4(host(1));
  assert_int_equal(etharp_remove_static_entry(&h1), ERR_OK);
  assert_int_equal(output(OTHER_IP, 2), ERR_OK);
  expect_request(OTHER_IP);
  assert_int_equal(tn.nframes, 0);
}
#endif

#if LWIP_ARP_STATIC_ENTRIES
static void test_arp_flush_keeps_static(void **state)
{
  (void)state;
  fixture();
  ip4_addr_t peer = ip4(PEER_IP);
  struct eth_addr pm = mac_of(peer_mac);
  assert_int_equal(etharp_add_static_entry(&peer, &pm), ERR_OK);
  rx_reply_to_us(gw_mac, GW_IP);
  assert_int_equal(output(OTHER_IP, 1), ERR_OK);
  expect_request(OTHER_IP);
  TABLE_VIEW(assert_int_equal(count_entries(), 3);)
  etharp_flush();
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)
  expect_entry(PEER_IP, ETHARP_STATE_STATIC, peer_mac);
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_UNRESOLVED), 1);
#endif
  /* Nothing resurfaces from the flushed entries. */
  rx_reply_to_us(other_mac, OTHER_IP);
  assert_int_equal(tn.nframes, 0);
  test_clock_advance(ARP_MAXPENDING_S * 1000U);
  assert_int_equal(tn.nframes, 0);
}
#endif

static struct test_netif tn2;

static void test_arp_cleanup_netif(void **state)
{
  (void)state;
  fixture();
  struct netif *n2 = test_netif_add(&tn2, "10.0.0.1", "255.255.255.0", NULL, test_mac2);
  /* Entries on both netifs, one pending with a queued packet. */
  rx_reply_to_us(peer_mac, PEER_IP);
  u8_t f[64];
  size_t n = arp_frame(f, test_mac2, other_mac, 2, other_mac, "10.0.0.2", test_mac2, "10.0.0.1");
  test_rx(&tn2, f, n);
  struct pbuf *p = ip_packet(9);
  ip4_addr_t d = ip4("10.0.0.3");
  assert_int_equal(etharp_output(n2, p, &d), ERR_OK);
  pbuf_free(p);
  assert_int_equal(tn2.nframes, 1);
  test_frames_clear(&tn2);
#if LWIP_ARP_STATIC_ENTRIES
  /* And a static one there (with arp_static_entries). */
  ip4_addr_t s = ip4("10.0.0.4");
  struct eth_addr gm = mac_of(gw_mac);
  assert_int_equal(etharp_add_static_entry(&s, &gm), ERR_OK);
  TABLE_VIEW(struct etharp_entry_info info;)
  TABLE_VIEW(assert_true(find_entry("10.0.0.4", &info));)
  TABLE_VIEW(assert_ptr_equal(info.netif, n2);)
#endif
  TABLE_VIEW(assert_int_equal(count_entries(), 3 + LWIP_ARP_STATIC_ENTRIES);)

  etharp_cleanup_netif(n2);
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_UNRESOLVED), 1);
#endif
  /* Entries belong to a netif: what is overheard on the second one about
   * an address known on the first does not touch the first's entry. */
  n = arp_frame(f, bcast_mac, other_mac, 1, other_mac, PEER_IP, zero_mac, "10.0.0.9");
  test_rx(&tn2, f, n);
  TABLE_VIEW(assert_int_equal(count_entries(), 1);)
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
  ip4_addr_t peer = ip4(PEER_IP);
  assert_int_equal(etharp_find_addr(n2, &peer, NULL, NULL), -1);
  assert_true(etharp_find_addr(nif, &peer, NULL, NULL) >= 0);
  /* Taking a netif down forgets its neighbours too. */
  netif_set_down(nif);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
  assert_int_equal(tn2.nframes, 0);
}

/* ------------------------------------------------------------------ */
/* Announcements, names, memory                                       */
/* ------------------------------------------------------------------ */

static void test_arp_gratuitous(void **state)
{
  (void)state;
  fixture();
  /* RFC 5227 2.3: a request with sender and target IP both ours. */
  assert_int_equal(etharp_gratuitous(nif), ERR_OK);
  expect_arp(bcast_mac, 1, zero_mac, OUR_IP, OUR_IP);
  assert_int_equal(tn.nframes, 0);
  /* Sent when the netif comes up, and when the address changes. */
  netif_set_down(nif);
  netif_set_up(nif);
  expect_arp(bcast_mac, 1, zero_mac, OUR_IP, OUR_IP);
  ip4_addr_t na = ip4("192.168.1.20");
  netif_set_ipaddr(nif, &na);
  expect_arp(bcast_mac, 1, zero_mac, "192.168.1.20", "192.168.1.20");
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
  /* The driver's error is passed up. */
  tn.linkoutput_ret = ERR_IF;
  assert_int_equal(etharp_gratuitous(nif), ERR_IF);
  ip4_addr_t o = ip4(OTHER_IP);
  assert_int_equal(etharp_request(nif, &o), ERR_IF);
  tn.linkoutput_ret = ERR_OK;
  assert_int_equal(etharp_request(nif, &o), ERR_OK);
  expect_arp(bcast_mac, 1, zero_mac, "192.168.1.20", OTHER_IP);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
}

#if LWIP_STATS
static void test_arp_state_names(void **state)
{
  (void)state;
#if LWIP_DEBUG
  assert_string_equal(etharp_state_name(ETHARP_STATE_EMPTY), "empty");
  assert_string_equal(etharp_state_name(ETHARP_STATE_PENDING), "incomplete");
  assert_string_equal(etharp_state_name(ETHARP_STATE_STABLE), "stable");
  assert_string_equal(etharp_state_name(ETHARP_STATE_STABLE_REREQUESTING), "stable-rerequesting");
  assert_string_equal(etharp_state_name(ETHARP_STATE_STATIC), "static");
#else
  /* Built without the names: the state's number. */
  assert_string_equal(etharp_state_name(ETHARP_STATE_EMPTY), "0");
  assert_string_equal(etharp_state_name(ETHARP_STATE_PENDING), "1");
  assert_string_equal(etharp_state_name(ETHARP_STATE_STATIC), "4");
  assert_string_equal(etharp_state_name((enum etharp_state)5), "?");
#endif
  assert_string_equal(etharp_state_name((enum etharp_state)99), "?");
  TABLE_VIEW(struct etharp_entry_info info;)
  assert_int_equal(etharp_get_entry_info(0, &info), 0);
  assert_int_equal(etharp_get_entry_info(ARP_TABLE_SIZE, &info), 0);
  assert_int_equal(etharp_get_entry_info((size_t)-1, &info), 0);
}
#endif

static void test_arp_alloc_failures(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  fixture();
  /* Learn the peer first so the aging timer is already armed: from then on
   * the only allocation in answering is the reply itself. */
  rx_reply_to_us(peer_mac, PEER_IP);
  rx_arp_fail(1, bcast_mac, 1, peer_mac, PEER_IP, zero_mac, OUR_IP);
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_NO_MEM), 1);
#endif
  rx_arp(bcast_mac, 1, peer_mac, PEER_IP, zero_mac, OUR_IP);
  expect_arp(peer_mac, 2, peer_mac, OUR_IP, PEER_IP);

  /* No memory for the request: the packet still queues and the timer
   * retries the request a second later. */
  assert_int_equal(output_fail(1, OTHER_IP, 1), ERR_OK);
  assert_int_equal(tn.nframes, 0);
  TABLE_VIEW(struct etharp_entry_info info;)
  TABLE_VIEW(assert_true(find_entry(OTHER_IP, &info));)
  TABLE_VIEW(assert_int_equal(info.queued, 1);)
  test_clock_advance(1000);
  expect_request(OTHER_IP);
  /* No memory for the queued copy: ERR_MEM, queue unchanged. */
  assert_int_equal(output_fail(1, OTHER_IP, 2), ERR_MEM);
  TABLE_VIEW(assert_true(find_entry(OTHER_IP, &info));)
  TABLE_VIEW(assert_int_equal(info.queued, 1);)
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_NO_MEM), 3);
#endif
  rx_reply_to_us(other_mac, OTHER_IP);
  expect_ip(other_mac, 1);
  assert_int_equal(tn.nframes, 0);

  /* The unicast refresh failing does not stop the packet. */
  test_clock_advance((ARP_MAXAGE_S - ARP_REREQUEST_S) * 1000U);
  rx_reply_to_us(other_mac, OTHER_IP); /* keep OTHER young, PEER is due */
  assert_int_equal(output_fail(1, PEER_IP, 3), ERR_OK);
  expect_ip(peer_mac, 3);
  assert_int_equal(tn.nframes, 0);

  /* Every single failure point of a fresh resolution leaves no leak and a
   * consistent result. */
  for (u32_t n = 1; n < 8; n++) {
    etharp_flush();
    test_frames_clear(&tn);
    err_t err = output_fail(n, GW_IP, 4);
    assert_true(err == ERR_OK || err == ERR_MEM);
    rx_reply_to_us(gw_mac, GW_IP);
    expect_entry(GW_IP, ETHARP_STATE_STABLE, gw_mac);
  }
  etharp_flush();
  test_clock_advance(ARP_MAXAGE_S * 1000U);
#else
  skip();
#endif
}

static void test_arp_timer_alloc_failure(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  fixture();
  /* With an empty table the aging timer is idle, so the first allocation
   * of a new resolution is the timer.  Failing it must not leave the entry
   * pending (and its packets queued) for ever: the next use arms it. */
  assert_int_equal(output_fail(1, OTHER_IP, 1), ERR_OK);
  expect_request(OTHER_IP);
  test_clock_advance(1500);
  assert_int_equal(output(OTHER_IP, 2), ERR_OK);
  /* From here requests go out each second and resolution gives up in time. */
  test_clock_advance(ARP_MAXPENDING_S * 1000U);
  assert_true(tn.nframes >= 1);
  test_frames_clear(&tn);
  assert_false(find_entry(OTHER_IP, NULL));
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_UNRESOLVED), 2);
#endif
  /* Likewise for a learned entry whose timer could not be armed: it is
   * aged once anything arms the timer again. */
  u8_t f[64];
  size_t n = arp_frame(f, test_mac, peer_mac, 2, peer_mac, PEER_IP, test_mac, OUR_IP);
  struct pbuf *p = test_pbuf(f, n, 0);
  lwip_alloc_fail_after(1);
  tn.netif.input(p, &tn.netif);
  lwip_alloc_fail_after(0);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
  rx_reply_to_us(gw_mac, GW_IP);
  test_clock_advance(ARP_MAXAGE_S * 1000U);
  assert_false(find_entry(PEER_IP, NULL));
  assert_false(find_entry(GW_IP, NULL));
#else
  skip();
#endif
}

#if LWIP_STATS
/* ------------------------------------------------------------------ */
/* Change hook                                                        */
/* ------------------------------------------------------------------ */

#define HOOK_MAX (2 * ARP_TABLE_SIZE + 32)
struct hook_event {
  ip4_addr_t ip;
  struct eth_addr mac;
  enum etharp_state state;
  bool removed;
  struct netif *netif;
};
static struct hook_event hook_ev[HOOK_MAX];
static int hook_n, hook_read;
static int hook_token;

static void hook_record(const struct etharp_entry_info *e, bool removed, void *arg)
{
  assert_ptr_equal(arg, &hook_token);
  assert_true(hook_n < HOOK_MAX);
  struct hook_event *h = &hook_ev[hook_n++];
  h->ip = e->ipaddr;
  h->mac = e->ethaddr;
  h->state = e->state;
  h->removed = removed;
  h->netif = e->netif;
}

static void hook_start(void)
{
  hook_n = hook_read = 0;
  etharp_set_change_hook(hook_record, &hook_token);
}

/* The next event is about @p ip, in @p state (as it was, when @p removed),
 * with @p mac unless NULL. */
static void expect_hook_at(const char *file, int line, const char *ip, enum etharp_state state, bool removed,
                           const u8_t mac[6])
{
  _assert_true(hook_read < hook_n, "an ARP change event", file, line);
  const struct hook_event *h = &hook_ev[hook_read++];
  ip4_addr_t a = ip4(ip);
  _assert_int_equal(h->ip.addr, a.addr, file, line);
  _assert_string_equal(etharp_state_name(h->state), etharp_state_name(state), file, line);
  _assert_int_equal(h->removed, removed, file, line);
  if (mac != NULL) {
    _assert_memory_equal(h->mac.addr, mac, 6, file, line);
  }
}
#define expect_hook(ip, state, removed, mac) expect_hook_at(__FILE__, __LINE__, (ip), (state), (removed), (mac))
#define expect_no_hook() assert_int_equal(hook_read, hook_n)

static int hook_teardown(void **state)
{
  etharp_set_change_hook(NULL, NULL);
  return test_teardown(state);
}

#endif

#if LWIP_STATS
/* One entry's life: created INCOMPLETE by a query, resolved, refreshed
 * (not reported), moved, refreshing before expiry, expired. */
static void test_arp_hook_lifecycle(void **state)
{
  (void)state;
  fixture();
  hook_start();
  assert_int_equal(output(PEER_IP, 1), ERR_OK);
  expect_request(PEER_IP);
  expect_hook(PEER_IP, ETHARP_STATE_PENDING, false, NULL);
  assert_ptr_equal(hook_ev[0].netif, nif);
  /* More traffic and retransmitted requests change nothing visible. */
  assert_int_equal(output(PEER_IP, 2), ERR_OK);
  test_clock_advance(1000);
  expect_request(PEER_IP);
  expect_no_hook();
  rx_reply_to_us(peer_mac, PEER_IP);
  expect_hook(PEER_IP, ETHARP_STATE_STABLE, false, peer_mac);
  test_frames_clear(&tn);
  /* The same answer again only refreshes it. */
  rx_reply_to_us(peer_mac, PEER_IP);
  expect_no_hook();
  /* A new MAC is news. */
  rx_reply_to_us(other_mac, PEER_IP);
  expect_hook(PEER_IP, ETHARP_STATE_STABLE, false, other_mac);
  /* Refreshing shortly before expiry, then expiry. */
  test_clock_advance((ARP_MAXAGE_S - ARP_REREQUEST_S) * 1000U);
  assert_int_equal(output(PEER_IP, 3), ERR_OK);
  expect_hook(PEER_IP, ETHARP_STATE_STABLE_REREQUESTING, false, other_mac);
  test_frames_clear(&tn);
  test_clock_advance(ARP_REREQUEST_S * 1000U);
  assert_false(find_entry(PEER_IP, NULL));
  expect_hook(PEER_IP, ETHARP_STATE_STABLE_REREQUESTING, true, other_mac);
  expect_no_hook();
  /* Overheard news about an unknown address makes no entry, no event. */
  rx_arp(bcast_mac, 1, peer_mac, PEER_IP, zero_mac, OTHER_IP);
  expect_no_hook();
  /* Learned from a request to us: created STABLE at once. */
  rx_arp(bcast_mac, 1, gw_mac, GW_IP, zero_mac, OUR_IP);
  expect_hook(GW_IP, ETHARP_STATE_STABLE, false, gw_mac);
  expect_no_hook();
}
#endif

#if LWIP_STATS && LWIP_ARP_STATIC_ENTRIES
/* Every way out is reported: unresolved, recycled, deleted, flushed,
 * netif cleaned up; static entries are created and changed in view. */
static void test_arp_hook_removals(void **state)
{
  (void)state;
  fixture();
  hook_start();
  /* Unresolved: given up after ARP_MAXPENDING_S. */
  assert_int_equal(output(OTHER_IP, 1), ERR_OK);
  expect_hook(OTHER_IP, ETHARP_STATE_PENDING, false, NULL);
  test_clock_advance(ARP_MAXPENDING_S * 1000U);
  expect_hook(OTHER_IP, ETHARP_STATE_PENDING, true, NULL);
  expect_no_hook();
  test_frames_clear(&tn);

  /* Static: created, unchanged by the same MAC again, changed by a new
   * one, deleted. */
  ip4_addr_t s = ip4(PEER_IP);
  struct eth_addr m = mac_of(peer_mac), g = mac_of(gw_mac);
  assert_int_equal(etharp_add_static_entry(&s, &m), ERR_OK);
  expect_hook(PEER_IP, ETHARP_STATE_STATIC, false, peer_mac);
  assert_int_equal(etharp_add_static_entry(&s, &m), ERR_OK);
  expect_no_hook();
  assert_int_equal(etharp_add_static_entry(&s, &g), ERR_OK);
  expect_hook(PEER_IP, ETHARP_STATE_STATIC, false, gw_mac);
  assert_int_equal(etharp_remove_static_entry(&s), ERR_OK);
  expect_hook(PEER_IP, ETHARP_STATE_STATIC, true, gw_mac);
  expect_no_hook();

  /* A learned entry made static. */
  rx_reply_to_us(other_mac, OTHER_IP);
  expect_hook(OTHER_IP, ETHARP_STATE_STABLE, false, other_mac);
  ip4_addr_t o = ip4(OTHER_IP);
  struct eth_addr om = mac_of(other_mac);
  assert_int_equal(etharp_add_static_entry(&o, &om), ERR_OK);
  expect_hook(OTHER_IP, ETHARP_STATE_STATIC, false, other_mac);

  /* Flush: the dynamic entry goes, the static one stays. */
  rx_reply_to_us(peer_mac, PEER_IP);
  expect_hook(PEER_IP, ETHARP_STATE_STABLE, false, peer_mac);
  etharp_flush();
  expect_hook(PEER_IP, ETHARP_STATE_STABLE, true, peer_mac);
  expect_no_hook();

  /* Table full: the oldest learned entry is reported removed before its
   * slot is reported as the new entry. */
  u8_t mac[6];
  for (size_t i = 0; i < ARP_TABLE_SIZE - 1; i++) {
    host_mac(i, mac);
    rx_reply_to_us(mac, host(i));
    expect_hook(host(i), ETHARP_STATE_STABLE, false, mac);
    test_clock_advance(10);
  }
  TABLE_VIEW(assert_int_equal(count_entries(), ARP_TABLE_SIZE);)
  assert_int_equal(output(PEER_IP, 2), ERR_OK);
  host_mac(0, mac);
  expect_hook(host(0), ETHARP_STATE_STABLE, true, mac);
  expect_hook(PEER_IP, ETHARP_STATE_PENDING, false, NULL);
  expect_no_hook();
  test_frames_clear(&tn);

  /* The netif going down takes every entry, static ones too. */
  netif_set_down(nif);
  TABLE_VIEW(assert_int_equal(count_entries(), 0);)
  assert_int_equal(hook_n - hook_read, ARP_TABLE_SIZE);
  int static_seen = 0;
  while (hook_read < hook_n) {
    assert_true(hook_ev[hook_read].removed);
    static_seen += hook_ev[hook_read].state == ETHARP_STATE_STATIC;
    hook_read++;
  }
  assert_int_equal(static_seen, 1);

  /* No hook, no calls. */
  etharp_set_change_hook(NULL, NULL);
  netif_set_up(nif);
  rx_reply_to_us(peer_mac, PEER_IP);
  assert_int_equal(hook_n, hook_read);
}
#endif

#if !LWIP_ARP_STATIC_ENTRIES
/* Built without arp_static_entries: adding a static entry answers ERR_VAL
 * and leaves the address unknown, so a packet to it waits for ARP as to
 * any other; the entry then learned ages out like every entry (RFC 1122
 * 2.3.2.1), and removing "the static entry" does not touch it. */
static void test_arp_no_static_entries(void **state)
{
  (void)state;
  fixture();
  ip4_addr_t peer = ip4(PEER_IP);
  struct eth_addr pm = mac_of(peer_mac);
  assert_int_equal(etharp_add_static_entry(&peer, &pm), ERR_VAL);
  assert_int_equal(etharp_find_addr(nif, &peer, NULL, NULL), -1);
  assert_int_equal(output(PEER_IP, 1), ERR_OK);
  expect_request(PEER_IP);
  assert_int_equal(tn.nframes, 0);
  rx_reply_to_us(peer_mac, PEER_IP);
  expect_ip(peer_mac, 1);
  assert_int_equal(etharp_remove_static_entry(&peer), ERR_VAL);
  expect_entry(PEER_IP, ETHARP_STATE_STABLE, peer_mac);
  test_clock_advance(ARP_MAXAGE_S * 1000U + 1000U);
  assert_int_equal(etharp_find_addr(nif, &peer, NULL, NULL), -1);
  assert_int_equal(tn.nframes, 0);
}
#endif

#if !LWIP_STATS
static int view_hook_calls;

static void view_hook(const struct etharp_entry_info *e, bool removed, void *arg)
{
  view_hook_calls++;
}

/* Built without stats: the tools' view of the table shows nothing (every
 * slot reads empty, every state is "?") and a change hook is never
 * called, while the table itself resolves as before. */
static void test_arp_no_table_view(void **state)
{
  (void)state;
  fixture();
  view_hook_calls = 0;
  etharp_set_change_hook(view_hook, NULL);
  rx_reply_to_us(peer_mac, PEER_IP);
  ip4_addr_t peer = ip4(PEER_IP);
  int slot = etharp_find_addr(nif, &peer, NULL, NULL);
  assert_true(slot >= 0);
  struct etharp_entry_info info;
  assert_int_equal(etharp_get_entry_info((size_t)slot, &info), 0);
  assert_string_equal(etharp_state_name(ETHARP_STATE_STABLE), "?");
  assert_int_equal(output(PEER_IP, 2), ERR_OK);
  expect_ip(peer_mac, 2);
  etharp_flush();
  assert_int_equal(etharp_find_addr(nif, &peer, NULL, NULL), -1);
  assert_int_equal(view_hook_calls, 0);
  etharp_set_change_hook(NULL, NULL);
}
#endif

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_arp_request_for_us_answered, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_request_other_ip, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_reply_learning, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_malformed, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_conflict, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_probe, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_no_address, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_output_queue_and_flush, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_pending_released_by_any_news, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_queue_copies, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_query_resolve_only, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_retransmit_and_give_up, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_expiry, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_rerequest, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_rerequest_unanswered, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_gateway_and_route, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_bcast_mcast_mapping, test_setup, test_teardown),
#if LWIP_ARP_STATIC_ENTRIES
    cmocka_unit_test_setup_teardown(test_arp_static, test_setup, test_teardown),
#endif
#if LWIP_ARP_STATIC_ENTRIES
    cmocka_unit_test_setup_teardown(test_arp_static_over_pending, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_arp_table_full_recycles_oldest, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_table_full_pending, test_setup, test_teardown),
#if LWIP_ARP_STATIC_ENTRIES
    cmocka_unit_test_setup_teardown(test_arp_table_full_static, test_setup, test_teardown),
#endif
#if LWIP_ARP_STATIC_ENTRIES
    cmocka_unit_test_setup_teardown(test_arp_flush_keeps_static, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_arp_cleanup_netif, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_gratuitous, test_setup, test_teardown),
#if LWIP_STATS
    cmocka_unit_test_setup_teardown(test_arp_state_names, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_arp_alloc_failures, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_arp_timer_alloc_failure, test_setup, test_teardown),
#if LWIP_STATS
    cmocka_unit_test_setup_teardown(test_arp_hook_lifecycle, test_setup, hook_teardown),
#endif
#if LWIP_STATS && LWIP_ARP_STATIC_ENTRIES
    cmocka_unit_test_setup_teardown(test_arp_hook_removals, test_setup, hook_teardown),
#endif
#if !LWIP_ARP_STATIC_ENTRIES
    cmocka_unit_test_setup_teardown(test_arp_no_static_entries, test_setup, test_teardown),
#endif
#if !LWIP_STATS
    cmocka_unit_test_setup_teardown(test_arp_no_table_view, test_setup, test_teardown),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
