/**
 * @file netif.c
 * Network interface list, configuration changes and their consequences
 * (gratuitous ARP, IGMP reports, PCB rebinding, callbacks), and loopback.
 */
#include "lwip/netif.h"
#include "lwip/ip.h"
#include "lwip/ip4.h"
#include "lwip/etharp.h"
#include "lwip/ethernet.h"
#include "lwip/igmp.h"
#include "lwip/udp.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/debug.h"
#if LWIP_IPV6
#include "lwip/ip6_addr.h"
#include "lwip/nd6.h"
#include "lwip/priv/nd6_priv.h"
#include "lwip/mld6.h"
#include "lwip/priv/mld6_priv.h"
#endif

#include <string.h>

struct netif *netif_list;
struct netif *netif_default;
static netif_ext_callback_t *ext_callbacks;

/** Netif numbers are 0..254 so that index = num + 1 fits in a u8_t. */
#define NETIF_NUM_MAX 254

#if LWIP_LOOPBACK
struct netif *netif_loopback;
static struct netif loop_netif;
/** Packets waiting in one netif's loopback queue before output fails with
 *  ERR_MEM; bounds what a sender that loops traffic to itself can pin. */
#define NETIF_LOOP_MAX_QUEUED 64
static void loop_poll_timeout(void *arg);
#endif

/* ------------------------------------------------------------------ */
/* Notifications                                                       */
/* ------------------------------------------------------------------ */

void netif_add_ext_callback(netif_ext_callback_t *callback, netif_ext_callback_fn fn)
{
  LWIP_ERROR_RET("netif_add_ext_callback: args", callback != NULL && fn != NULL, );
  for (netif_ext_callback_t *c = ext_callbacks; c != NULL; c = c->next) {
    if (c == callback) {
      return; /* already registered */
    }
  }
  callback->callback_fn = fn;
  callback->next = ext_callbacks;
  ext_callbacks = callback;
}

void netif_remove_ext_callback(netif_ext_callback_t *callback)
{
  for (netif_ext_callback_t **pp = &ext_callbacks; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == callback) {
      *pp = callback->next;
      callback->next = NULL;
      return;
    }
  }
}

static void notify(struct netif *netif, netif_nsc_reason_t reason, const netif_ext_callback_args_t *args)
{
  netif_ext_callback_t *c = ext_callbacks;
  while (c != NULL) {
    netif_ext_callback_t *next = c->next; /* a callback may unregister itself */
    c->callback_fn(netif, reason, args);
    c = next;
  }
}

/** Announce ourselves once the netif can actually send: gratuitous ARP for
 *  the address (RFC 5227 2.3) and IGMP reports for joined groups (RFC 2236
 *  3, after the link comes back).  Called on up, link up and address change. */
static void netif_issue_reports(struct netif *netif)
{
  if (!netif_is_up(netif) || !netif_is_link_up(netif)) {
    return;
  }
#if LWIP_ARP
  if ((netif->flags & NETIF_FLAG_ETHARP) && !ip4_addr_isany_val(*netif_ip4_addr(netif))) {
    etharp_gratuitous(netif);
  }
#endif
#if LWIP_IGMP
  if (netif->flags & NETIF_FLAG_IGMP) {
    igmp_report_groups(netif);
  }
#endif
#if LWIP_IPV6
  mld6_report_groups(netif); /* a no-op without NETIF_FLAG_MLD6 */
#endif
}

/* ------------------------------------------------------------------ */
/* Adding and removing                                                 */
/* ------------------------------------------------------------------ */

static bool num_in_use(u8_t num)
{
  struct netif *n;
  NETIF_FOREACH(n) {
    if (n->num == num) {
      return true;
    }
  }
  return false;
}

struct netif *netif_add_noaddr(struct netif *netif, void *state, netif_init_fn init, netif_input_fn input)
{
  return netif_add(netif, NULL, NULL, NULL, state, init, input);
}

struct netif *netif_add(struct netif *netif, const ip4_addr_t *ipaddr, const ip4_addr_t *netmask,
                        const ip4_addr_t *gw, void *state, netif_init_fn init, netif_input_fn input)
{
  LWIP_ERROR_RET("netif_add: netif and init", netif != NULL && init != NULL, NULL);
  for (struct netif *n = netif_list; n != NULL; n = n->next) {
    LWIP_ERROR_RET("netif_add: already added", n != netif, NULL);
  }
  memset(netif, 0, sizeof(*netif));
  ip_addr_set_ip4(&netif->ip_addr, ipaddr);
  ip_addr_set_ip4(&netif->netmask, netmask);
  ip_addr_set_ip4(&netif->gw, gw);
  netif->state = state;
  netif->input = input;
  netif->chksum_flags = NETIF_CHECKSUM_ENABLE_ALL;
#if LWIP_IPV6
  /* lwIP enables stateless autoconfiguration by default; a driver or the
   * application turns it off with netif_set_ip6_autoconfig_enabled(). */
  netif->ip6_autoconfig_enabled = 1;
#endif

  u8_t num = 0;
  while (num < NETIF_NUM_MAX && num_in_use(num)) {
    num++;
  }
  if (num == NETIF_NUM_MAX) {
    LWIP_LOG(NETIF, ERROR, "netif_add: no free netif number");
    return NULL;
  }
  netif->num = num;
  if (init(netif) != ERR_OK) {
    LWIP_LOG(NETIF, WARN, "netif_add: driver init failed");
    return NULL;
  }
  netif->num = num; /* the driver must not renumber */
  netif->next = netif_list;
  netif_list = netif;
#if LWIP_IGMP
  if (netif->flags & NETIF_FLAG_IGMP) {
    igmp_start(netif);
  }
#endif
  LWIP_LOG(NETIF, INFO, "added %c%c%u mtu %u", netif->name[0], netif->name[1], netif->num, netif->mtu);
  notify(netif, LWIP_NSC_NETIF_ADDED, NULL);
  return netif;
}

#if LWIP_LOOPBACK
static void loop_queue_free(struct netif *netif)
{
  sys_untimeout(loop_poll_timeout, netif);
  while (netif->loop_first != NULL) {
    struct pbuf *p = netif->loop_first;
    netif->loop_first = p->next;
    p->next = NULL;
    pbuf_free(p);
  }
  netif->loop_last = NULL;
  netif->loop_cnt = 0;
}
#endif

void netif_remove(struct netif *netif)
{
  if (netif == NULL) {
    return;
  }
  struct netif **pp = &netif_list;
  while (*pp != NULL && *pp != netif) {
    pp = &(*pp)->next;
  }
  if (*pp == NULL) {
    return; /* not added */
  }
  netif_set_down(netif); /* a no-op when it is down already */
#if LWIP_IGMP
  igmp_stop(netif);
#endif
#if LWIP_IPV6
  mld6_stop(netif);
#endif
#if LWIP_ARP
  etharp_cleanup_netif(netif);
#endif
#if LWIP_IPV6
  nd6_netif_down(netif);
#endif
#if LWIP_LOOPBACK
  loop_queue_free(netif);
  if (netif == netif_loopback) {
    netif_loopback = NULL;
  }
#endif
  if (!ip4_addr_isany_val(*netif_ip4_addr(netif))) {
    /* PCBs bound to the vanishing address become bound to any, as lwIP does. */
#if LWIP_UDP
    udp_netif_ip_addr_changed(&netif->ip_addr, NULL);
#endif
#if LWIP_RAW
    raw_netif_ip_addr_changed(&netif->ip_addr, NULL);
#endif
#if LWIP_TCP
    tcp_netif_ip_addr_changed(&netif->ip_addr, NULL);
#endif
  }
  *pp = netif->next;
  netif->next = NULL;
  if (netif_default == netif) {
    netif_default = NULL;
  }
  LWIP_LOG(NETIF, INFO, "removed %c%c%u", netif->name[0], netif->name[1], netif->num);
  if (netif->remove_callback) {
    netif->remove_callback(netif);
  }
  notify(netif, LWIP_NSC_NETIF_REMOVED, NULL);
}

/* ------------------------------------------------------------------ */
/* Lookup                                                              */
/* ------------------------------------------------------------------ */

struct netif *netif_find(const char *name)
{
  if (name == NULL || name[0] == '\0' || name[1] == '\0') {
    return NULL;
  }
  unsigned num = 0;
  const char *p = name + 2;
  if (*p == '\0') {
    return NULL;
  }
  for (; *p != '\0'; p++) {
    if (*p < '0' || *p > '9' || num > NETIF_NUM_MAX) {
      return NULL;
    }
    num = num * 10 + (unsigned)(*p - '0');
  }
  struct netif *n;
  NETIF_FOREACH(n) {
    if (n->num == num && n->name[0] == name[0] && n->name[1] == name[1]) {
      return n;
    }
  }
  return NULL;
}

struct netif *netif_get_by_index(u8_t idx)
{
  struct netif *n;
  if (idx == NETIF_NO_INDEX) {
    return NULL;
  }
  NETIF_FOREACH(n) {
    if (netif_get_index(n) == idx) {
      return n;
    }
  }
  return NULL;
}

char *netif_index_to_name(u8_t idx, char *name)
{
  struct netif *n = netif_get_by_index(idx);
  if (n == NULL || name == NULL) {
    return NULL;
  }
  name[0] = n->name[0];
  name[1] = n->name[1];
  /* num <= 254: at most three digits, NETIF_NAMESIZE holds them */
  *lwip_put_dec(name + 2, n->num) = '\0';
  return name;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

static void address_changed(struct netif *netif, const ip_addr_t *old_addr)
{
#if LWIP_UDP
  udp_netif_ip_addr_changed(old_addr, &netif->ip_addr);
#endif
#if LWIP_RAW
  raw_netif_ip_addr_changed(old_addr, &netif->ip_addr);
#endif
#if LWIP_TCP
  tcp_netif_ip_addr_changed(old_addr, &netif->ip_addr);
#endif
  LWIP_LOG(NETIF, INFO, "%c%c%u address %s", netif->name[0], netif->name[1], netif->num,
           ip4addr_ntoa(netif_ip4_addr(netif)));
  netif_issue_reports(netif);
}

void netif_set_addr(struct netif *netif, const ip4_addr_t *ipaddr, const ip4_addr_t *netmask,
                    const ip4_addr_t *gw)
{
  if (netif == NULL) {
    return;
  }
  /* The three settings, each with the reason its change is reported as. */
  ip_addr_t *const field[3] = {&netif->ip_addr, &netif->netmask, &netif->gw};
  const ip4_addr_t *const val[3] = {ipaddr, netmask, gw};
  static const u8_t why[3] = {LWIP_NSC_IPV4_ADDRESS_CHANGED, LWIP_NSC_IPV4_NETMASK_CHANGED,
                              LWIP_NSC_IPV4_GATEWAY_CHANGED};
  ip_addr_t old[3];
  netif_nsc_reason_t reason = 0;
  /* Gateway, netmask, then the address last, so that address-change work
   * (gratuitous ARP, rebinding) already sees the new subnet. */
  for (int k = 2; k >= 0; k--) {
    u32_t v = val[k] ? val[k]->addr : 0;
    old[k] = *field[k];
    if (ip_2_ip4(field[k])->addr != v || !IP_IS_V4_VAL(*field[k])) {
      ip_addr_set_ip4_u32(field[k], v);
      reason |= why[k];
    }
  }
  if (reason == 0) {
    return;
  }
  if (reason & LWIP_NSC_IPV4_ADDRESS_CHANGED) {
    address_changed(netif, &old[0]);
  }
  netif_ext_callback_args_t args;
  args.ipv4_changed.old_address = &old[0];
  args.ipv4_changed.old_netmask = &old[1];
  args.ipv4_changed.old_gw = &old[2];
  notify(netif, (netif_nsc_reason_t)(reason | LWIP_NSC_IPV4_SETTINGS_CHANGED), &args);
  if (netif->status_callback && (reason & LWIP_NSC_IPV4_ADDRESS_CHANGED)) {
    netif->status_callback(netif);
  }
}

void netif_set_ipaddr(struct netif *netif, const ip4_addr_t *ipaddr)
{
  if (netif != NULL) {
    netif_set_addr(netif, ipaddr, netif_ip4_netmask(netif), netif_ip4_gw(netif));
  }
}

void netif_set_netmask(struct netif *netif, const ip4_addr_t *netmask)
{
  if (netif != NULL) {
    netif_set_addr(netif, netif_ip4_addr(netif), netmask, netif_ip4_gw(netif));
  }
}

void netif_set_gw(struct netif *netif, const ip4_addr_t *gw)
{
  if (netif != NULL) {
    netif_set_addr(netif, netif_ip4_addr(netif), netif_ip4_netmask(netif), gw);
  }
}

void netif_set_default(struct netif *netif)
{
  netif_default = netif;
}

/* Turn @p flag (NETIF_FLAG_UP or NETIF_FLAG_LINK_UP) of @p netif @p on,
 * with what each of the four changes brings, in this order:
 *   up:        own status callback, ext callbacks, then announcements
 *   down:      ARP cache of the netif dropped, then the callbacks
 *   link up:   announcements first, then own link callback, ext callbacks
 *   link down: the callbacks
 * Announcements go out only once the netif is both up and linked (see
 * netif_issue_reports).  One body for the four setters. */
static void set_flag(struct netif *netif, u8_t flag, bool on)
{
  if (netif == NULL || ((netif->flags & flag) != 0) == on) {
    return;
  }
  netif->flags ^= flag;
  bool link = (flag == NETIF_FLAG_LINK_UP);
  LWIP_LOG(NETIF, INFO, "%c%c%u %s%s", netif->name[0], netif->name[1], netif->num, link ? "link " : "",
           on ? "up" : "down");
  if (link && on) {
    netif_issue_reports(netif);
#if LWIP_IPV6
    nd6_netif_up(netif);
#endif
  }
  if (!link && !on) {
#if LWIP_ARP
    /* Neighbours learned on a downed interface may be stale when it returns. */
    if (netif->flags & NETIF_FLAG_ETHARP) {
      etharp_cleanup_netif(netif);
    }
#endif
#if LWIP_IPV6
    nd6_netif_down(netif);
#endif
  }
  netif_status_callback_fn cb = link ? netif->link_callback : netif->status_callback;
  if (cb != NULL) {
    cb(netif);
  }
  netif_ext_callback_args_t args;
  if (link) {
    args.link_changed.state = on;
  } else {
    args.status_changed.state = on;
  }
  notify(netif, link ? LWIP_NSC_LINK_CHANGED : LWIP_NSC_STATUS_CHANGED, &args);
  if (!link && on) {
    netif_issue_reports(netif);
#if LWIP_IPV6
    nd6_netif_up(netif);
#endif
  }
}

void netif_set_up(struct netif *netif)
{
  set_flag(netif, NETIF_FLAG_UP, true);
}

void netif_set_down(struct netif *netif)
{
  set_flag(netif, NETIF_FLAG_UP, false);
}

void netif_set_link_up(struct netif *netif)
{
  set_flag(netif, NETIF_FLAG_LINK_UP, true);
}

void netif_set_link_down(struct netif *netif)
{
  set_flag(netif, NETIF_FLAG_LINK_UP, false);
}

err_t netif_set_mtu(struct netif *netif, u16_t mtu)
{
  /* RFC 791: every host must accept 68-byte datagrams unfragmented, so a
   * smaller MTU could not carry a minimal IP header and fragment. */
  LWIP_ERROR_RET("netif_set_mtu: netif", netif != NULL, ERR_ARG);
  if (mtu < 68) {
    return ERR_VAL;
  }
  netif->mtu = mtu;
  return ERR_OK;
}

void netif_set_hwaddr(struct netif *netif, const u8_t *hwaddr, u8_t len)
{
  if (netif == NULL || hwaddr == NULL || len > NETIF_MAX_HWADDR_LEN) {
    return;
  }
  memcpy(netif->hwaddr, hwaddr, len);
  netif->hwaddr_len = len;
}

void netif_set_status_callback(struct netif *netif, netif_status_callback_fn cb)
{
  if (netif) netif->status_callback = cb;
}

void netif_set_link_callback(struct netif *netif, netif_status_callback_fn cb)
{
  if (netif) netif->link_callback = cb;
}

void netif_set_remove_callback(struct netif *netif, netif_status_callback_fn cb)
{
  if (netif) netif->remove_callback = cb;
}

err_t netif_input(struct pbuf *p, struct netif *inp)
{
  LWIP_ERROR_RET("netif_input: args", p != NULL && inp != NULL, ERR_ARG);
#if LWIP_ETHERNET
  if (inp->flags & (NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET)) {
    return ethernet_input(p, inp);
  }
#endif
  return ip_input(p, inp);
}

/* ------------------------------------------------------------------ */
/* IPv6 addresses                                                      */
/* ------------------------------------------------------------------ */

#if LWIP_IPV6
const char *netif_ip6_addr_state_name(u8_t state)
{
  switch (state) {
  case IP6_ADDR_INVALID: return "invalid";
  case IP6_ADDR_TENTATIVE: return "tentative";
  case IP6_ADDR_PREFERRED: return "preferred";
  case IP6_ADDR_DEPRECATED: return "deprecated";
  case IP6_ADDR_DUPLICATED: return "duplicate";
  default: return "?";
  }
}

s8_t netif_get_ip6_addr_match(const struct netif *netif, const ip6_addr_t *addr)
{
  if (netif == NULL || addr == NULL) {
    return -1;
  }
  for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (!ip6_addr_isinvalid(netif->ip6_addr_state[i]) && ip6_addr_eq_nozone(netif_ip6_addr(netif, i), addr)) {
      return i;
    }
  }
  return -1;
}

void netif_ip6_addr_set(struct netif *netif, s8_t idx, const ip6_addr_t *addr)
{
  if (netif == NULL || idx < 0 || idx >= LWIP_IPV6_NUM_ADDRESSES) {
    return;
  }
  ip_addr_t old = netif->ip6_addr[idx];
  ip_addr_t *slot = &netif->ip6_addr[idx];
  memset(slot, 0, sizeof(*slot));
  slot->type = IPADDR_TYPE_V6;
  if (addr != NULL) {
    *ip_2_ip6(slot) = *addr;
    /* RFC 4007 6: a link-local address means nothing without its link. */
    ip_2_ip6(slot)->zone = ip6_addr_islinklocal(addr) ? netif_get_index(netif) : IP6_NO_ZONE;
  }
  if (ip_addr_eq(&old, slot)) {
    return;
  }
  /* The solicited-node group follows the address (before the state below
   * may clear it). */
  mld6_addr_update(netif, ip_2_ip6(&old), netif->ip6_addr_state[idx], ip_2_ip6(slot), netif->ip6_addr_state[idx]);
  if (ip6_addr_isany(ip_2_ip6(slot))) {
    netif_ip6_addr_set_state(netif, idx, IP6_ADDR_INVALID);
  }
  netif_ext_callback_args_t args;
  args.ipv6_set.addr_index = idx;
  args.ipv6_set.old_address = &old;
  notify(netif, LWIP_NSC_IPV6_SET, &args);
}

void netif_ip6_addr_set_state(struct netif *netif, s8_t idx, u8_t state)
{
  if (netif == NULL || idx < 0 || idx >= LWIP_IPV6_NUM_ADDRESSES) {
    return;
  }
  u8_t old = netif->ip6_addr_state[idx];
  if (old == state) {
    return;
  }
  netif->ip6_addr_state[idx] = state;
  mld6_addr_update(netif, netif_ip6_addr(netif, idx), old, netif_ip6_addr(netif, idx), state);
  char buf[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(NETIF, INFO, "%c%c%u %s %s -> %s", netif->name[0], netif->name[1], netif->num,
           ip6addr_ntoa_r(netif_ip6_addr(netif, idx), buf, sizeof(buf)), netif_ip6_addr_state_name(old),
           netif_ip6_addr_state_name(state));
  LWIP_UNUSED_ARG(buf);
  if (state == IP6_ADDR_INVALID) {
    nd6_dad_stop(netif, idx);
#if LWIP_TCP
    if (ip6_addr_isvalid(old)) {
      /* RFC 4862 5.5.4: an invalid address may no longer be used, so the
       * connections that use it are over (a deprecated one keeps them). */
      tcp_netif_ip_addr_changed(&netif->ip6_addr[idx], NULL);
    }
#endif
    ip6_addr_t zero;
    ip6_addr_set_zero(&zero);
    *ip_2_ip6(&netif->ip6_addr[idx]) = zero;
  } else if (state == IP6_ADDR_TENTATIVE) {
    nd6_dad_start(netif, idx);
  }
  netif_ext_callback_args_t args;
  args.ipv6_addr_state_changed.addr_index = idx;
  args.ipv6_addr_state_changed.old_state = old;
  args.ipv6_addr_state_changed.address = &netif->ip6_addr[idx];
  notify(netif, LWIP_NSC_IPV6_ADDR_STATE_CHANGED, &args);
  if (netif->status_callback != NULL) {
    netif->status_callback(netif);
  }
}

err_t netif_add_ip6_address_prefix(struct netif *netif, const ip6_addr_t *addr, u8_t prefix_len,
                                   s8_t *chosen_idx)
{
  LWIP_ERROR_RET("netif_add_ip6_address: args", netif != NULL && addr != NULL, ERR_ARG);
  if (ip6_addr_isany(addr) || ip6_addr_ismulticast(addr) || ip6_addr_isloopback(addr) || prefix_len > 128) {
    return ERR_VAL;
  }
  s8_t i = netif_get_ip6_addr_match(netif, addr);
  if (i >= 0) {
    if (chosen_idx != NULL) {
      *chosen_idx = i;
    }
    return ERR_OK;
  }
  /* Slot 0 is kept for the link-local address (lwIP's convention), so a
   * global address configured first does not take its place. */
  for (i = ip6_addr_islinklocal(addr) ? 0 : 1; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (ip6_addr_isinvalid(netif->ip6_addr_state[i])) {
      break;
    }
  }
  if (i >= LWIP_IPV6_NUM_ADDRESSES) {
    return ERR_BUF;
  }
  netif->ip6_addr_prefix_len[i] = prefix_len;
  netif->ip6_addr_origin[i] = NETIF_IP6_ORIGIN_STATIC;
  netif->ip6_addr_dad_counter[i] = 0;
  netif->ip6_addr_valid_life[i] = IP6_ADDR_LIFE_INFINITE;
  netif->ip6_addr_pref_life[i] = IP6_ADDR_LIFE_INFINITE;
  netif->ip6_addr_life_stamp[i] = sys_now();
  netif_ip6_addr_set(netif, i, addr);
  netif_ip6_addr_set_state(netif, i, IP6_ADDR_TENTATIVE);
  if (chosen_idx != NULL) {
    *chosen_idx = i;
  }
  return ERR_OK;
}

err_t netif_add_ip6_address(struct netif *netif, const ip6_addr_t *addr, s8_t *chosen_idx)
{
  return netif_add_ip6_address_prefix(netif, addr, 64, chosen_idx);
}

/* Seconds of @p life left at now, the lifetime having been @p life at
 * @p stamp. */
static u32_t life_left(u32_t life, u32_t stamp)
{
  if (life == IP6_ADDR_LIFE_INFINITE) {
    return life;
  }
  u32_t gone_s = (sys_now() - stamp) / 1000U;
  return gone_s >= life ? 0 : life - gone_s;
}

u32_t netif_ip6_addr_valid_left(const struct netif *netif, s8_t idx)
{
  if (netif == NULL || idx < 0 || idx >= LWIP_IPV6_NUM_ADDRESSES || ip6_addr_isinvalid(netif->ip6_addr_state[idx])) {
    return 0;
  }
  return life_left(netif->ip6_addr_valid_life[idx], netif->ip6_addr_life_stamp[idx]);
}

u32_t netif_ip6_addr_pref_left(const struct netif *netif, s8_t idx)
{
  if (netif == NULL || idx < 0 || idx >= LWIP_IPV6_NUM_ADDRESSES || ip6_addr_isinvalid(netif->ip6_addr_state[idx])) {
    return 0;
  }
  return life_left(netif->ip6_addr_pref_life[idx], netif->ip6_addr_life_stamp[idx]);
}

void netif_ip6_addr_set_lifetimes(struct netif *netif, s8_t idx, u32_t valid, u32_t pref)
{
  if (netif == NULL || idx < 0 || idx >= LWIP_IPV6_NUM_ADDRESSES || ip6_addr_isinvalid(netif->ip6_addr_state[idx])) {
    return;
  }
  netif->ip6_addr_valid_life[idx] = valid;
  netif->ip6_addr_pref_life[idx] = LWIP_MIN(pref, valid);
  netif->ip6_addr_life_stamp[idx] = sys_now();
  /* RFC 4862 5.5.4: a valid address is preferred while its preferred
   * lifetime runs and deprecated after; a tentative one gets its state
   * when DAD ends. */
  u8_t st = netif->ip6_addr_state[idx];
  if (ip6_addr_isvalid(st)) {
    netif_ip6_addr_set_state(netif, idx, pref != 0 ? IP6_ADDR_PREFERRED : IP6_ADDR_DEPRECATED);
  }
  nd6_addr_lifetimes_changed(netif);
}

/* RFC 7217 secret_key: 128 bits, made on first use unless set. */
static u8_t iid_secret[16];
static bool iid_secret_set;

void netif_ip6_set_iid_secret(const u8_t key[16])
{
  memcpy(iid_secret, key, sizeof(iid_secret));
  iid_secret_set = true;
}

/* RFC 5453 reserved identifiers a generated one must avoid: all zeros (the
 * subnet-router anycast) and fdff:ffff:ffff:ff80..ffff (subnet anycast). */
static bool iid_reserved(const u8_t iid[8])
{
  static const u8_t anycast[7] = {0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  static const u8_t zero[8] = {0};
  return memcmp(iid, zero, 8) == 0 || (memcmp(iid, anycast, 7) == 0 && iid[7] >= 0x80);
}

void netif_ip6_make_iid(const struct netif *netif, const ip6_addr_t *prefix, u8_t dad_counter, u8_t iid[8])
{
  const u8_t *mac = netif->hwaddr;
  if (netif->ip6_iid_mode == NETIF_IP6_IID_EUI64) {
    /* RFC 4291 appendix A: insert ff:fe in the middle and invert the
     * universal/local bit. */
    iid[0] = (u8_t)(mac[0] ^ 0x02U);
    iid[1] = mac[1];
    iid[2] = mac[2];
    iid[3] = 0xff;
    iid[4] = 0xfe;
    iid[5] = mac[3];
    iid[6] = mac[4];
    iid[7] = mac[5];
    return;
  }
  if (!iid_secret_set) {
    for (int i = 0; i < 16; i += 4) {
      u32_t r = lwip_port_rand();
      memcpy(iid_secret + i, &r, 4);
    }
    iid_secret_set = true;
  }
  /* RFC 7217 5: RID = F(Prefix, Net_Iface, Network_ID, DAD_Counter,
   * secret_key), F a keyed PRF (SipHash-2-4 here); Network_ID is not used.
   * The same prefix on the same MAC always gives the same identifier, a
   * different prefix an unrelated one, and nothing reveals the MAC. */
  u8_t msg[8 + NETIF_MAX_HWADDR_LEN + 1];
  u8_t c = dad_counter;
  for (;;) {
    memcpy(msg, prefix->addr, 8);
    memcpy(msg + 8, mac, NETIF_MAX_HWADDR_LEN);
    msg[8 + NETIF_MAX_HWADDR_LEN] = c;
    u64_t h = lwip_siphash24(iid_secret, msg, sizeof(msg));
    for (int i = 0; i < 8; i++) {
      iid[i] = (u8_t)(h >> (56 - 8 * i));
    }
    if (!iid_reserved(iid)) {
      return;
    }
    c++; /* RFC 7217 5: a reserved result is treated as a DAD collision */
  }
}

err_t netif_create_ip6_linklocal_address(struct netif *netif, u8_t from_mac_48bit)
{
  LWIP_ERROR_RET("netif_create_ip6_linklocal_address: netif", netif != NULL, ERR_ARG);
  if (netif->hwaddr_len != 6) {
    return ERR_VAL;
  }
  netif->ip6_iid_mode = from_mac_48bit ? NETIF_IP6_IID_EUI64 : NETIF_IP6_IID_STABLE_OPAQUE;
  netif_ip6_linklocal_set(netif, 0);
  return ERR_OK;
}

void netif_ip6_linklocal_set(struct netif *netif, u8_t dad_counter)
{
  ip6_addr_t ll;
  IP6_ADDR(&ll, 0xfe800000UL, 0, 0, 0);
  u8_t iid[8];
  netif_ip6_make_iid(netif, &ll, dad_counter, iid);
  memcpy((u8_t *)ll.addr + 8, iid, 8);
  if (!ip6_addr_isinvalid(netif->ip6_addr_state[0])) {
    netif_ip6_addr_set_state(netif, 0, IP6_ADDR_INVALID);
  }
  netif->ip6_addr_prefix_len[0] = 64;
  netif->ip6_addr_origin[0] = NETIF_IP6_ORIGIN_LINKLOCAL;
  netif->ip6_addr_dad_counter[0] = dad_counter;
  netif->ip6_addr_valid_life[0] = IP6_ADDR_LIFE_INFINITE;
  netif->ip6_addr_pref_life[0] = IP6_ADDR_LIFE_INFINITE;
  netif->ip6_addr_life_stamp[0] = sys_now();
  netif_ip6_addr_set(netif, 0, &ll);
  netif_ip6_addr_set_state(netif, 0, IP6_ADDR_TENTATIVE);
}
#endif /* LWIP_IPV6 */

/* ------------------------------------------------------------------ */
/* Loopback                                                            */
/* ------------------------------------------------------------------ */

#if LWIP_LOOPBACK
err_t netif_loop_output(struct netif *netif, struct pbuf *p)
{
  LWIP_ERROR_RET("netif_loop_output: args", netif != NULL && p != NULL, ERR_ARG);
  if (netif->loop_cnt >= NETIF_LOOP_MAX_QUEUED) {
    netif->counters.tx_errors++;
    return ERR_MEM;
  }
  /* A copy, because the caller keeps ownership of p and may change it as
   * soon as we return; delivery happens later from a zero-delay timeout so
   * the sender never re-enters its own input path. */
  struct pbuf *copy = pbuf_clone(PBUF_LINK, PBUF_RAM, p);
  if (copy == NULL) {
    netif->counters.tx_errors++;
    return ERR_MEM;
  }
  if (p->flags & PBUF_FLAG_CSUM_PARTIAL) {
    /* A checksum left for a device that never sees the packet: the bytes
     * did not leave memory, so there is nothing to verify. */
    copy->flags |= PBUF_FLAG_CSUM_OK;
  }
  if (netif->loop_last) {
    netif->loop_last->next = copy;
  } else {
    netif->loop_first = copy;
  }
  netif->loop_last = copy;
  netif->loop_cnt++;
  netif->counters.tx_packets++;
  netif->counters.tx_bytes += p->tot_len;
  if (!sys_timeout_pending(loop_poll_timeout, netif) &&
      sys_timeout(0, loop_poll_timeout, netif) != ERR_OK) {
    /* Without a timer nothing would ever deliver it: deliver nothing and
     * report the failure instead of stranding the packet. */
    netif->loop_last = NULL;
    loop_queue_free(netif);
    return ERR_MEM;
  }
  return ERR_OK;
}

void netif_poll(struct netif *netif)
{
  if (netif == NULL) {
    return;
  }
  /* Deliver only what is queued now; packets looped while delivering (an
   * echo reply to ourselves) wait for the next poll. */
  u16_t n = netif->loop_cnt;
  while (n-- > 0 && netif->loop_first != NULL) {
    struct pbuf *p = netif->loop_first;
    netif->loop_first = p->next;
    if (netif->loop_first == NULL) {
      netif->loop_last = NULL;
    }
    netif->loop_cnt--;
    p->next = NULL;
    p->tot_len = p->len;
    netif->counters.rx_packets++;
    netif->counters.rx_bytes += p->tot_len;
    ip_input(p, netif);
  }
}

static void loop_poll_timeout(void *arg)
{
  struct netif *netif = (struct netif *)arg;
  netif_poll(netif);
  if (netif->loop_first != NULL && !sys_timeout_pending(loop_poll_timeout, netif)) {
    if (sys_timeout(0, loop_poll_timeout, netif) != ERR_OK) {
      loop_queue_free(netif);
    }
  }
}

static err_t loopif_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
  LWIP_UNUSED_ARG(ipaddr);
  return netif_loop_output(netif, p);
}

static err_t loopif_init(struct netif *netif)
{
  netif->name[0] = 'l';
  netif->name[1] = 'o';
  netif->output = loopif_output;
  netif->mtu = 65535 - 20; /* any datagram fits, so nothing is fragmented */
  /* Loopback data never touches a wire: checksums are neither needed nor
   * checked (as Linux does for lo). */
  netif->chksum_flags = 0;
  return ERR_OK;
}
#endif /* LWIP_LOOPBACK */

void netif_init(void)
{
  netif_list = NULL;
  netif_default = NULL;
  ext_callbacks = NULL;
#if LWIP_IPV6
  memset(iid_secret, 0, sizeof(iid_secret));
  iid_secret_set = false;
#endif
#if LWIP_LOOPBACK
  ip4_addr_t addr, mask;
  IP4_ADDR(&addr, 127, 0, 0, 1);
  IP4_ADDR(&mask, 255, 0, 0, 0);
  netif_loopback = netif_add(&loop_netif, &addr, &mask, NULL, NULL, loopif_init, ip_input);
  netif_set_link_up(netif_loopback);
  netif_set_up(netif_loopback);
#endif
}
