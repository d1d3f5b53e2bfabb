/* Unit tests for core/ipv4/igmp.c (RFC 2236 host side): the exact bytes of
 * reports and leaves, report timers, query handling, suppression, the MAC
 * filter and every drop. */
#include "test_common.h"

#include <stdlib.h>
#include <arpa/inet.h>

#include "lwip/igmp.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/igmp.h"

#if LWIP_IGMP

#define OUR_IP "192.168.1.10"
#define ROUTER_IP "192.168.1.1"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

static struct test_netif tn;
static struct netif *nif;

/* ---- MAC filter recorder ---- */
struct filt_call {
  u32_t group;
  enum netif_mac_filter_action action;
};
static struct filt_call fcalls[64];
static int nfcalls;

static err_t filter_cb(struct netif *netif, const ip4_addr_t *group, enum netif_mac_filter_action action)
{
  (void)netif;
  assert_true(nfcalls < 64);
  fcalls[nfcalls].group = group->addr;
  fcalls[nfcalls].action = action;
  nfcalls++;
  return ERR_OK;
}

static void fixture(void)
{
  nfcalls = 0;
  nif = test_netif_add(&tn, OUR_IP, "255.255.255.0", ROUTER_IP, test_mac);
  netif_set_igmp_mac_filter(nif, filter_cb);
}

static ip4_addr_t grp(const char *dotted)
{
  ip4_addr_t a;
  a.addr = test_ip(dotted);
  return a;
}

/* Pop one frame and check it is exactly the IGMPv2 message @p type about
 * @p group sent to @p dst: Ethernet to the group MAC, IP header with
 * Router Alert (RFC 2113), TTL 1, both checksums. */
static void expect_igmp(u8_t type, const char *group, const char *dst)
{
  u8_t out[128], exp[14 + 24 + 8];
  int n = test_pop_ip_bytes(&tn, out, sizeof(out));
  assert_true(n >= (int)sizeof(exp));
  u32_t d = ntohl(test_ip(dst));
  const u8_t mac[6] = {0x01, 0x00, 0x5e, (u8_t)((d >> 16) & 0x7f), (u8_t)(d >> 8), (u8_t)d};
  test_eth_hdr(exp, mac, test_mac, 0x0800);
  u8_t *ip = exp + 14;
  memset(ip, 0, 24 + 8);
  ip[0] = 0x46;
  put_be16(ip + 2, 32);
  memcpy(ip + 4, out + 14 + 4, 2); /* identification: whatever IP chose */
  ip[8] = 1;
  ip[9] = IP_PROTO_IGMP;
  u32_t s = test_ip(OUR_IP), dn = test_ip(dst), g = test_ip(group);
  memcpy(ip + 12, &s, 4);
  memcpy(ip + 16, &dn, 4);
  ip[20] = 148;
  ip[21] = 4;
  put_be16(ip + 10, test_cksum(ip, 24, 0));
  u8_t *igmp = ip + 24;
  igmp[0] = type;
  memcpy(igmp + 4, &g, 4);
  put_be16(igmp + 2, test_cksum(igmp, 8, 0));
  assert_memory_equal(out, exp, sizeof(exp));
}

static void expect_report(const char *group)
{
  expect_igmp(IGMP_V2_MEMB_REPORT, group, group);
}

/* Receive an IGMP message (no IP options) from the router. */
static void rx_igmp_raw(const char *src, const char *dst, const u8_t *msg, size_t len, size_t chunk)
{
  u8_t frame[128];
  size_t n = test_eth_ip4(frame, src, dst, IP_PROTO_IGMP, msg, len);
  u32_t d = ntohl(test_ip(dst));
  const u8_t mac[6] = {0x01, 0x00, 0x5e, (u8_t)((d >> 16) & 0x7f), (u8_t)(d >> 8), (u8_t)d};
  memcpy(frame, mac, 6);
  if (chunk) {
    test_rx_chunked(&tn, frame, n, chunk);
  } else {
    test_rx(&tn, frame, n);
  }
}

static void rx_igmp(u8_t type, u8_t maxresp, const char *group, const char *dst)
{
  u8_t msg[8];
  msg[0] = type;
  msg[1] = maxresp;
  msg[2] = msg[3] = 0;
  u32_t g = group ? test_ip(group) : 0;
  memcpy(msg + 4, &g, 4);
  put_be16(msg + 2, test_cksum(msg, 8, 0));
  rx_igmp_raw(ROUTER_IP, dst, msg, sizeof(msg), 0);
}

/* Join and let the unsolicited reports go by. */
static void join_quiet(const char *group)
{
  ip4_addr_t g = grp(group);
  assert_int_equal(igmp_joingroup_netif(nif, &g), ERR_OK);
  test_clock_advance(IGMP_UNSOLICITED_REPORT_INTERVAL_MS + 1000);
  test_frames_clear(&tn);
}

/* ------------------------------------------------------------------ */

static void test_igmp_join_reports(void **state)
{
  (void)state;
  fixture();
  ip4_addr_t g = grp("239.1.2.3");
  assert_int_equal(igmp_joingroup_netif(nif, &g), ERR_OK);
  assert_int_equal(nfcalls, 1);
  assert_int_equal(fcalls[0].group, g.addr);
  assert_int_equal(fcalls[0].action, NETIF_ADD_MAC_FILTER);
  /* one report at once */
  assert_int_equal(test_frames_ip_only(&tn), 1);
  expect_report("239.1.2.3");
  struct igmp_group *e = igmp_lookfor_group(nif, &g);
  assert_non_null(e);
  assert_int_equal(e->use, 1);
  assert_int_equal(e->group_state, IGMP_GROUP_DELAYING_MEMBER);
  assert_int_equal(e->last_reporter_flag, 1);
  /* RFC 2236 3: repeated once after a short random delay */
  test_clock_advance(IGMP_UNSOLICITED_REPORT_INTERVAL_MS);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  expect_report("239.1.2.3");
  assert_int_equal(e->group_state, IGMP_GROUP_IDLE_MEMBER);
  test_clock_advance(60000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* idle: no timer left armed */
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
#if LWIP_STATS
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_IGMP].xmit, 2);
#endif
  /* the all-systems group is there but never reported (RFC 2236 6) */
  ip4_addr_t all = grp("224.0.0.1");
  assert_non_null(igmp_lookfor_group(nif, &all));
  assert_int_equal(nif->igmp_groups->group_address.addr, all.addr);
}

static void test_igmp_join_count_and_leave(void **state)
{
  (void)state;
  fixture();
  ip4_addr_t g = grp("239.1.2.3");
  assert_int_equal(igmp_joingroup_netif(nif, &g), ERR_OK);
  assert_int_equal(igmp_joingroup_netif(nif, &g), ERR_OK);
  assert_int_equal(igmp_lookfor_group(nif, &g)->use, 2);
  assert_int_equal(test_frames_ip_only(&tn), 1); /* the second join reports nothing */
  test_clock_advance(IGMP_UNSOLICITED_REPORT_INTERVAL_MS);
  test_frames_clear(&tn);
  assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  assert_non_null(igmp_lookfor_group(nif, &g));
  assert_int_equal(nfcalls, 1);
  assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  expect_igmp(IGMP_LEAVE_GROUP, "239.1.2.3", "224.0.0.2");
  assert_null(igmp_lookfor_group(nif, &g));
  assert_int_equal(nfcalls, 2);
  assert_int_equal(fcalls[1].group, g.addr);
  assert_int_equal(fcalls[1].action, NETIF_DEL_MAC_FILTER);
  assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_VAL);
  /* leaving right after joining cancels the pending repeat */
  assert_int_equal(igmp_joingroup_netif(nif, &g), ERR_OK);
  assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
  expect_report("239.1.2.3");
  expect_igmp(IGMP_LEAVE_GROUP, "239.1.2.3", "224.0.0.2");
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  test_clock_advance(20000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
}

static void test_igmp_bad_joins(void **state)
{
  (void)state;
  fixture();
  ip4_addr_t u = grp("10.0.0.1"), all = grp("224.0.0.1"), g = grp("239.0.0.9");
  ip4_addr_t ours = grp(OUR_IP), other = grp("10.1.1.1");
  assert_int_equal(igmp_joingroup_netif(nif, &u), ERR_VAL);
  assert_int_equal(igmp_joingroup_netif(nif, &all), ERR_VAL);
  assert_int_equal(igmp_joingroup(IP4_ADDR_ANY4, &u), ERR_VAL);
  assert_int_equal(igmp_leavegroup_netif(nif, &all), ERR_VAL);
  assert_int_equal(igmp_joingroup(&other, &g), ERR_VAL); /* no netif with that address */
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* by interface address, and on every netif */
  assert_int_equal(igmp_joingroup(&ours, &g), ERR_OK);
  assert_int_equal(igmp_joingroup(IP4_ADDR_ANY4, &g), ERR_OK);
  assert_int_equal(igmp_lookfor_group(nif, &g)->use, 2);
  assert_int_equal(igmp_leavegroup(IP4_ADDR_ANY4, &g), ERR_OK);
  assert_int_equal(igmp_leavegroup(&ours, &g), ERR_OK);
  assert_null(igmp_lookfor_group(nif, &g));
  assert_int_equal(igmp_leavegroup(&ours, &g), ERR_VAL);
  /* a netif without IGMP */
  nif->flags = (u8_t)(nif->flags & ~NETIF_FLAG_IGMP);
  assert_int_equal(igmp_joingroup_netif(nif, &g), ERR_VAL);
  nif->flags |= NETIF_FLAG_IGMP;
  test_frames_clear(&tn);
}

static void test_igmp_general_query(void **state)
{
  (void)state;
  fixture();
  join_quiet("239.1.1.1");
  join_quiet("239.2.2.2");
  /* max response 5 s */
  rx_igmp(IGMP_MEMB_QUERY, 50, NULL, "224.0.0.1");
  assert_int_equal(test_frames_ip_only(&tn), 0); /* delayed, never at once */
  test_clock_advance(5000);
  assert_int_equal(test_frames_ip_only(&tn), 2);
  bool got1 = false, got2 = false;
  for (int i = 0; i < 2; i++) {
    u8_t out[128];
    assert_true(test_pop_ip_bytes(&tn, out, sizeof(out)) > 0);
    u32_t g;
    memcpy(&g, out + 14 + 24 + 4, 4);
    assert_int_equal(out[14 + 24], IGMP_V2_MEMB_REPORT);
    got1 |= g == test_ip("239.1.1.1");
    got2 |= g == test_ip("239.2.2.2");
  }
  assert_true(got1 && got2);
  test_clock_advance(30000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* a general query to a unicast or group destination is bogus */
  rx_igmp(IGMP_MEMB_QUERY, 50, NULL, "239.1.1.1");
  test_clock_advance(6000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IGMP_BAD_DEST), 1);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_IGMP].recv, 2);
#endif
}

static void test_igmp_v1_query(void **state)
{
  (void)state;
  fixture();
  join_quiet("239.1.1.1");
  /* RFC 2236 4: max response 0 is an IGMPv1 query, answered within 10 s */
  rx_igmp(IGMP_MEMB_QUERY, 0, NULL, "224.0.0.1");
  test_clock_advance(10000);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  expect_report("239.1.1.1");
  test_clock_advance(30000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* the delays are random, not all at the maximum */
  int early = 0;
  for (int i = 0; i < 10; i++) {
    rx_igmp(IGMP_MEMB_QUERY, 0, NULL, "224.0.0.1");
    test_clock_advance(5000);
    if (test_frames_ip_only(&tn) == 1) {
      early++;
    }
    test_clock_advance(5000);
    assert_int_equal(test_frames_ip_only(&tn), 1);
    test_frames_clear(&tn);
  }
  assert_true(early > 0 && early < 10);
}

static void test_igmp_group_specific_query(void **state)
{
  (void)state;
  fixture();
  join_quiet("239.1.1.1");
  join_quiet("239.2.2.2");
  rx_igmp(IGMP_MEMB_QUERY, 20, "239.2.2.2", "239.2.2.2");
  test_clock_advance(2000);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  expect_report("239.2.2.2");
  /* group-specific query not sent to the group */
  rx_igmp(IGMP_MEMB_QUERY, 20, "239.2.2.2", "224.0.0.1");
  test_clock_advance(3000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IGMP_BAD_DEST), 1);
#endif
  /* about a group we are not in (delivered because all-systems is joined
   * and the destination is checked after the group) */
  rx_igmp(IGMP_MEMB_QUERY, 20, "239.3.3.3", "224.0.0.1");
#if LWIP_STATS
  assert_int_equal(DROPS(IGMP_BAD_DEST), 2);
#endif
  test_clock_advance(3000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
}

static void test_igmp_query_shortens_timer(void **state)
{
  (void)state;
  fixture();
  join_quiet("239.1.1.1");
  for (int i = 0; i < 5; i++) {
    /* a 25.5 s query, then a 0.3 s one: the report comes within 0.3 s */
    rx_igmp(IGMP_MEMB_QUERY, 255, NULL, "224.0.0.1");
    ip4_addr_t g = grp("239.1.1.1");
    u16_t before = igmp_lookfor_group(nif, &g)->timer_ms;
    rx_igmp(IGMP_MEMB_QUERY, 3, "239.1.1.1", "239.1.1.1");
    if (before <= 300) {
      assert_int_equal(igmp_lookfor_group(nif, &g)->timer_ms, before);
    }
    test_clock_advance(300);
    assert_int_equal(test_frames_ip_only(&tn), 1);
    expect_report("239.1.1.1");
    test_clock_advance(30000);
    assert_int_equal(test_frames_ip_only(&tn), 0);
  }
  /* a longer query does not postpone a pending report */
  rx_igmp(IGMP_MEMB_QUERY, 10, NULL, "224.0.0.1");
  rx_igmp(IGMP_MEMB_QUERY, 255, NULL, "224.0.0.1");
  test_clock_advance(1000);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);
}

static void test_igmp_report_suppression(void **state)
{
  (void)state;
  fixture();
  join_quiet("239.1.1.1");
  ip4_addr_t g = grp("239.1.1.1");
  assert_int_equal(igmp_lookfor_group(nif, &g)->last_reporter_flag, 1);
  rx_igmp(IGMP_MEMB_QUERY, 100, NULL, "224.0.0.1");
  /* another member answers first: we stay quiet ... */
  rx_igmp(IGMP_V2_MEMB_REPORT, 0, "239.1.1.1", "239.1.1.1");
  test_clock_advance(11000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  assert_int_equal(igmp_lookfor_group(nif, &g)->last_reporter_flag, 0);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  /* ... and do not send the Leave (RFC 2236 3) */
  assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* a v1 report suppresses the unsolicited repeat after a join */
  assert_int_equal(igmp_joingroup_netif(nif, &g), ERR_OK);
  expect_report("239.1.1.1");
  rx_igmp(IGMP_V1_MEMB_REPORT, 0, "239.1.1.1", "239.1.1.1");
  test_clock_advance(IGMP_UNSOLICITED_REPORT_INTERVAL_MS + 1000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* a report for a group we are not in, and one sent elsewhere */
  rx_igmp(IGMP_V2_MEMB_REPORT, 0, "239.9.9.9", "224.0.0.1");
#if LWIP_STATS
  assert_int_equal(DROPS(IGMP_BAD_DEST), 1);
#endif
  assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
}

static void test_igmp_malformed(void **state)
{
  (void)state;
  fixture();
  join_quiet("239.1.1.1");
  u8_t msg[12];
  /* too short */
  memset(msg, 0, sizeof(msg));
  msg[0] = IGMP_MEMB_QUERY;
  put_be16(msg + 2, test_cksum(msg, 4, 0));
  rx_igmp_raw(ROUTER_IP, "224.0.0.1", msg, 4, 0);
  /* bad checksum */
  msg[1] = 10;
  put_be16(msg + 2, 0x1234);
  rx_igmp_raw(ROUTER_IP, "224.0.0.1", msg, 8, 0);
  /* unknown type, and a Leave (for routers only) */
  memset(msg, 0, sizeof(msg));
  msg[0] = 0x22;
  put_be16(msg + 2, test_cksum(msg, 8, 0));
  rx_igmp_raw(ROUTER_IP, "224.0.0.1", msg, 8, 0);
  memset(msg, 0, sizeof(msg));
  msg[0] = IGMP_LEAVE_GROUP;
  u32_t g = test_ip("239.1.1.1");
  memcpy(msg + 4, &g, 4);
  put_be16(msg + 2, test_cksum(msg, 8, 0));
  rx_igmp_raw(ROUTER_IP, "239.1.1.1", msg, 8, 0);
  /* a group-specific query for a group we are not in */
  rx_igmp(IGMP_MEMB_QUERY, 10, "239.5.5.5", "239.5.5.5");
#if LWIP_STATS
  assert_int_equal(DROPS(IGMP_SHORT), 1);
  assert_int_equal(DROPS(IGMP_BAD_CHKSUM), 1);
  assert_int_equal(DROPS(IGMP_UNKNOWN_TYPE), 2);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_IGMP].chkerr, 1);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_IGMP].lenerr, 1);
#endif
  test_clock_advance(5000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* a 12-byte (IGMPv3-style) query, chained, is still a query */
  memset(msg, 0, sizeof(msg));
  msg[0] = IGMP_MEMB_QUERY;
  msg[1] = 10;
  put_be16(msg + 2, test_cksum(msg, 12, 0));
  rx_igmp_raw(ROUTER_IP, "224.0.0.1", msg, 12, 5);
  test_clock_advance(1000);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  expect_report("239.1.1.1");
}

static void test_igmp_link_and_removal(void **state)
{
  (void)state;
  fixture();
  netif_set_link_down(nif);
  ip4_addr_t g = grp("239.4.4.4");
  assert_int_equal(igmp_joingroup_netif(nif, &g), ERR_OK);
  assert_int_equal(test_frames_ip_only(&tn), 0); /* no link: nothing sent */
  netif_set_link_up(nif);
  /* reported when the link comes back (with the repeat later) */
  int reports = 0;
  u8_t out[128];
  int n;
  while ((n = test_pop_ip_bytes(&tn, out, sizeof(out))) > 0) {
    if (n >= 14 + 32 && out[14 + 9] == IP_PROTO_IGMP) {
      assert_int_equal(out[14 + 24], IGMP_V2_MEMB_REPORT);
      reports++;
    }
  }
  assert_int_equal(reports, 1);
  test_clock_advance(IGMP_UNSOLICITED_REPORT_INTERVAL_MS);
  expect_report("239.4.4.4");
  /* a second netif removed while a report is pending frees everything */
  static struct test_netif tn2;
  struct netif *n2 = test_netif_add(&tn2, "10.0.0.1", "255.255.255.0", NULL, test_mac2);
  netif_set_igmp_mac_filter(n2, filter_cb);
  nfcalls = 0;
  assert_int_equal(igmp_joingroup_netif(n2, &g), ERR_OK);
  assert_int_equal(test_frames_ip_only(&tn2), 1);
  netif_remove(n2);
  assert_int_equal(nfcalls, 3); /* add g, then delete g and all-systems */
  assert_int_equal(fcalls[1].action, NETIF_DEL_MAC_FILTER);
  assert_int_equal(fcalls[2].action, NETIF_DEL_MAC_FILTER);
  test_frames_clear(&tn2);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  test_clock_advance(20000);
  assert_int_equal(test_frames_ip_only(&tn2), 0);
  assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
  test_frames_clear(&tn);
}

static void test_igmp_pool_exhaustion(void **state)
{
  (void)state;
  fixture();
  /* all-systems holds one entry already */
  int joined = 0;
  err_t err = ERR_OK;
  for (int i = 0; i < IGMP_GROUPS + 1; i++) {
    ip4_addr_t g;
    g.addr = htonl(0xef000000U + (u32_t)i + 1U);
    err = igmp_joingroup_netif(nif, &g);
    if (err != ERR_OK) {
      break;
    }
    joined++;
  }
  assert_int_equal(err, ERR_MEM);
  assert_int_equal(joined, IGMP_GROUPS - 1);
  for (int i = 0; i < joined; i++) {
    ip4_addr_t g;
    g.addr = htonl(0xef000000U + (u32_t)i + 1U);
    assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
  }
  test_frames_clear(&tn);
  /* every allocation of a join failing in turn */
  ip4_addr_t g = grp("239.7.7.7");
  u32_t k;
  for (k = 1; k < 20; k++) {
    nfcalls = 0;
    lwip_alloc_fail_after(k);
    err = igmp_joingroup_netif(nif, &g);
    lwip_alloc_fail_after(0);
    if (err != ERR_OK) {
      assert_int_equal(err, ERR_MEM);
      assert_int_equal(nfcalls, 0);
      assert_null(igmp_lookfor_group(nif, &g));
      continue;
    }
    if (test_frames_ip_only(&tn) == 1) {
      break;
    }
    /* joined, but the report could not be built: counted */
#if LWIP_STATS
    assert_true(DROPS(IGMP_NO_MEM) >= 1);
#endif
    assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
    test_frames_clear(&tn);
  }
  assert_true(k > 1 && k < 20);
  expect_report("239.7.7.7");
  assert_int_equal(igmp_leavegroup_netif(nif, &g), ERR_OK);
  test_frames_clear(&tn);
}

#endif /* LWIP_IGMP */

int main(void)
{
#if LWIP_IGMP
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_igmp_join_reports, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_igmp_join_count_and_leave, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_igmp_bad_joins, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_igmp_general_query, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_igmp_v1_query, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_igmp_group_specific_query, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_igmp_query_shortens_timer, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_igmp_report_suppression, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_igmp_malformed, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_igmp_link_and_removal, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_igmp_pool_exhaustion, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("igmp", tests, NULL, NULL);
#else
  return 0;
#endif
}
