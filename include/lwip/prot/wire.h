/**
 * @file wire.h
 * Reading and writing multi-byte header fields in network byte order.
 *
 * Packet bytes are never accessed through a cast struct pointer: headers
 * are unaligned and such casts break strict aliasing.  Every field is read
 * with get_be16()/get_be32() at an offset named in the protocol's prot/
 * header, after the caller has checked that offset + size is within the
 * bytes it holds.  Compilers turn these into single loads where the target
 * allows unaligned access.
 */
#ifndef LWIP_PROT_WIRE_H
#define LWIP_PROT_WIRE_H

#include "lwip/arch.h"
#include <string.h>

/* The bare-metal core is built -ffreestanding, where GCC treats memcpy as
 * an ordinary function: a 4-byte copy would be a library call instead of
 * one load or store.  The builtin keeps it inline whatever the flags. */
#if defined(__GNUC__)
#define WIRE_MEMCPY __builtin_memcpy
#else
#define WIRE_MEMCPY memcpy
#endif

static inline u16_t get_be16(const u8_t *p)
{
  return (u16_t)(((u16_t)p[0] << 8) | p[1]);
}

static inline u32_t get_be32(const u8_t *p)
{
  return ((u32_t)p[0] << 24) | ((u32_t)p[1] << 16) | ((u32_t)p[2] << 8) | p[3];
}

/* Swapped to network order, then copied: one byte swap and one store where
 * the target allows unaligned stores (GCC does not merge the byte stores
 * of a big-endian field into one). */
static inline void put_be16(u8_t *p, u16_t v)
{
  v = lwip_htons(v);
  WIRE_MEMCPY(p, &v, sizeof(v));
}

static inline void put_be32(u8_t *p, u32_t v)
{
  v = lwip_htonl(v);
  WIRE_MEMCPY(p, &v, sizeof(v));
}

/** Read 4 bytes as a u32_t in network order in memory (an IPv4 address as
 *  ip4_addr_t stores it). */
static inline u32_t get_n32(const u8_t *p)
{
  u32_t v;
  WIRE_MEMCPY(&v, p, sizeof(v));
  return v;
}

static inline void put_n32(u8_t *p, u32_t v)
{
  WIRE_MEMCPY(p, &v, sizeof(v));
}

#endif /* LWIP_PROT_WIRE_H */
