/**
 * @file timeouts.c
 * One-shot timeouts kept in a list sorted by deadline.  Inserting walks the
 * list (there are few pending timeouts: protocols arm one timer each, only
 * while they have work), expiry only ever looks at the head.
 */
#include "lwip/timeouts.h"
#include "lwip/memp.h"
#include "lwip/debug.h"

static struct sys_timeo *next_timeout;

void sys_timeouts_init(void)
{
  /* lwip_init() re-initialises the pools, so the old entries are simply
   * forgotten rather than freed one by one. */
  next_timeout = NULL;
}

/* Insert after every entry due at or before this one, so timeouts with
 * the same deadline run in the order they were added. */
static void timeout_insert(struct sys_timeo *t, u32_t msecs, sys_timeout_handler handler, void *arg)
{
  t->h = handler;
  t->arg = arg;
  t->time = sys_now() + msecs;
  struct sys_timeo **pp = &next_timeout;
  while (*pp != NULL && !lwip_time_before(t->time, (*pp)->time)) {
    pp = &(*pp)->next;
  }
  t->next = *pp;
  *pp = t;
}

err_t sys_timeout(u32_t msecs, sys_timeout_handler handler, void *arg)
{
  LWIP_ERROR_RET("sys_timeout: handler != NULL", handler != NULL, ERR_ARG);
  struct sys_timeo *t = (struct sys_timeo *)memp_malloc(MEMP_SYS_TIMEOUT);
  if (t == NULL) {
    LWIP_LOG(TIMER, ERROR, "sys_timeout: SYS_TIMEOUT pool empty, timer lost");
    return ERR_MEM;
  }
  /* The one insertion code: then the entry is marked as the pool's. */
  sys_timeout_static(t, msecs, handler, arg);
  t->caller_owned = false;
  return ERR_OK;
}

void sys_timeout_static(struct sys_timeo *t, u32_t msecs, sys_timeout_handler handler, void *arg)
{
  t->caller_owned = true;
  timeout_insert(t, msecs, handler, arg);
}

static void timeout_release(struct sys_timeo *t)
{
  if (!t->caller_owned) {
    memp_free(MEMP_SYS_TIMEOUT, t);
  }
}

/* The link to the first entry for @p handler and @p arg, or to the NULL at
 * the end of the list when there is none. */
static struct sys_timeo **timeout_find(sys_timeout_handler handler, void *arg)
{
  struct sys_timeo **pp = &next_timeout;
  while (*pp != NULL && ((*pp)->h != handler || (*pp)->arg != arg)) {
    pp = &(*pp)->next;
  }
  return pp;
}

void sys_untimeout(sys_timeout_handler handler, void *arg)
{
  struct sys_timeo **pp = timeout_find(handler, arg);
  struct sys_timeo *t = *pp;
  if (t != NULL) {
    *pp = t->next;
    timeout_release(t);
  }
}

bool sys_timeout_pending(sys_timeout_handler handler, void *arg)
{
  return *timeout_find(handler, arg) != NULL;
}

void sys_check_timeouts(void)
{
  u32_t now = sys_now();
  /* Unlink before calling, so a handler may re-arm itself or cancel
   * others; re-read the head each time because the list may change. */
  while (next_timeout != NULL && !lwip_time_before(now, next_timeout->time)) {
    struct sys_timeo *t = next_timeout;
    sys_timeout_handler h = t->h;
    void *arg = t->arg;
    next_timeout = t->next;
    timeout_release(t);
    h(arg);
  }
}

u32_t sys_timeouts_sleeptime(void)
{
  if (next_timeout == NULL) {
    return SYS_TIMEOUTS_SLEEPTIME_INFINITE;
  }
  u32_t now = sys_now();
  if (!lwip_time_before(now, next_timeout->time)) {
    return 0;
  }
  return next_timeout->time - now;
}
