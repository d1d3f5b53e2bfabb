/**
 * @file small_servers.c
 * The generic part of the small servers (lwip/apps/small_servers.h):
 * start and stop, the TCP listener and the list of accepted connections,
 * so stopping a server aborts them.  What each service does with data is
 * in echo.c, discard.c and chargen.c.
 */
#include "small_servers_priv.h"

#include <string.h>

#include "lwip/debug.h"
#include "lwip/mem.h"

u16_t small_server_default_port(const struct small_server_service *svc)
{
  return svc != NULL ? svc->port : 0;
}

const char *small_server_name(const struct small_server_service *svc)
{
  return svc != NULL ? svc->name : "";
}

bool small_server_running(const struct small_server *s)
{
  return s != NULL && s->svc != NULL;
}

#if LWIP_TCP
static void conn_unlink(struct small_server_conn *c)
{
  for (struct small_server_conn **pp = &c->srv->conns; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  }
  pbuf_free(c->pending);
  mem_free(c);
}

/* The poll callback is armed only to retry: a FIN that could not be
 * queued, or a write the stack refused (small_server_write_refused). */
static err_t conn_poll(void *arg, struct tcp_pcb *pcb)
{
  struct small_server_conn *c = (struct small_server_conn *)arg;
  if (c->closing && c->pending == NULL) {
    return small_server_conn_close(c);
  }
  /* One retry per arming: a write refused again arms it again. */
  tcp_poll(pcb, NULL, 0);
  return c->srv->svc->sent != NULL ? c->srv->svc->sent(c) : ERR_OK;
}

void small_server_write_refused(struct small_server_conn *c)
{
  tcp_poll(c->pcb, conn_poll, 1);
}

err_t small_server_conn_close(struct small_server_conn *c)
{
  struct tcp_pcb *pcb = c->pcb;
  if (tcp_close(pcb) != ERR_OK) {
    /* The FIN could not be queued (ERR_MEM): try again every 500 ms. */
    c->closing = true;
    tcp_poll(pcb, conn_poll, 1);
    return ERR_OK;
  }
  /* After ERR_OK the PCB is the stack's: no callback reaches us again. */
  conn_unlink(c);
  return ERR_OK;
}

static err_t conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  struct small_server_conn *c = (struct small_server_conn *)arg;
  const struct small_server_service *svc = c->srv->svc;
  (void)pcb;
  (void)err;
  if (p == NULL) {
    /* The peer closed its side (RFC 9293 3.6: ours stays open): flush
     * what is still pending, then close (RFC 862 returns everything). */
    c->closing = true;
    if (svc->fin != NULL) {
      svc->fin(c);
    }
    return c->pending == NULL ? small_server_conn_close(c) : ERR_OK;
  }
  return svc->recv(c, p);
}

static err_t conn_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  struct small_server_conn *c = (struct small_server_conn *)arg;
  (void)pcb;
  (void)len;
  return c->srv->svc->sent != NULL ? c->srv->svc->sent(c) : ERR_OK;
}

static void conn_err(void *arg, err_t err)
{
  struct small_server_conn *c = (struct small_server_conn *)arg;
  LWIP_LOG(APP, DEBUG, "tcp-%s: connection gone (%s)", c->srv->svc->name, lwip_err_name(err));
  (void)err;
  conn_unlink(c); /* the PCB is already freed */
}

static err_t conn_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  struct small_server *s = (struct small_server *)arg;
  if (err != ERR_OK || newpcb == NULL) {
    return ERR_VAL;
  }
  struct small_server_conn *c = (struct small_server_conn *)mem_calloc(1, sizeof(*c));
  if (c == NULL) {
    tcp_abort(newpcb);
    return ERR_ABRT;
  }
  c->srv = s;
  c->pcb = newpcb;
  c->next = s->conns;
  s->conns = c;
  s->stats.connections++;
  tcp_arg(newpcb, c);
  tcp_recv(newpcb, conn_recv);
  tcp_sent(newpcb, conn_sent);
  tcp_err(newpcb, conn_err);
  if (s->svc->accepted != NULL) {
    s->svc->accepted(c);
  }
  return ERR_OK;
}

static err_t tcp_start(struct small_server *s, const ip_addr_t *addr)
{
  /* The PCB's family follows the address: IP_ANY_TYPE serves both. */
  struct tcp_pcb *pcb = tcp_new_ip_type(IP_GET_TYPE(addr));
  if (pcb == NULL) {
    return ERR_MEM;
  }
  ip_set_option(pcb, SOF_REUSEADDR);
  err_t err = tcp_bind(pcb, addr, s->port);
  struct tcp_pcb *l = err == ERR_OK ? tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err) : NULL;
  if (l == NULL) {
    tcp_close(pcb);
    return err;
  }
  s->listener = l;
  tcp_arg(l, s);
  tcp_accept(l, conn_accept);
  return ERR_OK;
}
#endif /* LWIP_TCP */

#if LWIP_UDP
static err_t udp_start(struct small_server *s, const ip_addr_t *addr)
{
  /* The PCB's family follows the address: IP_ANY_TYPE serves both. */
  struct udp_pcb *pcb = udp_new_ip_type(IP_GET_TYPE(addr));
  if (pcb == NULL) {
    return ERR_MEM;
  }
  err_t err = udp_bind(pcb, addr, s->port);
  if (err != ERR_OK) {
    udp_remove(pcb);
    return err;
  }
  s->udp = pcb;
  udp_recv(pcb, s->svc->udp_recv, s);
  return ERR_OK;
}
#endif

err_t small_server_start(struct small_server *s, const struct small_server_service *svc, enum small_server_proto proto,
                         const ip_addr_t *addr, u16_t port)
{
  if (s == NULL || svc == NULL) {
    return ERR_ARG;
  }
  memset(s, 0, sizeof(*s));
  s->svc = svc;
  s->proto = proto;
  s->port = port != 0 ? port : svc->port;
  err_t err = ERR_ARG;
#if LWIP_UDP
  if (proto == SMALL_SERVER_UDP && svc->udp_recv != NULL) {
    /* No address: every address of both families (when IPv6 is built). */
    err = udp_start(s, addr != NULL ? addr : (LWIP_IPV6 ? IP_ANY_TYPE : IP_ADDR_ANY));
  }
#endif
#if LWIP_TCP
  if (proto == SMALL_SERVER_TCP && svc->recv != NULL) {
    /* No address: every address of both families, as for UDP. */
    err = tcp_start(s, addr != NULL ? addr : (LWIP_IPV6 ? IP_ANY_TYPE : IP_ADDR_ANY));
  }
#endif
  if (err != ERR_OK) {
    memset(s, 0, sizeof(*s));
  }
  return err;
}

void small_server_stop(struct small_server *s)
{
  if (s == NULL || s->svc == NULL) {
    return;
  }
#if LWIP_UDP
  if (s->udp != NULL) {
    udp_remove(s->udp);
  }
#endif
#if LWIP_TCP
  if (s->listener != NULL) {
    tcp_close(s->listener);
  }
  while (s->conns != NULL) {
    struct small_server_conn *c = s->conns;
    struct tcp_pcb *pcb = c->pcb;
    tcp_err(pcb, NULL);
    conn_unlink(c);
    tcp_abort(pcb);
  }
#endif
  memset(s, 0, sizeof(*s));
}

void small_server_get_stats(const struct small_server *s, struct small_server_stats *out)
{
  *out = s->stats;
  out->open = 0;
#if LWIP_TCP
  for (const struct small_server_conn *c = s->conns; c != NULL; c = c->next) {
    out->open++;
  }
#endif
}
