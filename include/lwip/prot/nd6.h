/** @file prot/nd6.h  Neighbor Discovery message and option layouts (RFC 4861 4, 4.6). */
#ifndef LWIP_PROT_ND6_H
#define LWIP_PROT_ND6_H

/* Every ND message is sent and must arrive with hop limit 255 (RFC 4861
 * 7.1): a router would have decremented it, so it proves on-link origin. */
#define ND6_HOPLIM 255

/* Router Solicitation: type, code, checksum, reserved; options at 8. */
#define ND6_RS_HLEN 8
/* Router Advertisement (4.2) */
#define ND6_RA_HLEN 16
#define ND6_RA_OFF_CUR_HOPLIM 4
#define ND6_RA_OFF_FLAGS 5
#define ND6_RA_OFF_LIFETIME 6
#define ND6_RA_OFF_REACHABLE 8
#define ND6_RA_OFF_RETRANS 12
#define ND6_RA_FLAG_MANAGED 0x80U /* M: addresses from DHCPv6 */
#define ND6_RA_FLAG_OTHER 0x40U   /* O: other configuration from DHCPv6 */
#define ND6_RA_PRF_SHIFT 3        /* RFC 4191 2.2: Prf in bits 4..3 of the flags */
#define ND6_PRF_MASK 0x03U
#define ND6_PRF_HIGH 0x01U
#define ND6_PRF_MEDIUM 0x00U
#define ND6_PRF_RESERVED 0x02U
#define ND6_PRF_LOW 0x03U
/* Neighbor Solicitation (4.3) and Advertisement (4.4): target at 8 */
#define ND6_NS_HLEN 24
#define ND6_NA_HLEN 24
#define ND6_OFF_TARGET 8
#define ND6_NA_OFF_FLAGS 4
#define ND6_NA_FLAG_ROUTER 0x80U
#define ND6_NA_FLAG_SOLICITED 0x40U
#define ND6_NA_FLAG_OVERRIDE 0x20U
/* Redirect (4.5): target at 8, destination at 24 */
#define ND6_RD_HLEN 40
#define ND6_RD_OFF_DEST 24

/* Options (4.6): type, length in units of 8 bytes (0 is invalid). */
#define ND6_OPT_OFF_TYPE 0
#define ND6_OPT_OFF_LEN 1
#define ND6_OPT_SLLA 1   /* source link-layer address */
#define ND6_OPT_TLLA 2   /* target link-layer address */
#define ND6_OPT_PREFIX 3 /* prefix information */
#define ND6_OPT_RH 4     /* redirected header */
#define ND6_OPT_MTU 5
#define ND6_OPT_RIO 24    /* route information, RFC 4191 */
#define ND6_OPT_RDNSS 25  /* RFC 8106 */
#define ND6_OPT_DNSSL 31  /* RFC 8106 */
#define ND6_OPT_LLA_LEN 8 /* an Ethernet link-layer address option */

/* Prefix Information (4.6.2): length 4 (32 bytes). */
#define ND6_PIO_LEN 4
#define ND6_PIO_OFF_PLEN 2
#define ND6_PIO_OFF_FLAGS 3
#define ND6_PIO_FLAG_ONLINK 0x80U /* L */
#define ND6_PIO_FLAG_AUTO 0x40U   /* A */
#define ND6_PIO_OFF_VALID 4
#define ND6_PIO_OFF_PREF 8
#define ND6_PIO_OFF_PREFIX 16
/* MTU (4.6.4): length 1, the MTU at 4. */
#define ND6_MTU_OFF_MTU 4
/* Route Information (RFC 4191 2.3): length 1..3, prefix of that many
 * 8-byte units minus one from 8. */
#define ND6_RIO_OFF_PLEN 2
#define ND6_RIO_OFF_FLAGS 3
#define ND6_RIO_OFF_LIFETIME 4
#define ND6_RIO_OFF_PREFIX 8
/* RDNSS (RFC 8106 5.1): length 3 + 2n, lifetime at 4, addresses from 8.
 * DNSSL (5.2): length >= 2, lifetime at 4, names in DNS wire form from 8. */
#define ND6_DNSOPT_OFF_LIFETIME 4
#define ND6_DNSOPT_OFF_DATA 8
/* Redirect: the redirected-header option is only skipped. */
#define ND6_LIFETIME_INFINITE 0xffffffffUL

#endif
