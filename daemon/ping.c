/**
 * @file ping.c
 * The deferred `ping` command: ICMP echo requests (RFC 792) sent from a
 * raw PCB at a fixed interval, replies matched by identifier and sequence
 * number, and one reply to the control client when the last request has
 * been answered or has timed out.  Other requests are served meanwhile.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/raw.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/timeouts.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/ip4.h"

#if LWIP_RAW

struct ping_job {
  struct ping_job *next;
  struct ctl_req req;
  struct raw_pcb *pcb;
  ip4_addr_t dst;
  u16_t ident;
  u32_t count, size, interval_ms, timeout_ms;
  u32_t sent, received;
  uint64_t *sent_us;   /* per sequence number; 0 = not sent */
  double *rtt_ms;      /* per sequence number; < 0 = no reply */
  /* Its one timer (the next send or the finish), in its own storage so
   * that control clients never draw on the core's SYS_TIMEOUT pool. */
  struct sys_timeo timeo;
};

static struct ping_job *jobs;

static uint64_t now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

static void job_free(struct ping_job *j)
{
  for (struct ping_job **pp = &jobs; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == j) {
      *pp = j->next;
      break;
    }
  }
  raw_remove(j->pcb);
  free(j->sent_us);
  free(j->rtt_ms);
  free(j);
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static json_t *job_result(const struct ping_job *j)
{
  json_t *replies = json_array();
  double min = 0, max = 0, sum = 0, median = 0;
  double *sorted = calloc(j->received ? j->received : 1, sizeof(double));
  u32_t n = 0;
  for (u32_t s = 0; s < j->count; s++) {
    if (j->rtt_ms[s] >= 0) {
      double v = j->rtt_ms[s];
      json_array_append_new(replies, json_pack("{s:i, s:f}", "seq", (int)s, "rtt_ms", v));
      if (sorted != NULL) {
        sorted[n] = v;
      }
      min = n == 0 || v < min ? v : min;
      max = v > max ? v : max;
      sum += v;
      n++;
    }
  }
  if (n > 0 && sorted != NULL) {
    qsort(sorted, n, sizeof(double), cmp_double);
    median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
  free(sorted);
  char dst[IP4ADDR_STRLEN_MAX];
  double loss = j->sent ? 100.0 * (double)(j->sent - n) / (double)j->sent : 100.0;
  return json_pack("{s:s, s:i, s:i, s:f, s:{s:f, s:f, s:f, s:f}, s:o}", "dst",
                   ip4addr_ntoa_r(&j->dst, dst, sizeof(dst)), "transmitted", (int)j->sent, "received", (int)n,
                   "loss_pct", loss, "rtt_ms", "min", min, "avg", n ? sum / n : 0.0, "median", median, "max", max,
                   "replies", replies);
}

static void job_finish(void *arg)
{
  struct ping_job *j = (struct ping_job *)arg;
  LWIP_LOG(APP, INFO, "ping %s: %u sent, %u received", ip4addr_ntoa(&j->dst), j->sent, j->received);
  ctl_reply_later(&j->req, job_result(j), NULL, NULL);
  job_free(j);
}

static void job_send(void *arg);

/* (Re)arm the job's one timer for @p fn in @p ms. */
static void job_arm(struct ping_job *j, u32_t ms, sys_timeout_handler fn)
{
  sys_untimeout(job_send, j);
  sys_untimeout(job_finish, j);
  sys_timeout_static(&j->timeo, ms, fn, j);
}

static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
  (void)pcb;
  struct ping_job *j = (struct ping_job *)arg;
  u8_t ip0 = pbuf_get_at(p, 0);
  u16_t hlen = (u16_t)((ip0 & 0x0f) * 4);
  u8_t icmp[ICMP_HLEN];
  /* Raw PCBs see the IP header; ours are echo replies with our id from
   * the address we pinged.  Anything else is left for others. */
  if (pbuf_copy_partial(p, icmp, ICMP_HLEN, hlen) != ICMP_HLEN || icmp[ICMP_OFF_TYPE] != ICMP_ER ||
      get_be16(icmp + ICMP_OFF_ID) != j->ident || !ip4_addr_eq(ip_2_ip4(addr), &j->dst)) {
    return 0;
  }
  u16_t seq = get_be16(icmp + ICMP_OFF_SEQNO);
  if (seq < j->count && j->sent_us[seq] != 0 && j->rtt_ms[seq] < 0) {
    j->rtt_ms[seq] = (double)(now_us() - j->sent_us[seq]) / 1000.0;
    j->received++;
    if (j->received == j->count) {
      /* Everything answered: reply now rather than at the timeout. */
      job_arm(j, 0, job_finish);
    }
  }
  pbuf_free(p);
  return 1;
}

static void send_echo(struct ping_job *j)
{
  u16_t seq = (u16_t)j->sent;
  struct pbuf *p = pbuf_alloc(PBUF_IP, (u16_t)(ICMP_HLEN + j->size), PBUF_RAM);
  if (p == NULL) {
    LWIP_LOG(APP, WARN, "ping: no memory for request %u", seq);
  } else {
    u8_t *m = (u8_t *)p->payload;
    memset(m, 0, ICMP_HLEN);
    m[ICMP_OFF_TYPE] = ICMP_ECHO;
    put_be16(m + ICMP_OFF_ID, j->ident);
    put_be16(m + ICMP_OFF_SEQNO, seq);
    for (u32_t i = 0; i < j->size; i++) {
      m[ICMP_HLEN + i] = (u8_t)(0x20 + i % 64);
    }
    u16_t sum = inet_chksum(m, (u16_t)(ICMP_HLEN + j->size));
    memcpy(m + ICMP_OFF_CHKSUM, &sum, 2);
    ip_addr_t dst;
    ip_addr_set_ip4(&dst, &j->dst);
    j->sent_us[seq] = now_us();
    err_t err = raw_sendto(j->pcb, p, &dst);
    if (err != ERR_OK) {
      LWIP_LOG(APP, DEBUG, "ping: request %u not sent: %s", seq, lwip_strerr(err));
    }
    pbuf_free(p);
  }
  j->sent++;
}

static void job_send(void *arg)
{
  struct ping_job *j = (struct ping_job *)arg;
  if (!ctl_req_alive(&j->req)) {
    /* The client went away: nobody wants the answer. */
    ctl_req_release(&j->req);
    sys_untimeout(job_finish, j);
    job_free(j);
    return;
  }
  send_echo(j);
  if (j->sent < j->count) {
    job_arm(j, j->interval_ms, job_send);
  } else {
    job_arm(j, j->timeout_ms, job_finish);
  }
}

static json_t *cmd_ping(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  ip4_addr_t dst;
  long long count = 4, size = 56, interval = 1000, timeout = 1000;
  if (!arg_ip4(args, "dst", true, &dst, r) || !arg_int(args, "count", false, 1, 10000, &count, r) ||
      !arg_int(args, "size", false, 0, 65000, &size, r) ||
      !arg_int(args, "interval_ms", false, 1, 3600000, &interval, r) ||
      !arg_int(args, "timeout_ms", false, 1, 600000, &timeout, r)) {
    return NULL;
  }
  struct ping_job *j = calloc(1, sizeof(*j));
  struct raw_pcb *pcb = j ? raw_new(IP_PROTO_ICMP) : NULL;
  if (j != NULL) {
    j->sent_us = calloc((size_t)count, sizeof(uint64_t));
    j->rtt_ms = malloc((size_t)count * sizeof(double));
  }
  if (pcb == NULL || j->sent_us == NULL || j->rtt_ms == NULL) {
    if (pcb != NULL) {
      raw_remove(pcb);
    }
    if (j != NULL) {
      free(j->sent_us);
      free(j->rtt_ms);
      free(j);
    }
    return ctl_error(r, CTL_E_NO_MEMORY, "no memory or raw PCB for ping");
  }
  for (long long i = 0; i < count; i++) {
    j->rtt_ms[i] = -1;
  }
  j->pcb = pcb;
  j->dst = dst;
  j->ident = (u16_t)lwip_port_rand();
  j->count = (u32_t)count;
  j->size = (u32_t)size;
  j->interval_ms = (u32_t)interval;
  j->timeout_ms = (u32_t)timeout;
  j->req = *req;
  raw_recv(pcb, ping_recv, j);
  j->next = jobs;
  jobs = j;
  r->deferred = true;
  job_send(j);
  return NULL;
}

void ping_stop_all(void)
{
  while (jobs != NULL) {
    struct ping_job *j = jobs;
    sys_untimeout(job_send, j);
    sys_untimeout(job_finish, j);
    ctl_reply_later(&j->req, NULL, CTL_E_FAILED, "ping stopped: the stack was restarted or lwipd is stopping");
    job_free(j);
  }
}

#else /* LWIP_RAW */

static json_t *cmd_ping(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  return ctl_error(r, CTL_E_FAILED, "this build has no raw PCBs (raw=disabled): ping is unavailable");
}

void ping_stop_all(void)
{
}

#endif

/* ping's command (docs/control-protocol.md). */
const struct ctl_cmd ping_cmds[] = {
    {"ping", cmd_ping, "ICMP echo from the stack (deferred)"},
    {NULL, NULL, NULL},
};
