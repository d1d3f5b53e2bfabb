/*
 * A TAP for unit tests of port-unix/tap.c and tap_uring.c, played by a
 * SOCK_SEQPACKET socket pair: like a TAP it keeps frame boundaries, and
 * the test holds the other end, the kernel's (tap_attach_fd).
 */
#ifndef TEST_TAP_PAIR_H
#define TEST_TAP_PAIR_H

#include "dev.h"
#include "tap.h"

#include <stdbool.h>

/** Open a TAP named @p name on one end of a new socket pair, with
 *  virtio-net headers when @p vnet_hdr (offering the kernel @p offloads),
 *  and stack @p top on it.  Both ends take 16 MB before a send would fail,
 *  so tests that do not read at once lose nothing.  @p peer gets the
 *  other end.  @return the TAP (the test fails if any step does). */
struct tap_dev *test_tap_pair_open(const char *name, bool vnet_hdr, unsigned offloads, struct dev *top, int *peer);

/** Name a test file's TAP, peer and top device (its own variables) for
 *  the setup and teardown below; once, before the tests run. */
void test_tap_pair_use(struct tap_dev **tap, int *peer, struct dev *top);

/** cmocka setup: test_setup, with no TAP open yet. */
int test_tap_pair_setup(void **state);

/** cmocka teardown: @p top unstacked, the TAP and the peer closed (when
 *  open), then test_teardown, which checks every pool and the heap. */
int test_tap_pair_teardown(void **state);

/** A cmocka test of @p f between that setup and teardown. */
#define TAP_PAIR_TEST(f) cmocka_unit_test_setup_teardown(f, test_tap_pair_setup, test_tap_pair_teardown)

#endif
