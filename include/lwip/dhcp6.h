/**
 * @file dhcp6.h
 * DHCPv6 client (RFC 8415) with lwIP's API names: stateless configuration
 * (Information-Request for DNS servers and the domain search list) and
 * stateful address assignment (one IA_NA: Solicit/Advertise/Request/Reply,
 * Renew at T1, Rebind at T2, Release, Decline after a failed DAD, Rebind
 * when the link comes back up).
 *
 * Either mode is started by a call, or follows the Router Advertisements
 * (dhcp6_enable_auto): the M flag starts the stateful client, the O flag
 * the stateless one (RFC 4861 4.2).  The client identifies itself with a
 * DUID-LL made from the netif's MAC (RFC 8415 11.4), so the same MAC
 * always gives the same DUID, whatever the random seed or the clock.
 *
 * Retransmission follows RFC 8415 15 (IRT, MRT, MRC, MRD and a
 * randomization factor of +-0.1 drawn from lwip_port_rand()); one one-shot
 * timeout per client, armed only while something is pending.
 *
 * Ownership: dhcp6_input() takes ownership of the pbuf it is given.
 */
#ifndef LWIP_DHCP6_H
#define LWIP_DHCP6_H

#include "lwip/opt.h"

#if LWIP_DHCP6

#include "lwip/netif.h"
#include "lwip/ip6_addr.h"
#include "lwip/pbuf.h"
#include "lwip/err.h"
#include "lwip/prot/dhcp6.h"

#ifdef __cplusplus
extern "C" {
#endif

/** DNS servers kept from option 23 (RFC 3646 3); the rest are ignored. */
#define DHCP6_MAX_DNS_SERVERS 2U
/** Search domains kept from option 24 (RFC 3646 4). */
#define DHCP6_MAX_DOMAINS 2U
/** Longest search domain kept, dotted text without the trailing dot. */
#define DHCP6_DOMAIN_MAX 63U

/** How the client was started. */
enum dhcp6_mode {
  DHCP6_MODE_OFF = 0,
  DHCP6_MODE_STATELESS, /**< Information-Request only (RFC 8415 18.2.6) */
  DHCP6_MODE_STATEFUL,  /**< an IA_NA address (RFC 8415 18.2.1) */
  DHCP6_MODE_AUTO       /**< as the latest RA's M and O flags say */
};

/** Client states.  The order is that of dhcp6_state_name(). */
enum dhcp6_state {
  DHCP6_STATE_OFF = 0,
  DHCP6_STATE_WAIT_RA,      /**< auto mode, no RA with M or O yet */
  DHCP6_STATE_INFO_REQUEST, /**< sending Information-Request */
  DHCP6_STATE_INFORMED,     /**< configured; refresh at the information refresh time */
  DHCP6_STATE_SOLICIT,      /**< sending Solicit, collecting Advertise */
  DHCP6_STATE_REQUEST,      /**< sending Request to the chosen server */
  DHCP6_STATE_BOUND,        /**< address leased; Renew at T1 */
  DHCP6_STATE_RENEW,        /**< sending Renew until T2 */
  DHCP6_STATE_REBIND,       /**< sending Rebind until the address's valid lifetime ends */
  DHCP6_STATE_RELEASE,      /**< sending Release, then off */
  DHCP6_STATE_DECLINE       /**< sending Decline, then Solicit again */
};

/** What dhcp6_get_info() reports (for lwipctl and the gdb helpers). */
struct dhcp6_info {
  const char *state; /**< dhcp6_state_name() */
  const char *mode;  /**< "off", "stateless", "stateful", "auto" */
  u8_t tries;        /**< transmissions of the current message */
  u32_t rt_ms;       /**< current retransmission timeout (0: none pending) */
  bool have_lease;
  ip6_addr_t addr;                          /**< leased address (when have_lease) */
  u32_t t1_s, t2_s, pref_s, valid_s;        /**< as granted */
  u32_t t1_left_s, t2_left_s, valid_left_s; /**< remaining (DHCP6_INFINITY: never) */
  u32_t refresh_left_s;                     /**< stateless: seconds until the next Information-Request */
  u8_t server_duid[DHCP6_DUID_MAX_LEN];
  u8_t server_duid_len;
  u8_t dns_count;
  ip6_addr_t dns[DHCP6_MAX_DNS_SERVERS];
  u8_t domain_count;
  char domains[DHCP6_MAX_DOMAINS][DHCP6_DOMAIN_MAX + 1];
  u32_t iaid;
};

/** Told every state change (lwipd turns these into events). */
typedef void (*dhcp6_state_callback_fn)(struct netif *netif, u8_t old_state, u8_t new_state);
/** Told the DNS servers (0 to DHCP6_MAX_DNS_SERVERS) of each Reply that
 *  configures the client, so they can go to the resolver. */
typedef void (*dhcp6_dns_callback_fn)(struct netif *netif, u8_t count, const ip6_addr_t *servers);

/** Called once by lwip_init(). */
void dhcp6_init(void);
/** Start the stateless client on @p netif (RFC 8415 18.2.6), stopping a
 *  stateful one first.  @return ERR_OK, ERR_ARG (no netif or no 6-byte
 *  MAC), ERR_MEM (no memory for the client or its PCB, or UDP port 546
 *  taken on that netif). */
err_t dhcp6_enable_stateless(struct netif *netif);
/** Start the stateful client (Solicit, RFC 8415 18.2.1).  Return codes
 *  as dhcp6_enable_stateless(). */
err_t dhcp6_enable_stateful(struct netif *netif);
/** Let the RAs decide (dhcp6_nd6_ra_trigger()); starts nothing until one
 *  with M or O arrives.  Return codes as dhcp6_enable_stateless(). */
err_t dhcp6_enable_auto(struct netif *netif);
/** Stop without telling a server: a leased address is removed.  The
 *  client's memory is freed. */
void dhcp6_disable(struct netif *netif);
/** lwIP's name for dhcp6_disable(). */
void dhcp6_cleanup(struct netif *netif);
/** Release the leased address (RFC 8415 18.2.7): it is removed at once,
 *  Release is sent until a Reply or REL_MAX_RC tries, then the client
 *  stops.  @return ERR_OK, ERR_ARG (no client), ERR_CONN (no lease). */
err_t dhcp6_release(struct netif *netif);
/** The RA input path reports each RA's M and O flags: a client in auto
 *  mode starts (or switches to) stateful on M, stateless on O alone. */
void dhcp6_nd6_ra_trigger(struct netif *netif, u8_t managed_addr_config, u8_t other_config);
/** A DHCPv6 message received on UDP port 546 of @p netif from @p src
 *  port @p sport; @p p holds the message from its msg-type byte.  Takes
 *  ownership of @p p.  Anything not acceptable is a counted drop. */
void dhcp6_input(struct netif *netif, struct pbuf *p, const ip6_addr_t *src, u16_t sport);
/** Fill @p info.  @return ERR_OK or ERR_ARG (no client on @p netif). */
err_t dhcp6_get_info(const struct netif *netif, struct dhcp6_info *info);
/** Copy the DUID @p netif's client uses into @p buf (up to @p max bytes).
 *  @return its length, 0 without a 6-byte MAC. */
u8_t dhcp6_get_duid(const struct netif *netif, u8_t *buf, u8_t max);
/** Is a client (in any mode) running on @p netif? */
bool dhcp6_running(const struct netif *netif);
const char *dhcp6_state_name(u8_t state);
const char *dhcp6_mode_name(u8_t mode);
void dhcp6_set_state_callback(dhcp6_state_callback_fn fn);
void dhcp6_set_dns_callback(dhcp6_dns_callback_fn fn);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_DHCP6 */

#endif /* LWIP_DHCP6_H */
