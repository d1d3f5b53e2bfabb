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

#endif
