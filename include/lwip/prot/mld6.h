/**
 * @file prot/mld6.h
 * Multicast Listener Discovery message layouts: MLDv1 (RFC 2710 3) and
 * MLDv2 (RFC 3810 5).  Every MLD message is an ICMPv6 message (types in
 * prot/icmp6.h) sent with hop limit 1 and a Router Alert option (RFC 2711)
 * in a Hop-by-Hop Options header.
 */
#ifndef LWIP_PROT_MLD6_H
#define LWIP_PROT_MLD6_H

/* MLDv1 Query, Report and Done, and the start of an MLDv2 Query (RFC 2710
 * 3, RFC 3810 5.1): type, code, checksum, Maximum Response Code (a delay
 * in ms for v1), reserved, multicast address. */
#define MLD6_OFF_MAXRESP 4
#define MLD6_OFF_GROUP 8
#define MLD6_V1_LEN 24 /**< every MLDv1 message, and an MLDv1 Query exactly (RFC 3810 8.1) */

/* MLDv2 Query (RFC 3810 5.1): after the multicast address, S flag (5.1.7)
 * and QRV (5.1.8), QQIC (5.1.9), number of sources (5.1.10), then the
 * sources. */
#define MLD6_Q2_OFF_SQRV 24
#define MLD6_Q2_OFF_QQIC 25
#define MLD6_Q2_OFF_NSRC 26
#define MLD6_Q2_OFF_SRC 28
#define MLD6_Q2_MINLEN 28 /**< an MLDv2 Query is at least this long (RFC 3810 8.1) */
#define MLD6_Q2_QRV_MASK 0x07U

/* MLDv2 Report (RFC 3810 5.2): type 143, reserved, checksum, reserved,
 * number of records, then the records. */
#define MLD6_R2_OFF_NREC 6
#define MLD6_R2_HLEN 8
/* Multicast Address Record (5.2.4): type, aux data length, number of
 * sources, multicast address, sources. */
#define MLD6_REC_OFF_TYPE 0
#define MLD6_REC_OFF_AUXLEN 1
#define MLD6_REC_OFF_NSRC 2
#define MLD6_REC_OFF_GROUP 4
#define MLD6_REC_HLEN 20

/* Record types (RFC 3810 5.2.12). */
#define MLD6_MODE_IS_INCLUDE 1
#define MLD6_MODE_IS_EXCLUDE 2
#define MLD6_CHANGE_TO_INCLUDE 3
#define MLD6_CHANGE_TO_EXCLUDE 4
#define MLD6_ALLOW_NEW_SOURCES 5
#define MLD6_BLOCK_OLD_SOURCES 6

/* The Hop-by-Hop Options header we put in front of every MLD message: next
 * header, length 0 (8 bytes), Router Alert (type 5, length 2, value 0 =
 * "Multicast Listener Discovery message", RFC 2711 2.1), PadN of 2. */
#define MLD6_HBH_LEN 8
#define MLD6_RA_VALUE_MLD 0

#endif
