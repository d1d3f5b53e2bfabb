/*
 * The TCP connection fuzz harness (libfuzzer_tcp.c), shared by the libFuzzer
 * target and the deterministic driver fuzz_tcp.c.  The input format is
 * described at the top of libfuzzer_tcp.c.
 */
#ifndef FUZZ_TCP_H
#define FUZZ_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Run one input: set up a stack with one established connection, play the
 *  input against it, tear everything down and check that no pool element
 *  or heap byte is left.  Any failure (leak, broken invariant, bad data)
 *  prints a message and calls abort(). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Whether the build has what the harness needs (TCP). */
bool fuzz_tcp_available(void);

/** Built-in seed inputs, each reaching a different part of TCP, followed
 *  by the reproducers of the known findings (fuzz_tcp_known). */
size_t fuzz_tcp_nseeds(void);
const uint8_t *fuzz_tcp_seed(size_t i, size_t *len);

/** A finding in the stack the harness tolerates until it is fixed: its
 *  minimized reproducer fails when LWIP_FUZZ_TCP_STRICT names @c category
 *  (or is 1).  fuzz_tcp --check-known runs them all. */
struct fuzz_tcp_known {
  const char *name;
  const char *category;
  const char *what;
  const uint8_t *data;
  size_t len;
};
size_t fuzz_tcp_nknown(void);
const struct fuzz_tcp_known *fuzz_tcp_known(size_t i);

/** How deep the inputs run so far reached (summed over inputs). */
struct fuzz_tcp_reach {
  unsigned long inputs;
  unsigned long segs_in;      /**< segments injected */
  unsigned long segs_out;     /**< TCP segments the stack sent */
  unsigned long bytes_in;     /**< data bytes delivered to the application (checked) */
  unsigned long bytes_out;    /**< data bytes the stack sent (checked) */
  unsigned long rexmit;       /**< data segments the stack sent again */
  unsigned long sack_out;     /**< segments the stack sent with SACK blocks */
  unsigned long ooseq;        /**< times an out-of-order queue was seen non-empty */
  unsigned long probes;       /**< window or keepalive probes (seq snd_una - 1) */
  unsigned long rst_out;
  unsigned long alloc_fail;   /**< allocation failures armed */
  unsigned long orphans;      /**< closed connections still held after a long silence */
  uint32_t states;            /**< bit per enum tcp_state entered */
  /* Known findings tolerated unless LWIP_FUZZ_TCP_STRICT=1 (libfuzzer_tcp.c). */
  unsigned long known_sacked;          /**< sacked_bytes above the SACKed bytes queued */
  unsigned long known_fin_inside;      /**< a FIN queued inside, or taken after, data beyond it */
  unsigned long known_queuelen;        /**< snd_queuelen one short after a FIN's data was acknowledged */
  unsigned long known_cookie_seq;      /**< a SYN cookie connection starting at the ACK's sequence number */
};
const struct fuzz_tcp_reach *fuzz_tcp_reach(void);

/** Features of the last input as a bitmap (state transitions, events,
 *  drop reasons counted), for the deterministic driver's feedback.
 *  @return its size in bytes. */
#define FUZZ_TCP_FEATURE_BYTES 64
size_t fuzz_tcp_features(const uint8_t **bits);

#endif
