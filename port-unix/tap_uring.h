/**
 * @file tap_uring.h
 * Batched TAP I/O through io_uring (--io-uring).
 *
 * Without it every frame costs a system call: one read() per received
 * frame, one write() per sent frame.  With a ring attached to a tap_dev
 *  - sends (the tap's ops->tx) copy the frame, virtio-net header first when
 *    the TAP has them, into a buffer the ring owns, and queue a write;
 *    tap_uring_flush() submits every queued write with one io_uring_enter.
 *    The daemon flushes at the end of each event (a batch of input, a
 *    timer, a control command), before the loop sleeps;
 *  - tap_read_batch() posts a set of reads and takes their completions in
 *    one io_uring_enter per set.
 * Two exceptions keep the ring from costing more than it saves:
 *  - light traffic.  A request/response exchange moves one frame each way
 *    per event; the ring then costs two io_uring_enter calls (the reads,
 *    the flush), each dearer than the read() that finds the frame, the
 *    read() that finds the TAP empty and the write() of the plain path,
 *    and the reply leaves only at the flush.  After TAP_URING_QUIET events in
 *    a row without a burst, the ring rests: frames are read and written a
 *    frame a call, exactly as the plain path does, until a burst (a
 *    transfer began), and from the next frame on the ring batches again.
 *    A burst is frames moved together: two read with no write between,
 *    two written with no read between, or a set of ring reads that found
 *    two.  Read, reply, read, reply is not one, even within one event;
 *  - large frames.  A frame over TAP_URING_COPY_MAX bytes (a GSO frame of
 *    up to 64 KB) is written at once with writev() straight from its
 *    pbufs, after the frames queued before it: copying it into the pool
 *    costs more than the one system call it would share.
 * A frame written at once reports its outcome as the plain path does:
 * tx returns ERR_MEM or ERR_IF at once.
 * Every request is made with RWF_NOWAIT: one that cannot be done at once
 * fails with EAGAIN (a read of an empty TAP; a write the TAP cannot take,
 * counted as the plain path counts it) instead of being parked by the
 * kernel.  The kernel then performs the requests of one submission in
 * the order they were queued, so frames keep their order on the wire.
 * Each flush takes every completion before it returns, so the write
 * buffers are free again.
 *
 * Ownership: tx still does not take the pbuf (its bytes are copied, or
 * written before tx returns).  Results of queued frames arrive later than
 * tx returns: tx says ERR_OK once the frame is queued, and failed writes
 * are counted (tap_counters: tx_eagain,
 * tx_enobufs, tx_errors) and logged as in the plain path when they
 * complete.  When the buffers are used up, the queued writes are submitted
 * and waited for, and queueing goes on: nothing is dropped.
 *
 * Built without liburing (meson -Dio_uring=disabled, or no liburing-dev),
 * tap_uring_start() fails saying so and the plain path runs.
 */
#ifndef LWIPD_TAP_URING_H
#define LWIPD_TAP_URING_H

#include "tap.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** --io-uring. */
enum tap_uring_mode {
  TAP_URING_OFF,  /**< read() and write() per frame */
  TAP_URING_AUTO, /**< the ring when the kernel gives one, else plain */
  TAP_URING_ON,   /**< the ring, or the daemon does not start */
};

/** Parse "off", "auto" or "on".  @return true and @p out set, or false. */
bool tap_uring_parse(const char *s, enum tap_uring_mode *out);

/** "off", "auto" or "on". */
const char *tap_uring_mode_name(enum tap_uring_mode mode);

/** Counters of a tap's ring (zeroed by tap_uring_start). */
struct tap_uring_counters {
  uint64_t submits;       /**< io_uring_enter calls that submitted work */
  uint64_t writes;        /**< write requests submitted (one per frame) */
  uint64_t reads;         /**< read requests submitted */
  uint64_t read_frames;   /**< of those, reads that returned a frame */
  uint64_t pool_full;     /**< flushes forced mid-batch: buffers or queue used up */
  uint64_t plain_reads;   /**< frames read by read() while traffic was light */
  uint64_t plain_writes;  /**< frames written by write() while traffic was light */
  uint64_t direct_writes; /**< frames over TAP_URING_COPY_MAX written at once from their pbufs */
  uint64_t to_plain;      /**< switches to plain calls after TAP_URING_QUIET light events */
  uint64_t to_ring;       /**< switches back to the ring when traffic built up */
};

/** Is the ring on @p tap resting: light traffic (request/response), read
 *  and written a frame a call as the plain path does, until an event
 *  moves two frames one way? */
bool tap_uring_resting(const struct tap_dev *tap);

/**
 * Attach a ring to @p tap: from now on its sends are queued (flush them
 * with tap_uring_flush) and tap_read_batch() reads through the ring.
 * @return 0; or -1 with a message in @p err (may be NULL) and errno set
 *         when the ring cannot be set up (a kernel without io_uring, one
 *         that forbids it: kernel.io_uring_disabled, a seccomp filter;
 *         out of memory; a build without liburing).  The tap is then
 *         unchanged.
 */
int tap_uring_start(struct tap_dev *tap, char *err, size_t errlen);

/** Submit every queued write with one system call and wait until they are
 *  done.  No-op without a ring or with nothing queued. */
void tap_uring_flush(struct tap_dev *tap);

/** Flush, then tear the ring down: the tap goes back to the plain path.
 *  No-op without a ring.  tap_close() calls it. */
void tap_uring_stop(struct tap_dev *tap);

/** Is a ring attached? */
bool tap_uring_active(const struct tap_dev *tap);

/** The ring's counters; NULL without a ring. */
const struct tap_uring_counters *tap_uring_counters(const struct tap_dev *tap);

/** Why the ring started on @p tap stopped running (it failed and no new
 *  one could be made), or NULL when it runs or none was started.  The
 *  string lives as long as the tap. */
const char *tap_uring_failure(const struct tap_dev *tap);

/* ---- For tap.c only ---- */

/** Queue frame @p p behind virtio-net header @p vh (used only when the TAP
 *  has them), or write it at once while the ring rests or when it is over
 *  TAP_URING_COPY_MAX bytes.  Does not take @p p.  @return ERR_OK when
 *  queued or written (a queued write that fails later is counted then);
 *  from a write made at once, tap_plain_tx()'s ERR_MEM or ERR_IF. */
err_t tap_uring_tx(struct tap_dev *tap, const struct pbuf *p, const void *vh, size_t vh_len, bool gso);

/** tap_read_batch() through the ring: same contract. */
int tap_uring_read_batch(struct tap_dev *tap, int max_frames);

/* ---- tap.c's own steps, shared with tap_uring.c ---- */

struct virtio_net_hdr;

/** A read of @p n bytes: with virtio-net headers @p vh is the header read
 *  (n counts it) and @p frame the bytes after it; checked, counted and
 *  delivered up or dropped as tap_read_batch() does. */
void tap_rx_frame(struct tap_dev *tap, const struct virtio_net_hdr *vh, const u8_t *frame, size_t n);

/** Count a write's outcome: @p w frame bytes written, or w < 0 and errno
 *  @p e (logged at most once a second).  @p len: the frame's length;
 *  @p gso: it was a GSO frame. */
void tap_tx_result(struct tap_dev *tap, ssize_t w, int e, size_t len, bool gso);

/** tap_read_batch() by read() (readv() with virtio-net headers), a frame
 *  a call until the TAP is empty or @p max_frames were read: same
 *  contract. */
int tap_plain_read_batch(struct tap_dev *tap, int max_frames);

/** Write frame @p p at once with one write() or writev() straight from
 *  its pbufs, header @p vh in front when the TAP has them, and count the
 *  outcome.  Does not take @p p.  @return ERR_OK; ERR_MEM when the TAP
 *  could not take it now (EAGAIN, ENOBUFS); ERR_IF on any other error. */
err_t tap_plain_tx(struct tap_dev *tap, const struct pbuf *p, const struct virtio_net_hdr *vh, bool gso);

/** read() errors after which the descriptor is useless. */
bool tap_fatal_errno(int e);

#endif
