/**
 * @file prot/dhcp6.h
 * DHCPv6 message layout and constants (RFC 8415): the client/server
 * message header (8), the option format (21.1) and the options the client
 * sends or reads, status codes (21.13), DUID types (11) and the
 * transmission parameters of 7.6.
 */
#ifndef LWIP_PROT_DHCP6_H
#define LWIP_PROT_DHCP6_H

/* RFC 8415 7.2: clients listen on 546, servers and relay agents on 547. */
#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547

/* Client/server message (RFC 8415 8): msg-type, a 24-bit transaction id,
 * then options. */
#define DHCP6_OFF_TYPE 0
#define DHCP6_OFF_XID 1
#define DHCP6_HLEN 4

/* Message types (RFC 8415 7.3). */
#define DHCP6_SOLICIT 1
#define DHCP6_ADVERTISE 2
#define DHCP6_REQUEST 3
#define DHCP6_CONFIRM 4
#define DHCP6_RENEW 5
#define DHCP6_REBIND 6
#define DHCP6_REPLY 7
#define DHCP6_RELEASE 8
#define DHCP6_DECLINE 9
#define DHCP6_RECONFIGURE 10
#define DHCP6_INFORMATION_REQUEST 11

/* Option header (RFC 8415 21.1): option-code and option-len, 16 bits each. */
#define DHCP6_OPT_HLEN 4

/* Option codes (RFC 8415 21, RFC 3646 for 23 and 24). */
#define DHCP6_OPTION_CLIENTID 1
#define DHCP6_OPTION_SERVERID 2
#define DHCP6_OPTION_IA_NA 3
#define DHCP6_OPTION_IAADDR 5
#define DHCP6_OPTION_ORO 6
#define DHCP6_OPTION_PREFERENCE 7
#define DHCP6_OPTION_ELAPSED_TIME 8
#define DHCP6_OPTION_STATUS_CODE 13
#define DHCP6_OPTION_RAPID_COMMIT 14
#define DHCP6_OPTION_DNS_SERVERS 23
#define DHCP6_OPTION_DOMAIN_LIST 24
#define DHCP6_OPTION_INFORMATION_REFRESH_TIME 32
#define DHCP6_OPTION_SOL_MAX_RT 82
#define DHCP6_OPTION_INF_MAX_RT 83

/* IA_NA body (RFC 8415 21.4): IAID, T1, T2, then IA_NA-options. */
#define DHCP6_IA_NA_OFF_IAID 0
#define DHCP6_IA_NA_OFF_T1 4
#define DHCP6_IA_NA_OFF_T2 8
#define DHCP6_IA_NA_LEN 12

/* IA Address body (RFC 8415 21.6): address, preferred and valid
 * lifetimes, then IAaddr-options. */
#define DHCP6_IAADDR_OFF_ADDR 0
#define DHCP6_IAADDR_OFF_PREF 16
#define DHCP6_IAADDR_OFF_VALID 20
#define DHCP6_IAADDR_LEN 24

/* Status codes (RFC 8415 21.13). */
#define DHCP6_STATUS_SUCCESS 0
#define DHCP6_STATUS_UNSPEC_FAIL 1
#define DHCP6_STATUS_NO_ADDRS_AVAIL 2
#define DHCP6_STATUS_NO_BINDING 3
#define DHCP6_STATUS_NOT_ON_LINK 4
#define DHCP6_STATUS_USE_MULTICAST 5

/* DUID types (RFC 8415 11.1) and the hardware type of Ethernet (RFC 826). */
#define DHCP6_DUID_LLT 1
#define DHCP6_DUID_EN 2
#define DHCP6_DUID_LL 3
#define DHCP6_HWTYPE_ETHERNET 1
/** A DUID is at most 128 bytes long, its 2-byte type included (RFC 8415 11.1). */
#define DHCP6_DUID_MAX_LEN 130

/** The lifetime that never ends (RFC 8415 7.7). */
#define DHCP6_INFINITY 0xffffffffUL

/* Transmission and retransmission parameters (RFC 8415 7.6), ms. */
#define DHCP6_SOL_MAX_DELAY_MS 1000U
#define DHCP6_SOL_TIMEOUT_MS 1000U
#define DHCP6_SOL_MAX_RT_MS 3600000UL
#define DHCP6_REQ_TIMEOUT_MS 1000U
#define DHCP6_REQ_MAX_RT_MS 30000U
#define DHCP6_REQ_MAX_RC 10U
#define DHCP6_REN_TIMEOUT_MS 10000U
#define DHCP6_REN_MAX_RT_MS 600000UL
#define DHCP6_REB_TIMEOUT_MS 10000U
#define DHCP6_REB_MAX_RT_MS 600000UL
#define DHCP6_INF_MAX_DELAY_MS 1000U
#define DHCP6_INF_TIMEOUT_MS 1000U
#define DHCP6_INF_MAX_RT_MS 3600000UL
#define DHCP6_REL_TIMEOUT_MS 1000U
#define DHCP6_REL_MAX_RC 4U
#define DHCP6_DEC_TIMEOUT_MS 1000U
#define DHCP6_DEC_MAX_RC 4U
/** Information refresh time when the server gives none, and its floor (RFC 8415 7.6, 21.23). */
#define DHCP6_IRT_DEFAULT_S 86400UL
#define DHCP6_IRT_MINIMUM_S 600UL
/** Bounds of SOL_MAX_RT and INF_MAX_RT sent by a server (RFC 8415 21.24, 21.25). */
#define DHCP6_MAX_RT_OPT_MIN_S 60UL
#define DHCP6_MAX_RT_OPT_MAX_S 86400UL

#endif
