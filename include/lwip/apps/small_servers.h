/**
 * @file small_servers.h
 * The "small servers" of the early Internet, on the raw API:
 *   - echo    (RFC 862, port 7): returns every byte it receives;
 *   - discard (RFC 863, port 9): reads and drops everything;
 *   - chargen (RFC 864, port 19): sends lines of 72 printable ASCII
 *     characters plus CR LF, each line starting one character further
 *     along the 95 printable characters, until the peer goes away.
 * echo and discard run over UDP and TCP, chargen over TCP only.
 *
 * The code is in core/apps/small_servers.c (listener, connections, stop)
 * and one file per service (echo.c, discard.c, chargen.c), so a program
 * links only the services it names.
 *
 * Memory: the caller owns the struct small_server (static or embedded);
 * each accepted TCP connection takes one small block from the core heap
 * (mem_malloc), freed when the connection ends or the server stops.
 * Over TCP, echo applies backpressure: it opens the receive window only by
 * what it could write back, so a peer that does not read stops sending.
 *
 * Not thread-safe: call from the stack's context, like every raw API call.
 */
#ifndef LWIP_APPS_SMALL_SERVERS_H
#define LWIP_APPS_SMALL_SERVERS_H

#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A service: echo, discard or chargen (opaque; use the objects below). */
struct small_server_service;

/** RFC 862 echo (UDP and TCP, default port 7). */
extern const struct small_server_service small_server_echo;
/** RFC 863 discard (UDP and TCP, default port 9). */
extern const struct small_server_service small_server_discard;
/** RFC 864 character generator (TCP only, default port 19). */
extern const struct small_server_service small_server_chargen;

/** Transport of a server. */
enum small_server_proto {
  SMALL_SERVER_UDP,
  SMALL_SERVER_TCP,
};

/** Counters of one server since it started. */
struct small_server_stats {
  u64_t rx_packets;  /**< datagrams (UDP) or receive callbacks with data (TCP) */
  u64_t rx_bytes;    /**< payload bytes received */
  u64_t tx_packets;  /**< datagrams sent back (UDP echo) */
  u64_t tx_bytes;    /**< payload bytes queued for sending (TCP echo, chargen) */
  u64_t connections; /**< TCP connections accepted */
  u32_t open;        /**< TCP connections open now */
};

struct small_server_conn;
struct udp_pcb;
struct tcp_pcb;

/** One running server.  Owned by the caller; its fields are private to
 *  core/apps (read them through small_server_get_stats()).  Zero it, or
 *  leave it as small_server_stop() left it, before small_server_start(). */
struct small_server {
  const struct small_server_service *svc;
  enum small_server_proto proto;
  u16_t port;
  struct udp_pcb *udp;             /**< UDP servers */
  struct tcp_pcb *listener;        /**< TCP servers */
  struct small_server_conn *conns; /**< open TCP connections, newest first */
  struct small_server_stats stats; /**< open is computed on demand */
};

/** The port @p svc listens on by default (7, 9 or 19). */
u16_t small_server_default_port(const struct small_server_service *svc);
/** The service's name: "echo", "discard" or "chargen". */
const char *small_server_name(const struct small_server_service *svc);

/**
 * Start @p svc over @p proto on @p port of @p addr.
 * @param s     storage the caller owns until small_server_stop(); it is
 *              overwritten (counters start at zero)
 * @param svc   &small_server_echo, &small_server_discard or &small_server_chargen
 * @param proto SMALL_SERVER_UDP or SMALL_SERVER_TCP
 * @param addr  local address to bind, NULL for any (UDP: IP_ANY_TYPE, both
 *              families when IPv6 is built; TCP: the IPv4 any address)
 * @param port  local port, 0 for the service's default port
 * @return ERR_OK: running (TCP listeners set SO_REUSEADDR);
 *         ERR_ARG: @p s or @p svc NULL, or the service does not run over
 *         @p proto (chargen over UDP), or @p proto is compiled out;
 *         ERR_MEM: no UDP or TCP PCB (or listening PCB) left;
 *         ERR_USE: the port is bound already;
 *         any other code udp_bind()/tcp_bind()/tcp_listen reported.
 *         On any error nothing stays allocated and @p s is zeroed.
 */
err_t small_server_start(struct small_server *s, const struct small_server_service *svc, enum small_server_proto proto,
                         const ip_addr_t *addr, u16_t port);

/**
 * Stop @p s: remove its PCB or listener and abort (RST) every open
 * connection, newest first; no callback of @p s runs afterwards, and every
 * block it allocated is freed.  @p s is zeroed.  Stopping a zeroed
 * (stopped or never started) server does nothing.
 */
void small_server_stop(struct small_server *s);

/** Copy @p s's counters into @p out (open: connections open now). */
void small_server_get_stats(const struct small_server *s, struct small_server_stats *out);

/** Whether @p s is running (started and not stopped). */
bool small_server_running(const struct small_server *s);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_APPS_SMALL_SERVERS_H */
