/**
 * @file libfuzzer_ctl.c
 * libFuzzer target for the control protocol's request parser
 * (daemon/ctlproto.c): the input is a byte stream as a client would send
 * it, cut into lines at LF the way the server cuts it, each line parsed.
 * Checks, beyond "no crash, no leak" (ASan): a line is either accepted
 * with a string cmd and an object args, or refused with one of the three
 * protocol error codes; an over-long line is always refused as too_long;
 * every reply the server would build from the outcome serialises.
 *
 * Without libFuzzer (LWIP_CTL_FUZZ_MAIN) the same checks run over a seeded
 * set of hostile lines, so every build exercises them.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"

static void check(int cond, const char *what)
{
  if (!cond) {
    fprintf(stderr, "libfuzzer_ctl: invariant broken: %s\n", what);
    abort();
  }
}

/* Build and serialise the reply the server would send, as ctl.c does. */
static void reply(const struct ctl_request *q, const char *code, const char *msg)
{
  json_t *o = code != NULL
                  ? json_pack("{s:O, s:b, s:{s:s, s:s}}", "id", q->id ? q->id : json_null(), "ok", 0, "error", "code",
                              code, "message", msg)
                  : json_pack("{s:O, s:b, s:o}", "id", q->id ? q->id : json_null(), "ok", 1, "result", json_object());
  check(o != NULL, "reply packs");
  char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
  check(text != NULL && strchr(text, '\n') == NULL, "reply is one line");
  free(text);
  json_decref(o);
}

static void one_line(const char *line, size_t len)
{
  struct ctl_request q;
  char msg[200];
  const char *code = ctl_request_parse(line, len, &q, msg, sizeof(msg));
  if (len > CTL_MAX_LINE) {
    check(code != NULL && strcmp(code, "too_long") == 0, "over-long line refused as too_long");
  }
  if (code == NULL) {
    check(q.cmd != NULL && json_is_object(q.args) && json_is_object(q.root), "accepted request is well formed");
  } else {
    check(strcmp(code, "too_long") == 0 || strcmp(code, "parse_error") == 0 || strcmp(code, "bad_request") == 0,
          "error code is a protocol code");
    check(msg[0] != '\0', "error has a message");
  }
  reply(&q, code, msg);
  ctl_request_clear(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = (const char *)data, *end = p + size;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
    one_line(p, len);
    p += len + (nl != NULL);
  }
  return 0;
}

#ifdef LWIP_CTL_FUZZ_MAIN
static const char *const seeds[] = {
    "{\"id\":1,\"cmd\":\"status\"}",
    "{\"id\":1,\"cmd\":\"status\",\"args\":{}}",
    "{\"cmd\":5}",
    "{\"id\":[1,2],\"cmd\":\"x\",\"args\":[]}",
    "{\"id\":1,\"id\":2,\"cmd\":\"status\"}",
    "[1,2,3]",
    "\"just a string\"",
    "{\"cmd\":\"\xff\xfe\"}",
    "{\"cmd\":\"a\\u0000b\"}",
    "",
    "{",
    "nan",
    "{\"id\":3,\"cmd\":\"sock.poll\",\"args\":{\"fds\":[{\"fd\":0,\"events\":[\"in\"]}],\"timeout_ms\":5}}",
    "{\"id\":4,\"cmd\":\"tcp.limits\",\"args\":{\"user_timeout_ms\":3000}}\n{\"cmd\":\"help\"}",
    /* libFuzzer's find: jansson quotes the token it choked on, raw bytes
     * included, so the parse error's message was not UTF-8 and the error
     * reply could not be built (the daemon sent nothing at all). */
    "{\"cmd\":\"i\",\"args\":{\"x\\\xc4\x95\"}}",
    "{\"cmd\":\"i\",\"args\":{\"x\\\xc4\"}}",
    "\xff\xfe{",
};

/* --write-seeds DIR: the seeds as files, the corpus run-libfuzzer starts
 * libfuzzer_ctl from. */
static int write_seeds(const char *dir)
{
  for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/seed-%02zu", dir, i);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(seeds[i], 1, strlen(seeds[i]), f) != strlen(seeds[i])) {
      perror(path);
      return 1;
    }
    fclose(f);
  }
  return 0;
}

/* Hostile lines the server must survive, plus seeded random mutations. */
int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
    return write_seeds(argv[2]);
  }
  for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
    LLVMFuzzerTestOneInput((const uint8_t *)seeds[i], strlen(seeds[i]));
  }
  /* Deep nesting and an over-long line. */
  size_t n = 200000;
  char *big = malloc(n + 1);
  check(big != NULL, "malloc");
  memset(big, '[', n);
  LLVMFuzzerTestOneInput((const uint8_t *)big, n);
  memset(big, 'a', n);
  big[0] = '"';
  LLVMFuzzerTestOneInput((const uint8_t *)big, n);
  /* Seeded mutation of a valid request. */
  uint32_t x = 0x13u;
  char buf[256];
  const char *base = "{\"id\":7,\"cmd\":\"tcp.list\",\"args\":{\"offset\":1,\"limit\":2}}\n{\"cmd\":\"status\"}";
  size_t bl = strlen(base);
  for (int it = 0; it < 200000; it++) {
    memcpy(buf, base, bl);
    for (int k = 0; k < 1 + it % 4; k++) {
      x = x * 1103515245u + 12345u;
      buf[(x >> 8) % bl] = (char)(x >> 24);
    }
    LLVMFuzzerTestOneInput((const uint8_t *)buf, bl);
  }
  free(big);
  printf("libfuzzer_ctl: seeds, nesting, an over-long line and 200000 mutations checked\n");
  return 0;
}
#endif
