/**
 * @file tcp_rack.c
 * RACK-TLP loss detection (RFC 8985) and Proportional Rate Reduction
 * (RFC 6937) for connections with SACK.
 *
 * RACK decides a segment is lost by time rather than by counting: once a
 * segment sent later than it has been delivered, and a reordering window
 * has passed on top of the round-trip time, it is lost.  A lost
 * retransmission is found the same way, which the duplicate-ACK count of
 * RFC 6675 cannot do.  The Tail Loss Probe sends one segment when ACKs
 * stop coming, so a lost tail produces SACKs (and a RACK detection) after
 * about two round trips instead of waiting for the retransmission timeout.
 * PRR spreads the window reduction of a recovery over the round trip, so
 * the sender neither stops nor bursts.
 *
 * What happens with the losses (the recovery episode, which segment goes
 * next) stays in tcp_in.c with RFC 6675's NextSeg; this file keeps the
 * state RACK, TLP and PRR need and the arithmetic the RFCs give.
 *
 * Times are sys_now() milliseconds.  A segment's send time is the even
 * millisecond at or below its xmit_ms (tcp_out.c stores sys_now() | 1 so
 * that 0 means "never sent"), so a send time is never in the future.
 */
#include "lwip/opt.h"

#if LWIP_TCP && LWIP_TCP_RACK

#include "lwip/debug.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcp_trace.h"

/** No RTT sample yet. */
#define RACK_NO_RTT 0xffffffffU
/** RFC 8985 6.2 step 4: recoveries a grown reordering window lasts. */
#define RACK_REO_PERSIST 16U
/** The reordering window grows by min_RTT / 4 per D-SACK round, up to
 *  SRTT; this caps the multiplier well above any SRTT / (min_RTT / 4). */
#define RACK_REO_MULT_MAX 64U
/** RFC 8985 7.2 WCDelAckT: the worst-case delayed-ACK time a peer may add
 *  when only one segment is in flight. */
#define TLP_WCDELACK_MS 200U
/** The shortest probe timeout.  RFC 8985 7.2 gives 2 * SRTT, which on a
 *  LAN is below our clock's and timer wheel's 10 ms granularity and below
 *  a peer's ACK jitter; Linux uses the same floor. */
#define TLP_MIN_MS 10U
/** PTO before the first RTT sample (RFC 8985 7.2: one second). */
#define TLP_NO_RTT_MS 1000U

static u32_t seg_sent_ms(const struct tcp_seg *seg)
{
  return seg->xmit_ms & ~1U;
}

/* RFC 8985 6.2, RACK_sent_after(): was transmission @p a sent after @p b?
 * The RFC breaks ties between equal timestamps by sequence number; with a
 * millisecond clock ties are the rule, and a retransmission sent right
 * after new data in the same tick would be taken for the older of the two
 * (and marked lost as soon as the new data is SACKed).  So transmissions
 * are numbered (tcp_seg.xmit_order), which orders them exactly. */
static bool rack_sent_after(u32_t a, u32_t b)
{
  return TCP_SEQ_GT(a, b);
}

bool tcp_rack_on(const struct tcp_pcb *pcb)
{
  return tcp_get_loss_detection() == TCP_LOSS_RACK && (pcb->flags & TF_SACK) != 0;
}

void tcp_rack_init(struct tcp_pcb *pcb)
{
  pcb->rack_xmit_ms = pcb->rack_order = pcb->rack_rtt = 0;
  pcb->xmit_count = 0;
  pcb->rack_min_rtt = RACK_NO_RTT;
  pcb->rack_fack = pcb->rack_fack_next = 0; /* taken from the first delivery */
  pcb->rack_dsack_round = 0;
  pcb->rack_flags = 0;
  pcb->rack_reo_mult = 1;
  pcb->rack_reo_persist = 0;
  pcb->rack_due = pcb->tlp_due = 0;
  pcb->tlp_seq = pcb->tlp_end_seq = 0;
  pcb->prr_delivered = pcb->prr_out = pcb->prr_recover_fs = 0;
  pcb->rack_lost_total = pcb->tlp_total = pcb->tlp_repaired = pcb->dsack_total = 0;
}

void tcp_rack_delivered(struct tcp_pcb *pcb, const struct tcp_seg *seg, u32_t now)
{
  u32_t sent = seg_sent_ms(seg);
  u32_t end = seg->seqno + TCP_SEG_SEQLEN(seg);
  s32_t d = (s32_t)(now - sent);
  u32_t rtt = d > 0 ? (u32_t)d : 0U;
  bool rexmit = (seg->state & SEG_RETRANSMITTED) != 0;
  /* Step 2: an ACK faster than the path's minimum RTT cannot be for the
   * retransmission; it is for the original, and this sample would claim
   * the retransmission was delivered (RFC 8985 6.2 step 2). */
  if (rexmit && (pcb->rack_min_rtt == RACK_NO_RTT || rtt < pcb->rack_min_rtt)) {
    return;
  }
  if (!(pcb->rack_flags & RACK_VALID)) {
    pcb->rack_fack = pcb->rack_fack_next = seg->seqno;
  }
  pcb->rack_rtt = rtt;
  if (rtt < pcb->rack_min_rtt) {
    pcb->rack_min_rtt = rtt;
  }
  if (!(pcb->rack_flags & RACK_VALID) || rack_sent_after(seg->xmit_order, pcb->rack_order)) {
    pcb->rack_xmit_ms = sent;
    pcb->rack_order = seg->xmit_order;
    pcb->rack_flags |= RACK_VALID;
  }
  /* Step 3: a never-retransmitted segment delivered below the highest
   * sequence delivered before this ACK arrived out of order. */
  if (!rexmit && TCP_SEQ_LT(end, pcb->rack_fack)) {
    if (!(pcb->rack_flags & RACK_REORDER_SEEN)) {
      LWIP_LOG(TCP, DEBUG, "%u -> port %u: RACK: peer reorders (seq %lu below %lu)", pcb->local_port, pcb->remote_port,
               (unsigned long)seg->seqno, (unsigned long)pcb->rack_fack);
    }
    pcb->rack_flags |= RACK_REORDER_SEEN;
  }
  if (TCP_SEQ_GT(end, pcb->rack_fack_next)) {
    pcb->rack_fack_next = end;
  }
}

void tcp_rack_dsack(struct tcp_pcb *pcb, u32_t l, u32_t r)
{
  pcb->dsack_total++;
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: D-SACK %lu-%lu: a retransmission was not needed", pcb->local_port,
           pcb->remote_port, (unsigned long)l, (unsigned long)r);
  /* RFC 8985 6.2 step 4: at most one growth per round trip. */
  if ((pcb->rack_flags & RACK_DSACK_ROUND) && TCP_SEQ_GEQ(pcb->snd_una, pcb->rack_dsack_round)) {
    pcb->rack_flags &= (u8_t)~RACK_DSACK_ROUND;
  }
  if (!(pcb->rack_flags & RACK_DSACK_ROUND)) {
    if (pcb->rack_reo_mult < RACK_REO_MULT_MAX) {
      pcb->rack_reo_mult++;
    }
    pcb->rack_dsack_round = pcb->snd_nxt;
    pcb->rack_flags |= RACK_DSACK_ROUND;
  }
  pcb->rack_reo_persist = RACK_REO_PERSIST;
  /* A spurious retransmission is reordering the window did not cover.
   * Step 3 cannot see it (the segment was retransmitted, so its delivery
   * below RACK.fack proves nothing), and without reordering_seen the
   * window stays min_RTT / 4, which rounds to 0 ms on a LAN: the D-SACK
   * is the evidence (as Linux takes it). */
  pcb->rack_flags |= RACK_REORDER_SEEN;
  /* RFC 8985 7.4.1: a D-SACK for the probe's retransmission says the
   * original arrived: there was no loss to respond to. */
  if ((pcb->rack_flags & (TLP_ACTIVE | TLP_RETRANS)) == (TLP_ACTIVE | TLP_RETRANS) && TCP_SEQ_GEQ(l, pcb->tlp_seq) &&
      TCP_SEQ_LEQ(r, pcb->tlp_end_seq)) {
    pcb->rack_flags |= TLP_DSACKED;
  }
}

u32_t tcp_rack_reo_wnd(const struct tcp_pcb *pcb)
{
  if (!(pcb->rack_flags & RACK_REORDER_SEEN)) {
    /* RFC 8985 6.2 step 4: without reordering seen, no wait once
     * recovering or once DupThresh segments are SACKed (as RFC 6675). */
    if ((pcb->flags & TF_INFR) || pcb->sacked_bytes >= TCP_DUPTHRESH * (u32_t)pcb->mss) {
      return 0;
    }
  }
  u32_t min_rtt = pcb->rack_min_rtt == RACK_NO_RTT ? 0U : pcb->rack_min_rtt;
  u32_t w = (u32_t)pcb->rack_reo_mult * min_rtt / 4U;
  if (pcb->srtt8 != 0) {
    w = LWIP_MIN(w, pcb->srtt8 / 8U);
  }
  if (pcb->rack_flags & RACK_REORDER_SEEN) {
    /* Our clock ticks in milliseconds: a path whose RTT rounds to 0 ms
     * still reorders by some microseconds, so a peer known to reorder gets
     * a window of at least one tick per multiplier step. */
    w = LWIP_MAX(w, (u32_t)pcb->rack_reo_mult);
  }
  return w;
}

u32_t tcp_rack_detect_loss(struct tcp_pcb *pcb, u32_t now)
{
  pcb->rack_fack = pcb->rack_fack_next;
  pcb->rack_due = 0;
  if (!(pcb->rack_flags & RACK_VALID)) {
    return 0;
  }
  u32_t reo = tcp_rack_reo_wnd(pcb);
  u32_t lost = 0, wait = 0;
  for (struct tcp_seg *seg = pcb->unacked; seg != NULL; seg = seg->next) {
    /* SACKed segments are delivered; a lost one not yet resent waits
     * for NextSeg.  A resent one is judged again by its new send time,
     * which is how RACK finds lost retransmissions. */
    if ((seg->state & SEG_SACKED) || (seg->state & (SEG_LOST | SEG_RECOVERY_RXT)) == SEG_LOST) {
      continue;
    }
    u32_t sent = seg_sent_ms(seg);
    if (!rack_sent_after(pcb->rack_order, seg->xmit_order)) {
      /* The list is in sequence order, which is the order of first
       * transmissions: every segment after one never resent went out
       * later than it, so none of them can be judged yet either.  This
       * keeps the walk per ACK short when nothing is lost (RFC 8985 6.2
       * step 5 allows any order that finds the same segments). */
      if (!(seg->state & SEG_RETRANSMITTED)) {
        break;
      }
      continue;
    }
    s32_t remaining = (s32_t)(sent + pcb->rack_rtt + reo - now);
    if (remaining <= 0) {
      seg->state = (u8_t)((seg->state | SEG_LOST) & ~SEG_RECOVERY_RXT);
      lost++;
    } else if ((u32_t)remaining > wait) {
      wait = (u32_t)remaining;
    }
  }
  if (lost != 0) {
    pcb->rack_flags |= RACK_LOST_MAYBE;
    pcb->rack_lost_total += lost;
    LWIP_LOG(TCP, DEBUG, "%u -> port %u: RACK: %lu segment(s) lost (rtt %lu ms, reo_wnd %lu ms)", pcb->local_port,
             pcb->remote_port, (unsigned long)lost, (unsigned long)pcb->rack_rtt, (unsigned long)reo);
  }
  if (wait != 0) {
    /* RFC 8985 6.3: look again when the earliest candidate's window ends. */
    pcb->rack_due = tcp_due(now, wait);
  }
  return lost;
}

void tcp_rack_recovery_end(struct tcp_pcb *pcb)
{
  /* RFC 8985 6.2 step 4: a window grown by D-SACKs shrinks back after
   * RACK_REO_PERSIST recoveries without one. */
  if (pcb->rack_reo_persist > 0 && --pcb->rack_reo_persist == 0) {
    pcb->rack_reo_mult = 1;
  }
}

void tcp_rack_on_rto(struct tcp_pcb *pcb)
{
  pcb->rack_due = pcb->tlp_due = 0;
  pcb->rack_flags &= (u8_t) ~(TLP_ACTIVE | TLP_RETRANS | TLP_DSACKED);
}

/* ---------------------------------------------------------------------- */
/* Tail loss probe (RFC 8985 7)                                            */
/* ---------------------------------------------------------------------- */

void tcp_tlp_arm(struct tcp_pcb *pcb, u32_t now)
{
  /* 7.2: a probe is armed in the open state only: data in flight, no
   * recovery or timeout recovery under way, no probe outstanding, and no
   * reordering timer (RACK will decide those segments first). */
  bool open = (pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT || pcb->state == FIN_WAIT_1 ||
               pcb->state == CLOSING || pcb->state == LAST_ACK);
  if (!open || !tcp_rack_on(pcb) || pcb->unacked == NULL || (pcb->flags & TF_INFR) || pcb->nrtx != 0 ||
      (pcb->rack_flags & TLP_ACTIVE) || pcb->rack_due != 0) {
    pcb->tlp_due = 0;
    return;
  }
  if (pcb->tlp_due != 0) {
    return;
  }
  u32_t pto = pcb->srtt8 != 0 ? pcb->srtt8 / 4U : TLP_NO_RTT_MS; /* 2 * SRTT */
  if (pcb->srtt8 != 0 && pcb->snd_max - pcb->snd_una <= pcb->mss) {
    pto += TLP_WCDELACK_MS; /* one segment: the peer may delay its ACK */
  }
  pto = LWIP_MAX(pto, TLP_MIN_MS);
  u32_t due = tcp_due(now, pto);
  if (pcb->rto_due != 0 && TCP_SEQ_LEQ(pcb->rto_due, due)) {
    return; /* 7.2: the RTO comes first: no probe */
  }
  pcb->tlp_due = due;
}

/* Send a probe of new data if the peer's window takes a segment: it may
 * go beyond cwnd (7.3), and only one segment goes. */
static bool tlp_send_new(struct tcp_pcb *pcb)
{
  struct tcp_seg *seg = pcb->unsent;
  if (seg == NULL || (seg->flags & TCP_SYN) || pcb->snd_nxt != pcb->snd_max ||
      pcb->snd_max - pcb->snd_una + seg->len > pcb->snd_wnd) {
    return false;
  }
  u32_t before = pcb->snd_max;
  u32_t cwnd = pcb->cwnd;
  pcb->cwnd = pcb->snd_max - pcb->snd_una + seg->len;
  (void)tcp_output(pcb);
  pcb->cwnd = cwnd;
  return pcb->snd_max != before;
}

void tcp_tlp_fire(struct tcp_pcb *pcb)
{
  pcb->tlp_due = 0;
  if (!tcp_rack_on(pcb) || pcb->unacked == NULL || (pcb->flags & TF_INFR) || (pcb->rack_flags & TLP_ACTIVE)) {
    return;
  }
  u32_t seq;
  if (tlp_send_new(pcb)) {
    seq = pcb->unacked_tail->seqno;
    pcb->rack_flags &= (u8_t)~TLP_RETRANS;
  } else {
    /* 7.3: no new data can go: resend the highest segment sent. */
    struct tcp_seg *last = pcb->unacked_tail;
    if (last == NULL || (last->state & SEG_SACKED) || tcp_rexmit_seg(pcb, last) != ERR_OK) {
      return; /* a SACKed tail is no tail loss: RACK handles the rest */
    }
    seq = last->seqno;
    pcb->rack_flags |= TLP_RETRANS;
  }
  pcb->rack_flags = (u8_t)((pcb->rack_flags | TLP_ACTIVE) & ~TLP_DSACKED);
  pcb->tlp_seq = seq;
  pcb->tlp_end_seq = pcb->snd_max;
  pcb->tlp_total++;
  /* 7.3: after the probe the RTO timer runs again from now. */
  pcb->rto_due = tcp_due(sys_now(), pcb->rto);
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: tail loss probe (%s) seq %lu", pcb->local_port, pcb->remote_port,
           (pcb->rack_flags & TLP_RETRANS) ? "retransmission" : "new data", (unsigned long)seq);
  tcp_trace_recovery(pcb, true, TCP_TRACE_REASON_TLP);
}

bool tcp_tlp_ack(struct tcp_pcb *pcb, u32_t ack)
{
  if (!(pcb->rack_flags & TLP_ACTIVE) || TCP_SEQ_LT(ack, pcb->tlp_end_seq)) {
    return false;
  }
  u8_t f = pcb->rack_flags;
  bool repaired = false;
  if (!(f & TLP_RETRANS) || (f & TLP_DSACKED)) {
    /* 7.4.2: new data probed (RACK deals with any loss it revealed), or
     * the D-SACK showed the original arrived: episode over. */
  } else if (TCP_SEQ_GT(ack, pcb->tlp_end_seq)) {
    /* The ACK went past the probe without a D-SACK: the probe repaired a
     * lost segment, and that loss needs a congestion response. */
    repaired = true;
    pcb->tlp_repaired++;
  } else {
    return false; /* ACK of exactly the probe: a D-SACK may still come */
  }
  pcb->rack_flags &= (u8_t) ~(TLP_ACTIVE | TLP_RETRANS | TLP_DSACKED);
  tcp_trace_recovery(pcb, false, TCP_TRACE_REASON_TLP);
  return repaired;
}

/* ---------------------------------------------------------------------- */
/* Proportional Rate Reduction (RFC 6937)                                  */
/* ---------------------------------------------------------------------- */

void tcp_prr_start(struct tcp_pcb *pcb)
{
  pcb->prr_delivered = 0;
  pcb->prr_out = 0;
  pcb->prr_recover_fs = LWIP_MAX(pcb->snd_max - pcb->snd_una, 1U);
}

void tcp_prr_ack(struct tcp_pcb *pcb, u32_t delivered, bool first)
{
  pcb->prr_delivered += delivered;
  u32_t pipe = tcp_pipe(pcb);
  u32_t ssthresh = pcb->ssthresh;
  u32_t sndcnt;
  if (pipe > ssthresh) {
    /* Proportional part: send ssthresh / RecoverFS of what was delivered,
     * rounded up (RFC 6937 3). */
    u64_t want = ((u64_t)pcb->prr_delivered * ssthresh + pcb->prr_recover_fs - 1U) / pcb->prr_recover_fs;
    sndcnt = want > pcb->prr_out ? (u32_t)(want - pcb->prr_out) : 0U;
  } else {
    /* Slow-start reduction bound (PRR-SSRB): pipe fell below ssthresh,
     * grow back to it by at most one segment more than was delivered. */
    u32_t owed = pcb->prr_delivered > pcb->prr_out ? pcb->prr_delivered - pcb->prr_out : 0U;
    u32_t limit = LWIP_MAX(owed, delivered) + pcb->mss;
    sndcnt = LWIP_MIN(ssthresh - pipe, limit);
  }
  if (first && pcb->prr_out == 0) {
    /* The start of recovery.  The fast retransmit goes whatever the
     * arithmetic says (RFC 5681 3.2 step 2; RFC 6937 3 leaves it to the
     * loss recovery), and with pipe below ssthresh, RFC 6675 5 step 4's
     * cwnd = ssthresh: RACK often starts recovery from its timer, with no
     * ACK delivering anything, when several segments were lost at once.
     * PRR's slow-start bound would then resend one of them and wait, and
     * if that one (or its ACK) were lost too, only the RTO would follow. */
    sndcnt = LWIP_MAX(sndcnt, (u32_t)pcb->mss);
    if (pipe < ssthresh) {
      sndcnt = LWIP_MAX(sndcnt, ssthresh - pipe);
    }
  }
  pcb->cwnd = pipe + sndcnt;
}

#endif /* LWIP_TCP && LWIP_TCP_RACK */
