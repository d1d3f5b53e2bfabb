/**
 * @file compat/debug.h
 * lwIP's debug macros on lwipd's debug log.  Included at the end of
 * lwip/debug.h (and so by lwip/opt.h, as in lwIP).
 *
 *   LWIP_DEBUGF(SNTP_DEBUG | LWIP_DBG_TRACE, ("sntp: %" U32_F " ms\n", t));
 *
 * A *_DEBUG switch is LWIP_DBG_ON or LWIP_DBG_OFF, decided at compile time
 * as in lwIP.  Switches that are on also name the lwipd log module the
 * line goes to (bits 8..15 of the switch, LWIP_DBG_MODULE()): the core
 * switches below map onto the modules lwipd logs under (TCP_DEBUG -> tcp,
 * ETHARP_DEBUG -> arp, ...); an application's own switch, plain
 * LWIP_DBG_ON, goes to the "app" module.  The line is then written only
 * when that module's run-time level admits it (`lwipctl log app debug`),
 * and not at all in a build without debug_log.
 *
 * lwIP's levels become lwipd's: LWIP_DBG_LEVEL_SEVERE -> error,
 * LWIP_DBG_LEVEL_SERIOUS -> warn, LWIP_DBG_LEVEL_WARNING -> info, the rest
 * -> debug (trace with LWIP_DBG_TRACE).  LWIP_DBG_MIN_LEVEL and
 * LWIP_DBG_TYPES_ON filter at compile time as in lwIP.  Each LWIP_DEBUGF
 * is one log line; the port drops a trailing newline.
 */
#ifndef LWIP_COMPAT_DEBUG_H
#define LWIP_COMPAT_DEBUG_H

#include "lwip/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Levels (the low two bits of a debug value). */
#define LWIP_DBG_LEVEL_ALL 0x00
#define LWIP_DBG_LEVEL_OFF LWIP_DBG_LEVEL_ALL /* lwIP's (confusing) alias */
#define LWIP_DBG_LEVEL_WARNING 0x01
#define LWIP_DBG_LEVEL_SERIOUS 0x02
#define LWIP_DBG_LEVEL_SEVERE 0x03
#define LWIP_DBG_MASK_LEVEL 0x03
/* On/off and message types. */
#define LWIP_DBG_ON 0x80U
#define LWIP_DBG_OFF 0x00U
#define LWIP_DBG_TRACE 0x40U /**< flow through functions */
#define LWIP_DBG_STATE 0x20U /**< state changes */
#define LWIP_DBG_FRESH 0x10U /**< newly added code */
#define LWIP_DBG_HALT 0x08U  /**< stop after printing (an assertion failure here) */

#ifndef LWIP_DBG_MIN_LEVEL
#define LWIP_DBG_MIN_LEVEL LWIP_DBG_LEVEL_ALL
#endif
#ifndef LWIP_DBG_TYPES_ON
#define LWIP_DBG_TYPES_ON LWIP_DBG_ON
#endif

/** The lwipd log module a switch writes to: an id of the list below in
 *  bits 8..15 (0: the "app" module).  Ids are numbers, not the
 *  lwip_log_module enum, so switches stay usable in #if. */
#define LWIP_DBG_MODULE(id) ((id) << 8)
#define LWIP_DBG_ID_APP 0
#define LWIP_DBG_ID_CORE 1
#define LWIP_DBG_ID_MEM 2
#define LWIP_DBG_ID_PBUF 3
#define LWIP_DBG_ID_TIMER 4
#define LWIP_DBG_ID_NETIF 5
#define LWIP_DBG_ID_ARP 6
#define LWIP_DBG_ID_IP4 7
#define LWIP_DBG_ID_FRAG 8
#define LWIP_DBG_ID_ICMP 9
#define LWIP_DBG_ID_IGMP 10
#define LWIP_DBG_ID_UDP 11
#define LWIP_DBG_ID_RAW 12
#define LWIP_DBG_ID_TCP 13
#define LWIP_DBG_ID_DHCP 14
#define LWIP_DBG_ID_ACD 15
#define LWIP_DBG_ID_AUTOIP 16
#define LWIP_DBG_ID_DNS 17
#define LWIP_DBG_ID_SNTP 18

/* lwIP's switches for the stack's own modules.  Define one (to
 * LWIP_DBG_OFF, say) before the first lwipd header to change it. */
#define LWIP_DBG_SWITCH_(id) (LWIP_DBG_ON | LWIP_DBG_MODULE(LWIP_DBG_ID_##id))
#ifndef INET_DEBUG
#define INET_DEBUG LWIP_DBG_SWITCH_(CORE)
#endif
#ifndef SYS_DEBUG
#define SYS_DEBUG LWIP_DBG_SWITCH_(CORE)
#endif
#ifndef MEM_DEBUG
#define MEM_DEBUG LWIP_DBG_SWITCH_(MEM)
#endif
#ifndef MEMP_DEBUG
#define MEMP_DEBUG LWIP_DBG_SWITCH_(MEM)
#endif
#ifndef PBUF_DEBUG
#define PBUF_DEBUG LWIP_DBG_SWITCH_(PBUF)
#endif
#ifndef TIMERS_DEBUG
#define TIMERS_DEBUG LWIP_DBG_SWITCH_(TIMER)
#endif
#ifndef NETIF_DEBUG
#define NETIF_DEBUG LWIP_DBG_SWITCH_(NETIF)
#endif
#ifndef ETHARP_DEBUG
#define ETHARP_DEBUG LWIP_DBG_SWITCH_(ARP)
#endif
#ifndef IP_DEBUG
#define IP_DEBUG LWIP_DBG_SWITCH_(IP4)
#endif
#ifndef IP_REASS_DEBUG
#define IP_REASS_DEBUG LWIP_DBG_SWITCH_(FRAG)
#endif
#ifndef ICMP_DEBUG
#define ICMP_DEBUG LWIP_DBG_SWITCH_(ICMP)
#endif
#ifndef IGMP_DEBUG
#define IGMP_DEBUG LWIP_DBG_SWITCH_(IGMP)
#endif
#ifndef UDP_DEBUG
#define UDP_DEBUG LWIP_DBG_SWITCH_(UDP)
#endif
#ifndef RAW_DEBUG
#define RAW_DEBUG LWIP_DBG_SWITCH_(RAW)
#endif
#ifndef TCP_DEBUG
#define TCP_DEBUG LWIP_DBG_SWITCH_(TCP)
#endif
#ifndef TCP_INPUT_DEBUG
#define TCP_INPUT_DEBUG LWIP_DBG_SWITCH_(TCP)
#endif
#ifndef TCP_OUTPUT_DEBUG
#define TCP_OUTPUT_DEBUG LWIP_DBG_SWITCH_(TCP)
#endif
#ifndef TCP_RTO_DEBUG
#define TCP_RTO_DEBUG LWIP_DBG_SWITCH_(TCP)
#endif
#ifndef TCP_CWND_DEBUG
#define TCP_CWND_DEBUG LWIP_DBG_SWITCH_(TCP)
#endif
#ifndef TCP_WND_DEBUG
#define TCP_WND_DEBUG LWIP_DBG_SWITCH_(TCP)
#endif
#ifndef TCP_FR_DEBUG
#define TCP_FR_DEBUG LWIP_DBG_SWITCH_(TCP)
#endif
#ifndef TCP_QLEN_DEBUG
#define TCP_QLEN_DEBUG LWIP_DBG_SWITCH_(TCP)
#endif
#ifndef TCP_RST_DEBUG
#define TCP_RST_DEBUG LWIP_DBG_SWITCH_(TCP)
#endif
#ifndef DHCP_DEBUG
#define DHCP_DEBUG LWIP_DBG_SWITCH_(DHCP)
#endif
#ifndef ACD_DEBUG
#define ACD_DEBUG LWIP_DBG_SWITCH_(ACD)
#endif
#ifndef AUTOIP_DEBUG
#define AUTOIP_DEBUG LWIP_DBG_SWITCH_(AUTOIP)
#endif
#ifndef DNS_DEBUG
#define DNS_DEBUG LWIP_DBG_SWITCH_(DNS)
#endif
/* lwIP's SNTP app switch: lwipd's SNTP client logs under "sntp" too. */
#ifndef SNTP_DEBUG
#define SNTP_DEBUG LWIP_DBG_SWITCH_(SNTP)
#endif

/** The lwip_log_module of a debug value (LWIP_LOG_APP for an id this
 *  header does not know). */
static inline int lwip_dbg_log_module(unsigned debug)
{
  switch ((debug >> 8) & 0xffU) {
  case LWIP_DBG_ID_CORE:
    return LWIP_LOG_CORE;
  case LWIP_DBG_ID_MEM:
    return LWIP_LOG_MEM;
  case LWIP_DBG_ID_PBUF:
    return LWIP_LOG_PBUF;
  case LWIP_DBG_ID_TIMER:
    return LWIP_LOG_TIMER;
  case LWIP_DBG_ID_NETIF:
    return LWIP_LOG_NETIF;
  case LWIP_DBG_ID_ARP:
    return LWIP_LOG_ARP;
  case LWIP_DBG_ID_IP4:
    return LWIP_LOG_IP4;
  case LWIP_DBG_ID_FRAG:
    return LWIP_LOG_FRAG;
  case LWIP_DBG_ID_ICMP:
    return LWIP_LOG_ICMP;
  case LWIP_DBG_ID_IGMP:
    return LWIP_LOG_IGMP;
  case LWIP_DBG_ID_UDP:
    return LWIP_LOG_UDP;
  case LWIP_DBG_ID_RAW:
    return LWIP_LOG_RAW;
  case LWIP_DBG_ID_TCP:
    return LWIP_LOG_TCP;
  case LWIP_DBG_ID_DHCP:
    return LWIP_LOG_DHCP;
  case LWIP_DBG_ID_ACD:
    return LWIP_LOG_ACD;
  case LWIP_DBG_ID_AUTOIP:
    return LWIP_LOG_AUTOIP;
  case LWIP_DBG_ID_DNS:
    return LWIP_LOG_DNS;
  case LWIP_DBG_ID_SNTP:
    return LWIP_LOG_SNTP;
  default:
    return LWIP_LOG_APP;
  }
}

/** The lwip_log_level of a debug value. */
static inline int lwip_dbg_log_level(unsigned debug)
{
  switch (debug & LWIP_DBG_MASK_LEVEL) {
  case LWIP_DBG_LEVEL_SEVERE:
    return LWIP_LOG_LEVEL_ERROR;
  case LWIP_DBG_LEVEL_SERIOUS:
    return LWIP_LOG_LEVEL_WARN;
  case LWIP_DBG_LEVEL_WARNING:
    return LWIP_LOG_LEVEL_INFO;
  default:
    return (debug & LWIP_DBG_TRACE) ? LWIP_LOG_LEVEL_TRACE : LWIP_LOG_LEVEL_DEBUG;
  }
}

/** Compile-time part of the test (constant for a constant switch). */
#define LWIP_DBG_ENABLED(debug)                                                                                        \
  ((((unsigned)(debug)) & LWIP_DBG_ON) != 0 && (((unsigned)(debug)) & (LWIP_DBG_TYPES_ON)) != 0 &&                     \
   (int)(((unsigned)(debug)) & LWIP_DBG_MASK_LEVEL) >= (int)(LWIP_DBG_MIN_LEVEL))

/* Strips the parentheses of LWIP_DEBUGF's message argument. */
#define LWIP_DBG_ARGS_(...) __VA_ARGS__

#if LWIP_DEBUG
#define LWIP_DEBUGF(debug, message)                                                                                    \
  do {                                                                                                                 \
    if (LWIP_DBG_ENABLED(debug)) {                                                                                     \
      int lwip_dbg_mod_ = lwip_dbg_log_module((unsigned)(debug));                                                      \
      int lwip_dbg_lvl_ = lwip_dbg_log_level((unsigned)(debug));                                                       \
      if (lwip_log_levels[lwip_dbg_mod_] >= lwip_dbg_lvl_) {                                                           \
        lwip_port_log(lwip_dbg_mod_, lwip_dbg_lvl_, LWIP_DBG_ARGS_ message);                                           \
      }                                                                                                                \
      if (((unsigned)(debug)) & LWIP_DBG_HALT) {                                                                       \
        lwip_port_assert_fail("LWIP_DEBUGF with LWIP_DBG_HALT", __FILE__, __LINE__);                                   \
      }                                                                                                                \
    }                                                                                                                  \
  } while (0)
#else
#define LWIP_DEBUGF(debug, message)                                                                                    \
  do {                                                                                                                 \
  } while (0)
#endif

/** Diagnostic output, unconditional as in lwIP: one line in the "app"
 *  module at level info.  @p message is a parenthesized printf list. */
#define LWIP_PLATFORM_DIAG(message) lwip_port_log(LWIP_LOG_APP, LWIP_LOG_LEVEL_INFO, LWIP_DBG_ARGS_ message)
/** Assertion failure with a message (must not return). */
#define LWIP_PLATFORM_ASSERT(message) lwip_port_assert_fail((message), __FILE__, __LINE__)

/** lwIP's argument check: when @p expression is false, log @p message
 *  (debug builds, "app" module, error level) and run @p handler (a
 *  statement: `return ERR_ARG;`). */
#define LWIP_ERROR(message, expression, handler)                                                                       \
  do {                                                                                                                 \
    if (LWIP_UNLIKELY(!(expression))) {                                                                                \
      LWIP_LOG(APP, ERROR, "%s", (message));                                                                           \
      handler;                                                                                                         \
    }                                                                                                                  \
  } while (0)

/** An address in a debug line (its own line, unlike lwIP's pieces). */
#define ip_addr_debug_print(debug, ipaddr) LWIP_DEBUGF(debug, ("%s", ipaddr_ntoa(ipaddr)))
#define ip_addr_debug_print_val(debug, ipaddr) ip_addr_debug_print(debug, &(ipaddr))
#define ip4_addr_debug_print(debug, ipaddr) LWIP_DEBUGF(debug, ("%s", ip4addr_ntoa(ipaddr)))
#define ip4_addr_debug_print_val(debug, ipaddr) ip4_addr_debug_print(debug, &(ipaddr))

#ifdef __cplusplus
}
#endif

#endif /* LWIP_COMPAT_DEBUG_H */
