/**
 * @file tokbucket.c
 * Token bucket rate limiter (see lwip/tokbucket.h): the algorithm RFC 4443
 * 2.4(f) describes for ICMPv6 errors, used for ICMP errors as well.
 */
#include "lwip/tokbucket.h"

/* Thousandths of a token per token. */
#define MILLI 1000U

void tokbucket_init(struct lwip_tokbucket *b, u32_t rate_per_s, u32_t burst, u32_t now_ms)
{
  LWIP_ASSERT("tokbucket_init: rate or burst above TOKBUCKET_MAX",
              rate_per_s <= TOKBUCKET_MAX && burst <= TOKBUCKET_MAX);
  LWIP_ASSERT("tokbucket_init: a limiting bucket needs a burst of 1 or more", rate_per_s == 0 || burst >= 1);
  b->rate = LWIP_MIN(rate_per_s, TOKBUCKET_MAX);
  b->burst = LWIP_MIN(burst, TOKBUCKET_MAX);
  if (b->rate != 0 && b->burst == 0) {
    b->burst = 1;
  }
  b->level = b->burst * MILLI;
  b->stamp_ms = now_ms;
}

bool tokbucket_take(struct lwip_tokbucket *b, u32_t now_ms)
{
  if (b->rate == 0) {
    return true;
  }
  u32_t cap = b->burst * MILLI;
  /* Unsigned subtraction gives the right interval across the clock's wrap
   * at 2^32 ms.  A bucket left partly empty for a whole wrap (49.7 days)
   * sees less time than has passed and refills late: harmless. */
  u32_t elapsed = now_ms - b->stamp_ms;
  b->stamp_ms = now_ms;
  u32_t level = b->level;
  if (level < cap) {
    /* tokens/s times ms is exactly thousandths of a token */
    u64_t sum = (u64_t)level + (u64_t)elapsed * b->rate;
    level = sum < cap ? (u32_t)sum : cap;
  }
  if (level < MILLI) {
    b->level = level;
    return false;
  }
  b->level = level - MILLI;
  return true;
}
