/* Unit tests for core/ipv6/nd6_router.c on the virtual clock: Router
 * Advertisements into the default router and prefix lists and the netif's
 * parameters, lifetimes counting down and expiring, SLAAC with DAD, the
 * two-hour rule, RFC 7217 retries after a DAD conflict, the MTU, RDNSS,
 * DNSSL and Route Information options, router selection with RFC 4191
 * preferences, Redirect from the first-hop router only, bounded lists
 * under a flood, and allocation failures.  Packets are built here with
 * the helpers of test_ip6_util.h, independently of the code under test. */
#include "test_ip6_util.h"

#include "lwip/prot/nd6.h"

#include <stdio.h>

static struct test_netif tn;
static struct netif *nif;

static const u8_t allnodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
static const u8_t peer_mac2[6] = {0x02, 0, 0, 0, 0, 0xbb};

#define RTR_LL "fe80::1"
#define RTR2_LL "fe80::2"

/* ------------------------------------------------------------------ */
/* Option builders: each writes one option at @p o, returns its length. */

static size_t opt_lla(u8_t *o, u8_t type, const u8_t mac[6])
{
  o[0] = type;
  o[1] = 1;
  memcpy(o + 2, mac, 6);
  return 8;
}

static size_t opt_pio(u8_t *o, const char *prefix, u8_t plen, u8_t flags, u32_t valid, u32_t pref)
{
  memset(o, 0, 32);
  o[0] = ND6_OPT_PREFIX;
  o[1] = 4;
  o[2] = plen;
  o[3] = flags;
  put_be32(o + 4, valid);
  put_be32(o + 8, pref);
  a6(prefix, o + 16);
  return 32;
}

static size_t opt_mtu(u8_t *o, u32_t mtu)
{
  memset(o, 0, 8);
  o[0] = ND6_OPT_MTU;
  o[1] = 1;
  put_be32(o + 4, mtu);
  return 8;
}

static size_t opt_rdnss(u8_t *o, u32_t lifetime, const char *a1, const char *a2)
{
  size_t n = a2 != NULL ? 2 : 1;
  memset(o, 0, 8 + 16 * n);
  o[0] = ND6_OPT_RDNSS;
  o[1] = (u8_t)(1 + 2 * n);
  put_be32(o + 4, lifetime);
  a6(a1, o + 8);
  if (a2 != NULL) {
    a6(a2, o + 24);
  }
  return 8 + 16 * n;
}

/* DNSSL with the names in @p wire (DNS wire form, @p wlen bytes), padded. */
static size_t opt_dnssl(u8_t *o, u32_t lifetime, const u8_t *wire, size_t wlen)
{
  size_t len = (8 + wlen + 7) / 8 * 8;
  memset(o, 0, len);
  o[0] = ND6_OPT_DNSSL;
  o[1] = (u8_t)(len / 8);
  put_be32(o + 4, lifetime);
  memcpy(o + 8, wire, wlen);
  return len;
}

static size_t opt_rio(u8_t *o, const char *prefix, u8_t plen, u8_t prf, u32_t lifetime)
{
  u8_t a[16];
  a6(prefix, a);
  u8_t units = plen > 64 ? 3 : (plen > 0 ? 2 : 1);
  memset(o, 0, units * 8U);
  o[0] = ND6_OPT_RIO;
  o[1] = units;
  o[2] = plen;
  o[3] = (u8_t)(prf << 3);
  put_be32(o + 4, lifetime);
  memcpy(o + 8, a, (units - 1U) * 8U);
  return units * 8U;
}

/* A Router Advertisement from @p src to all-nodes with hop limit @p hl. */
static void rx_ra_hl(const char *src, u8_t hl, u8_t cur_hl, u8_t flags, u16_t lifetime, u32_t reachable, u32_t retrans,
                     const u8_t *opts, size_t olen)
{
  u8_t body[1400];
  assert_true(olen + 8 <= sizeof(body));
  put_be32(body, reachable);
  put_be32(body + 4, retrans);
  if (olen > 0) {
    memcpy(body + 8, opts, olen);
  }
  rx_icmp6(&tn, allnodes_mac, src, "ff02::1", hl, 134, 0, ((u32_t)cur_hl << 24) | ((u32_t)flags << 16) | lifetime, body,
           8 + olen);
}

static void rx_ra(const char *src, u16_t lifetime, const u8_t *opts, size_t olen)
{
  rx_ra_hl(src, 255, 0, 0, lifetime, 0, 0, opts, olen);
}

/* The usual RA: router RTR_LL with its MAC, lifetime 1800, prefix
 * 2001:db8:1::/64 on-link and autonomous. */
static void rx_ra_std(u32_t valid, u32_t pref)
{
  u8_t o[64];
  size_t n = opt_lla(o, ND6_OPT_SLLA, peer_mac);
  n += opt_pio(o + n, "2001:db8:1::", 64, ND6_PIO_FLAG_ONLINK | ND6_PIO_FLAG_AUTO, valid, pref);
  rx_ra(RTR_LL, 1800, o, n);
}

static void rx_redirect(const char *src, const char *target, const char *dest, const u8_t *tll)
{
  u8_t body[48];
  a6(target, body);
  a6(dest, body + 16);
  size_t bl = 32;
  if (tll != NULL) {
    bl += opt_lla(body + 32, ND6_OPT_TLLA, tll);
  }
  rx_icmp6(&tn, test_mac, src, OUR_LL, 255, 137, 0, 0, body, bl);
}

/* Skip a test the build's sizes cannot hold (the minimal profile with
 * -Dipv6=enabled has two address slots and two routers); the daemon
 * profile runs them all. */
#define NEED(cond)                                                                                                     \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      skip();                                                                                                          \
    }                                                                                                                  \
  } while (0)

static int find_router(const char *addr, struct nd6_router_info *out)
{
  ip6_addr_t a = ip6(addr);
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    if (nd6_get_router_info(i, out) && ip6_addr_eq_nozone(&out->addr, &a)) {
      return i;
    }
  }
  return -1;
}

static int find_prefix(const char *prefix, struct nd6_prefix_info *out)
{
  ip6_addr_t a = ip6(prefix);
  for (int i = 0; i < ND6_NUM_PREFIXES; i++) {
    if (nd6_get_prefix_info(i, out) && ip6_addr_eq_nozone(&out->prefix, &a)) {
      return i;
    }
  }
  return -1;
}

static int count_routers(void)
{
  struct nd6_router_info r;
  int n = 0;
  for (int i = 0; i < ND6_NUM_ROUTERS; i++) {
    n += nd6_get_router_info(i, &r) ? 1 : 0;
  }
  return n;
}

static int count_prefixes(void)
{
  struct nd6_prefix_info r;
  int n = 0;
  for (int i = 0; i < ND6_NUM_PREFIXES; i++) {
    n += nd6_get_prefix_info(i, &r) ? 1 : 0;
  }
  return n;
}

static s8_t addr_slot(const char *addr)
{
  ip6_addr_t a = ip6(addr);
  return netif_get_ip6_addr_match(nif, &a);
}

/* The slot of the SLAAC address of @p nif, -1 when none. */
static s8_t slaac_slot(void)
{
  for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (!ip6_addr_isinvalid(nif->ip6_addr_state[i]) && nif->ip6_addr_origin[i] == NETIF_IP6_ORIGIN_SLAAC) {
      return i;
    }
  }
  return -1;
}

static void expect_next_hop(const char *dest, const char *hop)
{
  ip6_addr_t d = ip6(dest), h;
  assert_true(nd6_next_hop(nif, &d, &h));
  ip6_addr_t want = ip6(hop);
  assert_true(ip6_addr_eq_nozone(&h, &want));
}

static enum nd6_state neighbor(const char *addr, bool *is_router)
{
  ip6_addr_t a = ip6(addr);
  struct nd6_neighbor_info info;
  for (int i = 0; i < ND6_NUM_NEIGHBORS; i++) {
    if (nd6_get_neighbor_info(i, &info) && ip6_addr_eq_nozone(&info.addr, &a)) {
      if (is_router != NULL) {
        *is_router = info.is_router;
      }
      return info.state;
    }
  }
  return ND6_NO_ENTRY;
}

/* ------------------------------------------------------------------ */

/* An RA fills the router and prefix lists and the netif's parameters,
 * stops router solicitation, and SLAAC forms an address that passes DAD. */
static void test_ra_router_prefix_slaac(void **state)
{
  (void)state;
  nif = test_netif_add(&tn, "192.168.1.10", "255.255.255.0", NULL, test_mac);
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 1), ERR_OK);
  test_clock_advance(2100); /* link-local DAD done; RS pending */
  assert_true(nif->rs_left > 0);
  test_frames_clear(&tn);
  /* 6.3.7: an RA with Router Lifetime 0 does not end solicitation */
  rx_ra(RTR2_LL, 0, NULL, 0);
  assert_true(nif->rs_left > 0);

  u8_t o[64];
  size_t n = opt_lla(o, ND6_OPT_SLLA, peer_mac);
  n += opt_pio(o + n, "2001:db8:1::", 64, ND6_PIO_FLAG_ONLINK | ND6_PIO_FLAG_AUTO, 3600, 1800);
  rx_ra_hl(RTR_LL, 255, 42, ND6_RA_FLAG_OTHER | (ND6_PRF_HIGH << 3), 1800, 20000, 500, o, n);

  assert_int_equal(nif->rs_left, 0); /* 6.3.7: no more solicitations */
  struct nd6_router_info r;
  assert_true(find_router(RTR_LL, &r) >= 0);
  assert_ptr_equal(r.netif, nif);
  assert_int_equal(r.lifetime_left_s, 1800);
  assert_int_equal(r.preference, 1);
  assert_true(r.reachable); /* STALE entry from the SLLA option */
  bool is_router = false;
  assert_int_equal(neighbor(RTR_LL, &is_router), ND6_STALE);
  assert_true(is_router);

  struct nd6_prefix_info p;
  assert_true(find_prefix("2001:db8:1::", &p) >= 0);
  assert_int_equal(p.prefix_len, 64);
  assert_true(p.onlink);
  assert_true(p.autonomous);
  assert_int_equal(p.valid_left_s, 3600);
  assert_int_equal(p.pref_left_s, 1800);

  struct nd6_ra_params ra;
  assert_true(nd6_get_ra_params(nif, &ra));
  assert_true(ra.ra_seen);
  assert_int_equal(ra.cur_hop_limit, 42);
  assert_int_equal(nd6_hop_limit(nif), 42);
  assert_int_equal(ra.base_reachable_ms, 20000);
  assert_int_equal(ra.retrans_ms, 500);
  assert_false(ra.managed);
  assert_true(ra.other);
  assert_int_equal(ra.mtu, 0);
  /* implausible times (above MAX_REACHABLE_TIME) are not taken */
  rx_ra_hl(RTR_LL, 255, 0, 0, 1800, 0xffffffffUL, 0x80000000UL, NULL, 0);
  assert_true(nd6_get_ra_params(nif, &ra));
  assert_int_equal(ra.base_reachable_ms, 20000);
  assert_int_equal(ra.retrans_ms, 500);

  /* SLAAC: modified EUI-64 (the link-local was made from the MAC) */
  s8_t idx = addr_slot("2001:db8:1::ff:fe00:1");
  assert_true(idx > 0);
  assert_int_equal(nif->ip6_addr_origin[idx], NETIF_IP6_ORIGIN_SLAAC);
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_TENTATIVE);
  assert_int_equal(nif->ip6_addr_prefix_len[idx], 64);
  test_clock_advance(1000);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_int_equal(s.msg[0], 135); /* DAD from :: */
  assert_addr6(s.ip + 8, "::");
  assert_addr6(s.msg + 8, "2001:db8:1::ff:fe00:1");
  test_clock_advance(500); /* RetransTimer from the RA: 500 ms */
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_PREFERRED);
  assert_int_equal(netif_ip6_addr_valid_left(nif, idx), 3599);
  assert_int_equal(netif_ip6_addr_pref_left(nif, idx), 1799);

  /* next hops: on-link inside the prefix, the router beyond it */
  expect_next_hop("2001:db8:1::77", "2001:db8:1::77");
  expect_next_hop("2001:db8:99::1", RTR_LL);
  assert_true(nd6_has_default_router(nif));
  /* L clear later does not make a prefix off-link (RFC 4861 6.3.4); a
   * prefix only autonomous gives an address but is not on-link (RFC 5942) */
  n = opt_pio(o, "2001:db8:1::", 64, ND6_PIO_FLAG_AUTO, 3600, 1800);
  n += opt_pio(o + n, "2001:db8:2::", 64, ND6_PIO_FLAG_AUTO, 3600, 1800);
  rx_ra(RTR_LL, 1800, o, n);
  assert_true(find_prefix("2001:db8:1::", &p) >= 0);
  assert_true(p.onlink);
  assert_true(find_prefix("2001:db8:2::", &p) >= 0);
  assert_false(p.onlink);
  assert_true(p.autonomous);
  assert_true(LWIP_IPV6_NUM_ADDRESSES < 3 || addr_slot("2001:db8:2::ff:fe00:1") > 0);
  expect_next_hop("2001:db8:1::77", "2001:db8:1::77");
  expect_next_hop("2001:db8:2::77", RTR_LL);
  /* nor does an option without L end it, even with valid lifetime 0 */
  rx_ra(RTR_LL, 1800, o, opt_pio(o, "2001:db8:1::", 64, ND6_PIO_FLAG_AUTO, 0, 0));
  test_clock_advance(2000);
  assert_true(find_prefix("2001:db8:1::", &p) >= 0);
  assert_true(p.onlink);
  assert_int_equal(p.valid_left_s, 3600 - 3);
  expect_next_hop("2001:db8:1::77", "2001:db8:1::77");
  test_frames_clear(&tn);
  /* and an echo reply leaves with the RA's hop limit */
  u8_t body[8] = {0, 1, 0, 1, 'a', 'b', 'c', 'd'};
  rx_icmp6(&tn, test_mac, "2001:db8:99::1", "2001:db8:1::ff:fe00:1", 60, 128, 0, 0x12340001UL, body, 8);
  assert_true(pop6(&tn, &s));
  assert_int_equal(s.msg[0], 129);
  assert_int_equal(s.ip[7], 42);
  assert_memory_equal(s.frame, peer_mac, 6); /* via the router */
}

/* The router, the prefix and the address all end with their lifetimes:
 * deprecated at the preferred lifetime, removed at the valid one. */
static void test_ra_lifetimes_expire(void **state)
{
  (void)state;
  NEED(LWIP_IPV6_NUM_ADDRESSES >= 3); /* the fixture's two and a SLAAC one */
  nif = ip6_fixture(&tn);
  u8_t o[64];
  size_t n = opt_lla(o, ND6_OPT_SLLA, peer_mac);
  n += opt_pio(o + n, "2001:db8:1::", 64, ND6_PIO_FLAG_ONLINK | ND6_PIO_FLAG_AUTO, 30, 20);
  rx_ra(RTR_LL, 10, o, n);
  s8_t idx = addr_slot("2001:db8:1::ff:fe00:1");
  assert_true(idx > 0);
  test_clock_advance(2000);
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_PREFERRED);
  test_clock_advance(3000);
  assert_int_equal(netif_ip6_addr_valid_left(nif, idx), 25);
  assert_int_equal(netif_ip6_addr_pref_left(nif, idx), 15);
  struct nd6_router_info r;
  assert_true(find_router(RTR_LL, &r) >= 0);
  assert_int_equal(r.lifetime_left_s, 5);

  /* the source for a global destination is the preferred SLAAC address
   * (longest match), until it is deprecated */
  ip6_addr_t d = ip6("2001:db8:1::99");
  ip6_addr_t slaac = ip6("2001:db8:1::ff:fe00:1");
  assert_true(ip6_addr_eq_nozone(ip_2_ip6(ip6_select_source_address(nif, &d)), &slaac));

  test_clock_advance(5000); /* t = 10 s: router gone */
  assert_int_equal(find_router(RTR_LL, &r), -1);
  assert_false(nd6_has_default_router(nif));
  ip6_addr_t far = ip6("2001:db8:99::1"), hop;
  assert_false(nd6_next_hop(nif, &far, &hop));
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_PREFERRED);

  test_clock_advance(10000); /* t = 20 s: deprecated, still there */
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_DEPRECATED);
  /* RFC 6724 rule 3: the preferred static address wins now */
  ip6_addr_t gua = ip6(OUR_GUA);
  assert_true(ip6_addr_eq_nozone(ip_2_ip6(ip6_select_source_address(nif, &d)), &gua));
  struct nd6_prefix_info p;
  assert_true(find_prefix("2001:db8:1::", &p) >= 0);
  assert_int_equal(p.pref_left_s, 0);

  test_clock_advance(10000); /* t = 30 s: removed */
  assert_int_equal(addr_slot("2001:db8:1::ff:fe00:1"), -1);
  assert_int_equal(find_prefix("2001:db8:1::", &p), -1);
  assert_int_equal(count_prefixes(), 0);
}

/* RFC 4862 5.5.3 e): the two-hour rule. */
static void test_ra_two_hour_rule(void **state)
{
  (void)state;
  NEED(LWIP_IPV6_NUM_ADDRESSES >= 3); /* the fixture's two and a SLAAC one */
  nif = ip6_fixture(&tn);
  rx_ra_std(10000, 5000);
  s8_t idx = slaac_slot();
  assert_true(idx > 0);
  test_clock_advance(2000);
  /* valid 100 s: cut to two hours, not to 100 s */
  rx_ra_std(100, 50);
  assert_int_equal(netif_ip6_addr_valid_left(nif, idx), 7200);
  assert_int_equal(netif_ip6_addr_pref_left(nif, idx), 50);
  /* with two hours or less left, a shorter lifetime is ignored */
  test_clock_advance(200000);
  rx_ra_std(100, 50);
  assert_int_equal(netif_ip6_addr_valid_left(nif, idx), 7000);
  /* valid 0 (a forged "remove") does not end it either */
  rx_ra_std(0, 0);
  assert_int_equal(netif_ip6_addr_valid_left(nif, idx), 7000);
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_DEPRECATED);
  /* a longer one than what is left is taken, and preferred again */
  rx_ra_std(7100, 600);
  assert_int_equal(netif_ip6_addr_valid_left(nif, idx), 7100);
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_PREFERRED);
  /* above two hours: taken as it is, even if shorter than what is left */
  rx_ra_std(90000, 600);
  rx_ra_std(8000, 600);
  assert_int_equal(netif_ip6_addr_valid_left(nif, idx), 8000);
  /* preferred above valid: the option is ignored for SLAAC */
  rx_ra_std(8000, 9000);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_SLAAC_IGNORED), 1);
#endif
  assert_int_equal(netif_ip6_addr_pref_left(nif, idx), 600);
}

/* The MTU option: taken when 1280 .. link MTU, refused and counted
 * otherwise; ip6 output and the path MTU default follow it. */
static void test_ra_mtu(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  u8_t o[8];
  rx_ra(RTR_LL, 1800, o, opt_mtu(o, 1400));
  struct nd6_ra_params ra;
  assert_true(nd6_get_ra_params(nif, &ra));
  assert_int_equal(ra.mtu, 1400);
  assert_int_equal(netif_mtu6(nif), 1400);
  ip6_addr_t d = ip6(PEER_GUA);
  assert_int_equal(icmp6_path_mtu(nif, &d), 1400);
  rx_ra(RTR_LL, 1800, o, opt_mtu(o, 1279));
  rx_ra(RTR_LL, 1800, o, opt_mtu(o, 9000));
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_BAD_MTU), 2);
#endif
  assert_int_equal(netif_mtu6(nif), 1400);
  rx_ra(RTR_LL, 1800, o, opt_mtu(o, 1500));
  assert_int_equal(netif_mtu6(nif), 1500);
  /* a packet over the RA's MTU does not leave unfragmented */
  rx_ra(RTR_LL, 1800, o, opt_mtu(o, 1280));
  learn_peer(&tn, PEER_GUA, OUR_GUA);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 1300, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0, 1300);
  ip6_output(p, NULL, &d, 64, 0, 59);
  pbuf_free(p);
  struct sent6 s;
  while (pop6(&tn, &s)) {
    assert_true(s.len - 14 <= 1280);
  }
}

/* RDNSS, DNSSL and Route Information are stored with their lifetimes,
 * used, and expire. */
static void test_ra_rdnss_dnssl_rio(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  static const u8_t names[] = {7,   'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,   'c', 'o',
                               'm', 0,   3,   'l', 'a', 'b', 3,   'o', 'r', 'g', 0};
  u8_t o[200];
  size_t n = opt_lla(o, ND6_OPT_SLLA, peer_mac);
  n += opt_rdnss(o + n, 30, "2001:db8::53", "fe80::53");
  n += opt_dnssl(o + n, 40, names, sizeof(names));
  rx_ra(RTR_LL, 1800, o, n);
  /* a second router with no default lifetime advertises a /48 */
  n = opt_lla(o, ND6_OPT_SLLA, peer_mac2);
  n += opt_rio(o + n, "2001:db8:aa::", 48, ND6_PRF_HIGH, 50);
  n += opt_rio(o + n, "2001:db8:bb::1", 128, ND6_PRF_LOW, 50);
  rx_ra(RTR2_LL, 0, o, n);

  struct nd6_rdnss_info r;
  int nr = 0;
  for (int i = 0; i < ND6_NUM_RDNSS; i++) {
    if (nd6_get_rdnss_info(i, &r)) {
      nr++;
      assert_int_equal(r.lifetime_left_s, 30);
      assert_ptr_equal(r.netif, nif);
      if (ip6_addr_islinklocal(&r.addr)) {
        assert_int_equal(r.addr.zone, netif_get_index(nif));
      }
    }
  }
  assert_int_equal(nr, 2);
  struct nd6_dnssl_info dn;
  assert_true(nd6_get_dnssl_info(0, &dn));
  assert_string_equal(dn.domain, "example.com");
  assert_true(nd6_get_dnssl_info(1, &dn));
  assert_string_equal(dn.domain, "lab.org");
  assert_int_equal(dn.lifetime_left_s, 40);
  struct nd6_route_info rt;
  assert_true(nd6_get_route_info(0, &rt));
  assert_int_equal(rt.prefix_len, 48);
  assert_int_equal(rt.preference, 1);
  assert_true(nd6_get_route_info(1, &rt));
  assert_int_equal(rt.prefix_len, 128);
  assert_int_equal(rt.preference, -1);
  assert_int_equal(count_routers(), 1); /* RTR2 is no default router */
  assert_true(nd6_has_default_router(nif));

  /* the more specific route wins over the default router */
  expect_next_hop("2001:db8:aa::5", RTR2_LL);
  expect_next_hop("2001:db8:bb::1", RTR2_LL);
  expect_next_hop("2001:db8:bb::2", RTR_LL);

  /* lifetime 0 removes one server */
  n = opt_rdnss(o, 0, "fe80::53", NULL);
  rx_ra(RTR_LL, 1800, o, n);
  nr = 0;
  for (int i = 0; i < ND6_NUM_RDNSS; i++) {
    nr += nd6_get_rdnss_info(i, &r) ? 1 : 0;
  }
  assert_int_equal(nr, 1);

  test_clock_advance(30000);
  assert_false(nd6_get_rdnss_info(0, &r) || nd6_get_rdnss_info(1, &r));
  assert_true(nd6_get_dnssl_info(0, &dn));
  test_clock_advance(10000);
  assert_false(nd6_get_dnssl_info(0, &dn) || nd6_get_dnssl_info(1, &dn));
  assert_true(nd6_get_route_info(0, &rt));
  test_clock_advance(10000);
  assert_false(nd6_get_route_info(0, &rt) || nd6_get_route_info(1, &rt));
  expect_next_hop("2001:db8:aa::5", RTR_LL);
  /* a specific route alone is no default route; one for ::/0 is */
  rx_ra(RTR_LL, 0, o, 0);
  assert_int_equal(count_routers(), 0);
  rx_ra(RTR2_LL, 0, o, opt_rio(o, "2001:db8:aa::", 48, ND6_PRF_MEDIUM, 50));
  assert_false(nd6_has_default_router(nif));
  ip6_addr_t far = ip6("2001:db8:bb::1"), hop;
  assert_false(nd6_next_hop(nif, &far, &hop));
  rx_ra(RTR2_LL, 0, o, opt_rio(o, "::", 0, ND6_PRF_MEDIUM, 50));
  assert_true(nd6_has_default_router(nif));
  expect_next_hop("2001:db8:bb::1", RTR2_LL);
  rx_ra(RTR_LL, 1800, NULL, 0);

  /* malformed ones: counted, the rest of the RA still taken */
  static const u8_t bad_name[] = {70, 'x', 0};
  static const u8_t binary_name[] = {3, 'a', 0xc3, 'b', 0};
  n = opt_dnssl(o, 10, bad_name, sizeof(bad_name));
  n += opt_dnssl(o + n, 10, binary_name, sizeof(binary_name));
  n += opt_rio(o + n, "2001:db8:cc::", 48, ND6_PRF_RESERVED, 10);
  n += opt_rdnss(o + n, 10, "ff02::1", NULL);
  n += opt_mtu(o + n, 1400);
  rx_ra(RTR_LL, 1800, o, n);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_BAD_DNSOPT), 3);
  assert_int_equal(DROPS(ND6_BAD_ROUTE), 1);
#endif
  assert_int_equal(netif_mtu6(nif), 1400);
  assert_false(nd6_get_dnssl_info(0, &dn) || nd6_get_dnssl_info(1, &dn));
}

/* RFC 7217 6: a SLAAC address that fails DAD is replaced by one with the
 * next DAD_Counter, up to IDGEN_RETRIES; then SLAAC gives up. */
static void test_ra_slaac_dad_retry(void **state)
{
  (void)state;
  nif = test_netif_add(&tn, "192.168.1.10", "255.255.255.0", NULL, test_mac);
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 0), ERR_OK); /* stable, opaque */
  test_clock_advance(2100);
  rx_ra_std(3600, 1800);
  ip6_addr_t prefix = ip6("2001:db8:1::");
  for (u8_t counter = 0; counter <= ND6_IDGEN_RETRIES; counter++) {
    s8_t idx = slaac_slot();
    assert_true(idx > 0);
    assert_int_equal(nif->ip6_addr_dad_counter[idx], counter);
    assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_TENTATIVE);
    u8_t iid[8];
    netif_ip6_make_iid(nif, &prefix, counter, iid);
    assert_memory_equal((const u8_t *)netif_ip6_addr(nif, idx)->addr + 8, iid, 8);
    assert_true(ip6_addr_prefix_eq(netif_ip6_addr(nif, idx), &prefix, 64));
    char text[IP6ADDR_STRLEN_MAX];
    ip6addr_ntoa_r(netif_ip6_addr(nif, idx), text, sizeof(text));
    /* another node answers the DAD probe */
    u8_t body[24];
    a6(text, body);
    opt_lla(body + 16, ND6_OPT_TLLA, peer_mac2);
    rx_icmp6(&tn, allnodes_mac, "fe80::bb", "ff02::1", 255, 136, 0, (u32_t)ND6_NA_FLAG_OVERRIDE << 24, body, 24);
  }
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_DAD_CONFLICT), ND6_IDGEN_RETRIES + 1);
  assert_int_equal(DROPS(ND6_SLAAC_GAVE_UP), 1);
#endif
  s8_t idx = slaac_slot();
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_DUPLICATED);
  /* never used, and the next RA does not start over */
  rx_ra_std(3600, 1800);
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_DUPLICATED);
  ip6_addr_t d = ip6("2001:db8:1::99");
  const ip_addr_t *src = ip6_select_source_address(nif, &d);
  assert_non_null(src);
  assert_true(ip6_addr_islinklocal(ip_2_ip6(src)));
}

/* RFC 7217 6 for the link-local address: a conflict makes a new one from
 * the next DAD_Counter, which then passes DAD. */
static void test_linklocal_dad_retry(void **state)
{
  (void)state;
  nif = test_netif_add(&tn, "192.168.1.10", "255.255.255.0", NULL, test_mac);
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 0), ERR_OK);
  ip6_addr_t first = *netif_ip6_addr(nif, 0);
  char text[IP6ADDR_STRLEN_MAX];
  ip6addr_ntoa_r(&first, text, sizeof(text));
  u8_t body[16];
  a6(text, body);
  rx_icmp6(&tn, allnodes_mac, "fe80::bb", "ff02::1", 255, 136, 0, 0, body, 16);
  assert_int_equal(netif_ip6_addr_state(nif, 0), IP6_ADDR_TENTATIVE);
  assert_int_equal(nif->ip6_addr_dad_counter[0], 1);
  assert_false(ip6_addr_eq_nozone(netif_ip6_addr(nif, 0), &first));
  ip6_addr_t ll = ip6("fe80::");
  u8_t iid[8];
  netif_ip6_make_iid(nif, &ll, 1, iid);
  assert_memory_equal((const u8_t *)netif_ip6_addr(nif, 0)->addr + 8, iid, 8);
  test_clock_advance(2100);
  assert_int_equal(netif_ip6_addr_state(nif, 0), IP6_ADDR_PREFERRED);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_DAD_CONFLICT), 1);
#endif
}

/* Modified EUI-64 has no second identifier: one conflict ends SLAAC for
 * the prefix. */
static void test_ra_slaac_eui64_conflict(void **state)
{
  (void)state;
  NEED(LWIP_IPV6_NUM_ADDRESSES >= 3); /* the fixture's two and a SLAAC one */
  nif = ip6_fixture(&tn);
  rx_ra_std(3600, 1800);
  s8_t idx = addr_slot("2001:db8:1::ff:fe00:1");
  assert_true(idx > 0);
  u8_t body[16];
  a6("2001:db8:1::ff:fe00:1", body);
  rx_icmp6(&tn, allnodes_mac, "fe80::bb", "ff02::1", 255, 136, 0, 0, body, 16);
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_DUPLICATED);
  assert_int_equal(slaac_slot(), idx);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_SLAAC_GAVE_UP), 1);
#endif
  /* removed, like any SLAAC address, when its valid lifetime ends */
  test_clock_advance(3600U * 1000U);
  assert_int_equal(slaac_slot(), -1);
}

/* An RA with hop limit 254, from a global source or with a bad option is
 * dropped and counted; nothing is learned. */
static void test_ra_invalid_dropped(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  u8_t o[48];
  size_t n = opt_pio(o, "2001:db8:1::", 64, ND6_PIO_FLAG_ONLINK | ND6_PIO_FLAG_AUTO, 3600, 1800);
  rx_ra_hl(RTR_LL, 254, 0, 0, 1800, 0, 0, o, n);
  rx_ra("2001:db8::1", 1800, o, n);
  u8_t bad[8] = {ND6_OPT_MTU, 0, 0, 0, 0, 0, 5, 0};
  memcpy(o + n, bad, 8);
  rx_ra(RTR_LL, 1800, o, n + 8);
  /* a link-local prefix and a short prefix option */
  n = opt_pio(o, "fe80::", 64, ND6_PIO_FLAG_ONLINK | ND6_PIO_FLAG_AUTO, 3600, 1800);
  rx_ra(RTR2_LL, 0, o, n);
  o[1] = 3;
  rx_ra(RTR2_LL, 0, o, 24);
  /* from one of our own addresses */
  rx_ra(OUR_LL, 1800, NULL, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_FROM_US), 1);
  assert_int_equal(DROPS(ND6_BAD_HOPLIM), 1);
  assert_int_equal(DROPS(ND6_NOT_LINKLOCAL), 1);
  assert_int_equal(DROPS(ND6_BAD_OPTION), 1);
  assert_int_equal(DROPS(ND6_BAD_PREFIX), 2);
#endif
  assert_int_equal(count_routers(), 0);
  assert_int_equal(count_prefixes(), 0);
  assert_int_equal(slaac_slot(), -1);
  struct nd6_ra_params ra;
  assert_true(nd6_get_ra_params(nif, &ra));
  assert_true(ra.ra_seen); /* only the link-local-prefix ones got that far */
}

/* A flood of RAs from many routers with many prefixes: every list stays
 * within its bound, and every overflow is counted. */
static void test_ra_flood_bounded(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  const int extra = 5;
  u8_t o[1300];
  size_t n = 0;
  for (int i = 0; i < ND6_NUM_PREFIXES + extra; i++) {
    char pfx[64];
    snprintf(pfx, sizeof(pfx), "2001:db8:%x::", 0x100 + i);
    n += opt_pio(o + n, pfx, 64, ND6_PIO_FLAG_ONLINK | ND6_PIO_FLAG_AUTO, 3600, 1800);
    assert_true(n + 32 <= sizeof(o));
  }
  for (int r = 0; r < ND6_NUM_ROUTERS + 3; r++) {
    char src[64];
    snprintf(src, sizeof(src), "fe80::%x", 0x100 + r);
    rx_ra(src, 1800, o, n);
  }
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_ROUTERS_FULL), 3);
  assert_int_equal(DROPS(ND6_PREFIXES_FULL), extra * (ND6_NUM_ROUTERS + 3));
  /* the free address slots take the first prefixes; every other prefix
   * of every RA finds no slot (SLAAC is tried anew per RA, bounded by the
   * RA's own length) */
  assert_int_equal(DROPS(ND6_ADDRS_FULL),
                   (ND6_NUM_PREFIXES + extra - (LWIP_IPV6_NUM_ADDRESSES - 2)) * (ND6_NUM_ROUTERS + 3));
#endif
  assert_int_equal(count_routers(), ND6_NUM_ROUTERS);
  assert_int_equal(count_prefixes(), ND6_NUM_PREFIXES);
  /* neighbor entries of the routers: within the cache */
  int nn = 0;
  struct nd6_neighbor_info info;
  for (int i = 0; i < ND6_NUM_NEIGHBORS; i++) {
    nn += nd6_get_neighbor_info(i, &info) ? 1 : 0;
  }
  assert_true(nn <= ND6_NUM_NEIGHBORS);
  /* flushing empties every list */
  assert_int_equal(nd6_flush_routers(nif), ND6_NUM_ROUTERS + ND6_NUM_PREFIXES);
  assert_int_equal(count_routers(), 0);
}

/* RFC 4861 6.3.6 with RFC 4191: probably reachable first, higher
 * preference first, round robin when none is known reachable; a router
 * that says it is none leaves the list. */
static void test_ra_router_selection(void **state)
{
  (void)state;
  NEED(ND6_NUM_ROUTERS >= 4);
  nif = ip6_fixture(&tn);
  /* two routers without link-layer options: reachability unknown */
  rx_ra("fe80::a", 1800, NULL, 0);
  rx_ra("fe80::b", 1800, NULL, 0);
  ip6_addr_t far = ip6("2001:db8:99::1"), h1, h2;
  assert_true(nd6_next_hop(nif, &far, &h1));
  assert_true(nd6_next_hop(nif, &far, &h2));
  assert_false(ip6_addr_eq_nozone(&h1, &h2)); /* round robin */
  /* a low-preference router that is probably reachable wins */
  u8_t o[8];
  opt_lla(o, ND6_OPT_SLLA, peer_mac);
  rx_ra_hl("fe80::c", 255, 0, ND6_PRF_LOW << 3, 1800, 0, 0, o, 8);
  expect_next_hop("2001:db8:99::1", "fe80::c");
  expect_next_hop("2001:db8:99::1", "fe80::c");
  struct nd6_router_info r;
  assert_true(find_router("fe80::c", &r) >= 0);
  assert_int_equal(r.preference, -1);
  /* a reachable high-preference one beats it */
  opt_lla(o, ND6_OPT_SLLA, peer_mac2);
  rx_ra_hl("fe80::d", 255, 0, ND6_PRF_HIGH << 3, 1800, 0, 0, o, 8);
  expect_next_hop("2001:db8:99::1", "fe80::d");
  /* reserved preference counts as medium */
  rx_ra_hl("fe80::d", 255, 0, ND6_PRF_RESERVED << 3, 1800, 0, 0, o, 8);
  assert_true(find_router("fe80::d", &r) >= 0);
  assert_int_equal(r.preference, 0);
  /* 7.2.5: an NA without the R flag removes it from the list */
  u8_t body[16];
  a6("fe80::d", body);
  rx_icmp6(&tn, test_mac, "fe80::d", OUR_LL, 255, 136, 0, (u32_t)ND6_NA_FLAG_OVERRIDE << 24, body, 16);
  assert_int_equal(find_router("fe80::d", &r), -1);
  expect_next_hop("2001:db8:99::1", "fe80::c");
  /* lifetime 0: gone at once */
  rx_ra_hl("fe80::c", 255, 0, 0, 0, 0, 0, NULL, 0);
  assert_int_equal(find_router("fe80::c", &r), -1);
  assert_int_equal(count_routers(), 2);
}

static int list_events, list_gone;
static enum nd6_list last_list;
static void list_hook(const struct nd6_list_event *ev)
{
  list_events++;
  list_gone += ev->gone ? 1 : 0;
  last_list = ev->list;
}

/* Redirect: accepted only from the first-hop router of the destination,
 * with the validity checks of RFC 4861 8.1; used by next-hop selection. */
static void test_redirect(void **state)
{
  (void)state;
  nif = ip6_fixture(&tn);
  nd6_set_list_hook(list_hook);
  u8_t o[8];
  rx_ra(RTR_LL, 1800, o, opt_lla(o, ND6_OPT_SLLA, peer_mac));
  assert_int_equal(list_events, 1);
  expect_next_hop("2001:db8:99::5", RTR_LL);

  /* a forged one from a node that is not the router */
  rx_redirect("fe80::66", "fe80::66", "2001:db8:99::5", peer_mac2);
  expect_next_hop("2001:db8:99::5", RTR_LL);
  /* from a global source, to a multicast destination, to a global target */
  rx_redirect("2001:db8::1", RTR2_LL, "2001:db8:99::5", NULL);
  rx_redirect(RTR_LL, RTR2_LL, "ff02::1", NULL);
  rx_redirect(RTR_LL, "2001:db8::77", "2001:db8:99::5", NULL);
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_REDIRECT_NOT_ROUTER), 1);
  assert_int_equal(DROPS(ND6_NOT_LINKLOCAL), 1);
  assert_int_equal(DROPS(ND6_BAD_REDIRECT), 2);
#endif
  struct nd6_redirect_info rd;
  assert_false(nd6_get_redirect_info(0, &rd));

  /* the router sends it to a better router */
  rx_redirect(RTR_LL, RTR2_LL, "2001:db8:99::5", peer_mac2);
  expect_next_hop("2001:db8:99::5", RTR2_LL);
  expect_next_hop("2001:db8:99::6", RTR_LL);
  assert_true(nd6_get_redirect_info(0, &rd));
  assert_int_equal(rd.lifetime_left_s, ND6_REDIRECT_LIFETIME_S);
  assert_int_equal(last_list, ND6_LIST_REDIRECT);
  bool is_router = false;
  assert_int_equal(neighbor(RTR2_LL, &is_router), ND6_STALE);
  assert_true(is_router);
  /* now only RTR2 may redirect that destination */
  rx_redirect(RTR_LL, "fe80::3", "2001:db8:99::5", NULL);
  expect_next_hop("2001:db8:99::5", RTR2_LL);
  /* an on-link redirect (target == destination) from RTR2 */
  rx_redirect(RTR2_LL, "2001:db8:99::5", "2001:db8:99::5", NULL);
  expect_next_hop("2001:db8:99::5", "2001:db8:99::5");
#if LWIP_STATS
  assert_int_equal(DROPS(ND6_REDIRECT_NOT_ROUTER), 2);
#endif
  /* the packet goes to the redirected first hop */
  learn_peer(&tn, "2001:db8:99::5", OUR_LL);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 8, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0, 8);
  ip6_addr_t d = ip6("2001:db8:99::5");
  assert_int_equal(ip6_output(p, NULL, &d, 64, 0, 59), ERR_OK);
  pbuf_free(p);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_memory_equal(s.frame, peer_mac, 6);
  assert_addr6(s.ip + 24, "2001:db8:99::5");
  /* the redirect list is bounded: when full, the one confirmed longest
   * ago goes */
  char dest[64];
  for (int i = 0; i < ND6_NUM_REDIRECTS; i++) {
    test_clock_advance(1000);
    snprintf(dest, sizeof(dest), "2001:db8:77::%x", i + 1);
    rx_redirect(RTR_LL, RTR2_LL, dest, NULL);
  }
  int nrd = 0;
  for (int i = 0; i < ND6_NUM_REDIRECTS; i++) {
    nrd += nd6_get_redirect_info(i, &rd) ? 1 : 0;
  }
  assert_int_equal(nrd, ND6_NUM_REDIRECTS);
  expect_next_hop("2001:db8:99::5", RTR_LL); /* the first one went */
  expect_next_hop("2001:db8:77::1", RTR2_LL);
  expect_next_hop("2001:db8:77::2", RTR2_LL);
  /* forgotten after ND6_REDIRECT_LIFETIME_S */
  test_clock_advance(ND6_REDIRECT_LIFETIME_S * 1000U);
  for (int i = 0; i < ND6_NUM_REDIRECTS; i++) {
    assert_false(nd6_get_redirect_info(i, &rd));
  }
  expect_next_hop("2001:db8:77::2", RTR_LL);
  assert_true(list_gone >= ND6_NUM_REDIRECTS + 1);
  nd6_set_list_hook(NULL);
}

/* One RA with a prefix, then DAD's time, the @p fail_at-th allocation
 * failing (0: none). */
static void ra_round(const u8_t *f, size_t fl, u32_t fail_at)
{
  struct pbuf *p = test_pbuf(f, fl, 0);
  lwip_alloc_fail_after(fail_at);
  tn.netif.input(p, &tn.netif);
  test_clock_advance(3000);
  lwip_alloc_fail_after(0);
  test_frames_clear(&tn);
}

/* Forget what ra_round taught: the SLAAC address and the lists. */
static void ra_undo(void)
{
  s8_t idx = slaac_slot();
  if (idx >= 0) {
    netif_ip6_addr_set_state(nif, idx, IP6_ADDR_INVALID);
  }
  nd6_flush_routers(nif);
  nd6_flush(nif);
  test_clock_advance(5000);
  test_frames_clear(&tn);
}

/* An RA that makes a SLAAC address (its MLD join, report and DAD probe
 * allocate) with each allocation failing in turn: the failure is counted,
 * the router and prefix are still learned, the address is made, and memory
 * is back to the baseline after each round. */
static void test_ra_alloc_failures(void **state)
{
  (void)state;
  NEED(LWIP_TEST_HOOKS && LWIP_IPV6_NUM_ADDRESSES >= 3); /* failing allocations need the test hooks */
  nif = ip6_fixture(&tn);
  u8_t o[64];
  size_t n = opt_lla(o, ND6_OPT_SLLA, peer_mac);
  n += opt_pio(o + n, "2001:db8:1::", 64, ND6_PIO_FLAG_ONLINK | ND6_PIO_FLAG_AUTO, 3600, 1800);
  u8_t body[200], m[300], f[400];
  put_be32(body, 0);
  put_be32(body + 4, 0);
  memcpy(body + 8, o, n);
  size_t ml = mk_icmp6(m, RTR_LL, "ff02::1", 134, 0, 1800, body, 8 + n);
  size_t fl = mk6(f, allnodes_mac, RTR_LL, "ff02::1", 58, 255, m, ml);
  test_clock_advance(5000);
  u32_t baseline = lwip_mem_in_use();
  /* a clean round: how many allocations it takes */
  u32_t before = lwip_alloc_count();
  ra_round(f, fl, 0);
  u32_t allocs = lwip_alloc_count() - before;
  assert_true(allocs >= 1);
  assert_int_equal(netif_ip6_addr_state(nif, slaac_slot()), IP6_ADDR_PREFERRED);
  ra_undo();
  assert_int_equal(lwip_mem_in_use(), baseline);
  for (u32_t k = 1; k <= allocs; k++) {
    ra_round(f, fl, k);
    assert_int_equal(count_routers(), 1);
    assert_int_equal(count_prefixes(), 1);
    s8_t idx = slaac_slot();
    assert_true(idx > 0);
    assert_true(ip6_addr_isvalid(netif_ip6_addr_state(nif, idx)));
    ra_undo();
    assert_int_equal(lwip_mem_in_use(), baseline);
  }
#if LWIP_STATS
  assert_true(DROPS(ND6_NO_MEM) >= 1);
#endif
  /* and taking the netif down forgets what an RA taught */
  ra_round(f, fl, 0);
  netif_set_down(nif);
  assert_int_equal(count_routers(), 0);
  assert_int_equal(count_prefixes(), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_ra_router_prefix_slaac, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ra_lifetimes_expire, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ra_two_hour_rule, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ra_mtu, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ra_rdnss_dnssl_rio, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ra_slaac_dad_retry, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ra_slaac_eui64_conflict, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_linklocal_dad_retry, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ra_invalid_dropped, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ra_flood_bounded, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ra_router_selection, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_redirect, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_ra_alloc_failures, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
