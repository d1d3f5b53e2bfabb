/** @file prot/icmp6.h  ICMPv6 message layout (RFC 4443). */
#ifndef LWIP_PROT_ICMP6_H
#define LWIP_PROT_ICMP6_H

#define ICMP6_HLEN 8
#define ICMP6_OFF_TYPE 0
#define ICMP6_OFF_CODE 1
#define ICMP6_OFF_CHKSUM 2
#define ICMP6_OFF_ID 4    /* echo */
#define ICMP6_OFF_SEQNO 6 /* echo */
#define ICMP6_OFF_DATA 4  /* errors: unused, MTU (Packet Too Big) or pointer (Parameter Problem) */

/* Error messages have types 0..127 (RFC 4443 2.1) */
#define ICMP6_TYPE_DUR 1    /* destination unreachable */
#define ICMP6_TYPE_PTB 2    /* packet too big */
#define ICMP6_TYPE_TE 3     /* time exceeded */
#define ICMP6_TYPE_PP 4     /* parameter problem */
#define ICMP6_TYPE_EREQ 128 /* echo request */
#define ICMP6_TYPE_EREP 129 /* echo reply */
#define ICMP6_TYPE_MLQ 130  /* multicast listener query */
#define ICMP6_TYPE_MLR 131  /* MLDv1 report */
#define ICMP6_TYPE_MLD 132  /* MLDv1 done */
#define ICMP6_TYPE_RS 133   /* router solicitation (RFC 4861) */
#define ICMP6_TYPE_RA 134   /* router advertisement */
#define ICMP6_TYPE_NS 135   /* neighbor solicitation */
#define ICMP6_TYPE_NA 136   /* neighbor advertisement */
#define ICMP6_TYPE_RD 137   /* redirect */
#define ICMP6_TYPE_MLR2 143 /* MLDv2 report (RFC 3810) */
#define ICMP6_TYPE_IS_ERROR(t) ((t) < 128)

/* Destination Unreachable codes */
#define ICMP6_DUR_NO_ROUTE 0
#define ICMP6_DUR_PROHIBITED 1
#define ICMP6_DUR_SCOPE 2
#define ICMP6_DUR_ADDRESS 3
#define ICMP6_DUR_PORT 4
#define ICMP6_DUR_POLICY 5
#define ICMP6_DUR_REJECT_ROUTE 6

/* Time Exceeded codes */
#define ICMP6_TE_HL 0   /* hop limit exceeded in transit */
#define ICMP6_TE_FRAG 1 /* fragment reassembly time exceeded */

/* Parameter Problem codes (RFC 4443 3.4, RFC 7112 for code 3) */
#define ICMP6_PP_FIELD 0      /* erroneous header field */
#define ICMP6_PP_HEADER 1     /* unrecognized next header */
#define ICMP6_PP_OPTION 2     /* unrecognized IPv6 option */
#define ICMP6_PP_INCOMPLETE 3 /* first fragment lacks the header chain */

#endif
