/**
 * @file tcp_in.c
 * TCP input (RFC 9293 3.10.7): header and option parsing, demultiplexing
 * to a connection or listener, the checks every segment passes (sequence
 * acceptability, PAWS from RFC 7323 5, RFC 5961 blind-attack defences),
 * ACK processing with the SACK scoreboard (RFC 2018, RFC 6675), fast
 * retransmit and recovery (RFC 5681, RFC 6582), and the receive side:
 * in-order delivery, the out-of-order queue (a build option, tcp_ooseq),
 * delayed ACKs and the FIN.
 *
 * The path of a segment: tcp_input -> tcp_parse -> tcp_conn_input (or
 * tcp_listen_input, or tcp_no_pcb) -> tcp_ack_input -> tcp_data_input.
 * Everything about one segment travels in a struct tcp_in_seg argument.
 *
 * Callbacks into the application may free the PCB (tcp_abort from any
 * callback, returning ERR_ABRT).  Every function that may run one returns
 * false when the PCB is gone, and its callers stop touching it.
 */
#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/priv/tcp_priv.h"
#include "lwip/priv/tcp_synq.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/inet_chksum.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"

#include <string.h>

/** Options of one segment (RFC 9293 3.2, RFC 7323, RFC 2018). */
struct tcp_opts {
  bool has_mss, has_ws, sack_perm, has_ts;
  u16_t mss;
  u8_t ws;
  u8_t nsack;
  u32_t tsval, tsecr;
  u32_t sack[4][2];
};

/** One received segment, parsed.  @c p holds the data only (header
 *  removed) and is owned here until a function takes it (sets it NULL). */
struct tcp_in_seg {
  struct pbuf *p;
  const struct ip_rx *rx;
  u32_t seqno, ackno;
  u32_t wnd; /**< window field as sent (unscaled) */
  u16_t sport, dport;
  u16_t len; /**< data bytes */
  u8_t flags;
  struct tcp_opts opt;
};

#define SEG_SEQLEN(s) ((u32_t)(s)->len + (((s)->flags & TCP_SYN) ? 1U : 0U) + (((s)->flags & TCP_FIN) ? 1U : 0U))

/* RFC 5961 7: challenge ACKs are rate limited across all connections.
 * (One struct: one address to load for both.) */
static struct {
  u32_t window_start;
  u32_t count;
} challenge;

void tcp_in_reset(void)
{
  challenge.window_start = 0;
  challenge.count = 0;
}

/* ---------------------------------------------------------------------- */
/* Parsing                                                                 */
/* ---------------------------------------------------------------------- */

/* Read the options in @p o (@p len bytes).  Known options with a wrong
 * length are ignored, as most stacks do; an option running past the header
 * makes the segment malformed.  @return false when malformed. */
TCP_NOINLINE static bool tcp_parse_options(const u8_t *o, u16_t len, struct tcp_opts *out)
{
  memset(out, 0, sizeof(*out));
  u16_t i = 0;
  while (i < len) {
    u8_t kind = o[i];
    if (kind == TCP_OPT_EOL) {
      break;
    }
    if (kind == TCP_OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1U >= len || o[i + 1] < 2U || i + o[i + 1] > len) {
      return false;
    }
    u8_t olen = o[i + 1];
    const u8_t *v = o + i + 2;
    if (kind == TCP_OPT_MSS && olen == TCP_OPTLEN_MSS) {
      out->has_mss = true;
      out->mss = get_be16(v);
    } else if (LWIP_TCP_WSCALE && kind == TCP_OPT_WS && olen == TCP_OPTLEN_WS) {
      /* An extension built out is an unknown option here: skipped. */
      out->has_ws = true;
      out->ws = v[0];
    } else if (LWIP_TCP_SACK && kind == TCP_OPT_SACK_PERM && olen == TCP_OPTLEN_SACK_PERM) {
      out->sack_perm = true;
    } else if (LWIP_TCP_TIMESTAMPS && kind == TCP_OPT_TS && olen == TCP_OPTLEN_TS) {
      out->has_ts = true;
      out->tsval = get_be32(v);
      out->tsecr = get_be32(v + 4);
    } else if (LWIP_TCP_SACK && kind == TCP_OPT_SACK && olen >= 10U && (olen - 2U) % 8U == 0) {
      u8_t n = (u8_t)LWIP_MIN((olen - 2U) / 8U, 4U);
      for (u8_t b = 0; b < n; b++) {
        out->sack[b][0] = get_be32(v + 8U * b);
        out->sack[b][1] = get_be32(v + 8U * b + 4U);
      }
      out->nsack = n;
    }
    i = (u16_t)(i + olen);
  }
  return true;
}

/* Validate the header and fill @p s.  On success the header is removed
 * from the pbuf.  @return false (counted) when the segment is dropped. */
static bool tcp_parse(struct pbuf *p, const struct ip_rx *rx, struct tcp_in_seg *s)
{
  u8_t buf[TCP_HLEN_MAX];
  if (p->tot_len < TCP_HLEN) {
    LWIP_DROP(TCP_SHORT);
    return false;
  }
  /* RFC 1122 4.2.3.10: a SYN (or anything) to a broadcast or multicast
   * address is not TCP. */
  if (rx->is_broadcast || rx->is_multicast) {
    LWIP_DROP(TCP_BAD_DEST);
    return false;
  }
  /* One fetch covers any header length: the most a header can be, or
   * the whole segment when it is shorter (hlen > tot_len is refused). */
  const u8_t *h = (const u8_t *)pbuf_get_contiguous(p, buf, sizeof(buf), (u16_t)LWIP_MIN(p->tot_len, sizeof(buf)), 0);
  if (h == NULL) {
    LWIP_DROP(TCP_SHORT);
    return false;
  }
  u16_t hlen = (u16_t)((h[TCP_OFF_HDRLEN] >> 4) * 4U);
  if (hlen < TCP_HLEN || hlen > p->tot_len) {
    LWIP_DROP(TCP_BAD_HLEN);
    return false;
  }
  if (NETIF_CHECKSUM_ENABLED(rx->inp, NETIF_CHECKSUM_CHECK_TCP) && !PBUF_CSUM_VERIFIED(p) &&
      tcp_chksum(p, &rx->src, &rx->dest) != 0) {
    LWIP_DROP(TCP_BAD_CHKSUM);
    return false;
  }
  s->rx = rx;
  s->sport = get_be16(h + TCP_OFF_SRC);
  s->dport = get_be16(h + TCP_OFF_DEST);
  s->seqno = get_be32(h + TCP_OFF_SEQ);
  s->ackno = get_be32(h + TCP_OFF_ACK);
  s->flags = h[TCP_OFF_FLAGS];
  s->wnd = get_be16(h + TCP_OFF_WND);
  if (!tcp_parse_options(h + TCP_HLEN, (u16_t)(hlen - TCP_HLEN), &s->opt)) {
    LWIP_DROP(TCP_BAD_OPTION);
    return false;
  }
  s->len = (u16_t)(p->tot_len - hlen);
  if (s->len == 0) {
    pbuf_free(p);
    s->p = NULL;
  } else if (p->len >= hlen) {
    pbuf_remove_header(p, hlen);
    s->p = p;
  } else {
    s->p = pbuf_free_header(p, hlen);
  }
  return true;
}

/* ---------------------------------------------------------------------- */
/* Small pieces                                                            */
/* ---------------------------------------------------------------------- */

/* Drop @p n bytes from the front of the segment's data. */
static void seg_trim_front(struct tcp_in_seg *s, u16_t n)
{
  if (n == 0) {
    return;
  }
  s->p = pbuf_free_header(s->p, n);
  s->len = (u16_t)(s->len - n);
  s->seqno += n;
}

/* Keep only the first @p keep bytes of the segment's data. */
static void seg_trim_tail(struct tcp_in_seg *s, u16_t keep)
{
  if (keep == 0) {
    pbuf_free(s->p);
    s->p = NULL;
  } else {
    pbuf_realloc(s->p, keep);
  }
  s->len = keep;
}

/* Data we had already, [@p l, @p r): acknowledge at once (RFC 5681 4.2:
 * the peer may be repairing a loss of our ACKs) and, with SACK, report the
 * range as a D-SACK block (RFC 2883), which lets the peer tell a spurious
 * retransmission from a loss. */
static void tcp_dup_data(struct tcp_pcb *pcb, u32_t l, u32_t r)
{
#if LWIP_TCP_SACK
  if (pcb->flags & TF_SACK) {
    pcb->dsack[0] = l;
    pcb->dsack[1] = r;
  }
#endif
  pcb->flags |= TF_ACK_NOW;
  LWIP_LOG(TCP, DEBUG, "%u: duplicate data %lu..%lu", pcb->local_port, (unsigned long)l, (unsigned long)r);
}

/* Send an ACK now, e.g. for an unacceptable segment (RFC 9293 3.10.7.4). */
static void tcp_ack_now(struct tcp_pcb *pcb)
{
  pcb->flags |= TF_ACK_NOW;
  tcp_output(pcb);
}

/* RFC 5961 3.2 / 4.2 / 5.2: answer a suspicious segment with an ACK so a
 * real peer resynchronises, at most TCP_CHALLENGE_ACK_LIMIT per second. */
static void tcp_challenge_ack(struct tcp_pcb *pcb)
{
  u32_t now = sys_now();
  if (now - challenge.window_start >= 1000U) {
    challenge.window_start = now;
    challenge.count = 0;
  }
  if (challenge.count >= TCP_CHALLENGE_ACK_LIMIT) {
    LWIP_DROP(TCP_CHALLENGE_LIMIT);
    return;
  }
  challenge.count++;
  LWIP_DROP(TCP_CHALLENGE_ACK);
  tcp_send_empty_ack(pcb);
}

/* RFC 6298 2.2 / 2.3 with Karn's rule applied by the callers.  @p r is
 * "now - then" on a 32-bit clock: a TSecr ahead of our clock wraps to a
 * huge value, as does a bogus one from far in the past.  Neither echoes a
 * timestamp we sent in the window (RFC 7323 4.1, Appendix G), so above
 * TCP_RTT_SAMPLE_MAX_MS there is no sample.  Below it, all the arithmetic
 * is unsigned and bounded: srtt8 <= 8 * max, rttvar4 <= 4 * max. */
static void tcp_rtt_sample(struct tcp_pcb *pcb, u32_t r)
{
  if (r > TCP_RTT_SAMPLE_MAX_MS) {
    LWIP_LOG(TCP, DEBUG, "%u -> port %u: rtt sample %lu ms discarded", pcb->local_port, pcb->remote_port,
             (unsigned long)r);
    return;
  }
  if (r == 0) {
    r = 1; /* below the clock's 1 ms granularity (G) */
  }
  tcp_hystart_rtt(pcb, r);
  if (pcb->srtt8 == 0) {
    pcb->srtt8 = r * 8U;
    pcb->rttvar4 = r * 2U;
  } else {
    /* SRTT += (R - SRTT) / 8 and RTTVAR += (|SRTT - R| - RTTVAR) / 4,
     * kept scaled by 8 and 4. */
    u32_t srtt = pcb->srtt8 / 8U;
    u32_t aerr = r >= srtt ? r - srtt : srtt - r;
    pcb->srtt8 += r - srtt; /* modulo 2^32: adds or takes off aerr */
    pcb->rttvar4 = pcb->rttvar4 - pcb->rttvar4 / 4U + aerr;
  }
  /* RFC 6298 2.3's max(G, K*RTTVAR) with G = 1 ms is rttvar4 itself: it
   * starts at 2R >= 2 and x - x/4 >= 1 for every x >= 1. */
  u32_t rto = pcb->srtt8 / 8U + pcb->rttvar4;
  pcb->rto = LWIP_MIN(LWIP_MAX(rto, TCP_RTO_MIN_MS), TCP_RTO_MAX_MS);
  tcp_trace_rtt(pcb, r);
  LWIP_LOG(TCP, TRACE, "%u -> port %u: rtt %lu ms, srtt %lu, rto %lu", pcb->local_port, pcb->remote_port,
           (unsigned long)r, (unsigned long)(pcb->srtt8 / 8U), (unsigned long)pcb->rto);
}

/* RFC 9293 3.7.1 (MUST-15): the send MSS to assume when the SYN carries
 * no MSS option: 536 (576 - 40) over IPv4, 1220 (1280 - 60) over IPv6. */
static u16_t tcp_default_mss(const ip_addr_t *remote)
{
  /* A build without IPv6 has no IPv6 connection: no test of the type. */
  return LWIP_IPV6 && IP_IS_V6(remote) ? 1220U : 536U;
}

/* The options of the peer's SYN decide what the connection uses.  Out
 * of line with the SYN queue and cookies, which call it from three more
 * places; else tcp_syn_take is its one caller. */
#if LWIP_TCP_SYNQ_COOKIES
TCP_NOINLINE
#endif
static void tcp_syn_options(struct tcp_pcb *pcb, const struct tcp_opts *o)
{
  u16_t mss = o->has_mss ? o->mss : tcp_default_mss(&pcb->remote_ip);
  mss = LWIP_MIN(mss, pcb->rcv_mss);
  if (LWIP_TCP_WSCALE && o->has_ws) {
    /* RFC 7323 2.3: a shift above 14 is taken as 14. */
    pcb->flags |= TF_WND_SCALE;
    pcb->snd_scale = (u8_t)LWIP_MIN(o->ws, 14U);
    pcb->rcv_scale = TCP_RCV_SCALE;
  } else if (LWIP_TCP_WSCALE) {
    /* Built without scaling, nothing reads the shifts. */
    pcb->flags &= ~TF_WND_SCALE;
    pcb->snd_scale = pcb->rcv_scale = 0;
  }
  if (LWIP_TCP_SACK && o->sack_perm) {
    pcb->flags |= TF_SACK;
  }
  if (LWIP_TCP_TIMESTAMPS && o->has_ts) {
    pcb->flags |= TF_TIMESTAMP;
    pcb->ts_recent = o->tsval;
    pcb->ts_recent_age = sys_now();
    /* Every segment carries the 12-byte timestamp option: keep segments
     * within the MSS the peer can take (never below our floor of 64). */
    mss = (u16_t)(mss > 64U + 12U ? mss - 12U : 64U);
  }
  pcb->mss = LWIP_MAX(mss, 64U);
}

/* The peer's SYN, at either end of the handshake (RFC 9293 3.10.7.2 and
 * 3.10.7.3): RCV.NXT follows it, its window (never scaled, RFC 7323 2.2)
 * is the send window and dates from it (SND.WL1), and its options decide
 * what the connection uses.  Out of line: both ends of the handshake
 * call it (the SYN queue, when built, makes the passive one). */
TCP_NOINLINE static void tcp_syn_take(struct tcp_pcb *pcb, const struct tcp_in_seg *s)
{
  pcb->rcv_nxt = s->seqno + 1U;
  pcb->snd_wnd = pcb->snd_wnd_max = s->wnd;
  pcb->snd_wl1 = s->seqno;
  tcp_syn_options(pcb, &s->opt);
}

#if LWIP_TCP_SACK
/* RFC 6675 "pipe": bytes believed in flight. */
u32_t tcp_pipe(const struct tcp_pcb *pcb)
{
  u32_t pipe = 0;
  for (const struct tcp_seg *s = pcb->unacked; s != NULL; s = s->next) {
    if (s->state & SEG_SACKED) {
      continue;
    }
    if (!(s->state & SEG_LOST)) {
      pipe += TCP_SEG_SEQLEN(s);
    }
    if (s->state & SEG_RECOVERY_RXT) {
      pipe += TCP_SEG_SEQLEN(s);
    }
  }
  return pipe;
}
#endif

/* ---------------------------------------------------------------------- */
/* Listeners and segments for nobody                                       */
/* ---------------------------------------------------------------------- */

/* Answer the segment with a RST, unless it is one (RFC 9293 3.10.7.1,
 * and 3.10.7.3 for an unacceptable ACK in SYN-SENT): <SEQ=SEG.ACK><CTL=RST>
 * when it carries an ACK, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
 * (the ACK field of a RST without ACK is sent as zero). */
static void tcp_rst_reply(const struct tcp_in_seg *s)
{
  if (s->flags & TCP_RST) {
    return;
  }
  bool ack = (s->flags & TCP_ACK) != 0;
  tcp_rst(ack ? s->ackno : 0, s->seqno + SEG_SEQLEN(s), &s->rx->dest, &s->rx->src, s->dport, s->sport, !ack);
}

/* RFC 9293 3.10.7.1: a segment for no connection is answered with a RST,
 * unless it is one. */
static void tcp_no_pcb(const struct tcp_in_seg *s)
{
  LWIP_DROP(TCP_NO_PCB);
  tcp_rst_reply(s);
}

/* Queue our SYN (or SYN-ACK) to be sent again at once. */
static void tcp_resend_syn(struct tcp_pcb *pcb)
{
  if (pcb->unacked != NULL) {
    struct tcp_seg *seg = pcb->unacked;
    pcb->unacked = seg->next;
    if (pcb->unacked == NULL) {
      pcb->unacked_tail = NULL;
    }
    seg->next = pcb->unsent;
    if (pcb->unsent == NULL) {
      pcb->unsent_tail = seg;
    }
    pcb->unsent = seg;
    pcb->snd_nxt = pcb->snd_una;
  }
  tcp_output(pcb);
}

/* What every passive PCB takes from its listener and the peer's segment. */
static void tcp_passive_init(struct tcp_pcb *pcb, struct tcp_pcb_listen *l, const struct tcp_in_seg *s)
{
  ip_addr_copy(pcb->local_ip, s->rx->dest);
  ip_addr_copy(pcb->remote_ip, s->rx->src);
  pcb->local_port = s->dport;
  pcb->remote_port = s->sport;
  pcb->callback_arg = l->callback_arg;
  pcb->so_options = (u8_t)(l->so_options & SOF_INHERITED);
  pcb->ttl = l->ttl;
  pcb->tos = l->tos;
  pcb->rcv_mss = tcp_eff_mss(TCP_MSS, &pcb->local_ip, &pcb->remote_ip);
}

#if LWIP_TCP_SYNQ_COOKIES
/* SYN cookies (RFC 4987 3.6).  When the handshake queue is full, the
 * SYN-ACK's sequence number carries all we need to rebuild the connection
 * from the peer's ACK, so a flood of SYNs costs no memory:
 *   bits 31..28  period counter (sys_now() / 64 s, mod 16)
 *   bit  27      whether the SYN-ACK carried timestamps
 *   bits 26..24  index of the MSS in cookie_mss[]
 *   bits 23..0   keyed hash of the 4-tuple, bits 31..24 and the peer's
 *                ISN (so the ACK must come at ISN + 1: RCV.NXT is rebuilt
 *                from it, never taken from a later segment)
 * With timestamps, the low 5 bits of our TSval carry the peer's window
 * shift (0-14, 15 = none) and SACK-permitted, and come back in TSecr.
 * Without them, a cookie connection does without scaling and SACK.  An
 * ACK without TSopt for a cookie made with timestamps does not validate:
 * the options it would rebuild are not the ones the SYN-ACK agreed, and
 * its windows would be read with the wrong scale (RFC 7323 3.2 drops such
 * a segment anyway).  A TSopt on the ACK of a cookie made without them is
 * ignored, as 3.2 says.  Bit 27 tells which case an ACK is in, so the
 * check hashes once; the hash covers the bit, so flipping it does not
 * validate. */
static const u16_t cookie_mss[8] = {216, 536, 1200, 1400, 1440, 1452, 1460, 8960};

static u32_t cookie_make(const struct tcp_in_seg *s, u32_t peer_isn, u32_t t, u32_t mss_idx, bool ts)
{
  u32_t top = ((t & 15U) << 4) | (ts ? 8U : 0U) | mss_idx; /* bits 31..24 */
  u32_t h = tcp_cookie_hash(tcp_addr_key(&s->rx->dest), tcp_addr_key(&s->rx->src), ((u32_t)s->dport << 16) | s->sport,
                            top, peer_isn);
  return (top << 24) | (h & 0xffffffU);
}

/* Answer a SYN with a cookie, from a PCB on the stack. */
static void tcp_listen_cookie(struct tcp_pcb_listen *l, struct tcp_in_seg *s)
{
  struct tcp_pcb tmp;
  memset(&tmp, 0, sizeof(tmp));
  tcp_passive_init(&tmp, l, s);
  tmp.state = SYN_RCVD;
  tmp.rcv_nxt = s->seqno + 1U;
  tmp.rcv_wnd = tmp.rcv_ann_wnd = TCP_WND;
  tmp.rcv_ann_right_edge = tmp.rcv_nxt;
  tcp_syn_options(&tmp, &s->opt);
  u16_t peer_mss = LWIP_MIN(s->opt.has_mss ? s->opt.mss : tcp_default_mss(&tmp.remote_ip), tmp.rcv_mss);
  u32_t idx = 7;
  while (idx > 0 && cookie_mss[idx] > peer_mss) {
    idx--;
  }
  u32_t now = sys_now();
  u32_t iss = cookie_make(s, s->seqno, now / TCP_COOKIE_PERIOD_MS, idx, (tmp.flags & TF_TIMESTAMP) != 0);
  if (tmp.flags & TF_TIMESTAMP) {
    u32_t code = (s->opt.has_ws ? LWIP_MIN(s->opt.ws, 14U) : 15U) | (s->opt.sack_perm ? 16U : 0U);
    tmp.ts_offset = ((now & ~31U) | code) - now;
  } else {
    tmp.flags &= ~(TF_WND_SCALE | TF_SACK);
    tmp.snd_scale = tmp.rcv_scale = 0;
  }
  l->cookies_until = (now + 2U * TCP_COOKIE_PERIOD_MS) | 1U;
  LWIP_DROP(TCP_SYN_COOKIE);
  tcp_send_ctrl(&tmp, iss, TCP_SYN | TCP_ACK);
}

static void tcp_conn_input(struct tcp_pcb *pcb, struct tcp_in_seg *s);

/* An ACK for a listener: the third segment of a cookie handshake?
 * @return true when it was (the connection now exists, or the lack of
 * memory was counted). */
static bool tcp_listen_cookie_ack(struct tcp_pcb_listen *l, struct tcp_in_seg *s)
{
  u32_t now = sys_now();
  if (l->cookies_until == 0 || TCP_SEQ_GT(now, l->cookies_until) || (s->flags & (TCP_SYN | TCP_RST))) {
    return false;
  }
  u32_t cookie = s->ackno - 1U;
  u32_t now_t = now / TCP_COOKIE_PERIOD_MS;
  u32_t age = (now_t - (cookie >> 28)) & 15U;
  u32_t idx = (cookie >> 24) & 7U;
  bool ts = (cookie & (1UL << 27)) != 0;
  /* RFC 7323 3.2: a TSopt on a connection that did not agree to
   * timestamps MUST be ignored.  The reverse (TSopt agreed, none now) has
   * no such rule and does not validate. */
  if (age > 1U || (ts && !s->opt.has_ts)) {
    return false;
  }
  /* The third segment comes at the SYN's sequence number + 1 (RFC 9293
   * 3.5); any other one (data after a lost ACK) does not validate. */
  if (cookie_make(s, s->seqno - 1U, now_t - age, idx, ts) != cookie) {
    return false;
  }
  s->opt.has_ts = ts;
  struct tcp_pcb *pcb = tcp_alloc(l->prio);
  if (pcb == NULL) {
    /* No room for the connection the cookie promised: reset it, so the
     * peer fails at once rather than waiting out its retransmissions. */
    LWIP_DROP(TCP_NO_MEM);
    tcp_rst_reply(s); /* <SEQ=SEG.ACK><CTL=RST>: an ACK without RST here */
    return true;
  }
  tcp_passive_init(pcb, l, s);
  pcb->listener = l;
  pcb->flags |= TF_PASSIVE | TF_COOKIE;
  l->accepts_pending++;
  pcb->rcv_nxt = s->seqno;
  /* The cookie's SYN-ACK announced a window the PCB never saw: at most
   * 65535, unscaled in a SYN (RFC 7323 2.2).  Take that as announced, so
   * the data that follows the handshake is inside it. */
  pcb->rcv_ann_wnd = LWIP_MIN((u32_t)TCP_WND, 0xffffU);
  pcb->rcv_ann_right_edge = pcb->rcv_nxt + pcb->rcv_ann_wnd;
  struct tcp_opts o;
  memset(&o, 0, sizeof(o));
  o.has_mss = true;
  o.mss = cookie_mss[idx];
  if (s->opt.has_ts) {
    u32_t code = s->opt.tsecr & 31U;
    o.has_ws = (code & 15U) != 15U;
    o.ws = (u8_t)(code & 15U);
    o.sack_perm = (code & 16U) != 0;
    o.has_ts = true;
    o.tsval = s->opt.tsval;
    pcb->ts_offset = s->opt.tsecr - now;
  }
  tcp_syn_options(pcb, &o);
  tcp_seq_init(pcb, cookie, cookie + 1U, s->seqno - 1U); /* the SYN-ACK has gone */
  tcp_set_state(pcb, SYN_RCVD);
  tcp_hash_insert(pcb);
  LWIP_LOG(TCP, DEBUG, "%u <- %s:%u: connection from a SYN cookie", pcb->local_port, ipaddr_ntoa(&pcb->remote_ip),
           pcb->remote_port);
  tcp_conn_input(pcb, s);
  return true;
}

/* A SYN for a listener (RFC 9293 3.10.7.2): an entry in the SYN queue,
 * which sends the SYN-ACK, or a cookie when the queue is full. */
static void tcp_listen_syn(struct tcp_pcb_listen *l, struct tcp_in_seg *s)
{
  if (l->accepts_pending >= l->backlog) {
    /* The peer retransmits its SYN; by then there may be room. */
    LWIP_DROP(TCP_BACKLOG_FULL);
    return;
  }
  /* What the connection would use, worked out on a PCB on the stack; the
   * entry keeps only the outcome. */
  struct tcp_pcb tmp;
  memset(&tmp, 0, sizeof(tmp));
  tcp_passive_init(&tmp, l, s);
  tmp.rcv_nxt = s->seqno + 1U;
  tcp_syn_options(&tmp, &s->opt);
  u32_t pending = l->accepts_pending; /* u8_t: compared in u32_t */
  tcp_ecn_syn_input(&tmp, l->ecn_mode, s->flags);
  if (pending >= TCP_SYN_QUEUE_MAX || tcp_synq_add(l, &tmp) == NULL) {
    tcp_listen_cookie(l, s);
  }
  /* Data on the SYN is not queued: the peer sends it again once the
   * handshake completes (RFC 9293 3.10.7.2 allows either). */
}

/* A PCB on the stack standing for entry @p e, to answer from.  Its
 * receive window is what our SYN-ACKs announced: an ACK sent from it is
 * not a SYN, so its window is scaled (RFC 7323 2.2) and could otherwise
 * offer the whole TCP_WND, a right edge the entry (which keeps only the
 * unscaled SYN-ACK window) would forget, and the PCB made from it would
 * then move left (RFC 9293 3.8.6: the window must not shrink). */
static void tcp_synq_tmp(const struct tcp_synq_entry *e, struct tcp_pcb *tmp)
{
  memset(tmp, 0, sizeof(*tmp));
  tcp_synq_to_pcb(e, tmp);
  tmp->rcv_wnd = e->rcv_ann;
  tmp->state = SYN_RCVD;
}

/* RFC 9293 3.10.7.4 first check for a handshake in the SYN queue, as
 * tcp_check_seq does for a PCB: PAWS (RFC 7323 5.3), then the window our
 * SYN-ACK announced.  @return false when the segment is dropped (with an
 * ACK unless it is a RST). */
static bool tcp_synq_check_seq(const struct tcp_synq_entry *e, const struct tcp_in_seg *s)
{
  bool rst = (s->flags & TCP_RST) != 0;
  bool ok = true;
  if ((e->opts & TCP_SYNQ_TS) && !rst) {
    if (!s->opt.has_ts) {
      LWIP_DROP(TCP_NO_TS); /* RFC 7323 3.2 */
      return false;
    }
    if (TCP_SEQ_LT(s->opt.tsval, e->ts_recent)) {
      LWIP_DROP(TCP_PAWS);
      ok = false;
    }
  }
  /* The window our SYN-ACKs announced, and the four cases of 3.10.7.4
   * as tcp_check_seq has them. */
  u32_t nxt = e->irs + 1U, wnd = e->rcv_ann, seqlen = SEG_SEQLEN(s);
  if (ok) {
    bool start_in = TCP_SEQ_GEQ(s->seqno, nxt) && TCP_SEQ_LT(s->seqno, nxt + wnd);
    if (seqlen == 0) {
      ok = wnd == 0 ? s->seqno == nxt : start_in;
    } else {
      u32_t last = s->seqno + seqlen - 1U;
      ok = wnd != 0 && (start_in || (TCP_SEQ_GEQ(last, nxt) && TCP_SEQ_LT(last, nxt + wnd)));
    }
    if (!ok) {
      LWIP_DROP(TCP_OUT_OF_WINDOW);
    }
  }
  if (!ok && !rst) {
    struct tcp_pcb tmp;
    tcp_synq_tmp(e, &tmp);
    tcp_send_empty_ack(&tmp);
  }
  return ok;
}

/* The ACK of our SYN arrived for @p e: the connection gets its PCB, in
 * SYN_RCVD as if it had had one all along, and the segment goes through
 * tcp_conn_input (ESTABLISHED, accept, any data) as for any PCB. */
static void tcp_synq_complete(struct tcp_synq_entry *e, struct tcp_in_seg *s)
{
  struct tcp_pcb_listen *l = e->listener;
  if (l == NULL) {
    /* The listener closed during the handshake: reset the connection,
     * as RFC 9293 3.10.7.4 has a passive open that lost its user do. */
    struct tcp_pcb tmp;
    tcp_synq_tmp(e, &tmp);
    tcp_rst_pcb(&tmp, tmp.snd_nxt, tmp.rcv_nxt, true);
    tcp_synq_remove(e);
    return;
  }
  struct tcp_pcb *pcb = tcp_alloc(l->prio);
  if (pcb == NULL) {
    /* The ACK is lost to memory; the entry stays, and the peer's next
     * segment (or its answer to our next SYN-ACK) completes it. */
    LWIP_DROP(TCP_NO_MEM);
    return;
  }
  tcp_synq_to_pcb(e, pcb);
  pcb->listener = l;
  pcb->flags |= TF_PASSIVE;
  if (e->nrtx == 0) {
    /* Time the SYN-ACK, sent once (Karn's rule), when timestamps do not. */
    pcb->rtt_seq = e->iss;
    pcb->rtt_start = (e->due - TCP_SYNQ_RTO_MS) | 1U;
  } else {
    /* RFC 6298 5.7: the SYN-ACK timed out, so data starts with 3 s. */
    pcb->rto = LWIP_MAX(pcb->rto, 3000U);
  }
  tcp_synq_remove(e); /* its place in the backlog passes to the PCB */
  l->accepts_pending++;
  tcp_set_state(pcb, SYN_RCVD);
  tcp_hash_insert(pcb);
  tcp_conn_input(pcb, s);
}

/* A segment for a handshake in the SYN queue, judged as RFC 9293
 * 3.10.7.4 says for SYN-RECEIVED (with RFC 5961's checks) and as
 * tcp_conn_process judges one for a SYN_RCVD PCB. */
static void tcp_synq_input(struct tcp_synq_entry *e, struct tcp_in_seg *s)
{
  u8_t ctl = (u8_t)(s->flags & (TCP_SYN | TCP_ACK | TCP_RST));
  if (ctl == TCP_SYN && s->seqno == e->irs) {
    /* The peer did not get our SYN-ACK and sent its SYN again. */
    tcp_synq_resend(e);
    return;
  }
  if (ctl == (TCP_SYN | TCP_ACK) && s->seqno == e->irs && s->ackno == e->iss + 1U) {
    /* A SYN-ACK repeating the SYN (simultaneous open, RFC 9293 3.5):
     * trimming the old SYN leaves an ACK at RCV.NXT (3.10.7.4). */
    s->flags &= (u8_t)~TCP_SYN;
    s->seqno++;
  }
  if (!tcp_synq_check_seq(e, s)) {
    return;
  }
  struct tcp_pcb tmp;
  if (s->flags & TCP_RST) {
    if (s->seqno == e->irs + 1U) {
      /* Second check: a passively opened handshake returns to LISTEN. */
      LWIP_DROP(TCP_SYNQ_RESET);
      tcp_synq_remove(e);
    } else {
      tcp_synq_tmp(e, &tmp);
      tcp_challenge_ack(&tmp); /* RFC 5961 3.2 */
    }
    return;
  }
  if (s->flags & TCP_SYN) {
    tcp_synq_tmp(e, &tmp);
    tcp_challenge_ack(&tmp); /* RFC 5961 4.2 */
    return;
  }
  if (!(s->flags & TCP_ACK)) {
    LWIP_DROP(TCP_BAD_FLAGS);
    return;
  }
  if (s->ackno != e->iss + 1U) {
    /* Fifth check in SYN-RECEIVED: an ACK that does not acknowledge our
     * SYN is answered with <SEQ=SEG.ACK><CTL=RST>. */
    LWIP_DROP(TCP_BAD_ACK);
    tcp_synq_tmp(e, &tmp);
    tcp_rst_pcb(&tmp, s->ackno, 0, false);
    return;
  }
  tcp_synq_complete(e, s);
}

#else /* LWIP_TCP_SYNQ_COOKIES */

/* A SYN for a listener (RFC 9293 3.10.7.2) without the SYN queue: the
 * connection gets its PCB at once, in SYN_RCVD, as in lwIP.  The backlog
 * bounds how many a listener holds; the PCB's own timers send the SYN-ACK
 * again (RFC 6298) and give the handshake up after
 * TCP_SYN_RCVD_TIMEOUT_MS.  A flood of SYNs can fill the backlog, which
 * the SYN queue and cookies (tcp_synq_cookies) are there to withstand
 * (RFC 4987 3.4, 3.6). */
static void tcp_listen_syn(struct tcp_pcb_listen *l, struct tcp_in_seg *s)
{
  if (l->accepts_pending >= l->backlog) {
    /* The peer retransmits its SYN; by then there may be room. */
    LWIP_DROP(TCP_BACKLOG_FULL);
    return;
  }
  struct tcp_pcb *pcb = tcp_alloc(l->prio);
  if (pcb == NULL) {
    LWIP_DROP(TCP_NO_MEM);
    return;
  }
  tcp_passive_init(pcb, l, s);
  pcb->flags = TF_PASSIVE; /* tcp_alloc cleared the others */
  tcp_syn_take(pcb, s);
  pcb->rcv_ann_right_edge = pcb->rcv_nxt;
#if LWIP_TCP_TIMESTAMPS /* only the TS.Recent update reads it (RFC 7323 4.3) */
  pcb->last_ack_sent = pcb->rcv_nxt;
#endif
  tcp_ecn_syn_input(pcb, l->ecn_mode, s->flags);
  u32_t iss = tcp_isn(pcb);
  tcp_seq_init(pcb, iss, iss, s->seqno); /* the SYN is queued below */
  if (tcp_enqueue_flags(pcb, TCP_SYN) != ERR_OK) {
    tcp_pcb_free(pcb); /* counted; the peer's next SYN may find memory */
    return;
  }
  pcb->listener = l; /* from here on, freeing the PCB gives its place back */
  l->accepts_pending++;
  tcp_set_state(pcb, SYN_RCVD);
  tcp_hash_insert(pcb);
  /* Data on the SYN is not queued: the peer sends it again once the
   * handshake completes (RFC 9293 3.10.7.2 allows either). */
  tcp_output(pcb);
}

#endif /* LWIP_TCP_SYNQ_COOKIES */

static void tcp_listen_input(struct tcp_pcb_listen *l, struct tcp_in_seg *s)
{
  if (s->flags & TCP_RST) {
    LWIP_DROP(TCP_NO_PCB); /* RFC 9293 3.10.7.2: ignore it */
    return;
  }
  if (s->flags & TCP_ACK) {
    /* The end of a cookie handshake, or an ACK for a connection that
     * does not exist: reset it. */
#if LWIP_TCP_SYNQ_COOKIES
    if (tcp_listen_cookie_ack(l, s)) {
      return;
    }
#endif
    tcp_no_pcb(s);
    return;
  }
  if (!(s->flags & TCP_SYN) || (s->flags & TCP_FIN)) {
    LWIP_DROP(TCP_BAD_FLAGS);
    return;
  }
  tcp_listen_syn(l, s);
}

/* RFC 6191 / RFC 9293 3.10.7.4: a new SYN may reuse a 4-tuple in
 * TIME_WAIT when it cannot be confused with the old connection: its
 * timestamp or sequence number is beyond the old one's. */
static bool tcp_timewait_reuse(struct tcp_pcb *pcb, const struct tcp_in_seg *s)
{
  if ((s->flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN) {
    return false;
  }
  bool newer = (pcb->flags & TF_TIMESTAMP) && s->opt.has_ts ? TCP_SEQ_GT(s->opt.tsval, pcb->ts_recent)
                                                            : TCP_SEQ_GT(s->seqno, pcb->rcv_nxt);
  if (!newer || tcp_listen_lookup(&s->rx->dest, s->dport) == NULL) {
    return false;
  }
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: TIME_WAIT reused by a new SYN", pcb->local_port, pcb->remote_port);
  tcp_abandon(pcb, false, ERR_CLSD);
  return true;
}

/* ---------------------------------------------------------------------- */
/* Acceptability                                                           */
/* ---------------------------------------------------------------------- */

/* RFC 9293 3.6: TIME_WAIT lasts 2 MSL from the last FIN acknowledged.
 * Out of line: two callers. */
TCP_NOINLINE static void tcp_tw_restart(struct tcp_pcb *pcb)
{
  pcb->tw_due = tcp_due(sys_now(), 2U * tcp_msl_ms);
}

/* The receive window used to judge segments: the one we announced (RCV.WND
 * as the peer knows it, RFC 9293 3.10.7.4), never less, since we do not
 * shrink it (3.8.6), and never more: the memory budgets promise only what
 * was announced, so a peer that ignores our window cannot make us hold
 * more.  (A connection born of a SYN cookie starts from the window its
 * SYN-ACK carried: tcp_listen_cookie_ack.) */
static u32_t tcp_rcv_window(const struct tcp_pcb *pcb)
{
  return TCP_SEQ_GT(pcb->rcv_ann_right_edge, pcb->rcv_nxt) ? pcb->rcv_ann_right_edge - pcb->rcv_nxt : 0;
}

/* RFC 9293 3.10.7.4 first check, with PAWS (RFC 7323 5.3) before it.
 * @return false when the segment is dropped (an ACK may have been sent). */
static bool tcp_check_seq(struct tcp_pcb *pcb, const struct tcp_in_seg *s)
{
  bool rst = (s->flags & TCP_RST) != 0;
  if (pcb->flags & TF_TIMESTAMP) {
    if (!s->opt.has_ts && !rst) {
      /* RFC 7323 3.2: once negotiated, a segment without it is dropped. */
      LWIP_DROP(TCP_NO_TS);
      return false;
    }
    if (s->opt.has_ts && !rst && TCP_SEQ_LT(s->opt.tsval, pcb->ts_recent) &&
        sys_now() - pcb->ts_recent_age < 24U * 24U * 3600U * 1000U) {
      LWIP_DROP(TCP_PAWS);
      tcp_ack_now(pcb);
      return false;
    }
  }
  /* The four cases of 3.10.7.4 with d = SEG.SEQ - RCV.NXT: a sequence
   * number x lies in RCV.NXT =< x < RCV.NXT + RCV.WND exactly when
   * x - RCV.NXT < RCV.WND unsigned, since the window is below 2^31
   * (tcp_rcv_window); with a zero window nothing does. */
  u32_t wnd = tcp_rcv_window(pcb);
  u32_t seqlen = SEG_SEQLEN(s);
  u32_t d = s->seqno - pcb->rcv_nxt;
  /* The first sequence number in the window; or with text, the last.
   * Without: SEG.SEQ = RCV.NXT in a zero window.  And a peer that filled
   * our window sends its ACKs numbered at the right edge; with a hole
   * below it they fail the window test, and their ACK field (what the
   * peer received of ours) would never be read: the "special allowance
   * ... to accept valid ACKs" of 3.10.7.4.  Not for RSTs, which RFC 5961
   * 3.2 wants inside the window. */
  if (d < wnd || (seqlen != 0 ? d + seqlen - 1U < wnd : d == wnd && (wnd == 0 || !rst))) {
    return true;
  }
  LWIP_DROP(TCP_OUT_OF_WINDOW);
  if (!rst) {
    /* Wholly old data: the ACK goes below; its range matters only to a
     * D-SACK block and the debug log. */
    if ((LWIP_TCP_SACK || LWIP_DEBUG) && s->len > 0 && TCP_SEQ_LEQ(s->seqno + s->len, pcb->rcv_nxt)) {
      tcp_dup_data(pcb, s->seqno, s->seqno + s->len);
    }
    if (pcb->state == TIME_WAIT && (s->flags & TCP_FIN)) {
      tcp_tw_restart(pcb); /* the peer lost our ACK of its FIN */
    }
    tcp_ack_now(pcb);
  }
  return false;
}

/* RFC 7323 4.3: remember the peer's timestamp to echo. */
static void tcp_update_ts_recent(struct tcp_pcb *pcb, const struct tcp_in_seg *s)
{
  if ((pcb->flags & TF_TIMESTAMP) && s->opt.has_ts && TCP_SEQ_LEQ(s->seqno, pcb->last_ack_sent) &&
      TCP_SEQ_GEQ(s->seqno + SEG_SEQLEN(s), pcb->last_ack_sent)) {
    pcb->ts_recent = s->opt.tsval;
    pcb->ts_recent_age = sys_now();
  }
}

/* A RST exactly at rcv_nxt (RFC 5961 3.2) resets the connection. */
static void tcp_rst_input(struct tcp_pcb *pcb)
{
  LWIP_LOG(TCP, INFO, "%u -> %s:%u reset by peer in %s", pcb->local_port, ipaddr_ntoa(&pcb->remote_ip),
           pcb->remote_port, tcp_state_name(pcb->state));
  tcp_abandon(pcb, false, ERR_RST);
}

/* ---------------------------------------------------------------------- */
/* ACK processing                                                          */
/* ---------------------------------------------------------------------- */

/* SND.UNA moves up to @p ack (RFC 9293 3.10.7.4): free what it covers
 * from the unacked queue, then from unsent (after a timeout, sent
 * segments were moved back there), and restart the timer (RFC 6298 5.3).
 * @return data bytes acknowledged. */
static u32_t tcp_ack_advance(struct tcp_pcb *pcb, u32_t ack)
{
  u32_t data = 0;
  for (struct tcp_seg **head = &pcb->unacked;; head = &pcb->unsent) {
    struct tcp_seg *seg;
    while ((seg = *head) != NULL) {
      /* pbufs the segment holds (a bare SYN or FIN counts as one entry,
       * as tcp_enqueue_flags counts it), less what it holds after. */
      u16_t freed = seg->p != NULL ? pbuf_clen(seg->p) : 1U;
      bool sacked = (seg->state & SEG_SACKED) != 0;
      u16_t cut;
      if (TCP_SEQ_LEQ(seg->seqno + TCP_SEG_SEQLEN(seg), ack)) {
        *head = seg->next;
        cut = seg->len;
        if (head == &pcb->unacked && tcp_rack_on(pcb) && !sacked) {
          tcp_rack_delivered(pcb, seg, sys_now()); /* a SACKed one was counted when SACKed */
        }
        tcp_seg_free(seg);
        seg = NULL;
      } else if (TCP_SEQ_LT(seg->seqno, ack) && seg->len > 0) {
        /* Part of a segment acknowledged (the peer took what fit); all
         * its data gone leaves a bare FIN.  (Never a SYN: one is queued
         * without data, and nothing adds data to it; see tcp_rexmit_seg.) */
        cut = (u16_t)LWIP_MIN(ack - seg->seqno, (u32_t)seg->len);
        seg->p = pbuf_free_header(seg->p, cut);
        seg->len = (u16_t)(seg->len - cut);
        seg->seqno += cut;
        freed = (u16_t)(freed - (seg->p != NULL ? pbuf_clen(seg->p) : 1U));
      } else {
        break;
      }
      data += cut;
      if (sacked) {
        /* RFC 6675 2: the scoreboard holds only what is above SND.UNA. */
        pcb->sacked_bytes -= LWIP_MIN(pcb->sacked_bytes, (u32_t)cut);
      }
      pcb->snd_queuelen = (u16_t)(pcb->snd_queuelen - LWIP_MIN(pcb->snd_queuelen, freed));
      if (seg != NULL) {
        break;
      }
    }
    if (head == &pcb->unsent) {
      break;
    }
  }
  if (pcb->unsent == NULL) {
    pcb->unsent_tail = NULL;
  }
  if (pcb->unacked == NULL) {
    pcb->unacked_tail = NULL;
  }
  pcb->snd_una = ack;
  if (TCP_SEQ_LT(pcb->snd_nxt, ack)) {
    pcb->snd_nxt = ack;
  }
  pcb->nrtx = 0;
  pcb->rto_due = 0;
  return data;
}

/* Mark what the SACK blocks cover and which holes count as lost
 * (RFC 6675 2: IsLost() with more than (DupThresh - 1) * SMSS SACKed above).
 * @return true when the ACK SACKed data not SACKed before (RFC 6675 2
 * calls such an ACK a duplicate acknowledgment, whatever its window). */
/* RFC 2883 4: the first block reports a duplicate (D-SACK) when it lies
 * below the cumulative ACK or inside the second block. */
static bool tcp_sack_is_dsack(const struct tcp_pcb *pcb, const struct tcp_in_seg *s)
{
  u32_t l = s->opt.sack[0][0], r = s->opt.sack[0][1];
  if (!TCP_SEQ_LT(l, r) || TCP_SEQ_GT(r, pcb->snd_max)) {
    return false;
  }
  if (TCP_SEQ_LEQ(r, s->ackno)) {
    return true;
  }
  return s->opt.nsack > 1 && TCP_SEQ_GEQ(l, s->opt.sack[1][0]) && TCP_SEQ_LEQ(r, s->opt.sack[1][1]);
}

static bool tcp_sack_update(struct tcp_pcb *pcb, const struct tcp_in_seg *s)
{
  if (!(pcb->flags & TF_SACK) || s->opt.nsack == 0) {
    return false;
  }
  bool rack = tcp_rack_on(pcb);
  if (rack && tcp_sack_is_dsack(pcb, s)) {
    tcp_rack_dsack(pcb, s->opt.sack[0][0], s->opt.sack[0][1]);
  }
  u32_t before = pcb->sacked_bytes;
  u32_t now = sys_now();
  for (u8_t b = 0; b < s->opt.nsack; b++) {
    u32_t l = s->opt.sack[b][0], r = s->opt.sack[b][1];
    /* RFC 2018 / RFC 2883: ignore D-SACKs and blocks outside what we sent. */
    if (!TCP_SEQ_LT(l, r) || TCP_SEQ_LEQ(r, s->ackno) || TCP_SEQ_GT(r, pcb->snd_max)) {
      continue;
    }
    for (struct tcp_seg *seg = pcb->unacked; seg != NULL; seg = seg->next) {
      if (!(seg->state & SEG_SACKED) && seg->len > 0 && TCP_SEQ_GEQ(seg->seqno, l) &&
          TCP_SEQ_LEQ(seg->seqno + seg->len, r)) {
        seg->state |= SEG_SACKED;
        pcb->sacked_bytes += seg->len;
        if (rack) {
          tcp_rack_delivered(pcb, seg, now);
        }
      }
    }
  }
  if (pcb->sacked_bytes == before || rack) {
    /* Nothing newly SACKed, the lost marks stand; or RACK marks them by
     * time instead of by DupThresh (tcp_rack_detect_loss). */
    return pcb->sacked_bytes != before;
  }
  u32_t seen = 0;
  u32_t limit = (TCP_DUPTHRESH - 1U) * pcb->mss;
  for (struct tcp_seg *seg = pcb->unacked; seg != NULL; seg = seg->next) {
    if (seg->state & SEG_SACKED) {
      seen += seg->len;
    } else if (pcb->sacked_bytes - seen > limit) {
      seg->state |= SEG_LOST;
#if LWIP_TCP_RACK
      pcb->rack_flags |= RACK_LOST_MAYBE; /* should RACK take over (tcp.cc loss_detection) */
#endif
    }
  }
  return pcb->sacked_bytes != before;
}

/* RFC 6675 5 (NextSeg rule 1 and the loop of step C): resend lost
 * segments while pipe leaves room in cwnd, then new data. */
static void tcp_sack_recovery_send(struct tcp_pcb *pcb)
{
  u32_t pipe = tcp_pipe(pcb);
  bool sent = false;
  /* RFC 6675 5 (C): send while cwnd - pipe >= SMSS. */
  for (struct tcp_seg *seg = pcb->unacked; seg != NULL && pipe + pcb->mss <= pcb->cwnd; seg = seg->next) {
    if ((seg->state & (SEG_SACKED | SEG_LOST | SEG_RECOVERY_RXT)) == SEG_LOST) {
      if (tcp_rexmit_seg(pcb, seg) != ERR_OK) {
        break;
      }
      seg->state |= SEG_RECOVERY_RXT;
      pipe += seg->len;
      sent = true;
    }
  }
  /* NextSeg rule 3: nothing counts as lost and no new data can go, but
   * cwnd has room: resend the first unSACKed segment below the highest
   * SACKed one that was not resent in this recovery. */
  bool new_data = pcb->unsent != NULL && pcb->snd_wnd > pcb->snd_nxt - pcb->snd_una;
  if (sent || new_data || pipe + pcb->mss > pcb->cwnd || tcp_rack_on(pcb)) {
    /* RACK resends only what its clock says is lost (RFC 8985 6.3:
     * rule 3's guesses would be spurious retransmissions). */
    return;
  }
  bool sacked_above = false;
  struct tcp_seg *cand = NULL;
  for (struct tcp_seg *seg = pcb->unacked; seg != NULL; seg = seg->next) {
    if (seg->state & SEG_SACKED) {
      sacked_above = cand != NULL;
      if (sacked_above) {
        break;
      }
    } else if (cand == NULL && !(seg->state & SEG_RECOVERY_RXT)) {
      cand = seg;
    }
  }
  if (cand != NULL && sacked_above && tcp_rexmit_seg(pcb, cand) == ERR_OK) {
    cand->state |= SEG_RECOVERY_RXT;
  }
}

/* Start a recovery episode.  @p delivered: bytes the ACK that started it
 * delivered (PRR counts them, RFC 6937 3). */
static void tcp_enter_recovery(struct tcp_pcb *pcb, u32_t delivered)
{
  pcb->flags |= TF_INFR;
  pcb->recover = pcb->snd_max;
  /* SEG_LOST and SEG_RECOVERY_RXT are read only by SACK recovery (pipe,
   * NextSeg): built without SACK, they are never kept, as SEG_SACKED. */
  for (struct tcp_seg *seg = pcb->unacked; LWIP_TCP_SACK && seg != NULL; seg = seg->next) {
    seg->state &= (u8_t)~SEG_RECOVERY_RXT;
  }
#if LWIP_TCP_RACK
  pcb->rack_flags |= RACK_LOST_MAYBE; /* lost segments are to be resent again */
#endif
  TCP_CC(pcb, on_recovery)(pcb); /* reads lt_segs: limited transmit is not FlightSize */
  pcb->lt_segs = 0;
#if LWIP_TCP_RACK
  if (tcp_rack_on(pcb)) {
    /* RFC 8985 with RFC 6937: RACK marked the losses; PRR sets how much
     * may go now, and NextSeg sends the lost segments first. */
    tcp_trace_recovery(pcb, true, TCP_TRACE_REASON_RACK);
    LWIP_LOG(TCP, DEBUG, "%u -> port %u: RACK recovery at seq %lu, ssthresh %lu", pcb->local_port, pcb->remote_port,
             (unsigned long)pcb->snd_una, (unsigned long)pcb->ssthresh);
    tcp_prr_start(pcb);
    tcp_prr_ack(pcb, delivered, true);
    pcb->rto_due = 0;
    tcp_sack_recovery_send(pcb);
    return;
  }
#else
  LWIP_UNUSED_ARG(delivered);
#endif
  tcp_trace_recovery(pcb, true, (pcb->flags & TF_SACK) ? TCP_TRACE_REASON_SACK : TCP_TRACE_REASON_DUPACK);
  /* RFC 5681 3.2 step 2 / RFC 6675 5 step 4.2: the first unacknowledged
   * segment goes out at once. */
  struct tcp_seg *first = pcb->unacked;
  if (first != NULL && tcp_rexmit_seg(pcb, first) == ERR_OK && LWIP_TCP_SACK) {
    first->state |= SEG_RECOVERY_RXT | SEG_LOST;
  }
  pcb->rto_due = 0; /* restarted by tcp_arm_timers */
  if (pcb->flags & TF_SACK) {
    tcp_sack_recovery_send(pcb);
  }
}

/* A duplicate ACK (RFC 5681 2 definition).  Limited transmit (RFC 3042)
 * for the first two, fast retransmit on the third, window inflation
 * during NewReno recovery (RFC 6582 3.2 step 4). */
static void tcp_dupack(struct tcp_pcb *pcb)
{
  if (pcb->dupacks < 0xffU) {
    pcb->dupacks++;
  }
  if (pcb->flags & TF_INFR) {
    if (pcb->flags & TF_SACK) {
      tcp_sack_recovery_send(pcb);
      return;
    }
    /* NewReno: every duplicate ACK inflates the window by one segment. */
  } else {
    bool lost = (pcb->flags & TF_SACK) && pcb->unacked != NULL && (pcb->unacked->state & SEG_LOST);
    if (pcb->dupacks >= TCP_DUPTHRESH || lost) {
      /* RFC 6582 3.2 step 1: not again for losses of the same window (nor
       * for duplicates of what a timeout resent: step 6 set recover). */
      if (TCP_SEQ_GT(pcb->snd_una, pcb->recover)) {
        LWIP_LOG(TCP, DEBUG, "%u -> port %u: fast retransmit at seq %lu", pcb->local_port, pcb->remote_port,
                 (unsigned long)pcb->snd_una);
        tcp_enter_recovery(pcb, 0);
      }
      return;
    }
    if (pcb->unsent == NULL || pcb->lt_segs >= 2U) {
      return;
    }
    /* Limited transmit: one new segment per duplicate ACK. */
    pcb->lt_segs++;
  }
  pcb->cwnd += pcb->mss;
}

/* New data acknowledged: what limited transmit lent cwnd is taken back. */
static void tcp_lt_deflate(struct tcp_pcb *pcb)
{
  if (pcb->lt_segs != 0) {
    pcb->cwnd -= LWIP_MIN(pcb->cwnd - pcb->mss, (u32_t)pcb->lt_segs * pcb->mss);
    pcb->lt_segs = 0;
  }
}

/* Recovery is over: every byte outstanding when it began is acknowledged
 * (RFC 6582 3.2 step 3, RFC 6675 5, RFC 6937 3). */
static void tcp_exit_recovery(struct tcp_pcb *pcb)
{
  pcb->flags &= ~TF_INFR;
  pcb->dupacks = 0;
  TCP_CC(pcb, on_recovery_end)(pcb);
#if LWIP_TCP_RACK
  if (tcp_rack_on(pcb)) {
    /* RFC 6937 3: PRR ends with cwnd = ssthresh.  PRR has already
     * brought pipe close to ssthresh, so this sends no burst; RFC 6582's
     * min(ssthresh, FlightSize + SMSS) would leave a window of one or two
     * segments after a recovery that drained the flight, and a loss in it
     * could then only be repaired by the retransmission timer. */
    pcb->cwnd = LWIP_MAX(pcb->ssthresh, (u32_t)pcb->mss);
  }
  tcp_rack_recovery_end(pcb);
#endif
  tcp_trace_recovery(pcb, false, TCP_TRACE_REASON_NONE);
}

/* New data acknowledged: recovery bookkeeping and cwnd growth. */
static void tcp_new_ack(struct tcp_pcb *pcb, u32_t acked)
{
  tcp_lt_deflate(pcb);
  if (!(pcb->flags & TF_INFR)) {
    pcb->dupacks = 0;
    TCP_CC(pcb, on_ack)(pcb, acked);
    /* RFC 6675 5: a cumulative ACK can leave a hole the scoreboard already
     * counts as lost (IsLost(HighACK + 1)): recover now. */
    if ((pcb->flags & TF_SACK) && pcb->unacked != NULL && (pcb->unacked->state & SEG_LOST) &&
        TCP_SEQ_GT(pcb->snd_una, pcb->recover)) {
      tcp_enter_recovery(pcb, 0);
    }
    return;
  }
  if (TCP_SEQ_GEQ(pcb->snd_una, pcb->recover)) {
    tcp_exit_recovery(pcb); /* full acknowledgment */
    return;
  }
  /* Partial acknowledgment. */
  if (pcb->flags & TF_SACK) {
    tcp_sack_recovery_send(pcb);
    return;
  }
  /* RFC 6582 3.2 step 5: resend the next hole, deflate by what was
   * acknowledged, add back one segment. */
  if (pcb->unacked != NULL) {
    tcp_rexmit_seg(pcb, pcb->unacked);
  }
  pcb->cwnd = pcb->cwnd > acked ? pcb->cwnd - acked : pcb->mss;
  pcb->cwnd += pcb->mss;
  pcb->rto_due = 0;
}

#if LWIP_TCP_RACK
/* Is a segment marked lost and not yet resent?  Every marking of a loss
 * (RACK's, DupThresh's, the one tcp_enter_recovery unmarks as resent)
 * sets RACK_LOST_MAYBE, and a walk that finds none clears it, so the
 * unacked list is walked only after a loss, not on every ACK. */
static bool tcp_lost_pending(struct tcp_pcb *pcb)
{
  if (!(pcb->rack_flags & RACK_LOST_MAYBE)) {
    return false;
  }
  for (const struct tcp_seg *seg = pcb->unacked; seg != NULL; seg = seg->next) {
    if ((seg->state & (SEG_SACKED | SEG_LOST | SEG_RECOVERY_RXT)) == SEG_LOST) {
      return true;
    }
  }
  pcb->rack_flags &= (u8_t)~RACK_LOST_MAYBE;
  return false;
}

/* After RACK looked for losses: recover, go on recovering, or end it.
 * @p delivered: bytes this ACK (or none, from the timer) delivered. */
static void tcp_rack_recover(struct tcp_pcb *pcb, u32_t delivered, bool dup)
{
  if (pcb->flags & TF_INFR) {
    if (TCP_SEQ_GEQ(pcb->snd_una, pcb->recover)) {
      tcp_exit_recovery(pcb);
      return;
    }
    tcp_prr_ack(pcb, delivered, false);
    tcp_sack_recovery_send(pcb);
    return;
  }
  /* RFC 6582 3.2 step 1 as for DupThresh: one reduction per window of
   * data, none for what a timeout is resending. */
  if (TCP_SEQ_GT(pcb->snd_una, pcb->recover) && tcp_lost_pending(pcb)) {
    tcp_enter_recovery(pcb, delivered);
  } else if (dup && pcb->unsent != NULL && pcb->lt_segs < 2U) {
    /* Limited transmit (RFC 3042) while RACK waits out the reordering
     * window: one new segment per duplicate ACK. */
    pcb->lt_segs++;
    pcb->cwnd += pcb->mss;
  }
}

/* Loss recovery's part of an ACK when RACK-TLP is in charge (RFC 8985
 * 6.2, 7.4): @p acked bytes newly acknowledged cumulatively, @p delivered
 * bytes acknowledged or SACKed, @p dup a duplicate ACK (RFC 6675 2). */
static void tcp_rack_ack(struct tcp_pcb *pcb, u32_t acked, u32_t delivered, bool dup)
{
  if (acked > 0) {
    tcp_lt_deflate(pcb);
    pcb->tlp_due = 0; /* RFC 8985 7.2: the probe timer restarts from this ACK */
    if (!(pcb->flags & TF_INFR)) {
      pcb->dupacks = 0;
      TCP_CC(pcb, on_ack)(pcb, acked);
    }
  } else if (dup && pcb->dupacks < 0xffU) {
    pcb->dupacks++;
  }
  if (tcp_tlp_ack(pcb, pcb->snd_una) && !(pcb->flags & TF_INFR)) {
    /* RFC 8985 7.4.2: the probe repaired a loss; respond to it as to a
     * recovery that is already over. */
    LWIP_LOG(TCP, DEBUG, "%u -> port %u: the loss probe repaired a loss", pcb->local_port, pcb->remote_port);
    TCP_CC(pcb, on_recovery)(pcb);
    TCP_CC(pcb, on_recovery_end)(pcb);
  }
  tcp_rack_detect_loss(pcb, sys_now());
  tcp_rack_recover(pcb, delivered, dup);
}

void tcp_rack_timeout(struct tcp_pcb *pcb)
{
  if (!tcp_rack_on(pcb) || pcb->unacked == NULL) {
    return;
  }
  if (tcp_rack_detect_loss(pcb, sys_now()) != 0) {
    tcp_rack_recover(pcb, 0, false);
    tcp_output(pcb);
  }
}
#endif /* LWIP_TCP_RACK */

/* Tell the application how much was acknowledged (send buffer space). */
static bool tcp_notify_sent(struct tcp_pcb *pcb, u32_t acked)
{
  pcb->stall_since = 0; /* progress: the give-up clock starts again */
  /* What is acknowledged was written (tcp_write took it from snd_buf),
   * so this gives back no more than TCP_SND_BUF in all. */
  pcb->snd_buf += acked;
  while (acked > 0 && pcb->sent != NULL) {
    /* At most 0xffff at a time: with a small buffer, one call. */
    u16_t n = (u16_t)(TCP_SND_BUF <= 0xffffU ? acked : LWIP_MIN(acked, 0xffffU));
    if (TCP_GONE(pcb, pcb->sent(pcb->callback_arg, pcb, n))) {
      return false;
    }
    acked = TCP_SND_BUF <= 0xffffU ? 0 : acked - n;
  }
  return true;
}

#if LWIP_TCP_OOSEQ
/* Free the out-of-order entry at @p pp (on pcb->ooseq), keeping the
 * queue's counts.  Out of line: two callers. */
TCP_NOINLINE static void tcp_ooseq_unlink(struct tcp_pcb *pcb, struct tcp_seg **pp)
{
  struct tcp_seg *dead = *pp;
  *pp = dead->next;
  pcb->ooseq_segs--;
  pcb->ooseq_bytes -= dead->len;
  tcp_seg_free(dead);
}
#endif

/* TIME_WAIT comes only after the peer's FIN (from FIN_WAIT_1, FIN_WAIT_2
 * or CLOSING), whose tcp_fin_received emptied the out-of-order queue;
 * tcp_data_input queues nothing after the FIN. */
static void tcp_enter_time_wait(struct tcp_pcb *pcb)
{
  tcp_set_state(pcb, TIME_WAIT);
  pcb->rto_due = pcb->persist_due = pcb->keep_due = pcb->poll_due = 0;
  tcp_tw_restart(pcb);
}

/* Our FIN was acknowledged: RFC 9293 3.10.7.4, the ACK processing of
 * FIN_WAIT_1, CLOSING and LAST_ACK.  @return false when the PCB is gone. */
static bool tcp_fin_acked(struct tcp_pcb *pcb)
{
  switch (pcb->state) {
  case FIN_WAIT_1:
    tcp_set_state(pcb, FIN_WAIT_2);
    return true;
  case CLOSING:
    tcp_enter_time_wait(pcb);
    return true;
  case LAST_ACK:
    /* The connection is over; an application that did not close (only
     * shut down its sending side) hears ERR_CLSD, as in lwIP. */
    tcp_abandon(pcb, false, ERR_CLSD);
    return false;
  default:
    return true;
  }
}

/* Take the RTT sample this ACK gives, if any (RFC 7323 4.1 with
 * timestamps, else the timed segment under Karn's rule). */
/* Does @p tsecr echo a transmission older than the last one of the
 * oldest unacknowledged segment?  Then the peer received the original and
 * its ACK was lost (RFC 3522 2 reads the same echo as a spurious
 * retransmission), and the ACK now arriving was sent for the resent
 * copy: now - TSecr spans the retransmission timeout, not a round trip.
 * Taken as a sample it would inflate SRTT and every later RTO by seconds
 * on a lossy path (RFC 6298 5: Karn's reasoning, which timestamps only
 * lift when the echo belongs to the copy that was acknowledged). */
static bool tcp_echo_predates_rexmit(const struct tcp_pcb *pcb, u32_t tsecr)
{
  const struct tcp_seg *seg = pcb->unacked;
  if (seg == NULL || !(seg->state & SEG_RETRANSMITTED) || seg->xmit_ms == 0) {
    return false;
  }
  return TCP_SEQ_LT(tsecr, (seg->xmit_ms & ~1U) + pcb->ts_offset);
}

static void tcp_ack_rtt(struct tcp_pcb *pcb, const struct tcp_in_seg *s)
{
  if (LWIP_TCP_SYNQ_COOKIES && (pcb->flags & TF_COOKIE)) {
    /* The cookie's TSval was not taken from this PCB's clock: no sample.
     * (Only tcp_listen_cookie_ack sets the flag: built out with cookies.) */
    pcb->flags &= ~TF_COOKIE;
    return;
  }
  if ((pcb->flags & TF_TIMESTAMP) && s->opt.has_ts && s->opt.tsecr != 0) {
    if (tcp_echo_predates_rexmit(pcb, s->opt.tsecr)) {
      LWIP_LOG(TCP, DEBUG, "%u -> port %u: echo of a transmission before the retransmission: no RTT sample",
               pcb->local_port, pcb->remote_port);
      return;
    }
    tcp_rtt_sample(pcb, tcp_ts_now(pcb) - s->opt.tsecr);
  } else if (pcb->rtt_start != 0 && TCP_SEQ_GT(s->ackno, pcb->rtt_seq)) {
    tcp_rtt_sample(pcb, (sys_now() | 1U) - pcb->rtt_start);
    pcb->rtt_start = 0;
  }
}

/* SND.UNA < @p ack =< SND.MAX, the ACK of something we sent: as one
 * unsigned compare, since what is outstanding is below 2^31. */
static bool tcp_acks_new(const struct tcp_pcb *pcb, u32_t ack)
{
  return ack - pcb->snd_una - 1U < pcb->snd_max - pcb->snd_una;
}

static bool tcp_handshake_done(struct tcp_pcb *pcb);

/* RFC 5961 5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT].
 * Checked before anything is learnt from the segment (TS.Recent above all,
 * RFC 7323 5.3), so a forged in-window segment acknowledging data never
 * sent changes nothing.  @return false when it is dropped (with an ACK, or
 * a RST in SYN_RCVD as 3.10.7.4 says). */
static bool tcp_ack_acceptable(struct tcp_pcb *pcb, const struct tcp_in_seg *s)
{
  u32_t ack = s->ackno;
  bool syn_rcvd = pcb->state == SYN_RCVD;
  /* The lowest acceptable ACK.  RFC 9293 3.10.7.4, SYN-RECEIVED: only
   * SND.UNA < SEG.ACK =< SND.NXT, an ACK of our SYN; one at SND.UNA is not
   * a duplicate ACK here.  Either range [lo, SND.MAX] is below 2^31 and is
   * tested as one unsigned compare (an empty one when SND.MAX = SND.UNA in
   * SYN-RECEIVED, as in tcp_acks_new). */
  u32_t lo = syn_rcvd ? pcb->snd_una + 1U : pcb->snd_una - LWIP_MAX(pcb->snd_wnd_max, (u32_t)pcb->mss);
  if (ack - lo < pcb->snd_max + 1U - lo) {
    return true;
  }
  LWIP_DROP(TCP_BAD_ACK);
  if (syn_rcvd) {
    tcp_rst_pcb(pcb, ack, 0, false);
  } else {
    tcp_ack_now(pcb);
  }
  return false;
}

/* RFC 9293 3.10.7.4 "fifth, check the ACK field" for the synchronized
 * states, once tcp_ack_acceptable() passed it, and for the SYN-ACK that
 * completes an active open (the PCB still in SYN_SENT: tcp_synsent_input
 * took its SYN and its window, 3.10.7.3).  @return false when the segment
 * is done with (dropped or the PCB is gone). */
static bool tcp_ack_input(struct tcp_pcb *pcb, struct tcp_in_seg *s)
{
  u32_t ack = s->ackno;
  u32_t sacked_before = pcb->sacked_bytes; /* for RFC 6937's DeliveredData */
  LWIP_UNUSED_ARG(sacked_before);
  /* The peer answers, so it is reachable: a soft ICMP error is stale (as
   * Linux forgets it on any acceptable ACK, even one that moves nothing). */
  pcb->soft_err = false;
  bool new_sack = tcp_sack_update(pcb, s);
  if (pcb->persist_due != 0 && pcb->user_timeout == 0 && !(pcb->flags & TF_RXCLOSED)) {
    /* An answered zero-window probe: the peer is there, and may keep its
     * window closed as long as it likes (RFC 9293 3.8.6.1).  Only an
     * orphan, or a connection with its own user timeout, counts it. */
    pcb->stall_since = 0;
  }
  /* Built without window scaling, the shift is always 0 (tcp_syn_options). */
  u32_t wnd = s->wnd << (LWIP_TCP_WSCALE ? pcb->snd_scale : 0U);
  bool wnd_changed = wnd != pcb->snd_wnd;
  /* The SYN-ACK's window is unscaled, and taken already. */
  if (pcb->state != SYN_SENT &&
      (TCP_SEQ_LT(pcb->snd_wl1, s->seqno) || (pcb->snd_wl1 == s->seqno && TCP_SEQ_LEQ(pcb->snd_wl2, ack)))) {
    pcb->snd_wnd = wnd;
    pcb->snd_wnd_max = LWIP_MAX(pcb->snd_wnd_max, wnd);
    pcb->snd_wl1 = s->seqno;
    pcb->snd_wl2 = ack;
  }
  if (TCP_SEQ_GT(ack, pcb->snd_una)) {
    tcp_ack_rtt(pcb, s);
    u32_t seq_acked = ack - pcb->snd_una;
    u32_t acked = tcp_ack_advance(pcb, ack);
    /* From SYN_SENT or SYN_RCVD (no other state below ESTABLISHED comes
     * here): our SYN is acknowledged, the connection is established. */
    bool was_syn_rcvd = pcb->state < ESTABLISHED;
    if (was_syn_rcvd) {
      tcp_set_state(pcb, ESTABLISHED);
      TCP_CC(pcb, init)(pcb);
#if LWIP_TCP_RACK
    } else if (tcp_rack_on(pcb)) {
      /* RFC 6937 3 DeliveredData: the change in snd_una plus the change
       * in SACKed bytes (which the cumulative ACK may have lowered). */
      tcp_rack_ack(pcb, seq_acked, seq_acked + pcb->sacked_bytes - sacked_before, false);
#endif
    } else {
      tcp_new_ack(pcb, seq_acked);
    }
    tcp_trace_ack(pcb);
    if (was_syn_rcvd) {
      if (!tcp_handshake_done(pcb)) {
        return false;
      }
    } else if ((pcb->flags & TF_FIN) && TCP_SEQ_GEQ(pcb->snd_una, pcb->snd_lbb) && !tcp_fin_acked(pcb)) {
      /* (Not in the handshake: tcp_send_fin moves the state on as it
       * queues the FIN and sets TF_FIN.) */
      return false;
    }
    if (acked > 0 && !tcp_notify_sent(pcb, acked)) {
      return false;
    }
  } else if (ack == pcb->snd_una && s->len == 0 && !(s->flags & (TCP_SYN | TCP_FIN)) &&
             ((pcb->flags & TF_SACK) ? new_sack : !wnd_changed) && pcb->unacked != NULL) {
    /* RFC 5681 2 (same window) or, with SACK, RFC 6675 2 (new SACK
     * information): a duplicate acknowledgment. */
#if LWIP_TCP_RACK
    if (tcp_rack_on(pcb)) {
      tcp_rack_ack(pcb, 0, pcb->sacked_bytes - sacked_before, true);
    } else
#endif
    {
      tcp_dupack(pcb);
    }
    tcp_trace_ack(pcb);
#if LWIP_TCP_RACK
  } else if ((new_sack || (pcb->rack_flags & TLP_ACTIVE)) && ack == pcb->snd_una && tcp_rack_on(pcb)) {
    /* New SACK information on a segment carrying data: RACK learns from
     * every delivery, duplicate ACK or not (RFC 8985 6.2); and a loss
     * probe's fate may be in any ACK (its D-SACK, 7.4). */
    tcp_rack_ack(pcb, 0, pcb->sacked_bytes - sacked_before, false);
#endif
  }
  /* No SYN_RCVD case falls through here: tcp_ack_acceptable let only an
   * ACK of our SYN (SND.UNA < SEG.ACK =< SND.NXT) through in that state,
   * and it takes the first branch (RFC 9293 3.10.7.4 answers any other
   * with a RST there). */
  return true;
}

/* ---------------------------------------------------------------------- */
/* Handshake                                                               */
/* ---------------------------------------------------------------------- */

/* SYN_RCVD -> ESTABLISHED happened: hand the connection to its listener's
 * accept callback, or tell tcp_connect's caller after a simultaneous open.
 * @return false when the PCB is gone. */
static bool tcp_handshake_done(struct tcp_pcb *pcb)
{
  if (!(pcb->flags & TF_PASSIVE)) {
    return pcb->connected == NULL || !TCP_GONE(pcb, pcb->connected(pcb->callback_arg, pcb, ERR_OK));
  }
  struct tcp_pcb_listen *l = pcb->listener;
  if (l == NULL || l->accept == NULL) {
    /* The listener went away during the handshake. */
    tcp_abandon(pcb, true, ERR_ABRT);
    return false;
  }
  err_t e = l->accept(l->callback_arg, pcb, ERR_OK);
  if (TCP_GONE(pcb, e)) {
    return false;
  }
  if (e != ERR_OK) {
    tcp_abandon(pcb, true, ERR_ABRT);
    return false;
  }
  tcp_backlog_accepted(pcb);
  return true;
}

static bool tcp_data_input(struct tcp_pcb *pcb, struct tcp_in_seg *s);

/* RFC 9293 3.10.7.3: a segment for a PCB in SYN_SENT.  @return true
 * for a SYN-ACK acknowledging our SYN: its ACK, then any text or FIN on
 * it, are processed as in the synchronized states (tcp_ack_input, then
 * tcp_data_input). */
static bool tcp_synsent_input(struct tcp_pcb *pcb, struct tcp_in_seg *s)
{
  bool ack = (s->flags & TCP_ACK) != 0;
  if (ack && !tcp_acks_new(pcb, s->ackno)) {
    /* <SEQ=SEG.ACK><CTL=RST>; the segment's addresses and ports are the
     * PCB's (tcp_lookup matched them). */
    LWIP_DROP(TCP_BAD_ACK);
    tcp_rst_reply(s);
    return false;
  }
  if (s->flags & TCP_RST) {
    if (!ack) {
      LWIP_DROP(TCP_BAD_FLAGS);
      return false;
    }
    LWIP_LOG(TCP, INFO, "%u -> %s:%u connection refused", pcb->local_port, ipaddr_ntoa(&pcb->remote_ip),
             pcb->remote_port);
    tcp_abandon(pcb, false, ERR_RST);
    return false;
  }
  if (!(s->flags & TCP_SYN)) {
    LWIP_DROP(TCP_BAD_FLAGS);
    return false;
  }
  tcp_syn_take(pcb, s);
  /* Our SYN offered this much (its window is never scaled): text on the
   * SYN-ACK is judged against it.  Built without scaling, and with a
   * TCP_WND that fits the field, no window we hold is larger. */
  u32_t syn_wnd = pcb->rcv_ann_wnd;
  if (LWIP_TCP_WSCALE || TCP_WND > 0xffffU) {
    syn_wnd = LWIP_MIN(syn_wnd, 0xffffU);
  }
  pcb->rcv_ann_right_edge = pcb->rcv_nxt + syn_wnd;
  tcp_ecn_synack_input(pcb, s->flags);
  if (!ack) {
    /* Simultaneous open: answer with SYN-ACK (RFC 9293 3.5, figure 8). */
    tcp_set_state(pcb, SYN_RCVD);
    pcb->snd_wl2 = pcb->snd_una;
    tcp_resend_syn(pcb);
    return false;
  }
  pcb->snd_wl2 = s->ackno;
  pcb->recover = s->ackno - 1U; /* the ISN (RFC 6582 3.2) */
  pcb->flags |= TF_ACK_NOW;
  if (pcb->nrtx > 0) {
    /* RFC 6298 5.7: the SYN was lost once; if the ACK gives no sample
     * either, data starts with 3 s.  A sample (tcp_ack_rtt) sets the RTO
     * from itself and overrides this.  (No sample came before: only
     * tcp_ack_rtt takes one, after this.) */
    pcb->rto = 3000U;
  }
#if LWIP_TCP_SACK
  s->opt.nsack = 0; /* SACK blocks on a SYN-ACK acknowledge nothing */
#endif
  /* Text or a FIN on the SYN-ACK: "continue processing at the sixth
   * step" (RFC 9293 3.10.7.3), past the SYN's sequence number.  Its
   * flag may stay: from here on only the FIN is read (tcp_ack_input's
   * duplicate-ACK test reads the SYN, but this ACK acknowledges ours). */
  s->seqno++;
  return true;
}

/* ---------------------------------------------------------------------- */
/* Receiving data                                                          */
/* ---------------------------------------------------------------------- */

/* Hand @p p to the application, or with @p p NULL the peer's FIN (it
 * reached the application's side of the queue).  Data it refuses is kept
 * and offered again later.  @return false when the PCB is gone. */
static bool tcp_deliver(struct tcp_pcb *pcb, struct pbuf *p)
{
  if (p == NULL) {
    pcb->flags &= ~TF_FIN_DELIVER;
  }
  if (pcb->recv == NULL) {
    if (p == NULL) {
      if (!(pcb->flags & TF_RXCLOSED)) {
        /* No reader (lwIP's default): close our side too. */
        tcp_close(pcb);
      }
      return !(pcb->flags & TF_ZOMBIE);
    }
    /* Nobody reads: consume it, so the window stays open (lwIP's
     * tcp_recv_null does the same). */
    u16_t n = p->tot_len;
    pbuf_free(p);
    tcp_recved(pcb, n);
    return true;
  }
  err_t e = pcb->recv(pcb->callback_arg, pcb, p, ERR_OK);
  if (TCP_GONE(pcb, e)) {
    if (e != ERR_OK && e != ERR_ABRT) {
      pbuf_free(p); /* refused, and the connection is gone: nobody keeps it */
    }
    return false;
  }
  if (e != ERR_OK && p != NULL) {
    pcb->refused_data = p;
    pcb->refused_due = tcp_due(sys_now(), TCP_REFUSED_RETRY_MS);
  }
  return true;
}

/* The FIN is in sequence: RFC 9293 3.10.7.4 "eighth, check the FIN bit". */
static void tcp_fin_received(struct tcp_pcb *pcb)
{
  pcb->rcv_nxt++;
  pcb->flags |= TF_FIN_RCVD | TF_FIN_DELIVER | TF_ACK_NOW;
#if LWIP_TCP_OOSEQ
  /* Empty the out-of-order queue: nothing beyond the peer's FIN will
   * ever be delivered. */
  tcp_segs_free(pcb->ooseq);
  pcb->ooseq = NULL;
  pcb->ooseq_segs = 0;
  pcb->ooseq_bytes = 0;
#endif
  switch (pcb->state) {
  case ESTABLISHED:
    tcp_set_state(pcb, CLOSE_WAIT);
    break;
  case FIN_WAIT_1:
    /* Our FIN (queued, TF_FIN, as the state says) acknowledged too? */
    if (TCP_SEQ_GEQ(pcb->snd_una, pcb->snd_lbb)) {
      tcp_enter_time_wait(pcb);
    } else {
      tcp_set_state(pcb, CLOSING);
    }
    break;
  case FIN_WAIT_2:
    tcp_enter_time_wait(pcb);
    break;
  default:
    break;
  }
}

/* @p n bytes of data were accepted in order: RCV.NXT moves past them and
 * the window we may offer shrinks by as much (RFC 9293 3.10.7.4, seventh
 * step).  Out of line: three callers. */
TCP_NOINLINE static void tcp_rcv_advance(struct tcp_pcb *pcb, u16_t n)
{
  pcb->rcv_nxt += n;
  pcb->rcv_wnd -= LWIP_MIN(pcb->rcv_wnd, (u32_t)n);
}

#if LWIP_TCP_OOSEQ
/* Pop the in-order front of the out-of-order queue into one chain of at
 * most 0xffff bytes (a pbuf's tot_len).  A FIN it reaches is received
 * here (tcp_fin_received, which empties the queue and so ends the loop).
 * @return the data, or NULL. */
static struct pbuf *tcp_ooseq_take(struct tcp_pcb *pcb)
{
  struct pbuf *p = NULL;
  struct tcp_seg *seg;
  while ((seg = pcb->ooseq) != NULL && TCP_SEQ_LEQ(seg->seqno, pcb->rcv_nxt)) {
    u32_t end = seg->seqno + seg->len;
    u16_t skip = (u16_t)LWIP_MIN(pcb->rcv_nxt - seg->seqno, (u32_t)seg->len);
    /* Zero when all of it arrived in order meanwhile (skip is the whole
     * segment then). */
    u16_t fresh = (u16_t)(seg->len - skip);
    if (p != NULL && (u32_t)p->tot_len + fresh > 0xffffU) {
      break;
    }
    pcb->ooseq = seg->next;
    pcb->ooseq_segs--;
    pcb->ooseq_bytes -= seg->len;
    if (fresh > 0) {
      struct pbuf *q = pbuf_free_header(seg->p, skip);
      seg->p = NULL;
      if (p == NULL) {
        p = q;
      } else {
        pbuf_cat(p, q);
      }
      tcp_rcv_advance(pcb, fresh);
    }
    if ((seg->flags & TCP_FIN) && pcb->rcv_nxt == end) {
      tcp_fin_received(pcb); /* at its own sequence number, never later */
    }
    tcp_seg_free(seg);
  }
  return p;
}
#endif /* LWIP_TCP_OOSEQ */

/* Deliver @p p (may be NULL), then what else is in order: data the
 * application refused before, what was held while it refused, the front
 * of the out-of-order queue (and the FIN with it; built with tcp_ooseq),
 * then the FIN.  A refusal stops it.  @return false when the PCB is
 * gone. */
static bool tcp_rcv_deliver(struct tcp_pcb *pcb, struct pbuf *p)
{
  for (;;) {
    if (p == NULL) {
      if (pcb->refused_data != NULL) {
        p = pcb->refused_data;
        pcb->refused_data = NULL;
        pcb->refused_due = 0;
      } else if (pcb->rcv_held != NULL) {
        struct tcp_seg *h = pcb->rcv_held;
        pcb->rcv_held = h->next;
        p = h->p;
        h->p = NULL;
        tcp_seg_free(h);
#if LWIP_TCP_OOSEQ
      } else if (!(pcb->flags & TF_FIN_DELIVER) && (p = tcp_ooseq_take(pcb)) != NULL) {
        /* the in-order front of the out-of-order queue */
#endif
      } else if (!(pcb->flags & TF_FIN_DELIVER)) {
        return true;
      }
      /* Still NULL: the loop ran dry, nothing refused is waiting, and the
       * FIN goes up. */
    }
    if (!tcp_deliver(pcb, p)) {
      return false;
    }
    if (p == NULL || pcb->refused_data != NULL) {
      return true;
    }
    p = NULL;
  }
}

bool tcp_rcv_drain(struct tcp_pcb *pcb)
{
#if LWIP_TCP_OOSEQ
  u32_t before = pcb->rcv_nxt;
  bool alive = tcp_rcv_deliver(pcb, NULL);
  if (alive && !(pcb->flags & TF_ZOMBIE) && pcb->rcv_nxt != before) {
    /* Data came out of the queue: acknowledge all of it, even if a
     * window update already went out in the middle (RFC 5681 4.2). */
    pcb->flags |= TF_ACK_NOW;
  }
  return alive;
#else
  /* Refused and held data is acknowledged already (RCV.NXT is past it). */
  return tcp_rcv_deliver(pcb, NULL);
#endif
}

/* A queue entry holding the segment's data (taken from s->p), or NULL
 * when the TCP_SEG pool is empty (s->p stays). */
static struct tcp_seg *seg_take(struct tcp_in_seg *s, u8_t flags)
{
  struct tcp_seg *seg = tcp_seg_new(s->p, s->seqno, s->len, flags);
  if (seg != NULL) {
    s->p = NULL;
  }
  return seg;
}

static void held_append(struct tcp_pcb *pcb, struct tcp_seg *seg)
{
  struct tcp_seg **pp = &pcb->rcv_held;
  while (*pp != NULL) {
    pp = &(*pp)->next;
  }
  seg->next = NULL;
  *pp = seg;
}

/* Accept the in-order segment (and whatever of the out-of-order queue it
 * makes contiguous, built with tcp_ooseq) while the application refuses
 * data: it is acknowledged now and delivered by tcp_rcv_drain later.
 * Takes s->p. */
static void tcp_hold(struct tcp_pcb *pcb, struct tcp_in_seg *s, bool fin)
{
  struct tcp_seg *seg = NULL;
  if (s->len > 0) {
    seg = seg_take(s, 0);
    if (seg == NULL) {
      LWIP_DROP(TCP_RCV_REFUSED); /* the peer sends it again */
      return;
    }
#if !LWIP_TCP_OOSEQ
    held_append(pcb, seg);
#endif
  }
  tcp_rcv_advance(pcb, s->len);
#if LWIP_TCP_OOSEQ
  /* The segment, then what it made contiguous in the out-of-order queue,
   * each entry allocated before it is taken from there (a FIN reached
   * there is received by tcp_ooseq_take, and empties the queue). */
  for (;;) {
    if (seg != NULL) {
      held_append(pcb, seg);
    }
    if (fin || pcb->ooseq == NULL || TCP_SEQ_GT(pcb->ooseq->seqno, pcb->rcv_nxt)) {
      break;
    }
    seg = tcp_seg_new(NULL, 0, 0, 0);
    if (seg == NULL) {
      break; /* it stays queued out of order and is delivered later */
    }
    seg->p = tcp_ooseq_take(pcb);
    if (seg->p == NULL) {
      memp_free(MEMP_TCP_SEG, seg);
      seg = NULL;
    } else {
      seg->len = seg->p->tot_len;
    }
  }
#endif
  if (fin) {
    tcp_fin_received(pcb);
  }
  pcb->flags |= TF_ACK_NOW;
}

#if LWIP_TCP_OOSEQ
/* Insert the segment into the out-of-order queue, trimmed against what
 * is there (RFC 9293 3.10.7.4 lets us keep it).  Takes s->p. */
static void tcp_ooseq_insert(struct tcp_pcb *pcb, struct tcp_in_seg *s)
{
  bool fin = (s->flags & TCP_FIN) != 0;
  struct tcp_seg **pp = &pcb->ooseq;
  while (*pp != NULL && TCP_SEQ_LEQ((*pp)->seqno + TCP_SEG_SEQLEN(*pp), s->seqno)) {
    pp = &(*pp)->next;
  }
  /* Trim against a segment that starts earlier and overlaps our front. */
  if (*pp != NULL && TCP_SEQ_LEQ((*pp)->seqno, s->seqno)) {
    u32_t prev_end = (*pp)->seqno + (*pp)->len;
    if (TCP_SEQ_GEQ(prev_end, s->seqno + s->len) && !(fin && !((*pp)->flags & TCP_FIN))) {
      /* A copy of data held out of order: D-SACK it, with the block that
       * holds it as the next SACK block (RFC 2883 4, sack_recent). */
      if (s->len > 0) {
        tcp_dup_data(pcb, s->seqno, s->seqno + s->len);
      }
#if LWIP_TCP_SACK
      pcb->sack_recent = (*pp)->seqno;
#endif
      return; /* nothing new */
    }
    if (TCP_SEQ_GT(prev_end, s->seqno)) {
      if (s->len > 0) {
        tcp_dup_data(pcb, s->seqno, s->seqno + LWIP_MIN(prev_end - s->seqno, (u32_t)s->len));
      }
      seg_trim_front(s, (u16_t)LWIP_MIN(prev_end - s->seqno, (u32_t)s->len));
    }
    pp = &(*pp)->next;
  }
  u32_t end = s->seqno + s->len;
  /* Drop queued segments the new one covers entirely. */
  while (*pp != NULL && TCP_SEQ_LEQ((*pp)->seqno + (*pp)->len, end) && TCP_SEQ_GEQ((*pp)->seqno, s->seqno) &&
         !((*pp)->flags & TCP_FIN)) {
    tcp_ooseq_unlink(pcb, pp);
  }
  /* Trim our tail where the next one starts. */
  if (*pp != NULL && TCP_SEQ_LT((*pp)->seqno, end + (fin ? 1U : 0U))) {
    u32_t keep = TCP_SEQ_GT((*pp)->seqno, s->seqno) ? (*pp)->seqno - s->seqno : 0;
    seg_trim_tail(s, (u16_t)LWIP_MIN(keep, (u32_t)s->len));
    fin = false;
  }
  if (s->len == 0 && !fin) {
    return;
  }
  /* The limits bound what waits for a hole; the segment that fills the
   * hole at rcv_nxt is always taken, or a full queue would wait forever. */
  if (s->seqno != pcb->rcv_nxt &&
      (pcb->ooseq_segs >= TCP_OOSEQ_MAX_SEGS || pcb->ooseq_bytes + s->len > TCP_OOSEQ_MAX_BYTES)) {
    LWIP_DROP(TCP_OOSEQ_FULL);
    return;
  }
  struct tcp_seg *seg = seg_take(s, fin ? TCP_FIN : 0);
  if (seg == NULL) {
    LWIP_DROP(TCP_NO_MEM);
    return;
  }
  seg->next = *pp;
  *pp = seg;
  pcb->ooseq_segs++;
  pcb->ooseq_bytes += seg->len;
#if LWIP_TCP_SACK
  pcb->sack_recent = seg->seqno;
#endif
}

/* RFC 9293 3.10.7.4 "eighth, check the FIN bit": the FIN ends the
 * stream, so nothing lies beyond the lowest FIN known; the first one wins
 * over an inconsistent peer.  The out-of-order queue keeps this invariant:
 * a FIN it holds is on its last entry.  Here the arriving segment is cut
 * at a queued FIN (its own FIN, if elsewhere, is dropped), or, carrying
 * the lower FIN itself, cuts the queue at its end. */
static void tcp_rcv_fin_bound(struct tcp_pcb *pcb, struct tcp_in_seg *s)
{
  struct tcp_seg *last = pcb->ooseq;
  while (last != NULL && last->next != NULL) {
    last = last->next;
  }
  if (last != NULL && (last->flags & TCP_FIN)) {
    u32_t f = last->seqno + last->len;
    if (TCP_SEQ_GT(s->seqno + s->len, f)) {
      LWIP_LOG(TCP, DEBUG, "%u <- port %u: data past the FIN dropped", pcb->local_port, pcb->remote_port);
      seg_trim_tail(s, (u16_t)(TCP_SEQ_GT(f, s->seqno) ? f - s->seqno : 0));
    }
    if (s->seqno + s->len != f) {
      s->flags &= (u8_t)~TCP_FIN;
    }
    return;
  }
  if (!(s->flags & TCP_FIN)) {
    return;
  }
  u32_t f = s->seqno + s->len;
  struct tcp_seg **pp = &pcb->ooseq;
  while (*pp != NULL && TCP_SEQ_LT((*pp)->seqno, f)) {
    struct tcp_seg *q = *pp;
    if (TCP_SEQ_GT(q->seqno + q->len, f)) {
      u16_t keep = (u16_t)(f - q->seqno);
      pcb->ooseq_bytes -= q->len - keep;
      q->len = keep;
      pbuf_realloc(q->p, keep); /* keep > 0: q starts before f */
    }
    pp = &q->next;
  }
  if (*pp != NULL) {
    LWIP_LOG(TCP, DEBUG, "%u <- port %u: queued data past the FIN dropped", pcb->local_port, pcb->remote_port);
  }
  while (*pp != NULL) {
    tcp_ooseq_unlink(pcb, pp);
  }
}
#endif /* LWIP_TCP_OOSEQ */

/* Delayed ACK (RFC 1122 4.2.3.2, RFC 5681 4.2): every second full-sized
 * segment at once (or at the end of the receive batch), otherwise within
 * tcp_delack_ms.  Segments are counted in MSS units, so a large segment
 * from a device that merges them (TSO from a TAP, GRO) counts for all the
 * segments it stands for, as Linux counts bytes past one MSS: one of
 * 2 * MSS or more is acknowledged at once.  The unit is the MSS we
 * announced (the most a peer's segment may carry), not our send MSS,
 * which a peer with a small MSS option makes much smaller.  @p len: the
 * segment's data. */
static void tcp_ack_policy(struct tcp_pcb *pcb, u16_t len)
{
  u32_t units = pcb->rcv_mss != 0 ? (u32_t)len / pcb->rcv_mss : 0;
  u32_t segs = (u32_t)pcb->delack_segs + LWIP_MAX(units, 1U);
  pcb->delack_segs = (u8_t)LWIP_MIN(segs, 0xffU);
  if (pcb->delack_segs >= 2U && !tcp_batch_active()) {
    pcb->flags |= TF_ACK_NOW;
  } else {
    if (pcb->delack_segs >= 2U) {
      /* In a receive batch: one ACK for all of it at tcp_batch_end(). */
      tcp_batch_add(pcb);
    }
    pcb->flags |= TF_ACK_DELAY;
    if (pcb->delack_due == 0) {
      pcb->delack_due = tcp_due(sys_now(), tcp_delack_ms);
    }
  }
}

/* The segment is in order and nothing waits before it: RCV.NXT moves
 * past it, its FIN is received (or the ACK delayed), and it goes to the
 * application.  Takes s->p.  @return false when the PCB is gone. */
static bool tcp_rcv_in_order(struct tcp_pcb *pcb, struct tcp_in_seg *s, bool fin)
{
  struct pbuf *p = s->p;
  s->p = NULL;
  tcp_rcv_advance(pcb, s->len);
  if (fin) {
    tcp_fin_received(pcb);
  } else {
    tcp_ack_policy(pcb, s->len);
  }
#if !LWIP_TCP_OOSEQ
  if (pcb->flags & TF_RCV_GAP) {
    /* Without tcp_ooseq: up to the end of the furthest segment dropped,
     * every in-order segment fills part of the gap the peer sees and is
     * acknowledged at once (RFC 5681 4.2), which a peer in recovery waits
     * for, one partial ACK after another (RFC 6582 3.2). */
    pcb->flags |= TF_ACK_NOW;
    if (TCP_SEQ_GEQ(pcb->rcv_nxt, pcb->rcv_gap_end)) {
      pcb->flags &= ~TF_RCV_GAP;
    }
  }
#endif
  return tcp_rcv_deliver(pcb, p);
}

/* RFC 9293 3.10.7.4 "seventh, process the segment text" and the FIN.
 * An ACK owed now is only flagged (TF_ACK_NOW): tcp_conn_process sends it
 * with its tcp_output.  @return false when the PCB is gone. */
static bool tcp_data_input(struct tcp_pcb *pcb, struct tcp_in_seg *s)
{
  bool fin = (s->flags & TCP_FIN) != 0;
  bool after_fin = pcb->state != ESTABLISHED && pcb->state != FIN_WAIT_1 && pcb->state != FIN_WAIT_2;
  if (after_fin) {
    /* After the peer's FIN there is nothing more to receive; and past it
     * nothing can come: say where we are (RFC 9293 3.10.7.4, first check,
     * as for a segment we cannot take). */
    if (s->len > 0 || fin || TCP_SEQ_GT(s->seqno, pcb->rcv_nxt)) {
      pcb->flags |= TF_ACK_NOW;
    }
    return true;
  }
  if (s->len == 0 && !fin) {
    return true;
  }
  if ((pcb->flags & TF_RXCLOSED) && s->len > 0) {
    /* RFC 9293 3.10.4 / RFC 1122 4.2.2.13: the application will never
     * read this; tell the peer with a RST. */
    LWIP_DROP(TCP_RCV_CLOSED);
    tcp_abandon(pcb, true, ERR_ABRT);
    return false;
  }
  /* Trim what we have already (RFC 9293 3.10.7.4 "trim to the window"). */
  if (TCP_SEQ_LT(s->seqno, pcb->rcv_nxt)) {
    u32_t old = pcb->rcv_nxt - s->seqno;
    if (s->len > 0) {
      tcp_dup_data(pcb, s->seqno, s->seqno + LWIP_MIN(old, (u32_t)s->len));
    }
    seg_trim_front(s, (u16_t)LWIP_MIN(old, (u32_t)s->len));
    s->seqno = pcb->rcv_nxt;
  }
  u32_t right = pcb->rcv_nxt + tcp_rcv_window(pcb);
  if (TCP_SEQ_GT(s->seqno + s->len, right)) {
    seg_trim_tail(s, (u16_t)(TCP_SEQ_GT(right, s->seqno) ? right - s->seqno : 0));
#if LWIP_TCP_OOSEQ
    s->flags &= (u8_t)~TCP_FIN; /* only the out-of-order queue reads it again */
#endif
    fin = false;
  }
#if LWIP_TCP_OOSEQ
  tcp_rcv_fin_bound(pcb, s);
  fin = (s->flags & TCP_FIN) != 0;
#endif
  if (s->len == 0 && !fin) {
    pcb->flags |= TF_ACK_NOW;
    return true;
  }
  if (s->len > 0 && !tcp_mem_rx_admit(pcb, s->len)) {
    /* Slow readers hold the receive budget: drop it, as RFC 9293 3.10.7.4
     * allows for lack of buffers; the peer sends it again. */
    LWIP_DROP(TCP_MEM_BUDGET);
    pcb->flags |= TF_ACK_NOW;
    return true;
  }
  bool hole = s->seqno != pcb->rcv_nxt;
#if LWIP_TCP_OOSEQ
  if (!hole && pcb->ooseq == NULL && pcb->refused_data == NULL && !(pcb->flags & TF_FIN_DELIVER)) {
    /* The common case: in order, nothing waiting. */
    return tcp_rcv_in_order(pcb, s, fin);
  }
#else
  if (hole) {
    /* Built without the out-of-order queue (tcp_ooseq): a segment that
     * starts beyond RCV.NXT is dropped, its FIN with it, and answered at
     * once with a duplicate ACK (RFC 5681 4.2: out-of-order data is
     * acknowledged immediately), so the peer's fast retransmit or its
     * timeout sends it again.  RFC 9293 3.10.7.4 allows it: holding
     * segments beyond RCV.NXT for later processing is a SHOULD (SHLD-31),
     * a matter of performance (fewer retransmissions), not of
     * correctness; a build for a small device leaves it out knowingly. */
    LWIP_DROP(TCP_NO_OOSEQ);
    /* SEG_SEQLEN: the SYN of a SYN-ACK is behind s->seqno already
     * (tcp_synsent_input), and tcp_conn_check stops any other. */
    u32_t end = s->seqno + s->len + fin;
    if (!(pcb->flags & TF_RCV_GAP) || TCP_SEQ_GT(end, pcb->rcv_gap_end)) {
      pcb->rcv_gap_end = end;
    }
    pcb->flags |= TF_ACK_NOW | TF_RCV_GAP;
    return true;
  }
#endif
  if (!hole && pcb->refused_data != NULL) {
    if (!tcp_rcv_drain(pcb)) {
      return false;
    }
    if (pcb->refused_data != NULL) {
      /* The application is busy: keep what arrives in order within the
       * window we offered and acknowledge it, so the peer does not wait
       * for a timeout; it reaches the application after the refused data.
       * The drain may have moved rcv_nxt past part of this segment (data
       * that waited in the out-of-order queue): only the rest is new.
       * (Without tcp_ooseq the drain delivers only data RCV.NXT counts
       * already: the segment still starts at RCV.NXT.) */
#if LWIP_TCP_OOSEQ
      u32_t end = s->seqno + s->len;
      if (TCP_SEQ_GEQ(pcb->rcv_nxt, end)) {
        if (!(fin && end == pcb->rcv_nxt && !(pcb->flags & TF_FIN_RCVD))) {
          pcb->flags |= TF_ACK_NOW;
          return true;
        }
        seg_trim_front(s, s->len);
      } else if (TCP_SEQ_LT(s->seqno, pcb->rcv_nxt)) {
        seg_trim_front(s, (u16_t)(pcb->rcv_nxt - s->seqno));
      }
#endif
      tcp_hold(pcb, s, fin);
      return true;
    }
  }
#if LWIP_TCP_OOSEQ
  /* A hole before it: queue it and send a duplicate ACK at once, with
   * SACK blocks (RFC 5681 4.2, RFC 2018 4).  Or it fills a hole: it goes
   * through the queue, which delivers everything now in order. */
  tcp_ooseq_insert(pcb, s);
  pcb->flags |= TF_ACK_NOW;
  return hole || tcp_rcv_drain(pcb);
#else
  /* In order, and the refused data (if any) is taken now.  TF_FIN_DELIVER
   * is never set here: the FIN that sets it moves the connection out of
   * the states that receive data (after_fin above). */
  return tcp_rcv_in_order(pcb, s, fin);
#endif
}

/* ---------------------------------------------------------------------- */
/* Connections                                                             */
/* ---------------------------------------------------------------------- */

static void tcp_conn_process(struct tcp_pcb *pcb, struct tcp_in_seg *s);
static bool tcp_conn_check(struct tcp_pcb *pcb, struct tcp_in_seg *s);

static void tcp_conn_input(struct tcp_pcb *pcb, struct tcp_in_seg *s)
{
  struct tcp_pcb *prev = tcp_enter(pcb);
  tcp_conn_process(pcb, s);
  if (!(pcb->flags & TF_ZOMBIE)) {
    tcp_mem_sync(pcb);
  }
  tcp_leave(pcb, prev);
}

/* RFC 9293 3.10.7: SYN_SENT's own steps (3.10.7.3) or the first checks
 * of the other states (3.10.7.4), then the ACK and the text, alike for
 * both. */
static void tcp_conn_process(struct tcp_pcb *pcb, struct tcp_in_seg *s)
{
  bool synsent = pcb->state == SYN_SENT;
  if (synsent) {
    if (!tcp_synsent_input(pcb, s)) {
      return;
    }
  } else {
    if (!tcp_conn_check(pcb, s)) {
      return;
    }
  }
  if (!tcp_ack_input(pcb, s)) {
    return;
  }
  if (!synsent) {
    /* A SYN-ACK's ECN flags negotiate (tcp_ecn_synack_input). */
    tcp_ecn_ack(pcb, s->flags, s->ackno);
  }
  if (!tcp_data_input(pcb, s)) {
    return;
  }
  tcp_output(pcb);
}

/* RFC 9293 3.10.7.4, the checks before the ACK field's processing for
 * a PCB past SYN_SENT.  @return false when the segment is done with. */
static bool tcp_conn_check(struct tcp_pcb *pcb, struct tcp_in_seg *s)
{
  if (pcb->state == SYN_RCVD && s->seqno + 1U == pcb->rcv_nxt) {
    u8_t ctl = (u8_t)(s->flags & (TCP_SYN | TCP_ACK | TCP_RST));
    if (ctl == TCP_SYN) {
      /* The peer did not get our SYN-ACK and sent its SYN again. */
      tcp_resend_syn(pcb);
      return false;
    }
    if (ctl == (TCP_SYN | TCP_ACK) && s->ackno == pcb->snd_nxt) {
      /* Simultaneous open (RFC 9293 3.5, figure 8): the peer's SYN-ACK
       * repeats its SYN, already received; its ACK completes ours.
       * Trimming the old SYN (3.10.7.4) leaves an ACK at rcv_nxt. */
      s->flags &= (u8_t)~TCP_SYN;
      s->seqno++;
    }
  }
  if (!tcp_check_seq(pcb, s)) {
    return false;
  }
  /* An acceptable segment shows the peer is alive (RFC 9293 3.8.4):
   * the keepalive timer starts over. */
  pcb->keep_due = 0;
  if (s->flags & (TCP_RST | TCP_SYN)) {
    /* A RST exactly at RCV.NXT resets the connection (RFC 5961 3.2).  Any
     * other RST in the window, and a SYN in a synchronized state (4.2),
     * gets a challenge ACK. */
    if ((s->flags & TCP_RST) && s->seqno == pcb->rcv_nxt) {
      tcp_rst_input(pcb);
    } else {
      tcp_challenge_ack(pcb);
    }
    return false;
  }
  if (!(s->flags & TCP_ACK)) {
    LWIP_DROP(TCP_BAD_FLAGS);
    return false;
  }
  if (!tcp_ack_acceptable(pcb, s)) {
    return false;
  }
  tcp_update_ts_recent(pcb, s);
  /* CE and CWR before the ACK is processed: what it sends echoes them. */
  tcp_ecn_rcv(pcb, s->flags, s->rx->tos, s->len);
  return true;
}

void tcp_input(struct pbuf *p, const struct ip_rx *rx)
{
  struct tcp_in_seg s;
  STATS_RX(TCP);
  if (!tcp_parse(p, rx, &s)) {
    pbuf_free(p);
    return;
  }
  LWIP_LOG(TCP, TRACE, "in %s:%u -> %u flags 0x%02x seq %lu ack %lu len %u", ipaddr_ntoa(&rx->src), s.sport, s.dport,
           s.flags, (unsigned long)s.seqno, (unsigned long)s.ackno, s.len);
  const ip_addr_t *dest = &rx->dest, *src = &rx->src;
  struct tcp_pcb *pcb = tcp_lookup(dest, s.dport, src, s.sport);
  if (pcb != NULL && !(pcb->state == TIME_WAIT && tcp_timewait_reuse(pcb, &s))) {
    tcp_conn_input(pcb, &s);
  } else {
#if LWIP_TCP_SYNQ_COOKIES
    /* A handshake in the SYN queue comes before its listener (which may
     * even have closed meanwhile). */
    struct tcp_synq_entry *e = tcp_synq_lookup(dest, s.dport, src, s.sport);
    struct tcp_pcb_listen *l = e == NULL ? tcp_listen_lookup(dest, s.dport) : NULL;
    if (e != NULL) {
      tcp_synq_input(e, &s);
      pbuf_free(s.p);
      return;
    }
#else
    struct tcp_pcb_listen *l = tcp_listen_lookup(dest, s.dport);
#endif
    if (l != NULL) {
      tcp_listen_input(l, &s);
    } else {
      tcp_no_pcb(&s);
    }
  }
  pbuf_free(s.p);
}

#if LWIP_IPV6
void tcp6_input(struct pbuf *p, const struct ip6_rx *rx)
{
  /* Everything TCP needs is in the family-neutral part; the IPv6 header
   * and its extension headers are behind us (RFC 8200 4). */
  tcp_input(p, &rx->ip);
}
#endif

#endif /* LWIP_TCP */
