/**
 * @file tcp_trace.h
 * TCP trace events: one structured event per change that matters inside a
 * connection, for a developer who wants to watch (lwipd's `tcp` events,
 * `lwipctl tcp trace`) or plot (`lwipctl tcp plot`) what the sender and
 * receiver did.  Built with the tcp_trace option (on in the daemon profile,
 * off in the minimal one).
 *
 * Cost: with no hook installed every emit point is one test of a global
 * pointer against NULL; nothing else runs.
 *
 * Kinds (enum tcp_trace_kind) and when they are emitted:
 *  - STATE: every state change (tcp_set_state); old_state is the one left.
 *  - CWND: cwnd or ssthresh differ from the values in the connection's
 *    previous event of any kind that checked them (after each ACK's
 *    processing, an RTO, the controller's init).
 *  - RTT: after an RTT sample updated srtt/rttvar/rto; rtt_ms is the sample.
 *  - SEND / RETRANSMIT: a segment carrying data, SYN or FIN left (seq, len;
 *    RETRANSMIT when it starts below the highest sequence number sent).
 *  - ACK: an acceptable ACK was processed (new data acknowledged, or a
 *    duplicate ACK): snd_una, snd_nxt, pipe and the windows after it.
 *  - RECOVERY_ENTER / RECOVERY_EXIT: loss recovery starts or ends; reason
 *    says what started it (the exit repeats the entry's reason).
 *
 * Reasons (enum tcp_trace_reason): DUPACK (three duplicate ACKs, RFC 5681
 * 3.2), SACK (the SACK scoreboard, RFC 6675 5), RACK (RFC 8985 time-based
 * loss detection), TLP (a tail loss probe, RFC 8985 7), RTO (the
 * retransmission timer, RFC 6298 5; its recovery ends when the ACK passes
 * what was outstanding at the timeout), ECN (a congestion signal, RFC 3168
 * 6.1.2).
 *
 * For code in core/tcp*.c the emit helpers are the macros at the end:
 *   tcp_trace(pcb, kind)                 any kind without extra data
 *   tcp_trace_state(pcb, old)            after pcb->state changed
 *   tcp_trace_seg(pcb, kind, seq, len)   SEND or RETRANSMIT
 *   tcp_trace_rtt(pcb, sample_ms)        after srtt/rttvar/rto were updated
 *   tcp_trace_cwnd(pcb)                  a CWND event if cwnd/ssthresh changed
 *   tcp_trace_ack(pcb)                   CWND if changed, then ACK
 *   tcp_trace_recovery(pcb, enter, reason)
 * They compile to nothing without tcp_trace.
 */
#ifndef LWIP_TCP_TRACE_H
#define LWIP_TCP_TRACE_H

#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What an event reports (see the file comment). */
enum tcp_trace_kind {
  TCP_TRACE_STATE,
  TCP_TRACE_CWND,
  TCP_TRACE_RTT,
  TCP_TRACE_SEND,
  TCP_TRACE_RETRANSMIT,
  TCP_TRACE_ACK,
  TCP_TRACE_RECOVERY_ENTER,
  TCP_TRACE_RECOVERY_EXIT,
  TCP_TRACE_KIND_COUNT
};

/** Why loss recovery started (RECOVERY_ENTER / RECOVERY_EXIT only). */
enum tcp_trace_reason {
  TCP_TRACE_REASON_NONE,
  TCP_TRACE_REASON_DUPACK,
  TCP_TRACE_REASON_SACK,
  TCP_TRACE_REASON_RACK,
  TCP_TRACE_REASON_TLP,
  TCP_TRACE_REASON_RTO,
  TCP_TRACE_REASON_ECN,
  TCP_TRACE_REASON_COUNT
};

/** One event: what happened and the connection's state right after it.
 *  Bytes are bytes, times are milliseconds of the stack's clock. */
struct tcp_trace_event {
  u32_t time_ms; /**< sys_now() */
  enum tcp_trace_kind kind;
  ip_addr_t local_ip, remote_ip;
  u16_t local_port, remote_port;
  /* kind-specific */
  enum tcp_state old_state;     /**< STATE: the state left */
  enum tcp_trace_reason reason; /**< RECOVERY_*; NONE otherwise */
  u32_t seq, len;               /**< SEND / RETRANSMIT: first sequence number, data bytes */
  u32_t rtt_ms;                 /**< RTT: the sample */
  /* snapshot */
  enum tcp_state state;
  u32_t cwnd, ssthresh;
  u32_t srtt_ms, rttvar_ms, rto_ms; /**< srtt and rttvar 0 before the first sample */
  u32_t pipe;                       /**< bytes in flight: RFC 6675 pipe with SACK, else snd_nxt - snd_una */
  u32_t snd_una, snd_nxt;
  u32_t snd_wnd; /**< the peer's window */
  u32_t rcv_wnd; /**< the window we may advertise */
};

#if LWIP_TCP_TRACE
/** Receives every event while installed.  It runs inside the stack: it
 *  must not call back into TCP, and @p ev lives only for the call. */
typedef void (*tcp_trace_fn)(const struct tcp_trace_event *ev, void *arg);

/** Install @p fn (NULL: none) with @p arg.  Replaces any hook installed
 *  before.  Available only when built with tcp_trace. */
void tcp_set_trace_hook(tcp_trace_fn fn, void *arg);

/** "state", "cwnd", "rtt", "send", "retransmit", "ack", "recovery_enter",
 *  "recovery_exit"; "none", "dupack", "sack", "rack", "tlp", "rto", "ecn"
 *  for reasons; "?" out of range.  Static strings. */
const char *tcp_trace_kind_name(enum tcp_trace_kind k);
const char *tcp_trace_reason_name(enum tcp_trace_reason r);

/* ---- emit helpers for core/tcp*.c ---- */
extern tcp_trace_fn tcp_trace_hook;
void tcp_trace_emit(struct tcp_pcb *pcb, enum tcp_trace_kind kind, u32_t a, u32_t b);
void tcp_trace_emit_cwnd(struct tcp_pcb *pcb);
void tcp_trace_emit_ack(struct tcp_pcb *pcb);
void tcp_trace_emit_recovery(struct tcp_pcb *pcb, bool enter, enum tcp_trace_reason reason);
#define TCP_TRACE_IF_HOOKED(call)                                                                                      \
  do {                                                                                                                 \
    if (tcp_trace_hook != NULL) {                                                                                      \
      call;                                                                                                            \
    }                                                                                                                  \
  } while (0)
#define tcp_trace(pcb, kind) TCP_TRACE_IF_HOOKED(tcp_trace_emit((pcb), (kind), 0, 0))
#define tcp_trace_state(pcb, old) TCP_TRACE_IF_HOOKED(tcp_trace_emit((pcb), TCP_TRACE_STATE, (u32_t)(old), 0))
#define tcp_trace_seg(pcb, kind, seq, len) TCP_TRACE_IF_HOOKED(tcp_trace_emit((pcb), (kind), (seq), (len)))
#define tcp_trace_rtt(pcb, ms) TCP_TRACE_IF_HOOKED(tcp_trace_emit((pcb), TCP_TRACE_RTT, (ms), 0))
#define tcp_trace_cwnd(pcb) TCP_TRACE_IF_HOOKED(tcp_trace_emit_cwnd(pcb))
#define tcp_trace_ack(pcb) TCP_TRACE_IF_HOOKED(tcp_trace_emit_ack(pcb))
#define tcp_trace_recovery(pcb, enter, reason) TCP_TRACE_IF_HOOKED(tcp_trace_emit_recovery((pcb), (enter), (reason)))
#else
#define tcp_trace(pcb, kind) ((void)0)
#define tcp_trace_state(pcb, old) ((void)0)
#define tcp_trace_seg(pcb, kind, seq, len) ((void)0)
#define tcp_trace_rtt(pcb, ms) ((void)0)
#define tcp_trace_cwnd(pcb) ((void)0)
#define tcp_trace_ack(pcb) ((void)0)
#define tcp_trace_recovery(pcb, enter, reason) ((void)0)
#endif

#ifdef __cplusplus
}
#endif

#endif /* LWIP_TCP */

#endif /* LWIP_TCP_TRACE_H */
