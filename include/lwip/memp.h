/**
 * @file memp.h
 * Fixed-size memory pools, one per object type, sized by meson options.
 * Each pool keeps used/max/err statistics; memp_malloc() never blocks and
 * returns NULL when the pool is empty.
 */
#ifndef LWIP_MEMP_H
#define LWIP_MEMP_H

#include "lwip/opt.h"
#include "lwip/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The pool list lives in priv/memp_std.h: X(NAME, element size, count, description). */
typedef enum {
#define LWIP_MEMPOOL(name, size, num, desc) MEMP_##name,
#include "lwip/priv/memp_std.h"
  MEMP_MAX
} memp_t;

/** Initialise every pool (called by lwip_init). */
void memp_init(void);
/** @return an element of pool @p type, or NULL when the pool is exhausted
 *  (counted in the pool's err). */
void *memp_malloc(memp_t type);
/** Return an element to its pool.  NULL is ignored. */
void memp_free(memp_t type, void *mem);
/** Statistics of one pool; NULL for an invalid @p type. */
const struct stats_mem *memp_stats(memp_t type);
/** Sum of used over all pools plus heap bytes in use: 0 when nothing leaks. */
u32_t lwip_mem_in_use(void);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_MEMP_H */
