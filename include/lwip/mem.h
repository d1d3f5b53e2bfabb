/**
 * @file mem.h
 * The heap: variable-size blocks from one static array of MEM_SIZE bytes
 * (first fit, neighbours merged on free), or from libc malloc when the build
 * sets malloc_pools=true so AddressSanitizer sees every block.
 *
 * Also the allocation-failure test hook shared by the heap and memp pools.
 */
#ifndef LWIP_MEM_H
#define LWIP_MEM_H

#include "lwip/opt.h"
#include "lwip/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef size_t mem_size_t;

/** Initialise the heap (called by lwip_init). */
void mem_init(void);
/** @return a block of at least @p size bytes aligned to MEM_ALIGNMENT, or
 *  NULL when the heap cannot satisfy it (counted in the heap's err). */
void *mem_malloc(mem_size_t size);
/** As mem_malloc() for @p count * @p size bytes, zeroed; NULL on overflow. */
void *mem_calloc(mem_size_t count, mem_size_t size);
/** Shrink a block in place to @p new_size.  @return @p mem (never moves),
 *  or NULL if @p new_size is larger than the block. */
void *mem_trim(void *mem, mem_size_t new_size);
/** Return a block; NULL is ignored; a pointer not from the heap is counted
 *  in the heap's illegal counter and otherwise ignored. */
void mem_free(void *mem);
/** Heap statistics (bytes). */
const struct stats_mem *mem_stats(void);

#if LWIP_TEST_HOOKS
/** Test hook: make the @p n-th allocation from now (1 = the next one) fail,
 *  heap and pools alike; 0 turns the hook off.  Only in builds with
 *  test_hooks enabled; otherwise a no-op. */
void lwip_alloc_fail_after(u32_t n);
/** Number of heap and pool allocations attempted since start (test hook). */
u32_t lwip_alloc_count(void);
/** Internal: true when the hook says this allocation must fail. */
bool lwip_alloc_should_fail(void);
#else
/* Without test hooks the same calls are inline no-ops, so a product build
 * carries no code for them. */
static inline void lwip_alloc_fail_after(u32_t n)
{
  (void)n;
}
static inline u32_t lwip_alloc_count(void)
{
  return 0;
}
static inline bool lwip_alloc_should_fail(void)
{
  return false;
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* LWIP_MEM_H */
