/* Unit tests for core/inet_chksum.c: the fast sum against the byte-wise
 * reference and an independent RFC 1071 sum for every length and alignment,
 * known vectors, sums over pbuf chains split anywhere, the IPv4 pseudo
 * header, and the copying checksum. */
#include "test_common.h"

#include "lwip/inet_chksum.h"

/* A small xorshift generator private to this suite, so the data does not
 * depend on how other code consumes the port's random source. */
static u32_t rng_state;

static u32_t rng_next(void)
{
  u32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng_state = x;
  return x;
}

static void rng_fill(u8_t *buf, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    buf[i] = (u8_t)(rng_next() >> 24);
  }
}

/* RFC 1071 section 4.1 written out independently: big-endian 16-bit words,
 * an odd last byte padded with zero, end-around carry.  @return the sum in
 * host order, not complemented. */
static u16_t rfc1071_sum(const u8_t *p, size_t len)
{
  u32_t sum = 0;
  size_t i = 0;
  for (; i + 1 < len; i += 2) {
    sum += ((u32_t)p[i] << 8) | p[i + 1];
    sum = (sum & 0xffffU) + (sum >> 16);
  }
  if (i < len) {
    sum += (u32_t)p[i] << 8;
    sum = (sum & 0xffffU) + (sum >> 16);
  }
  return (u16_t)sum;
}

/* The two bytes of a checksum value as they would be stored in a header. */
static u16_t stored_be(u16_t v)
{
  u8_t b[2];
  memcpy(b, &v, 2);
  return (u16_t)((b[0] << 8) | b[1]);
}

/* Check every implementation on one buffer. */
static void check_all(const u8_t *p, size_t len)
{
  u16_t want = rfc1071_sum(p, len);
  u16_t fast = lwip_standard_chksum(p, len);
  u16_t ref = lwip_chksum_reference(p, len);
  if (stored_be(fast) != want || stored_be(ref) != want) {
    fail_msg("len %zu at %p: fast %04x reference %04x, want %04x", len, (const void *)p,
             stored_be(fast), stored_be(ref), want);
  }
  if (len <= 0xffff) {
    u16_t c = inet_chksum(p, (u16_t)len);
    assert_int_equal(stored_be(c), (u16_t)~want);
  }
}

/* ------------------------------------------------------------------------ */

static void test_chksum_random_lengths_alignments(void **state)
{
  (void)state;
  /* 8-byte aligned storage so "alignment a" really means address % 8 == a. */
  static u64_t store[(300 + 8 + 8) / 8 + 1];
  u8_t *base = (u8_t *)store;
  rng_state = 0x1071cafeU;
  for (int round = 0; round < 2; round++) {
    rng_fill(base, sizeof(store));
    for (size_t align = 0; align < 8; align++) {
      for (size_t len = 0; len <= 300; len++) {
        check_all(base + align, len);
      }
    }
  }
}

static void test_chksum_constant_data(void **state)
{
  (void)state;
  static u64_t store[(65535 + 8) / 8 + 1];
  u8_t *base = (u8_t *)store;

  /* All zero: the sum is 0 and the checksum 0xffff at every length. */
  memset(store, 0, sizeof(store));
  for (size_t align = 0; align < 8; align++) {
    for (size_t len = 0; len <= 300; len++) {
      check_all(base + align, len);
      assert_int_equal(lwip_standard_chksum(base + align, len), 0);
    }
  }
  check_all(base + 1, 65535);

  /* All 0xff: every addition carries.  Whole words are ones'-complement
   * "negative zero" (0xffff), which an end-around-carry sum keeps; an odd
   * last byte adds ff00, and 0xffff + 0xff00 folds back to 0xff00. */
  memset(store, 0xff, sizeof(store));
  for (size_t align = 0; align < 8; align++) {
    for (size_t len = 0; len <= 300; len++) {
      check_all(base + align, len);
    }
  }
  assert_int_equal(stored_be(lwip_standard_chksum(base, 2)), 0xffff);
  assert_int_equal(stored_be(lwip_standard_chksum(base, 1)), 0xff00);
  assert_int_equal(stored_be(lwip_standard_chksum(base, 3)), 0xff00);
  assert_int_equal(stored_be(lwip_standard_chksum(base, 299)), 0xff00);
  assert_int_equal(stored_be(lwip_standard_chksum(base + 3, 300)), 0xffff);
  /* The largest buffers a u16_t length allows, aligned and not: a wide
   * accumulator must not lose carries. */
  for (size_t align = 0; align < 8; align++) {
    check_all(base + align, 65535 - 8);
    check_all(base + align, 65534 - 8);
  }
  check_all(base, 65535);
  check_all(base, 65534);
  assert_int_equal(inet_chksum(base, 0xfffe), 0);
}

static void test_chksum_known_vectors(void **state)
{
  (void)state;
  /* RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to dd f2. */
  static const u8_t rfc[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  u8_t b[2];
  u16_t s = lwip_standard_chksum(rfc, 8);
  memcpy(b, &s, 2);
  assert_int_equal(b[0], 0xdd);
  assert_int_equal(b[1], 0xf2);
  s = lwip_chksum_reference(rfc, 8);
  memcpy(b, &s, 2);
  assert_int_equal(b[0], 0xdd);
  assert_int_equal(b[1], 0xf2);
  s = inet_chksum(rfc, 8);
  memcpy(b, &s, 2);
  assert_int_equal(b[0], 0x22);
  assert_int_equal(b[1], 0x0d);

  /* A real IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199, total length
   * 0x73, DF): its checksum field must come out as b8 61. */
  u8_t ip[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  u16_t c = inet_chksum(ip, 20);
  memcpy(ip + 10, &c, 2);
  assert_int_equal(ip[10], 0xb8);
  assert_int_equal(ip[11], 0x61);
  /* Verifying a header with a correct checksum gives 0. */
  assert_int_equal(inet_chksum(ip, 20), 0);
  /* Any single-bit error is detected. */
  for (int bit = 0; bit < 160; bit++) {
    ip[bit / 8] ^= (u8_t)(1U << (bit % 8));
    assert_int_not_equal(inet_chksum(ip, 20), 0);
    ip[bit / 8] ^= (u8_t)(1U << (bit % 8));
  }
  /* The test fixtures' builder agrees. */
  u8_t hdr[20];
  test_ip4_hdr(hdr, "10.0.0.1", "10.0.0.2", 17, 48, 0x1234, 0, 64);
  assert_int_equal(inet_chksum(hdr, 20), 0);
  assert_int_equal(stored_be(inet_chksum(rfc, 8)), test_cksum(rfc, 8, 0));
}

/* A chain of PBUF_REF pbufs over @p data cut at the offsets in @p cuts
 * (ascending, within 0..len; equal cuts make empty pbufs). */
static struct pbuf *ref_chain(const u8_t *data, u16_t len, const u16_t *cuts, int ncuts)
{
  struct pbuf *head = NULL;
  u16_t start = 0;
  for (int i = 0; i <= ncuts; i++) {
    u16_t end = i < ncuts ? cuts[i] : len;
    struct pbuf *q = pbuf_alloc_reference((void *)(mem_ptr_t)(data + start), (u16_t)(end - start), PBUF_REF);
    assert_non_null(q);
    if (head == NULL) {
      head = q;
    } else {
      pbuf_cat(head, q);
    }
    start = end;
  }
  assert_int_equal(head->tot_len, len);
  return head;
}

static void test_chksum_pbuf_chains(void **state)
{
  (void)state;
  static u64_t store[16];
  u8_t *data = (u8_t *)store;
  rng_state = 0xdeadbeefU;
  rng_fill(data, sizeof(store));

  for (u16_t len = 99; len <= 100; len++) {
    u16_t flat = inet_chksum(data, len);
    struct pbuf *p = ref_chain(data, len, NULL, 0);
    assert_int_equal(inet_chksum_pbuf(p), flat);
    pbuf_free(p);
    /* Every pair of cut points: pieces of odd and even lengths starting at
     * odd and even packet offsets, including empty pieces. */
    for (u16_t i = 0; i <= len; i++) {
      for (u16_t j = i; j <= len; j = (u16_t)(j + 1)) {
        const u16_t cuts[2] = {i, j};
        p = ref_chain(data, len, cuts, 2);
        u16_t got = inet_chksum_pbuf(p);
        pbuf_free(p);
        if (got != flat) {
          fail_msg("len %u cut at %u,%u: %04x != %04x", len, i, j, got, flat);
        }
      }
    }
  }

  /* One byte per pbuf, in RAM pbufs this time, on data whose sum needs the
   * end-around carry. */
  memset(data, 0xff, 40);
  data[7] = 0x01;
  struct pbuf *p = NULL;
  for (int i = 0; i < 41; i++) {
    struct pbuf *q = pbuf_alloc(PBUF_RAW, 1, PBUF_RAM);
    assert_non_null(q);
    ((u8_t *)q->payload)[0] = data[i];
    if (p == NULL) {
      p = q;
    } else {
      pbuf_cat(p, q);
    }
  }
  assert_int_equal(inet_chksum_pbuf(p), inet_chksum(data, 41));
  pbuf_free(p);

  /* Misaligned payloads in a pool chain built by the fixtures. */
  rng_fill(data, sizeof(store));
  for (size_t chunk = 2; chunk <= 9; chunk++) { /* 64-buffer pool in the minimal build */
    p = test_pbuf(data + 3, 77, chunk);
    assert_non_null(p);
    assert_int_equal(inet_chksum_pbuf(p), inet_chksum(data + 3, 77));
    pbuf_free(p);
  }
}

static void test_chksum_pseudo(void **state)
{
  (void)state;
  ip4_addr_t src, dst;
  src.addr = test_ip("192.168.0.1");
  dst.addr = test_ip("192.168.0.199");

  /* UDP 1234 -> 5678, length 11, payload "hi!", checksum field zero.
   * By hand: c0a8 + 0001 + c0a8 + 00c7 (addresses) + 0011 (protocol)
   * + 000b (length) + 04d2 + 162e + 000b + 0000 (header) + 6869 + 2100
   * (payload, odd byte padded) = 0x226a8, folded 0x26aa, complement d955. */
  u8_t udp[11] = {0x04, 0xd2, 0x16, 0x2e, 0x00, 0x0b, 0x00, 0x00, 'h', 'i', '!'};
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 11, PBUF_RAM);
  assert_non_null(p);
  pbuf_take(p, udp, 11);
  u16_t c = inet_chksum_pseudo(p, 17, 11, &src, &dst);
  assert_int_equal(stored_be(c), 0xd955);
  /* Stored in the header, the receiver's sum over it verifies to 0. */
  memcpy((u8_t *)p->payload + 6, &c, 2);
  assert_int_equal(inet_chksum_pseudo(p, 17, 11, &src, &dst), 0);
  /* A different address, protocol or length changes it. */
  assert_int_not_equal(inet_chksum_pseudo(p, 136, 11, &src, &dst), 0);
  assert_int_not_equal(inet_chksum_pseudo(p, 17, 12, &src, &dst), 0);
  assert_int_not_equal(inet_chksum_pseudo(p, 17, 11, &dst, &dst), 0);
  /* Swapping source and destination does not (the sum commutes). */
  assert_int_equal(inet_chksum_pseudo(p, 17, 11, &dst, &src), 0);
  pbuf_free(p);

  /* The same datagram split at odd offsets. */
  memcpy(udp + 6, &c, 2);
  const u16_t cuts[2] = {3, 9};
  p = ref_chain(udp, 11, cuts, 2);
  assert_int_equal(inet_chksum_pseudo(p, 17, 11, &src, &dst), 0);
  udp[6] = 0;
  udp[7] = 0;
  assert_int_equal(stored_be(inet_chksum_pseudo(p, 17, 11, &src, &dst)), 0xd955);

  /* Partial coverage (UDP-Lite, RFC 3828): the same datagram as UDP-Lite
   * (protocol 136) with checksum coverage 8, the header only.
   * By hand: c0a8 + 0001 + c0a8 + 00c7 + 0088 + 000b + 04d2 + 162e + 0008
   * + 0000 = 0x19db3, folded 0x9db4, complement 624b.  The payload bytes
   * after the coverage must not count. */
  udp[5] = 8;
  c = inet_chksum_pseudo_partial(p, 136, 11, 8, &src, &dst);
  assert_int_equal(stored_be(c), 0x624b);
  udp[9] ^= 0x55; /* outside the coverage */
  assert_int_equal(stored_be(inet_chksum_pseudo_partial(p, 136, 11, 8, &src, &dst)), 0x624b);
  udp[9] ^= 0x55;
  /* Coverage of the whole datagram equals the full pseudo checksum. */
  assert_int_equal(inet_chksum_pseudo_partial(p, 136, 11, 11, &src, &dst),
                   inet_chksum_pseudo(p, 136, 11, &src, &dst));
  /* An odd coverage ending inside the second pbuf. */
  u8_t hdr5[12] = {192, 168, 0, 1, 192, 168, 0, 199, 0, 136, 0, 11};
  u8_t sumbuf[12 + 5];
  memcpy(sumbuf, hdr5, 12);
  memcpy(sumbuf + 12, udp, 5);
  assert_int_equal(stored_be(inet_chksum_pseudo_partial(p, 136, 11, 5, &src, &dst)),
                   (u16_t)~rfc1071_sum(sumbuf, sizeof(sumbuf)));
  pbuf_free(p);

  /* Against the fixtures' builder. */
  u8_t built[8 + 64];
  u8_t payload[64];
  rng_state = 7;
  rng_fill(payload, sizeof(payload));
  size_t n = test_udp(built, "10.1.2.3", "10.9.8.7", 53, 40000, payload, 63);
  assert_int_equal(n, 71);
  ip4_addr_t a, b;
  a.addr = test_ip("10.1.2.3");
  b.addr = test_ip("10.9.8.7");
  for (size_t chunk = 0; chunk <= 8; chunk = chunk ? chunk + 1 : 2) {
    p = test_pbuf(built, n, chunk);
    assert_non_null(p);
    assert_int_equal(inet_chksum_pseudo(p, 17, (u16_t)n, &a, &b), 0);
    pbuf_free(p);
  }
}

static void test_chksum_copy(void **state)
{
  (void)state;
  static u64_t s[40], d[40];
  u8_t *src = (u8_t *)s;
  u8_t *dst = (u8_t *)d;
  rng_state = 0x12345678U;
  rng_fill(src, sizeof(s));
  for (size_t sa = 0; sa < 4; sa++) {
    for (size_t da = 0; da < 4; da++) {
      for (u16_t len = 0; len <= 200; len = (u16_t)(len + 1)) {
        memset(dst, 0xcc, sizeof(d));
        u16_t c = lwip_chksum_copy(dst + da, src + sa, len);
        assert_memory_equal(dst + da, src + sa, len);
        /* Nothing written outside the destination. */
        for (size_t i = 0; i < da; i++) {
          assert_int_equal(dst[i], 0xcc);
        }
        assert_int_equal(dst[da + len], 0xcc);
        assert_int_equal(c, inet_chksum(src + sa, len));
        assert_int_equal(stored_be(c), (u16_t)~rfc1071_sum(src + sa, len));
      }
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_chksum_random_lengths_alignments, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_chksum_constant_data, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_chksum_known_vectors, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_chksum_pbuf_chains, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_chksum_pseudo, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_chksum_copy, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("chksum", tests, NULL, NULL);
}
