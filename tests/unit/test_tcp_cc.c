/*
 * Congestion control (core/tcp_cc.c) on the virtual clock: the initial
 * window rules (RFC 5681 3.1, RFC 6928), CUBIC's window curve (RFC 9438
 * 4.2-4.8) driven through the controller interface with a paced ACK clock,
 * and choosing a controller per connection and by default.
 */
#include "test_common.h"
#include "test_tcp_common.h"

#include "lwip/priv/tcp_priv.h"

#define MSS 1460U

static void iw_rules(void **state)
{
  (void)state;
  assert_int_equal(tcp_get_initial_window(), TCP_IW_RFC5681);
  assert_int_equal(tcp_cc_initial_window(1460), 3U * 1460U);
  assert_int_equal(tcp_cc_initial_window(536), 4U * 536U);
  assert_int_equal(tcp_cc_initial_window(9000), 2U * 9000U);
  tcp_set_initial_window(TCP_IW_RFC6928);
  assert_int_equal(tcp_cc_initial_window(1460), 14600U);
  assert_int_equal(tcp_cc_initial_window(536), 5360U);   /* 10 segments */
  assert_int_equal(tcp_cc_initial_window(9000), 18000U); /* max(2 * MSS, 14600) */
  tcp_set_initial_window(TCP_IW_RFC5681);
}

/* The initial window reaches a connection: ten segments go out at once. */
static void iw10_on_a_connection(void **state)
{
  (void)state;
  tcp_set_initial_window(TCP_IW_RFC6928);
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  assert_int_equal(c.pcb->cwnd, tcp_cc_initial_window(c.pcb->mss));
  tcp_set_initial_window(TCP_IW_RFC5681);
}

#if LWIP_TCP_CUBIC
/* A PCB the controller can work on, outside any table. */
static void cubic_pcb(struct tcp_pcb *p, u32_t cwnd_segs, u32_t srtt_ms)
{
  memset(p, 0, sizeof(*p));
  p->cc = &tcp_cc_cubic;
  p->mss = MSS;
  p->flags = TF_SACK;
  p->srtt8 = srtt_ms * 8U;
  tcp_cc_cubic.init(p);
  p->cwnd = cwnd_segs * MSS;
  p->ssthresh = p->cwnd; /* out of slow start */
}

/* One RTT of ACKs: a window's worth acknowledged, a segment per ACK. */
static void ack_rtt(struct tcp_pcb *p, u32_t rtt_ms)
{
  u32_t segs = p->cwnd / MSS;
  for (u32_t i = 0; i < segs; i++) {
    p->cc->on_ack(p, MSS);
  }
  test_clock_advance(rtt_ms);
}

/* RFC 9438 4.2: after a reduction to beta * W_max the window grows back
 * along W(t) = C (t - K)^3 + W_max: concave, a plateau at W_max around
 * t = K = cbrt(W_max (1 - beta) / C), convex after. */
static void cubic_curve(void **state)
{
  (void)state;
  struct tcp_pcb p;
  /* A long RTT, so the cubic curve leads the Reno-friendly estimate
   * (which grows 0.53 segments per RTT, 4.3) the whole time. */
  const u32_t rtt = 100;
  cubic_pcb(&p, 100, rtt);
  p.cc->on_recovery(&p);
  assert_int_equal(p.cc_wmax, 100U * MSS);
  assert_int_equal(p.ssthresh, 70U * MSS);
  assert_int_equal(p.cwnd, 70U * MSS);
  p.cc->on_recovery_end(&p); /* flight (0 here) + MSS: ACKs then raise it again */
  p.cwnd = p.ssthresh;
  /* K = cbrt(30 / 0.4) s = 4.217 s. */
  u32_t t = 0, at_half_k = 0, at_k = 0, at_2k = 0;
  while (t < 9000) {
    ack_rtt(&p, rtt);
    t += rtt;
    if (t == 2100) {
      at_half_k = p.cwnd;
    } else if (t == 4200) {
      at_k = p.cwnd;
    } else if (t == 8400) {
      at_2k = p.cwnd;
    }
  }
  assert_int_equal(p.cc_k_ms, 4217);
  /* Concave: most of the way back by K / 2 (W(K/2) = W_max - C (K/2)^3 =
   * 100 - 3.75 segments), under W_max. */
  assert_true(at_half_k > 94U * MSS && at_half_k < 100U * MSS);
  /* The plateau: W_max within a segment or two (one RTT ahead). */
  assert_true(at_k >= 99U * MSS && at_k <= 102U * MSS);
  /* Convex: W(2K) = W_max + 30 segments. */
  assert_true(at_2k > 125U * MSS && at_2k < 136U * MSS);
  /* Never more than 1.5 cwnd a round: checked by one more RTT. */
  u32_t before = p.cwnd;
  ack_rtt(&p, rtt);
  assert_true(p.cwnd <= before * 3U / 2U);
}

/* RFC 9438 4.7 fast convergence: a second event below the last W_max
 * remembers (1 + beta) / 2 of the window; 4.6 ssthresh = beta cwnd. */
static void cubic_fast_convergence(void **state)
{
  (void)state;
  struct tcp_pcb p;
  cubic_pcb(&p, 100, 10);
  p.cc->on_recovery(&p);
  p.cwnd = 80U * MSS;
  p.cc->on_recovery(&p);
  assert_int_equal(p.cc_wmax, 68U * MSS); /* 80 * 0.85 */
  assert_int_equal(p.ssthresh, 56U * MSS);
  /* A timeout: one segment, ssthresh by beta once (4.8). */
  p.cwnd = 40U * MSS;
  p.nrtx = 1;
  p.cc->on_rto(&p);
  assert_int_equal(p.cwnd, MSS);
  assert_int_equal(p.ssthresh, 28U * MSS);
  p.nrtx = 2; /* the same data timing out again: no second halving */
  p.cc->on_rto(&p);
  assert_int_equal(p.ssthresh, 28U * MSS);
  /* Slow start below ssthresh, as Reno (RFC 3465 ABC). */
  p.cc->on_ack(&p, 4U * MSS);
  assert_int_equal(p.cwnd, 3U * MSS);
}

/* RFC 9438 4.3: with a long K and a short RTT the Reno-friendly estimate
 * can lead; cwnd follows the larger of the two, never less than Reno. */
static void cubic_reno_friendly(void **state)
{
  (void)state;
  struct tcp_pcb p;
  cubic_pcb(&p, 20, 1);
  p.cc_wmax = 20U * MSS;
  p.cc->on_recovery(&p);
  p.cwnd = p.ssthresh;
  u32_t start = p.cwnd;
  for (int i = 0; i < 100; i++) {
    ack_rtt(&p, 1);
  }
  /* 100 RTTs of Reno-friendly growth: about alpha (0.53) segments each. */
  assert_true(p.cwnd >= start + 45U * MSS);
  assert_true(p.cc_west >= start + 45U * MSS);
}
#endif

/* The controller per connection and by default (TCP_CONGESTION). */
static void choose_controller(void **state)
{
  (void)state;
  assert_string_equal(tcp_get_default_congestion(), "newreno");
  assert_int_equal(tcp_set_default_congestion("bbr"), ERR_VAL);
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_SACK);
  assert_string_equal(tcp_get_congestion(c.pcb), "newreno");
  assert_int_equal(tcp_set_congestion(c.pcb, "vegas"), ERR_VAL);
  assert_string_equal(tcp_get_congestion(c.pcb), "newreno");
#if LWIP_TCP_CUBIC
  assert_int_equal(tcp_set_congestion(c.pcb, "cubic"), ERR_OK);
  assert_string_equal(tcp_get_congestion(c.pcb), "cubic");
  assert_int_equal(tcp_set_default_congestion("cubic"), ERR_OK);
  struct tt_conn d;
  setup_established_active(&d, TT_OPT_NONE);
  assert_string_equal(tcp_get_congestion(d.pcb), "cubic");
  assert_int_equal(tcp_set_default_congestion("newreno"), ERR_OK);
#else
  assert_int_equal(tcp_set_congestion(c.pcb, "cubic"), ERR_VAL);
#endif
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(iw_rules, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(iw10_on_a_connection, tt_setup, tt_teardown),
#if LWIP_TCP_CUBIC
    cmocka_unit_test_setup_teardown(cubic_curve, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(cubic_fast_convergence, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(cubic_reno_friendly, tt_setup, tt_teardown),
#endif
    cmocka_unit_test_setup_teardown(choose_controller, tt_setup, tt_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
