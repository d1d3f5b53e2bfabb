/* Unit tests for core/pbuf.c: allocation of every type and layer, chain
 * invariants, reference counting, header moves, resizing, copying, byte
 * access, searching, cloning and behaviour when memory runs out. */
#include "test_common.h"

#include <stdlib.h>

#define POOL_BUF ((u16_t)LWIP_MEM_ALIGN_SIZE(PBUF_POOL_BUFSIZE))
#define NOT_FOUND 0xffffU

static const pbuf_layer all_layers[] = {PBUF_RAW, PBUF_RAW_TX, PBUF_LINK, PBUF_IP, PBUF_TRANSPORT};

static u32_t pool_used(void) { return memp_stats(MEMP_PBUF_POOL)->used; }
static u32_t ref_used(void) { return memp_stats(MEMP_PBUF)->used; }
static u32_t heap_used(void) { return mem_stats()->used; }

/* Walk a packet and check that every pbuf's tot_len is its len plus the
 * tot_len of what follows, and that the last one has tot_len == len.
 * @return the number of payload bytes. */
static u32_t check_chain(const struct pbuf *p)
{
  u32_t total = 0;
  for (const struct pbuf *q = p; q != NULL; q = q->next) {
    if (q->next == NULL) {
      assert_int_equal(q->tot_len, q->len);
    } else {
      assert_int_equal(q->tot_len, (u32_t)q->len + q->next->tot_len);
    }
    total += q->len;
  }
  if (p != NULL) {
    assert_int_equal(total, p->tot_len);
  }
  return total;
}

/* Fill @p n bytes of @p buf with a pattern that differs at every offset
 * within 251 bytes, so misplaced copies show up. */
static void pattern(u8_t *buf, size_t n, u8_t seed)
{
  for (size_t i = 0; i < n; i++) {
    buf[i] = (u8_t)((i * 7U + seed) % 251U);
  }
}

/* A chain of PBUF_RAM pbufs with the given lengths, filled with @p data. */
static struct pbuf *ram_chain(const u16_t *lens, int n, const u8_t *data)
{
  struct pbuf *head = NULL;
  size_t off = 0;
  for (int i = 0; i < n; i++) {
    struct pbuf *q = pbuf_alloc(PBUF_RAW, lens[i], PBUF_RAM);
    assert_non_null(q);
    if (data != NULL) {
      memcpy(q->payload, data + off, lens[i]);
    }
    off += lens[i];
    if (head == NULL) {
      head = q;
    } else {
      pbuf_cat(head, q);
    }
  }
  check_chain(head);
  return head;
}

/* Bytes between the end of the struct and the payload of a RAM/POOL pbuf. */
static size_t headroom(const struct pbuf *p)
{
  return (size_t)((const u8_t *)p->payload - ((const u8_t *)p + SIZEOF_STRUCT_PBUF));
}

/* ------------------------------------------------------------------------ */

static void test_pbuf_alloc_ram_layers(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof(all_layers) / sizeof(all_layers[0]); i++) {
    pbuf_layer l = all_layers[i];
    size_t room = LWIP_MEM_ALIGN_SIZE((size_t)l);
    struct pbuf *p = pbuf_alloc(l, 100, PBUF_RAM);
    assert_non_null(p);
    assert_null(p->next);
    assert_int_equal(p->len, 100);
    assert_int_equal(p->tot_len, 100);
    assert_int_equal(p->ref, 1);
    assert_int_equal(p->type_internal, PBUF_RAM);
    assert_int_equal(p->flags, 0);
    assert_int_equal(p->if_idx, 0);
    assert_int_equal(headroom(p), room);
    /* The payload itself is usable memory. */
    memset(p->payload, 0xa5, 100);
    /* Exactly the reserved room can be claimed as headers, no more. */
    assert_int_equal(pbuf_add_header(p, (size_t)l), 0);
    assert_int_equal(p->len, 100 + (u16_t)l);
    assert_int_equal(p->tot_len, 100 + (u16_t)l);
    assert_int_equal(pbuf_add_header(p, room - (size_t)l), 0);
    assert_ptr_equal(p->payload, (u8_t *)p + SIZEOF_STRUCT_PBUF);
    assert_int_equal(pbuf_add_header(p, 1), 1);
    assert_int_equal(p->len, 100 + room);
    assert_int_equal(pbuf_free(p), 1);
  }
  assert_int_equal(heap_used(), 0);
}

static void test_pbuf_alloc_pool_layers(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof(all_layers) / sizeof(all_layers[0]); i++) {
    pbuf_layer l = all_layers[i];
    size_t room = LWIP_MEM_ALIGN_SIZE((size_t)l);
    struct pbuf *p = pbuf_alloc(l, 64, PBUF_POOL);
    assert_non_null(p);
    assert_null(p->next);
    assert_int_equal(p->len, 64);
    assert_int_equal(p->tot_len, 64);
    assert_int_equal(p->ref, 1);
    assert_int_equal(p->type_internal, PBUF_POOL);
    assert_int_equal(headroom(p), room);
    assert_int_equal(pool_used(), 1);
    assert_int_equal(pbuf_add_header(p, room), 0);
    assert_int_equal(pbuf_add_header(p, 1), 1);
    assert_int_equal(pbuf_free(p), 1);
    assert_int_equal(pool_used(), 0);
  }
}

static void test_pbuf_alloc_pool_chain(void **state)
{
  (void)state;
  /* Three buffers: the first loses its header room, the others are full
   * from their start. */
  size_t room = LWIP_MEM_ALIGN_SIZE((size_t)PBUF_TRANSPORT);
  u16_t first = (u16_t)(POOL_BUF - room);
  u16_t length = (u16_t)(first + POOL_BUF + 10);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, length, PBUF_POOL);
  assert_non_null(p);
  assert_int_equal(pbuf_clen(p), 3);
  assert_int_equal(pool_used(), 3);
  assert_int_equal(check_chain(p), length);
  assert_int_equal(p->len, first);
  assert_int_equal(p->next->len, POOL_BUF);
  assert_int_equal(p->next->next->len, 10);
  assert_int_equal(headroom(p), room);
  assert_int_equal(headroom(p->next), 0);
  assert_int_equal(headroom(p->next->next), 0);
  for (struct pbuf *q = p; q != NULL; q = q->next) {
    assert_int_equal(q->ref, 1);
    assert_int_equal(q->type_internal, PBUF_POOL);
  }
  /* Later buffers of the chain have no header room. */
  assert_int_equal(pbuf_add_header(p->next, 1), 1);
  /* A length that fills the first buffer exactly needs no second one. */
  struct pbuf *e = pbuf_alloc(PBUF_TRANSPORT, first, PBUF_POOL);
  assert_non_null(e);
  assert_int_equal(pbuf_clen(e), 1);
  assert_int_equal(pbuf_free(e), 1);
  e = pbuf_alloc(PBUF_TRANSPORT, (u16_t)(first + 1), PBUF_POOL);
  assert_non_null(e);
  assert_int_equal(pbuf_clen(e), 2);
  assert_int_equal(check_chain(e), first + 1);
  assert_int_equal(pbuf_free(e), 2);
  assert_int_equal(pbuf_free(p), 3);
  assert_int_equal(pool_used(), 0);
}

static void test_pbuf_alloc_ref_rom(void **state)
{
  (void)state;
  static const u8_t rom[] = "constant data";
  u8_t ram[32];
  for (int t = 0; t < 2; t++) {
    pbuf_type type = t ? PBUF_ROM : PBUF_REF;
    /* pbuf_alloc leaves the payload for the caller to set; the layer makes
     * no difference since no memory of ours precedes it. */
    for (size_t i = 0; i < sizeof(all_layers) / sizeof(all_layers[0]); i++) {
      struct pbuf *p = pbuf_alloc(all_layers[i], 20, type);
      assert_non_null(p);
      assert_null(p->payload);
      assert_null(p->next);
      assert_int_equal(p->len, 20);
      assert_int_equal(p->tot_len, 20);
      assert_int_equal(p->ref, 1);
      assert_int_equal(p->type_internal, type);
      assert_int_equal(ref_used(), 1);
      assert_int_equal(pbuf_free(p), 1);
    }
    void *mem = t ? (void *)(mem_ptr_t)rom : (void *)ram;
    struct pbuf *r = pbuf_alloc_reference(mem, 10, type);
    assert_non_null(r);
    assert_ptr_equal(r->payload, mem);
    assert_int_equal(r->len, 10);
    assert_int_equal(r->tot_len, 10);
    assert_int_equal(r->type_internal, type);
    assert_int_equal(pbuf_free(r), 1);
  }
  assert_int_equal(ref_used(), 0);
  assert_int_equal(pool_used(), 0);
  assert_int_equal(heap_used(), 0);
#if !LWIP_DEBUG
  /* Only REF and ROM are references; other types are refused (in debug
   * builds this is an assertion). */
  assert_null(pbuf_alloc_reference(ram, 10, PBUF_RAM));
  assert_null(pbuf_alloc_reference(ram, 10, PBUF_POOL));
#endif
}

static void test_pbuf_alloc_zero_length(void **state)
{
  (void)state;
  const pbuf_type types[] = {PBUF_RAM, PBUF_POOL, PBUF_REF, PBUF_ROM};
  for (size_t i = 0; i < 4; i++) {
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 0, types[i]);
    assert_non_null(p);
    assert_null(p->next);
    assert_int_equal(p->len, 0);
    assert_int_equal(p->tot_len, 0);
    assert_int_equal(p->ref, 1);
    assert_int_equal(pbuf_clen(p), 1);
    if (types[i] == PBUF_RAM || types[i] == PBUF_POOL) {
      /* Header room is still there for the stack to prepend headers. */
      assert_int_equal(pbuf_add_header(p, 8), 0);
      assert_int_equal(p->len, 8);
      assert_int_equal(pbuf_remove_header(p, 8), 0);
    }
    assert_int_equal(pbuf_remove_header(p, 0), 0);
    assert_int_equal(pbuf_remove_header(p, 1), 1);
    assert_int_equal(pbuf_try_get_at(p, 0), -1);
    assert_int_equal(pbuf_free(p), 1);
  }
  assert_int_equal(lwip_mem_in_use(), 0);
}

static void test_pbuf_ref_and_free(void **state)
{
  (void)state;
  assert_int_equal(pbuf_free(NULL), 0);

  struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(POOL_BUF * 2 + 1), PBUF_POOL);
  assert_non_null(p);
  assert_int_equal(pbuf_clen(p), 3);
  /* pbuf_ref() only touches the pbuf it is given. */
  pbuf_ref(p);
  assert_int_equal(p->ref, 2);
  assert_int_equal(p->next->ref, 1);
  assert_int_equal(pbuf_free(p), 0);
  assert_int_equal(p->ref, 1);
  assert_int_equal(pool_used(), 3);

  /* A second holder of the middle pbuf keeps it and its tail alive. */
  struct pbuf *mid = p->next;
  pbuf_ref(mid);
  assert_int_equal(pbuf_free(p), 1);
  assert_int_equal(pool_used(), 2);
  assert_int_equal(mid->ref, 1);
  assert_int_equal(mid->next->ref, 1);
  assert_int_equal(pbuf_free(mid), 2);
  assert_int_equal(pool_used(), 0);

  /* The same for the tail alone. */
  p = pbuf_alloc(PBUF_RAW, (u16_t)(POOL_BUF * 2 + 1), PBUF_POOL);
  assert_non_null(p);
  struct pbuf *tail = p->next->next;
  pbuf_ref(tail);
  assert_int_equal(pbuf_free(p), 2);
  assert_int_equal(pool_used(), 1);
  assert_int_equal(tail->ref, 1);
  assert_int_equal(pbuf_free(tail), 1);
  assert_int_equal(pool_used(), 0);

  /* RAM pbuf: the heap block goes back only on the last free. */
  p = pbuf_alloc(PBUF_RAW, 10, PBUF_RAM);
  assert_non_null(p);
  for (int i = 0; i < 5; i++) {
    pbuf_ref(p);
  }
  assert_int_equal(p->ref, 6);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(pbuf_free(p), 0);
  }
  assert_true(heap_used() > 0);
  assert_int_equal(pbuf_free(p), 1);
  assert_int_equal(heap_used(), 0);
}

#if !LWIP_DEBUG
/* Argument errors that debug builds turn into assertions: the other
 * builds must refuse them and leave everything as it was. */
static void test_pbuf_argument_errors(void **state)
{
  (void)state;
  struct pbuf *p = pbuf_alloc(PBUF_RAW, 10, PBUF_RAM);
  assert_non_null(p);
  /* A saturated reference count is not wrapped to 0. */
  p->ref = PBUF_REF_MAX;
  pbuf_ref(p);
  assert_int_equal(p->ref, PBUF_REF_MAX);
  p->ref = 1;
  pbuf_ref(NULL);

  /* A chain longer than a u16_t can describe is not built. */
  struct pbuf *big = pbuf_alloc_reference(p->payload, 0xfffa, PBUF_REF);
  assert_non_null(big);
  pbuf_cat(p, big);
  assert_null(p->next);
  assert_int_equal(p->tot_len, 10);
  /* Nor is a pbuf chained to itself. */
  pbuf_cat(p, p);
  assert_null(p->next);
  pbuf_chain(p, p);
  assert_int_equal(p->ref, 1);
  pbuf_cat(p, NULL);
  pbuf_cat(NULL, p);
  assert_int_equal(pbuf_free(big), 1);

  u8_t buf[4];
  assert_int_equal(pbuf_copy(NULL, p), ERR_ARG);
  assert_int_equal(pbuf_copy(p, NULL), ERR_ARG);
  assert_int_equal(pbuf_copy_partial(NULL, buf, 4, 0), 0);
  assert_int_equal(pbuf_take(NULL, buf, 4), ERR_ARG);
  assert_int_equal(pbuf_take(p, NULL, 4), ERR_ARG);
  assert_int_equal(pbuf_take_at(NULL, buf, 4, 0), ERR_VAL);
  assert_null(pbuf_get_contiguous(NULL, buf, 4, 4, 0));
  assert_null(pbuf_clone(PBUF_RAW, PBUF_RAM, NULL));
  assert_null(pbuf_coalesce(NULL, PBUF_RAW));
  assert_null(pbuf_dechain(NULL));
  assert_int_equal(pbuf_add_header(NULL, 1), 1);
  assert_int_equal(pbuf_remove_header(NULL, 1), 1);
  pbuf_realloc(NULL, 1);
  assert_null(pbuf_alloc(PBUF_RAW, 10, (pbuf_type)7));
  /* An already freed count is refused, not driven below zero. */
  p->ref = 0;
  assert_int_equal(pbuf_free(p), 0);
  assert_int_equal(p->ref, 0);
  p->ref = 1;
  assert_int_equal(pbuf_free(p), 1);
}
#endif

static void test_pbuf_free_count_saturates(void **state)
{
  (void)state;
  /* pbuf_free() reports a u8_t count: a chain of more than 255 pbufs
   * reports 255 rather than a wrapped number. */
  /* Heap pbufs, since the minimal build has only 64 pool buffers. */
  struct pbuf *p = pbuf_alloc(PBUF_RAW, 0, PBUF_RAM);
  assert_non_null(p);
  for (int i = 1; i < 300; i++) {
    struct pbuf *q = pbuf_alloc(PBUF_RAW, 1, PBUF_RAM);
    assert_non_null(q);
    pbuf_cat(p, q);
  }
  assert_int_equal(pbuf_clen(p), 300);
  assert_int_equal(p->tot_len, 299);
  assert_int_equal(pbuf_free(p), 255);
  assert_int_equal(heap_used(), 0);
}

static void test_pbuf_add_remove_header(void **state)
{
  (void)state;
  struct pbuf *p = pbuf_alloc(PBUF_IP, 50, PBUF_RAM);
  assert_non_null(p);
  u8_t *orig = p->payload;

  assert_int_equal(pbuf_remove_header(p, 10), 0);
  assert_ptr_equal(p->payload, orig + 10);
  assert_int_equal(p->len, 40);
  assert_int_equal(p->tot_len, 40);
  assert_int_equal(pbuf_add_header(p, 10), 0);
  assert_ptr_equal(p->payload, orig);
  assert_int_equal(p->len, 50);

  /* Too much to remove: refused, nothing changes. */
  assert_int_equal(pbuf_remove_header(p, 51), 1);
  assert_ptr_equal(p->payload, orig);
  assert_int_equal(p->len, 50);
  /* Removing everything is allowed. */
  assert_int_equal(pbuf_remove_header(p, 50), 0);
  assert_int_equal(p->len, 0);
  assert_int_equal(p->tot_len, 0);
  assert_int_equal(pbuf_add_header(p, 50), 0);

  /* The signed forms. */
  assert_int_equal(pbuf_header(p, -20), 0);
  assert_ptr_equal(p->payload, orig + 20);
  assert_int_equal(pbuf_header(p, 20), 0);
  assert_ptr_equal(p->payload, orig);
  assert_int_equal(pbuf_header(p, 0), 0);
  assert_int_equal(pbuf_header(p, -51), 1);
  assert_int_equal(pbuf_header_force(p, -5), 0);
  assert_int_equal(pbuf_header_force(p, 5), 0);
  assert_ptr_equal(p->payload, orig);

  /* More header room than reserved: refused, nothing changes. */
  size_t room = LWIP_MEM_ALIGN_SIZE((size_t)PBUF_IP);
  assert_int_equal(pbuf_add_header(p, room + 1), 1);
  assert_int_equal(pbuf_header(p, (s16_t)(room + 1)), 1);
  assert_int_equal(pbuf_add_header_force(p, room + 1), 1);
  assert_ptr_equal(p->payload, orig);
  assert_int_equal(p->len, 50);
  assert_int_equal(pbuf_add_header(p, 0), 0);
  assert_int_equal(pbuf_free(p), 1);

  /* A header that would push tot_len past 0xffff is refused. */
  p = pbuf_alloc(PBUF_RAW, 0xfff0, PBUF_RAM);
  if (p != NULL) {
    assert_int_equal(pbuf_remove_header(p, 8), 0);
    assert_int_equal(pbuf_add_header(p, 8), 0);
    assert_int_equal(p->tot_len, 0xfff0);
    assert_int_equal(pbuf_free(p), 1);
  }
  p = pbuf_alloc(PBUF_TRANSPORT, 0xfff0, PBUF_RAM);
  if (p != NULL) {
    assert_int_equal(pbuf_add_header(p, 0x10), 1);
    assert_int_equal(p->tot_len, 0xfff0);
    assert_int_equal(pbuf_add_header(p, 0xf), 0);
    assert_int_equal(p->tot_len, 0xffff);
    assert_int_equal(pbuf_add_header(p, 1), 1);
    assert_int_equal(p->tot_len, 0xffff);
    assert_int_equal(pbuf_free(p), 1);
  }

  /* On a chain only the first pbuf moves, and tot_len stays consistent. */
  p = pbuf_alloc(PBUF_LINK, (u16_t)(POOL_BUF + 100), PBUF_POOL);
  assert_non_null(p);
  u16_t first = p->len;
  assert_int_equal(pbuf_remove_header(p, 14), 0);
  check_chain(p);
  assert_int_equal(p->tot_len, POOL_BUF + 100 - 14);
  assert_int_equal(pbuf_remove_header(p, (size_t)first), 1); /* beyond the first pbuf */
  assert_int_equal(pbuf_add_header(p, 14 + 2), 0);            /* the 16 aligned bytes */
  check_chain(p);
  assert_int_equal(p->tot_len, POOL_BUF + 100 + 2);
  assert_int_equal(pbuf_free(p), 2);
}

static void test_pbuf_header_ref_rom(void **state)
{
  (void)state;
  u8_t frame[64];
  pattern(frame, sizeof(frame), 1);
  for (int t = 0; t < 2; t++) {
    pbuf_type type = t ? PBUF_ROM : PBUF_REF;
    struct pbuf *p = pbuf_alloc_reference(frame + 14, 50, type);
    assert_non_null(p);
    /* The bytes in front of the payload are not ours: refused even though
     * the memory exists, by both forms. */
    assert_int_equal(pbuf_add_header(p, 14), 1);
    assert_int_equal(pbuf_header(p, 14), 1);
    assert_ptr_equal(p->payload, frame + 14);
    assert_int_equal(p->len, 50);
    /* Hiding and then restoring a header the stack removed itself. */
    assert_int_equal(pbuf_remove_header(p, 20), 0);
    assert_ptr_equal(p->payload, frame + 34);
    assert_int_equal(p->len, 30);
    assert_int_equal(p->tot_len, 30);
    assert_int_equal(pbuf_add_header(p, 20), 1);
    assert_int_equal(pbuf_add_header_force(p, 20), 0);
    assert_ptr_equal(p->payload, frame + 14);
    assert_int_equal(p->len, 50);
    assert_int_equal(pbuf_header_force(p, 14), 0);
    assert_ptr_equal(p->payload, frame);
    assert_int_equal(p->tot_len, 64);
    assert_int_equal(pbuf_get_at(p, 0), frame[0]);
    assert_int_equal(pbuf_header_force(p, -14), 0);
    assert_int_equal(pbuf_remove_header(p, 51), 1);
    assert_int_equal(pbuf_free(p), 1);
  }
  assert_int_equal(ref_used(), 0);
}

static void test_pbuf_free_header(void **state)
{
  (void)state;
  u8_t data[60];
  pattern(data, sizeof(data), 3);
  const u16_t lens[] = {10, 20, 30};

  /* Nothing to drop: same head. */
  struct pbuf *p = ram_chain(lens, 3, data);
  assert_ptr_equal(pbuf_free_header(p, 0), p);

  /* Within the first pbuf: it only moves its payload. */
  struct pbuf *q = pbuf_free_header(p, 4);
  assert_ptr_equal(q, p);
  assert_int_equal(q->len, 6);
  assert_int_equal(q->tot_len, 56);
  check_chain(q);
  assert_int_equal(pbuf_get_at(q, 0), data[4]);

  /* Exactly the rest of the first pbuf: it is freed. */
  struct pbuf *second = p->next;
  q = pbuf_free_header(q, 6);
  assert_ptr_equal(q, second);
  assert_int_equal(q->ref, 1);
  assert_int_equal(q->tot_len, 50);
  assert_int_equal(pbuf_get_at(q, 0), data[10]);
  check_chain(q);

  /* Across a boundary into the third. */
  struct pbuf *third = q->next;
  q = pbuf_free_header(q, 25);
  assert_ptr_equal(q, third);
  assert_int_equal(q->len, 25);
  assert_int_equal(q->tot_len, 25);
  assert_int_equal(pbuf_get_at(q, 0), data[35]);
  assert_int_equal(pbuf_clen(q), 1);

  /* Everything (and more than everything): NULL, all freed. */
  q = pbuf_free_header(q, 1000);
  assert_null(q);
  assert_int_equal(heap_used(), 0);

  p = ram_chain(lens, 3, data);
  assert_null(pbuf_free_header(p, 60));
  assert_int_equal(heap_used(), 0);
  assert_null(pbuf_free_header(NULL, 5));
}

static void test_pbuf_realloc(void **state)
{
  (void)state;
  /* A single RAM pbuf gives memory back to the heap. */
  struct pbuf *p = pbuf_alloc(PBUF_IP, 1500, PBUF_RAM);
  assert_non_null(p);
  u32_t before = heap_used();
  pbuf_realloc(p, 100);
  assert_int_equal(p->len, 100);
  assert_int_equal(p->tot_len, 100);
  assert_true(heap_used() < before);
  /* The kept bytes are still writable (ASan would catch a bad trim). */
  memset(p->payload, 0x11, 100);
  /* Growing is not possible. */
  pbuf_realloc(p, 200);
  assert_int_equal(p->len, 100);
  assert_int_equal(p->tot_len, 100);
  pbuf_realloc(p, 100);
  assert_int_equal(p->len, 100);
  pbuf_realloc(p, 0);
  assert_int_equal(p->len, 0);
  assert_int_equal(p->tot_len, 0);
  assert_int_equal(pbuf_free(p), 1);
  assert_int_equal(heap_used(), 0);

  /* Pool chain, new end inside the second pbuf: the third is freed. */
  u16_t len3 = (u16_t)(POOL_BUF * 2 + 50);
  p = pbuf_alloc(PBUF_RAW, len3, PBUF_POOL);
  assert_non_null(p);
  assert_int_equal(pbuf_clen(p), 3);
  pbuf_realloc(p, (u16_t)(POOL_BUF + 7));
  assert_int_equal(pbuf_clen(p), 2);
  assert_int_equal(check_chain(p), POOL_BUF + 7);
  assert_int_equal(p->next->len, 7);
  assert_int_equal(pool_used(), 2);
  /* New end exactly at the first pbuf's end: no empty second pbuf left. */
  pbuf_realloc(p, POOL_BUF);
  assert_int_equal(pbuf_clen(p), 1);
  assert_int_equal(check_chain(p), POOL_BUF);
  assert_int_equal(pool_used(), 1);
  assert_int_equal(pbuf_free(p), 1);

  /* Shrink to zero frees everything after the head. */
  p = pbuf_alloc(PBUF_RAW, len3, PBUF_POOL);
  assert_non_null(p);
  pbuf_realloc(p, 0);
  assert_int_equal(pbuf_clen(p), 1);
  assert_int_equal(p->len, 0);
  assert_int_equal(p->tot_len, 0);
  assert_int_equal(pool_used(), 1);
  assert_int_equal(pbuf_free(p), 1);

  /* Mixed chain of RAM pbufs: the one holding the new end is trimmed in
   * place, and its data before the cut survives. */
  u8_t data[1600];
  pattern(data, sizeof(data), 9);
  const u16_t lens[] = {100, 1000, 500};
  p = ram_chain(lens, 3, data);
  before = heap_used();
  pbuf_realloc(p, 300);
  assert_int_equal(pbuf_clen(p), 2);
  assert_int_equal(check_chain(p), 300);
  assert_int_equal(p->next->len, 200);
  assert_true(heap_used() < before);
  u8_t out[300];
  assert_int_equal(pbuf_copy_partial(p, out, 300, 0), 300);
  assert_memory_equal(out, data, 300);
  assert_int_equal(pbuf_free(p), 2);
  assert_int_equal(heap_used(), 0);
}

static void test_pbuf_cat_chain_dechain(void **state)
{
  (void)state;
  u8_t data[100];
  pattern(data, sizeof(data), 5);
  const u16_t l1[] = {10, 15};
  const u16_t l2[] = {25, 50};
  struct pbuf *h = ram_chain(l1, 2, data);
  struct pbuf *t = ram_chain(l2, 2, data + 25);

  /* cat: t's reference passes to h; all tot_lens of h grow. */
  pbuf_cat(h, t);
  assert_int_equal(pbuf_clen(h), 4);
  assert_int_equal(check_chain(h), 100);
  assert_int_equal(h->next->tot_len, 90);
  assert_int_equal(t->ref, 1);
  u8_t out[100];
  assert_int_equal(pbuf_copy_partial(h, out, 100, 0), 100);
  assert_memory_equal(out, data, 100);
  assert_int_equal(pbuf_free(h), 4);
  assert_int_equal(heap_used(), 0);

  /* chain: the caller keeps its own reference to t. */
  h = ram_chain(l1, 2, data);
  t = ram_chain(l2, 2, data + 25);
  pbuf_chain(h, t);
  assert_int_equal(t->ref, 2);
  assert_int_equal(t->next->ref, 1);
  assert_int_equal(check_chain(h), 100);
  assert_int_equal(pbuf_free(h), 2); /* stops at t, still held by us */
  assert_int_equal(t->ref, 1);
  assert_int_equal(t->tot_len, 75);
  assert_int_equal(pbuf_free(t), 2);
  assert_int_equal(heap_used(), 0);

  /* dechain: the first pbuf alone, the rest keeps its own reference and
   * its own tot_len. */
  h = ram_chain(l1, 2, data);
  t = ram_chain(l2, 2, data + 25);
  pbuf_cat(h, t);
  struct pbuf *rest = pbuf_dechain(h);
  assert_non_null(rest);
  assert_null(h->next);
  assert_int_equal(h->tot_len, 10);
  assert_int_equal(rest->tot_len, 90);
  assert_int_equal(rest->ref, 1);
  assert_int_equal(check_chain(rest), 90);
  assert_int_equal(pbuf_get_at(rest, 0), data[10]);
  assert_null(pbuf_dechain(h));
  assert_int_equal(h->tot_len, 10);
  assert_int_equal(pbuf_free(h), 1);
  assert_int_equal(pbuf_free(rest), 3);
  assert_int_equal(heap_used(), 0);

  /* Chaining onto a single pbuf and cat of zero-length pbufs. */
  h = pbuf_alloc(PBUF_RAW, 0, PBUF_RAM);
  t = pbuf_alloc(PBUF_RAW, 0, PBUF_POOL);
  assert_non_null(h);
  assert_non_null(t);
  pbuf_cat(h, t);
  assert_int_equal(pbuf_clen(h), 2);
  assert_int_equal(h->tot_len, 0);
  assert_int_equal(pbuf_free(h), 2);
  assert_int_equal(lwip_mem_in_use(), 0);
}

static void test_pbuf_copy(void **state)
{
  (void)state;
  u8_t data[300];
  pattern(data, sizeof(data), 11);
  const u16_t src_lens[] = {7, 1, 100, 92};   /* 200 */
  const u16_t dst_lens[] = {33, 33, 33, 150}; /* 249 */
  struct pbuf *src = ram_chain(src_lens, 4, data);
  struct pbuf *dst = ram_chain(dst_lens, 4, NULL);
  for (struct pbuf *q = dst; q != NULL; q = q->next) {
    memset(q->payload, 0xee, q->len);
  }
  assert_int_equal(pbuf_copy(dst, src), ERR_OK);
  u8_t out[249];
  assert_int_equal(pbuf_copy_partial(dst, out, 249, 0), 249);
  assert_memory_equal(out, data, 200);
  for (int i = 200; i < 249; i++) {
    assert_int_equal(out[i], 0xee); /* untouched past the copied bytes */
  }
  /* The destination too short: refused before writing anything. */
  assert_int_equal(pbuf_copy(src, dst), ERR_VAL);
  assert_int_equal(pbuf_memcmp(src, 0, data, 200), 0);
  pbuf_free(dst);

  /* Equal lengths with pbuf boundaries in the same places. */
  dst = ram_chain(src_lens, 4, NULL);
  assert_int_equal(pbuf_copy(dst, src), ERR_OK);
  assert_int_equal(pbuf_memcmp(dst, 0, data, 200), 0);
  pbuf_free(dst);

  /* copy_partial at every offset and length around the boundaries. */
  for (u16_t off = 0; off <= 200; off = (u16_t)(off + 1)) {
    u8_t buf[210];
    u16_t want = (u16_t)(off < 190 ? 10 : 200 - off);
    assert_int_equal(pbuf_copy_partial(src, buf, 10, off), want);
    assert_memory_equal(buf, data + off, want);
  }
  u8_t buf[250];
  assert_int_equal(pbuf_copy_partial(src, buf, 250, 0), 200);
  assert_memory_equal(buf, data, 200);
  assert_int_equal(pbuf_copy_partial(src, buf, 5, 200), 0);
  assert_int_equal(pbuf_copy_partial(src, buf, 5, 60000), 0);
  assert_int_equal(pbuf_copy_partial(src, buf, 0, 3), 0);
  pbuf_free(src);
  assert_int_equal(heap_used(), 0);
}

static void test_pbuf_take(void **state)
{
  (void)state;
  u8_t data[120];
  pattern(data, sizeof(data), 13);
  const u16_t lens[] = {3, 40, 57}; /* 100 */
  struct pbuf *p = ram_chain(lens, 3, NULL);
  for (struct pbuf *q = p; q != NULL; q = q->next) {
    memset(q->payload, 0, q->len);
  }
  assert_int_equal(pbuf_take(p, data, 100), ERR_OK);
  assert_int_equal(pbuf_memcmp(p, 0, data, 100), 0);
  assert_int_equal(pbuf_take(p, data, 101), ERR_MEM);
  assert_int_equal(pbuf_take(p, data, 0), ERR_OK);

  /* take_at straddling two boundaries. */
  u8_t x[50];
  memset(x, 0x5a, sizeof(x));
  assert_int_equal(pbuf_take_at(p, x, 50, 2), ERR_OK);
  u8_t out[100];
  pbuf_copy_partial(p, out, 100, 0);
  assert_memory_equal(out, data, 2);
  assert_memory_equal(out + 2, x, 50);
  assert_memory_equal(out + 52, data + 52, 48);
  /* Up to the very end works; one byte more does not and writes nothing. */
  assert_int_equal(pbuf_take_at(p, data, 10, 90), ERR_OK);
  assert_int_equal(pbuf_take_at(p, x, 11, 90), ERR_MEM);
  assert_int_equal(pbuf_take_at(p, x, 1, 100), ERR_MEM);
  assert_int_equal(pbuf_take_at(p, x, 1, 0xffff), ERR_MEM);
  pbuf_copy_partial(p, out, 100, 0);
  assert_memory_equal(out + 90, data, 10);
  pbuf_free(p);
  assert_int_equal(heap_used(), 0);
}

static void test_pbuf_get_contiguous(void **state)
{
  (void)state;
  u8_t data[30];
  pattern(data, sizeof(data), 17);
  const u16_t lens[] = {10, 20};
  struct pbuf *p = ram_chain(lens, 2, data);
  u8_t buf[16];

  /* Inside one pbuf: a pointer into it, the buffer is not needed. */
  const u8_t *r = pbuf_get_contiguous(p, NULL, 0, 10, 0);
  assert_ptr_equal(r, p->payload);
  r = pbuf_get_contiguous(p, buf, sizeof(buf), 5, 12);
  assert_ptr_equal(r, (u8_t *)p->next->payload + 2);
  r = pbuf_get_contiguous(p, buf, sizeof(buf), 20, 10);
  assert_ptr_equal(r, p->next->payload);

  /* Straddling: copied into the buffer. */
  memset(buf, 0, sizeof(buf));
  r = pbuf_get_contiguous(p, buf, sizeof(buf), 6, 7);
  assert_ptr_equal(r, buf);
  assert_memory_equal(buf, data + 7, 6);
  r = pbuf_get_contiguous(p, buf, 6, 6, 7); /* exactly big enough */
  assert_ptr_equal(r, buf);
  /* Buffer missing or too small. */
  assert_null(pbuf_get_contiguous(p, buf, 5, 6, 7));
  assert_null(pbuf_get_contiguous(p, NULL, 16, 6, 7));
  /* Past the end. */
  assert_null(pbuf_get_contiguous(p, buf, sizeof(buf), 1, 30));
  assert_null(pbuf_get_contiguous(p, buf, sizeof(buf), 11, 20));
  assert_null(pbuf_get_contiguous(p, buf, sizeof(buf), 1, 0xffff));
  assert_non_null(pbuf_get_contiguous(p, buf, sizeof(buf), 10, 20));
  pbuf_free(p);
}

static void test_pbuf_byte_access(void **state)
{
  (void)state;
  u8_t data[64];
  pattern(data, sizeof(data), 19);
  const u16_t lens[] = {1, 31, 32};
  struct pbuf *p = ram_chain(lens, 3, data);
  for (u16_t i = 0; i < 64; i++) {
    assert_int_equal(pbuf_get_at(p, i), data[i]);
    assert_int_equal(pbuf_try_get_at(p, i), data[i]);
  }
  /* Past the end. */
  assert_int_equal(pbuf_get_at(p, 64), 0);
  assert_int_equal(pbuf_try_get_at(p, 64), -1);
  assert_int_equal(pbuf_try_get_at(p, 0xffff), -1);

  /* A 0xff byte reads back as 255, not as the -1 of "past the end". */
  pbuf_put_at(p, 40, 0xff);
  assert_int_equal(pbuf_try_get_at(p, 40), 0xff);
  data[40] = 0xff;
  for (u16_t i = 0; i < 64; i++) {
    pbuf_put_at(p, i, (u8_t)~data[i]);
  }
  /* Writes past the end go nowhere. */
  pbuf_put_at(p, 64, 0x42);
  pbuf_put_at(p, 0xffff, 0x42);
  u8_t out[64];
  pbuf_copy_partial(p, out, 64, 0);
  for (int i = 0; i < 64; i++) {
    assert_int_equal(out[i], (u8_t)~data[i]);
  }

  /* pbuf_skip reports the pbuf and the offset within it. */
  u16_t off = 0xabcd;
  assert_ptr_equal(pbuf_skip(p, 0, &off), p);
  assert_int_equal(off, 0);
  assert_ptr_equal(pbuf_skip(p, 1, &off), p->next);
  assert_int_equal(off, 0);
  assert_ptr_equal(pbuf_skip(p, 40, &off), p->next->next);
  assert_int_equal(off, 8);
  assert_null(pbuf_skip(p, 64, &off));
  assert_ptr_equal(pbuf_skip(p, 63, NULL), p->next->next);
  pbuf_free(p);
}

static void test_pbuf_memcmp_memfind(void **state)
{
  (void)state;
  static const char text[] = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n";
  u16_t n = (u16_t)(sizeof(text) - 1);
  const u16_t lens[] = {5, 6, (u16_t)(n - 11)};
  struct pbuf *p = ram_chain(lens, 3, (const u8_t *)text);

  assert_int_equal(pbuf_memcmp(p, 0, text, n), 0);
  assert_int_equal(pbuf_memcmp(p, 4, "/index", 6), 0); /* across a boundary */
  assert_int_equal(pbuf_memcmp(p, 4, "/indeX", 6), 6);
  assert_int_equal(pbuf_memcmp(p, 0, "XET", 3), 1);
  assert_int_equal(pbuf_memcmp(p, 0, "GEX", 3), 3);
  assert_int_equal(pbuf_memcmp(p, 0, "", 0), 0);
  assert_int_equal(pbuf_memcmp(p, n, "", 0), 0);
  /* Longer than the chain: 0xffff, even when the bytes present match. */
  assert_int_equal(pbuf_memcmp(p, (u16_t)(n - 2), "\r\n\r", 3), NOT_FOUND);
  assert_int_equal(pbuf_memcmp(p, 0xffff, "G", 1), NOT_FOUND);

  assert_int_equal(pbuf_memfind(p, "GET", 3, 0), 0);
  assert_int_equal(pbuf_memfind(p, "/index", 6, 0), 4);
  assert_int_equal(pbuf_memfind(p, "\r\n", 2, 0), 24);
  assert_int_equal(pbuf_memfind(p, "\r\n", 2, 25), 33);
  assert_int_equal(pbuf_memfind(p, "\r\n\r\n", 4, 0), (u16_t)(n - 4)); /* at the very end */
  assert_int_equal(pbuf_memfind(p, "\r\n\r\n", 4, (u16_t)(n - 3)), NOT_FOUND);
  assert_int_equal(pbuf_memfind(p, "HTTP/2", 6, 0), NOT_FOUND);
  assert_int_equal(pbuf_memfind(p, "GET", 3, 1), NOT_FOUND);
  assert_int_equal(pbuf_memfind(p, "GET", 3, 0xffff), NOT_FOUND);

  assert_int_equal(pbuf_strstr(p, "Host"), 26);
  assert_int_equal(pbuf_strstr(p, "ET /i"), 1);
  assert_int_equal(pbuf_strstr(p, "host"), NOT_FOUND);
  assert_int_equal(pbuf_strstr(p, ""), NOT_FOUND);
  assert_int_equal(pbuf_strstr(p, NULL), NOT_FOUND);
  assert_int_equal(pbuf_strstr(NULL, "GET"), NOT_FOUND);
  pbuf_free(p);
}

static void test_pbuf_clone_coalesce(void **state)
{
  (void)state;
  u8_t data[200];
  pattern(data, sizeof(data), 23);
  const u16_t lens[] = {50, 1, 149};
  struct pbuf *p = ram_chain(lens, 3, data);

  struct pbuf *c = pbuf_clone(PBUF_TRANSPORT, PBUF_RAM, p);
  assert_non_null(c);
  assert_null(c->next);
  assert_int_equal(c->len, 200);
  assert_int_equal(c->tot_len, 200);
  assert_int_equal(c->ref, 1);
  assert_int_equal(c->type_internal, PBUF_RAM);
  assert_int_equal(headroom(c), LWIP_MEM_ALIGN_SIZE((size_t)PBUF_TRANSPORT));
  assert_memory_equal(c->payload, data, 200);
  assert_int_equal(pbuf_clen(p), 3); /* the original is untouched */
  assert_int_equal(p->ref, 1);
  pbuf_free(c);

  c = pbuf_clone(PBUF_RAW, PBUF_POOL, p);
  assert_non_null(c);
  assert_int_equal(c->type_internal, PBUF_POOL);
  assert_int_equal(c->tot_len, 200);
  assert_int_equal(pbuf_memcmp(c, 0, data, 200), 0);
  pbuf_free(c);

  /* A single pbuf is returned as it is. */
  struct pbuf *s = pbuf_alloc(PBUF_RAW, 10, PBUF_POOL);
  assert_non_null(s);
  assert_ptr_equal(pbuf_coalesce(s, PBUF_RAW), s);
  pbuf_free(s);

  /* A chain becomes one RAM pbuf and the chain is freed. */
  u32_t before = heap_used();
  c = pbuf_coalesce(p, PBUF_IP);
  assert_non_null(c);
  assert_ptr_not_equal(c, p);
  assert_null(c->next);
  assert_int_equal(c->len, 200);
  assert_int_equal(c->type_internal, PBUF_RAM);
  assert_memory_equal(c->payload, data, 200);
  assert_int_equal(pbuf_add_header(c, LWIP_MEM_ALIGN_SIZE((size_t)PBUF_IP)), 0);
  assert_true(heap_used() < before + 200 + 100);
  pbuf_free(c);
  assert_int_equal(lwip_mem_in_use(), 0);
}

static void test_pbuf_alloc_failures(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  /* Each type fails cleanly when its one allocation fails, and the next
   * attempt succeeds (the hook is one-shot). */
  const pbuf_type types[] = {PBUF_RAM, PBUF_POOL, PBUF_REF, PBUF_ROM};
  for (size_t i = 0; i < 4; i++) {
    lwip_alloc_fail_after(1);
    assert_null(pbuf_alloc(PBUF_IP, 100, types[i]));
    assert_int_equal(lwip_mem_in_use(), 0);
    struct pbuf *p = pbuf_alloc(PBUF_IP, 100, types[i]);
    assert_non_null(p);
    pbuf_free(p);
  }
  u8_t buf[8];
  lwip_alloc_fail_after(1);
  assert_null(pbuf_alloc_reference(buf, 8, PBUF_REF));
  assert_int_equal(ref_used(), 0);

  /* A pool chain failing at its second or third buffer gives back the
   * buffers it already had. */
  u16_t len3 = (u16_t)(POOL_BUF * 2 + 1);
  for (u32_t n = 1; n <= 3; n++) {
    lwip_alloc_fail_after(n);
    assert_null(pbuf_alloc(PBUF_RAW, len3, PBUF_POOL));
    assert_int_equal(pool_used(), 0);
  }
  lwip_alloc_fail_after(4);
  struct pbuf *p = pbuf_alloc(PBUF_RAW, len3, PBUF_POOL);
  assert_non_null(p);
  assert_int_equal(pbuf_clen(p), 3);
  lwip_alloc_fail_after(0);

  /* clone and coalesce. */
  lwip_alloc_fail_after(1);
  assert_null(pbuf_clone(PBUF_RAW, PBUF_RAM, p));
  lwip_alloc_fail_after(1);
  assert_ptr_equal(pbuf_coalesce(p, PBUF_RAW), p); /* unchanged on failure */
  assert_int_equal(pbuf_clen(p), 3);
  assert_int_equal(pool_used(), 3);
  assert_int_equal(heap_used(), 0);
  pbuf_free(p);
#else
  skip();
#endif
}

static void test_pbuf_pool_exhaustion(void **state)
{
  (void)state;
  static struct pbuf *held[PBUF_POOL_SIZE + 1];
  u32_t avail = memp_stats(MEMP_PBUF_POOL)->avail;
  assert_int_equal(avail, PBUF_POOL_SIZE);
  u32_t n = 0;
  while (n <= PBUF_POOL_SIZE) {
    held[n] = pbuf_alloc(PBUF_RAW, 1, PBUF_POOL);
    if (held[n] == NULL) {
      break;
    }
    n++;
  }
  assert_int_equal(n, PBUF_POOL_SIZE);
  assert_int_equal(pool_used(), PBUF_POOL_SIZE);
  assert_null(pbuf_alloc(PBUF_RAW, 0, PBUF_POOL));
  /* Other kinds are unaffected. */
  struct pbuf *r = pbuf_alloc(PBUF_RAW, 10, PBUF_RAM);
  assert_non_null(r);
  pbuf_free(r);

  /* Two buffers free: a three-buffer chain fails and keeps none. */
  pbuf_free(held[--n]);
  pbuf_free(held[--n]);
  assert_null(pbuf_alloc(PBUF_RAW, (u16_t)(POOL_BUF * 2 + 1), PBUF_POOL));
  assert_int_equal(pool_used(), PBUF_POOL_SIZE - 2);
  held[n] = pbuf_alloc(PBUF_RAW, (u16_t)(POOL_BUF + 1), PBUF_POOL);
  assert_non_null(held[n]);
  assert_int_equal(pool_used(), PBUF_POOL_SIZE);
  n++;

  while (n > 0) {
    assert_true(pbuf_free(held[--n]) >= 1);
  }
  assert_int_equal(pool_used(), 0);
  /* All usable again. */
  struct pbuf *p = pbuf_alloc(PBUF_RAW, 1, PBUF_POOL);
  assert_non_null(p);
  pbuf_free(p);

  /* The reference-header pool runs out the same way. */
  static struct pbuf *refs[MEMP_NUM_PBUF + 1];
  u32_t k = 0;
  while (k <= MEMP_NUM_PBUF) {
    refs[k] = pbuf_alloc(PBUF_RAW, 4, k & 1 ? PBUF_ROM : PBUF_REF);
    if (refs[k] == NULL) {
      break;
    }
    k++;
  }
  assert_int_equal(k, MEMP_NUM_PBUF);
  while (k > 0) {
    assert_int_equal(pbuf_free(refs[--k]), 1);
  }
  assert_int_equal(ref_used(), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_pbuf_alloc_ram_layers, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_alloc_pool_layers, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_alloc_pool_chain, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_alloc_ref_rom, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_alloc_zero_length, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_ref_and_free, test_setup, test_teardown),
#if !LWIP_DEBUG
    cmocka_unit_test_setup_teardown(test_pbuf_argument_errors, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_pbuf_free_count_saturates, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_add_remove_header, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_header_ref_rom, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_free_header, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_realloc, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_cat_chain_dechain, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_copy, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_take, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_get_contiguous, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_byte_access, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_memcmp_memfind, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_clone_coalesce, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_alloc_failures, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pbuf_pool_exhaustion, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("pbuf", tests, NULL, NULL);
}
