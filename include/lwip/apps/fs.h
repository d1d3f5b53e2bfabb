/**
 * @file fs.h
 * A small read-only file-system interface for the HTTP server (and any
 * other app that serves files): open a path, read bytes at an offset,
 * close.  The core never reads a file itself; a backend does.
 *
 * Two backends exist:
 *  - the ROM file system here (fs_rom_ops): files compiled into the image
 *    as C arrays by tools/mkfsdata, for boards without a file system.  The
 *    default page set (core/apps/httpd_pages/) is built in as
 *    fs_rom_default;
 *  - lwipd's directory backend (daemon/httpcmds.c): POSIX open/pread on a
 *    directory given at start.
 *
 * A backend hands out bytes by pointer rather than copying into a buffer
 * of the caller: the ROM returns a pointer into the array itself, the
 * daemon one into its own read buffer.  So the core keeps no file buffer
 * and a large file is streamed chunk by chunk, never read whole.
 *
 * Not thread-safe: call from the stack's context.
 */
#ifndef LWIP_APPS_FS_H
#define LWIP_APPS_FS_H

#include "lwip/opt.h"
#include "lwip/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An open file.  size is set by open; handle and num belong to the
 *  backend (a ROM entry, a file descriptor, ...). */
struct fs_file {
  u32_t size;   /**< bytes in the file */
  void *handle; /**< backend's */
  intptr_t num; /**< backend's */
};

/** A backend. */
struct fs_ops {
  /** Open @p path, which the caller has checked: it starts with '/', holds
   *  no NUL, no control character, no "." or ".." segment, and names a
   *  file (never ends in '/').  Fill @p f.
   *  @return ERR_OK; ERR_VAL when there is no such regular file (or it is
   *  larger than 4 GiB - 1); ERR_MEM when the backend is out of resources
   *  (descriptors, memory). */
  err_t (*open)(void *arg, const char *path, struct fs_file *f);
  /** Bytes [@p off, @p off + @p len) of an open file (@p off + @p len <=
   *  f->size, len > 0).  @return a pointer to at least 1 and at most
   *  @p len bytes, their count in @p got; it stays valid until the next
   *  call into the backend.  NULL on an I/O error. */
  const u8_t *(*read)(void *arg, struct fs_file *f, u32_t off, u32_t len, u32_t *got);
  /** Close @p f (opened with ERR_OK).  Never fails. */
  void (*close)(void *arg, struct fs_file *f);
};

/** One file of a ROM file system (tools/mkfsdata writes the table). */
struct fs_rom_file {
  const char *path; /**< "/index.html" */
  const u8_t *data;
  u32_t len;
};

/** A ROM file system: pass it as the backend's @p arg with fs_rom_ops. */
struct fs_rom {
  const struct fs_rom_file *files;
  u16_t count;
};

/** The ROM backend (open looks the path up in a struct fs_rom; read
 *  returns a pointer into the array: no copy). */
extern const struct fs_ops fs_rom_ops;
/** The default page set built into the image (core/apps/httpd_pages/). */
extern const struct fs_rom fs_rom_default;

#ifdef __cplusplus
}
#endif

#endif /* LWIP_APPS_FS_H */
