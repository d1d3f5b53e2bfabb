/**
 * @file ethernet.c
 * Ethernet II framing (RFC 894): check the destination MAC, demultiplex on
 * the EtherType, and prepend the header on output.
 */
#include "lwip/ethernet.h"
#include "lwip/etharp.h"
#include "lwip/ip4.h"
#if LWIP_IPV6
#include "lwip/ip6.h"
#endif
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/pbuf_priv.h"
#include <string.h>

const struct eth_addr ethbroadcast = ETH_ADDR(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
const struct eth_addr ethzero = ETH_ADDR(0, 0, 0, 0, 0, 0);

/* Classify the destination MAC: unicast to us, broadcast or multicast are
 * accepted (multicast group filtering happens at the IP layer, which knows
 * the groups joined); anything else is some other station's traffic that
 * reached us through a hub, a bridge or promiscuous TAP. */
static bool eth_dest_accept(struct pbuf *p, const struct netif *netif, const u8_t *dst)
{
  if (ETH_IS_MULTICAST(dst)) {
    /* Broadcast is the all-ones group address. */
    p->flags |= memcmp(dst, ethbroadcast.addr, ETH_HWADDR_LEN) == 0 ? PBUF_FLAG_LLBCAST : PBUF_FLAG_LLMCAST;
    return true;
  }
  return memcmp(dst, netif->hwaddr, ETH_HWADDR_LEN) == 0;
}

err_t ethernet_input(struct pbuf *p, struct netif *netif)
{
  u8_t hdr[SIZEOF_ETH_HDR];

  LWIP_ERROR_RET("ethernet_input: args", p != NULL && netif != NULL, ERR_ARG);
  STATS_RX(ETH);
  if (pbuf_copy_partial(p, hdr, SIZEOF_ETH_HDR, 0) != SIZEOF_ETH_HDR) {
    LWIP_DROP(ETH_SHORT);
    goto drop;
  }
  if (!eth_dest_accept(p, netif, hdr + ETH_OFF_DEST)) {
    LWIP_DROP(ETH_NOT_FOR_US);
    goto drop;
  }
  if (memcmp(hdr + ETH_OFF_SRC, netif->hwaddr, ETH_HWADDR_LEN) == 0) {
    /* Our own frame reflected back (a bridge loop, or a capture that
     * recorded both directions): processing it would answer ourselves. */
    LWIP_DROP(ETH_OWN_SRC);
    goto drop;
  }

  u16_t type = get_be16(hdr + ETH_OFF_TYPE);
#if LWIP_IPV6
  if (type == ETHTYPE_IPV6) {
    /* IPv6 needs no per-netif switch here: a netif without IPv6 addresses
     * takes nothing but all-nodes multicast, which ip6_input handles. */
    u8_t flags6 = p->flags;
    p = pbuf_free_header(p, SIZEOF_ETH_HDR);
    if (p == NULL) {
      STATS_RX(IP6);
      LWIP_DROP(IP6_SHORT);
      return ERR_OK;
    }
    p->flags = flags6;
    p->if_idx = netif_get_index(netif);
    ip6_input(p, netif);
    return ERR_OK;
  }
#endif
  if (type != ETHTYPE_IP && type != ETHTYPE_ARP) {
    /* Tagged frames (802.1Q, 802.1ad) are told apart only for the drop
     * counters; without stats this test compiles away. */
    if (type == ETHTYPE_VLAN || type == ETHTYPE_QINQ) {
      LWIP_DROP(ETH_VLAN);
    } else {
      LWIP_LOG(ETH, DEBUG, "ethertype 0x%04x not handled", (unsigned)type);
      LWIP_DROP(ETH_UNKNOWN_TYPE);
    }
    goto drop;
  }
  if (!(netif->flags & NETIF_FLAG_ETHARP)) {
    /* An Ethernet netif without IPv4 (ARP) configured carries no IPv4. */
    LWIP_DROP(ETH_UNKNOWN_TYPE);
    goto drop;
  }

  /* Hide the header; pbuf_free_header also copes with a first pbuf that is
   * shorter than the header (a chain split inside it).  The first pbuf may
   * change, so the arrival marks are put on whichever one is left. */
  u8_t flags = p->flags;
  p = pbuf_free_header(p, SIZEOF_ETH_HDR);
  if (p == NULL) {
    /* Header only, nothing behind it: the protocol will see an empty
     * packet, which it counts as short.  Model that here directly. */
    if (type == ETHTYPE_ARP) {
      STATS_RX(ARP);
      LWIP_DROP(ARP_SHORT);
    } else {
      STATS_RX(IP4);
      LWIP_DROP(IP4_SHORT);
    }
    return ERR_OK;
  }
  p->flags = flags;
  p->if_idx = netif_get_index(netif);
  if (type == ETHTYPE_ARP) {
    etharp_input(p, netif);
  } else {
    ip4_input(p, netif);
  }
  return ERR_OK;

drop:
  netif->counters.rx_drops++;
  pbuf_free(p);
  return ERR_OK;
}

err_t ethernet_output(struct netif *netif, struct pbuf *p, const struct eth_addr *src,
                      const struct eth_addr *dst, u16_t eth_type)
{
  struct pbuf *frame;
  u8_t *hdr;

  LWIP_ERROR_RET("ethernet_output: args", netif != NULL && p != NULL && src != NULL && dst != NULL,
                 ERR_ARG);
  if (netif->linkoutput == NULL) {
    return ERR_IF;
  }
  /* Prefer the header room in front of the payload.  When there is none
   * (a REF pbuf, or a caller that reserved no link header), put the header
   * in its own small pbuf chained in front; the caller's pbuf is referenced,
   * not taken. */
  frame = pbuf_push_header(p, SIZEOF_ETH_HDR, PBUF_RAW_TX);
  if (frame == NULL) {
    LWIP_DROP(ETH_NO_MEM);
    return ERR_MEM;
  }
  hdr = (u8_t *)frame->payload;
  memcpy(hdr + ETH_OFF_DEST, dst->addr, ETH_HWADDR_LEN);
  memcpy(hdr + ETH_OFF_SRC, src->addr, ETH_HWADDR_LEN);
  put_be16(hdr + ETH_OFF_TYPE, eth_type);

  STATS_TX(ETH);
  err_t err = netif->linkoutput(netif, frame);
  pbuf_pop_header(frame, p, SIZEOF_ETH_HDR);
  return err;
}
