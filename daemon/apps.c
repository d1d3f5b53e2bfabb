/**
 * @file apps.c
 * The app.* commands: start, stop and list the small servers udp-echo,
 * udp-discard, tcp-echo, tcp-discard and tcp-chargen (RFC 862, 863, 864).
 * The servers themselves are core/apps (lwip/apps/small_servers.h); this
 * file parses arguments, keeps the table of running apps and answers in
 * JSON.
 */
#include "lwipd.h"

#include <string.h>

#include "lwip/apps/small_servers.h"
#include "lwip/debug.h"
#include "lwip/err.h"

#define APPS_MAX 32

/** One running app: the engine (core/apps) and what the commands show. */
struct app {
  int id; /* 0: slot free */
  const char *name;
  int kind;
  struct small_server srv;
};

static struct app apps[APPS_MAX];
static int next_id = 1;

enum { K_UDP_ECHO, K_UDP_DISCARD, K_TCP_ECHO, K_TCP_DISCARD, K_TCP_CHARGEN };

static const struct {
  const char *name;
  const struct small_server_service *svc;
  enum small_server_proto proto;
} kinds[] = {
    [K_UDP_ECHO] = {"udp-echo", &small_server_echo, SMALL_SERVER_UDP},
    [K_UDP_DISCARD] = {"udp-discard", &small_server_discard, SMALL_SERVER_UDP},
#if LWIP_TCP
    [K_TCP_ECHO] = {"tcp-echo", &small_server_echo, SMALL_SERVER_TCP},
    [K_TCP_DISCARD] = {"tcp-discard", &small_server_discard, SMALL_SERVER_TCP},
    [K_TCP_CHARGEN] = {"tcp-chargen", &small_server_chargen, SMALL_SERVER_TCP},
#endif
};

size_t apps_count(void)
{
  size_t n = 0;
  for (int i = 0; i < APPS_MAX; i++) {
    n += apps[i].id != 0;
  }
  return n;
}

static void app_stop(struct app *a)
{
  LWIP_LOG(APP, INFO, "%s on port %u stopped", a->name, a->srv.port);
  small_server_stop(&a->srv);
  memset(a, 0, sizeof(*a));
}

void apps_stop_all(void)
{
  for (int i = 0; i < APPS_MAX; i++) {
    if (apps[i].id != 0) {
      app_stop(&apps[i]);
    }
  }
}

static json_t *app_json(const struct app *a)
{
  struct small_server_stats st;
  small_server_get_stats(&a->srv, &st);
  json_t *o = json_pack("{s:i, s:s, s:i, s:I, s:I, s:I}", "id", a->id, "name", a->name, "port", a->srv.port,
                        "rx_packets", (json_int_t)st.rx_packets, "rx_bytes", (json_int_t)st.rx_bytes, "tx_packets",
                        (json_int_t)st.tx_packets);
  if (kinds[a->kind].proto == SMALL_SERVER_TCP) {
    json_object_set_new(o, "tx_bytes", json_integer((json_int_t)st.tx_bytes));
    json_object_set_new(o, "connections", json_integer((json_int_t)st.connections));
    json_object_set_new(o, "open", json_integer((json_int_t)st.open));
  }
  return o;
}

static json_t *cmd_app_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *name = NULL;
  long long port = -1;
  if (!arg_str(args, "name", true, &name, r) || !arg_int(args, "port", false, 1, 65535, &port, r)) {
    return NULL;
  }
  size_t k = 0;
  while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[k].name, name) != 0) {
    k++;
  }
  if (k == sizeof(kinds) / sizeof(kinds[0])) {
    return ctl_error(r, CTL_E_BAD_ARGS,
                     "args.name: expected udp-echo, udp-discard, tcp-echo, tcp-discard or tcp-chargen");
  }
  u16_t p = port > 0 ? (u16_t)port : small_server_default_port(kinds[k].svc);
  struct app *a = NULL;
  for (int i = 0; i < APPS_MAX; i++) {
    if (apps[i].id != 0 && apps[i].srv.port == p && kinds[apps[i].kind].proto == kinds[k].proto) {
      return ctl_error(r, CTL_E_BUSY, "app %d (%s) already uses port %u", apps[i].id, apps[i].name, p);
    }
    if (apps[i].id == 0 && a == NULL) {
      a = &apps[i];
    }
  }
  if (a == NULL) {
    return ctl_error(r, CTL_E_BUSY, "%d apps are running already", APPS_MAX);
  }
  memset(a, 0, sizeof(*a));
  err_t err = small_server_start(&a->srv, kinds[k].svc, kinds[k].proto, NULL, p);
  if (err == ERR_MEM) {
    return ctl_error(r, CTL_E_NO_MEMORY, "no %s PCB left", kinds[k].proto == SMALL_SERVER_TCP ? "TCP" : "UDP");
  }
  if (err != ERR_OK) {
    return ctl_error(r, CTL_E_FAILED, "%s: %s", lwip_err_name(err), lwip_strerr(err));
  }
  a->name = kinds[k].name;
  a->kind = (int)k;
  a->id = next_id++;
  LWIP_LOG(APP, INFO, "%s started on port %u (app %d)", a->name, p, a->id);
  return json_pack("{s:i, s:s, s:i}", "id", a->id, "name", a->name, "port", p);
}

static json_t *cmd_app_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  json_t *v = json_object_get(args, "id");
  const char *name = NULL;
  if (v != NULL && !json_is_integer(v)) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.id: not an integer");
  }
  if (!arg_str(args, "name", v == NULL, &name, r)) {
    return NULL;
  }
  int stopped = 0;
  for (int i = 0; i < APPS_MAX; i++) {
    struct app *a = &apps[i];
    if (a->id != 0 && ((v != NULL && a->id == json_integer_value(v)) || (name != NULL && strcmp(a->name, name) == 0))) {
      app_stop(a);
      stopped++;
    }
  }
  if (stopped == 0) {
    return ctl_error(r, CTL_E_NOT_FOUND, "no such app");
  }
  return json_object();
}

static json_t *cmd_app_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  json_t *a = json_array();
  for (int i = 0; i < APPS_MAX; i++) {
    if (apps[i].id != 0) {
      json_array_append_new(a, app_json(&apps[i]));
    }
  }
  return json_pack("{s:o}", "apps", a);
}

/* The app.* commands (docs/control-protocol.md). */
const struct ctl_cmd apps_cmds[] = {
    {"app.start", cmd_app_start, "start udp/tcp echo, discard or chargen"},
    {"app.stop", cmd_app_stop, "stop an app"},
    {"app.list", cmd_app_list, "running apps"},
    {NULL, NULL, NULL},
};
