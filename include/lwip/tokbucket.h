/**
 * @file tokbucket.h
 * A token bucket: the rate limiter for messages the stack sends in reply to
 * what others send it, so that a flood of input cannot become a flood of
 * output.  ICMP errors use one (RFC 1812 4.3.2.8), and ICMPv6 errors will
 * use another (RFC 4443 2.4(f) names this very algorithm).
 *
 * The bucket holds up to @c burst tokens and gains @c rate tokens per
 * second; each message takes one token and is not sent when none is left.
 * So after a quiet spell @c burst messages may leave back to back, and a
 * sustained stream is held to @c rate per second.
 *
 * Time is a parameter (the caller passes sys_now()), so tests and
 * lwip-replay drive the bucket with a virtual clock.  The level is kept in
 * thousandths of a token: a rate in tokens per second times elapsed
 * milliseconds is then exactly the refill, with no division and no rounding
 * loss at any rate.  A bucket holds no pointer and owns nothing; it may be
 * embedded anywhere and copied.
 */
#ifndef LWIP_TOKBUCKET_H
#define LWIP_TOKBUCKET_H

#include "lwip/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Upper bound of both the rate (tokens per second) and the burst (tokens):
 *  a burst in thousandths of a token must fit in 32 bits. */
#define TOKBUCKET_MAX 1000000U

/** One token bucket.  Read the fields if you like; change them only
 *  through tokbucket_init(). */
struct lwip_tokbucket {
  u32_t rate;     /**< tokens added per second; 0: no limit at all */
  u32_t burst;    /**< capacity in tokens */
  u32_t level;    /**< tokens held now, in thousandths of a token */
  u32_t stamp_ms; /**< clock reading at which @c level was last brought up to date */
};

/** (Re)configure @p b and fill it: @p burst messages may follow at once.
 *  @p rate_per_s 0 disables the limit (tokbucket_take() always succeeds).
 *  Both values must be at most TOKBUCKET_MAX, and @p burst at least 1 when
 *  @p rate_per_s is not 0 (asserted; out-of-range values are clamped). */
void tokbucket_init(struct lwip_tokbucket *b, u32_t rate_per_s, u32_t burst, u32_t now_ms);

/** Take one token at time @p now_ms (a monotonic millisecond clock such as
 *  sys_now(); its 32-bit wrap is handled).
 *  @return true when a message may be sent now (one token was spent), false
 *  when the bucket is empty (nothing was spent). */
bool tokbucket_take(struct lwip_tokbucket *b, u32_t now_ms);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_TOKBUCKET_H */
