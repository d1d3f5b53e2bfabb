/**
 * @file priv/pbuf_priv.h
 * Header push and pop shared by the output paths: one copy of "header
 * room, else a pbuf of its own in front" for ethernet.c and ip4.c, and of
 * its undo for those and udp.c, instead of one per layer.  Core only.
 */
#ifndef LWIP_PRIV_PBUF_PRIV_H
#define LWIP_PRIV_PBUF_PRIV_H

#include "lwip/pbuf.h"

/** Make room for a @p size byte header in front of @p p: in its header
 *  room when there is some, else in a new PBUF_RAM pbuf of layer @p layer
 *  chained in front, which takes a reference on @p p and carries its
 *  offload marks (gso_size, PBUF_FLAG_CSUM_PARTIAL: the device reads them
 *  from the first pbuf).  @return the packet (payload at the header), or
 *  NULL when out of memory.  @p p stays the caller's either way. */
struct pbuf *pbuf_push_header(struct pbuf *p, u16_t size, pbuf_layer layer);

/** Undo pbuf_push_header(): @p q is what it returned for @p p. */
void pbuf_pop_header(struct pbuf *q, struct pbuf *p, u16_t size);

#endif /* LWIP_PRIV_PBUF_PRIV_H */
