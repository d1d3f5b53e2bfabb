/**
 * @file echo.c
 * RFC 862 echo over UDP and TCP (lwip/apps/small_servers.h).
 */
#include "small_servers_priv.h"

#if LWIP_UDP
static void echo_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct small_server *s = (struct small_server *)arg;
  s->stats.rx_packets++;
  s->stats.rx_bytes += p->tot_len;
  /* RFC 862: send back exactly what arrived, to where it came from. */
  if (udp_sendto(pcb, p, addr, port) == ERR_OK) {
    s->stats.tx_packets++;
  }
  pbuf_free(p);
}
#endif

#if LWIP_TCP
/* Write back as much of the pending data as the send buffer takes, and
 * open the receive window only by what was written (backpressure). */
static void echo_push(struct small_server_conn *c)
{
  u32_t written = 0;
  while (c->pending != NULL && tcp_sndbuf(c->pcb) > 0) {
    struct pbuf *q = c->pending;
    u16_t n = (u16_t)LWIP_MIN((u32_t)q->len, (u32_t)tcp_sndbuf(c->pcb));
    if (n > 0 && tcp_write(c->pcb, q->payload, n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
      small_server_write_refused(c);
      break;
    }
    written += n;
    c->pending = pbuf_free_header(q, n);
  }
  if (written > 0) {
    c->srv->stats.tx_bytes += written;
    tcp_output(c->pcb);
    while (written > 0) {
      u16_t n = (u16_t)LWIP_MIN(written, 0xffffU);
      tcp_recved(c->pcb, n);
      written -= n;
    }
  }
}

static err_t echo_tcp_recv(struct small_server_conn *c, struct pbuf *p)
{
  if (c->pending != NULL && (u32_t)c->pending->tot_len + p->tot_len > 0xffffU) {
    /* Our send side is full: refuse, and the stack offers it again. */
    return ERR_MEM;
  }
  small_server_count_rx(c, p->tot_len);
  if (c->pending == NULL) {
    c->pending = p;
  } else {
    pbuf_cat(c->pending, p);
  }
  echo_push(c);
  return ERR_OK;
}

static err_t echo_tcp_sent(struct small_server_conn *c)
{
  echo_push(c);
  if (c->closing && c->pending == NULL) {
    return small_server_conn_close(c);
  }
  return ERR_OK;
}
#endif

const struct small_server_service small_server_echo = {
    .name = "echo",
    .port = 7,
#if LWIP_UDP
    .udp_recv = echo_udp_recv,
#endif
#if LWIP_TCP
    .recv = echo_tcp_recv,
    .fin = echo_push,
    .sent = echo_tcp_sent,
#endif
};
