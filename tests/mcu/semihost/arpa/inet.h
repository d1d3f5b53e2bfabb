/**
 * @file inet.h
 * The names the unit suites take from <arpa/inet.h>, which newlib
 * does not have: AF_INET, struct in_addr and inet_pton for dotted IPv4 text, parsed by
 * lwipd's own ip4addr_aton (inet.c).
 */
#ifndef MCU_ARPA_INET_H
#define MCU_ARPA_INET_H

#include "lwip/arch.h"

#define AF_INET 2

/** An IPv4 address in network order, as inet_pton writes it. */
struct in_addr {
  u32_t s_addr;
};

/** 1 and the address in network order at @p dst for text ip4addr_aton
 *  accepts (dotted quads among it), 0 for other text, -1 for a family
 *  other than AF_INET. */
int inet_pton(int af, const char *src, void *dst);

#endif /* MCU_ARPA_INET_H */
