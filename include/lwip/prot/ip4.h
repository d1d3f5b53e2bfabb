/** @file prot/ip4.h  IPv4 header layout (RFC 791 3.1). */
#ifndef LWIP_PROT_IP4_H
#define LWIP_PROT_IP4_H

#define IP_HLEN 20       /* header without options */
#define IP_HLEN_MAX 60
#define IP4_OFF_VHL 0    /* version (4 bits) and header length in words (4 bits) */
#define IP4_OFF_TOS 1
#define IP4_OFF_LEN 2
#define IP4_OFF_ID 4
#define IP4_OFF_OFFSET 6 /* flags (3 bits) and fragment offset in 8-byte units */
#define IP4_OFF_TTL 8
#define IP4_OFF_PROTO 9
#define IP4_OFF_CHKSUM 10
#define IP4_OFF_SRC 12
#define IP4_OFF_DEST 16

#define IP_RF 0x8000U      /* reserved fragment flag */
#define IP_DF 0x4000U      /* don't fragment */
#define IP_MF 0x2000U      /* more fragments */
#define IP_OFFMASK 0x1fffU /* fragment offset */

/* The ECN field: the low two bits of the TOS octet (IPv6: of the traffic
 * class), RFC 3168 5. */
#define IP_ECN_MASK 0x03U
#define IP_ECN_NOT_ECT 0x00U
#define IP_ECN_ECT1 0x01U
#define IP_ECN_ECT0 0x02U
#define IP_ECN_CE 0x03U

#define IP_PROTO_ICMP 1
#define IP_PROTO_IGMP 2
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IP_PROTO_UDPLITE 136

/* Option types (RFC 791 3.1, RFC 2113) */
#define IP_OPT_EOL 0
#define IP_OPT_NOP 1
#define IP_OPT_ROUTER_ALERT 148

#endif
