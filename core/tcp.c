/**
 * @file tcp.c
 * TCP (RFC 9293): PCBs and their tables, the application API (bind,
 * listen, connect, close, shutdown, abort), initial sequence numbers
 * (RFC 6528), and the timers.  Segment input is in tcp_in.c, output and
 * retransmission in tcp_out.c, congestion control in tcp_cc.c.
 *
 * Lookup cost is flat in the number of connections: established PCBs sit
 * in a hash table keyed by the 4-tuple, listeners in one keyed by port.
 * Timers are a timing wheel: each PCB is filed under the slot of its
 * earliest deadline, and one sys_timeout visits only the slots that come
 * due, so no timer walks all PCBs (a build without tcp_timer_wheel keeps
 * one list of the PCBs with a timer instead, for a few connections).
 */
#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/priv/tcp_priv.h"
#include "lwip/priv/tcp_synq.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/icmp6.h"
#include "lwip/memp.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/priv/init.h"

#include <string.h>

/* The default user timeout is 10 minutes: past RFC 9293's R2 minimum of
 * 100 s and RFC 5482's suggested 5 minutes, so that the count limit
 * (TCP_MAXRTX, about 342 s from a 200 ms RTO) normally ends a dead
 * connection first and the time limit bounds it when RTTs are long.  An
 * orphan gets one minute, as RFC 6429 lets us free its resources. */
#define TCP_LIMITS_DEFAULT                                                                                             \
  {                                                                                                                    \
    600000U, 60000U, TCP_FIN_WAIT_TIMEOUT_MS                                                                           \
  }

/* Hash sizes: powers of two, about one bucket per PCB.  A build with a
 * handful of PCBs (the minimal profile has 4 and 2 listeners) keeps one
 * bucket: a lookup then walks at most those few PCBs, as lwIP's lists do,
 * and the mixing and the loops over buckets fold away, saving code and the
 * RAM of the empty buckets. */
#define TCP_HASH_SIZE                                                                                                  \
  (MEMP_NUM_TCP_PCB > 8192   ? 16384U                                                                                  \
   : MEMP_NUM_TCP_PCB > 2048 ? 4096U                                                                                   \
   : MEMP_NUM_TCP_PCB > 512  ? 1024U                                                                                   \
   : MEMP_NUM_TCP_PCB > 64   ? 256U                                                                                    \
   : MEMP_NUM_TCP_PCB > 8    ? 16U                                                                                     \
                             : 1U)
#define TCP_LISTEN_HASH_SIZE (MEMP_NUM_TCP_PCB_LISTEN > 8 ? 16U : 1U)
/* The wheel: 1024 slots of 10 ms, a 10.24 s horizon (64 slots in small
 * builds, where a lap more costs nothing but saves 3.8 KB of RAM: with a
 * few PCBs the stack wakes at most every 640 ms for a far deadline).  A
 * PCB whose deadline lies beyond it waits in the slot its deadline maps
 * to and is passed over until the right lap. */
#define TCP_WHEEL_SLOTS (MEMP_NUM_TCP_PCB > 64 ? 1024U : 64U) /* small builds: 64 x 10 ms */
#define TCP_TICK_MS 10U

/* A listener is handed around as a struct tcp_pcb (tcp_arg, the lists'
 * links): each type's own bytes before TCP_PCB_COMMON_TAIL must leave its
 * members where the other type has them. */
_Static_assert(offsetof(struct tcp_pcb, next) == offsetof(struct tcp_pcb_listen, next) &&
                   offsetof(struct tcp_pcb, callback_arg) == offsetof(struct tcp_pcb_listen, callback_arg),
               "TCP_PCB_COMMON_TAIL lies at the same offsets in struct tcp_pcb and struct tcp_pcb_listen");

u32_t tcp_msl_ms = 30000U;
u32_t tcp_delack_ms = TCP_DELACK_MS;

static struct sys_timeo wheel_timeo;
/* The rest of this file's state in one struct: the code reaches all of it
 * from one base address.  tcp_init() clears what follows active_pcb.
 * tools/gdb/lwipd.py reads the PCB lists from it by name ('tcp.c'::st). */
static struct tcp_globals {
  tcp_state_hook_fn state_hook;
  /* The PCB the stack is working on (tcp_enter/tcp_leave). */
  struct tcp_pcb *active_pcb;
#if LWIP_TCP_TIMER_WHEEL
  u32_t wheel_count; /* PCBs in the wheel (first of what tcp_init clears) */
#else
  struct tcp_pcb *tlist; /* PCBs with a timer, latest filed first (ditto) */
#endif
  struct tcp_pcb *bound_pcbs; /* CLOSED with a local port, linked by next */
#if LWIP_TCP_MEM_BUDGET
  /* Bytes held by all connections in the memory budgets, and how often
   * the budgets held a connection back (see "Memory budgets" below). */
  u32_t mem_tx_total, mem_rx_total, mem_tx_limited, mem_rx_limited;
#endif
#if LWIP_TCP_TIMER_WHEEL
  u32_t wheel_tick;      /* last tick processed */
  u32_t wheel_wake_tick; /* tick the armed sys_timeout stands for */
#else
  u32_t tlast;           /* sys_now() of the last tick run (tick_floor) */
  u32_t twake;           /* sys_now() the armed sys_timeout stands for */
#endif
  bool wheel_armed;
#if LWIP_TCP_RX_BATCH
  /* Receive batch (tcp_batch_begin/end): PCBs that owe an ACK at its end. */
  bool batching;
  struct tcp_pcb *batch_list;
#endif
  struct tcp_limits limits; /* tcp_set_limits, TCP_LIMITS_DEFAULT */
  /* How SACK connections find losses (tcp_set_loss_detection). */
  enum tcp_loss_detection loss_detection;
  u32_t hash_salt;
  u32_t isn_key[4];
  struct tcp_pcb *conn_hash[TCP_HASH_SIZE];                 /* connections by 4-tuple (conn_bucket) */
  struct tcp_pcb_listen *listen_hash[TCP_LISTEN_HASH_SIZE]; /* listeners by local port (listen_bucket) */
#if LWIP_TCP_TIMER_WHEEL
  struct tcp_pcb *wheel[TCP_WHEEL_SLOTS];
#endif
} st;

/* No PCB has a timer pending. */
#if LWIP_TCP_TIMER_WHEEL
#define TIMERS_IDLE() (st.wheel_count == 0)
#define ST_CLEAR_FROM wheel_count
#else
#define TIMERS_IDLE() (st.tlist == NULL)
#define ST_CLEAR_FROM tlist

/* The 10 ms tick at or before @p now (one copy of the division for its
 * four callers). */
TCP_NOINLINE static u32_t tick_floor(u32_t now)
{
  return now - now % TCP_TICK_MS;
}
#endif

static void tcp_wheel_timeout(void *arg);
#if LWIP_TCP_RX_BATCH
static void tcp_batch_remove(struct tcp_pcb *pcb);
#endif

void tcp_init(void)
{
  /* lwip_init() re-initialises the pools, so old PCBs are forgotten. */
  memset(&st.ST_CLEAR_FROM, 0, sizeof(st) - offsetof(struct tcp_globals, ST_CLEAR_FROM));
#if LWIP_TCP_TIMER_WHEEL
  st.wheel_tick = sys_now() / TCP_TICK_MS;
#else
  st.tlast = tick_floor(sys_now());
#endif
  st.limits = (struct tcp_limits)TCP_LIMITS_DEFAULT;
  tcp_delack_ms = TCP_DELACK_MS;
  st.loss_detection = LWIP_TCP_RACK ? TCP_LOSS_RACK : TCP_LOSS_DUPTHRESH;
#if LWIP_TCP_CUBIC
  tcp_cc_default = &tcp_cc_newreno;
#endif
  tcp_set_default_ecn(TCP_ECN_MODE_PASSIVE);
  tcp_set_initial_window(TCP_IW_RFC5681);
  /* Secrets for the ISN function and the hash (RFC 6528 3: a key chosen at
   * boot); with a seeded port they are reproducible. */
  for (int i = 0; i < 4; i++) {
    st.isn_key[i] = lwip_port_rand();
  }
  st.hash_salt = lwip_port_rand();
  tcp_in_reset();
  /* The SYN queue's hash key comes from the secrets just drawn, not from
   * another random number: a seeded stack then draws the same sequence
   * of random numbers as before the queue existed, so every recorded
   * replay case (ISNs, DHCP transaction IDs, ports) still matches. */
  tcp_synq_init(st.hash_salt * 0x9e3779b1U ^ st.isn_key[1]);
  /* A random number drawn once for a starting port that tcp_new_port no
   * longer needs (it draws its own): still drawn, so a seeded stack's
   * later numbers, and every replay case, stay the same. */
  (void)lwip_port_rand();
}

void tcp_set_msl(u32_t ms)
{
  tcp_msl_ms = ms;
}

u32_t tcp_get_msl(void)
{
  return tcp_msl_ms;
}

err_t tcp_set_delack(u32_t ms)
{
  /* RFC 1122 4.2.3.2: "MUST be less than 0.5 seconds". */
  if (ms < 1U || ms >= 500U) {
    return ERR_VAL;
  }
  tcp_delack_ms = ms;
  return ERR_OK;
}

u32_t tcp_get_delack(void)
{
  return tcp_delack_ms;
}


err_t tcp_set_loss_detection(enum tcp_loss_detection ld)
{
  if (ld == TCP_LOSS_RACK && !LWIP_TCP_RACK) {
    return ERR_VAL;
  }
  if (ld != TCP_LOSS_RACK && ld != TCP_LOSS_DUPTHRESH) {
    return ERR_VAL;
  }
  st.loss_detection = ld;
  return ERR_OK;
}

enum tcp_loss_detection tcp_get_loss_detection(void)
{
  return st.loss_detection;
}


err_t tcp_set_limits(const struct tcp_limits *l)
{
  if (l == NULL) {
    return ERR_ARG;
  }
  st.limits = *l;
  return ERR_OK;
}

void tcp_get_limits(struct tcp_limits *l)
{
  *l = st.limits;
}

void tcp_set_user_timeout(struct tcp_pcb *pcb, u32_t ms)
{
  pcb->user_timeout = ms;
  pcb->giveup_due = 0; /* recomputed from stall_since */
  tcp_arm_timers(pcb);
}

#if LWIP_DEBUG
const char *tcp_state_name(enum tcp_state s)
{
  /* One string of the names in enum order, each after its NUL: no table
   * of pointers to keep. */
  static const char names[] = "CLOSED\0LISTEN\0SYN_SENT\0SYN_RCVD\0ESTABLISHED\0FIN_WAIT_1\0"
                              "FIN_WAIT_2\0CLOSE_WAIT\0CLOSING\0LAST_ACK\0TIME_WAIT\0?";
  const char *n = names;
  for (unsigned i = 0; i < (unsigned)s && i <= (unsigned)TIME_WAIT; i++) {
    n += strlen(n) + 1U;
  }
  return n;
}
#else
const char *tcp_state_name(enum tcp_state s)
{
  /* Without debug_log the names are left out (only people read them):
   * the state's number instead.  "0" to "9" take two bytes each, so
   * state n starts at 2 * n, TIME_WAIT's "10" too. */
  _Static_assert(TIME_WAIT == 10, "tcp_state_name's numbers end at 10");
  static const char nums[] = "0\0"
                             "1\0"
                             "2\0"
                             "3\0"
                             "4\0"
                             "5\0"
                             "6\0"
                             "7\0"
                             "8\0"
                             "9\0"
                             "10\0"
                             "?";
  return (unsigned)s <= (unsigned)TIME_WAIT ? &nums[2U * (unsigned)s] : &nums[sizeof(nums) - 2U];
}
#endif

void tcp_set_state_hook(tcp_state_hook_fn fn)
{
  st.state_hook = fn;
}

void tcp_set_state(struct tcp_pcb *pcb, enum tcp_state s)
{
  LWIP_LOG(TCP, DEBUG, "%u -> %s:%u %s -> %s", pcb->local_port, ipaddr_ntoa(&pcb->remote_ip), pcb->remote_port,
           tcp_state_name(pcb->state), tcp_state_name(s));
  enum tcp_state old = pcb->state;
  pcb->state = s;
  if (st.state_hook != NULL) {
    st.state_hook(pcb, old, s);
  }
  tcp_trace_state(pcb, old);
}

/* ---------------------------------------------------------------------- */
/* Segments                                                                */
/* ---------------------------------------------------------------------- */

void tcp_seg_free(struct tcp_seg *seg)
{
  if (seg != NULL) {
    pbuf_free(seg->p);
    memp_free(MEMP_TCP_SEG, seg);
  }
}

void tcp_segs_free(struct tcp_seg *seg)
{
  while (seg != NULL) {
    struct tcp_seg *next = seg->next;
    tcp_seg_free(seg);
    seg = next;
  }
}

/* ---------------------------------------------------------------------- */
/* Tables                                                                  */
/* ---------------------------------------------------------------------- */

static u32_t isn_hash(u32_t a, u32_t b, u32_t c);

static u32_t conn_hash_of(u32_t laddr, u16_t lport, u32_t raddr, u16_t rport)
{
  /* A salted integer mix, so a peer cannot aim all its connections at one
   * bucket. */
  u32_t x = laddr ^ (raddr * 0x9e3779b1U) ^ ((((u32_t)lport << 16) | rport) * 0x85ebca6bU) ^ st.hash_salt;
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x & (TCP_HASH_SIZE - 1U);
}

/* An address reduced to 32 bits for the connection table.  Not
 * tcp_addr_key(): a bucket is found for every segment received, and its
 * four SipHash passes per IPv6 segment cost more than the rest of the
 * segment's header work.  Every word goes through a multiply-xorshift
 * step from a boot salt, so where an address lands is not predictable
 * and no two addresses that differ in one word share a key.  It is no
 * keyed hash: some pairs of addresses differing in two words (in bit 31
 * of one) share a key whatever the salt, which puts two connections in
 * one bucket and no more, since lookups compare whole addresses.  The
 * zone counts, so fe80::1%1 and fe80::1%2 are different peers. */
static u32_t demux_key(const ip_addr_t *a)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*a)) {
    const ip6_addr_t *x = ip_2_ip6(a);
    u32_t h = st.hash_salt ^ x->zone;
    for (int i = 0; i < 4; i++) {
      h = (h ^ x->addr[i]) * 0x9e3779b1U;
      h ^= h >> 15;
    }
    return h;
  }
#endif
  return ip_2_ip4(a)->addr;
}

static struct tcp_pcb **conn_bucket(const struct tcp_pcb *pcb)
{
  return &st.conn_hash[conn_hash_of(demux_key(&pcb->local_ip), pcb->local_port, demux_key(&pcb->remote_ip),
                                 pcb->remote_port)];
}

void tcp_hash_insert(struct tcp_pcb *pcb)
{
  struct tcp_pcb **b = conn_bucket(pcb);
  pcb->hnext = *b;
  *b = pcb;
}

/* Unlink @p pcb from the list starting at @p pp, linked through the
 * pointer at @p link in each PCB (offsetof hnext, next or batch_next),
 * and clear its link.  One loop for the three lists PCBs sit in. */
static void pcb_list_remove(struct tcp_pcb **pp, struct tcp_pcb *pcb, size_t link)
{
  struct tcp_pcb **own = (struct tcp_pcb **)(void *)((char *)pcb + link);
  for (; *pp != NULL; pp = (struct tcp_pcb **)(void *)((char *)*pp + link)) {
    if (*pp == pcb) {
      *pp = *own;
      break;
    }
  }
  *own = NULL;
}

static void tcp_hash_remove(struct tcp_pcb *pcb)
{
  pcb_list_remove(conn_bucket(pcb), pcb, offsetof(struct tcp_pcb, hnext));
}

static bool in_conn_hash(const struct tcp_pcb *pcb)
{
  return pcb->state != CLOSED && pcb->state != LISTEN;
}

static void bound_remove(struct tcp_pcb *pcb)
{
  pcb_list_remove(&st.bound_pcbs, pcb, offsetof(struct tcp_pcb, next));
}

struct tcp_pcb *tcp_lookup(const ip_addr_t *laddr, u16_t lport, const ip_addr_t *raddr, u16_t rport)
{
  u32_t b = conn_hash_of(demux_key(laddr), lport, demux_key(raddr), rport);
  for (struct tcp_pcb *p = st.conn_hash[b]; p != NULL; p = p->hnext) {
    if (p->local_port == lport && p->remote_port == rport && ip_addr_eq(&p->local_ip, laddr) &&
        ip_addr_eq(&p->remote_ip, raddr)) {
      return p;
    }
  }
  return NULL;
}

static struct tcp_pcb_listen **listen_bucket(u16_t port)
{
  return &st.listen_hash[(port ^ (port >> 4)) & (TCP_LISTEN_HASH_SIZE - 1U)];
}

/* Does a listener bound to the specific address @p mine take segments to
 * @p pkt?  A link-local address bound without a zone serves every link. */
static bool listen_addr_match(const ip_addr_t *mine, const ip_addr_t *pkt)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*mine)) {
    const ip6_addr_t *m = ip_2_ip6(mine);
    return IP_IS_V6_VAL(*pkt) && ip6_addr_eq_nozone(m, ip_2_ip6(pkt)) &&
           (m->zone == IP6_NO_ZONE || m->zone == ip_2_ip6(pkt)->zone);
  }
#endif
  return IP_IS_V4_VAL(*pkt) && ip_2_ip4(mine)->addr == ip_2_ip4(pkt)->addr;
}

struct tcp_pcb_listen *tcp_listen_lookup(const ip_addr_t *laddr, u16_t lport)
{
  /* An exact address wins over the wildcard of the segment's family,
   * which wins over a dual-stack (IPADDR_TYPE_ANY) listener. */
  struct tcp_pcb_listen *any = NULL, *dual = NULL;
  for (struct tcp_pcb_listen *l = *listen_bucket(lport); l != NULL; l = l->next) {
    if (l->local_port != lport) {
      continue;
    }
    if (IP_IS_ANY_TYPE_VAL(l->local_ip)) {
      dual = l;
    } else if (l->local_ip.type != laddr->type) {
      continue;
    } else if (ip_addr_isany(&l->local_ip)) {
      any = l;
    } else if (listen_addr_match(&l->local_ip, laddr)) {
      return l;
    }
  }
  return any != NULL ? any : dual;
}

/* ---------------------------------------------------------------------- */
/* The timer wheel                                                         */
/* ---------------------------------------------------------------------- */

static u32_t pcb_earliest_due(const struct tcp_pcb *pcb)
{
  u32_t best = 0;
  for (size_t i = 0; i < LWIP_ARRAYSIZE(pcb->due); i++) {
    u32_t d = pcb->due[i];
    /* While none is found, any goes (an unarmed 0 leaves best at 0). */
    if (best == 0 || (d != 0 && TCP_SEQ_LT(d, best))) {
      best = d;
    }
  }
  return best;
}

static void tcp_pcb_timers(struct tcp_pcb *pcb, u32_t now);

/* The one sys_timeout behind every TCP timer, wheel or list.  It lives in
 * our own storage: an empty SYS_TIMEOUT pool must never stop every TCP
 * timer (RFC 6298 5.1).  Armed for @p due (a sys_now() value; at once
 * when that has passed). */
static void timer_arm(u32_t due)
{
  u32_t now = sys_now();
  sys_timeout_static(&wheel_timeo, TCP_SEQ_GT(due, now) ? due - now : 0, tcp_wheel_timeout, NULL);
  st.wheel_armed = true;
}

static void timer_disarm(void)
{
  if (st.wheel_armed) {
    sys_untimeout(tcp_wheel_timeout, NULL);
    st.wheel_armed = false;
  }
}

#if LWIP_TCP_TIMER_WHEEL
/* A PCB is in the wheel exactly while its timer_due is not 0: a zeroed PCB
 * (tcp_alloc's, or one on the stack) is in no slot.  tnext and tprev mean
 * nothing outside the wheel; filing a PCB sets both. */
static void wheel_unlink(struct tcp_pcb *pcb)
{
  if (pcb->timer_due == 0) {
    return;
  }
  if (pcb->tprev != NULL) {
    pcb->tprev->tnext = pcb->tnext;
  } else {
    st.wheel[pcb->tslot] = pcb->tnext;
  }
  if (pcb->tnext != NULL) {
    pcb->tnext->tprev = pcb->tprev;
  }
  pcb->timer_due = 0;
  st.wheel_count--;
}

/* Wake at the first slot after the last one processed that holds a PCB,
 * so an idle stack sleeps and a busy one wakes only when a slot comes up. */
static void wheel_schedule(void)
{
  timer_disarm();
  if (st.wheel_count == 0) {
    return;
  }
  u32_t t = st.wheel_tick + 1U;
  for (u32_t i = 1; i < TCP_WHEEL_SLOTS && st.wheel[t % TCP_WHEEL_SLOTS] == NULL; i++) {
    t++;
  }
  st.wheel_wake_tick = t;
  timer_arm(t * TCP_TICK_MS);
}

void tcp_timer_update(struct tcp_pcb *pcb)
{
  u32_t due = pcb_earliest_due(pcb);
  wheel_unlink(pcb);
  if (due == 0) {
    if (st.wheel_count == 0) { /* the wheel is idle: disarm it */
      wheel_schedule();
    }
    return;
  }
  if (st.wheel_count == 0) {
    /* The wheel was idle: it starts turning from now. */
    st.wheel_tick = sys_now() / TCP_TICK_MS;
  }
  /* Round up: the slot's tick must not come before the deadline, or the
   * PCB is passed over and waits a whole lap. */
  u32_t tick = (due + TCP_TICK_MS - 1U) / TCP_TICK_MS;
  if (TCP_SEQ_LEQ(tick, st.wheel_tick)) {
    tick = st.wheel_tick + 1U; /* already due: the next tick handles it */
  }
  u16_t slot = (u16_t)(tick % TCP_WHEEL_SLOTS);
  pcb->tslot = slot;
  pcb->tprev = NULL;
  pcb->tnext = st.wheel[slot];
  if (pcb->tnext != NULL) {
    pcb->tnext->tprev = pcb;
  }
  st.wheel[slot] = pcb;
  pcb->timer_due = due;
  st.wheel_count++;
  if (!st.wheel_armed || TCP_SEQ_LT(tick, st.wheel_wake_tick)) {
    wheel_schedule();
  }
}

static void tcp_wheel_timeout(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  st.wheel_armed = false;
  u32_t now = sys_now();
  u32_t now_tick = now / TCP_TICK_MS;
  u32_t steps = 0;
  while (TCP_SEQ_LT(st.wheel_tick, now_tick) && steps++ < TCP_WHEEL_SLOTS) {
    st.wheel_tick++;
    struct tcp_pcb *pcb = st.wheel[st.wheel_tick % TCP_WHEEL_SLOTS];
    while (pcb != NULL) {
      struct tcp_pcb *next = pcb->tnext;
      if (TCP_SEQ_LEQ(pcb->timer_due, now)) {
        wheel_unlink(pcb);
        /* This may free PCBs (even others, from an err callback) or
         * re-file this one with a later deadline: walk the slot again. */
        struct tcp_pcb *prev = tcp_enter(pcb);
        tcp_pcb_timers(pcb, now);
        tcp_leave(pcb, prev);
        next = st.wheel[st.wheel_tick % TCP_WHEEL_SLOTS];
      }
      pcb = next;
    }
  }
  st.wheel_tick = now_tick;
  wheel_schedule();
}
#else /* !LWIP_TCP_TIMER_WHEEL */
/* Without the wheel (meson option tcp_timer_wheel, off in the minimal
 * profile): a microcontroller has a few PCBs, so those with a timer sit in
 * one list, latest filed first, and one sys_timeout is armed for the
 * earliest run time among them.  A PCB's timers run at the first 10 ms
 * tick at or after its earliest deadline (one tick after the last one run,
 * when already due), in that order and, within a tick, latest filed first,
 * as the wheel runs a slot.  Every time here is a sys_now() value compared
 * modulo 2^32 (TCP_SEQ_*), so the 49.7-day wrap of the clock is a tick
 * like any other.  Gone are the wheel's idle wake-ups for a PCB that waits
 * for a later lap, and its flat cost per timer with thousands of
 * connections, which the daemon profile keeps. */
static void wheel_unlink(struct tcp_pcb *pcb)
{
  if (pcb->timer_due != 0) {
    pcb_list_remove(&st.tlist, pcb, offsetof(struct tcp_pcb, tnext));
    pcb->timer_due = 0;
  }
}

/* The PCB whose timers come first: the earliest run time, and among PCBs
 * of that time the latest filed.  NULL when none has a timer. */
static struct tcp_pcb *timer_first(void)
{
  struct tcp_pcb *best = st.tlist;
  for (struct tcp_pcb *p = best; p != NULL; p = p->tnext) {
    if (TCP_SEQ_LT(p->trun, best->trun)) {
      best = p;
    }
  }
  return best;
}

static void wheel_schedule(void)
{
  timer_disarm();
  struct tcp_pcb *first = timer_first();
  if (first == NULL) {
    return;
  }
  st.twake = first->trun;
  timer_arm(st.twake);
}

void tcp_timer_update(struct tcp_pcb *pcb)
{
  u32_t due = pcb_earliest_due(pcb);
  wheel_unlink(pcb);
  if (due == 0) {
    if (st.tlist == NULL) { /* nothing left: disarm */
      wheel_schedule();
    }
    return;
  }
  if (st.tlist == NULL) {
    st.tlast = tick_floor(sys_now());
  }
  /* Round up to the tick (never before the deadline, even across the
   * wrap), and no earlier than the tick after the last one run.  due is
   * not 0, so the tick after the one at or before due - 1 is due itself
   * when due is a tick, else the next tick after it. */
  u32_t run = tick_floor(due - 1U) + TCP_TICK_MS;
  if (TCP_SEQ_LEQ(run, st.tlast)) {
    run = st.tlast + TCP_TICK_MS;
  }
  pcb->trun = run;
  pcb->tnext = st.tlist;
  st.tlist = pcb;
  pcb->timer_due = due;
  if (!st.wheel_armed || TCP_SEQ_LT(run, st.twake)) {
    wheel_schedule();
  }
}

static void tcp_wheel_timeout(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  st.wheel_armed = false;
  u32_t now = sys_now();
  struct tcp_pcb *pcb;
  /* One PCB at a time, looking again after each: its timers may free
   * PCBs (even others, from an err callback) or re-file it. */
  while ((pcb = timer_first()) != NULL && TCP_SEQ_LEQ(pcb->trun, now)) {
    st.tlast = pcb->trun;
    wheel_unlink(pcb);
    struct tcp_pcb *prev = tcp_enter(pcb);
    tcp_pcb_timers(pcb, now);
    tcp_leave(pcb, prev);
  }
  st.tlast = tick_floor(now);
  wheel_schedule();
}
#endif /* LWIP_TCP_TIMER_WHEEL */

/* ---------------------------------------------------------------------- */
/* PCB life                                                                */
/* ---------------------------------------------------------------------- */

/* Find the PCB to sacrifice when the pool is empty: first TIME_WAIT (the
 * connection is over), then the oldest lower-priority connection that is
 * closing.  Active connections of equal or higher priority are kept. */
static bool tcp_kill_one(u8_t prio)
{
  /* One pass: the first TIME_WAIT in table order, else the first such
   * closing connection. */
  struct tcp_pcb *victim = NULL;
  for (u32_t b = 0; b < TCP_HASH_SIZE; b++) {
    for (struct tcp_pcb *p = st.conn_hash[b]; p != NULL; p = p->hnext) {
      if (p->state == TIME_WAIT) {
        victim = p;
        goto found;
      }
      if (victim == NULL && p->prio < prio &&
          TCP_STATE_IN(p->state, TCP_STATE_BIT(FIN_WAIT_2) | TCP_STATE_BIT(CLOSING) | TCP_STATE_BIT(LAST_ACK))) {
        victim = p;
      }
    }
  }
found:
  if (victim == NULL) {
    return false;
  }
  LWIP_LOG(TCP, INFO, "pool empty: dropping %s connection to port %u", tcp_state_name(victim->state),
           victim->remote_port);
  if (victim->state == TIME_WAIT) {
    tcp_abandon(victim, false, ERR_CLSD); /* an application may still hold it */
  } else {
    tcp_abandon(victim, true, ERR_ABRT);
  }
  return true;
}

struct tcp_pcb *tcp_alloc(u8_t prio)
{
  struct tcp_pcb *pcb = (struct tcp_pcb *)memp_malloc(MEMP_TCP_PCB);
  if (pcb == NULL && tcp_kill_one(prio)) {
    pcb = (struct tcp_pcb *)memp_malloc(MEMP_TCP_PCB);
  }
  if (pcb == NULL) {
    return NULL;
  }
  memset(pcb, 0, sizeof(*pcb));
  pcb->prio = prio;
  pcb->ttl = IP_DEFAULT_TTL;
  pcb->mss = TCP_MSS > 536 ? 536 : TCP_MSS; /* RFC 9293 3.7.1 default until the peer says */
  pcb->rcv_wnd = pcb->rcv_ann_wnd = TCP_WND;
  pcb->snd_buf = TCP_SND_BUF;
  pcb->rto = TCP_RTO_INITIAL_MS;
  pcb->ssthresh = 0x7fffffffU;
#if LWIP_TCP_CUBIC
  pcb->cc = tcp_cc_default;
#endif
  pcb->ecn_mode = TCP_ECN_MODE_UNSET;
  pcb->keep_idle = TCP_KEEPIDLE_DEFAULT_MS;
  pcb->keep_intvl = TCP_KEEPINTVL_DEFAULT_MS;
  pcb->keep_cnt = TCP_KEEPCNT_DEFAULT;
  pcb->ts_offset = lwip_port_rand();
  tcp_rack_init(pcb);
  return pcb;
}

struct tcp_pcb *tcp_new(void)
{
  return tcp_alloc(TCP_PRIO_NORMAL);
}

struct tcp_pcb *tcp_new_ip_type(u8_t type)
{
  /* The PCB's family is the type of its local address: V4 and V6 serve
   * one family, ANY (a dual-stack listener or a PCB that connect() will
   * give a family) both. */
#if LWIP_IPV6
  if (type != IPADDR_TYPE_V4 && type != IPADDR_TYPE_V6 && type != IPADDR_TYPE_ANY) {
    return NULL;
  }
#else
  if (type != IPADDR_TYPE_V4 && type != IPADDR_TYPE_ANY) {
    return NULL;
  }
#endif
  struct tcp_pcb *pcb = tcp_new();
  if (pcb != NULL) {
    ip_addr_set_zero(&pcb->local_ip);
    ip_addr_set_zero(&pcb->remote_ip);
    pcb->local_ip.type = pcb->remote_ip.type = type;
  }
  return pcb;
}

/* Forget the application's callbacks: after a successful close the PCB is
 * the stack's, and the application must not hear about it any more. */
TCP_NOINLINE static void tcp_detach(struct tcp_pcb *pcb)
{
  pcb->recv = NULL;
  pcb->sent = NULL;
  pcb->poll = NULL;
  pcb->errf = NULL;
  pcb->connected = NULL;
  pcb->poll_due = 0;
}

void tcp_pcb_free(struct tcp_pcb *pcb)
{
#if LWIP_TCP_MEM_BUDGET
  /* Its memory is back in the budgets at once, whoever freed it. */
  st.mem_tx_total -= pcb->mem_tx;
  st.mem_rx_total -= pcb->mem_rx;
  pcb->mem_tx = pcb->mem_rx = 0;
#endif
  if (st.state_hook != NULL && pcb->state != CLOSED) {
    st.state_hook(pcb, pcb->state, CLOSED); /* the connection is over */
  }
  wheel_unlink(pcb);
#if LWIP_TCP_RX_BATCH
  if (pcb->flags & TF_BATCHED) {
    tcp_batch_remove(pcb);
  }
#endif
  if (in_conn_hash(pcb)) {
    tcp_hash_remove(pcb);
  } else {
    bound_remove(pcb);
  }
  tcp_backlog_accepted(pcb); /* no longer counts in its listener's backlog */
  tcp_segs_free(pcb->unsent);
  tcp_segs_free(pcb->unacked);
  tcp_segs_free(pcb->ooseq);
  tcp_segs_free(pcb->rcv_held);
  pbuf_free(pcb->refused_data);
  pcb->unsent = pcb->unacked = pcb->ooseq = pcb->rcv_held = NULL;
  pcb->unsent_tail = pcb->unacked_tail = NULL;
  pcb->refused_data = NULL;
  if (pcb == st.active_pcb) {
    /* Code up the stack still holds it: tcp_leave() frees it. */
    pcb->flags |= TF_ZOMBIE;
    pcb->state = CLOSED;
    tcp_detach(pcb);
    memset(pcb->due, 0, sizeof(pcb->due));
  } else {
    memp_free(MEMP_TCP_PCB, pcb);
  }
  if (TIMERS_IDLE()) { /* no timer left: disarm */
    wheel_schedule();
  }
}

struct tcp_pcb *tcp_enter(struct tcp_pcb *pcb)
{
  struct tcp_pcb *prev = st.active_pcb;
  st.active_pcb = pcb;
  return prev;
}

void tcp_leave(struct tcp_pcb *pcb, struct tcp_pcb *prev)
{
  st.active_pcb = prev;
  if (pcb->flags & TF_ZOMBIE) {
    memp_free(MEMP_TCP_PCB, pcb);
  }
}

void tcp_abandon(struct tcp_pcb *pcb, bool send_rst, err_t err)
{
  if (pcb->flags & TF_ZOMBIE) {
    return; /* already gone */
  }
  tcp_err_fn errf = pcb->errf;
  void *arg = pcb->callback_arg;
  /* A SYN_RCVD connection the application never saw needs no callback. */
  bool told = !(pcb->listener != NULL && pcb->state == SYN_RCVD);
  if (send_rst && !TCP_STATE_IN(pcb->state, TCP_STATE_BIT(CLOSED) | TCP_STATE_BIT(LISTEN) | TCP_STATE_BIT(SYN_SENT) |
                                                TCP_STATE_BIT(TIME_WAIT))) {
    tcp_rst_pcb(pcb, pcb->snd_nxt, pcb->rcv_nxt, true);
  }
  if (err == ERR_CLSD) {
    LWIP_LOG(TCP, DEBUG, "%u -> %s:%u closed in %s", pcb->local_port, ipaddr_ntoa(&pcb->remote_ip), pcb->remote_port,
             tcp_state_name(pcb->state));
  } else {
    LWIP_LOG(TCP, INFO, "%u -> %s:%u aborted in %s (%s)", pcb->local_port, ipaddr_ntoa(&pcb->remote_ip),
             pcb->remote_port, tcp_state_name(pcb->state), lwip_err_name(err));
  }
  tcp_pcb_free(pcb);
  if (errf != NULL && told) {
    errf(arg, err);
  }
}

void tcp_abort(struct tcp_pcb *pcb)
{
  if (pcb != NULL) {
    tcp_abandon(pcb, true, ERR_ABRT);
  }
}

/* ---------------------------------------------------------------------- */
/* Callbacks and options                                                   */
/* ---------------------------------------------------------------------- */

void tcp_arg(struct tcp_pcb *pcb, void *arg)
{
  if (pcb != NULL) {
    pcb->callback_arg = arg;
  }
}

void tcp_recv(struct tcp_pcb *pcb, tcp_recv_fn recv)
{
  if (pcb != NULL && pcb->state != LISTEN) {
    pcb->recv = recv;
  }
}

void tcp_sent(struct tcp_pcb *pcb, tcp_sent_fn sent)
{
  if (pcb != NULL && pcb->state != LISTEN) {
    pcb->sent = sent;
  }
}

void tcp_err(struct tcp_pcb *pcb, tcp_err_fn err)
{
  if (pcb != NULL && pcb->state != LISTEN) {
    pcb->errf = err;
  }
}

void tcp_poll(struct tcp_pcb *pcb, tcp_poll_fn poll, u8_t interval)
{
  if (pcb == NULL || pcb->state == LISTEN) {
    return;
  }
  pcb->poll = poll;
  pcb->pollinterval = interval;
  /* tcp_due: a deadline landing on the clock's wrap must not read as 0,
   * "not armed". */
  pcb->poll_due = (poll != NULL && interval != 0 && pcb->state != CLOSED)
                      ? tcp_due(sys_now(), (u32_t)interval * TCP_POLL_UNIT_MS)
                      : 0;
  if (pcb->state != CLOSED) {
    tcp_timer_update(pcb);
  }
}

void tcp_accept(struct tcp_pcb *pcb, tcp_accept_fn accept)
{
  if (pcb != NULL && pcb->state == LISTEN) {
    ((struct tcp_pcb_listen *)(void *)pcb)->accept = accept;
  }
}

void tcp_setprio(struct tcp_pcb *pcb, u8_t prio)
{
  if (pcb != NULL) {
    pcb->prio = prio;
  }
}

void tcp_keepalive(struct tcp_pcb *pcb, u32_t idle_ms, u32_t intvl_ms, u8_t count)
{
  if (pcb == NULL || pcb->state == LISTEN) {
    return;
  }
  pcb->keep_idle = idle_ms ? idle_ms : TCP_KEEPIDLE_DEFAULT_MS;
  pcb->keep_intvl = intvl_ms ? intvl_ms : TCP_KEEPINTVL_DEFAULT_MS;
  pcb->keep_cnt = count ? count : TCP_KEEPCNT_DEFAULT;
  tcp_arm_timers(pcb);
}

/* ---------------------------------------------------------------------- */
/* bind, listen, connect                                                   */
/* ---------------------------------------------------------------------- */

/* Could local addresses @p a and @p b take the same segment?  Their
 * families must overlap (IPADDR_TYPE_ANY overlaps both), then the
 * addresses: equal, or one of them the wildcard.  So a V4 and a V6
 * wildcard share a port, as on other stacks with IPV6_V6ONLY. */
static bool addrs_overlap(const ip_addr_t *a, const ip_addr_t *b)
{
  if (IP_IS_ANY_TYPE_VAL(*a) || IP_IS_ANY_TYPE_VAL(*b)) {
    return true;
  }
  if (a->type != b->type) {
    return false;
  }
  return ip_addr_isany(a) || ip_addr_isany(b) || ip_addr_eq(a, b);
}

/* Would binding @p pcb to @p addr:@p port clash with someone? */
static bool port_in_use(const struct tcp_pcb *pcb, const ip_addr_t *addr, u16_t port)
{
  bool reuse = ip_get_option(pcb, SOF_REUSEADDR) != 0;
  for (struct tcp_pcb_listen *l = *listen_bucket(port); l != NULL; l = l->next) {
    if (l->local_port == port && addrs_overlap(addr, &l->local_ip)) {
      return true;
    }
  }
  for (struct tcp_pcb *b = st.bound_pcbs; b != NULL; b = b->next) {
    if (b != pcb && b->local_port == port && !(reuse && ip_get_option(b, SOF_REUSEADDR)) &&
        addrs_overlap(addr, &b->local_ip)) {
      return true;
    }
  }
  if (reuse) {
    return false; /* SO_REUSEADDR: connections on the port do not block a bind */
  }
  for (u32_t i = 0; i < TCP_HASH_SIZE; i++) {
    for (struct tcp_pcb *p = st.conn_hash[i]; p != NULL; p = p->hnext) {
      if (p->local_port == port &&
          (ip_addr_isany(addr) || IP_IS_ANY_TYPE_VAL(*addr) || ip_addr_eq(addr, &p->local_ip))) {
        return true;
      }
    }
  }
  return false;
}

/* The dynamic range is the top ports, a power-of-two block ending at 65535
 * (RFC 6335 6: 49152-65535): any number with the range's top bits set is
 * in it, so a random start is the number with those bits set, and the
 * port after 65535 wraps to the range's start the same way. */
_Static_assert(TCP_LOCAL_PORT_RANGE_END == 0xffffU &&
                   ((0x10000U - TCP_LOCAL_PORT_RANGE_START) & (0xffffU - TCP_LOCAL_PORT_RANGE_START)) == 0,
               "the local port range must be a power-of-two block ending at 65535");
#define TCP_PORT_IN_RANGE(x) ((u16_t)((x) | TCP_LOCAL_PORT_RANGE_START))

/* A random port in the dynamic range (RFC 6056 3.3.1 style: random start,
 * then sequential), or 0 when every one is taken. */
static u16_t tcp_new_port(const struct tcp_pcb *pcb, const ip_addr_t *addr)
{
  const u32_t n = TCP_LOCAL_PORT_RANGE_END - TCP_LOCAL_PORT_RANGE_START + 1U;
  u16_t port = TCP_PORT_IN_RANGE(lwip_port_rand()); /* START + rand % n */
  for (u32_t tries = 0; tries < n; tries++) {
    if (!port_in_use(pcb, addr, port)) {
      return port;
    }
    port = TCP_PORT_IN_RANGE(port + 1U); /* 65535 wraps to START */
  }
  return 0;
}

err_t tcp_bind(struct tcp_pcb *pcb, const ip_addr_t *ipaddr, u16_t port)
{
  LWIP_ERROR_RET("tcp_bind: pcb", pcb != NULL, ERR_ARG);
  if (pcb->state != CLOSED) {
    return ERR_VAL;
  }
  /* NULL keeps the family tcp_new_ip_type gave, as the wildcard. */
  ip_addr_t addr;
  if (ipaddr != NULL) {
    addr = *ipaddr;
  } else {
    ip_addr_set_zero(&addr);
    addr.type = pcb->local_ip.type;
  }
  if (addr.type == IPADDR_TYPE_ANY) {
    ip_addr_set_zero(&addr); /* the dual-stack wildcard: no address bits */
    addr.type = IPADDR_TYPE_ANY;
  }
#if LWIP_IPV6
  if (IP_IS_V6_VAL(addr) && !ip6_addr_isany(ip_2_ip6(&addr)) && ip6_addr_ismulticast(ip_2_ip6(&addr))) {
    return ERR_VAL; /* TCP has no multicast (RFC 9293 3.9.1.1: a unicast local address) */
  }
#else
  if (IP_IS_V6_VAL(addr)) {
    return ERR_VAL;
  }
#endif
  if (port == 0) {
    port = tcp_new_port(pcb, &addr);
    if (port == 0) {
      return ERR_BUF;
    }
  } else if (port_in_use(pcb, &addr, port)) {
    return ERR_USE;
  }
  bound_remove(pcb);
  pcb->local_ip = addr;
  pcb->local_port = port;
  pcb->next = st.bound_pcbs;
  st.bound_pcbs = pcb;
  return ERR_OK;
}

/* Make @p l the listener that takes over bound PCB @p pcb, which is freed. */
static void tcp_listen_init(struct tcp_pcb_listen *l, struct tcp_pcb *pcb, u8_t backlog)
{
  memset(l, 0, sizeof(*l));
  l->local_ip = pcb->local_ip;
  l->local_port = pcb->local_port;
  l->callback_arg = pcb->callback_arg;
  l->prio = pcb->prio;
  l->so_options = (u8_t)(pcb->so_options | SOF_REUSEADDR);
  l->ttl = pcb->ttl;
  l->tos = pcb->tos;
  l->ecn_mode = pcb->ecn_mode;
  l->state = LISTEN;
  l->backlog = backlog ? backlog : 1U;
  bound_remove(pcb);
  memp_free(MEMP_TCP_PCB, pcb);
  struct tcp_pcb_listen **b = listen_bucket(l->local_port);
  l->next = *b;
  *b = l;
  LWIP_LOG(TCP, INFO, "listening on %s:%u (backlog %u)", ipaddr_ntoa(&l->local_ip), l->local_port, l->backlog);
}

struct tcp_pcb *tcp_listen_with_backlog_and_err(struct tcp_pcb *pcb, u8_t backlog, err_t *err)
{
  err_t e = ERR_OK;
  struct tcp_pcb_listen *l = NULL;
  if (pcb != NULL && pcb->state == LISTEN) {
    e = ERR_ALREADY; /* and the listener is returned */
    l = (struct tcp_pcb_listen *)(void *)pcb;
  } else if (pcb == NULL || pcb->state != CLOSED || pcb->local_port == 0) {
    e = ERR_VAL; /* a PCB not yet bound: bind first, as in lwIP */
  } else if ((l = (struct tcp_pcb_listen *)memp_malloc(MEMP_TCP_PCB_LISTEN)) == NULL) {
    e = ERR_MEM;
  } else {
    tcp_listen_init(l, pcb, backlog);
  }
  if (err != NULL) {
    *err = e;
  }
  return (struct tcp_pcb *)(void *)l;
}

struct tcp_pcb *tcp_listen_with_backlog(struct tcp_pcb *pcb, u8_t backlog)
{
  return tcp_listen_with_backlog_and_err(pcb, backlog, NULL);
}

void tcp_backlog_accepted(struct tcp_pcb *pcb)
{
  if (pcb != NULL && pcb->listener != NULL) {
    if (pcb->listener->accepts_pending > 0) {
      pcb->listener->accepts_pending--;
    }
    pcb->listener = NULL;
  }
}

static void listen_close(struct tcp_pcb_listen *l)
{
  for (struct tcp_pcb_listen **pp = listen_bucket(l->local_port); *pp != NULL; pp = &(*pp)->next) {
    if (*pp == l) {
      *pp = l->next;
      break;
    }
  }
  tcp_synq_listener_closed(l);
  /* Connections still in the handshake lose their parent: they are
   * reset if they complete. */
  for (u32_t i = 0; i < TCP_HASH_SIZE; i++) {
    for (struct tcp_pcb *p = st.conn_hash[i]; p != NULL; p = p->hnext) {
      if (p->listener == l) {
        p->listener = NULL;
      }
    }
  }
  memp_free(MEMP_TCP_PCB_LISTEN, l);
}

struct netif *tcp_route(const ip_addr_t *local, const ip_addr_t *remote)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*remote)) {
    return ip6_route(IP_IS_V6_VAL(*local) && !ip_addr_isany(local) ? ip_2_ip6(local) : NULL, ip_2_ip6(remote));
  }
#endif
  return ip4_route_src(ip_2_ip4(local), ip_2_ip4(remote));
}

u16_t tcp_eff_mss(u16_t mss, const ip_addr_t *local, const ip_addr_t *remote)
{
  struct netif *n = tcp_route(local, remote);
  if (n == NULL || n->mtu == 0) {
    return mss;
  }
  u16_t mtu = n->mtu, hlen = IP_HLEN;
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*remote)) {
    /* RFC 8201 5.2 / RFC 9293 3.7.1: the path MTU (the link's, or less
     * if a Packet Too Big taught us so) less the 40-byte IPv6 header. */
    mtu = icmp6_path_mtu(n, ip_2_ip6(remote));
    hlen = IP6_HLEN;
  }
#endif
  u16_t route_mss = (u16_t)(mtu > hlen + TCP_HLEN ? mtu - hlen - TCP_HLEN : 0);
  if (route_mss != 0 && route_mss < mss) {
    mss = route_mss;
  }
  return mss;
}

/* 32-bit SipHash-2-4 style keyed hash of the 4-tuple (RFC 6528 3 asks for
 * a cryptographic hash keyed with a secret). */
static u64_t sip_round_rotl(u64_t x, int b)
{
  return (x << b) | (x >> (64 - b));
}

/* The two message words go in as SipHash takes them (each XORed into v3,
 * two SipRounds, XORed into v0), then the finalisation (0xff into v2,
 * four rounds): eight rounds in all, written once in one loop with the
 * message steps at their round numbers.  On a 32-bit core each 64-bit
 * step is several instructions: the rounds written out cost 600 bytes
 * more, a function of rounds called three times 80 more. */
TCP_NOINLINE static u32_t isn_hash(u32_t a, u32_t b, u32_t c)
{
  u64_t k0 = ((u64_t)st.isn_key[0] << 32) | st.isn_key[1], k1 = ((u64_t)st.isn_key[2] << 32) | st.isn_key[3];
  u64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL, v2 = k0 ^ 0x6c7967656e657261ULL,
        v3 = k1 ^ 0x7465646279746573ULL;
  /* The word that goes in now, and the next (the last carries the length). */
  u64_t m = ((u64_t)a << 32) | b, m_next = ((u64_t)c << 32) | (16ULL << 56 >> 32);
  for (int r = 0; r < 8; r++) {
    if (r == 0 || r == 2) {
      v3 ^= m;
    }
    if (r == 4) {
      v2 ^= 0xff;
    }
    v0 += v1;
    v1 = sip_round_rotl(v1, 13) ^ v0;
    v0 = sip_round_rotl(v0, 32);
    v2 += v3;
    v3 = sip_round_rotl(v3, 16) ^ v2;
    v0 += v3;
    v3 = sip_round_rotl(v3, 21) ^ v0;
    v2 += v1;
    v1 = sip_round_rotl(v1, 17) ^ v2;
    v2 = sip_round_rotl(v2, 32);
    if (r == 1 || r == 3) {
      v0 ^= m;
      m = m_next;
    }
  }
  u64_t h = v0 ^ v1 ^ v2 ^ v3;
  return (u32_t)(h ^ (h >> 32));
}

u32_t tcp_addr_key(const ip_addr_t *a)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*a)) {
    /* An IPv6 address is reduced through the keyed hash, never a plain
     * fold: a peer owning a /64 could pick an address whose fold equals
     * another host's, and replay cookies or aim at one SYN-queue bucket.
     * The zone counts, so fe80::1%1 and fe80::1%2 are different peers. */
    const u32_t *w = ip_2_ip6(a)->addr;
    u32_t h = isn_hash(w[0], w[1], w[2] ^ 0x6a09e667U);
    return isn_hash(h, w[3], ip_2_ip6(a)->zone);
  }
#endif
  return ip_2_ip4(a)->addr; /* IPv4 keys exactly as before */
}

#if LWIP_TCP_SYNQ_COOKIES
u32_t tcp_cookie_hash(u32_t laddr, u32_t raddr, u32_t ports, u32_t t, u32_t peer_isn)
{
  /* The same keyed hash as the ISNs, with the period mixed in; without
   * the key an attacker cannot forge a cookie.  The peer's ISN goes
   * through the keyed hash a second time (not XORed into an address, which
   * would let a cookie for one source be replayed from another). */
  u32_t h = isn_hash(laddr ^ (t * 0x9e3779b9U), raddr, ports ^ 0x5bd1e995U);
  return isn_hash(h, peer_isn, 0x27d4eb2fU);
}
#endif

u32_t tcp_isn(const struct tcp_pcb *pcb)
{
  /* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
   * secretkey), M a clock ticking every 4 microseconds. */
  u32_t m = sys_now() * 250U;
  return m + isn_hash(tcp_addr_key(&pcb->local_ip), tcp_addr_key(&pcb->remote_ip),
                      ((u32_t)pcb->local_port << 16) | pcb->remote_port);
}

#if LWIP_IPV6
/* The IPv6 half of tcp_connect_addrs: a link-local peer without a zone
 * takes the zone of the bound address (RFC 4007 6); the source is the
 * bound address when it is usable on the route's netif, else the one RFC
 * 6724 picks. */
static err_t tcp_connect_addrs6(const struct tcp_pcb *pcb, ip_addr_t *dst, ip_addr_t *local, struct netif **out)
{
  ip6_addr_t *d = ip_2_ip6(dst);
  if (ip6_addr_isany(d) || ip6_addr_ismulticast(d)) {
    return ERR_VAL;
  }
  bool bound = IP_IS_V6_VAL(pcb->local_ip) && !ip_addr_isany(&pcb->local_ip);
  if (ip6_addr_islinklocal(d) && d->zone == IP6_NO_ZONE && bound) {
    d->zone = ip_2_ip6(&pcb->local_ip)->zone;
  }
  struct netif *n = ip6_route(bound ? ip_2_ip6(&pcb->local_ip) : NULL, d);
  if (n == NULL) {
    return ERR_RTE;
  }
  if (ip6_addr_islinklocal(d) && d->zone == IP6_NO_ZONE) {
    d->zone = netif_get_index(n);
  }
  if (bound) {
    s8_t i = netif_get_ip6_addr_match(n, ip_2_ip6(&pcb->local_ip));
    if (i < 0 || !ip6_addr_isvalid(netif_ip6_addr_state(n, i))) {
      return ERR_RTE; /* bound to an address this netif cannot use */
    }
    *local = n->ip6_addr[i];
  } else {
    const ip_addr_t *sel = ip6_select_source_address(n, d);
    if (sel == NULL) {
      return ERR_RTE;
    }
    *local = *sel;
  }
  *out = n;
  return ERR_OK;
}
#endif

/* The peer @p ipaddr as the connection will know it (@p dst) and the local
 * address it will use (@p local), with the netif that reaches it.  The PCB's
 * family must allow the peer's: a V4 PCB connects to IPv4 only, a V6 one to
 * IPv6 only, an ANY one to either.  @return ERR_OK, ERR_VAL (wrong family,
 * a wildcard, multicast or broadcast peer) or ERR_RTE (no route or no
 * usable source). */
static err_t tcp_connect_addrs(const struct tcp_pcb *pcb, const ip_addr_t *ipaddr, ip_addr_t *dst, ip_addr_t *local,
                               struct netif **out)
{
  *dst = *ipaddr;
  if (IP_IS_ANY_TYPE_VAL(*dst) || (!IP_IS_ANY_TYPE_VAL(pcb->local_ip) && pcb->local_ip.type != dst->type)) {
    return ERR_VAL;
  }
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*dst)) {
    return tcp_connect_addrs6(pcb, dst, local, out);
  }
#else
  if (IP_IS_V6_VAL(*dst)) {
    return ERR_VAL;
  }
#endif
  const ip4_addr_t *d = ip_2_ip4(dst);
  if (ip4_addr_isany(d) || ip4_addr_ismulticast(d) || ip4_addr_islimitedbroadcast(d)) {
    return ERR_VAL;
  }
  ip4_addr_t l4 = {IP_IS_V4_VAL(pcb->local_ip) ? ip_2_ip4(&pcb->local_ip)->addr : IPADDR_ANY};
  struct netif *n = ip4_route_src(&l4, d);
  if (n == NULL) {
    return ERR_RTE;
  }
  if (ip4_addr_isany(&l4)) {
    l4 = *netif_ip4_addr(n);
  }
  ip_addr_set_ip4(local, &l4);
  *out = n;
  return ERR_OK;
}

err_t tcp_connect(struct tcp_pcb *pcb, const ip_addr_t *ipaddr, u16_t port, tcp_connected_fn connected)
{
  LWIP_ERROR_RET("tcp_connect: args", pcb != NULL && ipaddr != NULL, ERR_ARG);
  if (pcb->state != CLOSED) {
    return pcb->state == LISTEN ? ERR_VAL : ERR_ISCONN;
  }
  ip_addr_t dst, local;
  struct netif *n = NULL;
  err_t e = tcp_connect_addrs(pcb, ipaddr, &dst, &local, &n);
  if (e != ERR_OK) {
    return e;
  }
  if (pcb->local_port == 0) {
    e = tcp_bind(pcb, &local, 0);
    if (e != ERR_OK) {
      return e;
    }
  }
  if (tcp_lookup(&local, pcb->local_port, &dst, port) != NULL) {
    return ERR_USE;
  }
  pcb->local_ip = local;
  pcb->remote_ip = dst;
  pcb->remote_port = port;
  pcb->connected = connected;
  u32_t iss = tcp_isn(pcb);
  pcb->snd_una = pcb->snd_nxt = pcb->snd_max = pcb->snd_lbb = iss;
  pcb->rcv_mss = tcp_eff_mss(TCP_MSS, &local, &dst);
  pcb->mss = pcb->rcv_mss > 536 ? 536 : pcb->rcv_mss;
  pcb->snd_wnd = TCP_WND; /* until the peer's SYN-ACK tells */
  tcp_set_state(pcb, SYN_SENT);
  e = tcp_enqueue_flags(pcb, TCP_SYN);
  if (e != ERR_OK) {
    tcp_set_state(pcb, CLOSED); /* still in the bound list */
    return e;
  }
  /* From the bound list into the connection table only once the SYN is
   * queued: a failure has nothing to undo there. */
  bound_remove(pcb);
  tcp_hash_insert(pcb);
  tcp_output(pcb);
  return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* close, shutdown                                                         */
/* ---------------------------------------------------------------------- */

/* The states in which our FIN has not gone yet. */
#define TCP_STATES_BEFORE_FIN (TCP_STATE_BIT(SYN_RCVD) | TCP_STATE_BIT(ESTABLISHED) | TCP_STATE_BIT(CLOSE_WAIT))

/* Send our FIN: the state moves as RFC 9293 3.6 says. */
static err_t tcp_send_fin(struct tcp_pcb *pcb)
{
  err_t e = tcp_enqueue_flags(pcb, TCP_FIN);
  if (e != ERR_OK) {
    return e;
  }
  tcp_set_state(pcb, pcb->state == CLOSE_WAIT ? LAST_ACK : FIN_WAIT_1);
  tcp_output(pcb);
  return ERR_OK;
}

err_t tcp_close(struct tcp_pcb *pcb)
{
  LWIP_ERROR_RET("tcp_close: pcb", pcb != NULL, ERR_ARG);
  switch (pcb->state) {
  case LISTEN:
    listen_close((struct tcp_pcb_listen *)(void *)pcb);
    return ERR_OK;
  case CLOSED:
  case SYN_SENT:
    /* Nothing was agreed yet: just forget it (RFC 9293 3.10.4). */
    tcp_pcb_free(pcb);
    return ERR_OK;
  default:
    break;
  }
  pcb->flags |= TF_RXCLOSED;
  /* RFC 1122 4.2.2.13: closing with data the application never read
   * resets the connection, so the peer knows it was not delivered. */
  bool reset =
      pcb->refused_data != NULL ||
      (pcb->rcv_wnd != TCP_WND && TCP_STATE_IN(pcb->state, TCP_STATE_BIT(ESTABLISHED) | TCP_STATE_BIT(CLOSE_WAIT)));
  if (!reset && TCP_STATE_IN(pcb->state, TCP_STATES_BEFORE_FIN)) {
    err_t e = tcp_send_fin(pcb);
    if (e != ERR_OK) {
      return e;
    }
  }
  /* The application is closing: it hears nothing more of this PCB. */
  tcp_detach(pcb);
  if (reset) {
    tcp_abandon(pcb, true, ERR_OK);
  } else {
    tcp_arm_timers(pcb);
  }
  return ERR_OK;
}

err_t tcp_shutdown(struct tcp_pcb *pcb, int shut_rx, int shut_tx)
{
  LWIP_ERROR_RET("tcp_shutdown: pcb", pcb != NULL, ERR_ARG);
  if (pcb->state == LISTEN) {
    return ERR_CONN;
  }
  if (shut_rx && shut_tx) {
    return tcp_close(pcb);
  }
  if (shut_rx) {
    pcb->flags |= TF_RXCLOSED;
    pbuf_free(pcb->refused_data);
    pcb->refused_data = NULL;
    tcp_segs_free(pcb->rcv_held);
    pcb->rcv_held = NULL;
  }
  if (shut_tx) {
    if (!TCP_STATE_IN(pcb->state, TCP_STATES_BEFORE_FIN)) {
      return ERR_CONN;
    }
    return tcp_send_fin(pcb);
  }
  return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Receive window                                                          */
/* ---------------------------------------------------------------------- */

/* ---------------------------------------------------------------------- */
/* Memory budgets                                                          */
/* ---------------------------------------------------------------------- */

#if LWIP_TCP_MEM_BUDGET

/* Send data @p pcb holds: written by the application, not yet acked. */
static u32_t pcb_tx_held(const struct tcp_pcb *pcb)
{
  return (u32_t)TCP_SND_BUF - LWIP_MIN(pcb->snd_buf, (u32_t)TCP_SND_BUF);
}

/* Receive memory @p pcb holds: out of order, refused or held, or
 * delivered and not yet consumed (tcp_recved).  Windows announced are not
 * counted: with thousands of idle connections the promises would starve
 * everyone, so the promise is checked when data arrives instead
 * (tcp_mem_rx_admit).  Once the application has closed, what it was given
 * is its own to free: only what the stack keeps counts. */
static u32_t pcb_rx_held(const struct tcp_pcb *pcb)
{
  if (pcb->state != ESTABLISHED && pcb->state != CLOSE_WAIT && pcb->state != SYN_RCVD) {
    return pcb->ooseq_bytes + (pcb->refused_data != NULL ? pcb->refused_data->tot_len : 0U);
  }
  return (u32_t)TCP_WND - LWIP_MIN(pcb->rcv_wnd, (u32_t)TCP_WND) + pcb->ooseq_bytes;
}

void tcp_mem_sync(struct tcp_pcb *pcb)
{
  u32_t tx = pcb_tx_held(pcb), rx = pcb_rx_held(pcb);
  st.mem_tx_total = st.mem_tx_total - pcb->mem_tx + tx;
  st.mem_rx_total = st.mem_rx_total - pcb->mem_rx + rx;
  pcb->mem_tx = tx;
  pcb->mem_rx = rx;
}

/* Room under a budget for a connection holding @p held of @p total: up
 * to the budget, and past it up to the floor, but never past @p hard. */
TCP_NOINLINE static u32_t budget_room(u32_t total, u32_t held, u32_t budget, u32_t floor, u32_t hard)
{
  u32_t room = total < budget ? budget - total : 0;
  if (held < floor) {
    room = LWIP_MAX(room, floor - held);
  }
  return LWIP_MIN(room, total < hard ? hard - total : 0U);
}

u32_t tcp_snd_room(const struct tcp_pcb *pcb)
{
  u32_t held = pcb_tx_held(pcb);
  u32_t room =
      budget_room(st.mem_tx_total - pcb->mem_tx + held, held, TCP_MEM_TX_BUDGET, TCP_MEM_TX_FLOOR, TCP_MEM_TX_HARD);
  return LWIP_MIN(room, pcb->snd_buf);
}

/* The window @p pcb may offer: its free window, clamped by the receive
 * budget so that slow readers cannot hold every PBUF_POOL buffer. */
static u32_t tcp_rcv_room(const struct tcp_pcb *pcb)
{
  u32_t held = pcb_rx_held(pcb);
  u32_t room =
      budget_room(st.mem_rx_total - pcb->mem_rx + held, held, TCP_MEM_RX_BUDGET, TCP_MEM_RX_FLOOR, TCP_MEM_RX_ABS);
  return LWIP_MIN(room, pcb->rcv_wnd);
}

bool tcp_mem_rx_admit(struct tcp_pcb *pcb, u32_t len)
{
  u32_t held = pcb_rx_held(pcb);
  u32_t total = st.mem_rx_total - pcb->mem_rx + held + len;
  if (total <= TCP_MEM_RX_HARD || (held + len <= TCP_MEM_RX_FLOOR && total <= TCP_MEM_RX_ABS)) {
    return true;
  }
  st.mem_rx_limited++;
  return false;
}

void tcp_mem_count_tx_limited(void)
{
  st.mem_tx_limited++;
}

void tcp_mem_get_info(struct tcp_mem_info *info)
{
  info->tx_bytes = st.mem_tx_total;
  info->tx_budget = TCP_MEM_TX_BUDGET;
  info->rx_bytes = st.mem_rx_total;
  info->rx_budget = TCP_MEM_RX_BUDGET;
  info->tx_floor = TCP_MEM_TX_FLOOR;
  info->rx_floor = TCP_MEM_RX_FLOOR;
  info->heap_reserve = TCP_MEM_HEAP_RESERVE;
  info->tx_limited = st.mem_tx_limited;
  info->rx_limited = st.mem_rx_limited;
}
#else
/* Without the budgets (meson option tcp_mem_budget) a connection may offer
 * its whole free window, as in lwIP: what it receives is bounded by
 * tcp_wnd, what all of them receive by PBUF_POOL (a driver that finds the
 * pool empty drops the frame, and the peer sends it again).  Nothing here
 * needs the budgets to meet RFC 9293: the window is never shrunk
 * (3.8.6), and data inside it may still be dropped for want of buffers
 * (3.10.7.4). */
static u32_t tcp_rcv_room(const struct tcp_pcb *pcb)
{
  return pcb->rcv_wnd;
}
#endif /* LWIP_TCP_MEM_BUDGET */

u32_t tcp_update_rcv_ann_wnd(struct tcp_pcb *pcb)
{
  /* Read-only on the budgets: a SYN cookie's stand-in PCB on the stack
   * comes through here and must never be counted. */
  u32_t wnd = tcp_rcv_room(pcb);
#if LWIP_TCP_MEM_BUDGET
  if (wnd < pcb->rcv_wnd) {
    st.mem_rx_limited++;
  }
#endif
  /* Never more than the 16-bit window field carries: 65535 without window
   * scaling (RFC 7323 2.2), so what we offer is what the peer is told. */
  u8_t scale = (pcb->flags & TF_WND_SCALE) ? pcb->rcv_scale : 0U;
  wnd = LWIP_MIN(wnd, 0xffffUL << scale);
  u32_t new_right = pcb->rcv_nxt + wnd;
  u32_t threshold = LWIP_MIN((u32_t)(TCP_WND / 2U), (u32_t)pcb->rcv_mss);
  if (TCP_SEQ_GEQ(new_right, pcb->rcv_ann_right_edge + threshold)) {
    /* Enough room to be worth announcing (RFC 9293 3.8.6.2.2). */
    u32_t grew = new_right - pcb->rcv_ann_right_edge;
    pcb->rcv_ann_wnd = wnd;
    return grew;
  }
  /* Keep the right edge where we announced it; never shrink it. */
  pcb->rcv_ann_wnd = TCP_SEQ_GT(pcb->rcv_ann_right_edge, pcb->rcv_nxt) ? pcb->rcv_ann_right_edge - pcb->rcv_nxt : 0;
  return 0;
}

void tcp_recved(struct tcp_pcb *pcb, u16_t len)
{
  if (pcb == NULL || pcb->state == LISTEN) {
    return;
  }
  u32_t known = TCP_SEQ_GT(pcb->rcv_ann_right_edge, pcb->rcv_nxt) ? pcb->rcv_ann_right_edge - pcb->rcv_nxt : 0;
  pcb->rcv_wnd = LWIP_MIN(pcb->rcv_wnd + len, (u32_t)TCP_WND);
  tcp_mem_sync(pcb);
  u32_t grew = tcp_update_rcv_ann_wnd(pcb);
  /* Tell the peer at once only when the window it knows is less than half
   * of what we can offer now, so a sender held back by our window resumes.
   * Otherwise the larger window rides on the next ACK (Linux does the
   * same), which on a bulk transfer saves an ACK every segment or two.
   * The edge moved by at least min(TCP_WND / 2, rcv_mss) when grew is not
   * 0, and rcv_mss is never 0 past CLOSED (tcp_eff_mss of TCP_MSS). */
  if (grew != 0 && known < pcb->rcv_ann_wnd / 2U && pcb->state != CLOSED) {
#if LWIP_TCP_RX_BATCH
    if (st.batching) {
      pcb->flags |= TF_WND_UPDATE;
      tcp_batch_add(pcb);
      return;
    }
#endif
    pcb->flags |= TF_ACK_NOW;
    tcp_output(pcb);
  }
}

/* ---------------------------------------------------------------------- */
/* Receive batches                                                         */
/* ---------------------------------------------------------------------- */

#if LWIP_TCP_RX_BATCH

void tcp_batch_begin(void)
{
  st.batching = true;
}

bool tcp_batch_active(void)
{
  return st.batching;
}

void tcp_batch_add(struct tcp_pcb *pcb)
{
  if (!(pcb->flags & TF_BATCHED)) {
    pcb->flags |= TF_BATCHED;
    pcb->batch_next = st.batch_list;
    st.batch_list = pcb;
  }
}

static void tcp_batch_remove(struct tcp_pcb *pcb)
{
  pcb_list_remove(&st.batch_list, pcb, offsetof(struct tcp_pcb, batch_next));
  pcb->flags &= ~TF_BATCHED;
}

void tcp_batch_end(void)
{
  st.batching = false;
  while (st.batch_list != NULL) {
    struct tcp_pcb *pcb = st.batch_list;
    st.batch_list = pcb->batch_next;
    pcb->batch_next = NULL;
    bool owed = ((pcb->flags & TF_ACK_DELAY) && pcb->delack_segs >= 2U) || (pcb->flags & TF_WND_UPDATE);
    pcb->flags &= ~(TF_BATCHED | TF_WND_UPDATE);
    if (owed) {
      /* One cumulative ACK for everything the batch brought (RFC 5681
       * 4.2: still at least one per two full-sized segments of it). */
      pcb->flags |= TF_ACK_NOW;
      tcp_output(pcb);
    }
  }
}
#endif /* LWIP_TCP_RX_BATCH */

/* ---------------------------------------------------------------------- */
/* Timers                                                                  */
/* ---------------------------------------------------------------------- */

/* The give-up deadline (tcp_limits): from the moment sending stopped making
 * progress.  tcp_in.c clears stall_since whenever snd_una advances.  A zero
 * window counts too (@p counts is sending or stalled): unanswered probes
 * mean a vanished peer.  tcp_in.c restarts the clock on every answer unless
 * this is an orphan or the connection has its own user timeout. */
static void tcp_arm_giveup(struct tcp_pcb *pcb, u32_t now, bool counts)
{
  /* Handshakes have their own limits (TCP_SYNMAXRTX, SYN_RCVD timeout).
   * The limit is kept less one, unsigned: 0 ("none") then ranks above
   * every limit, and the shorter of two is their minimum. */
  u32_t limit_m1 = 0U - 1U;
  if (counts && !TCP_STATE_IN(pcb->state, TCP_STATE_BIT(SYN_SENT) | TCP_STATE_BIT(SYN_RCVD))) {
    limit_m1 = (pcb->user_timeout != 0 ? pcb->user_timeout : st.limits.user_timeout_ms) - 1U;
    /* An orphan takes the orphan timeout when it is the shorter one. */
    if ((pcb->flags & TF_RXCLOSED) &&
        TCP_STATE_IN(pcb->state, TCP_STATE_BIT(FIN_WAIT_1) | TCP_STATE_BIT(CLOSING) | TCP_STATE_BIT(LAST_ACK))) {
      limit_m1 = LWIP_MIN(limit_m1, st.limits.orphan_timeout_ms - 1U);
    }
  }
  u32_t limit = limit_m1 + 1U;
  if (limit == 0) {
    pcb->stall_since = 0;
    pcb->giveup_due = 0;
    return;
  }
  if (pcb->stall_since == 0) {
    pcb->stall_since = now != 0 ? now : 1U;
  }
  pcb->giveup_due = tcp_due(pcb->stall_since, limit);
}

void tcp_arm_timers(struct tcp_pcb *pcb)
{
  u32_t now = sys_now();
  /* Nothing in flight and the peer's window is closed, or too small for
   * the next segment: only the persist timer gets data moving again
   * (RFC 9293 3.8.6.1 zero-window probes, 3.8.6.2.1 the override timeout
   * of sender-side silly window avoidance). */
  bool stalled = pcb->unsent != NULL && pcb->unacked == NULL && !(pcb->unsent->flags & TCP_SYN) &&
                 pcb->snd_wnd < TCP_SEG_SEQLEN(pcb->unsent);
  bool sending = pcb->unacked != NULL || (pcb->unsent != NULL && !stalled);
  if (!sending) {
    pcb->rto_due = 0;
  } else if (pcb->rto_due == 0) {
    pcb->rto_due = tcp_due(now, pcb->rto);
  }
  if (stalled) {
    if (pcb->persist_due == 0) {
      pcb->persist_backoff = 0;
      pcb->persist_due = tcp_due(now, LWIP_MAX(pcb->rto, TCP_RTO_MIN_MS));
    }
  } else {
    pcb->persist_due = 0;
  }
  tcp_tlp_arm(pcb, now); /* after the RTO: a probe only comes before it */
  tcp_arm_giveup(pcb, now, sending || stalled);
  bool keepalive = ip_get_option(pcb, SOF_KEEPALIVE) &&
                   TCP_STATE_IN(pcb->state, TCP_STATE_BIT(ESTABLISHED) | TCP_STATE_BIT(CLOSE_WAIT));
  if (!keepalive) {
    pcb->keep_due = 0;
  } else if (pcb->keep_due == 0) {
    pcb->keep_due = tcp_due(now, pcb->keep_idle);
    pcb->keep_cnt_sent = 0;
  }
  /* tw_due: set by the caller entering TIME_WAIT; in FIN_WAIT_2 after
   * the application closed (when limited) and in SYN_RCVD, a time limit
   * from the first arming on; no meaning in the other states. */
  if (pcb->state == FIN_WAIT_2 || pcb->state == SYN_RCVD) {
    u32_t ms = pcb->state == SYN_RCVD       ? TCP_SYN_RCVD_TIMEOUT_MS
               : (pcb->flags & TF_RXCLOSED) ? st.limits.fin_wait_2_ms
                                            : 0U;
    if (pcb->tw_due == 0 && ms != 0) {
      pcb->tw_due = tcp_due(now, ms);
    }
  } else if (pcb->state != TIME_WAIT) {
    pcb->tw_due = 0;
  }
  tcp_timer_update(pcb);
}

/* Run the timers of @p pcb that are due at @p now, in a fixed order, then
 * re-arm them.  Every timer that ends the connection leaves through
 * "timeout" (given up: the soft ICMP error that explains the silence if
 * one came, RFC 5461 4, "report the soft error if the connection times
 * out", else plain ERR_ABRT) or "abandon". */
TCP_NOINLINE static void tcp_pcb_timers(struct tcp_pcb *pcb, u32_t now)
{
  bool rst = true;
  err_t err = ERR_ABRT;
  if (pcb->giveup_due != 0 && TCP_SEQ_LEQ(pcb->giveup_due, now)) {
    LWIP_LOG(TCP, INFO, "%u -> port %u: no progress for %lu ms in %s: reset", pcb->local_port, pcb->remote_port,
             (unsigned long)(now - pcb->stall_since), tcp_state_name(pcb->state));
    LWIP_DROP(TCP_GIVE_UP);
    goto timeout;
  }
  if (pcb->tw_due != 0 && TCP_SEQ_LEQ(pcb->tw_due, now)) {
    /* TIME_WAIT over, or FIN_WAIT_2 / SYN_RCVD given up. */
    if (pcb->state == TIME_WAIT) {
      rst = false;
      err = ERR_CLSD; /* an application that only shut down writing still holds it */
    } else {
      rst = pcb->state == SYN_RCVD;
    }
    goto abandon;
  }
  if (pcb->rto_due != 0 && TCP_SEQ_LEQ(pcb->rto_due, now)) {
    pcb->rto_due = 0;
    u8_t limit = (pcb->state == SYN_SENT || pcb->state == SYN_RCVD) ? TCP_SYNMAXRTX : TCP_MAXRTX;
    if (pcb->nrtx >= limit) {
      LWIP_LOG(TCP, INFO, "%u -> port %u: %u retransmissions unanswered", pcb->local_port, pcb->remote_port, pcb->nrtx);
      rst = pcb->state != SYN_SENT;
      goto timeout;
    }
    tcp_rexmit_rto(pcb);
  }
#if LWIP_TCP_RACK
  if (pcb->rack_due != 0 && TCP_SEQ_LEQ(pcb->rack_due, now)) {
    pcb->rack_due = 0;
    tcp_rack_timeout(pcb);
  }
  if (pcb->tlp_due != 0 && TCP_SEQ_LEQ(pcb->tlp_due, now)) {
    tcp_tlp_fire(pcb);
  }
#endif
  if (pcb->persist_due != 0 && TCP_SEQ_LEQ(pcb->persist_due, now)) {
    tcp_persist_fire(pcb);
    if (pcb->persist_backoff < 8U) { /* the interval stops doubling there */
      pcb->persist_backoff++;
    }
    u32_t ivl = LWIP_MIN(LWIP_MAX(pcb->rto, TCP_RTO_MIN_MS) << pcb->persist_backoff, TCP_PERSIST_MAX_MS);
    pcb->persist_due = tcp_due(now, ivl);
  }
  if (pcb->delack_due != 0 && TCP_SEQ_LEQ(pcb->delack_due, now)) {
    pcb->delack_due = 0;
    if (pcb->flags & TF_ACK_DELAY) {
      pcb->flags |= TF_ACK_NOW;
      tcp_output(pcb);
    }
  }
  if (pcb->refused_due != 0 && TCP_SEQ_LEQ(pcb->refused_due, now)) {
    pcb->refused_due = 0;
    if (!tcp_rcv_drain(pcb) || (pcb->flags & TF_ZOMBIE)) {
      return;
    }
    if (pcb->flags & TF_ACK_NOW) {
      tcp_output(pcb);
    }
  }
  if (pcb->keep_due != 0 && TCP_SEQ_LEQ(pcb->keep_due, now)) {
    if (pcb->keep_cnt_sent >= pcb->keep_cnt) {
      /* RFC 1122 4.2.3.6: no answer to the probes: the peer is gone. */
      goto abandon;
    }
    tcp_keepalive_probe(pcb);
    pcb->keep_cnt_sent++;
    pcb->keep_due = tcp_due(now, pcb->keep_intvl);
  }
  if (pcb->poll_due != 0 && TCP_SEQ_LEQ(pcb->poll_due, now)) {
    /* Deliver refused data again and retry a pending close; run poll. */
    pcb->poll_due = tcp_due(now, (u32_t)pcb->pollinterval * TCP_POLL_UNIT_MS);
    if (pcb->poll != NULL) {
      err_t e = pcb->poll(pcb->callback_arg, pcb);
      if (TCP_GONE(pcb, e)) {
        return;
      }
    }
  }
  tcp_arm_timers(pcb);
  return;
timeout:
  if (pcb->soft_err) {
    err = ERR_RTE;
  }
abandon:
  tcp_abandon(pcb, rst, err);
}

/* ---------------------------------------------------------------------- */
/* Introspection and address changes                                       */
/* ---------------------------------------------------------------------- */

void tcp_foreach(void (*fn)(struct tcp_pcb *pcb, void *arg), void (*lfn)(struct tcp_pcb_listen *l, void *arg),
                 void *arg)
{
  for (u32_t i = 0; fn != NULL && i < TCP_HASH_SIZE; i++) {
    struct tcp_pcb *p = st.conn_hash[i];
    while (p != NULL) {
      struct tcp_pcb *next = p->hnext;
      fn(p, arg);
      p = next;
    }
  }
  for (u32_t i = 0; lfn != NULL && i < TCP_LISTEN_HASH_SIZE; i++) {
    for (struct tcp_pcb_listen *l = st.listen_hash[i]; l != NULL; l = l->next) {
      lfn(l, arg);
    }
  }
}

void tcp_get_info(const struct tcp_pcb *pcb, struct tcp_conn_info *out)
{
  memset(out, 0, sizeof(*out));
  out->state = pcb->state;
  out->local_ip = pcb->local_ip;
  out->remote_ip = pcb->remote_ip;
  out->local_port = pcb->local_port;
  out->remote_port = pcb->remote_port;
#if LWIP_STATS
  /* The rest of the snapshot is for tools (lwipd's tcp.list, ss -ti's
   * fields): built with stats.  Without it only which connection this is
   * and its state are filled, the names are "" and the rest stays 0 from
   * the memset. */
  u32_t now = sys_now();
  out->snd_una = pcb->snd_una;
  out->snd_nxt = pcb->snd_nxt;
  out->rcv_nxt = pcb->rcv_nxt;
  out->send_q = pcb->snd_lbb - pcb->snd_una;
  out->unsent = pcb->snd_lbb - pcb->snd_nxt;
  out->recv_q = pcb->refused_data != NULL ? pcb->refused_data->tot_len : 0U;
  out->ooseq_bytes = pcb->ooseq_bytes;
  out->ooseq_segs = pcb->ooseq_segs;
  out->snd_queuelen = pcb->snd_queuelen;
  out->snd_wnd = pcb->snd_wnd;
  out->rcv_wnd = pcb->rcv_wnd;
  out->snd_buf = pcb->snd_buf;
  out->snd_room = tcp_snd_room(pcb);
  out->mss = pcb->mss;
  out->rcv_mss = pcb->rcv_mss;
  out->congestion = tcp_get_congestion(pcb);
  out->cwnd = pcb->cwnd;
  out->ssthresh = pcb->ssthresh;
#if LWIP_TCP_CUBIC
  out->cubic_wmax = pcb->cc_wmax;
  out->cubic_k_ms = pcb->cc_k_ms;
#endif
  out->ss_phase = tcp_cc_phase_name(pcb);
  /* What a build leaves out stays 0 from the memset: hystart, the
   * options' flags and shifts. */
#if LWIP_TCP_HYSTART
  out->hystart = pcb->hs_phase != TCP_HS_OFF && pcb->cwnd < pcb->ssthresh;
#endif
  out->srtt8 = pcb->srtt8;
  out->rttvar4 = pcb->rttvar4;
  out->rto_ms = pcb->rto;
  out->retransmits = pcb->nrtx;
  out->retransmits_total = pcb->rtx_total;
  out->dupacks = pcb->dupacks;
  out->in_recovery = (pcb->flags & TF_INFR) != 0;
  out->sacked_bytes = pcb->sacked_bytes;
  out->recovery = !(pcb->flags & TF_SACK) ? "newreno" : tcp_rack_on(pcb) ? "rack" : "dupthresh";
#if LWIP_TCP_RACK
  out->rack_rtt_ms = pcb->rack_rtt;
  out->rack_min_rtt_ms = pcb->rack_min_rtt == 0xffffffffU ? 0U : pcb->rack_min_rtt;
  out->rack_reo_wnd_ms = tcp_rack_on(pcb) ? tcp_rack_reo_wnd(pcb) : 0U;
  out->reordering_seen = (pcb->rack_flags & RACK_REORDER_SEEN) != 0;
  out->rack_lost = pcb->rack_lost_total;
  out->tlp_probes = pcb->tlp_total;
  out->tlp_repaired = pcb->tlp_repaired;
  out->dsacks = pcb->dsack_total;
#endif
  out->keep_cnt_sent = pcb->keep_cnt_sent;
  out->nodelay = (pcb->flags & TF_NODELAY) != 0;
#if LWIP_TCP_SACK
  out->sack = (pcb->flags & TF_SACK) != 0;
#endif
#if LWIP_TCP_TIMESTAMPS
  out->timestamps = (pcb->flags & TF_TIMESTAMP) != 0;
#endif
#if LWIP_TCP_WSCALE
  /* RFC 7323 2.2: the shifts only apply when both sides sent the option. */
  bool ws = (pcb->flags & TF_WND_SCALE) != 0;
  out->wscale = ws;
  out->snd_wscale = ws ? pcb->snd_scale : 0U;
  out->rcv_wscale = ws ? pcb->rcv_scale : 0U;
#endif
  out->ecn_mode = tcp_ecn_mode_name(tcp_get_ecn(pcb));
#if LWIP_TCP_ECN /* without it the state and counters stay 0 */
  out->ecn = (pcb->ecn & TCP_ECN_OK) != 0 && pcb->state != SYN_SENT;
  out->ecn_ece_latched = (pcb->ecn & TCP_ECN_ECE) != 0;
  out->ecn_cwr_pending = (pcb->ecn & TCP_ECN_CWR) != 0;
  out->ecn_ce_rcvd = pcb->ecn_ce_rcvd;
  out->ecn_reductions = pcb->ecn_reductions;
#endif
  out->user_timeout_ms = pcb->user_timeout != 0 ? pcb->user_timeout : st.limits.user_timeout_ms;
  out->stalled_ms = pcb->stall_since != 0 ? now - pcb->stall_since : 0U;
  out->gives_up = pcb->giveup_due != 0;
  out->gives_up_in_ms = out->gives_up && TCP_SEQ_GT(pcb->giveup_due, now) ? pcb->giveup_due - now : 0U;
  out->soft_err = pcb->soft_err;
  out->soft_icmp_type = pcb->soft_icmp_type;
  out->soft_icmp_code = pcb->soft_icmp_code;
#else
  out->congestion = out->ss_phase = out->recovery = out->ecn_mode = ""; /* strings, never NULL */
#endif /* LWIP_STATS */
}

/* RFC 5461 4 (and RFC 1122 4.2.3.9 for IPv4): the errors that say the
 * peer will never answer.  ICMPv6 Destination Unreachable codes 1
 * (administratively prohibited) and 4 (port unreachable), Parameter
 * Problem code 1 (unrecognized Next Header); ICMP protocol and port
 * unreachable and administratively prohibited (codes 2, 3, 9, 10, 13). */
static bool tcp_icmp_hard(const struct ip_icmp_err *e)
{
#if LWIP_IPV6 /* without it no ICMPv6 error reaches us */
  if (IP_IS_V6_VAL(e->dest)) {
    return (e->type == 1U && (e->code == 1U || e->code == 4U)) || (e->type == 4U && e->code == 1U);
  }
#endif
  return e->type == 3U && (e->code == 2U || e->code == 3U || e->code == 9U || e->code == 10U || e->code == 13U);
}

bool tcp_icmp_error(const struct ip_icmp_err *e)
{
  LWIP_ASSERT("tcp_icmp_error: args", e != NULL);
  struct tcp_pcb *pcb = tcp_lookup(&e->src, e->sport, &e->dest, e->dport);
  if (pcb == NULL) {
    return false;
  }
  /* RFC 5927 4.1: the quoted segment must be one still in flight, so a
   * blind attacker has to guess the window as for a RST. */
  if (TCP_SEQ_LT(e->tcp_seq, pcb->snd_una) || TCP_SEQ_GT(e->tcp_seq, pcb->snd_max)) {
    LWIP_DROP(TCP_ICMP_BAD_SEQ);
    return true;
  }
#if LWIP_IPV6
  /* Only ICMPv6 says ERR_BUF.  IPv4 sends without DF, so routers
   * fragment what does not fit the path (RFC 791), keeps no path MTU
   * (RFC 1191 discovery is optional), and icmp.c takes "fragmentation
   * needed" for a soft error like the rest: an IPv4-only build has no
   * caller of tcp_pmtu_changed. */
  if (e->err == ERR_BUF) {
    /* Packet Too Big: the path MTU cache is already lower (icmp6.c). */
    tcp_pmtu_changed(pcb);
    return true;
  }
#endif
  if (pcb->state == SYN_SENT && tcp_icmp_hard(e)) {
    LWIP_LOG(TCP, INFO, "%u -> %s:%u: ICMP type %u code %u, connection aborted", pcb->local_port,
             ipaddr_ntoa(&pcb->remote_ip), pcb->remote_port, e->type, e->code);
    tcp_abandon(pcb, false, e->err == ERR_RST ? ERR_RST : ERR_RTE);
    return true;
  }
  /* Soft error, or any error once synchronized (RFC 5461 4): the
   * retransmission timer decides, and the error is kept so that a
   * connection that then times out reports it (RFC 1122 4.2.3.9). */
  pcb->soft_err = true;
  pcb->soft_icmp_type = e->type;
  pcb->soft_icmp_code = e->code;
  LWIP_LOG(TCP, DEBUG, "%u -> %s:%u: ICMP type %u code %u (soft)", pcb->local_port, ipaddr_ntoa(&pcb->remote_ip),
           pcb->remote_port, e->type, e->code);
  return true;
}

#if LWIP_IPV6
void tcp_pmtu_changed(struct tcp_pcb *pcb)
{
  if (pcb->state == LISTEN || pcb->state == CLOSED) {
    return;
  }
  /* The route's MSS (path MTU less headers), less the timestamp option
   * every segment carries; never above what the peer announced. */
  u16_t path = tcp_eff_mss(0xffffU, &pcb->local_ip, &pcb->remote_ip);
  if (pcb->flags & TF_TIMESTAMP) {
    path = (u16_t)(path > 64U + 12U ? path - 12U : 64U);
  }
  path = LWIP_MAX(path, 64U);
  if (path >= pcb->mss) {
    return;
  }
  LWIP_LOG(TCP, INFO, "%u -> %s:%u: path MTU lowers the MSS %u -> %u", pcb->local_port, ipaddr_ntoa(&pcb->remote_ip),
           pcb->remote_port, pcb->mss, path);
  pcb->mss = path;
  tcp_mss_lowered(pcb);
}
#endif /* LWIP_IPV6 */

void tcp_netif_ip_addr_changed(const ip_addr_t *old_addr, const ip_addr_t *new_addr)
{
  LWIP_UNUSED_ARG(new_addr);
  if (old_addr == NULL || IP_IS_ANY_TYPE_VAL(*old_addr) || ip_addr_isany(old_addr)) {
    return;
  }
  /* Connections from an address we no longer have cannot continue. */
  for (u32_t i = 0; i < TCP_HASH_SIZE; i++) {
    struct tcp_pcb *p = st.conn_hash[i];
    while (p != NULL) {
      struct tcp_pcb *next = p->hnext;
      if (listen_addr_match(old_addr, &p->local_ip)) {
        tcp_abandon(p, true, ERR_ABRT);
        next = st.conn_hash[i]; /* the chain changed: start the bucket again */
      }
      p = next;
    }
  }
}

#endif /* LWIP_TCP */
