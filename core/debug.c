/**
 * @file debug.c
 * Run-time log levels per module.
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

static const char *const module_names[LWIP_LOG_MODULE_COUNT] = {
#define LWIP_LOG_NAME_(id, name) [LWIP_LOG_##id] = name,
  LWIP_LOG_MODULES(LWIP_LOG_NAME_)
#undef LWIP_LOG_NAME_
};

static const char *const level_names[LWIP_LOG_LEVEL_COUNT] = {
  [LWIP_LOG_LEVEL_OFF] = "off",
  [LWIP_LOG_LEVEL_ERROR] = "error",
  [LWIP_LOG_LEVEL_WARN] = "warn",
  [LWIP_LOG_LEVEL_INFO] = "info",
  [LWIP_LOG_LEVEL_DEBUG] = "debug",
  [LWIP_LOG_LEVEL_TRACE] = "trace",
};

const char *lwip_log_module_name(int module)
{
  return (module >= 0 && module < LWIP_LOG_MODULE_COUNT) ? module_names[module] : NULL;
}

const char *lwip_log_level_name(int level)
{
  return (level >= 0 && level < LWIP_LOG_LEVEL_COUNT) ? level_names[level] : NULL;
}

static int find_name(const char *const *names, int count, const char *name)
{
  if (name == NULL) {
    return -1;
  }
  for (int i = 0; i < count; i++) {
    if (strcmp(names[i], name) == 0) {
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
