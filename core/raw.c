/**
 * @file raw.c
 * Raw IP PCBs: every datagram of one IP protocol, header included.
 *
 * A plain list: raw PCBs are few (a ping, a routing daemon), and every
 * datagram of their protocol must be offered to each of them anyway.
 */
#include "lwip/opt.h"

#if LWIP_RAW

#include "lwip/raw.h"
#include "lwip/ip4.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/ip4.h"
#include "lwip/priv/init.h"

#include <string.h>

static struct raw_pcb *raw_pcbs;

void raw_init(void)
{
  raw_pcbs = NULL;
}

static u32_t addr4(const ip_addr_t *a)
{
  return a == NULL ? IPADDR_ANY : ip_2_ip4(a)->addr;
}

static bool raw_linked(const struct raw_pcb *pcb)
{
  for (const struct raw_pcb *q = raw_pcbs; q != NULL; q = q->next) {
    if (q == pcb) {
      return true;
    }
  }
  return false;
}

struct raw_pcb *raw_new(u8_t proto)
{
  struct raw_pcb *pcb = (struct raw_pcb *)memp_malloc(MEMP_RAW_PCB);
  if (pcb == NULL) {
    LWIP_LOG(RAW, WARN, "raw_new: out of PCBs");
    return NULL;
  }
  memset(pcb, 0, sizeof(*pcb));
  ip_addr_set_zero(&pcb->local_ip);
  ip_addr_set_zero(&pcb->remote_ip);
  pcb->protocol = proto;
  pcb->ttl = IP_DEFAULT_TTL;
  pcb->next = raw_pcbs;
  raw_pcbs = pcb;
  return pcb;
}

struct raw_pcb *raw_new_ip_type(u8_t type, u8_t proto)
{
  if (type != IPADDR_TYPE_V4 && type != IPADDR_TYPE_ANY) {
    return NULL; /* IPv6 is not built yet */
  }
  struct raw_pcb *pcb = raw_new(proto);
  if (pcb != NULL) {
    IP_SET_TYPE_VAL(pcb->local_ip, type);
    IP_SET_TYPE_VAL(pcb->remote_ip, type);
  }
  return pcb;
}

void raw_remove(struct raw_pcb *pcb)
{
  if (pcb == NULL) {
    return;
  }
  for (struct raw_pcb **pp = &raw_pcbs; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == pcb) {
      *pp = pcb->next;
      break;
    }
  }
  memp_free(MEMP_RAW_PCB, pcb);
}

err_t raw_bind(struct raw_pcb *pcb, const ip_addr_t *ipaddr)
{
  LWIP_ERROR_RET("raw_bind: pcb", pcb != NULL, ERR_VAL);
  if (ipaddr == NULL || IP_IS_V6_VAL(*ipaddr)) {
    return ERR_VAL;
  }
  ip_addr_set_ip4(&pcb->local_ip, ip_2_ip4(ipaddr));
  if (IP_IS_ANY_TYPE_VAL(*ipaddr)) {
    IP_SET_TYPE_VAL(pcb->local_ip, IPADDR_TYPE_ANY);
  }
  return ERR_OK;
}

void raw_bind_netif(struct raw_pcb *pcb, const struct netif *netif)
{
  if (pcb != NULL) {
    pcb->netif_idx = netif != NULL ? netif_get_index(netif) : NETIF_NO_INDEX;
  }
}

err_t raw_connect(struct raw_pcb *pcb, const ip_addr_t *ipaddr)
{
  LWIP_ERROR_RET("raw_connect: pcb", pcb != NULL, ERR_VAL);
  if (ipaddr == NULL || IP_IS_V6_VAL(*ipaddr)) {
    return ERR_VAL;
  }
  ip_addr_set_ip4(&pcb->remote_ip, ip_2_ip4(ipaddr));
  pcb->flags = (u8_t)(pcb->flags | RAW_FLAGS_CONNECTED);
  return ERR_OK;
}

void raw_disconnect(struct raw_pcb *pcb)
{
  if (pcb == NULL) {
    return;
  }
  ip_2_ip4(&pcb->remote_ip)->addr = IPADDR_ANY;
  pcb->flags = (u8_t)(pcb->flags & ~RAW_FLAGS_CONNECTED);
}

void raw_recv(struct raw_pcb *pcb, raw_recv_fn recv, void *recv_arg)
{
  if (pcb != NULL) {
    pcb->recv = recv;
    pcb->recv_arg = recv_arg;
  }
}

/* ------------------------------------------------------------------ */
/* Input                                                               */
/* ------------------------------------------------------------------ */

static bool raw_match(const struct raw_pcb *pcb, const struct ip_rx *rx)
{
  if (pcb->protocol != rx->proto || pcb->recv == NULL) {
    return false;
  }
  if (pcb->netif_idx != NETIF_NO_INDEX && pcb->netif_idx != netif_get_index(rx->inp)) {
    return false;
  }
  u32_t local = addr4(&pcb->local_ip);
  if (local != IPADDR_ANY && local != ip_2_ip4(&rx->dest)->addr) {
    return false;
  }
  if (pcb->flags & RAW_FLAGS_CONNECTED) {
    u32_t remote = addr4(&pcb->remote_ip);
    if (remote != IPADDR_ANY && remote != ip_2_ip4(&rx->src)->addr) {
      return false;
    }
  }
  return true;
}

raw_input_state_t raw_input(struct pbuf *p, const struct ip_rx *rx)
{
  LWIP_ASSERT("raw_input: args", p != NULL && rx != NULL && rx->inp != NULL);
  raw_input_state_t state = RAW_INPUT_NONE;
  struct raw_pcb *pcb = raw_pcbs;
  while (pcb != NULL) {
    if (!raw_match(pcb, rx)) {
      pcb = pcb->next;
      continue;
    }
    if (state == RAW_INPUT_NONE) {
      STATS_RX(RAW);
    }
    state = RAW_INPUT_DELIVERED;
    struct raw_pcb *next = pcb->next;
    void *payload = p->payload;
    if (pcb->recv(pcb->recv_arg, pcb, p, &rx->src) != 0) {
      return RAW_INPUT_EATEN; /* the callback owns p now */
    }
    LWIP_ASSERT("raw recv callback moved the payload without eating", p->payload == payload);
    /* The callback may have removed PCBs: stop rather than follow a
     * pointer into a freed PCB. */
    if (next != NULL && !raw_linked(next)) {
      break;
    }
    pcb = next;
  }
  return state;
}

void raw_netif_ip_addr_changed(const ip_addr_t *old_addr, const ip_addr_t *new_addr)
{
  u32_t old4 = addr4(old_addr);
  if (old4 == IPADDR_ANY) {
    return;
  }
  for (struct raw_pcb *pcb = raw_pcbs; pcb != NULL; pcb = pcb->next) {
    if (addr4(&pcb->local_ip) == old4) {
      ip_2_ip4(&pcb->local_ip)->addr = addr4(new_addr);
    }
  }
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

static struct netif *raw_route(const struct raw_pcb *pcb, const ip4_addr_t *dst)
{
  if (pcb->netif_idx != NETIF_NO_INDEX) {
    return netif_get_by_index(pcb->netif_idx);
  }
  return ip4_route_src(ip_2_ip4(&pcb->local_ip), dst);
}

err_t raw_sendto(struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *ipaddr)
{
  LWIP_ERROR_RET("raw_sendto: args", pcb != NULL && p != NULL && ipaddr != NULL, ERR_VAL);
  LWIP_ERROR_RET("raw_sendto: IPv4 only", !IP_IS_V6_VAL(*ipaddr), ERR_VAL);
  struct netif *netif = raw_route(pcb, ip_2_ip4(ipaddr));
  if (netif == NULL) {
    LWIP_LOG(RAW, DEBUG, "no route to %s", ipaddr_ntoa(ipaddr));
    STATS_INC(RAW, rterr);
    return ERR_RTE;
  }
  ip_addr_t src;
  const ip4_addr_t *local = ip_2_ip4(&pcb->local_ip);
  if (ip4_addr_isany(local) || ip4_addr_ismulticast(local)) {
    ip_addr_set_ip4(&src, netif_ip4_addr(netif));
  } else {
    ip_addr_set_ip4(&src, local);
  }
  return raw_sendto_if_src(pcb, p, ipaddr, netif, &src);
}

err_t raw_sendto_if_src(struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *dst_ip,
                        struct netif *netif, const ip_addr_t *src_ip)
{
  LWIP_ERROR_RET("raw_sendto_if_src: args",
                 pcb != NULL && p != NULL && dst_ip != NULL && netif != NULL && src_ip != NULL, ERR_VAL);
  if (pcb->flags & RAW_FLAGS_HDRINCL) {
    /* The application wrote the IP header itself (IP_HDRINCL). */
    if (p->len < IP_HLEN) {
      return ERR_VAL;
    }
    STATS_TX(RAW);
    return ip4_output_if(p, NULL, NULL, 0, 0, 0, netif);
  }
  if (p->tot_len > 0xffffU - IP_HLEN) {
    return ERR_VAL;
  }
  /* Without header room (a PBUF_REF payload), chain an empty pbuf that
   * has some, so IP never has to write into memory we do not own. */
  struct pbuf *q = p;
  if (pbuf_add_header(p, IP_HLEN) == 0) {
    pbuf_remove_header(p, IP_HLEN);
  } else {
    q = pbuf_alloc(PBUF_IP, 0, PBUF_RAM);
    if (q == NULL) {
      LWIP_DROP(RAW_NO_MEM);
      return ERR_MEM;
    }
    pbuf_chain(q, p);
  }
  STATS_TX(RAW);
  err_t err = ip4_output_if_src(q, ip_2_ip4(src_ip), ip_2_ip4(dst_ip), pcb->ttl, pcb->tos,
                                pcb->protocol, netif);
  if (q != p) {
    pbuf_free(q);
  }
  return err;
}

err_t raw_send(struct raw_pcb *pcb, struct pbuf *p)
{
  LWIP_ERROR_RET("raw_send: pcb", pcb != NULL, ERR_VAL);
  return raw_sendto(pcb, p, &pcb->remote_ip);
}

#endif /* LWIP_RAW */
