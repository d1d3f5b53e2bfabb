/*
 * lwipctl: IPv6 commands (nd, mld, pmtu, netif addr6) and their printers,
 * and the IPv6 rows of netif list and status.
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Argument checks                                                        */
/* ---------------------------------------------------------------------- */

/* "ADDR/PREFIX" with an IPv6 ADDR and a PREFIX of 0..128 (no sign, no
 * leading zero).  The daemon checks again with the core's parser; this
 * only catches typing errors before the round trip. */
void check_cidr6(const char *s, int prefix_required)
{
  const char *slash = strchr(s, '/');
  char addr[INET6_ADDRSTRLEN + 1];
  struct in6_addr a;
  size_t alen = slash ? (size_t)(slash - s) : strlen(s);
  int ok = alen < sizeof(addr) && (slash != NULL || !prefix_required);
  if (ok) {
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    ok = inet_pton(AF_INET6, addr, &a) == 1;
  }
  if (ok && slash != NULL) {
    const char *p = slash + 1;
    ok = all_digits(p) && strlen(p) <= 3 && (p[0] != '0' || p[1] == '\0') && atoi(p) <= 128;
  }
  if (!ok) {
    die_usage("bad IPv6 address '%s': expected ADDR%s, e.g. fd00::2/64", s, prefix_required ? "/PREFIX" : "[/PREFIX]");
  }
}

/* An IPv4 address, or an IPv6 one with an optional %ZONE (fe80::1%tap0). */
void check_ip_any(const char *s, const char *what)
{
  struct in_addr a4;
  struct in6_addr a6;
  char addr[INET6_ADDRSTRLEN + 1];
  const char *pct = strchr(s, '%');
  size_t alen = pct ? (size_t)(pct - s) : strlen(s);
  if (alen < sizeof(addr)) {
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    if ((!pct && inet_pton(AF_INET, addr, &a4) == 1) || (inet_pton(AF_INET6, addr, &a6) == 1 && (!pct || pct[1]))) {
      return;
    }
  }
  die_usage("bad %s '%s': expected an IPv4 address or an IPv6 address[%%ZONE]", what, s);
}

/* ---------------------------------------------------------------------- */
/* Builders                                                               */
/* ---------------------------------------------------------------------- */

/* netif addr6 add|del [NAME] ADDR/PREFIX (argv[0] is "addr6"). */
void cmd_netif_addr6(int argc, char **argv, struct request *rq)
{
  if (argc < 3 || argc > 4 || (strcmp(argv[1], "add") && strcmp(argv[1], "del"))) {
    die_usage("usage: lwipctl netif addr6 add|del [NAME] ADDR/PREFIX");
  }
  int add = !strcmp(argv[1], "add");
  const char *addr = argv[argc - 1];
  check_cidr6(addr, add);
  if (argc == 4) {
    json_object_set_new(rq->args, "name", json_string(argv[2]));
  }
  json_object_set_new(rq->args, "addr", json_string(addr));
  rq->cmd = add ? "netif.addr6.add" : "netif.addr6.del";
  rq->print = add ? print_addr6_one : NULL;
}

void cmd_nd(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "list";
  if (!strcmp(sub, "list")) {
    need_args(argc, 0, 1, "nd [list]");
    rq->cmd = "nd.list";
    rq->print = print_nd;
  } else if (!strcmp(sub, "flush")) {
    need_args(argc, 1, 3, "nd flush [--routers] [NETIF]");
    for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "--routers")) {
        json_object_set_new(rq->args, "routers", json_true());
      } else {
        json_object_set_new(rq->args, "name", json_string(argv[i]));
      }
    }
    rq->cmd = "nd.flush";
    rq->print = print_nd_flush;
  } else if (!strcmp(sub, "routers")) {
    need_args(argc, 1, 1, "nd routers");
    rq->cmd = "nd.routers";
    rq->print = print_nd_routers;
  } else if (!strcmp(sub, "prefixes")) {
    need_args(argc, 1, 1, "nd prefixes");
    rq->cmd = "nd.prefixes";
    rq->print = print_nd_prefixes;
  } else if (!strcmp(sub, "dns")) {
    need_args(argc, 1, 1, "nd dns");
    rq->cmd = "nd.dns";
    rq->print = print_nd_dns;
  } else {
    die_usage("unknown nd subcommand '%s': use list, flush, routers, prefixes or dns", sub);
  }
}

void cmd_mld(int argc, char **argv, struct request *rq)
{
  if (argc == 1 && strcmp(argv[0], "list")) {
    die_usage("unknown mld subcommand '%s'", argv[0]);
  }
  need_args(argc, 0, 1, "mld [list]");
  rq->cmd = "mld.list";
  rq->print = print_mld;
}

void cmd_reass6(int argc, char **argv, struct request *rq)
{
  if (argc == 1 && strcmp(argv[0], "list")) {
    die_usage("unknown reass6 subcommand '%s'", argv[0]);
  }
  need_args(argc, 0, 1, "reass6 [list]");
  rq->cmd = "reass6.list";
  rq->print = print_reass6;
}

void cmd_pmtu(int argc, char **argv, struct request *rq)
{
  if (argc == 1 && strcmp(argv[0], "list")) {
    die_usage("unknown pmtu subcommand '%s'", argv[0]);
  }
  need_args(argc, 0, 1, "pmtu [list]");
  rq->cmd = "pmtu.list";
  rq->print = print_pmtu;
}

/* ---------------------------------------------------------------------- */
/* Printers                                                               */
/* ---------------------------------------------------------------------- */

static char *lifetime_cell(json_t *v)
{
  if (v == NULL) {
    return xasprintf("-");
  }
  if (json_is_null(v)) {
    return xasprintf("forever");
  }
  return xasprintf("%llds", (long long)json_integer_value(v));
}

static char *addr6_cell(json_t *a, json_t *ctx)
{
  (void)ctx;
  return xasprintf("%s/%lld", jstr(a, "addr"), jint(a, "prefix"));
}

static char *valid_cell(json_t *a, json_t *ctx)
{
  (void)ctx;
  return lifetime_cell(json_object_get(a, "valid_lifetime_s"));
}

static char *preferred_cell(json_t *a, json_t *ctx)
{
  (void)ctx;
  return lifetime_cell(json_object_get(a, "preferred_lifetime_s"));
}

static const struct column addr6_cols[] = {
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "IPV6-ADDRESS", .kind = COL_FN, .align = 'l', .cell = addr6_cell},
    {.header = "STATE", .kind = COL_STR, .key = "state", .align = 'l'},
    {.header = "ORIGIN", .kind = COL_STR, .key = "origin", .align = 'l'},
    {.header = "VALID", .kind = COL_FN, .align = 'r', .cell = valid_cell},
    {.header = "PREFERRED", .kind = COL_FN, .align = 'r', .cell = preferred_cell},
};

/* The IPv6 addresses of every netif in @p netifs, one row each. */
void print_addr6_table(json_t *netifs)
{
  json_t *rows = json_array();
  size_t i, k;
  json_t *ni, *a;
  json_array_foreach(netifs, i, ni) {
    json_array_foreach(json_object_get(ni, "ip6"), k, a) {
      json_t *row = json_deep_copy(a);
      json_object_set_new(row, "netif", json_string(jstr(ni, "name")));
      json_array_append_new(rows, row);
    }
  }
  if (json_array_size(rows) > 0) {
    putchar('\n');
    PRINT_TABLE(addr6_cols, rows, NULL);
  }
  json_decref(rows);
}

void print_addr6_one(const struct request *rq, json_t *res)
{
  json_t *rows = json_array();
  json_t *row = json_deep_copy(res);
  json_t *name = json_object_get(rq->args, "name");
  json_object_set_new(row, "netif", json_string(name ? json_string_value(name) : "default"));
  json_array_append_new(rows, row);
  PRINT_TABLE(addr6_cols, rows, NULL);
  json_decref(rows);
}

/* "ip6: ADDR/PREFIX STATE ORIGIN" lines of status, under the netifs. */
void print_status_ip6(json_t *netifs)
{
  size_t i, k;
  json_t *ni, *a;
  int first = 1;
  json_array_foreach(netifs, i, ni) {
    json_array_foreach(json_object_get(ni, "ip6"), k, a) {
      kv(first ? "ip6:" : "", "%s %s/%lld %s (%s)", jstr(ni, "name"), jstr(a, "addr"), jint(a, "prefix"),
         jstr(a, "state"), jstr(a, "origin"));
      first = 0;
    }
  }
}

static const struct column nd_cols[] = {
    {.header = "IP", .kind = COL_STR, .key = "ip", .align = 'l'},
    {.header = "MAC", .kind = COL_STR, .key = "mac", .align = 'l'},
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "STATE", .kind = COL_STR, .key = "state", .align = 'l'},
    {.header = "ROUTER", .kind = COL_YESNO, .key = "router", .align = 'l'},
    {.header = "QUEUED", .kind = COL_INT, .key = "queued", .align = 'r'},
    {.header = "AGE", .kind = COL_INT, .key = "age_ms", .fmt = "%lldms", .align = 'r'},
};

void print_nd(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(nd_cols, json_object_get(res, "neighbors"), NULL);
}

void print_nd_flush(const struct request *rq, json_t *res)
{
  (void)rq;
  printf("%lld neighbor entries removed\n", jint(res, "removed"));
  if (json_object_get(res, "routers_removed")) {
    printf("%lld router, prefix, DNS and route entries removed\n", jint(res, "routers_removed"));
  }
}

static char *lifetime_key_cell(json_t *row, const char *key)
{
  return lifetime_cell(json_object_get(row, key));
}

static char *lifetime_s_cell(json_t *row, json_t *ctx)
{
  (void)ctx;
  return lifetime_key_cell(row, "lifetime_s");
}

static const struct column router_cols[] = {
    {.header = "ROUTER", .kind = COL_STR, .key = "addr", .align = 'l'},
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "LIFETIME", .kind = COL_FN, .align = 'r', .cell = lifetime_s_cell},
    {.header = "PREFERENCE", .kind = COL_STR, .key = "preference", .align = 'l'},
    {.header = "REACHABLE", .kind = COL_YESNO, .key = "reachable", .align = 'l'},
};

static const struct column ra_cols[] = {
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "RA-SEEN", .kind = COL_YESNO, .key = "ra_seen", .align = 'l'},
    {.header = "HOP-LIMIT", .kind = COL_INT, .key = "cur_hop_limit", .align = 'r'},
    {.header = "REACHABLE", .kind = COL_INT, .key = "base_reachable_ms", .fmt = "%lldms", .align = 'r'},
    {.header = "RETRANS", .kind = COL_INT, .key = "retrans_ms", .fmt = "%lldms", .align = 'r'},
    {.header = "MTU", .kind = COL_INT, .key = "mtu", .align = 'r'},
    {.header = "MANAGED", .kind = COL_YESNO, .key = "managed", .align = 'l'},
    {.header = "OTHER", .kind = COL_YESNO, .key = "other", .align = 'l'},
};

void print_nd_routers(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(router_cols, json_object_get(res, "routers"), NULL);
  putchar('\n');
  PRINT_TABLE(ra_cols, json_object_get(res, "params"), NULL);
}

static char *prefix_cell(json_t *p, json_t *ctx)
{
  (void)ctx;
  return xasprintf("%s/%lld", jstr(p, "prefix"), jint(p, "prefix_len"));
}

static const struct column prefix_cols[] = {
    {.header = "PREFIX", .kind = COL_FN, .align = 'l', .cell = prefix_cell},
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "ON-LINK", .kind = COL_YESNO, .key = "onlink", .align = 'l'},
    {.header = "SLAAC", .kind = COL_YESNO, .key = "autonomous", .align = 'l'},
    {.header = "VALID", .kind = COL_FN, .align = 'r', .cell = valid_cell},
    {.header = "PREFERRED", .kind = COL_FN, .align = 'r', .cell = preferred_cell},
};

void print_nd_prefixes(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(prefix_cols, json_object_get(res, "prefixes"), NULL);
}

static const struct column rdnss_cols[] = {
    {.header = "DNS-SERVER", .kind = COL_STR, .key = "addr", .align = 'l'},
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "LIFETIME", .kind = COL_FN, .align = 'r', .cell = lifetime_s_cell},
};

static const struct column dnssl_cols[] = {
    {.header = "SEARCH-DOMAIN", .kind = COL_STR, .key = "domain", .align = 'l'},
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "LIFETIME", .kind = COL_FN, .align = 'r', .cell = lifetime_s_cell},
};

void print_nd_dns(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(rdnss_cols, json_object_get(res, "servers"), NULL);
  putchar('\n');
  PRINT_TABLE(dnssl_cols, json_object_get(res, "domains"), NULL);
}

static const struct column mld_cols[] = {
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "GROUP", .kind = COL_STR, .key = "group", .align = 'l'},
    {.header = "USERS", .kind = COL_INT, .key = "users", .align = 'r'},
    {.header = "REPORTING", .kind = COL_YESNO, .key = "reporting", .align = 'l'},
    {.header = "TIMER", .kind = COL_INT, .key = "timer_left_ms", .fmt = "%lldms", .align = 'r'},
};

static const struct column mld_netif_cols[] = {
    {.header = "NETIF", .kind = COL_STR, .key = "netif", .align = 'l'},
    {.header = "MLD-VERSION", .kind = COL_INT, .key = "version", .align = 'r'},
    {.header = "V1-QUERIER-LEFT", .kind = COL_INT, .key = "v1_querier_left_ms", .fmt = "%lldms", .align = 'r'},
};

void print_mld(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(mld_cols, json_object_get(res, "groups"), NULL);
  putchar('\n');
  PRINT_TABLE(mld_netif_cols, json_object_get(res, "netifs"), NULL);
}

static const struct column pmtu_cols[] = {
    {.header = "DEST", .kind = COL_STR, .key = "dest", .align = 'l'},
    {.header = "MTU", .kind = COL_INT, .key = "mtu", .align = 'r'},
    {.header = "AGE", .kind = COL_INT, .key = "age_ms", .fmt = "%lldms", .align = 'r'},
};

void print_pmtu(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(pmtu_cols, json_object_get(res, "entries"), NULL);
}

static const struct column reass6_cols[] = {
    {.header = "SOURCE", .kind = COL_STR, .key = "src", .align = 'l'},
    {.header = "DEST", .kind = COL_STR, .key = "dest", .align = 'l'},
    {.header = "ID", .kind = COL_INT, .key = "id", .align = 'r'},
    {.header = "FRAGS", .kind = COL_INT, .key = "fragments", .align = 'r'},
    {.header = "DATA", .kind = COL_INT, .key = "data_bytes", .align = 'r'},
    {.header = "CHARGED", .kind = COL_INT, .key = "bytes", .align = 'r'},
    {.header = "AGE", .kind = COL_INT, .key = "age_ms", .fmt = "%lldms", .align = 'r'},
};

void print_reass6(const struct request *rq, json_t *res)
{
  (void)rq;
  PRINT_TABLE(reass6_cols, json_object_get(res, "datagrams"), NULL);
  json_t *t = json_object_get(res, "totals");
  printf("%lld of %lld datagrams, %lld of %lld bytes, %lld fragments (held at most %lld ms)\n",
         (long long)jint(t, "datagrams"), (long long)jint(t, "max_datagrams"), (long long)jint(t, "bytes"),
         (long long)jint(t, "max_bytes"), (long long)jint(t, "fragments"), (long long)jint(t, "maxage_ms"));
}
