/**
 * @file httpcmds.c
 * The HTTP server (core/apps/httpd.c, lwip/apps/httpd.h) on the control
 * socket: http.start, http.stop and http.status.
 *
 * Files come from a directory given at start through the file-system
 * interface (lwip/apps/fs.h), implemented here with POSIX calls: each
 * path is opened beneath the root (openat2 with RESOLVE_BENEATH where the
 * kernel has it, so neither ".." nor a symbolic link leads outside; the
 * core already refuses dot segments), must be a regular file, and is read
 * with pread() into one buffer of this file, a chunk at a time.  Without
 * a root the server serves the page set built into the image (the ROM
 * file system, as a board would).
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "lwip/debug.h"
#include "lwip/err.h"

#if LWIP_TCP
#include "lwip/apps/httpd.h"

static struct httpd http_server;
static int root_fd = -1;
static char root_path[PATH_MAX];
static u8_t read_buf[65536];
static u32_t files_open;

/* ---- the directory backend ---- */

static int open_beneath(const char *rel)
{
#ifdef SYS_openat2
  struct open_how how;
  memset(&how, 0, sizeof(how));
  how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
  if (fd >= 0 || errno != ENOSYS) {
    return fd;
  }
#endif
  return openat(root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

static err_t dir_open(void *arg, const char *path, struct fs_file *f)
{
  (void)arg;
  int fd = open_beneath(path + 1); /* path starts with '/' (fs.h) */
  if (fd < 0) {
    return errno == EMFILE || errno == ENFILE || errno == ENOMEM ? ERR_MEM : ERR_VAL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)0xffffffffUL) {
    close(fd);
    return ERR_VAL;
  }
  f->size = (u32_t)st.st_size;
  f->num = fd;
  files_open++;
  return ERR_OK;
}

static const u8_t *dir_read(void *arg, struct fs_file *f, u32_t off, u32_t len, u32_t *got)
{
  (void)arg;
  size_t want = len < sizeof(read_buf) ? len : sizeof(read_buf);
  ssize_t n;
  do {
    n = pread((int)f->num, read_buf, want, (off_t)off);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    /* An error, or the file shrank under us: the core resets. */
    LWIP_LOG(HTTP, WARN, "read of fd %d at %u: %s", (int)f->num, (unsigned)off, n < 0 ? strerror(errno) : "EOF");
    return NULL;
  }
  *got = (u32_t)n;
  return read_buf;
}

static void dir_close(void *arg, struct fs_file *f)
{
  (void)arg;
  close((int)f->num);
  files_open--;
}

static const struct fs_ops dir_ops = {dir_open, dir_read, dir_close};

/* ---- commands ---- */

void httpcmds_stop_all(void)
{
  if (httpd_running(&http_server)) {
    mdnscmds_http_changed(0); /* goodbye for HOSTNAME._http._tcp */
  }
  httpd_stop(&http_server);
  if (root_fd >= 0) {
    close(root_fd);
    root_fd = -1;
  }
  root_path[0] = '\0';
}

static void conn_json(const struct httpd_conn_info *ci, void *arg)
{
  json_array_append_new((json_t *)arg, json_pack("{s:o, s:i, s:s, s:i, s:I, s:I, s:I, s:I}", "remote",
                                                 json_ip4(ip_2_ip4(&ci->remote_ip)), "remote_port", ci->remote_port,
                                                 "phase", httpd_phase_name(ci->phase), "status", ci->status, "requests",
                                                 (json_int_t)ci->requests, "left", (json_int_t)ci->left, "pending",
                                                 (json_int_t)ci->pending, "idle_ms", (json_int_t)ci->idle_ms));
}

static json_t *status_json(void)
{
  bool running = httpd_running(&http_server);
  if (!running) {
    return json_pack("{s:b}", "running", 0);
  }
  const struct httpd_config *cfg = httpd_get_config(&http_server);
  const struct httpd_stats *st = httpd_get_stats(&http_server);
  json_t *counters = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                               "connections", (json_int_t)st->connections, "refused", (json_int_t)st->refused,
                               "conn_no_mem", (json_int_t)st->conn_no_mem, "requests", (json_int_t)st->requests,
                               "pipelined", (json_int_t)st->pipelined, "responses_2xx", (json_int_t)st->responses[2],
                               "responses_4xx", (json_int_t)st->responses[4], "responses_5xx",
                               (json_int_t)st->responses[5], "not_found", (json_int_t)st->not_found, "bad_requests",
                               (json_int_t)st->bad_requests, "ranges", (json_int_t)st->ranges, "unsatisfiable",
                               (json_int_t)st->unsatisfiable, "timeouts", (json_int_t)st->timeouts, "io_errors",
                               (json_int_t)st->io_errors, "tx_body_bytes", (json_int_t)st->tx_body_bytes);
  json_t *conns = json_array();
  httpd_foreach_conn(&http_server, conn_json, conns);
  return json_pack("{s:b, s:i, s:o, s:i, s:I, s:i, s:b, s:i, s:I, s:o, s:o}", "running", 1, "port", cfg->port, "root",
                   root_fd >= 0 ? json_string(root_path) : json_null(), "max_conns", cfg->max_conns, "idle_timeout_ms",
                   (json_int_t)cfg->idle_timeout_ms, "max_header", cfg->max_header, "status_page", !cfg->no_status_page,
                   "open", httpd_open_conns(&http_server), "files_open", (json_int_t)files_open, "counters", counters,
                   "connections", conns);
}

static json_t *cmd_http_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  if (httpd_running(&http_server)) {
    return ctl_error(r, CTL_E_BUSY, "the HTTP server is running (http.stop first)");
  }
  long long port = HTTPD_DEFAULT_PORT, max_conns = 256, idle = HTTPD_DEFAULT_IDLE_MS,
            max_header = HTTPD_DEFAULT_MAX_HEADER;
  const char *root = NULL;
  bool status_page = true;
  if (!arg_int(args, "port", false, 1, 65535, &port, r) || !arg_str(args, "root", false, &root, r) ||
      !arg_int(args, "max_conns", false, 1, 4096, &max_conns, r) ||
      !arg_int(args, "idle_timeout_ms", false, 1000, 3600000, &idle, r) ||
      !arg_int(args, "max_header", false, HTTPD_MIN_MAX_HEADER, HTTPD_MAX_MAX_HEADER, &max_header, r) ||
      !arg_bool(args, "status_page", false, &status_page, r)) {
    return NULL;
  }
  struct httpd_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.port = (u16_t)port;
  cfg.max_conns = (u16_t)max_conns;
  cfg.idle_timeout_ms = (u32_t)idle;
  cfg.max_header = (u16_t)max_header;
  cfg.no_status_page = !status_page;
  if (root != NULL) {
    if (root[0] == '\0' || strlen(root) >= sizeof(root_path)) {
      return ctl_error(r, CTL_E_BAD_ARGS, "args.root: a directory path");
    }
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return ctl_error(r, CTL_E_NOT_FOUND, "args.root: %s: %s", root, strerror(errno));
    }
    root_fd = fd;
    strcpy(root_path, root);
    cfg.fs = &dir_ops;
  }
  err_t err = httpd_start(&http_server, &cfg);
  if (err != ERR_OK) {
    httpcmds_stop_all();
    if (err == ERR_USE) {
      return ctl_error(r, CTL_E_BUSY, "port %lld is in use", port);
    }
    return ctl_error(r, err == ERR_MEM ? CTL_E_NO_MEMORY : CTL_E_FAILED, "%s: %s", lwip_err_name(err),
                     lwip_strerr(err));
  }
  LWIP_LOG(HTTP, INFO, "serving %s on port %lld", root != NULL ? root : "the built-in pages", port);
  mdnscmds_http_changed((u16_t)port);
  return status_json();
}

static json_t *cmd_http_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  if (!httpd_running(&http_server)) {
    return ctl_error(r, CTL_E_NOT_FOUND, "the HTTP server is not running");
  }
  json_t *o = status_json(); /* the counters as they ended */
  httpcmds_stop_all();
  json_object_set_new(o, "running", json_false());
  return o;
}

static json_t *cmd_http_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  return status_json();
}

#else /* !LWIP_TCP */

static json_t *cmd_http_off(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  return ctl_error(r, CTL_E_FAILED, "this build has no TCP (-Dtcp=disabled)");
}
#define cmd_http_start cmd_http_off
#define cmd_http_stop cmd_http_off
#define cmd_http_status cmd_http_off

void httpcmds_stop_all(void)
{
}
#endif

/* The http.* commands (docs/control-protocol.md). */
const struct ctl_cmd http_cmds[] = {
    {"http.start", cmd_http_start, "start the HTTP server: port, root directory (else the built-in pages), limits"},
    {"http.stop", cmd_http_stop, "stop the HTTP server, resetting its connections"},
    {"http.status", cmd_http_status, "HTTP server settings, counters and open connections"},
    {NULL, NULL, NULL},
};
