/**
 * @file opt.h
 * Build configuration: the generated lwip_config.h (from meson_options.txt)
 * plus the constants derived from it.  There is deliberately no long list of
 * overridable defaults here: a tunable that matters is a meson option, and
 * everything else is a protocol constant with its RFC next to it.
 */
#ifndef LWIP_OPT_H
#define LWIP_OPT_H

#include "lwip_config.h"
#include "lwip/arch.h"
#include "lwip/port.h"

/* LWIP_IPV6 comes from the ipv6 option.  lwIP's name for the number of
 * addresses per netif: */
#define LWIP_IPV6_NUM_ADDRESSES IPV6_NUM_ADDRESSES
#define LWIP_ARP LWIP_IPV4
#define LWIP_ETHERNET 1
#define LWIP_ICMP LWIP_IPV4
#define IP_REASSEMBLY LWIP_IP_FRAG
#define IP_FRAG LWIP_IP_FRAG

/** Header room reserved in front of a payload, per layer (see pbuf_alloc). */
#define PBUF_LINK_ENCAPSULATION_HLEN 0
#define PBUF_LINK_HLEN 14 /* Ethernet; 802.1Q tags are not sent */
#if LWIP_IPV6
#define PBUF_IP_HLEN 40 /* the IPv6 header: room for either family, so no packet needs a second pbuf */
#else
#define PBUF_IP_HLEN 20 /* IPv4 without options */
#endif
#define PBUF_TRANSPORT_HLEN 20

/** Default TTL of datagrams we originate (RFC 1700 recommends 64). */
#define IP_DEFAULT_TTL 64

/** Seconds an incomplete datagram may wait for its fragments.  RFC 791
 *  suggests 15 s as a lower bound of the reassembly timer. */
#define IP_REASS_MAXAGE_S 15

/** IPv6 reassembly (core/ipv6/ip6_frag.c) mirrors IPv4's budget in one of
 *  its own, so neither family's fragments can starve the other's: as many
 *  datagrams as IPv4 (MEMP_NUM_REASSDATA) and as many bytes as IPv4's pbuf
 *  limit in full pool buffers (IP_REASS_MAX_PBUFS * PBUF_POOL_BUFSIZE),
 *  each fragment charged at least a pool buffer per pbuf, hence at most
 *  IP_REASS_MAX_PBUFS fragments.  RFC 8200 4.5 sets the 60 s timer. */
#define IP6_REASS_MAX_DATAGRAMS MEMP_NUM_REASSDATA
#define IP6_REASS_MAX_BYTES ((u32_t)IP_REASS_MAX_PBUFS * (u32_t)PBUF_POOL_BUFSIZE)
#define IP6_REASS_MAX_FRAGS IP_REASS_MAX_PBUFS
#define IP6_REASS_MAXAGE_S 60

/** Ethernet MTU used when a driver does not say. */
#define LWIP_DEFAULT_MTU 1500

#define LWIP_STATS_ENABLED LWIP_STATS
#define LWIP_DEBUG_ENABLED LWIP_DEBUG

/** Assertions are for programmer errors only, never for packet contents. */
#if LWIP_DEBUG
#define LWIP_ASSERT(msg, cond) do { \
    if (!(cond)) { lwip_port_assert_fail(msg, __FILE__, __LINE__); } \
  } while (0)
#else
#define LWIP_ASSERT(msg, cond) do { (void)sizeof(cond); } while (0)
#endif

/** Check an argument of a public function: assert in debug builds, and in
 *  every build return @p retval instead of crashing. */
#define LWIP_ERROR_RET(msg, cond, retval) do { \
    if (LWIP_UNLIKELY(!(cond))) { LWIP_ASSERT(msg, 0); return retval; } \
  } while (0)

#include "lwip/compat/opt.h" /* lwIP's option names, and its debug macros */

#endif /* LWIP_OPT_H */
