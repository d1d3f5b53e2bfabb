/**
 * @file board.c
 * MPS2 AN386 board layer: SysTick millisecond clock, CMSDK APB UART0
 * console, idle with WFI and the NVIC.  Register layouts: ARMv7-M
 * Architecture Reference Manual B3.3 (SysTick) and B3.4 (NVIC), Arm CMSDK
 * Technical Reference Manual (APB UART).
 */
#include "board.h"
#include "startup.h"

#include <stddef.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* SysTick (ARMv7-M B3.3.2). */
#define SYST_CSR REG32(0xE000E010U)
#define SYST_RVR REG32(0xE000E014U)
#define SYST_CVR REG32(0xE000E018U)
#define SYST_CSR_ENABLE 0x1U
#define SYST_CSR_TICKINT 0x2U
#define SYST_CSR_CLKSOURCE 0x4U /* the processor clock */

/* NVIC interrupt set-enable registers (ARMv7-M B3.4.3). */
#define NVIC_ISER(n) REG32(0xE000E100U + 4U * (n))
/* ... and clear-pending registers (B3.4.6). */
#define NVIC_ICPR(n) REG32(0xE000E280U + 4U * (n))

/* CMSDK APB UART0 of the MPS2 images. */
#define UART0_BASE 0x40004000U
#define UART_DATA REG32(UART0_BASE + 0x00U)
#define UART_STATE REG32(UART0_BASE + 0x04U)
#define UART_CTRL REG32(UART0_BASE + 0x08U)
#define UART_BAUDDIV REG32(UART0_BASE + 0x10U)
#define UART_STATE_TX_FULL 0x1U
#define UART_CTRL_TX_EN 0x1U
#define UART_BAUD 115200U

/* Written by the SysTick handler, read by the main loop: volatile, and a
 * single aligned 32-bit word, so a read is never torn. */
static volatile uint32_t millis;

void systick_handler(void)
{
  millis++;
}

uint32_t board_millis(void)
{
  return millis;
}

static void uart_init(void)
{
  UART_BAUDDIV = BOARD_CPU_HZ / UART_BAUD;
  UART_CTRL = UART_CTRL_TX_EN;
}

void board_init(void)
{
  /* One interrupt per millisecond: the reload value counts BOARD_CPU_HZ /
   * 1000 processor clocks (RVR holds N - 1 for a period of N). */
  SYST_RVR = BOARD_CPU_HZ / 1000U - 1U;
  SYST_CVR = 0;
  SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;

  uart_init();
}

void board_putc(char c)
{
  if (c == '\n') {
    board_putc('\r');
  }
  while ((UART_STATE & UART_STATE_TX_FULL) != 0) {
  }
  UART_DATA = (uint8_t)c;
}

static void put_str(const char *s)
{
  while (*s != '\0') {
    board_putc(*s++);
  }
}

/* One number in base 10 or 16, right-aligned in @p width with @p pad. */
static void put_num(uint32_t v, bool negative, unsigned base, unsigned width, char pad)
{
  char buf[12];
  unsigned n = 0;
  do {
    unsigned d = (unsigned)(v % base);
    buf[n++] = (char)(d < 10U ? '0' + d : 'a' + d - 10U);
    v /= base;
  } while (v != 0U);
  if (negative) {
    buf[n++] = '-';
  }
  while (width > n) {
    board_putc(pad);
    width--;
  }
  while (n > 0U) {
    board_putc(buf[--n]);
  }
}

void board_vprintf(const char *fmt, va_list ap)
{
  for (const char *p = fmt; *p != '\0'; p++) {
    if (*p != '%') {
      board_putc(*p);
      continue;
    }
    const char *start = p++;
    char pad = ' ';
    unsigned width = 0;
    if (*p == '0') {
      pad = '0';
      p++;
    }
    while (*p >= '0' && *p <= '9') {
      width = width * 10U + (unsigned)(*p++ - '0');
    }
    if (*p == 'l') {
      p++; /* long is 32 bits here, as int is */
    }
    switch (*p) {
    case 's': {
      const char *s = va_arg(ap, const char *);
      put_str(s != NULL ? s : "(null)");
      break;
    }
    case 'c':
      board_putc((char)va_arg(ap, int));
      break;
    case 'd': {
      int32_t v = va_arg(ap, int32_t);
      put_num(v < 0 ? 0U - (uint32_t)v : (uint32_t)v, v < 0, 10, width, pad);
      break;
    }
    case 'u':
      put_num(va_arg(ap, uint32_t), false, 10, width, pad);
      break;
    case 'x':
      put_num(va_arg(ap, uint32_t), false, 16, width, pad);
      break;
    case '%':
      board_putc('%');
      break;
    default:
      /* Not a conversion this formatter knows: show it as written, and
       * stop at the end of the string if that is where it ends. */
      for (const char *q = start; q <= p && *q != '\0'; q++) {
        board_putc(*q);
      }
      if (*p == '\0') {
        return;
      }
      break;
    }
  }
}

void board_printf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  board_vprintf(fmt, ap);
  va_end(ap);
}

void board_idle(bool (*work_waiting)(void *arg), void *arg)
{
  /* Masking first closes the race between the check and the sleep: an
   * interrupt that comes after the check stays pending, WFI returns at
   * once, and its handler runs when the mask is lifted. */
  __asm__ volatile("cpsid i" ::: "memory");
  if (!work_waiting(arg)) {
    __asm__ volatile("dsb\n\twfi" ::: "memory");
  }
  __asm__ volatile("cpsie i\n\tisb" ::: "memory");
}

void board_irq_attach(int irq, void (*fn)(void))
{
  startup_set_irq_handler(irq, fn);
  /* A level seen while the device was still being set up (the LAN9118's
   * line idles inverted until IRQ_CFG picks push-pull, active high) may
   * have left the interrupt pending; it means nothing now. */
  NVIC_ICPR((unsigned)irq / 32U) = 1U << ((unsigned)irq % 32U);
  NVIC_ISER((unsigned)irq / 32U) = 1U << ((unsigned)irq % 32U);
}

void startup_fault_hook(const char *what)
{
  /* An image that never called board_init (a semihosted unit suite)
   * still gets the line: with the transmitter off, the UART would never
   * drain and board_putc would wait for ever. */
  uart_init();
  board_printf("\nfault: %s\n", what);
}
