/**
 * @file debug.h
 * Debug logging per module, with a level per module chosen at run time.
 *
 * LWIP_LOG(MOD, LEVEL, fmt, ...) costs one array load and compare when the
 * module's level is below LEVEL, and compiles to nothing when the build has
 * debug=disabled.  Lines go to the port's lwip_port_log(); lwipd prefixes
 * them with a timestamp, module and level.
 */
#ifndef LWIP_DEBUG_H
#define LWIP_DEBUG_H

#include "lwip/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The IPv6 modules exist only in builds with IPv6, so the name table of an
 * IPv4-only build (the minimal profile) does not grow. */
#if LWIP_IPV6
#define LWIP_LOG_MODULES_IP6(X) \
  X(IP6, "ip6")                 \
  X(ICMP6, "icmp6")             \
  X(ND6, "nd6")                 \
  X(MLD6, "mld6")               \
  X(DHCP6, "dhcp6")
#else
#define LWIP_LOG_MODULES_IP6(X)
#endif

/** Every module that logs.  Order is the index into lwip_log_levels[]. */
#define LWIP_LOG_MODULES(X) \
  X(CORE, "core")   \
  X(MEM, "mem")     \
  X(PBUF, "pbuf")   \
  X(TIMER, "timer") \
  X(NETIF, "netif") \
  X(ETH, "eth")     \
  X(ARP, "arp")     \
  X(IP4, "ip4")     \
  X(FRAG, "frag")   \
  X(ICMP, "icmp")   \
  X(IGMP, "igmp")   \
  LWIP_LOG_MODULES_IP6(X) \
  X(UDP, "udp")     \
  X(RAW, "raw")     \
  X(TCP, "tcp")     \
  X(DHCP, "dhcp")   \
  X(ACD, "acd")     \
  X(AUTOIP, "autoip") \
  X(DNS, "dns")     \
  X(APP, "app")     \
  X(SNTP, "sntp")   \
  X(HTTP, "http")   \
  X(TFTP, "tftp")   \
  X(MQTT, "mqtt")   \
  X(MDNS, "mdns")

enum lwip_log_module {
#define LWIP_LOG_ENUM_(id, name) LWIP_LOG_##id,
  LWIP_LOG_MODULES(LWIP_LOG_ENUM_)
#undef LWIP_LOG_ENUM_
  LWIP_LOG_MODULE_COUNT
};

enum lwip_log_level {
  LWIP_LOG_LEVEL_OFF = 0,
  LWIP_LOG_LEVEL_ERROR,
  LWIP_LOG_LEVEL_WARN,
  LWIP_LOG_LEVEL_INFO,
  LWIP_LOG_LEVEL_DEBUG,
  LWIP_LOG_LEVEL_TRACE,
  LWIP_LOG_LEVEL_COUNT
};

/** Current level of each module; messages at or below it are printed. */
extern u8_t lwip_log_levels[LWIP_LOG_MODULE_COUNT];

/** Name of a module ("arp") or level ("debug"); NULL when out of range,
 *  and always NULL in a build without debug_log (LWIP_DEBUG).
 *  Look up a module or level by name: the index, or -1 when the name is
 *  unknown (always -1 in a build without debug_log, which has no names). */
#if LWIP_DEBUG
const char *lwip_log_module_name(int module);
const char *lwip_log_level_name(int level);
int lwip_log_module_find(const char *name);
int lwip_log_level_find(const char *name);
#else
/* Names are for people reading the log, and a build without debug_log has
 * no log: its callers (lwipd's log command, the ports' log functions) get
 * the out-of-range answers, here inline so that the core carries no
 * functions for them. */
static inline const char *lwip_log_module_name(int module)
{
  (void)module;
  return NULL;
}

static inline const char *lwip_log_level_name(int level)
{
  (void)level;
  return NULL;
}

static inline int lwip_log_module_find(const char *name)
{
  (void)name;
  return -1;
}

static inline int lwip_log_level_find(const char *name)
{
  (void)name;
  return -1;
}
#endif

/** Set one module's level, or every module's when @p module is -1.
 *  @return ERR_OK (0), or ERR_ARG (-16) for an out-of-range value. */
int lwip_log_set_level(int module, int level);

#if LWIP_DEBUG
#define LWIP_LOG(mod, lvl, ...) do { \
    if (LWIP_UNLIKELY(lwip_log_levels[LWIP_LOG_##mod] >= LWIP_LOG_LEVEL_##lvl)) { \
      lwip_port_log(LWIP_LOG_##mod, LWIP_LOG_LEVEL_##lvl, __VA_ARGS__); \
    } \
  } while (0)
#else
#define LWIP_LOG(mod, lvl, ...) do { } while (0)
#endif

#ifdef __cplusplus
}
#endif

#include "lwip/compat/debug.h" /* LWIP_DEBUGF and lwIP's *_DEBUG switches */

#endif /* LWIP_DEBUG_H */
