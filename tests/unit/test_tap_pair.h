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

/** Unstack @p top, close *@p tap and *@p peer and clear them; either may
 *  be unset already (NULL, -1). */
void test_tap_pair_close(struct tap_dev **tap, struct dev *top, int *peer);

#endif
