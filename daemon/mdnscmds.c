/**
 * @file mdnscmds.c
 * The mDNS responder (core/apps/mdns.c, lwip/apps/mdns.h) on the control
 * socket: mdns.start, mdns.stop, mdns.add, mdns.remove and mdns.status.
 * A thin wrapper: arguments in, core calls, the responder's state out.
 *
 * While both the responder and the HTTP server (httpcmds.c) run, the server
 * is announced as "HOSTNAME._http._tcp" on its port with TXT "path=/"
 * (RFC 6763 and the DNS-SD registry's _http entry), whichever of the two was
 * started first; http.stop withdraws it with goodbye packets.  Other
 * services come through `mdns.add`.
 */
#include "lwipd.h"

#include <string.h>

#include "lwip/err.h"

#if LWIP_UDP && LWIP_IGMP
#include "lwip/apps/mdns.h"

static struct mdns responder;

/* The HTTP server's port while it runs, 0 while it does not, and the
 * instance name it was announced under (the host name asked for at
 * mdns.start; empty while not announced). */
static u16_t http_port;
static char http_instance[MDNS_LABEL_MAX + 1];

void mdnscmds_stop_all(void)
{
  mdns_stop(&responder);
  http_instance[0] = '\0';
}

/* Announce the HTTP server when it and the responder both run. */
static void http_announce(const char *host)
{
  if (http_port == 0 || !mdns_running(&responder) || http_instance[0] != '\0') {
    return;
  }
  u8_t txt[16];
  u16_t tl = 0;
  (void)mdns_txt_append(txt, &tl, sizeof(txt), "path=/");
  err_t err = mdns_add_service(&responder, host, "_http", MDNS_PROTO_TCP, http_port, txt, tl, NULL);
  if (err != ERR_OK) {
    /* Taken by an mdns.add of the same name, or no slot: the user's
     * services come first. */
    LWIP_LOG(MDNS, WARN, "HTTP server not announced: %s", lwip_strerr(err));
    return;
  }
  strncpy(http_instance, host, sizeof(http_instance) - 1U);
  http_instance[sizeof(http_instance) - 1U] = '\0';
}

void mdnscmds_http_changed(u16_t port)
{
  http_port = port;
  if (port != 0) {
    struct mdns_info in;
    mdns_get_info(&responder, &in);
    http_announce(in.base);
    return;
  }
  if (http_instance[0] != '\0' && mdns_running(&responder)) {
    int slot = mdns_find_service(&responder, http_instance, "_http");
    if (slot >= 0) {
      (void)mdns_remove_service(&responder, (u8_t)slot);
    }
  }
  http_instance[0] = '\0';
}

static json_t *txt_json(const u8_t *txt, u16_t len)
{
  json_t *a = json_array();
  u16_t off = 0;
  while (off < len) {
    u8_t n = txt[off];
    if (n > 0 && off + 1U + n <= len) {
      json_array_append_new(a, json_stringn((const char *)txt + off + 1, n));
    }
    off = (u16_t)(off + 1U + n);
  }
  return a;
}

static json_t *status_json(void)
{
  struct mdns_info in;
  mdns_get_info(&responder, &in);
  json_t *services = json_array();
  for (u8_t i = 0; i < in.num_services; i++) {
    const struct mdns_service_info *s = &in.services[i];
    json_array_append_new(services, json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:o}", "slot", s->slot, "instance",
                                              s->name, "added_as", s->base, "service", s->service, "proto",
                                              s->proto == MDNS_PROTO_TCP ? "tcp" : "udp", "port", s->port, "txt",
                                              txt_json(s->txt, s->txt_len)));
  }
  const struct mdns_stats *st = &in.stats;
  json_t *counters = json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "rx_queries", (json_int_t)st->rx_queries,
      "rx_responses", (json_int_t)st->rx_responses, "probes", (json_int_t)st->probes, "announcements",
      (json_int_t)st->announcements, "responses", (json_int_t)st->responses, "unicast", (json_int_t)st->unicast,
      "legacy", (json_int_t)st->legacy, "ka_suppressed", (json_int_t)st->ka_suppressed, "conflicts",
      (json_int_t)st->conflicts, "tiebreaks_lost", (json_int_t)st->tiebreaks_lost, "renames", (json_int_t)st->renames,
      "goodbyes", (json_int_t)st->goodbyes, "send_errors", (json_int_t)st->send_errors);
  bool running = mdns_running(&responder);
  return json_pack("{s:s, s:b, s:o, s:o, s:i, s:i, s:o, s:o}", "state", in.state, "running", running, "hostname",
                   running ? json_sprintf("%s.local", in.hostname) : json_null(), "requested",
                   running ? json_string(in.base) : json_null(), "renames", in.renames, "records", in.records,
                   "services", services, "counters", counters);
}

static json_t *failed(struct ctl_reply *r, err_t err)
{
  return ctl_error(r, err == ERR_MEM ? CTL_E_NO_MEMORY : CTL_E_FAILED, "%s: %s", lwip_err_name(err), lwip_strerr(err));
}

static json_t *cmd_mdns_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *host = NULL;
  if (!arg_str(args, "hostname", true, &host, r)) {
    return NULL;
  }
  if (mdns_running(&responder)) {
    return ctl_error(r, CTL_E_BUSY, "the mDNS responder is running (mdns.stop first)");
  }
  if (!lwipd.netif_added) {
    return ctl_error(r, CTL_E_NOT_FOUND, "lwipd has no TAP netif");
  }
  err_t err = mdns_start(&responder, &lwipd.netif, host);
  if (err == ERR_ARG) {
    return ctl_error(r, CTL_E_BAD_ARGS,
                     "args.hostname: one label of letters, digits and hyphens (1-63), "
                     "without .local");
  }
  if (err != ERR_OK) {
    return failed(r, err);
  }
  http_instance[0] = '\0';
  http_announce(host);
  return status_json();
}

static json_t *cmd_mdns_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  if (!mdns_running(&responder)) {
    return ctl_error(r, CTL_E_NOT_FOUND, "the mDNS responder is not running");
  }
  json_t *o = status_json(); /* the counters as they ended */
  mdnscmds_stop_all();
  json_object_set_new(o, "state", json_string("off"));
  json_object_set_new(o, "running", json_false());
  return o;
}

static json_t *cmd_mdns_add(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *instance = NULL, *service = NULL, *proto = "tcp";
  long long port = 0;
  if (!arg_str(args, "instance", true, &instance, r) || !arg_str(args, "service", true, &service, r) ||
      !arg_str(args, "proto", false, &proto, r) || !arg_int(args, "port", true, 0, 65535, &port, r)) {
    return NULL;
  }
  if (!mdns_running(&responder)) {
    return ctl_error(r, CTL_E_NOT_FOUND, "the mDNS responder is not running (mdns.start first)");
  }
  u8_t p;
  if (strcmp(proto, "tcp") == 0) {
    p = MDNS_PROTO_TCP;
  } else if (strcmp(proto, "udp") == 0) {
    p = MDNS_PROTO_UDP;
  } else {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.proto: \"tcp\" or \"udp\"");
  }
  u8_t txt[MDNS_TXT_MAX];
  u16_t tl = 0;
  json_t *list = json_object_get(args, "txt");
  if (list != NULL && !json_is_null(list)) {
    if (!json_is_array(list)) {
      return ctl_error(r, CTL_E_BAD_ARGS, "args.txt: a list of \"key=value\" strings");
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
      if (!json_is_string(v) || mdns_txt_append(txt, &tl, sizeof(txt), json_string_value(v)) != ERR_OK) {
        return ctl_error(r, CTL_E_BAD_ARGS, "args.txt[%zu]: a string of 1-255 bytes, %u bytes in all", i, MDNS_TXT_MAX);
      }
    }
  }
  err_t err = mdns_add_service(&responder, instance, service, p, (u16_t)port, tl > 0 ? txt : NULL, tl, NULL);
  if (err == ERR_ARG) {
    return ctl_error(r, CTL_E_BAD_ARGS,
                     "args.instance (1-63 bytes) or args.service (\"_name\", 2-16 letters, "
                     "digits, hyphens) not valid");
  }
  if (err == ERR_VAL) {
    return ctl_error(r, CTL_E_BUSY, "%s.%s._%s is announced already", instance, service, proto);
  }
  if (err == ERR_MEM) {
    return ctl_error(r, CTL_E_NO_MEMORY, "all %u service slots are taken", MDNS_MAX_SERVICES);
  }
  if (err != ERR_OK) {
    return failed(r, err);
  }
  return status_json();
}

static json_t *cmd_mdns_remove(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  const char *instance = NULL, *service = NULL;
  if (!arg_str(args, "instance", true, &instance, r) || !arg_str(args, "service", false, &service, r)) {
    return NULL;
  }
  int slot = mdns_find_service(&responder, instance, service);
  if (slot < 0) {
    return ctl_error(r, CTL_E_NOT_FOUND, "no service instance \"%s\"", instance);
  }
  err_t err = mdns_remove_service(&responder, (u8_t)slot);
  if (err != ERR_OK) {
    return failed(r, err);
  }
  return status_json();
}

static json_t *cmd_mdns_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  return status_json();
}

#else /* !(LWIP_UDP && LWIP_IGMP) */

static json_t *cmd_mdns_off(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  return ctl_error(r, CTL_E_FAILED, "this build has no UDP or no IGMP (-Dudp/-Digmp=disabled)");
}
#define cmd_mdns_start cmd_mdns_off
#define cmd_mdns_stop cmd_mdns_off
#define cmd_mdns_add cmd_mdns_off
#define cmd_mdns_remove cmd_mdns_off
#define cmd_mdns_status cmd_mdns_off

void mdnscmds_stop_all(void)
{
}

void mdnscmds_http_changed(u16_t port)
{
  (void)port;
}
#endif

/* The mdns.* commands (docs/control-protocol.md). */
const struct ctl_cmd mdns_cmds[] = {
    {"mdns.start", cmd_mdns_start, "start the mDNS responder for HOSTNAME.local on the TAP netif"},
    {"mdns.stop", cmd_mdns_stop, "stop the mDNS responder (goodbye packets for its records)"},
    {"mdns.add", cmd_mdns_add, "announce a service instance: instance, service (_http), proto, port, txt"},
    {"mdns.remove", cmd_mdns_remove, "withdraw a service instance (goodbye packets)"},
    {"mdns.status", cmd_mdns_status, "mDNS host name, state, renames, records, services, counters"},
    {NULL, NULL, NULL},
};
