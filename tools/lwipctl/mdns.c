/*
 * lwipctl mdns: start, stop and show lwipd's mDNS responder (mdns.*).
 *
 *   lwipctl mdns [status]
 *   lwipctl mdns start HOSTNAME
 *   lwipctl mdns add INSTANCE SERVICE PORT [-u] [KEY=VALUE...]
 *   lwipctl mdns remove INSTANCE [SERVICE]
 *   lwipctl mdns stop
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MDNS_ADD_USAGE "mdns add INSTANCE SERVICE PORT [-u] [KEY=VALUE...]"

static const struct column mdns_service_cols[] = {
    {.header = "SLOT", .kind = COL_INT, .key = "slot", .align = 'r'},
    {.header = "INSTANCE", .kind = COL_STR, .key = "instance", .align = 'l'},
    {.header = "SERVICE", .kind = COL_STR, .key = "service", .align = 'l'},
    {.header = "PROTO", .kind = COL_STR, .key = "proto", .align = 'l'},
    {.header = "PORT", .kind = COL_INT, .key = "port", .align = 'r'},
};

static void print_mdns(const struct request *rq, json_t *res)
{
  (void)rq;
  kv("state:", "%s", jstr(res, "state"));
  if (jtrue(res, "running")) {
    kv("host name:", "%s (asked for %s.local, %lld rename(s))", jstr(res, "hostname"), jstr(res, "requested"),
       jint(res, "renames"));
    kv("records:", "%lld", jint(res, "records"));
  }
  json_t *c = json_object_get(res, "counters");
  if (json_is_object(c)) {
    kv("sent:", "%lld probes, %lld announcements, %lld responses, %lld unicast, %lld legacy, %lld goodbyes",
       jint(c, "probes"), jint(c, "announcements"), jint(c, "responses"), jint(c, "unicast"), jint(c, "legacy"),
       jint(c, "goodbyes"));
    kv("received:", "%lld queries, %lld responses, %lld known answers suppressed", jint(c, "rx_queries"),
       jint(c, "rx_responses"), jint(c, "ka_suppressed"));
    kv("conflicts:", "%lld (%lld tie-breaks lost, %lld renames), %lld send errors", jint(c, "conflicts"),
       jint(c, "tiebreaks_lost"), jint(c, "renames"), jint(c, "send_errors"));
  }
  json_t *services = json_object_get(res, "services");
  if (json_array_size(services) > 0) {
    putchar('\n');
    PRINT_TABLE(mdns_service_cols, services, NULL);
  }
}

static void add_args(int argc, char **argv, struct request *rq)
{
  if (argc < 4) {
    die_usage("%s", MDNS_ADD_USAGE);
  }
  json_object_set_new(rq->args, "instance", json_string(argv[1]));
  json_object_set_new(rq->args, "service", json_string(argv[2]));
  json_object_set_new(rq->args, "port", json_integer(parse_int(argv[3], 0, 65535, "port")));
  json_t *txt = json_array();
  const char *proto = "tcp";
  for (int i = 4; i < argc; i++) {
    if (!strcmp(argv[i], "-u")) {
      proto = "udp";
    } else if (argv[i][0] == '-') {
      json_decref(txt);
      die_usage("unknown option '%s': %s", argv[i], MDNS_ADD_USAGE);
    } else {
      json_array_append_new(txt, json_string(argv[i]));
    }
  }
  json_object_set_new(rq->args, "proto", json_string(proto));
  json_object_set_new(rq->args, "txt", txt);
}

void cmd_mdns(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "status";
  rq->print = print_mdns;
  if (!strcmp(sub, "status")) {
    need_args(argc, 0, 1, "mdns [status]");
    rq->cmd = "mdns.status";
  } else if (!strcmp(sub, "stop")) {
    need_args(argc, 1, 1, "mdns stop");
    rq->cmd = "mdns.stop";
  } else if (!strcmp(sub, "start")) {
    need_args(argc, 2, 2, "mdns start HOSTNAME");
    json_object_set_new(rq->args, "hostname", json_string(argv[1]));
    rq->cmd = "mdns.start";
  } else if (!strcmp(sub, "add")) {
    add_args(argc, argv, rq);
    rq->cmd = "mdns.add";
  } else if (!strcmp(sub, "remove")) {
    need_args(argc, 2, 3, "mdns remove INSTANCE [SERVICE]");
    json_object_set_new(rq->args, "instance", json_string(argv[1]));
    if (argc > 2) {
      json_object_set_new(rq->args, "service", json_string(argv[2]));
    }
    rq->cmd = "mdns.remove";
  } else {
    die_usage("unknown mdns subcommand '%s': use start, add, remove, stop or status", sub);
  }
}
