/*
 * lwipctl: the argument builders of most commands.  Each turns the words
 * after the command into a request and names the printer of its reply.
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void set_cmd(struct request *rq, const char *cmd, printer_fn print)
{
  rq->cmd = cmd;
  rq->print = print;
}

/* Index of s in the list, or n when it is not there. */
static size_t find_word(const char *s, const char *const *list, size_t n)
{
  size_t k = 0;
  while (k < n && strcmp(s, list[k])) {
    k++;
  }
  return k;
}

void cmd_status(int argc, char **argv, struct request *rq)
{
  (void)argv;
  need_args(argc, 0, 0, "status");
  set_cmd(rq, "status", print_status);
}

/* ---------------------------------------------------------------------- */
/* netif, arp, route, forward                                             */
/* ---------------------------------------------------------------------- */

/* Adds one "netif set" KEY VALUE pair to the request arguments. */
static void netif_key(json_t *args, const char *key, const char *val)
{
  if (!strcmp(key, "ip")) {
    check_cidr(val);
    json_object_set_new(args, key, json_string(val));
  } else if (!strcmp(key, "gw") || !strcmp(key, "netmask")) {
    check_ip(val, key);
    json_object_set_new(args, key, json_string(val));
  } else if (!strcmp(key, "mtu")) {
    json_object_set_new(args, key, json_integer(parse_int(val, 68, 65535, key)));
  } else if (!strcmp(key, "up") || !strcmp(key, "link_up") || !strcmp(key, "default")) {
    json_object_set_new(args, key, json_boolean(parse_bool(val, key)));
  } else {
    die_usage("unknown netif key '%s': use ip, gw, mtu, up, link_up or default", key);
  }
}

void cmd_netif(int argc, char **argv, struct request *rq)
{
  if (argc == 0 || !strcmp(argv[0], "list")) {
    need_args(argc, 0, 1, "netif [list]");
    set_cmd(rq, "netif.list", print_netif_list);
    return;
  }
  if (!strcmp(argv[0], "addr6")) {
    cmd_netif_addr6(argc, argv, rq);
    return;
  }
  if (strcmp(argv[0], "set")) {
    die_usage("unknown netif subcommand '%s'", argv[0]);
  }
  if (argc < 4 || (argc - 2) % 2) {
    die_usage("usage: lwipctl netif set NAME KEY VALUE [KEY VALUE...]");
  }
  json_object_set_new(rq->args, "name", json_string(argv[1]));
  for (int i = 2; i < argc; i += 2) {
    netif_key(rq->args, argv[i], argv[i + 1]);
  }
  set_cmd(rq, "netif.set", print_netif_one);
}

void cmd_arp(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "list";
  if (!strcmp(sub, "list")) {
    need_args(argc, 0, 1, "arp [list]");
    set_cmd(rq, "arp.list", print_arp);
  } else if (!strcmp(sub, "add")) {
    need_args(argc, 3, 3, "arp add IP MAC");
    check_ip(argv[1], "IP address");
    check_mac(argv[2]);
    json_object_set_new(rq->args, "ip", json_string(argv[1]));
    json_object_set_new(rq->args, "mac", json_string(argv[2]));
    set_cmd(rq, "arp.add", NULL);
  } else if (!strcmp(sub, "del")) {
    need_args(argc, 2, 2, "arp del IP");
    check_ip(argv[1], "IP address");
    json_object_set_new(rq->args, "ip", json_string(argv[1]));
    set_cmd(rq, "arp.del", NULL);
  } else if (!strcmp(sub, "flush")) {
    need_args(argc, 1, 1, "arp flush");
    set_cmd(rq, "arp.flush", NULL);
  } else {
    die_usage("unknown arp subcommand '%s'", sub);
  }
}

void cmd_route(int argc, char **argv, struct request *rq)
{
  (void)argv;
  need_args(argc, 0, 0, "route");
  set_cmd(rq, "route.list", print_route);
}

void cmd_forward(int argc, char **argv, struct request *rq)
{
  need_args(argc, 0, 1, "forward [on|off]");
  if (argc == 1) {
    json_object_set_new(rq->args, "enable", json_boolean(parse_bool(argv[0], "forward")));
  }
  set_cmd(rq, "ip.forward", print_forward);
}

/* ---------------------------------------------------------------------- */
/* stats, log, capture, record, impair                                    */
/* ---------------------------------------------------------------------- */

void cmd_stats(int argc, char **argv, struct request *rq)
{
  if (argc == 1 && !strcmp(argv[0], "reset")) {
    set_cmd(rq, "stats.reset", NULL);
    return;
  }
  need_args(argc, 0, 1, "stats [--all] | stats reset");
  if (argc == 1 && strcmp(argv[0], "--all")) {
    die_usage("unknown stats argument '%s'", argv[0]);
  }
  rq->all = argc == 1;
  json_object_set_new(rq->args, "all", json_boolean(rq->all));
  set_cmd(rq, "stats", print_stats);
}

void cmd_log(int argc, char **argv, struct request *rq)
{
  static const char *const levels[] = {"off", "error", "warn", "info", "debug", "trace"};
  if (argc == 0) {
    set_cmd(rq, "log.get", print_levels);
    return;
  }
  need_args(argc, 2, 2, "log [MODULE|all LEVEL]");
  if (find_word(argv[1], levels, ARRAY_SIZE(levels)) == ARRAY_SIZE(levels)) {
    die_usage("bad level '%s': use off, error, warn, info, debug or trace", argv[1]);
  }
  json_object_set_new(rq->args, "module", json_string(argv[0]));
  json_object_set_new(rq->args, "level", json_string(argv[1]));
  set_cmd(rq, "log.set", print_levels);
}

void cmd_capture(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "status";
  if (!strcmp(sub, "start")) {
    need_args(argc, 2, 3, "capture start FILE [NETIF]");
    json_object_set_new(rq->args, "file", absolute_path(argv[1]));
    if (argc == 3) {
      json_object_set_new(rq->args, "netif", json_string(argv[2]));
    }
    set_cmd(rq, "capture.start", print_capture_start);
  } else if (!strcmp(sub, "stop")) {
    need_args(argc, 1, 1, "capture stop");
    set_cmd(rq, "capture.stop", print_capture_stop);
  } else if (!strcmp(sub, "status")) {
    need_args(argc, 0, 1, "capture [status]");
    set_cmd(rq, "capture.status", print_capture);
  } else {
    die_usage("unknown capture subcommand '%s'", sub);
  }
}

/* record start DIR [--seed N] [--description TEXT] | record stop | record [status] */
void cmd_record(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "status";
  if (!strcmp(sub, "start")) {
    if (argc < 2) {
      die_usage("usage: lwipctl record start DIR [--seed N] [--description TEXT]");
    }
    json_object_set_new(rq->args, "dir", absolute_path(argv[1]));
    for (int i = 2; i < argc; i += 2) {
      if (i + 1 >= argc) {
        die_usage("%s needs a value", argv[i]);
      }
      if (!strcmp(argv[i], "--seed")) {
        json_object_set_new(rq->args, "seed", json_integer(parse_int(argv[i + 1], 0, LLONG_MAX, "seed")));
      } else if (!strcmp(argv[i], "--description")) {
        json_object_set_new(rq->args, "description", json_string(argv[i + 1]));
      } else {
        die_usage("unknown record option '%s'", argv[i]);
      }
    }
    set_cmd(rq, "record.start", print_record);
  } else if (!strcmp(sub, "stop")) {
    need_args(argc, 1, 1, "record stop");
    set_cmd(rq, "record.stop", print_record);
  } else if (!strcmp(sub, "status")) {
    need_args(argc, 0, 1, "record [status]");
    set_cmd(rq, "record.status", print_record);
  } else {
    die_usage("unknown record subcommand '%s'", sub);
  }
}

void cmd_impair(int argc, char **argv, struct request *rq)
{
  if (argc == 0) {
    set_cmd(rq, "impair.get", print_impair);
    return;
  }
  if (!strcmp(argv[0], "clear")) {
    need_args(argc, 1, 1, "impair clear");
    set_cmd(rq, "impair.clear", print_impair);
    return;
  }
  const char *spec = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      json_object_set_new(rq->args, "seed", json_integer(parse_int(argv[++i], 0, LLONG_MAX, "seed")));
    } else if (!strcmp(argv[i], "--seed")) {
      die_usage("--seed needs a value");
    } else if (!spec) {
      spec = argv[i];
    } else {
      die_usage("usage: lwipctl impair SPEC [--seed N]");
    }
  }
  if (!spec) {
    die_usage("missing impairment SPEC");
  }
  json_object_set_new(rq->args, "spec", json_string(spec));
  set_cmd(rq, "impair.set", print_impair);
}

/* ---------------------------------------------------------------------- */
/* app, icmp, ping                                                        */
/* ---------------------------------------------------------------------- */

void cmd_app(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "list";
  if (!strcmp(sub, "start")) {
    need_args(argc, 2, 3, "app start NAME [PORT]");
    json_object_set_new(rq->args, "name", json_string(argv[1]));
    if (argc == 3) {
      json_object_set_new(rq->args, "port", json_integer(parse_int(argv[2], 1, 65535, "port")));
    }
    set_cmd(rq, "app.start", print_app_start);
  } else if (!strcmp(sub, "stop")) {
    need_args(argc, 2, 2, "app stop ID|NAME");
    if (all_digits(argv[1])) {
      json_object_set_new(rq->args, "id", json_integer(parse_int(argv[1], 0, LLONG_MAX, "id")));
    } else {
      json_object_set_new(rq->args, "name", json_string(argv[1]));
    }
    set_cmd(rq, "app.stop", NULL);
  } else if (!strcmp(sub, "list")) {
    need_args(argc, 0, 1, "app [list]");
    set_cmd(rq, "app.list", print_apps);
  } else {
    die_usage("unknown app subcommand '%s'", sub);
  }
}

void cmd_icmp(int argc, char **argv, struct request *rq)
{
  if (argc < 1 || strcmp(argv[0], "ratelimit")) {
    die_usage("usage: lwipctl icmp ratelimit [RATE [BURST]]");
  }
  need_args(argc, 1, 3, "icmp ratelimit [RATE [BURST]]");
  if (argc >= 2) {
    json_object_set_new(rq->args, "rate", json_integer(parse_int(argv[1], 0, 1000000, "rate")));
  }
  if (argc == 3) {
    json_object_set_new(rq->args, "burst", json_integer(parse_int(argv[2], 0, 1000000, "burst")));
  }
  set_cmd(rq, "icmp.ratelimit", print_icmp_ratelimit);
}

/* Parses one ping option and its value into the request arguments. */
static void ping_opt(json_t *args, const char *o, const char *val)
{
  if (!strcmp(o, "-c")) {
    json_object_set_new(args, "count", json_integer(parse_int(val, 1, 10000, "count")));
  } else if (!strcmp(o, "-s")) {
    json_object_set_new(args, "size", json_integer(parse_int(val, 0, 65000, "size")));
  } else if (!strcmp(o, "-i")) {
    json_object_set_new(args, "interval_ms", json_integer(parse_int(val, 1, 3600000, "interval")));
  } else if (!strcmp(o, "-W")) {
    json_object_set_new(args, "timeout_ms", json_integer(parse_int(val, 1, 3600000, "timeout")));
  } else {
    die_usage("unknown ping option '%s'", o);
  }
}

void cmd_ping(int argc, char **argv, struct request *rq)
{
  const char *dst = NULL;
  for (int i = 0; i < argc; i++) {
    if (argv[i][0] == '-' && argv[i][1]) {
      if (i + 1 >= argc) {
        die_usage("ping option %s needs a value", argv[i]);
      }
      ping_opt(rq->args, argv[i], argv[i + 1]);
      i++;
    } else if (!dst) {
      dst = argv[i];
    } else {
      die_usage("usage: lwipctl ping DST [-c COUNT] [-s SIZE] [-i MS] [-W MS]");
    }
  }
  if (!dst) {
    die_usage("missing ping destination");
  }
  check_ip_any(dst, "destination");
  json_object_set_new(rq->args, "dst", json_string(dst));
  /* The reply only comes once every echo was answered or timed out, so the
   * wait must cover the whole run, not just one round trip. */
  long long count = arg_or(rq->args, "count", 4);
  rq->extra_timeout =
      (double)(count * arg_or(rq->args, "interval_ms", 1000) + arg_or(rq->args, "timeout_ms", 1000)) / 1000.0;
  set_cmd(rq, "ping", print_ping);
}

/* ---------------------------------------------------------------------- */
/* tcp                                                                    */
/* ---------------------------------------------------------------------- */

static void tcp_connect_args(int argc, char **argv, struct request *rq)
{
  const char *usage = "usage: lwipctl tcp connect HOST PORT [-n BYTES | -f FILE] [--recv] [-W TIMEOUT_MS]";
  int npos = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--recv")) {
      json_object_set_new(rq->args, "recv", json_true());
    } else if (!strcmp(a, "-n") || !strcmp(a, "-f") || !strcmp(a, "-W")) {
      if (i + 1 >= argc) {
        die_usage("tcp connect option %s needs a value", a);
      }
      const char *v = argv[++i];
      if (a[1] == 'n') {
        json_object_set_new(rq->args, "bytes", json_integer(parse_size(v)));
      } else if (a[1] == 'f') {
        json_object_set_new(rq->args, "file", absolute_path(v));
      } else {
        json_object_set_new(rq->args, "timeout_ms", json_integer(parse_int(v, 1, 3600000, "timeout")));
      }
    } else if (a[0] == '-' && a[1]) {
      die_usage("unknown tcp connect option '%s'; %s", a, usage);
    } else if (npos == 0) {
      check_ip(a, "host");
      json_object_set_new(rq->args, "host", json_string(a));
      npos++;
    } else if (npos == 1) {
      json_object_set_new(rq->args, "port", json_integer(parse_int(a, 1, 65535, "port")));
      npos++;
    } else {
      die_usage("%s", usage);
    }
  }
  if (npos < 2) {
    die_usage("missing %s; %s", npos ? "port" : "host", usage);
  }
  if (json_object_get(rq->args, "bytes") && json_object_get(rq->args, "file")) {
    die_usage("give -n or -f, not both");
  }
  /* The reply comes when the transfer is over: wait as long as lwipd may. */
  rq->extra_timeout = (double)arg_or(rq->args, "timeout_ms", 60000) / 1000.0;
  set_cmd(rq, "tcp.connect", print_tcp_connect);
}

/* tcp limits [user_timeout_ms=N] [orphan_timeout_ms=N] [fin_wait_2_ms=N] [msl_ms=N] [delack_ms=N] */
static void tcp_limits_args(int argc, char **argv, struct request *rq)
{
  for (int i = 0; i < argc; i++) {
    const char *eq = strchr(argv[i], '=');
    if (!eq || eq == argv[i]) {
      die_usage("bad tcp limits argument '%s': expected NAME=MILLISECONDS", argv[i]);
    }
    char *key = xasprintf("%.*s", (int)(eq - argv[i]), argv[i]);
    json_object_set_new(rq->args, key, json_integer(parse_int(eq + 1, 0, 86400000, key)));
    free(key);
  }
  set_cmd(rq, "tcp.limits", print_tcp_limits);
}

void cmd_tcp(int argc, char **argv, struct request *rq)
{
  if (argc == 0 || !strcmp(argv[0], "list")) {
    need_args(argc, 0, 1, "tcp [list]");
    set_cmd(rq, "tcp.list", print_tcp_list);
  } else if (!strcmp(argv[0], "connect")) {
    tcp_connect_args(argc - 1, argv + 1, rq);
  } else if (!strcmp(argv[0], "abort")) {
    need_args(argc, 4, 4, "tcp abort LOCAL_PORT REMOTE_IP REMOTE_PORT");
    json_object_set_new(rq->args, "local_port", json_integer(parse_int(argv[1], 1, 65535, "local port")));
    check_ip(argv[2], "remote address");
    json_object_set_new(rq->args, "remote", json_string(argv[2]));
    json_object_set_new(rq->args, "remote_port", json_integer(parse_int(argv[3], 1, 65535, "remote port")));
    set_cmd(rq, "tcp.abort", print_done);
  } else if (!strcmp(argv[0], "limits")) {
    tcp_limits_args(argc - 1, argv + 1, rq);
  } else if (!strcmp(argv[0], "cc")) {
    /* tcp cc [newreno|cubic] [rfc5681|rfc6928] [rack|dupthresh] */
    need_args(argc, 1, 4, "tcp cc [newreno|cubic] [rfc5681|rfc6928] [rack|dupthresh]");
    for (int i = 1; i < argc; i++) {
      const char *key = "default";
      if (!strncmp(argv[i], "rfc", 3)) {
        key = "initial_window";
      } else if (!strcmp(argv[i], "rack") || !strcmp(argv[i], "dupthresh")) {
        key = "loss_detection";
      }
      json_object_set_new(rq->args, key, json_string(argv[i]));
    }
    set_cmd(rq, "tcp.cc", print_tcp_cc);
  } else if (!strcmp(argv[0], "ecn")) {
    need_args(argc, 1, 2, "tcp ecn [off|passive|on]");
    if (argc == 2) {
      json_object_set_new(rq->args, "default", json_string(argv[1]));
    }
    set_cmd(rq, "tcp.ecn", print_tcp_ecn);
  } else if (!strcmp(argv[0], "trace")) {
    tcp_trace_main(argc - 1, argv + 1);
  } else if (!strcmp(argv[0], "plot")) {
    tcp_plot_main(argc - 1, argv + 1);
  } else {
    die_usage("unknown tcp subcommand '%s': use list, connect, abort, limits, cc, trace or plot", argv[0]);
  }
}

/* ---------------------------------------------------------------------- */
/* dhcp, dns                                                              */
/* ---------------------------------------------------------------------- */

void cmd_dhcp(int argc, char **argv, struct request *rq)
{
  static const char *const subs[] = {"start", "stop", "release", "renew", "status"};
  static const char *const cmds[] = {"dhcp.start", "dhcp.stop", "dhcp.release", "dhcp.renew", "dhcp.status"};
  const char *sub = argc ? argv[0] : "status";
  size_t k = find_word(sub, subs, ARRAY_SIZE(subs));
  if (k == ARRAY_SIZE(subs)) {
    die_usage("unknown dhcp subcommand '%s': use start, stop, release, renew or status", sub);
  }
  need_args(argc, 0, 2, "dhcp start|stop|release|renew|status [NETIF]");
  if (argc == 2) {
    json_object_set_new(rq->args, "netif", json_string(argv[1]));
  }
  set_cmd(rq, cmds[k], print_dhcp);
}

static void dns_servers_args(int argc, char **argv, struct request *rq)
{
  need_args(argc, 0, 3, "dns servers [ADDR [ADDR] | none]");
  if (argc == 2 && !strcmp(argv[1], "none")) {
    json_object_set_new(rq->args, "servers", json_array());
  } else if (argc > 1) {
    json_t *list = json_array();
    for (int i = 1; i < argc; i++) {
      check_ip_any(argv[i], "DNS server"); /* IPv4, or IPv6[%NETIF] */
      json_array_append_new(list, json_string(argv[i]));
    }
    json_object_set_new(rq->args, "servers", list);
  }
  set_cmd(rq, "dns.servers", print_dns_servers);
}

static void dns_resolve_args(int argc, char **argv, struct request *rq)
{
  const char *name = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-t")) {
      if (i + 1 >= argc) {
        die_usage("dns resolve option -t needs a value");
      }
      const char *ty = argv[++i];
      if (strcmp(ty, "a") && strcmp(ty, "aaaa") && strcmp(ty, "any")) {
        die_usage("bad type '%s': expected a, aaaa or any", ty);
      }
      json_object_set_new(rq->args, "type", json_string(ty));
    } else if (!name) {
      name = argv[i];
    } else {
      die_usage("usage: lwipctl dns resolve NAME [-t a|aaaa|any]");
    }
  }
  if (!name) {
    die_usage("missing name: usage: lwipctl dns resolve NAME [-t a|aaaa|any]");
  }
  json_object_set_new(rq->args, "name", json_string(name));
  /* Two servers, three tries each with waits of 1, 2 and 4 s: a lookup can
   * take up to 14 s before it fails. */
  rq->extra_timeout = 16.0;
  set_cmd(rq, "dns.resolve", print_dns_resolve);
}

void cmd_dns(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "servers";
  if (!strcmp(sub, "servers")) {
    dns_servers_args(argc, argv, rq);
  } else if (!strcmp(sub, "resolve")) {
    dns_resolve_args(argc, argv, rq);
  } else if (!strcmp(sub, "cache")) {
    need_args(argc, 1, 2, "dns cache [flush]");
    if (argc == 2 && strcmp(argv[1], "flush")) {
      die_usage("unknown dns cache subcommand '%s': use flush", argv[1]);
    }
    if (argc == 2) {
      set_cmd(rq, "dns.cache.flush", print_dns_flush);
    } else {
      set_cmd(rq, "dns.cache", print_dns_cache);
    }
  } else {
    die_usage("unknown dns subcommand '%s': use servers, resolve or cache", sub);
  }
}

/* ---------------------------------------------------------------------- */
/* watch/subscribe, shutdown, raw                                         */
/* ---------------------------------------------------------------------- */

void cmd_subscribe(int argc, char **argv, struct request *rq)
{
  static const char *const kinds[] = {"link", "address", "arp", "log", "dhcp", "mqtt", "nd", "tcp", "all"};
  json_t *events = json_array();
  for (int i = 0; i < argc; i++) {
    if (find_word(argv[i], kinds, ARRAY_SIZE(kinds)) == ARRAY_SIZE(kinds)) {
      die_usage("unknown event '%s': use link, address, arp, log, dhcp, mqtt, nd, tcp or all", argv[i]);
    }
    json_array_append_new(events, json_string(argv[i]));
  }
  if (argc) {
    json_object_set_new(rq->args, "events", events);
  } else {
    json_decref(events);
  }
  rq->subscribe = 1;
  set_cmd(rq, "subscribe", NULL);
}

void cmd_shutdown(int argc, char **argv, struct request *rq)
{
  (void)argv;
  need_args(argc, 0, 0, "shutdown");
  set_cmd(rq, "shutdown", print_done);
}

void cmd_raw(int argc, char **argv, struct request *rq)
{
  need_args(argc, 1, 2, "raw CMD [JSON-ARGS]");
  if (argc == 2) {
    json_error_t err;
    json_t *a = json_loads(argv[1], 0, &err);
    if (!json_is_object(a)) {
      die_usage("JSON-ARGS must be a JSON object%s%s", a ? "" : ": ", a ? "" : err.text);
    }
    json_decref(rq->args);
    rq->args = a;
  }
  set_cmd(rq, argv[0], print_raw);
}
