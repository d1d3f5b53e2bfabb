/* Unit tests for core/ipv6/mld6.c on the virtual clock: MLDv2 reports on
 * join and leave (exact bytes, robustness repeats and their intervals),
 * answers to General, Multicast Address Specific and Source Specific
 * queries within the Maximum Response Delay, the MLDv1 compatibility mode
 * and its timeout, query validation with every drop counted, the
 * solicited-node groups following the addresses, ip6_input refusing groups
 * not joined, the MAC filter, the pool and allocation failures. */
#include "test_ip6_util.h"

#include "lwip/mld6.h"
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/prot/mld6.h"

#include <stdio.h>

#if LWIP_IPV6

static struct test_netif tn;
static struct netif *nif;

#define LL_SN "ff02::1:ff00:1"   /* solicited-node group of OUR_LL */
#define GUA_SN "ff02::1:ff00:10" /* and of OUR_GUA */
#define ROUTER_LL "fe80::1"
#define G1 "ff05::1:3"
#define G2 "ff0e::1234"

/* ---- MAC filter recorder ---- */
struct filt_call {
  u8_t group[16];
  enum netif_mac_filter_action action;
};
static struct filt_call fcalls[64];
static int nfcalls;

static err_t filter_cb(struct netif *netif, const ip6_addr_t *group, enum netif_mac_filter_action action)
{
  (void)netif;
  assert_true(nfcalls < 64);
  memcpy(fcalls[nfcalls].group, group->addr, 16);
  fcalls[nfcalls].action = action;
  nfcalls++;
  return ERR_OK;
}

static bool filtered(const char *group, enum netif_mac_filter_action action)
{
  u8_t g[16];
  a6(group, g);
  for (int i = 0; i < nfcalls; i++) {
    if (memcmp(fcalls[i].group, g, 16) == 0 && fcalls[i].action == action) {
      return true;
    }
  }
  return false;
}

/* The netif with MLD on, before any address. */
static void add_netif(void)
{
  nfcalls = 0;
  nif = test_netif_add(&tn, "192.168.1.10", "255.255.255.0", NULL, test_mac);
  nif->flags |= NETIF_FLAG_MLD6;
  netif_set_mld_mac_filter(nif, filter_cb);
}

/* As ip6_fixture (test_ip6_util.h) with MLD on: link-local and global
 * address past DAD, the reports of the start-up cleared. */
static void fixture(void)
{
  add_netif();
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 1), ERR_OK);
  ip6_addr_t g = ip6(OUR_GUA);
  s8_t idx = -1;
  assert_int_equal(netif_add_ip6_address_prefix(nif, &g, 64, &idx), ERR_OK);
  test_clock_advance(2100);
  assert_int_equal(netif_ip6_addr_state(nif, 0), IP6_ADDR_PREFERRED);
  assert_int_equal(netif_ip6_addr_state(nif, 1), IP6_ADDR_PREFERRED);
  test_clock_advance(20000);
  test_frames_clear(&tn);
}

static ip6_addr_t g6(const char *text)
{
  return ip6(text);
}

/* A sent MLD message. */
struct mld_msg {
  struct sent6 s;
  u8_t *m; /* the ICMPv6 message */
  int len;
};

/* Pop the next MLD message (skipping ND), checking what every one must be:
 * hop limit 1, a Hop-by-Hop header holding exactly Router Alert 0 and a
 * PadN (RFC 3810 5, RFC 2711), a valid ICMPv6 checksum, the Ethernet
 * destination of its IPv6 destination.  @return false when none is left. */
static bool pop_mld(struct mld_msg *o)
{
  while (pop6(&tn, &o->s)) {
    u8_t *ip = o->s.ip;
    if (ip[6] != 0) {
      assert_int_equal(ip[6], 58);
      u8_t t = o->s.msg[0];
      assert_true(t >= 133 && t <= 137); /* only ND besides MLD */
      continue;
    }
    assert_int_equal(ip[7], 1);
    static const u8_t hbh[8] = {58, 0, 5, 2, 0, 0, 1, 0};
    assert_memory_equal(o->s.msg, hbh, 8);
    o->m = o->s.msg + 8;
    o->len = o->s.mlen - 8;
    assert_int_equal(cksum6(ip + 8, ip + 24, 58, o->m, (size_t)o->len), 0);
    u8_t mac[6] = {0x33, 0x33, ip[36], ip[37], ip[38], ip[39]};
    assert_memory_equal(o->s.frame, mac, 6);
    return true;
  }
  return false;
}

static int count_mld(void)
{
  int n = 0;
  struct mld_msg o;
  while (pop_mld(&o)) {
    n++;
  }
  return n;
}

/* Expect an MLDv2 report from our link-local address with the one record
 * @p type about @p group and no sources. */
static void expect_v2_one(u8_t type, const char *group)
{
  struct mld_msg o;
  assert_true(pop_mld(&o));
  assert_addr6(o.s.ip + 8, OUR_LL);
  assert_addr6(o.s.ip + 24, "ff02::16");
  assert_int_equal(o.len, 8 + 20);
  assert_int_equal(o.m[0], 143);
  assert_int_equal(o.m[1], 0);
  assert_int_equal(get_be16(o.m + 4), 0);
  assert_int_equal(get_be16(o.m + 6), 1);
  assert_int_equal(o.m[8], type);
  assert_int_equal(o.m[9], 0);
  assert_int_equal(get_be16(o.m + 10), 0);
  assert_addr6(o.m + 12, group);
}

/* Expect an MLDv1 message @p type about @p group sent to @p dst. */
static void expect_v1(u8_t type, const char *group, const char *dst)
{
  struct mld_msg o;
  assert_true(pop_mld(&o));
  assert_addr6(o.s.ip + 8, OUR_LL);
  assert_addr6(o.s.ip + 24, dst);
  assert_int_equal(o.len, 24);
  assert_int_equal(o.m[0], type);
  assert_int_equal(get_be16(o.m + 4), 0);
  assert_addr6(o.m + 8, group);
}

/* Receive an MLD message @p msg (checksum filled in here) from @p src to
 * @p dst with hop limit @p hl, with or without the Router Alert. */
static void rx_mld(const char *src, const char *dst, u8_t hl, bool ra, u8_t *msg, size_t len)
{
  u8_t s[16], d[16], pl[600], f[700];
  a6(src, s);
  a6(dst, d);
  msg[2] = msg[3] = 0;
  put_be16(msg + 2, cksum6(s, d, 58, msg, len));
  size_t off = 0;
  u8_t nexth = 58;
  if (ra) {
    static const u8_t hbh[8] = {58, 0, 5, 2, 0, 0, 1, 0};
    memcpy(pl, hbh, 8);
    off = 8;
    nexth = 0;
  }
  memcpy(pl + off, msg, len);
  u8_t mac[6];
  mcast_mac(dst, mac);
  size_t fl = mk6(f, mac, src, dst, nexth, hl, pl, off + len);
  test_rx(&tn, f, fl);
}

/* An MLDv2 query (RFC 3810 5.1) into @p m.  @return its length. */
static size_t mk_q2(u8_t *m, u16_t code, const char *group, u8_t qrv, u8_t qqic, int nsrc, const char *const *srcs)
{
  memset(m, 0, 28 + 16 * (size_t)nsrc);
  m[0] = 130;
  put_be16(m + 4, code);
  if (group != NULL) {
    a6(group, m + 8);
  }
  m[24] = qrv;
  m[25] = qqic;
  put_be16(m + 26, (u16_t)nsrc);
  for (int i = 0; i < nsrc; i++) {
    a6(srcs[i], m + 28 + 16 * i);
  }
  return 28 + 16 * (size_t)nsrc;
}

static void rx_q2(u16_t code, const char *group, const char *dst)
{
  u8_t m[28];
  size_t l = mk_q2(m, code, group, 2, 125, 0, NULL);
  rx_mld(ROUTER_LL, dst, 1, true, m, l);
}

static void rx_q1(u16_t delay_ms, const char *group, const char *dst)
{
  u8_t m[24];
  memset(m, 0, sizeof(m));
  m[0] = 130;
  put_be16(m + 4, delay_ms);
  if (group != NULL) {
    a6(group, m + 8);
  }
  rx_mld(ROUTER_LL, dst, 1, true, m, sizeof(m));
}

/* Join and let the state-change reports go by. */
static void join_quiet(const char *group)
{
  ip6_addr_t g = g6(group);
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  test_clock_advance(MLD6_UNSOLICITED_REPORT_INTERVAL_MS + 1);
  test_frames_clear(&tn);
}

/* Find the info entry of @p group on nif.  @return its index or -1. */
static int info_of(const char *group, struct mld6_group_info *out)
{
  ip6_addr_t g = g6(group);
  for (int i = 0; mld6_get_group_info(i, out); i++) {
    if (out->netif == nif && ip6_addr_eq_nozone(&out->group, &g)) {
      return i;
    }
  }
  return -1;
}

/* ------------------------------------------------------------------ */

static void test_mld6_startup(void **state)
{
  (void)state;
  add_netif();
  u32_t heap_max = mem_stats()->max;
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 1), ERR_OK);
  /* a one-record report takes a buffer of its size, not of the MTU */
  assert_true(mem_stats()->max < heap_max + 400);
  /* all-nodes and the solicited-node group of the tentative address are
   * joined at once (RFC 4862 5.4.2), both in the MAC filter */
  assert_int_equal(nfcalls, 2);
  assert_true(filtered("ff02::1", NETIF_ADD_MAC_FILTER));
  assert_true(filtered(LL_SN, NETIF_ADD_MAC_FILTER));
  /* reported from :: while no link-local address is valid (RFC 3810
   * 5.2.13); all-nodes never */
  struct mld_msg o;
  assert_true(pop_mld(&o));
  assert_addr6(o.s.ip + 8, "::");
  assert_addr6(o.s.ip + 24, "ff02::16");
  assert_int_equal(get_be16(o.m + 6), 1);
  assert_int_equal(o.m[8], MLD6_CHANGE_TO_EXCLUDE);
  assert_addr6(o.m + 12, LL_SN);
  assert_false(pop_mld(&o));
  test_clock_advance(2100);
  assert_int_equal(netif_ip6_addr_state(nif, 0), IP6_ADDR_PREFERRED);
  assert_true(pop_mld(&o)); /* the repeat, still within DAD */
  assert_addr6(o.s.ip + 8, "::");
  test_clock_advance(20000);
  assert_false(pop_mld(&o));
  /* from now on from the link-local address */
  join_quiet(G1);
  ip6_addr_t g = g6(G1);
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  expect_v2_one(MLD6_CHANGE_TO_INCLUDE, G1);
  test_clock_advance(5000);
  test_frames_clear(&tn);
}

static void test_mld6_join_reports(void **state)
{
  (void)state;
  fixture();
#if LWIP_STATS
  u32_t tx0 = PROTO(MLD6).xmit;
#endif
  ip6_addr_t g = g6(G1);
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  assert_true(filtered(G1, NETIF_ADD_MAC_FILTER));
  /* RFC 3810 6.1: CHANGE_TO_EXCLUDE {} at once ... */
  expect_v2_one(MLD6_CHANGE_TO_EXCLUDE, G1);
  assert_false(pop_mld(&(struct mld_msg){0}));
  struct mld6_group_info info;
  assert_true(info_of(G1, &info) >= 0);
  assert_int_equal(info.users, 1);
  assert_true(info.reporting);
  assert_true(info.timer_left_ms >= 1 && info.timer_left_ms <= MLD6_UNSOLICITED_REPORT_INTERVAL_MS);
  /* ... and [Robustness Variable] - 1 = 1 more time within the Unsolicited
   * Report Interval, at the time the info said. */
  test_clock_advance(info.timer_left_ms - 1);
  assert_int_equal(count_mld(), 0);
  test_clock_advance(1);
  expect_v2_one(MLD6_CHANGE_TO_EXCLUDE, G1);
  test_clock_advance(60000);
  assert_int_equal(count_mld(), 0);
  assert_true(info_of(G1, &info) >= 0);
  assert_false(info.reporting);
  assert_int_equal(info.timer_left_ms, 0);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  assert_int_equal(mld6_netif_version(nif), 2);
  assert_int_equal(mld6_v1_querier_left_ms(nif), 0);
#if LWIP_STATS
  assert_int_equal(PROTO(MLD6).xmit, tx0 + 2);
#endif
  /* the repeat comes at a random time, not always the same */
  u32_t first = 0;
  bool differ = false;
  for (int i = 0; i < 8; i++) {
    ip6_addr_t gi = g6("ff05::100");
    gi.addr[3] = lwip_htonl(0x100U + (u32_t)i);
    assert_int_equal(mld6_joingroup_netif(nif, &gi), ERR_OK);
    test_frames_clear(&tn);
    u32_t t = 0;
    while (count_mld() == 0) {
      test_clock_advance(1);
      t++;
      assert_true(t <= MLD6_UNSOLICITED_REPORT_INTERVAL_MS);
    }
    if (i == 0) {
      first = t;
    } else if (t != first) {
      differ = true;
    }
  }
  assert_true(differ);
  /* all-nodes is listened to, first, and never reported (RFC 3810 6) */
  assert_true(mld6_get_group_info(0, &info));
  assert_addr6((const u8_t *)info.group.addr, "ff02::1");
  assert_false(info.reporting);
}

static void test_mld6_leave(void **state)
{
  (void)state;
  fixture();
  ip6_addr_t g = g6(G1);
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  assert_int_equal(mld6_lookfor_group(nif, &g)->use, 2);
  test_clock_advance(2000);
  assert_int_equal(count_mld(), 2); /* the second join reports nothing */
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  assert_int_equal(count_mld(), 0);
  assert_true(mld6_netif_has_group(nif, &g));
  nfcalls = 0;
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  /* RFC 3810 6.1: CHANGE_TO_INCLUDE {} at once and repeated once */
  expect_v2_one(MLD6_CHANGE_TO_INCLUDE, G1);
  assert_true(filtered(G1, NETIF_DEL_MAC_FILTER));
  assert_null(mld6_lookfor_group(nif, &g));
  assert_false(mld6_netif_has_group(nif, &g));
  struct mld6_group_info info;
  assert_true(info_of(G1, &info) >= 0); /* kept for the repeat */
  assert_int_equal(info.users, 0);
  assert_true(info.reporting);
  test_clock_advance(MLD6_UNSOLICITED_REPORT_INTERVAL_MS);
  expect_v2_one(MLD6_CHANGE_TO_INCLUDE, G1);
  assert_int_equal(info_of(G1, &info), -1);
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_VAL);
  /* rejoining while the leave is repeated: the report says the new state */
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  expect_v2_one(MLD6_CHANGE_TO_EXCLUDE, G1);
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  expect_v2_one(MLD6_CHANGE_TO_INCLUDE, G1);
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  expect_v2_one(MLD6_CHANGE_TO_EXCLUDE, G1);
  test_clock_advance(MLD6_UNSOLICITED_REPORT_INTERVAL_MS);
  expect_v2_one(MLD6_CHANGE_TO_EXCLUDE, G1);
  assert_int_equal(count_mld(), 0);
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  test_clock_advance(MLD6_UNSOLICITED_REPORT_INTERVAL_MS);
  assert_int_equal(count_mld(), 2);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
}

static void test_mld6_bad_joins(void **state)
{
  (void)state;
  fixture();
  ip6_addr_t u = g6(PEER_GUA), all = g6("ff02::1"), res = g6("ff00::5"), g = g6(G2);
  ip6_addr_t ours = g6(OUR_GUA), other = g6("2001:db8::99");
  assert_int_equal(mld6_joingroup_netif(nif, &u), ERR_VAL);
  assert_int_equal(mld6_joingroup_netif(nif, &all), ERR_VAL);
  assert_int_equal(mld6_joingroup_netif(nif, &res), ERR_VAL);
  assert_int_equal(mld6_leavegroup_netif(nif, &all), ERR_VAL);
  assert_int_equal(mld6_joingroup(NULL, &u), ERR_VAL);
  assert_int_equal(mld6_joingroup(&other, &g), ERR_VAL); /* no netif has that address */
  assert_int_equal(count_mld(), 0);
  /* by interface address, and on every IPv6 netif */
  assert_int_equal(mld6_joingroup(&ours, &g), ERR_OK);
  assert_int_equal(mld6_joingroup(NULL, &g), ERR_OK);
  assert_int_equal(mld6_lookfor_group(nif, &g)->use, 2);
  assert_int_equal(count_mld(), 1);
  assert_int_equal(mld6_leavegroup(NULL, &g), ERR_OK);
  assert_int_equal(mld6_leavegroup(&ours, &g), ERR_OK);
  assert_null(mld6_lookfor_group(nif, &g));
  assert_int_equal(mld6_leavegroup(&ours, &g), ERR_VAL);
  test_frames_clear(&tn);
}

static void test_mld6_general_query(void **state)
{
  (void)state;
  fixture();
  join_quiet(G1);
  join_quiet(G2);
  rx_q2(5000, NULL, "ff02::1");     /* Maximum Response Code 5000: 5 s */
  assert_int_equal(count_mld(), 0); /* delayed, never at once */
  struct mld6_group_info info;
  assert_true(info_of(G1, &info) >= 0);
  assert_true(info.reporting && info.timer_left_ms <= 5000);
  test_clock_advance(5000);
  /* one report: MODE_IS_EXCLUDE {} for every group but all-nodes */
  struct mld_msg o;
  assert_true(pop_mld(&o));
  assert_int_equal(o.m[0], 143);
  int nrec = get_be16(o.m + 6);
  assert_int_equal(nrec, 4);
  assert_int_equal(o.len, 8 + 20 * nrec);
  const char *want[4] = {LL_SN, GUA_SN, G1, G2};
  for (int w = 0; w < 4; w++) {
    u8_t a[16];
    a6(want[w], a);
    bool found = false;
    for (int r = 0; r < nrec; r++) {
      const u8_t *rec = o.m + 8 + 20 * r;
      assert_int_equal(rec[0], MLD6_MODE_IS_EXCLUDE);
      assert_int_equal(get_be16(rec + 2), 0);
      found = found || memcmp(rec + 4, a, 16) == 0;
    }
    assert_true(found);
  }
  assert_int_equal(count_mld(), 0);
  test_clock_advance(30000);
  assert_int_equal(count_mld(), 0);
  /* RFC 3810 5.1.3: codes from 32768 on are exponential: 0x8000 is
   * 0x1000 << 3 = 32768 ms, 0xffff is 0x1fff << 10 = 8387584 ms. */
  u32_t longest = 0;
  for (int i = 0; i < 6; i++) {
    rx_q2(0x8000, NULL, "ff02::1");
    assert_true(info_of(G1, &info) >= 0 && info.reporting);
    assert_true(info.timer_left_ms <= 32768);
    longest = LWIP_MAX(longest, info.timer_left_ms);
    test_clock_advance(32768);
    assert_int_equal(count_mld(), 1);
  }
  assert_true(longest > 5000);
  rx_q2(0xffff, NULL, "ff02::1");
  assert_true(info_of(G1, &info) >= 0);
  assert_true(info.timer_left_ms <= 8387584U);
  /* RFC 3810 6.2 rule 1: a second, longer query does not postpone it */
  u32_t left = info.timer_left_ms;
  rx_q2(0xffff, NULL, "ff02::1");
  assert_true(info_of(G1, &info) >= 0);
  assert_true(info.timer_left_ms <= left);
  rx_q2(10, NULL, "ff02::1");
  test_clock_advance(10);
  assert_int_equal(count_mld(), 1);
  test_clock_advance(8400000);
  assert_int_equal(count_mld(), 0);
#if LWIP_STATS
  assert_int_equal(PROTO(MLD6).recv, 10);
#endif
}

static void test_mld6_group_queries(void **state)
{
  (void)state;
  fixture();
  join_quiet(G1);
  join_quiet(G2);
  /* Multicast Address Specific Query, to the group */
  rx_q2(2000, G2, G2);
  test_clock_advance(2000);
  expect_v2_one(MLD6_MODE_IS_EXCLUDE, G2);
  assert_int_equal(count_mld(), 0);
  /* Source Specific: MODE_IS_INCLUDE of the queried sources (we exclude
   * none), two queries merged into one answer (RFC 3810 6.2 rule 4) */
  const char *s1[2] = {"2001:db8::a", "2001:db8::b"};
  const char *s2[2] = {"2001:db8::b", "2001:db8::c"};
  u8_t m[28 + 32];
  size_t l = mk_q2(m, 3000, G1, 2, 125, 2, s1);
  rx_mld(ROUTER_LL, G1, 1, true, m, l);
  l = mk_q2(m, 1000, G1, 2, 125, 2, s2);
  rx_mld(ROUTER_LL, G1, 1, true, m, l);
  test_clock_advance(1000); /* the earlier deadline is kept */
  struct mld_msg o;
  assert_true(pop_mld(&o));
  assert_int_equal(get_be16(o.m + 6), 1);
  assert_int_equal(o.m[8], MLD6_MODE_IS_INCLUDE);
  assert_int_equal(get_be16(o.m + 10), 3);
  assert_addr6(o.m + 12, G1);
  assert_addr6(o.m + 28, "2001:db8::a");
  assert_addr6(o.m + 44, "2001:db8::b");
  assert_addr6(o.m + 60, "2001:db8::c");
  assert_int_equal(o.len, 8 + 20 + 48);
  test_clock_advance(5000);
  assert_int_equal(count_mld(), 0);
  /* a group-specific query while a source-specific answer is pending: the
   * answer becomes the whole group's */
  l = mk_q2(m, 1000, G1, 2, 125, 2, s1);
  rx_mld(ROUTER_LL, G1, 1, true, m, l);
  rx_q2(1000, G1, G1);
  test_clock_advance(1000);
  expect_v2_one(MLD6_MODE_IS_EXCLUDE, G1);
  /* more sources than are kept: answered for the whole group */
  const char *many[MLD6_QUERY_SOURCES_MAX + 1] = {"2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4",
                                                  "2001:db8::5"};
  u8_t big[28 + 16 * (MLD6_QUERY_SOURCES_MAX + 1)];
  l = mk_q2(big, 1000, G1, 2, 125, MLD6_QUERY_SOURCES_MAX + 1, many);
  rx_mld(ROUTER_LL, G1, 1, true, big, l);
  test_clock_advance(1000);
  expect_v2_one(MLD6_MODE_IS_EXCLUDE, G1);
  /* answers due together that do not fit one report go in several, each
   * within the link MTU (RFC 3810 5.2.15): 84-byte records (four sources
   * each), 17 to a 1500-byte link */
  int ng = MLD6_GROUPS - 5; /* all-nodes, two solicited-node groups, G1, G2 */
  assert_true(ng > 17);
  const char *four[4] = {"2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4"};
  for (int i = 0; i < ng; i++) {
    char name[32];
    snprintf(name, sizeof(name), "ff05::2:%x", i);
    ip6_addr_t gi = g6(name);
    assert_int_equal(mld6_joingroup_netif(nif, &gi), ERR_OK);
  }
  test_clock_advance(MLD6_UNSOLICITED_REPORT_INTERVAL_MS);
  test_frames_clear(&tn);
  for (int i = 0; i < ng; i++) {
    char name[32];
    snprintf(name, sizeof(name), "ff05::2:%x", i);
    l = mk_q2(big, 0, name, 2, 125, 4, four);
    rx_mld(ROUTER_LL, name, 1, true, big, l);
  }
  test_clock_advance(0);
  int total = 0, msgs = 0;
  while (pop_mld(&o)) {
    int n = get_be16(o.m + 6);
    assert_int_equal(o.len, 8 + n * 84);
    assert_true(40 + 8 + o.len <= 1500);
    for (int r = 0; r < n; r++) {
      assert_int_equal(o.m[8 + 84 * r], MLD6_MODE_IS_INCLUDE);
      assert_int_equal(get_be16(o.m + 8 + 84 * r + 2), 4);
    }
    total += n;
    msgs++;
  }
  assert_int_equal(total, ng);
  assert_int_equal(msgs, (ng + 16) / 17);
  /* two groups due together share one report */
  rx_q2(0, G1, G1);
  rx_q2(0, G2, G2);
  test_clock_advance(0);
  sys_check_timeouts();
  assert_true(pop_mld(&o));
  assert_int_equal(get_be16(o.m + 6), 2);
  assert_int_equal(count_mld(), 0);
}

static void test_mld6_v1_compat(void **state)
{
  (void)state;
  fixture();
  join_quiet(G1);
  /* a join's repeat still pending when the v1 query comes is cancelled */
  ip6_addr_t g2 = g6(G2);
  assert_int_equal(mld6_joingroup_netif(nif, &g2), ERR_OK);
  expect_v2_one(MLD6_CHANGE_TO_EXCLUDE, G2);
  rx_q1(3000, NULL, "ff02::1"); /* 24 bytes: MLDv1 (RFC 3810 8.1) */
  assert_int_equal(mld6_netif_version(nif), 1);
  /* RFC 3810 9.12: Robustness Variable * Query Interval + Query Response
   * Interval */
  assert_int_equal(mld6_v1_querier_left_ms(nif), 2 * 125000 + 10000);
  test_clock_advance(3000);
  /* one MLDv1 Report per group, to the group (RFC 2710 4) */
  int v1 = 0, seen = 0;
  struct mld_msg o;
  while (pop_mld(&o)) {
    assert_int_equal(o.m[0], 131);
    assert_int_equal(o.len, 24);
    assert_memory_equal(o.m + 8, o.s.ip + 24, 16);
    u8_t a[16];
    a6(G1, a);
    seen |= memcmp(o.m + 8, a, 16) == 0 ? 1 : 0;
    a6(G2, a);
    seen |= memcmp(o.m + 8, a, 16) == 0 ? 2 : 0;
    v1++;
  }
  assert_int_equal(v1, 4); /* G1, G2 and both solicited-node groups */
  assert_int_equal(seen, 3);
  /* join and leave in compatibility mode: a v1 Report, a Done to
   * all-routers */
  ip6_addr_t g = g6("ff05::77");
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  expect_v1(131, "ff05::77", "ff05::77");
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  expect_v1(132, "ff05::77", "ff02::2");
  test_clock_advance(MLD6_V1_UNSOLICITED_REPORT_INTERVAL_MS);
  assert_int_equal(count_mld(), 0); /* the left group's repeat is gone */
  /* an MLDv2 query is answered as MLDv1 while in the mode */
  rx_q2(1000, G1, G1);
  test_clock_advance(1000);
  expect_v1(131, G1, G1);
  /* another listener's v1 report suppresses ours (RFC 2710 4) */
  rx_q1(5000, G1, G1);
  u8_t rep[24];
  memset(rep, 0, sizeof(rep));
  rep[0] = 131;
  a6(G1, rep + 8);
  rx_mld("fe80::55", G1, 1, true, rep, sizeof(rep));
  test_clock_advance(5000);
  assert_int_equal(count_mld(), 0);
  /* a second v1 query restarts the timer; when it runs out, MLDv2 again */
  test_clock_advance(100000);
  rx_q1(1000, NULL, "ff02::1");
  assert_int_equal(mld6_v1_querier_left_ms(nif), 260000);
  test_clock_advance(259999);
  assert_int_equal(mld6_netif_version(nif), 1);
  test_frames_clear(&tn);
  test_clock_advance(1);
  assert_int_equal(mld6_netif_version(nif), 2);
  assert_int_equal(mld6_v1_querier_left_ms(nif), 0);
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  expect_v2_one(MLD6_CHANGE_TO_EXCLUDE, "ff05::77");
  test_clock_advance(MLD6_UNSOLICITED_REPORT_INTERVAL_MS);
  test_frames_clear(&tn);
  /* a QRV of 3 in an MLDv2 query: three reports for a join from now on,
   * and a longer compatibility timeout */
  u8_t m[28];
  size_t l = mk_q2(m, 1000, NULL, 3, 60, 0, NULL);
  rx_mld(ROUTER_LL, "ff02::1", 1, true, m, l);
  test_clock_advance(1000);
  assert_int_equal(count_mld(), 1);
  ip6_addr_t g3 = g6("ff05::78");
  assert_int_equal(mld6_joingroup_netif(nif, &g3), ERR_OK);
  test_clock_advance(2 * MLD6_UNSOLICITED_REPORT_INTERVAL_MS);
  assert_int_equal(count_mld(), 3);
  rx_q1(1000, NULL, "ff02::1");
  assert_int_equal(mld6_v1_querier_left_ms(nif), 3 * 60000 + 10000);
  test_clock_advance(1000);
  test_frames_clear(&tn);
}

static void test_mld6_malformed_queries(void **state)
{
  (void)state;
  fixture();
  join_quiet(G1);
#if LWIP_STATS
  u32_t tx0 = PROTO(MLD6).xmit;
#endif
  u8_t m[64];
  size_t l;
  /* hop limit other than 1, a global source, no Router Alert */
  l = mk_q2(m, 100, NULL, 2, 125, 0, NULL);
  rx_mld(ROUTER_LL, "ff02::1", 255, true, m, l);
  rx_mld("2001:db8::1", "ff02::1", 1, true, m, l);
  rx_mld("::", "ff02::1", 1, true, m, l);
  rx_mld(ROUTER_LL, "ff02::1", 1, false, m, l);
  /* lengths: 25, 20 and a v2 query whose sources go past its end */
  rx_mld(ROUTER_LL, "ff02::1", 1, true, m, 25);
  rx_mld(ROUTER_LL, "ff02::1", 1, true, m, 20);
  put_be16(m + 26, 2);
  rx_mld(ROUTER_LL, "ff02::1", 1, true, m, 28 + 16);
  /* a query about a unicast address, a General Query with sources, a
   * Router Alert of another value than MLD's */
  l = mk_q2(m, 100, "2001:db8::1", 2, 125, 0, NULL);
  rx_mld(ROUTER_LL, "ff02::1", 1, true, m, l);
  const char *one[1] = {"2001:db8::1"};
  l = mk_q2(m, 100, NULL, 2, 125, 1, one);
  rx_mld(ROUTER_LL, "ff02::1", 1, true, m, l);
  {
    u8_t s0[16], d0[16], p0[80], f0[160], mac0[6];
    l = mk_q2(m, 100, NULL, 2, 125, 0, NULL);
    a6(ROUTER_LL, s0);
    a6("ff02::1", d0);
    put_be16(m + 2, cksum6(s0, d0, 58, m, l));
    static const u8_t hbh1[8] = {58, 0, 5, 2, 0, 1, 1, 0}; /* RSVP's value */
    memcpy(p0, hbh1, 8);
    memcpy(p0 + 8, m, l);
    mcast_mac("ff02::1", mac0);
    test_rx(&tn, f0, mk6(f0, mac0, ROUTER_LL, "ff02::1", 0, 1, p0, 8 + l));
  }
  /* about all-nodes (never reported) */
  l = mk_q2(m, 100, "ff02::1", 2, 125, 0, NULL);
  rx_mld(ROUTER_LL, "ff02::1", 1, true, m, l);
  /* to a group not joined: ip6 drops it */
  l = mk_q2(m, 100, "ff05::999", 2, 125, 0, NULL);
  rx_mld(ROUTER_LL, "ff05::999", 1, true, m, l);
  /* reports and dones of others are ignored (ff02::16 is not joined) */
  memset(m, 0, 28);
  m[0] = 143;
  rx_mld("fe80::55", "ff02::16", 1, true, m, 8);
  rx_mld("fe80::55", "ff02::1", 1, true, m, 8);
  m[0] = 132;
  a6(G1, m + 8);
  rx_mld("fe80::55", "ff02::1", 1, true, m, 24);
  m[0] = 131;
  rx_mld("fe80::55", G1, 1, true, m, 24);
  /* a bad checksum (icmp6 counts it) */
  l = mk_q2(m, 100, NULL, 2, 125, 0, NULL);
  u8_t s[16], d[16], pl[40], f[120];
  a6(ROUTER_LL, s);
  a6("ff02::1", d);
  put_be16(m + 2, (u16_t)(cksum6(s, d, 58, m, l) ^ 0x1111));
  static const u8_t hbh[8] = {58, 0, 5, 2, 0, 0, 1, 0};
  memcpy(pl, hbh, 8);
  memcpy(pl + 8, m, l);
  u8_t mac[6];
  mcast_mac("ff02::1", mac);
  size_t fl = mk6(f, mac, ROUTER_LL, "ff02::1", 0, 1, pl, 8 + l);
  test_rx(&tn, f, fl);
  test_clock_advance(5000);
  assert_int_equal(count_mld(), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(MLD6_BAD_HOPLIM), 1);
  assert_int_equal(DROPS(MLD6_BAD_SRC), 2);
  assert_int_equal(DROPS(MLD6_NO_ROUTER_ALERT), 2);
  assert_int_equal(DROPS(MLD6_BAD_LEN), 3);
  assert_int_equal(DROPS(MLD6_BAD_QUERY), 2);
  assert_int_equal(DROPS(MLD6_NOT_MEMBER), 1);
  assert_int_equal(DROPS(IP6_NOT_JOINED), 2);
  assert_int_equal(DROPS(MLD6_OTHER_REPORT), 3);
  assert_int_equal(DROPS(ICMP6_BAD_CHKSUM), 1);
  assert_int_equal(PROTO(MLD6).recv, 14);
  assert_int_equal(PROTO(MLD6).drop, 14);
  assert_int_equal(PROTO(MLD6).xmit, tx0);
#endif
  /* a netif without NETIF_FLAG_MLD6 keeps its groups but stays silent */
  nif->flags &= (u8_t)~NETIF_FLAG_MLD6;
  rx_q2(100, NULL, "ff02::1");
  ip6_addr_t g = g6(G2);
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  assert_true(mld6_netif_has_group(nif, &g));
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  test_clock_advance(5000);
  assert_int_equal(count_mld(), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(MLD6_DISABLED), 1);
#endif
  nif->flags |= NETIF_FLAG_MLD6;
  /* the good query still works */
  rx_q2(100, NULL, "ff02::1");
  test_clock_advance(100);
  assert_int_equal(count_mld(), 1);
  /* RFC 3810 5.1.15: a query to any address of ours is processed: a
   * General Query to a group, group queries to all-nodes and to our
   * link-local address */
  rx_q2(100, NULL, G1);
  test_clock_advance(100);
  assert_int_equal(count_mld(), 1);
  rx_q2(100, G1, "ff02::1");
  test_clock_advance(100);
  expect_v2_one(MLD6_MODE_IS_EXCLUDE, G1);
  rx_q2(100, G1, OUR_LL);
  test_clock_advance(100);
  expect_v2_one(MLD6_MODE_IS_EXCLUDE, G1);
}

static void test_mld6_solicited_node_groups(void **state)
{
  (void)state;
  fixture();
  ip6_addr_t ll_sn = g6(LL_SN), gua_sn = g6(GUA_SN);
  assert_true(mld6_netif_has_group(nif, &ll_sn));
  assert_true(mld6_netif_has_group(nif, &gua_sn));
  /* a new address: its group is joined and reported while it is still
   * tentative (RFC 4862 5.4.2) */
  ip6_addr_t a = g6("2001:db8::77"), b = g6("2001:db8:1::77"), sn = g6("ff02::1:ff00:77");
  s8_t ia = -1, ib = -1;
  assert_int_equal(netif_add_ip6_address_prefix(nif, &a, 64, &ia), ERR_OK);
  assert_int_equal(netif_ip6_addr_state(nif, ia), IP6_ADDR_TENTATIVE);
  assert_true(mld6_netif_has_group(nif, &sn));
  assert_true(filtered("ff02::1:ff00:77", NETIF_ADD_MAC_FILTER));
  expect_v2_one(MLD6_CHANGE_TO_EXCLUDE, "ff02::1:ff00:77");
  /* NS for it reach DAD: the conflict is seen */
  u8_t body[16];
  a6("2001:db8::77", body);
  rx_icmp6(&tn, test_mac, "::", "ff02::1:ff00:77", 255, 135, 0, 0, body, sizeof(body));
  assert_int_equal(netif_ip6_addr_state(nif, ia), IP6_ADDR_DUPLICATED);
  /* a duplicate address leaves its group */
  assert_false(mld6_netif_has_group(nif, &sn));
  expect_v2_one(MLD6_CHANGE_TO_INCLUDE, "ff02::1:ff00:77");
  netif_ip6_addr_set_state(nif, ia, IP6_ADDR_INVALID);
  test_clock_advance(5000);
  test_frames_clear(&tn);
  /* two addresses sharing one group: it stays until both are gone */
  assert_int_equal(netif_add_ip6_address_prefix(nif, &a, 64, &ia), ERR_OK);
  assert_int_equal(netif_add_ip6_address_prefix(nif, &b, 64, &ib), ERR_OK);
  assert_int_equal(mld6_lookfor_group(nif, &sn)->use, 2);
  test_clock_advance(5000);
  assert_int_equal(netif_ip6_addr_state(nif, ib), IP6_ADDR_PREFERRED);
  test_frames_clear(&tn);
  netif_ip6_addr_set_state(nif, ia, IP6_ADDR_INVALID);
  assert_true(mld6_netif_has_group(nif, &sn));
  assert_int_equal(count_mld(), 0);
  /* changing the address of a slot moves it to the new group */
  ip6_addr_t c = g6("2001:db8:1::88");
  netif_ip6_addr_set(nif, ib, &c);
  assert_false(mld6_netif_has_group(nif, &sn));
  ip6_addr_t sn88 = g6("ff02::1:ff00:88");
  assert_true(mld6_netif_has_group(nif, &sn88));
  expect_v2_one(MLD6_CHANGE_TO_EXCLUDE, "ff02::1:ff00:88");
  expect_v2_one(MLD6_CHANGE_TO_INCLUDE, "ff02::1:ff00:77");
  /* removing it: an NS to the old group is no longer received */
  netif_ip6_addr_set(nif, ib, NULL);
  assert_false(mld6_netif_has_group(nif, &sn88));
#if LWIP_STATS
  u32_t before = DROPS(IP6_NOT_JOINED);
#endif
  a6("2001:db8:1::88", body);
  rx_icmp6(&tn, test_mac, PEER_LL, "ff02::1:ff00:88", 255, 135, 0, 0, body, sizeof(body));
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_NOT_JOINED), before + 1);
#endif
  test_clock_advance(5000);
  test_frames_clear(&tn);
}

static void test_mld6_ip6_accepts_joined_only(void **state)
{
  (void)state;
  fixture();
  u8_t data[4] = {1, 2, 3, 4};
#if LWIP_STATS
  u32_t icmp_rx = PROTO(ICMP6).recv;
#endif
  rx_icmp6(&tn, test_mac, PEER_LL, G1, 64, 128, 0, 0x00010001UL, data, sizeof(data));
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_NOT_JOINED), 1);
  assert_int_equal(PROTO(ICMP6).recv, icmp_rx);
#endif
  join_quiet(G1);
  rx_icmp6(&tn, test_mac, PEER_LL, G1, 64, 128, 0, 0x00010001UL, data, sizeof(data));
#if LWIP_STATS
  /* delivered now; ICMPv6 answers echo only to all-nodes */
  assert_int_equal(DROPS(IP6_NOT_JOINED), 1);
  assert_int_equal(PROTO(ICMP6).recv, icmp_rx + 1);
  assert_int_equal(DROPS(ICMP6_MCAST_ECHO), 1);
#endif
  ip6_addr_t g = g6(G1);
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  rx_icmp6(&tn, test_mac, PEER_LL, G1, 64, 128, 0, 0x00010001UL, data, sizeof(data));
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_NOT_JOINED), 2);
#endif
  /* all-nodes is always accepted */
  learn_peer(&tn, PEER_LL, OUR_LL);
  rx_icmp6(&tn, test_mac, PEER_LL, "ff02::1", 64, 128, 0, 0x00010001UL, data, sizeof(data));
  struct sent6 s;
  bool echoed = false;
  while (pop6(&tn, &s)) {
    echoed = echoed || (s.ip[6] == 58 && s.msg[0] == 129);
  }
  assert_true(echoed);
  test_clock_advance(5000);
  test_frames_clear(&tn);
}

static void test_mld6_link_and_removal(void **state)
{
  (void)state;
  fixture();
  join_quiet(G1);
  netif_set_link_down(nif);
  ip6_addr_t g = g6(G2);
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  assert_int_equal(count_mld(), 0); /* no link: nothing sent */
  rx_q2(100, NULL, "ff02::1");
  netif_set_link_up(nif);
  /* every group is reported when the link returns */
  int n = 0;
  struct mld_msg o;
  while (pop_mld(&o)) {
    assert_int_equal(o.m[0], 143);
    assert_int_equal(o.m[8], MLD6_CHANGE_TO_EXCLUDE);
    n++;
  }
  assert_int_equal(n, 4);
  test_clock_advance(MLD6_UNSOLICITED_REPORT_INTERVAL_MS);
  assert_int_equal(count_mld(), 4);
  /* a second netif removed while reports are pending frees everything */
  static struct test_netif tn2;
  struct netif *n2 = test_netif_add(&tn2, "10.0.0.1", "255.255.255.0", NULL, test_mac2);
  n2->flags |= NETIF_FLAG_MLD6;
  netif_set_mld_mac_filter(n2, filter_cb);
  nfcalls = 0;
  assert_int_equal(mld6_joingroup_netif(n2, &g), ERR_OK);
  assert_int_equal(nfcalls, 2); /* all-nodes, then the group */
  test_frames_clear(&tn2);
  u32_t used = memp_stats(MEMP_MLD6_GROUP)->used;
  netif_remove(n2);
  assert_int_equal(memp_stats(MEMP_MLD6_GROUP)->used, used - 2);
  assert_int_equal(nfcalls, 4);
  assert_int_equal(fcalls[2].action, NETIF_DEL_MAC_FILTER);
  assert_int_equal(fcalls[3].action, NETIF_DEL_MAC_FILTER);
  test_frames_clear(&tn2);
  struct mld6_group_info info;
  for (int i = 0; mld6_get_group_info(i, &info); i++) {
    assert_true(info.netif == nif);
    assert_false(info.reporting);
  }
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  test_clock_advance(5000);
  test_frames_clear(&tn);
}

static void test_mld6_pool_and_alloc_failures(void **state)
{
  (void)state;
  fixture();
  /* all-nodes and the two solicited-node groups hold entries already */
  u32_t used = memp_stats(MEMP_MLD6_GROUP)->used;
  assert_int_equal(used, 3);
  int joined = 0;
  err_t err = ERR_OK;
  for (int i = 0; i < MLD6_GROUPS + 1; i++) {
    ip6_addr_t g = g6("ff05::1000");
    g.addr[3] = lwip_htonl(0x1000U + (u32_t)i);
    err = mld6_joingroup_netif(nif, &g);
    if (err != ERR_OK) {
      break;
    }
    joined++;
  }
  assert_int_equal(err, ERR_MEM);
  assert_int_equal(joined, MLD6_GROUPS - 3);
#if LWIP_STATS
  assert_int_equal(DROPS(MLD6_POOL_FULL), 1);
  assert_true(memp_stats(MEMP_MLD6_GROUP)->err >= 1);
#endif
  /* a full pool also stops a new address's solicited-node group: counted */
  ip6_addr_t a = g6("2001:db8::99"), sn = g6("ff02::1:ff00:99");
  s8_t ia = -1;
  assert_int_equal(netif_add_ip6_address_prefix(nif, &a, 64, &ia), ERR_OK);
  assert_false(mld6_netif_has_group(nif, &sn));
#if LWIP_STATS
  assert_int_equal(DROPS(MLD6_POOL_FULL), 2);
#endif
  netif_ip6_addr_set_state(nif, ia, IP6_ADDR_INVALID);
  for (int i = 0; i < joined; i++) {
    ip6_addr_t g = g6("ff05::1000");
    g.addr[3] = lwip_htonl(0x1000U + (u32_t)i);
    assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  }
  test_clock_advance(5000);
  test_frames_clear(&tn);
  assert_int_equal(memp_stats(MEMP_MLD6_GROUP)->used, 3);
  /* every allocation of a join failing in turn */
  ip6_addr_t g = g6("ff05::777");
  u32_t k;
  for (k = 1; k < 20; k++) {
    nfcalls = 0;
    lwip_alloc_fail_after(k);
    err = mld6_joingroup_netif(nif, &g);
    lwip_alloc_fail_after(0);
    if (err != ERR_OK) {
      assert_int_equal(err, ERR_MEM);
      assert_int_equal(nfcalls, 0);
      assert_false(mld6_netif_has_group(nif, &g));
      continue;
    }
    if (count_mld() == 1) {
      break;
    }
    /* joined, but the report could not be built: counted */
#if LWIP_STATS
    assert_true(DROPS(MLD6_NO_MEM) >= 1);
#endif
    assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
    test_clock_advance(5000);
    test_frames_clear(&tn);
  }
  assert_true(k > 1 && k < 20);
  /* answers to a query under allocation failure: counted, nothing leaks */
  for (k = 1; k < 6; k++) {
    rx_q2(10, NULL, "ff02::1");
    lwip_alloc_fail_after(k);
    test_clock_advance(10);
    lwip_alloc_fail_after(0);
    test_frames_clear(&tn);
  }
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  test_clock_advance(5000);
  test_frames_clear(&tn);
  assert_int_equal(memp_stats(MEMP_MLD6_GROUP)->used, 3);
}

#endif /* LWIP_IPV6 */

int main(void)
{
#if LWIP_IPV6
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_mld6_startup, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_join_reports, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_leave, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_bad_joins, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_general_query, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_group_queries, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_v1_compat, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_malformed_queries, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_solicited_node_groups, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_ip6_accepts_joined_only, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_link_and_removal, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_mld6_pool_and_alloc_failures, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("mld6", tests, NULL, NULL);
#else
  return 0;
#endif
}
