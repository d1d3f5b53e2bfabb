/**
 * @file sock.c
 * The `sock.*` commands: socket-style calls over the control socket, built
 * on the stack's raw TCP and UDP API, so a test can drive the application
 * side of a conversation ("listen with backlog 1", "write 3000 bytes",
 * "shut down the write side") while Scapy drives the wire side.
 *
 * Descriptors are small integers private to one control connection, at
 * most SOCK_MAX_FDS each; the connection's sockets are released when it
 * closes.  A call that would block (accept, connect, read with no data,
 * write with a full send buffer, poll) is answered later: its request is
 * kept in a list of pending calls, retried whenever something happens on
 * the stack side, and answered when it can complete or when its timeout
 * expires.  The daemon itself never blocks.
 *
 * Errors are POSIX errno names (EAGAIN, ECONNREFUSED, ...) used as the
 * reply's error code; argument problems stay bad_args.
 *
 * Families: inet (IPv4) and inet6 (an IPv6 PCB, addresses with an
 * optional %zone), for TCP and UDP alike; inet6 only when IPv6 is built.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/udp.h"
#include "lwip/tcp.h"
#include "lwip/ip6_addr.h"
#include "lwip/timeouts.h"
#include "lwip/debug.h"
#include "lwip/err.h"
#include "tcpinfo.h"

#if LWIP_TCP && LWIP_UDP

/** Descriptors one control connection may hold. */
#define SOCK_MAX_FDS 64
/** Blocked calls one control connection may have pending. */
#define SOCK_MAX_PENDING 64
/** UDP datagrams queued per socket before new ones are dropped. */
#define SOCK_UDP_QUEUE 64
/** Largest sock.read/recv and generated write. */
#define SOCK_MAX_READ 65536
#define SOCK_MAX_WRITE (16 * 1024 * 1024)

enum sock_type { S_TCP, S_UDP };

/* Received data, in arrival order: TCP segments or UDP datagrams. */
struct rxbuf {
  struct rxbuf *next;
  struct pbuf *p;
  u16_t off;      /* bytes of p already read (TCP) */
  ip_addr_t addr; /* sender (UDP) */
  u16_t port;
};

struct sock {
  struct sock *next;          /* all sockets */
  uint64_t client;            /* owning control connection */
  int fd;                     /* -1 while waiting in an accept queue */
  enum sock_type type;
  struct tcp_pcb *tcp;        /* NULL once the stack freed it or we handed it over */
  struct udp_pcb *udp;
  bool listening, connecting, connected, nonblock;
  bool eof;                   /* the peer's FIN arrived */
  bool rd_shut, wr_shut;
  bool reset_seen;            /* the connection died with an error (EPIPE after) */
  const char *so_error;       /* pending error (SO_ERROR), an errno name */
  const char *last_state;     /* state when the PCB left us */
  const char *congestion;     /* TCP_CONGESTION set on it (NULL: the stack's default) */
  const char *ecn;            /* TCP_ECN set on it: "off", "passive", "on" (NULL: the stack's default) */
  struct rxbuf *rx, *rx_tail;
  u32_t rx_bytes, rx_count, udp_drops;
  ip_addr_t local_ip, peer_ip; /* of the socket's family */
  u16_t local_port, peer_port;
  bool inet6; /* an IPv6 (UDP) socket */
  bool linger_on;
  int linger_s;
  u32_t keep_idle_ms, keep_intvl_ms;
  u8_t keep_cnt;
  int backlog;
  struct sock *parent;        /* listener whose accept queue holds us */
  struct sock *acq, *acq_next; /* accept queue (listener) / link in it */
};

enum pend_kind { P_ACCEPT, P_CONNECT, P_READ, P_WRITE, P_POLL };

#define POLL_IN 0x1U
#define POLL_OUT 0x2U
#define POLL_ERR 0x4U
#define POLL_HUP 0x8U
#define POLL_NVAL 0x10U

struct poll_ent {
  int fd;
  unsigned events;
};

/* A blocked call waiting for the stack. */
struct pend {
  struct pend *next;
  struct ctl_req req;
  enum pend_kind kind;
  struct sock *s;             /* NULL for poll */
  bool has_timeout;
  /* The call's own timer storage: a client cannot empty the core's
   * SYS_TIMEOUT pool (and lose the stack's timers) by blocking calls. */
  struct sys_timeo timeo;
  /* read */
  u32_t max;
  bool discard, want_from, peek;
  /* write */
  u8_t *data;
  u32_t len, off;
  /* poll */
  struct poll_ent *ents;
  size_t nents;
};

static struct sock *socks;
static struct pend *pends;
static bool sweep_armed;
static struct sys_timeo sweep_timeo;
static bool waking;

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */
/* ---------------------------------------------------------------------- */

static const char *err_to_errno(err_t e)
{
  switch (e) {
  case ERR_MEM:
  case ERR_BUF:
    return "ENOBUFS";
  case ERR_RTE:
    return "ENETUNREACH";
  case ERR_USE:
    return "EADDRINUSE";
  case ERR_ISCONN:
    return "EISCONN";
  case ERR_ALREADY:
    return "EALREADY";
  case ERR_CONN:
    return "ENOTCONN";
  case ERR_RST:
    return "ECONNRESET";
  case ERR_ABRT:
    return "ECONNABORTED";
  case ERR_TIMEOUT:
    return "ETIMEDOUT";
  default:
    return "EINVAL";
  }
}

/* An address as text: IPv4 dotted, IPv6 in RFC 5952 form with "%netif"
 * when it has a zone (as the sock.* arguments take it). */
static json_t *json_ip(const ip_addr_t *ip)
{
  char buf[IPADDR_STRLEN_MAX + NETIF_NAMESIZE + 1];
  if (ipaddr_ntoa_r(ip, buf, IPADDR_STRLEN_MAX) == NULL) {
    return json_string("?");
  }
#if LWIP_IPV6
  char name[NETIF_NAMESIZE];
  if (IP_IS_V6_VAL(*ip) && ip_2_ip6(ip)->zone != IP6_NO_ZONE &&
      netif_index_to_name(ip_2_ip6(ip)->zone, name) != NULL) {
    size_t n = strlen(buf);
    snprintf(buf + n, sizeof(buf) - n, "%%%s", name);
  }
#endif
  return json_string(buf);
}

static json_t *json_addr(const ip_addr_t *ip, u16_t port)
{
  return json_pack("{s:o, s:i}", "ip", json_ip(ip), "port", (int)port);
}

/* args.@p key as an address of @p s's family: IPv4, or for an inet6 socket
 * IPv6 with an optional %zone (arg_ip6_zoned).  Absent and not required:
 * the family's any address.  @return false with an error set. */
static bool arg_sock_ip(const struct sock *s, json_t *args, const char *key, bool required, ip_addr_t *out,
                        struct ctl_reply *r)
{
  memset(out, 0, sizeof(*out));
#if LWIP_IPV6
  if (s->inet6) {
    ip6_addr_t a6;
    ip6_addr_set_zero(&a6);
    if (!arg_ip6_zoned(args, key, required, &a6, r)) {
      return false;
    }
    *ip_2_ip6(out) = a6;
    out->type = IPADDR_TYPE_V6;
    return true;
  }
#endif
  ip4_addr_t a4 = {IPADDR_ANY};
  if (!arg_ip4(args, key, required, &a4, r)) {
    return false;
  }
  ip_addr_set_ip4(out, &a4);
  return true;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const u8_t *in, size_t n)
{
  char *out = malloc(4 * ((n + 2) / 3) + 1);
  if (out == NULL) {
    return NULL;
  }
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    u32_t v = (u32_t)in[i] << 16;
    if (i + 1 < n) {
      v |= (u32_t)in[i + 1] << 8;
    }
    if (i + 2 < n) {
      v |= in[i + 2];
    }
    out[o++] = b64chars[(v >> 18) & 63];
    out[o++] = b64chars[(v >> 12) & 63];
    out[o++] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? b64chars[v & 63] : '=';
  }
  out[o] = '\0';
  return out;
}

static int b64_val(char c)
{
  const char *p = c ? strchr(b64chars, c) : NULL;
  return p ? (int)(p - b64chars) : -1;
}

/* Decode standard base64 (RFC 4648 4, padding required).  @return the
 * malloc'ed bytes and their count, or NULL on a bad string. */
static u8_t *b64_decode(const char *s, u32_t *len)
{
  size_t n = strlen(s);
  if (n % 4 != 0) {
    return NULL;
  }
  u8_t *out = malloc(n / 4 * 3 + 1);
  if (out == NULL) {
    return NULL;
  }
  u32_t o = 0;
  for (size_t i = 0; i < n; i += 4) {
    int v[4];
    for (int k = 0; k < 4; k++) {
      v[k] = s[i + k] == '=' && i + 4 == n && k >= 2 ? 0 : b64_val(s[i + k]);
      if (v[k] < 0 || (s[i + k] == '=' && k == 2 && s[i + 3] != '=')) {
        free(out);
        return NULL;
      }
    }
    u32_t w = (u32_t)v[0] << 18 | (u32_t)v[1] << 12 | (u32_t)v[2] << 6 | (u32_t)v[3];
    out[o++] = (u8_t)(w >> 16);
    if (s[i + 2] != '=') {
      out[o++] = (u8_t)(w >> 8);
    }
    if (s[i + 3] != '=') {
      out[o++] = (u8_t)w;
    }
  }
  *len = o;
  return out;
}

/* ---------------------------------------------------------------------- */
/* The descriptor tables                                                   */
/* ---------------------------------------------------------------------- */

static struct sock *sock_find(uint64_t client, int fd)
{
  for (struct sock *s = socks; s != NULL; s = s->next) {
    if (s->client == client && s->fd == fd && fd >= 0) {
      return s;
    }
  }
  return NULL;
}

/* The lowest free descriptor of @p client (as POSIX open/socket), or -1. */
static int fd_alloc(uint64_t client)
{
  for (int fd = 0; fd < SOCK_MAX_FDS; fd++) {
    if (sock_find(client, fd) == NULL) {
      return fd;
    }
  }
  return -1;
}

static size_t pend_count(uint64_t client)
{
  size_t n = 0;
  for (struct pend *p = pends; p != NULL; p = p->next) {
    n += p->req.client == client;
  }
  return n;
}

/* Is a call of @p kind blocked on @p s? */
static bool pend_on(const struct sock *s, enum pend_kind kind)
{
  for (const struct pend *p = pends; p != NULL; p = p->next) {
    if (p->s == s && p->kind == kind) {
      return true;
    }
  }
  return false;
}

static void rx_free_all(struct sock *s)
{
  while (s->rx != NULL) {
    struct rxbuf *b = s->rx;
    s->rx = b->next;
    pbuf_free(b->p);
    free(b);
  }
  s->rx_tail = NULL;
  s->rx_bytes = 0;
  s->rx_count = 0;
}

static void rx_append(struct sock *s, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct rxbuf *b = calloc(1, sizeof(*b));
  if (b == NULL) {
    pbuf_free(p);
    s->udp_drops++;
    return;
  }
  b->p = p;
  if (addr != NULL) {
    b->addr = *addr;
  }
  b->port = port;
  if (s->rx_tail != NULL) {
    s->rx_tail->next = b;
  } else {
    s->rx = b;
  }
  s->rx_tail = b;
  s->rx_bytes += p->tot_len;
  s->rx_count++;
}

static void sock_unlink(struct sock *s)
{
  for (struct sock **pp = &socks; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == s) {
      *pp = s->next;
      return;
    }
  }
}

/* Forget every callback of our PCB, so the stack never calls us about it
 * again, and remember the state it was in. */
static void tcp_forget(struct sock *s)
{
  if (s->tcp == NULL) {
    return;
  }
  s->last_state = tcp_state_name(s->tcp->state);
  if (!s->listening) {
    tcp_arg(s->tcp, NULL);
    tcp_recv(s->tcp, NULL);
    tcp_sent(s->tcp, NULL);
    tcp_err(s->tcp, NULL);
  } else {
    tcp_accept(s->tcp, NULL);
  }
  s->tcp = NULL;
}

/* An accepted connection waits in its listener's queue holding one
 * backlog slot.  The core counts connections "handed over or being set
 * up" in accepts_pending and refuses SYNs beyond the backlog; it gives the
 * slot back once the accept callback returns, so we take it again there
 * and give it back when sock.accept takes the connection (lwIP calls this
 * tcp_backlog_delayed/tcp_backlog_accepted). */
static void backlog_release(struct sock *child)
{
  struct sock *l = child->parent;
  if (l == NULL) {
    return;
  }
  for (struct sock **pp = &l->acq; *pp != NULL; pp = &(*pp)->acq_next) {
    if (*pp == child) {
      *pp = child->acq_next;
      break;
    }
  }
  if (l->tcp != NULL) {
    struct tcp_pcb_listen *lp = (struct tcp_pcb_listen *)(void *)l->tcp;
    if (lp->accepts_pending > 0) {
      lp->accepts_pending--;
    }
  }
  child->parent = NULL;
  child->acq_next = NULL;
}

static void pend_finish(struct pend *p, json_t *result, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Free @p s and its PCB.  Its pending calls are answered EBADF. */
static void sock_destroy(struct sock *s, bool abortive)
{
  for (struct pend *p = pends, *next; p != NULL; p = next) {
    next = p->next;
    if (p->s == s) {
      pend_finish(p, NULL, "EBADF", "fd %d was closed while the call was blocked", s->fd);
    }
  }
  while (s->acq != NULL) {
    struct sock *c = s->acq;
    backlog_release(c);
    sock_destroy(c, true);
  }
  backlog_release(s);
  if (s->tcp != NULL) {
    struct tcp_pcb *pcb = s->tcp;
    bool listening = s->listening;
    tcp_forget(s);
    if (listening) {
      tcp_close(pcb);
    } else if (abortive || (s->linger_on && s->linger_s == 0)) {
      /* SO_LINGER with a zero timeout: an abortive close, RST now
       * (RFC 9293 3.10.4 ABORT). */
      tcp_abort(pcb);
    } else {
      /* With data we never read, tcp_close itself resets the connection
       * (RFC 1122 4.2.2.13): the window it checks is the one sock.read
       * reopens. */
      if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
      }
    }
  }
  if (s->udp != NULL) {
    udp_remove(s->udp);
    s->udp = NULL;
  }
  rx_free_all(s);
  sock_unlink(s);
  free(s);
}

/* ---------------------------------------------------------------------- */
/* Pending calls                                                           */
/* ---------------------------------------------------------------------- */

static void pend_timeout(void *arg);

static void pend_free(struct pend *p)
{
  for (struct pend **pp = &pends; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  }
  if (p->has_timeout) {
    sys_untimeout(pend_timeout, p);
  }
  free(p->data);
  free(p->ents);
  free(p);
}

static void pend_finish(struct pend *p, json_t *result, const char *code, const char *fmt, ...)
{
  char msg[256] = "";
  if (fmt != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
  }
  ctl_reply_later(&p->req, result, code, code ? msg : NULL);
  pend_free(p);
}

/* Keep @p r's request as a pending call of @p kind on @p s. */
static struct pend *pend_new(struct ctl_req *req, struct ctl_reply *r, enum pend_kind kind, struct sock *s,
                             long long timeout_ms)
{
  if (pend_count(req->client) >= SOCK_MAX_PENDING) {
    ctl_error(r, CTL_E_BUSY, "more than %d blocked sock calls on this connection", SOCK_MAX_PENDING);
    return NULL;
  }
  struct pend *p = calloc(1, sizeof(*p));
  if (p == NULL) {
    ctl_error(r, CTL_E_NO_MEMORY, "no memory for a blocked call");
    return NULL;
  }
  p->req = *req;
  p->kind = kind;
  p->s = s;
  if (timeout_ms >= 0) {
    p->has_timeout = true;
    sys_timeout_static(&p->timeo, (u32_t)timeout_ms, pend_timeout, p);
  }
  struct pend **pp = &pends;
  while (*pp != NULL) {
    pp = &(*pp)->next; /* keep request order: calls complete first come first */
  }
  *pp = p;
  r->deferred = true;
  return p;
}

/* Outcome of trying a call: done (with a result or an error), or blocked. */
struct outcome {
  bool done;
  json_t *result;
  const char *code;
  char msg[160];
};

static bool out_err(struct outcome *o, const char *code, const char *msg)
{
  o->done = true;
  o->code = code;
  snprintf(o->msg, sizeof(o->msg), "%s", msg);
  return true;
}

static bool out_ok(struct outcome *o, json_t *result)
{
  o->done = true;
  o->result = result;
  return true;
}

static bool try_accept(struct sock *s, uint64_t client, struct outcome *o);
static bool try_connect(struct sock *s, struct outcome *o);
static bool try_read(struct sock *s, u32_t max, bool discard, bool want_from, bool peek, struct outcome *o);
static bool try_write(struct sock *s, struct pend *p, struct outcome *o);
static bool try_poll(uint64_t client, const struct poll_ent *ents, size_t n, bool final, struct outcome *o);

static bool pend_try(struct pend *p, struct outcome *o)
{
  switch (p->kind) {
  case P_ACCEPT:
    return try_accept(p->s, p->req.client, o);
  case P_CONNECT:
    return try_connect(p->s, o);
  case P_READ:
    return try_read(p->s, p->max, p->discard, p->want_from, p->peek, o);
  case P_WRITE:
    return try_write(p->s, p, o);
  case P_POLL:
    return try_poll(p->req.client, p->ents, p->nents, false, o);
  }
  return false;
}

/* Something changed on the stack side: complete what can complete now.
 * Calls on one socket complete in the order they were made. */
static void wake(void)
{
  if (waking) {
    return; /* a call completing made the stack call us back: the loop below sees it */
  }
  waking = true;
  bool again = true;
  while (again) {
    again = false;
    for (struct pend *p = pends; p != NULL; p = p->next) {
      struct outcome o = {0};
      if (pend_try(p, &o)) {
        pend_finish(p, o.result, o.code, "%s", o.msg);
        again = true; /* the list changed: start over */
        break;
      }
    }
  }
  waking = false;
}

static void pend_timeout(void *arg)
{
  struct pend *p = (struct pend *)arg;
  p->has_timeout = false;
  struct outcome o = {0};
  if (pend_try(p, &o)) {
    pend_finish(p, o.result, o.code, "%s", o.msg);
    return;
  }
  switch (p->kind) {
  case P_CONNECT:
    /* The caller's own limit on the handshake: give the connection up, as
     * the stack would after its SYN retransmissions (RFC 9293 3.8.1). */
    if (p->s->tcp != NULL) {
      struct tcp_pcb *pcb = p->s->tcp;
      tcp_forget(p->s);
      tcp_abort(pcb);
    }
    p->s->connecting = false;
    p->s->last_state = "CLOSED";
    pend_finish(p, NULL, "ETIMEDOUT", "connection not established within the timeout");
    break;
  case P_POLL:
    try_poll(p->req.client, p->ents, p->nents, true, &o);
    pend_finish(p, o.result, NULL, NULL);
    break;
  case P_WRITE:
    if (p->off > 0) {
      pend_finish(p, json_pack("{s:i}", "written", (int)p->off), NULL, NULL);
    } else {
      pend_finish(p, NULL, "EAGAIN", "send buffer still full at the timeout");
    }
    break;
  default:
    pend_finish(p, NULL, "EAGAIN", "nothing arrived within the timeout");
    break;
  }
  wake();
}

/* Release everything of control connections that went away. */
static void sweep(void *arg)
{
  (void)arg;
  sweep_armed = false;
  for (struct pend *p = pends, *next; p != NULL; p = next) {
    next = p->next;
    if (!ctl_req_alive(&p->req)) {
      ctl_req_release(&p->req);
      pend_free(p);
    }
  }
  bool again = true;
  while (again) {
    again = false;
    for (struct sock *s = socks; s != NULL; s = s->next) {
      struct ctl_req probe = {s->client, NULL, false};
      if (s->parent == NULL && !ctl_req_alive(&probe)) {
        LWIP_LOG(APP, DEBUG, "sock: fd %d released: its control connection closed", s->fd);
        sock_destroy(s, false);
        again = true;
        break;
      }
    }
  }
}

void sock_client_gone(uint64_t client)
{
  (void)client;
  /* Not now: the client may vanish while we are inside a stack callback
   * for one of its sockets (a reply overflowing its buffer), and freeing
   * that PCB there would pull it from under the stack. */
  if (!sweep_armed) {
    /* Our own timeout storage: an empty pool must not leave the sweep
     * believed armed, and sockets of gone clients unreleased. */
    sweep_armed = true;
    sys_timeout_static(&sweep_timeo, 0, sweep, NULL);
  }
}

void sock_stop_all(void)
{
  while (pends != NULL) {
    pend_finish(pends, NULL, CTL_E_FAILED, "the stack was restarted or lwipd is stopping");
  }
  while (socks != NULL) {
    sock_destroy(socks, true);
  }
  /* Last, as replies above may have dropped clients and armed it again. */
  if (sweep_armed) {
    sys_untimeout(sweep, NULL);
    sweep_armed = false;
  }
}

/* ---------------------------------------------------------------------- */
/* Stack callbacks                                                         */
/* ---------------------------------------------------------------------- */

static void sock_tcp_setup(struct sock *s, struct tcp_pcb *pcb);

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)err;
  struct sock *s = (struct sock *)arg;
  if (s == NULL) {
    if (p != NULL) {
      pbuf_free(p);
    }
    return ERR_OK;
  }
  if (p == NULL) {
    /* The PCB stays ours even when both FINs are out: the stack still
     * tells us how it ends (on_err: ERR_CLSD after LAST_ACK or TIME_WAIT,
     * ERR_RST for a reset in LAST_ACK or CLOSING), which the socket must
     * report until sock.close. */
    s->eof = true;
  } else if (s->rd_shut) {
    /* Read side shut down: drop it, as Linux does with SHUT_RD. */
    u16_t n = p->tot_len;
    pbuf_free(p);
    tcp_recved(pcb, n);
    return ERR_OK;
  } else {
    /* Keep it unacknowledged to the window until sock.read consumes it:
     * the window the peer sees is what the application has not read. */
    rx_append(s, p, NULL, 0);
  }
  wake();
  return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  (void)pcb;
  (void)len;
  if (arg != NULL) {
    wake();
  }
  return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
  struct sock *s = (struct sock *)arg;
  if (s == NULL) {
    return;
  }
  s->tcp = NULL; /* already freed by the stack */
  s->last_state = "CLOSED";
  if (err == ERR_CLSD) {
    /* LAST_ACK acknowledged: a normal end, nothing to report */
  } else if (s->connecting) {
    /* RFC 9293 3.10.7.3: a RST answering our SYN is a refusal; the core
     * gives up after TCP_SYNMAXRTX retransmissions with ERR_ABRT, or with
     * ERR_RTE when an ICMP error said why (RFC 5461 4), as Linux's
     * connect() reports EHOSTUNREACH then. */
    s->so_error = err == ERR_RST ? "ECONNREFUSED" : err == ERR_RTE ? "EHOSTUNREACH" : "ETIMEDOUT";
    s->reset_seen = true;
  } else {
    /* ERR_ABRT: retransmissions or keepalive probes went unanswered
     * (RFC 9293 3.8.3, RFC 1122 4.2.3.6), or the stack ran short of
     * memory; POSIX names the usual cause.  ERR_RTE: the same, after an
     * ICMP error said the peer was unreachable (RFC 1122 4.2.3.9). */
    s->so_error = err == ERR_RST ? "ECONNRESET" : err == ERR_RTE ? "EHOSTUNREACH" : "ETIMEDOUT";
    s->reset_seen = true;
  }
  s->connecting = false;
  if (s->parent != NULL) {
    /* Died in the accept queue: POSIX accept never shows it. */
    backlog_release(s);
    sock_destroy(s, true);
  }
  wake();
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
  (void)err;
  struct sock *s = (struct sock *)arg;
  if (s != NULL) {
    s->connecting = false;
    s->connected = true;
    s->local_ip = pcb->local_ip;
    s->local_port = pcb->local_port;
    wake();
  }
  return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  struct sock *l = (struct sock *)arg;
  if (l == NULL || newpcb == NULL || err != ERR_OK) {
    return ERR_VAL;
  }
  struct sock *c = calloc(1, sizeof(*c));
  if (c == NULL) {
    tcp_abort(newpcb);
    return ERR_ABRT;
  }
  c->client = l->client;
  c->fd = -1;
  c->type = S_TCP;
  c->connected = true;
  c->keep_idle_ms = l->keep_idle_ms;
  c->keep_intvl_ms = l->keep_intvl_ms;
  c->keep_cnt = l->keep_cnt;
  c->linger_on = l->linger_on;
  c->linger_s = l->linger_s;
  c->inet6 = l->inet6;
  c->congestion = l->congestion; /* inherited from the listener, as Linux does */
  c->ecn = l->ecn;               /* the PCB has it from the listening PCB already */
  if (c->congestion != NULL) {
    (void)tcp_set_congestion(newpcb, c->congestion); /* checked at setsockopt */
  }
  c->local_ip = newpcb->local_ip;
  c->local_port = newpcb->local_port;
  c->peer_ip = newpcb->remote_ip;
  c->peer_port = newpcb->remote_port;
  sock_tcp_setup(c, newpcb);
  if (ip_get_option(newpcb, SOF_KEEPALIVE)) {
    tcp_keepalive(newpcb, c->keep_idle_ms, c->keep_intvl_ms, c->keep_cnt);
  }
  c->parent = l;
  struct sock **pp = &l->acq;
  while (*pp != NULL) {
    pp = &(*pp)->acq_next;
  }
  *pp = c;
  c->next = socks;
  socks = c;
  /* Hold the backlog slot until sock.accept (see backlog_release). */
  ((struct tcp_pcb_listen *)(void *)l->tcp)->accepts_pending++;
  wake();
  return ERR_OK;
}

/* An ICMP or ICMPv6 error about a datagram this socket sent (udp_err()):
 * as Linux does without IP_RECVERR, only a connected socket keeps it, as SO_ERROR, and its next read (or
 * getsockopt SO_ERROR) returns it: ECONNREFUSED for port unreachable
 * (RFC 1122 4.1.3.3 lets the application know). */
static void on_udp_err(void *arg, struct udp_pcb *pcb, const struct ip_icmp_err *e)
{
  (void)pcb;
  struct sock *s = (struct sock *)arg;
  if (!s->connected) {
    return;
  }
  s->so_error = e->err == ERR_RST ? "ECONNREFUSED" : e->err == ERR_BUF ? "EMSGSIZE" : "EHOSTUNREACH";
  wake();
}

static void on_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)pcb;
  struct sock *s = (struct sock *)arg;
  if (s->rx_count >= SOCK_UDP_QUEUE || s->rd_shut) {
    s->udp_drops++; /* a full receive queue drops, as a socket buffer does */
    pbuf_free(p);
    return;
  }
  rx_append(s, p, addr, port);
  wake();
}

static void sock_tcp_setup(struct sock *s, struct tcp_pcb *pcb)
{
  s->tcp = pcb;
  tcp_arg(pcb, s);
  tcp_recv(pcb, on_recv);
  tcp_sent(pcb, on_sent);
  tcp_err(pcb, on_err);
}

/* ---------------------------------------------------------------------- */
/* Trying the blocking calls                                               */
/* ---------------------------------------------------------------------- */

static bool try_accept(struct sock *s, uint64_t client, struct outcome *o)
{
  if (!s->listening || s->tcp == NULL) {
    return out_err(o, "EINVAL", "not listening");
  }
  struct sock *c = s->acq;
  if (c == NULL) {
    return false;
  }
  int fd = fd_alloc(client);
  if (fd < 0) {
    return out_err(o, "EMFILE", "descriptor table full");
  }
  backlog_release(c);
  c->fd = fd;
  return out_ok(o, json_pack("{s:i, s:o, s:o}", "fd", fd, "peer", json_addr(&c->peer_ip, c->peer_port), "local",
                             json_addr(&c->local_ip, c->local_port)));
}

static bool try_connect(struct sock *s, struct outcome *o)
{
  if (s->connected) {
    return out_ok(o, json_pack("{s:o, s:o}", "local", json_addr(&s->local_ip, s->local_port), "peer",
                               json_addr(&s->peer_ip, s->peer_port)));
  }
  if (s->so_error != NULL) {
    const char *e = s->so_error;
    s->so_error = NULL;
    return out_err(o, e, strcmp(e, "ECONNREFUSED") == 0 ? "the peer answered the SYN with a RST"
                                                         : "the connection attempt failed");
  }
  if (!s->connecting) {
    return out_err(o, "ECONNABORTED", "the connection attempt was abandoned");
  }
  return false;
}

/* Consume @p n bytes from the head of the TCP queue and reopen the window
 * by as much (RFC 9293 3.8.6.2.2: the window moves with what is read). */
static void rx_consume(struct sock *s, u32_t n)
{
  s->rx_bytes -= n;
  u32_t left = n;
  while (left > 0 && s->rx != NULL) {
    struct rxbuf *b = s->rx;
    u32_t avail = (u32_t)b->p->tot_len - b->off;
    u32_t take = LWIP_MIN(avail, left);
    b->off = (u16_t)(b->off + take);
    left -= take;
    if (b->off == b->p->tot_len) {
      s->rx = b->next;
      if (s->rx == NULL) {
        s->rx_tail = NULL;
      }
      s->rx_count--;
      pbuf_free(b->p);
      free(b);
    }
  }
  if (s->tcp != NULL) {
    while (n > 0) {
      u16_t k = (u16_t)LWIP_MIN(n, 0xffffU);
      tcp_recved(s->tcp, k);
      n -= k;
    }
  }
}

static json_t *read_result(const u8_t *buf, u32_t n, bool discard, bool eof)
{
  json_t *res = json_pack("{s:i, s:b}", "len", (int)n, "eof", eof);
  if (!discard) {
    char *b64 = b64_encode(buf, n);
    json_object_set_new(res, "data", json_string(b64 ? b64 : ""));
    free(b64);
  }
  return res;
}

static bool try_read_udp(struct sock *s, u32_t max, bool discard, bool want_from, bool peek, struct outcome *o)
{
  struct rxbuf *b = s->rx;
  if (b == NULL && s->so_error != NULL) {
    const char *e = s->so_error;
    if (!peek) {
      s->so_error = NULL;
    }
    return out_err(o, e, "an ICMP error came back for a datagram sent");
  }
  if (b == NULL) {
    return false;
  }
  u32_t n = LWIP_MIN((u32_t)b->p->tot_len, max);
  u8_t *buf = malloc(n ? n : 1);
  if (buf == NULL) {
    return out_err(o, "ENOBUFS", "no memory");
  }
  pbuf_copy_partial(b->p, buf, (u16_t)n, 0);
  json_t *res = read_result(buf, n, discard, false);
  free(buf);
  json_object_set_new(res, "truncated", json_boolean(n < b->p->tot_len));
  if (want_from) {
    json_object_set_new(res, "ip", json_ip(&b->addr));
    json_object_set_new(res, "port", json_integer(b->port));
  }
  if (peek) {
    return out_ok(o, res); /* MSG_PEEK: the datagram stays queued */
  }
  s->rx = b->next;
  if (s->rx == NULL) {
    s->rx_tail = NULL;
  }
  s->rx_count--;
  s->rx_bytes -= b->p->tot_len;
  pbuf_free(b->p);
  free(b);
  return out_ok(o, res);
}

/* @p peek: MSG_PEEK, the data is returned and stays queued (the window
 * does not open for it). */
static bool try_read(struct sock *s, u32_t max, bool discard, bool want_from, bool peek, struct outcome *o)
{
  if (s->type == S_UDP) {
    return try_read_udp(s, max, discard, want_from, peek, o);
  }
  if (s->listening) {
    return out_err(o, "ENOTCONN", "a listening socket has no data");
  }
  if (s->rx_bytes > 0) {
    u32_t n = LWIP_MIN(s->rx_bytes, max);
    u8_t *buf = malloc(n);
    if (buf == NULL) {
      return out_err(o, "ENOBUFS", "no memory");
    }
    u32_t got = 0;
    for (struct rxbuf *b = s->rx; b != NULL && got < n; b = b->next) {
      u32_t k = LWIP_MIN((u32_t)b->p->tot_len - b->off, n - got);
      pbuf_copy_partial(b->p, buf + got, (u16_t)k, b->off);
      got += k;
    }
    if (!peek) {
      rx_consume(s, n);
    }
    json_t *res = read_result(buf, n, discard, false);
    free(buf);
    if (want_from) {
      json_object_set_new(res, "ip", json_ip(&s->peer_ip));
      json_object_set_new(res, "port", json_integer(s->peer_port));
    }
    return out_ok(o, res);
  }
  if (s->so_error != NULL) {
    const char *e = s->so_error;
    if (!peek) {
      s->so_error = NULL;
    }
    return out_err(o, e, "the connection was reset");
  }
  if (s->eof || s->rd_shut || s->reset_seen || (s->connected && s->tcp == NULL)) {
    return out_ok(o, read_result(NULL, 0, discard, true));
  }
  if (!s->connected && !s->connecting) {
    return out_err(o, "ENOTCONN", "not connected");
  }
  return false;
}

/* Queue as much of the write as the send buffer takes. */
static void write_push(struct sock *s, struct pend *p)
{
  struct tcp_pcb *pcb = s->tcp;
  bool queued = false;
  while (p->off < p->len && tcp_sndbuf(pcb) > 0) {
    u16_t n = (u16_t)LWIP_MIN(p->len - p->off, (u32_t)tcp_sndbuf(pcb));
    err_t e = tcp_write(pcb, p->data + p->off, n, TCP_WRITE_FLAG_COPY);
    if (e != ERR_OK) {
      break; /* queue full: the sent callback tries again */
    }
    p->off += n;
    queued = true;
  }
  if (queued) {
    tcp_output(pcb);
  }
}

static bool try_write_udp(struct sock *s, struct pend *p, struct outcome *o)
{
  if (s->wr_shut) {
    return out_err(o, "EPIPE", "the write side is shut down");
  }
  if (s->peer_port == 0) {
    return out_err(o, "EDESTADDRREQ", "not connected: use sock.sendto");
  }
  if (p->len > 65507) {
    return out_err(o, "EMSGSIZE", "a UDP datagram holds at most 65507 bytes");
  }
  struct pbuf *q = pbuf_alloc(PBUF_TRANSPORT, (u16_t)p->len, PBUF_RAM);
  if (q == NULL) {
    return out_err(o, "ENOBUFS", "no pbuf for the datagram");
  }
  pbuf_take(q, p->data, (u16_t)p->len);
  err_t e = udp_send(s->udp, q);
  pbuf_free(q);
  if (e != ERR_OK) {
    return out_err(o, err_to_errno(e), lwip_strerr(e));
  }
  p->off = p->len;
  return out_ok(o, json_pack("{s:i}", "written", (int)p->len));
}

static bool try_write(struct sock *s, struct pend *p, struct outcome *o)
{
  if (s->type == S_UDP) {
    return try_write_udp(s, p, o);
  }
  if (s->so_error != NULL) {
    const char *e = s->so_error;
    s->so_error = NULL;
    if (p->off > 0) {
      return out_ok(o, json_pack("{s:i}", "written", (int)p->off));
    }
    return out_err(o, e, "the connection was reset");
  }
  if (s->wr_shut || s->reset_seen || (s->connected && s->tcp == NULL)) {
    if (p->off > 0) {
      return out_ok(o, json_pack("{s:i}", "written", (int)p->off));
    }
    return out_err(o, "EPIPE", s->wr_shut ? "the write side is shut down" : "the connection is gone");
  }
  if (s->connecting) {
    return false; /* a blocking write waits for the handshake */
  }
  if (!s->connected || s->tcp == NULL) {
    return out_err(o, "ENOTCONN", "not connected");
  }
  write_push(s, p);
  if (p->off == p->len) {
    return out_ok(o, json_pack("{s:i}", "written", (int)p->off));
  }
  return false;
}

static unsigned sock_revents(struct sock *s)
{
  unsigned ev = 0;
  if (s->listening) {
    if (s->acq != NULL) {
      ev |= POLL_IN;
    }
    return ev;
  }
  if (s->rx != NULL || s->eof || s->rd_shut || s->so_error != NULL || s->reset_seen) {
    ev |= POLL_IN;
  }
  if (s->type == S_UDP) {
    ev |= POLL_OUT;
  } else if (s->connected && s->tcp != NULL && !s->wr_shut && tcp_sndbuf(s->tcp) > 0) {
    ev |= POLL_OUT;
  } else if (s->wr_shut || s->reset_seen || (s->connected && s->tcp == NULL)) {
    ev |= POLL_OUT; /* a write would not block: it fails with EPIPE */
  }
  if (s->so_error != NULL) {
    ev |= POLL_ERR;
  }
  if (s->type == S_TCP && (s->reset_seen || (s->eof && s->wr_shut) || (s->connected && s->tcp == NULL))) {
    ev |= POLL_HUP;
  }
  return ev;
}

static json_t *revents_json(unsigned ev)
{
  static const struct {
    unsigned bit;
    const char *name;
  } names[] = {{POLL_IN, "in"}, {POLL_OUT, "out"}, {POLL_ERR, "err"}, {POLL_HUP, "hup"}, {POLL_NVAL, "nval"}};
  json_t *a = json_array();
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if (ev & names[i].bit) {
      json_array_append_new(a, json_string(names[i].name));
    }
  }
  return a;
}

static bool try_poll(uint64_t client, const struct poll_ent *ents, size_t n, bool final, struct outcome *o)
{
  json_t *ready = json_array();
  for (size_t i = 0; i < n; i++) {
    struct sock *s = sock_find(client, ents[i].fd);
    /* As poll(2): err, hup and nval are reported even when not asked for. */
    unsigned ev = s == NULL ? POLL_NVAL : sock_revents(s) & (ents[i].events | POLL_ERR | POLL_HUP);
    if (ev != 0) {
      json_array_append_new(ready, json_pack("{s:i, s:o}", "fd", ents[i].fd, "revents", revents_json(ev)));
    }
  }
  if (json_array_size(ready) == 0 && !final) {
    json_decref(ready);
    return false;
  }
  return out_ok(o, json_pack("{s:o}", "ready", ready));
}

/* ---------------------------------------------------------------------- */
/* Command handlers                                                        */
/* ---------------------------------------------------------------------- */

/* Fetch args.fd as a socket of this connection; EBADF otherwise. */
static struct sock *arg_sock(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  long long fd;
  if (!arg_int(args, "fd", true, 0, SOCK_MAX_FDS - 1, &fd, r)) {
    if (json_is_integer(json_object_get(args, "fd"))) {
      ctl_error(r, "EBADF", "fd %lld: no such descriptor", (long long)json_integer_value(json_object_get(args, "fd")));
    }
    return NULL;
  }
  struct sock *s = sock_find(req->client, (int)fd);
  if (s == NULL) {
    ctl_error(r, "EBADF", "fd %lld: no such descriptor on this connection", fd);
  }
  return s;
}

static bool arg_timeout(json_t *args, long long *timeout, struct ctl_reply *r)
{
  *timeout = -1;
  return arg_int(args, "timeout_ms", false, 0, 3600000, timeout, r);
}

/* The reply to a call that completed at once: its result or its error.
 * @p p, when given, only carried a write's arguments and is freed. */
static json_t *answer_now(struct ctl_reply *r, struct outcome *o, struct pend *p)
{
  if (p != NULL) {
    free(p->data);
    free(p->ents);
    free(p);
  }
  if (o->code != NULL) {
    return ctl_error(r, o->code, "%s", o->msg);
  }
  return o->result;
}

static json_t *cmd_sock_socket(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  const char *type = "tcp", *family = "inet";
  if (!arg_str(args, "type", false, &type, r) || !arg_str(args, "family", false, &family, r)) {
    return NULL;
  }
  bool tcp = strcmp(type, "tcp") == 0 || strcmp(type, "stream") == 0;
  if (!tcp && strcmp(type, "udp") != 0 && strcmp(type, "dgram") != 0) {
    return ctl_error(r, "EPROTONOSUPPORT", "args.type: expected tcp or udp");
  }
  bool inet6 = strcmp(family, "inet6") == 0 || strcmp(family, "ipv6") == 0;
  if (!inet6 && strcmp(family, "inet") != 0 && strcmp(family, "ipv4") != 0) {
    return ctl_error(r, "EAFNOSUPPORT", "args.family: expected inet or inet6");
  }
  if (inet6 && !LWIP_IPV6) {
    return ctl_error(r, "EAFNOSUPPORT", "args.family: this build has no IPv6");
  }
  int fd = fd_alloc(req->client);
  if (fd < 0) {
    return ctl_error(r, "EMFILE", "this connection already holds %d descriptors", SOCK_MAX_FDS);
  }
  struct sock *s = calloc(1, sizeof(*s));
  if (s == NULL) {
    return ctl_error(r, "ENOBUFS", "no memory");
  }
  s->client = req->client;
  s->fd = fd;
  s->type = tcp ? S_TCP : S_UDP;
  s->backlog = 0;
  s->inet6 = inet6;
  ip_addr_set_any(inet6, &s->local_ip);
  ip_addr_set_any(inet6, &s->peer_ip);
  if (tcp) {
    struct tcp_pcb *pcb = tcp_new_ip_type(s->inet6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
    if (pcb == NULL) {
      free(s);
      return ctl_error(r, "ENOBUFS", "no TCP PCB free");
    }
    sock_tcp_setup(s, pcb);
  } else {
    s->udp = udp_new_ip_type(inet6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
    if (s->udp == NULL) {
      free(s);
      return ctl_error(r, "ENOBUFS", "no UDP PCB free");
    }
    udp_recv(s->udp, on_udp_recv, s);
    udp_err(s->udp, on_udp_err);
  }
  s->next = socks;
  socks = s;
  return json_pack("{s:i, s:s}", "fd", fd, "type", tcp ? "tcp" : "udp");
}

static json_t *cmd_sock_bind(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  ip_addr_t a;
  long long port = 0;
  if (s == NULL || !arg_sock_ip(s, args, "ip", false, &a, r) || !arg_int(args, "port", false, 0, 65535, &port, r)) {
    return NULL;
  }
  err_t e;
  if (s->type == S_TCP) {
    if (s->tcp == NULL || s->tcp->state != CLOSED || s->local_port != 0) {
      return ctl_error(r, "EINVAL", "already bound or connected");
    }
    e = tcp_bind(s->tcp, &a, (u16_t)port);
    if (e == ERR_OK) {
      s->local_port = s->tcp->local_port;
    }
  } else {
    if (s->local_port != 0) {
      return ctl_error(r, "EINVAL", "already bound");
    }
    e = udp_bind(s->udp, &a, (u16_t)port);
    if (e == ERR_OK) {
      s->local_port = s->udp->local_port;
    }
  }
  if (e != ERR_OK) {
    return ctl_error(r, e == ERR_BUF ? "EADDRINUSE" : err_to_errno(e), "bind: %s", lwip_strerr(e));
  }
  s->local_ip = a;
  return json_addr(&s->local_ip, s->local_port);
}

static json_t *cmd_sock_listen(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  long long backlog = 16;
  if (s == NULL || !arg_int(args, "backlog", false, 0, 255, &backlog, r)) {
    return NULL;
  }
  if (s->type != S_TCP) {
    return ctl_error(r, "EOPNOTSUPP", "listen needs a TCP socket");
  }
  if (s->listening) {
    /* As Linux: listen again only changes the backlog. */
    s->backlog = backlog ? (int)backlog : 1;
    ((struct tcp_pcb_listen *)(void *)s->tcp)->backlog = (u8_t)s->backlog;
    return json_pack("{s:i}", "backlog", s->backlog);
  }
  if (s->tcp == NULL || s->tcp->state != CLOSED) {
    return ctl_error(r, "EINVAL", "the socket is connected or was used");
  }
  if (s->local_port == 0) {
    err_t e = tcp_bind(s->tcp, NULL, 0); /* POSIX: an unbound socket gets an ephemeral port */
    if (e != ERR_OK) {
      return ctl_error(r, "EADDRINUSE", "no free port: %s", lwip_strerr(e));
    }
    s->local_port = s->tcp->local_port;
  }
  err_t e = ERR_OK;
  struct tcp_pcb *l = tcp_listen_with_backlog_and_err(s->tcp, (u8_t)backlog, &e);
  if (l == NULL) {
    return ctl_error(r, e == ERR_MEM ? "ENOBUFS" : err_to_errno(e), "listen: %s", lwip_strerr(e));
  }
  /* The old PCB is freed; the listener carries our arg. */
  s->tcp = l;
  s->listening = true;
  s->backlog = backlog ? (int)backlog : 1;
  tcp_arg(l, s);
  tcp_accept(l, on_accept);
  return json_pack("{s:i}", "backlog", s->backlog);
}

static json_t *cmd_sock_accept(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  long long timeout;
  if (s == NULL || !arg_timeout(args, &timeout, r)) {
    return NULL;
  }
  if (s->type != S_TCP) {
    return ctl_error(r, "EOPNOTSUPP", "accept needs a TCP socket");
  }
  struct outcome o = {0};
  if (try_accept(s, req->client, &o)) {
    return answer_now(r, &o, NULL);
  }
  if (s->nonblock || timeout == 0) {
    return ctl_error(r, "EAGAIN", "no connection waiting");
  }
  pend_new(req, r, P_ACCEPT, s, timeout);
  return NULL;
}

static json_t *connect_udp(struct sock *s, const ip_addr_t *ip, u16_t port, struct ctl_reply *r)
{
  err_t e = udp_connect(s->udp, ip, port);
  if (e != ERR_OK) {
    return ctl_error(r, err_to_errno(e), "connect: %s", lwip_strerr(e));
  }
  s->peer_ip = *ip;
  s->peer_port = port;
  s->local_port = s->udp->local_port;
  s->connected = true;
  return json_pack("{s:o, s:o}", "local", json_addr(&s->local_ip, s->local_port), "peer", json_addr(ip, port));
}

static json_t *cmd_sock_connect(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  ip_addr_t ip;
  long long port, timeout;
  if (s == NULL || !arg_sock_ip(s, args, "ip", true, &ip, r) || !arg_int(args, "port", true, 1, 65535, &port, r) ||
      !arg_timeout(args, &timeout, r)) {
    return NULL;
  }
  if (s->type == S_UDP) {
    return connect_udp(s, &ip, (u16_t)port, r);
  }
  if (s->listening) {
    return ctl_error(r, "EINVAL", "the socket is listening");
  }
  if (s->connecting) {
    return ctl_error(r, "EALREADY", "a connection attempt is in progress");
  }
  if (s->connected) {
    return ctl_error(r, "EISCONN", "already connected");
  }
  if (s->tcp == NULL) {
    /* A failed attempt freed the PCB: start over with a fresh one, as a
     * socket may connect again after ECONNREFUSED. */
    struct tcp_pcb *pcb = tcp_new_ip_type(s->inet6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
    if (pcb == NULL) {
      return ctl_error(r, "ENOBUFS", "no TCP PCB free");
    }
    sock_tcp_setup(s, pcb);
    s->reset_seen = false;
    s->so_error = NULL;
    s->local_port = 0;
    if (s->congestion != NULL) {
      (void)tcp_set_congestion(pcb, s->congestion);
    }
    enum tcp_ecn_mode mode;
    if (s->ecn != NULL && tcp_ecn_mode_parse(s->ecn, &mode) == ERR_OK) {
      (void)tcp_set_ecn(pcb, mode);
    }
  }
  err_t e = tcp_connect(s->tcp, &ip, (u16_t)port, on_connected);
  if (e != ERR_OK) {
    return ctl_error(r, err_to_errno(e), "connect: %s", lwip_strerr(e));
  }
  s->connecting = true;
  s->peer_ip = ip;
  s->peer_port = (u16_t)port;
  s->local_ip = s->tcp->local_ip;
  s->local_port = s->tcp->local_port;
  if (ip_get_option(s->tcp, SOF_KEEPALIVE)) {
    tcp_keepalive(s->tcp, s->keep_idle_ms, s->keep_intvl_ms, s->keep_cnt);
  }
  if (s->nonblock || timeout == 0) {
    return ctl_error(r, "EINPROGRESS", "SYN sent; poll for out, then read SO_ERROR");
  }
  pend_new(req, r, P_CONNECT, s, timeout);
  return NULL;
}

/* args.data (base64) or args.length (a generated pattern: byte i is
 * i % 256) as a malloc'ed buffer. */
static bool arg_payload(json_t *args, u8_t **data, u32_t *len, struct ctl_reply *r)
{
  const char *b64 = NULL;
  long long length = -1;
  if (!arg_str(args, "data", false, &b64, r) || !arg_int(args, "length", false, 0, SOCK_MAX_WRITE, &length, r)) {
    return false;
  }
  if ((b64 == NULL) == (length < 0)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args: give exactly one of data (base64) and length");
    return false;
  }
  if (b64 != NULL) {
    *data = b64_decode(b64, len);
    if (*data == NULL) {
      ctl_error(r, CTL_E_BAD_ARGS, "args.data: not base64");
      return false;
    }
    return true;
  }
  *len = (u32_t)length;
  *data = malloc(length ? (size_t)length : 1);
  if (*data == NULL) {
    ctl_error(r, CTL_E_NO_MEMORY, "no memory for %lld bytes", length);
    return false;
  }
  for (u32_t i = 0; i < *len; i++) {
    (*data)[i] = (u8_t)i;
  }
  return true;
}

static json_t *cmd_sock_write(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  long long timeout;
  if (s == NULL || !arg_timeout(args, &timeout, r)) {
    return NULL;
  }
  if (s->listening) {
    return ctl_error(r, "ENOTCONN", "a listening socket cannot send");
  }
  struct pend *p = calloc(1, sizeof(*p));
  if (p == NULL) {
    return ctl_error(r, CTL_E_NO_MEMORY, "no memory");
  }
  if (!arg_payload(args, &p->data, &p->len, r)) {
    free(p);
    return NULL;
  }
  struct outcome o = {0};
  /* Behind a blocked write the bytes must wait their turn, or the
   * stream would interleave them. */
  bool behind = pend_on(s, P_WRITE);
  if (!behind && try_write(s, p, &o)) {
    return answer_now(r, &o, p);
  }
  if (s->nonblock || timeout == 0) {
    /* Non-blocking: what fitted, or EAGAIN when nothing did (POSIX send). */
    json_t *res = p->off > 0 ? json_pack("{s:i}", "written", (int)p->off) : NULL;
    answer_now(r, &o, p);
    return res ? res : ctl_error(r, "EAGAIN", "send buffer full");
  }
  struct pend *q = pend_new(req, r, P_WRITE, s, timeout);
  if (q != NULL) {
    q->data = p->data;
    q->len = p->len;
    q->off = p->off;
    p->data = NULL;
  }
  free(p->data);
  free(p);
  return NULL;
}

static json_t *read_common(struct ctl_req *req, json_t *args, struct ctl_reply *r, bool want_from)
{
  struct sock *s = arg_sock(req, args, r);
  long long max = SOCK_MAX_READ, timeout;
  bool discard = false, peek = false;
  if (s == NULL || !arg_int(args, "max", false, 1, SOCK_MAX_READ, &max, r) ||
      !arg_bool(args, "discard", false, &discard, r) || !arg_bool(args, "peek", false, &peek, r) ||
      !arg_timeout(args, &timeout, r)) {
    return NULL;
  }
  struct outcome o = {0};
  if (try_read(s, (u32_t)max, discard, want_from, peek, &o)) {
    return answer_now(r, &o, NULL);
  }
  if (s->nonblock || timeout == 0) {
    return ctl_error(r, "EAGAIN", "no data");
  }
  struct pend *p = pend_new(req, r, P_READ, s, timeout);
  if (p != NULL) {
    p->max = (u32_t)max;
    p->discard = discard;
    p->want_from = want_from;
    p->peek = peek;
  }
  return NULL;
}

static json_t *cmd_sock_read(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  return read_common(req, args, r, false);
}

static json_t *cmd_sock_recvfrom(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  return read_common(req, args, r, true);
}

static json_t *cmd_sock_sendto(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  ip_addr_t a;
  long long port;
  if (s == NULL || !arg_sock_ip(s, args, "ip", true, &a, r) || !arg_int(args, "port", true, 1, 65535, &port, r)) {
    return NULL;
  }
  if (s->type != S_UDP) {
    /* POSIX lets sendto name the peer of a connected stream; we keep it
     * simple and send on the connection, ignoring the address. */
    return cmd_sock_write(req, args, r);
  }
  u8_t *data;
  u32_t len;
  if (!arg_payload(args, &data, &len, r)) {
    return NULL;
  }
  if (len > 65507) {
    free(data);
    return ctl_error(r, "EMSGSIZE", "a UDP datagram holds at most 65507 bytes");
  }
  struct pbuf *q = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
  if (q == NULL) {
    free(data);
    return ctl_error(r, "ENOBUFS", "no pbuf for the datagram");
  }
  pbuf_take(q, data, (u16_t)len);
  free(data);
  err_t e = udp_sendto(s->udp, q, &a, (u16_t)port);
  pbuf_free(q);
  if (e != ERR_OK) {
    return ctl_error(r, err_to_errno(e), "sendto: %s", lwip_strerr(e));
  }
  s->local_port = s->udp->local_port;
  return json_pack("{s:i}", "written", (int)len);
}

static json_t *cmd_sock_shutdown(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  const char *how = NULL;
  if (s == NULL || !arg_str(args, "how", true, &how, r)) {
    return NULL;
  }
  bool rd = strcmp(how, "rd") == 0 || strcmp(how, "rdwr") == 0;
  bool wr = strcmp(how, "wr") == 0 || strcmp(how, "rdwr") == 0;
  if (!rd && !wr) {
    return ctl_error(r, "EINVAL", "args.how: expected rd, wr or rdwr");
  }
  if (!s->connected || s->listening) {
    return ctl_error(r, "ENOTCONN", "not connected");
  }
  if (rd && !s->rd_shut) {
    s->rd_shut = true;
    if (s->type == S_TCP) {
      u32_t unread = s->rx_bytes;
      rx_consume(s, unread); /* SHUT_RD discards what was not read */
    } else {
      rx_free_all(s);
    }
  }
  if (wr && !s->wr_shut && s->type == S_TCP) {
    if (s->tcp != NULL) {
      /* RFC 9293 3.6: our FIN after the queued data; we can still read. */
      err_t e = tcp_shutdown(s->tcp, 0, 1);
      if (e != ERR_OK) {
        return ctl_error(r, err_to_errno(e), "shutdown: %s", lwip_strerr(e));
      }
      /* Both FINs may be out now (LAST_ACK): the PCB stays ours until the
       * stack says how it ended (on_recv explains why). */
    }
  }
  s->wr_shut = s->wr_shut || wr;
  wake();
  return json_object();
}

static json_t *cmd_sock_close(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  if (s == NULL) {
    return NULL;
  }
  bool reset = s->type == S_TCP && s->tcp != NULL && !s->listening &&
               (s->rx_bytes > 0 || (s->linger_on && s->linger_s == 0));
  sock_destroy(s, false);
  wake();
  return json_pack("{s:b}", "reset", reset);
}

static json_t *cmd_sock_fcntl(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  bool nb = false;
  if (s == NULL) {
    return NULL;
  }
  bool given = arg_given(args, "nonblock");
  if (!arg_bool(args, "nonblock", false, &nb, r)) {
    return NULL;
  }
  if (given) {
    s->nonblock = nb;
  }
  return json_pack("{s:b}", "nonblock", s->nonblock);
}

static json_t *cmd_sock_poll(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  json_t *fds = json_object_get(args, "fds");
  long long timeout;
  if (!arg_timeout(args, &timeout, r)) {
    return NULL;
  }
  if (!json_is_array(fds) || json_array_size(fds) == 0 || json_array_size(fds) > SOCK_MAX_FDS) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.fds: expected 1..%d entries {fd, events}", SOCK_MAX_FDS);
  }
  size_t n = json_array_size(fds);
  struct poll_ent *ents = calloc(n, sizeof(*ents));
  if (ents == NULL) {
    return ctl_error(r, CTL_E_NO_MEMORY, "no memory");
  }
  for (size_t i = 0; i < n; i++) {
    json_t *e = json_array_get(fds, i);
    json_t *fd = json_object_get(e, "fd"), *evs = json_object_get(e, "events");
    if (!json_is_integer(fd) || (evs != NULL && !json_is_array(evs))) {
      free(ents);
      return ctl_error(r, CTL_E_BAD_ARGS, "args.fds[%zu]: expected {fd: integer, events: [in, out]}", i);
    }
    ents[i].fd = (int)json_integer_value(fd);
    ents[i].events = evs == NULL ? POLL_IN | POLL_OUT : 0;
    for (size_t k = 0; evs != NULL && k < json_array_size(evs); k++) {
      const char *name = json_string_value(json_array_get(evs, k));
      unsigned bit = name == NULL ? 0 : strcmp(name, "in") == 0 ? POLL_IN : strcmp(name, "out") == 0 ? POLL_OUT : 0;
      if (bit == 0) {
        free(ents);
        return ctl_error(r, CTL_E_BAD_ARGS, "args.fds[%zu].events[%zu]: expected in or out", i, k);
      }
      ents[i].events |= bit;
    }
  }
  struct outcome o = {0};
  if (try_poll(req->client, ents, n, timeout == 0, &o)) {
    free(ents);
    return o.result;
  }
  struct pend *p = pend_new(req, r, P_POLL, NULL, timeout);
  if (p == NULL) {
    free(ents);
    return NULL;
  }
  p->ents = ents;
  p->nents = n;
  return NULL;
}

static json_t *cmd_sock_getsockname(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  if (s == NULL) {
    return NULL;
  }
  if (s->tcp != NULL && s->tcp->local_port != 0) {
    return json_addr(&s->tcp->local_ip, s->tcp->local_port);
  }
  if (s->udp != NULL) {
    return json_addr(&s->udp->local_ip, s->udp->local_port);
  }
  return json_addr(&s->local_ip, s->local_port);
}

static json_t *cmd_sock_getpeername(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  if (s == NULL) {
    return NULL;
  }
  if (!s->connected || (s->type == S_TCP && s->tcp == NULL && !s->eof)) {
    return ctl_error(r, "ENOTCONN", "not connected");
  }
  return json_addr(&s->peer_ip, s->peer_port);
}

/* ---- socket options ---- */

enum opt_kind { O_BOOL, O_INT, O_LINGER, O_RO, O_STR };

static const struct sockopt {
  const char *name;
  enum opt_kind kind;
  bool tcp_only;
} sockopts[] = {
  {"SO_REUSEADDR", O_BOOL, false},
  {"SO_KEEPALIVE", O_BOOL, true},
  {"SO_RCVBUF", O_INT, false},
  {"SO_SNDBUF", O_INT, false},
  {"SO_ERROR", O_RO, false},
  {"SO_TYPE", O_RO, false},
  {"SO_LINGER", O_LINGER, true},
  {"TCP_NODELAY", O_BOOL, true},
  {"TCP_KEEPIDLE", O_INT, true},
  {"TCP_KEEPINTVL", O_INT, true},
  {"TCP_KEEPCNT", O_INT, true},
  {"TCP_KEEPIDLE_MS", O_INT, true},
  {"TCP_KEEPINTVL_MS", O_INT, true},
  {"TCP_INFO", O_RO, true},
  {"TCP_CONGESTION", O_STR, true},
  {"TCP_ECN", O_STR, true},
};

static const struct sockopt *opt_find(const char *name)
{
  for (size_t i = 0; i < sizeof(sockopts) / sizeof(sockopts[0]); i++) {
    if (strcmp(sockopts[i].name, name) == 0) {
      return &sockopts[i];
    }
  }
  return NULL;
}

/* so_options of whichever PCB the socket has, or NULL. */
static u8_t *so_options(struct sock *s)
{
  if (s->tcp != NULL) {
    return &s->tcp->so_options;
  }
  return s->udp != NULL ? &s->udp->so_options : NULL;
}

static json_t *tcp_info(const struct tcp_pcb *pcb);

/* The socket's state as sock.info and TCP_INFO name it. */
static const char *sock_state(const struct sock *s)
{
  if (s->type == S_UDP) {
    return s->connected ? "CONNECTED" : s->local_port ? "BOUND" : "UNBOUND";
  }
  if (s->tcp != NULL) {
    return tcp_state_name(s->tcp->state);
  }
  return s->last_state ? s->last_state : "CLOSED";
}

static json_t *opt_value(struct sock *s, const char *name)
{
  u8_t *so = so_options(s);
  if (strcmp(name, "SO_REUSEADDR") == 0) {
    return json_boolean(so != NULL && (*so & SOF_REUSEADDR));
  }
  if (strcmp(name, "SO_KEEPALIVE") == 0) {
    return json_boolean(so != NULL && (*so & SOF_KEEPALIVE));
  }
  if (strcmp(name, "SO_RCVBUF") == 0) {
    /* The window is the core's TCP_WND for every connection; a UDP
     * socket queues up to SOCK_UDP_QUEUE datagrams. */
    return json_integer(s->type == S_TCP ? TCP_WND : SOCK_UDP_QUEUE * 65535);
  }
  if (strcmp(name, "SO_SNDBUF") == 0) {
    return json_integer(s->type == S_TCP ? TCP_SND_BUF : 65507);
  }
  if (strcmp(name, "SO_ERROR") == 0) {
    const char *e = s->so_error;
    s->so_error = NULL; /* reading SO_ERROR clears it, as POSIX says */
    return e ? json_string(e) : json_null();
  }
  if (strcmp(name, "SO_TYPE") == 0) {
    return json_string(s->type == S_TCP ? "tcp" : "udp");
  }
  if (strcmp(name, "SO_LINGER") == 0) {
    return json_pack("{s:b, s:i}", "onoff", s->linger_on, "linger", s->linger_s);
  }
  if (strcmp(name, "TCP_NODELAY") == 0) {
    return json_boolean(s->tcp != NULL && !s->listening && tcp_nagle_disabled(s->tcp));
  }
  if (strcmp(name, "TCP_KEEPIDLE") == 0 || strcmp(name, "TCP_KEEPIDLE_MS") == 0) {
    u32_t ms = s->keep_idle_ms ? s->keep_idle_ms : 7200000U;
    return json_integer(strcmp(name, "TCP_KEEPIDLE") == 0 ? ms / 1000U : ms);
  }
  if (strcmp(name, "TCP_KEEPINTVL") == 0 || strcmp(name, "TCP_KEEPINTVL_MS") == 0) {
    u32_t ms = s->keep_intvl_ms ? s->keep_intvl_ms : 75000U;
    return json_integer(strcmp(name, "TCP_KEEPINTVL") == 0 ? ms / 1000U : ms);
  }
  if (strcmp(name, "TCP_CONGESTION") == 0) {
    if (s->tcp != NULL && !s->listening) {
      return json_string(tcp_get_congestion(s->tcp));
    }
    return json_string(s->congestion != NULL ? s->congestion : tcp_get_default_congestion());
  }
  if (strcmp(name, "TCP_ECN") == 0) {
    if (s->ecn != NULL) {
      return json_string(s->ecn);
    }
    return json_string(tcp_ecn_mode_name(s->tcp != NULL ? tcp_get_ecn(s->tcp) : tcp_get_default_ecn()));
  }
  if (strcmp(name, "TCP_INFO") == 0) {
    /* Like Linux's TCP_INFO: read-only, the state and the connection's
     * TCP fields as sock.info shows them (null once the stack has let
     * the connection go, or for a listener). */
    json_t *info = json_pack("{s:s}", "state", sock_state(s));
    json_object_set_new(info, "tcp", s->tcp != NULL && !s->listening ? tcp_info(s->tcp) : json_null());
    return info;
  }
  return json_integer(s->keep_cnt ? s->keep_cnt : 9); /* TCP_KEEPCNT */
}

static json_t *cmd_sock_getsockopt(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  const char *name = NULL;
  if (s == NULL || !arg_str(args, "name", true, &name, r)) {
    return NULL;
  }
  const struct sockopt *o = opt_find(name);
  if (o == NULL || (o->tcp_only && s->type != S_TCP)) {
    return ctl_error(r, "ENOPROTOOPT", "%s: no such option for this socket", name);
  }
  return json_pack("{s:s, s:o}", "name", o->name, "value", opt_value(s, o->name));
}

/* Apply the keepalive timers to a connected PCB (RFC 1122 4.2.3.6). */
static void keep_apply(struct sock *s)
{
  if (s->tcp != NULL && !s->listening) {
    tcp_keepalive(s->tcp, s->keep_idle_ms, s->keep_intvl_ms, s->keep_cnt);
  }
}

/* TCP_CONGESTION: the controller by name, as Linux takes it; a listener
 * passes it to the connections it accepts. */
static json_t *set_congestion(struct sock *s, json_t *v, struct ctl_reply *r)
{
  const char *name = json_is_string(v) ? json_string_value(v) : NULL;
  if (name == NULL || !tcp_congestion_available(name)) {
    return ctl_error(r, "ENOENT", "TCP_CONGESTION: expected newreno or cubic (a build with tcp_cubic)");
  }
  if (s->tcp != NULL && !s->listening) {
    (void)tcp_set_congestion(s->tcp, name);
  }
  s->congestion = strcmp(name, "cubic") == 0 ? "cubic" : "newreno"; /* a static copy of the name */
  return json_pack("{s:s, s:o}", "name", "TCP_CONGESTION", "value", opt_value(s, "TCP_CONGESTION"));
}

/* TCP_ECN (lwipd's own; Linux sets ECN per host or route): off, passive
 * or on (RFC 3168), for the next handshake: set before connect or on a
 * listener, whose connections take it. */
static json_t *set_ecn(struct sock *s, json_t *v, struct ctl_reply *r)
{
  enum tcp_ecn_mode mode;
  if (!json_is_string(v) || tcp_ecn_mode_parse(json_string_value(v), &mode) != ERR_OK) {
    return ctl_error(r, "EINVAL", "TCP_ECN: expected off, passive or on");
  }
  if (!LWIP_TCP_ECN && mode != TCP_ECN_MODE_OFF) {
    /* tcp_set_ecn would refuse it: say so rather than read back "on". */
    return ctl_error(r, "ENOPROTOOPT", "TCP_ECN: ECN (RFC 3168) is not in this build");
  }
  if (s->tcp != NULL && tcp_set_ecn(s->tcp, mode) != ERR_OK) {
    return ctl_error(r, "EINVAL", "TCP_ECN: refused by the stack");
  }
  s->ecn = tcp_ecn_mode_name(mode); /* a static string */
  return json_pack("{s:s, s:o}", "name", "TCP_ECN", "value", opt_value(s, "TCP_ECN"));
}

static json_t *set_linger(struct sock *s, json_t *v, struct ctl_reply *r)
{
  json_t *on = json_object_get(v, "onoff"), *secs = json_object_get(v, "linger");
  if (!json_is_object(v) || !json_is_boolean(on) || (secs != NULL && !json_is_integer(secs)) ||
      (secs != NULL && (json_integer_value(secs) < 0 || json_integer_value(secs) > 65535))) {
    return ctl_error(r, "EINVAL", "SO_LINGER: expected {onoff: bool, linger: seconds 0..65535}");
  }
  s->linger_on = json_is_true(on);
  s->linger_s = secs ? (int)json_integer_value(secs) : 0;
  return json_pack("{s:s, s:o}", "name", "SO_LINGER", "value", opt_value(s, "SO_LINGER"));
}

static json_t *cmd_sock_setsockopt(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  const char *name = NULL;
  if (s == NULL || !arg_str(args, "name", true, &name, r)) {
    return NULL;
  }
  const struct sockopt *o = opt_find(name);
  json_t *v = json_object_get(args, "value");
  if (o == NULL || (o->tcp_only && s->type != S_TCP)) {
    return ctl_error(r, "ENOPROTOOPT", "%s: no such option for this socket", name);
  }
  if (o->kind == O_RO) {
    return ctl_error(r, "ENOPROTOOPT", "%s can only be read", name);
  }
  if (o->kind == O_LINGER) {
    return set_linger(s, v, r);
  }
  if (o->kind == O_STR) {
    return strcmp(o->name, "TCP_ECN") == 0 ? set_ecn(s, v, r) : set_congestion(s, v, r);
  }
  long long x = 0;
  if (o->kind == O_BOOL) {
    if (!json_is_boolean(v) && !json_is_integer(v)) {
      return ctl_error(r, "EINVAL", "%s: value must be a boolean", name);
    }
    x = json_is_boolean(v) ? json_is_true(v) : json_integer_value(v) != 0;
  } else {
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0x7fffffff) {
      return ctl_error(r, "EINVAL", "%s: value must be a non-negative integer", name);
    }
    x = json_integer_value(v);
  }
  u8_t *so = so_options(s);
  if (strcmp(name, "SO_REUSEADDR") == 0 || strcmp(name, "SO_KEEPALIVE") == 0) {
    u8_t bit = name[3] == 'R' ? SOF_REUSEADDR : SOF_KEEPALIVE;
    if (so == NULL) {
      return ctl_error(r, "EINVAL", "the connection is gone");
    }
    *so = (u8_t)(x ? (*so | bit) : (*so & ~bit));
    if (bit == SOF_KEEPALIVE) {
      keep_apply(s); /* arms or disarms the keepalive timer */
    }
  } else if (strcmp(name, "TCP_NODELAY") == 0) {
    if (s->tcp != NULL && !s->listening) {
      if (x) {
        tcp_nagle_disable(s->tcp);
      } else {
        tcp_nagle_enable(s->tcp);
      }
    }
  } else if (strncmp(name, "TCP_KEEP", 8) == 0) {
    bool ms = strstr(name, "_MS") != NULL;
    if (strcmp(name, "TCP_KEEPCNT") == 0) {
      if (x < 1 || x > 255) {
        return ctl_error(r, "EINVAL", "TCP_KEEPCNT: 1..255");
      }
      s->keep_cnt = (u8_t)x;
    } else {
      if (x < 1 || (!ms && x > 2000000) || (ms && x > 2000000000LL)) {
        return ctl_error(r, "EINVAL", "%s: out of range", name);
      }
      u32_t val = (u32_t)(ms ? x : x * 1000);
      if (strstr(name, "IDLE") != NULL) {
        s->keep_idle_ms = val;
      } else {
        s->keep_intvl_ms = val;
      }
    }
    if (so != NULL && (*so & SOF_KEEPALIVE)) {
      keep_apply(s);
    }
  }
  /* SO_RCVBUF/SO_SNDBUF: the core's buffers are fixed at build time, so
   * the value is accepted and the effective size reported, as Linux
   * reports what it really granted. */
  return json_pack("{s:s, s:o}", "name", o->name, "value", opt_value(s, o->name));
}

/* ---- introspection ---- */

/* The sequence numbers and keepalive count a test wants besides the
 * tcp.list fields.  Keys tcp.list also has keep tcp.list's value there. */
static json_t *tcp_fields(const struct tcp_conn_info *ci)
{
  return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:i, s:i, s:i, s:i}", "snd_una",
                   (json_int_t)ci->snd_una, "snd_nxt", (json_int_t)ci->snd_nxt, "rcv_nxt", (json_int_t)ci->rcv_nxt,
                   "rcv_wnd", (json_int_t)ci->rcv_wnd, "snd_wnd", (json_int_t)ci->snd_wnd, "cwnd",
                   (json_int_t)ci->cwnd, "ssthresh", (json_int_t)ci->ssthresh, "rto_ms", (json_int_t)ci->rto_ms,
                   "srtt_ms", (json_int_t)(ci->srtt8 / 8U), "mss", (int)ci->mss, "snd_buf",
                   (int)LWIP_MIN(ci->snd_room, 0xffffU), "snd_queuelen", (int)ci->snd_queuelen, "nrtx",
                   (int)ci->retransmits, "keep_cnt_sent", (int)ci->keep_cnt_sent, "nodelay", (int)ci->nodelay);
}

/* This connection as tcp.list shows it (one JSON builder for both), plus
 * tcp_fields.  tcp.list shows connections only, not a PCB still CLOSED
 * (created or bound): that one gets tcp_fields alone. */
static json_t *tcp_info(const struct tcp_pcb *pcb)
{
  struct tcp_conn_info ci;
  tcp_get_info(pcb, &ci);
  json_t *o = ci.state != CLOSED ? tcp_conn_info_json(&ci) : json_object();
  json_t *mine = tcp_fields(&ci);
  json_object_update_missing(o, mine);
  json_decref(mine);
  return o;
}

static json_t *sock_json(struct sock *s)
{
  const char *state = sock_state(s);
  json_t *o = json_pack("{s:i, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:I, s:o}", "fd", s->fd, "type",
                        s->type == S_TCP ? "tcp" : "udp", "state", state, "nonblock", s->nonblock, "listening",
                        s->listening, "eof", s->eof, "rd_shut", s->rd_shut, "wr_shut", s->wr_shut, "rx_queued",
                        (json_int_t)s->rx_bytes, "so_error", s->so_error ? json_string(s->so_error) : json_null());
  json_object_set_new(o, "family", json_string(s->inet6 ? "inet6" : "inet"));
  json_object_set_new(o, "local", json_addr(&s->local_ip, s->local_port));
  if (s->connected || s->connecting) {
    json_object_set_new(o, "peer", json_addr(&s->peer_ip, s->peer_port));
  }
  if (s->listening) {
    size_t q = 0;
    for (struct sock *c = s->acq; c != NULL; c = c->acq_next) {
      q++;
    }
    json_object_set_new(o, "backlog", json_integer(s->backlog));
    json_object_set_new(o, "accept_queue", json_integer((json_int_t)q));
    if (s->tcp != NULL) {
      json_object_set_new(o, "accepts_pending",
                          json_integer(((struct tcp_pcb_listen *)(void *)s->tcp)->accepts_pending));
    }
  } else if (s->tcp != NULL) {
    json_object_set_new(o, "tcp", tcp_info(s->tcp));
  }
  if (s->type == S_UDP) {
    json_object_set_new(o, "rx_datagrams", json_integer(s->rx_count));
    json_object_set_new(o, "rx_drops", json_integer(s->udp_drops));
  }
  return o;
}

static json_t *cmd_sock_info(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  struct sock *s = arg_sock(req, args, r);
  return s ? sock_json(s) : NULL;
}

static json_t *cmd_sock_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)args;
  (void)r;
  json_t *a = json_array();
  for (int fd = 0; fd < SOCK_MAX_FDS; fd++) {
    struct sock *s = sock_find(req->client, fd);
    if (s != NULL) {
      json_array_append_new(a, sock_json(s));
    }
  }
  return json_pack("{s:o, s:i}", "sockets", a, "max_fds", SOCK_MAX_FDS);
}

#else /* LWIP_TCP && LWIP_UDP */

/* A build without TCP or UDP (-Dtcp=disabled) still answers every call. */
#define SOCK_UNAVAILABLE(fn)                                                              \
  json_t *fn(struct ctl_req *req, json_t *args, struct ctl_reply *r)                      \
  {                                                                                       \
    (void)req;                                                                            \
    (void)args;                                                                           \
    return ctl_error(r, CTL_E_FAILED, "this build has no TCP or UDP: sock.* is unavailable"); \
  }

SOCK_UNAVAILABLE(cmd_sock_socket)
SOCK_UNAVAILABLE(cmd_sock_bind)
SOCK_UNAVAILABLE(cmd_sock_listen)
SOCK_UNAVAILABLE(cmd_sock_accept)
SOCK_UNAVAILABLE(cmd_sock_connect)
SOCK_UNAVAILABLE(cmd_sock_write)
SOCK_UNAVAILABLE(cmd_sock_read)
SOCK_UNAVAILABLE(cmd_sock_sendto)
SOCK_UNAVAILABLE(cmd_sock_recvfrom)
SOCK_UNAVAILABLE(cmd_sock_shutdown)
SOCK_UNAVAILABLE(cmd_sock_close)
SOCK_UNAVAILABLE(cmd_sock_setsockopt)
SOCK_UNAVAILABLE(cmd_sock_getsockopt)
SOCK_UNAVAILABLE(cmd_sock_fcntl)
SOCK_UNAVAILABLE(cmd_sock_poll)
SOCK_UNAVAILABLE(cmd_sock_getsockname)
SOCK_UNAVAILABLE(cmd_sock_getpeername)
SOCK_UNAVAILABLE(cmd_sock_info)
SOCK_UNAVAILABLE(cmd_sock_list)

void sock_client_gone(uint64_t client)
{
  (void)client;
}

void sock_stop_all(void)
{
}

#endif /* LWIP_TCP && LWIP_UDP */

/* The sock.* commands (docs/control-protocol.md, Sockets). */
const struct ctl_cmd sock_cmds[] = {
    {"sock.socket", cmd_sock_socket, "create a socket"},
    {"sock.bind", cmd_sock_bind, "bind a socket"},
    {"sock.listen", cmd_sock_listen, "listen on a TCP socket"},
    {"sock.accept", cmd_sock_accept, "accept a connection (blocking)"},
    {"sock.connect", cmd_sock_connect, "connect a socket (blocking)"},
    {"sock.write", cmd_sock_write, "write to a socket (blocking)"},
    {"sock.read", cmd_sock_read, "read from a socket (blocking)"},
    {"sock.sendto", cmd_sock_sendto, "send a datagram"},
    {"sock.recvfrom", cmd_sock_recvfrom, "receive a datagram (blocking)"},
    {"sock.shutdown", cmd_sock_shutdown, "shut down one or both directions"},
    {"sock.close", cmd_sock_close, "close a socket"},
    {"sock.setsockopt", cmd_sock_setsockopt, "set a socket option"},
    {"sock.getsockopt", cmd_sock_getsockopt, "read a socket option"},
    {"sock.fcntl", cmd_sock_fcntl, "set or read O_NONBLOCK"},
    {"sock.poll", cmd_sock_poll, "wait for sockets to become ready (blocking)"},
    {"sock.getsockname", cmd_sock_getsockname, "a socket's local address"},
    {"sock.getpeername", cmd_sock_getpeername, "a socket's peer address"},
    {"sock.info", cmd_sock_info, "a socket's state and its connection"},
    {"sock.list", cmd_sock_list, "this connection's sockets"},
    {"sock.send", cmd_sock_write, "same as sock.write"},
    {"sock.recv", cmd_sock_read, "same as sock.read"},
    {NULL, NULL, NULL},
};
