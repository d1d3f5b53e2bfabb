/**
 * @file args.h
 * What a control command handler works with besides the stack: its
 * outcome (struct ctl_reply, the protocol's error codes) and typed access
 * to its arguments (docs/control-protocol.md).  daemon/args.c; it calls
 * nothing else in the daemon.
 */
#ifndef LWIPD_ARGS_H
#define LWIPD_ARGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lwip/ip4_addr.h"

/** Error codes of the protocol (docs/control-protocol.md). */
#define CTL_E_BAD_ARGS "bad_args"
#define CTL_E_NOT_FOUND "not_found"
#define CTL_E_BUSY "busy"
#define CTL_E_NO_MEMORY "no_memory"
#define CTL_E_IO "io_error"
#define CTL_E_FAILED "failed"
#define CTL_E_TIMEOUT "timeout"
#define CTL_E_REFUSED "connection_refused"
#define CTL_E_RESET "connection_reset"
#define CTL_E_UNREACHABLE "unreachable"

/** A command's outcome: a result object, or an error code and message. */
struct ctl_reply {
  json_t *result;   /**< owned; NULL with error set */
  const char *code; /**< NULL on success */
  char message[256];
  bool deferred; /**< the handler keeps the request and replies later */
};

/** Set an error on @p r (printf-style message).  @return NULL for chaining. */
json_t *ctl_error(struct ctl_reply *r, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Argument helpers: fetch args.@p key, typed; on a wrong type or a missing
 *  required key set a bad_args error and return false. */
bool arg_str(json_t *args, const char *key, bool required, const char **out, struct ctl_reply *r);
bool arg_int(json_t *args, const char *key, bool required, long long min, long long max, long long *out,
             struct ctl_reply *r);
/** Is @p key present and not null in @p args? */
bool arg_given(json_t *args, const char *key);
bool arg_bool(json_t *args, const char *key, bool required, bool *out, struct ctl_reply *r);
bool arg_ip4(json_t *args, const char *key, bool required, ip4_addr_t *out, struct ctl_reply *r);
/** Format an IPv4 address as a JSON string. */
json_t *json_ip4(const ip4_addr_t *a);
json_t *json_mac(const uint8_t *mac);
bool parse_mac(const char *s, uint8_t mac[6]);
/** Parse "a.b.c.d/prefix".  @return true on success. */
bool parse_cidr(const char *s, ip4_addr_t *addr, ip4_addr_t *mask);


#endif
