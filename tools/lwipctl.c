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

static void print_icmp_ratelimit(const struct request *rq, json_t *res)
{
	(void)rq;
	if (jint(res, "rate") == 0)
		printf("icmp error rate limit: off (burst %lld)\n", jint(res, "burst"));
	else
		printf("icmp error rate limit: %lld/s, burst %lld\n", jint(res, "rate"),
		       jint(res, "burst"));
	json_t *sup = json_object_get(res, "suppressed");
	if (json_is_integer(sup))
		printf("suppressed: %lld\n", (long long)json_integer_value(sup));
}

static void cmd_icmp(int argc, char **argv, struct request *rq)
{
	if (argc < 1 || strcmp(argv[0], "ratelimit"))
		die_usage("usage: lwipctl icmp ratelimit [RATE [BURST]]");
	need_args(argc, 1, 3, "icmp ratelimit [RATE [BURST]]");
	if (argc >= 2)
		json_object_set_new(rq->args, "rate",
				    json_integer(parse_int(argv[1], 0, 1000000, "rate")));
	if (argc == 3)
		json_object_set_new(rq->args, "burst",
				    json_integer(parse_int(argv[2], 0, 1000000, "burst")));
	set_cmd(rq, "icmp.ratelimit", print_icmp_ratelimit);
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
	static const char *const kinds[] = { "link", "address", "arp", "log", "dhcp", "all" };
	json_t *events = json_array();
	for (int i = 0; i < argc; i++) {
		size_t k = 0;
		while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(argv[i], kinds[k]))
			k++;
		if (k == sizeof(kinds) / sizeof(kinds[0]))
			die_usage("unknown event '%s': use link, address, arp, log, dhcp or all", argv[i]);
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

/* ------------------------------------------------------------------ */
/* DHCP client and DNS resolver.                                       */

/* A lease time: seconds, or null for an infinite lease. */
/* ------------------------------------------------------------------ */
/* tcp: connections like `ss -ti`, and the tcp.connect client.         */

static char *endpoint(json_t *o, const char *addr, const char *port)
{
	if (!port)
		return xasprintf("%s:*", jstr(o, addr));
	return xasprintf("%s:%lld", jstr(o, addr), jint(o, port));
}

/* The second line of a connection: what ss -ti shows indented. */
static void tcp_details(json_t *c)
{
	json_t *o = json_object_get(c, "options");
	printf("\t");
	if (jtrue(o, "sack"))
		printf(" sack");
	if (jtrue(o, "timestamps"))
		printf(" ts");
	if (jtrue(o, "wscale"))
		printf(" wscale:%lld,%lld", jint(o, "snd_wscale"), jint(o, "rcv_wscale"));
	printf(" mss:%lld rcvmss:%lld cwnd:%lld", jint(c, "mss"), jint(c, "rcv_mss"), jint(c, "cwnd"));
	if (jint(c, "ssthresh") < 0x7fffffffLL)
		printf(" ssthresh:%lld", jint(c, "ssthresh"));
	printf(" rtt:%.3f/%.3f rto:%lld retrans:%lld/%lld dupacks:%lld snd_wnd:%lld rcv_wnd:%lld",
	       jnum(c, "srtt_ms"), jnum(c, "rttvar_ms"), jint(c, "rto_ms"), jint(c, "retransmits"),
	       jint(c, "retransmits_total"), jint(c, "dupacks"), jint(c, "snd_wnd"), jint(c, "rcv_wnd"));
	if (jint(c, "ooseq_bytes"))
		printf(" ooseq:%lld", jint(c, "ooseq_bytes"));
	if (jtrue(c, "in_recovery"))
		printf(" recovery sacked:%lld", jint(c, "sacked_bytes"));
	if (json_is_integer(json_object_get(c, "gives_up_in_ms")))
		printf(" stalled:%lldms gives_up_in:%lldms", jint(c, "stalled_ms"), jint(c, "gives_up_in_ms"));
	putchar('\n');
}

static void print_tcp_limits(const struct request *rq, json_t *res)
{
	(void)rq;
	kv("user timeout", "%lld ms", jint(res, "user_timeout_ms"));
	kv("orphan", "%lld ms", jint(res, "orphan_timeout_ms"));
	kv("fin_wait_2", "%lld ms", jint(res, "fin_wait_2_ms"));
	kv("msl", "%lld ms (TIME_WAIT lasts twice this)", jint(res, "msl_ms"));
}

static void tcp_row(const char *state, long long rq, long long sq, char *local, char *remote)
{
	printf("%-12s %8lld %8lld  %-21s %s\n", state, rq, sq, local, remote);
	free(local);
	free(remote);
}

static void print_tcp_list(const struct request *rq, json_t *res)
{
	size_t i;
	json_t *c;
	(void)rq;
	printf("%-12s %8s %8s  %-21s %s\n", "State", "Recv-Q", "Send-Q", "Local", "Peer");
	/* As ss: for a listener Recv-Q is the connections waiting to be
	 * accepted and Send-Q the backlog. */
	json_array_foreach(json_object_get(res, "listeners"), i, c)
		tcp_row("LISTEN", jint(c, "pending"), jint(c, "backlog"), endpoint(c, "local", "local_port"),
			endpoint(c, "local", NULL));
	json_array_foreach(json_object_get(res, "connections"), i, c) {
		tcp_row(jstr(c, "state"), jint(c, "recv_q") + jint(c, "ooseq_bytes"), jint(c, "send_q"),
			endpoint(c, "local", "local_port"), endpoint(c, "remote", "remote_port"));
		tcp_details(c);
	}
}

static void print_tcp_connect(const struct request *rq, json_t *res)
{
	(void)rq;
	printf("%s:%lld: %lld bytes sent, %lld received in %.3f ms (connect %.3f ms): "
	       "%.2f Mbit/s sent, %.2f Mbit/s received\n",
	       jstr(res, "host"), jint(res, "port"), jint(res, "bytes_sent"), jint(res, "bytes_received"),
	       jnum(res, "duration_ms"), jnum(res, "connect_ms"), jnum(res, "throughput_mbps"),
	       jnum(res, "rx_throughput_mbps"));
}

/* A byte count with an optional binary suffix: 10M is 10 MiB. */
static long long parse_size(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	long long mult = 1;
	if (*end && !end[1]) {
		const char *units = "kKmMgG";
		const char *u = strchr(units, *end);
		if (u) {
			int shift = 10 * (int)((u - units) / 2 + 1);
			mult = 1LL << shift;
			end++;
		}
	}
	if (errno || end == s || *end || v < 0 || v > (1LL << 40) / mult)
		die_usage("bad byte count '%s': expected 0..1T, with an optional K, M or G", s);
	return v * mult;
}

static void tcp_connect_args(int argc, char **argv, struct request *rq)
{
	const char *usage = "usage: lwipctl tcp connect HOST PORT [-n BYTES | -f FILE] [--recv] [-W TIMEOUT_MS]";
	int npos = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--recv")) {
			json_object_set_new(rq->args, "recv", json_true());
		} else if (!strcmp(a, "-n") || !strcmp(a, "-f") || !strcmp(a, "-W")) {
			if (i + 1 >= argc)
				die_usage("tcp connect option %s needs a value", a);
			const char *v = argv[++i];
			if (a[1] == 'n')
				json_object_set_new(rq->args, "bytes", json_integer(parse_size(v)));
			else if (a[1] == 'f')
				json_object_set_new(rq->args, "file", absolute_path(v));
			else
				json_object_set_new(rq->args, "timeout_ms",
						    json_integer(parse_int(v, 1, 3600000, "timeout")));
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
	if (npos < 2)
		die_usage("missing %s; %s", npos ? "port" : "host", usage);
	if (json_object_get(rq->args, "bytes") && json_object_get(rq->args, "file"))
		die_usage("give -n or -f, not both");
	/* The reply comes when the transfer is over: wait as long as lwipd may. */
	rq->extra_timeout = (double)arg_or(rq->args, "timeout_ms", 60000) / 1000.0;
	set_cmd(rq, "tcp.connect", print_tcp_connect);
}

static void cmd_tcp(int argc, char **argv, struct request *rq)
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
		json_object_set_new(rq->args, "remote_port",
				    json_integer(parse_int(argv[3], 1, 65535, "remote port")));
		set_cmd(rq, "tcp.abort", print_done);
	} else if (!strcmp(argv[0], "limits")) {
		/* tcp limits [user_timeout_ms=N] [orphan_timeout_ms=N] [fin_wait_2_ms=N] [msl_ms=N] */
		for (int i = 1; i < argc; i++) {
			const char *eq = strchr(argv[i], '=');
			if (!eq || eq == argv[i])
				die_usage("bad tcp limits argument '%s': expected NAME=MILLISECONDS", argv[i]);
			char *key = xasprintf("%.*s", (int)(eq - argv[i]), argv[i]);
			json_object_set_new(rq->args, key, json_integer(parse_int(eq + 1, 0, 86400000, key)));
			free(key);
		}
		set_cmd(rq, "tcp.limits", print_tcp_limits);
	} else {
		die_usage("unknown tcp subcommand '%s': use list, connect, abort or limits", argv[0]);
	}
}

static char *secs(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_null(v))
		return xasprintf("infinite");
	if (!json_is_integer(v))
		return xasprintf("-");
	return xasprintf("%lld s", (long long)json_integer_value(v));
}

static char *join_strings(json_t *list, const char *sep)
{
	char *out = xasprintf("%s", "");
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		char *next = xasprintf("%s%s%s", out, i ? sep : "", json_string_value(v) ? json_string_value(v) : "?");
		free(out);
		out = next;
	}
	return out;
}

static void print_dhcp(const struct request *rq, json_t *res)
{
	(void)rq;
	kv("netif:", "%s", jstr(res, "netif"));
	kv("state:", "%s", jstr(res, "state"));
	if (json_object_get(res, "released_ip"))
		kv("released:", "%s%s", jstr(res, "released_ip"),
		   jtrue(res, "released") ? "" : " (no DHCPRELEASE sent: there was no lease)");
	if (!json_object_get(res, "ip")) {
		return;
	}
	if (jtrue(res, "supplied"))
		kv("ip:", "%s/%lld", jstr(res, "ip"), jint(res, "prefix"));
	else
		kv("ip:", "none (offered %s)", jstr(res, "offered_ip"));
	kv("router:", "%s", jstr(res, "router"));
	kv("server:", "%s", jstr(res, "server"));
	char *dns = join_strings(json_object_get(res, "dns"), ", ");
	kv("dns:", "%s", *dns ? dns : "-");
	free(dns);
	char *l = secs(res, "lease_s"), *ll = secs(res, "lease_left_s");
	char *t1 = secs(res, "t1_s"), *t1l = secs(res, "t1_left_s");
	char *t2 = secs(res, "t2_s"), *t2l = secs(res, "t2_left_s");
	kv("lease:", "%s (%s left)", l, ll);
	kv("T1 renew:", "%s (%s left)", t1, t1l);
	kv("T2 rebind:", "%s (%s left)", t2, t2l);
	free(l);
	free(ll);
	free(t1);
	free(t1l);
	free(t2);
	free(t2l);
	json_t *aip = json_object_get(res, "autoip");
	if (aip)
		kv("autoip:", "%s %s", jstr(aip, "state"), jstr(aip, "ip"));
}

static void cmd_dhcp(int argc, char **argv, struct request *rq)
{
	static const char *const subs[] = { "start", "stop", "release", "renew", "status" };
	static const char *const cmds[] = { "dhcp.start", "dhcp.stop", "dhcp.release", "dhcp.renew",
					    "dhcp.status" };
	const char *sub = argc ? argv[0] : "status";
	size_t k = 0;
	while (k < sizeof(subs) / sizeof(subs[0]) && strcmp(sub, subs[k]))
		k++;
	if (k == sizeof(subs) / sizeof(subs[0]))
		die_usage("unknown dhcp subcommand '%s': use start, stop, release, renew or status", sub);
	need_args(argc, 0, 2, "dhcp start|stop|release|renew|status [NETIF]");
	if (argc == 2)
		json_object_set_new(rq->args, "netif", json_string(argv[1]));
	set_cmd(rq, cmds[k], print_dhcp);
}

/* Who answered a lookup, as "10.77.0.1 (server 0)". */
static char *answered_by(json_t *o)
{
	json_t *idx = json_object_get(o, "server_index");
	if (json_is_integer(idx))
		return xasprintf("%s (server %lld)", jstr(o, "server"), (long long)json_integer_value(idx));
	if (json_is_string(idx))
		return xasprintf("%s (%s)", jstr(o, "server"), json_string_value(idx));
	return xasprintf("-");
}

static void print_dns_servers(const struct request *rq, json_t *res)
{
	struct table t;
	size_t i;
	json_t *e;
	(void)rq;
	if (json_array_size(json_object_get(res, "servers")) == 0) {
		puts("no DNS servers");
		return;
	}
	table_init(&t, "rll", "INDEX ADDRESS SOURCE");
	json_array_foreach(json_object_get(res, "servers"), i, e) {
		table_cell(&t, "%lld", jint(e, "index"));
		table_cell(&t, "%s", jstr(e, "address"));
		table_cell(&t, "%s", jstr(e, "source"));
	}
	table_print(&t);
}

static void print_dns_resolve(const struct request *rq, json_t *res)
{
	struct table t;
	size_t i;
	json_t *a;
	(void)rq;
	table_init(&t, "llr", "NAME ADDRESS TTL");
	json_array_foreach(json_object_get(res, "addresses"), i, a) {
		table_cell(&t, "%s", jstr(res, "name"));
		table_cell(&t, "%s", json_string_value(a) ? json_string_value(a) : "?");
		table_cell(&t, "%lld", jint(res, "ttl"));
	}
	table_print(&t);
	char *by = answered_by(res);
	printf("%s record from %s, answered by %s in %lld ms after %lld %s\n", jstr(res, "qtype"),
	       jstr(res, "source"), by, jint(res, "elapsed_ms"), jint(res, "tries"),
	       jint(res, "tries") == 1 ? "query" : "queries");
	free(by);
}

static void print_dns_cache(const struct request *rq, json_t *res)
{
	struct table t;
	size_t i;
	json_t *e;
	(void)rq;
	table_init(&t, "llrll", "NAME TYPE TTL ADDRESSES SERVER");
	json_array_foreach(json_object_get(res, "entries"), i, e) {
		char *addrs = join_strings(json_object_get(e, "addresses"), ",");
		char *by = answered_by(e);
		table_cell(&t, "%s", jstr(e, "name"));
		table_cell(&t, "%s", jstr(e, "type"));
		table_cell(&t, "%lld", jint(e, "ttl"));
		table_cell(&t, "%s", addrs);
		table_cell(&t, "%s", by);
		free(addrs);
		free(by);
	}
	table_print(&t);
}

static void print_dns_flush(const struct request *rq, json_t *res)
{
	(void)rq;
	printf("flushed %lld cache entries\n", jint(res, "flushed"));
}

static void cmd_dns(int argc, char **argv, struct request *rq)
{
	const char *sub = argc ? argv[0] : "servers";
	if (!strcmp(sub, "servers")) {
		need_args(argc, 0, 3, "dns servers [ADDR [ADDR] | none]");
		if (argc == 2 && !strcmp(argv[1], "none")) {
			json_object_set_new(rq->args, "servers", json_array());
		} else if (argc > 1) {
			json_t *list = json_array();
			for (int i = 1; i < argc; i++) {
				check_ip(argv[i], "DNS server");
				json_array_append_new(list, json_string(argv[i]));
			}
			json_object_set_new(rq->args, "servers", list);
		}
		set_cmd(rq, "dns.servers", print_dns_servers);
	} else if (!strcmp(sub, "resolve")) {
		const char *name = NULL;
		for (int i = 1; i < argc; i++) {
			if (!strcmp(argv[i], "-t")) {
				if (i + 1 >= argc)
					die_usage("dns resolve option -t needs a value");
				const char *ty = argv[++i];
				if (strcmp(ty, "a") && strcmp(ty, "aaaa") && strcmp(ty, "any"))
					die_usage("bad type '%s': expected a, aaaa or any", ty);
				json_object_set_new(rq->args, "type", json_string(ty));
			} else if (!name) {
				name = argv[i];
			} else {
				die_usage("usage: lwipctl dns resolve NAME [-t a|aaaa|any]");
			}
		}
		if (!name)
			die_usage("missing name: usage: lwipctl dns resolve NAME [-t a|aaaa|any]");
		json_object_set_new(rq->args, "name", json_string(name));
		/* Two servers, three tries each with waits of 1, 2 and 4 s:
		 * a lookup can take up to 14 s before it fails. */
		rq->extra_timeout = 16.0;
		set_cmd(rq, "dns.resolve", print_dns_resolve);
	} else if (!strcmp(sub, "cache")) {
		need_args(argc, 1, 2, "dns cache [flush]");
		if (argc == 2 && strcmp(argv[1], "flush"))
			die_usage("unknown dns cache subcommand '%s': use flush", argv[1]);
		if (argc == 2)
			set_cmd(rq, "dns.cache.flush", print_dns_flush);
		else
			set_cmd(rq, "dns.cache", print_dns_cache);
	} else {
		die_usage("unknown dns subcommand '%s': use servers, resolve or cache", sub);
	}
}

static void cmd_sock(int argc, char **argv, struct request *rq);
static void cmd_iperf(int argc, char **argv, struct request *rq);

static const struct {
	const char *name;
	void (*parse)(int argc, char **argv, struct request *rq);
} commands[] = {
	{ "record", cmd_record },   { "watch", cmd_subscribe }, { "route", cmd_route },	    { "shutdown", cmd_shutdown },
	{ "status", cmd_status },   { "netif", cmd_netif },	    { "arp", cmd_arp },
	{ "stats", cmd_stats },	    { "log", cmd_log },		    { "capture", cmd_capture },
	{ "impair", cmd_impair },   { "app", cmd_app },		    { "forward", cmd_forward },
	{ "ping", cmd_ping },	    { "subscribe", cmd_subscribe }, { "raw", cmd_raw },
	{ "dhcp", cmd_dhcp },	    { "dns", cmd_dns }, { "tcp", cmd_tcp },
	{ "sock", cmd_sock },	    { "icmp", cmd_icmp },
	{ "iperf", cmd_iperf },
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
/* iperf: lwipd's iperf 2 / iperf3 servers and clients (iperf.*).     */
/*                                                                     */
/* "iperf client" starts the test and then polls iperf.status on the  */
/* same connection, printing each interval as it closes, a progress   */
/* line on a terminal, and the summary at the end.  Interrupting it   */
/* stops the test in lwipd.                                            */

/* A rate with an optional decimal suffix, as iperf reads -b: 10M is
 * 10 000 000 bits per second. */
static long long parse_rate(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double mult = 1;
	if (*end && !end[1]) {
		const char *units = "kKmMgG";
		const char *u = strchr(units, *end);
		if (u) {
			mult = (u - units) < 2 ? 1e3 : (u - units) < 4 ? 1e6 : 1e9;
			end++;
		}
	}
	if (errno || end == s || *end || !(v >= 0) || v * mult > 1e15)
		die_usage("bad rate '%s': expected bits per second, with an optional K, M or G", s);
	return (long long)(v * mult);
}

static void human_bytes(char *buf, size_t n, double bytes)
{
	const char *u[] = { "Bytes", "KBytes", "MBytes", "GBytes", "TBytes" };
	int i = 0;
	while (bytes >= 1024.0 && i < 4) {
		bytes /= 1024.0;
		i++;
	}
	snprintf(buf, n, "%.*f %s", bytes < 10 ? 2 : bytes < 100 ? 1 : 0, bytes, u[i]);
}

static void human_rate(char *buf, size_t n, double bps)
{
	const char *u[] = { "bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec" };
	int i = 0;
	while (bps >= 1000.0 && i < 3) {
		bps /= 1000.0;
		i++;
	}
	snprintf(buf, n, "%.*f %s", bps < 10 ? 2 : bps < 100 ? 1 : 0, bps, u[i]);
}

/* One line as iperf3 prints it: interval, transfer, bitrate, and for UDP
 * jitter and loss. */
static void iperf_line(const char *label, json_t *o, const char *tail)
{
	char b[32], r[32];
	human_bytes(b, sizeof(b), jnum(o, "bytes"));
	human_rate(r, sizeof(r), jnum(o, "bits_per_second"));
	printf("[%5s] %6.2f-%-6.2f sec  %11s  %14s", label, jnum(o, "start"), jnum(o, "end"), b, r);
	if (json_object_get(o, "jitter_ms"))
		printf("  %.3f ms  %lld/%lld (%.2g%%)", jnum(o, "jitter_ms"), jint(o, "lost_packets"),
		       jint(o, "packets"), jnum(o, "lost_percent"));
	printf("%s\n", tail);
}

static void iperf_summary(json_t *st)
{
	json_t *res = json_object_get(st, "result");
	json_t *end = json_object_get(res, "end");
	if (end) {
		printf("- - - - - - - - - - - - - - - - - - - - - - - - -\n");
		iperf_line("SUM", json_object_get(end, "sum_sent"), "  sender");
		iperf_line("SUM", json_object_get(end, "sum_received"), "  receiver");
		json_t *cpu = json_object_get(end, "cpu_utilization_percent");
		printf("CPU utilization: lwipd %.1f%%, remote %.1f%%\n", jnum(cpu, "host_total"),
		       jnum(cpu, "remote_total"));
	} else if (res) {
		char b[32], r[32];
		human_bytes(b, sizeof(b), jnum(res, "bytes"));
		human_rate(r, sizeof(r), jnum(res, "bits_per_second"));
		printf("sent %s in %.2f sec: %s\n", b, jnum(res, "seconds"), r);
		json_t *rep = json_object_get(res, "server_report");
		if (rep) {
			human_bytes(b, sizeof(b), jnum(rep, "bytes"));
			human_rate(r, sizeof(r), jnum(rep, "bits_per_second"));
			printf("server report: %s in %.2f sec: %s, jitter %.3f ms, lost %lld/%lld\n", b,
			       jnum(rep, "seconds"), r, jnum(rep, "jitter_ms"), jint(rep, "lost_packets"),
			       jint(rep, "packets"));
		}
	}
	if (json_object_get(st, "error"))
		fprintf(stderr, "lwipctl: iperf: %s\n", jstr(st, "error"));
}

/* One request on an open connection (args stolen); exits on an error
 * reply. */
static json_t *iperf_call(struct conn *c, long long id, const char *cmd, json_t *args)
{
	struct request rq = { .cmd = cmd, .args = args };
	char *raw = NULL;
	double deadline = now_s() + opt.timeout;
	send_request(c, &rq, id, deadline);
	json_decref(args);
	json_t *reply = await_reply(c, id, deadline, &raw);
	free(raw);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		report_error(reply);
		exit(EXIT_DAEMON_ERROR);
	}
	json_t *res = json_incref(json_object_get(reply, "result"));
	json_decref(reply);
	return res;
}

static _Noreturn void iperf_live(const struct request *start)
{
	struct conn c;
	long long rid = 1;
	ctl_path = socket_path();
	conn_open(&c, ctl_path);
	catch_stop_signals();
	json_t *res = iperf_call(&c, rid++, "iperf.start", json_incref(start->args));
	long long id = jint(res, "id"), seen = 0;
	json_decref(res);
	int tty = isatty(1) && !opt.json;
	if (!opt.json)
		printf("iperf %lld: connecting to %s port %lld\n", id, jstr(start->args, "target"),
		       jint(start->args, "port"));
	for (;;) {
		if (stop_requested) {
			json_decref(iperf_call(&c, rid++, "iperf.stop", json_pack("{s:I}", "id", (json_int_t)id)));
			fprintf(stderr, "lwipctl: iperf %lld stopped\n", id);
			exit(EXIT_DAEMON_ERROR);
		}
		json_t *st = iperf_call(&c, rid++, "iperf.status",
					json_pack("{s:I, s:I}", "id", (json_int_t)id, "since", (json_int_t)seen));
		size_t i;
		json_t *iv;
		json_array_foreach(json_object_get(st, "intervals"), i, iv) {
			if (tty)
				printf("\r\033[K");
			if (!opt.json)
				iperf_line("SUM", json_object_get(iv, "sum"), "");
			seen++;
		}
		const char *state = jstr(st, "state");
		int finished = !strcmp(state, "done") || !strcmp(state, "failed");
		if (finished) {
			if (opt.json) {
				char *text = json_dumps(st, JSON_COMPACT);
				puts(text);
				free(text);
			} else {
				if (tty)
					printf("\r\033[K");
				iperf_summary(st);
			}
			int failed = !strcmp(state, "failed");
			json_decref(st);
			json_decref(iperf_call(&c, rid++, "iperf.stop", json_pack("{s:I}", "id", (json_int_t)id)));
			fflush(stdout);
			exit(failed ? EXIT_DAEMON_ERROR : 0);
		}
		if (tty) {
			printf("\r\033[K%s %.1f/%lld s", state, jnum(st, "elapsed"), jint(start->args, "duration"));
			fflush(stdout);
		}
		json_decref(st);
		struct timespec ts = { 0, 250 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

static void print_iperf_start(const struct request *rq, json_t *res)
{
	printf("iperf %lld: %s (iperf%s) on port %lld\n", jint(res, "id"), jstr(res, "mode"),
	       jint(res, "version") == 3 ? "3" : " 2", jint(res, "port"));
}

static void print_iperf_status(const struct request *rq, json_t *res)
{
	struct table t;
	size_t i;
	json_t *s, *list = json_object_get(res, "sessions");
	if (!list)
		list = json_pack("[O]", res);
	else
		json_incref(list);
	table_init(&t, "rllrlrrl", "ID MODE VER PORT STATE TESTS ELAPSED RESULT");
	json_array_foreach(list, i, s) {
		json_t *r = json_object_get(s, "result");
		json_t *sum = json_object_get(json_object_get(r, "end"), "sum_received");
		char rate[32] = "-";
		if (sum || json_object_get(r, "bits_per_second"))
			human_rate(rate, sizeof(rate), jnum(sum ? sum : r, "bits_per_second"));
		table_cell(&t, "%lld", jint(s, "id"));
		if (json_object_get(s, "target"))
			table_cell(&t, "%s %s", jstr(s, "mode"), jstr(s, "target"));
		else
			table_cell(&t, "%s", jstr(s, "mode"));
		table_cell(&t, "%lld", jint(s, "version"));
		table_cell(&t, "%lld", jint(s, "port"));
		table_cell(&t, "%s", jstr(s, "state"));
		table_cell(&t, "%lld", jint(s, "tests"));
		table_cell(&t, "%.1f", jnum(s, "elapsed"));
		table_cell(&t, "%s", rate);
	}
	table_print(&t);
	json_decref(list);
}

static void print_iperf_stop(const struct request *rq, json_t *res)
{
	printf("stopped %lld iperf session(s)\n", jint(res, "stopped"));
}

static void cmd_iperf(int argc, char **argv, struct request *rq)
{
	static const char usage[] =
		"iperf server [-3|-2] [-p PORT] [-u] | iperf client HOST [-3|-2] [-p PORT] [-t SECS] [-u] "
		"[-b RATE] [-P N] [-R] [-l LEN] | iperf status [ID] | iperf stop [ID]";
	if (argc == 0)
		die_usage("usage: %s", usage);
	const char *sub = argv[0];
	if (!strcmp(sub, "status") || !strcmp(sub, "stop")) {
		need_args(argc, 1, 2, usage);
		if (argc == 2)
			json_object_set_new(rq->args, "id", json_integer(parse_int(argv[1], 1, INT_MAX, "id")));
		set_cmd(rq, !strcmp(sub, "stop") ? "iperf.stop" : "iperf.status",
			!strcmp(sub, "stop") ? print_iperf_stop : print_iperf_status);
		return;
	}
	int client = !strcmp(sub, "client");
	if (!client && strcmp(sub, "server"))
		die_usage("unknown iperf subcommand '%s': use server, client, status or stop", sub);
	int i = 1;
	json_object_set_new(rq->args, "mode", json_string(sub));
	if (client) {
		if (argc < 2 || argv[1][0] == '-')
			die_usage("iperf client needs a HOST");
		check_ip(argv[1], "HOST");
		json_object_set_new(rq->args, "target", json_string(argv[1]));
		i = 2;
	}
	for (; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = !strcmp(o, "-p") || !strcmp(o, "-t") || !strcmp(o, "-b") || !strcmp(o, "-P") ||
			    !strcmp(o, "-l");
		if (takes && !v)
			die_usage("%s needs a value", o);
		if (!strcmp(o, "-3") || !strcmp(o, "-2"))
			json_object_set_new(rq->args, "version", json_integer(o[1] - '0'));
		else if (!strcmp(o, "-u"))
			json_object_set_new(rq->args, "protocol", json_string("udp"));
		else if (!strcmp(o, "-p"))
			json_object_set_new(rq->args, "port", json_integer(parse_int(v, 1, 65535, "port")));
		else if (client && !strcmp(o, "-t"))
			json_object_set_new(rq->args, "duration", json_integer(parse_int(v, 1, 86400, "seconds")));
		else if (client && !strcmp(o, "-b"))
			json_object_set_new(rq->args, "bandwidth", json_integer(parse_rate(v)));
		else if (client && !strcmp(o, "-P"))
			json_object_set_new(rq->args, "streams", json_integer(parse_int(v, 1, 16, "streams")));
		else if (client && !strcmp(o, "-l"))
			json_object_set_new(rq->args, "length", json_integer(parse_size(v)));
		else if (client && !strcmp(o, "-R"))
			json_object_set_new(rq->args, "reverse", json_true());
		else
			die_usage("unknown iperf %s option '%s'", sub, o);
		i += takes;
	}
	if (!client) {
		set_cmd(rq, "iperf.start", print_iperf_start);
		return;
	}
	long long version = json_object_get(rq->args, "version") ? jint(rq->args, "version") : 3;
	if (!json_object_get(rq->args, "port"))
		json_object_set_new(rq->args, "port", json_integer(version == 3 ? 5201 : 5001));
	if (!json_object_get(rq->args, "duration"))
		json_object_set_new(rq->args, "duration", json_integer(10));
	iperf_live(rq);
}

/* ------------------------------------------------------------------ */
/* sock: socket calls on lwipd's stack (the sock.* family).            */
/*                                                                     */
/* Descriptors belong to the control connection that made them, and   */
/* each lwipctl run is one connection: "lwipctl sock socket" creates a */
/* socket that is gone when lwipctl exits.  "lwipctl sock script FILE" */
/* (or "-" for stdin, with a prompt on a terminal) runs several calls  */
/* on one connection, so a conversation can be scripted.               */

/* "KEY=VALUE" into args: integers, true/false and null as JSON values;
 * text=STRING becomes data (base64); events=in,out and value for
 * SO_LINGER get their shapes; anything else is a string. */
static void sock_kv(json_t *args, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		die_usage("bad sock argument '%s': expected KEY=VALUE", kv);
	char *key = xasprintf("%.*s", (int)(eq - kv), kv);
	const char *v = eq + 1;
	json_t *val;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!strcmp(key, "text")) {
		size_t len = strlen(v), o = 0;
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		char *out = xmalloc(4 * ((len + 2) / 3) + 1);
		for (size_t i = 0; i < len; i += 3) {
			unsigned w = (unsigned char)v[i] << 16;
			w |= i + 1 < len ? (unsigned)(unsigned char)v[i + 1] << 8 : 0;
			w |= i + 2 < len ? (unsigned char)v[i + 2] : 0;
			out[o++] = b64[(w >> 18) & 63];
			out[o++] = b64[(w >> 12) & 63];
			out[o++] = i + 1 < len ? b64[(w >> 6) & 63] : '=';
			out[o++] = i + 2 < len ? b64[w & 63] : '=';
		}
		out[o] = '\0';
		free(key);
		json_object_set_new(args, "data", json_string(out));
		free(out);
		return;
	}
	if (!strcmp(key, "events")) {
		val = json_array();
		char *copy = xasprintf("%s", v);
		for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			json_array_append_new(val, json_string(t));
		free(copy);
	} else if (*v && !*end && !errno) {
		val = json_integer(n);
	} else if (!strcmp(v, "true") || !strcmp(v, "on")) {
		val = json_true();
	} else if (!strcmp(v, "false") || !strcmp(v, "off")) {
		val = json_false();
	} else if (!strcmp(v, "null")) {
		val = json_null();
	} else {
		val = json_string(v);
	}
	json_object_set_new(args, key, val);
	free(key);
}

/* The request for one call: argv[0] is the call (socket, connect, ...);
 * *cmd is set to the command ("sock.socket"). */
static json_t *sock_build(int argc, char **argv, const char **cmd)
{
	static const char *const calls[] = { "sock.socket", "sock.bind", "sock.listen", "sock.accept",
					     "sock.connect", "sock.write", "sock.send", "sock.read",
					     "sock.recv", "sock.sendto", "sock.recvfrom", "sock.shutdown",
					     "sock.close", "sock.setsockopt", "sock.getsockopt", "sock.fcntl",
					     "sock.poll", "sock.getsockname", "sock.getpeername", "sock.info",
					     "sock.list" };
	size_t k = 0;
	while (k < sizeof(calls) / sizeof(calls[0]) && strcmp(argv[0], calls[k] + 5))
		k++;
	if (k == sizeof(calls) / sizeof(calls[0]))
		die_usage("unknown sock call '%s'", argv[0]);
	*cmd = calls[k];
	json_t *args = json_object();
	for (int i = 1; i < argc; i++)
		sock_kv(args, argv[i]);
	/* poll fd=N events=in,out is the one-descriptor form of fds. */
	if (!strcmp(*cmd, "sock.poll") && !json_object_get(args, "fds") && json_object_get(args, "fd")) {
		json_t *e = json_pack("{s:O}", "fd", json_object_get(args, "fd"));
		if (json_object_get(args, "events"))
			json_object_set(e, "events", json_object_get(args, "events"));
		json_object_del(args, "fd");
		json_object_del(args, "events");
		json_object_set_new(args, "fds", json_pack("[o]", e));
	}
	/* SO_LINGER value=N turns lingering on for N seconds; value=off turns it off. */
	json_t *name = json_object_get(args, "name");
	json_t *value = json_object_get(args, "value");
	if (!strcmp(*cmd, "sock.setsockopt") && json_is_string(name) && !strcmp(json_string_value(name), "SO_LINGER") &&
	    value && !json_is_object(value))
		json_object_set_new(args, "value",
				    json_is_integer(value) ? json_pack("{s:b, s:O}", "onoff", 1, "linger", value)
							   : json_pack("{s:b}", "onoff", 0));
	return args;
}

/* Human form of a result: read data shown as text with C escapes. */
static void print_sock(const struct request *rq, json_t *res)
{
	json_t *data = json_object_get(res, "data");
	printf("%s: ", rq->cmd + 5);
	if (json_is_string(data)) {
		const char *s = json_string_value(data);
		size_t n = strlen(s);
		printf("%lld bytes%s: \"", jint(res, "len"), jtrue(res, "eof") ? " (end of stream)" : "");
		unsigned acc = 0;
		int bits = 0;
		for (size_t i = 0; i < n && s[i] != '='; i++) {
			const char *p = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", s[i]);
			acc = (acc << 6) | (unsigned)(p ? p - "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" : 0);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				unsigned char c = (unsigned char)(acc >> bits);
				if (c == '"' || c == '\\')
					printf("\\%c", c);
				else if (isprint(c))
					putchar(c);
				else
					printf("\\x%02x", c);
			}
		}
		puts("\"");
		return;
	}
	char *s = json_dumps(res, JSON_COMPACT);
	puts(s ? s : "{}");
	free(s);
}

/* How long to wait for one call: a blocking call without timeout_ms
 * may wait forever; one with it, that long plus --timeout. */
static double sock_deadline(const char *cmd, json_t *args)
{
	static const char *const blocking[] = { "sock.accept", "sock.connect", "sock.write", "sock.send",
						"sock.read", "sock.recv", "sock.recvfrom", "sock.poll" };
	json_t *t = json_object_get(args, "timeout_ms");
	if (json_is_integer(t))
		return now_s() + opt.timeout + (double)json_integer_value(t) / 1000.0;
	for (size_t i = 0; i < sizeof(blocking) / sizeof(blocking[0]); i++)
		if (!strcmp(cmd, blocking[i]))
			return -1;
	return now_s() + opt.timeout;
}

/* Split a script line into words (spaces separate; no quoting, but
 * text=... takes the rest of the line so messages may hold spaces). */
static int sock_words(char *line, char **w, int max)
{
	int n = 0;
	char *p = line;
	while (*p && n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		w[n++] = p;
		if (!strncmp(p, "text=", 5)) {
			p += strlen(p);
			break;
		}
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

/* Runs the calls of FILE (or stdin) on one connection.  A line is
 * "CALL KEY=VALUE...", "sleep MS", a comment or blank; a leading "-"
 * lets the script go on when that call fails.  Exit status: 0, or 1 at
 * the first failed call (not ignored). */
static _Noreturn void sock_script(const char *file)
{
	FILE *in = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!in)
		die_usage("cannot open script '%s': %s", file, strerror(errno));
	int tty = in == stdin && isatty(0);
	struct conn c;
	ctl_path = socket_path();
	conn_open(&c, ctl_path);
	char line[65536];
	long long id = 1;
	int status = 0;
	for (;;) {
		if (tty) {
			fputs("sock> ", stdout);
			fflush(stdout);
		}
		if (!fgets(line, sizeof(line), in))
			break;
		line[strcspn(line, "\r\n")] = '\0';
		char *w[64];
		char *start = line;
		while (*start == ' ' || *start == '\t')
			start++;
		int ignore = *start == '-';
		int n = sock_words(start + ignore, w, 64);
		if (n == 0)
			continue;
		if (!strcmp(w[0], "sleep")) {
			long long ms = n == 2 ? parse_int(w[1], 0, 3600000, "sleep") : 0;
			struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
			nanosleep(&ts, NULL);
			continue;
		}
		const char *call;
		json_t *args = sock_build(n, w, &call);
		struct request rq = { .cmd = call, .args = args, .print = print_sock };
		double deadline = sock_deadline(call, args);
		send_request(&c, &rq, id, deadline);
		char *raw = NULL;
		json_t *reply = await_reply(&c, id++, deadline, &raw);
		int st = show_reply(&rq, reply, raw);
		fflush(stdout);
		json_decref(reply);
		free(raw);
		json_decref(args);
		if (st && !ignore && !tty) {
			status = st;
			break;
		}
	}
	if (in != stdin)
		fclose(in);
	close(c.fd);
	free(c.buf);
	exit(status);
}

static void cmd_sock(int argc, char **argv, struct request *rq)
{
	if (argc == 0)
		die_usage("usage: lwipctl sock CALL [KEY=VALUE...] | lwipctl sock script FILE|-");
	if (!strcmp(argv[0], "script")) {
		need_args(argc, 2, 2, "sock script FILE|-");
		sock_script(argv[1]);
	}
	const char *call;
	json_t *args = sock_build(argc, argv, &call);
	json_object_update(rq->args, args);
	json_decref(args);
	set_cmd(rq, call, print_sock);
	json_t *t = json_object_get(rq->args, "timeout_ms");
	if (json_is_integer(t))
		rq->extra_timeout = (double)json_integer_value(t) / 1000.0;
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
	     "                                            NAME: udp-echo udp-discard tcp-echo tcp-discard tcp-chargen\n"
	     "  route                                     the routing table\n"
	     "  record start DIR [--seed N] [--description TEXT] | record stop | record [status]\n"
	     "                                            record a replay case (docs/replay-format.md)\n"
	     "  forward [on|off]\n"
	     "  icmp ratelimit [RATE [BURST]]             ICMP errors per second after a burst\n"
	     "                                            (RATE 0: no limit)\n"
	     "  ping DST [-c COUNT] [-s SIZE] [-i INTERVAL_MS] [-W TIMEOUT_MS]\n"
	     "  tcp [list]                                connections and listeners (like ss -ti)\n"
	     "  tcp connect HOST PORT [-n BYTES[K|M|G] | -f FILE] [--recv] [-W TIMEOUT_MS]\n"
	     "                                            send from lwipd, report throughput\n"
	     "  tcp abort LOCAL_PORT REMOTE_IP REMOTE_PORT  reset one connection\n"
	     "  tcp limits [NAME=MS ...]                  give-up limits: user_timeout_ms, orphan_timeout_ms,\n"
	     "                                            fin_wait_2_ms, msl_ms (docs/tcp.md)\n"	     "  dhcp [status] | dhcp start|stop|release|renew [NETIF]\n"
	     "  dns [servers] | dns servers ADDR [ADDR] | dns servers none\n"
	     "  dns resolve NAME [-t a|aaaa|any] | dns cache [flush]\n"
	     "  sock CALL [KEY=VALUE...]                  one socket call on lwipd's stack (sock.*);\n"
	     "                                            its descriptors close when lwipctl exits\n"
	     "  sock script FILE|-                        several calls on one connection, one per\n"
	     "                                            line: CALL KEY=VALUE... | sleep MS | # ...\n"
	     "  iperf server [-3|-2] [-p PORT] [-u]       an iperf3 (default) or iperf 2 server\n"
	     "  iperf client HOST [-3|-2] [-p PORT] [-t SECS] [-u] [-b RATE] [-P N] [-R] [-l LEN]\n"
	     "                                            run a test from lwipd, live intervals\n"
	     "  iperf status [ID] | iperf stop [ID]\n"
	     "  watch | subscribe [link|address|arp|log|dhcp|all...]\n"
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
