/**
 * @file compat/cc.h
 * What lwIP's arch.h and a port's arch/cc.h give applications: printf
 * format macros for the stack's integer types, structure packing macros
 * and a few cast and copy helpers.  Included by lwip/arch.h, so every
 * lwipd header brings it in, as lwIP's do.
 *
 * Macros only: nothing here costs code.  A port may define any of them
 * before including an lwipd header (each is guarded), the way an lwIP port
 * sets them in arch/cc.h.  docs/lwip-compat.md lists what is supported.
 */
#ifndef LWIP_COMPAT_CC_H
#define LWIP_COMPAT_CC_H

#include <stdint.h>
#include <string.h>

/* ---- printf formats (LWIP_DEBUGF, LWIP_PLATFORM_DIAG) ----
 *
 * u16_t/s16_t are [u]int16_t everywhere, so "h" is exact.  u32_t is
 * uint32_t, which is unsigned int on Linux (ILP32 and LP64) but unsigned
 * long on arm-none-eabi (newlib): <inttypes.h> would say which, but the
 * core may include only freestanding headers.  <stdint.h>'s UINT32_C()
 * tells the same thing by its suffix, and a suffix can be tested in #if
 * by pasting it onto a prefix: UINT32_C(LWIP_FMT32_) becomes
 * LWIP_FMT32_U (unsigned int) or LWIP_FMT32_UL (unsigned long).
 * LWIP_FMT32_ itself must stay undefined, or it would be replaced before
 * the paste where UINT32_C() passes its argument on (newlib).  int32_t
 * is always the signed type of the same rank. */
#define LWIP_FMT32_U 1
#define LWIP_FMT32_UL 2

#if !defined(U32_F) && UINT32_C(LWIP_FMT32_) == 2
#define U32_F "lu"
#define X32_F "lx"
#define S32_F "ld"
#endif
#ifndef U32_F
#define U32_F "u"
#endif
#ifndef X32_F
#define X32_F "x"
#endif
#ifndef S32_F
#define S32_F "d"
#endif
#ifndef U16_F
#define U16_F "hu"
#endif
#ifndef S16_F
#define S16_F "hd"
#endif
#ifndef X16_F
#define X16_F "hx"
#endif
/* u8_t/s8_t are promoted to int when passed to printf. */
#ifndef U8_F
#define U8_F "u"
#endif
#ifndef S8_F
#define S8_F "d"
#endif
#ifndef X8_F
#define X8_F "02x"
#endif
/* size_t: C99's own length modifier, right on every target. */
#ifndef SZT_F
#define SZT_F "zu"
#endif

/* ---- structure packing ----
 *
 * lwIP's apps declare protocol headers as
 *
 *   PACK_STRUCT_BEGIN
 *   struct ntp_msg {
 *     PACK_STRUCT_FLD_8(u8_t li_vn_mode);
 *     PACK_STRUCT_FIELD(u32_t receive_timestamp[2]);
 *   } PACK_STRUCT_STRUCT;
 *   PACK_STRUCT_END
 *
 * (with "arch/bpstruct.h"/"arch/epstruct.h" around it where the port sets
 * PACK_STRUCT_USE_INCLUDES).  GCC and clang pack with an attribute, so
 * BEGIN/END are empty.  lwipd's own code never lays a struct over packet
 * bytes (docs/architecture.md); an application that does should copy the
 * bytes out first (pbuf_copy_partial) rather than cast p->payload. */
#ifndef PACK_STRUCT_BEGIN
#define PACK_STRUCT_BEGIN
#endif
#ifndef PACK_STRUCT_END
#define PACK_STRUCT_END
#endif
#ifndef PACK_STRUCT_STRUCT
#if defined(__GNUC__)
#define PACK_STRUCT_STRUCT __attribute__((packed))
#else
#define PACK_STRUCT_STRUCT
#endif
#endif
#ifndef PACK_STRUCT_FIELD
#define PACK_STRUCT_FIELD(x) x
#endif
/** A single byte, or an array of bytes. */
#ifndef PACK_STRUCT_FLD_8
#define PACK_STRUCT_FLD_8(x) PACK_STRUCT_FIELD(x)
#endif
/** A member that is itself a packed struct. */
#ifndef PACK_STRUCT_FLD_S
#define PACK_STRUCT_FLD_S(x) PACK_STRUCT_FIELD(x)
#endif

/* ---- casts and copies ---- */
/** Drop a const qualifier (via an integer, so no warning is needed). */
#define LWIP_CONST_CAST(target_type, val) ((target_type)((uintptr_t)(val)))
/** A pointer cast the programmer checked for alignment. */
#define LWIP_ALIGNMENT_CAST(target_type, val) LWIP_CONST_CAST(target_type, val)
/** A pointer to or from an integer. */
#define LWIP_PTR_NUMERIC_CAST(target_type, val) LWIP_CONST_CAST(target_type, val)
/** A pointer to a packed struct. */
#define LWIP_PACKED_CAST(target_type, val) LWIP_CONST_CAST(target_type, val)
#ifndef MEMCPY
#define MEMCPY(dst, src, len) memcpy(dst, src, len)
#endif
/** A copy of a small, constant length (lwIP lets a port inline it). */
#ifndef SMEMCPY
#define SMEMCPY(dst, src, len) memcpy(dst, src, len)
#endif
#ifndef MEMMOVE
#define MEMMOVE(dst, src, len) memmove(dst, src, len)
#endif

#endif /* LWIP_COMPAT_CC_H */
