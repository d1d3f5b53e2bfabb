/*
 * Internet checksum micro-benchmark: GB/s of the fast checksum
 * (lwip_standard_chksum) against the byte-at-a-time reference, over
 * several buffer sizes and an odd start address.  Results are printed,
 * never asserted: speed is reported, not tested.
 *
 *   build/gcc/tools/bench/chksum_bench [seconds-per-case]
 */
#define _POSIX_C_SOURCE 200809L
#include "lwip/inet_chksum.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Keeps the compiler from discarding the sums. */
static volatile u32_t sink;

static double run(u16_t (*fn)(const void *, size_t), const u8_t *buf, size_t len, double secs)
{
  unsigned long iters = 0;
  u32_t acc = 0;
  double start = now_s(), elapsed;
  do {
    for (int i = 0; i < 64; i++) {
      acc += fn(buf, len);
    }
    iters += 64;
    elapsed = now_s() - start;
  } while (elapsed < secs);
  sink = acc;
  return (double)iters * (double)len / elapsed / 1e9;
}

int main(int argc, char **argv)
{
  double secs = argc > 1 ? atof(argv[1]) : 0.3;
  if (secs <= 0) {
    fprintf(stderr, "usage: %s [seconds-per-case > 0]\n", argv[0]);
    return 2;
  }
  static u8_t buf[65536 + 8];
  srand(1);
  for (size_t i = 0; i < sizeof(buf); i++) {
    buf[i] = (u8_t)rand();
  }
  const size_t sizes[] = {64, 576, 1500, 9000, 65535};
  printf("%-8s %-6s %12s %12s %8s\n", "bytes", "align", "fast GB/s", "ref GB/s", "speedup");
  double fast1500 = 0, ref1500 = 0;
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
    for (int align = 0; align <= 1; align++) {
      const u8_t *p = buf + align;
      if (lwip_standard_chksum(p, sizes[s]) != lwip_chksum_reference(p, sizes[s])) {
        fprintf(stderr, "chksum_bench: fast and reference sums differ at %zu bytes\n", sizes[s]);
        return 1;
      }
      double f = run(lwip_standard_chksum, p, sizes[s], secs);
      double r = run(lwip_chksum_reference, p, sizes[s], secs);
      printf("%-8zu %-6d %12.2f %12.2f %7.1fx\n", sizes[s], align, f, r, f / r);
      if (sizes[s] == 1500 && align == 0) {
        fast1500 = f;
        ref1500 = r;
      }
    }
  }
  printf("chksum: %.2f GB/s fast, %.2f GB/s reference (1500 bytes, aligned)\n", fast1500, ref1500);
  return 0;
}
