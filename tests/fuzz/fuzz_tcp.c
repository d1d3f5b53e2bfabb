/*
 * Deterministic driver for the TCP connection harness (suite "fuzz",
 * every build): the same LLVMFuzzerTestOneInput as the libFuzzer target
 * libfuzzer_tcp, fed with its built-in seeds and then with seeded random
 * mutations of them.  A mutation that reaches a state transition or event
 * no earlier input reached joins the corpus, so the run keeps going deeper
 * without libFuzzer's coverage feedback.
 *
 * The run is reproducible: LWIP_FUZZ_SEED (default 1) picks the random
 * sequence and LWIP_FUZZ_ITERS (default 50000) its length.  When an input
 * fails (abort, crash, sanitizer report) it is written to
 * fuzz_tcp-crash-<seed>-<iteration>.bin in the current directory.
 *
 *   fuzz_tcp                         the seeded run (what meson test runs)
 *   fuzz_tcp FILE...                 run these inputs (a libFuzzer crash-*
 *                                    file, a saved failure) and stop
 *   fuzz_tcp --write-seeds DIR       write the built-in seeds as files (a
 *                                    starting corpus for libfuzzer_tcp)
 *   fuzz_tcp --check-known [-v]      run the reproducer of each known
 *                                    finding with its check made strict and
 *                                    say which ones are fixed (run it in the
 *                                    sanitizer build for the UBSan one)
 *
 * At the end it prints how deep the inputs reached and fails if the seeds
 * no longer reach the states and paths they were written for.
 */
#define _POSIX_C_SOURCE 200809L /* setenv, open, mkdir */

#include "fuzz_tcp.h"
#include "lwip_config.h" /* LWIP_TCP_SACK, LWIP_TCP_OOSEQ: what the depth check may ask for */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define FUZZ_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_SANITIZER 1
#endif
#ifdef FUZZ_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif

#define MAX_INPUT 1024
#define LWIP_FUZZ_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CORPUS_MAX 512

struct input {
  uint8_t b[MAX_INPUT];
  size_t len;
};

static struct input corpus[CORPUS_MAX];
static size_t ncorpus;
static uint64_t rng;

/* The input being run, for the crash handlers. */
static struct input current;
static char crash_path[128];

/* splitmix64: the driver's own generator, independent of the stack's. */
static uint32_t fuzz_rand(void)
{
  uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t env_u32(const char *name, uint32_t dflt)
{
  const char *s = getenv(name);
  return (s != NULL && *s != '\0') ? (uint32_t)strtoul(s, NULL, 0) : dflt;
}

/* Async-signal-safe: save the failing input next to the run. */
static void save_current(void)
{
  if (crash_path[0] == '\0') {
    return;
  }
  int fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    ssize_t w = write(fd, current.b, current.len);
    (void)w;
    close(fd);
    static const char msg1[] = "fuzz_tcp: failing input saved to ";
    w = write(2, msg1, sizeof(msg1) - 1);
    w = write(2, crash_path, strlen(crash_path));
    w = write(2, "\n", 1);
  }
  crash_path[0] = '\0';
}

static void on_fatal_signal(int sig)
{
  save_current();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void run(const uint8_t *b, size_t len, unsigned long seed, unsigned long iter)
{
  memcpy(current.b, b, len);
  current.len = len;
  snprintf(crash_path, sizeof(crash_path), "fuzz_tcp-crash-%lu-%lu.bin", seed, iter);
  LLVMFuzzerTestOneInput(current.b, current.len);
  crash_path[0] = '\0';
}

/* Add the last input's features to @p seen; @return whether any was new. */
static bool merge_features(uint8_t *seen)
{
  const uint8_t *f;
  size_t n = fuzz_tcp_features(&f);
  bool fresh = false;
  for (size_t i = 0; i < n; i++) {
    fresh |= (f[i] & ~seen[i]) != 0;
    seen[i] |= f[i];
  }
  return fresh;
}

/* ---- mutations ---- */

static const uint8_t interesting[] = {0x00, 0x01, 0x06, 0x09, 0x0f, 0x10, 0x40, 0x7f, 0x80, 0xc0, 0xfe, 0xff};

static void insert_bytes(struct input *in, size_t at, const uint8_t *src, size_t n)
{
  if (in->len + n > MAX_INPUT) {
    n = MAX_INPUT - in->len;
  }
  memmove(in->b + at + n, in->b + at, in->len - at);
  memcpy(in->b + at, src, n);
  in->len += n;
}

static void mutate(struct input *in)
{
  int rounds = 1 + (int)(fuzz_rand() % 4);
  for (int r = 0; r < rounds; r++) {
    size_t body = in->len > 2 ? in->len - 2 : 0;
    size_t at = 2 + (body ? fuzz_rand() % body : 0);
    switch (fuzz_rand() % 9) {
    case 0: /* flip a bit */
      if (body) in->b[at] ^= (uint8_t)(1u << (fuzz_rand() % 8));
      break;
    case 1: /* random byte */
      if (body) in->b[at] = (uint8_t)fuzz_rand();
      break;
    case 2: /* a value the format treats specially */
      if (body) in->b[at] = interesting[fuzz_rand() % sizeof(interesting)];
      break;
    case 3: { /* insert a random operation (1-8 bytes) */
      uint8_t op[8];
      size_t n = 1 + fuzz_rand() % 8;
      for (size_t i = 0; i < n; i++) {
        op[i] = (uint8_t)fuzz_rand();
      }
      insert_bytes(in, body ? at : in->len, op, n);
      break;
    }
    case 4: /* delete a range */
      if (body) {
        size_t n = 1 + fuzz_rand() % LWIP_FUZZ_MIN(16u, in->len - at);
        memmove(in->b + at, in->b + at + n, in->len - at - n);
        in->len -= n;
      }
      break;
    case 5: /* repeat a range (more of the same operations) */
      if (body) {
        uint8_t tmp[64];
        size_t n = 1 + fuzz_rand() % LWIP_FUZZ_MIN(sizeof(tmp), in->len - at);
        memcpy(tmp, in->b + at, n);
        insert_bytes(in, at, tmp, n);
      }
      break;
    case 6: { /* splice in the operations of another input */
      const struct input *o = &corpus[fuzz_rand() % ncorpus];
      if (o->len > 2) {
        size_t from = 2 + fuzz_rand() % (o->len - 2);
        size_t n = LWIP_FUZZ_MIN(o->len - from, (size_t)(MAX_INPUT - at));
        memcpy(in->b + at, o->b + from, n);
        in->len = at + n;
      }
      break;
    }
    case 7: /* truncate */
      in->len = 2 + (body ? fuzz_rand() % (body + 1) : 0);
      break;
    default: /* the setup and end bytes */
      in->b[fuzz_rand() % 2] ^= (uint8_t)(1u << (fuzz_rand() % 8));
      break;
    }
  }
}

/* ---- modes ---- */

static int write_seeds(const char *dir)
{
  mkdir(dir, 0755);
  for (size_t i = 0; i < fuzz_tcp_nseeds(); i++) {
    size_t len;
    const uint8_t *b = fuzz_tcp_seed(i, &len);
    char path[4096];
    snprintf(path, sizeof(path), "%s/seed-%02zu", dir, i);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(b, 1, len, f) != len || fclose(f) != 0) {
      fprintf(stderr, "fuzz_tcp: cannot write %s: %s\n", path, strerror(errno));
      return 1;
    }
  }
  printf("fuzz_tcp: %zu seeds written to %s\n", fuzz_tcp_nseeds(), dir);
  return 0;
}

static int run_files(int n, char **files)
{
  static uint8_t buf[1 << 20];
  for (int i = 0; i < n; i++) {
    FILE *f = fopen(files[i], "rb");
    if (f == NULL) {
      fprintf(stderr, "fuzz_tcp: %s: %s\n", files[i], strerror(errno));
      return 1;
    }
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    printf("fuzz_tcp: running %s (%zu bytes)\n", files[i], len);
    fflush(stdout);
    LLVMFuzzerTestOneInput(buf, len);
  }
  printf("fuzz_tcp: %d inputs passed\n", n);
  return 0;
}

/* Each reproducer runs in a fresh process (an abort must not end the
 * check), with LWIP_FUZZ_TCP_STRICT set to its category and UBSan made
 * to stop at the first error. */
static int check_known(bool verbose)
{
  int open_findings = 0;
  for (size_t i = 0; i < fuzz_tcp_nknown(); i++) {
    const struct fuzz_tcp_known *k = fuzz_tcp_known(i);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) {
      char idx[24], ubsan[512];
      const char *old = getenv("UBSAN_OPTIONS");
      snprintf(idx, sizeof(idx), "%zu", i);
      snprintf(ubsan, sizeof(ubsan), "%s%shalt_on_error=1", old != NULL ? old : "", old != NULL ? ":" : "");
      setenv("UBSAN_OPTIONS", ubsan, 1);
      setenv("LWIP_FUZZ_TCP_STRICT", k->category, 1);
      if (!verbose) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execl("/proc/self/exe", "fuzz_tcp", "--run-known", idx, (char *)NULL);
      _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    bool fails = !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    open_findings += fails;
    printf("fuzz_tcp: %-17s %-9s %s: %s\n", k->name, k->category, fails ? "STILL FAILS" : "passes     ", k->what);
  }
  printf("fuzz_tcp: %d of %zu known findings still reproduce\n", open_findings, fuzz_tcp_nknown());
  return 0;
}

static void report(void)
{
  const struct fuzz_tcp_reach *r = fuzz_tcp_reach();
  printf("fuzz_tcp: %lu inputs, %lu segments in, %lu out; %lu data bytes delivered, %lu sent; %lu retransmitted "
         "segments, %lu with SACK blocks, out-of-order queue seen %lu times, %lu probes, %lu RSTs, %lu allocation "
         "failures armed, %lu orphans; corpus %zu\n",
         r->inputs, r->segs_in, r->segs_out, r->bytes_in, r->bytes_out, r->rexmit, r->sack_out, r->ooseq,
         r->probes, r->rst_out, r->alloc_fail, r->orphans, ncorpus);
  static const char *const names[] = {"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
                                      "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"};
  printf("fuzz_tcp: known findings tolerated (LWIP_FUZZ_TCP_STRICT=1 fails on them): sacked_bytes over-counted %lu "
         "times, FIN queued inside or taken after data beyond it %lu, SYN cookie connection started at the wrong sequence number "
         "%lu, snd_queuelen one short %lu\n",
         r->known_sacked, r->known_fin_inside, r->known_cookie_seq, r->known_queuelen);
  printf("fuzz_tcp: states entered:");
  for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if (r->states & (1UL << i)) {
      printf(" %s", names[i]);
    }
  }
  printf("\n");
}

/* The seeds were written to reach these; if they stop, the harness (or the
 * stack's behaviour it relies on) changed and the fuzzing went shallow. */
static int check_depth(void)
{
  const struct fuzz_tcp_reach *r = fuzz_tcp_reach();
  static const unsigned need_states[] = {4, 5, 6, 7, 8, 9, 10}; /* ESTABLISHED .. TIME_WAIT */
  int bad = 0;
  for (size_t i = 0; i < sizeof(need_states) / sizeof(need_states[0]); i++) {
    if (!(r->states & (1UL << need_states[i]))) {
      printf("fuzz_tcp: FAILED: state %u never entered\n", need_states[i]);
      bad = 1;
    }
  }
  struct {
    const char *what;
    unsigned long n;
  } need[] = {
    {"data delivered", r->bytes_in}, {"data sent", r->bytes_out},      {"retransmissions", r->rexmit},
    /* A build without tcp_sack sends none, one without tcp_ooseq queues
     * nothing; checked below. */
    {"SACK blocks sent", LWIP_TCP_SACK ? r->sack_out : 1UL},
    {"out-of-order queue", LWIP_TCP_OOSEQ ? r->ooseq : 1UL},
    {"window/keepalive probes", r->probes}, {"RSTs sent", r->rst_out},
  };
  if (!LWIP_TCP_SACK && r->sack_out != 0) {
    printf("fuzz_tcp: FAILED: %lu segments with SACK blocks from a build without tcp_sack\n", r->sack_out);
    bad = 1;
  }
  if (!LWIP_TCP_OOSEQ && r->ooseq != 0) {
    printf("fuzz_tcp: FAILED: an out-of-order queue seen %lu times in a build without tcp_ooseq\n", r->ooseq);
    bad = 1;
  }
  for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
    if (need[i].n == 0) {
      printf("fuzz_tcp: FAILED: no %s\n", need[i].what);
      bad = 1;
    }
  }
  return bad;
}

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!fuzz_tcp_available()) {
    printf("fuzz_tcp: SKIP: built without TCP\n");
    return 77;
  }
  if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
    return write_seeds(argv[2]);
  }
  if (argc >= 2 && strcmp(argv[1], "--check-known") == 0) {
    return check_known(argc > 2 && strcmp(argv[2], "-v") == 0);
  }
  if (argc == 3 && strcmp(argv[1], "--run-known") == 0) {
    const struct fuzz_tcp_known *k = fuzz_tcp_known(strtoul(argv[2], NULL, 0));
    if (k != NULL) {
      LLVMFuzzerTestOneInput(k->data, k->len);
    }
    return 0;
  }
  if (argc > 1) {
    return run_files(argc - 1, argv + 1);
  }
  unsigned long seed = env_u32("LWIP_FUZZ_SEED", 1);
  unsigned long iters = env_u32("LWIP_FUZZ_ITERS", 50000);
  rng = seed;
  signal(SIGABRT, on_fatal_signal);
  signal(SIGSEGV, on_fatal_signal);
  signal(SIGBUS, on_fatal_signal);
  signal(SIGFPE, on_fatal_signal);
#ifdef FUZZ_SANITIZER
  __sanitizer_set_death_callback(save_current);
#endif
  printf("fuzz_tcp: seed %lu, %zu built-in seeds, %lu mutated inputs\n", seed, fuzz_tcp_nseeds(), iters);

  static uint8_t seen[FUZZ_TCP_FEATURE_BYTES];
  for (size_t i = 0; i < fuzz_tcp_nseeds() && ncorpus < CORPUS_MAX; i++) {
    const uint8_t *b = fuzz_tcp_seed(i, &corpus[ncorpus].len);
    memcpy(corpus[ncorpus].b, b, corpus[ncorpus].len);
    run(corpus[ncorpus].b, corpus[ncorpus].len, seed, (unsigned long)i);
    merge_features(seen);
    ncorpus++;
  }
  static struct input in;
  for (unsigned long it = 0; it < iters; it++) {
    in = corpus[fuzz_rand() % ncorpus];
    mutate(&in);
    run(in.b, in.len, seed, fuzz_tcp_nseeds() + it);
    if (merge_features(seen) && ncorpus < CORPUS_MAX) {
      corpus[ncorpus++] = in;
    }
  }
  report();
  int bad = check_depth();
  printf("fuzz_tcp: %s\n", bad ? "FAILED" : "done, no crash, no leak");
  return bad;
}
