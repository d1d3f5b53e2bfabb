/**
 * @file sys.h
 * lwIP's operating-system layer as a NO_SYS application sees it.
 *
 * lwipd runs in one context with no threads (NO_SYS == 1, lwip/opt.h), so
 * this is what lwIP's sys.h provides in that mode:
 *  - sys_now(): monotonic milliseconds from the port (lwip/port.h);
 *  - SYS_ARCH_DECL_PROTECT/SYS_ARCH_PROTECT/SYS_ARCH_UNPROTECT (port.h):
 *    empty unless a port that calls in from interrupts defines them;
 *  - semaphores, mutexes and mailboxes as do-nothing stand-ins, so code
 *    written to build both with and without an OS compiles to nothing
 *    here: creating one returns ERR_OK, none is ever valid, waiting
 *    returns at once (lwIP's NO_SYS behaviour).
 * Not here, deliberately: sys_thread_new() and sys_msleep().  A thread
 * that silently never runs, or a sleep that cannot happen in the event
 * loop's only context, is a bug to catch at compile time.
 * Timers are in lwip/timeouts.h (sys_timeout, sys_check_timeouts).
 */
#ifndef LWIP_SYS_H
#define LWIP_SYS_H

#include "lwip/opt.h"
#include "lwip/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a timed wait returns when it timed out (lwIP's value). */
#define SYS_ARCH_TIMEOUT 0xffffffffUL
/** What sys_arch_mbox_tryfetch returns for an empty mailbox. */
#define SYS_MBOX_EMPTY SYS_ARCH_TIMEOUT

/* NO_SYS stand-ins.  The type lets structures keep a member for them;
 * each macro evaluates its arguments (so nothing is left unused) and does
 * nothing else. */
typedef u8_t sys_sem_t;
typedef u8_t sys_mutex_t;
typedef u8_t sys_mbox_t;

#define sys_sem_new(s, c) ((void)(s), (void)(c), ERR_OK)
#define sys_sem_signal(s) ((void)(s))
#define sys_sem_wait(s) ((void)(s))
#define sys_arch_sem_wait(s, t) ((void)(s), (void)(t), 0U)
#define sys_sem_free(s) ((void)(s))
#define sys_sem_valid(s) ((void)(s), 0)
#define sys_sem_valid_val(s) ((void)(s), 0)
#define sys_sem_set_invalid(s) ((void)(s))
#define sys_sem_set_invalid_val(s) ((void)(s))

#define sys_mutex_new(mu) ((void)(mu), ERR_OK)
#define sys_mutex_lock(mu) ((void)(mu))
#define sys_mutex_unlock(mu) ((void)(mu))
#define sys_mutex_free(mu) ((void)(mu))
#define sys_mutex_valid(mu) ((void)(mu), 0)
#define sys_mutex_set_invalid(mu) ((void)(mu))

#define sys_mbox_new(m, s) ((void)(m), (void)(s), ERR_OK)
#define sys_mbox_fetch(m, d) ((void)(m), (void)(d))
#define sys_mbox_tryfetch(m, d) ((void)(m), (void)(d), SYS_MBOX_EMPTY)
#define sys_mbox_post(m, d) ((void)(m), (void)(d))
#define sys_mbox_trypost(m, d) ((void)(m), (void)(d), ERR_OK)
#define sys_mbox_free(m) ((void)(m))
#define sys_mbox_valid(m) ((void)(m), 0)
#define sys_mbox_valid_val(m) ((void)(m), 0)
#define sys_mbox_set_invalid(m) ((void)(m))
#define sys_mbox_set_invalid_val(m) ((void)(m))

/* sys_now() is declared in lwip/port.h, which every lwipd header includes. */

#ifdef __cplusplus
}
#endif

#endif /* LWIP_SYS_H */
