/**
 * @file icmp.h
 * ICMP for IPv4 (RFC 792, RFC 1122 3.2.2): echo replies, and the errors the
 * stack sends (destination unreachable, time exceeded), rate-limited (RFC
 * 1812 4.3.2.8) and never about an ICMP error, a broadcast/multicast or a
 * non-first fragment.
 */
#ifndef LWIP_ICMP_H
#define LWIP_ICMP_H

#include "lwip/opt.h"
#include "lwip/ip.h"
#include "lwip/prot/icmp.h"
#include "lwip/tokbucket.h"
#include "lwip/err.h"

#ifdef __cplusplus
extern "C" {
#endif

enum icmp_dur_type {
  ICMP_DUR_NET = 0,   /**< net unreachable */
  ICMP_DUR_HOST = 1,  /**< host unreachable */
  ICMP_DUR_PROTO = 2, /**< protocol unreachable */
  ICMP_DUR_PORT = 3,  /**< port unreachable */
  ICMP_DUR_FRAG = 4,  /**< fragmentation needed and DF set */
  ICMP_DUR_SR = 5     /**< source route failed */
};

enum icmp_te_type {
  ICMP_TE_TTL = 0, /**< time to live exceeded in transit */
  ICMP_TE_FRAG = 1 /**< fragment reassembly time exceeded */
};

/* Rate limit of the errors (never of echo replies).  RFC 1812 4.3.2.8 asks
 * routers to limit the rate of ICMP errors, and a host answering junk
 * should too, or a port scan of 1,024 closed ports gets 1,024 answers as
 * fast as it can ask.  A token bucket (lwip/tokbucket.h) holds
 * ICMP_RATELIMIT_BURST errors and refills at ICMP_RATELIMIT per second;
 * both come from the meson options icmp_ratelimit and icmp_ratelimit_burst
 * (daemon profile 100/s after a burst of 50, minimal 20/s after 10), can
 * be changed at run time, and are restored by lwip_init().  A suppressed
 * error is counted as the drop reason ICMP_RATE_LIMIT (lwip/stats.h). */

/** Set the rate limit of ICMP error messages and refill the bucket, so
 *  @p burst errors may follow at once.
 *  @param rate_per_s errors allowed per second in the long run, at most
 *         TOKBUCKET_MAX; 0 turns the limit off (every error is sent)
 *  @param burst errors that may leave back to back after a quiet spell,
 *         1..TOKBUCKET_MAX (0 is accepted only with @p rate_per_s 0)
 *  @return ERR_OK, or ERR_VAL (and nothing changes) when a value is out of
 *          range. */
err_t icmp_set_ratelimit(u32_t rate_per_s, u32_t burst);

/** The rate limit in force: errors per second (0: no limit) and burst.
 *  Either pointer may be NULL. */
void icmp_get_ratelimit(u32_t *rate_per_s, u32_t *burst);

/** Process a received ICMP message (payload at the ICMP header).  Takes
 *  ownership of @p p. */
void icmp_input(struct pbuf *p, const struct ip_rx *rx);

/** Send destination unreachable about @p p, whose payload is the offending
 *  datagram's IP header.  Does not take ownership; silently does nothing
 *  where RFC 1122 3.2.2 forbids an error. */
void icmp_dest_unreach(struct pbuf *p, enum icmp_dur_type t);
/** Send time exceeded about @p p (payload at its IP header). */
void icmp_time_exceeded(struct pbuf *p, enum icmp_te_type t);
/** Fragmentation needed (code 4) with the next-hop @p mtu (RFC 1191). */
void icmp_frag_needed(struct pbuf *p, u16_t mtu);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_ICMP_H */
