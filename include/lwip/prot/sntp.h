/**
 * @file prot/sntp.h
 * NTP/SNTP message layout (RFC 5905 7.3, RFC 4330 4): byte offsets of the
 * 48-byte header (no extension fields, no MAC) and its field values.
 *
 * Timestamps are 64-bit fixed point: seconds since 1900-01-01 (era 0) in
 * the upper 32 bits, the fraction below.  Read and write them as two
 * big-endian words (get_be32/put_be32 at OFF and OFF + 4).
 */
#ifndef LWIP_PROT_SNTP_H
#define LWIP_PROT_SNTP_H

/** The NTP server port (RFC 5905 7.2). */
#define SNTP_SERVER_PORT 123

#define SNTP_OFF_LI_VN_MODE 0 /**< leap (2 bits), version (3), mode (3) */
#define SNTP_OFF_STRATUM 1
#define SNTP_OFF_POLL 2
#define SNTP_OFF_PRECISION 3
#define SNTP_OFF_ROOT_DELAY 4
#define SNTP_OFF_ROOT_DISPERSION 8
#define SNTP_OFF_REFID 12 /**< reference id; the kiss code when stratum is 0 */
#define SNTP_OFF_REF_TS 16
#define SNTP_OFF_ORIGIN_TS 24   /**< T1: the client's transmit time, echoed */
#define SNTP_OFF_RECEIVE_TS 32  /**< T2: the server received the request */
#define SNTP_OFF_TRANSMIT_TS 40 /**< T3: the server sent the reply */
/** The header without extension fields or MAC. */
#define SNTP_MSG_LEN 48

#define SNTP_LI(b) ((u8_t)((b) >> 6))
#define SNTP_VN(b) ((u8_t)(((b) >> 3) & 7U))
#define SNTP_MODE(b) ((u8_t)((b)&7U))
#define SNTP_LI_VN_MODE(li, vn, mode) ((u8_t)(((li) << 6) | ((vn) << 3) | (mode)))

/** Leap indicator 3: the server's clock is not synchronised (alarm). */
#define SNTP_LI_UNSYNC 3U
#define SNTP_VERSION 4U
#define SNTP_MODE_CLIENT 3U
#define SNTP_MODE_SERVER 4U

/** Stratum 0 marks a kiss-o'-death; 16 and above mean unsynchronised. */
#define SNTP_STRATUM_KISS 0U
#define SNTP_STRATUM_MAX 15U

/** Kiss codes (RFC 5905 7.4, four ASCII letters in the reference id, read
 *  as a big-endian word). */
#define SNTP_KISS_DENY 0x44454e59UL /* "DENY": access denied, stop */
#define SNTP_KISS_RSTR 0x52535452UL /* "RSTR": access restricted, stop */
#define SNTP_KISS_RATE 0x52415445UL /* "RATE": polling too fast, slow down */

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
#define SNTP_UNIX_EPOCH_OFFSET 2208988800UL

#endif /* LWIP_PROT_SNTP_H */
