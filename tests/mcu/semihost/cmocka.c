/**
 * @file cmocka.c
 * The test runner and assertions of the cmocka subset (cmocka.h), and the
 * semihosting entry point of a unit-suite image: main() opens the host's
 * console (newlib's rdimon), runs the suite's renamed main and exits with
 * its result, which QEMU returns as its own exit status.
 */
#include "cmocka.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a failing or skipped test returns to, and how it ended. */
static jmp_buf test_exit;
static bool in_test;
enum { ENDED_FAILED = 1, ENDED_SKIPPED = 2 };

void print_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
}

void print_message(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
}

/* Outside a test (a fixture of the group) there is nowhere to jump: the
 * run cannot go on. */
static void leave_test(int how)
{
  if (!in_test) {
    printf("[  ERROR   ] failure outside a test\n");
    exit(1);
  }
  longjmp(test_exit, how);
}

void mcu_cmocka_fail(const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n%s:%d: error: Failure!\n", file, line);
  leave_test(ENDED_FAILED);
  abort(); /* not reached: leave_test does not return */
}

void mcu_cmocka_skip(const char *file, int line)
{
  (void)file;
  (void)line;
  leave_test(ENDED_SKIPPED);
  abort();
}

void mcu_cmocka_int_equal(LargestIntegralType a, LargestIntegralType b, int want_equal, const char *file, int line)
{
  if ((a == b) != (want_equal != 0)) {
    mcu_cmocka_fail(file, line, "%#llx %s %#llx", (unsigned long long)a,
                    want_equal ? "!=" : "==", (unsigned long long)b);
  }
}

void mcu_cmocka_memory_equal(const void *a, const void *b, size_t n, const char *file, int line)
{
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++) {
    if (x[i] != y[i]) {
      mcu_cmocka_fail(file, line, "byte %u of %u differs: 0x%02x != 0x%02x", (unsigned)i, (unsigned)n, x[i], y[i]);
    }
  }
}

void mcu_cmocka_string_equal(const char *a, const char *b, const char *file, int line)
{
  if (a == NULL || b == NULL || strcmp(a, b) != 0) {
    mcu_cmocka_fail(file, line, "\"%s\" != \"%s\"", a ? a : "(null)", b ? b : "(null)");
  }
}

/* One test with its fixtures: 0 passed, ENDED_FAILED or ENDED_SKIPPED.
 * The teardown runs whenever the setup succeeded, as in cmocka, so a
 * failed test still gives its memory back before the next one. */
static int run_one(const struct CMUnitTest *t)
{
  void *state = t->initial_state;
  volatile int how = 0;
  in_test = true;
  if (t->setup_func != NULL) {
    how = setjmp(test_exit);
    if (how == 0 && t->setup_func(&state) != 0) {
      printf("setup failed\n");
      how = ENDED_FAILED;
    }
    if (how != 0) {
      in_test = false;
      return how;
    }
  }
  how = setjmp(test_exit);
  if (how == 0) {
    t->test_func(&state);
  }
  if (t->teardown_func != NULL) {
    volatile int td = setjmp(test_exit);
    if (td == 0 && t->teardown_func(&state) != 0) {
      printf("teardown failed\n");
      td = ENDED_FAILED;
    }
    if (td == ENDED_FAILED) {
      how = ENDED_FAILED;
    }
  }
  in_test = false;
  return how;
}

int mcu_cmocka_run(const char *group, const struct CMUnitTest *tests, size_t n, CMFixtureFunction group_setup,
                   CMFixtureFunction group_teardown)
{
  void *group_state = NULL;
  if (group_setup != NULL && group_setup(&group_state) != 0) {
    printf("[  ERROR   ] %s: group setup failed\n", group);
    return (int)n;
  }
  printf("[==========] %s: Running %u test(s).\n", group, (unsigned)n);
  unsigned failed = 0, skipped = 0;
  for (size_t i = 0; i < n; i++) {
    printf("[ RUN      ] %s\n", tests[i].name);
    int how = run_one(&tests[i]);
    if (how == ENDED_FAILED) {
      failed++;
      printf("[  FAILED  ] %s\n", tests[i].name);
    } else if (how == ENDED_SKIPPED) {
      skipped++;
      printf("[  SKIPPED ] %s\n", tests[i].name);
    } else {
      printf("[       OK ] %s\n", tests[i].name);
    }
  }
  if (group_teardown != NULL && group_teardown(&group_state) != 0) {
    printf("[  ERROR   ] %s: group teardown failed\n", group);
    failed++;
  }
  printf("[==========] %s: %u test(s) run.\n", group, (unsigned)n);
  printf("[  PASSED  ] %u test(s).\n", (unsigned)(n - failed - skipped));
  if (skipped > 0) {
    printf("[  SKIPPED ] %u test(s).\n", skipped);
  }
  if (failed > 0) {
    printf("[  FAILED  ] %u test(s).\n", failed);
  }
  return (int)failed;
}

/* newlib's rdimon: opens stdin/stdout/stderr on the host through
 * semihosting.  Declared here, as newlib has no header for it. */
extern void initialise_monitor_handles(void);

int main(void)
{
  initialise_monitor_handles();
  int failed = mcu_unit_main();
  /* A line the test harness checks besides the exit status, so a run
   * whose status QEMU could not pass on still reads as what it was. */
  printf("mcu-unit: %d failed\n", failed);
  fflush(stdout);
  exit(failed == 0 ? 0 : 1);
}
