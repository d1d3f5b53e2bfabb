/**
 * @file raw.h
 * Raw IP PCBs (lwIP's raw API): receive every datagram of one IP protocol,
 * send datagrams of it with the stack adding the IP header (or not, with
 * RAW_FLAGS_HDRINCL).  Enough to write ping.
 */
#ifndef LWIP_RAW_H
#define LWIP_RAW_H

#include "lwip/opt.h"
#include "lwip/ip.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RAW_FLAGS_CONNECTED 0x01U
#define RAW_FLAGS_HDRINCL 0x02U /**< the pbuf given to send carries its own IP header */

struct raw_pcb;

/** Receive callback.  @p p's payload is the IPv4 header.  Return 1 to eat
 *  the packet (the callback then owns and must free it; other PCBs and the
 *  protocol handler do not see it) or 0 to leave it alone (do not free it
 *  and leave its payload pointer where it was). */
typedef u8_t (*raw_recv_fn)(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr);

struct raw_pcb {
  IP_PCB;
  struct raw_pcb *next;
  u8_t protocol;
  u8_t flags;
  raw_recv_fn recv;
  void *recv_arg;
};

typedef enum raw_input_state {
  RAW_INPUT_NONE = 0, /**< no PCB matched */
  RAW_INPUT_EATEN,    /**< a callback took the packet */
  RAW_INPUT_DELIVERED /**< callbacks saw it, none ate it */
} raw_input_state_t;

/** @return a PCB for IP protocol @p proto, or NULL when the pool is empty. */
struct raw_pcb *raw_new(u8_t proto);
struct raw_pcb *raw_new_ip_type(u8_t type, u8_t proto);
void raw_remove(struct raw_pcb *pcb);
/** Receive only datagrams to @p ipaddr (any: all).  @return ERR_OK or ERR_VAL. */
err_t raw_bind(struct raw_pcb *pcb, const ip_addr_t *ipaddr);
void raw_bind_netif(struct raw_pcb *pcb, const struct netif *netif);
/** Receive only from @p ipaddr; raw_send() goes there.  @return ERR_OK or ERR_VAL. */
err_t raw_connect(struct raw_pcb *pcb, const ip_addr_t *ipaddr);
void raw_disconnect(struct raw_pcb *pcb);
void raw_recv(struct raw_pcb *pcb, raw_recv_fn recv, void *recv_arg);
/** Send @p p (payload = protocol header and data, or a full IP datagram
 *  with HDRINCL).  Does not take ownership.
 *  @return ERR_OK, ERR_RTE, ERR_MEM, ERR_VAL or an output error. */
err_t raw_sendto(struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *ipaddr);
err_t raw_sendto_if_src(struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *dst_ip,
                        struct netif *netif, const ip_addr_t *src_ip);
err_t raw_send(struct raw_pcb *pcb, struct pbuf *p);
#define raw_flags(pcb) ((pcb)->flags)
#define raw_setflags(pcb, f) ((pcb)->flags = (u8_t)(f))

/** Offer a received datagram (payload at its IP header) to the raw PCBs.
 *  Ownership passes only when RAW_INPUT_EATEN is returned. */
raw_input_state_t raw_input(struct pbuf *p, const struct ip_rx *rx);
void raw_netif_ip_addr_changed(const ip_addr_t *old_addr, const ip_addr_t *new_addr);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_RAW_H */
