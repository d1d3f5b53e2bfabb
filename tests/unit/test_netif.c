/* netif: adding/removing, lookup, state changes and their callbacks and
 * announcements, extended callbacks, generic input, loopback delivery. */
#include "test_common.h"

#include "lwip/netif.h"
#include "lwip/etharp.h"
#include "lwip/udp.h"
#include "lwip/prot/wire.h"

static int status_calls, link_calls, remove_calls;
static netif_nsc_reason_t last_reason;
static u32_t last_old_addr;
static int ext_calls;

static void status_cb(struct netif *n) { (void)n; status_calls++; }
static void link_cb(struct netif *n) { (void)n; link_calls++; }
static void remove_cb(struct netif *n) { (void)n; remove_calls++; }

static void ext_cb(struct netif *n, netif_nsc_reason_t reason, const netif_ext_callback_args_t *args)
{
  (void)n;
  ext_calls++;
  last_reason = reason;
  if ((reason & LWIP_NSC_IPV4_ADDRESS_CHANGED) && args) {
    last_old_addr = ip_2_ip4(args->ipv4_changed.old_address)->addr;
  }
}

static void reset_cb_counts(void)
{
  status_calls = link_calls = remove_calls = ext_calls = 0;
  last_reason = 0;
  last_old_addr = 0;
}

/* Is @p f a gratuitous ARP for @p ip (RFC 5227 2.3: request, sender IP =
 * target IP = ours, broadcast)? */
static void assert_gratuitous_arp(const u8_t *f, int len, const char *ip)
{
  u32_t a = test_ip(ip);
  assert_true(len >= 42);
  assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
  assert_int_equal(get_be16(f + 12), 0x0806);
  assert_int_equal(get_be16(f + 14 + 6), 1);
  assert_memory_equal(f + 14 + 14, &a, 4);
  assert_memory_equal(f + 14 + 24, &a, 4);
}

static void test_add_find_number(void **state)
{
  (void)state;
  static struct test_netif a, b; /* static: the teardown removes it after return */
  struct netif *na = test_netif_add(&a, "10.0.0.1", "255.0.0.0", NULL, test_mac);
  struct netif *nb = test_netif_add(&b, "11.0.0.1", "255.0.0.0", NULL, test_mac2);
  assert_int_not_equal(na->num, nb->num);
  char name[NETIF_NAMESIZE];
  assert_non_null(netif_index_to_name(netif_get_index(nb), name));
  assert_ptr_equal(netif_find(name), nb);
  assert_ptr_equal(netif_get_by_index(netif_get_index(na)), na);
  assert_null(netif_find("te"));
  assert_null(netif_find("te99"));
  assert_null(netif_find("tex"));
  assert_null(netif_find(NULL));
  assert_null(netif_get_by_index(0));
  assert_null(netif_get_by_index(200));
  assert_ptr_equal(netif_default, na);
  netif_remove(na);
  assert_null(netif_default);
  assert_null(netif_get_by_index(netif_get_index(na)));
  netif_remove(na); /* twice: no effect */
  netif_remove(NULL);
  /* the freed number is reused */
  static struct test_netif c; /* static: the teardown removes it after return */
  struct netif *nc = test_netif_add(&c, "12.0.0.1", "255.0.0.0", NULL, test_mac);
  assert_int_equal(nc->num, na->num);
}

static err_t failing_init(struct netif *n) { (void)n; return ERR_IF; }

static void test_add_init_failure(void **state)
{
  (void)state;
  struct netif n;
  assert_null(netif_add(&n, NULL, NULL, NULL, NULL, failing_init, netif_input));
  struct netif *x;
  NETIF_FOREACH(x) {
    assert_ptr_not_equal(x, &n);
  }
}

static void test_up_down_link_callbacks(void **state)
{
  (void)state;
  static struct test_netif t; /* static: the teardown removes it after return */
  struct netif *n = test_netif_add(&t, "10.0.0.1", "255.255.255.0", NULL, test_mac);
  NETIF_DECLARE_EXT_CALLBACK(cb)
  netif_add_ext_callback(&cb, ext_cb);
  netif_add_ext_callback(&cb, ext_cb); /* twice: registered once */
  netif_set_status_callback(n, status_cb);
  netif_set_link_callback(n, link_cb);
  netif_set_remove_callback(n, remove_cb);
  reset_cb_counts();

  netif_set_down(n);
  assert_int_equal(status_calls, 1);
  assert_int_equal(ext_calls, 1);
  assert_int_equal(last_reason, LWIP_NSC_STATUS_CHANGED);
  netif_set_down(n); /* already down */
  assert_int_equal(status_calls, 1);

  netif_set_link_down(n);
  assert_int_equal(link_calls, 1);
  netif_set_up(n); /* up but no link: nothing is announced */
  assert_int_equal(t.nframes, 0);
  netif_set_link_up(n);
  assert_int_equal(link_calls, 2);
  assert_int_equal(last_reason, LWIP_NSC_LINK_CHANGED);
  /* now a gratuitous ARP goes out (RFC 5227 2.3) */
  u8_t f[1600];
  int len = test_frame_pop_bytes(&t, f, sizeof(f));
  assert_gratuitous_arp(f, len, "10.0.0.1");

  netif_remove(n);
  assert_int_equal(remove_calls, 1);
  assert_int_equal(last_reason, LWIP_NSC_NETIF_REMOVED);
  netif_remove_ext_callback(&cb);
}

static void test_address_change(void **state)
{
  (void)state;
  static struct test_netif t; /* static: the teardown removes it after return */
  struct netif *n = test_netif_add(&t, "10.0.0.1", "255.255.255.0", "10.0.0.254", test_mac);
  NETIF_DECLARE_EXT_CALLBACK(cb)
  netif_add_ext_callback(&cb, ext_cb);
  reset_cb_counts();
  netif_set_status_callback(n, status_cb);

  ip4_addr_t a = {test_ip("10.0.0.9")};
  netif_set_ipaddr(n, &a);
  assert_int_equal(netif_ip4_addr(n)->addr, a.addr);
  assert_true(last_reason & LWIP_NSC_IPV4_ADDRESS_CHANGED);
  assert_true(last_reason & LWIP_NSC_IPV4_SETTINGS_CHANGED);
  assert_int_equal(last_old_addr, test_ip("10.0.0.1"));
  assert_int_equal(status_calls, 1);
  u8_t f[1600];
  int len = test_frame_pop_bytes(&t, f, sizeof(f));
  assert_gratuitous_arp(f, len, "10.0.0.9");

  /* the same address again changes nothing and says nothing */
  ext_calls = 0;
  netif_set_ipaddr(n, &a);
  assert_int_equal(ext_calls, 0);
  assert_int_equal(t.nframes, 0);

  ip4_addr_t gw = {test_ip("10.0.0.1")};
  netif_set_gw(n, &gw);
  assert_int_equal(last_reason, LWIP_NSC_IPV4_GATEWAY_CHANGED | LWIP_NSC_IPV4_SETTINGS_CHANGED);
  ip4_addr_t m = {test_ip("255.255.0.0")};
  netif_set_netmask(n, &m);
  assert_int_equal(last_reason, LWIP_NSC_IPV4_NETMASK_CHANGED | LWIP_NSC_IPV4_SETTINGS_CHANGED);
  assert_int_equal(t.nframes, 0); /* no address change: no announcement */

  /* removing the address announces nothing */
  netif_set_ipaddr(n, NULL);
  assert_int_equal(t.nframes, 0);
  netif_remove_ext_callback(&cb);
}

static void test_mtu_hwaddr(void **state)
{
  (void)state;
  static struct test_netif t; /* static: the teardown removes it after return */
  struct netif *n = test_netif_add(&t, "10.0.0.1", "255.255.255.0", NULL, test_mac);
  assert_int_equal(netif_set_mtu(n, 67), ERR_VAL);
  assert_int_equal(netif_set_mtu(n, 68), ERR_OK);
  assert_int_equal(n->mtu, 68);
  netif_set_hwaddr(n, test_mac2, 6);
  assert_memory_equal(n->hwaddr, test_mac2, 6);
  netif_set_hwaddr(n, test_mac, 7); /* too long: ignored */
  assert_memory_equal(n->hwaddr, test_mac2, 6);
}

static void test_down_flushes_arp(void **state)
{
  (void)state;
  static struct test_netif t; /* static: the teardown removes it after return */
  struct netif *n = test_netif_add(&t, "10.0.0.1", "255.255.255.0", NULL, test_mac);
  ip4_addr_t peer = {test_ip("10.0.0.2")};
  /* learn the peer with a request it sends us */
  u8_t f[64];
  size_t len = test_eth_hdr(f, (const u8_t *)"\xff\xff\xff\xff\xff\xff", peer_mac, 0x0806);
  u8_t *a = f + len;
  put_be16(a, 1); put_be16(a + 2, 0x0800); a[4] = 6; a[5] = 4; put_be16(a + 6, 1);
  memcpy(a + 8, peer_mac, 6); memcpy(a + 14, &peer.addr, 4);
  memset(a + 18, 0, 6); u32_t me = test_ip("10.0.0.1"); memcpy(a + 24, &me, 4);
  test_rx(&t, f, len + 28);
  struct eth_addr *mac;
  const ip4_addr_t *ip;
  assert_true(etharp_find_addr(n, &peer, &mac, &ip) >= 0);
  netif_set_down(n);
  assert_int_equal(etharp_find_addr(n, &peer, &mac, &ip), -1);
}

#if LWIP_LOOPBACK && LWIP_UDP
static int udp_rx_count;
static u16_t udp_rx_len;
static u8_t udp_rx_netif;

static void udp_rx(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)arg; (void)pcb; (void)addr; (void)port;
  udp_rx_count++;
  udp_rx_len = p->tot_len;
  udp_rx_netif = p->if_idx;
  pbuf_free(p);
}

static void send_udp(struct udp_pcb *pcb, const char *dst, u16_t port)
{
  ip_addr_t d;
  assert_int_equal(ipaddr_aton(dst, &d), 1);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 10, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 'x', 10);
  assert_int_equal(udp_sendto(pcb, p, &d, port), ERR_OK);
  pbuf_free(p);
}

static void test_loopback_127(void **state)
{
  (void)state;
  udp_rx_count = 0;
  struct udp_pcb *rx = udp_new();
  assert_int_equal(udp_bind(rx, IP_ADDR_ANY, 7777), ERR_OK);
  udp_recv(rx, udp_rx, NULL);
  struct udp_pcb *tx = udp_new();
  send_udp(tx, "127.0.0.1", 7777);
  /* delivery is deferred: the sender never re-enters its input path */
  assert_int_equal(udp_rx_count, 0);
  test_clock_advance(0);
  assert_int_equal(udp_rx_count, 1);
  assert_int_equal(udp_rx_len, 10);
  assert_true(netif_loopback->counters.rx_packets >= 1);
  udp_remove(rx);
  udp_remove(tx);
}

static void test_loopback_own_address_not_on_wire(void **state)
{
  (void)state;
  static struct test_netif t; /* static: the teardown removes it after return */
  test_netif_add(&t, "10.0.0.1", "255.255.255.0", NULL, test_mac);
  udp_rx_count = 0;
  struct udp_pcb *rx = udp_new();
  assert_int_equal(udp_bind(rx, IP_ADDR_ANY, 7777), ERR_OK);
  udp_recv(rx, udp_rx, NULL);
  struct udp_pcb *tx = udp_new();
  send_udp(tx, "10.0.0.1", 7777);
  test_clock_advance(0);
  assert_int_equal(udp_rx_count, 1);
  assert_int_equal(t.nframes, 0);
  udp_remove(rx);
  udp_remove(tx);
}

static void test_loopback_queue_bound_and_removal(void **state)
{
  (void)state;
  static struct test_netif t; /* static: the teardown removes it after return */
  struct netif *n = test_netif_add(&t, "10.0.0.1", "255.255.255.0", NULL, test_mac);
  struct pbuf *p = pbuf_alloc(PBUF_IP, 20, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0, 20);
  int ok = 0;
  err_t err;
  while ((err = netif_loop_output(n, p)) == ERR_OK) {
    ok++;
    assert_true(ok <= 1000);
  }
  assert_int_equal(err, ERR_MEM);
  assert_true(ok >= 1);
  assert_true(n->counters.tx_errors >= 1);
  pbuf_free(p);
  /* removing the netif frees what is queued (teardown checks for leaks) */
  netif_remove(n);
}

static void test_loopback_alloc_failure(void **state)
{
  (void)state;
  struct pbuf *p = pbuf_alloc(PBUF_IP, 20, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0, 20);
  for (u32_t n = 1; n <= 3; n++) {
    lwip_alloc_fail_after(n);
    err_t err = netif_loop_output(netif_loopback, p);
    lwip_alloc_fail_after(0);
    if (err == ERR_OK) {
      break;
    }
    assert_int_equal(err, ERR_MEM);
  }
  pbuf_free(p);
  test_clock_advance(0); /* delivered and dropped as bad IP: nothing leaks */
}
#endif

static err_t count_input(struct pbuf *p, struct netif *n)
{
  (void)n;
  pbuf_free(p);
  return ERR_OK;
}

static void test_netif_input_dispatch(void **state)
{
  (void)state;
  static struct test_netif t; /* static: the teardown removes it after return */
  struct netif *n = test_netif_add(&t, "10.0.0.1", "255.255.255.0", NULL, test_mac);
  n->input = count_input;
  /* a runt on an Ethernet netif goes to ethernet_input and is dropped there */
  u8_t runt[10] = {0};
  assert_int_equal(netif_input(test_pbuf(runt, sizeof(runt), 0), n), ERR_OK);
#if LWIP_STATS
  assert_int_equal(lwip_stats.drops[LWIP_DROP_ETH_SHORT], 1);
#endif
  /* without Ethernet flags it is treated as IP (and dropped as too short) */
  n->flags &= (u8_t)~(NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET);
  assert_int_equal(netif_input(test_pbuf(runt, sizeof(runt), 0), n), ERR_OK);
#if LWIP_STATS
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_IP4].drop, 1);
#endif
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_add_find_number, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_add_init_failure, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_up_down_link_callbacks, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_address_change, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mtu_hwaddr, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_down_flushes_arp, test_setup, test_teardown),
#if LWIP_LOOPBACK && LWIP_UDP
    cmocka_unit_test_setup_teardown(test_loopback_127, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_loopback_own_address_not_on_wire, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_loopback_queue_bound_and_removal, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_loopback_alloc_failure, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_netif_input_dispatch, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("netif", tests, NULL, NULL);
}
