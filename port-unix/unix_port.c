/**
 * @file unix_port.c
 * Port interface (lwip/port.h) for Linux: CLOCK_MONOTONIC milliseconds,
 * getrandom(2) or a seeded generator, timestamped log lines on stderr.
 */
#define _GNU_SOURCE
#include "unix_port.h"

#include "lwip/port.h"
#include "lwip/debug.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static bool seeded;
static uint64_t rng_state;
static FILE *log_file;

static bool clock_frozen;
static u32_t frozen_ms;

uint32_t unix_port_clock_real(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (u32_t)((uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U);
}

u32_t sys_now(void)
{
  return clock_frozen ? frozen_ms : unix_port_clock_real();
}

void unix_port_clock_set(uint32_t ms)
{
  clock_frozen = true;
  frozen_ms = ms;
}

void unix_port_clock_release(void)
{
  clock_frozen = false;
}

uint64_t unix_port_rand_state(void)
{
  return rng_state;
}

void unix_port_seed(uint64_t seed)
{
  seeded = true;
  rng_state = seed;
}

bool unix_port_seeded(void)
{
  return seeded;
}

/* splitmix64: a full-period generator whose whole state is the seed, so
 * one number reproduces a run. */
static uint64_t splitmix64(void)
{
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

u32_t lwip_port_rand(void)
{
  if (seeded) {
    return (u32_t)(splitmix64() >> 32);
  }
  u32_t v;
  ssize_t n;
  do {
    n = getrandom(&v, sizeof(v), 0);
  } while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof(v)) {
    /* getrandom cannot fail for 4 bytes once the pool is initialised; if
     * it somehow does, fall back to the seeded generator keyed by time. */
    if (!seeded) {
      rng_state ^= (uint64_t)sys_now() * 0x9e3779b97f4a7c15ULL;
    }
    return (u32_t)(splitmix64() >> 32);
  }
  return v;
}

void unix_port_log_to(FILE *f)
{
  log_file = f;
}

static unix_port_log_hook_fn log_hook;

void unix_port_set_log_hook(unix_port_log_hook_fn hook)
{
  log_hook = hook;
}

void lwip_port_log(int module, int level, const char *fmt, ...)
{
  FILE *out = log_file ? log_file : stderr;
  if (fmt == NULL) {
    return;
  }
  struct timespec ts;
  struct tm tm;
  char stamp[32];
  clock_gettime(CLOCK_REALTIME, &ts);
  localtime_r(&ts.tv_sec, &tm);
  strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
  const char *mod = lwip_log_module_name(module);
  const char *lvl = lwip_log_level_name(level);
  fprintf(out, "%s.%03ld %-5s %-5s ", stamp, ts.tv_nsec / 1000000L, mod ? mod : "?", lvl ? lvl : "?");
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  /* lwIP-style LWIP_DEBUGF messages end in a newline; the line has one. */
  size_t len = strlen(msg);
  if (len > 0 && msg[len - 1] == '\n') {
    msg[len - 1] = '\0';
  }
  fprintf(out, "%s\n", msg);
  /* The hook may itself log (a client it writes to went away): such lines
   * are written but not fed back into the hook. */
  static bool in_hook;
  if (log_hook != NULL && !in_hook) {
    in_hook = true;
    log_hook(module, level, msg);
    in_hook = false;
  }
}

void lwip_port_assert_fail(const char *expr, const char *file, int line)
{
  fprintf(stderr, "lwipd: assertion failed: %s (%s:%d)\n", expr, file, line);
  fflush(stderr);
  abort();
}
