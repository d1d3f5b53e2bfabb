/*
 * lwipctl: the control socket.  Finding it, a non-blocking connection with
 * a line buffer, one request/reply exchange, --json, and the event stream
 * of watch/subscribe.
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

/* lwipd buffers at most 1 MiB for a client, so no reply line can be longer. */
#define MAX_LINE (1024u * 1024u)
#define RUN_DIR "/run/lwipd"

/* The socket path in use, for error messages. */
const char *ctl_path = "";

/* Set by SIGINT/SIGTERM while subscribed, so the event loop ends cleanly. */
volatile sig_atomic_t stop_requested;

double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------- */
/* The connection                                                         */
/* ---------------------------------------------------------------------- */

/* Waits until the socket is ready; a negative deadline waits forever.
 * Signals interrupt poll() with EINTR: the wait is simply resumed unless
 * a subscription was asked to stop. */
static void conn_wait(struct conn *c, short events, double deadline)
{
  for (;;) {
    if (stop_requested) {
      fflush(stdout);
      exit(0);
    }
    int ms = -1;
    if (deadline >= 0) {
      double left = deadline - now_s();
      if (left <= 0) {
        die_conn("timed out waiting for lwipd on %s (see --timeout)", ctl_path);
      }
      /* Long waits (a ping of many hours) are done in one-hour steps so
       * that the millisecond count fits in an int. */
      ms = left > 3600.0 ? 3600000 : (int)(left * 1000.0) + 1;
    }
    struct pollfd p = {.fd = c->fd, .events = events};
    int n = poll(&p, 1, ms);
    if (n > 0) {
      return;
    }
    if (n < 0 && errno != EINTR) {
      die_conn("poll on %s: %s", ctl_path, strerror(errno));
    }
  }
}

void conn_open(struct conn *c, const char *path)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(sa.sun_path)) {
    die_conn("cannot connect to %s: socket path too long", path);
  }
  strcpy(sa.sun_path, path);
  c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (c->fd < 0) {
    die_conn("socket: %s", strerror(errno));
  }
  /* No signal handler is installed yet, so connect() cannot see EINTR. */
  if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    die_conn("cannot connect to %s: %s", path, strerror(errno));
  }
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
  c->buf = xmalloc(MAX_LINE + 1);
  c->len = c->scan = 0;
}

void conn_close(struct conn *c)
{
  close(c->fd);
  free(c->buf);
}

static void conn_send(struct conn *c, const char *data, size_t len, double deadline)
{
  while (len > 0) {
    ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      len -= (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      conn_wait(c, POLLOUT, deadline);
    } else if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      /* lwipd may have refused us with an error line and closed (the 33rd
       * client gets "busy"): stop sending and let the reader find that
       * line, or report the closed connection. */
      return;
    } else if (n < 0 && errno != EINTR) {
      die_conn("connection to %s broken: %s", ctl_path, strerror(errno));
    }
  }
}

/* Takes the first complete line out of the buffer, if there is one. */
static char *conn_take_line(struct conn *c)
{
  char *nl = memchr(c->buf + c->scan, '\n', c->len - c->scan);
  if (!nl) {
    c->scan = c->len;
    return NULL;
  }
  size_t n = (size_t)(nl - c->buf);
  char *line = xmalloc(n + 1);
  memcpy(line, c->buf, n);
  line[n] = '\0';
  c->len -= n + 1;
  memmove(c->buf, nl + 1, c->len);
  c->scan = 0;
  return line;
}

/* Returns the next line (without its newline), however the daemon's writes
 * were split across reads. */
static char *conn_line(struct conn *c, double deadline)
{
  for (;;) {
    char *line = conn_take_line(c);
    if (line) {
      return line;
    }
    if (c->len > MAX_LINE) {
      die_conn("line from %s longer than 1 MiB", ctl_path);
    }
    ssize_t n = read(c->fd, c->buf + c->len, MAX_LINE + 1 - c->len);
    if (n > 0) {
      c->len += (size_t)n;
    } else if (n == 0) {
      die_conn("lwipd closed the connection on %s", ctl_path);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      conn_wait(c, POLLIN, deadline);
    } else if (errno != EINTR) {
      die_conn("connection to %s broken: %s", ctl_path, strerror(errno));
    }
  }
}

/* Like conn_line, but a deadline (negative: none) or a stop signal ends
 * the wait without an error.  @return the line, or NULL when it ended. */
char *conn_line_until(struct conn *c, double deadline)
{
  for (;;) {
    char *line = conn_take_line(c);
    if (line) {
      return line;
    }
    if (stop_requested || (deadline >= 0 && now_s() >= deadline)) {
      return NULL;
    }
    if (c->len > MAX_LINE) {
      die_conn("line from %s longer than 1 MiB", ctl_path);
    }
    ssize_t n = read(c->fd, c->buf + c->len, MAX_LINE + 1 - c->len);
    if (n > 0) {
      c->len += (size_t)n;
    } else if (n == 0) {
      die_conn("lwipd closed the connection on %s", ctl_path);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      int ms = -1;
      if (deadline >= 0) {
        double left = deadline - now_s();
        ms = left <= 0 ? 0 : left > 3600.0 ? 3600000 : (int)(left * 1000.0) + 1;
      }
      struct pollfd p = {.fd = c->fd, .events = POLLIN};
      if (poll(&p, 1, ms) < 0 && errno != EINTR) {
        die_conn("poll on %s: %s", ctl_path, strerror(errno));
      }
    } else if (errno != EINTR) {
      die_conn("connection to %s broken: %s", ctl_path, strerror(errno));
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Finding the socket                                                     */
/* ---------------------------------------------------------------------- */

static int is_sock_name(const char *name)
{
  size_t n = strlen(name);
  return n > 5 && !strcmp(name + n - 5, ".sock");
}

/* With no hint at all, the one socket in /run/lwipd is the daemon. */
static char *find_only_socket(void)
{
  DIR *d = opendir(RUN_DIR);
  struct dirent *e;
  char *found = NULL;
  int count = 0;
  if (!d) {
    die_conn("no lwipd socket in " RUN_DIR " (%s): is lwipd running? use --ctl PATH", strerror(errno));
  }
  while ((e = readdir(d)) != NULL) {
    if (!is_sock_name(e->d_name)) {
      continue;
    }
    if (count++ == 0) {
      found = xasprintf(RUN_DIR "/%s", e->d_name);
    }
  }
  closedir(d);
  if (count == 0) {
    die_conn("no lwipd socket in " RUN_DIR ": is lwipd running? use --ctl PATH");
  }
  if (count > 1) {
    die_usage("%d lwipd sockets in " RUN_DIR ": choose one with --tap NAME or --ctl PATH", count);
  }
  return found;
}

/* Command-line options win over the environment, which wins over the
 * directory scan. */
const char *socket_path(void)
{
  const char *env = getenv("LWIPD_CTL");
  if (opt.ctl) {
    return opt.ctl;
  }
  if (opt.tap) {
    return xasprintf(RUN_DIR "/%s.sock", opt.tap);
  }
  if (env && *env) {
    return env;
  }
  return find_only_socket();
}

/* ---------------------------------------------------------------------- */
/* One request/reply exchange                                             */
/* ---------------------------------------------------------------------- */

/* A line is our reply when it carries our id.  A line with a null or
 * missing id that is an error (rather than an event) is also ours: the
 * daemon sends those when it could not read our request at all, e.g. a
 * too_long line or the "busy" refusal of a 33rd client. */
static int is_our_reply(json_t *msg, long long id)
{
  json_t *mid = json_object_get(msg, "id");
  if (json_is_integer(mid)) {
    return json_integer_value(mid) == id;
  }
  return (!mid || json_is_null(mid)) && !json_object_get(msg, "event") && json_is_false(json_object_get(msg, "ok"));
}

static json_t *parse_line(const char *line)
{
  json_error_t err;
  json_t *msg = json_loads(line, 0, &err);
  if (!json_is_object(msg)) {
    die_conn("malformed line from lwipd on %s: %s", ctl_path, msg ? "not an object" : err.text);
  }
  return msg;
}

/* Reads until the reply to request `id` arrives.  Event lines and replies
 * to other ids are skipped; `raw` receives the reply's text. */
json_t *await_reply(struct conn *c, long long id, double deadline, char **raw)
{
  for (;;) {
    char *line = conn_line(c, deadline);
    json_t *msg = parse_line(line);
    if (is_our_reply(msg, id)) {
      *raw = line;
      return msg;
    }
    json_decref(msg);
    free(line);
  }
}

void send_request(struct conn *c, const struct request *rq, long long id, double deadline)
{
  json_t *req = json_pack("{s:I, s:s, s:O}", "id", (json_int_t)id, "cmd", rq->cmd, "args", rq->args);
  char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
  if (!text) {
    die_conn("cannot encode the request");
  }
  char *line = xasprintf("%s\n", text);
  conn_send(c, line, strlen(line), deadline);
  free(line);
  free(text);
  json_decref(req);
}

/* Prints the daemon's error in the one-line "code: message" form, keeping
 * it on one line even if the message has newlines in it. */
void report_error(json_t *reply)
{
  json_t *err = json_object_get(reply, "error");
  char *msg = xasprintf("%s", jstr(err, "message"));
  for (char *p = msg; *p; p++) {
    if (*p == '\n' || *p == '\r') {
      *p = ' ';
    }
  }
  fflush(stdout);
  fprintf(stderr, "lwipctl: %s: %s\n", jstr(err, "code"), msg);
  free(msg);
}

static void on_stop_signal(int sig)
{
  (void)sig;
  stop_requested = 1;
}

/* SA_RESTART is left out so that poll() returns and sees the flag. */
void catch_stop_signals(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* After the subscribe reply, every event line is printed until the user
 * interrupts; the daemon closing the connection is an error. */
static _Noreturn void event_loop(struct conn *c)
{
  for (;;) {
    char *line = conn_line(c, -1);
    json_t *msg = parse_line(line);
    if (json_object_get(msg, "event")) {
      if (opt.json) {
        puts(line);
      } else {
        print_event(msg);
      }
      fflush(stdout);
    }
    json_decref(msg);
    free(line);
  }
}

/* Shows the reply: verbatim with --json, else through the printer.  An
 * ok:false reply goes to stderr as one line and gives exit status 1. */
int show_reply(const struct request *rq, json_t *reply, const char *raw)
{
  json_t *ok = json_object_get(reply, "ok");
  if (!json_is_boolean(ok)) {
    die_conn("malformed reply from lwipd on %s: no \"ok\" field", ctl_path);
  }
  if (opt.json) {
    puts(raw);
  }
  if (json_is_false(ok)) {
    report_error(reply);
    return EXIT_DAEMON_ERROR;
  }
  if (!opt.json && rq->print) {
    rq->print(rq, json_object_get(reply, "result"));
  }
  return 0;
}

int run(const struct request *rq)
{
  struct conn c;
  char *raw = NULL;
  ctl_path = socket_path();
  conn_open(&c, ctl_path);
  if (rq->subscribe) {
    catch_stop_signals();
  }
  double deadline = now_s() + opt.timeout + rq->extra_timeout;
  send_request(&c, rq, 1, deadline);
  json_t *reply = await_reply(&c, 1, deadline, &raw);
  int status = show_reply(rq, reply, raw);
  json_decref(reply);
  free(raw);
  if (rq->subscribe && status == 0) {
    fflush(stdout);
    event_loop(&c);
  }
  conn_close(&c);
  return status;
}
