/**
 * @file iperf.c
 * The iperf 2 and iperf3 engines (lwip/apps/iperf.h): servers and clients,
 * TCP and UDP, reverse and parallel streams, iperf 2's server report and
 * iperf3's control protocol.  Clocks, CPU figures and the JSON blocks of
 * iperf3 come from the host's struct iperf_ops; what the engine measures
 * goes back through it (test_started, interval, record).
 *
 * Sessions are not tied to whatever started them: they run until they end
 * or iperf_stop(); their figures stay in the struct until then.
 */
#include "lwip/apps/iperf.h"

#include <limits.h>
#include <string.h>

#include "lwip/debug.h"
#include "lwip/mem.h"
#include "lwip/pbuf.h"
#include "lwip/port.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "lwip/prot/wire.h"

#if LWIP_TCP && LWIP_UDP

#define CTL_RX_MAX 65536U
/* The data pattern: long enough that no write is cut by it before the
 * send buffer cuts it (so segmentation does not depend on it). */
#if TCP_SND_BUF + 10 < 65535
#define PATTERN_LEN ((u32_t)TCP_SND_BUF + 10U)
#else
#define PATTERN_LEN 65535U
#endif
#define PATTERN_PERIOD 10U

/* iperf3's state messages (one byte on the control connection). */
enum {
  TEST_START = 1,
  TEST_RUNNING = 2,
  TEST_END = 4,
  PARAM_EXCHANGE = 9,
  CREATE_STREAMS = 10,
  SERVER_TERMINATE = 11,
  CLIENT_TERMINATE = 12,
  EXCHANGE_RESULTS = 13,
  DISPLAY_RESULTS = 14,
  IPERF_DONE = 16,
  SERVER_ERROR = 0xfe,  /* -2 as a signed byte, followed by two 32-bit codes */
  ACCESS_DENIED = 0xff, /* -1: the server is busy with another test */
};

/* The UDP stream handshake of iperf3 3.x: the client's datagram and the
 * server's answer, as the bytes appear on the wire. */
static const u8_t udp_hello[4] = {0x39, 0x38, 0x37, 0x36};
static const u8_t udp_reply[4] = {0x36, 0x37, 0x38, 0x39};

/* iperf 2 server report header flags. */
#define V2_HEADER_VERSION1 0x80000000U
#define V2_HEADER_SEQNO64B 0x08000000U
#define V2_FIN_TRIES 10 /* "no server report after 10 end datagrams" says it too */

static u8_t pattern[PATTERN_LEN];

static void flow_free(struct iperf_flow *f, bool abort_tcp);
static void test_teardown(struct iperf_session *s, bool abort_tcp);
static void ivl_tick(void *arg);
static void pace_tick(void *arg);
static void end_tick(void *arg);
static void finish_later(void *arg);
static void v2_fin_tick(void *arg);
static void reap_tick(void *arg);
static void v2_record(struct iperf_session *s, struct iperf_flow *f);

/* ---------------------------------------------------------------------- */
/* Time and small helpers                                                  */
/* ---------------------------------------------------------------------- */

static uint64_t mono_us(const struct iperf_session *s)
{
  return s->ops->now_us(s->ops_ctx);
}

/* Wall-clock time for datagram timestamps: the peer only ever subtracts
 * them from each other, so any steady clock works; iperf uses this one. */
static void wall_now(const struct iperf_session *s, u32_t *sec, u32_t *usec)
{
  if (s->ops->wall_time != NULL) {
    uint32_t a, b;
    s->ops->wall_time(s->ops_ctx, &a, &b);
    *sec = a;
    *usec = b;
    return;
  }
  uint64_t now = mono_us(s);
  *sec = (u32_t)(now / 1000000U);
  *usec = (u32_t)(now % 1000000U);
}

double iperf_secs(uint64_t from_us, uint64_t to_us)
{
  return to_us > from_us ? (double)(to_us - from_us) / 1e6 : 0.0;
}

double iperf_rate(uint64_t bytes, double seconds)
{
  return seconds > 0 ? (double)bytes * 8.0 / seconds : 0.0;
}

static void set_error(struct iperf_session *s, const char *a, const char *b)
{
  size_t n = strlen(a);
  if (n >= sizeof(s->error)) {
    n = sizeof(s->error) - 1;
  }
  memcpy(s->error, a, n);
  size_t m = b != NULL ? strlen(b) : 0;
  if (m > sizeof(s->error) - 1 - n) {
    m = sizeof(s->error) - 1 - n;
  }
  if (m > 0) {
    memcpy(s->error + n, b, m);
  }
  s->error[n + m] = '\0';
  LWIP_LOG(APP, INFO, "iperf %d: %s", s->id, s->error);
}

void iperf_set_error(struct iperf_session *s, const char *msg)
{
  if (s != NULL && s->error[0] == '\0') {
    set_error(s, msg, NULL);
  }
}

static void pattern_init(void)
{
  if (pattern[1] != 0) {
    return;
  }
  /* Digits, as iperf 2 fills its buffers: compressible links are not our
   * concern here, and a readable capture helps. */
  for (u32_t i = 0; i < PATTERN_LEN; i++) {
    pattern[i] = (u8_t)('0' + i % PATTERN_PERIOD);
  }
}

/* Heap helpers: the core heap has no realloc. */
static void *heap_grow(void *old, u32_t old_len, u32_t new_len)
{
  void *p = mem_malloc((mem_size_t)new_len);
  if (p != NULL && old != NULL) {
    memcpy(p, old, old_len);
    mem_free(old);
  }
  return p;
}

/* ---------------------------------------------------------------------- */
/* Flows                                                                   */
/* ---------------------------------------------------------------------- */

static struct iperf_flow *flow_new(struct iperf_session *s, enum iperf_flow_kind kind)
{
  struct iperf_flow *f = (struct iperf_flow *)mem_malloc(sizeof(*f));
  if (f == NULL) {
    return NULL;
  }
  memset(f, 0, sizeof(*f));
  f->s = s;
  f->kind = kind;
  /* Appended, so streams are listed in the order they were opened. */
  struct iperf_flow **pp = &s->flows;
  while (*pp != NULL) {
    pp = &(*pp)->next;
  }
  *pp = f;
  return f;
}

static void tcp_detach(struct tcp_pcb *pcb)
{
  tcp_arg(pcb, NULL);
  tcp_recv(pcb, NULL);
  tcp_sent(pcb, NULL);
  tcp_err(pcb, NULL);
  tcp_poll(pcb, NULL, 0);
}

/* Close (or abort) the flow's connection and free it.  Never called from
 * inside that connection's own callbacks (those defer to a timer). */
static void flow_free(struct iperf_flow *f, bool abort_tcp)
{
  struct iperf_session *s = f->s;
  for (struct iperf_flow **pp = &s->flows; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == f) {
      *pp = f->next;
      break;
    }
  }
  if (s->ctl == f) {
    s->ctl = NULL;
  }
  if (f->tcp != NULL) {
    struct tcp_pcb *pcb = f->tcp;
    tcp_detach(pcb);
    if (abort_tcp || tcp_close(pcb) != ERR_OK) {
      tcp_abort(pcb);
    }
  }
  if (f->own_udp && f->udp != NULL) {
    udp_remove(f->udp);
  }
  if (f->rx != NULL) {
    mem_free(f->rx);
  }
  if (f->txq != NULL) {
    mem_free(f->txq);
  }
  mem_free(f);
}

static struct iperf_flow *flow_by_peer(struct iperf_session *s, const ip_addr_t *addr, u16_t port)
{
  for (struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind == IPERF_FLOW_UDP && f->peer_port == port && ip_addr_eq(&f->peer, addr)) {
      return f;
    }
  }
  return NULL;
}

static int data_flows(const struct iperf_session *s)
{
  int n = 0;
  for (const struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    n += f->kind == IPERF_FLOW_TCP || f->kind == IPERF_FLOW_UDP;
  }
  return n;
}

/* Receiver side of a UDP datagram: sequence accounting as iperf does it
 * (a gap counts as lost, a late one undoes one loss and counts out of
 * order) and the RFC 3550 jitter of transit times. */
static void udp_account(struct iperf_flow *f, int64_t seq, u32_t sec, u32_t usec, u16_t len)
{
  const struct iperf_session *s = f->s;
  uint64_t now = mono_us(s);
  if (f->packets == 0 && f->first_us == 0) {
    f->first_us = now;
  }
  f->last_us = now;
  f->s->activity_us = now;
  f->bytes += len;
  f->ivl_bytes += len;
  f->packets++;
  f->ivl_packets++;
  if (seq > f->max_seq) {
    if (seq > f->max_seq + 1) {
      f->lost += (uint64_t)(seq - f->max_seq - 1);
    }
    f->max_seq = seq;
  } else {
    f->ooo++;
    if (f->lost > 0) {
      f->lost--;
    }
  }
  u32_t ns, nu;
  wall_now(s, &ns, &nu);
  double transit = ((double)ns - (double)sec) + ((double)nu - (double)usec) / 1e6;
  if (f->have_transit) {
    double d = transit - f->prev_transit;
    if (d < 0) {
      d = -d;
    }
    f->jitter += (d - f->jitter) / 16.0;
  }
  f->prev_transit = transit;
  f->have_transit = true;
}

/* ---------------------------------------------------------------------- */
/* Control connection output                                               */
/* ---------------------------------------------------------------------- */

static void ctl_flush(struct iperf_flow *f)
{
  if (f->tcp == NULL || f->txq_len == 0) {
    return;
  }
  u32_t n = LWIP_MIN(f->txq_len, (u32_t)tcp_sndbuf(f->tcp));
  if (n > 0 && tcp_write(f->tcp, f->txq, (u16_t)n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
    memmove(f->txq, f->txq + n, f->txq_len - n);
    f->txq_len -= n;
  }
  tcp_output(f->tcp);
}

static bool ctl_send(struct iperf_flow *f, const void *data, u32_t len)
{
  u8_t *q = (u8_t *)heap_grow(f->txq, f->txq_len, f->txq_len + len);
  if (q == NULL) {
    return false;
  }
  f->txq = q;
  memcpy(q + f->txq_len, data, len);
  f->txq_len += len;
  ctl_flush(f);
  return true;
}

static bool ctl_state(struct iperf_session *s, u8_t state)
{
  s->t_state = state;
  return s->ctl != NULL && ctl_send(s->ctl, &state, 1);
}

/* A JSON block: its length as 4 bytes big-endian, then the text the
 * host's encoder wrote for params (or, when NULL, for results). */
static bool ctl_json(struct iperf_flow *f, const struct iperf3_params *params, const struct iperf3_results *results)
{
  const struct iperf_session *s = f->s;
  char small[1];
  long need = params != NULL ? s->ops->encode_params(s->ops_ctx, params, small, 0)
                             : s->ops->encode_results(s->ops_ctx, results, small, 0);
  if (need < 0 || (unsigned long)need > CTL_RX_MAX) {
    return false;
  }
  char *text = (char *)mem_malloc((mem_size_t)need + 1U);
  if (text == NULL) {
    return false;
  }
  long n = params != NULL ? s->ops->encode_params(s->ops_ctx, params, text, (size_t)need + 1U)
                          : s->ops->encode_results(s->ops_ctx, results, text, (size_t)need + 1U);
  bool ok = false;
  if (n == need) {
    u8_t hdr[4];
    put_be32(hdr, (u32_t)n);
    ok = ctl_send(f, hdr, 4) && ctl_send(f, text, (u32_t)n);
  }
  mem_free(text);
  return ok;
}

/* ---------------------------------------------------------------------- */
/* Sending data                                                            */
/* ---------------------------------------------------------------------- */

/* The byte budget of a paced sender: what the rate allows by now. */
static uint64_t pace_budget(const struct iperf_session *s, uint64_t now)
{
  if (s->t_bw == 0) {
    return UINT64_MAX;
  }
  double allowed = (double)s->t_bw / 8.0 * iperf_secs(s->start_us, now);
  return (uint64_t)allowed + s->t_len;
}

static void tcp_fill(struct iperf_flow *f)
{
  struct iperf_session *s = f->s;
  if (f->tcp == NULL || !s->running || !f->sender) {
    return;
  }
  uint64_t budget = pace_budget(s, mono_us(s));
  bool any = false;
  while (tcp_sndbuf(f->tcp) >= LWIP_MIN(1024U, (u32_t)TCP_SND_BUF) && f->bytes < budget) {
    u32_t n = LWIP_MIN((u32_t)tcp_sndbuf(f->tcp), PATTERN_LEN);
    if (budget != UINT64_MAX) {
      n = (u32_t)LWIP_MIN((uint64_t)n, budget - f->bytes);
    }
    /* The pattern is static, so the stack may refer to it until it is
     * acknowledged instead of copying it. */
    if (tcp_write(f->tcp, pattern + (f->bytes % 10U), (u16_t)LWIP_MIN(n, PATTERN_LEN - 10U), TCP_WRITE_FLAG_MORE) !=
        ERR_OK) {
      break;
    }
    n = LWIP_MIN(n, PATTERN_LEN - 10U);
    f->bytes += n;
    f->ivl_bytes += n;
    any = true;
  }
  if (any) {
    tcp_output(f->tcp);
  }
}

/* One datagram in the sender's format: iperf3 (sec, usec, seq) or iperf 2
 * (seq, sec, usec, upper seq, then a zero header: no options asked). */
static err_t udp_emit(struct iperf_flow *f, int64_t seq)
{
  struct iperf_session *s = f->s;
  u16_t len = (u16_t)s->t_len;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_RAM);
  if (p == NULL) {
    return ERR_MEM;
  }
  u8_t *m = (u8_t *)p->payload;
  u32_t sec, usec;
  wall_now(s, &sec, &usec);
  if (s->version == 3) {
    /* The pattern repeats every PATTERN_PERIOD bytes: copy it in whole
     * periods when a datagram is longer than it. */
    const u32_t chunk = PATTERN_LEN - PATTERN_LEN % PATTERN_PERIOD;
    for (u32_t off = 0; off < len - 12U; off += chunk) {
      memcpy(m + 12 + off, pattern, LWIP_MIN(chunk, len - 12U - off));
    }
    put_be32(m, sec);
    put_be32(m + 4, usec);
    put_be32(m + 8, (u32_t)seq);
  } else {
    memset(m, 0, len);
    put_be32(m, (u32_t)(seq & 0xffffffff));
    put_be32(m + 4, sec);
    put_be32(m + 8, usec);
    put_be32(m + 12, (u32_t)((uint64_t)seq >> 32));
  }
  err_t err = f->own_udp ? udp_send(f->udp, p) : udp_sendto(f->udp, p, &f->peer, f->peer_port);
  pbuf_free(p);
  return err;
}

static void udp_fill(struct iperf_flow *f, uint64_t now)
{
  struct iperf_session *s = f->s;
  uint64_t budget = pace_budget(s, now);
  for (int burst = 0; burst < 512 && f->bytes + s->t_len <= budget; burst++) {
    err_t err = udp_emit(f, (int64_t)f->next_seq + 1);
    if (err != ERR_OK) {
      break; /* out of buffers: try again at the next tick */
    }
    f->next_seq++;
    s->activity_us = now;
    f->bytes += s->t_len;
    f->ivl_bytes += s->t_len;
    f->packets++;
    f->ivl_packets++;
  }
}

static void pace_tick(void *arg)
{
  struct iperf_session *s = (struct iperf_session *)arg;
  if (!s->running) {
    return;
  }
  uint64_t now = mono_us(s);
  for (struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    if (!f->sender) {
      continue;
    }
    if (f->kind == IPERF_FLOW_UDP) {
      udp_fill(f, now);
    } else if (f->kind == IPERF_FLOW_TCP) {
      tcp_fill(f);
    }
  }
  sys_timeout(1, pace_tick, s);
}

/* ---------------------------------------------------------------------- */
/* Intervals and results                                                   */
/* ---------------------------------------------------------------------- */

/* Close the running interval: per-stream and summed figures, as iperf3's
 * "intervals" entries. */
static void interval_close(struct iperf_session *s, uint64_t now)
{
  double t0 = iperf_secs(s->start_us, s->ivl_start_us), t1 = iperf_secs(s->start_us, now);
  if (t1 - t0 < 0.01) {
    return;
  }
  struct iperf_interval ivl;
  memset(&ivl, 0, sizeof(ivl));
  ivl.start = t0;
  ivl.end = t1;
  ivl.udp = s->t_udp;
  double jit = 0;
  int n = 0;
  for (struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind != IPERF_FLOW_TCP && f->kind != IPERF_FLOW_UDP) {
      continue;
    }
    struct iperf_interval_stream *o = &ivl.streams[n < IPERF_MAX_STREAMS ? n : IPERF_MAX_STREAMS - 1];
    o->id = f->id;
    o->sender = f->sender;
    o->bytes = f->ivl_bytes;
    if (s->t_udp) {
      uint64_t lost = f->sender ? 0 : f->lost - LWIP_MIN(f->lost, f->ivl_lost0);
      uint64_t pk = f->sender ? f->ivl_packets : f->ivl_packets + lost;
      o->packets = pk;
      o->lost = lost;
      o->jitter_s = f->jitter;
      ivl.sum.packets += pk;
      ivl.sum.lost += lost;
      jit += f->jitter;
    }
    ivl.sum.bytes += f->ivl_bytes;
    ivl.sum.sender = f->sender;
    n++;
    f->ivl_bytes = f->ivl_packets = 0;
    f->ivl_lost0 = f->lost;
  }
  ivl.nstreams = n < IPERF_MAX_STREAMS ? n : IPERF_MAX_STREAMS;
  ivl.sum.jitter_s = n ? jit / n : 0.0;
  if (s->ops->interval != NULL) {
    s->ops->interval(s->ops_ctx, s, &ivl);
  }
  s->ivl_start_us = now;
}

static void ivl_tick(void *arg)
{
  struct iperf_session *s = (struct iperf_session *)arg;
  if (!s->running) {
    return;
  }
  uint64_t now = mono_us(s);
  if (now - s->ivl_start_us >= 900000U) {
    interval_close(s, now);
  }
  sys_timeout((u32_t)((s->ivl_start_us + 1000000U - LWIP_MIN(now, s->ivl_start_us + 999000U)) / 1000U), ivl_tick, s);
}

/* The same deadlines, checked as data moves: under a flood of frames
 * the daemon's loop may run timers late, and an interval or a test must
 * still end on time. */
static void deadline_poll(struct iperf_session *s)
{
  if (!s->running) {
    return;
  }
  uint64_t now = mono_us(s);
  if (now - s->ivl_start_us >= 1000000U) {
    interval_close(s, now);
  }
  if (s->end_due_us != 0 && now >= s->end_due_us) {
    s->end_due_us = 0;
    end_tick(s);
  }
}

static void cpu_measure(struct iperf_session *s, uint64_t wall_us)
{
  if (s->ops->cpu_time == NULL) {
    return;
  }
  struct iperf_cpu c;
  s->ops->cpu_time(s->ops_ctx, &c);
  double u = (double)(c.user_sec - s->cpu0.user_sec) + (double)(c.user_usec - s->cpu0.user_usec) / 1e6;
  double sy = (double)(c.sys_sec - s->cpu0.sys_sec) + (double)(c.sys_usec - s->cpu0.sys_usec) / 1e6;
  double w = wall_us > 0 ? (double)wall_us / 1e6 : 1.0;
  s->cpu_user = 100.0 * u / w;
  s->cpu_system = 100.0 * sy / w;
  s->cpu_total = s->cpu_user + s->cpu_system;
}

/* Our half of EXCHANGE_RESULTS. */
static void local_results(struct iperf_session *s, struct iperf3_results *r)
{
  memset(r, 0, sizeof(*r));
  bool sending = false;
  double dur = iperf_secs(s->start_us, s->end_us);
  for (struct iperf_flow *f = s->flows; f != NULL && r->nstreams < IPERF_MAX_STREAMS; f = f->next) {
    if (f->kind != IPERF_FLOW_TCP && f->kind != IPERF_FLOW_UDP) {
      continue;
    }
    sending = f->sender;
    struct iperf3_stream_result *o = &r->streams[r->nstreams++];
    o->id = f->id;
    o->bytes = f->bytes;
    o->retransmits = f->sender && !s->t_udp ? 0 : -1;
    o->jitter = f->sender ? 0.0 : f->jitter;
    o->errors = f->sender ? 0 : f->lost;
    o->packets = f->sender ? f->packets : (uint64_t)(f->max_seq > 0 ? f->max_seq : 0);
    o->end_time = dur;
  }
  r->cpu_util_total = s->cpu_total;
  r->cpu_util_user = s->cpu_user;
  r->cpu_util_system = s->cpu_system;
  r->sender_has_retransmits = sending && !s->t_udp ? 0 : -1;
}

/* ---------------------------------------------------------------------- */
/* Test life cycle (iperf3, and iperf 2 clients)                          */
/* ---------------------------------------------------------------------- */

/* Only a rate-limited or UDP sender needs the millisecond tick; TCP at
 * full speed is driven by its sent callback. */
static bool pacing_needed(const struct iperf_session *s)
{
  for (const struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    if (f->sender && (f->kind == IPERF_FLOW_UDP || (f->kind == IPERF_FLOW_TCP && s->t_bw != 0))) {
      return true;
    }
  }
  return false;
}

static void test_start_running(struct iperf_session *s)
{
  s->running = true;
  s->start_us = s->ivl_start_us = mono_us(s);
  memset(&s->cpu0, 0, sizeof(s->cpu0));
  if (s->ops->cpu_time != NULL) {
    s->ops->cpu_time(s->ops_ctx, &s->cpu0);
  }
  s->state = "running";
  if (s->ops->test_started != NULL) {
    s->ops->test_started(s->ops_ctx, s);
  }
  sys_timeout(1000, ivl_tick, s);
  if (pacing_needed(s)) {
    sys_timeout(1, pace_tick, s);
  }
  for (struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind == IPERF_FLOW_TCP && f->sender) {
      tcp_fill(f);
    }
  }
}

/* Stop sending and take the final figures. */
static void test_stop_running(struct iperf_session *s)
{
  if (!s->running) {
    return;
  }
  s->running = false;
  s->end_us = mono_us(s);
  interval_close(s, s->end_us);
  cpu_measure(s, s->end_us - s->start_us);
  sys_untimeout(ivl_tick, s);
  sys_untimeout(pace_tick, s);
  sys_untimeout(end_tick, s);
  s->end_due_us = 0;
}

/* Release everything the test holds; the session (a server) stays. */
static void test_teardown(struct iperf_session *s, bool abort_tcp)
{
  test_stop_running(s);
  sys_untimeout(finish_later, s);
  sys_untimeout(v2_fin_tick, s);
  struct iperf_flow **pp = &s->flows;
  while (*pp != NULL) {
    struct iperf_flow *f = *pp;
    /* iperf 2 servers keep their unrelated flows. */
    if (s->version == 2 && s->server && f->kind != IPERF_FLOW_PENDING) {
      pp = &f->next;
      continue;
    }
    flow_free(f, abort_tcp);
  }
  s->ctl = NULL;
  s->t_state = 0;
  s->expect_json = false;
  s->ended = false;
  s->t_opened = 0;
  s->have_remote = false;
  memset(&s->remote3, 0, sizeof(s->remote3));
  memset(&s->remote2, 0, sizeof(s->remote2));
}

static void record_result(struct iperf_session *s)
{
  if (s->ops->record != NULL) {
    s->ops->record(s->ops_ctx, s, NULL);
  }
  s->tests++;
}

/* End of a test, from a timer (never inside a PCB's callback): record
 * the result if there is one, free the test, and for a client end. */
static void finish_later(void *arg)
{
  struct iperf_session *s = (struct iperf_session *)arg;
  test_stop_running(s);
  if (s->start_us != 0) {
    record_result(s);
    s->last_elapsed = iperf_secs(s->start_us, s->end_us);
  }
  test_teardown(s, s->error[0] != '\0');
  s->start_us = 0;
  if (s->server) {
    s->state = "listening";
  } else {
    s->state = s->error[0] != '\0' ? "failed" : "done";
  }
}

static void test_fail(struct iperf_session *s, const char *why)
{
  if (s->error[0] == '\0') {
    set_error(s, why, NULL);
  }
  sys_untimeout(finish_later, s);
  sys_timeout(0, finish_later, s);
}

static void test_done(struct iperf_session *s)
{
  sys_untimeout(finish_later, s);
  sys_timeout(0, finish_later, s);
}

/* ---------------------------------------------------------------------- */
/* TCP callbacks shared by every flow                                      */
/* ---------------------------------------------------------------------- */

static void ctl_input(struct iperf_flow *f);
static void pending_decide(struct iperf_flow *f);

static err_t flow_gone(struct iperf_flow *f, bool by_peer)
{
  struct iperf_session *s = f->s;
  f->closed = true;
  if (f->kind == IPERF_FLOW_CTL && s->ctl == f && !s->server && s->t_state == 0) {
    test_fail(s, by_peer ? "the server closed the connection at once" : "could not connect (refused or reset)");
  } else if (f->kind == IPERF_FLOW_CTL && s->ctl == f) {
    if (s->t_state == DISPLAY_RESULTS || s->t_state == IPERF_DONE) {
      test_done(s);
    } else {
      test_fail(s, by_peer ? "the peer closed the control connection" : "the control connection was reset");
    }
  } else if (f->kind == IPERF_FLOW_TCP && s->version == 2 && s->server) {
    /* One iperf 2 client finished: its figures go to the results, the
     * flow itself is freed from a timer. */
    v2_record(s, f);
    if (f->tcp != NULL) {
      tcp_detach(f->tcp);
      if (tcp_close(f->tcp) != ERR_OK) {
        tcp_abort(f->tcp);
        f->tcp = NULL;
        sys_timeout(0, reap_tick, s);
        return ERR_ABRT;
      }
      f->tcp = NULL;
    }
    sys_timeout(0, reap_tick, s);
    s->state = "listening";
  } else if (!s->server && s->start_us == 0) {
    test_fail(s, by_peer ? "the server closed the connection" : "could not connect (refused or reset)");
  } else if (f->kind == IPERF_FLOW_TCP && s->version == 2) {
    test_done(s); /* the server went away: end the test */
  }
  return ERR_OK;
}

static void flow_err(void *arg, err_t err)
{
  struct iperf_flow *f = (struct iperf_flow *)arg;
  if (f == NULL) {
    return;
  }
  LWIP_LOG(APP, DEBUG, "iperf %d: connection gone (%s)", f->s->id, lwip_err_name(err));
  f->tcp = NULL; /* already freed by the stack */
  if (f->kind == IPERF_FLOW_PENDING) {
    /* Nothing was decided about it yet: drop it, from a timer. */
    f->closed = true;
    sys_timeout(0, reap_tick, f->s);
    return;
  }
  (void)flow_gone(f, false);
}

static err_t flow_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  struct iperf_flow *f = (struct iperf_flow *)arg;
  (void)err;
  if (f == NULL) {
    if (p != NULL) {
      tcp_recved(pcb, p->tot_len);
      pbuf_free(p);
    }
    return ERR_OK;
  }
  f->s->activity_us = mono_us(f->s);
  if (p == NULL) {
    return flow_gone(f, true);
  }
  u16_t len = p->tot_len;
  if (f->kind == IPERF_FLOW_TCP) {
    if (f->first_us == 0) {
      f->first_us = mono_us(f->s);
    }
    f->last_us = mono_us(f->s);
    f->bytes += len;
    f->ivl_bytes += len;
    deadline_poll(f->s);
  } else if (f->kind == IPERF_FLOW_PENDING && f->cookie_len < IPERF_COOKIE_LEN) {
    u16_t n = (u16_t)LWIP_MIN((u32_t)len, IPERF_COOKIE_LEN - f->cookie_len);
    pbuf_copy_partial(p, f->cookie + f->cookie_len, n, 0);
    f->cookie_len += n;
    f->bytes += len - n;
    if (f->cookie_len == IPERF_COOKIE_LEN) {
      pending_decide(f);
    }
  } else if (f->kind == IPERF_FLOW_CTL) {
    if (f->rx_len + len > CTL_RX_MAX) {
      pbuf_free(p);
      test_fail(f->s, "control message too long");
      return ERR_OK;
    }
    u8_t *b = (u8_t *)heap_grow(f->rx, f->rx_len, f->rx_len + len);
    if (b == NULL) {
      return ERR_MEM; /* the stack offers it again */
    }
    f->rx = b;
    pbuf_copy_partial(p, b + f->rx_len, len, 0);
    f->rx_len += len;
    ctl_input(f);
  }
  tcp_recved(pcb, len);
  pbuf_free(p);
  return ERR_OK;
}

static err_t flow_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  struct iperf_flow *f = (struct iperf_flow *)arg;
  (void)pcb;
  (void)len;
  if (f == NULL) {
    return ERR_OK;
  }
  f->s->activity_us = mono_us(f->s);
  if (f->txq_len > 0) {
    ctl_flush(f);
  }
  if (f->kind == IPERF_FLOW_TCP && f->sender) {
    deadline_poll(f->s);
    tcp_fill(f);
  }
  return ERR_OK;
}

/* A peer that goes silent without closing (unplugged, suspended, or a
 * client that connects and says nothing) must not hold a server or a
 * client forever: after idle_s seconds without traffic the test fails
 * and its connections are aborted. */
static err_t flow_poll(void *arg, struct tcp_pcb *pcb)
{
  struct iperf_flow *f = (struct iperf_flow *)arg;
  (void)pcb;
  if (f == NULL) {
    return ERR_OK;
  }
  struct iperf_session *s = f->s;
  uint64_t now = mono_us(s), idle = (uint64_t)s->idle_s * 1000000U;
  if (f->kind == IPERF_FLOW_PENDING && !f->closed && now - f->first_us > idle) {
    f->closed = true;
    sys_timeout(0, reap_tick, s);
  } else if (f == s->ctl && s->error[0] == '\0' && now - s->activity_us > idle) {
    test_fail(s, "no traffic from the peer: it went silent");
  } else if (s->version == 2 && s->server && f->kind == IPERF_FLOW_TCP && !f->closed &&
             now - LWIP_MAX(f->first_us, f->last_us) > idle) {
    return flow_gone(f, true); /* ends it as if the client had closed */
  }
  return ERR_OK;
}

static void flow_attach(struct iperf_flow *f, struct tcp_pcb *pcb)
{
  f->tcp = pcb;
  ip_addr_copy(f->peer, pcb->remote_ip);
  f->peer_port = pcb->remote_port;
  f->local_port = pcb->local_port;
  tcp_arg(pcb, f);
  tcp_recv(pcb, flow_recv);
  tcp_sent(pcb, flow_sent);
  tcp_err(pcb, flow_err);
  tcp_poll(pcb, flow_poll, 2);
  f->first_us = mono_us(f->s);
  f->s->activity_us = f->first_us;
}

/* ---------------------------------------------------------------------- */
/* iperf3 server                                                           */
/* ---------------------------------------------------------------------- */

static bool param_int(const struct iperf3_params *o, uint32_t bit, int64_t value, int64_t min, int64_t max,
                      int64_t *out)
{
  if ((o->has & bit) == 0) {
    return true;
  }
  if ((o->bad & bit) != 0 || value < min || value > max) {
    return false;
  }
  *out = value;
  return true;
}

/* The client's parameters.  Options this server cannot honour are
 * refused with SERVER_ERROR rather than silently ignored. */
static bool server_params(struct iperf_session *s, const struct iperf3_params *o)
{
  int64_t time = 10, parallel = 1, len = 0, bw = 0, num = 0, blocks = 0;
  if (!o->is_object || !param_int(o, IPERF3_P_TIME, o->time, 0, 86400, &time) ||
      !param_int(o, IPERF3_P_PARALLEL, o->parallel, 1, IPERF_MAX_STREAMS, &parallel) ||
      !param_int(o, IPERF3_P_LEN, o->len, 0, 1 << 20, &len) ||
      !param_int(o, IPERF3_P_BANDWIDTH, o->bandwidth, 0, (int64_t)1 << 50, &bw) ||
      !param_int(o, IPERF3_P_NUM, o->num, 0, 0, &num) ||
      !param_int(o, IPERF3_P_BLOCKCOUNT, o->blockcount, 0, 0, &blocks)) {
    return false;
  }
  s->t_udp = o->udp;
  s->t_reverse = o->reverse;
  if (o->bidirectional || o->udp_counters_64bit) {
    return false;
  }
  s->t_time = (u32_t)time;
  s->t_streams = (int)parallel;
  s->t_len = (u32_t)(len > 0 ? len : (s->t_udp ? 1460 : 131072));
  if (s->t_udp && (s->t_len < 16 || s->t_len > 65507)) {
    return false;
  }
  s->t_bw = (uint64_t)bw;
  if (s->t_udp && s->t_bw == 0 && (o->has & IPERF3_P_BANDWIDTH) == 0) {
    s->t_bw = 1000000;
  }
  return true;
}

static void server_error_reply(struct iperf_session *s)
{
  u8_t msg[9] = {SERVER_ERROR};
  put_be32(msg + 1, 1);  /* iperf3's IEPARAMS... a generic "bad parameter" */
  put_be32(msg + 5, 22); /* EINVAL */
  if (s->ctl != NULL) {
    ctl_send(s->ctl, msg, sizeof(msg));
  }
  test_fail(s, "the client asked for options this server does not support");
}

static void all_streams_in(struct iperf_session *s)
{
  ctl_state(s, TEST_START);
  ctl_state(s, TEST_RUNNING);
  test_start_running(s);
}

static void server_stream_added(struct iperf_session *s, struct iperf_flow *f)
{
  f->id = s->next_stream_id == 1 ? 1 : s->next_stream_id;
  /* iperf3 numbers streams 1, 3, 4, 5...: the client expects the same. */
  s->next_stream_id = s->next_stream_id == 1 ? 3 : s->next_stream_id + 1;
  f->sender = s->t_reverse;
  f->ready = true;
  s->t_opened++;
  if (s->t_opened == s->t_streams) {
    all_streams_in(s);
  }
}

/* Use of one JSON block received on the control connection, decoded as
 * parameters (params != NULL) or as results (into s->remote3). */
static void ctl_json_in(struct iperf_session *s, const struct iperf3_params *params)
{
  if (s->server && s->t_state == PARAM_EXCHANGE) {
    if (params == NULL || !server_params(s, params)) {
      server_error_reply(s);
      return;
    }
    s->next_stream_id = 1;
    ctl_state(s, CREATE_STREAMS);
    s->state = "creating streams";
  } else if (s->server && s->t_state == EXCHANGE_RESULTS) {
    s->have_remote = true;
    struct iperf3_results mine;
    local_results(s, &mine);
    ctl_json(s->ctl, NULL, &mine);
    ctl_state(s, DISPLAY_RESULTS);
  } else if (!s->server) {
    s->have_remote = true;
  }
}

static void server_test_end(struct iperf_session *s)
{
  test_stop_running(s);
  /* As iperf3 does, the server closes the data connections now; the
   * client reads no more from them. */
  for (struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind == IPERF_FLOW_TCP && f->tcp != NULL) {
      struct tcp_pcb *pcb = f->tcp;
      tcp_detach(pcb);
      f->tcp = NULL;
      if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
      }
    }
  }
  s->state = "exchanging results";
  ctl_state(s, EXCHANGE_RESULTS);
  s->expect_json = true;
}

static void client_state_in(struct iperf_session *s, u8_t st);

static void server_state_in(struct iperf_session *s, u8_t st)
{
  if (st == TEST_END) {
    server_test_end(s);
  } else if (st == IPERF_DONE) {
    s->t_state = IPERF_DONE;
    test_done(s);
  } else if (st == CLIENT_TERMINATE) {
    test_fail(s, "the client terminated the test");
  } else {
    test_fail(s, "unexpected state message from the client");
  }
}

/* Parse what the control connection has delivered: state bytes, or a
 * length-prefixed JSON block when one is due. */
static void ctl_input(struct iperf_flow *f)
{
  struct iperf_session *s = f->s;
  u32_t off = 0;
  while (off < f->rx_len && s->ctl == f && s->error[0] == '\0') {
    if (s->expect_json) {
      if (f->rx_len - off < 4) {
        break;
      }
      u32_t n = get_be32(f->rx + off);
      if (n > CTL_RX_MAX - 4) {
        test_fail(s, "control message too long");
        break;
      }
      if (f->rx_len - off - 4 < n) {
        break;
      }
      /* Results carry -1 as 18446744073709551615 (iperf3 prints it
       * unsigned): the host's decoder reads their numbers as reals. */
      const char *text = (const char *)f->rx + off + 4;
      bool as_params = s->t_state == PARAM_EXCHANGE;
      struct iperf3_params params;
      memset(&params, 0, sizeof(params));
      bool ok;
      if (as_params) {
        ok = s->ops->decode_params(s->ops_ctx, text, n, &params);
      } else {
        memset(&s->remote3, 0, sizeof(s->remote3));
        ok = s->ops->decode_results(s->ops_ctx, text, n, &s->remote3);
      }
      off += 4 + n;
      s->expect_json = false;
      if (!ok) {
        test_fail(s, "malformed JSON on the control connection");
        break;
      }
      ctl_json_in(s, as_params ? &params : NULL);
      continue;
    }
    u8_t st = f->rx[off++];
    if (s->server) {
      server_state_in(s, st);
    } else {
      client_state_in(s, st);
    }
  }
  memmove(f->rx, f->rx + off, f->rx_len - off);
  f->rx_len -= off;
}

/* A server connection's first 37 bytes arrived: a new control connection,
 * a data stream of the test being set up, or someone we must turn away. */
static void pending_decide(struct iperf_flow *f)
{
  struct iperf_session *s = f->s;
  if (s->ctl == NULL && !s->running && s->t_state == 0) {
    f->kind = IPERF_FLOW_CTL;
    s->ctl = f;
    memcpy(s->cookie, f->cookie, IPERF_COOKIE_LEN);
    s->error[0] = '\0';
    s->state = "parameter exchange";
    ctl_state(s, PARAM_EXCHANGE);
    s->expect_json = true;
    return;
  }
  if (s->t_state == CREATE_STREAMS && !s->t_udp && memcmp(f->cookie, s->cookie, IPERF_COOKIE_LEN) == 0 &&
      s->t_opened < s->t_streams) {
    f->kind = IPERF_FLOW_TCP;
    server_stream_added(s, f);
    return;
  }
  /* iperf3 answers a second client with ACCESS_DENIED and closes. */
  u8_t denied = ACCESS_DENIED;
  f->kind = IPERF_FLOW_PENDING;
  f->closed = true;
  tcp_write(f->tcp, &denied, 1, TCP_WRITE_FLAG_COPY);
  tcp_output(f->tcp);
  sys_untimeout(reap_tick, s);
  sys_timeout(0, reap_tick, s);
}

static err_t server_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  struct iperf_session *s = (struct iperf_session *)arg;
  if (err != ERR_OK || newpcb == NULL) {
    return ERR_VAL;
  }
  struct iperf_flow *f = flow_new(s, s->version == 3 ? IPERF_FLOW_PENDING : IPERF_FLOW_TCP);
  if (f == NULL) {
    tcp_abort(newpcb);
    return ERR_ABRT;
  }
  flow_attach(f, newpcb);
  if (s->version == 2) {
    f->id = ++s->next_stream_id; /* a label for iperf.status */
    f->first_us = mono_us(s);
    s->state = "receiving";
  }
  return ERR_OK;
}

/* Free connections that were turned away or have ended (iperf 2), from a
 * timer, outside their PCBs' callbacks. */
static void reap_tick(void *arg)
{
  struct iperf_session *s = (struct iperf_session *)arg;
  struct iperf_flow **pp = &s->flows;
  while (*pp != NULL) {
    struct iperf_flow *f = *pp;
    if ((f->kind == IPERF_FLOW_PENDING || (f->kind == IPERF_FLOW_TCP && s->version == 2 && s->server)) && f->closed) {
      flow_free(f, false);
      continue;
    }
    pp = &f->next;
  }
}

/* ---------------------------------------------------------------------- */
/* iperf 2 server                                                          */
/* ---------------------------------------------------------------------- */

static void v2_record(struct iperf_session *s, struct iperf_flow *f)
{
  if (s->ops->record != NULL) {
    s->ops->record(s->ops_ctx, s, f);
  }
  s->tests++;
}

/* The report iperf 2 clients wait for: the datagram header (zero), then
 * flags, total bytes (two halves), duration, lost, out of order, total
 * datagrams, jitter (seconds, microseconds), then transit statistics we
 * leave at zero apart from their sample count. */
static void v2_build_report(struct iperf_flow *f)
{
  u8_t *m = f->v2_report;
  memset(m, 0, IPERF_V2_REPORT_LEN);
  uint64_t dur_us = f->last_us - f->first_us;
  uint64_t total = (uint64_t)(f->max_seq > 0 ? f->max_seq : 0);
  put_be32(m + 16, V2_HEADER_VERSION1 | V2_HEADER_SEQNO64B);
  put_be32(m + 20, (u32_t)(f->bytes >> 32));
  put_be32(m + 24, (u32_t)f->bytes);
  put_be32(m + 28, (u32_t)(dur_us / 1000000U));
  put_be32(m + 32, (u32_t)(dur_us % 1000000U));
  put_be32(m + 36, (u32_t)f->lost);
  put_be32(m + 40, (u32_t)f->ooo);
  put_be32(m + 44, (u32_t)total);
  uint64_t jit_us = (uint64_t)(f->jitter * 1e6);
  put_be32(m + 48, (u32_t)(jit_us / 1000000U));
  put_be32(m + 52, (u32_t)(jit_us % 1000000U));
  put_be32(m + 104, (u32_t)f->packets); /* transit sample count */
}

static void v2_send_report(struct iperf_session *s, struct iperf_flow *f)
{
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, IPERF_V2_REPORT_LEN, PBUF_RAM);
  if (p != NULL) {
    memcpy(p->payload, f->v2_report, IPERF_V2_REPORT_LEN);
    udp_sendto(s->udp_srv, p, &f->peer, f->peer_port);
    pbuf_free(p);
  }
}

/* Free flows that ended long ago, so a server running for days stays
 * small; their figures are in the results list. */
static void v2_reap(struct iperf_session *s, uint64_t now)
{
  struct iperf_flow **pp = &s->flows;
  while (*pp != NULL) {
    struct iperf_flow *f = *pp;
    if (f->kind == IPERF_FLOW_UDP && f->v2_done && now - f->last_us > 5000000U) {
      flow_free(f, false);
      continue;
    }
    if (f->kind == IPERF_FLOW_UDP && !f->v2_done && now - f->last_us > (uint64_t)s->idle_s * 1000000U) {
      v2_record(s, f); /* a client that never sent its end */
      flow_free(f, false);
      continue;
    }
    pp = &f->next;
  }
}

static void v2_udp_in(struct iperf_session *s, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  u8_t h[16];
  if (pbuf_copy_partial(p, h, 16, 0) != 16) {
    return;
  }
  s32_t id = (s32_t)get_be32(h);
  struct iperf_flow *f = flow_by_peer(s, addr, port);
  if (f == NULL || (f->v2_done && id >= 0)) {
    if (id < 0 && f == NULL) {
      return; /* the end of a flow we never saw */
    }
    if (f != NULL) {
      flow_free(f, false); /* the same port starts a new flow */
    }
    v2_reap(s, mono_us(s));
    f = flow_new(s, IPERF_FLOW_UDP);
    if (f == NULL) {
      return;
    }
    ip_addr_copy(f->peer, *addr);
    f->peer_port = port;
    s->state = "receiving";
  }
  if (f->v2_done) {
    v2_send_report(s, f); /* our report was lost: the client asks again */
    return;
  }
  int64_t seq = id < 0 ? -(int64_t)id : (int64_t)id;
  udp_account(f, seq, get_be32(h + 4), get_be32(h + 8), p->tot_len);
  if (id < 0) {
    f->v2_done = true;
    v2_build_report(f);
    v2_send_report(s, f);
    v2_record(s, f);
    s->state = "listening";
  }
}

/* ---------------------------------------------------------------------- */
/* UDP input of servers and client streams                                 */
/* ---------------------------------------------------------------------- */

static void v3_server_udp_in(struct iperf_session *s, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct iperf_flow *f = flow_by_peer(s, addr, port);
  if (f == NULL) {
    u8_t m[4];
    if (p->tot_len != 4 || pbuf_copy_partial(p, m, 4, 0) != 4 || memcmp(m, udp_hello, 4) != 0 ||
        s->t_state != CREATE_STREAMS || !s->t_udp || s->t_opened >= s->t_streams) {
      return;
    }
    f = flow_new(s, IPERF_FLOW_UDP);
    if (f == NULL) {
      return;
    }
    ip_addr_copy(f->peer, *addr);
    f->peer_port = port;
    f->udp = s->udp_srv;
    struct pbuf *r = pbuf_alloc(PBUF_TRANSPORT, 4, PBUF_RAM);
    if (r != NULL) {
      memcpy(r->payload, udp_reply, 4);
      udp_sendto(s->udp_srv, r, addr, port);
      pbuf_free(r);
    }
    server_stream_added(s, f);
    return;
  }
  u8_t h[12];
  if (!s->running || f->sender || pbuf_copy_partial(p, h, 12, 0) != 12) {
    return;
  }
  udp_account(f, (int64_t)get_be32(h + 8), get_be32(h), get_be32(h + 4), p->tot_len);
  deadline_poll(s);
}

static void server_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)pcb;
  struct iperf_session *s = (struct iperf_session *)arg;
  if (s->version == 3) {
    v3_server_udp_in(s, p, addr, port);
  } else {
    v2_udp_in(s, p, addr, port);
  }
  pbuf_free(p);
}

/* ---------------------------------------------------------------------- */
/* Clients                                                                 */
/* ---------------------------------------------------------------------- */

static void open_next_udp_stream(struct iperf_session *s);

static void client_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)pcb;
  (void)addr;
  (void)port;
  struct iperf_flow *f = (struct iperf_flow *)arg;
  struct iperf_session *s = f->s;
  u8_t h[60];
  u16_t got = pbuf_copy_partial(p, h, sizeof(h), 0);
  if (s->version == 2) {
    /* The server's report: the datagram header, then its figures. */
    if (got >= 56 && (get_be32(h + 16) & V2_HEADER_VERSION1) != 0 && !s->have_remote) {
      uint64_t bytes = ((uint64_t)get_be32(h + 20) << 32) | get_be32(h + 24);
      double dur = get_be32(h + 28) + get_be32(h + 32) / 1e6;
      double jit = get_be32(h + 48) + get_be32(h + 52) / 1e6;
      s->remote2.bytes = bytes;
      s->remote2.seconds = dur;
      s->remote2.lost = get_be32(h + 36);
      s->remote2.out_of_order = get_be32(h + 40);
      s->remote2.packets = get_be32(h + 44);
      s->remote2.jitter_s = jit;
      s->have_remote = true;
      test_done(s);
    }
  } else if (!f->ready) {
    if (got == 4 && memcmp(h, udp_reply, 4) == 0) {
      f->ready = true;
      s->t_opened++;
      open_next_udp_stream(s);
    }
  } else if (s->running && !f->sender && got >= 12) {
    udp_account(f, (int64_t)get_be32(h + 8), get_be32(h), get_be32(h + 4), p->tot_len);
    deadline_poll(s);
  }
  pbuf_free(p);
}

static struct iperf_flow *client_udp_flow(struct iperf_session *s)
{
  struct iperf_flow *f = flow_new(s, IPERF_FLOW_UDP);
  struct udp_pcb *pcb = f != NULL ? udp_new_ip_type(IP_GET_TYPE(&s->target)) : NULL;
  ip_addr_t dst = s->target;
  if (pcb == NULL || udp_connect(pcb, &dst, s->port) != ERR_OK) {
    if (pcb != NULL) {
      udp_remove(pcb);
    }
    if (f != NULL) {
      flow_free(f, true);
    }
    return NULL;
  }
  f->udp = pcb;
  f->own_udp = true;
  f->peer = dst;
  f->peer_port = s->port;
  f->local_port = pcb->local_port;
  f->sender = !s->t_reverse;
  udp_recv(pcb, client_udp_recv, f);
  return f;
}

/* iperf3 servers take UDP streams one at a time (each handshake makes
 * them open a new socket for the next), so the next is opened only when
 * the previous one is answered. */
static void open_next_udp_stream(struct iperf_session *s)
{
  if (data_flows(s) >= s->t_streams) {
    return;
  }
  struct iperf_flow *f = client_udp_flow(s);
  if (f == NULL) {
    test_fail(s, "no UDP PCB or memory for a stream");
    return;
  }
  f->id = s->next_stream_id;
  s->next_stream_id = s->next_stream_id == 1 ? 3 : s->next_stream_id + 1;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 4, PBUF_RAM);
  if (p != NULL) {
    memcpy(p->payload, udp_hello, 4);
    udp_send(f->udp, p);
    pbuf_free(p);
  }
}

static err_t stream_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
  struct iperf_flow *f = (struct iperf_flow *)arg;
  (void)pcb;
  if (f == NULL || err != ERR_OK) {
    return ERR_OK;
  }
  struct iperf_session *s = f->s;
  f->local_port = pcb->local_port;
  if (f->kind == IPERF_FLOW_CTL || s->version == 3) {
    tcp_write(pcb, s->cookie, IPERF_COOKIE_LEN, TCP_WRITE_FLAG_COPY);
    tcp_output(pcb);
  }
  if (s->version == 2) {
    s->t_opened++;
    if (s->t_opened == s->nstreams) {
      s->state = "running";
      test_start_running(s);
      sys_timeout(s->duration_s * 1000U, end_tick, s);
      s->end_due_us = s->start_us + (uint64_t)s->duration_s * 1000000U;
    }
  }
  return ERR_OK;
}

static struct iperf_flow *client_tcp_flow(struct iperf_session *s, enum iperf_flow_kind kind)
{
  struct iperf_flow *f = flow_new(s, kind);
  struct tcp_pcb *pcb = f != NULL ? tcp_new_ip_type(IP_GET_TYPE(&s->target)) : NULL;
  if (pcb == NULL) {
    if (f != NULL) {
      flow_free(f, true);
    }
    return NULL;
  }
  ip_addr_t dst = s->target;
  flow_attach(f, pcb);
  f->peer = dst;
  f->peer_port = s->port;
  err_t err = tcp_connect(pcb, &dst, s->port, stream_connected);
  if (err != ERR_OK) {
    set_error(s, "connect: ", lwip_strerr(err));
    flow_free(f, true);
    return NULL;
  }
  return f;
}

static void client_create_streams(struct iperf_session *s)
{
  s->next_stream_id = 1;
  s->state = "creating streams";
  if (s->t_udp) {
    open_next_udp_stream(s);
    return;
  }
  for (int i = 0; i < s->t_streams; i++) {
    struct iperf_flow *f = client_tcp_flow(s, IPERF_FLOW_TCP);
    if (f == NULL) {
      test_fail(s, "no TCP PCB or memory for a stream");
      return;
    }
    f->id = s->next_stream_id;
    s->next_stream_id = s->next_stream_id == 1 ? 3 : s->next_stream_id + 1;
    f->sender = !s->t_reverse;
  }
}

static void client_params(const struct iperf_session *s, struct iperf3_params *o)
{
  memset(o, 0, sizeof(*o));
  o->is_object = true;
  o->udp = s->t_udp;
  o->reverse = s->t_reverse;
  o->has = IPERF3_P_TIME | IPERF3_P_PARALLEL | IPERF3_P_LEN | IPERF3_P_NUM | IPERF3_P_BLOCKCOUNT;
  o->time = (int64_t)s->t_time;
  o->parallel = s->t_streams;
  o->len = (int64_t)s->t_len;
  if (s->t_bw != 0) {
    o->has |= IPERF3_P_BANDWIDTH;
    o->bandwidth = (int64_t)s->t_bw;
  }
  o->pacing_timer = 1000;
  o->client_version = "3.12";
}

static void client_state_in(struct iperf_session *s, u8_t st)
{
  switch (st) {
  case PARAM_EXCHANGE: {
    s->t_state = st;
    struct iperf3_params o;
    client_params(s, &o);
    ctl_json(s->ctl, &o, NULL);
    break;
  }
  case CREATE_STREAMS:
    s->t_state = st;
    client_create_streams(s);
    break;
  case TEST_START:
    s->t_state = st;
    break;
  case TEST_RUNNING:
    s->t_state = st;
    for (struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
      f->sender = (f->kind == IPERF_FLOW_TCP || f->kind == IPERF_FLOW_UDP) && !s->t_reverse;
    }
    test_start_running(s);
    sys_timeout(s->t_time * 1000U, end_tick, s);
    s->end_due_us = s->start_us + (uint64_t)s->t_time * 1000000U;
    break;
  case EXCHANGE_RESULTS: {
    s->t_state = st;
    s->state = "exchanging results";
    struct iperf3_results mine;
    local_results(s, &mine);
    ctl_json(s->ctl, NULL, &mine);
    s->expect_json = true;
    break;
  }
  case DISPLAY_RESULTS:
    s->t_state = st;
    ctl_state(s, IPERF_DONE);
    s->t_state = IPERF_DONE;
    test_done(s);
    break;
  case ACCESS_DENIED:
    test_fail(s, "the server is busy running a test (access denied)");
    break;
  case SERVER_ERROR:
    test_fail(s, "the server reported an error");
    break;
  case SERVER_TERMINATE:
    test_fail(s, "the server terminated the test");
    break;
  default:
    test_fail(s, "unexpected state message from the server");
    break;
  }
}

static void end_tick(void *arg)
{
  struct iperf_session *s = (struct iperf_session *)arg;
  test_stop_running(s);
  if (s->version == 3) {
    ctl_state(s, TEST_END);
    return;
  }
  /* iperf 2: TCP ends by closing; UDP by its end datagrams. */
  if (!s->udp) {
    s->ended = true;
    test_done(s);
    return;
  }
  s->fin_tries = 0;
  v2_fin_tick(s);
}

static void v2_fin_tick(void *arg)
{
  struct iperf_session *s = (struct iperf_session *)arg;
  struct iperf_flow *f = s->flows;
  while (f != NULL && f->kind != IPERF_FLOW_UDP) {
    f = f->next;
  }
  if (f == NULL || s->have_remote) {
    return;
  }
  if (s->fin_tries++ >= V2_FIN_TRIES) {
    set_error(s, "no server report after 10 end datagrams", NULL);
    test_done(s);
    return;
  }
  udp_emit(f, -(int64_t)(f->next_seq + 1));
  sys_timeout(250, v2_fin_tick, s);
}

static void make_cookie(const struct iperf_session *s, u8_t *c)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  for (int i = 0; i < IPERF_COOKIE_LEN - 1; i++) {
    u32_t r = s->ops->random != NULL ? s->ops->random(s->ops_ctx) : lwip_port_rand();
    c[i] = (u8_t)alphabet[r % 32U];
  }
  c[IPERF_COOKIE_LEN - 1] = 0;
}

static err_t start_failed(struct iperf_session *s, enum iperf_start_fail why, err_t err)
{
  s->start_fail = why;
  s->start_err = err;
  return err;
}

static err_t client_start(struct iperf_session *s)
{
  s->t_udp = s->udp;
  s->t_reverse = s->reverse;
  s->t_time = s->duration_s;
  s->t_streams = s->nstreams;
  s->t_len = s->len;
  s->t_bw = s->bandwidth;
  s->state = "connecting";
  make_cookie(s, s->cookie);
  if (s->version == 3) {
    struct iperf_flow *c = client_tcp_flow(s, IPERF_FLOW_CTL);
    if (c == NULL) {
      return start_failed(s, IPERF_START_CTL_CONNECT, ERR_CONN);
    }
    s->ctl = c;
    return ERR_OK;
  }
  if (s->udp) {
    struct iperf_flow *f = client_udp_flow(s);
    if (f == NULL) {
      return start_failed(s, IPERF_START_UDP_PCB, ERR_MEM);
    }
    f->id = 1;
    f->sender = true;
    s->t_opened = 1;
    test_start_running(s);
    sys_timeout(s->duration_s * 1000U, end_tick, s);
    s->end_due_us = s->start_us + (uint64_t)s->duration_s * 1000000U;
    return ERR_OK;
  }
  for (int i = 0; i < s->nstreams; i++) {
    struct iperf_flow *f = client_tcp_flow(s, IPERF_FLOW_TCP);
    if (f == NULL) {
      return start_failed(s, IPERF_START_TCP_CONNECT, ERR_CONN);
    }
    f->id = i + 1;
    f->sender = true;
  }
  return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Sessions                                                                */
/* ---------------------------------------------------------------------- */

void iperf_stop(struct iperf_session *s)
{
  if (s == NULL || s->ops == NULL) {
    return;
  }
  sys_untimeout(finish_later, s);
  sys_untimeout(reap_tick, s);
  test_teardown(s, true);
  sys_untimeout(ivl_tick, s);
  sys_untimeout(pace_tick, s);
  sys_untimeout(end_tick, s);
  sys_untimeout(v2_fin_tick, s);
  while (s->flows != NULL) {
    flow_free(s->flows, true);
  }
  if (s->listener != NULL) {
    tcp_accept(s->listener, NULL);
    tcp_close(s->listener);
    s->listener = NULL;
  }
  if (s->udp_srv != NULL) {
    udp_remove(s->udp_srv);
    s->udp_srv = NULL;
  }
}

static err_t server_listen(struct iperf_session *s)
{
  if (s->tcp_on) {
    /* Both families (when IPv6 is built): a client may come over either. */
    const ip_addr_t *any = LWIP_IPV6 ? IP_ANY_TYPE : IP_ADDR_ANY;
    struct tcp_pcb *pcb = tcp_new_ip_type(IP_GET_TYPE(any));
    if (pcb == NULL) {
      return start_failed(s, IPERF_START_TCP_PCB, ERR_MEM);
    }
    ip_set_option(pcb, SOF_REUSEADDR);
    err_t err = tcp_bind(pcb, any, s->port);
    struct tcp_pcb *l = err == ERR_OK ? tcp_listen_with_backlog_and_err(pcb, 32, &err) : NULL;
    if (l == NULL) {
      tcp_close(pcb);
      return start_failed(s, IPERF_START_TCP_LISTEN, err);
    }
    s->listener = l;
    tcp_arg(l, s);
    tcp_accept(l, server_accept);
  }
  if (s->udp_on) {
    /* One PCB for both families, as the TCP listener above. */
    const ip_addr_t *any = LWIP_IPV6 ? IP_ANY_TYPE : IP_ADDR_ANY;
    struct udp_pcb *u = udp_new_ip_type(IP_GET_TYPE(any));
    err_t err = u != NULL ? udp_bind(u, any, s->port) : ERR_MEM;
    if (err != ERR_OK) {
      if (u != NULL) {
        udp_remove(u);
      }
      return start_failed(s, IPERF_START_UDP_BIND, err);
    }
    s->udp_srv = u;
    udp_recv(u, server_udp_recv, s);
  }
  s->state = "listening";
  return ERR_OK;
}

err_t iperf_start(struct iperf_session *s)
{
  LWIP_ASSERT("iperf_start: ops with now_us", s != NULL && s->ops != NULL && s->ops->now_us != NULL);
  LWIP_ASSERT("iperf_start: iperf3 needs the JSON ops",
              s->version != 3 || (s->ops->encode_params != NULL && s->ops->decode_params != NULL &&
                                  s->ops->encode_results != NULL && s->ops->decode_results != NULL));
  pattern_init();
  s->start_fail = IPERF_START_OK;
  s->start_err = ERR_OK;
  if (s->state == NULL) {
    s->state = "starting";
  }
  return s->server ? server_listen(s) : client_start(s);
}

double iperf_elapsed(const struct iperf_session *s)
{
  if (s->start_us == 0) {
    return s->last_elapsed;
  }
  return iperf_secs(s->start_us, s->running ? mono_us(s) : s->end_us);
}

#else /* LWIP_TCP && LWIP_UDP */

err_t iperf_start(struct iperf_session *s)
{
  (void)s;
  return ERR_ARG;
}

void iperf_stop(struct iperf_session *s)
{
  (void)s;
}

void iperf_set_error(struct iperf_session *s, const char *msg)
{
  (void)s;
  (void)msg;
}

double iperf_elapsed(const struct iperf_session *s)
{
  return s != NULL ? s->last_elapsed : 0.0;
}

double iperf_secs(uint64_t from_us, uint64_t to_us)
{
  return to_us > from_us ? (double)(to_us - from_us) / 1e6 : 0.0;
}

double iperf_rate(uint64_t bytes, double seconds)
{
  return seconds > 0 ? (double)bytes * 8.0 / seconds : 0.0;
}

#endif /* LWIP_TCP && LWIP_UDP */
