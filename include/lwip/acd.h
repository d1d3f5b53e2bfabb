/**
 * @file acd.h
 * IPv4 address conflict detection (RFC 5227): probe a candidate address
 * before using it, announce it once claimed, and defend it afterwards.
 *
 * A user (the DHCP client, AutoIP) embeds a struct acd, registers it on a
 * netif with acd_add() and starts it with acd_start(); the callback says
 * when the address may be used (ACD_IP_OK), when a conflict was found
 * while probing (ACD_DECLINE) and when a defended address must be given up
 * (ACD_RESTART_CLIENT).
 */
#ifndef LWIP_ACD_H
#define LWIP_ACD_H

#include "lwip/opt.h"

#if LWIP_DHCP

#include "lwip/netif.h"
#include "lwip/ip4_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 5227 1.1 constants, in milliseconds. */
#define ACD_PROBE_WAIT_MS 1000U
#define ACD_PROBE_NUM 3U
#define ACD_PROBE_MIN_MS 1000U
#define ACD_PROBE_MAX_MS 2000U
#define ACD_ANNOUNCE_WAIT_MS 2000U
#define ACD_ANNOUNCE_NUM 2U
#define ACD_ANNOUNCE_INTERVAL_MS 2000U
#define ACD_MAX_CONFLICTS 10U
#define ACD_RATE_LIMIT_INTERVAL_MS 60000U
#define ACD_DEFEND_INTERVAL_MS 10000U

typedef enum {
  ACD_IP_OK,          /**< probing found no one: the address may be used */
  ACD_RESTART_CLIENT, /**< a defended address was lost: stop using it */
  ACD_DECLINE         /**< conflict while probing: do not use the address */
} acd_callback_enum_t;

typedef void (*acd_conflict_callback_t)(struct netif *netif, acd_callback_enum_t state);

enum acd_state {
  ACD_STATE_OFF,
  ACD_STATE_PROBE_WAIT,  /**< random delay before the first probe */
  ACD_STATE_PROBING,     /**< probes sent, listening for conflicts */
  ACD_STATE_ANNOUNCE_WAIT, /**< last probe sent, waiting ANNOUNCE_WAIT */
  ACD_STATE_ANNOUNCING,  /**< address claimed, announcements going out */
  ACD_STATE_ONGOING      /**< address in use and defended */
};

struct acd {
  struct acd *next;          /**< next ACD user on the same netif */
  struct netif *netif;
  ip4_addr_t ipaddr;         /**< candidate or claimed address */
  u8_t state;                /**< enum acd_state */
  u8_t sent_num;             /**< probes or announcements sent */
  u8_t num_conflicts;        /**< conflicts seen since acd_add() */
  bool defended;             /**< last_defend_ms is valid */
  u32_t last_defend_ms;      /**< when we last defended (RFC 5227 2.4 (b)) */
  acd_conflict_callback_t acd_conflict_callback;
};

/** Register @p acd on @p netif with @p cb.  @return ERR_OK or ERR_ARG. */
err_t acd_add(struct netif *netif, struct acd *acd, acd_conflict_callback_t cb);
/** Stop and unregister @p acd. */
void acd_remove(struct netif *netif, struct acd *acd);
/** Start probing @p ipaddr (after a random 0-1 s wait, RFC 5227 2.1.1). */
err_t acd_start(struct netif *netif, struct acd *acd, ip4_addr_t ipaddr);
/** Stop probing or defending; the callback is not called. */
err_t acd_stop(struct acd *acd);
/** Stop every ACD user of @p netif (its link went down). */
void acd_network_changed_link_down(struct netif *netif);
/** Hook called by etharp_input() for every well-formed ARP packet that
 *  arrives on @p netif; @p arp points at its SIZEOF_ETHARP_HDR bytes. */
void acd_arp_reply(struct netif *netif, const u8_t *arp);
/** Name of a state ("probing"). */
const char *acd_state_name(u8_t state);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_DHCP */
#endif /* LWIP_ACD_H */
