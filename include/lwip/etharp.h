/**
 * @file etharp.h
 * ARP for IPv4 over Ethernet (RFC 826, RFC 1122 2.3.2, RFC 5227 for
 * gratuitous announcements).
 *
 * The cache holds ARP_TABLE_SIZE entries.  An entry is INCOMPLETE while a
 * request is outstanding (with up to ARP_QUEUE_LEN packets waiting for it),
 * STABLE once answered, and STABLE_REREQUESTING shortly before it expires so
 * traffic never stalls on a refresh.  Static entries (the arp_static_entries
 * option) never expire.
 */
#ifndef LWIP_ETHARP_H
#define LWIP_ETHARP_H

#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "lwip/ip4_addr.h"
#include "lwip/prot/ethernet.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Seconds a learned entry lives (RFC 1122 2.3.2.1 asks for a timeout;
 *  Linux uses about 30 s reachable time, lwIP 5 minutes). */
#define ARP_MAXAGE_S 300
/** Seconds before expiry at which a used entry is refreshed. */
#define ARP_REREQUEST_S 15
/** Seconds an unanswered entry stays INCOMPLETE (requests resent each second). */
#define ARP_MAXPENDING_S 5

enum etharp_state {
  ETHARP_STATE_EMPTY = 0,
  ETHARP_STATE_PENDING,              /**< INCOMPLETE: request sent, no answer yet */
  ETHARP_STATE_STABLE,
  ETHARP_STATE_STABLE_REREQUESTING,  /**< about to expire, refresh sent */
  ETHARP_STATE_STATIC
};

/** A cache entry as shown to tools (lwipctl arp, gdb). */
struct etharp_entry_info {
  ip4_addr_t ipaddr;
  struct eth_addr ethaddr;
  struct netif *netif;
  enum etharp_state state;
  u16_t age_s;   /**< seconds since learned or since the request was sent */
  u8_t queued;   /**< packets waiting for resolution */
};

/** netif->output for Ethernet: resolve @p ipaddr (or map broadcast and
 *  multicast directly) and send.  Does not take ownership of @p q; a packet
 *  that must wait for resolution is copied or referenced into the queue.
 *  @return ERR_OK (sent or queued), ERR_MEM (no memory to queue), ERR_RTE
 *  (no usable next hop) or a driver error. */
err_t etharp_output(struct netif *netif, struct pbuf *q, const ip4_addr_t *ipaddr);
/** Send @p q to @p ipaddr, which must be on the link, sending a request when
 *  unresolved.  @p q may be NULL to only resolve.  Does not take ownership.
 *  @return as etharp_output(). */
err_t etharp_query(struct netif *netif, const ip4_addr_t *ipaddr, struct pbuf *q);
/** Send one ARP message from our MAC: @p opcode (ARP_REQUEST/ARP_REPLY),
 *  sender IP @p ipsrc (0.0.0.0 for an RFC 5227 probe), target MAC @p hwdst
 *  and IP @p ipdst, in a frame to @p ethdst.
 *  @return ERR_OK, ERR_MEM (counted as ARP_NO_MEM) or a driver error. */
err_t etharp_raw(struct netif *netif, const struct eth_addr *ethdst, u16_t opcode, const struct eth_addr *hwdst,
                 const ip4_addr_t *ipsrc, const ip4_addr_t *ipdst);
/** Broadcast a request for @p ipaddr.  @return ERR_OK, ERR_MEM or a driver error. */
err_t etharp_request(struct netif *netif, const ip4_addr_t *ipaddr);
/** Announce our address (a request for our own IP, RFC 5227 2.3).
 *  Sent when an address comes up or changes. */
err_t etharp_gratuitous(struct netif *netif);
/** Process a received ARP packet (payload at the ARP header).
 *  Takes ownership of @p p. */
void etharp_input(struct pbuf *p, struct netif *netif);

#if LWIP_ARP_STATIC_ENTRIES
/** Add or replace a static entry.  @return ERR_OK, ERR_MEM (table full),
 *  ERR_ARG (broadcast/multicast address) or ERR_RTE (no netif for it). */
err_t etharp_add_static_entry(const ip4_addr_t *ipaddr, const struct eth_addr *ethaddr);
/** @return ERR_OK, or ERR_ARG when no static entry exists for @p ipaddr. */
err_t etharp_remove_static_entry(const ip4_addr_t *ipaddr);
#else
/* Built without arp_static_entries (the minimal profile): every entry is
 * learned from the wire and ages; a caller is told ERR_VAL and the table
 * is left as it was. */
static inline err_t etharp_add_static_entry(const ip4_addr_t *ipaddr, const struct eth_addr *ethaddr)
{
  (void)ipaddr;
  (void)ethaddr;
  return ERR_VAL;
}
static inline err_t etharp_remove_static_entry(const ip4_addr_t *ipaddr)
{
  (void)ipaddr;
  return ERR_VAL;
}
#endif
/** Forget every entry of @p netif, discarding queued packets. */
void etharp_cleanup_netif(struct netif *netif);
/** Forget every dynamic entry (all netifs); static entries stay. */
void etharp_flush(void);
/** Look up a resolved entry.  @return its index, or -1 if none. */
int etharp_find_addr(struct netif *netif, const ip4_addr_t *ipaddr,
                     struct eth_addr **eth_ret, const ip4_addr_t **ip_ret);
/** Observer of the cache (lwipd's "arp" events, tests), called after an
 *  entry is created (INCOMPLETE by a query, STABLE learned from a message
 *  to us, or STATIC), after it changes state or MAC (resolved, refreshing,
 *  moved, made static), with @p removed false and @p e as it is now; and
 *  just before it is removed (expired, unresolved, recycled for another
 *  address, flushed, deleted, its netif cleaned up), with @p removed true
 *  and @p e as it was.  A refresh that changes neither state nor MAC is
 *  not reported.  @p e is valid only during the call; e->netif of a
 *  removed entry may be on its way out (compare, do not use).  The hook
 *  must not change the ARP table or send. */
typedef void (*etharp_change_fn)(const struct etharp_entry_info *e, bool removed, void *arg);
#if LWIP_STATS
/* The table's view for tools (lwipctl arp, lwipd's "arp" events) comes
 * with the stats option, as tcp_get_info's full snapshot does.  Without
 * it the inline stand-ins below show an empty table and report nothing;
 * gdb's lwip-arp reads the table itself and works either way. */

/** Fill @p info for table slot @p i.  @return 1 when the slot is in use, 0
 *  when empty or out of range (iterate i from 0 to ARP_TABLE_SIZE-1). */
int etharp_get_entry_info(size_t i, struct etharp_entry_info *info);
/** Name of a state ("stable"), "?" when out of range.  The names are
 *  built with debug_log (LWIP_DEBUG); without it the state's number
 *  ("2"). */
const char *etharp_state_name(enum etharp_state state);
/** Set the change hook (NULL: none); @p arg is passed to it.  One hook at
 *  a time; lwip_init() keeps it and forgets the table without reports. */
void etharp_set_change_hook(etharp_change_fn fn, void *arg);
#else
/** Without stats: every slot reads as empty (0). */
static inline int etharp_get_entry_info(size_t i, struct etharp_entry_info *info)
{
  (void)i;
  (void)info;
  return 0;
}
/** Without stats: "?" for every state. */
static inline const char *etharp_state_name(enum etharp_state state)
{
  (void)state;
  return "?";
}
/** Without stats: the hook is never called, so it is not kept. */
static inline void etharp_set_change_hook(etharp_change_fn fn, void *arg)
{
  (void)fn;
  (void)arg;
}
#endif

#ifdef __cplusplus
}
#endif

/* lwIP's etharp.h brings these in, and applications rely on it. */
#include "lwip/ip4.h"
#include "lwip/prot/etharp.h"

#endif /* LWIP_ETHARP_H */
