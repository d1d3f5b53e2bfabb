/**
 * @file stats.h
 * Statistics: counters per protocol, a named counter for every drop reason,
 * and (in mem.h / memp.h) used/max/err per pool and for the heap.
 *
 * Every place that discards a packet calls LWIP_DROP(REASON) exactly once.
 * That bumps the reason's own counter, the protocol's drop counter and the
 * error class the reason belongs to (length, checksum, memory, ...), and
 * writes one debug line naming the reason.  With stats and debug disabled it
 * compiles to nothing.
 */
#ifndef LWIP_STATS_H
#define LWIP_STATS_H

#include "lwip/opt.h"
#include "lwip/debug.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Protocols with counters: id, display name, log module. */
#define LWIP_STATS_PROTOS(X) \
  X(ETH, "eth", ETH)       \
  X(ARP, "arp", ARP)       \
  X(IP4, "ip4", IP4)       \
  X(FRAG, "ip4frag", FRAG) \
  X(ICMP, "icmp", ICMP)    \
  X(IGMP, "igmp", IGMP)    \
  X(IP6, "ip6", IP6)       \
  X(IP6FRAG, "ip6frag", IP6) \
  X(ICMP6, "icmp6", ICMP6) \
  X(ND6, "nd6", ND6)       \
  X(MLD6, "mld6", MLD6)    \
  X(DHCP6, "dhcp6", DHCP6) \
  X(UDP, "udp", UDP)       \
  X(TCP, "tcp", TCP)       \
  X(RAW, "raw", RAW)       \
  X(DHCP, "dhcp", DHCP)    \
  X(ACD, "acd", ACD)       \
  X(DNS, "dns", DNS)       \
  X(SNTP, "sntp", SNTP)    \
  X(HTTP, "http", HTTP)    \
  X(TFTP, "tftp", TFTP)    \
  X(MQTT, "mqtt", MQTT) \
  X(MDNS, "mdns", MDNS)

enum lwip_stats_proto_id {
#define LWIP_STATS_PROTO_ENUM_(id, name, mod) LWIP_PROTO_##id,
  LWIP_STATS_PROTOS(LWIP_STATS_PROTO_ENUM_)
#undef LWIP_STATS_PROTO_ENUM_
  LWIP_PROTO_COUNT
};

/** Error classes; a drop reason belongs to one (or to none: a packet that is
 *  fine but not for us). */
enum lwip_err_class {
  LWIP_EC_NONE,
  LWIP_EC_LEN,   /**< truncated or inconsistent length */
  LWIP_EC_CHK,   /**< checksum error */
  LWIP_EC_MEM,   /**< out of pool or heap memory */
  LWIP_EC_RT,    /**< no route */
  LWIP_EC_PROTO, /**< protocol violation or unsupported feature */
  LWIP_EC_OPT,   /**< bad or unsupported option */
};

/** Every drop reason: id, protocol, error class, description. */
#define LWIP_DROP_REASONS(X) \
  X(ETH_SHORT, ETH, LEN, "frame shorter than an Ethernet header") \
  X(ETH_NOT_FOR_US, ETH, NONE, "destination MAC is neither ours, broadcast nor a joined multicast") \
  X(ETH_VLAN, ETH, PROTO, "802.1Q tagged frame (VLANs are not supported)") \
  X(ETH_UNKNOWN_TYPE, ETH, PROTO, "unknown EtherType") \
  X(ETH_OWN_SRC, ETH, NONE, "frame sent from our own MAC (looped back)") \
  X(ETH_NO_MEM, ETH, MEM, "no buffer for an outgoing frame header") \
  X(ARP_SHORT, ARP, LEN, "ARP packet shorter than 28 bytes") \
  X(ARP_BAD_FORMAT, ARP, PROTO, "ARP hardware/protocol type or address length not Ethernet/IPv4") \
  X(ARP_BAD_OP, ARP, PROTO, "ARP opcode neither request nor reply") \
  X(ARP_BAD_SENDER, ARP, PROTO, "ARP sender MAC or IP is broadcast, multicast or ours") \
  X(ARP_NOT_FOR_US, ARP, NONE, "ARP target is not our address") \
  X(ARP_QUEUE_FULL, ARP, MEM, "packet dropped: queue of the unresolved ARP entry is full") \
  X(ARP_TABLE_FULL, ARP, MEM, "ARP table full of entries that cannot be recycled") \
  X(ARP_NO_MEM, ARP, MEM, "no memory to queue a packet or build an ARP message") \
  X(ARP_UNRESOLVED, ARP, RT, "ARP request unanswered: queued packets discarded") \
  X(IP4_SHORT, IP4, LEN, "IPv4 packet shorter than its header") \
  X(IP4_BAD_VERSION, IP4, PROTO, "IP version is not 4") \
  X(IP4_BAD_HLEN, IP4, LEN, "IPv4 header length below 20 or beyond the packet") \
  X(IP4_BAD_TOTLEN, IP4, LEN, "IPv4 total length below the header length or beyond the frame") \
  X(IP4_BAD_CHKSUM, IP4, CHK, "IPv4 header checksum error") \
  X(IP4_BAD_SRC, IP4, PROTO, "IPv4 source is broadcast or multicast") \
  X(IP4_NOT_FOR_US, IP4, NONE, "IPv4 destination is not ours and forwarding is off") \
  X(IP4_TTL_EXCEEDED, IP4, NONE, "TTL reached zero while forwarding") \
  X(IP4_NO_ROUTE, IP4, RT, "no route to the destination") \
  X(IP4_NO_FORWARD, IP4, NONE, "not forwarded: link-local, broadcast, multicast or back out the same netif") \
  X(IP4_UNKNOWN_PROTO, IP4, PROTO, "no handler for the IP protocol number") \
  X(IP4_FRAG_DISABLED, IP4, PROTO, "fragment received but reassembly is disabled") \
  X(IP4_DF_TOO_BIG, IP4, RT, "datagram larger than the MTU with DF set") \
  X(IP4_NO_MEM, IP4, MEM, "no memory for an IPv4 header or fragment") \
  X(IP4_NETIF_DOWN, IP4, RT, "output netif is down or has no link") \
  X(FRAG_OVERLAP, FRAG, PROTO, "overlapping fragments: whole datagram dropped") \
  X(FRAG_INCONSISTENT, FRAG, PROTO, "fragments disagree on the datagram's end") \
  X(FRAG_TOO_BIG, FRAG, LEN, "reassembled datagram would exceed 65535 bytes") \
  X(FRAG_BAD_LEN, FRAG, LEN, "non-final fragment payload not a multiple of 8") \
  X(FRAG_TIMEOUT, FRAG, NONE, "reassembly timed out") \
  X(FRAG_LIMIT, FRAG, MEM, "reassembly memory limit reached") \
  X(FRAG_DUPLICATE, FRAG, NONE, "duplicate fragment ignored") \
  X(ICMP_SHORT, ICMP, LEN, "ICMP message shorter than 8 bytes") \
  X(ICMP_BAD_CHKSUM, ICMP, CHK, "ICMP checksum error") \
  X(ICMP_BCAST_ECHO, ICMP, NONE, "echo request to a broadcast or multicast address ignored") \
  X(ICMP_RATE_LIMIT, ICMP, NONE, "ICMP error suppressed by the rate limit (RFC 1812 4.3.2.8)") \
  X(ICMP_NO_MEM, ICMP, MEM, "no memory for an ICMP reply") \
  X(ICMP_UNHANDLED, ICMP, NONE, "ICMP type not handled") \
  X(IGMP_SHORT, IGMP, LEN, "IGMP message shorter than 8 bytes") \
  X(IGMP_BAD_CHKSUM, IGMP, CHK, "IGMP checksum error") \
  X(IGMP_BAD_DEST, IGMP, PROTO, "IGMP message to a destination that does not match its type") \
  X(IGMP_UNKNOWN_TYPE, IGMP, PROTO, "IGMP type not handled") \
  X(IGMP_NOT_MEMBER, IGMP, NONE, "IGMP message for a group we have not joined") \
  X(IGMP_NO_MEM, IGMP, MEM, "no memory for an IGMP report") \
  X(IP6_SHORT, IP6, LEN, "IPv6 packet shorter than its 40-byte header") \
  X(IP6_BAD_VERSION, IP6, PROTO, "IP version is not 6") \
  X(IP6_BAD_PLEN, IP6, LEN, "IPv6 payload length beyond the frame, or 0 (jumbograms are not supported)") \
  X(IP6_BAD_SRC, IP6, PROTO, "IPv6 source is multicast, or loopback from a wire (RFC 4291 2.5.3, 2.7)") \
  X(IP6_BAD_DEST, IP6, PROTO, "IPv6 destination unspecified, loopback or interface-local multicast from a wire") \
  X(IP6_NOT_FOR_US, IP6, NONE, "IPv6 destination is not ours and forwarding is off") \
  X(IP6_TENTATIVE, IP6, NONE, "IPv6 packet to an address still tentative or duplicate (RFC 4862 5.4)") \
  X(IP6_BAD_EXT_HDR, IP6, LEN, "IPv6 extension header truncated or its length beyond the packet") \
  X(IP6_HBH_NOT_FIRST, IP6, PROTO, "Hop-by-Hop Options header not right after the IPv6 header (RFC 8200 4.1)") \
  X(IP6_CHAIN_TOO_LONG, IP6, PROTO, "more IPv6 extension headers than the limit (RFC 8504 5.3)") \
  X(IP6_TOO_MANY_OPTS, IP6, OPT, "IPv6 options header over 256 bytes, or more options or padding than the limit (RFC 8504 5.3)") \
  X(IP6_BAD_OPTION, IP6, OPT, "IPv6 option truncated or of a wrong length") \
  X(IP6_OPT_DISCARD, IP6, OPT, "unknown IPv6 option whose type says discard (RFC 8200 4.2)") \
  X(IP6_ROUTING_HDR, IP6, PROTO, "Routing header with segments left (type 0 refused, RFC 5095)") \
  X(IP6_UNKNOWN_NEXTH, IP6, PROTO, "no handler for the IPv6 next header value") \
  X(IP6_NO_NEXT_HEADER, IP6, NONE, "IPv6 next header 59 (no next header)") \
  X(IP6_NO_ROUTE, IP6, RT, "no IPv6 route or next hop for the destination") \
  X(IP6_NO_SOURCE, IP6, RT, "no usable IPv6 source address on the outgoing netif") \
  X(IP6_NETIF_DOWN, IP6, RT, "IPv6 output netif is down or has no link") \
  X(IP6_TOO_BIG, IP6, RT, "IPv6 packet over the path MTU that cannot be fragmented (unfragmentable part too long)") \
  X(IP6_HOPLIM_EXCEEDED, IP6, NONE, "hop limit reached zero while forwarding (Time Exceeded sent)") \
  X(IP6_NO_FORWARD, IP6, NONE, "not forwarded: link-local or unspecified source, link-local or multicast destination, or back out the same netif") \
  X(IP6_FWD_TOO_BIG, IP6, RT, "forwarded packet larger than the outgoing MTU (Packet Too Big sent, RFC 8200 5)") \
  X(IP6_NO_MEM, IP6, MEM, "no memory for an IPv6 header") \
  X(IP6_FRAG_BAD_LEN, IP6FRAG, LEN, "IPv6 fragment other than the last empty or not a multiple of 8 bytes (RFC 8200 4.5)") \
  X(IP6_FRAG_TOO_BIG, IP6FRAG, LEN, "IPv6 fragment reaching beyond a 65535-byte payload (RFC 8200 4.5) or packet") \
  X(IP6_FRAG_INCOMPLETE_CHAIN, IP6FRAG, PROTO, "first IPv6 fragment without the whole header chain (RFC 7112)") \
  X(IP6_FRAG_OVERLAP, IP6FRAG, PROTO, "overlapping IPv6 fragments: whole datagram dropped (RFC 5722)") \
  X(IP6_FRAG_INCONSISTENT, IP6FRAG, PROTO, "IPv6 fragments disagree on the datagram's end: whole datagram dropped") \
  X(IP6_FRAG_ABANDONED, IP6FRAG, NONE, "IPv6 fragment of a datagram abandoned after an overlap (RFC 5722)") \
  X(IP6_FRAG_DUPLICATE, IP6FRAG, NONE, "exact duplicate IPv6 fragment dropped, datagram kept") \
  X(IP6_FRAG_TIMEOUT, IP6FRAG, NONE, "IPv6 reassembly timed out after 60 s (RFC 8200 4.5)") \
  X(IP6_FRAG_LIMIT, IP6FRAG, MEM, "IPv6 reassembly datagram or byte limit reached") \
  X(IP6_FRAG_NO_MEM, IP6FRAG, MEM, "no memory to hold an IPv6 fragment or the reassembled packet") \
  X(IP6_FRAG_NESTED, IP6FRAG, PROTO, "a reassembled IPv6 packet holds another non-atomic Fragment header") \
  X(ICMP6_SHORT, ICMP6, LEN, "ICMPv6 message shorter than its header") \
  X(ICMP6_BAD_CHKSUM, ICMP6, CHK, "ICMPv6 checksum error") \
  X(ICMP6_MCAST_ECHO, ICMP6, NONE, "echo request to a multicast address other than all-nodes ignored") \
  X(ICMP6_RATE_LIMIT, ICMP6, NONE, "ICMPv6 error suppressed by the rate limit (RFC 4443 2.4(f))") \
  X(ICMP6_NO_ERROR, ICMP6, NONE, "ICMPv6 error not sent: about an error, a multicast or an unspecified source (RFC 4443 2.4(e))") \
  X(ICMP6_BAD_PTB, ICMP6, PROTO, "Packet Too Big not about a packet of ours, or with an MTU below 1280 (counted, floor kept)") \
  X(ICMP6_NO_MEM, ICMP6, MEM, "no memory for an ICMPv6 message") \
  X(ICMP6_UNHANDLED, ICMP6, NONE, "ICMPv6 type not handled") \
  X(ICMP6_BAD_QUOTE, ICMP6, PROTO, "ICMPv6 error quoting too little, or a packet whose source is not ours") \
  X(ICMP6_ERR_UNMATCHED, ICMP6, NONE, "ICMPv6 error about a datagram no UDP or raw PCB of ours sent") \
  X(ND6_BAD_HOPLIM, ND6, PROTO, "ND message with a hop limit other than 255 (RFC 4861 7.1)") \
  X(ND6_BAD_CODE, ND6, PROTO, "ND message with a code other than 0") \
  X(ND6_SHORT, ND6, LEN, "ND message shorter than its fixed part") \
  X(ND6_BAD_OPTION, ND6, OPT, "ND option of length 0, beyond the message, or not allowed here") \
  X(ND6_BAD_TARGET, ND6, PROTO, "NS/NA target multicast, or NA solicited to a multicast destination") \
  X(ND6_BAD_SRC, ND6, PROTO, "NS from the unspecified address not to a solicited-node group, or with a link-layer option") \
  X(ND6_NOT_FOR_US, ND6, NONE, "NS for a target that is not ours") \
  X(ND6_DAD_CONFLICT, ND6, NONE, "DAD: another node uses or tries our tentative address: marked duplicate") \
  X(ND6_NO_ENTRY, ND6, NONE, "NA for a neighbor not in the cache ignored") \
  X(ND6_TABLE_FULL, ND6, MEM, "neighbor cache full of entries that cannot be recycled") \
  X(ND6_QUEUE_FULL, ND6, MEM, "packet dropped: queue of the unresolved neighbor is full") \
  X(ND6_UNRESOLVED, ND6, RT, "neighbor solicitation unanswered: queued packets discarded") \
  X(ND6_NO_MEM, ND6, MEM, "no memory to queue a packet or build an ND message") \
  X(IP6_NOT_JOINED, IP6, NONE, "IPv6 packet to a multicast group the netif does not listen to (mld6.h)") \
  X(MLD6_BAD_LEN, MLD6, LEN, "MLD query neither 24 bytes (MLDv1) nor 28 or more (MLDv2), or shorter than its sources (RFC 3810 8.1)") \
  X(MLD6_BAD_HOPLIM, MLD6, PROTO, "MLD query with a hop limit other than 1 (RFC 3810 6.2)") \
  X(MLD6_BAD_SRC, MLD6, PROTO, "MLD query from a source that is not link-local (RFC 3810 6.2)") \
  X(MLD6_NO_ROUTER_ALERT, MLD6, PROTO, "MLD query without a Router Alert option of value 0 (RFC 3810 6.2, RFC 2711)") \
  X(MLD6_BAD_QUERY, MLD6, PROTO, "MLD query about a unicast address, or a General Query with sources (RFC 3810 5.1.5, 5.1.10)") \
  X(MLD6_NOT_MEMBER, MLD6, NONE, "MLD query about a group we do not listen to or never report") \
  X(MLD6_DISABLED, MLD6, NONE, "MLD query on a netif without NETIF_FLAG_MLD6") \
  X(MLD6_OTHER_REPORT, MLD6, NONE, "MLD report or done of another listener ignored (an MLDv2 listener does not suppress)") \
  X(MLD6_POOL_FULL, MLD6, MEM, "no MLD group entry free: a join (perhaps of a solicited-node group) failed") \
  X(MLD6_NO_MEM, MLD6, MEM, "no memory for an MLD report") \
  X(ND6_UNHANDLED, ND6, NONE, "router solicitation ignored (hosts do not answer them, RFC 4861 6.2.6)") \
  X(ND6_FROM_US, ND6, NONE, "RA from one of our own addresses ignored") \
  X(ND6_NOT_LINKLOCAL, ND6, PROTO, "RA or Redirect from a source that is not link-local (RFC 4861 6.1.2, 8.1)") \
  X(ND6_ROUTERS_FULL, ND6, MEM, "default router list full: advertising router not added") \
  X(ND6_PREFIXES_FULL, ND6, MEM, "prefix list full: prefix from an RA not added") \
  X(ND6_ROUTES_FULL, ND6, MEM, "route list full: Route Information option not added (RFC 4191)") \
  X(ND6_RDNSS_FULL, ND6, MEM, "RDNSS list full: DNS server from an RA not added (RFC 8106)") \
  X(ND6_DNSSL_FULL, ND6, MEM, "DNSSL list full: search domain from an RA not added (RFC 8106)") \
  X(ND6_ADDRS_FULL, ND6, MEM, "no free address slot on the netif for a SLAAC address") \
  X(ND6_BAD_PREFIX, ND6, OPT, "Prefix Information option with a wrong length, a prefix over 128 bits or the link-local prefix") \
  X(ND6_SLAAC_IGNORED, ND6, NONE, "autonomous prefix not used: preferred above valid lifetime, or not /64 (RFC 4862 5.5.3)") \
  X(ND6_SLAAC_GAVE_UP, ND6, NONE, "SLAAC address duplicate and no identifier left to try (RFC 7217 6)") \
  X(ND6_BAD_MTU, ND6, OPT, "RA MTU option of a wrong length or outside 1280..link MTU") \
  X(ND6_BAD_ROUTE, ND6, OPT, "Route Information option of a wrong length or reserved preference (RFC 4191 2.3)") \
  X(ND6_BAD_DNSOPT, ND6, OPT, "RDNSS or DNSSL option malformed, a bad address, or a name too long to keep (RFC 8106)") \
  X(ND6_BAD_REDIRECT, ND6, PROTO, "Redirect to a multicast destination, or target neither link-local nor the destination (RFC 4861 8.1)") \
  X(ND6_REDIRECT_NOT_ROUTER, ND6, PROTO, "Redirect not from our first-hop router for its destination (RFC 4861 8.1)") \
  X(UDP_SHORT, UDP, LEN, "UDP datagram shorter than 8 bytes") \
  X(UDP_BAD_LEN, UDP, LEN, "UDP length field disagrees with the IP payload") \
  X(UDP_BAD_CHKSUM, UDP, CHK, "UDP checksum error") \
  X(UDP6_ZERO_CHKSUM, UDP, CHK, "UDP over IPv6 without a checksum (zero; RFC 8200 8.1)") \
  X(UDP_BAD_COVERAGE, UDP, LEN, "UDP-Lite checksum coverage invalid") \
  X(UDP_NO_PCB, UDP, NONE, "no UDP PCB for the destination port") \
  X(UDP_NO_MEM, UDP, MEM, "no memory for a UDP header") \
  X(TCP_SHORT, TCP, LEN, "TCP segment shorter than its header") \
  X(TCP_BAD_HLEN, TCP, LEN, "TCP data offset below 5 words or beyond the segment") \
  X(TCP_BAD_CHKSUM, TCP, CHK, "TCP checksum error") \
  X(TCP_BAD_OPTION, TCP, OPT, "TCP option with a bad length") \
  X(TCP_BAD_DEST, TCP, PROTO, "TCP segment to a broadcast or multicast address") \
  X(TCP_ICMP_BAD_SEQ, TCP, PROTO, "ICMP error quoting a TCP sequence number not in flight (RFC 5927 4.1)") \
  X(TCP_NO_PCB, TCP, NONE, "no connection or listener for the segment (reset sent)") \
  X(TCP_BAD_FLAGS, TCP, PROTO, "TCP flags invalid for the state (e.g. SYN+FIN, no ACK)") \
  X(TCP_OUT_OF_WINDOW, TCP, NONE, "TCP segment outside the receive window (ACK sent)") \
  X(TCP_BAD_ACK, TCP, PROTO, "TCP ACK for data never sent (RFC 5961 5.2)") \
  X(TCP_PAWS, TCP, NONE, "TCP segment with an old timestamp (PAWS, RFC 7323 5)") \
  X(TCP_CHALLENGE_ACK, TCP, NONE, "RST or SYN not exactly in sequence: challenge ACK sent (RFC 5961)") \
  X(TCP_CHALLENGE_LIMIT, TCP, NONE, "challenge ACK suppressed by the rate limit (RFC 5961 7)") \
  X(TCP_BACKLOG_FULL, TCP, MEM, "SYN dropped: the listener's queue is full") \
  X(TCP_OOSEQ_FULL, TCP, MEM, "out-of-order segment dropped: queue limit reached") \
  X(TCP_NO_OOSEQ, TCP, MEM, "out-of-order segment dropped: built without the out-of-order queue (tcp_ooseq; duplicate ACK sent)") \
  X(TCP_RCV_CLOSED, TCP, NONE, "data after the application closed its receive side (reset sent)") \
  X(TCP_NO_MEM, TCP, MEM, "no memory for a TCP PCB, segment or header") \
  X(TCP_MEM_BUDGET, TCP, MEM, "TCP data dropped: slow readers hold the receive budget (docs/architecture.md)") \
  X(TCP_GIVE_UP, TCP, NONE, "connection reset: no progress within the user or orphan timeout (tcp_limits)") \
  X(TCP_NO_TS, TCP, OPT, "TCP segment without the timestamps both sides agreed on (RFC 7323 3.2)") \
  X(TCP_SYN_COOKIE, TCP, NONE, "SYN answered with a SYN cookie: the handshake queue is full (not queued)") \
  X(TCP_SYNQ_RESET, TCP, NONE, "handshake in the SYN queue reset by the peer (RFC 9293 3.10.7.4)") \
  X(TCP_SYNQ_EXPIRED, TCP, NONE, "handshake in the SYN queue given up: no ACK to our SYN-ACKs (reset sent)") \
  X(TCP_RCV_REFUSED, TCP, MEM, "TCP data dropped: the application refuses data and no segment is left to hold it") \
  X(DHCP_SHORT, DHCP, LEN, "DHCP message shorter than its fixed header and magic cookie") \
  X(DHCP_BAD_HDR, DHCP, PROTO, "DHCP message not a BOOTREPLY for Ethernet or without the magic cookie") \
  X(DHCP_BAD_XID, DHCP, NONE, "DHCP reply with a transaction id we are not waiting for") \
  X(DHCP_BAD_CHADDR, DHCP, NONE, "DHCP reply for another client hardware address") \
  X(DHCP_BAD_OPTION, DHCP, OPT, "DHCP option truncated, of a wrong length or contradicting an earlier one") \
  X(DHCP_MISSING_OPTION, DHCP, OPT, "DHCP reply without a required option (message type, server id, lease)") \
  X(DHCP_BAD_ADDR, DHCP, PROTO, "DHCP offer or ack of an unusable address") \
  X(DHCP_UNEXPECTED, DHCP, NONE, "DHCP message type not expected in the client's state") \
  X(DHCP_NO_MEM, DHCP, MEM, "no memory for an outgoing DHCP message") \
  X(DHCP6_SHORT, DHCP6, LEN, "DHCPv6 message shorter than its 4-byte header") \
  X(DHCP6_BAD_OPTION, DHCP6, OPT, "DHCPv6 option past its container, of a wrong length or repeated (RFC 8415 21)") \
  X(DHCP6_BAD_TYPE, DHCP6, PROTO, "DHCPv6 message of a type a client does not take (not Advertise or Reply)") \
  X(DHCP6_RECONFIGURE, DHCP6, NONE, "DHCPv6 Reconfigure: refused, the client does no reconfigure authentication (RFC 8415 18.2.11)") \
  X(DHCP6_BAD_XID, DHCP6, NONE, "DHCPv6 reply with a transaction id we are not waiting for") \
  X(DHCP6_BAD_CLIENTID, DHCP6, PROTO, "DHCPv6 reply without our Client Identifier (RFC 8415 16.3, 16.10)") \
  X(DHCP6_NO_SERVERID, DHCP6, PROTO, "DHCPv6 reply without a valid Server Identifier (RFC 8415 16.3, 16.10)") \
  X(DHCP6_UNEXPECTED, DHCP6, NONE, "DHCPv6 Advertise or Reply the client's state is not waiting for") \
  X(DHCP6_NO_ADDRS, DHCP6, NONE, "DHCPv6 Advertise or Reply without a usable IA_NA address (NoAddrsAvail, RFC 8415 18.2.9)") \
  X(DHCP6_BAD_ADDR, DHCP6, PROTO, "DHCPv6 address offered that is multicast, link-local, loopback or unspecified") \
  X(DHCP6_BAD_LIFETIMES, DHCP6, PROTO, "DHCPv6 IA_NA with T1 > T2 or address with preferred > valid lifetime: ignored (RFC 8415 21.4, 21.6)") \
  X(DHCP6_STATUS, DHCP6, NONE, "DHCPv6 Reply with an error Status Code (RFC 8415 21.13)") \
  X(DHCP6_NO_MEM, DHCP6, MEM, "no memory for an outgoing DHCPv6 message") \
  X(DNS_SHORT, DNS, LEN, "DNS message shorter than its 12-byte header") \
  X(DNS_TOO_BIG, DNS, LEN, "DNS message larger than the resolver's receive buffer") \
  X(DNS_BAD_SOURCE, DNS, NONE, "DNS answer from an address or port the lookup was not sent to") \
  X(DNS_BAD_ID, DNS, NONE, "DNS answer whose ID does not match the lookup") \
  X(DNS_NOT_RESPONSE, DNS, PROTO, "DNS message that is not a standard query response") \
  X(DNS_BAD_QUESTION, DNS, NONE, "DNS answer whose question (0x20 letter case included) differs from ours") \
  X(DNS_MALFORMED, DNS, PROTO, "malformed DNS message: bad name, compression pointer, count or record length") \
  X(DNS_NO_MEM, DNS, MEM, "no memory for a DNS query") \
  X(SNTP_SHORT, SNTP, LEN, "SNTP reply shorter than the 48-byte NTP header") \
  X(SNTP_BAD_SOURCE, SNTP, NONE, "SNTP reply from an address or port the request was not sent to") \
  X(SNTP_UNEXPECTED, SNTP, NONE, "SNTP reply while no request is outstanding (late or duplicate)") \
  X(SNTP_BAD_MODE, SNTP, PROTO, "SNTP reply not in server mode (4) or of an NTP version other than 3 or 4") \
  X(SNTP_BAD_ORIGIN, SNTP, NONE, "SNTP reply whose origin timestamp is not our transmit timestamp (bogus or replayed)") \
  X(SNTP_KISS, SNTP, NONE, "SNTP kiss-o'-death (stratum 0): no time taken (RFC 5905 7.4)") \
  X(SNTP_BAD_STRATUM, SNTP, PROTO, "SNTP reply of stratum 16 or more (server unsynchronised)") \
  X(SNTP_UNSYNC, SNTP, PROTO, "SNTP reply with leap indicator 3 (server clock not synchronised)") \
  X(SNTP_ZERO_TX, SNTP, PROTO, "SNTP reply with a zero transmit timestamp") \
  X(SNTP_NO_MEM, SNTP, MEM, "no memory for an SNTP request") \
  X(HTTP_BAD_REQUEST, HTTP, PROTO, "HTTP request malformed: request line, header field, target or Host (400)") \
  X(HTTP_BAD_VERSION, HTTP, PROTO, "HTTP request of a major version other than 1 (505)") \
  X(HTTP_NOT_IMPLEMENTED, HTTP, PROTO, "HTTP request with an unknown method or a transfer coding (501)") \
  X(HTTP_TOO_LARGE, HTTP, LEN, "HTTP request with content, a target or a head over the limits (413, 414, 431)") \
  X(HTTP_TIMEOUT, HTTP, NONE, "HTTP request head not complete within the idle timeout (408)") \
  X(HTTP_CONN_LIMIT, HTTP, NONE, "HTTP connection over the server's limit: 503 and closed") \
  X(HTTP_NO_MEM, HTTP, MEM, "no memory for an HTTP connection: reset") \
  X(TFTP_SHORT, TFTP, LEN, "TFTP packet shorter than its opcode and fixed fields") \
  X(TFTP_BAD_OPCODE, TFTP, PROTO, "TFTP packet of an unknown opcode or one not taken on that port") \
  X(TFTP_BAD_REQUEST, TFTP, PROTO, "TFTP RRQ/WRQ malformed: unterminated strings, empty name or mode, over 512 bytes") \
  X(TFTP_DUP_REQUEST, TFTP, NONE, "TFTP request repeated by a client whose transfer is in progress") \
  X(TFTP_BUSY, TFTP, NONE, "TFTP request refused: every transfer slot is in use") \
  X(TFTP_UNKNOWN_TID, TFTP, NONE, "TFTP packet from another address or port than the transfer's (answered with ERROR 5)") \
  X(TFTP_DUP_ACK, TFTP, NONE, "TFTP duplicate ACK ignored, no retransmission (Sorcerer's Apprentice, RFC 1123 4.2.3.1)") \
  X(TFTP_BAD_BLOCK, TFTP, PROTO, "TFTP ACK or DATA for a block that is not in flight") \
  X(TFTP_DUP_DATA, TFTP, NONE, "TFTP DATA block received again (its ACK is re-sent)") \
  X(TFTP_OVERSIZE, TFTP, LEN, "TFTP DATA longer than the negotiated block size") \
  X(TFTP_NO_MEM, TFTP, MEM, "no memory for a TFTP packet or transfer PCB") \
  X(MQTT_BAD_VARINT, MQTT, LEN, "MQTT remaining length longer than four bytes") \
  X(MQTT_BAD_TYPE, MQTT, PROTO, "MQTT packet of a reserved type or one a broker never sends") \
  X(MQTT_BAD_FLAGS, MQTT, PROTO, "MQTT fixed-header flags not allowed for the packet type (QoS 3, DUP at QoS 0, ...)") \
  X(MQTT_BAD_LENGTH, MQTT, LEN, "MQTT remaining length wrong for the packet type or its fields") \
  X(MQTT_BAD_CONNACK, MQTT, PROTO, "MQTT CONNACK with reserved flags, an unknown return code or session present on a refusal") \
  X(MQTT_BAD_TOPIC, MQTT, PROTO, "MQTT PUBLISH topic empty, with a wildcard, a NUL or bad UTF-8") \
  X(MQTT_BAD_ID, MQTT, PROTO, "MQTT packet identifier 0") \
  X(MQTT_BAD_SUBACK, MQTT, PROTO, "MQTT SUBACK return code other than 0, 1, 2 or 0x80") \
  X(MQTT_UNEXPECTED, MQTT, PROTO, "MQTT packet out of order (anything before CONNACK, a second CONNACK)") \
  X(MQTT_UNKNOWN_ID, MQTT, NONE, "MQTT acknowledgement for no request in flight (ignored)") \
  X(MQTT_TOO_BIG, MQTT, LEN, "MQTT packet larger than the client's max_incoming: skipped") \
  X(MQTT_QOS2_FULL, MQTT, MEM, "MQTT QoS 2 PUBLISH while every incoming QoS 2 slot awaits its PUBREL: not acknowledged") \
  X(MQTT_REFUSED, MQTT, NONE, "MQTT CONNACK refusing the connection (return code 1-5)") \
  X(MQTT_NO_MEM, MQTT, MEM, "no memory or send buffer for an MQTT packet") \
  X(MDNS_SHORT, MDNS, LEN, "mDNS message shorter than the 12-byte DNS header") \
  X(MDNS_TOO_BIG, MDNS, LEN, "mDNS message larger than the responder's 1500-byte receive buffer") \
  X(MDNS_OFF_LINK, MDNS, NONE, "mDNS message from a source address not on the link (RFC 6762 11)") \
  X(MDNS_BAD_HDR, MDNS, PROTO, "mDNS message with a non-zero opcode or rcode (ignored, RFC 6762 18.3, 18.11)") \
  X(MDNS_BAD_NAME, MDNS, PROTO, "mDNS name malformed: compression loop or forward pointer, pointer or label out of bounds, bad label type, over 255 bytes") \
  X(MDNS_TRUNCATED, MDNS, LEN, "mDNS question or record cut short by the end of the message (counts or RDLENGTH too large)") \
  X(MDNS_BAD_PORT, MDNS, PROTO, "mDNS response from a source port other than 5353 (ignored, RFC 6762 6)") \
  X(MDNS_NO_MEM, MDNS, MEM, "no memory for an mDNS message") \
  X(RAW_NO_MEM, RAW, MEM, "no memory for a raw IP header")

/** TCP events worth counting that are not drops (lwipctl stats shows them
 *  under "tcp_counters"): X(NAME, "sentence").  Count with STATS_TCP(NAME). */
#define LWIP_TCP_COUNTERS(X) \
  X(ECN_NEGOTIATED, "connections that agreed on ECN in their handshake (RFC 3168 6.1.1)") \
  X(ECN_CE_RCVD, "data segments received with CE in the IP header (RFC 3168 6.1.3)") \
  X(ECN_ECE_RCVD, "ACKs received with ECE on an ECN connection (RFC 3168 6.1.2)") \
  X(ECN_REDUCTIONS, "cwnd reductions for ECE, at most one per window of data (RFC 3168 6.1.2)") \
  X(ECN_CWR_SENT, "segments sent with CWR after a reduction (RFC 3168 6.1.2)") \
  X(ECN_CWR_RCVD, "segments received with CWR, ending the ECE echo (RFC 3168 6.1.3)")

enum lwip_tcp_counter {
#define LWIP_TCPC_ENUM_(id, desc) LWIP_TCPC_##id,
  LWIP_TCP_COUNTERS(LWIP_TCPC_ENUM_)
#undef LWIP_TCPC_ENUM_
  LWIP_TCPC_COUNT
};

enum lwip_drop_reason {
#define LWIP_DROP_ENUM_(id, proto, cls, desc) LWIP_DROP_##id,
  LWIP_DROP_REASONS(LWIP_DROP_ENUM_)
#undef LWIP_DROP_ENUM_
  LWIP_DROP_COUNT
};

/** Counters of one protocol (lwIP's names). */
struct stats_proto {
  u32_t xmit;    /**< packets sent */
  u32_t recv;    /**< packets received */
  u32_t fw;      /**< packets forwarded */
  u32_t drop;    /**< packets dropped, all reasons */
  u32_t chkerr;  /**< checksum errors */
  u32_t lenerr;  /**< length errors */
  u32_t memerr;  /**< out-of-memory errors */
  u32_t rterr;   /**< routing errors */
  u32_t proterr; /**< protocol errors */
  u32_t opterr;  /**< option errors */
};

/** Statistics of one memory pool or of the heap. */
struct stats_mem {
  const char *name;
  u32_t avail; /**< capacity: elements (pools) or bytes (heap) */
  u32_t used;  /**< in use now */
  u32_t max;   /**< high-water mark of used */
  u32_t err;   /**< allocations that failed */
  u32_t illegal; /**< frees of something not allocated here */
};

struct stats_ {
  struct stats_proto proto[LWIP_PROTO_COUNT];
  u32_t drops[LWIP_DROP_COUNT];
  u32_t tcp[LWIP_TCPC_COUNT]; /**< enum lwip_tcp_counter */
};

#if LWIP_STATS
extern struct stats_ lwip_stats;
#define STATS_INC(prot, field) (lwip_stats.proto[LWIP_PROTO_##prot].field++)
#else
#define STATS_INC(prot, field) do { } while (0)
#endif
#define STATS_RX(proto) STATS_INC(proto, recv)
#define STATS_TX(proto) STATS_INC(proto, xmit)
#if LWIP_STATS
#define STATS_TCP(name) (lwip_stats.tcp[LWIP_TCPC_##name]++)
#else
#define STATS_TCP(name) do { } while (0)
#endif

#if LWIP_STATS || LWIP_DEBUG
/** Account one dropped packet.  Use LWIP_DROP(REASON). */
void lwip_drop(enum lwip_drop_reason reason);
#define LWIP_DROP(reason) lwip_drop(LWIP_DROP_##reason)
#else
#define LWIP_DROP(reason) do { } while (0)
#endif

#if LWIP_STATS || LWIP_DEBUG
/** Name ("eth") of a protocol id; NULL when out of range. */
const char *lwip_stats_proto_name(int proto);
/** Name ("IP4_BAD_CHKSUM") and description of a drop reason; NULL when out of range. */
const char *lwip_drop_reason_name(int reason);
const char *lwip_drop_reason_desc(int reason);
/** Protocol a drop reason belongs to; -1 when out of range. */
int lwip_drop_reason_proto(int reason);
/** Name ("ECN_CE_RCVD") and description of a TCP counter; NULL when out of range. */
const char *lwip_tcp_counter_name(int counter);
const char *lwip_tcp_counter_desc(int counter);
#else
/* Without stats and debug_log nothing reads the tables, so there are none:
 * every id is out of range, answered inline at no cost to the core. */
static inline const char *lwip_stats_proto_name(int proto)
{
  (void)proto;
  return NULL;
}
static inline const char *lwip_drop_reason_name(int reason)
{
  (void)reason;
  return NULL;
}
static inline const char *lwip_drop_reason_desc(int reason)
{
  (void)reason;
  return NULL;
}
static inline int lwip_drop_reason_proto(int reason)
{
  (void)reason;
  return -1;
}
static inline const char *lwip_tcp_counter_name(int counter)
{
  (void)counter;
  return NULL;
}
static inline const char *lwip_tcp_counter_desc(int counter)
{
  (void)counter;
  return NULL;
}
#endif

#if LWIP_STATS
/** Zero every protocol and drop counter (pool high-water marks stay). */
void lwip_stats_reset(void);
#else
/* No counters to zero without stats. */
static inline void lwip_stats_reset(void)
{
}
#endif

#ifdef __cplusplus
}
#endif

/* lwIP's stats.h brings these in, and applications rely on it. */
#include "lwip/mem.h"
#include "lwip/memp.h"

#endif /* LWIP_STATS_H */
