/*
 * lwipctl dhcp6: start, stop, release and show lwipd's DHCPv6 client
 * (dhcp6.*).
 *
 *   lwipctl dhcp6 [status] [NETIF]
 *   lwipctl dhcp6 start [stateful|stateless|auto] [NETIF]
 *   lwipctl dhcp6 stop|release [NETIF]
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DHCP6_USAGE "dhcp6 [status] | dhcp6 start [stateful|stateless|auto] | dhcp6 stop|release [NETIF]"

/* "3600 s (3500 s left)", or "never" for an infinite time (null). */
static void kv_time(const char *label, json_t *o, const char *total, const char *left)
{
  json_t *t = json_object_get(o, total);
  if (json_is_null(t)) {
    kv(label, "never");
    return;
  }
  kv(label, "%lld s (%lld s left)", jint(o, total), jint(o, left));
}

static void print_dhcp6(const struct request *rq, json_t *res)
{
  (void)rq;
  kv("netif:", "%s", jstr(res, "netif"));
  kv("state:", "%s (mode %s)", jstr(res, "state"), jstr(res, "mode"));
  kv("duid:", "%s", jstr(res, "duid"));
  if (json_object_get(res, "released_ip")) {
    kv("released:", "%s", jstr(res, "released_ip"));
  }
  if (!json_object_get(res, "iaid")) {
    return; /* never started on this netif */
  }
  kv("server:", "%s", json_is_string(json_object_get(res, "server")) ? jstr(res, "server") : "-");
  json_t *lease = json_object_get(res, "lease");
  if (json_is_object(lease)) {
    kv("ip:", "%s/128", jstr(lease, "ip"));
    kv_time("T1 renew:", lease, "t1_s", "t1_left_s");
    kv_time("T2 rebind:", lease, "t2_s", "t2_left_s");
    kv_time("valid:", lease, "valid_s", "valid_left_s");
    kv("preferred:", "%lld s", jint(lease, "preferred_s"));
  }
  char *dns = join_strings(json_object_get(res, "dns"), ", ");
  kv("dns:", "%s", *dns ? dns : "-");
  free(dns);
  char *dom = join_strings(json_object_get(res, "domains"), ", ");
  kv("domains:", "%s", *dom ? dom : "-");
  free(dom);
  if (json_object_get(res, "refresh_left_s")) {
    kv("refresh in:", "%lld s", jint(res, "refresh_left_s"));
  }
  if (jint(res, "rt_ms") > 0) {
    kv("sending:", "try %lld, next in up to %lld ms", jint(res, "tries"), jint(res, "rt_ms"));
  }
}

void cmd_dhcp6(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "status";
  int rest = argc ? argc - 1 : 0;
  char **words = argv + (argc ? 1 : 0);
  rq->print = print_dhcp6;
  if (!strcmp(sub, "start")) {
    rq->cmd = "dhcp6.start";
    if (rest > 0 && (!strcmp(words[0], "stateful") || !strcmp(words[0], "stateless") || !strcmp(words[0], "auto"))) {
      json_object_set_new(rq->args, "mode", json_string(words[0]));
      rest--;
      words++;
    }
  } else if (!strcmp(sub, "stop")) {
    rq->cmd = "dhcp6.stop";
  } else if (!strcmp(sub, "release")) {
    rq->cmd = "dhcp6.release";
  } else if (!strcmp(sub, "status")) {
    rq->cmd = "dhcp6.status";
  } else {
    die_usage("unknown dhcp6 subcommand '%s': use start, stop, release or status", sub);
  }
  need_args(rest, 0, 1, DHCP6_USAGE);
  if (rest == 1) {
    json_object_set_new(rq->args, "netif", json_string(words[0]));
  }
}
