/** @file prot/tcp.h  TCP header layout (RFC 9293 3.1) and options. */
#ifndef LWIP_PROT_TCP_H
#define LWIP_PROT_TCP_H

#define TCP_HLEN 20          /* header without options */
#define TCP_HLEN_MAX 60
#define TCP_OFF_SRC 0
#define TCP_OFF_DEST 2
#define TCP_OFF_SEQ 4
#define TCP_OFF_ACK 8
#define TCP_OFF_HDRLEN 12    /* data offset in the high 4 bits, in 32-bit words */
#define TCP_OFF_FLAGS 13
#define TCP_OFF_WND 14
#define TCP_OFF_CHKSUM 16
#define TCP_OFF_URP 18

#define TCP_FIN 0x01U
#define TCP_SYN 0x02U
#define TCP_RST 0x04U
#define TCP_PSH 0x08U
#define TCP_ACK 0x10U
#define TCP_URG 0x20U
#define TCP_ECE 0x40U
#define TCP_CWR 0x80U

/* Options (RFC 9293 3.2, RFC 7323, RFC 2018) */
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2       /* len 4 */
#define TCP_OPT_WS 3        /* len 3 */
#define TCP_OPT_SACK_PERM 4 /* len 2 */
#define TCP_OPT_SACK 5      /* len 2 + 8n */
#define TCP_OPT_TS 8        /* len 10 */

#define TCP_OPTLEN_MSS 4
#define TCP_OPTLEN_WS 3
#define TCP_OPTLEN_SACK_PERM 2
#define TCP_OPTLEN_TS 10

/* The data offset's 4 bits allow 60 header bytes: 40 for options. */
#define TCP_MAX_OPT_ROOM 40

#endif
