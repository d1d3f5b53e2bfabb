/**
 * @file httpd.c
 * HTTP/1.1 server (lwip/apps/httpd.h): request heads parsed straight
 * from the received pbufs, responses streamed from the file-system
 * backend under TCP's backpressure, pipelining, byte ranges, limits.
 *
 * A connection is a small state machine (enum httpd_phase): READ waits
 * for a complete request head in c->rx; SEND writes one response, header
 * first, then the body as the send buffer frees up (sent callback);
 * CLOSING has shut our side after the last response and waits for the
 * peer's FIN, discarding what it still sends, so a response is not lost to
 * a RST that unread request bytes would otherwise provoke (RFC 9112 9.6).
 * Requests that arrive while a response is sent wait in c->rx and are
 * taken in order when it is done (RFC 9112 9.3.2).
 *
 * Request bytes are read only through pbuf_memfind()/pbuf_copy_partial()
 * with offsets below the chain's tot_len, so a short or hostile request
 * cannot make the parser read beyond what arrived.
 */
#include "lwip/apps/httpd.h"

#if LWIP_TCP

#include <string.h>

#include "lwip/debug.h"
#include "lwip/mem.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"

/* Bytes handed to one tcp_write() (the send buffer may take more in
 * several). */
#define HTTPD_WRITE_CHUNK 16384U
/* One header line is copied into a buffer of this size to be parsed; the
 * request line needs room for the longest target, a method and the
 * version. */
#define LINE_MAX (HTTPD_MAX_URI + 40U)
/* Poll interval: 2 x 500 ms. */
#define POLL_TICKS 2U
/* How long a refused or closing connection may linger for the peer's FIN. */
#define LINGER_MS 2000U

enum method { M_GET, M_HEAD, M_OTHER, M_UNKNOWN };

/* ---------------------------------------------------------------------- */
/* Small text helpers (no libc formatting in the core)                     */
/* ---------------------------------------------------------------------- */

/* Appends to a buffer; with buf NULL (or when full) it only counts, so
 * the same writer sizes and then fills a text. */
struct wbuf {
  char *buf;
  u32_t cap, len;
};

static void w_str(struct wbuf *w, const char *s)
{
  size_t n = strlen(s);
  if (w->buf != NULL && w->len + n <= w->cap) {
    memcpy(w->buf + w->len, s, n);
  }
  w->len += (u32_t)n;
}

static void w_u64(struct wbuf *w, u64_t v)
{
  char tmp[21];
  int i = (int)sizeof(tmp) - 1;
  tmp[i] = '\0';
  do {
    tmp[--i] = (char)('0' + (int)(v % 10U));
    v /= 10U;
  } while (v != 0 && i > 0);
  w_str(w, tmp + i);
}

static char lower(char ch)
{
  return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Case-insensitive comparison of @p n bytes (field names, RFC 9110 5.1). */
static bool ieq(const char *a, const char *b, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

static bool is_digit(char ch)
{
  return ch >= '0' && ch <= '9';
}

/* tchar (RFC 9110 5.6.2). */
static bool is_tchar(char ch)
{
  if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch)) {
    return true;
  }
  return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* Parse decimal digits [s, e) into *v.  @return false when empty, not all
 * digits, or over 2^32 - 1. */
static bool parse_u32(const char *s, const char *e, u32_t *v)
{
  u32_t r = 0;
  if (s >= e) {
    return false;
  }
  for (; s < e; s++) {
    if (!is_digit(*s) || r > (0xffffffffUL - (u32_t)(*s - '0')) / 10U) {
      return false;
    }
    r = r * 10U + (u32_t)(*s - '0');
  }
  *v = r;
  return true;
}

/* ---------------------------------------------------------------------- */
/* Tables                                                                  */
/* ---------------------------------------------------------------------- */

static const struct {
  const char *ext;
  const char *type;
} ctypes[] = {
    {"", "application/octet-stream"}, /* index 0: unknown extensions */
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"css", "text/css"},
    {"js", "text/javascript"},
    {"json", "application/json"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"ico", "image/vnd.microsoft.icon"},
    {"webp", "image/webp"},
    {"pdf", "application/pdf"},
    {"wasm", "application/wasm"},
    {"gz", "application/gzip"},
};
#define CT_TEXT 3U

static u8_t ctype_index(const char *path)
{
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(path, '.');
  if (dot == NULL || (slash != NULL && dot < slash)) {
    return 0;
  }
  dot++;
  size_t n = strlen(dot);
  for (u8_t i = 1; i < LWIP_ARRAYSIZE(ctypes); i++) {
    if (strlen(ctypes[i].ext) == n && ieq(dot, ctypes[i].ext, n)) {
      return i;
    }
  }
  return 0;
}

const char *httpd_content_type(const char *path)
{
  return ctypes[ctype_index(path != NULL ? path : "")].type;
}

static const char *reason(u16_t status)
{
  switch (status) {
  case 200:
    return "OK";
  case 206:
    return "Partial Content";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 413:
    return "Content Too Large";
  case 414:
    return "URI Too Long";
  case 416:
    return "Range Not Satisfiable";
  case 431:
    return "Request Header Fields Too Large";
  case 501:
    return "Not Implemented";
  case 503:
    return "Service Unavailable";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return "Internal Server Error";
  }
}

static const char *const phase_names[] = {
    [HTTPD_PH_READ] = "read",
    [HTTPD_PH_SEND] = "send",
    [HTTPD_PH_CLOSING] = "closing",
};

const char *httpd_phase_name(u8_t phase)
{
  return phase < LWIP_ARRAYSIZE(phase_names) ? phase_names[phase] : "?";
}

/* ---------------------------------------------------------------------- */
/* Connections                                                             */
/* ---------------------------------------------------------------------- */

static err_t conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t conn_sent(void *arg, struct tcp_pcb *pcb, u16_t len);
static err_t conn_poll(void *arg, struct tcp_pcb *pcb);
static void conn_err(void *arg, err_t err);

/* Release what the current response holds. */
static void resp_release(struct httpd_conn *c)
{
  if (c->file_open) {
    c->srv->cfg.fs->close(c->srv->cfg.fs_arg, &c->file);
    c->file_open = false;
  }
  if (c->dyn != NULL) {
    mem_free(c->dyn);
    c->dyn = NULL;
  }
  c->mem = NULL;
}

/* Forget @p c (its PCB is gone or no longer ours). */
static void conn_free(struct httpd_conn *c)
{
  struct httpd *s = c->srv;
  for (struct httpd_conn **pp = &s->conns; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      s->nconns--;
      break;
    }
  }
  resp_release(c);
  pbuf_free(c->rx);
  mem_free(c);
}

/* Abort the connection (RST).  @return ERR_ABRT for the callback. */
static err_t conn_abort(struct httpd_conn *c)
{
  struct tcp_pcb *pcb = c->pcb;
  tcp_arg(pcb, NULL);
  tcp_err(pcb, NULL);
  conn_free(c);
  tcp_abort(pcb);
  return ERR_ABRT;
}

/* Close both sides and forget @p c; retried from poll while the FIN
 * cannot be queued.  @return ERR_OK, or ERR_ABRT when it had to abort. */
static err_t conn_close(struct httpd_conn *c)
{
  struct tcp_pcb *pcb = c->pcb;
  tcp_recv(pcb, NULL);
  tcp_sent(pcb, NULL);
  tcp_poll(pcb, NULL, 0);
  tcp_err(pcb, NULL);
  tcp_arg(pcb, NULL);
  if (tcp_close(pcb) != ERR_OK) {
    tcp_arg(pcb, c);
    tcp_err(pcb, conn_err);
    tcp_recv(pcb, conn_recv);
    tcp_poll(pcb, conn_poll, POLL_TICKS);
    return ERR_OK; /* poll tries again */
  }
  conn_free(c); /* the PCB is the stack's now */
  return ERR_OK;
}

/* The last response is queued: shut our side (FIN after the data) and
 * linger for the peer's FIN (RFC 9112 9.6). */
static err_t conn_finish(struct httpd_conn *c)
{
  c->phase = HTTPD_PH_CLOSING;
  c->last_ms = sys_now();
  if (c->peer_fin) {
    return conn_close(c);
  }
  if (!c->fin_sent) {
    if (tcp_shutdown(c->pcb, 0, 1) != ERR_OK) {
      return ERR_OK; /* poll tries again */
    }
    c->fin_sent = true;
  }
  return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Responses                                                               */
/* ---------------------------------------------------------------------- */

static const char *const error_texts[] = {
    "Bad Request\n",       "Not Found\n",           "Method Not Allowed\n",         "Request Timeout\n",
    "Content Too Large\n", "URI Too Long\n",        "Range Not Satisfiable\n",      "Request Header Fields Too Large\n",
    "Not Implemented\n",   "Service Unavailable\n", "HTTP Version Not Supported\n",
};

/* The body of an error response: the reason phrase on a line. */
static const char *error_text(u16_t status)
{
  const char *r = reason(status);
  for (size_t i = 0; i < LWIP_ARRAYSIZE(error_texts); i++) {
    if (strncmp(error_texts[i], r, strlen(r)) == 0) {
      return error_texts[i];
    }
  }
  return "Error\n";
}

/* Write the status line and header fields of c's response. */
static void build_header(const struct httpd_conn *c, struct wbuf *w)
{
  w_str(w, "HTTP/1.1 ");
  w_u64(w, c->status);
  w_str(w, " ");
  w_str(w, reason(c->status));
  w_str(w, "\r\nServer: lwipd\r\nContent-Type: ");
  w_str(w, ctypes[c->ctype].type);
  w_str(w, "\r\nContent-Length: ");
  w_u64(w, c->left); /* for HEAD too: what a GET would carry (RFC 9110 9.3.2) */
  w_str(w, "\r\n");
  if (c->status == 206) {
    w_str(w, "Content-Range: bytes ");
    w_u64(w, c->range_lo);
    w_str(w, "-");
    w_u64(w, (u64_t)c->range_lo + c->left - 1U);
    w_str(w, "/");
    w_u64(w, c->total);
    w_str(w, "\r\n");
  } else if (c->status == 416) {
    /* RFC 9110 15.5.17: the current length, so the client can retry. */
    w_str(w, "Content-Range: bytes */");
    w_u64(w, c->total);
    w_str(w, "\r\n");
  } else if (c->status == 405) {
    w_str(w, "Allow: GET, HEAD\r\n"); /* RFC 9110 15.5.6: MUST */
  } else if (c->status == 503) {
    w_str(w, "Retry-After: 1\r\n");
  }
  if (c->file_open && (c->status == 200 || c->status == 206)) {
    w_str(w, "Accept-Ranges: bytes\r\n");
  }
  if (c->dyn != NULL) {
    w_str(w, "Cache-Control: no-store\r\n");
  }
  if (!c->keep) {
    w_str(w, "Connection: close\r\n");
  } else if (c->minor == 0) {
    w_str(w, "Connection: keep-alive\r\n"); /* HTTP/1.0 asked for it */
  }
  w_str(w, "\r\n");
}

/* Pointer to the next body bytes of c's response, at most @p want. */
static const u8_t *body_bytes(struct httpd_conn *c, u32_t want, u32_t *got)
{
  if (c->mem != NULL) {
    *got = want;
    return c->mem + c->off;
  }
  const u8_t *d = c->srv->cfg.fs->read(c->srv->cfg.fs_arg, &c->file, c->off, want, got);
  if (d == NULL || *got == 0 || *got > want) {
    return NULL;
  }
  return d;
}

static void response_done(struct httpd_conn *c)
{
  struct httpd_stats *st = &c->srv->stats;
  u16_t cls = (u16_t)(c->status / 100U);
  if (cls < LWIP_ARRAYSIZE(st->responses)) {
    st->responses[cls]++;
  }
  STATS_TX(HTTP);
  LWIP_LOG(HTTP, DEBUG, "response %u done (%lu bytes)", c->status, (unsigned long)c->total);
  resp_release(c);
  c->requests++;
  c->hdr_sent = false;
  c->status = 0;
  c->phase = HTTPD_PH_READ;
}

/* Queue as much of c's response as the send buffer takes.
 * @return ERR_OK, or ERR_ABRT when the connection was aborted. */
static err_t send_more(struct httpd_conn *c)
{
  struct tcp_pcb *pcb = c->pcb;
  bool queued = false;
  if (!c->hdr_sent) {
    char hdr[320];
    struct wbuf w = {hdr, sizeof(hdr), 0};
    build_header(c, &w);
    LWIP_ASSERT("header fits", w.len <= sizeof(hdr));
    if (tcp_sndbuf(pcb) < w.len) {
      return ERR_OK; /* the sent callback comes back */
    }
    u8_t more = c->left > 0 && !c->head_only ? TCP_WRITE_FLAG_MORE : 0;
    err_t err = tcp_write(pcb, hdr, (u16_t)w.len, (u8_t)(TCP_WRITE_FLAG_COPY | more));
    if (err == ERR_MEM) {
      return ERR_OK;
    }
    if (err != ERR_OK) {
      return conn_abort(c);
    }
    c->hdr_sent = true;
    queued = true;
    if (c->head_only) {
      c->left = 0;
    }
  }
  while (c->left > 0) {
    u32_t room = tcp_sndbuf(pcb);
    u32_t want = LWIP_MIN(LWIP_MIN(c->left, room), HTTPD_WRITE_CHUNK);
    if (want == 0) {
      break;
    }
    u32_t got = 0;
    const u8_t *d = body_bytes(c, want, &got);
    if (d == NULL) {
      /* The header promised a length that cannot be delivered now: the
       * only honest end is a reset (RFC 9112 8: incomplete message). */
      c->srv->stats.io_errors++;
      LWIP_LOG(HTTP, WARN, "file read failed at %lu: connection aborted", (unsigned long)c->off);
      return conn_abort(c);
    }
    u8_t more = got < c->left ? TCP_WRITE_FLAG_MORE : 0;
    err_t err = tcp_write(pcb, d, (u16_t)got, (u8_t)(TCP_WRITE_FLAG_COPY | more));
    if (err == ERR_MEM) {
      break; /* queue full: the sent callback (or poll) comes back */
    }
    if (err != ERR_OK) {
      return conn_abort(c);
    }
    queued = true;
    c->off += got;
    c->left -= got;
    c->srv->stats.tx_body_bytes += got;
  }
  if (queued) {
    tcp_output(pcb);
  }
  if (c->left == 0) {
    bool keep = c->keep;
    response_done(c);
    if (!keep) {
      return conn_finish(c);
    }
  }
  return ERR_OK;
}

/* Set up a response of @p status with an in-memory body. */
static void respond_mem(struct httpd_conn *c, u16_t status, const u8_t *body, u32_t len, u8_t ctype)
{
  c->status = status;
  c->mem = body;
  c->total = len;
  c->off = 0;
  c->left = len;
  c->ctype = ctype;
  c->phase = HTTPD_PH_SEND;
}

/* An error response; @p close: the byte stream cannot be trusted after
 * it, so the connection ends. */
static void respond_error(struct httpd_conn *c, u16_t status, bool close)
{
  const char *t = error_text(status);
  if (close) {
    c->keep = false;
  }
  if (status != 404 && status != 416) {
    c->srv->stats.bad_requests++;
  }
  respond_mem(c, status, (const u8_t *)t, (u32_t)strlen(t), CT_TEXT);
}

/* ---------------------------------------------------------------------- */
/* The status page                                                         */
/* ---------------------------------------------------------------------- */

#if LWIP_STATS
/* " key value"; only the stats section of the page uses it. */
static void w_pair(struct wbuf *w, const char *k, u64_t v)
{
  w_str(w, " ");
  w_str(w, k);
  w_str(w, " ");
  w_u64(w, v);
}
#endif

/* "key value" on a line of its own */
static void w_kv(struct wbuf *w, const char *k, u64_t v)
{
  w_str(w, k);
  w_str(w, " ");
  w_u64(w, v);
  w_str(w, "\n");
}

static void status_text(const struct httpd *s, struct wbuf *w)
{
  const struct httpd_stats *st = &s->stats;
  w_str(w, "# lwipd httpd status\n");
  w_kv(w, "uptime_ms", (u32_t)(sys_now() - s->started_ms));
  w_kv(w, "http.open", s->nconns);
  w_kv(w, "http.connections", st->connections);
  w_kv(w, "http.refused", st->refused);
  w_kv(w, "http.requests", st->requests);
  w_kv(w, "http.pipelined", st->pipelined);
  w_kv(w, "http.2xx", st->responses[2]);
  w_kv(w, "http.4xx", st->responses[4]);
  w_kv(w, "http.5xx", st->responses[5]);
  w_kv(w, "http.tx_body_bytes", st->tx_body_bytes);
#if LWIP_STATS
  for (int i = 0; i < LWIP_PROTO_COUNT; i++) {
    const struct stats_proto *p = &lwip_stats.proto[i];
    w_str(w, lwip_stats_proto_name(i));
    w_pair(w, "recv", p->recv);
    w_pair(w, "xmit", p->xmit);
    w_pair(w, "drop", p->drop);
    w_str(w, "\n");
  }
  for (int i = 0; i < MEMP_MAX; i++) {
    const struct stats_mem *m = memp_stats((memp_t)i);
    if (m != NULL) {
      w_str(w, "pool ");
      w_str(w, m->name != NULL ? m->name : "?");
      w_pair(w, "used", m->used);
      w_pair(w, "max", m->max);
      w_pair(w, "avail", m->avail);
      w_pair(w, "err", m->err);
      w_str(w, "\n");
    }
  }
  const struct stats_mem *h = mem_stats();
  if (h != NULL) {
    w_kv(w, "heap.used", h->used);
    w_kv(w, "heap.max", h->max);
    w_kv(w, "heap.avail", h->avail);
  }
#endif
}

/* Size the page, then write it into one heap block. */
static void respond_status(struct httpd_conn *c)
{
  struct wbuf w = {NULL, 0, 0};
  status_text(c->srv, &w);
  u32_t len = w.len;
  u8_t *buf = len <= 0xffffU ? (u8_t *)mem_malloc((mem_size_t)len) : NULL;
  if (buf == NULL) {
    LWIP_LOG(HTTP, WARN, "no memory for the status page (%lu bytes)", (unsigned long)len);
    respond_error(c, 503, false);
    return;
  }
  struct wbuf f = {(char *)buf, len, 0};
  status_text(c->srv, &f);
  c->dyn = buf;
  respond_mem(c, 200, buf, len, CT_TEXT);
}

/* ---------------------------------------------------------------------- */
/* Requests                                                                */
/* ---------------------------------------------------------------------- */

/* What the head says, as far as this server cares. */
struct req {
  u8_t method; /* enum method */
  u8_t minor;
  char path[HTTPD_MAX_URI + 12]; /* decoded; room for "index.html" */
  bool conn_close, conn_keep;
  u8_t hosts;
  bool have_cl, te;
  u32_t cl;
  bool have_range, range_long;
  char range[64];
};

static u8_t method_of(const char *m, size_t n)
{
  static const char *const others[] = {"POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  if (n == 3 && memcmp(m, "GET", 3) == 0) {
    return M_GET;
  }
  if (n == 4 && memcmp(m, "HEAD", 4) == 0) {
    return M_HEAD;
  }
  for (size_t i = 0; i < LWIP_ARRAYSIZE(others); i++) {
    if (strlen(others[i]) == n && memcmp(m, others[i], n) == 0) {
      return M_OTHER;
    }
  }
  return M_UNKNOWN;
}

static int hexval(char ch)
{
  if (is_digit(ch)) {
    return ch - '0';
  }
  ch = lower(ch);
  return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Decode the request target [t, t + n) into r->path.  Accepts the
 * origin form and the absolute form (RFC 9112 3.2.1, 3.2.2); drops the
 * query.  @return 0, or the status to answer (400). */
static u16_t parse_target(const char *t, size_t n, struct req *r)
{
  if (n >= 7 && ieq(t, "http://", 7)) {
    size_t i = 7;
    while (i < n && t[i] != '/') {
      i++;
    }
    t += i;
    n -= i;
    if (n == 0) {
      t = "/";
      n = 1;
    }
  }
  if (n == 0 || t[0] != '/') {
    return 400;
  }
  size_t o = 0;
  for (size_t i = 0; i < n && t[i] != '?' && t[i] != '#'; i++) {
    char ch = t[i];
    if (ch == '%') {
      int hi = i + 2 < n ? hexval(t[i + 1]) : -1;
      int lo = i + 2 < n ? hexval(t[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return 400;
      }
      ch = (char)(hi * 16 + lo);
      i += 2;
    }
    if ((unsigned char)ch < 0x20 || ch == 0x7f) {
      return 400; /* NUL and control characters never name a file */
    }
    r->path[o++] = ch;
  }
  r->path[o] = '\0';
  /* No "." or ".." segment: a path cannot leave the file system's root
   * (RFC 3986 5.2.4 would resolve them; a server of files refuses). */
  for (const char *seg = r->path; seg != NULL; seg = strchr(seg + 1, '/')) {
    const char *s1 = seg + 1;
    size_t len = strcspn(s1, "/");
    if ((len == 1 && s1[0] == '.') || (len == 2 && s1[0] == '.' && s1[1] == '.')) {
      return 400;
    }
  }
  if (r->path[o - 1] == '/') {
    memcpy(r->path + o, "index.html", 11);
  }
  return 0;
}

/* The request line: method SP target SP HTTP-version (RFC 9112 3).
 * @return 0, or the status to answer. */
static u16_t parse_request_line(const char *l, size_t n, struct req *r)
{
  const char *sp1 = memchr(l, ' ', n);
  if (sp1 == NULL || sp1 == l) {
    return 400;
  }
  for (const char *q = l; q < sp1; q++) {
    if (!is_tchar(*q)) {
      return 400;
    }
  }
  const char *t = sp1 + 1;
  const char *sp2 = memchr(t, ' ', (size_t)(l + n - t));
  if (sp2 == NULL || sp2 == t) {
    return 400; /* HTTP/0.9 simple requests are not served */
  }
  const char *v = sp2 + 1;
  size_t vn = (size_t)(l + n - v);
  if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || !is_digit(v[5]) || v[6] != '.' || !is_digit(v[7])) {
    return 400;
  }
  if (v[5] != '1') {
    return 505; /* RFC 9110 15.6.6: major version not supported */
  }
  r->minor = (u8_t)(v[7] - '0');
  r->method = method_of(l, (size_t)(sp1 - l));
  if (r->method == M_UNKNOWN) {
    return 501; /* RFC 9110 9.1 */
  }
  if ((size_t)(sp2 - t) > HTTPD_MAX_URI) {
    return 414;
  }
  return parse_target(t, (size_t)(sp2 - t), r);
}

/* Does the comma-separated list [v, e) hold @p tok (any case)? */
static bool has_token(const char *v, const char *e, const char *tok)
{
  size_t tn = strlen(tok);
  while (v < e) {
    while (v < e && (*v == ' ' || *v == '\t' || *v == ',')) {
      v++;
    }
    const char *s = v;
    while (v < e && *v != ',' && *v != ' ' && *v != '\t') {
      v++;
    }
    if ((size_t)(v - s) == tn && ieq(s, tok, tn)) {
      return true;
    }
  }
  return false;
}

/* One header field line (RFC 9112 5).  @p truncated: the line was longer
 * than the buffer (only its start is in @p l).  @return 0 or 400. */
static u16_t parse_field(const char *l, size_t n, bool truncated, struct req *r)
{
  if (l[0] == ' ' || l[0] == '\t') {
    return 400; /* obs-fold: RFC 9112 5.2 allows a 400 */
  }
  const char *colon = memchr(l, ':', n);
  if (colon == NULL || colon == l) {
    return 400;
  }
  for (const char *q = l; q < colon; q++) {
    if (!is_tchar(*q)) {
      return 400; /* includes whitespace before the colon (RFC 9112 5.1) */
    }
  }
  size_t nn = (size_t)(colon - l);
  const char *v = colon + 1;
  const char *e = l + n;
  while (v < e && (*v == ' ' || *v == '\t')) {
    v++;
  }
  while (e > v && (e[-1] == ' ' || e[-1] == '\t')) {
    e--;
  }
#define FIELD(name) (nn == sizeof(name) - 1 && ieq(l, name, nn))
  if (FIELD("host")) {
    if (r->hosts < 2) {
      r->hosts++;
    }
  } else if (FIELD("connection")) {
    r->conn_close |= has_token(v, e, "close");
    r->conn_keep |= has_token(v, e, "keep-alive");
  } else if (FIELD("content-length")) {
    u32_t cl;
    if (truncated || !parse_u32(v, e, &cl) || (r->have_cl && cl != r->cl)) {
      return 400; /* RFC 9112 6.3 (5): invalid or conflicting lengths */
    }
    r->have_cl = true;
    r->cl = cl;
  } else if (FIELD("transfer-encoding")) {
    r->te = true;
  } else if (FIELD("range")) {
    size_t vn = (size_t)(e - v);
    r->range_long |= truncated || vn >= sizeof(r->range) || r->have_range;
    if (!r->range_long) {
      memcpy(r->range, v, vn);
      r->range[vn] = '\0';
    }
    r->have_range = true;
  }
#undef FIELD
  return 0;
}

/* Byte range of a GET (RFC 9110 14.1.2): sets *lo and *len within
 * @p size.  @return 200 (ignore the header: not one well-formed bytes
 * range), 206, or 416 (no byte of it exists). */
static u16_t parse_range(const char *spec, u32_t size, u32_t *lo, u32_t *len)
{
  if (!ieq(spec, "bytes=", 6)) {
    return 200; /* another unit: ignored (RFC 9110 14.2) */
  }
  const char *s = spec + 6;
  const char *dash = strchr(s, '-');
  if (dash == NULL || strchr(s, ',') != NULL) {
    return 200; /* malformed or several ranges: served whole */
  }
  const char *end = s + strlen(s);
  u32_t a, b;
  if (dash == s) { /* suffix: the last n bytes */
    if (!parse_u32(dash + 1, end, &b)) {
      return 200;
    }
    if (b == 0 || size == 0) {
      return 416;
    }
    *len = LWIP_MIN(b, size);
    *lo = size - *len;
    return 206;
  }
  if (!parse_u32(s, dash, &a)) {
    return 200;
  }
  if (dash + 1 == end) {
    b = 0xffffffffUL;
  } else if (!parse_u32(dash + 1, end, &b) || b < a) {
    return 200; /* last < first: invalid, ignored (RFC 9110 14.1.1) */
  }
  if (a >= size) {
    return 416;
  }
  *lo = a;
  *len = LWIP_MIN(b, size - 1U) - a + 1U;
  return 206;
}

/* Answer a well-formed GET/HEAD of r->path. */
static void serve(struct httpd_conn *c, const struct req *r)
{
  struct httpd *s = c->srv;
  if (!s->cfg.no_status_page && strcmp(r->path, HTTPD_STATUS_PATH) == 0) {
    respond_status(c);
    return;
  }
  err_t err = s->cfg.fs->open(s->cfg.fs_arg, r->path, &c->file);
  if (err == ERR_MEM) {
    respond_error(c, 503, false);
    return;
  }
  if (err != ERR_OK) {
    s->stats.not_found++;
    respond_error(c, 404, false);
    return;
  }
  c->file_open = true;
  c->ctype = ctype_index(r->path);
  c->status = 200;
  c->mem = NULL;
  c->total = c->file.size;
  c->off = 0;
  c->left = c->file.size;
  c->phase = HTTPD_PH_SEND;
  if (r->have_range && !r->range_long && r->method == M_GET) {
    /* Range is defined for GET only; HEAD and others ignore it (RFC 9110 14.2). */
    u32_t lo = 0, len = 0;
    u16_t st = parse_range(r->range, c->file.size, &lo, &len);
    if (st == 206) {
      s->stats.ranges++;
      c->status = 206;
      c->range_lo = lo;
      c->off = lo;
      c->left = len;
    } else if (st == 416) {
      s->stats.unsatisfiable++;
      u32_t size = c->file.size;
      resp_release(c);
      respond_error(c, 416, false);
      c->total = size; /* for Content-Range: bytes *\/size */
    }
  }
}

/* Parse the head of @p hlen bytes at the front of c->rx and set up the
 * response.  @return nothing; c->phase is SEND afterwards. */
static void take_request(struct httpd_conn *c, u16_t hlen)
{
  struct req r;
  memset(&r, 0, sizeof(r));
  char line[LINE_MAX + 1];
  u16_t o = 0;
  u16_t status = 0;
  bool first = true;
  while (status == 0) {
    u16_t e = pbuf_memfind(c->rx, "\r\n", 2, o);
    if (e == 0xffffU || e >= hlen) {
      status = 400;
      break;
    }
    u16_t n = (u16_t)(e - o);
    if (n == 0) {
      break; /* the empty line ends the head */
    }
    bool truncated = n > LINE_MAX;
    u16_t take = truncated ? (u16_t)LINE_MAX : n;
    pbuf_copy_partial(c->rx, line, take, o);
    line[take] = '\0';
    if (memchr(line, '\0', take) != NULL) {
      status = 400; /* NUL in the head (RFC 9110 5.5) */
    } else if (first) {
      status = truncated ? 414 : parse_request_line(line, take, &r);
    } else {
      status = parse_field(line, take, truncated, &r);
    }
    first = false;
    o = (u16_t)(e + 2U);
  }
  c->minor = r.minor;
  c->head_only = r.method == M_HEAD; /* no body in any answer to HEAD */
  c->keep = r.minor >= 1 ? !r.conn_close : (r.conn_keep && !r.conn_close);
  if (c->peer_fin) {
    c->keep = false;
  }
  if (status == 0 && r.te) {
    status = 501; /* RFC 9112 6.1: no transfer coding understood here */
  }
  if (status == 0 && r.method == M_OTHER) {
    /* The content of such a request is not read: end the connection when
     * it has any, else the stream would be misread. */
    c->keep = c->keep && !(r.have_cl && r.cl > 0);
    status = 405;
  }
  if (status == 0 && r.have_cl && r.cl > 0) {
    status = 413; /* GET and HEAD take no content here */
  }
  if (status == 0 && r.minor >= 1 && r.hosts != 1) {
    status = 400; /* RFC 9112 3.2: exactly one Host in HTTP/1.1 */
  }
  c->srv->stats.requests++;
  STATS_RX(HTTP);
  if (status == 405) {
    respond_error(c, 405, !c->keep);
  } else if (status == 400) {
    LWIP_DROP(HTTP_BAD_REQUEST);
    respond_error(c, 400, true);
  } else if (status != 0) {
    if (status == 505) {
      LWIP_DROP(HTTP_BAD_VERSION);
    } else if (status == 501) {
      LWIP_DROP(HTTP_NOT_IMPLEMENTED);
    } else {
      LWIP_DROP(HTTP_TOO_LARGE);
    }
    respond_error(c, status, true);
  } else {
    LWIP_LOG(HTTP, DEBUG, "%s %s", r.method == M_HEAD ? "HEAD" : "GET", r.path);
    serve(c, &r);
  }
}

/* Consume @p n bytes of c->rx (a request head).  The window for them was
 * opened when they arrived (conn_recv). */
static void consume(struct httpd_conn *c, u16_t n)
{
  c->rx = pbuf_free_header(c->rx, n);
  c->req_start = sys_now();
}

/* Take the next complete request from c->rx, if any; @p queued: it was
 * waiting behind the response just finished (pipelined).  @return true
 * when a response is set up (c->phase is SEND), false when more bytes are
 * needed. */
static bool next_request(struct httpd_conn *c, bool queued)
{
  /* RFC 9112 2.2: empty lines before a request line are ignored. */
  while (c->rx != NULL && c->rx->tot_len >= 2 && pbuf_memcmp(c->rx, 0, "\r\n", 2) == 0) {
    consume(c, 2);
  }
  if (c->rx == NULL || c->rx->tot_len == 0) {
    return false;
  }
  u16_t max = c->srv->cfg.max_header;
  u16_t end = pbuf_memfind(c->rx, "\r\n\r\n", 4, 0);
  u16_t lineend = pbuf_memfind(c->rx, "\r\n", 2, 0);
  if (lineend == 0xffffU && c->rx->tot_len > LINE_MAX) {
    LWIP_DROP(HTTP_TOO_LARGE);
    respond_error(c, 414, true); /* the request line alone is too long */
    return true;
  }
  if (end == 0xffffU || (u32_t)end + 4U > max) {
    if (c->rx->tot_len >= max) {
      LWIP_DROP(HTTP_TOO_LARGE);
      respond_error(c, 431, true);
      return true;
    }
    return false;
  }
  if (queued) {
    c->srv->stats.pipelined++;
  }
  take_request(c, (u16_t)(end + 4U));
  consume(c, (u16_t)(end + 4U));
  return true;
}

/* Run the connection as far as it goes.  @return ERR_ABRT when it was
 * aborted (the PCB is gone), else ERR_OK. */
static err_t conn_run(struct httpd_conn *c)
{
  bool queued = false;
  for (int guard = 0; guard < 1000; guard++) {
    if (c->phase == HTTPD_PH_CLOSING) {
      return ERR_OK;
    }
    if (c->phase == HTTPD_PH_READ) {
      if (c->peer_fin && (c->rx == NULL || pbuf_memfind(c->rx, "\r\n\r\n", 4, 0) == 0xffffU)) {
        return conn_close(c); /* nothing more will come */
      }
      if (!next_request(c, queued)) {
        return ERR_OK;
      }
    }
    bool keep = c->keep;
    err_t err = send_more(c);
    if (err != ERR_OK || c->phase == HTTPD_PH_SEND) {
      return err;
    }
    if (!keep) {
      return ERR_OK; /* closing, or closed and freed by conn_finish */
    }
    queued = true; /* a head still in c->rx now was pipelined */
  }
  return ERR_OK;
}

static err_t conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  struct httpd_conn *c = (struct httpd_conn *)arg;
  (void)err;
  if (c == NULL) {
    /* A refused connection: discard what it sends, close on its FIN. */
    if (p == NULL) {
      tcp_arg(pcb, NULL);
      if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        return ERR_ABRT;
      }
      return ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }
  c->last_ms = sys_now();
  if (p == NULL) {
    c->peer_fin = true;
    if (c->phase == HTTPD_PH_CLOSING) {
      return conn_close(c);
    }
    return conn_run(c);
  }
  if (c->phase == HTTPD_PH_CLOSING) {
    tcp_recved(pcb, p->tot_len); /* lingering: read and forget */
    pbuf_free(p);
    return ERR_OK;
  }
  u32_t have = c->rx != NULL ? c->rx->tot_len : 0U;
  if (have + p->tot_len > 0xffffU || (c->phase != HTTPD_PH_READ && have >= c->srv->cfg.max_header)) {
    if (c->phase == HTTPD_PH_READ) {
      /* Only a partial head is held in READ: it is too large. */
      tcp_recved(pcb, p->tot_len);
      pbuf_free(p);
      LWIP_DROP(HTTP_TOO_LARGE);
      respond_error(c, 431, true);
      err_t e = send_more(c);
      return e;
    }
    return ERR_MEM; /* full of pipelined requests: TCP offers it again */
  }
  /* Open the window as soon as the bytes are held: what c->rx may hold is
   * bounded by max_header above, and a window smaller than max_header (a
   * 2 KiB TCP_WND on a small target) must not stall a head that is bigger
   * than the window but within the limit until the idle timeout. */
  tcp_recved(pcb, p->tot_len);
  if (c->rx == NULL) {
    c->rx = p;
    c->req_start = c->last_ms;
  } else {
    pbuf_cat(c->rx, p);
  }
  return conn_run(c);
}

static err_t conn_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  struct httpd_conn *c = (struct httpd_conn *)arg;
  (void)pcb;
  (void)len;
  if (c == NULL) {
    return ERR_OK;
  }
  c->last_ms = sys_now();
  return conn_run(c);
}

/* Every second: retry what memory stopped, and enforce the timeouts. */
static err_t conn_poll(void *arg, struct tcp_pcb *pcb)
{
  struct httpd_conn *c = (struct httpd_conn *)arg;
  if (c == NULL) {
    /* A refused connection whose peer did not close in time. */
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  u32_t idle = sys_now() - c->last_ms;
  u32_t limit = c->srv->cfg.idle_timeout_ms;
  if (c->phase == HTTPD_PH_CLOSING) {
    if (!c->fin_sent) {
      return conn_finish(c);
    }
    if (idle >= LWIP_MIN(limit, LINGER_MS)) {
      return conn_close(c); /* the peer did not close: stop lingering */
    }
    return ERR_OK;
  }
  if (c->phase == HTTPD_PH_SEND) {
    if (idle >= limit) {
      c->srv->stats.timeouts++;
      LWIP_LOG(HTTP, INFO, "peer stopped reading for %lu ms: aborted", (unsigned long)idle);
      return conn_abort(c);
    }
    return conn_run(c);
  }
  if (c->rx != NULL && c->rx->tot_len > 0) {
    if (sys_now() - c->req_start >= limit) {
      /* A head that does not complete in time (a slow sender holding a
       * connection): RFC 9110 15.5.9. */
      c->srv->stats.timeouts++;
      LWIP_DROP(HTTP_TIMEOUT);
      respond_error(c, 408, true);
      return send_more(c);
    }
    return ERR_OK;
  }
  if (idle >= limit) {
    c->srv->stats.timeouts++;
    LWIP_LOG(HTTP, DEBUG, "idle for %lu ms: closed", (unsigned long)idle);
    return conn_close(c);
  }
  return ERR_OK;
}

static void conn_err(void *arg, err_t err)
{
  struct httpd_conn *c = (struct httpd_conn *)arg;
  (void)err;
  if (c != NULL) {
    LWIP_LOG(HTTP, DEBUG, "connection gone (%s)", lwip_err_name(err));
    conn_free(c); /* the PCB is already freed */
  }
}

static const char refusal[] = "HTTP/1.1 503 Service Unavailable\r\nServer: lwipd\r\nContent-Type: text/plain; "
                              "charset=utf-8\r\nContent-Length: 20\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
                              "Service Unavailable\n";

/* Over the limit: a 503 and our FIN, then the peer's FIN closes it (or
 * the first poll aborts it).  No memory is taken for it. */
static err_t refuse(struct httpd *s, struct tcp_pcb *pcb)
{
  s->stats.refused++;
  LWIP_DROP(HTTP_CONN_LIMIT);
  tcp_arg(pcb, NULL);
  tcp_recv(pcb, conn_recv);
  tcp_poll(pcb, conn_poll, (u8_t)(LINGER_MS / 500U));
  if (tcp_write(pcb, refusal, (u16_t)(sizeof(refusal) - 1U), TCP_WRITE_FLAG_COPY) != ERR_OK ||
      tcp_shutdown(pcb, 0, 1) != ERR_OK) {
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  tcp_output(pcb);
  return ERR_OK;
}

static err_t conn_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
  struct httpd *s = (struct httpd *)arg;
  if (err != ERR_OK || pcb == NULL) {
    return ERR_VAL;
  }
  if (s->nconns >= s->cfg.max_conns) {
    return refuse(s, pcb);
  }
  struct httpd_conn *c = (struct httpd_conn *)mem_calloc(1, sizeof(*c));
  if (c == NULL) {
    s->stats.conn_no_mem++;
    LWIP_DROP(HTTP_NO_MEM);
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  c->srv = s;
  c->pcb = pcb;
  c->last_ms = sys_now();
  c->req_start = c->last_ms;
  c->next = s->conns;
  s->conns = c;
  s->nconns++;
  s->stats.connections++;
  tcp_arg(pcb, c);
  tcp_recv(pcb, conn_recv);
  tcp_sent(pcb, conn_sent);
  tcp_err(pcb, conn_err);
  tcp_poll(pcb, conn_poll, POLL_TICKS);
  /* Responses are whole messages written at once: Nagle would only hold
   * back the last segment of each while the previous one is unacked. */
  tcp_nagle_disable(pcb);
  return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Start, stop, introspection                                              */
/* ---------------------------------------------------------------------- */

err_t httpd_start(struct httpd *s, const struct httpd_config *cfg)
{
  if (s == NULL) {
    return ERR_ARG;
  }
  memset(s, 0, sizeof(*s));
  struct httpd_config c;
  if (cfg != NULL) {
    c = *cfg;
  } else {
    memset(&c, 0, sizeof(c));
  }
  if (c.port == 0) {
    c.port = HTTPD_DEFAULT_PORT;
  }
  if (c.fs == NULL) {
    c.fs = &fs_rom_ops;
    c.fs_arg = (void *)(uintptr_t)&fs_rom_default;
  }
  if (c.max_conns == 0) {
    c.max_conns = HTTPD_DEFAULT_MAX_CONNS;
  }
  if (c.idle_timeout_ms == 0) {
    c.idle_timeout_ms = HTTPD_DEFAULT_IDLE_MS;
  }
  if (c.max_header == 0) {
    c.max_header = HTTPD_DEFAULT_MAX_HEADER;
  }
  if (c.fs->open == NULL || c.fs->read == NULL || c.fs->close == NULL || c.max_conns > 4096 ||
      c.idle_timeout_ms < 1000 || c.idle_timeout_ms > 3600000UL || c.max_header < HTTPD_MIN_MAX_HEADER ||
      c.max_header > HTTPD_MAX_MAX_HEADER) {
    return ERR_ARG;
  }
  /* No address: every address of both families (when IPv6 is built). */
  const ip_addr_t *addr = c.addr != NULL ? c.addr : (LWIP_IPV6 ? IP_ANY_TYPE : IP_ADDR_ANY);
  struct tcp_pcb *pcb = tcp_new_ip_type(IP_GET_TYPE(addr));
  if (pcb == NULL) {
    return ERR_MEM;
  }
  ip_set_option(pcb, SOF_REUSEADDR);
  err_t err = tcp_bind(pcb, addr, c.port);
  struct tcp_pcb *l = err == ERR_OK ? tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err) : NULL;
  if (l == NULL) {
    tcp_close(pcb);
    return err;
  }
  s->cfg = c;
  s->cfg.addr = NULL; /* not kept: the caller's storage */
  s->listener = l;
  s->started_ms = sys_now();
  tcp_arg(l, s);
  tcp_accept(l, conn_accept);
  LWIP_LOG(HTTP, INFO, "listening on port %u (%u connections at most)", c.port, c.max_conns);
  return ERR_OK;
}

void httpd_stop(struct httpd *s)
{
  if (s == NULL || s->listener == NULL) {
    return;
  }
  tcp_close(s->listener);
  while (s->conns != NULL) {
    struct httpd_conn *c = s->conns;
    conn_abort(c);
  }
  LWIP_LOG(HTTP, INFO, "stopped");
  memset(s, 0, sizeof(*s));
}

bool httpd_running(const struct httpd *s)
{
  return s != NULL && s->listener != NULL;
}

const struct httpd_config *httpd_get_config(const struct httpd *s)
{
  return &s->cfg;
}

const struct httpd_stats *httpd_get_stats(const struct httpd *s)
{
  return &s->stats;
}

u16_t httpd_open_conns(const struct httpd *s)
{
  return s->nconns;
}

void httpd_foreach_conn(const struct httpd *s, void (*fn)(const struct httpd_conn_info *ci, void *arg), void *arg)
{
  u32_t now = sys_now();
  for (const struct httpd_conn *c = s->conns; c != NULL; c = c->next) {
    struct httpd_conn_info ci;
    memset(&ci, 0, sizeof(ci));
    struct tcp_conn_info ti;
    tcp_get_info(c->pcb, &ti);
    ci.remote_ip = ti.remote_ip;
    ci.remote_port = ti.remote_port;
    ci.phase = c->phase;
    ci.status = c->status;
    ci.requests = c->requests;
    ci.left = c->left;
    ci.pending = c->rx != NULL ? c->rx->tot_len : 0U;
    ci.idle_ms = now - c->last_ms;
    fn(&ci, arg);
  }
}

#endif /* LWIP_TCP */
