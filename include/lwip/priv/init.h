/**
 * @file priv/init.h
 * Module initialisers called by lwip_init().  Each one resets the module's
 * state completely, so lwip_init() may be called again (unit tests do,
 * before every test case).  Private: applications call lwip_init().
 */
#ifndef LWIP_PRIV_INIT_H
#define LWIP_PRIV_INIT_H

#include "lwip/opt.h"

#if LWIP_STATS
void stats_init(void);
#else
/* No counters to reset without stats. */
static inline void stats_init(void)
{
}
#endif
void etharp_init(void);
void ip4_init(void);
void ip4_frag_init(void);
void icmp_init(void);
void udp_init(void);
void raw_init(void);
void igmp_init(void);
void tcp_init(void);
void dhcp_init(void);
void dhcp6_init(void);
void dns_init(void);
void ip6_init(void);
void ip6_frag_init(void);
void icmp6_init(void);
void nd6_init(void);

#endif
