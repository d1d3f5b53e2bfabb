/**
 * @file mem.c
 * The heap: variable-size blocks carved first-fit out of one static array,
 * neighbours merged on free; or, with malloc_pools=true, one libc block per
 * allocation so AddressSanitizer sees overflows and uses after free.
 *
 * Both variants charge the same cost per block (header + aligned size)
 * against MEM_SIZE, so exhaustion happens at about the same point and the
 * used/max statistics mean the same thing.
 *
 * Also home of the allocation-failure test hook shared with memp.c.
 */
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/debug.h"
#include "lwip/priv/mem_priv.h"

#include <string.h>
#if LWIP_MALLOC_POOLS
#include <stdlib.h>
#endif

/* Small helpers that cost more as a call than inline, measured on the
 * Cortex-M4 -Os build (GCC and Clang; elsewhere only a hint lost). */
#if defined(__GNUC__)
#define MEM_INLINE inline __attribute__((always_inline))
#else
#define MEM_INLINE inline
#endif

/* Every block starts with this header.  Offsets rather than pointers keep it
 * 16 bytes on 32- and 64-bit targets alike.  Under malloc_pools only magic
 * and cost are used. */
struct mem_blk {
  u32_t next;  /* offset of the following block's header (its end) */
  u32_t prev;  /* offset of the preceding block's header (0 for the first) */
  u32_t magic; /* MEM_MAGIC_USED / MEM_MAGIC_FREE / MEM_MAGIC_END */
  u32_t cost;  /* malloc_pools: bytes charged for this block */
};

#define MEM_MAGIC_USED 0x55534544UL /* "USED" */
#define MEM_MAGIC_FREE 0x46524545UL /* "FREE" */
#define MEM_MAGIC_END 0x454e4421UL  /* "END!": the sentinel after the last block */

#define MEM_HDR LWIP_MEM_ALIGN_SIZE(sizeof(struct mem_blk))
/* Smallest data area: a smaller split-off remainder is left in the block. */
#define MEM_MIN_DATA ((size_t)MEM_ALIGNMENT)
/* Usable heap, rounded down so the bytes charged never exceed MEM_SIZE. */
#define MEM_HEAP_SIZE ((size_t)MEM_SIZE & ~(size_t)(MEM_ALIGNMENT - 1U))

_Static_assert(MEM_HEAP_SIZE >= 2 * (MEM_HDR + MEM_MIN_DATA), "heap too small");
_Static_assert(MEM_HEAP_SIZE < 0x80000000UL, "heap offsets are 32-bit");

static struct stats_mem heap_stats;

/* ------------------------------------------------------------------------ */
/* Allocation-failure test hook (SQLite-style countdown).                    */
/* ------------------------------------------------------------------------ */

#if LWIP_TEST_HOOKS
static u32_t alloc_count;
static u32_t fail_at; /* value of alloc_count that fails; 0 = never */

void lwip_alloc_fail_after(u32_t n)
{
  fail_at = n ? alloc_count + n : 0;
  if (n != 0 && fail_at == 0) {
    fail_at = 1; /* the counter wraps: keep the hook armed */
  }
}

u32_t lwip_alloc_count(void) { return alloc_count; }

bool lwip_alloc_should_fail(void)
{
  alloc_count++;
  if (fail_at != 0 && alloc_count == fail_at) {
    /* One-shot: the allocations after it succeed again, so tests reach the
     * recovery path as well as the failure path. */
    fail_at = 0;
    return true;
  }
  return false;
}

static void hook_reset(void)
{
  alloc_count = 0;
  fail_at = 0;
}
#else
/* The hook's calls are inline no-ops in mem.h. */
static void hook_reset(void) { }
#endif

/* ------------------------------------------------------------------------ */
/* Accounting shared by both variants.                                       */
/* ------------------------------------------------------------------------ */

static void *alloc_failed(mem_size_t size)
{
  heap_stats.err++;
  LWIP_LOG(MEM, DEBUG, "heap: allocation of %lu bytes failed (%lu of %lu in use)",
           (unsigned long)size, (unsigned long)heap_stats.used, (unsigned long)heap_stats.avail);
  return NULL;
}

static void charge(size_t cost)
{
  heap_stats.used += (u32_t)cost;
  if (heap_stats.used > heap_stats.max) {
    heap_stats.max = heap_stats.used;
  }
}

static void illegal(const void *mem, const char *what)
{
  heap_stats.illegal++;
  LWIP_LOG(MEM, WARN, "heap: %s of %p ignored (not an allocated block)", what, mem);
}

/* Data bytes a request of @p size (1 or more) needs, or 0 when it can
 * never fit.  Rounding up to the alignment already gives every request at
 * least MEM_MIN_DATA bytes. */
_Static_assert(MEM_MIN_DATA <= MEM_ALIGNMENT, "request_size() relies on alignment for the minimum");
static MEM_INLINE size_t request_size(mem_size_t size)
{
  if (size > MEM_HEAP_SIZE - MEM_HDR) {
    return 0;
  }
  return LWIP_MEM_ALIGN_SIZE(size);
}

const struct stats_mem *mem_stats(void) { return &heap_stats; }

void *mem_calloc(mem_size_t count, mem_size_t size)
{
  if (size != 0 && count > SIZE_MAX / size) {
    return alloc_failed(SIZE_MAX);
  }
  void *p = mem_malloc(count * size);
  if (p != NULL) {
    memset(p, 0, count * size);
  }
  return p;
}

#if !LWIP_MALLOC_POOLS
/* ------------------------------------------------------------------------ */
/* Static heap: blocks laid end to end, a sentinel header after the last.    */
/* ------------------------------------------------------------------------ */

static _Alignas(MEM_ALIGNMENT) u8_t heap[MEM_HEAP_SIZE + MEM_HDR];
/* Lowest free block (MEM_HEAP_SIZE when none): where first fit starts. */
static u32_t lfree;

/* The cast via void * is fine: every offset is a multiple of MEM_ALIGNMENT. */
static struct mem_blk *blk_at(u32_t off) { return (struct mem_blk *)(void *)&heap[off]; }
static size_t blk_data_size(u32_t off) { return blk_at(off)->next - off - MEM_HDR; }

void mem_init(void)
{
  struct mem_blk *first = blk_at(0);
  struct mem_blk *end = blk_at((u32_t)MEM_HEAP_SIZE);
  first->next = (u32_t)MEM_HEAP_SIZE;
  first->prev = 0;
  first->magic = MEM_MAGIC_FREE;
  end->next = (u32_t)MEM_HEAP_SIZE;
  end->prev = 0;
  end->magic = MEM_MAGIC_END;
  lfree = 0;
  memset(&heap_stats, 0, sizeof(heap_stats));
  heap_stats.name = "HEAP";
  heap_stats.avail = (u32_t)MEM_SIZE;
  hook_reset();
}

/* Offset of the used block whose data starts at @p mem, or UINT32_MAX when
 * @p mem is not one: outside the heap, misaligned, free, or a header whose
 * links disagree with its neighbours (a pointer into the middle of data). */
static u32_t used_block(const void *mem)
{
  /* As integers, so a pointer from elsewhere is no undefined pointer
   * arithmetic: an address below the first block's data wraps around to
   * an offset past the heap, so one test covers both ends. */
  size_t d = (size_t)((mem_ptr_t)mem - (mem_ptr_t)heap) - MEM_HDR;
  if (d >= MEM_HEAP_SIZE - MEM_HDR || d % MEM_ALIGNMENT != 0) {
    return UINT32_MAX;
  }
  u32_t off = (u32_t)d;
  const struct mem_blk *b = blk_at(off);
  if (b->magic != MEM_MAGIC_USED || b->next <= off || b->next > MEM_HEAP_SIZE ||
      b->next % MEM_ALIGNMENT != 0 || blk_at(b->next)->prev != off) {
    return UINT32_MAX;
  }
  /* The first block's prev is 0; any other's is a lower block ending here. */
  if (b->prev < off ? blk_at(b->prev)->next != off : (b->prev | off) != 0) {
    return UINT32_MAX;
  }
  return off;
}

/* Make a free block of the bytes from @p off up to block @p next. */
static MEM_INLINE void make_free(u32_t off, u32_t prev, u32_t next)
{
  struct mem_blk *b = blk_at(off);
  b->next = next;
  b->prev = prev;
  b->magic = MEM_MAGIC_FREE;
  blk_at(next)->prev = off;
  if (off < lfree) {
    lfree = off;
  }
}

/* Cut block @p off down to @p size data bytes if the remainder can hold a
 * block of its own. */
static void split(u32_t off, size_t size)
{
  struct mem_blk *b = blk_at(off);
  if (blk_data_size(off) >= size + MEM_HDR + MEM_MIN_DATA) {
    u32_t rest = (u32_t)(off + MEM_HDR + size);
    make_free(rest, off, b->next);
    b->next = rest;
  }
}

/* Merge free block @p off with its next neighbour when that one is free.
 * Out of line: mem_free() and mem_trim() use it three times. */
static void merge_next(u32_t off)
{
  struct mem_blk *b = blk_at(off);
  struct mem_blk *n = blk_at(b->next);
  if (n->magic == MEM_MAGIC_FREE) {
    b->next = n->next;
    n->magic = 0; /* a stale header must not pass for a block later */
    blk_at(b->next)->prev = off;
  }
}

static void advance_lfree(void)
{
  while (lfree < MEM_HEAP_SIZE && blk_at(lfree)->magic != MEM_MAGIC_FREE) {
    lfree = blk_at(lfree)->next;
  }
}

void *mem_malloc(mem_size_t size)
{
  if (size == 0) {
    return NULL;
  }
  if (lwip_alloc_should_fail()) {
    return alloc_failed(size);
  }
  size_t need = request_size(size);
  if (need == 0) {
    return alloc_failed(size);
  }
  for (u32_t off = lfree; off < MEM_HEAP_SIZE; off = blk_at(off)->next) {
    struct mem_blk *b = blk_at(off);
    if (b->magic == MEM_MAGIC_FREE && blk_data_size(off) >= need) {
      split(off, need);
      b->magic = MEM_MAGIC_USED;
      charge(b->next - off);
      advance_lfree();
      return &heap[off + MEM_HDR];
    }
  }
  return alloc_failed(size);
}

void mem_free(void *mem)
{
  if (mem == NULL) {
    return;
  }
  u32_t off = used_block(mem);
  if (off == UINT32_MAX) {
    illegal(mem, "free");
    return;
  }
  struct mem_blk *b = blk_at(off);
  heap_stats.used -= b->next - off;
  b->magic = MEM_MAGIC_FREE;
  merge_next(off);
  if (off != 0 && blk_at(b->prev)->magic == MEM_MAGIC_FREE) {
    off = b->prev;
    merge_next(off);
  }
  /* off is now where the merged free block starts: no free block lies
   * below lfree, so this keeps lfree the lowest one. */
  if (off < lfree) {
    lfree = off;
  }
}

void *mem_trim(void *mem, mem_size_t new_size)
{
  u32_t off = used_block(mem);
  if (off == UINT32_MAX) {
    illegal(mem, "trim");
    return NULL;
  }
  struct mem_blk *b = blk_at(off);
  if (new_size > blk_data_size(off)) {
    return NULL;
  }
  /* No block is larger than the heap, so request_size()'s too-large test
   * cannot fire: the rounding alone. */
  size_t need = LWIP_MEM_ALIGN_SIZE(new_size == 0 ? 1 : new_size);
  u32_t next = b->next;
  if (off + MEM_HDR + need == next) {
    return mem;
  }
  /* A free neighbour is taken in first, so split() hands the cut-off bytes
   * back together with it (sliding its start back: any number of them
   * works).  Otherwise split() keeps a remainder too small for a block of
   * its own in this one. */
  merge_next(off);
  split(off, need);
  heap_stats.used -= next - b->next;
  return mem;
}

#else /* LWIP_MALLOC_POOLS */
/* ------------------------------------------------------------------------ */
/* malloc-backed heap: a 16-byte header in front of each block keeps the     */
/* cost charged, so used bytes go back to exactly 0.                         */
/* ------------------------------------------------------------------------ */

void mem_init(void)
{
  lwip_live_purge(true, MEM_HDR);
  memset(&heap_stats, 0, sizeof(heap_stats));
  heap_stats.name = "HEAP";
  heap_stats.avail = (u32_t)MEM_SIZE;
  hook_reset();
}

static bool live_has(const void *p, u8_t owner);

static struct mem_blk *hdr_of(void *mem) { return (struct mem_blk *)(void *)((u8_t *)mem - MEM_HDR); }

void *mem_malloc(mem_size_t size)
{
  if (size == 0) {
    return NULL;
  }
  if (lwip_alloc_should_fail()) {
    return alloc_failed(size);
  }
  size_t need = request_size(size);
  if (need == 0 || MEM_HDR + need > MEM_HEAP_SIZE - heap_stats.used) {
    return alloc_failed(size);
  }
  /* Exactly the bytes asked for, so ASan flags a write one past them. */
  u8_t *raw = malloc(MEM_HDR + size);
  if (raw == NULL) {
    return alloc_failed(size);
  }
  void *mem = raw + MEM_HDR;
  if (!lwip_live_add(mem, LWIP_LIVE_HEAP)) {
    free(raw);
    return alloc_failed(size);
  }
  struct mem_blk *b = hdr_of(mem);
  memset(b, 0, sizeof(*b));
  b->magic = MEM_MAGIC_USED;
  b->cost = (u32_t)(MEM_HDR + need);
  charge(b->cost);
  return mem;
}

void mem_free(void *mem)
{
  if (mem == NULL) {
    return;
  }
  if (!lwip_live_take(mem, LWIP_LIVE_HEAP)) {
    illegal(mem, "free");
    return;
  }
  struct mem_blk *b = hdr_of(mem);
  heap_stats.used -= b->cost;
  b->magic = MEM_MAGIC_FREE;
  free(b);
}

void *mem_trim(void *mem, mem_size_t new_size)
{
  /* Look the block up without touching it: a stale pointer must not be read. */
  if (!live_has(mem, LWIP_LIVE_HEAP)) {
    illegal(mem, "trim");
    return NULL;
  }
  struct mem_blk *b = hdr_of(mem);
  if (new_size > b->cost - MEM_HDR) {
    return NULL;
  }
  /* The block cannot shrink in place in libc; only the accounting does. */
  u32_t cost = (u32_t)(MEM_HDR + request_size(new_size == 0 ? 1 : new_size));
  heap_stats.used -= b->cost - cost;
  b->cost = cost;
  return mem;
}

/* ------------------------------------------------------------------------ */
/* The live set: open addressing, linear probing, backward-shift deletion.   */
/* Sized for the most blocks the heap can hold plus every pool element.      */
/* ------------------------------------------------------------------------ */

enum {
  MEMP_TOTAL_ELEMS = 0
#define LWIP_MEMPOOL(name, size, num, desc) + (num)
#include "lwip/priv/memp_std.h"
};

#define LIVE_CAP (2 * (MEM_HEAP_SIZE / (MEM_HDR + MEM_MIN_DATA) + (size_t)MEMP_TOTAL_ELEMS) + 1)
static const void *live_key[LIVE_CAP];
static u8_t live_owner[LIVE_CAP];
static size_t live_count;

static size_t live_home(const void *p)
{
  u64_t h = (u64_t)(mem_ptr_t)p * 0x9e3779b97f4a7c15ULL;
  return (size_t)((h >> 24) % LIVE_CAP);
}

static size_t live_find(const void *p)
{
  size_t i = live_home(p);
  while (live_key[i] != NULL && live_key[i] != p) {
    i = (i + 1) % LIVE_CAP;
  }
  return i;
}

static bool live_has(const void *p, u8_t owner)
{
  if (p == NULL) {
    return false;
  }
  size_t i = live_find(p);
  return live_key[i] != NULL && live_owner[i] == owner;
}

bool lwip_live_add(const void *p, u8_t owner)
{
  /* The heap's byte limit and the pools' counts keep the set under half
   * full; the check only guarantees that probing always finds a gap. */
  if (live_count + 1 >= LIVE_CAP) {
    return false;
  }
  size_t i = live_find(p);
  if (live_key[i] == NULL) {
    live_count++;
  }
  live_key[i] = p;
  live_owner[i] = owner;
  return true;
}

/* Empty slot @p i, shifting later entries of the probe run back into it. */
static void live_delete(size_t i)
{
  size_t j = i;
  live_key[i] = NULL;
  live_count--;
  for (;;) {
    j = (j + 1) % LIVE_CAP;
    if (live_key[j] == NULL) {
      return;
    }
    size_t k = live_home(live_key[j]);
    /* The entry at j may move to i unless its home lies cyclically in (i, j]. */
    bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (!stays) {
      live_key[i] = live_key[j];
      live_owner[i] = live_owner[j];
      live_key[j] = NULL;
      i = j;
    }
  }
}

bool lwip_live_take(const void *p, u8_t owner)
{
  if (p == NULL) {
    return false;
  }
  size_t i = live_find(p);
  if (live_key[i] == NULL || live_owner[i] != owner) {
    return false;
  }
  live_delete(i);
  return true;
}

void lwip_live_purge(bool heap, size_t hdr_size)
{
  size_t i = 0;
  while (i < LIVE_CAP) {
    const void *p = live_key[i];
    if (p != NULL && (live_owner[i] == LWIP_LIVE_HEAP) == heap) {
      /* Deleting may shift an unvisited entry into slot i: look again. */
      live_delete(i);
      free((u8_t *)(mem_ptr_t)p - hdr_size);
    } else {
      i++;
    }
  }
}
#endif /* LWIP_MALLOC_POOLS */
