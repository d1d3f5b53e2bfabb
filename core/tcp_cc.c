/**
 * @file tcp_cc.c
 * TCP congestion control behind the small interface of struct tcp_cc_ops
 * (tcp_priv.h), so another controller (CUBIC, RFC 9438) can be added
 * beside NewReno without touching the input or output paths.
 *
 * NewReno here is RFC 5681 slow start and congestion avoidance with
 * appropriate byte counting (RFC 3465, L = 2 segments), the RFC 6582
 * window during fast recovery, and the RFC 5681 3.1 / 5.2 reaction to a
 * retransmission timeout.  Recovery itself (which segment to resend) is
 * the input path's job; this file only sets cwnd and ssthresh.
 */
#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/priv/tcp_priv.h"
#include "lwip/debug.h"

/* RFC 5681 3.1 equation (4): ssthresh = max(FlightSize / 2, 2 * SMSS),
 * where FlightSize leaves out what limited transmit sent (3.2 step 2). */
static u32_t half_flight(const struct tcp_pcb *pcb)
{
  u32_t flight = pcb->snd_max - pcb->snd_una;
  u32_t lent = (u32_t)pcb->lt_segs * pcb->mss;
  flight = flight > lent ? flight - lent : 0;
  return LWIP_MAX(flight / 2U, 2U * (u32_t)pcb->mss);
}

static void newreno_init(struct tcp_pcb *pcb)
{
  /* RFC 5681 3.1: the initial window depends on SMSS. */
  u32_t mss = pcb->mss;
  pcb->cwnd = mss > 2190U ? 2U * mss : mss > 1095U ? 3U * mss : 4U * mss;
  pcb->ssthresh = 0x7fffffffU;
  pcb->bytes_acked = 0;
}

static void newreno_on_ack(struct tcp_pcb *pcb, u32_t acked)
{
  u32_t mss = pcb->mss;
  if (pcb->cwnd < pcb->ssthresh) {
    /* Slow start with ABC: at most 2 * SMSS per ACK (RFC 3465 2.2). */
    pcb->cwnd += LWIP_MIN(acked, 2U * mss);
  } else {
    /* Congestion avoidance: one SMSS per window of bytes acknowledged
     * (RFC 5681 3.1, the byte-counting variant). */
    pcb->bytes_acked += acked;
    if (pcb->bytes_acked >= pcb->cwnd) {
      pcb->bytes_acked -= pcb->cwnd;
      pcb->cwnd += mss;
    }
  }
  /* Never let cwnd run past what any window could use. */
  pcb->cwnd = LWIP_MIN(pcb->cwnd, 0x3fffffffU);
}

static void newreno_on_recovery(struct tcp_pcb *pcb)
{
  pcb->ssthresh = half_flight(pcb);
  /* RFC 6582 3.2 step 2 (and RFC 5681 3.2): inflate by the three segments
   * that left the network.  With SACK, RFC 6675 counts pipe instead, so
   * cwnd is simply ssthresh. */
  pcb->cwnd = (pcb->flags & TF_SACK) ? pcb->ssthresh : pcb->ssthresh + 3U * (u32_t)pcb->mss;
  pcb->bytes_acked = 0;
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: recovery, cwnd %lu ssthresh %lu", pcb->local_port, pcb->remote_port,
           (unsigned long)pcb->cwnd, (unsigned long)pcb->ssthresh);
}

static void newreno_on_recovery_end(struct tcp_pcb *pcb)
{
  /* RFC 6582 3.2 step 3, first option: deflate to
   * min(ssthresh, FlightSize + SMSS) to avoid a burst. */
  u32_t flight = pcb->snd_max - pcb->snd_una;
  pcb->cwnd = LWIP_MIN(pcb->ssthresh, flight + pcb->mss);
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: recovery over, cwnd %lu", pcb->local_port, pcb->remote_port,
           (unsigned long)pcb->cwnd);
}

static void newreno_on_rto(struct tcp_pcb *pcb)
{
  /* RFC 5681 3.1 equation (4) and the loss window of one segment; a
   * second timeout of the same data does not halve again (RFC 5681 7). */
  if (pcb->nrtx <= 1U) {
    pcb->ssthresh = half_flight(pcb);
  }
  pcb->cwnd = pcb->mss;
  pcb->bytes_acked = 0;
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: RTO, cwnd %lu ssthresh %lu", pcb->local_port, pcb->remote_port,
           (unsigned long)pcb->cwnd, (unsigned long)pcb->ssthresh);
}

const struct tcp_cc_ops tcp_cc_newreno = {
  .name = "newreno",
  .init = newreno_init,
  .on_ack = newreno_on_ack,
  .on_recovery = newreno_on_recovery,
  .on_recovery_end = newreno_on_recovery_end,
  .on_rto = newreno_on_rto,
};

const struct tcp_cc_ops *tcp_cc = &tcp_cc_newreno;

#endif /* LWIP_TCP */
