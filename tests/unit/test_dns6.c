/* Unit tests for core/dns.c over IPv6: AAAA and A lookups through an IPv6
 * server (query bytes, UDP checksum, answer), the anti-spoofing checks
 * (address, port, ID, question and its 0x20 case) on IPv6 answers, a
 * link-local server set without a zone, and mDNS queries to ff02::fb
 * answered from the link. */
#include "test_ip6_util.h"

#include <strings.h>

#include "lwip/dns.h"
#include "lwip/udp.h"
#include "lwip/prot/dns.h"

#if LWIP_DNS && LWIP_UDP

#define SRV6 "2001:db8::53"
#define ROGUE6 "2001:db8::66"

static struct test_netif tn;
static struct netif *nif;

#define MAX_EXS 4
static struct dns_result exs[MAX_EXS];
static int nexs;

static void found_ex(const struct dns_result *res, void *arg)
{
  (void)arg;
  assert_true(nexs < MAX_EXS);
  exs[nexs] = *res;
  exs[nexs].name = NULL;
  nexs++;
}

static ip_addr_t ipa6(const char *text)
{
  ip_addr_t a;
  memset(&a, 0, sizeof(a));
  *ip_2_ip6(&a) = ip6(text);
  a.type = IPADDR_TYPE_V6;
  return a;
}

static void fixture(const char *server)
{
  nexs = 0;
  memset(exs, 0, sizeof(exs));
  nif = ip6_fixture(&tn);
  learn_peer(&tn, SRV6, OUR_GUA);
  learn_peer(&tn, ROGUE6, OUR_GUA);
  learn_peer(&tn, PEER_LL, OUR_LL);
  ip_addr_t s = ipa6(server);
  dns_setserver(0, &s);
  dns_setserver(1, NULL);
}

/* A query popped from the wire. */
struct query6 {
  u8_t src[16], dst[16];
  u16_t sport, dport;
  u8_t hl;
  u8_t msg[600];
  int len, qend;
  u16_t id;
};

/* Pop the next IPv6 UDP datagram; its checksum must be right.  IPv4
 * frames (the IPv4 mDNS query) are skipped when @p skip4.
 * @return false when none is left. */
static bool pop_query6(struct query6 *q, bool skip4)
{
  struct sent6 s;
  for (;;) {
    s.len = test_frame_pop_bytes(&tn, s.frame, sizeof(s.frame));
    if (s.len < 0) {
      return false;
    }
    u16_t et = get_be16(s.frame + 12);
    if (et == 0x86dd) {
      break;
    }
    assert_true(skip4 && et == 0x0800);
  }
  u8_t *ip = s.frame + 14;
  assert_int_equal(ip[6], 17);
  int plen = get_be16(ip + 4);
  assert_int_equal(cksum6(ip + 8, ip + 24, 17, ip + 40, (size_t)plen), 0);
  memcpy(q->src, ip + 8, 16);
  memcpy(q->dst, ip + 24, 16);
  q->hl = ip[7];
  q->sport = get_be16(ip + 40);
  q->dport = get_be16(ip + 42);
  q->len = plen - 8;
  memcpy(q->msg, ip + 48, (size_t)q->len);
  q->id = get_be16(q->msg);
  int off = 12;
  while (q->msg[off] != 0) {
    off += 1 + q->msg[off];
  }
  q->qend = off + 5;
  assert_int_equal(q->qend, q->len);
  return true;
}

/* An answer to @p q: its header and question as sent, then one AAAA or A
 * record for the question name with @p rdata. */
static size_t answer(u8_t *m, const struct query6 *q, u16_t type, const void *rdata, u16_t rdlen)
{
  memcpy(m, q->msg, (size_t)q->qend);
  put_be16(m + 2, 0x8180); /* response, RD, RA */
  put_be16(m + 6, 1);
  size_t n = (size_t)q->qend;
  m[n++] = 0xc0;
  m[n++] = 0x0c;
  put_be16(m + n, type);
  put_be16(m + n + 2, DNS_RRCLASS_IN);
  put_be32(m + n + 4, 300);
  put_be16(m + n + 8, rdlen);
  memcpy(m + n + 10, rdata, rdlen);
  return n + 10 + rdlen;
}

/* Receive DNS message @p m over UDP/IPv6. */
static void rx_dns6(const u8_t dmac[6], const char *src, u16_t sport, const char *dst, u16_t dport, const u8_t *m,
                    size_t mlen)
{
  u8_t u[700], f[800], s[16], d[16];
  a6(src, s);
  a6(dst, d);
  put_be16(u, sport);
  put_be16(u + 2, dport);
  put_be16(u + 4, (u16_t)(8 + mlen));
  put_be16(u + 6, 0);
  memcpy(u + 8, m, mlen);
  put_be16(u + 6, cksum6(s, d, 17, u, 8 + mlen));
  size_t fl = mk6(f, dmac, src, dst, 17, 64, u, 8 + mlen);
  test_rx(&tn, f, fl);
}

static void test_dns6_aaaa_and_a_over_ipv6(void **state)
{
  (void)state;
  fixture(SRV6);
  assert_int_equal(dns_gethostbyname_ex("www.Example.org", LWIP_DNS_ADDRTYPE_IPV6, NULL, found_ex, NULL),
                   ERR_INPROGRESS);
  struct query6 q;
  assert_true(pop_query6(&q, false));
  assert_addr6(q.src, OUR_GUA);
  assert_addr6(q.dst, SRV6);
  assert_int_equal(q.dport, 53);
  assert_true(q.sport >= UDP_LOCAL_PORT_RANGE_START);
  assert_int_equal(get_be16(q.msg + q.qend - 4), DNS_RRTYPE_AAAA);
  u8_t rd[16], m[600];
  a6("2001:db8:1::80", rd);
  size_t ml = answer(m, &q, DNS_RRTYPE_AAAA, rd, 16);
  rx_dns6(test_mac, SRV6, 53, OUR_GUA, q.sport, m, ml);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].status, DNS_STATUS_OK);
  assert_int_equal(exs[0].naddrs, 1);
  ip_addr_t want = ipa6("2001:db8:1::80");
  assert_true(ip_addr_eq(&exs[0].addrs[0], &want));
  assert_int_equal(exs[0].server_idx, 0);
  ip_addr_t srv = ipa6(SRV6);
  assert_true(ip_addr_eq(&exs[0].server, &srv));

  /* An A lookup goes over IPv6 as well: the transport is the server's. */
  assert_int_equal(dns_gethostbyname_ex("v4only.example.org", LWIP_DNS_ADDRTYPE_IPV4, NULL, found_ex, NULL),
                   ERR_INPROGRESS);
  assert_true(pop_query6(&q, false));
  assert_int_equal(get_be16(q.msg + q.qend - 4), DNS_RRTYPE_A);
  u8_t a4[4] = {192, 0, 2, 7};
  ml = answer(m, &q, DNS_RRTYPE_A, a4, 4);
  rx_dns6(test_mac, SRV6, 53, OUR_GUA, q.sport, m, ml);
  assert_int_equal(nexs, 2);
  assert_int_equal(exs[1].status, DNS_STATUS_OK);
  assert_true(IP_IS_V4_VAL(exs[1].addrs[0]));
  assert_int_equal(dns_pending_count(), 0);
  dns_cache_flush();
}

static void test_dns6_spoofed_answers_ignored(void **state)
{
  (void)state;
  fixture(SRV6);
  assert_int_equal(dns_gethostbyname_ex("spoof.example.org", LWIP_DNS_ADDRTYPE_IPV6, NULL, found_ex, NULL),
                   ERR_INPROGRESS);
  struct query6 q;
  assert_true(pop_query6(&q, false));
  u8_t rd[16], m[600];
  a6("2001:db8:bad::1", rd);
  size_t ml = answer(m, &q, DNS_RRTYPE_AAAA, rd, 16);
  u32_t src0 = DROPS(DNS_BAD_SOURCE), id0 = DROPS(DNS_BAD_ID), qn0 = DROPS(DNS_BAD_QUESTION);
  /* another address, another source port */
  rx_dns6(test_mac, ROGUE6, 53, OUR_GUA, q.sport, m, ml);
  rx_dns6(test_mac, SRV6, 5353, OUR_GUA, q.sport, m, ml);
  CHECK_DROPS(assert_int_equal(DROPS(DNS_BAD_SOURCE), src0 + 2));
  /* another ID */
  u8_t bad[600];
  memcpy(bad, m, ml);
  put_be16(bad, (u16_t)(q.id ^ 0x0101));
  rx_dns6(test_mac, SRV6, 53, OUR_GUA, q.sport, bad, ml);
  CHECK_DROPS(assert_int_equal(DROPS(DNS_BAD_ID), id0 + 1));
  /* the question in another letter case (0x20) */
  memcpy(bad, m, ml);
  int letter = -1;
  for (int i = 13; i < q.qend - 5 && letter < 0; i++) {
    if ((bad[i] >= 'a' && bad[i] <= 'z') || (bad[i] >= 'A' && bad[i] <= 'Z')) {
      letter = i;
    }
  }
  assert_true(letter > 0);
  bad[letter] ^= 0x20;
  rx_dns6(test_mac, SRV6, 53, OUR_GUA, q.sport, bad, ml);
  CHECK_DROPS(assert_int_equal(DROPS(DNS_BAD_QUESTION), qn0 + 1));
  /* to another port of ours: no PCB there */
  rx_dns6(test_mac, SRV6, 53, OUR_GUA, (u16_t)(q.sport + 1), m, ml);
  test_frames_clear(&tn);
  assert_int_equal(nexs, 0);
  /* the real answer still counts */
  a6("2001:db8::abc", rd);
  ml = answer(m, &q, DNS_RRTYPE_AAAA, rd, 16);
  rx_dns6(test_mac, SRV6, 53, OUR_GUA, q.sport, m, ml);
  assert_int_equal(nexs, 1);
  ip_addr_t want = ipa6("2001:db8::abc");
  assert_true(ip_addr_eq(&exs[0].addrs[0], &want));
  dns_cache_flush();
}

static void test_dns6_link_local_server(void **state)
{
  (void)state;
  fixture(PEER_LL); /* no zone: the answer's zone is whatever link it came on */
  assert_int_equal(dns_gethostbyname_ex("ll.example.org", LWIP_DNS_ADDRTYPE_IPV6, NULL, found_ex, NULL),
                   ERR_INPROGRESS);
  struct query6 q;
  assert_true(pop_query6(&q, false));
  assert_addr6(q.src, OUR_LL);
  assert_addr6(q.dst, PEER_LL);
  u8_t rd[16], m[600];
  a6("fd00::1", rd);
  size_t ml = answer(m, &q, DNS_RRTYPE_AAAA, rd, 16);
  rx_dns6(test_mac, PEER_LL, 53, OUR_LL, q.sport, m, ml);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].status, DNS_STATUS_OK);
  dns_cache_flush();
}

static void test_dns6_mdns_query(void **state)
{
  (void)state;
  fixture(SRV6);
  assert_int_equal(dns_gethostbyname_ex("printer.local", LWIP_DNS_ADDRTYPE_IPV6, NULL, found_ex, NULL), ERR_INPROGRESS);
  /* The IPv4 query to 224.0.0.251 first, then one to ff02::fb. */
  struct query6 q;
  assert_true(pop_query6(&q, true));
  assert_addr6(q.dst, "ff02::fb");
  assert_addr6(q.src, OUR_LL);
  assert_int_equal(q.dport, 5353);
  assert_int_equal(q.hl, 255); /* RFC 6762 11 */
  assert_int_equal(get_be16(q.msg + 2) & DNS_FLAG_RD, 0);
  u8_t rd[16], m[600];
  a6("fe80::1234", rd);
  size_t ml = answer(m, &q, DNS_RRTYPE_AAAA, rd, 16);
  /* From off the link: ignored (RFC 6762 11). */
  u32_t src0 = DROPS(DNS_BAD_SOURCE);
  rx_dns6(test_mac, "2001:db9::1", 5353, OUR_LL, q.sport, m, ml);
  CHECK_DROPS(assert_int_equal(DROPS(DNS_BAD_SOURCE), src0 + 1));
  assert_int_equal(nexs, 0);
  /* A link-local responder, unicast to our port. */
  rx_dns6(test_mac, PEER_LL, 5353, OUR_LL, q.sport, m, ml);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].status, DNS_STATUS_OK);
  assert_int_equal(exs[0].server_idx, DNS_SERVER_IDX_MDNS);
  dns_cache_flush();
  test_frames_clear(&tn);
}

static void test_dns6_setserver(void **state)
{
  (void)state;
  fixture(SRV6);
  ip_addr_t want = ipa6(SRV6);
  assert_true(ip_addr_eq(dns_getserver(0), &want));
  dns_setserver(0, NULL);
  assert_true(ip_addr_isany(dns_getserver(0)));
  assert_int_equal(dns_gethostbyname_ex("none.example.org", LWIP_DNS_ADDRTYPE_IPV6, NULL, found_ex, NULL), ERR_VAL);
}

#endif

int main(void)
{
#if LWIP_DNS && LWIP_UDP
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_dns6_aaaa_and_a_over_ipv6, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dns6_spoofed_answers_ignored, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dns6_link_local_server, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dns6_mdns_query, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dns6_setserver, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("dns6", tests, NULL, NULL);
#else
  return 0;
#endif
}
