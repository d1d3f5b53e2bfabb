/**
 * @file priv/tcp_priv.h
 * What the TCP files share: flags, segments, constants, and the internal
 * functions of tcp.c (PCBs, lookup, timers, state), tcp_in.c (input),
 * tcp_out.c (output, retransmission) and tcp_cc.c (congestion control).
 * Private to core/tcp*.c and tests.
 */
#ifndef LWIP_PRIV_TCP_PRIV_H
#define LWIP_PRIV_TCP_PRIV_H

#include "lwip/opt.h"

#if LWIP_TCP

/* Keeps a function out of line where inlining it costs more code: one
 * with several callers, or one whose registers the caller would rather
 * have (GCC and Clang; elsewhere only a hint lost). */
#if defined(__GNUC__)
#define TCP_NOINLINE __attribute__((noinline))
#else
#define TCP_NOINLINE
#endif

/* Is @p s one of the states in @p set (a mask of TCP_STATE_BIT)?  One
 * test of a bit instead of a chain of comparisons. */
#define TCP_STATE_BIT(s) (1U << (s))
#define TCP_STATE_IN(s, set) ((TCP_STATE_BIT(s) & (set)) != 0)

#include "lwip/tcp.h"
#include "lwip/tcp_trace.h"
#include "lwip/prot/tcp.h"

/* ---- pcb->flags ---- */
#define TF_ACK_DELAY 0x0001U /**< an ACK is owed; the delayed-ACK timer runs */
#define TF_ACK_NOW 0x0002U   /**< send an ACK with the next output */
#define TF_INFR 0x0004U      /**< in fast recovery (RFC 6582 / RFC 6675) */
#define TF_FIN 0x0008U       /**< the application closed: FIN after the queued data */
#define TF_RXCLOSED 0x0010U  /**< the application will not read any more */
#define TF_FIN_RCVD 0x0020U  /**< the peer's FIN has been received (delivered once) */
/* TF_NODELAY 0x0040U is in tcp.h */
/* A TCP extension built out (tcp_wscale, tcp_timestamps, tcp_sack) has
 * its flag defined as 0: it is never set, so every test of it is false at
 * compile time and the code behind it is left out of the build.  Such a
 * build never offers the option and ignores the peer's (RFC 7323 2.2 and
 * 3.2, RFC 2018 2: each is used only when both sides sent it). */
#if LWIP_TCP_WSCALE
#define TF_WND_SCALE 0x0080U /**< window scaling in use (both sides sent it) */
#else
#define TF_WND_SCALE 0U
#endif
#if LWIP_TCP_TIMESTAMPS
#define TF_TIMESTAMP 0x0100U /**< timestamps in use */
#else
#define TF_TIMESTAMP 0U
#endif
#if LWIP_TCP_SACK
#define TF_SACK 0x0200U /**< SACK permitted by both sides */
#else
#define TF_SACK 0U
#endif
#if LWIP_TCP_OOSEQ
#define TF_RCV_GAP 0U /* the queue keeps what lies beyond a gap */
#else
#define TF_RCV_GAP 0x0400U /**< segments beyond RCV.NXT were dropped: ACK in-order ones at once up to rcv_gap_end */
#endif
#define TF_FIN_DELIVER 0x1000U /**< the FIN still has to reach the recv callback */
#define TF_PASSIVE 0x2000U     /**< opened by a listener (accept, not connected, when established) */
#if LWIP_TCP_RX_BATCH
#define TF_BATCHED 0x4000U    /**< in the receive batch's list (tcp_batch_end owes it a look) */
#define TF_WND_UPDATE 0x8000U /**< the batch end sends a window update */
#endif
#define TF_ZOMBIE 0x10000U     /**< freed while the stack was working on it: memory goes at tcp_leave() */
#define TF_COOKIE 0x20000U     /**< made from a SYN cookie: the handshake ACK gives no RTT sample */

/* ---- pcb->ecn (RFC 3168; core/tcp_ecn.c) ---- */
#define TCP_ECN_OK 0x01U   /**< negotiated: ECT(0) on new data, ECE/CWR in use (6.1.1) */
#define TCP_ECN_ECE 0x02U  /**< receiver: CE seen, ECE on every ACK until a CWR arrives (6.1.3) */
#define TCP_ECN_CWR 0x04U  /**< sender: cwnd was reduced, CWR on the next new data segment (6.1.2) */
#define TCP_ECN_HELD 0x08U /**< sender: reduced; none again until an ACK passes ecn_recover (6.1.2) */

/* ---- seg->state ---- */
#if LWIP_TCP_SACK
#define SEG_SACKED 0x01U /**< the peer SACKed this segment (RFC 2018) */
#else
#define SEG_SACKED 0U /* never set without SACK: its tests fold away, as TF_SACK's */
#endif
#define SEG_RETRANSMITTED 0x02U
#define SEG_LOST 0x04U         /**< deemed lost (RFC 6675 IsLost) */
#define SEG_RECOVERY_RXT 0x08U /**< retransmitted during the current recovery (counts in pipe) */

/** One segment of data queued for sending (unsent/unacked), or received
 *  out of order (ooseq).  The TCP header is built each time it is sent. */
struct tcp_seg {
  struct tcp_seg *next;
  struct pbuf *p; /**< the data (NULL for a bare SYN or FIN) */
  u32_t seqno;
  u16_t len;     /**< data bytes (SYN and FIN not counted) */
  u8_t flags;    /**< TCP_SYN, TCP_FIN, TCP_PSH */
  u8_t state;    /**< SEG_* */
  u32_t xmit_ms; /**< last sent (written only in builds that read it: timestamps, RACK or stats) */
#if LWIP_TCP_RACK
  u32_t xmit_order; /**< pcb->xmit_count when last sent: RACK's order of transmissions, which a
                              millisecond clock cannot give (two sends often share a tick) */
#endif
};

/** Sequence space a segment occupies (SYN and FIN count one each). */
#define TCP_SEG_SEQLEN(seg) ((u32_t)(seg)->len + (((seg)->flags & (TCP_SYN | TCP_FIN)) != 0 ? 1U : 0U))

/* Wrap-safe sequence comparisons (RFC 9293 3.4). */
#define TCP_SEQ_LT(a, b) ((s32_t)((u32_t)(a) - (u32_t)(b)) < 0)
#define TCP_SEQ_LEQ(a, b) ((s32_t)((u32_t)(a) - (u32_t)(b)) <= 0)
#define TCP_SEQ_GT(a, b) ((s32_t)((u32_t)(a) - (u32_t)(b)) > 0)
#define TCP_SEQ_GEQ(a, b) ((s32_t)((u32_t)(a) - (u32_t)(b)) >= 0)
#define TCP_SEQ_BETWEEN(a, b, c) (TCP_SEQ_GEQ(a, b) && TCP_SEQ_LEQ(a, c))

/* ---- constants (RFC-given values next to their source) ---- */
/** Largest window we can offer and the shift that fits it in 16 bits. */
#define TCP_RCV_SCALE                                                                                                  \
  ((TCP_WND) > 0x3fffc0UL   ? 7                                                                                        \
   : (TCP_WND) > 0x1fffe0UL ? 6                                                                                        \
   : (TCP_WND) > 0xfffffUL  ? 5                                                                                        \
   : (TCP_WND) > 0x7fff8UL  ? 4                                                                                        \
   : (TCP_WND) > 0x3fffcUL  ? 3                                                                                        \
   : (TCP_WND) > 0x1fffeUL  ? 2                                                                                        \
   : (TCP_WND) > 0xffffUL   ? 1                                                                                        \
                            : 0)
/** pbufs a PCB may queue for sending. */
#define TCP_SND_QUEUELEN ((4U * (TCP_SND_BUF) + (TCP_MSS)-1U) / (TCP_MSS) + 8U)
#if LWIP_TCP_MEM_BUDGET
/** Memory budgets (docs/architecture.md, "Memory budgets").  Send queues
 *  live in the heap, received data in PBUF_POOL buffers.  Together all
 *  connections may hold up to the budget; past it each may still hold the
 *  floor, so a new or well-behaved connection always makes progress while
 *  slow peers hold the rest.  The heap reserve is never used for TCP data,
 *  so ARP, ICMP, handshakes, ACKs and the applications' control traffic
 *  always find memory. */
#define TCP_MEM_TX_BUDGET ((u32_t)(MEM_SIZE) / 2U)
#define TCP_MEM_RX_BUDGET ((u32_t)(PBUF_POOL_SIZE) * (PBUF_POOL_BUFSIZE) / 2U)
#define TCP_MEM_TX_FLOOR (4U * (u32_t)(TCP_MSS))
#define TCP_MEM_RX_FLOOR (2U * (u32_t)(TCP_MSS))
/** Hard limits.  tcp_write gets ERR_MEM past TCP_MEM_TX_HARD even under
 *  the floor.  Received data in windows offered earlier is taken up to
 *  TCP_MEM_RX_HARD; past it only connections under the receive floor get
 *  data (and a window), up to TCP_MEM_RX_ABS.  The last eighth of the pool
 *  is left to ARP, ICMP and handshakes: with thousands of slow peers the
 *  floors alone would otherwise fill it. */
#define TCP_MEM_TX_HARD ((u32_t)(MEM_SIZE)-TCP_MEM_HEAP_RESERVE)
#define TCP_MEM_RX_HARD ((u32_t)(PBUF_POOL_SIZE) * (PBUF_POOL_BUFSIZE) / 8U * 5U)
#define TCP_MEM_RX_ABS ((u32_t)(PBUF_POOL_SIZE) * (PBUF_POOL_BUFSIZE) / 8U * 7U)
#endif /* LWIP_TCP_MEM_BUDGET */
/** Out-of-order queue limits (RFC 9293 3.10.7.4 lets us drop; we bound memory). */
#define TCP_OOSEQ_MAX_SEGS ((TCP_WND) / (TCP_MSS) + 8U)
#define TCP_OOSEQ_MAX_BYTES (TCP_WND)
/** RFC 6298 2.1: initial RTO 1 s.  2.4 recommends a 1 s minimum; like
 *  Linux we allow 200 ms, which RFC 6298 permits ("MAY"). */
#define TCP_RTO_INITIAL_MS 1000U
#define TCP_RTO_MIN_MS 200U
#define TCP_RTO_MAX_MS 60000U /* RFC 6298 2.5 */
/** The longest RTT sample taken (two maximal RTOs); anything longer, or a
 *  TSecr ahead of our clock, cannot echo a timestamp we sent in the
 *  window (RFC 7323 4.1, Appendix G) and gives no sample.  It also keeps
 *  the RFC 6298 arithmetic of tcp_rtt_sample far from overflow. */
#define TCP_RTT_SAMPLE_MAX_MS (2U * TCP_RTO_MAX_MS)
#define TCP_MAXRTX 12U   /* retransmissions of data before giving up */
#define TCP_SYNMAXRTX 6U /* of a SYN (about 127 s with backoff) */
/** Delayed ACK, the default of tcp_set_delack(): RFC 1122 4.2.3.2 / RFC
 *  5681 4.2 allow up to 500 ms and ask for an ACK at least every second
 *  full-sized segment. */
#define TCP_DELACK_MS 100U
/** FIN_WAIT_2 without a FIN from the peer, after we cannot receive any more. */
#define TCP_FIN_WAIT_TIMEOUT_MS 60000U
/** SYN_RCVD connections that never complete the handshake. */
#define TCP_SYN_RCVD_TIMEOUT_MS 20000U
/** Keepalive defaults (RFC 1122 4.2.3.6: idle at least two hours). */
#define TCP_KEEPIDLE_DEFAULT_MS 7200000UL
#define TCP_KEEPINTVL_DEFAULT_MS 75000UL
#define TCP_KEEPCNT_DEFAULT 9U
/** Persist timer limits (RFC 9293 3.8.6.1 zero-window probes). */
#define TCP_PERSIST_MAX_MS 60000U
/** Data the application refused is offered again this often. */
#define TCP_REFUSED_RETRY_MS 250U
/** Poll callback unit. */
#define TCP_POLL_UNIT_MS 500U
/** Duplicate ACK threshold (RFC 5681 3.2, RFC 6675 DupThresh). */
#define TCP_DUPTHRESH 3U
/** RFC 5961 7: challenge ACKs per second at most. */
#define TCP_CHALLENGE_ACK_LIMIT 100U
/** Ephemeral ports (RFC 6335 6, as UDP). */
#define TCP_LOCAL_PORT_RANGE_START 0xc000U
#define TCP_LOCAL_PORT_RANGE_END 0xffffU

/** Handshakes in progress one listener holds in the SYN queue (tcp_synq.c,
 *  a small entry each, memp_num_tcp_synq for all listeners); beyond them,
 *  or with the pool empty, a SYN is answered with a SYN cookie and costs
 *  no memory (RFC 4987 3.6).  They count in the backlog (255 by default),
 *  so at most 192: a flood meets cookies before it fills the backlog. */
#define TCP_SYN_QUEUE_MAX ((MEMP_NUM_TCP_SYNQ) > 192 ? 192U : (u32_t)(MEMP_NUM_TCP_SYNQ))
/** A cookie is good for two periods of 64 s. */
#define TCP_COOKIE_PERIOD_MS 64000U

/** A deadline @p ms after @p now for a *_due field, where 0 means "not
 *  armed": a deadline landing on 0 at the clock's wrap is moved to 1. */
static inline u32_t tcp_due(u32_t now, u32_t ms)
{
  u32_t d = now + ms;
  return d != 0 ? d : 1U;
}

/* ---- tcp.c: PCBs, lookup, timers, state ---- */
/** Keyed hash for SYN cookies: of the 4-tuple and @p t, the cookie's top
 *  byte (period counter, timestamp bit, MSS index), so none of it can be
 *  changed without the hash failing. */
u32_t tcp_cookie_hash(u32_t laddr, u32_t raddr, u32_t ports, u32_t t, u32_t peer_isn);
/** A 32-bit key of @p a for the ISNs, SYN cookies and the SYN queue: an
 *  IPv4 address itself, an IPv6 address (with its zone) through the
 *  secret-keyed hash, so that no peer can choose collisions.  (The
 *  connection table keys addresses more cheaply: demux_key in tcp.c.) */
u32_t tcp_addr_key(const ip_addr_t *a);
extern u32_t tcp_msl_ms;
extern u32_t tcp_delack_ms;
/** The stack starts working on @p pcb (a segment for it, its timers):
 *  until tcp_leave(), freeing it (tcp_abort, tcp_close with unread data,
 *  a RST...) only marks it TF_ZOMBIE, so code after a callback can still
 *  look at it.  @return the PCB that was active before (nesting). */
struct tcp_pcb *tcp_enter(struct tcp_pcb *pcb);
/** Done with @p pcb: free it now if it died meanwhile. */
void tcp_leave(struct tcp_pcb *pcb, struct tcp_pcb *prev);
/** Did @p pcb go away during a callback that returned @p e? */
#define TCP_GONE(pcb, e) ((e) == ERR_ABRT || ((pcb)->flags & TF_ZOMBIE) != 0)
/** The one function that changes pcb->state; it logs the transition. */
void tcp_set_state(struct tcp_pcb *pcb, enum tcp_state s);
struct tcp_pcb *tcp_alloc(u8_t prio);
/** Remove @p pcb from every table, free its queues and the PCB. */
void tcp_pcb_free(struct tcp_pcb *pcb);
/** The stack gives up a connection: optional RST, err callback with
 *  @p err, PCB freed. */
void tcp_abandon(struct tcp_pcb *pcb, bool send_rst, err_t err);
void tcp_hash_insert(struct tcp_pcb *pcb);
/** The connection of a 4-tuple (addresses of the same family, zones
 *  included), or NULL. */
struct tcp_pcb *tcp_lookup(const ip_addr_t *laddr, u16_t lport, const ip_addr_t *raddr, u16_t rport);
/** The listener for a segment to @p laddr:@p lport: one bound to that
 *  address, else the wildcard of its family, else a dual-stack one. */
struct tcp_pcb_listen *tcp_listen_lookup(const ip_addr_t *laddr, u16_t lport);
#if LWIP_TCP_RX_BATCH
/** Inside tcp_batch_begin/end?  And note a PCB that owes an ACK at the end. */
bool tcp_batch_active(void);
void tcp_batch_add(struct tcp_pcb *pcb);
#else
/* Without receive batching (meson option tcp_rx_batch) no batch is ever
 * open: the delayed-ACK rule in tcp_in.c acknowledges every second
 * segment at once (RFC 5681 4.2), and the batch code there compiles to
 * nothing. */
static inline bool tcp_batch_active(void)
{
  return false;
}
static inline void tcp_batch_add(struct tcp_pcb *pcb)
{
  LWIP_UNUSED_ARG(pcb);
}
#endif
/** Initial sequence number for the PCB's 4-tuple (RFC 6528). */
u32_t tcp_isn(const struct tcp_pcb *pcb);

/* The send sequence variables of a passive open from ISS (@p iss), the
 * next sequence number to send (@p nxt) and the peer's IRS (@p irs).
 * Inline: a build has one or two callers, a call would cost more. */
static inline void tcp_seq_init(struct tcp_pcb *pcb, u32_t iss, u32_t nxt, u32_t irs)
{
  /* RFC 9293 3.3.1: nothing beyond ISS is acknowledged; @p nxt is ISS + 1
   * when our SYN has already gone (from the SYN queue or as a cookie),
   * else the SYN about to be queued moves it.  The first window update
   * comes from the segment after the peer's SYN (SND.WL1 = IRS, SND.WL2 =
   * ISS, 3.10.7.3), and RFC 6582 3.2 starts recover at the ISN. */
  pcb->snd_una = iss;
  pcb->snd_nxt = pcb->snd_max = pcb->snd_lbb = nxt;
  pcb->recover = iss;
  pcb->snd_wl1 = irs;
  pcb->snd_wl2 = iss;
}

/** Re-file the PCB in the timer wheel after any *_due field changed. */
void tcp_timer_update(struct tcp_pcb *pcb);
/** Our timestamp clock (RFC 7323 5.4: 1 ms ticks, random offset). */
#define tcp_ts_now(pcb) (sys_now() + (pcb)->ts_offset)
void tcp_seg_free(struct tcp_seg *seg);
/** A zeroed queue entry holding @p p, or NULL when the TCP_SEG pool is
 *  empty (@p p stays the caller's). */
struct tcp_seg *tcp_seg_new(struct pbuf *p, u32_t seqno, u16_t len, u8_t flags);
/** The TCP checksum of segment @p h (header included) with the pseudo
 *  header of @p src and @p dst: zero on input when it is right. */
u16_t tcp_chksum(struct pbuf *h, const ip_addr_t *src, const ip_addr_t *dst);
void tcp_segs_free(struct tcp_seg *seg);
/** Window we may advertise now, and whether it grew enough to tell the
 *  peer (receiver-side silly window syndrome avoidance, RFC 9293 3.8.6.2.2). */
u32_t tcp_update_rcv_ann_wnd(struct tcp_pcb *pcb);
#if LWIP_TCP_MEM_BUDGET
/** Bring the global budget totals up to date with what @p pcb holds now.
 *  Called after input, tcp_write, tcp_recved and window updates. */
void tcp_mem_sync(struct tcp_pcb *pcb);
/** May @p pcb take @p len more received bytes?  False past the hard
 *  receive limit, unless it holds less than the floor and the pool is not
 *  nearly gone (TCP_MEM_RX_ABS). */
bool tcp_mem_rx_admit(struct tcp_pcb *pcb, u32_t len);
/** Count a tcp_write refused by the send budget. */
void tcp_mem_count_tx_limited(void);
#else
/* Without the budgets there is nothing to count, and data inside the
 * window is always taken (the pools bound it, as in lwIP): the callers
 * in tcp_in.c and tcp_out.c compile to nothing. */
static inline void tcp_mem_sync(struct tcp_pcb *pcb)
{
  LWIP_UNUSED_ARG(pcb);
}
static inline bool tcp_mem_rx_admit(struct tcp_pcb *pcb, u32_t len)
{
  LWIP_UNUSED_ARG(pcb);
  LWIP_UNUSED_ARG(len);
  return true;
}
static inline void tcp_mem_count_tx_limited(void)
{
}
#endif
/** Start RTO/persist/keepalive timers as the queues require. */
void tcp_arm_timers(struct tcp_pcb *pcb);
#if LWIP_IPV6 /* only ICMPv6 Packet Too Big lowers a path MTU */
/** The path MTU towards @p pcb's peer may have dropped (Packet Too Big):
 *  lower its MSS to fit and resend what no longer fits. */
void tcp_pmtu_changed(struct tcp_pcb *pcb);
/** tcp_out.c: pcb->mss was lowered: queued segments are cut to it (unless
 *  the device segments them), and the first unacknowledged one, lost to
 *  the smaller MTU, is sent again at once without a congestion response
 *  (RFC 8201 5.4; the loss was the path's, not congestion). */
void tcp_mss_lowered(struct tcp_pcb *pcb);
#endif
/** The netif a segment from @p local to @p remote leaves by (either
 *  family), or NULL. */
struct netif *tcp_route(const ip_addr_t *local, const ip_addr_t *remote);
/** The MSS to announce and to use towards @p remote: the route MTU less
 *  40 (IPv4) or the IPv6 path MTU less 60, at most @p mss. */
u16_t tcp_eff_mss(u16_t mss, const ip_addr_t *local, const ip_addr_t *remote);

/* ---- tcp_out.c ---- */
/** Queue a SYN or FIN (they take sequence space).  @return ERR_OK/ERR_MEM. */
err_t tcp_enqueue_flags(struct tcp_pcb *pcb, u8_t flags);
err_t tcp_send_empty_ack(struct tcp_pcb *pcb);
/** Send a segment without data and without queuing it (a SYN-ACK for a
 *  SYN cookie, from a PCB on the stack). */
err_t tcp_send_ctrl(struct tcp_pcb *pcb, u32_t seqno, u8_t flags);
/** Send a RST (seq, ack as given) between the addresses. */
void tcp_rst(u32_t seqno, u32_t ackno, const ip_addr_t *local, const ip_addr_t *remote, u16_t lport, u16_t rport,
             bool with_ack);
/** Send a RST on @p pcb's connection (seq, ack as given), with TSopt when
 *  timestamps were negotiated (RFC 7323 3.2). */
void tcp_rst_pcb(const struct tcp_pcb *pcb, u32_t seqno, u32_t ackno, bool with_ack);
/** Retransmission timeout: go back to snd_una (RFC 6298 5.4-5.6). */
void tcp_rexmit_rto(struct tcp_pcb *pcb);
/** Send one segment of the unacked queue again (fast retransmit). */
err_t tcp_rexmit_seg(struct tcp_pcb *pcb, struct tcp_seg *seg);
void tcp_zero_window_probe(struct tcp_pcb *pcb);
/** The persist timer fired: probe a zero window, or send what fits into
 *  a window smaller than the next segment. */
void tcp_persist_fire(struct tcp_pcb *pcb);
void tcp_keepalive_probe(struct tcp_pcb *pcb);

/* ---- tcp_cc.c: congestion control behind a small interface ---- */
struct tcp_cc_ops {
  const char *name;
  /** Connection established: initial window (tcp_cc_initial_window). */
  void (*init)(struct tcp_pcb *pcb);
  /** New data acknowledged outside recovery (@p acked bytes). */
  void (*on_ack)(struct tcp_pcb *pcb, u32_t acked);
  /** Entering loss recovery (third duplicate ACK or SACK loss). */
  void (*on_recovery)(struct tcp_pcb *pcb);
  /** Recovery finished (snd_una passed recover). */
  void (*on_recovery_end)(struct tcp_pcb *pcb);
  /** Retransmission timeout. */
  void (*on_rto)(struct tcp_pcb *pcb);
  /** An ACK with ECE (RFC 3168 6.1.2): reduce as for a loss, once per
   *  window (the caller sees to that), without entering recovery or
   *  retransmitting anything.  NULL in a build without tcp_ecn. */
  void (*on_ecn)(struct tcp_pcb *pcb);
};
/** NewReno's steps (RFC 5681, RFC 6582), the entries of tcp_cc_newreno
 *  (built with tcp_cubic: the only build where a PCB may have another). */
void tcp_newreno_init(struct tcp_pcb *pcb);
void tcp_newreno_on_ack(struct tcp_pcb *pcb, u32_t acked);
void tcp_newreno_on_recovery(struct tcp_pcb *pcb);
void tcp_newreno_on_recovery_end(struct tcp_pcb *pcb);
void tcp_newreno_on_rto(struct tcp_pcb *pcb);
void tcp_newreno_on_ecn(struct tcp_pcb *pcb);
#if LWIP_TCP_CUBIC
extern const struct tcp_cc_ops tcp_cc_newreno, tcp_cc_cubic;
/** The controller new PCBs take (tcp_set_default_congestion). */
extern const struct tcp_cc_ops *tcp_cc_default;
/** Step @p op of the PCB's controller, called as TCP_CC(pcb, on_ack)(pcb, n). */
#define TCP_CC(pcb, op) ((pcb)->cc->op)
#else
/* NewReno is the only controller built, so every PCB's is NewReno
 * (tcp_set_congestion accepts no other): call its steps directly rather
 * than through a table, which saves the loads and indirect calls; nor is
 * the table built, nor a PCB's pointer to it (pcb->cc). */
#define TCP_CC(pcb, op) ((void)(pcb), tcp_newreno_##op)
#endif
/** HyStart++ (RFC 9406) phases in pcb->hs_phase. */
#define TCP_HS_OFF 0U /**< standard slow start: not built, or after the first congestion event (4.3) */
#define TCP_HS_SS 1U  /**< slow start, watching each round's minimum RTT */
#define TCP_HS_CSS 2U /**< conservative slow start: a quarter of the growth, for at most CSS_ROUNDS */
/** HyStart++: an RTT sample of @p rtt_ms was taken (RFC 9406 4.2 "for
 *  each RTT sample"); tcp_rtt_sample calls it for every valid sample. */
#if LWIP_TCP_HYSTART
void tcp_hystart_rtt(struct tcp_pcb *pcb, u32_t rtt_ms);
#else
static inline void tcp_hystart_rtt(struct tcp_pcb *pcb, u32_t rtt_ms)
{
  (void)pcb, (void)rtt_ms; /* hs_phase stays TCP_HS_OFF: standard slow start */
}
#endif
#if LWIP_STATS
/** The slow-start phase name tcp_get_info reports (tcp_conn_info.ss_phase;
 *  built with stats, like the rest of that snapshot). */
const char *tcp_cc_phase_name(const struct tcp_pcb *pcb);
#endif
/** The initial window for @p mss under the rule in force (tcp_set_initial_window). */
u32_t tcp_cc_initial_window(u32_t mss);
/** A controller by name, NULL when unknown or not built. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);
/** Bytes in flight (RFC 6675 "pipe" when SACK is in use). */
#if LWIP_TCP_SACK
u32_t tcp_pipe(const struct tcp_pcb *pcb);
#else
static inline u32_t tcp_pipe(const struct tcp_pcb *pcb)
{
  return pcb->snd_nxt - pcb->snd_una; /* no scoreboard: all that was sent and not acknowledged */
}
#endif

/* ---- tcp_rack.c: RACK-TLP (RFC 8985) and PRR (RFC 6937) ---- */
#define RACK_VALID 0x01U        /**< rack_xmit_ms / rack_order hold a delivered segment */
#define RACK_REORDER_SEEN 0x02U /**< RACK.reordering_seen */
#define RACK_DSACK_ROUND 0x04U  /**< rack_dsack_round is set */
#define TLP_ACTIVE 0x08U        /**< a loss probe is outstanding (TLP.end_seq is not None) */
#define TLP_RETRANS 0x10U       /**< it was a retransmission (TLP.is_retrans) */
#define TLP_DSACKED 0x20U       /**< a D-SACK showed the probed segment was not lost */
#define RACK_LOST_MAYBE 0x40U   /**< a segment may be marked lost and not yet resent */
#if LWIP_TCP_RACK
/** RACK-TLP is in charge of @p pcb's loss detection (SACK on, RACK chosen). */
bool tcp_rack_on(const struct tcp_pcb *pcb);
/** Reset the RACK, TLP and PRR state of a new connection. */
void tcp_rack_init(struct tcp_pcb *pcb);
/** @p seg was delivered (cumulatively acknowledged or newly SACKed) by the
 *  ACK being processed at @p now (RFC 8985 6.2 steps 1-3). */
void tcp_rack_delivered(struct tcp_pcb *pcb, const struct tcp_seg *seg, u32_t now);
/** The ACK carried a D-SACK for [@p l, @p r) (RFC 8985 6.2 step 4, RFC 3708). */
void tcp_rack_dsack(struct tcp_pcb *pcb, u32_t l, u32_t r);
/** Mark lost what RACK deems lost and (re)arm the reordering timer
 *  (RFC 8985 6.2 step 5).  @return segments newly marked lost. */
u32_t tcp_rack_detect_loss(struct tcp_pcb *pcb, u32_t now);
/** Loss probe bookkeeping for an ACK of @p ack (RFC 8985 7.4).  @return
 *  true when the probe repaired a loss: the caller takes the congestion
 *  response. */
bool tcp_tlp_ack(struct tcp_pcb *pcb, u32_t ack);
/** Arm the probe timeout if RFC 8985 7.2 allows (from tcp_arm_timers). */
void tcp_tlp_arm(struct tcp_pcb *pcb, u32_t now);
/** The probe timeout fired: send the probe (RFC 8985 7.3). */
void tcp_tlp_fire(struct tcp_pcb *pcb);
/** A retransmission timeout: forget the probe and reordering timer. */
void tcp_rack_on_rto(struct tcp_pcb *pcb);
/** Recovery starts: PRR's counters (RFC 6937 3, "at the beginning of recovery"). */
void tcp_prr_start(struct tcp_pcb *pcb);
/** Recovery ended (RFC 8985 6.2 step 4: the reordering window decays). */
void tcp_rack_recovery_end(struct tcp_pcb *pcb);
/** An ACK during recovery delivered @p delivered bytes: set cwnd to what
 *  PRR lets go now (RFC 6937 3).  @p first: the ACK that started recovery
 *  (the fast retransmit always goes). */
void tcp_prr_ack(struct tcp_pcb *pcb, u32_t delivered, bool first);
/** The reordering window in force, ms. */
u32_t tcp_rack_reo_wnd(const struct tcp_pcb *pcb);
#else
/* Without tcp_rack every SACK connection uses RFC 6675 (tcp_in.c). */
static inline bool tcp_rack_on(const struct tcp_pcb *pcb)
{
  (void)pcb;
  return false;
}
static inline void tcp_rack_init(struct tcp_pcb *pcb)
{
  (void)pcb;
}
static inline void tcp_rack_delivered(struct tcp_pcb *pcb, const struct tcp_seg *seg, u32_t now)
{
  (void)pcb, (void)seg, (void)now;
}
static inline void tcp_rack_dsack(struct tcp_pcb *pcb, u32_t l, u32_t r)
{
  (void)pcb, (void)l, (void)r;
}
static inline void tcp_tlp_arm(struct tcp_pcb *pcb, u32_t now)
{
  (void)pcb, (void)now;
}
static inline void tcp_rack_on_rto(struct tcp_pcb *pcb)
{
  (void)pcb;
}
#endif

/* ---- tcp_ecn.c: ECN (RFC 3168) ---- */
/** The enum tcp_ecn_mode of PCBs that were given none (tcp_set_default_ecn). */
extern u8_t tcp_ecn_default_mode;
/** pcb->ecn_mode of a PCB (or listener) never given one by tcp_set_ecn: the
 *  default in force when its handshake starts decides. */
#define TCP_ECN_MODE_UNSET 0xffU
#if LWIP_TCP_ECN
/** The ECN bits for one outgoing segment of @p pcb with TCP flags
 *  @p *flags: adds ECE and CWR to @p *flags as RFC 3168 wants them there,
 *  and returns the IP ECN field (ECT(0) or Not-ECT).  @p new_data: the
 *  segment carries data never sent before (not a retransmission, probe
 *  or pure ACK, 6.1.4-6.1.6). */
u8_t tcp_ecn_output(struct tcp_pcb *pcb, u8_t *flags, bool new_data);
/** A listener's connection @p pcb got a SYN with TCP flags @p flags:
 *  agree to ECN when it is an ECN-setup SYN and @p mode allows (6.1.1).
 *  Call before the SYN-ACK is sent; the result is the TCP_ECN_OK bit. */
void tcp_ecn_syn_input(struct tcp_pcb *pcb, u8_t mode, u8_t flags);
/** Our SYN was answered with a SYN-ACK with TCP flags @p flags (SYN_SENT). */
void tcp_ecn_synack_input(struct tcp_pcb *pcb, u8_t flags);
/** Receiver side of an acceptable segment, before its ACK is processed:
 *  CWR ends the ECE latch, CE (IP ECN field @p ecn) on data starts it. */
void tcp_ecn_rcv(struct tcp_pcb *pcb, u8_t flags, u8_t ecn, u16_t len);
/** Sender side, after the ACK @p ackno (TCP flags @p flags) was processed:
 *  ECE reduces cwnd once per window. */
void tcp_ecn_ack(struct tcp_pcb *pcb, u8_t flags, u32_t ackno);
#else
/* Without tcp_ecn every connection is as with TCP_ECN_MODE_OFF: its SYN
 * asks for nothing, an ECN-setup SYN is answered without ECE (RFC 3168
 * 6.1.1 lets a host decline), every segment leaves Not-ECT, so no ECE,
 * CWR or CE can concern it. */
static inline u8_t tcp_ecn_output(struct tcp_pcb *pcb, u8_t *flags, bool new_data)
{
  (void)pcb, (void)flags, (void)new_data;
  return 0; /* IP_ECN_NOT_ECT */
}
static inline void tcp_ecn_syn_input(struct tcp_pcb *pcb, u8_t mode, u8_t flags)
{
  (void)pcb, (void)mode, (void)flags;
}
static inline void tcp_ecn_synack_input(struct tcp_pcb *pcb, u8_t flags)
{
  (void)pcb, (void)flags;
}
static inline void tcp_ecn_rcv(struct tcp_pcb *pcb, u8_t flags, u8_t ecn, u16_t len)
{
  (void)pcb, (void)flags, (void)ecn, (void)len;
}
static inline void tcp_ecn_ack(struct tcp_pcb *pcb, u8_t flags, u32_t ackno)
{
  (void)pcb, (void)flags, (void)ackno;
}
#endif

/* ---- tcp_in.c ---- */
/** The RACK reordering timer fired (RFC 8985 6.3): look for losses again. */
void tcp_rack_timeout(struct tcp_pcb *pcb);
/** Forget input-side global state (the challenge ACK rate limit). */
void tcp_in_reset(void);
/** Deliver refused data, in-order queued data and a pending FIN to the
 *  application.  @return false when the PCB was freed by a callback. */
bool tcp_rcv_drain(struct tcp_pcb *pcb);
#endif /* LWIP_TCP */
#endif
