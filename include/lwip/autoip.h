/**
 * @file autoip.h
 * IPv4 link-local addresses (RFC 3927): pick an address in 169.254/16 from
 * a hash of the MAC, claim it with ACD (RFC 5227) and defend it.  Started
 * by the DHCP client when no server answers; dropped when a lease arrives.
 */
#ifndef LWIP_AUTOIP_H
#define LWIP_AUTOIP_H

#include "lwip/opt.h"

#if LWIP_AUTOIP

#include "lwip/netif.h"
#include "lwip/ip4_addr.h"
#include "lwip/acd.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 169.254.1.0 .. 169.254.254.255 (RFC 3927 2.1), host order. */
#define AUTOIP_RANGE_START 0xA9FE0100UL
#define AUTOIP_RANGE_END 0xA9FEFEFFUL

enum autoip_state_enum {
  AUTOIP_STATE_OFF = 0,
  AUTOIP_STATE_CHECKING, /**< probing the candidate */
  AUTOIP_STATE_BOUND     /**< address configured and defended */
};

struct autoip {
  u8_t state;            /**< enum autoip_state_enum */
  bool allocated;        /**< freed by autoip_remove_struct() */
  u8_t tried_llipaddr;   /**< candidates tried so far */
  u8_t conflicts;
  ip4_addr_t llipaddr;   /**< candidate or configured address */
  struct acd acd;
};

void autoip_set_struct(struct netif *netif, struct autoip *autoip);
/** Stop and free (when allocated by autoip_start()). */
void autoip_remove_struct(struct netif *netif);
/** @return ERR_OK, ERR_ARG or ERR_MEM. */
err_t autoip_start(struct netif *netif);
/** Stop; the netif loses the link-local address if it has it. */
err_t autoip_stop(struct netif *netif);
/** Is the netif's address our link-local address? */
u8_t autoip_supplied_address(const struct netif *netif);
const char *autoip_state_name(u8_t state);
/** Link down: forget the address; DHCP starts AutoIP again if needed. */
void autoip_network_changed_link_down(struct netif *netif);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_AUTOIP */
#endif /* LWIP_AUTOIP_H */
