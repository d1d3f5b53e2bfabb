/**
 * @file ctlproto.h
 * The control protocol's request parser: one line of bytes in, a checked
 * request out.  It calls nothing else in the daemon and no libevent, so the
 * fuzzer (tests/fuzz/libfuzzer_ctl.c) and lwip-replay can link it alone.
 * docs/control-protocol.md is the contract it enforces.
 */
#ifndef LWIPD_CTLPROTO_H
#define LWIPD_CTLPROTO_H

#include <jansson.h>
#include <stddef.h>

/** The longest request line accepted, without its newline. */
#define CTL_MAX_LINE (64 * 1024)

/** A parsed request.  @c root owns every other field: release it with
 *  ctl_request_clear(). */
struct ctl_request {
  json_t *root;    /**< the whole request object (owned), or NULL */
  json_t *id;      /**< borrowed from root; NULL when absent */
  const char *cmd; /**< borrowed from root; NULL when the request is bad */
  json_t *args;    /**< borrowed from root, or a borrowed empty object */
};

/**
 * Parse one request line of @p len bytes (no newline; need not be
 * NUL-terminated).
 * @return NULL on success, with @p out filled; otherwise the protocol error
 *   code ("too_long", "parse_error" or "bad_request") with a message in
 *   @p msg.  On error @p out->id may still be set (a request whose id was
 *   readable gets its error under that id).  Call ctl_request_clear() in
 *   both cases.
 */
const char *ctl_request_parse(const char *line, size_t len, struct ctl_request *out, char *msg, size_t msglen);

/**
 * Copy the NUL-terminated @p text into @p msg (@p msglen bytes, NUL
 * included) as printable ASCII: every other byte becomes \xNN, and the copy
 * stops short rather than cut an escape.  A reply's message is a JSON
 * string, so it must be valid UTF-8; this makes any text one.
 */
void ctl_printable(char *msg, size_t msglen, const char *text);

/** Release what ctl_request_parse() left in @p req; safe to call twice. */
void ctl_request_clear(struct ctl_request *req);

#endif
