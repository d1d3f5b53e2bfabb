/*
 * TCP trace events (lwip/tcp_trace.h) on the virtual clock: the kinds and
 * fields a handshake, a retransmission by timeout and a close produce, and
 * silence without a hook.
 */
#include "test_tcp_common.h"

#include <string.h>

#include "lwip/sys.h"
#include "lwip/tcp_trace.h"

#if LWIP_TCP && LWIP_TCP_TRACE

#define REC_MAX 256
static struct tcp_trace_event rec[REC_MAX];
static size_t nrec;
static int hook_arg;
static bool arg_ok;

static void rec_hook(const struct tcp_trace_event *ev, void *arg)
{
  arg_ok = arg == &hook_arg;
  if (nrec < REC_MAX) {
    rec[nrec] = *ev;
  }
  nrec++;
}

static int trace_setup(void **state)
{
  int r = tt_setup(state);
  nrec = 0;
  arg_ok = false;
  tcp_set_trace_hook(rec_hook, &hook_arg);
  return r;
}

static int trace_teardown(void **state)
{
  tcp_set_trace_hook(NULL, NULL);
  return tt_teardown(state);
}

static void drain(void)
{
  struct tt_seg s;
  while (tt_pop(&s)) {
  }
}

/* The index of the first event of @p kind at or after @p from, failing the
 * test when there is none. */
static size_t find_at(const char *file, int line, size_t from, enum tcp_trace_kind kind)
{
  for (size_t i = from; i < nrec && i < REC_MAX; i++) {
    if (rec[i].kind == kind) {
      return i;
    }
  }
  print_error("no %s event at or after #%zu (of %zu)\n", tcp_trace_kind_name(kind), from, nrec);
  _fail(file, line);
  return 0;
}
#define find(from, kind) find_at(__FILE__, __LINE__, (from), (kind))

static size_t count_kind(enum tcp_trace_kind kind)
{
  size_t n = 0;
  for (size_t i = 0; i < nrec && i < REC_MAX; i++) {
    n += rec[i].kind == kind;
  }
  return n;
}

/* Every event carries the connection's 4-tuple and a snapshot. */
static void check_tuple(const struct tt_conn *c)
{
  ip4_addr_t peer, us;
  assert_true(ip4addr_aton(TT_PEER_IP, &peer));
  assert_true(ip4addr_aton(TT_OUR_IP, &us));
  for (size_t i = 0; i < nrec && i < REC_MAX; i++) {
    assert_int_equal(rec[i].local_port, c->our_port);
    assert_int_equal(rec[i].remote_port, c->peer_port);
    assert_true(ip4_addr_eq(ip_2_ip4(&rec[i].remote_ip), &peer));
    assert_true(ip4_addr_eq(ip_2_ip4(&rec[i].local_ip), &us));
  }
}

/* Active open: CLOSED -> SYN_SENT, the SYN sent, the SYN-ACK's RTT sample,
 * SYN_SENT -> ESTABLISHED, the controller's first cwnd, the ACK. */
static void handshake_events(void **state)
{
  (void)state;
  struct tt_conn c;
  test_clock_advance(7);
  u32_t t0 = sys_now();
  setup_established_active(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  assert_true(arg_ok);
  check_tuple(&c);
  size_t i = find(0, TCP_TRACE_STATE);
  assert_int_equal(i, 0);
  assert_int_equal(rec[i].old_state, CLOSED);
  assert_int_equal(rec[i].state, SYN_SENT);
  assert_int_equal(rec[i].time_ms, t0);
  i = find(i, TCP_TRACE_SEND);
  assert_int_equal(rec[i].seq, c.our_iss);
  assert_int_equal(rec[i].len, 0);
  assert_int_equal(rec[i].snd_una, c.our_iss);
  i = find(i + 1, TCP_TRACE_STATE);
  assert_int_equal(rec[i].old_state, SYN_SENT);
  assert_int_equal(rec[i].state, ESTABLISHED);
  i = find(i, TCP_TRACE_CWND);
  assert_int_equal(rec[i].cwnd, pcb->cwnd);
  assert_int_equal(rec[i].ssthresh, pcb->ssthresh);
  i = find(i, TCP_TRACE_ACK);
  assert_int_equal(rec[i].snd_una, c.our_iss + 1U);
  assert_int_equal(rec[i].snd_nxt, c.our_iss + 1U);
  assert_int_equal(rec[i].pipe, 0);
  assert_int_equal(rec[i].rcv_wnd, pcb->rcv_wnd);
  assert_int_equal(rec[i].snd_wnd, pcb->snd_wnd);
  assert_int_equal(count_kind(TCP_TRACE_RETRANSMIT), 0);
  assert_int_equal(count_kind(TCP_TRACE_RECOVERY_ENTER), 0);
  /* No change of cwnd, no second CWND event: one more ACK of nothing new
   * is no event at all (not a duplicate ACK with nothing outstanding). */
  size_t before = nrec;
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(nrec, before);
}

/* Data sent, lost, resent by the retransmission timer (RFC 6298 5.4-5.5),
 * acknowledged: SEND, RECOVERY_ENTER (rto) with cwnd at one segment,
 * RETRANSMIT of the same bytes, then ACK and RECOVERY_EXIT (rto). */
static void rto_events(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  static const u8_t data[100] = {1, 2, 3};
  nrec = 0;
  assert_int_equal(tcp_write(pcb, data, sizeof(data), TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(pcb), ERR_OK);
  drain();
  u32_t b = c.our_nxt;
  assert_int_equal(nrec, 1);
  assert_int_equal(rec[0].kind, TCP_TRACE_SEND);
  assert_int_equal(rec[0].seq, b);
  assert_int_equal(rec[0].len, 100);
  /* In flight is counted after the segment is queued: the SEND shows the
   * state just before it left. */
  u32_t rto = pcb->rto;
  test_clock_advance(rto - 1U);
  assert_int_equal(nrec, 1);
  test_clock_advance(1);
  drain();
  size_t i = find(1, TCP_TRACE_RECOVERY_ENTER);
  assert_int_equal(rec[i].reason, TCP_TRACE_REASON_RTO);
  assert_int_equal(rec[i].cwnd, pcb->mss);
  assert_int_equal(rec[i].rto_ms, 2U * rto);
  i = find(i, TCP_TRACE_RETRANSMIT);
  assert_int_equal(rec[i].seq, b);
  assert_int_equal(rec[i].len, 100);
  assert_int_equal(rec[i].time_ms, sys_now());
  assert_int_equal(count_kind(TCP_TRACE_RETRANSMIT), 1);
  size_t mark = nrec;
  tt_inject(&c, TCP_ACK, c.peer_nxt, b + 100U, NULL, NULL, 0);
  drain();
  i = find(mark, TCP_TRACE_ACK);
  assert_int_equal(rec[i].snd_una, b + 100U);
  assert_int_equal(rec[i].pipe, 0);
  i = find(i, TCP_TRACE_RECOVERY_EXIT);
  assert_int_equal(rec[i].reason, TCP_TRACE_REASON_RTO);
  check_tuple(&c);
}

/* Active close through TIME_WAIT: every transition is an event, in order,
 * and the FIN goes out as a SEND of no data. */
static void close_events(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_time_wait(&c, TT_OPT_ALL);
  check_tuple(&c);
  static const enum tcp_state want[][2] = {{CLOSED, SYN_SENT},
                                           {SYN_SENT, ESTABLISHED},
                                           {ESTABLISHED, FIN_WAIT_1},
                                           {FIN_WAIT_1, FIN_WAIT_2},
                                           {FIN_WAIT_2, TIME_WAIT}};
  size_t i = 0;
  for (size_t k = 0; k < LWIP_ARRAYSIZE(want); k++) {
    i = find(i, TCP_TRACE_STATE);
    assert_int_equal(rec[i].old_state, want[k][0]);
    assert_int_equal(rec[i].state, want[k][1]);
    if (want[k][1] == FIN_WAIT_1) {
      size_t f = find(i, TCP_TRACE_SEND);
      assert_int_equal(rec[f].len, 0);
      assert_int_equal(rec[f].seq, c.our_nxt - 1U);
    }
    i++;
  }
  assert_int_equal(count_kind(TCP_TRACE_STATE), LWIP_ARRAYSIZE(want));
  /* With timestamps the handshake gave an RTT sample. */
  i = find(0, TCP_TRACE_RTT);
  assert_int_equal(rec[i].srtt_ms, rec[i].rtt_ms);
  assert_true(rec[i].rto_ms >= TCP_RTO_MIN_MS);
}

/* Without a hook nothing is emitted: a whole connection with a timeout
 * leaves the recorder untouched once the hook is removed. */
static void no_hook_no_events(void **state)
{
  (void)state;
  tcp_set_trace_hook(NULL, NULL);
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  static const u8_t data[10];
  assert_int_equal(tcp_write(c.pcb, data, sizeof(data), TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(c.pcb), ERR_OK);
  test_clock_advance(c.pcb->rto);
  drain();
  assert_int_equal(nrec, 0);
  /* And installing it again brings them back. */
  tcp_set_trace_hook(rec_hook, &hook_arg);
  test_clock_advance(c.pcb->rto);
  drain();
  assert_true(nrec > 0);
  assert_int_equal(count_kind(TCP_TRACE_RETRANSMIT), 1);
}

static void names(void **state)
{
  (void)state;
  assert_string_equal(tcp_trace_kind_name(TCP_TRACE_RECOVERY_ENTER), "recovery_enter");
  assert_string_equal(tcp_trace_kind_name(TCP_TRACE_KIND_COUNT), "?");
  assert_string_equal(tcp_trace_reason_name(TCP_TRACE_REASON_TLP), "tlp");
  assert_string_equal(tcp_trace_reason_name(TCP_TRACE_REASON_COUNT), "?");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, trace_setup, trace_teardown)
      T(handshake_events), T(rto_events), T(close_events), T(no_hook_no_events), T(names),
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
