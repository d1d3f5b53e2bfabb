/**
 * @file tftp_server.h
 * TFTP server (RFC 1350) with the option extension (RFC 2347) and the
 * blksize (RFC 2348), timeout and tsize (RFC 2349) options, on the raw UDP
 * API, IPv4.
 *
 * Requests (RRQ, WRQ) arrive on one well-known port (69 by default); each
 * accepted request gets its own transfer on a fresh ephemeral UDP port
 * (its TID, RFC 1350 4), up to a configured number at once.  Only octet
 * mode is served: a netascii or mail request is refused with an ERROR that
 * says so.  Files are reached through struct tftp_file_ops, which the
 * caller implements (lwipd over a directory with POSIX I/O, the unit tests
 * in memory): the core itself does no I/O and allocates only pbufs and
 * one UDP PCB per transfer.
 *
 * Lock-step as RFC 1350 wants it: one DATA block in flight per transfer.
 * A DATA (or OACK, or a WRQ's last ACK) that is not answered within the
 * retransmission timeout is sent again, up to the retry limit, after which
 * the transfer fails with an ERROR.  The timeout is the client's timeout
 * option when it sent one; otherwise it adapts to the measured round trip
 * (RFC 6298's estimator on unambiguous samples, between the configured
 * floor and initial value) and doubles on each retry.  A duplicate ACK
 * never causes a retransmission (the Sorcerer's Apprentice fix, RFC 1123
 * 4.2.3.1); only the timer does.  Block numbers wrap from 65535 to 0, so a
 * file may have any number of blocks.
 *
 * blksize is clamped to what fits the outgoing netif's MTU in one IP
 * datagram (no fragmentation) and to the configured maximum; the OACK
 * tells the client the value chosen.
 *
 * Packets that cannot be taken are dropped with a named reason (stats.h,
 * TFTP_*): short or malformed packets, unknown opcodes, ACKs or DATA for
 * blocks not in flight, and packets from an unknown TID (those are also
 * answered with ERROR 5, the transfer going on undisturbed).
 *
 * pbufs: the receive callbacks take ownership of what UDP hands them and
 * free it; nothing the caller passes in is a pbuf.
 *
 * Memory: the caller owns struct tftp_server (static or embedded); a
 * running server holds one UDP PCB, and each transfer one PCB and the
 * last packet it sent (one pbuf of up to blksize + 4 bytes, kept for
 * retransmission).  Not thread-safe: call from the stack's context.
 */
#ifndef LWIP_APPS_TFTP_SERVER_H
#define LWIP_APPS_TFTP_SERVER_H

#include "lwip/opt.h"

#if LWIP_UDP

#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/timeouts.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Transfer slots in struct tftp_server (the configured limit is 1..this). */
#define TFTP_MAX_XFERS 8U
/** Longest file name taken (bytes, without the NUL). */
#define TFTP_NAME_MAX 127U
/** Initial (and largest adaptive) retransmission timeout when the
 *  configuration says 0. */
#define TFTP_DEFAULT_TIMEOUT_MS 1000U
/** Floor of the adaptive retransmission timeout when the configuration
 *  says 0. */
#define TFTP_DEFAULT_MIN_RTO_MS 50U
/** A backed-off retransmission timeout never exceeds this. */
#define TFTP_MAX_RTO_MS 60000U
/** Retransmissions of one packet before the transfer fails, when the
 *  configuration says 0. */
#define TFTP_DEFAULT_RETRIES 5U
/** "Size unknown" for tftp_file_ops.open's size. */
#define TFTP_SIZE_UNKNOWN 0xffffffffUL

/**
 * The file system a server serves.  @p arg is tftp_server_config.ops_arg;
 * @p fh what open returned.  Every file that was opened is closed exactly
 * once.
 */
struct tftp_file_ops {
  /**
   * Open @p name (NUL-terminated, 1..TFTP_NAME_MAX printable ASCII bytes,
   * exactly as the client sent it: the callback checks it) for reading or,
   * when @p write, for writing (creating it).
   * @param size read: set it to the file's size, or leave TFTP_SIZE_UNKNOWN
   *        (no tsize option is acknowledged then); write: the client's
   *        tsize, or TFTP_SIZE_UNKNOWN when it sent none (refuse with
   *        TFTP_ERR_DISK_FULL when it cannot fit).
   * @param err on failure, the TFTP error code to send (TFTP_ERR_*).
   * @param msg on failure, the ERROR message (a static string), or leave
   *        NULL for the code's standard text.
   * @return a handle, or NULL on failure.
   */
  void *(*open)(void *arg, const char *name, bool write, u32_t *size, u8_t *err, const char **msg);
  /** Read the next up to @p len bytes into @p buf.
   *  @return bytes read, fewer than @p len only at the end of the file;
   *          or a negative number on an I/O error (the transfer fails). */
  int (*read)(void *arg, void *fh, u8_t *buf, u16_t len);
  /** Append @p len bytes.  @return 0; a TFTP error code (1..7, e.g.
   *  TFTP_ERR_DISK_FULL) to fail the transfer with; or a negative number
   *  for any other I/O error. */
  int (*write)(void *arg, void *fh, const u8_t *buf, u16_t len);
  /** Close @p fh.  @p complete is false when the transfer failed: a file
   *  being written is then incomplete (the callback should remove it). */
  void (*close)(void *arg, void *fh, bool complete);
};

/** How to start a server.  Zero fields take the defaults. */
struct tftp_server_config {
  u16_t port;         /**< request port, 0: TFTP_PORT (69) */
  bool writable;      /**< accept WRQ; otherwise refused (access violation) */
  u8_t max_transfers; /**< at once, 1..TFTP_MAX_XFERS; 0: TFTP_MAX_XFERS */
  u16_t max_blksize;  /**< largest blksize granted, 8..65464; 0: 65464 (the MTU clamps it anyway) */
  u32_t timeout_ms;   /**< initial retransmission timeout, 10..60000; 0: TFTP_DEFAULT_TIMEOUT_MS */
  u32_t min_rto_ms;   /**< adaptive floor, 1..timeout_ms; 0: TFTP_DEFAULT_MIN_RTO_MS (or timeout_ms if lower) */
  u8_t retries;       /**< retransmissions of one packet, 1..50; 0: TFTP_DEFAULT_RETRIES */
  const struct tftp_file_ops *ops; /**< required */
  void *ops_arg;
};

/** States of a transfer. */
enum tftp_xfer_state {
  TFTP_XFER_FREE = 0,  /**< slot unused */
  TFTP_XFER_OACK,      /**< OACK sent, waiting for ACK 0 (RRQ) or DATA 1 (WRQ) */
  TFTP_XFER_SENDING,   /**< RRQ: a DATA block in flight */
  TFTP_XFER_RECEIVING, /**< WRQ: waiting for the next DATA block */
  TFTP_XFER_DALLY,     /**< WRQ done: re-ACKs a repeated last block for one timeout */
};

/** Counters of one transfer. */
struct tftp_xfer_stats {
  u32_t bytes;       /**< file bytes sent and acknowledged (RRQ) or received and written (WRQ) */
  u32_t blocks;      /**< blocks done (not wrapped) */
  u32_t retransmits; /**< packets sent again on timeout */
  u32_t dup_acks;    /**< duplicate ACKs ignored (Sorcerer's Apprentice) */
  u32_t dup_data;    /**< repeated DATA blocks re-ACKed */
  u32_t unknown_tid; /**< packets from another TID, answered with ERROR 5 */
};

/** One transfer.  Private to core/apps except for gdb (tools/gdb/lwipd.py
 *  reads these fields from memory); read them through
 *  tftp_server_get_xfer(). */
struct tftp_xfer {
  u8_t state;         /**< enum tftp_xfer_state */
  bool write;         /**< WRQ */
  bool last;          /**< RRQ: the block in flight is the last; WRQ: the last block came */
  bool timed;         /**< the packet in flight was sent once: its answer is an RTT sample */
  bool fixed_timeout; /**< the client's timeout option is in force */
  u8_t tries;         /**< retransmissions of the packet in flight */
  u16_t block;        /**< RRQ: block in flight; WRQ: last block acknowledged */
  u16_t blksize;
  u16_t peer_port;
  u16_t local_port;
  ip_addr_t peer;
  u32_t tsize;      /**< the file size (RRQ) or the client's tsize (WRQ), TFTP_SIZE_UNKNOWN */
  u32_t rto_ms;     /**< current retransmission timeout */
  u32_t srtt_ms8;   /**< smoothed RTT x 8 (0: no sample yet) */
  u32_t rttvar_ms4; /**< RTT variation x 4 */
  u32_t sent_ms;    /**< sys_now() when the packet in flight was first sent */
  u32_t start_ms;
  void *fh;
  struct pbuf *pkt; /**< the packet in flight (DATA, OACK or ACK), kept for retransmission */
  struct udp_pcb *pcb;
  struct tftp_server *srv;
  struct sys_timeo timeo;
  struct tftp_xfer_stats stats;
  char name[TFTP_NAME_MAX + 1];
};

/** Counters of a server since it started. */
struct tftp_server_stats {
  u32_t rrq;            /**< read requests accepted */
  u32_t wrq;            /**< write requests accepted */
  u32_t refused;        /**< requests answered with an ERROR */
  u32_t completed;      /**< transfers finished */
  u32_t failed;         /**< transfers ended by an ERROR (sent or received) or by the retry limit */
  u32_t timeouts;       /**< transfers given up at the retry limit */
  u32_t peer_errors;    /**< ERROR packets received from clients */
  u32_t retransmits;    /**< all transfers' retransmissions */
  u32_t dup_acks;       /**< all transfers' ignored duplicate ACKs */
  u32_t unknown_tid;    /**< ERROR 5 sent */
  u32_t bytes_sent;     /**< file bytes of finished and failed reads */
  u32_t bytes_received; /**< file bytes of finished and failed writes */
};

/** A server.  Owned by the caller; zero it before tftp_server_start(). */
struct tftp_server {
  bool running;
  struct udp_pcb *pcb;
  struct tftp_server_config cfg;
  struct tftp_xfer xfers[TFTP_MAX_XFERS];
  struct tftp_server_stats stats;
};

/** A server's state, as tftp_server_get_info() reports it. */
struct tftp_server_info {
  bool running;
  u16_t port;
  bool writable;
  u8_t max_transfers;
  u8_t active; /**< transfers in progress */
  u16_t max_blksize;
  u32_t timeout_ms;
  u32_t min_rto_ms;
  u8_t retries;
  struct tftp_server_stats stats;
};

/** One transfer, as tftp_server_get_xfer() reports it. */
struct tftp_xfer_info {
  const char *state; /**< "oack", "sending", "receiving" or "dally" */
  bool write;
  const char *name; /**< valid while the transfer runs */
  ip_addr_t peer;
  u16_t peer_port;
  u16_t local_port;
  u16_t blksize;
  u16_t block;
  u32_t tsize; /**< TFTP_SIZE_UNKNOWN when not known */
  u32_t rto_ms;
  u32_t age_ms; /**< since the request */
  struct tftp_xfer_stats stats;
};

/**
 * Start @p srv with @p cfg (copied).
 * @return ERR_OK: listening;
 *         ERR_ARG: @p srv or @p cfg NULL, @p srv running already, no ops
 *         (or one of its four functions missing), a value out of range;
 *         ERR_MEM: no UDP PCB left;
 *         ERR_USE: the port is taken (udp_bind()'s error).
 *         On any error nothing stays allocated and @p srv is zeroed.
 */
err_t tftp_server_start(struct tftp_server *srv, const struct tftp_server_config *cfg);

/** Stop @p srv: transfers in progress end (their files closed as
 *  incomplete, no ERROR sent), PCBs and timers go, @p srv is zeroed.
 *  Stopping a zeroed server does nothing. */
void tftp_server_stop(struct tftp_server *srv);

/** Fill @p info (zeroed, running false, when @p srv is not running). */
void tftp_server_get_info(const struct tftp_server *srv, struct tftp_server_info *info);

/** Fill @p info with transfer slot @p i (0..TFTP_MAX_XFERS-1).
 *  @return false when the slot holds no transfer. */
bool tftp_server_get_xfer(const struct tftp_server *srv, u8_t i, struct tftp_xfer_info *info);

/** Name of an enum tftp_xfer_state ("sending"). */
const char *tftp_xfer_state_name(u8_t state);

/** Standard text of a TFTP error code ("File not found"). */
const char *tftp_error_text(u8_t code);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_UDP */
#endif /* LWIP_APPS_TFTP_SERVER_H */
