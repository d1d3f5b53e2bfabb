/* Unit tests for core/apps/mqtt.c (lwip/apps/mqtt.h): the remaining-length
 * varint, topic filters, the CONNECT bytes, QoS 0/1/2 flows both ways,
 * SUBSCRIBE/UNSUBSCRIBE with a 0x80 refusal, keep alive and the PINGRESP
 * bound, reconnection with backoff and DUP retransmission of a kept
 * session, every malformed packet counted by its reason, the incoming
 * size bound, the in-flight window and DISCONNECT.
 *
 * The test plays the broker (TT_PEER_IP:1883) through the TCP fixture on
 * the virtual clock; every case ends with the fixture's leak check. */
#include "test_tcp_common.h"

#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/apps/mqtt.h"
#include "lwip/prot/mqtt.h"
#include "lwip/prot/tcp.h"

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

static struct mqtt_client cl;

/* ---- what the callbacks saw ---- */
#define MAX_MSGS 8
static struct {
  int n;
  char topic[64];
  u8_t payload[64];
  u32_t len;
  u8_t qos;
  bool retain, dup;
} msgs;
static int ev_count[3];
static int done_count;
static err_t done_err;
static u8_t done_code;

static void on_message(void *arg, const struct mqtt_message *m)
{
  (void)arg;
  msgs.n++;
  size_t tl = LWIP_MIN(m->topic_len, sizeof(msgs.topic) - 1U);
  memcpy(msgs.topic, m->topic, tl);
  msgs.topic[tl] = '\0';
  msgs.len = m->payload_len;
  memcpy(msgs.payload, m->payload, LWIP_MIN(m->payload_len, sizeof(msgs.payload)));
  msgs.qos = m->qos;
  msgs.retain = m->retain;
  msgs.dup = m->dup;
}

static void on_event(void *arg, enum mqtt_event ev)
{
  (void)arg;
  ev_count[ev]++;
}

static void on_done(void *arg, err_t result, u8_t code)
{
  (void)arg;
  done_count++;
  done_err = result;
  done_code = code;
}

static int setup(void **state)
{
  int r = tt_setup(state);
  memset(&cl, 0, sizeof(cl));
  memset(&msgs, 0, sizeof(msgs));
  memset(ev_count, 0, sizeof(ev_count));
  done_count = 0;
  done_err = ERR_OK;
  done_code = 0;
  return r;
}

static int teardown(void **state)
{
  mqtt_disconnect(&cl);
  return tt_teardown(state);
}

static void base_cfg(struct mqtt_config *cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  ip_addr_copy(cfg->broker, *tt_peer_addr());
  cfg->client_id = "dev1";
  cfg->keepalive_s = 10;
  cfg->clean_session = true;
  cfg->on_message = on_message;
  cfg->on_event = on_event;
}

/* ---- the broker's side ---- */

/* Our SYN -> the broker's SYN-ACK. */
static void handshake(struct tt_conn *b)
{
  tt_conn_init(b, TT_OPT_NONE, TT_PEER_ISN);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN);
  assert_int_equal(s.dport, MQTT_PORT);
  b->our_port = s.sport;
  b->peer_port = MQTT_PORT;
  b->our_iss = s.seq;
  b->our_nxt = s.seq + 1U;
  b->pcb = cl.pcb;
  tt_send(b, TCP_SYN | TCP_ACK, NULL, 0);
}

/* Read every byte the client sent (acknowledging it).  @p flags_seen gets
 * the TCP flags of all segments.  @return the byte count. */
static size_t broker_read_flags(struct tt_conn *b, u8_t *buf, size_t cap, u8_t *flags_seen)
{
  size_t n = 0;
  u8_t seen = 0;
  struct tt_seg s;
  while (tt_pop(&s)) {
    seen |= s.flags;
    if (s.len > 0 && s.seq == b->our_nxt) {
      assert_true(n + s.len <= cap);
      memcpy(buf + n, s.data, s.len);
      n += s.len;
      b->our_nxt += s.len;
    }
    if ((s.flags & TCP_FIN) != 0) {
      b->our_nxt++;
    }
  }
  if (flags_seen != NULL) {
    *flags_seen = seen;
  }
  if (n > 0 && (seen & TCP_RST) == 0) {
    tt_send(b, TCP_ACK, NULL, 0);
  }
  return n;
}

static size_t broker_read(struct tt_conn *b, u8_t *buf, size_t cap)
{
  return broker_read_flags(b, buf, cap, NULL);
}

static void broker_send(struct tt_conn *b, const void *data, u16_t len)
{
  tt_send(b, TCP_ACK | TCP_PSH, data, len);
}

/* Expect exactly these bytes from the client. */
static void expect_bytes(struct tt_conn *b, const u8_t *want, size_t len)
{
  u8_t buf[512];
  size_t n = broker_read(b, buf, sizeof(buf));
  assert_int_equal(n, len);
  assert_memory_equal(buf, want, len);
}

static void expect_rst(struct tt_conn *b)
{
  u8_t buf[512];
  u8_t flags;
  (void)broker_read_flags(b, buf, sizeof(buf), &flags);
  assert_true((flags & TCP_RST) != 0);
}

/* Connect, read CONNECT, answer CONNACK with @p sp. */
static void connect_ok(struct tt_conn *b, bool sp)
{
  handshake(b);
  u8_t buf[512];
  size_t n = broker_read(b, buf, sizeof(buf));
  assert_true(n > 12);
  assert_int_equal(buf[0], 0x10);
  const u8_t ack[] = {0x20, 0x02, sp ? 1U : 0U, 0x00};
  broker_send(b, ack, sizeof(ack));
  assert_int_equal(cl.state, MQTT_STATE_CONNECTED);
}

static void start(struct tt_conn *b, const struct mqtt_config *cfg)
{
  assert_int_equal(mqtt_connect(&cl, cfg), ERR_OK);
  connect_ok(b, false);
  assert_int_equal(ev_count[MQTT_EVENT_CONNECTED], 1);
}

/* Connected with the base configuration. */
static void start_base(struct tt_conn *b)
{
  struct mqtt_config cfg;
  base_cfg(&cfg);
  start(b, &cfg);
}

/* ---- cases ---- */

static void test_mqtt_varint(void **state)
{
  (void)state;
  static const struct {
    u32_t v;
    u8_t n;
    u8_t b[4];
  } cases[] = {
      {0, 1, {0x00}},
      {127, 1, {0x7f}},
      {128, 2, {0x80, 0x01}},
      {16383, 2, {0xff, 0x7f}},
      {16384, 3, {0x80, 0x80, 0x01}},
      {2097151, 3, {0xff, 0xff, 0x7f}},
      {2097152, 4, {0x80, 0x80, 0x80, 0x01}},
      {268435455, 4, {0xff, 0xff, 0xff, 0x7f}},
  };
  for (size_t i = 0; i < LWIP_ARRAYSIZE(cases); i++) {
    u8_t out[4];
    assert_int_equal(mqtt_varint_encode(cases[i].v, out), cases[i].n);
    assert_memory_equal(out, cases[i].b, cases[i].n);
    u32_t v = 0;
    assert_int_equal(mqtt_varint_decode(out, cases[i].n, &v), cases[i].n);
    assert_int_equal(v, cases[i].v);
    /* One byte short: more needed. */
    assert_int_equal(mqtt_varint_decode(out, cases[i].n - 1U, &v), 0);
  }
  u8_t out[4];
  assert_int_equal(mqtt_varint_encode(268435456UL, out), 0);
  const u8_t five[] = {0x80, 0x80, 0x80, 0x80, 0x01};
  u32_t v;
  assert_int_equal(mqtt_varint_decode(five, sizeof(five), &v), -1);
}

static void test_mqtt_filters(void **state)
{
  (void)state;
  static const char *const good[] = {"a", "a/b", "#", "+", "a/+/c", "a/#", "+/+", "/", "sport/tennis/+", "+/#"};
  static const char *const bad[] = {"", "a#", "a/b#", "#/a", "a+", "a/+b", "+a/b", "a/#/b"};
  for (size_t i = 0; i < LWIP_ARRAYSIZE(good); i++) {
    assert_true(mqtt_filter_valid(good[i], strlen(good[i])));
  }
  for (size_t i = 0; i < LWIP_ARRAYSIZE(bad); i++) {
    assert_false(mqtt_filter_valid(bad[i], strlen(bad[i])));
  }
  /* Bad UTF-8 (an overlong '/') and an embedded NUL. */
  assert_false(mqtt_filter_valid("a\xc0\xaf", 3));
  assert_false(mqtt_filter_valid("a\0b", 3));
  assert_true(mqtt_filter_valid("caf\xc3\xa9", 5));
}

/* CONNECT with will, user name and password, byte for byte (3.1). */
static void test_mqtt_connect_bytes(void **state)
{
  (void)state;
  struct mqtt_config cfg;
  base_cfg(&cfg);
  cfg.keepalive_s = 60;
  cfg.username = "u";
  cfg.password = "pw";
  cfg.will_topic = "w/t";
  cfg.will_payload = (const u8_t *)"bye";
  cfg.will_len = 3;
  cfg.will_qos = 1;
  cfg.will_retain = true;
  assert_int_equal(mqtt_connect(&cl, &cfg), ERR_OK);
  assert_int_equal(cl.state, MQTT_STATE_TCP_CONNECTING);
  struct tt_conn b;
  handshake(&b);
  assert_int_equal(cl.state, MQTT_STATE_WAIT_CONNACK);
  // clang-format off
  static const u8_t want[] = {
      0x10, 33,                                 /* CONNECT, remaining length */
      0, 4, 'M', 'Q', 'T', 'T', 4,              /* protocol name, level 4 */
      0x80 | 0x40 | 0x20 | 0x08 | 0x04 | 0x02,  /* user, password, will retain, will QoS 1, will, clean */
      0, 60,                                    /* keep alive */
      0, 4, 'd', 'e', 'v', '1',                 /* client id */
      0, 3, 'w', '/', 't', 0, 3, 'b', 'y', 'e', /* will topic, will message */
      0, 1, 'u', 0, 2, 'p', 'w'};               /* user name, password */
  // clang-format on
  expect_bytes(&b, want, sizeof(want));
  const u8_t ack[] = {0x20, 0x02, 0x00, 0x00};
  broker_send(&b, ack, sizeof(ack));
  assert_int_equal(cl.state, MQTT_STATE_CONNECTED);
  assert_int_equal(ev_count[MQTT_EVENT_CONNECTED], 1);
  struct mqtt_info in;
  mqtt_get_info(&cl, &in);
  assert_string_equal(in.state, "connected");
  assert_string_equal(in.client_id, "dev1");
  assert_int_equal(in.stats.connacks, 1);
}

static void test_mqtt_config_errors(void **state)
{
  (void)state;
  struct mqtt_config cfg;
  base_cfg(&cfg);
  cfg.clean_session = false;
  cfg.client_id = "";
  assert_int_equal(mqtt_connect(&cl, &cfg), ERR_ARG); /* empty id needs a clean session */
  base_cfg(&cfg);
  cfg.will_topic = "a/#";
  assert_int_equal(mqtt_connect(&cl, &cfg), ERR_ARG);
  base_cfg(&cfg);
  cfg.password = "p";
  assert_int_equal(mqtt_connect(&cl, &cfg), ERR_ARG);
  base_cfg(&cfg);
  cfg.will_topic = "w";
  cfg.will_qos = 3;
  assert_int_equal(mqtt_connect(&cl, &cfg), ERR_ARG);
  base_cfg(&cfg);
  cfg.max_incoming = 10;
  assert_int_equal(mqtt_connect(&cl, &cfg), ERR_ARG);
  base_cfg(&cfg);
  ip_addr_set_zero(&cfg.broker);
  assert_int_equal(mqtt_connect(&cl, &cfg), ERR_ARG);
  assert_false(mqtt_running(&cl));
  /* Nothing to publish on before a connection. */
  assert_int_equal(mqtt_publish(&cl, "t", "x", 1, 0, false, NULL, NULL), ERR_CONN);
}

static void test_mqtt_publish_qos0_qos1(void **state)
{
  (void)state;
  struct tt_conn b;
  start_base(&b);
  assert_int_equal(mqtt_publish(&cl, "a/b", "hi", 2, 0, true, on_done, NULL), ERR_OK);
  static const u8_t q0[] = {0x31, 7, 0, 3, 'a', '/', 'b', 'h', 'i'};
  expect_bytes(&b, q0, sizeof(q0));
  assert_int_equal(mqtt_publish(&cl, "a/b", "hi", 2, 1, false, on_done, NULL), ERR_OK);
  static const u8_t q1[] = {0x32, 9, 0, 3, 'a', '/', 'b', 0, 1, 'h', 'i'};
  expect_bytes(&b, q1, sizeof(q1));
  assert_int_equal(done_count, 0);
  /* A PUBACK for another id is counted and ignored. */
#if LWIP_STATS
  u32_t unknown = DROPS(MQTT_UNKNOWN_ID);
#endif
  const u8_t wrong[] = {0x40, 2, 0, 9};
  broker_send(&b, wrong, sizeof(wrong));
#if LWIP_STATS
  assert_int_equal(DROPS(MQTT_UNKNOWN_ID), unknown + 1U);
#endif
  assert_int_equal(done_count, 0);
  const u8_t ack[] = {0x40, 2, 0, 1};
  broker_send(&b, ack, sizeof(ack));
  assert_int_equal(done_count, 1);
  assert_int_equal(done_err, ERR_OK);
  struct mqtt_info in;
  mqtt_get_info(&cl, &in);
  assert_int_equal(in.inflight, 0);
  assert_int_equal(in.stats.pub_tx[0], 1);
  assert_int_equal(in.stats.pub_tx[1], 1);
  assert_int_equal(in.stats.pub_done, 1);
  assert_int_equal(cl.state, MQTT_STATE_CONNECTED);
}

static void test_mqtt_publish_qos2(void **state)
{
  (void)state;
  struct tt_conn b;
  start_base(&b);
  assert_int_equal(mqtt_publish(&cl, "t", "xyz", 3, 2, false, on_done, NULL), ERR_OK);
  static const u8_t pub[] = {0x34, 8, 0, 1, 't', 0, 1, 'x', 'y', 'z'};
  expect_bytes(&b, pub, sizeof(pub));
  const u8_t rec[] = {0x50, 2, 0, 1};
  broker_send(&b, rec, sizeof(rec));
  static const u8_t rel[] = {0x62, 2, 0, 1};
  expect_bytes(&b, rel, sizeof(rel));
  /* A repeated PUBREC gets the PUBREL again. */
  broker_send(&b, rec, sizeof(rec));
  expect_bytes(&b, rel, sizeof(rel));
  assert_int_equal(done_count, 0);
  const u8_t comp[] = {0x70, 2, 0, 1};
  broker_send(&b, comp, sizeof(comp));
  assert_int_equal(done_count, 1);
  assert_int_equal(done_err, ERR_OK);
  struct mqtt_info in;
  mqtt_get_info(&cl, &in);
  assert_int_equal(in.inflight, 0);
  assert_int_equal(in.stats.pub_tx[2], 1);
  assert_int_equal(in.stats.retransmits, 1);
}

static void test_mqtt_receive_qos(void **state)
{
  (void)state;
  struct tt_conn b;
  start_base(&b);
  /* QoS 0, retained. */
  const u8_t p0[] = {0x31, 6, 0, 2, 'a', 'b', 'h', 'i'};
  broker_send(&b, p0, sizeof(p0));
  assert_int_equal(msgs.n, 1);
  assert_string_equal(msgs.topic, "ab");
  assert_int_equal(msgs.len, 2);
  assert_memory_equal(msgs.payload, "hi", 2);
  assert_true(msgs.retain);
  assert_int_equal(msgs.qos, 0);
  /* QoS 1: delivered, PUBACK. */
  const u8_t p1[] = {0x32, 7, 0, 1, 'q', 0x12, 0x34, 'o', 'k'};
  broker_send(&b, p1, sizeof(p1));
  assert_int_equal(msgs.n, 2);
  assert_int_equal(msgs.qos, 1);
  static const u8_t puback[] = {0x40, 2, 0x12, 0x34};
  expect_bytes(&b, puback, sizeof(puback));
  /* QoS 2: delivered once; the DUP copy is acknowledged only. */
  const u8_t p2[] = {0x34, 6, 0, 1, 'r', 0, 7, '!'};
  broker_send(&b, p2, sizeof(p2));
  assert_int_equal(msgs.n, 3);
  assert_int_equal(msgs.qos, 2);
  static const u8_t pubrec[] = {0x50, 2, 0, 7};
  expect_bytes(&b, pubrec, sizeof(pubrec));
  const u8_t p2dup[] = {0x3c, 6, 0, 1, 'r', 0, 7, '!'};
  broker_send(&b, p2dup, sizeof(p2dup));
  assert_int_equal(msgs.n, 3);
  expect_bytes(&b, pubrec, sizeof(pubrec));
  struct mqtt_info in;
  mqtt_get_info(&cl, &in);
  assert_int_equal(in.qos2_in, 1);
  assert_int_equal(in.stats.dup_rx, 1);
  const u8_t pubrel[] = {0x62, 2, 0, 7};
  broker_send(&b, pubrel, sizeof(pubrel));
  static const u8_t pubcomp[] = {0x70, 2, 0, 7};
  expect_bytes(&b, pubcomp, sizeof(pubcomp));
  mqtt_get_info(&cl, &in);
  assert_int_equal(in.qos2_in, 0);
  /* After PUBREL the id is new again: the next message is delivered. */
  broker_send(&b, p2, sizeof(p2));
  assert_int_equal(msgs.n, 4);
  expect_bytes(&b, pubrec, sizeof(pubrec));
  /* A packet cut into one-byte segments is read whole. */
  for (size_t i = 0; i < sizeof(p0); i++) {
    broker_send(&b, p0 + i, 1);
  }
  assert_int_equal(msgs.n, 5);
  assert_int_equal(cl.state, MQTT_STATE_CONNECTED);
}

static void test_mqtt_subscribe(void **state)
{
  (void)state;
  struct tt_conn b;
  start_base(&b);
  assert_int_equal(mqtt_subscribe(&cl, "a/#/b", 1, on_done, NULL), ERR_ARG);
  assert_int_equal(mqtt_subscribe(&cl, "s/+/t", 1, on_done, NULL), ERR_OK);
  static const u8_t sub[] = {0x82, 10, 0, 1, 0, 5, 's', '/', '+', '/', 't', 1};
  expect_bytes(&b, sub, sizeof(sub));
  const u8_t suback[] = {0x90, 3, 0, 1, 1};
  broker_send(&b, suback, sizeof(suback));
  assert_int_equal(done_count, 1);
  assert_int_equal(done_code, 1);
  assert_int_equal(mqtt_subscribe(&cl, "#", 2, on_done, NULL), ERR_OK);
  static const u8_t sub2[] = {0x82, 6, 0, 2, 0, 1, '#', 2};
  expect_bytes(&b, sub2, sizeof(sub2));
  const u8_t refused[] = {0x90, 3, 0, 2, 0x80};
  broker_send(&b, refused, sizeof(refused));
  assert_int_equal(done_count, 2);
  assert_int_equal(done_err, ERR_OK);
  assert_int_equal(done_code, MQTT_SUBACK_FAILURE);
  assert_int_equal(mqtt_unsubscribe(&cl, "s/+/t", on_done, NULL), ERR_OK);
  static const u8_t unsub[] = {0xa2, 9, 0, 3, 0, 5, 's', '/', '+', '/', 't'};
  expect_bytes(&b, unsub, sizeof(unsub));
  const u8_t unsuback[] = {0xb0, 2, 0, 3};
  broker_send(&b, unsuback, sizeof(unsuback));
  assert_int_equal(done_count, 3);
  struct mqtt_info in;
  mqtt_get_info(&cl, &in);
  assert_int_equal(in.stats.suback_fail, 1);
  assert_int_equal(in.pending, 0);
}

/* PINGREQ after keepalive_s of silence; no PINGRESP within the bound:
 * the connection is aborted, then retried after 1 s, 2 s, 4 s. */
static void test_mqtt_keepalive(void **state)
{
  (void)state;
  struct mqtt_config cfg;
  base_cfg(&cfg);
  cfg.keepalive_s = 4; /* shorter than the 10 s connect timeout */
  struct tt_conn b;
  start(&b, &cfg);
  static const u8_t ping[] = {0xc0, 0};
  const u8_t pong[] = {0xd0, 0};
  test_clock_advance(3999);
  expect_bytes(&b, ping, 0);
  test_clock_advance(1);
  expect_bytes(&b, ping, sizeof(ping));
  test_clock_advance(100);
  broker_send(&b, pong, sizeof(pong));
  /* Sending resets the keep-alive clock: a publish 2 s after the ping
   * moves the next one to 4 s after it. */
  test_clock_advance(1900);
  assert_int_equal(mqtt_publish(&cl, "t", NULL, 0, 0, false, NULL, NULL), ERR_OK);
  u8_t buf[64];
  assert_int_equal(broker_read(&b, buf, sizeof(buf)), 5);
  test_clock_advance(3999);
  expect_bytes(&b, ping, 0);
  test_clock_advance(1);
  expect_bytes(&b, ping, sizeof(ping));
  /* No answer: dead after half the keep alive (2 s). */
  test_clock_advance(1999);
  assert_int_equal(cl.state, MQTT_STATE_CONNECTED);
  test_clock_advance(1);
  expect_rst(&b);
  assert_int_equal(cl.state, MQTT_STATE_WAIT_RECONNECT);
  assert_int_equal(ev_count[MQTT_EVENT_LOST], 1);
  struct mqtt_info in;
  mqtt_get_info(&cl, &in);
  assert_int_equal(in.stats.ping_timeouts, 1);
  assert_int_equal(in.stats.ping_sent, 2);
  /* Reconnect after 1 s; refused by the broker (RST): then 2 s. */
  test_clock_advance(999);
  assert_int_equal(tt_pending(), 0);
  test_clock_advance(1);
  tt_conn_init(&b, TT_OPT_NONE, TT_PEER_ISN);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN);
  tt_inject_raw(MQTT_PORT, s.sport, TCP_RST | TCP_ACK, 0, s.seq + 1U, 0, NULL, NULL, 0);
  assert_int_equal(cl.state, MQTT_STATE_WAIT_RECONNECT);
  test_clock_advance(1999);
  assert_int_equal(tt_pending(), 0);
  test_clock_advance(1);
  connect_ok(&b, false);
  assert_int_equal(ev_count[MQTT_EVENT_CONNECTED], 2);
  mqtt_get_info(&cl, &in);
  assert_int_equal(in.backoff_ms, 1000); /* reset by the CONNACK */
  assert_int_equal(in.stats.connects, 3);
}

/* clean_session 0 with the session kept: the QoS 1 PUBLISH goes again
 * with DUP, the QoS 2 flow resumes with its PUBREL (4.4). */
static void test_mqtt_session_resend(void **state)
{
  (void)state;
  struct mqtt_config cfg;
  base_cfg(&cfg);
  cfg.clean_session = false;
  struct tt_conn b;
  start(&b, &cfg);
  assert_int_equal(mqtt_publish(&cl, "t", "1", 1, 1, false, on_done, NULL), ERR_OK);
  static const u8_t q1[] = {0x32, 6, 0, 1, 't', 0, 1, '1'};
  expect_bytes(&b, q1, sizeof(q1));
  assert_int_equal(mqtt_publish(&cl, "t", "2", 1, 2, false, on_done, NULL), ERR_OK);
  static const u8_t q2[] = {0x34, 6, 0, 1, 't', 0, 2, '2'};
  expect_bytes(&b, q2, sizeof(q2));
  const u8_t rec[] = {0x50, 2, 0, 2};
  broker_send(&b, rec, sizeof(rec));
  static const u8_t rel[] = {0x62, 2, 0, 2};
  expect_bytes(&b, rel, sizeof(rel));
  /* The broker resets the connection. */
  tt_inject(&b, TCP_RST | TCP_ACK, b.peer_nxt, b.our_nxt, NULL, NULL, 0);
  assert_int_equal(cl.state, MQTT_STATE_WAIT_RECONNECT);
  assert_int_equal(done_count, 0); /* kept for the session */
  test_clock_advance(1000);
  connect_ok(&b, true);
  static const u8_t again[] = {0x3a, 6, 0, 1, 't', 0, 1, '1', 0x62, 2, 0, 2};
  expect_bytes(&b, again, sizeof(again));
  struct mqtt_info in;
  mqtt_get_info(&cl, &in);
  assert_int_equal(in.stats.retransmits, 2);
  assert_int_equal(in.inflight, 2);
  const u8_t ack[] = {0x40, 2, 0, 1, 0x70, 2, 0, 2};
  broker_send(&b, ack, sizeof(ack));
  assert_int_equal(done_count, 2);
  assert_int_equal(done_err, ERR_OK);
  /* Lost again with a message in flight, and the broker has no session
   * this time: the message fails (3.2.2.2). */
  assert_int_equal(mqtt_publish(&cl, "t", "3", 1, 1, false, on_done, NULL), ERR_OK);
  u8_t buf[64];
  assert_int_equal(broker_read(&b, buf, sizeof(buf)), 8);
  tt_inject(&b, TCP_RST | TCP_ACK, b.peer_nxt, b.our_nxt, NULL, NULL, 0);
  test_clock_advance(1000);
  connect_ok(&b, false);
  assert_int_equal(done_count, 3);
  assert_int_equal(done_err, ERR_CLSD);
  expect_bytes(&b, buf, 0);
}

/* A clean session loses what is in flight with the connection; the
 * window holds MQTT_MAX_INFLIGHT messages. */
static void test_mqtt_window_and_clean_loss(void **state)
{
  (void)state;
  struct tt_conn b;
  start_base(&b);
  for (u32_t i = 0; i < MQTT_MAX_INFLIGHT; i++) {
    assert_int_equal(mqtt_publish(&cl, "t", "x", 1, 1, false, on_done, NULL), ERR_OK);
  }
  assert_int_equal(mqtt_publish(&cl, "t", "x", 1, 1, false, on_done, NULL), ERR_WOULDBLOCK);
  assert_int_equal(mqtt_publish(&cl, "t", "x", 1, 0, false, NULL, NULL), ERR_OK); /* QoS 0 is not windowed */
  assert_int_equal(mqtt_subscribe(&cl, "a", 0, on_done, NULL), ERR_OK);
  u8_t buf[512];
  assert_true(broker_read(&b, buf, sizeof(buf)) > 0);
  tt_inject(&b, TCP_RST | TCP_ACK, b.peer_nxt, b.our_nxt, NULL, NULL, 0);
  assert_int_equal(done_count, MQTT_MAX_INFLIGHT + 1);
  assert_int_equal(done_err, ERR_CLSD);
  struct mqtt_info in;
  mqtt_get_info(&cl, &in);
  assert_int_equal(in.inflight, 0);
  assert_int_equal(in.pending, 0);
}

struct bad_case {
  const char *name;
  u8_t bytes[12];
  u8_t len;
  enum lwip_drop_reason reason;
  bool before_connack;
};

/* Every malformed packet drops the connection (RST) under its reason. */
static void test_mqtt_malformed(void **state)
{
  (void)state;
  static const struct bad_case cases[] = {
      {"varint of five bytes", {0x30, 0x80, 0x80, 0x80, 0x80, 0x01}, 6, LWIP_DROP_MQTT_BAD_VARINT, false},
      {"reserved type 0", {0x00, 0x00}, 2, LWIP_DROP_MQTT_BAD_TYPE, false},
      {"PINGREQ from the server", {0xc0, 0x00}, 2, LWIP_DROP_MQTT_BAD_TYPE, false},
      {"PUBLISH QoS 3", {0x36, 0x05, 0, 1, 't', 0, 1}, 7, LWIP_DROP_MQTT_BAD_FLAGS, false},
      {"PUBLISH DUP at QoS 0", {0x38, 0x03, 0, 1, 't'}, 5, LWIP_DROP_MQTT_BAD_FLAGS, false},
      {"PUBACK with flags", {0x42, 2, 0, 1}, 4, LWIP_DROP_MQTT_BAD_FLAGS, false},
      {"PUBREL without its flags", {0x60, 2, 0, 1}, 4, LWIP_DROP_MQTT_BAD_FLAGS, false},
      {"PUBACK of 3 bytes", {0x40, 3, 0, 1, 0}, 5, LWIP_DROP_MQTT_BAD_LENGTH, false},
      {"PINGRESP with a body", {0xd0, 1, 0}, 3, LWIP_DROP_MQTT_BAD_LENGTH, false},
      {"PUBLISH topic past the end", {0x30, 3, 0, 5, 't'}, 5, LWIP_DROP_MQTT_BAD_LENGTH, false},
      {"PUBLISH empty topic", {0x30, 3, 0, 0, 'x'}, 5, LWIP_DROP_MQTT_BAD_TOPIC, false},
      {"PUBLISH wildcard topic", {0x30, 4, 0, 2, 'a', '#'}, 6, LWIP_DROP_MQTT_BAD_TOPIC, false},
      {"PUBLISH NUL in topic", {0x30, 4, 0, 2, 'a', 0}, 6, LWIP_DROP_MQTT_BAD_TOPIC, false},
      {"PUBLISH QoS 1 id 0", {0x32, 5, 0, 1, 't', 0, 0}, 7, LWIP_DROP_MQTT_BAD_ID, false},
      {"PUBACK id 0", {0x40, 2, 0, 0}, 4, LWIP_DROP_MQTT_BAD_ID, false},
      {"SUBACK code 3", {0x90, 3, 0, 1, 3}, 5, LWIP_DROP_MQTT_BAD_SUBACK, false},
      {"SUBACK with two codes", {0x90, 4, 0, 1, 0, 0}, 6, LWIP_DROP_MQTT_BAD_LENGTH, false},
      {"second CONNACK", {0x20, 2, 0, 0}, 4, LWIP_DROP_MQTT_UNEXPECTED, false},
      {"PUBLISH before CONNACK", {0x30, 3, 0, 1, 't'}, 5, LWIP_DROP_MQTT_UNEXPECTED, true},
      {"CONNACK code 6", {0x20, 2, 0, 6}, 4, LWIP_DROP_MQTT_BAD_CONNACK, true},
      {"CONNACK reserved flag", {0x20, 2, 2, 0}, 4, LWIP_DROP_MQTT_BAD_CONNACK, true},
      {"CONNACK refusal with session", {0x20, 2, 1, 5}, 4, LWIP_DROP_MQTT_BAD_CONNACK, true},
  };
  struct mqtt_config cfg;
  base_cfg(&cfg);
  struct tt_conn b;
  assert_int_equal(mqtt_connect(&cl, &cfg), ERR_OK);
  for (size_t i = 0; i < LWIP_ARRAYSIZE(cases); i++) {
    const struct bad_case *k = &cases[i];
    print_message("  %s\n", k->name);
    if (k->before_connack) {
      handshake(&b);
      u8_t buf[128];
      assert_true(broker_read(&b, buf, sizeof(buf)) > 0);
    } else {
      connect_ok(&b, false);
    }
#if LWIP_STATS
    u32_t before = lwip_stats.drops[k->reason];
#endif
    u32_t malformed = cl.stats.malformed;
    broker_send(&b, k->bytes, k->len);
    expect_rst(&b);
#if LWIP_STATS
    assert_int_equal(lwip_stats.drops[k->reason], before + 1U);
#endif
    assert_int_equal(cl.stats.malformed, malformed + 1U);
    assert_int_equal(cl.state, MQTT_STATE_WAIT_RECONNECT);
    assert_int_equal(msgs.n, 0);
    /* The next attempt after 1 s (the backoff is reset so the test does
     * not wait out its growth). */
    u32_t wait = cl.next_ms - sys_now();
    cl.backoff_ms = 1000;
    test_clock_advance(wait);
  }
  /* A refused CONNACK is no malformation, but it ends the attempt. */
  handshake(&b);
  u8_t buf[128];
  assert_true(broker_read(&b, buf, sizeof(buf)) > 0);
  const u8_t refused[] = {0x20, 2, 0, 5};
  broker_send(&b, refused, sizeof(refused));
  expect_rst(&b);
  assert_int_equal(ev_count[MQTT_EVENT_REFUSED], 1);
  assert_int_equal(cl.stats.refused, 1);
  assert_int_equal(cl.connack, 5);
}

/* Packets over max_incoming are skipped; a QoS 1 one is still
 * acknowledged, and the connection carries on. */
static void test_mqtt_too_big(void **state)
{
  (void)state;
  struct mqtt_config cfg;
  base_cfg(&cfg);
  cfg.max_incoming = 64;
  struct tt_conn b;
  start(&b, &cfg);
  u8_t big[200];
  memset(big, 'z', sizeof(big));
  big[0] = 0x32; /* PUBLISH QoS 1, remaining length 197 (0xc5 0x01) */
  big[1] = 0xc5;
  big[2] = 0x01;
  big[3] = 0;
  big[4] = 1;
  big[5] = 't';
  big[6] = 0x00;
  big[7] = 0x42;
  broker_send(&b, big, sizeof(big)); /* 3 + 197 bytes */
  assert_int_equal(msgs.n, 0);
  static const u8_t puback[] = {0x40, 2, 0, 0x42};
  expect_bytes(&b, puback, sizeof(puback));
  struct mqtt_info in;
  mqtt_get_info(&cl, &in);
  assert_int_equal(in.stats.too_big, 1);
  /* The next packet is read normally. */
  const u8_t p0[] = {0x30, 4, 0, 1, 'a', '!'};
  broker_send(&b, p0, sizeof(p0));
  assert_int_equal(msgs.n, 1);
  assert_int_equal(cl.state, MQTT_STATE_CONNECTED);
}

/* DISCONNECT, then FIN; what was pending ends with ERR_ABRT. */
static void test_mqtt_disconnect(void **state)
{
  (void)state;
  struct mqtt_config cfg;
  base_cfg(&cfg);
  struct tt_conn b;
  start(&b, &cfg);
  assert_int_equal(mqtt_publish(&cl, "t", "x", 1, 1, false, on_done, NULL), ERR_OK);
  u8_t buf[64];
  assert_int_equal(broker_read(&b, buf, sizeof(buf)), 8);
  mqtt_disconnect(&cl);
  assert_false(mqtt_running(&cl));
  assert_int_equal(done_count, 1);
  assert_int_equal(done_err, ERR_ABRT);
  u8_t flags;
  assert_int_equal(broker_read_flags(&b, buf, sizeof(buf), &flags), 2);
  assert_int_equal(buf[0], 0xe0);
  assert_true((flags & TCP_FIN) != 0);
  /* While waiting to reconnect, disconnecting just stops. */
  assert_int_equal(mqtt_connect(&cl, &cfg), ERR_OK);
  mqtt_disconnect(&cl);
  assert_false(mqtt_running(&cl));
}

/* Broker silent after the SYN-ACK: the connect timeout retries. */
static void test_mqtt_connect_timeout(void **state)
{
  (void)state;
  struct mqtt_config cfg;
  base_cfg(&cfg);
  cfg.connect_timeout_ms = 3000;
  struct tt_conn b;
  assert_int_equal(mqtt_connect(&cl, &cfg), ERR_OK);
  handshake(&b);
  u8_t buf[128];
  assert_true(broker_read(&b, buf, sizeof(buf)) > 0);
  test_clock_advance(2999);
  assert_int_equal(cl.state, MQTT_STATE_WAIT_CONNACK);
  test_clock_advance(1);
  expect_rst(&b);
  assert_int_equal(cl.state, MQTT_STATE_WAIT_RECONNECT);
  test_clock_advance(1000);
  connect_ok(&b, false);
}

#endif /* LWIP_TCP */

int main(void)
{
#if LWIP_TCP
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mqtt_varint),
      cmocka_unit_test(test_mqtt_filters),
      cmocka_unit_test_setup_teardown(test_mqtt_connect_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_config_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_publish_qos0_qos1, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_publish_qos2, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_receive_qos, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_subscribe, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_keepalive, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_session_resend, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_window_and_clean_loss, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_malformed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_too_big, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_disconnect, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mqtt_connect_timeout, setup, teardown),
  };
  return cmocka_run_group_tests_name("app_mqtt", tests, NULL, NULL);
#else
  return 0;
#endif
}
