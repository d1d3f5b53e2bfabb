/**
 * @file fs.c
 * The ROM backend of the read-only file-system interface (lwip/apps/fs.h):
 * files compiled into the image by tools/mkfsdata.  A lookup is a linear
 * scan of the table; a ROM holds a handful of pages, and a board with
 * hundreds of files would give the table a sorted order and search it.
 */
#include "lwip/apps/fs.h"

#include <string.h>

static err_t rom_open(void *arg, const char *path, struct fs_file *f)
{
  const struct fs_rom *rom = (const struct fs_rom *)arg;
  for (u16_t i = 0; rom != NULL && i < rom->count; i++) {
    if (strcmp(rom->files[i].path, path) == 0) {
      f->size = rom->files[i].len;
      f->handle = (void *)(uintptr_t)&rom->files[i];
      f->num = i;
      return ERR_OK;
    }
  }
  return ERR_VAL;
}

static const u8_t *rom_read(void *arg, struct fs_file *f, u32_t off, u32_t len, u32_t *got)
{
  const struct fs_rom_file *e = (const struct fs_rom_file *)f->handle;
  (void)arg;
  if (e == NULL || off > e->len || len > e->len - off) {
    return NULL;
  }
  *got = len;
  return e->data + off;
}

static void rom_close(void *arg, struct fs_file *f)
{
  (void)arg;
  f->handle = NULL;
}

const struct fs_ops fs_rom_ops = {
    .open = rom_open,
    .read = rom_read,
    .close = rom_close,
};
