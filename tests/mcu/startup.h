/**
 * @file startup.h
 * What startup.c expects from, and offers to, the rest of the port.
 */
#ifndef MCU_STARTUP_H
#define MCU_STARTUP_H

/** External interrupts in the vector table (the MPS2 images use 32). */
#define STARTUP_NUM_IRQS 32

/** Entry point: the core jumps here out of reset (vector 1). */
void reset_handler(void);

/** SysTick exception handler, provided by the board's clock (board.c). */
void systick_handler(void);

/** Called once when a fault or an unexpected exception stops the core,
 *  with its name; provided by board.c, which prints it. */
void startup_fault_hook(const char *what);

/** Make @p fn the handler of external interrupt @p irq (0..31). */
void startup_set_irq_handler(int irq, void (*fn)(void));

#endif /* MCU_STARTUP_H */
