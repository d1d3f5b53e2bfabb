/**
 * @file httpd.h
 * HTTP/1.1 server (RFC 9110 semantics, RFC 9112 message syntax) on the
 * raw TCP API, serving files through the read-only file-system interface
 * (lwip/apps/fs.h): the ROM file system built into the image, or any
 * other backend (lwipd's serves a directory).
 *
 * What it does:
 *  - GET and HEAD of files; Content-Length always, Content-Type from the
 *    file's extension; "/" and any path ending in '/' serve index.html;
 *  - persistent connections (HTTP/1.1 by default, HTTP/1.0 with
 *    "Connection: keep-alive") and pipelining: requests queued behind one
 *    being answered are answered in order, one at a time;
 *  - one byte range per request (RFC 9110 14: "bytes=a-b", "a-", "-n"):
 *    206 with Content-Range, 416 when it cannot be satisfied; a Range
 *    header with several ranges or another unit is ignored (200);
 *  - refusals: 400 (malformed request line or header, HTTP/1.1 without
 *    exactly one Host), 404, 405 with Allow for known methods other than
 *    GET/HEAD, 413 for a request with content (GET and HEAD take none),
 *    414 for a target longer than HTTPD_MAX_URI, 431 for a request head
 *    larger than max_header, 501 for an unknown method or any
 *    Transfer-Encoding, 505 for an HTTP major version other than 1, 408
 *    for a request head not complete within the idle timeout, 503 when
 *    out of memory.  Every refusal after which the byte stream cannot be
 *    trusted (400, 408, 413, 414, 431, 501, 505) closes the connection;
 *  - a connection limit: a connection over max_conns gets a 503 with
 *    "Connection: close" and is closed, counted as refused;
 *  - an idle timeout: a connection with nothing to do for
 *    idle_timeout_ms is closed; one whose peer stops reading a response
 *    for that long is aborted;
 *  - a dynamic status page at HTTPD_STATUS_PATH (text/plain): the
 *    server's counters, the stack's protocol counters and pool usage.
 *
 * Files are streamed: the server asks the backend for at most what the
 * connection's send buffer takes, writes it with tcp_write() and asks for
 * more from the sent callback (TCP's backpressure), so a file is never
 * read whole and a slow reader holds at most its send buffer.
 *
 * Memory: the caller owns struct httpd; each connection takes one heap
 * block (struct httpd_conn, mem_calloc) and the pbufs of requests not yet
 * answered (at most max_header bytes beyond the request being answered;
 * more is refused to TCP, which closes the window).  The status page
 * takes one heap block for its text while it is being sent.  Received
 * pbufs are taken over from TCP and freed as requests are consumed.
 *
 * Not thread-safe: call from the stack's context.
 */
#ifndef LWIP_APPS_HTTPD_H
#define LWIP_APPS_HTTPD_H

#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/apps/fs.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Port when the configuration says 0. */
#define HTTPD_DEFAULT_PORT 80U
/** Connections served at once when the configuration says 0. */
#define HTTPD_DEFAULT_MAX_CONNS 16U
/** Idle timeout when the configuration says 0. */
#define HTTPD_DEFAULT_IDLE_MS 30000U
/** Largest request head (request line + header fields + the empty line)
 *  when the configuration says 0; also the most bytes of pipelined
 *  requests held while another is answered. */
#define HTTPD_DEFAULT_MAX_HEADER 4096U
/** Smallest and largest max_header accepted (the head is kept in pbufs,
 *  whose chain length is a u16_t). */
#define HTTPD_MIN_MAX_HEADER 256U
#define HTTPD_MAX_MAX_HEADER 32768U
/** Longest request target (path and query) in bytes: longer is 414. */
#define HTTPD_MAX_URI 255U
/** The dynamic status page's path. */
#define HTTPD_STATUS_PATH "/status"

/** How to start a server.  Zero fields take the defaults above. */
struct httpd_config {
  u16_t port;
  const ip_addr_t *addr;   /**< NULL: every address */
  const struct fs_ops *fs; /**< NULL: fs_rom_ops on fs_rom_default */
  void *fs_arg;
  u16_t max_conns;       /**< connections served at once, 1..4096 */
  u32_t idle_timeout_ms; /**< 1000..3600000 */
  u16_t max_header;      /**< HTTPD_MIN_MAX_HEADER..HTTPD_MAX_MAX_HEADER */
  bool no_status_page;   /**< true: HTTPD_STATUS_PATH is looked up in the fs */
};

/** Counters of one server since it started. */
struct httpd_stats {
  u32_t connections;   /**< accepted and served */
  u32_t refused;       /**< over max_conns: 503 and closed */
  u32_t conn_no_mem;   /**< no memory for the connection: reset */
  u32_t requests;      /**< complete request heads taken */
  u32_t pipelined;     /**< of those, found queued behind another */
  u32_t responses[6];  /**< by class: [1] 1xx .. [5] 5xx ([0] unused) */
  u32_t not_found;     /**< 404 */
  u32_t bad_requests;  /**< 400, 413, 414, 431, 501, 505 */
  u32_t ranges;        /**< 206 partial responses */
  u32_t unsatisfiable; /**< 416 */
  u32_t timeouts;      /**< idle connections closed, 408s, stalled readers aborted */
  u32_t io_errors;     /**< backend read failures (connection aborted) */
  u64_t tx_body_bytes; /**< body bytes queued for sending */
};

/** Phases of a connection (httpd_conn_info.phase). */
enum httpd_phase {
  HTTPD_PH_READ = 0, /**< waiting for (the rest of) a request head */
  HTTPD_PH_SEND,     /**< sending a response */
  HTTPD_PH_CLOSING,  /**< the last response is queued; FIN to follow */
};

/** One connection.  Private to core/apps (read through
 *  httpd_conn_info()). */
struct httpd_conn {
  struct httpd_conn *next;
  struct httpd *srv;
  struct tcp_pcb *pcb;
  struct pbuf *rx; /**< received, not yet consumed (pipelined requests) */
  u8_t phase;      /**< enum httpd_phase */
  bool keep;       /**< keep the connection after this response */
  bool head_only;  /**< HEAD: no body */
  bool hdr_sent;   /**< the response's header is queued */
  bool file_open;
  u16_t status;  /**< status code of the response being sent */
  u8_t ctype;    /**< index into the content-type table */
  u8_t minor;    /**< HTTP/1.minor of the request */
  bool peer_fin; /**< the peer closed its side */
  bool fin_sent; /**< our side is shut (CLOSING) */
  struct fs_file file;
  const u8_t *mem; /**< body in memory (an error text or the status page), or NULL: the file */
  u8_t *dyn;       /**< status page text (heap, owned), or NULL */
  u32_t total;     /**< the file's (or page's) whole length */
  u32_t off;       /**< next body byte to send */
  u32_t left;      /**< body bytes still to send */
  u32_t range_lo;  /**< first byte of a 206 (Content-Range) */
  u32_t last_ms;   /**< sys_now() of the last progress */
  u32_t req_start; /**< sys_now() when the first byte of the pending head came */
  u32_t requests;  /**< answered on this connection */
};

/** One server.  Owned by the caller (static or embedded); the fields are
 *  private to core/apps.  Zero it before httpd_start(). */
struct httpd {
  struct tcp_pcb *listener; /**< NULL: not running */
  struct httpd_conn *conns;
  u16_t nconns;
  struct httpd_config cfg;
  u32_t started_ms;
  struct httpd_stats stats;
};

/** One connection as httpd_foreach_conn() shows it. */
struct httpd_conn_info {
  ip_addr_t remote_ip;
  u16_t remote_port;
  u8_t phase;     /**< enum httpd_phase */
  u16_t status;   /**< of the response being sent (0: none) */
  u32_t requests; /**< answered on this connection */
  u32_t left;     /**< body bytes of the current response still to send */
  u32_t pending;  /**< bytes received and not yet consumed */
  u32_t idle_ms;  /**< since the last progress */
};

/** Start listening.  @p s is zeroed first.
 *  @return ERR_OK; ERR_ARG (NULL @p s, a configuration value out of range,
 *  fs ops without open/read/close); ERR_USE (port in use); ERR_MEM (no
 *  PCB).  On error nothing is held. */
err_t httpd_start(struct httpd *s, const struct httpd_config *cfg);
/** Stop: close the listener and abort every connection (RST), freeing
 *  their memory and closing their files.  Does nothing on a stopped
 *  server. */
void httpd_stop(struct httpd *s);
/** @return true between httpd_start() and httpd_stop(). */
bool httpd_running(const struct httpd *s);
/** The configuration in force (defaults filled in). */
const struct httpd_config *httpd_get_config(const struct httpd *s);
/** Counters since start. */
const struct httpd_stats *httpd_get_stats(const struct httpd *s);
/** Connections open now. */
u16_t httpd_open_conns(const struct httpd *s);
/** Call @p fn for every open connection. */
void httpd_foreach_conn(const struct httpd *s, void (*fn)(const struct httpd_conn_info *ci, void *arg), void *arg);
/** Name of a phase ("read", "send", "closing"). */
const char *httpd_phase_name(u8_t phase);
/** The Content-Type the server sends for @p path (by extension). */
const char *httpd_content_type(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_TCP */

#endif /* LWIP_APPS_HTTPD_H */
