/**
 * @file iperf.c
 * The iperf.* commands (iperf.start, iperf.stop, iperf.status): iperf 2
 * and iperf3 servers and clients on lwipd's stack.  The protocol engines
 * are core/apps/iperf.c (lwip/apps/iperf.h); this file parses the
 * commands' arguments, gives the engine its host services (clocks,
 * getrusage, iperf3's JSON blocks with jansson) and turns what it measures
 * into the JSON of iperf.status: intervals and results in the form of
 * iperf3 -J, iperf 2 flows and server reports.
 *
 * Sessions are not tied to the control connection that started them:
 * they run until they end or iperf.stop; their figures stay readable
 * through iperf.status until stopped.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "lwip/debug.h"
#include "lwip/err.h"
#include "lwip/apps/iperf.h"

#if LWIP_TCP && LWIP_UDP

#define IPERF_MAX 8
#define IPERF_MAX_INTERVALS 3600
#define IPERF_MAX_RESULTS 16
#define COOKIE_LEN IPERF_COOKIE_LEN

/** A session as the daemon holds it: the engine's state and the JSON it
 *  has reported so far. */
struct dsession {
  struct iperf_session e;
  json_t *intervals; /* this test's intervals */
  json_t *result;    /* the last finished test, iperf3 -J form */
  json_t *results;   /* server: finished tests (newest last) */
};

static struct dsession *sessions[IPERF_MAX];
static int next_id = 1;

static struct dsession *dsess(const struct iperf_session *s)
{
  return (struct dsession *)s->user;
}

/* ---------------------------------------------------------------------- */
/* Host services for the engine                                            */
/* ---------------------------------------------------------------------- */

static uint64_t mono_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

static uint64_t ops_now_us(void *ctx)
{
  (void)ctx;
  return mono_us();
}

/* Wall-clock time for datagram timestamps: the peer only ever subtracts
 * them from each other, so any steady clock works; iperf uses this one. */
static void ops_wall_time(void *ctx, uint32_t *sec, uint32_t *usec)
{
  (void)ctx;
  struct timeval tv;
  gettimeofday(&tv, NULL);
  *sec = (uint32_t)tv.tv_sec;
  *usec = (uint32_t)tv.tv_usec;
}

static void ops_cpu_time(void *ctx, struct iperf_cpu *cpu)
{
  (void)ctx;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  cpu->user_sec = ru.ru_utime.tv_sec;
  cpu->user_usec = ru.ru_utime.tv_usec;
  cpu->sys_sec = ru.ru_stime.tv_sec;
  cpu->sys_usec = ru.ru_stime.tv_usec;
}

/* A JSON block's text, as iperf3 reads it: compact, reals to 17 digits. */
static long dump_json(json_t *o, char *buf, size_t size)
{
  if (o == NULL) {
    return -1;
  }
  size_t n = json_dumpb(o, buf, size, JSON_COMPACT | JSON_REAL_PRECISION(17));
  json_decref(o);
  return n == 0 ? -1 : (long)n;
}

static long ops_encode_params(void *ctx, const struct iperf3_params *p, char *buf, size_t size)
{
  (void)ctx;
  json_t *o =
      json_pack("{s:b, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", p->udp ? "udp" : "tcp", 1, "omit", (json_int_t)p->omit,
                "time", (json_int_t)p->time, "num", (json_int_t)p->num, "blockcount", (json_int_t)p->blockcount,
                "parallel", (json_int_t)p->parallel, "len", (json_int_t)p->len, "pacing_timer",
                (json_int_t)p->pacing_timer, "client_version", p->client_version != NULL ? p->client_version : "3.12");
  if (o != NULL && p->reverse) {
    json_object_set_new(o, "reverse", json_true());
  }
  if (o != NULL && (p->has & IPERF3_P_BANDWIDTH) != 0) {
    json_object_set_new(o, "bandwidth", json_integer((json_int_t)p->bandwidth));
  }
  return dump_json(o, buf, size);
}

static void param_field(json_t *o, const char *key, uint32_t bit, int64_t *out, struct iperf3_params *p)
{
  json_t *v = json_object_get(o, key);
  if (v == NULL) {
    return;
  }
  p->has |= bit;
  if (!json_is_integer(v)) {
    p->bad |= bit;
    return;
  }
  *out = json_integer_value(v);
}

static bool ops_decode_params(void *ctx, const char *text, size_t len, struct iperf3_params *p)
{
  (void)ctx;
  json_error_t jerr;
  json_t *o = json_loadb(text, len, 0, &jerr);
  if (o == NULL) {
    return false;
  }
  p->is_object = json_is_object(o);
  param_field(o, "time", IPERF3_P_TIME, &p->time, p);
  param_field(o, "parallel", IPERF3_P_PARALLEL, &p->parallel, p);
  param_field(o, "len", IPERF3_P_LEN, &p->len, p);
  param_field(o, "bandwidth", IPERF3_P_BANDWIDTH, &p->bandwidth, p);
  param_field(o, "num", IPERF3_P_NUM, &p->num, p);
  param_field(o, "blockcount", IPERF3_P_BLOCKCOUNT, &p->blockcount, p);
  p->udp = json_is_true(json_object_get(o, "udp"));
  p->reverse = json_is_true(json_object_get(o, "reverse"));
  p->bidirectional = json_object_get(o, "bidirectional") != NULL;
  p->udp_counters_64bit = json_object_get(o, "udp_counters_64bit") != NULL;
  json_decref(o);
  return true;
}

static long ops_encode_results(void *ctx, const struct iperf3_results *r, char *buf, size_t size)
{
  (void)ctx;
  json_t *streams = json_array();
  for (int i = 0; i < r->nstreams; i++) {
    const struct iperf3_stream_result *t = &r->streams[i];
    json_array_append_new(streams, json_pack("{s:i, s:I, s:i, s:f, s:I, s:I, s:I, s:i, s:f}", "id", (int)t->id, "bytes",
                                             (json_int_t)t->bytes, "retransmits", (int)t->retransmits, "jitter",
                                             t->jitter, "errors", (json_int_t)t->errors, "packets",
                                             (json_int_t)t->packets, "omitted_packets", (json_int_t)t->omitted_packets,
                                             "start_time", (int)t->start_time, "end_time", t->end_time));
  }
  json_t *o = json_pack("{s:f, s:f, s:f, s:i, s:o}", "cpu_util_total", r->cpu_util_total, "cpu_util_user",
                        r->cpu_util_user, "cpu_util_system", r->cpu_util_system, "sender_has_retransmits",
                        r->sender_has_retransmits, "streams", streams);
  return dump_json(o, buf, size);
}

static double jreal(json_t *o, const char *key)
{
  return json_number_value(json_object_get(o, key));
}

/* Converting a double outside the target type's range is undefined
 * behaviour in C, and a peer's JSON can hold any number: every count is
 * range-checked before the cast.  2^63 and 2^64 are exact as doubles. */
#define TWO_POW_63 9223372036854775808.0
#define TWO_POW_64 18446744073709551616.0

static uint64_t juint(json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  if (json_is_integer(v)) {
    json_int_t i = json_integer_value(v);
    return i > 0 ? (uint64_t)i : 0;
  }
  double d = json_is_real(v) ? json_real_value(v) : 0.0;
  if (!(d > 0.0)) { /* negative, zero or NaN */
    return 0;
  }
  return d >= TWO_POW_64 ? UINT64_MAX : (uint64_t)d;
}

/* A signed count.  iperf3 prints its "unknown" -1 as the unsigned
 * 18446744073709551615, which reads back as 2^64: anything from 2^63 up
 * is such a wrapped negative and means -1. */
static int64_t jsigned(json_t *o, const char *key)
{
  double d = json_number_value(json_object_get(o, key));
  if (d >= TWO_POW_63) {
    return -1;
  }
  if (!(d > -TWO_POW_63)) { /* below the range, or NaN */
    return d < 0.0 ? INT64_MIN : 0;
  }
  return (int64_t)d;
}

static bool ops_decode_results(void *ctx, const char *text, size_t len, struct iperf3_results *r)
{
  (void)ctx;
  json_error_t jerr;
  /* Results carry -1 as 18446744073709551615 (iperf3 prints it
   * unsigned), beyond a JSON integer here: read numbers as reals. */
  json_t *o = json_loadb(text, len, JSON_DECODE_INT_AS_REAL, &jerr);
  if (o == NULL) {
    return false;
  }
  r->cpu_util_total = jreal(o, "cpu_util_total");
  r->cpu_util_user = jreal(o, "cpu_util_user");
  r->cpu_util_system = jreal(o, "cpu_util_system");
  int64_t has_retrans = jsigned(o, "sender_has_retransmits");
  r->sender_has_retransmits = has_retrans < 0 ? -1 : has_retrans > 0 ? 1 : 0;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(o, "streams"), i, v) {
    if (r->nstreams >= IPERF_MAX_STREAMS) {
      break;
    }
    struct iperf3_stream_result *t = &r->streams[r->nstreams++];
    double id = json_number_value(json_object_get(v, "id"));
    t->id = json_is_number(json_object_get(v, "id")) && id >= 1 && id <= INT32_MAX && id == (double)(int64_t)id
                ? (int64_t)id
                : -1;
    t->bytes = juint(v, "bytes");
    t->retransmits = jsigned(v, "retransmits");
    t->jitter = jreal(v, "jitter");
    t->errors = juint(v, "errors");
    t->packets = juint(v, "packets");
    t->omitted_packets = juint(v, "omitted_packets");
    t->outoforder = juint(v, "outoforder");
    t->end_time = jreal(v, "end_time");
  }
  json_decref(o);
  return true;
}

/* ---------------------------------------------------------------------- */
/* What the engine reports, as JSON                                        */
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
                        (json_int_t)bytes, "bits_per_second", iperf_rate(bytes, end - start), "sender", sender);
  if (socket > 0) {
    json_object_set_new(o, "socket", json_integer(socket));
  }
  return o;
}

/* A closed interval: per-stream and summed figures, as iperf3's
 * "intervals" entries. */
static void ops_interval(void *ctx, struct iperf_session *s, const struct iperf_interval *ivl)
{
  (void)ctx;
  struct dsession *d = dsess(s);
  if (d->intervals == NULL) {
    return;
  }
  json_t *streams = json_array();
  for (int i = 0; i < ivl->nstreams; i++) {
    const struct iperf_interval_stream *f = &ivl->streams[i];
    json_t *o = span(f->id, ivl->start, ivl->end, f->bytes, f->sender);
    json_object_set_new(o, "omitted", json_false());
    if (ivl->udp) {
      udp_figures(o, f->packets, f->lost, f->jitter_s);
    }
    json_array_append_new(streams, o);
  }
  json_t *total = span(0, ivl->start, ivl->end, ivl->sum.bytes, ivl->sum.sender);
  json_object_set_new(total, "omitted", json_false());
  if (ivl->udp) {
    udp_figures(total, ivl->sum.packets, ivl->sum.lost, ivl->sum.jitter_s);
  }
  if (json_array_size(d->intervals) >= IPERF_MAX_INTERVALS) {
    json_array_remove(d->intervals, 0);
  }
  json_array_append_new(d->intervals, json_pack("{s:o, s:o}", "streams", streams, "sum", total));
}

static void ops_test_started(void *ctx, struct iperf_session *s)
{
  (void)ctx;
  struct dsession *d = dsess(s);
  json_decref(d->intervals);
  d->intervals = json_array();
}

static const struct iperf3_stream_result *remote_stream(const struct iperf_session *s, int id)
{
  for (int i = 0; i < s->remote3.nstreams; i++) {
    if (s->remote3.streams[i].id == id) {
      return &s->remote3.streams[i];
    }
  }
  return NULL;
}

/* One stream's end figures: both halves, ours and the peer's. */
static void end_stream(const struct iperf_session *s, const struct iperf_flow *f, double dur, json_t *streams,
                       uint64_t tot[4], double *jit)
{
  const struct iperf3_stream_result *r = remote_stream(s, f->id);
  uint64_t sent = f->sender ? f->bytes : (r != NULL ? r->bytes : 0);
  uint64_t recvd = f->sender ? (r != NULL ? r->bytes : 0) : f->bytes;
  tot[0] += sent;
  tot[1] += recvd;
  if (!s->t_udp) {
    json_array_append_new(streams, json_pack("{s:o, s:o}", "sender", span(f->id, 0, dur, sent, true), "receiver",
                                             span(f->id, 0, dur, recvd, false)));
    return;
  }
  uint64_t packets = f->sender ? (r != NULL ? r->packets : 0) : (uint64_t)(f->max_seq > 0 ? f->max_seq : 0);
  uint64_t lost = f->sender ? (r != NULL ? r->errors : 0) : f->lost;
  double jitter = f->sender ? (r != NULL ? r->jitter : 0.0) : f->jitter;
  tot[2] += packets;
  tot[3] += lost;
  *jit += jitter;
  json_t *o = udp_figures(span(f->id, 0, dur, recvd, f->sender), packets, lost, jitter);
  json_object_set_new(o, "out_of_order",
                      json_integer((json_int_t)(f->sender ? (r != NULL ? r->outoforder : 0) : f->ooo)));
  json_array_append_new(streams, json_pack("{s:o}", "udp", o));
}

static json_t *connected_json(const struct iperf_session *s)
{
  json_t *a = json_array();
  for (const struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind == IPERF_FLOW_TCP || f->kind == IPERF_FLOW_UDP) {
      json_array_append_new(a, json_pack("{s:i, s:s, s:i}", "socket", f->id, "remote_host", ipaddr_ntoa(&f->peer),
                                         "remote_port", f->peer_port));
    }
  }
  return a;
}

/* The finished test in the form of iperf3 -J: start, intervals, end. */
static json_t *build_result(const struct iperf_session *s)
{
  double dur = iperf_secs(s->start_us, s->end_us);
  json_t *streams = json_array();
  uint64_t tot[4] = {0, 0, 0, 0};
  double jit = 0;
  int n = 0;
  for (const struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind == IPERF_FLOW_TCP || f->kind == IPERF_FLOW_UDP) {
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
                                "host_system", s->cpu_system, "remote_total", s->remote3.cpu_util_total, "remote_user",
                                s->remote3.cpu_util_user, "remote_system", s->remote3.cpu_util_system));
  json_t *test_start = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I}", "protocol", s->t_udp ? "UDP" : "TCP",
                                 "num_streams", n, "blksize", (int)s->t_len, "omit", 0, "duration", (int)s->t_time,
                                 "bytes", 0, "reverse", s->t_reverse ? 1 : 0, "target_bitrate", (json_int_t)s->t_bw);
  json_t *start = json_pack("{s:o, s:s, s:s#, s:o}", "connected", connected_json(s), "version", "lwipd iperf3",
                            "cookie", (const char *)s->cookie, COOKIE_LEN - 1, "test_start", test_start);
  json_t *ivl = dsess(s)->intervals != NULL ? json_incref(dsess(s)->intervals) : json_array();
  json_t *o = json_pack("{s:o, s:o, s:o}", "start", start, "intervals", ivl, "end", end);
  if (s->error[0] != '\0') {
    json_object_set_new(o, "error", json_string(s->error));
  }
  return o;
}

static json_t *v2_flow_json(const struct iperf_flow *f, bool udp)
{
  double dur = iperf_secs(f->first_us, f->last_us);
  json_t *o = json_pack("{s:s, s:i, s:s, s:I, s:f, s:f}", "peer", ipaddr_ntoa(&f->peer), "peer_port", f->peer_port,
                        "protocol", udp ? "UDP" : "TCP", "bytes", (json_int_t)f->bytes, "seconds", dur,
                        "bits_per_second", iperf_rate(f->bytes, dur));
  if (udp) {
    udp_figures(o, (uint64_t)(f->max_seq > 0 ? f->max_seq : 0), f->lost, f->jitter);
    json_object_set_new(o, "out_of_order", json_integer((json_int_t)f->ooo));
  }
  return o;
}

/* The result of an iperf 2 client: what we sent, and the server's report
 * (UDP) in "remote". */
static json_t *v2_client_result(const struct iperf_session *s)
{
  double dur = iperf_secs(s->start_us, s->end_us);
  uint64_t bytes = 0, packets = 0;
  for (const struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    bytes += f->bytes;
    packets += f->packets;
  }
  json_t *o = json_pack("{s:s, s:I, s:f, s:f, s:o}", "protocol", s->udp ? "UDP" : "TCP", "bytes", (json_int_t)bytes,
                        "seconds", dur, "bits_per_second", iperf_rate(bytes, dur), "intervals",
                        dsess(s)->intervals ? json_incref(dsess(s)->intervals) : json_array());
  if (s->udp) {
    json_object_set_new(o, "packets", json_integer((json_int_t)packets));
  }
  if (s->have_remote) {
    const struct iperf2_report *m = &s->remote2;
    json_object_set_new(o, "server_report",
                        json_pack("{s:I, s:f, s:f, s:I, s:I, s:I, s:f}", "bytes", (json_int_t)m->bytes, "seconds",
                                  m->seconds, "bits_per_second", iperf_rate(m->bytes, m->seconds), "lost_packets",
                                  (json_int_t)m->lost, "out_of_order", (json_int_t)m->out_of_order, "packets",
                                  (json_int_t)m->packets, "jitter_ms", m->jitter_s * 1000.0));
  }
  if (s->error[0] != '\0') {
    json_object_set_new(o, "error", json_string(s->error));
  }
  return o;
}

/* A final result: the session's test, or one iperf 2 server flow. */
static void ops_record(void *ctx, struct iperf_session *s, const struct iperf_flow *f)
{
  (void)ctx;
  struct dsession *d = dsess(s);
  json_decref(d->result);
  if (f != NULL) {
    d->result = v2_flow_json(f, f->kind == IPERF_FLOW_UDP);
  } else {
    d->result = s->version == 2 ? v2_client_result(s) : build_result(s);
  }
  if (s->server) {
    if (json_array_size(d->results) >= IPERF_MAX_RESULTS) {
      json_array_remove(d->results, 0);
    }
    json_array_append(d->results, d->result);
  }
}

static const struct iperf_ops daemon_ops = {
    .now_us = ops_now_us,
    .wall_time = ops_wall_time,
    .cpu_time = ops_cpu_time,
    .random = NULL, /* lwip_port_rand */
    .encode_params = ops_encode_params,
    .decode_params = ops_decode_params,
    .encode_results = ops_encode_results,
    .decode_results = ops_decode_results,
    .test_started = ops_test_started,
    .interval = ops_interval,
    .record = ops_record,
};

const struct iperf_ops *iperf_daemon_ops(void)
{
  return &daemon_ops;
}

/* ---------------------------------------------------------------------- */
/* Sessions                                                                */
/* ---------------------------------------------------------------------- */

static void session_free(struct dsession *d)
{
  for (int i = 0; i < IPERF_MAX; i++) {
    if (sessions[i] == d) {
      sessions[i] = NULL;
    }
  }
  iperf_stop(&d->e);
  json_decref(d->intervals);
  json_decref(d->result);
  json_decref(d->results);
  free(d);
}

static json_t *flows_json(const struct iperf_session *s)
{
  json_t *a = json_array();
  for (const struct iperf_flow *f = s->flows; f != NULL; f = f->next) {
    if (f->kind != IPERF_FLOW_TCP && f->kind != IPERF_FLOW_UDP) {
      continue;
    }
    json_t *o = json_pack("{s:i, s:s, s:s, s:i, s:I, s:b}", "id", f->id, "protocol",
                          f->kind == IPERF_FLOW_TCP ? "TCP" : "UDP", "peer", ipaddr_ntoa(&f->peer), "peer_port",
                          f->peer_port, "bytes", (json_int_t)f->bytes, "sender", f->sender);
    if (f->kind == IPERF_FLOW_UDP) {
      udp_figures(o, f->sender ? f->packets : (uint64_t)(f->max_seq > 0 ? f->max_seq : 0), f->lost, f->jitter);
    }
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *session_json(struct iperf_session *s, size_t since)
{
  json_t *o = json_pack("{s:i, s:s, s:i, s:i, s:s, s:f, s:I}", "id", s->id, "mode", s->server ? "server" : "client",
                        "version", s->version, "port", s->port, "state", s->state, "elapsed", iperf_elapsed(s), "tests",
                        (json_int_t)s->tests);
  if (!s->server) {
    json_object_set_new(o, "target", json_ip_zoned(&s->target));
    json_object_set_new(o, "family", json_string(ip_family_name(&s->target)));
    json_object_set_new(o, "protocol", json_string(s->udp ? "udp" : "tcp"));
    json_object_set_new(o, "duration", json_integer(s->duration_s));
    json_object_set_new(o, "streams", json_integer(s->nstreams));
    json_object_set_new(o, "reverse", json_boolean(s->reverse));
  } else if (s->version == 2) {
    json_object_set_new(o, "protocol", json_string(s->tcp_on && s->udp_on ? "tcp+udp" : s->udp_on ? "udp" : "tcp"));
  }
  const struct dsession *d = dsess(s);
  json_t *ivl = json_array();
  for (size_t i = since; d->intervals != NULL && i < json_array_size(d->intervals); i++) {
    json_array_append(ivl, json_array_get(d->intervals, i));
  }
  json_object_set_new(o, "intervals", ivl);
  size_t count = d->intervals != NULL ? json_array_size(d->intervals) : 0;
  json_object_set_new(o, "interval_count", json_integer((json_int_t)count));
  json_object_set_new(o, "flows", flows_json(s));
  if (s->error[0] != '\0') {
    json_object_set_new(o, "error", json_string(s->error));
  }
  if (d->result != NULL) {
    json_object_set(o, "result", d->result);
  }
  if (s->server) {
    json_object_set(o, "results", d->results);
  }
  return o;
}

static struct dsession *session_find(long long id)
{
  for (int i = 0; i < IPERF_MAX; i++) {
    if (sessions[i] != NULL && sessions[i]->e.id == id) {
      return sessions[i];
    }
  }
  return NULL;
}

/* The datagram size iperf3 and iperf 2 pick when none is given: one that
 * fits a 1500-byte link unfragmented, so 20 bytes less over IPv6 (its
 * header is 40 bytes, IPv4's 20). */
static u32_t udp_default_len(const struct iperf_session *s)
{
  u32_t v4 = s->version == 3 ? 1460U : 1470U;
  return IP_IS_V6(&s->target) && !s->server ? v4 - 20U : v4;
}

static bool start_args(struct iperf_session *s, json_t *args, struct ctl_reply *r)
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
  if (client && !arg_ip(args, "target", true, &s->target, r)) {
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
  s->len = (u32_t)(len > 0 ? len : (s->udp ? udp_default_len(s) : 131072));
  s->bandwidth = (uint64_t)(bw >= 0 ? bw : (s->udp ? 1000000 : 0));
  if (s->udp && s->version == 2 && s->nstreams > 1) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.streams: iperf 2 UDP runs one stream here");
    return false;
  }
  return true;
}

/* The reply to an iperf.start the engine could not start. */
static void start_error(const struct iperf_session *s, struct ctl_reply *r)
{
  err_t err = s->start_err;
  switch (s->start_fail) {
  case IPERF_START_CTL_CONNECT:
    ctl_error(r, CTL_E_FAILED, "cannot open the control connection: %s", s->error);
    break;
  case IPERF_START_UDP_PCB:
    ctl_error(r, CTL_E_NO_MEMORY, "no UDP PCB left");
    break;
  case IPERF_START_TCP_CONNECT:
    ctl_error(r, CTL_E_FAILED, "cannot connect: %s", s->error[0] ? s->error : "no TCP PCB left");
    break;
  case IPERF_START_TCP_PCB:
    ctl_error(r, CTL_E_NO_MEMORY, "no TCP PCB left");
    break;
  case IPERF_START_TCP_LISTEN:
    ctl_error(r, err == ERR_USE ? CTL_E_BUSY : CTL_E_FAILED, "TCP port %u: %s", s->port, lwip_strerr(err));
    break;
  case IPERF_START_UDP_BIND:
    ctl_error(r, err == ERR_USE ? CTL_E_BUSY : CTL_E_NO_MEMORY, "UDP port %u: %s", s->port, lwip_strerr(err));
    break;
  default:
    ctl_error(r, CTL_E_FAILED, "iperf: %s", lwip_strerr(err));
    break;
  }
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
    struct dsession *old = sessions[i];
    if (old != NULL && !old->e.server && (strcmp(old->e.state, "done") == 0 || strcmp(old->e.state, "failed") == 0)) {
      session_free(old);
      slot = i;
    }
  }
  if (slot < 0) {
    return ctl_error(r, CTL_E_BUSY, "%d iperf sessions exist already: stop one (iperf.stop)", IPERF_MAX);
  }
  struct dsession *d = calloc(1, sizeof(*d));
  if (d == NULL) {
    return ctl_error(r, CTL_E_NO_MEMORY, "no memory for an iperf session");
  }
  struct iperf_session *s = &d->e;
  d->results = json_array();
  s->ops = &daemon_ops;
  s->user = d;
  s->state = "starting";
  sessions[slot] = d;
  if (!start_args(s, args, r)) {
    session_free(d);
    return NULL;
  }
  if (iperf_start(s) != ERR_OK) {
    start_error(s, r);
    session_free(d);
    return NULL;
  }
  s->id = next_id++;
  LWIP_LOG(APP, INFO, "iperf %d: %s, version %d, port %u", s->id, s->server ? "server" : "client", s->version, s->port);
  return json_pack("{s:i, s:s, s:i, s:i}", "id", s->id, "mode", s->server ? "server" : "client", "version", s->version,
                   "port", s->port);
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
    struct dsession *d = sessions[i];
    if (d != NULL && (id == 0 || d->e.id == id)) {
      if (d->e.running) {
        iperf_set_error(&d->e, "stopped by iperf.stop");
      }
      json_decref(last);
      last = session_json(&d->e, 0);
      session_free(d);
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
    struct dsession *d = session_find(id);
    return d != NULL ? session_json(&d->e, (size_t)since) : ctl_error(r, CTL_E_NOT_FOUND, "no iperf session %lld", id);
  }
  json_t *a = json_array();
  for (int i = 0; i < IPERF_MAX; i++) {
    if (sessions[i] != NULL) {
      json_array_append_new(a, session_json(&sessions[i]->e, (size_t)since));
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
