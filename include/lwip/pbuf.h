/**
 * @file pbuf.h
 * Packet buffers.
 *
 * A packet is a chain of pbufs linked by @c next.  Each pbuf holds @c len
 * bytes at @c payload; the first pbuf's @c tot_len is the length of the
 * whole packet, and every pbuf's @c tot_len is its own len plus the tot_len
 * of the rest of the chain.  A chain may also hold several packets one after
 * another (a queue); the last pbuf of a packet then has tot_len == len.
 *
 * Kinds:
 *  - PBUF_RAM: one block from the heap, header room and payload together.
 *  - PBUF_POOL: a chain of fixed-size buffers from the PBUF_POOL pool; what
 *    drivers use for received frames.
 *  - PBUF_ROM / PBUF_REF: a pbuf header from the PBUF pool pointing at memory
 *    owned by someone else (ROM: never changes; REF: valid only until the
 *    call returns, so the stack copies it before queueing).
 *
 * Ownership rules (they hold at every function boundary in the stack):
 *  - pbuf_alloc() returns a pbuf with reference count 1, owned by the caller.
 *  - Input functions (netif->input, ethernet_input, ip4_input, udp recv
 *    callbacks, ...) take ownership: the callee frees the pbuf or keeps it.
 *  - Output functions (udp_send, ip4_output_if, netif->linkoutput, ...) never
 *    take ownership: the caller still frees it afterwards.  A callee that
 *    must keep a packet (ARP queue, loopback) takes its own reference or copy.
 *  - pbuf_ref() adds a reference; pbuf_free() drops one and frees each pbuf
 *    of the chain whose count reaches zero.
 */
#ifndef LWIP_PBUF_H
#define LWIP_PBUF_H

#include "lwip/opt.h"
#include "lwip/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How much header room pbuf_alloc() leaves in front of the payload. */
typedef enum {
  PBUF_TRANSPORT = PBUF_LINK_ENCAPSULATION_HLEN + PBUF_LINK_HLEN + PBUF_IP_HLEN + PBUF_TRANSPORT_HLEN,
  PBUF_IP = PBUF_LINK_ENCAPSULATION_HLEN + PBUF_LINK_HLEN + PBUF_IP_HLEN,
  PBUF_LINK = PBUF_LINK_ENCAPSULATION_HLEN + PBUF_LINK_HLEN,
  PBUF_RAW_TX = PBUF_LINK_ENCAPSULATION_HLEN,
  PBUF_RAW = 0
} pbuf_layer;

typedef enum {
  PBUF_RAM,  /**< payload in the same heap block as the pbuf */
  PBUF_ROM,  /**< payload is constant memory elsewhere */
  PBUF_REF,  /**< payload is volatile memory elsewhere */
  PBUF_POOL  /**< chain of PBUF_POOL buffers */
} pbuf_type;

/** pbuf flags */
#define PBUF_FLAG_PUSH 0x01U     /**< last segment of a write (TCP PSH) */
#define PBUF_FLAG_CSUM_OK 0x02U  /**< the device verified the transport checksum (rx offload) */
#define PBUF_FLAG_CSUM_PARTIAL 0x04U /**< tx offload: the TCP checksum field holds the pseudo-header
                                          sum for the device to finish (first pbuf of a packet) */
#define PBUF_FLAG_LLBCAST 0x08U  /**< received as link-level broadcast */
#define PBUF_FLAG_LLMCAST 0x10U  /**< received as link-level multicast */
/** Whether the stack may skip checking @p p's transport checksum: its
 *  driver verified it (PBUF_FLAG_CSUM_OK).  Never without LWIP_OFFLOAD. */
#define PBUF_CSUM_VERIFIED(p) (LWIP_OFFLOAD && ((p)->flags & PBUF_FLAG_CSUM_OK) != 0)

struct pbuf {
  struct pbuf *next;  /**< next pbuf of the chain (or of the queue) */
  void *payload;      /**< first byte of this pbuf's data */
  u16_t tot_len;      /**< len of this pbuf plus tot_len of the rest of the packet */
  u16_t len;          /**< bytes at payload */
  u8_t type_internal; /**< pbuf_type */
  u8_t flags;         /**< PBUF_FLAG_* */
  u16_t ref;          /**< reference count */
  u8_t if_idx;        /**< index of the netif it arrived on, 0 if none */
  u16_t gso_size;     /**< TCP segmentation offload: the MSS the device cuts
                           this packet into (first pbuf of a packet only);
                           0 = a normal packet, always without LWIP_OFFLOAD */
};

/** Largest reference count; pbuf_ref() saturating it is a programmer error. */
#define PBUF_REF_MAX 0xffffU
/** Offset of the payload from the start of a PBUF_RAM/PBUF_POOL block. */
#define SIZEOF_STRUCT_PBUF LWIP_MEM_ALIGN_SIZE(sizeof(struct pbuf))

/** Allocate a packet of @p length payload bytes with @p layer header room.
 *  PBUF_POOL may return a chain; the others return a single pbuf (REF/ROM
 *  with payload NULL, for the caller to set).
 *  @return the pbuf (ref 1, caller owns it), or NULL when out of memory. */
struct pbuf *pbuf_alloc(pbuf_layer layer, u16_t length, pbuf_type type);

/** A PBUF_REF or PBUF_ROM pbuf pointing at @p payload.
 *  @return the pbuf (ref 1), or NULL when out of memory or @p type invalid. */
struct pbuf *pbuf_alloc_reference(void *payload, u16_t length, pbuf_type type);

/** Shrink a packet to @p new_len bytes, freeing pbufs no longer needed.
 *  Growing is not possible; a larger @p new_len leaves @p p unchanged. */
void pbuf_realloc(struct pbuf *p, u16_t new_len);

/** Move the payload pointer back by @p size bytes to expose header room.
 *  @return 0 on success, 1 when the pbuf lacks room (or is REF/ROM, whose
 *  memory before the payload is not ours) and nothing was changed. */
u8_t pbuf_add_header(struct pbuf *p, size_t size);
/** As pbuf_add_header(), but allowed on REF/ROM pbufs: for restoring a
 *  header the stack removed itself. */
u8_t pbuf_add_header_force(struct pbuf *p, size_t size);
/** Move the payload pointer forward by @p size bytes (hide a header).
 *  @return 0 on success, 1 when @p size exceeds the first pbuf's len. */
u8_t pbuf_remove_header(struct pbuf *p, size_t size);
/** Signed form of add (positive) and remove (negative). @return 0 or 1. */
u8_t pbuf_header(struct pbuf *p, s16_t size);
u8_t pbuf_header_force(struct pbuf *p, s16_t size);
/** Drop @p size bytes from the front of a chain, freeing emptied pbufs.
 *  @return the new head (NULL when everything was freed). */
struct pbuf *pbuf_free_header(struct pbuf *q, u16_t size);

/** Drop a reference to each pbuf of the chain, freeing those reaching 0.
 *  @return the number of pbufs freed (0 when @p p is NULL). */
u8_t pbuf_free(struct pbuf *p);
/** Add a reference to @p p (not to the rest of the chain). */
void pbuf_ref(struct pbuf *p);
/** Number of pbufs in the chain. */
u16_t pbuf_clen(const struct pbuf *p);

/** Append @p t to @p h; the caller's reference to @p t passes to @p h. */
void pbuf_cat(struct pbuf *h, struct pbuf *t);
/** Append @p t to @p h and take a new reference to @p t (caller keeps its own). */
void pbuf_chain(struct pbuf *h, struct pbuf *t);
/** Unlink the first pbuf from the rest. @return the rest (NULL if none);
 *  the rest keeps its reference, the first pbuf keeps its own. */
struct pbuf *pbuf_dechain(struct pbuf *p);

/** Copy all of @p p_from into @p p_to, which must be at least as long.
 *  @return ERR_OK, or ERR_VAL / ERR_ARG on bad arguments. */
err_t pbuf_copy(struct pbuf *p_to, const struct pbuf *p_from);
/** Copy @p len bytes starting at @p offset out of the chain.
 *  @return the number of bytes copied (less when the chain is shorter). */
u16_t pbuf_copy_partial(const struct pbuf *p, void *dataptr, u16_t len, u16_t offset);
/** Pointer to @p len contiguous bytes at @p offset: into the pbuf when they
 *  lie within one pbuf, otherwise copied into @p buffer (of @p bufsize).
 *  @return the pointer, or NULL when the chain is too short or the bytes
 *  straddle pbufs and @p buffer is too small. */
const void *pbuf_get_contiguous(const struct pbuf *p, void *buffer, size_t bufsize, u16_t len, u16_t offset);
/** Copy @p len bytes from @p dataptr into the chain's start.
 *  @return ERR_OK, or ERR_MEM when the chain is shorter than @p len. */
err_t pbuf_take(struct pbuf *buf, const void *dataptr, u16_t len);
/** Same, starting at @p offset.  @return ERR_OK, ERR_MEM or ERR_VAL. */
err_t pbuf_take_at(struct pbuf *buf, const void *dataptr, u16_t len, u16_t offset);
/** Find the pbuf holding byte @p in_offset; its offset is stored in
 *  @p out_offset (may be NULL).  @return the pbuf or NULL past the end. */
struct pbuf *pbuf_skip(struct pbuf *in, u16_t in_offset, u16_t *out_offset);
/** Byte at @p offset, or 0 past the end. */
u8_t pbuf_get_at(const struct pbuf *p, u16_t offset);
/** Byte at @p offset, or -1 past the end. */
int pbuf_try_get_at(const struct pbuf *p, u16_t offset);
/** Write one byte at @p offset; nothing happens past the end. */
void pbuf_put_at(struct pbuf *p, u16_t offset, u8_t data);
/** Compare @p n bytes at @p offset with @p s2.
 *  @return 0 when equal, otherwise 1 + the index of the first difference
 *  (0xffff when the chain is too short). */
u16_t pbuf_memcmp(const struct pbuf *p, u16_t offset, const void *s2, u16_t n);
/** First occurrence of @p mem at or after @p start_offset.
 *  @return its offset, or 0xffff when not found. */
u16_t pbuf_memfind(const struct pbuf *p, const void *mem, u16_t mem_len, u16_t start_offset);
/** pbuf_memfind() of a NUL-terminated string. */
u16_t pbuf_strstr(const struct pbuf *p, const char *substr);

/** A new single pbuf of type @p type holding a copy of the whole chain.
 *  @return it (caller owns it) or NULL when out of memory. */
struct pbuf *pbuf_clone(pbuf_layer l, pbuf_type type, const struct pbuf *p);
/** Make @p p contiguous: a single-pbuf chain is returned as is; otherwise a
 *  PBUF_RAM copy is returned and @p p is freed.  On out-of-memory @p p is
 *  returned unchanged, so check ->next to tell. */
struct pbuf *pbuf_coalesce(struct pbuf *p, pbuf_layer layer);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_PBUF_H */
