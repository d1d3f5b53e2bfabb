/** @file prot/igmp.h  IGMPv2 message layout (RFC 2236 2). */
#ifndef LWIP_PROT_IGMP_H
#define LWIP_PROT_IGMP_H

#define IGMP_MINLEN 8
#define IGMP_OFF_TYPE 0
#define IGMP_OFF_MAXRESP 1 /* max response time, tenths of a second */
#define IGMP_OFF_CHKSUM 2
#define IGMP_OFF_GROUP 4

#define IGMP_MEMB_QUERY 0x11
#define IGMP_V1_MEMB_REPORT 0x12
#define IGMP_V2_MEMB_REPORT 0x16
#define IGMP_LEAVE_GROUP 0x17

#endif
