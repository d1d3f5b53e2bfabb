/**
 * @file tcp_cc.c
 * TCP congestion control behind the small interface of struct tcp_cc_ops
 * (tcp_priv.h): NewReno and, built with tcp_cubic, CUBIC (RFC 9438), one
 * per connection (tcp_set_congestion), without touching the input or
 * output paths.
 *
 * NewReno here is RFC 5681 slow start and congestion avoidance with
 * appropriate byte counting (RFC 3465, L = 2 segments), the RFC 6582
 * window during fast recovery, and the RFC 5681 3.1 / 5.2 reaction to a
 * retransmission timeout.  Recovery itself (which segment to resend) is
 * the input path's job; this file only sets cwnd and ssthresh.
 *
 * Built with tcp_hystart, the first slow start of every controller runs
 * HyStart++ (RFC 9406): RTT samples from tcp_rtt_sample give each round's
 * minimum RTT, a rise ends slow start early in conservative slow start,
 * and loss ends either.
 */
#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/priv/tcp_priv.h"
#include "lwip/debug.h"
#include "lwip/sys.h"

#include <string.h>

/* Keeps a function with several callers out of line where gcc would copy
 * it into each (GCC and Clang; elsewhere only a hint lost). */
#if defined(__GNUC__)
#define TCP_CC_NOINLINE __attribute__((noinline))
#else
#define TCP_CC_NOINLINE
#endif

static enum tcp_iw iw_rule = TCP_IW_RFC5681;

void tcp_set_initial_window(enum tcp_iw rule)
{
  iw_rule = rule == TCP_IW_RFC6928 ? TCP_IW_RFC6928 : TCP_IW_RFC5681;
}

enum tcp_iw tcp_get_initial_window(void)
{
  return iw_rule;
}

u32_t tcp_cc_initial_window(u32_t mss)
{
  if (iw_rule == TCP_IW_RFC6928) {
    /* RFC 6928 2: min(10*MSS, max(2*MSS, 14600)). */
    return LWIP_MIN(10U * mss, LWIP_MAX(2U * mss, 14600U));
  }
  /* RFC 5681 3.1: the initial window depends on SMSS: four segments, one
   * fewer above 1095 bytes and another above 2190. */
  return (4U - (mss > 1095U) - (mss > 2190U)) * mss;
}

/* ---------------------------------------------------------------------- */
/* HyStart++ (RFC 9406), shared by every controller's slow start           */
/* ---------------------------------------------------------------------- */

/* The constants of RFC 9406 4.3, RTTs in ms. */
#define HS_MIN_RTT_THRESH 4U
#define HS_MAX_RTT_THRESH 16U
#define HS_MIN_RTT_DIVISOR 8U
#define HS_N_RTT_SAMPLE 8U
#define HS_CSS_GROWTH_DIVISOR 4U
#define HS_CSS_ROUNDS 5U
#define HS_NONE 0xffffffffU /* "infinity" for the minimum RTTs */

/* The connection's first slow start begins: RFC 9406 4.3 asks for
 * HyStart++ there only, with ssthresh still at its initial value. */
static void hystart_init(struct tcp_pcb *pcb)
{
#if LWIP_TCP_HYSTART
  pcb->hs_phase = TCP_HS_SS;
  pcb->hs_css_rounds = 0;
  pcb->hs_samples = 0;
  pcb->hs_window_end = pcb->snd_nxt;
  pcb->hs_last_min = pcb->hs_cur_min = pcb->hs_css_base = HS_NONE;
#else
  pcb->hs_phase = TCP_HS_OFF; /* the round fields mean nothing without it */
#endif
}

/* A congestion event (loss, timeout, ECN): RFC 9406 4.2 leaves slow start
 * or CSS for congestion avoidance (the controller sets ssthresh), and 4.3
 * uses standard slow start for the rest of the connection.  Without
 * tcp_hystart the phase is never anything but TCP_HS_OFF. */
static void hystart_exit(struct tcp_pcb *pcb)
{
#if LWIP_TCP_HYSTART
  pcb->hs_phase = TCP_HS_OFF;
#else
  LWIP_UNUSED_ARG(pcb);
#endif
}

#if LWIP_TCP_HYSTART
/* RFC 9406 4.2: the round ends when SND.UNA passes windowEnd; the next
 * one runs to what has been sent by now.  In CSS, the round counts
 * towards CSS_ROUNDS (a partial first round included); after them CSS
 * ends in congestion avoidance with ssthresh = cwnd. */
static void hystart_round(struct tcp_pcb *pcb)
{
  if (!TCP_SEQ_GEQ(pcb->snd_una, pcb->hs_window_end)) {
    return;
  }
  if (pcb->hs_phase == TCP_HS_CSS && ++pcb->hs_css_rounds >= HS_CSS_ROUNDS) {
    pcb->ssthresh = pcb->cwnd;
    pcb->hs_phase = TCP_HS_OFF;
    LWIP_LOG(TCP, DEBUG, "%u -> port %u: HyStart++ CSS over, ssthresh %lu", pcb->local_port, pcb->remote_port,
             (unsigned long)pcb->ssthresh);
    return;
  }
  pcb->hs_window_end = pcb->snd_nxt;
  pcb->hs_last_min = pcb->hs_cur_min;
  pcb->hs_cur_min = HS_NONE;
  pcb->hs_samples = 0;
}
#endif

#if LWIP_TCP_HYSTART
void tcp_hystart_rtt(struct tcp_pcb *pcb, u32_t rtt_ms)
{
  if (pcb->hs_phase == TCP_HS_OFF || pcb->cwnd >= pcb->ssthresh) {
    return;
  }
  pcb->hs_cur_min = LWIP_MIN(pcb->hs_cur_min, rtt_ms);
  if (pcb->hs_samples < 0xffU) {
    pcb->hs_samples++;
  }
  if (pcb->hs_samples < HS_N_RTT_SAMPLE) {
    return;
  }
  if (pcb->hs_phase == TCP_HS_SS) {
    /* RFC 9406 4.2: leave slow start when this round's minimum RTT rose
     * by RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms). */
    if (pcb->hs_last_min == HS_NONE) {
      return;
    }
    u32_t thresh = LWIP_MAX(HS_MIN_RTT_THRESH, LWIP_MIN(pcb->hs_last_min / HS_MIN_RTT_DIVISOR, HS_MAX_RTT_THRESH));
    if (pcb->hs_cur_min >= pcb->hs_last_min + thresh) {
      pcb->hs_css_base = pcb->hs_cur_min;
      pcb->hs_css_rounds = 0;
      pcb->hs_phase = TCP_HS_CSS;
      LWIP_LOG(TCP, DEBUG, "%u -> port %u: HyStart++ to CSS, min rtt %lu -> %lu ms, cwnd %lu", pcb->local_port,
               pcb->remote_port, (unsigned long)pcb->hs_last_min, (unsigned long)pcb->hs_cur_min,
               (unsigned long)pcb->cwnd);
    }
  } else if (pcb->hs_cur_min < pcb->hs_css_base) {
    /* RFC 9406 4.2: the RTT fell below the baseline, the exit from slow
     * start was spurious: resume it. */
    pcb->hs_css_base = HS_NONE;
    pcb->hs_phase = TCP_HS_SS;
    LWIP_LOG(TCP, DEBUG, "%u -> port %u: HyStart++ back to slow start, min rtt %lu ms", pcb->local_port,
             pcb->remote_port, (unsigned long)pcb->hs_cur_min);
  }
}
#endif /* LWIP_TCP_HYSTART */

#if LWIP_STATS /* only tcp_get_info's full snapshot names it */
const char *tcp_cc_phase_name(const struct tcp_pcb *pcb)
{
  if (pcb->cwnd >= pcb->ssthresh) {
    return "avoidance";
  }
  return LWIP_TCP_HYSTART && pcb->hs_phase == TCP_HS_CSS ? "css" : "slow_start";
}
#endif

void tcp_newreno_init(struct tcp_pcb *pcb)
{
  pcb->cwnd = tcp_cc_initial_window(pcb->mss);
  pcb->ssthresh = 0x7fffffffU;
  pcb->bytes_acked = 0;
  hystart_init(pcb);
}

/* Slow start with ABC: at most 2 * SMSS per ACK (RFC 3465 2.2); in
 * HyStart++'s CSS a quarter of that (RFC 9406 4.2).  @return how much
 * cwnd grows at this ACK. */
static u32_t slow_start(struct tcp_pcb *pcb, u32_t acked)
{
  u32_t inc = LWIP_MIN(acked, 2U * (u32_t)pcb->mss);
#if LWIP_TCP_HYSTART
  if (pcb->hs_phase != TCP_HS_OFF) {
    if (pcb->hs_phase == TCP_HS_CSS) {
      inc /= HS_CSS_GROWTH_DIVISOR;
    }
    hystart_round(pcb);
    if (pcb->cwnd >= pcb->ssthresh) {
      return 0; /* CSS ended in congestion avoidance at this ACK */
    }
  }
#endif
  return inc;
}

/* cwnd grown by @p inc, never past what any window could use.  (cwnd
 * itself never is: every path that sets it stays below.) */
static void cwnd_grow(struct tcp_pcb *pcb, u32_t inc)
{
  pcb->cwnd = LWIP_MIN(pcb->cwnd + inc, 0x3fffffffU);
}

void tcp_newreno_on_ack(struct tcp_pcb *pcb, u32_t acked)
{
  u32_t inc = 0;
  if (pcb->cwnd < pcb->ssthresh) {
    inc = slow_start(pcb, acked);
  } else {
    /* Congestion avoidance: one SMSS per window of bytes acknowledged
     * (RFC 5681 3.1, the byte-counting variant). */
    pcb->bytes_acked += acked;
    if (pcb->bytes_acked >= pcb->cwnd) {
      pcb->bytes_acked -= pcb->cwnd;
      inc = pcb->mss;
    }
  }
  cwnd_grow(pcb, inc);
}

/* A congestion event (loss, timeout, ECN) for NewReno: HyStart++ ends,
 * congestion avoidance counts its bytes anew, and the return is RFC 5681
 * 3.1 equation (4): ssthresh = max(FlightSize / 2, 2 * SMSS), where
 * FlightSize leaves out what limited transmit sent (3.2 step 2). */
TCP_CC_NOINLINE static u32_t newreno_event(struct tcp_pcb *pcb)
{
  hystart_exit(pcb);
  pcb->bytes_acked = 0;
  u32_t flight = pcb->snd_max - pcb->snd_una;
  u32_t lent = (u32_t)pcb->lt_segs * pcb->mss;
  flight = flight > lent ? flight - lent : 0;
  return LWIP_MAX(flight / 2U, 2U * (u32_t)pcb->mss);
}

void tcp_newreno_on_recovery(struct tcp_pcb *pcb)
{
  pcb->ssthresh = newreno_event(pcb);
  /* RFC 6582 3.2 step 2 (and RFC 5681 3.2): inflate by the three segments
   * that left the network.  With SACK, RFC 6675 counts pipe instead, so
   * cwnd is simply ssthresh. */
  pcb->cwnd = (pcb->flags & TF_SACK) ? pcb->ssthresh : pcb->ssthresh + 3U * (u32_t)pcb->mss;
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: recovery, cwnd %lu ssthresh %lu", pcb->local_port, pcb->remote_port,
           (unsigned long)pcb->cwnd, (unsigned long)pcb->ssthresh);
}

void tcp_newreno_on_recovery_end(struct tcp_pcb *pcb)
{
  /* RFC 6582 3.2 step 3, first option: deflate to
   * min(ssthresh, FlightSize + SMSS) to avoid a burst. */
  u32_t flight = pcb->snd_max - pcb->snd_una;
  pcb->cwnd = LWIP_MIN(pcb->ssthresh, flight + pcb->mss);
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: recovery over, cwnd %lu", pcb->local_port, pcb->remote_port,
           (unsigned long)pcb->cwnd);
}

void tcp_newreno_on_rto(struct tcp_pcb *pcb)
{
  /* RFC 5681 3.1 equation (4) and the loss window of one segment; a
   * second timeout of the same data does not halve again (RFC 5681 7). */
  u32_t half = newreno_event(pcb);
  if (pcb->nrtx <= 1U) {
    pcb->ssthresh = half;
  }
  pcb->cwnd = pcb->mss;
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: RTO, cwnd %lu ssthresh %lu", pcb->local_port, pcb->remote_port,
           (unsigned long)pcb->cwnd, (unsigned long)pcb->ssthresh);
}

/* RFC 3168 6.1.2: an ECE halves cwnd and sets ssthresh as a loss would
 * (RFC 5681 equation (4)), but nothing is lost: no recovery, no
 * inflation by segments that left the network. */
#if LWIP_TCP_ECN
void tcp_newreno_on_ecn(struct tcp_pcb *pcb)
{
  pcb->ssthresh = newreno_event(pcb);
  pcb->cwnd = pcb->ssthresh;
}
#endif

#if LWIP_TCP_CUBIC
/* ---------------------------------------------------------------------- */
/* CUBIC (RFC 9438)                                                        */
/* ---------------------------------------------------------------------- */

/* C = 0.4 and beta_cubic = 0.7 (RFC 9438 5), as fractions of 10; all the
 * arithmetic is integer: windows in bytes, times in milliseconds. */
#define CUBIC_BETA_X10 7U
/* Ten times alpha_cubic = 3 (1 - beta) / (1 + beta) = 0.529 (4.3). */
#define CUBIC_ALPHA_X1000 529U
/* |t - K| beyond this changes nothing that a 32-bit cwnd could hold, and
 * keeps (t - K)^3 * MSS * 4 inside 63 bits. */
#define CUBIC_DT_MAX_MS 100000

/* Integer cube root, floor(cbrt(x)), by bisection on 21 bits. */
static u32_t icbrt(u64_t x)
{
  u32_t lo = 0, hi = 2097152U; /* 2^21: its cube is 2^63 */
  while (lo + 1U < hi) {
    u32_t mid = lo + (hi - lo) / 2U;
    if ((u64_t)mid * mid * mid <= x) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/* W_cubic(t) = C (t - K)^3 + W_max (RFC 9438 4.2), bytes, for @p t_ms
 * since the epoch began. */
static u32_t cubic_w(const struct tcp_pcb *pcb, u32_t t_ms)
{
  int64_t d = (int64_t)t_ms - (int64_t)pcb->cc_k_ms;
  d = LWIP_MAX(LWIP_MIN(d, (int64_t)CUBIC_DT_MAX_MS), -(int64_t)CUBIC_DT_MAX_MS);
  /* 0.4 d^3 / 1e9 segments of MSS bytes. */
  int64_t delta = d * d * d * (int64_t)pcb->mss * 4 / 10000000000LL;
  int64_t w = (int64_t)pcb->cc_wmax + delta;
  return (u32_t)LWIP_MAX(LWIP_MIN(w, (int64_t)0x3fffffff), (int64_t)2 * pcb->mss);
}

static void cubic_init(struct tcp_pcb *pcb)
{
  tcp_newreno_init(pcb);
  pcb->cc_wmax = 0;
  pcb->cc_k_ms = 0;
  pcb->cc_epoch = 0;
  pcb->cc_west = 0;
}

static void cubic_on_ack(struct tcp_pcb *pcb, u32_t acked)
{
  if (pcb->cwnd < pcb->ssthresh) {
    cwnd_grow(pcb, slow_start(pcb, acked));
    return;
  }
  u32_t now = sys_now();
  if (pcb->cc_epoch == 0) {
    /* A new congestion-avoidance epoch (4.2): after slow start, or the
     * first ACK after a reduction.  Without a congestion event yet, the
     * curve starts at the current window (K = 0). */
    pcb->cc_epoch = now | 1U;
    pcb->cc_west = pcb->cwnd;
    if (pcb->cc_wmax <= pcb->cwnd) {
      pcb->cc_wmax = pcb->cwnd;
      pcb->cc_k_ms = 0;
    } else {
      /* K = cbrt((W_max - cwnd_epoch) / C) seconds, windows in segments;
       * in ms that is cbrt((W_max - cwnd) / MSS * 2.5e9). */
      pcb->cc_k_ms = icbrt((u64_t)(pcb->cc_wmax - pcb->cwnd) * 2500000000ULL / pcb->mss);
    }
  }
  u32_t mss = pcb->mss;
  /* The Reno-friendly window: alpha_cubic segments per window acked (4.3). */
  pcb->bytes_acked += acked;
  u32_t step = (u32_t)(((u64_t)mss * CUBIC_ALPHA_X1000) / 1000U);
  while (pcb->bytes_acked >= pcb->cc_west && pcb->cc_west > 0) {
    pcb->bytes_acked -= pcb->cc_west;
    pcb->cc_west += step;
  }
  /* The target one RTT ahead, kept within [cwnd, 1.5 cwnd] (4.2). */
  u32_t rtt = pcb->srtt8 != 0 ? pcb->srtt8 / 8U : 100U;
  u32_t target = cubic_w(pcb, now - pcb->cc_epoch + rtt);
  target = LWIP_MAX(target, pcb->cwnd);
  target = (u32_t)LWIP_MIN((u64_t)target, (u64_t)pcb->cwnd * 3U / 2U);
  if (cubic_w(pcb, now - pcb->cc_epoch) < pcb->cc_west) {
    /* The Reno-friendly region (4.3): at least what Reno would have. */
    pcb->cwnd = LWIP_MAX(pcb->cwnd, pcb->cc_west);
  } else {
    /* Concave or convex region (4.4, 4.5): (target - cwnd) / cwnd per
     * segment acknowledged. */
    u64_t inc = (u64_t)(target - pcb->cwnd) * acked / pcb->cwnd;
    pcb->cwnd += (u32_t)inc;
  }
  pcb->cwnd = LWIP_MIN(pcb->cwnd, 0x3fffffffU);
}

/* A congestion event (4.6, 4.7): remember W_max (with fast convergence)
 * and decrease multiplicatively by beta_cubic. */
static void cubic_reduce(struct tcp_pcb *pcb)
{
  u32_t w = pcb->cwnd;
  hystart_exit(pcb);
  if (pcb->cc_wmax != 0 && w < pcb->cc_wmax) {
    /* Fast convergence (4.7): the flow lost ground, release more. */
    pcb->cc_wmax = (u32_t)((u64_t)w * (10U + CUBIC_BETA_X10) / 20U);
  } else {
    pcb->cc_wmax = w;
  }
  pcb->ssthresh = LWIP_MAX((u32_t)((u64_t)w * CUBIC_BETA_X10 / 10U), 2U * (u32_t)pcb->mss);
  pcb->cc_epoch = 0; /* K is set when the next epoch starts, from its cwnd */
  pcb->bytes_acked = 0;
}

static void cubic_on_recovery(struct tcp_pcb *pcb)
{
  cubic_reduce(pcb);
  /* As NewReno: cwnd = ssthresh with SACK (pipe does the rest, RFC 6675),
   * else inflated by the three segments that left (RFC 6582 3.2). */
  pcb->cwnd = (pcb->flags & TF_SACK) ? pcb->ssthresh : pcb->ssthresh + 3U * (u32_t)pcb->mss;
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: cubic recovery, cwnd %lu W_max %lu K %lu ms", pcb->local_port, pcb->remote_port,
           (unsigned long)pcb->cwnd, (unsigned long)pcb->cc_wmax, (unsigned long)pcb->cc_k_ms);
}

static void cubic_on_rto(struct tcp_pcb *pcb)
{
  /* 4.8: as Reno, one segment; ssthresh by beta_cubic once per loss. */
  hystart_exit(pcb);
  if (pcb->nrtx <= 1U) {
    cubic_reduce(pcb);
  }
  pcb->cwnd = pcb->mss;
  pcb->cc_epoch = 0;
}

/* RFC 9438 4.6: an ECE is a congestion event like a loss: W_max and the
 * multiplicative decrease, cwnd straight to the new ssthresh. */
#if LWIP_TCP_ECN
static void cubic_on_ecn(struct tcp_pcb *pcb)
{
  cubic_reduce(pcb);
  pcb->cwnd = pcb->ssthresh;
}
#endif

const struct tcp_cc_ops tcp_cc_cubic = {
    .name = "cubic",
    .init = cubic_init,
    .on_ack = cubic_on_ack,
    .on_recovery = cubic_on_recovery,
    .on_recovery_end = tcp_newreno_on_recovery_end,
    .on_rto = cubic_on_rto,
#if LWIP_TCP_ECN
    .on_ecn = cubic_on_ecn,
#endif
};

/* NewReno's table exists only where a PCB may have another controller:
 * without CUBIC, TCP_CC calls NewReno's steps directly. */
const struct tcp_cc_ops tcp_cc_newreno = {
    .name = "newreno",
    .init = tcp_newreno_init,
    .on_ack = tcp_newreno_on_ack,
    .on_recovery = tcp_newreno_on_recovery,
    .on_recovery_end = tcp_newreno_on_recovery_end,
    .on_rto = tcp_newreno_on_rto,
#if LWIP_TCP_ECN /* without it nothing calls on_ecn */
    .on_ecn = tcp_newreno_on_ecn,
#endif
};

const struct tcp_cc_ops *tcp_cc_default = &tcp_cc_newreno;

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
  if (name == NULL) {
    return NULL;
  }
  if (strcmp(name, tcp_cc_newreno.name) == 0) {
    return &tcp_cc_newreno;
  }
  if (strcmp(name, tcp_cc_cubic.name) == 0) {
    return &tcp_cc_cubic;
  }
  return NULL;
}

err_t tcp_set_congestion(struct tcp_pcb *pcb, const char *name)
{
  const struct tcp_cc_ops *cc = tcp_cc_find(name);
  if (pcb == NULL || cc == NULL) {
    return ERR_VAL;
  }
  if (cc != pcb->cc) {
    pcb->cc = cc;
    pcb->cc_wmax = pcb->cc_k_ms = pcb->cc_epoch = pcb->cc_west = 0;
    pcb->bytes_acked = 0;
  }
  return ERR_OK;
}

const char *tcp_get_congestion(const struct tcp_pcb *pcb)
{
  return pcb != NULL && pcb->cc != NULL ? pcb->cc->name : tcp_cc_default->name;
}

err_t tcp_set_default_congestion(const char *name)
{
  const struct tcp_cc_ops *cc = tcp_cc_find(name);
  if (cc == NULL) {
    return ERR_VAL;
  }
  tcp_cc_default = cc;
  return ERR_OK;
}

bool tcp_congestion_available(const char *name)
{
  return tcp_cc_find(name) != NULL;
}

const char *tcp_get_default_congestion(void)
{
  return tcp_cc_default->name;
}
#else
/* NewReno alone (no tcp_cubic): every PCB and the default have it from
 * tcp_alloc and tcp_init on, so choosing one is only checking the name.
 * The answers are those of a build with CUBIC, less "cubic": ERR_VAL for
 * any other name, as for one that build does not know either.
 * (tcp_cc_find, which nothing calls here, is not built.) */
bool tcp_congestion_available(const char *name)
{
  return name != NULL && strcmp(name, "newreno") == 0;
}

err_t tcp_set_default_congestion(const char *name)
{
  return tcp_congestion_available(name) ? ERR_OK : ERR_VAL;
}

err_t tcp_set_congestion(struct tcp_pcb *pcb, const char *name)
{
  /* No PCB is refused as a NULL name is: ERR_VAL. */
  return tcp_set_default_congestion(pcb != NULL ? name : NULL);
}

const char *tcp_get_congestion(const struct tcp_pcb *pcb)
{
  LWIP_UNUSED_ARG(pcb);
  return "newreno";
}

const char *tcp_get_default_congestion(void)
{
  return "newreno";
}
#endif /* LWIP_TCP_CUBIC */

#endif /* LWIP_TCP */
