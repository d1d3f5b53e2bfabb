/* Unit tests for core/apps/iperf.c (lwip/apps/iperf.h) on the virtual
 * clock: an iperf 2 TCP server receiving a scripted client's stream (byte
 * count while it runs, the flow's final record), an
 * iperf3 server through the whole control protocol with a fake ops table
 * (parameter block in, results blocks both ways, the peer's figures in
 * the record), a refused parameter block, and start errors.  Every case
 * stops its session; the teardown fails on any leak.
 *
 * The test plays the peer 10.0.0.1 with the TCP fixture's segment
 * builder and parser.  Over IPv6 (the fixture's netif given 2001:db8::10):
 * an iperf 2 UDP client sending to an IPv6 target, and the iperf 2 UDP
 * server taking an IPv6 flow and sending its report back over IPv6. */
#include "test_tcp_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/apps/iperf.h"
#include "lwip/udp.h"
#include "lwip/prot/wire.h"
#if LWIP_IPV6
#include "test_ip6_util.h"
#endif

#if LWIP_TCP && LWIP_UDP

static struct iperf_session sess;

/* ---------------------------------------------------------------------- */
/* A fake host                                                             */
/* ---------------------------------------------------------------------- */

struct host {
  int started, intervals, records, flow_records;
  struct iperf_interval ivl[8];
  uint64_t rec_bytes;        /* bytes of the last record (sum of flows) */
  double rec_seconds;        /* iperf 2 flow: last_us - first_us */
  uint64_t rec_remote_bytes; /* iperf3: the peer's stream 1 bytes */
  bool rec_have_remote;
  char rec_error[192];
  int enc_params, dec_params, enc_results, dec_results;
  struct iperf3_params params_in; /* what decode_params returns */
  struct iperf3_results sent;     /* the last results block we encoded */
  char last_text[64];             /* the last block the engine gave to decode */
};
static struct host host;

static uint64_t fake_now_us(void *ctx)
{
  (void)ctx;
  return (uint64_t)sys_now() * 1000U + 1000000U;
}

static void fake_cpu(void *ctx, struct iperf_cpu *c)
{
  (void)ctx;
  memset(c, 0, sizeof(*c));
}

static uint32_t fake_random(void *ctx)
{
  (void)ctx;
  return 7; /* every cookie character is alphabet[7] = 'h' */
}

/* Blocks are short fixed texts: "P" for parameters, "R<bytes>" for
 * results (the decoder reads nothing else). */
static long fake_encode_params(void *ctx, const struct iperf3_params *p, char *buf, size_t size)
{
  (void)ctx;
  (void)p;
  host.enc_params++;
  if (size >= 1) {
    buf[0] = 'P';
  }
  return 1;
}

static bool fake_decode_params(void *ctx, const char *text, size_t len, struct iperf3_params *p)
{
  (void)ctx;
  host.dec_params++;
  memcpy(host.last_text, text, LWIP_MIN(len, sizeof(host.last_text) - 1));
  if (len == 0 || text[0] != 'P') {
    return false;
  }
  *p = host.params_in;
  return true;
}

static long fake_encode_results(void *ctx, const struct iperf3_results *r, char *buf, size_t size)
{
  (void)ctx;
  host.enc_results++;
  host.sent = *r;
  char text[32];
  int n = snprintf(text, sizeof(text), "R%llu", (unsigned long long)(r->nstreams > 0 ? r->streams[0].bytes : 0));
  if (size >= (size_t)n) {
    memcpy(buf, text, (size_t)n);
  }
  return n;
}

static bool fake_decode_results(void *ctx, const char *text, size_t len, struct iperf3_results *r)
{
  (void)ctx;
  host.dec_results++;
  if (len < 2 || text[0] != 'R') {
    return false;
  }
  char num[32] = {0};
  memcpy(num, text + 1, LWIP_MIN(len - 1, sizeof(num) - 1));
  r->nstreams = 1;
  r->streams[0].id = 1;
  r->streams[0].bytes = strtoull(num, NULL, 10);
  r->cpu_util_total = 1.5;
  return true;
}

static void fake_started(void *ctx, struct iperf_session *s)
{
  (void)ctx;
  (void)s;
  host.started++;
}

static void fake_interval(void *ctx, struct iperf_session *s, const struct iperf_interval *ivl)
{
  (void)ctx;
  (void)s;
  if (host.intervals < 8) {
    host.ivl[host.intervals] = *ivl;
  }
  host.intervals++;
}

static void fake_record(void *ctx, struct iperf_session *s, const struct iperf_flow *f)
{
  (void)ctx;
  host.records++;
  if (f != NULL) {
    host.flow_records++;
    host.rec_bytes = f->bytes;
    host.rec_seconds = iperf_secs(f->first_us, f->last_us);
    return;
  }
  host.rec_bytes = 0;
  for (const struct iperf_flow *g = s->flows; g != NULL; g = g->next) {
    if (g->kind == IPERF_FLOW_TCP || g->kind == IPERF_FLOW_UDP) {
      host.rec_bytes += g->bytes;
    }
  }
  host.rec_have_remote = s->have_remote;
  host.rec_remote_bytes = s->remote3.nstreams > 0 ? s->remote3.streams[0].bytes : 0;
  memcpy(host.rec_error, s->error, sizeof(host.rec_error));
}

static const struct iperf_ops fake_ops = {
    .now_us = fake_now_us,
    .wall_time = NULL,
    .cpu_time = fake_cpu,
    .random = fake_random,
    .encode_params = fake_encode_params,
    .decode_params = fake_decode_params,
    .encode_results = fake_encode_results,
    .decode_results = fake_decode_results,
    .test_started = fake_started,
    .interval = fake_interval,
    .record = fake_record,
};

static int app_setup(void **state)
{
  memset(&sess, 0, sizeof(sess));
  memset(&host, 0, sizeof(host));
  return tt_setup(state);
}

static int app_teardown(void **state)
{
  iperf_stop(&sess);
  sys_check_timeouts();
  return tt_teardown(state);
}

static void config(bool server, int version, u16_t port)
{
  sess.ops = &fake_ops;
  sess.server = server;
  sess.version = version;
  sess.tcp_on = true;
  sess.udp_on = version == 3;
  sess.port = port;
  sess.duration_s = 2;
  sess.nstreams = 1;
  sess.len = 131072;
  sess.idle_s = 30;
  ipaddr_aton(TT_PEER_IP, &sess.target);
}

/* ---------------------------------------------------------------------- */
/* The peer                                                                */
/* ---------------------------------------------------------------------- */

#define NPEERS 3
struct peer {
  struct tt_conn c;
  bool used;
  u8_t in[4096]; /* in-order bytes the stack sent on it */
  u32_t len;
  int fins, rsts;
};
static struct peer peers[NPEERS];

/* Read every segment the stack sent, each to its connection: in-order
 * data into in[] (the peer acknowledges nothing by itself). */
static void peer_drain_once(bool *fresh)
{
  struct tt_seg s;
  while (tt_pop(&s)) {
    struct peer *p = NULL;
    for (int i = 0; i < NPEERS; i++) {
      if (peers[i].used && s.dport == peers[i].c.peer_port && s.sport == peers[i].c.our_port) {
        p = &peers[i];
      }
    }
    assert_non_null(p);
    if (s.flags & TCP_RST) {
      p->rsts++;
      continue;
    }
    u32_t end = s.seq + s.len;
    if (s.len > 0 && TCP_SEQ_LEQ(s.seq, p->c.our_nxt) && TCP_SEQ_LT(p->c.our_nxt, end)) {
      u32_t skip = p->c.our_nxt - s.seq;
      u32_t n = s.len - skip;
      if (p->len + n <= sizeof(p->in)) {
        memcpy(p->in + p->len, s.data + skip, n);
        p->len += n;
      }
      p->c.our_nxt += n;
      fresh[p - peers] = true;
    }
    if ((s.flags & TCP_FIN) && end == p->c.our_nxt) {
      p->c.our_nxt++;
      p->fins++;
      fresh[p - peers] = true;
    }
  }
}

/* Read everything, acknowledging what arrived (so Nagle lets the stack
 * send its next small block), until the stack has nothing more to say. */
static void peer_drain(void)
{
  for (int round = 0; round < 100; round++) {
    bool fresh[NPEERS] = {false};
    peer_drain_once(fresh);
    bool any = false;
    for (int i = 0; i < NPEERS; i++) {
      if (fresh[i] && peers[i].rsts == 0) {
        tt_send(&peers[i].c, TCP_ACK, NULL, 0);
        any = true;
      }
    }
    if (!any) {
      return;
    }
  }
}

/* The peer connects to our @p port (passive open on our side). */
static struct peer *peer_connect(int i, u16_t port)
{
  struct peer *p = &peers[i];
  memset(p, 0, sizeof(*p));
  p->used = true;
  tt_conn_init(&p->c, TT_OPT_NONE, TT_PEER_ISN + (u32_t)i * 0x1000000U);
  p->c.our_port = port;
  tt_send(&p->c, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  p->c.our_iss = s.seq;
  p->c.our_nxt = s.seq + 1U;
  tt_send(&p->c, TCP_ACK, NULL, 0);
  return p;
}

static void peer_send(struct peer *p, const void *data, u16_t len)
{
  tt_send(&p->c, TCP_ACK | TCP_PSH, data, len);
  peer_drain();
}

/* A length-prefixed control block. */
static void peer_block(struct peer *p, const char *text)
{
  u8_t b[64];
  u32_t n = (u32_t)strlen(text);
  put_be32(b, n);
  memcpy(b + 4, text, n);
  peer_send(p, b, (u16_t)(n + 4U));
}

/* Take the next @p n bytes the stack sent on @p p. */
static const u8_t *peer_take(struct peer *p, u32_t *pos, u32_t n)
{
  assert_true(*pos + n <= p->len);
  const u8_t *b = p->in + *pos;
  *pos += n;
  return b;
}

static void run_ms(u32_t ms)
{
  for (u32_t i = 0; i < ms; i += 10) {
    test_clock_advance(10);
    sys_check_timeouts();
    peer_drain();
  }
}

/* ---------------------------------------------------------------------- */
/* Cases                                                                   */
/* ---------------------------------------------------------------------- */

static void start_errors(void **state)
{
  (void)state;
  config(true, 2, 5001);
  assert_int_equal(iperf_start(&sess), ERR_OK);
  assert_string_equal(sess.state, "listening");
  struct iperf_session second;
  memset(&second, 0, sizeof(second));
  second.ops = &fake_ops;
  second.server = true;
  second.version = 2;
  second.tcp_on = true;
  second.port = 5001;
  /* A second listener on the same port: refused, and said where. */
  err_t err = iperf_start(&second);
  assert_int_equal(err, ERR_USE);
  assert_int_equal(second.start_fail, IPERF_START_TCP_LISTEN);
  assert_int_equal(second.start_err, ERR_USE);
  iperf_stop(&second);
}

static void v2_tcp_server_counts_stream(void **state)
{
  (void)state;
  config(true, 2, 5001);
  assert_int_equal(iperf_start(&sess), ERR_OK);
  struct peer *p = peer_connect(0, 5001);
  assert_string_equal(sess.state, "receiving");
  static u8_t chunk[1000];
  memset(chunk, '7', sizeof(chunk));
  for (int i = 0; i < 6; i++) {
    peer_send(p, chunk, sizeof(chunk));
    run_ms(250);
  }
  /* While it runs, the flow's count is readable. */
  assert_non_null(sess.flows);
  assert_int_equal(sess.flows->kind, IPERF_FLOW_TCP);
  assert_int_equal(sess.flows->bytes, 6000);
  assert_int_equal(host.records, 0);
  /* The client closes: one flow record with its bytes and duration. */
  tt_send(&p->c, TCP_FIN | TCP_ACK, NULL, 0);
  p->c.peer_nxt++;
  run_ms(20);
  assert_int_equal(host.flow_records, 1);
  assert_int_equal(host.rec_bytes, 6000);
  assert_true(host.rec_seconds > 1.2 && host.rec_seconds < 1.3);
  assert_int_equal(sess.tests, 1);
  assert_string_equal(sess.state, "listening");
  assert_int_equal(p->fins, 1); /* our side closed too */
  assert_null(sess.flows);      /* the ended flow was freed */
  /* An iperf 2 server makes no interval reports. */
  assert_int_equal(host.intervals, 0);
  tt_send(&p->c, TCP_ACK, NULL, 0);
}

static void v3_server_exchange(void **state)
{
  (void)state;
  config(true, 3, 5201);
  host.params_in.is_object = true;
  host.params_in.has = IPERF3_P_TIME | IPERF3_P_PARALLEL;
  host.params_in.time = 1;
  host.params_in.parallel = 1;
  assert_int_equal(iperf_start(&sess), ERR_OK);

  u8_t cookie[IPERF_COOKIE_LEN];
  memset(cookie, 'c', sizeof(cookie));
  cookie[IPERF_COOKIE_LEN - 1] = 0;
  struct peer *ctl = peer_connect(0, 5201);
  u32_t pos = 0;
  peer_send(ctl, cookie, sizeof(cookie));
  assert_int_equal(*peer_take(ctl, &pos, 1), 9); /* PARAM_EXCHANGE */
  assert_string_equal(sess.state, "parameter exchange");

  peer_block(ctl, "P");
  assert_int_equal(host.dec_params, 1);
  assert_int_equal(*peer_take(ctl, &pos, 1), 10); /* CREATE_STREAMS */
  assert_int_equal(sess.t_time, 1);
  assert_int_equal(sess.t_streams, 1);
  assert_int_equal(sess.t_len, 131072); /* the TCP default */

  struct peer *data = peer_connect(1, 5201);
  peer_send(data, cookie, sizeof(cookie));
  assert_int_equal(*peer_take(ctl, &pos, 1), 1); /* TEST_START */
  assert_int_equal(*peer_take(ctl, &pos, 1), 2); /* TEST_RUNNING */
  assert_int_equal(host.started, 1);
  assert_true(sess.running);

  static u8_t chunk[1200];
  memset(chunk, '5', sizeof(chunk));
  for (int i = 0; i < 5; i++) {
    peer_send(data, chunk, sizeof(chunk));
    run_ms(250);
  }
  assert_true(host.intervals >= 1);
  assert_int_equal(host.ivl[0].nstreams, 1);
  assert_int_equal(host.ivl[0].streams[0].id, 1);
  assert_false(host.ivl[0].streams[0].sender);
  assert_true(host.ivl[0].start == 0.0 && host.ivl[0].end > 0.9);

  u8_t end = 4; /* TEST_END */
  peer_send(ctl, &end, 1);
  assert_int_equal(*peer_take(ctl, &pos, 1), 13); /* EXCHANGE_RESULTS */
  assert_false(sess.running);
  assert_int_equal(data->fins, 1); /* the server closed the stream */

  peer_block(ctl, "R4321");
  assert_int_equal(host.dec_results, 1);
  assert_int_equal(host.enc_results, 2); /* measured, then written */
  assert_int_equal(host.sent.nstreams, 1);
  assert_int_equal(host.sent.streams[0].id, 1);
  assert_int_equal(host.sent.streams[0].bytes, 6000);
  assert_int_equal(host.sent.streams[0].retransmits, -1); /* receiver */
  assert_int_equal(host.sent.sender_has_retransmits, -1);
  const u8_t *hdr = peer_take(ctl, &pos, 4);
  assert_int_equal(get_be32(hdr), 5);
  assert_memory_equal(peer_take(ctl, &pos, 5), "R6000", 5);
  assert_int_equal(*peer_take(ctl, &pos, 1), 14); /* DISPLAY_RESULTS */

  u8_t done = 16; /* IPERF_DONE */
  peer_send(ctl, &done, 1);
  run_ms(20);
  assert_int_equal(host.records, 1);
  assert_int_equal(host.rec_bytes, 6000);
  assert_true(host.rec_have_remote);
  assert_int_equal(host.rec_remote_bytes, 4321);
  assert_string_equal(host.rec_error, "");
  assert_int_equal(sess.tests, 1);
  assert_string_equal(sess.state, "listening");
  assert_null(sess.flows);
  assert_int_equal(host.enc_params, 0);
}

static void v3_server_refuses_params(void **state)
{
  (void)state;
  config(true, 3, 5201);
  host.params_in.is_object = true;
  host.params_in.has = IPERF3_P_PARALLEL;
  host.params_in.parallel = IPERF_MAX_STREAMS + 1;
  assert_int_equal(iperf_start(&sess), ERR_OK);
  u8_t cookie[IPERF_COOKIE_LEN];
  memset(cookie, 'd', sizeof(cookie));
  struct peer *ctl = peer_connect(0, 5201);
  u32_t pos = 0;
  peer_send(ctl, cookie, sizeof(cookie));
  assert_int_equal(*peer_take(ctl, &pos, 1), 9);
  peer_block(ctl, "P");
  const u8_t *m = peer_take(ctl, &pos, 9);
  assert_int_equal(m[0], 0xfe); /* SERVER_ERROR */
  assert_int_equal(get_be32(m + 1), 1);
  assert_int_equal(get_be32(m + 5), 22);
  run_ms(20);
  assert_string_equal(sess.error, "the client asked for options this server does not support");
  assert_string_equal(sess.state, "listening");
  assert_int_equal(host.records, 0); /* no test ran */
  /* A malformed block is refused too. */
  struct peer *c2 = peer_connect(1, 5201);
  u32_t pos2 = 0;
  peer_send(c2, cookie, sizeof(cookie));
  assert_int_equal(*peer_take(c2, &pos2, 1), 9);
  peer_block(c2, "not json");
  run_ms(20);
  assert_int_equal(host.dec_params, 2);
}

#if LWIP_IPV6
/* ---------------------------------------------------------------------- */
/* Over IPv6                                                               */
/* ---------------------------------------------------------------------- */

/* Give the fixture's netif a link-local and OUR_GUA past DAD, and let it
 * know the peer PEER_GUA. */
static void ipv6_on(void)
{
  assert_int_equal(netif_create_ip6_linklocal_address(tt_nif, 1), ERR_OK);
  ip6_addr_t g = ip6(OUR_GUA);
  s8_t idx = -1;
  assert_int_equal(netif_add_ip6_address_prefix(tt_nif, &g, 64, &idx), ERR_OK);
  test_clock_advance(2100);
  sys_check_timeouts();
  assert_int_equal(netif_ip6_addr_state(tt_nif, idx), IP6_ADDR_PREFERRED);
  test_frames_clear(&tt_tn);
  learn_peer(&tt_tn, PEER_GUA, OUR_GUA);
}

/* Pop the next IPv6 UDP datagram (ND and MLD are skipped); check its
 * addresses, ports and checksum.  @return its payload length, -1 when
 * none is left. */
static int pop_udp6(u16_t sport, u16_t dport, u8_t *payload, size_t cap)
{
  struct sent6 f;
  while (pop6(&tt_tn, &f)) {
    if (f.ip[6] != IP_PROTO_UDP) {
      continue;
    }
    assert_addr6(f.ip + 8, OUR_GUA);
    assert_addr6(f.ip + 24, PEER_GUA);
    assert_int_equal(cksum6(f.ip + 8, f.ip + 24, IP_PROTO_UDP, f.msg, (size_t)f.mlen), 0);
    if (sport != 0) {
      assert_int_equal(get_be16(f.msg), sport);
    }
    assert_int_equal(get_be16(f.msg + 2), dport);
    size_t n = (size_t)f.mlen - 8;
    memcpy(payload, f.msg + 8, LWIP_MIN(n, cap));
    return (int)n;
  }
  return -1;
}

/* A datagram from PEER_GUA:@p sport to OUR_GUA:@p dport. */
static void rx_udp6_to_us(u16_t sport, u16_t dport, const u8_t *data, size_t len)
{
  u8_t udp[1600], f[1700], sa[16], da[16];
  put_be16(udp, sport);
  put_be16(udp + 2, dport);
  put_be16(udp + 4, (u16_t)(8 + len));
  put_be16(udp + 6, 0);
  memcpy(udp + 8, data, len);
  a6(PEER_GUA, sa);
  a6(OUR_GUA, da);
  u16_t c = cksum6(sa, da, IP_PROTO_UDP, udp, 8 + len);
  put_be16(udp + 6, c != 0 ? c : 0xffff);
  test_rx(&tt_tn, f, mk6(f, test_mac, PEER_GUA, OUR_GUA, IP_PROTO_UDP, 64, udp, 8 + len));
}

/* An iperf 2 UDP client with an IPv6 target sends its datagrams over
 * IPv6, numbered from 1, paced to its rate, then the negated ones. */
static void v2_udp_client_ipv6(void **state)
{
  (void)state;
  ipv6_on();
  config(false, 2, 5001);
  sess.udp = true;
  sess.len = 1450;
  sess.bandwidth = 116000; /* 10 datagrams a second */
  sess.duration_s = 1;
  ipaddr_aton(PEER_GUA, &sess.target);
  assert_true(IP_IS_V6(&sess.target));
  assert_int_equal(iperf_start(&sess), ERR_OK);
  u8_t d[1500];
  u32_t seq = 0, ends = 0;
  for (int t = 0; t < 1200; t += 10) {
    test_clock_advance(10);
    sys_check_timeouts();
    int n;
    while ((n = pop_udp6(0, 5001, d, sizeof(d))) >= 0) {
      assert_int_equal(n, 1450);
      s32_t id = (s32_t)get_be32(d);
      if (id >= 0) {
        assert_int_equal((u32_t)id, seq + 1U); /* iperf 2 numbers from 1 */
        seq++;
      }
      ends += id < 0;
    }
  }
  /* 1 s at 10 a second, the first at once. */
  assert_true(seq >= 10 && seq <= 11);
  assert_true(ends >= 1);
  assert_int_equal(sess.flows->peer.type, IPADDR_TYPE_V6);
}

/* The iperf 2 UDP server listens on both families: a flow from an IPv6
 * peer is counted and its report goes back to it over IPv6. */
static void v2_udp_server_ipv6(void **state)
{
  (void)state;
  ipv6_on();
  config(true, 2, 5001);
  sess.tcp_on = false;
  sess.udp_on = true;
  sess.udp = true;
  assert_int_equal(iperf_start(&sess), ERR_OK);
  u8_t d[100];
  memset(d, 0, sizeof(d));
  for (s32_t i = 0; i < 3; i++) {
    put_be32(d, (u32_t)i);
    rx_udp6_to_us(40000, 5001, d, sizeof(d));
    test_clock_advance(10);
  }
  assert_string_equal(sess.state, "receiving");
  assert_int_equal(sess.flows->bytes, 300);
  put_be32(d, (u32_t)-3); /* the end */
  rx_udp6_to_us(40000, 5001, d, sizeof(d));
  u8_t r[200];
  int n = pop_udp6(5001, 40000, r, sizeof(r));
  assert_true(n >= 56);
  assert_true((get_be32(r + 16) & 0x80000000U) != 0); /* a report */
  assert_int_equal(get_be32(r + 24), 400);            /* bytes, low half */
  assert_int_equal(host.flow_records, 1);
  assert_string_equal(sess.state, "listening");
}
#endif

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, app_setup, app_teardown)
      T(start_errors),
      T(v2_tcp_server_counts_stream),
      T(v3_server_exchange),
      T(v3_server_refuses_params),
#if LWIP_IPV6
      T(v2_udp_client_ipv6),
      T(v2_udp_server_ipv6),
#endif
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void)
{
  return 0;
}
#endif
