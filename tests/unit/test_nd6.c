/* Unit tests for core/ipv6/nd6.c on the virtual clock: duplicate address
 * detection (success, conflict by NA and by NS, tentative addresses not
 * answering), router solicitation pacing, NS/NA validation (hop limit,
 * options, targets), every neighbor cache transition of RFC 4861 7.3
 * with its timer, the bounded queue, flushing and the change hook. */
#include "test_ip6_util.h"

#include "lwip/prot/nd6.h"

#include <stdio.h>

static struct test_netif tn;
static struct netif *nif;

static const u8_t peer_mac2[6] = {0x02, 0, 0, 0, 0, 0xbb};

/* NS for @p target with an optional source link-layer address option. */
static void rx_ns(const u8_t dmac[6], const char *src, const char *dst, const char *target, const u8_t *sll, u8_t hl)
{
  u8_t body[24];
  a6(target, body);
  size_t bl = 16;
  if (sll != NULL) {
    body[16] = ND6_OPT_SLLA;
    body[17] = 1;
    memcpy(body + 18, sll, 6);
    bl = 24;
  }
  rx_icmp6(&tn, dmac, src, dst, hl, 135, 0, 0, body, bl);
}

/* NA for @p target with flags and an optional target link-layer address. */
static void rx_na(const u8_t dmac[6], const char *src, const char *dst, const char *target, u8_t flags, const u8_t *tll)
{
  u8_t body[24];
  a6(target, body);
  size_t bl = 16;
  if (tll != NULL) {
    body[16] = ND6_OPT_TLLA;
    body[17] = 1;
    memcpy(body + 18, tll, 6);
    bl = 24;
  }
  rx_icmp6(&tn, dmac, src, dst, 255, 136, 0, (u32_t)flags << 24, body, bl);
}

static enum nd6_state peer_state(const char *addr)
{
  ip6_addr_t a = ip6(addr);
  struct nd6_neighbor_info info;
  for (int i = 0; i < ND6_NUM_NEIGHBORS; i++) {
    if (nd6_get_neighbor_info(i, &info) && ip6_addr_eq_nozone(&info.addr, &a)) {
      return info.state;
    }
  }
  return ND6_NO_ENTRY;
}

/* Pop one NS; check it is for @p target, to @p dst, hop limit 255. */
static void expect_ns(const char *target, const char *src, const char *dst, bool with_sll)
{
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_int_equal(s.ip[7], 255);
  assert_int_equal(s.msg[0], 135);
  assert_int_equal(s.msg[1], 0);
  assert_addr6(s.msg + 8, target);
  assert_addr6(s.ip + 8, src);
  assert_addr6(s.ip + 24, dst);
  if (with_sll) {
    assert_int_equal(s.mlen, 32);
    assert_int_equal(s.msg[24], ND6_OPT_SLLA);
    assert_int_equal(s.msg[25], 1);
    assert_memory_equal(s.msg + 26, test_mac, 6);
  } else {
    assert_int_equal(s.mlen, 24);
  }
}

static err_t try_send_to(const char *dst, u16_t len)
{
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0x5a, len);
  ip6_addr_t d = ip6(dst);
  err_t err = ip6_output(p, NULL, &d, 64, 0, 59);
  pbuf_free(p);
  return err;
}

static void send_to(const char *dst, u16_t len)
{
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0x5a, len);
  ip6_addr_t d = ip6(dst);
  if (ip6_addr_islinklocal(&d)) {
    d.zone = netif_get_index(nif);
  }
  assert_int_equal(ip6_output(p, NULL, &d, 64, 0, 59), ERR_OK);
  pbuf_free(p);
}

/* ------------------------------------------------------------------ */

static void test_nd6_dad_success_and_rs(void **state)
{
  (void)state;
  nif = test_netif_add(&tn, "192.168.1.10", "255.255.255.0", NULL, test_mac);
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 1), ERR_OK);
  assert_int_equal(netif_ip6_addr_state(nif, 0), IP6_ADDR_TENTATIVE);
  assert_int_equal(tn.nframes, 0); /* a random delay first (RFC 4862 5.4.2) */
  test_clock_advance(1000);
  /* one solicitation from :: to the solicited-node group, no options */
  expect_ns(OUR_LL, "::", "ff02::1:ff00:1", false);
  struct sent6 s;
  assert_false(pop6(&tn, &s));
  u8_t mm[6];
  mcast_mac("ff02::1:ff00:1", mm);
  assert_int_equal(netif_ip6_addr_state(nif, 0), IP6_ADDR_TENTATIVE);
  /* RetransTimer later without an answer: preferred */
  test_clock_advance(1000);
  assert_int_equal(netif_ip6_addr_state(nif, 0), IP6_ADDR_PREFERRED);
  /* router solicitations: from the link-local address once it is valid,
   * with our MAC, MAX_RTR_SOLICITATIONS of them 4 s apart */
  int rs = 0;
  for (int t = 0; t < 30; t++) {
    test_clock_advance(1000);
    while (pop6(&tn, &s)) {
      assert_int_equal(s.msg[0], 133);
      assert_int_equal(s.ip[7], 255);
      assert_addr6(s.ip + 24, "ff02::2");
      mcast_mac("ff02::2", mm);
      assert_memory_equal(s.frame, mm, 6);
      if (s.mlen == 16) {
        assert_addr6(s.ip + 8, OUR_LL);
        assert_memory_equal(s.msg + 10, test_mac, 6);
      } else {
        assert_int_equal(s.mlen, 8);
        assert_addr6(s.ip + 8, "::");
      }
      rs++;
    }
  }
  assert_int_equal(rs, ND6_MAX_RTR_SOLICITATIONS);
  /* and then nothing is armed */
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
}

static void test_nd6_dad_conflict_na(void **state)
{
  (void)state;
  nif = test_netif_add(&tn, "192.168.1.10", "255.255.255.0", NULL, test_mac);
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 1), ERR_OK);
  test_clock_advance(1000);
  test_frames_clear(&tn);
  u8_t mm[6];
  mcast_mac("ff02::1", mm);
  rx_na(mm, PEER_LL, "ff02::1", OUR_LL, ND6_NA_FLAG_OVERRIDE, peer_mac);
  assert_int_equal(netif_ip6_addr_state(nif, 0), IP6_ADDR_DUPLICATED);
  test_clock_advance(5000);
  assert_int_equal(netif_ip6_addr_state(nif, 0), IP6_ADDR_DUPLICATED);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_DAD_CONFLICT), 1);
#endif
  /* never used: no source for a link-local destination, and echo requests
   * to it are not answered */
  ip6_addr_t d = ip6(PEER_LL);
  assert_null(ip6_select_source_address(nif, &d));
  test_frames_clear(&tn);
  u8_t body[4] = {0};
  rx_icmp6(&tn, test_mac, PEER_LL, OUR_LL, 64, 128, 0, 1, body, sizeof(body));
  struct sent6 s;
  while (pop6(&tn, &s)) {
    assert_int_not_equal(s.msg[0], 129);
  }
}

static void test_nd6_dad_conflict_ns(void **state)
{
  (void)state;
  nif = test_netif_add(&tn, "192.168.1.10", "255.255.255.0", NULL, test_mac);
  ip6_addr_t g = ip6(OUR_GUA);
  assert_int_equal(netif_add_ip6_address_prefix(nif, &g, 64, NULL), ERR_OK);
  u8_t mm[6];
  mcast_mac("ff02::1:ff00:10", mm);
  /* a resolution request for the tentative address is ignored ... */
  rx_ns(mm, PEER_GUA, "ff02::1:ff00:10", OUR_GUA, peer_mac, 255);
  assert_int_equal(netif_ip6_addr_state(nif, 1), IP6_ADDR_TENTATIVE);
  /* ... a DAD probe from :: is a conflict (RFC 4862 5.4.3) */
  rx_ns(mm, "::", "ff02::1:ff00:10", OUR_GUA, NULL, 255);
  assert_int_equal(netif_ip6_addr_state(nif, 1), IP6_ADDR_DUPLICATED);
  struct sent6 s;
  while (pop6(&tn, &s)) {
    assert_int_not_equal(s.msg[0], 136); /* never an NA for it */
  }
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_TENTATIVE), 1);
  assert_int_equal(DROPS(ND6_DAD_CONFLICT), 1);
#endif
}

static void test_nd6_ns_answered(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  u8_t mm[6];
  mcast_mac("ff02::1:ff00:10", mm);
  rx_ns(mm, PEER_GUA, "ff02::1:ff00:10", OUR_GUA, peer_mac, 255);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_memory_equal(s.frame, peer_mac, 6);
  assert_int_equal(s.ip[7], 255);
  assert_int_equal(s.msg[0], 136);
  assert_int_equal(s.msg[4], ND6_NA_FLAG_SOLICITED | ND6_NA_FLAG_OVERRIDE);
  assert_addr6(s.msg + 8, OUR_GUA);
  assert_addr6(s.ip + 8, OUR_GUA);
  assert_addr6(s.ip + 24, PEER_GUA);
  assert_int_equal(s.msg[24], ND6_OPT_TLLA);
  assert_memory_equal(s.msg + 26, test_mac, 6);
  /* the sender was learned: STALE, and DELAY once used */
  assert_int_equal(peer_state(PEER_GUA), ND6_DELAY);
  /* a DAD probe for an address we hold is defended to all nodes */
  rx_ns(mm, "::", "ff02::1:ff00:10", OUR_GUA, NULL, 255);
  assert_true(pop6(&tn, &s));
  assert_addr6(s.ip + 24, "ff02::1");
  assert_int_equal(s.msg[4], ND6_NA_FLAG_OVERRIDE);
  assert_int_equal(netif_ip6_addr_state(nif, 1), IP6_ADDR_PREFERRED);
}

/* RFC 4861 7.1.1: what an NS must be. */
static void test_nd6_ns_validation(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  u8_t mm[6];
  mcast_mac("ff02::1:ff00:10", mm);
  rx_ns(mm, PEER_GUA, "ff02::1:ff00:10", OUR_GUA, peer_mac, 254);        /* routed */
  rx_ns(mm, PEER_GUA, "ff02::1:ff00:10", "ff02::1", peer_mac, 255);      /* multicast target */
  rx_ns(mm, PEER_GUA, "ff02::1:ff00:10", "2001:db8::99", peer_mac, 255); /* not ours */
  rx_ns(test_mac, "::", OUR_GUA, OUR_GUA, NULL, 255);                    /* DAD not to the group */
  rx_ns(mm, "::", "ff02::1:ff00:10", OUR_GUA, peer_mac, 255);            /* DAD with an SLLA */
  static const u8_t mcast_src[6] = {0x33, 0x33, 0, 0, 0, 1};
  rx_ns(mm, PEER_GUA, "ff02::1:ff00:10", OUR_GUA, mcast_src, 255); /* multicast MAC */
  /* an option of length 0 */
  u8_t body[24];
  a6(OUR_GUA, body);
  memset(body + 16, 0, 8);
  body[16] = 14;
  rx_icmp6(&tn, mm, PEER_GUA, "ff02::1:ff00:10", 255, 135, 0, 0, body, 24);
  /* a code other than 0, and a message shorter than an NS */
  rx_icmp6(&tn, mm, PEER_GUA, "ff02::1:ff00:10", 255, 135, 1, 0, body, 16);
  rx_icmp6(&tn, mm, PEER_GUA, "ff02::1:ff00:10", 255, 135, 0, 0, body, 8);
  assert_int_equal(tn.nframes, 0);
  assert_int_equal(peer_state(PEER_GUA), ND6_NO_ENTRY);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_BAD_HOPLIM), 1);
  assert_int_equal(DROPS(ND6_BAD_TARGET), 1);
  assert_int_equal(DROPS(ND6_NOT_FOR_US), 1);
  assert_int_equal(DROPS(ND6_BAD_SRC), 2);
  assert_int_equal(DROPS(ND6_BAD_OPTION), 2);
  assert_int_equal(DROPS(ND6_BAD_CODE), 1);
  assert_int_equal(DROPS(ND6_SHORT), 1);
#endif
}

/* INCOMPLETE: multicast solicitations each RetransTimer, then give up. */
static void test_nd6_resolution_fails(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  send_to(PEER_GUA, 20);
  assert_int_equal(peer_state(PEER_GUA), ND6_INCOMPLETE);
  expect_ns(PEER_GUA, OUR_GUA, "ff02::1:ff00:2", true);
  struct sent6 s;
  assert_false(pop6(&tn, &s));
  for (int i = 1; i < ND6_MAX_MULTICAST_SOLICIT; i++) {
    test_clock_advance(ND6_RETRANS_TIMER_MS);
    expect_ns(PEER_GUA, OUR_GUA, "ff02::1:ff00:2", true);
  }
  test_clock_advance(ND6_RETRANS_TIMER_MS);
  assert_false(pop6(&tn, &s));
  assert_int_equal(peer_state(PEER_GUA), ND6_NO_ENTRY);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_UNRESOLVED), 1);
#endif
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
}

/* INCOMPLETE -> REACHABLE -> STALE -> DELAY -> PROBE -> gone, and the
 * queue bound on the way. */
static void test_nd6_nud_states(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  for (int i = 0; i < ND6_QUEUE_LEN + 2; i++) {
    send_to(PEER_GUA, (u16_t)(10 + i));
  }
  expect_ns(PEER_GUA, OUR_GUA, "ff02::1:ff00:2", true);
  struct nd6_neighbor_info info;
  assert_true(nd6_get_neighbor_info(0, &info));
  assert_int_equal(info.queued, ND6_QUEUE_LEN);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_QUEUE_FULL), 2);
#endif
  /* a solicited NA without a TLLA cannot complete it */
  rx_na(test_mac, PEER_GUA, OUR_GUA, PEER_GUA, ND6_NA_FLAG_SOLICITED, NULL);
  assert_int_equal(peer_state(PEER_GUA), ND6_INCOMPLETE);
  rx_na(test_mac, PEER_GUA, OUR_GUA, PEER_GUA, ND6_NA_FLAG_SOLICITED | ND6_NA_FLAG_OVERRIDE, peer_mac);
  assert_int_equal(peer_state(PEER_GUA), ND6_REACHABLE);
  /* the latest ND6_QUEUE_LEN packets go out, oldest first */
  struct sent6 s;
  for (int i = 2; i < ND6_QUEUE_LEN + 2; i++) {
    assert_true(pop6(&tn, &s));
    assert_memory_equal(s.frame, peer_mac, 6);
    assert_int_equal(s.mlen, 10 + i);
  }
  assert_false(pop6(&tn, &s));
  /* REACHABLE for ReachableTime (at most 1.5 * 30 s), then STALE */
  test_clock_advance(ND6_REACHABLE_TIME_MS * 3 / 2);
  assert_int_equal(peer_state(PEER_GUA), ND6_STALE);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  /* used while STALE: sent at once, DELAY */
  send_to(PEER_GUA, 8);
  assert_true(pop6(&tn, &s));
  assert_memory_equal(s.frame, peer_mac, 6);
  assert_int_equal(peer_state(PEER_GUA), ND6_DELAY);
  /* no confirmation in DELAY_FIRST_PROBE_TIME: unicast probes */
  test_clock_advance(ND6_DELAY_FIRST_PROBE_TIME_MS);
  assert_int_equal(peer_state(PEER_GUA), ND6_PROBE);
  assert_true(pop6(&tn, &s));
  assert_memory_equal(s.frame, peer_mac, 6);
  assert_int_equal(s.msg[0], 135);
  assert_addr6(s.ip + 24, PEER_GUA);
  for (int i = 1; i < ND6_MAX_UNICAST_SOLICIT; i++) {
    test_clock_advance(ND6_RETRANS_TIMER_MS);
    assert_true(pop6(&tn, &s));
    assert_int_equal(s.msg[0], 135);
  }
  test_clock_advance(ND6_RETRANS_TIMER_MS);
  assert_false(pop6(&tn, &s));
  assert_int_equal(peer_state(PEER_GUA), ND6_NO_ENTRY);
}

/* RFC 4861 7.2.5 on a complete entry. */
static void test_nd6_na_updates(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  learn_peer(&tn, PEER_GUA, OUR_GUA);
  assert_int_equal(peer_state(PEER_GUA), ND6_DELAY); /* our NA used it */
  /* solicited, same address: REACHABLE */
  rx_na(test_mac, PEER_GUA, OUR_GUA, PEER_GUA, ND6_NA_FLAG_SOLICITED, peer_mac);
  assert_int_equal(peer_state(PEER_GUA), ND6_REACHABLE);
  /* another MAC without Override: only suspicion (STALE), MAC kept */
  rx_na(test_mac, PEER_GUA, OUR_GUA, PEER_GUA, ND6_NA_FLAG_SOLICITED, peer_mac2);
  assert_int_equal(peer_state(PEER_GUA), ND6_STALE);
  struct nd6_neighbor_info info;
  assert_true(nd6_get_neighbor_info(0, &info));
  assert_memory_equal(info.lladdr.addr, peer_mac, 6);
  /* with Override, unsolicited: the new MAC, STALE; router flag kept */
  rx_na(test_mac, PEER_GUA, OUR_GUA, PEER_GUA, ND6_NA_FLAG_OVERRIDE | ND6_NA_FLAG_ROUTER, peer_mac2);
  assert_true(nd6_get_neighbor_info(0, &info));
  assert_memory_equal(info.lladdr.addr, peer_mac2, 6);
  assert_int_equal(info.state, ND6_STALE);
  assert_true(info.is_router);
  /* an NA for an unknown neighbor creates nothing; a solicited one to a
   * multicast destination is invalid */
  rx_na(test_mac, "2001:db8::3", OUR_GUA, "2001:db8::3", ND6_NA_FLAG_OVERRIDE, peer_mac);
  u8_t mm[6];
  mcast_mac("ff02::1", mm);
  rx_na(mm, PEER_GUA, "ff02::1", PEER_GUA, ND6_NA_FLAG_SOLICITED, peer_mac);
  assert_int_equal(peer_state("2001:db8::3"), ND6_NO_ENTRY);
  /* another node claiming our preferred address is logged, nothing else */
  rx_na(mm, PEER_GUA, "ff02::1", OUR_GUA, ND6_NA_FLAG_OVERRIDE, peer_mac);
  assert_int_equal(netif_ip6_addr_state(nif, 1), IP6_ADDR_PREFERRED);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_NO_ENTRY), 1);
  assert_int_equal(DROPS(ND6_BAD_TARGET), 1);
  assert_int_equal(DROPS(ND6_DAD_CONFLICT), 1);
#endif
  assert_int_equal(tn.nframes, 0);
}

static int hook_events, hook_gone;
static void hook(const struct nd6_neighbor_info *info, bool gone)
{
  (void)info;
  hook_events++;
  hook_gone += gone ? 1 : 0;
}

static void test_nd6_flush_and_hook(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  nd6_set_change_hook(hook);
  send_to(PEER_GUA, 8);
  send_to(PEER_LL, 8);
  assert_int_equal(hook_events, 2);
  assert_int_equal(nd6_flush(NULL), 2);
  assert_int_equal(hook_gone, 2);
  assert_int_equal(peer_state(PEER_GUA), ND6_NO_ENTRY);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_UNRESOLVED), 2);
#endif
  nd6_set_change_hook(NULL);
  assert_string_equal(nd6_state_name(ND6_PROBE), "probe");
  assert_string_equal(nd6_state_name(42), "?");
}

/* The cache is bounded: STALE entries are recycled, resolving ones never. */
static void test_nd6_cache_full(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  char a[64];
  for (int i = 0; i < ND6_NUM_NEIGHBORS + 3; i++) {
    snprintf(a, sizeof(a), "2001:db8::1:%x", i);
    assert_int_equal(try_send_to(a, 8), i < ND6_NUM_NEIGHBORS ? ERR_OK : ERR_MEM);
  }
  test_frames_clear(&tn);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_TABLE_FULL), 3);
#endif
  nd6_flush(nif);
  /* all STALE (resolved by unsolicited advertisements): a new one
   * recycles the oldest */
  for (int i = 0; i < ND6_NUM_NEIGHBORS; i++) {
    snprintf(a, sizeof(a), "2001:db8::2:%x", i);
    send_to(a, 8);
    rx_na(test_mac, a, OUR_GUA, a, ND6_NA_FLAG_OVERRIDE, peer_mac);
    assert_int_equal(peer_state(a), ND6_STALE);
    test_clock_advance(1);
  }
  test_frames_clear(&tn);
  send_to("2001:db8::3:1", 8);
  assert_int_equal(peer_state("2001:db8::3:1"), ND6_INCOMPLETE);
  assert_int_equal(peer_state("2001:db8::2:0"), ND6_NO_ENTRY);
}

static void test_nd6_netif_down_clears(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  send_to(PEER_GUA, 8);
  netif_set_down(nif);
  assert_int_equal(peer_state(PEER_GUA), ND6_NO_ENTRY);
  /* back up: DAD is not redone for preferred addresses, RS restarts */
  test_frames_clear(&tn);
  netif_set_up(nif);
  test_clock_advance(1000);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_int_equal(s.msg[0], 133);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_nd6_dad_success_and_rs, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_nd6_dad_conflict_na, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_nd6_dad_conflict_ns, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_nd6_ns_answered, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_nd6_ns_validation, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_nd6_resolution_fails, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_nd6_nud_states, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_nd6_na_updates, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_nd6_flush_and_hook, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_nd6_cache_full, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_nd6_netif_down_clears, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
