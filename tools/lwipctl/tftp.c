/*
 * lwipctl tftp: start, stop and show lwipd's TFTP server (tftp.*).
 *
 *   lwipctl tftp [status]
 *   lwipctl tftp start DIR [-p PORT] [-w] [-n MAX_TRANSFERS] [-B MAX_BLKSIZE]
 *                          [-W TIMEOUT_MS] [-m MIN_RTO_MS] [-r RETRIES]
 *   lwipctl tftp stop
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TFTP_START_USAGE                                                                                               \
  "tftp start DIR [-p PORT] [-w] [-n MAX_TRANSFERS] [-B MAX_BLKSIZE] [-W TIMEOUT_MS] [-m MIN_RTO_MS] [-r RETRIES]"

static char *peer_cell(json_t *row, json_t *ctx)
{
  (void)ctx;
  return xasprintf("%s:%lld", jstr(row, "peer"), jint(row, "peer_port"));
}

static char *progress_cell(json_t *row, json_t *ctx)
{
  (void)ctx;
  json_t *ts = json_object_get(row, "tsize");
  if (json_is_integer(ts) && json_integer_value(ts) > 0) {
    return xasprintf("%lld/%lld (%lld%%)", jint(row, "bytes"), (long long)json_integer_value(ts),
                     jint(row, "bytes") * 100 / (long long)json_integer_value(ts));
  }
  return xasprintf("%lld", jint(row, "bytes"));
}

static const struct column tftp_xfer_cols[] = {
    {.header = "DIR", .kind = COL_STR, .key = "dir", .align = 'l'},
    {.header = "PEER", .kind = COL_FN, .cell = peer_cell, .align = 'l'},
    {.header = "PORT", .kind = COL_INT, .key = "local_port", .align = 'r'},
    {.header = "STATE", .kind = COL_STR, .key = "state", .align = 'l'},
    {.header = "BLKSIZE", .kind = COL_INT, .key = "blksize", .align = 'r'},
    {.header = "BLOCK", .kind = COL_INT, .key = "block", .align = 'r'},
    {.header = "BYTES", .kind = COL_FN, .cell = progress_cell, .align = 'r'},
    {.header = "RETX", .kind = COL_INT, .key = "retransmits", .align = 'r'},
    {.header = "DUPACK", .kind = COL_INT, .key = "dup_acks", .align = 'r'},
    {.header = "RTO_MS", .kind = COL_INT, .key = "rto_ms", .align = 'r'},
    {.header = "FILE", .kind = COL_STR, .key = "file", .align = 'l'},
};

static void print_tftp(const struct request *rq, json_t *res)
{
  (void)rq;
  if (jtrue(res, "running")) {
    kv("state:", "serving %s on port %lld%s", jstr(res, "root"), jint(res, "port"),
       jtrue(res, "writable") ? " (writable)" : " (read-only)");
    kv("limits:", "%lld of %lld transfers, blksize up to %lld, timeout %lld ms (floor %lld ms), %lld retries",
       jint(res, "active"), jint(res, "max_transfers"), jint(res, "max_blksize"), jint(res, "timeout_ms"),
       jint(res, "min_rto_ms"), jint(res, "retries"));
  } else {
    kv("state:", "stopped");
  }
  json_t *t = json_object_get(res, "totals");
  if (json_is_object(t)) {
    kv("requests:", "%lld read, %lld write, %lld refused", jint(t, "rrq"), jint(t, "wrq"), jint(t, "refused"));
    kv("transfers:", "%lld completed, %lld failed (%lld timed out, %lld client errors)", jint(t, "completed"),
       jint(t, "failed"), jint(t, "timeouts"), jint(t, "peer_errors"));
    kv("bytes:", "%lld sent, %lld received", jint(t, "bytes_sent"), jint(t, "bytes_received"));
    kv("packets:", "%lld retransmitted, %lld duplicate ACKs ignored, %lld unknown-TID errors", jint(t, "retransmits"),
       jint(t, "dup_acks"), jint(t, "unknown_tid"));
  }
  json_t *xfers = json_object_get(res, "transfers");
  if (json_array_size(xfers) > 0) {
    putchar('\n');
    PRINT_TABLE(tftp_xfer_cols, xfers, NULL);
  }
}

static void start_args(int argc, char **argv, struct request *rq)
{
  const char *dir = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-w")) {
      json_object_set_new(rq->args, "writable", json_true());
      continue;
    }
    if (a[0] == '-' && a[1] != '\0' && a[2] == '\0' && strchr("pnBWmr", a[1]) != NULL) {
      if (i + 1 >= argc) {
        die_usage("%s needs a value: %s", a, TFTP_START_USAGE);
      }
      const char *v = argv[++i];
      switch (a[1]) {
      case 'p':
        json_object_set_new(rq->args, "port", json_integer(parse_int(v, 1, 65535, "port")));
        break;
      case 'n':
        json_object_set_new(rq->args, "max_transfers", json_integer(parse_int(v, 1, 8, "transfer limit")));
        break;
      case 'B':
        json_object_set_new(rq->args, "max_blksize", json_integer(parse_int(v, 8, 65464, "block size")));
        break;
      case 'W':
        json_object_set_new(rq->args, "timeout_ms", json_integer(parse_int(v, 10, 60000, "timeout")));
        break;
      case 'm':
        json_object_set_new(rq->args, "min_rto_ms", json_integer(parse_int(v, 1, 60000, "timeout floor")));
        break;
      default:
        json_object_set_new(rq->args, "retries", json_integer(parse_int(v, 1, 50, "retries")));
        break;
      }
    } else if (a[0] == '-') {
      die_usage("unknown option '%s': %s", a, TFTP_START_USAGE);
    } else if (dir != NULL) {
      die_usage("one directory only: %s", TFTP_START_USAGE);
    } else {
      dir = a;
    }
  }
  if (dir == NULL) {
    die_usage("give the directory to serve: %s", TFTP_START_USAGE);
  }
  /* lwipd resolves the path in its own working directory: send it whole. */
  json_object_set_new(rq->args, "root", absolute_path(dir));
}

void cmd_tftp(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "status";
  rq->print = print_tftp;
  if (!strcmp(sub, "status")) {
    need_args(argc, 0, 1, "tftp [status]");
    rq->cmd = "tftp.status";
  } else if (!strcmp(sub, "stop")) {
    need_args(argc, 1, 1, "tftp stop");
    rq->cmd = "tftp.stop";
  } else if (!strcmp(sub, "start")) {
    start_args(argc, argv, rq);
    rq->cmd = "tftp.start";
  } else {
    die_usage("unknown tftp subcommand '%s': use start, stop or status", sub);
  }
}
