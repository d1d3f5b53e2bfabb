/* Unit tests for core/apps/httpd.c and fs.c (lwip/apps/httpd.h, fs.h):
 * GET and HEAD from the ROM page set and from a fake backend, keep-alive
 * and pipelining, byte ranges (206, 416, ignored), every refusal with its
 * drop reason (400, 405, 413, 414, 431, 501, 505), the connection limit,
 * the idle and request timeouts, the status page, a large file streamed
 * in bounded reads, a backend read failure, HTTP/1.0, stop with
 * connections open, start errors and allocation failures.
 *
 * The test plays the HTTP client 10.0.0.1 with the TCP fixture's segment
 * builder and parser, on the virtual clock; the teardown fails on any
 * pool element, heap byte or open file left behind. */
#include "test_tcp_common.h"

#include <stdio.h>
#include <stdlib.h>

#include "lwip/apps/httpd.h"

#if LWIP_TCP

#define PORT 80U


static struct httpd srv;

/* ---------------------------------------------------------------------- */
/* A fake backend: a small text file, a large patterned one, one whose    */
/* reads fail part way, and one that is "out of descriptors"              */
/* ---------------------------------------------------------------------- */

/* Larger than the TCP send buffer, so a transfer is still mid-file
 * after the server has written all it can (and than the ranges asked). */
#define BIG_SIZE LWIP_MAX(300000U, (u32_t)TCP_SND_BUF + 40000U)
#define FAIL_AT 3000U
static const char small_txt[] = "hello world\n";
static int fs_open_files;
static u32_t fs_reads, fs_read_bytes, fs_max_read;
static u8_t fs_chunk[8192];

static u8_t big_byte(u32_t i)
{
  return (u8_t)(i * 7U + (i >> 9));
}

static err_t fake_open(void *arg, const char *path, struct fs_file *f)
{
  (void)arg;
  static const struct {
    const char *path;
    u32_t size;
  } files[] = {{"/a.txt", sizeof(small_txt) - 1U},
               {"/big.bin", BIG_SIZE},
               {"/fail.bin", BIG_SIZE},
               {"/dir/index.html", 5},
               {"/x.unknownext", 1}};
  if (strcmp(path, "/busy") == 0) {
    return ERR_MEM;
  }
  for (size_t i = 0; i < LWIP_ARRAYSIZE(files); i++) {
    if (strcmp(path, files[i].path) == 0) {
      f->size = files[i].size;
      f->num = (intptr_t)i;
      fs_open_files++;
      return ERR_OK;
    }
  }
  return ERR_VAL;
}

static const u8_t *fake_read(void *arg, struct fs_file *f, u32_t off, u32_t len, u32_t *got)
{
  (void)arg;
  assert_true(len > 0 && off + len <= f->size);
  fs_reads++;
  fs_max_read = LWIP_MAX(fs_max_read, len);
  u32_t n = LWIP_MIN(len, (u32_t)sizeof(fs_chunk));
  switch (f->num) {
  case 0:
    *got = len;
    return (const u8_t *)small_txt + off;
  case 2:
    if (off >= FAIL_AT) {
      return NULL;
    }
    /* fall through */
  case 1:
    for (u32_t i = 0; i < n; i++) {
      fs_chunk[i] = big_byte(off + i);
    }
    fs_read_bytes += n;
    *got = n;
    return fs_chunk;
  default:
    memset(fs_chunk, 'x', n);
    *got = n;
    return fs_chunk;
  }
}

static void fake_close(void *arg, struct fs_file *f)
{
  (void)arg;
  (void)f;
  fs_open_files--;
}

static const struct fs_ops fake_fs = {fake_open, fake_read, fake_close};

/* ---------------------------------------------------------------------- */
/* The client                                                              */
/* ---------------------------------------------------------------------- */

struct client {
  struct tt_conn c;
  u8_t in[BIG_SIZE + 4096]; /* what the server sent, in order */
  u32_t len, rd;            /* received; parsed up to */
  int fins, rsts;
};
static struct client cl1, cl2, cl3;

static void start(const struct httpd_config *cfg)
{
  struct httpd_config c;
  memset(&c, 0, sizeof(c));
  if (cfg != NULL) {
    c = *cfg;
  } else {
    c.fs = &fake_fs;
  }
  c.port = PORT;
  assert_int_equal(httpd_start(&srv, &c), ERR_OK);
}

static int setup(void **state)
{
  fs_open_files = 0;
  fs_reads = fs_read_bytes = fs_max_read = 0;
  return tt_setup(state);
}

static int teardown(void **state)
{
  httpd_stop(&srv);
  assert_int_equal(fs_open_files, 0);
  return tt_teardown(state);
}

/* Read what the stack sent to @p k; acknowledge new data.  @return the
 * number of segments seen. */
static int drain(struct client *k)
{
  struct tt_seg s;
  int n = 0;
  bool ack = false;
  while (tt_pop(&s)) {
    n++;
    if (s.dport != k->c.peer_port) {
      continue; /* another client's: looked at by its own drain */
    }
    if (s.flags & TCP_RST) {
      k->rsts++;
      continue;
    }
    u32_t end = s.seq + s.len;
    if (s.len > 0 && TCP_SEQ_LEQ(s.seq, k->c.our_nxt) && TCP_SEQ_LT(k->c.our_nxt, end)) {
      u32_t skip = k->c.our_nxt - s.seq;
      u32_t m = s.len - skip;
      assert_true(m <= TT_MAX_DATA && k->len + m <= sizeof(k->in));
      memcpy(k->in + k->len, s.data + skip, m);
      k->len += m;
      k->c.our_nxt += m;
      ack = true;
    }
    if ((s.flags & TCP_FIN) && end == k->c.our_nxt) {
      k->c.our_nxt++;
      k->fins++;
      ack = true;
    }
  }
  if (ack && k->rsts == 0) {
    tt_send(&k->c, TCP_ACK, NULL, 0);
  }
  return n;
}

static void connect_client(struct client *k)
{
  memset(k, 0, sizeof(*k));
  tt_conn_init(&k->c, TT_OPT_NONE, TT_PEER_ISN);
  k->c.our_port = PORT;
  tt_send(&k->c, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  k->c.our_iss = s.seq;
  k->c.our_nxt = s.seq + 1U;
  tt_send(&k->c, TCP_ACK, NULL, 0);
}

static void send_str(struct client *k, const char *text)
{
  size_t n = strlen(text);
  for (size_t o = 0; o < n; o += 1000) {
    tt_send(&k->c, TCP_ACK | TCP_PSH, text + o, (u16_t)LWIP_MIN(n - o, 1000U));
  }
}

/* A response as the client parses it. */
struct resp {
  int status;
  char head[1024];
  long clen; /* -1: none */
  const u8_t *body;
};

/* Parse the next response in k->in (no body for HEAD).  @return false when
 * it is not all there. */
static bool parse_resp(struct client *k, struct resp *r, bool head)
{
  const char *base = (const char *)k->in + k->rd;
  u32_t avail = k->len - k->rd;
  const char *end = NULL;
  for (u32_t i = 0; i + 4 <= avail; i++) {
    if (memcmp(base + i, "\r\n\r\n", 4) == 0) {
      end = base + i + 4;
      break;
    }
  }
  if (end == NULL) {
    return false;
  }
  size_t hn = (size_t)(end - base);
  assert_true(hn < sizeof(r->head));
  memcpy(r->head, base, hn);
  r->head[hn] = '\0';
  assert_int_equal(sscanf(r->head, "HTTP/1.1 %d ", &r->status), 1);
  const char *cl = strstr(r->head, "\r\nContent-Length: ");
  r->clen = cl != NULL ? atol(cl + 18) : -1;
  u32_t body = head || r->clen < 0 ? 0U : (u32_t)r->clen;
  if (hn + body > avail) {
    return false;
  }
  r->body = (const u8_t *)end;
  k->rd += (u32_t)(hn + body);
  return true;
}

/* Move the clock until @p k has a whole response (or @p max_ms pass). */
static struct resp get_resp(struct client *k, bool head)
{
  struct resp r;
  memset(&r, 0, sizeof(r));
  for (int i = 0; i < 20000; i++) {
    drain(k);
    if (parse_resp(k, &r, head)) {
      return r;
    }
    test_clock_advance(10);
  }
  fail_msg("no complete response (%u bytes in)", (unsigned)(k->len - k->rd));
  return r;
}

static bool has_field(const struct resp *r, const char *line)
{
  return strstr(r->head, line) != NULL;
}

/* Run the clock until the server's FIN (or RST) reached @p k. */
static void wait_closed(struct client *k)
{
  for (int i = 0; i < 1000 && k->fins == 0 && k->rsts == 0; i++) {
    drain(k);
    if (k->fins == 0 && k->rsts == 0) {
      test_clock_advance(10);
    }
  }
  assert_true(k->fins == 1 || k->rsts > 0);
}

/* The client closes; the server finishes closing. */
static void client_close(struct client *k)
{
  tt_send(&k->c, TCP_FIN | TCP_ACK, NULL, 0);
  wait_closed(k);
  drain(k);
}

static struct resp request(struct client *k, const char *req, bool head)
{
  send_str(k, req);
  return get_resp(k, head);
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: t\r\n\r\n"

/* ---------------------------------------------------------------------- */
/* Cases                                                                   */
/* ---------------------------------------------------------------------- */

/* The built-in ROM page set, two files over one connection. */
static void rom_pages_keep_alive(void **state)
{
  (void)state;
  struct httpd_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  start(&cfg); /* fs NULL: fs_rom_default */
  connect_client(&cl1);
  struct resp r = request(&cl1, GET("/"), false);
  assert_int_equal(r.status, 200);
  assert_true(has_field(&r, "\r\nContent-Type: text/html; charset=utf-8\r\n"));
  assert_true(r.clen > 100);
  assert_memory_equal(r.body, "<!DOCTYPE html>", 15);
  assert_false(has_field(&r, "Connection: close"));
  r = request(&cl1, GET("/style.css"), false);
  assert_int_equal(r.status, 200);
  assert_true(has_field(&r, "\r\nContent-Type: text/css\r\n"));
  r = request(&cl1, GET("/missing.html"), false);
  assert_int_equal(r.status, 404);
  assert_int_equal(cl1.fins, 0);
  assert_int_equal(httpd_get_stats(&srv)->connections, 1);
  assert_int_equal(httpd_get_stats(&srv)->requests, 3);
  assert_int_equal(httpd_get_stats(&srv)->not_found, 1);
  client_close(&cl1);
  assert_int_equal(httpd_open_conns(&srv), 0);
}

/* HEAD: the GET's header fields, no body; the next response follows at once. */
static void head_then_get(void **state)
{
  (void)state;
  start(NULL);
  connect_client(&cl1);
  struct resp r = request(&cl1, "HEAD /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", true);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.clen, 12);
  assert_true(has_field(&r, "\r\nAccept-Ranges: bytes\r\n"));
  assert_int_equal(cl1.len, cl1.rd); /* not one body byte */
  r = request(&cl1, GET("/a.txt"), false);
  assert_int_equal(r.status, 200);
  assert_memory_equal(r.body, small_txt, 12);
  assert_int_equal(cl1.len, cl1.rd);
  /* HEAD of a missing file: a 404 head without its text. */
  r = request(&cl1, "HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n", true);
  assert_int_equal(r.status, 404);
  assert_true(r.clen > 0);
  r = request(&cl1, GET("/x.unknownext"), false);
  assert_true(has_field(&r, "Content-Type: application/octet-stream\r\n"));
  client_close(&cl1);
}

/* Three requests in one segment: three responses in order. */
static void pipelining(void **state)
{
  (void)state;
  start(NULL);
  connect_client(&cl1);
  send_str(&cl1, GET("/a.txt") "HEAD /a.txt HTTP/1.1\r\nHost: t\r\n\r\n\r\n" GET("/nope") GET("/big.bin"));
  struct resp r = get_resp(&cl1, false);
  assert_int_equal(r.status, 200);
  assert_memory_equal(r.body, small_txt, 12);
  r = get_resp(&cl1, true);
  assert_int_equal(r.status, 200);
  r = get_resp(&cl1, false);
  assert_int_equal(r.status, 404);
  r = get_resp(&cl1, false);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.clen, BIG_SIZE);
  assert_int_equal(httpd_get_stats(&srv)->requests, 4);
  assert_int_equal(httpd_get_stats(&srv)->pipelined, 3);
  client_close(&cl1);
}

static struct resp range_req(struct client *k, const char *spec)
{
  char req[256];
  snprintf(req, sizeof(req), "GET /a.txt HTTP/1.1\r\nHost: t\r\nRange: %s\r\n\r\n", spec);
  return request(k, req, false);
}

static void ranges(void **state)
{
  (void)state;
  start(NULL);
  connect_client(&cl1);
  struct resp r = range_req(&cl1, "bytes=0-4");
  assert_int_equal(r.status, 206);
  assert_true(has_field(&r, "\r\nContent-Range: bytes 0-4/12\r\n"));
  assert_int_equal(r.clen, 5);
  assert_memory_equal(r.body, "hello", 5);
  r = range_req(&cl1, "bytes=6-");
  assert_int_equal(r.status, 206);
  assert_memory_equal(r.body, "world\n", 6);
  r = range_req(&cl1, "bytes=-3");
  assert_true(has_field(&r, "Content-Range: bytes 9-11/12\r\n"));
  assert_memory_equal(r.body, "ld\n", 3);
  r = range_req(&cl1, "bytes=-100"); /* longer than the file: all of it */
  assert_true(has_field(&r, "Content-Range: bytes 0-11/12\r\n"));
  r = range_req(&cl1, "bytes=3-999");
  assert_true(has_field(&r, "Content-Range: bytes 3-11/12\r\n"));
  /* Unsatisfiable: 416 with the length; the connection stays. */
  r = range_req(&cl1, "bytes=12-20");
  assert_int_equal(r.status, 416);
  assert_true(has_field(&r, "\r\nContent-Range: bytes */12\r\n"));
  r = range_req(&cl1, "bytes=-0");
  assert_int_equal(r.status, 416);
  /* Ignored: served whole. */
  const char *ignored[] = {"bytes=5-2", "bytes=0-1,3-4", "lines=1-2", "bytes=x-3", "bytes=", "bytes=99999999999-"};
  for (size_t i = 0; i < LWIP_ARRAYSIZE(ignored); i++) {
    r = range_req(&cl1, ignored[i]);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.clen, 12);
  }
  /* HEAD ignores Range (defined for GET only). */
  r = request(&cl1, "HEAD /a.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1\r\n\r\n", true);
  assert_int_equal(r.status, 200);
  /* A range of a large file. */
  r = range_req(&cl1, "bytes=0-0");
  assert_int_equal(r.clen, 1);
  send_str(&cl1, "GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=250000-\r\n\r\n");
  r = get_resp(&cl1, false);
  assert_int_equal(r.status, 206);
  assert_int_equal(r.clen, BIG_SIZE - 250000U);
  for (u32_t i = 0; i < BIG_SIZE - 250000U; i++) {
    assert_int_equal(r.body[i], big_byte(250000U + i));
  }
  assert_int_equal(httpd_get_stats(&srv)->unsatisfiable, 2);
  assert_int_equal(cl1.fins, 0);
  client_close(&cl1);
}

/* A request that must be refused, on a fresh connection: the status, and
 * whether the server closes afterwards. */
static void refused(const char *req, int status, bool closes)
{
  connect_client(&cl1);
  send_str(&cl1, req);
  struct resp r = get_resp(&cl1, false);
  assert_int_equal(r.status, status);
  if (closes) {
    assert_true(has_field(&r, "\r\nConnection: close\r\n"));
    wait_closed(&cl1);
    assert_int_equal(cl1.rsts, 0);
    tt_send(&cl1.c, TCP_FIN | TCP_ACK, NULL, 0);
    drain(&cl1);
  } else {
    assert_false(has_field(&r, "Connection: close"));
    r = request(&cl1, GET("/a.txt"), false); /* still usable */
    assert_int_equal(r.status, 200);
    client_close(&cl1);
  }
  test_clock_advance(5000);
  assert_int_equal(httpd_open_conns(&srv), 0);
}

static void refusals(void **state)
{
  (void)state;
  start(NULL);
  u32_t bad = DROPS(HTTP_BAD_REQUEST);
  refused("GET /a.txt HTTP/1.1\r\n\r\n", 400, true);                       /* no Host */
  refused("GET /a.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, true); /* two */
  refused("GET /a.txt HTTP/1.1\r\nHost : t\r\n\r\n", 400, true);           /* space before colon */
  refused("GET /a.txt HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n", 400, true); /* obs-fold */
  refused("GET /a.txt HTTP/1.1\r\nHost: t\r\nnocolon\r\n\r\n", 400, true);
  refused("GET a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 400, true);          /* not origin-form */
  refused("GET /../etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n", 400, true); /* dot segments */
  refused("GET /a/%2e%2e/b HTTP/1.1\r\nHost: t\r\n\r\n", 400, true);
  refused("GET /a%00b HTTP/1.1\r\nHost: t\r\n\r\n", 400, true);
  refused("GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n", 400, true);
  refused("GET /a.txt HTTP/1.x\r\nHost: t\r\n\r\n", 400, true);
  refused("GET /a.txt\r\nHost: t\r\n\r\n", 400, true); /* HTTP/0.9 */
  refused("G(T /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 400, true);
  refused("GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n", 400, true);
  refused("GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, true);
  CHECK_DROPS(assert_int_equal(DROPS(HTTP_BAD_REQUEST) - bad, 15));

  u32_t ver = DROPS(HTTP_BAD_VERSION);
  refused("GET /a.txt HTTP/2.0\r\nHost: t\r\n\r\n", 505, true);
  CHECK_DROPS(assert_int_equal(DROPS(HTTP_BAD_VERSION) - ver, 1));
  u32_t ni = DROPS(HTTP_NOT_IMPLEMENTED);
  refused("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", 501, true);
  refused("GET /a.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n", 501, true);
  CHECK_DROPS(assert_int_equal(DROPS(HTTP_NOT_IMPLEMENTED) - ni, 2));

  /* 405 keeps the connection when there is no content to skip. */
  connect_client(&cl1);
  struct resp r = request(&cl1, "POST /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", false);
  assert_int_equal(r.status, 405);
  assert_true(has_field(&r, "\r\nAllow: GET, HEAD\r\n"));
  client_close(&cl1);
  refused("DELETE /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 405, false);
  refused("PUT /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 405, true);

  u32_t big = DROPS(HTTP_TOO_LARGE);
  refused("GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", 413, true);
  char req[6000];
  memset(req, 0, sizeof(req));
  strcpy(req, "GET /");
  memset(req + 5, 'a', HTTPD_MAX_URI);
  strcat(req, " HTTP/1.1\r\nHost: t\r\n\r\n");
  refused(req, 414, true);
  /* A request line that never ends: 414 before the head is complete. */
  memset(req, 0, sizeof(req));
  strcpy(req, "GET /");
  memset(req + 5, 'b', 1000);
  refused(req, 414, true);
  /* A head over max_header (4096 by default): 431. */
  memset(req, 0, sizeof(req));
  strcpy(req, "GET /a.txt HTTP/1.1\r\nHost: t\r\n");
  for (int i = 0; i < 60; i++) {
    strcat(req, "X-Filler: 0123456789012345678901234567890123456789012345678901234567\r\n");
  }
  refused(req, 431, true);
  CHECK_DROPS(assert_int_equal(DROPS(HTTP_TOO_LARGE) - big, 4));
  assert_int_equal(httpd_get_stats(&srv)->bad_requests, 25);
  /* The longest target accepted is a 404, not a 414. */
  memset(req, 0, sizeof(req));
  strcpy(req, "GET /");
  memset(req + 5, 'c', HTTPD_MAX_URI - 1U);
  strcat(req, " HTTP/1.1\r\nHost: t\r\n\r\n");
  refused(req, 404, false);
  /* Out of descriptors in the backend: 503, the connection stays. */
  refused(GET("/busy"), 503, false);
}

/* HTTP/1.0: closes unless asked to keep alive; absolute-form target. */
static void http10(void **state)
{
  (void)state;
  start(NULL);
  connect_client(&cl1);
  struct resp r = request(&cl1, "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false);
  assert_int_equal(r.status, 200);
  assert_true(has_field(&r, "\r\nConnection: keep-alive\r\n"));
  r = request(&cl1, "GET http://t/dir/ HTTP/1.1\r\nHost: t\r\n\r\n", false);
  assert_int_equal(r.status, 200); /* /dir/ -> /dir/index.html */
  assert_true(has_field(&r, "text/html"));
  r = request(&cl1, "GET /a.txt?x=1 HTTP/1.0\r\n\r\n", false);
  assert_int_equal(r.status, 200);
  assert_true(has_field(&r, "\r\nConnection: close\r\n"));
  wait_closed(&cl1);
  tt_send(&cl1.c, TCP_FIN | TCP_ACK, NULL, 0);
  drain(&cl1);
  test_clock_advance(100);
  assert_int_equal(httpd_open_conns(&srv), 0);
  /* HTTP/1.1 asking to close. */
  connect_client(&cl1);
  r = request(&cl1, "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", false);
  assert_true(has_field(&r, "\r\nConnection: close\r\n"));
  wait_closed(&cl1);
  tt_send(&cl1.c, TCP_FIN | TCP_ACK, NULL, 0);
  drain(&cl1);
}

/* A 300 kB file is streamed: many bounded reads, each byte read once. */
static void large_file_streamed(void **state)
{
  (void)state;
  start(NULL);
  connect_client(&cl1);
  struct resp r = request(&cl1, GET("/big.bin"), false);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.clen, BIG_SIZE);
  for (u32_t i = 0; i < BIG_SIZE; i++) {
    if (r.body[i] != big_byte(i)) {
      fail_msg("byte %u differs", (unsigned)i);
    }
  }
  assert_true(fs_reads >= BIG_SIZE / 16384U);
  assert_true(fs_max_read <= 16384U);
  assert_int_equal(fs_read_bytes, BIG_SIZE);
  assert_true(httpd_get_stats(&srv)->tx_body_bytes == BIG_SIZE);
  client_close(&cl1);
}

/* A read failure after the header: the connection is reset. */
static void read_failure_resets(void **state)
{
  (void)state;
  start(NULL);
  connect_client(&cl1);
  send_str(&cl1, GET("/fail.bin"));
  for (int i = 0; i < 500 && cl1.rsts == 0; i++) {
    drain(&cl1);
    test_clock_advance(10);
  }
  assert_true(cl1.rsts > 0);
  assert_int_equal(httpd_get_stats(&srv)->io_errors, 1);
  assert_int_equal(httpd_open_conns(&srv), 0);
}

static void conn_limit(void **state)
{
  (void)state;
  struct httpd_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.fs = &fake_fs;
  cfg.max_conns = 2;
  start(&cfg);
  u32_t lim = DROPS(HTTP_CONN_LIMIT);
  connect_client(&cl1);
  connect_client(&cl2);
  connect_client(&cl3);
  send_str(&cl3, GET("/a.txt"));
  struct resp r = get_resp(&cl3, false);
  assert_int_equal(r.status, 503);
  assert_true(has_field(&r, "\r\nConnection: close\r\n"));
  assert_true(has_field(&r, "\r\nRetry-After: 1\r\n"));
  wait_closed(&cl3);
  tt_send(&cl3.c, TCP_FIN | TCP_ACK, NULL, 0);
  drain(&cl3);
  assert_int_equal(httpd_get_stats(&srv)->refused, 1);
  CHECK_DROPS(assert_int_equal(DROPS(HTTP_CONN_LIMIT) - lim, 1));
  /* The two admitted ones work. */
  assert_int_equal(request(&cl1, GET("/a.txt"), false).status, 200);
  assert_int_equal(request(&cl2, GET("/a.txt"), false).status, 200);
  /* A refused peer that never closes is aborted after the linger time. */
  connect_client(&cl3);
  test_clock_advance(3000);
  drain(&cl3);
  assert_true(cl3.rsts > 0);
  client_close(&cl1);
  client_close(&cl2);
}

static void timeouts(void **state)
{
  (void)state;
  struct httpd_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.fs = &fake_fs;
  cfg.idle_timeout_ms = 2000;
  start(&cfg);
  /* Idle after a response: closed. */
  connect_client(&cl1);
  assert_int_equal(request(&cl1, GET("/a.txt"), false).status, 200);
  test_clock_advance(1500);
  drain(&cl1);
  assert_int_equal(cl1.fins, 0);
  test_clock_advance(1500);
  wait_closed(&cl1);
  tt_send(&cl1.c, TCP_FIN | TCP_ACK, NULL, 0);
  drain(&cl1);
  /* A head that never completes: 408. */
  u32_t to = DROPS(HTTP_TIMEOUT);
  connect_client(&cl2);
  send_str(&cl2, "GET /a.txt HTTP/1.1\r\nHo");
  test_clock_advance(1000);
  send_str(&cl2, "st: t\r\n"); /* trickling does not extend the deadline */
  struct resp r = get_resp(&cl2, false);
  assert_int_equal(r.status, 408);
  wait_closed(&cl2);
  tt_send(&cl2.c, TCP_FIN | TCP_ACK, NULL, 0);
  drain(&cl2);
  CHECK_DROPS(assert_int_equal(DROPS(HTTP_TIMEOUT) - to, 1));
  assert_int_equal(httpd_get_stats(&srv)->timeouts, 2);
  test_clock_advance(3000);
  assert_int_equal(httpd_open_conns(&srv), 0);
}

static void status_page(void **state)
{
  (void)state;
  start(NULL);
  connect_client(&cl1);
  assert_int_equal(request(&cl1, GET("/a.txt"), false).status, 200);
  struct resp r = request(&cl1, GET("/status"), false);
  assert_int_equal(r.status, 200);
  assert_true(has_field(&r, "text/plain"));
  assert_true(has_field(&r, "\r\nCache-Control: no-store\r\n"));
  char body[8192];
  assert_true(r.clen > 0 && r.clen < (long)sizeof(body));
  memcpy(body, r.body, (size_t)r.clen);
  body[r.clen] = '\0';
  assert_non_null(strstr(body, "http.requests 2\n"));
  assert_non_null(strstr(body, "http.open 1\n"));
#if LWIP_STATS
  assert_non_null(strstr(body, "\ntcp recv "));
  assert_non_null(strstr(body, "\nheap.used "));
#endif
  client_close(&cl1);
}

/* Stop with one connection mid-file and one idle: both reset, nothing left. */
static void stop_with_connections(void **state)
{
  (void)state;
  start(NULL);
  connect_client(&cl1);
  connect_client(&cl2);
  send_str(&cl1, GET("/big.bin"));
  drain(&cl1);
  assert_int_equal(httpd_open_conns(&srv), 2);
  assert_int_equal(fs_open_files, 1);
  httpd_stop(&srv);
  assert_false(httpd_running(&srv));
  assert_int_equal(fs_open_files, 0);
  drain(&cl1);
  drain(&cl2);
}

static void start_errors(void **state)
{
  (void)state;
  struct httpd_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  assert_int_equal(httpd_start(NULL, &cfg), ERR_ARG);
  cfg.max_header = 100;
  assert_int_equal(httpd_start(&srv, &cfg), ERR_ARG);
  cfg.max_header = 0;
  cfg.idle_timeout_ms = 10;
  assert_int_equal(httpd_start(&srv, &cfg), ERR_ARG);
  cfg.idle_timeout_ms = 0;
  static const struct fs_ops no_read = {fake_open, NULL, fake_close};
  cfg.fs = &no_read;
  assert_int_equal(httpd_start(&srv, &cfg), ERR_ARG);
  assert_false(httpd_running(&srv));
  cfg.fs = NULL;
  assert_int_equal(httpd_start(&srv, &cfg), ERR_OK);
  assert_int_equal(httpd_get_config(&srv)->port, HTTPD_DEFAULT_PORT);
  struct httpd other;
  assert_int_equal(httpd_start(&other, &cfg), ERR_USE);
  assert_false(httpd_running(&other));
  httpd_stop(&other);
  assert_string_equal(httpd_content_type("/a/b.HTML"), "text/html; charset=utf-8");
  assert_string_equal(httpd_content_type("/a.d/b"), "application/octet-stream");
  assert_string_equal(httpd_phase_name(HTTPD_PH_SEND), "send");
}

/* An allocation failure at each point of accepting a connection and of
 * answering two requests (a file and the status page): a reset (counted),
 * a 503, or a response delayed until memory is back; never a crash or a
 * leak. */
static void alloc_failures(void **state)
{
  (void)state;
  start(NULL);
  u32_t nm = DROPS(HTTP_NO_MEM);
  for (u32_t n = 1; n < 12; n++) {
    for (int phase = 0; phase < 2; phase++) {
      memset(&cl1, 0, sizeof(cl1));
      tt_conn_init(&cl1.c, TT_OPT_NONE, TT_PEER_ISN + n * 100000U);
      cl1.c.our_port = PORT;
      tt_send(&cl1.c, TCP_SYN, NULL, 0);
      struct tt_seg s;
      assert_true(tt_pop(&s));
      assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
      cl1.c.our_iss = s.seq;
      cl1.c.our_nxt = s.seq + 1U;
      if (phase == 0) {
        tt_fail_next_inject(n); /* while the handshake's last ACK is taken */
      }
      tt_send(&cl1.c, TCP_ACK, NULL, 0);
      if (phase == 1) {
        tt_fail_next_inject(n); /* while the requests are taken and answered */
      }
      send_str(&cl1, GET("/a.txt") GET("/status"));
      for (int i = 0; i < 30 && cl1.rsts == 0; i++) {
        drain(&cl1);
        test_clock_advance(100);
      }
      struct resp r;
      while (parse_resp(&cl1, &r, false)) {
        assert_true(r.status == 200 || r.status == 503); /* 503: no memory for the status page */
      }
      if (cl1.rsts == 0) {
        tt_send(&cl1.c, TCP_RST | TCP_ACK, NULL, 0);
      }
      drain(&cl1);
    }
  }
  test_clock_advance(5000);
  CHECK_DROPS(assert_true(DROPS(HTTP_NO_MEM) - nm >= 1));
  assert_int_equal(httpd_open_conns(&srv), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(rom_pages_keep_alive, setup, teardown),
      cmocka_unit_test_setup_teardown(head_then_get, setup, teardown),
      cmocka_unit_test_setup_teardown(pipelining, setup, teardown),
      cmocka_unit_test_setup_teardown(ranges, setup, teardown),
      cmocka_unit_test_setup_teardown(refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(http10, setup, teardown),
      cmocka_unit_test_setup_teardown(large_file_streamed, setup, teardown),
      cmocka_unit_test_setup_teardown(read_failure_resets, setup, teardown),
      cmocka_unit_test_setup_teardown(conn_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(timeouts, setup, teardown),
      cmocka_unit_test_setup_teardown(status_page, setup, teardown),
      cmocka_unit_test_setup_teardown(stop_with_connections, setup, teardown),
      cmocka_unit_test_setup_teardown(start_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(alloc_failures, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
int main(void)
{
  return 0;
}
#endif
