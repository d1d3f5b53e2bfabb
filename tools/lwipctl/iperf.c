/*
 * lwipctl: lwipd's iperf 2 / iperf3 servers and clients (iperf.*).
 *
 * "iperf client" starts the test and then polls iperf.status on the same
 * connection, printing each interval as it closes, a progress line on a
 * terminal, and the summary at the end.  Interrupting it stops the test
 * in lwipd.  That live output is iperf's own, not a table.
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void human_bytes(char *buf, size_t n, double bytes)
{
  const char *u[] = {"Bytes", "KBytes", "MBytes", "GBytes", "TBytes"};
  int i = 0;
  while (bytes >= 1024.0 && i < 4) {
    bytes /= 1024.0;
    i++;
  }
  snprintf(buf, n, "%.*f %s", bytes < 10 ? 2 : bytes < 100 ? 1 : 0, bytes, u[i]);
}

void human_rate(char *buf, size_t n, double bps)
{
  const char *u[] = {"bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec"};
  int i = 0;
  while (bps >= 1000.0 && i < 3) {
    bps /= 1000.0;
    i++;
  }
  snprintf(buf, n, "%.*f %s", bps < 10 ? 2 : bps < 100 ? 1 : 0, bps, u[i]);
}

/* One line as iperf3 prints it: interval, transfer, bitrate, and for UDP
 * jitter and loss. */
static void iperf_line(const char *label, json_t *o, const char *tail)
{
  char b[32], r[32];
  human_bytes(b, sizeof(b), jnum(o, "bytes"));
  human_rate(r, sizeof(r), jnum(o, "bits_per_second"));
  printf("[%5s] %6.2f-%-6.2f sec  %11s  %14s", label, jnum(o, "start"), jnum(o, "end"), b, r);
  if (json_object_get(o, "jitter_ms")) {
    printf("  %.3f ms  %lld/%lld (%.2g%%)", jnum(o, "jitter_ms"), jint(o, "lost_packets"), jint(o, "packets"),
           jnum(o, "lost_percent"));
  }
  printf("%s\n", tail);
}

static void iperf_summary(json_t *st)
{
  json_t *res = json_object_get(st, "result");
  json_t *end = json_object_get(res, "end");
  if (end) {
    printf("- - - - - - - - - - - - - - - - - - - - - - - - -\n");
    iperf_line("SUM", json_object_get(end, "sum_sent"), "  sender");
    iperf_line("SUM", json_object_get(end, "sum_received"), "  receiver");
    json_t *cpu = json_object_get(end, "cpu_utilization_percent");
    printf("CPU utilization: lwipd %.1f%%, remote %.1f%%\n", jnum(cpu, "host_total"), jnum(cpu, "remote_total"));
  } else if (res) {
    char b[32], r[32];
    human_bytes(b, sizeof(b), jnum(res, "bytes"));
    human_rate(r, sizeof(r), jnum(res, "bits_per_second"));
    printf("sent %s in %.2f sec: %s\n", b, jnum(res, "seconds"), r);
    json_t *rep = json_object_get(res, "server_report");
    if (rep) {
      human_bytes(b, sizeof(b), jnum(rep, "bytes"));
      human_rate(r, sizeof(r), jnum(rep, "bits_per_second"));
      printf("server report: %s in %.2f sec: %s, jitter %.3f ms, lost %lld/%lld\n", b, jnum(rep, "seconds"), r,
             jnum(rep, "jitter_ms"), jint(rep, "lost_packets"), jint(rep, "packets"));
    }
  }
  if (json_object_get(st, "error")) {
    fprintf(stderr, "lwipctl: iperf: %s\n", jstr(st, "error"));
  }
}

/* One request on an open connection (args stolen); exits on an error
 * reply. */
static json_t *iperf_call(struct conn *c, long long id, const char *cmd, json_t *args)
{
  struct request rq = {.cmd = cmd, .args = args};
  char *raw = NULL;
  double deadline = now_s() + opt.timeout;
  send_request(c, &rq, id, deadline);
  json_decref(args);
  json_t *reply = await_reply(c, id, deadline, &raw);
  free(raw);
  if (!json_is_true(json_object_get(reply, "ok"))) {
    report_error(reply);
    exit(EXIT_DAEMON_ERROR);
  }
  json_t *res = json_incref(json_object_get(reply, "result"));
  json_decref(reply);
  return res;
}

static json_t *id_args(long long id)
{
  return json_pack("{s:I}", "id", (json_int_t)id);
}

/* The test is over: the summary (or the status as one JSON line), then
 * the session is stopped in lwipd. */
static _Noreturn void iperf_finish(struct conn *c, long long rid, long long id, json_t *st, int tty)
{
  int failed = !strcmp(jstr(st, "state"), "failed");
  if (opt.json) {
    char *text = json_dumps(st, JSON_COMPACT);
    puts(text);
    free(text);
  } else {
    if (tty) {
      printf("\r\033[K");
    }
    iperf_summary(st);
  }
  json_decref(st);
  json_decref(iperf_call(c, rid, "iperf.stop", id_args(id)));
  fflush(stdout);
  exit(failed ? EXIT_DAEMON_ERROR : 0);
}

static _Noreturn void iperf_live(const struct request *start)
{
  struct conn c;
  long long rid = 1;
  ctl_path = socket_path();
  conn_open(&c, ctl_path);
  catch_stop_signals();
  json_t *res = iperf_call(&c, rid++, "iperf.start", json_incref(start->args));
  long long id = jint(res, "id"), seen = 0;
  json_decref(res);
  int tty = isatty(1) && !opt.json;
  if (!opt.json) {
    printf("iperf %lld: connecting to %s port %lld\n", id, jstr(start->args, "target"), jint(start->args, "port"));
  }
  for (;;) {
    if (stop_requested) {
      json_decref(iperf_call(&c, rid++, "iperf.stop", id_args(id)));
      fprintf(stderr, "lwipctl: iperf %lld stopped\n", id);
      exit(EXIT_DAEMON_ERROR);
    }
    json_t *st =
        iperf_call(&c, rid++, "iperf.status", json_pack("{s:I, s:I}", "id", (json_int_t)id, "since", (json_int_t)seen));
    size_t i;
    json_t *iv;
    json_array_foreach(json_object_get(st, "intervals"), i, iv) {
      if (tty) {
        printf("\r\033[K");
      }
      if (!opt.json) {
        iperf_line("SUM", json_object_get(iv, "sum"), "");
      }
      seen++;
    }
    const char *state = jstr(st, "state");
    if (!strcmp(state, "done") || !strcmp(state, "failed")) {
      iperf_finish(&c, rid, id, st, tty);
    }
    if (tty) {
      printf("\r\033[K%s %.1f/%lld s", state, jnum(st, "elapsed"), jint(start->args, "duration"));
      fflush(stdout);
    }
    json_decref(st);
    struct timespec ts = {0, 250 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

/* The options after "iperf server" or "iperf client HOST", from argv[i]. */
static void iperf_options(int argc, char **argv, int i, int client, struct request *rq)
{
  const char *sub = argv[0];
  for (; i < argc; i++) {
    const char *o = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int takes = !strcmp(o, "-p") || !strcmp(o, "-t") || !strcmp(o, "-b") || !strcmp(o, "-P") || !strcmp(o, "-l");
    if (takes && !v) {
      die_usage("%s needs a value", o);
    }
    if (!strcmp(o, "-3") || !strcmp(o, "-2")) {
      json_object_set_new(rq->args, "version", json_integer(o[1] - '0'));
    } else if (!strcmp(o, "-u")) {
      json_object_set_new(rq->args, "protocol", json_string("udp"));
    } else if (!strcmp(o, "-p")) {
      json_object_set_new(rq->args, "port", json_integer(parse_int(v, 1, 65535, "port")));
    } else if (client && !strcmp(o, "-t")) {
      json_object_set_new(rq->args, "duration", json_integer(parse_int(v, 1, 86400, "seconds")));
    } else if (client && !strcmp(o, "-b")) {
      json_object_set_new(rq->args, "bandwidth", json_integer(parse_rate(v)));
    } else if (client && !strcmp(o, "-P")) {
      json_object_set_new(rq->args, "streams", json_integer(parse_int(v, 1, 16, "streams")));
    } else if (client && !strcmp(o, "-l")) {
      json_object_set_new(rq->args, "length", json_integer(parse_size(v)));
    } else if (client && !strcmp(o, "-R")) {
      json_object_set_new(rq->args, "reverse", json_true());
    } else {
      die_usage("unknown iperf %s option '%s'", sub, o);
    }
    i += takes;
  }
}

void cmd_iperf(int argc, char **argv, struct request *rq)
{
  static const char usage[] =
      "iperf server [-3|-2] [-p PORT] [-u] | iperf client HOST [-3|-2] [-p PORT] [-t SECS] [-u] "
      "[-b RATE] [-P N] [-R] [-l LEN] | iperf status [ID] | iperf stop [ID]";
  if (argc == 0) {
    die_usage("usage: %s", usage);
  }
  const char *sub = argv[0];
  if (!strcmp(sub, "status") || !strcmp(sub, "stop")) {
    int stop = !strcmp(sub, "stop");
    need_args(argc, 1, 2, usage);
    if (argc == 2) {
      json_object_set_new(rq->args, "id", json_integer(parse_int(argv[1], 1, INT_MAX, "id")));
    }
    rq->cmd = stop ? "iperf.stop" : "iperf.status";
    rq->print = stop ? print_iperf_stop : print_iperf_status;
    return;
  }
  int client = !strcmp(sub, "client");
  if (!client && strcmp(sub, "server")) {
    die_usage("unknown iperf subcommand '%s': use server, client, status or stop", sub);
  }
  json_object_set_new(rq->args, "mode", json_string(sub));
  if (client) {
    if (argc < 2 || argv[1][0] == '-') {
      die_usage("iperf client needs a HOST");
    }
    check_ip_any(argv[1], "HOST");
    json_object_set_new(rq->args, "target", json_string(argv[1]));
  }
  iperf_options(argc, argv, client ? 2 : 1, client, rq);
  if (!client) {
    rq->cmd = "iperf.start";
    rq->print = print_iperf_start;
    return;
  }
  long long version = json_object_get(rq->args, "version") ? jint(rq->args, "version") : 3;
  if (!json_object_get(rq->args, "port")) {
    json_object_set_new(rq->args, "port", json_integer(version == 3 ? 5201 : 5001));
  }
  if (!json_object_get(rq->args, "duration")) {
    json_object_set_new(rq->args, "duration", json_integer(10));
  }
  iperf_live(rq);
}
