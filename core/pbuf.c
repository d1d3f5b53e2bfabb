/**
 * @file pbuf.c
 * Packet buffers: allocation, reference counting, chains and the copy and
 * search helpers every protocol reads packets with.
 *
 * Layout of a PBUF_RAM block and of each PBUF_POOL element:
 *
 *   [struct pbuf, aligned][header room][payload ...]
 *
 * The header room is the only memory in front of the payload that belongs
 * to the pbuf, so pbuf_add_header() never lets the payload move before the
 * end of the struct.  PBUF_REF/ROM pbufs point at someone else's memory and
 * may only grow forward again over a header the stack itself removed.
 */
#include "lwip/pbuf.h"
#include "lwip/priv/pbuf_priv.h"
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/debug.h"

#include <string.h>

/* Keeps a helper out of line where inlining copies it, measured on the
 * Cortex-M4 -Os build (GCC and Clang; elsewhere only a hint lost). */
#if defined(__GNUC__)
#define PBUF_NOINLINE __attribute__((noinline))
#else
#define PBUF_NOINLINE
#endif
/* The same for a helper on the per-packet paths, but only in a build
 * optimized for size: the -O3 build keeps inlining it where it likes. */
#if defined(__GNUC__) && defined(__OPTIMIZE_SIZE__)
#define PBUF_NOINLINE_OS __attribute__((noinline))
#else
#define PBUF_NOINLINE_OS
#endif

#define PBUF_POOL_BUFSIZE_ALIGNED LWIP_MEM_ALIGN_SIZE(PBUF_POOL_BUFSIZE)

/* What the search functions return for "not found" / "too short". */
#define PBUF_NOT_FOUND 0xffffU

/* First byte of the memory a RAM/POOL pbuf owns after its struct. */
static u8_t *pbuf_room_start(struct pbuf *p) { return (u8_t *)p + SIZEOF_STRUCT_PBUF; }

static void pbuf_init_fields(struct pbuf *p, void *payload, u16_t tot_len, u16_t len, pbuf_type type)
{
  p->next = NULL;
  p->payload = payload;
  p->tot_len = tot_len;
  p->len = len;
  p->type_internal = (u8_t)type;
  p->flags = 0;
  p->ref = 1;
  p->if_idx = 0;
  p->gso_size = 0;
}

/* ------------------------------------------------------------------------ */
/* Allocation and freeing                                                   */
/* ------------------------------------------------------------------------ */

/* Every allocation: a PBUF_RAM packet is one heap block holding the struct,
 * @p offset bytes of header room and the payload; a PBUF_POOL packet is a
 * chain of pool buffers of which only the first keeps @p offset bytes of
 * header room, the others being filled from their start; a PBUF_REF/ROM
 * pbuf is a struct from the PBUF pool pointing at @p ref.  One loop builds
 * them all: it runs once for everything but PBUF_POOL. */
static struct pbuf *pbuf_alloc_any(size_t offset, u16_t length, pbuf_type type, void *ref)
{
  if (type == PBUF_POOL && offset > PBUF_POOL_BUFSIZE_ALIGNED) {
    return NULL;
  }
  struct pbuf *head = NULL;
  struct pbuf **tail = &head;
  size_t left = length;
  do {
    size_t cap = type == PBUF_POOL ? PBUF_POOL_BUFSIZE_ALIGNED - offset : length;
    struct pbuf *q = type == PBUF_RAM ? mem_malloc(SIZEOF_STRUCT_PBUF + offset + length)
                                      : memp_malloc(type == PBUF_POOL ? MEMP_PBUF_POOL : MEMP_PBUF);
    if (q == NULL) {
      pbuf_free(head);
      return NULL;
    }
    size_t n = LWIP_MIN(left, cap);
    void *payload = type == PBUF_RAM || type == PBUF_POOL ? pbuf_room_start(q) + offset : ref;
    pbuf_init_fields(q, payload, (u16_t)left, (u16_t)n, type);
    *tail = q;
    tail = &q->next;
    left -= n;
    offset = 0;
  } while (left > 0);
  return head;
}

struct pbuf *pbuf_alloc(pbuf_layer layer, u16_t length, pbuf_type type)
{
  LWIP_ERROR_RET("pbuf_alloc: invalid type", (unsigned)type <= (unsigned)PBUF_POOL, NULL);
  return pbuf_alloc_any(LWIP_MEM_ALIGN_SIZE((size_t)layer), length, type, NULL);
}

struct pbuf *pbuf_alloc_reference(void *payload, u16_t length, pbuf_type type)
{
  LWIP_ERROR_RET("pbuf_alloc_reference: type must be REF or ROM",
                 type == PBUF_REF || type == PBUF_ROM, NULL);
  return pbuf_alloc_any(0, length, type, payload);
}

static void pbuf_release(struct pbuf *p)
{
  if (p->type_internal == PBUF_RAM) {
    mem_free(p);
  } else {
    memp_free(p->type_internal == PBUF_POOL ? MEMP_PBUF_POOL : MEMP_PBUF, p);
  }
}

u8_t pbuf_free(struct pbuf *p)
{
  u8_t count = 0;
  while (p != NULL) {
    LWIP_ERROR_RET("pbuf_free: reference count already 0", p->ref > 0, count);
    if (--p->ref > 0) {
      break; /* someone else still holds this pbuf and the rest after it */
    }
    struct pbuf *next = p->next;
    pbuf_release(p);
    if (count < UINT8_MAX) {
      count++;
    }
    p = next;
  }
  return count;
}

void pbuf_ref(struct pbuf *p)
{
  LWIP_ERROR_RET("pbuf_ref: NULL", p != NULL, );
  LWIP_ERROR_RET("pbuf_ref: reference count overflow", p->ref < PBUF_REF_MAX, );
  p->ref++;
}

u16_t pbuf_clen(const struct pbuf *p)
{
  u16_t n = 0;
  for (; p != NULL; p = p->next) {
    n++;
  }
  return n;
}

/* ------------------------------------------------------------------------ */
/* Resizing                                                                 */
/* ------------------------------------------------------------------------ */

void pbuf_realloc(struct pbuf *p, u16_t new_len)
{
  LWIP_ERROR_RET("pbuf_realloc: NULL", p != NULL, );
  if (new_len >= p->tot_len) {
    return; /* growing is not possible */
  }
  u16_t shrink = (u16_t)(p->tot_len - new_len);
  u16_t left = new_len;
  struct pbuf *q = p;
  /* Every pbuf up to the one holding the new end loses the same bytes. */
  while (left > q->len) {
    left = (u16_t)(left - q->len);
    q->tot_len = (u16_t)(q->tot_len - shrink);
    q = q->next;
  }
  if (q->type_internal == PBUF_RAM && left != q->len) {
    size_t keep = (size_t)((u8_t *)q->payload - (u8_t *)q) + left;
    mem_trim(q, keep);
  }
  q->len = left;
  q->tot_len = left;
  struct pbuf *rest = q->next;
  q->next = NULL;
  pbuf_free(rest);
}

/* What pbuf_move_header() does with the header room. */
enum pbuf_move { PBUF_HIDE, PBUF_EXPOSE, PBUF_EXPOSE_FORCED };

/* Move the payload pointer forward by @p size bytes to hide a header
 * (PBUF_HIDE), or back to expose one (PBUF_EXPOSE; PBUF_EXPOSE_FORCED also
 * on a REF/ROM pbuf): the one body behind the add, remove and signed
 * header functions.  @return 0 on success, 1 when nothing was changed. */
static u8_t pbuf_move_header(struct pbuf *p, size_t size, enum pbuf_move how)
{
  LWIP_ERROR_RET("pbuf_move_header: NULL", p != NULL, 1);
  if (size == 0) {
    /* Nothing to move; also keeps a REF/ROM pbuf whose payload is still
     * NULL from pointer arithmetic on NULL, which C leaves undefined. */
    return 0;
  }
  if (how == PBUF_HIDE ? size > p->len : size > 0xffffU - p->tot_len) {
    return 1;
  }
  u8_t *payload = p->payload;
  ptrdiff_t grow = (ptrdiff_t)size; /* size <= 0xffff */
  if (how == PBUF_HIDE) {
    grow = -grow;
  } else {
    /* The memory before a REF/ROM payload is not ours: only forced. */
    bool owned = p->type_internal == PBUF_RAM || p->type_internal == PBUF_POOL;
    if (owned ? (size_t)(payload - pbuf_room_start(p)) < size : how != PBUF_EXPOSE_FORCED) {
      return 1;
    }
  }
  p->payload = payload - grow;
  p->len = (u16_t)(p->len + grow);
  p->tot_len = (u16_t)(p->tot_len + grow);
  return 0;
}

u8_t pbuf_add_header(struct pbuf *p, size_t size) { return pbuf_move_header(p, size, PBUF_EXPOSE); }

u8_t pbuf_add_header_force(struct pbuf *p, size_t size) { return pbuf_move_header(p, size, PBUF_EXPOSE_FORCED); }

u8_t pbuf_remove_header(struct pbuf *p, size_t size) { return pbuf_move_header(p, size, PBUF_HIDE); }

static PBUF_NOINLINE u8_t pbuf_header_impl(struct pbuf *p, s16_t size, enum pbuf_move expose)
{
  if (size < 0) {
    return pbuf_move_header(p, (size_t)(-(s32_t)size), PBUF_HIDE);
  }
  return pbuf_move_header(p, (size_t)size, expose);
}

u8_t pbuf_header(struct pbuf *p, s16_t size) { return pbuf_header_impl(p, size, PBUF_EXPOSE); }

u8_t pbuf_header_force(struct pbuf *p, s16_t size) { return pbuf_header_impl(p, size, PBUF_EXPOSE_FORCED); }

struct pbuf *pbuf_free_header(struct pbuf *q, u16_t size)
{
  unsigned int left = size;
  while (q != NULL && left > 0 && left >= q->len) {
    /* The reference q held on the rest passes to the caller. */
    struct pbuf *f = q;
    left -= q->len;
    q = q->next;
    f->next = NULL;
    pbuf_free(f);
  }
  if (q != NULL) {
    pbuf_remove_header(q, left); /* left < q->len (or 0): cannot fail */
  }
  return q;
}

/* ------------------------------------------------------------------------ */
/* Chains                                                                   */
/* ------------------------------------------------------------------------ */

/* pbuf_cat(); @return whether @p t was appended, for pbuf_chain. */
static bool pbuf_cat_ok(struct pbuf *h, struct pbuf *t)
{
  LWIP_ERROR_RET("pbuf_cat: NULL", h != NULL && t != NULL, false);
  LWIP_ERROR_RET("pbuf_cat: chain too long", (u32_t)h->tot_len + t->tot_len <= 0xffffU, false);
  LWIP_ERROR_RET("pbuf_cat: chaining a pbuf to itself", h != t, false);
  unsigned int add = t->tot_len;
  /* Every pbuf of h, its last one included, grows by t's length. */
  struct pbuf *p = h;
  for (;;) {
    p->tot_len = (u16_t)(p->tot_len + add);
    if (p->next == NULL) {
      break;
    }
    p = p->next;
  }
  p->next = t;
  return true;
}

void pbuf_cat(struct pbuf *h, struct pbuf *t) { (void)pbuf_cat_ok(h, t); }

void pbuf_chain(struct pbuf *h, struct pbuf *t)
{
  if (pbuf_cat_ok(h, t)) {
    pbuf_ref(t);
  }
}

struct pbuf *pbuf_push_header(struct pbuf *p, u16_t size, pbuf_layer layer)
{
  if (pbuf_add_header(p, size) == 0) {
    return p;
  }
  struct pbuf *h = pbuf_alloc(layer, size, PBUF_RAM);
  if (h != NULL) {
    pbuf_chain(h, p);
#if LWIP_OFFLOAD
    h->gso_size = p->gso_size;
    h->flags |= p->flags & PBUF_FLAG_CSUM_PARTIAL;
#endif
  }
  return h;
}

void pbuf_pop_header(struct pbuf *q, struct pbuf *p, u16_t size)
{
  if (q == p) {
    pbuf_remove_header(p, size);
  } else {
    pbuf_free(q); /* also drops the reference pbuf_chain took on p */
  }
}

struct pbuf *pbuf_dechain(struct pbuf *p)
{
  LWIP_ERROR_RET("pbuf_dechain: NULL", p != NULL, NULL);
  struct pbuf *rest = p->next;
  if (rest != NULL) {
    p->next = NULL;
    p->tot_len = p->len;
  }
  return rest;
}

/* ------------------------------------------------------------------------ */
/* Copying                                                                  */
/* ------------------------------------------------------------------------ */

struct pbuf *pbuf_skip(struct pbuf *in, u16_t in_offset, u16_t *out_offset)
{
  struct pbuf *q = in;
  unsigned int off = in_offset;
  while (q != NULL && off >= q->len) {
    off -= q->len;
    q = q->next;
  }
  if (out_offset != NULL) {
    *out_offset = (u16_t)off;
  }
  return q;
}

/* Copy @p len bytes between the chain @p p, from @p offset, and the flat
 * buffer @p buf: into the chain when @p into, out of it otherwise (then
 * the chain is only read).  @return the bytes copied, fewer when the chain
 * ends first.  The one loop behind pbuf_copy_partial and pbuf_take_at. */
static PBUF_NOINLINE_OS u16_t pbuf_copy_flat(const struct pbuf *p, u8_t *buf, u16_t len, u16_t offset, bool into)
{
  /* Counted in unsigned int: none of these can wrap, and -Os then needs no
   * truncations to u16_t. */
  unsigned int off = offset;
  unsigned int done = 0;
  for (const struct pbuf *q = p; q != NULL && done < len; q = q->next) {
    if (off >= q->len) {
      off -= q->len; /* still before the first byte */
      continue;
    }
    unsigned int n = LWIP_MIN(q->len - off, len - done);
    u8_t *c = (u8_t *)q->payload + off;
    memcpy(into ? c : buf + done, into ? buf + done : c, n);
    done += n;
    off = 0;
  }
  return (u16_t)done;
}

err_t pbuf_copy(struct pbuf *p_to, const struct pbuf *p_from)
{
  LWIP_ERROR_RET("pbuf_copy: NULL", p_to != NULL && p_from != NULL, ERR_ARG);
  unsigned int total = p_from->tot_len;
  if (p_to->tot_len < total) {
    return ERR_VAL;
  }
  /* Each destination piece is filled from its offset in the source chain. */
  unsigned int done = 0;
  for (struct pbuf *q = p_to; q != NULL && done < total; q = q->next) {
    unsigned int n = LWIP_MIN(q->len, total - done);
    if (pbuf_copy_partial(p_from, q->payload, (u16_t)n, (u16_t)done) != n) {
      return ERR_VAL; /* tot_len disagrees with the chain */
    }
    done += n;
  }
  return done == total ? ERR_OK : ERR_VAL;
}

u16_t pbuf_copy_partial(const struct pbuf *p, void *dataptr, u16_t len, u16_t offset)
{
  LWIP_ERROR_RET("pbuf_copy_partial: NULL", p != NULL && (dataptr != NULL || len == 0), 0);
  return pbuf_copy_flat(p, (u8_t *)dataptr, len, offset, false);
}

const void *pbuf_get_contiguous(const struct pbuf *p, void *buffer, size_t bufsize, u16_t len, u16_t offset)
{
  LWIP_ERROR_RET("pbuf_get_contiguous: NULL", p != NULL, NULL);
  if ((u32_t)offset + len > p->tot_len) {
    return NULL;
  }
  const struct pbuf *q = p;
  unsigned int off = offset;
  while (q != NULL && off >= q->len) {
    off -= q->len;
    q = q->next;
  }
  if (q == NULL) {
    return NULL;
  }
  if (q->len - off >= len) { /* off < q->len: no wrap */
    return (const u8_t *)q->payload + off;
  }
  if (buffer == NULL || bufsize < len) {
    return NULL;
  }
  return pbuf_copy_partial(q, buffer, len, (u16_t)off) == len ? buffer : NULL;
}

err_t pbuf_take_at(struct pbuf *buf, const void *dataptr, u16_t len, u16_t offset)
{
  LWIP_ERROR_RET("pbuf_take_at: NULL", buf != NULL && (dataptr != NULL || len == 0), ERR_VAL);
  if ((u32_t)offset + len > buf->tot_len) {
    return ERR_MEM;
  }
  /* Only read when copying into the chain. */
  u16_t done = pbuf_copy_flat(buf, (u8_t *)(mem_ptr_t)dataptr, len, offset, true);
  return done == len ? ERR_OK : ERR_MEM;
}

err_t pbuf_take(struct pbuf *buf, const void *dataptr, u16_t len)
{
  LWIP_ERROR_RET("pbuf_take: NULL", buf != NULL && (dataptr != NULL || len == 0), ERR_ARG);
  return pbuf_take_at(buf, dataptr, len, 0);
}

/* ------------------------------------------------------------------------ */
/* Byte access and search                                                   */
/* ------------------------------------------------------------------------ */

/* Address of byte @p offset of the chain, NULL past its end: the one walk
 * behind the byte accessors. */
static PBUF_NOINLINE u8_t *pbuf_byte_at(const struct pbuf *p, u16_t offset)
{
  unsigned int off = offset;
  for (; p != NULL; p = p->next) {
    if (off < p->len) {
      return (u8_t *)p->payload + off;
    }
    off -= p->len;
  }
  return NULL;
}

int pbuf_try_get_at(const struct pbuf *p, u16_t offset)
{
  const u8_t *b = pbuf_byte_at(p, offset);
  return b != NULL ? *b : -1;
}

u8_t pbuf_get_at(const struct pbuf *p, u16_t offset)
{
  const u8_t *b = pbuf_byte_at(p, offset);
  return b != NULL ? *b : 0;
}

void pbuf_put_at(struct pbuf *p, u16_t offset, u8_t data)
{
  u8_t *b = pbuf_byte_at(p, offset);
  if (b != NULL) {
    *b = data;
  }
}

u16_t pbuf_memcmp(const struct pbuf *p, u16_t offset, const void *s2, u16_t n)
{
  if (p == NULL || (u32_t)offset + n > p->tot_len || (n > 0 && s2 == NULL)) {
    return PBUF_NOT_FOUND;
  }
  const u8_t *s = s2;
  const struct pbuf *q = p;
  unsigned int off = offset;
  for (unsigned int i = 0; i < n; i++) {
    /* The first time round this also skips to @p offset. */
    while (q != NULL && off >= q->len) {
      off -= q->len;
      q = q->next;
    }
    if (q == NULL) {
      return PBUF_NOT_FOUND; /* tot_len disagrees with the chain */
    }
    if (((const u8_t *)q->payload)[off] != s[i]) {
      return (u16_t)(i + 1U);
    }
    off++;
  }
  return 0;
}

u16_t pbuf_memfind(const struct pbuf *p, const void *mem, u16_t mem_len, u16_t start_offset)
{
  if (p == NULL || (mem_len > 0 && mem == NULL)) {
    return PBUF_NOT_FOUND;
  }
  for (u32_t i = start_offset; i + mem_len <= p->tot_len; i++) {
    if (pbuf_memcmp(p, (u16_t)i, mem, mem_len) == 0) {
      return (u16_t)i;
    }
  }
  return PBUF_NOT_FOUND;
}

u16_t pbuf_strstr(const struct pbuf *p, const char *substr)
{
  if (substr == NULL) {
    return PBUF_NOT_FOUND;
  }
  /* An empty string is never found: its length minus 1 wraps to SIZE_MAX. */
  size_t len = strlen(substr);
  if (len - 1U >= PBUF_NOT_FOUND - 1U) {
    return PBUF_NOT_FOUND;
  }
  return pbuf_memfind(p, substr, (u16_t)len, 0);
}

/* ------------------------------------------------------------------------ */
/* Copies of whole packets                                                  */
/* ------------------------------------------------------------------------ */

struct pbuf *pbuf_clone(pbuf_layer l, pbuf_type type, const struct pbuf *p)
{
  LWIP_ERROR_RET("pbuf_clone: NULL", p != NULL, NULL);
  struct pbuf *q = pbuf_alloc(l, p->tot_len, type);
  if (q == NULL) {
    return NULL;
  }
  if (pbuf_copy(q, p) != ERR_OK) {
    pbuf_free(q);
    return NULL;
  }
  return q;
}

struct pbuf *pbuf_coalesce(struct pbuf *p, pbuf_layer layer)
{
  LWIP_ERROR_RET("pbuf_coalesce: NULL", p != NULL, NULL);
  if (p->next == NULL) {
    return p;
  }
  struct pbuf *q = pbuf_clone(layer, PBUF_RAM, p);
  if (q == NULL) {
    return p;
  }
  pbuf_free(p);
  return q;
}
