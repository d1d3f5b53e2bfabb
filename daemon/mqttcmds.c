/**
 * @file mqttcmds.c
 * The MQTT client (core/apps/mqtt.c, lwip/apps/mqtt.h) on the control
 * socket: mqtt.connect, mqtt.disconnect, mqtt.publish, mqtt.subscribe,
 * mqtt.unsubscribe, mqtt.status and mqtt.messages.
 *
 * A thin wrapper: arguments in, core calls, JSON out.  What the daemon
 * keeps itself is the ring of received messages (the core hands each one
 * to a callback and forgets it) and the deferred requests: mqtt.publish at
 * QoS 1/2, mqtt.subscribe and mqtt.unsubscribe answer when the broker's
 * acknowledgement completes the flow.  Each received message and each
 * connection event is also an `mqtt` event for subscribers.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <stdlib.h>
#include <string.h>

#include "lwip/err.h"
#include "lwip/timeouts.h"

#if LWIP_TCP
#include "lwip/apps/mqtt.h"
#include "lwip/prot/mqtt.h"

/** Received messages kept for mqtt.messages (oldest dropped first). */
#define MQTT_RING 64U

struct kept_msg {
  uint64_t seq;
  char *topic;
  uint8_t *payload;
  size_t len;
  uint8_t qos;
  bool retain, dup;
  uint32_t time_ms;
};

static struct mqtt_client mqtt_cl;
static struct kept_msg ring[MQTT_RING];
static uint64_t next_seq = 1; /* of the next message received */
static uint64_t ring_dropped;

/* A request answered when its flow completes. */
struct mqtt_op {
  struct ctl_req req;
  const char *kind; /* "publish", "subscribe", "unsubscribe" */
  char *what;       /* topic or filter */
  int qos;
  uint32_t started_ms;
};

static void kept_free(struct kept_msg *k)
{
  free(k->topic);
  free(k->payload);
  memset(k, 0, sizeof(*k));
}

static void ring_clear(void)
{
  for (size_t i = 0; i < MQTT_RING; i++) {
    kept_free(&ring[i]);
  }
}

/* A payload as a JSON string when it is UTF-8 text, else as hex. */
static void put_payload(json_t *o, const uint8_t *p, size_t len)
{
  json_t *s = json_stringn((const char *)p, len);
  if (s != NULL && memchr(p, 0, len) == NULL) {
    json_object_set_new(o, "payload", s);
    return;
  }
  json_decref(s);
  char *hex = malloc(len * 2U + 1U);
  if (hex == NULL) {
    json_object_set_new(o, "payload", json_null());
    return;
  }
  for (size_t i = 0; i < len; i++) {
    static const char digits[] = "0123456789abcdef";
    hex[2 * i] = digits[p[i] >> 4];
    hex[2 * i + 1] = digits[p[i] & 15];
  }
  hex[len * 2U] = '\0';
  json_object_set_new(o, "payload", json_null());
  json_object_set_new(o, "payload_hex", json_string(hex));
  free(hex);
}

static json_t *kept_json(const struct kept_msg *k)
{
  json_t *o =
      json_pack("{s:I, s:s, s:i, s:b, s:b, s:I, s:I}", "seq", (json_int_t)k->seq, "topic", k->topic, "qos", k->qos,
                "retain", k->retain, "dup", k->dup, "length", (json_int_t)k->len, "time_ms", (json_int_t)k->time_ms);
  if (o != NULL) {
    put_payload(o, k->payload, k->len);
  }
  return o;
}

static void on_message(void *arg, const struct mqtt_message *m)
{
  (void)arg;
  struct kept_msg *k = &ring[(next_seq - 1U) % MQTT_RING];
  if (k->topic != NULL) {
    ring_dropped++;
  }
  kept_free(k);
  k->topic = malloc((size_t)m->topic_len + 1U);
  k->payload = malloc(m->payload_len > 0 ? m->payload_len : 1U);
  if (k->topic == NULL || k->payload == NULL) {
    kept_free(k);
    return;
  }
  memcpy(k->topic, m->topic, m->topic_len);
  k->topic[m->topic_len] = '\0';
  /* The topic was checked as UTF-8 by the core; jansson checks again. */
  if (m->payload_len > 0) {
    memcpy(k->payload, m->payload, m->payload_len);
  }
  k->len = m->payload_len;
  k->seq = next_seq++;
  k->qos = m->qos;
  k->retain = m->retain;
  k->dup = m->dup;
  k->time_ms = sys_now();
  if (ctl_has_subscribers(CTL_EV_MQTT)) {
    json_t *ev = kept_json(k);
    if (ev != NULL) {
      json_object_set_new(ev, "what", json_string("message"));
      ctl_broadcast(CTL_EV_MQTT, "mqtt", ev);
    }
  }
}

static void on_event(void *arg, enum mqtt_event ev)
{
  (void)arg;
  static const char *const names[] = {"connected", "refused", "lost"};
  if (ctl_has_subscribers(CTL_EV_MQTT)) {
    struct mqtt_info in;
    mqtt_get_info(&mqtt_cl, &in);
    ctl_broadcast(CTL_EV_MQTT, "mqtt",
                  json_pack("{s:s, s:s, s:i, s:b}", "what", names[ev], "state", in.state, "connack", in.connack,
                            "session_present", in.session_present));
  }
}

static json_t *status_json(void)
{
  struct mqtt_info in;
  mqtt_get_info(&mqtt_cl, &in);
  bool running = mqtt_running(&mqtt_cl);
  const struct mqtt_stats *s = &in.stats;
  json_t *counters = json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:[I,I,I], s:[I,I,I], s:I, s:I, s:I, s:I, s:I}", "connects",
      (json_int_t)s->connects, "connacks", (json_int_t)s->connacks, "refused", (json_int_t)s->refused, "lost",
      (json_int_t)s->lost, "ping_sent", (json_int_t)s->ping_sent, "ping_timeouts", (json_int_t)s->ping_timeouts,
      "malformed", (json_int_t)s->malformed, "pub_tx", (json_int_t)s->pub_tx[0], (json_int_t)s->pub_tx[1],
      (json_int_t)s->pub_tx[2], "pub_rx", (json_int_t)s->pub_rx[0], (json_int_t)s->pub_rx[1], (json_int_t)s->pub_rx[2],
      "pub_done", (json_int_t)s->pub_done, "retransmits", (json_int_t)s->retransmits, "dup_rx", (json_int_t)s->dup_rx,
      "too_big", (json_int_t)s->too_big, "suback_fail", (json_int_t)s->suback_fail);
  json_t *msgs =
      json_pack("{s:I, s:I}", "received", (json_int_t)(next_seq - 1U), "ring_dropped", (json_int_t)ring_dropped);
  return json_pack("{s:s, s:b, s:o, s:o, s:s, s:i, s:b, s:b, s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:o}", "state",
                   in.state, "running", running, "broker", running ? json_ip4(ip_2_ip4(&in.broker)) : json_null(),
                   "port", running ? json_integer(in.port) : json_null(), "client_id", in.client_id, "keepalive",
                   in.keepalive_s, "clean", in.clean_session, "session_present", in.session_present, "connack",
                   in.connack, "inflight", in.inflight, "pending", in.pending, "qos2_in", in.qos2_in, "backoff_ms",
                   (int)in.backoff_ms, "next_in_ms", in.next_in_ms > 0 ? json_integer(in.next_in_ms) : json_null(),
                   "counters", counters, "messages", msgs);
}

static const char *err_code(err_t e)
{
  switch (e) {
  case ERR_MEM:
    return CTL_E_NO_MEMORY;
  case ERR_WOULDBLOCK:
    return CTL_E_BUSY;
  case ERR_CONN:
    return CTL_E_NOT_FOUND;
  case ERR_ARG:
    return CTL_E_BAD_ARGS;
  default:
    return CTL_E_FAILED;
  }
}

static json_t *core_error(struct ctl_reply *r, const char *what, err_t e)
{
  static const char *const hints[] = {
      [-ERR_CONN] = "not connected to the broker",
      [-ERR_WOULDBLOCK] = "too many requests in flight",
      [-ERR_ARG] = "invalid topic, filter or QoS",
  };
  const char *hint = -e < (int)LWIP_ARRAYSIZE(hints) && hints[-e] != NULL ? hints[-e] : lwip_strerr(e);
  return ctl_error(r, err_code(e), "%s: %s: %s", what, lwip_err_name(e), hint);
}

/* ---- mqtt.connect ---- */

static bool will_args(json_t *args, struct mqtt_config *cfg, struct ctl_reply *r)
{
  json_t *w = json_object_get(args, "will");
  if (w == NULL || json_is_null(w)) {
    return true;
  }
  const char *payload = "";
  long long qos = 0;
  bool retain = false;
  if (!json_is_object(w)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.will: an object {topic, payload, qos, retain}");
    return false;
  }
  if (!arg_str(w, "topic", true, &cfg->will_topic, r) || !arg_str(w, "payload", false, &payload, r) ||
      !arg_int(w, "qos", false, 0, 2, &qos, r) || !arg_bool(w, "retain", false, &retain, r)) {
    return false;
  }
  size_t len = payload != NULL ? strlen(payload) : 0U;
  if (len > 0xffffU) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.will.payload: over 65535 bytes");
    return false;
  }
  cfg->will_payload = (const u8_t *)payload;
  cfg->will_len = (u16_t)len;
  cfg->will_qos = (u8_t)qos;
  cfg->will_retain = retain;
  return true;
}

static json_t *cmd_mqtt_connect(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  if (mqtt_running(&mqtt_cl)) {
    return ctl_error(r, CTL_E_BUSY, "the MQTT client is running (mqtt.disconnect first)");
  }
  struct mqtt_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  ip4_addr_t broker;
  long long port = MQTT_PORT, keepalive = 60, max_in = 0, rmin = 0, rmax = 0, ping = 0, ctimeout = 0;
  bool clean = true;
  const char *id = "lwipd";
  if (!arg_ip4(args, "broker", true, &broker, r) || !arg_int(args, "port", false, 1, 65535, &port, r) ||
      !arg_str(args, "client_id", false, &id, r) || !arg_int(args, "keepalive", false, 0, 65535, &keepalive, r) ||
      !arg_bool(args, "clean", false, &clean, r) || !arg_str(args, "username", false, &cfg.username, r) ||
      !arg_str(args, "password", false, &cfg.password, r) ||
      !arg_int(args, "max_incoming", false, MQTT_MIN_MAX_INCOMING, 1 << 20, &max_in, r) ||
      !arg_int(args, "reconnect_min_ms", false, 100, 3600000, &rmin, r) ||
      !arg_int(args, "reconnect_max_ms", false, 100, 3600000, &rmax, r) ||
      !arg_int(args, "ping_timeout_ms", false, 100, 3600000, &ping, r) ||
      !arg_int(args, "connect_timeout_ms", false, 100, 3600000, &ctimeout, r) || !will_args(args, &cfg, r)) {
    return NULL;
  }
  if (id == NULL) {
    id = "lwipd";
  }
  if (strlen(id) > MQTT_MAX_CLIENT_ID) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.client_id: at most %u bytes", MQTT_MAX_CLIENT_ID);
  }
  if (id[0] == '\0' && !clean) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.client_id: an empty id needs clean: true (MQTT 3.1.1 3.1.3.1)");
  }
  if (cfg.password != NULL && cfg.username == NULL) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.password needs args.username (MQTT 3.1.1 3.1.2.9)");
  }
  ip_addr_set_ip4(&cfg.broker, &broker);
  cfg.port = (u16_t)port;
  cfg.client_id = id;
  cfg.keepalive_s = (u16_t)keepalive;
  cfg.clean_session = clean;
  cfg.max_incoming = (u32_t)max_in;
  cfg.reconnect_min_ms = (u32_t)rmin;
  cfg.reconnect_max_ms = (u32_t)rmax;
  cfg.ping_timeout_ms = (u32_t)ping;
  cfg.connect_timeout_ms = (u32_t)ctimeout;
  cfg.on_message = on_message;
  cfg.on_event = on_event;
  err_t e = mqtt_connect(&mqtt_cl, &cfg);
  if (e != ERR_OK) {
    return ctl_error(r, err_code(e), "mqtt_connect: %s: %s", lwip_err_name(e),
                     e == ERR_ARG ? "invalid broker address, client id, credentials or will" : lwip_strerr(e));
  }
  return status_json();
}

static json_t *cmd_mqtt_disconnect(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  if (!mqtt_running(&mqtt_cl)) {
    return ctl_error(r, CTL_E_NOT_FOUND, "the MQTT client is not running");
  }
  json_t *o = status_json(); /* the counters as they ended */
  mqtt_disconnect(&mqtt_cl);
  json_object_set_new(o, "state", json_string("off"));
  json_object_set_new(o, "running", json_false());
  return o;
}

/* ---- deferred requests ---- */

static void op_free(struct mqtt_op *op)
{
  free(op->what);
  free(op);
}

static void op_done(void *arg, err_t result, u8_t code)
{
  struct mqtt_op *op = (struct mqtt_op *)arg;
  if (result == ERR_OK && strcmp(op->kind, "subscribe") == 0 && code == MQTT_SUBACK_FAILURE) {
    ctl_reply_later(&op->req, NULL, CTL_E_FAILED, "the broker refused the subscription (SUBACK 0x80)");
  } else if (result == ERR_OK) {
    json_t *res =
        json_pack("{s:s, s:s, s:i, s:I}", "done", op->kind, strcmp(op->kind, "publish") == 0 ? "topic" : "filter",
                  op->what, "qos", op->qos, "ms", (json_int_t)(uint32_t)(sys_now() - op->started_ms));
    if (strcmp(op->kind, "subscribe") == 0) {
      json_object_set_new(res, "granted_qos", json_integer(code));
    }
    ctl_reply_later(&op->req, res, NULL, NULL);
  } else if (result == ERR_CLSD) {
    ctl_reply_later(&op->req, NULL, CTL_E_RESET, "the connection to the broker was lost before the flow completed");
  } else {
    ctl_reply_later(&op->req, NULL, CTL_E_FAILED, "stopped: mqtt.disconnect, a stack restart or lwipd stopping");
  }
  op_free(op);
}

static struct mqtt_op *op_new(const struct ctl_req *req, const char *kind, const char *what, int qos)
{
  struct mqtt_op *op = calloc(1, sizeof(*op));
  if (op == NULL || (op->what = strdup(what)) == NULL) {
    free(op);
    return NULL;
  }
  op->req = *req;
  op->kind = kind;
  op->qos = qos;
  op->started_ms = sys_now();
  return op;
}

static int hex_digit(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

/* Payload from args.payload (text) or args.payload_hex. */
static bool payload_arg(json_t *args, uint8_t **out, size_t *len, struct ctl_reply *r)
{
  const char *text = NULL, *hex = NULL;
  if (!arg_str(args, "payload", false, &text, r) || !arg_str(args, "payload_hex", false, &hex, r)) {
    return false;
  }
  if (text != NULL && hex != NULL) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.payload and args.payload_hex: give one of them");
    return false;
  }
  size_t n = text != NULL ? strlen(text) : hex != NULL ? strlen(hex) / 2U : 0U;
  if (n > 0xffffU || (hex != NULL && strlen(hex) % 2U != 0)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.payload: at most 65535 bytes (payload_hex: an even number of digits)");
    return false;
  }
  *out = malloc(n > 0 ? n : 1U);
  if (*out == NULL) {
    ctl_error(r, CTL_E_NO_MEMORY, "no memory for the payload");
    return false;
  }
  *len = n;
  if (text != NULL) {
    memcpy(*out, text, n);
  }
  for (size_t i = 0; hex != NULL && i < n; i++) {
    int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(*out);
      ctl_error(r, CTL_E_BAD_ARGS, "args.payload_hex: not hexadecimal at %zu", 2 * i);
      return false;
    }
    (*out)[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

static json_t *cmd_mqtt_publish(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  const char *topic;
  long long qos = 0;
  bool retain = false;
  uint8_t *payload;
  size_t len;
  if (!arg_str(args, "topic", true, &topic, r) || !arg_int(args, "qos", false, 0, 2, &qos, r) ||
      !arg_bool(args, "retain", false, &retain, r) || !payload_arg(args, &payload, &len, r)) {
    return NULL;
  }
  struct mqtt_op *op = NULL;
  if (qos > 0 && (op = op_new(req, "publish", topic, (int)qos)) == NULL) {
    free(payload);
    return ctl_error(r, CTL_E_NO_MEMORY, "no memory for the request");
  }
  err_t e = mqtt_publish(&mqtt_cl, topic, payload, (u16_t)len, (u8_t)qos, retain, op != NULL ? op_done : NULL, op);
  free(payload);
  if (e != ERR_OK) {
    if (op != NULL) {
      op_free(op);
    }
    return core_error(r, "mqtt_publish", e);
  }
  if (op != NULL) {
    r->deferred = true;
    return NULL;
  }
  return json_pack("{s:s, s:s, s:i, s:I}", "done", "publish", "topic", topic, "qos", 0, "ms", (json_int_t)0);
}

static json_t *sub_cmd(struct ctl_req *req, json_t *args, struct ctl_reply *r, bool sub)
{
  const char *filter;
  long long qos = 0;
  if (!arg_str(args, "filter", true, &filter, r) || (sub && !arg_int(args, "qos", false, 0, 2, &qos, r))) {
    return NULL;
  }
  struct mqtt_op *op = op_new(req, sub ? "subscribe" : "unsubscribe", filter, (int)qos);
  if (op == NULL) {
    return ctl_error(r, CTL_E_NO_MEMORY, "no memory for the request");
  }
  err_t e =
      sub ? mqtt_subscribe(&mqtt_cl, filter, (u8_t)qos, op_done, op) : mqtt_unsubscribe(&mqtt_cl, filter, op_done, op);
  if (e != ERR_OK) {
    op_free(op);
    return core_error(r, sub ? "mqtt_subscribe" : "mqtt_unsubscribe", e);
  }
  r->deferred = true;
  return NULL;
}

static json_t *cmd_mqtt_subscribe(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  return sub_cmd(req, args, r, true);
}

static json_t *cmd_mqtt_unsubscribe(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  return sub_cmd(req, args, r, false);
}

static json_t *cmd_mqtt_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  return status_json();
}

static json_t *cmd_mqtt_messages(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  long long since = 0;
  bool clear = false;
  if (!arg_int(args, "since", false, 0, INT64_MAX, &since, r) || !arg_bool(args, "clear", false, &clear, r)) {
    return NULL;
  }
  json_t *list = json_array();
  uint64_t first = next_seq > MQTT_RING ? next_seq - MQTT_RING : 1U;
  for (uint64_t s = first; s < next_seq; s++) {
    const struct kept_msg *k = &ring[(s - 1U) % MQTT_RING];
    if (k->topic != NULL && k->seq == s && s > (uint64_t)since) {
      json_array_append_new(list, kept_json(k));
    }
  }
  json_t *o = json_pack("{s:o, s:I, s:I}", "messages", list, "next_seq", (json_int_t)next_seq, "ring_dropped",
                        (json_int_t)ring_dropped);
  if (clear) {
    ring_clear();
  }
  return o;
}

void mqttcmds_stop_all(void)
{
  mqtt_disconnect(&mqtt_cl);
  ring_clear();
}

#else /* !LWIP_TCP */

static json_t *cmd_mqtt_off(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  return ctl_error(r, CTL_E_FAILED, "this build has no TCP (-Dtcp=disabled)");
}
#define cmd_mqtt_connect cmd_mqtt_off
#define cmd_mqtt_disconnect cmd_mqtt_off
#define cmd_mqtt_publish cmd_mqtt_off
#define cmd_mqtt_subscribe cmd_mqtt_off
#define cmd_mqtt_unsubscribe cmd_mqtt_off
#define cmd_mqtt_status cmd_mqtt_off
#define cmd_mqtt_messages cmd_mqtt_off

void mqttcmds_stop_all(void)
{
}
#endif

/* The mqtt.* commands (docs/control-protocol.md). */
const struct ctl_cmd mqtt_cmds[] = {
    {"mqtt.connect", cmd_mqtt_connect, "connect the MQTT client: broker, client id, keep alive, clean session, will"},
    {"mqtt.disconnect", cmd_mqtt_disconnect, "send DISCONNECT and stop the MQTT client"},
    {"mqtt.publish", cmd_mqtt_publish, "publish a message (QoS 1/2: deferred until PUBACK / PUBCOMP)"},
    {"mqtt.subscribe", cmd_mqtt_subscribe, "subscribe to a topic filter (deferred until SUBACK)"},
    {"mqtt.unsubscribe", cmd_mqtt_unsubscribe, "unsubscribe from a topic filter (deferred until UNSUBACK)"},
    {"mqtt.status", cmd_mqtt_status, "MQTT state, broker, in-flight messages, counters"},
    {"mqtt.messages", cmd_mqtt_messages, "messages received on subscriptions (the last 64)"},
    {NULL, NULL, NULL},
};
