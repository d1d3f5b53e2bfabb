/**
 * @file apps.c
 * Small servers started over the control socket: udp-echo (RFC 862) and
 * udp-discard (RFC 863), each on its own UDP PCB, and their TCP
 * counterparts tcp-echo, tcp-discard and tcp-chargen (RFC 864), each a
 * listening TCP PCB whose connections are tracked so stopping the app
 * aborts them.
 */
#include "lwipd.h"

#include <stdlib.h>
#include <string.h>

#include "lwip/udp.h"
#include "lwip/tcp.h"
#include "lwip/debug.h"
#include "lwip/err.h"

#define APPS_MAX 32

struct tcp_conn;

struct app {
  int id;                 /* 0: slot free */
  const char *name;
  u16_t port;
  struct udp_pcb *pcb;
  struct tcp_pcb *listener;
  struct tcp_conn *conns; /* open TCP connections of this app */
  int kind;
  uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, connections;
};

static struct app apps[APPS_MAX];
static int next_id = 1;

static void echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct app *a = (struct app *)arg;
  a->rx_packets++;
  a->rx_bytes += p->tot_len;
  /* RFC 862: send back exactly what arrived, to where it came from. */
  if (udp_sendto(pcb, p, addr, port) == ERR_OK) {
    a->tx_packets++;
  }
  pbuf_free(p);
}

static void discard_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)pcb;
  (void)addr;
  (void)port;
  struct app *a = (struct app *)arg;
  a->rx_packets++;
  a->rx_bytes += p->tot_len;
  pbuf_free(p);
}

#if LWIP_TCP
static err_t tcp_app_accept(void *arg, struct tcp_pcb *newpcb, err_t err);
#endif

enum { K_UDP_ECHO, K_UDP_DISCARD, K_TCP_ECHO, K_TCP_DISCARD, K_TCP_CHARGEN };

static const struct {
  const char *name;
  u16_t port;
  udp_recv_fn recv;       /* UDP apps */
} kinds[] = {
  [K_UDP_ECHO] = {"udp-echo", 7, echo_recv},
  [K_UDP_DISCARD] = {"udp-discard", 9, discard_recv},
#if LWIP_TCP
  [K_TCP_ECHO] = {"tcp-echo", 7, NULL},
  [K_TCP_DISCARD] = {"tcp-discard", 9, NULL},
  [K_TCP_CHARGEN] = {"tcp-chargen", 19, NULL},
#endif
};

#if LWIP_TCP
/* ---------------------------------------------------------------------- */
/* TCP apps                                                                */
/* ---------------------------------------------------------------------- */

/** One accepted connection. */
struct tcp_conn {
  struct tcp_conn *next;
  struct app *app;
  struct tcp_pcb *pcb;
  struct pbuf *pending;   /* echo: received, not yet written back */
  u32_t pat_off;          /* chargen: position in the pattern */
  bool closing;           /* echo: the peer sent FIN; close once pending is out */
};

/* RFC 864: lines of 72 printable characters, each starting one character
 * further along the 95 printable ASCII characters.  The pattern repeats
 * after 95 lines; it is static, so TCP sends it without copying. */
#define CHARGEN_LINE 74U
#define CHARGEN_PERIOD (95U * CHARGEN_LINE)
static u8_t chargen_pattern[2U * CHARGEN_PERIOD];

static void chargen_init(void)
{
  if (chargen_pattern[0] != 0) {
    return;
  }
  for (u32_t i = 0; i < 2U * 95U; i++) {
    u8_t *line = chargen_pattern + i * CHARGEN_LINE;
    for (u32_t c = 0; c < 72U; c++) {
      line[c] = (u8_t)(' ' + (i + c) % 95U);
    }
    line[72] = '\r';
    line[73] = '\n';
  }
}

static void conn_unlink(struct tcp_conn *c)
{
  for (struct tcp_conn **pp = &c->app->conns; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  }
  pbuf_free(c->pending);
  free(c);
}

static err_t conn_poll(void *arg, struct tcp_pcb *pcb);

/* Close the connection and forget it.  When the FIN cannot be queued yet
 * (ERR_MEM), the poll callback tries again every 500 ms.  @return ERR_OK. */
static err_t conn_close(struct tcp_conn *c)
{
  struct tcp_pcb *pcb = c->pcb;
  if (tcp_close(pcb) != ERR_OK) {
    c->closing = true;
    tcp_poll(pcb, conn_poll, 1);
    return ERR_OK;
  }
  /* After ERR_OK the PCB is the stack's: no callback reaches us again. */
  conn_unlink(c);
  return ERR_OK;
}

static err_t conn_poll(void *arg, struct tcp_pcb *pcb)
{
  struct tcp_conn *c = (struct tcp_conn *)arg;
  (void)pcb;
  if (c->closing && c->pending == NULL) {
    return conn_close(c);
  }
  return ERR_OK;
}

/* Echo: write back as much of the pending data as the send buffer takes,
 * and open the receive window only by what was written (backpressure). */
static void echo_push(struct tcp_conn *c)
{
  u32_t written = 0;
  while (c->pending != NULL && tcp_sndbuf(c->pcb) > 0) {
    struct pbuf *q = c->pending;
    u16_t n = (u16_t)LWIP_MIN((u32_t)q->len, (u32_t)tcp_sndbuf(c->pcb));
    if (n > 0 && tcp_write(c->pcb, q->payload, n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
      break;
    }
    written += n;
    c->pending = pbuf_free_header(q, n);
  }
  if (written > 0) {
    c->app->tx_bytes += written;
    tcp_output(c->pcb);
    while (written > 0) {
      u16_t n = (u16_t)LWIP_MIN(written, 0xffffU);
      tcp_recved(c->pcb, n);
      written -= n;
    }
  }
}

/* Chargen: keep the send buffer full of the pattern. */
static void chargen_push(struct tcp_conn *c)
{
  bool any = false;
  /* Write in pieces of at least 1 KiB (fewer, fuller segments), or
   * whatever is free when the whole buffer is smaller than that. */
  while (tcp_sndbuf(c->pcb) >= LWIP_MIN(1024U, (u32_t)TCP_SND_BUF)) {
    u16_t n = (u16_t)LWIP_MIN((u32_t)tcp_sndbuf(c->pcb), CHARGEN_PERIOD);
    if (tcp_write(c->pcb, chargen_pattern + c->pat_off, n, TCP_WRITE_FLAG_MORE) != ERR_OK) {
      break;
    }
    c->pat_off = (c->pat_off + n) % CHARGEN_PERIOD;
    c->app->tx_bytes += n;
    any = true;
  }
  if (any) {
    tcp_output(c->pcb);
  }
}

static err_t tcp_app_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  struct tcp_conn *c = (struct tcp_conn *)arg;
  (void)err;
  if (p == NULL) {
    /* The peer closed its side (RFC 9293 3.6: ours stays open): echo
     * what is still pending, then close (RFC 862 returns everything). */
    c->closing = true;
    if (c->app->kind == K_TCP_ECHO) {
      echo_push(c);
    }
    return c->pending == NULL ? conn_close(c) : ERR_OK;
  }
  if (c->app->kind == K_TCP_ECHO && c->pending != NULL && (u32_t)c->pending->tot_len + p->tot_len > 0xffffU) {
    /* Our send side is full: refuse, and the stack offers it again. */
    return ERR_MEM;
  }
  c->app->rx_packets++;
  c->app->rx_bytes += p->tot_len;
  if (c->app->kind == K_TCP_ECHO) {
    if (c->pending == NULL) {
      c->pending = p;
    } else {
      pbuf_cat(c->pending, p);
    }
    echo_push(c);
    return ERR_OK;
  }
  /* discard and chargen read and drop (RFC 863, RFC 864). */
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

static err_t tcp_app_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  struct tcp_conn *c = (struct tcp_conn *)arg;
  (void)pcb;
  (void)len;
  if (c->app->kind == K_TCP_ECHO) {
    echo_push(c);
    if (c->closing && c->pending == NULL) {
      return conn_close(c);
    }
  } else if (c->app->kind == K_TCP_CHARGEN && !c->closing) {
    chargen_push(c);
  }
  return ERR_OK;
}

static void tcp_app_err(void *arg, err_t err)
{
  struct tcp_conn *c = (struct tcp_conn *)arg;
  LWIP_LOG(APP, DEBUG, "%s: connection gone (%s)", c->app->name, lwip_err_name(err));
  conn_unlink(c); /* the PCB is already freed */
}

static err_t tcp_app_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  struct app *a = (struct app *)arg;
  if (err != ERR_OK || newpcb == NULL) {
    return ERR_VAL;
  }
  struct tcp_conn *c = (struct tcp_conn *)calloc(1, sizeof(*c));
  if (c == NULL) {
    tcp_abort(newpcb);
    return ERR_ABRT;
  }
  c->app = a;
  c->pcb = newpcb;
  c->next = a->conns;
  a->conns = c;
  a->connections++;
  tcp_arg(newpcb, c);
  tcp_recv(newpcb, tcp_app_recv);
  tcp_sent(newpcb, tcp_app_sent);
  tcp_err(newpcb, tcp_app_err);
  if (a->kind == K_TCP_CHARGEN) {
    chargen_push(c);
  }
  return ERR_OK;
}

static json_t *tcp_app_listen(struct app *a, u16_t p, struct ctl_reply *r)
{
  struct tcp_pcb *pcb = tcp_new();
  if (pcb == NULL) {
    return ctl_error(r, CTL_E_NO_MEMORY, "no TCP PCB left");
  }
  ip_set_option(pcb, SOF_REUSEADDR);
  err_t err = tcp_bind(pcb, IP_ADDR_ANY, p);
  struct tcp_pcb *l = err == ERR_OK ? tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err) : NULL;
  if (l == NULL) {
    tcp_close(pcb);
    return ctl_error(r, CTL_E_FAILED, "%s: %s", lwip_err_name(err), lwip_strerr(err));
  }
  a->listener = l;
  tcp_arg(l, a);
  tcp_accept(l, tcp_app_accept);
  chargen_init();
  return json_object();
}
#endif /* LWIP_TCP */

size_t apps_count(void)
{
  size_t n = 0;
  for (int i = 0; i < APPS_MAX; i++) {
    n += apps[i].id != 0;
  }
  return n;
}

static void app_stop(struct app *a)
{
  LWIP_LOG(APP, INFO, "%s on port %u stopped", a->name, a->port);
  if (a->pcb != NULL) {
    udp_remove(a->pcb);
  }
#if LWIP_TCP
  if (a->listener != NULL) {
    tcp_close(a->listener);
  }
  while (a->conns != NULL) {
    struct tcp_conn *c = a->conns;
    struct tcp_pcb *pcb = c->pcb;
    tcp_err(pcb, NULL);
    conn_unlink(c);
    tcp_abort(pcb);
  }
#endif
  memset(a, 0, sizeof(*a));
}

void apps_stop_all(void)
{
  for (int i = 0; i < APPS_MAX; i++) {
    if (apps[i].id != 0) {
      app_stop(&apps[i]);
    }
  }
}

static json_t *app_json(const struct app *a)
{
  json_t *o = json_pack("{s:i, s:s, s:i, s:I, s:I, s:I}", "id", a->id, "name", a->name, "port", a->port,
                        "rx_packets", (json_int_t)a->rx_packets, "rx_bytes", (json_int_t)a->rx_bytes, "tx_packets",
                        (json_int_t)a->tx_packets);
#if LWIP_TCP
  if (a->kind >= K_TCP_ECHO) {
    int open = 0;
    for (const struct tcp_conn *c = a->conns; c != NULL; c = c->next) {
      open++;
    }
    json_object_set_new(o, "tx_bytes", json_integer((json_int_t)a->tx_bytes));
    json_object_set_new(o, "connections", json_integer((json_int_t)a->connections));
    json_object_set_new(o, "open", json_integer(open));
  }
#endif
  return o;
}

json_t *cmd_app_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *name = NULL;
  long long port = -1;
  if (!arg_str(args, "name", true, &name, r) || !arg_int(args, "port", false, 1, 65535, &port, r)) {
    return NULL;
  }
  size_t k = 0;
  while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[k].name, name) != 0) {
    k++;
  }
  if (k == sizeof(kinds) / sizeof(kinds[0])) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.name: expected udp-echo, udp-discard, tcp-echo, tcp-discard or tcp-chargen");
  }
  u16_t p = port > 0 ? (u16_t)port : kinds[k].port;
  struct app *a = NULL;
  for (int i = 0; i < APPS_MAX; i++) {
    if (apps[i].id != 0 && apps[i].port == p && (apps[i].kind >= K_TCP_ECHO) == (k >= K_TCP_ECHO)) {
      return ctl_error(r, CTL_E_BUSY, "app %d (%s) already uses port %u", apps[i].id, apps[i].name, p);
    }
    if (apps[i].id == 0 && a == NULL) {
      a = &apps[i];
    }
  }
  if (a == NULL) {
    return ctl_error(r, CTL_E_BUSY, "%d apps are running already", APPS_MAX);
  }
  memset(a, 0, sizeof(*a));
  a->name = kinds[k].name;
  a->port = p;
  a->kind = (int)k;
#if LWIP_TCP
  if (k >= K_TCP_ECHO) {
    json_t *ok = tcp_app_listen(a, p, r);
    if (ok == NULL) {
      memset(a, 0, sizeof(*a));
      return NULL;
    }
    json_decref(ok);
  } else
#endif
  {
    struct udp_pcb *pcb = udp_new();
    if (pcb == NULL) {
      memset(a, 0, sizeof(*a));
      return ctl_error(r, CTL_E_NO_MEMORY, "no UDP PCB left");
    }
    err_t err = udp_bind(pcb, IP_ADDR_ANY, p);
    if (err != ERR_OK) {
      udp_remove(pcb);
      memset(a, 0, sizeof(*a));
      return ctl_error(r, CTL_E_FAILED, "%s: %s", lwip_err_name(err), lwip_strerr(err));
    }
    a->pcb = pcb;
    udp_recv(pcb, kinds[k].recv, a);
  }
  a->id = next_id++;
  LWIP_LOG(APP, INFO, "%s started on port %u (app %d)", a->name, p, a->id);
  return json_pack("{s:i, s:s, s:i}", "id", a->id, "name", a->name, "port", p);
}

json_t *cmd_app_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  json_t *v = json_object_get(args, "id");
  const char *name = NULL;
  if (v != NULL && !json_is_integer(v)) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.id: not an integer");
  }
  if (!arg_str(args, "name", v == NULL, &name, r)) {
    return NULL;
  }
  int stopped = 0;
  for (int i = 0; i < APPS_MAX; i++) {
    struct app *a = &apps[i];
    if (a->id != 0 && ((v != NULL && a->id == json_integer_value(v)) || (name != NULL && strcmp(a->name, name) == 0))) {
      app_stop(a);
      stopped++;
    }
  }
  if (stopped == 0) {
    return ctl_error(r, CTL_E_NOT_FOUND, "no such app");
  }
  return json_object();
}

json_t *cmd_app_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  for (int i = 0; i < APPS_MAX; i++) {
    if (apps[i].id != 0) {
      json_array_append_new(a, app_json(&apps[i]));
    }
  }
  return json_pack("{s:o}", "apps", a);
}
