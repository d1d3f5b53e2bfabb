/**
 * @file udp.h
 * UDP (RFC 768) and UDP-Lite (RFC 3828) with lwIP's raw API.
 *
 * Ownership: the recv callback takes ownership of the pbuf it is given (it
 * must pbuf_free() it); udp_send*() never take ownership.
 */
#ifndef LWIP_UDP_H
#define LWIP_UDP_H

#include "lwip/opt.h"
#include "lwip/ip.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "lwip/prot/udp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UDP_FLAGS_NOCHKSUM 0x01U       /**< send with checksum 0 */
#define UDP_FLAGS_UDPLITE 0x02U        /**< this PCB speaks UDP-Lite */
#define UDP_FLAGS_CONNECTED 0x04U      /**< remote_ip/remote_port are set */
#define UDP_FLAGS_MULTICAST_LOOP 0x08U /**< deliver own multicast to ourselves */

/** First and last port of the IANA dynamic range (RFC 6335 6). */
#define UDP_LOCAL_PORT_RANGE_START 0xc000U
#define UDP_LOCAL_PORT_RANGE_END 0xffffU

struct udp_pcb;

/** Receive callback.  @p p: the payload (UDP header hidden; the caller
 *  owns it and must free it).  @p addr, @p port: the sender.  The IP and
 *  UDP headers are still in the pbuf before the payload. */
typedef void (*udp_recv_fn)(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port);

/** ICMP error callback (an lwipd extension; lwIP has none): @p e describes
 *  the error and the datagram it quotes, one this PCB sent.  Called with
 *  the PCB's recv_arg.  The callback may remove the PCB. */
typedef void (*udp_err_fn)(void *arg, struct udp_pcb *pcb, const struct ip_icmp_err *e);

struct udp_pcb {
  IP_PCB;
  struct udp_pcb *next; /**< next PCB in the same port hash bucket */
  u8_t flags;           /**< UDP_FLAGS_* */
  u16_t local_port, remote_port;
  ip4_addr_t mcast_ip4; /**< outgoing interface address for multicast */
  u8_t mcast_ifindex;   /**< outgoing netif index for multicast */
  u8_t mcast_ttl;
  u16_t chksum_len_rx, chksum_len_tx; /**< UDP-Lite coverage (0 = all) */
  udp_recv_fn recv;
  void *recv_arg;
  udp_err_fn errf;
};

/** @return a new PCB (IPv4), or NULL when the UDP_PCB pool is empty. */
struct udp_pcb *udp_new(void);
/** @p type: IPADDR_TYPE_V4, IPADDR_TYPE_V6 (only IPv6, as IPV6_V6ONLY) or
 *  IPADDR_TYPE_ANY (both families once bound to IP_ANY_TYPE).  The PCB's
 *  family is the type of its local address, and udp_bind() to an address
 *  sets it to that address's type, as in lwIP.
 *  @return PCB, or NULL (pool empty, or a family that is not built). */
struct udp_pcb *udp_new_ip_type(u8_t type);
/** Unbind and free the PCB. */
void udp_remove(struct udp_pcb *pcb);
/** Bind to @p ipaddr (NULL: the wildcard of the PCB's family; IP_ANY_TYPE:
 *  both families; an IPv6 link-local address may carry its zone) and
 *  @p port (0: a random ephemeral port).  Two bindings collide when one
 *  datagram could be for both (families and addresses overlap).
 *  @return ERR_OK, ERR_USE (taken, and SO_REUSEADDR not set on both),
 *  ERR_VAL (an IPv6 address without IPv6 built) or ERR_BUF (no free
 *  ephemeral port). */
err_t udp_bind(struct udp_pcb *pcb, const ip_addr_t *ipaddr, u16_t port);
/** Only receive and send through @p netif (NULL: any). */
void udp_bind_netif(struct udp_pcb *pcb, const struct netif *netif);
/** Set the remote end; binds to an ephemeral port first if unbound.
 *  @return ERR_OK, ERR_VAL (NULL address, or one of a family the PCB does
 *  not speak) or udp_bind()'s errors. */
err_t udp_connect(struct udp_pcb *pcb, const ip_addr_t *ipaddr, u16_t port);
void udp_disconnect(struct udp_pcb *pcb);
void udp_recv(struct udp_pcb *pcb, udp_recv_fn recv, void *recv_arg);
/** Set the ICMP error callback (NULL: errors are only counted). */
void udp_err(struct udp_pcb *pcb, udp_err_fn errf);

/** Send to the connected remote end.  Does not take ownership of @p p.
 *  @return ERR_OK, ERR_CONN (not connected) or udp_sendto()'s errors. */
err_t udp_send(struct udp_pcb *pcb, struct pbuf *p);
/** Send @p p to @p dst_ip:@p dst_port, routing by destination.  Over IPv6
 *  the source is the bound address, or for a wildcard binding the one
 *  RFC 6724 selection picks on the outgoing netif; the checksum is always
 *  computed (RFC 8200 8.1, UDP_FLAGS_NOCHKSUM is IPv4's only).
 *  @return ERR_OK, ERR_RTE (no route, or no usable source), ERR_MEM,
 *  ERR_VAL (bad argument, or a destination of a family the PCB does not
 *  speak), ERR_USE (ephemeral bind failed) or an output error. */
err_t udp_sendto(struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *dst_ip, u16_t dst_port);
err_t udp_sendto_if(struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *dst_ip, u16_t dst_port, struct netif *netif);
err_t udp_sendto_if_src(struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *dst_ip, u16_t dst_port,
                        struct netif *netif, const ip_addr_t *src_ip);

#define udp_flags(pcb) ((pcb)->flags)
#define udp_setflags(pcb, f) ((pcb)->flags = (u8_t)(f))
#define udp_set_flags(pcb, set_flags)                                                                                  \
  do {                                                                                                                 \
    (pcb)->flags = (u8_t)((pcb)->flags | (set_flags));                                                                 \
  } while (0)
#define udp_clear_flags(pcb, clr_flags)                                                                                \
  do {                                                                                                                 \
    (pcb)->flags = (u8_t)((pcb)->flags & (u8_t)(~(clr_flags)&0xff));                                                   \
  } while (0)
#define udp_is_flag_set(pcb, flag) (((pcb)->flags & (flag)) != 0)
#define udp_set_multicast_netif_addr(pcb, ip4addr) ip4_addr_copy((pcb)->mcast_ip4, *(ip4addr))
#define udp_get_multicast_netif_addr(pcb) (&(pcb)->mcast_ip4)
#define udp_set_multicast_netif_index(pcb, idx) ((pcb)->mcast_ifindex = (idx))
#define udp_get_multicast_netif_index(pcb) ((pcb)->mcast_ifindex)
#define udp_set_multicast_ttl(pcb, value) ((pcb)->mcast_ttl = (value))
#define udp_get_multicast_ttl(pcb) ((pcb)->mcast_ttl)

/** Input from IPv4 (UDP and UDP-Lite).  Takes ownership of @p p. */
void udp_input(struct pbuf *p, const struct ip_rx *rx);
#if LWIP_IPV6
struct ip6_rx;
/** Input from IPv6 (UDP and UDP-Lite): a zero UDP checksum is dropped
 *  (RFC 8200 8.1), a datagram for a closed port answered with ICMPv6 port
 *  unreachable (rate-limited).  Takes ownership of @p p. */
void udp6_input(struct pbuf *p, const struct ip6_rx *rx);
#endif
/** Hand an ICMP or ICMPv6 error to the PCBs that sent the quoted datagram
 *  (their udp_err() callbacks; RFC 1122 4.1.3.3).  @return true when some
 *  PCB matched. */
bool udp_icmp_error(const struct ip_icmp_err *e);
/** Rebind PCBs bound to @p old_addr to @p new_addr (address change). */
void udp_netif_ip_addr_changed(const ip_addr_t *old_addr, const ip_addr_t *new_addr);
/** Call @p fn for every PCB (for lwipctl and tests). */
void udp_foreach(void (*fn)(struct udp_pcb *pcb, void *arg), void *arg);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_UDP_H */
