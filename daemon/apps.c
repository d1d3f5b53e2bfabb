/**
 * @file apps.c
 * Small UDP apps started over the control socket: udp-echo (RFC 862) and
 * udp-discard (RFC 863), each on its own UDP PCB.  Later issues add DHCP,
 * DNS and iperf here.
 */
#include "lwipd.h"

#include <stdlib.h>
#include <string.h>

#include "lwip/udp.h"
#include "lwip/debug.h"
#include "lwip/err.h"

#define APPS_MAX 32

struct app {
  int id;                 /* 0: slot free */
  const char *name;
  u16_t port;
  struct udp_pcb *pcb;
  uint64_t rx_packets, rx_bytes, tx_packets;
};

static struct app apps[APPS_MAX];
static int next_id = 1;

static void echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct app *a = (struct app *)arg;
  a->rx_packets++;
  a->rx_bytes += p->tot_len;
  /* RFC 862: send back exactly what arrived, to where it came from. */
  if (udp_sendto(pcb, p, addr, port) == ERR_OK) {
    a->tx_packets++;
  }
  pbuf_free(p);
}

static void discard_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)pcb;
  (void)addr;
  (void)port;
  struct app *a = (struct app *)arg;
  a->rx_packets++;
  a->rx_bytes += p->tot_len;
  pbuf_free(p);
}

static const struct {
  const char *name;
  u16_t port;
  udp_recv_fn recv;
} kinds[] = {
  {"udp-echo", 7, echo_recv},
  {"udp-discard", 9, discard_recv},
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
  LWIP_LOG(APP, INFO, "%s on port %u stopped", a->name, a->port);
  udp_remove(a->pcb);
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
  return json_pack("{s:i, s:s, s:i, s:I, s:I, s:I}", "id", a->id, "name", a->name, "port", a->port, "rx_packets",
                   (json_int_t)a->rx_packets, "rx_bytes", (json_int_t)a->rx_bytes, "tx_packets",
                   (json_int_t)a->tx_packets);
}

json_t *cmd_app_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
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
    return ctl_error(r, CTL_E_BAD_ARGS, "args.name: expected udp-echo or udp-discard");
  }
  u16_t p = port > 0 ? (u16_t)port : kinds[k].port;
  struct app *a = NULL;
  for (int i = 0; i < APPS_MAX; i++) {
    if (apps[i].id != 0 && apps[i].port == p) {
      return ctl_error(r, CTL_E_BUSY, "app %d (%s) already uses port %u", apps[i].id, apps[i].name, p);
    }
    if (apps[i].id == 0 && a == NULL) {
      a = &apps[i];
    }
  }
  if (a == NULL) {
    return ctl_error(r, CTL_E_BUSY, "%d apps are running already", APPS_MAX);
  }
  struct udp_pcb *pcb = udp_new();
  if (pcb == NULL) {
    return ctl_error(r, CTL_E_NO_MEMORY, "no UDP PCB left");
  }
  err_t err = udp_bind(pcb, IP_ADDR_ANY, p);
  if (err != ERR_OK) {
    udp_remove(pcb);
    return ctl_error(r, CTL_E_FAILED, "%s: %s", lwip_err_name(err), lwip_strerr(err));
  }
  memset(a, 0, sizeof(*a));
  a->id = next_id++;
  a->name = kinds[k].name;
  a->port = p;
  a->pcb = pcb;
  udp_recv(pcb, kinds[k].recv, a);
  LWIP_LOG(APP, INFO, "%s started on port %u (app %d)", a->name, p, a->id);
  return json_pack("{s:i, s:s, s:i}", "id", a->id, "name", a->name, "port", p);
}

json_t *cmd_app_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
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

json_t *cmd_app_list(struct ctl_req *req, json_t *args, struct ctl_reply *r)
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
