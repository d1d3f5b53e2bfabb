/**
 * @file ctlproto.c
 * Parsing one control request line (see ctlproto.h).  The checks are the
 * contract of docs/control-protocol.md: a JSON object, `cmd` a string,
 * `args` absent or an object.  jansson rejects invalid UTF-8 and nesting
 * deeper than its parser limit, so hostile lines end as parse_error.
 */
#include "ctlproto.h"

#include <stdio.h>
#include <string.h>

static json_t *empty_args;

void ctl_printable(char *msg, size_t msglen, const char *text)
{
  if (msglen == 0) {
    return;
  }
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)text; *p != '\0' && o + 1 < msglen; p++) {
    if (*p >= 0x20 && *p < 0x7f) {
      msg[o++] = (char)*p;
    } else if (o + 4 < msglen) {
      snprintf(msg + o, msglen - o, "\\x%02x", *p);
      o += 4;
    } else {
      break;
    }
  }
  msg[o] = '\0';
}

const char *ctl_request_parse(const char *line, size_t len, struct ctl_request *out, char *msg, size_t msglen)
{
  memset(out, 0, sizeof(*out));
  if (len > CTL_MAX_LINE) {
    snprintf(msg, msglen, "request line longer than 64 KiB");
    return "too_long";
  }
  json_error_t jerr;
  json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    /* jansson quotes the token it stopped at, raw bytes and all, so the
     * text of an error about invalid UTF-8 or a bad escape is itself not
     * UTF-8, and the error reply could not carry it. */
    ctl_printable(msg, msglen, jerr.text);
    return "parse_error";
  }
  out->root = root;
  if (!json_is_object(root)) {
    snprintf(msg, msglen, "a request must be a JSON object");
    return "parse_error";
  }
  out->id = json_object_get(root, "id");
  json_t *cmd = json_object_get(root, "cmd");
  json_t *args = json_object_get(root, "args");
  if (!json_is_string(cmd)) {
    snprintf(msg, msglen, "cmd: missing or not a string");
    return "bad_request";
  }
  if (args != NULL && !json_is_object(args)) {
    snprintf(msg, msglen, "args: not an object");
    return "bad_request";
  }
  if (args == NULL) {
    /* One shared empty object: handlers only read their arguments. */
    if (empty_args == NULL) {
      empty_args = json_object();
    }
    args = empty_args;
  }
  out->cmd = json_string_value(cmd);
  out->args = args;
  return NULL;
}

void ctl_request_clear(struct ctl_request *req)
{
  json_decref(req->root);
  memset(req, 0, sizeof(*req));
}
