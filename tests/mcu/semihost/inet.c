/**
 * @file inet.c
 * inet_pton for the semihosted unit suites (arpa/inet.h).
 */
#include "arpa/inet.h"

#include "lwip/ip4_addr.h"

#include <string.h>

int inet_pton(int af, const char *src, void *dst)
{
  if (af != AF_INET) {
    return -1;
  }
  ip4_addr_t a;
  if (!ip4addr_aton(src, &a)) {
    return 0;
  }
  memcpy(dst, &a.addr, 4);
  return 1;
}
