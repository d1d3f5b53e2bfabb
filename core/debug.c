/**
 * @file debug.c
 * Run-time log levels per module.  The module and level names are built
 * with debug_log (LWIP_DEBUG) only.
 */
#include "lwip/debug.h"
#include "lwip/err.h"

#include <string.h>

/* Every module starts at WARN: problems are visible, traffic is quiet. */
u8_t lwip_log_levels[LWIP_LOG_MODULE_COUNT] = {
#define LWIP_LOG_INIT_(id, name) [LWIP_LOG_##id] = LWIP_LOG_LEVEL_WARN,
  LWIP_LOG_MODULES(LWIP_LOG_INIT_)
#undef LWIP_LOG_INIT_
};

#if LWIP_DEBUG

/* The names, each table one string of NUL-terminated entries in the order
 * of its enum: no array of pointers, which on a 32-bit target costs 4
 * bytes an entry on top of the text. */
static const char module_names[] =
#define LWIP_LOG_NAME_(id, name) name "\0"
  LWIP_LOG_MODULES(LWIP_LOG_NAME_)
#undef LWIP_LOG_NAME_
  ;

static const char level_names[] = "off\0error\0warn\0info\0debug\0trace";

/* Entry @p n of the @p count in table @p t (step over n NULs), or NULL
 * when there is no such entry. */
static const char *name_entry(const char *t, int count, int n)
{
  if (n < 0 || n >= count) {
    return NULL;
  }
  while (n-- > 0) {
    t += strlen(t) + 1;
  }
  return t;
}

const char *lwip_log_module_name(int module)
{
  return name_entry(module_names, LWIP_LOG_MODULE_COUNT, module);
}

const char *lwip_log_level_name(int level)
{
  return name_entry(level_names, LWIP_LOG_LEVEL_COUNT, level);
}

/* The index of @p name among the @p count entries of table @p t, or -1. */
static int find_name(const char *t, int count, const char *name)
{
  if (name == NULL) {
    return -1;
  }
  for (int i = 0; i < count; i++, t += strlen(t) + 1) {
    if (strcmp(t, name) == 0) {
      return i;
    }
  }
  return -1;
}

int lwip_log_module_find(const char *name)
{
  return find_name(module_names, LWIP_LOG_MODULE_COUNT, name);
}

int lwip_log_level_find(const char *name)
{
  return find_name(level_names, LWIP_LOG_LEVEL_COUNT, name);
}

#endif /* LWIP_DEBUG */

int lwip_log_set_level(int module, int level)
{
  if (level < 0 || level >= LWIP_LOG_LEVEL_COUNT || module < -1 || module >= LWIP_LOG_MODULE_COUNT) {
    return ERR_ARG;
  }
  if (module == -1) {
    memset(lwip_log_levels, level, sizeof(lwip_log_levels));
  } else {
    lwip_log_levels[module] = (u8_t)level;
  }
  return ERR_OK;
}
