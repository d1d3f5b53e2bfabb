/** @file prot/etharp.h  ARP packet layout for Ethernet/IPv4 (RFC 826). */
#ifndef LWIP_PROT_ETHARP_H
#define LWIP_PROT_ETHARP_H

#define SIZEOF_ETHARP_HDR 28
#define ARP_OFF_HWTYPE 0
#define ARP_OFF_PROTO 2
#define ARP_OFF_HWLEN 4
#define ARP_OFF_PROTOLEN 5
#define ARP_OFF_OPCODE 6
#define ARP_OFF_SHWADDR 8
#define ARP_OFF_SIPADDR 14
#define ARP_OFF_DHWADDR 18
#define ARP_OFF_DIPADDR 24

#define LWIP_IANA_HWTYPE_ETHERNET 1
#define ARP_REQUEST 1
#define ARP_REPLY 2

#endif
