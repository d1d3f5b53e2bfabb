/*
 * lwipctl: error reporting, memory, and argument checking.  Bad values are
 * usage errors, caught before any connection is made so that typos never
 * reach the daemon.  Every error path prints one line and exits.
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include "lwip/ip4_addr.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

static _Noreturn void vdie(int status, const char *hint, const char *fmt, va_list ap)
{
  fflush(stdout);
  fputs("lwipctl: ", stderr);
  vfprintf(stderr, fmt, ap);
  if (hint) {
    fputs(hint, stderr);
  }
  fputc('\n', stderr);
  exit(status);
}

/* A usage error always ends with the pointer to --help, on the same line. */
void die_usage(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vdie(EXIT_USAGE, " (see 'lwipctl --help')", fmt, ap);
}

void die_conn(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vdie(EXIT_CONN, NULL, fmt, ap);
}

void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p) {
    fputs("lwipctl: out of memory\n", stderr);
    exit(EXIT_CONN);
  }
  return p;
}

char *xasprintf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

long long parse_int(const char *s, long long min, long long max, const char *what)
{
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max) {
    die_usage("bad %s '%s': expected an integer in %lld..%lld", what, s, min, max);
  }
  return v;
}

int parse_bool(const char *s, const char *what)
{
  static const char *const yes[] = {"on", "true", "yes", "1"};
  static const char *const no[] = {"off", "false", "no", "0"};
  for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
    if (!strcmp(s, yes[i])) {
      return 1;
    }
    if (!strcmp(s, no[i])) {
      return 0;
    }
  }
  die_usage("bad %s '%s': expected on, off, true or false", what, s);
}

/* A byte count with an optional binary suffix: 10M is 10 MiB. */
long long parse_size(const char *s)
{
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  long long mult = 1;
  if (*end && !end[1]) {
    const char *units = "kKmMgG";
    const char *u = strchr(units, *end);
    if (u) {
      int shift = 10 * (int)((u - units) / 2 + 1);
      mult = 1LL << shift;
      end++;
    }
  }
  if (errno || end == s || *end || v < 0 || v > (1LL << 40) / mult) {
    die_usage("bad byte count '%s': expected 0..1T, with an optional K, M or G", s);
  }
  return v * mult;
}

/* A rate with an optional decimal suffix, as iperf reads -b: 10M is
 * 10 000 000 bits per second. */
long long parse_rate(const char *s)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  double mult = 1;
  if (*end && !end[1]) {
    const char *units = "kKmMgG";
    const char *u = strchr(units, *end);
    if (u) {
      mult = (u - units) < 2 ? 1e3 : (u - units) < 4 ? 1e6 : 1e9;
      end++;
    }
  }
  if (errno || end == s || *end || !(v >= 0) || v * mult > 1e15) {
    die_usage("bad rate '%s': expected bits per second, with an optional K, M or G", s);
  }
  return (long long)(v * mult);
}

void check_ip(const char *s, const char *what)
{
  struct in_addr a;
  if (inet_pton(AF_INET, s, &a) != 1) {
    die_usage("bad %s '%s': expected an IPv4 address a.b.c.d", what, s);
  }
}

/* The ip key takes "a.b.c.d/prefix", checked by the core's own parser,
 * the one the daemon uses. */
void check_cidr(const char *s)
{
  if (!ip4addr_cidr_aton(s, NULL, NULL, true)) {
    die_usage("bad ip '%s': expected a.b.c.d/prefix (prefix 0..32)", s);
  }
}

/* A MAC is exactly six pairs of hex digits separated by colons; sscanf()
 * would also accept signs and blanks, so the characters are checked. */
void check_mac(const char *s)
{
  int ok = strlen(s) == 17;
  for (size_t i = 0; ok && i < 17; i++) {
    ok = i % 3 == 2 ? s[i] == ':' : isxdigit((unsigned char)s[i]) != 0;
  }
  if (!ok) {
    die_usage("bad MAC address '%s': expected xx:xx:xx:xx:xx:xx", s);
  }
}

void need_args(int argc, int min, int max, const char *usage)
{
  if (argc < min) {
    die_usage("missing arguments: usage: lwipctl %s", usage);
  }
  if (argc > max) {
    die_usage("too many arguments: usage: lwipctl %s", usage);
  }
}

int all_digits(const char *s)
{
  if (!*s) {
    return 0;
  }
  for (; *s; s++) {
    if (*s < '0' || *s > '9') {
      return 0;
    }
  }
  return 1;
}

/* lwipd opens files itself, from its own working directory, so a relative
 * path is made absolute against ours first. */
json_t *absolute_path(const char *file)
{
  char cwd[PATH_MAX];
  if (file[0] == '/' || !getcwd(cwd, sizeof(cwd))) {
    return json_string(file);
  }
  char *s = xasprintf("%s/%s", cwd, file);
  json_t *j = json_string(s);
  free(s);
  return j;
}

long long arg_or(json_t *args, const char *key, long long dflt)
{
  json_t *v = json_object_get(args, key);
  return v ? json_integer_value(v) : dflt;
}
