/* Unit tests for UDP, UDP-Lite and raw PCBs over IPv6 (core/udp.c,
 * core/raw.c) and the ICMPv6 errors that reach them (core/ipv6/icmp6.c):
 * send and receive byte for byte, pseudo-header checksums and the zero
 * checksum refused (RFC 8200 8.1), the dual-stack binding rules, port
 * unreachable, error delivery to the PCB that sent the datagram, raw
 * ICMPv6 checksums (RFC 3542 3.1) and multicast. */
#include "test_ip6_util.h"

#include "lwip/udp.h"
#include "lwip/raw.h"
#include "lwip/mld6.h"

#if LWIP_UDP

static struct test_netif tn;
static struct netif *nif;

static void fixture(void)
{
  nif = ip6_fixture(&tn);
  learn_peer(&tn, PEER_GUA, OUR_GUA);
  learn_peer(&tn, PEER_LL, OUR_LL);
}

/* ---- receive recorder ---- */
#define MAX_RECS 4
struct rec {
  struct udp_pcb *pcb;
  u8_t data[256];
  u16_t len;
  ip_addr_t addr;
  u16_t port;
};
static struct rec recs[MAX_RECS];
static int nrecs;

static void rec_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)arg;
  assert_true(nrecs < MAX_RECS);
  struct rec *r = &recs[nrecs++];
  r->pcb = pcb;
  r->len = p->tot_len;
  assert_true(p->tot_len <= sizeof(r->data));
  pbuf_copy_partial(p, r->data, p->tot_len, 0);
  r->addr = *addr;
  r->port = port;
  pbuf_free(p);
}

static struct ip_icmp_err last_err;
static int nerrs;
static void rec_err(void *arg, struct udp_pcb *pcb, const struct ip_icmp_err *e)
{
  (void)arg;
  (void)pcb;
  last_err = *e;
  nerrs++;
}

static int setup(void **state)
{
  nrecs = 0;
  nerrs = 0;
  memset(&last_err, 0, sizeof(last_err));
  return test_setup(state);
}

/* A UDP (or, with @p nexth 136, UDP-Lite) datagram @p sport -> @p dport
 * with @p data in @p m; the checksum computed (over @p cov bytes for
 * UDP-Lite, 0 = all) unless @p chksum is non-negative, then that value.
 * @return its length. */
static size_t mk_udp6(u8_t *m, const char *src, const char *dst, u8_t nexth, u16_t sport, u16_t dport, const void *data,
                      size_t dlen, u16_t cov, int chksum)
{
  put_be16(m, sport);
  put_be16(m + 2, dport);
  put_be16(m + 4, nexth == 136 ? cov : (u16_t)(8 + dlen));
  put_be16(m + 6, 0);
  memcpy(m + 8, data, dlen);
  if (chksum >= 0) {
    put_be16(m + 6, (u16_t)chksum);
  } else {
    u8_t s[16], d[16];
    a6(src, s);
    a6(dst, d);
    size_t n = nexth == 136 && cov != 0 ? cov : 8 + dlen;
    /* the pseudo header counts the whole length, the sum only n bytes */
    u8_t buf[2200];
    memcpy(buf, s, 16);
    memcpy(buf + 16, d, 16);
    put_be32(buf + 32, (u32_t)(8 + dlen));
    buf[36] = buf[37] = buf[38] = 0;
    buf[39] = nexth;
    memcpy(buf + 40, m, n);
    u16_t sum = test_cksum(buf, 40 + n, 0);
    put_be16(m + 6, sum == 0 ? 0xffff : sum);
  }
  return 8 + dlen;
}

static void rx_udp6(const u8_t dmac[6], const char *src, const char *dst, u8_t nexth, u16_t sport, u16_t dport,
                    const char *text, u16_t cov, int chksum)
{
  u8_t m[512], f[600];
  size_t ml = mk_udp6(m, src, dst, nexth, sport, dport, text, strlen(text), cov, chksum);
  size_t fl = mk6(f, dmac, src, dst, nexth, 64, m, ml);
  test_rx(&tn, f, fl);
}

static struct pbuf *payload(const char *text)
{
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)strlen(text), PBUF_RAM);
  assert_non_null(p);
  pbuf_take(p, text, (u16_t)strlen(text));
  return p;
}

static ip_addr_t ipa6(const char *text)
{
  ip_addr_t a;
  memset(&a, 0, sizeof(a));
  *ip_2_ip6(&a) = ip6(text);
  a.type = IPADDR_TYPE_V6;
  return a;
}

static ip_addr_t ipa4(const char *text)
{
  ip_addr_t a;
  assert_true(ipaddr_aton(text, &a));
  return a;
}

static void rx_udp4(u16_t sport, u16_t dport, const char *text)
{
  u8_t f[200];
  size_t dl = strlen(text);
  test_eth_hdr(f, test_mac, peer_mac, 0x0800);
  u8_t *ip = f + 14;
  memset(ip, 0, 20);
  ip[0] = 0x45;
  put_be16(ip + 2, (u16_t)(28 + dl));
  ip[8] = 64;
  ip[9] = 17;
  inet_pton(AF_INET, "192.168.1.2", ip + 12);
  inet_pton(AF_INET, "192.168.1.10", ip + 16);
  put_be16(ip + 10, test_cksum(ip, 20, 0));
  u8_t *u = ip + 20;
  put_be16(u, sport);
  put_be16(u + 2, dport);
  put_be16(u + 4, (u16_t)(8 + dl));
  put_be16(u + 6, 0); /* RFC 768: no checksum, allowed over IPv4 */
  memcpy(u + 8, text, dl);
  test_rx(&tn, f, 14 + 28 + dl);
}

/* ------------------------------------------------------------------ */

static void test_udp6_send_receive(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V6);
  assert_non_null(pcb);
  assert_int_equal(udp_bind(pcb, NULL, 7), ERR_OK);
  assert_true(IP_IS_V6_VAL(pcb->local_ip));
  udp_recv(pcb, rec_recv, NULL);

  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 1234, 7, "hello", 0, -1);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 5);
  assert_memory_equal(recs[0].data, "hello", 5);
  assert_int_equal(recs[0].port, 1234);
  ip_addr_t peer = ipa6(PEER_GUA);
  assert_true(ip_addr_eq(&recs[0].addr, &peer));

  /* The answer: from the address the datagram went to, exact bytes. */
  struct pbuf *p = payload("world!");
  assert_int_equal(udp_sendto(pcb, p, &recs[0].addr, recs[0].port), ERR_OK);
  pbuf_free(p);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_memory_equal(s.frame, peer_mac, 6);
  assert_addr6(s.ip + 8, OUR_GUA);
  assert_addr6(s.ip + 24, PEER_GUA);
  assert_int_equal(s.ip[6], 17);
  assert_int_equal(s.ip[7], 64);
  u8_t expect[64];
  size_t el = mk_udp6(expect, OUR_GUA, PEER_GUA, 17, 7, 1234, "world!", 6, 0, -1);
  assert_int_equal(s.mlen, (int)el);
  assert_memory_equal(s.msg, expect, el);
  assert_int_equal(cksum6(s.ip + 8, s.ip + 24, 17, s.msg, (size_t)s.mlen), 0);

  /* Link-local: the sender's address carries our netif as its zone, and
   * the answer leaves from our link-local address on that link. */
  rx_udp6(test_mac, PEER_LL, OUR_LL, 17, 999, 7, "ll", 0, -1);
  assert_int_equal(nrecs, 2);
  assert_true(IP_IS_V6_VAL(recs[1].addr));
  assert_int_equal(ip_2_ip6(&recs[1].addr)->zone, netif_get_index(nif));
  p = payload("x");
  assert_int_equal(udp_sendto(pcb, p, &recs[1].addr, 999), ERR_OK);
  pbuf_free(p);
  assert_true(pop6(&tn, &s));
  assert_addr6(s.ip + 8, OUR_LL);
  assert_addr6(s.ip + 24, PEER_LL);

  /* UDP_FLAGS_NOCHKSUM is for IPv4: over IPv6 the checksum is sent. */
  udp_set_flags(pcb, UDP_FLAGS_NOCHKSUM);
  p = payload("sum");
  assert_int_equal(udp_sendto(pcb, p, &peer, 1234), ERR_OK);
  pbuf_free(p);
  assert_true(pop6(&tn, &s));
  assert_int_not_equal(get_be16(s.msg + 6), 0);
  assert_int_equal(cksum6(s.ip + 8, s.ip + 24, 17, s.msg, (size_t)s.mlen), 0);

  /* An IPv6 PCB cannot send to IPv4, nor to the any-type address. */
  ip_addr_t v4 = ipa4("192.168.1.2");
  p = payload("no");
  assert_int_equal(udp_sendto(pcb, p, &v4, 1), ERR_VAL);
  assert_int_equal(udp_sendto(pcb, p, IP_ANY_TYPE, 1), ERR_VAL);
  assert_int_equal(udp_connect(pcb, &v4, 1), ERR_VAL);
  pbuf_free(p);
  assert_false(pop6(&tn, &s));
  udp_remove(pcb);
}

static void test_udp6_bound_source_and_connect(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V6);
  ip_addr_t ll = ipa6(OUR_LL);
  ip_2_ip6(&ll)->zone = netif_get_index(nif);
  assert_int_equal(udp_bind(pcb, &ll, 0), ERR_OK);
  assert_true(pcb->local_port >= UDP_LOCAL_PORT_RANGE_START);
  ip_addr_t peer = ipa6(PEER_LL);
  ip_2_ip6(&peer)->zone = netif_get_index(nif);
  assert_int_equal(udp_connect(pcb, &peer, 53), ERR_OK);
  udp_recv(pcb, rec_recv, NULL);
  struct pbuf *p = payload("q");
  assert_int_equal(udp_send(pcb, p), ERR_OK);
  pbuf_free(p);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_addr6(s.ip + 8, OUR_LL);
  assert_addr6(s.ip + 24, PEER_LL);
  assert_int_equal(get_be16(s.msg), pcb->local_port);
  assert_int_equal(get_be16(s.msg + 2), 53);
  /* Connected: only the peer's port 53 reaches it. */
  rx_udp6(test_mac, PEER_LL, OUR_LL, 17, 54, pcb->local_port, "other port", 0, -1);
  assert_int_equal(nrecs, 0);
  rx_udp6(test_mac, PEER_LL, OUR_LL, 17, 53, pcb->local_port, "answer", 0, -1);
  assert_int_equal(nrecs, 1);
  test_frames_clear(&tn);
  /* Bound to the global address: it is the source, whatever selection
   * would pick. */
  ip_addr_t g = ipa6(OUR_GUA);
  struct udp_pcb *gp = udp_new_ip_type(IPADDR_TYPE_V6);
  assert_int_equal(udp_bind(gp, &g, 4000), ERR_OK);
  p = payload("g");
  ip_addr_t pg = ipa6(PEER_GUA);
  assert_int_equal(udp_sendto(gp, p, &pg, 9), ERR_OK);
  assert_true(pop6(&tn, &s));
  assert_addr6(s.ip + 8, OUR_GUA);
  pbuf_free(p);
  udp_remove(gp);
  udp_remove(pcb);
}

static void test_udp6_checksums(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V6);
  assert_int_equal(udp_bind(pcb, NULL, 9), ERR_OK);
  udp_recv(pcb, rec_recv, NULL);
  u32_t bad = DROPS(UDP_BAD_CHKSUM), zero = DROPS(UDP6_ZERO_CHKSUM);
  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 1, 9, "bad sum", 0, 0x1234);
  assert_int_equal(nrecs, 0);
  CHECK_DROPS(assert_int_equal(DROPS(UDP_BAD_CHKSUM), bad + 1));
  /* RFC 8200 8.1: a zero checksum is refused over IPv6, and no port
   * unreachable is sent for it. */
  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 1, 9, "no sum", 0, 0);
  assert_int_equal(nrecs, 0);
  CHECK_DROPS(assert_int_equal(DROPS(UDP6_ZERO_CHKSUM), zero + 1));
  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 1, 10, "no sum, closed port", 0, 0);
  struct sent6 s;
  assert_false(pop6(&tn, &s));
  /* The checksum covers the pseudo header: the same datagram summed for
   * another destination address is refused. */
  u8_t m[64], f[200];
  size_t ml = mk_udp6(m, PEER_GUA, "2001:db8::99", 17, 1, 9, "moved", 5, 0, -1);
  size_t fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 17, 64, m, ml);
  test_rx(&tn, f, fl);
  assert_int_equal(nrecs, 0);
  CHECK_DROPS(assert_int_equal(DROPS(UDP_BAD_CHKSUM), bad + 2));
  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 1, 9, "good", 0, -1);
  assert_int_equal(nrecs, 1);
  udp_remove(pcb);
}

#if LWIP_UDPLITE
static void test_udp6_lite(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V6);
  udp_set_flags(pcb, UDP_FLAGS_UDPLITE);
  assert_int_equal(udp_bind(pcb, NULL, 5004), ERR_OK);
  udp_recv(pcb, rec_recv, NULL);
  /* Coverage 8 + 4: bytes after it may be damaged. */
  u8_t m[64], f[200];
  size_t ml = mk_udp6(m, PEER_GUA, OUR_GUA, 136, 1, 5004, "abcdEFGH", 8, 12, -1);
  m[8 + 6] ^= 0xff;
  size_t fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 136, 64, m, ml);
  test_rx(&tn, f, fl);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 8);
  /* Inside the coverage it may not. */
  m[8 + 1] ^= 0xff;
  fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 136, 64, m, ml);
  test_rx(&tn, f, fl);
  assert_int_equal(nrecs, 1);
  /* Sent: coverage field and partial checksum with the IPv6 pseudo header. */
  pcb->chksum_len_tx = 10;
  struct pbuf *p = payload("0123456789");
  ip_addr_t peer = ipa6(PEER_GUA);
  assert_int_equal(udp_sendto(pcb, p, &peer, 7), ERR_OK);
  pbuf_free(p);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_int_equal(s.ip[6], 136);
  u8_t expect[64];
  size_t el = mk_udp6(expect, OUR_GUA, PEER_GUA, 136, 5004, 7, "0123456789", 10, 10, -1);
  assert_int_equal(s.mlen, (int)el);
  assert_memory_equal(s.msg, expect, el);
  udp_remove(pcb);
}
#endif

static void test_udp6_binding_rules(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *v4 = udp_new_ip_type(IPADDR_TYPE_V4);
  struct udp_pcb *v6 = udp_new_ip_type(IPADDR_TYPE_V6);
  struct udp_pcb *any = udp_new_ip_type(IPADDR_TYPE_ANY);
  assert_non_null(any);
  /* The families do not overlap: both wildcards on one port. */
  assert_int_equal(udp_bind(v4, NULL, 5000), ERR_OK);
  assert_int_equal(udp_bind(v6, NULL, 5000), ERR_OK);
  /* A dual-stack wildcard overlaps both. */
  assert_int_equal(udp_bind(any, IP_ANY_TYPE, 5000), ERR_USE);
  udp_recv(v4, rec_recv, NULL);
  udp_recv(v6, rec_recv, NULL);
  udp_recv(any, rec_recv, NULL);
  /* A V4 PCB never sees IPv6, a V6 PCB never IPv4. */
  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 1, 5000, "six", 0, -1);
  assert_int_equal(nrecs, 1);
  assert_ptr_equal(recs[0].pcb, v6);
  rx_udp4(1, 5000, "four");
  assert_int_equal(nrecs, 2);
  assert_ptr_equal(recs[1].pcb, v4);
  assert_true(IP_IS_V4_VAL(recs[1].addr));

  /* Alone on a port, the dual-stack PCB hears both families. */
  assert_int_equal(udp_bind(any, IP_ANY_TYPE, 5001), ERR_OK);
  assert_true(IP_IS_ANY_TYPE_VAL(any->local_ip));
  nrecs = 0;
  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 1, 5001, "six", 0, -1);
  rx_udp4(1, 5001, "four");
  assert_int_equal(nrecs, 2);
  assert_ptr_equal(recs[0].pcb, any);
  assert_ptr_equal(recs[1].pcb, any);
  assert_true(IP_IS_V6_VAL(recs[0].addr));
  assert_true(IP_IS_V4_VAL(recs[1].addr));
  /* It sends to both families too. */
  struct pbuf *p = payload("x");
  ip_addr_t p6 = ipa6(PEER_GUA), p4 = ipa4("192.168.1.2");
  assert_int_equal(udp_sendto(any, p, &p6, 1), ERR_OK);
  assert_int_equal(udp_sendto(v4, p, &p6, 1), ERR_VAL);
  assert_int_equal(udp_sendto(v6, p, &p4, 1), ERR_VAL);
  pbuf_free(p);
  test_frames_clear(&tn);

  /* The specific address beats the wildcard (SO_REUSEADDR lets them
   * share the port); a wildcard of the datagram's family beats the
   * dual-stack one. */
  struct udp_pcb *spec = udp_new_ip_type(IPADDR_TYPE_V6);
  ip_set_option(spec, SOF_REUSEADDR);
  ip_set_option(any, SOF_REUSEADDR);
  ip_addr_t gua = ipa6(OUR_GUA);
  assert_int_equal(udp_bind(spec, &gua, 5001), ERR_OK);
  udp_recv(spec, rec_recv, NULL);
  struct udp_pcb *w6 = udp_new_ip_type(IPADDR_TYPE_V6);
  ip_set_option(w6, SOF_REUSEADDR);
  nrecs = 0;
  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 1, 5001, "to gua", 0, -1);
  rx_udp6(test_mac, PEER_LL, OUR_LL, 17, 1, 5001, "to ll", 0, -1);
  assert_int_equal(nrecs, 2);
  assert_ptr_equal(recs[0].pcb, spec);
  assert_ptr_equal(recs[1].pcb, any);
  assert_int_equal(udp_bind(w6, NULL, 5001), ERR_OK);
  udp_recv(w6, rec_recv, NULL);
  rx_udp6(test_mac, PEER_LL, OUR_LL, 17, 1, 5001, "to ll", 0, -1);
  assert_int_equal(nrecs, 3);
  assert_ptr_equal(recs[2].pcb, w6);
  /* Without SO_REUSEADDR on both, a specific address collides with a
   * wildcard of its family, but not with one of the other family. */
  struct udp_pcb *c = udp_new_ip_type(IPADDR_TYPE_V6);
  assert_int_equal(udp_bind(c, &gua, 5000), ERR_USE);
  ip_addr_t our4 = ipa4("192.168.1.10");
  assert_int_equal(udp_bind(c, &gua, 5002), ERR_OK);
  struct udp_pcb *c4 = udp_new();
  assert_int_equal(udp_bind(c4, &our4, 5002), ERR_OK);
  udp_remove(c4);
  udp_remove(c);
  udp_remove(w6);
  udp_remove(spec);
  udp_remove(any);
  udp_remove(v6);
  udp_remove(v4);
}

static void test_udp6_port_unreachable(void **state)
{
  (void)state;
  fixture();
  u32_t nopcb = DROPS(UDP_NO_PCB);
  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 4444, 33434, "probe", 0, -1);
  CHECK_DROPS(assert_int_equal(DROPS(UDP_NO_PCB), nopcb + 1));
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_addr6(s.ip + 8, OUR_GUA);
  assert_addr6(s.ip + 24, PEER_GUA);
  assert_int_equal(s.ip[6], 58);
  assert_int_equal(s.msg[0], 1); /* destination unreachable */
  assert_int_equal(s.msg[1], 4); /* port unreachable */
  /* The quote: the invoking packet from its IPv6 header on. */
  assert_int_equal(s.mlen, 8 + 40 + 8 + 5);
  assert_addr6(s.msg + 8 + 8, PEER_GUA);
  assert_int_equal(s.msg[8 + 6], 17);
  assert_int_equal(get_be16(s.msg + 8 + 40 + 2), 33434);
  /* Not for a multicast destination (RFC 4443 2.4(e.3)). */
  u8_t mm[6];
  mcast_mac("ff02::1", mm);
  rx_udp6(mm, PEER_LL, "ff02::1", 17, 4444, 33434, "probe", 0, -1);
  assert_false(pop6(&tn, &s));
  /* Rate-limited: one error, the next suppressed and counted. */
  assert_int_equal(icmp6_set_ratelimit(1, 1), ERR_OK);
  u32_t limited = DROPS(ICMP6_RATE_LIMIT);
  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 4444, 33435, "a", 0, -1);
  rx_udp6(test_mac, PEER_GUA, OUR_GUA, 17, 4444, 33436, "b", 0, -1);
  assert_true(pop6(&tn, &s));
  assert_false(pop6(&tn, &s));
  CHECK_DROPS(assert_int_equal(DROPS(ICMP6_RATE_LIMIT), limited + 1));
}

/* An ICMPv6 error of @p type/@p code from the peer quoting the datagram in
 * @p sent (IPv6 header on, @p slen bytes). */
static void rx_error_about(const u8_t *sent, size_t slen, u8_t type, u8_t code, u32_t field)
{
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, type, code, field, sent, slen);
}

static void test_udp6_icmp_errors(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V6);
  ip_addr_t peer = ipa6(PEER_GUA);
  assert_int_equal(udp_connect(pcb, &peer, 53), ERR_OK);
  udp_recv(pcb, rec_recv, NULL);
  udp_err(pcb, rec_err);
  struct pbuf *p = payload("query");
  assert_int_equal(udp_send(pcb, p), ERR_OK);
  pbuf_free(p);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  u8_t sent[200];
  size_t slen = (size_t)(40 + s.mlen);
  memcpy(sent, s.ip, slen);

  rx_error_about(sent, slen, 1, 4, 0);
  assert_int_equal(nerrs, 1);
  assert_int_equal(last_err.err, ERR_RST);
  assert_int_equal(last_err.type, 1);
  assert_int_equal(last_err.code, 4);
  assert_int_equal(last_err.sport, pcb->local_port);
  assert_int_equal(last_err.dport, 53);
  assert_true(ip_addr_eq(&last_err.dest, &peer));
  assert_true(ip_addr_eq(&last_err.reporter, &peer));
  assert_ptr_equal(last_err.inp, nif);

  /* Packet Too Big reaches it with the MTU, and still lowers the PMTU. */
  rx_error_about(sent, slen, 2, 0, 1300);
  assert_int_equal(nerrs, 2);
  assert_int_equal(last_err.err, ERR_BUF);
  assert_int_equal(last_err.info, 1300);
  ip6_addr_t pg = ip6(PEER_GUA);
  assert_int_equal(icmp6_path_mtu(nif, &pg), 1300);
  /* Time exceeded on the way. */
  rx_error_about(sent, slen, 3, 0, 0);
  assert_int_equal(nerrs, 3);
  assert_int_equal(last_err.err, ERR_RTE);

  /* Not ours: a quoted source that is not our address. */
  u32_t badq = DROPS(ICMP6_BAD_QUOTE);
  u8_t forged[200];
  memcpy(forged, sent, slen);
  a6("2001:db8::77", forged + 8);
  rx_error_about(forged, slen, 1, 4, 0);
  assert_int_equal(nerrs, 3);
  CHECK_DROPS(assert_int_equal(DROPS(ICMP6_BAD_QUOTE), badq + 1));
  /* Too short to name the ports. */
  rx_error_about(sent, 40 + 2, 1, 4, 0);
  assert_int_equal(nerrs, 3);
  CHECK_DROPS(assert_int_equal(DROPS(ICMP6_BAD_QUOTE), badq + 2));
  /* About another port, or another peer of a connected PCB: nobody's. */
  u32_t unm = DROPS(ICMP6_ERR_UNMATCHED);
  memcpy(forged, sent, slen);
  put_be16(forged + 40, (u16_t)(pcb->local_port + 1));
  rx_error_about(forged, slen, 1, 4, 0);
  memcpy(forged, sent, slen);
  put_be16(forged + 40 + 2, 54);
  rx_error_about(forged, slen, 1, 4, 0);
  assert_int_equal(nerrs, 3);
  CHECK_DROPS(assert_int_equal(DROPS(ICMP6_ERR_UNMATCHED), unm + 2));
  /* A removed PCB hears nothing more. */
  udp_remove(pcb);
  rx_error_about(sent, slen, 1, 4, 0);
  assert_int_equal(nerrs, 3);
}

static void test_udp6_multicast(void **state)
{
  (void)state;
  fixture();
  struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V6);
  assert_int_equal(udp_bind(pcb, NULL, 5353), ERR_OK);
  udp_recv(pcb, rec_recv, NULL);
  u8_t mm[6];
  mcast_mac("ff02::fb", mm);
  /* Not joined: IPv6 does not take it. */
  rx_udp6(mm, PEER_LL, "ff02::fb", 17, 5353, 5353, "q", 0, -1);
  assert_int_equal(nrecs, 0);
  ip6_addr_t g = ip6("ff02::fb");
  assert_int_equal(mld6_joingroup_netif(nif, &g), ERR_OK);
  test_frames_clear(&tn);
  rx_udp6(mm, PEER_LL, "ff02::fb", 17, 5353, 5353, "q", 0, -1);
  assert_int_equal(nrecs, 1);
  /* Sent: to the group's MAC, hop limit 1 by default (the multicast TTL),
   * from our link-local address. */
  ip_addr_t grp = ipa6("ff02::fb");
  ip_2_ip6(&grp)->zone = netif_get_index(nif);
  struct pbuf *p = payload("answer");
  assert_int_equal(udp_sendto(pcb, p, &grp, 5353), ERR_OK);
  pbuf_free(p);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  assert_memory_equal(s.frame, mm, 6);
  assert_int_equal(s.ip[7], 1);
  assert_addr6(s.ip + 8, OUR_LL);
  assert_int_equal(cksum6(s.ip + 8, s.ip + 24, 17, s.msg, (size_t)s.mlen), 0);
#if LWIP_LOOPBACK
  /* UDP_FLAGS_MULTICAST_LOOP: a copy to ourselves through the loop queue
   * (RFC 3493 5.2), as well as the one on the wire; none without it. */
  test_clock_advance(1);
  assert_int_equal(nrecs, 1);
  udp_set_flags(pcb, UDP_FLAGS_MULTICAST_LOOP);
  p = payload("looped");
  assert_int_equal(udp_sendto(pcb, p, &grp, 5353), ERR_OK);
  pbuf_free(p);
  assert_true(pop6(&tn, &s));
  assert_int_equal(nrecs, 1);
  test_clock_advance(1);
  assert_int_equal(nrecs, 2);
  assert_int_equal(recs[1].len, 6);
  assert_memory_equal(recs[1].data, "looped", 6);
  ip_addr_t ll = ipa6(OUR_LL);
  assert_true(ip6_addr_eq_nozone(ip_2_ip6(&recs[1].addr), ip_2_ip6(&ll)));
  /* a group we did not join: on the wire only */
  ip_addr_t other = ipa6("ff02::1234");
  p = payload("x");
  assert_int_equal(udp_sendto(pcb, p, &other, 5353), ERR_OK);
  pbuf_free(p);
  test_clock_advance(1);
  assert_int_equal(nrecs, 2);
  test_frames_clear(&tn);
#endif
  assert_int_equal(mld6_leavegroup_netif(nif, &g), ERR_OK);
  udp_remove(pcb);
}

#if LWIP_RAW
static int raw_seen;
static u16_t raw_seen_len;
static u8_t raw_first;
static u8_t raw_recv_fn6(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
  (void)arg;
  (void)pcb;
  assert_true(IP_IS_V6_VAL(*addr));
  raw_seen++;
  raw_seen_len = p->tot_len;
  raw_first = pbuf_get_at(p, 0);
  return 0;
}

static int raw_errs;
static struct ip_icmp_err raw_last;
static void raw_err_fn6(void *arg, struct raw_pcb *pcb, const struct ip_icmp_err *e)
{
  (void)arg;
  (void)pcb;
  raw_errs++;
  raw_last = *e;
}

static void test_raw6(void **state)
{
  (void)state;
  fixture();
  raw_seen = 0;
  raw_errs = 0;
  struct raw_pcb *r6 = raw_new_ip_type(IPADDR_TYPE_V6, 58);
  struct raw_pcb *r4 = raw_new_ip_type(IPADDR_TYPE_V4, 58);
  assert_non_null(r6);
  assert_non_null(r4);
  raw_recv(r6, raw_recv_fn6, NULL);
  raw_recv(r4, raw_recv_fn6, NULL);
  /* An echo request reaches the IPv6 PCB (payload at the IPv6 header),
   * not the IPv4 one, and the stack still answers it. */
  u8_t body[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 128, 0, 0x00010001UL, body, sizeof(body));
  assert_int_equal(raw_seen, 1);
  assert_int_equal(raw_seen_len, 40 + 16);
  assert_int_equal(raw_first >> 4, 6);
  struct sent6 s;
  assert_true(pop6(&tn, &s));
  /* RFC 3542 3.1: a bad ICMPv6 checksum is not delivered. */
  u8_t m[64], f[200];
  size_t ml = mk_icmp6(m, PEER_GUA, OUR_GUA, 128, 0, 0x00010002UL, body, sizeof(body));
  m[2] ^= 0x55;
  size_t fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 58, 64, m, ml);
  test_rx(&tn, f, fl);
  assert_int_equal(raw_seen, 1);
  /* Sent: the stack fills in the checksum (pop6 checks it) and leaves
   * the caller's pbuf unchanged. */
  struct pbuf *p = pbuf_alloc(PBUF_IP, 16, PBUF_RAM);
  u8_t echo[16] = {128, 0, 0, 0, 0, 9, 0, 1, 'p', 'i', 'n', 'g', 0, 0, 0, 0};
  pbuf_take(p, echo, sizeof(echo));
  ip_addr_t peer = ipa6(PEER_GUA);
  assert_int_equal(raw_sendto(r6, p, &peer), ERR_OK);
  assert_int_equal(pbuf_get_at(p, 2), 0);
  assert_true(pop6(&tn, &s));
  assert_int_equal(s.ip[6], 58);
  assert_addr6(s.ip + 8, OUR_GUA);
  assert_int_equal(s.mlen, 16);
  assert_int_equal(raw_sendto(r4, p, &peer), ERR_VAL);
  pbuf_free(p);

  /* An error quoting a datagram of the raw PCB's protocol reaches it. */
  struct raw_pcb *r253 = raw_new_ip_type(IPADDR_TYPE_V6, 253);
  raw_recv(r253, raw_recv_fn6, NULL);
  raw_err(r253, raw_err_fn6);
  p = payload("experiment");
  assert_int_equal(raw_sendto(r253, p, &peer), ERR_OK);
  pbuf_free(p);
  assert_true(pop6(&tn, &s));
  assert_int_equal(s.ip[6], 253);
  rx_error_about(s.ip, (size_t)(40 + s.mlen), 1, 0, 0);
  assert_int_equal(raw_errs, 1);
  assert_int_equal(raw_last.proto, 253);
  assert_int_equal(raw_last.err, ERR_RTE);
  /* A raw PCB that saw a protocol the stack lacks: no Parameter Problem. */
  ml = 4;
  memset(m, 0, ml);
  fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 253, 64, m, ml);
  int seen = raw_seen; /* the ICMPv6 PCB saw the error message too */
  test_rx(&tn, f, fl);
  assert_int_equal(raw_seen, seen + 1);
  assert_false(pop6(&tn, &s));
  raw_remove(r253);
  fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 253, 64, m, ml);
  test_rx(&tn, f, fl);
  assert_true(pop6(&tn, &s));
  assert_int_equal(s.msg[0], 4);
  raw_remove(r4);
  raw_remove(r6);
}
#endif

#endif /* LWIP_UDP */

int main(void)
{
#if LWIP_UDP
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_udp6_send_receive, setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp6_bound_source_and_connect, setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp6_checksums, setup, test_teardown),
#if LWIP_UDPLITE
    cmocka_unit_test_setup_teardown(test_udp6_lite, setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_udp6_binding_rules, setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp6_port_unreachable, setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp6_icmp_errors, setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_udp6_multicast, setup, test_teardown),
#if LWIP_RAW
    cmocka_unit_test_setup_teardown(test_raw6, setup, test_teardown),
#endif
  };
  return cmocka_run_group_tests_name("udp6", tests, NULL, NULL);
#else
  return 0;
#endif
}
