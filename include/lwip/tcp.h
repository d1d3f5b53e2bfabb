/**
 * @file tcp.h
 * TCP (RFC 9293) with lwIP's raw, callback API.
 *
 * An application creates a PCB with tcp_new(), sets callbacks with
 * tcp_arg/tcp_recv/tcp_sent/tcp_err/tcp_poll/tcp_accept, and either
 * listens (tcp_bind + tcp_listen) or connects (tcp_connect).  Everything
 * happens in callbacks from the stack's single context.
 *
 * Ownership and lifetime (as lwIP):
 *  - recv: the callback gets the data pbuf and owns it (frees it after use)
 *    when it returns ERR_OK; any other return refuses the data, which the
 *    stack keeps and offers again later.  p == NULL means the peer closed
 *    its side (FIN): the callback should tcp_close() eventually.  Call
 *    tcp_recved() as data is consumed to reopen the window.
 *  - err: called when the stack frees a PCB on its own (RST received,
 *    retransmission or keepalive timeout, out of memory); the PCB is
 *    already freed when it runs and must not be used.
 *  - tcp_abort() frees the PCB at once, sending a RST; from inside a
 *    callback, return ERR_ABRT afterwards.
 *  - tcp_close() may fail with ERR_MEM (try again later, e.g. from poll);
 *    after ERR_OK the PCB belongs to the stack.
 *
 * Return codes used throughout: ERR_OK, ERR_MEM (out of memory or send
 * buffer full: retry after the sent callback), ERR_BUF, ERR_VAL (bad
 * argument or state), ERR_USE (address in use), ERR_CONN (not connected),
 * ERR_RTE (no route), ERR_ISCONN (already connected), ERR_ARG.
 */
#ifndef LWIP_TCP_H
#define LWIP_TCP_H

#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/err.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tcp_state {
  CLOSED = 0,
  LISTEN = 1,
  SYN_SENT = 2,
  SYN_RCVD = 3,
  ESTABLISHED = 4,
  FIN_WAIT_1 = 5,
  FIN_WAIT_2 = 6,
  CLOSE_WAIT = 7,
  CLOSING = 8,
  LAST_ACK = 9,
  TIME_WAIT = 10
};

struct tcp_pcb;
struct tcp_cc_ops;
struct tcp_pcb_listen;

/** A new connection on a listener: @p newpcb is established (or NULL with
 *  @p err ERR_MEM when it could not be allocated).  Return ERR_OK to keep
 *  it; return ERR_ABRT after tcp_abort(newpcb) to refuse it. */
typedef err_t (*tcp_accept_fn)(void *arg, struct tcp_pcb *newpcb, err_t err);
/** Data arrived (see the ownership rules above).  @p p NULL: FIN. */
typedef err_t (*tcp_recv_fn)(void *arg, struct tcp_pcb *tpcb, struct pbuf *p, err_t err);
/** @p len more bytes were acknowledged (send buffer space freed). */
typedef err_t (*tcp_sent_fn)(void *arg, struct tcp_pcb *tpcb, u16_t len);
/** Called every pollinterval * 500 ms while the connection lives. */
typedef err_t (*tcp_poll_fn)(void *arg, struct tcp_pcb *tpcb);
/** The PCB was freed by the stack: ERR_ABRT (aborted: out of memory or a
 *  timeout), ERR_RTE (given up, by a timeout, after an ICMP error said the
 *  peer was unreachable: RFC 1122 4.2.3.9, RFC 5461 4; or a hard ICMP
 *  error in SYN_SENT), ERR_RST (reset by the peer, or port unreachable in
 *  SYN_SENT) or ERR_CLSD (closed). */
typedef void (*tcp_err_fn)(void *arg, err_t err);
/** tcp_connect(): the connection is established (err ERR_OK). */
typedef err_t (*tcp_connected_fn)(void *arg, struct tcp_pcb *tpcb, err_t err);

/** tcp_write() flags */
#define TCP_WRITE_FLAG_COPY 0x01U /**< copy the data (else it must stay valid until acknowledged) */
#define TCP_WRITE_FLAG_MORE 0x02U /**< more data follows: no PSH, Nagle may wait */

/** Priorities for tcp_setprio() (lwIP's): a low-priority PCB is aborted
 *  first when PCBs run out. */
#define TCP_PRIO_MIN 1
#define TCP_PRIO_NORMAL 64
#define TCP_PRIO_MAX 127

/** Members every TCP PCB, listening or not, starts with: the head, then
 *  eight bytes of the type's own, then the tail.  On Thumb-2 a 16-bit load
 *  or store reaches a byte only at offsets 0..31, so a connection keeps
 *  its most used one-byte fields there; core/tcp.c checks that the tail
 *  lies at the same offsets in both types, as code given either reads it. */
#define TCP_PCB_COMMON_HEAD                                                                                            \
  IP_PCB;                                                                                                              \
  enum tcp_state state;                                                                                                \
  u8_t prio;                                                                                                           \
  u16_t local_port
#define TCP_PCB_COMMON_TAIL(type)                                                                                      \
  type *next;                                                                                                          \
  void *callback_arg

/** A listening PCB: small, because a server may listen on many ports. */
struct tcp_pcb_listen {
  TCP_PCB_COMMON_HEAD;
  u8_t backlog;         /**< most connections not yet accepted */
  u8_t accepts_pending; /**< connections handed over or being set up */
  u8_t ecn_mode;        /**< enum tcp_ecn_mode its connections take (from the PCB at tcp_listen) */
  u32_t cookies_until;  /**< SYN cookies answered until then (sys_now); 0 = none recently */
  TCP_PCB_COMMON_TAIL(struct tcp_pcb_listen);
  tcp_accept_fn accept;
};

struct tcp_seg;

/** A connection.  Fields are the stack's; applications read state,
 *  local/remote addresses and ports, and use the accessor functions. */
struct tcp_pcb {
  TCP_PCB_COMMON_HEAD;
  /* The one-byte fields used most, where 16-bit loads reach them (their
   * groups below name them too). */
  u8_t nrtx;            /**< retransmissions of the oldest segment */
  u8_t dupacks;         /**< duplicate ACKs in a row (RFC 5681 3.2) */
  u8_t lt_segs;         /**< cwnd lent to limited transmit (RFC 3042), segments */
  u8_t delack_segs;     /**< full segments received since our last ACK */
  u8_t persist_backoff; /**< the persist timer's interval doubled that often */
  u8_t snd_scale;       /**< the peer's window shift */
  u8_t keep_cnt_sent;   /**< keepalive probes sent unanswered */
  bool soft_err;        /**< soft_icmp_type and soft_icmp_code hold an error */
  TCP_PCB_COMMON_TAIL(struct tcp_pcb);
  /* What the per-segment paths (tcp_input, tcp_output, the ACK and timer
   * code) read most comes next, up to the union of timer deadlines: on
   * Thumb-2 a 16-bit load or store reaches only words 0..124 bytes past
   * its base (halfwords 0..62, bytes 0..31), and every field beyond takes
   * a 32-bit instruction.  Rarely used and feature-only fields follow it. */
  u16_t remote_port;
  u16_t mss;             /**< our send MSS (peer's MSS, route-clamped) */
  u32_t flags;           /**< TF_* (tcp_priv.h) */
  u16_t snd_queuelen;    /**< pbufs queued for sending */
  u16_t rcv_mss;         /**< the MSS we announced */
  struct tcp_pcb *hnext; /**< next in the 4-tuple hash bucket (every segment's lookup walks it) */

  /* receiver */
  u32_t rcv_nxt;             /**< next sequence number expected */
  u32_t rcv_wnd;             /**< bytes of window we may advertise */
  u32_t rcv_ann_right_edge;  /**< rcv_nxt + rcv_ann_wnd when last sent */
  struct pbuf *refused_data; /**< data the recv callback refused */

  /* sender */
  u32_t snd_una;                /**< oldest unacknowledged sequence number */
  u32_t snd_nxt;                /**< next sequence number to send */
  u32_t snd_max;                /**< highest sequence number sent + 1 */
  u32_t snd_lbb;                /**< sequence number of the next byte buffered */
  u32_t snd_wnd;                /**< peer's window (scaled) */
  u32_t cwnd;                   /**< congestion window (RFC 5681; see congestion control below) */
  struct tcp_seg *unsent;       /**< queued, not yet sent */
  struct tcp_seg *unsent_tail;
  struct tcp_seg *unacked;      /**< sent, not yet acknowledged */
  struct tcp_seg *unacked_tail; /**< last of unacked (appending is O(1)) */

  u32_t rto; /**< retransmission timeout, ms (RFC 6298) */
  /* Timer deadlines (sys_now() values, 0 = not armed), side by side so
   * that the timer wheel finds the earliest in one loop over due[]; the
   * most used first, as the last ones lie past the first 128 bytes. */
  union {
    struct {
      u32_t rto_due, keep_due, persist_due, delack_due, tw_due, poll_due, refused_due;
      u32_t giveup_due; /**< when the give-up limits abort it (tcp_set_limits) */
#if LWIP_TCP_RACK
      u32_t rack_due, tlp_due; /**< reordering timer, probe timeout (PTO) */
#endif
    };
    u32_t due[8 + 2 * LWIP_TCP_RACK];
  };

  /* the other lists the PCB is on (core/tcp.c) */
#if LWIP_TCP_RX_BATCH
  struct tcp_pcb *batch_next; /**< next PCB owing an ACK at the end of a receive batch */
#endif
#if LWIP_TCP_TIMER_WHEEL
  struct tcp_pcb *tnext, *tprev; /**< timer wheel slot list */
  u32_t timer_due;               /**< sys_now() of the earliest pending timer */
  u16_t tslot;                   /**< wheel slot, meaningful while timer_due is not 0 (in the wheel) */
#else
  struct tcp_pcb *tnext; /**< next in the list of PCBs with a timer (while timer_due is not 0) */
  u32_t timer_due;       /**< sys_now() of the earliest pending timer */
  u32_t trun;            /**< sys_now() its timers run at: timer_due rounded up to a 10 ms tick */
#endif

  /* receiver, continued (delack_segs is at the top) */
  u16_t ooseq_segs;  /**< segments in the out-of-order queue */
  u8_t rcv_scale;    /**< our window shift (RFC 7323 2) */
  u32_t rcv_ann_wnd; /**< window last advertised */
  u32_t ooseq_bytes;
  struct tcp_seg *ooseq;    /**< out-of-order segments, sorted */
  struct tcp_seg *rcv_held; /**< in-order data acknowledged while the application refused data,
                                     delivered after refused_data (never non-empty without it) */
#if !LWIP_TCP_OOSEQ
  u32_t rcv_gap_end; /**< end of the furthest segment dropped beyond RCV.NXT (while TF_RCV_GAP) */
#endif
#if LWIP_TCP_SACK            /* a build without SACK never sends blocks: 40 bytes less a PCB */
  u32_t sack_recent;     /**< start of the latest out-of-order segment (first SACK block, RFC 2018 4) */
  u32_t sack_sent[3][2]; /**< SACK blocks of our last ACK, most recent first (repeated, RFC 2018 4) */
  u32_t dsack[2];        /**< duplicate range [l, r) to report first in the next ACK (D-SACK,
                                     RFC 2883); none while l == r */
  u8_t sack_nsent;
#endif

  /* sender, continued (snd_scale and persist_backoff are at the top) */
  u32_t snd_wnd_max;
  u32_t snd_wl1, snd_wl2; /**< segment seq/ack of the last window update */
  u32_t snd_buf;          /**< free send buffer bytes */
#if LWIP_TCP_MEM_BUDGET
  u32_t mem_tx, mem_rx; /**< bytes this PCB holds in the global budgets (tcp_mem_sync) */
#endif
  u32_t stall_since;  /**< sys_now() since when sending made no progress; 0 = not stalled */
  u32_t user_timeout; /**< this connection's user timeout in ms (RFC 5482); 0 = the default */

  /* round-trip time and retransmission (RFC 6298; rto and nrtx are above) */
  u32_t srtt8;     /**< smoothed RTT in ms, times 8 (0: no sample yet) */
  u32_t rttvar4;   /**< RTT variance in ms, times 4 */
  u32_t rtt_seq;   /**< sequence number being timed (Karn) */
  u32_t rtt_start; /**< when it was sent; 0 = not timing */
  u32_t rtx_total; /**< segments retransmitted over the connection's life (kept with timestamps, RACK or stats) */

  /* congestion control (RFC 5681, RFC 6582, RFC 6675; CUBIC, RFC 9438;
   * cwnd, dupacks and lt_segs are above) */
#if LWIP_TCP_CUBIC /* with NewReno alone there is no choice, and no table (TCP_CC) */
  const struct tcp_cc_ops *cc; /**< the controller (tcp_set_congestion) */
#endif
  u32_t ssthresh;
  u32_t bytes_acked;  /**< appropriate byte counting (RFC 3465) */
  u32_t recover;      /**< NewReno/SACK recovery point */
  u32_t sacked_bytes; /**< bytes SACKed above snd_una */
  u32_t cc_wmax;      /**< CUBIC W_max, bytes (0: no congestion event yet) */
  u32_t cc_k_ms;      /**< CUBIC K: time to grow back to W_max */
  u32_t cc_epoch;     /**< CUBIC: start of this congestion-avoidance epoch (sys_now | 1; 0 = none) */
  u32_t cc_west;      /**< CUBIC W_est, the Reno-friendly window, bytes */
  /* HyStart++ (RFC 9406 4.2): slow start ends on a rise in the round's
   * minimum RTT, through conservative slow start (CSS) */
  u8_t hs_phase;       /**< TCP_HS_* (tcp_priv.h) */
  u8_t hs_css_rounds;  /**< rounds ended in CSS (CSS_ROUNDS ends it) */
  u8_t hs_samples;     /**< rttSampleCount of this round (saturates at 255) */
  u32_t hs_window_end; /**< windowEnd: the round ends when SND.UNA reaches it */
  u32_t hs_last_min;   /**< lastRoundMinRTT, ms (UINT32_MAX: none) */
  u32_t hs_cur_min;    /**< currentRoundMinRTT, ms (UINT32_MAX: none) */
  u32_t hs_css_base;   /**< cssBaselineMinRtt, ms (UINT32_MAX: none) */

  /* ECN (RFC 3168); see core/tcp_ecn.c */
  u32_t ecn_recover;    /**< snd_max at the last ECE reduction: none again until acked past it */
  u32_t ecn_ce_rcvd;    /**< data segments received with CE */
  u32_t ecn_reductions; /**< cwnd reductions for ECE */
  u8_t ecn_mode;        /**< enum tcp_ecn_mode: what it asks for or accepts (fixed at the handshake) */
  u8_t ecn;             /**< TCP_ECN_* state bits (tcp_priv.h); in SYN_RCVD only TCP_ECN_OK,
                                     the per-handshake bit a SYN-queue entry would carry */
#if LWIP_TCP_RACK
  /* RACK-TLP (RFC 8985) and PRR (RFC 6937), core/tcp_rack.c */
  u32_t rack_xmit_ms;         /**< RACK.xmit_ts: send time of the most recently sent segment delivered */
  u32_t rack_order;           /**< its transmission number (tcp_seg.xmit_order): RACK.end_seq's role */
  u32_t xmit_count;           /**< segments transmitted, numbering them in order */
  u32_t rack_rtt;             /**< RACK.rtt: its round-trip time, ms */
  u32_t rack_min_rtt;         /**< RACK.min_RTT, ms (0xffffffff: no sample yet) */
  u32_t rack_fack;            /**< RACK.fack: highest end delivered before this ACK */
  u32_t rack_fack_next;       /**< the same, grown by this ACK (made current when it is done) */
  u32_t rack_dsack_round;     /**< RACK.dsack_round: snd_nxt when the window last grew for a D-SACK */
  u32_t tlp_seq, tlp_end_seq; /**< what the outstanding loss probe covers (TLP.end_seq) */
  u32_t prr_delivered, prr_out, prr_recover_fs; /**< PRR's counters for this recovery */
  u32_t rack_lost_total;                        /**< segments RACK marked lost */
  u32_t tlp_total;                              /**< loss probes sent */
  u32_t tlp_repaired;                           /**< probes that repaired a loss (congestion response taken) */
  u32_t dsack_total;                            /**< D-SACKs received: spurious retransmissions (RFC 3708) */
  u8_t rack_flags;                              /**< RACK_* (tcp_priv.h) */
  u8_t rack_reo_mult;                           /**< RACK.reo_wnd_mult */
  u8_t rack_reo_persist; /**< RACK.reo_wnd_persist: recoveries left before the window shrinks back */
#endif
  /* trace events (tcp_trace.h): what this connection's last events
   * reported, so a CWND event is sent only on a change.  Kept in every
   * build, so the PCB's layout does not depend on the tcp_trace option. */
  u8_t trace_recovery; /**< enum tcp_trace_reason of the recovery in progress (0: none) */
  u32_t trace_cwnd, trace_ssthresh;

  /* timestamps (RFC 7323) */
  u32_t ts_offset;     /**< random offset of our TSval */
  u32_t ts_recent;     /**< latest TSval from the peer to echo */
  u32_t ts_recent_age; /**< when ts_recent was taken (PAWS 24-day rule) */
  u32_t last_ack_sent;

  /* listener that created this PCB (SYN_RCVD until accepted) */
  struct tcp_pcb_listen *listener;

  /* callbacks */
  tcp_recv_fn recv;
  tcp_sent_fn sent;
  tcp_err_fn errf;
  tcp_poll_fn poll;
  tcp_connected_fn connected;
  u8_t pollinterval; /**< in 500 ms units */

  /* The last soft ICMP error (RFC 5461 4): kept for the application and
   * reported if the connection times out; cleared by any acceptable ACK,
   * as the peer is then evidently reachable.  soft_err, which says the
   * two hold one, is at the top. */
  u8_t soft_icmp_type, soft_icmp_code; /**< ICMP or ICMPv6 type and code (the family is remote_ip's) */

  /* keepalive (RFC 9293 3.8.4; keep_cnt_sent is at the top) */
  u8_t keep_cnt;
  u32_t keep_idle, keep_intvl; /**< ms */
};

/* ---- PCBs ---- */
/** @return a new PCB in CLOSED, or NULL (TCP_PCB pool empty, even after
 *  freeing the lowest-priority idle connection). */
struct tcp_pcb *tcp_new(void);
struct tcp_pcb *tcp_new_ip_type(u8_t type);
void tcp_arg(struct tcp_pcb *pcb, void *arg);
void tcp_recv(struct tcp_pcb *pcb, tcp_recv_fn recv);
void tcp_sent(struct tcp_pcb *pcb, tcp_sent_fn sent);
void tcp_err(struct tcp_pcb *pcb, tcp_err_fn err);
void tcp_poll(struct tcp_pcb *pcb, tcp_poll_fn poll, u8_t interval);
/** For a listening PCB (as returned by tcp_listen). */
void tcp_accept(struct tcp_pcb *pcb, tcp_accept_fn accept);
void tcp_setprio(struct tcp_pcb *pcb, u8_t prio);

/** Bind to @p ipaddr (NULL/any: every address) and @p port (0: random
 *  ephemeral port, RFC 6056).  @return ERR_OK, ERR_USE, ERR_VAL (not CLOSED)
 *  or ERR_BUF (no free port). */
err_t tcp_bind(struct tcp_pcb *pcb, const ip_addr_t *ipaddr, u16_t port);
/** Start listening.  Frees @p pcb and returns a (smaller) listening PCB
 *  carrying its callbacks, or NULL on failure (@p pcb untouched). */
struct tcp_pcb *tcp_listen_with_backlog_and_err(struct tcp_pcb *pcb, u8_t backlog, err_t *err);
struct tcp_pcb *tcp_listen_with_backlog(struct tcp_pcb *pcb, u8_t backlog);
#define tcp_listen(pcb) tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG)
/** Tell the listener its application accepted one connection (only needed
 *  with a backlog, as in lwIP; the accept callback returning ERR_OK does it). */
void tcp_backlog_accepted(struct tcp_pcb *pcb);
/** Open a connection: send a SYN.  @p connected runs when it is
 *  established.  @return ERR_OK (SYN queued), ERR_ISCONN, ERR_VAL, ERR_RTE,
 *  ERR_MEM, ERR_BUF, ERR_USE. */
err_t tcp_connect(struct tcp_pcb *pcb, const ip_addr_t *ipaddr, u16_t port, tcp_connected_fn connected);

/* ---- data ---- */
/** Queue @p len bytes (copied with TCP_WRITE_FLAG_COPY).  Sends nothing by
 *  itself unless Nagle allows; call tcp_output() to push.  @return ERR_OK,
 *  ERR_MEM (send buffer or queue full: wait for the sent callback), ERR_CONN
 *  (not in a state that can send), ERR_ARG. */
err_t tcp_write(struct tcp_pcb *pcb, const void *dataptr, u16_t len, u8_t apiflags);
/** Send what the windows allow.  @return ERR_OK or ERR_RTE/ERR_MEM. */
err_t tcp_output(struct tcp_pcb *pcb);
/** The application consumed @p len bytes: open the window by that much. */
void tcp_recved(struct tcp_pcb *pcb, u16_t len);
/** Heap bytes TCP data never takes (tcp_write), budgets built or not: the
 *  rest of the heap is for headers, ACKs, ARP and ICMP. */
#define TCP_MEM_HEAP_RESERVE ((u32_t)(MEM_SIZE) / 8U)
/** TCP's share of the memory budgets (docs/architecture.md, "Memory
 *  budgets"): what all connections hold, the budgets, and how often they
 *  held a connection back. */
struct tcp_mem_info {
  u32_t tx_bytes, tx_budget;    /**< send-queue bytes held (heap) and their budget */
  u32_t rx_bytes, rx_budget;    /**< received bytes held (PBUF_POOL) and their budget */
  u32_t tx_floor, rx_floor;     /**< bytes each connection may hold past a budget */
  u32_t heap_reserve;           /**< heap bytes TCP data never takes */
  u32_t tx_limited, rx_limited; /**< tcp_write refusals / window clamps by a budget */
};
#if LWIP_TCP_MEM_BUDGET
/** Fill @p info (never fails). */
void tcp_mem_get_info(struct tcp_mem_info *info);

/** Bytes tcp_write() takes now: the free send buffer, less what the
 *  global send budget withholds under memory pressure (tcp_mem_info). */
u32_t tcp_snd_room(const struct tcp_pcb *pcb);
#else
/* A build without the budgets (meson option tcp_mem_budget, off in the
 * minimal profile) bounds each connection only by tcp_snd_buf, tcp_wnd
 * and the pools, as lwIP does.  tcp_mem_get_info() then answers zeros
 * (nothing is counted, no budget is in force) but for heap_reserve, which
 * tcp_write keeps either way, and tcp_snd_room() is the free send buffer. */
static inline void tcp_mem_get_info(struct tcp_mem_info *info)
{
  *info = (struct tcp_mem_info){.heap_reserve = TCP_MEM_HEAP_RESERVE};
}
static inline u32_t tcp_snd_room(const struct tcp_pcb *pcb)
{
  return pcb->snd_buf;
}
#endif
/** Free send buffer bytes (as tcp_snd_room, at most 65535) / pbufs. */
#define tcp_sndbuf(pcb) ((u16_t)LWIP_MIN(tcp_snd_room(pcb), 0xffffU))
#define tcp_sndqueuelen(pcb) ((pcb)->snd_queuelen)
#define tcp_mss(pcb) ((pcb)->mss)
#define tcp_nagle_disable(pcb) ((pcb)->flags |= TF_NODELAY)
#define tcp_nagle_enable(pcb) ((pcb)->flags &= ~TF_NODELAY)
#define tcp_nagle_disabled(pcb) (((pcb)->flags & TF_NODELAY) != 0)
#define TF_NODELAY 0x0040U

/* ---- closing ---- */
/** Close both directions (send FIN after queued data).  @return ERR_OK or
 *  ERR_MEM (retry later).  Data arriving afterwards is answered with RST. */
err_t tcp_close(struct tcp_pcb *pcb);
/** Close one or both directions.  @return as tcp_close, ERR_CONN when not
 *  connected. */
err_t tcp_shutdown(struct tcp_pcb *pcb, int shut_rx, int shut_tx);
/** Send RST and free the PCB now (the err callback is called). */
void tcp_abort(struct tcp_pcb *pcb);

/* ---- keepalive (per PCB; SO_KEEPALIVE is ip_set_option(pcb, SOF_KEEPALIVE)) ---- */
void tcp_keepalive(struct tcp_pcb *pcb, u32_t idle_ms, u32_t intvl_ms, u8_t count);

/* ---- introspection (lwipctl tcp.list, gdb) ---- */
/** The state's name ("ESTABLISHED"), "?" when out of range.  The names
 *  are built with debug_log (LWIP_DEBUG); without it the state's number
 *  ("4"). */
const char *tcp_state_name(enum tcp_state s);
/** Call @p fn for every active (non-listening) PCB, then every listener. */
void tcp_foreach(void (*fn)(struct tcp_pcb *pcb, void *arg), void (*lfn)(struct tcp_pcb_listen *l, void *arg),
                 void *arg);
/** One connection as `ss -ti` shows it: a snapshot taken by
 *  tcp_get_info(), so code outside the core never reads the PCB's private
 *  fields or TF_* flags.  Byte counts are bytes; times are milliseconds. */
struct tcp_conn_info {
  enum tcp_state state;
  ip_addr_t local_ip, remote_ip;
  u16_t local_port, remote_port;
  /* sequence space */
  u32_t snd_una, snd_nxt, rcv_nxt;
  /* queues */
  u32_t send_q;      /**< buffered and not yet acknowledged (snd_lbb - snd_una) */
  u32_t unsent;      /**< buffered and not yet sent (snd_lbb - snd_nxt) */
  u32_t recv_q;      /**< received, refused by the recv callback, offered again later */
  u32_t ooseq_bytes; /**< out-of-order queue */
  u16_t ooseq_segs;
  u16_t snd_queuelen; /**< pbufs queued for sending */
  /* windows and buffers */
  u32_t snd_wnd, rcv_wnd;
  u32_t snd_buf;  /**< free send buffer bytes */
  u32_t snd_room; /**< what tcp_write() takes now (tcp_snd_room()) */
  u16_t mss;      /**< send MSS */
  u16_t rcv_mss;  /**< the MSS we announced */
  /* congestion control and loss recovery */
  const char *congestion; /**< the controller, "newreno" or "cubic" (static string) */
  u32_t cwnd, ssthresh;
  u32_t cubic_wmax; /**< CUBIC W_max, bytes (0: newreno, or no congestion event yet) */
  u32_t cubic_k_ms; /**< CUBIC K */
  /** Where the window grows: "slow_start", "css" (HyStart++'s conservative
   *  slow start, RFC 9406 4.2) or "avoidance" (cwnd >= ssthresh); static. */
  const char *ss_phase;
  bool hystart;  /**< HyStart++ watches this slow start (RFC 9406 4.3: the first one only) */
  u32_t srtt8;   /**< smoothed RTT times 8 (0: no sample yet) */
  u32_t rttvar4; /**< RTT variance times 4 */
  u32_t rto_ms;
  u8_t retransmits;        /**< of the oldest unacknowledged segment */
  u32_t retransmits_total; /**< segments retransmitted over the connection's life */
  u8_t dupacks;
  bool in_recovery;      /**< in fast recovery (RFC 6582 / RFC 6675) */
  u32_t sacked_bytes;    /**< bytes SACKed above snd_una */
  const char *recovery;  /**< loss detection in use: "rack", "dupthresh" (SACK, RFC 6675) or "newreno" (no SACK) */
  u32_t rack_rtt_ms;     /**< RACK.rtt (RFC 8985), 0 without RACK */
  u32_t rack_min_rtt_ms; /**< RACK.min_RTT, 0 before the first sample */
  u32_t rack_reo_wnd_ms; /**< the reordering window in force */
  bool reordering_seen;  /**< RACK saw the peer deliver out of order */
  u32_t rack_lost;       /**< segments RACK marked lost */
  u32_t tlp_probes;      /**< tail loss probes sent */
  u32_t tlp_repaired;    /**< probes that repaired a loss */
  u32_t dsacks;          /**< D-SACKs received (spurious retransmissions) */
  u8_t keep_cnt_sent;    /**< keepalive probes sent without an answer */
  /* options */
  bool nodelay;    /**< Nagle off */
  bool sack;       /**< SACK permitted by both sides (RFC 2018) */
  bool timestamps; /**< timestamps in use (RFC 7323) */
  bool wscale;     /**< window scaling in use (both sides sent it) */
  u8_t snd_wscale; /**< the peer's shift; 0 without wscale */
  u8_t rcv_wscale; /**< our shift; 0 without wscale */
  /* ECN (RFC 3168) */
  const char *ecn_mode; /**< "off", "passive" or "on" (tcp_set_ecn; static string) */
  bool ecn;             /**< negotiated in the handshake: data goes out ECT(0) */
  bool ecn_ece_latched; /**< receiver: ECE on every ACK until the peer's CWR (RFC 3168 6.1.3) */
  bool ecn_cwr_pending; /**< sender: CWR goes on the next new data segment (6.1.2) */
  u32_t ecn_ce_rcvd;    /**< data segments received with CE */
  u32_t ecn_reductions; /**< cwnd reductions for ECE (at most one per window) */
  /* give-up limits (tcp_set_limits) */
  u32_t user_timeout_ms; /**< in force: the connection's own, else the default */
  u32_t stalled_ms;      /**< since when sending made no progress; 0 = not stalled */
  bool gives_up;         /**< a give-up deadline is armed */
  u32_t gives_up_in_ms;  /**< time left until it (0 once due); valid when gives_up */
  bool soft_err;         /**< a soft ICMP error arrived since the last acceptable ACK (RFC 5461 4) */
  u8_t soft_icmp_type;   /**< its ICMP (IPv4) or ICMPv6 type; valid when soft_err */
  u8_t soft_icmp_code;   /**< and code */
  bool syn_queue;        /**< a handshake in the SYN queue (tcp_synq_foreach), not a PCB: rto_ms is the
                              time to its next SYN-ACK or to giving up */
};
/** Fill @p out with a snapshot of @p pcb (a connection, not a listener;
 *  never fails).  The full snapshot is built with stats (LWIP_STATS);
 *  without it only state, addresses and ports are filled, the name
 *  strings are "" and every other field is 0. */
void tcp_get_info(const struct tcp_pcb *pcb, struct tcp_conn_info *out);
/** Call @p fn with a snapshot (state SYN_RCVD, syn_queue set) of every
 *  handshake a listener holds in its SYN queue: they have no PCB until
 *  the peer's ACK completes them.  @p fn must not call into TCP.  Built
 *  without tcp_synq_cookies there is no SYN queue (handshakes are SYN_RCVD
 *  PCBs) and @p fn is never called. */
void tcp_synq_foreach(void (*fn)(const struct tcp_conn_info *ci, void *arg), void *arg);
/** Observer of every state change (lwipd's "tcp" events, tests).  It
 *  must not call back into TCP; it sees the PCB after the change. */
typedef void (*tcp_state_hook_fn)(const struct tcp_pcb *pcb, enum tcp_state old_state, enum tcp_state new_state);
void tcp_set_state_hook(tcp_state_hook_fn fn);
/** Input from IP.  Takes ownership of @p p. */
void tcp_input(struct pbuf *p, const struct ip_rx *rx);
#if LWIP_IPV6
struct ip6_rx;
/** Input from IPv6 (payload at the TCP header, extension headers walked).
 *  Takes ownership of @p p. */
void tcp6_input(struct pbuf *p, const struct ip6_rx *rx);
#endif
/** An ICMP or ICMPv6 error quoting a segment we sent (icmp.c, icmp6.c).  The
 *  quoted sequence number must be in flight (RFC 5927 4.1).  Packet Too
 *  Big (ICMPv6 only: IPv4 keeps no path MTU, so "fragmentation needed" is
 *  a soft error) lowers the connection's MSS to the new path MTU and
 *  resends what no longer fits (RFC 8201 5.4); a hard error (RFC 5461 4: port or protocol
 *  unreachable, administratively prohibited) aborts a connection in
 *  SYN_SENT (its err callback gets ERR_RST for port unreachable, else
 *  ERR_RTE); every other error is soft and only logged, the
 *  retransmissions go on (RFC 1122 4.2.3.9, RFC 5461 4).
 *  @return true when a connection matched. */
bool tcp_icmp_error(const struct ip_icmp_err *e);
/** Address of netif changed: abort connections bound to @p old_addr. */
void tcp_netif_ip_addr_changed(const ip_addr_t *old_addr, const ip_addr_t *new_addr);
/** Receive batching, for drivers that read many frames at once: between
 *  tcp_batch_begin() and tcp_batch_end(), the ACK RFC 5681 4.2 asks for
 *  every second full-sized segment is sent once per connection, at
 *  tcp_batch_end(), like Linux after GRO.  ACKs for out-of-order data, a
 *  FIN or a filled hole still go at once.  Without these calls every
 *  segment is its own batch.
 *
 *  A build without receive batching (meson option tcp_rx_batch, off in
 *  the minimal profile) keeps both calls for drivers as empty inline
 *  functions: every segment is then its own batch, and every second one
 *  is acknowledged at once by the delayed-ACK rule (RFC 5681 4.2), which
 *  is all RFC 5681 asks; batching only saves ACKs on fast links. */
#if LWIP_TCP_RX_BATCH
void tcp_batch_begin(void);
void tcp_batch_end(void);
#else
static inline void tcp_batch_begin(void)
{
}
static inline void tcp_batch_end(void)
{
}
#endif
/** Set the maximum segment lifetime (TIME_WAIT lasts twice this). */
void tcp_set_msl(u32_t ms);
/** The maximum segment lifetime in force, ms. */
u32_t tcp_get_msl(void);

/** Congestion control of @p pcb: "newreno" (RFC 5681/6582/6675) or, when
 *  built with tcp_cubic, "cubic" (RFC 9438); like Linux's TCP_CONGESTION,
 *  at any time (the controller's own state starts afresh; cwnd and
 *  ssthresh are kept).  @return ERR_OK, ERR_VAL for an unknown name. */
err_t tcp_set_congestion(struct tcp_pcb *pcb, const char *name);
/** The controller of @p pcb, by name. */
const char *tcp_get_congestion(const struct tcp_pcb *pcb);
/** The controller new connections start with (default "newreno").
 *  @return ERR_OK, ERR_VAL for an unknown name. */
err_t tcp_set_default_congestion(const char *name);
/** Is there a controller of that name in this build? */
bool tcp_congestion_available(const char *name);
const char *tcp_get_default_congestion(void);
/** Initial window rule (set before connections are made). */
enum tcp_iw {
  TCP_IW_RFC5681 = 0, /**< 2 to 4 segments by SMSS (RFC 5681 3.1), the default */
  TCP_IW_RFC6928 = 1, /**< min(10 * SMSS, max(2 * SMSS, 14600)) (RFC 6928), as Linux and FreeBSD */
};
void tcp_set_initial_window(enum tcp_iw rule);
enum tcp_iw tcp_get_initial_window(void);
/** Set the delayed-ACK time, 1..499 ms (default TCP_DELACK_MS, 100 ms;
 *  RFC 1122 4.2.3.2 asks for less than 500).  Data arriving out of order,
 *  duplicate data, a FIN and every second full-sized segment are
 *  acknowledged at once whatever this is.  @return ERR_OK, or ERR_VAL out
 *  of range (nothing changed). */
err_t tcp_set_delack(u32_t ms);
/** The delayed-ACK time in force, ms. */
u32_t tcp_get_delack(void);
/** How a SACK connection detects losses (docs/tcp.md, "Loss recovery"). */
enum tcp_loss_detection {
  TCP_LOSS_RACK = 0,     /**< RACK-TLP (RFC 8985) with PRR (RFC 6937), the default when built (tcp_rack) */
  TCP_LOSS_DUPTHRESH = 1 /**< RFC 6675: three segments SACKed above a hole; the RTO for a lost tail */
};
/** Choose the loss detection for SACK connections (connections without
 *  SACK always use NewReno, RFC 6582).  It applies from each connection's
 *  next ACK.  @return ERR_OK, or ERR_VAL for RACK in a build without
 *  tcp_rack (nothing changed). */
err_t tcp_set_loss_detection(enum tcp_loss_detection ld);
enum tcp_loss_detection tcp_get_loss_detection(void);

/** When the stack gives a connection up (docs/tcp.md, "Giving up").  Times
 *  in milliseconds; 0 leaves that limit off. */
struct tcp_limits {
  /** Data sent and not acknowledged for this long without progress: the
   *  connection is reset (RFC 9293 3.8.3 R2 as a time, RFC 5482's user
   *  timeout).  A zero window the peer keeps acknowledging is not a stall
   *  unless the connection has its own user timeout (RFC 9293 3.8.6.1). */
  u32_t user_timeout_ms;
  /** After the application closed (FIN_WAIT_1, CLOSING, LAST_ACK): no
   *  progress for this long, zero-window probing included, resets it
   *  (RFC 6429: persist may end for resource management). */
  u32_t orphan_timeout_ms;
  /** FIN_WAIT_2 after the application closed (the peer never sends FIN). */
  u32_t fin_wait_2_ms;
};
/** Set the give-up limits for every connection (existing ones from their
 *  next timer event).  @return ERR_OK, or ERR_ARG for NULL. */
err_t tcp_set_limits(const struct tcp_limits *limits);
/** The limits in force. */
void tcp_get_limits(struct tcp_limits *limits);
/** Give @p pcb its own user timeout (ms; 0 returns it to the default).
 *  Unlike the default, it also ends a zero window that lasts that long. */
void tcp_set_user_timeout(struct tcp_pcb *pcb, u32_t ms);

/** Explicit Congestion Notification (RFC 3168), per connection. */
enum tcp_ecn_mode {
  TCP_ECN_MODE_OFF = 0,     /**< never: no ECN-setup SYN, a peer's ECN-setup SYN is answered without ECE */
  TCP_ECN_MODE_PASSIVE = 1, /**< accept a peer's request, never ask (Linux's tcp_ecn=2), the default */
  TCP_ECN_MODE_ON = 2,      /**< ask with an ECN-setup SYN and accept (Linux's tcp_ecn=1) */
};
/** Set @p pcb's ECN mode: on a PCB before tcp_connect or tcp_listen (a
 *  listener passes it to the connections it accepts; the listening PCB
 *  returned by tcp_listen also takes it).  A PCB never given one follows
 *  the default in force when its handshake starts.  Once the handshake is
 *  over the mode no longer matters: the connection uses ECN or does not.
 *  @return ERR_OK, ERR_ARG for NULL or an unknown mode, ERR_VAL for a
 *  mode other than TCP_ECN_MODE_OFF in a build without tcp_ecn (where
 *  the getters say TCP_ECN_MODE_OFF and the default cannot change). */
#if LWIP_TCP_ECN
err_t tcp_set_ecn(struct tcp_pcb *pcb, enum tcp_ecn_mode mode);
/** @p pcb's ECN mode (a listener's too): its own, else the default. */
enum tcp_ecn_mode tcp_get_ecn(const struct tcp_pcb *pcb);
/** The mode of PCBs not given one (default TCP_ECN_MODE_PASSIVE). */
void tcp_set_default_ecn(enum tcp_ecn_mode mode);
enum tcp_ecn_mode tcp_get_default_ecn(void);
#else
/* Built without ECN: these answers are all there is, so they cost a
 * firmware that never asks nothing (issue 20). */
static inline err_t tcp_set_ecn(struct tcp_pcb *pcb, enum tcp_ecn_mode mode)
{
  if (pcb == NULL || (unsigned)mode > TCP_ECN_MODE_ON) {
    return ERR_ARG;
  }
  return mode == TCP_ECN_MODE_OFF ? ERR_OK : ERR_VAL;
}
static inline enum tcp_ecn_mode tcp_get_ecn(const struct tcp_pcb *pcb)
{
  (void)pcb;
  return TCP_ECN_MODE_OFF;
}
static inline void tcp_set_default_ecn(enum tcp_ecn_mode mode)
{
  (void)mode;
}
static inline enum tcp_ecn_mode tcp_get_default_ecn(void)
{
  return TCP_ECN_MODE_OFF;
}
#endif
/** "off", "passive", "on"; NULL for anything else. */
const char *tcp_ecn_mode_name(enum tcp_ecn_mode mode);
/** The mode of that name.  @return ERR_OK, ERR_VAL for an unknown name. */
err_t tcp_ecn_mode_parse(const char *name, enum tcp_ecn_mode *mode);

#define TCP_DEFAULT_LISTEN_BACKLOG 0xffU

#ifdef __cplusplus
}
#endif

#endif /* LWIP_TCP */

/* lwIP's tcp.h brings these in, and applications rely on it. */
#include "lwip/mem.h"
#include "lwip/icmp.h"

#endif /* LWIP_TCP_H */
