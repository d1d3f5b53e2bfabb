/**
 * @file tftpcmds.c
 * The TFTP server (core/apps/tftp_server.c, lwip/apps/tftp_server.h) on
 * the control socket: tftp.start, tftp.stop and tftp.status, and the
 * server's file system: a directory given at start, read and written with
 * POSIX I/O.
 *
 * Every name a client sends is checked before anything is opened: it must
 * be relative, without "." or ".." components or empty ones, and the
 * directory it names must resolve (symlinks followed) to the root or
 * below it; the file itself is opened with O_NOFOLLOW, so a symlink can
 * never lead out of the root.  Reads take regular files only.  Writes are
 * refused unless tftp.start said writable, create new files only
 * (O_EXCL: an existing file is ERROR 6, never overwritten), and a write
 * that does not complete removes its file.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lwip/debug.h"
#include "lwip/err.h"

#if LWIP_UDP
#include "lwip/apps/tftp_server.h"
#include "lwip/prot/tftp.h"

static struct tftp_server tftp_srv; /* tools/gdb/lwipd.py lwip-tftp reads it by this name */
static char root_path[PATH_MAX];    /* realpath of the root */
static int root_fd = -1;

struct tftp_fh {
  int fd;
  int dir_fd;
  bool write;
  char base[TFTP_NAME_MAX + 1];
};

static u8_t errno_code(int e)
{
  switch (e) {
  case ENOENT:
  case ENOTDIR:
    return TFTP_ERR_NOT_FOUND;
  case EEXIST:
    return TFTP_ERR_EXISTS;
  case ENOSPC:
  case EDQUOT:
  case EFBIG:
    return TFTP_ERR_DISK_FULL;
  default:
    return TFTP_ERR_ACCESS; /* EACCES, EPERM, ELOOP (a symlink), EISDIR, ... */
  }
}

/* Whether the directory open as @p fd lies at or under the root. */
static bool inside_root(int fd)
{
  char link[64], real[PATH_MAX];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, real, sizeof(real) - 1);
  if (n < 0) {
    return false;
  }
  real[n] = '\0';
  size_t rl = strlen(root_path);
  if (strcmp(root_path, "/") == 0) {
    return true;
  }
  return strncmp(real, root_path, rl) == 0 && (real[rl] == '\0' || real[rl] == '/');
}

/* Split @p name into its directory (opened, checked inside the root) and
 * its last component.  @return the directory's fd, or -1 with the error set. */
static int open_parent(const char *name, char *base, u8_t *err, const char **msg)
{
  if (name[0] == '/' || strchr(name, '\\') != NULL) {
    *err = TFTP_ERR_ACCESS;
    *msg = "absolute paths are not served";
    return -1;
  }
  char dir[TFTP_NAME_MAX + 1];
  snprintf(dir, sizeof(dir), "%s", name);
  /* Every component must be a plain name: no "", ".", "..". */
  for (char *c = dir, *next; c != NULL; c = next) {
    next = strchr(c, '/');
    size_t len = next != NULL ? (size_t)(next - c) : strlen(c);
    if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.')) {
      *err = TFTP_ERR_ACCESS;
      *msg = "'.', '..' and empty path components are not allowed";
      return -1;
    }
    next = next != NULL ? next + 1 : NULL;
  }
  char *slash = strrchr(dir, '/');
  const char *d = ".";
  if (slash != NULL) {
    *slash = '\0';
    d = dir;
    snprintf(base, TFTP_NAME_MAX + 1, "%s", slash + 1);
  } else {
    snprintf(base, TFTP_NAME_MAX + 1, "%s", dir);
  }
  int fd = openat(root_fd, d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *err = errno_code(errno);
    return -1;
  }
  if (!inside_root(fd)) {
    close(fd);
    *err = TFTP_ERR_ACCESS;
    *msg = "path leaves the served directory";
    return -1;
  }
  return fd;
}

static void *fs_open(void *arg, const char *name, bool write, u32_t *size, u8_t *err, const char **msg)
{
  (void)arg;
  struct tftp_fh *h = calloc(1, sizeof(*h));
  if (h == NULL) {
    *err = TFTP_ERR_UNDEF;
    *msg = "out of memory";
    return NULL;
  }
  h->dir_fd = open_parent(name, h->base, err, msg);
  if (h->dir_fd < 0) {
    free(h);
    return NULL;
  }
  h->write = write;
  int flags = write ? O_WRONLY | O_CREAT | O_EXCL : O_RDONLY;
  h->fd = openat(h->dir_fd, h->base, flags | O_NOFOLLOW | O_CLOEXEC, 0644);
  struct stat st;
  if (h->fd < 0) {
    *err = errno_code(errno);
    goto fail;
  }
  if (fstat(h->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *err = TFTP_ERR_ACCESS;
    *msg = "not a regular file";
    goto fail;
  }
  if (!write) {
    *size = st.st_size < (off_t)TFTP_SIZE_UNKNOWN ? (u32_t)st.st_size : TFTP_SIZE_UNKNOWN;
  }
  LWIP_LOG(TFTP, DEBUG, "opened %s/%s for %s", root_path, name, write ? "writing" : "reading");
  return h;
fail:
  if (h->fd >= 0) {
    close(h->fd);
  }
  close(h->dir_fd);
  free(h);
  return NULL;
}

static int fs_read(void *arg, void *fh, u8_t *buf, u16_t len)
{
  (void)arg;
  struct tftp_fh *h = fh;
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(h->fd, buf + got, len - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return -1;
    }
    if (n == 0) {
      break;
    }
    got += (size_t)n;
  }
  return (int)got;
}

static int fs_write(void *arg, void *fh, const u8_t *buf, u16_t len)
{
  (void)arg;
  struct tftp_fh *h = fh;
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(h->fd, buf + done, len - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      u8_t code = errno_code(errno);
      return code == TFTP_ERR_DISK_FULL ? (int)code : -1;
    }
    done += (size_t)n;
  }
  return 0;
}

static void fs_close(void *arg, void *fh, bool complete)
{
  (void)arg;
  struct tftp_fh *h = fh;
  close(h->fd);
  if (h->write && !complete) {
    unlinkat(h->dir_fd, h->base, 0); /* an incomplete upload is not kept */
  }
  close(h->dir_fd);
  free(h);
}

static const struct tftp_file_ops fs_ops = {fs_open, fs_read, fs_write, fs_close};

void tftpcmds_stop_all(void)
{
  tftp_server_stop(&tftp_srv);
  if (root_fd >= 0) {
    close(root_fd);
    root_fd = -1;
  }
}

static json_t *stats_json(const struct tftp_server_stats *s)
{
  return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "rrq", (json_int_t)s->rrq, "wrq",
                   (json_int_t)s->wrq, "refused", (json_int_t)s->refused, "completed", (json_int_t)s->completed,
                   "failed", (json_int_t)s->failed, "timeouts", (json_int_t)s->timeouts, "peer_errors",
                   (json_int_t)s->peer_errors, "retransmits", (json_int_t)s->retransmits, "dup_acks",
                   (json_int_t)s->dup_acks, "unknown_tid", (json_int_t)s->unknown_tid, "bytes_sent",
                   (json_int_t)s->bytes_sent, "bytes_received", (json_int_t)s->bytes_received);
}

static json_t *xfer_json(const struct tftp_xfer_info *x)
{
  const struct tftp_xfer_stats *s = &x->stats;
  return json_pack("{s:s, s:s, s:s, s:o, s:i, s:i, s:i, s:i, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "dir",
                   x->write ? "write" : "read", "file", x->name, "state", x->state, "peer",
                   json_ip4(ip_2_ip4(&x->peer)), "peer_port", x->peer_port, "local_port", x->local_port, "blksize",
                   x->blksize, "block", x->block, "tsize",
                   x->tsize != TFTP_SIZE_UNKNOWN ? json_integer(x->tsize) : json_null(), "bytes", (json_int_t)s->bytes,
                   "blocks", (json_int_t)s->blocks, "retransmits", (json_int_t)s->retransmits, "dup_acks",
                   (json_int_t)s->dup_acks, "dup_data", (json_int_t)s->dup_data, "unknown_tid",
                   (json_int_t)s->unknown_tid, "rto_ms", (json_int_t)x->rto_ms, "age_ms", (json_int_t)x->age_ms);
}

static json_t *status_json(void)
{
  struct tftp_server_info in;
  tftp_server_get_info(&tftp_srv, &in);
  json_t *xfers = json_array();
  for (u8_t i = 0; i < TFTP_MAX_XFERS; i++) {
    struct tftp_xfer_info x;
    if (tftp_server_get_xfer(&tftp_srv, i, &x)) {
      json_array_append_new(xfers, xfer_json(&x));
    }
  }
  if (!in.running) {
    return json_pack("{s:b, s:o, s:o}", "running", 0, "transfers", xfers, "totals", stats_json(&in.stats));
  }
  return json_pack("{s:b, s:s, s:i, s:b, s:i, s:i, s:i, s:I, s:I, s:i, s:o, s:o}", "running", 1, "root", root_path,
                   "port", in.port, "writable", in.writable, "max_transfers", in.max_transfers, "active", in.active,
                   "max_blksize", in.max_blksize, "timeout_ms", (json_int_t)in.timeout_ms, "min_rto_ms",
                   (json_int_t)in.min_rto_ms, "retries", in.retries, "transfers", xfers, "totals",
                   stats_json(&in.stats));
}

static json_t *cmd_tftp_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  if (tftp_srv.running) {
    return ctl_error(r, CTL_E_BUSY, "the TFTP server is running (tftp.stop first)");
  }
  const char *root = NULL;
  bool writable = false;
  long long port = TFTP_PORT, maxx = 0, blk = 0, timeout = 0, min_rto = 0, retries = 0;
  if (!arg_str(args, "root", true, &root, r) || !arg_int(args, "port", false, 1, 65535, &port, r) ||
      !arg_bool(args, "writable", false, &writable, r) ||
      !arg_int(args, "max_transfers", false, 1, TFTP_MAX_XFERS, &maxx, r) ||
      !arg_int(args, "max_blksize", false, TFTP_MIN_BLKSIZE, TFTP_MAX_BLKSIZE, &blk, r) ||
      !arg_int(args, "timeout_ms", false, 10, 60000, &timeout, r) ||
      !arg_int(args, "min_rto_ms", false, 1, 60000, &min_rto, r) ||
      !arg_int(args, "retries", false, 1, 50, &retries, r)) {
    return NULL;
  }
  if (realpath(root, root_path) == NULL) {
    return ctl_error(r, CTL_E_NOT_FOUND, "args.root: %s: %s", root, strerror(errno));
  }
  int fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.root: %s: %s", root_path, strerror(errno));
  }
  struct tftp_server_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.port = (u16_t)port;
  cfg.writable = writable;
  cfg.max_transfers = (u8_t)maxx;
  cfg.max_blksize = (u16_t)blk;
  cfg.timeout_ms = (u32_t)timeout;
  cfg.min_rto_ms = (u32_t)min_rto;
  cfg.retries = (u8_t)retries;
  cfg.ops = &fs_ops;
  err_t err = tftp_server_start(&tftp_srv, &cfg);
  if (err != ERR_OK) {
    close(fd);
    return ctl_error(r,
                     err == ERR_MEM   ? CTL_E_NO_MEMORY
                     : err == ERR_USE ? CTL_E_BUSY
                                      : CTL_E_FAILED,
                     "%s: %s", lwip_err_name(err), err == ERR_USE ? "the port is in use" : lwip_strerr(err));
  }
  root_fd = fd;
  return status_json();
}

static json_t *cmd_tftp_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  if (!tftp_srv.running) {
    return ctl_error(r, CTL_E_NOT_FOUND, "the TFTP server is not running");
  }
  json_t *o = status_json(); /* as it ended: transfers in progress are cut */
  tftpcmds_stop_all();
  json_object_set_new(o, "running", json_false());
  return o;
}

static json_t *cmd_tftp_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  (void)r;
  return status_json();
}

#else /* !LWIP_UDP */

static json_t *cmd_tftp_off(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  (void)args;
  return ctl_error(r, CTL_E_FAILED, "this build has no UDP (-Dudp=disabled)");
}
#define cmd_tftp_start cmd_tftp_off
#define cmd_tftp_stop cmd_tftp_off
#define cmd_tftp_status cmd_tftp_off

void tftpcmds_stop_all(void)
{
}
#endif

/* The tftp.* commands (docs/control-protocol.md). */
const struct ctl_cmd tftp_cmds[] = {
    {"tftp.start", cmd_tftp_start, "start the TFTP server on a directory: port, writable, limits, timeouts"},
    {"tftp.stop", cmd_tftp_stop, "stop the TFTP server (transfers in progress are cut)"},
    {"tftp.status", cmd_tftp_status, "TFTP transfers in progress (bytes, retransmits) and totals"},
    {NULL, NULL, NULL},
};
