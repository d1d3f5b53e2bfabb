/**
 * @file mqtt.c
 * MQTT 3.1.1 client (lwip/apps/mqtt.h): packet encoding, the strict
 * decoder, the QoS 1/2 flows of both directions, keep alive and the
 * reconnection timer.
 *
 * Section numbers below are those of the OASIS MQTT 3.1.1 standard.
 *
 * Input is framed in c->rx: the fixed header first (one type byte and a
 * remaining length of up to four bytes), then the rest of the packet.  A
 * packet is handled only once it is complete, from the buffer, through
 * bounds-checked reads; nothing is ever read past its remaining length.
 */
#include "lwip/apps/mqtt.h"

#if LWIP_TCP

#include <string.h>

#include "lwip/debug.h"
#include "lwip/mem.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/prot/mqtt.h"
#include "lwip/prot/wire.h"

/* Stages of an outgoing QoS 1/2 message. */
#define MQTT_OUT_PUBACK 1U  /* PUBLISH sent (QoS 1): waiting for PUBACK */
#define MQTT_OUT_PUBREC 2U  /* PUBLISH sent (QoS 2): waiting for PUBREC */
#define MQTT_OUT_PUBCOMP 3U /* PUBREL sent: waiting for PUBCOMP */

static void mqtt_timer(void *arg);
static bool conn_lost(struct mqtt_client *c, bool abort, const char *why);

static const char *const state_names[] = {
    [MQTT_STATE_OFF] = "off",
    [MQTT_STATE_TCP_CONNECTING] = "tcp_connecting",
    [MQTT_STATE_WAIT_CONNACK] = "wait_connack",
    [MQTT_STATE_CONNECTED] = "connected",
    [MQTT_STATE_WAIT_RECONNECT] = "wait_reconnect",
};

const char *mqtt_state_name(u8_t state)
{
  return state < LWIP_ARRAYSIZE(state_names) ? state_names[state] : "?";
}

bool mqtt_running(const struct mqtt_client *c)
{
  return c != NULL && c->state != MQTT_STATE_OFF;
}

static void set_state(struct mqtt_client *c, u8_t state)
{
  if (c->state != state) {
    LWIP_LOG(MQTT, DEBUG, "state %s -> %s", mqtt_state_name(c->state), mqtt_state_name(state));
    c->state = state;
  }
}

/* ---------------------------------------------------------------------- */
/* Encoding helpers                                                        */
/* ---------------------------------------------------------------------- */

u8_t mqtt_varint_encode(u32_t v, u8_t *out)
{
  if (v > MQTT_REMAINING_MAX) {
    return 0;
  }
  u8_t n = 0;
  do {
    u8_t b = (u8_t)(v & 0x7fU);
    v >>= 7;
    out[n++] = v > 0 ? (u8_t)(b | 0x80U) : b;
  } while (v > 0);
  return n;
}

int mqtt_varint_decode(const u8_t *in, u32_t n, u32_t *v)
{
  u32_t val = 0;
  for (u32_t i = 0; i < MQTT_VARINT_MAX; i++) {
    if (i >= n) {
      return 0;
    }
    val |= (u32_t)(in[i] & 0x7fU) << (7U * i);
    if ((in[i] & 0x80U) == 0) {
      *v = val;
      return (int)i + 1;
    }
  }
  /* 2.2.3: four bytes at most; a fifth would be needed. */
  return -1;
}

/* Well-formed UTF-8 without U+0000 and without surrogates (1.5.3). */
static bool utf8_ok(const u8_t *s, size_t len)
{
  size_t i = 0;
  while (i < len) {
    u8_t b = s[i];
    u32_t need, cp;
    if (b == 0) {
      return false;
    }
    if (b < 0x80U) {
      i++;
      continue;
    }
    if (b >= 0xc2U && b <= 0xdfU) {
      need = 1;
      cp = b & 0x1fU;
    } else if (b >= 0xe0U && b <= 0xefU) {
      need = 2;
      cp = b & 0x0fU;
    } else if (b >= 0xf0U && b <= 0xf4U) {
      need = 3;
      cp = b & 0x07U;
    } else {
      return false;
    }
    if (len - i <= need) {
      return false;
    }
    for (u32_t k = 1; k <= need; k++) {
      if ((s[i + k] & 0xc0U) != 0x80U) {
        return false;
      }
      cp = (cp << 6) | (s[i + k] & 0x3fU);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if ((need == 2 && cp < 0x800U) || (need == 3 && (cp < 0x10000UL || cp > 0x10ffffUL)) ||
        (cp >= 0xd800U && cp <= 0xdfffU)) {
      return false;
    }
    i += need + 1U;
  }
  return true;
}

/* A topic name: 1..65535 bytes, no wildcard (4.7.3, 3.3.2.1). */
static bool topic_valid(const char *t, size_t len)
{
  if (len == 0 || len > 0xffffU || !utf8_ok((const u8_t *)t, len)) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    if (t[i] == '+' || t[i] == '#') {
      return false;
    }
  }
  return true;
}

bool mqtt_filter_valid(const char *f, size_t len)
{
  if (f == NULL || len == 0 || len > 0xffffU || !utf8_ok((const u8_t *)f, len)) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    bool level_start = i == 0 || f[i - 1] == '/';
    bool level_end = i + 1 == len || f[i + 1] == '/';
    /* 4.7.1.3: '+' fills a whole level; 4.7.1.2: '#' is a whole level
     * and the last character. */
    if (f[i] == '+' && !(level_start && level_end)) {
      return false;
    }
    if (f[i] == '#' && !(level_start && i + 1 == len)) {
      return false;
    }
  }
  return true;
}

static u8_t *put_str(u8_t *p, const void *s, u16_t len)
{
  put_be16(p, len);
  if (len > 0) {
    memcpy(p + 2, s, len);
  }
  return p + 2 + len;
}

/* Write a fixed header for @p rem bytes.  @return its length. */
static u8_t put_fixed(u8_t *p, u8_t hdr, u32_t rem)
{
  p[0] = hdr;
  return (u8_t)(1U + mqtt_varint_encode(rem, p + 1));
}

static u32_t fixed_len(u32_t rem)
{
  u8_t tmp[MQTT_VARINT_MAX];
  return 1U + mqtt_varint_encode(rem, tmp);
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                 */
/* ---------------------------------------------------------------------- */

/* Queue @p len bytes whole or not at all (a half-written packet would
 * desynchronise the stream). */
static err_t send_raw(struct mqtt_client *c, const void *buf, u16_t len)
{
  if (c->pcb == NULL) {
    return ERR_CONN;
  }
  if (tcp_sndbuf(c->pcb) < len) {
    return ERR_MEM;
  }
  err_t err = tcp_write(c->pcb, buf, len, TCP_WRITE_FLAG_COPY);
  if (err != ERR_OK) {
    return err;
  }
  tcp_output(c->pcb);
  c->last_tx_ms = sys_now();
  STATS_TX(MQTT);
  return ERR_OK;
}

static err_t send_ack(struct mqtt_client *c, u8_t type, u16_t id)
{
  u8_t b[4];
  b[0] = MQTT_HDR(type, type == MQTT_PUBREL ? MQTT_FLAGS_REL : 0U);
  b[1] = MQTT_ACK_LEN;
  put_be16(b + 2, id);
  return send_raw(c, b, sizeof(b));
}

static u16_t new_id(struct mqtt_client *c)
{
  for (;;) {
    c->next_id = (u16_t)(c->next_id + 1U);
    if (c->next_id == 0) {
      continue; /* 2.3.1: packet ids are non-zero */
    }
    bool used = false;
    for (u8_t i = 0; i < MQTT_MAX_INFLIGHT; i++) {
      used = used || c->out[i].id == c->next_id;
    }
    for (u8_t i = 0; i < MQTT_MAX_PENDING; i++) {
      used = used || c->pending[i].id == c->next_id;
    }
    if (!used) {
      return c->next_id;
    }
  }
}

static void out_free(struct mqtt_out *o)
{
  mem_free(o->pkt);
  memset(o, 0, sizeof(*o));
}

/* End a QoS 1/2 message: free its slot, then tell its owner. */
static void out_finish(struct mqtt_out *o, err_t result)
{
  mqtt_done_fn done = o->done;
  void *arg = o->done_arg;
  out_free(o);
  if (done != NULL) {
    done(arg, result, 0);
  }
}

static struct mqtt_out *out_find(struct mqtt_client *c, u16_t id)
{
  for (u8_t i = 0; i < MQTT_MAX_INFLIGHT; i++) {
    if (c->out[i].id == id && id != 0) {
      return &c->out[i];
    }
  }
  return NULL;
}

/* Send what waits in the window, oldest first, while the connection is
 * up and the send buffer takes it (called again from the sent callback). */
static void flush_out(struct mqtt_client *c)
{
  while (c->state == MQTT_STATE_CONNECTED) {
    struct mqtt_out *o = NULL;
    for (u8_t i = 0; i < MQTT_MAX_INFLIGHT; i++) {
      if (c->out[i].id != 0 && c->out[i].unsent && (o == NULL || c->out[i].order < o->order)) {
        o = &c->out[i];
      }
    }
    if (o == NULL) {
      return;
    }
    err_t err = o->stage == MQTT_OUT_PUBCOMP ? send_ack(c, MQTT_PUBREL, o->id) : send_raw(c, o->pkt, o->len);
    if (err != ERR_OK) {
      return; /* no room now: the sent callback tries again */
    }
    o->unsent = false;
    if (o->sent) {
      c->stats.retransmits++;
    } else if (o->stage != MQTT_OUT_PUBCOMP) {
      c->stats.pub_tx[o->qos]++;
    }
    o->sent = true;
  }
}

/* ---------------------------------------------------------------------- */
/* Timer                                                                   */
/* ---------------------------------------------------------------------- */

/* Arm the one timer for the state's next deadline. */
static void rearm(struct mqtt_client *c)
{
  u32_t due;
  switch (c->state) {
  case MQTT_STATE_TCP_CONNECTING:
  case MQTT_STATE_WAIT_CONNACK:
    due = c->phase_ms + c->connect_timeout_ms;
    break;
  case MQTT_STATE_CONNECTED:
    if (c->ping_out) {
      due = c->ping_sent_ms + c->ping_timeout_ms;
    } else if (c->keepalive_s > 0) {
      due = c->last_tx_ms + (u32_t)c->keepalive_s * 1000U;
    } else {
      sys_untimeout(mqtt_timer, c);
      c->next_ms = 0;
      return;
    }
    break;
  case MQTT_STATE_WAIT_RECONNECT:
    due = c->next_ms;
    break;
  default:
    sys_untimeout(mqtt_timer, c);
    return;
  }
  s32_t left = (s32_t)(due - sys_now());
  c->next_ms = due;
  sys_untimeout(mqtt_timer, c);
  sys_timeout_static(&c->timeo, left > 0 ? (u32_t)left : 0U, mqtt_timer, c);
}

/* ---------------------------------------------------------------------- */
/* The connection                                                          */
/* ---------------------------------------------------------------------- */

static err_t conn_connected(void *arg, struct tcp_pcb *pcb, err_t err);
static err_t conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t conn_sent(void *arg, struct tcp_pcb *pcb, u16_t len);
static void conn_err(void *arg, err_t err);

/* Let the PCB go.  @return true when it was aborted (a recv callback then
 * returns ERR_ABRT). */
static bool release_pcb(struct mqtt_client *c, bool abort)
{
  struct tcp_pcb *pcb = c->pcb;
  if (pcb == NULL) {
    return false;
  }
  c->pcb = NULL;
  tcp_arg(pcb, NULL);
  tcp_recv(pcb, NULL);
  tcp_sent(pcb, NULL);
  tcp_err(pcb, NULL);
  if (!abort && tcp_close(pcb) == ERR_OK) {
    return false;
  }
  tcp_abort(pcb);
  return true;
}

static void fail_pending(struct mqtt_client *c, err_t result)
{
  for (u8_t i = 0; i < MQTT_MAX_PENDING; i++) {
    struct mqtt_pending *q = &c->pending[i];
    if (q->id != 0) {
      mqtt_done_fn done = q->done;
      void *arg = q->done_arg;
      memset(q, 0, sizeof(*q));
      if (done != NULL) {
        done(arg, result, 0);
      }
    }
  }
}

/* Forget the session (clean session, or the broker has none). */
static void drop_session(struct mqtt_client *c, err_t result)
{
  for (u8_t i = 0; i < MQTT_MAX_INFLIGHT; i++) {
    if (c->out[i].id != 0) {
      out_finish(&c->out[i], result);
    }
  }
  memset(c->qos2_in, 0, sizeof(c->qos2_in));
}

static void start_tcp(struct mqtt_client *c)
{
  c->stats.connects++;
  c->phase_ms = sys_now();
  c->rx_len = c->rx_need = c->skip = 0;
  c->rx_big = false;
  c->ping_out = false;
  struct tcp_pcb *pcb = tcp_new();
  if (pcb == NULL) {
    LWIP_DROP(MQTT_NO_MEM);
    set_state(c, MQTT_STATE_TCP_CONNECTING); /* the connect timeout retries */
    rearm(c);
    return;
  }
  c->pcb = pcb;
  tcp_arg(pcb, c);
  tcp_recv(pcb, conn_recv);
  tcp_sent(pcb, conn_sent);
  tcp_err(pcb, conn_err);
  tcp_nagle_disable(pcb); /* acknowledgements and pings are small and urgent */
  set_state(c, MQTT_STATE_TCP_CONNECTING);
  err_t err = tcp_connect(pcb, &c->broker, c->port, conn_connected);
  if (err != ERR_OK) {
    LWIP_LOG(MQTT, INFO, "connect to %s:%u: %s", ipaddr_ntoa(&c->broker), c->port, lwip_err_name(err));
    release_pcb(c, false);
  }
  rearm(c);
}

/* The connection is gone (or must go): arrange the next attempt.
 * @return true when the PCB was aborted here. */
static bool conn_lost(struct mqtt_client *c, bool abort, const char *why)
{
  bool aborted = release_pcb(c, abort);
  LWIP_LOG(MQTT, INFO, "connection %s: %s; next attempt in %lu ms",
           c->state == MQTT_STATE_CONNECTED ? "lost" : "failed", why, (unsigned long)c->backoff_ms);
  c->stats.lost++;
  c->ping_out = false;
  c->rx_len = c->rx_need = c->skip = 0;
  c->rx_big = false;
  set_state(c, MQTT_STATE_WAIT_RECONNECT);
  c->next_ms = sys_now() + c->backoff_ms;
  c->backoff_ms = LWIP_MIN(c->backoff_ms * 2U, c->reconnect_max_ms);
  rearm(c);
  for (u8_t i = 0; i < MQTT_MAX_INFLIGHT; i++) {
    c->out[i].unsent = c->out[i].id != 0;
  }
  fail_pending(c, ERR_CLSD);
  if (c->clean_session) {
    drop_session(c, ERR_CLSD);
  }
  if (c->on_event != NULL) {
    c->on_event(c->arg, MQTT_EVENT_LOST);
  }
  return aborted;
}

static err_t conn_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
  struct mqtt_client *c = (struct mqtt_client *)arg;
  (void)pcb;
  if (err != ERR_OK) {
    return conn_lost(c, true, "tcp connect failed") ? ERR_ABRT : ERR_OK;
  }
  err = send_raw(c, c->connect_pkt, c->connect_len);
  if (err != ERR_OK) {
    LWIP_DROP(MQTT_NO_MEM);
    return conn_lost(c, true, "CONNECT not sent") ? ERR_ABRT : ERR_OK;
  }
  LWIP_LOG(MQTT, DEBUG, "CONNECT sent to %s:%u", ipaddr_ntoa(&c->broker), c->port);
  set_state(c, MQTT_STATE_WAIT_CONNACK);
  return ERR_OK;
}

static err_t conn_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  (void)pcb;
  (void)len;
  flush_out((struct mqtt_client *)arg);
  return ERR_OK;
}

static void conn_err(void *arg, err_t err)
{
  struct mqtt_client *c = (struct mqtt_client *)arg;
  c->pcb = NULL; /* already freed by the stack */
  conn_lost(c, false, lwip_err_name(err));
}

static void mqtt_timer(void *arg)
{
  struct mqtt_client *c = (struct mqtt_client *)arg;
  u32_t now = sys_now();
  switch (c->state) {
  case MQTT_STATE_TCP_CONNECTING:
  case MQTT_STATE_WAIT_CONNACK:
    if ((s32_t)(now - (c->phase_ms + c->connect_timeout_ms)) >= 0) {
      conn_lost(c, true, "connect timeout");
      return;
    }
    break;
  case MQTT_STATE_CONNECTED:
    if (c->ping_out) {
      if ((s32_t)(now - (c->ping_sent_ms + c->ping_timeout_ms)) >= 0) {
        /* 3.1.2.10: no PINGRESP within a reasonable time: close. */
        c->stats.ping_timeouts++;
        conn_lost(c, true, "no PINGRESP");
        return;
      }
    } else if (c->keepalive_s > 0 && (s32_t)(now - (c->last_tx_ms + (u32_t)c->keepalive_s * 1000U)) >= 0) {
      u8_t b[2] = {MQTT_HDR(MQTT_PINGREQ, 0U), 0};
      if (send_raw(c, b, sizeof(b)) == ERR_OK) {
        c->ping_out = true;
        c->ping_sent_ms = now;
        c->stats.ping_sent++;
      } else {
        /* The send buffer is full: data is on its way anyway; the
         * ping timeout is counted from this attempt. */
        c->ping_out = true;
        c->ping_sent_ms = now;
      }
    }
    break;
  case MQTT_STATE_WAIT_RECONNECT:
    start_tcp(c);
    return;
  default:
    return;
  }
  rearm(c);
}

/* ---------------------------------------------------------------------- */
/* Receiving                                                               */
/* ---------------------------------------------------------------------- */

/* One complete packet: type byte, remaining length, the bytes after the
 * fixed header. */
struct mqtt_pkt {
  u8_t type, flags;
  const u8_t *body;
  u32_t len;
};

/* @return false when the broker refused the connection. */
static bool take_connack(struct mqtt_client *c, const struct mqtt_pkt *k)
{
  c->connack = k->body[1];
  c->session_present = (k->body[0] & MQTT_CONNACK_SP) != 0;
  if (c->connack != MQTT_CONNACK_ACCEPTED) {
    LWIP_DROP(MQTT_REFUSED);
    c->stats.refused++;
    LWIP_LOG(MQTT, WARN, "CONNACK refused: return code %u", c->connack);
    if (c->on_event != NULL) {
      c->on_event(c->arg, MQTT_EVENT_REFUSED);
    }
    return false;
  }
  c->stats.connacks++;
  c->backoff_ms = c->reconnect_min_ms;
  set_state(c, MQTT_STATE_CONNECTED);
  c->ping_out = false;
  rearm(c); /* from the connect timeout to the keep alive */
  LWIP_LOG(MQTT, INFO, "connected to %s:%u%s", ipaddr_ntoa(&c->broker), c->port,
           c->session_present ? " (session present)" : "");
  if (!c->session_present) {
    /* 3.2.2.2: without the broker's session ours is discarded. */
    drop_session(c, ERR_CLSD);
  } else {
    /* 4.4: resend unacknowledged PUBLISH (with DUP) and PUBREL. */
    for (u8_t i = 0; i < MQTT_MAX_INFLIGHT; i++) {
      struct mqtt_out *o = &c->out[i];
      if (o->id != 0 && o->pkt != NULL && o->sent) {
        o->pkt[0] |= MQTT_PUB_DUP;
      }
    }
  }
  if (c->on_event != NULL) {
    c->on_event(c->arg, MQTT_EVENT_CONNECTED);
  }
  flush_out(c);
  return true;
}

static bool qos2_seen(struct mqtt_client *c, u16_t id)
{
  for (u8_t i = 0; i < MQTT_MAX_QOS2_IN; i++) {
    if (c->qos2_in[i] == id) {
      return true;
    }
  }
  return false;
}

static bool qos2_remember(struct mqtt_client *c, u16_t id)
{
  for (u8_t i = 0; i < MQTT_MAX_QOS2_IN; i++) {
    if (c->qos2_in[i] == 0) {
      c->qos2_in[i] = id;
      return true;
    }
  }
  return false;
}

static void qos2_forget(struct mqtt_client *c, u16_t id)
{
  for (u8_t i = 0; i < MQTT_MAX_QOS2_IN; i++) {
    if (c->qos2_in[i] == id) {
      c->qos2_in[i] = 0;
    }
  }
}

/* Acknowledge an incoming QoS 1/2 PUBLISH; a QoS 2 one is remembered
 * until its PUBREL.  @p deliver says whether to hand it over first.
 * @return false when the acknowledgement could not be sent (the
 * connection is then dropped, and the broker sends it again). */
static bool take_publish_id(struct mqtt_client *c, u8_t qos, u16_t id, bool *deliver)
{
  if (qos == 2) {
    if (qos2_seen(c, id)) {
      *deliver = false; /* 4.3.3: delivered on its first PUBLISH already */
      c->stats.dup_rx++;
    } else if (!qos2_remember(c, id)) {
      LWIP_DROP(MQTT_QOS2_FULL);
      *deliver = false;
      return true; /* unacknowledged: the broker resends it after a reconnect */
    }
  }
  return send_ack(c, qos == 1 ? MQTT_PUBACK : MQTT_PUBREC, id) == ERR_OK;
}

/* PUBLISH (3.3). @return false on a malformed packet. */
static bool take_publish(struct mqtt_client *c, const struct mqtt_pkt *k, bool *ack_failed)
{
  u8_t qos = MQTT_PUB_QOS(k->flags);
  if (k->len < 2) {
    LWIP_DROP(MQTT_BAD_LENGTH);
    return false;
  }
  u16_t tlen = get_be16(k->body);
  u32_t hdr = 2U + tlen + (qos > 0 ? 2U : 0U);
  if (hdr > k->len) {
    LWIP_DROP(MQTT_BAD_LENGTH);
    return false;
  }
  if (!topic_valid((const char *)k->body + 2, tlen)) {
    LWIP_DROP(MQTT_BAD_TOPIC);
    return false;
  }
  u16_t id = qos > 0 ? get_be16(k->body + 2 + tlen) : 0U;
  if (qos > 0 && id == 0) {
    LWIP_DROP(MQTT_BAD_ID);
    return false;
  }
  bool deliver = true;
  if (qos > 0 && !take_publish_id(c, qos, id, &deliver)) {
    *ack_failed = true;
    return true;
  }
  if (deliver) {
    struct mqtt_message m;
    m.topic = (const char *)k->body + 2;
    m.topic_len = tlen;
    m.payload = k->body + hdr;
    m.payload_len = k->len - hdr;
    m.qos = qos;
    m.retain = (k->flags & MQTT_PUB_RETAIN) != 0;
    m.dup = (k->flags & MQTT_PUB_DUP) != 0;
    c->stats.pub_rx[qos]++;
    LWIP_LOG(MQTT, DEBUG, "PUBLISH in: qos %u, %lu bytes", qos, (unsigned long)m.payload_len);
    if (c->on_message != NULL) {
      c->on_message(c->arg, &m);
    }
  }
  return true;
}

/* PUBACK, PUBREC, PUBCOMP: the broker's side of our flows (4.3.2, 4.3.3). */
static void take_pub_ack(struct mqtt_client *c, u8_t type, u16_t id)
{
  struct mqtt_out *o = out_find(c, id);
  u8_t want = type == MQTT_PUBACK ? MQTT_OUT_PUBACK : type == MQTT_PUBREC ? MQTT_OUT_PUBREC : MQTT_OUT_PUBCOMP;
  if (o != NULL && type == MQTT_PUBREC && o->stage == MQTT_OUT_PUBCOMP) {
    o->unsent = true; /* a repeated PUBREC: our PUBREL is sent again */
    flush_out(c);
    return;
  }
  if (o == NULL || o->stage != want || o->unsent) {
    LWIP_DROP(MQTT_UNKNOWN_ID);
    return;
  }
  if (type == MQTT_PUBREC) {
    /* The message is the broker's now: only its id stays (4.3.3). */
    mem_free(o->pkt);
    o->pkt = NULL;
    o->stage = MQTT_OUT_PUBCOMP;
    o->unsent = true;
    o->sent = false; /* the PUBREL's first sending is no retransmission */
    o->order = ++c->order;
    flush_out(c);
    return;
  }
  c->stats.pub_done++;
  out_finish(o, ERR_OK);
}

static struct mqtt_pending *pending_find(struct mqtt_client *c, u16_t id, u8_t type)
{
  for (u8_t i = 0; i < MQTT_MAX_PENDING; i++) {
    if (c->pending[i].id == id && id != 0 && c->pending[i].type == type) {
      return &c->pending[i];
    }
  }
  return NULL;
}

/* SUBACK / UNSUBACK (3.9, 3.11). @return false when malformed. */
static bool take_sub_ack(struct mqtt_client *c, const struct mqtt_pkt *k)
{
  u16_t id = get_be16(k->body);
  u8_t code = 0;
  if (k->type == MQTT_SUBACK) {
    /* One filter per SUBSCRIBE: one return code. */
    code = k->body[2];
    if (code > 2U && code != MQTT_SUBACK_FAILURE) {
      LWIP_DROP(MQTT_BAD_SUBACK);
      return false;
    }
  }
  struct mqtt_pending *q = pending_find(c, id, k->type == MQTT_SUBACK ? MQTT_SUBSCRIBE : MQTT_UNSUBSCRIBE);
  if (q == NULL) {
    LWIP_DROP(MQTT_UNKNOWN_ID);
    return true;
  }
  if (code == MQTT_SUBACK_FAILURE) {
    c->stats.suback_fail++;
  }
  mqtt_done_fn done = q->done;
  void *arg = q->done_arg;
  memset(q, 0, sizeof(*q));
  if (done != NULL) {
    done(arg, ERR_OK, code);
  }
  return true;
}

/* Type, flags and length checks that need no state (2.2.2, and each
 * packet's section).  @return the drop reason, or LWIP_DROP_COUNT. */
static enum lwip_drop_reason check_shape(const struct mqtt_pkt *k)
{
  switch (k->type) {
  case MQTT_PUBLISH:
    /* 3.3.1.2: QoS 3 is malformed; 3.3.1.1: DUP is 0 at QoS 0. */
    if (MQTT_PUB_QOS(k->flags) == 3U || (MQTT_PUB_QOS(k->flags) == 0 && (k->flags & MQTT_PUB_DUP) != 0)) {
      return LWIP_DROP_MQTT_BAD_FLAGS;
    }
    return LWIP_DROP_COUNT;
  case MQTT_CONNACK:
    if (k->flags != 0) {
      return LWIP_DROP_MQTT_BAD_FLAGS;
    }
    if (k->len != MQTT_CONNACK_LEN) {
      return LWIP_DROP_MQTT_BAD_LENGTH;
    }
    /* 3.2.2.1: reserved flag bits; 3.2.2.3: codes 0..5; 3.2.2.2:
     * session present only with code 0. */
    if ((k->body[0] & (u8_t)~MQTT_CONNACK_SP) != 0 || k->body[1] > MQTT_CONNACK_NOT_AUTHORIZED ||
        (k->body[1] != 0 && k->body[0] != 0)) {
      return LWIP_DROP_MQTT_BAD_CONNACK;
    }
    return LWIP_DROP_COUNT;
  case MQTT_PUBACK:
  case MQTT_PUBREC:
  case MQTT_PUBREL:
  case MQTT_PUBCOMP:
  case MQTT_UNSUBACK:
    if (k->flags != (k->type == MQTT_PUBREL ? MQTT_FLAGS_REL : 0U)) {
      return LWIP_DROP_MQTT_BAD_FLAGS;
    }
    if (k->len != MQTT_ACK_LEN) {
      return LWIP_DROP_MQTT_BAD_LENGTH;
    }
    return get_be16(k->body) == 0 ? LWIP_DROP_MQTT_BAD_ID : LWIP_DROP_COUNT;
  case MQTT_SUBACK:
    if (k->flags != 0) {
      return LWIP_DROP_MQTT_BAD_FLAGS;
    }
    if (k->len != 3U) {
      return LWIP_DROP_MQTT_BAD_LENGTH;
    }
    return get_be16(k->body) == 0 ? LWIP_DROP_MQTT_BAD_ID : LWIP_DROP_COUNT;
  case MQTT_PINGRESP:
    if (k->flags != 0) {
      return LWIP_DROP_MQTT_BAD_FLAGS;
    }
    return k->len != 0 ? LWIP_DROP_MQTT_BAD_LENGTH : LWIP_DROP_COUNT;
  default:
    /* Reserved types and those only a client sends. */
    return LWIP_DROP_MQTT_BAD_TYPE;
  }
}

/* Handle one complete packet.  @return false when the connection must be
 * dropped (the reason is counted already). */
static bool take_packet(struct mqtt_client *c, const struct mqtt_pkt *k, bool *ack_failed)
{
  STATS_RX(MQTT);
  enum lwip_drop_reason why = check_shape(k);
  if (why != LWIP_DROP_COUNT) {
#if LWIP_STATS || LWIP_DEBUG
    lwip_drop(why);
#endif
    return false;
  }
  /* 3.2: the first packet from the server is CONNACK, and only that. */
  if ((c->state == MQTT_STATE_WAIT_CONNACK) != (k->type == MQTT_CONNACK)) {
    LWIP_DROP(MQTT_UNEXPECTED);
    return false;
  }
  switch (k->type) {
  case MQTT_CONNACK:
    if (take_connack(c, k)) {
      return true;
    }
    /* 3.2.2.3: the server closes the connection after a refusal. */
    conn_lost(c, true, "CONNACK refused");
    return true;
  case MQTT_PUBLISH:
    return take_publish(c, k, ack_failed);
  case MQTT_PUBACK:
  case MQTT_PUBREC:
  case MQTT_PUBCOMP:
    take_pub_ack(c, k->type, get_be16(k->body));
    return true;
  case MQTT_PUBREL:
    /* 4.3.3: PUBCOMP answers every PUBREL, known id or not. */
    qos2_forget(c, get_be16(k->body));
    *ack_failed = send_ack(c, MQTT_PUBCOMP, get_be16(k->body)) != ERR_OK;
    return true;
  case MQTT_SUBACK:
  case MQTT_UNSUBACK:
    return take_sub_ack(c, k);
  default: /* MQTT_PINGRESP */
    c->ping_out = false;
    rearm(c);
    return true;
  }
}

/* The start of a packet too big to buffer: acknowledge a QoS 1/2 PUBLISH
 * whose id is within the bytes held, so the broker does not resend it.
 * @return false when the connection must be dropped. */
static bool take_too_big(struct mqtt_client *c, const u8_t *hdr, u32_t hlen, bool *ack_failed)
{
  u8_t type = MQTT_TYPE(hdr[0]);
  u8_t qos = MQTT_PUB_QOS(hdr[0]);
  LWIP_DROP(MQTT_TOO_BIG);
  c->stats.too_big++;
  if (type != MQTT_PUBLISH || qos == 3U || c->state != MQTT_STATE_CONNECTED) {
    return false; /* nothing else is ever this big */
  }
  if (qos == 0) {
    return true;
  }
  const u8_t *b = c->rx + hlen;
  u32_t held = c->rx_len - hlen;
  u32_t tlen = get_be16(b);
  if (2U + tlen + 2U > held) {
    return false; /* the id is out of reach */
  }
  u16_t id = get_be16(b + 2 + tlen);
  if (id == 0) {
    LWIP_DROP(MQTT_BAD_ID);
    return false;
  }
  bool deliver;
  *ack_failed = !take_publish_id(c, qos, id, &deliver);
  return true;
}

/* Feed @p n received bytes.  @return false when the connection must be
 * dropped. */
static bool rx_bytes(struct mqtt_client *c, const u8_t *in, u32_t n, bool *ack_failed)
{
  while (n > 0 && c->state != MQTT_STATE_WAIT_RECONNECT) {
    if (c->skip > 0 && c->rx_need == 0) {
      /* The rest of a packet too big to hold, after its first bytes. */
      u32_t k = LWIP_MIN(c->skip, n);
      c->skip -= k;
      in += k;
      n -= k;
      continue;
    }
    if (c->rx_need == 0) {
      /* Reading the fixed header one byte at a time (at most five). */
      c->rx[c->rx_len++] = *in++;
      n--;
      if (c->rx_len < 2) {
        continue;
      }
      u32_t rem;
      int got = mqtt_varint_decode(c->rx + 1, c->rx_len - 1U, &rem);
      if (got < 0) {
        LWIP_DROP(MQTT_BAD_VARINT);
        return false;
      }
      if (got == 0) {
        continue;
      }
      u32_t total = 1U + (u32_t)got + rem;
      c->rx_big = total > c->max_incoming;
      c->rx_need = c->rx_big ? c->max_incoming : total;
      c->skip = c->rx_big ? total - c->max_incoming : 0U;
    } else {
      u32_t k = LWIP_MIN(c->rx_need - c->rx_len, n);
      memcpy(c->rx + c->rx_len, in, k);
      c->rx_len += k;
      in += k;
      n -= k;
    }
    if (c->rx_len < c->rx_need) {
      continue;
    }
    u32_t rem;
    int hl = mqtt_varint_decode(c->rx + 1, c->rx_len - 1U, &rem);
    bool ok;
    if (c->rx_big) {
      ok = take_too_big(c, c->rx, 1U + (u32_t)hl, ack_failed);
    } else {
      struct mqtt_pkt k = {MQTT_TYPE(c->rx[0]), MQTT_FLAGS(c->rx[0]), c->rx + 1 + hl, rem};
      ok = take_packet(c, &k, ack_failed);
    }
    c->rx_len = c->rx_need = 0;
    c->rx_big = false;
    if (!ok || *ack_failed) {
      return ok;
    }
  }
  return true;
}

static err_t conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  struct mqtt_client *c = (struct mqtt_client *)arg;
  (void)err;
  if (p == NULL) {
    /* The broker closed its side: the session is over. */
    conn_lost(c, false, "closed by the broker");
    return ERR_OK;
  }
  u16_t total = p->tot_len;
  bool ok = true, ack_failed = false;
  for (struct pbuf *q = p; q != NULL && ok && !ack_failed && c->pcb == pcb; q = q->next) {
    ok = rx_bytes(c, (const u8_t *)q->payload, q->len, &ack_failed);
  }
  pbuf_free(p);
  if (c->pcb != pcb) {
    return ERR_ABRT; /* aborted while handling (a refused CONNACK) */
  }
  tcp_recved(pcb, total);
  if (!ok) {
    c->stats.malformed++;
    return conn_lost(c, true, "malformed or unexpected packet") ? ERR_ABRT : ERR_OK;
  }
  if (ack_failed) {
    LWIP_DROP(MQTT_NO_MEM);
    return conn_lost(c, true, "acknowledgement not sent") ? ERR_ABRT : ERR_OK;
  }
  return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* API                                                                     */
/* ---------------------------------------------------------------------- */

static size_t opt_len(const char *s)
{
  return s != NULL ? strlen(s) : 0U;
}

/* Build the CONNECT packet (3.1) into a heap block. */
static err_t encode_connect(struct mqtt_client *c, const struct mqtt_config *cfg)
{
  size_t idl = opt_len(cfg->client_id), wtl = opt_len(cfg->will_topic), ul = opt_len(cfg->username),
         pl = opt_len(cfg->password);
  bool will = cfg->will_topic != NULL;
  if (idl > MQTT_MAX_CLIENT_ID || (idl == 0 && !cfg->clean_session) || cfg->will_qos > 2U ||
      (will && !topic_valid(cfg->will_topic, wtl)) || (!will && (cfg->will_len > 0 || cfg->will_retain)) ||
      (cfg->password != NULL && cfg->username == NULL) || (cfg->will_len > 0 && cfg->will_payload == NULL) ||
      (idl > 0 && !utf8_ok((const u8_t *)cfg->client_id, idl)) ||
      (ul > 0 && !utf8_ok((const u8_t *)cfg->username, ul))) {
    return ERR_ARG;
  }
  size_t rem = 10U + 2U + idl + (will ? 4U + wtl + cfg->will_len : 0U) + (cfg->username != NULL ? 2U + ul : 0U) +
               (cfg->password != NULL ? 2U + pl : 0U);
  if (rem + MQTT_FIXED_HDR_MAX > 0xffffU) {
    return ERR_ARG;
  }
  u32_t total = fixed_len((u32_t)rem) + (u32_t)rem;
  u8_t *b = (u8_t *)mem_malloc(total);
  if (b == NULL) {
    return ERR_MEM;
  }
  u8_t flags = (u8_t)(cfg->clean_session ? MQTT_CONN_CLEAN : 0U);
  if (will) {
    flags |=
        (u8_t)(MQTT_CONN_WILL | MQTT_CONN_WILL_QOS(cfg->will_qos) | (cfg->will_retain ? MQTT_CONN_WILL_RETAIN : 0U));
  }
  flags |=
      (u8_t)((cfg->username != NULL ? MQTT_CONN_USERNAME : 0U) | (cfg->password != NULL ? MQTT_CONN_PASSWORD : 0U));
  u8_t *p = b + put_fixed(b, MQTT_HDR(MQTT_CONNECT, 0U), (u32_t)rem);
  p = put_str(p, "MQTT", 4);
  *p++ = MQTT_PROTOCOL_LEVEL;
  *p++ = flags;
  put_be16(p, cfg->keepalive_s);
  p += 2;
  /* 3.1.3: client id, will topic, will message, user name, password. */
  p = put_str(p, cfg->client_id, (u16_t)idl);
  if (will) {
    p = put_str(p, cfg->will_topic, (u16_t)wtl);
    p = put_str(p, cfg->will_payload, cfg->will_len);
  }
  if (cfg->username != NULL) {
    p = put_str(p, cfg->username, (u16_t)ul);
  }
  if (cfg->password != NULL) {
    p = put_str(p, cfg->password, (u16_t)pl);
  }
  LWIP_ASSERT("CONNECT length", (u32_t)(p - b) == total);
  c->connect_pkt = b;
  c->connect_len = (u16_t)total;
  if (idl > 0) {
    memcpy(c->client_id, cfg->client_id, idl);
  }
  c->client_id[idl] = '\0';
  return ERR_OK;
}

err_t mqtt_connect(struct mqtt_client *c, const struct mqtt_config *cfg)
{
  if (c == NULL || cfg == NULL || mqtt_running(c)) {
    return ERR_ARG;
  }
  memset(c, 0, sizeof(*c));
  const ip_addr_t *a = &cfg->broker;
  if (!IP_IS_V4(a) || ip4_addr_isany_val(*ip_2_ip4(a)) || ip4_addr_ismulticast(ip_2_ip4(a)) ||
      ip4_addr_isbroadcast_u32(ip_2_ip4(a)->addr, NULL)) {
    return ERR_ARG;
  }
  c->max_incoming = cfg->max_incoming != 0 ? cfg->max_incoming : MQTT_DEFAULT_MAX_INCOMING;
  if (c->max_incoming < MQTT_MIN_MAX_INCOMING) {
    return ERR_ARG;
  }
  err_t err = encode_connect(c, cfg);
  if (err != ERR_OK) {
    memset(c, 0, sizeof(*c));
    return err;
  }
  c->rx = (u8_t *)mem_malloc(c->max_incoming);
  if (c->rx == NULL) {
    mem_free(c->connect_pkt);
    memset(c, 0, sizeof(*c));
    return ERR_MEM;
  }
  c->broker = cfg->broker;
  c->port = cfg->port != 0 ? cfg->port : MQTT_PORT;
  c->keepalive_s = cfg->keepalive_s;
  c->clean_session = cfg->clean_session;
  c->ping_timeout_ms = cfg->ping_timeout_ms;
  if (c->ping_timeout_ms == 0) {
    c->ping_timeout_ms = LWIP_MAX((u32_t)c->keepalive_s * 500U, 1000U);
  }
  c->connect_timeout_ms = cfg->connect_timeout_ms != 0 ? cfg->connect_timeout_ms : MQTT_DEFAULT_CONNECT_TIMEOUT_MS;
  c->reconnect_min_ms = cfg->reconnect_min_ms != 0 ? cfg->reconnect_min_ms : MQTT_DEFAULT_RECONNECT_MIN_MS;
  c->reconnect_max_ms =
      LWIP_MAX(cfg->reconnect_max_ms != 0 ? cfg->reconnect_max_ms : MQTT_DEFAULT_RECONNECT_MAX_MS, c->reconnect_min_ms);
  c->backoff_ms = c->reconnect_min_ms;
  c->on_message = cfg->on_message;
  c->on_event = cfg->on_event;
  c->arg = cfg->arg;
  LWIP_LOG(MQTT, INFO, "connecting to %s:%u as \"%s\", keep alive %u s%s", ipaddr_ntoa(&c->broker), c->port,
           c->client_id, c->keepalive_s, c->clean_session ? ", clean session" : "");
  start_tcp(c);
  return ERR_OK;
}

void mqtt_disconnect(struct mqtt_client *c)
{
  if (!mqtt_running(c)) {
    return;
  }
  sys_untimeout(mqtt_timer, c);
  if (c->state == MQTT_STATE_CONNECTED) {
    /* 3.14: DISCONNECT, then close; the broker discards the will. */
    u8_t b[2] = {MQTT_HDR(MQTT_DISCONNECT, 0U), 0};
    send_raw(c, b, sizeof(b));
  }
  release_pcb(c, c->state != MQTT_STATE_CONNECTED);
  c->state = MQTT_STATE_OFF;
  fail_pending(c, ERR_ABRT);
  drop_session(c, ERR_ABRT);
  mem_free(c->rx);
  mem_free(c->connect_pkt);
  LWIP_LOG(MQTT, INFO, "disconnected");
  memset(c, 0, sizeof(*c));
}

err_t mqtt_publish(struct mqtt_client *c, const char *topic, const void *payload, u16_t len, u8_t qos, bool retain,
                   mqtt_done_fn done, void *done_arg)
{
  size_t tl = topic != NULL ? strlen(topic) : 0U;
  if (c == NULL || !topic_valid(topic, tl) || qos > 2U || (len > 0 && payload == NULL)) {
    return ERR_ARG;
  }
  u32_t rem = 2U + (u32_t)tl + (qos > 0 ? 2U : 0U) + len;
  u32_t total = fixed_len(rem) + rem;
  if (total > 0xffffU) {
    return ERR_ARG;
  }
  if (c->state != MQTT_STATE_CONNECTED) {
    return ERR_CONN;
  }
  struct mqtt_out *o = NULL;
  if (qos > 0) {
    for (u8_t i = 0; i < MQTT_MAX_INFLIGHT && o == NULL; i++) {
      o = c->out[i].id == 0 ? &c->out[i] : NULL;
    }
    if (o == NULL) {
      return ERR_WOULDBLOCK;
    }
  }
  u8_t *b = (u8_t *)mem_malloc(total);
  if (b == NULL) {
    LWIP_DROP(MQTT_NO_MEM);
    return ERR_MEM;
  }
  u16_t id = qos > 0 ? new_id(c) : 0U;
  u8_t *p = b + put_fixed(b, MQTT_HDR(MQTT_PUBLISH, MQTT_PUB_FLAGS(false, qos, retain)), rem);
  p = put_str(p, topic, (u16_t)tl);
  if (qos > 0) {
    put_be16(p, id);
    p += 2;
  }
  if (len > 0) {
    memcpy(p, payload, len);
  }
  if (qos == 0) {
    err_t err = send_raw(c, b, (u16_t)total);
    mem_free(b);
    if (err == ERR_OK) {
      c->stats.pub_tx[0]++;
    }
    return err;
  }
  o->pkt = b;
  o->len = (u16_t)total;
  o->id = id;
  o->qos = qos;
  o->stage = qos == 1 ? MQTT_OUT_PUBACK : MQTT_OUT_PUBREC;
  o->unsent = true;
  o->order = ++c->order;
  o->done = done;
  o->done_arg = done_arg;
  flush_out(c);
  return ERR_OK;
}

/* SUBSCRIBE (3.8) or UNSUBSCRIBE (3.10) for one filter. */
static err_t sub_request(struct mqtt_client *c, u8_t type, const char *filter, u8_t qos, mqtt_done_fn done,
                         void *done_arg)
{
  size_t fl = filter != NULL ? strlen(filter) : 0U;
  if (c == NULL || !mqtt_filter_valid(filter, fl) || qos > 2U) {
    return ERR_ARG;
  }
  u32_t rem = 2U + 2U + (u32_t)fl + (type == MQTT_SUBSCRIBE ? 1U : 0U);
  u32_t total = fixed_len(rem) + rem;
  if (total > 0xffffU) {
    return ERR_ARG;
  }
  if (c->state != MQTT_STATE_CONNECTED) {
    return ERR_CONN;
  }
  struct mqtt_pending *q = NULL;
  for (u8_t i = 0; i < MQTT_MAX_PENDING && q == NULL; i++) {
    q = c->pending[i].id == 0 ? &c->pending[i] : NULL;
  }
  if (q == NULL) {
    return ERR_WOULDBLOCK;
  }
  u8_t *b = (u8_t *)mem_malloc(total);
  if (b == NULL) {
    LWIP_DROP(MQTT_NO_MEM);
    return ERR_MEM;
  }
  u16_t id = new_id(c);
  u8_t *p = b + put_fixed(b, MQTT_HDR(type, MQTT_FLAGS_REL), rem);
  put_be16(p, id);
  p = put_str(p + 2, filter, (u16_t)fl);
  if (type == MQTT_SUBSCRIBE) {
    *p = qos;
  }
  err_t err = send_raw(c, b, (u16_t)total);
  mem_free(b);
  if (err != ERR_OK) {
    return err;
  }
  q->id = id;
  q->type = type;
  q->done = done;
  q->done_arg = done_arg;
  LWIP_LOG(MQTT, DEBUG, "%s %s (id %u)", type == MQTT_SUBSCRIBE ? "SUBSCRIBE" : "UNSUBSCRIBE", filter, id);
  return ERR_OK;
}

err_t mqtt_subscribe(struct mqtt_client *c, const char *filter, u8_t qos, mqtt_done_fn done, void *done_arg)
{
  return sub_request(c, MQTT_SUBSCRIBE, filter, qos, done, done_arg);
}

err_t mqtt_unsubscribe(struct mqtt_client *c, const char *filter, mqtt_done_fn done, void *done_arg)
{
  return sub_request(c, MQTT_UNSUBSCRIBE, filter, 0, done, done_arg);
}

void mqtt_get_info(const struct mqtt_client *c, struct mqtt_info *info)
{
  memset(info, 0, sizeof(*info));
  info->state = mqtt_state_name(c != NULL ? c->state : MQTT_STATE_OFF);
  info->client_id = "";
  if (!mqtt_running(c)) {
    return;
  }
  info->client_id = c->client_id;
  info->broker = c->broker;
  info->port = c->port;
  info->keepalive_s = c->keepalive_s;
  info->clean_session = c->clean_session;
  info->session_present = c->session_present;
  info->connack = c->connack;
  for (u8_t i = 0; i < MQTT_MAX_INFLIGHT; i++) {
    info->inflight = (u8_t)(info->inflight + (c->out[i].id != 0));
  }
  for (u8_t i = 0; i < MQTT_MAX_PENDING; i++) {
    info->pending = (u8_t)(info->pending + (c->pending[i].id != 0));
  }
  for (u8_t i = 0; i < MQTT_MAX_QOS2_IN; i++) {
    info->qos2_in = (u8_t)(info->qos2_in + (c->qos2_in[i] != 0));
  }
  info->backoff_ms = c->backoff_ms;
  if (sys_timeout_pending(mqtt_timer, (void *)(uintptr_t)c)) {
    s32_t left = (s32_t)(c->next_ms - sys_now());
    info->next_in_ms = left > 0 ? (u32_t)left : 0U;
  }
  info->stats = c->stats;
}

#endif /* LWIP_TCP */
