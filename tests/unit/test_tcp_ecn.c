/*
 * ECN for TCP (RFC 3168, core/tcp_ecn.c) with the shared fixture: the
 * handshake both ways (on, off, passive, a peer without ECN, a peer that
 * reflects the flags), which segments go out ECT(0), the sender's
 * reduction at most once per window with CWR after it, the receiver's ECE
 * echo until CWR, and the controllers' on_ecn arithmetic.
 */
#include "test_tcp_common.h"

#include "lwip/prot/ip4.h"

#if LWIP_TCP

#if LWIP_STATS
#define TCPC(name) (lwip_stats.tcp[LWIP_TCPC_##name])
#endif

#define MSS 1460U
/* The MSS the peer announces in its SYN-ACK: small enough that eight
 * segments fit the send buffer of the minimal profile too. */
#define SEG_MSS ((u16_t)LWIP_MIN((u32_t)TT_PEER_MSS, (u32_t)TCP_SND_BUF / 12U))
#define ECN_OF(seg) ((seg).tos & IP_ECN_MASK)

static u8_t data[16 * MSS];

/* tcp_connect with ECN mode @p mode; our SYN is popped into @p syn. */
static struct tcp_pcb *connect_ecn(struct tt_conn *c, enum tcp_ecn_mode mode, struct tt_seg *syn)
{
  tt_conn_init(c, TT_OPT_NONE, TT_PEER_ISN);
  struct tcp_pcb *pcb = tcp_new();
  assert_non_null(pcb);
  tt_attach(pcb);
  assert_int_equal(tcp_set_ecn(pcb, mode), ERR_OK);
  assert_int_equal(tcp_get_ecn(pcb), mode);
  assert_int_equal(tcp_connect(pcb, tt_peer_addr(), TT_PEER_LISTEN_PORT, tt_connected_cb), ERR_OK);
  c->pcb = pcb;
  c->our_port = pcb->local_port;
  c->peer_port = TT_PEER_LISTEN_PORT;
  assert_true(tt_pop(syn));
  assert_int_equal(syn->flags & (TCP_SYN | TCP_ACK), TCP_SYN);
  assert_int_equal(ECN_OF(*syn), IP_ECN_NOT_ECT); /* 6.1.1: a SYN is never ECT */
  c->our_iss = syn->seq;
  c->our_nxt = syn->seq + 1U;
  return pcb;
}

/* The peer answers with a SYN-ACK carrying @p extra (ECE, CWR) flags; our
 * ACK is checked (never ECE, never ECT). */
static void peer_synack(struct tt_conn *c, u8_t extra)
{
  struct tt_opts o;
  tt_syn_opts(&o, TT_OPT_NONE, 0);
  o.mss = SEG_MSS;
  tt_inject_raw(c->peer_port, c->our_port, (u8_t)(TCP_SYN | TCP_ACK | extra), c->peer_nxt, c->our_nxt, c->peer_wnd, &o,
                NULL, 0);
  c->peer_nxt++;
  assert_int_equal(c->pcb->state, ESTABLISHED);
  struct tt_seg a;
  tt_expect_seg(c, TCP_ACK, 0, &a);
  assert_int_equal(ECN_OF(a), IP_ECN_NOT_ECT);
  tt_expect_nothing();
}

/* An established active connection with ECN negotiated. */
static struct tcp_pcb *est_ecn(struct tt_conn *c)
{
  struct tt_seg syn;
  connect_ecn(c, TCP_ECN_MODE_ON, &syn);
  assert_int_equal(syn.flags, TCP_SYN | TCP_ECE | TCP_CWR);
  peer_synack(c, TCP_ECE);
  assert_true(c->pcb->ecn & TCP_ECN_OK);
  return c->pcb;
}

/* Queue @p len bytes and send what the windows allow. */
static void write_out(struct tt_conn *c, u32_t len)
{
  assert_int_equal(tcp_write(c->pcb, data, (u16_t)len, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_output(c->pcb);
}

/* The peer acknowledges up to @p ack (absolute) with @p extra flags. */
static void peer_ack(struct tt_conn *c, u32_t ack, u8_t extra)
{
  struct tt_opts o;
  tt_conn_opts(c, &o);
  tt_inject_raw(c->peer_port, c->our_port, (u8_t)(TCP_ACK | extra), c->peer_nxt, ack, c->peer_wnd, &o, NULL, 0);
}

/* ---------------------------------------------------------------------- */
/* Negotiation                                                             */
/* ---------------------------------------------------------------------- */

static void active_on_negotiates(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  struct tt_conn c;
  est_ecn(&c);
#if LWIP_STATS /* the full snapshot */
  struct tcp_conn_info info;
  tcp_get_info(c.pcb, &info);
  assert_true(info.ecn);
  assert_string_equal(info.ecn_mode, "on");
#endif
  /* The ECE of the SYN-ACK is no congestion signal. */
  assert_int_equal(c.pcb->cwnd, tcp_cc_initial_window(c.pcb->mss));
#if LWIP_STATS
  assert_int_equal(TCPC(ECN_NEGOTIATED), 1);
  assert_int_equal(TCPC(ECN_REDUCTIONS), 0);
#endif
  write_out(&c, 100);
  struct tt_seg s;
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 100, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_ECT0);
}

/* The peer does not do ECN: a plain SYN-ACK, no ECT afterwards. */
static void active_peer_without_ecn(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  struct tt_conn c;
  struct tt_seg syn;
  connect_ecn(&c, TCP_ECN_MODE_ON, &syn);
  assert_int_equal(syn.flags, TCP_SYN | TCP_ECE | TCP_CWR);
  peer_synack(&c, 0);
  assert_int_equal(c.pcb->ecn, 0);
  write_out(&c, 100);
  struct tt_seg s;
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 100, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_NOT_ECT);
#if LWIP_STATS
  assert_int_equal(TCPC(ECN_NEGOTIATED), 0);
#endif
}

/* 6.1.1: a SYN-ACK with both ECE and CWR is a peer reflecting flags it
 * does not understand, not an ECN-setup SYN-ACK. */
static void active_reflected_flags_refused(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  struct tt_conn c;
  struct tt_seg syn;
  connect_ecn(&c, TCP_ECN_MODE_ON, &syn);
  peer_synack(&c, TCP_ECE | TCP_CWR);
  assert_int_equal(c.pcb->ecn, 0);
  write_out(&c, 10);
  struct tt_seg s;
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 10, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_NOT_ECT);
}

/* Off and passive never ask; a stray ECE on the SYN-ACK changes nothing. */
static void active_off_and_passive_do_not_ask(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  assert_int_equal(tcp_get_default_ecn(), TCP_ECN_MODE_PASSIVE);
  enum tcp_ecn_mode modes[2] = {TCP_ECN_MODE_OFF, TCP_ECN_MODE_PASSIVE};
  for (int i = 0; i < 2; i++) {
    struct tt_conn c;
    struct tt_seg syn;
    connect_ecn(&c, modes[i], &syn);
    assert_int_equal(syn.flags, TCP_SYN);
    peer_synack(&c, TCP_ECE);
    assert_int_equal(c.pcb->ecn, 0);
    tt_cleanup();
  }
}

/* 6.1.1.1: a SYN sent again goes without ECE and CWR. */
static void active_syn_retransmission_plain(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  struct tt_conn c;
  struct tt_seg syn, again;
  connect_ecn(&c, TCP_ECN_MODE_ON, &syn);
  assert_int_equal(syn.flags, TCP_SYN | TCP_ECE | TCP_CWR);
  test_clock_advance(TCP_RTO_INITIAL_MS);
  assert_true(tt_pop(&again));
  assert_int_equal(again.flags, TCP_SYN);
  assert_int_equal(again.seq, syn.seq);
}

/* The default mode reaches new PCBs; names parse both ways. */
static void default_mode_and_names(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  enum tcp_ecn_mode m;
  assert_int_equal(tcp_ecn_mode_parse("on", &m), ERR_OK);
  assert_int_equal(m, TCP_ECN_MODE_ON);
  assert_int_equal(tcp_ecn_mode_parse("maybe", &m), ERR_VAL);
  assert_null(tcp_ecn_mode_name((enum tcp_ecn_mode)7));
  struct tcp_pcb *p = tcp_new();
  assert_int_equal(tcp_get_ecn(p), TCP_ECN_MODE_PASSIVE);
  /* A PCB given no mode follows the default until its handshake... */
  tcp_set_default_ecn(TCP_ECN_MODE_ON);
  assert_int_equal(tcp_get_ecn(p), TCP_ECN_MODE_ON);
  assert_int_equal(tcp_set_ecn(p, (enum tcp_ecn_mode)9), ERR_ARG);
  /* ...and so does a listener: a connection it accepts after the change
   * takes the new default. */
  struct tcp_pcb *l = tcp_new();
  assert_int_equal(tcp_bind(l, IP_ADDR_ANY, TT_LISTEN_PORT), ERR_OK);
  l = tcp_listen(l);
  tcp_accept(l, tt_accept_cb);
  tt_listener = l;
  tcp_set_default_ecn(TCP_ECN_MODE_OFF);
  assert_int_equal(tcp_get_ecn(l), TCP_ECN_MODE_OFF);
  struct tt_conn c;
  tt_conn_init(&c, TT_OPT_NONE, TT_PEER_ISN);
  c.our_port = TT_LISTEN_PORT;
  struct tt_opts o;
  tt_syn_opts(&o, TT_OPT_NONE, 0);
  tt_inject_raw(c.peer_port, c.our_port, TCP_SYN | TCP_ECE | TCP_CWR, c.peer_nxt, 0, c.peer_wnd, &o, NULL, 0);
  struct tt_seg sa;
  assert_true(tt_pop(&sa));
  assert_int_equal(sa.flags, TCP_SYN | TCP_ACK); /* declined: the default is off now */
  tcp_set_default_ecn(TCP_ECN_MODE_PASSIVE);
  tcp_abort(p);
}

/* A listener in @p mode gets a SYN with @p syn_extra; its SYN-ACK is
 * returned in @p sa and the handshake completed. */
static void passive_handshake(struct tt_conn *c, enum tcp_ecn_mode mode, u8_t syn_extra, struct tt_seg *sa)
{
  struct tcp_pcb *l = tcp_new();
  assert_non_null(l);
  assert_int_equal(tcp_set_ecn(l, mode), ERR_OK);
  assert_int_equal(tcp_bind(l, IP_ADDR_ANY, TT_LISTEN_PORT), ERR_OK);
  l = tcp_listen(l);
  assert_non_null(l);
  assert_int_equal(tcp_get_ecn(l), mode);
  tcp_accept(l, tt_accept_cb);
  tt_listener = l;
  tt_conn_init(c, TT_OPT_NONE, TT_PEER_ISN);
  c->our_port = TT_LISTEN_PORT;
  struct tt_opts o;
  tt_syn_opts(&o, TT_OPT_NONE, 0);
  tt_inject_raw(c->peer_port, c->our_port, (u8_t)(TCP_SYN | syn_extra), c->peer_nxt, 0, c->peer_wnd, &o, NULL, 0);
  c->peer_nxt++;
  assert_true(tt_pop(sa));
  assert_int_equal(sa->flags & (TCP_SYN | TCP_ACK), TCP_SYN | TCP_ACK);
  assert_int_equal(ECN_OF(*sa), IP_ECN_NOT_ECT); /* 6.1.1: nor a SYN-ACK */
  c->our_iss = sa->seq;
  c->our_nxt = sa->seq + 1U;
  tt_send(c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.naccept, 1);
  c->pcb = tt_rec.accepted;
  tt_attach(c->pcb);
}

static void passive_accepts_ecn_setup_syn(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  struct tt_conn c;
  struct tt_seg sa;
  passive_handshake(&c, TCP_ECN_MODE_PASSIVE, TCP_ECE | TCP_CWR, &sa);
  assert_int_equal(sa.flags, TCP_SYN | TCP_ACK | TCP_ECE); /* ECE without CWR */
  assert_true(c.pcb->ecn & TCP_ECN_OK);
  assert_int_equal(c.pcb->cwnd, tcp_cc_initial_window(c.pcb->mss));
  write_out(&c, 50);
  struct tt_seg s;
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 50, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_ECT0);
#if LWIP_STATS
  assert_int_equal(TCPC(ECN_NEGOTIATED), 1);
#endif
  /* The first ECE reduces, whatever the ISS (no earlier reduction holds
   * it back); CWR goes on the next new segment. */
  peer_ack(&c, c.our_nxt, TCP_ECE);
  assert_int_equal(c.pcb->ecn_reductions, 1);
  assert_int_equal(c.pcb->ssthresh, 2U * c.pcb->mss); /* nothing in flight: the floor */
  write_out(&c, 10);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH | TCP_CWR, 10, &s);
}

static void passive_off_declines(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg sa;
  passive_handshake(&c, TCP_ECN_MODE_OFF, TCP_ECE | TCP_CWR, &sa);
  assert_int_equal(sa.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(c.pcb->ecn, 0);
  write_out(&c, 50);
  struct tt_seg s;
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 50, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_NOT_ECT);
}

/* A SYN with ECE alone is not an ECN-setup SYN (6.1.1). */
static void passive_plain_syn(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  struct tt_conn c;
  struct tt_seg sa;
  passive_handshake(&c, TCP_ECN_MODE_ON, TCP_ECE, &sa);
  assert_int_equal(sa.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(c.pcb->ecn, 0);
}

/* ---------------------------------------------------------------------- */
/* Sender                                                                  */
/* ---------------------------------------------------------------------- */

/* 6.1.4-6.1.6: new data is ECT(0); pure ACKs, retransmissions and window
 * probes are not. */
static void ect_marking_rules(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  struct tt_conn c;
  est_ecn(&c);
  /* A pure ACK for the peer's data. */
  tt_send(&c, TCP_ACK | TCP_PSH, "hi", 2);
  tt_send(&c, TCP_ACK | TCP_PSH, "there", 5);
  struct tt_seg s;
  tt_expect_seg(&c, TCP_ACK, 0, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_NOT_ECT);
  /* New data, then its retransmission after the timeout. */
  write_out(&c, 100);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 100, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_ECT0);
  u32_t seq = s.seq;
  test_clock_advance(c.pcb->rto + 10U);
  assert_true(tt_pop(&s));
  assert_int_equal(s.seq, seq);
  assert_int_equal(s.len, 100);
  assert_int_equal(ECN_OF(s), IP_ECN_NOT_ECT);
  tt_expect_nothing();
  /* The peer takes it and closes its window: the probe is Not-ECT. */
  c.peer_wnd = 0;
  peer_ack(&c, c.our_nxt, 0);
  write_out(&c, 100);
  tt_expect_nothing();
  for (int i = 0; i < 1000 && tt_pending() == 0; i++) {
    test_clock_advance(10);
  }
  assert_true(tt_pop(&s));
  assert_int_equal(s.len, 0);
  assert_int_equal(s.seq, c.our_nxt - 1U);
  assert_int_equal(ECN_OF(s), IP_ECN_NOT_ECT);
}

/* 6.1.2: an ECE halves cwnd once per window of data; CWR goes on the
 * next new segment only; ECEs for the same window change nothing; an ECE
 * for data sent after the reduction is a new signal. */
static void ece_once_per_window(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_ecn(&c);
  u32_t mss = pcb->mss;
  u32_t base = c.our_nxt;
  assert_int_equal(pcb->cwnd, tcp_cc_initial_window(mss));
  /* Three segments in flight whatever the build's initial window. */
  pcb->cwnd = 3U * mss;
  write_out(&c, 8U * mss);
  struct tt_seg s;
  for (int i = 0; i < 3; i++) {
    tt_expect_seg(&c, TCP_ACK, (u16_t)mss, &s);
    assert_int_equal(ECN_OF(s), IP_ECN_ECT0);
    assert_int_equal(s.flags & TCP_CWR, 0);
  }
  tt_expect_nothing();
  /* ECE on the first ACK: slow start grows cwnd to 4 MSS for the ACK,
   * then flight 2 MSS halves to the floor of 2 MSS (RFC 5681 (4)). */
  peer_ack(&c, base + mss, TCP_ECE);
  assert_int_equal(pcb->ssthresh, 2U * mss);
  assert_int_equal(pcb->cwnd, 2U * mss);
  assert_int_equal(pcb->ecn_reductions, 1);
  assert_int_equal(pcb->flags & TF_INFR, 0); /* no loss recovery */
  tt_expect_nothing();                       /* 2 MSS in flight: no room */
  /* The next ACK (no ECE) opens room: the new segment carries CWR. */
  peer_ack(&c, base + 2U * mss, 0);
  tt_expect_seg(&c, TCP_ACK | TCP_CWR, (u16_t)mss, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_ECT0);
  tt_expect_nothing();
  /* ECE for the third segment (sent before the reduction): same window. */
  peer_ack(&c, base + 3U * mss, TCP_ECE);
  assert_int_equal(pcb->ecn_reductions, 1);
  assert_int_equal(pcb->ssthresh, 2U * mss);
  tt_expect_seg(&c, TCP_ACK, (u16_t)mss, &s); /* no CWR again */
  assert_int_equal(ECN_OF(s), IP_ECN_ECT0);
  /* ECE for the CWR segment, sent after the reduction: a new window. */
  u32_t flight = pcb->snd_max - (base + 4U * mss);
  peer_ack(&c, base + 4U * mss, TCP_ECE);
  assert_int_equal(pcb->ecn_reductions, 2);
  assert_int_equal(pcb->ssthresh, LWIP_MAX(flight / 2U, 2U * mss));
  assert_true(pcb->ecn & TCP_ECN_CWR || tt_pending() > 0);
#if LWIP_STATS
  assert_int_equal(TCPC(ECN_REDUCTIONS), 2);
  assert_int_equal(TCPC(ECN_ECE_RCVD), 3);
  assert_int_equal(TCPC(ECN_CWR_SENT), 1);
#endif
#if LWIP_STATS /* the full snapshot */
  struct tcp_conn_info info;
  tcp_get_info(pcb, &info);
  assert_int_equal(info.ecn_reductions, 2);
  assert_int_equal(info.retransmits_total, 0); /* marks are not losses */
#endif
  while (tt_pop(&s)) {
  }
}

#if LWIP_TCP_TRACE
static int trace_enter, trace_exit;
static enum tcp_trace_reason trace_reason;

static void trace_hook(const struct tcp_trace_event *ev, void *arg)
{
  (void)arg;
  if (ev->kind == TCP_TRACE_RECOVERY_ENTER) {
    trace_enter++;
    trace_reason = ev->reason;
  } else if (ev->kind == TCP_TRACE_RECOVERY_EXIT) {
    trace_exit++;
    assert_int_equal(ev->reason, TCP_TRACE_REASON_ECN); /* the exit repeats the entry's reason */
  }
}

/* A trace shows the reduction as a recovery with reason ECN, from the ECE
 * to the ACK of what was in flight then. */
static void ecn_in_the_trace(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  struct tt_conn c;
  struct tcp_pcb *pcb = est_ecn(&c);
  u32_t mss = pcb->mss, base = c.our_nxt;
  trace_enter = trace_exit = 0;
  tcp_set_trace_hook(trace_hook, NULL);
  pcb->cwnd = 3U * mss;
  write_out(&c, 4U * mss);
  struct tt_seg s;
  for (int i = 0; i < 3; i++) {
    tt_expect_seg(&c, TCP_ACK, (u16_t)mss, &s);
  }
  peer_ack(&c, base + mss, TCP_ECE);
  assert_int_equal(trace_enter, 1);
  assert_int_equal(trace_reason, TCP_TRACE_REASON_ECN);
  peer_ack(&c, base + 2U * mss, 0);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH | TCP_CWR, (u16_t)mss, &s);
  assert_int_equal(trace_exit, 0);
  peer_ack(&c, base + 3U * mss, 0); /* all that was in flight at the ECE */
  assert_int_equal(trace_exit, 1);
  tcp_set_trace_hook(NULL, NULL);
}
#endif

/* An ECE on a connection that did not negotiate ECN is ignored. */
static void ece_without_ecn_ignored(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg syn;
  connect_ecn(&c, TCP_ECN_MODE_OFF, &syn);
  peer_synack(&c, 0);
  u32_t base = c.our_nxt;
  write_out(&c, 3U * c.pcb->mss);
  struct tt_seg s;
  for (int i = 0; i < 3; i++) {
    tt_expect_seg(&c, i < 2 ? TCP_ACK : TCP_ACK | TCP_PSH, (u16_t)c.pcb->mss, &s);
  }
  u32_t cwnd = c.pcb->cwnd;
  peer_ack(&c, base + c.pcb->mss, TCP_ECE);
  assert_int_equal(c.pcb->cwnd, cwnd + c.pcb->mss); /* slow start, no reduction */
  assert_int_equal(c.pcb->ecn_reductions, 0);
}

/* The controllers' reaction: NewReno halves the flight (RFC 5681 (4)),
 * CUBIC multiplies by beta = 0.7 and remembers W_max (RFC 9438 4.6). */
static void controllers_on_ecn(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN); /* on_ecn is built with ECN */
#if LWIP_TCP_ECN
  struct tcp_pcb p;
  memset(&p, 0, sizeof(p));
  p.mss = MSS;
#if LWIP_TCP_CUBIC
  p.cc = &tcp_cc_newreno;
#endif
  p.snd_una = 1000;
  p.snd_max = 1000 + 20U * MSS;
  p.cwnd = 20U * MSS;
  p.ssthresh = 0x7fffffffU;
  TCP_CC(&p, on_ecn)(&p); /* NewReno's: through its table when CUBIC is built too */
  assert_int_equal(p.ssthresh, 10U * MSS);
  assert_int_equal(p.cwnd, 10U * MSS);
#if LWIP_TCP_CUBIC
  p.cc = &tcp_cc_cubic;
  p.cwnd = 100U * MSS;
  p.cc_wmax = 0;
  p.cc->on_ecn(&p);
  assert_int_equal(p.cc_wmax, 100U * MSS);
  assert_int_equal(p.ssthresh, 70U * MSS);
  assert_int_equal(p.cwnd, 70U * MSS);
#endif
#endif /* LWIP_TCP_ECN */
}

/* ---------------------------------------------------------------------- */
/* Receiver                                                                */
/* ---------------------------------------------------------------------- */

/* 6.1.3: CE on data makes every ACK carry ECE until a CWR arrives; CE on
 * a pure ACK is no signal; CWR with CE starts the echo again. */
static void receiver_ece_latch(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_ECN);
  struct tt_conn c;
  est_ecn(&c);
  struct tt_seg s;
  /* CE on a pure ACK: nothing. */
  tt_inject_tos = IP_ECN_CE;
  peer_ack(&c, c.our_nxt, 0);
  tt_expect_nothing();
  assert_int_equal(c.pcb->ecn & TCP_ECN_ECE, 0);
  /* CE on data: acknowledged at once, with ECE. */
  tt_send(&c, TCP_ACK, "a", 1);
  tt_expect_seg(&c, TCP_ACK | TCP_ECE, 0, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_NOT_ECT);
  /* Unmarked data: the echo goes on, on every ACK. */
  tt_inject_tos = IP_ECN_ECT0;
  tt_send(&c, TCP_ACK, "bb", 2);
  tt_send(&c, TCP_ACK, "cc", 2);
  tt_expect_seg(&c, TCP_ACK | TCP_ECE, 0, &s);
  /* Our data segments carry it too. */
  write_out(&c, 10);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH | TCP_ECE, 10, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_ECT0);
  /* CWR ends it. */
  tt_send(&c, TCP_ACK | TCP_CWR, "dd", 2);
  tt_send(&c, TCP_ACK, "ee", 2);
  tt_expect_seg(&c, TCP_ACK, 0, &s);
  assert_int_equal(c.pcb->ecn & TCP_ECN_ECE, 0);
  /* CWR on a CE-marked segment: a new echo at once. */
  tt_inject_tos = IP_ECN_CE;
  tt_send(&c, TCP_ACK | TCP_CWR, "f", 1);
  tt_expect_seg(&c, TCP_ACK | TCP_ECE, 0, &s);
  assert_int_equal(c.pcb->ecn_ce_rcvd, 2);
#if LWIP_STATS
  assert_int_equal(TCPC(ECN_CE_RCVD), 2);
  assert_int_equal(TCPC(ECN_CWR_RCVD), 2);
#endif
#if LWIP_STATS /* the full snapshot */
  struct tcp_conn_info info;
  tcp_get_info(c.pcb, &info);
  assert_true(info.ecn_ece_latched);
  assert_int_equal(info.ecn_ce_rcvd, 2);
#endif
  assert_int_equal(tt_rec.len, 10);
}

/* Without ECN, CE marks are not echoed (the peer would not expect ECE). */
static void receiver_without_ecn(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg syn;
  connect_ecn(&c, TCP_ECN_MODE_OFF, &syn);
  peer_synack(&c, 0);
  tt_inject_tos = IP_ECN_CE;
  tt_send(&c, TCP_ACK, "ab", 2);
  tt_send(&c, TCP_ACK, "cd", 2);
  struct tt_seg s;
  tt_expect_seg(&c, TCP_ACK, 0, &s);
  assert_int_equal(c.pcb->ecn_ce_rcvd, 0);
}

/* Built without tcp_ecn (RFC 3168 6.1.1 lets a host decline): only "off"
 * can be set, and whatever the peer asks, the connection is Not-ECT. */
static void built_out_declines(void **state)
{
  (void)state;
  if (LWIP_TCP_ECN) {
    skip();
  }
  struct tcp_pcb *p = tcp_new();
  assert_non_null(p);
  assert_int_equal(tcp_get_default_ecn(), TCP_ECN_MODE_OFF);
  assert_int_equal(tcp_set_ecn(p, TCP_ECN_MODE_ON), ERR_VAL);
  assert_int_equal(tcp_set_ecn(p, TCP_ECN_MODE_PASSIVE), ERR_VAL);
  assert_int_equal(tcp_set_ecn(p, (enum tcp_ecn_mode)9), ERR_ARG);
  assert_int_equal(tcp_get_ecn(p), TCP_ECN_MODE_OFF);
  tcp_set_default_ecn(TCP_ECN_MODE_ON);
  assert_int_equal(tcp_get_default_ecn(), TCP_ECN_MODE_OFF);
  tcp_abort(p);
  /* Our SYN asks for nothing; an ECE on the SYN-ACK changes nothing. */
  struct tt_conn c;
  struct tt_seg syn;
  connect_ecn(&c, TCP_ECN_MODE_OFF, &syn);
  assert_int_equal(syn.flags, TCP_SYN);
  peer_synack(&c, TCP_ECE);
  write_out(&c, 20);
  struct tt_seg s;
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 20, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_NOT_ECT);
  tt_cleanup();
  /* A peer's ECN-setup SYN gets a SYN-ACK without ECE. */
  struct tt_seg sa;
  passive_handshake(&c, TCP_ECN_MODE_OFF, TCP_ECE | TCP_CWR, &sa);
  assert_int_equal(sa.flags, TCP_SYN | TCP_ACK);
  write_out(&c, 30);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 30, &s);
  assert_int_equal(ECN_OF(s), IP_ECN_NOT_ECT);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(active_on_negotiates, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(active_peer_without_ecn, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(active_reflected_flags_refused, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(active_off_and_passive_do_not_ask, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(active_syn_retransmission_plain, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(default_mode_and_names, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(passive_accepts_ecn_setup_syn, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(passive_off_declines, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(passive_plain_syn, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(ect_marking_rules, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(ece_once_per_window, tt_setup, tt_teardown),
#if LWIP_TCP_TRACE
    cmocka_unit_test_setup_teardown(ecn_in_the_trace, tt_setup, tt_teardown),
#endif
    cmocka_unit_test_setup_teardown(ece_without_ecn_ignored, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(controllers_on_ecn, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(receiver_ece_latch, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(receiver_without_ecn, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(built_out_declines, tt_setup, tt_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
int main(void)
{
  return 0;
}
#endif /* LWIP_TCP */
