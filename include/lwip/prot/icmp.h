/** @file prot/icmp.h  ICMP message layout (RFC 792). */
#ifndef LWIP_PROT_ICMP_H
#define LWIP_PROT_ICMP_H

#define ICMP_HLEN 8
#define ICMP_OFF_TYPE 0
#define ICMP_OFF_CODE 1
#define ICMP_OFF_CHKSUM 2
#define ICMP_OFF_ID 4     /* echo */
#define ICMP_OFF_SEQNO 6  /* echo */
#define ICMP_OFF_UNUSED 4 /* errors: unused, or next-hop MTU in bytes 6-7 */

#define ICMP_ER 0  /* echo reply */
#define ICMP_DUR 3 /* destination unreachable */
#define ICMP_SQ 4  /* source quench */
#define ICMP_RD 5  /* redirect */
#define ICMP_ECHO 8
#define ICMP_TE 11 /* time exceeded */
#define ICMP_PP 12 /* parameter problem */
#define ICMP_TS 13 /* timestamp */
#define ICMP_TSR 14
#define ICMP_AM 17
#define ICMP_AMR 18

/** Bytes of the offending datagram's payload quoted after its header
 *  (RFC 792; RFC 1812 allows more, 8 is what every host accepts). */
#define ICMP_DEST_UNREACH_DATASIZE 8

#endif
