/**
 * @file args.c
 * Request arguments and result values of the control commands: typed
 * access to a request's args with a bad_args error naming the argument,
 * and the JSON forms of addresses.  Calls nothing else in the daemon, so
 * every command module, lwip-replay and the fuzzers can link it.
 */
#define _GNU_SOURCE
#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *ctl_error(struct ctl_reply *r, const char *code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->message, sizeof(r->message), fmt, ap);
  va_end(ap);
  r->code = code;
  return NULL;
}

static bool arg_get(json_t *args, const char *key, bool required, json_t **v, struct ctl_reply *r)
{
  *v = json_object_get(args, key);
  if (*v == NULL || json_is_null(*v)) {
    *v = NULL;
    if (required) {
      ctl_error(r, CTL_E_BAD_ARGS, "args.%s: missing", key);
      return false;
    }
  }
  return true;
}

bool arg_str(json_t *args, const char *key, bool required, const char **out, struct ctl_reply *r)
{
  json_t *v;
  if (!arg_get(args, key, required, &v, r)) {
    return false;
  }
  if (v != NULL) {
    if (!json_is_string(v)) {
      ctl_error(r, CTL_E_BAD_ARGS, "args.%s: not a string", key);
      return false;
    }
    *out = json_string_value(v);
  }
  return true;
}

bool arg_int(json_t *args, const char *key, bool required, long long min, long long max, long long *out,
             struct ctl_reply *r)
{
  json_t *v;
  if (!arg_get(args, key, required, &v, r)) {
    return false;
  }
  if (v != NULL) {
    if (!json_is_integer(v)) {
      ctl_error(r, CTL_E_BAD_ARGS, "args.%s: not an integer", key);
      return false;
    }
    long long x = json_integer_value(v);
    if (x < min || x > max) {
      ctl_error(r, CTL_E_BAD_ARGS, "args.%s: %lld is outside %lld..%lld", key, x, min, max);
      return false;
    }
    *out = x;
  }
  return true;
}

bool arg_given(json_t *args, const char *key)
{
  json_t *v = json_object_get(args, key);
  return v != NULL && !json_is_null(v); /* null means absent, as in arg_get */
}

bool arg_bool(json_t *args, const char *key, bool required, bool *out, struct ctl_reply *r)
{
  json_t *v;
  if (!arg_get(args, key, required, &v, r)) {
    return false;
  }
  if (v != NULL) {
    if (!json_is_boolean(v)) {
      ctl_error(r, CTL_E_BAD_ARGS, "args.%s: not a boolean", key);
      return false;
    }
    *out = json_is_true(v);
  }
  return true;
}

bool arg_ip4(json_t *args, const char *key, bool required, ip4_addr_t *out, struct ctl_reply *r)
{
  const char *s = NULL;
  if (!arg_str(args, key, required, &s, r)) {
    return false;
  }
  if (s != NULL && !ip4addr_aton(s, out)) {
    ctl_error(r, CTL_E_BAD_ARGS, "args.%s: not an IPv4 address", key);
    return false;
  }
  return true;
}

json_t *json_ip4(const ip4_addr_t *a)
{
  char buf[IP4ADDR_STRLEN_MAX];
  return json_string(ip4addr_ntoa_r(a, buf, sizeof(buf)));
}

json_t *json_mac(const uint8_t *m)
{
  char buf[18];
  snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return json_string(buf);
}

bool parse_mac(const char *s, uint8_t mac[6])
{
  unsigned b[6];
  char end;
  if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6 || strlen(s) != 17) {
    return false;
  }
  for (int i = 0; i < 6; i++) {
    mac[i] = (uint8_t)b[i];
  }
  return true;
}

bool parse_cidr(const char *s, ip4_addr_t *addr, ip4_addr_t *mask)
{
  u8_t prefix = 0;
  if (!ip4addr_cidr_aton(s, addr, &prefix, true)) {
    return false;
  }
  ip4_addr_netmask_from_prefix(mask, prefix);
  return true;
}
