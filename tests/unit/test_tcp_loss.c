/* Unit tests for TCP loss recovery and flow control (core/tcp*.c):
 * retransmission timeout and backoff (RFC 6298, Karn's rule), giving up,
 * fast retransmit and NewReno (RFC 5681 3.2, RFC 6582), limited transmit
 * (RFC 3042), the SACK scoreboard and SACK-based recovery (RFC 2018,
 * RFC 6675), the SACK blocks we send, congestion control arithmetic,
 * window scaling at its limits (RFC 7323), the persist timer, the
 * out-of-order queue, delayed ACKs and receiver-side silly window
 * avoidance, data the application refuses, sequence numbers across 2^32,
 * tcp_write backpressure and memory exhaustion.
 *
 * The peer is played with the shared fixture test_tcp_common.h; every case
 * asserts the exact sequence/acknowledgment numbers, flags and timing (on
 * the virtual clock) of what the stack sends, and the cwnd/ssthresh/rto
 * fields the RFCs define.  The clock starts at a multiple of the timer
 * wheel's 10 ms tick and every wait here is a multiple of it, so timers
 * fire at their exact deadline. */
#include "test_tcp_common.h"

#include <stdlib.h>

#if LWIP_TCP

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

#define LWIP_UNUSED_FN __attribute__((unused))

/* Bytes the stack sends and receives, so every byte can be checked. */
#define PAT_LEN (TCP_SND_BUF + 0x10000)
static u8_t pattern[PAT_LEN];

static void fill_pattern(void)
{
  for (size_t i = 0; i < sizeof(pattern); i++) {
    pattern[i] = (u8_t)(i * 13U + 5U);
  }
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/* tcp_connect from @p lport (0: ephemeral) and pop our SYN. */
static struct tcp_pcb *open_active(struct tt_conn *c, unsigned opts, u32_t peer_iss, u16_t lport)
{
  tt_conn_init(c, opts, peer_iss);
  struct tcp_pcb *pcb = tcp_new();
  assert_non_null(pcb);
  tt_attach(pcb);
  if (lport != 0) {
    assert_int_equal(tcp_bind(pcb, IP_ADDR_ANY, lport), ERR_OK);
  }
  assert_int_equal(tcp_connect(pcb, tt_peer_addr(), TT_PEER_LISTEN_PORT, tt_connected_cb), ERR_OK);
  c->pcb = pcb;
  c->our_port = pcb->local_port;
  c->peer_port = TT_PEER_LISTEN_PORT;
  struct tt_seg s;
  tt_expect(TCP_SYN, pcb->snd_una, 0, &s);
  c->our_iss = s.seq;
  c->our_nxt = s.seq + 1U;
  c->our_ts = s.opt.tsval;
  tt_expect_nothing();
  return pcb;
}

/* The peer's SYN-ACK with MSS @p mss and window shift @p ws (-1: no WS
 * option even if c->opts asks for it); our ACK is checked. */
static void peer_synack(struct tt_conn *c, u16_t mss, int ws, struct tt_seg *ack_out)
{
  struct tt_opts o;
  tt_syn_opts(&o, c->opts, c->peer_ts);
  o.mss = mss;
  o.has_ws = ws >= 0;
  o.ws = (u8_t)(ws >= 0 ? ws : 0);
  o.tsecr = c->our_ts;
  tt_inject_raw(c->peer_port, c->our_port, TCP_SYN | TCP_ACK, c->peer_nxt, c->our_nxt, c->peer_wnd, &o, NULL, 0);
  c->peer_nxt++;
  c->peer_ts++;
  /* In use: what both sides offered (a build without an option ignores it). */
  c->ws = ws >= 0 && LWIP_TCP_WSCALE;
  c->sack = (c->opts & TT_OPT_BUILT & TT_OPT_SACK) != 0;
  c->ts = (c->opts & TT_OPT_BUILT & TT_OPT_TS) != 0;
  assert_int_equal(c->pcb->state, ESTABLISHED);
  tt_expect_seg(c, TCP_ACK, 0, ack_out);
  tt_expect_nothing();
}

/* The MSS the peer announces in est_active: TT_PEER_MSS, or smaller when
 * the send buffer could not hold a dozen such segments (the minimal
 * profile), so the recovery cases have enough segments to lose. */
#define SEG_MSS ((u16_t)LWIP_MIN((u32_t)TT_PEER_MSS, (u32_t)TCP_SND_BUF / 12U))

/* An established active connection whose handshake took @p rtt ms (so the
 * SYN gives an RTT sample of exactly that, RFC 6298 2.2), with the
 * pattern filled.  @return its PCB. */
static struct tcp_pcb *est_active(struct tt_conn *c, unsigned opts, u32_t rtt)
{
  /* Every case that sends data compares it with the pattern. */
  fill_pattern();
  open_active(c, opts, TT_PEER_ISN, 0);
  if (rtt > 0) {
    test_clock_advance(rtt);
  }
  peer_synack(c, SEG_MSS, (opts & TT_OPT_WS) ? (int)TT_PEER_WS : -1, NULL);
  return c->pcb;
}

/* Skip cases that need more room than the build gives, or a feature it
 * leaves out (tcp_sack, tcp_timestamps, tcp_wscale). */
#define NEED(cond)                                                                                                  \
  do {                                                                                                              \
    if (!(cond)) {                                                                                                  \
      skip();                                                                                                       \
    }                                                                                                               \
  } while (0)

/* The RFC 6298 estimators of @p pcb: SRTT x 8, RTTVAR x 4 and the RTO. */
#define assert_rtt(pcb, srtt8_, rttvar4_, rto_)                                                                     \
  do {                                                                                                              \
    assert_int_equal((pcb)->srtt8, (srtt8_));                                                                       \
    assert_int_equal((pcb)->rttvar4, (rttvar4_));                                                                   \
    assert_int_equal((pcb)->rto, (rto_));                                                                           \
  } while (0)

/* First sequence number of our data. */
static u32_t base_of(const struct tt_conn *c)
{
  return c->our_iss + 1U;
}

/* Queue pattern bytes [off, off + len) and push them out. */
static void write_out(struct tt_conn *c, u32_t off, u32_t len)
{
  while (len > 0) {
    u16_t n = (u16_t)LWIP_MIN(len, 0xffffU);
    assert_int_equal(tcp_write(c->pcb, pattern + off, n, TCP_WRITE_FLAG_COPY), ERR_OK);
    off += n;
    len -= n;
  }
  tcp_output(c->pcb);
}

/* The next segment is our data at @p seq, @p len bytes of the pattern
 * (offset seq - base), acknowledging everything the peer sent. */
static void expect_data_at(const char *file, int line, struct tt_conn *c, u32_t seq, u16_t len)
{
  struct tt_seg s;
  tt_expect_at(file, line, TCP_ACK, seq, c->peer_nxt, &s);
  _assert_int_equal(s.len, len, file, line);
  u32_t off = seq - base_of(c);
  if (memcmp(s.data, pattern + off, LWIP_MIN(len, (u16_t)TT_MAX_DATA)) != 0) {
    print_error("data of seq %u differs from the pattern at %u\n", (unsigned)seq, (unsigned)off);
    _fail(file, line);
  }
  if (c->ts) {
    c->our_ts = s.opt.tsval;
  }
  if (TCP_SEQ_GT(seq + len, c->our_nxt)) {
    c->our_nxt = seq + len;
  }
}
#define expect_data(c, seq, len) expect_data_at(__FILE__, __LINE__, (c), (seq), (len))

/* Same, but PSH may be set (the last segment of a write carries it). */
static void expect_data_psh_at(const char *file, int line, struct tt_conn *c, u32_t seq, u16_t len)
{
  struct tt_seg s;
  if (!tt_pop(&s)) {
    print_error("expected data seq %u len %u, nothing sent\n", (unsigned)seq, (unsigned)len);
    _fail(file, line);
  }
  if ((s.flags & (u8_t)~TCP_PSH) != TCP_ACK || s.seq != seq || s.ack != c->peer_nxt || s.len != len) {
    print_error("expected data seq %u ack %u len %u, got flags %02x seq %u ack %u len %u\n", (unsigned)seq,
                (unsigned)c->peer_nxt, (unsigned)len, s.flags, (unsigned)s.seq, (unsigned)s.ack, (unsigned)s.len);
    _fail(file, line);
  }
  u32_t off = seq - base_of(c);
  if (memcmp(s.data, pattern + off, LWIP_MIN(len, (u16_t)TT_MAX_DATA)) != 0) {
    print_error("data of seq %u differs from the pattern\n", (unsigned)seq);
    _fail(file, line);
  }
  if (c->ts) {
    c->our_ts = s.opt.tsval;
  }
  if (TCP_SEQ_GT(seq + len, c->our_nxt)) {
    c->our_nxt = seq + len;
  }
}
#define expect_datap(c, seq, len) expect_data_psh_at(__FILE__, __LINE__, (c), (seq), (len))

/* Write pattern bytes [off, off + len) and expect them as one segment
 * (PSH allowed) at the matching sequence number. */
static void send_bytes_at(const char *file, int line, struct tt_conn *c, u32_t off, u16_t len)
{
  write_out(c, off, len);
  expect_data_psh_at(file, line, c, base_of(c) + off, len);
}
#define send_bytes(c, off, len) send_bytes_at(__FILE__, __LINE__, (c), (off), (len))

/* The next @p n segments are full-sized (pcb->mss) pattern data, segment
 * @p first onwards; with @p psh PSH may be set (the last segment of a
 * write carries it), otherwise it must be clear. */
static void expect_segs_at(const char *file, int line, struct tt_conn *c, u32_t first, u32_t n, bool psh)
{
  u32_t m = c->pcb->mss;
  for (u32_t i = first; i < first + n; i++) {
    if (psh) {
      expect_data_psh_at(file, line, c, base_of(c) + i * m, (u16_t)m);
    } else {
      expect_data_at(file, line, c, base_of(c) + i * m, (u16_t)m);
    }
  }
}
#define expect_segs(c, first, n) expect_segs_at(__FILE__, __LINE__, (c), (first), (n), false)
#define expect_segsp(c, first, n) expect_segs_at(__FILE__, __LINE__, (c), (first), (n), true)

/* Queue @p nwrite full segments of the pattern from its start, push them
 * and expect the first @p nsent of them (PSH as in expect_segs_at). */
static void write_segs_at(const char *file, int line, struct tt_conn *c, u32_t nwrite, u32_t nsent, bool psh)
{
  write_out(c, 0, nwrite * c->pcb->mss);
  expect_segs_at(file, line, c, 0, nsent, psh);
}
#define write_segs(c, nwrite, nsent) write_segs_at(__FILE__, __LINE__, (c), (nwrite), (nsent), false)
#define write_segsp(c, nwrite, nsent) write_segs_at(__FILE__, __LINE__, (c), (nwrite), (nsent), true)

/* An established connection (est_active, no RTT sample) with cwnd set to
 * @p cwnd_segs SMSS, so the flight is known, then write_segs_at.  The
 * case is skipped when the send buffer cannot hold the @p nwrite
 * segments.  @return the SMSS. */
static u32_t est_flight_at(const char *file, int line, struct tt_conn *c, unsigned opts, u32_t cwnd_segs,
                           u32_t nwrite, u32_t nsent, bool psh)
{
  NEED(nwrite * SEG_MSS <= TCP_SND_BUF);
  est_active(c, opts, 0);
  c->pcb->cwnd = cwnd_segs * c->pcb->mss;
  write_segs_at(file, line, c, nwrite, nsent, psh);
  return c->pcb->mss;
}
#define est_flight(c, opts, cwnd_segs, nwrite, nsent)                                                              \
  est_flight_at(__FILE__, __LINE__, (c), (opts), (cwnd_segs), (nwrite), (nsent), false)
#define est_flightp(c, opts, cwnd_segs, nwrite, nsent)                                                             \
  est_flight_at(__FILE__, __LINE__, (c), (opts), (cwnd_segs), (nwrite), (nsent), true)

/* The peer acknowledges @p ack (no data), with @p nsack SACK blocks. */
static void peer_ack_sack(struct tt_conn *c, u32_t ack, int nsack, const u32_t (*blocks)[2])
{
  struct tt_opts o;
  tt_conn_opts(c, &o);
  o.nsack = (u8_t)nsack;
  for (int i = 0; i < nsack; i++) {
    o.sack[i][0] = blocks[i][0];
    o.sack[i][1] = blocks[i][1];
  }
  tt_inject(c, TCP_ACK, c->peer_nxt, ack, &o, NULL, 0);
  c->peer_ts++;
}

static void peer_ack(struct tt_conn *c, u32_t ack)
{
  peer_ack_sack(c, ack, 0, NULL);
}

/* The peer sends pattern bytes at peer_iss + 1 + @p off (in order or not),
 * acknowledging our_nxt.  Does not move peer_nxt. */
static void peer_data_ack(struct tt_conn *c, u32_t off, u16_t len, u32_t ack)
{
  struct tt_opts o;
  tt_conn_opts(c, &o);
  tt_inject(c, TCP_ACK, c->peer_iss + 1U + off, ack, &o, pattern + off, len);
  c->peer_ts++;
}

static void peer_data(struct tt_conn *c, u32_t off, u16_t len)
{
  peer_data_ack(c, off, len, c->our_nxt);
}

#if LWIP_TEST_HOOKS
/* Advance the clock 1 ms at a time until the stack sends something.
 * @return the milliseconds waited. */
static u32_t wait_send_at(const char *file, int line, u32_t max)
{
  for (u32_t t = 1; t <= max; t++) {
    test_clock_advance(1);
    if (tt_pending() > 0) {
      return t;
    }
  }
  print_error("nothing sent within %u ms\n", (unsigned)max);
  _fail(file, line);
  return 0;
}
#define wait_send(max) wait_send_at(__FILE__, __LINE__, (max))
#endif

/* A recv callback that takes data but never opens the window (an
 * application that has not read yet): counts the bytes. */
static u32_t held_bytes;
static err_t hold_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)arg;
  (void)pcb;
  (void)err;
  if (p != NULL) {
    u32_t room = TT_REC_MAX - tt_rec.len;
    u16_t take = (u16_t)LWIP_MIN((u32_t)p->tot_len, room);
    pbuf_copy_partial(p, tt_rec.data + tt_rec.len, take, 0);
    tt_rec.len += take;
    held_bytes += p->tot_len;
    pbuf_free(p);
  }
  return ERR_OK;
}

/* Nothing is sent for @p ms - 1 milliseconds, then something is sent at
 * exactly @p ms. */
static void fires_at_at(const char *file, int line, u32_t ms)
{
  test_clock_advance(ms - 1U);
  if (tt_pending() > 0) {
    print_error("sent something before the %u ms deadline\n", (unsigned)ms);
    _fail(file, line);
  }
  test_clock_advance(1);
  if (tt_pending() == 0) {
    print_error("nothing sent at the %u ms deadline\n", (unsigned)ms);
    _fail(file, line);
  }
}
#define fires_at(ms) fires_at_at(__FILE__, __LINE__, (ms))

/* Nothing is sent for @p ms - 1 milliseconds; at exactly @p ms the
 * segment at @p seq (@p len pattern bytes) is retransmitted, PSH allowed
 * when @p psh. */
static void resend_at_at(const char *file, int line, struct tt_conn *c, u32_t ms, u32_t seq, u16_t len, bool psh)
{
  fires_at_at(file, line, ms);
  if (psh) {
    expect_data_psh_at(file, line, c, seq, len);
  } else {
    expect_data_at(file, line, c, seq, len);
  }
}
#define resend_at(c, ms, seq, len) resend_at_at(__FILE__, __LINE__, (c), (ms), (seq), (len), false)
#define resend_atp(c, ms, seq, len) resend_at_at(__FILE__, __LINE__, (c), (ms), (seq), (len), true)

/* ---------------------------------------------------------------------- */
/* Retransmission timeout (RFC 6298)                                       */
/* ---------------------------------------------------------------------- */

/* RFC 6298 2.1: the first SYN is retransmitted after 1 s, then at doubling
 * intervals (5.5); after TCP_SYNMAXRTX retransmissions the connection
 * attempt fails with ERR_ABRT, and nothing is reset (nothing was
 * synchronized). */
static void syn_backoff_and_give_up(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = open_active(&c, TT_OPT_NONE, TT_PEER_ISN, 0);
  assert_int_equal(pcb->rto, TCP_RTO_INITIAL_MS);
  assert_int_equal(TCP_RTO_INITIAL_MS, 1000);
  u32_t gap = TCP_RTO_INITIAL_MS;
  for (unsigned k = 1; k <= TCP_SYNMAXRTX; k++) {
    fires_at(gap);
    struct tt_seg s;
    tt_expect(TCP_SYN, c.our_iss, 0, &s);
    assert_int_equal(s.len, 0);
    assert_true(s.opt.has_mss);
    assert_int_equal(s.opt.has_ws, LWIP_TCP_WSCALE);
    assert_int_equal(s.opt.sack_perm, LWIP_TCP_SACK);
    assert_int_equal(s.opt.has_ts, LWIP_TCP_TIMESTAMPS);
    tt_expect_nothing();
    assert_int_equal(pcb->nrtx, k);
    gap = LWIP_MIN(gap * 2U, TCP_RTO_MAX_MS);
    assert_int_equal(pcb->rto, gap);
    assert_int_equal(pcb->state, SYN_SENT);
  }
  /* 1 + 2 + 4 + 8 + 16 + 32 s so far; the last wait is 64 s. */
  test_clock_advance(gap - 1U);
  assert_true(tt_pcb_alive(pcb));
  assert_int_equal(tt_rec.nerr, 0);
  test_clock_advance(1);
  assert_false(tt_pcb_alive(pcb));
  tt_expect_err_once(ERR_ABRT);
  assert_int_equal(tt_rec.nconnected, 0);
  tt_expect_nothing(); /* no RST from SYN_SENT */
}

/* RFC 6298 5.7: the SYN was retransmitted and the SYN-ACK gives no sample
 * (Karn), so the RTO for data starts at 3 s. */
static void syn_lost_once_rto_three_seconds(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  struct tcp_pcb *pcb = open_active(&c, TT_OPT_NONE, TT_PEER_ISN, 0);
  fires_at(1000);
  tt_expect(TCP_SYN, c.our_iss, 0, NULL);
  test_clock_advance(500);
  peer_synack(&c, TT_PEER_MSS, -1, NULL);
  assert_int_equal(pcb->srtt8, 0);
  assert_int_equal(pcb->rto, 3000);
  assert_int_equal(pcb->nrtx, 0);
  send_bytes(&c, 0, 100);
  resend_atp(&c, 3000, base_of(&c), 100);
  assert_int_equal(pcb->rto, 6000);
}

/* RFC 6298 2.2: first sample R: SRTT = R, RTTVAR = R/2, RTO = SRTT +
 * 4 RTTVAR = 3R; 2.3 for the next sample. */
static void rto_from_samples(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 100);
  assert_rtt(pcb, 100 * 8, 50 * 4, 300);
  u32_t b = base_of(&c);
  send_bytes(&c, 0, 100);
  test_clock_advance(60);
  peer_ack(&c, b + 100U);
  /* R' = 60: RTTVAR = 3/4 * 50 + 1/4 * 40 = 47.5, SRTT = 7/8 * 100 + 1/8 * 60
   * = 95, RTO = 95 + 4 * 47.5 = 285. */
  assert_rtt(pcb, 760, 190, 285);
  assert_int_equal(pcb->rto_due, 0);
  tt_expect_nothing();
  /* The next segment times out after exactly the new RTO. */
  test_clock_advance(5);
  send_bytes(&c, 100, 100);
  resend_atp(&c, 285, b + 100U, 100);
}

/* A tiny RTT gives the 200 ms floor (RFC 6298 2.4 "MAY" as documented). */
static void rto_minimum(void **state)
{
  (void)state;
  struct tt_conn c;
  est_active(&c, TT_OPT_NONE, 10);
  assert_int_equal(c.pcb->srtt8, 80);
  assert_int_equal(c.pcb->rto, TCP_RTO_MIN_MS);
  assert_int_equal(TCP_RTO_MIN_MS, 200);
  send_bytes(&c, 0, 10);
  resend_atp(&c, 200, base_of(&c), 10);
}

/* Backoff doubles up to 60 s (RFC 6298 5.5, 2.5); after TCP_MAXRTX
 * retransmissions the connection is reset and the application hears
 * ERR_ABRT after the PCB is gone.  The first RTO sets ssthresh to
 * max(FlightSize / 2, 2 SMSS) and cwnd to one segment (RFC 5681 3.1). */
static void rto_backoff_and_give_up(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t mss = pcb->mss;
  assert_int_equal(pcb->rto, 200);
  u32_t b = base_of(&c);
  send_bytes(&c, 0, 100);
  u32_t gap = 200;
  for (unsigned k = 1; k <= TCP_MAXRTX; k++) {
    resend_atp(&c, gap, b, 100);
    tt_expect_nothing();
    assert_int_equal(pcb->nrtx, k);
    gap = LWIP_MIN(gap * 2U, TCP_RTO_MAX_MS);
    assert_int_equal(pcb->rto, gap);
    assert_int_equal(pcb->cwnd, mss);
    assert_int_equal(pcb->ssthresh, 2U * mss);
  }
  assert_int_equal(gap, 60000);
  fires_at(gap);
  tt_expect(TCP_RST | TCP_ACK, b + 100U, c.peer_nxt, NULL);
  tt_expect_nothing();
  assert_false(tt_pcb_alive(pcb));
  tt_expect_err_once(ERR_ABRT);
}

/* Karn's rule: without timestamps, the ACK of a retransmitted segment
 * gives no sample and the backed-off RTO stays until a new segment is
 * timed. */
static void karn_no_sample_from_retransmission(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 100);
  u32_t b = base_of(&c);
  send_bytes(&c, 0, 100);
  resend_atp(&c, 300, b, 100);
  assert_int_equal(pcb->rto, 600);
  test_clock_advance(50);
  peer_ack(&c, b + 100U);
  assert_rtt(pcb, 800, 200, 600);
  /* New data is timed again: R = 40 -> SRTT 92.5, RTTVAR 52.5, RTO 302. */
  send_bytes(&c, 100, 100);
  test_clock_advance(40);
  peer_ack(&c, b + 200U);
  assert_rtt(pcb, 740, 210, 302);
}

/* With timestamps the echo names the transmission, so the ACK of a
 * retransmission is a valid sample (RFC 7323 4). */
static void timestamps_sample_retransmission(void **state)
{
  (void)state;
  NEED(LWIP_TCP_TIMESTAMPS);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_TS, 100);
  assert_int_equal(pcb->srtt8, 800);
  assert_int_equal(pcb->rto, 300);
  u32_t b = base_of(&c);
  send_bytes(&c, 0, 100);
  resend_atp(&c, 300, b, 100); /* c.our_ts is now the retransmission's TSval */
  test_clock_advance(40);
  peer_ack(&c, b + 100U);
  assert_rtt(pcb, 740, 210, 302);
}

/* An ACK whose TSecr echoes the original transmission of a segment
 * retransmitted since (the peer got the original; its ACK was lost) gives
 * no RTT sample: now - TSecr spans the retransmission timeout.  The ACK
 * itself is taken. */
static void timestamps_echo_of_original_no_sample(void **state)
{
  (void)state;
  NEED(LWIP_TCP_TIMESTAMPS);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_TS, 100);
  u32_t b = base_of(&c);
  send_bytes(&c, 0, 100);
  u32_t original_ts = c.our_ts;
  resend_atp(&c, 300, b, 100);
  u32_t rto = pcb->rto; /* backed off by the timeout (RFC 6298 5.5) */
  test_clock_advance(40);
  struct tt_opts o;
  tt_conn_opts(&c, &o);
  o.tsecr = original_ts;
  tt_inject(&c, TCP_ACK, c.peer_nxt, b + 100U, &o, NULL, 0);
  c.peer_ts++;
  assert_int_equal(pcb->snd_una, b + 100U);
  assert_rtt(pcb, 800, 200, rto);
}

/* RFC 7323 4.1 and Appendix G: a TSecr that does not echo a timestamp we
 * sent in the window (one ahead of our clock, or one older than any RTT
 * can be) gives no RTT sample; the ACK itself is still taken.  Such a
 * sample, near 2^31 ms, used to overflow s32_t in tcp_rtt_sample
 * (RFC 6298 2.3 arithmetic) and leave a wild SRTT. */
static void timestamps_bogus_echo_no_sample(void **state)
{
  (void)state;
  NEED(LWIP_TCP_TIMESTAMPS);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_TS, 100);
  assert_rtt(pcb, 800, 200, 300);
  u32_t b = base_of(&c);
  const u32_t bogus[] = {0x7fffffffU, 0x80000000U, 0x80000001U, 41U, 0xffffffffU - TCP_RTT_SAMPLE_MAX_MS};
  for (unsigned i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
    send_bytes(&c, i * 10U, 10);
    test_clock_advance(40);
    struct tt_opts o;
    tt_conn_opts(&c, &o);
    o.tsecr = c.our_ts + bogus[i]; /* ahead of our clock, or ages old */
    tt_inject(&c, TCP_ACK, c.peer_nxt, b + i * 10U + 10U, &o, NULL, 0);
    c.peer_ts++;
    assert_int_equal(pcb->snd_una, b + i * 10U + 10U);
    assert_rtt(pcb, 800, 200, 300);
  }
  /* A real echo still gives a sample: R = 40 as in
   * timestamps_sample_retransmission. */
  send_bytes(&c, 50, 10);
  test_clock_advance(40);
  peer_ack(&c, b + 60U);
  assert_rtt(pcb, 740, 210, 302);
}

/* RFC 6675 2: sacked_bytes is the SACKed data still in the scoreboard
 * (above SND.UNA).  A partial ACK cutting the front of a SACKed segment
 * (the peer took what fit) lowers it by the bytes cut; it used to stay
 * too high until an RTO, making pipe and IsLost() wrong. */
static void partial_ack_of_sacked_segment(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_SACK, 0);
  u32_t b = base_of(&c);
  send_bytes(&c, 0, 100);
  const u32_t blk[1][2] = {{b, b + 100U}};
  peer_ack_sack(&c, b + 16U, 1, blk);
  assert_int_equal(pcb->snd_una, b + 16U);
  assert_non_null(pcb->unacked);
  assert_int_equal(pcb->unacked->len, 84);
  assert_true(pcb->unacked->state & SEG_SACKED);
  assert_int_equal(pcb->sacked_bytes, 84);
  peer_ack(&c, b + 100U);
  assert_int_equal(pcb->sacked_bytes, 0);
}

/* The FIN rides on the last data segment; the peer ACKs the data but not
 * the FIN (RFC 9293 3.10.7.4: an ACK may cover part of a segment).  The
 * bare FIN left in the queue still counts in snd_queuelen (as a bare FIN
 * segment does when it is queued), so the count matches the queues and
 * drops to 0 only when the FIN is ACKed. */
static void partial_ack_leaves_fin_counted(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  assert_int_equal(tcp_write(pcb, pattern, 100, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_close(pcb), ERR_OK);
  tcp_output(pcb);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_true(s.flags & TCP_FIN);
  assert_int_equal(s.len, 100);
  assert_int_equal(pcb->snd_queuelen, 1);
  peer_ack(&c, b + 100U);
  assert_int_equal(pcb->state, FIN_WAIT_1);
  assert_non_null(pcb->unacked);
  assert_null(pcb->unacked->p);
  assert_int_equal(pcb->snd_queuelen, 1);
  peer_ack(&c, b + 101U);
  assert_int_equal(pcb->state, FIN_WAIT_2);
  assert_int_equal(pcb->snd_queuelen, 0);
}

/* RFC 6298 5.3: an ACK of new data restarts the timer for what is left. */
static void rto_restarted_on_new_ack(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  tcp_nagle_disable(pcb);
  write_out(&c, 0, 100);
  write_out(&c, 100, 100);
  expect_datap(&c, b, 100);
  expect_datap(&c, b + 100U, 100);
  test_clock_advance(150);
  peer_ack(&c, b + 100U);
  assert_int_equal(pcb->rto, 200);
  /* Not at 200 ms after the first transmission, but 200 after the ACK. */
  resend_atp(&c, 200, b + 100U, 100);
  tt_expect_nothing();
  /* 5.2: all acknowledged: the timer stops. */
  peer_ack(&c, b + 200U);
  assert_int_equal(pcb->rto_due, 0);
  test_clock_advance(100000);
  tt_expect_nothing();
  assert_int_equal(pcb->state, ESTABLISHED);
}

/* ---------------------------------------------------------------------- */
/* Fast retransmit, NewReno, limited transmit                              */
/* ---------------------------------------------------------------------- */

/* Six segments in flight from a connection without SACK; cwnd is set
 * directly so the flight is known. */
static u32_t six_in_flight(struct tt_conn *c, unsigned opts)
{
  u32_t mss = est_flightp(c, opts, 6, 6, 6);
  tt_expect_nothing();
  return mss;
}

/* RFC 5681 3.2: the third duplicate ACK, not the second, retransmits the
 * first segment; ssthresh = max(FlightSize / 2, 2 SMSS), cwnd = ssthresh +
 * 3 SMSS; each further duplicate inflates cwnd by one SMSS; the ACK of
 * everything ends recovery with cwnd = min(ssthresh, FlightSize + SMSS)
 * (RFC 6582 3.2 step 3). */
static void fast_retransmit_on_third_dupack(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = six_in_flight(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  peer_ack(&c, b);
  tt_expect_nothing();
  assert_int_equal(pcb->dupacks, 1);
  peer_ack(&c, b);
  tt_expect_nothing();
  assert_int_equal(pcb->dupacks, 2);
  assert_false(pcb->flags & TF_INFR);
  assert_int_equal(pcb->cwnd, 6U * m);
  peer_ack(&c, b);
  expect_data(&c, b, (u16_t)m);
  tt_expect_nothing();
  assert_true(pcb->flags & TF_INFR);
  assert_int_equal(pcb->recover, b + 6U * m);
  assert_int_equal(pcb->ssthresh, 3U * m);
  assert_int_equal(pcb->cwnd, 6U * m);
  peer_ack(&c, b);
  tt_expect_nothing();
  assert_int_equal(pcb->cwnd, 7U * m);
  peer_ack(&c, b + 6U * m);
  tt_expect_nothing();
  assert_false(pcb->flags & TF_INFR);
  assert_int_equal(pcb->cwnd, LWIP_MIN(3U * m, 0U + m));
  assert_int_equal(pcb->dupacks, 0);
  assert_null(pcb->unacked);
}

/* A segment with data, or one that changes the window, is no duplicate
 * ACK (RFC 5681 2). */
static void dupack_definition(void **state)
{
  (void)state;
  struct tt_conn c;
  (void)six_in_flight(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  peer_ack(&c, b);
  peer_ack(&c, b);
  assert_int_equal(pcb->dupacks, 2);
  c.peer_wnd = (u16_t)(c.peer_wnd - 1000U);
  peer_ack(&c, b); /* window update */
  assert_int_equal(pcb->dupacks, 2);
  tt_expect_nothing();
  peer_data_ack(&c, 0, 10, b); /* carries data */
  c.peer_nxt += 10;
  assert_int_equal(pcb->dupacks, 2);
  assert_false(pcb->flags & TF_INFR);
  tt_expect_nothing(); /* ACK delayed */
  peer_ack(&c, b);
  assert_true(pcb->flags & TF_INFR);
  expect_data(&c, b, (u16_t)pcb->mss);
}

/* RFC 6582 3.2: a partial ACK resends the next hole at once, deflates cwnd
 * by the data acknowledged and adds one SMSS; the ACK of recover ends
 * recovery with cwnd = min(ssthresh, FlightSize + SMSS). */
static void newreno_partial_ack(void **state)
{
  (void)state;
  NEED(8U * SEG_MSS <= TCP_SND_BUF);
  struct tt_conn c;
  u32_t m = six_in_flight(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  /* Segments 0 and 2 lost; 1, 3, 4, 5 arrive: four duplicate ACKs. */
  peer_ack(&c, b);
  peer_ack(&c, b);
  peer_ack(&c, b);
  expect_data(&c, b, (u16_t)m);
  assert_int_equal(pcb->ssthresh, 3U * m);
  assert_int_equal(pcb->cwnd, 6U * m);
  /* New data during recovery goes out as the inflated window allows. */
  assert_int_equal(tcp_write(pcb, pattern + 6U * m, (u16_t)(2U * m), TCP_WRITE_FLAG_COPY), ERR_OK);
  tt_expect_nothing();
  peer_ack(&c, b);
  assert_int_equal(pcb->cwnd, 7U * m);
  expect_data(&c, b + 6U * m, (u16_t)m);
  tt_expect_nothing();
  /* Partial ACK up to the second hole. */
  peer_ack(&c, b + 2U * m);
  expect_data(&c, b + 2U * m, (u16_t)m);
  assert_int_equal(pcb->cwnd, 7U * m - 2U * m + m);
  assert_true(pcb->flags & TF_INFR);
  /* cwnd 6 SMSS, 5 in flight: the last new segment goes too. */
  expect_datap(&c, b + 7U * m, (u16_t)m);
  tt_expect_nothing();
  /* The ACK of exactly recover ends recovery; FlightSize is 2 SMSS. */
  peer_ack(&c, b + 6U * m);
  assert_false(pcb->flags & TF_INFR);
  assert_int_equal(pcb->cwnd, LWIP_MIN(3U * m, 2U * m + m));
  tt_expect_nothing();
  /* Congestion avoidance now (cwnd >= ssthresh): 2 SMSS acked of 3. */
  peer_ack(&c, b + 8U * m);
  assert_int_equal(pcb->cwnd, 3U * m);
  assert_int_equal(pcb->bytes_acked, 2U * m);
  assert_null(pcb->unacked);
}

/* RFC 3042: each of the first two duplicate ACKs sends one new segment;
 * a new ACK then takes the lent window back (cwnd as without them). */
static void limited_transmit(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = est_flight(&c, TT_OPT_NONE, 4, 7, 4);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  tt_expect_nothing();
  peer_ack(&c, b);
  expect_data(&c, b + 4U * m, (u16_t)m);
  tt_expect_nothing();
  peer_ack(&c, b);
  expect_data(&c, b + 5U * m, (u16_t)m);
  tt_expect_nothing();
  /* The first segment arrives: cwnd 4 SMSS + 1 SMSS of slow start. */
  peer_ack(&c, b + m);
  assert_int_equal(pcb->cwnd, 5U * m);
  assert_int_equal(pcb->dupacks, 0);
  assert_false(pcb->flags & TF_INFR);
  tt_expect_nothing(); /* 5 SMSS in flight */
  peer_ack(&c, b + 2U * m);
  expect_datap(&c, b + 6U * m, (u16_t)m);
}

/* RFC 5681 3.2 step 2: "When [RFC3042] is in use, additional data sent in
 * limited transmit MUST NOT be included in this calculation" of
 * ssthresh: 4 SMSS were in flight before the two limited-transmit
 * segments, so ssthresh = max(4/2, 2) SMSS = 2 SMSS, not 3. */
static void limited_transmit_not_in_ssthresh(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = est_flight(&c, TT_OPT_NONE, 4, 6, 4);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  peer_ack(&c, b);
  expect_data(&c, b + 4U * m, (u16_t)m);
  peer_ack(&c, b);
  expect_datap(&c, b + 5U * m, (u16_t)m);
  peer_ack(&c, b);
  expect_data(&c, b, (u16_t)m);
  assert_int_equal(pcb->ssthresh, 2U * m);
  assert_int_equal(pcb->cwnd, 5U * m);
}

/* ---------------------------------------------------------------------- */
/* SACK scoreboard and recovery (RFC 2018, RFC 6675)                       */
/* ---------------------------------------------------------------------- */

#define BLK(i, j)                                                                                                      \
  {                                                                                                                    \
    b + (u32_t)(i)*m, b + (u32_t)(j)*m                                                                                 \
  }

/* Ten segments in flight, 0, 3 and 6 lost.  Only the holes are resent, in
 * order, each once it counts as lost (more than 2 SMSS SACKed above it,
 * RFC 6675 IsLost); lost segments go before new data; pipe follows
 * RFC 6675 2; recovery ends at recover. */
static void sack_recovery_several_holes(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK);
  /* RFC 6675's DupThresh rules as written (the RACK-TLP cases are below). */
  assert_int_equal(tcp_set_loss_detection(TCP_LOSS_DUPTHRESH), ERR_OK);
  NEED(12U * SEG_MSS <= TCP_SND_BUF && 12U * SEG_MSS <= 0xffffU);
  struct tt_conn c;
  u32_t m = est_flightp(&c, TT_OPT_SACK, 10, 10, 10);
  struct tcp_pcb *pcb = c.pcb;
  assert_true(pcb->flags & TF_SACK);
  u32_t b = base_of(&c);
  assert_int_equal(tcp_pipe(pcb), 10U * m);
  {
    const u32_t s1[][2] = {BLK(1, 2)};
    peer_ack_sack(&c, b, 1, s1);
  }
  tt_expect_nothing();
  assert_int_equal(pcb->sacked_bytes, m);
  assert_int_equal(pcb->dupacks, 1);
  assert_int_equal(tcp_pipe(pcb), 9U * m);
  {
    const u32_t s2[][2] = {BLK(1, 3)};
    peer_ack_sack(&c, b, 1, s2);
  }
  tt_expect_nothing();
  assert_int_equal(pcb->dupacks, 2);
  {
    const u32_t s3[][2] = {BLK(4, 5), BLK(1, 3)};
    peer_ack_sack(&c, b, 2, s3);
  }
  /* Third duplicate; segment 0 has 3 SMSS SACKed above: lost. */
  expect_data(&c, b, (u16_t)m);
  tt_expect_nothing();
  assert_true(pcb->flags & TF_INFR);
  assert_int_equal(pcb->recover, b + 10U * m);
  assert_int_equal(pcb->ssthresh, 5U * m);
  assert_int_equal(pcb->cwnd, 5U * m);
  /* pipe: the retransmission of 0, segment 3, segments 5..9. */
  assert_int_equal(tcp_pipe(pcb), 7U * m);
  /* Two segments of new data wait behind the holes. */
  assert_int_equal(tcp_write(pcb, pattern + 10U * m, (u16_t)(2U * m), TCP_WRITE_FLAG_COPY), ERR_OK);
  {
    const u32_t s4[][2] = {BLK(4, 6), BLK(1, 3)};
    peer_ack_sack(&c, b, 2, s4);
  }
  tt_expect_nothing();
  assert_int_equal(tcp_pipe(pcb), 6U * m);
  {
    const u32_t s5[][2] = {BLK(7, 8), BLK(4, 6), BLK(1, 3)};
    peer_ack_sack(&c, b, 3, s5);
  }
  /* Segment 3 now has 3 SMSS SACKed above it. */
  expect_data(&c, b + 3U * m, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(tcp_pipe(pcb), 5U * m);
  {
    const u32_t s6[][2] = {BLK(7, 9), BLK(4, 6), BLK(1, 3)};
    peer_ack_sack(&c, b, 3, s6);
  }
  /* No hole is lost yet; pipe 4 SMSS leaves room for one new segment. */
  expect_data(&c, b + 10U * m, (u16_t)m);
  tt_expect_nothing();
  {
    const u32_t s7[][2] = {BLK(7, 10), BLK(4, 6), BLK(1, 3)};
    peer_ack_sack(&c, b, 3, s7);
  }
  /* Segment 6 is lost: it goes first, then new data. */
  expect_data(&c, b + 6U * m, (u16_t)m);
  expect_datap(&c, b + 11U * m, (u16_t)m);
  tt_expect_nothing();
  /* Retransmissions of 0, 3, 6 and the new 10, 11. */
  assert_int_equal(tcp_pipe(pcb), 5U * m);
  /* Partial ACKs as the retransmissions arrive. */
  {
    const u32_t s8[][2] = {BLK(7, 10), BLK(4, 6)};
    peer_ack_sack(&c, b + 3U * m, 2, s8);
  }
  tt_expect_nothing();
  assert_true(pcb->flags & TF_INFR);
  assert_int_equal(pcb->sacked_bytes, 5U * m);
  {
    const u32_t s9[][2] = {BLK(7, 10)};
    peer_ack_sack(&c, b + 6U * m, 1, s9);
  }
  tt_expect_nothing();
  assert_int_equal(pcb->sacked_bytes, 3U * m);
  peer_ack(&c, b + 10U * m);
  assert_false(pcb->flags & TF_INFR);
  assert_int_equal(pcb->sacked_bytes, 0);
  /* FlightSize 2 SMSS: cwnd = min(5, 2 + 1) SMSS. */
  assert_int_equal(pcb->cwnd, 3U * m);
  tt_expect_nothing();
  peer_ack(&c, b + 12U * m);
  assert_null(pcb->unacked);
  assert_null(pcb->unsent);
}

/* D-SACK blocks (below the cumulative ACK, RFC 2883), blocks reaching
 * beyond what was sent and empty blocks are ignored: no scoreboard change,
 * no duplicate ACK counted. */
static void sack_bogus_blocks_ignored(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK);
  /* RFC 6675's DupThresh rules as written (the RACK-TLP cases are below). */
  assert_int_equal(tcp_set_loss_detection(TCP_LOSS_DUPTHRESH), ERR_OK);
  struct tt_conn c;
  u32_t m = est_flightp(&c, TT_OPT_SACK, 4, 4, 4);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  peer_ack(&c, b + m);
  tt_expect_nothing();
  for (int k = 0; k < 4; k++) {
    const u32_t d[][2] = {BLK(0, 1)}; /* D-SACK */
    peer_ack_sack(&c, b + m, 1, d);
    const u32_t beyond[][2] = {{b + 2U * m, b + 5U * m}};
    peer_ack_sack(&c, b + m, 1, beyond);
    const u32_t empty[][2] = {{b + 3U * m, b + 3U * m}};
    peer_ack_sack(&c, b + m, 1, empty);
    const u32_t reversed[][2] = {{b + 4U * m, b + 3U * m}};
    peer_ack_sack(&c, b + m, 1, reversed);
  }
  tt_expect_nothing();
  assert_int_equal(pcb->dupacks, 0);
  assert_int_equal(pcb->sacked_bytes, 0);
  assert_false(pcb->flags & TF_INFR);
  for (struct tcp_seg *s = pcb->unacked; s != NULL; s = s->next) {
    assert_int_equal(s->state & (SEG_SACKED | SEG_LOST), 0);
  }
  /* A D-SACK next to a real block: only the real one counts. */
  {
    const u32_t mix[][2] = {BLK(0, 1), BLK(2, 3)};
    peer_ack_sack(&c, b + m, 2, mix);
  }
  assert_int_equal(pcb->sacked_bytes, m);
  assert_int_equal(pcb->dupacks, 1);
  /* The same block again is no new information (RFC 6675 2). */
  {
    const u32_t again[][2] = {BLK(2, 3)};
    peer_ack_sack(&c, b + m, 1, again);
  }
  assert_int_equal(pcb->dupacks, 1);
  tt_expect_nothing();
}

/* The RTO forgets the scoreboard (RFC 6675 5.1) and goes back to snd_una
 * with cwnd one segment. */
static void sack_rto_clears_scoreboard(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK);
  /* RFC 6675's DupThresh rules as written (the RACK-TLP cases are below). */
  assert_int_equal(tcp_set_loss_detection(TCP_LOSS_DUPTHRESH), ERR_OK);
  struct tt_conn c;
  u32_t m = est_flightp(&c, TT_OPT_SACK, 4, 4, 4);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  const u32_t s1[][2] = {BLK(2, 3)};
  peer_ack_sack(&c, b, 1, s1);
  assert_int_equal(pcb->sacked_bytes, m);
  resend_at(&c, 200, b, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->sacked_bytes, 0);
  assert_int_equal(pcb->cwnd, m);
  assert_int_equal(pcb->ssthresh, 2U * m);
  /* The peer has 0 now, not 1: go-back-N sends 1 and 2 (cwnd 2 SMSS). */
  peer_ack(&c, b + m);
  expect_data(&c, b + m, (u16_t)m);
  expect_data(&c, b + 2U * m, (u16_t)m);
  tt_expect_nothing();
  peer_ack(&c, b + 4U * m);
  assert_null(pcb->unacked);
  assert_null(pcb->unsent);
}

/* ---------------------------------------------------------------------- */
/* SACK blocks we send (RFC 2018 4)                                        */
/* ---------------------------------------------------------------------- */

/* The duplicate ACK for out-of-order data from the peer: ack stays at the
 * hole; SACK blocks describe what we hold, @p n of them as given. */
static void expect_sack_at(const char *file, int line, struct tt_conn *c, u32_t ack, int n, const u32_t (*blk)[2])
{
  struct tt_seg s;
  tt_expect_at(file, line, TCP_ACK, c->our_nxt, ack, &s);
  _assert_int_equal(s.len, 0, file, line);
  _assert_int_equal(s.opt.nsack, n, file, line);
  for (int i = 0; i < n; i++) {
    if (s.opt.sack[i][0] != blk[i][0] || s.opt.sack[i][1] != blk[i][1]) {
      print_error("SACK block %d: expected %u-%u, got %u-%u\n", i, (unsigned)blk[i][0], (unsigned)blk[i][1],
                  (unsigned)s.opt.sack[i][0], (unsigned)s.opt.sack[i][1]);
      _fail(file, line);
    }
  }
  if (c->ts) {
    _assert_true(s.opt.has_ts, "timestamps", file, line);
    c->our_ts = s.opt.tsval;
  }
}
#define expect_sack(c, ack, n, blk) expect_sack_at(__FILE__, __LINE__, (c), (ack), (n), (blk))

/* Out-of-order data gets an immediate duplicate ACK whose first block
 * holds the segment that triggered it; adjacent segments merge into one
 * block; without timestamps up to 4 blocks fit. */
static void sack_sent_for_out_of_order_data(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK);
  NEED(TCP_WND >= 1100);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_SACK, 0);
  u32_t p = c.peer_nxt;
  peer_data(&c, 100, 100);
  {
    const u32_t e[][2] = {{p + 100, p + 200}};
    expect_sack(&c, p, 1, e);
  }
  peer_data(&c, 300, 100);
  {
    const u32_t e[][2] = {{p + 300, p + 400}, {p + 100, p + 200}};
    expect_sack(&c, p, 2, e);
  }
  peer_data(&c, 200, 100); /* joins both */
  {
    const u32_t e[][2] = {{p + 100, p + 400}};
    expect_sack(&c, p, 1, e);
  }
  assert_int_equal(pcb->ooseq_segs, 3);
  peer_data(&c, 500, 100);
  peer_data(&c, 700, 100);
  tt_pop(&(struct tt_seg){0});
  {
    /* RFC 2018 4: the newest, then the blocks reported last time. */
    const u32_t e[][2] = {{p + 700, p + 800}, {p + 500, p + 600}, {p + 100, p + 400}};
    expect_sack(&c, p, 3, e);
  }
  peer_data(&c, 900, 100);
  {
    const u32_t e[][2] = {{p + 900, p + 1000}, {p + 700, p + 800}, {p + 500, p + 600}, {p + 100, p + 400}};
    expect_sack(&c, p, 4, e);
  }
  /* A duplicate of queued data: a D-SACK block for it, then the block
   * that holds it, then the most recent others (RFC 2883 4). */
  peer_data(&c, 500, 100);
  {
    const u32_t e[][2] = {{p + 500, p + 600}, {p + 500, p + 600}, {p + 900, p + 1000}, {p + 700, p + 800}};
    expect_sack(&c, p, 4, e);
  }
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 0);
  /* Filling the first hole delivers 0..400 and ACKs it at once. */
  peer_data(&c, 0, 100);
  {
    const u32_t e[][2] = {{p + 500, p + 600}, {p + 900, p + 1000}, {p + 700, p + 800}};
    expect_sack(&c, p + 400, 3, e);
  }
  assert_int_equal(tt_rec.len, 400);
  assert_memory_equal(tt_rec.data, pattern, 400);
  tt_expect_nothing();
}

/* With timestamps the peer's out-of-order ranges at 100, 300 and 500,
 * then 700 (100 bytes each): the ACK of the last names three ranges, the
 * newest first, and the oldest is left out. */
static void four_ranges_three_blocks(struct tt_conn *c)
{
  est_active(c, TT_OPT_SACK | TT_OPT_TS, 0);
  u32_t p = c->peer_nxt;
  peer_data(c, 100, 100);
  peer_data(c, 300, 100);
  peer_data(c, 500, 100);
  test_frames_clear(&tt_tn);
  peer_data(c, 700, 100);
  const u32_t e[][2] = {{p + 700, p + 800}, {p + 500, p + 600}, {p + 300, p + 400}};
  expect_sack(c, p, 3, e);
}

/* With timestamps only 3 blocks fit in the 40 bytes of options. */
static void sack_sent_three_blocks_with_timestamps(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK && LWIP_TCP_TIMESTAMPS);
  NEED(TCP_WND >= 1100);
  struct tt_conn c;
  four_ranges_three_blocks(&c);
  tt_expect_nothing();
}

/* RFC 2018 4: after the first block, the option SHOULD repeat the most
 * recently reported blocks, so a block survives at least three ACKs: with
 * four ranges and three slots, the oldest report is the one left out. */
static void sack_sent_repeats_most_recent(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK);
  struct tt_conn c;
  four_ranges_three_blocks(&c);
}

/* No SACK option in the ACK once the queue is empty. */
static void sack_none_after_hole_filled(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK);
  struct tt_conn c;
  est_active(&c, TT_OPT_SACK, 0);
  u32_t p = c.peer_nxt;
  peer_data(&c, 100, 100);
  {
    const u32_t e[][2] = {{p + 100, p + 200}};
    expect_sack(&c, p, 1, e);
  }
  peer_data(&c, 0, 100);
  expect_sack(&c, p + 200, 0, NULL);
  assert_int_equal(tt_rec.nrecv, 1);
  assert_int_equal(tt_rec.len, 200);
  assert_memory_equal(tt_rec.data, pattern, 200);
  assert_int_equal(c.pcb->ooseq_segs, 0);
  assert_int_equal(c.pcb->ooseq_bytes, 0);
  tt_expect_nothing();
}

/* ---------------------------------------------------------------------- */
/* Congestion control arithmetic (RFC 5681, RFC 3465)                      */
/* ---------------------------------------------------------------------- */

/* RFC 5681 3.1 equation (1). */
static u32_t rfc_iw(u32_t smss)
{
  if (smss > 2190U) {
    return 2U * smss;
  }
  if (smss > 1095U) {
    return 3U * smss;
  }
  return 4U * smss;
}

/* The initial window for the MSS the peer announced; ssthresh starts
 * "arbitrarily high". */
static void cc_initial_window(void **state)
{
  (void)state;
  fill_pattern();
  static const u16_t peer_mss[] = {536, 1095, 1096, 1460};
  for (size_t i = 0; i < LWIP_ARRAYSIZE(peer_mss); i++) {
    struct tt_conn c;
    open_active(&c, TT_OPT_NONE, TT_PEER_ISN, 0);
    peer_synack(&c, peer_mss[i], -1, NULL);
    struct tcp_pcb *pcb = c.pcb;
    u32_t smss = LWIP_MIN((u32_t)peer_mss[i], (u32_t)pcb->rcv_mss);
    assert_int_equal(pcb->mss, smss);
    assert_int_equal(pcb->cwnd, rfc_iw(smss));
    assert_true(pcb->ssthresh >= 0x7fffffffU);
    /* Exactly the initial window goes out. */
    u32_t want = rfc_iw(smss) + smss;
    if (want <= TCP_SND_BUF && want <= 0xffffU) {
      write_out(&c, 0, want);
      u32_t got = 0;
      struct tt_seg s;
      while (tt_pop(&s)) {
        assert_int_equal(s.seq, base_of(&c) + got);
        assert_int_equal(s.len, smss);
        got += s.len;
      }
      assert_int_equal(got, rfc_iw(smss));
    }
    tcp_abort(pcb);
    test_frames_clear(&tt_tn);
  }
  /* With timestamps the segment is 12 bytes smaller, and so is IW. */
  if (!LWIP_TCP_TIMESTAMPS) {
    return;
  }
  struct tt_conn c;
  est_active(&c, TT_OPT_TS, 0);
  assert_int_equal(c.pcb->mss, LWIP_MIN((u32_t)SEG_MSS, (u32_t)c.pcb->rcv_mss) - 12U);
  assert_int_equal(c.pcb->cwnd, rfc_iw(c.pcb->mss));
}

/* Slow start with appropriate byte counting: cwnd grows by the bytes
 * acknowledged, at most 2 SMSS per ACK (RFC 3465 L = 2). */
static void cc_slow_start_abc(void **state)
{
  (void)state;
  NEED(10U * SEG_MSS <= TCP_SND_BUF);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t m = pcb->mss;
  u32_t b = base_of(&c);
  u32_t iw = pcb->cwnd;
  u32_t n0 = iw / m;
  write_segs(&c, 10, n0);
  tt_expect_nothing();
  peer_ack(&c, b + m);
  assert_int_equal(pcb->cwnd, iw + m);
  expect_data(&c, b + n0 * m, (u16_t)m);
  expect_data(&c, b + (n0 + 1U) * m, (u16_t)m);
  tt_expect_nothing();
  /* A stretch ACK of 3 segments counts for 2 (L = 2). */
  peer_ack(&c, b + 4U * m);
  assert_int_equal(pcb->cwnd, iw + 3U * m);
  /* A partial segment counts its bytes. */
  test_frames_clear(&tt_tn);
  peer_ack(&c, b + 4U * m + 100U);
  assert_int_equal(pcb->cwnd, iw + 3U * m + 100U);
}

/* Congestion avoidance: one SMSS per cwnd of bytes acknowledged. */
static void cc_congestion_avoidance(void **state)
{
  (void)state;
  NEED(10U * SEG_MSS <= TCP_SND_BUF);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t m = pcb->mss;
  u32_t b = base_of(&c);
  pcb->cwnd = pcb->ssthresh = 4U * m;
  write_segs(&c, 10, 4);
  for (u32_t k = 1; k <= 3; k++) {
    peer_ack(&c, b + k * m);
    assert_int_equal(pcb->cwnd, 4U * m);
    assert_int_equal(pcb->bytes_acked, k * m);
    expect_data(&c, b + (3U + k) * m, (u16_t)m);
    tt_expect_nothing();
  }
  peer_ack(&c, b + 4U * m);
  assert_int_equal(pcb->cwnd, 5U * m);
  assert_int_equal(pcb->bytes_acked, 0);
  expect_data(&c, b + 7U * m, (u16_t)m);
  expect_data(&c, b + 8U * m, (u16_t)m);
  tt_expect_nothing();
}

/* Loss reactions: an RTO halves the flight into ssthresh and sets cwnd to
 * one segment; a second RTO of the same data does not halve again
 * (RFC 5681 3.1 and 7); then slow start goes back through the queue. */
static void cc_rto_reaction(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = est_flightp(&c, TT_OPT_NONE, 8, 8, 8);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  resend_at(&c, 200, b, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->ssthresh, 4U * m);
  assert_int_equal(pcb->cwnd, m);
  resend_at(&c, 400, b, (u16_t)m);
  assert_int_equal(pcb->ssthresh, 4U * m);
  assert_int_equal(pcb->cwnd, m);
  peer_ack(&c, b + m);
  assert_int_equal(pcb->cwnd, 2U * m);
  expect_data(&c, b + m, (u16_t)m);
  expect_data(&c, b + 2U * m, (u16_t)m);
  tt_expect_nothing();
}

/* ---------------------------------------------------------------------- */
/* Window scaling at the limits (RFC 7323 2)                               */
/* ---------------------------------------------------------------------- */

/* The peer's shift of 14 (and 15, taken as 14, 2.3) with a window field of
 * 65535: 65535 << 14 bytes.  Our own window is TCP_WND >> TCP_RCV_SCALE. */
static void ws_peer_shift_limit(void **state)
{
  (void)state;
  NEED(LWIP_TCP_WSCALE);
  static const int shifts[] = {14, 15};
  for (size_t i = 0; i < LWIP_ARRAYSIZE(shifts); i++) {
    struct tt_conn c;
    open_active(&c, TT_OPT_WS, TT_PEER_ISN, 0);
    struct tt_seg s;
    peer_synack(&c, TT_PEER_MSS, shifts[i], &s);
    struct tcp_pcb *pcb = c.pcb;
    assert_true(pcb->flags & TF_WND_SCALE);
    assert_int_equal(pcb->snd_scale, 14);
    assert_int_equal(pcb->rcv_scale, TCP_RCV_SCALE);
    assert_int_equal(pcb->snd_wnd, 65535); /* the SYN's window is not scaled */
    assert_int_equal(s.wnd, TCP_WND >> TCP_RCV_SCALE);
    assert_true((TCP_WND >> TCP_RCV_SCALE) <= 0xffff);
    peer_ack(&c, c.our_nxt);
    assert_int_equal(pcb->snd_wnd, 65535UL << 14);
    assert_int_equal(pcb->snd_wnd, 0x3fffc000UL);
    tcp_abort(pcb);
    test_frames_clear(&tt_tn);
  }
}

/* Without the peer's WS option neither side scales: our window field is
 * capped at 65535 even when TCP_WND is larger. */
static void ws_none_window_capped(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  open_active(&c, TT_OPT_NONE, TT_PEER_ISN, 0);
  struct tt_seg s;
  peer_synack(&c, TT_PEER_MSS, -1, &s);
  struct tcp_pcb *pcb = c.pcb;
  assert_false(pcb->flags & TF_WND_SCALE);
  assert_int_equal(pcb->snd_scale, 0);
  assert_int_equal(pcb->rcv_scale, 0);
  assert_int_equal(s.wnd, LWIP_MIN(TCP_WND, 0xffffU));
  tcp_recv(pcb, hold_recv);
  held_bytes = 0;
  peer_data(&c, 0, 1000);
  c.peer_nxt += 1000;
  fires_at(TCP_DELACK_MS);
  struct tt_seg a;
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, &a);
  assert_int_equal(held_bytes, 1000);
  /* 65535 was announced: the right edge stays where it was (1000 bytes
   * held, and less than an MSS of new room is not announced, RFC 9293
   * 3.8.6.2.2), and never beyond what the field carries. */
  assert_int_equal(a.wnd, LWIP_MIN(TCP_WND, 0xffffU) - 1000U);
  /* The peer's field is taken as is. */
  c.peer_wnd = 12345;
  peer_ack(&c, c.our_nxt);
  assert_int_equal(pcb->snd_wnd, 12345);
}

/* With scaling, data the application has not read closes the window from
 * the left; the right edge announced stays where it was (never shrinks,
 * RFC 9293 3.8.6.2.2 / RFC 7323 2.4).  Reading less than
 * min(TCP_WND / 2, MSS) announces nothing (receiver-side SWS avoidance);
 * once the peer's view of the window is less than half of what we can
 * offer, reading sends a window update at once. */
static void ws_right_edge_and_receiver_sws(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_WS, 0);
  u8_t sh = pcb->rcv_scale;
  u32_t p = c.peer_nxt;
  u32_t edge = p + TCP_WND;
  u32_t thr = LWIP_MIN(TCP_WND / 2U, (u32_t)pcb->rcv_mss);
  /* Segments a multiple of the scale so the edge is exact. */
  u16_t l = (u16_t)(LWIP_MIN((u32_t)pcb->rcv_mss, TCP_WND / 4U) & ~((1U << sh) - 1U));
  u32_t nseg = (TCP_WND / 2U) / l + 1U;
  u32_t held = nseg * l;
  NEED(held + thr <= TCP_WND);
  tcp_recv(pcb, hold_recv);
  held_bytes = 0;
  int acks = 0;
  for (u32_t i = 0; i < nseg; i++) {
    peer_data(&c, i * l, l);
    c.peer_nxt += l;
    if (i + 1U == nseg) {
      test_clock_advance(TCP_DELACK_MS);
    }
    struct tt_seg a;
    while (tt_pop(&a)) {
      assert_int_equal(a.flags, TCP_ACK);
      assert_int_equal(a.ack, c.peer_nxt);
      assert_int_equal(a.ack + ((u32_t)a.wnd << sh), edge);
      acks++;
    }
  }
  assert_int_equal(acks, (int)((nseg + 1U) / 2U));
  assert_int_equal(held_bytes, held);
  assert_memory_equal(tt_rec.data, pattern, LWIP_MIN(held, (u32_t)TT_REC_MAX));
  /* The application reads a little: no update. */
  tcp_recved(pcb, (u16_t)(thr - 1U));
  tt_expect_nothing();
  u32_t done = thr - 1U;
  int updates = 0;
  while (done < held) {
    u16_t r = (u16_t)LWIP_MIN(held - done, 0x8000U);
    tcp_recved(pcb, r);
    done += r;
    struct tt_seg a;
    if (tt_pop(&a)) {
      /* At once only when the peer knows less than half of the window. */
      assert_int_equal(updates, 0);
      assert_true(TCP_WND - held < (TCP_WND - held + done) / 2U);
      assert_int_equal(a.ack, p + held);
      assert_int_equal(a.wnd, (TCP_WND - held + done) >> sh);
      assert_true(TCP_SEQ_GT(a.ack + ((u32_t)a.wnd << sh), edge));
      updates++;
    }
  }
  assert_int_equal(updates, 1);
  tt_expect_nothing();
}

/* ---------------------------------------------------------------------- */
/* Giving up (tcp_limits: R2 as a time, user and orphan timeouts)          */
/* ---------------------------------------------------------------------- */

/* Run the clock @p ms ahead in 100 ms steps, throwing away what is sent
 * (a peer that has vanished). */
static void silence_for(u32_t ms)
{
  for (u32_t t = 0; t < ms; t += 100U) {
    test_clock_advance(100U);
    test_frames_clear(&tt_tn);
  }
}

/* Make the default user timeout @p ms.  @return the limits to restore. */
static struct tcp_limits set_user_timeout(u32_t ms)
{
  struct tcp_limits saved, l;
  tcp_get_limits(&saved);
  l = saved;
  l.user_timeout_ms = ms;
  assert_int_equal(tcp_set_limits(&l), ERR_OK);
  return saved;
}

/* For up to @p ms, the peer answers every zero-window probe with its
 * window still closed.  Stops early when the PCB is gone. */
static void answer_probes_for(struct tt_conn *c, u32_t ms)
{
  u32_t t0 = sys_now();
  while (tt_pcb_alive(c->pcb) && sys_now() - t0 < ms) {
    test_clock_advance(100);
    if (tt_pending() > 0) {
      test_frames_clear(&tt_tn);
      peer_ack(c, base_of(c));
    }
  }
}

/* A peer that vanishes with data in flight: with a 5 s user timeout the
 * connection is reset 5 s after sending stopped making progress, long
 * before TCP_MAXRTX retransmissions, and its memory is back at once. */
static void user_timeout_resets_silent_peer(void **state)
{
  (void)state;
  struct tcp_limits lim = set_user_timeout(5000);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  send_bytes(&c, 0, 100);
  assert_int_equal(pcb->giveup_due, sys_now() + 5000U);
  silence_for(4900);
  assert_true(tt_pcb_alive(pcb));
  assert_true(pcb->nrtx < TCP_MAXRTX);
  test_clock_advance(100);
  tt_expect(TCP_RST | TCP_ACK, base_of(&c) + 100U, c.peer_nxt, NULL);
  assert_false(tt_pcb_alive(pcb));
  tt_expect_err_once(ERR_ABRT);
#if LWIP_STATS
  assert_int_equal(lwip_stats.drops[LWIP_DROP_TCP_GIVE_UP], 1);
#endif
  struct tcp_mem_info mi;
  tcp_mem_get_info(&mi);
  assert_int_equal(mi.tx_bytes, 0);
  tcp_set_limits(&lim);
}

/* Every acknowledgment that moves snd_una restarts the give-up clock. */
static void progress_restarts_user_timeout(void **state)
{
  (void)state;
  struct tcp_limits lim = set_user_timeout(3000);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  for (u32_t i = 0; i < 5; i++) {
    send_bytes(&c, i * 10U, 10);
    test_clock_advance(150); /* under the 200 ms RTO: no retransmission */
    peer_ack(&c, b + (i + 1U) * 10U);
    tt_expect_nothing();
    test_clock_advance(2500); /* nothing outstanding: no deadline runs */
    assert_int_equal(pcb->giveup_due, 0);
  }
  assert_true(tt_pcb_alive(pcb));
  tcp_set_limits(&lim);
}

/* After the application closed, a zero window that the peer keeps
 * acknowledging ends after the orphan timeout (RFC 6429), with a reset;
 * an application's own connection keeps probing (RFC 9293 3.8.6.1, see
 * zero_window_probes_and_resume). */
static void orphan_in_zero_window_gives_up(void **state)
{
  (void)state;
  struct tcp_limits lim;
  tcp_get_limits(&lim);
  assert_int_equal(lim.orphan_timeout_ms, 60000);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  c.peer_wnd = 0;
  peer_ack(&c, b);
  write_out(&c, 0, 100);
  tcp_arg(pcb, NULL);
  tcp_recv(pcb, NULL);
  tcp_err(pcb, NULL);
  assert_int_equal(tcp_close(pcb), ERR_OK);
  assert_int_equal(pcb->state, FIN_WAIT_1);
  answer_probes_for(&c, 59000);
  assert_true(tt_pcb_alive(pcb));
  silence_for(1000);
  assert_false(tt_pcb_alive(pcb));
  assert_int_equal(tt_pcb_count(), 0);
}

/* A connection with its own user timeout (tcp_set_user_timeout, like
 * Linux's TCP_USER_TIMEOUT) ends even a zero window after that long. */
static void own_user_timeout_ends_zero_window(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  c.peer_wnd = 0;
  peer_ack(&c, b);
  tcp_set_user_timeout(pcb, 10000);
  write_out(&c, 0, 100);
  answer_probes_for(&c, 9900);
  assert_true(tt_pcb_alive(pcb));
  silence_for(200);
  assert_false(tt_pcb_alive(pcb));
  tt_expect_err_once(ERR_ABRT);
}

/* ---------------------------------------------------------------------- */
/* Zero window and the persist timer                                       */
/* ---------------------------------------------------------------------- */

/* The peer closes its window: data waits, probes go out at the persist
 * interval, doubling, without the RTO (which would give up); the window
 * opening resumes transmission at once. */
static void zero_window_probes_and_resume(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  c.peer_wnd = 0;
  peer_ack(&c, b);
  assert_int_equal(pcb->snd_wnd, 0);
  write_out(&c, 0, 100);
  tt_expect_nothing();
  assert_int_equal(pcb->rto_due, 0);
  u32_t ivl = LWIP_MAX(pcb->rto, TCP_RTO_MIN_MS);
  for (int k = 0; k < 6; k++) {
    fires_at(ivl);
    struct tt_seg s;
    tt_expect(TCP_ACK, b - 1U, c.peer_nxt, &s);
    assert_int_equal(s.len, 0);
    tt_expect_nothing();
    /* The peer answers: still closed. */
    peer_ack(&c, b);
    tt_expect_nothing();
    ivl *= 2U;
  }
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_int_equal(pcb->nrtx, 0);
  /* Long past what TCP_MAXRTX would allow the RTO, and past the user
   * timeout: still probing, for the peer keeps answering (RFC 9293
   * 3.8.6.1; unanswered probes end it, user_timeout_resets_silent_peer). */
  for (int k = 0; k < 20; k++) {
    test_clock_advance(TCP_PERSIST_MAX_MS);
    test_frames_clear(&tt_tn);
    peer_ack(&c, b);
  }
  assert_true(tt_pcb_alive(pcb));
  assert_int_equal(pcb->state, ESTABLISHED);
  c.peer_wnd = 1000;
  peer_ack(&c, b);
  expect_datap(&c, b, 100);
  tt_expect_nothing();
  assert_int_equal(pcb->persist_due, 0);
  assert_true(pcb->rto_due != 0);
  peer_ack(&c, b + 100U);
  assert_null(pcb->unacked);
  assert_null(pcb->unsent);
}

/* A window smaller than the next segment (and below half the largest seen)
 * is not filled at once (sender-side SWS avoidance) but at the persist
 * time: what fits goes out, the rest once the window opens. */
static void small_window_filled_at_persist_time(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  u32_t m = pcb->mss;
  u16_t w = (u16_t)(m / 2U);
  c.peer_wnd = w;
  peer_ack(&c, b);
  write_out(&c, 0, m);
  tt_expect_nothing();
  fires_at(LWIP_MAX(pcb->rto, TCP_RTO_MIN_MS));
  struct tt_seg s;
  tt_expect(TCP_ACK | TCP_PSH, b, c.peer_nxt, &s);
  assert_int_equal(s.len, w);
  assert_memory_equal(s.data, pattern, w);
  tt_expect_nothing();
  c.peer_wnd = 0xffff;
  peer_ack(&c, b + w);
  expect_datap(&c, b + w, (u16_t)(m - w));
  tt_expect_nothing();
}

/* ---------------------------------------------------------------------- */
/* Receiving: out-of-order queue, delayed ACK, refused data                */
/* ---------------------------------------------------------------------- */

/* At most TCP_OOSEQ_MAX_SEGS segments wait in the out-of-order queue; one
 * more is dropped and counted (TCP_OOSEQ_FULL), still answered with a
 * duplicate ACK; filling the hole delivers all of it in order. */
static void ooseq_segment_limit(void **state)
{
  (void)state;
  NEED(LWIP_TCP_OOSEQ);
  fill_pattern();
  u32_t k = TCP_OOSEQ_MAX_SEGS;
  NEED(2U * k + 2U <= TCP_WND);
  struct tt_conn c;
  est_active(&c, TT_OPT_NONE, 0);
  struct tcp_pcb *pcb = c.pcb;
  u32_t p = c.peer_nxt;
#if LWIP_STATS
  u32_t full0 = DROPS(TCP_OOSEQ_FULL);
#endif
  /* One byte at every odd offset: k + 1 separate segments. */
  for (u32_t i = 0; i <= k; i++) {
    peer_data(&c, 2U * i + 1U, 1);
    tt_expect(TCP_ACK, c.our_nxt, p, NULL);
    tt_expect_nothing();
    assert_int_equal(pcb->ooseq_segs, LWIP_MIN(i + 1U, k));
  }
  assert_int_equal(pcb->ooseq_bytes, k);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_OOSEQ_FULL) - full0, 1);
#endif
  assert_int_equal(tt_rec.len, 0);
  /* One segment covering everything: delivered once, in order. */
  peer_data(&c, 0, (u16_t)(2U * k + 2U));
  tt_expect(TCP_ACK, c.our_nxt, p + 2U * k + 2U, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 2U * k + 2U);
  assert_memory_equal(tt_rec.data, pattern, 2U * k + 2U);
  assert_int_equal(pcb->ooseq_segs, 0);
  assert_int_equal(pcb->ooseq_bytes, 0);
  assert_null(pcb->ooseq);
}

/* Without tcp_ooseq nothing waits for a hole: a segment beyond RCV.NXT,
 * and a FIN beyond it, is dropped (TCP_NO_OOSEQ) and answered at once
 * with a duplicate ACK (RFC 5681 4.2); the segment filling the hole is
 * acknowledged at once too, and what was dropped is taken in order when
 * the peer sends it again. */
static void no_ooseq_drops_with_dup_ack(void **state)
{
  (void)state;
  NEED(!LWIP_TCP_OOSEQ);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t p = c.peer_nxt;
#if LWIP_STATS
  u32_t drop0 = DROPS(TCP_NO_OOSEQ);
#endif
  peer_data(&c, 10, 10); /* [10, 20): a hole before it */
  tt_expect(TCP_ACK, c.our_nxt, p, NULL);
  tt_expect_nothing();
  struct tt_opts o;
  tt_conn_opts(&c, &o);
  tt_inject(&c, TCP_ACK | TCP_FIN, p + 20U, c.our_nxt, &o, NULL, 0); /* its FIN at 20 */
  tt_expect(TCP_ACK, c.our_nxt, p, NULL);
  tt_expect_nothing();
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_NO_OOSEQ) - drop0, 2);
#endif
  assert_null(pcb->ooseq);
  assert_int_equal(pcb->ooseq_segs, 0);
  assert_int_equal(pcb->ooseq_bytes, 0);
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_int_equal(pcb->rcv_nxt, p);
  assert_int_equal(tt_rec.len, 0);
  /* The hole, then the dropped data and the FIN again: all in order. */
  peer_data(&c, 0, 10);
  tt_expect(TCP_ACK, c.our_nxt, p + 10U, NULL);
  tt_expect_nothing();
  peer_data(&c, 10, 10);
  tt_expect(TCP_ACK, c.our_nxt, p + 20U, NULL); /* still in the gap the FIN at 20 left */
  tt_expect_nothing();
  tt_inject(&c, TCP_ACK | TCP_FIN, p + 20U, c.our_nxt, &o, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, p + 21U, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 20);
  assert_memory_equal(tt_rec.data, pattern, 20);
  assert_int_equal(tt_rec.nfin, 1);
  assert_int_equal(pcb->state, CLOSE_WAIT);
}

/* Without the queue, every in-order segment that fills part of the gap the
 * dropped segments left is ACKed at once (RFC 5681 4.2), not only the
 * first: a NewReno peer in recovery sends one segment per partial ACK
 * (RFC 6582 3.2) and would wait a delayed-ACK time for each.  Past the
 * end of the furthest segment dropped, ACKs are delayed again. */
static void no_ooseq_acks_the_gap_at_once(void **state)
{
  (void)state;
  NEED(!LWIP_TCP_OOSEQ);
  struct tt_conn c;
  est_active(&c, TT_OPT_NONE, 0);
  u32_t p = c.peer_nxt;
  peer_data(&c, 20, 10); /* [20, 30) and [10, 20) lost behind [0, 10) */
  tt_expect(TCP_ACK, c.our_nxt, p, NULL);
  peer_data(&c, 10, 10);
  tt_expect(TCP_ACK, c.our_nxt, p, NULL);
  tt_expect_nothing();
  for (u32_t off = 0; off < 30U; off += 10U) { /* the peer resends them in order */
    peer_data(&c, off, 10);
    tt_expect(TCP_ACK, c.our_nxt, p + off + 10U, NULL);
    tt_expect_nothing();
  }
  peer_data(&c, 30, 10); /* beyond the gap: the ACK is delayed */
  tt_expect_nothing();
  test_clock_advance(TCP_DELACK_MS + 10U); /* and a 10 ms timer tick */
  tt_expect(TCP_ACK, c.our_nxt, p + 40U, NULL);
  assert_int_equal(tt_rec.len, 40);
  assert_memory_equal(tt_rec.data, pattern, 40);
}

/* Data beyond the window is cut there; the queue never holds more than
 * the window (TCP_OOSEQ_MAX_BYTES = TCP_WND). */
static void ooseq_bytes_within_window(void **state)
{
  (void)state;
  NEED(LWIP_TCP_OOSEQ);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t p = c.peer_nxt;
  /* An application that has not read yet, so no window updates interleave. */
  tcp_recv(pcb, hold_recv);
  held_bytes = 0;
  u16_t l = (u16_t)LWIP_MIN((u32_t)pcb->rcv_mss, TCP_WND / 4U);
  /* From offset 1 up to and past the right edge. */
  u32_t off = 1;
  while (off < (u32_t)TCP_WND + l) {
    peer_data(&c, off, l);
    test_frames_clear(&tt_tn);
    off += l;
  }
  assert_true(pcb->ooseq_bytes <= TCP_OOSEQ_MAX_BYTES);
  assert_true(pcb->ooseq_bytes <= TCP_WND - 1U);
  u32_t queued = pcb->ooseq_bytes;
  /* The hole: everything up to the window edge arrives in order. */
  peer_data(&c, 0, 1);
  tt_expect(TCP_ACK, c.our_nxt, p + 1U + queued, NULL);
  tt_expect_nothing();
  assert_int_equal(held_bytes, 1U + queued);
  assert_int_equal(tt_rec.len, LWIP_MIN(1U + queued, (u32_t)TT_REC_MAX));
  assert_int_equal(pcb->rcv_nxt, p + 1U + queued);
  assert_memory_equal(tt_rec.data, pattern, LWIP_MIN(1U + queued, (u32_t)TT_REC_MAX));
  assert_int_equal(pcb->ooseq_segs, 0);
}

/* A filled hole releases a large queue to an application that reads at
 * once: the window updates tcp_recved sends during the delivery must not
 * swallow the ACK of the whole (RFC 5681 4.2: an immediate ACK for a
 * segment that fills a gap). */
static void hole_fill_acks_everything(void **state)
{
  (void)state;
  NEED(LWIP_TCP_OOSEQ);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t p = c.peer_nxt;
  u16_t l = (u16_t)LWIP_MIN((u32_t)pcb->rcv_mss, TCP_WND / 4U);
  u32_t off = 1;
  /* No window scaling: 65535 bytes are announced, and only they are
   * taken (RFC 9293 3.10.7.4). */
  while (off + l < LWIP_MIN((u32_t)TCP_WND, 0xffffU)) {
    peer_data(&c, off, l);
    test_frames_clear(&tt_tn);
    off += l;
  }
  peer_data(&c, 0, 1);
  struct tt_seg a;
  u32_t last = 0;
  while (tt_pop(&a)) {
    last = a.ack;
  }
  assert_int_equal(pcb->rcv_nxt, p + off);
  assert_int_equal(last, p + off);
}

/* Overlapping out-of-order segments are trimmed against each other, and
 * the hole filled delivers each byte once, with one ACK. */
static void ooseq_overlaps_trimmed(void **state)
{
  (void)state;
  NEED(LWIP_TCP_OOSEQ);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t p = c.peer_nxt;
  peer_data(&c, 10, 10); /* [10, 20) */
  assert_int_equal(pcb->ooseq_segs, 1);
  assert_int_equal(pcb->ooseq_bytes, 10);
  peer_data(&c, 15, 15); /* [15, 30) -> [20, 30) */
  assert_int_equal(pcb->ooseq_segs, 2);
  assert_int_equal(pcb->ooseq_bytes, 20);
  assert_int_equal(pcb->ooseq->next->seqno, p + 20U);
  peer_data(&c, 5, 7); /* [5, 12) -> [5, 10) */
  assert_int_equal(pcb->ooseq_segs, 3);
  assert_int_equal(pcb->ooseq_bytes, 25);
  assert_int_equal(pcb->ooseq->seqno, p + 5U);
  assert_int_equal(pcb->ooseq->len, 5);
  peer_data(&c, 12, 5); /* inside: nothing new */
  assert_int_equal(pcb->ooseq_segs, 3);
  assert_int_equal(pcb->ooseq_bytes, 25);
  peer_data(&c, 8, 32); /* [8, 40) -> [10, 40), replacing two */
  assert_int_equal(pcb->ooseq_segs, 2);
  assert_int_equal(pcb->ooseq_bytes, 35);
  test_frames_clear(&tt_tn);
  peer_data(&c, 0, 6); /* [0, 6) overlaps [5, 10) */
  tt_expect(TCP_ACK, c.our_nxt, p + 40U, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 40);
  assert_int_equal(tt_rec.nrecv, 1);
  assert_memory_equal(tt_rec.data, pattern, 40);
  assert_int_equal(pcb->ooseq_segs, 0);
  assert_int_equal(pcb->ooseq_bytes, 0);
  /* Old data again: an immediate ACK, nothing delivered twice. */
  peer_data(&c, 20, 10);
  tt_expect(TCP_ACK, c.our_nxt, p + 40U, NULL);
  assert_int_equal(tt_rec.len, 40);
}

/* Delayed ACK: the second segment is ACKed at once, a lone one after
 * TCP_DELACK_MS (RFC 1122 4.2.3.2, RFC 5681 4.2). */
static void delayed_ack_timing(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t p = c.peer_nxt;
  u16_t m = (u16_t)LWIP_MIN((u32_t)pcb->rcv_mss, TCP_WND / 4U);
  tcp_recv(pcb, hold_recv); /* the window stays as it is: no update ACKs */
  held_bytes = 0;
  peer_data(&c, 0, m);
  tt_expect_nothing();
  test_clock_advance(50);
  tt_expect_nothing();
  peer_data(&c, m, m);
  tt_expect(TCP_ACK, c.our_nxt, p + 2U * m, NULL);
  tt_expect_nothing();
  assert_int_equal(pcb->delack_due, 0);
  test_clock_advance(10);
  peer_data(&c, 2U * m, 10);
  fires_at(TCP_DELACK_MS);
  tt_expect(TCP_ACK, c.our_nxt, p + 2U * m + 10U, NULL);
  tt_expect_nothing();
  assert_int_equal(held_bytes, 2U * m + 10U);
  test_clock_advance(10000);
  tt_expect_nothing();
}

/* The application refuses data (recv returns ERR_MEM): it is offered again
 * TCP_REFUSED_RETRY_MS after the last refusal.  A segment arriving meanwhile
 * in order is held and acknowledged at once (the window we offered covers
 * it), then delivered after the refused data.  Nothing is lost or
 * delivered twice. */
static void recv_refused_offered_again(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t p = c.peer_nxt;
  tt_rec.recv_ret = ERR_MEM;
  peer_data(&c, 0, 100);
  assert_int_equal(tt_rec.nrecv, 0);
  assert_non_null(pcb->refused_data);
  fires_at(TCP_DELACK_MS);
  tt_expect(TCP_ACK, c.our_nxt, p + 100U, NULL); /* we hold it */
  test_clock_advance(50);
#if LWIP_STATS
  u32_t ref0 = DROPS(TCP_RCV_REFUSED);
#endif
  peer_data(&c, 100, 100); /* the refused data is offered again, refused again */
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_RCV_REFUSED), ref0);
#endif
  /* Held, acknowledged at once, and the window shows both unread. */
  tt_expect(TCP_ACK, c.our_nxt, p + 200U, NULL);
  tt_expect_nothing();
  assert_int_equal(pcb->rcv_nxt, p + 200U);
  assert_non_null(pcb->rcv_held);
  assert_int_equal(pcb->rcv_wnd, TCP_WND - 200U);
  test_clock_advance(TCP_REFUSED_RETRY_MS - 10U);
  assert_int_equal(tt_rec.nrecv, 0);
  tt_rec.recv_ret = ERR_OK;
  test_clock_advance(9);
  assert_int_equal(tt_rec.nrecv, 0);
  test_clock_advance(1);
  assert_int_equal(tt_rec.nrecv, 2); /* the refused data, then the held segment */
  assert_int_equal(tt_rec.len, 200);
  assert_memory_equal(tt_rec.data, pattern, 200);
  assert_null(pcb->refused_data);
  assert_null(pcb->rcv_held);
  test_clock_advance(2000);
  assert_int_equal(tt_rec.len, 200);
  tt_expect_nothing();
}

/* A FIN arriving in order while the application refuses data is taken
 * and acknowledged at once (the connection goes to CLOSE_WAIT); the
 * application hears it after the refused data.  The same with and
 * without tcp_ooseq. */
static void recv_refused_then_fin(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t p = c.peer_nxt;
  tt_rec.recv_ret = ERR_MEM;
  peer_data(&c, 0, 100);
  assert_non_null(pcb->refused_data);
  struct tt_opts o;
  tt_conn_opts(&c, &o);
  tt_inject(&c, TCP_ACK | TCP_FIN, p + 100U, c.our_nxt, &o, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, p + 101U, NULL);
  tt_expect_nothing();
  assert_int_equal(pcb->state, CLOSE_WAIT);
  assert_int_equal(tt_rec.nfin, 0);
  tt_rec.recv_ret = ERR_OK;
  test_clock_advance(TCP_REFUSED_RETRY_MS);
  assert_int_equal(tt_rec.len, 100);
  assert_memory_equal(tt_rec.data, pattern, 100);
  assert_int_equal(tt_rec.nfin, 1);
  assert_null(pcb->refused_data);
}

/* ---------------------------------------------------------------------- */
/* Sequence numbers across 2^32                                            */
/* ---------------------------------------------------------------------- */

/* Both ISNs just below 2^32 (ours steered with the RFC 6528 clock, as the
 * SYN shows); our data crosses the wrap with two segments lost and SACK
 * recovery; the peer's data crosses it out of order, with our SACK blocks
 * wrapping too. */
static void wrap_loss_and_sack(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK);
  /* RFC 6675's DupThresh rules as written (the RACK-TLP cases are below). */
  assert_int_equal(tcp_set_loss_detection(TCP_LOSS_DUPTHRESH), ERR_OK);
  fill_pattern();
  NEED(8U * SEG_MSS <= TCP_SND_BUF && 8U * SEG_MSS <= 0xffffU && TCP_WND >= 0x400U);
  /* Learn the hash part of our ISN for a fixed 4-tuple. */
  struct tcp_pcb *probe = tcp_new();
  assert_non_null(probe);
  assert_int_equal(tcp_bind(probe, IP_ADDR_ANY, 4444), ERR_OK);
  assert_int_equal(tcp_connect(probe, tt_peer_addr(), TT_PEER_LISTEN_PORT, NULL), ERR_OK);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  u32_t isn1 = s.seq;
  assert_int_equal(tcp_close(probe), ERR_OK);
  u32_t m0 = LWIP_MIN((u32_t)SEG_MSS, (u32_t)TCP_MSS);
  u32_t target = 0U - 3U * m0 - 400U;
  u32_t dt = (target - isn1) / 250U;
  test_clock_advance(dt);
  struct tt_conn c;
  struct tcp_pcb *pcb = open_active(&c, TT_OPT_SACK, 0xfffffe00U, 4444);
  assert_int_equal(c.our_iss, isn1 + 250U * dt);
  assert_true(c.our_iss > 0xffff0000U);
  peer_synack(&c, SEG_MSS, -1, NULL);
  u32_t m = pcb->mss;
  u32_t b = base_of(&c);
  assert_true(b + 8U * m < b); /* the data wraps */
  pcb->cwnd = 8U * m;
  write_segsp(&c, 8, 8);
  /* 0 and 3 lost. */
  {
    const u32_t a[][2] = {BLK(1, 2)};
    peer_ack_sack(&c, b, 1, a);
  }
  {
    const u32_t a[][2] = {BLK(1, 3)};
    peer_ack_sack(&c, b, 1, a);
  }
  tt_expect_nothing();
  {
    const u32_t a[][2] = {BLK(4, 5), BLK(1, 3)};
    peer_ack_sack(&c, b, 2, a);
  }
  expect_data(&c, b, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->ssthresh, 4U * m);
  assert_int_equal(pcb->recover, b + 8U * m);
  {
    const u32_t a[][2] = {BLK(4, 6), BLK(1, 3)};
    peer_ack_sack(&c, b, 2, a);
  }
  tt_expect_nothing();
  {
    const u32_t a[][2] = {BLK(4, 7), BLK(1, 3)};
    peer_ack_sack(&c, b, 2, a);
  }
  expect_data(&c, b + 3U * m, (u16_t)m);
  tt_expect_nothing();
  {
    const u32_t a[][2] = {BLK(4, 8), BLK(1, 3)};
    peer_ack_sack(&c, b, 2, a);
  }
  tt_expect_nothing();
  {
    const u32_t a[][2] = {BLK(4, 8)};
    peer_ack_sack(&c, b + 3U * m, 1, a);
  }
  assert_true(pcb->flags & TF_INFR);
  peer_ack(&c, b + 8U * m);
  assert_false(pcb->flags & TF_INFR);
  assert_int_equal(pcb->snd_una, b + 8U * m);
  assert_int_equal(pcb->sacked_bytes, 0);
  assert_null(pcb->unacked);
  assert_int_equal(tt_rec.sent_total, 8U * m);
  tt_expect_nothing();
  /* The peer's data: P = 0xfffffe01, [P + 0x100, P + 0x300) wraps. */
  u32_t p = c.peer_nxt;
  assert_int_equal(p, 0xfffffe01U);
  peer_data(&c, 0x100, 0x200);
  {
    const u32_t e[][2] = {{p + 0x100U, p + 0x300U}};
    expect_sack(&c, p, 1, e);
  }
  assert_true(p + 0x300U < 0x1000U);
  peer_data(&c, 0, 0x100);
  expect_sack(&c, p + 0x300U, 0, NULL);
  assert_int_equal(tt_rec.len, 0x300);
  assert_memory_equal(tt_rec.data, pattern, 0x300);
  tt_expect_nothing();
}

/* ---------------------------------------------------------------------- */
/* tcp_write backpressure                                                  */
/* ---------------------------------------------------------------------- */

/* tcp_write fails with ERR_MEM (changing nothing) once the send buffer is
 * full, and works again as ACKs free it. */
static void write_err_mem_send_buffer(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  u32_t m = pcb->mss;
  u32_t off = 0;
  while (pcb->snd_buf > 0) {
    u16_t n = (u16_t)LWIP_MIN(pcb->snd_buf, 0x8000U);
    assert_int_equal(tcp_write(pcb, pattern + off, n, TCP_WRITE_FLAG_COPY), ERR_OK);
    off += n;
  }
  assert_int_equal(off, TCP_SND_BUF);
  assert_int_equal(tcp_sndbuf(pcb), 0);
  u16_t ql = tcp_sndqueuelen(pcb);
  u32_t lbb = pcb->snd_lbb;
  assert_int_equal(tcp_write(pcb, pattern + off, 1, TCP_WRITE_FLAG_COPY), ERR_MEM);
  assert_int_equal(tcp_sndqueuelen(pcb), ql);
  assert_int_equal(pcb->snd_lbb, lbb);
  tt_expect_nothing();
  tcp_output(pcb);
  u32_t iw = LWIP_MIN(pcb->cwnd, (u32_t)TCP_SND_BUF) / m;
  expect_segsp(&c, 0, iw);
  peer_ack(&c, b + 2U * m);
  assert_int_equal(tt_rec.sent_total, 2U * m);
  assert_int_equal(tcp_sndbuf(pcb), 2U * m);
  test_frames_clear(&tt_tn);
  assert_int_equal(tcp_write(pcb, pattern + off, (u16_t)(2U * m + 1U), TCP_WRITE_FLAG_COPY), ERR_MEM);
  assert_int_equal(tcp_write(pcb, pattern + off, (u16_t)(2U * m), TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_sndbuf(pcb), 0);
}

/* The queue limit (TCP_SND_QUEUELEN pbufs) stops many small writes before
 * the buffer is full; ACKs free it. */
static void write_err_mem_queue_limit(void **state)
{
  (void)state;
  NEED(TCP_SND_QUEUELEN < TCP_MSS && TCP_SND_QUEUELEN < TCP_SND_BUF);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  u32_t n = 0;
  while (tcp_write(pcb, pattern + n, 1, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE) == ERR_OK) {
    n++;
    assert_true(n <= TCP_SND_QUEUELEN);
  }
  assert_int_equal(n, TCP_SND_QUEUELEN);
  assert_int_equal(tcp_sndqueuelen(pcb), TCP_SND_QUEUELEN);
  assert_true(tcp_sndbuf(pcb) > 0);
  tcp_output(pcb);
  struct tt_seg s;
  tt_expect(TCP_ACK, b, c.peer_nxt, &s);
  assert_int_equal(s.len, n);
  assert_memory_equal(s.data, pattern, n);
  peer_ack(&c, b + n);
  assert_int_equal(tcp_sndqueuelen(pcb), 0);
  assert_int_equal(tcp_write(pcb, pattern + n, 1, TCP_WRITE_FLAG_COPY), ERR_OK);
}

/* ---------------------------------------------------------------------- */
/* Memory exhaustion                                                       */
/* ---------------------------------------------------------------------- */

/* No segment for the out-of-order queue: the data is dropped and counted,
 * the duplicate ACK still goes out; the peer's retransmission is queued
 * and the transfer completes intact. */
static void oom_ooseq_insert(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  NEED(LWIP_TCP_OOSEQ);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_SACK, 0);
  u32_t p = c.peer_nxt;
#if LWIP_STATS
  u32_t nomem0 = DROPS(TCP_NO_MEM);
#endif
  tt_fail_next_inject(1);
  peer_data(&c, 100, 100);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_NO_MEM) - nomem0, 1);
#endif
  assert_int_equal(pcb->ooseq_segs, 0);
  assert_null(pcb->ooseq);
  expect_sack(&c, p, 0, NULL);
  tt_expect_nothing();
  peer_data(&c, 100, 100);
  {
    const u32_t e[][2] = {{p + 100U, p + 200U}};
    expect_sack(&c, p, LWIP_TCP_SACK ? 1 : 0, e); /* the duplicate ACK, with its block if SACK is built */
  }
  peer_data(&c, 0, 100);
  expect_sack(&c, p + 200U, 0, NULL);
  assert_int_equal(tt_rec.len, 200);
  assert_memory_equal(tt_rec.data, pattern, 200);
#else
  skip();
#endif
}

/* Every allocation of an out-of-order segment's processing fails in turn:
 * nothing leaks, and the connection still works after. */
static void oom_ooseq_every_allocation(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_SACK | TT_OPT_TS, 0);
  u32_t p = c.peer_nxt;
  for (u32_t n = 1; n <= 4; n++) {
    tt_fail_next_inject(n);
    peer_data(&c, 100U * n, 50);
    test_frames_clear(&tt_tn);
  }
  peer_data(&c, 0, 100);
  test_frames_clear(&tt_tn);
  /* Whatever was dropped, the peer sends it all again. */
  for (u32_t n = 1; n <= 4; n++) {
    peer_data(&c, 100U * n, 100);
    test_frames_clear(&tt_tn);
  }
  assert_int_equal(tt_rec.len, 500);
  assert_memory_equal(tt_rec.data, pattern, 500);
  assert_int_equal(pcb->rcv_nxt, p + 500U);
  assert_int_equal(pcb->ooseq_segs, 0);
#else
  skip();
#endif
}

/* The header of a retransmission cannot be allocated when the RTO fires:
 * counted, and the segment goes at the next timeout; the ACK then brings
 * the connection back to normal. */
static void oom_retransmission(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  send_bytes(&c, 0, 100);
#if LWIP_STATS
  u32_t nomem0 = DROPS(TCP_NO_MEM);
#endif
  test_clock_advance(199);
  lwip_alloc_fail_after(1);
  test_clock_advance(1);
  lwip_alloc_fail_after(0);
  tt_expect_nothing();
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_NO_MEM) - nomem0, 1);
#endif
  assert_int_equal(pcb->rto, 400);
  resend_atp(&c, 400, b, 100);
  tt_expect_nothing();
  peer_ack(&c, b + 100U);
  assert_null(pcb->unacked);
  assert_null(pcb->unsent);
  assert_int_equal(pcb->rto_due, 0);
  send_bytes(&c, 100, 100);
  peer_ack(&c, b + 200U);
  assert_int_equal(tt_rec.sent_total, 200);
#else
  skip();
#endif
}

/* A fast retransmission whose header cannot be allocated: the RTO still
 * recovers the segment. */
static void oom_fast_retransmission(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  struct tt_conn c;
  u32_t m = six_in_flight(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  peer_ack(&c, b);
  peer_ack(&c, b);
  tt_fail_next_inject(1);
  peer_ack(&c, b);
  tt_expect_nothing();
  assert_true(pcb->flags & TF_INFR);
  /* The RTO runs from the last transmission attempt. */
  u32_t w = wait_send(pcb->rto + 10U);
  assert_true(w <= pcb->rto);
  expect_data(&c, b, (u16_t)m);
  peer_ack(&c, b + 6U * m);
  assert_null(pcb->unacked);
  assert_int_equal(tt_rec.sent_total, 6U * m);
  assert_int_equal(pcb->state, ESTABLISHED);
#else
  skip();
#endif
}

/* ---------------------------------------------------------------------- */
/* Recovery corner cases                                                   */
/* ---------------------------------------------------------------------- */

/* Six segments, 0 and 3 lost; only two segments are SACKed above 3, so it
 * never counts as lost (IsLost).  After the partial ACK there is no new
 * data, and RFC 6675 4 NextSeg() rule 3 says the first unSACKed hole below
 * the highest SACKed octet SHOULD be sent (pipe 1 SMSS < cwnd) rather than
 * waiting for the RTO. */
static void sack_rule3_resends_tail_hole(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK);
  /* RFC 6675's DupThresh rules as written (the RACK-TLP cases are below). */
  assert_int_equal(tcp_set_loss_detection(TCP_LOSS_DUPTHRESH), ERR_OK);
  struct tt_conn c;
  u32_t m = est_flightp(&c, TT_OPT_SACK, 6, 6, 6);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  {
    const u32_t a[][2] = {BLK(1, 2)};
    peer_ack_sack(&c, b, 1, a);
  }
  {
    const u32_t a[][2] = {BLK(1, 3)};
    peer_ack_sack(&c, b, 1, a);
  }
  {
    const u32_t a[][2] = {BLK(4, 5), BLK(1, 3)};
    peer_ack_sack(&c, b, 2, a);
  }
  expect_data(&c, b, (u16_t)m);
  /* Segment 3 is above HighRxt and below the highest SACKed octet: rule 3
   * sends it now, while pipe (2 SMSS) leaves room in cwnd (3 SMSS). */
  {
    const u32_t a[][2] = {BLK(4, 6), BLK(1, 3)};
    peer_ack_sack(&c, b, 2, a);
  }
  expect_data(&c, b + 3U * m, (u16_t)m);
  tt_expect_nothing();
  /* The retransmission of 0 arrives: partial ACK up to the second hole,
   * whose retransmission is already on its way: nothing more to send. */
  {
    const u32_t a[][2] = {BLK(4, 6)};
    peer_ack_sack(&c, b + 3U * m, 1, a);
  }
  tt_expect_nothing();
  /* And its arrival ends recovery. */
  peer_ack(&c, b + 6U * m);
  assert_false(pcb->flags & TF_INFR);
}

/* RFC 6582 3.2 step 6: after a retransmission timeout recover = the
 * highest sequence number sent, and step 1: duplicate ACKs that do not
 * cover more than recover start no fast retransmit.  Here they are the
 * peer's answers to go-back-N duplicates of data it already had. */
static void no_fast_retransmit_after_rto_duplicates(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = est_flight(&c, TT_OPT_NONE, 4, 8, 4);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  /* 0 and 1 lost, 2 and 3 arrive; the peer's duplicate ACKs are lost. */
  resend_at(&c, 200, b, (u16_t)m);
  peer_ack(&c, b + m);
  expect_data(&c, b + m, (u16_t)m);
  expect_data(&c, b + 2U * m, (u16_t)m);
  /* 1 fills the hole: everything up to 4 SMSS acknowledged. */
  peer_ack(&c, b + 4U * m);
  test_frames_clear(&tt_tn);
  assert_non_null(pcb->unacked);
  /* The duplicate of 2 (and more go-back-N copies) produce dup ACKs.
   * Limited transmit (RFC 3042) may send new data; nothing is resent. */
  u32_t high = pcb->snd_max;
  peer_ack(&c, b + 4U * m);
  peer_ack(&c, b + 4U * m);
  peer_ack(&c, b + 4U * m);
  assert_false(pcb->flags & TF_INFR);
  struct tt_seg s;
  while (tt_pop(&s)) {
    assert_true(TCP_SEQ_GEQ(s.seq, high));
    high = s.seq + s.len;
  }
}

/* ---------------------------------------------------------------------- */
/* Recovery corner cases                                                   */
/* ---------------------------------------------------------------------- */


/* ---------------------------------------------------------------------- */
/* More timers: SYN-ACK, FIN, go-back-N                                    */
/* ---------------------------------------------------------------------- */

/* The passive side: the SYN-ACK is sent again after 1, 2, 4 and 8 s; the
 * handshake is given up TCP_SYN_RCVD_TIMEOUT_MS after it began, with a RST
 * and without telling the application (it never saw the connection). */
static void synack_backoff_and_timeout(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 0);
  struct tt_conn c;
  tt_conn_init(&c, TT_OPT_NONE, 4000);
  tt_send(&c, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  u32_t iss = s.seq;
  u32_t gap = TCP_RTO_INITIAL_MS;
  u32_t elapsed = 0;
  while (elapsed + gap < TCP_SYN_RCVD_TIMEOUT_MS) {
    fires_at(gap);
    tt_expect(TCP_SYN | TCP_ACK, iss, 4001, NULL);
    tt_expect_nothing();
    elapsed += gap;
    gap *= 2U;
  }
  assert_int_equal(elapsed, 15000);
  fires_at(TCP_SYN_RCVD_TIMEOUT_MS - elapsed);
  tt_expect(TCP_RST | TCP_ACK, iss + 1U, 4001, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(tt_rec.naccept, 0);
  assert_int_equal(tt_rec.nerr, 0);
}

/* Our FIN is retransmitted like data (RFC 9293 3.10.4 / RFC 6298), at
 * doubling intervals, until the peer acknowledges it. */
static void fin_retransmitted_with_backoff(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_fin_wait_1(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  u32_t rto = pcb->rto;
  for (unsigned k = 1; k <= 3; k++) {
    fires_at(rto);
    tt_expect(TCP_FIN | TCP_ACK, c.our_nxt - 1U, c.peer_nxt, NULL);
    tt_expect_nothing();
    rto *= 2U;
    assert_int_equal(pcb->rto, rto);
    assert_int_equal(pcb->state, FIN_WAIT_1);
  }
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(pcb->state, FIN_WAIT_2);
  assert_int_equal(pcb->rto_due, 0);
  test_clock_advance(10000);
  tt_expect_nothing();
}

/* After a timeout the queue is sent again from snd_una in order as the
 * window grows (go-back-N), then the data never sent follows. */
static void go_back_n_then_new_data(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = est_flight(&c, TT_OPT_NONE, 3, 6, 3);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  tt_expect_nothing();
  resend_at(&c, 200, b, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->snd_nxt, b + m);
  assert_int_equal(pcb->snd_max, b + 3U * m);
  assert_int_equal(pcb->ssthresh, 2U * m);
  /* cwnd 2 SMSS: 1 and 2 again. */
  peer_ack(&c, b + m);
  expect_data(&c, b + m, (u16_t)m);
  expect_data(&c, b + 2U * m, (u16_t)m);
  tt_expect_nothing();
  /* Congestion avoidance from here (cwnd = ssthresh): a whole cwnd of
   * bytes acknowledged adds one SMSS; 3, 4 and 5 are new. */
  peer_ack(&c, b + 3U * m);
  assert_int_equal(pcb->cwnd, 3U * m);
  assert_int_equal(pcb->bytes_acked, 0);
  expect_data(&c, b + 3U * m, (u16_t)m);
  expect_data(&c, b + 4U * m, (u16_t)m);
  expect_datap(&c, b + 5U * m, (u16_t)m);
  tt_expect_nothing();
  peer_ack(&c, b + 6U * m);
  assert_int_equal(tt_rec.sent_total, 6U * m);
  assert_null(pcb->unacked);
}

/* Refused data with out-of-order data queued behind a hole: the segment
 * filling the hole is held with everything it makes contiguous, all
 * acknowledged at once; once the application takes data again everything
 * arrives once, in order. */
static void recv_refused_with_ooseq(void **state)
{
  (void)state;
  NEED(LWIP_TCP_SACK);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_SACK, 0);
  u32_t p = c.peer_nxt;
  tt_rec.recv_ret = ERR_MEM;
  peer_data(&c, 0, 100);
  assert_non_null(pcb->refused_data);
  peer_data(&c, 200, 100);
  {
    const u32_t e[][2] = {{p + 200U, p + 300U}};
    expect_sack(&c, p + 100U, 1, e);
  }
  assert_int_equal(pcb->ooseq_segs, 1);
  peer_data(&c, 100, 100); /* fills the hole while the application refuses */
  expect_sack(&c, p + 300U, 0, NULL);
  assert_int_equal(tt_rec.nrecv, 0);
  assert_int_equal(pcb->rcv_nxt, p + 300U);
  assert_int_equal(pcb->ooseq_segs, 0);
  tt_rec.recv_ret = ERR_OK;
  test_clock_advance(TCP_REFUSED_RETRY_MS);
  assert_int_equal(tt_rec.len, 300);
  assert_memory_equal(tt_rec.data, pattern, 300);
  assert_null(pcb->rcv_held);
  /* A copy from the peer is old now: acknowledged at once, with the copy
   * as a D-SACK block (RFC 2883), and not delivered again. */
  test_frames_clear(&tt_tn);
  peer_data(&c, 100, 100);
  {
    const u32_t d[][2] = {{p + 100U, p + 200U}};
    expect_sack(&c, p + 300U, 1, d);
  }
  assert_int_equal(tt_rec.len, 300);
  tt_expect_nothing();
}

/* After a timeout go-back-N resends from snd_una, but an ACK we send
 * carries SND.NXT, the highest sequence number sent (RFC 9293 3.10.7.4),
 * not the rewound one: a peer that has more than snd_una would discard an
 * ACK numbered below it unread.  Seen live as a stall under loss: each
 * side's ACKs failed the other's sequence check. */
static void ack_after_rto_numbered_from_snd_max(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = est_flightp(&c, TT_OPT_NONE, 4, 2, 2);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  test_clock_advance(pcb->rto);
  expect_data(&c, b, (u16_t)m); /* go-back-N: snd_nxt is b + m now */
  tt_expect_nothing();
  static const u8_t junk[10];
  tt_inject(&c, TCP_ACK, c.peer_nxt + 0x100000U, b, NULL, junk, sizeof(junk)); /* out of window: ACK at once */
  tt_expect(TCP_ACK, b + 2U * m, c.peer_nxt, NULL);
  tt_expect_nothing();
}

/* A pure ACK numbered at the right edge of the window we advertised (a
 * peer that filled it) is taken for its ACK field, though the letter of
 * 3.10.7.4 wants SEG.SEQ below the edge ("special allowance ... to accept
 * valid ACKs"); an RST there is still out of window (RFC 5961 3.2). */
static void ack_at_right_edge_accepted(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = est_active(&c, TT_OPT_NONE, 0);
  u32_t b = base_of(&c);
  send_bytes(&c, 0, 100);
  u32_t edge = pcb->rcv_ann_right_edge;
  assert_true(TCP_SEQ_GT(edge, pcb->rcv_nxt));
  tt_inject(&c, TCP_ACK, edge, b + 100U, NULL, NULL, 0);
  assert_int_equal(pcb->snd_una, b + 100U);
  tt_expect_nothing();
  tt_inject(&c, TCP_RST, edge, 0, NULL, NULL, 0);
  assert_int_equal(pcb->state, ESTABLISHED);
}

/* ---------------------------------------------------------------------- */
/* RACK-TLP (RFC 8985) and PRR (RFC 6937)                                  */
/* ---------------------------------------------------------------------- */

#if LWIP_TCP_RACK
/* The peer acknowledges @p ack with one SACK block [@p l, @p r). */
static void peer_sack_one(struct tt_conn *c, u32_t ack, u32_t l, u32_t r)
{
  const u32_t blk[][2] = {{l, r}};
  peer_ack_sack(c, ack, 1, blk);
}

/* An established SACK connection whose handshake took @p rtt ms (so
 * RACK's min_RTT and SRTT start there), cwnd @p cwnd_segs SMSS, @p nwrite
 * segments written and the first @p nsent of them expected.  @return the
 * SMSS. */
static u32_t rack_flight_at(const char *file, int line, struct tt_conn *c, u32_t rtt, u32_t cwnd_segs, u32_t nwrite,
                            u32_t nsent)
{
  NEED(nwrite * SEG_MSS <= TCP_SND_BUF && nwrite * SEG_MSS <= 0xffffU);
  est_active(c, TT_OPT_SACK, rtt);
  c->pcb->cwnd = cwnd_segs * c->pcb->mss;
  write_segs_at(file, line, c, nwrite, nsent, nwrite == nsent);
  return c->pcb->mss;
}
#define rack_flight(c, rtt, cwnd_segs, nwrite, nsent)                                                              \
  rack_flight_at(__FILE__, __LINE__, (c), (rtt), (cwnd_segs), (nwrite), (nsent))

/* One SACKed segment marks the one sent before it lost once the
 * reordering window (min_RTT / 4) has passed on top of RACK.rtt, from the
 * reordering timer: no three duplicates needed (RFC 8985 6.2, 6.3). */
static void rack_loss_after_reordering_window(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = rack_flight(&c, 8, 4, 4, 4);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  test_clock_advance(8);
  peer_sack_one(&c, b, b + m, b + 2U * m);
  tt_expect_nothing();
  assert_int_equal(pcb->rack_rtt, 8);
  assert_int_equal(tcp_rack_reo_wnd(pcb), 2);
  assert_int_not_equal(pcb->rack_due, 0);
  assert_false(pcb->flags & TF_INFR);
  test_clock_advance(1);
  tt_expect_nothing(); /* still inside the window */
  test_clock_advance(10);
  expect_data(&c, b, (u16_t)m);
  tt_expect_nothing();
  assert_true(pcb->flags & TF_INFR);
  assert_int_equal(pcb->rack_lost_total, 1);
  assert_int_equal(pcb->ssthresh, 2U * m);
  peer_ack(&c, b + 4U * m);
  assert_false(pcb->flags & TF_INFR);
  assert_null(pcb->unacked);
  /* RFC 6937 3: recovery ends with cwnd = ssthresh, even with nothing
   * left in flight (not RFC 6582's FlightSize + SMSS, one segment). */
  assert_int_equal(pcb->cwnd, 2U * m);
}

/* A lost retransmission is found by time, without a timeout: a segment
 * sent after it is SACKed one RACK.rtt later (RFC 8985 6.2 step 5), and
 * PRR's slow-start bound lets the retransmission and new data go. */
static void rack_lost_retransmission(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = rack_flight(&c, 10, 4, 6, 4);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  test_clock_advance(10);
  peer_sack_one(&c, b, b + m, b + 4U * m);
  /* Three SACKed: no reordering window (6.2 step 4), 0 is lost now.
   * pipe 0 < ssthresh 2 SMSS: PRR-SSRB allows two segments. */
  expect_data(&c, b, (u16_t)m);
  expect_data(&c, b + 4U * m, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->ssthresh, 2U * m);
  assert_int_equal(pcb->cwnd, 2U * m);
  assert_int_equal(pcb->prr_out, 2U * m);
  test_clock_advance(10);
  peer_sack_one(&c, b, b + m, b + 5U * m);
  /* Segment 4, sent with the retransmission, arrived; the retransmission
   * did not: lost again, resent, and the last new segment goes too. */
  expect_data(&c, b, (u16_t)m);
  expect_datap(&c, b + 5U * m, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->rack_lost_total, 2);
  assert_int_equal(pcb->nrtx, 0); /* no timeout */
  peer_ack(&c, b + 6U * m);
  assert_false(pcb->flags & TF_INFR);
  assert_null(pcb->unacked);
}

/* A retransmission sent in the same clock tick as new data, but after
 * it, is not taken for the older of the two: when the new data is SACKed
 * first (it went first), the retransmission is not marked lost again.
 * RACK orders transmissions by number, not by time and sequence number,
 * which a millisecond clock cannot tell apart. */
static void rack_same_tick_retransmission(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = rack_flight(&c, 10, 5, 9, 5);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  test_clock_advance(10);
  peer_ack(&c, b + m);
  expect_segs(&c, 5, 2); /* slow start: cwnd 6 SMSS */
  peer_sack_one(&c, b + m, b + 2U * m, b + 5U * m);
  /* Same tick: three SACKed above segment 1, lost; its retransmission
   * goes after the new segments 5 and 6. */
  expect_data(&c, b + m, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->rack_lost_total, 1);
  test_clock_advance(10);
  peer_sack_one(&c, b + m, b + 2U * m, b + 7U * m);
  /* 5 and 6 arrived; the retransmission, sent after them, is on its way:
   * PRR lets new data go, and segment 1 is not resent. */
  expect_data(&c, b + 7U * m, (u16_t)m);
  expect_datap(&c, b + 8U * m, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->rack_lost_total, 1);
  peer_ack(&c, b + 9U * m);
  assert_false(pcb->flags & TF_INFR);
  assert_int_equal(pcb->rtx_total, 1);
}

/* Reordering inside the window costs no retransmission, and is noticed
 * (6.2 step 3): the window then has a floor of one clock tick. */
static void rack_reordering_tolerated(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = rack_flight(&c, 8, 4, 4, 4);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  test_clock_advance(8);
  peer_sack_one(&c, b, b + m, b + 2U * m);
  tt_expect_nothing();
  test_clock_advance(1);
  peer_ack(&c, b + 2U * m); /* segment 0 was late, not lost */
  tt_expect_nothing();
  assert_true(pcb->rack_flags & RACK_REORDER_SEEN);
  assert_int_equal(tcp_rack_reo_wnd(pcb), 2); /* min_RTT 8 / 4 */
  peer_ack(&c, b + 4U * m);
  assert_null(pcb->unacked);
  test_clock_advance(50);
  tt_expect_nothing();
  assert_int_equal(pcb->rack_lost_total, 0);
  assert_int_equal(pcb->rtx_total, 0);
  assert_false(pcb->flags & TF_INFR);
}

/* PRR's proportional part (RFC 6937 3): with pipe above ssthresh, the
 * sender sends ssthresh / RecoverFS of what is delivered, rounded up;
 * the fast retransmit goes at once. */
static void prr_proportional_rate(void **state)
{
  (void)state;
  NEED(12U * SEG_MSS <= TCP_SND_BUF && 12U * SEG_MSS <= 0xffffU);
  struct tt_conn c;
  u32_t m = rack_flight(&c, 10, 10, 12, 10);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  test_clock_advance(10);
  peer_sack_one(&c, b, b + m, b + 4U * m);
  /* RecoverFS 10, ssthresh 5, delivered 3, pipe 6: ceil(3 * 5 / 10) =
   * 1.5 SMSS may go: the retransmission of 0. */
  assert_int_equal(pcb->prr_recover_fs, 10U * m);
  assert_int_equal(pcb->ssthresh, 5U * m);
  assert_int_equal(pcb->cwnd, 6U * m + (3U * m * 5U + 9U) / 10U);
  expect_data(&c, b, (u16_t)m);
  tt_expect_nothing();
  peer_sack_one(&c, b, b + m, b + 5U * m);
  /* Delivered 4 SMSS in all: 2 SMSS allowed, 1 sent: one new segment. */
  assert_int_equal(pcb->prr_delivered, 4U * m);
  expect_data(&c, b + 10U * m, (u16_t)m);
  tt_expect_nothing();
  peer_sack_one(&c, b, b + m, b + 6U * m);
  /* 5 delivered: ceil(2.5) SMSS - 2 sent = 0.5 SMSS: nothing whole. */
  tt_expect_nothing();
  peer_sack_one(&c, b, b + m, b + 7U * m);
  /* pipe fell to ssthresh (5 SMSS): the slow-start bound takes over and
   * allows ssthresh - pipe = 0. */
  tt_expect_nothing();
  peer_sack_one(&c, b, b + m, b + 8U * m);
  /* pipe 4 SMSS: one segment brings it back to ssthresh. */
  assert_int_equal(pcb->cwnd, 5U * m);
  expect_datap(&c, b + 11U * m, (u16_t)m);
  tt_expect_nothing();
  peer_ack(&c, b + 12U * m);
  assert_false(pcb->flags & TF_INFR);
}

/* Recovery started by the reordering timer, with nothing delivered:
 * every segment sent before the SACKed one is lost, and the window may
 * be refilled up to ssthresh at once (RFC 6675 5 step 4), not one
 * segment: a single retransmission lost in turn would leave only the RTO. */
static void prr_timer_start_fills_to_ssthresh(void **state)
{
  (void)state;
  struct tt_conn c;
  u32_t m = rack_flight(&c, 8, 6, 6, 6);
  struct tcp_pcb *pcb = c.pcb;
  u32_t b = base_of(&c);
  test_clock_advance(8);
  peer_sack_one(&c, b, b + 5U * m, b + 6U * m);
  tt_expect_nothing(); /* the reordering window, 2 ms */
  test_clock_advance(10);
  assert_true(pcb->flags & TF_INFR);
  assert_int_equal(pcb->ssthresh, 3U * m);
  expect_data(&c, b, (u16_t)m);
  expect_data(&c, b + m, (u16_t)m);
  expect_data(&c, b + 2U * m, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->rack_lost_total, 5);
  peer_ack(&c, b + 6U * m);
  assert_false(pcb->flags & TF_INFR);
}

/* A lost tail: with nothing new to send, the probe resends the last
 * segment after 2 SRTT (RFC 8985 7.2, 7.3), long before the RTO; cwnd is
 * untouched.  An ACK past the probe without a D-SACK means it repaired a
 * loss: ssthresh comes down once (7.4.2). */
static void tlp_resends_lost_tail(void **state)
{
  (void)state;
  NEED(4U * SEG_MSS <= TCP_SND_BUF);
  struct tt_conn c;
  est_active(&c, TT_OPT_SACK, 20);
  struct tcp_pcb *pcb = c.pcb;
  u32_t m = pcb->mss;
  u32_t b = base_of(&c);
  pcb->cwnd = 4U * m;
  write_out(&c, 0, 2U * m);
  expect_segsp(&c, 0, 2);
  tt_expect_nothing();
  assert_int_equal(pcb->srtt8, 8U * 20U);
  test_clock_advance(39);
  tt_expect_nothing();
  test_clock_advance(11);
  expect_datap(&c, b + m, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->tlp_total, 1);
  assert_true(pcb->rack_flags & TLP_ACTIVE);
  assert_int_equal(pcb->cwnd, 4U * m);
  assert_int_equal(pcb->nrtx, 0);
  peer_ack(&c, b + 2U * m);
  assert_true(pcb->rack_flags & TLP_ACTIVE); /* exactly the probe: a D-SACK may follow */
  send_bytes(&c, 2U * m, (u16_t)m);
  peer_ack(&c, b + 3U * m);
  assert_false(pcb->rack_flags & TLP_ACTIVE);
  assert_int_equal(pcb->tlp_repaired, 1);
  assert_true(pcb->ssthresh < 0x7fffffffU);
}

/* A D-SACK for the probe shows the original arrived: no congestion
 * response, and RACK's reordering window grows (7.4.1, 6.2 step 4). */
static void tlp_spurious_by_dsack(void **state)
{
  (void)state;
  NEED(4U * SEG_MSS <= TCP_SND_BUF);
  struct tt_conn c;
  est_active(&c, TT_OPT_SACK, 20);
  struct tcp_pcb *pcb = c.pcb;
  u32_t m = pcb->mss;
  u32_t b = base_of(&c);
  pcb->cwnd = 4U * m;
  write_out(&c, 0, 2U * m);
  expect_segsp(&c, 0, 2);
  test_clock_advance(50);
  expect_datap(&c, b + m, (u16_t)m);
  peer_ack(&c, b + 2U * m);
  {
    const u32_t d[][2] = {{b + m, b + 2U * m}};
    peer_ack_sack(&c, b + 2U * m, 1, d);
  }
  assert_false(pcb->rack_flags & TLP_ACTIVE);
  assert_int_equal(pcb->tlp_repaired, 0);
  assert_int_equal(pcb->dsack_total, 1);
  assert_int_equal(pcb->rack_reo_mult, 2);
  assert_int_equal(pcb->ssthresh, 0x7fffffffU);
}

/* When cwnd holds new data back, the probe is new data, beyond cwnd
 * (7.3). */
static void tlp_sends_new_data(void **state)
{
  (void)state;
  NEED(4U * SEG_MSS <= TCP_SND_BUF);
  struct tt_conn c;
  est_active(&c, TT_OPT_SACK, 20);
  struct tcp_pcb *pcb = c.pcb;
  u32_t m = pcb->mss;
  u32_t b = base_of(&c);
  pcb->cwnd = 2U * m;
  write_out(&c, 0, 3U * m);
  expect_segs(&c, 0, 2);
  tt_expect_nothing();
  test_clock_advance(50);
  expect_datap(&c, b + 2U * m, (u16_t)m);
  tt_expect_nothing();
  assert_int_equal(pcb->tlp_total, 1);
  assert_false(pcb->rack_flags & TLP_RETRANS);
  assert_int_equal(pcb->cwnd, 2U * m);
  peer_ack(&c, b + 3U * m);
  assert_false(pcb->rack_flags & TLP_ACTIVE);
  assert_int_equal(pcb->tlp_repaired, 0);
}

/* The loss detection can be switched back to RFC 6675 (and RACK refused
 * in a build without it). */
static void loss_detection_setting(void **state)
{
  (void)state;
  assert_int_equal(tcp_get_loss_detection(), TCP_LOSS_RACK);
  assert_int_equal(tcp_set_loss_detection(TCP_LOSS_DUPTHRESH), ERR_OK);
  assert_int_equal(tcp_get_loss_detection(), TCP_LOSS_DUPTHRESH);
  assert_int_equal(tcp_set_loss_detection((enum tcp_loss_detection)7), ERR_VAL);
  assert_int_equal(tcp_get_loss_detection(), TCP_LOSS_DUPTHRESH);
}
#endif /* LWIP_TCP_RACK */

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_setup, tt_teardown)
    T(syn_backoff_and_give_up),
    T(syn_lost_once_rto_three_seconds),
    T(rto_from_samples),
    T(rto_minimum),
    T(rto_backoff_and_give_up),
    T(karn_no_sample_from_retransmission),
    T(timestamps_sample_retransmission),
    T(timestamps_bogus_echo_no_sample),
    T(timestamps_echo_of_original_no_sample),
    T(partial_ack_of_sacked_segment),
    T(partial_ack_leaves_fin_counted),
    T(rto_restarted_on_new_ack),
    T(fast_retransmit_on_third_dupack),
    T(dupack_definition),
    T(newreno_partial_ack),
    T(limited_transmit),
    T(sack_recovery_several_holes),
    T(sack_bogus_blocks_ignored),
    T(sack_rto_clears_scoreboard),
    T(sack_sent_for_out_of_order_data),
    T(sack_sent_three_blocks_with_timestamps),
    T(sack_none_after_hole_filled),
    T(cc_initial_window),
    T(cc_slow_start_abc),
    T(cc_congestion_avoidance),
    T(cc_rto_reaction),
    T(ws_peer_shift_limit),
    T(ws_none_window_capped),
    T(ws_right_edge_and_receiver_sws),
    T(zero_window_probes_and_resume),
    T(user_timeout_resets_silent_peer),
    T(progress_restarts_user_timeout),
    T(orphan_in_zero_window_gives_up),
    T(own_user_timeout_ends_zero_window),
    T(small_window_filled_at_persist_time),
    T(ooseq_segment_limit),
    T(no_ooseq_drops_with_dup_ack),
    T(no_ooseq_acks_the_gap_at_once),
    T(ooseq_bytes_within_window),
    T(ooseq_overlaps_trimmed),
    T(delayed_ack_timing),
    T(recv_refused_offered_again),
    T(recv_refused_then_fin),
    T(wrap_loss_and_sack),
    T(write_err_mem_send_buffer),
    T(write_err_mem_queue_limit),
    T(oom_ooseq_insert),
    T(oom_ooseq_every_allocation),
    T(oom_retransmission),
    T(oom_fast_retransmission),
    T(synack_backoff_and_timeout),
    T(fin_retransmitted_with_backoff),
    T(go_back_n_then_new_data),
    T(recv_refused_with_ooseq),
    T(limited_transmit_not_in_ssthresh),
    T(hole_fill_acks_everything),
    T(sack_rule3_resends_tail_hole),
    T(no_fast_retransmit_after_rto_duplicates),
    T(sack_sent_repeats_most_recent),
    T(ack_after_rto_numbered_from_snd_max),
    T(ack_at_right_edge_accepted),
#if LWIP_TCP_RACK
    T(rack_loss_after_reordering_window),
    T(rack_lost_retransmission),
    T(rack_same_tick_retransmission),
    T(rack_reordering_tolerated),
    T(prr_proportional_rate),
    T(prr_timer_start_fills_to_ssthresh),
    T(tlp_resends_lost_tail),
    T(tlp_spurious_by_dsack),
    T(tlp_sends_new_data),
    T(loss_detection_setting),
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
