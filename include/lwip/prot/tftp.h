/**
 * @file prot/tftp.h
 * TFTP packet layout (RFC 1350 5, option extension RFC 2347): opcodes,
 * error codes, field offsets and the limits of the option extensions
 * (blksize RFC 2348, timeout and tsize RFC 2349).
 *
 * Every packet starts with a 2-byte big-endian opcode.  RRQ and WRQ then
 * carry NUL-terminated strings (file name, mode, option/value pairs); DATA
 * and ACK a 2-byte block number (DATA then up to blksize bytes); ERROR a
 * 2-byte code and a NUL-terminated message; OACK option/value pairs.
 */
#ifndef LWIP_PROT_TFTP_H
#define LWIP_PROT_TFTP_H

/** The well-known server port (RFC 1350 4). */
#define TFTP_PORT 69

/** Opcodes (RFC 1350 5, RFC 2347 for OACK). */
#define TFTP_OP_RRQ 1U
#define TFTP_OP_WRQ 2U
#define TFTP_OP_DATA 3U
#define TFTP_OP_ACK 4U
#define TFTP_OP_ERROR 5U
#define TFTP_OP_OACK 6U

/** Error codes (RFC 1350 appendix, 8 from RFC 2347). */
#define TFTP_ERR_UNDEF 0U     /**< not defined, see the message */
#define TFTP_ERR_NOT_FOUND 1U /**< file not found */
#define TFTP_ERR_ACCESS 2U    /**< access violation */
#define TFTP_ERR_DISK_FULL 3U /**< disk full or allocation exceeded */
#define TFTP_ERR_ILLEGAL 4U   /**< illegal TFTP operation */
#define TFTP_ERR_UNKNOWN_TID 5U
#define TFTP_ERR_EXISTS 6U  /**< file already exists */
#define TFTP_ERR_NO_USER 7U /**< no such user */
#define TFTP_ERR_OPTIONS 8U /**< option negotiation refused (RFC 2347) */

#define TFTP_OFF_OPCODE 0
#define TFTP_OFF_BLOCK 2   /**< DATA and ACK */
#define TFTP_OFF_ERRCODE 2 /**< ERROR */
#define TFTP_OFF_STRINGS 2 /**< RRQ/WRQ file name; OACK options; ERROR message at 4 */
#define TFTP_DATA_HDR 4    /**< opcode + block number before DATA bytes */
#define TFTP_ACK_LEN 4

/** The block size without the blksize option (RFC 1350 2). */
#define TFTP_DEFAULT_BLKSIZE 512U
/** Limits of the blksize option (RFC 2348). */
#define TFTP_MIN_BLKSIZE 8U
#define TFTP_MAX_BLKSIZE 65464U
/** Limits of the timeout option in seconds (RFC 2349). */
#define TFTP_MIN_TIMEOUT_S 1U
#define TFTP_MAX_TIMEOUT_S 255U
/** A request with its options must fit 512 bytes (RFC 2347). */
#define TFTP_MAX_REQUEST 512U

#endif /* LWIP_PROT_TFTP_H */
