/** @file prot/ethernet.h  Ethernet II frame layout (IEEE 802.3, RFC 894). */
#ifndef LWIP_PROT_ETHERNET_H
#define LWIP_PROT_ETHERNET_H

#include "lwip/arch.h"

#define ETH_HWADDR_LEN 6
#define SIZEOF_ETH_HDR 14
#define ETH_OFF_DEST 0
#define ETH_OFF_SRC 6
#define ETH_OFF_TYPE 12
#define SIZEOF_VLAN_HDR 4

/** Smallest frame without FCS: shorter ones are padded on output. */
#define ETH_MIN_FRAME_LEN 60

struct eth_addr {
  u8_t addr[ETH_HWADDR_LEN];
};
#define ETH_ADDR(b0, b1, b2, b3, b4, b5) {{b0, b1, b2, b3, b4, b5}}

enum eth_type {
  ETHTYPE_IP = 0x0800U,
  ETHTYPE_ARP = 0x0806U,
  ETHTYPE_VLAN = 0x8100U,
  ETHTYPE_IPV6 = 0x86DDU,
  ETHTYPE_QINQ = 0x88A8U,
};

/** The multicast bit of the first address byte (IEEE 802). */
#define ETH_IS_MULTICAST(a) (((a)[0] & 0x01U) != 0)
/** IPv4 multicast MACs start 01:00:5e (RFC 1112 6.4). */
#define LL_IP4_MULTICAST_ADDR_0 0x01
#define LL_IP4_MULTICAST_ADDR_1 0x00
#define LL_IP4_MULTICAST_ADDR_2 0x5e

#endif
