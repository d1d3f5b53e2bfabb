/**
 * @file impair.c
 * Seeded impairment wrapper (see impair.h for the spec grammar and rules).
 */
#define _GNU_SOURCE
#include "impair.h"

#include "lwip/debug.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/wire.h"
#include "lwip/timeouts.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PPM_100 1000000U      /* 100% in parts per million */
#define SPEC_TEXT_MAX 1024U   /* longest spec accepted */
#define ETH_HDR_LEN 14U       /* corrupt only after the Ethernet header */
#define PATTERN_N_MAX 1000000U

struct impair_held {
  struct impair_held *next;
  struct pbuf *p;
  u32_t due;
};

/* What to do with one frame, drawn before anything is done with it. */
struct impair_decision {
  bool drop;
  bool corrupt;
  bool ce;           /* mark CE if the frame is an ECN-capable IPv4 packet */
  bool dup;
  bool reorder;
  uint32_t bit;      /* bit to flip, counted from the end of the Ethernet header */
  u32_t delay[2];    /* delay of the frame and of its duplicate */
};

static err_t impair_tx(struct dev *d, struct pbuf *p);
static void impair_rx(struct dev *d, struct pbuf *p);
static void impair_ops_close(struct dev *d);

static const struct dev_ops impair_ops = {
  .kind = "impair",
  .tx = impair_tx,
  .rx = impair_rx,
  .close = impair_ops_close,
};


/* ------------------------------------------------------------------------ */
/* Spec parsing                                                              */
/* ------------------------------------------------------------------------ */

enum impair_key { KEY_LOSS, KEY_DUP, KEY_REORDER, KEY_DELAY, KEY_CORRUPT, KEY_CE, KEY_COUNT };
static const char *const key_names[KEY_COUNT] = {"loss", "dup", "reorder", "delay", "corrupt", "ce"};

/* Trim spaces in place; returns the trimmed start. */
static char *trim(char *s)
{
  while (isspace((unsigned char)*s)) {
    s++;
  }
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) {
    s[--n] = '\0';
  }
  return s;
}

/* "12", "0.5", "99.9999" followed by '%' -> parts per million. */
static bool parse_pct(const char *s, uint32_t *ppm)
{
  uint32_t whole = 0, frac = 0;
  int ndig = 0, nfrac = 0;
  for (; isdigit((unsigned char)*s); s++) {
    if (++ndig > 3) {
      return false;
    }
    whole = whole * 10U + (uint32_t)(*s - '0');
  }
  if (*s == '.') {
    s++;
    for (; isdigit((unsigned char)*s); s++) {
      if (++nfrac > 4) {
        return false;
      }
      frac = frac * 10U + (uint32_t)(*s - '0');
    }
    if (nfrac == 0) {
      return false;
    }
  }
  if (ndig == 0 || strcmp(s, "%") != 0) {
    return false;
  }
  for (int i = nfrac; i < 4; i++) {
    frac *= 10U;
  }
  uint32_t v = whole * 10000U + frac;
  if (v > PPM_100) {
    return false;
  }
  *ppm = v;
  return true;
}

/* Unsigned decimal (no sign, no spaces) at most @p max; *end past it. */
static bool parse_uint(const char *s, uint32_t max, uint32_t *out, const char **end)
{
  uint64_t v = 0;
  const char *p = s;
  for (; isdigit((unsigned char)*p); p++) {
    v = v * 10U + (uint64_t)(*p - '0');
    if (v > max) {
      return false;
    }
  }
  if (p == s) {
    return false;
  }
  *out = (uint32_t)v;
  *end = p;
  return true;
}

static bool parse_ms(const char *s, uint32_t *ms, const char **end)
{
  const char *p;
  if (!parse_uint(s, IMPAIR_DELAY_MAX_MS, ms, &p) || strncmp(p, "ms", 2) != 0) {
    return false;
  }
  *end = p + 2;
  return true;
}

/* "pattern:K/N" with 1 <= K <= N. */
static bool parse_pattern(const char *s, uint32_t *k, uint32_t *n)
{
  const char *p;
  if (strncmp(s, "pattern:", 8) != 0 || !parse_uint(s + 8, PATTERN_N_MAX, k, &p) || *p != '/' ||
      !parse_uint(p + 1, PATTERN_N_MAX, n, &p) || *p != '\0') {
    return false;
  }
  return *k >= 1 && *k <= *n;
}

/* Parse one "key=value" into @p prm; @p dir names the clause in messages. */
static int parse_item(char *item, const char *dir, struct impair_params *prm, unsigned *seen,
                      char *err, size_t errlen)
{
  char *eq = strchr(item, '=');
  if (eq == NULL) {
    dev_set_err(err, errlen, "impair: %s: '%s' is not key=value (keys: loss, dup, reorder, delay, corrupt, ce)",
            dir, item);
    return -1;
  }
  *eq = '\0';
  char *key = trim(item);
  char *val = trim(eq + 1);
  int k;
  for (k = 0; k < KEY_COUNT && strcmp(key, key_names[k]) != 0; k++) {
  }
  if (k == KEY_COUNT) {
    dev_set_err(err, errlen, "impair: %s: unknown key '%s' (expected loss, dup, reorder, delay, corrupt, ce)", dir, key);
    return -1;
  }
  if (*seen & (1U << k)) {
    dev_set_err(err, errlen, "impair: %s: key '%s' given twice", dir, key);
    return -1;
  }
  *seen |= 1U << k;
  const char *end;
  switch (k) {
  case KEY_LOSS:
    prm->loss_k = prm->loss_n = prm->loss_ppm = 0;
    if (strncmp(val, "pattern", 7) == 0) {
      if (!parse_pattern(val, &prm->loss_k, &prm->loss_n)) {
        dev_set_err(err, errlen, "impair: %s: loss: '%s' is not pattern:K/N with 1 <= K <= N <= %u", dir, val,
                PATTERN_N_MAX);
        return -1;
      }
      return 0;
    }
    if (!parse_pct(val, &prm->loss_ppm)) {
      break;
    }
    return 0;
  case KEY_DUP:
    if (!parse_pct(val, &prm->dup_ppm)) {
      break;
    }
    return 0;
  case KEY_REORDER:
    if (!parse_pct(val, &prm->reorder_ppm)) {
      break;
    }
    return 0;
  case KEY_CORRUPT:
    if (!parse_pct(val, &prm->corrupt_ppm)) {
      break;
    }
    return 0;
  case KEY_CE:
    if (!parse_pct(val, &prm->ce_ppm)) {
      break;
    }
    return 0;
  default: /* KEY_DELAY */
    prm->jitter_ms = 0;
    if (!parse_ms(val, &prm->delay_ms, &end) ||
        (*end == '~' && !parse_ms(end + 1, &prm->jitter_ms, &end)) || *end != '\0') {
      dev_set_err(err, errlen, "impair: %s: delay: '%s' is not Nms or Nms~Jms (0..%u ms)", dir, val,
              IMPAIR_DELAY_MAX_MS);
      return -1;
    }
    return 0;
  }
  dev_set_err(err, errlen, "impair: %s: %s: '%s' is not a percentage 0..100%% (e.g. 2%% or 0.5%%)", dir, key,
          val);
  return -1;
}

/* Copy the keys of @p from selected by @p seen into @p to. */
static void merge_params(struct impair_params *to, const struct impair_params *from, unsigned seen)
{
  if (seen & (1U << KEY_LOSS)) {
    to->loss_ppm = from->loss_ppm;
    to->loss_k = from->loss_k;
    to->loss_n = from->loss_n;
  }
  if (seen & (1U << KEY_DUP)) {
    to->dup_ppm = from->dup_ppm;
  }
  if (seen & (1U << KEY_REORDER)) {
    to->reorder_ppm = from->reorder_ppm;
  }
  if (seen & (1U << KEY_DELAY)) {
    to->delay_ms = from->delay_ms;
    to->jitter_ms = from->jitter_ms;
  }
  if (seen & (1U << KEY_CORRUPT)) {
    to->corrupt_ppm = from->corrupt_ppm;
  }
  if (seen & (1U << KEY_CE)) {
    to->ce_ppm = from->ce_ppm;
  }
}

static int parse_clause(char *clause, struct impair_params out[2], char *err, size_t errlen)
{
  char *colon = strchr(clause, ':');
  char *eq = strchr(clause, '=');
  if (colon == NULL || (eq != NULL && eq < colon)) {
    dev_set_err(err, errlen, "impair: '%s' has no direction (expected rx:, tx: or both: before the keys)", clause);
    return -1;
  }
  *colon = '\0';
  char *dir = trim(clause);
  bool rx = strcmp(dir, "rx") == 0 || strcmp(dir, "both") == 0;
  bool tx = strcmp(dir, "tx") == 0 || strcmp(dir, "both") == 0;
  if (!rx && !tx) {
    dev_set_err(err, errlen, "impair: unknown direction '%s' (expected rx, tx or both)", dir);
    return -1;
  }
  char *items = trim(colon + 1);
  if (*items == '\0') {
    dev_set_err(err, errlen, "impair: %s: no impairment after '%s:'", dir, dir);
    return -1;
  }
  struct impair_params prm;
  memset(&prm, 0, sizeof(prm));
  unsigned seen = 0;
  char *save = NULL;
  /* strtok_r would skip empty items silently; split by hand instead. */
  for (char *item = items; item != NULL; item = save) {
    char *comma = strchr(item, ',');
    save = comma ? comma + 1 : NULL;
    if (comma) {
      *comma = '\0';
    }
    item = trim(item);
    if (*item == '\0') {
      dev_set_err(err, errlen, "impair: %s: empty item (stray ',')", dir);
      return -1;
    }
    if (parse_item(item, dir, &prm, &seen, err, errlen) < 0) {
      return -1;
    }
  }
  if (rx) {
    merge_params(&out[IMPAIR_RX], &prm, seen);
  }
  if (tx) {
    merge_params(&out[IMPAIR_TX], &prm, seen);
  }
  return 0;
}

int impair_parse(const char *spec, struct impair_params out[2], char *err, size_t errlen)
{
  char text[SPEC_TEXT_MAX];
  struct impair_params prm[2];
  memset(prm, 0, sizeof(prm));
  if (spec == NULL) {
    spec = "";
  }
  if (strlen(spec) >= sizeof(text)) {
    dev_set_err(err, errlen, "impair: spec longer than %u characters", SPEC_TEXT_MAX - 1);
    return -1;
  }
  strcpy(text, spec);
  char *all = trim(text);
  if (strcmp(all, "none") != 0) {
    char *next;
    for (char *clause = all; clause != NULL; clause = next) {
      char *semi = strchr(clause, ';');
      next = semi ? semi + 1 : NULL;
      if (semi) {
        *semi = '\0';
      }
      clause = trim(clause);
      if (*clause == '\0') {
        continue; /* "a;;b" and a trailing ';' are harmless */
      }
      if (parse_clause(clause, prm, err, errlen) < 0) {
        return -1;
      }
    }
  }
  memcpy(out, prm, sizeof(prm));
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Canonical text                                                            */
/* ------------------------------------------------------------------------ */

static size_t put_pct(char *buf, size_t len, const char *key, uint32_t ppm, bool *first)
{
  char num[32];
  uint32_t whole = ppm / 10000U, frac = ppm % 10000U;
  if (frac == 0) {
    snprintf(num, sizeof(num), "%" PRIu32, whole);
  } else {
    int digits = 4;
    while (frac % 10U == 0) {
      frac /= 10U;
      digits--;
    }
    snprintf(num, sizeof(num), "%" PRIu32 ".%0*" PRIu32, whole, digits, frac);
  }
  int n = snprintf(buf, len, "%s%s=%s%%", *first ? "" : ",", key, num);
  *first = false;
  return n > 0 ? (size_t)n : 0;
}

/* One direction's items ("loss=2%,delay=20ms~5ms") into @p buf. */
static void params_text(const struct impair_params *p, char *buf, size_t len)
{
  size_t at = 0;
  bool first = true;
  buf[0] = '\0';
#define ROOM (at < len ? len - at : 0)
  if (p->loss_n != 0) {
    int n = snprintf(buf + at, ROOM, "loss=pattern:%" PRIu32 "/%" PRIu32, p->loss_k, p->loss_n);
    at += n > 0 ? (size_t)n : 0;
    first = false;
  } else if (p->loss_ppm != 0) {
    at += put_pct(buf + at, ROOM, "loss", p->loss_ppm, &first);
  }
  if (p->dup_ppm != 0) {
    at += put_pct(buf + at, ROOM, "dup", p->dup_ppm, &first);
  }
  if (p->reorder_ppm != 0) {
    at += put_pct(buf + at, ROOM, "reorder", p->reorder_ppm, &first);
  }
  if (p->delay_ms != 0 || p->jitter_ms != 0) {
    int n = p->jitter_ms != 0
                ? snprintf(buf + at, ROOM, "%sdelay=%" PRIu32 "ms~%" PRIu32 "ms", first ? "" : ",", p->delay_ms,
                           p->jitter_ms)
                : snprintf(buf + at, ROOM, "%sdelay=%" PRIu32 "ms", first ? "" : ",", p->delay_ms);
    at += n > 0 ? (size_t)n : 0;
    first = false;
  }
  if (p->corrupt_ppm != 0) {
    at += put_pct(buf + at, ROOM, "corrupt", p->corrupt_ppm, &first);
  }
  if (p->ce_ppm != 0) {
    at += put_pct(buf + at, ROOM, "ce", p->ce_ppm, &first);
  }
#undef ROOM
}

char *impair_get_spec(const struct impair_dev *im, char *buf, size_t buflen)
{
  char rx[IMPAIR_SPEC_MAX / 2], tx[IMPAIR_SPEC_MAX / 2];
  params_text(&im->dir[IMPAIR_RX].params, rx, sizeof(rx));
  params_text(&im->dir[IMPAIR_TX].params, tx, sizeof(tx));
  if (buflen == 0) {
    return buf;
  }
  if (rx[0] != '\0' && strcmp(rx, tx) == 0) {
    snprintf(buf, buflen, "both:%s", rx);
  } else if (rx[0] != '\0' && tx[0] != '\0') {
    snprintf(buf, buflen, "rx:%s;tx:%s", rx, tx);
  } else if (rx[0] != '\0') {
    snprintf(buf, buflen, "rx:%s", rx);
  } else if (tx[0] != '\0') {
    snprintf(buf, buflen, "tx:%s", tx);
  } else {
    buf[0] = '\0';
  }
  return buf;
}

/* ------------------------------------------------------------------------ */
/* Random decisions                                                          */
/* ------------------------------------------------------------------------ */

static uint32_t rand32(struct impair_dir *d)
{
  /* splitmix64: the whole state is one word, so a seed reproduces a run. */
  uint64_t z = (d->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static bool chance(struct impair_dir *d, uint32_t ppm)
{
  return ppm != 0 && rand32(d) % PPM_100 < ppm;
}

static void restart_streams(struct impair_dev *im)
{
  /* Distinct streams per direction: rx decisions must not depend on how
   * many tx frames happened to come first. */
  im->dir[IMPAIR_RX].rng = im->seed ^ 0x7278000000000000ULL;  /* "rx" */
  im->dir[IMPAIR_TX].rng = im->seed ^ 0x7478000000000000ULL;  /* "tx" */
  im->dir[IMPAIR_RX].pattern_count = 0;
  im->dir[IMPAIR_TX].pattern_count = 0;
}

static bool pattern_drop(struct impair_dir *d)
{
  uint64_t pos = d->pattern_count++ % d->params.loss_n;
  return pos >= (uint64_t)(d->params.loss_n - d->params.loss_k);
}

static u32_t draw_delay(struct impair_dir *d)
{
  const struct impair_params *p = &d->params;
  if (p->jitter_ms == 0) {
    return p->delay_ms;
  }
  u32_t lo = p->delay_ms > p->jitter_ms ? p->delay_ms - p->jitter_ms : 0;
  u32_t span = p->delay_ms + p->jitter_ms - lo;
  return lo + rand32(d) % (span + 1U);
}

/* Draw every decision for one frame of @p len bytes, in the documented order. */
static void decide(struct impair_dir *d, u16_t len, struct impair_decision *dec)
{
  const struct impair_params *p = &d->params;
  memset(dec, 0, sizeof(*dec));
  dec->drop = p->loss_n != 0 ? pattern_drop(d) : chance(d, p->loss_ppm);
  if (dec->drop) {
    return;
  }
  if (chance(d, p->corrupt_ppm)) {
    uint32_t r = rand32(d);
    if (len > ETH_HDR_LEN) {
      dec->corrupt = true;
      dec->bit = r % ((uint32_t)(len - ETH_HDR_LEN) * 8U);
    }
  }
  dec->ce = chance(d, p->ce_ppm);
  dec->dup = chance(d, p->dup_ppm);
  dec->reorder = chance(d, p->reorder_ppm);
  dec->delay[0] = draw_delay(d);
  dec->delay[1] = dec->dup ? draw_delay(d) : 0;
}

/* ------------------------------------------------------------------------ */
/* Holding and releasing frames                                              */
/* ------------------------------------------------------------------------ */

/* Frames larger than the MTU (--offload: a TCP segment of up to 64 KB that
 * the kernel cuts into gso_size pieces on the way out, or that it merged
 * on the way in) are impaired whole, never split first: every decision is
 * drawn once per frame, and a dropped, duplicated, delayed or reordered
 * frame is all of its segments at once (own_copy keeps the GSO mark and
 * the partial checksum, so a duplicate or a late copy is still cut right).
 * Splitting would make the impairment rewrite TCP headers, which is the
 * kernel's job, and would hide from a test the very frames offloads make.
 * So a loss rate counts frames: 1% drops 1% of the frames, and one drop is
 * a burst of up to 44 full segments, as a lost GSO frame is in a real host.
 * A corrupted frame stays one frame that the receiver's checksum must
 * reject (complete_checksum, change_copy).  tests/interop/test_offload.py
 * runs every impairment over GSO frames both ways. */

static void reorder_timer(void *arg);
static void delay_timer(void *arg);

/* Pass an owned frame on: up (ownership passes) or down (we free it). */
static void pass_on(struct impair_dir *d, struct pbuf *p)
{
  if (d->id == IMPAIR_RX) {
    dev_deliver_up(&d->im->dev, p);
  } else {
    dev_send_down(&d->im->dev, p);
    pbuf_free(p);
  }
}

/* A frame went out: the reordered frame, if any, follows it now. */
static void release_reordered(struct impair_dir *d)
{
  struct pbuf *h = d->reorder_held;
  if (h != NULL) {
    d->reorder_held = NULL;
    sys_untimeout(reorder_timer, d);
    pass_on(d, h);
  }
}

static void emit(struct impair_dir *d, struct pbuf *p)
{
  pass_on(d, p);
  release_reordered(d);
}

static void reorder_timer(void *arg)
{
  struct impair_dir *d = (struct impair_dir *)arg;
  struct pbuf *h = d->reorder_held;
  d->reorder_held = NULL;
  if (h != NULL) {
    pass_on(d, h);
  }
}

/* Hold @p p until the next frame; false if no timer could be armed. */
static bool hold_for_reorder(struct impair_dir *d, struct pbuf *p)
{
  if (sys_timeout(IMPAIR_REORDER_HOLD_MS, reorder_timer, d) != ERR_OK) {
    return false;
  }
  d->reorder_held = p;
  d->counters.reordered++;
  return true;
}

static void release_all_due(struct impair_dir *d, bool all)
{
  u32_t now = sys_now();
  while (d->queue != NULL && (all || !lwip_time_before(now, d->queue->due))) {
    struct impair_held *h = d->queue;
    d->queue = h->next;
    d->queued--;
    struct pbuf *p = h->p;
    free(h);
    emit(d, p);
  }
}

/* (Re)arm the delay timer for the queue head. */
static void arm_delay_timer(struct impair_dir *d)
{
  sys_untimeout(delay_timer, d);
  while (d->queue != NULL) {
    u32_t now = sys_now();
    u32_t wait = lwip_time_before(now, d->queue->due) ? d->queue->due - now : 0;
    if (sys_timeout(wait, delay_timer, d) == ERR_OK) {
      return;
    }
    /* No timer: holding frames with nothing to release them would lose
     * them silently, so send them now. */
    LWIP_LOG(NETIF, WARN, "impair: no timer for delayed frames: releasing %u now", d->queued);
    release_all_due(d, true);
  }
}

static void delay_timer(void *arg)
{
  struct impair_dir *d = (struct impair_dir *)arg;
  release_all_due(d, false);
  arm_delay_timer(d);
}

/* Queue @p p (owned) for release @p delay ms from now. */
static void enqueue_delayed(struct impair_dir *d, struct pbuf *p, u32_t delay)
{
  struct impair_held *h = d->queued < IMPAIR_MAX_QUEUED ? malloc(sizeof(*h)) : NULL;
  if (h == NULL) {
    d->counters.nomem++;
    pbuf_free(p);
    return;
  }
  h->p = p;
  h->due = sys_now() + delay;
  /* Sorted by due time; equal times keep arrival order. */
  struct impair_held **pp = &d->queue;
  while (*pp != NULL && !lwip_time_before(h->due, (*pp)->due)) {
    pp = &(*pp)->next;
  }
  h->next = *pp;
  *pp = h;
  d->queued++;
  d->counters.delayed++;
  if (d->queue == h) {
    arm_delay_timer(d);
  }
}

/* A copy of @p p we may keep and modify, or NULL (counted). */
static struct pbuf *own_copy(struct impair_dir *d, const struct pbuf *p)
{
  struct pbuf *q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
  if (q == NULL) {
    d->counters.nomem++;
    return NULL;
  }
  /* The offload marks go with the frame: a large TCP segment is dropped,
   * duplicated, delayed or reordered whole, and the TAP still needs to
   * know how to segment it and that its checksum is partial. */
  q->gso_size = p->gso_size;
  q->flags |= p->flags & (PBUF_FLAG_CSUM_OK | PBUF_FLAG_CSUM_PARTIAL);
  return q;
}

static void flip_bit(struct pbuf *p, uint32_t bit)
{
  u16_t off = (u16_t)(ETH_HDR_LEN + bit / 8U);
  pbuf_put_at(p, off, (u8_t)(pbuf_get_at(p, off) ^ (1U << (bit % 8U))));
}

/* Offset of the TOS octet of an IPv4 packet in Ethernet frame @p p that
 * is ECN-capable (ECT(0) or ECT(1), RFC 3168 5), or 0 when it is not one:
 * a router marks only those, never Not-ECT (they are dropped instead) and
 * CE is marked already. */
static u16_t ect_tos_offset(const struct pbuf *p)
{
  if (p->tot_len < ETH_HDR_LEN + 20U || pbuf_get_at(p, 12) != 0x08 || pbuf_get_at(p, 13) != 0x00 ||
      (pbuf_get_at(p, ETH_HDR_LEN) >> 4) != 4U || (pbuf_get_at(p, ETH_HDR_LEN) & 0x0fU) < 5U) {
    return 0;
  }
  u8_t ecn = pbuf_get_at(p, ETH_HDR_LEN + 1U) & 0x03U;
  return ecn == 0x01U || ecn == 0x02U ? (u16_t)(ETH_HDR_LEN + 1U) : 0;
}

/* Set CE in the TOS octet at @p off and update the header checksum for the
 * changed 16-bit word (RFC 1624 3: HC' = ~(~HC + ~m + m')), as a router
 * does: a header that was bad stays bad. */
static void mark_ce(struct pbuf *p, u16_t off)
{
  u16_t word = (u16_t)(off - 1U); /* version/IHL and TOS form one word */
  uint32_t m = ((uint32_t)pbuf_get_at(p, word) << 8) | pbuf_get_at(p, off);
  uint32_t m2 = m | 0x03U;
  u16_t ck = (u16_t)(ETH_HDR_LEN + 10U);
  uint32_t hc = ((uint32_t)pbuf_get_at(p, ck) << 8) | pbuf_get_at(p, (u16_t)(ck + 1U));
  uint32_t sum = (~hc & 0xffffU) + (~m & 0xffffU) + m2;
  while (sum >> 16) {
    sum = (sum & 0xffffU) + (sum >> 16);
  }
  sum = ~sum & 0xffffU;
  pbuf_put_at(p, off, (u8_t)m2);
  pbuf_put_at(p, ck, (u8_t)(sum >> 8));
  pbuf_put_at(p, (u16_t)(ck + 1U), (u8_t)sum);
}

/* Route one owned copy: hold for reorder, delay, or send now. */
static void route_copy(struct impair_dir *d, struct pbuf *p, bool reorder, u32_t delay)
{
  if (reorder && d->reorder_held == NULL && hold_for_reorder(d, p)) {
    return;
  }
  if (delay > 0) {
    enqueue_delayed(d, p, delay);
  } else {
    emit(d, p);
  }
}

/* The frame @p p is ours (corruption already applied). */
static void process_owned(struct impair_dir *d, struct pbuf *p, const struct impair_decision *dec)
{
  struct pbuf *dup = NULL;
  if (dec->dup) {
    dup = own_copy(d, p);
    if (dup != NULL) {
      d->counters.duplicated++;
    }
  }
  route_copy(d, p, dec->reorder, dec->delay[0]);
  if (dup != NULL) {
    route_copy(d, dup, false, dec->delay[1]);
  }
}

/* A frame going down whose TCP checksum is left to the kernel (--offload:
 * PBUF_FLAG_CSUM_PARTIAL, the pseudo-header sum in the field) gets it
 * completed here before a bit is flipped, or the kernel would sum the
 * flipped bit in and the peer could not see the damage (RFC 9293 3.1: the
 * checksum covers the pseudo header, the header and the data).  A large
 * segment also loses its GSO mark: it reaches the peer as one packet whose
 * checksum fails, and is lost whole.  @p p is our copy: one PBUF_RAM pbuf. */
static void complete_checksum(struct pbuf *p)
{
  if (!(p->flags & PBUF_FLAG_CSUM_PARTIAL) || p->next != NULL || p->len < ETH_HDR_LEN + 20) {
    return;
  }
  u8_t *f = (u8_t *)p->payload;
  u16_t etype = get_be16(f + 12);
  u32_t l4, tcplen;
  if (etype == 0x0800U && (f[ETH_HDR_LEN] >> 4) == 4 && f[ETH_HDR_LEN + 9] == 6) {
    l4 = ETH_HDR_LEN + (f[ETH_HDR_LEN] & 0x0fU) * 4U;
    tcplen = (u32_t)get_be16(f + ETH_HDR_LEN + 2) - (l4 - ETH_HDR_LEN);
  } else if (etype == 0x86ddU && p->len >= ETH_HDR_LEN + 40 && (f[ETH_HDR_LEN] >> 4) == 6 &&
             f[ETH_HDR_LEN + 6] == 6) {
    l4 = ETH_HDR_LEN + 40U;
    tcplen = get_be16(f + ETH_HDR_LEN + 4);
  } else {
    return;
  }
  if (tcplen < 20 || l4 + tcplen > p->len) {
    return;
  }
  u16_t sum = inet_chksum(f + l4, (u16_t)tcplen); /* the field holds the pseudo-header sum */
  memcpy(f + l4 + 16, &sum, 2);
  p->flags &= (u8_t)~PBUF_FLAG_CSUM_PARTIAL;
  p->gso_size = 0;
}

/* Apply the decided changes to our copy @p p: the CE mark (at @p ce_off,
 * 0: none) and then the bit flip, so a corrupted mark stays corrupted. */
static void change_copy(struct impair_dir *d, struct pbuf *p, const struct impair_decision *dec, u16_t ce_off)
{
  if (ce_off != 0) {
    mark_ce(p, ce_off);
    d->counters.ce_marked++;
  }
  if (dec->corrupt) {
    /* A corrupted frame must be checked again on the way in.  One the
     * kernel left with a partial checksum (NEEDS_CSUM, also marked
     * CSUM_OK) then fails that check wherever the bit flipped, which is
     * what a flipped bit must lead to anyway. */
    p->flags &= (u8_t)~PBUF_FLAG_CSUM_OK;
    complete_checksum(p);
    flip_bit(p, dec->bit);
    d->counters.corrupted++;
  }
}

static void impair_rx(struct dev *dv, struct pbuf *p)
{
  struct impair_dev *im = (struct impair_dev *)dv;
  struct impair_dir *d = &im->dir[IMPAIR_RX];
  struct impair_decision dec;
  d->counters.frames++;
  decide(d, p->tot_len, &dec);
  if (dec.drop) {
    d->counters.dropped++;
    pbuf_free(p);
    return;
  }
  u16_t ce_off = dec.ce ? ect_tos_offset(p) : 0;
  if (dec.corrupt || ce_off != 0) {
    /* Even an owned frame may be ROM/REF or shared: change a copy. */
    struct pbuf *q = own_copy(d, p);
    pbuf_free(p);
    if (q == NULL) {
      return;
    }
    p = q;
    change_copy(d, p, &dec, ce_off);
  }
  process_owned(d, p, &dec);
}

static err_t impair_tx(struct dev *dv, struct pbuf *p)
{
  struct impair_dev *im = (struct impair_dev *)dv;
  struct impair_dir *d = &im->dir[IMPAIR_TX];
  struct impair_decision dec;
  d->counters.frames++;
  decide(d, p->tot_len, &dec);
  if (dec.drop) {
    d->counters.dropped++;
    return ERR_OK;
  }
  bool hold = (dec.reorder && d->reorder_held == NULL) || dec.delay[0] > 0 || dec.delay[1] > 0;
  u16_t ce_off = dec.ce ? ect_tos_offset(p) : 0;
  if (!dec.corrupt && ce_off == 0 && !hold) {
    /* Fast path: the caller's frame goes down as it is. */
    err_t ret = dev_send_down(dv, p);
    if (dec.dup) {
      d->counters.duplicated++;
      dev_send_down(dv, p);
    }
    release_reordered(d);
    return ret;
  }
  struct pbuf *q = own_copy(d, p);
  if (q == NULL) {
    return ERR_MEM;
  }
  change_copy(d, q, &dec, ce_off);
  process_owned(d, q, &dec);
  return ERR_OK;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */
/* ------------------------------------------------------------------------ */

struct impair_dev *impair_open(uint64_t seed)
{
  struct impair_dev *im = calloc(1, sizeof(*im));
  if (im == NULL) {
    return NULL;
  }
  im->dev.ops = &impair_ops;
  for (int i = 0; i < 2; i++) {
    im->dir[i].im = im;
    im->dir[i].id = (enum impair_dir_id)i;
  }
  im->seed = seed;
  restart_streams(im);
  return im;
}

int impair_set_spec(struct impair_dev *im, const char *spec, char *err, size_t errlen)
{
  struct impair_params prm[2];
  if (impair_parse(spec, prm, err, errlen) < 0) {
    return -1;
  }
  im->dir[IMPAIR_RX].params = prm[IMPAIR_RX];
  im->dir[IMPAIR_TX].params = prm[IMPAIR_TX];
  restart_streams(im);
  return 0;
}

void impair_set_seed(struct impair_dev *im, uint64_t seed)
{
  im->seed = seed;
  restart_streams(im);
}

void impair_clear(struct impair_dev *im)
{
  memset(&im->dir[IMPAIR_RX].params, 0, sizeof(im->dir[IMPAIR_RX].params));
  memset(&im->dir[IMPAIR_TX].params, 0, sizeof(im->dir[IMPAIR_TX].params));
}

const struct impair_counters *impair_counters(const struct impair_dev *im, enum impair_dir_id dir)
{
  return &im->dir[dir == IMPAIR_TX ? IMPAIR_TX : IMPAIR_RX].counters;
}

void impair_reset_counters(struct impair_dev *im)
{
  memset(&im->dir[IMPAIR_RX].counters, 0, sizeof(im->dir[IMPAIR_RX].counters));
  memset(&im->dir[IMPAIR_TX].counters, 0, sizeof(im->dir[IMPAIR_TX].counters));
}

unsigned impair_held_frames(const struct impair_dev *im, enum impair_dir_id dir)
{
  const struct impair_dir *d = &im->dir[dir == IMPAIR_TX ? IMPAIR_TX : IMPAIR_RX];
  return d->queued + (d->reorder_held != NULL ? 1U : 0U);
}

void impair_close(struct impair_dev *im)
{
  if (im == NULL) {
    return;
  }
  for (int i = 0; i < 2; i++) {
    struct impair_dir *d = &im->dir[i];
    sys_untimeout(delay_timer, d);
    sys_untimeout(reorder_timer, d);
    while (d->queue != NULL) {
      struct impair_held *h = d->queue;
      d->queue = h->next;
      pbuf_free(h->p);
      free(h);
    }
    d->queued = 0;
    if (d->reorder_held != NULL) {
      pbuf_free(d->reorder_held);
      d->reorder_held = NULL;
    }
  }
  dev_unlink(&im->dev);
  free(im);
}

static void impair_ops_close(struct dev *d)
{
  impair_close((struct impair_dev *)d);
}
