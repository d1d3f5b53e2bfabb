/**
 * @file mqtt.h
 * MQTT 3.1.1 client (OASIS standard) on the raw TCP API: one connection to
 * one broker, CONNECT with client id, clean-session flag, keep alive, an
 * optional user name and password and an optional will message; PUBLISH at
 * QoS 0, 1 and 2 in both directions; SUBSCRIBE and UNSUBSCRIBE with
 * wildcard filters; PINGREQ keep alive; reconnection with backoff.
 *
 * Flows (section 4.3): an outgoing QoS 1 message waits for PUBACK, a QoS 2
 * one for PUBREC, then PUBREL is sent and PUBCOMP awaited.  Up to
 * MQTT_MAX_INFLIGHT such messages are outstanding at once (the in-flight
 * window); mqtt_publish() refuses more with ERR_WOULDBLOCK.  An incoming
 * QoS 1 message is delivered and acknowledged with PUBACK; an incoming QoS
 * 2 message is delivered once, on its first PUBLISH, its id remembered
 * until the broker's PUBREL (duplicates in between are acknowledged, not
 * delivered again), and PUBCOMP answers the PUBREL.
 *
 * Sessions (section 3.1.2.4): with clean_session 0, unacknowledged QoS 1/2
 * messages survive a lost connection and are sent again after the next
 * CONNACK, PUBLISH with the DUP flag and PUBREL as they were (4.4).  With
 * clean_session 1 they fail (their done callback gets ERR_CLSD) when the
 * connection is lost.  Subscribe and unsubscribe requests always fail then.
 *
 * Keep alive (3.1.2.10): when nothing was sent for keepalive_s, a PINGREQ
 * goes out; when its PINGRESP does not come within ping_timeout_ms the
 * connection is declared dead, aborted and reconnected.
 *
 * Reconnection: after a lost connection (reset, timeout, malformed packet,
 * refused CONNACK) the client waits reconnect_min_ms, then twice that after
 * each further failure, up to reconnect_max_ms; an accepted CONNACK resets
 * the wait.  Only mqtt_disconnect() stops it.
 *
 * Parsing is strict: a remaining length of more than four bytes, flags
 * other than the type allows, a length wrong for the type, a packet type a
 * server never sends, a PUBLISH topic that is empty, holds a wildcard or a
 * NUL, a zero packet id or a bad SUBACK code is malformed; the connection
 * is aborted and the packet counted under its drop reason (stats.h,
 * MQTT_*).  Incoming packets larger than max_incoming are not buffered:
 * their bytes are skipped and counted (MQTT_TOO_BIG); a QoS 1/2 PUBLISH
 * among them is still acknowledged so the broker does not send it again.
 *
 * Memory: the caller owns struct mqtt_client (static or embedded).  A
 * connected client holds one TCP PCB, a receive buffer of max_incoming
 * bytes and the encoded CONNECT packet from the heap (mem_malloc), and one
 * heap block per outgoing QoS 1/2 message in flight; nothing else.  Timers
 * live in the struct.  Not thread-safe: call from the stack's context.
 *
 * Message callbacks get pointers into the receive buffer, valid only
 * during the call.  No pbuf crosses this API.
 */
#ifndef LWIP_APPS_MQTT_H
#define LWIP_APPS_MQTT_H

#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/timeouts.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest client id (the broker must allow 1..23 bytes; 3.1.3.1). */
#define MQTT_MAX_CLIENT_ID 64U
/** Outgoing QoS 1/2 messages in flight at once. */
#define MQTT_MAX_INFLIGHT 8U
/** Subscribe/unsubscribe requests awaiting their SUBACK/UNSUBACK. */
#define MQTT_MAX_PENDING 4U
/** Incoming QoS 2 ids remembered until their PUBREL. */
#define MQTT_MAX_QOS2_IN 16U
/** Defaults for a zero configuration field. */
#define MQTT_DEFAULT_MAX_INCOMING 2048U
#define MQTT_MIN_MAX_INCOMING 64U
#define MQTT_DEFAULT_CONNECT_TIMEOUT_MS 10000U
#define MQTT_DEFAULT_RECONNECT_MIN_MS 1000U
#define MQTT_DEFAULT_RECONNECT_MAX_MS 60000U

/** States of a client. */
enum mqtt_state {
  MQTT_STATE_OFF = 0,        /**< not started (or disconnected) */
  MQTT_STATE_TCP_CONNECTING, /**< SYN sent */
  MQTT_STATE_WAIT_CONNACK,   /**< CONNECT sent */
  MQTT_STATE_CONNECTED,      /**< CONNACK accepted */
  MQTT_STATE_WAIT_RECONNECT, /**< connection lost, waiting for the next attempt */
};

/** What the event callback reports. */
enum mqtt_event {
  MQTT_EVENT_CONNECTED, /**< CONNACK accepted (mqtt_info.session_present tells more) */
  MQTT_EVENT_REFUSED,   /**< CONNACK with a non-zero return code (mqtt_info.connack) */
  MQTT_EVENT_LOST,      /**< the connection is gone; a reconnection is scheduled */
};

/** A received message, valid only during the callback. */
struct mqtt_message {
  const char *topic; /**< not NUL-terminated */
  u16_t topic_len;
  const u8_t *payload;
  u32_t payload_len;
  u8_t qos;
  bool retain;
  bool dup;
};

/** A message arrived on a subscription. */
typedef void (*mqtt_message_fn)(void *arg, const struct mqtt_message *m);
/** Connection events. */
typedef void (*mqtt_event_fn)(void *arg, enum mqtt_event ev);
/** A QoS 1/2 publish, a subscribe or an unsubscribe finished.
 *  @p result: ERR_OK (acknowledged), ERR_CLSD (the connection was lost and
 *  the request cannot survive it), ERR_ABRT (mqtt_disconnect()).
 *  @p code: for a subscribe with ERR_OK, the SUBACK code (granted QoS 0..2,
 *  or MQTT_SUBACK_FAILURE 0x80); 0 otherwise. */
typedef void (*mqtt_done_fn)(void *arg, err_t result, u8_t code);

/** How to connect.  Strings are copied; zero numbers take the defaults. */
struct mqtt_config {
  ip_addr_t broker;      /**< unicast IPv4 address */
  u16_t port;            /**< 0: 1883 */
  const char *client_id; /**< 0..MQTT_MAX_CLIENT_ID bytes; empty asks the broker
                              for one (only with clean_session, 3.1.3.1) */
  const char *username;  /**< NULL: none */
  const char *password;  /**< NULL: none (needs a username, 3.1.2.9) */
  u16_t keepalive_s;     /**< 0: no keep alive */
  bool clean_session;
  const char *will_topic; /**< NULL: no will; else non-empty, no wildcards */
  const u8_t *will_payload;
  u16_t will_len;
  u8_t will_qos; /**< 0..2 */
  bool will_retain;
  u32_t ping_timeout_ms;    /**< PINGRESP wait; 0: half the keep alive, at least 1 s */
  u32_t connect_timeout_ms; /**< TCP + CONNACK wait */
  u32_t reconnect_min_ms, reconnect_max_ms;
  u32_t max_incoming; /**< largest incoming packet buffered, MQTT_MIN_MAX_INCOMING.. */
  mqtt_message_fn on_message;
  mqtt_event_fn on_event;
  void *arg; /**< for on_message and on_event */
};

/** Counters of one client since mqtt_connect(). */
struct mqtt_stats {
  u32_t connects;      /**< TCP connections attempted */
  u32_t connacks;      /**< CONNACKs accepted */
  u32_t refused;       /**< CONNACKs with a non-zero return code */
  u32_t lost;          /**< established sessions (or attempts) that ended without mqtt_disconnect */
  u32_t ping_sent;     /**< PINGREQs */
  u32_t ping_timeouts; /**< connections declared dead for want of a PINGRESP */
  u32_t malformed;     /**< connections aborted over a malformed or unexpected packet */
  u32_t pub_tx[3];     /**< PUBLISH sent per QoS (first sending) */
  u32_t pub_rx[3];     /**< PUBLISH delivered per QoS */
  u32_t pub_done;      /**< QoS 1/2 flows completed (PUBACK / PUBCOMP) */
  u32_t retransmits;   /**< PUBLISH (DUP) and PUBREL sent again after a reconnect */
  u32_t dup_rx;        /**< incoming QoS 2 duplicates not delivered again */
  u32_t too_big;       /**< incoming packets over max_incoming, skipped */
  u32_t suback_fail;   /**< SUBACK codes 0x80 */
};

/** One outgoing QoS 1/2 message in flight (private). */
struct mqtt_out {
  u8_t *pkt; /**< the encoded PUBLISH (heap), NULL once PUBREC came */
  u16_t len;
  u16_t id; /**< 0: slot free */
  u8_t qos;
  u8_t stage;  /**< MQTT_OUT_* in mqtt.c */
  bool unsent; /**< (re)send it when the connection and send buffer allow */
  bool sent;   /**< went out once already (a later sending is a retransmission) */
  u32_t order; /**< sending order */
  mqtt_done_fn done;
  void *done_arg;
};

/** A subscribe or unsubscribe awaiting its answer (private). */
struct mqtt_pending {
  u16_t id; /**< 0: slot free */
  u8_t type;
  mqtt_done_fn done;
  void *done_arg;
};

/** One client.  Owned by the caller; the fields are private to core/apps
 *  (read them through mqtt_get_info()).  Zero it before first use. */
struct mqtt_client {
  u8_t state; /**< enum mqtt_state */
  u8_t connack;
  bool session_present;
  bool ping_out;
  char client_id[MQTT_MAX_CLIENT_ID + 1];
  ip_addr_t broker;
  u16_t port;
  u16_t keepalive_s;
  bool clean_session;
  u32_t ping_timeout_ms, connect_timeout_ms, reconnect_min_ms, reconnect_max_ms, max_incoming;
  mqtt_message_fn on_message;
  mqtt_event_fn on_event;
  void *arg;
  u8_t *connect_pkt; /**< encoded CONNECT, sent on every connection */
  u16_t connect_len;
  struct tcp_pcb *pcb;
  u8_t *rx; /**< max_incoming bytes */
  u32_t rx_len, rx_need, skip;
  bool rx_big; /**< the packet being read is over max_incoming */
  u16_t next_id;
  u32_t order;
  u32_t last_tx_ms, ping_sent_ms, phase_ms, backoff_ms, next_ms;
  struct mqtt_out out[MQTT_MAX_INFLIGHT];
  struct mqtt_pending pending[MQTT_MAX_PENDING];
  u16_t qos2_in[MQTT_MAX_QOS2_IN];
  struct sys_timeo timeo;
  struct mqtt_stats stats;
};

/** A client's state, as mqtt_get_info() reports it. */
struct mqtt_info {
  const char *state; /**< "off", "tcp_connecting", "wait_connack", "connected", "wait_reconnect" */
  const char *client_id;
  ip_addr_t broker;
  u16_t port;
  u16_t keepalive_s;
  bool clean_session;
  bool session_present;
  u8_t connack;     /**< last CONNACK return code */
  u8_t inflight;    /**< outgoing QoS 1/2 messages in flight */
  u8_t pending;     /**< subscribe/unsubscribe requests awaiting an answer */
  u8_t qos2_in;     /**< incoming QoS 2 ids awaiting PUBREL */
  u32_t backoff_ms; /**< the next reconnection wait */
  u32_t next_in_ms; /**< until the next timer (ping, timeout, reconnect); 0: none */
  struct mqtt_stats stats;
};

/**
 * Start @p c: copy @p cfg, encode the CONNECT packet and open the TCP
 * connection (CONNECT goes when it is established).
 * @return ERR_OK: connecting (events follow);
 *         ERR_ARG: NULL argument, @p c already started, a bad address, an
 *         empty client id without clean_session, a client id, user name,
 *         password or will topic too long or invalid, a will QoS above 2,
 *         a password without a user name, max_incoming below the minimum;
 *         ERR_MEM: no heap for the buffers or no TCP PCB.
 *         A failed tcp_connect() is not an error: the client retries after
 *         the reconnect wait.  On any error nothing stays allocated.
 */
err_t mqtt_connect(struct mqtt_client *c, const struct mqtt_config *cfg);

/**
 * Send DISCONNECT (when connected) and close; pending requests end with
 * ERR_ABRT, everything is freed and @p c is zeroed.  The broker does not
 * publish the will after a DISCONNECT (3.14.4).  Does nothing on a zeroed
 * client.
 */
void mqtt_disconnect(struct mqtt_client *c);

/**
 * Publish @p len bytes of @p payload on @p topic.  QoS 0 goes out at once
 * and @p done is never called; QoS 1/2 is queued in the in-flight window
 * and @p done runs when its flow completes (or fails, see mqtt_done_fn).
 * @return ERR_OK; ERR_ARG: bad topic (empty, over 65535 bytes, a wildcard
 *         or NUL), QoS above 2, packet over 65535 bytes; ERR_CONN: not
 *         connected; ERR_WOULDBLOCK: the in-flight window is full;
 *         ERR_MEM: no heap or (QoS 0) no room in the send buffer.
 */
err_t mqtt_publish(struct mqtt_client *c, const char *topic, const void *payload, u16_t len, u8_t qos, bool retain,
                   mqtt_done_fn done, void *done_arg);

/**
 * Subscribe to @p filter (wildcards + and # allowed where 4.7.1 allows
 * them) at @p qos; @p done gets the SUBACK code.
 * @return ERR_OK; ERR_ARG: bad filter or QoS; ERR_CONN: not connected;
 *         ERR_WOULDBLOCK: MQTT_MAX_PENDING requests outstanding already;
 *         ERR_MEM: no room in the send buffer.
 */
err_t mqtt_subscribe(struct mqtt_client *c, const char *filter, u8_t qos, mqtt_done_fn done, void *done_arg);

/** Unsubscribe from @p filter; return codes as mqtt_subscribe(). */
err_t mqtt_unsubscribe(struct mqtt_client *c, const char *filter, mqtt_done_fn done, void *done_arg);

/** Whether @p c was started (connected or trying to be). */
bool mqtt_running(const struct mqtt_client *c);

/** Fill @p info (state "off" and zeros when @p c is not running). */
void mqtt_get_info(const struct mqtt_client *c, struct mqtt_info *info);

/** Name of an enum mqtt_state. */
const char *mqtt_state_name(u8_t state);

/** Whether @p filter is a valid topic filter (non-empty, '+' alone in its
 *  level, '#' alone and last; 4.7.1). */
bool mqtt_filter_valid(const char *filter, size_t len);

/** Encode @p v as a remaining length into @p out (4 bytes room).
 *  @return the bytes written, 0 when @p v is over MQTT_REMAINING_MAX. */
u8_t mqtt_varint_encode(u32_t v, u8_t *out);

/** Decode a remaining length from @p n bytes at @p in.
 *  @return the bytes it took (1..4); 0: more bytes needed; -1: malformed
 *  (a continuation bit on the fourth byte). */
int mqtt_varint_decode(const u8_t *in, u32_t n, u32_t *v);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_TCP */
#endif /* LWIP_APPS_MQTT_H */
