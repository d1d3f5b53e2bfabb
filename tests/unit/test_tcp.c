/* Unit tests for core/tcp*.c: every transition of the RFC 9293 state
 * diagram (3.3.2), RST and SYN acceptance (RFC 9293 3.10.7, RFC 5961),
 * options (RFC 7323 window scaling, timestamps and PAWS; RFC 2018 SACK),
 * sequence numbers across the 2^32 wrap, the send buffer limit, memory
 * exhaustion during a handshake and a write, and keepalive.
 *
 * Every case drives the stack from the wire with segments built by
 * test_tcp_common.c and asserts the exact flags, sequence and
 * acknowledgment numbers of what it answers. */
#include "test_tcp_common.h"
#include "lwip/priv/tcp_synq.h"

#include <stdlib.h>
#include <arpa/inet.h>

#include "lwip/ip.h"
#include "lwip/prot/wire.h"

#if LWIP_TCP

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

/* The stack's timers run on a 10 ms wheel (tcp.c): a deadline may be
 * served up to one tick late. */
#define TCP_TICK_SLACK 10U

/* Bytes 0, 1, 2, ... so delivered data can be compared exactly. */
static u8_t pattern[0x10000];

static void fill_pattern(void)
{
  for (size_t i = 0; i < sizeof(pattern); i++) {
    pattern[i] = (u8_t)(i * 7U + 3U);
  }
}

/* A recv callback that takes data without tcp_recved (window stays used). */
static err_t recv_keep(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)arg;
  (void)pcb;
  (void)err;
  if (p != NULL) {
    tt_rec.len += p->tot_len;
    pbuf_free(p);
  }
  return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Opening                                                                 */
/* ---------------------------------------------------------------------- */

/* The application writes @p len bytes of @p data (copied) and pushes
 * them: they leave at once, one segment with PSH, popped into @p out. */
static void write_push_at(const char *file, int line, struct tt_conn *c, const void *data, u16_t len,
                          struct tt_seg *out)
{
  _assert_int_equal(tcp_write(c->pcb, data, len, TCP_WRITE_FLAG_COPY), ERR_OK, file, line);
  tcp_output(c->pcb);
  tt_expect_seg_at(file, line, c, TCP_ACK | TCP_PSH, len, out);
}
#define write_push(c, data, len, out) write_push_at(__FILE__, __LINE__, (c), (data), (len), (out))

/* @p n handshakes wait at listeners beside @p conns other connections:
 * entries in the SYN queue (no PCB yet), or, built without it
 * (tcp_synq_cookies), PCBs in SYN_RCVD. */
static void expect_handshakes_at(const char *file, int line, int n, int conns)
{
#if LWIP_TCP_SYNQ_COOKIES
  _assert_int_equal(tcp_synq_count(), n, file, line);
  _assert_int_equal(tt_pcb_count(), conns, file, line);
#else
  _assert_int_equal(tt_pcb_count(), n + conns, file, line);
#endif
}
#define expect_handshakes(n, conns) expect_handshakes_at(__FILE__, __LINE__, (n), (conns))

/* The peer's SYN (ISN @p peer_iss, no options) reaches a listener on
 * TT_LISTEN_PORT; the stack's answer is popped into @p s.
 * @return the listener. */
static struct tcp_pcb *syn_to_listener(struct tt_conn *c, u32_t peer_iss, struct tt_seg *s)
{
  struct tcp_pcb *l = setup_listen(TT_LISTEN_PORT, 0);
  tt_conn_init(c, TT_OPT_NONE, peer_iss);
  tt_send(c, TCP_SYN, NULL, 0);
  assert_true(tt_pop(s));
  return l;
}

/* As syn_to_listener, but the peer's SYN carries every option (MSS,
 * window scale, SACK permitted, timestamps) and the answer must be a
 * SYN-ACK.  @p c then takes what a SYN-ACK to such a SYN agrees (every
 * option) and the SYN-ACK's sequence number and TSval, ready for the ACK
 * that completes the handshake. */
static void syn_all_options_to_listener(struct tt_conn *c, u32_t peer_iss, struct tt_seg *s)
{
  setup_listen(TT_LISTEN_PORT, 0);
  tt_conn_init(c, TT_OPT_ALL, peer_iss);
  tt_send(c, TCP_SYN, NULL, 0);
  assert_true(tt_pop(s));
  assert_int_equal(s->flags, TCP_SYN | TCP_ACK);
  c->our_nxt = s->seq + 1U;
  c->our_ts = s->opt.tsval;
  c->ts = c->ws = c->sack = true;
}

/* tcp_connect to the peer's port 8080 with connected callback @p cb; our
 * SYN is popped into @p syn and @p c becomes the peer's view of the
 * connection (peer ISN @p peer_iss, no options).  @return our PCB. */
static struct tcp_pcb *open_syn_sent(struct tt_conn *c, u32_t peer_iss, tcp_connected_fn cb, struct tt_seg *syn)
{
  struct tcp_pcb *pcb = tcp_new();
  assert_non_null(pcb);
  tt_attach(pcb);
  assert_int_equal(tcp_connect(pcb, tt_peer_addr(), 8080, cb), ERR_OK);
  assert_true(tt_pop(syn));
  assert_int_equal(syn->flags, TCP_SYN);
  tt_conn_init(c, TT_OPT_NONE, peer_iss);
  c->pcb = pcb;
  c->our_port = pcb->local_port;
  c->peer_port = 8080;
  c->our_iss = syn->seq;
  c->our_nxt = syn->seq + 1U;
  return pcb;
}

/* LISTEN -> SYN_RCVD -> ESTABLISHED, checked step by step. */
static void passive_open_steps(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 5000, &s);
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(s.ack, 5001);
  assert_int_equal(s.sport, TT_LISTEN_PORT);
  assert_int_equal(s.dport, c.peer_port);
  /* Without options from the peer: MSS only (RFC 7323 1.3, RFC 2018 2). */
  assert_true(s.opt.has_mss);
  assert_false(s.opt.has_ws || s.opt.sack_perm || s.opt.has_ts);
  assert_int_equal(s.hlen, 24);
  /* The window in a SYN is never scaled (RFC 7323 2.2). */
  assert_int_equal(s.wnd, TCP_WND > 0xffff ? 0xffff : TCP_WND);
  assert_int_equal(tt_rec.naccept, 0);
  /* The handshake waits in the SYN queue: an entry, no PCB yet. */
  expect_handshakes(1, 0);
  c.our_iss = s.seq;
  c.our_nxt = s.seq + 1U;
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.naccept, 1);
  assert_non_null(tt_rec.accepted);
  assert_int_equal(tt_rec.accepted->state, ESTABLISHED);
  assert_int_equal(tt_rec.accepted->snd_una, c.our_iss + 1U);
  assert_int_equal(tt_rec.accepted->rcv_nxt, 5001);
  /* Peer MSS 1460 but no options: our MSS is min(1460, ours). */
  assert_int_equal(tt_rec.accepted->mss, LWIP_MIN(TT_PEER_MSS, TCP_MSS));
  tt_expect_nothing();
}

/* A passive open with every option: what the SYN-ACK carries. */
static void passive_open_all_options(void **state)
{
  (void)state;
  TT_NEEDS(TT_OPT_BUILT == TT_OPT_ALL);
  struct tt_conn c;
  struct tt_seg s;
  syn_all_options_to_listener(&c, 77, &s);
  assert_int_equal(s.ack, 78);
  assert_true(s.opt.has_mss && s.opt.has_ws && s.opt.sack_perm && s.opt.has_ts);
  assert_int_equal(s.opt.mss, LWIP_MIN(TCP_MSS, 1500 - 40));
  assert_int_equal(s.opt.ws, TCP_RCV_SCALE);
  assert_int_equal(s.opt.tsecr, c.peer_ts - 1U); /* RFC 7323 3.2: echo the SYN's TSval */
  assert_int_equal(s.wnd, TCP_WND > 0xffff ? 0xffff : TCP_WND);
  tt_send(&c, TCP_ACK, NULL, 0);
  struct tcp_pcb *pcb = tt_rec.accepted;
  assert_non_null(pcb);
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_true(pcb->flags & TF_WND_SCALE);
  assert_true(pcb->flags & TF_SACK);
  assert_true(pcb->flags & TF_TIMESTAMP);
  assert_int_equal(pcb->snd_scale, TT_PEER_WS);
  assert_int_equal(pcb->rcv_scale, TCP_RCV_SCALE);
  /* RFC 7323 4.2 (and lwIP): 12 bytes of every segment go to timestamps. */
  assert_int_equal(pcb->mss, LWIP_MIN(TT_PEER_MSS, TCP_MSS) - 12);
  /* The ACK's window field was scaled by the peer's shift. */
  assert_int_equal(pcb->snd_wnd, 0xffffUL << TT_PEER_WS);
}

/* CLOSED -> SYN_SENT -> ESTABLISHED; the SYN's options. */
static void active_open_steps(void **state)
{
  (void)state;
  struct tcp_pcb *pcb = tcp_new();
  assert_non_null(pcb);
  tt_attach(pcb);
  assert_int_equal(pcb->state, CLOSED);
  assert_int_equal(tcp_connect(pcb, tt_peer_addr(), 8080, tt_connected_cb), ERR_OK);
  assert_int_equal(pcb->state, SYN_SENT);
  assert_int_equal(tcp_connect(pcb, tt_peer_addr(), 8080, tt_connected_cb), ERR_ISCONN);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN);
  assert_int_equal(s.ack, 0);
  assert_int_equal(s.sport, pcb->local_port);
  assert_true(pcb->local_port >= TCP_LOCAL_PORT_RANGE_START);
  assert_int_equal(s.dport, 8080);
  assert_int_equal(s.seq, pcb->snd_una);
  /* Every option the build has (and only those). */
  assert_true(s.opt.has_mss);
  assert_int_equal(s.opt.has_ws, LWIP_TCP_WSCALE);
  assert_int_equal(s.opt.sack_perm, LWIP_TCP_SACK);
  assert_int_equal(s.opt.has_ts, LWIP_TCP_TIMESTAMPS);
  assert_int_equal(s.opt.tsecr, 0); /* RFC 7323 3.2: TSecr 0 without ACK */
  assert_int_equal(s.opt.ws, TCP_RCV_SCALE);
  tt_expect_nothing();
  struct tt_conn c;
  tt_conn_init(&c, TT_OPT_NONE, 0x2000);
  c.pcb = pcb;
  c.our_port = pcb->local_port;
  c.peer_port = 8080;
  c.our_nxt = s.seq + 1U;
  tt_send(&c, TCP_SYN | TCP_ACK, NULL, 0);
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_int_equal(tt_rec.nconnected, 1);
  assert_int_equal(tt_rec.connected_err, ERR_OK);
  /* The peer offered nothing: nothing is in use. */
  assert_false(pcb->flags & (TF_WND_SCALE | TF_SACK | TF_TIMESTAMP));
  tt_expect_seg(&c, TCP_ACK, 0, &s);
  assert_false(s.opt.has_ts);
  /* No scaling: the field is the window itself, up to 0xffff. */
  assert_int_equal(s.wnd, TCP_WND > 0xffff ? 0xffff : TCP_WND);
  tt_expect_nothing();
}

/* The fixtures themselves, with and without options.  One connection at
 * a time, so the minimal profile's four PCBs suffice. */
static void fixtures_all_states(void **state)
{
  (void)state;
  static const unsigned opt_sets[] = {TT_OPT_NONE, TT_OPT_ALL, TT_OPT_TS, TT_OPT_WS | TT_OPT_SACK};
  static void (*const setups[])(struct tt_conn *, unsigned) = {setup_established_passive,
                                                               setup_established_active,
                                                               setup_fin_wait_1,
                                                               setup_fin_wait_2,
                                                               setup_close_wait,
                                                               setup_closing,
                                                               setup_last_ack,
                                                               setup_time_wait};
  static const enum tcp_state want[] = {ESTABLISHED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2,
                                        CLOSE_WAIT,  CLOSING,     LAST_ACK,   TIME_WAIT};
  for (size_t i = 0; i < LWIP_ARRAYSIZE(opt_sets); i++) {
    for (size_t k = 0; k < LWIP_ARRAYSIZE(setups); k++) {
      struct tt_conn c;
      setups[k](&c, opt_sets[i]);
      assert_int_equal(c.pcb->state, want[k]);
      /* What both offered: a build without an option ignores the peer's. */
      unsigned used = opt_sets[i] & TT_OPT_BUILT;
      assert_int_equal((c.pcb->flags & TF_TIMESTAMP) != 0, (used & TT_OPT_TS) != 0);
      assert_int_equal((c.pcb->flags & TF_SACK) != 0, (used & TT_OPT_SACK) != 0);
      assert_int_equal((c.pcb->flags & TF_WND_SCALE) != 0, (used & TT_OPT_WS) != 0);
      assert_int_equal(c.pcb->rcv_nxt, c.peer_nxt);
      assert_int_equal(c.pcb->snd_nxt, c.our_nxt);
      assert_int_equal(tt_pcb_count(), 1);
      tt_cleanup();
    }
  }
}

/* Simultaneous open: tcp_connect from our port @p lport to the peer's
 * @p rport, our SYN popped into @p syn.  The peer's SYN (ISN @p peer_iss)
 * is to cross ours, so @p c expects our ISN again: the SYN-ACK we answer
 * with repeats it.  @return our PCB. */
static struct tcp_pcb *crossing_open(struct tt_conn *c, u16_t lport, u16_t rport, u32_t peer_iss, struct tt_seg *syn)
{
  struct tcp_pcb *pcb = tcp_new();
  assert_non_null(pcb);
  tt_attach(pcb);
  assert_int_equal(tcp_bind(pcb, IP_ADDR_ANY, lport), ERR_OK);
  assert_int_equal(tcp_connect(pcb, tt_peer_addr(), rport, tt_connected_cb), ERR_OK);
  assert_true(tt_pop(syn));
  tt_conn_init(c, TT_OPT_NONE, peer_iss);
  c->pcb = pcb;
  c->our_port = lport;
  c->peer_port = rport;
  c->our_iss = syn->seq;
  c->our_nxt = syn->seq;
  return pcb;
}

/* crossing_open, then the peer's SYN crosses ours: we answer SYN-ACK and
 * sit in SYN_RCVD (RFC 9293 3.5 figure 8).  @return our PCB. */
static struct tcp_pcb *crossing_to_syn_rcvd(struct tt_conn *c, u16_t lport, u16_t rport, u32_t peer_iss)
{
  struct tt_seg s;
  struct tcp_pcb *pcb = crossing_open(c, lport, rport, peer_iss, &s);
  tt_send(c, TCP_SYN, NULL, 0);
  tt_expect_seg(c, TCP_SYN | TCP_ACK, 0, NULL);
  assert_int_equal(pcb->state, SYN_RCVD);
  return pcb;
}

/* Simultaneous open (RFC 9293 3.5 figure 8): SYN_SENT gets a SYN. */
static void simultaneous_open(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  struct tcp_pcb *pcb = crossing_open(&c, 5555, 6666, 900, &s);
  assert_int_equal(s.flags, TCP_SYN);
  tt_send(&c, TCP_SYN, NULL, 0); /* the peer's SYN crosses ours */
  assert_int_equal(pcb->state, SYN_RCVD);
  /* We answer with SYN-ACK: our ISN again, acknowledging the peer's SYN. */
  tt_expect_seg(&c, TCP_SYN | TCP_ACK, 0, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.nconnected, 0);
  /* The peer's ACK of our SYN completes it; the application that called
   * tcp_connect hears "connected" once. */
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_int_equal(tt_rec.nconnected, 1);
  assert_int_equal(tt_rec.naccept, 0);
  tt_expect_nothing();
  /* And data flows. */
  tt_send(&c, TCP_ACK | TCP_PSH, "hi", 2);
  assert_int_equal(tt_rec.len, 2);
  assert_memory_equal(tt_rec.data, "hi", 2);
}

/* In SYN_RCVD only an ACK of our SYN is acceptable (RFC 9293 3.10.7.4:
 * SND.UNA < SEG.ACK =< SND.NXT); one at SND.UNA (our ISN) gets
 * <SEQ=SEG.ACK><CTL=RST>, not the duplicate-ACK path, and the handshake
 * goes on. */
static void syn_rcvd_ack_of_isn_gets_rst(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = crossing_to_syn_rcvd(&c, 5558, 6669, 800);
  u32_t isn = c.our_nxt - 1U;
  tt_inject(&c, TCP_ACK, c.peer_nxt, isn, NULL, NULL, 0);
  tt_expect(TCP_RST, isn, 0, NULL);
  tt_expect_nothing();
  assert_int_equal(pcb->state, SYN_RCVD);
  assert_int_equal(pcb->dupacks, 0);
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_int_equal(tt_rec.nconnected, 1);
}

/* A RST in SYN_RCVD reached from SYN_SENT (active open): the connection
 * was refused, the application hears ERR_RST (RFC 9293 3.10.7.4). */
static void simultaneous_open_rst_refused(void **state)
{
  (void)state;
  struct tt_conn c;
  (void)crossing_to_syn_rcvd(&c, 5557, 6668, 700);
  tt_inject(&c, TCP_RST, c.peer_nxt, 0, NULL, NULL, 0);
  tt_expect_err_once(ERR_RST);
  assert_int_equal(tt_rec.nconnected, 0);
  assert_int_equal(tt_pcb_count(), 0);
  tt_expect_nothing();
}

/* Simultaneous open exactly as RFC 9293 figure 8: the peer answers our
 * SYN with its own SYN-ACK while we are in SYN_RCVD.  Its SYN lies below
 * RCV.NXT, so the segment is not acceptable (3.10.7.4): we ACK it and stay;
 * the peer's pure ACK then establishes (as it does for the peer with ours). */
static void simultaneous_open_synack_crossing(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  struct tcp_pcb *pcb = crossing_open(&c, 5556, 6667, 300, &s);
  tt_send(&c, TCP_SYN, NULL, 0);
  tt_expect_seg(&c, TCP_SYN | TCP_ACK, 0, NULL);
  assert_int_equal(pcb->state, SYN_RCVD);
  /* Figure 8 line 6: <SEQ=300><ACK=ISS+1><CTL=SYN,ACK>. */
  tt_inject(&c, TCP_SYN | TCP_ACK, 300, c.our_nxt, NULL, NULL, 0);
  if (pcb->state == SYN_RCVD) {
    tt_expect(TCP_ACK, c.our_nxt, 301, NULL);
    tt_send(&c, TCP_ACK, NULL, 0);
  }
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_int_equal(tt_rec.nconnected, 1);
  tt_expect_nothing();
}

/* A SYN_RCVD connection whose handshake never completes is given up
 * after TCP_SYN_RCVD_TIMEOUT_MS (or after its SYN-ACK retransmissions),
 * with nobody told (it was never accepted). */
static void syn_rcvd_gives_up(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 4000, &s);
  u32_t iss = s.seq;
  /* The SYN-ACK is retransmitted with the same numbers, backing off. */
  test_clock_advance(TCP_RTO_INITIAL_MS + TCP_TICK_SLACK);
  tt_expect(TCP_SYN | TCP_ACK, iss, 4001, NULL);
  test_clock_advance(2 * TCP_RTO_INITIAL_MS + TCP_TICK_SLACK);
  tt_expect(TCP_SYN | TCP_ACK, iss, 4001, NULL);
  test_clock_advance(TCP_SYN_RCVD_TIMEOUT_MS);
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(tt_rec.naccept, 0);
  assert_int_equal(tt_rec.nerr, 0);
  /* Whatever it sent last, it sent no data. */
  while (tt_pop(&s)) {
    assert_int_equal(s.len, 0);
    assert_true(s.flags == (TCP_SYN | TCP_ACK) || s.flags == (TCP_RST | TCP_ACK));
  }
}

/* The listener closes while a handshake is under way: the completing
 * ACK gets a RST and no PCB stays. */
static void listener_closed_during_handshake(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  struct tcp_pcb *l = syn_to_listener(&c, 4000, &s);
  c.our_nxt = s.seq + 1U;
  assert_int_equal(tcp_close(l), ERR_OK);
  tt_listener = NULL;
  tt_send(&c, TCP_ACK, NULL, 0);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(tt_rec.naccept, 0);
}

/* The third segment of the handshake carries data and the FIN: the
 * connection is accepted, gets the data, then NULL, and is in CLOSE_WAIT. */
static void handshake_ack_with_data_and_fin(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 9000, &s);
  c.our_nxt = s.seq + 1U;
  tt_send(&c, TCP_ACK | TCP_PSH | TCP_FIN, "GET /", 5);
  assert_int_equal(tt_rec.naccept, 1);
  c.pcb = tt_rec.accepted;
  assert_int_equal(tt_rec.len, 5);
  assert_memory_equal(tt_rec.data, "GET /", 5);
  assert_int_equal(tt_rec.nfin, 1);
  assert_int_equal(c.pcb->state, CLOSE_WAIT);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  tt_expect_nothing();
}

/* Data written in SYN_SENT waits for the handshake and then goes out,
 * the first data segment acknowledging the SYN-ACK. */
static void write_in_syn_sent(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  struct tcp_pcb *pcb = open_syn_sent(&c, 0x4000, tt_connected_cb, &s);
  assert_int_equal(s.len, 0);
  assert_int_equal(tcp_write(pcb, "early", 5, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(pcb), ERR_OK);
  tt_expect_nothing();
  tt_send(&c, TCP_SYN | TCP_ACK, NULL, 0);
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_true(tt_pop(&s));
  if (s.len == 0) {
    /* A pure ACK first is fine; the data must follow at once. */
    assert_int_equal(s.flags, TCP_ACK);
    assert_int_equal(s.seq, c.our_nxt);
    assert_int_equal(s.ack, c.peer_nxt);
    assert_true(tt_pop(&s));
  }
  assert_int_equal(s.flags, TCP_ACK | TCP_PSH);
  assert_int_equal(s.seq, c.our_nxt);
  assert_int_equal(s.ack, c.peer_nxt);
  assert_int_equal(s.len, 5);
  assert_memory_equal(s.data, "early", 5);
  tt_expect_nothing();
}

/* The peer retransmits its SYN while we are in SYN_RCVD: the SYN-ACK is
 * sent again, same numbers. */
static void syn_rcvd_syn_retransmitted(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 4000, &s);
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  tt_inject(&c, TCP_SYN, 4000, 0, NULL, NULL, 0);
  tt_expect(TCP_SYN | TCP_ACK, s.seq, 4001, NULL);
  tt_expect_nothing();
  expect_handshakes(1, 0);
}

/* SYN_RCVD + RST (passive open): back to LISTEN, nobody told
 * (RFC 9293 3.10.7.4). */
static void syn_rcvd_rst_returns_to_listen(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 4000, &s);
  tt_inject(&c, TCP_RST, 4001, 0, NULL, NULL, 0);
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(tt_rec.naccept, 0);
  assert_int_equal(tt_rec.nerr, 0);
  tt_expect_nothing();
  /* The listener still works. */
  struct tt_conn c2;
  setup_established_passive(&c2, TT_OPT_NONE);
}

/* SYN_RCVD gets an ACK that does not acknowledge our SYN: RST with the
 * segment's ACK as sequence number (RFC 9293 3.10.7.4). */
static void syn_rcvd_bad_ack_rst(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 4000, &s);
  tt_inject(&c, TCP_ACK, 4001, s.seq + 1000U, NULL, NULL, 0);
  tt_expect(TCP_RST, s.seq + 1000U, 0, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.naccept, 0);
  /* The right ACK still completes the handshake. */
  tt_inject(&c, TCP_ACK, 4001, s.seq + 1U, NULL, NULL, 0);
  assert_int_equal(tt_rec.naccept, 1);
}

/* ---------------------------------------------------------------------- */
/* SYN_SENT                                                                */
/* ---------------------------------------------------------------------- */

static struct tcp_pcb *connect_syn_sent(struct tt_conn *c)
{
  struct tt_seg s;
  return open_syn_sent(c, 0x3000, tt_connected_cb, &s);
}

/* RFC 9293 3.10.7.3: a RST in SYN_SENT counts only with an ACK of our SYN. */
static void syn_sent_rst_acceptance(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = connect_syn_sent(&c);
  /* RST without ACK: dropped. */
  tt_inject(&c, TCP_RST, 0, 0, NULL, NULL, 0);
  assert_int_equal(pcb->state, SYN_SENT);
  /* RST|ACK with a wrong ACK: dropped, and no RST for a RST. */
  tt_inject(&c, TCP_RST | TCP_ACK, 0, c.our_iss + 5U, NULL, NULL, 0);
  tt_inject(&c, TCP_RST | TCP_ACK, 0, c.our_iss, NULL, NULL, 0);
  assert_int_equal(pcb->state, SYN_SENT);
  tt_expect_nothing();
  assert_int_equal(tt_rec.nerr, 0);
  /* The right ACK: connection refused. */
  tt_inject(&c, TCP_RST | TCP_ACK, 0, c.our_iss + 1U, NULL, NULL, 0);
  tt_expect_err_once(ERR_RST);
  assert_ptr_equal(tt_rec.err_pcb, pcb);
  assert_int_equal(tt_pcb_count(), 0);
  tt_expect_nothing();
}

/* SYN_SENT + an ACK for something we never sent: RST <SEQ=SEG.ACK>. */
static void syn_sent_bad_ack_rst(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = connect_syn_sent(&c);
  tt_inject(&c, TCP_SYN | TCP_ACK, 0x3000, c.our_iss + 77U, NULL, NULL, 0);
  tt_expect(TCP_RST, c.our_iss + 77U, 0, NULL);
  tt_expect_nothing();
  assert_int_equal(pcb->state, SYN_SENT);
  assert_int_equal(tt_rec.nconnected, 0);
  /* A bare ACK (no SYN) with the right number is ignored. */
  tt_inject(&c, TCP_ACK, 0x3000, c.our_iss + 1U, NULL, NULL, 0);
  assert_int_equal(pcb->state, SYN_SENT);
  tt_expect_nothing();
}

/* tcp_close in SYN_SENT: gone at once, nothing sent (RFC 9293 3.10.4). */
static void syn_sent_close(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = connect_syn_sent(&c);
  assert_int_equal(tcp_close(pcb), ERR_OK);
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(tt_rec.nerr, 0);
  tt_expect_nothing();
  /* A late SYN-ACK meets a closed port. */
  tt_inject(&c, TCP_SYN | TCP_ACK, 0x3000, c.our_iss + 1U, NULL, NULL, 0);
  tt_expect(TCP_RST, c.our_iss + 1U, 0, NULL);
}

/* SYN retransmission with backoff, then giving up. */
static void syn_sent_retransmit(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_pcb *pcb = connect_syn_sent(&c);
  test_clock_advance(TCP_RTO_INITIAL_MS - 10);
  tt_expect_nothing();
  test_clock_advance(10 + TCP_TICK_SLACK);
  tt_expect(TCP_SYN, c.our_iss, 0, NULL);
  test_clock_advance(2 * TCP_RTO_INITIAL_MS + TCP_TICK_SLACK);
  tt_expect(TCP_SYN, c.our_iss, 0, NULL);
  (void)pcb;
  /* The peer answers the retransmission: established, and RFC 6298 5.7
   * keeps the RTO at 3 s after a lost SYN without a sample. */
  tt_send(&c, TCP_SYN | TCP_ACK, NULL, 0);
  assert_int_equal(pcb->state, ESTABLISHED);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  assert_int_equal(tt_rec.nconnected, 1);
}

/* ---------------------------------------------------------------------- */
/* Closing                                                                 */
/* ---------------------------------------------------------------------- */

/* ESTABLISHED -> FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT -> (2 MSL) CLOSED. */
static void active_close_time_wait_2msl(void **state)
{
  (void)state;
  tcp_set_msl(1000);
  struct tt_conn c;
  setup_time_wait(&c, TT_OPT_NONE);
  assert_int_equal(tt_pcb_count(), 1);
  test_clock_advance(2000 - 20);
  assert_int_equal(tt_pcb_count(), 1);
  assert_int_equal(c.pcb->state, TIME_WAIT);
  test_clock_advance(20 + TCP_TICK_SLACK);
  assert_int_equal(tt_pcb_count(), 0);
  tt_expect_nothing();
  /* Nothing is left to answer: a segment now meets a closed port. */
  tt_inject(&c, TCP_ACK, c.peer_nxt, c.our_nxt, NULL, NULL, 0);
  tt_expect(TCP_RST, c.our_nxt, 0, NULL);
}

/* TIME_WAIT: a retransmitted FIN is ACKed again and restarts 2 MSL. */
static void time_wait_fin_retransmitted(void **state)
{
  (void)state;
  tcp_set_msl(1000);
  struct tt_conn c;
  setup_time_wait(&c, TT_OPT_NONE);
  test_clock_advance(1500);
  tt_inject(&c, TCP_FIN | TCP_ACK, c.peer_nxt - 1U, c.our_nxt, NULL, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  test_clock_advance(1500);
  assert_int_equal(tt_pcb_count(), 1); /* restarted at 1500: due at 3500 */
  test_clock_advance(500 + TCP_TICK_SLACK);
  assert_int_equal(tt_pcb_count(), 0);
}

/* After the peer's FIN (TIME_WAIT here, and CLOSE_WAIT/LAST_ACK), an
 * acceptable segment beyond RCV.NXT cannot be right: it is acknowledged at
 * once (RFC 9293 3.10.7.4, first check) so the peer learns where we are,
 * and it does not restart 2 MSL (only a FIN does). */
static void time_wait_acks_segment_beyond_rcv_nxt(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_time_wait(&c, TT_OPT_NONE);
  tt_inject(&c, TCP_ACK, c.peer_nxt + 10U, c.our_nxt, NULL, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt + 10U, c.our_nxt, NULL, "late", 4);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 0);
  struct tt_conn w;
  setup_close_wait(&w, TT_OPT_NONE);
  tt_inject(&w, TCP_ACK, w.peer_nxt + 10U, w.our_nxt, NULL, NULL, 0);
  tt_expect(TCP_ACK, w.our_nxt, w.peer_nxt, NULL);
  /* At RCV.NXT a pure ACK is just an ACK: nothing is sent. */
  tt_inject(&w, TCP_ACK, w.peer_nxt, w.our_nxt, NULL, NULL, 0);
  tt_expect_nothing();
}

/* FIN_WAIT_1 gets FIN+ACK of our FIN: straight to TIME_WAIT. */
static void fin_wait_1_to_time_wait(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_fin_wait_1(&c, TT_OPT_NONE);
  tt_send(&c, TCP_FIN | TCP_ACK, NULL, 0);
  assert_int_equal(c.pcb->state, TIME_WAIT);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  tt_expect_nothing();
}

/* Simultaneous close: FIN_WAIT_1 -> CLOSING -> TIME_WAIT. */
static void simultaneous_close(void **state)
{
  (void)state;
  tcp_set_msl(500);
  struct tt_conn c;
  setup_closing(&c, TT_OPT_NONE);
  tt_send(&c, TCP_ACK, NULL, 0); /* now the peer acknowledges our FIN */
  assert_int_equal(c.pcb->state, TIME_WAIT);
  tt_expect_nothing();
  test_clock_advance(1000 + TCP_TICK_SLACK);
  assert_int_equal(tt_pcb_count(), 0);
}

/* ESTABLISHED -> CLOSE_WAIT -> LAST_ACK -> CLOSED. */
static void passive_close(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_last_ack(&c, TT_OPT_NONE);
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(tt_rec.nerr, 0); /* tcp_close gave the PCB to the stack */
  tt_expect_nothing();
}

/* The application closes only its sending side in CLOSE_WAIT: when the
 * FIN is acknowledged the PCB goes, and err tells it ERR_CLSD. */
static void close_wait_shutdown_tx(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_close_wait(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  assert_int_equal(tcp_shutdown(pcb, 0, 1), ERR_OK);
  assert_int_equal(pcb->state, LAST_ACK);
  tt_expect_seg(&c, TCP_FIN | TCP_ACK, 0, NULL);
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_pcb_count(), 0);
  tt_expect_err_once(ERR_CLSD);
}

/* Half-close: tcp_shutdown(tx) and the peer keeps sending. */
static void half_close_peer_keeps_sending(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_NONE);
  assert_int_equal(tcp_shutdown(c.pcb, 0, 1), ERR_OK);
  assert_int_equal(c.pcb->state, FIN_WAIT_1);
  tt_expect_seg(&c, TCP_FIN | TCP_ACK, 0, NULL);
  assert_int_equal(tcp_write(c.pcb, "x", 1, TCP_WRITE_FLAG_COPY), ERR_CONN);
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(c.pcb->state, FIN_WAIT_2);
  /* Data after our FIN still reaches the application. */
  tt_send(&c, TCP_ACK | TCP_PSH, pattern, 100);
  tt_send(&c, TCP_ACK | TCP_PSH, pattern + 100, 200);
  assert_int_equal(tt_rec.len, 300);
  assert_memory_equal(tt_rec.data, pattern, 300);
  tt_expect_seg(&c, TCP_ACK, 0, NULL); /* every second segment at once */
  tt_expect_nothing();
  /* Nothing more is sent by the FIN_WAIT_2 timeout: we still read. */
  test_clock_advance(TCP_FIN_WAIT_TIMEOUT_MS + 1000);
  assert_int_equal(c.pcb->state, FIN_WAIT_2);
  tt_expect_nothing();
  tt_send(&c, TCP_FIN | TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.nfin, 1);
  assert_int_equal(c.pcb->state, TIME_WAIT);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
}

/* FIN_WAIT_2 after tcp_close (no reader) is not kept forever. */
static void fin_wait_2_timeout(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_fin_wait_2(&c, TT_OPT_NONE);
  test_clock_advance(TCP_FIN_WAIT_TIMEOUT_MS - 100);
  assert_int_equal(tt_pcb_count(), 1);
  test_clock_advance(200);
  assert_int_equal(tt_pcb_count(), 0);
}

/* recv gets NULL once on FIN; data before the FIN comes first. */
static void fin_after_data_recv_null(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  tt_send(&c, TCP_ACK | TCP_PSH | TCP_FIN, "bye", 3);
  assert_int_equal(tt_rec.len, 3);
  assert_memory_equal(tt_rec.data, "bye", 3);
  assert_int_equal(tt_rec.nfin, 1);
  assert_int_equal(c.pcb->state, CLOSE_WAIT);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  /* A retransmitted FIN is not delivered twice. */
  tt_inject(&c, TCP_ACK | TCP_FIN, c.peer_nxt - 1U, c.our_nxt, NULL, NULL, 0);
  assert_int_equal(tt_rec.nfin, 1);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  /* We can still send in CLOSE_WAIT. */
  assert_int_equal(tcp_write(c.pcb, "ok", 2, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(c.pcb), ERR_OK);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 2, NULL);
}

/* Closing with unread data resets the connection (RFC 1122 4.2.2.13). */
static void close_with_unread_data_rst(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  tcp_recv(c.pcb, recv_keep);
  tt_send(&c, TCP_ACK | TCP_PSH, "unread", 6);
  assert_int_equal(tt_rec.len, 6);
  test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  assert_int_equal(tcp_close(c.pcb), ERR_OK);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_pcb_count(), 0);
}

/* Text on a SYN-ACK is queued and acknowledged (RFC 9293 3.10.7.3: in
 * SYN-SENT, after the SYN is taken, "continue processing at the sixth
 * step"): the ACK covers SYN and data, and the application reads it. */
static void synack_with_data(void **state)
{
  (void)state;
  struct tt_conn c;
  tt_conn_init(&c, TT_OPT_NONE, TT_PEER_ISN);
  struct tcp_pcb *pcb = tcp_new();
  assert_non_null(pcb);
  tt_attach(pcb);
  assert_int_equal(tcp_connect(pcb, tt_peer_addr(), TT_PEER_LISTEN_PORT, tt_connected_cb), ERR_OK);
  c.pcb = pcb;
  c.our_port = pcb->local_port;
  c.peer_port = TT_PEER_LISTEN_PORT;
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN);
  c.our_iss = s.seq;
  c.our_nxt = s.seq + 1U;
  tt_send(&c, TCP_SYN | TCP_ACK, "abc", 3);
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_int_equal(tt_rec.nconnected, 1);
  tt_expect(TCP_ACK, c.our_nxt, TT_PEER_ISN + 4U, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 3);
  assert_memory_equal(tt_rec.data, "abc", 3);
  /* A FIN on the SYN-ACK as well: CLOSE_WAIT at once. */
  struct tt_conn d;
  tt_conn_init(&d, TT_OPT_NONE, TT_PEER_ISN + 1000U);
  struct tcp_pcb *p2 = tcp_new();
  assert_non_null(p2);
  tt_attach(p2);
  assert_int_equal(tcp_connect(p2, tt_peer_addr(), TT_PEER_LISTEN_PORT, tt_connected_cb), ERR_OK);
  d.pcb = p2;
  d.our_port = p2->local_port;
  d.peer_port = TT_PEER_LISTEN_PORT;
  assert_true(tt_pop(&s));
  d.our_iss = s.seq;
  d.our_nxt = s.seq + 1U;
  tt_send(&d, TCP_SYN | TCP_ACK | TCP_FIN, "xy", 2);
  assert_int_equal(p2->state, CLOSE_WAIT);
  tt_expect(TCP_ACK, d.our_nxt, TT_PEER_ISN + 1000U + 4U, NULL);
  assert_int_equal(tt_rec.len, 5);
  assert_int_equal(tt_rec.nfin, 1);
}

/* Once timestamps are in use, the RST sent on a close with unread data
 * carries TSopt (RFC 7323 3.2: TSval from our clock, TSecr = TS.Recent). */
static void rst_carries_timestamp(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_TIMESTAMPS);
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_TS);
  tcp_recv(c.pcb, recv_keep);
  c.peer_ts = 90000;
  tt_send(&c, TCP_ACK | TCP_PSH, "unread", 6);
  test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
  struct tt_seg s;
  tt_expect_seg(&c, TCP_ACK, 0, &s);
  u32_t tsval = s.opt.tsval;
  test_clock_advance(40);
  assert_int_equal(tcp_close(c.pcb), ERR_OK);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt, &s);
  assert_true(s.opt.has_ts);
  assert_int_equal(s.opt.tsecr, 90000);
  assert_true(s.opt.tsval - tsval >= 40 && s.opt.tsval - tsval <= 40U + TCP_TICK_SLACK);
  tt_expect_nothing();
  assert_int_equal(tt_pcb_count(), 0);
}

/* Data arriving after tcp_close (receive side closed): RST. */
static void data_after_close_rst(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_fin_wait_2(&c, TT_OPT_NONE);
  tt_send(&c, TCP_ACK | TCP_PSH, "late", 4);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt - 4U, NULL);
  assert_int_equal(tt_pcb_count(), 0);
}

/* tcp_abort: RST|ACK with our numbers, err ERR_ABRT after the free. */
static void abort_sends_rst(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  tcp_abort(pcb);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_err_once(ERR_ABRT);
  assert_ptr_equal(tt_rec.err_pcb, pcb);
  assert_int_equal(tt_pcb_count(), 0);
}

/* LAST_ACK: data past the FIN only earns an ACK. */
static void last_ack_ignores_data(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_last_ack(&c, TT_OPT_NONE);
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt - 1U, NULL, "zz", 2);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  assert_int_equal(c.pcb->state, LAST_ACK);
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_pcb_count(), 0);
}

/* ---------------------------------------------------------------------- */
/* TIME_WAIT reuse                                                         */
/* ---------------------------------------------------------------------- */

/* A passive connection the server closed first, in TIME_WAIT on port 80. */
static void passive_time_wait(struct tt_conn *c)
{
  setup_established_passive(c, TT_OPT_NONE);
  assert_int_equal(tcp_close(c->pcb), ERR_OK);
  tt_expect_seg(c, TCP_FIN | TCP_ACK, 0, NULL);
  tt_send(c, TCP_FIN | TCP_ACK, NULL, 0);
  assert_int_equal(c->pcb->state, TIME_WAIT);
  tt_expect_seg(c, TCP_ACK, 0, NULL);
}

/* RFC 9293 3.10.7.4 / RFC 6191: a new SYN with a higher sequence number
 * reopens a 4-tuple in TIME_WAIT. */
static void time_wait_reuse_higher_seq(void **state)
{
  (void)state;
  struct tt_conn c;
  passive_time_wait(&c);
  struct tcp_pcb *old = c.pcb;
  u32_t new_isn = c.peer_nxt + 100000U;
  tt_inject(&c, TCP_SYN, new_isn, 0, NULL, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(s.ack, new_isn + 1U);
  assert_int_equal(s.dport, c.peer_port);
  /* The TIME_WAIT PCB was replaced by a handshake in the SYN queue. */
  expect_handshakes(1, 0);
  tt_inject(&c, TCP_ACK, new_isn + 1U, s.seq + 1U, NULL, NULL, 0);
  assert_int_equal(tt_rec.naccept, 2);
  assert_int_equal(tt_rec.accepted->state, ESTABLISHED);
  assert_int_equal(tt_rec.accepted->remote_port, c.peer_port);
  (void)old;
}

/* A SYN with a lower sequence number is not a new connection: it gets
 * the TIME_WAIT ACK and the PCB stays. */
static void time_wait_old_syn_acked(void **state)
{
  (void)state;
  struct tt_conn c;
  passive_time_wait(&c);
  tt_inject(&c, TCP_SYN, c.peer_iss, 0, NULL, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_nothing();
  assert_int_equal(c.pcb->state, TIME_WAIT);
  assert_int_equal(tt_rec.naccept, 1);
}

/* ---------------------------------------------------------------------- */
/* RST and SYN acceptance (RFC 9293 3.10.7.4, RFC 5961)                    */
/* ---------------------------------------------------------------------- */

static void rst_exact_resets(void **state)
{
  (void)state;
  static const unsigned opts[] = {TT_OPT_NONE, TT_OPT_TS};
  for (size_t i = 0; i < LWIP_ARRAYSIZE(opts); i++) {
    memset(&tt_rec, 0, sizeof(tt_rec));
    struct tt_conn c;
    setup_established_active(&c, opts[i]);
    struct tcp_pcb *pcb = c.pcb;
    /* RFC 7323 5.3: a RST is accepted without a (fresh) timestamp. */
    struct tt_opts none;
    memset(&none, 0, sizeof(none));
    tt_inject(&c, TCP_RST, c.peer_nxt, 0, &none, NULL, 0);
    tt_expect_err_once(ERR_RST);
    assert_ptr_equal(tt_rec.err_pcb, pcb);
    assert_int_equal(tt_pcb_count(), 0);
    tt_expect_nothing();
  }
}

static void rst_in_window_challenge_ack(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
#if LWIP_STATS
  u32_t before = DROPS(TCP_CHALLENGE_ACK);
#endif
  tt_inject(&c, TCP_RST, c.peer_nxt + 1U, 0, NULL, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  /* The window is the one announced (65535: no window scaling here), not
   * the larger one we could take (RFC 5961 3.2 with RFC 9293 3.10.7.4). */
  u32_t wnd = LWIP_MIN((u32_t)c.pcb->rcv_wnd, 0xffffU);
  tt_inject(&c, TCP_RST | TCP_ACK, c.peer_nxt + wnd - 1U, c.our_nxt, NULL, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_nothing();
  if (c.pcb->rcv_wnd > 0xffffU) {
    /* Just past the announced edge: silently dropped, no challenge. */
    tt_inject(&c, TCP_RST | TCP_ACK, c.peer_nxt + wnd, c.our_nxt, NULL, NULL, 0);
    tt_expect_nothing();
  }
  assert_int_equal(c.pcb->state, ESTABLISHED);
  assert_int_equal(tt_rec.nerr, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_CHALLENGE_ACK), before + 2);
#endif
  /* The peer answers the challenge with the exact RST: now it counts. */
  tt_inject(&c, TCP_RST, c.peer_nxt, 0, NULL, NULL, 0);
  assert_int_equal(tt_rec.err, ERR_RST);
  assert_int_equal(tt_pcb_count(), 0);
}

/* Without window scaling 65535 is announced though more could be taken:
 * a segment beyond that edge is not acceptable (RFC 9293 3.10.7.4): it is
 * dropped with an ACK, not queued and SACKed. */
static void window_is_the_announced_one(void **state)
{
  (void)state;
  if (TCP_WND <= 0xffffU) {
    skip();
  }
  fill_pattern();
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_SACK);
  assert_false(c.pcb->flags & TF_WND_SCALE);
  u32_t base = c.peer_nxt;
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 70000U, c.our_nxt, NULL, pattern, 100);
  struct tt_seg s;
  tt_expect(TCP_ACK, c.our_nxt, base, &s);
  assert_int_equal(s.opt.nsack, 0);
  assert_int_equal(s.wnd, 0xffff);
  assert_int_equal(c.pcb->ooseq_segs, 0);
  /* Just inside the edge it is queued and SACKed (a build without
   * tcp_sack sends a plain duplicate ACK). */
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 0xffffU - 100U, c.our_nxt, NULL, pattern, 100);
  tt_expect(TCP_ACK, c.our_nxt, base, &s);
  assert_int_equal(s.opt.nsack, LWIP_TCP_SACK ? 1 : 0);
  if (LWIP_TCP_SACK) {
    assert_int_equal(s.opt.sack[0][0], base + 0xffffU - 100U);
  }
}

static void rst_out_of_window_ignored(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  u32_t wnd = c.pcb->rcv_wnd;
  tt_inject(&c, TCP_RST, c.peer_nxt - 1U, 0, NULL, NULL, 0);
  tt_inject(&c, TCP_RST, c.peer_nxt + wnd, 0, NULL, NULL, 0);
  tt_inject(&c, TCP_RST | TCP_ACK, c.peer_nxt + 0x40000000U, c.our_nxt, NULL, NULL, 0);
  tt_expect_nothing();
  assert_int_equal(c.pcb->state, ESTABLISHED);
  assert_int_equal(tt_rec.nerr, 0);
}

/* RFC 5961 7: at most TCP_CHALLENGE_ACK_LIMIT challenge ACKs a second. */
static void challenge_ack_rate_limit(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  for (unsigned i = 0; i < TCP_CHALLENGE_ACK_LIMIT + 5U; i++) {
    tt_inject(&c, TCP_RST, c.peer_nxt + 10U, 0, NULL, NULL, 0);
  }
  for (unsigned i = 0; i < TCP_CHALLENGE_ACK_LIMIT; i++) {
    tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  }
  tt_expect_nothing();
  test_clock_advance(1000);
  tt_inject(&c, TCP_RST, c.peer_nxt + 10U, 0, NULL, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
}

/* RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK, in
 * window or not; the connection stays. */
static void syn_in_established_challenge(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_NONE);
  tt_inject(&c, TCP_SYN, c.peer_nxt, 0, NULL, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_inject(&c, TCP_SYN, c.peer_nxt + 1000U, 0, NULL, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_inject(&c, TCP_SYN | TCP_ACK, c.peer_nxt + 5U, c.our_nxt, NULL, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_nothing();
  assert_int_equal(c.pcb->state, ESTABLISHED);
  assert_int_equal(tt_rec.nerr, 0);
  tt_send(&c, TCP_ACK | TCP_PSH, "ok", 2);
  assert_int_equal(tt_rec.len, 2);
}

/* An ACK above SND.NXT: dropped, answered with an ACK (RFC 9293
 * 3.10.7.4, RFC 5961 5.2), its data not delivered. */
static void ack_above_snd_max(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
#if LWIP_STATS
  u32_t before = DROPS(TCP_BAD_ACK);
#endif
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt + 1U, NULL, "abc", 3);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 0);
  assert_int_equal(c.pcb->rcv_nxt, c.peer_nxt);
  assert_int_equal(c.pcb->snd_una, c.our_nxt);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_BAD_ACK), before + 1);
#endif
}

/* Out-of-window data: ACK, nothing delivered. */
static void data_out_of_window_acked(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt - 10U, c.our_nxt, NULL, "0123456789", 10);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt + (u32_t)c.pcb->rcv_wnd, c.our_nxt, NULL, "x", 1);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 0);
}

/* A segment without ACK in a synchronized state is dropped silently. */
static void no_ack_flag_dropped(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  tt_inject(&c, TCP_PSH, c.peer_nxt, 0, NULL, "abc", 3);
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 0);
}

/* RFC 5961 5.2: an ACK older than SND.UNA - MAX.SND.WND is dropped with
 * an ACK; a duplicate ACK within it is fine. */
static void ack_too_old_dropped(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt - 0x20000000U, NULL, "old", 3);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  assert_int_equal(tt_rec.len, 0);
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt - 1U, NULL, "dup", 3);
  assert_int_equal(tt_rec.len, 3);
}

/* A segment overlapping what we have: only the new part is delivered. */
static void overlap_trimmed(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  u32_t base = c.peer_nxt;
  tt_send(&c, TCP_ACK | TCP_PSH, pattern, 10);
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 5U, c.our_nxt, NULL, pattern + 5, 15);
  c.peer_nxt = base + 20U;
  assert_int_equal(tt_rec.len, 20);
  assert_memory_equal(tt_rec.data, pattern, 20);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  /* Entirely old: an immediate ACK, nothing delivered. */
  tt_inject(&c, TCP_ACK | TCP_PSH, base, c.our_nxt, NULL, pattern, 20);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  assert_int_equal(tt_rec.len, 20);
}

/* A FIN beyond a hole waits in the out-of-order queue; filling the hole
 * delivers the data, then the FIN. */
static void ooseq_fin_after_hole(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_OOSEQ);
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_SACK);
  u32_t base = c.peer_nxt;
  tt_inject(&c, TCP_ACK | TCP_PSH | TCP_FIN, base + 10U, c.our_nxt, NULL, pattern + 10, 10);
  struct tt_seg s;
  tt_expect(TCP_ACK, c.our_nxt, base, &s);
  assert_int_equal(s.opt.nsack, LWIP_TCP_SACK ? 1 : 0);
  if (LWIP_TCP_SACK) {
    assert_int_equal(s.opt.sack[0][0], base + 10U);
    assert_int_equal(s.opt.sack[0][1], base + 21U); /* the FIN counts */
  }
  assert_int_equal(tt_rec.nfin, 0);
  assert_int_equal(c.pcb->state, ESTABLISHED);
  tt_inject(&c, TCP_ACK | TCP_PSH, base, c.our_nxt, NULL, pattern, 10);
  assert_int_equal(tt_rec.len, 20);
  assert_memory_equal(tt_rec.data, pattern, 20);
  assert_int_equal(tt_rec.nfin, 1);
  assert_int_equal(c.pcb->state, CLOSE_WAIT);
  tt_expect(TCP_ACK, c.our_nxt, base + 21U, &s);
  assert_int_equal(s.opt.nsack, 0);
}

/* The highest ACK among everything the stack sent (consumes it all). */
static u32_t last_ack_sent(u32_t from)
{
  u32_t ack = from;
  struct tt_seg s;
  while (tt_pop(&s)) {
    if ((s.flags & TCP_ACK) && TCP_SEQ_GT(s.ack, ack)) {
      ack = s.ack;
    }
  }
  return ack;
}

/* RFC 9293 3.10.7.4 "eighth, check the FIN bit": a FIN is taken at its own
 * sequence number.  Data [10, 30) waits out of order, then a bare FIN at
 * 10 arrives (an inconsistent peer): the stream ends at 10.  Filling the
 * hole delivers 10 bytes and the FIN, and the ACK is 11, never one past
 * the data queued beyond the FIN (which was ACK 31, for a sequence
 * number the peer never sent). */
static void ooseq_bare_fin_inside_queued_data(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_OOSEQ);
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_SACK);
  u32_t base = c.peer_nxt;
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 10U, c.our_nxt, NULL, pattern + 10, 20);
  tt_inject(&c, TCP_ACK | TCP_FIN, base + 10U, c.our_nxt, NULL, NULL, 0);
  tt_inject(&c, TCP_ACK | TCP_PSH, base, c.our_nxt, NULL, pattern, 10);
  assert_int_equal(tt_rec.len, 10);
  assert_memory_equal(tt_rec.data, pattern, 10);
  assert_int_equal(tt_rec.nfin, 1);
  assert_int_equal(c.pcb->state, CLOSE_WAIT);
  assert_int_equal(c.pcb->rcv_nxt, base + 11U);
  assert_int_equal(last_ack_sent(base), base + 11U);
}

/* The same with the FIN first and the data beyond it arriving in order
 * while the application refuses data (the held path): the data is cut at
 * the FIN, which is taken at 10 (RFC 9293 3.10.7.4), not after 20 bytes. */
static void refused_data_cut_at_queued_fin(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_OOSEQ);
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_SACK);
  tt_rec.recv_ret = ERR_MEM;
  tt_send(&c, TCP_ACK | TCP_PSH, "first", 5);
  assert_non_null(c.pcb->refused_data);
  u32_t base = c.peer_nxt;
  tt_inject(&c, TCP_ACK | TCP_FIN, base + 10U, c.our_nxt, NULL, NULL, 0);
  tt_inject(&c, TCP_ACK | TCP_PSH, base, c.our_nxt, NULL, pattern, 20);
  assert_int_equal(c.pcb->rcv_nxt, base + 11U);
  assert_int_equal(c.pcb->state, CLOSE_WAIT);
  assert_int_equal(last_ack_sent(base), base + 11U);
  tt_rec.recv_ret = ERR_OK;
  test_clock_advance(TCP_REFUSED_RETRY_MS + TCP_TICK_SLACK);
  assert_int_equal(tt_rec.len, 15);
  assert_memory_equal(tt_rec.data + 5, pattern, 10);
  assert_int_equal(tt_rec.nfin, 1);
  assert_null(c.pcb->ooseq);
}

/* A FIN carrying segment below data already queued cuts the queue at the
 * FIN; the queue never holds data beyond a FIN. */
static void ooseq_fin_cuts_queue(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_OOSEQ);
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_SACK);
  u32_t base = c.peer_nxt;
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 20U, c.our_nxt, NULL, pattern + 20, 20);
  tt_inject(&c, TCP_ACK | TCP_FIN, base + 10U, c.our_nxt, NULL, pattern + 10, 15);
  /* Only [10, 25) and its FIN remain queued, data straddling 25 trimmed. */
  u32_t qbytes = 0;
  for (const struct tcp_seg *q = c.pcb->ooseq; q != NULL; q = q->next) {
    assert_true(TCP_SEQ_LEQ(q->seqno + q->len, base + 25U));
    qbytes += q->len;
  }
  assert_int_equal(qbytes, c.pcb->ooseq_bytes);
  tt_inject(&c, TCP_ACK | TCP_PSH, base, c.our_nxt, NULL, pattern, 10);
  assert_int_equal(tt_rec.len, 25);
  assert_memory_equal(tt_rec.data, pattern, 25);
  assert_int_equal(tt_rec.nfin, 1);
  assert_int_equal(c.pcb->rcv_nxt, base + 26U);
  assert_int_equal(last_ack_sent(base), base + 26U);
}

/* tcp_shutdown(rx): data arriving afterwards resets (RFC 9293 3.10.4). */
static void shutdown_rx_then_data_rst(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  assert_int_equal(tcp_shutdown(c.pcb, 1, 0), ERR_OK);
  assert_int_equal(c.pcb->state, ESTABLISHED);
  tt_expect_nothing();
  /* We may still send. */
  write_push(&c, "tx", 2, NULL);
  tt_send(&c, TCP_ACK | TCP_PSH, "rx", 2);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt - 2U, NULL);
  assert_int_equal(tt_rec.len, 0);
  assert_int_equal(tt_rec.nerr, 1);
  assert_int_equal(tt_rec.err, ERR_ABRT);
  assert_int_equal(tt_pcb_count(), 0);
}

/* The backlog count is given back when a half-open connection dies by
 * RST or by the SYN_RCVD timeout. */
static void backlog_released_by_rst_and_timeout(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 1);
  struct tt_conn a, b, d;
  tt_conn_init(&a, TT_OPT_NONE, 100);
  tt_send(&a, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  tt_inject(&a, TCP_RST, 101, 0, NULL, NULL, 0);
  assert_int_equal(tt_pcb_count(), 0);
  tt_conn_init(&b, TT_OPT_NONE, 200);
  tt_send(&b, TCP_SYN, NULL, 0);
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(s.ack, 201);
  test_clock_advance(TCP_SYN_RCVD_TIMEOUT_MS + 60000U);
  assert_int_equal(tt_pcb_count(), 0);
  test_frames_clear(&tt_tn);
  tt_conn_init(&d, TT_OPT_NONE, 300);
  tt_send(&d, TCP_SYN, NULL, 0);
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(s.ack, 301);
  d.our_nxt = s.seq + 1U;
  tt_send(&d, TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.naccept, 1);
}

/* A window update from an older segment is ignored (SND.WL1/WL2 rule,
 * RFC 9293 3.10.7.4). */
static void old_window_update_ignored(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  tt_send(&c, TCP_ACK | TCP_PSH, "abcd", 4);
  assert_int_equal(c.pcb->snd_wnd, 0xffff);
  /* An ACK carrying an older sequence number (reordered) and a small
   * window must not shrink what we know. */
  struct tt_opts none;
  memset(&none, 0, sizeof(none));
  tt_inject_raw(c.peer_port, c.our_port, TCP_ACK, c.peer_nxt - 4U, c.our_nxt, 10, &none, NULL, 0);
  assert_int_equal(c.pcb->snd_wnd, 0xffff);
  tt_inject_raw(c.peer_port, c.our_port, TCP_ACK, c.peer_nxt, c.our_nxt, 1000, &none, NULL, 0);
  assert_int_equal(c.pcb->snd_wnd, 1000);
}

/* ---------------------------------------------------------------------- */
/* Closed ports and listeners                                              */
/* ---------------------------------------------------------------------- */

/* RFC 9293 3.10.7.1: the RST for a segment to a closed port. */
static void closed_port_rst(void **state)
{
  (void)state;
  /* No ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN counted. */
  tt_inject_raw(1234, 81, TCP_SYN, 1000, 0, 8192, NULL, NULL, 0);
  struct tt_seg s;
  tt_expect(TCP_RST | TCP_ACK, 0, 1001, &s);
  assert_int_equal(s.sport, 81);
  assert_int_equal(s.dport, 1234);
  assert_int_equal(s.len, 0);
  assert_int_equal(s.src, test_ip(TT_OUR_IP));
  assert_int_equal(s.dst, test_ip(TT_PEER_IP));
  /* Data and FIN count too. */
  tt_inject_raw(1234, 81, TCP_FIN | TCP_PSH, 0xfffffffeU, 0, 8192, NULL, "abc", 3);
  tt_expect(TCP_RST | TCP_ACK, 0, 2, NULL);
  /* With ACK: <SEQ=SEG.ACK><CTL=RST>. */
  tt_inject_raw(1234, 81, TCP_ACK, 1000, 0xdeadbeefU, 8192, NULL, "abc", 3);
  tt_expect(TCP_RST, 0xdeadbeefU, 0, NULL);
  /* A RST is never answered. */
  tt_inject_raw(1234, 81, TCP_RST, 1000, 0, 8192, NULL, NULL, 0);
  tt_inject_raw(1234, 81, TCP_RST | TCP_ACK, 1000, 5, 8192, NULL, NULL, 0);
  tt_expect_nothing();
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_NO_PCB), 5);
#endif
}

/* A listener: ACK -> RST, RST ignored, SYN+FIN dropped. */
static void listen_odd_segments(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 0);
  tt_inject_raw(2000, TT_LISTEN_PORT, TCP_ACK, 10, 12345, 8192, NULL, NULL, 0);
  tt_expect(TCP_RST, 12345, 0, NULL);
  tt_inject_raw(2000, TT_LISTEN_PORT, TCP_RST, 10, 0, 8192, NULL, NULL, 0);
  tt_inject_raw(2000, TT_LISTEN_PORT, TCP_SYN | TCP_FIN, 10, 0, 8192, NULL, NULL, 0);
  tt_inject_raw(2000, TT_LISTEN_PORT, 0, 10, 0, 8192, NULL, NULL, 0);
  tt_expect_nothing();
  assert_int_equal(tt_pcb_count(), 0);
}

/* A full backlog drops the SYN, silently, and counts it. */
static void listen_backlog_full(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 1);
  struct tt_conn a, b;
  tt_conn_init(&a, TT_OPT_NONE, 100);
  tt_conn_init(&b, TT_OPT_NONE, 200);
  tt_send(&a, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
#if LWIP_STATS
  u32_t before = DROPS(TCP_BACKLOG_FULL);
#endif
  tt_send(&b, TCP_SYN, NULL, 0);
  tt_expect_nothing();
  expect_handshakes(1, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_BACKLOG_FULL), before + 1);
#endif
  /* a completes and is accepted: the backlog has room again. */
  a.our_nxt = s.seq + 1U;
  tt_send(&a, TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.naccept, 1);
  b.peer_nxt = 200;
  tt_send(&b, TCP_SYN, NULL, 0);
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(s.ack, 201);
}

/* With the handshake queue full the listener answers with a SYN cookie
 * (RFC 4987 3.6): no PCB until the peer's ACK brings the cookie back,
 * then a connection with the options the cookie encoded. */
static void syn_cookie_handshake(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_SYNQ_COOKIES && TT_OPT_BUILT == TT_OPT_ALL);
  setup_listen(TT_LISTEN_PORT, 0);
  /* Fill the queue with half-open connections. */
  struct tt_seg s;
  for (u32_t i = 0; i < TCP_SYN_QUEUE_MAX; i++) {
    struct tt_conn h;
    tt_conn_init(&h, TT_OPT_NONE, 100000U * i);
    tt_send(&h, TCP_SYN, NULL, 0);
    assert_true(tt_pop(&s));
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  }
  int pcbs = tt_pcb_count();
  assert_int_equal(pcbs, 0);
  assert_int_equal(tcp_synq_count(), TCP_SYN_QUEUE_MAX);
  static const unsigned opt_sets[] = {TT_OPT_ALL, TT_OPT_NONE};
  for (size_t k = 0; k < LWIP_ARRAYSIZE(opt_sets); k++) {
    struct tt_conn c;
    tt_conn_init(&c, opt_sets[k], 0x77777777U);
    tt_send(&c, TCP_SYN, NULL, 0);
    assert_true(tt_pop(&s));
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(s.ack, 0x77777778U);
    assert_int_equal(tt_pcb_count(), pcbs); /* nothing allocated */
    bool all = opt_sets[k] == TT_OPT_ALL;
    assert_int_equal(s.opt.has_ts, all);
    /* Without timestamps the cookie cannot carry WS or SACK. */
    assert_int_equal(s.opt.has_ws, all);
    assert_int_equal(s.opt.sack_perm, all);
    assert_true(s.opt.has_mss);
    c.our_nxt = s.seq + 1U;
    c.ts = s.opt.has_ts;
    c.our_ts = s.opt.tsval;
    /* A forged cookie gets a RST. */
    tt_inject(&c, TCP_ACK, c.peer_nxt, c.our_nxt ^ 0x00001000U, NULL, NULL, 0);
    tt_expect(TCP_RST, c.our_nxt ^ 0x00001000U, 0, NULL);
    assert_int_equal(tt_pcb_count(), pcbs);
    /* So does one whose top byte was changed: the period counter, the
     * timestamp bit and the MSS index are covered by the hash too. */
    for (unsigned bit = 24; bit < 32; bit++) {
      struct tt_opts o;
      tt_conn_opts(&c, &o);
      tt_inject(&c, TCP_ACK, c.peer_nxt, c.our_nxt ^ (1UL << bit), c.ts ? &o : NULL, NULL, 0);
      tt_expect(TCP_RST, c.our_nxt ^ (1UL << bit), 0, NULL);
      assert_int_equal(tt_pcb_count(), pcbs);
    }
    if (all) {
      /* The cookie covers the use of timestamps: an ACK that leaves out
       * the TSopt agreed in the SYN-ACK gets a RST, not a connection whose
       * window scale the two ends read differently. */
      struct tt_opts no_ts;
      tt_conn_opts(&c, &no_ts);
      no_ts.has_ts = false;
      tt_inject(&c, TCP_ACK, c.peer_nxt, c.our_nxt, &no_ts, NULL, 0);
      tt_expect(TCP_RST, c.our_nxt, 0, NULL);
      assert_int_equal(tt_pcb_count(), pcbs);
    }
    /* The cookie covers the peer's ISN (RFC 4987 3.6: it must rebuild the
     * SYN's state, RCV.NXT included): a valid cookie on a segment whose
     * sequence number is not ISN + 1 (the third ACK lost, later data
     * first) gets a RST instead of a connection that skips the bytes
     * before it (RFC 9293 3.10.7.2, an ACK for a listener). */
    tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt + 100U, c.our_nxt, NULL, "later", 5);
    tt_expect(TCP_RST, c.our_nxt, 0, NULL);
    assert_int_equal(tt_pcb_count(), pcbs);
    int acc = tt_rec.naccept;
    test_clock_advance(50);
    /* Two data segments in one receive batch, so no ACK of ours goes out
     * between them: the second is inside the window the cookie's SYN-ACK
     * announced (it was once judged against a zero window and dropped). */
    tt_rec.len = 0;
    tcp_batch_begin();
    if (all) {
      tt_send(&c, TCP_ACK | TCP_PSH, "cookie", 6);
    } else {
      /* A TSopt where none was agreed is ignored (RFC 7323 3.2 MUST): the
       * cookie still validates, as one made without timestamps. */
      struct tt_opts with_ts;
      tt_conn_opts(&c, &with_ts);
      with_ts.has_ts = true;
      with_ts.tsval = 12345U;
      with_ts.tsecr = 0;
      tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt, &with_ts, "cookie", 6);
      c.peer_nxt += 6U;
    }
    tt_send(&c, TCP_ACK | TCP_PSH, "again", 5);
    tcp_batch_end();
    assert_int_equal(tt_rec.naccept, acc + 1);
    struct tcp_pcb *pcb = tt_rec.accepted;
    c.pcb = pcb;
    assert_int_equal(pcb->state, ESTABLISHED);
    assert_int_equal(pcb->remote_port, c.peer_port);
    assert_int_equal(pcb->snd_nxt, c.our_nxt);
    assert_int_equal(pcb->rcv_nxt, c.peer_nxt);
    assert_int_equal(tt_rec.len, 11);
    assert_memory_equal(tt_rec.data, "cookieagain", 11);
    assert_int_equal((pcb->flags & TF_TIMESTAMP) != 0, all);
    assert_int_equal((pcb->flags & TF_WND_SCALE) != 0, all);
    assert_int_equal((pcb->flags & TF_SACK) != 0, all);
    if (all) {
      assert_int_equal(pcb->snd_scale, TT_PEER_WS);
      assert_int_equal(pcb->rcv_scale, TCP_RCV_SCALE);
      assert_int_equal(pcb->snd_wnd, 0xffffUL << TT_PEER_WS);
      assert_int_equal(pcb->mss, LWIP_MIN(TT_PEER_MSS, TCP_MSS) - 12);
    } else {
      assert_int_equal(pcb->snd_wnd, 0xffff);
      assert_true(pcb->mss <= LWIP_MIN(TT_PEER_MSS, TCP_MSS));
      assert_true(pcb->mss >= 536 || pcb->mss == TCP_MSS);
    }
    /* An ACK for the data may already be out: exact numbers if so. */
    bool acked_alone = false;
#if !LWIP_TCP_RX_BATCH
    /* Without receive batching (tcp_rx_batch) tcp_batch_begin/end are
     * empty: the first segment may have had an ACK of its own, and the
     * second then waits for the delayed-ACK timer. */
    struct tt_seg first;
    if (tt_pop(&first)) {
      assert_int_equal(first.flags, TCP_ACK);
      acked_alone = first.ack == c.peer_nxt - 5U;
      if (acked_alone) {
        test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
      } else {
        assert_int_equal(first.ack, c.peer_nxt);
      }
    }
#endif
    while (tt_pending() > 0) {
      tt_expect_seg(&c, TCP_ACK, 0, NULL);
    }
    /* The connection works both ways, timestamps continuing. */
    assert_int_equal(tcp_write(pcb, "back", 4, TCP_WRITE_FLAG_COPY), ERR_OK);
    tcp_output(pcb);
    tt_expect_seg(&c, TCP_ACK | TCP_PSH, 4, &s);
    if (all) {
      /* TS.Recent is the batch's first segment's: the second came before
       * any ACK, beyond Last.ACK.sent (RFC 7323 4.3); unless the first
       * was ACKed alone (no batching), when the second's is. */
      assert_int_equal(s.opt.tsecr, c.peer_ts - (acked_alone ? 1U : 2U));
      assert_true(TCP_SEQ_GEQ(s.opt.tsval, c.our_ts));
    }
    tt_rec.len = 0;
    pcbs++;
  }
}

/* The accept callback refuses (tcp_abort + ERR_ABRT): RST, PCB gone. */
static void accept_refused(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 0);
  tt_rec.accept_ret = ERR_ABRT;
  struct tt_conn c;
  tt_conn_init(&c, TT_OPT_NONE, 100);
  tt_send(&c, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  c.our_nxt = s.seq + 1U;
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.naccept, 1);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  assert_int_equal(tt_pcb_count(), 0);
}

/* A bad checksum is dropped before anything else. */
static void bad_checksum_dropped(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 0);
  u8_t seg[64], frame[128];
  size_t n = tt_build(seg, TT_PEER_IP, TT_OUR_IP, 3000, TT_LISTEN_PORT, TCP_SYN, 1, 0, 1000, NULL, NULL, 0);
  seg[TCP_OFF_CHKSUM] ^= 0x01;
  size_t fl = test_eth_ip4(frame, TT_PEER_IP, TT_OUR_IP, 6, seg, n);
  test_rx(&tt_tn, frame, fl);
  tt_expect_nothing();
  assert_int_equal(tt_pcb_count(), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_BAD_CHKSUM), 1);
#endif
  /* A header length below 20 bytes, and an option running off the end. */
  n = tt_build(seg, TT_PEER_IP, TT_OUR_IP, 3000, TT_LISTEN_PORT, TCP_SYN, 1, 0, 1000, NULL, NULL, 0);
  seg[TCP_OFF_HDRLEN] = 4 << 4;
  put_be16(seg + TCP_OFF_CHKSUM, 0);
  u32_t s = ntohl(test_ip(TT_PEER_IP)), d = ntohl(test_ip(TT_OUR_IP));
  put_be16(seg + TCP_OFF_CHKSUM, test_cksum(seg, n, (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + 6 + n));
  fl = test_eth_ip4(frame, TT_PEER_IP, TT_OUR_IP, 6, seg, n);
  test_rx(&tt_tn, frame, fl);
  tt_expect_nothing();
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_BAD_HLEN), 1);
#endif
  u8_t opt_seg[] = {0x0b,   0xb8,    0x00, 0x50, 0, 0, 0, 1, 0,           0, 0,    0,
                    6 << 4, TCP_SYN, 0x03, 0xe8, 0, 0, 0, 0, TCP_OPT_MSS, 8, 0x05, 0xb4};
  put_be16(
      opt_seg + TCP_OFF_CHKSUM,
      test_cksum(opt_seg, sizeof(opt_seg), (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + 6 + sizeof(opt_seg)));
  fl = test_eth_ip4(frame, TT_PEER_IP, TT_OUR_IP, 6, opt_seg, sizeof(opt_seg));
  test_rx(&tt_tn, frame, fl);
  tt_expect_nothing();
  assert_int_equal(tt_pcb_count(), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_BAD_OPTION), 1);
#endif
}

/* ---------------------------------------------------------------------- */
/* Options                                                                 */
/* ---------------------------------------------------------------------- */

/* The MSS we announce and use is clamped to the route's MTU - 40. */
static void mss_clamped_to_route_mtu(void **state)
{
  (void)state;
  u16_t mtu = TCP_MSS + 40 > 576 ? 576 : 400;
  tt_nif->mtu = mtu;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 100, &s);
  assert_int_equal(s.opt.mss, mtu - 40);
  c.our_nxt = s.seq + 1U;
  tt_send(&c, TCP_ACK, NULL, 0);
  struct tcp_pcb *pcb = tt_rec.accepted;
  assert_int_equal(pcb->mss, mtu - 40); /* peer said 1460 */
  /* A write larger than the MSS is cut at it. */
  tcp_nagle_disable(pcb);
  assert_int_equal(tcp_write(pcb, pattern, (u16_t)(mtu - 40 + 10), TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_output(pcb);
  tt_expect_seg(&c, TCP_ACK, (u16_t)(mtu - 40), NULL);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 10, NULL);
  /* Active side: the SYN announces the clamped MSS too. */
  struct tcp_pcb *a = tcp_new();
  assert_non_null(a);
  assert_int_equal(tcp_connect(a, tt_peer_addr(), 9, NULL), ERR_OK);
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN);
  assert_int_equal(s.opt.mss, mtu - 40);
}

/* A peer MSS smaller than ours wins; no MSS option means 536. */
static void mss_from_peer(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 0);
  struct tt_opts o;
  memset(&o, 0, sizeof(o));
  o.has_mss = true;
  o.mss = 300;
  tt_inject_raw(3001, TT_LISTEN_PORT, TCP_SYN, 10, 0, 8000, &o, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  tt_inject_raw(3001, TT_LISTEN_PORT, TCP_ACK, 11, s.seq + 1U, 8000, NULL, NULL, 0);
  assert_non_null(tt_rec.accepted);
  assert_int_equal(tt_rec.accepted->mss, 300);
  tt_inject_raw(3002, TT_LISTEN_PORT, TCP_SYN, 10, 0, 8000, NULL, NULL, 0);
  assert_true(tt_pop(&s));
  tt_inject_raw(3002, TT_LISTEN_PORT, TCP_ACK, 11, s.seq + 1U, 8000, NULL, NULL, 0);
  assert_int_equal(tt_rec.naccept, 2);
  assert_int_equal(tt_rec.accepted->mss, LWIP_MIN(536, TCP_MSS));
}

/* Window scaling at its limits: shift 14, a shift above 14 taken as 14
 * (RFC 7323 2.3), the window field scaled after the SYN only. */
static void window_scale_limits(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_WSCALE);
  setup_listen(TT_LISTEN_PORT, 0);
  static const u8_t offered[] = {14, 15, 255, 0};
  static const u8_t used[] = {14, 14, 14, 0};
  for (size_t i = 0; i < LWIP_ARRAYSIZE(offered); i++) {
    struct tt_opts o;
    tt_syn_opts(&o, TT_OPT_WS, 0);
    o.ws = offered[i];
    u16_t port = (u16_t)(3100 + i);
    /* The SYN's window field is taken as is (RFC 7323 2.2). */
    tt_inject_raw(port, TT_LISTEN_PORT, TCP_SYN, 10, 0, 1000, &o, NULL, 0);
    struct tt_seg s;
    assert_true(tt_pop(&s));
    assert_true(s.opt.has_ws);
    assert_int_equal(s.opt.ws, TCP_RCV_SCALE);
    struct tcp_pcb *l_pcb = NULL;
    for (int k = 0; k < 1; k++) {
      tt_inject_raw(port, TT_LISTEN_PORT, TCP_ACK, 11, s.seq + 1U, 1, NULL, NULL, 0);
      l_pcb = tt_rec.accepted;
    }
    assert_int_equal(tt_rec.naccept, (int)i + 1);
    assert_int_equal(l_pcb->snd_scale, used[i]);
    assert_true(l_pcb->flags & TF_WND_SCALE);
    /* Window field 1 after the handshake means 1 << shift. */
    assert_int_equal(l_pcb->snd_wnd, 1UL << used[i]);
    /* 0xffff << 14 is the largest window there is (about 1 GiB). */
    tt_inject_raw(port, TT_LISTEN_PORT, TCP_ACK, 11, s.seq + 1U, 0xffff, NULL, NULL, 0);
    assert_int_equal(l_pcb->snd_wnd, 0xffffUL << used[i]);
  }
}

/* The SYN-ACK's window field is taken unscaled (RFC 7323 2.2) even when
 * both sides agreed on scaling; the next segment's is scaled. */
static void synack_window_not_scaled(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_WSCALE);
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_WS);
  assert_true(c.pcb->flags & TF_WND_SCALE);
  assert_int_equal(c.pcb->snd_wnd, 0xffff);
  c.peer_wnd = 0x100;
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(c.pcb->snd_wnd, 0x100UL << TT_PEER_WS);
}

/* The receive window fills up: the excess is trimmed away, and with the
 * window at zero only an exact, empty segment is acceptable
 * (RFC 9293 3.10.7.4). */
static void receive_window_full(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_WS);
  tcp_recv(c.pcb, recv_keep);
  u16_t n = (u16_t)LWIP_MIN(TCP_MSS, TCP_WND);
  u32_t got = 0;
  while (got + n <= TCP_WND) {
    tt_send(&c, TCP_ACK | TCP_PSH, pattern, n);
    got += n;
  }
  /* A segment that only partly fits. */
  u16_t rest = (u16_t)(TCP_WND - got);
  tt_send(&c, TCP_ACK | TCP_PSH, pattern, (u16_t)(rest + 10U));
  c.peer_nxt -= 10U;
  assert_int_equal(tt_rec.len, TCP_WND);
  assert_int_equal(c.pcb->rcv_wnd, 0);
  assert_int_equal(c.pcb->rcv_nxt, c.peer_nxt);
  test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
  struct tt_seg s;
  bool any = false;
  while (tt_pop(&s)) {
    any = true;
  }
  assert_true(any);
  assert_int_equal(s.ack, c.peer_nxt);
  assert_int_equal(s.wnd, 0);
  /* A window probe with one byte: not acceptable, answered with the
   * zero window. */
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt, NULL, "p", 1);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, &s);
  assert_int_equal(s.wnd, 0);
  assert_int_equal(tt_rec.len, TCP_WND);
  /* Our data still goes out and the peer's ACKs still count. */
  write_push(&c, "w", 1, NULL);
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.sent_total, 1);
}

/* Our window field: rcv_wnd >> our shift, except in SYNs. */
static void window_field_scaled(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_WS);
  struct tt_seg s;
  /* The peer sends 1000 bytes the application does not read yet. */
  tcp_recv(c.pcb, recv_keep);
  tt_send(&c, TCP_ACK | TCP_PSH, pattern, 1000);
  test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
  tt_expect_seg(&c, TCP_ACK, 0, &s);
  /* The announced window does not shrink below the right edge, so it is
   * TCP_WND - 1000 at the least, and the field is shifted. */
  u32_t ann = c.pcb->rcv_ann_wnd;
  assert_int_equal(s.wnd, (u16_t)LWIP_MIN(ann >> TCP_RCV_SCALE, 0xffffU));
  assert_true(ann >= TCP_WND - 1000U);
  assert_true(ann <= TCP_WND);
}

/* Timestamps: our TSecr echoes the peer's latest in-sequence TSval;
 * our TSval ticks in milliseconds. */
static void timestamps_echoed(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_TIMESTAMPS);
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_TS);
  struct tt_seg s;
  c.peer_ts = 1000000;
  tt_send(&c, TCP_ACK | TCP_PSH, "a", 1);
  tt_send(&c, TCP_ACK | TCP_PSH, "b", 1);
  tt_expect_seg(&c, TCP_ACK, 0, &s);
  assert_true(s.opt.has_ts);
  /* RFC 7323 4.3: TS.Recent comes from the segment at Last.ACK.sent, the
   * first of the two here: a delayed ACK echoes the earliest TSval, so the
   * peer's RTT measure includes the delay. */
  assert_int_equal(s.opt.tsecr, 1000000);
  u32_t t0 = s.opt.tsval;
  test_clock_advance(250);
  write_push(&c, "z", 1, &s);
  assert_int_equal(s.opt.tsval - t0, 250);
  /* The ACK after the window: TSecr = 1000001 at the latest. */
  assert_int_equal(s.opt.tsecr, c.pcb->ts_recent);
  /* A segment without the timestamp option is dropped (RFC 7323 3.2). */
  struct tt_opts none;
  memset(&none, 0, sizeof(none));
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt, &none, "x", 1);
  assert_int_equal(tt_rec.len, 2);
  tt_expect_nothing();
}

/* PAWS (RFC 7323 5.3): an old TSval is dropped with an ACK. */
static void paws_drops_old_timestamp(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_TIMESTAMPS);
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_TS);
  c.peer_ts = 50000;
  tt_send(&c, TCP_ACK | TCP_PSH, "new", 3);
  assert_int_equal(tt_rec.len, 3);
  assert_int_equal(c.pcb->ts_recent, 50000);
#if LWIP_STATS
  u32_t before = DROPS(TCP_PAWS);
#endif
  struct tt_opts o;
  tt_conn_opts(&c, &o);
  o.tsval = 49999;
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt, &o, "old", 3);
  struct tt_seg s;
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, &s);
  assert_int_equal(s.opt.tsecr, 50000);
  assert_int_equal(tt_rec.len, 3);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_PAWS), before + 1);
#endif
  /* An equal TSval is fine. */
  o.tsval = 50000;
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt, &o, "eq", 2);
  assert_int_equal(tt_rec.len, 5);
  /* A TSval older by more than 2^31 is newer (wraps). */
  o.tsval = 50000U + 0x80000000U - 1U;
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt + 2U, c.our_nxt, &o, "w", 1);
  assert_int_equal(tt_rec.len, 6);
}

/* Duplicate data, wholly or in part, is acknowledged at once (RFC 5681
 * 4.2), not at the delayed-ACK timer, and with SACK the duplicate range is
 * the first SACK block (D-SACK, RFC 2883 4): below the ACK it names what
 * arrived twice. */
static void duplicate_data_acked_at_once_with_dsack(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_SACK);
  fill_pattern();
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_SACK);
  u32_t base = c.peer_nxt;
  tt_send(&c, TCP_ACK | TCP_PSH, pattern, 100);
  test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
  struct tt_seg s;
  tt_expect(TCP_ACK, c.our_nxt, base + 100U, &s);
  /* Wholly old: an ACK now, the copy as a D-SACK block. */
  tt_inject(&c, TCP_ACK | TCP_PSH, base, c.our_nxt, NULL, pattern, 100);
  tt_expect(TCP_ACK, c.our_nxt, base + 100U, &s);
  assert_int_equal(s.opt.nsack, 1);
  assert_int_equal(s.opt.sack[0][0], base);
  assert_int_equal(s.opt.sack[0][1], base + 100U);
  /* Half old, half new: the new half taken, an ACK now, D-SACK for the rest. */
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 50U, c.our_nxt, NULL, pattern + 50, 100);
  tt_expect(TCP_ACK, c.our_nxt, base + 150U, &s);
  assert_int_equal(s.opt.nsack, 1);
  assert_int_equal(s.opt.sack[0][0], base + 50U);
  assert_int_equal(s.opt.sack[0][1], base + 100U);
  assert_int_equal(tt_rec.len, 150);
  assert_memory_equal(tt_rec.data, pattern, 150);
  /* The D-SACK block is sent once: the next ACK has none. */
  c.peer_nxt = base + 150U;
  tt_send(&c, TCP_ACK | TCP_PSH, pattern + 150, 10);
  test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
  tt_expect(TCP_ACK, c.our_nxt, base + 160U, &s);
  assert_int_equal(s.opt.nsack, 0);
  tt_expect_nothing();
  /* Without SACK: still at once, no option. */
  struct tt_conn d;
  setup_established_passive(&d, TT_OPT_NONE);
  u32_t b2 = d.peer_nxt;
  tt_send(&d, TCP_ACK | TCP_PSH, pattern, 10);
  test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
  tt_expect(TCP_ACK, d.our_nxt, b2 + 10U, &s);
  tt_inject(&d, TCP_ACK | TCP_PSH, b2 + 5U, d.our_nxt, NULL, pattern + 5, 10);
  tt_expect(TCP_ACK, d.our_nxt, b2 + 15U, &s);
  assert_int_equal(s.opt.nsack, 0);
}

/* A copy of data held out of order, wholly or in part, is D-SACKed too:
 * the duplicate range first, then the block that holds it (RFC 2883 4). */
static void duplicate_of_ooseq_data_dsacked(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_SACK);
  fill_pattern();
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_SACK);
  u32_t base = c.peer_nxt;
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 100U, c.our_nxt, NULL, pattern + 100, 100);
  struct tt_seg s;
  tt_expect(TCP_ACK, c.our_nxt, base, &s);
  assert_int_equal(s.opt.nsack, 1);
  /* The same segment again. */
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 100U, c.our_nxt, NULL, pattern + 100, 100);
  tt_expect(TCP_ACK, c.our_nxt, base, &s);
  assert_int_equal(s.opt.nsack, 2);
  assert_int_equal(s.opt.sack[0][0], base + 100U);
  assert_int_equal(s.opt.sack[0][1], base + 200U);
  assert_int_equal(s.opt.sack[1][0], base + 100U);
  assert_int_equal(s.opt.sack[1][1], base + 200U);
  /* Half of it again with 50 new bytes: D-SACK for the half, the block grown. */
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 150U, c.our_nxt, NULL, pattern + 150, 100);
  tt_expect(TCP_ACK, c.our_nxt, base, &s);
  assert_int_equal(s.opt.nsack, 2);
  assert_int_equal(s.opt.sack[0][0], base + 150U);
  assert_int_equal(s.opt.sack[0][1], base + 200U);
  assert_int_equal(s.opt.sack[1][0], base + 100U);
  assert_int_equal(s.opt.sack[1][1], base + 250U);
  assert_int_equal(c.pcb->ooseq_bytes, 150U);
  /* Filling the hole delivers each byte once. */
  tt_inject(&c, TCP_ACK | TCP_PSH, base, c.our_nxt, NULL, pattern, 100);
  tt_expect(TCP_ACK, c.our_nxt, base + 250U, &s);
  assert_int_equal(tt_rec.len, 250);
  assert_memory_equal(tt_rec.data, pattern, 250);
  tt_expect_nothing();
}

/* The delayed-ACK time is a setting (RFC 1122 4.2.3.2: under 500 ms). */
static void delack_time_configurable(void **state)
{
  (void)state;
  assert_int_equal(tcp_get_delack(), TCP_DELACK_MS);
  assert_int_equal(tcp_set_delack(0), ERR_VAL);
  assert_int_equal(tcp_set_delack(500), ERR_VAL);
  assert_int_equal(tcp_get_delack(), TCP_DELACK_MS);
  assert_int_equal(tcp_set_delack(40), ERR_OK);
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_NONE);
  tt_send(&c, TCP_ACK | TCP_PSH, "a", 1);
  test_clock_advance(30);
  tt_expect_nothing();
  test_clock_advance(10 + TCP_TICK_SLACK);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
}

/* TS.Recent is taken only from a segment whose ACK is acceptable (RFC 7323
 * 5.3 with RFC 9293 3.10.7.4): an in-window segment acknowledging data never
 * sent, with a huge TSval, is dropped with an ACK and must not poison
 * TS.Recent, else PAWS would drop every later valid segment (a blind
 * attacker with one in-window guess could stall the connection). */
static void ts_recent_not_poisoned_by_bad_ack(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_TIMESTAMPS);
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_TS);
  c.peer_ts = 70000;
  tt_send(&c, TCP_ACK | TCP_PSH, "ok", 2);
  assert_int_equal(c.pcb->ts_recent, 70000);
  /* Let the delayed ACK go, so Last.ACK.sent is where the next segment
   * starts (RFC 7323 4.3's condition for recording its TSval). */
  test_clock_advance(500);
  struct tt_seg s;
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, &s);
  struct tt_opts o;
  tt_conn_opts(&c, &o);
  o.tsval = 70000U + 0x40000000U;
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt + 5000U, &o, "evil", 4);
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, &s);
  assert_int_equal(s.opt.tsecr, 70000);
  assert_int_equal(c.pcb->ts_recent, 70000);
  assert_int_equal(tt_rec.len, 2);
  /* The real peer's next segment is accepted. */
  c.peer_ts = 70001;
  tt_send(&c, TCP_ACK | TCP_PSH, "more", 4);
  assert_int_equal(tt_rec.len, 6);
  assert_int_equal(c.pcb->ts_recent, 70001);
}

/* SACK-permitted: an out-of-order segment gets a duplicate ACK with the
 * exact SACK block (RFC 2018 4); filling the hole delivers everything. */
static void sack_blocks_for_ooseq(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_SACK);
  fill_pattern();
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_SACK);
  u32_t base = c.peer_nxt;
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 100U, c.our_nxt, NULL, pattern + 100, 100);
  struct tt_seg s;
  tt_expect(TCP_ACK, c.our_nxt, base, &s);
  assert_int_equal(s.opt.nsack, 1);
  assert_int_equal(s.opt.sack[0][0], base + 100U);
  assert_int_equal(s.opt.sack[0][1], base + 200U);
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 300U, c.our_nxt, NULL, pattern + 300, 50);
  tt_expect(TCP_ACK, c.our_nxt, base, &s);
  assert_int_equal(s.opt.nsack, 2);
  assert_int_equal(s.opt.sack[0][0], base + 300U); /* the latest first */
  assert_int_equal(s.opt.sack[0][1], base + 350U);
  assert_int_equal(s.opt.sack[1][0], base + 100U);
  assert_int_equal(s.opt.sack[1][1], base + 200U);
  assert_int_equal(tt_rec.len, 0);
  tt_inject(&c, TCP_ACK | TCP_PSH, base, c.our_nxt, NULL, pattern, 100);
  tt_expect(TCP_ACK, c.our_nxt, base + 200U, &s);
  assert_int_equal(s.opt.nsack, 1);
  assert_int_equal(s.opt.sack[0][0], base + 300U);
  tt_inject(&c, TCP_ACK | TCP_PSH, base + 200U, c.our_nxt, NULL, pattern + 200, 100);
  tt_expect(TCP_ACK, c.our_nxt, base + 350U, &s);
  assert_int_equal(s.opt.nsack, 0);
  assert_int_equal(tt_rec.len, 350);
  assert_memory_equal(tt_rec.data, pattern, 350);
}

/* Without SACK-permitted there are no SACK blocks. */
static void no_sack_without_permission(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_NONE);
  assert_false(c.pcb->flags & TF_SACK);
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt + 10U, c.our_nxt, NULL, "abc", 3);
  struct tt_seg s;
  tt_expect(TCP_ACK, c.our_nxt, c.peer_nxt, &s);
  assert_int_equal(s.opt.nsack, 0);
  assert_int_equal(s.hlen, 20);
}

/* ---------------------------------------------------------------------- */
/* Sequence numbers across the wrap                                        */
/* ---------------------------------------------------------------------- */

/* The peer's ISN just below 2^32: data across the wrap is delivered and
 * acknowledged with the wrapped number. */
static void peer_isn_wraps(void **state)
{
  (void)state;
  fill_pattern();
  setup_listen(TT_LISTEN_PORT, 0);
  struct tt_conn c;
  tt_conn_init(&c, TT_OPT_NONE, 0xffffffe0U);
  c.our_port = TT_LISTEN_PORT;
  tt_send(&c, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.ack, 0xffffffe1U);
  c.our_nxt = s.seq + 1U;
  tt_send(&c, TCP_ACK, NULL, 0);
  c.pcb = tt_rec.accepted;
  tt_send(&c, TCP_ACK | TCP_PSH, pattern, 100);
  tt_send(&c, TCP_ACK | TCP_PSH, pattern + 100, 100);
  tt_expect(TCP_ACK, c.our_nxt, 0xffffffe1U + 200U, NULL);
  assert_int_equal(c.peer_nxt, 0xa9U);
  assert_int_equal(tt_rec.len, 200);
  assert_memory_equal(tt_rec.data, pattern, 200);
  /* Old data from before the wrap is out of window. */
  tt_inject(&c, TCP_ACK | TCP_PSH, 0xfffffff0U, c.our_nxt, NULL, "o", 1);
  tt_expect(TCP_ACK, c.our_nxt, 0xa9U, NULL);
  /* An out-of-order segment past the wrap, then the hole (a build
   * without tcp_ooseq dropped the first: the hole is all it gets). */
  tt_inject(&c, TCP_ACK | TCP_PSH, 0xa9U + 50U, c.our_nxt, NULL, pattern + 250, 50);
  tt_expect(TCP_ACK, c.our_nxt, 0xa9U, NULL);
  tt_inject(&c, TCP_ACK | TCP_PSH, 0xa9U, c.our_nxt, NULL, pattern + 200, 50);
  u32_t got = LWIP_TCP_OOSEQ ? 100U : 50U;
  tt_expect(TCP_ACK, c.our_nxt, 0xa9U + got, NULL);
  assert_int_equal(tt_rec.len, 200U + got);
  assert_memory_equal(tt_rec.data, pattern, 200U + got);
}

/* Our ISN (RFC 6528: 250 per ms plus a keyed hash of the 4-tuple) steered
 * to just below 2^32 by advancing the clock; our data crosses the wrap. */
static void our_isn_wraps(void **state)
{
  (void)state;
  fill_pattern();
  /* First connect from a fixed port learns the hash part. */
  struct tcp_pcb *pcb = tcp_new();
  assert_non_null(pcb);
  assert_int_equal(tcp_bind(pcb, IP_ADDR_ANY, 4444), ERR_OK);
  assert_int_equal(tcp_connect(pcb, tt_peer_addr(), 8080, NULL), ERR_OK);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  u32_t isn1 = s.seq;
  u32_t t1 = sys_now();
  assert_int_equal(tcp_close(pcb), ERR_OK);
  /* ISN(t) = isn1 + 250 (t - t1): pick t so it lands in
   * [2^32 - 300, 2^32 - 50). */
  u32_t target = 0xffffff00U;
  u32_t dt = (target - isn1) / 250U;
  test_clock_advance(dt);
  assert_int_equal(sys_now(), t1 + dt);
  struct tt_conn c;
  tt_conn_init(&c, TT_OPT_NONE, 0x5000);
  pcb = tcp_new();
  assert_non_null(pcb);
  tt_attach(pcb);
  assert_int_equal(tcp_bind(pcb, IP_ADDR_ANY, 4444), ERR_OK);
  assert_int_equal(tcp_connect(pcb, tt_peer_addr(), 8080, tt_connected_cb), ERR_OK);
  assert_true(tt_pop(&s));
  assert_int_equal(s.seq, isn1 + 250U * dt);
  assert_true(s.seq >= 0xffffff00U - 250U && s.seq <= 0xffffff00U);
  c.pcb = pcb;
  c.our_port = 4444;
  c.peer_port = 8080;
  c.our_iss = s.seq;
  c.our_nxt = s.seq + 1U;
  tt_send(&c, TCP_SYN | TCP_ACK, NULL, 0);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  u16_t n = (u16_t)LWIP_MIN(400U, (u32_t)pcb->mss);
  assert_int_equal(tcp_write(pcb, pattern, n, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_write(pcb, pattern + n, n, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_nagle_disable(pcb);
  tcp_output(pcb);
  struct tt_seg d;
  u32_t start = c.our_nxt;
  u32_t got = 0;
  while (tt_pop(&d)) {
    assert_int_equal(d.seq, start + got);
    assert_memory_equal(d.data, pattern + got, d.len);
    got += d.len;
  }
  assert_int_equal(got, 2U * n);
  c.our_nxt = start + got;
  assert_true(c.our_nxt < 0x1000U); /* wrapped */
  /* A partial ACK just past the wrap, then the rest. */
  tt_inject(&c, TCP_ACK, c.peer_nxt, 5, NULL, NULL, 0);
  assert_int_equal(pcb->snd_una, 5);
  assert_int_equal(tt_rec.sent_total, 5U - start);
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.sent_total, 2U * n);
  assert_int_equal(pcb->snd_una, c.our_nxt);
  assert_null(pcb->unacked);
  tt_expect_nothing();
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                 */
/* ---------------------------------------------------------------------- */

/* tcp_write fails with ERR_MEM when the send buffer is full, and works
 * again once the peer acknowledged. */
static void write_send_buffer_full(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_WS);
  struct tcp_pcb *pcb = c.pcb;
  u32_t queued = 0;
  while (queued < TCP_SND_BUF) {
    u16_t n = (u16_t)LWIP_MIN(TCP_SND_BUF - queued, 8192U);
    err_t e = tcp_write(pcb, pattern, n, TCP_WRITE_FLAG_COPY);
    if (e == ERR_MEM) {
      break; /* the queue length limit came first */
    }
    assert_int_equal(e, ERR_OK);
    queued += n;
  }
  assert_true(queued > 0);
  assert_int_equal(tcp_sndbuf(pcb), LWIP_MIN(TCP_SND_BUF - queued, 0xffffU));
  assert_int_equal(tcp_write(pcb, pattern, (u16_t)(tcp_sndbuf(pcb) + 1U), TCP_WRITE_FLAG_COPY), ERR_MEM);
  if (queued == TCP_SND_BUF) {
    assert_int_equal(tcp_write(pcb, pattern, 1, TCP_WRITE_FLAG_COPY), ERR_MEM);
  }
  /* The queue is unchanged by the failures. */
  assert_int_equal(pcb->snd_lbb, c.our_nxt + queued);
  /* Push and let the peer acknowledge whatever comes. */
  u32_t acked = 0;
  for (int rounds = 0; rounds < 10000 && acked < queued; rounds++) {
    tcp_output(pcb);
    struct tt_seg s;
    bool any = false;
    while (tt_pop(&s)) {
      assert_int_equal(s.seq, c.our_nxt);
      c.our_nxt += s.len;
      any = true;
    }
    assert_true(any);
    tt_send(&c, TCP_ACK, NULL, 0);
    acked = c.our_nxt - (c.our_iss + 1U);
  }
  assert_int_equal(acked, queued);
  assert_int_equal(tt_rec.sent_total, queued);
  assert_int_equal(tcp_sndbuf(pcb), LWIP_MIN(TCP_SND_BUF, 0xffffU));
  assert_int_equal(tcp_write(pcb, "again", 5, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_output(pcb);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 5, NULL);
}

/* The memory budgets (tcp_mem_budget) count what every connection holds:
 * its unacknowledged send data and its out-of-order data.  A build without
 * them counts nothing: tcp_mem_get_info() answers zeros (but for the heap
 * reserve, which tcp_write keeps either way), and a connection
 * may take its whole free send buffer whatever the others hold (as in
 * lwIP; the pools bound the total). */
static void mem_budget_counts_or_not(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn a, b;
  setup_established_active(&a, TT_OPT_NONE);
  setup_established_active(&b, TT_OPT_NONE);
  assert_int_equal(tcp_write(a.pcb, pattern, 500, TCP_WRITE_FLAG_COPY), ERR_OK);
  /* Out of order on b: held until the hole is filled, ACKed at once. */
  tt_inject(&b, TCP_ACK | TCP_PSH, b.peer_nxt + 5U, b.our_nxt, NULL, "ooo", 3);
  tt_expect(TCP_ACK, b.our_nxt, b.peer_nxt, NULL);
  struct tcp_mem_info mi;
  memset(&mi, 0xa5, sizeof(mi));
  tcp_mem_get_info(&mi);
#if LWIP_TCP_MEM_BUDGET
  assert_int_equal(mi.tx_bytes, 500);
  assert_int_equal(mi.rx_bytes, 3);
  assert_int_equal(mi.tx_budget, TCP_MEM_TX_BUDGET);
  assert_int_equal(mi.rx_budget, TCP_MEM_RX_BUDGET);
#else
  const struct tcp_mem_info none = {.heap_reserve = TCP_MEM_HEAP_RESERVE};
  assert_memory_equal(&mi, &none, sizeof(mi));
#endif
  assert_int_equal(mi.heap_reserve, TCP_MEM_HEAP_RESERVE); /* tcp_write keeps it either way */
  assert_int_equal(tcp_snd_room(a.pcb), a.pcb->snd_buf);
  assert_int_equal(tcp_snd_room(b.pcb), TCP_SND_BUF);
  tcp_abort(a.pcb);
  tcp_abort(b.pcb);
  tcp_mem_get_info(&mi);
  assert_int_equal(mi.tx_bytes, 0);
  assert_int_equal(mi.rx_bytes, 0);
}

/* IPv4 keeps no path MTU (our datagrams go without DF, routers fragment
 * them): an ICMP "fragmentation needed" quoting a segment in flight is a
 * soft error like any other, the MSS stays and nothing is resent at once.
 * Only ICMPv6 Packet Too Big lowers the MSS (test_tcp6.c), so an IPv4-only
 * build has no path MTU code in TCP at all. */
static void ip4_frag_needed_is_soft(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  u16_t mss = pcb->mss;
  assert_int_equal(tcp_write(pcb, pattern, 100, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_output(pcb);
  u32_t seq = c.our_nxt;
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 100, NULL);
  /* type 3 code 4, next-hop MTU 296; the quote: our IPv4 header and the
   * first 8 bytes of the segment (ports, sequence number). */
  u8_t icmp[8 + 28] = {3, 4};
  put_be16(icmp + 6, 296);
  test_ip4_hdr(icmp + 8, TT_OUR_IP, TT_PEER_IP, IP_PROTO_TCP, 140, 1, 0, 64);
  put_be16(icmp + 28, c.our_port);
  put_be16(icmp + 30, c.peer_port);
  put_be32(icmp + 32, seq);
  put_be16(icmp + 2, test_cksum(icmp, sizeof(icmp), 0));
  u8_t frame[128];
  size_t fl = test_eth_ip4(frame, TT_GW, TT_OUR_IP, IP_PROTO_ICMP, icmp, sizeof(icmp));
  test_rx(&tt_tn, frame, fl);
  assert_true(pcb->soft_err);
  assert_int_equal(pcb->soft_icmp_type, 3);
  assert_int_equal(pcb->soft_icmp_code, 4);
  assert_int_equal(pcb->mss, mss);
  tt_expect_nothing();
}

/* TCP's timers run at 10 ms ticks, with the timing wheel (tcp_timer_wheel)
 * as with the one list of a build without it: a deadline inside a tick
 * waits for the tick's end, and connections due at the same tick run latest
 * filed first, as a wheel slot does. */
static void timers_run_at_ticks(void **state)
{
  (void)state;
  struct tt_conn a, b;
  setup_established_active(&a, TT_OPT_NONE);
  setup_established_active(&b, TT_OPT_NONE);
  test_clock_advance(13U - sys_now() % 10U); /* now is 3 past a tick */
  u32_t t0 = sys_now();
  tt_send(&a, TCP_ACK | TCP_PSH, "a", 1); /* delayed ACK due at t0 + 100 */
  test_clock_advance(4);
  tt_send(&b, TCP_ACK | TCP_PSH, "b", 1); /* due at t0 + 104: the same tick */
  tt_expect_nothing();
  test_clock_advance(t0 + TCP_DELACK_MS + 6U - sys_now());
  tt_expect_nothing(); /* a's deadline has passed, its tick has not */
  test_clock_advance(1);
  assert_int_equal(sys_now() % 10U, 0);
  tt_expect_seg(&b, TCP_ACK, 0, NULL);
  tt_expect_seg(&a, TCP_ACK, 0, NULL);
  tt_expect_nothing();
}

/* The peer sends one byte: its ACK waits the delayed-ACK time, not a tick
 * less, and comes on the tick after it (RFC 1122 4.2.3.2). */
static void send_one_delayed_ack(struct tt_conn *c, const char *byte)
{
  tt_send(c, TCP_ACK | TCP_PSH, byte, 1);
  tt_expect_nothing();
  test_clock_advance(TCP_DELACK_MS - 10);
  tt_expect_nothing();
  test_clock_advance(10 + TCP_TICK_SLACK);
  tt_expect_seg(c, TCP_ACK, 0, NULL);
}

#if !LWIP_TCP_TIMER_WHEEL
/* Without the wheel every timer time is a sys_now() value compared modulo
 * 2^32, so the clock's 49.7-day wrap is a tick like any other: a
 * retransmission and a delayed ACK due after it fire on time, and no
 * timeout is left due at once (a spin) when they have.  (The wheel's tick
 * counter may wait a lap there: docs/tcp.md, Known limits.) */
static void timers_across_clock_wrap(void **state)
{
  (void)state;
  test_clock_set(0xffffffd0U); /* 48 ms before the wrap */
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  struct tt_seg s;
  write_push(&c, "hello", 5, &s);
  u32_t rto = c.pcb->rto;
  assert_true(sys_now() + rto < sys_now()); /* the deadline is past the wrap */
  test_clock_advance(rto - 10);
  tt_expect_nothing();
  test_clock_advance(10 + TCP_TICK_SLACK);
  tt_expect(TCP_ACK | TCP_PSH, c.our_nxt - 5U, c.peer_nxt, &s);
  assert_int_equal(s.len, 5);
  tt_send(&c, TCP_ACK, NULL, 0);
  send_one_delayed_ack(&c, "1");
  assert_true(sys_now() < 0x10000U);
  assert_int_not_equal(sys_timeouts_sleeptime(), 0);
}
#endif

/* tcp_poll armed when now plus the interval lands exactly on the clock's
 * wrap: the deadline must not be 0, which means "not armed" (before, this
 * poll never came). */
static int wrap_polls;
static err_t count_poll(void *arg, struct tcp_pcb *pcb)
{
  (void)arg;
  (void)pcb;
  wrap_polls++;
  return ERR_OK;
}

static void poll_armed_onto_clock_wrap(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  wrap_polls = 0;
  test_clock_set(0U - 2U * TCP_POLL_UNIT_MS);
  tcp_poll(c.pcb, count_poll, 2);
  /* The deadline, plus up to two laps of the wheel at the wrap
   * (docs/tcp.md, Known limits; 13.4 s after the wrap in the daemon
   * build).  The list of small builds has no such delay. */
  for (int i = 0; i < 250 && wrap_polls == 0; i++) {
    test_clock_advance(100);
  }
  assert_int_not_equal(wrap_polls, 0);
  tcp_poll(c.pcb, NULL, 0);
}

/* Nagle (RFC 1122 4.2.3.4): a small segment waits while data is
 * unacknowledged; tcp_nagle_disable lets it go. */
static void nagle_holds_small_segment(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  write_push(&c, "one", 3, NULL);
  assert_int_equal(tcp_write(c.pcb, "two", 3, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_output(c.pcb);
  tt_expect_nothing();
  tt_send(&c, TCP_ACK, NULL, 0);
  struct tt_seg s;
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 3, &s);
  assert_memory_equal(s.data, "two", 3);
  tcp_nagle_disable(c.pcb);
  write_push(&c, "three", 5, NULL);
}

/* RST and SYN rules hold across the sequence wrap. */
static void rst_rules_across_wrap(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 0);
  struct tt_conn c;
  tt_conn_init(&c, TT_OPT_NONE, 0xfffffffaU);
  c.our_port = TT_LISTEN_PORT;
  tt_send(&c, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  c.our_nxt = s.seq + 1U;
  tt_send(&c, TCP_ACK, NULL, 0);
  c.pcb = tt_rec.accepted;
  tt_send(&c, TCP_ACK | TCP_PSH, "0123456789", 10);
  assert_int_equal(c.peer_nxt, 5);
  /* In window past the wrap but not exact: challenge. */
  tt_inject(&c, TCP_RST, 100, 0, NULL, NULL, 0);
  tt_expect(TCP_ACK, c.our_nxt, 5, NULL);
  /* Below rcv_nxt, before the wrap: ignored. */
  tt_inject(&c, TCP_RST, 0xfffffffdU, 0, NULL, NULL, 0);
  tt_expect_nothing();
  assert_int_equal(c.pcb->state, ESTABLISHED);
  tt_inject(&c, TCP_RST, 5, 0, NULL, NULL, 0);
  assert_int_equal(tt_rec.err, ERR_RST);
  assert_int_equal(tt_pcb_count(), 0);
}

/* Delayed ACK: one segment waits TCP_DELACK_MS, the second is ACKed at once. */
static void delayed_ack(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  send_one_delayed_ack(&c, "1");
  tt_send(&c, TCP_ACK | TCP_PSH, "2", 1);
  tt_expect_nothing();
  tt_send(&c, TCP_ACK | TCP_PSH, "3", 1);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  assert_int_equal(tt_rec.len, 3);
  assert_memory_equal(tt_rec.data, "123", 3);
}

#if LWIP_TCP_RX_BATCH
/* Receive batches: the every-second-segment ACK is deferred to
 * tcp_batch_end() (one cumulative ACK); a PCB freed inside the batch is
 * forgotten by it. */
static void receive_batch_one_ack(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn a, b;
  setup_established_active(&a, TT_OPT_NONE);
  setup_established_active(&b, TT_OPT_NONE);
  tcp_batch_begin();
  for (int i = 0; i < 4; i++) {
    tt_send(&a, TCP_ACK | TCP_PSH, pattern + 10 * i, 10);
    tt_send(&b, TCP_ACK | TCP_PSH, pattern, 10);
  }
  tt_expect_nothing();
  /* b is reset inside the batch: it must drop out of it. */
  tt_inject(&b, TCP_RST, b.peer_nxt, 0, NULL, NULL, 0);
  assert_int_equal(tt_rec.err, ERR_RST);
  tcp_batch_end();
  tt_expect_seg(&a, TCP_ACK, 0, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 80);
  assert_memory_equal(tt_rec.data, pattern, 10);
  /* A single segment in a batch still waits for the delayed-ACK timer. */
  tcp_batch_begin();
  tt_send(&a, TCP_ACK | TCP_PSH, "x", 1);
  tcp_batch_end();
  tt_expect_nothing();
  test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
  tt_expect_seg(&a, TCP_ACK, 0, NULL);
  /* Out-of-order data is ACKed at once even in a batch. */
  tcp_batch_begin();
  tt_inject(&a, TCP_ACK | TCP_PSH, a.peer_nxt + 5U, a.our_nxt, NULL, "ooo", 3);
  tt_expect(TCP_ACK, a.our_nxt, a.peer_nxt, NULL);
  tcp_batch_end();
  tt_expect_nothing();
}
#else
/* A build without receive batching (tcp_rx_batch off) keeps
 * tcp_batch_begin/end for drivers, as no-ops: every second segment is
 * ACKed at once by the delayed-ACK rule (RFC 5681 4.2), inside a "batch"
 * too, and a single segment waits for the delayed-ACK timer. */
static void receive_batch_without_option(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn a;
  setup_established_active(&a, TT_OPT_NONE);
  tcp_batch_begin();
  tt_send(&a, TCP_ACK | TCP_PSH, pattern, 10);
  tt_expect_nothing();
  tt_send(&a, TCP_ACK | TCP_PSH, pattern + 10, 10);
  tt_expect_seg(&a, TCP_ACK, 0, NULL);
  tcp_batch_end();
  tt_expect_nothing();
  assert_int_equal(tt_rec.len, 20);
  assert_memory_equal(tt_rec.data, pattern, 20);
  tcp_batch_begin();
  tt_send(&a, TCP_ACK | TCP_PSH, "x", 1);
  tcp_batch_end();
  tt_expect_nothing();
  test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
  tt_expect_seg(&a, TCP_ACK, 0, NULL);
}
#endif /* LWIP_TCP_RX_BATCH */

/* Data retransmitted after the RTO, same sequence number. */
static void data_retransmitted_after_rto(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  struct tt_seg s;
  write_push(&c, "hello", 5, &s);
  assert_memory_equal(s.data, "hello", 5);
  u32_t rto = c.pcb->rto;
  test_clock_advance(rto - 10);
  tt_expect_nothing();
  test_clock_advance(10 + TCP_TICK_SLACK);
  tt_expect(TCP_ACK | TCP_PSH, c.our_nxt - 5U, c.peer_nxt, &s);
  assert_int_equal(s.len, 5);
  assert_memory_equal(s.data, "hello", 5);
  assert_int_equal(c.pcb->rto, LWIP_MIN(rto * 2U, TCP_RTO_MAX_MS));
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.sent_total, 5);
  assert_null(c.pcb->unacked);
  test_clock_advance(10000);
  tt_expect_nothing();
}

/* The recv callback refuses data: it is offered again later, what
 * arrives meanwhile waits behind it, and closing with it still held resets. */
static void refused_data_redelivered(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  tt_rec.recv_ret = ERR_MEM;
  tt_send(&c, TCP_ACK | TCP_PSH, "first", 5);
  assert_int_equal(tt_rec.len, 0);
  assert_non_null(c.pcb->refused_data);
  tt_rec.recv_ret = ERR_OK;
  test_clock_advance(TCP_REFUSED_RETRY_MS + TCP_TICK_SLACK);
  assert_int_equal(tt_rec.len, 5);
  assert_memory_equal(tt_rec.data, "first", 5);
  assert_null(c.pcb->refused_data);
  /* Refused again, then a FIN: the FIN is taken (acknowledged, the state
   * moves) but reaches the application only after the refused data. */
  tt_rec.recv_ret = ERR_MEM;
  tt_send(&c, TCP_ACK | TCP_PSH, "second", 6);
  tt_send(&c, TCP_ACK | TCP_FIN, NULL, 0);
  assert_int_equal(tt_rec.nfin, 0);
  assert_int_equal(c.pcb->state, CLOSE_WAIT);
  assert_int_equal(c.pcb->rcv_nxt, c.peer_nxt);
  while (tt_pop(&(struct tt_seg){0})) {
  }
  tt_rec.recv_ret = ERR_OK;
  test_clock_advance(TCP_REFUSED_RETRY_MS + TCP_TICK_SLACK);
  assert_int_equal(tt_rec.len, 11);
  assert_memory_equal(tt_rec.data + 5, "second", 6);
  assert_int_equal(tt_rec.nfin, 1);
}

static void close_with_refused_data_rst(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  tt_rec.recv_ret = ERR_MEM;
  tt_send(&c, TCP_ACK | TCP_PSH, "held", 4);
  assert_non_null(c.pcb->refused_data);
  while (tt_pop(&(struct tt_seg){0})) {
  }
  int errs = tt_rec.nerr;
  assert_int_equal(tcp_close(c.pcb), ERR_OK);
  /* The application closed it: its err callback is not called. */
  assert_int_equal(tt_rec.nerr, errs);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_RST | TCP_ACK);
  assert_int_equal(s.seq, c.our_nxt);
  assert_int_equal(tt_pcb_count(), 0);
}

/* A peer announcing a tiny MSS with timestamps: the 12 bytes of the
 * option do not wrap the send MSS around; it stays at our floor of 64. */
static void tiny_mss_with_timestamps(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_TIMESTAMPS);
  setup_listen(TT_LISTEN_PORT, 0);
  struct tt_opts o;
  tt_syn_opts(&o, TT_OPT_TS, 500);
  o.mss = 5;
  tt_inject_raw(3300, TT_LISTEN_PORT, TCP_SYN, 10, 0, 1000, &o, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_true(s.opt.has_ts);
  struct tt_opts a;
  memset(&a, 0, sizeof(a));
  a.has_ts = true;
  a.tsval = 501;
  a.tsecr = s.opt.tsval;
  tt_inject_raw(3300, TT_LISTEN_PORT, TCP_ACK, 11, s.seq + 1U, 1000, &a, NULL, 0);
  assert_non_null(tt_rec.accepted);
  assert_int_equal(tt_rec.accepted->mss, 64);
}

/* The peer's window closes: the persist timer probes with
 * <SEQ=SND.UNA-1>; an opening window lets the data out. */
static void zero_window_persist(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  c.peer_wnd = 0;
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(c.pcb->snd_wnd, 0);
  assert_int_equal(tcp_write(c.pcb, "wait", 4, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_output(c.pcb);
  tt_expect_nothing();
  test_clock_advance(c.pcb->rto + TCP_TICK_SLACK);
  tt_expect(TCP_ACK, c.our_nxt - 1U, c.peer_nxt, NULL);
  tt_expect_nothing();
  /* The window opens: the data goes. */
  c.peer_wnd = 1000;
  tt_send(&c, TCP_ACK, NULL, 0);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 4, NULL);
}

/* Reading opens the window: once it grows by an MSS (or half the
 * buffer) the stack says so at once (RFC 9293 3.8.6.2.2). */
static void window_update_after_recved(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_WS);
  tcp_recv(c.pcb, recv_keep);
  u16_t n = (u16_t)LWIP_MIN(TCP_MSS, TCP_WND / 4U);
  /* Fill more than half the window without reading. */
  u32_t unread = 0;
  while (unread <= TCP_WND / 2U) {
    tt_send(&c, TCP_ACK | TCP_PSH, pattern, n);
    unread += n;
  }
  test_clock_advance(TCP_DELACK_MS + TCP_TICK_SLACK);
  struct tt_seg s;
  u32_t right = 0;
  while (tt_pop(&s)) {
    assert_int_equal(s.flags, TCP_ACK);
    right = s.ack + ((u32_t)s.wnd << c.pcb->rcv_scale);
  }
  assert_int_equal(s.ack, c.peer_nxt);
  assert_int_equal(c.pcb->rcv_wnd, TCP_WND - unread);
  /* A small read: no update (silly window avoidance). */
  tcp_recved(c.pcb, 1);
  tt_expect_nothing();
  /* Reading the rest: the peer, which knows less than half the window,
   * hears about it at once. */
  u32_t left = unread - 1U;
  while (left > 0) {
    u16_t k = (u16_t)LWIP_MIN(left, 0x8000U);
    tcp_recved(c.pcb, k);
    left -= k;
  }
  assert_int_equal(c.pcb->rcv_wnd, TCP_WND);
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_ACK);
  assert_int_equal(s.seq, c.our_nxt);
  assert_int_equal(s.ack, c.peer_nxt);
  assert_true(TCP_SEQ_GT(s.ack + ((u32_t)s.wnd << c.pcb->rcv_scale), right));
  while (tt_pop(&s)) {
    assert_int_equal(s.flags, TCP_ACK);
  }
  /* The announced window is the whole buffer but for less than what is
   * worth announcing (one MSS), to the scale's granularity. */
  u32_t ann = (u32_t)s.wnd << c.pcb->rcv_scale;
  assert_true(ann <= TCP_WND);
  assert_true(ann + LWIP_MIN((u32_t)c.pcb->rcv_mss, TCP_WND / 2U) + (1U << c.pcb->rcv_scale) > TCP_WND);
}

/* FIN_WAIT_1 with data in flight: an ACK of the data only keeps us in
 * FIN_WAIT_1; the ACK of the FIN moves on. */
static void fin_wait_1_partial_ack(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  assert_int_equal(tcp_write(c.pcb, "data", 4, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_close(c.pcb), ERR_OK);
  assert_int_equal(c.pcb->state, FIN_WAIT_1);
  /* The FIN rides on the data segment. */
  tt_expect_seg(&c, TCP_ACK | TCP_PSH | TCP_FIN, 4, NULL);
  tt_inject(&c, TCP_ACK, c.peer_nxt, c.our_nxt - 1U, NULL, NULL, 0);
  assert_int_equal(c.pcb->state, FIN_WAIT_1);
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(c.pcb->state, FIN_WAIT_2);
  tt_expect_nothing();
}

/* RTO exhaustion: after TCP_MAXRTX retransmissions the connection is
 * reset and the application hears ERR_ABRT. */
static void retransmissions_give_up(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  write_push(&c, "lost", 4, NULL);
  int rexmits = 0;
  for (int i = 0; i < 200 && tt_rec.nerr == 0; i++) {
    test_clock_advance(5000);
    struct tt_seg s;
    while (tt_pop(&s)) {
      if (s.flags & TCP_RST) {
        assert_int_equal(s.flags, TCP_RST | TCP_ACK);
        assert_int_equal(s.seq, c.our_nxt);
        continue;
      }
      assert_int_equal(s.seq, c.our_nxt - 4U);
      assert_int_equal(s.len, 4);
      rexmits++;
    }
  }
  assert_int_equal(rexmits, TCP_MAXRTX);
  tt_expect_err_once(ERR_ABRT);
  assert_int_equal(tt_pcb_count(), 0);
}

/* Data on a SYN is not kept (RFC 9293 3.10.7.2 lets us drop it): the SYN
 * is acknowledged alone and the peer sends the data again. */
static void data_on_syn_not_acked(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 0);
  struct tt_conn c;
  tt_conn_init(&c, TT_OPT_NONE, 500);
  tt_send(&c, TCP_SYN, "early", 5);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(s.ack, 501);
  c.peer_nxt = 501;
  c.our_nxt = s.seq + 1U;
  tt_send(&c, TCP_ACK | TCP_PSH, "early", 5);
  assert_int_equal(tt_rec.naccept, 1);
  assert_int_equal(tt_rec.len, 5);
  assert_memory_equal(tt_rec.data, "early", 5);
}

/* Binding: a port in use is refused; listen needs a bound PCB. */
static void bind_conflicts(void **state)
{
  (void)state;
  struct tcp_pcb *a = tcp_new();
  struct tcp_pcb *b = tcp_new();
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(tcp_bind(a, IP_ADDR_ANY, 7000), ERR_OK);
  assert_int_equal(tcp_bind(b, IP_ADDR_ANY, 7000), ERR_USE);
  assert_null(tcp_listen_with_backlog(b, 1)); /* not bound */
  assert_int_equal(tcp_bind(b, IP_ADDR_ANY, 0), ERR_OK);
  assert_true(b->local_port >= TCP_LOCAL_PORT_RANGE_START);
  assert_int_equal(tcp_close(a), ERR_OK);
  assert_int_equal(tcp_close(b), ERR_OK);
  /* tcp_write before a connection exists. */
  struct tcp_pcb *d = tcp_new();
  assert_non_null(d);
  assert_int_equal(tcp_write(d, "x", 1, TCP_WRITE_FLAG_COPY), ERR_CONN);
  assert_int_equal(tcp_shutdown(d, 0, 1), ERR_CONN);
  assert_int_equal(tcp_close(d), ERR_OK);
}

/* TIME_WAIT reuse judged by timestamps (RFC 6191): a SYN with a newer
 * TSval reopens even with a lower sequence number. */
static void time_wait_reuse_by_timestamp(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_TIMESTAMPS);
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_TS);
  assert_int_equal(tcp_close(c.pcb), ERR_OK);
  tt_expect_seg(&c, TCP_FIN | TCP_ACK, 0, NULL);
  tt_send(&c, TCP_FIN | TCP_ACK, NULL, 0);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  assert_int_equal(c.pcb->state, TIME_WAIT);
  struct tt_opts o;
  tt_syn_opts(&o, TT_OPT_TS, c.peer_ts + 1000U);
  tt_inject(&c, TCP_SYN, c.peer_iss - 5000U, 0, &o, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(s.ack, c.peer_iss - 4999U);
  /* An older TSval does not. */
  tt_cleanup();
  setup_established_passive(&c, TT_OPT_TS);
  assert_int_equal(tcp_close(c.pcb), ERR_OK);
  tt_expect_seg(&c, TCP_FIN | TCP_ACK, 0, NULL);
  tt_send(&c, TCP_FIN | TCP_ACK, NULL, 0);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  tt_syn_opts(&o, TT_OPT_TS, c.peer_ts - 100U);
  tt_inject(&c, TCP_SYN, c.peer_nxt + 100000U, 0, &o, NULL, 0);
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_ACK);
  assert_int_equal(c.pcb->state, TIME_WAIT);
}

/* Callbacks that abort the PCB and return ERR_ABRT: the stack must not
 * touch it afterwards (ASan with malloc_pools catches a use after free). */
static int abort_calls;

static err_t recv_abort(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)arg;
  (void)err;
  pbuf_free(p);
  abort_calls++;
  tcp_abort(pcb);
  return ERR_ABRT;
}

static err_t sent_abort(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  (void)arg;
  (void)len;
  abort_calls++;
  tcp_abort(pcb);
  return ERR_ABRT;
}

static err_t connected_abort(void *arg, struct tcp_pcb *pcb, err_t err)
{
  (void)arg;
  (void)err;
  abort_calls++;
  tcp_abort(pcb);
  return ERR_ABRT;
}

static void abort_from_callbacks(void **state)
{
  (void)state;
  fill_pattern();
  /* recv with data (two segments in one go through the ooseq queue; a
   * build without tcp_ooseq dropped the first, and delivers one). */
  struct tt_conn c;
  abort_calls = 0;
  setup_established_active(&c, TT_OPT_SACK);
  tcp_recv(c.pcb, recv_abort);
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt + 10U, c.our_nxt, NULL, pattern + 10, 10);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  tt_inject(&c, TCP_ACK | TCP_PSH, c.peer_nxt, c.our_nxt, NULL, pattern, 10);
  assert_int_equal(abort_calls, 1);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt + (LWIP_TCP_OOSEQ ? 20U : 10U), NULL);
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(tt_rec.err, ERR_ABRT);
  /* recv with NULL (FIN). */
  abort_calls = 0;
  setup_established_active(&c, TT_OPT_NONE);
  tcp_recv(c.pcb, recv_abort);
  tt_send(&c, TCP_ACK | TCP_FIN, NULL, 0);
  assert_int_equal(abort_calls, 1);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_pcb_count(), 0);
  /* sent, on an ACK that also carries data and a FIN. */
  abort_calls = 0;
  setup_established_active(&c, TT_OPT_NONE);
  tcp_sent(c.pcb, sent_abort);
  write_push(&c, "x", 1, NULL);
  tt_send(&c, TCP_ACK | TCP_PSH | TCP_FIN, "late", 4);
  assert_int_equal(abort_calls, 1);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt - 5U, NULL);
  assert_int_equal(tt_rec.len, 0);
  assert_int_equal(tt_pcb_count(), 0);
  /* connected, in SYN_SENT -> ESTABLISHED. */
  abort_calls = 0;
  struct tt_seg s;
  open_syn_sent(&c, 0x100, connected_abort, &s);
  tt_send(&c, TCP_SYN | TCP_ACK, NULL, 0);
  assert_int_equal(abort_calls, 1);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_pcb_count(), 0);
}

/* CLOSING: our FIN is retransmitted by the RTO until acknowledged. */
static void closing_fin_retransmitted(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_closing(&c, TT_OPT_NONE);
  test_clock_advance(c.pcb->rto + TCP_TICK_SLACK);
  tt_expect(TCP_FIN | TCP_ACK, c.our_nxt - 1U, c.peer_nxt, NULL);
  tt_expect_nothing();
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(c.pcb->state, TIME_WAIT);
}

/* ---------------------------------------------------------------------- */
/* Keepalive                                                               */
/* ---------------------------------------------------------------------- */

/* RFC 1122 4.2.3.6: probes <SEQ=SND.UNA-1> after the idle time; an
 * answer restarts the idle time; count unanswered probes abort. */
static void keepalive_probes_and_abort(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  ip_set_option(pcb, SOF_KEEPALIVE);
  tcp_keepalive(pcb, 2000, 500, 3);
  test_clock_advance(2000 - 20);
  tt_expect_nothing();
  test_clock_advance(20 + TCP_TICK_SLACK);
  tt_expect(TCP_ACK, c.our_nxt - 1U, c.peer_nxt, NULL);
  tt_expect_nothing();
  /* The peer answers: idle again for 2 s. */
  tt_send(&c, TCP_ACK, NULL, 0);
  tt_expect_nothing();
  test_clock_advance(1900);
  tt_expect_nothing();
  test_clock_advance(100 + TCP_TICK_SLACK);
  tt_expect(TCP_ACK, c.our_nxt - 1U, c.peer_nxt, NULL);
  /* Now silence: two more probes 500 ms apart, then the abort. */
  test_clock_advance(500);
  tt_expect(TCP_ACK, c.our_nxt - 1U, c.peer_nxt, NULL);
  test_clock_advance(500);
  tt_expect(TCP_ACK, c.our_nxt - 1U, c.peer_nxt, NULL);
  tt_expect_nothing();
  assert_int_equal(tt_rec.nerr, 0);
  test_clock_advance(500);
  tt_expect(TCP_RST | TCP_ACK, c.our_nxt, c.peer_nxt, NULL);
  tt_expect_err_once(ERR_ABRT);
  assert_int_equal(tt_pcb_count(), 0);
}

/* Without SOF_KEEPALIVE nothing is probed. */
static void keepalive_off_by_default(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  tcp_keepalive(c.pcb, 1000, 500, 2);
  test_clock_advance(10000);
  tt_expect_nothing();
  assert_int_equal(c.pcb->state, ESTABLISHED);
}

/* ---------------------------------------------------------------------- */
/* Memory exhaustion                                                       */
/* ---------------------------------------------------------------------- */

#if LWIP_TEST_HOOKS
struct usage {
  u32_t pcb, seg, heap;
  u32_t pools_used;
};

static void usage_get(struct usage *u)
{
  u->pcb = memp_stats(MEMP_TCP_PCB)->used;
  u->seg = memp_stats(MEMP_TCP_SEG)->used;
  u->heap = mem_stats()->used;
  u->pools_used = 0;
  for (int i = 0; i < MEMP_MAX; i++) {
    u->pools_used += memp_stats((memp_t)i)->used;
  }
}

/* Everything a failed or aborted attempt took is back: PCBs, segments,
 * heap and every pool as in @p base. */
static void usage_expect_back_at(const char *file, int line, const struct usage *base)
{
  struct usage now;
  usage_get(&now);
  _assert_int_equal(now.pcb, base->pcb, file, line);
  _assert_int_equal(now.seg, base->seg, file, line);
  _assert_int_equal(now.heap, base->heap, file, line);
  _assert_int_equal(now.pools_used, base->pools_used, file, line);
}
#define usage_expect_back(base) usage_expect_back_at(__FILE__, __LINE__, (base))

/* Fail each allocation of a passive handshake in turn, first while the
 * SYN is processed, then while the final ACK is.  Whatever fails (a PCB,
 * the SYN-ACK's segment or header, a timer; with the PCB pool empty the
 * listener may answer with a SYN cookie), the stack must not leak, and
 * the peer's retransmissions must finish the handshake once memory is
 * back. */
static void oom_passive_handshake(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 0);
  struct usage base;
  usage_get(&base);
  for (int phase = 0; phase < 2; phase++) {
    int clean = 0;
    for (u32_t n = 1; n < 40 && clean < 3; n++) {
      struct tt_conn c;
      tt_conn_init(&c, TT_OPT_ALL, 1000 * n + (u32_t)phase);
      if (phase == 0) {
        tt_fail_next_inject(n);
      }
      tt_send(&c, TCP_SYN, NULL, 0);
      struct tt_seg s;
      bool first = tt_pop(&s);
      if (!first) {
        /* A PCB in SYN_RCVD whose SYN-ACK failed: the RTO resends it;
         * without a PCB the peer sends its SYN again. */
        test_clock_advance(TCP_RTO_INITIAL_MS + TCP_TICK_SLACK);
        if (!tt_pop(&s)) {
          c.peer_nxt = c.peer_iss;
          tt_send(&c, TCP_SYN, NULL, 0);
          assert_true(tt_pop(&s));
        }
      }
      assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
      assert_int_equal(s.ack, c.peer_iss + 1U);
      c.our_nxt = s.seq + 1U;
      c.ts = s.opt.has_ts;
      c.our_ts = s.opt.tsval;
      int acc = tt_rec.naccept;
      if (phase == 1) {
        tt_fail_next_inject(n);
      }
      tt_send(&c, TCP_ACK, NULL, 0);
      bool accepted = tt_rec.naccept == acc + 1;
      if (!accepted) {
        /* The ACK was lost to memory: the peer's next segment (here its
         * ACK again, as it would with data) completes the handshake. */
        c.peer_ts++;
        tt_send(&c, TCP_ACK, NULL, 0);
      }
      assert_int_equal(tt_rec.naccept, acc + 1);
      assert_int_equal(tt_rec.accepted->state, ESTABLISHED);
      assert_int_equal(tt_rec.accepted->rcv_nxt, c.peer_iss + 1U);
      assert_int_equal(tt_rec.accepted->snd_nxt, s.seq + 1U);
      if (first && accepted) {
        clean++;
      }
      test_frames_clear(&tt_tn);
      tcp_abort(tt_rec.accepted);
      test_frames_clear(&tt_tn);
      test_clock_advance(5000); /* let any retransmission timer find nothing */
      usage_expect_back(&base);
    }
    /* Past the last allocation the handshake needs, it runs clean. */
    assert_int_equal(clean, 3);
  }
}

static void idle_timeout(void *arg)
{
  (void)arg;
}

/* An empty SYS_TIMEOUT pool must not stop the TCP timers: the wheel keeps
 * its timeout in its own storage, and the retransmission timer still runs
 * (RFC 6298 5.1, 5.4). */
static void oom_wheel_timer_rto_still_runs(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  uintptr_t n = 0;
  while (sys_timeout(1000000, idle_timeout, (void *)n) == ERR_OK) {
    n++;
  }
  assert_int_equal(tcp_write(pcb, "b", 1, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_output(pcb);
  tt_expect_seg(&c, TCP_ACK | TCP_PSH, 1, NULL);
  test_clock_advance(pcb->rto + 50U);
  /* RFC 6298 5.4: on expiry, retransmit the earliest unacknowledged segment. */
  tt_expect(TCP_ACK | TCP_PSH, c.our_nxt - 1U, c.peer_nxt, NULL);
  for (uintptr_t i = 0; i < n; i++) {
    sys_untimeout(idle_timeout, (void *)i);
  }
}

/* tcp_connect under memory failure: ERR_MEM or a lost SYN, no leak. */
static void oom_active_handshake(void **state)
{
  (void)state;
  struct usage base;
  usage_get(&base);
  int ok_first = 0;
  for (u32_t n = 1; n < 40 && ok_first < 3; n++) {
    struct tcp_pcb *pcb = tcp_new();
    assert_non_null(pcb);
    tt_attach(pcb);
    lwip_alloc_fail_after(n);
    err_t e = tcp_connect(pcb, tt_peer_addr(), 8080, tt_connected_cb);
    lwip_alloc_fail_after(0);
    if (e != ERR_OK) {
      assert_int_equal(e, ERR_MEM);
      assert_int_equal(pcb->state, CLOSED);
      assert_int_equal(tcp_close(pcb), ERR_OK);
    } else {
      struct tt_seg s;
      if (!tt_pop(&s)) {
        test_clock_advance(TCP_RTO_INITIAL_MS + TCP_TICK_SLACK);
        assert_true(tt_pop(&s));
      } else {
        ok_first++;
      }
      assert_int_equal(s.flags, TCP_SYN);
      struct tt_conn c;
      tt_conn_init(&c, TT_OPT_NONE, 0x7000);
      c.pcb = pcb;
      c.our_port = pcb->local_port;
      c.peer_port = 8080;
      c.our_nxt = s.seq + 1U;
      tt_fail_next_inject(n);
      tt_send(&c, TCP_SYN | TCP_ACK, NULL, 0);
      assert_int_equal(pcb->state, ESTABLISHED);
      test_frames_clear(&tt_tn);
      tcp_abort(pcb);
    }
    test_frames_clear(&tt_tn);
    usage_expect_back(&base);
  }
  assert_int_equal(ok_first, 3);
}

/* tcp_write + tcp_output under memory failure: either ERR_MEM with the
 * queue untouched, or the data gets out (at the latest by the RTO). */
static void oom_write(void **state)
{
  (void)state;
  fill_pattern();
  struct tt_conn c;
  setup_established_active(&c, TT_OPT_NONE);
  struct tcp_pcb *pcb = c.pcb;
  tcp_nagle_disable(pcb);
  u16_t len = (u16_t)LWIP_MIN(2U * pcb->mss + 10U, TCP_SND_BUF);
  int ok_first = 0;
  for (u32_t n = 1; n < 60 && ok_first < 3; n++) {
    struct usage before;
    usage_get(&before);
    u32_t lbb = pcb->snd_lbb, sndbuf = pcb->snd_buf;
    u16_t ql = pcb->snd_queuelen;
    lwip_alloc_fail_after(n);
    err_t e = tcp_write(pcb, pattern, len, TCP_WRITE_FLAG_COPY);
    if (e == ERR_OK) {
      tcp_output(pcb);
    }
    lwip_alloc_fail_after(0);
    if (e != ERR_OK) {
      assert_int_equal(e, ERR_MEM);
      assert_int_equal(pcb->snd_lbb, lbb);
      assert_int_equal(pcb->snd_buf, sndbuf);
      assert_int_equal(pcb->snd_queuelen, ql);
      struct usage now;
      usage_get(&now);
      assert_int_equal(now.pools_used, before.pools_used);
      assert_int_equal(now.heap, before.heap);
      tt_expect_nothing();
      continue;
    }
    u32_t got = 0;
    struct tt_seg s;
    while (tt_pop(&s)) {
      assert_int_equal(s.seq, c.our_nxt + got);
      got += s.len;
    }
    if (got == len) {
      ok_first++;
    }
    for (int tries = 0; got < len && tries < 10; tries++) {
      tcp_output(pcb);
      test_clock_advance(pcb->rto + TCP_TICK_SLACK);
      while (tt_pop(&s)) {
        if (s.seq == c.our_nxt + got) {
          got += s.len;
        }
      }
    }
    assert_int_equal(got, len);
    c.our_nxt += len;
    tt_send(&c, TCP_ACK, NULL, 0);
    assert_null(pcb->unacked);
    assert_null(pcb->unsent);
    test_frames_clear(&tt_tn);
  }
  assert_int_equal(ok_first, 3);
}
#endif /* LWIP_TEST_HOOKS */

/* The PCB pool is empty: a new PCB takes the place of a TIME_WAIT
 * connection (it is over), never of an established one of equal priority. */
static void pool_full_reuses_time_wait(void **state)
{
  (void)state;
  static struct tcp_pcb *spare[MEMP_NUM_TCP_PCB];
  struct tt_conn tw, est;
  setup_time_wait(&tw, TT_OPT_NONE);
  setup_established_active(&est, TT_OPT_NONE);
  int n = 0;
  for (; n < (int)MEMP_NUM_TCP_PCB; n++) {
    spare[n] = tcp_new();
    if (spare[n] == NULL) {
      break;
    }
  }
  /* The last one came from the TIME_WAIT connection. */
  assert_true(n >= 1);
  assert_int_equal(n, (int)MEMP_NUM_TCP_PCB - 1);
  assert_false(tt_pcb_alive(tw.pcb) && tw.pcb->state == TIME_WAIT);
  assert_true(tt_pcb_alive(est.pcb));
  assert_int_equal(est.pcb->state, ESTABLISHED);
  assert_int_equal(tt_rec.nerr, 0);
  tt_expect_nothing(); /* TIME_WAIT goes quietly */
  for (int i = 0; i < n; i++) {
    assert_int_equal(tcp_close(spare[i]), ERR_OK);
  }
}

/* ---------------------------------------------------------------------- */
/* Leak check of the fixtures' teardown path                               */
/* ---------------------------------------------------------------------- */

/* Everything the stack frees on its own leaves no PCB, segment or pbuf. */
static void no_leak_after_full_lifecycle(void **state)
{
  (void)state;
  tcp_set_msl(100);
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_ALL);
  write_push(&c, "data", 4, NULL);
  tt_send(&c, TCP_ACK | TCP_PSH, "resp", 4);
  assert_int_equal(tcp_close(c.pcb), ERR_OK);
  tt_expect_seg(&c, TCP_FIN | TCP_ACK, 0, NULL);
  tt_send(&c, TCP_FIN | TCP_ACK, NULL, 0);
  tt_expect_seg(&c, TCP_ACK, 0, NULL);
  assert_int_equal(tcp_close(tt_listener), ERR_OK);
  tt_listener = NULL;
  test_clock_advance(200 + TCP_TICK_SLACK);
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(memp_stats(MEMP_TCP_PCB)->used, 0);
  assert_int_equal(memp_stats(MEMP_TCP_PCB_LISTEN)->used, 0);
  assert_int_equal(memp_stats(MEMP_TCP_SEG)->used, 0);
}

/* The snapshot of established connection @p c names it: its state, both
 * addresses and both ports. */
static void assert_info_identity(const struct tt_conn *c, const struct tcp_conn_info *ci)
{
  assert_int_equal(ci->state, ESTABLISHED);
  assert_int_equal(ci->local_port, c->our_port);
  assert_int_equal(ci->remote_port, c->peer_port);
  assert_string_equal(ip4addr_ntoa(ip_2_ip4(&ci->local_ip)), TT_OUR_IP);
  assert_string_equal(ip4addr_ntoa(ip_2_ip4(&ci->remote_ip)), TT_PEER_IP);
}

/* tcp_get_info: the public snapshot shows what the PCB holds, the queue
 * lengths derived from the sequence numbers, and the options agreed. */
static void get_info_snapshot(void **state)
{
  (void)state;
  TT_NEEDS(TT_OPT_BUILT == TT_OPT_ALL && LWIP_STATS);
  fill_pattern();
  struct tt_conn c;
  struct tcp_conn_info ci;
  setup_established_active(&c, TT_OPT_ALL);
  tcp_get_info(c.pcb, &ci);
  assert_info_identity(&c, &ci);
  assert_true(ci.sack && ci.timestamps && ci.wscale);
  assert_int_equal(ci.snd_wscale, TT_PEER_WS);
  assert_int_equal(ci.rcv_wscale, TCP_RCV_SCALE);
  assert_int_equal(ci.send_q, 0);
  assert_int_equal(ci.unsent, 0);
  assert_false(ci.nodelay);
  assert_false(ci.in_recovery);
  struct tcp_limits lim;
  tcp_get_limits(&lim);
  assert_int_equal(ci.user_timeout_ms, lim.user_timeout_ms);
  assert_int_equal(ci.stalled_ms, 0);

  /* Queued, not sent: counted in both send_q and unsent.  (500 bytes:
   * one segment at the smallest MSS, so Nagle holds nothing back.) */
  assert_int_equal(tcp_write(c.pcb, pattern, 500, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_get_info(c.pcb, &ci);
  assert_int_equal(ci.send_q, 500);
  assert_int_equal(ci.unsent, 500);
  assert_int_equal(ci.snd_una, c.pcb->snd_una);
  assert_int_equal(ci.snd_buf, c.pcb->snd_buf);
  assert_true(ci.snd_queuelen > 0);
  /* Sent, not acknowledged: send_q only. */
  tcp_output(c.pcb);
  tcp_get_info(c.pcb, &ci);
  assert_int_equal(ci.send_q, 500);
  assert_int_equal(ci.unsent, 0);
  assert_int_equal(ci.snd_nxt, ci.snd_una + 500U);
  tcp_nagle_disable(c.pcb);
  tcp_set_user_timeout(c.pcb, 1234);
  tcp_get_info(c.pcb, &ci);
  assert_true(ci.nodelay);
  assert_int_equal(ci.user_timeout_ms, 1234);
  assert_int_equal(ci.rto_ms, c.pcb->rto);
  assert_int_equal(ci.rcv_nxt, c.peer_nxt);
}

/* Every build fills which connection a snapshot is and its state (httpd's
 * connection list needs them); a build without stats leaves the rest 0
 * and the names "". */
static void get_info_identity(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tcp_conn_info ci;
  setup_established_passive(&c, TT_OPT_NONE);
  tcp_get_info(c.pcb, &ci);
  assert_info_identity(&c, &ci);
  assert_non_null(ci.congestion);
  assert_non_null(ci.ss_phase);
  assert_non_null(ci.recovery);
  assert_non_null(ci.ecn_mode);
#if !LWIP_STATS
  assert_string_equal(ci.ss_phase, "");
  assert_int_equal(ci.mss, 0);
  assert_int_equal(ci.snd_nxt, 0);
#endif
}

/* State names with debug_log, the state's number without. */
static void state_names(void **state)
{
  (void)state;
#if LWIP_DEBUG
  assert_string_equal(tcp_state_name(CLOSED), "CLOSED");
  assert_string_equal(tcp_state_name(ESTABLISHED), "ESTABLISHED");
  assert_string_equal(tcp_state_name(TIME_WAIT), "TIME_WAIT");
#else
  assert_string_equal(tcp_state_name(CLOSED), "0");
  assert_string_equal(tcp_state_name(ESTABLISHED), "4");
  assert_string_equal(tcp_state_name(LAST_ACK), "9");
  assert_string_equal(tcp_state_name(TIME_WAIT), "10");
#endif
  assert_string_equal(tcp_state_name((enum tcp_state)11), "?");
  assert_string_equal(tcp_state_name((enum tcp_state)200), "?");
}

/* Without window scaling the shifts read 0 (RFC 7323 2.2), and without
 * options nothing is reported as agreed. */
static void get_info_no_options(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_STATS); /* the full snapshot */
  struct tt_conn c;
  struct tcp_conn_info ci;
  setup_established_passive(&c, TT_OPT_NONE);
  tcp_get_info(c.pcb, &ci);
  assert_false(ci.sack || ci.timestamps || ci.wscale);
  assert_int_equal(ci.snd_wscale, 0);
  assert_int_equal(ci.rcv_wscale, 0);
  assert_int_equal(ci.mss, c.pcb->mss);
  assert_int_equal(ci.rcv_mss, c.pcb->rcv_mss);
  assert_false(ci.gives_up);
}

/* ---------------------------------------------------------------------- */
/* The SYN queue (core/tcp_synq.c): a handshake is an entry, not a PCB      */
/* ---------------------------------------------------------------------- */
#if LWIP_TCP_SYNQ_COOKIES

/* The entry tcp.list shows for @p c's handshake (and that there is one). */
static struct tcp_conn_info synq_ci;
static int synq_seen;
static void synq_collect(const struct tcp_conn_info *ci, void *arg)
{
  (void)arg;
  synq_ci = *ci;
  synq_seen++;
}

/* A SYN makes an entry (4-tuple, both ISNs, options) and no PCB; the
 * entry is what tcp_synq_foreach (tcp.list) shows, as SYN_RCVD; it costs
 * a small fraction of a PCB and its SYN segment. */
static void synq_entry_instead_of_pcb(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_SACK && LWIP_TCP_TIMESTAMPS && LWIP_TCP_WSCALE); /* every option agreed */
  struct tt_conn c;
  struct tt_seg s;
  syn_all_options_to_listener(&c, 7000, &s);
  assert_true(s.opt.has_ts && s.opt.has_ws && s.opt.sack_perm && s.opt.has_mss);
  assert_int_equal(s.opt.tsecr, c.peer_ts - 1U); /* the SYN's TSval */
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(tcp_synq_count(), 1);
  assert_int_equal(memp_stats(MEMP_TCP_SYNQ)->used, 1);
  synq_seen = 0;
  tcp_synq_foreach(synq_collect, NULL);
  assert_int_equal(synq_seen, 1);
  assert_true(synq_ci.syn_queue);
  assert_int_equal(synq_ci.state, SYN_RCVD);
  assert_int_equal(synq_ci.remote_port, c.peer_port);
  assert_int_equal(synq_ci.local_port, TT_LISTEN_PORT);
  assert_int_equal(synq_ci.snd_una, s.seq);
  assert_int_equal(synq_ci.rcv_nxt, 7001);
  assert_true(synq_ci.timestamps && synq_ci.sack && synq_ci.wscale);
  assert_int_equal(synq_ci.snd_wscale, TT_PEER_WS);
  /* At most a fifth of what a SYN_RCVD PCB cost (the PCB and its SYN
   * segment), with room for two IPv6 addresses and their zones; the
   * minimal profile's PCB is the smaller one. */
  assert_true(5U * sizeof(struct tcp_synq_entry) <= sizeof(struct tcp_pcb) + sizeof(struct tcp_seg));
  /* The ACK makes the PCB, with what the SYN agreed. */
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.naccept, 1);
  struct tcp_pcb *pcb = tt_rec.accepted;
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_int_equal(tcp_synq_count(), 0);
  assert_int_equal(pcb->flags & (TF_TIMESTAMP | TF_SACK | TF_WND_SCALE), TF_TIMESTAMP | TF_SACK | TF_WND_SCALE);
  assert_int_equal(pcb->snd_scale, TT_PEER_WS);
  assert_int_equal(pcb->mss, LWIP_MIN(TT_PEER_MSS, TCP_MSS) - 12U);
  assert_int_equal(pcb->ts_recent, c.peer_ts - 1U);
  assert_true(pcb->srtt8 != 0); /* the ACK's TSecr timed the SYN-ACK */
  c.pcb = pcb;
  tt_attach(pcb);
  tt_send(&c, TCP_ACK | TCP_PSH, "hi", 2);
  assert_int_equal(tt_rec.len, 2);
}

/* What the SYN queue answers for an entry (an ACK to an unacceptable
 * segment, a challenge ACK) offers no more than the SYN-ACK did: the
 * entry keeps only that window, so a larger (scaled) one would be
 * forgotten and the connection's right edge would then move left (RFC
 * 9293 3.8.6).  Found by libfuzzer_tcp. */
static void synq_answers_keep_the_synack_window(void **state)
{
  (void)state;
  TT_NEEDS(TT_OPT_BUILT == TT_OPT_ALL);
  struct tt_conn c;
  struct tt_seg s;
  syn_all_options_to_listener(&c, 7000, &s);
  assert_true(s.opt.has_ws);
  u32_t synack_edge = 7001U + s.wnd;
  /* Data far beyond the window: an ACK answers it (RFC 9293 3.10.7.4). */
  tt_inject(&c, TCP_ACK | TCP_PSH, 7001U + 0x40000U, c.our_nxt, NULL, "far", 3);
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_ACK);
  assert_int_equal(s.ack, 7001);
  u32_t edge = 7001U + ((u32_t)s.wnd << TCP_RCV_SCALE);
  assert_true(TCP_SEQ_LEQ(edge, synack_edge));
  /* The handshake completes; the PCB's first ACK keeps at least that edge. */
  tt_send(&c, TCP_ACK | TCP_PSH, "hi", 2);
  assert_int_equal(tt_rec.naccept, 1);
  c.pcb = tt_rec.accepted;
  tt_attach(c.pcb);
  test_clock_advance(500); /* the delayed ACK of "hi" goes out */
  int acks = 0;
  while (tt_pop(&s)) {
    assert_true(TCP_SEQ_GEQ(s.ack + ((u32_t)s.wnd << TCP_RCV_SCALE), edge));
    acks++;
  }
  assert_true(acks > 0);
}

/* The entry's own timer: SYN-ACKs again after 1, 2, 4 and 8 s (RFC 6298
 * 2.1, 5.5), then at 20 s the handshake is given up with a RST, the entry
 * freed and counted; nothing in between. */
static void synq_retransmit_and_expire(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 4000, &s);
  u32_t iss = s.seq;
#if LWIP_STATS
  u32_t expired = DROPS(TCP_SYNQ_EXPIRED);
#endif
  static const u32_t at[] = {1000, 3000, 7000, 15000};
  u32_t t = 0;
  for (size_t i = 0; i < LWIP_ARRAYSIZE(at); i++) {
    test_clock_advance(at[i] - t - 1U);
    tt_expect_nothing();
    test_clock_advance(1);
    tt_expect(TCP_SYN | TCP_ACK, iss, 4001, NULL);
    tt_expect_nothing();
    t = at[i];
  }
  test_clock_advance(TCP_SYN_RCVD_TIMEOUT_MS - t - 1U);
  tt_expect_nothing();
  assert_int_equal(tcp_synq_count(), 1);
  test_clock_advance(1);
  tt_expect(TCP_RST | TCP_ACK, iss + 1U, 4001, NULL);
  assert_int_equal(tcp_synq_count(), 0);
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(tt_rec.naccept + tt_rec.nerr, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_SYNQ_EXPIRED), expired + 1);
#endif
  test_clock_advance(60000);
  tt_expect_nothing();
}

/* RSTs for an entry (RFC 9293 3.10.7.4, RFC 5961 3.2): outside the window
 * ignored; in the window but not at RCV.NXT a challenge ACK; exactly at
 * RCV.NXT the handshake goes, silently. */
static void synq_rst_rules(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 4000, &s);
  tt_inject(&c, TCP_RST, 4001U + 0x20000U, 0, NULL, NULL, 0);
  tt_expect_nothing();
  tt_inject(&c, TCP_RST, 4002, 0, NULL, NULL, 0);
  tt_expect(TCP_ACK, s.seq + 1U, 4001, NULL);
  tt_expect_nothing();
  assert_int_equal(tcp_synq_count(), 1);
#if LWIP_STATS
  u32_t resets = DROPS(TCP_SYNQ_RESET);
#endif
  tt_inject(&c, TCP_RST, 4001, 0, NULL, NULL, 0);
  tt_expect_nothing();
  assert_int_equal(tcp_synq_count(), 0);
  assert_int_equal(tt_listener->state, LISTEN);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_SYNQ_RESET), resets + 1);
#endif
  /* The freed place in the backlog is usable again. */
  assert_int_equal(((struct tcp_pcb_listen *)(void *)tt_listener)->accepts_pending, 0);
}

/* SYNs for an entry: the same SYN again gets the same SYN-ACK; another
 * SYN in the window a challenge ACK (RFC 5961 4.2); out of the window an
 * ACK (3.10.7.4 first check).  Segments without ACK are dropped, and an
 * ACK of anything but our SYN gets <SEQ=SEG.ACK><CTL=RST>. */
static void synq_syn_and_ack_rules(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 4000, &s);
  tt_inject(&c, TCP_SYN, 4000, 0, NULL, NULL, 0);
  tt_expect(TCP_SYN | TCP_ACK, s.seq, 4001, NULL);
  tt_inject(&c, TCP_SYN, 4100, 0, NULL, NULL, 0);
  tt_expect(TCP_ACK, s.seq + 1U, 4001, NULL);
  tt_inject(&c, TCP_SYN, 3000, 0, NULL, NULL, 0);
  tt_expect(TCP_ACK, s.seq + 1U, 4001, NULL);
  tt_inject(&c, TCP_PSH, 4001, 0, NULL, "x", 1);
  tt_expect_nothing();
  tt_inject(&c, TCP_ACK, 4001, s.seq, NULL, NULL, 0);
  tt_expect(TCP_RST, s.seq, 0, NULL);
  tt_expect_nothing();
  assert_int_equal(tcp_synq_count(), 1);
  assert_int_equal(tt_rec.naccept, 0);
}

/* PAWS for an entry (RFC 7323 5.3): a segment with an older TSval than
 * the SYN's is dropped with an ACK; one without TSopt is dropped. */
static void synq_paws(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 0);
  struct tt_conn c;
  tt_conn_init(&c, TT_OPT_TS, 9000);
  c.peer_ts = 5000;
  tt_send(&c, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  struct tt_opts o;
  memset(&o, 0, sizeof(o));
  o.has_ts = true;
  o.tsval = 4000;
  o.tsecr = s.opt.tsval;
  tt_inject(&c, TCP_ACK, 9001, s.seq + 1U, &o, NULL, 0);
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_ACK);
  memset(&o, 0, sizeof(o));
  tt_inject(&c, TCP_ACK, 9001, s.seq, &o, NULL, 0);
  tt_expect_nothing();
  assert_int_equal(tt_rec.naccept, 0);
  assert_int_equal(tcp_synq_count(), 1);
}

#if LWIP_TEST_HOOKS
/* The SYN queue's timer lives in its own storage: with the SYS_TIMEOUT
 * pool empty, SYN-ACKs still go out again. */
static void synq_timer_without_timeout_pool(void **state)
{
  (void)state;
  struct tt_conn c;
  struct tt_seg s;
  syn_to_listener(&c, 4000, &s);
  uintptr_t n = 0;
  while (sys_timeout(1000000, idle_timeout, (void *)n) == ERR_OK) {
    n++;
  }
  test_clock_advance(1000);
  tt_expect(TCP_SYN | TCP_ACK, s.seq, 4001, NULL);
  for (uintptr_t i = 0; i < n; i++) {
    sys_untimeout(idle_timeout, (void *)i);
  }
}
#endif /* LWIP_TEST_HOOKS */
#else  /* LWIP_TCP_SYNQ_COOKIES */
/* Built without the SYN queue, SYN_RCVD PCBs do its work (the cases of
 * the state diagram above cover the handshake itself).  Here what the
 * queue did besides: the backlog bounds the half-open PCBs, a SYN beyond
 * it is dropped and counted, and a slot comes back when one is given up. */
static void listen_pcb_backlog_full(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 2);
  struct tt_conn c[3];
  struct tt_seg s;
  for (int i = 0; i < 2; i++) {
    tt_conn_init(&c[i], TT_OPT_NONE, 1000U * (u32_t)(i + 1));
    tt_send(&c[i], TCP_SYN, NULL, 0);
    assert_true(tt_pop(&s));
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  }
  assert_int_equal(tt_pcb_count(), 2);
#if LWIP_STATS
  u32_t full = DROPS(TCP_BACKLOG_FULL);
#endif
  tt_conn_init(&c[2], TT_OPT_NONE, 3000U);
  tt_send(&c[2], TCP_SYN, NULL, 0);
  tt_expect_nothing();
  assert_int_equal(tt_pcb_count(), 2);
#if LWIP_STATS
  assert_int_equal(DROPS(TCP_BACKLOG_FULL), full + 1U);
#endif
}

/* A half-open PCB sends its SYN-ACK again on its own timer (RFC 6298),
 * gives the handshake up after TCP_SYN_RCVD_TIMEOUT_MS with a RST and no
 * application callback, and its backlog slot serves the next SYN. */
static void listen_pcb_synack_resent_then_given_up(void **state)
{
  (void)state;
  setup_listen(TT_LISTEN_PORT, 1);
  struct tt_conn c;
  struct tt_seg s;
  tt_conn_init(&c, TT_OPT_NONE, 4000U);
  tt_send(&c, TCP_SYN, NULL, 0);
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  u32_t iss = s.seq;
  int synacks = 0, rsts = 0;
  for (u32_t t = 0; t <= TCP_SYN_RCVD_TIMEOUT_MS + 1000U; t += 100U) {
    test_clock_advance(100);
    while (tt_pop(&s)) {
      if (s.flags == (TCP_SYN | TCP_ACK)) {
        assert_int_equal(s.seq, iss);
        assert_int_equal(s.ack, 4001U);
        synacks++;
      } else {
        assert_int_equal(s.flags & TCP_RST, TCP_RST);
        rsts++;
      }
    }
  }
  assert_true(synacks >= 3);
  assert_int_equal(rsts, 1);
  assert_int_equal(tt_pcb_count(), 0);
  assert_int_equal(tt_rec.naccept + tt_rec.nerr, 0);
  /* The slot is free again. */
  struct tt_conn d;
  tt_conn_init(&d, TT_OPT_NONE, 9000U);
  tt_send(&d, TCP_SYN, NULL, 0);
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
}
#endif /* LWIP_TCP_SYNQ_COOKIES */

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_setup, tt_teardown)
    T(passive_open_steps),
    T(passive_open_all_options),
    T(active_open_steps),
    T(fixtures_all_states),
    T(simultaneous_open),
    T(simultaneous_open_synack_crossing),
    T(simultaneous_open_rst_refused),
    T(syn_rcvd_ack_of_isn_gets_rst),
    T(syn_rcvd_gives_up),
    T(listener_closed_during_handshake),
    T(handshake_ack_with_data_and_fin),
    T(write_in_syn_sent),
    T(syn_rcvd_syn_retransmitted),
    T(syn_rcvd_rst_returns_to_listen),
    T(syn_rcvd_bad_ack_rst),
    T(syn_sent_rst_acceptance),
    T(syn_sent_bad_ack_rst),
    T(syn_sent_close),
    T(syn_sent_retransmit),
    T(active_close_time_wait_2msl),
    T(time_wait_fin_retransmitted),
    T(time_wait_acks_segment_beyond_rcv_nxt),
    T(fin_wait_1_to_time_wait),
    T(simultaneous_close),
    T(passive_close),
    T(close_wait_shutdown_tx),
    T(half_close_peer_keeps_sending),
    T(fin_wait_2_timeout),
    T(fin_after_data_recv_null),
    T(close_with_unread_data_rst),
    T(rst_carries_timestamp),
    T(synack_with_data),
    T(data_after_close_rst),
    T(abort_sends_rst),
    T(last_ack_ignores_data),
    T(time_wait_reuse_higher_seq),
    T(time_wait_old_syn_acked),
    T(rst_exact_resets),
    T(rst_in_window_challenge_ack),
    T(window_is_the_announced_one),
    T(rst_out_of_window_ignored),
    T(challenge_ack_rate_limit),
    T(syn_in_established_challenge),
    T(ack_above_snd_max),
    T(data_out_of_window_acked),
    T(no_ack_flag_dropped),
    T(ack_too_old_dropped),
    T(overlap_trimmed),
    T(ooseq_fin_after_hole),
    T(ooseq_bare_fin_inside_queued_data),
    T(refused_data_cut_at_queued_fin),
    T(ooseq_fin_cuts_queue),
    T(shutdown_rx_then_data_rst),
    T(backlog_released_by_rst_and_timeout),
    T(old_window_update_ignored),
    T(closed_port_rst),
    T(listen_odd_segments),
    T(listen_backlog_full),
    T(syn_cookie_handshake),
    T(accept_refused),
    T(bad_checksum_dropped),
    T(mss_clamped_to_route_mtu),
    T(mss_from_peer),
    T(window_scale_limits),
    T(synack_window_not_scaled),
    T(receive_window_full),
    T(window_field_scaled),
    T(timestamps_echoed),
    T(paws_drops_old_timestamp),
    T(ts_recent_not_poisoned_by_bad_ack),
    T(duplicate_data_acked_at_once_with_dsack),
    T(duplicate_of_ooseq_data_dsacked),
    T(delack_time_configurable),
    T(sack_blocks_for_ooseq),
    T(no_sack_without_permission),
    T(peer_isn_wraps),
    T(our_isn_wraps),
    T(write_send_buffer_full),
    T(mem_budget_counts_or_not),
    T(ip4_frag_needed_is_soft),
    T(timers_run_at_ticks),
#if !LWIP_TCP_TIMER_WHEEL
    T(timers_across_clock_wrap),
#endif
    T(poll_armed_onto_clock_wrap),
    T(nagle_holds_small_segment),
    T(rst_rules_across_wrap),
    T(delayed_ack),
#if LWIP_TCP_RX_BATCH
    T(receive_batch_one_ack),
#else
    T(receive_batch_without_option),
#endif
    T(data_retransmitted_after_rto),
    T(refused_data_redelivered),
    T(close_with_refused_data_rst),
    T(tiny_mss_with_timestamps),
    T(zero_window_persist),
    T(window_update_after_recved),
    T(fin_wait_1_partial_ack),
    T(retransmissions_give_up),
    T(data_on_syn_not_acked),
    T(bind_conflicts),
    T(time_wait_reuse_by_timestamp),
    T(abort_from_callbacks),
    T(closing_fin_retransmitted),
    T(keepalive_probes_and_abort),
    T(keepalive_off_by_default),
#if LWIP_TCP_SYNQ_COOKIES
    T(synq_entry_instead_of_pcb),
    T(synq_retransmit_and_expire),
    T(synq_answers_keep_the_synack_window),
    T(synq_rst_rules),
    T(synq_syn_and_ack_rules),
    T(synq_paws),
#if LWIP_TEST_HOOKS
    T(synq_timer_without_timeout_pool),
#endif
#else
    T(listen_pcb_backlog_full),
    T(listen_pcb_synack_resent_then_given_up),
#endif
#if LWIP_TEST_HOOKS
    T(oom_passive_handshake),
    T(oom_wheel_timer_rto_still_runs),
    T(oom_active_handshake),
    T(oom_write),
#endif
    T(pool_full_reuses_time_wait),
    T(no_leak_after_full_lifecycle),
    T(get_info_snapshot),
    T(get_info_no_options),
    T(get_info_identity),
    T(state_names),
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
