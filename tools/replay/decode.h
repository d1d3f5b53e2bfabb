/**
 * @file decode.h
 * Field-level decoding of Ethernet frames for lwip-replay's reports: the
 * first field in which two frames differ, and a one-line summary of a frame.
 * Plain byte parsing (no lwipd headers), so a report can describe any frame,
 * even a malformed one.
 */
#ifndef LWIP_REPLAY_DECODE_H
#define LWIP_REPLAY_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Walk @p exp and @p act down the layers (Ethernet, ARP, IPv4 or IPv6 with
 * its extension headers, then ICMP, ICMPv6 with ND/MLD, UDP or IGMP) in
 * wire order and describe the first field whose value
 * differs, e.g. "ipv4.ttl: expected 64, actual 63".  The layer structure is
 * taken from the expected frame: a difference in a type or protocol field is
 * found (and reported) before anything that depends on it.
 * @return false when the frames are byte-for-byte identical (then @p out is
 *         left empty).
 */
bool decode_first_diff(const uint8_t *exp, size_t exp_len, const uint8_t *act, size_t act_len, char *out,
                       size_t outlen);

/** One line describing @p f, e.g. "ARP reply 10.0.0.2 is-at 02:00:00:00:00:02"
 *  or "ICMP echo-reply 10.0.0.2 > 10.0.0.1 id 0x1234 seq 3 len 84" or
 *  "ICMPv6 neighbor-advertisement fe80::1 S O fe80::1 > fe80::2". */
void decode_summary(const uint8_t *f, size_t len, char *out, size_t outlen);

#endif
