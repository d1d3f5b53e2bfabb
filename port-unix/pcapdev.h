/**
 * @file pcapdev.h
 * Capture wrapper: a device (dev.h) that writes every frame passing
 * through it to a pcap file (LINKTYPE_ETHERNET, microsecond timestamps,
 * snap length 65535) and passes it on unchanged.
 *
 * Stack it right above the TAP to see the wire as Linux sees it, or above
 * an impairment wrapper to see what the stack actually received/sent:
 *
 *     struct pcap_dev *pd = pcapdev_open("/tmp/tp0.pcap", err, sizeof(err));
 *     dev_push(&pd->dev, &tap->dev);
 *     ...
 *     dev_unlink(&pd->dev);  pcapdev_close(pd);   (capture.stop)
 *
 * Ownership is as in dev.h: rx takes ownership and passes it up with
 * dev_deliver_up(); tx borrows the frame and passes it down with
 * dev_send_down().  Writing a record never changes the frame.
 *
 * Output is buffered by stdio: call pcapdev_flush() to make frames visible
 * to a reader (lwipd flushes after each read batch or on a timer).
 */
#ifndef LWIPD_PCAPDEV_H
#define LWIPD_PCAPDEV_H

#include "dev.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/** Which directions are recorded (pcapdev_set_dirs); frames always pass. */
#define PCAPDEV_RX 0x1U   /**< frames going up (received) */
#define PCAPDEV_TX 0x2U   /**< frames going down (sent) */
#define PCAPDEV_BOTH 0x3U

/** Snap length and largest frame recorded. */
#define PCAPDEV_SNAPLEN 65535U

/** Clock for record timestamps; default gettimeofday().  lwip-replay sets
 *  one that reads its virtual clock. */
typedef void (*pcapdev_clock_fn)(struct timeval *tv);

struct pcap_dev {
  struct dev dev;       /**< must stay first */
  void *pcap;           /**< pcap_t from pcap_open_dead */
  void *dumper;         /**< pcap_dumper_t; NULL after a failed reopen */
  char *path;           /**< file name (malloc'd copy) */
  unsigned dirs;        /**< PCAPDEV_RX | PCAPDEV_TX */
  uint64_t frames;      /**< frames recorded since open (all files) */
  uint64_t file_frames; /**< frames recorded in the current file */
  pcapdev_clock_fn clock;
  uint8_t *buf;         /**< PCAPDEV_SNAPLEN bytes: a chained frame made contiguous */
};

/**
 * Create (truncate) the pcap file @p path and a capture device writing it.
 * "-" writes to stdout.  Both directions are recorded.
 * @return the device (free with pcapdev_close()), or NULL with a message
 *         ("pcap: /x/y.pcap: No such file or directory") in @p err.
 */
struct pcap_dev *pcapdev_open(const char *path, char *err, size_t errlen);

/** Choose the directions recorded (PCAPDEV_RX, PCAPDEV_TX, PCAPDEV_BOTH;
 *  0 records nothing). */
void pcapdev_set_dirs(struct pcap_dev *pd, unsigned dirs);

/** Use @p clock for timestamps (NULL: gettimeofday). */
void pcapdev_set_clock(struct pcap_dev *pd, pcapdev_clock_fn clock);

/** Write @p p (tot_len bytes of it) as one record, without passing it on:
 *  for recording frames that do not travel through a stack (lwip-replay).
 *  Borrows @p p.  Does nothing when no file is open. */
void pcapdev_record(struct pcap_dev *pd, const struct pbuf *p);

/** Same, with an explicit timestamp. */
void pcapdev_record_at(struct pcap_dev *pd, const struct pbuf *p, const struct timeval *ts);

/** Push buffered records to the file.
 *  @return 0, or -1 (errno set) on a write error or when no file is open. */
int pcapdev_flush(struct pcap_dev *pd);

/**
 * Close the current file and create a new one at the same path (SIGHUP
 * log rotation).  libpcap cannot append to a pcap file, so the new file is
 * truncated: rename the old file first (logrotate's default "create" mode)
 * or it is lost.  The new file starts with its own header; file_frames
 * restarts at 0, frames keeps counting.
 * @return 0, or -1 with a message in @p err: the capture then records
 *         nothing (frames still pass) until a later reopen succeeds.
 */
int pcapdev_reopen(struct pcap_dev *pd, char *err, size_t errlen);

/** Flush and close the file, unlink the device from its stack (if still
 *  linked) and free it.  NULL is a no-op.  ops->close does the same. */
void pcapdev_close(struct pcap_dev *pd);

#endif
