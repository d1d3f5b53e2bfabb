/**
 * @file icmp6.h
 * ICMPv6 (RFC 4443): echo replies, the errors the stack sends (Destination
 * Unreachable, Packet Too Big, Time Exceeded, Parameter Problem) under a
 * token-bucket rate limit, and a path-MTU cache fed by Packet Too Big
 * (RFC 8201).  Neighbor Discovery messages go to nd6_input (lwip/nd6.h).
 *
 * The error functions take the offending packet with its payload at the
 * IPv6 header and its receive context; they never take ownership, and they
 * send nothing where RFC 4443 2.4(e) forbids an error: about an ICMPv6
 * error or a redirect, about a packet to a multicast address or sent as a
 * link-layer multicast or broadcast (except Packet Too Big and Parameter
 * Problem code 2 for an option whose type asks for it), or about a packet
 * whose source does not identify a single node.
 */
#ifndef LWIP_ICMP6_H
#define LWIP_ICMP6_H

#include "lwip/opt.h"
#include "lwip/ip6.h"
#include "lwip/prot/icmp6.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Entries of the path-MTU cache (destinations with a Packet Too Big). */
#define IP6_PMTU_CACHE_SIZE 8
/** RFC 8201 5.3: a reduced path MTU is forgotten after 10 minutes, so a
 *  path that grew again is found (the recommended "at least 5 minutes"). */
#define IP6_PMTU_AGE_MS (10UL * 60UL * 1000UL)

/** Process a received ICMPv6 message (payload at the ICMPv6 header).  Takes
 *  ownership of @p p. */
void icmp6_input(struct pbuf *p, const struct ip6_rx *rx);

/** Called for every echo reply received (RFC 4443 4.2), after reassembly
 *  and with its checksum verified; @p p is at the ICMPv6 header and still
 *  owned by the stack (read it, do not keep or free it).  lwipd's ping
 *  takes them here, as the core has no IPv6 raw PCBs yet. */
typedef void (*icmp6_echo_reply_fn)(const struct pbuf *p, const struct ip6_rx *rx, void *arg);
/** Install the echo-reply hook (NULL removes it; icmp6_init() does too).
 *  Without one, echo replies are counted as ICMP6_UNHANDLED and dropped. */
void icmp6_set_echo_reply_hook(icmp6_echo_reply_fn fn, void *arg);

/** Destination Unreachable (code ICMP6_DUR_*) about @p p. */
void icmp6_dest_unreach(struct pbuf *p, const struct ip6_rx *rx, u8_t code);
/** Packet Too Big about @p p with the next-hop @p mtu. */
void icmp6_packet_too_big(struct pbuf *p, const struct ip6_rx *rx, u32_t mtu);
/** Time Exceeded (code ICMP6_TE_*) about @p p. */
void icmp6_time_exceeded(struct pbuf *p, const struct ip6_rx *rx, u8_t code);
/** Parameter Problem (code ICMP6_PP_*) about @p p; @p pointer is the
 *  offset of the offending byte from the start of the IPv6 header. */
void icmp6_param_problem(struct pbuf *p, const struct ip6_rx *rx, u8_t code, u32_t pointer);

/** Rate limit of ICMPv6 errors (RFC 4443 2.4(f)): a bucket of its own,
 *  configured as the IPv4 one (meson icmp_ratelimit, icmp_ratelimit_burst).
 *  @return ERR_OK, or ERR_VAL as icmp_set_ratelimit(). */
err_t icmp6_set_ratelimit(u32_t rate_per_s, u32_t burst);
void icmp6_get_ratelimit(u32_t *rate_per_s, u32_t *burst);

/** Path MTU towards @p dest leaving by @p netif: the smaller of the link
 *  MTU and what a Packet Too Big taught us, never below 1280 (RFC 8201). */
u16_t icmp6_path_mtu(const struct netif *netif, const ip6_addr_t *dest);

/** A path-MTU cache entry as shown to tools. */
struct icmp6_pmtu_info {
  ip6_addr_t dest;
  u16_t mtu;
  u32_t age_ms;
};
/** Entry @p i of the cache (0 .. IP6_PMTU_CACHE_SIZE-1).
 *  @return true and fills @p out when slot @p i is in use. */
bool icmp6_pmtu_get_info(int i, struct icmp6_pmtu_info *out);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_ICMP6_H */
