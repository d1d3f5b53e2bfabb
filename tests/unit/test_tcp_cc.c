/*
 * Congestion control (core/tcp_cc.c) on the virtual clock: the initial
 * window rules (RFC 5681 3.1, RFC 6928), CUBIC's window curve (RFC 9438
 * 4.2-4.8) driven through the controller interface with a paced ACK clock,
 * HyStart++ (RFC 9406) on an ACK clock and on a connection, and choosing a controller per connection and by default.
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
  TT_NEEDS(LWIP_TCP_SACK);
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

#if LWIP_TCP_HYSTART
/* ---------------------------------------------------------------------- */
/* HyStart++ (RFC 9406)                                                    */
/* ---------------------------------------------------------------------- */

/* The phase name tcp_get_info shows: built with stats only. */
#if LWIP_STATS
#define ASSERT_PHASE(p, name) assert_string_equal(tcp_cc_phase_name(p), name)
#else
#define ASSERT_PHASE(p, name) ((void)(p))
#endif

/* A PCB in its first slow start under controller @p cc (0: NewReno,
 * 1: CUBIC, as built: HS_NCC), its initial window sent. */
static void hs_pcb(struct tcp_pcb *p, size_t cc)
{
  memset(p, 0, sizeof(*p));
#if LWIP_TCP_CUBIC
  p->cc = cc == 0 ? &tcp_cc_newreno : &tcp_cc_cubic;
#else
  (void)cc; /* NewReno alone: its steps are called directly (TCP_CC) */
#endif
  p->mss = MSS;
  p->flags = TF_SACK;
  p->snd_una = p->snd_nxt = 1000;
  TCP_CC(p, init)(p);
  p->snd_nxt = p->snd_una + p->cwnd;
}

/* One ACK on an ACK clock: a segment acknowledged, an RTT sample of
 * @p rtt_ms (timestamps give one per ACK), then what cwnd allows sent. */
static void hs_ack(struct tcp_pcb *p, u32_t rtt_ms)
{
  tcp_hystart_rtt(p, rtt_ms);
  p->snd_una += MSS;
  TCP_CC(p, on_ack)(p, MSS);
  p->snd_nxt = LWIP_MAX(p->snd_nxt, p->snd_una + p->cwnd / MSS * MSS);
}

/* The rest of HyStart++'s current round: ACKs until SND.UNA reaches its
 * windowEnd (what was sent when the round began), all at @p rtt_ms. */
static void hs_round(struct tcp_pcb *p, u32_t rtt_ms)
{
  u32_t end = p->hs_window_end;
  do {
    hs_ack(p, rtt_ms);
  } while (TCP_SEQ_LT(p->snd_una, end));
  test_clock_advance(rtt_ms);
}

/* The controllers built: NewReno, and CUBIC with tcp_cubic. */
#define HS_NCC (1U + LWIP_TCP_CUBIC)

/* Four rounds at 50 ms, then the minimum RTT of a round rises by 10 ms,
 * more than RttThresh = clamp(50 / 8, 4, 16) = 6 ms: after N_RTT_SAMPLE
 * (8) samples of that round, slow start gives way to CSS, which grows by
 * a quarter of slow start's rate (RFC 9406 4.2). */
static void hystart_delay_rise_enters_css(void **state)
{
  (void)state;
  for (size_t k = 0; k < HS_NCC; k++) {
    struct tcp_pcb p;
    hs_pcb(&p, k);
    assert_int_equal(p.hs_phase, TCP_HS_SS);
    ASSERT_PHASE(&p, "slow_start");
    for (int r = 0; r < 4; r++) {
      hs_round(&p, 50);
    }
    assert_int_equal(p.hs_phase, TCP_HS_SS);
    /* A rise of 5 ms is under the threshold: still slow start. */
    hs_round(&p, 55);
    assert_int_equal(p.hs_phase, TCP_HS_SS);
    hs_round(&p, 50);
    /* The first eight samples of the next round at 61 ms (50 + 6 is the
     * bar; 61 clears it): CSS at the eighth, not before. */
    for (int i = 0; i < 7; i++) {
      tcp_hystart_rtt(&p, 61);
    }
    assert_int_equal(p.hs_phase, TCP_HS_SS);
    tcp_hystart_rtt(&p, 61);
    assert_int_equal(p.hs_phase, TCP_HS_CSS);
    assert_int_equal(p.hs_css_base, 61U);
    ASSERT_PHASE(&p, "css");
    assert_int_equal(p.ssthresh, 0x7fffffffU);
    /* Growth in CSS: a quarter of MSS per MSS acknowledged. */
    u32_t before = p.cwnd;
    p.snd_una += 4U * MSS;
    TCP_CC(&p, on_ack)(&p, 4U * MSS); /* ABC: at most 2 * MSS counted, / 4 */
    assert_int_equal(p.cwnd, before + 2U * MSS / 4U);
    before = p.cwnd;
    p.snd_una += MSS;
    TCP_CC(&p, on_ack)(&p, MSS);
    assert_int_equal(p.cwnd, before + MSS / 4U);
  }
}

/* Enter CSS; in the next round the minimum RTT falls below the CSS
 * baseline: the exit was spurious, slow start resumes (RFC 9406 4.2). */
static void hystart_css_back_to_slow_start(void **state)
{
  (void)state;
  for (size_t k = 0; k < HS_NCC; k++) {
    struct tcp_pcb p;
    hs_pcb(&p, k);
    for (int r = 0; r < 3; r++) {
      hs_round(&p, 40);
    }
    hs_round(&p, 60); /* 40 + clamp(40 / 8 = 5) = 45: CSS at the 8th sample */
    assert_int_equal(p.hs_phase, TCP_HS_CSS);
    /* 59 ms samples are below the 60 ms baseline: back after eight. */
    for (int i = 0; i < 7; i++) {
      tcp_hystart_rtt(&p, 59);
    }
    assert_int_equal(p.hs_phase, TCP_HS_CSS);
    tcp_hystart_rtt(&p, 59);
    assert_int_equal(p.hs_phase, TCP_HS_SS);
    assert_int_equal(p.hs_css_base, 0xffffffffU);
    ASSERT_PHASE(&p, "slow_start");
    /* Full slow-start growth again. */
    u32_t before = p.cwnd;
    p.snd_una += MSS;
    TCP_CC(&p, on_ack)(&p, MSS);
    assert_int_equal(p.cwnd, before + MSS);
  }
}

/* CSS lasts CSS_ROUNDS (5) rounds, the partial one it began in counted;
 * then ssthresh = cwnd and congestion avoidance (RFC 9406 4.2). */
static void hystart_css_rounds_to_avoidance(void **state)
{
  (void)state;
  for (size_t k = 0; k < HS_NCC; k++) {
    struct tcp_pcb p;
    hs_pcb(&p, k);
    for (int r = 0; r < 3; r++) {
      hs_round(&p, 20);
    }
    hs_round(&p, 30); /* 20 + 4 (the floor of RttThresh): CSS, mid-round */
    assert_int_equal(p.hs_phase, TCP_HS_CSS);
    for (int r = 0; r < 3; r++) {
      hs_round(&p, 30);
    }
    /* Four round ends so far (the partial one and three whole). */
    assert_int_equal(p.hs_css_rounds, 4U);
    assert_int_equal(p.hs_phase, TCP_HS_CSS);
    assert_int_equal(p.ssthresh, 0x7fffffffU);
    /* The fifth ends at the first ACK past windowEnd. */
    tcp_hystart_rtt(&p, 30);
    p.snd_una = p.hs_window_end;
    TCP_CC(&p, on_ack)(&p, MSS);
    assert_int_equal(p.hs_phase, TCP_HS_OFF);
    assert_int_equal(p.ssthresh, p.cwnd);
    ASSERT_PHASE(&p, "avoidance");
    /* Later RTT samples change nothing. */
    u32_t w = p.cwnd;
    tcp_hystart_rtt(&p, 10);
    assert_int_equal(p.hs_phase, TCP_HS_OFF);
    assert_int_equal(p.cwnd, w);
  }
}

/* A flat RTT (and jitter under the threshold) never ends slow start:
 * cwnd grows exactly as without HyStart++. */
static void hystart_flat_rtt_unchanged(void **state)
{
  (void)state;
  for (size_t k = 0; k < HS_NCC; k++) {
    struct tcp_pcb with, without;
    hs_pcb(&with, k);
    hs_pcb(&without, k);
    without.hs_phase = TCP_HS_OFF;
    for (int r = 0; r < 9; r++) {
      /* The same ACKs to both; the RTT alternates between rounds by
       * 11 ms, under RttThresh (12 ms here). */
      u32_t rtt = 100U + (r % 2 == 0 ? 0U : 11U);
      u32_t end = with.hs_window_end;
      do {
        hs_ack(&with, rtt);
        hs_ack(&without, rtt);
      } while (TCP_SEQ_LT(with.snd_una, end));
      assert_int_equal(with.hs_phase, TCP_HS_SS);
      assert_int_equal(with.cwnd, without.cwnd);
      assert_int_equal(with.snd_nxt, without.snd_nxt);
    }
    assert_true(with.hs_last_min != 0xffffffffU); /* it was watching */
    assert_int_equal(with.ssthresh, 0x7fffffffU);
    assert_true(with.cwnd > 500U * MSS); /* 8 doublings of 3 segments */
  }
}

/* A loss in CSS (or slow start) ends HyStart++: the controller sets
 * ssthresh, and the slow start after a timeout is the standard one
 * (RFC 9406 4.2, 4.3). */
static void hystart_loss_ends_it(void **state)
{
  (void)state;
  for (size_t k = 0; k < HS_NCC; k++) {
    struct tcp_pcb p;
    hs_pcb(&p, k);
    for (int r = 0; r < 3; r++) {
      hs_round(&p, 20);
    }
    hs_round(&p, 30);
    assert_int_equal(p.hs_phase, TCP_HS_CSS);
    TCP_CC(&p, on_recovery)(&p);
    assert_int_equal(p.hs_phase, TCP_HS_OFF);
    assert_true(p.ssthresh < 0x7fffffffU);
    TCP_CC(&p, on_recovery_end)(&p);
    p.nrtx = 1;
    TCP_CC(&p, on_rto)(&p);
    assert_int_equal(p.cwnd, MSS);
    p.nrtx = 0;
    /* Slow start again up to ssthresh, at the full rate whatever the
     * RTT does. */
    for (int i = 0; i < 20; i++) {
      tcp_hystart_rtt(&p, 200);
    }
    u32_t before = p.cwnd;
    p.snd_una += MSS;
    TCP_CC(&p, on_ack)(&p, MSS);
    assert_int_equal(p.cwnd, before + MSS);
    assert_int_equal(p.hs_phase, TCP_HS_OFF);
  }
  /* A timeout in slow start ends it the same way. */
  struct tcp_pcb q;
  hs_pcb(&q, 0);
  q.nrtx = 1;
  TCP_CC(&q, on_rto)(&q);
  assert_int_equal(q.hs_phase, TCP_HS_OFF);
}

/* On a real connection the samples come from tcp_rtt_sample: with
 * timestamps, one per ACK of new data, each echoing a TSval. */
static void hystart_samples_from_acks(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_TIMESTAMPS);
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_TS);
  struct tcp_pcb *pcb = c.pcb;
  assert_int_equal(pcb->hs_phase, TCP_HS_SS);
  static const u8_t data[2U * MSS];
#if LWIP_STATS
  struct tcp_conn_info ci;
  tcp_get_info(pcb, &ci);
  assert_string_equal(ci.ss_phase, "slow_start");
  assert_true(ci.hystart);
#endif
  assert_int_equal(tcp_write(pcb, data, pcb->mss, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(pcb), ERR_OK);
  struct tt_seg seg;
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, pcb->mss, &seg);
  u32_t ts1 = c.our_ts;
  test_clock_advance(7);
  assert_int_equal(tcp_write(pcb, data + pcb->mss, pcb->mss, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(pcb), ERR_OK);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, pcb->mss, &seg);
  assert_int_equal(c.our_ts, ts1 + 7U);
  test_clock_advance(30);
  /* The ACK of the first segment echoes its TSval: 37 ms. */
  u32_t our_nxt = c.our_nxt, ts2 = c.our_ts;
  c.our_nxt = our_nxt - pcb->mss;
  c.our_ts = ts1;
  tt_send(&c, TCP_ACK, NULL, 0);
  c.our_nxt = our_nxt;
  c.our_ts = ts2;
  /* The first ACK of data also ends the first round (windowEnd was
   * SND.NXT when the connection opened): its sample is that round's. */
  assert_int_equal(pcb->hs_last_min, 37U);
  assert_int_equal(pcb->hs_window_end, c.our_nxt);
  /* The second echoes the later TSval and ends the next round: 30 ms. */
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(pcb->hs_last_min, 30U);
  /* A sample only comes from an ACK of new data: a duplicate gives none. */
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(pcb->hs_samples, 0U);
}
#endif /* LWIP_TCP_HYSTART */

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
  /* NewReno alone: its name is taken (a no-op), every other refused. */
  assert_int_equal(tcp_set_congestion(c.pcb, "cubic"), ERR_VAL);
  assert_int_equal(tcp_set_default_congestion("cubic"), ERR_VAL);
  assert_false(tcp_congestion_available("cubic"));
  assert_true(tcp_congestion_available("newreno"));
  assert_false(tcp_congestion_available(NULL));
  assert_int_equal(tcp_set_congestion(c.pcb, "newreno"), ERR_OK);
  assert_int_equal(tcp_set_congestion(c.pcb, NULL), ERR_VAL);
  assert_int_equal(tcp_set_congestion(NULL, "newreno"), ERR_VAL);
  assert_int_equal(tcp_set_default_congestion("newreno"), ERR_OK);
  assert_int_equal(tcp_set_default_congestion(NULL), ERR_VAL);
  assert_string_equal(tcp_get_congestion(c.pcb), "newreno");
  assert_string_equal(tcp_get_congestion(NULL), "newreno");
  assert_string_equal(tcp_get_default_congestion(), "newreno");
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
#if LWIP_TCP_HYSTART
    cmocka_unit_test_setup_teardown(hystart_delay_rise_enters_css, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(hystart_css_back_to_slow_start, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(hystart_css_rounds_to_avoidance, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(hystart_flat_rtt_unchanged, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(hystart_loss_ends_it, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(hystart_samples_from_acks, tt_setup, tt_teardown),
#endif
    cmocka_unit_test_setup_teardown(choose_controller, tt_setup, tt_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
