/**
 * @file startup.c
 * Cortex-M start-up for the MPS2 AN386 reference port: the vector table,
 * the reset handler that prepares memory for C, and the fault handlers.
 * Written in C (no assembly file): on ARMv7-M the core loads the stack
 * pointer from the table itself, so C code runs from the first instruction.
 */
#include "startup.h"

#include <stdint.h>

/* Symbols from mps2.ld. */
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

int main(void);

/* Set by the handlers board_irq_attach() installs; the vector table points
 * every external interrupt at irq_dispatch, which looks the handler up here.
 * One level of indirection costs a few cycles and keeps the table in
 * read-only memory. */
static void (*irq_handlers[STARTUP_NUM_IRQS])(void);

void startup_set_irq_handler(int irq, void (*fn)(void))
{
  if (irq >= 0 && irq < STARTUP_NUM_IRQS) {
    irq_handlers[irq] = fn;
  }
}

/* A fault is a bug in this firmware: report which one and stop, so a test
 * sees the line on the console instead of a silent hang.  The handlers do
 * not return. */
static void fault(const char *what)
{
  startup_fault_hook(what);
  for (;;) {
  }
}

static void nmi_handler(void)
{
  fault("NMI");
}
static void hardfault_handler(void)
{
  fault("HardFault");
}
static void memmanage_handler(void)
{
  fault("MemManage");
}
static void busfault_handler(void)
{
  fault("BusFault");
}
static void usagefault_handler(void)
{
  fault("UsageFault");
}
static void unexpected_handler(void)
{
  fault("unexpected exception");
}

/* External interrupt N is exception 16 + N; IPSR holds the exception
 * number of the handler running. */
static void irq_dispatch(void)
{
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  int irq = (int)(ipsr & 0x1ffU) - 16;
  if (irq >= 0 && irq < STARTUP_NUM_IRQS && irq_handlers[irq] != 0) {
    irq_handlers[irq]();
  } else {
    fault("interrupt without a handler");
  }
}

void reset_handler(void)
{
  /* C expects initialised statics to hold their values and the others to
   * be zero; nothing has done that yet. */
  for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) {
    *dst++ = *src++;
  }
  for (uint32_t *p = __bss_start; p < __bss_end;) {
    *p++ = 0;
  }
  (void)main();
  fault("main returned");
}

/* The table: initial stack pointer, then the handlers of exceptions 1..15
 * (ARMv7-M B1.5.2), then the external interrupts.  SysTick (15) belongs to
 * the board's clock. */
typedef void (*vector_fn)(void);
__attribute__((section(".vectors"), used)) static const vector_fn vectors[16 + STARTUP_NUM_IRQS] = {
    [0] = (vector_fn)(uintptr_t)__stack_top,
    [1] = reset_handler,
    [2] = nmi_handler,
    [3] = hardfault_handler,
    [4] = memmanage_handler,
    [5] = busfault_handler,
    [6] = usagefault_handler,
    [11] = unexpected_handler, /* SVCall */
    [12] = unexpected_handler, /* DebugMonitor */
    [14] = unexpected_handler, /* PendSV */
    [15] = systick_handler,
    [16 ... 16 + STARTUP_NUM_IRQS - 1] = irq_dispatch,
};
