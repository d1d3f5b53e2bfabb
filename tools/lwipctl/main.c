/*
 * lwipctl: command-line client of lwipd's control socket.
 *
 * The protocol is described in docs/control-protocol.md: one JSON object per
 * line each way over a UNIX stream socket.  Each lwipctl invocation sends one
 * request, waits for the reply carrying the same id, and prints it either as
 * an aligned table (the default) or verbatim (--json).
 *
 * Exit status: 0 on success, 1 when lwipd answered ok:false, 2 for usage
 * errors, 3 when the socket cannot be reached or the connection breaks.
 * Every error is reported as exactly one line on stderr.
 *
 * This file holds the global options, the command table and --help, which
 * is generated from that table.
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT 5.0

struct options opt = {NULL, NULL, 0, DEFAULT_TIMEOUT};

/* The commands in the order --help lists them. */
static const struct command commands[] = {
    {"status", (const struct usage_line[]){{"status", NULL}, {NULL, NULL}}, cmd_status},
    {"netif",
     (const struct usage_line[]){{"netif [list]", NULL},
                                 {"netif set NAME KEY VALUE [KEY VALUE...]",
                                  "keys: ip a.b.c.d/prefix, gw,\nmtu, up, link_up, default (on/off)"},
                                 {"netif addr6 add|del [NAME] ADDR/PREFIX", "a static IPv6 address (through DAD)"},
                                 {NULL, NULL}},
     cmd_netif},
    {"nd",
     (const struct usage_line[]){
         {"nd [list] | nd flush [--routers] [NETIF]", "the IPv6 neighbor cache (RFC 4861)"},
         {"nd routers | nd prefixes | nd dns", "what Router Advertisements taught:\nrouters, prefixes, RDNSS/DNSSL"},
         {NULL, NULL}},
     cmd_nd},
    {"pmtu", (const struct usage_line[]){{"pmtu [list]", "the IPv6 path-MTU cache"}, {NULL, NULL}}, cmd_pmtu},
    {"mld", (const struct usage_line[]){{"mld [list]", "IPv6 multicast groups joined (MLD)"}, {NULL, NULL}}, cmd_mld},
    {"reass6", (const struct usage_line[]){{"reass6 [list]", "IPv6 datagrams in reassembly, the budget"}, {NULL, NULL}},
     cmd_reass6},
    {"arp", (const struct usage_line[]){{"arp [list] | arp add IP MAC | arp del IP | arp flush", NULL}, {NULL, NULL}},
     cmd_arp},
    {"stats", (const struct usage_line[]){{"stats [--all] | stats reset", NULL}, {NULL, NULL}}, cmd_stats},
    {"log", (const struct usage_line[]){{"log | log MODULE|all off|error|warn|info|debug|trace", NULL}, {NULL, NULL}},
     cmd_log},
    {"capture",
     (const struct usage_line[]){{"capture [status] | capture start FILE [NETIF] | capture stop", NULL}, {NULL, NULL}},
     cmd_capture},
    {"impair", (const struct usage_line[]){{"impair | impair SPEC [--seed N] | impair clear", NULL}, {NULL, NULL}},
     cmd_impair},
    {"app",
     (const struct usage_line[]){{"app [list] | app start NAME [PORT] | app stop ID|NAME",
                                  "NAME: udp-echo udp-discard tcp-echo tcp-discard tcp-chargen"},
                                 {NULL, NULL}},
     cmd_app},
    {"route", (const struct usage_line[]){{"route", "the routing table"}, {NULL, NULL}}, cmd_route},
    {"record",
     (const struct usage_line[]){{"record start DIR [--seed N] [--description TEXT] | record stop | record [status]",
                                  "record a replay case (docs/replay-format.md)"},
                                 {NULL, NULL}},
     cmd_record},
    {"forward", (const struct usage_line[]){{"forward [on|off]", NULL}, {NULL, NULL}}, cmd_forward},
    {"icmp",
     (const struct usage_line[]){
         {"icmp ratelimit [RATE [BURST]]", "ICMP errors per second after a burst\n(RATE 0: no limit)"}, {NULL, NULL}},
     cmd_icmp},
    {"ping",
     (const struct usage_line[]){{"ping DST [-c COUNT] [-s SIZE] [-i INTERVAL_MS] [-W TIMEOUT_MS]",
                                  "DST: IPv4, or IPv6 with %ZONE for link-local"},
                                 {NULL, NULL}},
     cmd_ping},
    {"tcp",
     (const struct usage_line[]){
         {"tcp [list]", "connections and listeners (like ss -ti)"},
         {"tcp connect HOST PORT [-n BYTES[K|M|G] | -f FILE] [--recv] [-W TIMEOUT_MS]",
          "send from lwipd, report throughput"},
         {"tcp abort LOCAL_PORT REMOTE_IP REMOTE_PORT", "reset one connection"},
         {"tcp limits [NAME=MS ...]",
          "give-up limits: user_timeout_ms, orphan_timeout_ms,\nfin_wait_2_ms, msl_ms, delack_ms (docs/tcp.md)"},
         {"tcp cc [newreno|cubic] [rfc5681|rfc6928] [rack|dupthresh]",
          "congestion control of new connections, initial window, loss detection"},
         {"tcp ecn [off|passive|on]", "ECN (RFC 3168) of new connections"},
         {"tcp trace [local=IP] [local_port=N] [remote=IP] [remote_port=N]\n    [-o FILE.jsonl] [--count N] "
          "[--duration S]",
          "record TCP trace events until Ctrl-C (docs/tcp-trace.md)"},
         {"tcp plot FILE.jsonl -o FILE.png [--conn LOCAL_PORT] [--title TEXT]",
          "draw sequence/time and cwnd/time (python3-matplotlib)"},
         {NULL, NULL}},
     cmd_tcp},
    {"dhcp", (const struct usage_line[]){{"dhcp [status] | dhcp start|stop|release|renew [NETIF]", NULL}, {NULL, NULL}},
     cmd_dhcp},
    {"dhcp6",
     (const struct usage_line[]){{"dhcp6 [status] | dhcp6 start [stateful|stateless|auto] | dhcp6 stop|release [NETIF]",
                                  "the DHCPv6 client (RFC 8415); auto follows the RA's M and O flags"},
                                 {NULL, NULL}},
     cmd_dhcp6},
    {"dns",
     (const struct usage_line[]){{"dns [servers] | dns servers ADDR [ADDR] | dns servers none",
                                  "servers: IPv4 or IPv6 addresses (fe80::1%tap0)"},
                                 {"dns resolve NAME [-t a|aaaa|any] | dns cache [flush]", NULL},
                                 {NULL, NULL}},
     cmd_dns},
    {"sock",
     (const struct usage_line[]){
         {"sock CALL [KEY=VALUE...]",
          "one socket call on lwipd's stack (sock.*);\nits descriptors close when lwipctl exits"},
         {"sock script FILE|-", "several calls on one connection, one per\nline: CALL KEY=VALUE... | sleep MS | # ..."},
         {NULL, NULL}},
     cmd_sock},
    {"iperf",
     (const struct usage_line[]){{"iperf server [-3|-2] [-p PORT] [-u]", "an iperf3 (default) or iperf 2 server"},
                                 {"iperf client HOST [-3|-2] [-p PORT] [-t SECS] [-u] [-b RATE] [-P N] [-R] [-l LEN]",
                                  "run a test from lwipd to HOST (IPv4 or IPv6), live intervals"},
                                 {"iperf status [ID] | iperf stop [ID]", NULL},
                                 {NULL, NULL}},
     cmd_iperf},
    {"sntp",
     (const struct usage_line[]){{"sntp [status] | sntp stop", "the SNTP client: servers, offset, delay, counters"},
                                 {"sntp start SERVER... | --dhcp [-p POLL_S] [-W TIMEOUT_MS] [-b MAX_BACKOFF_S]",
                                  "ask NTP servers (or DHCP option 42's) for the time"},
                                 {NULL, NULL}},
     cmd_sntp},
    {"mqtt",
     (const struct usage_line[]){
         {"mqtt [status] | mqtt disconnect", "the MQTT client: state, in flight, counters"},
         {"mqtt connect BROKER [-p PORT] [-i ID] [-k KEEPALIVE_S] [--keep-session]\n"
          "             [-u USER] [-P PASS] [--will TOPIC PAYLOAD [--will-qos Q] [--will-retain]]",
          "connect to a broker (reconnects by itself)"},
         {"mqtt publish TOPIC [PAYLOAD] [-q QOS] [-r]", "publish; QoS 1/2 wait for the broker"},
         {"mqtt subscribe FILTER [-q QOS] | mqtt unsubscribe FILTER", "wildcards + and #"},
         {"mqtt messages [--since SEQ] [--clear]", "messages received (the last 64)"},
         {NULL, NULL}},
     cmd_mqtt},
    {"mdns",
     (const struct usage_line[]){
         {"mdns [status] | mdns stop", "the mDNS responder: host name, state, services, counters"},
         {"mdns start HOSTNAME", "announce HOSTNAME.local (probing, renaming on conflict)"},
         {"mdns add INSTANCE SERVICE PORT [-u] [KEY=VALUE...]",
          "announce a service (e.g. mdns add Web _http 80 path=/)"},
         {"mdns remove INSTANCE [SERVICE]", "withdraw a service (goodbye)"},
         {NULL, NULL}},
     cmd_mdns},
    {"http",
     (const struct usage_line[]){{"http [status] | http stop", "the HTTP server: settings, counters, connections"},
                                 {"http start [DIR] [-p PORT] [-c MAX_CONNS] [-i IDLE_MS] [-H MAX_HEADER]",
                                  "serve DIR (else the built-in pages);\n--no-status-page hides /status"},
                                 {NULL, NULL}},
     cmd_http},
    {"tftp",
     (const struct usage_line[]){{"tftp [status] | tftp stop", "the TFTP server: transfers in progress, totals"},
                                 {"tftp start DIR [-p PORT] [-w] [-n MAX_TRANSFERS] [-B MAX_BLKSIZE]\n"
                                  "           [-W TIMEOUT_MS] [-m MIN_RTO_MS] [-r RETRIES]",
                                  "serve DIR over TFTP (-w: accept uploads)"},
                                 {NULL, NULL}},
     cmd_tftp},
    {"watch",
     (const struct usage_line[]){
         {"watch | subscribe [link|address|arp|log|dhcp|mqtt|nd|tcp|all...]", "print events until interrupted"},
         {NULL, NULL}},
     cmd_subscribe},
    {"subscribe", NULL, cmd_subscribe},
    {"shutdown", (const struct usage_line[]){{"shutdown", "stop lwipd"}, {NULL, NULL}}, cmd_shutdown},
    {"raw", (const struct usage_line[]){{"raw CMD [JSON-ARGS]", "send any command"}, {NULL, NULL}}, cmd_raw},
};

/* Help text starts in this column; a longer synopsis puts it on the lines
 * below. */
#define HELP_COLUMN 44

/* "  SYNOPSIS   help", further help lines indented to the same column. */
static void print_usage_line(const struct usage_line *u)
{
  int len = (int)strlen(u->synopsis);
  printf("  %s", u->synopsis);
  const char *h = u->help;
  if (h && len <= HELP_COLUMN - 2) {
    int pad = HELP_COLUMN - 2 - len;
    printf("%*s", pad < 2 ? 2 : pad, "");
  } else if (h) {
    printf("\n%*s", HELP_COLUMN, "");
  }
  while (h) {
    const char *nl = strchr(h, '\n');
    printf("%.*s", nl ? (int)(nl - h) : (int)strlen(h), h);
    h = nl ? nl + 1 : NULL;
    if (h) {
      printf("\n%*s", HELP_COLUMN, "");
    }
  }
  putchar('\n');
}

static void usage(void)
{
  puts("usage: lwipctl [--ctl PATH | --tap NAME] [--json] [--timeout SEC] COMMAND [ARGS...]\n"
       "\n"
       "Talks to lwipd over its control socket (docs/control-protocol.md).\n"
       "The socket is --ctl PATH, else /run/lwipd/NAME.sock for --tap NAME, else\n"
       "$LWIPD_CTL, else the only *.sock in /run/lwipd.\n"
       "\n"
       "commands:");
  for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
    for (const struct usage_line *u = commands[i].usage; u && u->synopsis; u++) {
      print_usage_line(u);
    }
  }
  puts("\n"
       "options:\n"
       "  --ctl PATH      control socket path\n"
       "  --tap NAME      use /run/lwipd/NAME.sock\n"
       "  --json          print lwipd's reply object verbatim, one line\n"
       "  --timeout SEC   how long to wait for a reply (default 5)\n"
       "  --help, --version\n"
       "\n"
       "exit status: 0 ok, 1 lwipd reported an error, 2 usage error,\n"
       "3 cannot reach lwipd or the connection broke.");
}

static double parse_timeout(const char *s)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v > 0) || v > 86400 * 365) {
    die_usage("bad --timeout '%s': expected a positive number of seconds", s);
  }
  return v;
}

/* Matches "--name VALUE" and "--name=VALUE"; returns the value or NULL. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n)) {
    return NULL;
  }
  if (argv[*i][n] == '=') {
    return argv[*i] + n + 1;
  }
  if (argv[*i][n]) {
    return NULL;
  }
  if (*i + 1 >= argc) {
    die_usage("%s needs a value", name);
  }
  return argv[++*i];
}

/* Consumes one global option at argv[*i]; returns 0 if it is not one. */
static int global_option(int argc, char **argv, int *i)
{
  const char *v;
  if (!strcmp(argv[*i], "--json")) {
    opt.json = 1;
  } else if (!strcmp(argv[*i], "--help") || !strcmp(argv[*i], "-h")) {
    usage();
    exit(0);
  } else if (!strcmp(argv[*i], "--version")) {
    puts("lwipctl " LWIPCTL_VERSION);
    exit(0);
  } else if ((v = option_value(argc, argv, i, "--ctl"))) {
    opt.ctl = v;
  } else if ((v = option_value(argc, argv, i, "--tap"))) {
    opt.tap = v;
  } else if ((v = option_value(argc, argv, i, "--timeout"))) {
    opt.timeout = parse_timeout(v);
  } else {
    return 0;
  }
  return 1;
}

/* Global options may appear anywhere before a "--"; everything else is
 * kept, in order, for the command.  Returns the number of words kept. */
static int split_globals(int argc, char **argv, char **rest)
{
  int n = 0, i = 1;
  for (; i < argc && strcmp(argv[i], "--"); i++) {
    if (!global_option(argc, argv, &i)) {
      rest[n++] = argv[i];
    }
  }
  for (i++; i < argc; i++) {
    rest[n++] = argv[i];
  }
  return n;
}

static const struct command *find_command(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
    if (!strcmp(name, commands[i].name)) {
      return &commands[i];
    }
  }
  return NULL;
}

int main(int argc, char **argv)
{
  char **rest = xmalloc(sizeof(char *) * (size_t)argc);
  int n = split_globals(argc, argv, rest);
  struct request rq = {.args = json_object()};
  if (n == 0) {
    die_usage("missing command");
  }
  if (rest[0][0] == '-') {
    die_usage("unknown option '%s'", rest[0]);
  }
  const struct command *cmd = find_command(rest[0]);
  if (!cmd) {
    die_usage("unknown command '%s'", rest[0]);
  }
  cmd->build(n - 1, rest + 1, &rq);
  int status = run(&rq);
  json_decref(rq.args);
  free(rest);
  return status;
}
