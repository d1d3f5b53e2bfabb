/*
 * The reassembly record, private to core/ipv4/ip4_frag.c; visible here only
 * so memp.c can size its pool.
 */
#ifndef LWIP_PRIV_IP4_FRAG_PRIV_H
#define LWIP_PRIV_IP4_FRAG_PRIV_H

#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip4.h"

#if IP_REASSEMBLY
/** One datagram being reassembled.  Fragments are kept in a chain sorted by
 *  offset; the datagram is identified by (src, dest, id, proto), RFC 791 3.2. */
struct ip_reassdata {
  struct ip_reassdata *next;
  struct pbuf *frags;      /**< received fragments, sorted by offset */
  u8_t hdr[IP_HLEN];       /**< header of the first fragment (offset 0), once seen */
  u32_t src, dest;         /**< network order */
  u16_t id;
  u8_t proto;
  bool have_first;         /**< the offset-0 fragment arrived */
  u16_t datagram_len;      /**< payload length, known once the last fragment arrived (0 before) */
  u16_t npbufs;            /**< pbufs held, charged against IP_REASS_MAX_PBUFS */
  u32_t started_ms;        /**< sys_now() when the first fragment arrived */
};
#endif

#endif
