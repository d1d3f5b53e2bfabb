/*
 * The memory pools: LWIP_MEMPOOL(NAME, element size, element count, description).
 * Included several times with different definitions of LWIP_MEMPOOL; the
 * size expression is only evaluated in memp.c, which includes the headers
 * that define the structures.  Private: applications use memp.h.
 */
LWIP_MEMPOOL(PBUF, sizeof(struct pbuf), MEMP_NUM_PBUF, "PBUF_REF/ROM")
LWIP_MEMPOOL(PBUF_POOL, SIZEOF_STRUCT_PBUF + LWIP_MEM_ALIGN_SIZE(PBUF_POOL_BUFSIZE), PBUF_POOL_SIZE, "PBUF_POOL")
LWIP_MEMPOOL(SYS_TIMEOUT, sizeof(struct sys_timeo), MEMP_NUM_TIMEOUTS, "SYS_TIMEOUT")
#if LWIP_UDP
LWIP_MEMPOOL(UDP_PCB, sizeof(struct udp_pcb), MEMP_NUM_UDP_PCB, "UDP_PCB")
#endif
#if LWIP_RAW
LWIP_MEMPOOL(RAW_PCB, sizeof(struct raw_pcb), MEMP_NUM_RAW_PCB, "RAW_PCB")
#endif
#if LWIP_TCP
LWIP_MEMPOOL(TCP_PCB, sizeof(struct tcp_pcb), MEMP_NUM_TCP_PCB, "TCP_PCB")
LWIP_MEMPOOL(TCP_PCB_LISTEN, sizeof(struct tcp_pcb_listen), MEMP_NUM_TCP_PCB_LISTEN, "TCP_PCB_LISTEN")
LWIP_MEMPOOL(TCP_SEG, sizeof(struct tcp_seg), MEMP_NUM_TCP_SEG, "TCP_SEG")
#if LWIP_TCP_SYNQ_COOKIES
LWIP_MEMPOOL(TCP_SYNQ, sizeof(struct tcp_synq_entry), MEMP_NUM_TCP_SYNQ, "TCP_SYNQ")
#endif
#endif
#if IP_REASSEMBLY
LWIP_MEMPOOL(REASSDATA, sizeof(struct ip_reassdata), MEMP_NUM_REASSDATA, "REASSDATA")
#endif
#if LWIP_IPV6
LWIP_MEMPOOL(IP6_FRAG, sizeof(struct ip6_frag_node), IP6_REASS_MAX_FRAGS, "IP6_FRAG")
#endif
#if LWIP_IGMP
LWIP_MEMPOOL(IGMP_GROUP, sizeof(struct igmp_group), IGMP_GROUPS, "IGMP_GROUP")
#endif
#if LWIP_IPV6
LWIP_MEMPOOL(MLD6_GROUP, sizeof(struct mld6_group), MLD6_GROUPS, "MLD6_GROUP")
#endif
#undef LWIP_MEMPOOL
