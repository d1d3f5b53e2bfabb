/**
 * @file mcu_port.c
 * The port interface (lwip/port.h) on a bare-metal board: the clock is
 * the board's SysTick count, log lines go to the console UART, a failed
 * assertion prints and stops.  Nothing here is specific to the MPS2 board
 * beyond the board_* calls.
 */
#include "board.h"

#include "lwip/port.h"

#include <stdarg.h>

u32_t sys_now(void)
{
  return board_millis();
}

/* xorshift32 (Marsaglia 2003) with the millisecond clock and SysTick's
 * current count stirred in at each call.  The board has no entropy source;
 * the SysTick count at the moment of a packet event differs from run to
 * run, which is enough for ephemeral ports and DHCP transaction IDs on a
 * test board.  A product must feed a true random source here (a TRNG or
 * an unpredictable seed kept in flash): TCP initial sequence numbers
 * (RFC 6528) rely on it. */
#define SYST_CVR (*(volatile uint32_t *)0xE000E018U)
static u32_t rand_state = 0x6c078965U;

void mcu_port_seed(u32_t seed)
{
  rand_state ^= seed;
  if (rand_state == 0) {
    rand_state = 0x6c078965U; /* xorshift's one fixed point */
  }
}

u32_t lwip_port_rand(void)
{
  u32_t x = rand_state ^ (SYST_CVR << 8) ^ board_millis();
  if (x == 0) {
    x = 0x6c078965U;
  }
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rand_state = x;
  return x;
}

void lwip_port_log(int module, int level, const char *fmt, ...)
{
  if (fmt == NULL) {
    return;
  }
  board_printf("%u.%03u [%d/%d] ", (unsigned)(board_millis() / 1000U), (unsigned)(board_millis() % 1000U), module,
               level);
  va_list ap;
  va_start(ap, fmt);
  board_vprintf(fmt, ap);
  va_end(ap);
  /* lwIP-style messages end in a newline; the others get one. */
  size_t n = 0;
  while (fmt[n] != '\0') {
    n++;
  }
  if (n == 0 || fmt[n - 1] != '\n') {
    board_putc('\n');
  }
}

void lwip_port_assert_fail(const char *expr, const char *file, int line)
{
  board_printf("\nassertion failed: %s (%s:%d)\n", expr, file, line);
  for (;;) {
  }
}
