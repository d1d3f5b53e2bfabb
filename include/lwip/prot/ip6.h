/** @file prot/ip6.h  IPv6 header and extension header layouts (RFC 8200). */
#ifndef LWIP_PROT_IP6_H
#define LWIP_PROT_IP6_H

/* Fixed header (RFC 8200 3) */
#define IP6_HLEN 40
#define IP6_OFF_VTCFL 0 /* version (4 bits), traffic class (8), flow label (20) */
#define IP6_OFF_PLEN 4  /* payload length: everything after the fixed header */
#define IP6_OFF_NEXTH 6
#define IP6_OFF_HOPLIM 7
#define IP6_OFF_SRC 8
#define IP6_OFF_DEST 24
#define IP6_ADDR_LEN 16

/** The smallest link MTU IPv6 may run over (RFC 8200 5): no path MTU below
 *  it is ever believed, and every host reassembles at least 1500 bytes. */
#define IP6_MIN_MTU 1280

/* Next header values (IANA protocol numbers) */
#define IP6_NEXTH_HOPBYHOP 0
#define IP6_NEXTH_TCP 6
#define IP6_NEXTH_UDP 17
#define IP6_NEXTH_ROUTING 43
#define IP6_NEXTH_FRAGMENT 44
#define IP6_NEXTH_ESP 50
#define IP6_NEXTH_AH 51
#define IP6_NEXTH_ICMP6 58
#define IP6_NEXTH_NONE 59
#define IP6_NEXTH_DESTOPTS 60
#define IP6_NEXTH_UDPLITE 136

/* Hop-by-Hop and Destination Options headers (RFC 8200 4.3, 4.6): next
 * header, length in 8-byte units not counting the first 8, then options. */
#define IP6_EXT_OFF_NEXTH 0
#define IP6_EXT_OFF_LEN 1
#define IP6_OPT_HLEN 2 /* option type and data length */

#define IP6_OPT_PAD1 0
#define IP6_OPT_PADN 1
#define IP6_OPT_ROUTER_ALERT 5 /* RFC 2711 */
#define IP6_OPT_JUMBO 0xc2     /* RFC 2675: no link we run on carries jumbograms */
/** The two high bits of an option type: what to do with an unknown option
 *  (RFC 8200 4.2). */
#define IP6_OPT_ACTION(type) ((u8_t)((type) >> 6))
#define IP6_OPT_ACTION_SKIP 0
#define IP6_OPT_ACTION_DISCARD 1
#define IP6_OPT_ACTION_ICMP 2
#define IP6_OPT_ACTION_ICMP_UNICAST 3

/* Routing header (RFC 8200 4.4) */
#define IP6_RH_OFF_TYPE 2
#define IP6_RH_OFF_SEGLEFT 3
#define IP6_RH_TYPE0 0 /* deprecated, RFC 5095 */

/* Fragment header (RFC 8200 4.5): 8 bytes, length field reserved. */
#define IP6_FRAG_HLEN 8
#define IP6_FRAG_OFF_OFFSET 2 /* offset in 8-byte units (13 bits), 2 reserved bits, M flag */
#define IP6_FRAG_OFF_ID 4
#define IP6_FRAG_OFFSET_MASK 0xfff8U
#define IP6_FRAG_MORE 0x0001U

#endif
