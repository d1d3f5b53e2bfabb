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
#include "test_tap_pair.h"

#include "lwip/prot/wire.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <sys/resource.h>
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
  memset(&top, 0, sizeof(top));
  top.dev.ops = &top_ops;
  tap = test_tap_pair_open("urt0", vnet_hdr, vnet_hdr ? TUN_F_CSUM : 0, &top.dev, &peer);
  char err[256];
  if (tap_uring_start(tap, err, sizeof(err)) != 0) {
    print_message("skipped: %s\n", err);
    skip();
  }
  assert_true(tap_uring_active(tap));
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

/* Frames of 8000 bytes (the largest size still copied is 8192) use the
 * 1 MiB write pool up after 131, before the 256-entry queue: the same. */
static void full_pool_flushes_early(void **state)
{
  (void)state;
  attach(false);
  u32_t next = 0;
  for (u32_t i = 0; i < 200; i++) {
    send_frame(i, 8000);
  }
  tap_uring_flush(tap);
  assert_int_equal(peer_reads(&next, 8000, 0), 200);
  const struct tap_uring_counters *c = tap_uring_counters(tap);
  assert_int_equal(c->pool_full, 1);
  assert_int_equal(c->submits, 2);
  assert_int_equal(c->direct_writes, 0);
  assert_int_equal(tap->counters.tx_frames, 200);
}

/* A frame over 8 KB (a GSO frame) is not copied into the pool: it is
 * written at once from its pbuf, after the frames queued before it, and
 * the ones after it queue again. */
static void large_frame_written_at_once(void **state)
{
  (void)state;
  attach(false);
  u32_t next = 0;
  send_frame(0, 100);
  send_frame(1, 100);
  send_frame(2, 9000);
  const struct tap_uring_counters *c = tap_uring_counters(tap);
  assert_int_equal(c->direct_writes, 1);
  assert_int_equal(c->submits, 1); /* frames 0 and 1, before frame 2 */
  for (u32_t i = 0; i < 3; i++) {
    ssize_t r = recv(peer, buf, sizeof(buf), MSG_DONTWAIT);
    assert_int_equal(r, i < 2 ? 100 : 9000);
    assert_int_equal(get_be32(buf), next++);
  }
  send_frame(3, 100);
  assert_int_equal(peer_reads(&next, 100, 0), 0); /* queued again */
  tap_uring_flush(tap);
  assert_int_equal(peer_reads(&next, 100, 0), 1);
  assert_int_equal(tap->counters.tx_frames, 4);
  assert_int_equal(tap->counters.tx_bytes, 9300);
}

/* The same with virtio-net headers: the header goes in front of the
 * frame written at once too. */
static void large_frame_written_at_once_with_vnet_header(void **state)
{
  (void)state;
  attach(true);
  send_frame(0, 100);
  send_frame(1, 20000);
  const size_t hdr = sizeof(struct virtio_net_hdr);
  for (u32_t i = 0; i < 2; i++) {
    ssize_t r = recv(peer, buf, sizeof(buf), MSG_DONTWAIT);
    assert_int_equal(r, (ssize_t)hdr + (i == 0 ? 100 : 20000));
    assert_int_equal(get_be32(buf + hdr), i);
  }
  assert_int_equal(tap_uring_counters(tap)->direct_writes, 1);
  assert_int_equal(tap->counters.tx_bytes, 20100);
}

/* A frame written at once that the TAP cannot take: tx says so at once
 * (ERR_MEM, as the plain path does, so TCP keeps the segment to send
 * again), counted as EAGAIN and not as a direct write. */
static void large_frame_refused_says_err_mem(void **state)
{
  (void)state;
  attach(false);
  int small = 32768; /* a few 9000-byte frames, then the TAP is full */
  assert_int_equal(setsockopt(tap->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
  struct pbuf *p = pbuf_alloc(PBUF_RAW, 9000, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0, 9000);
  err_t err = ERR_OK;
  for (int i = 0; i < 64 && err == ERR_OK; i++) {
    err = tap->dev.ops->tx(&tap->dev, p);
  }
  pbuf_free(p);
  assert_int_equal(err, ERR_MEM);
  assert_true(tap->counters.tx_frames > 0);
  assert_int_equal(tap->counters.tx_eagain, 1);
  assert_int_equal(tap_uring_counters(tap)->direct_writes, tap->counters.tx_frames);
}

/* One request/response event: a frame in, a frame out, then the flush
 * that ends every event in the daemon. */
static void light_event(u32_t seq, u32_t *sent)
{
  kernel_sends(seq, 1, 80, 0);
  assert_int_equal(tap_read_batch(tap, 64), 1);
  send_frame((*sent)++, 60);
  tap_uring_flush(tap);
}

/* Request/response traffic: after four events in a row that moved at most
 * a frame each way the ring rests, and frames go by plain read() and
 * write() (a reply is at the peer before any flush).  An event that
 * writes two frames wakes it: the next frame is queued again. */
static void rests_under_light_traffic(void **state)
{
  (void)state;
  attach(false);
  const struct tap_uring_counters *c = tap_uring_counters(tap);
  u32_t next = 0, sent = 0;
  for (u32_t i = 0; i < 4; i++) {
    assert_false(tap_uring_resting(tap));
    light_event(i, &sent);
    assert_int_equal(peer_reads(&next, 60, 0), 1);
  }
  assert_true(tap_uring_resting(tap));
  assert_int_equal(c->to_plain, 1);
  u64_t submits = c->submits, reads = c->reads;
  /* Resting: no io_uring_enter; the reply leaves at once. */
  kernel_sends(4, 1, 80, 0);
  assert_int_equal(tap_read_batch(tap, 64), 1);
  send_frame(sent++, 60);
  assert_int_equal(peer_reads(&next, 60, 0), 1);
  assert_int_equal(c->submits, submits);
  assert_int_equal(c->reads, reads);
  assert_int_equal(c->plain_reads, 1);
  assert_int_equal(c->plain_writes, 1);
  /* The same event writes a second frame with no read since the first: a
   * burst, which wakes the ring, and that frame and the next are queued
   * until the flush. */
  send_frame(sent++, 60);
  assert_false(tap_uring_resting(tap));
  assert_int_equal(c->to_ring, 1);
  send_frame(sent++, 60);
  assert_int_equal(peer_reads(&next, 60, 0), 0);
  tap_uring_flush(tap);
  assert_int_equal(peer_reads(&next, 60, 0), 2);
  assert_int_equal(c->plain_writes, 1);
  assert_int_equal(top.frames, 5);
  assert_int_equal(top.out_of_order, 0);
}

/* Request/response where the peer answers within the event: read, reply,
 * read, reply.  No burst: the ring stays at rest, every frame by a plain
 * call. */
static void fast_request_response_stays_resting(void **state)
{
  (void)state;
  attach(false);
  const struct tap_uring_counters *c = tap_uring_counters(tap);
  u32_t next = 0, sent = 0, seq = 0;
  for (u32_t i = 0; i < 4; i++) {
    light_event(seq++, &sent);
  }
  assert_true(tap_uring_resting(tap));
  for (u32_t i = 0; i < 3; i++) {
    kernel_sends(seq++, 1, 80, 0);
    assert_int_equal(tap_read_batch(tap, 64), 1);
    send_frame(sent++, 60);
  }
  tap_uring_flush(tap);
  assert_true(tap_uring_resting(tap));
  assert_int_equal(c->to_ring, 0);
  assert_int_equal(c->plain_reads, 3);
  assert_int_equal(c->plain_writes, 3);
  assert_int_equal(peer_reads(&next, 60, 0), 7);
}

/* Resting ends too when two frames are read with no write between, and a lone quiet
 * event in a transfer does not make the ring rest: only four in a row. */
static void busy_reads_wake_and_quiet_needs_a_run(void **state)
{
  (void)state;
  attach(false);
  const struct tap_uring_counters *c = tap_uring_counters(tap);
  u32_t next = 0, sent = 0, seq = 0;
  for (u32_t i = 0; i < 4; i++) {
    light_event(seq++, &sent);
  }
  assert_true(tap_uring_resting(tap));
  /* A burst of ten: two by read(), which wakes the ring, and the other
   * eight through it in the same batch, in order. */
  u64_t plain = c->plain_reads, ringed = c->read_frames;
  kernel_sends(seq, 10, 80, 0);
  seq += 10;
  assert_int_equal(tap_read_batch(tap, 64), 10);
  assert_false(tap_uring_resting(tap));
  assert_int_equal(c->plain_reads - plain, 2);
  assert_int_equal(c->read_frames - ringed, 8);
  tap_uring_flush(tap);
  /* Three quiet events, a busy one, three quiet ones: no rest. */
  for (u32_t i = 0; i < 3; i++) {
    light_event(seq++, &sent);
  }
  kernel_sends(seq, 3, 80, 0);
  seq += 3;
  assert_int_equal(tap_read_batch(tap, 64), 3);
  tap_uring_flush(tap);
  for (u32_t i = 0; i < 3; i++) {
    light_event(seq++, &sent);
  }
  assert_false(tap_uring_resting(tap));
  assert_int_equal(c->to_plain, 1);
  assert_int_equal(c->to_ring, 1);
  assert_int_equal(top.frames, seq);
  assert_int_equal(top.out_of_order, 0);
  assert_int_equal(peer_reads(&next, 60, 0), 10);
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

/* ---- A ring that fails for good (99183e2) ---- */

/* The descriptor of the tap's ring: the one io_uring file among ours. */
static int ring_fd(void)
{
  DIR *d = opendir("/proc/self/fd");
  assert_non_null(d);
  int found = -1, rings = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char path[300], target[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
    ssize_t n = readlink(path, target, sizeof(target) - 1U);
    if (n > 0) {
      target[n] = '\0';
      if (strcmp(target, "anon_inode:[io_uring]") == 0) {
        found = atoi(e->d_name);
        rings++;
      }
    }
  }
  closedir(d);
  assert_int_equal(rings, 1);
  return found;
}

/* What a ring that breaks leaves: the descriptor limit it lowered and the
 * descriptors that fill the free slots below it. */
static struct rlimit saved_nofile;
static int fillers[1024];
static int nfillers;

/* Break the ring as a kernel that stops serving it would, with no hook in
 * tap_uring.c: its descriptor becomes /dev/null, so the next io_uring_enter
 * fails (EOPNOTSUPP), and no descriptor is left for a new ring (every free
 * slot below the limit is taken, so io_uring_setup fails with EMFILE). */
static void break_ring(void)
{
  int rfd = ring_fd();
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  assert_true(null >= 0);
  assert_true(dup2(null, rfd) == rfd);
  close(null);
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved_nofile), 0);
  struct rlimit low = {.rlim_cur = (rlim_t)rfd, .rlim_max = saved_nofile.rlim_max};
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  nfillers = 0;
  int fd;
  while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
    assert_true(nfillers < (int)LWIP_ARRAYSIZE(fillers));
    fillers[nfillers++] = fd;
  }
  assert_int_equal(errno, EMFILE);
}

/* Give the descriptors back: the plain path needs none. */
static void unbreak_fds(void)
{
  while (nfillers > 0) {
    close(fillers[--nfillers]);
  }
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved_nofile), 0);
}

/* The lines the port logs at ERROR, joined. */
static char errors_logged[512];
static void keep_errors(int module, int level, const char *line)
{
  (void)module;
  if (level == LWIP_LOG_LEVEL_ERROR) {
    size_t at = strlen(errors_logged);
    snprintf(errors_logged + at, sizeof(errors_logged) - at, "%s\n", line);
  }
}

/* A flush on a ring that fails and cannot be made again: the frames it
 * held are counted as failed writes, both steps are logged, the ring is
 * no longer active (status shows io_uring inactive), and the TAP goes on
 * with plain write() and read(), losing nothing more. */
static void broken_ring_falls_back_to_plain_io(void **state)
{
  (void)state;
  attach(false);
  errors_logged[0] = '\0';
  test_log_capture(keep_errors);
  u32_t next = 0;
  /* The netif counted the three frames as sent when tx took them; the
   * failure must move them to its tx_errors, as a failed write() does. */
  static struct netif nif;
  memset(&nif, 0, sizeof(nif));
  nif.counters.tx_packets = 3;
  nif.counters.tx_bytes = 180;
  tap->dev.netif = &nif;
  send_frame(0, 60);
  send_frame(1, 60);
  send_frame(2, 60);
  break_ring();
  tap_uring_flush(tap);
  unbreak_fds();
  tap->dev.netif = NULL;
  assert_false(tap_uring_active(tap));
  assert_null(tap_uring_counters(tap));
  assert_string_equal(tap_uring_failure(tap),
                      "io_uring_enter failed (Operation not supported) and no new ring could be made");
  assert_int_equal(tap->counters.tx_errors, 3);
  assert_int_equal(tap->counters.tx_frames, 0);
  assert_int_equal(nif.counters.tx_packets, 0);
  assert_int_equal(nif.counters.tx_bytes, 0);
  assert_int_equal(nif.counters.tx_errors, 3);
  assert_int_equal(peer_reads(&next, 60, 0), 0);
  if (LWIP_DEBUG) { /* builds without it log nothing */
    assert_non_null(strstr(errors_logged, "tap urt0: io_uring_enter failed: Operation not supported; new ring\n"));
    assert_non_null(strstr(errors_logged, "tap urt0: no new ring either: plain read/write from now on\n"));
  }
  /* Plain write(): the frame is at the peer before any flush. */
  next = 3;
  send_frame(3, 60);
  assert_int_equal(peer_reads(&next, 60, 0), 1);
  assert_int_equal(tap->counters.tx_frames, 1);
  /* Plain read(), in order. */
  kernel_sends(0, 20, 80, 0);
  assert_int_equal(tap_read_batch(tap, 64), 20);
  assert_int_equal(top.frames, 20);
  assert_int_equal(top.out_of_order, 0);
  tap_uring_flush(tap); /* harmless now; teardown stops and frees the ring's buffers */
}

/* The ring breaks in a flush that tx forced (the queue was full): the
 * frame in hand is lost and counted, tx says so, the next goes by plain
 * write(). */
static void broken_ring_in_forced_flush(void **state)
{
  (void)state;
  attach(false);
  for (u32_t i = 0; i < 256; i++) {
    send_frame(i, 64);
  }
  break_ring();
  struct pbuf *p = pbuf_alloc(PBUF_RAW, 64, PBUF_RAM);
  assert_non_null(p);
  memset(p->payload, 0, 64);
  assert_int_equal(tap->dev.ops->tx(&tap->dev, p), ERR_IF);
  unbreak_fds();
  assert_false(tap_uring_active(tap));
  assert_int_equal(tap->counters.tx_errors, 257);
  assert_int_equal(tap->counters.tx_frames, 0);
  u32_t next = 257;
  send_frame(257, 64);
  pbuf_free(p);
  assert_int_equal(peer_reads(&next, 64, 0), 1);
  assert_int_equal(tap->counters.tx_frames, 1);
}

/* The ring breaks while a set of reads is posted: nothing was read, so
 * the frames wait in the TAP and the next batch takes them, by read(). */
static void broken_ring_in_reads_loses_no_frame(void **state)
{
  (void)state;
  attach(false);
  kernel_sends(0, 10, 80, 0);
  break_ring();
  assert_int_equal(tap_read_batch(tap, 64), 0);
  unbreak_fds();
  assert_false(tap_uring_active(tap));
  assert_int_equal(tap_read_batch(tap, 64), 10);
  assert_int_equal(top.frames, 10);
  assert_int_equal(top.out_of_order, 0);
  assert_int_equal(tap->counters.rx_frames, 10);
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
      TAP_PAIR_TEST(sends_wait_for_flush),
      TAP_PAIR_TEST(full_queue_flushes_early),
      TAP_PAIR_TEST(full_pool_flushes_early),
      TAP_PAIR_TEST(large_frame_written_at_once),
      TAP_PAIR_TEST(large_frame_written_at_once_with_vnet_header),
      TAP_PAIR_TEST(large_frame_refused_says_err_mem),
      TAP_PAIR_TEST(rests_under_light_traffic),
      TAP_PAIR_TEST(fast_request_response_stays_resting),
      TAP_PAIR_TEST(busy_reads_wake_and_quiet_needs_a_run),
      TAP_PAIR_TEST(full_tap_counts_eagain),
      TAP_PAIR_TEST(sends_carry_vnet_header),
      TAP_PAIR_TEST(reads_in_order_and_bounded),
      TAP_PAIR_TEST(reads_strip_vnet_header),
      TAP_PAIR_TEST(stop_flushes),
      TAP_PAIR_TEST(broken_ring_falls_back_to_plain_io),
      TAP_PAIR_TEST(broken_ring_in_forced_flush),
      TAP_PAIR_TEST(broken_ring_in_reads_loses_no_frame),
      TAP_PAIR_TEST(mode_names),
  };
  test_tap_pair_use(&tap, &peer, &top.dev);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
