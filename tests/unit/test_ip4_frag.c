/* Unit tests for core/ipv4/ip4_frag.c: reassembly of received fragments
 * (orders, duplicates, overlaps, inconsistent ends, bad lengths, the 64 KiB
 * limit, timeout with Time Exceeded, memory limits, chained input and
 * allocation failure) and fragmentation on output (offsets, flags, sizes,
 * checksums and fragments of fragments).  Without ip_frag the cases skip,
 * and one case checks that a fragment is then dropped cleanly. */
#include "test_common.h"

#include <stdlib.h>
#include <arpa/inet.h>

#include "lwip/ip4_frag.h"
#include "lwip/ip4.h"
#include "lwip/udp.h"
#include "lwip/icmp.h"
#include "lwip/etharp.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/ip4.h"

#define OUR_IP "192.168.1.10"
#define PEER_IP "192.168.1.2"
#define OUR_PORT 7000
#define PEER_PORT 1234

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

#if LWIP_UDP

static struct test_netif tn;
static struct netif *nif;

/* ---- receive recorder ---- */
#define MAX_RECS 24
#define REC_DATA 4400
struct rec {
  u8_t data[REC_DATA];
  u16_t len;
  u16_t nchain;
  u16_t port;
};
static struct rec recs[MAX_RECS];
static int nrecs;

static void rec_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)arg;
  (void)pcb;
  assert_int_equal(ip_2_ip4(addr)->addr, test_ip(PEER_IP));
  assert_true(nrecs < MAX_RECS);
  struct rec *r = &recs[nrecs++];
  assert_true(p->tot_len <= sizeof(r->data));
  r->len = p->tot_len;
  r->nchain = pbuf_clen(p);
  r->port = port;
  pbuf_copy_partial(p, r->data, p->tot_len, 0);
  pbuf_free(p);
}

static struct udp_pcb *fixture(void)
{
  nrecs = 0;
  memset(recs, 0, sizeof(recs));
  nif = test_netif_add(&tn, OUR_IP, "255.255.255.0", "192.168.1.1", test_mac);
  test_add_peer_arp(PEER_IP);
  struct udp_pcb *pcb = udp_new();
  assert_non_null(pcb);
  assert_int_equal(udp_bind(pcb, NULL, OUR_PORT), ERR_OK);
  udp_recv(pcb, rec_recv, NULL);
  return pcb;
}

/* Ethernet + IPv4 header (20 bytes) + @p len bytes of @p data, as fragment
 * of datagram @p id starting at payload byte @p off.  @return frame length. */
static size_t build_frag(u8_t *frame, u16_t id, u8_t proto, u16_t off, const u8_t *data, u16_t len, bool mf)
{
  size_t n = test_eth_hdr(frame, test_mac, peer_mac, 0x0800);
  u16_t field = (u16_t)(((off / 8U) & IP_OFFMASK) | (mf ? IP_MF : 0));
  n += test_ip4_hdr(frame + n, PEER_IP, OUR_IP, proto, (u16_t)(IP_HLEN + len), id, field, 64);
  memcpy(frame + n, data, len);
  return n + len;
}

/* Receive one fragment; @p chunk non-zero delivers it as a pbuf chain. */
static void rx_frag_ex(u16_t id, u8_t proto, u16_t off, const u8_t *data, u16_t len, bool mf, size_t chunk)
{
  u8_t frame[14 + IP_HLEN + 1500];
  assert_true(len <= 1500);
  size_t n = build_frag(frame, id, proto, off, data, len, mf);
  if (chunk != 0) {
    test_rx_chunked(&tn, frame, n, chunk);
  } else {
    test_rx(&tn, frame, n);
  }
}

static void rx_frag(u16_t id, u16_t off, const u8_t *data, u16_t len, bool mf)
{
  rx_frag_ex(id, IP_PROTO_UDP, off, data, len, mf, 0);
}

/* Payload pattern that differs per datagram (@p seed) and per byte. */
static void fill(u8_t *buf, size_t len, u8_t seed)
{
  for (size_t i = 0; i < len; i++) {
    buf[i] = (u8_t)(i * 7U + (i >> 8) * 13U + seed);
  }
}

/* A UDP datagram from the peer to OUR_PORT carrying @p plen bytes of
 * fill(seed) in @p l4; the payload is also left in @p payload.
 * @return the UDP length. */
static u16_t make_udp(u8_t *l4, u8_t *payload, size_t plen, u8_t seed)
{
  fill(payload, plen, seed);
  return (u16_t)test_udp(l4, PEER_IP, OUR_IP, PEER_PORT, OUR_PORT, payload, plen);
}

/* ------------------------------------------------------------------ */
/* Without ip_frag: fragments are dropped, nothing is delivered.       */
/* ------------------------------------------------------------------ */

static void test_frag_disabled_drops(void **state)
{
  (void)state;
#if IP_REASSEMBLY
  skip();
#else
  struct udp_pcb *pcb = fixture();
  u8_t l4[64], payload[40];
  u16_t l4len = make_udp(l4, payload, sizeof(payload), 1);
  rx_frag(1, 0, l4, 24, true);
  rx_frag(1, 24, l4 + 24, (u16_t)(l4len - 24), false);
  assert_int_equal(nrecs, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_FRAG_DISABLED), 2);
#endif
  test_frames_ip_only(&tn);
  test_frames_clear(&tn);
  udp_remove(pcb);
#endif
}

#endif /* LWIP_UDP */

/* ------------------------------------------------------------------ */
/* Shared by reassembly and fragmentation cases                        */
/* ------------------------------------------------------------------ */

#if LWIP_UDP && (IP_REASSEMBLY || IP_FRAG)

#define MAX_FRAGS 160

/* IP total length of each fragment collect_frags() saw. */
static u16_t frag_tot[MAX_FRAGS];

/* Pop every IPv4 frame and place the payloads by offset (relative to
 * @p base, in 8-byte units) into @p out, checking each header: our
 * addresses, @p proto, a valid checksum, one id, length within @p mtu, MF on
 * all but the last (on all when @p want_last is false).  Offsets go to
 * @p offs and total lengths to frag_tot.  @return the number of fragments;
 * *@p total the payload length covered. */
static int collect_frags_ex(u8_t *out, size_t cap, u8_t proto, u16_t mtu, u16_t base, bool want_last,
                            u16_t *offs, size_t *total)
{
  u8_t frame[1600];
  int n = 0;
  u16_t id = 0;
  size_t end = 0;
  bool last_seen = false;
  test_frames_ip_only(&tn);
  while (tn.nframes > 0) {
    int len = test_frame_pop_bytes(&tn, frame, sizeof(frame));
    assert_true(len >= 14 + IP_HLEN);
    assert_memory_equal(frame, peer_mac, 6);
    assert_memory_equal(frame + 6, test_mac, 6);
    const u8_t *ip = frame + 14;
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(ip[9], proto);
    assert_int_equal(test_cksum(ip, IP_HLEN, 0), 0);
    u32_t s = test_ip(OUR_IP), d = test_ip(PEER_IP);
    assert_memory_equal(ip + 12, &s, 4);
    assert_memory_equal(ip + 16, &d, 4);
    u16_t tot = get_be16(ip + 2);
    assert_true(tot <= mtu);
    assert_int_equal(len, 14 + tot);
    if (n == 0) {
      id = get_be16(ip + 4);
    }
    assert_int_equal(get_be16(ip + 4), id);
    u16_t field = get_be16(ip + 6);
    assert_false(last_seen); /* nothing after the fragment without MF */
    if ((field & IP_MF) == 0) {
      last_seen = true;
    } else {
      assert_int_equal((tot - IP_HLEN) % 8, 0);
    }
    assert_true((field & IP_OFFMASK) >= base);
    assert_int_equal(field & IP_DF, 0);
    size_t at = (size_t)((field & IP_OFFMASK) - base) * 8U;
    assert_true(at + tot - IP_HLEN <= cap);
    memcpy(out + at, ip + IP_HLEN, tot - IP_HLEN);
    if (at + tot - IP_HLEN > end) {
      end = at + tot - IP_HLEN;
    }
    assert_true(n < MAX_FRAGS);
    frag_tot[n] = tot;
    offs[n++] = (u16_t)(field & IP_OFFMASK);
  }
  assert_true(n > 0);
  assert_int_equal(last_seen, want_last);
  *total = end;
  return n;
}

static int collect_frags(u8_t *out, size_t cap, u8_t proto, u16_t mtu, u16_t *offs, size_t *total)
{
  return collect_frags_ex(out, cap, proto, mtu, 0, true, offs, total);
}

#endif

/* ------------------------------------------------------------------ */
/* Reassembly                                                          */
/* ------------------------------------------------------------------ */

#if LWIP_UDP && IP_REASSEMBLY

/* Split @p total bytes into fragments of @p fsz (a multiple of 8).
 * @return the number of fragments. */
static int split(u16_t total, u16_t fsz, u16_t *offs, u16_t *lens)
{
  assert_int_equal(fsz % 8, 0);
  int n = 0;
  for (u16_t off = 0; off < total; off = (u16_t)(off + fsz)) {
    assert_true(n < MAX_FRAGS);
    offs[n] = off;
    lens[n] = (u16_t)LWIP_MIN(fsz, total - off);
    n++;
  }
  return n;
}

enum order { IN_ORDER, REVERSE, SHUFFLED };

/* Deterministic shuffle (own xorshift, independent of the stack's random
 * source) that never leaves the last fragment last, so completion is not
 * triggered by the final fragment in every order. */
static void make_order(int *idx, int n, enum order o, u32_t seed)
{
  for (int i = 0; i < n; i++) {
    idx[i] = (o == REVERSE) ? n - 1 - i : i;
  }
  if (o != SHUFFLED) {
    return;
  }
  u32_t x = seed ? seed : 1;
  for (int i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    int j = (int)(x % (u32_t)(i + 1));
    int t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  if (idx[n - 1] == n - 1) {
    int t = idx[0];
    idx[0] = idx[n - 1];
    idx[n - 1] = t;
  }
}

/* Send datagram @p l4 split into @p fsz fragments in order @p o; check that
 * it is held until the last fragment and delivered exactly then. */
static void deliver_udp(u16_t id, const u8_t *l4, u16_t l4len, u16_t fsz, int expect_frags, enum order o,
                        size_t chunk)
{
  u16_t offs[MAX_FRAGS], lens[MAX_FRAGS];
  int idx[MAX_FRAGS];
  int n = split(l4len, fsz, offs, lens);
  assert_int_equal(n, expect_frags);
  make_order(idx, n, o, (u32_t)id * 2654435761U);
  int before = nrecs;
  for (int k = 0; k < n; k++) {
    int i = idx[k];
    rx_frag_ex(id, IP_PROTO_UDP, offs[i], l4 + offs[i], lens[i], i != n - 1, chunk);
    if (k < n - 1) {
      assert_int_equal(nrecs, before);
      assert_int_equal(ip4_reass_datagrams(), 1);
      if (chunk == 0) {
        assert_int_equal(ip4_reass_pbufs(), k + 1);
      }
    }
  }
  assert_int_equal(nrecs, before + 1);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(ip4_reass_pbufs(), 0);
}

static void test_reass_udp_orders(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  static u8_t l4[4400], payload[4400];
  /* (fragment count, fragment size, UDP length): the last fragment is
   * shorter than the others and not a multiple of 8. */
  static const struct {
    int n;
    u16_t fsz;
    u16_t l4len;
  } shapes[] = {{2, 1000, 1990}, {3, 1480, 4340}, {40, 64, 2540}};
  u16_t id = 100;
  int total_frags = 0;
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    for (int o = IN_ORDER; o <= SHUFFLED; o++) {
      size_t plen = shapes[s].l4len - 8U;
      u8_t seed = (u8_t)(s * 3 + (size_t)o);
      u16_t l4len = make_udp(l4, payload, plen, seed);
      assert_int_equal(l4len, shapes[s].l4len);
      deliver_udp(id++, l4, l4len, shapes[s].fsz, shapes[s].n, (enum order)o, 0);
      struct rec *r = &recs[nrecs - 1];
      assert_int_equal(r->len, plen);
      assert_memory_equal(r->data, payload, plen);
      assert_int_equal(r->port, PEER_PORT);
      total_frags += shapes[s].n;
    }
  }
  assert_int_equal(nrecs, 9);
#if LWIP_STATS
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_FRAG].recv, total_frags);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_UDP].recv, 9);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_FRAG].drop, 0);
#else
  (void)total_frags;
#endif
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_remove(pcb);
}

/* Datagrams that differ only in source, protocol or id are kept apart
 * (RFC 791 3.2), so interleaved fragments still complete separately. */
static void test_reass_interleaved(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  u8_t a[200], pa[200], b[200], pb[200];
  u16_t alen = make_udp(a, pa, 100, 1);
  u16_t blen = make_udp(b, pb, 150, 2);
  rx_frag(7, 0, a, 56, true);
  rx_frag(8, 0, b, 80, true);
  /* Same id, other protocol: a third datagram, never completed. */
  rx_frag_ex(7, IP_PROTO_ICMP, 56, a + 56, 8, true, 0);
  assert_int_equal(ip4_reass_datagrams(), 3);
  rx_frag(8, 80, b + 80, (u16_t)(blen - 80), false);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 150);
  assert_memory_equal(recs[0].data, pb, 150);
  rx_frag(7, 56, a + 56, (u16_t)(alen - 56), false);
  assert_int_equal(nrecs, 2);
  assert_int_equal(recs[1].len, 100);
  assert_memory_equal(recs[1].data, pa, 100);
  assert_int_equal(ip4_reass_datagrams(), 1);
  assert_int_equal(ip4_reass_pbufs(), 1);
  /* The leftover has no fragment 0: it times out silently. */
  test_clock_advance(IP_REASS_MAXAGE_S * 1000U + 1000U);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(ip4_reass_pbufs(), 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_remove(pcb);
}

/* An ICMP echo request in three fragments is answered with the whole
 * payload (the reply itself is fragmented to the MTU). */
static void test_reass_icmp_echo(void **state)
{
  (void)state;
#if IP_FRAG
  struct udp_pcb *pcb = fixture();
  static u8_t data[3000], req[3008], out[3100];
  fill(data, sizeof(data), 9);
  size_t rlen = test_icmp_echo(req, ICMP_ECHO, 0x5151, 7, data, sizeof(data));
  assert_int_equal(rlen, 3008);
  rx_frag_ex(33, IP_PROTO_ICMP, 1480, req + 1480, 1480, true, 0);
  rx_frag_ex(33, IP_PROTO_ICMP, 2960, req + 2960, 48, false, 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  rx_frag_ex(33, IP_PROTO_ICMP, 0, req, 1480, true, 0);
  assert_int_equal(ip4_reass_datagrams(), 0);
  u16_t offs[MAX_FRAGS];
  size_t total = 0;
  int n = collect_frags(out, sizeof(out), IP_PROTO_ICMP, 1500, offs, &total);
  assert_int_equal(n, 3);
  assert_int_equal(total, 3008);
  assert_int_equal(out[0], ICMP_ER);
  assert_int_equal(out[1], 0);
  assert_int_equal(get_be16(out + 4), 0x5151);
  assert_int_equal(get_be16(out + 6), 7);
  assert_memory_equal(out + 8, data, sizeof(data));
  assert_int_equal(test_cksum(out, total, 0), 0);
#if LWIP_STATS
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_FRAG].recv, 3);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_FRAG].xmit, 3);
#endif
  udp_remove(pcb);
#else
  skip();
#endif
}

/* An exact duplicate is dropped on its own; the datagram completes. */
static void test_reass_duplicate(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  u8_t l4[400], payload[400];
  u16_t l4len = make_udp(l4, payload, 300, 4); /* 308: 128 + 128 + 52 */
  rx_frag(5, 128, l4 + 128, 128, true);
  rx_frag(5, 128, l4 + 128, 128, true);
  assert_int_equal(ip4_reass_pbufs(), 1);
  rx_frag(5, 0, l4, 128, true);
  rx_frag(5, 0, l4, 128, true);
  assert_int_equal(ip4_reass_pbufs(), 2);
  assert_int_equal(nrecs, 0);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_DUPLICATE), 2);
#endif
  rx_frag(5, 256, l4 + 256, (u16_t)(l4len - 256), false);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 300);
  assert_memory_equal(recs[0].data, payload, 300);
  /* A duplicate arriving after completion starts a new datagram that
   * never completes, and is later timed out without an ICMP message. */
  rx_frag(5, 256, l4 + 256, (u16_t)(l4len - 256), false);
  assert_int_equal(ip4_reass_datagrams(), 1);
  test_clock_advance(IP_REASS_MAXAGE_S * 1000U + 1000U);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  assert_int_equal(nrecs, 1);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_DUPLICATE), 2);
  assert_int_equal(DROPS(FRAG_TIMEOUT), 1);
  assert_int_equal(DROPS(FRAG_OVERLAP), 0);
#endif
  udp_remove(pcb);
}

/* Any overlap other than an exact duplicate drops the whole datagram
 * (RFC 1858 4); a clean retransmission then completes. */
static void test_reass_overlap(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  u8_t l4[400], payload[400];
  u16_t l4len = make_udp(l4, payload, 100, 5); /* 108 bytes */
  /* (first range, second range): new inside the previous one, new
   * covering the next one, same start longer, same start shorter. */
  static const u16_t cases[][4] = {
    {0, 32, 16, 32},  /* [0,32) then [16,48) */
    {32, 16, 16, 40}, /* [32,48) then [16,56) */
    {16, 16, 16, 24}, /* [16,32) then [16,40) */
    {16, 24, 16, 8},  /* [16,40) then [16,24) */
    {16, 24, 24, 8},  /* [16,40) then [24,32): inside */
  };
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    u16_t id = (u16_t)(40 + c);
    rx_frag(id, cases[c][0], l4 + cases[c][0], cases[c][1], true);
    assert_int_equal(ip4_reass_datagrams(), 1);
    rx_frag(id, cases[c][2], l4 + cases[c][2], cases[c][3], true);
    assert_int_equal(ip4_reass_datagrams(), 0);
    assert_int_equal(ip4_reass_pbufs(), 0);
#if LWIP_STATS
    assert_int_equal(DROPS(FRAG_OVERLAP), c + 1);
#endif
    /* The retransmission of every fragment completes. */
    rx_frag(id, 0, l4, 56, true);
    rx_frag(id, 56, l4 + 56, (u16_t)(l4len - 56), false);
    assert_int_equal(nrecs, (int)c + 1);
    assert_int_equal(recs[c].len, 100);
    assert_memory_equal(recs[c].data, payload, 100);
  }
  /* An overlap with the last fragment (it ends the datagram at 108). */
  rx_frag(60, 56, l4 + 56, (u16_t)(l4len - 56), false);
  rx_frag(60, 48, l4 + 48, 16, true);
  assert_int_equal(ip4_reass_datagrams(), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_OVERLAP), 6);
  assert_int_equal(DROPS(FRAG_DUPLICATE), 0);
#endif
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_remove(pcb);
}

/* Fragments that disagree about where the datagram ends drop it. */
static void test_reass_inconsistent_end(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  u8_t l4[400], payload[400];
  u16_t l4len = make_udp(l4, payload, 100, 6); /* 108 bytes */
  (void)l4len;
  int expect = 0;
  /* Two different last fragments: [64,108) then [64,100). */
  rx_frag(70, 64, l4 + 64, 44, false);
  rx_frag(70, 64, l4 + 64, 36, false);
  assert_int_equal(ip4_reass_datagrams(), 0);
  expect++;
  /* Last fragment ends at 64, then one with MF ends at 72. */
  rx_frag(71, 0, l4, 16, true);
  rx_frag(71, 56, l4 + 56, 8, false);
  rx_frag(71, 64, l4 + 64, 8, true);
  assert_int_equal(ip4_reass_datagrams(), 0);
  expect++;
  /* Data beyond the end: [64,80) first, then a last fragment ending at 48. */
  rx_frag(72, 64, l4 + 64, 16, true);
  rx_frag(72, 32, l4 + 32, 16, false);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(ip4_reass_pbufs(), 0);
  expect++;
  /* A second last fragment with another start but the same end is an
   * overlap rather than an inconsistency. */
  rx_frag(73, 64, l4 + 64, 44, false);
  rx_frag(73, 88, l4 + 88, 20, false);
  assert_int_equal(ip4_reass_datagrams(), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_INCONSISTENT), expect);
  assert_int_equal(DROPS(FRAG_OVERLAP), 1);
#else
  (void)expect;
#endif
  assert_int_equal(nrecs, 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_remove(pcb);
}

/* Per-fragment checks: non-final lengths must be non-zero multiples of 8
 * (RFC 791 3.2), and nothing may reach past 65535 - 20. */
static void test_reass_bad_len_and_too_big(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  u8_t data[64];
  fill(data, sizeof(data), 7);
  rx_frag(80, 0, data, 12, true);
  rx_frag(80, 16, data, 0, true);
  rx_frag(80, 8, data, 9, true);
  assert_int_equal(ip4_reass_datagrams(), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_BAD_LEN), 3);
#endif
  /* 8189 * 8 + 8 = 65520 > 65515 */
  rx_frag(81, 65512, data, 8, false);
  /* 8188 * 8 + 16 = 65520 */
  rx_frag(81, 65504, data, 16, true);
  assert_int_equal(ip4_reass_datagrams(), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_TOO_BIG), 2);
#endif
  /* 65504 + 11 = 65515 is the largest end allowed. */
  rx_frag(82, 65504, data, 11, false);
  assert_int_equal(ip4_reass_datagrams(), 1);
  assert_int_equal(ip4_reass_pbufs(), 1);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_TOO_BIG), 2);
  assert_int_equal(DROPS(FRAG_BAD_LEN), 3);
#endif
  test_clock_advance(IP_REASS_MAXAGE_S * 1000U + 1000U);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(ip4_reass_pbufs(), 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  assert_int_equal(nrecs, 0);
  udp_remove(pcb);
}

/* RFC 1122 3.2.1.4: on timeout with fragment 0 in hand, send Time
 * Exceeded code 1 quoting its header and first 8 data bytes. */
static void test_reass_timeout_icmp(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  u8_t l4[400], payload[400], frame0[200], pkt[200];
  u16_t l4len = make_udp(l4, payload, 200, 8); /* 208: 64 + 64 + 80 */
  size_t n0 = build_frag(frame0, 90, IP_PROTO_UDP, 0, l4, 64, true);
  rx_frag(90, 128, l4 + 128, (u16_t)(l4len - 128), false);
  test_clock_advance(500);
  test_rx(&tn, frame0, n0);
  assert_int_equal(ip4_reass_datagrams(), 1);
  assert_int_equal(ip4_reass_pbufs(), 2);
  /* Still waiting just before the limit (counted from the first arrival). */
  test_clock_advance(IP_REASS_MAXAGE_S * 1000U - 501U);
  assert_int_equal(ip4_reass_datagrams(), 1);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  test_clock_advance(1001);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(ip4_reass_pbufs(), 0);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  int len = test_frame_pop_bytes(&tn, pkt, sizeof(pkt));
  assert_int_equal(len, 14 + 20 + 8 + 20 + 8);
  assert_memory_equal(pkt, peer_mac, 6);
  const u8_t *ip = pkt + 14;
  assert_int_equal(ip[0], 0x45);
  assert_int_equal(ip[9], IP_PROTO_ICMP);
  assert_int_equal(get_be16(ip + 2), 56);
  assert_int_equal(test_cksum(ip, 20, 0), 0);
  u32_t s = test_ip(OUR_IP), d = test_ip(PEER_IP);
  assert_memory_equal(ip + 12, &s, 4);
  assert_memory_equal(ip + 16, &d, 4);
  const u8_t *icmp = ip + 20;
  assert_int_equal(icmp[0], ICMP_TE);
  assert_int_equal(icmp[1], ICMP_TE_FRAG);
  assert_int_equal(get_be32(icmp + 4), 0);
  assert_int_equal(test_cksum(icmp, 36, 0), 0);
  /* The quote is the fragment's original header, byte for byte, and the
   * first 8 bytes of its data (the UDP header). */
  assert_memory_equal(icmp + 8, frame0 + 14, 28);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_TIMEOUT), 1);
#endif
  assert_int_equal(nrecs, 0);
  udp_remove(pcb);
}

/* Without fragment 0 there is nothing to quote: no ICMP message. */
static void test_reass_timeout_silent(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  u8_t l4[400], payload[400];
  u16_t l4len = make_udp(l4, payload, 200, 8);
  rx_frag(91, 64, l4 + 64, 64, true);
  rx_frag(91, 128, l4 + 128, (u16_t)(l4len - 128), false);
  rx_frag(92, 64, l4 + 64, 64, true);
  assert_int_equal(ip4_reass_datagrams(), 2);
  assert_int_equal(ip4_reass_pbufs(), 3);
  test_clock_advance(IP_REASS_MAXAGE_S * 1000U + 1000U);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(ip4_reass_pbufs(), 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_TIMEOUT), 2);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_ICMP].xmit, 0);
#endif
  /* Fragments of the timed-out datagram start over. */
  rx_frag(91, 0, l4, 64, true);
  assert_int_equal(ip4_reass_datagrams(), 1);
  assert_int_equal(nrecs, 0);
  test_clock_advance(IP_REASS_MAXAGE_S * 1000U + 1000U);
  assert_int_equal(ip4_reass_datagrams(), 0);
  test_frames_ip_only(&tn);
  test_frames_clear(&tn);
  udp_remove(pcb);
}

/* Datagram i of the limit tests: UDP with 16 payload bytes (24 bytes:
 * fragments [0,8), [8,16), [16,24)). */
static void limit_dgram(u8_t *l4, u8_t *payload, int i)
{
  make_udp(l4, payload, 16, (u8_t)(0x40 + i));
}

/* One more datagram than MEMP_NUM_REASSDATA gives up the oldest.  With
 * @p spaced the arrivals are 10 ms apart, otherwise all in the same ms
 * (the oldest must still be the first to arrive). */
static void reassdata_limit(bool spaced)
{
  struct udp_pcb *pcb = fixture();
  u8_t l4[32], payload[16];
  const int n = MEMP_NUM_REASSDATA + 1;
  for (int i = 0; i < n; i++) {
    limit_dgram(l4, payload, i);
    rx_frag((u16_t)(200 + i), 8, l4 + 8, 8, true);
    if (spaced) {
      test_clock_advance(10);
    }
  }
  assert_int_equal(ip4_reass_datagrams(), MEMP_NUM_REASSDATA);
  assert_int_equal(ip4_reass_pbufs(), MEMP_NUM_REASSDATA);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_LIMIT), 1);
#endif
  /* Every datagram but the first still completes. */
  for (int i = 1; i < n; i++) {
    limit_dgram(l4, payload, i);
    rx_frag((u16_t)(200 + i), 0, l4, 8, true);
    rx_frag((u16_t)(200 + i), 16, l4 + 16, 8, false);
    assert_int_equal(nrecs, i);
    assert_int_equal(recs[i - 1].len, 16);
    assert_memory_equal(recs[i - 1].data, payload, 16);
  }
  assert_int_equal(ip4_reass_datagrams(), 0);
  /* The first one lost its middle fragment. */
  limit_dgram(l4, payload, 0);
  rx_frag(200, 0, l4, 8, true);
  rx_frag(200, 16, l4 + 16, 8, false);
  assert_int_equal(nrecs, n - 1);
  assert_int_equal(ip4_reass_datagrams(), 1);
  test_clock_advance(IP_REASS_MAXAGE_S * 1000U + 1000U);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(ip4_reass_pbufs(), 0);
  test_frames_ip_only(&tn);
  test_frames_clear(&tn); /* the Time Exceeded about datagram 200 */
  udp_remove(pcb);
}

static void test_reass_limit_datagrams(void **state)
{
  (void)state;
  reassdata_limit(true);
}

static void test_reass_limit_datagrams_same_ms(void **state)
{
  (void)state;
  reassdata_limit(false);
}

/* IP_REASS_MAX_PBUFS bounds the pbufs held: the oldest other datagram is
 * given up first; a datagram alone at the limit loses the new fragment. */
static void test_reass_limit_pbufs(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  u8_t data[8];
  fill(data, sizeof(data), 3);
  const u16_t half = IP_REASS_MAX_PBUFS / 2;
  for (u16_t i = 0; i < half; i++) {
    rx_frag(300, (u16_t)(8 + 8 * i), data, 8, true);
  }
  test_clock_advance(10);
  u16_t next = 0;
  for (; next < IP_REASS_MAX_PBUFS - half; next++) {
    rx_frag(301, (u16_t)(8 + 8 * next), data, 8, true);
  }
  assert_int_equal(ip4_reass_datagrams(), 2);
  assert_int_equal(ip4_reass_pbufs(), IP_REASS_MAX_PBUFS);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_LIMIT), 0);
#endif
  rx_frag(301, (u16_t)(8 + 8 * next++), data, 8, true);
  assert_int_equal(ip4_reass_datagrams(), 1);
  assert_int_equal(ip4_reass_pbufs(), IP_REASS_MAX_PBUFS - half + 1);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_LIMIT), 1);
#endif
  while (ip4_reass_pbufs() < IP_REASS_MAX_PBUFS) {
    rx_frag(301, (u16_t)(8 + 8 * next++), data, 8, true);
  }
  rx_frag(301, (u16_t)(8 + 8 * next++), data, 8, true);
  assert_int_equal(ip4_reass_datagrams(), 1);
  assert_int_equal(ip4_reass_pbufs(), IP_REASS_MAX_PBUFS);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_LIMIT), 2);
#endif
  /* A new datagram is served first: the full one is given up for it. */
  rx_frag(302, 8, data, 8, true);
  assert_int_equal(ip4_reass_datagrams(), 1);
  assert_int_equal(ip4_reass_pbufs(), 1);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_LIMIT), 3);
#endif
  test_clock_advance(IP_REASS_MAXAGE_S * 1000U + 1000U);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(ip4_reass_pbufs(), 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_remove(pcb);
}

/* Fragments arriving as pbuf chains are charged per pbuf and joined
 * correctly, including one whose IP header straddles two pbufs. */
static void test_reass_chained_input(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  static u8_t l4[1000], payload[1000];
  u16_t l4len = make_udp(l4, payload, 900, 11); /* 908: 320 + 320 + 268 */
  const size_t chunk = 50;
  size_t f1 = 14 + 20 + 320, f2 = 14 + 20 + 268;
  rx_frag_ex(60, IP_PROTO_UDP, 320, l4 + 320, 320, true, chunk);
  assert_int_equal(ip4_reass_pbufs(), (f1 + chunk - 1) / chunk);
  rx_frag_ex(60, IP_PROTO_UDP, 640, l4 + 640, (u16_t)(l4len - 640), false, chunk);
  assert_int_equal(ip4_reass_pbufs(), (f1 + chunk - 1) / chunk + (f2 + chunk - 1) / chunk);
  rx_frag_ex(60, IP_PROTO_UDP, 0, l4, 320, true, chunk);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 900);
  assert_memory_equal(recs[0].data, payload, 900);
  assert_true(recs[0].nchain > 3);
  assert_int_equal(ip4_reass_pbufs(), 0);
  /* Header split across pbufs (made contiguous by IP input). */
  deliver_udp(61, l4, l4len, 320, 3, SHUFFLED, 24);
  assert_int_equal(recs[1].len, 900);
  assert_memory_equal(recs[1].data, payload, 900);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_remove(pcb);
}

/* A first fragment with IP options: the reassembled datagram gets a plain
 * 20-byte header and the payload is intact; the Time Exceeded quote of
 * such a fragment includes the options. */
static void test_reass_first_with_options(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  u8_t l4[300], payload[300], frame[300], pkt[200];
  u16_t l4len = make_udp(l4, payload, 150, 12); /* 158: 64 + 94 */
  for (int round = 0; round < 2; round++) {
    u16_t id = (u16_t)(110 + round);
    size_t n = test_eth_hdr(frame, test_mac, peer_mac, 0x0800);
    u8_t *h = frame + n;
    test_ip4_hdr(h, PEER_IP, OUR_IP, IP_PROTO_UDP, 24 + 64, id, IP_MF, 64);
    h[0] = 0x46;
    memcpy(h + 20, "\x01\x01\x01\x00", 4); /* NOP NOP NOP EOL */
    put_be16(h + 10, 0);
    put_be16(h + 10, test_cksum(h, 24, 0));
    memcpy(h + 24, l4, 64);
    n += 24 + 64;
    test_rx(&tn, frame, n);
    assert_int_equal(ip4_reass_datagrams(), 1);
    if (round == 0) {
      rx_frag(id, 64, l4 + 64, (u16_t)(l4len - 64), false);
      assert_int_equal(nrecs, 1);
      assert_int_equal(recs[0].len, 150);
      assert_memory_equal(recs[0].data, payload, 150);
    } else {
      test_clock_advance(IP_REASS_MAXAGE_S * 1000U + 1000U);
      assert_int_equal(test_frames_ip_only(&tn), 1);
      int len = test_frame_pop_bytes(&tn, pkt, sizeof(pkt));
      assert_int_equal(len, 14 + 20 + 8 + 24 + 8);
      assert_int_equal(pkt[14 + 20], ICMP_TE);
      assert_int_equal(pkt[14 + 21], ICMP_TE_FRAG);
      assert_memory_equal(pkt + 14 + 28, frame + 14, 32);
    }
    assert_int_equal(ip4_reass_datagrams(), 0);
    assert_int_equal(ip4_reass_pbufs(), 0);
  }
  udp_remove(pcb);
}

/* Shapes at the edges of what arrives on a wire: a zero-length last
 * fragment, a fragment whose first pbuf holds exactly its header, a
 * non-first fragment with options and frames with Ethernet padding. */
static void test_reass_edge_shapes(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  u8_t l4[400], payload[400], frame[400];
  u16_t l4len = make_udp(l4, payload, 40, 14); /* 48 bytes */
  /* Zero-length last fragment: the datagram ends where it starts. */
  rx_frag(130, 48, l4, 0, false);
  assert_int_equal(ip4_reass_datagrams(), 1);
  rx_frag(130, 0, l4, 48, true);
  assert_int_equal(nrecs, 1);
  assert_int_equal(recs[0].len, 40);
  assert_memory_equal(recs[0].data, payload, 40);
  assert_int_equal(ip4_reass_pbufs(), 0);

  /* 14 + 20 bytes per pbuf: after the Ethernet header is taken off, the
   * first pbuf of every fragment is exactly the IP header. */
  l4len = make_udp(l4, payload, 200, 15); /* 208: 64 + 64 + 80 */
  deliver_udp(131, l4, l4len, 64, 4, SHUFFLED, 34);
  assert_int_equal(recs[1].len, 200);
  assert_memory_equal(recs[1].data, payload, 200);

  /* A middle fragment carrying options (24-byte header). */
  size_t n = test_eth_hdr(frame, test_mac, peer_mac, 0x0800);
  u8_t *h = frame + n;
  test_ip4_hdr(h, PEER_IP, OUR_IP, IP_PROTO_UDP, 24 + 64, 132, (u16_t)(IP_MF | 8), 64);
  h[0] = 0x46;
  memcpy(h + 20, "\x01\x01\x01\x00", 4);
  put_be16(h + 10, 0);
  put_be16(h + 10, test_cksum(h, 24, 0));
  memcpy(h + 24, l4 + 64, 64);
  rx_frag(132, 128, l4 + 128, (u16_t)(l4len - 128), false);
  test_rx(&tn, frame, n + 24 + 64);
  rx_frag(132, 0, l4, 64, true);
  assert_int_equal(nrecs, 3);
  assert_int_equal(recs[2].len, 200);
  assert_memory_equal(recs[2].data, payload, 200);

  /* Short fragments padded to the 60-byte Ethernet minimum: the padding
   * is not data. */
  l4len = make_udp(l4, payload, 12, 16); /* 20: 8 + 12 */
  n = build_frag(frame, 133, IP_PROTO_UDP, 8, l4 + 8, 12, false);
  memset(frame + n, 0xee, 60 - n);
  test_rx(&tn, frame, 60);
  n = build_frag(frame, 133, IP_PROTO_UDP, 0, l4, 8, true);
  memset(frame + n, 0xee, 60 - n);
  test_rx(&tn, frame, 60);
  assert_int_equal(nrecs, 4);
  assert_int_equal(recs[3].len, 12);
  assert_memory_equal(recs[3].data, payload, 12);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(ip4_reass_pbufs(), 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_remove(pcb);
}

/* Allocation failure of the reassembly record drops the fragment; the
 * stack recovers and a retransmission completes. */
static void test_reass_alloc_failure(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  struct udp_pcb *pcb = fixture();
  u8_t l4[300], payload[300], frame[300];
  u16_t l4len = make_udp(l4, payload, 100, 13); /* 108: 56 + 52 */
  size_t n = build_frag(frame, 120, IP_PROTO_UDP, 56, l4 + 56, (u16_t)(l4len - 56), false);
  struct pbuf *p = test_pbuf(frame, n, 0);
  lwip_alloc_fail_after(1); /* the record is the first allocation on input */
  tn.netif.input(p, &tn.netif);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(ip4_reass_pbufs(), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_LIMIT), 1);
#endif
  rx_frag(120, 0, l4, 56, true);
  assert_int_equal(nrecs, 0);
  rx_frag(120, 56, l4 + 56, (u16_t)(l4len - 56), false);
  assert_int_equal(nrecs, 1);
  assert_memory_equal(recs[0].data, payload, 100);
  assert_int_equal(ip4_reass_datagrams(), 0);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  udp_remove(pcb);
#else
  skip();
#endif
}

#else /* LWIP_UDP && IP_REASSEMBLY */

#define SKIPPED(name) \
  static void name(void **state) \
  { \
    (void)state; \
    skip(); \
  }
SKIPPED(test_reass_udp_orders)
SKIPPED(test_reass_interleaved)
SKIPPED(test_reass_icmp_echo)
SKIPPED(test_reass_duplicate)
SKIPPED(test_reass_overlap)
SKIPPED(test_reass_inconsistent_end)
SKIPPED(test_reass_bad_len_and_too_big)
SKIPPED(test_reass_timeout_icmp)
SKIPPED(test_reass_timeout_silent)
SKIPPED(test_reass_limit_datagrams)
SKIPPED(test_reass_limit_datagrams_same_ms)
SKIPPED(test_reass_limit_pbufs)
SKIPPED(test_reass_chained_input)
SKIPPED(test_reass_first_with_options)
SKIPPED(test_reass_alloc_failure)
SKIPPED(test_reass_edge_shapes)
#endif

/* ------------------------------------------------------------------ */
/* Fragmentation on output                                             */
/* ------------------------------------------------------------------ */

#if LWIP_UDP && IP_FRAG

static u32_t pseudo_sum(const char *src, const char *dst, u8_t proto, u32_t len)
{
  u32_t s = ntohl(test_ip(src)), d = ntohl(test_ip(dst));
  return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto + len;
}

/* udp_sendto of @p plen bytes on the current MTU; check the fragments
 * (count, offsets in steps of (mtu - 20) / 8, sizes) and that they
 * reassemble to the exact UDP datagram. */
static void send_udp_and_check(struct udp_pcb *pcb, u16_t plen, u16_t mtu, int expect)
{
  static u8_t payload[4000], out[4100];
  assert_true(plen <= sizeof(payload));
  fill(payload, plen, 0x77);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, plen, PBUF_RAM);
  assert_non_null(p);
  assert_int_equal(pbuf_take(p, payload, plen), ERR_OK);
  ip_addr_t dst;
  ip4_addr_t d4 = {test_ip(PEER_IP)};
  ip_addr_set_ip4(&dst, &d4);
  assert_int_equal(udp_sendto(pcb, p, &dst, 6000), ERR_OK);
  pbuf_free(p);

  u16_t offs[MAX_FRAGS];
  size_t total = 0;
  memset(out, 0, sizeof(out));
  int n = collect_frags(out, sizeof(out), IP_PROTO_UDP, mtu, offs, &total);
  assert_int_equal(n, expect);
  u16_t step = (u16_t)(((mtu - IP_HLEN) & ~7U) / 8U);
  size_t ulen = 8U + plen;
  for (int i = 0; i < n; i++) {
    assert_int_equal(offs[i], i * step);
    if (i < n - 1) {
      assert_int_equal(frag_tot[i], IP_HLEN + step * 8U);
    } else {
      assert_int_equal(frag_tot[i], IP_HLEN + ulen - (size_t)i * step * 8U);
    }
  }
  assert_int_equal(total, ulen);
  assert_int_equal(get_be16(out), OUR_PORT);
  assert_int_equal(get_be16(out + 2), 6000);
  assert_int_equal(get_be16(out + 4), ulen);
  assert_int_equal(test_cksum(out, ulen, pseudo_sum(OUR_IP, PEER_IP, IP_PROTO_UDP, (u32_t)ulen)), 0);
  assert_memory_equal(out + 8, payload, plen);
}

static void test_frag_udp_output(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  /* 4008 bytes on 1500: 1480 + 1480 + 1048 at offsets 0, 185, 370. */
  send_udp_and_check(pcb, 4000, 1500, 3);
#if LWIP_STATS
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_FRAG].xmit, 3);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_IP4].xmit, 3);
#endif
  /* 576: 552-byte pieces, 8 of them. */
  assert_int_equal(netif_set_mtu(nif, 576), ERR_OK);
  send_udp_and_check(pcb, 4000, 576, 8);
  /* One byte over the MTU: two fragments, the second of 8 bytes... */
  assert_int_equal(netif_set_mtu(nif, 1500), ERR_OK);
  send_udp_and_check(pcb, 1473, 1500, 2);
  /* ...and exactly the MTU is sent whole (no fragment bits). */
  send_udp_and_check(pcb, 1472, 1500, 1);
  /* A small MTU with a remainder that is a multiple of 8. */
  assert_int_equal(netif_set_mtu(nif, 68), ERR_OK);
  send_udp_and_check(pcb, 88, 68, 2);
  udp_remove(pcb);
}

/* Build a datagram from us to the peer: header (@p hlen bytes: 20 plus
 * NOP options) with fragment field @p field, then @p plen bytes of
 * fill(seed). */
static size_t make_dgram(u8_t *buf, u16_t hlen, u16_t field, u16_t plen, u8_t seed)
{
  test_ip4_hdr(buf, OUR_IP, PEER_IP, IP_PROTO_UDP, (u16_t)(hlen + plen), 0x4242, field, 33);
  buf[0] = (u8_t)(0x40 | (hlen / 4));
  memset(buf + IP_HLEN, 1, (size_t)(hlen - IP_HLEN)); /* NOP options */
  buf[1] = 0x28;                                      /* a TOS to be copied */
  put_be16(buf + 10, 0);
  put_be16(buf + 10, test_cksum(buf, hlen, 0));
  fill(buf + hlen, plen, seed);
  return (size_t)hlen + plen;
}

/* RFC 791 3.2: a fragment of a fragment keeps its place in the original
 * datagram, and MF stays set on every piece when the original had it. */
static void test_frag_of_fragment(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  static u8_t dgram[3100], out[3100];
  ip4_addr_t peer = {test_ip(PEER_IP)};
  u16_t offs[MAX_FRAGS];
  size_t total = 0;
  for (int mf = 0; mf < 2; mf++) {
    size_t n = make_dgram(dgram, IP_HLEN, (u16_t)(100 | (mf ? IP_MF : 0)), 3000, (u8_t)mf);
    /* A pool chain: the source spans pbufs. */
    struct pbuf *p = test_pbuf(dgram, n, 0);
    assert_int_equal(ip4_frag(p, nif, &peer), ERR_OK);
    pbuf_free(p);
    memset(out, 0, sizeof(out));
    int k = collect_frags_ex(out, sizeof(out), IP_PROTO_UDP, 1500, 100, mf == 0, offs, &total);
    assert_int_equal(k, 3);
    assert_int_equal(offs[0], 100);
    assert_int_equal(offs[1], 285);
    assert_int_equal(offs[2], 470);
    assert_int_equal(total, 3000);
    assert_memory_equal(out, dgram + IP_HLEN, 3000);
  }
  /* The header fields other than length, flags and checksum are copied;
   * options are not (every piece has a 20-byte header). */
  size_t n = make_dgram(dgram, 32, 0, 2000, 5);
  struct pbuf *p = test_pbuf(dgram, n, 700);
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_OK);
  pbuf_free(p);
  u8_t frame[1600];
  test_frames_ip_only(&tn);
  assert_int_equal(tn.nframes, 2);
  struct pbuf *f0 = tn.frames[0];
  memcpy(frame, f0->payload, f0->tot_len);
  assert_int_equal(frame[14], 0x45);
  assert_int_equal(frame[15], 0x28);
  assert_int_equal(get_be16(frame + 14 + 4), 0x4242);
  assert_int_equal(frame[14 + 8], 33);
  memset(out, 0, sizeof(out));
  int k = collect_frags(out, sizeof(out), IP_PROTO_UDP, 1500, offs, &total);
  assert_int_equal(k, 2);
  assert_int_equal(frag_tot[0], 1500);
  assert_int_equal(frag_tot[1], 20 + 520);
  assert_memory_equal(out, dgram + 32, 2000);
  udp_remove(pcb);
}

/* Arguments ip4_frag() cannot work with are refused without sending. */
static void test_frag_bad_input(void **state)
{
  (void)state;
  struct udp_pcb *pcb = fixture();
  static u8_t dgram[3100];
  ip4_addr_t peer = {test_ip(PEER_IP)};
  size_t n = make_dgram(dgram, IP_HLEN, 0, 2000, 1);
  struct pbuf *p = test_pbuf(dgram, n, 0);
  /* An MTU that cannot hold a header and 8 bytes. */
  nif->mtu = IP_HLEN + 7;
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_VAL);
  nif->mtu = 1500;
  pbuf_free(p);
  /* Header length below 20. */
  dgram[0] = 0x44;
  p = test_pbuf(dgram, n, 0);
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_VAL);
  pbuf_free(p);
  /* Header length beyond the packet, and a packet shorter than a header. */
  dgram[0] = 0x4f;
  p = test_pbuf(dgram, 40, 0);
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_VAL);
  pbuf_free(p);
  p = test_pbuf(dgram, 12, 0);
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_VAL);
  pbuf_free(p);
  /* A fragment placed so far out that its pieces' offsets would not fit
   * in 13 bits (65528 + 1000 > 65535). */
  n = make_dgram(dgram, IP_HLEN, 8191 | IP_MF, 1000, 2);
  p = test_pbuf(dgram, n, 0);
  assert_int_equal(netif_set_mtu(nif, 576), ERR_OK);
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_VAL);
  pbuf_free(p);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(FRAG_TOO_BIG), 1);
#endif
  /* The largest that fits: 8189 * 8 + 3 = 65515 bytes of payload. */
  n = make_dgram(dgram, IP_HLEN, 8189 | IP_MF, 3, 2);
  p = test_pbuf(dgram, n, 0);
  nif->mtu = IP_HLEN + 8; /* still smaller than the 23-byte datagram */
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_OK);
  pbuf_free(p);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  u8_t frame[64];
  assert_int_equal(test_frame_pop_bytes(&tn, frame, sizeof(frame)), 14 + 23);
  assert_int_equal(get_be16(frame + 14 + 6), 8189 | IP_MF);
  assert_int_equal(netif_set_mtu(nif, 1500), ERR_OK);
  /* The driver's error ends the fragmentation and is returned. */
  n = make_dgram(dgram, IP_HLEN, 0, 2000, 3);
  p = test_pbuf(dgram, n, 0);
  tn.linkoutput_ret = ERR_IF;
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_IF);
  tn.linkoutput_ret = ERR_OK;
  assert_int_equal(test_frames_ip_only(&tn), 0);
  pbuf_free(p);
  udp_remove(pcb);
}

/* A fragment buffer that cannot be allocated stops the datagram with
 * ERR_MEM after the pieces already sent. */
static void test_frag_alloc_failure(void **state)
{
  (void)state;
#if LWIP_TEST_HOOKS
  struct udp_pcb *pcb = fixture();
  static u8_t dgram[3100];
  ip4_addr_t peer = {test_ip(PEER_IP)};
  size_t n = make_dgram(dgram, IP_HLEN, 0, 3000, 4);
  struct pbuf *p = test_pbuf(dgram, n, 0);
  u32_t c0 = lwip_alloc_count();
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_OK);
  u32_t per = (lwip_alloc_count() - c0) / 3;
  assert_int_equal(per * 3, lwip_alloc_count() - c0);
  assert_true(per >= 1);
  assert_int_equal(test_frames_ip_only(&tn), 3);
  test_frames_clear(&tn);
  lwip_alloc_fail_after(1);
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_MEM);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  lwip_alloc_fail_after(per + 1);
  assert_int_equal(ip4_frag(p, nif, &peer), ERR_MEM);
  assert_int_equal(test_frames_ip_only(&tn), 1);
  test_frames_clear(&tn);
#if LWIP_STATS
  assert_int_equal(DROPS(IP4_NO_MEM), 2);
#endif
  pbuf_free(p);
  udp_remove(pcb);
#else
  skip();
#endif
}

#else /* LWIP_UDP && IP_FRAG */

#define SKIPPED_OUT(name) \
  static void name(void **state) \
  { \
    (void)state; \
    skip(); \
  }
SKIPPED_OUT(test_frag_udp_output)
SKIPPED_OUT(test_frag_of_fragment)
SKIPPED_OUT(test_frag_bad_input)
SKIPPED_OUT(test_frag_alloc_failure)
#endif

int main(void)
{
  const struct CMUnitTest tests[] = {
#if LWIP_UDP
    cmocka_unit_test_setup_teardown(test_frag_disabled_drops, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_reass_udp_orders, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_interleaved, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_icmp_echo, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_duplicate, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_overlap, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_inconsistent_end, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_bad_len_and_too_big, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_timeout_icmp, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_timeout_silent, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_limit_datagrams, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_limit_datagrams_same_ms, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_limit_pbufs, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_chained_input, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_first_with_options, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_edge_shapes, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reass_alloc_failure, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_frag_udp_output, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_frag_of_fragment, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_frag_bad_input, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_frag_alloc_failure, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("ip4_frag", tests, NULL, NULL);
}
