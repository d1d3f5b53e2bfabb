/* port-unix devices: the impairment wrapper (spec grammar, seeded decisions,
 * loss/dup/reorder/delay/corrupt, ownership, teardown), the pcap capture
 * wrapper (files read back with libpcap) and the TAP's MAC derivation.
 * A fake bottom device records what goes down; a fake top device records
 * what comes up. */
#define _GNU_SOURCE /* mkdtemp, u_char in pcap.h */
#include "test_common.h"

#include "dev.h"
#include "impair.h"
#include "pcapdev.h"
#include "tap.h"

#include "lwip/prot/wire.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---------------- recording devices ---------------- */

#define REC_MAX 64
#define REC_BYTES 128
#define FRAME_LEN 60
/* How many frames a test may hold at once: the minimal profile's pools and
 * heap are tiny. */
#define HOLD_N (MEM_SIZE >= 65536 && PBUF_POOL_SIZE >= 64 ? 30 : 3)

struct rec {
  struct dev dev;
  int n;                            /* frames seen */
  uint64_t hash;                    /* FNV-1a over every frame, in order */
  u16_t len[REC_MAX];
  u8_t data[REC_MAX][REC_BYTES];    /* the first REC_MAX frames */
  u32_t when[REC_MAX];              /* sys_now() at arrival */
};

static struct rec bottom, top;

static void rec_add(struct rec *r, const struct pbuf *p)
{
  u8_t buf[2048];
  u16_t n = pbuf_copy_partial(p, buf, sizeof(buf), 0);
  if (r->hash == 0) {
    r->hash = 0xcbf29ce484222325ULL;
  }
  for (u16_t i = 0; i < n; i++) {
    r->hash = (r->hash ^ buf[i]) * 0x100000001b3ULL;
  }
  r->hash = (r->hash ^ 0xff) * 0x100000001b3ULL; /* frame boundary */
  if (r->n < REC_MAX) {
    r->len[r->n] = n;
    memcpy(r->data[r->n], buf, n < REC_BYTES ? n : REC_BYTES);
    r->when[r->n] = sys_now();
  }
  r->n++;
}

static err_t bottom_tx(struct dev *d, struct pbuf *p)
{
  rec_add((struct rec *)d, p); /* borrowed: copy, do not keep */
  return ERR_OK;
}

static void top_rx(struct dev *d, struct pbuf *p)
{
  rec_add((struct rec *)d, p); /* owned: record and free */
  pbuf_free(p);
}

static const struct dev_ops bottom_ops = {.kind = "fake-bottom", .tx = bottom_tx};
static const struct dev_ops top_ops = {.kind = "fake-top", .rx = top_rx};

/* Stack: bottom <- @p mid <- top. */
static void stack_up(struct dev *mid)
{
  memset(&bottom, 0, sizeof(bottom));
  memset(&top, 0, sizeof(top));
  bottom.dev.ops = &bottom_ops;
  top.dev.ops = &top_ops;
  dev_push(mid, &bottom.dev);
  dev_push(&top.dev, mid);
}

/* Frame number @p seq: broadcast Ethernet header, seq at offset 14. */
static struct pbuf *frame(u32_t seq, u16_t len, size_t chunk)
{
  u8_t buf[FRAME_LEN * 4];
  assert_true(len <= sizeof(buf) && len >= 4);
  memset(buf, 0xff, 6);
  memcpy(buf + 6, peer_mac, 6);
  put_be16(buf + 12, 0x0800);
  for (u16_t i = 14; i < len; i++) {
    buf[i] = (u8_t)(i * 7);
  }
  if (len >= 18) {
    put_be32(buf + 14, seq);
  }
  struct pbuf *p = test_pbuf(buf, len, chunk);
  assert_non_null(p);
  return p;
}

static u32_t rec_seq(const struct rec *r, int i)
{
  return get_be32(r->data[i] + 14);
}

/* Push one frame up from the bottom (rx) or down from the top (tx). */
static void rx(u32_t seq)
{
  dev_deliver_up(&bottom.dev, frame(seq, FRAME_LEN, 0));
}

static err_t tx(u32_t seq)
{
  struct pbuf *p = frame(seq, FRAME_LEN, 0);
  err_t e = dev_send_down(&top.dev, p);
  pbuf_free(p); /* tx borrows */
  return e;
}

static struct impair_dev *impair_with(const char *spec, uint64_t seed)
{
  char err[256] = "";
  struct impair_dev *im = impair_open(seed);
  assert_non_null(im);
  if (impair_set_spec(im, spec, err, sizeof(err)) != 0) {
    fail_msg("spec '%s' rejected: %s", spec, err);
  }
  stack_up(&im->dev);
  return im;
}

/* ---------------- spec parsing ---------------- */

static void test_spec_valid(void **state)
{
  (void)state;
  static const struct {
    const char *in, *canon;
  } cases[] = {
    {"rx:loss=2%,delay=20ms~5ms;tx:dup=1%", "rx:loss=2%,delay=20ms~5ms;tx:dup=1%"},
    {"both:loss=10%", "both:loss=10%"},
    {" rx : loss = 0.5% , corrupt=100% ", "rx:loss=0.5%,corrupt=100%"},
    {"tx:loss=pattern:1/10", "tx:loss=pattern:1/10"},
    {"tx:ce=5%,loss=1%", "tx:loss=1%,ce=5%"},
    {"both:loss=1%;rx:loss=5%", "rx:loss=5%;tx:loss=1%"},
    {"rx:delay=20ms,reorder=3%,dup=1%,loss=2%", "rx:loss=2%,dup=1%,reorder=3%,delay=20ms"},
    {"rx:loss=0.0001%", "rx:loss=0.0001%"},
    {"both:delay=0ms~5ms", "both:delay=0ms~5ms"},
    {"rx:loss=12.50%;", "rx:loss=12.5%"},
    {"rx:loss=0%", ""},
    {"", ""},
    {"none", ""},
  };
  struct impair_dev *im = impair_open(1);
  assert_non_null(im);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char err[256] = "", out[IMPAIR_SPEC_MAX], again[IMPAIR_SPEC_MAX];
    if (impair_set_spec(im, cases[i].in, err, sizeof(err)) != 0) {
      fail_msg("'%s' rejected: %s", cases[i].in, err);
    }
    assert_string_equal(impair_get_spec(im, out, sizeof(out)), cases[i].canon);
    /* The canonical text parses back to the same impairments. */
    assert_int_equal(impair_set_spec(im, out, err, sizeof(err)), 0);
    assert_string_equal(impair_get_spec(im, again, sizeof(again)), out);
  }
  assert_int_equal(impair_set_spec(im, "rx:loss=pattern:3/7,delay=5ms", NULL, 0), 0);
  assert_int_equal(im->dir[IMPAIR_RX].params.loss_k, 3);
  assert_int_equal(im->dir[IMPAIR_RX].params.loss_n, 7);
  assert_int_equal(im->dir[IMPAIR_RX].params.delay_ms, 5);
  assert_int_equal(im->dir[IMPAIR_TX].params.delay_ms, 0);
  impair_close(im);
}

static void test_spec_invalid(void **state)
{
  (void)state;
  static const struct {
    const char *in, *msg;
  } cases[] = {
    {"rx:lose=2%", "impair: rx: unknown key 'lose' (expected loss, dup, reorder, delay, corrupt, ce)"},
    {"rz:loss=2%", "impair: unknown direction 'rz' (expected rx, tx or both)"},
    {"loss=2%", "impair: 'loss=2%' has no direction (expected rx:, tx: or both: before the keys)"},
    {"loss=pattern:1/10", "impair: 'loss=pattern:1/10' has no direction (expected rx:, tx: or both: before the keys)"},
    {"rx:loss=200%", "impair: rx: loss: '200%' is not a percentage 0..100% (e.g. 2% or 0.5%)"},
    {"rx:loss=100.0001%", "impair: rx: loss: '100.0001%' is not a percentage 0..100% (e.g. 2% or 0.5%)"},
    {"tx:dup=2", "impair: tx: dup: '2' is not a percentage 0..100% (e.g. 2% or 0.5%)"},
    {"tx:dup=1.12345%", "impair: tx: dup: '1.12345%' is not a percentage 0..100% (e.g. 2% or 0.5%)"},
    {"tx:reorder=-1%", "impair: tx: reorder: '-1%' is not a percentage 0..100% (e.g. 2% or 0.5%)"},
    {"tx:corrupt=.5%", "impair: tx: corrupt: '.5%' is not a percentage 0..100% (e.g. 2% or 0.5%)"},
    {"tx:corrupt=5.%", "impair: tx: corrupt: '5.%' is not a percentage 0..100% (e.g. 2% or 0.5%)"},
    {"both:loss=", "impair: both: loss: '' is not a percentage 0..100% (e.g. 2% or 0.5%)"},
    {"rx:loss=pattern:0/10", "impair: rx: loss: 'pattern:0/10' is not pattern:K/N with 1 <= K <= N <= 1000000"},
    {"rx:loss=pattern:11/10", "impair: rx: loss: 'pattern:11/10' is not pattern:K/N with 1 <= K <= N <= 1000000"},
    {"rx:loss=pattern:1/", "impair: rx: loss: 'pattern:1/' is not pattern:K/N with 1 <= K <= N <= 1000000"},
    {"rx:loss=pattern1/2", "impair: rx: loss: 'pattern1/2' is not pattern:K/N with 1 <= K <= N <= 1000000"},
    {"rx:delay=20", "impair: rx: delay: '20' is not Nms or Nms~Jms (0..60000 ms)"},
    {"rx:delay=20ms~", "impair: rx: delay: '20ms~' is not Nms or Nms~Jms (0..60000 ms)"},
    {"rx:delay=20ms~5", "impair: rx: delay: '20ms~5' is not Nms or Nms~Jms (0..60000 ms)"},
    {"rx:delay=60001ms", "impair: rx: delay: '60001ms' is not Nms or Nms~Jms (0..60000 ms)"},
    {"rx:delay=5msx", "impair: rx: delay: '5msx' is not Nms or Nms~Jms (0..60000 ms)"},
    {"rx:loss=1%,loss=2%", "impair: rx: key 'loss' given twice"},
    {"rx:", "impair: rx: no impairment after 'rx:'"},
    {"rx:loss=1%,,dup=1%", "impair: rx: empty item (stray ',')"},
    {"rx:loss=1%,", "impair: rx: empty item (stray ',')"},
    {"rx:loss", "impair: rx: 'loss' is not key=value (keys: loss, dup, reorder, delay, corrupt, ce)"},
    {"rx:loss=1%;tx:bogus=1", "impair: tx: unknown key 'bogus' (expected loss, dup, reorder, delay, corrupt, ce)"},
  };
  struct impair_dev *im = impair_open(1);
  assert_non_null(im);
  assert_int_equal(impair_set_spec(im, "both:dup=3%", NULL, 0), 0);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char err[256] = "", out[IMPAIR_SPEC_MAX];
    if (impair_set_spec(im, cases[i].in, err, sizeof(err)) != -1) {
      fail_msg("'%s' accepted", cases[i].in);
    }
    assert_string_equal(err, cases[i].msg);
    /* The spec in force is unchanged. */
    assert_string_equal(impair_get_spec(im, out, sizeof(out)), "both:dup=3%");
  }
  /* Too long. */
  char big[2000];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  char err[128];
  assert_int_equal(impair_set_spec(im, big, err, sizeof(err)), -1);
  assert_string_equal(err, "impair: spec longer than 1023 characters");
  /* A NULL error buffer is fine. */
  assert_int_equal(impair_set_spec(im, "rx:lose=1%", NULL, 0), -1);
  impair_close(im);
}

/* ---------------- decisions ---------------- */

static void test_no_spec_passes_everything(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("", 1);
  for (u32_t i = 0; i < 10; i++) {
    rx(i);
    assert_int_equal(tx(100 + i), ERR_OK);
  }
  assert_int_equal(top.n, 10);
  assert_int_equal(bottom.n, 10);
  for (int i = 0; i < 10; i++) {
    assert_int_equal(rec_seq(&top, i), (u32_t)i);
    assert_int_equal(rec_seq(&bottom, i), 100U + (u32_t)i);
    assert_int_equal(top.len[i], FRAME_LEN);
  }
  assert_int_equal(impair_counters(im, IMPAIR_RX)->frames, 10);
  assert_int_equal(impair_counters(im, IMPAIR_TX)->frames, 10);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  impair_close(im);
}

/* Run 500 rx frames through a fresh device; return the output's hash. */
static uint64_t run_rx(const char *spec, uint64_t seed, bool interleave_tx)
{
  struct impair_dev *im = impair_with(spec, seed);
  for (u32_t i = 0; i < 500; i++) {
    rx(i);
    if (interleave_tx && i % 3 == 0) {
      tx(1000 + i);
    }
  }
  uint64_t h = top.hash ^ (uint64_t)top.n;
  impair_close(im);
  return h;
}

static void test_same_seed_same_decisions(void **state)
{
  (void)state;
  const char *spec = "both:loss=30%,dup=20%,corrupt=10%";
  uint64_t a = run_rx(spec, 42, false);
  uint64_t b = run_rx(spec, 42, false);
  uint64_t c = run_rx(spec, 43, false);
  assert_true(a == b);
  assert_true(a != c);
  /* rx decisions do not depend on tx traffic in between. */
  assert_true(run_rx(spec, 42, true) == a);

  /* impair_set_spec restarts the stream: the same spec twice on one
   * device decides the same way. */
  struct impair_dev *im = impair_with("rx:loss=50%", 7);
  for (u32_t i = 0; i < 64; i++) {
    rx(i);
  }
  int n1 = top.n;
  u32_t first[REC_MAX];
  for (int i = 0; i < n1; i++) {
    first[i] = rec_seq(&top, i);
  }
  assert_int_equal(impair_set_spec(im, "rx:loss=50%", NULL, 0), 0);
  top.n = 0;
  for (u32_t i = 0; i < 64; i++) {
    rx(i);
  }
  assert_int_equal(top.n, n1);
  for (int i = 0; i < n1; i++) {
    assert_int_equal(rec_seq(&top, i), first[i]);
  }
  assert_true(n1 > 16 && n1 < 48);
  impair_close(im);
}

static void test_loss_rate(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("both:loss=2%", 1234);
  for (u32_t i = 0; i < 10000; i++) {
    rx(i);
    tx(i);
  }
  for (int d = 0; d < 2; d++) {
    const struct impair_counters *c = impair_counters(im, (enum impair_dir_id)d);
    assert_int_equal(c->frames, 10000);
    /* 2% of 10000 = 200, sd = 14: +-5 sd. */
    assert_in_range(c->dropped, 130, 270);
    assert_int_equal(c->duplicated + c->delayed + c->reordered + c->corrupted, 0);
  }
  assert_int_equal(top.n, 10000 - (int)impair_counters(im, IMPAIR_RX)->dropped);
  assert_int_equal(bottom.n, 10000 - (int)impair_counters(im, IMPAIR_TX)->dropped);

  /* 0% and 100% are exact. */
  assert_int_equal(impair_set_spec(im, "rx:loss=100%;tx:loss=0%", NULL, 0), 0);
  top.n = bottom.n = 0;
  for (u32_t i = 0; i < 1000; i++) {
    rx(i);
    assert_int_equal(tx(i), ERR_OK);
  }
  assert_int_equal(top.n, 0);
  assert_int_equal(bottom.n, 1000);
  impair_close(im);
}

static void test_pattern_loss_exact(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("tx:loss=pattern:1/10;rx:loss=pattern:3/5", 1);
  for (u32_t i = 1; i <= 50; i++) {
    assert_int_equal(tx(i), ERR_OK); /* a lost frame was "sent" */
    rx(i);
  }
  /* tx: every 10th frame lost. */
  assert_int_equal(bottom.n, 45);
  for (int i = 0, seq = 1; i < bottom.n; i++, seq++) {
    if (seq % 10 == 0) {
      seq++;
    }
    assert_int_equal(rec_seq(&bottom, i), (u32_t)seq);
  }
  /* rx: of every 5, frames 3, 4 and 5 lost. */
  assert_int_equal(top.n, 20);
  for (int i = 0; i < top.n; i++) {
    assert_int_equal(rec_seq(&top, i), (u32_t)((i / 2) * 5 + (i % 2) + 1));
  }
  assert_int_equal(impair_counters(im, IMPAIR_TX)->dropped, 5);
  assert_int_equal(impair_counters(im, IMPAIR_RX)->dropped, 30);
  impair_close(im);
}

static void test_dup(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("both:dup=100%", 1);
  for (u32_t i = 0; i < 5; i++) {
    rx(i);
    assert_int_equal(tx(i), ERR_OK);
  }
  assert_int_equal(top.n, 10);
  assert_int_equal(bottom.n, 10);
  for (int i = 0; i < 10; i++) {
    assert_int_equal(rec_seq(&top, i), (u32_t)(i / 2));
    assert_int_equal(rec_seq(&bottom, i), (u32_t)(i / 2));
    assert_memory_equal(top.data[i], bottom.data[i], FRAME_LEN);
  }
  assert_int_equal(impair_counters(im, IMPAIR_RX)->duplicated, 5);
  assert_int_equal(impair_counters(im, IMPAIR_TX)->duplicated, 5);

  /* A probability in between: roughly that share duplicated. */
  assert_int_equal(impair_set_spec(im, "rx:dup=10%", NULL, 0), 0);
  impair_reset_counters(im);
  top.n = 0;
  for (u32_t i = 0; i < 2000; i++) {
    rx(i);
  }
  const struct impair_counters *c = impair_counters(im, IMPAIR_RX);
  assert_in_range(c->duplicated, 140, 260);
  assert_int_equal(top.n, 2000 + (int)c->duplicated);
  impair_close(im);
}

static void test_reorder(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("both:reorder=100%", 1);
  for (u32_t i = 1; i <= 4; i++) {
    rx(i);
    assert_int_equal(tx(i), ERR_OK);
  }
  /* Every frame wants to be held, but one is held at a time: 2 1 4 3. */
  static const u32_t want[] = {2, 1, 4, 3};
  assert_int_equal(top.n, 4);
  assert_int_equal(bottom.n, 4);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(rec_seq(&top, i), want[i]);
    assert_int_equal(rec_seq(&bottom, i), want[i]);
  }
  assert_int_equal(impair_counters(im, IMPAIR_RX)->reordered, 2);
  assert_int_equal(impair_counters(im, IMPAIR_TX)->reordered, 2);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);

  /* A held frame with no successor leaves after the hold time. */
  rx(5);
  assert_int_equal(tx(5), ERR_OK);
  assert_int_equal(impair_held_frames(im, IMPAIR_RX), 1);
  assert_int_equal(impair_held_frames(im, IMPAIR_TX), 1);
  test_clock_advance(IMPAIR_REORDER_HOLD_MS - 1);
  assert_int_equal(top.n, 4);
  assert_int_equal(bottom.n, 4);
  test_clock_advance(1);
  assert_int_equal(top.n, 5);
  assert_int_equal(bottom.n, 5);
  assert_int_equal(rec_seq(&top, 4), 5);
  assert_int_equal(rec_seq(&bottom, 4), 5);
  assert_int_equal(impair_held_frames(im, IMPAIR_RX), 0);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  impair_close(im);
}

static void test_delay_exact(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("both:delay=20ms", 1);
  u32_t t0 = sys_now();
  rx(1);
  assert_int_equal(tx(1), ERR_OK);
  test_clock_advance(5);
  rx(2);
  tx(2);
  assert_int_equal(top.n, 0);
  assert_int_equal(bottom.n, 0);
  assert_int_equal(sys_timeouts_sleeptime(), 15);
  test_clock_advance(14);
  assert_int_equal(top.n, 0);
  test_clock_advance(1);
  assert_int_equal(top.n, 1);
  assert_int_equal(bottom.n, 1);
  assert_int_equal(top.when[0], t0 + 20);
  assert_int_equal(bottom.when[0], t0 + 20);
  test_clock_advance(5);
  assert_int_equal(top.n, 2);
  assert_int_equal(bottom.n, 2);
  assert_int_equal(top.when[1], t0 + 25);
  assert_int_equal(rec_seq(&bottom, 1), 2);
  assert_int_equal(impair_counters(im, IMPAIR_TX)->delayed, 2);
  /* Nothing held: no timer left (an idle stack sleeps forever). */
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  impair_close(im);
}

static void test_delay_jitter_bounds(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("tx:delay=20ms~5ms", 99);
  u32_t t0 = sys_now();
  for (u32_t i = 0; i < 2 * HOLD_N; i++) {
    tx(i);
  }
  test_clock_advance(14);
  assert_int_equal(bottom.n, 0);
  test_clock_advance(11);
  assert_int_equal(bottom.n, 2 * HOLD_N);
  bool spread = false;
  for (int i = 0; i < 2 * HOLD_N; i++) {
    assert_in_range(bottom.when[i] - t0, 15, 25);
    if (i > 0 && bottom.when[i] < bottom.when[i - 1]) {
      fail_msg("released out of time order");
    }
    spread |= bottom.when[i] != bottom.when[0];
  }
  assert_true(spread);
  assert_int_equal(impair_held_frames(im, IMPAIR_TX), 0);
  impair_close(im);
}

/* Count differing bits between two buffers; *where gets the byte offset of
 * the last difference. */
static int bit_diff(const u8_t *a, const u8_t *b, size_t n, size_t *where)
{
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    u8_t x = a[i] ^ b[i];
    if (x != 0) {
      *where = i;
    }
    for (; x != 0; x &= (u8_t)(x - 1)) {
      bits++;
    }
  }
  return bits;
}

static void test_corrupt_one_bit(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("both:corrupt=100%", 5);
  u8_t orig[FRAME_LEN];
  for (u32_t i = 0; i < 40; i++) {
    struct pbuf *p = frame(i, FRAME_LEN, 16); /* chained: flips cross pbufs */
    pbuf_copy_partial(p, orig, FRAME_LEN, 0);
    assert_int_equal(dev_send_down(&top.dev, p), ERR_OK);
    /* The caller's frame is never modified. */
    assert_int_equal(pbuf_memcmp(p, 0, orig, FRAME_LEN), 0);
    pbuf_free(p);
    dev_deliver_up(&bottom.dev, frame(i, FRAME_LEN, 16));
  }
  assert_int_equal(bottom.n, 40);
  assert_int_equal(top.n, 40);
  for (int i = 0; i < 40; i++) {
    struct pbuf *p = frame((u32_t)i, FRAME_LEN, 0);
    pbuf_copy_partial(p, orig, FRAME_LEN, 0);
    pbuf_free(p);
    size_t where = 0;
    assert_int_equal(bit_diff(orig, bottom.data[i], FRAME_LEN, &where), 1);
    assert_true(where >= 14);
    assert_int_equal(bit_diff(orig, top.data[i], FRAME_LEN, &where), 1);
    assert_true(where >= 14);
  }
  assert_int_equal(impair_counters(im, IMPAIR_TX)->corrupted, 40);

  /* A bare Ethernet header has nothing to corrupt. */
  top.n = 0;
  dev_deliver_up(&bottom.dev, frame(0, 14, 0));
  assert_int_equal(top.n, 1);
  assert_int_equal(impair_counters(im, IMPAIR_RX)->corrupted, 40);
  impair_close(im);
}

/* An IPv4 packet in a frame: TOS @p tos, ethertype @p type, a correct
 * header checksum; chained in @p chunk-byte pbufs. */
static struct pbuf *ip_frame(u8_t tos, u16_t type, size_t chunk)
{
  u8_t buf[FRAME_LEN];
  memset(buf, 0xff, 6);
  memcpy(buf + 6, peer_mac, 6);
  put_be16(buf + 12, type);
  for (u16_t i = 14; i < FRAME_LEN; i++) {
    buf[i] = (u8_t)(i * 7);
  }
  u8_t *ip = buf + 14;
  ip[0] = 0x45;
  ip[1] = tos;
  put_be16(ip + 2, FRAME_LEN - 14);
  ip[10] = ip[11] = 0;
  put_be16(ip + 10, test_cksum(ip, 20, 0));
  struct pbuf *p = test_pbuf(buf, FRAME_LEN, chunk);
  assert_non_null(p);
  return p;
}

/* ce=100%: ECT(0) and ECT(1) become CE with a header that still sums
 * right (RFC 1624); Not-ECT, CE and non-IPv4 frames pass unchanged. */
static void test_ce_marks(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("both:ce=100%", 9);
  /* TOS in, TOS out: DSCP bits are kept. */
  static const u8_t cases[][2] = {{0x02, 0x03}, {0x01, 0x03}, {0xb8, 0xb8}, {0x03, 0x03}, {0xba, 0xbb}};
  const int n = (int)(sizeof(cases) / sizeof(cases[0]));
  for (int i = 0; i < n; i++) {
    u8_t orig[FRAME_LEN];
    struct pbuf *p = ip_frame(cases[i][0], 0x0800, 16);
    pbuf_copy_partial(p, orig, FRAME_LEN, 0);
    assert_int_equal(dev_send_down(&top.dev, p), ERR_OK);
    assert_int_equal(pbuf_memcmp(p, 0, orig, FRAME_LEN), 0); /* tx borrows: never changed */
    pbuf_free(p);
    dev_deliver_up(&bottom.dev, ip_frame(cases[i][0], 0x0800, 16));
  }
  assert_int_equal(bottom.n, n);
  assert_int_equal(top.n, n);
  for (int i = 0; i < n; i++) {
    const u8_t *got[2] = {bottom.data[i] + 14, top.data[i] + 14};
    for (int d = 0; d < 2; d++) {
      assert_int_equal(got[d][1], cases[i][1]);
      assert_int_equal(test_cksum(got[d], 20, 0), 0);
    }
  }
  assert_int_equal(impair_counters(im, IMPAIR_TX)->ce_marked, 3);
  assert_int_equal(impair_counters(im, IMPAIR_RX)->ce_marked, 3);
  /* Not IPv4 (an ARP frame with the same bytes), or too short: untouched. */
  top.n = 0;
  dev_deliver_up(&bottom.dev, ip_frame(0x02, 0x0806, 0));
  dev_deliver_up(&bottom.dev, frame(0, 20, 0));
  assert_int_equal(top.n, 2);
  assert_int_equal(top.data[0][15], 0x02);
  assert_int_equal(impair_counters(im, IMPAIR_RX)->ce_marked, 3);
  char spec[IMPAIR_SPEC_MAX];
  assert_string_equal(impair_get_spec(im, spec, sizeof(spec)), "both:ce=100%");
  impair_close(im);
}

static void test_tx_hold_copies_frame(void **state)
{
  (void)state;
  /* The caller frees (and could reuse) its pbuf right after tx: what is
   * released later must be the bytes it had at tx time. */
  struct impair_dev *im = impair_with("tx:delay=10ms,reorder=100%", 1);
  struct pbuf *p = frame(7, FRAME_LEN, 20);
  assert_int_equal(dev_send_down(&top.dev, p), ERR_OK);
  pbuf_put_at(p, 14, 0xee);
  pbuf_free(p);
  assert_int_equal(impair_held_frames(im, IMPAIR_TX), 1);
  test_clock_advance(IMPAIR_REORDER_HOLD_MS);
  assert_int_equal(bottom.n, 1);
  assert_int_equal(rec_seq(&bottom, 0), 7);
  impair_close(im);
}

static void test_close_frees_held_frames(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("rx:delay=1000ms,reorder=50%;tx:delay=500ms~100ms,dup=50%", 3);
  for (u32_t i = 0; i < HOLD_N; i++) {
    rx(i);
    tx(i);
  }
  assert_int_equal(impair_held_frames(im, IMPAIR_RX), HOLD_N);
  assert_true(impair_held_frames(im, IMPAIR_TX) >= HOLD_N);
  assert_int_not_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  assert_true(lwip_mem_in_use() != 0);
  impair_close(im);
  /* Timers cancelled, pbufs freed (teardown checks every pool and the heap). */
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  assert_int_equal(top.n, 0);
  assert_int_equal(bottom.n, 0);
  /* The stack is reconnected without the wrapper. */
  assert_ptr_equal(top.dev.lower, &bottom.dev);
  assert_ptr_equal(bottom.dev.upper, &top.dev);
}

static void test_clear_and_held_frames_drain(void **state)
{
  (void)state;
  struct impair_dev *im = impair_with("rx:delay=50ms", 3);
  rx(1);
  impair_clear(im);
  char out[IMPAIR_SPEC_MAX];
  assert_string_equal(impair_get_spec(im, out, sizeof(out)), "");
  rx(2); /* passes at once now */
  assert_int_equal(top.n, 1);
  assert_int_equal(rec_seq(&top, 0), 2);
  test_clock_advance(50);
  assert_int_equal(top.n, 2);
  assert_int_equal(rec_seq(&top, 1), 1);
  impair_close(im);
}

static void test_out_of_memory(void **state)
{
  (void)state;
#if !LWIP_TEST_HOOKS
  skip(); /* the build has no allocation failure hook */
#endif
  struct impair_dev *im = impair_with("tx:corrupt=100%;rx:dup=100%", 3);
  struct pbuf *p = frame(1, FRAME_LEN, 0);
  lwip_alloc_fail_after(1);
  assert_int_equal(dev_send_down(&top.dev, p), ERR_MEM);
  assert_int_equal(impair_counters(im, IMPAIR_TX)->nomem, 1);
  assert_int_equal(bottom.n, 0);
  pbuf_free(p);
  /* rx: the duplicate cannot be made; the original still goes up. */
  p = frame(2, FRAME_LEN, 0);
  lwip_alloc_fail_after(1);
  dev_deliver_up(&bottom.dev, p);
  assert_int_equal(top.n, 1);
  assert_int_equal(impair_counters(im, IMPAIR_RX)->nomem, 1);
  assert_int_equal(impair_counters(im, IMPAIR_RX)->duplicated, 0);
  lwip_alloc_fail_after(0);
  impair_close(im);
}

/* ---------------- pcap capture ---------------- */

static char pcap_dir[64];

static const char *tmp_pcap(const char *name)
{
  static char path[128];
  if (pcap_dir[0] == '\0') {
    strcpy(pcap_dir, "/tmp/test_impair.XXXXXX");
    assert_non_null(mkdtemp(pcap_dir));
  }
  snprintf(path, sizeof(path), "%s/%s", pcap_dir, name);
  return path;
}

/* Read @p path back; check the records are exactly @p want[0..n). */
static void expect_pcap(const char *path, const u32_t *want, const u16_t *lens, int n)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *pc = pcap_open_offline(path, errbuf);
  if (pc == NULL) {
    fail_msg("%s", errbuf);
  }
  assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
  struct pcap_pkthdr *h;
  const u_char *data;
  int i = 0;
  while (pcap_next_ex(pc, &h, &data) == 1) {
    assert_true(i < n);
    struct pbuf *p = frame(want[i], lens[i], 0);
    assert_int_equal(h->caplen, lens[i]);
    assert_int_equal(h->len, lens[i]);
    assert_int_equal(pbuf_memcmp(p, 0, data, lens[i]), 0);
    assert_true(h->ts.tv_sec > 0);
    pbuf_free(p);
    i++;
  }
  assert_int_equal(i, n);
  pcap_close(pc);
}

static void test_pcap_records_both_directions(void **state)
{
  (void)state;
  char err[256];
  const char *path = tmp_pcap("both.pcap");
  struct pcap_dev *pd = pcapdev_open(path, err, sizeof(err));
  if (pd == NULL) {
    fail_msg("%s", err);
  }
  stack_up(&pd->dev);
  rx(1);
  tx(2);
  struct pbuf *p = frame(3, 200, 37); /* chained */
  assert_int_equal(dev_send_down(&top.dev, p), ERR_OK);
  pbuf_free(p);
  dev_deliver_up(&bottom.dev, frame(4, 150, 50));
  /* Frames pass unchanged. */
  assert_int_equal(top.n, 2);
  assert_int_equal(bottom.n, 2);
  assert_int_equal(rec_seq(&top, 1), 4);
  assert_int_equal(top.len[1], 150);
  assert_int_equal(bottom.len[1], 200);
  assert_int_equal(pd->frames, 4);
  assert_int_equal(pcapdev_flush(pd), 0);
  static const u32_t want[] = {1, 2, 3, 4};
  static const u16_t lens[] = {FRAME_LEN, FRAME_LEN, 200, 150};
  expect_pcap(path, want, lens, 4); /* readable after a flush, while open */
  pcapdev_close(pd);
  assert_ptr_equal(top.dev.lower, &bottom.dev);
  expect_pcap(path, want, lens, 4);
  unlink(path);
}

static void test_pcap_dirs_and_reopen(void **state)
{
  (void)state;
  char err[256];
  const char *path = tmp_pcap("rot.pcap");
  char rotated[160];
  snprintf(rotated, sizeof(rotated), "%s.1", path);
  struct pcap_dev *pd = pcapdev_open(path, err, sizeof(err));
  assert_non_null(pd);
  stack_up(&pd->dev);
  pcapdev_set_dirs(pd, PCAPDEV_RX);
  rx(1);
  tx(2);
  pcapdev_set_dirs(pd, PCAPDEV_TX);
  rx(3);
  tx(4);
  assert_int_equal(top.n, 2);
  assert_int_equal(bottom.n, 2);
  /* Rotation: rename, reopen: the old file is complete, the new one fresh. */
  assert_int_equal(rename(path, rotated), 0);
  assert_int_equal(pcapdev_reopen(pd, err, sizeof(err)), 0);
  pcapdev_set_dirs(pd, PCAPDEV_BOTH);
  rx(5);
  assert_int_equal(pd->frames, 3);
  assert_int_equal(pd->file_frames, 1);
  pcapdev_close(pd);
  static const u32_t want_old[] = {1, 4};
  static const u16_t lens[] = {FRAME_LEN, FRAME_LEN};
  expect_pcap(rotated, want_old, lens, 2);
  static const u32_t want_new[] = {5};
  expect_pcap(path, want_new, lens, 1);
  unlink(path);
  unlink(rotated);
}

static void test_pcap_errors(void **state)
{
  (void)state;
  char err[256] = "";
  assert_null(pcapdev_open("/nonexistent-dir/x.pcap", err, sizeof(err)));
  assert_non_null(strstr(err, "pcap: "));
  assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
  assert_null(pcapdev_open("", err, sizeof(err)));
  assert_string_equal(err, "pcap: empty file name");

  /* A failed reopen stops recording but frames still pass. */
  const char *path = tmp_pcap("gone.pcap");
  struct pcap_dev *pd = pcapdev_open(path, err, sizeof(err));
  assert_non_null(pd);
  stack_up(&pd->dev);
  free(pd->path);
  pd->path = strdup("/nonexistent-dir/y.pcap");
  assert_int_equal(pcapdev_reopen(pd, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "y.pcap"));
  rx(1);
  assert_int_equal(top.n, 1);
  assert_int_equal(pd->frames, 0);
  assert_int_equal(pcapdev_flush(pd), -1);
  pcapdev_close(pd);
  unlink(path);
}

static void test_pcap_over_impair(void **state)
{
  (void)state;
  /* pcap above impair sees what the stack sent; below it, the "wire". */
  char err[256];
  char *above = strdup(tmp_pcap("above.pcap"));
  char *below_path;
  struct pcap_dev *pa = pcapdev_open(above, err, sizeof(err));
  assert_non_null(pa);
  below_path = strdup(tmp_pcap("below.pcap"));
  struct pcap_dev *pb = pcapdev_open(below_path, err, sizeof(err));
  assert_non_null(pb);
  struct impair_dev *im = impair_open(1);
  assert_int_equal(impair_set_spec(im, "tx:loss=pattern:1/2", NULL, 0), 0);
  stack_up(&pb->dev);
  dev_push(&im->dev, &pb->dev);
  dev_push(&pa->dev, &im->dev);
  assert_ptr_equal(dev_top(&bottom.dev), &top.dev);
  for (u32_t i = 1; i <= 4; i++) {
    tx(i);
  }
  assert_int_equal(pa->frames, 4);
  assert_int_equal(pb->frames, 2);
  assert_int_equal(bottom.n, 2);
  pcapdev_close(pa);
  impair_close(im);
  pcapdev_close(pb);
  static const u32_t want[] = {1, 3};
  static const u16_t lens[] = {FRAME_LEN, FRAME_LEN};
  expect_pcap(below_path, want, lens, 2);
  unlink(above);
  unlink(below_path);
  free(above);
  free(below_path);
}

/* ---------------- TAP helpers that need no device ---------------- */

static void test_tap_mac_from_name(void **state)
{
  (void)state;
  u8_t a[6], b[6], c[6];
  tap_mac_from_name("tap0", a);
  tap_mac_from_name("tap0", b);
  tap_mac_from_name("tap1", c);
  assert_memory_equal(a, b, 6);
  assert_memory_not_equal(a, c, 6);
  assert_int_equal(a[0], 0x02); /* locally administered unicast */
  assert_int_equal(c[0], 0x02);
  char err[128] = "";
  assert_null(tap_open("a-name-much-longer-than-ifnamsiz", true, err, sizeof(err)));
  assert_non_null(strstr(err, "longer than 15"));
  assert_null(tap_open("lwnosuchtap9", false, err, sizeof(err)));
  assert_non_null(strstr(err, "no interface 'lwnosuchtap9'"));
  assert_int_equal(tap_configure_host("lwnosuchtap9", "10.0.0.1/33", err, sizeof(err)), -1);
  assert_string_equal(err, "tap: host address '10.0.0.1/33' is not a.b.c.d/prefix");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_spec_valid, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_spec_invalid, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_no_spec_passes_everything, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_same_seed_same_decisions, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_loss_rate, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pattern_loss_exact, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dup, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_reorder, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_delay_exact, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_delay_jitter_bounds, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_corrupt_one_bit, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_ce_marks, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_tx_hold_copies_frame, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_close_frees_held_frames, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_clear_and_held_frames_drain, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_out_of_memory, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pcap_records_both_directions, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pcap_dirs_and_reopen, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pcap_errors, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pcap_over_impair, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_tap_mac_from_name, test_setup, test_teardown),
  };
  int rc = cmocka_run_group_tests_name("impair", tests, NULL, NULL);
  if (pcap_dir[0] != '\0') {
    rmdir(pcap_dir);
  }
  return rc;
}
