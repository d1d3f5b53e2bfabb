/**
 * @file timeouts.h
 * One-shot timers.  The core keeps a list of pending timeouts sorted by
 * deadline; protocols arm them only while they have work, so an idle stack
 * has none and its event loop can sleep indefinitely.
 *
 * The main loop calls sys_check_timeouts() after handling input, then asks
 * sys_timeouts_sleeptime() how long it may sleep.  Times come from sys_now()
 * and are compared wrap-safely.
 */
#ifndef LWIP_TIMEOUTS_H
#define LWIP_TIMEOUTS_H

#include "lwip/opt.h"
#include "lwip/err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*sys_timeout_handler)(void *arg);

struct sys_timeo {
  struct sys_timeo *next;
  u32_t time; /**< absolute deadline in sys_now() milliseconds */
  sys_timeout_handler h;
  void *arg;
  bool caller_owned; /**< from sys_timeout_static: never freed to the pool */
};

/** sys_timeouts_sleeptime() when nothing is pending. */
#define SYS_TIMEOUTS_SLEEPTIME_INFINITE 0xffffffffUL

/** Start the timer module (called by lwip_init). */
void sys_timeouts_init(void);
/** Call @p handler(@p arg) once, @p msecs from now.  Several timeouts with
 *  the same handler and arg may be pending.
 *  @return ERR_OK, or ERR_MEM when the SYS_TIMEOUT pool is empty. */
err_t sys_timeout(u32_t msecs, sys_timeout_handler handler, void *arg);
/** As sys_timeout(), in storage the caller owns (a timer that must never
 *  be lost to an empty SYS_TIMEOUT pool).  @p t must not be pending
 *  already: sys_untimeout() it first.  It cannot fail. */
void sys_timeout_static(struct sys_timeo *t, u32_t msecs, sys_timeout_handler handler, void *arg);
/** Cancel the first pending timeout with this handler and arg (no-op if none). */
void sys_untimeout(sys_timeout_handler handler, void *arg);
/** Is a timeout with this handler and arg pending? */
bool sys_timeout_pending(sys_timeout_handler handler, void *arg);
/** Run every handler whose deadline has passed, in deadline order.
 *  Handlers may add or remove timeouts. */
void sys_check_timeouts(void);
/** Milliseconds until the next deadline (0 if one is due), or
 *  SYS_TIMEOUTS_SLEEPTIME_INFINITE when nothing is pending. */
u32_t sys_timeouts_sleeptime(void);
/** Wrap-safe: is time @p a before @p b? */
static inline bool lwip_time_before(u32_t a, u32_t b) { return (s32_t)(a - b) < 0; }

#ifdef __cplusplus
}
#endif

#endif /* LWIP_TIMEOUTS_H */
