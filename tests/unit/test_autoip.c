/* Unit tests for core/ipv4/autoip.c: the link-local fallback of the DHCP
 * client (RFC 3927 1.9), the address choice (2.1), probing with ACD and
 * giving way to a DHCP lease. */
#include "test_common.h"

#include "lwip/opt.h"
#if LWIP_AUTOIP
#include "lwip/autoip.h"
#include "lwip/dhcp.h"
#include "lwip/prot/dhcp.h"
#include "lwip/prot/etharp.h"
#include "lwip/prot/wire.h"

#define SERVER_IP "192.168.1.1"
#define OFFER_IP "192.168.1.50"

static struct test_netif tn;
static struct netif *nif;

static void fixture(void)
{
  nif = test_netif_add(&tn, NULL, NULL, NULL, test_mac);
}

static u8_t ll_state(void)
{
  return nif->autoip != NULL ? nif->autoip->state : AUTOIP_STATE_OFF;
}

static void assert_ll_range(u32_t net_addr)
{
  u32_t h = lwip_ntohl(net_addr);
  assert_true(h >= AUTOIP_RANGE_START && h <= AUTOIP_RANGE_END);
}

static void peer_arp(const char *sip_dotted, u32_t sip, u32_t tip, u16_t op)
{
  u8_t f[60];
  test_rx(&tn, f, test_arp_frame(f, peer_mac, op, sip_dotted ? test_ip(sip_dotted) : sip, tip));
}

/* Minimal DHCP server reply, broadcast. */
static void srv_reply(u8_t type, u32_t xid)
{
  u8_t m[300], l4[400], frame[500];
  memset(m, 0, sizeof(m));
  m[0] = DHCP_BOOTREPLY;
  m[1] = 1;
  m[2] = 6;
  put_be32(m + 4, xid);
  put_n32(m + 16, test_ip(OFFER_IP));
  memcpy(m + 28, test_mac, 6);
  put_be32(m + 236, DHCP_MAGIC_COOKIE);
  u8_t *o = m + 240;
  *o++ = DHCP_OPTION_MESSAGE_TYPE; *o++ = 1; *o++ = type;
  *o++ = DHCP_OPTION_SERVER_ID; *o++ = 4; put_n32(o, test_ip(SERVER_IP)); o += 4;
  *o++ = DHCP_OPTION_LEASE_TIME; *o++ = 4; put_be32(o, 3600); o += 4;
  *o++ = DHCP_OPTION_SUBNET_MASK; *o++ = 4; put_n32(o, test_ip("255.255.255.0")); o += 4;
  *o++ = DHCP_OPTION_END;
  size_t n = test_udp(l4, SERVER_IP, "255.255.255.255", 67, 68, m, sizeof(m));
  size_t f = test_eth_ip4(frame, SERVER_IP, "255.255.255.255", 17, l4, n);
  memset(frame, 0xff, 6);
  test_rx(&tn, frame, f);
}

/* xid of the last DHCP message the client sent (ARP frames skipped);
 * 0 when none. */
static u32_t last_dhcp_xid(void)
{
  u8_t f[1600];
  u32_t xid = 0;
  int n;
  while ((n = test_pop_ip_bytes(&tn, f, sizeof(f))) >= 0) {
    if (n >= 42 + 240 && f[14 + 9] == 17 && get_be16(f + 36) == 67) {
      xid = get_be32(f + 42 + 4);
    }
  }
  return xid;
}

static void test_autoip_dhcp_fallback_and_lease(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(dhcp_start(nif), ERR_OK);
  /* Three unanswered DISCOVERs (4 + 8 + 16 s, +-1 s each): AutoIP. */
  test_clock_advance(24000);
  assert_int_equal(ll_state(), AUTOIP_STATE_OFF);
  test_clock_advance(8000);
  assert_int_equal(ll_state(), AUTOIP_STATE_CHECKING);
  u32_t ll = nif->autoip->llipaddr.addr;
  assert_ll_range(ll);
  test_clock_advance(8000);
  assert_int_equal(ll_state(), AUTOIP_STATE_BOUND);
  assert_int_equal(netif_ip4_addr(nif)->addr, ll);
  assert_int_equal(netif_ip4_netmask(nif)->addr, test_ip("255.255.0.0"));
  assert_int_equal(netif_ip4_gw(nif)->addr, 0);
  assert_true(autoip_supplied_address(nif));
  assert_false(dhcp_supplied_address(nif));
  /* DHCP keeps trying meanwhile. */
  assert_int_equal(nif->dhcp->state, DHCP_STATE_SELECTING);
  test_frames_clear(&tn);
  test_clock_advance(70000);
  u32_t xid = last_dhcp_xid();
  assert_int_not_equal(xid, 0);
  /* A lease arrives: it replaces the link-local address. */
  srv_reply(DHCP_OFFER, xid);
  assert_int_equal(nif->dhcp->state, DHCP_STATE_REQUESTING);
  srv_reply(DHCP_ACK, xid);
  assert_int_equal(nif->dhcp->state, DHCP_STATE_CHECKING);
  assert_int_equal(netif_ip4_addr(nif)->addr, ll); /* still usable while checking */
  test_clock_advance(8000);
  assert_int_equal(nif->dhcp->state, DHCP_STATE_BOUND);
  assert_int_equal(netif_ip4_addr(nif)->addr, test_ip(OFFER_IP));
  assert_int_equal(ll_state(), AUTOIP_STATE_OFF);
  assert_false(autoip_supplied_address(nif));
  assert_true(dhcp_supplied_address(nif));
  /* The link-local address is no longer defended. */
  test_frames_clear(&tn);
  peer_arp(NULL, ll, ll, ARP_REQUEST);
  assert_int_equal(tn.nframes, 0);
}

static void test_autoip_same_address_each_time(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(autoip_start(nif), ERR_OK);
  u32_t first = nif->autoip->llipaddr.addr;
  assert_ll_range(first);
  assert_int_equal(autoip_stop(nif), ERR_OK);
  autoip_remove_struct(nif);
  assert_null(nif->autoip);
  assert_int_equal(autoip_start(nif), ERR_OK);
  assert_int_equal(nif->autoip->llipaddr.addr, first);
  /* Another MAC, another address. */
  static struct test_netif tn2;
  struct netif *n2 = test_netif_add(&tn2, NULL, NULL, NULL, test_mac2);
  assert_int_equal(autoip_start(n2), ERR_OK);
  assert_int_not_equal(n2->autoip->llipaddr.addr, first);
  netif_remove(n2);
  assert_null(n2->autoip);
  autoip_remove_struct(nif);
}

static void test_autoip_conflicts(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(autoip_start(nif), ERR_OK);
  u32_t first = nif->autoip->llipaddr.addr;
  test_clock_advance(1000);
  /* Someone owns the candidate: the next one is tried. */
  peer_arp(NULL, first, first, ARP_REQUEST);
  assert_int_equal(ll_state(), AUTOIP_STATE_CHECKING);
  u32_t second = nif->autoip->llipaddr.addr;
  assert_int_not_equal(second, first);
  assert_ll_range(second);
  test_clock_advance(10000);
  assert_int_equal(ll_state(), AUTOIP_STATE_BOUND);
  assert_int_equal(netif_ip4_addr(nif)->addr, second);
  /* Two conflicts within 10 s: the address is given up (RFC 3927 2.5). */
  peer_arp(NULL, second, second, ARP_REQUEST);
  assert_int_equal(netif_ip4_addr(nif)->addr, second);
  test_clock_advance(2000);
  peer_arp(NULL, second, second, ARP_REQUEST);
  assert_int_equal(netif_ip4_addr(nif)->addr, 0);
  assert_int_equal(ll_state(), AUTOIP_STATE_CHECKING);
  assert_int_not_equal(nif->autoip->llipaddr.addr, second);
  /* Link down forgets it all. */
  netif_set_link_down(nif);
  assert_int_equal(ll_state(), AUTOIP_STATE_OFF);
  test_clock_advance(20000);
  assert_int_equal(netif_ip4_addr(nif)->addr, 0);
}

static void test_autoip_alloc_failure(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  fixture();
  lwip_alloc_fail_after(1);
  assert_int_equal(autoip_start(nif), ERR_MEM);
  assert_null(nif->autoip);
  lwip_alloc_fail_after(0);
#else
  skip();
#endif
}

#endif /* LWIP_AUTOIP */

int main(void)
{
#if LWIP_AUTOIP
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_autoip_dhcp_fallback_and_lease, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_autoip_same_address_each_time, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_autoip_conflicts, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_autoip_alloc_failure, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("autoip", tests, NULL, NULL);
#else
  return 0;
#endif
}
