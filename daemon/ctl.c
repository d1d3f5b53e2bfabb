/**
 * @file ctl.c
 * The control socket: a UNIX stream socket speaking one JSON object per
 * line each way (docs/control-protocol.md is the contract).
 *
 * Every client is a libevent bufferevent.  The daemon never blocks on a
 * client: replies are queued in the client's output buffer, and a client
 * that lets more than CTL_MAX_OUTPUT bytes pile up is disconnected.
 * Deferred replies (ping) find their client again by serial number, so a
 * client that disconnects meanwhile is simply not answered.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lwip/debug.h"

#define CTL_MAX_CLIENTS 32
#define CTL_MAX_LINE (64 * 1024)
#define CTL_MAX_OUTPUT (1024 * 1024)

struct ctl_client {
  struct ctl_client *next;
  uint64_t serial;
  struct bufferevent *bev;
  unsigned subs;     /* CTL_EV_* subscribed */
  bool closing;      /* close once the output buffer has drained */
};

static struct evconnlistener *listener;
static char *sock_path;
static struct ctl_client *clients;
static unsigned nclients;
static uint64_t next_serial = 1;

static void client_free(struct ctl_client *c)
{
  for (struct ctl_client **pp = &clients; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      nclients--;
      break;
    }
  }
  bufferevent_free(c->bev);
  /* Its sockets die with it (sock.c releases them from a timer). */
  sock_client_gone(c->serial);
  free(c);
}

static struct ctl_client *client_by_serial(uint64_t serial)
{
  for (struct ctl_client *c = clients; c != NULL; c = c->next) {
    if (c->serial == serial && !c->closing) {
      return c;
    }
  }
  return NULL;
}

/* Queue one JSON line for @p c.  @return false when the client was
 * disconnected because it does not read its replies. */
static bool client_send(struct ctl_client *c, json_t *obj)
{
  char *text = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
  if (text == NULL) {
    return true;
  }
  struct evbuffer *out = bufferevent_get_output(c->bev);
  evbuffer_add(out, text, strlen(text));
  evbuffer_add(out, "\n", 1);
  free(text);
  if (evbuffer_get_length(out) > CTL_MAX_OUTPUT) {
    LWIP_LOG(APP, WARN, "control client %llu does not read its replies: disconnected",
             (unsigned long long)c->serial);
    client_free(c);
    return false;
  }
  return true;
}

static json_t *error_obj(json_t *id, const char *code, const char *message)
{
  return json_pack("{s:O, s:b, s:{s:s, s:s}}", "id", id ? id : json_null(), "ok", 0, "error", "code", code,
                   "message", message);
}

static bool send_error(struct ctl_client *c, json_t *id, const char *code, const char *message)
{
  json_t *o = error_obj(id, code, message);
  bool alive = client_send(c, o);
  json_decref(o);
  return alive;
}

json_t *ctl_error(struct ctl_reply *r, const char *code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->message, sizeof(r->message), fmt, ap);
  va_end(ap);
  r->code = code;
  return NULL;
}

static bool send_reply(struct ctl_client *c, json_t *id, json_t *result, const char *code, const char *msg)
{
  if (code != NULL) {
    return send_error(c, id, code, msg);
  }
  json_t *o = json_pack("{s:O, s:b, s:O}", "id", id ? id : json_null(), "ok", 1, "result",
                        result ? result : json_object());
  bool alive = client_send(c, o);
  json_decref(o);
  return alive;
}

bool ctl_req_alive(const struct ctl_req *req)
{
  return client_by_serial(req->client) != NULL;
}

void ctl_req_release(struct ctl_req *req)
{
  json_decref(req->id);
  req->id = NULL;
}

void ctl_reply_later(struct ctl_req *req, json_t *result, const char *code, const char *message)
{
  struct ctl_client *c = client_by_serial(req->client);
  if (c != NULL) {
    send_reply(c, req->id, result, code, message);
  }
  json_decref(result);
  ctl_req_release(req);
}

void ctl_subscribe(const struct ctl_req *req, unsigned mask)
{
  struct ctl_client *c = client_by_serial(req->client);
  if (c != NULL) {
    c->subs |= mask;
  }
}

bool ctl_has_subscribers(unsigned cls)
{
  for (struct ctl_client *c = clients; c != NULL; c = c->next) {
    if (c->subs & cls) {
      return true;
    }
  }
  return false;
}

void ctl_broadcast(unsigned cls, const char *name, json_t *ev)
{
  if (ev == NULL) {
    return; /* json_pack refused the values (not UTF-8): nothing to send */
  }
  json_object_set_new(ev, "event", json_string(name));
  json_object_set_new(ev, "time_ms", json_integer((json_int_t)(sys_now() - lwipd.start_ms)));
  struct ctl_client *c = clients;
  while (c != NULL) {
    struct ctl_client *next = c->next;
    if ((c->subs & cls) && !c->closing) {
      client_send(c, ev);
    }
    c = next;
  }
  json_decref(ev);
}

/* Parse and answer one request line.  @return false when the client is gone. */
static bool handle_line(struct ctl_client *c, const char *line, size_t len)
{
  json_error_t jerr;
  json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
  if (req == NULL || !json_is_object(req)) {
    char msg[200];
    snprintf(msg, sizeof(msg), "%s", req == NULL ? jerr.text : "a request must be a JSON object");
    json_decref(req);
    return send_error(c, NULL, "parse_error", msg);
  }
  json_t *id = json_object_get(req, "id");
  json_t *cmd = json_object_get(req, "cmd");
  json_t *args = json_object_get(req, "args");
  bool alive;
  if (!json_is_string(cmd)) {
    alive = send_error(c, id, "bad_request", "cmd: missing or not a string");
  } else if (args != NULL && !json_is_object(args)) {
    alive = send_error(c, id, "bad_request", "args: not an object");
  } else {
    ctl_cmd_fn fn = record_find(json_string_value(cmd));
    if (fn == NULL) {
      fn = cmds_find(json_string_value(cmd));
    }
    if (fn == NULL) {
      char msg[200];
      snprintf(msg, sizeof(msg), "no such command: %.100s", json_string_value(cmd));
      alive = send_error(c, id, "unknown_command", msg);
    } else {
      json_t *empty = json_object();
      record_command(json_string_value(cmd), args ? args : empty);
      struct ctl_req r = {c->serial, json_incref(id ? id : json_null())};
      struct ctl_reply out = {0};
      out.result = fn(&r, args ? args : empty, &out);
      json_decref(empty);
      /* The handler may have sent this client so much (log events,
       * replies) that it was dropped: look it up again, never use c. */
      struct ctl_client *still = client_by_serial(r.client);
      if (out.deferred) {
        alive = still != NULL; /* the handler owns r now */
      } else {
        alive = still != NULL && send_reply(still, r.id, out.result, out.code, out.message);
        json_decref(out.result);
        ctl_req_release(&r);
      }
    }
  }
  json_decref(req);
  return alive;
}

static void client_read_cb(struct bufferevent *bev, void *arg)
{
  struct ctl_client *c = (struct ctl_client *)arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  lwipd_event_begin();
  size_t n;
  char *line;
  while (!c->closing && (line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
    bool alive;
    if (n > CTL_MAX_LINE) {
      alive = send_error(c, NULL, "too_long", "request line longer than 64 KiB");
      if (alive) {
        c->closing = true;
      }
    } else {
      alive = handle_line(c, line, n);
    }
    free(line);
    if (!alive) {
      lwipd_schedule();
      return;
    }
  }
  if (!c->closing && evbuffer_get_length(in) > CTL_MAX_LINE) {
    /* No newline within the limit: answer once and hang up. */
    if (send_error(c, NULL, "too_long", "request line longer than 64 KiB")) {
      c->closing = true;
    } else {
      c = NULL;
    }
  }
  if (c != NULL && c->closing) {
    bufferevent_disable(bev, EV_READ);
    evbuffer_drain(in, evbuffer_get_length(in));
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
      client_free(c);
    }
  }
  lwipd_schedule();
}

static void client_write_cb(struct bufferevent *bev, void *arg)
{
  struct ctl_client *c = (struct ctl_client *)arg;
  if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
    client_free(c);
  }
}

static void client_event_cb(struct bufferevent *bev, short what, void *arg)
{
  (void)bev;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    client_free((struct ctl_client *)arg);
  }
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
  (void)l;
  (void)sa;
  (void)len;
  (void)arg;
  struct bufferevent *bev = bufferevent_socket_new(lwipd.base, fd, BEV_OPT_CLOSE_ON_FREE);
  struct ctl_client *c = bev ? calloc(1, sizeof(*c)) : NULL;
  if (c == NULL) {
    if (bev != NULL) {
      bufferevent_free(bev);
    } else {
      close(fd);
    }
    LWIP_LOG(APP, ERROR, "control: out of memory for a new client");
    return;
  }
  c->bev = bev;
  c->serial = next_serial++;
  c->next = clients;
  clients = c;
  nclients++;
  bufferevent_setcb(bev, client_read_cb, client_write_cb, client_event_cb, c);
  if (nclients > CTL_MAX_CLIENTS) {
    if (send_error(c, NULL, "busy", "too many control clients (limit 32)")) {
      c->closing = true;
      bufferevent_enable(bev, EV_WRITE);
    }
    return;
  }
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* mkdir -p for the socket's parent directory (mode 0755). */
static int make_parent(const char *path)
{
  char *dir = strdup(path);
  if (dir == NULL) {
    return -1;
  }
  char *slash = strrchr(dir, '/');
  if (slash == NULL || slash == dir) {
    free(dir);
    return 0;
  }
  *slash = '\0';
  for (char *p = dir + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        free(dir);
        return -1;
      }
      *p = '/';
    }
  }
  int rc = (mkdir(dir, 0755) != 0 && errno != EEXIST) ? -1 : 0;
  free(dir);
  return rc;
}

/* A socket file left by a daemon that died is removed; one that answers
 * belongs to a running lwipd and is left alone. */
static int claim_path(const struct sockaddr_un *sun)
{
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  int rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
  int e = errno;
  close(fd);
  if (rc == 0) {
    errno = EADDRINUSE;
    return -1;
  }
  if (e == ECONNREFUSED) {
    unlink(sun->sun_path);
  }
  return 0;
}

int ctl_open(struct event_base *base, const char *path)
{
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(sun.sun_path)) {
    fprintf(stderr, "lwipd: --ctl %s: path longer than %zu bytes\n", path, sizeof(sun.sun_path) - 1);
    return -1;
  }
  strcpy(sun.sun_path, path);
  if (make_parent(path) != 0) {
    fprintf(stderr, "lwipd: --ctl %s: cannot create its directory: %s\n", path, strerror(errno));
    return -1;
  }
  if (claim_path(&sun) != 0) {
    fprintf(stderr, "lwipd: --ctl %s: %s (another lwipd is running there?)\n", path, strerror(errno));
    return -1;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    fprintf(stderr, "lwipd: control socket: %s\n", strerror(errno));
    return -1;
  }
  /* Created 0600 from the start: no window in which others could connect. */
  mode_t old = umask(0177);
  int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
  umask(old);
  if (rc != 0 || listen(fd, 16) != 0) {
    fprintf(stderr, "lwipd: --ctl %s: %s\n", path, strerror(errno));
    close(fd);
    return -1;
  }
  listener = evconnlistener_new(base, accept_cb, NULL, LEV_OPT_CLOSE_ON_FREE, -1, fd);
  if (listener == NULL) {
    fprintf(stderr, "lwipd: control socket: cannot watch it\n");
    close(fd);
    unlink(path);
    return -1;
  }
  sock_path = strdup(path);
  return 0;
}

void ctl_close(void)
{
  while (clients != NULL) {
    /* Last words (the error replies of calls cut short by the shutdown)
     * go out if the socket takes them now; the daemon never blocks. */
    struct evbuffer *out = bufferevent_get_output(clients->bev);
    evutil_socket_t fd = bufferevent_getfd(clients->bev);
    if (fd >= 0 && evbuffer_get_length(out) > 0) {
      evbuffer_write(out, fd);
    }
    client_free(clients);
  }
  if (listener != NULL) {
    evconnlistener_free(listener);
    listener = NULL;
  }
  if (sock_path != NULL) {
    unlink(sock_path);
    free(sock_path);
    sock_path = NULL;
  }
}
