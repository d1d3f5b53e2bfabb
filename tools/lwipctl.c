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
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <jansson.h>

/* The build does not give tools/ the core's generated config header, so the
 * version is repeated here unless the build passes it in. */
#ifndef LWIPCTL_VERSION
#define LWIPCTL_VERSION "0.1.0"
#endif

#define EXIT_DAEMON_ERROR 1
#define EXIT_USAGE 2
#define EXIT_CONN 3

/* lwipd buffers at most 1 MiB for a client, so no reply line can be longer. */
#define MAX_LINE (1024u * 1024u)
#define RUN_DIR "/run/lwipd"
#define DEFAULT_TIMEOUT 5.0

/* Options that apply to every command. */
static struct {
	const char *ctl;
	const char *tap;
	int json;
	double timeout;
} opt = { NULL, NULL, 0, DEFAULT_TIMEOUT };

/* The socket path in use, for error messages. */
static const char *ctl_path = "";

/* Set by SIGINT/SIGTERM while subscribed, so the event loop ends cleanly. */
static volatile sig_atomic_t stop_requested;

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

/* ------------------------------------------------------------------ */
/* Error reporting: every path prints one line and exits.              */

static void vdie(int status, const char *hint, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("lwipctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (hint)
		fputs(hint, stderr);
	fputc('\n', stderr);
	exit(status);
}

/* A usage error always ends with the pointer to --help, on the same line. */
static _Noreturn void die_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdie(EXIT_USAGE, " (see 'lwipctl --help')", fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

static _Noreturn void die_conn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdie(EXIT_CONN, NULL, fmt, ap);
	va_end(ap);
	exit(EXIT_CONN);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fputs("lwipctl: out of memory\n", stderr);
		exit(EXIT_CONN);
	}
	return p;
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* ------------------------------------------------------------------ */
/* Argument checking.  Bad values are usage errors, caught before any    */
/* connection is made so that typos never reach the daemon.            */

static long long parse_int(const char *s, long long min, long long max, const char *what)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die_usage("bad %s '%s': expected an integer in %lld..%lld", what, s, min, max);
	return v;
}

static int parse_bool(const char *s, const char *what)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i]))
			return 1;
		if (!strcmp(s, no[i]))
			return 0;
	}
	die_usage("bad %s '%s': expected on, off, true or false", what, s);
}

static void check_ip(const char *s, const char *what)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		die_usage("bad %s '%s': expected an IPv4 address a.b.c.d", what, s);
}

/* The ip key takes "a.b.c.d/prefix"; the daemon splits it again. */
static void check_cidr(const char *s)
{
	const char *slash = strchr(s, '/');
	char addr[INET_ADDRSTRLEN];
	size_t n = slash ? (size_t)(slash - s) : 0;
	if (!slash || n >= sizeof(addr))
		die_usage("bad ip '%s': expected a.b.c.d/prefix", s);
	memcpy(addr, s, n);
	addr[n] = '\0';
	check_ip(addr, "ip");
	parse_int(slash + 1, 0, 32, "prefix");
}

/* A MAC is exactly six pairs of hex digits separated by colons; sscanf()
 * would also accept signs and blanks, so the characters are checked. */
static void check_mac(const char *s)
{
	int ok = strlen(s) == 17;
	for (size_t i = 0; ok && i < 17; i++)
		ok = i % 3 == 2 ? s[i] == ':' : isxdigit((unsigned char)s[i]) != 0;
	if (!ok)
		die_usage("bad MAC address '%s': expected xx:xx:xx:xx:xx:xx", s);
}

static void need_args(int argc, int min, int max, const char *usage)
{
	if (argc < min)
		die_usage("missing arguments: usage: lwipctl %s", usage);
	if (argc > max)
		die_usage("too many arguments: usage: lwipctl %s", usage);
}

/* ------------------------------------------------------------------ */
/* Aligned tables.  Cells are collected first so that every column can  */
/* be as wide as its widest cell.                                      */

struct table {
	size_t ncols;
	const char *align; /* one 'l' or 'r' per column */
	char **cells;
	size_t ncells, cap;
};

static void table_cell(struct table *t, const char *fmt, ...)
{
	if (t->ncells == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		char **n = realloc(t->cells, t->cap * sizeof(*n));
		if (!n)
			die_conn("out of memory");
		t->cells = n;
	}
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = xmalloc((size_t)(len < 0 ? 0 : len) + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	t->cells[t->ncells++] = s;
}

/* Starts a table whose header is the space-separated word list. */
static void table_init(struct table *t, const char *align, const char *header)
{
	memset(t, 0, sizeof(*t));
	t->ncols = strlen(align);
	t->align = align;
	char *copy = xasprintf("%s", header);
	for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		table_cell(t, "%s", w);
	free(copy);
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
}

static void table_print(struct table *t)
{
	size_t width[32] = { 0 };
	for (size_t i = 0; i < t->ncells; i++) {
		size_t n = strlen(t->cells[i]);
		if (n > width[i % t->ncols])
			width[i % t->ncols] = n;
	}
	for (size_t i = 0; i < t->ncells; i++) {
		size_t col = i % t->ncols;
		int last = col == t->ncols - 1;
		int w = (int)width[col];
		if (t->align[col] == 'r')
			printf("%*s", w, t->cells[i]);
		else
			printf("%-*s", last ? 0 : w, t->cells[i]);
		fputs(last ? "\n" : "  ", stdout);
	}
	table_free(t);
}

/* ------------------------------------------------------------------ */
/* Reading reply fields.  A missing field shows as "-" rather than      */
/* failing, so that an older or newer daemon still prints something.   */

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : "-";
}

static long long jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static int jtrue(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* Renders any JSON value compactly; strings lose their quotes. */
static char *jfmt(json_t *v)
{
	if (json_is_string(v))
		return xasprintf("%s", json_string_value(v));
	if (!v)
		return xasprintf("-");
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	return s ? s : xasprintf("?");
}

/* Prints "key:  value" with the key padded to a common width. */
static void kv(const char *key, const char *fmt, ...)
{
	va_list ap;
	printf("%-12s", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ------------------------------------------------------------------ */
/* Printers: one per kind of result.                                   */

static void netif_flags(char *buf, size_t n, json_t *ni)
{
	snprintf(buf, n, "%s%s%s", jtrue(ni, "up") ? "up" : "down",
		 jtrue(ni, "link_up") ? ",link" : ",no-link", jtrue(ni, "default") ? ",default" : "");
}

static void netif_row(struct table *t, json_t *ni)
{
	char flags[32];
	json_t *ctr = json_object_get(ni, "counters");
	netif_flags(flags, sizeof(flags), ni);
	table_cell(t, "%s", jstr(ni, "name"));
	table_cell(t, "%s", jstr(ni, "mac"));
	if (json_object_get(ni, "prefix") && strcmp(jstr(ni, "ip"), "-"))
		table_cell(t, "%s/%lld", jstr(ni, "ip"), jint(ni, "prefix"));
	else
		table_cell(t, "%s", jstr(ni, "ip"));
	table_cell(t, "%s", jstr(ni, "gw"));
	table_cell(t, "%lld", jint(ni, "mtu"));
	table_cell(t, "%s", flags);
	table_cell(t, "%lld", jint(ctr, "rx_packets"));
	table_cell(t, "%lld", jint(ctr, "tx_packets"));
}

static void print_netifs(json_t *list)
{
	struct table t;
	size_t i;
	json_t *ni;
	table_init(&t, "llllrlrr", "NAME MAC IP GW MTU FLAGS RX-PKTS TX-PKTS");
	json_array_foreach(list, i, ni)
		netif_row(&t, ni);
	table_print(&t);
}

static void print_netif_list(const struct request *rq, json_t *res)
{
	print_netifs(json_object_get(res, "netifs"));
}

/* netif.set answers with the netif itself; show it as a one-row table. */
static void print_netif_one(const struct request *rq, json_t *res)
{
	json_t *list = json_array();
	json_array_append(list, res);
	print_netifs(list);
	json_decref(list);
}

static void print_arp(const struct request *rq, json_t *res)
{
	struct table t;
	size_t i;
	json_t *e;
	table_init(&t, "lllllr", "IP MAC NETIF STATE AGE QUEUED");
	json_array_foreach(json_object_get(res, "entries"), i, e) {
		table_cell(&t, "%s", jstr(e, "ip"));
		table_cell(&t, "%s", jstr(e, "mac"));
		table_cell(&t, "%s", jstr(e, "netif"));
		table_cell(&t, "%s", jstr(e, "state"));
		table_cell(&t, "%llds", jint(e, "age_s"));
		table_cell(&t, "%lld", jint(e, "queued"));
	}
	table_print(&t);
}

static const char *const stat_cols[] = { "xmit", "recv", "fw", "drop", "chkerr",
					  "lenerr", "memerr", "rterr", "proterr", "opterr" };
#define NSTAT_COLS (sizeof(stat_cols) / sizeof(stat_cols[0]))

/* A column is shown when any protocol has a non-zero value in it, when
 * --all asked for everything, or for the three columns always of interest. */
static void stats_pick_cols(json_t *protos, int all, int show[NSTAT_COLS])
{
	const char *name;
	json_t *p;
	for (size_t c = 0; c < NSTAT_COLS; c++)
		show[c] = all || c < 2 || c == 3;
	json_object_foreach(protos, name, p) {
		for (size_t c = 0; c < NSTAT_COLS; c++)
			if (jint(p, stat_cols[c]))
				show[c] = 1;
	}
}

static void print_protocols(json_t *protos, int all)
{
	int show[NSTAT_COLS];
	char align[NSTAT_COLS + 2] = "l", header[128] = "PROTO";
	const char *name;
	json_t *p;
	stats_pick_cols(protos, all, show);
	for (size_t c = 0; c < NSTAT_COLS; c++) {
		if (!show[c])
			continue;
		strcat(align, "r");
		strcat(header, " ");
		strcat(header, stat_cols[c]);
	}
	struct table t;
	table_init(&t, align, header);
	json_object_foreach(protos, name, p) {
		table_cell(&t, "%s", name);
		for (size_t c = 0; c < NSTAT_COLS; c++)
			if (show[c])
				table_cell(&t, "%lld", jint(p, stat_cols[c]));
	}
	table_print(&t);
}

static void print_drops(json_t *drops, int all)
{
	struct table t;
	const char *name;
	json_t *v;
	table_init(&t, "lr", "DROP-REASON COUNT");
	json_object_foreach(drops, name, v) {
		if (!all && !json_integer_value(v))
			continue;
		table_cell(&t, "%s", name);
		table_cell(&t, "%lld", json_integer_value(v));
	}
	/* A table of only its header says less than a plain sentence. */
	if (t.ncells == t.ncols) {
		table_free(&t);
		puts("no drops");
		return;
	}
	table_print(&t);
}

static void pool_row(struct table *t, const char *name, json_t *p)
{
	table_cell(t, "%s", name);
	table_cell(t, "%lld", jint(p, "used"));
	table_cell(t, "%lld", jint(p, "max"));
	table_cell(t, "%lld", jint(p, "avail"));
	table_cell(t, "%lld", jint(p, "err"));
}

static void print_pools(json_t *pools, json_t *heap)
{
	struct table t;
	size_t i;
	json_t *p;
	table_init(&t, "lrrrr", "POOL USED MAX AVAIL ERR");
	json_array_foreach(pools, i, p)
		pool_row(&t, jstr(p, "name"), p);
	if (json_is_object(heap))
		pool_row(&t, "heap", heap);
	table_print(&t);
}

static void print_stats(const struct request *rq, json_t *res)
{
	print_protocols(json_object_get(res, "protocols"), rq->all);
	putchar('\n');
	print_drops(json_object_get(res, "drops"), rq->all);
	putchar('\n');
	print_pools(json_object_get(res, "pools"), json_object_get(res, "heap"));
}

static void print_levels(const struct request *rq, json_t *res)
{
	struct table t;
	const char *name;
	json_t *v;
	table_init(&t, "ll", "MODULE LEVEL");
	json_object_foreach(json_object_get(res, "levels"), name, v) {
		table_cell(&t, "%s", name);
		table_cell(&t, "%s", json_is_string(v) ? json_string_value(v) : "-");
	}
	table_print(&t);
}

static void print_capture(const struct request *rq, json_t *res)
{
	kv("active:", "%s", jtrue(res, "active") ? "yes" : "no");
	kv("file:", "%s", jstr(res, "file"));
	kv("netif:", "%s", jstr(res, "netif"));
	kv("frames:", "%lld", jint(res, "frames"));
}

static void print_capture_start(const struct request *rq, json_t *res)
{
	printf("capturing %s to %s\n", jstr(res, "netif"), jstr(res, "file"));
}

static void print_capture_stop(const struct request *rq, json_t *res)
{
	printf("capture stopped: %lld frames in %s\n", jint(res, "frames"), jstr(res, "file"));
}

/* Impairment counters are shown as "name=value" pairs per direction. */
static void print_impair_dir(const char *dir, json_t *ctr)
{
	const char *name;
	json_t *v;
	const char *sep = "";
	printf("%-12s", dir);
	json_object_foreach(ctr, name, v) {
		char *s = jfmt(v);
		printf("%s%s=%s", sep, name, s);
		sep = " ";
		free(s);
	}
	putchar('\n');
}

static void print_impair(const struct request *rq, json_t *res)
{
	json_t *ctr = json_object_get(res, "counters");
	json_t *seed = json_object_get(res, "seed");
	char *s = jfmt(seed);
	kv("spec:", "%s", strcmp(jstr(res, "spec"), "-") ? jstr(res, "spec") : "none");
	kv("seed:", "%s", json_is_null(seed) ? "-" : s);
	free(s);
	print_impair_dir("rx:", json_object_get(ctr, "rx"));
	print_impair_dir("tx:", json_object_get(ctr, "tx"));
}

static void print_apps(const struct request *rq, json_t *res)
{
	struct table t;
	size_t i;
	json_t *a;
	table_init(&t, "rlrrrr", "ID NAME PORT RX-PKTS RX-BYTES TX-PKTS");
	json_array_foreach(json_object_get(res, "apps"), i, a) {
		table_cell(&t, "%lld", jint(a, "id"));
		table_cell(&t, "%s", jstr(a, "name"));
		table_cell(&t, "%lld", jint(a, "port"));
		table_cell(&t, "%lld", jint(a, "rx_packets"));
		table_cell(&t, "%lld", jint(a, "rx_bytes"));
		table_cell(&t, "%lld", jint(a, "tx_packets"));
	}
	table_print(&t);
}

static void print_app_start(const struct request *rq, json_t *res)
{
	printf("started %s on port %lld (id %lld)\n", jstr(res, "name"), jint(res, "port"),
	       jint(res, "id"));
}

static void print_forward(const struct request *rq, json_t *res)
{
	printf("forwarding: %s\n", jtrue(res, "enabled") ? "on" : "off");
}

static double jnum(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void print_ping(const struct request *rq, json_t *res)
{
	const char *dst = jstr(res, "dst");
	long long size = json_integer_value(json_object_get(rq->args, "size"));
	json_t *rtt = json_object_get(res, "rtt_ms"), *r;
	size_t i;
	if (!json_object_get(rq->args, "size"))
		size = 56;
	json_array_foreach(json_object_get(res, "replies"), i, r)
		printf("%lld bytes from %s: seq=%lld time=%.3f ms\n", size + 8, dst, jint(r, "seq"),
		       jnum(r, "rtt_ms"));
	printf("--- %s ping statistics ---\n", dst);
	printf("%lld transmitted, %lld received, %.4g%% loss", jint(res, "transmitted"),
	       jint(res, "received"), jnum(res, "loss_pct"));
	if (jint(res, "received") > 0)
		printf(", rtt min/avg/median/max = %.3f/%.3f/%.3f/%.3f ms", jnum(rtt, "min"),
		       jnum(rtt, "avg"), jnum(rtt, "median"), jnum(rtt, "max"));
	putchar('\n');
}

static void print_status_netifs(json_t *list)
{
	size_t i;
	json_t *ni;
	json_array_foreach(list, i, ni) {
		char flags[32];
		netif_flags(flags, sizeof(flags), ni);
		kv(i ? "" : "netifs:", "%s %s/%lld (%s)", jstr(ni, "name"), jstr(ni, "ip"),
		   jint(ni, "prefix"), flags);
	}
}

static void print_status(const struct request *rq, json_t *res)
{
	json_t *cap = json_object_get(res, "capture");
	json_t *imp = json_object_get(res, "impair");
	long long up = jint(res, "uptime_ms");
	kv("version:", "lwipd %s", jstr(res, "version"));
	kv("profile:", "%s", jstr(res, "profile"));
	kv("pid:", "%lld", jint(res, "pid"));
	kv("uptime:", "%lld.%03lld s", up / 1000, up % 1000);
	kv("tap:", "%s", jstr(res, "tap"));
	if (jtrue(res, "seeded"))
		kv("seed:", "%lld", jint(res, "seed"));
	else
		kv("seed:", "not seeded");
	print_status_netifs(json_object_get(res, "netifs"));
	kv("apps:", "%lld", jint(res, "apps"));
	if (jtrue(cap, "active"))
		kv("capture:", "%s on %s, %lld frames", jstr(cap, "file"), jstr(cap, "netif"),
		   jint(cap, "frames"));
	else
		kv("capture:", "off");
	kv("impair:", "%s", strcmp(jstr(imp, "spec"), "-") ? jstr(imp, "spec") : "none");
	kv("forwarding:", "%s", jtrue(res, "forwarding") ? "on" : "off");
}

/* raw: the result is shown as indented JSON since its shape is unknown. */
static void print_raw(const struct request *rq, json_t *res)
{
	char *s = json_dumps(res, JSON_INDENT(2) | JSON_ENCODE_ANY);
	if (s)
		puts(s);
	free(s);
}

/* Events print as "time_ms event key=value ...", one per line. */
static void print_event(json_t *ev)
{
	const char *name;
	json_t *v;
	printf("%lld %s", jint(ev, "time_ms"), jstr(ev, "event"));
	json_object_foreach(ev, name, v) {
		if (!strcmp(name, "event") || !strcmp(name, "time_ms"))
			continue;
		char *s = jfmt(v);
		printf(" %s=%s", name, s);
		free(s);
	}
	putchar('\n');
}

/* ------------------------------------------------------------------ */
/* Command parsers: each turns argv (after the command word) into a     */
/* request.  argv[0] is the first argument after the command.          */

static void set_cmd(struct request *rq, const char *cmd, printer_fn print)
{
	rq->cmd = cmd;
	rq->print = print;
}

static void cmd_status(int argc, char **argv, struct request *rq)
{
	need_args(argc, 0, 0, "status");
	set_cmd(rq, "status", print_status);
}

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

static void cmd_netif(int argc, char **argv, struct request *rq)
{
	if (argc == 0 || !strcmp(argv[0], "list")) {
		need_args(argc, 0, 1, "netif [list]");
		set_cmd(rq, "netif.list", print_netif_list);
		return;
	}
	if (strcmp(argv[0], "set"))
		die_usage("unknown netif subcommand '%s'", argv[0]);
	if (argc < 4 || (argc - 2) % 2)
		die_usage("usage: lwipctl netif set NAME KEY VALUE [KEY VALUE...]");
	json_object_set_new(rq->args, "name", json_string(argv[1]));
	for (int i = 2; i < argc; i += 2)
		netif_key(rq->args, argv[i], argv[i + 1]);
	set_cmd(rq, "netif.set", print_netif_one);
}

static void cmd_arp(int argc, char **argv, struct request *rq)
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

static void cmd_stats(int argc, char **argv, struct request *rq)
{
	if (argc == 1 && !strcmp(argv[0], "reset")) {
		set_cmd(rq, "stats.reset", NULL);
		return;
	}
	need_args(argc, 0, 1, "stats [--all] | stats reset");
	if (argc == 1 && strcmp(argv[0], "--all"))
		die_usage("unknown stats argument '%s'", argv[0]);
	rq->all = argc == 1;
	json_object_set_new(rq->args, "all", json_boolean(rq->all));
	set_cmd(rq, "stats", print_stats);
}

static void cmd_log(int argc, char **argv, struct request *rq)
{
	static const char *const levels[] = { "off", "error", "warn", "info", "debug", "trace" };
	if (argc == 0) {
		set_cmd(rq, "log.get", print_levels);
		return;
	}
	need_args(argc, 2, 2, "log [MODULE|all LEVEL]");
	size_t i = 0;
	while (i < sizeof(levels) / sizeof(levels[0]) && strcmp(argv[1], levels[i]))
		i++;
	if (i == sizeof(levels) / sizeof(levels[0]))
		die_usage("bad level '%s': use off, error, warn, info, debug or trace", argv[1]);
	json_object_set_new(rq->args, "module", json_string(argv[0]));
	json_object_set_new(rq->args, "level", json_string(argv[1]));
	set_cmd(rq, "log.set", print_levels);
}

/* lwipd opens the capture file itself, from its own working directory, so
 * a relative path is made absolute against ours first. */
static json_t *absolute_path(const char *file)
{
	char cwd[PATH_MAX];
	if (file[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return json_string(file);
	char *s = xasprintf("%s/%s", cwd, file);
	json_t *j = json_string(s);
	free(s);
	return j;
}

static void cmd_capture(int argc, char **argv, struct request *rq)
{
	const char *sub = argc ? argv[0] : "status";
	if (!strcmp(sub, "start")) {
		need_args(argc, 2, 3, "capture start FILE [NETIF]");
		json_object_set_new(rq->args, "file", absolute_path(argv[1]));
		if (argc == 3)
			json_object_set_new(rq->args, "netif", json_string(argv[2]));
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

static void print_record(const struct request *rq, json_t *res)
{
	(void)rq;
	const char *key;
	json_t *v;
	json_object_foreach(res, key, v) {
		if (json_is_string(v))
			printf("%-16s %s\n", key, json_string_value(v));
		else if (json_is_integer(v))
			printf("%-16s %lld\n", key, (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			printf("%-16s %s\n", key, json_is_true(v) ? "yes" : "no");
	}
}

/* record start DIR [--seed N] [--description TEXT] | record stop | record [status] */
static void cmd_record(int argc, char **argv, struct request *rq)
{
	const char *sub = argc ? argv[0] : "status";
	if (!strcmp(sub, "start")) {
		if (argc < 2)
			die_usage("usage: lwipctl record start DIR [--seed N] [--description TEXT]");
		json_object_set_new(rq->args, "dir", absolute_path(argv[1]));
		for (int i = 2; i < argc; i += 2) {
			if (i + 1 >= argc)
				die_usage("%s needs a value", argv[i]);
			if (!strcmp(argv[i], "--seed"))
				json_object_set_new(rq->args, "seed",
						    json_integer(parse_int(argv[i + 1], 0, LLONG_MAX, "seed")));
			else if (!strcmp(argv[i], "--description"))
				json_object_set_new(rq->args, "description", json_string(argv[i + 1]));
			else
				die_usage("unknown record option '%s'", argv[i]);
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

static void cmd_impair(int argc, char **argv, struct request *rq)
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
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			json_object_set_new(rq->args, "seed",
					    json_integer(parse_int(argv[++i], 0, LLONG_MAX, "seed")));
		else if (!strcmp(argv[i], "--seed"))
			die_usage("--seed needs a value");
		else if (!spec)
			spec = argv[i];
		else
			die_usage("usage: lwipctl impair SPEC [--seed N]");
	}
	if (!spec)
		die_usage("missing impairment SPEC");
	json_object_set_new(rq->args, "spec", json_string(spec));
	set_cmd(rq, "impair.set", print_impair);
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static void cmd_app(int argc, char **argv, struct request *rq)
{
	const char *sub = argc ? argv[0] : "list";
	if (!strcmp(sub, "start")) {
		need_args(argc, 2, 3, "app start NAME [PORT]");
		json_object_set_new(rq->args, "name", json_string(argv[1]));
		if (argc == 3)
			json_object_set_new(rq->args, "port",
					    json_integer(parse_int(argv[2], 1, 65535, "port")));
		set_cmd(rq, "app.start", print_app_start);
	} else if (!strcmp(sub, "stop")) {
		need_args(argc, 2, 2, "app stop ID|NAME");
		if (all_digits(argv[1]))
			json_object_set_new(rq->args, "id",
					    json_integer(parse_int(argv[1], 0, LLONG_MAX, "id")));
		else
			json_object_set_new(rq->args, "name", json_string(argv[1]));
		set_cmd(rq, "app.stop", NULL);
	} else if (!strcmp(sub, "list")) {
		need_args(argc, 0, 1, "app [list]");
		set_cmd(rq, "app.list", print_apps);
	} else {
		die_usage("unknown app subcommand '%s'", sub);
	}
}

static void cmd_forward(int argc, char **argv, struct request *rq)
{
	need_args(argc, 0, 1, "forward [on|off]");
	if (argc == 1)
		json_object_set_new(rq->args, "enable", json_boolean(parse_bool(argv[0], "forward")));
	set_cmd(rq, "ip.forward", print_forward);
}

/* Parses one ping option and its value into the request arguments. */
static void ping_opt(json_t *args, const char *o, const char *val)
{
	if (!strcmp(o, "-c"))
		json_object_set_new(args, "count", json_integer(parse_int(val, 1, 10000, "count")));
	else if (!strcmp(o, "-s"))
		json_object_set_new(args, "size", json_integer(parse_int(val, 0, 65000, "size")));
	else if (!strcmp(o, "-i"))
		json_object_set_new(args, "interval_ms",
				    json_integer(parse_int(val, 1, 3600000, "interval")));
	else if (!strcmp(o, "-W"))
		json_object_set_new(args, "timeout_ms",
				    json_integer(parse_int(val, 1, 3600000, "timeout")));
	else
		die_usage("unknown ping option '%s'", o);
}

static long long arg_or(json_t *args, const char *key, long long dflt)
{
	json_t *v = json_object_get(args, key);
	return v ? json_integer_value(v) : dflt;
}

static void cmd_ping(int argc, char **argv, struct request *rq)
{
	const char *dst = NULL;
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			if (i + 1 >= argc)
				die_usage("ping option %s needs a value", argv[i]);
			ping_opt(rq->args, argv[i], argv[i + 1]);
			i++;
		} else if (!dst) {
			dst = argv[i];
		} else {
			die_usage("usage: lwipctl ping DST [-c COUNT] [-s SIZE] [-i MS] [-W MS]");
		}
	}
	if (!dst)
		die_usage("missing ping destination");
	check_ip(dst, "destination");
	json_object_set_new(rq->args, "dst", json_string(dst));
	/* The reply only comes once every echo was answered or timed out, so
	 * the wait must cover the whole run, not just one round trip. */
	long long count = arg_or(rq->args, "count", 4);
	rq->extra_timeout = (double)(count * arg_or(rq->args, "interval_ms", 1000) +
				     arg_or(rq->args, "timeout_ms", 1000)) / 1000.0;
	set_cmd(rq, "ping", print_ping);
}

static void cmd_subscribe(int argc, char **argv, struct request *rq)
{
	static const char *const kinds[] = { "link", "address", "arp", "log", "all" };
	json_t *events = json_array();
	for (int i = 0; i < argc; i++) {
		size_t k = 0;
		while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(argv[i], kinds[k]))
			k++;
		if (k == sizeof(kinds) / sizeof(kinds[0]))
			die_usage("unknown event '%s': use link, address, arp, log or all", argv[i]);
		json_array_append_new(events, json_string(argv[i]));
	}
	if (argc)
		json_object_set_new(rq->args, "events", events);
	else
		json_decref(events);
	rq->subscribe = 1;
	set_cmd(rq, "subscribe", NULL);
}

static void cmd_raw(int argc, char **argv, struct request *rq)
{
	need_args(argc, 1, 2, "raw CMD [JSON-ARGS]");
	if (argc == 2) {
		json_error_t err;
		json_t *a = json_loads(argv[1], 0, &err);
		if (!json_is_object(a))
			die_usage("JSON-ARGS must be a JSON object%s%s", a ? "" : ": ",
				  a ? "" : err.text);
		json_decref(rq->args);
		rq->args = a;
	}
	set_cmd(rq, argv[0], print_raw);
}

static void print_route(const struct request *rq, json_t *res)
{
	struct table t;
	size_t i;
	json_t *e;
	(void)rq;
	table_init(&t, "llll", "DEST GATEWAY NETIF USABLE");
	json_array_foreach(json_object_get(res, "routes"), i, e) {
		table_cell(&t, "%s/%lld", jstr(e, "dest"), jint(e, "prefix"));
		const char *gw = json_string_value(json_object_get(e, "gw"));
		table_cell(&t, "%s", gw && *gw ? gw : "direct");
		table_cell(&t, "%s", jstr(e, "netif"));
		table_cell(&t, "%s", json_is_true(json_object_get(e, "usable")) ? "yes" : "no");
	}
	table_print(&t);
}

static void cmd_route(int argc, char **argv, struct request *rq)
{
	(void)argv;
	need_args(argc, 0, 0, "route");
	set_cmd(rq, "route.list", print_route);
}

static void print_done(const struct request *rq, json_t *res)
{
	(void)res;
	printf("%s: done\n", rq->cmd);
}

static void cmd_shutdown(int argc, char **argv, struct request *rq)
{
	(void)argv;
	need_args(argc, 0, 0, "shutdown");
	set_cmd(rq, "shutdown", print_done);
}

static const struct {
	const char *name;
	void (*parse)(int argc, char **argv, struct request *rq);
} commands[] = {
	{ "record", cmd_record },   { "watch", cmd_subscribe }, { "route", cmd_route },	    { "shutdown", cmd_shutdown },
	{ "status", cmd_status },   { "netif", cmd_netif },	    { "arp", cmd_arp },
	{ "stats", cmd_stats },	    { "log", cmd_log },		    { "capture", cmd_capture },
	{ "impair", cmd_impair },   { "app", cmd_app },		    { "forward", cmd_forward },
	{ "ping", cmd_ping },	    { "subscribe", cmd_subscribe }, { "raw", cmd_raw },
};

/* ------------------------------------------------------------------ */
/* The connection: a non-blocking socket with a line buffer.           */

struct conn {
	int fd;
	char *buf;
	size_t len;  /* bytes buffered */
	size_t scan; /* bytes already known to hold no newline */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits until the socket is ready; a negative deadline waits forever.
 * Signals interrupt poll() with EINTR: the wait is simply resumed unless
 * a subscription was asked to stop. */
static void conn_wait(struct conn *c, short events, double deadline)
{
	for (;;) {
		if (stop_requested) {
			fflush(stdout);
			exit(0);
		}
		int ms = -1;
		if (deadline >= 0) {
			double left = deadline - now_s();
			if (left <= 0)
				die_conn("timed out waiting for lwipd on %s (see --timeout)", ctl_path);
			/* Long waits (a ping of many hours) are done in one-hour
			 * steps so that the millisecond count fits in an int. */
			ms = left > 3600.0 ? 3600000 : (int)(left * 1000.0) + 1;
		}
		struct pollfd p = { .fd = c->fd, .events = events };
		int n = poll(&p, 1, ms);
		if (n > 0)
			return;
		if (n < 0 && errno != EINTR)
			die_conn("poll on %s: %s", ctl_path, strerror(errno));
	}
}

static void conn_open(struct conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		die_conn("cannot connect to %s: socket path too long", path);
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c->fd < 0)
		die_conn("socket: %s", strerror(errno));
	/* No signal handler is installed yet, so connect() cannot see EINTR. */
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die_conn("cannot connect to %s: %s", path, strerror(errno));
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	c->buf = xmalloc(MAX_LINE + 1);
	c->len = c->scan = 0;
}

static void conn_send(struct conn *c, const char *data, size_t len, double deadline)
{
	while (len > 0) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			conn_wait(c, POLLOUT, deadline);
		} else if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			/* lwipd may have refused us with an error line and closed
			 * (the 33rd client gets "busy"): stop sending and let the
			 * reader find that line, or report the closed connection. */
			return;
		} else if (n < 0 && errno != EINTR) {
			die_conn("connection to %s broken: %s", ctl_path, strerror(errno));
		}
	}
}

/* Takes the first complete line out of the buffer, if there is one. */
static char *conn_take_line(struct conn *c)
{
	char *nl = memchr(c->buf + c->scan, '\n', c->len - c->scan);
	if (!nl) {
		c->scan = c->len;
		return NULL;
	}
	size_t n = (size_t)(nl - c->buf);
	char *line = xmalloc(n + 1);
	memcpy(line, c->buf, n);
	line[n] = '\0';
	c->len -= n + 1;
	memmove(c->buf, nl + 1, c->len);
	c->scan = 0;
	return line;
}

/* Returns the next line (without its newline), however the daemon's
 * writes were split across reads. */
static char *conn_line(struct conn *c, double deadline)
{
	for (;;) {
		char *line = conn_take_line(c);
		if (line)
			return line;
		if (c->len > MAX_LINE)
			die_conn("line from %s longer than 1 MiB", ctl_path);
		ssize_t n = read(c->fd, c->buf + c->len, MAX_LINE + 1 - c->len);
		if (n > 0)
			c->len += (size_t)n;
		else if (n == 0)
			die_conn("lwipd closed the connection on %s", ctl_path);
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			conn_wait(c, POLLIN, deadline);
		else if (errno != EINTR)
			die_conn("connection to %s broken: %s", ctl_path, strerror(errno));
	}
}

/* ------------------------------------------------------------------ */
/* Finding the socket.                                                 */

static int is_sock_name(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && !strcmp(name + n - 5, ".sock");
}

/* With no hint at all, the one socket in /run/lwipd is the daemon. */
static char *find_only_socket(void)
{
	DIR *d = opendir(RUN_DIR);
	struct dirent *e;
	char *found = NULL;
	int count = 0;
	if (!d)
		die_conn("no lwipd socket in " RUN_DIR " (%s): is lwipd running? use --ctl PATH",
			 strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (!is_sock_name(e->d_name))
			continue;
		if (count++ == 0)
			found = xasprintf(RUN_DIR "/%s", e->d_name);
	}
	closedir(d);
	if (count == 0)
		die_conn("no lwipd socket in " RUN_DIR ": is lwipd running? use --ctl PATH");
	if (count > 1)
		die_usage("%d lwipd sockets in " RUN_DIR ": choose one with --tap NAME or --ctl PATH",
			  count);
	return found;
}

/* Command-line options win over the environment, which wins over the
 * directory scan. */
static const char *socket_path(void)
{
	const char *env = getenv("LWIPD_CTL");
	if (opt.ctl)
		return opt.ctl;
	if (opt.tap)
		return xasprintf(RUN_DIR "/%s.sock", opt.tap);
	if (env && *env)
		return env;
	return find_only_socket();
}

/* ------------------------------------------------------------------ */
/* One request/reply exchange.                                         */

/* A line is our reply when it carries our id.  A line with a null or
 * missing id that is an error (rather than an event) is also ours: the
 * daemon sends those when it could not read our request at all, e.g. a
 * too_long line or the "busy" refusal of a 33rd client. */
static int is_our_reply(json_t *msg, long long id)
{
	json_t *mid = json_object_get(msg, "id");
	if (json_is_integer(mid))
		return json_integer_value(mid) == id;
	return (!mid || json_is_null(mid)) && !json_object_get(msg, "event") &&
	       json_is_false(json_object_get(msg, "ok"));
}

static json_t *parse_line(const char *line)
{
	json_error_t err;
	json_t *msg = json_loads(line, 0, &err);
	if (!json_is_object(msg))
		die_conn("malformed line from lwipd on %s: %s", ctl_path,
			 msg ? "not an object" : err.text);
	return msg;
}

/* Reads until the reply to request `id` arrives.  Event lines and replies
 * to other ids are skipped; `raw` receives the reply's text. */
static json_t *await_reply(struct conn *c, long long id, double deadline, char **raw)
{
	for (;;) {
		char *line = conn_line(c, deadline);
		json_t *msg = parse_line(line);
		if (is_our_reply(msg, id)) {
			*raw = line;
			return msg;
		}
		json_decref(msg);
		free(line);
	}
}

static void send_request(struct conn *c, const struct request *rq, long long id,
			 double deadline)
{
	json_t *req = json_pack("{s:I, s:s, s:O}", "id", (json_int_t)id, "cmd", rq->cmd,
				"args", rq->args);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (!text)
		die_conn("cannot encode the request");
	char *line = xasprintf("%s\n", text);
	conn_send(c, line, strlen(line), deadline);
	free(line);
	free(text);
	json_decref(req);
}

/* Prints the daemon's error in the one-line "code: message" form, keeping
 * it on one line even if the message has newlines in it. */
static void report_error(json_t *reply)
{
	json_t *err = json_object_get(reply, "error");
	char *msg = xasprintf("%s", jstr(err, "message"));
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fflush(stdout);
	fprintf(stderr, "lwipctl: %s: %s\n", jstr(err, "code"), msg);
	free(msg);
}

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SA_RESTART is left out so that poll() returns and sees the flag. */
static void catch_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* After the subscribe reply, every event line is printed until the user
 * interrupts; the daemon closing the connection is an error. */
static _Noreturn void event_loop(struct conn *c)
{
	for (;;) {
		char *line = conn_line(c, -1);
		json_t *msg = parse_line(line);
		if (json_object_get(msg, "event")) {
			if (opt.json)
				puts(line);
			else
				print_event(msg);
			fflush(stdout);
		}
		json_decref(msg);
		free(line);
	}
}

/* Shows the reply: verbatim with --json, else through the printer.  An
 * ok:false reply goes to stderr as one line and gives exit status 1. */
static int show_reply(const struct request *rq, json_t *reply, const char *raw)
{
	json_t *ok = json_object_get(reply, "ok");
	if (!json_is_boolean(ok))
		die_conn("malformed reply from lwipd on %s: no \"ok\" field", ctl_path);
	if (opt.json)
		puts(raw);
	if (json_is_false(ok)) {
		report_error(reply);
		return EXIT_DAEMON_ERROR;
	}
	if (!opt.json && rq->print)
		rq->print(rq, json_object_get(reply, "result"));
	return 0;
}

static int run(const struct request *rq)
{
	struct conn c;
	char *raw = NULL;
	ctl_path = socket_path();
	conn_open(&c, ctl_path);
	if (rq->subscribe)
		catch_stop_signals();
	double deadline = now_s() + opt.timeout + rq->extra_timeout;
	send_request(&c, rq, 1, deadline);
	json_t *reply = await_reply(&c, 1, deadline, &raw);
	int status = show_reply(rq, reply, raw);
	json_decref(reply);
	free(raw);
	if (rq->subscribe && status == 0) {
		fflush(stdout);
		event_loop(&c);
	}
	close(c.fd);
	free(c.buf);
	return status;
}

/* ------------------------------------------------------------------ */
/* Global options and main.                                            */

static void usage(void)
{
	puts("usage: lwipctl [--ctl PATH | --tap NAME] [--json] [--timeout SEC] COMMAND [ARGS...]\n"
	     "\n"
	     "Talks to lwipd over its control socket (docs/control-protocol.md).\n"
	     "The socket is --ctl PATH, else /run/lwipd/NAME.sock for --tap NAME, else\n"
	     "$LWIPD_CTL, else the only *.sock in /run/lwipd.\n"
	     "\n"
	     "commands:\n"
	     "  status\n"
	     "  netif [list]\n"
	     "  netif set NAME KEY VALUE [KEY VALUE...]   keys: ip a.b.c.d/prefix, gw,\n"
	     "                                            mtu, up, link_up, default (on/off)\n"
	     "  arp [list] | arp add IP MAC | arp del IP | arp flush\n"
	     "  stats [--all] | stats reset\n"
	     "  log | log MODULE|all off|error|warn|info|debug|trace\n"
	     "  capture [status] | capture start FILE [NETIF] | capture stop\n"
	     "  impair | impair SPEC [--seed N] | impair clear\n"
	     "  app [list] | app start NAME [PORT] | app stop ID|NAME\n"
	     "  route                                     the routing table\n"
	     "  record start DIR [--seed N] [--description TEXT] | record stop | record [status]\n"
	     "                                            record a replay case (docs/replay-format.md)\n"
	     "  forward [on|off]\n"
	     "  ping DST [-c COUNT] [-s SIZE] [-i INTERVAL_MS] [-W TIMEOUT_MS]\n"
	     "  watch | subscribe [link|address|arp|log|all...]\n"
	     "                                            print events until interrupted\n"
	     "  shutdown                                  stop lwipd\n"
	     "  raw CMD [JSON-ARGS]                       send any command\n"
	     "\n"
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
	if (errno || end == s || *end || !(v > 0) || v > 86400 * 365)
		die_usage("bad --timeout '%s': expected a positive number of seconds", s);
	return v;
}

/* Matches "--name VALUE" and "--name=VALUE"; returns the value or NULL. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc)
		die_usage("%s needs a value", name);
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
	for (; i < argc && strcmp(argv[i], "--"); i++)
		if (!global_option(argc, argv, &i))
			rest[n++] = argv[i];
	for (i++; i < argc; i++)
		rest[n++] = argv[i];
	return n;
}

int main(int argc, char **argv)
{
	char **rest = xmalloc(sizeof(char *) * (size_t)argc);
	int n = split_globals(argc, argv, rest);
	struct request rq = { .args = json_object() };
	size_t i = 0;
	if (n == 0)
		die_usage("missing command");
	if (rest[0][0] == '-')
		die_usage("unknown option '%s'", rest[0]);
	while (i < sizeof(commands) / sizeof(commands[0]) && strcmp(rest[0], commands[i].name))
		i++;
	if (i == sizeof(commands) / sizeof(commands[0]))
		die_usage("unknown command '%s'", rest[0]);
	commands[i].parse(n - 1, rest + 1, &rq);
	int status = run(&rq);
	json_decref(rq.args);
	free(rest);
	return status;
}
