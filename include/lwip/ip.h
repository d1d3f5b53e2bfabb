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

/** An ICMP or ICMPv6 error about a datagram we sent, as handed to the
 *  transport PCBs it concerns (udp_err(), raw_err()).  RFC 1122 4.1.3.3 and
 *  RFC 4443 3 want them passed up to the application. */
struct ip_icmp_err {
  struct netif *inp; /**< netif the error arrived on */
  ip_addr_t reporter; /**< who sent the error */
  ip_addr_t src;      /**< source of the quoted datagram (ours) */
  ip_addr_t dest;     /**< destination of the quoted datagram */
  u8_t proto;         /**< upper-layer protocol of the quoted datagram */
  u8_t type;          /**< ICMP or ICMPv6 type (the family is dest.type) */
  u8_t code;
  u32_t info;    /**< ICMPv6 Packet Too Big: the MTU; Parameter Problem: the pointer (0 from ICMPv4) */
  u16_t sport;   /**< quoted UDP or TCP ports (0 for other protocols) */
  u16_t dport;
  u32_t tcp_seq; /**< TCP: the quoted sequence number (RFC 5927 4.1 checks it) */
  err_t err;     /**< lwIP's reading: ERR_RST (port unreachable: refused),
                      ERR_RTE (unreachable otherwise, time exceeded),
                      ERR_BUF (packet too big), ERR_VAL (parameter problem) */
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
