/* Unit tests for core/apps/small_servers.c, echo.c, discard.c, chargen.c
 * (lwip/apps/small_servers.h): RFC 862 echo over UDP and TCP (data intact,
 * backpressure: the receive window closes while the peer does not read),
 * RFC 863 discard (counts, answers nothing), RFC 864 chargen (the line
 * pattern), start errors, and stop (every PCB and block freed: the
 * teardown fails on any leak).
 *
 * The test plays the peer 10.0.0.1 with the TCP fixture's segment
 * builder and parser, on the virtual clock. */
#include "test_tcp_common.h"

#include "lwip/apps/small_servers.h"
#include "lwip/udp.h"
#include "lwip/prot/wire.h"

#if LWIP_TCP && LWIP_UDP

#define ECHO_PORT 7U
#define DISCARD_PORT 9U
#define CHARGEN_PORT 19U

static struct small_server srv;

static int app_teardown(void **state)
{
  small_server_stop(&srv);
  return tt_teardown(state);
}

/* More than the echo server can hold (its receive window and send
 * buffer), so that backpressure reaches the peer. */
#define DATA_LEN LWIP_MAX(1U << 20, 2U * ((u32_t)TCP_SND_BUF + (u32_t)TCP_WND))
static u8_t out_data[DATA_LEN]; /* what the peer sends */
static u8_t in_data[DATA_LEN];  /* what the peer received */

static void fill(u32_t len)
{
  for (u32_t i = 0; i < len; i++) {
    out_data[i] = (u8_t)(i * 13U + i / 251U);
  }
}

static struct small_server_stats stats(void)
{
  struct small_server_stats st;
  small_server_get_stats(&srv, &st);
  return st;
}

/* ---------------------------------------------------------------------- */
/* The peer's side of a TCP connection                                    */
/* ---------------------------------------------------------------------- */

struct sink {
  u32_t len;      /* bytes received in order into in_data */
  u32_t ack, wnd; /* latest acknowledgment and window the stack sent */
  int fins, rsts;
  bool accept; /* the peer takes data (false: its window is zero) */
};

/* The peer connects to @p port (no options); the server accepts. */
static void peer_connect(struct tt_conn *c, struct sink *k, u16_t port)
{
  tt_conn_init(c, TT_OPT_NONE, TT_PEER_ISN);
  c->our_port = port;
  tt_send(c, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  c->our_iss = s.seq;
  c->our_nxt = s.seq + 1U;
  memset(k, 0, sizeof(*k));
  k->accept = true;
  k->ack = s.ack;
  k->wnd = s.wnd;
  tt_send(c, TCP_ACK, NULL, 0);
}

/* Read everything the stack sent: in-order data (and the new part of a
 * retransmission) goes to in_data while the peer accepts data; note the
 * latest window. */
static void drain(struct tt_conn *c, struct sink *k)
{
  struct tt_seg s;
  while (tt_pop(&s)) {
    assert_int_equal(s.sport, c->our_port);
    assert_int_equal(s.dport, c->peer_port);
    if (s.flags & TCP_RST) {
      k->rsts++;
      continue;
    }
    if (s.flags & TCP_ACK) {
      k->ack = s.ack;
      k->wnd = s.wnd;
    }
    if (!k->accept) {
      continue; /* zero window: a probe's byte is not taken */
    }
    assert_true(s.len <= TT_MAX_DATA);
    u32_t end = s.seq + s.len;
    if (s.len > 0 && TCP_SEQ_LEQ(s.seq, c->our_nxt) && TCP_SEQ_LT(c->our_nxt, end)) {
      u32_t skip = c->our_nxt - s.seq;
      u32_t n = s.len - skip;
      assert_true(k->len + n <= sizeof(in_data));
      memcpy(in_data + k->len, s.data + skip, n);
      k->len += n;
      c->our_nxt += n;
    }
    if ((s.flags & TCP_FIN) && end == c->our_nxt) {
      c->our_nxt++;
      k->fins++;
    }
  }
}

/* Room left in the window the stack last offered. */
static u32_t room(const struct tt_conn *c, const struct sink *k)
{
  s32_t r = (s32_t)(k->ack + k->wnd - c->peer_nxt);
  return r > 0 ? (u32_t)r : 0U;
}

/* Send out_data[*sent..total) within the offered window, acknowledging
 * what arrives, until @p want bytes came back (or, when @p until_closed,
 * until the stack's window is shut).  The clock moves only when nothing
 * else can (delayed ACKs, retransmissions, window probes).
 * @return the number of clock steps taken. */
static int pump(struct tt_conn *c, struct sink *k, u32_t total, u32_t *sent, u32_t want, bool until_closed)
{
  int steps = 0;
  u32_t acked = c->our_nxt;
  for (int i = 0; i < 100000; i++) {
    drain(c, k);
    if (until_closed ? (room(c, k) == 0 && k->wnd == 0) : (k->len >= want && *sent >= total)) {
      if (acked != c->our_nxt) {
        tt_send(c, TCP_ACK, NULL, 0);
      }
      return steps;
    }
    u32_t n = LWIP_MIN(LWIP_MIN(room(c, k), (u32_t)TCP_MSS), total - *sent);
    if (n > 0) {
      acked = c->our_nxt;
      tt_send(c, TCP_ACK, out_data + *sent, (u16_t)n);
      *sent += n;
      continue;
    }
    if (acked != c->our_nxt) {
      acked = c->our_nxt;
      tt_send(c, TCP_ACK, NULL, 0);
      continue;
    }
    test_clock_advance(100);
    steps++;
    assert_true(steps < 2000);
  }
  fail_msg("pump did not finish");
  return steps;
}

/* The peer closes; the server closes too; the peer acknowledges its FIN. */
static void peer_close(struct tt_conn *c, struct sink *k)
{
  tt_send(c, TCP_FIN | TCP_ACK, NULL, 0);
  for (int i = 0; i < 100 && k->fins == 0; i++) {
    drain(c, k);
    if (k->fins == 0) {
      test_clock_advance(100);
    }
  }
  assert_int_equal(k->fins, 1);
  tt_send(c, TCP_ACK, NULL, 0);
  tt_expect_nothing();
  assert_int_equal(stats().open, 0);
}

/* ---------------------------------------------------------------------- */
/* Start errors                                                            */
/* ---------------------------------------------------------------------- */

static void start_errors(void **state)
{
  (void)state;
  u32_t base = lwip_mem_in_use();
  assert_int_equal(small_server_start(NULL, &small_server_echo, SMALL_SERVER_TCP, NULL, 0), ERR_ARG);
  assert_int_equal(small_server_start(&srv, NULL, SMALL_SERVER_TCP, NULL, 0), ERR_ARG);
  /* RFC 864 has a UDP flavour; this server offers only the TCP one. */
  assert_int_equal(small_server_start(&srv, &small_server_chargen, SMALL_SERVER_UDP, NULL, 0), ERR_ARG);
  assert_false(small_server_running(&srv));

  assert_int_equal(small_server_default_port(&small_server_echo), 7);
  assert_int_equal(small_server_default_port(&small_server_discard), 9);
  assert_int_equal(small_server_default_port(&small_server_chargen), 19);
  assert_string_equal(small_server_name(&small_server_chargen), "chargen");

  /* Port 0 takes the service's port; a second server there is refused
   * and leaves nothing allocated. */
  assert_int_equal(small_server_start(&srv, &small_server_echo, SMALL_SERVER_UDP, NULL, 0), ERR_OK);
  assert_true(small_server_running(&srv));
  assert_int_equal(srv.port, ECHO_PORT);
  struct small_server other;
  assert_int_equal(small_server_start(&other, &small_server_discard, SMALL_SERVER_UDP, NULL, ECHO_PORT), ERR_USE);
  assert_false(small_server_running(&other));
  small_server_stop(&other); /* stopping a stopped server does nothing */
  small_server_stop(&srv);
  assert_false(small_server_running(&srv));
  assert_int_equal(lwip_mem_in_use(), base);

  /* Out of UDP PCBs: ERR_MEM, nothing kept. */
  struct udp_pcb *hog[MEMP_NUM_UDP_PCB];
  int n = 0;
  while (n < MEMP_NUM_UDP_PCB && (hog[n] = udp_new()) != NULL) {
    n++;
  }
  assert_int_equal(small_server_start(&srv, &small_server_echo, SMALL_SERVER_UDP, NULL, 0), ERR_MEM);
  assert_false(small_server_running(&srv));
  while (n > 0) {
    udp_remove(hog[--n]);
  }
}

/* ---------------------------------------------------------------------- */
/* UDP                                                                     */
/* ---------------------------------------------------------------------- */

static void udp_from_peer(u16_t sport, u16_t dport, const void *data, size_t len)
{
  static u8_t udp[2048], frame[2048];
  size_t ul = test_udp(udp, TT_PEER_IP, TT_OUR_IP, sport, dport, data, len);
  size_t fl = test_eth_ip4(frame, TT_PEER_IP, TT_OUR_IP, 17, udp, ul);
  test_rx(&tt_tn, frame, fl);
}

static void udp_echo_returns_datagram(void **state)
{
  (void)state;
  assert_int_equal(small_server_start(&srv, &small_server_echo, SMALL_SERVER_UDP, NULL, 0), ERR_OK);
  fill(1400);
  const size_t sizes[] = {0, 1, 37, 1400};
  u64_t bytes = 0;
  for (size_t i = 0; i < LWIP_ARRAYSIZE(sizes); i++) {
    udp_from_peer(40000, ECHO_PORT, out_data, sizes[i]);
    bytes += sizes[i];
    u8_t f[2048];
    int fl = test_pop_ip_bytes(&tt_tn, f, sizeof(f));
    assert_int_equal(fl, (int)(14 + 20 + 8 + sizes[i]));
    const u8_t *ip = f + 14;
    assert_int_equal(ip[9], 17);
    assert_memory_equal(ip + 12, ((u8_t[]){10, 0, 0, 2}), 4);
    assert_memory_equal(ip + 16, ((u8_t[]){10, 0, 0, 1}), 4);
    const u8_t *u = ip + 20;
    assert_int_equal(get_be16(u), ECHO_PORT);
    assert_int_equal(get_be16(u + 2), 40000);
    assert_int_equal(get_be16(u + 4), 8 + sizes[i]);
    assert_memory_equal(u + 8, out_data, sizes[i]);
    /* UDP checksum over the pseudo header (RFC 768) verifies: sums to 0. */
    u32_t pseudo =
        17U + get_be16(u + 4) + get_be16(ip + 12) + get_be16(ip + 14) + get_be16(ip + 16) + get_be16(ip + 18);
    assert_int_equal(test_cksum(u, 8 + sizes[i], pseudo), 0);
  }
  assert_int_equal(tt_pending(), 0);
  struct small_server_stats st = stats();
  assert_int_equal(st.rx_packets, LWIP_ARRAYSIZE(sizes));
  assert_int_equal(st.tx_packets, LWIP_ARRAYSIZE(sizes));
  assert_int_equal(st.rx_bytes, bytes);
  small_server_stop(&srv);
  /* Stopped: the port is closed (ICMP port unreachable, no echo). */
  udp_from_peer(40000, ECHO_PORT, "x", 1);
  u8_t f[2048];
  int fl = test_pop_ip_bytes(&tt_tn, f, sizeof(f));
  assert_true(fl > 14 + 20);
  assert_int_equal(f[14 + 9], 1);
}

static void udp_discard_counts(void **state)
{
  (void)state;
  assert_int_equal(small_server_start(&srv, &small_server_discard, SMALL_SERVER_UDP, NULL, 0), ERR_OK);
  fill(1000);
  udp_from_peer(40001, DISCARD_PORT, out_data, 1000);
  udp_from_peer(40002, DISCARD_PORT, out_data, 0);
  udp_from_peer(40001, DISCARD_PORT, out_data, 17);
  assert_int_equal(tt_pending(), 0);
  struct small_server_stats st = stats();
  assert_int_equal(st.rx_packets, 3);
  assert_int_equal(st.rx_bytes, 1017);
  assert_int_equal(st.tx_packets, 0);
}

/* ---------------------------------------------------------------------- */
/* TCP                                                                     */
/* ---------------------------------------------------------------------- */

static void tcp_echo_returns_data_intact(void **state)
{
  (void)state;
  assert_int_equal(small_server_start(&srv, &small_server_echo, SMALL_SERVER_TCP, NULL, 0), ERR_OK);
  struct tt_conn c;
  struct sink k;
  peer_connect(&c, &k, ECHO_PORT);
  assert_int_equal(stats().connections, 1);
  assert_int_equal(stats().open, 1);

  /* A few bytes come straight back, acknowledging them. */
  tt_send(&c, TCP_ACK | TCP_PSH, "hello", 5);
  struct tt_seg s;
  assert_true(tt_expect_seg(&c, TCP_ACK | TCP_PSH, 5, &s));
  assert_memory_equal(s.data, "hello", 5);

  /* Then 200 KB, in full segments within the window offered. */
  u32_t total = 200000;
  fill(total);
  memset(&k, 0, sizeof(k));
  k.accept = true;
  k.ack = c.peer_nxt;
  k.wnd = s.wnd;
  u32_t sent = 0;
  pump(&c, &k, total, &sent, total, false);
  assert_int_equal(k.len, total);
  assert_memory_equal(in_data, out_data, total);
  struct small_server_stats st = stats();
  assert_int_equal(st.rx_bytes, total + 5);
  assert_int_equal(st.tx_bytes, total + 5);

  /* The peer closes: echo closes its side once everything is out. */
  peer_close(&c, &k);
  assert_int_equal(k.len, total);
  small_server_stop(&srv);
  tt_expect_nothing();
}

/* The peer sends but does not read (its window is zero): echo stops
 * opening the receive window, which closes; once the peer reads, every
 * byte comes back in order. */
static void tcp_echo_backpressure(void **state)
{
  (void)state;
  assert_int_equal(small_server_start(&srv, &small_server_echo, SMALL_SERVER_TCP, NULL, 0), ERR_OK);
  struct tt_conn c;
  struct sink k;
  peer_connect(&c, &k, ECHO_PORT);
  c.peer_wnd = 0;
  k.accept = false;
  fill(sizeof(out_data));
  u32_t sent = 0;
  pump(&c, &k, sizeof(out_data), &sent, 0, true);
  /* The window is shut and the data that made it so is held: echo has
   * written back less than arrived. */
  assert_int_equal(k.wnd, 0);
  assert_true(sent < sizeof(out_data));
  assert_true(sent >= (u32_t)TCP_WND / 2U);
  struct small_server_stats st = stats();
  assert_true(st.tx_bytes < sent);
  assert_true(st.rx_bytes <= sent);
  u32_t closed_at = sent;

  /* More time changes nothing: the window stays shut. */
  test_clock_advance(2000);
  drain(&c, &k);
  assert_int_equal(room(&c, &k), 0);
  assert_int_equal(sent, closed_at);

  /* The peer reads: everything comes back, and 20 KB more after it. */
  c.peer_wnd = 0xffff;
  k.accept = true;
  tt_send(&c, TCP_ACK, NULL, 0);
  u32_t total = closed_at + 20000;
  pump(&c, &k, total, &sent, total, false);
  assert_int_equal(k.len, total);
  assert_memory_equal(in_data, out_data, total);
  st = stats();
  assert_int_equal(st.rx_bytes, total);
  assert_int_equal(st.tx_bytes, total);
  peer_close(&c, &k);
}

/* Take the heap down to TCP's reserve (tcp_write copies into the heap and
 * leaves its last eighth alone), in blocks kept in @p hog. */
#define HOG_BLOCKS 64
static void heap_fill(void *hog[HOG_BLOCKS])
{
  const struct stats_mem *h = mem_stats();
  u32_t want = h->avail - h->used - TCP_MEM_HEAP_RESERVE;
  for (int i = 0; i < HOG_BLOCKS; i++) {
    /* A block too big for the free space (its header, a fragment) fails:
     * then try half as much. */
    hog[i] = NULL;
    for (u32_t n = want; hog[i] == NULL && n >= 16U; n /= 2U) {
      hog[i] = mem_malloc(n);
    }
    u32_t free_b = h->avail - h->used;
    want = free_b > TCP_MEM_HEAP_RESERVE ? free_b - TCP_MEM_HEAP_RESERVE : 0U;
  }
  assert_true(h->used + 5U + TCP_MEM_HEAP_RESERVE > h->avail);
}

/* A write refused for memory while nothing of the connection is in flight
 * gets no sent callback: echo retries it from the poll callback, so the
 * data comes back once memory is free again (before, it waited forever,
 * and a peer that then vanished left the connection with no timer). */
static void tcp_echo_retries_refused_write(void **state)
{
  (void)state;
  assert_int_equal(small_server_start(&srv, &small_server_echo, SMALL_SERVER_TCP, NULL, 0), ERR_OK);
  struct tt_conn c;
  struct sink k;
  peer_connect(&c, &k, ECHO_PORT);
  void *hog[HOG_BLOCKS];
  heap_fill(hog);
  tt_send(&c, TCP_ACK | TCP_PSH, "hello", 5);
  test_clock_advance(1000);
  drain(&c, &k);
  assert_int_equal(k.len, 0);
  assert_int_equal(k.ack, c.peer_nxt); /* taken and acknowledged, not echoed */
  for (int i = 0; i < HOG_BLOCKS; i++) {
    mem_free(hog[i]);
  }
  test_clock_advance(600);
  drain(&c, &k);
  assert_int_equal(k.len, 5);
  assert_memory_equal(in_data, "hello", 5);
  assert_int_equal(stats().tx_bytes, 5);
  tt_send(&c, TCP_ACK, NULL, 0);
  peer_close(&c, &k);
}

/* Stopping echo while it holds data (pending and refused) aborts the
 * connection and frees all of it (the teardown checks). */
static void tcp_echo_stop_frees_everything(void **state)
{
  (void)state;
  u32_t base = lwip_mem_in_use();
  assert_int_equal(small_server_start(&srv, &small_server_echo, SMALL_SERVER_TCP, NULL, 0), ERR_OK);
  struct tt_conn c[3];
  struct sink k[3];
  for (int i = 0; i < 3; i++) {
    peer_connect(&c[i], &k[i], ECHO_PORT);
  }
  c[0].peer_wnd = 0;
  k[0].accept = false;
  fill(sizeof(out_data));
  u32_t sent = 0;
  pump(&c[0], &k[0], sizeof(out_data), &sent, 0, true);
  assert_int_equal(stats().open, 3);
  assert_int_equal(stats().connections, 3);
  small_server_stop(&srv);
  /* One RST per connection, newest first; then the port is closed. */
  for (int i = 2; i >= 0; i--) {
    struct tt_seg s;
    assert_true(tt_pop(&s));
    assert_true(s.flags & TCP_RST);
    assert_int_equal(s.dport, c[i].peer_port);
  }
  tt_expect_nothing();
  assert_int_equal(tt_pcb_count(), 0);
  tt_send(&c[1], TCP_ACK, "x", 1);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_true(s.flags & TCP_RST);
  assert_int_equal(lwip_mem_in_use(), base);
}

static void tcp_discard_counts(void **state)
{
  (void)state;
  assert_int_equal(small_server_start(&srv, &small_server_discard, SMALL_SERVER_TCP, NULL, 0), ERR_OK);
  struct tt_conn c;
  struct sink k;
  peer_connect(&c, &k, DISCARD_PORT);
  u32_t total = 100000;
  fill(total);
  u32_t sent = 0;
  pump(&c, &k, total, &sent, 0, false);
  /* Everything is acknowledged and the window is open again; nothing
   * came back. */
  for (int i = 0; i < 10 && k.ack != c.peer_nxt; i++) {
    test_clock_advance(100);
    drain(&c, &k);
  }
  assert_int_equal(k.ack, c.peer_nxt);
  assert_int_equal(k.len, 0);
  assert_int_equal(c.our_nxt, c.our_iss + 1U);
  assert_true(k.wnd >= LWIP_MIN((u32_t)TCP_WND, 0xffffU) - TCP_MSS);
  struct small_server_stats st = stats();
  assert_int_equal(st.rx_bytes, total);
  assert_true(st.rx_packets >= total / TCP_MSS);
  assert_int_equal(st.tx_bytes, 0);
  peer_close(&c, &k);
}

/* RFC 864: 72 printable characters and CR LF per line; each line starts
 * one character further along the 95 printable ASCII characters. */
static u8_t chargen_byte(u32_t i)
{
  u32_t line = i / 74U, col = i % 74U;
  if (col == 72U) {
    return '\r';
  }
  if (col == 73U) {
    return '\n';
  }
  return (u8_t)(' ' + (line + col) % 95U);
}

static void tcp_chargen_pattern(void **state)
{
  (void)state;
  assert_int_equal(small_server_start(&srv, &small_server_chargen, SMALL_SERVER_TCP, NULL, 0), ERR_OK);
  struct tt_conn c;
  struct sink k;
  peer_connect(&c, &k, CHARGEN_PORT);
  /* Data flows as soon as the connection is up; read three periods of
   * the pattern (95 lines each) and more. */
  u32_t want = 3U * 95U * 74U + 1000U;
  u32_t sent = 0;
  pump(&c, &k, 0, &sent, want, false);
  for (u32_t i = 0; i < k.len; i++) {
    if (in_data[i] != chargen_byte(i)) {
      fail_msg("byte %u: 0x%02x, expected 0x%02x", (unsigned)i, in_data[i], chargen_byte(i));
    }
  }
  assert_memory_equal(in_data, " !\"#$%&'()*", 11);
  assert_memory_equal(in_data + 74, "!\"#$%&'()*+", 11);

  /* What the peer sends is read and dropped. */
  tt_send(&c, TCP_ACK, "ignored", 7);
  drain(&c, &k);
  struct small_server_stats st = stats();
  assert_int_equal(st.rx_bytes, 7);
  assert_true(st.tx_bytes >= k.len);

  /* Stop: the connection is reset, nothing stays. */
  small_server_stop(&srv);
  drain(&c, &k);
  assert_int_equal(k.rsts, 1);
  assert_int_equal(tt_pcb_count(), 0);
}

/* The peer's FIN ends chargen: it stops writing and closes. */
static void tcp_chargen_peer_close(void **state)
{
  (void)state;
  assert_int_equal(small_server_start(&srv, &small_server_chargen, SMALL_SERVER_TCP, NULL, 0), ERR_OK);
  struct tt_conn c;
  struct sink k;
  peer_connect(&c, &k, CHARGEN_PORT);
  u32_t sent = 0;
  pump(&c, &k, 0, &sent, 2000, false);
  tt_send(&c, TCP_FIN | TCP_ACK, NULL, 0);
  u32_t acked = c.our_nxt;
  for (int i = 0; i < 1000 && k.fins == 0; i++) {
    drain(&c, &k);
    if (acked != c.our_nxt) {
      acked = c.our_nxt;
      tt_send(&c, TCP_ACK, NULL, 0);
    } else if (k.fins == 0) {
      test_clock_advance(100);
    }
  }
  assert_int_equal(k.fins, 1);
  assert_int_equal(acked, c.our_nxt); /* the FIN is acknowledged */
  tt_expect_nothing();
  assert_int_equal(stats().open, 0);
  for (u32_t i = 0; i < k.len; i++) {
    assert_int_equal(in_data[i], chargen_byte(i));
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_setup, app_teardown)
      T(start_errors),           T(udp_echo_returns_datagram),
      T(udp_discard_counts),     T(tcp_echo_returns_data_intact),
      T(tcp_echo_backpressure),  T(tcp_echo_stop_frees_everything),
      T(tcp_discard_counts),     T(tcp_chargen_pattern),
      T(tcp_chargen_peer_close), T(tcp_echo_retries_refused_write),
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
