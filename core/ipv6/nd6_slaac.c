/**
 * @file nd6_slaac.c
 * Stateless address autoconfiguration for a host (RFC 4862 5.5.3): an
 * autonomous /64 prefix from a Router Advertisement becomes an address
 * made with the netif's RFC 7217 stable, opaque identifier (or modified
 * EUI-64), which goes through DAD; a conflict tries the next RFC 7217
 * DAD_Counter, up to ND6_IDGEN_RETRIES (RFC 7217 6), for the link-local
 * address as well.  Later RAs refresh the lifetimes under the two-hour
 * rule.  The lifetimes of every address count down here, on the ND timer:
 * deprecated when the preferred one ends, removed with the valid one
 * (5.5.4).  nd6_router.c hands the prefixes over.
 */
#include "lwip/nd6.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/priv/nd6_priv.h"
#include <string.h>


/* The SLAAC address of @p netif made from the /64 @p prefix (any state but
 * invalid), or -1. */
static s8_t slaac_find(const struct netif *netif, const ip6_addr_t *prefix)
{
  for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (!ip6_addr_isinvalid(netif->ip6_addr_state[i]) && netif->ip6_addr_origin[i] == NETIF_IP6_ORIGIN_SLAAC &&
        ip6_addr_prefix_eq(netif_ip6_addr(netif, i), prefix, 64)) {
      return i;
    }
  }
  return -1;
}

/* Put prefix + identifier (DAD_Counter @p counter) into a free slot as a
 * tentative SLAAC address with the given lifetimes.  @return the slot or -1. */
static s8_t slaac_form(struct netif *netif, const ip6_addr_t *prefix, u8_t counter, u32_t valid, u32_t pref)
{
  ip6_addr_t a;
  memset(&a, 0, sizeof(a));
  memcpy(a.addr, prefix->addr, 8);
  u8_t iid[8];
  netif_ip6_make_iid(netif, prefix, counter, iid);
  memcpy((u8_t *)a.addr + 8, iid, 8);
  if (netif_get_ip6_addr_match(netif, &a) >= 0) {
    /* Configured by hand already: that one stays as it is. */
    return -1;
  }
  s8_t idx = -1;
  if (netif_add_ip6_address_prefix(netif, &a, 64, &idx) != ERR_OK) {
    LWIP_DROP(ND6_ADDRS_FULL);
    return -1;
  }
  netif->ip6_addr_origin[idx] = NETIF_IP6_ORIGIN_SLAAC;
  netif->ip6_addr_dad_counter[idx] = counter;
  netif_ip6_addr_set_lifetimes(netif, idx, valid, pref);
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(ND6, INFO, "SLAAC: %s on %c%c%u (DAD_Counter %u), valid %lu s preferred %lu s",
           ip6addr_ntoa_r(&a, b, sizeof(b)), netif->name[0], netif->name[1], netif->num, counter, (unsigned long)valid,
           (unsigned long)pref);
  LWIP_UNUSED_ARG(b);
  return idx;
}

/* RFC 4862 5.5.3 e): new lifetimes for an address formed earlier.  The
 * preferred lifetime is taken as it comes; the valid one only when it is
 * above two hours or above what is left, otherwise cut to two hours unless
 * less than that is left already, so a forged RA cannot end an address. */
static void slaac_refresh(struct netif *netif, s8_t idx, u32_t valid, u32_t pref)
{
  u32_t left = netif_ip6_addr_valid_left(netif, idx);
  u32_t nv;
  if (valid > ND6_TWO_HOURS_S || valid > left) {
    nv = valid;
  } else if (left <= ND6_TWO_HOURS_S) {
    nv = left;
  } else {
    nv = ND6_TWO_HOURS_S;
  }
  netif_ip6_addr_set_lifetimes(netif, idx, nv, pref);
}

void nd6_slaac_prefix(struct netif *netif, const ip6_addr_t *prefix, u8_t len, u32_t valid, u32_t pref)
{
  if (!netif->ip6_autoconfig_enabled) {
    return;
  }
  if (pref > valid) {
    /* 5.5.3 c). */
    LWIP_DROP(ND6_SLAAC_IGNORED);
    return;
  }
  s8_t idx = slaac_find(netif, prefix);
  if (idx >= 0) {
    slaac_refresh(netif, idx, valid, pref);
    return;
  }
  if (valid == 0) {
    return;
  }
  if (len != 64) {
    /* 5.5.3 d): prefix length plus the 64-bit identifier must make 128. */
    LWIP_DROP(ND6_SLAAC_IGNORED);
    return;
  }
  slaac_form(netif, prefix, 0, valid, pref);
}

void nd6_slaac_dad_failed(struct netif *netif, s8_t idx)
{
  u8_t counter = netif->ip6_addr_dad_counter[idx];
  if (idx == 0 && netif->ip6_addr_origin[idx] == NETIF_IP6_ORIGIN_LINKLOCAL &&
      netif->ip6_iid_mode == NETIF_IP6_IID_STABLE_OPAQUE && counter < ND6_IDGEN_RETRIES) {
    /* RFC 7217 6 holds for the link-local identifier too: without a
     * link-local address the netif could do no ND at all. */
    LWIP_LOG(ND6, WARN, "link-local address duplicate: trying DAD_Counter %u", counter + 1U);
    netif_ip6_linklocal_set(netif, (u8_t)(counter + 1U));
    return;
  }
  if (netif->ip6_addr_origin[idx] != NETIF_IP6_ORIGIN_SLAAC) {
    return;
  }
  if (netif->ip6_iid_mode != NETIF_IP6_IID_STABLE_OPAQUE || counter >= ND6_IDGEN_RETRIES) {
    /* Modified EUI-64 has no second choice; RFC 7217 6 stops after
     * IDGEN_RETRIES.  The duplicate stays (never used) until its valid
     * lifetime ends, so the next RA does not try the same again. */
    LWIP_LOG(ND6, WARN, "SLAAC: no address for this prefix after %u identifiers", counter + 1U);
    LWIP_DROP(ND6_SLAAC_GAVE_UP);
    return;
  }
  ip6_addr_t prefix = *netif_ip6_addr(netif, idx);
  u32_t valid = netif_ip6_addr_valid_left(netif, idx);
  u32_t pref = netif_ip6_addr_pref_left(netif, idx);
  netif_ip6_addr_set_state(netif, idx, IP6_ADDR_INVALID);
  /* RFC 7217 6: a new identifier from the next DAD_Counter. */
  slaac_form(netif, &prefix, (u8_t)(counter + 1U), valid, pref);
}

/* An address of @p n: deprecated when its preferred lifetime ends, removed
 * when its valid lifetime does (RFC 4862 5.5.4). */
static void addr_timer(struct netif *n, s8_t i, u32_t now)
{
  u8_t st = n->ip6_addr_state[i];
  if (ip6_addr_isinvalid(st) || n->ip6_addr_valid_life[i] == IP6_ADDR_LIFE_INFINITE) {
    return;
  }
  struct nd6_life v = {n->ip6_addr_valid_life[i], n->ip6_addr_life_stamp[i]};
  struct nd6_life p = {n->ip6_addr_pref_life[i], n->ip6_addr_life_stamp[i]};
  nd6_life_rebase(&v, now);
  nd6_life_rebase(&p, now);
  n->ip6_addr_valid_life[i] = v.left_s;
  n->ip6_addr_pref_life[i] = p.left_s;
  n->ip6_addr_life_stamp[i] = v.stamp_ms;
  /* Both were rebased from the same stamp by the same whole seconds
   * (or the preferred one stopped at 0), so sharing v's stamp is exact. */
  if (nd6_life_over(&v, now)) {
    char b[IP6ADDR_STRLEN_MAX];
    LWIP_LOG(ND6, INFO, "%s: valid lifetime over, removed", ip6addr_ntoa_r(netif_ip6_addr(n, i), b, sizeof(b)));
    LWIP_UNUSED_ARG(b);
    netif_ip6_addr_set_state(n, i, IP6_ADDR_INVALID);
    return;
  }
  if (ip6_addr_ispreferred(st) && nd6_life_over(&p, now)) {
    netif_ip6_addr_set_state(n, i, IP6_ADDR_DEPRECATED);
  }
}

void nd6_slaac_tmr(u32_t now)
{
  struct netif *n;
  NETIF_FOREACH(n)
  {
    for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
      addr_timer(n, i, now);
    }
  }
}

void nd6_slaac_deadline(u32_t now, u32_t *at, bool *any)
{
  struct netif *n;
  NETIF_FOREACH(n)
  {
    for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
      u8_t st = n->ip6_addr_state[i];
      if (ip6_addr_isinvalid(st)) {
        continue;
      }
      struct nd6_life v = {n->ip6_addr_valid_life[i], n->ip6_addr_life_stamp[i]};
      nd6_life_deadline(&v, now, at, any);
      if (ip6_addr_ispreferred(st)) {
        struct nd6_life p = {n->ip6_addr_pref_life[i], n->ip6_addr_life_stamp[i]};
        nd6_life_deadline(&p, now, at, any);
      }
    }
  }
}
