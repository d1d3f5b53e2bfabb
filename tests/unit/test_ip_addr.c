/* Address text conversion, netmask helpers, broadcast tests, comparisons. */
#include "test_common.h"

#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"

static void test_ip4_aton_valid(void **state)
{
  (void)state;
  ip4_addr_t a;
  assert_int_equal(ip4addr_aton("192.168.1.20", &a), 1);
  assert_int_equal(a.addr, test_ip("192.168.1.20"));
  assert_int_equal(ip4addr_aton("0.0.0.0", &a), 1);
  assert_int_equal(a.addr, 0);
  assert_int_equal(ip4addr_aton("255.255.255.255", &a), 1);
  assert_int_equal(a.addr, 0xffffffffU);
  assert_int_equal(ip4addr_aton("10.0.0.1", NULL), 1);
  assert_int_equal(ipaddr_addr("1.2.3.4"), test_ip("1.2.3.4"));
}

static void test_ip4_aton_invalid(void **state)
{
  (void)state;
  static const char *const bad[] = {
    "", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1..2.3", ".1.2.3",
    "1.2.3.4.", "a.b.c.d", "1.2.3.4 ", " 1.2.3.4", "1.2.3.0004", "-1.2.3.4", "1.2.3.4x",
  };
  ip4_addr_t a = {0x5a5a5a5a};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(ip4addr_aton(bad[i], &a), 0);
    assert_int_equal(a.addr, 0x5a5a5a5a); /* untouched on failure */
  }
  assert_int_equal(ip4addr_aton(NULL, &a), 0);
  assert_int_equal(ipaddr_addr("x"), IPADDR_NONE);
}

/* ip4addr_cidr_aton: address and prefix, strictly. */
static void test_ip4_cidr_valid(void **state)
{
  (void)state;
  ip4_addr_t a;
  u8_t prefix = 99;
  assert_true(ip4addr_cidr_aton("10.0.0.2/24", &a, &prefix, true));
  assert_int_equal(a.addr, test_ip("10.0.0.2"));
  assert_int_equal(prefix, 24);
  assert_true(ip4addr_cidr_aton("0.0.0.0/0", &a, &prefix, true));
  assert_int_equal(a.addr, 0);
  assert_int_equal(prefix, 0);
  assert_true(ip4addr_cidr_aton("255.255.255.255/32", &a, &prefix, false));
  assert_int_equal(a.addr, 0xffffffffU);
  assert_int_equal(prefix, 32);
  assert_true(ip4addr_cidr_aton("192.168.100.1/9", &a, &prefix, true));
  assert_int_equal(prefix, 9);
  /* A 0 part is fine; only a zero in front of other digits is refused. */
  assert_true(ip4addr_cidr_aton("10.0.100.0/16", &a, NULL, true));
  assert_int_equal(a.addr, test_ip("10.0.100.0"));
  assert_true(ip4addr_cidr_aton("1.2.3.4/8", NULL, NULL, true));

  /* Without a slash: only when the prefix is optional, and the caller's
   * preset stays (a default, or a marker for "none given"). */
  prefix = 24;
  assert_true(ip4addr_cidr_aton("10.0.0.1", &a, &prefix, false));
  assert_int_equal(a.addr, test_ip("10.0.0.1"));
  assert_int_equal(prefix, 24);
  prefix = 0xff;
  assert_true(ip4addr_cidr_aton("10.0.0.3", &a, &prefix, false));
  assert_int_equal(prefix, 0xff);
  a.addr = 0x5a5a5a5a;
  assert_false(ip4addr_cidr_aton("10.0.0.1", &a, &prefix, true));
  assert_int_equal(a.addr, 0x5a5a5a5a);
}

static void test_ip4_cidr_invalid(void **state)
{
  (void)state;
  static const char *const bad[] = {
    "", "/24", "10.0.0.1/", "10.0.0.1/33", "10.0.0.1/100", "10.0.0.1/-1", "10.0.0.1/+24", "10.0.0.1/024",
    "10.0.0.1/00", "10.0.0.1/ 24", "10.0.0.1/24 ", "10.0.0.1 /24", " 10.0.0.1/24", "10.0.0.1/24x",
    "10.0.0.1/2/4", "10.0.0.1//24", "10.0.0/24", "10.0.0.1.5/24", "256.0.0.1/24", "010.0.0.1/24",
    "10.00.0.1/24", "10.0.0.01/24", "1.2.3.0004/24", "a.b.c.d/24", "10.0.0.1/24/", "10.0.0.1/4294967320",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ip4_addr_t a = {0x5a5a5a5a};
    u8_t prefix = 77;
    if (ip4addr_cidr_aton(bad[i], &a, &prefix, false)) {
      fail_msg("accepted '%s'", bad[i]);
    }
    assert_int_equal(a.addr, 0x5a5a5a5a); /* untouched on failure */
    assert_int_equal(prefix, 77);
    assert_false(ip4addr_cidr_aton(bad[i], &a, &prefix, true));
  }
  assert_false(ip4addr_cidr_aton(NULL, NULL, NULL, false));
  /* ip4addr_aton keeps lwIP's leniency about leading zeros (decimal). */
  ip4_addr_t a;
  assert_int_equal(ip4addr_aton("010.0.0.1", &a), 1);
  assert_int_equal(a.addr, test_ip("10.0.0.1"));
}

static void test_ip4_ntoa(void **state)
{
  (void)state;
  ip4_addr_t a;
  char buf[IP4ADDR_STRLEN_MAX];
  IP4_ADDR(&a, 255, 255, 255, 255);
  assert_string_equal(ip4addr_ntoa_r(&a, buf, sizeof(buf)), "255.255.255.255");
  IP4_ADDR(&a, 10, 0, 100, 7);
  assert_string_equal(ip4addr_ntoa(&a), "10.0.100.7");
  assert_null(ip4addr_ntoa_r(&a, buf, 15));
  assert_int_equal(ip4_addr1(&a), 10);
  assert_int_equal(ip4_addr3(&a), 100);
  IP4_ADDR(&a, 0, 9, 99, 200);
  assert_string_equal(ip4addr_ntoa(&a), "0.9.99.200");
}

static void test_netmask_helpers(void **state)
{
  (void)state;
  ip4_addr_t m;
  for (u8_t p = 0; p <= 32; p++) {
    ip4_addr_netmask_from_prefix(&m, p);
    assert_true(ip4_addr_netmask_valid(m.addr));
    assert_int_equal(ip4_addr_netmask_prefix(&m), p);
  }
  assert_false(ip4_addr_netmask_valid(test_ip("255.0.255.0")));
  assert_false(ip4_addr_netmask_valid(test_ip("0.255.255.255")));
  ip4_addr_netmask_from_prefix(&m, 40);
  assert_int_equal(m.addr, 0xffffffffU);
}

static void test_broadcast_rules(void **state)
{
  (void)state;
  static struct test_netif t; /* static: the teardown removes it after return */
  struct netif *n = test_netif_add(&t, "192.168.5.10", "255.255.255.0", NULL, test_mac);
  ip4_addr_t a;
  a.addr = test_ip("192.168.5.255");
  assert_true(ip4_addr_isbroadcast(&a, n));
  a.addr = test_ip("255.255.255.255");
  assert_true(ip4_addr_isbroadcast(&a, n));
  a.addr = 0;
  assert_true(ip4_addr_isbroadcast(&a, n));
  a.addr = test_ip("192.168.6.255");
  assert_false(ip4_addr_isbroadcast(&a, n));
  a.addr = test_ip("192.168.5.10");
  assert_false(ip4_addr_isbroadcast(&a, n));
  /* RFC 3021: a /31 has no broadcast address */
  ip4_addr_t mask = {test_ip("255.255.255.254")};
  netif_set_netmask(n, &mask);
  a.addr = test_ip("192.168.5.11");
  assert_false(ip4_addr_isbroadcast(&a, n));
  /* nor a /32, whose one address is ours */
  mask.addr = 0xffffffffU;
  netif_set_netmask(n, &mask);
  a.addr = test_ip("192.168.5.11");
  assert_false(ip4_addr_isbroadcast(&a, n));
  a.addr = test_ip("192.168.5.10");
  assert_false(ip4_addr_isbroadcast(&a, n));
  /* a netif without the broadcast flag only knows the limited broadcast */
  n->flags &= (u8_t)~NETIF_FLAG_BROADCAST;
  a.addr = test_ip("192.168.5.255");
  assert_false(ip4_addr_isbroadcast(&a, n));
  assert_true(ip4_addr_isbroadcast_u32(0xffffffffU, n));
}

static void test_classification(void **state)
{
  (void)state;
  ip4_addr_t a;
  a.addr = test_ip("224.0.0.1");
  assert_true(ip4_addr_ismulticast(&a));
  a.addr = test_ip("239.255.255.255");
  assert_true(ip4_addr_ismulticast(&a));
  a.addr = test_ip("240.0.0.1");
  assert_false(ip4_addr_ismulticast(&a));
  a.addr = test_ip("169.254.3.4");
  assert_true(ip4_addr_islinklocal(&a));
  a.addr = test_ip("127.8.9.1");
  assert_true(ip4_addr_isloopback(&a));
  ip_addr_t x;
  IP_ADDR4(&x, 224, 1, 2, 3);
  assert_true(ip_addr_ismulticast(&x));
  assert_true(ip_addr_isany(NULL));
  assert_true(ip_addr_isany(IP_ADDR_ANY));
  assert_false(ip_addr_isany(&x));
}

#if LWIP_IPADDR_V6
/* IPv6 text exists only where an ip_addr_t can hold IPv6 (ip_addr.h). */
static void test_ip6_text_roundtrip(void **state)
{
  (void)state;
  static const struct { const char *in, *canon; } cases[] = {
    {"::", "::"},
    {"::1", "::1"},
    {"2001:db8::1", "2001:db8::1"},
    {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
    {"fe80::1:2:3:4", "fe80::1:2:3:4"},
    {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},      /* longest run wins */
    {"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},    /* first run on a tie */
    {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
    {"1:0:3:4:5:6:7:8", "1:0:3:4:5:6:7:8"}, /* a single zero is not compressed */
    {"::ffff:192.0.2.1", "::ffff:c000:201"},
    {"ff02::2", "ff02::2"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ip6_addr_t a;
    char buf[IP6ADDR_STRLEN_MAX];
    assert_int_equal(ip6addr_aton(cases[i].in, &a), 1);
    assert_string_equal(ip6addr_ntoa_r(&a, buf, sizeof(buf)), cases[i].canon);
  }
}

static void test_ip6_text_invalid(void **state)
{
  (void)state;
  static const char *const bad[] = {
    "", ":", ":::", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::",
    "1:2:3:4:5:6:7:8::", "g::1", "1:", ":1", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ip6_addr_t a;
    assert_int_equal(ip6addr_aton(bad[i], &a), 0);
  }
}

#endif /* LWIP_IPADDR_V6 */

static void test_dual_stack(void **state)
{
  (void)state;
  ip_addr_t a, c;
  assert_int_equal(ipaddr_aton("10.1.2.3", &a), 1);
  assert_true(IP_IS_V4(&a));
  assert_string_equal(ipaddr_ntoa(&a), "10.1.2.3");
  c = a;
  assert_true(ip_addr_cmp(&a, &c));
  assert_int_equal(ipaddr_aton("10.1.2", &c), 0);
  assert_int_equal(ipaddr_aton("::g", &c), 0);
  ip_addr_set_zero(&c);
  assert_true(ip_addr_isany(&c));
  assert_false(ip_addr_eq(&a, &c));
#if LWIP_IPADDR_V6
  ip_addr_t b;
  char buf[IPADDR_STRLEN_MAX];
  assert_int_equal(ipaddr_aton("fe80::7", &b), 1);
  assert_true(IP_IS_V6(&b));
  assert_false(ip_addr_eq(&a, &b));
  assert_string_equal(ipaddr_ntoa_r(&b, buf, sizeof(buf)), "fe80::7");
  ip_addr_set_any(1, &c);
  assert_true(IP_IS_V6(&c));
  assert_true(ip_addr_isany(&c));
#else
  /* Without IPv6 addresses its text is bad text, not an address. */
  assert_int_equal(ipaddr_aton("fe80::7", &c), 0);
#endif
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_ip4_aton_valid, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_aton_invalid, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_cidr_valid, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_cidr_invalid, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip4_ntoa, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_netmask_helpers, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_broadcast_rules, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_classification, test_setup, test_teardown),
#if LWIP_IPADDR_V6
    cmocka_unit_test_setup_teardown(test_ip6_text_roundtrip, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ip6_text_invalid, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_dual_stack, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("ip_addr", tests, NULL, NULL);
}
