/*
 * lwipctl: private header shared by the client's files.
 *
 *   main.c    global options, the command table, --help, main()
 *   args.c    errors, memory, argument checking (usage errors)
 *   conn.c    the control socket: finding it, one request/reply, --json, events
 *   table.c   the column-spec table printer, "key: value" lines, JSON readers
 *   tables.c  the printers of each result (table specs and a few special ones)
 *   cmds.c    argument builders of most commands
 *   iperf.c   iperf: builder and the live client
 *   sock.c    sock: one call or a script of calls on one connection
 *   sntp.c    sntp: builder and printer of the SNTP client's commands
 *   mqtt.c    mqtt: builder and printers of the MQTT client's commands
 *   mdns.c    mdns: builder and printer of the mDNS responder's commands
 *   http.c    http: builder and printer of the HTTP server's commands
 *   tftp.c    tftp: builder and printer of the TFTP server's commands
 *   ip6.c     nd, mld, pmtu, netif addr6: IPv6 builders and printers
 */
#ifndef LWIPCTL_H
#define LWIPCTL_H

#include <signal.h>
#include <stddef.h>

#include <jansson.h>

/* The build does not give tools/ the core's generated config header, so the
 * version is repeated here unless the build passes it in. */
#ifndef LWIPCTL_VERSION
#define LWIPCTL_VERSION "0.1.0"
#endif

#define EXIT_DAEMON_ERROR 1
#define EXIT_USAGE 2
#define EXIT_CONN 3

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Options that apply to every command (main.c). */
struct options {
  const char *ctl;
  const char *tap;
  int json;
  double timeout;
};
extern struct options opt;

struct request;
typedef void (*printer_fn)(const struct request *rq, json_t *result);

/* One request as built from the command line, plus how to show the reply. */
struct request {
  const char *cmd;
  json_t *args;
  printer_fn print;
  double extra_timeout; /* seconds added to --timeout (ping) */
  int all;              /* stats --all: also show zero counters */
  int subscribe;        /* keep reading events after the reply */
};

/* A builder turns argv (after the command word; argv[0] is the first
 * argument) into a request.  A few (iperf client, sock script) run the
 * whole exchange themselves and exit. */
typedef void (*builder_fn)(int argc, char **argv, struct request *rq);

/* One synopsis line of --help and what it does (may hold '\n'). */
struct usage_line {
  const char *synopsis;
  const char *help;
};

/* An entry of the command table; usage is NULL for an alias, which --help
 * does not list on its own. */
struct command {
  const char *name;
  const struct usage_line *usage; /* ended by {NULL, NULL} */
  builder_fn build;
};

/* ---- args.c ---------------------------------------------------------- */

_Noreturn void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die_conn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

long long parse_int(const char *s, long long min, long long max, const char *what);
int parse_bool(const char *s, const char *what);
long long parse_size(const char *s);
long long parse_rate(const char *s);
void check_ip(const char *s, const char *what);
void check_cidr(const char *s);
void check_mac(const char *s);
void need_args(int argc, int min, int max, const char *usage);
int all_digits(const char *s);
json_t *absolute_path(const char *file);
long long arg_or(json_t *args, const char *key, long long dflt);

/* ---- table.c ---------------------------------------------------------- */

/* Reading reply fields.  A missing field shows as "-" rather than failing,
 * so that an older or newer daemon still prints something. */
const char *jstr(json_t *o, const char *key);
long long jint(json_t *o, const char *key);
double jnum(json_t *o, const char *key);
int jtrue(json_t *o, const char *key);
char *jfmt(json_t *v);
char *join_strings(json_t *list, const char *sep);
void kv(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum col_kind {
  COL_STR,   /* string field; "-" when missing or empty */
  COL_INT,   /* integer field, fmt "%lld" unless given */
  COL_REAL,  /* number field, fmt required ("%.1f") */
  COL_YESNO, /* boolean field as yes/no */
  COL_NAME,  /* the member name, when the rows are a JSON object */
  COL_FN,    /* text from the accessor function */
};

/* A cell computed from the row; ctx is what print_table() was given.
 * Returns malloc'd text. */
typedef char *(*cell_fn)(json_t *row, json_t *ctx);

/* One column: the header word, where its cells come from, alignment.
 * Widths follow the widest cell, at least min_width; the last column,
 * when left-aligned, is not padded. */
struct column {
  const char *header;
  enum col_kind kind;
  const char *key; /* JSON key of the row; "a.b" reads a nested object */
  const char *fmt; /* printf format of one value, by kind */
  char align;      /* 'l' or 'r' */
  cell_fn cell;    /* for COL_FN */
  int min_width;
};

/* Prints a table of rows (a JSON array, or an object whose members are the
 * rows), one row per element; returns the number of rows. */
size_t print_table(const struct column *cols, size_t ncols, json_t *rows, json_t *ctx);
#define PRINT_TABLE(cols, rows, ctx) print_table(cols, ARRAY_SIZE(cols), rows, ctx)

/* ---- tables.c: printers of results ------------------------------------ */

void print_status(const struct request *rq, json_t *res);
void print_netif_list(const struct request *rq, json_t *res);
void print_netif_one(const struct request *rq, json_t *res);
void print_arp(const struct request *rq, json_t *res);
void print_stats(const struct request *rq, json_t *res);
void print_levels(const struct request *rq, json_t *res);
void print_capture(const struct request *rq, json_t *res);
void print_capture_start(const struct request *rq, json_t *res);
void print_capture_stop(const struct request *rq, json_t *res);
void print_record(const struct request *rq, json_t *res);
void print_impair(const struct request *rq, json_t *res);
void print_apps(const struct request *rq, json_t *res);
void print_app_start(const struct request *rq, json_t *res);
void print_forward(const struct request *rq, json_t *res);
void print_icmp_ratelimit(const struct request *rq, json_t *res);
void print_ping(const struct request *rq, json_t *res);
void print_route(const struct request *rq, json_t *res);
void print_raw(const struct request *rq, json_t *res);
void print_done(const struct request *rq, json_t *res);
void print_tcp_list(const struct request *rq, json_t *res);
void print_tcp_limits(const struct request *rq, json_t *res);
void print_tcp_cc(const struct request *rq, json_t *res);
void print_tcp_ecn(const struct request *rq, json_t *res);
void print_tcp_connect(const struct request *rq, json_t *res);
void print_dhcp(const struct request *rq, json_t *res);
void print_dns_servers(const struct request *rq, json_t *res);
void print_dns_resolve(const struct request *rq, json_t *res);
void print_dns_cache(const struct request *rq, json_t *res);
void print_dns_flush(const struct request *rq, json_t *res);
void print_iperf_start(const struct request *rq, json_t *res);
void print_iperf_status(const struct request *rq, json_t *res);
void print_iperf_stop(const struct request *rq, json_t *res);
void print_event(json_t *ev);

/* ---- conn.c ----------------------------------------------------------- */

/* A non-blocking connection to lwipd with a line buffer. */
struct conn {
  int fd;
  char *buf;
  size_t len;  /* bytes buffered */
  size_t scan; /* bytes already known to hold no newline */
};

extern const char *ctl_path;
extern volatile sig_atomic_t stop_requested;

double now_s(void);
const char *socket_path(void);
void conn_open(struct conn *c, const char *path);
void conn_close(struct conn *c);
void send_request(struct conn *c, const struct request *rq, long long id, double deadline);
json_t *await_reply(struct conn *c, long long id, double deadline, char **raw);
void report_error(json_t *reply);
int show_reply(const struct request *rq, json_t *reply, const char *raw);
void catch_stop_signals(void);
int run(const struct request *rq);
/* The next line, or NULL once @p deadline (negative: none) has passed or a
 * stop signal came (after catch_stop_signals). */
char *conn_line_until(struct conn *c, double deadline);

/* ---- tcptrace.c: tcp trace (record events) and tcp plot (draw them) ---- */

void tcp_trace_main(int argc, char **argv);
void tcp_plot_main(int argc, char **argv);

/* ---- builders (cmds.c, iperf.c, sock.c) -------------------------------- */

void cmd_status(int argc, char **argv, struct request *rq);
void cmd_netif(int argc, char **argv, struct request *rq);
void cmd_arp(int argc, char **argv, struct request *rq);
void cmd_stats(int argc, char **argv, struct request *rq);
void cmd_log(int argc, char **argv, struct request *rq);
void cmd_capture(int argc, char **argv, struct request *rq);
void cmd_record(int argc, char **argv, struct request *rq);
void cmd_impair(int argc, char **argv, struct request *rq);
void cmd_app(int argc, char **argv, struct request *rq);
void cmd_route(int argc, char **argv, struct request *rq);
void cmd_forward(int argc, char **argv, struct request *rq);
void cmd_icmp(int argc, char **argv, struct request *rq);
void cmd_ping(int argc, char **argv, struct request *rq);
void cmd_tcp(int argc, char **argv, struct request *rq);
void cmd_dhcp(int argc, char **argv, struct request *rq);
void cmd_dhcp6(int argc, char **argv, struct request *rq);
void cmd_dns(int argc, char **argv, struct request *rq);
void cmd_subscribe(int argc, char **argv, struct request *rq);
void cmd_shutdown(int argc, char **argv, struct request *rq);
void cmd_raw(int argc, char **argv, struct request *rq);
void cmd_iperf(int argc, char **argv, struct request *rq);
void cmd_sock(int argc, char **argv, struct request *rq);
void cmd_sntp(int argc, char **argv, struct request *rq);
void cmd_mqtt(int argc, char **argv, struct request *rq);
void cmd_mdns(int argc, char **argv, struct request *rq);
void cmd_http(int argc, char **argv, struct request *rq);
void cmd_tftp(int argc, char **argv, struct request *rq);

/* ---- ip6.c ------------------------------------------------------------ */

void check_cidr6(const char *s, int prefix_required);
void check_ip_any(const char *s, const char *what);
void cmd_netif_addr6(int argc, char **argv, struct request *rq);
void cmd_nd(int argc, char **argv, struct request *rq);
void cmd_pmtu(int argc, char **argv, struct request *rq);
void cmd_reass6(int argc, char **argv, struct request *rq);
void cmd_mld(int argc, char **argv, struct request *rq);
void print_mld(const struct request *rq, json_t *res);
void print_addr6_table(json_t *netifs);
void print_addr6_one(const struct request *rq, json_t *res);
void print_status_ip6(json_t *netifs);
void print_nd(const struct request *rq, json_t *res);
void print_nd_flush(const struct request *rq, json_t *res);
void print_nd_routers(const struct request *rq, json_t *res);
void print_nd_prefixes(const struct request *rq, json_t *res);
void print_nd_dns(const struct request *rq, json_t *res);
void print_pmtu(const struct request *rq, json_t *res);
void print_reass6(const struct request *rq, json_t *res);

/* iperf.c: iperf3's units, also used by the iperf status table. */
void human_bytes(char *buf, size_t n, double bytes);
void human_rate(char *buf, size_t n, double bps);

#endif /* LWIPCTL_H */
