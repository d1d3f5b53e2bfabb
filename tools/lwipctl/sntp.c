/*
 * lwipctl sntp: start, stop and show lwipd's SNTP client (sntp.*).
 *
 *   lwipctl sntp [status]
 *   lwipctl sntp start SERVER... [-p POLL_S] [-W TIMEOUT_MS] [-b MAX_BACKOFF_S]
 *   lwipctl sntp start --dhcp [-p POLL_S] [-W TIMEOUT_MS] [-b MAX_BACKOFF_S]
 *   lwipctl sntp stop
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNTP_START_USAGE "sntp start SERVER... | --dhcp [-p POLL_S] [-W TIMEOUT_MS] [-b MAX_BACKOFF_S]"

static const struct column sntp_server_cols[] = {
    {.header = "SERVER", .kind = COL_STR, .key = "address", .align = 'l'},
    {.header = "CURRENT", .kind = COL_YESNO, .key = "current", .align = 'l'},
    {.header = "DENIED", .kind = COL_YESNO, .key = "denied", .align = 'l'},
    {.header = "STRATUM", .kind = COL_INT, .key = "stratum", .align = 'r'},
    {.header = "REPLIES", .kind = COL_INT, .key = "replies", .align = 'r'},
};

/* A number of microseconds as seconds with 6 decimals and a sign. */
static char *secs_us(json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  if (!json_is_integer(v)) {
    return xasprintf("-");
  }
  long long us = (long long)json_integer_value(v);
  long long a = us < 0 ? -us : us;
  return xasprintf("%s%lld.%06lld s", us < 0 ? "-" : "+", a / 1000000, a % 1000000);
}

static void print_sntp(const struct request *rq, json_t *res)
{
  (void)rq;
  kv("state:", "%s%s", jstr(res, "state"), jtrue(res, "from_dhcp") ? " (servers from DHCP option 42)" : "");
  json_t *next = json_object_get(res, "next_in_ms");
  if (json_is_integer(next)) {
    kv("poll:", "%lld s, next in %.1f s, %lld failure(s) in a row", jint(res, "poll_s"),
       (double)json_integer_value(next) / 1000.0, jint(res, "fails"));
  }
  json_t *last = json_object_get(res, "last");
  if (json_is_object(last)) {
    char *off = secs_us(last, "offset_us"), *delay = secs_us(last, "delay_us");
    kv("last reply:", "%s stratum %lld, %lld ms ago", jstr(last, "server"), jint(last, "stratum"),
       jint(last, "age_ms"));
    kv("offset:", "%s", off);
    kv("delay:", "%s", delay);
    free(off);
    free(delay);
  } else {
    kv("last reply:", "none");
  }
  json_t *clock = json_object_get(res, "clock");
  if (json_is_object(clock)) {
    char *corr = secs_us(clock, "offset_us");
    kv("wall clock:", "host clock %s (%lld correction(s))", corr, jint(clock, "steps"));
    free(corr);
  }
  json_t *c = json_object_get(res, "counters");
  if (json_is_object(c)) {
    kv("counters:", "%lld requests, %lld replies, %lld timeouts, %lld rejected, %lld send errors", jint(c, "requests"),
       jint(c, "replies"), jint(c, "timeouts"), jint(c, "rejected"), jint(c, "send_errors"));
    kv("kisses:", "%lld RATE, %lld DENY/RSTR, %lld other", jint(c, "kiss_rate"), jint(c, "kiss_deny"),
       jint(c, "kiss_other"));
  }
  json_t *servers = json_object_get(res, "servers");
  if (json_array_size(servers) > 0) {
    putchar('\n');
    PRINT_TABLE(sntp_server_cols, servers, NULL);
  }
}

static void start_args(int argc, char **argv, struct request *rq)
{
  json_t *servers = json_array();
  int dhcp = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--dhcp")) {
      dhcp = 1;
    } else if (!strcmp(a, "-p") || !strcmp(a, "-W") || !strcmp(a, "-b")) {
      if (i + 1 >= argc) {
        die_usage("%s needs a value: %s", a, SNTP_START_USAGE);
      }
      const char *v = argv[++i];
      if (a[1] == 'p') {
        json_object_set_new(rq->args, "poll", json_integer(parse_int(v, 15, 131072, "poll interval")));
      } else if (a[1] == 'W') {
        json_object_set_new(rq->args, "timeout_ms", json_integer(parse_int(v, 100, 60000, "reply timeout")));
      } else {
        json_object_set_new(rq->args, "max_backoff", json_integer(parse_int(v, 15, 131072, "backoff limit")));
      }
    } else if (a[0] == '-') {
      die_usage("unknown option '%s': %s", a, SNTP_START_USAGE);
    } else {
      check_ip(a, "server");
      json_array_append_new(servers, json_string(a));
    }
  }
  if (dhcp == (json_array_size(servers) > 0)) {
    json_decref(servers);
    die_usage("give servers or --dhcp: %s", SNTP_START_USAGE);
  }
  if (dhcp) {
    json_decref(servers);
    json_object_set_new(rq->args, "dhcp", json_true());
  } else {
    json_object_set_new(rq->args, "servers", servers);
  }
}

void cmd_sntp(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "status";
  rq->print = print_sntp;
  if (!strcmp(sub, "status")) {
    need_args(argc, 0, 1, "sntp [status]");
    rq->cmd = "sntp.status";
  } else if (!strcmp(sub, "stop")) {
    need_args(argc, 1, 1, "sntp stop");
    rq->cmd = "sntp.stop";
  } else if (!strcmp(sub, "start")) {
    start_args(argc, argv, rq);
    rq->cmd = "sntp.start";
  } else {
    die_usage("unknown sntp subcommand '%s': use start, stop or status", sub);
  }
}
