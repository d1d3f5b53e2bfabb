/**
 * @file memp.c
 * Fixed-size pools, one per object type (listed in priv/memp_std.h).
 *
 * Static build: each pool is one static array, a stack of free element
 * indices and one in-use byte per element, so allocation and free are O(1)
 * and a double or foreign free is detected without touching the element.
 * malloc_pools build: each element is its own malloc() block (so ASan sees
 * overflows and uses after free), still limited to the pool's count, and
 * validated through mem.c's live set.
 */
#include "lwip/memp.h"
#include "lwip/mem.h"
#include "lwip/debug.h"
#include "lwip/priv/mem_priv.h"

/* The types whose sizes the pool list names. */
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "lwip/raw.h"
#include "lwip/ip4_frag.h"
#include "lwip/priv/ip4_frag_priv.h"
#include "lwip/priv/ip6_frag_priv.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/priv/tcp_synq.h"
#include "lwip/igmp.h"
#include "lwip/mld6.h"

#include <string.h>
#if LWIP_MALLOC_POOLS
#include <stdlib.h>
#endif

/* Small helpers that cost more as a call than inline, measured on the
 * Cortex-M4 -Os build (GCC and Clang; elsewhere only a hint lost). */
#if defined(__GNUC__)
#define MEMP_INLINE inline __attribute__((always_inline))
#else
#define MEMP_INLINE inline
#endif

struct memp_pool {
  const char *desc;
  u16_t size; /* element size, aligned (16 bits: asserted per pool below) */
  u16_t num;  /* element count */
#if !LWIP_MALLOC_POOLS
  u8_t *base;        /* num * size bytes */
  u32_t *free_stack; /* indices of free elements, from slot `used` up */
#endif
};

#if !LWIP_MALLOC_POOLS
/* A pool's in-use flags, one byte per element, follow its free stack in
 * the same array (so the table needs no pointer to them). */
static MEMP_INLINE u8_t *pool_in_use(const struct memp_pool *pool)
{
  return (u8_t *)&pool->free_stack[pool->num];
}
#endif

#if !LWIP_MALLOC_POOLS
/* Per pool: the elements, and one word array holding the free stack's num
 * indices followed by num in-use bytes (rounded up to whole words). */
#define LWIP_MEMPOOL(name, size, num, desc) \
  static _Alignas(MEM_ALIGNMENT) u8_t memp_base_##name[(num) * LWIP_MEM_ALIGN_SIZE(size)]; \
  static u32_t memp_stack_##name[(num) + ((num) + 3U) / 4U];
#include "lwip/priv/memp_std.h"

#define LWIP_MEMPOOL(name, size, num, desc) \
  [MEMP_##name] = {desc, LWIP_MEM_ALIGN_SIZE(size), (num), memp_base_##name, memp_stack_##name},
#else
#define LWIP_MEMPOOL(name, size, num, desc) [MEMP_##name] = {desc, LWIP_MEM_ALIGN_SIZE(size), (num)},
#endif
static const struct memp_pool pools[MEMP_MAX] = {
#include "lwip/priv/memp_std.h"
};

/* The table keeps sizes and counts in 16 bits, which makes it smaller. */
#define LWIP_MEMPOOL(name, size, num, desc) \
  _Static_assert(LWIP_MEM_ALIGN_SIZE(size) <= 0xffffU && (num) <= 0xffffU, "pool " desc ": 16 bits");
#include "lwip/priv/memp_std.h"

/* In the static build a pool's `used` count is also where its free stack
 * starts: slots below it hold nothing, slots from it up hold the free
 * indices with the next one to allocate at `used` itself. */
static struct stats_mem pool_stats[MEMP_MAX];

void memp_init(void)
{
#if LWIP_MALLOC_POOLS
  /* Elements still allocated from a previous run are forgotten, as the
   * static build forgets them; free them so they do not pile up. */
  lwip_live_purge(false, 0);
#endif
  for (int t = 0; t < MEMP_MAX; t++) {
    const struct memp_pool *pool = &pools[t];
    memset(&pool_stats[t], 0, sizeof(pool_stats[t]));
    pool_stats[t].name = pool->desc;
    pool_stats[t].avail = pool->num;
#if !LWIP_MALLOC_POOLS
    memset(pool_in_use(pool), 0, pool->num);
    /* Lowest index on top: the first allocations come from the start. */
    for (u32_t i = 0; i < pool->num; i++) {
      pool->free_stack[i] = i;
    }
#endif
  }
}

static MEMP_INLINE void *pool_failed(memp_t type)
{
  pool_stats[type].err++;
  LWIP_LOG(MEM, DEBUG, "pool %s empty (%lu in use)", pool_stats[type].name,
           (unsigned long)pool_stats[type].used);
  return NULL;
}

static MEMP_INLINE void pool_illegal(memp_t type, const void *mem)
{
  pool_stats[type].illegal++;
  LWIP_LOG(MEM, WARN, "pool %s: free of %p ignored (not an allocated element)",
           pool_stats[type].name, mem);
}

void *memp_malloc(memp_t type)
{
  LWIP_ERROR_RET("memp_malloc: invalid pool", (unsigned)type < MEMP_MAX, NULL);
  struct stats_mem *st = &pool_stats[type];
  if (lwip_alloc_should_fail() || st->used >= st->avail) {
    return pool_failed(type);
  }
#if LWIP_MALLOC_POOLS
  void *mem = malloc(pools[type].size);
  if (mem == NULL) {
    return pool_failed(type);
  }
  if (!lwip_live_add(mem, (u8_t)type)) {
    free(mem);
    return pool_failed(type);
  }
#else
  const struct memp_pool *pool = &pools[type];
  u32_t i = pool->free_stack[st->used];
  pool_in_use(pool)[i] = 1;
  void *mem = pool->base + (size_t)i * pool->size;
#endif
  st->used++;
  if (st->used > st->max) {
    st->max = st->used;
  }
  return mem;
}

void memp_free(memp_t type, void *mem)
{
  LWIP_ERROR_RET("memp_free: invalid pool", (unsigned)type < MEMP_MAX, );
  if (mem == NULL) {
    return;
  }
#if LWIP_MALLOC_POOLS
  if (!lwip_live_take(mem, (u8_t)type)) {
    pool_illegal(type, mem);
    return;
  }
  free(mem);
#else
  const struct memp_pool *pool = &pools[type];
  /* As integers, so a pointer from elsewhere is no undefined pointer
   * arithmetic: an address below the pool wraps around to an offset past
   * its end, so one index test covers both sides. */
  size_t off = (size_t)((mem_ptr_t)mem - (mem_ptr_t)pool->base);
  size_t i = off / pool->size;
  if (i >= pool->num || off % pool->size != 0 || !pool_in_use(pool)[i]) {
    pool_illegal(type, mem);
    return;
  }
  pool_in_use(pool)[i] = 0;
#endif
  pool_stats[type].used--;
#if !LWIP_MALLOC_POOLS
  pool->free_stack[pool_stats[type].used] = i;
#endif
}

const struct stats_mem *memp_stats(memp_t type)
{
  return (unsigned)type < MEMP_MAX ? &pool_stats[type] : NULL;
}

u32_t lwip_mem_in_use(void)
{
  u32_t sum = mem_stats()->used;
  for (int t = 0; t < MEMP_MAX; t++) {
    sum += pool_stats[t].used;
  }
  return sum;
}
