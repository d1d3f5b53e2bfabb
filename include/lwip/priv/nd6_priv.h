/**
 * @file priv/nd6_priv.h
 * What netif.c and ip6.c call in the IPv6 core: netif up/down events, the
 * DAD start/stop of one address, and the keyed hash of RFC 7217.  Private:
 * applications use netif.h, nd6.h and ip6.h.
 */
#ifndef LWIP_PRIV_ND6_PRIV_H
#define LWIP_PRIV_ND6_PRIV_H

#include "lwip/opt.h"
#include "lwip/netif.h"
#include "lwip/nd6.h"
#include "lwip/timeouts.h"

/** The netif came up (or its link did): start DAD for tentative addresses
 *  and router solicitation. */
void nd6_netif_up(struct netif *netif);
/** The netif went down or is being removed: stop DAD and solicitation, drop
 *  its neighbor entries and their queues. */
void nd6_netif_down(struct netif *netif);
/** Start duplicate address detection of slot @p idx (tentative). */
void nd6_dad_start(struct netif *netif, s8_t idx);
/** Stop DAD of slot @p idx (the address goes away). */
void nd6_dad_stop(struct netif *netif, s8_t idx);

/** The lifetimes of an address of @p netif changed: re-arm the ND timer
 *  for their expiry. */
void nd6_addr_lifetimes_changed(struct netif *netif);

/* Between nd6.c (neighbor cache, DAD, solicitations) and nd6_router.c
 * (Router Advertisements, the router/prefix/route lists, SLAAC, Redirect). */
struct ip6_rx;
struct pbuf;
void nd6_router_init(void);
/** Router Advertisement (hop limit and code checked), Redirect.  Neither
 *  takes ownership of @p p. */
void nd6_ra_input(struct pbuf *p, const struct ip6_rx *rx);
void nd6_redirect_input(struct pbuf *p, const struct ip6_rx *rx);
/** Timer work of the router side at @p now. */
void nd6_router_tmr(u32_t now);
/** Earliest deadline of the router side into *@p at.  @return false when none. */
bool nd6_router_next_deadline(u32_t now, u32_t *at);
/** @p netif went down or away: forget what was learned on it. */
void nd6_router_netif_down(struct netif *netif);
/** The neighbor @p addr on @p netif says it is no router any more (RFC 4861
 *  7.2.5): it leaves the default router list. */
void nd6_router_not_router(struct netif *netif, const ip6_addr_t *addr);
/** DAD found slot @p idx duplicate; a SLAAC or stable link-local address
 *  is retried with the next RFC 7217 DAD_Counter.  Called after the state
 *  is DUPLICATED. */
void nd6_slaac_dad_failed(struct netif *netif, s8_t idx);
/** (Re)make the link-local address in slot 0 from the netif's identifier
 *  with RFC 7217 DAD_Counter @p dad_counter, tentative (netif.c). */
void netif_ip6_linklocal_set(struct netif *netif, u8_t dad_counter);
/** Re-arm the ND timer (nd6.c). */
void nd6_reschedule(void);

/** Parse the options of an ND message from @p off (RFC 4861 4.6: every
 *  option non-empty and inside the message).  @return false on a bad one. */
bool nd6_opts_valid(const struct pbuf *p, u16_t off);
/** Record @p lla for @p addr (RFC 4861 7.2.3 rules: created STALE, STALE
 *  when it changes), with IsRouter @p is_router (-1: leave as is); @p lla
 *  NULL only sets IsRouter on an existing entry. */
void nd6_neighbor_learn(struct netif *netif, const ip6_addr_t *addr, const u8_t *lla, int is_router);
/** State of the neighbor entry of @p addr on @p netif (ND6_NO_ENTRY when none). */
enum nd6_state nd6_neighbor_state(const struct netif *netif, const ip6_addr_t *addr);
/** Is @p lla unusable for a neighbor (multicast, or our own)? */
bool nd6_lla_bad(const u8_t *lla, const struct netif *netif);

/* ---------------------------------------------------------------------- */
/* Lifetimes of router-side entries and SLAAC addresses (nd6_router.c,     */
/* nd6_slaac.c)                                                            */
/* ---------------------------------------------------------------------- */

/** The longest the ND timer sleeps while some finite lifetime runs: stamps
 *  are moved forward at least this often, so they never age past the wrap
 *  of the 32-bit millisecond clock. */
#define ND6_LIFE_MAX_SLEEP_MS 3600000UL

/** A lifetime: @c left_s seconds (ND6_LIFETIME_INFINITE: no end) as of
 * sys_now() == @c stamp_ms. */
struct nd6_life {
  u32_t left_s;
  u32_t stamp_ms;
};


static inline void nd6_life_set(struct nd6_life *l, u32_t s, u32_t now)
{
  l->left_s = s;
  l->stamp_ms = now;
}

static inline u32_t nd6_life_left(const struct nd6_life *l, u32_t now)
{
  if (l->left_s == ND6_LIFETIME_INFINITE) {
    return l->left_s;
  }
  u32_t gone_s = (now - l->stamp_ms) / 1000U;
  return gone_s >= l->left_s ? 0 : l->left_s - gone_s;
}

/* Count the whole seconds gone since the stamp off the lifetime, keeping
 * the part of a second in the stamp. */
static inline void nd6_life_rebase(struct nd6_life *l, u32_t now)
{
  if (l->left_s == ND6_LIFETIME_INFINITE) {
    l->stamp_ms = now;
    return;
  }
  u32_t gone_s = (now - l->stamp_ms) / 1000U;
  gone_s = LWIP_MIN(gone_s, l->left_s);
  l->left_s -= gone_s;
  l->stamp_ms += gone_s * 1000U;
}

static inline bool nd6_life_over(const struct nd6_life *l, u32_t now)
{
  if (l->left_s == ND6_LIFETIME_INFINITE) {
    return false;
  }
  return (u64_t)(now - l->stamp_ms) >= (u64_t)l->left_s * 1000U;
}

/* Fold the moment @p l ends (capped at ND6_LIFE_MAX_SLEEP_MS ahead) into the
 * earliest deadline *@p at / *@p any. */
static inline void nd6_life_deadline(const struct nd6_life *l, u32_t now, u32_t *at, bool *any)
{
  if (l->left_s == ND6_LIFETIME_INFINITE) {
    return;
  }
  u64_t end = (u64_t)l->left_s * 1000U;
  u64_t gone = now - l->stamp_ms;
  u64_t wait = end > gone ? end - gone : 0;
  if (wait > ND6_LIFE_MAX_SLEEP_MS) {
    wait = ND6_LIFE_MAX_SLEEP_MS;
  }
  u32_t t = now + (u32_t)wait;
  if (!*any || lwip_time_before(t, *at)) {
    *at = t;
    *any = true;
  }
}

/* SLAAC (nd6_slaac.c) */
/** An autonomous prefix from a Prefix Information option (RFC 4862 5.5.3,
 *  link-local prefixes already refused): form, refresh or leave alone the
 *  SLAAC address of @p netif for it. */
void nd6_slaac_prefix(struct netif *netif, const ip6_addr_t *prefix, u8_t len, u32_t valid, u32_t pref);
/** Count down the lifetimes of every netif's addresses at @p now:
 *  deprecate, remove. */
void nd6_slaac_tmr(u32_t now);
/** Fold the next address lifetime event into *@p at / *@p any. */
void nd6_slaac_deadline(u32_t now, u32_t *at, bool *any);

/** SipHash-2-4 of @p len bytes under the 128-bit @p key (the PRF of RFC
 *  7217 identifiers). */
u64_t lwip_siphash24(const u8_t key[16], const void *data, size_t len);

#endif
