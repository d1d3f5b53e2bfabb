/*
 * TCP with device offloads: segmentation offload (netif->gso_max: TCP
 * builds segments of several MSS and marks them with pbuf gso_size; a
 * retransmission is cut back to one MSS), transmit checksum offload (the
 * pseudo-header sum is left for the device) and receive checksum offload
 * (PBUF_FLAG_CSUM_OK skips the check); and segments of several MSS
 * received from a device that does not cut them (a TAP with TSO).  A build
 * without the offload option (the minimal profile) runs the receive cases
 * and, instead of the offload ones, checks that the same driver settings
 * change nothing there.
 */
#include "test_tcp_common.h"

#if LWIP_TCP

#include "lwip/prot/wire.h"

/* The fake netif keeps copies of frames up to 1518 bytes, not pbufs: a
 * wrapper around its linkoutput notes the gso_size mark and takes the
 * large (offloaded) frames itself. */
static netif_linkoutput_fn orig_linkoutput;
static u16_t last_gso_size;
static bool saw_csum_partial;
static u16_t max_frame;
static int big_frames;
static u32_t big_seq;
static u16_t big_len;

static err_t gso_linkoutput(struct netif *netif, struct pbuf *p)
{
  last_gso_size = p->gso_size;
  saw_csum_partial = saw_csum_partial || (p->flags & PBUF_FLAG_CSUM_PARTIAL) != 0;
  if (p->tot_len > max_frame) {
    max_frame = p->tot_len;
  }
  if (p->tot_len <= 1514) {
    return orig_linkoutput(netif, p);
  }
  u8_t h[14 + 20 + 20];
  assert_int_equal(pbuf_copy_partial(p, h, sizeof(h), 0), sizeof(h));
  const u8_t *ip = h + 14, *t = ip + 20;
  big_frames++;
  big_seq = get_be32(t + TCP_OFF_SEQ);
  big_len = (u16_t)(get_be16(ip + 2) - 20U - (t[TCP_OFF_HDRLEN] >> 4) * 4U);
  return ERR_OK;
}

static void offload_on(u16_t gso_max)
{
  tt_nif->gso_max = gso_max;
  orig_linkoutput = tt_nif->linkoutput;
  tt_nif->linkoutput = gso_linkoutput;
  last_gso_size = 0;
  saw_csum_partial = false;
  max_frame = 0;
  big_frames = 0;
}

static u8_t payload[20000];

/* Segmentation offload up to @p gso_max bytes (0: none) and an
 * established passive connection with window scaling and SACK; the case
 * is skipped when the build is too small for it (@p fits false). */
static void offload_conn(struct tt_conn *c, bool fits, u16_t gso_max)
{
  if (!fits) {
    skip();
  }
  offload_on(gso_max);
  setup_established_passive(c, TT_OPT_WS | TT_OPT_SACK);
}

#if LWIP_OFFLOAD
/* With segmentation offload, one write goes out as one large segment,
 * as big as cwnd allows, marked with the MSS to cut it into. */
static void gso_large_segment(void **state)
{
  (void)state;
  struct tt_conn c;
  offload_conn(&c, TCP_SND_BUF >= sizeof(payload) && TCP_MSS >= 1460, 65535);
  for (size_t i = 0; i < sizeof(payload); i++) {
    payload[i] = (u8_t)(i * 7U);
  }
  assert_int_equal(tcp_write(c.pcb, payload, sizeof(payload), TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(c.pcb), ERR_OK);
  /* RFC 5681 3.1: IW is 3 segments for an MSS of 1460: one packet of
   * 4380 bytes, for the device to cut into three. */
  assert_int_equal(big_frames, 1);
  assert_int_equal(big_seq, c.our_nxt);
  assert_int_equal(big_len, 3U * 1460U);
  assert_int_equal(last_gso_size, 1460);
  assert_int_equal(max_frame, 14 + 20 + 20 + 3 * 1460);
  tt_expect_nothing();
}

/* A lost large segment is retransmitted one MSS at a time (RFC 6298 5.4:
 * the earliest unacknowledged segment). */
static void gso_retransmit_is_one_mss(void **state)
{
  (void)state;
  /* The RTO path; with RACK-TLP a loss probe would come first. */
  assert_int_equal(tcp_set_loss_detection(TCP_LOSS_DUPTHRESH), ERR_OK);
  struct tt_conn c;
  offload_conn(&c, TCP_SND_BUF >= sizeof(payload) && TCP_MSS >= 1460, 65535);
  assert_int_equal(tcp_write(c.pcb, payload, 8000, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_output(c.pcb);
  assert_int_equal(big_frames, 1);
  assert_int_equal(big_len, 3U * 1460U);
  tt_expect_nothing();
  last_gso_size = 0;
  struct tt_seg s;
  test_clock_advance(c.pcb->rto); /* the RTO (the handshake gave an RTT sample) */
  assert_true(tt_pop(&s));
  assert_int_equal(s.seq, c.our_nxt);
  assert_int_equal(s.len, 1460);
  assert_int_equal(last_gso_size, 0);
  /* The peer acknowledges all three.  Slow start with ABC (RFC 3465):
   * cwnd grows from one MSS by 2 * MSS, enough for the 3620 bytes left,
   * which go as one offloaded packet again. */
  int before = big_frames;
  tt_inject(&c, TCP_ACK, c.peer_nxt, c.our_nxt + 3U * 1460U, NULL, NULL, 0);
  assert_int_equal(big_frames, before + 1);
  assert_int_equal(big_seq, c.our_nxt + 3U * 1460U);
  assert_int_equal(big_len, 8000U - 3U * 1460U);
  assert_int_equal(last_gso_size, 1460);
  tt_expect_nothing();
}

/* A large segment never goes past the peer's window, and a window smaller
 * than the queued segment does not stall it: with 2560 bytes offered (of a
 * maximum far larger) the one full MSS that fits goes at once, as
 * MSS-sized segments would (RFC 9293 3.8.6.2.1); then, the window open
 * again, as much as cwnd allows in one packet. */
static void gso_stops_at_peer_window(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_WSCALE);
  struct tt_conn c;
  offload_conn(&c, TCP_SND_BUF >= sizeof(payload) && TCP_MSS >= 1460, 65535);
  c.peer_wnd = 20; /* scaled by 2^7: 2560 bytes */
  tt_send(&c, TCP_ACK, NULL, 0);
  assert_int_equal(tcp_write(c.pcb, payload, 8000, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(c.pcb), ERR_OK);
  assert_int_equal(big_frames, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.seq, c.our_nxt);
  assert_int_equal(s.len, 1460);
  tt_expect_nothing();
  /* Acknowledged, the window open wide: slow start (RFC 3465 ABC) gives
   * cwnd 4 MSS, sent as one packet for the device to cut. */
  c.peer_wnd = 0xffff;
  tt_inject(&c, TCP_ACK, c.peer_nxt, c.our_nxt + 1460U, NULL, NULL, 0);
  assert_int_equal(big_frames, 1);
  assert_int_equal(big_seq, c.our_nxt + 1460U);
  assert_int_equal(big_len, c.pcb->cwnd);
  assert_int_equal(big_len % 1460U, 0);
  assert_int_equal(last_gso_size, 1460);
}

/* With data in flight, the room cwnd leaves is filled in whole MSS even
 * though the queued segment is larger: the ACK of one MSS in slow start
 * opens 2 MSS (RFC 3465), which go at once as one packet. */
static void gso_fills_cwnd_room_with_data_in_flight(void **state)
{
  (void)state;
  struct tt_conn c;
  offload_conn(&c, TCP_SND_BUF >= sizeof(payload) && TCP_MSS >= 1460, 65535);
  assert_int_equal(tcp_write(c.pcb, payload, sizeof(payload), TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(c.pcb), ERR_OK);
  assert_int_equal(big_frames, 1);
  assert_int_equal(big_len, 3U * 1460U);
  u32_t before_cwnd = c.pcb->cwnd;
  tt_inject(&c, TCP_ACK, c.peer_nxt, c.our_nxt + 1460U, NULL, NULL, 0);
  u32_t room = c.pcb->cwnd - 2U * 1460U; /* cwnd less what is still in flight */
  assert_true(c.pcb->cwnd > before_cwnd);
  assert_int_equal(big_frames, 2);
  assert_int_equal(big_seq, c.our_nxt + 3U * 1460U);
  assert_int_equal(big_len, room / 1460U * 1460U);
}

#endif /* LWIP_OFFLOAD */

/* Without offload nothing changes: segments are one MSS. */
static void no_gso_one_mss(void **state)
{
  (void)state;
  struct tt_conn c;
  offload_conn(&c, TCP_SND_BUF >= 8000, 0);
  assert_int_equal(tcp_write(c.pcb, payload, 8000, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_output(c.pcb);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.len, tcp_mss(c.pcb));
  assert_int_equal(last_gso_size, 0);
  assert_true(max_frame <= 1514);
}

/* Into @p frame: an Ethernet frame with the peer's segment "xyz", in
 * order on @p c, its TCP checksum spoiled when @p spoil.  @return its
 * length. */
static size_t xyz_frame(struct tt_conn *c, u8_t *frame, bool spoil)
{
  static u8_t seg[128];
  struct tt_opts none;
  memset(&none, 0, sizeof(none));
  size_t sl = tt_build(seg, TT_PEER_IP, TT_OUR_IP, c->peer_port, c->our_port, TCP_ACK | TCP_PSH, c->peer_nxt,
                       c->our_nxt, c->peer_wnd, &none, "xyz", 3);
  if (spoil) {
    seg[16] ^= 0x55; /* the TCP checksum's first byte */
  }
  return test_eth_ip4(frame, TT_PEER_IP, TT_OUR_IP, 6, seg, sl);
}

#if LWIP_OFFLOAD
/* Transmit checksum offload: the field holds the pseudo-header sum
 * (RFC 9293 3.1), which the device completes. */
static void tx_checksum_left_to_device(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_NONE);
  tt_nif->chksum_flags &= (u16_t)~NETIF_CHECKSUM_GEN_TCP;
  assert_int_equal(tcp_write(c.pcb, "abcd", 4, TCP_WRITE_FLAG_COPY), ERR_OK);
  tcp_output(c.pcb);
  static u8_t f[2048];
  int n = test_pop_ip_bytes(&tt_tn, f, sizeof(f));
  assert_true(n > 14 + 20 + 20);
  const u8_t *ip = f + 14;
  u16_t tcplen = (u16_t)(get_be16(ip + 2) - 20U);
  u32_t sum = 0;
  for (int i = 12; i < 20; i += 2) {
    sum += get_be16(ip + i);
  }
  sum += 6U + tcplen;
  while (sum >> 16) {
    sum = (sum & 0xffffU) + (sum >> 16);
  }
  assert_int_equal(get_be16(ip + 20 + 16), sum);
  tt_nif->chksum_flags |= NETIF_CHECKSUM_GEN_TCP;
}

/* Receive checksum offload: a segment the device vouched for is taken
 * even though its checksum field is wrong; without the flag it is dropped. */
static void rx_checksum_ok_flag(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_NONE);
  static u8_t frame[256];
  size_t n = xyz_frame(&c, frame, true);
#if LWIP_STATS
  u32_t bad = lwip_stats.drops[LWIP_DROP_TCP_BAD_CHKSUM];
#endif
  test_rx(&tt_tn, frame, n);
  assert_int_equal(tt_rec.len, 0);
#if LWIP_STATS
  assert_int_equal(lwip_stats.drops[LWIP_DROP_TCP_BAD_CHKSUM], bad + 1U);
#endif
  struct pbuf *p = test_pbuf(frame, n, 0);
  p->flags |= PBUF_FLAG_CSUM_OK;
  tt_nif->input(p, tt_nif);
  assert_int_equal(tt_rec.len, 3);
  assert_memory_equal(tt_rec.data, "xyz", 3);
}
#else
/* A build without the offload option ignores what a driver says it can
 * do: with gso_max set and TCP and IP checksum generation cleared, every
 * segment is still at most one MSS, unmarked, with complete checksums
 * (tt_pop verifies both), as RFC 9293 3.1 and 3.7.1 ask. */
static void no_offload_driver_flags_ignored(void **state)
{
  (void)state;
  struct tt_conn c;
  offload_on(60000);
  setup_established_passive(&c, TT_OPT_NONE);
  tt_nif->chksum_flags &= (u16_t) ~(NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_IP);
  tcp_nagle_disable(c.pcb); /* the short last segment goes too */
  u16_t mss = tcp_mss(c.pcb);
  u16_t len = (u16_t)(2U * mss + 100U);
  assert_int_equal(tcp_write(c.pcb, payload, len, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(c.pcb), ERR_OK);
  u32_t got = 0;
  struct tt_seg s;
  while (tt_pop(&s)) {
    assert_true(s.len <= mss);
    assert_int_equal(s.seq, c.our_nxt + got);
    got += s.len;
  }
  assert_int_equal(got, len);
  assert_int_equal(big_frames, 0);
  assert_int_equal(last_gso_size, 0);
  assert_false(saw_csum_partial);
  tt_nif->chksum_flags = NETIF_CHECKSUM_ENABLE_ALL;
}

/* Without the offload option PBUF_FLAG_CSUM_OK is ignored: a segment
 * with a wrong checksum is dropped even when its driver vouched for it
 * (RFC 9293 3.1, RFC 1122 4.2.2.7: the receiver checks), and the same
 * segment intact is taken. */
static void no_offload_csum_ok_still_checked(void **state)
{
  (void)state;
  struct tt_conn c;
  setup_established_passive(&c, TT_OPT_NONE);
  tt_nif->chksum_flags &= (u16_t)~NETIF_CHECKSUM_CHECK_TCP;
  static u8_t frame[256];
  size_t n = xyz_frame(&c, frame, true);
#if LWIP_STATS
  u32_t bad = lwip_stats.drops[LWIP_DROP_TCP_BAD_CHKSUM];
#endif
  struct pbuf *p = test_pbuf(frame, n, 0);
  p->flags |= PBUF_FLAG_CSUM_OK;
  tt_nif->input(p, tt_nif);
  assert_int_equal(tt_rec.len, 0);
#if LWIP_STATS
  assert_int_equal(lwip_stats.drops[LWIP_DROP_TCP_BAD_CHKSUM], bad + 1U);
#endif
  n = xyz_frame(&c, frame, false);
  p = test_pbuf(frame, n, 0);
  p->flags |= PBUF_FLAG_CSUM_OK;
  tt_nif->input(p, tt_nif);
  assert_int_equal(tt_rec.len, 3);
  assert_memory_equal(tt_rec.data, "xyz", 3);
  tt_nif->chksum_flags = NETIF_CHECKSUM_ENABLE_ALL;
}
#endif /* LWIP_OFFLOAD */

/* The receive side of segmentation offload: a TAP hands over the
 * kernel's TCP segments of several MSS as they are.  The cases need a
 * window of 6 MSS of 1460 bytes. */
#define RX_BIG (3U * 1460U)

static void rx_big_conn(struct tt_conn *c, unsigned opts)
{
  if (TCP_WND < 2U * RX_BIG || TCP_MSS < 1460 || TT_REC_MAX < 2U * RX_BIG) {
    skip();
  }
  setup_established_passive(c, opts);
  for (size_t i = 0; i < 2U * RX_BIG; i++) {
    payload[i] = (u8_t)(i * 13U + 5U);
  }
}

/* One segment of 3 MSS in order: all of it delivered, and acknowledged at
 * once, since it stands for three full-sized segments (RFC 5681 4.2:
 * at least every second full-sized segment). */
static void rx_large_segment_acked_at_once(void **state)
{
  (void)state;
  struct tt_conn c;
  rx_big_conn(&c, TT_OPT_NONE);
  tt_send(&c, TCP_ACK, payload, (u16_t)RX_BIG);
  assert_int_equal(tt_rec.len, RX_BIG);
  assert_memory_equal(tt_rec.data, payload, RX_BIG);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.ack, c.peer_nxt);
  assert_int_equal(s.len, 0);
  tt_expect_nothing();
}

/* A segment smaller than one MSS still waits for the delayed ACK: the
 * count in MSS units gives it one unit, no more.  (Without window scaling:
 * with it, taking the first bytes opens the right edge far enough for a
 * window update.) */
static void rx_small_segment_still_delayed(void **state)
{
  (void)state;
  struct tt_conn c;
  rx_big_conn(&c, TT_OPT_NONE);
  tt_send(&c, TCP_ACK, payload, 100);
  assert_int_equal(tt_rec.len, 100);
  tt_expect_nothing();
}

/* Out of order: a 3-MSS segment after a 3-MSS hole is queued and SACKed
 * whole (RFC 2018 4); the hole filled by another large segment delivers
 * all 6 MSS in order with one cumulative ACK.  Then a segment overlapping
 * what was delivered carries 1 MSS of new data: only that is delivered. */
static void rx_large_segments_out_of_order(void **state)
{
  (void)state;
  TT_NEEDS(LWIP_TCP_SACK && LWIP_TCP_WSCALE);
  struct tt_conn c;
  rx_big_conn(&c, TT_OPT_WS | TT_OPT_SACK);
  u32_t start = c.peer_nxt;
  tt_inject(&c, TCP_ACK, start + RX_BIG, c.our_nxt, NULL, payload + RX_BIG, (u16_t)RX_BIG);
  assert_int_equal(tt_rec.len, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.ack, start);
  assert_int_equal(s.opt.nsack, 1);
  assert_int_equal(s.opt.sack[0][0], start + RX_BIG);
  assert_int_equal(s.opt.sack[0][1], start + 2U * RX_BIG);
  tt_expect_nothing();

  tt_inject(&c, TCP_ACK, start, c.our_nxt, NULL, payload, (u16_t)RX_BIG);
  assert_int_equal(tt_rec.len, 2U * RX_BIG);
  assert_memory_equal(tt_rec.data, payload, 2U * RX_BIG);
  assert_true(tt_pop(&s));
  assert_int_equal(s.ack, start + 2U * RX_BIG);
  assert_int_equal(s.opt.nsack, 0);
  tt_expect_nothing();

  /* 2 MSS already delivered, then 1 MSS of new data. */
  static u8_t more[3U * 1460U];
  memcpy(more, payload + 2U * RX_BIG - 2U * 1460U, 2U * 1460U);
  memset(more + 2U * 1460U, 0x5a, 1460U);
  tt_inject(&c, TCP_ACK, start + 2U * RX_BIG - 2U * 1460U, c.our_nxt, NULL, more, (u16_t)sizeof(more));
  assert_int_equal(tt_rec.len, 2U * RX_BIG + 1460U);
  assert_int_equal(tt_rec.data[2U * RX_BIG], 0x5a);
  assert_int_equal(tt_rec.data[2U * RX_BIG + 1459U], 0x5a);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
#if LWIP_OFFLOAD
    cmocka_unit_test_setup_teardown(gso_large_segment, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(gso_retransmit_is_one_mss, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(gso_stops_at_peer_window, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(gso_fills_cwnd_room_with_data_in_flight, tt_setup, tt_teardown),
#endif
    cmocka_unit_test_setup_teardown(no_gso_one_mss, tt_setup, tt_teardown),
#if LWIP_OFFLOAD
    cmocka_unit_test_setup_teardown(tx_checksum_left_to_device, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(rx_checksum_ok_flag, tt_setup, tt_teardown),
#else
    cmocka_unit_test_setup_teardown(no_offload_driver_flags_ignored, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(no_offload_csum_ok_still_checked, tt_setup, tt_teardown),
#endif
    cmocka_unit_test_setup_teardown(rx_large_segment_acked_at_once, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(rx_small_segment_still_delayed, tt_setup, tt_teardown),
    cmocka_unit_test_setup_teardown(rx_large_segments_out_of_order, tt_setup, tt_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
int main(void)
{
  return 0;
}
#endif
