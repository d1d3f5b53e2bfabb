/* Unit tests for core/ipv6/ip6_frag.c and the forwarding path of ip6.c, on
 * the virtual clock: reassembly in order, reversed and shuffled; overlaps
 * and exact duplicates (RFC 5722); a first fragment without the whole
 * header chain (RFC 7112); lengths not a multiple of 8 and datagrams over
 * 65535 bytes (RFC 8200 4.5); the 60 s timeout with Time Exceeded only when
 * the first fragment came; the datagram and byte limits; atomic fragments
 * (RFC 6946); fragmentation on output at 1280 and 1500 with identifications
 * that differ; our own fragments reassembled; forwarding (hop limit, Packet
 * Too Big, link-local and multicast kept on their link); allocation
 * failures.  Every case ends with the leak check of test_teardown. */
#include "test_ip6_util.h"

#include <stdlib.h>

#include "lwip/ip4.h"
#include "lwip/ip6_frag.h"

#define BIG 2000 /* echo body that needs two fragments at 1500 */

static struct test_netif tn;
static struct netif *nif;

/* Is the captured frame @p b (@p len bytes) Neighbor Discovery or MLD,
 * whose timing belongs to nd6 and its tests? */
static bool is_nd(const u8_t *b, size_t len)
{
  if (len < 14 + 40 + 1 || get_be16(b + 12) != 0x86dd) {
    return false;
  }
  const u8_t *ip = b + 14;
  size_t off = 40;
  if (ip[6] == 0 && len >= 14 + 48 + 1) { /* MLD behind Hop-by-Hop */
    off = 48;
  } else if (ip[6] != 58) {
    return false;
  }
  u8_t type = ip[off];
  return (type >= 130 && type <= 137) || type == 143;
}

/* Drop captured ND and MLD frames.  @return the frames left. */
static int drop_nd(struct test_netif *t)
{
  int kept = 0;
  for (int i = 0; i < t->nframes; i++) {
    struct pbuf *f = t->frames[i];
    if (is_nd((const u8_t *)f->payload, f->len)) {
      free(f);
    } else {
      t->frames[kept++] = f;
    }
  }
  t->nframes = kept;
  return kept;
}

/* pop6() after drop_nd(). */
static bool pop(struct test_netif *t, struct sent6 *s)
{
  drop_nd(t);
  return pop6(t, s);
}

/* The peers solicit us again: after a long wait on the virtual clock their
 * entries have gone through DELAY and PROBE and are gone. */
static void relearn(void)
{
  learn_peer(&tn, PEER_GUA, OUR_GUA);
  learn_peer(&tn, PEER_LL, OUR_LL);
}

static void fixture(void)
{
  nif = ip6_fixture(&tn);
  relearn();
}

static void fill(u8_t *b, size_t n, u8_t seed)
{
  for (size_t i = 0; i < n; i++) {
    b[i] = (u8_t)(seed + i * 7U);
  }
}

/* An echo request of @p blen body bytes from PEER_GUA to OUR_GUA. */
static size_t echo_req(u8_t *m, size_t blen, u8_t seed)
{
  u8_t body[2100];
  fill(body, blen, seed);
  return mk_icmp6(m, PEER_GUA, OUR_GUA, 128, 0, 0x12340001UL, body, blen);
}

/* The frame of fragment [off, off + len) of upper-layer message @p m (next
 * header @p nexth) with identification @p id. */
static size_t mk_frag(u8_t *f, const char *src, const char *dst, u8_t hl, u32_t id, u8_t nexth, const u8_t *m,
                      size_t off, size_t len, bool more)
{
  u8_t pl[2100];
  assert_true(len + 8 <= sizeof(pl));
  pl[0] = nexth;
  pl[1] = 0;
  put_be16(pl + 2, (u16_t)(off | (more ? 1U : 0U)));
  put_be32(pl + 4, id);
  memcpy(pl + 8, m + off, len);
  return mk6(f, test_mac, src, dst, 44, hl, pl, 8 + len);
}

static void rx_frag(u32_t id, const u8_t *m, size_t off, size_t len, bool more)
{
  u8_t f[2200];
  size_t fl = mk_frag(f, PEER_GUA, OUR_GUA, 64, id, 58, m, off, len, more);
  test_rx(&tn, f, fl);
}

/* Send message @p m of @p mlen bytes in the fragments whose start offsets
 * are @p starts (sorted copy in @p cuts), in the order of @p order. */
static void rx_in_order(u32_t id, const u8_t *m, size_t mlen, const size_t *cuts, int n, const int *order)
{
  for (int k = 0; k < n; k++) {
    int i = order[k];
    size_t end = i + 1 < n ? cuts[i + 1] : mlen;
    rx_frag(id, m, cuts[i], end - cuts[i], i + 1 < n);
  }
}

/* The fragments captured on @p t, reassembled independently of the stack:
 * every frame must be a fragment of one identification, no larger than
 * @p mtu, offsets and M flags consistent.  @return the fragmentable part's
 * length; the IPv6 header of the first fragment goes to @p hdr. */
static size_t collect(struct test_netif *t, u8_t *out, size_t cap, u32_t *id, int *nfrags, size_t mtu, u8_t *hdr)
{
  u8_t fr[1700];
  int len, n = 0;
  drop_nd(t);
  size_t total = 0, have = 0;
  bool last = false;
  while ((len = test_frame_pop_bytes(t, fr, sizeof(fr))) >= 0) {
    if (get_be16(fr + 12) != 0x86dd) {
      continue; /* neighbor solicitations and the like */
    }
    const u8_t *ip = fr + 14;
    assert_true((size_t)len - 14 <= mtu);
    assert_int_equal(get_be16(ip + 4) + 40, len - 14);
    assert_int_equal(ip[6], 44);
    const u8_t *fh = ip + 40;
    u16_t offm = get_be16(fh + 2);
    size_t off = offm & 0xfff8U, dlen = (size_t)len - 14 - 48;
    if (n == 0) {
      *id = get_be32(fh + 4);
      memcpy(hdr, ip, 40);
    }
    assert_int_equal(get_be32(fh + 4), *id);
    assert_int_equal(fh[1], 0);
    assert_int_equal(offm & 6U, 0);
    if (offm & 1U) {
      assert_int_equal(dlen % 8, 0);
    } else {
      last = true;
      total = off + dlen;
    }
    assert_true(off + dlen <= cap);
    memcpy(out + off, fh + 8, dlen);
    have += dlen;
    n++;
  }
  assert_true(last);
  assert_int_equal(have, total);
  *nfrags = n;
  return total;
}

/* Expect the echo reply to the request of @p blen body bytes made with
 * @p seed: two fragments at the 1500 MTU, reassembled here byte for byte. */
static void expect_reply_bytes(size_t blen, u8_t seed)
{
  u8_t body[2100], want[2200], got[4000], hdr[40];
  fill(body, blen, seed);
  size_t wl = mk_icmp6(want, OUR_GUA, PEER_GUA, 129, 0, 0x12340001UL, body, blen);
  u32_t id;
  int n;
  size_t total = collect(&tn, got, sizeof(got), &id, &n, 1500, hdr);
  assert_int_equal(total, wl);
  assert_memory_equal(got, want, wl);
  assert_int_equal(n, 2);
  assert_addr6(hdr + 8, OUR_GUA);
  assert_addr6(hdr + 24, PEER_GUA);
}

/* IPv6 frames captured on @p t (neighbor discovery included). */
static int frames6(const struct test_netif *t)
{
  int n = 0;
  for (int i = 0; i < t->nframes; i++) {
    const u8_t *b = (const u8_t *)t->frames[i]->payload;
    n += (t->frames[i]->len >= 14 && get_be16(b + 12) == 0x86dd) ? 1 : 0;
  }
  return n;
}

static void expect_pp_sent(u8_t code, u32_t pointer)
{
  struct sent6 s;
  assert_true(pop(&tn, &s));
  assert_addr6(s.ip + 24, PEER_GUA);
  assert_int_equal(s.msg[0], 4);
  assert_int_equal(s.msg[1], code);
  assert_int_equal(get_be32(s.msg + 4), pointer);
}

static void totals(struct ip6_reass_totals *t)
{
  ip6_reass_get_totals(t);
  assert_int_equal(t->max_datagrams, IP6_REASS_MAX_DATAGRAMS);
  assert_int_equal(t->max_bytes, IP6_REASS_MAX_BYTES);
  assert_int_equal(t->maxage_ms, 60000);
}

/* ------------------------------------------------------------------ */

static void test_reass_orders(void **state)
{
  (void)state;
  fixture();
  u8_t m[2200];
  size_t ml = echo_req(m, BIG, 1);
  static const size_t two[] = {0, 1232};
  static const int fwd2[] = {0, 1}, rev2[] = {1, 0};
  rx_in_order(100, m, ml, two, 2, fwd2);
  expect_reply_bytes(BIG, 1);
  rx_in_order(101, m, ml, two, 2, rev2);
  expect_reply_bytes(BIG, 1);
  /* five pieces, shuffled, a different body */
  ml = echo_req(m, BIG, 9);
  static const size_t five[] = {0, 400, 808, 1216, 1600};
  static const int shuf[] = {3, 0, 4, 2, 1};
  rx_in_order(102, m, ml, five, 5, shuf);
  expect_reply_bytes(BIG, 9);
  /* chained input pbufs */
  u8_t f[2200];
  size_t fl = mk_frag(f, PEER_GUA, OUR_GUA, 64, 103, 58, m, 0, 1232, true);
  test_rx_chunked(&tn, f, fl, 60);
  fl = mk_frag(f, PEER_GUA, OUR_GUA, 64, 103, 58, m, 1232, ml - 1232, false);
  test_rx_chunked(&tn, f, fl, 33);
  expect_reply_bytes(BIG, 9);
  struct ip6_reass_totals t;
  totals(&t);
  assert_int_equal(t.datagrams, 0);
  assert_int_equal(t.bytes, 0);
  assert_int_equal(t.fragments, 0);
#if LWIP_STATS
  assert_int_equal(PROTO(IP6FRAG).recv, 11);
  assert_int_equal(PROTO(IP6FRAG).xmit, 8);
#endif
}

/* RFC 5722: an overlap drops the datagram and what comes later for it; an
 * exact duplicate is dropped alone; the same range with other bytes is an
 * overlap. */
static void test_reass_overlap_and_duplicates(void **state)
{
  (void)state;
  fixture();
  u8_t m[2200];
  size_t ml = echo_req(m, BIG, 2);
  rx_frag(200, m, 0, 1232, true);
  rx_frag(200, m, 1224, 16, true); /* overlaps the first by 8 bytes */
  struct ip6_reass_info info;
  assert_true(ip6_reass_get_info(0, &info));
  assert_true(info.abandoned);
  assert_int_equal(info.fragments, 0);
  assert_int_equal(info.bytes, 0);
  /* the rest, even what would complete it, is dropped */
  rx_frag(200, m, 1232, ml - 1232, false);
  rx_frag(200, m, 0, 1232, true);
  assert_int_equal(drop_nd(&tn), 0);
  /* an exact duplicate is harmless */
  rx_frag(201, m, 0, 1232, true);
  rx_frag(201, m, 0, 1232, true);
  rx_frag(201, m, 1232, ml - 1232, false);
  expect_reply_bytes(BIG, 2);
  /* the same range with other bytes is an overlap */
  rx_frag(202, m, 1232, ml - 1232, false);
  u8_t m2[2200];
  memcpy(m2, m, ml);
  m2[1300] ^= 1;
  rx_frag(202, m2, 1232, ml - 1232, false);
  rx_frag(202, m, 0, 1232, true);
  /* and an end that moves */
  rx_frag(203, m, 1232, ml - 1232, false);
  rx_frag(203, m, 1232, ml - 1232 + 8, false);
  assert_int_equal(drop_nd(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_FRAG_OVERLAP), 2);
  assert_int_equal(DROPS(IP6_FRAG_ABANDONED), 3);
  assert_int_equal(DROPS(IP6_FRAG_DUPLICATE), 1);
  assert_int_equal(DROPS(IP6_FRAG_INCONSISTENT), 1);
#endif
  /* tombstones leave after 60 s without any Time Exceeded */
  test_clock_advance(60000);
  struct ip6_reass_totals t;
  totals(&t);
  assert_int_equal(t.datagrams, 0);
  assert_int_equal(drop_nd(&tn), 0);
  relearn();
  /* and the identification is usable again */
  rx_in_order(200, m, ml, (const size_t[]){0, 1232}, 2, (const int[]){0, 1});
  expect_reply_bytes(BIG, 2);
}

/* RFC 7112: the first fragment must hold the chain up to the upper-layer
 * header; RFC 8200 4.5: lengths in multiples of 8, 65535 at most. */
static void test_reass_bad_fragments(void **state)
{
  (void)state;
  fixture();
  /* first fragment: a Destination Options header, then the echo request
   * header cut after 4 bytes */
  u8_t m[64];
  memset(m, 0, sizeof(m));
  m[0] = 58; /* dest opts: next header ICMPv6, length 0, PadN 4 */
  m[2] = 1;
  m[3] = 4;
  u8_t f[200];
  size_t fl = mk_frag(f, PEER_GUA, OUR_GUA, 64, 300, 60, m, 0, 8, true);
  test_rx(&tn, f, fl);
  expect_pp_sent(3, 0);
  /* only the extension header, its next header TCP without its 20 bytes */
  m[0] = 6;
  fl = mk_frag(f, PEER_GUA, OUR_GUA, 64, 301, 60, m, 0, 16, true);
  test_rx(&tn, f, fl);
  expect_pp_sent(3, 0);
  /* an extension header running past the fragment */
  m[1] = 4;
  fl = mk_frag(f, PEER_GUA, OUR_GUA, 64, 302, 60, m, 0, 16, true);
  test_rx(&tn, f, fl);
  expect_pp_sent(3, 0);
  /* non-final fragment of 13 bytes: pointer at the Payload Length */
  u8_t e[2200];
  size_t el = echo_req(e, 100, 3);
  fl = mk_frag(f, PEER_GUA, OUR_GUA, 64, 303, 58, e, 0, 13, true);
  test_rx(&tn, f, fl);
  expect_pp_sent(0, 4);
  /* RFC 4443 2.4(e.1): not when the first fragment shows an ICMPv6 error */
  u8_t err[64];
  memset(err, 0, sizeof(err));
  err[0] = 1; /* Destination Unreachable */
  fl = mk_frag(f, PEER_GUA, OUR_GUA, 64, 306, 58, err, 0, 13, true);
  test_rx(&tn, f, fl);
  assert_int_equal(drop_nd(&tn), 0);
  /* an empty non-final fragment is dropped silently */
  fl = mk_frag(f, PEER_GUA, OUR_GUA, 64, 303, 58, e, 16, 0, true);
  test_rx(&tn, f, fl);
  /* beyond 65535: the largest offset and 16 bytes; pointer at the offset */
  u8_t pl[32];
  memset(pl, 0, sizeof(pl));
  pl[0] = 58;
  put_be16(pl + 2, 0xfff8U); /* offset 65528, last */
  put_be32(pl + 4, 304);
  fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 44, 64, pl, 8 + 16);
  test_rx(&tn, f, fl);
  expect_pp_sent(0, 42);
  /* within 65535 of payload but over 65535 bytes as a packet: silent */
  put_be16(pl + 2, 65496U);
  fl = mk6(f, test_mac, PEER_GUA, OUR_GUA, 44, 64, pl, 8 + 8);
  test_rx(&tn, f, fl);
  /* a fragment to a multicast group gets no Parameter Problem code 0 */
  u8_t mm[6];
  mcast_mac("ff02::1", mm);
  fl = mk_frag(f, PEER_GUA, "ff02::1", 64, 305, 58, e, 0, 13, true);
  memcpy(f, mm, 6);
  test_rx(&tn, f, fl);
  assert_int_equal(drop_nd(&tn), 0);
  struct ip6_reass_totals t;
  totals(&t);
  assert_int_equal(t.datagrams, 0);
  (void)el;
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_FRAG_INCOMPLETE_CHAIN), 3);
  assert_int_equal(DROPS(IP6_FRAG_BAD_LEN), 4);
  assert_int_equal(DROPS(IP6_FRAG_TOO_BIG), 2);
  assert_int_equal(DROPS(ICMP6_NO_ERROR), 2);
#endif
}

/* RFC 8200 4.5: 60 s after the first-arriving fragment; Time Exceeded code
 * 1 only when the offset-0 fragment had come, quoting it. */
static void test_reass_timeout(void **state)
{
  (void)state;
  fixture();
  u8_t m[2200], f[2200];
  size_t ml = echo_req(m, BIG, 4);
  size_t fl = mk_frag(f, PEER_GUA, OUR_GUA, 64, 400, 58, m, 0, 1232, true);
  test_rx(&tn, f, fl);
  test_clock_advance(10000);
  rx_frag(401, m, 1232, ml - 1232, false); /* no first fragment */
  test_clock_advance(49000);
  struct ip6_reass_info info;
  assert_true(ip6_reass_get_info(0, &info));
  assert_int_equal(info.id, 400);
  assert_int_equal(info.age_ms, 59000);
  assert_int_equal(info.fragments, 1);
  assert_int_equal(info.data_bytes, 1232);
  assert_true(info.have_first);
  assert_false(info.have_last);
  ip6_addr_t peer = ip6(PEER_GUA);
  assert_true(ip6_addr_eq_nozone(&info.src, &peer));
  assert_int_equal(drop_nd(&tn), 0);
  relearn();
  test_clock_advance(1000);
  struct sent6 s;
  assert_true(pop(&tn, &s));
  assert_int_equal(s.msg[0], 3);
  assert_int_equal(s.msg[1], 1);
  /* the quote is the first fragment as it arrived */
  assert_memory_equal(s.msg + 8, f + 14, 1280 - 48);
  assert_int_equal(s.mlen, 1280 - 40);
  assert_true(ip6_reass_get_info(1, &info) || ip6_reass_get_info(0, &info));
  assert_int_equal(info.id, 401);
  test_clock_advance(10000);
  assert_int_equal(drop_nd(&tn), 0); /* nothing about the datagram without its first fragment */
  struct ip6_reass_totals t;
  totals(&t);
  assert_int_equal(t.datagrams, 0);
  assert_int_equal(t.bytes, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_FRAG_TIMEOUT), 2);
#endif
}

/* The datagram limit and the byte limit give up the oldest datagram. */
static void test_reass_limits(void **state)
{
  (void)state;
  fixture();
  u8_t m[2200];
  size_t ml = echo_req(m, BIG, 5);
  /* one more datagram than the slots, a millisecond apart */
  for (u32_t id = 0; id <= IP6_REASS_MAX_DATAGRAMS; id++) {
    rx_frag(500 + id, m, 8, 8, true);
    test_clock_advance(1);
  }
  struct ip6_reass_totals t;
  totals(&t);
  assert_int_equal(t.datagrams, IP6_REASS_MAX_DATAGRAMS);
  for (int i = 0; i < IP6_REASS_MAX_DATAGRAMS; i++) {
    struct ip6_reass_info info;
    assert_true(ip6_reass_get_info(i, &info));
    assert_true(info.id != 500); /* the oldest went */
  }
  assert_false(ip6_reass_get_info(IP6_REASS_MAX_DATAGRAMS, NULL));
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_FRAG_LIMIT), 1);
#endif
  test_clock_advance(61000);
  /* fill the byte budget: each small fragment costs a pool buffer */
  int held = 0;
  for (int k = 1; held < IP6_REASS_MAX_FRAGS; k++) {
    for (u32_t id = 0; id < IP6_REASS_MAX_DATAGRAMS && held < IP6_REASS_MAX_FRAGS; id++) {
      rx_frag(600 + id, m, (size_t)k * 8, 8, true);
      held++;
    }
    test_clock_advance(1);
  }
  totals(&t);
  assert_int_equal(t.fragments, IP6_REASS_MAX_FRAGS);
  assert_int_equal(t.bytes, IP6_REASS_MAX_BYTES);
  /* one more: the oldest datagram (600) makes room */
  rx_frag(600 + IP6_REASS_MAX_DATAGRAMS - 1, m, 1600, 8, true);
  totals(&t);
  assert_true(t.bytes <= IP6_REASS_MAX_BYTES);
  assert_true(t.fragments < IP6_REASS_MAX_FRAGS);
  for (int i = 0; i < IP6_REASS_MAX_DATAGRAMS; i++) {
    struct ip6_reass_info info;
    if (ip6_reass_get_info(i, &info)) {
      assert_true(info.id != 600);
    }
  }
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_FRAG_LIMIT), 2);
#endif
  /* a whole datagram still gets through under pressure */
  relearn();
  rx_in_order(700, m, ml, (const size_t[]){0, 1232}, 2, (const int[]){0, 1});
  expect_reply_bytes(BIG, 5);
  assert_int_equal(t.max_datagrams, IP6_REASS_MAX_DATAGRAMS);
}

/* RFC 6946: an atomic fragment is processed alone, even while fragments
 * with its identification wait. */
static void test_reass_atomic_alone(void **state)
{
  (void)state;
  fixture();
  u8_t m[2200];
  size_t ml = echo_req(m, 64, 6);
  rx_frag(800, m, 0, 24, true);
  rx_frag(800, m, 0, ml, false); /* offset 0, M clear: atomic */
  struct sent6 s;
  assert_true(pop(&tn, &s));
  assert_int_equal(s.ip[6], 58);
  assert_int_equal(s.msg[0], 129);
  assert_int_equal(s.mlen, (int)ml);
  struct ip6_reass_totals t;
  totals(&t);
  assert_int_equal(t.datagrams, 1);
  assert_int_equal(t.fragments, 1);
}

/* Send @p len bytes (no next header) to @p to and check the fragments:
 * sizes within @p mtu, first piece of @p first_chunk bytes, the data back
 * in order.  @return the identification. */
static u32_t send_and_check(const char *to, size_t len, size_t mtu, size_t first_chunk)
{
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
  assert_non_null(p);
  static u8_t data[5000];
  fill(data, len, (u8_t)len);
  pbuf_take(p, data, (u16_t)len);
  ip6_addr_t d = ip6(to);
  assert_int_equal(ip6_output(p, NULL, &d, 64, 0, 59), ERR_OK);
  assert_int_equal(p->tot_len, len); /* the caller's pbuf is unchanged */
  pbuf_free(p);
  u8_t got[5000], hdr[40];
  u32_t id;
  int n;
  size_t total = collect(&tn, got, sizeof(got), &id, &n, mtu, hdr);
  assert_int_equal(total, len);
  assert_memory_equal(got, data, len);
  assert_int_equal(n, (int)((len + first_chunk - 1) / first_chunk));
  assert_int_equal(hdr[7], 64);
  assert_int_equal(get_be16(hdr + 4), first_chunk + 8);
  return id;
}

static void test_output_fragmentation(void **state)
{
  (void)state;
  fixture();
  /* 1500: (1500 - 48) rounded down to 8 */
  u32_t id1 = send_and_check(PEER_GUA, 4000, 1500, 1448);
  u32_t id2 = send_and_check(PEER_GUA, 4000, 1500, 1448);
  assert_true(id1 != id2);
  /* a path MTU of 1280 learned from Packet Too Big */
  u8_t quoted[48];
  memset(quoted, 0, sizeof(quoted));
  put_be32(quoted, 0x60000000UL);
  a6(OUR_GUA, quoted + 8);
  a6("2001:db8::77", quoted + 24);
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 2, 0, 1280, quoted, sizeof(quoted));
  learn_peer(&tn, "2001:db8::77", OUR_GUA);
  u32_t id3 = send_and_check("2001:db8::77", 3000, 1280, 1232);
  u32_t id4 = send_and_check("2001:db8::77", 3000, 1280, 1232);
  assert_true(id3 != id4 && id3 != id1 && id3 != id2);
  /* 1448 bytes fit exactly at 1500: not fragmented */
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 1460, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0, 1460);
  ip6_addr_t peer = ip6(PEER_GUA);
  assert_int_equal(ip6_output(p, NULL, &peer, 64, 0, 59), ERR_OK);
  struct sent6 s;
  assert_true(pop(&tn, &s));
  assert_int_equal(s.ip[6], 59);
  assert_int_equal(s.len, 14 + 1500);
  pbuf_free(p);
  /* a Hop-by-Hop header stays in front of the Fragment header */
  p = pbuf_alloc(PBUF_TRANSPORT, 8 + 1600, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0, 8 + 1600);
  u8_t *hbh = (u8_t *)p->payload;
  hbh[0] = 59;
  hbh[2] = 1; /* PadN 4 */
  hbh[3] = 4;
  assert_int_equal(ip6_output(p, NULL, &peer, 64, 0, 0), ERR_OK);
  for (int i = 0; i < 2; i++) {
    assert_true(pop(&tn, &s));
    assert_int_equal(s.ip[6], 0);   /* Hop-by-Hop first */
    assert_int_equal(s.msg[0], 44); /* naming the Fragment header */
    assert_int_equal(s.msg[8], 59); /* which names what the HBH named */
    assert_int_equal(get_be16(s.msg + 10) & 0xfff8U, i == 0 ? 0 : 1440);
  }
  pbuf_free(p);
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_TOO_BIG), 0);
#endif
}

/* Our own fragments, addresses swapped, come back as an echo request the
 * stack reassembles and answers (again in fragments). */
static void test_own_fragments_round_trip(void **state)
{
  (void)state;
  fixture();
  u8_t body[BIG], m[2200];
  fill(body, BIG, 7);
  /* the checksum is symmetric in the two addresses */
  size_t ml = mk_icmp6(m, OUR_GUA, PEER_GUA, 128, 0, 0x12340001UL, body, BIG);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)ml, PBUF_RAM);
  assert_non_null(p);
  pbuf_take(p, m, (u16_t)ml);
  ip6_addr_t peer = ip6(PEER_GUA), ours = ip6(OUR_GUA);
  assert_int_equal(ip6_output(p, &ours, &peer, 64, 0, 58), ERR_OK);
  pbuf_free(p);
  assert_int_equal(drop_nd(&tn), 2);
  u8_t fr[2][1600];
  int len[2];
  for (int i = 0; i < 2; i++) {
    len[i] = test_frame_pop_bytes(&tn, fr[i], sizeof(fr[i]));
    assert_true(len[i] > 14 + 48);
  }
  for (int i = 1; i >= 0; i--) { /* last first, for good measure */
    u8_t *f = fr[i];
    memcpy(f, test_mac, 6);
    memcpy(f + 6, peer_mac, 6);
    u8_t a[16];
    memcpy(a, f + 14 + 8, 16);
    memcpy(f + 14 + 8, f + 14 + 24, 16);
    memcpy(f + 14 + 24, a, 16);
    test_rx(&tn, f, (size_t)len[i]);
  }
  expect_reply_bytes(BIG, 7);
}

/* ---- forwarding ---- */

static struct test_netif tn2;
static struct netif *nif2;

#define FAR_HOST "2001:db8:1::5"

static void fwd_fixture(void)
{
  fixture();
  nif2 = test_netif_add(&tn2, "192.168.2.10", "255.255.255.0", NULL, test_mac2);
  assert_int_equal(netif_create_ip6_linklocal_address(nif2, 1), ERR_OK);
  ip6_addr_t g = ip6("2001:db8:1::10");
  assert_int_equal(netif_add_ip6_address_prefix(nif2, &g, 64, NULL), ERR_OK);
  test_clock_advance(22000);
  test_frames_clear(&tn);
  /* the far host is a known neighbor on the second link */
  u8_t body[16 + 8];
  a6("2001:db8:1::10", body);
  body[16] = 1;
  body[17] = 1;
  memcpy(body + 18, peer_mac, 6);
  u8_t m[64], f[200];
  size_t ml = mk_icmp6(m, FAR_HOST, "2001:db8:1::10", 135, 0, 0, body, sizeof(body));
  size_t fl = mk6(f, test_mac2, FAR_HOST, "2001:db8:1::10", 58, 255, m, ml);
  test_rx(&tn2, f, fl);
  test_frames_clear(&tn2);
  relearn();
}

/* A packet of @p plen bytes (no next header) from @p src to @p dst with
 * hop limit @p hl arriving on the first netif. */
static void rx_transit(const char *src, const char *dst, u8_t hl, size_t plen)
{
  static u8_t pl[1600], f[1700];
  fill(pl, plen, 3);
  size_t fl = mk6(f, test_mac, src, dst, 59, hl, pl, plen);
  test_rx(&tn, f, fl);
}

static void expect_error_to(const char *to, u8_t type, u8_t code, u32_t field)
{
  struct sent6 s;
  assert_true(pop(&tn, &s));
  assert_int_equal(s.msg[0], type);
  assert_int_equal(s.msg[1], code);
  assert_int_equal(get_be32(s.msg + 4), field);
  assert_addr6(s.ip + 24, to);
}

static void expect_error_back(u8_t type, u8_t code, u32_t field)
{
  expect_error_to(PEER_GUA, type, code, field);
}

static void test_forwarding(void **state)
{
  (void)state;
  fwd_fixture();
  /* off: not for us, dropped */
  rx_transit(PEER_GUA, FAR_HOST, 64, 100);
  assert_int_equal(drop_nd(&tn) + drop_nd(&tn2), 0);
#if !LWIP_IP_FORWARD
  /* a build without forwarding refuses the switch and keeps dropping */
  assert_int_equal(ip4_set_forwarding(true), ERR_VAL);
  rx_transit(PEER_GUA, FAR_HOST, 64, 100);
  assert_int_equal(drop_nd(&tn) + drop_nd(&tn2), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP6_NOT_FOR_US), 2);
#endif
  return;
#endif
  assert_int_equal(ip4_set_forwarding(true), ERR_OK);
  /* on: out the second link with the hop limit decremented */
  rx_transit(PEER_GUA, FAR_HOST, 64, 100);
  u8_t f[1700];
  drop_nd(&tn2);
  int len = test_frame_pop_bytes(&tn2, f, sizeof(f));
  assert_int_equal(len, 14 + 40 + 100);
  assert_memory_equal(f, peer_mac, 6);
  assert_memory_equal(f + 6, test_mac2, 6);
  assert_int_equal(f[14 + 7], 63);
  assert_addr6(f + 14 + 8, PEER_GUA);
  assert_addr6(f + 14 + 24, FAR_HOST);
  /* hop limit 1: Time Exceeded code 0 back to the source */
  rx_transit(PEER_GUA, FAR_HOST, 1, 100);
  expect_error_back(3, 0, 0);
  /* larger than the outgoing MTU: Packet Too Big, never fragmented */
  nif2->mtu = 1280;
  rx_transit(PEER_GUA, FAR_HOST, 64, 1300);
  expect_error_back(2, 0, 1280);
  /* link-local destination or source, multicast, unspecified source */
  rx_transit(PEER_GUA, "fe80::99", 64, 100);
  rx_transit(PEER_LL, FAR_HOST, 64, 100);
  expect_error_to(PEER_LL, 1, 2, 0); /* beyond the scope of the source */
  rx_transit("::", FAR_HOST, 64, 100);
  u8_t mm[6];
  mcast_mac("ff0e::1:2", mm);
  size_t fl = mk6(f, mm, PEER_GUA, "ff0e::1:2", 59, 64, f + 200, 0);
  test_rx(&tn, f, fl);
  /* no route at all */
  rx_transit(PEER_GUA, "2001:db9::1", 64, 100);
  expect_error_back(1, 0, 0);
  assert_int_equal(drop_nd(&tn) + drop_nd(&tn2), 0);
  /* an ICMPv6 error in transit with hop limit 1 gets no error back */
  u8_t m[100], quoted[48] = {0};
  size_t ml = mk_icmp6(m, PEER_GUA, FAR_HOST, 1, 0, 0, quoted, sizeof(quoted));
  fl = mk6(f, test_mac, PEER_GUA, FAR_HOST, 58, 1, m, ml);
  test_rx(&tn, f, fl);
  assert_int_equal(drop_nd(&tn) + drop_nd(&tn2), 0);
#if LWIP_STATS
  assert_true(DROPS(IP6_NOT_FOR_US) >= 1); /* the multicast may count as not joined */
  assert_int_equal(PROTO(IP6).fw, 1);
  assert_int_equal(DROPS(IP6_HOPLIM_EXCEEDED), 2);
  assert_int_equal(DROPS(IP6_FWD_TOO_BIG), 1);
  assert_int_equal(DROPS(IP6_NO_FORWARD), 3);
  assert_int_equal(DROPS(IP6_NO_ROUTE), 1);
  assert_int_equal(DROPS(ICMP6_NO_ERROR), 1);
#endif
  assert_int_equal(ip4_set_forwarding(false), ERR_OK);
}

/* ---- allocation failures ---- */

static void test_reass_alloc_failures(void **state)
{
  (void)state;
  fixture();
  u8_t m[2200], f[2][2200];
  size_t ml = echo_req(m, BIG, 8);
  /* a lone fragment whose datagram's timer fails to arm still times out */
  size_t l = mk_frag(f[0], PEER_GUA, OUR_GUA, 64, 899, 58, m, 0, 1232, true);
  struct pbuf *lone = test_pbuf(f[0], l, 0);
  lwip_alloc_fail_after(1);
  tn.netif.input(lone, &tn.netif);
  lwip_alloc_fail_after(0);
  test_clock_advance(61000);
  struct ip6_reass_totals t;
  totals(&t);
  assert_int_equal(t.datagrams, 0);
  test_frames_clear(&tn);
  relearn();
  for (int n = 1; n < 60; n++) {
    u32_t id = 900 + (u32_t)n;
    size_t l0 = mk_frag(f[0], PEER_GUA, OUR_GUA, 64, id, 58, m, 0, 1232, true);
    size_t l1 = mk_frag(f[1], PEER_GUA, OUR_GUA, 64, id, 58, m, 1232, ml - 1232, false);
    struct pbuf *p0 = test_pbuf(f[0], l0, 0), *p1 = test_pbuf(f[1], l1, 0);
    lwip_alloc_fail_after(n);
    tn.netif.input(p0, &tn.netif);
    tn.netif.input(p1, &tn.netif);
    lwip_alloc_fail_after(0);
    drop_nd(&tn);
    if (frames6(&tn) == 2) {
      expect_reply_bytes(BIG, 8);
      test_clock_advance(61000);
      test_frames_clear(&tn);
      return;
    }
    /* whatever was held times out; nothing leaks (teardown checks) */
    test_clock_advance(61000);
    test_frames_clear(&tn);
    relearn();
    totals(&t);
    assert_int_equal(t.datagrams, 0);
  }
  fail_msg("the reply never went out");
}

static void test_output_alloc_failures(void **state)
{
  (void)state;
  fixture();
  ip6_addr_t peer = ip6(PEER_GUA);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 4000, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0x5a, 4000);
  for (int n = 1; n < 30; n++) {
    lwip_alloc_fail_after(n);
    err_t err = ip6_output(p, NULL, &peer, 64, 0, 59);
    lwip_alloc_fail_after(0);
    if (err == ERR_OK) {
      drop_nd(&tn);
      assert_int_equal(frames6(&tn), 3);
      pbuf_free(p);
      return;
    }
    assert_int_equal(err, ERR_MEM);
    assert_int_equal(p->tot_len, 4000);
    test_frames_clear(&tn);
    relearn();
  }
  pbuf_free(p);
  fail_msg("the packet never went out");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_reass_orders, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_reass_overlap_and_duplicates, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_reass_bad_fragments, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_reass_timeout, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_reass_limits, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_reass_atomic_alone, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_output_fragmentation, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_own_fragments_round_trip, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_forwarding, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_reass_alloc_failures, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_output_alloc_failures, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
