/* Unit tests for core/apps/mdns.c (lwip/apps/mdns.h): probe and announce
 * timing (RFC 6762 8.1, 8.3), conflicts while probing (rename) and after
 * announcing (probe again), the simultaneous-probe tie-break (8.2),
 * answers (shared records delayed, unique at once, QU unicast, legacy
 * unicast), known-answer suppression (7.1), service discovery records
 * (RFC 6763), goodbyes, link and address changes, malformed messages
 * counted by their drop reason, and allocation failures.  With IPv6:
 * probes, announcements and goodbyes to both groups with A and AAAA
 * records, the ff02::fb membership, queries answered over the family
 * they came by (each with its own one-second limit), legacy unicast and
 * conflicts over IPv6, off-link IPv6 sources dropped.
 *
 * The test plays the other hosts of the link through the fake netif on
 * the virtual clock, with its own small DNS message builder and parser. */
#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>

#include "lwip/opt.h"

#if LWIP_UDP && LWIP_IGMP

#include "lwip/apps/mdns.h"
#include "lwip/etharp.h"
#include "lwip/igmp.h"
#include "lwip/udp.h"
#include "lwip/prot/dns.h"
#include "lwip/prot/wire.h"
#if LWIP_IPV6
#include "test_ip6_util.h"
#include "lwip/mld6.h"
#endif

#define OUR_IP "192.168.1.10"
#define PEER_IP "192.168.1.20"
#define GROUP "224.0.0.251"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

static struct test_netif tn;
static struct mdns md;

static void add_arp(const char *ip)
{
  test_add_peer_arp(ip);
}

static void fixture(void)
{
  memset(&md, 0, sizeof(md));
  test_netif_add(&tn, OUR_IP, "255.255.255.0", "192.168.1.1", test_mac);
  add_arp(PEER_IP);
}

static int teardown(void **state)
{
  mdns_stop(&md);
  return test_teardown(state);
}

static struct mdns_info info(void)
{
  struct mdns_info in;
  mdns_get_info(&md, &in);
  return in;
}

/* ---- a DNS message builder (independent of the code under test) ---- */
struct msg {
  u8_t b[1500];
  size_t len;
};

static void m_init(struct msg *m, u16_t id, u16_t flags, u16_t qd, u16_t an, u16_t ns, u16_t ar)
{
  memset(m, 0, sizeof(*m));
  put_be16(m->b, id);
  put_be16(m->b + 2, flags);
  put_be16(m->b + 4, qd);
  put_be16(m->b + 6, an);
  put_be16(m->b + 8, ns);
  put_be16(m->b + 10, ar);
  m->len = 12;
}

/* Labels separated by '.' (no compression). */
static void m_name(struct msg *m, const char *dotted)
{
  const char *p = dotted;
  while (*p != '\0') {
    const char *dot = strchr(p, '.');
    size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);
    m->b[m->len++] = (u8_t)l;
    memcpy(m->b + m->len, p, l);
    m->len += l;
    p += l;
    if (*p == '.') {
      p++;
    }
  }
  m->b[m->len++] = 0;
}

static void m_q(struct msg *m, const char *name, u16_t type, u16_t cls)
{
  m_name(m, name);
  put_be16(m->b + m->len, type);
  put_be16(m->b + m->len + 2, cls);
  m->len += 4;
}

static void m_rr(struct msg *m, const char *name, u16_t type, u16_t cls, u32_t ttl, const void *rd, u16_t rdlen)
{
  m_name(m, name);
  put_be16(m->b + m->len, type);
  put_be16(m->b + m->len + 2, cls);
  put_be32(m->b + m->len + 4, ttl);
  put_be16(m->b + m->len + 8, rdlen);
  m->len += 10;
  memcpy(m->b + m->len, rd, rdlen);
  m->len += rdlen;
}

static void m_rr_a(struct msg *m, const char *name, const char *ip, u32_t ttl)
{
  u32_t a = test_ip(ip);
  m_rr(m, name, DNS_RRTYPE_A, DNS_RRCLASS_IN | DNS_RRCLASS_MDNS_FLAG, ttl, &a, 4);
}

/* A name in rdata form (for PTR known answers). */
static u16_t name_bytes(u8_t *out, const char *dotted)
{
  struct msg t;
  t.len = 0;
  m_name(&t, dotted);
  memcpy(out, t.b, t.len);
  return (u16_t)t.len;
}

/* Hand @p m to the stack as from @p src:@p sport to the group (or to our
 * address when @p unicast). */
static void rx_raw(const char *src, u16_t sport, const void *payload, size_t plen, bool unicast)
{
  static const u8_t group_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
  u8_t frame[1600];
  const char *dst = unicast ? OUR_IP : GROUP;
  size_t n = test_eth_hdr(frame, unicast ? test_mac : group_mac, peer_mac, 0x0800);
  size_t ul = test_udp(frame + n + 20, src, dst, sport, DNS_MQUERY_PORT, payload, plen);
  n += test_ip4_hdr(frame + n, src, dst, 17, (u16_t)(20 + ul), 7, 0, 255);
  test_rx(&tn, frame, n + ul);
}

static void rx_msg(const char *src, u16_t sport, const struct msg *m)
{
  rx_raw(src, sport, m->b, m->len, false);
}

/* ---- a parser of what the responder sent ---- */
struct prr {
  char name[256];
  u16_t type, cls;
  u32_t ttl;
  u16_t rdlen;
  u8_t rd[256];
  char target[256]; /* PTR target, SRV target */
};

struct pmsg {
  u32_t dst; /* network order */
  u16_t sport, dport;
  u16_t id, flags, qd, an, ns, ar;
  char qname[4][256];
  u16_t qtype[4], qclass[4];
  int nrr;
  struct prr rr[24];
};

static size_t p_name(const u8_t *b, size_t len, size_t off, char *out)
{
  size_t end = 0, o = 0;
  int hops = 0;
  out[0] = '\0';
  for (;;) {
    assert_true(off < len);
    u8_t c = b[off];
    if ((c & 0xc0) == 0xc0) {
      assert_true(off + 1 < len);
      if (end == 0) {
        end = off + 2;
      }
      off = ((size_t)(c & 0x3f) << 8) | b[off + 1];
      assert_true(++hops < 64);
      continue;
    }
    if (c == 0) {
      if (end == 0) {
        end = off + 1;
      }
      if (o > 0) {
        out[o - 1] = '\0';
      }
      return end;
    }
    assert_true(off + 1 + c <= len && o + c + 1 < 256);
    memcpy(out + o, b + off + 1, c);
    o += c;
    out[o++] = '.';
    out[o] = '\0';
    off += 1 + c;
  }
}

static void parse(const u8_t *b, size_t len, struct pmsg *pm)
{
  assert_true(len >= 12);
  pm->id = get_be16(b);
  pm->flags = get_be16(b + 2);
  pm->qd = get_be16(b + 4);
  pm->an = get_be16(b + 6);
  pm->ns = get_be16(b + 8);
  pm->ar = get_be16(b + 10);
  size_t off = 12;
  assert_true(pm->qd <= 4);
  for (int i = 0; i < pm->qd; i++) {
    off = p_name(b, len, off, pm->qname[i]);
    pm->qtype[i] = get_be16(b + off);
    pm->qclass[i] = get_be16(b + off + 2);
    off += 4;
  }
  pm->nrr = pm->an + pm->ns + pm->ar;
  assert_true(pm->nrr <= 24);
  for (int i = 0; i < pm->nrr; i++) {
    struct prr *r = &pm->rr[i];
    memset(r, 0, sizeof(*r));
    off = p_name(b, len, off, r->name);
    assert_true(off + 10 <= len);
    r->type = get_be16(b + off);
    r->cls = get_be16(b + off + 2);
    r->ttl = get_be32(b + off + 4);
    r->rdlen = get_be16(b + off + 8);
    off += 10;
    assert_true(off + r->rdlen <= len && r->rdlen <= sizeof(r->rd));
    memcpy(r->rd, b + off, r->rdlen);
    if (r->type == DNS_RRTYPE_PTR) {
      p_name(b, len, off, r->target);
    } else if (r->type == DNS_RRTYPE_SRV) {
      p_name(b, len, off + 6, r->target);
    }
    off += r->rdlen;
  }
  assert_int_equal(off, len);
}

/* Pop the next UDP datagram the stack sent (IGMP reports are skipped).
 * @return false when there is none. */
static bool pop(struct pmsg *pm)
{
  u8_t buf[1600];
  for (;;) {
    int n = test_pop_ip_bytes(&tn, buf, sizeof(buf));
    if (n < 0) {
      return false;
    }
    const u8_t *ip = buf + 14;
    size_t hl = (size_t)(ip[0] & 0x0f) * 4;
    if (ip[9] != IP_PROTO_UDP) {
      continue;
    }
    assert_int_equal(ip[8], 255); /* RFC 6762 11: IP TTL 255 */
    memset(pm, 0, sizeof(*pm));
    memcpy(&pm->dst, ip + 16, 4);
    const u8_t *udp = ip + hl;
    pm->sport = get_be16(udp);
    pm->dport = get_be16(udp + 2);
    assert_int_equal(pm->sport, DNS_MQUERY_PORT);
    parse(udp + 8, (size_t)get_be16(udp + 4) - 8, pm);
    return true;
  }
}

static struct pmsg must_pop(void)
{
  struct pmsg pm;
  assert_true(pop(&pm));
  return pm;
}

static void expect_nothing(void)
{
  struct pmsg pm;
  assert_false(pop(&pm));
}

static const struct prr *find_rr(const struct pmsg *pm, const char *name, u16_t type)
{
  for (int i = 0; i < pm->nrr; i++) {
    if (strcmp(pm->rr[i].name, name) == 0 && pm->rr[i].type == type) {
      return &pm->rr[i];
    }
  }
  return NULL;
}

/* Advance the clock until a message is sent (at most @p max_ms).
 * @return the ms waited. */
static u32_t wait_msg(u32_t max_ms, struct pmsg *pm)
{
  for (u32_t t = 0; t <= max_ms; t++) {
    if (pop(pm)) {
      return t;
    }
    test_clock_advance(1);
  }
  fail_msg("nothing sent within %u ms", max_ms);
  return 0;
}

static void start(const char *host)
{
  fixture();
  assert_int_equal(mdns_start(&md, &tn.netif, host), ERR_OK);
}

/* Run probing (@p seen probes taken already) and both announcements;
 * then wait out the 1 s multicast limit so the next query is answered. */
static void finish_announcing(int seen)
{
  struct pmsg pm;
  for (int i = seen; i < 3; i++) {
    wait_msg(300, &pm);
  }
  wait_msg(300, &pm);
  wait_msg(1100, &pm);
  assert_string_equal(info().state, "announced");
  test_clock_advance(1000);
  expect_nothing();
}

static void run_to_announced(void)
{
  finish_announcing(0);
}

static void add_http(void)
{
  u8_t txt[64];
  u16_t tl = 0;
  assert_int_equal(mdns_txt_append(txt, &tl, sizeof(txt), "path=/"), ERR_OK);
  assert_int_equal(mdns_add_service(&md, "Web", "_http", MDNS_PROTO_TCP, 80, txt, tl, NULL), ERR_OK);
}

/* ---------------------------------------------------------------------- */

/* RFC 6762 8.1/8.3: three probes 250 ms apart (the first within 250 ms,
 * with QU), then two announcements 1 s apart, then silence. */
static void test_mdns_probe_timing(void **state)
{
  (void)state;
  start("lwipd");
  assert_string_equal(info().state, "probing");
  struct pmsg pm;
  u32_t first = wait_msg(300, &pm);
  assert_true(first <= MDNS_PROBE_INTERVAL_MS);
  for (int i = 0; i < 3; i++) {
    if (i > 0) {
      assert_int_equal(wait_msg(300, &pm), MDNS_PROBE_INTERVAL_MS);
    }
    assert_int_equal(pm.dst, test_ip(GROUP));
    assert_int_equal(pm.dport, DNS_MQUERY_PORT);
    assert_int_equal(pm.flags, 0);
    assert_int_equal(pm.qd, 1);
    assert_string_equal(pm.qname[0], "lwipd.local");
    assert_int_equal(pm.qtype[0], DNS_RRTYPE_ANY);
    assert_int_equal(pm.qclass[0], DNS_RRCLASS_IN | (i == 0 ? DNS_RRCLASS_MDNS_FLAG : 0));
    assert_int_equal(pm.ns, 1); /* the proposed A record */
    assert_string_equal(pm.rr[0].name, "lwipd.local");
    assert_int_equal(pm.rr[0].type, DNS_RRTYPE_A);
    assert_int_equal(pm.rr[0].cls, DNS_RRCLASS_IN);
    assert_memory_equal(pm.rr[0].rd, "\xc0\xa8\x01\x0a", 4);
  }
  assert_int_equal(wait_msg(300, &pm), MDNS_PROBE_INTERVAL_MS);
  assert_int_equal(pm.flags, DNS_FLAG_QR | DNS_FLAG_AA);
  assert_int_equal(pm.an, 1);
  assert_int_equal(pm.rr[0].type, DNS_RRTYPE_A);
  assert_int_equal(pm.rr[0].cls, DNS_RRCLASS_IN | DNS_RRCLASS_MDNS_FLAG);
  assert_int_equal(pm.rr[0].ttl, MDNS_TTL_HOST);
  assert_string_equal(info().state, "announcing");
  assert_int_equal(wait_msg(1100, &pm), MDNS_ANNOUNCE_INTERVAL_MS);
  assert_int_equal(pm.an, 1);
  assert_string_equal(info().state, "announced");
  test_clock_advance(60000);
  expect_nothing();
  assert_int_equal(info().stats.probes, 3);
  assert_int_equal(info().stats.announcements, 2);
}

/* RFC 6762 8.1, 9: a response claiming our name while we probe makes us
 * take NAME-2 and probe again; a second one NAME-3. */
static void test_mdns_conflict_rename(void **state)
{
  (void)state;
  start("lwipd");
  struct pmsg pm;
  wait_msg(300, &pm);
  struct msg m;
  m_init(&m, 0, DNS_FLAG_QR | DNS_FLAG_AA, 0, 1, 0, 0);
  m_rr_a(&m, "LWIPD.local", "192.168.1.99", 120); /* case does not matter */
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_string_equal(info().hostname, "lwipd-2");
  assert_string_equal(info().state, "probing");
  assert_int_equal(info().stats.conflicts, 1);
  assert_int_equal(info().stats.renames, 1);
  wait_msg(300, &pm);
  assert_string_equal(pm.qname[0], "lwipd-2.local");
  assert_int_equal(pm.qclass[0], DNS_RRCLASS_IN | DNS_RRCLASS_MDNS_FLAG); /* a fresh first probe */
  /* Our own record (same data) is no conflict; a goodbye neither. */
  m_init(&m, 0, DNS_FLAG_QR | DNS_FLAG_AA, 0, 2, 0, 0);
  m_rr_a(&m, "lwipd-2.local", OUR_IP, 120);
  m_rr_a(&m, "lwipd-2.local", "192.168.1.99", 0);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_string_equal(info().hostname, "lwipd-2");
  m_init(&m, 0, DNS_FLAG_QR | DNS_FLAG_AA, 0, 1, 0, 0);
  m_rr_a(&m, "lwipd-2.local", "192.168.1.99", 120);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_string_equal(info().hostname, "lwipd-3");
  assert_string_equal(info().base, "lwipd");
  run_to_announced();
  assert_int_equal(info().stats.renames, 2);
}

/* RFC 6762 9: after announcing, a unique record of ours with other data
 * sends us back to probing under the same name; if the other host
 * defends it while we probe, we rename. */
static void test_mdns_conflict_after_announce(void **state)
{
  (void)state;
  start("lwipd");
  run_to_announced();
  struct msg m;
  m_init(&m, 0, DNS_FLAG_QR | DNS_FLAG_AA, 0, 1, 0, 0);
  m_rr_a(&m, "lwipd.local", "192.168.1.99", 120);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_string_equal(info().state, "probing");
  assert_string_equal(info().hostname, "lwipd");
  assert_int_equal(info().stats.conflicts, 1);
  struct pmsg pm;
  wait_msg(300, &pm);
  assert_string_equal(pm.qname[0], "lwipd.local");
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_string_equal(info().hostname, "lwipd-2");
  assert_int_equal(info().stats.conflicts, 2);
}

/* RFC 6762 8.2: a simultaneous probe whose records sort after ours wins:
 * we wait 1 s and probe again.  One whose records sort before ours
 * loses and changes nothing. */
static void test_mdns_tiebreak(void **state)
{
  (void)state;
  start("lwipd");
  struct pmsg pm;
  wait_msg(300, &pm);
  struct msg m;
  /* 192.168.1.5 < 192.168.1.10: we are later, we win. */
  m_init(&m, 0, 0, 1, 0, 1, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_ANY, DNS_RRCLASS_IN | DNS_RRCLASS_MDNS_FLAG);
  m_rr_a(&m, "lwipd.local", "192.168.1.5", 120);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(info().stats.tiebreaks_lost, 0);
  assert_int_equal(wait_msg(300, &pm), MDNS_PROBE_INTERVAL_MS); /* the second probe on time */
  /* 192.168.1.200 > ours: they win. */
  m_init(&m, 0, 0, 1, 0, 1, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_ANY, DNS_RRCLASS_IN);
  m_rr_a(&m, "lwipd.local", "192.168.1.200", 120);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(info().stats.tiebreaks_lost, 1);
  assert_string_equal(info().hostname, "lwipd");
  assert_int_equal(wait_msg(1100, &pm), 1000);
  assert_string_equal(pm.qname[0], "lwipd.local");
  assert_int_equal(pm.qclass[0], DNS_RRCLASS_IN | DNS_RRCLASS_MDNS_FLAG);
  /* The same records: no conflict at all. */
  m_init(&m, 0, 0, 1, 0, 1, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_ANY, DNS_RRCLASS_IN);
  m_rr_a(&m, "lwipd.local", OUR_IP, 120);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(info().stats.tiebreaks_lost, 1);
  assert_int_equal(info().stats.conflicts, 0);
}

/* A unique record is answered at once by multicast; the 1 s limit holds
 * a repeat back; a QU question soon after gets a unicast answer. */
static void test_mdns_query_qu(void **state)
{
  (void)state;
  start("lwipd");
  run_to_announced();
  struct msg m;
  m_init(&m, 0, 0, 1, 0, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_A, DNS_RRCLASS_IN);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  struct pmsg pm = must_pop();
  assert_int_equal(pm.dst, test_ip(GROUP));
  assert_int_equal(pm.id, 0);
  assert_int_equal(pm.qd, 0);
  assert_int_equal(pm.an, 1);
  assert_string_equal(pm.rr[0].name, "lwipd.local");
  assert_memory_equal(pm.rr[0].rd, "\xc0\xa8\x01\x0a", 4);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  expect_nothing(); /* multicast 0 ms ago */
  m_init(&m, 0, 0, 1, 0, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_A, DNS_RRCLASS_IN | DNS_RRCLASS_MDNS_FLAG);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  pm = must_pop();
  assert_int_equal(pm.dst, test_ip(PEER_IP));
  assert_int_equal(pm.dport, DNS_MQUERY_PORT);
  assert_int_equal(pm.an, 1);
  assert_int_equal(info().stats.unicast, 1);
  /* A question for a name that is not ours, or a class other than IN. */
  m_init(&m, 0, 0, 2, 0, 0, 0);
  m_q(&m, "other.local", DNS_RRTYPE_A, DNS_RRCLASS_IN);
  m_q(&m, "lwipd.local", DNS_RRTYPE_A, 3);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  expect_nothing();
  /* Unicast to our address works the same (RFC 6762 5.5). */
  test_clock_advance(1000);
  m_init(&m, 0, 0, 1, 0, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_ANY, DNS_RRCLASS_IN);
  rx_raw(PEER_IP, DNS_MQUERY_PORT, m.b, m.len, true);
  pm = must_pop();
  assert_int_equal(pm.an, 1);
}

/* RFC 6762 6.7: a query from another port gets a unicast answer to that
 * port: ID and question echoed, TTL at most 10 s, no cache-flush bit. */
static void test_mdns_legacy_unicast(void **state)
{
  (void)state;
  start("lwipd");
  run_to_announced();
  struct msg m;
  m_init(&m, 0x1234, 0, 1, 0, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_A, DNS_RRCLASS_IN);
  rx_msg(PEER_IP, 40000, &m);
  struct pmsg pm = must_pop();
  assert_int_equal(pm.dst, test_ip(PEER_IP));
  assert_int_equal(pm.dport, 40000);
  assert_int_equal(pm.id, 0x1234);
  assert_int_equal(pm.qd, 1);
  assert_string_equal(pm.qname[0], "lwipd.local");
  assert_int_equal(pm.qtype[0], DNS_RRTYPE_A);
  assert_int_equal(pm.an, 1);
  assert_int_equal(pm.rr[0].ttl, MDNS_TTL_LEGACY);
  assert_int_equal(pm.rr[0].cls, DNS_RRCLASS_IN);
  assert_int_equal(info().stats.legacy, 1);
  /* A response from another port is ignored. */
  m_init(&m, 0, DNS_FLAG_QR | DNS_FLAG_AA, 0, 1, 0, 0);
  m_rr_a(&m, "lwipd.local", "192.168.1.99", 120);
  rx_msg(PEER_IP, 40000, &m);
  assert_string_equal(info().state, "announced");
#if LWIP_STATS
  assert_int_equal(DROPS(MDNS_BAD_PORT), 1);
#endif
}

/* RFC 6763: PTR for the service type (delayed 20-120 ms: shared), with
 * SRV, TXT and A as additional records; the enumeration of types; SRV
 * and TXT of the instance.  RFC 6762 7.1: a known answer with at least
 * half the TTL suppresses the answer, one with less does not. */
static void test_mdns_services_known_answers(void **state)
{
  (void)state;
  start("lwipd");
  add_http();
  struct pmsg pm;
  wait_msg(300, &pm);
  assert_int_equal(pm.qd, 2);
  assert_string_equal(pm.qname[1], "Web._http._tcp.local");
  assert_int_equal(pm.ns, 3); /* A, SRV, TXT */
  finish_announcing(1);
  struct msg m;
  m_init(&m, 0, 0, 1, 0, 0, 0);
  m_q(&m, "_http._tcp.local", DNS_RRTYPE_PTR, DNS_RRCLASS_IN);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  expect_nothing();
  u32_t waited = wait_msg(200, &pm);
  assert_true(waited >= 20 && waited <= 120);
  assert_int_equal(pm.an, 1);
  assert_string_equal(pm.rr[0].name, "_http._tcp.local");
  assert_int_equal(pm.rr[0].cls, DNS_RRCLASS_IN); /* shared: no cache-flush */
  assert_int_equal(pm.rr[0].ttl, MDNS_TTL_OTHER);
  assert_string_equal(pm.rr[0].target, "Web._http._tcp.local");
  const struct prr *srv = find_rr(&pm, "Web._http._tcp.local", DNS_RRTYPE_SRV);
  assert_non_null(srv);
  assert_int_equal(get_be16(srv->rd + 4), 80);
  assert_string_equal(srv->target, "lwipd.local");
  assert_int_equal(srv->cls, DNS_RRCLASS_IN | DNS_RRCLASS_MDNS_FLAG);
  const struct prr *txt = find_rr(&pm, "Web._http._tcp.local", DNS_RRTYPE_TXT);
  assert_non_null(txt);
  assert_memory_equal(txt->rd, "\x06path=/", 7);
  assert_non_null(find_rr(&pm, "lwipd.local", DNS_RRTYPE_A));
  test_clock_advance(1000);
  /* Known answer with the full TTL: nothing sent. */
  u8_t rd[64];
  u16_t rl = name_bytes(rd, "Web._http._tcp.local");
  m_init(&m, 0, 0, 1, 1, 0, 0);
  m_q(&m, "_http._tcp.local", DNS_RRTYPE_PTR, DNS_RRCLASS_IN);
  m_rr(&m, "_http._tcp.local", DNS_RRTYPE_PTR, DNS_RRCLASS_IN, 4000, rd, rl);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  test_clock_advance(200);
  expect_nothing();
  assert_int_equal(info().stats.ka_suppressed, 1);
  /* Known answer at less than half the TTL: answered. */
  m_init(&m, 0, 0, 1, 1, 0, 0);
  m_q(&m, "_http._tcp.local", DNS_RRTYPE_PTR, DNS_RRCLASS_IN);
  m_rr(&m, "_http._tcp.local", DNS_RRTYPE_PTR, DNS_RRCLASS_IN, 2000, rd, rl);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  wait_msg(200, &pm);
  assert_string_equal(pm.rr[0].target, "Web._http._tcp.local");
  /* Service type enumeration (RFC 6763 9) and the instance's records. */
  test_clock_advance(1000);
  m_init(&m, 0, 0, 2, 0, 0, 0);
  m_q(&m, "_services._dns-sd._udp.local", DNS_RRTYPE_PTR, DNS_RRCLASS_IN);
  m_q(&m, "web._HTTP._tcp.local", DNS_RRTYPE_ANY, DNS_RRCLASS_IN);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  wait_msg(200, &pm);
  const struct prr *e = find_rr(&pm, "_services._dns-sd._udp.local", DNS_RRTYPE_PTR);
  assert_non_null(e);
  assert_string_equal(e->target, "_http._tcp.local");
  assert_non_null(find_rr(&pm, "Web._http._tcp.local", DNS_RRTYPE_SRV));
  assert_non_null(find_rr(&pm, "Web._http._tcp.local", DNS_RRTYPE_TXT));
  assert_int_equal(pm.an, 3);
}

/* RFC 6762 10.1: stop and service removal send TTL 0 for what was
 * announced. */
static void test_mdns_goodbye(void **state)
{
  (void)state;
  start("lwipd");
  add_http();
  u8_t slot2;
  assert_int_equal(mdns_add_service(&md, "Printer", "_ipp", MDNS_PROTO_TCP, 631, NULL, 0, &slot2), ERR_OK);
  assert_int_equal(mdns_add_service(&md, "printer", "_ipp", MDNS_PROTO_TCP, 632, NULL, 0, NULL), ERR_VAL);
  run_to_announced();
  assert_int_equal(info().records, 1 + 4 + 4);
  assert_int_equal(mdns_remove_service(&md, slot2), ERR_OK);
  struct pmsg pm = must_pop();
  assert_int_equal(pm.an, 4);
  for (int i = 0; i < pm.an; i++) {
    assert_int_equal(pm.rr[i].ttl, 0);
  }
  const struct prr *txt = find_rr(&pm, "Printer._ipp._tcp.local", DNS_RRTYPE_TXT);
  assert_non_null(txt);
  assert_int_equal(txt->rdlen, 1); /* the empty TXT record */
  assert_int_equal(mdns_remove_service(&md, slot2), ERR_ARG);
  /* Removal re-announces the rest. */
  wait_msg(10, &pm);
  assert_int_equal(pm.an, 5);
  wait_msg(1100, &pm);
  test_frames_clear(&tn);
  mdns_stop(&md);
  pm = must_pop();
  assert_int_equal(pm.an, 5);
  for (int i = 0; i < pm.an; i++) {
    assert_int_equal(pm.rr[i].ttl, 0);
  }
  assert_false(mdns_running(&md));
  assert_string_equal(info().state, "off");
  expect_nothing();
}

/* RFC 6762 13: link down stops everything; link up probes again; a new
 * address is announced again (8.4). */
static void test_mdns_link_and_address(void **state)
{
  (void)state;
  start("lwipd");
  run_to_announced();
  netif_set_link_down(&tn.netif);
  assert_string_equal(info().state, "link_down");
  test_clock_advance(5000);
  expect_nothing();
  netif_set_link_up(&tn.netif);
  assert_string_equal(info().state, "probing");
  run_to_announced();
  ip4_addr_t a;
  a.addr = test_ip("192.168.1.11");
  netif_set_ipaddr(&tn.netif, &a);
  assert_string_equal(info().state, "announcing");
  struct pmsg pm;
  wait_msg(10, &pm);
  assert_int_equal(pm.an, 1);
  assert_memory_equal(pm.rr[0].rd, "\xc0\xa8\x01\x0b", 4);
}

/* Malformed messages: each dropped under its reason, nothing answered,
 * the responder unchanged. */
static void test_mdns_malformed(void **state)
{
  (void)state;
#if LWIP_STATS
  start("lwipd");
  run_to_announced();
  struct msg m;
  /* A compression pointer to itself (a loop). */
  m_init(&m, 0, 0, 1, 0, 0, 0);
  m.b[m.len++] = 0xc0;
  m.b[m.len++] = 12;
  put_be32(m.b + m.len, 0x00010001);
  m.len += 4;
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(DROPS(MDNS_BAD_NAME), 1);
  /* Two pointers jumping at each other. */
  m_init(&m, 0, 0, 2, 0, 0, 0);
  m.b[m.len++] = 0xc0;
  m.b[m.len++] = 18;
  put_be32(m.b + m.len, 0x00010001);
  m.len += 4;
  m.b[m.len++] = 0xc0;
  m.b[m.len++] = 12;
  put_be32(m.b + m.len, 0x00010001);
  m.len += 4;
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(DROPS(MDNS_BAD_NAME), 2);
  /* A pointer beyond the message. */
  m_init(&m, 0, 0, 1, 0, 0, 0);
  m.b[m.len++] = 0xc3;
  m.b[m.len++] = 0xff;
  put_be32(m.b + m.len, 0x00010001);
  m.len += 4;
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(DROPS(MDNS_BAD_NAME), 3);
  /* A label running past the end, and an extended label type. */
  u8_t bad[] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 40, 'a', 'b'};
  rx_raw(PEER_IP, DNS_MQUERY_PORT, bad, sizeof(bad), false);
  assert_int_equal(DROPS(MDNS_BAD_NAME), 4);
  u8_t ext[] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1};
  rx_raw(PEER_IP, DNS_MQUERY_PORT, ext, sizeof(ext), false);
  assert_int_equal(DROPS(MDNS_BAD_NAME), 5);
  /* A good question, then a known answer whose RDLENGTH runs past the end. */
  m_init(&m, 0, 0, 1, 1, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_A, DNS_RRCLASS_IN);
  m_rr_a(&m, "lwipd.local", OUR_IP, 120);
  put_be16(m.b + m.len - 6, 40);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(DROPS(MDNS_TRUNCATED), 1);
  /* More questions counted than present. */
  m_init(&m, 0, 0, 3, 0, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_A, DNS_RRCLASS_IN);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(DROPS(MDNS_BAD_NAME), 6); /* the second name starts at the end */
  /* A question without its type and class. */
  m_init(&m, 0, 0, 1, 0, 0, 0);
  m_name(&m, "lwipd.local");
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(DROPS(MDNS_TRUNCATED), 2);
  /* Shorter than a header; a non-zero opcode; an off-link source. */
  rx_raw(PEER_IP, DNS_MQUERY_PORT, "\0\0\0", 3, false);
  assert_int_equal(DROPS(MDNS_SHORT), 1);
  m_init(&m, 0, 0x2800, 1, 0, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_A, DNS_RRCLASS_IN);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(DROPS(MDNS_BAD_HDR), 1);
  m_init(&m, 0, 0, 1, 0, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_A, DNS_RRCLASS_IN);
  rx_msg("10.9.9.9", DNS_MQUERY_PORT, &m);
  assert_int_equal(DROPS(MDNS_OFF_LINK), 1);
  expect_nothing();
  assert_int_equal(info().stats.rx_queries, 0);
  assert_string_equal(info().state, "announced");
  /* And the responder still answers. */
  m_init(&m, 0, 0, 1, 0, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_A, DNS_RRCLASS_IN);
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_int_equal(must_pop().an, 1);
#else
  skip();
#endif
}

/* Bad arguments: refused, nothing allocated. */
static void test_mdns_start_errors(void **state)
{
  (void)state;
  fixture();
  assert_int_equal(mdns_start(&md, &tn.netif, ""), ERR_ARG);
  assert_int_equal(mdns_start(&md, &tn.netif, "a.b"), ERR_ARG);
  assert_int_equal(mdns_start(&md, &tn.netif, "-x"), ERR_ARG);
  assert_int_equal(mdns_start(&md, &tn.netif, "0123456789012345678901234567890123456789012345678901234567890123"),
                   ERR_ARG);
  assert_int_equal(mdns_start(&md, NULL, "x"), ERR_ARG);
  assert_false(mdns_running(&md));
  assert_int_equal(mdns_add_service(&md, "Web", "_http", MDNS_PROTO_TCP, 80, NULL, 0, NULL), ERR_ARG);
  assert_int_equal(mdns_start(&md, &tn.netif, "ok"), ERR_OK);
  assert_int_equal(mdns_start(&md, &tn.netif, "ok"), ERR_ARG);
  assert_int_equal(mdns_add_service(&md, "", "_http", MDNS_PROTO_TCP, 80, NULL, 0, NULL), ERR_ARG);
  assert_int_equal(mdns_add_service(&md, "Web", "http", MDNS_PROTO_TCP, 80, NULL, 0, NULL), ERR_ARG);
  assert_int_equal(mdns_add_service(&md, "Web", "_http", 7, 80, NULL, 0, NULL), ERR_ARG);
  const u8_t badtxt[] = {5, 'a'};
  assert_int_equal(mdns_add_service(&md, "Web", "_http", MDNS_PROTO_TCP, 80, badtxt, 2, NULL), ERR_ARG);
  for (unsigned i = 0; i < MDNS_MAX_SERVICES; i++) {
    char n[8];
    snprintf(n, sizeof(n), "S%u", i);
    assert_int_equal(mdns_add_service(&md, n, "_http", MDNS_PROTO_TCP, 80, NULL, 0, NULL), ERR_OK);
  }
  assert_int_equal(mdns_add_service(&md, "More", "_http", MDNS_PROTO_TCP, 80, NULL, 0, NULL), ERR_MEM);
  assert_int_equal(mdns_find_service(&md, "s2", "_http"), 2);
  assert_int_equal(mdns_find_service(&md, "s2", "_ftp"), -1);
  u8_t txt[8];
  u16_t tl = 0;
  assert_int_equal(mdns_txt_append(txt, &tl, sizeof(txt), "a=1"), ERR_OK);
  assert_int_equal(mdns_txt_append(txt, &tl, sizeof(txt), "b=22"), ERR_ARG);
  assert_int_equal(tl, 4);
  /* A second responder cannot take a netif that joins no group: no IGMP,
   * and no MLD (the fake netif never has it). */
  tn.netif.flags &= (u8_t)~NETIF_FLAG_IGMP;
  struct mdns other;
  memset(&other, 0, sizeof(other));
  assert_int_equal(mdns_start(&other, &tn.netif, "x"), ERR_ARG);
  tn.netif.flags |= NETIF_FLAG_IGMP;
}

/* Allocation failures while starting and sending: an error or a counted
 * failure, never a leak (the teardown checks); the responder recovers. */
static void test_mdns_alloc_failures(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  fixture();
  for (u32_t n = 1; n < 20; n++) {
    lwip_alloc_fail_after(n);
    err_t err = mdns_start(&md, &tn.netif, "lwipd");
    if (err == ERR_OK) {
      test_clock_advance(3000);
    }
    lwip_alloc_fail_after(0);
    if (err != ERR_OK) {
      assert_int_equal(err, ERR_MEM);
      assert_false(mdns_running(&md));
      continue;
    }
    mdns_stop(&md);
    test_frames_clear(&tn);
  }
#if LWIP_STATS
  assert_true(DROPS(MDNS_NO_MEM) >= 1);
#endif
#else
  skip();
#endif
}

#if LWIP_IPV6
/* ---------------------------------------------------------------------- */
/* Over IPv6 (RFC 6762 20)                                                 */
/* ---------------------------------------------------------------------- */

#define GROUP6 "ff02::fb"

/* Hand @p m to the stack over IPv6 from @p src:@p sport to @p dst (the
 * group or one of our addresses), hop limit 255, checksum right. */
static void rx6_msg(const char *src, const char *dst, u16_t sport, const struct msg *m)
{
  u8_t udp[1600], f[1700], sa[16], da[16], dmac[6];
  size_t ul = 8 + m->len;
  put_be16(udp, sport);
  put_be16(udp + 2, DNS_MQUERY_PORT);
  put_be16(udp + 4, (u16_t)ul);
  put_be16(udp + 6, 0);
  memcpy(udp + 8, m->b, m->len);
  a6(src, sa);
  a6(dst, da);
  u16_t c = cksum6(sa, da, 17, udp, ul);
  put_be16(udp + 6, c != 0 ? c : 0xffff);
  if (da[0] == 0xff) {
    mcast_mac(dst, dmac);
  } else {
    memcpy(dmac, test_mac, 6);
  }
  test_rx(&tn, f, mk6(f, dmac, src, dst, 17, 255, udp, ul));
}

/* A datagram the responder sent, over either family. */
struct sent_any {
  int fam;      /* 4 or 6 */
  u8_t dst[16]; /* 4 or 16 bytes */
  struct pmsg pm;
};

/* Pop the next UDP datagram of either family (ND, MLD, IGMP and ARP are
 * skipped); its IP TTL or hop limit must be 255 (RFC 6762 11) and an
 * IPv6 one's UDP checksum right.  @return false when none is left. */
static bool pop_any(struct sent_any *o)
{
  static u8_t buf[1700];
  for (;;) {
    int n = test_frame_pop_bytes(&tn, buf, sizeof(buf));
    if (n < 0) {
      return false;
    }
    const u8_t *ip = buf + 14;
    const u8_t *udp;
    size_t ulen;
    memset(o, 0, sizeof(*o));
    if (get_be16(buf + 12) == 0x0800 && ip[9] == IP_PROTO_UDP) {
      o->fam = 4;
      assert_int_equal(ip[8], 255);
      memcpy(o->dst, ip + 16, 4);
      udp = ip + (size_t)(ip[0] & 0x0f) * 4;
      ulen = get_be16(udp + 4);
    } else if (get_be16(buf + 12) == 0x86dd && ip[6] == IP_PROTO_UDP) {
      o->fam = 6;
      assert_int_equal(ip[7], 255);
      memcpy(o->dst, ip + 24, 16);
      udp = ip + 40;
      ulen = get_be16(ip + 4);
      assert_int_equal(cksum6(ip + 8, ip + 24, 17, udp, ulen), 0);
    } else {
      continue;
    }
    o->pm.sport = get_be16(udp);
    o->pm.dport = get_be16(udp + 2);
    assert_int_equal(o->pm.sport, DNS_MQUERY_PORT);
    parse(udp + 8, ulen - 8, &o->pm);
    return true;
  }
}

static bool sent_to_group(const struct sent_any *s)
{
  if (s->fam == 6) {
    u8_t g[16];
    a6(GROUP6, g);
    return memcmp(s->dst, g, 16) == 0;
  }
  u32_t g = test_ip(GROUP);
  return memcmp(s->dst, &g, 4) == 0;
}

/* Our A record (once, our IPv4 address) and both AAAA records (the
 * link-local and the global address) are in @p pm. */
static void expect_host_records(const struct pmsg *pm)
{
  int a = 0, ll = 0, gua = 0;
  u8_t l6[16], g6[16];
  u32_t v4 = test_ip(OUR_IP);
  a6(OUR_LL, l6);
  a6(OUR_GUA, g6);
  for (int i = 0; i < pm->nrr; i++) {
    const struct prr *r = &pm->rr[i];
    if (strcmp(r->name, "lwipd.local") != 0) {
      continue;
    }
    if (r->type == DNS_RRTYPE_A) {
      assert_int_equal(r->rdlen, 4);
      assert_memory_equal(r->rd, &v4, 4);
      a++;
    } else if (r->type == DNS_RRTYPE_AAAA) {
      assert_int_equal(r->rdlen, 16);
      ll += memcmp(r->rd, l6, 16) == 0;
      gua += memcmp(r->rd, g6, 16) == 0;
    }
  }
  assert_int_equal(a, 1);
  assert_int_equal(ll, 1);
  assert_int_equal(gua, 1);
}

static struct netif *start6(void)
{
  memset(&md, 0, sizeof(md));
  struct netif *n = ip6_fixture(&tn);
  learn_peer(&tn, PEER_LL, OUR_LL);
  learn_peer(&tn, PEER_GUA, OUR_GUA);
  add_arp(PEER_IP);
  assert_int_equal(mdns_start(&md, n, "lwipd"), ERR_OK);
  return n;
}

/* Run probing and announcing, counting what went to each group. */
static void run6_to_announced(int probes[2], int announces[2])
{
  struct sent_any s;
  for (int t = 0; t < 4000; t += 10) {
    test_clock_advance(10);
    while (pop_any(&s)) {
      int f = s.fam == 6;
      assert_true(sent_to_group(&s));
      if ((s.pm.flags & DNS_FLAG_QR) != 0) {
        expect_host_records(&s.pm);
        announces[f]++;
      } else {
        assert_int_equal(s.pm.ns, 3); /* A and two AAAA proposed */
        probes[f]++;
      }
    }
  }
  assert_string_equal(info().state, "announced");
}

/* A responder's life on @p n, watched per group: three probes and two
 * announcements, each message with the A and AAAA records, then the
 * goodbye; all to ff02::fb, and to 224.0.0.251 too when @p v4 (else
 * nothing goes there).  ff02::fb is joined while it runs. */
static void expect6_rounds_then_goodbye(struct netif *n, bool v4)
{
  ip6_addr_t g = ip6(GROUP6);
  assert_non_null(mld6_lookfor_group(n, &g));
  int probes[2] = {0, 0}, announces[2] = {0, 0};
  run6_to_announced(probes, announces);
  assert_int_equal(probes[0], v4 ? 3 : 0);
  assert_int_equal(probes[1], 3);
  assert_int_equal(announces[0], v4 ? 2 : 0);
  assert_int_equal(announces[1], 2);
  /* The counters count rounds, not datagrams. */
  assert_int_equal(info().stats.probes, 3);
  assert_int_equal(info().stats.announcements, 2);
  mdns_stop(&md);
  int bye[2] = {0, 0};
  struct sent_any s;
  while (pop_any(&s)) {
    assert_true(sent_to_group(&s));
    for (int i = 0; i < s.pm.an; i++) {
      assert_int_equal(s.pm.rr[i].ttl, 0);
    }
    bye[s.fam == 6]++;
  }
  assert_int_equal(bye[0], v4 ? 1 : 0);
  assert_int_equal(bye[1], 1);
  assert_null(mld6_lookfor_group(n, &g));
}

/* RFC 6762 8, 20: probes, announcements and goodbyes to both groups. */
static void test_mdns6_both_families(void **state)
{
  (void)state;
  expect6_rounds_then_goodbye(start6(), true);
}

/* RFC 6762 20: a netif without IGMP (an IPv6-only link) still gets a
 * responder, over IPv6 alone: 224.0.0.251 is neither joined nor sent to.
 * (The IPv4 address the fixture gives the netif is still ours: its A
 * record rides along, RFC 6762 6.2.)  Without MLD either it is refused. */
static void test_mdns6_without_igmp(void **state)
{
  (void)state;
  memset(&md, 0, sizeof(md));
  struct netif *n = ip6_fixture(&tn);
  n->flags = (u8_t)((n->flags & ~NETIF_FLAG_IGMP) | NETIF_FLAG_MLD6);
  assert_int_equal(mdns_start(&md, n, "lwipd"), ERR_OK);
  ip4_addr_t g4;
  g4.addr = test_ip(GROUP);
  assert_null(igmp_lookfor_group(n, &g4));
  expect6_rounds_then_goodbye(n, false);
  n->flags &= (u8_t)~NETIF_FLAG_MLD6;
  assert_int_equal(mdns_start(&md, n, "lwipd"), ERR_ARG);
}

/* RFC 6762 6, 20: a query is answered to the group of its own family;
 * the one-second limit is kept per family; a legacy query over IPv6 gets
 * its unicast answer over IPv6; an off-link IPv6 source is dropped. */
static void test_mdns6_answer_by_family(void **state)
{
  (void)state;
  start6();
  int probes[2] = {0, 0}, announces[2] = {0, 0};
  run6_to_announced(probes, announces);
  test_clock_advance(1000);
  struct msg m;
  struct sent_any s;
  m_init(&m, 0, 0, 1, 0, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_AAAA, DNS_RRCLASS_IN);
  rx6_msg(PEER_LL, GROUP6, DNS_MQUERY_PORT, &m);
  assert_true(pop_any(&s));
  assert_int_equal(s.fam, 6);
  assert_true(sent_to_group(&s));
  assert_int_equal(s.pm.an, 2); /* both AAAA records, the A one as additional */
  expect_host_records(&s.pm);
  assert_false(pop_any(&s));
  /* The same question over IPv4 at once: answered there. */
  rx_msg(PEER_IP, DNS_MQUERY_PORT, &m);
  assert_true(pop_any(&s));
  assert_int_equal(s.fam, 4);
  assert_true(sent_to_group(&s));
  assert_false(pop_any(&s));
  /* Again over IPv6 within the second: nothing (RFC 6762 6). */
  rx6_msg(PEER_LL, GROUP6, DNS_MQUERY_PORT, &m);
  assert_false(pop_any(&s));
  assert_int_equal(info().stats.responses, 2);
  /* A legacy resolver on IPv6 (RFC 6762 6.7). */
  m_init(&m, 0x4242, 0, 1, 0, 0, 0);
  m_q(&m, "lwipd.local", DNS_RRTYPE_A, DNS_RRCLASS_IN);
  rx6_msg(PEER_GUA, OUR_GUA, 40000, &m);
  assert_true(pop_any(&s));
  assert_int_equal(s.fam, 6);
  assert_addr6(s.dst, PEER_GUA);
  assert_int_equal(s.pm.dport, 40000);
  assert_int_equal(s.pm.id, 0x4242);
  assert_int_equal(s.pm.an, 1);
  assert_int_equal(s.pm.rr[0].type, DNS_RRTYPE_A);
  assert_true(s.pm.rr[0].ttl <= MDNS_TTL_LEGACY);
  assert_int_equal(info().stats.legacy, 1);
#if LWIP_STATS
  /* From outside the link: dropped, counted, not answered. */
  u32_t before = DROPS(MDNS_OFF_LINK);
  rx6_msg("2001:db9::7", GROUP6, DNS_MQUERY_PORT, &m);
  assert_int_equal(DROPS(MDNS_OFF_LINK), before + 1);
  assert_false(pop_any(&s));
#endif
}

/* ff02::fb is joined only while the netif has IPv6: none on an IPv4-only
 * netif (no MLD report for it), joined when a link-local address comes,
 * left when the responder stops. */
static void test_mdns6_group_follows_ipv6(void **state)
{
  (void)state;
  start("lwipd");
  ip6_addr_t g = ip6(GROUP6);
  assert_null(mld6_lookfor_group(&tn.netif, &g));
  assert_int_equal(netif_create_ip6_linklocal_address(&tn.netif, 1), ERR_OK);
  assert_non_null(mld6_lookfor_group(&tn.netif, &g));
  mdns_stop(&md);
  assert_null(mld6_lookfor_group(&tn.netif, &g));
}

/* A response over IPv6 claiming our name while we probe: rename (8.1). */
static void test_mdns6_conflict_rename(void **state)
{
  (void)state;
  start6();
  test_clock_advance(300);
  test_frames_clear(&tn);
  struct msg m;
  u8_t other[16];
  a6("2001:db8::99", other);
  m_init(&m, 0, DNS_FLAG_QR | DNS_FLAG_AA, 0, 1, 0, 0);
  m_rr(&m, "lwipd.local", DNS_RRTYPE_AAAA, DNS_RRCLASS_IN | DNS_RRCLASS_MDNS_FLAG, 120, other, 16);
  rx6_msg(PEER_LL, GROUP6, DNS_MQUERY_PORT, &m);
  assert_string_equal(info().hostname, "lwipd-2");
  assert_string_equal(info().state, "probing");
  assert_int_equal(info().stats.conflicts, 1);
}
#endif /* LWIP_IPV6 */

#endif /* LWIP_UDP && LWIP_IGMP */

int main(void)
{
#if LWIP_UDP && LWIP_IGMP
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_mdns_probe_timing, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_conflict_rename, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_conflict_after_announce, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_tiebreak, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_query_qu, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_legacy_unicast, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_services_known_answers, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_goodbye, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_link_and_address, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_malformed, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_start_errors, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns_alloc_failures, test_setup, teardown),
#if LWIP_IPV6
    cmocka_unit_test_setup_teardown(test_mdns6_both_families, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns6_without_igmp, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns6_answer_by_family, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns6_conflict_rename, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_mdns6_group_follows_ipv6, test_setup, teardown),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
#else
  return 0;
#endif
}
