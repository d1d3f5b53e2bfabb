/*
 * Shared TCP fixture for the cmocka TCP suites (built on test_common.h).
 *
 * The test plays the peer 10.0.0.1 talking to our stack at 10.0.0.2 on a
 * fake Ethernet netif.  A static ARP entry for the peer keeps ARP traffic
 * out of the way, so every frame the stack sends towards the peer is an
 * IPv4 packet the parser below can read.
 *
 * Segments from the peer are built here, byte by byte, with a checksum
 * computed independently of the code under test; segments the stack sends
 * are parsed here too, and their IP and TCP checksums verified.
 *
 * A struct tt_conn is the peer's view of one connection: the sequence
 * numbers both sides are at, the options agreed, the peer's timestamp
 * clock.  tt_send() and tt_expect_seg() move it along, so most cases read
 * as a dialogue; tt_inject() and tt_expect() take explicit numbers for the
 * cases that need exact, unusual values.
 *
 * Register cases with cmocka_unit_test_setup_teardown(fn, tt_setup,
 * tt_teardown): tt_setup runs test_setup and brings up the netif;
 * tt_teardown frees whatever PCBs the case left, then runs test_teardown
 * (which fails on any leak).
 */
#ifndef TEST_TCP_COMMON_H
#define TEST_TCP_COMMON_H

#include "test_common.h"

#include <stdbool.h>

#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"

#if LWIP_TCP

#define TT_OUR_IP "10.0.0.2"
#define TT_PEER_IP "10.0.0.1"
#define TT_MASK "255.255.255.0"
#define TT_GW "10.0.0.254"
/** Port of the listener setup_listen()/setup_established_passive() use. */
#define TT_LISTEN_PORT 80U
/** Port the active fixtures connect to on the peer. */
#define TT_PEER_LISTEN_PORT 8080U
/** Peer's ISN unless a case asks for another. */
#define TT_PEER_ISN 0x10000000UL
/** MSS the peer announces in its SYN. */
#define TT_PEER_MSS 1460U
/** Window shift the peer announces when it offers window scaling. */
#define TT_PEER_WS 7U

/* ---- options of a segment (built or parsed) ---- */
struct tt_opts {
  bool has_mss, has_ws, sack_perm, has_ts;
  u16_t mss;
  u8_t ws;
  u32_t tsval, tsecr;
  u8_t nsack;
  u32_t sack[4][2];
};

/** Option sets a fixture's peer offers in its SYN (MSS is always sent). */
#define TT_OPT_NONE 0x00U
#define TT_OPT_WS 0x01U
#define TT_OPT_SACK 0x02U
#define TT_OPT_TS 0x04U
#define TT_OPT_ALL (TT_OPT_WS | TT_OPT_SACK | TT_OPT_TS)
/** The options this build of the stack has (tcp_wscale, tcp_sack,
 *  tcp_timestamps): a fixture's peer offers what its case asks for, and
 *  the connection uses what both sides have. */
#define TT_OPT_BUILT                                                                                                   \
  ((LWIP_TCP_WSCALE ? TT_OPT_WS : 0U) | (LWIP_TCP_SACK ? TT_OPT_SACK : 0U) | (LWIP_TCP_TIMESTAMPS ? TT_OPT_TS : 0U))
/** Skip the running case (cmocka) unless the build has @p feature: for
 *  cases about an optional feature.  Call it before any fixture. */
#define TT_NEEDS(feature)                                                                                              \
  do {                                                                                                                 \
    if (!(feature)) {                                                                                                  \
      skip();                                                                                                          \
    }                                                                                                                  \
  } while (0)

/* ---- one segment the stack sent, parsed ---- */
#define TT_MAX_DATA 2048
struct tt_seg {
  u32_t src, dst;           /**< IP addresses, network order */
  u8_t ttl;
  u8_t tos;                 /**< IP TOS octet (its low two bits: ECN, RFC 3168 5) */
  u16_t sport, dport;
  u32_t seq, ack;
  u8_t flags;
  u16_t wnd;                /**< window field as sent */
  u8_t hlen;                /**< TCP header length, bytes */
  struct tt_opts opt;
  u16_t len;                /**< data bytes */
  u8_t data[TT_MAX_DATA];   /**< first TT_MAX_DATA data bytes */
};

/* ---- the peer's view of a connection ---- */
struct tt_conn {
  struct tcp_pcb *pcb;      /**< our PCB (NULL once the stack freed it) */
  u16_t our_port, peer_port;
  u32_t peer_iss, peer_nxt; /**< peer's ISN and next sequence number to send */
  u32_t our_iss, our_nxt;   /**< our ISN and the next sequence number we expect from the stack */
  u16_t peer_wnd;           /**< window field the peer sends (scaled by peer_ws when WS is agreed) */
  unsigned opts;            /**< TT_OPT_* the peer offered */
  bool ws, sack, ts;        /**< what was agreed (both sides offered) */
  u32_t peer_ts;            /**< the peer's timestamp clock (TSval of its next segment) */
  u32_t our_ts;             /**< latest TSval the stack sent (the peer echoes it) */
};

/* ---- app-side recorders ---- */
#define TT_REC_MAX 65536
struct tt_rec {
  u8_t data[TT_REC_MAX];    /**< bytes delivered to the recv callback, in order */
  u32_t len;
  int nrecv;                /**< recv calls with data */
  int nfin;                 /**< recv calls with p == NULL */
  err_t recv_ret;           /**< what the recv callback returns (ERR_OK: takes the data) */
  int nsent;
  u32_t sent_total;         /**< sum of the sent callback's len */
  int nerr;
  err_t err;                /**< last error given to the err callback */
  int nerr_while_pcb_live;  /**< err calls while the PCB was still in a table (must stay 0) */
  int naccept;
  struct tcp_pcb *accepted; /**< last PCB handed to the accept callback */
  err_t accept_err;
  err_t accept_ret;         /**< ERR_OK: keep it; ERR_ABRT: tcp_abort it and return ERR_ABRT */
  int nconnected;
  err_t connected_err;
  struct tcp_pcb *err_pcb;  /**< arg of the last err call: the (freed) PCB, as tt_attach sets it */
};
extern struct tt_rec tt_rec;

/** The fake netif the fixture uses (our address TT_OUR_IP). */
extern struct test_netif tt_tn;
extern struct netif *tt_nif;

/* ---- setup / teardown ---- */
int tt_setup(void **state);
int tt_teardown(void **state);
/** Free every PCB and listener left (no RST, no callbacks).  @return how many. */
int tt_cleanup(void);
/** Active (non-listening) PCBs in the stack's tables. */
int tt_pcb_count(void);
/** Whether @p pcb is still one of the stack's active PCBs. */
bool tt_pcb_alive(const struct tcp_pcb *pcb);

/* ---- callbacks (recorders) ---- */
err_t tt_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
err_t tt_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len);
void tt_err_cb(void *arg, err_t err);
err_t tt_accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err);
err_t tt_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err);
/** Install recv/sent/err recorders on @p pcb. */
void tt_attach(struct tcp_pcb *pcb);
/** Assert the err callback ran exactly once, with @p err, and only after
 *  the stack had taken the PCB out of its tables. */
void tt_expect_err_once_at(const char *file, int line, err_t err);
#define tt_expect_err_once(err) tt_expect_err_once_at(__FILE__, __LINE__, (err))

/* ---- building segments from the peer ---- */
/** The peer's address, TT_PEER_IP (for tcp_connect). */
const ip_addr_t *tt_peer_addr(void);
/** Write a TCP header (with options) and @p len bytes of @p data into @p buf
 *  with a correct checksum for the pseudo header @p src -> @p dst.
 *  @return its length. */
size_t tt_build(u8_t *buf, const char *src, const char *dst, u16_t sport, u16_t dport, u8_t flags, u32_t seq,
                u32_t ack, u16_t wnd, const struct tt_opts *opt, const void *data, u16_t len);
/** TOS octet of the IP header of every segment injected from now on
 *  (0 again at tt_setup); e.g. IP_ECN_CE to play a congested router. */
extern u8_t tt_inject_tos;
/** Deliver a segment from the peer (TT_PEER_IP:@p sport) to us (:@p dport). */
void tt_inject_raw(u16_t sport, u16_t dport, u8_t flags, u32_t seq, u32_t ack, u16_t wnd,
                   const struct tt_opts *opt, const void *data, u16_t len);
/** Make the @p n-th allocation (1 = the first) the stack makes while
 *  processing the next injected segment fail (one-shot; needs
 *  LWIP_TEST_HOOKS).  The hook is disarmed after that segment. */
void tt_fail_next_inject(u32_t n);
/** As tt_inject_raw for @p c's ports, adding the timestamp option when @p c
 *  uses timestamps and @p opt is NULL.  Does not change @p c. */
void tt_inject(struct tt_conn *c, u8_t flags, u32_t seq, u32_t ack, const struct tt_opts *opt, const void *data,
               u16_t len);
/** The peer sends @p flags with @p len bytes at peer_nxt, acknowledging
 *  our_nxt, window peer_wnd (timestamps when agreed); peer_nxt advances
 *  by the data and SYN/FIN, and the peer's TS clock ticks. */
void tt_send(struct tt_conn *c, u8_t flags, const void *data, u16_t len);
/** Standard options of a connection's segment (TS when agreed). */
void tt_conn_opts(struct tt_conn *c, struct tt_opts *o);
/** Fill @p o with the SYN options @p opts asks for (MSS always). */
void tt_syn_opts(struct tt_opts *o, unsigned opts, u32_t tsval);

/* ---- reading what the stack sent ---- */
/** Pop the next TCP segment the stack sent (non-IPv4 frames are skipped;
 *  a non-TCP IPv4 frame or a bad checksum fails the test).
 *  @return false when nothing was sent. */
bool tt_pop(struct tt_seg *out);
/** Number of frames (any kind) captured and not popped. */
int tt_pending(void);
bool tt_expect_at(const char *file, int line, u8_t flags, u32_t seq, u32_t ack, struct tt_seg *out);
bool tt_expect_seg_at(const char *file, int line, struct tt_conn *c, u8_t flags, u16_t len, struct tt_seg *out);
void tt_expect_nothing_at(const char *file, int line);
/** Assert the next segment has exactly @p flags, @p seq and @p ack. */
#define tt_expect(flags, seq, ack, out) tt_expect_at(__FILE__, __LINE__, (flags), (seq), (ack), (out))
/** Assert the next segment is @p c's next one: @p flags, seq == our_nxt,
 *  ack == peer_nxt, @p len data bytes, right ports; our_nxt advances and
 *  our_ts is remembered. */
#define tt_expect_seg(c, flags, len, out) tt_expect_seg_at(__FILE__, __LINE__, (c), (flags), (len), (out))
/** Assert the stack sent nothing. */
#define tt_expect_nothing() tt_expect_nothing_at(__FILE__, __LINE__)

/* ---- state fixtures ---- */
/** A listener on @p port with the accept recorder (backlog @p backlog,
 *  0: default).  Kept in tt_listener. */
struct tcp_pcb *setup_listen(u16_t port, u8_t backlog);
extern struct tcp_pcb *tt_listener;
/** Prepare @p c for a new connection: fresh peer port, ISN @p peer_iss,
 *  options @p opts.  The setup_* functions call it; cases that drive the
 *  handshake themselves use it directly. */
void tt_conn_init(struct tt_conn *c, unsigned opts, u32_t peer_iss);
/** Peer SYN -> our SYN-ACK -> peer ACK; accepted (recorders attached).
 *  Listens on TT_LISTEN_PORT first if nobody does. */
void setup_established_passive(struct tt_conn *c, unsigned opts);
/** tcp_connect -> our SYN -> peer SYN-ACK -> our ACK; connected. */
void setup_established_active(struct tt_conn *c, unsigned opts);
/** Established (active), then tcp_close: our FIN sent. */
void setup_fin_wait_1(struct tt_conn *c, unsigned opts);
/** FIN_WAIT_1, then the peer ACKs our FIN. */
void setup_fin_wait_2(struct tt_conn *c, unsigned opts);
/** Established (active), then the peer's FIN: we ACK, recv gets NULL. */
void setup_close_wait(struct tt_conn *c, unsigned opts);
/** FIN_WAIT_1, then the peer's FIN not acknowledging ours: we ACK it. */
void setup_closing(struct tt_conn *c, unsigned opts);
/** CLOSE_WAIT, then tcp_close: our FIN sent. */
void setup_last_ack(struct tt_conn *c, unsigned opts);
/** FIN_WAIT_2, then the peer's FIN: we ACK it. */
void setup_time_wait(struct tt_conn *c, unsigned opts);

#endif /* LWIP_TCP */
#endif
