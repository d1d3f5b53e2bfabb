/*
 * Unit tests of the heap (mem.c), the pools (memp.c) and the allocation
 * failure hook.  Each case runs in both builds: static heap/pools and
 * malloc_pools; cases about fragmentation of the static heap are limited to
 * that build, since libc blocks do not fragment the accounted budget.
 */
#include "test_common.h"

#include "lwip/init.h"

#define HEAP_HDR_MAX 64 /* generous bound on the per-block overhead */

static const struct stats_mem *heap(void) { return mem_stats(); }

static void fill(void *p, size_t n, u8_t v) { memset(p, v, n); }

static void assert_filled(const void *p, size_t n, u8_t v)
{
  const u8_t *b = p;
  for (size_t i = 0; i < n; i++) {
    if (b[i] != v) {
      fail_msg("byte %lu is 0x%02x, expected 0x%02x", (unsigned long)i, b[i], v);
    }
  }
}

/* ---------------- heap ---------------- */

static void test_mem_stats_initial(void **state)
{
  (void)state;
  assert_string_equal(heap()->name, "HEAP");
  assert_int_equal(heap()->avail, MEM_SIZE);
  assert_int_equal(heap()->used, 0);
  assert_int_equal(heap()->err, 0);
  assert_int_equal(heap()->illegal, 0);
}

static void test_mem_malloc_free(void **state)
{
  (void)state;
  assert_null(mem_malloc(0));
  assert_int_equal(heap()->err, 0);

  const size_t sizes[] = {1, 7, 8, 9, 63, 64, 65, 100, 1000, 1001};
  void *blocks[LWIP_ARRAYSIZE(sizes)];
  u32_t used = 0;
  for (size_t i = 0; i < LWIP_ARRAYSIZE(sizes); i++) {
    blocks[i] = mem_malloc(sizes[i]);
    assert_non_null(blocks[i]);
    assert_int_equal((mem_ptr_t)blocks[i] % MEM_ALIGNMENT, 0);
    fill(blocks[i], sizes[i], (u8_t)(i + 1));
    /* Each block costs at least its aligned size, and a bounded overhead. */
    u32_t cost = heap()->used - used;
    assert_true(cost >= LWIP_MEM_ALIGN_SIZE(sizes[i]));
    assert_true(cost <= LWIP_MEM_ALIGN_SIZE(sizes[i]) + HEAP_HDR_MAX);
    used = heap()->used;
  }
  assert_int_equal(heap()->max, used);
  for (size_t i = 0; i < LWIP_ARRAYSIZE(sizes); i++) {
    assert_filled(blocks[i], sizes[i], (u8_t)(i + 1)); /* no overlap */
  }
  /* Free in a mixed order: odd ones first, then the even ones. */
  for (size_t i = 1; i < LWIP_ARRAYSIZE(sizes); i += 2) {
    mem_free(blocks[i]);
  }
  for (size_t i = 0; i < LWIP_ARRAYSIZE(sizes); i += 2) {
    mem_free(blocks[i]);
  }
  assert_int_equal(heap()->used, 0);
  assert_int_equal(heap()->max, used); /* high-water mark stays */
  assert_int_equal(heap()->illegal, 0);
  mem_free(NULL); /* ignored */
  assert_int_equal(heap()->illegal, 0);
}

static void test_mem_exhaustion(void **state)
{
  (void)state;
  static void *blocks[64];
  const size_t size = MEM_SIZE / 50;
  size_t n = 0;
  for (;;) {
    assert_true(n < LWIP_ARRAYSIZE(blocks));
    void *p = mem_malloc(size);
    if (p == NULL) {
      break;
    }
    blocks[n++] = p;
  }
  /* Everything fits in MEM_SIZE bytes, and nearly all of it is usable. */
  assert_true(n * size <= MEM_SIZE);
  assert_true((n + 1) * (size + HEAP_HDR_MAX) > MEM_SIZE);
  assert_int_equal(heap()->err, 1);
  assert_true(heap()->used <= MEM_SIZE);
  assert_int_equal(heap()->max, heap()->used);
  /* A block that does fit in what is left still succeeds. */
  size_t rest = MEM_SIZE - heap()->used;
  if (rest > 2 * HEAP_HDR_MAX) {
    void *small = mem_malloc(rest - 2 * HEAP_HDR_MAX);
    assert_non_null(small);
    mem_free(small);
  }
  for (size_t i = 0; i < n; i++) {
    mem_free(blocks[i]);
  }
  assert_int_equal(heap()->used, 0);
  /* Requests that can never fit fail without side effects. */
  u32_t err = heap()->err;
  assert_null(mem_malloc(MEM_SIZE + 1));
  assert_null(mem_malloc(MEM_SIZE));
  assert_null(mem_malloc(SIZE_MAX));
  assert_null(mem_malloc(SIZE_MAX - 3));
  assert_int_equal(heap()->err, err + 4);
  assert_int_equal(heap()->used, 0);
}

/* After everything is freed, the neighbours must have merged back into one
 * block that holds nearly the whole heap. */
static void test_mem_merge(void **state)
{
  (void)state;
  enum { N = 32 };
  void *b[N];
  for (int i = 0; i < N; i++) {
    b[i] = mem_malloc(MEM_SIZE / (N + 2));
    assert_non_null(b[i]);
  }
  /* Free in an order that exercises merging with the next block, the
   * previous block, and both at once. */
  static const int order[N] = {3, 5, 4, 0, 1, 2, 31, 30, 10, 12, 11, 6, 8, 7, 9, 13,
                               29, 14, 28, 15, 27, 16, 26, 17, 25, 18, 24, 19, 23, 20, 22, 21};
  for (int i = 0; i < N; i++) {
    mem_free(b[order[i]]);
  }
  assert_int_equal(heap()->used, 0);
  void *big = mem_malloc(MEM_SIZE - HEAP_HDR_MAX);
  assert_non_null(big);
  fill(big, MEM_SIZE - HEAP_HDR_MAX, 0x5a);
  mem_free(big);
  assert_int_equal(heap()->used, 0);
}

static void test_mem_fragmentation(void **state)
{
  (void)state;
#if LWIP_MALLOC_POOLS
  skip(); /* libc blocks do not fragment the accounted budget */
#else
  size_t s = (MEM_SIZE - 4 * HEAP_HDR_MAX) / 3;
  void *a = mem_malloc(s);
  void *b = mem_malloc(s);
  void *c = mem_malloc(s);
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(c);
  mem_free(a);
  mem_free(c);
  /* Two holes of about s bytes each, but no single one of 1.5 s. */
  u32_t err = heap()->err;
  assert_null(mem_malloc(s + s / 2));
  assert_int_equal(heap()->err, err + 1);
  /* First fit: the lowest hole is reused. */
  void *a2 = mem_malloc(s / 2);
  assert_ptr_equal(a2, a);
  mem_free(a2);
  /* Freeing the middle block merges all three. */
  mem_free(b);
  void *big = mem_malloc(s + s / 2);
  assert_non_null(big);
  assert_ptr_equal(big, a);
  mem_free(big);
  assert_int_equal(heap()->used, 0);
#endif
}

static void test_mem_trim(void **state)
{
  (void)state;
  u8_t *p = mem_malloc(1000);
  assert_non_null(p);
  fill(p, 1000, 0x11);
  u32_t used = heap()->used;
  /* Growing is refused; the same size or a size within the block is fine. */
  assert_null(mem_trim(p, 1001 + MEM_ALIGNMENT));
  assert_ptr_equal(mem_trim(p, 1000), p);
  assert_int_equal(heap()->used, used);
  /* Shrinking returns the same pointer, keeps the data and gives back
   * exactly the aligned difference. */
  assert_ptr_equal(mem_trim(p, 100), p);
  assert_filled(p, 100, 0x11);
  assert_int_equal(heap()->used, used - (LWIP_MEM_ALIGN_SIZE(1000) - LWIP_MEM_ALIGN_SIZE(100)));
  assert_null(mem_trim(p, 200)); /* the block is now smaller */
  assert_ptr_equal(mem_trim(p, 0), p);
  assert_true(heap()->used >= MEM_ALIGNMENT);
  mem_free(p);
  assert_int_equal(heap()->used, 0);
  assert_int_equal(heap()->illegal, 0);

  /* Trimming a block whose neighbour is in use splits off a free block. */
  p = mem_malloc(1000);
  u8_t *q = mem_malloc(100);
  assert_non_null(p);
  assert_non_null(q);
  fill(q, 100, 0x22);
  used = heap()->used;
  assert_ptr_equal(mem_trim(p, 100), p);
  assert_int_equal(heap()->used, used - (LWIP_MEM_ALIGN_SIZE(1000) - LWIP_MEM_ALIGN_SIZE(100)));
  u8_t *r = mem_malloc(500);
  assert_non_null(r);
#if !LWIP_MALLOC_POOLS
  assert_true(r > p && r < q); /* the split-off space was reused */
#endif
  fill(r, 500, 0x33);
  assert_filled(q, 100, 0x22);
  mem_free(p);
  mem_free(r);
  mem_free(q);
  assert_int_equal(heap()->used, 0);

  /* Trimming the last block before free space (merges into it). */
  p = mem_malloc(300);
  used = heap()->used;
  assert_ptr_equal(mem_trim(p, 17), p);
  assert_int_equal(heap()->used, used - (LWIP_MEM_ALIGN_SIZE(300) - LWIP_MEM_ALIGN_SIZE(17)));
  mem_free(p);
  assert_int_equal(heap()->used, 0);

  /* Trim of something not from the heap. */
  u8_t local[32];
  assert_null(mem_trim(local + 16, 4));
  assert_int_equal(heap()->illegal, 1);
}

static void test_mem_calloc(void **state)
{
  (void)state;
  u8_t *p = mem_malloc(256);
  assert_non_null(p);
  fill(p, 256, 0xee);
  mem_free(p);
  u8_t *z = mem_calloc(64, 4);
  assert_non_null(z);
  assert_filled(z, 256, 0);
  mem_free(z);
  u32_t err = heap()->err;
  assert_null(mem_calloc(SIZE_MAX / 2 + 1, 2)); /* count * size overflows */
  assert_null(mem_calloc(2, SIZE_MAX / 2 + 1));
  assert_null(mem_calloc(SIZE_MAX, SIZE_MAX));
  assert_int_equal(heap()->err, err + 3);
  assert_null(mem_calloc(0, 16));
  assert_null(mem_calloc(16, 0));
  assert_int_equal(heap()->used, 0);
}

static void test_mem_illegal_free(void **state)
{
  (void)state;
  u8_t *a = mem_malloc(100);
  u8_t *b = mem_malloc(100);
  assert_non_null(a);
  assert_non_null(b);
  u32_t used = heap()->used;

  mem_free(a);
  mem_free(a); /* double free */
  assert_int_equal(heap()->illegal, 1);
  mem_free(b + MEM_ALIGNMENT); /* into a block */
  mem_free(b + 1);
  assert_int_equal(heap()->illegal, 3);
  u8_t local[64];
  mem_free(local + 32); /* foreign */
  assert_int_equal(heap()->illegal, 4);
  assert_true(heap()->used < used);

  /* The heap is intact: b is still valid, a's space is reusable. */
  fill(b, 100, 0x44);
  u8_t *c = mem_malloc(100);
  assert_non_null(c);
  assert_filled(b, 100, 0x44);
  mem_free(c);
  mem_free(b);
  mem_free(b); /* double free after merging with the neighbours */
  assert_int_equal(heap()->illegal, 5);
  assert_int_equal(heap()->used, 0);
  void *big = mem_malloc(MEM_SIZE - HEAP_HDR_MAX);
  assert_non_null(big);
  mem_free(big);
}

/* Random allocations, trims and frees against a shadow record: catches any
 * overlap or lost block, and ends with the heap merged back into one. */
static void test_mem_random(void **state)
{
  (void)state;
  enum { SLOTS = 64 };
  static u8_t *blk[SLOTS];
  static size_t len[SLOTS];
  memset(blk, 0, sizeof(blk));
  u32_t seed = 12345;
  size_t max_size = MEM_SIZE / 24;
  for (int step = 0; step < 20000; step++) {
    seed = seed * 1103515245U + 12345U;
    u32_t r = seed >> 8;
    int i = (int)(r % SLOTS);
    if (blk[i] == NULL) {
      size_t n = 1 + (r >> 6) % max_size;
      blk[i] = mem_malloc(n);
      if (blk[i] != NULL) {
        len[i] = n;
        fill(blk[i], n, (u8_t)i);
      }
    } else if ((r >> 6) % 4 == 0) {
      size_t n = (r >> 8) % (len[i] + 1);
      assert_ptr_equal(mem_trim(blk[i], n), blk[i]);
      len[i] = n;
    } else {
      assert_filled(blk[i], len[i], (u8_t)i);
      mem_free(blk[i]);
      blk[i] = NULL;
    }
  }
  for (int i = 0; i < SLOTS; i++) {
    if (blk[i] != NULL) {
      assert_filled(blk[i], len[i], (u8_t)i);
      mem_free(blk[i]);
    }
  }
  assert_int_equal(heap()->used, 0);
  assert_int_equal(heap()->illegal, 0);
  void *big = mem_malloc(MEM_SIZE - HEAP_HDR_MAX);
  assert_non_null(big);
  mem_free(big);
}

/* lwip_init() (mem_init + memp_init) forgets everything allocated. */
static void test_mem_reinit(void **state)
{
  (void)state;
  assert_non_null(mem_malloc(100));
  assert_non_null(memp_malloc(MEMP_PBUF));
  assert_null(mem_malloc(MEM_SIZE + 1));
  mem_free((void *)&state);
  assert_true(heap()->used > 0);
  lwip_init();
  assert_int_equal(heap()->used, 0);
  assert_int_equal(heap()->max, 0);
  assert_int_equal(heap()->err, 0);
  assert_int_equal(heap()->illegal, 0);
  assert_int_equal(memp_stats(MEMP_PBUF)->used, 0);
  assert_int_equal(lwip_mem_in_use(), 0);
}

/* ---------------- pools ---------------- */

static void test_memp_stats(void **state)
{
  (void)state;
  assert_null(memp_stats(MEMP_MAX));
  assert_null(memp_stats((memp_t)-1));
  assert_string_equal(memp_stats(MEMP_PBUF)->name, "PBUF_REF/ROM");
  assert_string_equal(memp_stats(MEMP_PBUF_POOL)->name, "PBUF_POOL");
  assert_int_equal(memp_stats(MEMP_PBUF)->avail, MEMP_NUM_PBUF);
  assert_int_equal(memp_stats(MEMP_PBUF_POOL)->avail, PBUF_POOL_SIZE);
  assert_int_equal(memp_stats(MEMP_SYS_TIMEOUT)->avail, MEMP_NUM_TIMEOUTS);
  for (int t = 0; t < MEMP_MAX; t++) {
    const struct stats_mem *s = memp_stats((memp_t)t);
    assert_non_null(s);
    assert_non_null(s->name);
    assert_true(s->avail > 0);
    assert_int_equal(s->err, 0);
    assert_int_equal(s->illegal, 0);
  }
}

static void test_memp_exhaustion(void **state)
{
  (void)state;
  for (int t = 0; t < MEMP_MAX; t++) {
    const struct stats_mem *s = memp_stats((memp_t)t);
    u32_t start = s->used;
    u32_t n = s->avail - start;
    void **elems = test_malloc(n * sizeof(void *));
    for (u32_t i = 0; i < n; i++) {
      elems[i] = memp_malloc((memp_t)t);
      assert_non_null(elems[i]);
      assert_int_equal((mem_ptr_t)elems[i] % MEM_ALIGNMENT, 0);
      memset(elems[i], (int)i, sizeof(void *)); /* every pool element is at least this big */
    }
    assert_int_equal(s->used, s->avail);
    assert_int_equal(s->max, s->avail);
    assert_null(memp_malloc((memp_t)t));
    assert_null(memp_malloc((memp_t)t));
    assert_int_equal(s->err, 2);
    assert_int_equal(s->used, s->avail);
    /* All distinct. */
    for (u32_t i = 1; i < n; i++) {
      assert_true(elems[i] != elems[i - 1]);
    }
    /* Freeing one makes exactly one available again. */
    memp_free((memp_t)t, elems[n / 2]);
    elems[n / 2] = memp_malloc((memp_t)t);
    assert_non_null(elems[n / 2]);
    assert_null(memp_malloc((memp_t)t));
    for (u32_t i = 0; i < n; i++) {
      memp_free((memp_t)t, elems[i]);
    }
    assert_int_equal(s->used, start);
    assert_int_equal(s->illegal, 0);
    test_free(elems);
  }
}

/* Each PBUF_POOL element can be written in full without touching another
 * (ASan checks this in the malloc_pools build). */
static void test_memp_element_size(void **state)
{
  (void)state;
  size_t sz = SIZEOF_STRUCT_PBUF + LWIP_MEM_ALIGN_SIZE(PBUF_POOL_BUFSIZE);
  u8_t *a = memp_malloc(MEMP_PBUF_POOL);
  u8_t *b = memp_malloc(MEMP_PBUF_POOL);
  assert_non_null(a);
  assert_non_null(b);
  fill(a, sz, 0xaa);
  fill(b, sz, 0xbb);
  assert_filled(a, sz, 0xaa);
  memp_free(MEMP_PBUF_POOL, a);
  memp_free(MEMP_PBUF_POOL, b);
  u8_t *c = memp_malloc(MEMP_PBUF);
  assert_non_null(c);
  fill(c, sizeof(struct pbuf), 0xcc);
  memp_free(MEMP_PBUF, c);
}

static void test_memp_illegal_free(void **state)
{
  (void)state;
  const struct stats_mem *ps = memp_stats(MEMP_PBUF);
  const struct stats_mem *ts = memp_stats(MEMP_SYS_TIMEOUT);
  u8_t *a = memp_malloc(MEMP_PBUF);
  u8_t *b = memp_malloc(MEMP_PBUF);
  assert_non_null(a);
  assert_non_null(b);
  memp_free(MEMP_PBUF, a);
  memp_free(MEMP_PBUF, a); /* double free */
  assert_int_equal(ps->illegal, 1);
  assert_int_equal(ps->used, 1);
  memp_free(MEMP_PBUF, b + 1); /* into an element */
  assert_int_equal(ps->illegal, 2);
  memp_free(MEMP_SYS_TIMEOUT, b); /* wrong pool */
  assert_int_equal(ts->illegal, 1);
  assert_int_equal(ps->used, 1);
  u8_t local[64];
  memp_free(MEMP_PBUF, local + 8); /* foreign */
  assert_int_equal(ps->illegal, 3);
  mem_free(b); /* a pool element is not a heap block */
  assert_int_equal(heap()->illegal, 1);
  memp_free(MEMP_PBUF, NULL); /* ignored */
  assert_int_equal(ps->illegal, 3);
  /* The pool still works: b is freed once, and the count is exact. */
  memp_free(MEMP_PBUF, b);
  assert_int_equal(ps->used, 0);
  void *c = memp_malloc(MEMP_PBUF);
  assert_non_null(c);
  memp_free(MEMP_PBUF, c);
  u8_t *h = mem_malloc(64);
  memp_free(MEMP_PBUF, h); /* a heap block is not a pool element */
  assert_int_equal(ps->illegal, 4);
  mem_free(h);
  assert_int_equal(heap()->illegal, 1);
}

static void test_memp_invalid_type(void **state)
{
  (void)state;
#if LWIP_DEBUG
  skip(); /* an invalid pool id is a programmer error: it asserts */
#else
  assert_null(memp_malloc(MEMP_MAX));
  memp_free(MEMP_MAX, &state);
#endif
}

static void test_mem_in_use(void **state)
{
  (void)state;
  u32_t base = lwip_mem_in_use();
  void *h = mem_malloc(40);
  void *e = memp_malloc(MEMP_PBUF);
  void *f = memp_malloc(MEMP_PBUF_POOL);
  assert_int_equal(lwip_mem_in_use(), base + heap()->used + 2);
  memp_free(MEMP_PBUF, e);
  memp_free(MEMP_PBUF_POOL, f);
  mem_free(h);
  assert_int_equal(lwip_mem_in_use(), base);
}

/* ---------------- the allocation-failure hook ---------------- */

static void test_hook_heap_and_pools(void **state)
{
  (void)state;
#if !LWIP_TEST_HOOKS
  lwip_alloc_fail_after(1);
  void *p = mem_malloc(8);
  assert_non_null(p);
  mem_free(p);
  assert_false(lwip_alloc_should_fail());
  skip();
#else
  u32_t count = lwip_alloc_count();
  lwip_alloc_fail_after(1);
  assert_null(mem_malloc(8));
  assert_int_equal(heap()->err, 1);
  assert_int_equal(lwip_alloc_count(), count + 1);
  void *p = mem_malloc(8); /* one-shot: the next one succeeds */
  assert_non_null(p);
  mem_free(p);

  /* The third allocation from now fails, whichever allocator it hits. */
  lwip_alloc_fail_after(3);
  void *a = memp_malloc(MEMP_PBUF);
  void *b = mem_malloc(16);
  assert_non_null(a);
  assert_non_null(b);
  assert_null(memp_malloc(MEMP_PBUF_POOL));
  assert_int_equal(memp_stats(MEMP_PBUF_POOL)->err, 1);
  void *c = memp_malloc(MEMP_PBUF_POOL);
  assert_non_null(c);
  assert_int_equal(lwip_alloc_count(), count + 6);
  memp_free(MEMP_PBUF, a);
  mem_free(b);
  memp_free(MEMP_PBUF_POOL, c);

  /* Off again. */
  lwip_alloc_fail_after(2);
  lwip_alloc_fail_after(0);
  for (int i = 0; i < 5; i++) {
    p = mem_malloc(8);
    assert_non_null(p);
    mem_free(p);
  }
  /* Size 0 is not an allocation attempt, and calloc overflow is refused
   * before the hook is asked. */
  count = lwip_alloc_count();
  assert_null(mem_malloc(0));
  assert_null(mem_calloc(SIZE_MAX, 2));
  assert_int_equal(lwip_alloc_count(), count);
  /* mem_calloc fails through the hook too, and the failed attempt is
   * counted in the heap's err. */
  u32_t err = heap()->err;
  lwip_alloc_fail_after(1);
  assert_null(mem_calloc(4, 4));
  assert_int_equal(heap()->err, err + 1);
#endif
}

/* The pattern every module's tests use: fail the n-th allocation of an
 * operation for n = 1, 2, ... until it succeeds, checking for leaks. */
static void test_hook_countdown_loop(void **state)
{
  (void)state;
#if !LWIP_TEST_HOOKS
  skip();
#else
  int n;
  for (n = 1; n < 10; n++) {
    lwip_alloc_fail_after((u32_t)n);
    void *x = mem_malloc(10);
    void *y = memp_malloc(MEMP_PBUF);
    void *z = mem_malloc(20);
    bool ok = x && y && z;
    mem_free(x);
    memp_free(MEMP_PBUF, y);
    mem_free(z);
    assert_int_equal(lwip_mem_in_use(), 0);
    if (ok) {
      break;
    }
  }
  assert_int_equal(n, 4);
  lwip_alloc_fail_after(0);
#endif
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_mem_stats_initial, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mem_malloc_free, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mem_exhaustion, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mem_merge, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mem_fragmentation, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mem_trim, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mem_calloc, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mem_illegal_free, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mem_random, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mem_reinit, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_memp_stats, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_memp_exhaustion, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_memp_element_size, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_memp_illegal_free, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_memp_invalid_type, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_mem_in_use, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_hook_heap_and_pools, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_hook_countdown_loop, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
