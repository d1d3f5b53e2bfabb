/*
 * A UDP echo server (RFC 862) in lwIP's raw-API style: every datagram goes
 * back to its sender.  The receive callback owns the pbuf and frees it.
 */
#include "lwip/opt.h"
#include "lwip/udp.h"
#include "lwip/debug.h"

#include "compat_apps.h"

#if LWIP_UDP

#ifndef UDPECHO_DEBUG
#define UDPECHO_DEBUG LWIP_DBG_ON
#endif

static struct udp_pcb *udpecho_pcb;
static u32_t udpecho_count;

static void udpecho_recv(void *arg, struct udp_pcb *upcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  LWIP_UNUSED_ARG(arg);
  if (p == NULL) {
    return;
  }
  LWIP_DEBUGF(UDPECHO_DEBUG | LWIP_DBG_TRACE, ("udpecho: %" U16_F " bytes from port %" U16_F, p->tot_len, port));
  ip_addr_debug_print(UDPECHO_DEBUG | LWIP_DBG_TRACE, addr);
  err_t err = udp_sendto(upcb, p, addr, port);
  if (err == ERR_OK) {
    udpecho_count++;
  } else {
    LWIP_DEBUGF(UDPECHO_DEBUG | LWIP_DBG_LEVEL_WARNING, ("udpecho: send failed: %s", lwip_strerr(err)));
  }
  pbuf_free(p);
}

err_t udpecho_raw_init(u16_t port)
{
  LWIP_ERROR("udpecho: already running", udpecho_pcb == NULL, return ERR_USE;);
  udpecho_pcb = udp_new_ip_type(IPADDR_TYPE_ANY);
  if (udpecho_pcb == NULL) {
    return ERR_MEM;
  }
  err_t err = udp_bind(udpecho_pcb, IP_ANY_TYPE, port);
  if (err != ERR_OK) {
    udp_remove(udpecho_pcb);
    udpecho_pcb = NULL;
    return err;
  }
  udp_recv(udpecho_pcb, udpecho_recv, NULL);
  udpecho_count = 0;
  return ERR_OK;
}

void udpecho_raw_stop(void)
{
  if (udpecho_pcb != NULL) {
    udp_remove(udpecho_pcb);
    udpecho_pcb = NULL;
  }
}

u32_t udpecho_raw_echoed(void)
{
  return udpecho_count;
}

#endif /* LWIP_UDP */
