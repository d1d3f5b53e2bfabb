/**
 * @file arch.h
 * Basic types and compiler helpers shared by the whole stack.
 *
 * The core uses only <stdint.h>, <stddef.h>, <stdbool.h>, <string.h> and
 * <limits.h>, so these definitions are the same on Linux and on a bare-metal
 * target.  The lwIP type names (u8_t, u16_t, ...) are kept so that
 * applications written against lwIP's raw API compile unchanged.
 */
#ifndef LWIP_ARCH_H
#define LWIP_ARCH_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <limits.h>

typedef uint8_t u8_t;
typedef int8_t s8_t;
typedef uint16_t u16_t;
typedef int16_t s16_t;
typedef uint32_t u32_t;
typedef int32_t s32_t;
typedef uint64_t u64_t;
typedef uintptr_t mem_ptr_t;

#define LWIP_UNUSED_ARG(x) (void)(x)
#define LWIP_ARRAYSIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LWIP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LWIP_MAX(a, b) ((a) > (b) ? (a) : (b))

/** Alignment of every pool element and heap block. */
#define MEM_ALIGNMENT 8
#define LWIP_MEM_ALIGN_SIZE(size) (((size) + MEM_ALIGNMENT - 1U) & ~(size_t)(MEM_ALIGNMENT - 1U))
#define LWIP_MEM_ALIGN(p) ((void *)(((mem_ptr_t)(p) + MEM_ALIGNMENT - 1U) & ~(mem_ptr_t)(MEM_ALIGNMENT - 1U)))

#if defined(__GNUC__)
#define LWIP_LIKELY(x) __builtin_expect(!!(x), 1)
#define LWIP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LWIP_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define LWIP_LIKELY(x) (x)
#define LWIP_UNLIKELY(x) (x)
#define LWIP_PRINTF_LIKE(f, a)
#endif

/* Byte order.  GCC and clang both predefine __BYTE_ORDER__. */
#if defined(__BYTE_ORDER__) && (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#define LWIP_BIG_ENDIAN 1
#else
#define LWIP_BIG_ENDIAN 0
#endif

#if LWIP_BIG_ENDIAN
#define lwip_htons(x) ((u16_t)(x))
#define lwip_htonl(x) ((u32_t)(x))
#define PP_HTONS(x) ((u16_t)(x))
#define PP_HTONL(x) ((u32_t)(x))
#else
#define PP_HTONS(x) ((u16_t)((((x) & 0x00ffU) << 8) | (((x) & 0xff00U) >> 8)))
#define PP_HTONL(x) ((((x) & 0x000000ffUL) << 24) | (((x) & 0x0000ff00UL) << 8) | \
                     (((x) & 0x00ff0000UL) >> 8) | (((x) & 0xff000000UL) >> 24))
static inline u16_t lwip_htons(u16_t x) { return (u16_t)((x << 8) | (x >> 8)); }
static inline u32_t lwip_htonl(u32_t x)
{
  return ((x & 0xffU) << 24) | ((x & 0xff00U) << 8) | ((x >> 8) & 0xff00U) | (x >> 24);
}
#endif
#define lwip_ntohs(x) lwip_htons(x)
#define lwip_ntohl(x) lwip_htonl(x)
#define PP_NTOHS(x) PP_HTONS(x)
#define PP_NTOHL(x) PP_HTONL(x)
#ifndef htons
#define htons(x) lwip_htons(x)
#define ntohs(x) lwip_ntohs(x)
#define htonl(x) lwip_htonl(x)
#define ntohl(x) lwip_ntohl(x)
#endif

#include "lwip/compat/cc.h" /* lwIP's format, packing and cast macros */

#endif /* LWIP_ARCH_H */
