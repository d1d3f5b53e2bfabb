/* Unit tests for core/dns.c: query bytes, answer validation (anti-spoofing,
 * DNS 0x20), CNAME chains, retries and failover, cache, local hosts, mDNS
 * and malformed messages.  A scripted server answers through the fake
 * netif. */
#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <arpa/inet.h>

#include "lwip/opt.h"

#if LWIP_DNS

#include "lwip/dns.h"
#include "lwip/udp.h"
#include "lwip/etharp.h"
#include "lwip/prot/dns.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/ip4.h"

#define OUR_IP "192.168.1.10"
#define S1_IP "192.168.1.53"
#define S2_IP "192.168.1.54"
#define ROGUE_IP "192.168.1.66"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

static struct test_netif tn;

/* ---- callback recorder ---- */
#define MAX_CBS 16
struct cb_rec {
  char name[DNS_MAX_NAME_LENGTH];
  bool ok;
  ip_addr_t addr;
  void *arg;
};
static struct cb_rec cbs[MAX_CBS];
static int ncbs;

struct ex_rec {
  struct dns_result res;
  char name[DNS_MAX_NAME_LENGTH];
};
static struct ex_rec exs[MAX_CBS];
static int nexs;

static void found_cb(const char *name, const ip_addr_t *addr, void *arg)
{
  assert_true(ncbs < MAX_CBS);
  struct cb_rec *c = &cbs[ncbs++];
  snprintf(c->name, sizeof(c->name), "%s", name);
  c->ok = addr != NULL;
  if (addr != NULL) {
    c->addr = *addr;
  }
  c->arg = arg;
}

static void found_ex_cb(const struct dns_result *res, void *arg)
{
  (void)arg;
  assert_true(nexs < MAX_CBS);
  struct ex_rec *e = &exs[nexs++];
  e->res = *res;
  snprintf(e->name, sizeof(e->name), "%s", res->name);
  e->res.name = e->name;
}

static void set_ip(ip_addr_t *a, const char *dotted)
{
  ip4_addr_t v;
  v.addr = test_ip(dotted);
  ip_addr_set_ip4(a, &v);
}

static void add_arp(const char *ip)
{
  test_add_peer_arp(ip);
}

static void fixture(void)
{
  ncbs = 0;
  nexs = 0;
  memset(cbs, 0, sizeof(cbs));
  memset(exs, 0, sizeof(exs));
  test_netif_add(&tn, OUR_IP, "255.255.255.0", "192.168.1.1", test_mac);
  add_arp(S1_IP);
  add_arp(S2_IP);
  add_arp(ROGUE_IP);
  ip_addr_t s;
  set_ip(&s, S1_IP);
  dns_setserver(0, &s);
  set_ip(&s, S2_IP);
  dns_setserver(1, &s);
}

/* ---- capturing queries ---- */
struct query {
  u32_t dst;   /* network order */
  u16_t sport, dport;
  u8_t ttl;
  u8_t msg[600];
  int len;     /* DNS message length */
  u16_t id;
  int qend;    /* offset after the question */
};

/** Pop the next IPv4 frame, which must be a DNS query; -1 when none. */
static int pop_query(struct query *q)
{
  u8_t buf[1600];
  int n = test_pop_ip_bytes(&tn, buf, sizeof(buf));
  if (n < 0) {
    return -1;
  }
  assert_true(n >= 14 + 20 + 8 + 12);
  const u8_t *ip = buf + 14;
  assert_int_equal(ip[9], IP_PROTO_UDP);
  q->ttl = ip[8];
  memcpy(&q->dst, ip + 16, 4);
  const u8_t *udp = ip + 20;
  q->sport = get_be16(udp);
  q->dport = get_be16(udp + 2);
  q->len = get_be16(udp + 4) - 8;
  assert_true(q->len > 12 && q->len <= (int)sizeof(q->msg));
  memcpy(q->msg, udp + 8, (size_t)q->len);
  q->id = get_be16(q->msg);
  int off = 12;
  while (q->msg[off] != 0) {
    off += 1 + q->msg[off];
  }
  q->qend = off + 1 + 4;
  assert_int_equal(q->qend, q->len);
  return 0;
}

/** Decode the question name of @p q as dotted text (case preserved). */
static void query_name(const struct query *q, char *out)
{
  int off = 12, o = 0;
  while (q->msg[off] != 0) {
    if (o > 0) {
      out[o++] = '.';
    }
    memcpy(out + o, q->msg + off + 1, q->msg[off]);
    o += q->msg[off];
    off += 1 + q->msg[off];
  }
  out[o] = '\0';
}

/* ---- building answers ---- */
struct msg {
  u8_t b[1600];
  int len;
};

/** Header + the query's question as sent; @p an answers follow. */
static void ans_start(struct msg *m, const struct query *q, u16_t flags, u16_t an)
{
  memcpy(m->b, q->msg, (size_t)q->qend);
  put_be16(m->b + 2, flags);
  put_be16(m->b + 6, an);
  m->len = q->qend;
}

static void put_bytes(struct msg *m, const void *p, int n)
{
  memcpy(m->b + m->len, p, (size_t)n);
  m->len += n;
}

static void put16(struct msg *m, u16_t v)
{
  put_be16(m->b + m->len, v);
  m->len += 2;
}

static void put32(struct msg *m, u32_t v)
{
  put_be32(m->b + m->len, v);
  m->len += 4;
}

/** Record with owner @p owner (raw wire bytes), type, ttl and rdata. */
static void put_rr(struct msg *m, const void *owner, int olen, u16_t type, u32_t ttl,
                   const void *rdata, int rdlen)
{
  put_bytes(m, owner, olen);
  put16(m, type);
  put16(m, DNS_RRCLASS_IN);
  put32(m, ttl);
  put16(m, (u16_t)rdlen);
  put_bytes(m, rdata, rdlen);
}

static const u8_t PTR_Q[2] = {0xc0, 0x0c}; /* pointer to the question name */

static void put_a(struct msg *m, const void *owner, int olen, u32_t ttl, const char *ip)
{
  u32_t a = test_ip(ip);
  put_rr(m, owner, olen, DNS_RRTYPE_A, ttl, &a, 4);
}

static void rx_from(const char *src, u16_t sport, const char *dst, u16_t dport, const struct msg *m)
{
  u8_t udp[1600], frame[1700];
  size_t ulen = test_udp(udp, src, dst, sport, dport, m->b, (size_t)m->len);
  size_t n = test_eth_ip4(frame, src, dst, IP_PROTO_UDP, udp, ulen);
  test_rx(&tn, frame, n);
}

static void rx_answer(const char *src, const struct query *q, const struct msg *m)
{
  rx_from(src, 53, OUR_IP, q->sport, m);
}

static bool ip_is(const ip_addr_t *a, const char *dotted)
{
  return IP_IS_V4_VAL(*a) && ip_2_ip4(a)->addr == test_ip(dotted);
}

/* ------------------------------------------------------------------ */

static void test_dns_query_bytes_and_answer(void **state)
{
  (void)state;
  fixture();
  ip_addr_t addr;
  assert_int_equal(dns_gethostbyname("www.Example.com", &addr, found_cb, (void *)0x1234), ERR_INPROGRESS);
  assert_int_equal(dns_pending_count(), 1);
  struct query q;
  assert_int_equal(pop_query(&q), 0);
  assert_int_equal(q.dst, test_ip(S1_IP));
  assert_int_equal(q.dport, 53);
  assert_true(q.sport >= UDP_LOCAL_PORT_RANGE_START);
  /* header: flags RD only, QDCOUNT 1, other counts 0 */
  assert_int_equal(get_be16(q.msg + 2), 0x0100);
  assert_int_equal(get_be16(q.msg + 4), 1);
  assert_int_equal(get_be16(q.msg + 6), 0);
  assert_int_equal(get_be16(q.msg + 8), 0);
  assert_int_equal(get_be16(q.msg + 10), 0);
  /* question: labels, same letters in some case, type A, class IN */
  char qn[256];
  query_name(&q, qn);
  assert_int_equal(q.len, 12 + 17 + 4);
  assert_int_equal(q.msg[12], 3);
  assert_int_equal(q.msg[16], 7);
  assert_int_equal(q.msg[24], 3);
  assert_int_equal(q.msg[28], 0);
  assert_int_equal(strcasecmp(qn, "www.example.com"), 0);
  assert_int_equal(get_be16(q.msg + 29), DNS_RRTYPE_A);
  assert_int_equal(get_be16(q.msg + 31), DNS_RRCLASS_IN);

  struct msg m;
  ans_start(&m, &q, 0x8180, 1);
  put_a(&m, PTR_Q, 2, 300, "93.184.216.34");
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(ncbs, 1);
  assert_true(cbs[0].ok);
  assert_true(ip_is(&cbs[0].addr, "93.184.216.34"));
  assert_string_equal(cbs[0].name, "www.Example.com");
  assert_ptr_equal(cbs[0].arg, (void *)0x1234);
  assert_int_equal(dns_pending_count(), 0);
  assert_false(sys_timeouts_sleeptime() != SYS_TIMEOUTS_SLEEPTIME_INFINITE);

  /* cached, any case */
  memset(&addr, 0, sizeof(addr));
  assert_int_equal(dns_gethostbyname("WWW.example.COM.", &addr, found_cb, NULL), ERR_OK);
  assert_true(ip_is(&addr, "93.184.216.34"));
  assert_int_equal(pop_query(&q), -1);
  /* expired after the TTL */
  test_clock_advance(299 * 1000);
  assert_int_equal(dns_gethostbyname("www.example.com", &addr, found_cb, NULL), ERR_OK);
  test_clock_advance(1000);
  assert_int_equal(dns_gethostbyname("www.example.com", &addr, found_cb, NULL), ERR_INPROGRESS);
  assert_int_equal(pop_query(&q), 0);
  assert_int_equal(dns_cancel(NULL), 1);
  assert_int_equal(dns_pending_count(), 0);
  assert_int_equal(ncbs, 1);
}

/* Start a lookup of @p name (lwIP callback) and pop its query. */
static void start_lookup(const char *name, struct query *q)
{
  ip_addr_t addr;
  assert_int_equal(dns_gethostbyname(name, &addr, found_cb, NULL), ERR_INPROGRESS);
  assert_int_equal(pop_query(q), 0);
}

static void start_ex(const char *name, u8_t type, struct query *q)
{
  struct dns_result r;
  assert_int_equal(dns_gethostbyname_ex(name, type, &r, found_ex_cb, NULL), ERR_INPROGRESS);
  assert_int_equal(pop_query(q), 0);
}

static void test_dns_ex_result_and_cache_listing(void **state)
{
  (void)state;
  fixture();
  struct query q;
  start_ex("host.example.org", LWIP_DNS_ADDRTYPE_IPV4, &q);
  test_clock_advance(250);
  struct msg m;
  ans_start(&m, &q, 0x8180, 2);
  put_a(&m, PTR_Q, 2, 600, "10.0.0.1");
  put_a(&m, PTR_Q, 2, 500, "10.0.0.2");
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 1);
  const struct dns_result *r = &exs[0].res;
  assert_int_equal(r->status, DNS_STATUS_OK);
  assert_string_equal(r->name, "host.example.org");
  assert_int_equal(r->source, DNS_SOURCE_NETWORK);
  assert_int_equal(r->server_idx, 0);
  assert_true(ip_is(&r->server, S1_IP));
  assert_int_equal(r->naddrs, 2);
  assert_true(ip_is(&r->addrs[0], "10.0.0.1"));
  assert_true(ip_is(&r->addrs[1], "10.0.0.2"));
  assert_int_equal(r->ttl, 500); /* the RRset's smallest */
  assert_int_equal(r->elapsed_ms, 250);
  assert_int_equal(r->tries, 1);
  assert_int_equal(r->qtype, DNS_RRTYPE_A);
  assert_string_equal(dns_status_name(r->status), "ok");

  /* from the cache: ERR_OK and the result at once, no callback */
  test_clock_advance(100 * 1000);
  struct dns_result c;
  assert_int_equal(dns_gethostbyname_ex("HOST.example.org", LWIP_DNS_ADDRTYPE_IPV4, &c, found_ex_cb, NULL), ERR_OK);
  assert_int_equal(nexs, 1);
  assert_int_equal(c.source, DNS_SOURCE_CACHE);
  assert_int_equal(c.naddrs, 2);
  assert_int_equal(c.ttl, 400);
  assert_int_equal(c.server_idx, 0);
  /* a literal */
  assert_int_equal(dns_gethostbyname_ex("10.9.8.7", LWIP_DNS_ADDRTYPE_IPV4, &c, found_ex_cb, NULL), ERR_OK);
  assert_int_equal(c.source, DNS_SOURCE_LITERAL);
  assert_true(ip_is(&c.addrs[0], "10.9.8.7"));
  assert_int_equal(dns_gethostbyname_ex("x.org", LWIP_DNS_ADDRTYPE_IPV4, &c, NULL, NULL), ERR_ARG);
}

struct listing {
  int n;
  char names[DNS_TABLE_SIZE + 1][64];
  u32_t ttl[DNS_TABLE_SIZE + 1];
  u8_t naddrs[DNS_TABLE_SIZE + 1];
  u8_t server_idx[DNS_TABLE_SIZE + 1];
  u32_t elapsed[DNS_TABLE_SIZE + 1];
};

static void list_fn(const struct dns_cache_info *info, void *arg)
{
  struct listing *l = (struct listing *)arg;
  assert_true(l->n <= DNS_TABLE_SIZE);
  snprintf(l->names[l->n], sizeof(l->names[0]), "%s", info->name);
  l->ttl[l->n] = info->ttl_left;
  l->naddrs[l->n] = info->naddrs;
  l->server_idx[l->n] = info->server_idx;
  l->elapsed[l->n] = info->elapsed_ms;
  l->n++;
}

/* Resolve @p name with one A record of @p ttl from server 1. */
static void resolve_a(const char *name, u32_t ttl, const char *ip)
{
  struct query q;
  int before = ncbs;
  start_lookup(name, &q);
  struct msg m;
  ans_start(&m, &q, 0x8180, 1);
  put_a(&m, PTR_Q, 2, ttl, ip);
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(ncbs, before + 1);
  assert_true(cbs[before].ok);
}

static void test_dns_cache_listing_ttl_cap_and_zero(void **state)
{
  (void)state;
  fixture();
  resolve_a("a.test", 7 * 86400, "10.0.0.1");   /* capped to a day */
  test_clock_advance(30);
  resolve_a("b.test", 60, "10.0.0.2");
  resolve_a("zero.test", 0, "10.0.0.3");        /* used once, not cached */
  struct listing l;
  memset(&l, 0, sizeof(l));
  dns_cache_foreach(list_fn, &l);
  assert_int_equal(l.n, 2);
  assert_string_equal(l.names[0], "b.test"); /* most recent first */
  assert_int_equal(l.ttl[0], 60);
  assert_string_equal(l.names[1], "a.test");
  assert_int_equal(l.ttl[1], 86400);
  assert_int_equal(l.naddrs[1], 1);
  assert_int_equal(l.server_idx[1], 0);
  ip_addr_t addr;
  assert_int_equal(dns_gethostbyname("zero.test", &addr, found_cb, NULL), ERR_INPROGRESS);
  assert_int_equal(dns_cancel(NULL), 1);
  test_frames_clear(&tn);
  dns_cache_flush();
  memset(&l, 0, sizeof(l));
  dns_cache_foreach(list_fn, &l);
  assert_int_equal(l.n, 0);
}

static void test_dns_cache_lru_limit(void **state)
{
  (void)state;
  fixture();
  char name[32];
  for (int i = 0; i < DNS_TABLE_SIZE; i++) {
    snprintf(name, sizeof(name), "h%d.test", i);
    resolve_a(name, 3600, "10.1.1.1");
  }
  /* touch h0 so h1 is now the least recently used */
  ip_addr_t addr;
  assert_int_equal(dns_gethostbyname("h0.test", &addr, found_cb, NULL), ERR_OK);
  resolve_a("new.test", 3600, "10.2.2.2");
  struct listing l;
  memset(&l, 0, sizeof(l));
  dns_cache_foreach(list_fn, &l);
  assert_int_equal(l.n, DNS_TABLE_SIZE);
  assert_string_equal(l.names[0], "new.test");
  assert_string_equal(l.names[1], "h0.test");
  for (int i = 0; i < l.n; i++) {
    assert_string_not_equal(l.names[i], "h1.test");
  }
  assert_int_equal(dns_gethostbyname("h0.test", &addr, found_cb, NULL), ERR_OK);
  assert_int_equal(dns_gethostbyname("h2.test", &addr, found_cb, NULL), ERR_OK);
  assert_int_equal(dns_gethostbyname("h1.test", &addr, found_cb, NULL), ERR_INPROGRESS);
  assert_int_equal(dns_cancel(NULL), 1);
  test_frames_clear(&tn);
}

/* A slot freed by expiry is reused before any live entry is evicted. */
static void test_dns_cache_reuses_expired_slot(void **state)
{
  (void)state;
  fixture();
  char name[32];
  for (int i = 0; i < DNS_TABLE_SIZE; i++) {
    snprintf(name, sizeof(name), "h%d.test", i);
    resolve_a(name, i == DNS_TABLE_SIZE - 1 ? 10 : 3600, "10.1.1.1");
  }
  test_clock_advance(10 * 1000);
  ip_addr_t addr;
  snprintf(name, sizeof(name), "h%d.test", DNS_TABLE_SIZE - 1);
  assert_int_equal(dns_gethostbyname(name, &addr, found_cb, NULL), ERR_INPROGRESS); /* expired */
  assert_int_equal(dns_cancel(NULL), 1);
  test_frames_clear(&tn);
  resolve_a("fresh.test", 60, "10.2.2.2");
  for (int i = 0; i < DNS_TABLE_SIZE - 1; i++) {
    snprintf(name, sizeof(name), "h%d.test", i);
    assert_int_equal(dns_gethostbyname(name, &addr, found_cb, NULL), ERR_OK);
  }
  assert_int_equal(dns_gethostbyname("fresh.test", &addr, found_cb, NULL), ERR_OK);
}

static void test_dns_0x20_case_checked(void **state)
{
  (void)state;
  fixture();
  struct query q;
  start_lookup("abcdefghijklmnopqrstuvwxyz.example.com", &q);
  char qn[256];
  query_name(&q, qn);
  assert_int_equal(strcasecmp(qn, "abcdefghijklmnopqrstuvwxyz.example.com"), 0);
  assert_string_not_equal(qn, "abcdefghijklmnopqrstuvwxyz.example.com"); /* some letter was raised */
  bool upper = false, lower = false;
  for (const char *c = qn; *c; c++) {
    upper |= (*c >= 'A' && *c <= 'Z');
    lower |= (*c >= 'a' && *c <= 'z');
  }
  assert_true(upper && lower);
  /* the answer's question all lower case: not ours */
  struct msg m;
  ans_start(&m, &q, 0x8180, 1);
  for (int i = 12; i < q.qend - 4; i++) {
    if (m.b[i] >= 'A' && m.b[i] <= 'Z') {
      m.b[i] = (u8_t)(m.b[i] - 'A' + 'a');
    }
  }
  put_a(&m, PTR_Q, 2, 60, "10.6.6.6");
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(ncbs, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(DNS_BAD_QUESTION), 1);
#endif
  /* exactly as sent */
  ans_start(&m, &q, 0x8180, 1);
  put_a(&m, PTR_Q, 2, 60, "10.7.7.7");
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(ncbs, 1);
  assert_true(ip_is(&cbs[0].addr, "10.7.7.7"));
  /* a second lookup uses another port, ID and case pattern */
  struct query q2;
  start_lookup("abcdefghijklmnopqrstuvwxyz.example.net", &q2);
  assert_int_not_equal(q2.sport, q.sport);
  assert_int_not_equal(q2.id, q.id);
  assert_int_equal(dns_cancel(NULL), 1);
}

static void test_dns_spoofed_answers_ignored(void **state)
{
  (void)state;
  fixture();
  struct query q;
  start_lookup("victim.example", &q);
  struct msg good;
  ans_start(&good, &q, 0x8180, 1);
  put_a(&good, PTR_Q, 2, 60, "10.10.10.10");
  struct msg m;

  m = good; /* wrong ID */
  put_be16(m.b, (u16_t)(q.id ^ 1));
  rx_answer(S1_IP, &q, &m);
  rx_answer(ROGUE_IP, &q, &good);               /* wrong source address */
  rx_answer(S2_IP, &q, &good);                  /* a server not asked yet */
  rx_from(S1_IP, 5353, OUR_IP, q.sport, &good); /* wrong source port */
  m = good; /* wrong question: another type */
  put_be16(m.b + q.qend - 4, DNS_RRTYPE_AAAA);
  rx_answer(S1_IP, &q, &m);
  m = good; /* wrong question: another class */
  put_be16(m.b + q.qend - 2, 3);
  rx_answer(S1_IP, &q, &m);
  m = good; /* wrong question: another name (one letter) */
  m.b[13] = (u8_t)(m.b[13] == 'v' ? 'w' : 'v');
  rx_answer(S1_IP, &q, &m);
  m = good; /* no question */
  put_be16(m.b + 4, 0);
  rx_answer(S1_IP, &q, &m);
  m = good; /* a query, not a response */
  put_be16(m.b + 2, 0x0100);
  rx_answer(S1_IP, &q, &m);
  m = good; /* opcode not QUERY */
  put_be16(m.b + 2, 0x8180 | 0x1000);
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(ncbs, 0);
  assert_int_equal(dns_pending_count(), 1);
#if LWIP_STATS
  assert_int_equal(DROPS(DNS_BAD_ID), 1);
  assert_int_equal(DROPS(DNS_BAD_SOURCE), 3);
  assert_int_equal(DROPS(DNS_BAD_QUESTION), 4);
  assert_int_equal(DROPS(DNS_NOT_RESPONSE), 2);
#endif
  rx_answer(S1_IP, &q, &good);
  assert_int_equal(ncbs, 1);
  assert_true(cbs[0].ok);
  assert_true(ip_is(&cbs[0].addr, "10.10.10.10"));
  /* duplicates after the end reach no lookup */
  rx_answer(S1_IP, &q, &good);
  assert_int_equal(ncbs, 1);
  test_frames_clear(&tn);
}

static void test_dns_failover_exact_times(void **state)
{
  (void)state;
  fixture();
  struct query q, q1;
  start_ex("slow.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  assert_int_equal(q.dst, test_ip(S1_IP));
  /* server 1: tries at 0, 1 s, 3 s; server 2: at 7 s, 8 s, 10 s; fail at 14 s */
  static const u32_t gaps[] = {1000, 2000, 4000, 1000, 2000};
  static const char *const dst[] = {S1_IP, S1_IP, S2_IP, S2_IP, S2_IP};
  for (int i = 0; i < 5; i++) {
    test_clock_advance(gaps[i] - 1);
    assert_int_equal(pop_query(&q1), -1);
    test_clock_advance(1);
    assert_int_equal(pop_query(&q1), 0);
    assert_int_equal(q1.dst, test_ip(dst[i]));
    assert_int_equal(q1.sport, q.sport); /* same lookup: same port and ID */
    assert_int_equal(q1.id, q.id);
    assert_int_equal(pop_query(&q1), -1);
  }
  test_clock_advance(3999);
  assert_int_equal(nexs, 0);
  test_clock_advance(1);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].res.status, DNS_STATUS_TIMEOUT);
  assert_int_equal(exs[0].res.naddrs, 0);
  assert_int_equal(exs[0].res.tries, 6);
  assert_int_equal(exs[0].res.elapsed_ms, 14000);
  assert_int_equal(dns_pending_count(), 0);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  assert_int_equal(pop_query(&q1), -1);
}

static void test_dns_failover_answer_from_second(void **state)
{
  (void)state;
  fixture();
  struct query q;
  start_ex("fo.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  test_clock_advance(7000);
  test_frames_clear(&tn);
  struct msg m;
  ans_start(&m, &q, 0x8180, 1);
  put_a(&m, PTR_Q, 2, 60, "10.3.3.3");
  rx_answer(S2_IP, &q, &m);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].res.server_idx, 1);
  assert_true(ip_is(&exs[0].res.server, S2_IP));
  assert_int_equal(exs[0].res.elapsed_ms, 7000);
  assert_int_equal(exs[0].res.tries, 4);
  /* a late answer from server 1 to a lookup now at server 2 still counts */
  start_ex("late.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  test_clock_advance(7500);
  test_frames_clear(&tn);
  ans_start(&m, &q, 0x8180, 1);
  put_a(&m, PTR_Q, 2, 60, "10.4.4.4");
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 2);
  assert_int_equal(exs[1].res.server_idx, 0);
  /* only server 2 configured: it is used from the start */
  dns_setserver(0, NULL);
  assert_true(ip_addr_isany(dns_getserver(0)));
  assert_true(ip_is(dns_getserver(1), S2_IP));
  assert_true(ip_addr_isany(dns_getserver(5)));
  start_ex("only2.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  assert_int_equal(q.dst, test_ip(S2_IP));
  assert_int_equal(dns_cancel(NULL), 1);
  /* none configured */
  dns_setserver(1, NULL);
  ip_addr_t addr;
  assert_int_equal(dns_gethostbyname("x.example", &addr, found_cb, NULL), ERR_VAL);
}

/* A server cleared while it is being asked is skipped at the next try. */
static void test_dns_server_cleared_mid_lookup(void **state)
{
  (void)state;
  fixture();
  struct query q;
  start_ex("moving.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  dns_setserver(0, NULL);
  test_clock_advance(1000);
  assert_int_equal(pop_query(&q), -1);
  test_clock_advance(1999);
  assert_int_equal(pop_query(&q), -1);
  test_clock_advance(1);
  assert_int_equal(pop_query(&q), 0);
  assert_int_equal(q.dst, test_ip(S2_IP));
  struct msg m;
  ans_start(&m, &q, 0x8180, 1);
  put_a(&m, PTR_Q, 2, 60, "10.0.0.5");
  rx_answer(S2_IP, &q, &m);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].res.server_idx, 1);
  assert_int_equal(exs[0].res.tries, 2);
}

static void test_dns_nxdomain_truncated_servfail(void **state)
{
  (void)state;
  fixture();
  struct query q;
  struct msg m;
  start_ex("nope.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  ans_start(&m, &q, 0x8183, 0);
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].res.status, DNS_STATUS_NXDOMAIN);
  assert_int_equal(exs[0].res.naddrs, 0);
  assert_int_equal(exs[0].res.server_idx, 0);

  start_ex("big.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  ans_start(&m, &q, 0x8380, 0); /* TC */
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 2);
  assert_int_equal(exs[1].res.status, DNS_STATUS_TRUNCATED);
  assert_string_equal(dns_status_name(DNS_STATUS_TRUNCATED), "truncated");

  start_ex("broken.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  ans_start(&m, &q, 0x8182, 0);
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(exs[2].res.status, DNS_STATUS_SERVFAIL);

  /* NOERROR without an A record: NODATA */
  start_lookup("empty.example", &q);
  ans_start(&m, &q, 0x8180, 0);
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(ncbs, 1);
  assert_false(cbs[0].ok);
  /* none of them cached */
  struct listing l;
  memset(&l, 0, sizeof(l));
  dns_cache_foreach(list_fn, &l);
  assert_int_equal(l.n, 0);
  assert_int_equal(dns_pending_count(), 0);
}

/* "alias" label pair helpers: wire names */
static void test_dns_cname_chain(void **state)
{
  (void)state;
  fixture();
  struct query q;
  struct msg m;
  start_ex("www.example.com", LWIP_DNS_ADDRTYPE_IPV4, &q);
  ans_start(&m, &q, 0x8180, 4);
  /* www -> edge.cdn.net (at off1) -> e1.cdn.net -> A; records out of order */
  int off_a = 0;
  (void)off_a;
  /* record 1: www CNAME edge.cdn.net */
  put_bytes(&m, PTR_Q, 2);
  put16(&m, DNS_RRTYPE_CNAME);
  put16(&m, DNS_RRCLASS_IN);
  put32(&m, 300);
  static const u8_t edge[] = {4, 'e', 'd', 'g', 'e', 3, 'c', 'd', 'n', 3, 'n', 'e', 't', 0};
  put16(&m, sizeof(edge));
  int edge_off = m.len;
  put_bytes(&m, edge, sizeof(edge));
  /* record 2: an unrelated A for another name */
  static const u8_t other[] = {5, 'o', 't', 'h', 'e', 'r', 0};
  put_a(&m, other, sizeof(other), 30, "10.9.9.9");
  /* record 3: e1.cdn.net A (owner "e1" + pointer to cdn.net) */
  u8_t e1[] = {2, 'E', '1', 0xc0, 0};
  e1[4] = (u8_t)(edge_off + 5);
  int e1_off = m.len;
  put_a(&m, e1, sizeof(e1), 120, "10.20.30.40");
  /* record 4: EDGE.cdn.net CNAME e1 (case differs: names compare without case) */
  u8_t edge_up[] = {4, 'E', 'D', 'G', 'E', 0xc0, 0};
  edge_up[6] = (u8_t)(edge_off + 5);
  u8_t tgt[] = {0xc0, 0};
  tgt[1] = (u8_t)e1_off;
  put_rr(&m, edge_up, sizeof(edge_up), DNS_RRTYPE_CNAME, 200, tgt, 2);
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].res.status, DNS_STATUS_OK);
  assert_int_equal(exs[0].res.naddrs, 1);
  assert_true(ip_is(&exs[0].res.addrs[0], "10.20.30.40"));
  assert_int_equal(exs[0].res.ttl, 120);

  /* a CNAME loop a -> b -> a ends as NODATA */
  start_ex("loop.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  ans_start(&m, &q, 0x8180, 2);
  static const u8_t b[] = {1, 'b', 0};
  put_bytes(&m, PTR_Q, 2);
  put16(&m, DNS_RRTYPE_CNAME);
  put16(&m, DNS_RRCLASS_IN);
  put32(&m, 300);
  put16(&m, sizeof(b));
  int b_off = m.len;
  put_bytes(&m, b, sizeof(b));
  u8_t bp[] = {0xc0, 0};
  bp[1] = (u8_t)b_off;
  put_rr(&m, bp, 2, DNS_RRTYPE_CNAME, 300, PTR_Q, 2);
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 2);
  assert_int_equal(exs[1].res.status, DNS_STATUS_NODATA);

  /* a chain longer than DNS_MAX_CNAME_CHAIN: not followed to the end */
  start_ex("long.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  ans_start(&m, &q, 0x8180, DNS_MAX_CNAME_CHAIN + 2);
  int prev = 12;
  for (int i = 0; i <= DNS_MAX_CNAME_CHAIN; i++) {
    u8_t own[2] = {(u8_t)(0xc0 | (prev >> 8)), (u8_t)prev};
    put_bytes(&m, own, 2);
    put16(&m, DNS_RRTYPE_CNAME);
    put16(&m, DNS_RRCLASS_IN);
    put32(&m, 300);
    put16(&m, 3);
    prev = m.len;
    u8_t t[3] = {1, (u8_t)('a' + i), 0};
    put_bytes(&m, t, 3);
  }
  u8_t last[2] = {(u8_t)(0xc0 | (prev >> 8)), (u8_t)prev};
  put_a(&m, last, 2, 60, "10.1.2.3");
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 3);
  assert_int_equal(exs[2].res.status, DNS_STATUS_NODATA);
}

/* Send @p m and check it was dropped as malformed with the lookup alive. */
static void expect_malformed(const struct query *q, const struct msg *m, u32_t *count)
{
  rx_answer(S1_IP, q, m);
  (*count)++;
  assert_int_equal(nexs, 0);
  assert_int_equal(dns_pending_count(), 1);
#if LWIP_STATS
  assert_int_equal(DROPS(DNS_MALFORMED), *count);
#endif
}

static void test_dns_malformed_answers(void **state)
{
  (void)state;
  fixture();
  struct query q;
  struct msg m;
  u32_t n = 0;
  start_ex("mal.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  int a = q.qend; /* where the first answer starts */

  /* owner name pointing at itself */
  ans_start(&m, &q, 0x8180, 1);
  u8_t self[2] = {0xc0, (u8_t)a};
  put_a(&m, self, 2, 60, "10.0.0.1");
  expect_malformed(&q, &m, &n);
  /* loop: label then a pointer back to that label */
  ans_start(&m, &q, 0x8180, 1);
  u8_t loop[4] = {1, 'x', 0xc0, (u8_t)a};
  put_a(&m, loop, 4, 60, "10.0.0.1");
  expect_malformed(&q, &m, &n);
  /* pointer forward (RFC 1035 4.1.4: only prior occurrences) */
  ans_start(&m, &q, 0x8180, 1);
  u8_t fwd[2] = {0xc0, (u8_t)(a + 12)}; /* inside this record: in range but forward */
  put_a(&m, fwd, 2, 60, "10.0.0.1");
  expect_malformed(&q, &m, &n);
  /* pointer beyond the message */
  ans_start(&m, &q, 0x8180, 1);
  u8_t out[2] = {0xc1, 0xff};
  put_a(&m, out, 2, 60, "10.0.0.1");
  expect_malformed(&q, &m, &n);
  /* pointer cut in half at the end */
  ans_start(&m, &q, 0x8180, 1);
  put_bytes(&m, "\xc0", 1);
  expect_malformed(&q, &m, &n);
  /* label running past the end */
  ans_start(&m, &q, 0x8180, 1);
  put_bytes(&m, "\x3f" "abc", 4);
  expect_malformed(&q, &m, &n);
  /* extended label type 0x40 */
  ans_start(&m, &q, 0x8180, 1);
  u8_t ext[3] = {0x41, 'a', 0};
  put_a(&m, ext, 3, 60, "10.0.0.1");
  expect_malformed(&q, &m, &n);
  /* ANCOUNT larger than the records present */
  ans_start(&m, &q, 0x8180, 3);
  put_a(&m, PTR_Q, 2, 60, "10.0.0.1");
  expect_malformed(&q, &m, &n);
  /* record fixed part cut short */
  ans_start(&m, &q, 0x8180, 1);
  put_bytes(&m, PTR_Q, 2);
  put16(&m, DNS_RRTYPE_A);
  put16(&m, DNS_RRCLASS_IN);
  expect_malformed(&q, &m, &n);
  /* RDLENGTH beyond the message */
  ans_start(&m, &q, 0x8180, 1);
  put_a(&m, PTR_Q, 2, 60, "10.0.0.1");
  put_be16(m.b + m.len - 6, 40);
  expect_malformed(&q, &m, &n);
  /* A with RDLENGTH 5 */
  ans_start(&m, &q, 0x8180, 1);
  put_rr(&m, PTR_Q, 2, DNS_RRTYPE_A, 60, "\x0a\x00\x00\x01\x00", 5);
  expect_malformed(&q, &m, &n);
  /* A with RDLENGTH 3 */
  ans_start(&m, &q, 0x8180, 1);
  put_rr(&m, PTR_Q, 2, DNS_RRTYPE_A, 60, "\x0a\x00\x00", 3);
  expect_malformed(&q, &m, &n);
  /* AAAA with RDLENGTH 4 */
  ans_start(&m, &q, 0x8180, 1);
  put_rr(&m, PTR_Q, 2, DNS_RRTYPE_AAAA, 60, "\x0a\x00\x00\x01", 4);
  expect_malformed(&q, &m, &n);
  /* CNAME whose target does not fill RDATA exactly */
  ans_start(&m, &q, 0x8180, 1);
  put_rr(&m, PTR_Q, 2, DNS_RRTYPE_CNAME, 60, "\x01x\x00\x00", 4);
  expect_malformed(&q, &m, &n);
  /* a malformed record after a good one spoils the whole message */
  ans_start(&m, &q, 0x8180, 2);
  put_a(&m, PTR_Q, 2, 60, "10.0.0.1");
  put_a(&m, self, 2, 60, "10.0.0.2");
  m.b[m.len - 16 + 1] = (u8_t)(a + 16); /* the second owner points at itself */
  expect_malformed(&q, &m, &n);
  /* question name with a bad pointer */
  memcpy(m.b, q.msg, 12);
  put_be16(m.b + 2, 0x8180);
  m.b[12] = 0xc0;
  m.b[13] = 0x0c;
  m.len = 18;
  expect_malformed(&q, &m, &n);
  /* shorter than a header */
  m.len = 11;
  rx_answer(S1_IP, &q, &m);
#if LWIP_STATS
  assert_int_equal(DROPS(DNS_SHORT), 1);
#endif
  /* trailing bytes after the records are ignored */
  ans_start(&m, &q, 0x8180, 0);
  memset(m.b + m.len, 0, 1490 - (size_t)m.len);
  m.len = 1490;
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 1); /* a NODATA answer */
  assert_int_equal(exs[0].res.status, DNS_STATUS_NODATA);
  nexs = 0;

  /* after all that, a new lookup still works */
  start_ex("mal2.example", LWIP_DNS_ADDRTYPE_IPV4, &q);
  ans_start(&m, &q, 0x8180, 1);
  put_a(&m, PTR_Q, 2, 60, "10.0.0.9");
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].res.status, DNS_STATUS_OK);
}

static void test_dns_aaaa_and_fallback(void **state)
{
  (void)state;
  fixture();
  static const u8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
  struct query q;
  struct msg m;
  start_ex("six.example", LWIP_DNS_ADDRTYPE_IPV6, &q);
  assert_int_equal(get_be16(q.msg + q.qend - 4), DNS_RRTYPE_AAAA);
  ans_start(&m, &q, 0x8180, 1);
  put_rr(&m, PTR_Q, 2, DNS_RRTYPE_AAAA, 60, v6, 16);
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].res.status, DNS_STATUS_OK);
  assert_int_equal(exs[0].res.qtype, DNS_RRTYPE_AAAA);
  assert_int_equal(IP_GET_TYPE(&exs[0].res.addrs[0]), IPADDR_TYPE_V6);
  assert_memory_equal(ip_2_ip6(&exs[0].res.addrs[0])->addr, v6, 16);
  /* cached for IPv6 lookups, not for IPv4 ones */
  ip_addr_t addr;
  assert_int_equal(dns_gethostbyname_addrtype("six.example", &addr, found_cb, NULL, LWIP_DNS_ADDRTYPE_IPV6), ERR_OK);
  assert_int_equal(IP_GET_TYPE(&addr), IPADDR_TYPE_V6);
  assert_int_equal(dns_gethostbyname_addrtype("six.example", &addr, found_cb, NULL, LWIP_DNS_ADDRTYPE_IPV6_IPV4), ERR_OK);
  assert_int_equal(dns_gethostbyname_addrtype("six.example", &addr, found_cb, NULL, LWIP_DNS_ADDRTYPE_IPV4_IPV6), ERR_OK);
  assert_int_equal(dns_gethostbyname("six.example", &addr, found_cb, NULL), ERR_INPROGRESS);
  assert_int_equal(dns_cancel(NULL), 1);
  test_frames_clear(&tn);

  /* IPV4_IPV6: no A, so a new query for AAAA with a new ID */
  start_ex("only6.example", LWIP_DNS_ADDRTYPE_IPV4_IPV6, &q);
  assert_int_equal(get_be16(q.msg + q.qend - 4), DNS_RRTYPE_A);
  ans_start(&m, &q, 0x8180, 0);
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(nexs, 1);
  struct query q2;
  assert_int_equal(pop_query(&q2), 0);
  assert_int_equal(get_be16(q2.msg + q2.qend - 4), DNS_RRTYPE_AAAA);
  assert_int_equal(q2.sport, q.sport);
  assert_int_not_equal(q2.id, q.id);
  ans_start(&m, &q2, 0x8180, 1);
  put_rr(&m, PTR_Q, 2, DNS_RRTYPE_AAAA, 60, v6, 16);
  rx_answer(S1_IP, &q2, &m);
  assert_int_equal(nexs, 2);
  assert_int_equal(exs[1].res.status, DNS_STATUS_OK);
  assert_int_equal(exs[1].res.qtype, DNS_RRTYPE_AAAA);
  assert_int_equal(exs[1].res.tries, 2);
  /* IPv6 literal */
  assert_int_equal(dns_gethostbyname_addrtype("2001:db8::42", &addr, NULL, NULL, LWIP_DNS_ADDRTYPE_IPV6), ERR_OK);
  assert_int_equal(IP_GET_TYPE(&addr), IPADDR_TYPE_V6);
  assert_memory_equal(ip_2_ip6(&addr)->addr, v6, 16);
}

static void test_dns_bad_names(void **state)
{
  (void)state;
  fixture();
  ip_addr_t addr;
  char longname[300];
  assert_int_equal(dns_gethostbyname("", &addr, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname(NULL, &addr, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname("a.b", NULL, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname(".", &addr, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname("a..b", &addr, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname(".a.b", &addr, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname("a.b..", &addr, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname("a b.com", &addr, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname("a$b.com", &addr, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname("a\001b.com", &addr, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname_addrtype("a.com", &addr, found_cb, NULL, 4), ERR_ARG);
  /* label of 64 bad, 63 fine */
  memset(longname, 'a', 64);
  strcpy(longname + 64, ".com");
  assert_int_equal(dns_gethostbyname(longname, &addr, found_cb, NULL), ERR_ARG);
  assert_int_equal(dns_gethostbyname(longname + 1, &addr, found_cb, NULL), ERR_INPROGRESS);
  struct query q;
  assert_int_equal(pop_query(&q), 0);
  assert_int_equal(q.msg[12], 63);
  /* 253 characters (255 bytes encoded) fine, 254 and 256+ bad */
  for (int i = 0; i < 299; i++) {
    longname[i] = (i % 50 == 49) ? '.' : 'b';
  }
  longname[253] = '\0';
  assert_int_equal(dns_gethostbyname(longname, &addr, found_cb, NULL), ERR_INPROGRESS);
  assert_int_equal(pop_query(&q), 0);
  assert_int_equal(q.len, 12 + 255 + 4);
  longname[253] = 'b';
  longname[254] = '\0';
  assert_int_equal(dns_gethostbyname(longname, &addr, found_cb, NULL), ERR_ARG);
  longname[254] = 'b';
  longname[299] = '\0';
  assert_int_equal(dns_gethostbyname(longname, &addr, found_cb, NULL), ERR_ARG);
  /* underscore and hyphen pass */
  assert_int_equal(dns_gethostbyname("_srv-x.example", &addr, found_cb, NULL), ERR_INPROGRESS);
  assert_int_equal(dns_cancel(NULL), 3);
  test_frames_clear(&tn);
  assert_int_equal(ncbs, 0);
}

static void test_dns_local_hosts(void **state)
{
  (void)state;
  fixture();
  ip_addr_t a, b, addr;
  set_ip(&a, "10.5.5.5");
  set_ip(&b, "10.5.5.6");
  assert_int_equal(dns_local_addhost("router.lan", &a), ERR_OK);
  assert_int_equal(dns_local_addhost("bad..name", &a), ERR_ARG);
  assert_int_equal(dns_gethostbyname("ROUTER.lan", &addr, found_cb, NULL), ERR_OK);
  assert_true(ip_is(&addr, "10.5.5.5"));
  struct dns_result r;
  assert_int_equal(dns_gethostbyname_ex("router.lan.", LWIP_DNS_ADDRTYPE_IPV4, &r, found_ex_cb, NULL), ERR_OK);
  assert_int_equal(r.source, DNS_SOURCE_LOCAL);
  assert_int_equal(r.server_idx, DNS_SERVER_IDX_NONE);
  /* no IPv6 entry: an IPv6 lookup goes out */
  assert_int_equal(dns_gethostbyname_addrtype("router.lan", &addr, found_cb, NULL, LWIP_DNS_ADDRTYPE_IPV6), ERR_INPROGRESS);
  assert_int_equal(dns_cancel(NULL), 1);
  test_frames_clear(&tn);
  assert_int_equal(dns_local_removehost("router.lan", &b), 0);
  assert_int_equal(dns_local_removehost("Router.LAN", &a), 1);
  assert_int_equal(dns_gethostbyname("router.lan", &addr, found_cb, NULL), ERR_INPROGRESS);
  assert_int_equal(dns_cancel(NULL), 1);
  test_frames_clear(&tn);
  /* table full */
  char name[16];
  for (int i = 0; i < DNS_LOCAL_HOSTLIST_MAX; i++) {
    snprintf(name, sizeof(name), "h%d", i);
    assert_int_equal(dns_local_addhost(name, i % 2 ? &a : &b), ERR_OK);
  }
  assert_int_equal(dns_local_addhost("one-more", &a), ERR_MEM);
  assert_int_equal(dns_local_removehost("h3", NULL), 1);
  assert_int_equal(dns_local_addhost("one-more", &a), ERR_OK);
  assert_int_equal(dns_gethostbyname("one-more", &addr, found_cb, NULL), ERR_OK);
  assert_int_equal(ncbs, 0);
}

static void test_dns_mdns_local(void **state)
{
  (void)state;
  fixture();
  struct query q;
  u8_t buf[1600];
  struct dns_result r0;
  assert_int_equal(dns_gethostbyname_ex("Printer.local", LWIP_DNS_ADDRTYPE_IPV4, &r0, found_ex_cb, NULL), ERR_INPROGRESS);
  /* Ethernet multicast destination for 224.0.0.251 */
  assert_int_equal(tn.nframes, 1);
  assert_int_equal(pbuf_copy_partial(tn.frames[0], buf, 6, 0), 6);
  static const u8_t mmac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
  assert_memory_equal(buf, mmac, 6);
  assert_int_equal(pop_query(&q), 0);
  assert_int_equal(q.dst, test_ip("224.0.0.251"));
  assert_int_equal(q.dport, 5353);
  assert_int_equal(q.ttl, 255);
  assert_true(q.sport >= UDP_LOCAL_PORT_RANGE_START);
  assert_int_equal(get_be16(q.msg + 2), 0); /* RD clear */
  char qn[256];
  query_name(&q, qn);
  assert_string_equal(qn, "Printer.local"); /* no 0x20 on mDNS */
  struct msg m;
  ans_start(&m, &q, 0x8400, 1);
  put_a(&m, PTR_Q, 2, 120, "192.168.1.77");
  put_be16(m.b + m.len - 12, DNS_RRCLASS_IN | DNS_RRCLASS_MDNS_FLAG); /* cache-flush */
  /* from port 53, and from off the link: ignored */
  rx_from("192.168.1.77", 53, OUR_IP, q.sport, &m);
  rx_from("10.0.0.5", 5353, OUR_IP, q.sport, &m);
  assert_int_equal(nexs, 0);
  /* any responder on the link, name matched without case */
  for (int i = 12; i < q.qend - 4; i++) {
    if (m.b[i] >= 'a' && m.b[i] <= 'z') {
      m.b[i] = (u8_t)(m.b[i] - 'a' + 'A');
    }
  }
  rx_from("192.168.1.77", 5353, OUR_IP, q.sport, &m);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].res.status, DNS_STATUS_OK);
  assert_int_equal(exs[0].res.server_idx, DNS_SERVER_IDX_MDNS);
  assert_true(ip_is(&exs[0].res.server, "192.168.1.77"));
  assert_true(ip_is(&exs[0].res.addrs[0], "192.168.1.77"));
  /* .local needs no unicast server; unanswered it gives up after 1+2+4 s */
  dns_setserver(0, NULL);
  dns_setserver(1, NULL);
  start_ex("nobody.local", LWIP_DNS_ADDRTYPE_IPV4, &q);
  test_clock_advance(1000);
  assert_int_equal(pop_query(&q), 0);
  test_clock_advance(2000);
  assert_int_equal(pop_query(&q), 0);
  test_clock_advance(3999);
  assert_int_equal(nexs, 1);
  test_clock_advance(1);
  assert_int_equal(nexs, 2);
  assert_int_equal(exs[1].res.status, DNS_STATUS_TIMEOUT);
  assert_int_equal(pop_query(&q), -1);
}

static void test_dns_request_table_full(void **state)
{
  (void)state;
  fixture();
  ip_addr_t addr;
  char name[32];
  for (int i = 0; i < DNS_MAX_REQUESTS; i++) {
    snprintf(name, sizeof(name), "q%d.example", i);
    assert_int_equal(dns_gethostbyname(name, &addr, found_cb, (void *)(uintptr_t)(i + 1)), ERR_INPROGRESS);
  }
  assert_int_equal(dns_gethostbyname("more.example", &addr, found_cb, NULL), ERR_MEM);
  /* cached and literal answers still work */
  assert_int_equal(dns_gethostbyname("1.2.3.4", &addr, found_cb, NULL), ERR_OK);
  assert_int_equal(dns_cancel((void *)2), 1);
  assert_int_equal(dns_gethostbyname("more.example", &addr, found_cb, NULL), ERR_INPROGRESS);
  /* let them all time out: every callback reports failure */
  test_clock_advance(14000);
  assert_int_equal(ncbs, DNS_MAX_REQUESTS);
  for (int i = 0; i < ncbs; i++) {
    assert_false(cbs[i].ok);
  }
  assert_int_equal(dns_pending_count(), 0);
  test_frames_clear(&tn);
}

#if LWIP_TEST_HOOKS
static void test_dns_alloc_failure(void **state)
{
  (void)state;
  fixture();
  ip_addr_t addr;
  /* 1st allocation: the UDP PCB */
  lwip_alloc_fail_after(1);
  assert_int_equal(dns_gethostbyname("mem.example", &addr, found_cb, NULL), ERR_MEM);
  /* 2nd: the timer */
  lwip_alloc_fail_after(2);
  assert_int_equal(dns_gethostbyname("mem.example", &addr, found_cb, NULL), ERR_MEM);
  assert_int_equal(dns_pending_count(), 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* 3rd: the query pbuf: the lookup stays and the retry sends it */
  lwip_alloc_fail_after(3);
  assert_int_equal(dns_gethostbyname("mem.example", &addr, found_cb, NULL), ERR_INPROGRESS);
  lwip_alloc_fail_after(0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(DNS_NO_MEM), 3); /* PCB, timer, query */
#endif
  test_clock_advance(1000);
  struct query q;
  assert_int_equal(pop_query(&q), 0);
  struct msg m;
  ans_start(&m, &q, 0x8180, 1);
  put_a(&m, PTR_Q, 2, 60, "10.0.0.8");
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(ncbs, 1);
  assert_true(cbs[0].ok);
  /* a retry whose timer cannot be armed ends the lookup */
  struct query q2;
  start_ex("mem2.example", LWIP_DNS_ADDRTYPE_IPV4, &q2);
  lwip_alloc_fail_after(1);
  test_clock_advance(1000);
  lwip_alloc_fail_after(0);
  assert_int_equal(nexs, 1);
  assert_int_equal(exs[0].res.status, DNS_STATUS_NO_MEM);
  assert_int_equal(dns_pending_count(), 0);
}
#endif

/* A callback that starts another lookup from inside the callback. */
static struct query chained_q;
static void chain_cb(const char *name, const ip_addr_t *addr, void *arg)
{
  found_cb(name, addr, arg);
  ip_addr_t a;
  assert_int_equal(dns_gethostbyname("second.example", &a, found_cb, NULL), ERR_INPROGRESS);
}

static void test_dns_callback_may_start_lookup(void **state)
{
  (void)state;
  fixture();
  ip_addr_t addr;
  struct query q;
  assert_int_equal(dns_gethostbyname("first.example", &addr, chain_cb, NULL), ERR_INPROGRESS);
  assert_int_equal(pop_query(&q), 0);
  struct msg m;
  ans_start(&m, &q, 0x8180, 1);
  put_a(&m, PTR_Q, 2, 60, "10.0.0.1");
  rx_answer(S1_IP, &q, &m);
  assert_int_equal(ncbs, 1);
  assert_string_equal(cbs[0].name, "first.example");
  assert_int_equal(pop_query(&chained_q), 0);
  char qn[256];
  query_name(&chained_q, qn);
  assert_int_equal(strcasecmp(qn, "second.example"), 0);
  assert_int_equal(dns_cancel(NULL), 1);
}

/* Each server keeps where it came from: dns_setserver() is a manual
 * setting, a cleared slot is manual again, an unknown origin is taken as
 * manual, and the names are those dns.servers shows. */
static void test_dns_server_origin(void **state)
{
  (void)state;
  ip_addr_t a;
  assert_true(ipaddr_aton("192.0.2.53", &a));
  dns_setserver_source(0, &a, DNS_SERVER_DHCP6);
  assert_int_equal(dns_getserver_source(0), DNS_SERVER_DHCP6);
  assert_true(ip_addr_eq(dns_getserver(0), &a));
  dns_setserver_source(1, &a, DNS_SERVER_RA_RDNSS);
  assert_int_equal(dns_getserver_source(1), DNS_SERVER_RA_RDNSS);
  dns_setserver_source(1, NULL, DNS_SERVER_RA_RDNSS);
  assert_int_equal(dns_getserver_source(1), DNS_SERVER_MANUAL);
  dns_setserver(0, &a);
  assert_int_equal(dns_getserver_source(0), DNS_SERVER_MANUAL);
  dns_setserver_source(0, &a, 200);
  assert_int_equal(dns_getserver_source(0), DNS_SERVER_MANUAL);
  dns_setserver_source(1, &a, DNS_SERVER_DHCP);
  assert_int_equal(dns_getserver_source(1), DNS_SERVER_DHCP);
  assert_int_equal(dns_getserver_source(DNS_MAX_SERVERS), DNS_SERVER_MANUAL);
  assert_string_equal(dns_server_origin_name(DNS_SERVER_MANUAL), "manual");
  assert_string_equal(dns_server_origin_name(DNS_SERVER_DHCP), "dhcp");
  assert_string_equal(dns_server_origin_name(DNS_SERVER_RA_RDNSS), "ra-rdnss");
  assert_string_equal(dns_server_origin_name(DNS_SERVER_DHCP6), "dhcp6");
  assert_string_equal(dns_server_origin_name(DNS_SERVER_ORIGIN_COUNT), "?");
  /* lwip_init() forgets the origins with the servers. */
  dns_init();
  assert_int_equal(dns_getserver_source(1), DNS_SERVER_MANUAL);
  assert_true(ip_addr_isany(dns_getserver(1)));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_dns_server_origin, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_query_bytes_and_answer, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_ex_result_and_cache_listing, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_cache_listing_ttl_cap_and_zero, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_cache_lru_limit, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_cache_reuses_expired_slot, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_0x20_case_checked, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_spoofed_answers_ignored, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_failover_exact_times, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_failover_answer_from_second, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_server_cleared_mid_lookup, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_nxdomain_truncated_servfail, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_cname_chain, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_malformed_answers, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_aaaa_and_fallback, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_bad_names, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_local_hosts, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_mdns_local, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dns_request_table_full, test_setup, test_teardown),
#if LWIP_TEST_HOOKS
    cmocka_unit_test_setup_teardown(test_dns_alloc_failure, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_dns_callback_may_start_lookup, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* !LWIP_DNS */

static void test_dns_disabled(void **state)
{
  (void)state;
  skip();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_dns_disabled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
