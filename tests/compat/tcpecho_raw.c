/*
 * A TCP echo server (RFC 862) in lwIP's raw-API style: the includes an
 * lwIP application uses (mem_malloc comes in through lwip/tcp.h, as with
 * lwIP), the LWIP_CALLBACK_API guard, per-connection state from the heap,
 * the callbacks, and LWIP_DEBUGF with the format macros.
 *
 * Data is echoed as the send buffer takes it; the receive window is
 * reopened (tcp_recved) only for bytes handed to tcp_write, so a peer that
 * does not read its echo is held back by its own window.
 */
#include "lwip/opt.h"
#include "lwip/debug.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"

#include "compat_apps.h"

#if LWIP_TCP && LWIP_CALLBACK_API

#ifndef TCPECHO_DEBUG
#define TCPECHO_DEBUG LWIP_DBG_ON
#endif

/** Poll interval, in units of 500 ms (lwIP's tcp_poll unit). */
#define TCPECHO_POLL_INTERVAL 4

enum tcpecho_phase {
  TCPECHO_OPEN = 1,
  TCPECHO_CLOSING /* the peer closed: close once everything is echoed */
};

struct tcpecho_conn {
  u8_t phase;
  struct tcp_pcb *pcb;
  struct pbuf *pending; /* received, not yet handed to tcp_write */
  struct tcpecho_conn *next;
};

static struct tcp_pcb *tcpecho_listener;
static void tcpecho_error(void *arg, err_t err);
static err_t tcpecho_poll(void *arg, struct tcp_pcb *tpcb);
static struct tcpecho_conn *tcpecho_conns;

static void tcpecho_unlink(struct tcpecho_conn *es)
{
  for (struct tcpecho_conn **pp = &tcpecho_conns; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == es) {
      *pp = es->next;
      break;
    }
  }
}

static void tcpecho_free(struct tcpecho_conn *es)
{
  tcpecho_unlink(es);
  if (es->pending != NULL) {
    pbuf_free(es->pending);
  }
  mem_free(es);
}

/* Detach our callbacks and close.  tcp_close may fail for want of memory:
 * then the state stays and the poll callback tries again. */
static void tcpecho_close(struct tcp_pcb *tpcb, struct tcpecho_conn *es)
{
  tcp_arg(tpcb, NULL);
  tcp_recv(tpcb, NULL);
  tcp_sent(tpcb, NULL);
  tcp_err(tpcb, NULL);
  tcp_poll(tpcb, NULL, 0);
  if (tcp_close(tpcb) != ERR_OK) {
    LWIP_DEBUGF(TCPECHO_DEBUG | LWIP_DBG_LEVEL_SERIOUS, ("tcpecho: close failed, retrying from poll"));
    es->phase = TCPECHO_CLOSING;
    tcp_arg(tpcb, es);
    tcp_err(tpcb, tcpecho_error);
    tcp_poll(tpcb, tcpecho_poll, TCPECHO_POLL_INTERVAL);
    return;
  }
  LWIP_DEBUGF(TCPECHO_DEBUG | LWIP_DBG_STATE, ("tcpecho: closed"));
  tcpecho_free(es);
}

/* Hand as much pending data to TCP as its send buffer takes. */
static void tcpecho_send(struct tcp_pcb *tpcb, struct tcpecho_conn *es)
{
  while (es->pending != NULL && es->pending->len <= tcp_sndbuf(tpcb)) {
    struct pbuf *head = es->pending;
    u16_t plen = head->len;
    err_t err = tcp_write(tpcb, head->payload, plen, TCP_WRITE_FLAG_COPY);
    if (err != ERR_OK) {
      /* ERR_MEM: the queue is full; the sent callback brings us back. */
      LWIP_DEBUGF(TCPECHO_DEBUG | LWIP_DBG_TRACE,
                  ("tcpecho: tcp_write %s, %" U16_F " bytes wait", lwip_strerr(err), plen));
      break;
    }
    /* Take the first pbuf off the chain: the rest keeps one reference. */
    es->pending = head->next;
    if (es->pending != NULL) {
      pbuf_ref(es->pending);
    }
    pbuf_free(head);
    tcp_recved(tpcb, plen);
  }
  tcp_output(tpcb);
  if (es->pending == NULL && es->phase == TCPECHO_CLOSING) {
    tcpecho_close(tpcb, es);
  }
}

static err_t tcpecho_recv(void *arg, struct tcp_pcb *tpcb, struct pbuf *p, err_t err)
{
  struct tcpecho_conn *es = (struct tcpecho_conn *)arg;
  LWIP_ASSERT("tcpecho: recv without state", es != NULL);
  if (p == NULL) {
    LWIP_DEBUGF(TCPECHO_DEBUG | LWIP_DBG_STATE, ("tcpecho: peer closed"));
    es->phase = TCPECHO_CLOSING;
    tcpecho_send(tpcb, es);
    return ERR_OK;
  }
  if (err != ERR_OK) {
    pbuf_free(p);
    return err;
  }
  LWIP_DEBUGF(TCPECHO_DEBUG | LWIP_DBG_TRACE,
              ("tcpecho: %" U16_F " bytes in %" U16_F " pbufs", p->tot_len, pbuf_clen(p)));
  if (es->pending == NULL) {
    es->pending = p;
  } else {
    pbuf_cat(es->pending, p);
  }
  tcpecho_send(tpcb, es);
  return ERR_OK;
}

static err_t tcpecho_sent(void *arg, struct tcp_pcb *tpcb, u16_t len)
{
  struct tcpecho_conn *es = (struct tcpecho_conn *)arg;
  LWIP_UNUSED_ARG(len);
  if (es != NULL) {
    tcpecho_send(tpcb, es);
  }
  return ERR_OK;
}

static err_t tcpecho_poll(void *arg, struct tcp_pcb *tpcb)
{
  struct tcpecho_conn *es = (struct tcpecho_conn *)arg;
  if (es == NULL) {
    tcp_abort(tpcb);
    return ERR_ABRT;
  }
  if (es->phase == TCPECHO_CLOSING && es->pending == NULL) {
    tcpecho_close(tpcb, es);
  } else {
    tcpecho_send(tpcb, es);
  }
  return ERR_OK;
}

/* The stack freed the PCB (reset, timeout, tcp_abort). */
static void tcpecho_error(void *arg, err_t err)
{
  struct tcpecho_conn *es = (struct tcpecho_conn *)arg;
  LWIP_DEBUGF(TCPECHO_DEBUG | LWIP_DBG_LEVEL_WARNING, ("tcpecho: connection lost: %s", lwip_strerr(err)));
  if (es != NULL) {
    tcpecho_free(es);
  }
}

static err_t tcpecho_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  LWIP_UNUSED_ARG(arg);
  if (err != ERR_OK || newpcb == NULL) {
    return ERR_VAL;
  }
  struct tcpecho_conn *es = (struct tcpecho_conn *)mem_malloc(sizeof(struct tcpecho_conn));
  if (es == NULL) {
    LWIP_DEBUGF(TCPECHO_DEBUG | LWIP_DBG_LEVEL_SERIOUS, ("tcpecho: no memory for a connection"));
    return ERR_MEM;
  }
  tcp_setprio(newpcb, TCP_PRIO_MIN);
  es->phase = TCPECHO_OPEN;
  es->pcb = newpcb;
  es->pending = NULL;
  es->next = tcpecho_conns;
  tcpecho_conns = es;
  tcp_arg(newpcb, es);
  tcp_recv(newpcb, tcpecho_recv);
  tcp_sent(newpcb, tcpecho_sent);
  tcp_err(newpcb, tcpecho_error);
  tcp_poll(newpcb, tcpecho_poll, TCPECHO_POLL_INTERVAL);
  LWIP_DEBUGF(TCPECHO_DEBUG | LWIP_DBG_STATE,
              ("tcpecho: accepted %s:%" U16_F, ipaddr_ntoa(&newpcb->remote_ip), newpcb->remote_port));
  return ERR_OK;
}

err_t tcpecho_raw_init(u16_t port)
{
  if (tcpecho_listener != NULL) {
    return ERR_USE;
  }
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
  if (pcb == NULL) {
    return ERR_MEM;
  }
  err_t err = tcp_bind(pcb, IP_ANY_TYPE, port);
  if (err != ERR_OK) {
    tcp_abort(pcb);
    return err;
  }
  tcpecho_listener = tcp_listen(pcb);
  if (tcpecho_listener == NULL) {
    tcp_abort(pcb);
    return ERR_MEM;
  }
  tcp_accept(tcpecho_listener, tcpecho_accept);
  LWIP_DEBUGF(TCPECHO_DEBUG | LWIP_DBG_STATE, ("tcpecho: listening on port %" U16_F, port));
  return ERR_OK;
}

void tcpecho_raw_stop(void)
{
  if (tcpecho_listener != NULL) {
    tcp_close(tcpecho_listener);
    tcpecho_listener = NULL;
  }
  while (tcpecho_conns != NULL) {
    struct tcpecho_conn *es = tcpecho_conns;
    struct tcp_pcb *pcb = es->pcb;
    /* Our error callback frees es; make sure it runs once only. */
    tcp_arg(pcb, NULL);
    tcpecho_free(es);
    tcp_abort(pcb);
  }
}

int tcpecho_raw_open_count(void)
{
  int n = 0;
  for (struct tcpecho_conn *es = tcpecho_conns; es != NULL; es = es->next) {
    n++;
  }
  return n;
}

#else /* LWIP_TCP && LWIP_CALLBACK_API */

err_t tcpecho_raw_init(u16_t port)
{
  LWIP_UNUSED_ARG(port);
  return ERR_VAL;
}
void tcpecho_raw_stop(void)
{
}
int tcpecho_raw_open_count(void)
{
  return 0;
}

#endif /* LWIP_TCP && LWIP_CALLBACK_API */
