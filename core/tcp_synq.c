/**
 * @file tcp_synq.c
 * The SYN queue: a listener's handshakes in progress, one small entry each
 * (struct tcp_synq_entry, at most a fifth of a tcp_pcb and its SYN
 * segment), in their own pool (memp_num_tcp_synq), hashed by 4-tuple.
 * RFC 4987 3.3 ("reducing the size of the state") and 3.4 (a SYN cache)
 * describe the idea; SYN cookies (3.6, tcp_in.c) take over when the pool
 * is empty.
 *
 * This file keeps the table and the timers and sends the SYN-ACKs; the
 * segments for an entry are judged in tcp_in.c (tcp_synq_input), which
 * makes the full PCB from the ACK that completes the handshake.
 *
 * Timers: every entry at the same retransmission count waits the same
 * time, so each count has a FIFO list in deadline order; the earliest
 * deadline is the smallest head, and one timeout in our own storage
 * (never the SYS_TIMEOUT pool) stands for it.  Nothing walks the queue.
 */
#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/priv/tcp_priv.h"
#include "lwip/priv/tcp_synq.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/timeouts.h"
#include "lwip/port.h"

#include <string.h>

#if LWIP_TCP_SYNQ_COOKIES

/* Buckets: a power of two, about two entries per bucket at most. */
#define SYNQ_HASH_SIZE                                                                                                 \
  (MEMP_NUM_TCP_SYNQ > 4096 ? 4096U : MEMP_NUM_TCP_SYNQ > 512 ? 512U : MEMP_NUM_TCP_SYNQ > 64 ? 64U : 8U)
#define SYNQ_LEVELS (TCP_SYNQ_MAXRTX + 1U)

/* The SYN-ACKs before the last one must leave time for the last wait. */
_Static_assert((TCP_SYNQ_RTO_MS << TCP_SYNQ_MAXRTX) - TCP_SYNQ_RTO_MS < TCP_SYN_RCVD_TIMEOUT_MS,
               "SYN-ACK retransmissions must end before the handshake timeout");

static struct tcp_synq_entry *synq_hash[SYNQ_HASH_SIZE];
/* Per retransmission count: entries in deadline order (head first). */
static struct tcp_synq_entry *level_head[SYNQ_LEVELS], *level_tail[SYNQ_LEVELS];
static u32_t synq_salt;
static u32_t synq_used;
static struct sys_timeo synq_timeo;
static bool synq_armed;
static u32_t synq_armed_due;

static void synq_timeout(void *arg);

void tcp_synq_init(u32_t salt)
{
  /* lwip_init() re-initialises the pools, so old entries are forgotten. */
  memset(synq_hash, 0, sizeof(synq_hash));
  memset(level_head, 0, sizeof(level_head));
  memset(level_tail, 0, sizeof(level_tail));
  synq_used = 0;
  synq_armed = false;
  synq_salt = salt;
}

u32_t tcp_synq_count(void)
{
  return synq_used;
}

/* A salted mix of the 4-tuple, so a peer cannot aim all its SYNs at one
 * bucket. */
static struct tcp_synq_entry **synq_bucket(u32_t laddr, u16_t lport, u32_t raddr, u16_t rport)
{
  u32_t x = (laddr * 0x85ebca6bU) ^ raddr ^ ((((u32_t)rport << 16) | lport) * 0x9e3779b1U) ^ synq_salt;
  x ^= x >> 15;
  x *= 0x2c1b3c6dU;
  x ^= x >> 12;
  x *= 0x297a2d39U;
  x ^= x >> 15;
  return &synq_hash[x & (SYNQ_HASH_SIZE - 1U)];
}

struct tcp_synq_entry *tcp_synq_lookup(const ip_addr_t *laddr, u16_t lport, const ip_addr_t *raddr, u16_t rport)
{
  /* tcp_addr_key: IPv4 addresses as they are, IPv6 ones keyed-hashed. */
  for (struct tcp_synq_entry *e = *synq_bucket(tcp_addr_key(laddr), lport, tcp_addr_key(raddr), rport); e != NULL;
       e = e->hnext) {
    if (e->local_port == lport && e->remote_port == rport && ip_addr_eq(&e->local_ip, laddr) &&
        ip_addr_eq(&e->remote_ip, raddr)) {
      return e;
    }
  }
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Timers                                                                  */
/* ---------------------------------------------------------------------- */

/* How long an entry waits at retransmission count @p n: the backed-off
 * RTO (RFC 6298 5.5), and at the last count what is left of the
 * handshake's time. */
static u32_t level_wait(u8_t n)
{
  if (n < TCP_SYNQ_MAXRTX) {
    return TCP_SYNQ_RTO_MS << n;
  }
  return TCP_SYN_RCVD_TIMEOUT_MS - ((TCP_SYNQ_RTO_MS << TCP_SYNQ_MAXRTX) - TCP_SYNQ_RTO_MS);
}

static void level_append(struct tcp_synq_entry *e)
{
  e->tnext = NULL;
  e->tprev = level_tail[e->nrtx];
  if (e->tprev != NULL) {
    e->tprev->tnext = e;
  } else {
    level_head[e->nrtx] = e;
  }
  level_tail[e->nrtx] = e;
}

static void level_unlink(struct tcp_synq_entry *e)
{
  if (e->tprev != NULL) {
    e->tprev->tnext = e->tnext;
  } else {
    level_head[e->nrtx] = e->tnext;
  }
  if (e->tnext != NULL) {
    e->tnext->tprev = e->tprev;
  } else {
    level_tail[e->nrtx] = e->tprev;
  }
  e->tnext = e->tprev = NULL;
}

/* Arm the timeout for the earliest deadline (a head of some level). */
static void synq_schedule(void)
{
  bool any = false;
  u32_t due = 0;
  for (u32_t n = 0; n < SYNQ_LEVELS; n++) {
    if (level_head[n] != NULL && (!any || TCP_SEQ_LT(level_head[n]->due, due))) {
      due = level_head[n]->due;
      any = true;
    }
  }
  if (synq_armed && (!any || due != synq_armed_due)) {
    sys_untimeout(synq_timeout, NULL);
    synq_armed = false;
  }
  if (!any || synq_armed) {
    return;
  }
  u32_t now = sys_now();
  sys_timeout_static(&synq_timeo, TCP_SEQ_GT(due, now) ? due - now : 0, synq_timeout, NULL);
  synq_armed = true;
  synq_armed_due = due;
}

/* ---------------------------------------------------------------------- */
/* Entries                                                                 */
/* ---------------------------------------------------------------------- */

void tcp_synq_to_pcb(const struct tcp_synq_entry *e, struct tcp_pcb *pcb)
{
  const struct tcp_pcb_listen *l = e->listener;
  pcb->local_ip = e->local_ip;
  pcb->remote_ip = e->remote_ip;
  pcb->local_port = e->local_port;
  pcb->remote_port = e->remote_port;
  if (l != NULL) {
    pcb->callback_arg = l->callback_arg;
    pcb->so_options = (u8_t)(l->so_options & SOF_INHERITED);
    pcb->ttl = l->ttl;
    pcb->tos = l->tos;
  } else {
    pcb->ttl = IP_DEFAULT_TTL;
  }
  pcb->rcv_mss = tcp_eff_mss(TCP_MSS, &e->local_ip, &e->remote_ip);
  pcb->mss = e->mss;
  if (e->opts & TCP_SYNQ_WS) {
    pcb->flags |= TF_WND_SCALE;
    pcb->snd_scale = e->snd_scale;
    pcb->rcv_scale = TCP_RCV_SCALE;
  }
  if (e->opts & TCP_SYNQ_SACK) {
    pcb->flags |= TF_SACK;
  }
  if (e->opts & TCP_SYNQ_TS) {
    pcb->flags |= TF_TIMESTAMP;
    pcb->ts_recent = e->ts_recent;
    pcb->ts_recent_age = sys_now();
  }
  pcb->ts_offset = e->ts_offset;
  pcb->ecn = e->ecn;
  pcb->rcv_nxt = e->irs + 1U;
  pcb->rcv_wnd = TCP_WND;
  /* What our SYN-ACKs announced (the memory budgets may have made it
   * less than 65535, docs/architecture.md): data after the handshake is
   * judged against it, and it never shrinks (RFC 9293 3.8.6). */
  pcb->rcv_ann_wnd = e->rcv_ann;
  pcb->rcv_ann_right_edge = pcb->rcv_nxt + e->rcv_ann;
  pcb->last_ack_sent = pcb->rcv_nxt;
  tcp_seq_init(pcb, e->iss, e->iss + 1U, e->irs); /* the SYN-ACK has gone */
}

static void synq_send(struct tcp_synq_entry *e, u8_t flags, u32_t seqno)
{
  /* The segment is built from a PCB on the stack, as for a SYN cookie:
   * tcp_send_ctrl adds the options the flags and the PCB call for. */
  struct tcp_pcb tmp;
  memset(&tmp, 0, sizeof(tmp));
  tcp_synq_to_pcb(e, &tmp);
  tmp.state = SYN_RCVD;
  if (flags & TCP_RST) {
    tcp_rst_pcb(&tmp, seqno, tmp.rcv_nxt, true);
  } else {
    tcp_send_ctrl(&tmp, seqno, flags);
    /* Remember the window the peer was told (tcp_send_raw computed it from
     * the budgets and moved the right edge): the PCB starts from it. */
    u32_t ann = tmp.rcv_ann_right_edge - tmp.rcv_nxt;
    e->rcv_ann = (u16_t)LWIP_MAX((u32_t)e->rcv_ann, LWIP_MIN(ann, 0xffffU));
  }
}

void tcp_synq_resend(struct tcp_synq_entry *e)
{
  synq_send(e, TCP_SYN | TCP_ACK, e->iss);
}

struct tcp_synq_entry *tcp_synq_add(struct tcp_pcb_listen *l, const struct tcp_pcb *tmpl)
{
  struct tcp_synq_entry *e = (struct tcp_synq_entry *)memp_malloc(MEMP_TCP_SYNQ);
  if (e == NULL) {
    return NULL;
  }
  memset(e, 0, sizeof(*e));
  e->listener = l;
  e->local_ip = tmpl->local_ip;
  e->remote_ip = tmpl->remote_ip;
  e->local_port = tmpl->local_port;
  e->remote_port = tmpl->remote_port;
  e->irs = tmpl->rcv_nxt - 1U;
  e->iss = tcp_isn(tmpl);
  e->ts_offset = lwip_port_rand(); /* RFC 7323 5.4: a random offset per connection */
  e->ts_recent = tmpl->ts_recent;
  e->mss = tmpl->mss;
  e->snd_scale = tmpl->snd_scale;
  e->ecn = tmpl->ecn;
  e->opts = (u8_t)(((tmpl->flags & TF_WND_SCALE) ? TCP_SYNQ_WS : 0U) | ((tmpl->flags & TF_SACK) ? TCP_SYNQ_SACK : 0U) |
                   ((tmpl->flags & TF_TIMESTAMP) ? TCP_SYNQ_TS : 0U));
  struct tcp_synq_entry **b =
      synq_bucket(tcp_addr_key(&e->local_ip), e->local_port, tcp_addr_key(&e->remote_ip), e->remote_port);
  e->hnext = *b;
  *b = e;
  synq_used++;
  l->accepts_pending++; /* a handshake counts in the backlog, as a SYN_RCVD PCB did */
  e->due = tcp_due(sys_now(), level_wait(0));
  level_append(e);
  synq_schedule();
  LWIP_LOG(TCP, DEBUG, "%u <- %s:%u: SYN queued (%lu pending)", e->local_port, ipaddr_ntoa(&e->remote_ip),
           e->remote_port, (unsigned long)synq_used);
  tcp_synq_resend(e);
  return e;
}

void tcp_synq_remove(struct tcp_synq_entry *e)
{
  for (struct tcp_synq_entry **pp =
           synq_bucket(tcp_addr_key(&e->local_ip), e->local_port, tcp_addr_key(&e->remote_ip), e->remote_port);
       *pp != NULL; pp = &(*pp)->hnext) {
    if (*pp == e) {
      *pp = e->hnext;
      break;
    }
  }
  level_unlink(e);
  synq_used--;
  if (e->listener != NULL && e->listener->accepts_pending > 0) {
    e->listener->accepts_pending--;
  }
  memp_free(MEMP_TCP_SYNQ, e);
  synq_schedule();
}

void tcp_synq_listener_closed(const struct tcp_pcb_listen *l)
{
  for (u32_t i = 0; i < SYNQ_HASH_SIZE; i++) {
    for (struct tcp_synq_entry *e = synq_hash[i]; e != NULL; e = e->hnext) {
      if (e->listener == l) {
        e->listener = NULL;
      }
    }
  }
}

/* A deadline came: the next SYN-ACK with the RTO doubled (RFC 6298 5.5),
 * or, after the last, the handshake is given up with a RST, as a SYN_RCVD
 * PCB was (RFC 9293 3.10.8: the user timeout, here our own). */
static void synq_expire(struct tcp_synq_entry *e, u32_t now)
{
  if (e->nrtx >= TCP_SYNQ_MAXRTX) {
    LWIP_DROP(TCP_SYNQ_EXPIRED);
    LWIP_LOG(TCP, DEBUG, "%u <- %s:%u: handshake given up", e->local_port, ipaddr_ntoa(&e->remote_ip), e->remote_port);
    synq_send(e, TCP_RST, e->iss + 1U);
    tcp_synq_remove(e);
    return;
  }
  level_unlink(e);
  e->nrtx++;
  e->due = tcp_due(now, level_wait(e->nrtx));
  level_append(e);
  tcp_synq_resend(e);
}

static void synq_timeout(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  synq_armed = false;
  u32_t now = sys_now();
  /* Lower counts first: an entry moved up a level now waits longer than
   * anything due, so each is handled once. */
  for (u32_t n = 0; n < SYNQ_LEVELS; n++) {
    while (level_head[n] != NULL && TCP_SEQ_LEQ(level_head[n]->due, now)) {
      synq_expire(level_head[n], now);
    }
  }
  synq_schedule();
}

/* ---------------------------------------------------------------------- */
/* Introspection                                                           */
/* ---------------------------------------------------------------------- */

void tcp_synq_foreach(void (*fn)(const struct tcp_conn_info *ci, void *arg), void *arg)
{
  u32_t now = sys_now();
  for (u32_t i = 0; fn != NULL && i < SYNQ_HASH_SIZE; i++) {
    for (const struct tcp_synq_entry *e = synq_hash[i]; e != NULL; e = e->hnext) {
      /* The snapshot of the PCB the handshake would make, so every field
       * (and every name string) is filled as for a connection. */
      struct tcp_pcb tmp;
      memset(&tmp, 0, sizeof(tmp));
      tcp_synq_to_pcb(e, &tmp);
      tmp.state = SYN_RCVD;
#if LWIP_TCP_CUBIC
      tmp.cc = tcp_cc_default;
#endif
      tmp.snd_buf = TCP_SND_BUF;
      tmp.ssthresh = 0x7fffffffU;
      tmp.nrtx = e->nrtx;
      tmp.rtx_total = e->nrtx;
      struct tcp_conn_info ci;
      tcp_get_info(&tmp, &ci);
      ci.rto_ms = TCP_SEQ_GT(e->due, now) ? e->due - now : 0; /* until the next SYN-ACK or giving up */
      ci.syn_queue = true;
      fn(&ci, arg);
    }
  }
}

#else /* LWIP_TCP_SYNQ_COOKIES */

void tcp_synq_foreach(void (*fn)(const struct tcp_conn_info *ci, void *arg), void *arg)
{
  /* Built without the SYN queue: a handshake in progress is a SYN_RCVD
   * PCB and is listed with the connections. */
  (void)fn, (void)arg;
}

#endif /* LWIP_TCP_SYNQ_COOKIES */
#endif /* LWIP_TCP */
