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

#include "ctlproto.h"
#include "lwip/debug.h"

#define CTL_MAX_CLIENTS 32
/* Flow control (docs/control-protocol.md, "Limits"): a client's requests
 * are read only while its unsent output is under the high-water mark, and
 * reading resumes once the output has drained to the low-water mark.  So a
 * client that pipelines requests costs at most one reply past the mark,
 * however large that reply is, and a reply is never the reason to drop a
 * client.  Only events (which a client cannot pace) can pile up without
 * bound; more than CTL_MAX_EVENT_BACKLOG bytes of them unsent means the
 * client does not read, and it is disconnected. */
#define CTL_OUT_HIGH (256 * 1024)
#define CTL_OUT_LOW (64 * 1024)
#define CTL_MAX_EVENT_BACKLOG (1024 * 1024)
/* Deferred calls (ping, dns.resolve, tcp.connect, blocking sock.*) one
 * client may have outstanding: each holds daemon memory until it ends. */
#define CTL_MAX_PENDING 64

struct ctl_client {
  struct ctl_client *next;
  uint64_t serial;
  struct bufferevent *bev;
  unsigned subs;     /* CTL_EV_* subscribed */
  unsigned pending;  /* deferred calls not answered yet */
  bool closing;      /* close once the output buffer has drained */
  bool paused;       /* request reading paused: output above CTL_OUT_HIGH */
  bool dead;         /* disconnected; the reaper frees it */
  uint64_t queued;   /* bytes ever queued for it */
  uint64_t reply_end; /* 'queued' just after its last reply */
};

/* What the control socket has refused or cut off, for `status`. */
static struct {
  uint64_t accepted, refused_busy, too_long, pending_limit, not_reading;
} ctl_counters;

static struct evconnlistener *listener;
static char *sock_path;
static struct ctl_client *clients;
static unsigned nclients; /* live clients: the dead are not counted */
static uint64_t next_serial = 1;
/* Clients are never freed where they are found dead: the code that found
 * it may be deep inside a broadcast, a log hook or a command handler that
 * still walks the client list or holds the pointer.  They are marked dead
 * and this event, run from the loop itself, frees them. */
static struct event *reaper;

/* Release @p c, already taken off the list. */
static void client_destroy(struct ctl_client *c)
{
  bufferevent_free(c->bev);
  /* Its sockets die with it (sock.c releases them from a timer). */
  sock_client_gone(c->serial);
  tcptrace_client_gone(c->serial);
  free(c);
}

/* Free every client marked dead (all of them when @p all). */
static void clients_reap(bool all)
{
  struct ctl_client **pp = &clients;
  while (*pp != NULL) {
    struct ctl_client *c = *pp;
    if (c->dead || all) {
      *pp = c->next;
      nclients -= !c->dead;
      client_destroy(c);
    } else {
      pp = &c->next;
    }
  }
}

static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
  (void)fd;
  (void)what;
  (void)arg;
  clients_reap(false);
  lwipd_schedule(); /* sock_client_gone may have armed a timer */
}

/* Disconnect @p c: from now on nothing is sent to it and no lookup finds
 * it.  Safe from anywhere, any number of times; @p why (may be NULL) is
 * logged after the client is marked, so the log event it raises cannot
 * reach this client again. */
static void client_kill(struct ctl_client *c, const char *why)
{
  if (c->dead) {
    return;
  }
  c->dead = true;
  nclients--;
  bufferevent_disable(c->bev, EV_READ | EV_WRITE);
  if (reaper != NULL) {
    event_active(reaper, EV_TIMEOUT, 1);
  }
  if (why != NULL) {
    LWIP_LOG(APP, WARN, "control client %llu %s: disconnected", (unsigned long long)c->serial, why);
  }
}

static struct ctl_client *client_by_serial(uint64_t serial)
{
  for (struct ctl_client *c = clients; c != NULL; c = c->next) {
    if (c->serial == serial && !c->closing && !c->dead) {
      return c;
    }
  }
  return NULL;
}

/* Queue one JSON line for @p c; @p is_reply tells replies from events.
 * @return false when the client is (now) disconnected. */
static bool client_send(struct ctl_client *c, json_t *obj, bool is_reply)
{
  if (c->dead) {
    return false;
  }
  char *text = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
  if (text == NULL) {
    return true;
  }
  struct evbuffer *out = bufferevent_get_output(c->bev);
  size_t n = strlen(text);
  evbuffer_add(out, text, n);
  evbuffer_add(out, "\n", 1);
  free(text);
  c->queued += n + 1;
  if (is_reply) {
    c->reply_end = c->queued;
  }
  /* The output is FIFO: of what is still unsent, everything up to the end
   * of the last reply is reply bytes, whatever follows it is events. */
  uint64_t len = evbuffer_get_length(out);
  uint64_t sent = c->queued - len;
  uint64_t replies = c->reply_end > sent ? c->reply_end - sent : 0;
  if (len - replies > CTL_MAX_EVENT_BACKLOG) {
    ctl_counters.not_reading++;
    client_kill(c, "does not read its events (1 MiB unsent)");
    return false;
  }
  return true;
}

static json_t *error_obj(json_t *id, const char *code, const char *message)
{
  json_t *o = json_pack("{s:O, s:b, s:{s:s, s:s}}", "id", id ? id : json_null(), "ok", 0, "error", "code", code,
                        "message", message);
  if (o == NULL) {
    /* The message is not UTF-8 (a handler's message cut inside a
     * multi-byte character, say): send it escaped rather than no reply. */
    char safe[sizeof(((struct ctl_reply *)0)->message) * 4];
    ctl_printable(safe, sizeof(safe), message);
    o = json_pack("{s:O, s:b, s:{s:s, s:s}}", "id", id ? id : json_null(), "ok", 0, "error", "code", code,
                  "message", safe);
  }
  return o;
}

static bool send_error(struct ctl_client *c, json_t *id, const char *code, const char *message)
{
  json_t *o = error_obj(id, code, message);
  bool alive = client_send(c, o, true);
  json_decref(o);
  return alive;
}

static bool send_reply(struct ctl_client *c, json_t *id, json_t *result, const char *code, const char *msg)
{
  if (code != NULL) {
    return send_error(c, id, code, msg);
  }
  json_t *o = json_pack("{s:O, s:b, s:O}", "id", id ? id : json_null(), "ok", 1, "result",
                        result ? result : json_object());
  bool alive = client_send(c, o, true);
  json_decref(o);
  return alive;
}

static bool sock_req_alive(const struct ctl_req *req)
{
  return client_by_serial(req->client) != NULL;
}

/* A deferred call of @p req has ended: its client may take another. */
static void req_settle(struct ctl_req *req)
{
  if (!req->pending) {
    return;
  }
  req->pending = false;
  for (struct ctl_client *c = clients; c != NULL; c = c->next) {
    if (c->serial == req->client && c->pending > 0) {
      c->pending--;
      return;
    }
  }
}

static void sock_req_release(struct ctl_req *req)
{
  req_settle(req);
  json_decref(req->id);
  req->id = NULL;
}

static void sock_reply_later(struct ctl_req *req, json_t *result, const char *code, const char *message)
{
  struct ctl_client *c = client_by_serial(req->client);
  if (c != NULL) {
    send_reply(c, req->id, result, code, message);
  }
  json_decref(result);
  sock_req_release(req);
}

static void sock_subscribe(const struct ctl_req *req, unsigned mask)
{
  struct ctl_client *c = client_by_serial(req->client);
  if (c != NULL) {
    c->subs |= mask;
  }
}

static bool sock_has_subscribers(unsigned cls)
{
  for (struct ctl_client *c = clients; c != NULL; c = c->next) {
    if ((c->subs & cls) && !c->dead && !c->closing) {
      return true;
    }
  }
  return false;
}

static void sock_broadcast(unsigned cls, const char *name, json_t *ev)
{
  if (ev == NULL) {
    return; /* json_pack refused the values (not UTF-8): nothing to send */
  }
  json_object_set_new(ev, "event", json_string(name));
  json_object_set_new(ev, "time_ms", json_integer((json_int_t)(sys_now() - lwipd.start_ms)));
  /* The list does not change under this walk: client_send() may kill a
   * client (and its log line may broadcast again, re-entering here), but
   * killed clients stay listed until the reaper runs from the loop. */
  for (struct ctl_client *c = clients; c != NULL; c = c->next) {
    if ((c->subs & cls) && !c->closing && !c->dead) {
      client_send(c, ev, false);
    }
  }
  json_decref(ev);
}

/* One client's event (the TCP trace, filtered per client). */
static bool sock_send_event(uint64_t client, const char *name, json_t *ev)
{
  if (ev == NULL) {
    return true;
  }
  struct ctl_client *c = client_by_serial(client);
  bool alive = false;
  if (c != NULL) {
    json_object_set_new(ev, "event", json_string(name));
    json_object_set_new(ev, "time_ms", json_integer((json_int_t)(sys_now() - lwipd.start_ms)));
    alive = client_send(c, ev, false);
  }
  json_decref(ev);
  return alive;
}

static json_t *sock_status_json(void)
{
  unsigned subscribers = 0, paused = 0;
  for (struct ctl_client *c = clients; c != NULL; c = c->next) {
    if (!c->dead) {
      subscribers += c->subs != 0;
      paused += c->paused;
    }
  }
  return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}}", "clients",
                   (json_int_t)nclients, "subscribers", (json_int_t)subscribers, "paused", (json_int_t)paused,
                   "accepted", (json_int_t)ctl_counters.accepted, "refused_busy",
                   (json_int_t)ctl_counters.refused_busy, "too_long", (json_int_t)ctl_counters.too_long,
                   "pending_limit", (json_int_t)ctl_counters.pending_limit, "not_reading",
                   (json_int_t)ctl_counters.not_reading, "limits", "clients", (json_int_t)CTL_MAX_CLIENTS,
                   "line_bytes", (json_int_t)CTL_MAX_LINE, "pending_calls", (json_int_t)CTL_MAX_PENDING,
                   "event_backlog_bytes", (json_int_t)CTL_MAX_EVENT_BACKLOG, "output_high_water",
                   (json_int_t)CTL_OUT_HIGH, "output_low_water", (json_int_t)CTL_OUT_LOW);
}

/* The services this control socket gives the command handlers. */
static const struct ctl_ops sock_ops = {
    .reply_later = sock_reply_later,
    .req_release = sock_req_release,
    .req_alive = sock_req_alive,
    .broadcast = sock_broadcast,
    .subscribe = sock_subscribe,
    .has_subscribers = sock_has_subscribers,
    .status = sock_status_json,
    .send_event = sock_send_event,
};

/* Run one parsed request's command and queue its reply. */
static void dispatch(struct ctl_client *c, const struct ctl_request *q)
{
  ctl_cmd_fn fn = ctl_cmd_lookup(record_cmds, q->cmd);
  if (fn == NULL) {
    fn = cmds_find(q->cmd);
  }
  if (fn == NULL) {
    char msg[200];
    snprintf(msg, sizeof(msg), "no such command: %.100s", q->cmd);
    send_error(c, q->id, "unknown_command", msg);
    return;
  }
  if (c->pending >= CTL_MAX_PENDING) {
    /* Refused before it runs, so a deferred call cannot start. */
    char msg[200];
    snprintf(msg, sizeof(msg), "%u calls of this client are still pending (limit %u)", c->pending,
             (unsigned)CTL_MAX_PENDING);
    ctl_counters.pending_limit++;
    send_error(c, q->id, CTL_E_BUSY, msg);
    return;
  }
  record_command(q->cmd, q->args);
  /* The request is marked pending before the handler runs: a handler that
   * defers copies it as it is, and whoever answers it later settles the
   * count (even if that happens before the handler returns). */
  struct ctl_req r = {c->serial, json_incref(q->id ? q->id : json_null()), true};
  c->pending++;
  struct ctl_reply out = {0};
  out.result = fn(&r, q->args, &out);
  if (out.deferred) {
    return; /* the handler owns r now */
  }
  /* The handler may have sent this client so much (log events) that it
   * was disconnected; c itself stays valid until the reaper runs. */
  send_reply(c, r.id, out.result, out.code, out.message);
  json_decref(out.result);
  sock_req_release(&r);
}

/* Parse and answer one request line. */
static void handle_line(struct ctl_client *c, const char *line, size_t len)
{
  struct ctl_request q;
  char msg[200];
  const char *code = ctl_request_parse(line, len, &q, msg, sizeof(msg));
  if (code != NULL) {
    send_error(c, q.id, code, msg);
  } else {
    dispatch(c, &q);
  }
  ctl_request_clear(&q);
}

static void pause_reading(struct ctl_client *c)
{
  c->paused = true;
  bufferevent_disable(c->bev, EV_READ);
  /* The write callback runs once the output has drained to the mark. */
  bufferevent_setwatermark(c->bev, EV_WRITE, CTL_OUT_LOW, 0);
}

/* Hang up on @p c after what is queued has gone out. */
static void close_after_output(struct ctl_client *c)
{
  c->closing = true;
  c->paused = false;
  bufferevent_disable(c->bev, EV_READ);
  bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
  struct evbuffer *in = bufferevent_get_input(c->bev);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
    client_kill(c, NULL);
  } else {
    bufferevent_enable(c->bev, EV_WRITE);
  }
}

/* Answer the complete lines in @p c's input, as long as its output stays
 * under the high-water mark. */
static void serve_lines(struct ctl_client *c)
{
  struct evbuffer *in = bufferevent_get_input(c->bev);
  while (!c->dead && !c->closing) {
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) > CTL_OUT_HIGH) {
      pause_reading(c);
      return;
    }
    size_t n;
    char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
    if (line == NULL) {
      break;
    }
    if (n > CTL_MAX_LINE) {
      ctl_counters.too_long++;
      if (send_error(c, NULL, "too_long", "request line longer than 64 KiB")) {
        close_after_output(c);
      }
    } else {
      handle_line(c, line, n);
    }
    free(line);
  }
  if (!c->dead && !c->closing && evbuffer_get_length(in) > CTL_MAX_LINE) {
    /* No newline within the limit: answer once and hang up. */
    ctl_counters.too_long++;
    if (send_error(c, NULL, "too_long", "request line longer than 64 KiB")) {
      close_after_output(c);
    }
  }
}

static void client_read_cb(struct bufferevent *bev, void *arg)
{
  (void)bev;
  lwipd_event_begin();
  serve_lines((struct ctl_client *)arg);
  lwipd_schedule();
}

static void client_write_cb(struct bufferevent *bev, void *arg)
{
  struct ctl_client *c = (struct ctl_client *)arg;
  size_t left = evbuffer_get_length(bufferevent_get_output(bev));
  if (c->dead) {
    return;
  }
  if (c->closing) {
    if (left == 0) {
      client_kill(c, NULL);
    }
    return;
  }
  if (c->paused && left <= CTL_OUT_LOW) {
    c->paused = false;
    bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
    bufferevent_enable(bev, EV_READ);
    /* Lines already buffered raise no new read event: serve them now. */
    lwipd_event_begin();
    serve_lines(c);
    lwipd_schedule();
  }
}

static void client_event_cb(struct bufferevent *bev, short what, void *arg)
{
  (void)bev;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    client_kill((struct ctl_client *)arg, NULL);
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
    ctl_counters.refused_busy++;
    LWIP_LOG(APP, WARN, "control client %llu refused: %u clients already (limit %u)",
             (unsigned long long)c->serial, nclients - 1, (unsigned)CTL_MAX_CLIENTS);
    if (send_error(c, NULL, "busy", "too many control clients (limit 32)")) {
      close_after_output(c);
    }
    return;
  }
  ctl_counters.accepted++;
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
  ctl_set_ops(&sock_ops);
  reaper = event_new(base, -1, 0, reap_cb, NULL);
  listener = reaper ? evconnlistener_new(base, accept_cb, NULL, LEV_OPT_CLOSE_ON_FREE, -1, fd) : NULL;
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
  for (struct ctl_client *c = clients; c != NULL; c = c->next) {
    /* Last words (the error replies of calls cut short by the shutdown)
     * go out if the socket takes them now; the daemon never blocks. */
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    if (!c->dead && fd >= 0 && evbuffer_get_length(out) > 0) {
      evbuffer_write(out, fd);
    }
  }
  clients_reap(true);
  if (reaper != NULL) {
    event_free(reaper);
    reaper = NULL;
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
