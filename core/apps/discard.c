/**
 * @file discard.c
 * RFC 863 discard over UDP and TCP (lwip/apps/small_servers.h).
 */
#include "small_servers_priv.h"

#if LWIP_UDP
static void discard_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct small_server *s = (struct small_server *)arg;
  (void)pcb;
  (void)addr;
  (void)port;
  s->stats.rx_packets++;
  s->stats.rx_bytes += p->tot_len;
  pbuf_free(p);
}
#endif

#if LWIP_TCP
static err_t discard_tcp_recv(struct small_server_conn *c, struct pbuf *p)
{
  small_server_count_rx(c, p->tot_len);
  tcp_recved(c->pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}
#endif

const struct small_server_service small_server_discard = {
    .name = "discard",
    .port = 9,
#if LWIP_UDP
    .udp_recv = discard_udp_recv,
#endif
#if LWIP_TCP
    .recv = discard_tcp_recv,
#endif
};
