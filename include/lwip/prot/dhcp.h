/** @file prot/dhcp.h  DHCP message layout (RFC 2131 2, RFC 2132 options). */
#ifndef LWIP_PROT_DHCP_H
#define LWIP_PROT_DHCP_H

#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67

/* Fixed BOOTP/DHCP header: byte offsets (RFC 2131 figure 1). */
#define DHCP_OFF_OP 0
#define DHCP_OFF_HTYPE 1
#define DHCP_OFF_HLEN 2
#define DHCP_OFF_HOPS 3
#define DHCP_OFF_XID 4
#define DHCP_OFF_SECS 8
#define DHCP_OFF_FLAGS 10
#define DHCP_OFF_CIADDR 12
#define DHCP_OFF_YIADDR 16
#define DHCP_OFF_SIADDR 20
#define DHCP_OFF_GIADDR 24
#define DHCP_OFF_CHADDR 28
#define DHCP_OFF_SNAME 44
#define DHCP_OFF_FILE 108
#define DHCP_OFF_COOKIE 236
#define DHCP_OFF_OPTIONS 240
#define DHCP_CHADDR_LEN 16
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_LEN 128
/** The fixed part and the magic cookie: a message is at least this long. */
#define DHCP_MIN_MSG_LEN 240
/** BOOTP relays may drop anything shorter (RFC 1542 2.1): we pad to it. */
#define DHCP_MIN_SEND_LEN 300
/** Every DHCP participant must accept this much (RFC 2131 2). */
#define DHCP_MAX_MSG_LEN_MIN 576

#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY 2
#define DHCP_HTYPE_ETH 1
#define DHCP_FLAG_BROADCAST 0x8000U
#define DHCP_MAGIC_COOKIE 0x63825363UL

/* Message types (option 53, RFC 2132 9.6). */
#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define DHCP_DECLINE 4
#define DHCP_ACK 5
#define DHCP_NAK 6
#define DHCP_RELEASE 7
#define DHCP_INFORM 8

/* Options (RFC 2132). */
#define DHCP_OPTION_PAD 0
#define DHCP_OPTION_SUBNET_MASK 1
#define DHCP_OPTION_ROUTER 3
#define DHCP_OPTION_DNS_SERVER 6
#define DHCP_OPTION_HOSTNAME 12
#define DHCP_OPTION_DOMAIN_NAME 15
#define DHCP_OPTION_BROADCAST 28
#define DHCP_OPTION_NTP_SERVER 42
#define DHCP_OPTION_REQUESTED_IP 50
#define DHCP_OPTION_LEASE_TIME 51
#define DHCP_OPTION_OVERLOAD 52
#define DHCP_OPTION_MESSAGE_TYPE 53
#define DHCP_OPTION_SERVER_ID 54
#define DHCP_OPTION_PARAMETER_REQUEST_LIST 55
#define DHCP_OPTION_MESSAGE 56
#define DHCP_OPTION_MAX_MSG_SIZE 57
#define DHCP_OPTION_T1 58
#define DHCP_OPTION_T2 59
#define DHCP_OPTION_CLIENT_ID 61
#define DHCP_OPTION_END 255

/* Option 52 values: which header fields carry options too. */
#define DHCP_OVERLOAD_FILE 1
#define DHCP_OVERLOAD_SNAME 2
#define DHCP_OVERLOAD_SNAME_FILE 3

#endif
