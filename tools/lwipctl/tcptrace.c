/*
 * lwipctl tcp trace: subscribe to lwipd's `tcp` events (TCP trace events,
 * optionally filtered by 4-tuple) and record them, one JSON object per
 * line, to a file or stdout.  lwipctl tcp plot: draw such a file with the
 * lwip-tcp-plot script (Python, matplotlib), found next to lwipctl.
 * docs/tcp-trace.md describes the events and both commands.
 */
#define _GNU_SOURCE
#include "lwipctl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The interpreter with Debian's python3-matplotlib: the python3 first on
 * PATH may be another one. */
#define PLOT_PYTHON "/usr/bin/python3"
#define PLOT_SCRIPT "lwip-tcp-plot"

static const char trace_usage[] =
    "usage: lwipctl tcp trace [local=IP] [local_port=N] [remote=IP] [remote_port=N] [-o FILE.jsonl] "
    "[--count N] [--duration S]";

/* FILTER words: the keys of the subscribe request's args.tcp. */
static void trace_filter_word(json_t *f, const char *w)
{
  const char *eq = strchr(w, '=');
  if (!eq || eq == w || !eq[1]) {
    die_usage("bad tcp trace filter '%s': expected local=IP, local_port=N, remote=IP or remote_port=N", w);
  }
  size_t klen = (size_t)(eq - w);
  const char *v = eq + 1;
  if ((klen == 5 && !strncmp(w, "local", 5)) || (klen == 6 && !strncmp(w, "remote", 6))) {
    check_ip(v, "address");
    json_object_set_new(f, klen == 5 ? "local" : "remote", json_string(v));
  } else if ((klen == 10 && !strncmp(w, "local_port", 10)) || (klen == 11 && !strncmp(w, "remote_port", 11))) {
    json_object_set_new(f, klen == 10 ? "local_port" : "remote_port", json_integer(parse_int(v, 1, 65535, "port")));
  } else {
    die_usage("unknown tcp trace filter '%.*s': use local, local_port, remote or remote_port", (int)klen, w);
  }
}

/* Records events until Ctrl-C, --count events or --duration seconds.
 * Exit status 0; with -o a summary line goes to stderr. */
void tcp_trace_main(int argc, char **argv)
{
  const char *out_file = NULL;
  long long count = 0;
  double duration = -1;
  json_t *filter = json_object();
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(a, "-o") || !strcmp(a, "--count") || !strcmp(a, "--duration")) {
      if (!has_value) {
        die_usage("tcp trace option %s needs a value; %s", a, trace_usage);
      }
      const char *v = argv[++i];
      if (!strcmp(a, "-o")) {
        out_file = v;
      } else if (!strcmp(a, "--count")) {
        count = parse_int(v, 1, LLONG_MAX, "--count");
      } else {
        char *end;
        errno = 0;
        duration = strtod(v, &end);
        if (errno || end == v || *end || duration <= 0 || duration > 1e7) {
          die_usage("--duration: '%s' is not a number of seconds above 0", v);
        }
      }
    } else if (a[0] == '-') {
      die_usage("unknown tcp trace option '%s'; %s", a, trace_usage);
    } else {
      trace_filter_word(filter, a);
    }
  }
  FILE *out = stdout;
  if (out_file && !(out = fopen(out_file, "w"))) {
    die_usage("cannot write '%s': %s", out_file, strerror(errno));
  }
  json_t *args = json_pack("{s:[s], s:o}", "events", "tcp", "tcp", filter);
  struct request rq = {.cmd = "subscribe", .args = args};
  struct conn c;
  ctl_path = socket_path();
  conn_open(&c, ctl_path);
  catch_stop_signals();
  double deadline = now_s() + opt.timeout;
  send_request(&c, &rq, 1, deadline);
  char *raw = NULL;
  json_t *reply = await_reply(&c, 1, deadline, &raw);
  int st = show_reply(&rq, reply, raw);
  json_decref(reply);
  free(raw);
  json_decref(args);
  if (st != 0) {
    exit(st);
  }
  double end = duration > 0 ? now_s() + duration : -1;
  long long n = 0;
  char *line;
  while ((count == 0 || n < count) && (line = conn_line_until(&c, end)) != NULL) {
    json_error_t err;
    json_t *msg = json_loads(line, 0, &err);
    if (json_is_object(msg) && !strcmp(jstr(msg, "event"), "tcp")) {
      if (out != stdout || opt.json) {
        fprintf(out, "%s\n", line);
      } else {
        print_event(msg);
      }
      n++;
      if (out == stdout) {
        fflush(out);
      }
    }
    json_decref(msg);
    free(line);
  }
  conn_close(&c);
  if (out != stdout) {
    if (fclose(out) != 0) {
      fprintf(stderr, "lwipctl: writing %s: %s\n", out_file, strerror(errno));
      exit(EXIT_DAEMON_ERROR);
    }
    fprintf(stderr, "%lld events written to %s\n", n, out_file);
  }
  exit(0);
}

/* The plot script: $LWIPCTL_TCP_PLOT, else lwip-tcp-plot in lwipctl's own
 * folder (the build tree and the install both put it there). */
static char *plot_script(void)
{
  const char *env = getenv("LWIPCTL_TCP_PLOT");
  if (env && *env) {
    return xasprintf("%s", env);
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) {
    die_usage("cannot find lwipctl's own folder (/proc/self/exe); set LWIPCTL_TCP_PLOT");
  }
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (slash) {
    *slash = '\0';
  }
  return xasprintf("%s/%s", self, PLOT_SCRIPT);
}

/* Hands the arguments to the script under Debian's python3: it checks
 * them, and says how to install matplotlib when it is missing. */
void tcp_plot_main(int argc, char **argv)
{
  if (argc < 1) {
    die_usage("usage: lwipctl tcp plot FILE.jsonl -o FILE.png [--conn LOCAL_PORT] [--title TEXT]");
  }
  char *script = plot_script();
  if (access(script, R_OK) != 0) {
    die_usage("plot script %s: %s (set LWIPCTL_TCP_PLOT)", script, strerror(errno));
  }
  char **av = xmalloc(sizeof(char *) * (size_t)(argc + 3));
  av[0] = (char *)PLOT_PYTHON;
  av[1] = script;
  for (int i = 0; i < argc; i++) {
    av[i + 2] = argv[i];
  }
  av[argc + 2] = NULL;
  fflush(stdout);
  execv(PLOT_PYTHON, av);
  fprintf(stderr, "lwipctl: cannot run %s: %s (Debian package python3)\n", PLOT_PYTHON, strerror(errno));
  exit(EXIT_DAEMON_ERROR);
}
