/*
 * lwipctl http: start, stop and show lwipd's HTTP server (http.*).
 *
 *   lwipctl http [status]
 *   lwipctl http start [DIR] [-p PORT] [-c MAX_CONNS] [-i IDLE_MS] [-H MAX_HEADER] [--no-status-page]
 *   lwipctl http stop
 */
#define _DEFAULT_SOURCE

#include "lwipctl.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_START_USAGE "http start [DIR] [-p PORT] [-c MAX_CONNS] [-i IDLE_MS] [-H MAX_HEADER] [--no-status-page]"

static const struct column http_conn_cols[] = {
    {.header = "REMOTE", .kind = COL_STR, .key = "remote", .align = 'l'},
    {.header = "PORT", .kind = COL_INT, .key = "remote_port", .align = 'r'},
    {.header = "PHASE", .kind = COL_STR, .key = "phase", .align = 'l'},
    {.header = "STATUS", .kind = COL_INT, .key = "status", .align = 'r'},
    {.header = "REQUESTS", .kind = COL_INT, .key = "requests", .align = 'r'},
    {.header = "LEFT", .kind = COL_INT, .key = "left", .align = 'r'},
    {.header = "PENDING", .kind = COL_INT, .key = "pending", .align = 'r'},
    {.header = "IDLE_MS", .kind = COL_INT, .key = "idle_ms", .align = 'r'},
};

static void print_http(const struct request *rq, json_t *res)
{
  (void)rq;
  if (!jtrue(res, "running") && !json_is_object(json_object_get(res, "counters"))) {
    kv("state:", "stopped");
    return;
  }
  json_t *root = json_object_get(res, "root");
  kv("state:", "%s on port %lld", jtrue(res, "running") ? "running" : "stopped", jint(res, "port"));
  kv("files:", "%s", json_is_string(root) ? json_string_value(root) : "the built-in pages (ROM)");
  kv("limits:", "%lld connections, %lld-byte request head, idle %lld ms, status page %s", jint(res, "max_conns"),
     jint(res, "max_header"), jint(res, "idle_timeout_ms"), jtrue(res, "status_page") ? "/status" : "off");
  json_t *c = json_object_get(res, "counters");
  if (json_is_object(c)) {
    kv("connections:", "%lld open, %lld served, %lld refused (limit), %lld no memory, %lld timed out",
       jint(res, "open"), jint(c, "connections"), jint(c, "refused"), jint(c, "conn_no_mem"), jint(c, "timeouts"));
    kv("requests:", "%lld (%lld pipelined): %lld 2xx, %lld 4xx, %lld 5xx", jint(c, "requests"), jint(c, "pipelined"),
       jint(c, "responses_2xx"), jint(c, "responses_4xx"), jint(c, "responses_5xx"));
    kv("details:", "%lld not found, %lld bad requests, %lld ranges, %lld unsatisfiable, %lld read errors",
       jint(c, "not_found"), jint(c, "bad_requests"), jint(c, "ranges"), jint(c, "unsatisfiable"),
       jint(c, "io_errors"));
    kv("body bytes:", "%lld", jint(c, "tx_body_bytes"));
  }
  json_t *conns = json_object_get(res, "connections");
  if (json_array_size(conns) > 0) {
    putchar('\n');
    PRINT_TABLE(http_conn_cols, conns, NULL);
  }
}

static void start_args(int argc, char **argv, struct request *rq)
{
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--no-status-page")) {
      json_object_set_new(rq->args, "status_page", json_false());
    } else if (!strcmp(a, "-p") || !strcmp(a, "-c") || !strcmp(a, "-i") || !strcmp(a, "-H")) {
      if (i + 1 >= argc) {
        die_usage("%s needs a value: %s", a, HTTP_START_USAGE);
      }
      const char *v = argv[++i];
      if (a[1] == 'p') {
        json_object_set_new(rq->args, "port", json_integer(parse_int(v, 1, 65535, "port")));
      } else if (a[1] == 'c') {
        json_object_set_new(rq->args, "max_conns", json_integer(parse_int(v, 1, 4096, "connection limit")));
      } else if (a[1] == 'i') {
        json_object_set_new(rq->args, "idle_timeout_ms", json_integer(parse_int(v, 1000, 3600000, "idle timeout")));
      } else {
        json_object_set_new(rq->args, "max_header", json_integer(parse_int(v, 256, 32768, "request head limit")));
      }
    } else if (a[0] == '-') {
      die_usage("unknown option '%s': %s", a, HTTP_START_USAGE);
    } else if (json_object_get(rq->args, "root") != NULL) {
      die_usage("one directory only: %s", HTTP_START_USAGE);
    } else {
      /* lwipd resolves the path in its own working directory: send it
       * absolute. */
      char abs[PATH_MAX];
      if (realpath(a, abs) == NULL) {
        die_usage("%s: not a directory here", a);
      }
      json_object_set_new(rq->args, "root", json_string(abs));
    }
  }
}

void cmd_http(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "status";
  rq->print = print_http;
  if (!strcmp(sub, "status")) {
    need_args(argc, 0, 1, "http [status]");
    rq->cmd = "http.status";
  } else if (!strcmp(sub, "stop")) {
    need_args(argc, 1, 1, "http stop");
    rq->cmd = "http.stop";
  } else if (!strcmp(sub, "start")) {
    start_args(argc, argv, rq);
    rq->cmd = "http.start";
  } else {
    die_usage("unknown http subcommand '%s': use start, stop or status", sub);
  }
}
