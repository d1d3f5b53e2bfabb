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

/** ICMP error callback (an lwipd extension): @p e is an ICMP or ICMPv6
 *  error quoting a datagram of this PCB's protocol that it could have
 *  sent.  Called with recv_arg; the callback may remove the PCB. */
typedef void (*raw_err_fn)(void *arg, struct raw_pcb *pcb, const struct ip_icmp_err *e);

/** Receive callback.  @p p's payload is the IP header (IPv4 or IPv6; for
 *  IPv6 the extension headers follow it, as received).  Return 1 to eat
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
  raw_err_fn errf;
  u8_t chksum_reqd;    /**< IPv6: the stack computes and checks a checksum */
  u16_t chksum_offset; /**< where it sits in the protocol header */
};

typedef enum raw_input_state {
  RAW_INPUT_NONE = 0, /**< no PCB matched */
  RAW_INPUT_EATEN,    /**< a callback took the packet */
  RAW_INPUT_DELIVERED /**< callbacks saw it, none ate it */
} raw_input_state_t;

/** @return a PCB for IP protocol @p proto, or NULL when the pool is empty. */
struct raw_pcb *raw_new(u8_t proto);
/** @p type: IPADDR_TYPE_V4, IPADDR_TYPE_V6 or IPADDR_TYPE_ANY (both).  An
 *  IPv6 (or any-type) PCB for ICMPv6 has checksums computed and checked by
 *  the stack (RFC 3542 3.1).  @return PCB, or NULL (pool empty, or IPv6 not
 *  built). */
struct raw_pcb *raw_new_ip_type(u8_t type, u8_t proto);
void raw_remove(struct raw_pcb *pcb);
/** Receive only datagrams to @p ipaddr (any: all).  @return ERR_OK or ERR_VAL. */
err_t raw_bind(struct raw_pcb *pcb, const ip_addr_t *ipaddr);
void raw_bind_netif(struct raw_pcb *pcb, const struct netif *netif);
/** Receive only from @p ipaddr; raw_send() goes there.  @return ERR_OK or ERR_VAL. */
err_t raw_connect(struct raw_pcb *pcb, const ip_addr_t *ipaddr);
void raw_disconnect(struct raw_pcb *pcb);
void raw_recv(struct raw_pcb *pcb, raw_recv_fn recv, void *recv_arg);
/** Set the ICMP error callback (NULL: none). */
void raw_err(struct raw_pcb *pcb, raw_err_fn errf);
/** IPv6 checksum at byte @p offset of what the PCB sends and receives
 *  (RFC 3542 3.1 IPV6_CHECKSUM, lwIP's raw_set_chksum). */
#define raw_set_chksum(pcb, offset)                                                                                    \
  do {                                                                                                                 \
    (pcb)->chksum_reqd = 1;                                                                                            \
    (pcb)->chksum_offset = (offset);                                                                                   \
  } while (0)
#define raw_clear_chksum(pcb) ((pcb)->chksum_reqd = 0)
/** Send @p p (payload = protocol header and data, or a full IPv4 datagram
 *  with HDRINCL) to @p ipaddr of either family the PCB speaks; the IPv6
 *  source is the bound address or the RFC 6724 choice.  Does not take
 *  ownership (a checksum the stack owes is written into a copy).
 *  @return ERR_OK, ERR_RTE, ERR_MEM, ERR_VAL or an output error. */
err_t raw_sendto(struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *ipaddr);
err_t raw_sendto_if_src(struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *dst_ip, struct netif *netif,
                        const ip_addr_t *src_ip);
err_t raw_send(struct raw_pcb *pcb, struct pbuf *p);
#define raw_flags(pcb) ((pcb)->flags)
#define raw_setflags(pcb, f) ((pcb)->flags = (u8_t)(f))

/** Offer a received datagram (payload at its IP header) to the raw PCBs.
 *  Ownership passes only when RAW_INPUT_EATEN is returned. */
raw_input_state_t raw_input(struct pbuf *p, const struct ip_rx *rx);
/** Hand an ICMP(v6) error to the PCBs of the quoted protocol that could
 *  have sent the datagram (their raw_err() callbacks).
 *  @return true when some PCB matched. */
bool raw_icmp_error(const struct ip_icmp_err *e);
void raw_netif_ip_addr_changed(const ip_addr_t *old_addr, const ip_addr_t *new_addr);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_RAW_H */
