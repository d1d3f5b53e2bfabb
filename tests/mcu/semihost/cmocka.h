/**
 * @file cmocka.h
 * The part of cmocka's API the unit suites use (assertions, test and
 * fixture tables, skip and fail), for running them on the emulated board,
 * where no cmocka library is built.  Written for tests/mcu; the suites
 * compile unchanged against it (semihost/meson.build puts this directory
 * first on the include path).  Output follows cmocka's "[ RUN      ]"
 * lines so logs read the same; the run's result is the number of failed
 * tests, which the semihosting runner passes to exit().
 */
#ifndef MCU_CMOCKA_SUBSET_H
#define MCU_CMOCKA_SUBSET_H

#include <stddef.h>
#include <stdint.h>

typedef uintmax_t LargestIntegralType;
typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

/** One test: its function, optional fixtures and initial state. */
struct CMUnitTest {
  const char *name;
  CMUnitTestFunction test_func;
  CMFixtureFunction setup_func;
  CMFixtureFunction teardown_func;
  void *initial_state;
};

#define cmocka_unit_test(f)                                                                                            \
  {                                                                                                                    \
#f, f, NULL, NULL, NULL                                                                                            \
  }
#define cmocka_unit_test_setup_teardown(f, setup, teardown)                                                            \
  {                                                                                                                    \
#f, f, setup, teardown, NULL                                                                                       \
  }

/** Run @p n tests in order; returns how many failed. */
int mcu_cmocka_run(const char *group, const struct CMUnitTest *tests, size_t n, CMFixtureFunction group_setup,
                   CMFixtureFunction group_teardown);
#define cmocka_run_group_tests_name(name, tests, setup, teardown)                                                      \
  mcu_cmocka_run(name, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)
#define cmocka_run_group_tests(tests, setup, teardown) cmocka_run_group_tests_name(#tests, tests, setup, teardown)

/* Failure reports: each prints where and why, then leaves the test (a
 * longjmp back to the runner; the teardown still runs). */
void mcu_cmocka_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4), noreturn));
void mcu_cmocka_skip(const char *file, int line) __attribute__((noreturn));
void mcu_cmocka_int_equal(LargestIntegralType a, LargestIntegralType b, int want_equal, const char *file, int line);
void mcu_cmocka_memory_equal(const void *a, const void *b, size_t n, const char *file, int line);
void mcu_cmocka_string_equal(const char *a, const char *b, const char *file, int line);
void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define fail() mcu_cmocka_fail(__FILE__, __LINE__, "fail()")
#define fail_msg(...) mcu_cmocka_fail(__FILE__, __LINE__, __VA_ARGS__)
#define skip() mcu_cmocka_skip(__FILE__, __LINE__)
#define assert_true(c) ((c) ? (void)0 : mcu_cmocka_fail(__FILE__, __LINE__, "%s is false", #c))
#define assert_false(c) (!(c) ? (void)0 : mcu_cmocka_fail(__FILE__, __LINE__, "%s is true", #c))
#define assert_non_null(p) ((p) != NULL ? (void)0 : mcu_cmocka_fail(__FILE__, __LINE__, "%s is NULL", #p))
#define assert_null(p) ((p) == NULL ? (void)0 : mcu_cmocka_fail(__FILE__, __LINE__, "%s is not NULL", #p))
#define assert_int_equal(a, b)                                                                                         \
  mcu_cmocka_int_equal((LargestIntegralType)(a), (LargestIntegralType)(b), 1, __FILE__, __LINE__)
#define assert_int_not_equal(a, b)                                                                                     \
  mcu_cmocka_int_equal((LargestIntegralType)(a), (LargestIntegralType)(b), 0, __FILE__, __LINE__)
#define assert_ptr_equal(a, b)                                                                                         \
  mcu_cmocka_int_equal((LargestIntegralType)(uintptr_t)(a), (LargestIntegralType)(uintptr_t)(b), 1, __FILE__, __LINE__)
#define assert_ptr_not_equal(a, b)                                                                                     \
  mcu_cmocka_int_equal((LargestIntegralType)(uintptr_t)(a), (LargestIntegralType)(uintptr_t)(b), 0, __FILE__, __LINE__)
#define assert_memory_equal(a, b, n) mcu_cmocka_memory_equal((a), (b), (n), __FILE__, __LINE__)
#define assert_string_equal(a, b) mcu_cmocka_string_equal((a), (b), __FILE__, __LINE__)

/* cmocka's own entry points, which helpers that report their caller's
 * file and line (test_tcp_common.c) call directly. */
#define _fail(file, line) mcu_cmocka_fail(file, line, "fail()")
#define _assert_int_equal(a, b, file, line)                                                                            \
  mcu_cmocka_int_equal((LargestIntegralType)(a), (LargestIntegralType)(b), 1, file, line)
#define _assert_true(result, expr, file, line) ((result) ? (void)0 : mcu_cmocka_fail(file, line, "%s is false", expr))

/* The suites' main() is renamed (-Dmain=mcu_unit_main) so the runner can
 * set up semihosting first; this is its prototype. */
int mcu_unit_main(void);

#endif /* MCU_CMOCKA_SUBSET_H */
