/**
 * @file inet.h
 * The BSD names for IPv4 addresses that lwIP's applications use without
 * the socket API: struct in_addr, INADDR_*, and inet_addr/inet_aton/
 * inet_ntoa mapped onto lwipd's parser and formatter.
 *
 * On a hosted build the C library has the same names: include the
 * system's <netinet/in.h>/<arpa/inet.h> before this header (then its
 * struct in_addr and INADDR_* are used, and only lwIP's
 * inet_addr_from_ip4addr/inet_addr_to_ip4addr are added), or not at all.
 * inet_aton() accepts lwipd's strict dotted quad only (four decimal
 * parts), not the historical hex/octal/short forms.
 */
#ifndef LWIP_INET_H
#define LWIP_INET_H

#include "lwip/opt.h"
#include "lwip/def.h"
#include "lwip/ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef INADDR_ANY /* not when the C library's <netinet/in.h> came first */
typedef u32_t in_addr_t;
/** An IPv4 address in network byte order. */
struct in_addr {
  in_addr_t s_addr;
};
/* Host-order constants, as in lwIP (each is its own byte swap). */
#define INADDR_NONE IPADDR_NONE
#define INADDR_LOOPBACK IPADDR_LOOPBACK
#define INADDR_ANY IPADDR_ANY
#define INADDR_BROADCAST IPADDR_BROADCAST
#define INET_ADDRSTRLEN IP4ADDR_STRLEN_MAX

/** @return the address of dotted-quad @p cp (network order), or
 *  INADDR_NONE for bad text. */
#define inet_addr(cp) ipaddr_addr(cp)
/** Parse @p cp into @p addr.  @return 1 on success, 0 for bad text. */
#define inet_aton(cp, addr) lwip_inet_aton(cp, addr)
/** Format @p addr (a struct in_addr) into a static buffer. */
#define inet_ntoa(addr) lwip_inet_ntoa(addr)
/** Format @p addr into @p buf of @p buflen bytes; NULL when too small. */
#define inet_ntoa_r(addr, buf, buflen) lwip_inet_ntoa_r(addr, buf, buflen)

static inline int lwip_inet_aton(const char *cp, struct in_addr *addr)
{
  ip4_addr_t a;
  if (!ip4addr_aton(cp, &a)) {
    return 0;
  }
  if (addr != NULL) {
    addr->s_addr = a.addr;
  }
  return 1;
}

static inline char *lwip_inet_ntoa(struct in_addr addr)
{
  ip4_addr_t a = {addr.s_addr};
  return ip4addr_ntoa(&a);
}

static inline char *lwip_inet_ntoa_r(struct in_addr addr, char *buf, int buflen)
{
  ip4_addr_t a = {addr.s_addr};
  return ip4addr_ntoa_r(&a, buf, buflen);
}
#endif /* INADDR_ANY */

/** Copy between a struct in_addr and an ip4_addr_t (both network order). */
#define inet_addr_from_ip4addr(target_inaddr, source_ipaddr) ((target_inaddr)->s_addr = ip4_addr_get_u32(source_ipaddr))
#define inet_addr_to_ip4addr(target_ipaddr, source_inaddr) (ip4_addr_set_u32(target_ipaddr, (source_inaddr)->s_addr))

#ifdef __cplusplus
}
#endif

#endif /* LWIP_INET_H */
