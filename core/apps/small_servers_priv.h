/**
 * @file small_servers_priv.h
 * Private to core/apps: what the generic part (small_servers.c) and the
 * services (echo.c, discard.c, chargen.c) share.
 */
#ifndef LWIP_APPS_SMALL_SERVERS_PRIV_H
#define LWIP_APPS_SMALL_SERVERS_PRIV_H

#include "lwip/apps/small_servers.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "lwip/tcp.h"

/** One accepted TCP connection. */
struct small_server_conn {
  struct small_server_conn *next;
  struct small_server *srv;
  struct tcp_pcb *pcb;
  struct pbuf *pending; /**< echo: received, not yet written back */
  u32_t pat_off;        /**< chargen: position in the pattern */
  bool closing;         /**< the peer sent FIN; close once pending is out */
};

/** What a service does; NULL hooks do nothing. */
struct small_server_service {
  const char *name;
  u16_t port;
  /** UDP: a datagram arrived (takes @p p).  NULL: no UDP flavour. */
  udp_recv_fn udp_recv;
#if LWIP_TCP
  /** A connection was accepted and its callbacks installed. */
  void (*accepted)(struct small_server_conn *c);
  /** Data arrived (takes @p p on ERR_OK; ERR_MEM refuses it and the stack
   *  offers it again later). */
  err_t (*recv)(struct small_server_conn *c, struct pbuf *p);
  /** The peer closed its side (closing is set): flush what is pending. */
  void (*fin)(struct small_server_conn *c);
  /** Data was acknowledged.  May close @p c (small_server_conn_close());
   *  @return what the sent callback returns. */
  err_t (*sent)(struct small_server_conn *c);
#endif
};

#if LWIP_TCP
/** Close @p c and forget it (retried from the poll callback while the FIN
 *  cannot be queued).  @return ERR_OK. */
err_t small_server_conn_close(struct small_server_conn *c);
/** tcp_write refused data for @p c (ERR_MEM: the heap or a pool is short).
 *  When nothing of @p c is in flight no sent callback will come, so the
 *  service's sent hook is called again from the poll callback 500 ms on. */
void small_server_write_refused(struct small_server_conn *c);
/** Count one receive of @p len bytes. */
static inline void small_server_count_rx(struct small_server_conn *c, u16_t len)
{
  c->srv->stats.rx_packets++;
  c->srv->stats.rx_bytes += len;
}
#endif

#endif
