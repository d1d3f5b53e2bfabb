/*
 * Small applications written the way lwIP's raw-API example apps are
 * written (their includes, LWIP_CALLBACK_API guards, mem_malloc/mem_free,
 * packed protocol structs, LWIP_DEBUGF with the format macros,
 * sys_now()/sys_timeout()), built against lwipd's include/ with
 * -Wall -Wundef -Werror.  They prove that an application written for
 * lwIP compiles and runs unchanged (docs/lwip-compat.md); test_compat.c
 * drives them on the virtual clock.  The code is this project's own.
 */
#ifndef COMPAT_APPS_H
#define COMPAT_APPS_H

#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"

/* ---- TCP echo server (tcpecho_raw.c) ---- */
/** Listen on @p port.  @return ERR_OK, ERR_MEM or tcp_bind()'s error. */
err_t tcpecho_raw_init(u16_t port);
/** Close the listener and abort every connection it accepted. */
void tcpecho_raw_stop(void);
/** Connections open now. */
int tcpecho_raw_open_count(void);

/* ---- UDP echo server (udpecho_raw.c) ---- */
err_t udpecho_raw_init(u16_t port);
void udpecho_raw_stop(void);
/** Datagrams echoed since init. */
u32_t udpecho_raw_echoed(void);

/* ---- SNTP-style client (sntp_mini.c) ---- */
/** Offset of the NTP era (1900) from the Unix epoch, seconds. */
#define SNTP_MINI_UNIX_OFFSET 2208988800UL
/** What the client has learnt. */
struct sntp_mini_status {
  u32_t requests; /**< requests sent */
  u32_t replies;  /**< replies accepted */
  u32_t rejected; /**< replies refused by a sanity check */
  u32_t seconds;  /**< server's transmit time, Unix seconds, of the last reply accepted */
  u8_t stratum;   /**< of the last reply accepted */
  bool synced;
};
/** Use @p server (dotted quad; NULL or "" clears it) as server @p idx. */
err_t sntp_mini_setserver(u8_t idx, const char *server);
/** Start polling: the first request goes at once, retries every
 *  @p retry_ms while no valid reply comes, then one poll per @p poll_ms. */
err_t sntp_mini_init(u32_t retry_ms, u32_t poll_ms);
void sntp_mini_stop(void);
void sntp_mini_get_status(struct sntp_mini_status *st);
/** Size of the packed NTP message struct (48 bytes, RFC 5905 7.3). */
size_t sntp_mini_msg_size(void);

#endif
