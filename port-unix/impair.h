/**
 * @file impair.h
 * Seeded impairment wrapper: a device (dev.h) that loses, duplicates,
 * reorders, delays and corrupts frames, reproducibly.  The kernel here has
 * no netem; this is lwipd's own (lwipd --impair, control command impair.set).
 *
 * @section grammar Spec grammar
 *
 *     spec    := "" | "none" | clause (";" clause)*
 *     clause  := DIR ":" item ("," item)*
 *     DIR     := "rx" | "tx" | "both"
 *     item    := "loss=" (PCT | "pattern:" K "/" N)
 *              | "dup=" PCT | "reorder=" PCT | "corrupt=" PCT | "ce=" PCT
 *              | "delay=" MS ["~" MS]
 *     PCT     := decimal number 0..100 with up to 4 decimals, then "%"  ("2%", "0.25%")
 *     MS      := integer 0..60000 then "ms"
 *
 * Spaces around tokens are ignored.  A key may appear once per clause;
 * a later clause overrides the same key of an earlier one ("both:loss=1%;
 * rx:loss=5%" gives rx 5% and tx 1%).  Examples:
 *
 *     rx:loss=2%,delay=20ms~5ms;tx:dup=1%
 *     both:loss=10%
 *     tx:loss=pattern:1/10          (the 10th, 20th, 30th ... tx frame is lost)
 *
 * Meaning, per direction (rx: frames going up to the stack; tx: going down):
 *  - loss=P%: each frame is dropped with probability P.
 *    loss=pattern:K/N: of every N frames the last K are dropped (counting
 *    the direction's frames since the spec was set).
 *  - corrupt=P%: one random bit after the 14-byte Ethernet header is
 *    flipped (frames of 14 bytes or less are left alone).
 *  - ce=P%: each frame is drawn with probability P; when it is an IPv4
 *    packet marked ECN-capable (ECT(0) or ECT(1)), its ECN field becomes
 *    CE, "congestion experienced", as an AQM router would mark it instead
 *    of dropping it (RFC 3168 5), and the header checksum is updated
 *    (RFC 1624).  Not-ECT and CE packets, and anything else, pass as they
 *    are.
 *  - dup=P%: the frame is sent twice.
 *  - reorder=P%: the frame is held and released right after the next frame
 *    of the same direction goes out, or after IMPAIR_REORDER_HOLD_MS if
 *    none does (one frame is held at a time).
 *  - delay=Dms~Jms: the frame is held for a delay drawn uniformly from
 *    [D-J, D+J] (at least 0); jitter may reorder frames, as on a real path.
 * Decisions are drawn per frame in this order: loss, corrupt, ce, dup,
 * reorder, delay (a key left out draws nothing).  A lost frame is not counted in any other counter.
 *
 * @section determinism Determinism
 * Each direction draws from its own splitmix64 stream, seeded from the
 * seed (impair_open / impair_set_seed) and the direction.  impair_set_spec
 * and impair_set_seed restart both streams and the pattern counters, so
 * the same seed, spec and frame sequence always give the same decisions,
 * however rx and tx interleave.  Hold times use sys_now()/sys_timeout (the
 * virtual clock in tests and lwip-replay).
 *
 * @section ownership Ownership
 * As in dev.h: rx takes ownership (held rx frames are kept as they are);
 * tx borrows the frame: a tx frame that must be held or modified is copied
 * (pbuf_clone to PBUF_RAM), because the caller may free or change it after
 * tx returns.  A tx frame that is lost, held or delayed returns ERR_OK (the
 * "wire" took it); a failed copy returns ERR_MEM and counts nomem.
 * Frames held when the spec changes or is cleared are still released on
 * schedule; impair_close() frees them.
 */
#ifndef LWIPD_IMPAIR_H
#define LWIPD_IMPAIR_H

#include "dev.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest time a reordered frame waits for the next frame. */
#define IMPAIR_REORDER_HOLD_MS 10U
/** Largest delay or jitter accepted, in ms. */
#define IMPAIR_DELAY_MAX_MS 60000U
/** Most frames held for delay per direction; more are dropped as nomem. */
#define IMPAIR_MAX_QUEUED 4096U
/** Buffer size that always holds impair_get_spec()'s text. */
#define IMPAIR_SPEC_MAX 256U

enum impair_dir_id { IMPAIR_RX = 0, IMPAIR_TX = 1 };

/** Impairments of one direction (probabilities in parts per million). */
struct impair_params {
  uint32_t loss_ppm;
  uint32_t loss_k, loss_n;   /**< pattern K/N; n == 0: no pattern */
  uint32_t dup_ppm;
  uint32_t reorder_ppm;
  uint32_t corrupt_ppm;
  uint32_t ce_ppm;           /**< CE marks on ECN-capable IPv4 packets */
  uint32_t delay_ms, jitter_ms;
};

/** Counters of one direction (impair_set_spec keeps them; impair_reset_counters zeroes). */
struct impair_counters {
  uint64_t frames;      /**< frames that entered this direction */
  uint64_t dropped;     /**< lost on purpose */
  uint64_t duplicated;  /**< sent a second time */
  uint64_t reordered;   /**< held for the next frame */
  uint64_t delayed;     /**< copies held for a delay > 0 */
  uint64_t corrupted;   /**< had a bit flipped */
  uint64_t ce_marked;   /**< ECN-capable IPv4 packets marked CE */
  uint64_t nomem;       /**< lost because a copy or queue slot was unavailable */
};

struct impair_held; /* a delayed frame (impair.c) */
struct impair_dev;

struct impair_dir {
  struct impair_dev *im;
  enum impair_dir_id id;
  struct impair_params params;
  struct impair_counters counters;
  uint64_t rng;                /**< splitmix64 state */
  uint64_t pattern_count;      /**< frames counted for loss=pattern */
  struct pbuf *reorder_held;   /**< frame waiting for the next one (owned) */
  struct impair_held *queue;   /**< delayed frames, by release time */
  unsigned queued;
};

struct impair_dev {
  struct dev dev; /**< must stay first */
  uint64_t seed;
  struct impair_dir dir[2]; /**< [IMPAIR_RX], [IMPAIR_TX] */
};

/** Create an impairment device with no impairment (every frame passes
 *  unchanged) and PRNG seed @p seed.  @return it, or NULL when out of
 *  memory.  Put it in a stack with dev_push(). */
struct impair_dev *impair_open(uint64_t seed);

/**
 * Replace the impairments with those of @p spec (grammar above).
 * On success the PRNG streams and pattern counters restart from the seed.
 * @return 0; or -1 with a message in @p err (may be NULL) such as
 *   "impair: rx: unknown key 'lose' (expected loss, dup, reorder, delay, corrupt, ce)"
 *   and the previous spec left in force.
 */
int impair_set_spec(struct impair_dev *im, const char *spec, char *err, size_t errlen);

/** Parse @p spec into @p out ([IMPAIR_RX], [IMPAIR_TX]) without applying
 *  it.  @return 0, or -1 with a message in @p err. */
int impair_parse(const char *spec, struct impair_params out[2], char *err, size_t errlen);

/** Write the spec in force, canonically (keys in the order loss, dup,
 *  reorder, delay, corrupt, ce; "both:" when rx and tx are equal; "" when there
 *  is no impairment), into @p buf (IMPAIR_SPEC_MAX bytes always suffice).
 *  Parsing the text gives the same impairments.  @return @p buf. */
char *impair_get_spec(const struct impair_dev *im, char *buf, size_t buflen);

/** Change the seed; restarts the PRNG streams and pattern counters. */
void impair_set_seed(struct impair_dev *im, uint64_t seed);

/** Remove every impairment (frames already held are still released on
 *  schedule).  Counters are kept. */
void impair_clear(struct impair_dev *im);

/** Counters of direction @p dir (IMPAIR_RX or IMPAIR_TX). */
const struct impair_counters *impair_counters(const struct impair_dev *im, enum impair_dir_id dir);
void impair_reset_counters(struct impair_dev *im);

/** Frames held right now in direction @p dir (delay queue + reorder). */
unsigned impair_held_frames(const struct impair_dev *im, enum impair_dir_id dir);

/** Cancel the timers, free every held frame, unlink the device from its
 *  stack (if linked) and free it.  NULL is a no-op.  ops->close does the same. */
void impair_close(struct impair_dev *im);

#endif
