/**
 * @file tcpinfo.h
 * One connection's tcp.list entry as JSON, built from the core's public
 * snapshot (tcp_get_info), shared by tcp.list and sock.info so both show
 * the same fields with the same values.
 */
#ifndef LWIPD_TCPINFO_H
#define LWIPD_TCPINFO_H

#include <jansson.h>

#include "lwip/tcp.h"

#if LWIP_TCP
/** A new JSON object with the tcp.list keys for @p ci (docs/control-protocol.md). */
json_t *tcp_conn_info_json(const struct tcp_conn_info *ci);
#endif

#endif /* LWIPD_TCPINFO_H */
