/**
 * @file tap_uring.c
 * Batched TAP I/O through io_uring: see tap_uring.h.
 *
 * One ring per TAP.  Sends are copied into a byte pool the ring owns (the
 * caller frees its pbuf as soon as tx returns) and queued as write
 * requests; a flush hands them all to the kernel with one io_uring_enter
 * and takes their completions.  A TAP write never waits (the kernel
 * drops rather than block when the queue behind the interface is full),
 * and with RWF_NOWAIT nothing is left pending, so the completions are
 * there when io_uring_enter returns and taking them costs no sleep.
 * Reads go in sets posted together on a readable TAP (of up to
 * TAP_URING_READS, sized by how many frames the last set found); a set
 * that came back full is followed by another, up to the batch limit.
 */
#define _GNU_SOURCE
#include "tap_uring.h"

#include "lwip/debug.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool tap_uring_parse(const char *s, enum tap_uring_mode *out)
{
  static const char *const names[] = {"off", "auto", "on"};
  for (int i = 0; i < 3; i++) {
    if (s != NULL && strcmp(s, names[i]) == 0) {
      *out = (enum tap_uring_mode)i;
      return true;
    }
  }
  return false;
}

const char *tap_uring_mode_name(enum tap_uring_mode mode)
{
  return mode == TAP_URING_ON ? "on" : mode == TAP_URING_AUTO ? "auto" : "off";
}

#if LWIPD_HAVE_LIBURING

#include <liburing.h>
#include <linux/virtio_net.h>
#include <stdlib.h>

/** Submission queue size: the most writes queued between two flushes
 *  (a full queue forces a flush; nothing is lost). */
#define TAP_URING_ENTRIES 256U
/** Reads posted at once on a readable TAP. */
#define TAP_URING_READS 16U
/** Bytes of the write pool: room for hundreds of Ethernet frames before
 *  a flush is forced (GSO frames, over TAP_URING_COPY_MAX, never enter
 *  it). */
#define TAP_URING_POOL (1024U * 1024U)
/** Frames larger than this are written at once from their pbufs instead
 *  of being copied into the pool.  Copying 8 KB takes about as long as a
 *  system call's own overhead (a microsecond or so at memory speed), so
 *  beyond it the copy costs more than sharing one io_uring_enter saves.
 *  With offloads nearly every data frame TCP sends is a 64 KB GSO frame:
 *  issue 18's net-bench runs measured lwipd -> Linux at 37.9 Gbit/s with
 *  the ring's copy against 49.6 with plain writes. */
#define TAP_URING_COPY_MAX 8192U
/** Events in a row without a burst (frames moved together, note_op)
 *  before the ring rests (tap_uring.h).  More than one, so the events a
 *  transfer can have between two batches of frames (a delayed-ACK or
 *  retransmission timer, a control command or two) do not switch it. */
#define TAP_URING_QUIET 4U
/** Every frame starts on a cache line of the pool. */
#define TAP_URING_ALIGN 64U
/** A read buffer: a virtio-net header, the largest frame and one byte
 *  more to see an oversized one (as the plain path does). */
#define TAP_URING_RBUF (sizeof(struct virtio_net_hdr) + TAP_FRAME_MAX + 1U)

/* The top bits of a request's user_data say what it was; the low bits
 * index its bookkeeping. */
#define TAG_WRITE (1ULL << 32)
#define TAG_READ (2ULL << 32)
#define TAG_MASK (~0ULL << 32)

struct tap_uring_write {
  uint32_t len; /**< frame bytes, without the virtio-net header */
  bool gso;
};

struct tap_uring {
  struct io_uring ring;
  struct tap_uring_counters c;
  uint8_t *pool; /**< TAP_URING_POOL bytes of queued frames */
  size_t pool_used;
  unsigned queued; /**< writes prepared, not yet submitted */
  size_t vh_len;   /**< virtio-net header bytes before each frame */
  struct tap_uring_write w[TAP_URING_ENTRIES];
  uint8_t *rbuf;                 /**< TAP_URING_READS buffers of TAP_URING_RBUF bytes */
  int32_t rres[TAP_URING_READS]; /**< each read's result */
  unsigned rdepth;               /**< reads in the next set */
  uint8_t last_op;               /**< OP_READ or OP_WRITE: the last frame moved in this event */
  bool ev_burst;                 /**< this event moved frames together (tap_uring.h) */
  unsigned quiet;                /**< light events in a row */
  bool resting;                  /**< light traffic: plain calls (tap_uring.h) */
  bool broken;                   /**< the ring failed and no new one could be made: plain I/O from now on */
  char failure[96];              /**< when broken, why */
};

const char *tap_uring_failure(const struct tap_dev *tap)
{
  return tap != NULL && tap->uring != NULL && tap->uring->broken ? tap->uring->failure : NULL;
}

bool tap_uring_active(const struct tap_dev *tap)
{
  return tap != NULL && tap->uring != NULL && !tap->uring->broken;
}

const struct tap_uring_counters *tap_uring_counters(const struct tap_dev *tap)
{
  return tap_uring_active(tap) ? &tap->uring->c : NULL;
}

bool tap_uring_resting(const struct tap_dev *tap)
{
  return tap_uring_active(tap) && tap->uring->resting;
}

enum { OP_NONE, OP_READ, OP_WRITE };

/* Frames moved together: traffic built up, and the ring batches again
 * from the next frame on.  Nothing is queued while resting, so the frames
 * already written by plain calls stay ahead of the ones the ring queues
 * next. */
static void note_burst(struct tap_uring *u)
{
  u->ev_burst = true;
  if (u->resting) {
    u->resting = false;
    u->quiet = 0;
    u->c.to_ring++;
  }
}

/* One frame moved by @p op.  Two reads with no write between (frames that
 * came in together: a transfer to us) or two writes with no read between
 * (a transfer from us) make a burst.  A read, its reply, the next read and
 * its reply do not: that is request/response, even when the peer answers
 * so fast that the next request is read in the same event, and batching
 * could not have sent a reply before the request it answers arrived. */
static void note_op(struct tap_uring *u, uint8_t op)
{
  if (u->last_op == op) {
    note_burst(u);
  }
  u->last_op = op;
}

/* The end of an event (the flush, with nothing in flight): after
 * TAP_URING_QUIET events in a row without a burst, rest. */
static void end_event(struct tap_uring *u)
{
  if (u->ev_burst) {
    u->quiet = 0;
  } else if (!u->resting && ++u->quiet >= TAP_URING_QUIET) {
    u->resting = true;
    u->c.to_plain++;
  }
  u->ev_burst = false;
  u->last_op = OP_NONE;
}

/* Can this kernel read and write through a ring?  IORING_OP_READ and
 * IORING_OP_WRITE came in Linux 5.6, after io_uring itself. */
static bool ops_supported(struct io_uring *ring)
{
  struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
  bool ok = probe != NULL && io_uring_opcode_supported(probe, IORING_OP_READ) &&
            io_uring_opcode_supported(probe, IORING_OP_WRITE);
  io_uring_free_probe(probe);
  return ok;
}

/* A ring for one thread: SINGLE_ISSUER and COOP_TASKRUN (Linux 6.0,
 * 5.19) spare the kernel locking and interrupting us; older kernels
 * refuse the flags with EINVAL and get a plain ring. */
static int ring_init(struct io_uring *ring)
{
  int r = io_uring_queue_init(TAP_URING_ENTRIES, ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN);
  if (r == -EINVAL) {
    r = io_uring_queue_init(TAP_URING_ENTRIES, ring, 0);
  }
  return r;
}

/* Does the kernel let a read of this TAP fail at once instead of waiting
 * (RWF_NOWAIT: Linux 5.11's TAP, before which the flag is refused with
 * EOPNOTSUPP)?  An empty read asks without taking a frame: the TAP answers
 * it with 0 before it looks at its queue.  @return 0 or -errno. */
static int probe_nowait_read(struct io_uring *ring, int fd)
{
  static uint8_t none[1];
  struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
  io_uring_prep_read(sqe, fd, none, 0, 0);
  sqe->rw_flags = RWF_NOWAIT;
  int r;
  while ((r = io_uring_submit_and_wait(ring, 1)) == -EINTR) {
  }
  struct io_uring_cqe *cqe;
  if (r >= 0) {
    while ((r = io_uring_wait_cqe(ring, &cqe)) == -EINTR) {
    }
  }
  if (r < 0) {
    return r;
  }
  r = cqe->res < 0 ? cqe->res : 0;
  io_uring_cqe_seen(ring, cqe);
  return r;
}

int tap_uring_start(struct tap_dev *tap, char *err, size_t errlen)
{
  struct tap_uring *u = calloc(1, sizeof(*u));
  if (u == NULL || (u->pool = aligned_alloc(TAP_URING_ALIGN, TAP_URING_POOL)) == NULL ||
      (u->rbuf = malloc(TAP_URING_READS * TAP_URING_RBUF)) == NULL) {
    if (u != NULL) {
      free(u->pool);
    }
    free(u);
    dev_set_err(err, errlen, "io_uring: out of memory");
    errno = ENOMEM;
    return -1;
  }
  int r = ring_init(&u->ring);
  if (r < 0) {
    dev_set_err(err, errlen, "io_uring: io_uring_setup refused: %s%s", strerror(-r),
                r == -EPERM ? " (kernel.io_uring_disabled, or a seccomp filter)" : "");
  } else if (!ops_supported(&u->ring)) {
    io_uring_queue_exit(&u->ring);
    r = -EOPNOTSUPP;
    dev_set_err(err, errlen, "io_uring: the kernel has no IORING_OP_READ/WRITE (Linux 5.6 or later needed)");
  } else if ((r = probe_nowait_read(&u->ring, tap->fd)) < 0) {
    io_uring_queue_exit(&u->ring);
    dev_set_err(err, errlen, "io_uring: a non-waiting read (RWF_NOWAIT) of %s refused: %s", tap->name, strerror(-r));
  }
  if (r < 0) {
    free(u->rbuf);
    free(u->pool);
    free(u);
    errno = -r;
    return -1;
  }
  u->vh_len = tap->vnet_hdr ? sizeof(struct virtio_net_hdr) : 0;
  u->rdepth = 2;
  tap->uring = u;
  return 0;
}

/* A queued write that failed with @p err: counted and logged as a failed
 * write().  The netif counted the frame as sent when tx said ERR_OK; the
 * failure moves it to tx_errors, where the plain path's error return puts
 * it. */
static void write_failed(struct tap_dev *tap, const struct tap_uring_write *w, int err)
{
  tap_tx_result(tap, -1, err, w->len, w->gso);
  struct netif *n = tap->dev.netif;
  if (n != NULL && n->counters.tx_packets > 0) {
    n->counters.tx_packets--;
    n->counters.tx_bytes -= w->len;
    n->counters.tx_errors++;
  }
}

/* A write's completion: the same counting and logging as a write(). */
static void write_done(struct tap_dev *tap, const struct tap_uring_write *w, int res)
{
  struct tap_uring *u = tap->uring;
  if (res < 0) {
    write_failed(tap, w, -res);
    return;
  }
  ssize_t n = res;
  if ((size_t)n >= u->vh_len) {
    n -= (ssize_t)u->vh_len;
  }
  tap_tx_result(tap, n, 0, w->len, w->gso);
}

static void complete(struct tap_dev *tap, const struct io_uring_cqe *cqe)
{
  struct tap_uring *u = tap->uring;
  unsigned idx = (unsigned)(cqe->user_data & ~TAG_MASK);
  if ((cqe->user_data & TAG_MASK) == TAG_WRITE && idx < TAP_URING_ENTRIES) {
    write_done(tap, &u->w[idx], cqe->res);
  } else if ((cqe->user_data & TAG_MASK) == TAG_READ && idx < TAP_URING_READS) {
    u->rres[idx] = cqe->res;
  }
}

/* Hand the kernel everything prepared (queued writes and @p reads reads)
 * with one io_uring_enter, and take every completion: when this returns
 * nothing is in flight, the pool is free and every result is counted. */
static void run(struct tap_dev *tap, unsigned reads)
{
  struct tap_uring *u = tap->uring;
  unsigned want = u->queued + reads;
  if (want == 0 || u->broken) {
    return;
  }
  int r;
  do {
    /* EAGAIN and EBUSY: the kernel is short of request memory for a
     * moment; the requests stay in the queue for the next try. */
    r = io_uring_submit_and_wait(&u->ring, want);
  } while (r == -EINTR || r == -EAGAIN || r == -EBUSY);
  u->c.submits++;
  u->c.writes += u->queued;
  u->c.reads += reads;
  if (r < 0) {
    /* The ring itself is broken (a programming error: EFAULT, EBADF):
     * nothing went in and nothing will complete.  Count the frames as
     * failed writes and start on a new ring. */
    for (unsigned i = 0; i < u->queued; i++) {
      write_failed(tap, &u->w[i], -r);
    }
    LWIP_LOG(NETIF, ERROR, "tap %s: io_uring_enter failed: %s; new ring", tap->name, strerror(-r));
    io_uring_queue_exit(&u->ring);
    if (ring_init(&u->ring) < 0) {
      /* The daemon goes on with plain read() and write(): callers see
       * tap_uring_active() false from here on (status shows io_uring
       * inactive), and stop only frees the buffers. */
      LWIP_LOG(NETIF, ERROR, "tap %s: no new ring either: plain read/write from now on", tap->name);
      snprintf(u->failure, sizeof(u->failure), "io_uring_enter failed (%s) and no new ring could be made",
               strerror(-r));
      u->broken = true;
      u->queued = 0;
      u->pool_used = 0;
      return;
    }
    want = 0;
  }
  u->queued = 0;
  for (unsigned got = 0; got < want; got++) {
    struct io_uring_cqe *cqe;
    while ((r = io_uring_wait_cqe(&u->ring, &cqe)) == -EINTR) {
    }
    if (r < 0) {
      break;
    }
    complete(tap, cqe);
    io_uring_cqe_seen(&u->ring, cqe);
  }
  u->pool_used = 0;
}

void tap_uring_flush(struct tap_dev *tap)
{
  if (tap_uring_active(tap)) {
    run(tap, 0);
    end_event(tap->uring);
  }
}

void tap_uring_stop(struct tap_dev *tap)
{
  if (tap == NULL || tap->uring == NULL) {
    return;
  }
  struct tap_uring *u = tap->uring;
  if (!u->broken) {
    run(tap, 0);
  }
  if (!u->broken) {
    io_uring_queue_exit(&u->ring);
  }
  free(u->rbuf);
  free(u->pool);
  free(u);
  tap->uring = NULL;
}

/* Room in the pool for @p need bytes, after the frames queued already:
 * @return the offset, or -1 when it is full. */
static long pool_take(struct tap_uring *u, size_t need)
{
  size_t at = (u->pool_used + TAP_URING_ALIGN - 1U) & ~(size_t)(TAP_URING_ALIGN - 1U);
  if (at + need > TAP_URING_POOL) {
    return -1;
  }
  u->pool_used = at + need;
  return (long)at;
}

err_t tap_uring_tx(struct tap_dev *tap, const struct pbuf *p, const void *vh, size_t vh_len, bool gso)
{
  struct tap_uring *u = tap->uring;
  note_op(u, OP_WRITE);
  if (u->resting || p->tot_len > TAP_URING_COPY_MAX) {
    if (!u->resting) {
      run(tap, 0); /* the frames queued before this one leave first */
    }
    bool resting = u->resting;
    err_t err = tap_plain_tx(tap, p, vh, gso);
    if (err == ERR_OK && resting) {
      u->c.plain_writes++;
    } else if (err == ERR_OK) {
      u->c.direct_writes++;
    }
    return err;
  }
  size_t need = vh_len + p->tot_len;
  long at = u->queued < TAP_URING_ENTRIES ? pool_take(u, need) : -1;
  struct io_uring_sqe *sqe = at >= 0 ? io_uring_get_sqe(&u->ring) : NULL;
  if (sqe == NULL) {
    /* Out of buffers or queue: send what is queued, then go on. */
    u->c.pool_full++;
    run(tap, 0);
    if (u->broken) {
      /* The ring failed for good during that flush: this frame is lost
       * (counted), the next ones go by plain write(). */
      tap_tx_result(tap, -1, EIO, p->tot_len, gso);
      return ERR_IF;
    }
    at = pool_take(u, need);
    sqe = io_uring_get_sqe(&u->ring);
    if (at < 0 || sqe == NULL) {
      /* Cannot happen: the pool holds the largest frame, the queue is empty. */
      tap_tx_result(tap, -1, ENOBUFS, p->tot_len, gso);
      return ERR_MEM;
    }
  }
  uint8_t *buf = u->pool + at;
  memcpy(buf, vh, vh_len);
  pbuf_copy_partial(p, buf + vh_len, p->tot_len, 0);
  io_uring_prep_write(sqe, tap->fd, buf, (unsigned)need, 0);
  /* RWF_NOWAIT: see post_reads.  A write the TAP cannot take now fails
   * with EAGAIN, counted as the plain path's would be, instead of being
   * parked by the kernel, possibly behind frames queued after it. */
  sqe->rw_flags = RWF_NOWAIT;
  sqe->user_data = TAG_WRITE | u->queued;
  u->w[u->queued].len = p->tot_len;
  u->w[u->queued].gso = gso;
  u->queued++;
  return ERR_OK;
}

/* Post @p n reads into the read buffers.  RWF_NOWAIT: a read that finds
 * the TAP's queue empty completes at once with EAGAIN.  Without it the
 * kernel would ignore O_NONBLOCK (it does for files that can tell it they
 * would block, as a TAP can) and park the read until a frame comes,
 * which would hold the whole event loop.  With it no request is ever
 * parked or handed to a worker thread: the kernel performs the requests
 * of one submission one after the other, in the order they were queued,
 * within io_uring_enter.  So frames keep their order both ways without
 * chaining requests (IOSQE_IO_LINK would also cancel the rest of a chain
 * after one short read). */
static void post_reads(struct tap_dev *tap, unsigned n)
{
  struct tap_uring *u = tap->uring;
  if (io_uring_sq_space_left(&u->ring) < n) {
    run(tap, 0);
    if (u->broken) {
      return;
    }
  }
  for (unsigned i = 0; i < n; i++) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    io_uring_prep_read(sqe, tap->fd, u->rbuf + (size_t)i * TAP_URING_RBUF, (unsigned)TAP_URING_RBUF, 0);
    sqe->rw_flags = RWF_NOWAIT;
    sqe->user_data = TAG_READ | i;
    u->rres[i] = -EAGAIN;
  }
}

/* Deliver the frames of the last set of @p n reads, in the order they
 * were read.  @return frames read, or -1 after a fatal error with none
 * read before it in the set (*fatal set either way). */
static int take_reads(struct tap_dev *tap, unsigned n, bool *fatal)
{
  struct tap_uring *u = tap->uring;
  int count = 0;
  for (unsigned i = 0; i < n; i++) {
    int res = u->rres[i];
    if (res > 0) {
      u->c.read_frames++;
      count++;
      const uint8_t *b = u->rbuf + (size_t)i * TAP_URING_RBUF;
      struct virtio_net_hdr vh;
      memcpy(&vh, b, sizeof(vh));
      u->last_op = OP_READ; /* its replies start a new run of writes */
      tap_rx_frame(tap, &vh, b + u->vh_len, (size_t)res);
    } else if (res < 0 && tap_fatal_errno(-res)) {
      *fatal = true;
      errno = -res;
    } else if (res < 0 && res != -EAGAIN && res != -EINTR) {
      tap->counters.rx_errors++;
    }
  }
  return count;
}

/* The size of the next set of reads: twice the frames the last one got,
 * from 2 to TAP_URING_READS.  A read that finds nothing costs little, but
 * under request/response traffic a full set would be mostly such reads;
 * under a bulk transfer the sets grow to full size within a few rounds. */
static unsigned next_depth(unsigned got)
{
  unsigned d = got * 2U;
  return d < 2U ? 2U : d > TAP_URING_READS ? TAP_URING_READS : d;
}

int tap_uring_read_batch(struct tap_dev *tap, int max_frames)
{
  struct tap_uring *u = tap->uring;
  int count = 0;
  /* Resting: a frame a read(), as the plain path reads, until the TAP is
   * empty or a burst wakes the ring, which reads the rest of the batch.
   * A frame's read is noted after the frame was handled, so after the
   * replies it caused: read, reply, read, reply stays request/response. */
  while (u->resting && count < max_frames) {
    int got = tap_plain_read_batch(tap, 1);
    if (got <= 0) {
      return count > 0 ? count : got;
    }
    count++;
    u->c.plain_reads++;
    note_op(u, OP_READ);
  }
  bool fatal = false;
  while (count < max_frames && !fatal) {
    unsigned n = (unsigned)(max_frames - count) < u->rdepth ? (unsigned)(max_frames - count) : u->rdepth;
    post_reads(tap, n);
    run(tap, n);
    if (u->broken) {
      break; /* the next batch reads with plain read() */
    }
    int got = take_reads(tap, n, &fatal);
    count += got;
    if (got >= 2) {
      note_burst(u); /* frames that were waiting together */
    }
    u->rdepth = next_depth((unsigned)got);
    if ((unsigned)got < n) {
      break; /* the TAP's queue ran dry during the set */
    }
  }
  return fatal && count == 0 ? -1 : count;
}

#else /* !LWIPD_HAVE_LIBURING */

/* Built without liburing: the ring is never there, and the plain path
 * (tap.c) runs.  The functions below are only reached through
 * tap_uring_active(), which is false. */

int tap_uring_start(struct tap_dev *tap, char *err, size_t errlen)
{
  (void)tap;
  dev_set_err(err, errlen, "io_uring: lwipd was built without liburing (meson -Dio_uring, liburing-dev)");
  errno = ENOSYS;
  return -1;
}

void tap_uring_flush(struct tap_dev *tap)
{
  (void)tap;
}

void tap_uring_stop(struct tap_dev *tap)
{
  (void)tap;
}

bool tap_uring_active(const struct tap_dev *tap)
{
  (void)tap;
  return false;
}

const struct tap_uring_counters *tap_uring_counters(const struct tap_dev *tap)
{
  (void)tap;
  return NULL;
}

const char *tap_uring_failure(const struct tap_dev *tap)
{
  (void)tap;
  return NULL;
}

bool tap_uring_resting(const struct tap_dev *tap)
{
  (void)tap;
  return false;
}

err_t tap_uring_tx(struct tap_dev *tap, const struct pbuf *p, const void *vh, size_t vh_len, bool gso)
{
  (void)vh;
  (void)vh_len;
  tap_tx_result(tap, -1, ENOSYS, p->tot_len, gso);
  return ERR_IF;
}

int tap_uring_read_batch(struct tap_dev *tap, int max_frames)
{
  (void)tap;
  (void)max_frames;
  errno = ENOSYS;
  return -1;
}

#endif
