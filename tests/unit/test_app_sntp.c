/* Unit tests for core/apps/sntp.c (lwip/apps/sntp.h): the request's bytes,
 * the offset and delay of a good reply (RFC 5905 8, across the NTP era
 * boundary too), every refused reply counted by its reason, kiss-o'-death
 * (RATE, DENY, RSTR, other codes), the retry backoff and server rotation,
 * servers from a DHCP lease, stop, and allocation failures.
 *
 * The test plays the NTP servers through the fake netif on the virtual
 * clock; a fake wall clock (the clock hook) makes every figure exact. */
#include "test_common.h"

#include <stdlib.h>

#include "lwip/opt.h"

#if LWIP_UDP

#include "lwip/apps/sntp.h"
#include "lwip/etharp.h"
#include "lwip/udp.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/sntp.h"
#include "lwip/prot/wire.h"
#if LWIP_DHCP
#include "lwip/dhcp.h"
#endif

#define OUR_IP "192.168.1.10"
#define S1_IP "192.168.1.123"
#define S2_IP "192.168.1.124"
#define ROGUE_IP "192.168.1.66"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

/* One second in 32.32 fixed point. */
#define SEC ((int64_t)1 << 32)
#define MS(x) ((int64_t)(((u64_t)(x) << 32) / 1000U))

static struct test_netif tn;
static struct sntp cl;

/* ---- the fake wall clock: base + the virtual clock + corrections ---- */
static sntp_ts_t wall_base;
static int adjusts;
static struct sntp_sample adjusted;

static sntp_ts_t fake_now(void *arg)
{
  (void)arg;
  return wall_base + (((u64_t)sys_now() << 32) / 1000U);
}

static void fake_adjust(void *arg, const struct sntp_sample *s)
{
  (void)arg;
  adjusts++;
  adjusted = *s;
  wall_base += (u64_t)s->offset;
}

static void add_arp(const char *ip)
{
  test_add_peer_arp(ip);
}

static void set_ip(ip_addr_t *a, const char *dotted)
{
  ip4_addr_t v;
  v.addr = test_ip(dotted);
  ip_addr_set_ip4(a, &v);
}

static void fixture(void)
{
  memset(&cl, 0, sizeof(cl));
  adjusts = 0;
  memset(&adjusted, 0, sizeof(adjusted));
  wall_base = (u64_t)3980000000UL << 32; /* 2026 */
  test_netif_add(&tn, OUR_IP, "255.255.255.0", "192.168.1.1", test_mac);
  add_arp(S1_IP);
  add_arp(S2_IP);
  add_arp(ROGUE_IP);
}

static void cfg_init(struct sntp_config *cfg, int nservers)
{
  memset(cfg, 0, sizeof(*cfg));
  if (nservers > 0) {
    set_ip(&cfg->servers[0], S1_IP);
  }
  if (nservers > 1) {
    set_ip(&cfg->servers[1], S2_IP);
  }
  cfg->num_servers = (u8_t)nservers;
  cfg->timeout_ms = 5000;
  cfg->clock_now = fake_now;
  cfg->clock_adjust = fake_adjust;
}

static void start(int nservers)
{
  struct sntp_config cfg;
  cfg_init(&cfg, nservers);
  assert_int_equal(sntp_start(&cl, &cfg), ERR_OK);
}

static int teardown(void **state)
{
  sntp_stop(&cl);
  return test_teardown(state);
}

/* ---- requests the client sent ---- */
struct req {
  u32_t dst; /* network order */
  u16_t sport, dport;
  u8_t msg[SNTP_MSG_LEN];
  sntp_ts_t tx;
};

/* Pop the next IPv4 frame, which must be an SNTP request.  @return false
 * when none was sent. */
static bool pop_req(struct req *q)
{
  u8_t buf[1600];
  int n = test_pop_ip_bytes(&tn, buf, sizeof(buf));
  if (n < 0) {
    return false;
  }
  assert_int_equal(n, 14 + 20 + 8 + SNTP_MSG_LEN);
  const u8_t *ip = buf + 14;
  assert_int_equal(ip[9], IP_PROTO_UDP);
  memcpy(&q->dst, ip + 16, 4);
  const u8_t *udp = ip + 20;
  q->sport = get_be16(udp);
  q->dport = get_be16(udp + 2);
  assert_int_equal(get_be16(udp + 4), 8 + SNTP_MSG_LEN);
  memcpy(q->msg, udp + 8, SNTP_MSG_LEN);
  q->tx = ((u64_t)get_be32(q->msg + SNTP_OFF_TRANSMIT_TS) << 32) | get_be32(q->msg + SNTP_OFF_TRANSMIT_TS + 4);
  return true;
}

static struct req must_req(const char *dst)
{
  struct req q;
  assert_true(pop_req(&q));
  assert_int_equal(q.dst, test_ip(dst));
  assert_int_equal(q.dport, SNTP_SERVER_PORT);
  return q;
}

/* ---- replies ---- */
struct rep {
  u8_t li, vn, mode, stratum;
  u32_t refid;
  sntp_ts_t origin, receive, transmit;
  const char *src;
  u16_t sport;
  size_t len;
};

/* A good reply to @p q from a server whose clock is @p ahead (32.32 s)
 * ahead of ours: it received the request @p owd_ms after it left and
 * answered @p hold_ms later. */
static struct rep good_rep(const struct req *q, sntp_ts_t t1, int64_t ahead, u32_t owd_ms, u32_t hold_ms)
{
  struct rep r;
  memset(&r, 0, sizeof(r));
  r.vn = 4;
  r.mode = SNTP_MODE_SERVER;
  r.stratum = 2;
  r.refid = 0x0a000001UL;
  r.origin = q->tx;
  r.receive = t1 + (u64_t)ahead + (u64_t)MS(owd_ms);
  r.transmit = r.receive + (u64_t)MS(hold_ms);
  r.src = S1_IP;
  r.sport = SNTP_SERVER_PORT;
  r.len = SNTP_MSG_LEN;
  return r;
}

static void send_rep(const struct rep *r, u16_t dport)
{
  u8_t m[64], l4[128], frame[256];
  memset(m, 0, sizeof(m));
  m[SNTP_OFF_LI_VN_MODE] = SNTP_LI_VN_MODE(r->li, r->vn, r->mode);
  m[SNTP_OFF_STRATUM] = r->stratum;
  m[SNTP_OFF_POLL] = 6;
  m[SNTP_OFF_PRECISION] = 0xe9;
  put_be32(m + SNTP_OFF_REFID, r->refid);
  put_be32(m + SNTP_OFF_ORIGIN_TS, (u32_t)(r->origin >> 32));
  put_be32(m + SNTP_OFF_ORIGIN_TS + 4, (u32_t)r->origin);
  put_be32(m + SNTP_OFF_RECEIVE_TS, (u32_t)(r->receive >> 32));
  put_be32(m + SNTP_OFF_RECEIVE_TS + 4, (u32_t)r->receive);
  put_be32(m + SNTP_OFF_TRANSMIT_TS, (u32_t)(r->transmit >> 32));
  put_be32(m + SNTP_OFF_TRANSMIT_TS + 4, (u32_t)r->transmit);
  size_t n = test_udp(l4, r->src, OUR_IP, r->sport, dport, m, r->len);
  size_t f = test_eth_ip4(frame, r->src, OUR_IP, IP_PROTO_UDP, l4, n);
  test_rx(&tn, frame, f);
}

/* Equal to @p us microseconds within 1 us (the 32.32 arithmetic rounds). */
static void assert_near_us(int64_t fixed, int64_t us)
{
  int64_t got = sntp_fixed_to_us(fixed);
  if (llabs((long long)(got - us)) > 1) {
    fail_msg("%lld us, expected %lld", (long long)got, (long long)us);
  }
}

static struct sntp_info info(void)
{
  struct sntp_info i;
  sntp_get_info(&cl, &i);
  return i;
}

/* Send the first request (on the first timer run) and return it with our
 * clock at its departure. */
static struct req first_req(const char *dst, sntp_ts_t *t1)
{
  test_clock_advance(0);
  *t1 = fake_now(NULL);
  return must_req(dst);
}

/* ---------------------------------------------------------------------- */

static void test_sntp_request_format(void **state)
{
  (void)state;
  fixture();
  start(1);
  assert_string_equal(info().state, "idle");
  assert_int_equal(tn.nframes, 0); /* the request goes out from the timer */
  sntp_ts_t t1;
  struct req q = first_req(S1_IP, &t1);
  assert_int_equal(tn.nframes, 0);
  assert_true(q.sport >= UDP_LOCAL_PORT_RANGE_START); /* RFC 9109: ephemeral */
  /* RFC 4330 5: LI 0, VN 4, mode 3; all zero up to the transmit timestamp,
   * which is a random nonce, not our clock. */
  assert_int_equal(q.msg[0], 0x23);
  const u8_t zero[40] = {0};
  assert_memory_equal(q.msg + 1, zero, 39);
  assert_true(q.tx != 0);
  assert_true(q.tx != t1);
  assert_int_equal(info().stats.requests, 1);
  assert_string_equal(info().state, "wait_reply");
  assert_int_equal(info().next_in_ms, 5000);
  /* The next request carries another nonce. */
  test_clock_advance(5000 + 15000);
  struct req q2 = must_req(S1_IP);
  assert_true(q2.tx != q.tx);
  assert_int_equal(q2.sport, q.sport);
}

static void test_sntp_good_reply_offset(void **state)
{
  (void)state;
  fixture();
  start(1);
  sntp_ts_t t1;
  struct req q = first_req(S1_IP, &t1);
  /* 2.5 s ahead; 10 ms each way, 20 ms in the server: offset 2.5 s, delay
   * 20 ms. */
  test_clock_advance(40);
  struct rep r = good_rep(&q, t1, 2 * SEC + SEC / 2, 10, 20);
  send_rep(&r, q.sport);
  assert_int_equal(adjusts, 1);
  assert_near_us(adjusted.offset, 2500000);
  assert_near_us(adjusted.delay, 20000);
  assert_int_equal(adjusted.stratum, 2);
  assert_int_equal(adjusted.server_tx, r.transmit);
  struct sntp_info i = info();
  assert_true(i.have_sample);
  assert_int_equal(i.last.offset, adjusted.offset);
  assert_int_equal(i.stats.replies, 1);
  assert_int_equal(i.servers[0].stratum, 2);
  assert_string_equal(i.state, "idle");
  assert_int_equal(i.next_in_ms, SNTP_DEFAULT_POLL_S * 1000U);
  /* Our clock was corrected: a second exchange finds no offset. */
  test_clock_advance(SNTP_DEFAULT_POLL_S * 1000U - 1);
  assert_int_equal(tn.nframes, 0);
  test_clock_advance(1);
  t1 = fake_now(NULL);
  q = must_req(S1_IP);
  r = good_rep(&q, t1, 0, 5, 0); /* 5 ms each way */
  test_clock_advance(10);
  send_rep(&r, q.sport);
  assert_int_equal(adjusts, 2);
  assert_near_us(adjusted.offset, 0);
  /* A reply behind our clock gives a negative offset. */
  test_clock_advance(SNTP_DEFAULT_POLL_S * 1000U);
  t1 = fake_now(NULL);
  q = must_req(S1_IP);
  r = good_rep(&q, t1, -(3 * SEC), 5, 0);
  test_clock_advance(10);
  send_rep(&r, q.sport);
  assert_near_us(adjusted.offset, -3000000);
}

/* The 64-bit arithmetic is modulo 2^64 (RFC 5905 6): our clock at the end
 * of era 0 and the server's 2 s later, in era 1, still give +2 s. */
static void test_sntp_era_boundary(void **state)
{
  (void)state;
  fixture();
  wall_base = ((u64_t)0xffffffffUL << 32) - ((u64_t)sys_now() << 32) / 1000U;
  start(1);
  sntp_ts_t t1;
  struct req q = first_req(S1_IP, &t1);
  test_clock_advance(20);
  struct rep r = good_rep(&q, t1, 2 * SEC, 10, 0);
  assert_true((r.transmit >> 32) < 10U); /* the server is in era 1 */
  send_rep(&r, q.sport);
  assert_int_equal(adjusts, 1);
  assert_near_us(adjusted.offset, 2000000);
  assert_near_us(adjusted.delay, 20000);
  /* The Unix conversion takes such seconds as era 1. */
  assert_int_equal(sntp_ts_to_unix_us(r.transmit) / 1000000, 2085978496LL + 1);
  assert_int_equal(sntp_ts_to_unix_us((u64_t)3980000000UL << 32), (3980000000LL - 2208988800LL) * 1000000);
  assert_int_equal(sntp_unix_us_to_ts(1771011200123456LL) >> 32, 1771011200ULL + 2208988800ULL);
  assert_int_equal(sntp_ts_to_unix_us(sntp_unix_us_to_ts(1771011200123456LL)), 1771011200123455LL);
  assert_int_equal(sntp_fixed_to_us(-(SEC / 2)), -500000);
}

/* Without a clock hook the client keeps its own, starting at NTP time 0
 * (era 1): the first reply sets it to the server's time. */
static void test_sntp_builtin_clock(void **state)
{
  (void)state;
  fixture();
  struct sntp_config cfg;
  cfg_init(&cfg, 1);
  cfg.clock_now = NULL;
  cfg.clock_adjust = NULL;
  assert_int_equal(sntp_start(&cl, &cfg), ERR_OK);
  sntp_ts_t t1 = sntp_now(&cl);
  assert_true(t1 < ((u64_t)5 << 32)); /* sys_now() seconds past 0 */
  test_clock_advance(0);
  struct req q = must_req(S1_IP);
  test_clock_advance(30);
  sntp_ts_t server = (u64_t)3980000000UL << 32;
  struct rep r = good_rep(&q, t1, 0, 15, 0);
  r.receive = server;
  r.transmit = server;
  send_rep(&r, q.sport);
  assert_int_equal(info().stats.replies, 1);
  /* Our clock now reads the server's time plus the 15 ms return trip. */
  int64_t d = (int64_t)(sntp_now(&cl) - (server + (u64_t)MS(15)));
  assert_true(d > -MS(1) && d < MS(1));
  test_clock_advance(1000);
  d = (int64_t)(sntp_now(&cl) - (server + (u64_t)MS(1015)));
  assert_true(d > -MS(1) && d < MS(1));
}

/* Every refused reply is dropped with its reason and counted; replies that
 * may be forged (source, mode, origin) leave the request waiting, while
 * authentic but unusable ones (stratum, leap, zero transmit time) count as
 * a failed exchange. */
static void test_sntp_sanity_checks(void **state)
{
  (void)state;
  fixture();
  start(2);
  sntp_ts_t t1;
  struct req q = first_req(S1_IP, &t1);
  test_clock_advance(10);
  struct rep good = good_rep(&q, t1, SEC, 5, 0);
  struct rep r;
  u32_t rejected = 0;

  r = good;
  r.len = SNTP_MSG_LEN - 1;
  send_rep(&r, q.sport);
  rejected++;
  r = good;
  r.src = ROGUE_IP;
  send_rep(&r, q.sport);
  rejected++;
  r = good;
  r.sport = 124;
  send_rep(&r, q.sport);
  rejected++;
  r = good;
  r.mode = SNTP_MODE_CLIENT;
  send_rep(&r, q.sport);
  rejected++;
  r = good;
  r.vn = 2;
  send_rep(&r, q.sport);
  rejected++;
  r = good;
  r.origin ^= 1U;
  send_rep(&r, q.sport);
  rejected++;
#if LWIP_STATS
  assert_int_equal(DROPS(SNTP_SHORT), 1);
  assert_int_equal(DROPS(SNTP_BAD_SOURCE), 2);
  assert_int_equal(DROPS(SNTP_BAD_MODE), 2);
  assert_int_equal(DROPS(SNTP_BAD_ORIGIN), 1);
#endif
  assert_int_equal(adjusts, 0);
  assert_int_equal(info().stats.rejected, rejected);
  assert_string_equal(info().state, "wait_reply");
  assert_int_equal(info().fails, 0);

  /* Version 3 and extension bytes after the header are fine. */
  r = good;
  r.vn = 3;
  r.len = SNTP_MSG_LEN + 12;
  send_rep(&r, q.sport);
  assert_int_equal(adjusts, 1);
  /* The same reply again: nothing is outstanding. */
  send_rep(&r, q.sport);
  rejected++;
#if LWIP_STATS
  assert_int_equal(DROPS(SNTP_UNEXPECTED), 1);
#endif
  assert_int_equal(adjusts, 1);

  /* Authentic but unusable: each ends the exchange as a failure and the
   * next request goes to the other server after the retry interval. */
  static const struct {
    u8_t li, stratum;
    bool zero_tx;
  } bad[] = {{0, 16, false}, {SNTP_LI_UNSYNC, 2, false}, {0, 2, true}};
  const char *next = S2_IP;
  for (size_t k = 0; k < LWIP_ARRAYSIZE(bad); k++) {
    test_clock_advance(info().next_in_ms);
    t1 = fake_now(NULL);
    q = must_req(k == 0 ? S1_IP : next);
    const char *asked = k == 0 ? S1_IP : next;
    r = good_rep(&q, t1, SEC, 5, 0);
    r.src = asked;
    r.li = bad[k].li;
    r.stratum = bad[k].stratum;
    if (bad[k].zero_tx) {
      r.transmit = 0;
    }
    send_rep(&r, q.sport);
    rejected++;
    assert_int_equal(info().fails, k + 1);
    assert_string_equal(info().state, "idle");
    next = strcmp(asked, S1_IP) == 0 ? S2_IP : S1_IP;
    assert_int_equal(info().servers[info().cur].addr.u_addr.ip4.addr, test_ip(next));
  }
#if LWIP_STATS
  assert_int_equal(DROPS(SNTP_BAD_STRATUM), 1);
  assert_int_equal(DROPS(SNTP_UNSYNC), 1);
  assert_int_equal(DROPS(SNTP_ZERO_TX), 1);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_SNTP].drop, rejected);
#endif
  assert_int_equal(adjusts, 1);
  assert_int_equal(info().stats.rejected, rejected);
  assert_int_equal(info().stats.replies, 1);
}

static void kiss(const struct req *q, sntp_ts_t t1, const char *src, const char code[4])
{
  struct rep r = good_rep(q, t1, 0, 1, 0);
  r.src = src;
  r.stratum = SNTP_STRATUM_KISS;
  r.li = SNTP_LI_UNSYNC;
  r.refid = get_be32((const u8_t *)code);
  r.receive = 0;
  r.transmit = 0;
  send_rep(&r, q->sport);
}

static void test_sntp_kiss_of_death(void **state)
{
  (void)state;
  fixture();
  start(2);
  sntp_ts_t t1;
  struct req q = first_req(S1_IP, &t1);

  /* A kiss that does not echo our nonce is not believed. */
  struct req forged = q;
  forged.tx ^= 0x100U;
  kiss(&forged, t1, S1_IP, "DENY");
  assert_int_equal(info().stats.kiss_deny, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(SNTP_BAD_ORIGIN), 1);
#endif

  /* RATE: the poll interval doubles; the same server is asked next. */
  kiss(&q, t1, S1_IP, "RATE");
  assert_int_equal(info().stats.kiss_rate, 1);
  assert_int_equal(info().poll_s, 2 * SNTP_DEFAULT_POLL_S);
  assert_int_equal(info().next_in_ms, 2 * SNTP_DEFAULT_POLL_S * 1000U);
  test_clock_advance(2 * SNTP_DEFAULT_POLL_S * 1000U - 1);
  assert_int_equal(tn.nframes, 0);
  test_clock_advance(1);
  t1 = fake_now(NULL);
  q = must_req(S1_IP);

  /* Another code: ignored, the request times out as if unanswered. */
  kiss(&q, t1, S1_IP, "XYZW");
  assert_int_equal(info().stats.kiss_other, 1);
  assert_string_equal(info().state, "wait_reply");
  test_clock_advance(5000);
  assert_int_equal(info().stats.timeouts, 1);

  /* DENY: S2 is never asked again; S1 takes over after 15 s. */
  test_clock_advance(info().next_in_ms);
  t1 = fake_now(NULL);
  q = must_req(S2_IP);
  kiss(&q, t1, S2_IP, "DENY");
  assert_int_equal(info().stats.kiss_deny, 1);
  assert_true(info().servers[1].denied);
  assert_int_equal(info().next_in_ms, SNTP_MIN_POLL_S * 1000U);
  test_clock_advance(SNTP_MIN_POLL_S * 1000U);
  t1 = fake_now(NULL);
  q = must_req(S1_IP);
  /* S1 times out: the retry goes to S1 again, S2 being denied. */
  test_clock_advance(5000);
  assert_int_equal(info().stats.timeouts, 2);
  test_clock_advance(info().next_in_ms);
  t1 = fake_now(NULL);
  q = must_req(S1_IP);

  /* RSTR from the last server: nobody left to ask, no timer. */
  kiss(&q, t1, S1_IP, "RSTR");
  assert_int_equal(info().stats.kiss_deny, 2);
  assert_string_equal(info().state, "no_server");
  assert_int_equal(info().next_in_ms, 0);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  test_clock_advance(10U * 3600U * 1000U);
  assert_int_equal(tn.nframes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(SNTP_KISS), 4);
#endif
  assert_int_equal(adjusts, 0);
}

/* No answer: 5 s timeout, then retries after 15, 30, 60, 60 s (the limit
 * set), alternating servers; a good reply resets the backoff. */
static void test_sntp_backoff(void **state)
{
  (void)state;
  fixture();
  struct sntp_config cfg;
  cfg_init(&cfg, 2);
  cfg.max_backoff_s = 60;
  cfg.poll_s = 300;
  assert_int_equal(sntp_start(&cl, &cfg), ERR_OK);
  test_clock_advance(0);
  struct req q = must_req(S1_IP);
  static const u32_t waits[] = {15, 30, 60, 60, 60};
  const char *dst = S1_IP;
  for (size_t k = 0; k < LWIP_ARRAYSIZE(waits); k++) {
    test_clock_advance(4999);
    assert_int_equal(info().stats.timeouts, k);
    test_clock_advance(1);
    assert_int_equal(info().stats.timeouts, k + 1);
    assert_int_equal(info().fails, k + 1);
    test_clock_advance(waits[k] * 1000U - 1);
    assert_int_equal(tn.nframes, 0);
    test_clock_advance(1);
    dst = strcmp(dst, S1_IP) == 0 ? S2_IP : S1_IP;
    q = must_req(dst);
  }
  sntp_ts_t t1 = fake_now(NULL);
  struct rep r = good_rep(&q, t1, SEC, 1, 0);
  r.src = dst;
  send_rep(&r, q.sport);
  assert_int_equal(adjusts, 1);
  assert_int_equal(info().fails, 0);
  assert_int_equal(info().next_in_ms, 300000);
  assert_int_equal(info().servers[info().cur].addr.u_addr.ip4.addr, test_ip(dst)); /* stays */
  test_clock_advance(300000);
  (void)must_req(dst);
}

#if LWIP_DHCP
/* Servers from the netif's lease (option 42), read before each request. */
static void test_sntp_dhcp_servers(void **state)
{
  (void)state;
  fixture();
  struct netif *nif = &tn.netif;
  struct dhcp d;
  dhcp_set_struct(nif, &d);
  struct sntp_config cfg;
  cfg_init(&cfg, 0);
  cfg.dhcp_netif = nif;
  cfg.poll_s = 60;
  assert_int_equal(sntp_start(&cl, &cfg), ERR_OK);
  assert_true(info().from_dhcp);
  test_clock_advance(0);
  assert_int_equal(tn.nframes, 0); /* no lease yet */
  assert_string_equal(info().state, "no_server");
  assert_int_equal(info().next_in_ms, 60000);
  /* The lease arrives (as dhcp.c stores option 42). */
  d.ntp[0].addr = test_ip(S2_IP);
  d.ntp[1].addr = test_ip(S1_IP);
  d.ntp_count = 2;
  test_clock_advance(60000);
  sntp_ts_t t1 = fake_now(NULL);
  struct req q = must_req(S2_IP);
  assert_int_equal(info().num_servers, 2);
  struct rep r = good_rep(&q, t1, SEC, 1, 0);
  r.src = S2_IP;
  send_rep(&r, q.sport);
  assert_int_equal(adjusts, 1);
  /* A new lease names only S1: it is asked from the next poll on. */
  d.ntp[0].addr = test_ip(S1_IP);
  d.ntp_count = 1;
  test_clock_advance(60000);
  (void)must_req(S1_IP);
  assert_int_equal(info().num_servers, 1);
  sntp_stop(&cl);
  dhcp_cleanup(nif);
}
#endif

/* Stop while a request is out: PCB and timer go (the teardown checks the
 * pools), the late reply meets a closed port, no hook is called. */
static void test_sntp_stop(void **state)
{
  (void)state;
  fixture();
  start(1);
  assert_true(sntp_running(&cl));
  sntp_ts_t t1;
  struct req q = first_req(S1_IP, &t1);
  sntp_stop(&cl);
  assert_false(sntp_running(&cl));
  assert_string_equal(info().state, "off");
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  struct rep r = good_rep(&q, t1, SEC, 1, 0);
  send_rep(&r, q.sport);
#if LWIP_STATS
  assert_int_equal(DROPS(UDP_NO_PCB), 1);
#endif
  assert_int_equal(adjusts, 0);
  sntp_stop(&cl);         /* twice: nothing */
  test_frames_clear(&tn); /* the ICMP port unreachable */
  /* It starts again cleanly. */
  start(1);
  test_clock_advance(0);
  (void)must_req(S1_IP);
}

static void test_sntp_start_errors(void **state)
{
  (void)state;
  fixture();
  struct sntp_config cfg;
  assert_int_equal(sntp_start(NULL, &cfg), ERR_ARG);
  assert_int_equal(sntp_start(&cl, NULL), ERR_ARG);
  cfg_init(&cfg, 0);
  assert_int_equal(sntp_start(&cl, &cfg), ERR_ARG); /* no server */
  cfg_init(&cfg, 1);
  set_ip(&cfg.servers[0], "224.0.1.1");
  assert_int_equal(sntp_start(&cl, &cfg), ERR_ARG); /* multicast */
  cfg_init(&cfg, 1);
  set_ip(&cfg.servers[0], "255.255.255.255");
  assert_int_equal(sntp_start(&cl, &cfg), ERR_ARG);
  cfg_init(&cfg, 1);
  cfg.poll_s = 14;
  assert_int_equal(sntp_start(&cl, &cfg), ERR_ARG); /* RFC 4330 10 */
  cfg_init(&cfg, 1);
  cfg.timeout_ms = 50;
  assert_int_equal(sntp_start(&cl, &cfg), ERR_ARG);
  cfg_init(&cfg, 1);
  cfg.clock_adjust = NULL;
  assert_int_equal(sntp_start(&cl, &cfg), ERR_ARG); /* one hook only */
  cfg_init(&cfg, 1);
  cfg.num_servers = SNTP_MAX_SERVERS + 1;
  assert_int_equal(sntp_start(&cl, &cfg), ERR_ARG);
  assert_false(sntp_running(&cl));
  cfg_init(&cfg, 1);
  assert_int_equal(sntp_start(&cl, &cfg), ERR_OK);
  assert_int_equal(sntp_start(&cl, &cfg), ERR_ARG); /* running */
  assert_string_equal(sntp_state_name(SNTP_STATE_NO_SERVER), "no_server");
  assert_string_equal(sntp_state_name(200), "?");
}

/* Allocation failures: the n-th allocation from start fails, for every n
 * until one run goes through untouched.  Start fails cleanly (no PCB) or
 * the request fails to be built and is retried after the backoff; in
 * every case one good exchange follows. */
static void test_sntp_alloc_failures(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  fixture();
  bool clean = false;
  for (u32_t n = 1; n < 50 && !clean; n++) {
    memset(&cl, 0, sizeof(cl));
    test_frames_clear(&tn);
    struct sntp_config cfg;
    cfg_init(&cfg, 1);
    lwip_alloc_fail_after(n);
    err_t err = sntp_start(&cl, &cfg);
    if (err != ERR_OK) {
      lwip_alloc_fail_after(0);
      assert_int_equal(err, ERR_MEM);
      assert_false(sntp_running(&cl));
      continue;
    }
    test_clock_advance(0);
    lwip_alloc_fail_after(0);
    struct req q;
    if (!pop_req(&q)) {
      assert_int_equal(info().stats.send_errors, 1);
      assert_int_equal(info().fails, 1);
      test_clock_advance(info().next_in_ms);
      assert_true(pop_req(&q));
    } else {
      clean = info().stats.send_errors == 0;
    }
    sntp_ts_t t1 = fake_now(NULL);
    struct rep r = good_rep(&q, t1, SEC, 1, 0);
    int before = adjusts;
    send_rep(&r, q.sport);
    assert_int_equal(adjusts, before + 1);
    sntp_stop(&cl);
  }
  assert_true(clean);
#if LWIP_STATS
  assert_true(DROPS(SNTP_NO_MEM) >= 1);
#endif
#else
  skip();
#endif
}

#endif /* LWIP_UDP */

int main(void)
{
#if LWIP_UDP
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_sntp_request_format, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_sntp_good_reply_offset, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_sntp_era_boundary, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_sntp_builtin_clock, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_sntp_sanity_checks, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_sntp_kiss_of_death, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_sntp_backoff, test_setup, teardown),
#if LWIP_DHCP
    cmocka_unit_test_setup_teardown(test_sntp_dhcp_servers, test_setup, teardown),
#endif
    cmocka_unit_test_setup_teardown(test_sntp_stop, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_sntp_start_errors, test_setup, teardown),
    cmocka_unit_test_setup_teardown(test_sntp_alloc_failures, test_setup, teardown),
  };
  return cmocka_run_group_tests_name("app_sntp", tests, NULL, NULL);
#else
  return 0;
#endif
}
