/**
 * @file init.c
 * lwip_init(): bring every module to its initial state.
 */
#include "lwip/init.h"
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/priv/init.h"

/* Compile-time checks of the configuration that meson cannot see. */
_Static_assert(PBUF_POOL_BUFSIZE >= PBUF_TRANSPORT, "a PBUF_POOL buffer must hold all protocol headers");
_Static_assert(MEM_SIZE >= 1024, "the heap must hold at least a few packets");
_Static_assert(ARP_QUEUE_LEN >= 1, "each ARP entry must queue at least the latest packet (RFC 1122 2.3.2.2)");

void lwip_init(void)
{
  /* Order matters: memory first, then the timer list (which allocates
   * from a pool), then interfaces (lo0 comes up here) and protocols. */
  mem_init();
  memp_init();
  stats_init();
  sys_timeouts_init();
#if LWIP_ARP
  etharp_init();
#endif
  ip4_init();
#if IP_REASSEMBLY
  ip4_frag_init();
#endif
  icmp_init();
#if LWIP_IPV6
  ip6_init();
  ip6_frag_init();
  icmp6_init();
  nd6_init();
#endif
#if LWIP_UDP
  udp_init();
#endif
#if LWIP_RAW
  raw_init();
#endif
#if LWIP_IGMP
  igmp_init();
#endif
#if LWIP_TCP
  tcp_init();
#endif
#if LWIP_DHCP
  dhcp_init();
#endif
#if LWIP_DHCP6
  dhcp6_init();
#endif
#if LWIP_DNS
  dns_init();
#endif
  netif_init();
  LWIP_LOG(CORE, INFO, "%s initialised", LWIP_VERSION_STRING_FULL);
}
