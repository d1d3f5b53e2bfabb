/* io_uring batching on the TAP (tap_uring.h): sends wait in the ring until
 * the flush and leave in the order they were made; a full queue or a full
 * write pool forces a flush and loses nothing; reads come up in order,
 * with the virtio-net header taken off, and a read of an empty TAP ends
 * the batch instead of waiting.  The TAP is played by a SOCK_SEQPACKET
 * socket pair, which keeps frame boundaries as a TAP does
 * (tap_attach_fd).  On a kernel or build without io_uring the tests
 * report themselves skipped. */
#define _GNU_SOURCE
#include "test_common.h"

#include "dev.h"
#include "tap.h"
#include "tap_uring.h"

#include "lwip/prot/wire.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <sys/socket.h>
#include <unistd.h>

/* A device above the TAP that checks every frame it gets is the next in
 * sequence (numbered in the first four bytes). */
struct top {
  struct dev dev;
  u32_t frames;
  u32_t out_of_order;
};

static struct top top;
static struct tap_dev *tap;
static int peer = -1; /* the kernel's end */
static u8_t buf[TAP_FRAME_MAX + sizeof(struct virtio_net_hdr)];

static void top_rx(struct dev *d, struct pbuf *p)
{
  struct top *t = (struct top *)d;
  u8_t seq[4];
  if (pbuf_copy_partial(p, seq, 4, 0) != 4 || get_be32(seq) != t->frames) {
    t->out_of_order++;
  }
  t->frames++;
  pbuf_free(p);
}

static const struct dev_ops top_ops = {.kind = "fake-top", .rx = top_rx};

/* A TAP with a ring; the test is skipped when the ring is refused. */
static void attach(bool vnet_hdr)
{
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
  /* Room for every frame a test sends before the peer reads: a full
   * socket would fail writes with EAGAIN, which is not under test here. */
  int big = 16 << 20;
  (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
  (void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
  tap = tap_attach_fd(sv[0], "urt0", vnet_hdr, vnet_hdr ? TUN_F_CSUM : 0);
  assert_non_null(tap);
  peer = sv[1];
  memset(&top, 0, sizeof(top));
  top.dev.ops = &top_ops;
  dev_push(&top.dev, &tap->dev);
  char err[256];
  if (tap_uring_start(tap, err, sizeof(err)) != 0) {
    print_message("skipped: %s\n", err);
    skip();
  }
  assert_true(tap_uring_active(tap));
}

static int setup(void **state)
{
  tap = NULL;
  peer = -1;
  return test_setup(state);
}

static int teardown(void **state)
{
  if (tap != NULL) {
    dev_unlink(&top.dev);
    tap_close(tap);
    tap = NULL;
  }
  if (peer >= 0) {
    close(peer);
    peer = -1;
  }
  return test_teardown(state);
}

/* Send frame number @p seq of @p len bytes down through the TAP. */
static void send_frame(u32_t seq, u16_t len)
{
  struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, (int)(seq & 0xffU), len);
  put_be32((u8_t *)p->payload, seq);
  assert_int_equal(tap->dev.ops->tx(&tap->dev, p), ERR_OK);
  pbuf_free(p);
}

/* Read what reached the peer, checking each frame's number continues
 * from *next and its length is @p len (@p hdr: a virtio-net header in
 * front).  @return the frames read. */
static u32_t peer_reads(u32_t *next, u16_t len, size_t hdr)
{
  u32_t n = 0;
  for (;;) {
    ssize_t r = recv(peer, buf, sizeof(buf), MSG_DONTWAIT);
    if (r < 0) {
      assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
      return n;
    }
    assert_int_equal((size_t)r, hdr + len);
    assert_int_equal(get_be32(buf + hdr), *next);
    (*next)++;
    n++;
  }
}

/* Sends stay queued until the flush, then leave in one submission, in
 * order, counted as written. */
static void sends_wait_for_flush(void **state)
{
  (void)state;
  attach(false);
  u32_t next = 0;
  for (u32_t i = 0; i < 10; i++) {
    send_frame(i, 60);
  }
  assert_int_equal(peer_reads(&next, 60, 0), 0);
  assert_int_equal(tap->counters.tx_frames, 0);
  tap_uring_flush(tap);
  assert_int_equal(peer_reads(&next, 60, 0), 10);
  const struct tap_uring_counters *c = tap_uring_counters(tap);
  assert_int_equal(c->submits, 1);
  assert_int_equal(c->writes, 10);
  assert_int_equal(c->pool_full, 0);
  assert_int_equal(tap->counters.tx_frames, 10);
  assert_int_equal(tap->counters.tx_bytes, 600);
  tap_uring_flush(tap); /* nothing queued: no system call */
  assert_int_equal(c->submits, 1);
}

/* More sends than the queue holds: the queue is submitted when full and
 * queueing goes on; every frame arrives, in order. */
static void full_queue_flushes_early(void **state)
{
  (void)state;
  attach(false);
  u32_t next = 0;
  for (u32_t i = 0; i < 300; i++) {
    send_frame(i, 64);
  }
  u32_t early = peer_reads(&next, 64, 0);
  assert_true(early > 0 && early < 300);
  tap_uring_flush(tap);
  assert_int_equal(early + peer_reads(&next, 64, 0), 300);
  const struct tap_uring_counters *c = tap_uring_counters(tap);
  assert_int_equal(c->pool_full, 1);
  assert_int_equal(c->submits, 2);
  assert_int_equal(tap->counters.tx_frames, 300);
}

/* Large frames use the write pool up before the queue: the same. */
static void full_pool_flushes_early(void **state)
{
  (void)state;
  attach(false);
  u32_t next = 0;
  for (u32_t i = 0; i < 40; i++) {
    send_frame(i, 60000);
  }
  tap_uring_flush(tap);
  assert_int_equal(peer_reads(&next, 60000, 0), 40);
  const struct tap_uring_counters *c = tap_uring_counters(tap);
  assert_true(c->pool_full >= 2);
  assert_int_equal(c->submits, c->pool_full + 1);
  assert_int_equal(tap->counters.tx_frames, 40);
}

/* A TAP that cannot take a frame: the write fails with EAGAIN (it is not
 * parked in the kernel), is counted as the plain path counts it, and the
 * frames after it still go, in order. */
static void full_tap_counts_eagain(void **state)
{
  (void)state;
  attach(false);
  int small = 4096;
  assert_int_equal(setsockopt(tap->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
  for (u32_t i = 0; i < 50; i++) {
    send_frame(i, 1000);
  }
  tap_uring_flush(tap);
  assert_true(tap->counters.tx_eagain > 0);
  assert_int_equal(tap->counters.tx_frames + tap->counters.tx_eagain, 50);
  assert_int_equal(tap->counters.tx_errors, 0);
  /* What arrived is in order: numbers only grow. */
  u32_t n = 0, last = 0;
  ssize_t r;
  while ((r = recv(peer, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
    u32_t seq = get_be32(buf);
    assert_true(n == 0 || seq > last);
    last = seq;
    n++;
  }
  assert_int_equal(n, tap->counters.tx_frames);
}

/* With virtio-net headers every frame written has one in front. */
static void sends_carry_vnet_header(void **state)
{
  (void)state;
  attach(true);
  u32_t next = 0;
  send_frame(0, 100);
  send_frame(1, 100);
  tap_uring_flush(tap);
  assert_int_equal(peer_reads(&next, 100, sizeof(struct virtio_net_hdr)), 2);
  assert_int_equal(tap->counters.tx_bytes, 200);
}

/* The peer (the kernel) sends @p n numbered frames of @p len bytes. */
static void kernel_sends(u32_t first, u32_t n, u16_t len, size_t hdr)
{
  for (u32_t i = first; i < first + n; i++) {
    memset(buf, 0, hdr);
    memset(buf + hdr, 0x5a, len);
    put_be32(buf + hdr, i);
    assert_int_equal(send(peer, buf, hdr + len, 0), (ssize_t)(hdr + len));
  }
}

/* Reads come up in the order the frames came, a batch stops at max_frames
 * and the next takes the rest; an empty TAP ends a batch at once. */
static void reads_in_order_and_bounded(void **state)
{
  (void)state;
  attach(false);
  kernel_sends(0, 100, 80, 0);
  assert_int_equal(tap_read_batch(tap, 64), 64);
  assert_int_equal(tap_read_batch(tap, 64), 36);
  assert_int_equal(tap_read_batch(tap, 64), 0);
  assert_int_equal(top.frames, 100);
  assert_int_equal(top.out_of_order, 0);
  assert_int_equal(tap->counters.rx_frames, 100);
  assert_int_equal(tap_uring_counters(tap)->read_frames, 100);
}

/* Reads with virtio-net headers: the header goes, the frame goes up. */
static void reads_strip_vnet_header(void **state)
{
  (void)state;
  attach(true);
  kernel_sends(0, 5, 300, sizeof(struct virtio_net_hdr));
  assert_int_equal(tap_read_batch(tap, 64), 5);
  assert_int_equal(top.frames, 5);
  assert_int_equal(top.out_of_order, 0);
  assert_int_equal(tap->counters.rx_bytes, 5 * 300);
  assert_int_equal(tap->counters.rx_bad_hdr, 0);
}

/* Sends made while a batch is read (what TCP does on input) are queued
 * and go with the next submission; stopping the ring flushes them. */
static void stop_flushes(void **state)
{
  (void)state;
  attach(false);
  u32_t next = 0;
  send_frame(0, 70);
  send_frame(1, 70);
  tap_uring_stop(tap);
  assert_false(tap_uring_active(tap));
  assert_int_equal(peer_reads(&next, 70, 0), 2);
  send_frame(2, 70); /* the plain path again: written at once */
  assert_int_equal(peer_reads(&next, 70, 0), 1);
  assert_int_equal(tap->counters.tx_frames, 3);
}

static void mode_names(void **state)
{
  (void)state;
  enum tap_uring_mode m;
  assert_true(tap_uring_parse("auto", &m) && m == TAP_URING_AUTO);
  assert_true(tap_uring_parse("on", &m) && m == TAP_URING_ON);
  assert_true(tap_uring_parse("off", &m) && m == TAP_URING_OFF);
  assert_false(tap_uring_parse("yes", &m));
  assert_false(tap_uring_parse(NULL, &m));
  assert_string_equal(tap_uring_mode_name(TAP_URING_AUTO), "auto");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(sends_wait_for_flush, setup, teardown),
      cmocka_unit_test_setup_teardown(full_queue_flushes_early, setup, teardown),
      cmocka_unit_test_setup_teardown(full_pool_flushes_early, setup, teardown),
      cmocka_unit_test_setup_teardown(full_tap_counts_eagain, setup, teardown),
      cmocka_unit_test_setup_teardown(sends_carry_vnet_header, setup, teardown),
      cmocka_unit_test_setup_teardown(reads_in_order_and_bounded, setup, teardown),
      cmocka_unit_test_setup_teardown(reads_strip_vnet_header, setup, teardown),
      cmocka_unit_test_setup_teardown(stop_flushes, setup, teardown),
      cmocka_unit_test_setup_teardown(mode_names, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
