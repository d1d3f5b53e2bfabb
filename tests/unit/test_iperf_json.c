/* Unit tests for the daemon's iperf3 JSON codec (daemon/iperf.c through
 * iperf_daemon_ops()): the results block a peer sends is untrusted input,
 * so every number it can hold must decode to a defined value.  iperf3
 * itself prints its "unknown" -1 as 18446744073709551615 (as Linux iperf3
 * -R clients do for sender_has_retransmits), and a hostile peer can send
 * anything JSON allows: huge, negative or fractional counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lwip/apps/iperf.h"
#include "lwipd.h"

static bool decode(const char *text, struct iperf3_results *r)
{
  memset(r, 0, sizeof(*r));
  const struct iperf_ops *ops = iperf_daemon_ops();
  return ops->decode_results(NULL, text, strlen(text), r);
}

/* What a Linux iperf3 -R client sends: -1 printed unsigned. */
static void test_unsigned_minus_one(void **state)
{
  (void)state;
  struct iperf3_results r;
  assert_true(decode("{\"cpu_util_total\": 1.5, \"sender_has_retransmits\": 18446744073709551615,"
                     "\"streams\": [{\"id\": 1, \"bytes\": 1000, \"retransmits\": 18446744073709551615,"
                     "\"jitter\": 0, \"errors\": 0, \"packets\": 0}]}",
                     &r));
  assert_int_equal(r.sender_has_retransmits, -1);
  assert_int_equal(r.nstreams, 1);
  assert_int_equal(r.streams[0].retransmits, -1);
  assert_int_equal(r.streams[0].bytes, 1000);
  assert_true(r.cpu_util_total == 1.5);
}

static void test_ordinary_values(void **state)
{
  (void)state;
  struct iperf3_results r;
  assert_true(decode("{\"sender_has_retransmits\": 1, \"streams\": [{\"id\": 3, \"bytes\": 123456789012,"
                     "\"retransmits\": 7, \"errors\": 2, \"packets\": 99, \"end_time\": 2.0}]}",
                     &r));
  assert_int_equal(r.sender_has_retransmits, 1);
  assert_int_equal(r.streams[0].id, 3);
  assert_int_equal(r.streams[0].bytes, 123456789012ULL);
  assert_int_equal(r.streams[0].retransmits, 7);
  assert_int_equal(r.streams[0].errors, 2);
  assert_int_equal(r.streams[0].packets, 99);
}

/* Out-of-range numbers clamp instead of invoking undefined behaviour. */
static void test_hostile_numbers(void **state)
{
  (void)state;
  struct iperf3_results r;
  assert_true(decode("{\"sender_has_retransmits\": 1e300, \"streams\": [{\"id\": 1e300,"
                     "\"bytes\": 1e300, \"retransmits\": -1e300, \"errors\": -5, \"packets\": -1e300,"
                     "\"omitted_packets\": 2.5}]}",
                     &r));
  assert_int_equal(r.sender_has_retransmits, -1);
  assert_int_equal(r.streams[0].id, -1);
  assert_int_equal(r.streams[0].bytes, UINT64_MAX);
  assert_int_equal(r.streams[0].retransmits, INT64_MIN);
  assert_int_equal(r.streams[0].errors, 0);
  assert_int_equal(r.streams[0].packets, 0);
  assert_int_equal(r.streams[0].omitted_packets, 2);
}

static void test_not_json(void **state)
{
  (void)state;
  struct iperf3_results r;
  assert_false(decode("{\"streams\": [", &r));
  assert_int_equal(r.nstreams, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unsigned_minus_one),
      cmocka_unit_test(test_ordinary_values),
      cmocka_unit_test(test_hostile_numbers),
      cmocka_unit_test(test_not_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
