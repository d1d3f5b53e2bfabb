/**
 * @file ip.h
 * What the IP layer hands to transport protocols, and the socket-option
 * flags PCBs share.
 */
#ifndef LWIP_IP_H
#define LWIP_IP_H

#include "lwip/opt.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct netif;

/** Per-packet context of a received IP datagram, passed down the input path
 *  as an argument (there are no "current packet" globals).  When a transport
 *  input function is called, p->payload points at the transport header and
 *  the IP header (hdr_len bytes) sits just before it, so a protocol that
 *  must quote it in an ICMP error can expose it again with
 *  pbuf_add_header_force(p, rx->hdr_len). */
struct ip_rx {
  struct netif *inp;   /**< netif the packet arrived on */
  ip_addr_t src;
  ip_addr_t dest;
  u16_t hdr_len;       /**< IP header length in bytes */
  u8_t proto;
  u8_t ttl;
  u8_t tos;
  bool is_broadcast;   /**< sent to a broadcast address of inp */
  bool is_multicast;   /**< sent to a multicast group */
};

/** Protocol input: takes ownership of @p p. */
typedef void (*ip_proto_input_fn)(struct pbuf *p, const struct ip_rx *rx);

/* Socket options a PCB can carry (so_options), lwIP's values. */
#define SOF_REUSEADDR 0x04U
#define SOF_KEEPALIVE 0x08U
#define SOF_BROADCAST 0x20U
#define SOF_INHERITED (SOF_REUSEADDR | SOF_KEEPALIVE)
#define ip_set_option(pcb, opt) ((pcb)->so_options = (u8_t)((pcb)->so_options | (opt)))
#define ip_reset_option(pcb, opt) ((pcb)->so_options = (u8_t)((pcb)->so_options & ~(opt)))
#define ip_get_option(pcb, opt) ((pcb)->so_options & (opt))

/** Members every PCB starts with (lwIP's IP_PCB). */
#define IP_PCB \
  ip_addr_t local_ip;  \
  ip_addr_t remote_ip; \
  u8_t netif_idx;      \
  u8_t so_options;     \
  u8_t tos;            \
  u8_t ttl

/** Generic input for any netif without Ethernet framing (dispatches on the
 *  version nibble).  Takes ownership of @p p.  @return ERR_OK. */
err_t ip_input(struct pbuf *p, struct netif *inp);

#ifdef __cplusplus
}
#endif

/* lwIP's ip.h brings these in, and applications rely on it. */
#include "lwip/def.h"
#include "lwip/netif.h"
#include "lwip/ip4.h"

#endif /* LWIP_IP_H */
