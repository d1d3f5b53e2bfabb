/* Unit tests for core/ipv4/acd.c: probe and announcement bytes and timing
 * (RFC 5227 2.1.1, 2.3), conflicts while probing, and defence
 * (RFC 5227 2.4 (b)). */
#include "test_common.h"

#include "lwip/opt.h"
#if LWIP_DHCP
#include "lwip/acd.h"
#include "lwip/prot/etharp.h"
#include "lwip/prot/wire.h"

#define CAND "192.168.1.77"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

static struct test_netif tn;
static struct netif *nif;
static struct acd acd;
static acd_callback_enum_t results[16];
static int nresults;

static void cb(struct netif *netif, acd_callback_enum_t r)
{
  assert_ptr_equal(netif, nif);
  assert_true(nresults < 16);
  results[nresults++] = r;
}

static void fixture(void)
{
  nresults = 0;
  nif = test_netif_add(&tn, NULL, NULL, NULL, test_mac);
  assert_int_equal(acd_add(nif, &acd, cb), ERR_OK);
  ip4_addr_t a;
  a.addr = test_ip(CAND);
  assert_int_equal(acd_start(nif, &acd, a), ERR_OK);
}

static void cleanup(void)
{
  acd_remove(nif, &acd);
  assert_null(nif->acd);
}

/* Pop one ARP frame and check it is our request with sender IP @p sip for
 * target @p tip, byte for byte. */
static void expect_arp(const char *sip, const char *tip)
{
  u8_t f[128];
  int n = test_frame_pop_bytes(&tn, f, sizeof(f));
  assert_true(n >= 42);
  const u8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  const u8_t zero[6] = {0};
  assert_memory_equal(f, bc, 6);
  assert_memory_equal(f + 6, test_mac, 6);
  assert_int_equal(get_be16(f + 12), 0x0806);
  const u8_t *a = f + 14;
  assert_int_equal(get_be16(a + ARP_OFF_HWTYPE), 1);
  assert_int_equal(get_be16(a + ARP_OFF_PROTO), 0x0800);
  assert_int_equal(a[ARP_OFF_HWLEN], 6);
  assert_int_equal(a[ARP_OFF_PROTOLEN], 4);
  assert_int_equal(get_be16(a + ARP_OFF_OPCODE), ARP_REQUEST);
  assert_memory_equal(a + ARP_OFF_SHWADDR, test_mac, 6);
  assert_int_equal(get_n32(a + ARP_OFF_SIPADDR), sip ? test_ip(sip) : 0);
  assert_memory_equal(a + ARP_OFF_DHWADDR, zero, 6);
  assert_int_equal(get_n32(a + ARP_OFF_DIPADDR), test_ip(tip));
}

/* Advance in 10 ms steps until a frame is sent; @return ms waited. */
static u32_t wait_frame(u32_t limit)
{
  u32_t w = 0;
  while (tn.nframes == 0) {
    test_clock_advance(10);
    w += 10;
    assert_true(w <= limit + 10);
  }
  return w;
}

static void peer_arp(const u8_t *mac, const char *sip, const char *tip, u16_t op)
{
  u8_t f[60];
  test_rx(&tn, f, test_arp_frame(f, mac, op, sip ? test_ip(sip) : 0, test_ip(tip)));
}

static void run_to_ongoing(void)
{
  for (int i = 0; i < 3; i++) {
    wait_frame(2000);
    expect_arp(NULL, CAND);
  }
  wait_frame(2000);
  assert_int_equal(nresults, 1);
  assert_int_equal(results[0], ACD_IP_OK);
  expect_arp(CAND, CAND);
  wait_frame(2000);
  expect_arp(CAND, CAND);
  assert_int_equal(acd.state, ACD_STATE_ONGOING);
}

static void test_acd_probe_announce(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(acd.state, ACD_STATE_PROBE_WAIT);
  /* RFC 5227 2.1.1: first probe within PROBE_WAIT, then 1-2 s apart. */
  u32_t w = wait_frame(1000);
  assert_true(w <= 1000);
  expect_arp(NULL, CAND);
  assert_int_equal(acd.state, ACD_STATE_PROBING);
  for (int i = 0; i < 2; i++) {
    w = wait_frame(2000);
    assert_true(w >= 1000 && w <= 2000);
    expect_arp(NULL, CAND);
  }
  assert_int_equal(acd.state, ACD_STATE_ANNOUNCE_WAIT);
  /* ANNOUNCE_WAIT, then the claim and two announcements 2 s apart. */
  w = wait_frame(2000);
  assert_int_equal(w, 2000);
  assert_int_equal(nresults, 1);
  assert_int_equal(results[0], ACD_IP_OK);
  expect_arp(CAND, CAND);
  w = wait_frame(2000);
  assert_int_equal(w, 2000);
  expect_arp(CAND, CAND);
  assert_int_equal(acd.state, ACD_STATE_ONGOING);
  test_clock_advance(60000);
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nresults, 1);
  cleanup();
}

static void test_acd_conflict_while_probing(void **state)
{
  (void)state;
  fixture();
  wait_frame(1000);
  test_frames_clear(&tn);
  /* ARP about other addresses: nothing happens. */
  peer_arp(peer_mac, "192.168.1.5", "192.168.1.6", ARP_REQUEST);
  peer_arp(peer_mac, NULL, "192.168.1.78", ARP_REQUEST);
  assert_int_equal(nresults, 0);
  /* A reply from the candidate's owner: conflict. */
  peer_arp(peer_mac, CAND, "192.168.1.6", ARP_REPLY);
  assert_int_equal(nresults, 1);
  assert_int_equal(results[0], ACD_DECLINE);
  assert_int_equal(acd.state, ACD_STATE_OFF);
  test_clock_advance(20000);
  assert_int_equal(tn.nframes, 0);

  /* Another host probing for the same address at the same time. */
  ip4_addr_t a;
  a.addr = test_ip(CAND);
  assert_int_equal(acd_start(nif, &acd, a), ERR_OK);
  wait_frame(1000);
  test_frames_clear(&tn);
  peer_arp(peer_mac, NULL, CAND, ARP_REQUEST);
  assert_int_equal(nresults, 2);
  assert_int_equal(results[1], ACD_DECLINE);
  assert_int_equal(acd.num_conflicts, 2);
  cleanup();
}

static void test_acd_defend(void **state)
{
  (void)state;
  fixture();
  run_to_ongoing();
  /* First conflict: defend with one announcement. */
  peer_arp(peer_mac, CAND, CAND, ARP_REQUEST);
  expect_arp(CAND, CAND);
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nresults, 1);
  /* 11 s later: defend again. */
  test_clock_advance(11000);
  peer_arp(peer_mac, CAND, "192.168.1.1", ARP_REPLY);
  expect_arp(CAND, CAND);
  assert_int_equal(nresults, 1);
  /* Within 10 s of the last defence: give up. */
  test_clock_advance(5000);
  peer_arp(peer_mac, CAND, "192.168.1.1", ARP_REPLY);
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nresults, 2);
  assert_int_equal(results[1], ACD_RESTART_CLIENT);
  assert_int_equal(acd.state, ACD_STATE_OFF);
  cleanup();
}

static void test_acd_link_down_and_remove(void **state)
{
  (void)state;
  fixture();
  wait_frame(1000);
  test_frames_clear(&tn);
  netif_set_link_down(nif);
  acd_network_changed_link_down(nif);
  assert_int_equal(acd.state, ACD_STATE_OFF);
  test_clock_advance(20000);
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(nresults, 0);
  cleanup();
}

static void test_acd_alloc_failure(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  fixture();
  lwip_alloc_fail_after(1);
  test_clock_advance(1000); /* the first probe cannot be built */
  lwip_alloc_fail_after(0);
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ARP_NO_MEM), 1); /* the ARP message could not be built */
#endif
  assert_int_equal(acd.state, ACD_STATE_PROBING);
  /* Probing carries on. */
  wait_frame(2000);
  expect_arp(NULL, CAND);
  cleanup();
#else
  skip();
#endif
}

#endif /* LWIP_DHCP */

int main(void)
{
#if LWIP_DHCP
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_acd_probe_announce, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_acd_conflict_while_probing, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_acd_defend, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_acd_link_down_and_remove, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_acd_alloc_failure, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("acd", tests, NULL, NULL);
#else
  return 0;
#endif
}
