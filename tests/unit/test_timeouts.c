/* One-shot timeouts: ordering, cancellation, re-arming, wrap-around, pool
 * exhaustion, and the sleep time an event loop would use. */
#include "test_common.h"

#include "lwip/timeouts.h"

static int calls[8];
static int order[16];
static int norder;

static void handler(void *arg)
{
  int i = (int)(intptr_t)arg;
  calls[i]++;
  /* Only the first calls are recorded: the exhaustion test fires many. */
  if (norder < (int)LWIP_ARRAYSIZE(order)) {
    order[norder++] = i;
  }
}

static void rearming_handler(void *arg)
{
  handler(arg);
  if (calls[(intptr_t)arg] < 3) {
    assert_int_equal(sys_timeout(100, rearming_handler, arg), ERR_OK);
  }
}

static void reset_counts(void)
{
  memset(calls, 0, sizeof(calls));
  norder = 0;
}

static void test_fires_in_deadline_order(void **state)
{
  (void)state;
  reset_counts();
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  sys_timeout(300, handler, (void *)3);
  sys_timeout(100, handler, (void *)1);
  sys_timeout(200, handler, (void *)2);
  sys_timeout(100, handler, (void *)4); /* same deadline: after 1 */
  assert_int_equal(sys_timeouts_sleeptime(), 100);
  test_clock_advance(99);
  assert_int_equal(norder, 0);
  assert_int_equal(sys_timeouts_sleeptime(), 1);
  test_clock_advance(1);
  assert_int_equal(norder, 2);
  test_clock_advance(500);
  assert_int_equal(norder, 4);
  assert_int_equal(order[0], 1);
  assert_int_equal(order[1], 4);
  assert_int_equal(order[2], 2);
  assert_int_equal(order[3], 3);
  assert_int_equal(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
}

static void test_untimeout_and_pending(void **state)
{
  (void)state;
  reset_counts();
  sys_timeout(50, handler, (void *)1);
  sys_timeout(50, handler, (void *)2);
  assert_true(sys_timeout_pending(handler, (void *)1));
  sys_untimeout(handler, (void *)1);
  assert_false(sys_timeout_pending(handler, (void *)1));
  sys_untimeout(handler, (void *)5); /* not pending: no effect */
  test_clock_advance(60);
  assert_int_equal(calls[1], 0);
  assert_int_equal(calls[2], 1);
}

static void test_handler_rearms(void **state)
{
  (void)state;
  reset_counts();
  sys_timeout(100, rearming_handler, (void *)1);
  test_clock_advance(1000);
  assert_int_equal(calls[1], 3);
  assert_false(sys_timeout_pending(rearming_handler, (void *)1));
}

static void test_zero_delay_runs_on_next_check(void **state)
{
  (void)state;
  reset_counts();
  sys_timeout(0, handler, (void *)1);
  assert_int_equal(sys_timeouts_sleeptime(), 0);
  sys_check_timeouts();
  assert_int_equal(calls[1], 1);
}

static void test_clock_wraparound(void **state)
{
  (void)state;
  reset_counts();
  test_clock_set(0xffffff00U);
  sys_timeout(0x200, handler, (void *)1); /* deadline after the wrap */
  sys_timeout(0x80, handler, (void *)2);  /* deadline before it */
  assert_int_equal(sys_timeouts_sleeptime(), 0x80);
  test_clock_advance(0x100);
  assert_int_equal(calls[2], 1);
  assert_int_equal(calls[1], 0);
  assert_int_equal(sys_timeouts_sleeptime(), 0x100);
  test_clock_advance(0x100);
  assert_int_equal(calls[1], 1);
  assert_true(lwip_time_before(0xfffffff0U, 0x10U));
  assert_false(lwip_time_before(0x10U, 0xfffffff0U));
}

static void test_pool_exhaustion(void **state)
{
  (void)state;
  reset_counts();
  int n = 0;
  while (sys_timeout(10, handler, (void *)1) == ERR_OK) {
    n++;
    assert_true(n <= MEMP_NUM_TIMEOUTS);
  }
  assert_true(memp_stats(MEMP_SYS_TIMEOUT)->err >= 1);
  test_clock_advance(10);
  assert_int_equal(calls[1], n);
  /* and the pool is usable again */
  assert_int_equal(sys_timeout(10, handler, (void *)1), ERR_OK);
  test_clock_advance(10);
}

static void test_alloc_failure_hook(void **state)
{
  (void)state;
#if !LWIP_TEST_HOOKS
  skip(); /* the build has no allocation failure hook */
#endif
  reset_counts();
  lwip_alloc_fail_after(1);
  assert_int_equal(sys_timeout(10, handler, (void *)1), ERR_MEM);
  assert_int_equal(sys_timeout(10, handler, (void *)1), ERR_OK);
  test_clock_advance(10);
  assert_int_equal(calls[1], 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_fires_in_deadline_order, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_untimeout_and_pending, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_handler_rearms, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_zero_delay_runs_on_next_check, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_clock_wraparound, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_pool_exhaustion, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_alloc_failure_hook, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("timeouts", tests, NULL, NULL);
}
