/**
 * @file tcp_ecn.c
 * Explicit Congestion Notification for TCP (RFC 3168 6.1), in one place so
 * the input and output paths only call in at five points:
 *
 *  - handshake (6.1.1): an ECN-setup SYN carries ECE and CWR, the
 *    ECN-setup SYN-ACK that accepts it ECE only; both ends then use ECN;
 *  - sender (6.1.2, 6.1.4-6.1.6): data sent for the first time goes out
 *    ECT(0), never a SYN, a pure ACK, a retransmission or a window probe;
 *    an ACK with ECE reduces cwnd through the congestion controller at
 *    most once per window of data, and CWR goes on the next new segment;
 *  - receiver (6.1.3): a data segment that arrives with CE makes every
 *    ACK carry ECE until a segment with CWR arrives.
 *
 * The per-connection state is two bytes (pcb->ecn_mode, pcb->ecn).  In
 * SYN_RCVD only TCP_ECN_OK is set: it is the one bit a compact SYN-queue
 * entry needs to answer with the right SYN-ACK and to make the connection.
 * SYN cookies carry no ECN: the cookie's SYN-ACK goes without ECE, so the
 * connection it makes is an ordinary one on both sides (6.1.1 lets a host
 * decline).
 */
#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip4.h"
#include "lwip/stats.h"
#include "lwip/debug.h"

#include <string.h>

static const char *const mode_names[] = {"off", "passive", "on"};

const char *tcp_ecn_mode_name(enum tcp_ecn_mode mode)
{
  return (unsigned)mode < LWIP_ARRAYSIZE(mode_names) ? mode_names[mode] : NULL;
}

err_t tcp_ecn_mode_parse(const char *name, enum tcp_ecn_mode *mode)
{
  for (unsigned i = 0; name != NULL && i < LWIP_ARRAYSIZE(mode_names); i++) {
    if (strcmp(name, mode_names[i]) == 0) {
      *mode = (enum tcp_ecn_mode)i;
      return ERR_OK;
    }
  }
  return ERR_VAL;
}

#if LWIP_TCP_ECN

u8_t tcp_ecn_default_mode = TCP_ECN_MODE_PASSIVE;

err_t tcp_set_ecn(struct tcp_pcb *pcb, enum tcp_ecn_mode mode)
{
  if (pcb == NULL || tcp_ecn_mode_name(mode) == NULL) {
    return ERR_ARG;
  }
  if (pcb->state == LISTEN) {
    ((struct tcp_pcb_listen *)(void *)pcb)->ecn_mode = (u8_t)mode;
  } else {
    pcb->ecn_mode = (u8_t)mode;
  }
  return ERR_OK;
}

/* A mode as it stands now: a PCB never given one follows the default. */
static u8_t effective(u8_t mode)
{
  return mode == TCP_ECN_MODE_UNSET ? tcp_ecn_default_mode : mode;
}

enum tcp_ecn_mode tcp_get_ecn(const struct tcp_pcb *pcb)
{
  if (pcb->state == LISTEN) {
    return (enum tcp_ecn_mode)effective(((const struct tcp_pcb_listen *)(const void *)pcb)->ecn_mode);
  }
  return (enum tcp_ecn_mode)effective(pcb->ecn_mode);
}

void tcp_set_default_ecn(enum tcp_ecn_mode mode)
{
  if (tcp_ecn_mode_name(mode) != NULL) {
    tcp_ecn_default_mode = (u8_t)mode;
  }
}

enum tcp_ecn_mode tcp_get_default_ecn(void)
{
  return (enum tcp_ecn_mode)tcp_ecn_default_mode;
}

/* The handshake's segments: never ECT themselves (6.1.1). */
static void syn_flags(struct tcp_pcb *pcb, u8_t *flags)
{
  if (!(*flags & TCP_ACK)) {
    pcb->ecn_mode = effective(pcb->ecn_mode); /* the handshake fixes it */
    /* Only the first SYN asks: 6.1.1.1 lets a sender whose ECN-setup SYN
     * went unanswered try again without, in case something on the path
     * drops them.  TCP_ECN_OK means "asked" until the SYN-ACK decides. */
    if (pcb->ecn_mode == TCP_ECN_MODE_ON && pcb->nrtx == 0) {
      *flags |= TCP_ECE | TCP_CWR;
      pcb->ecn = TCP_ECN_OK;
    }
  } else if (pcb->ecn & TCP_ECN_OK) {
    *flags |= TCP_ECE; /* the ECN-setup SYN-ACK: ECE without CWR */
  }
}

u8_t tcp_ecn_output(struct tcp_pcb *pcb, u8_t *flags, bool new_data)
{
  if (*flags & TCP_SYN) {
    syn_flags(pcb, flags);
    return IP_ECN_NOT_ECT;
  }
  if (!(pcb->ecn & TCP_ECN_OK)) {
    return IP_ECN_NOT_ECT;
  }
  if ((pcb->ecn & TCP_ECN_ECE) && (*flags & TCP_ACK)) {
    *flags |= TCP_ECE; /* 6.1.3: every ACK until the peer's CWR */
  }
  if (!new_data) {
    /* 6.1.4-6.1.6: pure ACKs, retransmissions and probes are Not-ECT,
     * since their loss is not a congestion signal the sender acts on. */
    return IP_ECN_NOT_ECT;
  }
  if (pcb->ecn & TCP_ECN_CWR) {
    /* 6.1.2: the first new data segment after the reduction says so. */
    *flags |= TCP_CWR;
    pcb->ecn &= (u8_t)~TCP_ECN_CWR;
    STATS_TCP(ECN_CWR_SENT);
  }
  return IP_ECN_ECT0;
}

void tcp_ecn_syn_input(struct tcp_pcb *pcb, u8_t mode, u8_t flags)
{
  mode = effective(mode);
  pcb->ecn_mode = mode;
  pcb->ecn = 0;
  /* 6.1.1: an ECN-setup SYN has both ECE and CWR set. */
  if ((flags & (TCP_ECE | TCP_CWR)) != (TCP_ECE | TCP_CWR) || mode == TCP_ECN_MODE_OFF) {
    return;
  }
  pcb->ecn = TCP_ECN_OK;
  STATS_TCP(ECN_NEGOTIATED);
  LWIP_LOG(TCP, DEBUG, "%u <- port %u: ECN-setup SYN accepted", pcb->local_port, pcb->remote_port);
}

void tcp_ecn_synack_input(struct tcp_pcb *pcb, u8_t flags)
{
  if (!(pcb->ecn & TCP_ECN_OK)) {
    return;
  }
  /* 6.1.1: only ECE without CWR accepts; a SYN-ACK with both is a peer
   * that reflects the flags it does not know, and a SYN without ACK is a
   * simultaneous open, where we do not use ECN. */
  if ((flags & (TCP_ACK | TCP_ECE | TCP_CWR)) != (TCP_ACK | TCP_ECE)) {
    pcb->ecn = 0;
    return;
  }
  STATS_TCP(ECN_NEGOTIATED);
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: ECN negotiated", pcb->local_port, pcb->remote_port);
}

void tcp_ecn_rcv(struct tcp_pcb *pcb, u8_t flags, u8_t ecn, u16_t len)
{
  if (!(pcb->ecn & TCP_ECN_OK)) {
    return;
  }
  /* CWR first: a segment with both CWR and CE starts a new echo (6.1.3). */
  if (flags & TCP_CWR) {
    STATS_TCP(ECN_CWR_RCVD);
    pcb->ecn &= (u8_t)~TCP_ECN_ECE;
  }
  if (len > 0 && (ecn & IP_ECN_MASK) == IP_ECN_CE) {
    STATS_TCP(ECN_CE_RCVD);
    pcb->ecn_ce_rcvd++;
    if (!(pcb->ecn & TCP_ECN_ECE)) {
      /* Tell the sender at once rather than at the delayed-ACK timer: its
       * window may be small (as Linux does). */
      pcb->ecn |= TCP_ECN_ECE;
      pcb->flags |= TF_ACK_NOW;
      LWIP_LOG(TCP, DEBUG, "%u <- port %u: CE received, echoing ECE", pcb->local_port, pcb->remote_port);
    }
  }
}

void tcp_ecn_ack(struct tcp_pcb *pcb, u8_t flags, u32_t ackno)
{
  if (!(pcb->ecn & TCP_ECN_OK)) {
    return;
  }
  bool held = (pcb->ecn & TCP_ECN_HELD) != 0 && !TCP_SEQ_GT(ackno, pcb->ecn_recover);
  if (pcb->trace_recovery == TCP_TRACE_REASON_ECN && TCP_SEQ_GEQ(ackno, pcb->ecn_recover)) {
    /* The window the reduction was for is acknowledged: in a trace the
     * reaction ends here, as a loss recovery ends at its recovery point. */
    tcp_trace_recovery(pcb, false, TCP_TRACE_REASON_ECN);
  }
  if (!(flags & TCP_ECE)) {
    return;
  }
  STATS_TCP(ECN_ECE_RCVD);
  bool open = pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT || pcb->state == FIN_WAIT_1 ||
              pcb->state == CLOSING || pcb->state == LAST_ACK;
  /* 6.1.2: once per window of data.  The marks of the window already
   * reduced for (an ECE's, or a loss recovery's, which also halved cwnd)
   * are acknowledged up to ecn_recover or recover; an ECE on an ACK past
   * both is about data sent after the reduction.  (ecn_recover means
   * nothing before the first reduction: TCP_ECN_HELD says it does.) */
  if (!open || held || (pcb->flags & TF_INFR) || !TCP_SEQ_GT(ackno, pcb->recover)) {
    return;
  }
  TCP_CC(pcb, on_ecn)(pcb);
  pcb->ecn_recover = pcb->snd_max;
  pcb->ecn |= TCP_ECN_CWR | TCP_ECN_HELD;
  pcb->ecn_reductions++;
  STATS_TCP(ECN_REDUCTIONS);
  tcp_trace_recovery(pcb, true, TCP_TRACE_REASON_ECN);
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: ECE, cwnd %lu ssthresh %lu", pcb->local_port, pcb->remote_port,
           (unsigned long)pcb->cwnd, (unsigned long)pcb->ssthresh);
}

#endif /* LWIP_TCP_ECN */
#endif /* LWIP_TCP */
