/**
 * @file iperf.c
 * iperf servers and clients on lwipd's stack, speaking the wire protocols
 * of iperf 2 (2.1.x) and iperf3 (3.x), started over the control socket
 * (iperf.start, iperf.stop, iperf.status).
 *
 * iperf3: a control TCP connection opens with a 37-byte cookie (36
 * characters and a NUL); the server then drives the test with one-byte
 * state messages, and both sides exchange JSON blocks, each preceded by
 * its length as a 4-byte big-endian number: the client's parameters after
 * PARAM_EXCHANGE, and each side's per-stream results after
 * EXCHANGE_RESULTS.  Data streams open with the same cookie (TCP) or a
 * 4-byte datagram answered by the server (UDP); UDP data carries seconds,
 * microseconds and a sequence number, big-endian, in its first 12 bytes.
 *
 * iperf 2: TCP is plain data; UDP datagrams carry a 32-bit sequence number,
 * seconds, microseconds and the sequence number's upper half.  The client
 * ends with datagrams carrying the negated sequence number, which the
 * server answers with its report (bytes, duration, lost, jitter).
 *
 * Jitter is the smoothed mean deviation of transit times, RFC 3550 6.4.1
 * (J += (|D| - J) / 16), as both iperfs compute it.
 *
 * Sessions are not tied to the control connection that started them:
 * they run until they end or iperf.stop; their figures stay readable
 * through iperf.status until stopped.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "lwip/debug.h"
#include "lwip/err.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "lwip/prot/wire.h"

#if LWIP_TCP && LWIP_UDP

#define IPERF_MAX 8
#define IPERF_MAX_STREAMS 16
#define IPERF_MAX_INTERVALS 3600
#define IPERF_MAX_RESULTS 16
#define COOKIE_LEN 37
#define CTL_RX_MAX 65536U
#define PATTERN_LEN 65535U

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
#define V2_REPORT_LEN 128U
#define V2_FIN_TRIES 10

enum flow_kind { F_PENDING, F_CTL, F_TCP, F_UDP };

struct iperf;

/** One connection or datagram flow: a control connection, a data stream,
 *  or a server connection whose cookie has not arrived yet. */
struct flow {
  struct flow *next;
  struct iperf *s;
  enum flow_kind kind;
  struct tcp_pcb *tcp;
  struct udp_pcb *udp;  /* owned when own_udp (client streams) */
  bool own_udp;
  ip_addr_t peer;
  u16_t peer_port;
  u16_t local_port;
  int id;               /* iperf3 stream id */
  bool sender;          /* this side sends on it */
  bool ready;           /* handshake done */
  bool closed;          /* the TCP connection is gone */
  u8_t cookie[COOKIE_LEN];
  u32_t cookie_len;
  u8_t *rx;             /* control: received, not yet parsed */
  u32_t rx_len;
  u8_t *txq;            /* control: waiting for send buffer space */
  u32_t txq_len;
  /* figures */
  uint64_t bytes, packets, ivl_bytes, ivl_packets, ivl_lost0, ivl_ooo0;
  uint64_t lost, ooo, next_seq;
  int64_t max_seq;
  double jitter, prev_transit;
  bool have_transit;
  uint64_t first_us, last_us;
  /* iperf 2 UDP */
  bool v2_done;
  u8_t v2_report[V2_REPORT_LEN];
};

/** An iperf server or client. */
struct iperf {
  int id;
  bool server;
  int version;          /* 2 or 3 */
  bool udp;             /* client: UDP test; v2 server: UDP only */
  bool tcp_on, udp_on;  /* v2 server: which listeners */
  u16_t port;
  ip4_addr_t target;
  u32_t duration_s;
  uint64_t bandwidth;   /* bits per second, 0 = unlimited */
  int nstreams;
  bool reverse;
  u32_t len;
  struct tcp_pcb *listener;
  struct udp_pcb *udp_srv;
  struct flow *flows;
  const char *state;
  char error[192];
  /* the iperf3 test in progress (one at a time, as iperf3 -s) */
  struct flow *ctl;
  u8_t cookie[COOKIE_LEN];
  int t_state;          /* last state message sent or received */
  bool expect_json;
  bool t_udp, t_reverse;
  u32_t t_len, t_time;
  uint64_t t_bw;
  int t_streams, t_opened, next_stream_id;
  bool running, ended;
  uint64_t start_us, end_us, ivl_start_us;
  uint64_t end_due_us;  /* client: when the test ends (0: not armed) */
  u32_t fin_tries;
  struct rusage ru0;
  double cpu_total, cpu_user, cpu_system;
  json_t *intervals;    /* this test's intervals */
  json_t *remote;       /* the peer's results block */
  json_t *result;       /* the last finished test, iperf3 -J form */
  json_t *results;      /* server: finished tests (newest last) */
  uint64_t tests;
  double last_elapsed;  /* length of the last finished test */
  u32_t idle_s;         /* a test with no traffic for this long fails */
  uint64_t activity_us; /* last data or control traffic of the test */
};

static struct iperf *sessions[IPERF_MAX];
static int next_id = 1;
static u8_t pattern[PATTERN_LEN];

static void flow_free(struct flow *f, bool abort_tcp);
static void test_teardown(struct iperf *s, bool abort_tcp);
static void ivl_tick(void *arg);
static void pace_tick(void *arg);
static void end_tick(void *arg);
static void finish_later(void *arg);
static void end_tick(void *arg);
static void v2_fin_tick(void *arg);
static void reap_tick(void *arg);
static void v2_record(struct iperf *s, struct flow *f, bool udp);
static json_t *v2_client_result(struct iperf *s);

/* ---------------------------------------------------------------------- */
/* Time and small helpers                                                  */
/* ---------------------------------------------------------------------- */

static uint64_t mono_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

/* Wall-clock time for datagram timestamps: the peer only ever subtracts
 * them from each other, so any steady clock works; iperf uses this one. */
static void wall_now(u32_t *sec, u32_t *usec)
{
  struct timeval tv;
  gettimeofday(&tv, NULL);
  *sec = (u32_t)tv.tv_sec;
  *usec = (u32_t)tv.tv_usec;
}

static double secs(uint64_t from_us, uint64_t to_us)
{
  return to_us > from_us ? (double)(to_us - from_us) / 1e6 : 0.0;
}

static double rate(uint64_t bytes, double seconds)
{
  return seconds > 0 ? (double)bytes * 8.0 / seconds : 0.0;
}

static void set_error(struct iperf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct iperf *s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->error, sizeof(s->error), fmt, ap);
  va_end(ap);
  LWIP_LOG(APP, INFO, "iperf %d: %s", s->id, s->error);
}

static void pattern_init(void)
{
  if (pattern[1] != 0) {
    return;
  }
  /* Digits, as iperf 2 fills its buffers: compressible links are not our
   * concern here, and a readable capture helps. */
  for (u32_t i = 0; i < PATTERN_LEN; i++) {
    pattern[i] = (u8_t)('0' + i % 10);
  }
}

/* ---------------------------------------------------------------------- */
/* Flows                                                                   */
/* ---------------------------------------------------------------------- */

static struct flow *flow_new(struct iperf *s, enum flow_kind kind)
{
  struct flow *f = calloc(1, sizeof(*f));
  if (f == NULL) {
    return NULL;
  }
  f->s = s;
  f->kind = kind;
  /* Appended, so streams are listed in the order they were opened. */
  struct flow **pp = &s->flows;
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
static void flow_free(struct flow *f, bool abort_tcp)
{
  struct iperf *s = f->s;
  for (struct flow **pp = &s->flows; *pp != NULL; pp = &(*pp)->next) {
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
  free(f->rx);
  free(f->txq);
  free(f);
}

static struct flow *flow_by_peer(struct iperf *s, const ip_addr_t *addr, u16_t port)
{
  for (struct flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind == F_UDP && f->peer_port == port && ip_addr_eq(&f->peer, addr)) {
      return f;
    }
  }
  return NULL;
}

static int data_flows(const struct iperf *s)
{
  int n = 0;
  for (const struct flow *f = s->flows; f != NULL; f = f->next) {
    n += f->kind == F_TCP || f->kind == F_UDP;
  }
  return n;
}

/* Receiver side of a UDP datagram: sequence accounting as iperf does it
 * (a gap counts as lost, a late one undoes one loss and counts out of
 * order) and the RFC 3550 jitter of transit times. */
static void udp_account(struct flow *f, int64_t seq, u32_t sec, u32_t usec, u16_t len)
{
  uint64_t now = mono_us();
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
  wall_now(&ns, &nu);
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

static void ctl_flush(struct flow *f)
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

static bool ctl_send(struct flow *f, const void *data, u32_t len)
{
  u8_t *q = realloc(f->txq, f->txq_len + len);
  if (q == NULL) {
    return false;
  }
  f->txq = q;
  memcpy(q + f->txq_len, data, len);
  f->txq_len += len;
  ctl_flush(f);
  return true;
}

static bool ctl_state(struct iperf *s, u8_t state)
{
  s->t_state = state;
  return s->ctl != NULL && ctl_send(s->ctl, &state, 1);
}

/* A JSON block: its length as 4 bytes big-endian, then the text. */
static bool ctl_json(struct flow *f, json_t *o)
{
  char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
  if (text == NULL) {
    return false;
  }
  u8_t hdr[4];
  u32_t n = (u32_t)strlen(text);
  put_be32(hdr, n);
  bool ok = ctl_send(f, hdr, 4) && ctl_send(f, text, n);
  free(text);
  return ok;
}

/* ---------------------------------------------------------------------- */
/* Sending data                                                            */
/* ---------------------------------------------------------------------- */

/* The byte budget of a paced sender: what the rate allows by now. */
static uint64_t pace_budget(const struct iperf *s, uint64_t now)
{
  if (s->t_bw == 0) {
    return UINT64_MAX;
  }
  double allowed = (double)s->t_bw / 8.0 * secs(s->start_us, now);
  return (uint64_t)allowed + s->t_len;
}

static void tcp_fill(struct flow *f)
{
  struct iperf *s = f->s;
  if (f->tcp == NULL || !s->running || !f->sender) {
    return;
  }
  uint64_t budget = pace_budget(s, mono_us());
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
static err_t udp_emit(struct flow *f, int64_t seq)
{
  struct iperf *s = f->s;
  u16_t len = (u16_t)s->t_len;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_RAM);
  if (p == NULL) {
    return ERR_MEM;
  }
  u8_t *m = (u8_t *)p->payload;
  u32_t sec, usec;
  wall_now(&sec, &usec);
  if (s->version == 3) {
    memcpy(m + 12, pattern, len - 12U);
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

static void udp_fill(struct flow *f, uint64_t now)
{
  struct iperf *s = f->s;
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
  struct iperf *s = (struct iperf *)arg;
  if (!s->running) {
    return;
  }
  uint64_t now = mono_us();
  for (struct flow *f = s->flows; f != NULL; f = f->next) {
    if (!f->sender) {
      continue;
    }
    if (f->kind == F_UDP) {
      udp_fill(f, now);
    } else if (f->kind == F_TCP) {
      tcp_fill(f);
    }
  }
  sys_timeout(1, pace_tick, s);
}

/* ---------------------------------------------------------------------- */
/* Intervals and results                                                   */
/* ---------------------------------------------------------------------- */

static json_t *udp_figures(json_t *o, uint64_t packets, uint64_t lost, double jitter_s)
{
  json_object_set_new(o, "jitter_ms", json_real(jitter_s * 1000.0));
  json_object_set_new(o, "lost_packets", json_integer((json_int_t)lost));
  json_object_set_new(o, "packets", json_integer((json_int_t)packets));
  json_object_set_new(o, "lost_percent", json_real(packets ? 100.0 * (double)lost / (double)packets : 0.0));
  return o;
}

static json_t *span(int socket, double start, double end, uint64_t bytes, bool sender)
{
  json_t *o = json_pack("{s:f, s:f, s:f, s:I, s:f, s:b}", "start", start, "end", end, "seconds", end - start, "bytes",
                        (json_int_t)bytes, "bits_per_second", rate(bytes, end - start), "sender", sender);
  if (socket > 0) {
    json_object_set_new(o, "socket", json_integer(socket));
  }
  return o;
}

/* Close the running interval: per-stream and summed figures, as iperf3's
 * "intervals" entries. */
static void interval_close(struct iperf *s, uint64_t now)
{
  double t0 = secs(s->start_us, s->ivl_start_us), t1 = secs(s->start_us, now);
  if (t1 - t0 < 0.01 || s->intervals == NULL) {
    return;
  }
  json_t *streams = json_array();
  uint64_t sum = 0, sum_pk = 0, sum_lost = 0;
  double jit = 0;
  int n = 0;
  bool sender = false;
  for (struct flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind != F_TCP && f->kind != F_UDP) {
      continue;
    }
    json_t *o = span(f->id, t0, t1, f->ivl_bytes, f->sender);
    json_object_set_new(o, "omitted", json_false());
    if (s->t_udp) {
      uint64_t lost = f->sender ? 0 : f->lost - LWIP_MIN(f->lost, f->ivl_lost0);
      uint64_t pk = f->sender ? f->ivl_packets : f->ivl_packets + lost;
      udp_figures(o, pk, lost, f->jitter);
      sum_pk += pk;
      sum_lost += lost;
      jit += f->jitter;
    }
    json_array_append_new(streams, o);
    sum += f->ivl_bytes;
    sender = f->sender;
    n++;
    f->ivl_bytes = f->ivl_packets = 0;
    f->ivl_lost0 = f->lost;
  }
  json_t *total = span(0, t0, t1, sum, sender);
  json_object_set_new(total, "omitted", json_false());
  if (s->t_udp) {
    udp_figures(total, sum_pk, sum_lost, n ? jit / n : 0.0);
  }
  if (json_array_size(s->intervals) >= IPERF_MAX_INTERVALS) {
    json_array_remove(s->intervals, 0);
  }
  json_array_append_new(s->intervals, json_pack("{s:o, s:o}", "streams", streams, "sum", total));
  s->ivl_start_us = now;
}

static void ivl_tick(void *arg)
{
  struct iperf *s = (struct iperf *)arg;
  if (!s->running) {
    return;
  }
  uint64_t now = mono_us();
  if (now - s->ivl_start_us >= 900000U) {
    interval_close(s, now);
  }
  sys_timeout((u32_t)((s->ivl_start_us + 1000000U - LWIP_MIN(now, s->ivl_start_us + 999000U)) / 1000U), ivl_tick, s);
}

/* The same deadlines, checked as data moves: under a flood of frames
 * the daemon's loop may run timers late, and an interval or a test must
 * still end on time. */
static void deadline_poll(struct iperf *s)
{
  if (!s->running) {
    return;
  }
  uint64_t now = mono_us();
  if (now - s->ivl_start_us >= 1000000U) {
    interval_close(s, now);
  }
  if (s->end_due_us != 0 && now >= s->end_due_us) {
    s->end_due_us = 0;
    end_tick(s);
  }
}

static void cpu_measure(struct iperf *s, uint64_t wall_us)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double u = (double)(ru.ru_utime.tv_sec - s->ru0.ru_utime.tv_sec) +
             (double)(ru.ru_utime.tv_usec - s->ru0.ru_utime.tv_usec) / 1e6;
  double sy = (double)(ru.ru_stime.tv_sec - s->ru0.ru_stime.tv_sec) +
              (double)(ru.ru_stime.tv_usec - s->ru0.ru_stime.tv_usec) / 1e6;
  double w = wall_us > 0 ? (double)wall_us / 1e6 : 1.0;
  s->cpu_user = 100.0 * u / w;
  s->cpu_system = 100.0 * sy / w;
  s->cpu_total = s->cpu_user + s->cpu_system;
}

/* Our half of EXCHANGE_RESULTS. */
static json_t *local_results(struct iperf *s)
{
  json_t *streams = json_array();
  bool sending = false;
  double dur = secs(s->start_us, s->end_us);
  for (struct flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind != F_TCP && f->kind != F_UDP) {
      continue;
    }
    sending = f->sender;
    uint64_t pk = f->sender ? f->packets : (uint64_t)(f->max_seq > 0 ? f->max_seq : 0);
    json_array_append_new(streams, json_pack("{s:i, s:I, s:i, s:f, s:I, s:I, s:I, s:i, s:f}", "id", f->id, "bytes",
                                             (json_int_t)f->bytes, "retransmits", f->sender && !s->t_udp ? 0 : -1,
                                             "jitter", f->sender ? 0.0 : f->jitter, "errors",
                                             (json_int_t)(f->sender ? 0 : f->lost), "packets", (json_int_t)pk,
                                             "omitted_packets", (json_int_t)0, "start_time", 0, "end_time", dur));
  }
  return json_pack("{s:f, s:f, s:f, s:i, s:o}", "cpu_util_total", s->cpu_total, "cpu_util_user", s->cpu_user,
                   "cpu_util_system", s->cpu_system, "sender_has_retransmits", sending && !s->t_udp ? 0 : -1,
                   "streams", streams);
}

static json_t *remote_stream(const struct iperf *s, int id)
{
  json_t *list = json_object_get(s->remote, "streams");
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v)
  {
    if (json_number_value(json_object_get(v, "id")) == (double)id) {
      return v;
    }
  }
  return NULL;
}

static double jreal(json_t *o, const char *key)
{
  return json_number_value(json_object_get(o, key));
}

static uint64_t juint(json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  if (json_is_integer(v)) {
    return (uint64_t)json_integer_value(v);
  }
  return json_is_real(v) ? (uint64_t)json_real_value(v) : 0;
}

/* One stream's end figures: both halves, ours and the peer's. */
static void end_stream(struct iperf *s, struct flow *f, double dur, json_t *streams, uint64_t tot[4], double *jit)
{
  json_t *r = remote_stream(s, f->id);
  uint64_t sent = f->sender ? f->bytes : juint(r, "bytes");
  uint64_t recvd = f->sender ? juint(r, "bytes") : f->bytes;
  tot[0] += sent;
  tot[1] += recvd;
  if (!s->t_udp) {
    json_array_append_new(streams, json_pack("{s:o, s:o}", "sender", span(f->id, 0, dur, sent, true), "receiver",
                                             span(f->id, 0, dur, recvd, false)));
    return;
  }
  uint64_t packets = f->sender ? juint(r, "packets") : (uint64_t)(f->max_seq > 0 ? f->max_seq : 0);
  uint64_t lost = f->sender ? juint(r, "errors") : f->lost;
  double jitter = f->sender ? jreal(r, "jitter") : f->jitter;
  tot[2] += packets;
  tot[3] += lost;
  *jit += jitter;
  json_t *o = udp_figures(span(f->id, 0, dur, recvd, f->sender), packets, lost, jitter);
  json_object_set_new(o, "out_of_order", json_integer((json_int_t)(f->sender ? juint(r, "outoforder") : f->ooo)));
  json_array_append_new(streams, json_pack("{s:o}", "udp", o));
}

static json_t *connected_json(struct iperf *s)
{
  json_t *a = json_array();
  for (struct flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind == F_TCP || f->kind == F_UDP) {
      json_array_append_new(a, json_pack("{s:i, s:s, s:i}", "socket", f->id, "remote_host", ipaddr_ntoa(&f->peer),
                                         "remote_port", f->peer_port));
    }
  }
  return a;
}

/* The finished test in the form of iperf3 -J: start, intervals, end. */
static json_t *build_result(struct iperf *s)
{
  double dur = secs(s->start_us, s->end_us);
  json_t *streams = json_array();
  uint64_t tot[4] = {0, 0, 0, 0};
  double jit = 0;
  int n = 0;
  for (struct flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind == F_TCP || f->kind == F_UDP) {
      end_stream(s, f, dur, streams, tot, &jit);
      n++;
    }
  }
  json_t *end = json_pack("{s:o, s:o, s:o}", "streams", streams, "sum_sent", span(0, 0, dur, tot[0], true),
                          "sum_received", span(0, 0, dur, tot[1], false));
  if (s->t_udp) {
    json_object_set_new(end, "sum", udp_figures(span(0, 0, dur, tot[1], false), tot[2], tot[3], n ? jit / n : 0.0));
    udp_figures(json_object_get(end, "sum_received"), tot[2], tot[3], n ? jit / n : 0.0);
  }
  json_object_set_new(end, "cpu_utilization_percent",
                      json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "host_total", s->cpu_total, "host_user", s->cpu_user,
                                "host_system", s->cpu_system, "remote_total", jreal(s->remote, "cpu_util_total"),
                                "remote_user", jreal(s->remote, "cpu_util_user"), "remote_system",
                                jreal(s->remote, "cpu_util_system")));
  json_t *test_start = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I}", "protocol", s->t_udp ? "UDP" : "TCP",
                                 "num_streams", n, "blksize", (int)s->t_len, "omit", 0, "duration", (int)s->t_time,
                                 "bytes", 0, "reverse", s->t_reverse ? 1 : 0, "target_bitrate", (json_int_t)s->t_bw);
  json_t *start = json_pack("{s:o, s:s, s:s#, s:o}", "connected", connected_json(s), "version", "lwipd iperf3",
                            "cookie", (const char *)s->cookie, COOKIE_LEN - 1, "test_start", test_start);
  json_t *ivl = s->intervals != NULL ? json_incref(s->intervals) : json_array();
  json_t *o = json_pack("{s:o, s:o, s:o}", "start", start, "intervals", ivl, "end", end);
  if (s->error[0] != '\0') {
    json_object_set_new(o, "error", json_string(s->error));
  }
  return o;
}

/* ---------------------------------------------------------------------- */
/* Test life cycle (iperf3, and iperf 2 clients)                          */
/* ---------------------------------------------------------------------- */

/* Only a rate-limited or UDP sender needs the millisecond tick; TCP at
 * full speed is driven by its sent callback. */
static bool pacing_needed(const struct iperf *s)
{
  for (const struct flow *f = s->flows; f != NULL; f = f->next) {
    if (f->sender && (f->kind == F_UDP || (f->kind == F_TCP && s->t_bw != 0))) {
      return true;
    }
  }
  return false;
}

static void test_start_running(struct iperf *s)
{
  s->running = true;
  s->start_us = s->ivl_start_us = mono_us();
  getrusage(RUSAGE_SELF, &s->ru0);
  json_decref(s->intervals);
  s->intervals = json_array();
  s->state = "running";
  sys_timeout(1000, ivl_tick, s);
  if (pacing_needed(s)) {
    sys_timeout(1, pace_tick, s);
  }
  for (struct flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind == F_TCP && f->sender) {
      tcp_fill(f);
    }
  }
}

/* Stop sending and take the final figures. */
static void test_stop_running(struct iperf *s)
{
  if (!s->running) {
    return;
  }
  s->running = false;
  s->end_us = mono_us();
  interval_close(s, s->end_us);
  cpu_measure(s, s->end_us - s->start_us);
  sys_untimeout(ivl_tick, s);
  sys_untimeout(pace_tick, s);
  sys_untimeout(end_tick, s);
  s->end_due_us = 0;
}

/* Release everything the test holds; the session (a server) stays. */
static void test_teardown(struct iperf *s, bool abort_tcp)
{
  test_stop_running(s);
  sys_untimeout(finish_later, s);
  sys_untimeout(v2_fin_tick, s);
  struct flow **pp = &s->flows;
  while (*pp != NULL) {
    struct flow *f = *pp;
    /* iperf 2 servers keep their unrelated flows. */
    if (s->version == 2 && s->server && f->kind != F_PENDING) {
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
  json_decref(s->remote);
  s->remote = NULL;
}

static void record_result(struct iperf *s)
{
  json_decref(s->result);
  s->result = s->version == 2 ? v2_client_result(s) : build_result(s);
  if (s->server) {
    if (json_array_size(s->results) >= IPERF_MAX_RESULTS) {
      json_array_remove(s->results, 0);
    }
    json_array_append(s->results, s->result);
  }
  s->tests++;
}

/* End of a test, from a timer (never inside a PCB's callback): record
 * the result if there is one, free the test, and for a client end. */
static void finish_later(void *arg)
{
  struct iperf *s = (struct iperf *)arg;
  test_stop_running(s);
  if (s->start_us != 0) {
    record_result(s);
    s->last_elapsed = secs(s->start_us, s->end_us);
  }
  test_teardown(s, s->error[0] != '\0');
  s->start_us = 0;
  if (s->server) {
    s->state = "listening";
  } else {
    s->state = s->error[0] != '\0' ? "failed" : "done";
  }
}

static void test_fail(struct iperf *s, const char *why)
{
  if (s->error[0] == '\0') {
    set_error(s, "%s", why);
  }
  sys_untimeout(finish_later, s);
  sys_timeout(0, finish_later, s);
}

static void test_done(struct iperf *s)
{
  sys_untimeout(finish_later, s);
  sys_timeout(0, finish_later, s);
}

/* ---------------------------------------------------------------------- */
/* TCP callbacks shared by every flow                                      */
/* ---------------------------------------------------------------------- */

static void ctl_input(struct flow *f);
static void pending_decide(struct flow *f);

static err_t flow_gone(struct flow *f, bool by_peer)
{
  struct iperf *s = f->s;
  f->closed = true;
  if (f->kind == F_CTL && s->ctl == f && !s->server && s->t_state == 0) {
    test_fail(s, by_peer ? "the server closed the connection at once" : "could not connect (refused or reset)");
  } else if (f->kind == F_CTL && s->ctl == f) {
    if (s->t_state == DISPLAY_RESULTS || s->t_state == IPERF_DONE) {
      test_done(s);
    } else {
      test_fail(s, by_peer ? "the peer closed the control connection" : "the control connection was reset");
    }
  } else if (f->kind == F_TCP && s->version == 2 && s->server) {
    /* One iperf 2 client finished: its figures go to the results, the
     * flow itself is freed from a timer. */
    v2_record(s, f, false);
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
  } else if (f->kind == F_TCP && s->version == 2) {
    test_done(s); /* the server went away: end the test */
  }
  return ERR_OK;
}

static void flow_err(void *arg, err_t err)
{
  struct flow *f = (struct flow *)arg;
  if (f == NULL) {
    return;
  }
  LWIP_LOG(APP, DEBUG, "iperf %d: connection gone (%s)", f->s->id, lwip_err_name(err));
  f->tcp = NULL; /* already freed by the stack */
  if (f->kind == F_PENDING) {
    /* Nothing was decided about it yet: drop it, from a timer. */
    f->closed = true;
    sys_timeout(0, reap_tick, f->s);
    return;
  }
  (void)flow_gone(f, false);
}

static err_t flow_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  struct flow *f = (struct flow *)arg;
  (void)err;
  if (f == NULL) {
    if (p != NULL) {
      tcp_recved(pcb, p->tot_len);
      pbuf_free(p);
    }
    return ERR_OK;
  }
  f->s->activity_us = mono_us();
  if (p == NULL) {
    return flow_gone(f, true);
  }
  u16_t len = p->tot_len;
  if (f->kind == F_TCP) {
    if (f->first_us == 0) {
      f->first_us = mono_us();
    }
    f->last_us = mono_us();
    f->bytes += len;
    f->ivl_bytes += len;
    deadline_poll(f->s);
  } else if (f->kind == F_PENDING && f->cookie_len < COOKIE_LEN) {
    u16_t n = (u16_t)LWIP_MIN((u32_t)len, COOKIE_LEN - f->cookie_len);
    pbuf_copy_partial(p, f->cookie + f->cookie_len, n, 0);
    f->cookie_len += n;
    f->bytes += len - n;
    if (f->cookie_len == COOKIE_LEN) {
      pending_decide(f);
    }
  } else if (f->kind == F_CTL) {
    if (f->rx_len + len > CTL_RX_MAX) {
      pbuf_free(p);
      test_fail(f->s, "control message too long");
      return ERR_OK;
    }
    u8_t *b = realloc(f->rx, f->rx_len + len);
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
  struct flow *f = (struct flow *)arg;
  (void)pcb;
  (void)len;
  if (f == NULL) {
    return ERR_OK;
  }
  f->s->activity_us = mono_us();
  if (f->txq_len > 0) {
    ctl_flush(f);
  }
  if (f->kind == F_TCP && f->sender) {
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
  struct flow *f = (struct flow *)arg;
  (void)pcb;
  if (f == NULL) {
    return ERR_OK;
  }
  struct iperf *s = f->s;
  uint64_t now = mono_us(), idle = (uint64_t)s->idle_s * 1000000U;
  if (f->kind == F_PENDING && !f->closed && now - f->first_us > idle) {
    f->closed = true;
    sys_timeout(0, reap_tick, s);
  } else if (f == s->ctl && s->error[0] == '\0' && now - s->activity_us > idle) {
    test_fail(s, "no traffic from the peer: it went silent");
  } else if (s->version == 2 && s->server && f->kind == F_TCP && !f->closed &&
             now - LWIP_MAX(f->first_us, f->last_us) > idle) {
    return flow_gone(f, true); /* ends it as if the client had closed */
  }
  return ERR_OK;
}

static void flow_attach(struct flow *f, struct tcp_pcb *pcb)
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
  f->first_us = mono_us();
  f->s->activity_us = f->first_us;
}

/* ---------------------------------------------------------------------- */
/* iperf3 server                                                           */
/* ---------------------------------------------------------------------- */

static bool param_int(json_t *o, const char *key, long long min, long long max, long long *out)
{
  json_t *v = json_object_get(o, key);
  if (v == NULL) {
    return true;
  }
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
    return false;
  }
  *out = json_integer_value(v);
  return true;
}

/* The client's parameters.  Options this server cannot honour are
 * refused with SERVER_ERROR rather than silently ignored. */
static bool server_params(struct iperf *s, json_t *o)
{
  long long time = 10, parallel = 1, len = 0, bw = 0, num = 0, blocks = 0;
  if (!json_is_object(o) || !param_int(o, "time", 0, 86400, &time) ||
      !param_int(o, "parallel", 1, IPERF_MAX_STREAMS, &parallel) || !param_int(o, "len", 0, 1 << 20, &len) ||
      !param_int(o, "bandwidth", 0, (long long)1 << 50, &bw) || !param_int(o, "num", 0, 0, &num) ||
      !param_int(o, "blockcount", 0, 0, &blocks)) {
    return false;
  }
  s->t_udp = json_is_true(json_object_get(o, "udp"));
  s->t_reverse = json_is_true(json_object_get(o, "reverse"));
  if (json_object_get(o, "bidirectional") != NULL || json_object_get(o, "udp_counters_64bit") != NULL) {
    return false;
  }
  s->t_time = (u32_t)time;
  s->t_streams = (int)parallel;
  s->t_len = (u32_t)(len > 0 ? len : (s->t_udp ? 1460 : 131072));
  if (s->t_udp && (s->t_len < 16 || s->t_len > 65507)) {
    return false;
  }
  s->t_bw = (uint64_t)bw;
  if (s->t_udp && s->t_bw == 0 && json_object_get(o, "bandwidth") == NULL) {
    s->t_bw = 1000000;
  }
  return true;
}

static void server_error_reply(struct iperf *s)
{
  u8_t msg[9] = {SERVER_ERROR};
  put_be32(msg + 1, 1);  /* iperf3's IEPARAMS... a generic "bad parameter" */
  put_be32(msg + 5, 22); /* EINVAL */
  if (s->ctl != NULL) {
    ctl_send(s->ctl, msg, sizeof(msg));
  }
  test_fail(s, "the client asked for options this server does not support");
}

static void all_streams_in(struct iperf *s)
{
  ctl_state(s, TEST_START);
  ctl_state(s, TEST_RUNNING);
  test_start_running(s);
}

static void server_stream_added(struct iperf *s, struct flow *f)
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

/* Use of one JSON block received on the control connection. */
static void ctl_json_in(struct iperf *s, json_t *o)
{
  if (s->server && s->t_state == PARAM_EXCHANGE) {
    if (!server_params(s, o)) {
      server_error_reply(s);
      return;
    }
    s->next_stream_id = 1;
    ctl_state(s, CREATE_STREAMS);
    s->state = "creating streams";
  } else if (s->server && s->t_state == EXCHANGE_RESULTS) {
    json_decref(s->remote);
    s->remote = json_incref(o);
    json_t *mine = local_results(s);
    ctl_json(s->ctl, mine);
    json_decref(mine);
    ctl_state(s, DISPLAY_RESULTS);
  } else if (!s->server) {
    json_decref(s->remote);
    s->remote = json_incref(o);
  }
}

static void server_test_end(struct iperf *s)
{
  test_stop_running(s);
  /* As iperf3 does, the server closes the data connections now; the
   * client reads no more from them. */
  for (struct flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind == F_TCP && f->tcp != NULL) {
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

static void client_state_in(struct iperf *s, u8_t st);

static void server_state_in(struct iperf *s, u8_t st)
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
static void ctl_input(struct flow *f)
{
  struct iperf *s = f->s;
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
      json_error_t jerr;
      /* Results carry -1 as 18446744073709551615 (iperf3 prints it
       * unsigned), beyond a JSON integer here: read numbers as reals. */
      size_t flags = s->t_state == PARAM_EXCHANGE ? 0 : JSON_DECODE_INT_AS_REAL;
      json_t *o = json_loadb((const char *)f->rx + off + 4, n, flags, &jerr);
      off += 4 + n;
      s->expect_json = false;
      if (o == NULL) {
        test_fail(s, "malformed JSON on the control connection");
        break;
      }
      ctl_json_in(s, o);
      json_decref(o);
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
static void pending_decide(struct flow *f)
{
  struct iperf *s = f->s;
  if (s->ctl == NULL && !s->running && s->t_state == 0) {
    f->kind = F_CTL;
    s->ctl = f;
    memcpy(s->cookie, f->cookie, COOKIE_LEN);
    s->error[0] = '\0';
    s->state = "parameter exchange";
    ctl_state(s, PARAM_EXCHANGE);
    s->expect_json = true;
    return;
  }
  if (s->t_state == CREATE_STREAMS && !s->t_udp && memcmp(f->cookie, s->cookie, COOKIE_LEN) == 0 &&
      s->t_opened < s->t_streams) {
    f->kind = F_TCP;
    server_stream_added(s, f);
    return;
  }
  /* iperf3 answers a second client with ACCESS_DENIED and closes. */
  u8_t denied = ACCESS_DENIED;
  f->kind = F_PENDING;
  f->closed = true;
  tcp_write(f->tcp, &denied, 1, TCP_WRITE_FLAG_COPY);
  tcp_output(f->tcp);
  sys_untimeout(reap_tick, s);
  sys_timeout(0, reap_tick, s);
}

static err_t server_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  struct iperf *s = (struct iperf *)arg;
  if (err != ERR_OK || newpcb == NULL) {
    return ERR_VAL;
  }
  struct flow *f = flow_new(s, s->version == 3 ? F_PENDING : F_TCP);
  if (f == NULL) {
    tcp_abort(newpcb);
    return ERR_ABRT;
  }
  flow_attach(f, newpcb);
  if (s->version == 2) {
    f->id = ++s->next_stream_id; /* a label for iperf.status */
    f->first_us = mono_us();
    s->state = "receiving";
  }
  return ERR_OK;
}

/* Free connections that were turned away or have ended (iperf 2), from a
 * timer, outside their PCBs' callbacks. */
static void reap_tick(void *arg)
{
  struct iperf *s = (struct iperf *)arg;
  struct flow **pp = &s->flows;
  while (*pp != NULL) {
    struct flow *f = *pp;
    if ((f->kind == F_PENDING || (f->kind == F_TCP && s->version == 2 && s->server)) && f->closed) {
      flow_free(f, false);
      continue;
    }
    pp = &f->next;
  }
}

/* ---------------------------------------------------------------------- */
/* iperf 2 server                                                          */
/* ---------------------------------------------------------------------- */

static json_t *v2_flow_json(const struct flow *f, bool udp)
{
  double dur = secs(f->first_us, f->last_us);
  json_t *o = json_pack("{s:s, s:i, s:s, s:I, s:f, s:f}", "peer", ipaddr_ntoa(&f->peer), "peer_port", f->peer_port,
                        "protocol", udp ? "UDP" : "TCP", "bytes", (json_int_t)f->bytes, "seconds", dur,
                        "bits_per_second", rate(f->bytes, dur));
  if (udp) {
    udp_figures(o, (uint64_t)(f->max_seq > 0 ? f->max_seq : 0), f->lost, f->jitter);
    json_object_set_new(o, "out_of_order", json_integer((json_int_t)f->ooo));
  }
  return o;
}

static void v2_record(struct iperf *s, struct flow *f, bool udp)
{
  json_decref(s->result);
  s->result = v2_flow_json(f, udp);
  if (json_array_size(s->results) >= IPERF_MAX_RESULTS) {
    json_array_remove(s->results, 0);
  }
  json_array_append(s->results, s->result);
  s->tests++;
}

/* The report iperf 2 clients wait for: the datagram header (zero), then
 * flags, total bytes (two halves), duration, lost, out of order, total
 * datagrams, jitter (seconds, microseconds), then transit statistics we
 * leave at zero apart from their sample count. */
static void v2_build_report(struct flow *f)
{
  u8_t *m = f->v2_report;
  memset(m, 0, V2_REPORT_LEN);
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

static void v2_send_report(struct iperf *s, struct flow *f)
{
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, V2_REPORT_LEN, PBUF_RAM);
  if (p != NULL) {
    memcpy(p->payload, f->v2_report, V2_REPORT_LEN);
    udp_sendto(s->udp_srv, p, &f->peer, f->peer_port);
    pbuf_free(p);
  }
}

/* Free flows that ended long ago, so a server running for days stays
 * small; their figures are in the results list. */
static void v2_reap(struct iperf *s, uint64_t now)
{
  struct flow **pp = &s->flows;
  while (*pp != NULL) {
    struct flow *f = *pp;
    if (f->kind == F_UDP && f->v2_done && now - f->last_us > 5000000U) {
      flow_free(f, false);
      continue;
    }
    if (f->kind == F_UDP && !f->v2_done && now - f->last_us > (uint64_t)s->idle_s * 1000000U) {
      v2_record(s, f, true); /* a client that never sent its end */
      flow_free(f, false);
      continue;
    }
    pp = &f->next;
  }
}

static void v2_udp_in(struct iperf *s, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  u8_t h[16];
  if (pbuf_copy_partial(p, h, 16, 0) != 16) {
    return;
  }
  s32_t id = (s32_t)get_be32(h);
  struct flow *f = flow_by_peer(s, addr, port);
  if (f == NULL || (f->v2_done && id >= 0)) {
    if (id < 0 && f == NULL) {
      return; /* the end of a flow we never saw */
    }
    if (f != NULL) {
      flow_free(f, false); /* the same port starts a new flow */
    }
    v2_reap(s, mono_us());
    f = flow_new(s, F_UDP);
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
    v2_record(s, f, true);
    s->state = "listening";
  }
}

/* ---------------------------------------------------------------------- */
/* UDP input of servers and client streams                                 */
/* ---------------------------------------------------------------------- */

static void v3_server_udp_in(struct iperf *s, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct flow *f = flow_by_peer(s, addr, port);
  if (f == NULL) {
    u8_t m[4];
    if (p->tot_len != 4 || pbuf_copy_partial(p, m, 4, 0) != 4 || memcmp(m, udp_hello, 4) != 0 ||
        s->t_state != CREATE_STREAMS || !s->t_udp || s->t_opened >= s->t_streams) {
      return;
    }
    f = flow_new(s, F_UDP);
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
  struct iperf *s = (struct iperf *)arg;
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

static void open_next_udp_stream(struct iperf *s);

static void client_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)pcb;
  (void)addr;
  (void)port;
  struct flow *f = (struct flow *)arg;
  struct iperf *s = f->s;
  u8_t h[60];
  u16_t got = pbuf_copy_partial(p, h, sizeof(h), 0);
  if (s->version == 2) {
    /* The server's report: the datagram header, then its figures. */
    if (got >= 56 && (get_be32(h + 16) & V2_HEADER_VERSION1) != 0 && s->remote == NULL) {
      uint64_t bytes = ((uint64_t)get_be32(h + 20) << 32) | get_be32(h + 24);
      double dur = get_be32(h + 28) + get_be32(h + 32) / 1e6;
      double jit = get_be32(h + 48) + get_be32(h + 52) / 1e6;
      s->remote = json_pack("{s:I, s:f, s:f, s:I, s:I, s:I, s:f}", "bytes", (json_int_t)bytes, "seconds", dur,
                            "bits_per_second", rate(bytes, dur), "lost_packets", (json_int_t)get_be32(h + 36),
                            "out_of_order", (json_int_t)get_be32(h + 40), "packets", (json_int_t)get_be32(h + 44),
                            "jitter_ms", jit * 1000.0);
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

static struct flow *client_udp_flow(struct iperf *s)
{
  struct flow *f = flow_new(s, F_UDP);
  struct udp_pcb *pcb = f != NULL ? udp_new() : NULL;
  ip_addr_t dst;
  ip_addr_set_ip4(&dst, &s->target);
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
static void open_next_udp_stream(struct iperf *s)
{
  if (data_flows(s) >= s->t_streams) {
    return;
  }
  struct flow *f = client_udp_flow(s);
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
  struct flow *f = (struct flow *)arg;
  (void)pcb;
  if (f == NULL || err != ERR_OK) {
    return ERR_OK;
  }
  struct iperf *s = f->s;
  f->local_port = pcb->local_port;
  if (f->kind == F_CTL || s->version == 3) {
    tcp_write(pcb, s->cookie, COOKIE_LEN, TCP_WRITE_FLAG_COPY);
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

static struct flow *client_tcp_flow(struct iperf *s, enum flow_kind kind)
{
  struct flow *f = flow_new(s, kind);
  struct tcp_pcb *pcb = f != NULL ? tcp_new() : NULL;
  if (pcb == NULL) {
    if (f != NULL) {
      flow_free(f, true);
    }
    return NULL;
  }
  ip_addr_t dst;
  ip_addr_set_ip4(&dst, &s->target);
  flow_attach(f, pcb);
  f->peer = dst;
  f->peer_port = s->port;
  err_t err = tcp_connect(pcb, &dst, s->port, stream_connected);
  if (err != ERR_OK) {
    set_error(s, "connect: %s", lwip_strerr(err));
    flow_free(f, true);
    return NULL;
  }
  return f;
}

static void client_create_streams(struct iperf *s)
{
  s->next_stream_id = 1;
  s->state = "creating streams";
  if (s->t_udp) {
    open_next_udp_stream(s);
    return;
  }
  for (int i = 0; i < s->t_streams; i++) {
    struct flow *f = client_tcp_flow(s, F_TCP);
    if (f == NULL) {
      test_fail(s, "no TCP PCB or memory for a stream");
      return;
    }
    f->id = s->next_stream_id;
    s->next_stream_id = s->next_stream_id == 1 ? 3 : s->next_stream_id + 1;
    f->sender = !s->t_reverse;
  }
}

static json_t *client_params(struct iperf *s)
{
  json_t *o = json_pack("{s:b, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s}", s->t_udp ? "udp" : "tcp", 1, "omit", 0,
                        "time", (int)s->t_time, "num", 0, "blockcount", 0, "parallel", s->t_streams, "len",
                        (int)s->t_len, "pacing_timer", 1000, "client_version", "3.12");
  if (s->t_reverse) {
    json_object_set_new(o, "reverse", json_true());
  }
  if (s->t_bw != 0) {
    json_object_set_new(o, "bandwidth", json_integer((json_int_t)s->t_bw));
  }
  return o;
}

static void client_state_in(struct iperf *s, u8_t st)
{
  switch (st) {
  case PARAM_EXCHANGE: {
    s->t_state = st;
    json_t *o = client_params(s);
    ctl_json(s->ctl, o);
    json_decref(o);
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
    for (struct flow *f = s->flows; f != NULL; f = f->next) {
      f->sender = (f->kind == F_TCP || f->kind == F_UDP) && !s->t_reverse;
    }
    test_start_running(s);
    sys_timeout(s->t_time * 1000U, end_tick, s);
    s->end_due_us = s->start_us + (uint64_t)s->t_time * 1000000U;
    break;
  case EXCHANGE_RESULTS: {
    s->t_state = st;
    s->state = "exchanging results";
    json_t *mine = local_results(s);
    ctl_json(s->ctl, mine);
    json_decref(mine);
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
  struct iperf *s = (struct iperf *)arg;
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
  struct iperf *s = (struct iperf *)arg;
  struct flow *f = s->flows;
  while (f != NULL && f->kind != F_UDP) {
    f = f->next;
  }
  if (f == NULL || s->remote != NULL) {
    return;
  }
  if (s->fin_tries++ >= V2_FIN_TRIES) {
    set_error(s, "no server report after %d end datagrams", V2_FIN_TRIES);
    test_done(s);
    return;
  }
  udp_emit(f, -(int64_t)(f->next_seq + 1));
  sys_timeout(250, v2_fin_tick, s);
}

static void make_cookie(u8_t *c)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  for (int i = 0; i < COOKIE_LEN - 1; i++) {
    c[i] = (u8_t)alphabet[lwip_port_rand() % 32U];
  }
  c[COOKIE_LEN - 1] = 0;
}

static bool client_start(struct iperf *s, struct ctl_reply *r)
{
  s->t_udp = s->udp;
  s->t_reverse = s->reverse;
  s->t_time = s->duration_s;
  s->t_streams = s->nstreams;
  s->t_len = s->len;
  s->t_bw = s->bandwidth;
  s->state = "connecting";
  make_cookie(s->cookie);
  if (s->version == 3) {
    struct flow *c = client_tcp_flow(s, F_CTL);
    if (c == NULL) {
      ctl_error(r, CTL_E_FAILED, "cannot open the control connection: %s", s->error);
      return false;
    }
    s->ctl = c;
    return true;
  }
  if (s->udp) {
    struct flow *f = client_udp_flow(s);
    if (f == NULL) {
      ctl_error(r, CTL_E_NO_MEMORY, "no UDP PCB left");
      return false;
    }
    f->id = 1;
    f->sender = true;
    s->t_opened = 1;
    test_start_running(s);
    sys_timeout(s->duration_s * 1000U, end_tick, s);
    s->end_due_us = s->start_us + (uint64_t)s->duration_s * 1000000U;
    return true;
  }
  for (int i = 0; i < s->nstreams; i++) {
    struct flow *f = client_tcp_flow(s, F_TCP);
    if (f == NULL) {
      ctl_error(r, CTL_E_FAILED, "cannot connect: %s", s->error[0] ? s->error : "no TCP PCB left");
      return false;
    }
    f->id = i + 1;
    f->sender = true;
  }
  return true;
}

/* The result of an iperf 2 client: what we sent, and the server's report
 * (UDP) in "remote". */
static json_t *v2_client_result(struct iperf *s)
{
  double dur = secs(s->start_us, s->end_us);
  uint64_t bytes = 0, packets = 0;
  for (struct flow *f = s->flows; f != NULL; f = f->next) {
    bytes += f->bytes;
    packets += f->packets;
  }
  json_t *o = json_pack("{s:s, s:I, s:f, s:f, s:o}", "protocol", s->udp ? "UDP" : "TCP", "bytes", (json_int_t)bytes,
                        "seconds", dur, "bits_per_second", rate(bytes, dur), "intervals",
                        s->intervals ? json_incref(s->intervals) : json_array());
  if (s->udp) {
    json_object_set_new(o, "packets", json_integer((json_int_t)packets));
  }
  if (s->remote != NULL) {
    json_object_set(o, "server_report", s->remote);
  }
  if (s->error[0] != '\0') {
    json_object_set_new(o, "error", json_string(s->error));
  }
  return o;
}

/* ---------------------------------------------------------------------- */
/* Sessions                                                                */
/* ---------------------------------------------------------------------- */

static void session_free(struct iperf *s)
{
  for (int i = 0; i < IPERF_MAX; i++) {
    if (sessions[i] == s) {
      sessions[i] = NULL;
    }
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
  }
  if (s->udp_srv != NULL) {
    udp_remove(s->udp_srv);
  }
  json_decref(s->intervals);
  json_decref(s->remote);
  json_decref(s->result);
  json_decref(s->results);
  free(s);
}

static bool server_listen(struct iperf *s, struct ctl_reply *r)
{
  if (s->tcp_on) {
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL) {
      ctl_error(r, CTL_E_NO_MEMORY, "no TCP PCB left");
      return false;
    }
    ip_set_option(pcb, SOF_REUSEADDR);
    err_t err = tcp_bind(pcb, IP_ADDR_ANY, s->port);
    struct tcp_pcb *l = err == ERR_OK ? tcp_listen_with_backlog_and_err(pcb, 32, &err) : NULL;
    if (l == NULL) {
      tcp_close(pcb);
      ctl_error(r, err == ERR_USE ? CTL_E_BUSY : CTL_E_FAILED, "TCP port %u: %s", s->port, lwip_strerr(err));
      return false;
    }
    s->listener = l;
    tcp_arg(l, s);
    tcp_accept(l, server_accept);
  }
  if (s->udp_on) {
    struct udp_pcb *u = udp_new();
    err_t err = u != NULL ? udp_bind(u, IP_ADDR_ANY, s->port) : ERR_MEM;
    if (err != ERR_OK) {
      if (u != NULL) {
        udp_remove(u);
      }
      ctl_error(r, err == ERR_USE ? CTL_E_BUSY : CTL_E_NO_MEMORY, "UDP port %u: %s", s->port, lwip_strerr(err));
      return false;
    }
    s->udp_srv = u;
    udp_recv(u, server_udp_recv, s);
  }
  s->state = "listening";
  return true;
}

static double session_elapsed(const struct iperf *s)
{
  if (s->start_us == 0) {
    return s->last_elapsed;
  }
  return secs(s->start_us, s->running ? mono_us() : s->end_us);
}

static json_t *flows_json(const struct iperf *s)
{
  json_t *a = json_array();
  for (const struct flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind != F_TCP && f->kind != F_UDP) {
      continue;
    }
    json_t *o = json_pack("{s:i, s:s, s:s, s:i, s:I, s:b}", "id", f->id, "protocol", f->kind == F_TCP ? "TCP" : "UDP",
                          "peer", ipaddr_ntoa(&f->peer), "peer_port", f->peer_port, "bytes", (json_int_t)f->bytes,
                          "sender", f->sender);
    if (f->kind == F_UDP) {
      udp_figures(o, f->sender ? f->packets : (uint64_t)(f->max_seq > 0 ? f->max_seq : 0), f->lost, f->jitter);
    }
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *session_json(struct iperf *s, size_t since)
{
  json_t *o = json_pack("{s:i, s:s, s:i, s:i, s:s, s:f, s:I}", "id", s->id, "mode", s->server ? "server" : "client",
                        "version", s->version, "port", s->port, "state", s->state, "elapsed", session_elapsed(s),
                        "tests", (json_int_t)s->tests);
  if (!s->server) {
    json_object_set_new(o, "target", json_ip4(&s->target));
    json_object_set_new(o, "protocol", json_string(s->udp ? "udp" : "tcp"));
    json_object_set_new(o, "duration", json_integer(s->duration_s));
    json_object_set_new(o, "streams", json_integer(s->nstreams));
    json_object_set_new(o, "reverse", json_boolean(s->reverse));
  } else if (s->version == 2) {
    json_object_set_new(o, "protocol", json_string(s->tcp_on && s->udp_on ? "tcp+udp" : s->udp_on ? "udp" : "tcp"));
  }
  json_t *ivl = json_array();
  for (size_t i = since; s->intervals != NULL && i < json_array_size(s->intervals); i++) {
    json_array_append(ivl, json_array_get(s->intervals, i));
  }
  json_object_set_new(o, "intervals", ivl);
  size_t count = s->intervals != NULL ? json_array_size(s->intervals) : 0;
  json_object_set_new(o, "interval_count", json_integer((json_int_t)count));
  json_object_set_new(o, "flows", flows_json(s));
  if (s->error[0] != '\0') {
    json_object_set_new(o, "error", json_string(s->error));
  }
  if (s->result != NULL) {
    json_object_set(o, "result", s->result);
  }
  if (s->server) {
    json_object_set(o, "results", s->results);
  }
  return o;
}

static struct iperf *session_find(long long id)
{
  for (int i = 0; i < IPERF_MAX; i++) {
    if (sessions[i] != NULL && sessions[i]->id == id) {
      return sessions[i];
    }
  }
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Commands                                                                */
/* ---------------------------------------------------------------------- */

static bool start_args(struct iperf *s, json_t *args, struct ctl_reply *r)
{
  const char *mode = NULL, *proto = NULL;
  long long version = 3, port = 0, duration = 10, streams = 1, len = 0, bw = -1, idle = 30;
  bool reverse = false;
  if (!arg_str(args, "mode", false, &mode, r) || !arg_int(args, "version", false, 2, 3, &version, r) ||
      !arg_int(args, "port", false, 1, 65535, &port, r) || !arg_str(args, "protocol", false, &proto, r) ||
      !arg_int(args, "duration", false, 1, 86400, &duration, r) ||
      !arg_int(args, "streams", false, 1, IPERF_MAX_STREAMS, &streams, r) ||
      !arg_int(args, "length", false, 16, 131072, &len, r) ||
      !arg_int(args, "bandwidth", false, 0, (long long)1 << 50, &bw, r) ||
      !arg_bool(args, "reverse", false, &reverse, r) || !arg_int(args, "idle_timeout", false, 1, 3600, &idle, r)) {
    return false;
  }
  s->idle_s = (u32_t)idle;
  bool client = json_object_get(args, "target") != NULL;
  if (mode != NULL && strcmp(mode, "server") != 0 && strcmp(mode, "client") != 0) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.mode: expected server or client");
    return false;
  }
  if (mode != NULL && (strcmp(mode, "client") == 0) != client) {
    ctl_error(r, CTL_E_BAD_ARGS, client ? "args.target: a server takes no target" : "args.target: a client needs one");
    return false;
  }
  if (proto != NULL && strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.protocol: expected tcp or udp");
    return false;
  }
  if (client && !arg_ip4(args, "target", true, &s->target, r)) {
    return false;
  }
  if (reverse && version == 2) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.reverse: only iperf3 has a reverse mode");
    return false;
  }
  s->server = !client;
  s->version = (int)version;
  s->udp = proto != NULL && strcmp(proto, "udp") == 0;
  s->tcp_on = version == 3 || proto == NULL || !s->udp;
  s->udp_on = version == 3 || proto == NULL || s->udp;
  s->port = (u16_t)(port > 0 ? port : (version == 3 ? 5201 : 5001));
  s->duration_s = (u32_t)duration;
  s->nstreams = (int)streams;
  s->reverse = reverse;
  if (s->udp && len > 65507) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.length: at most 65507 for UDP");
    return false;
  }
  s->len = (u32_t)(len > 0 ? len : (s->udp ? (version == 3 ? 1460 : 1470) : 131072));
  s->bandwidth = (uint64_t)(bw >= 0 ? bw : (s->udp ? 1000000 : 0));
  if (s->udp && s->version == 2 && s->nstreams > 1) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.streams: iperf 2 UDP runs one stream here");
    return false;
  }
  return true;
}

static json_t *cmd_iperf_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  int slot = -1;
  for (int i = 0; i < IPERF_MAX && slot < 0; i++) {
    if (sessions[i] == NULL) {
      slot = i;
    }
  }
  for (int i = 0; i < IPERF_MAX && slot < 0; i++) {
    /* A finished client only keeps its figures: its slot may be reused,
     * the first such slot is taken. */
    struct iperf *old = sessions[i];
    if (old != NULL && !old->server && (strcmp(old->state, "done") == 0 || strcmp(old->state, "failed") == 0)) {
      session_free(old);
      slot = i;
    }
  }
  if (slot < 0) {
    return ctl_error(r, CTL_E_BUSY, "%d iperf sessions exist already: stop one (iperf.stop)", IPERF_MAX);
  }
  struct iperf *s = calloc(1, sizeof(*s));
  if (s == NULL) {
    return ctl_error(r, CTL_E_NO_MEMORY, "no memory for an iperf session");
  }
  s->results = json_array();
  s->state = "starting";
  sessions[slot] = s;
  pattern_init();
  if (!start_args(s, args, r) || (s->server && !server_listen(s, r)) || (!s->server && !client_start(s, r))) {
    session_free(s);
    return NULL;
  }
  s->id = next_id++;
  LWIP_LOG(APP, INFO, "iperf %d: %s, version %d, port %u", s->id, s->server ? "server" : "client", s->version,
           s->port);
  return json_pack("{s:i, s:s, s:i, s:i}", "id", s->id, "mode", s->server ? "server" : "client", "version",
                   s->version, "port", s->port);
}

static json_t *cmd_iperf_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  long long id = 0;
  if (!arg_int(args, "id", false, 1, INT32_MAX, &id, r)) {
    return NULL;
  }
  int stopped = 0;
  json_t *last = NULL;
  for (int i = 0; i < IPERF_MAX; i++) {
    struct iperf *s = sessions[i];
    if (s != NULL && (id == 0 || s->id == id)) {
      if (s->running && s->error[0] == '\0') {
        set_error(s, "stopped by iperf.stop");
      }
      json_decref(last);
      last = session_json(s, 0);
      session_free(s);
      stopped++;
    }
  }
  if (stopped == 0) {
    json_decref(last);
    return id != 0 ? ctl_error(r, CTL_E_NOT_FOUND, "no iperf session %lld", id) : json_pack("{s:i}", "stopped", 0);
  }
  json_t *o = json_pack("{s:i}", "stopped", stopped);
  if (stopped == 1) {
    json_object_set_new(o, "session", last);
  } else {
    json_decref(last);
  }
  return o;
}

static json_t *cmd_iperf_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  long long id = 0, since = 0;
  if (!arg_int(args, "id", false, 1, INT32_MAX, &id, r) || !arg_int(args, "since", false, 0, INT32_MAX, &since, r)) {
    return NULL;
  }
  if (id != 0) {
    struct iperf *s = session_find(id);
    return s != NULL ? session_json(s, (size_t)since) : ctl_error(r, CTL_E_NOT_FOUND, "no iperf session %lld", id);
  }
  json_t *a = json_array();
  for (int i = 0; i < IPERF_MAX; i++) {
    if (sessions[i] != NULL) {
      json_array_append_new(a, session_json(sessions[i], (size_t)since));
    }
  }
  return json_pack("{s:o}", "sessions", a);
}

void iperf_stop_all(void)
{
  for (int i = 0; i < IPERF_MAX; i++) {
    if (sessions[i] != NULL) {
      session_free(sessions[i]);
    }
  }
}

#else /* LWIP_TCP && LWIP_UDP */

static json_t *cmd_iperf_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  return ctl_error(r, CTL_E_FAILED, "this build has no TCP or no UDP: iperf is unavailable");
}

static json_t *cmd_iperf_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  return cmd_iperf_start(req, args, r);
}

static json_t *cmd_iperf_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  return cmd_iperf_start(req, args, r);
}

void iperf_stop_all(void)
{
}

#endif

/* The iperf.* commands (docs/control-protocol.md, iperf). */
const struct ctl_cmd iperf_cmds[] = {
    {"iperf.start", cmd_iperf_start, "start an iperf 2/iperf3 server or client"},
    {"iperf.stop", cmd_iperf_stop, "stop an iperf session"},
    {"iperf.status", cmd_iperf_status, "iperf sessions and results"},
    {NULL, NULL, NULL},
};
