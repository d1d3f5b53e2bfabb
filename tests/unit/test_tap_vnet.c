/* The TAP's virtio-net headers (--offload): what tap_read_batch makes of
 * the header in front of each received frame (GSO frames, DATA_VALID and
 * NEEDS_CSUM marking the pbuf, headers we did not negotiate dropped and
 * counted) and the header tap writes in front of each frame it sends (GSO
 * type, size and header length, where the partial checksum goes).  The
 * TAP is played by a SOCK_SEQPACKET socket pair, which keeps frame
 * boundaries as a TAP does (tap_attach_fd).  The impairment above the TAP
 * keeps the offload marks on its copies and completes a partial checksum
 * before it corrupts a frame. */
#define _GNU_SOURCE
#include "test_common.h"

#include "dev.h"
#include "impair.h"
#include "tap.h"
#include "test_tap_pair.h"

#include "lwip/prot/wire.h"

#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* A device above the TAP that keeps the last frame it was given. */
struct top {
  struct dev dev;
  int frames;
  u16_t len;
  u8_t flags;
  u8_t first[64];
};

static struct top top;
static struct tap_dev *tap;
static int peer = -1; /* the kernel's end */
static u8_t buf[TAP_FRAME_MAX + sizeof(struct virtio_net_hdr)];

static void top_rx(struct dev *d, struct pbuf *p)
{
  struct top *t = (struct top *)d;
  t->frames++;
  t->len = p->tot_len;
  t->flags = p->flags;
  pbuf_copy_partial(p, t->first, sizeof(t->first), 0);
  pbuf_free(p);
}

static const struct dev_ops top_ops = {.kind = "fake-top", .rx = top_rx};

static void attach(bool vnet_hdr)
{
  memset(&top, 0, sizeof(top));
  top.dev.ops = &top_ops;
  tap = test_tap_pair_open("vnt0", vnet_hdr, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, &top.dev, &peer);
}

/* Ethernet + IPv4 (or IPv6) + TCP with @p thl bytes of header, then
 * @p data_len bytes, into buf.  @return the frame's length. */
static size_t tcp_frame(u8_t *f, bool v6, u8_t thl, u8_t tcp_flags, size_t data_len)
{
  size_t l3 = v6 ? 40 : 20;
  size_t n = 14 + l3 + thl + data_len;
  memset(f, 0, n);
  memset(f, 0xff, 6);
  put_be16(f + 12, v6 ? 0x86ddU : 0x0800U);
  u8_t *ip = f + 14;
  if (v6) {
    ip[0] = 0x60;
    put_be16(ip + 4, (u16_t)(thl + data_len));
    ip[6] = 6;
    ip[7] = 64;
  } else {
    ip[0] = 0x45;
    put_be16(ip + 2, (u16_t)(20 + thl + data_len));
    ip[8] = 64;
    ip[9] = 6;
  }
  u8_t *t = ip + l3;
  t[12] = (u8_t)((thl / 4) << 4);
  t[13] = tcp_flags;
  for (size_t i = 0; i < data_len; i++) {
    t[thl + i] = (u8_t)(i * 7U);
  }
  return n;
}

/* The kernel writes one frame with header @p vh. */
static void kernel_writes(const struct virtio_net_hdr *vh, const u8_t *f, size_t n)
{
  struct iovec iov[2] = {{(void *)vh, sizeof(*vh)}, {(void *)f, n}};
  assert_int_equal(writev(peer, iov, vh != NULL ? 2 : 1), (ssize_t)(sizeof(*vh) + n));
}

static void rx_gso_frame_goes_up_whole(void **state)
{
  (void)state;
  attach(true);
  static u8_t f[8000];
  size_t n = tcp_frame(f, false, 20, 0x10, 5000);
  struct virtio_net_hdr vh = {
      .flags = VIRTIO_NET_HDR_F_DATA_VALID, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .hdr_len = 54, .gso_size = 1448};
  kernel_writes(&vh, f, n);
  assert_int_equal(tap_read_batch(tap, 8), 1);
  assert_int_equal(top.frames, 1);
  assert_int_equal(top.len, n);
  assert_true(top.flags & PBUF_FLAG_CSUM_OK);
  assert_memory_equal(top.first, f, sizeof(top.first));
  assert_int_equal(tap->counters.rx_gso, 1);
  assert_int_equal(tap->counters.rx_bad_hdr, 0);
}

/* NEEDS_CSUM: a partial checksum made on this host; nothing to verify, as
 * long as where it points is inside the frame. */
static void rx_needs_csum(void **state)
{
  (void)state;
  attach(true);
  u8_t f[200];
  size_t n = tcp_frame(f, false, 20, 0x18, 100);
  struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 16};
  kernel_writes(&vh, f, n);
  vh.csum_start = (u16_t)(n - 17U); /* the field would end past the frame */
  kernel_writes(&vh, f, n);
  assert_int_equal(tap_read_batch(tap, 8), 2);
  assert_int_equal(top.frames, 1);
  assert_true(top.flags & PBUF_FLAG_CSUM_OK);
  assert_int_equal(tap->counters.rx_bad_hdr, 1);
}

/* A plain header: the frame goes up unmarked, for the stack to check. */
static void rx_plain_header_unmarked(void **state)
{
  (void)state;
  attach(true);
  u8_t f[200];
  size_t n = tcp_frame(f, false, 20, 0x10, 10);
  struct virtio_net_hdr vh = {0};
  kernel_writes(&vh, f, n);
  assert_int_equal(tap_read_batch(tap, 8), 1);
  assert_int_equal(top.frames, 1);
  assert_int_equal(top.len, n);
  assert_false(top.flags & PBUF_FLAG_CSUM_OK);
}

/* UDP GSO was never negotiated, a GSO size of 0 means nothing, and a read
 * shorter than the header is no frame: each dropped and counted. */
static void rx_bad_headers_dropped(void **state)
{
  (void)state;
  attach(true);
  u8_t f[200];
  size_t n = tcp_frame(f, false, 20, 0x10, 10);
  struct virtio_net_hdr udp = {.gso_type = VIRTIO_NET_HDR_GSO_UDP, .gso_size = 1000};
  struct virtio_net_hdr zero = {.gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 0};
  kernel_writes(&udp, f, n);
  kernel_writes(&zero, f, n);
  assert_int_equal(write(peer, f, 5), 5);
  assert_int_equal(tap_read_batch(tap, 8), 3);
  assert_int_equal(top.frames, 0);
  assert_int_equal(tap->counters.rx_bad_hdr, 3);
  assert_int_equal(tap->counters.rx_frames, 0);
}

/* What the kernel reads after tap's tx: the header and the frame. */
static size_t kernel_reads(struct virtio_net_hdr *vh, u8_t *f)
{
  ssize_t n = read(peer, buf, sizeof(buf));
  assert_true(n >= (ssize_t)sizeof(*vh));
  memcpy(vh, buf, sizeof(*vh));
  memcpy(f, buf + sizeof(*vh), (size_t)n - sizeof(*vh));
  return (size_t)n - sizeof(*vh);
}

static void tx_gso_ipv4(void **state)
{
  (void)state;
  attach(true);
  static u8_t f[8000], got[8000];
  size_t n = tcp_frame(f, false, 32, 0x18, 4000);
  struct pbuf *p = test_pbuf(f, n, 1000); /* a chain, as TCP sends */
  p->gso_size = 1448;
  p->flags |= PBUF_FLAG_CSUM_PARTIAL;
  assert_int_equal(tap->dev.ops->tx(&tap->dev, p), ERR_OK);
  pbuf_free(p);
  struct virtio_net_hdr vh;
  assert_int_equal(kernel_reads(&vh, got), n);
  assert_memory_equal(got, f, n);
  assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
  assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
  assert_int_equal(vh.gso_size, 1448);
  assert_int_equal(vh.hdr_len, 14 + 20 + 32);
  assert_int_equal(vh.csum_start, 14 + 20);
  assert_int_equal(vh.csum_offset, 16);
  assert_int_equal(tap->counters.tx_gso, 1);
  assert_int_equal(tap->counters.tx_frames, 1);
  assert_int_equal(tap->counters.tx_bytes, n);
}

/* IPv6, and CWR set: the kernel must put it on the first piece only. */
static void tx_gso_ipv6_cwr(void **state)
{
  (void)state;
  attach(true);
  static u8_t f[8000], got[8000];
  size_t n = tcp_frame(f, true, 20, 0x90, 3000);
  struct pbuf *p = test_pbuf(f, n, 0);
  p->gso_size = 1220;
  p->flags |= PBUF_FLAG_CSUM_PARTIAL;
  assert_int_equal(tap->dev.ops->tx(&tap->dev, p), ERR_OK);
  pbuf_free(p);
  struct virtio_net_hdr vh;
  assert_int_equal(kernel_reads(&vh, got), n);
  assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN);
  assert_int_equal(vh.gso_size, 1220);
  assert_int_equal(vh.hdr_len, 14 + 40 + 20);
  assert_int_equal(vh.csum_start, 14 + 40);
}

/* A segment of one MSS with a partial checksum: NEEDS_CSUM, no GSO; a
 * frame with no mark (an ARP reply, a full checksum): an all-zero header. */
static void tx_partial_and_plain(void **state)
{
  (void)state;
  attach(true);
  u8_t f[200], got[200];
  size_t n = tcp_frame(f, false, 20, 0x10, 50);
  struct pbuf *p = test_pbuf(f, n, 0);
  p->flags |= PBUF_FLAG_CSUM_PARTIAL;
  assert_int_equal(tap->dev.ops->tx(&tap->dev, p), ERR_OK);
  struct virtio_net_hdr vh;
  assert_int_equal(kernel_reads(&vh, got), n);
  assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
  assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
  assert_int_equal(vh.csum_start, 34);
  p->flags &= (u8_t)~PBUF_FLAG_CSUM_PARTIAL;
  assert_int_equal(tap->dev.ops->tx(&tap->dev, p), ERR_OK);
  pbuf_free(p);
  assert_int_equal(kernel_reads(&vh, got), n);
  const struct virtio_net_hdr zero = {0};
  assert_memory_equal(&vh, &zero, sizeof(vh));
  assert_int_equal(tap->counters.tx_gso, 0);
}

/* An offload mark on a frame that is not TCP (a bug above) is not sent:
 * the kernel could not finish its checksum. */
static void tx_mark_on_non_tcp_refused(void **state)
{
  (void)state;
  attach(true);
  u8_t f[200];
  size_t n = tcp_frame(f, false, 20, 0x10, 50);
  f[14 + 9] = 17; /* UDP */
  struct pbuf *p = test_pbuf(f, n, 0);
  p->flags |= PBUF_FLAG_CSUM_PARTIAL;
  assert_int_equal(tap->dev.ops->tx(&tap->dev, p), ERR_VAL);
  pbuf_free(p);
  assert_int_equal(tap->counters.tx_errors, 1);
  assert_int_equal(tap->counters.tx_frames, 0);
  assert_int_equal(read(peer, buf, sizeof(buf)), -1); /* nothing written */
}

/* Without virtio-net headers frames cross as they are, and a partial
 * checksum cannot be sent at all. */
static void plain_tap_no_header(void **state)
{
  (void)state;
  attach(false);
  u8_t f[200], got[256];
  size_t n = tcp_frame(f, false, 20, 0x10, 50);
  assert_int_equal(write(peer, f, n), (ssize_t)n);
  assert_int_equal(tap_read_batch(tap, 8), 1);
  assert_int_equal(top.len, n);
  struct pbuf *p = test_pbuf(f, n, 0);
  assert_int_equal(tap->dev.ops->tx(&tap->dev, p), ERR_OK);
  assert_int_equal(read(peer, got, sizeof(got)), (ssize_t)n);
  assert_memory_equal(got, f, n);
  p->flags |= PBUF_FLAG_CSUM_PARTIAL;
  assert_int_equal(tap->dev.ops->tx(&tap->dev, p), ERR_VAL);
  pbuf_free(p);
}

/* The impairment between the stack and the TAP: a large segment held for
 * delay is a copy, which keeps gso_size and the partial-checksum mark, so
 * it still goes out whole with its header; a received frame it corrupts
 * loses CSUM_OK, so the stack checks (and drops) it. */
static void impairment_keeps_offload_marks(void **state)
{
  (void)state;
  attach(true);
  dev_unlink(&top.dev);
  struct impair_dev *im = impair_open(7);
  assert_non_null(im);
  dev_push(&im->dev, &tap->dev);
  dev_push(&top.dev, &im->dev);
  char err[128];
  assert_int_equal(impair_set_spec(im, "tx:delay=10ms;rx:corrupt=100%", err, sizeof(err)), 0);

  static u8_t f[8000], got[8000];
  size_t n = tcp_frame(f, false, 20, 0x10, 4000);
  struct pbuf *p = test_pbuf(f, n, 1500);
  p->gso_size = 1460;
  p->flags |= PBUF_FLAG_CSUM_PARTIAL;
  assert_int_equal(dev_send_down(&top.dev, p), ERR_OK);
  pbuf_free(p);
  assert_int_equal(read(peer, buf, sizeof(buf)), -1); /* held */
  test_clock_advance(10);
  struct virtio_net_hdr vh;
  assert_int_equal(kernel_reads(&vh, got), n);
  assert_memory_equal(got, f, n);
  assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
  assert_int_equal(vh.gso_size, 1460);
  assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);

  struct virtio_net_hdr valid = {.flags = VIRTIO_NET_HDR_F_DATA_VALID};
  kernel_writes(&valid, f, 200);
  assert_int_equal(tap_read_batch(tap, 8), 1);
  assert_int_equal(top.frames, 1);
  assert_false(top.flags & PBUF_FLAG_CSUM_OK);

  dev_unlink(&top.dev);
  dev_unlink(&im->dev);
  impair_close(im);
}

/* One's complement sum of @p n bytes (RFC 1071), not folded to 16 bits. */
static u32_t ones_sum(const u8_t *b, size_t n, u32_t sum)
{
  for (size_t i = 0; i + 1 < n; i += 2) {
    sum += get_be16(b + i);
  }
  if (n & 1U) {
    sum += (u32_t)b[n - 1] << 8;
  }
  return sum;
}

static u16_t fold(u32_t sum)
{
  while (sum >> 16) {
    sum = (sum & 0xffffU) + (sum >> 16);
  }
  return (u16_t)sum;
}

/* Corruption going down with offloads: the impairment completes the
 * checksum TCP left partial before it flips the bit, so the damage shows
 * (the frame leaves with a plain header and a checksum that fails by that
 * bit alone); a large segment goes as one packet. */
static void impairment_corrupts_after_checksum(void **state)
{
  (void)state;
  attach(true);
  dev_unlink(&top.dev);
  struct impair_dev *im = impair_open(11);
  assert_non_null(im);
  dev_push(&im->dev, &tap->dev);
  dev_push(&top.dev, &im->dev);
  char err[128];
  assert_int_equal(impair_set_spec(im, "tx:corrupt=100%", err, sizeof(err)), 0);

  static u8_t f[8000], got[8000];
  size_t n = tcp_frame(f, false, 20, 0x10, 3001);
  size_t tcplen = n - 34;
  /* The partial sum TCP leaves: the pseudo header (addresses 0 here). */
  put_be16(f + 34 + 16, fold(6U + (u32_t)tcplen));
  struct pbuf *p = test_pbuf(f, n, 1000);
  p->gso_size = 1460;
  p->flags |= PBUF_FLAG_CSUM_PARTIAL;
  assert_int_equal(dev_send_down(&top.dev, p), ERR_OK);
  pbuf_free(p);
  struct virtio_net_hdr vh;
  assert_int_equal(kernel_reads(&vh, got), n);
  const struct virtio_net_hdr zero = {0};
  assert_memory_equal(&vh, &zero, sizeof(vh));
  u32_t pseudo = 6U + (u32_t)tcplen;
  assert_int_not_equal(fold(ones_sum(got + 34, tcplen, pseudo)), 0xffff);
  /* Undo the flipped bit: the checksum is then right. */
  int flipped = 0;
  for (size_t i = 14; i < n; i++) {
    if (i == 34 + 16 || i == 34 + 17 || got[i] == f[i]) {
      continue;
    }
    assert_int_equal(__builtin_popcount(got[i] ^ f[i]), 1);
    got[i] = f[i];
    flipped++;
  }
  assert_int_equal(flipped, 1);
  assert_int_equal(fold(ones_sum(got + 34, tcplen, pseudo)), 0xffff);

  dev_unlink(&top.dev);
  dev_unlink(&im->dev);
  impair_close(im);
}

static void offload_names(void **state)
{
  (void)state;
  enum tap_offload m;
  assert_true(tap_offload_parse("auto", &m) && m == TAP_OFFLOAD_AUTO);
  assert_true(tap_offload_parse("on", &m) && m == TAP_OFFLOAD_ON);
  assert_true(tap_offload_parse("off", &m) && m == TAP_OFFLOAD_OFF);
  assert_false(tap_offload_parse("yes", &m));
  assert_false(tap_offload_parse(NULL, &m));
  assert_string_equal(tap_offload_name(TAP_OFFLOAD_AUTO), "auto");
  attach(true);
  assert_string_equal(tap_offload_state(tap), "csum,tso4,tso6");
  tap->offloads = TUN_F_CSUM;
  assert_string_equal(tap_offload_state(tap), "csum");
  tap->vnet_hdr = false;
  assert_string_equal(tap_offload_state(tap), "none");
  tap->vnet_hdr = true;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TAP_PAIR_TEST(rx_gso_frame_goes_up_whole),
      TAP_PAIR_TEST(rx_needs_csum),
      TAP_PAIR_TEST(rx_plain_header_unmarked),
      TAP_PAIR_TEST(rx_bad_headers_dropped),
      TAP_PAIR_TEST(tx_gso_ipv4),
      TAP_PAIR_TEST(tx_gso_ipv6_cwr),
      TAP_PAIR_TEST(tx_partial_and_plain),
      TAP_PAIR_TEST(tx_mark_on_non_tcp_refused),
      TAP_PAIR_TEST(plain_tap_no_header),
      TAP_PAIR_TEST(impairment_keeps_offload_marks),
      TAP_PAIR_TEST(impairment_corrupts_after_checksum),
      TAP_PAIR_TEST(offload_names),
  };
  test_tap_pair_use(&tap, &peer, &top.dev);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
