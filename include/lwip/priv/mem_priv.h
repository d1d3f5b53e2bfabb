/**
 * @file priv/mem_priv.h
 * Shared between mem.c and memp.c only.
 *
 * With malloc_pools=true every heap block and pool element is a separate
 * malloc() block.  To tell a valid pointer from a freed or foreign one
 * without reading the memory behind it (AddressSanitizer would report a
 * double free as a use after free), mem.c keeps a hash set of the live
 * blocks, each tagged with its owner: a memp_t, or LWIP_LIVE_HEAP.
 */
#ifndef LWIP_PRIV_MEM_PRIV_H
#define LWIP_PRIV_MEM_PRIV_H

#include "lwip/opt.h"

#if LWIP_MALLOC_POOLS
/** Owner tag of heap blocks in the live set (pools use their memp_t). */
#define LWIP_LIVE_HEAP 0xffU

/** Record @p p as live, owned by @p owner.  @return false when full. */
bool lwip_live_add(const void *p, u8_t owner);
/** Forget @p p if it is live and owned by @p owner.
 *  @return false (and nothing changes) otherwise. */
bool lwip_live_take(const void *p, u8_t owner);
/** free() every live block of the heap (@p heap true) or of the pools
 *  (false), as a re-initialisation forgets them; @p hdr_size is the size of
 *  the header in front of each recorded pointer. */
void lwip_live_purge(bool heap, size_t hdr_size);
#endif

#endif /* LWIP_PRIV_MEM_PRIV_H */
