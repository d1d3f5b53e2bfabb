/*
 * lwipctl: socket calls on lwipd's stack (the sock.* family).
 *
 * Descriptors belong to the control connection that made them, and each
 * lwipctl run is one connection: "lwipctl sock socket" creates a socket
 * that is gone when lwipctl exits.  "lwipctl sock script FILE" (or "-" for
 * stdin, with a prompt on a terminal) runs several calls on one
 * connection, so a conversation can be scripted.
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64(const char *v)
{
  size_t len = strlen(v), o = 0;
  char *out = xmalloc(4 * ((len + 2) / 3) + 1);
  for (size_t i = 0; i < len; i += 3) {
    unsigned w = (unsigned char)v[i] << 16;
    w |= i + 1 < len ? (unsigned)(unsigned char)v[i + 1] << 8 : 0;
    w |= i + 2 < len ? (unsigned char)v[i + 2] : 0;
    out[o++] = b64[(w >> 18) & 63];
    out[o++] = b64[(w >> 12) & 63];
    out[o++] = i + 1 < len ? b64[(w >> 6) & 63] : '=';
    out[o++] = i + 2 < len ? b64[w & 63] : '=';
  }
  out[o] = '\0';
  return out;
}

/* "KEY=VALUE" into args: integers, true/false and null as JSON values;
 * text=STRING becomes data (base64); events=in,out and value for SO_LINGER
 * get their shapes; anything else is a string. */
static void sock_kv(json_t *args, const char *kv)
{
  const char *eq = strchr(kv, '=');
  if (!eq || eq == kv) {
    die_usage("bad sock argument '%s': expected KEY=VALUE", kv);
  }
  char *key = xasprintf("%.*s", (int)(eq - kv), kv);
  const char *v = eq + 1;
  json_t *val;
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (!strcmp(key, "text")) {
    char *out = base64(v);
    free(key);
    json_object_set_new(args, "data", json_string(out));
    free(out);
    return;
  }
  if (!strcmp(key, "events")) {
    val = json_array();
    char *copy = xasprintf("%s", v);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      json_array_append_new(val, json_string(t));
    }
    free(copy);
  } else if (*v && !*end && !errno) {
    val = json_integer(n);
  } else if (!strcmp(v, "true") || !strcmp(v, "on")) {
    val = json_true();
  } else if (!strcmp(v, "false") || !strcmp(v, "off")) {
    val = json_false();
  } else if (!strcmp(v, "null")) {
    val = json_null();
  } else {
    val = json_string(v);
  }
  json_object_set_new(args, key, val);
  free(key);
}

/* The request for one call: argv[0] is the call (socket, connect, ...);
 * *cmd is set to the command ("sock.socket"). */
static json_t *sock_build(int argc, char **argv, const char **cmd)
{
  static const char *const calls[] = {
      "sock.socket",      "sock.bind",       "sock.listen",     "sock.accept", "sock.connect",  "sock.write",
      "sock.send",        "sock.read",       "sock.recv",       "sock.sendto", "sock.recvfrom", "sock.shutdown",
      "sock.close",       "sock.setsockopt", "sock.getsockopt", "sock.fcntl",  "sock.poll",     "sock.getsockname",
      "sock.getpeername", "sock.info",       "sock.list"};
  size_t k = 0;
  while (k < ARRAY_SIZE(calls) && strcmp(argv[0], calls[k] + 5)) {
    k++;
  }
  if (k == ARRAY_SIZE(calls)) {
    die_usage("unknown sock call '%s'", argv[0]);
  }
  *cmd = calls[k];
  json_t *args = json_object();
  for (int i = 1; i < argc; i++) {
    sock_kv(args, argv[i]);
  }
  /* poll fd=N events=in,out is the one-descriptor form of fds. */
  if (!strcmp(*cmd, "sock.poll") && !json_object_get(args, "fds") && json_object_get(args, "fd")) {
    json_t *e = json_pack("{s:O}", "fd", json_object_get(args, "fd"));
    if (json_object_get(args, "events")) {
      json_object_set(e, "events", json_object_get(args, "events"));
    }
    json_object_del(args, "fd");
    json_object_del(args, "events");
    json_object_set_new(args, "fds", json_pack("[o]", e));
  }
  /* SO_LINGER value=N turns lingering on for N seconds; value=off turns it off. */
  json_t *name = json_object_get(args, "name");
  json_t *value = json_object_get(args, "value");
  if (!strcmp(*cmd, "sock.setsockopt") && json_is_string(name) && !strcmp(json_string_value(name), "SO_LINGER") &&
      value && !json_is_object(value)) {
    json_object_set_new(args, "value",
                        json_is_integer(value) ? json_pack("{s:b, s:O}", "onoff", 1, "linger", value)
                                               : json_pack("{s:b}", "onoff", 0));
  }
  return args;
}

/* Human form of a result: read data shown as text with C escapes. */
static void print_sock(const struct request *rq, json_t *res)
{
  json_t *data = json_object_get(res, "data");
  printf("%s: ", rq->cmd + 5);
  if (json_is_string(data)) {
    const char *s = json_string_value(data);
    size_t n = strlen(s);
    printf("%lld bytes%s: \"", jint(res, "len"), jtrue(res, "eof") ? " (end of stream)" : "");
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
      const char *p = strchr(b64, s[i]);
      acc = (acc << 6) | (unsigned)(p ? p - b64 : 0);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        unsigned char c = (unsigned char)(acc >> bits);
        if (c == '"' || c == '\\') {
          printf("\\%c", c);
        } else if (isprint(c)) {
          putchar(c);
        } else {
          printf("\\x%02x", c);
        }
      }
    }
    puts("\"");
    return;
  }
  char *s = json_dumps(res, JSON_COMPACT);
  puts(s ? s : "{}");
  free(s);
}

/* How long to wait for one call: a blocking call without timeout_ms may
 * wait forever; one with it, that long plus --timeout. */
static double sock_deadline(const char *cmd, json_t *args)
{
  static const char *const blocking[] = {"sock.accept", "sock.connect", "sock.write",    "sock.send",
                                         "sock.read",   "sock.recv",    "sock.recvfrom", "sock.poll"};
  json_t *t = json_object_get(args, "timeout_ms");
  if (json_is_integer(t)) {
    return now_s() + opt.timeout + (double)json_integer_value(t) / 1000.0;
  }
  for (size_t i = 0; i < ARRAY_SIZE(blocking); i++) {
    if (!strcmp(cmd, blocking[i])) {
      return -1;
    }
  }
  return now_s() + opt.timeout;
}

/* Split a script line into words (spaces separate; no quoting, but text=...
 * takes the rest of the line so messages may hold spaces). */
static int sock_words(char *line, char **w, int max)
{
  int n = 0;
  char *p = line;
  while (*p && n < max) {
    while (*p == ' ' || *p == '\t') {
      p++;
    }
    if (!*p || *p == '#') {
      break;
    }
    w[n++] = p;
    if (!strncmp(p, "text=", 5)) {
      p += strlen(p);
      break;
    }
    while (*p && *p != ' ' && *p != '\t') {
      p++;
    }
    if (*p) {
      *p++ = '\0';
    }
  }
  return n;
}

/* One script line on the connection; returns the call's exit status. */
static int sock_script_call(struct conn *c, long long id, int n, char **w)
{
  const char *call;
  json_t *args = sock_build(n, w, &call);
  struct request rq = {.cmd = call, .args = args, .print = print_sock};
  double deadline = sock_deadline(call, args);
  send_request(c, &rq, id, deadline);
  char *raw = NULL;
  json_t *reply = await_reply(c, id, deadline, &raw);
  int st = show_reply(&rq, reply, raw);
  fflush(stdout);
  json_decref(reply);
  free(raw);
  json_decref(args);
  return st;
}

/* Runs the calls of FILE (or stdin) on one connection.  A line is
 * "CALL KEY=VALUE...", "sleep MS", a comment or blank; a leading "-" lets
 * the script go on when that call fails.  Exit status: 0, or 1 at the
 * first failed call (not ignored). */
static _Noreturn void sock_script(const char *file)
{
  FILE *in = strcmp(file, "-") ? fopen(file, "r") : stdin;
  if (!in) {
    die_usage("cannot open script '%s': %s", file, strerror(errno));
  }
  int tty = in == stdin && isatty(0);
  struct conn c;
  ctl_path = socket_path();
  conn_open(&c, ctl_path);
  char line[65536];
  long long id = 1;
  int status = 0;
  for (;;) {
    if (tty) {
      fputs("sock> ", stdout);
      fflush(stdout);
    }
    if (!fgets(line, sizeof(line), in)) {
      break;
    }
    line[strcspn(line, "\r\n")] = '\0';
    char *w[64];
    char *start = line;
    while (*start == ' ' || *start == '\t') {
      start++;
    }
    int ignore = *start == '-';
    int n = sock_words(start + ignore, w, 64);
    if (n == 0) {
      continue;
    }
    if (!strcmp(w[0], "sleep")) {
      long long ms = n == 2 ? parse_int(w[1], 0, 3600000, "sleep") : 0;
      struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
      continue;
    }
    int st = sock_script_call(&c, id++, n, w);
    if (st && !ignore && !tty) {
      status = st;
      break;
    }
  }
  if (in != stdin) {
    fclose(in);
  }
  conn_close(&c);
  exit(status);
}

void cmd_sock(int argc, char **argv, struct request *rq)
{
  if (argc == 0) {
    die_usage("usage: lwipctl sock CALL [KEY=VALUE...] | lwipctl sock script FILE|-");
  }
  if (!strcmp(argv[0], "script")) {
    need_args(argc, 2, 2, "sock script FILE|-");
    sock_script(argv[1]);
  }
  const char *call;
  json_t *args = sock_build(argc, argv, &call);
  json_object_update(rq->args, args);
  json_decref(args);
  rq->cmd = call;
  rq->print = print_sock;
  json_t *t = json_object_get(rq->args, "timeout_ms");
  if (json_is_integer(t)) {
    rq->extra_timeout = (double)json_integer_value(t) / 1000.0;
  }
}
