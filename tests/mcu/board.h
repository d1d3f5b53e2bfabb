/**
 * @file board.h
 * The board layer of the MPS2 AN386 reference port: clock, console and
 * idle, the pieces a NO_SYS lwipd application needs besides its network
 * driver (lan9118.h).  A port to another board rewrites board.c and keeps
 * these functions.
 */
#ifndef MCU_BOARD_H
#define MCU_BOARD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

/** Core clock of the MPS2 FPGA images (and of QEMU's model of them). */
#define BOARD_CPU_HZ 25000000U

/** Base address and NVIC interrupt number of the LAN9118 Ethernet controller. */
#define BOARD_ETH_BASE 0x40200000U
#define BOARD_ETH_IRQ 13

/** Start the millisecond SysTick and the console UART.  Call first. */
void board_init(void);

/** Milliseconds since board_init (the port's sys_now()). */
uint32_t board_millis(void);

/** Write one character to the console (UART0), waiting while its
 *  transmit buffer is full. */
void board_putc(char c);

/**
 * Formatted console output.  A small formatter of its own, so the image
 * needs no C library stdio: %s %c %d %u %x (with an optional l), %% and a
 * field width for numbers ("%3u", "%08x").  Any other conversion is
 * printed as written.
 */
void board_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** board_printf with a va_list. */
void board_vprintf(const char *fmt, va_list ap);

/**
 * Sleep until an interrupt is pending unless @p work_waiting says there
 * is something to do already.  @p work_waiting is called with interrupts
 * masked, so an interrupt that arrives after it returned false still wakes
 * the core (WFI ends on a pending interrupt even while PRIMASK is set).
 */
void board_idle(bool (*work_waiting)(void *arg), void *arg);

/** Install @p fn as the handler of NVIC interrupt @p irq and enable it. */
void board_irq_attach(int irq, void (*fn)(void));

/** Mix @p seed (for example the MAC address) into the port's random
 *  generator (mcu_port.c). */
void mcu_port_seed(uint32_t seed);

#endif /* MCU_BOARD_H */
