/**
 * @file port.h
 * The port interface: everything the core asks of its platform.
 *
 * A port (port-unix for Linux, a test port for unit tests and lwip-replay,
 * or a board support package) implements these functions.  The core calls
 * nothing else outside itself: no system calls, no stdio, no malloc unless
 * the build backs pools with malloc (LWIP_MALLOC_POOLS).
 */
#ifndef LWIP_PORT_H
#define LWIP_PORT_H

#include "lwip/arch.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Monotonic milliseconds.  Wraps after 49.7 days; the core compares times
 *  with wrap-safe arithmetic, so any starting value is fine. */
u32_t sys_now(void);

/** A 32-bit random number.  Used for ephemeral ports, IP IDs and protocol
 *  identifiers.  A seeded port makes every run reproducible. */
u32_t lwip_port_rand(void);

/** Diagnostic output of one formatted line (no trailing newline needed).
 *  @p module and @p level are the lwip_log_module / lwip_log_level of the
 *  message, so the port can prefix or filter them. */
void lwip_port_log(int module, int level, const char *fmt, ...) LWIP_PRINTF_LIKE(3, 4);

/** Called when an LWIP_ASSERT fails.  Must not return. */
void lwip_port_assert_fail(const char *expr, const char *file, int line);

/* Critical sections.  The core is single-context; a port that calls into it
 * from an interrupt handler defines these before including any lwIP header.
 * In lwipd and the tests they are empty. */
#ifndef SYS_ARCH_DECL_PROTECT
#define SYS_ARCH_DECL_PROTECT(lev)
#define SYS_ARCH_PROTECT(lev)
#define SYS_ARCH_UNPROTECT(lev)
#endif

#ifdef __cplusplus
}
#endif

#endif /* LWIP_PORT_H */
