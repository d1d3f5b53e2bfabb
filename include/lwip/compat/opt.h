/**
 * @file compat/opt.h
 * The option names lwIP's applications test, derived from lwipd's own
 * configuration (lwip_config.h, generated from meson_options.txt).
 * Included at the end of lwip/opt.h.
 *
 * lwipd has no lwipopts.h and does not take lwIP's ~300 overridable
 * defaults: every name here is a fact about the build (a feature that is
 * there or not, a pool size) that application code reads in #if tests or
 * sizes its own tables by.  Setting one of them does not change the stack;
 * the meson option does.  Names whose value equals lwIP's (LWIP_TCP,
 * LWIP_UDP, MEMP_NUM_TCP_PCB, TCP_MSS, ...) come straight from
 * lwip_config.h; docs/lwip-compat.md lists them all.
 */
#ifndef LWIP_COMPAT_OPT_H
#define LWIP_COMPAT_OPT_H

/* ---- the system model ----
 * lwipd is lwIP's NO_SYS mode: one context, no threads, no semaphores or
 * mailboxes, raw (callback) API only; the main loop feeds input and calls
 * sys_check_timeouts().  lwip/sys.h has the NO_SYS definitions. */
#define NO_SYS 1
#define LWIP_CALLBACK_API 1
#define LWIP_EVENT_API 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_ALTCP 0
#define LWIP_ALTCP_TLS 0
#define LWIP_TCPIP_CORE_LOCKING 0
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS 1
#define LWIP_TIMERS_CUSTOM 0
/** lwIP checks with this that the caller holds the stack's lock; one
 *  context holds nothing. */
#define LWIP_ASSERT_CORE_LOCKED()
/** Random numbers from the port (seeded in tests and lwip-replay). */
#define LWIP_RAND() lwip_port_rand()

/* ---- features (the rest: LWIP_IPV4, LWIP_IPV6, LWIP_TCP, LWIP_UDP,
 * LWIP_UDPLITE, LWIP_RAW, LWIP_IGMP, LWIP_DHCP, LWIP_AUTOIP, LWIP_DNS,
 * LWIP_STATS come from lwip_config.h; LWIP_ARP, LWIP_ICMP, LWIP_ETHERNET,
 * IP_REASSEMBLY, IP_FRAG from lwip/opt.h) ---- */
#define IP_FORWARD LWIP_IP_FORWARD
#define LWIP_NETIF_LOOPBACK LWIP_LOOPBACK
#define LWIP_HAVE_LOOPIF LWIP_LOOPBACK
#define LWIP_BROADCAST_PING 0
#define LWIP_MULTICAST_PING 0
#define LWIP_MULTICAST_TX_OPTIONS LWIP_IGMP
#define LWIP_DNS_SUPPORT_MDNS_QUERIES LWIP_DNS
#define LWIP_STATS_DISPLAY 0
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_REMOVE_CALLBACK 1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_CHECKSUM_CTRL_PER_NETIF LWIP_OFFLOAD /* netif->chksum_flags is read only with the offload option */
/* TCP: every connection has these (tcp_keepalive(), the out-of-order
 * queue, listen backlogs).  LWIP_TCP_TIMESTAMPS is the tcp_timestamps
 * option's own name; SACK and window scaling follow tcp_sack and
 * tcp_wscale. */
#define LWIP_TCP_KEEPALIVE LWIP_TCP
#define LWIP_TCP_SACK_OUT LWIP_TCP_SACK
#define TCP_QUEUE_OOSEQ LWIP_TCP
#define TCP_LISTEN_BACKLOG LWIP_TCP
#define LWIP_WND_SCALE (LWIP_TCP_WSCALE && TCP_WND > 0xffff)
#define TCP_TTL IP_DEFAULT_TTL
#define UDP_TTL IP_DEFAULT_TTL
/* DHCP asks for NTP servers (option 42, RFC 2132 8.3) and keeps
 * DHCP_MAX_NTP_SERVERS of them (lwip/dhcp.h; test_compat checks the two
 * agree): dhcp_get_ntp_servers() hands them to an SNTP client. */
#define LWIP_DHCP_GET_NTP_SRV LWIP_DHCP
#define LWIP_DHCP_MAX_NTP_SERVERS 2

/* ---- sizes under lwIP's names (MEMP_NUM_TCP_PCB, MEMP_NUM_UDP_PCB,
 * MEMP_NUM_RAW_PCB, MEMP_NUM_PBUF, MEMP_NUM_TCP_SEG, MEMP_NUM_REASSDATA,
 * MEMP_NUM_TCP_PCB_LISTEN, MEM_SIZE, PBUF_POOL_SIZE, PBUF_POOL_BUFSIZE,
 * ARP_TABLE_SIZE, TCP_MSS, TCP_WND, TCP_SND_BUF are the meson options'
 * own names) ---- */
#define MEMP_NUM_SYS_TIMEOUT MEMP_NUM_TIMEOUTS
#define MEMP_NUM_IGMP_GROUP IGMP_GROUPS
#define ARP_QUEUEING (ARP_QUEUE_LEN > 0)
#define MEM_LIBC_MALLOC LWIP_MALLOC_POOLS
#define MEMP_MEM_MALLOC LWIP_MALLOC_POOLS

/* ---- netif helpers for options above ---- */
#define netif_set_hostname(netif, name)                                                                                \
  do {                                                                                                                 \
    if ((netif) != NULL) {                                                                                             \
      (netif)->hostname = (name);                                                                                      \
    }                                                                                                                  \
  } while (0)
#define netif_get_hostname(netif) (((netif) != NULL) ? ((netif)->hostname) : NULL)

/* lwIP's opt.h brings in its debug macros; applications rely on that. */
#include "lwip/debug.h"

#endif /* LWIP_COMPAT_OPT_H */
