/** @file prot/dns.h  DNS message layout (RFC 1035 4.1, AAAA RFC 3596,
 *  mDNS RFC 6762). */
#ifndef LWIP_PROT_DNS_H
#define LWIP_PROT_DNS_H

/** Well-known ports: DNS (RFC 1035 4.2) and multicast DNS (RFC 6762 3). */
#define DNS_SERVER_PORT 53
#define DNS_MQUERY_PORT 5353
/** mDNS IPv4 group 224.0.0.251 (RFC 6762 3), host order. */
#define DNS_MQUERY_IPV4_GROUP 0xe00000fbUL

/* Header (RFC 1035 4.1.1): 12 bytes. */
#define DNS_HDR_LEN 12
#define DNS_OFF_ID 0
#define DNS_OFF_FLAGS 2
#define DNS_OFF_QDCOUNT 4
#define DNS_OFF_ANCOUNT 6
#define DNS_OFF_NSCOUNT 8
#define DNS_OFF_ARCOUNT 10

/* Flags word, host order. */
#define DNS_FLAG_QR 0x8000U
#define DNS_FLAG_OPCODE_MASK 0x7800U
#define DNS_FLAG_AA 0x0400U
#define DNS_FLAG_TC 0x0200U
#define DNS_FLAG_RD 0x0100U
#define DNS_FLAG_RA 0x0080U
#define DNS_FLAG_RCODE_MASK 0x000fU

/* RCODE values (RFC 1035 4.1.1). */
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5

/* Question trailer: QTYPE, QCLASS after the name (RFC 1035 4.1.2). */
#define DNS_QUESTION_TRAILER_LEN 4
/* Resource record fixed part after the owner name (RFC 1035 4.1.3):
 * TYPE 2, CLASS 2, TTL 4, RDLENGTH 2. */
#define DNS_RR_FIXED_LEN 10
#define DNS_RR_OFF_TYPE 0
#define DNS_RR_OFF_CLASS 2
#define DNS_RR_OFF_TTL 4
#define DNS_RR_OFF_RDLEN 8

/* Types and classes. */
#define DNS_RRTYPE_A 1
#define DNS_RRTYPE_CNAME 5
#define DNS_RRTYPE_AAAA 28
#define DNS_RRTYPE_PTR 12
#define DNS_RRTYPE_TXT 16
#define DNS_RRTYPE_SRV 33  /* RFC 2782 */
#define DNS_RRTYPE_ANY 255 /* QTYPE "*" (RFC 1035 3.2.3) */
#define DNS_RRCLASS_IN 1
#define DNS_RRCLASS_ANY 255 /* QCLASS "*" */
/** mDNS uses the top bit of the class: unicast-response in questions,
 *  cache-flush in records (RFC 6762 5.4, 10.2). */
#define DNS_RRCLASS_MDNS_FLAG 0x8000U

/* Names (RFC 1035 2.3.4, 4.1.4). */
#define DNS_LABEL_MAX 63
#define DNS_NAME_WIRE_MAX 255
#define DNS_LABEL_PTR_MASK 0xc0U
#define DNS_PTR_OFFSET_MASK 0x3fffU

/** Largest message a plain UDP resolver expects (RFC 1035 4.2.1).  We do
 *  not send EDNS0, so a server must not answer with more. */
#define DNS_UDP_MSG_MAX 512

#endif
