/*
 * Mutation fuzzing of the receive path (suite "fuzz").
 *
 * A corpus of valid frames (ARP, ICMP echo, UDP to an open and a closed
 * port, UDP-Lite, IGMP query and report, IPv4 fragments, IPv4 with options,
 * TCP segments with options to a listener and to no one; with IPv6 also an
 * ICMPv6 echo, a Neighbor Solicitation, a Router Advertisement with options,
 * an extension-header chain, a fragment and an MLDv2 query)
 * is mutated at random -- bit flips, byte overwrites with boundary values,
 * truncation, extension, splicing two frames -- and fed to ethernet_input,
 * whole and as chains of small pbufs, while the virtual clock moves on and
 * the allocation-failure hook strikes now and then.  The stack must neither
 * crash (the sanitizer build catches memory errors) nor keep any memory once
 * its state is torn down: the fixture's teardown fails on a single leaked
 * pool element or heap byte.
 *
 * The run is deterministic: LWIP_FUZZ_SEED picks the seed (default 1) and
 * LWIP_FUZZ_ITERS the number of frames (default 20000), so a failure found
 * in CI reproduces exactly on any machine.
 */
#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>

#include "lwip/udp.h"
#include "lwip/raw.h"
#include "lwip/igmp.h"
#include "lwip/etharp.h"
#include "lwip/tcp.h"
#include "lwip/prot/wire.h"
#if LWIP_IPV6
#include "test_ip6_util.h"
#endif

#define OUR_IP "10.1.0.1"
#define PEER_IP "10.1.0.2"
#define MAX_FRAME 1600
#define CORPUS_MAX 32

struct frame {
  u8_t b[MAX_FRAME];
  size_t len;
};

static struct frame corpus[CORPUS_MAX];
static int ncorpus;
static u64_t rng;

/* splitmix64: the fuzzer's own generator, independent of the stack's. */
static u32_t fuzz_rand(void)
{
  u64_t z = (rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (u32_t)((z ^ (z >> 31)) >> 32);
}

static u32_t env_u32(const char *name, u32_t dflt)
{
  const char *s = getenv(name);
  return (s != NULL && *s != '\0') ? (u32_t)strtoul(s, NULL, 0) : dflt;
}

static struct frame *corpus_add(void)
{
  assert_true(ncorpus < CORPUS_MAX);
  return &corpus[ncorpus++];
}

static void add_ip4(const char *dst, u8_t proto, const void *payload, size_t plen)
{
  struct frame *f = corpus_add();
  f->len = test_eth_ip4(f->b, PEER_IP, dst, proto, payload, plen);
}

static void add_arp(u16_t op, const char *target)
{
  struct frame *f = corpus_add();
  u8_t *b = f->b;
  test_eth_hdr(b, op == 1 ? (const u8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff} : test_mac,
               peer_mac, 0x0806);
  put_be16(b + 14, 1);      /* hardware type: Ethernet */
  put_be16(b + 16, 0x0800); /* protocol type: IPv4 */
  b[18] = 6;
  b[19] = 4;
  put_be16(b + 20, op);
  memcpy(b + 22, peer_mac, 6);
  put_n32(b + 28, test_ip(PEER_IP));
  memcpy(b + 32, op == 1 ? (const u8_t[6]){0} : test_mac, 6);
  put_n32(b + 38, test_ip(target));
  f->len = 42;
}

/* Two halves of a 1200-byte UDP datagram, as separate fragments. */
static void add_fragments(void)
{
  u8_t udp[1208];
  u8_t data[1200];
  for (size_t i = 0; i < sizeof(data); i++) {
    data[i] = (u8_t)i;
  }
  size_t ulen = test_udp(udp, PEER_IP, OUR_IP, 4000, 7, data, sizeof(data));
  size_t half = 600;
  struct frame *f = corpus_add();
  test_eth_hdr(f->b, test_mac, peer_mac, 0x0800);
  test_ip4_hdr(f->b + 14, PEER_IP, OUR_IP, 17, (u16_t)(20 + half), 77, 0x2000, 64);
  memcpy(f->b + 34, udp, half);
  f->len = 34 + half;
  f = corpus_add();
  test_eth_hdr(f->b, test_mac, peer_mac, 0x0800);
  test_ip4_hdr(f->b + 14, PEER_IP, OUR_IP, 17, (u16_t)(20 + ulen - half), 77, half / 8, 64);
  memcpy(f->b + 34, udp + half, ulen - half);
  f->len = 34 + ulen - half;
}

/* An IPv4 header with 8 bytes of options (NOP, NOP, timestamp-like junk). */
static void add_options(void)
{
  struct frame *f = corpus_add();
  u8_t icmp[64];
  size_t ilen = test_icmp_echo(icmp, 8, 1, 1, "options", 7);
  u8_t *ip = f->b + 14;
  test_eth_hdr(f->b, test_mac, peer_mac, 0x0800);
  test_ip4_hdr(ip, PEER_IP, OUR_IP, 1, (u16_t)(28 + ilen), 9, 0, 64);
  ip[0] = 0x47;
  memmove(ip + 28, icmp, ilen);
  memcpy(ip + 20, (const u8_t[8]){1, 1, 68, 4, 5, 0, 0, 0}, 8);
  ip[10] = ip[11] = 0;
  put_be16(ip + 10, test_cksum(ip, 28, 0));
  f->len = 14 + 28 + ilen;
}

/* A TCP segment from the peer to port @p dport with @p opts (a multiple of
 * 4 bytes) and @p len bytes of data, checksum over the pseudo header. */
static void add_tcp(u16_t dport, u8_t flags, u32_t seq, u32_t ack, const u8_t *opts, size_t olen, const char *data,
                    size_t len)
{
  u8_t seg[20 + 40 + 64];
  size_t hl = 20 + olen, n = hl + len;
  memset(seg, 0, sizeof(seg));
  put_be16(seg, 40000);
  put_be16(seg + 2, dport);
  put_be32(seg + 4, seq);
  put_be32(seg + 8, ack);
  seg[12] = (u8_t)((hl / 4) << 4);
  seg[13] = flags;
  put_be16(seg + 14, 65535);
  if (olen > 0) {
    memcpy(seg + 20, opts, olen);
  }
  if (len > 0) {
    memcpy(seg + hl, data, len);
  }
  u8_t pseudo[12];
  put_n32(pseudo, test_ip(PEER_IP));
  put_n32(pseudo + 4, test_ip(OUR_IP));
  pseudo[8] = 0;
  pseudo[9] = 6;
  put_be16(pseudo + 10, (u16_t)n);
  u16_t sum = test_cksum(seg, n, (u16_t)~test_cksum(pseudo, 12, 0));
  put_be16(seg + 16, sum);
  add_ip4(OUR_IP, 6, seg, n);
}

static void add_tcp_frames(void)
{
  /* MSS 1460, SACK-permitted, timestamps, window scale 7 (RFC 9293, 7323, 2018). */
  static const u8_t syn_opts[20] = {2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
  /* Timestamps and two SACK blocks. */
  static const u8_t ack_opts[32] = {1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1, 1, 1, 5, 18,
                                    0, 0, 0x10, 0, 0, 0, 0x20, 0, 0, 0, 0x30, 0, 0, 0, 0x40, 0};
  add_tcp(80, 0x02, 1000, 0, syn_opts, sizeof(syn_opts), "", 0);
  add_tcp(80, 0x18, 1001, 77, ack_opts, sizeof(ack_opts), "GET / HTTP/1.0", 14);
  add_tcp(80, 0x11, 1001, 77, NULL, 0, "", 0);
  add_tcp(81, 0x04, 5000, 0, NULL, 0, "", 0);
}

#if LWIP_IPV6
/* An IPv6 frame from the peer: @p ext (extension headers, @p elen bytes,
 * the first one's type in @p nexth) in front of an ICMPv6 message. */
static void add_ip6(const u8_t dmac[6], const char *src, const char *dst, u8_t nexth, u8_t hl, const u8_t *ext,
                    size_t elen, u8_t type, u8_t code, u32_t field, const u8_t *body, size_t blen)
{
  u8_t payload[256];
  assert_true(elen + 8 + blen <= sizeof(payload));
  if (elen > 0) {
    memcpy(payload, ext, elen);
  }
  size_t ml = mk_icmp6(payload + elen, src, dst, type, code, field, body, blen);
  struct frame *f = corpus_add();
  f->len = mk6(f->b, dmac, src, dst, elen ? nexth : 58, hl, payload, elen + ml);
}

static void add_ip6_frames(void)
{
  u8_t body[64];
  u8_t mac[6];
  /* Echo request (RFC 4443 4.1). */
  add_ip6(test_mac, PEER_GUA, OUR_GUA, 58, 64, NULL, 0, 128, 0, 0x00010001, (const u8_t *)"ping6", 5);
  /* Neighbor Solicitation with the source link-layer option (RFC 4861 4.3). */
  a6(OUR_LL, body);
  body[16] = 1;
  body[17] = 1;
  memcpy(body + 18, peer_mac, 6);
  add_ip6(test_mac, PEER_LL, OUR_LL, 58, 255, NULL, 0, 135, 0, 0, body, 24);
  /* Router Advertisement: reachable/retrans times, source link-layer,
   * MTU 1400 and a prefix 2001:db8:1::/64 with L and A (RFC 4861 4.2, 4.6). */
  memset(body, 0, sizeof(body));
  put_be32(body, 30000);
  put_be32(body + 4, 1000);
  body[8] = 1;
  body[9] = 1;
  memcpy(body + 10, peer_mac, 6);
  body[16] = 5;
  body[17] = 1;
  put_be32(body + 20, 1400);
  body[24] = 3;
  body[25] = 4;
  body[26] = 64;
  body[27] = 0xc0;
  put_be32(body + 28, 86400);
  put_be32(body + 32, 14400);
  a6("2001:db8:1::", body + 40);
  mcast_mac("ff02::1", mac);
  add_ip6(mac, PEER_LL, "ff02::1", 58, 255, NULL, 0, 134, 0, 0x40000708, body, 56);
  /* Hop-by-Hop (Router Alert, RFC 2711) then Destination Options (PadN)
   * in front of an echo request (RFC 8200 4.3, 4.6). */
  static const u8_t chain[16] = {60, 0, 5, 2, 0, 0, 1, 0, 58, 0, 1, 4, 0, 0, 0, 0};
  add_ip6(test_mac, PEER_GUA, OUR_GUA, 0, 64, chain, sizeof(chain), 128, 0, 0x00020001, (const u8_t *)"chain", 5);
  /* The first of two fragments of an echo request (RFC 8200 4.5). */
  static const u8_t frag[8] = {58, 0, 0, 1, 0, 0, 0x12, 0x34};
  memset(body, 0x5a, 48);
  add_ip6(test_mac, PEER_GUA, OUR_GUA, 44, 64, frag, sizeof(frag), 128, 0, 0x00030001, body, 48);
  /* MLDv2 general query (RFC 3810 5.1) behind a Router Alert, hop limit 1. */
  static const u8_t hbh[8] = {58, 0, 5, 2, 0, 0, 1, 0};
  memset(body, 0, 20);
  body[16] = 2;   /* QRV */
  body[17] = 125; /* QQIC */
  add_ip6(mac, PEER_LL, "ff02::1", 0, 1, hbh, sizeof(hbh), 130, 0, 1000UL << 16, body, 20);
}
#endif

static void build_corpus(void)
{
  u8_t buf[256];
  size_t n;
  ncorpus = 0;
  add_arp(1, OUR_IP);
  add_arp(2, OUR_IP);
  n = test_icmp_echo(buf, 8, 0x1234, 1, "hello fuzz", 10);
  add_ip4(OUR_IP, 1, buf, n);
  add_ip4("10.1.0.255", 1, buf, n);
  n = test_udp(buf, PEER_IP, OUR_IP, 5000, 7, "echo me", 7);
  add_ip4(OUR_IP, 17, buf, n);
  n = test_udp(buf, PEER_IP, OUR_IP, 5000, 999, "closed", 6);
  add_ip4(OUR_IP, 17, buf, n);
  n = test_udp(buf, PEER_IP, "239.1.2.3", 5000, 7, "mcast", 5);
  add_ip4("239.1.2.3", 17, buf, n);
  /* IGMPv2 general query (RFC 2236 2.1) and a report for our group. */
  u8_t igmp[8] = {0x11, 100, 0, 0, 0, 0, 0, 0};
  put_be16(igmp + 2, test_cksum(igmp, 8, 0));
  add_ip4("224.0.0.1", 2, igmp, 8);
  u8_t rep[8] = {0x16, 0, 0, 0, 239, 1, 2, 3};
  put_be16(rep + 2, test_cksum(rep, 8, 0));
  add_ip4("239.1.2.3", 2, rep, 8);
  n = test_icmp_echo(buf, 8, 7, 7, "raw", 3);
  add_ip4(OUR_IP, 253, buf, n); /* protocol the raw PCB listens on */
  add_fragments();
  add_options();
#if LWIP_TCP
  add_tcp_frames();
#endif
#if LWIP_IPV6
  add_ip6_frames();
#endif
}

/* ---- mutations ---- */

static const u8_t boundary[] = {0x00, 0x01, 0x05, 0x0f, 0x40, 0x45, 0x7f, 0x80, 0xfe, 0xff};

static void mutate(struct frame *f)
{
  int rounds = 1 + (int)(fuzz_rand() % 4);
  for (int r = 0; r < rounds; r++) {
    /* Most mutations land in the headers, where the parsing happens. */
    size_t span = (fuzz_rand() % 4 != 0 && f->len > 64) ? 64 : f->len;
    size_t at = span ? fuzz_rand() % span : 0;
    switch (fuzz_rand() % 7) {
    case 0: /* flip a bit */
      if (f->len) f->b[at] ^= (u8_t)(1u << (fuzz_rand() % 8));
      break;
    case 1: /* boundary byte */
      if (f->len) f->b[at] = boundary[fuzz_rand() % sizeof(boundary)];
      break;
    case 2: /* boundary 16-bit value: lengths, offsets, checksums */
      if (at + 1 < f->len) put_be16(f->b + at, (u16_t[]){0, 1, 7, 8, 20, 0x3fff, 0x7fff, 0xffff}[fuzz_rand() % 8]);
      break;
    case 3: /* truncate */
      f->len = fuzz_rand() % (f->len + 1);
      break;
    case 4: /* extend with junk */
      while (f->len < MAX_FRAME && fuzz_rand() % 16 != 0) {
        f->b[f->len++] = (u8_t)fuzz_rand();
      }
      break;
    case 5: { /* splice the tail of another corpus frame */
      const struct frame *o = &corpus[fuzz_rand() % ncorpus];
      size_t from = o->len ? fuzz_rand() % o->len : 0;
      size_t n = o->len - from;
      if (at + n > MAX_FRAME) n = MAX_FRAME - at;
      memcpy(f->b + at, o->b + from, n);
      f->len = at + n;
      break;
    }
    default: /* random byte */
      if (f->len) f->b[at] = (u8_t)fuzz_rand();
      break;
    }
  }
}

/* ---- the stack's side: PCBs that make the mutated frames reach deep ---- */

static struct test_netif tn;

static void echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)arg;
  udp_sendto(pcb, p, addr, port); /* may fail on a full pool: that is fine */
  pbuf_free(p);
}

#if LWIP_TCP
/* Accepted connections read and drop, and close on the peer's FIN. */
static err_t tcp_sink_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)arg;
  (void)err;
  if (p == NULL) {
    if (tcp_close(pcb) != ERR_OK) {
      tcp_abort(pcb);
      return ERR_ABRT;
    }
    return ERR_OK;
  }
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

static err_t tcp_sink_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
  (void)arg;
  (void)err;
  tcp_recv(pcb, tcp_sink_recv);
  return ERR_OK;
}

static void abort_conn(struct tcp_pcb *pcb, void *arg)
{
  (void)arg;
  tcp_abort(pcb);
}
#endif

#if LWIP_RAW
static u8_t raw_recv_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
  (void)arg;
  (void)pcb;
  (void)addr;
  /* Alternate between consuming and passing on so both paths run. */
  if (p->tot_len & 1) {
    pbuf_free(p);
    return 1;
  }
  return 0;
}
#endif

static void test_fuzz_receive_path(void **state)
{
  (void)state;
  u32_t seed = env_u32("LWIP_FUZZ_SEED", 1);
  u32_t iters = env_u32("LWIP_FUZZ_ITERS", 20000);
  rng = seed;
  printf("fuzz: seed %lu, %lu frames\n", (unsigned long)seed, (unsigned long)iters);

  struct netif *n = test_netif_add(&tn, OUR_IP, "255.255.255.0", "10.1.0.254", test_mac);
#if LWIP_IPV6
  /* The addresses of test_ip6_util.h, past DAD and router solicitation;
   * MLD on, so the query in the corpus is answered. */
  n->flags |= NETIF_FLAG_MLD6;
  assert_int_equal(netif_create_ip6_linklocal_address(n, 1), ERR_OK);
  ip6_addr_t gua = ip6(OUR_GUA);
  assert_int_equal(netif_add_ip6_address_prefix(n, &gua, 64, NULL), ERR_OK);
  test_clock_advance(20000);
  assert_int_equal(netif_ip6_addr_state(n, 1), IP6_ADDR_PREFERRED);
  test_frames_clear(&tn);
#else
  (void)n;
#endif
  struct udp_pcb *echo = udp_new();
  assert_non_null(echo);
  assert_int_equal(udp_bind(echo, IP_ADDR_ANY, 7), ERR_OK);
  udp_recv(echo, echo_recv, NULL);
#if LWIP_RAW
  struct raw_pcb *raw = raw_new(253);
  assert_non_null(raw);
  raw_recv(raw, raw_recv_cb, NULL);
#endif
#if LWIP_IGMP
  ip4_addr_t group = {test_ip("239.1.2.3")};
  ip4_addr_t ifaddr = {test_ip(OUR_IP)};
  assert_int_equal(igmp_joingroup(&ifaddr, &group), ERR_OK);
#endif
#if LWIP_TCP
  struct tcp_pcb *listener = tcp_new();
  assert_non_null(listener);
  assert_int_equal(tcp_bind(listener, IP_ADDR_ANY, 80), ERR_OK);
  listener = tcp_listen(listener);
  assert_non_null(listener);
  tcp_accept(listener, tcp_sink_accept);
#endif
  build_corpus();

  struct frame f;
  for (u32_t i = 0; i < iters; i++) {
    f = corpus[fuzz_rand() % ncorpus];
    if (fuzz_rand() % 8 != 0) {
      mutate(&f);
    }
    /* Build the frame before arming the failure hook: only the stack's
     * own allocations are meant to fail. */
    size_t chunk = fuzz_rand() % 4 == 0 ? 1 + fuzz_rand() % 64 : 0;
    struct pbuf *p = test_pbuf(f.b, f.len, chunk);
#if LWIP_TEST_HOOKS
    if (fuzz_rand() % 64 == 0) {
      lwip_alloc_fail_after(1 + fuzz_rand() % 4);
    }
#endif
    tn.netif.input(p, &tn.netif);
#if LWIP_TEST_HOOKS
    lwip_alloc_fail_after(0);
#endif
    if (fuzz_rand() % 16 == 0) {
      test_clock_advance(fuzz_rand() % 4000); /* ARP, reassembly and IGMP timers */
    }
    if (tn.nframes > TEST_MAX_FRAMES / 2) {
      test_frames_clear(&tn);
    }
  }
#if LWIP_STATS && LWIP_TCP
  /* The TCP frames must get past the checksum to reach the listener. */
  printf("fuzz: done, %lu TCP segments in, %lu out\n", (unsigned long)lwip_stats.proto[LWIP_PROTO_TCP].recv,
         (unsigned long)lwip_stats.proto[LWIP_PROTO_TCP].xmit);
  assert_true(lwip_stats.proto[LWIP_PROTO_TCP].xmit > 0);
#else
  printf("fuzz: done\n");
#endif
#if LWIP_STATS && LWIP_IPV6
  /* The IPv6 frames must pass the checks to reach ICMPv6 (echo replies
   * and errors go out) and Neighbor Discovery. */
  printf("fuzz: %lu IPv6 packets in, %lu ICMPv6 messages out, %lu ND messages in\n",
         (unsigned long)lwip_stats.proto[LWIP_PROTO_IP6].recv, (unsigned long)lwip_stats.proto[LWIP_PROTO_ICMP6].xmit,
         (unsigned long)lwip_stats.proto[LWIP_PROTO_ND6].recv);
  assert_true(lwip_stats.proto[LWIP_PROTO_ICMP6].xmit > 0);
  assert_true(lwip_stats.proto[LWIP_PROTO_ND6].recv > 0);
#endif

  /* Tear down what the test made; everything the stack still holds (ARP
   * queues, reassembly, IGMP timers) must go with its timers and netif. */
  udp_remove(echo);
#if LWIP_TCP
  tcp_close(listener);
  tcp_foreach(abort_conn, NULL, NULL);
#endif
#if LWIP_RAW
  raw_remove(raw);
#endif
#if LWIP_IGMP
  igmp_leavegroup(&ifaddr, &group);
#endif
  test_clock_advance(120000); /* let reassembly and ARP entries expire */
  test_frames_clear(&tn);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_fuzz_receive_path, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("fuzz_frames", tests, NULL, NULL);
}
