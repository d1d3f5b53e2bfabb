/* err_t strings, log levels and drop-reason tables. */
#include "test_common.h"

#include <string.h>

#include "lwip/err.h"
#include "lwip/debug.h"

static void test_strerr_every_code(void **state)
{
  (void)state;
#if !LWIP_DEBUG
  /* Built without the texts: one fixed string each, never NULL. */
  assert_string_equal(lwip_strerr(ERR_OK), "Ok.");
  assert_string_equal(lwip_strerr(ERR_MEM), "Error.");
  assert_string_equal(lwip_err_name(ERR_OK), "ERR_OK");
  assert_string_equal(lwip_err_name(ERR_RTE), "ERR_?");
  assert_string_equal(lwip_err_name(-100), "ERR_?");
#else
  for (int e = ERR_OK; e >= ERR_ARG; e--) {
    const char *s = lwip_strerr((err_t)e);
    assert_non_null(s);
    assert_string_not_equal(s, "Unknown error.");
    assert_memory_equal(lwip_err_name((err_t)e), "ERR_", 4);
  }
  assert_string_equal(lwip_strerr(ERR_MEM), "Out of memory error.");
  assert_string_equal(lwip_err_name(ERR_RTE), "ERR_RTE");
  /* The names and descriptions are packed strings walked to the entry: a
   * missing one would shift every later code onto its neighbour's. */
  assert_string_equal(lwip_err_name(ERR_OK), "ERR_OK");
  assert_string_equal(lwip_err_name(ERR_ARG), "ERR_ARG");
  assert_string_equal(lwip_strerr(ERR_ARG), "Illegal argument.");
  for (int a = ERR_OK; a >= ERR_ARG; a--) {
    for (int b = a - 1; b >= ERR_ARG; b--) {
      assert_string_not_equal(lwip_err_name((err_t)a), lwip_err_name((err_t)b));
      assert_string_not_equal(lwip_strerr((err_t)a), lwip_strerr((err_t)b));
    }
  }
  assert_string_equal(lwip_strerr(1), "Unknown error.");
  assert_string_equal(lwip_strerr(-17), "Unknown error.");
  assert_string_equal(lwip_err_name(-100), "ERR_?");
#endif
}

static void test_log_names_and_levels(void **state)
{
  (void)state;
#if !LWIP_DEBUG
  /* Built without names: nothing is found, every name is NULL. */
  assert_int_equal(lwip_log_module_find("arp"), -1);
  assert_int_equal(lwip_log_level_find("debug"), -1);
  assert_null(lwip_log_module_name(LWIP_LOG_UDP));
  assert_null(lwip_log_level_name(LWIP_LOG_LEVEL_DEBUG));
#else
  assert_int_equal(lwip_log_module_find("arp"), LWIP_LOG_ARP);
  assert_int_equal(lwip_log_module_find("nosuch"), -1);
  assert_int_equal(lwip_log_module_find(NULL), -1);
  assert_int_equal(lwip_log_level_find("debug"), LWIP_LOG_LEVEL_DEBUG);
  assert_string_equal(lwip_log_module_name(LWIP_LOG_UDP), "udp");
  assert_null(lwip_log_module_name(LWIP_LOG_MODULE_COUNT));
  assert_null(lwip_log_level_name(-1));
#endif

  assert_int_equal(lwip_log_set_level(LWIP_LOG_IP4, LWIP_LOG_LEVEL_TRACE), ERR_OK);
  assert_int_equal(lwip_log_levels[LWIP_LOG_IP4], LWIP_LOG_LEVEL_TRACE);
  assert_int_equal(lwip_log_set_level(-1, LWIP_LOG_LEVEL_ERROR), ERR_OK);
  for (int m = 0; m < LWIP_LOG_MODULE_COUNT; m++) {
    assert_int_equal(lwip_log_levels[m], LWIP_LOG_LEVEL_ERROR);
  }
  assert_int_equal(lwip_log_set_level(LWIP_LOG_MODULE_COUNT, 1), ERR_ARG);
  assert_int_equal(lwip_log_set_level(0, LWIP_LOG_LEVEL_COUNT), ERR_ARG);
  assert_int_equal(lwip_log_set_level(-2, 1), ERR_ARG);
  lwip_log_set_level(-1, LWIP_LOG_LEVEL_WARN);
}

static void test_drop_reason_tables(void **state)
{
  (void)state;
#if LWIP_STATS || LWIP_DEBUG
  for (int r = 0; r < LWIP_DROP_COUNT; r++) {
    const char *name = lwip_drop_reason_name(r);
    assert_non_null(name);
    assert_non_null(lwip_drop_reason_desc(r));
    int proto = lwip_drop_reason_proto(r);
    assert_in_range(proto, 0, LWIP_PROTO_COUNT - 1);
    /* a reason's name starts with its protocol's id (IP4_..., ARP_...) */
    const char *pname = lwip_stats_proto_name(proto);
    assert_non_null(pname);
  }
  assert_string_equal(lwip_drop_reason_name(LWIP_DROP_IP4_BAD_CHKSUM), "IP4_BAD_CHKSUM");
  assert_null(lwip_drop_reason_name(LWIP_DROP_COUNT));
  assert_int_equal(lwip_drop_reason_proto(-1), -1);
#else
  skip();
#endif
}

static void test_drop_counts_class_and_proto(void **state)
{
  (void)state;
#if LWIP_STATS
  LWIP_DROP(IP4_BAD_CHKSUM);
  LWIP_DROP(IP4_SHORT);
  LWIP_DROP(IP4_NOT_FOR_US);
  assert_int_equal(lwip_stats.drops[LWIP_DROP_IP4_BAD_CHKSUM], 1);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_IP4].drop, 3);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_IP4].chkerr, 1);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_IP4].lenerr, 1);
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_UDP].drop, 0);
  lwip_drop((enum lwip_drop_reason)LWIP_DROP_COUNT); /* out of range: ignored */
  lwip_stats_reset();
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_IP4].drop, 0);
#else
  skip();
#endif
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_strerr_every_code, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_log_names_and_levels, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_drop_reason_tables, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_drop_counts_class_and_proto, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
