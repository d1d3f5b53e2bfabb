/*
 * Fuzz harness for one established TCP connection (libFuzzer target, and
 * the harness the deterministic driver fuzz_tcp.c runs in every build).
 *
 * Every input gets a fresh stack (lwip_init) with the fake netif of the
 * unit tests' TCP fixture (tests/unit/test_tcp_common.h) and one
 * established connection, plays its operations against it, then closes or
 * aborts, lets the stack's timers run with a silent peer, frees what is
 * left and fails (abort()) when any pool element or heap byte is still in
 * use.  The fuzzer's bytes do not describe packets but a peer and an
 * application: segments are built here with correct checksums, their
 * sequence and acknowledgment numbers relative to what the connection is
 * at, so most of them pass the acceptability checks and reach the data,
 * out-of-order, SACK, window and recovery paths.
 *
 * Input format (reading past the end yields zeros):
 *
 *   byte 0  setup: bit 0 active open (else the peer connects to our
 *           listener); bit 1/2/3 the peer offers window scaling / SACK /
 *           timestamps; bit 4 Nagle off; bit 5 keepalive (2 s, 500 ms, 3);
 *           bits 6-7 the application's receive mode (see MISC 0).
 *   byte 1  end: bits 0-1 how the application finishes: 0 tcp_abort,
 *           1 read everything then tcp_close, 2 tcp_close as it is,
 *           3 shut down sending then tcp_close; bit 2 passive only: close
 *           the listener once the connection is accepted.
 *   then operations, each an op byte whose low nibble is the kind:
 *
 *   0-8   segment from the peer.  Op bits 4-5 sequence base: 0 the stack's
 *         RCV.NXT (read from its PCB), 1 the last ACK it sent, 2 the
 *         highest sequence the peer sent, 3 the right edge of the window
 *         the stack announced; bits 6-7 unit: 1, the payload length, 128,
 *         2048.  Then F S A W L [O sack...]:
 *         F  bits 0-5 TCP flags XOR ACK (0 = a plain ACK); bits 6-7 ack:
 *            0 SND.UNA + A, 1 SND.NXT + A, 2 highest seq the stack sent
 *            + A (A signed), 3 SND.UNA + (highest - SND.UNA) * A / 255.
 *         S  signed sequence offset, times the unit.
 *         W  window field: below 32 as is, else (W - 31) * 293 (max 65535).
 *         L  payload bytes: below 0xc0 as is, else 0xc0 + (L - 0xc0) * 32.
 *         O  (kinds 6-8 only) bit 0 toggle the timestamp option, bit 1 an
 *            old TSval (PAWS), bit 2 a bogus TSecr, bits 3-4 SACK blocks,
 *            bits 5-6 their unit (1, 64, MSS/2, MSS), bit 7 deliver the
 *            frame as a chain of small pbufs; each block is two bytes:
 *            signed start from SND.UNA and length - 1, in units.
 *   9     CLOCK P: advance the virtual clock by P * 5 ms (P < 0x80) or by
 *         a step from clock_steps[] (delayed ACK ... 2 h keepalive).
 *   10    WRITE P Q: tcp_write of P * 8 + 1 bytes (P < 0x80) or
 *         (P - 0x7f) * 512; Q bit 0 by reference (no copy), bit 1
 *         TCP_WRITE_FLAG_MORE, bit 2 no tcp_output, bit 3 only what the
 *         send buffer takes.
 *   11    READ P: tcp_recved of all held bytes (P = 0) or P * 32 of them.
 *   12    CLOSE P: P % 7: tcp_close, shutdown rx, shutdown tx, shutdown
 *         both, tcp_abort, read all then tcp_close; 6 (active open only,
 *         once the connection is gone) connect again from the same port.
 *   13    FAIL P: the (1 + P % 16)-th allocation of the next operation
 *         fails (builds with test hooks; elsewhere ignored).
 *   14    MISC P: P & 7: 0 receive mode P >> 3 (0 hold until READ,
 *         1 consume, 2 refuse, 3 consume and write as much back, 4 abort
 *         in the callback, 5 close in the callback); 1 toggle Nagle;
 *         2 tcp_output; 3 start a receive batch (tcp_batch_begin) that the
 *         next non-segment operation ends; 4 toggle keepalive; 5 refill
 *         (P >> 3) * 2048 bytes from the sent callback; 6 jump the peer's
 *         timestamp clock; 7 poll callback every (P >> 3) % 4 + 1 ticks.
 *   15    BURST P: the next operation (a segment) is sent 2 + P % 8 times,
 *         each one payload length further on (a flight of data).
 *
 * Tracking: the harness plays a peer that learns the connection from what
 * the stack sends (every segment on the fake netif is parsed: the highest
 * sequence number sent, the last ACK and window, TSval to echo, a SYN-ACK
 * starting a new connection) and, where the segment asks for it, from the
 * stack's PCB for the 4-tuple (tcp_lookup: RCV.NXT, SND.UNA, SND.NXT, MSS),
 * which stays readable after the application closed.
 *
 * What is checked besides memory safety and leaks: every byte delivered to
 * the application is the peer's byte for its sequence number and nothing
 * follows the FIN, which comes once; every data byte the stack sends is
 * the application's byte for its sequence number; the stack never
 * acknowledges what the peer did not send, never moves its ACK backwards,
 * never shrinks the window it announced, never answers a RST with a RST;
 * the sent callback never reports more than was written; the err callback
 * comes after the PCB left the tables; and after each operation the PCB's
 * queues are contiguous from SND.UNA to the last byte queued, with the
 * send buffer, queue length, SACK and out-of-order counters matching them.
 * A connection the application closed must be freed by the stack within
 * 30 minutes of silence (LWIP_FUZZ_TCP_ORPHANS=ignore only counts them).
 *
 * Known findings, tolerated (and counted) until core/ fixes them, each with
 * a minimized reproducer at the end of this file; LWIP_FUZZ_TCP_STRICT=1
 * (or a list of the categories) turns the checks strict again, and
 * fuzz_tcp --check-known shows which ones still reproduce:
 * Fixed, their tolerance removed (the reproducers stay as seeds and in
 * --check-known, so a regression fails):
 *   rtt       tcp_rtt_sample() overflowed s32_t on a sample near 2^31 ms (a
 *             TSecr far from our clock); such samples are now discarded.
 *   fin       a FIN was taken at RCV.NXT instead of its own sequence number
 *             when data beyond it was accepted (a bare FIN kept inside
 *             queued data by tcp_ooseq_insert(), or passed by in-order
 *             data on the refused-data path); now nothing is accepted
 *             beyond the lowest FIN (tcp_rcv_fin_bound).
 *   sacked    tcp_free_acked() cut the front of a SACKed segment on a
 *             partial ACK without lowering sacked_bytes.
 *   queuelen  the FIN left alone when a partial ACK frees its segment's
 *             data was no longer counted in snd_queuelen.
 *   cookie    a SYN cookie did not cover the peer's ISN: the ACK that
 *             completed it set RCV.NXT from whatever sequence number it
 *             carried (a reordered data segment skipped the bytes before it).
 * (A closed connection facing a zero window used to probe forever; the
 * orphan timeout of 9055f24 ends it, and seed_zero_window_close checks it.)
 *
 * LWIP_FUZZ_TCP_TRACE=1 prints every operation and segment;
 * LWIP_FUZZ_TCP_FULL_INIT=1 resets the heap and pools for every input.
 */
#define _POSIX_C_SOURCE 200809L /* setenv, open, mkdir */

#include "fuzz_tcp.h"

#include "test_tcp_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lwip/etharp.h"
#if LWIP_TCP_SYNQ_COOKIES
#include "lwip/priv/tcp_synq.h"
#endif
#include "lwip/prot/wire.h"

/** The application's receive modes (MISC 0, setup bits 6-7). */
enum recv_mode { RM_HOLD, RM_CONSUME, RM_REFUSE, RM_ECHO, RM_ABORT, RM_CLOSE, RM_COUNT };

#if LWIP_TCP

#define MAX_OPS 1024
#define MAX_PAY (0xc0 + 63 * 32)
#define PERIOD 0x10000U /* both byte patterns repeat every 64 KiB (which divides 2^32) */

/* ---------------------------------------------------------------------- */
/* State of one input                                                      */
/* ---------------------------------------------------------------------- */

/** The application's side of the connection. */
struct app {
  struct tcp_pcb *pcb;      /**< the PCB while the application owns it */
  enum recv_mode mode;
  u32_t rseq;               /**< sequence number of the next byte it expects to receive */
  u32_t held;               /**< received, not yet given back with tcp_recved */
  u32_t wseq;               /**< sequence number of the next byte it writes */
  u32_t worigin;            /**< wseq at the start (the pattern's origin) */
  u32_t written, acked;
  u32_t refill;             /**< bytes the sent callback still writes */
  int nfin;
  bool closed;              /**< tcp_close succeeded: the stack owns the PCB */
  bool active;              /**< the connection was opened with tcp_connect */
};

/** The peer's view, learnt from what the stack sends. */
struct peer {
  struct tt_conn c;         /**< ports and what was agreed (fixture) */
  u32_t snd_max_seen;       /**< highest sequence number + 1 the stack sent */
  u32_t ack_seen;           /**< the stack's last ACK field */
  bool ack_known;           /**< ack_seen and edge_seen hold (not after our own SYN) */
  u32_t edge_seen;          /**< right edge of the last window it announced */
  u16_t wnd_seen;
  u32_t una_est;            /**< highest acceptable ACK the peer sent */
  u32_t sent_max;           /**< highest sequence number + 1 the peer sent */
  u32_t ts;                 /**< the peer's timestamp clock */
  u32_t our_ts;             /**< latest TSval from the stack */
  u8_t our_shift;           /**< window shift the stack announced */
  bool cookie;              /**< the connection was opened with a SYN cookie */
  bool fin_inside;          /**< the peer sent data beyond a FIN it sent, or the stack queued
                                 a bare FIN inside earlier data */
  bool fin_sent;
  u32_t fin_min;            /**< lowest sequence number of a FIN the peer sent */
  u32_t data_max;           /**< highest sequence number + 1 of data the peer sent */
  u32_t cookies;            /**< SYN cookies the stack has sent */
  bool rst_in;              /**< the segment being processed is a RST */
};

static struct app app;
static struct peer P;
static struct fuzz_tcp_reach reach;
static u8_t features[FUZZ_TCP_FEATURE_BYTES];
static u32_t fail_next;     /**< FAIL armed for the next operation */
static bool trace;
static bool orphans_fatal = true;
/* Known findings (listed at the top) tolerated: all of them unless
 * LWIP_FUZZ_TCP_STRICT names them ("1" or "all": none is tolerated). */
enum { K_SACKED = 1, K_FIN = 2, K_COOKIE = 4, K_QUEUELEN = 8, K_RTT = 16 };
static const char *const known_names[] = {"sacked", "fin", "cookie", "queuelen", "rtt"};
static unsigned known = 0xffU & ~(unsigned)(K_RTT | K_FIN | K_SACKED | K_QUEUELEN | K_COOKIE); /* fixed ones are never tolerated */
static ip4_addr_t our_ip, peer_ip;
static u8_t in_buf[2 * PERIOD];  /**< in_buf[i]: the peer's byte at any sequence number = i mod 64 KiB */
static u8_t out_buf[2 * PERIOD]; /**< out_buf[i]: the application's byte at stream offset i mod 64 KiB */

#define TRACE(...) do { if (trace) { fprintf(stderr, "fuzz_tcp: " __VA_ARGS__); } } while (0)

/* Feature bits for the deterministic driver: 0-120 state transitions,
 * 128- events, 256- drop reasons. */
enum {
  FT_REXMIT = 128, FT_SACK_OUT, FT_OOSEQ, FT_PROBE, FT_RST_OUT, FT_ERR, FT_FIN, FT_REFUSED,
  FT_ZERO_WND, FT_DATA_IN, FT_SENT, FT_ALLOC_FAIL, FT_OOSEQ3, FT_INFR, FT_ADOPT, FT_DATA_OUT
};
#define FT_DROPS 256
#define FEAT(b) (features[(b) / 8U] |= (u8_t)(1U << ((b) % 8U)))

static void fz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fz_fail(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "fuzz_tcp: FAILED: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  abort();
}

/* The byte patterns: the peer's byte at sequence number seq is
 * in_buf[seq % PERIOD], the application's byte at offset off of its stream
 * out_buf[off % PERIOD]; both buffers hold two periods, so any run of up to
 * 64 KiB is contiguous. */
static u8_t pat(u32_t x)
{
  x *= 0x9e3779b1U;
  return (u8_t)((x >> 24) ^ (x >> 11));
}
static const u8_t *pat_in(u32_t seq) { return in_buf + seq % PERIOD; }
static const u8_t *pat_out(u32_t off) { return out_buf + off % PERIOD; }

/** The stack's PCB for the connection's 4-tuple (any state), or NULL. */
static struct tcp_pcb *conn_pcb(void)
{
  ip_addr_t ours, peer;
  ip_addr_set_ip4(&ours, &our_ip);
  ip_addr_set_ip4(&peer, &peer_ip);
  return tcp_lookup(&ours, P.c.our_port, &peer, P.c.peer_port);
}

static bool hooks(void)
{
  return LWIP_TEST_HOOKS != 0;
}

/* ---------------------------------------------------------------------- */
/* Invariants of the PCB                                                   */
/* ---------------------------------------------------------------------- */

static u32_t queue_check(const struct tcp_seg *seg, u32_t *at, u32_t *bytes, u32_t *qlen, u32_t *sacked,
                         const struct tcp_seg **last, bool *bare_fin, const char *name)
{
  u32_t n = 0;
  for (; seg != NULL; seg = seg->next, n++) {
    if (seg->p == NULL && (seg->flags & TCP_FIN)) {
      *bare_fin = true;
    }
    if (seg->seqno != *at) {
      fz_fail("%s queue not contiguous: segment at %lu, expected %lu", name, (unsigned long)seg->seqno,
              (unsigned long)*at);
    }
    if ((seg->p == NULL && seg->len != 0) || (seg->p != NULL && seg->p->tot_len != seg->len)) {
      fz_fail("%s segment at %lu: len %u but pbuf holds %u", name, (unsigned long)seg->seqno, seg->len,
              seg->p != NULL ? seg->p->tot_len : 0U);
    }
    *at += TCP_SEG_SEQLEN(seg);
    *bytes += seg->len;
    *qlen += seg->p != NULL ? pbuf_clen(seg->p) : 1U;
    if (seg->state & SEG_SACKED) {
      *sacked += seg->len;
    }
    *last = seg;
  }
  return n;
}

static void check_pcb(const struct tcp_pcb *pcb)
{
  if (pcb == NULL || pcb->state < ESTABLISHED) {
    return;
  }
  if (!TCP_SEQ_LEQ(pcb->snd_una, pcb->snd_nxt) || !TCP_SEQ_LEQ(pcb->snd_nxt, pcb->snd_max) ||
      !TCP_SEQ_LEQ(pcb->snd_max, pcb->snd_lbb)) {
    fz_fail("%s: snd_una %lu snd_nxt %lu snd_max %lu snd_lbb %lu out of order", tcp_state_name(pcb->state),
            (unsigned long)pcb->snd_una, (unsigned long)pcb->snd_nxt, (unsigned long)pcb->snd_max,
            (unsigned long)pcb->snd_lbb);
  }
  u32_t at = pcb->snd_una, bytes = 0, qlen = 0, sacked = 0;
  const struct tcp_seg *last = NULL;
  bool bare_fin = false;
  queue_check(pcb->unacked, &at, &bytes, &qlen, &sacked, &last, &bare_fin, "unacked");
  if (pcb->unacked_tail != last) {
    fz_fail("unacked_tail is not the last unacked segment");
  }
  if (TCP_SEQ_GT(at, pcb->snd_max)) {
    fz_fail("unacked queue ends at %lu beyond snd_max %lu", (unsigned long)at, (unsigned long)pcb->snd_max);
  }
  last = NULL;
  queue_check(pcb->unsent, &at, &bytes, &qlen, &sacked, &last, &bare_fin, "unsent");
  if (pcb->unsent_tail != last) {
    fz_fail("unsent_tail is not the last unsent segment");
  }
  if (at != pcb->snd_lbb) {
    fz_fail("%s: queues end at %lu, snd_lbb %lu", tcp_state_name(pcb->state), (unsigned long)at,
            (unsigned long)pcb->snd_lbb);
  }
  if ((u32_t)TCP_SND_BUF - pcb->snd_buf != bytes) {
    fz_fail("snd_buf %lu but %lu bytes queued (TCP_SND_BUF %lu)", (unsigned long)pcb->snd_buf,
            (unsigned long)bytes, (unsigned long)TCP_SND_BUF);
  }
  if (pcb->snd_queuelen + 1U == qlen && bare_fin && (known & K_QUEUELEN)) {
    /* Known: the FIN left alone when its segment's data is acknowledged
     * is not counted (see the top). */
    reach.known_queuelen++;
  } else if (pcb->snd_queuelen != qlen) {
    fz_fail("snd_queuelen %u but the queues hold %lu pbufs", pcb->snd_queuelen, (unsigned long)qlen);
  }
  if (pcb->sacked_bytes > sacked && (known & K_SACKED)) {
    reach.known_sacked++;
  } else if (pcb->sacked_bytes != sacked) {
    fz_fail("sacked_bytes %lu but %lu bytes are marked SACKed", (unsigned long)pcb->sacked_bytes,
            (unsigned long)sacked);
  }
  u32_t n = 0, b = 0, end = 0;
  for (const struct tcp_seg *s = pcb->ooseq; s != NULL; s = s->next) {
    /* Known: a bare FIN inside data queued before it is kept (see the top). */
    bool bare_fin_inside = (known & K_FIN) && s->len == 0 && (s->flags & TCP_FIN);
    if (n > 0 && TCP_SEQ_LT(s->seqno, end) && bare_fin_inside) {
      reach.known_fin_inside++;
      P.fin_inside = true;
    } else if (n > 0 && TCP_SEQ_LT(s->seqno, end)) {
      fz_fail("out-of-order queue overlaps or is unsorted at %lu (previous ends at %lu)", (unsigned long)s->seqno,
              (unsigned long)end);
    }
    if ((s->p == NULL && s->len != 0) || (s->p != NULL && s->p->tot_len != s->len)) {
      fz_fail("out-of-order segment at %lu: len %u, pbuf %u", (unsigned long)s->seqno, s->len,
              s->p != NULL ? s->p->tot_len : 0U);
    }
    /* Data must not overlap; a FIN may share its number with data queued
     * after it (an inconsistent peer: the first FIN taken wins). */
    end = s->seqno + s->len;
    n++;
    b += s->len;
  }
  if (n != pcb->ooseq_segs || b != pcb->ooseq_bytes) {
    fz_fail("ooseq_segs %u ooseq_bytes %lu, queue has %lu segments %lu bytes", pcb->ooseq_segs,
            (unsigned long)pcb->ooseq_bytes, (unsigned long)n, (unsigned long)b);
  }
  if (n > 0) {
    FEAT(FT_OOSEQ);
    reach.ooseq++;
    if (n >= 3) {
      FEAT(FT_OOSEQ3);
    }
  }
  if (pcb->rcv_wnd > TCP_WND) {
    fz_fail("rcv_wnd %lu above TCP_WND", (unsigned long)pcb->rcv_wnd);
  }
  if (pcb->flags & TF_INFR) {
    FEAT(FT_INFR);
  }
}

/* ---------------------------------------------------------------------- */
/* What the stack sends: checked, and the peer's view updated              */
/* ---------------------------------------------------------------------- */

static void drain(void)
{
  struct tt_seg s;
  while (tt_pop(&s)) {
    reach.segs_out++;
    if (s.sport != P.c.our_port || s.dport != P.c.peer_port) {
      continue;
    }
    bool syn = (s.flags & TCP_SYN) != 0;
    u32_t seqlen = s.len + (syn ? 1U : 0U) + ((s.flags & TCP_FIN) ? 1U : 0U);
    TRACE("  out [%02x] seq %lu ack %lu wnd %u len %u%s\n", s.flags, (unsigned long)s.seq, (unsigned long)s.ack,
          s.wnd, s.len, s.opt.nsack ? " +SACK" : "");
    if (s.flags & TCP_RST) {
      if (P.rst_in) {
        fz_fail("a RST was answered with a RST (RFC 9293 3.10.7)");
      }
      reach.rst_out++;
      FEAT(FT_RST_OUT);
      continue;
    }
    if (syn) {
      /* A new connection on the 4-tuple (SYN-ACK of a passive reopen). */
#if LWIP_STATS
      P.cookie = lwip_stats.drops[LWIP_DROP_TCP_SYN_COOKIE] != P.cookies;
      P.cookies = lwip_stats.drops[LWIP_DROP_TCP_SYN_COOKIE];
#endif
      /* A new connection on the 4-tuple: our SYN-ACK of a passive reopen
       * (what it echoes is agreed), or our SYN of a reconnect (what the
       * peer will offer is agreed). */
      bool synack = (s.flags & TCP_ACK) != 0;
      P.snd_max_seen = P.una_est = s.seq + 1U;
      P.ack_seen = P.edge_seen = s.ack;
      P.ack_known = synack;
      P.c.ws = s.opt.has_ws && (synack || (P.c.opts & TT_OPT_WS));
      P.c.sack = s.opt.sack_perm && (synack || (P.c.opts & TT_OPT_SACK));
      P.c.ts = s.opt.has_ts && (synack || (P.c.opts & TT_OPT_TS));
      P.our_shift = P.c.ws ? s.opt.ws : 0;
      P.fin_sent = P.fin_inside = false;
    }
    if ((s.flags & TCP_ACK) && !P.ack_known) {
      P.ack_seen = P.edge_seen = s.ack;
      P.ack_known = true;
    }
    if (s.flags & TCP_ACK) {
      if (TCP_SEQ_GT(s.ack, P.sent_max) && s.ack == P.sent_max + 1U && P.fin_inside && (known & K_FIN)) {
        /* Known: that FIN is taken after all the data (see the top). */
        reach.known_fin_inside++;
      } else if (TCP_SEQ_GT(s.ack, P.sent_max)) {
        fz_fail("ACK %lu beyond everything the peer sent (%lu)", (unsigned long)s.ack, (unsigned long)P.sent_max);
      }
      if (TCP_SEQ_LT(s.ack, P.ack_seen) && P.cookie && (known & K_COOKIE)) {
        /* Known: a cookie ACK sets RCV.NXT from any sequence number. */
        reach.known_cookie_seq++;
      } else if (TCP_SEQ_LT(s.ack, P.ack_seen)) {
        fz_fail("ACK went backwards: %lu after %lu", (unsigned long)s.ack, (unsigned long)P.ack_seen);
      }
      u32_t edge = s.ack + ((u32_t)s.wnd << (syn ? 0 : P.our_shift));
      /* Scaling truncates the window: allow the rounding. */
      if (!syn && TCP_SEQ_LT(edge + ((1U << P.our_shift) - 1U), P.edge_seen) && P.cookie && (known & K_COOKIE)) {
        reach.known_cookie_seq++;
        P.edge_seen = edge;
      } else if (!syn && TCP_SEQ_LT(edge + ((1U << P.our_shift) - 1U), P.edge_seen)) {
        fz_fail("window shrank: right edge %lu after %lu", (unsigned long)edge, (unsigned long)P.edge_seen);
      }
      if (TCP_SEQ_GT(edge, P.edge_seen)) {
        P.edge_seen = edge;
      }
      P.ack_seen = s.ack;
      P.wnd_seen = s.wnd;
      if (s.wnd == 0) {
        FEAT(FT_ZERO_WND);
      }
    }
    if (s.opt.has_ts) {
      P.our_ts = s.opt.tsval;
    }
    if (s.opt.nsack > 0) {
      reach.sack_out++;
      FEAT(FT_SACK_OUT);
    }
    if (seqlen == 0 && s.seq == P.una_est - 1U) {
      reach.probes++;
      FEAT(FT_PROBE);
    }
    if (s.len > 0) {
      u32_t first = s.seq + (syn ? 1U : 0U);
      u16_t n = s.len < TT_MAX_DATA ? s.len : TT_MAX_DATA;
      const u8_t *want = pat_out(first - app.worigin);
      if (memcmp(s.data, want, n) != 0) {
        u16_t i = 0;
        while (s.data[i] == want[i]) {
          i++;
        }
        fz_fail("the stack sent a wrong byte at seq %lu (stream offset %lu)", (unsigned long)(first + i),
                (unsigned long)(first + i - app.worigin));
      }
      reach.bytes_out += s.len;
      FEAT(FT_DATA_OUT);
      if (TCP_SEQ_LT(s.seq, P.snd_max_seen)) {
        reach.rexmit++;
        FEAT(FT_REXMIT);
      }
    }
    if (TCP_SEQ_GT(s.seq + seqlen, P.snd_max_seen)) {
      P.snd_max_seen = s.seq + seqlen;
    }
  }
}

/** After every operation: read the output, check the PCB. */
static void settle(void)
{
  drain();
  check_pcb(conn_pcb());
}

/* ---------------------------------------------------------------------- */
/* The application                                                         */
/* ---------------------------------------------------------------------- */

static err_t app_write(struct tcp_pcb *pcb, u32_t len, u8_t apiflags)
{
  len = LWIP_MIN(len, 0xffffU);
  if (len == 0) {
    return ERR_OK;
  }
  const u8_t *d = pat_out(app.wseq - app.worigin);
  err_t e = tcp_write(pcb, d, (u16_t)len, apiflags);
  TRACE("  tcp_write %lu -> %d\n", (unsigned long)len, e);
  if (e == ERR_OK) {
    app.wseq += len;
    app.written += len;
  }
  return e;
}

static void app_recved(struct tcp_pcb *pcb, u32_t n)
{
  n = LWIP_MIN(n, app.held);
  app.held -= n;
  while (n > 0) {
    u16_t k = (u16_t)LWIP_MIN(n, 0xffffU);
    tcp_recved(pcb, k);
    n -= k;
  }
}

/* The application closes; @return whether it still owns the PCB. */
static bool app_close(struct tcp_pcb *pcb)
{
  err_t e = tcp_close(pcb);
  TRACE("  tcp_close -> %d\n", e);
  if (e == ERR_OK) {
    if (app.pcb == pcb) {
      app.pcb = NULL;
      app.closed = true;
    }
    return false;
  }
  return true;
}

static void check_received(const struct pbuf *p)
{
  u32_t off = 0;
  for (const struct pbuf *q = p; q != NULL; q = q->next) {
    const u8_t *b = (const u8_t *)q->payload;
    const u8_t *want = pat_in(app.rseq + off);
    if (memcmp(b, want, q->len) != 0) {
      u16_t i = 0;
      while (b[i] == want[i]) {
        i++;
      }
      fz_fail("the application received a wrong byte at seq %lu", (unsigned long)(app.rseq + off + i));
    }
    off += q->len;
  }
  if (off != p->tot_len) {
    fz_fail("pbuf chain holds %lu bytes, tot_len %u", (unsigned long)off, p->tot_len);
  }
}

static err_t app_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)arg;
  (void)err;
  if (pcb != app.pcb) {
    /* Not the application's connection (cannot happen): just consume. */
    if (p != NULL) {
      tcp_recved(pcb, p->tot_len);
      pbuf_free(p);
    }
    return ERR_OK;
  }
  if (p == NULL) {
    TRACE("  recv FIN\n");
    FEAT(FT_FIN);
    if (++app.nfin > 1) {
      fz_fail("the FIN was delivered twice");
    }
    if (app.mode == RM_ABORT) {
      tcp_abort(pcb);
      return ERR_ABRT;
    }
    if (app.mode == RM_CLOSE) {
      app_recved(pcb, app.held);
      app_close(pcb);
    }
    return ERR_OK;
  }
  if (app.nfin > 0) {
    fz_fail("data delivered after the FIN");
  }
  if (app.mode == RM_REFUSE) {
    FEAT(FT_REFUSED);
    return ERR_MEM;
  }
  check_received(p);
  u16_t n = p->tot_len;
  TRACE("  recv %u bytes at %lu\n", n, (unsigned long)app.rseq);
  app.rseq += n;
  app.held += n;
  reach.bytes_in += n;
  FEAT(FT_DATA_IN);
  pbuf_free(p);
  switch (app.mode) {
  case RM_CONSUME:
    app_recved(pcb, n);
    break;
  case RM_ECHO:
    app_recved(pcb, n);
    app_write(pcb, LWIP_MIN((u32_t)n, (u32_t)tcp_sndbuf(pcb)), TCP_WRITE_FLAG_COPY);
    break;
  case RM_ABORT:
    tcp_abort(pcb);
    return ERR_ABRT; /* p is freed: that is ours to do with ERR_ABRT */
  case RM_CLOSE:
    app_recved(pcb, app.held);
    app_close(pcb);
    break;
  default:
    break;
  }
  return ERR_OK;
}

static err_t app_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  (void)arg;
  FEAT(FT_SENT);
  if (pcb != app.pcb) {
    return ERR_OK;
  }
  app.acked += len;
  if (app.acked > app.written) {
    fz_fail("sent callbacks report %lu bytes acknowledged, %lu written", (unsigned long)app.acked,
            (unsigned long)app.written);
  }
  if (app.refill > 0) {
    u32_t n = LWIP_MIN(app.refill, (u32_t)tcp_sndbuf(pcb));
    if (app_write(pcb, n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
      app.refill -= n;
    }
  }
  return ERR_OK;
}

static void app_err(void *arg, err_t err)
{
  TRACE("  err %d\n", err);
  FEAT(FT_ERR);
  if (arg != NULL && arg == app.pcb) {
    if (conn_pcb() == arg) {
      fz_fail("err callback while the PCB is still in the stack's tables");
    }
    app.pcb = NULL;
  }
}

static err_t app_poll(void *arg, struct tcp_pcb *pcb)
{
  (void)arg;
  tcp_output(pcb);
  return ERR_OK;
}

static void app_attach(struct tcp_pcb *pcb)
{
  tcp_arg(pcb, pcb);
  tcp_recv(pcb, app_recv);
  tcp_sent(pcb, app_sent);
  tcp_err(pcb, app_err);
}

static void app_adopt(struct tcp_pcb *pcb)
{
  enum recv_mode mode = app.mode;
  memset(&app, 0, sizeof(app));
  app.mode = mode;
  app.pcb = pcb;
  app.rseq = pcb->rcv_nxt;
  app.wseq = app.worigin = pcb->snd_nxt;
  app_attach(pcb);
}

/* A new connection on the listener after the first one died: it becomes
 * the application's connection; while that one lives, others are refused. */
static err_t app_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  (void)arg;
  if (newpcb == NULL || err != ERR_OK) {
    return ERR_OK;
  }
  if (app.pcb != NULL) {
    tcp_abort(newpcb);
    return ERR_ABRT;
  }
  TRACE("  accepted a new connection\n");
  FEAT(FT_ADOPT);
  app_adopt(newpcb);
  return ERR_OK;
}

static void state_hook(const struct tcp_pcb *pcb, enum tcp_state old_state, enum tcp_state new_state)
{
  if (pcb == app.pcb && old_state == SYN_SENT && new_state != CLOSED) {
    /* The peer's SYN fixed where its data starts (a reconnect; data may
     * come before the connected callback: closed from SYN_RCVD). */
    app.rseq = pcb->rcv_nxt;
  }
  reach.states |= 1UL << new_state;
  FEAT((unsigned)old_state * 11U + (unsigned)new_state);
}

/* ---------------------------------------------------------------------- */
/* Segments from the peer                                                  */
/* ---------------------------------------------------------------------- */

struct segdesc {
  u8_t op, f, a, w, l, o;
  s8_t s;
  bool has_o;
  u8_t nsack;
  s8_t sl[3];
  u8_t sr[3];
};

struct rd {
  const u8_t *p;
  size_t n, i;
};

static u8_t rd_u8(struct rd *r)
{
  return r->i < r->n ? r->p[r->i++] : 0;
}

static void parse_seg(struct rd *r, u8_t op, struct segdesc *d)
{
  memset(d, 0, sizeof(*d));
  d->op = op;
  d->f = rd_u8(r);
  d->s = (s8_t)rd_u8(r);
  d->a = rd_u8(r);
  d->w = rd_u8(r);
  d->l = rd_u8(r);
  d->has_o = (op & 0x0f) >= 6;
  if (d->has_o) {
    d->o = rd_u8(r);
    d->nsack = (u8_t)((d->o >> 3) & 3U);
    for (u8_t i = 0; i < d->nsack; i++) {
      d->sl[i] = (s8_t)rd_u8(r);
      d->sr[i] = rd_u8(r);
    }
  }
}

static u16_t seg_len(const struct segdesc *d)
{
  return d->l < 0xc0 ? d->l : (u16_t)(0xc0 + (d->l - 0xc0) * 32);
}

/* A frame as a pbuf: one PBUF_POOL chain, or small PBUF_RAM pieces. */
static struct pbuf *frame_pbuf(const u8_t *f, size_t len, size_t chunk)
{
  if (chunk == 0) {
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p != NULL) {
      pbuf_take(p, f, (u16_t)len);
    }
    return p;
  }
  /* Built from the end, so each pbuf_cat() walks a single pbuf. */
  struct pbuf *head = NULL;
  size_t off = (len - 1) / chunk * chunk;
  for (;;) {
    size_t n = LWIP_MIN(chunk, len - off);
    struct pbuf *q = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
    if (q == NULL) {
      pbuf_free(head);
      return NULL;
    }
    memcpy(q->payload, f + off, n);
    if (head != NULL) {
      pbuf_cat(q, head);
    }
    head = q;
    if (off == 0) {
      return head;
    }
    off -= chunk;
  }
}

/* Hand a frame to the netif; the armed FAIL hits the stack's allocations. */
static void rx_frame(const u8_t *f, size_t len, size_t chunk)
{
  struct pbuf *p = frame_pbuf(f, len, chunk);
  if (p == NULL) {
    return; /* the stack holds every pool pbuf: a driver would drop the frame */
  }
  if (fail_next != 0) {
    lwip_alloc_fail_after(fail_next);
  }
  if (tt_tn.netif.input(p, &tt_tn.netif) != ERR_OK) {
    pbuf_free(p);
  }
  lwip_alloc_fail_after(0);
  fail_next = 0;
}

static u32_t win_of(u8_t w)
{
  return w < 32 ? w : LWIP_MIN((u32_t)(w - 31) * 293U, 0xffffU);
}

/* Send the segment @p d describes; with @p seq_at, at that sequence
 * number instead (the rest of a burst).  @return its sequence number. */
static u32_t inject(const struct segdesc *d, const u32_t *seq_at)
{
  static u8_t pay[MAX_PAY];
  static u8_t seg[TCP_HLEN_MAX + MAX_PAY];
  static u8_t frame[14 + 20 + TCP_HLEN_MAX + MAX_PAY];
  struct tcp_pcb *pcb = conn_pcb();
  u16_t len = seg_len(d);
  u8_t flags = (u8_t)((d->f & 0x3f) ^ TCP_ACK);

  static const u32_t units[4] = {1, 0, 128, 2048};
  u32_t unit = units[(d->op >> 6) & 3U];
  if (unit == 0) {
    unit = len ? len : 1U;
  }
  u32_t base;
  switch ((d->op >> 4) & 3U) {
  case 0:
    base = pcb != NULL ? pcb->rcv_nxt : P.ack_seen;
    break;
  case 1:
    base = P.ack_seen;
    break;
  case 2:
    base = P.sent_max;
    break;
  default:
    base = P.edge_seen;
    break;
  }
  u32_t seq = seq_at != NULL ? *seq_at : base + (u32_t)((s32_t)d->s * (s32_t)unit);

  u32_t una = pcb != NULL ? pcb->snd_una : P.una_est;
  u32_t nxt = pcb != NULL ? pcb->snd_nxt : P.snd_max_seen;
  u32_t ack;
  switch (d->f >> 6) {
  case 0:
    ack = una + (u32_t)(s32_t)(s8_t)d->a;
    break;
  case 1:
    ack = nxt + (u32_t)(s32_t)(s8_t)d->a;
    break;
  case 2:
    ack = P.snd_max_seen + (u32_t)(s32_t)(s8_t)d->a;
    break;
  default:
    ack = una + (u32_t)(((u64_t)(u32_t)(P.snd_max_seen - una) * d->a) / 255U);
    break;
  }

  struct tt_opts o;
  if (flags & TCP_SYN) {
    tt_syn_opts(&o, P.c.opts, P.ts);
    o.has_ts = false;
  } else {
    memset(&o, 0, sizeof(o));
  }
  bool ts = P.c.ts || ((flags & TCP_SYN) && (P.c.opts & TT_OPT_TS));
  if (d->has_o && (d->o & 1U)) {
    ts = !ts;
  }
  if (ts) {
    o.has_ts = true;
    o.tsval = (d->has_o && (d->o & 2U)) ? P.ts - 0x10000000U : P.ts;
    /* A bogus echo 2^31 - 1 ahead makes an RTT sample near 2^31 ms (once
     * a signed overflow in tcp_rtt_sample, see the top); only while the
     * rtt category is tolerated is the echo a second old instead. */
    o.tsecr = !(d->has_o && (d->o & 4U)) ? P.our_ts : (known & K_RTT) ? P.our_ts - 1000U : P.our_ts + 0x7fffffffU;
  }
  P.ts++;
  if (d->nsack > 0) {
    u16_t mss = pcb != NULL ? pcb->mss : 536U;
    const u32_t g[4] = {1, 64, mss / 2U, mss};
    u32_t unit_s = g[(d->o >> 5) & 3U];
    u8_t room = (u8_t)((40U - (o.has_mss ? 4U : 0U) - (o.has_ws ? 4U : 0U) - (o.sack_perm ? 4U : 0U) -
                        (o.has_ts ? 12U : 0U) - 4U) / 8U);
    o.nsack = (u8_t)LWIP_MIN(d->nsack, room);
    for (u8_t i = 0; i < o.nsack; i++) {
      o.sack[i][0] = una + (u32_t)((s32_t)d->sl[i] * (s32_t)unit_s);
      o.sack[i][1] = o.sack[i][0] + ((u32_t)d->sr[i] + 1U) * unit_s;
    }
  }

  u32_t first = seq + ((flags & TCP_SYN) ? 1U : 0U);
  memcpy(pay, pat_in(first), len);
  u32_t end = seq + len + ((flags & TCP_SYN) ? 1U : 0U) + ((flags & TCP_FIN) ? 1U : 0U);
  if (TCP_SEQ_GT(end, P.sent_max)) {
    P.sent_max = end;
  }
  if ((flags & TCP_SYN) && (pcb == NULL || pcb->state == SYN_SENT)) {
    /* The peer starts a stream (a new connection, or the SYN-ACK of ours). */
    P.data_max = first;
    P.fin_sent = P.fin_inside = false;
  }
  if ((flags & TCP_FIN) && (!P.fin_sent || TCP_SEQ_LT(end - 1U, P.fin_min))) {
    P.fin_sent = true;
    P.fin_min = end - 1U;
  }
  if (len > 0 && TCP_SEQ_GT(first + len, P.data_max)) {
    P.data_max = first + len;
  }
  if (P.fin_sent && TCP_SEQ_GT(P.data_max, P.fin_min)) {
    P.fin_inside = true; /* an inconsistent peer: data on or beyond its FIN */
  }
  if ((flags & TCP_ACK) && TCP_SEQ_GT(ack, P.una_est) && TCP_SEQ_LEQ(ack, P.snd_max_seen)) {
    P.una_est = ack;
  }
  u16_t wnd = (u16_t)win_of(d->w);
  TRACE("seg [%02x] seq %lu (rcv_nxt%+ld) ack %lu wnd %u len %u ts %d sack %u\n", flags, (unsigned long)seq,
        pcb != NULL ? (long)(s32_t)(seq - pcb->rcv_nxt) : 0L, (unsigned long)ack, wnd, len, o.has_ts, o.nsack);

  size_t n = tt_build(seg, TT_PEER_IP, TT_OUR_IP, P.c.peer_port, P.c.our_port, flags, seq, ack, wnd, &o, pay, len);
  size_t fl = test_eth_ip4(frame, TT_PEER_IP, TT_OUR_IP, 6, seg, n);
  reach.segs_in++;
  P.rst_in = (flags & TCP_RST) != 0;
  bool reopen = pcb == NULL && (flags & TCP_SYN);
  rx_frame(frame, fl, (d->has_o && (d->o & 0x80U)) ? 9U + (len & 31U) : 0U);
  struct tcp_pcb *npcb = conn_pcb();
  u32_t new_rcv_nxt = 0, new_una = 0;
  bool started = false;
  if (reopen && npcb != NULL) {
    new_rcv_nxt = npcb->rcv_nxt;
    new_una = npcb->snd_una;
    started = true;
  }
#if LWIP_TCP_SYNQ_COOKIES
  if (reopen && npcb == NULL) {
    /* The handshake may be an entry in the SYN queue, not a PCB. */
    ip_addr_t ours, peer;
    ip_addr_set_ip4(&ours, &our_ip);
    ip_addr_set_ip4(&peer, &peer_ip);
    const struct tcp_synq_entry *e = tcp_synq_lookup(&ours, P.c.our_port, &peer, P.c.peer_port);
    if (e != NULL) {
      new_rcv_nxt = e->irs + 1U;
      new_una = e->iss;
      started = true;
    }
  }
#endif
  if (started) {
    /* A new connection on the 4-tuple: the peer starts over with what our
     * SYN-ACK says, or (when it could not be sent) from the SYN's numbers;
     * the old connection's window edge means nothing to it. */
    P.ack_seen = P.edge_seen = new_rcv_nxt;
    P.ack_known = true;
    P.snd_max_seen = P.una_est = new_una;
    P.fin_sent = P.fin_inside = P.cookie = false;
  }
  settle();
  P.rst_in = false;
  return seq;
}

/* ---------------------------------------------------------------------- */
/* Other operations                                                        */
/* ---------------------------------------------------------------------- */

static void advance(u32_t ms)
{
  TRACE("clock +%lu ms\n", (unsigned long)ms);
  /* In steps, so the captured frames never pile up (a step holds at most
   * a few dozen timer events: RTO, persist and keepalive intervals are
   * 200 ms or more, and back off). */
  while (ms > 0) {
    u32_t step = LWIP_MIN(ms, 10000U);
    if (fail_next != 0) {
      lwip_alloc_fail_after(fail_next);
      fail_next = 0;
    }
    test_clock_advance(step);
    lwip_alloc_fail_after(0);
    settle();
    ms -= step;
  }
}

static void op_clock(u8_t p)
{
  static const u32_t steps[16] = {1,    10,    40,    100,    200,    250,    500,     1000,
                                  3000, 5000, 10000, 30000, 60000, 600000, 3600000, 7200000};
  advance(p < 0x80 ? (u32_t)p * 5U : steps[p & 15U]);
}

/* Arm FAIL for an application call, and disarm it after. */
static void fail_arm(void)
{
  if (fail_next != 0) {
    lwip_alloc_fail_after(fail_next);
    fail_next = 0;
  }
}

static void op_write(u8_t p, u8_t q)
{
  struct tcp_pcb *pcb = app.pcb;
  if (pcb == NULL) {
    return;
  }
  u32_t len = p < 0x80 ? (u32_t)p * 8U + 1U : (u32_t)(p - 0x7f) * 512U;
  if (q & 8U) {
    len = LWIP_MIN(len, (u32_t)tcp_sndbuf(pcb));
  }
  u8_t flags = (u8_t)(((q & 1U) ? 0 : TCP_WRITE_FLAG_COPY) | ((q & 2U) ? TCP_WRITE_FLAG_MORE : 0));
  fail_arm();
  app_write(pcb, len, flags);
  if (!(q & 4U) && app.pcb != NULL) {
    tcp_output(app.pcb);
  }
  lwip_alloc_fail_after(0);
}

static void op_read(u8_t p)
{
  if (app.pcb == NULL) {
    return;
  }
  TRACE("read %u of %lu held\n", p ? p * 32U : (unsigned)app.held, (unsigned long)app.held);
  fail_arm();
  app_recved(app.pcb, p == 0 ? app.held : (u32_t)p * 32U);
  lwip_alloc_fail_after(0);
}

static err_t app_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
  (void)arg;
  (void)err;
  TRACE("  connected\n");
  FEAT(FT_ADOPT);
  if (pcb == app.pcb) {
    app.rseq = pcb->rcv_nxt;
  }
  return ERR_OK;
}

/* The application connects again from its port (SYN_SENT, and with a
 * peer that answers with a SYN, a simultaneous open). */
static void app_reconnect(void)
{
  struct tcp_pcb *pcb = tcp_new();
  if (pcb == NULL) {
    return;
  }
  err_t e = tcp_bind(pcb, IP_ADDR_ANY, P.c.our_port);
  if (e == ERR_OK) {
    e = tcp_connect(pcb, tt_peer_addr(), P.c.peer_port, app_connected);
  }
  TRACE("reconnect -> %d\n", e);
  if (e != ERR_OK) {
    tcp_abort(pcb);
    return;
  }
  enum recv_mode mode = app.mode;
  memset(&app, 0, sizeof(app));
  app.mode = mode;
  app.active = true;
  app.pcb = pcb;
  app.wseq = app.worigin = pcb->snd_lbb; /* after the SYN */
  app_attach(pcb);
}

static void op_close(u8_t p)
{
  struct tcp_pcb *pcb = app.pcb;
  if (pcb == NULL) {
    if (p % 7U == 6U && app.active && conn_pcb() == NULL) {
      fail_arm();
      app_reconnect();
      lwip_alloc_fail_after(0);
    }
    return;
  }
  TRACE("close op %u\n", p % 7U);
  fail_arm();
  switch (p % 7U) {
  case 0:
    app_close(pcb);
    break;
  case 1:
    tcp_shutdown(pcb, 1, 0);
    app.held = 0; /* the stack forgets what was not read */
    break;
  case 2:
    tcp_shutdown(pcb, 0, 1);
    break;
  case 3:
    if (tcp_shutdown(pcb, 1, 1) == ERR_OK && app.pcb == pcb) {
      app.pcb = NULL;
      app.closed = true;
    }
    break;
  case 4:
    tcp_abort(pcb);
    break;
  case 5:
    app_recved(pcb, app.held);
    app_close(pcb);
    break;
  default:
    break;
  }
  lwip_alloc_fail_after(0);
}

static void op_misc(u8_t p)
{
  struct tcp_pcb *pcb = app.pcb;
  u8_t v = (u8_t)(p >> 3);
  switch (p & 7U) {
  case 0:
    app.mode = (enum recv_mode)(v % RM_COUNT);
    TRACE("receive mode %d\n", app.mode);
    break;
  case 1:
    if (pcb != NULL) {
      if (tcp_nagle_disabled(pcb)) {
        tcp_nagle_enable(pcb);
      } else {
        tcp_nagle_disable(pcb);
      }
    }
    break;
  case 2:
    if (pcb != NULL) {
      fail_arm();
      tcp_output(pcb);
      lwip_alloc_fail_after(0);
    }
    break;
  case 3:
    TRACE("batch begin\n");
    tcp_batch_begin();
    break;
  case 4:
    if (pcb != NULL) {
      if (ip_get_option(pcb, SOF_KEEPALIVE)) {
        pcb->so_options = (u8_t)(pcb->so_options & ~SOF_KEEPALIVE);
      } else {
        ip_set_option(pcb, SOF_KEEPALIVE);
        tcp_keepalive(pcb, 1000U + v * 500U, 500U, (u8_t)(1U + v % 4U));
      }
      tcp_output(pcb); /* re-arms the timers */
    }
    break;
  case 5:
    app.refill = (u32_t)v * 2048U;
    break;
  case 6:
    P.ts += (u32_t)v << 26;
    break;
  default:
    if (pcb != NULL) {
      tcp_poll(pcb, app_poll, (u8_t)(v % 4U + 1U));
    }
    break;
  }
}

/* ---------------------------------------------------------------------- */
/* One input                                                               */
/* ---------------------------------------------------------------------- */

static void setup(u8_t b0, u8_t b1)
{
  unsigned opts = ((b0 & 2U) ? TT_OPT_WS : 0U) | ((b0 & 4U) ? TT_OPT_SACK : 0U) | ((b0 & 8U) ? TT_OPT_TS : 0U);
  tt_setup(NULL);
  our_ip.addr = test_ip(TT_OUR_IP);
  peer_ip.addr = test_ip(TT_PEER_IP);
  memset(&app, 0, sizeof(app));
  memset(&P, 0, sizeof(P));
  fail_next = 0;
  tcp_set_state_hook(state_hook);
  if (b0 & 1U) {
    setup_established_active(&P.c, opts);
  } else {
    setup_established_passive(&P.c, opts);
    tcp_accept(tt_listener, app_accept);
    if (b1 & 4U) {
      tcp_close(tt_listener);
      tt_listener = NULL;
    }
  }
  struct tcp_pcb *pcb = P.c.pcb;
  P.snd_max_seen = P.una_est = P.c.our_nxt;
  P.ack_seen = P.sent_max = P.data_max = P.c.peer_nxt;
  P.ack_known = true;
  /* A lower bound of the edge the handshake announced (a SYN's window
   * is not scaled, and without scaling 64 KiB is all it can say). */
  P.edge_seen = pcb->rcv_nxt + LWIP_MIN(pcb->rcv_ann_right_edge - pcb->rcv_nxt, 0xffffU);
  P.our_shift = P.c.ws ? TCP_RCV_SCALE : 0;
  P.ts = P.c.peer_ts;
  P.our_ts = P.c.our_ts;
  app.mode = (enum recv_mode)(b0 >> 6);
  app_adopt(pcb);
  app.active = (b0 & 1U) != 0;
  if (b0 & 0x10U) {
    tcp_nagle_disable(pcb);
  }
  if (b0 & 0x20U) {
    ip_set_option(pcb, SOF_KEEPALIVE);
    tcp_keepalive(pcb, 2000U, 500U, 3U);
    tcp_output(pcb);
  }
  settle();
}

static void collect_pcb(struct tcp_pcb *pcb, void *arg)
{
  struct tcp_pcb **list = arg;
  for (int i = 0; i < 16; i++) {
    if (list[i] == NULL) {
      list[i] = pcb;
      return;
    }
  }
}

static void finish(u8_t b1)
{
  if (tcp_batch_active()) {
    tcp_batch_end();
  }
  fail_next = 0;
  lwip_alloc_fail_after(0);
  settle();
  struct tcp_pcb *pcb = app.pcb;
  if (pcb != NULL) {
    TRACE("finish: policy %u in %s\n", b1 & 3U, tcp_state_name(pcb->state));
    switch (b1 & 3U) {
    case 0:
      tcp_abort(pcb);
      break;
    case 1:
      app.mode = RM_CONSUME;
      app_recved(pcb, app.held);
      if (app_close(pcb)) {
        tcp_abort(pcb);
      }
      break;
    case 2:
      if (app_close(pcb)) {
        tcp_abort(pcb);
      }
      break;
    default:
      tcp_shutdown(pcb, 0, 1);
      if (app.pcb != NULL && app_close(app.pcb)) {
        tcp_abort(app.pcb);
      }
      break;
    }
    settle();
  }
  if (app.closed && conn_pcb() != NULL) {
    /* The stack owns the connection now: with a silent peer it must give
     * it up by itself (FIN_WAIT_2 and TIME_WAIT timeouts, retransmission
     * limits). */
    advance(30U * 60U * 1000U);
    struct tcp_pcb *left = conn_pcb();
    if (left != NULL) {
      reach.orphans++;
      if (orphans_fatal) {
        fz_fail("a connection the application closed is still in %s after 30 minutes of silence (unsent %d, "
                "unacked %d, snd_wnd %lu)",
                tcp_state_name(left->state), left->unsent != NULL, left->unacked != NULL,
                (unsigned long)left->snd_wnd);
      }
    }
  }
  /* Whatever is left (connections the listener accepted meanwhile, an
   * orphan) is aborted, then the fixture frees the listener, removes the
   * netif and fails on any pool element or heap byte still in use. */
  struct tcp_pcb *list[16] = {NULL};
  tcp_foreach(collect_pcb, NULL, list);
  for (int i = 0; i < 16 && list[i] != NULL; i++) {
    tcp_abort(list[i]);
  }
  drain();
  tcp_set_state_hook(NULL);
  tt_teardown(NULL);
  if (lwip_mem_in_use() != 0) {
    test_dump_usage();
    fz_fail("memory leaked: %lu units in use", (unsigned long)lwip_mem_in_use());
  }
}

/* lwip_init() resets the heap and pools.  With malloc-backed pools that
 * means scanning the whole table of live blocks (sized for the largest
 * heap and every pool element) twice, which cost ~80% of each input here.
 * After a clean teardown nothing is allocated and there is nothing to
 * reset, so the link wraps mem_init and memp_init (meson.build: -Wl,--wrap)
 * and they run only for the first input, or when something is still
 * allocated, or with LWIP_FUZZ_TCP_FULL_INIT=1.  Every other module is
 * initialised by lwip_init() as always, so each input still starts from
 * the same state. */
#ifdef FUZZ_TCP_WRAP_INIT
static bool full_init;
void __real_mem_init(void);
void __real_memp_init(void);
void __wrap_mem_init(void);
void __wrap_memp_init(void);

void __wrap_mem_init(void)
{
  static bool done;
  if (!done || full_init || !LWIP_MALLOC_POOLS || lwip_mem_in_use() != 0) {
    __real_mem_init();
    done = true;
  }
}

void __wrap_memp_init(void)
{
  static bool done;
  if (!done || full_init || !LWIP_MALLOC_POOLS || lwip_mem_in_use() != 0) {
    __real_memp_init();
    done = true;
  }
}
#endif

static void init_once(void)
{
  static bool done;
  if (done) {
    return;
  }
  done = true;
  /* A cmocka assertion in the fixture (outside a cmocka test run) aborts,
   * so libFuzzer reports it as a crash. */
  setenv("CMOCKA_TEST_ABORT", "1", 1);
  const char *t = getenv("LWIP_FUZZ_TCP_TRACE");
  trace = t != NULL && *t != '\0' && *t != '0';
  const char *o = getenv("LWIP_FUZZ_TCP_ORPHANS");
  orphans_fatal = !(o != NULL && strcmp(o, "ignore") == 0);
#ifdef FUZZ_TCP_WRAP_INIT
  const char *fi = getenv("LWIP_FUZZ_TCP_FULL_INIT");
  full_init = fi != NULL && *fi != '\0' && *fi != '0';
#endif
  const char *k = getenv("LWIP_FUZZ_TCP_STRICT");
  if (k != NULL && (strcmp(k, "1") == 0 || strcmp(k, "all") == 0)) {
    known = 0;
  } else if (k != NULL) {
    for (unsigned i = 0; i < sizeof(known_names) / sizeof(known_names[0]); i++) {
      if (strstr(k, known_names[i]) != NULL) {
        known &= ~(1U << i);
      }
    }
  }
  for (u32_t i = 0; i < 2U * PERIOD; i++) {
    in_buf[i] = pat((i % PERIOD) ^ 0x5bd1e995U);
    out_buf[i] = pat(i % PERIOD);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  init_once();
  struct rd r = {data, size, 0};
  u8_t b0 = rd_u8(&r), b1 = rd_u8(&r);
  memset(features, 0, sizeof(features));
  reach.inputs++;
  TRACE("---- input of %lu bytes: setup 0x%02x end 0x%02x\n", (unsigned long)size, b0, b1);
  setup(b0, b1);
  for (int ops = 0; r.i < r.n && ops < MAX_OPS; ops++) {
    u8_t op = rd_u8(&r);
    u8_t kind = op & 0x0f;
    if (kind > 8 && kind != 15 && tcp_batch_active()) {
      TRACE("batch end\n");
      tcp_batch_end();
      settle();
    }
    struct segdesc d;
    switch (kind) {
    case 9:
      op_clock(rd_u8(&r));
      break;
    case 10: {
      u8_t p = rd_u8(&r);
      op_write(p, rd_u8(&r));
      break;
    }
    case 11:
      op_read(rd_u8(&r));
      break;
    case 12:
      op_close(rd_u8(&r));
      break;
    case 13: {
      u8_t p = rd_u8(&r);
      if (hooks()) {
        fail_next = 1U + p % 16U;
        reach.alloc_fail++;
        FEAT(FT_ALLOC_FAIL);
      }
      break;
    }
    case 14:
      op_misc(rd_u8(&r));
      break;
    case 15: {
      u8_t count = (u8_t)(2U + rd_u8(&r) % 8U);
      parse_seg(&r, rd_u8(&r), &d);
      /* One flight: each segment right behind the previous one, whatever
       * the stack made of it. */
      u32_t seq = inject(&d, NULL);
      for (u8_t i = 1; i < count; i++) {
        seq += seg_len(&d);
        inject(&d, &seq);
      }
      break;
    }
    default:
      parse_seg(&r, op, &d);
      inject(&d, NULL);
      break;
    }
    if (kind > 8 && kind != 15) {
      settle();
    }
  }
#if LWIP_STATS
  for (unsigned i = 0; i < LWIP_DROP_COUNT && FT_DROPS + i < 8U * sizeof(features); i++) {
    if (lwip_stats.drops[i] != 0) {
      FEAT(FT_DROPS + i);
    }
  }
#endif
  finish(b1);
  return 0;
}

bool fuzz_tcp_available(void)
{
  return true;
}

#else /* !LWIP_TCP */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  (void)data;
  (void)size;
  return 0;
}

bool fuzz_tcp_available(void)
{
  return false;
}

static struct fuzz_tcp_reach reach;
static uint8_t features[FUZZ_TCP_FEATURE_BYTES];

#endif /* LWIP_TCP */

const struct fuzz_tcp_reach *fuzz_tcp_reach(void)
{
  return &reach;
}

size_t fuzz_tcp_features(const uint8_t **bits)
{
  *bits = features;
  return sizeof(features);
}

/* ---------------------------------------------------------------------- */
/* Seeds                                                                   */
/* ---------------------------------------------------------------------- */

/* Setup byte. */
#define S_ACTIVE 0x01
#define S_WS 0x02
#define S_SACK 0x04
#define S_TS 0x08
#define S_ALL (S_WS | S_SACK | S_TS)
#define S_NODELAY 0x10
#define S_KEEP 0x20
#define S_HOLD 0x00
#define S_CONSUME 0x40
#define S_REFUSE 0x80
#define S_ECHO 0xc0
/* End byte. */
#define E_ABORT 0
#define E_READ_CLOSE 1
#define E_CLOSE 2
#define E_SHUT_CLOSE 3
/* Segment op: sequence base and unit. */
#define B_RCV 0x00
#define B_ACKED 0x10
#define B_SENT 0x20
#define B_EDGE 0x30
#define U_1 0x00
#define U_LEN 0x40
#define U_128 0x80
#define U_2K 0xc0
/* Flags byte: TCP flags XOR ACK, and the ack base. */
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_NOACK 0x10
#define A_UNA 0x00
#define A_NXT 0x40
#define A_MAX 0x80
#define A_FRAC 0xc0
/* Options byte. */
#define O_SACK(n) ((n) << 3)
#define O_G1 0x00
#define O_G64 0x20
#define O_GHALF 0x40
#define O_GMSS 0x60
#define O_CHAIN 0x80

#define SEG(b, f, s, a, w, l) (u8_t)(0x00 | (b)), (u8_t)(f), (u8_t)(s), (u8_t)(a), (u8_t)(w), (u8_t)(l)
#define SEGO(b, f, s, a, w, l, o) (u8_t)(0x06 | (b)), (u8_t)(f), (u8_t)(s), (u8_t)(a), (u8_t)(w), (u8_t)(l), (u8_t)(o)
#define CLOCK(p) 0x09, (u8_t)(p)
#define WRITE(p, q) 0x0a, (u8_t)(p), (u8_t)(q)
#define READ(p) 0x0b, (u8_t)(p)
#define CLOSE(p) 0x0c, (u8_t)(p)
#define FAIL(p) 0x0d, (u8_t)(p)
#define MISC(p) 0x0e, (u8_t)(p)
#define BURST(p) 0x0f, (u8_t)(p)
#define ACK_ALL SEG(B_RCV, A_MAX, 0, 0, 255, 0)
#define W_FIT 0x08
#define T_100MS 0x83
#define T_250MS 0x85
#define T_1S 0x87
#define T_3S 0x88
#define T_10S 0x8a
#define T_60S 0x8c
#define T_10MIN 0x8d

/* In-order data both ways, the peer's FIN, our close from CLOSE_WAIT. */
static const u8_t seed_bulk[] = {
  S_ALL | S_CONSUME, E_READ_CLOSE,
  SEG(B_RCV, F_PSH | A_MAX, 0, 0, 255, 100),
  SEG(B_RCV, F_PSH | A_MAX, 0, 0, 255, 0xe0),
  CLOCK(T_100MS),
  WRITE(0x20, W_FIT),
  ACK_ALL,
  WRITE(0x86, W_FIT),
  SEG(B_RCV, A_FRAC, 0, 0x80, 255, 0),
  ACK_ALL,
  SEG(B_RCV, F_FIN | A_MAX, 0, 0, 255, 0),
  CLOSE(5),
  ACK_ALL,
};

/* Out-of-order data with holes, overlaps and a FIN, the window's edge. */
static const u8_t seed_ooseq[] = {
  S_SACK | S_TS | S_CONSUME, E_ABORT,
  SEG(B_RCV | U_LEN, F_PSH | A_MAX, 1, 0, 255, 100),
  SEG(B_RCV | U_LEN, A_MAX, 3, 0, 255, 100),
  SEG(B_RCV | U_LEN, A_MAX, 2, 0, 255, 100),
  SEG(B_RCV | U_LEN, A_MAX, 5, 0, 255, 50),
  SEG(B_RCV | U_LEN, A_MAX, 9, 0, 255, 20),
  SEG(B_RCV, A_MAX, 0, 0, 255, 100),
  SEG(B_EDGE, A_MAX, -10, 0, 255, 20),
  SEG(B_RCV | U_LEN, F_FIN | A_MAX, 1, 0, 255, 30),
  SEG(B_RCV, A_MAX, 0, 0, 255, 30),
  CLOCK(T_1S),
};

/* Our data lost and SACKed: SACK recovery, then a timeout. */
static const u8_t seed_sack_recovery[] = {
  S_ACTIVE | S_ALL | S_NODELAY | S_CONSUME, E_READ_CLOSE,
  WRITE(0x8f, W_FIT),
  SEGO(B_RCV, A_UNA, 0, 0, 255, 0, O_SACK(1) | O_GMSS), 1, 0,
  SEGO(B_RCV, A_UNA, 0, 0, 255, 0, O_SACK(1) | O_GMSS), 1, 1,
  SEGO(B_RCV, A_UNA, 0, 0, 255, 0, O_SACK(2) | O_GMSS), 1, 2, 9, 0,
  SEGO(B_RCV, A_UNA, 0, 0, 255, 0, O_SACK(1) | O_GHALF), 2, 7,
  ACK_ALL,
  WRITE(0x90, W_FIT),
  SEG(B_RCV, A_FRAC, 0, 0x80, 255, 0),
  CLOCK(T_3S),
  ACK_ALL,
  CLOSE(0),
  ACK_ALL,
  SEG(B_RCV, F_FIN | A_MAX, 0, 0, 255, 0),
  CLOCK(T_10MIN),
};

/* No options: NewReno fast retransmit, partial and full ACKs, LAST_ACK. */
static const u8_t seed_newreno[] = {
  S_ACTIVE | S_NODELAY | S_CONSUME, E_ABORT,
  WRITE(0x86, W_FIT),
  SEG(B_RCV, A_UNA, 0, 0, 255, 0),
  SEG(B_RCV, A_UNA, 0, 0, 255, 0),
  SEG(B_RCV, A_UNA, 0, 0, 255, 0),
  SEG(B_RCV, A_UNA, 0, 0, 255, 0),
  SEG(B_RCV, A_FRAC, 0, 0x60, 255, 0),
  ACK_ALL,
  SEG(B_RCV, F_FIN | A_MAX, 0, 0, 255, 0),
  CLOSE(0),
  ACK_ALL,
};

/* Zero window: persist probes, a window smaller than the segment. */
static const u8_t seed_persist[] = {
  S_WS | S_TS | S_CONSUME, E_READ_CLOSE,
  SEG(B_RCV, A_UNA, 0, 0, 0, 0),
  WRITE(0x10, W_FIT),
  CLOCK(0x86),
  CLOCK(T_3S),
  SEG(B_RCV, A_UNA, 0, 0, 1, 0),
  CLOCK(T_1S),
  SEG(B_RCV, A_MAX, 0, 0, 255, 0),
  CLOCK(T_1S),
};

/* Both sides close at once: CLOSING, TIME_WAIT. */
static const u8_t seed_closing[] = {
  S_ACTIVE | S_ALL | S_CONSUME, E_READ_CLOSE,
  SEG(B_RCV, F_PSH | A_MAX, 0, 0, 255, 40),
  CLOSE(5),
  SEG(B_RCV, F_FIN | A_UNA, 0, 0, 255, 0),
  ACK_ALL,
  CLOCK(T_60S),
};

/* The application refuses data, then holds it, then reads it. */
static const u8_t seed_refuse[] = {
  S_SACK | S_TS | S_REFUSE, E_READ_CLOSE,
  SEG(B_RCV, F_PSH | A_MAX, 0, 0, 255, 0xd0),
  SEG(B_SENT, F_PSH | A_MAX, 0, 0, 255, 0xd0),
  SEG(B_SENT | U_LEN, A_MAX, 1, 0, 255, 100),
  CLOCK(T_250MS),
  MISC(0 | (RM_HOLD << 3)),
  CLOCK(T_250MS),
  SEG(B_SENT | U_LEN, A_MAX, -2, 0, 255, 100),
  READ(0),
  SEG(B_RCV, F_FIN | A_MAX, 0, 0, 255, 0),
  CLOCK(T_250MS),
};

/* Keepalive probes, one answered, then the peer goes silent. */
static const u8_t seed_keepalive[] = {
  S_CONSUME | S_KEEP, E_ABORT,
  CLOCK(T_3S),
  SEG(B_RCV, A_UNA, 0, 0, 255, 0),
  CLOCK(T_10S),
};

/* RSTs and SYNs in the window (RFC 5961), a reset, a new connection. */
static const u8_t seed_reset[] = {
  S_SACK | S_CONSUME, E_READ_CLOSE,
  SEG(B_RCV, F_RST, 1, 0, 255, 0),
  SEG(B_RCV, F_SYN, 0, 0, 255, 0),
  SEG(B_RCV, F_RST | F_NOACK, 0, 0, 255, 0),
  SEG(B_SENT | U_128, F_SYN | F_NOACK, 100, 0, 255, 0),
  SEG(B_ACKED, F_PSH | A_MAX, 0, 0, 255, 50),
  WRITE(0x04, 0),
  ACK_ALL,
};

/* A receive batch of full segments, the application writing back. */
static const u8_t seed_batch[] = {
  S_ALL | S_ECHO, E_SHUT_CLOSE,
  MISC(3),
  BURST(4), SEG(B_RCV | U_LEN, A_MAX, 0, 0, 255, 0xec),
  CLOCK(T_100MS),
  ACK_ALL,
  ACK_ALL,
  SEG(B_RCV, F_FIN | A_MAX, 0, 0, 255, 0),
};

/* Allocation failures while receiving, queuing and sending. */
static const u8_t seed_oom[] = {
  S_ALL | S_CONSUME, E_CLOSE,
  FAIL(0), SEG(B_RCV, F_PSH | A_MAX, 0, 0, 255, 100),
  FAIL(0), SEG(B_RCV | U_LEN, A_MAX, 2, 0, 255, 100),
  FAIL(1), SEG(B_RCV, A_MAX, 0, 0, 255, 100),
  FAIL(0), WRITE(0x40, W_FIT),
  FAIL(1), WRITE(0x40, W_FIT),
  WRITE(0x40, W_FIT),
  FAIL(0), CLOCK(T_3S),
  ACK_ALL,
};

/* A flight of data into a held (not read) window, then reading it. */
static const u8_t seed_window[] = {
  S_ALL | S_HOLD, E_READ_CLOSE,
  BURST(7), SEG(B_RCV | U_LEN, A_MAX, 0, 0, 255, 0xff),
  SEG(B_EDGE, A_MAX, 0, 0, 255, 10),
  READ(0x10),
  CLOCK(T_100MS),
  READ(0),
  CLOCK(T_100MS),
};

/* The application aborts and connects again: SYN_SENT, the peer's SYN-ACK. */
static const u8_t seed_reconnect[] = {
  S_ACTIVE | S_ALL | S_CONSUME, E_READ_CLOSE,
  CLOSE(4),
  CLOSE(6),
  SEG(B_SENT | U_128, F_SYN | A_MAX, 1, 0, 255, 0),
  SEG(B_ACKED, F_PSH | A_MAX, 0, 0, 255, 60),
  WRITE(0x08, 0),
  ACK_ALL,
};

/* Simultaneous open (RFC 9293 figure 8): our SYN crosses the peer's. */
static const u8_t seed_simopen[] = {
  S_ACTIVE | S_SACK | S_TS | S_CONSUME, E_CLOSE,
  CLOSE(4),
  CLOSE(6),
  SEG(B_SENT | U_128, F_SYN | F_NOACK, 1, 0, 255, 0),
  SEG(B_ACKED, A_MAX, 0, 0, 255, 0),
  SEG(B_ACKED, F_PSH | A_MAX, 0, 0, 255, 30),
  CLOCK(T_1S),
};

/* A zero window, 129 bytes written, tcp_close: FIN_WAIT_1 with the data
 * unsent, the peer silent.  Before 9055f24 (orphan timeout) it probed
 * forever; the harness's 30 minutes of silence must end it. */
static const u8_t seed_zero_window_close[] = {
  S_WS | S_TS | S_CONSUME, E_READ_CLOSE,
  SEG(B_RCV, A_UNA, 0, 0, 0, 0),
  WRITE(0x10, W_FIT),
  CLOCK(0x86),
};

struct seed {
  const u8_t *data;
  size_t len;
};
#define SEED(a) {a, sizeof(a)}
static const struct seed seeds[] = {
  SEED(seed_bulk), SEED(seed_ooseq), SEED(seed_sack_recovery), SEED(seed_newreno), SEED(seed_persist),
  SEED(seed_closing), SEED(seed_refuse), SEED(seed_keepalive), SEED(seed_reset), SEED(seed_batch),
  SEED(seed_oom), SEED(seed_window), SEED(seed_reconnect), SEED(seed_simopen), SEED(seed_zero_window_close),
};

/* ---------------------------------------------------------------------- */
/* Known findings: reproducers minimized with libFuzzer (-minimize_crash=1 */
/* and LWIP_FUZZ_TCP_STRICT=<category>); see the list at the top.          */
/* ---------------------------------------------------------------------- */

/* 12 bytes: active, SACK+TS; 64 KiB written; an ACK 16 bytes into the
 * first segment with a SACK block covering that segment. */
static const u8_t known_sacked[] = {0x5d, 0x01, 0x0a, 0xff, 0x00, 0x68, 0x00, 0x00, 0x10, 0x00, 0x00, 0x68};
/* Data [115, 230) out of order, a bare FIN at 115, then [0, 115): the
 * application gets 230 bytes and the FIN, and the stack ACKs 231. */
static const u8_t known_fin_inside[] = {S_SACK | S_TS | S_CONSUME, E_ABORT,
                                        SEG(B_RCV, A_MAX, 115, 0, 255, 115),
                                        SEG(B_RCV, F_FIN | A_MAX, 115, 0, 255, 0),
                                        SEG(B_RCV, A_MAX, 0, 0, 255, 115)};
/* The application refuses data; a bare FIN at +6144 out of order, then
 * 6624 bytes in order past it: the FIN is taken at +6624. */
static const u8_t known_fin_after[] = {0xa4, 0x03, 0xe7, 0x09, 0x03, 0x87, 0x00, 0x00, 0x00,
                                       0x0f, 0xf6, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff};
/* Reset, then a SYN answered with a cookie (the PCB allocation fails),
 * then an ACK with the cookie but a sequence number 16 KiB lower. */
static const u8_t known_cookie[] = {0x4e, 0x00, 0x00, 0xff, 0x00, 0x0a, 0x40, 0x08, 0x0d, 0x00, 0x70,
                                    0x7a, 0xff, 0x3f, 0x97, 0x09, 0x88, 0x00, 0x80, 0x00, 0x00, 0xff};
/* Data written, retransmitted after a timeout, tcp_close (the FIN rides on
 * the last unsent segment), then an ACK of all the data but not the FIN. */
static const u8_t known_queuelen[] = {0xff, 0x0f, 0x11, 0x00, 0xc0, 0x00, 0x80,
                                      0xff, 0x09, 0x6f, 0x0c, 0x00, 0x00, 0x80};
/* An ACK whose TSecr is 2^31 - 1 ahead of our clock (UBSan only). */
static const u8_t known_rtt[] = {0x5f, 0x01, 0x0a, 0x8f, 0x00, 0x68, 0x01, 0x01, 0x06, 0xba, 0x4f, 0x5c};

#define KNOWN(n, c, w) {#n, c, w, n, sizeof(n)}
static const struct fuzz_tcp_known knowns[] = {
  KNOWN(known_sacked, "sacked", "partial ACK of a SACKed segment leaves sacked_bytes too high (tcp_free_acked)"),
  KNOWN(known_fin_inside, "fin", "a bare FIN inside queued out-of-order data is kept, then ACKed one past the data"),
  KNOWN(known_fin_after, "fin", "a queued FIN is taken after in-order data went past it (tcp_ooseq_take)"),
  KNOWN(known_cookie, "cookie", "a SYN cookie ACK sets RCV.NXT from any sequence number"),
  KNOWN(known_queuelen, "queuelen", "a FIN left alone by a partial ACK is not counted in snd_queuelen"),
  KNOWN(known_rtt, "rtt", "signed overflow in tcp_rtt_sample on a TSecr far from our clock (UBSan)"),
};

size_t fuzz_tcp_nknown(void)
{
  return sizeof(knowns) / sizeof(knowns[0]);
}

const struct fuzz_tcp_known *fuzz_tcp_known(size_t i)
{
  return i < fuzz_tcp_nknown() ? &knowns[i] : NULL;
}

size_t fuzz_tcp_nseeds(void)
{
  return sizeof(seeds) / sizeof(seeds[0]) + fuzz_tcp_nknown();
}

const uint8_t *fuzz_tcp_seed(size_t i, size_t *len)
{
  size_t n = sizeof(seeds) / sizeof(seeds[0]);
  if (i < n) {
    *len = seeds[i].len;
    return seeds[i].data;
  }
  if (i - n < fuzz_tcp_nknown()) {
    *len = knowns[i - n].len;
    return knowns[i - n].data;
  }
  return NULL;
}
