/*
 * lwip-replay's field decoder (tools/replay/decode.c): the difference
 * report names the first differing field of IPv4 and IPv6 frames (with
 * extension headers, ICMPv6, ND and MLD), summaries describe them, and
 * truncated or malformed frames are described without reading past their
 * end (the ASan build checks that).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "decode.h"

struct frame {
  uint8_t b[256];
  size_t len;
};

static void put16(uint8_t *p, unsigned v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* Ethernet + IPv6 header from @p src to @p dst with next header @p nh,
 * then @p plen bytes of @p payload. */
static void ip6_frame(struct frame *f, const char *src, const char *dst, uint8_t nh, const uint8_t *payload,
                      size_t plen)
{
  static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0xaa};
  memset(f, 0, sizeof(*f));
  memcpy(f->b, macs, 12);
  put16(f->b + 12, 0x86dd);
  uint8_t *ip = f->b + 14;
  ip[0] = 0x60;
  put16(ip + 4, (unsigned)plen);
  ip[6] = nh;
  ip[7] = 64;
  assert_int_equal(inet_pton(AF_INET6, src, ip + 8), 1);
  assert_int_equal(inet_pton(AF_INET6, dst, ip + 24), 1);
  memcpy(ip + 40, payload, plen);
  f->len = 54 + plen;
}

static void echo6(struct frame *f, uint8_t type, unsigned seq)
{
  uint8_t m[16] = {type, 0, 0x12, 0x34, 0x00, 0x07, 0, 0, 'p', 'i', 'n', 'g', '6', 0, 0, 0};
  put16(m + 6, seq);
  ip6_frame(f, "fe80::1", "fe80::2", 58, m, sizeof(m));
}

static void diff_is(const struct frame *e, const struct frame *a, const char *want)
{
  char out[256];
  assert_true(decode_first_diff(e->b, e->len, a->b, a->len, out, sizeof(out)));
  assert_string_equal(out, want);
}

static void test_ip6_header_fields(void **state)
{
  (void)state;
  struct frame e, a;
  echo6(&e, 129, 1);
  char out[256];
  assert_false(decode_first_diff(e.b, e.len, e.b, e.len, out, sizeof(out)));
  a = e;
  a.b[14 + 7] = 63;
  diff_is(&e, &a, "ipv6.hop_limit: expected 64, actual 63");
  a = e;
  a.b[14 + 1] = 0x20; /* traffic class low nibble 2, flow label 0 */
  diff_is(&e, &a, "ipv6.traffic_class: expected 0x00, actual 0x02");
  a = e;
  a.b[14 + 3] = 0x05;
  diff_is(&e, &a, "ipv6.flow_label: expected 0x0000, actual 0x0005");
  a = e;
  a.b[14 + 8 + 15] = 0x09;
  diff_is(&e, &a, "ipv6.src: expected fe80::1, actual fe80::9");
  a = e;
  a.b[14 + 24 + 15] = 0x03;
  diff_is(&e, &a, "ipv6.dst: expected fe80::2, actual fe80::3");
}

static void test_icmp6_echo_fields(void **state)
{
  (void)state;
  struct frame e, a;
  echo6(&e, 129, 1);
  echo6(&a, 129, 2);
  diff_is(&e, &a, "icmp6.seq: expected 1, actual 2");
  a = e;
  a.b[54 + 10] = 'X';
  diff_is(&e, &a, "icmp6.data: differs at byte offset 2 (frame byte 64): expected 0x6e, actual 0x58");
  echo6(&a, 128, 1);
  diff_is(&e, &a, "icmp6.type: expected 129, actual 128");
}

static void test_nd_and_mld_fields(void **state)
{
  (void)state;
  struct frame e, a;
  /* Neighbor Advertisement, S and O, target fe80::1, target LLA option. */
  uint8_t na[32] = {136, 0, 0, 0, 0x60, 0, 0, 0};
  inet_pton(AF_INET6, "fe80::1", na + 8);
  na[24] = 2;
  na[25] = 1;
  memset(na + 26, 0x02, 6);
  ip6_frame(&e, "fe80::1", "fe80::2", 58, na, sizeof(na));
  a = e;
  a.b[54 + 4] = 0x20;
  diff_is(&e, &a, "na.flags: expected 0x60000000, actual 0x20000000");
  a = e;
  a.b[54 + 23] = 7;
  diff_is(&e, &a, "nd.target: expected fe80::1, actual fe80::7");
  a = e;
  a.b[54 + 31] = 0x03;
  diff_is(&e, &a, "nd.options: differs at byte offset 7 (frame byte 85): expected 0x02, actual 0x03");
  char sum[160];
  decode_summary(e.b, e.len, sum, sizeof(sum));
  assert_string_equal(sum, "ICMPv6 neighbor-advertisement fe80::1 S O fe80::1 > fe80::2");

  /* MLDv2 report behind a Hop-by-Hop header with Router Alert. */
  uint8_t mld[8 + 8 + 20] = {58, 0, 5, 2, 0, 0, 1, 0, 143, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0};
  inet_pton(AF_INET6, "ff02::1:ff00:1", mld + 20);
  ip6_frame(&e, "fe80::1", "ff02::16", 0, mld, sizeof(mld));
  a = e;
  a.b[54 + 15] = 2;
  diff_is(&e, &a, "mld2.records: expected 1, actual 2");
  a = e;
  a.b[54 + 4] = 1;
  diff_is(&e, &a, "ipv6.hop_by_hop: differs at byte offset 2 (frame byte 58): expected 0x00, actual 0x01");
  decode_summary(e.b, e.len, sum, sizeof(sum));
  assert_string_equal(sum, "ICMPv6 mld2-report 1 records fe80::1 > ff02::16 len 36");
}

static void test_fragments(void **state)
{
  (void)state;
  struct frame e, a;
  /* The second fragment (offset 1232, more) of an echo request. */
  uint8_t fr[8 + 16] = {58, 0, 0x04, 0xd1, 0xde, 0xad, 0xbe, 0xef};
  memset(fr + 8, 0x77, 16);
  ip6_frame(&e, "2001:db8::1", "2001:db8::2", 44, fr, sizeof(fr));
  a = e;
  a.b[54 + 3] = 0xd0;
  diff_is(&e, &a, "ipv6.fragment.more: expected 1, actual 0");
  a = e;
  a.b[54 + 3] = 0xc9;
  diff_is(&e, &a, "ipv6.fragment.offset: expected 154, actual 153");
  a = e;
  a.b[54 + 7] = 0xee;
  diff_is(&e, &a, "ipv6.fragment.id: expected 0xdeadbeef, actual 0xdeadbeee");
  a = e;
  a.b[54 + 20] = 0;
  diff_is(&e, &a, "ipv6.fragment_data: differs at byte offset 12 (frame byte 74): expected 0x77, actual 0x00");
  char sum[160];
  decode_summary(e.b, e.len, sum, sizeof(sum));
  assert_string_equal(sum, "IPv6 fragment 2001:db8::1 > 2001:db8::2 nh 58 id 0xdeadbeef off 1232 M len 24");
  /* A first fragment is described by its transport header. */
  uint8_t first[8 + 8] = {58, 0, 0, 1, 0, 0, 0, 5, 128, 0, 0, 0, 0, 9, 0, 3};
  ip6_frame(&e, "2001:db8::1", "2001:db8::2", 44, first, sizeof(first));
  decode_summary(e.b, e.len, sum, sizeof(sum));
  assert_string_equal(sum, "IPv6 first fragment id 0x00000005: ICMPv6 echo-request 2001:db8::1 > 2001:db8::2 id "
                           "0x0009 seq 3 len 16");
}

static void test_truncated_and_hostile(void **state)
{
  (void)state;
  struct frame e, a;
  echo6(&e, 129, 1);
  a = e;
  a.len = 30; /* inside the IPv6 header */
  diff_is(&e, &a, "ipv6.src: expected fe80::1, actual frame ends first (30 bytes)");
  char sum[160];
  decode_summary(a.b, a.len, sum, sizeof(sum));
  assert_string_equal(sum, "IPv6 truncated (30 bytes)");
  /* A chain of Destination Options headers claiming more than the frame
   * holds, and a payload length past the end: reported, not overread. */
  uint8_t chain[24] = {60, 200, 1, 0, 0, 0, 0, 0, 60, 0, 1, 4, 0, 0, 0, 0};
  ip6_frame(&e, "fe80::1", "fe80::2", 60, chain, sizeof(chain));
  put16(e.b + 14 + 4, 4000);
  a = e;
  a.b[54 + 20] = 1;
  diff_is(&e, &a, "ipv6.dest_opts: differs at byte offset 18 (frame byte 74): expected 0x00, actual 0x01");
  a = e;
  a.len -= 4;
  char out[256];
  assert_true(decode_first_diff(e.b, e.len, a.b, a.len, out, sizeof(out)));
  decode_summary(e.b, e.len, sum, sizeof(sum));
  assert_string_equal(sum, "IPv6 nh 60 fe80::1 > fe80::2 len 4000");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ip6_header_fields),     cmocka_unit_test(test_icmp6_echo_fields),
      cmocka_unit_test(test_nd_and_mld_fields),     cmocka_unit_test(test_fragments),
      cmocka_unit_test(test_truncated_and_hostile),
  };
  return cmocka_run_group_tests_name("replay_decode", tests, NULL, NULL);
}
