/** @file prot/udp.h  UDP header layout (RFC 768; UDP-Lite RFC 3828). */
#ifndef LWIP_PROT_UDP_H
#define LWIP_PROT_UDP_H

#define UDP_HLEN 8
#define UDP_OFF_SRC 0
#define UDP_OFF_DEST 2
#define UDP_OFF_LEN 4 /* UDP-Lite: checksum coverage */
#define UDP_OFF_CHKSUM 6

#endif
