/**
 * @file nd6.h
 * Neighbor Discovery for IPv6 (RFC 4861) over Ethernet, and the duplicate
 * address detection of RFC 4862 5.4.
 *
 * The neighbor cache holds ND6_NUM_NEIGHBORS entries across all netifs,
 * each in one of the states of RFC 4861 7.3.2: INCOMPLETE (solicitations
 * sent to the solicited-node group, up to ND6_QUEUE_LEN packets waiting),
 * REACHABLE (confirmed within ReachableTime), STALE (not confirmed lately;
 * used as is), DELAY (used while STALE: upper layers get
 * DELAY_FIRST_PROBE_TIME to confirm) and PROBE (unicast solicitations).
 * Timers run only while some entry, DAD or router solicitation needs them.
 *
 * Ownership: nd6_input takes ownership; ethip6_output never does (a packet
 * that must wait for resolution is copied into the queue).
 */
#ifndef LWIP_ND6_H
#define LWIP_ND6_H

#include "lwip/opt.h"
#include "lwip/ip6.h"
#include "lwip/netif.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/nd6.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 4861 10 protocol constants (host side). */
#define ND6_MAX_MULTICAST_SOLICIT 3
#define ND6_MAX_UNICAST_SOLICIT 3
#define ND6_REACHABLE_TIME_MS 30000U /* BaseReachableTime, randomised by 0.5..1.5 */
#define ND6_RETRANS_TIMER_MS 1000U
#define ND6_DELAY_FIRST_PROBE_TIME_MS 5000U
#define ND6_MAX_RTR_SOLICITATION_DELAY_MS 1000U
#define ND6_RTR_SOLICITATION_INTERVAL_MS 4000U
#define ND6_MAX_RTR_SOLICITATIONS 3
/** RFC 4862 5.1 DupAddrDetectTransmits. */
#define ND6_DUP_ADDR_DETECT_TRANSMITS 1

enum nd6_state {
  ND6_NO_ENTRY = 0,
  ND6_INCOMPLETE,
  ND6_REACHABLE,
  ND6_STALE,
  ND6_DELAY,
  ND6_PROBE,
};

/** Name of a state ("reachable"), "?" when out of range. */
const char *nd6_state_name(int state);

/** A neighbor cache entry as shown to tools (lwipctl nd.list, gdb). */
struct nd6_neighbor_info {
  ip6_addr_t addr;
  struct eth_addr lladdr; /**< zero while INCOMPLETE */
  struct netif *netif;
  enum nd6_state state;
  bool is_router;
  u8_t queued;  /**< packets waiting for resolution */
  u8_t probes;  /**< solicitations sent in this INCOMPLETE/PROBE round */
  u32_t age_ms; /**< since the state last changed */
};

/** Entry @p i of the cache (0 .. ND6_NUM_NEIGHBORS-1).
 *  @return true and fills @p out when slot @p i is in use. */
bool nd6_get_neighbor_info(int i, struct nd6_neighbor_info *out);

/** Called when an entry appears, changes state or goes; @p gone on
 *  removal.  For lwipd's watch events.  NULL removes the hook. */
typedef void (*nd6_change_hook_fn)(const struct nd6_neighbor_info *info, bool gone);
void nd6_set_change_hook(nd6_change_hook_fn hook);

/** Empty the neighbor cache of @p netif (NULL: every netif); queued packets
 *  are dropped and counted.  @return entries removed. */
int nd6_flush(struct netif *netif);

/** Process a received ND message (RS, RA, NS, NA, Redirect; payload at the
 *  ICMPv6 header, checksum already verified).  Takes ownership of @p p. */
void nd6_input(struct pbuf *p, const struct ip6_rx *rx);

/** netif->output_ip6 for Ethernet: map a multicast destination to
 *  33:33:xx:xx:xx:xx (RFC 2464 7), resolve a unicast next hop through the
 *  neighbor cache (queueing while INCOMPLETE) and send.  Does not take
 *  ownership.  @return ERR_OK (sent or queued), ERR_MEM, ERR_RTE or the
 *  driver's error. */
err_t ethip6_output(struct netif *netif, struct pbuf *p, const ip6_addr_t *ip6addr);

/** Next hop for @p dest leaving by @p netif (RFC 4861 5.2): a Redirect
 *  for @p dest first (8.3), then @p dest itself when on-link (link-local,
 *  multicast, inside an on-link prefix from an RA or the prefix of a
 *  configured address), then the router of the longest matching Route
 *  Information route (RFC 4191), then a default router chosen by 6.3.6
 *  with RFC 4191 preferences.
 *  @return true and fills @p next_hop, false when there is none. */
bool nd6_next_hop(const struct netif *netif, const ip6_addr_t *dest, ip6_addr_t *next_hop);
/** Does @p netif have a default router, or a Route Information route for
 *  ::/0 (RFC 4191)? */
bool nd6_has_default_router(const struct netif *netif);

/* ---------------------------------------------------------------------- */
/* Router discovery (RFC 4861 6.3.4), SLAAC (RFC 4862 5.5), Redirect (8.3) */
/* ---------------------------------------------------------------------- */

/* Bounds of the lists Router Advertisements fill.  ND6_NUM_ROUTERS and
 * ND6_NUM_PREFIXES are meson options (nd6_num_routers, nd6_num_prefixes);
 * the rest are fixed: an RA flood past any of them is dropped and counted
 * (ND6_*_FULL), never grows memory. */
#define ND6_NUM_RDNSS 4       /**< recursive DNS servers (RFC 8106 5.1), all netifs */
#define ND6_NUM_DNSSL 4       /**< DNS search domains (RFC 8106 5.2), all netifs */
#define ND6_DNSSL_NAME_MAX 63 /**< longest search domain kept, dotted text */
#define ND6_NUM_ROUTES 8      /**< Route Information routes (RFC 4191 2.3) */
#define ND6_NUM_REDIRECTS 8   /**< destinations redirected (RFC 4861 8.3) */
/** A Redirect is forgotten this long after it was last confirmed: RFC 4861
 *  gives it no lifetime, and a stale one would outlive a routing change. */
#define ND6_REDIRECT_LIFETIME_S 600U
/** RFC 7217 6: new identifiers tried after a DAD failure of a SLAAC address. */
#define ND6_IDGEN_RETRIES 3
/** RFC 4862 5.5.3 e): a Router Advertisement cannot cut an address's
 *  remaining valid lifetime below two hours (unless it is already below). */
#define ND6_TWO_HOURS_S 7200U

/** A default router (RFC 4861 6.3.4), for lwipctl nd.routers and gdb. */
struct nd6_router_info {
  ip6_addr_t addr; /**< its link-local address */
  struct netif *netif;
  u32_t lifetime_left_s;
  s8_t preference; /**< RFC 4191 2.2: -1 low, 0 medium, 1 high */
  bool reachable;  /**< its neighbor entry is reachable or probably so (6.3.6) */
};
/** Default router slot @p i (0 .. ND6_NUM_ROUTERS-1).
 *  @return true and fills @p out when slot @p i is in use. */
bool nd6_get_router_info(int i, struct nd6_router_info *out);

/** A prefix from a Prefix Information option (RFC 4861 6.3.4, 4862 5.5.3). */
struct nd6_prefix_info {
  ip6_addr_t prefix;
  u8_t prefix_len;
  struct netif *netif;
  bool onlink;     /**< L flag seen: addresses inside are on-link */
  bool autonomous; /**< A flag of the latest option: SLAAC allowed */
  u32_t valid_left_s;
  u32_t pref_left_s;
};
/** Prefix slot @p i (0 .. ND6_NUM_PREFIXES-1).  @return true when in use. */
bool nd6_get_prefix_info(int i, struct nd6_prefix_info *out);

/** A recursive DNS server from an RDNSS option (RFC 8106 5.1). */
struct nd6_rdnss_info {
  ip6_addr_t addr; /**< zone set when link-local */
  struct netif *netif;
  u32_t lifetime_left_s;
};
/** RDNSS slot @p i (0 .. ND6_NUM_RDNSS-1).  @return true when in use. */
bool nd6_get_rdnss_info(int i, struct nd6_rdnss_info *out);

/** A DNS search domain from a DNSSL option (RFC 8106 5.2). */
struct nd6_dnssl_info {
  char domain[ND6_DNSSL_NAME_MAX + 1]; /**< dotted, no trailing dot */
  struct netif *netif;
  u32_t lifetime_left_s;
};
/** DNSSL slot @p i (0 .. ND6_NUM_DNSSL-1).  @return true when in use. */
bool nd6_get_dnssl_info(int i, struct nd6_dnssl_info *out);

/** A route from a Route Information option (RFC 4191 2.3). */
struct nd6_route_info {
  ip6_addr_t prefix;
  u8_t prefix_len;
  ip6_addr_t router; /**< the advertising router, the next hop */
  struct netif *netif;
  s8_t preference; /**< -1 low, 0 medium, 1 high */
  u32_t lifetime_left_s;
};
/** Route slot @p i (0 .. ND6_NUM_ROUTES-1).  @return true when in use. */
bool nd6_get_route_info(int i, struct nd6_route_info *out);

/** A destination redirected by its first-hop router (RFC 4861 8.3). */
struct nd6_redirect_info {
  ip6_addr_t dest;
  ip6_addr_t target; /**< the better first hop (== dest when on-link) */
  struct netif *netif;
  u32_t lifetime_left_s; /**< of ND6_REDIRECT_LIFETIME_S */
};
/** Redirect slot @p i (0 .. ND6_NUM_REDIRECTS-1).  @return true when in use. */
bool nd6_get_redirect_info(int i, struct nd6_redirect_info *out);

/** What Router Advertisements set on one netif (RFC 4861 6.3.4); the
 *  protocol defaults until an RA says otherwise. */
struct nd6_ra_params {
  bool ra_seen;            /**< an RA was accepted on this netif */
  u32_t last_ra_age_ms;    /**< since the latest accepted RA (0 when none) */
  u8_t cur_hop_limit;      /**< for packets we originate (IP6_DEFAULT_HOPLIM until set) */
  u32_t base_reachable_ms; /**< BaseReachableTime (ReachableTime is drawn 0.5..1.5 times it per entry) */
  u32_t retrans_ms;        /**< RetransTimer between solicitations */
  u16_t mtu;               /**< link MTU from the MTU option, 0 when none */
  bool managed;            /**< M flag: addresses from DHCPv6 */
  bool other;              /**< O flag: other configuration from DHCPv6 */
};
/** Fill @p out for @p netif.  @return false for NULL arguments. */
bool nd6_get_ra_params(const struct netif *netif, struct nd6_ra_params *out);
/** Hop limit for packets @p netif originates: the RA's CurHopLimit when one
 *  set it, else IP6_DEFAULT_HOPLIM. */
u8_t nd6_hop_limit(const struct netif *netif);

/** Which list a router-side event is about. */
enum nd6_list {
  ND6_LIST_ROUTER = 0,
  ND6_LIST_PREFIX,
  ND6_LIST_RDNSS,
  ND6_LIST_DNSSL,
  ND6_LIST_ROUTE,
  ND6_LIST_REDIRECT,
};
/** One change in a list: slot @p slot of @p list appeared or changed
 *  (@p gone false) or went away (@p gone true, the union holds the last
 *  contents). */
struct nd6_list_event {
  enum nd6_list list;
  int slot;
  bool gone;
  union {
    struct nd6_router_info router;
    struct nd6_prefix_info prefix;
    struct nd6_rdnss_info rdnss;
    struct nd6_dnssl_info dnssl;
    struct nd6_route_info route;
    struct nd6_redirect_info redirect;
  } u;
};
/** Called when a router, prefix, RDNSS, DNSSL, route or redirect entry is
 *  added, changes (a router's or route's preference, a prefix's L or A
 *  flag, a redirect's target) or goes (lifetime over, lifetime 0 in an RA,
 *  flushed, netif down).  A later RA that only refreshes a lifetime is no
 *  event: the getters give the time left.  Called from input or timer
 *  processing; it must not change the lists.  For lwipd's watch events.
 *  NULL removes the hook. */
typedef void (*nd6_list_hook_fn)(const struct nd6_list_event *ev);
void nd6_set_list_hook(nd6_list_hook_fn hook);

/** Forget every router, prefix, RDNSS, DNSSL, route and redirect learned on
 *  @p netif (NULL: every netif); addresses made by SLAAC stay until their
 *  lifetimes end.  @return entries removed. */
int nd6_flush_routers(struct netif *netif);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_ND6_H */
