/* The socket-pair TAP of test_tap_pair.h. */
#define _GNU_SOURCE
#include "test_common.h"

#include "test_tap_pair.h"

#include <sys/socket.h>
#include <unistd.h>

struct tap_dev *test_tap_pair_open(const char *name, bool vnet_hdr, unsigned offloads, struct dev *top, int *peer)
{
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
  /* A full socket fails sends with EAGAIN; the tests that want that
   * shrink the buffer themselves.  SO_SNDBUFFORCE passes the system's
   * limit when we may (root); otherwise the default is the room. */
  int big = 16 << 20;
  (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
  (void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
  struct tap_dev *tap = tap_attach_fd(sv[0], name, vnet_hdr, offloads);
  assert_non_null(tap);
  *peer = sv[1];
  dev_push(top, &tap->dev);
  return tap;
}

/* The file's own variables (test_tap_pair_use). */
static struct tap_dev **cur_tap;
static int *cur_peer;
static struct dev *cur_top;

void test_tap_pair_use(struct tap_dev **tap, int *peer, struct dev *top)
{
  cur_tap = tap;
  cur_peer = peer;
  cur_top = top;
}

int test_tap_pair_setup(void **state)
{
  *cur_tap = NULL;
  *cur_peer = -1;
  return test_setup(state);
}

/* The device goes before test_teardown checks every pool and the heap. */
int test_tap_pair_teardown(void **state)
{
  if (*cur_tap != NULL) {
    dev_unlink(cur_top);
    tap_close(*cur_tap);
    *cur_tap = NULL;
  }
  if (*cur_peer >= 0) {
    close(*cur_peer);
    *cur_peer = -1;
  }
  return test_teardown(state);
}
