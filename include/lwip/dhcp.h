/**
 * @file dhcp.h
 * DHCP client (RFC 2131, options RFC 2132) with lwIP's API, checking each
 * offered address with ACD (RFC 5227) and falling back to AutoIP
 * (RFC 3927) when no server answers.
 *
 * Timing is driven by one-shot timeouts armed only while the client runs:
 * retransmissions back off 4, 8, 16, 32, 64 s with +-1 s of jitter
 * (RFC 2131 4.1), a bound lease sleeps until T1.
 */
#ifndef LWIP_DHCP_H
#define LWIP_DHCP_H

#include "lwip/opt.h"

#if LWIP_DHCP

#include "lwip/netif.h"
#include "lwip/ip4_addr.h"
#include "lwip/acd.h"

#ifdef __cplusplus
extern "C" {
#endif

/** DHCPDISCOVERs without an answer before AutoIP is started (RFC 3927
 *  1.9 lets a host use a link-local address while DHCP keeps trying). */
#ifndef DHCP_AUTOIP_COOP_TRIES
#define DHCP_AUTOIP_COOP_TRIES 3U
#endif
/** DHCPREQUESTs (SELECTING) before going back to INIT (RFC 2131 4.4.1). */
#ifndef DHCP_MAX_REQUEST_TRIES
#define DHCP_MAX_REQUEST_TRIES 4U
#endif
/** DHCPREQUESTs in INIT-REBOOT before falling back to discovery. */
#ifndef DHCP_MAX_REBOOT_TRIES
#define DHCP_MAX_REBOOT_TRIES 2U
#endif
/** Wait after a DHCPDECLINE before discovering again (RFC 2131 3.1.5). */
#define DHCP_DECLINE_WAIT_MS 10000U
/** Shortest retransmission interval in RENEWING/REBINDING (RFC 2131 4.4.5). */
#define DHCP_MIN_RENEW_RETRY_MS 60000U
#define DHCP_MAX_DNS_SERVERS 2U
/** NTP servers kept from option 42 (RFC 2132 8.3); the rest are ignored. */
#define DHCP_MAX_NTP_SERVERS 2U

enum dhcp_state_enum {
  DHCP_STATE_OFF = 0,
  DHCP_STATE_INIT,
  DHCP_STATE_SELECTING,
  DHCP_STATE_REQUESTING,
  DHCP_STATE_CHECKING,
  DHCP_STATE_BOUND,
  DHCP_STATE_RENEWING,
  DHCP_STATE_REBINDING,
  DHCP_STATE_INIT_REBOOT,
  DHCP_STATE_REBOOTING,
  DHCP_STATE_BACKING_OFF,
  DHCP_STATE_INFORMING
};

/** A DHCP client.  Allocated by dhcp_start() or supplied by the caller
 *  with dhcp_set_struct(). */
struct dhcp {
  u8_t state;                 /**< enum dhcp_state_enum */
  u8_t tries;                 /**< sends of the current message */
  u8_t discover_rounds;       /**< DHCPDISCOVERs without an offer */
  bool allocated;             /**< freed by dhcp_cleanup() */
  bool paused;                /**< the netif is down or has no link */
  bool configured;            /**< the netif's address is ours */
  bool rebooting;             /**< the CHECKING state came from INIT-REBOOT */
  u8_t dns_count;
  u8_t ntp_count;
  u32_t xid;                  /**< transaction id we accept replies for */
  u32_t xid_start_ms;         /**< start of the exchange (the secs field) */
  u32_t request_ms;           /**< last DHCPREQUEST sent: lease start (RFC 2131 4.4.1) */
  u32_t lease_start_ms;
  struct udp_pcb *pcb;
  struct acd acd;
  ip4_addr_t offered_ip;      /**< yiaddr of the offer / lease */
  ip4_addr_t offered_mask;
  ip4_addr_t offered_gw;
  ip4_addr_t server_id;
  ip4_addr_t dns[DHCP_MAX_DNS_SERVERS];
  ip4_addr_t ntp[DHCP_MAX_NTP_SERVERS]; /**< option 42 of the lease or DHCPINFORM answer */
  bool mask_given;
  u32_t lease_s, t1_s, t2_s;  /**< as granted (0xffffffff: infinite) */
};

/** What dhcp_get_info() reports (for lwipctl). */
struct dhcp_info {
  const char *state;          /**< state name ("bound") */
  ip4_addr_t offered_ip, leased_ip, netmask, router, server_id;
  ip4_addr_t dns[DHCP_MAX_DNS_SERVERS];
  u8_t dns_count;
  u32_t lease_s, t1_s, t2_s;  /**< granted times */
  u32_t lease_left_s, t1_left_s, t2_left_s; /**< remaining (0 when passed or no lease) */
  u8_t tries;
};

/** Told every state change (lwipd turns these into events). */
typedef void (*dhcp_state_callback_fn)(struct netif *netif, u8_t old_state, u8_t new_state);
/** Told the DNS servers (0 to 2) of each lease or DHCPINFORM answer. */
typedef void (*dhcp_dns_callback_fn)(struct netif *netif, u8_t count, const ip4_addr_t *servers);

/** Called once by lwip_init(). */
void dhcp_init(void);
/** Use @p dhcp (zeroed here) for @p netif instead of allocating one. */
void dhcp_set_struct(struct netif *netif, struct dhcp *dhcp);
/** Stop the client and free its struct when dhcp_start() allocated it. */
void dhcp_cleanup(struct netif *netif);
/** Start (or restart) address acquisition.  @return ERR_OK, ERR_ARG
 *  (no netif or not Ethernet), ERR_MEM (no memory for state or PCB). */
err_t dhcp_start(struct netif *netif);
/** Ask the server to extend the lease now (RENEWING).  @return ERR_OK,
 *  ERR_ARG (no client), ERR_CONN (no lease) or a send error. */
err_t dhcp_renew(struct netif *netif);
/** Send DHCPRELEASE (when bound), drop the address and stop. */
err_t dhcp_release(struct netif *netif);
/** Drop the address and stop without telling the server. */
void dhcp_stop(struct netif *netif);
/** Ask for configuration only (DHCPINFORM) for a statically set address. */
void dhcp_inform(struct netif *netif);
/** Does the netif's address come from a DHCP lease? */
u8_t dhcp_supplied_address(const struct netif *netif);
/** Fill @p info.  @return ERR_OK or ERR_ARG (no client on @p netif). */
err_t dhcp_get_info(const struct netif *netif, struct dhcp_info *info);
/** Copy up to @p max NTP servers (option 42) of @p netif's last lease or
 *  DHCPINFORM answer into @p servers.  @return how many were copied: 0
 *  when there is no client, no lease yet, or the server sent none. */
u8_t dhcp_get_ntp_servers(const struct netif *netif, ip4_addr_t *servers, u8_t max);
const char *dhcp_state_name(u8_t state);
void dhcp_set_state_callback(dhcp_state_callback_fn fn);
void dhcp_set_dns_callback(dhcp_dns_callback_fn fn);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_DHCP */

/* lwIP's dhcp.h brings these in, and applications rely on it. */
#include "lwip/udp.h"

#endif /* LWIP_DHCP_H */
