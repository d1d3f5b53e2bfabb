/*
 * lwipctl: reading reply fields, "key: value" lines, and the table printer
 * driven by column specifications.  Cells are collected first so that
 * every column can be as wide as its widest cell.
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *jstr(json_t *o, const char *key)
{
  const char *s = json_string_value(json_object_get(o, key));
  return s && *s ? s : "-";
}

long long jint(json_t *o, const char *key)
{
  return json_integer_value(json_object_get(o, key));
}

double jnum(json_t *o, const char *key)
{
  return json_number_value(json_object_get(o, key));
}

int jtrue(json_t *o, const char *key)
{
  return json_is_true(json_object_get(o, key));
}

/* Renders any JSON value compactly; strings lose their quotes. */
char *jfmt(json_t *v)
{
  if (json_is_string(v)) {
    return xasprintf("%s", json_string_value(v));
  }
  if (!v) {
    return xasprintf("-");
  }
  char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  return s ? s : xasprintf("?");
}

char *join_strings(json_t *list, const char *sep)
{
  char *out = xasprintf("%s", "");
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) {
    const char *s = json_string_value(v);
    char *next = xasprintf("%s%s%s", out, i ? sep : "", s ? s : "?");
    free(out);
    out = next;
  }
  return out;
}

/* Prints "key:  value" with the key padded to a common width. */
void kv(const char *key, const char *fmt, ...)
{
  va_list ap;
  printf("%-12s", key);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

/* The value at key in row; "a.b" descends into the object at a. */
static json_t *field(json_t *row, const char *key)
{
  const char *dot;
  while ((dot = strchr(key, '.')) != NULL) {
    char *part = xasprintf("%.*s", (int)(dot - key), key);
    row = json_object_get(row, part);
    free(part);
    key = dot + 1;
  }
  return json_object_get(row, key);
}

/* The text of one cell (malloc'd). */
static char *cell_text(const struct column *col, const char *name, json_t *row, json_t *ctx)
{
  json_t *v = col->key ? field(row, col->key) : row;
  switch (col->kind) {
  case COL_STR: {
    const char *s = json_string_value(v);
    return xasprintf("%s", s && *s ? s : "-");
  }
  case COL_INT:
    return xasprintf(col->fmt ? col->fmt : "%lld", (long long)json_integer_value(v));
  case COL_REAL:
    return xasprintf(col->fmt ? col->fmt : "%g", json_number_value(v));
  case COL_YESNO:
    return xasprintf("%s", json_is_true(v) ? "yes" : "no");
  case COL_NAME:
    return xasprintf("%s", name ? name : "-");
  case COL_FN:
    return col->cell(row, ctx);
  }
  return xasprintf("?");
}

/* The collected cells, row by row, the header first. */
struct cells {
  char **text;
  size_t n, cap;
};

static void cells_add(struct cells *c, char *s)
{
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    char **grown = realloc(c->text, c->cap * sizeof(*grown));
    if (!grown) {
      die_conn("out of memory");
    }
    c->text = grown;
  }
  c->text[c->n++] = s;
}

static void add_row(struct cells *c, const struct column *cols, size_t ncols, const char *name, json_t *row,
                    json_t *ctx)
{
  for (size_t k = 0; k < ncols; k++) {
    cells_add(c, cell_text(&cols[k], name, row, ctx));
  }
}

static void print_cells(const struct cells *c, const struct column *cols, size_t ncols)
{
  size_t *width = xmalloc(ncols * sizeof(*width));
  for (size_t k = 0; k < ncols; k++) {
    width[k] = (size_t)(cols[k].min_width > 0 ? cols[k].min_width : 0);
  }
  for (size_t i = 0; i < c->n; i++) {
    size_t len = strlen(c->text[i]);
    if (len > width[i % ncols]) {
      width[i % ncols] = len;
    }
  }
  for (size_t i = 0; i < c->n; i++) {
    size_t k = i % ncols;
    int last = k == ncols - 1;
    int w = (int)width[k];
    if (cols[k].align == 'r') {
      printf("%*s", w, c->text[i]);
    } else {
      printf("%-*s", last ? 0 : w, c->text[i]);
    }
    fputs(last ? "\n" : "  ", stdout);
  }
  free(width);
}

size_t print_table(const struct column *cols, size_t ncols, json_t *rows, json_t *ctx)
{
  struct cells c = {0};
  size_t nrows = 0;
  for (size_t k = 0; k < ncols; k++) {
    cells_add(&c, xasprintf("%s", cols[k].header));
  }
  if (json_is_object(rows)) {
    const char *name;
    json_t *row;
    json_object_foreach(rows, name, row) {
      add_row(&c, cols, ncols, name, row, ctx);
      nrows++;
    }
  } else {
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
      add_row(&c, cols, ncols, NULL, row, ctx);
      nrows++;
    }
  }
  print_cells(&c, cols, ncols);
  for (size_t i = 0; i < c.n; i++) {
    free(c.text[i]);
  }
  free(c.text);
  return nrows;
}
