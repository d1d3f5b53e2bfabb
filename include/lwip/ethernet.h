/**
 * @file ethernet.h
 * Ethernet II framing: EtherType demultiplexing on input, header on output.
 */
#ifndef LWIP_ETHERNET_H
#define LWIP_ETHERNET_H

#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "lwip/prot/ethernet.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const struct eth_addr ethbroadcast, ethzero;
#define eth_addr_eq(a, b) (memcmp((a)->addr, (b)->addr, ETH_HWADDR_LEN) == 0)
#define eth_addr_cmp(a, b) eth_addr_eq(a, b)

/** Process a received Ethernet frame (payload at the destination MAC).
 *  Takes ownership of @p p.  Frames for other MACs, 802.1Q tagged frames,
 *  unknown EtherTypes and runts are dropped and counted.
 *  @return ERR_OK always (the frame is consumed either way). */
err_t ethernet_input(struct pbuf *p, struct netif *netif);

/** Prepend an Ethernet header and hand the frame to netif->linkoutput.
 *  @p p's payload is the network-layer packet.  Does not take ownership.
 *  @return ERR_OK, ERR_MEM when no header could be added, or the driver's
 *  error from linkoutput. */
err_t ethernet_output(struct netif *netif, struct pbuf *p, const struct eth_addr *src,
                      const struct eth_addr *dst, u16_t eth_type);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_ETHERNET_H */
