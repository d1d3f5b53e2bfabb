/**
 * @file tcp_trace.c
 * TCP trace events (tcp_trace.h): fill an event from the PCB and hand it
 * to the one installed hook.  The emit points in tcp.c, tcp_in.c and
 * tcp_out.c test the hook pointer before calling in here, so none of this
 * runs while nobody listens.
 */
#include "lwip/opt.h"

#if LWIP_TCP && LWIP_TCP_TRACE

#include "lwip/tcp_trace.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"

#include <string.h>

tcp_trace_fn tcp_trace_hook;
static void *tcp_trace_arg;

void tcp_set_trace_hook(tcp_trace_fn fn, void *arg)
{
  tcp_trace_hook = fn;
  tcp_trace_arg = arg;
}

const char *tcp_trace_kind_name(enum tcp_trace_kind k)
{
  static const char *const names[] = {
      [TCP_TRACE_STATE] = "state",
      [TCP_TRACE_CWND] = "cwnd",
      [TCP_TRACE_RTT] = "rtt",
      [TCP_TRACE_SEND] = "send",
      [TCP_TRACE_RETRANSMIT] = "retransmit",
      [TCP_TRACE_ACK] = "ack",
      [TCP_TRACE_RECOVERY_ENTER] = "recovery_enter",
      [TCP_TRACE_RECOVERY_EXIT] = "recovery_exit",
  };
  _Static_assert(LWIP_ARRAYSIZE(names) == TCP_TRACE_KIND_COUNT, "a name for every kind");
  return (unsigned)k < LWIP_ARRAYSIZE(names) ? names[k] : "?";
}

const char *tcp_trace_reason_name(enum tcp_trace_reason r)
{
  static const char *const names[] = {
      [TCP_TRACE_REASON_NONE] = "none", [TCP_TRACE_REASON_DUPACK] = "dupack", [TCP_TRACE_REASON_SACK] = "sack",
      [TCP_TRACE_REASON_RACK] = "rack", [TCP_TRACE_REASON_TLP] = "tlp",       [TCP_TRACE_REASON_RTO] = "rto",
      [TCP_TRACE_REASON_ECN] = "ecn",
  };
  _Static_assert(LWIP_ARRAYSIZE(names) == TCP_TRACE_REASON_COUNT, "a name for every reason");
  return (unsigned)r < LWIP_ARRAYSIZE(names) ? names[r] : "?";
}

/* Bytes in flight as the sender sees them: with SACK the RFC 6675 pipe
 * (SACKed bytes out, retransmissions of lost ones in), else everything
 * between snd_una and snd_nxt. */
static u32_t trace_pipe(const struct tcp_pcb *pcb)
{
  return (pcb->flags & TF_SACK) ? tcp_pipe(pcb) : pcb->snd_nxt - pcb->snd_una;
}

/* Fill @p ev with what every event carries, and hand it over. */
static void trace_send(struct tcp_pcb *pcb, struct tcp_trace_event *ev)
{
  ev->time_ms = sys_now();
  ip_addr_copy(ev->local_ip, pcb->local_ip);
  ip_addr_copy(ev->remote_ip, pcb->remote_ip);
  ev->local_port = pcb->local_port;
  ev->remote_port = pcb->remote_port;
  ev->state = pcb->state;
  ev->cwnd = pcb->cwnd;
  ev->ssthresh = pcb->ssthresh;
  ev->srtt_ms = pcb->srtt8 / 8U;
  ev->rttvar_ms = pcb->rttvar4 / 4U;
  ev->rto_ms = pcb->rto;
  ev->pipe = trace_pipe(pcb);
  ev->snd_una = pcb->snd_una;
  ev->snd_nxt = pcb->snd_nxt;
  ev->snd_wnd = pcb->snd_wnd;
  ev->rcv_wnd = pcb->rcv_wnd;
  /* Any event shows cwnd and ssthresh: the next CWND event compares
   * against what was shown last. */
  pcb->trace_cwnd = pcb->cwnd;
  pcb->trace_ssthresh = pcb->ssthresh;
  tcp_trace_fn fn = tcp_trace_hook;
  if (fn != NULL) {
    fn(ev, tcp_trace_arg);
  }
}

/* @p a and @p b mean what the kind says: STATE the old state, RTT the
 * sample, SEND/RETRANSMIT the sequence number and length. */
void tcp_trace_emit(struct tcp_pcb *pcb, enum tcp_trace_kind kind, u32_t a, u32_t b)
{
  struct tcp_trace_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.kind = kind;
  ev.old_state = pcb->state;
  switch (kind) {
  case TCP_TRACE_STATE:
    ev.old_state = (enum tcp_state)a;
    break;
  case TCP_TRACE_RTT:
    ev.rtt_ms = a;
    break;
  case TCP_TRACE_SEND:
  case TCP_TRACE_RETRANSMIT:
    ev.seq = a;
    ev.len = b;
    break;
  default:
    break;
  }
  trace_send(pcb, &ev);
}

void tcp_trace_emit_cwnd(struct tcp_pcb *pcb)
{
  if (pcb->cwnd != pcb->trace_cwnd || pcb->ssthresh != pcb->trace_ssthresh) {
    tcp_trace_emit(pcb, TCP_TRACE_CWND, 0, 0);
  }
}

void tcp_trace_emit_recovery(struct tcp_pcb *pcb, bool enter, enum tcp_trace_reason reason)
{
  struct tcp_trace_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.old_state = pcb->state;
  if (!enter) {
    if (pcb->trace_recovery == TCP_TRACE_REASON_NONE) {
      return; /* entered before the hook was installed: no pair to close */
    }
    ev.kind = TCP_TRACE_RECOVERY_EXIT;
    ev.reason = (enum tcp_trace_reason)pcb->trace_recovery;
    pcb->trace_recovery = TCP_TRACE_REASON_NONE;
    trace_send(pcb, &ev);
    return;
  }
  if (pcb->trace_recovery != TCP_TRACE_REASON_NONE) {
    /* A timeout (or another signal) takes over a recovery in progress:
     * close the old one, so entries and exits pair up in a trace. */
    tcp_trace_emit_recovery(pcb, false, TCP_TRACE_REASON_NONE);
  }
  ev.kind = TCP_TRACE_RECOVERY_ENTER;
  ev.reason = reason;
  pcb->trace_recovery = (u8_t)reason;
  trace_send(pcb, &ev);
}

void tcp_trace_emit_ack(struct tcp_pcb *pcb)
{
  tcp_trace_emit_cwnd(pcb);
  tcp_trace_emit(pcb, TCP_TRACE_ACK, 0, 0);
  /* An RTO's go-back-N recovery has no flag of its own: it is over once
   * everything outstanding at the timeout (recover, RFC 6582 3.2 step 6)
   * is acknowledged. */
  if (pcb->trace_recovery == TCP_TRACE_REASON_RTO && TCP_SEQ_GEQ(pcb->snd_una, pcb->recover)) {
    tcp_trace_emit_recovery(pcb, false, TCP_TRACE_REASON_NONE);
  }
}

#endif /* LWIP_TCP && LWIP_TCP_TRACE */
