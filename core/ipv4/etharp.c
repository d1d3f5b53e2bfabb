/**
 * @file etharp.c
 * ARP for IPv4 over Ethernet (RFC 826) with the cache rules of RFC 1122
 * 2.3.2: entries time out, a packet waiting for resolution is queued (the
 * latest one at least, 2.3.2.2), requests are retransmitted at most once a
 * second (2.3.2.1), and address announcements follow RFC 5227.
 *
 * The cache is a fixed table of ARP_TABLE_SIZE entries.  A one-second timer
 * ages it, and runs only while some dynamic entry exists.
 *
 * Static entries are the arp_static_entries option (off in the minimal
 * profile).  Without it every entry is learned from the wire and times
 * out, which is what RFC 1122 2.3.2.1 asks of a cache; static entries are
 * an administrator's addition it does not require.
 *
 * The table's view for tools (etharp_get_entry_info, the change hook,
 * state names) is built with the stats option: with stats off the header
 * declares inline stand-ins that show nothing.
 */
#include "lwip/etharp.h"
#include "lwip/ethernet.h"
#include "lwip/ip4.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/etharp.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/init.h"
#if LWIP_DHCP
#include "lwip/acd.h"
#endif
#include <string.h>

/* Keeps a helper out of line where inlining copies it, measured on the
 * Cortex-M4 -Os build (GCC and Clang; elsewhere only a hint lost). */
#if defined(__GNUC__)
#define ARP_NOINLINE __attribute__((noinline))
#else
#define ARP_NOINLINE
#endif

#define ARP_TMR_INTERVAL_MS 1000U

struct etharp_entry {
  ip4_addr_t ipaddr;
  struct netif *netif;
  struct eth_addr ethaddr;
  u8_t state;        /* enum etharp_state */
  u8_t qlen;         /* packets queued (PENDING only) */
  struct pbuf *q;    /* queued packets, each a single pbuf, linked by next */
  u32_t stamp_ms;    /* when learned, or when the first request went out */
  u32_t req_ms;      /* when the last request went out */
};

static struct etharp_entry arp_table[ARP_TABLE_SIZE];
#if LWIP_STATS
/* The change hook (etharp_set_change_hook); it outlives lwip_init(). */
static etharp_change_fn change_hook;
static void *change_arg;
#endif

static void etharp_tmr(void *arg);

void etharp_init(void)
{
  /* lwip_init() re-initialises the pools, so any old queue is forgotten
   * along with them rather than freed. */
  memset(arp_table, 0, sizeof(arp_table));
}

#if LWIP_STATS && LWIP_DEBUG
const char *etharp_state_name(enum etharp_state state)
{
  switch (state) {
  case ETHARP_STATE_EMPTY: return "empty";
  case ETHARP_STATE_PENDING: return "incomplete";
  case ETHARP_STATE_STABLE: return "stable";
  case ETHARP_STATE_STABLE_REREQUESTING: return "stable-rerequesting";
  case ETHARP_STATE_STATIC: return "static";
  }
  return "?";
}
#elif LWIP_STATS
const char *etharp_state_name(enum etharp_state state)
{
  /* Without debug_log the names are left out (only people read them):
   * the state's number instead, each two bytes in this string. */
  static const char nums[] = "0\0" "1\0" "2\0" "3\0" "4\0" "?";
  _Static_assert(ETHARP_STATE_STATIC == 4, "etharp_state_name's numbers end at 4");
  return (unsigned)state <= ETHARP_STATE_STATIC ? &nums[2U * (unsigned)state] : &nums[sizeof(nums) - 2U];
}
#endif

static bool entry_resolved(const struct etharp_entry *e)
{
  return e->state >= ETHARP_STATE_STABLE;
}

#if LWIP_STATS
static void entry_info(const struct etharp_entry *e, struct etharp_entry_info *info)
{
  info->ipaddr = e->ipaddr;
  info->ethaddr = e->ethaddr;
  info->netif = e->netif;
  info->state = (enum etharp_state)e->state;
  u32_t age = (sys_now() - e->stamp_ms) / 1000U;
  info->age_s = (u16_t)LWIP_MIN(age, 0xffffU);
  info->queued = e->qlen;
}

/* Tell the change hook about @p e: as it is now, or as it was when
 * @p removed (called before it is cleared). */
static void entry_report(const struct etharp_entry *e, bool removed)
{
  if (change_hook != NULL) {
    /* Through the public getter, so entry_info() has one copy: @p e is
     * never EMPTY here, so the getter always fills @p info. */
    struct etharp_entry_info info;
    etharp_get_entry_info((size_t)(e - arp_table), &info);
    change_hook(&info, removed, change_arg);
  }
}

void etharp_set_change_hook(etharp_change_fn fn, void *arg)
{
  change_hook = fn;
  change_arg = arg;
}
#else
/* Nobody to tell without stats (etharp_set_change_hook is a no-op). */
#define entry_report(e, removed) ((void)(e), (void)(removed))
#endif

/* Send @p p from @p netif's own MAC to @p dst: every frame ARP sends or
 * releases goes through here, so the source MAC is copied in one place. */
static err_t eth_send(struct netif *netif, struct pbuf *p, const struct eth_addr *dst, u16_t type)
{
  struct eth_addr src;
  memcpy(src.addr, netif->hwaddr, ETH_HWADDR_LEN);
  return ethernet_output(netif, p, &src, dst, type);
}

/* Empty the queue of @p e: each packet goes to the entry's MAC when
 * @p send (the address is resolved), else is dropped as unresolved. */
static void entry_flush_queue(struct etharp_entry *e, bool send)
{
  while (e->q != NULL) {
    struct pbuf *p = e->q;
    e->q = p->next;
    p->next = NULL;
    if (send) {
      eth_send(e->netif, p, &e->ethaddr, ETHTYPE_IP);
    } else {
      LWIP_DROP(ARP_UNRESOLVED);
    }
    pbuf_free(p);
  }
  e->qlen = 0;
}

/* Every removal goes through here (expiry, recycling, flush, delete,
 * netif cleanup), so the hook hears of each. */
static void entry_free(struct etharp_entry *e)
{
  if (e->state != ETHARP_STATE_EMPTY) {
    entry_report(e, true);
  }
  entry_flush_queue(e, false);
  memset(e, 0, sizeof(*e));
}

static void arm_timer(void)
{
  if (!sys_timeout_pending(etharp_tmr, NULL)) {
    /* Without a timer entries would never age; the table still works and
     * the next new entry tries again. */
    if (sys_timeout(ARP_TMR_INTERVAL_MS, etharp_tmr, NULL) != ERR_OK) {
      LWIP_LOG(ARP, ERROR, "cannot arm the ARP timer");
    }
  }
}

/* An entry for @p ip, on @p netif unless that is NULL. */
static struct etharp_entry *entry_find(const ip4_addr_t *ip, const struct netif *netif)
{
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    struct etharp_entry *e = &arp_table[i];
    if (e->state != ETHARP_STATE_EMPTY && ip4_addr_eq(&e->ipaddr, ip) &&
        (netif == NULL || e->netif == netif)) {
      return e;
    }
  }
  return NULL;
}

/* A slot for a new entry: an empty one, else the oldest learned entry, else
 * the oldest unresolved one (its queue is lost).  Static entries are never
 * recycled.  NULL when the table holds only static entries. */
static struct etharp_entry *entry_alloc(void)
{
  /* Each candidate's claim: learned entries above unresolved ones, then
   * the older the stronger; the first of equal claims wins. */
  struct etharp_entry *victim = NULL;
  u64_t best = 0;
  u32_t now = sys_now();
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    struct etharp_entry *e = &arp_table[i];
    if (e->state == ETHARP_STATE_EMPTY) {
      return e;
    }
    if (LWIP_ARP_STATIC_ENTRIES && e->state == ETHARP_STATE_STATIC) {
      continue;
    }
    u64_t claim = ((u64_t)entry_resolved(e) << 32) | (now - e->stamp_ms);
    if (victim == NULL || claim > best) {
      victim = e;
      best = claim;
    }
  }
  if (victim != NULL) {
    LWIP_LOG(ARP, DEBUG, "table full: recycling the entry of %s", ip4addr_ntoa(&victim->ipaddr));
    entry_free(victim);
  }
  return victim;
}

/* The entry for @p ip on @p netif, else when @p create a new one for it
 * (still EMPTY, so the caller sees it is new; NULL when the table holds
 * only static entries).  The one way learned and queried entries come to
 * be. */
static struct etharp_entry *entry_get(const ip4_addr_t *ip, struct netif *netif, bool create)
{
  struct etharp_entry *e = entry_find(ip, netif);
  if (e == NULL && create) {
    e = entry_alloc();
    if (e != NULL) {
      e->ipaddr = *ip;
      e->netif = netif;
    }
  }
  return e;
}

/* ---------------------------------------------------------------------- */
/* Sending ARP messages                                                    */
/* ---------------------------------------------------------------------- */

/* The fixed start of every ARP message for IPv4 over Ethernet (RFC 826):
 * hardware type, protocol type and both address lengths.  One copy for
 * building messages and checking received ones. */
static const u8_t arp_eth_ip4[ARP_OFF_OPCODE] = {
  LWIP_IANA_HWTYPE_ETHERNET >> 8, LWIP_IANA_HWTYPE_ETHERNET & 0xff, ETHTYPE_IP >> 8, ETHTYPE_IP & 0xff,
  ETH_HWADDR_LEN, 4,
};

err_t etharp_raw(struct netif *netif, const struct eth_addr *ethdst, u16_t opcode,
                        const struct eth_addr *hwdst, const ip4_addr_t *ipsrc, const ip4_addr_t *ipdst)
{
  struct pbuf *p = pbuf_alloc(PBUF_LINK, SIZEOF_ETHARP_HDR, PBUF_RAM);
  if (p == NULL) {
    LWIP_DROP(ARP_NO_MEM);
    return ERR_MEM;
  }
  u8_t *a = (u8_t *)p->payload;
  memcpy(a + ARP_OFF_HWTYPE, arp_eth_ip4, sizeof(arp_eth_ip4));
  put_be16(a + ARP_OFF_OPCODE, opcode);
  memcpy(a + ARP_OFF_SHWADDR, netif->hwaddr, ETH_HWADDR_LEN);
  put_n32(a + ARP_OFF_SIPADDR, ipsrc->addr);
  memcpy(a + ARP_OFF_DHWADDR, hwdst->addr, ETH_HWADDR_LEN);
  put_n32(a + ARP_OFF_DIPADDR, ipdst->addr);

  STATS_TX(ARP);
  err_t err = eth_send(netif, p, ethdst, ETHTYPE_ARP);
  pbuf_free(p);
  return err;
}

/* Every request we send: from @p netif's address, for @p ipaddr, to the
 * MAC @p ethdst (broadcast, or a known neighbour's). */
static ARP_NOINLINE err_t request_to(struct netif *netif, const struct eth_addr *ethdst, const ip4_addr_t *ipaddr)
{
  return etharp_raw(netif, ethdst, ARP_REQUEST, &ethzero, netif_ip4_addr(netif), ipaddr);
}

err_t etharp_request(struct netif *netif, const ip4_addr_t *ipaddr)
{
  LWIP_ERROR_RET("etharp_request: args", netif != NULL && ipaddr != NULL, ERR_ARG);
  LWIP_LOG(ARP, DEBUG, "who-has %s", ip4addr_ntoa(ipaddr));
  return request_to(netif, &ethbroadcast, ipaddr);
}

/* A refresh of a known neighbour is sent to its MAC, not broadcast
 * (RFC 1122 2.3.2.1, "unicast poll"). */
static err_t etharp_request_unicast(struct etharp_entry *e)
{
  return request_to(e->netif, &e->ethaddr, &e->ipaddr);
}

err_t etharp_gratuitous(struct netif *netif)
{
  LWIP_ERROR_RET("etharp_gratuitous: args", netif != NULL, ERR_ARG);
  /* RFC 5227 2.3: an ARP announcement is a request with sender and target
   * IP both set to the announced address. */
  return request_to(netif, &ethbroadcast, netif_ip4_addr(netif));
}

/* ---------------------------------------------------------------------- */
/* Cache updates                                                           */
/* ---------------------------------------------------------------------- */

/* Give @p e the MAC @p mac in @p state (learned or static), release the
 * packets waiting on it, and report it when its state or MAC changed. */
static void entry_resolve(struct etharp_entry *e, const u8_t *mac, u8_t state)
{
#if LWIP_STATS
  u8_t old_state = e->state;
  struct eth_addr old_mac = e->ethaddr;
#endif
  memcpy(e->ethaddr.addr, mac, ETH_HWADDR_LEN);
  e->state = state;
  e->stamp_ms = sys_now();
  entry_flush_queue(e, true);
#if LWIP_STATS
  if (e->state != old_state || memcmp(e->ethaddr.addr, old_mac.addr, ETH_HWADDR_LEN) != 0) {
    entry_report(e, false);
  }
#endif
}

/* Record that @p ip is at @p mac on @p netif.  A new entry is made only when
 * @p create (the message was addressed to us, RFC 826 "merge" otherwise).
 * Static entries are left alone. */
static void etharp_update(struct netif *netif, const ip4_addr_t *ip, const u8_t *mac, bool create)
{
  struct etharp_entry *e = entry_get(ip, netif, create);
  if (e == NULL) {
    if (create) {
      LWIP_DROP(ARP_TABLE_FULL);
    }
    return;
  }
#if LWIP_ARP_STATIC_ENTRIES
  if (e->state == ETHARP_STATE_STATIC) {
    return;
  }
#endif
  if (e->state >= ETHARP_STATE_STABLE && memcmp(e->ethaddr.addr, mac, ETH_HWADDR_LEN) != 0) {
    LWIP_LOG(ARP, INFO, "%s moved to %02x:%02x:%02x:%02x:%02x:%02x", ip4addr_ntoa(ip),
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  }
  arm_timer();
  entry_resolve(e, mac, ETHARP_STATE_STABLE);
}

/* ---------------------------------------------------------------------- */
/* Input                                                                   */
/* ---------------------------------------------------------------------- */

void etharp_input(struct pbuf *p, struct netif *netif)
{
  u8_t a[SIZEOF_ETHARP_HDR];

  if (p == NULL || netif == NULL) {
    pbuf_free(p);
    return;
  }
  STATS_RX(ARP);
  if (pbuf_copy_partial(p, a, SIZEOF_ETHARP_HDR, 0) != SIZEOF_ETHARP_HDR) {
    LWIP_DROP(ARP_SHORT);
    goto out;
  }
  if (memcmp(a + ARP_OFF_HWTYPE, arp_eth_ip4, sizeof(arp_eth_ip4)) != 0) {
    LWIP_DROP(ARP_BAD_FORMAT);
    goto out;
  }
  u16_t op = get_be16(a + ARP_OFF_OPCODE);
  if (op != ARP_REQUEST && op != ARP_REPLY) {
    LWIP_DROP(ARP_BAD_OP);
    goto out;
  }
#if LWIP_DHCP
  /* Address conflict detection must see every ARP, including our own
   * address used as sender and other hosts' probes (RFC 5227 2.1.1, 2.4). */
  acd_arp_reply(netif, a);
#endif

  const u8_t *shw = a + ARP_OFF_SHWADDR;
  ip4_addr_t sip = {get_n32(a + ARP_OFF_SIPADDR)};
  ip4_addr_t tip = {get_n32(a + ARP_OFF_DIPADDR)};
  const ip4_addr_t *ours = netif_ip4_addr(netif);
  bool have_addr = !ip4_addr_isany(ours);

  /* ip4_addr_isbroadcast() also says yes for 0.0.0.0 (the old-style
   * broadcast), but a sender IP of 0 is an ARP probe (RFC 5227 2.1.1), a
   * valid packet that must reach the probe handling below. */
  if (ETH_IS_MULTICAST(shw) || memcmp(shw, netif->hwaddr, ETH_HWADDR_LEN) == 0 ||
      ip4_addr_ismulticast(&sip) || (!ip4_addr_isany_val(sip) && ip4_addr_isbroadcast(&sip, netif))) {
    LWIP_DROP(ARP_BAD_SENDER);
    goto out;
  }
  if (have_addr && ip4_addr_eq(&sip, ours)) {
    /* Someone else claims our address (RFC 5227 2.4): report it. */
    LWIP_LOG(ARP, WARN, "address conflict: %s also used by %02x:%02x:%02x:%02x:%02x:%02x",
             ip4addr_ntoa(ours), shw[0], shw[1], shw[2], shw[3], shw[4], shw[5]);
    LWIP_DROP(ARP_BAD_SENDER);
    goto out;
  }

  bool for_us = have_addr && ip4_addr_eq(&tip, ours);
  /* A probe (sender IP 0, RFC 5227 2.1.1) teaches nothing about the sender. */
  if (!ip4_addr_isany_val(sip)) {
    etharp_update(netif, &sip, shw, for_us);
  }
  if (!for_us) {
    LWIP_DROP(ARP_NOT_FOR_US);
    goto out;
  }
  if (op == ARP_REQUEST) {
    /* The reply goes straight back to the sender's MAC (copied: the header
     * holds bytes, not a struct eth_addr). */
    struct eth_addr dst;
    memcpy(dst.addr, shw, ETH_HWADDR_LEN);
    LWIP_LOG(ARP, DEBUG, "%s is-at our MAC, told %s", ip4addr_ntoa(ours), ip4addr_ntoa(&sip));
    etharp_raw(netif, &dst, ARP_REPLY, &dst, ours, &sip);
  }
out:
  pbuf_free(p);
}

/* ---------------------------------------------------------------------- */
/* Output                                                                  */
/* ---------------------------------------------------------------------- */

static err_t send_to_entry(struct etharp_entry *e, struct pbuf *q)
{
  /* RFC 1122 2.3.2.1: refresh an entry in use before it expires, so the
   * flow never stalls waiting for a new resolution. */
  if (e->state == ETHARP_STATE_STABLE) {
    u32_t now = sys_now();
    if (now - e->stamp_ms >= (ARP_MAXAGE_S - ARP_REREQUEST_S) * 1000U) {
      e->state = ETHARP_STATE_STABLE_REREQUESTING;
      e->req_ms = now;
      etharp_request_unicast(e);
      entry_report(e, false);
    }
  }
  return eth_send(e->netif, q, &e->ethaddr, ETHTYPE_IP);
}

/* Queue a copy of @p q on a pending entry.  The copy has room for the
 * Ethernet header and is a single pbuf, so queued packets chain by next. */
static err_t entry_enqueue(struct etharp_entry *e, struct pbuf *q)
{
  struct pbuf *copy = pbuf_clone(PBUF_LINK, PBUF_RAM, q);
  if (copy == NULL) {
    LWIP_DROP(ARP_NO_MEM);
    return ERR_MEM;
  }
  if (e->qlen >= ARP_QUEUE_LEN) {
    /* Keep the latest packets (RFC 1122 2.3.2.2 asks for the latest one). */
    struct pbuf *old = e->q;
    e->q = old->next;
    old->next = NULL;
    pbuf_free(old);
    e->qlen--;
    LWIP_DROP(ARP_QUEUE_FULL);
  }
  struct pbuf **tail = &e->q;
  while (*tail != NULL) {
    tail = &(*tail)->next;
  }
  *tail = copy;
  e->qlen++;
  return ERR_OK;
}

err_t etharp_query(struct netif *netif, const ip4_addr_t *ipaddr, struct pbuf *q)
{
  LWIP_ERROR_RET("etharp_query: args", netif != NULL && ipaddr != NULL, ERR_ARG);
  /* ip4_addr_isbroadcast() also says yes for 0.0.0.0, so it is refused too. */
  if (ip4_addr_isbroadcast(ipaddr, netif) || ip4_addr_ismulticast(ipaddr)) {
    return ERR_ARG;
  }
  struct etharp_entry *e = entry_get(ipaddr, netif, true);
  if (e == NULL) {
    if (q != NULL) {
      LWIP_DROP(ARP_TABLE_FULL);
    }
    return ERR_MEM;
  }
  if (entry_resolved(e)) {
    return q != NULL ? send_to_entry(e, q) : ERR_OK;
  }
  /* Armed on every use of a pending entry, not only when it is made: if
   * the timer could not be armed then (no timeout memory), the entry would
   * otherwise stay INCOMPLETE, never retransmitted (RFC 1122 2.3.2.1) nor
   * given up, and its queue would grow stale for ever. */
  arm_timer();
  if (e->state == ETHARP_STATE_EMPTY) {
    e->state = ETHARP_STATE_PENDING;
    e->stamp_ms = sys_now();
    e->req_ms = e->stamp_ms;
    entry_report(e, false);
    /* A failed request is retried by the timer; the packet still queues. */
    etharp_request(netif, ipaddr);
  }
  return q != NULL ? entry_enqueue(e, q) : ERR_OK;
}

/* Map an IPv4 multicast group to its MAC (RFC 1112 6.4): 01:00:5e and the
 * group's low 23 bits. */
static void ip4_mcast_mac(const ip4_addr_t *group, struct eth_addr *mac)
{
  u32_t g = lwip_ntohl(group->addr);
  mac->addr[0] = LL_IP4_MULTICAST_ADDR_0;
  mac->addr[1] = LL_IP4_MULTICAST_ADDR_1;
  mac->addr[2] = LL_IP4_MULTICAST_ADDR_2;
  mac->addr[3] = (u8_t)((g >> 16) & 0x7fU);
  mac->addr[4] = (u8_t)(g >> 8);
  mac->addr[5] = (u8_t)g;
}

err_t etharp_output(struct netif *netif, struct pbuf *q, const ip4_addr_t *ipaddr)
{
  LWIP_ERROR_RET("etharp_output: args", netif != NULL && q != NULL && ipaddr != NULL, ERR_ARG);
  /* Broadcast and multicast need no resolution: one send for both. */
  struct eth_addr mcast;
  const struct eth_addr *dst = NULL;
  if (ip4_addr_isbroadcast(ipaddr, netif)) {
    dst = &ethbroadcast;
  } else if (ip4_addr_ismulticast(ipaddr)) {
    ip4_mcast_mac(ipaddr, &mcast);
    dst = &mcast;
  }
  if (dst != NULL) {
    return eth_send(netif, q, dst, ETHTYPE_IP);
  }

  /* Off-link destinations go to the gateway.  Link-local ones are always
   * on the link (RFC 3927 2.6.2). */
  const ip4_addr_t *hop = ipaddr;
  if (!ip4_addr_net_eq(ipaddr, netif_ip4_addr(netif), netif_ip4_netmask(netif)) &&
      !ip4_addr_islinklocal(ipaddr)) {
    if (ip4_addr_isany(netif_ip4_gw(netif))) {
      LWIP_DROP(IP4_NO_ROUTE);
      return ERR_RTE;
    }
    hop = netif_ip4_gw(netif);
  }
  return etharp_query(netif, hop, q);
}

/* ---------------------------------------------------------------------- */
/* Timer                                                                   */
/* ---------------------------------------------------------------------- */

/* Age one entry.  @return true while it still needs the timer. */
static bool entry_age(struct etharp_entry *e, u32_t now)
{
  u32_t age = now - e->stamp_ms;
  switch (e->state) {
  case ETHARP_STATE_PENDING:
    if (age >= ARP_MAXPENDING_S * 1000U) {
      LWIP_LOG(ARP, INFO, "%s unresolved after %u s", ip4addr_ntoa(&e->ipaddr), (unsigned)ARP_MAXPENDING_S);
      entry_free(e);
      return false;
    }
    if (now - e->req_ms >= ARP_TMR_INTERVAL_MS) {
      e->req_ms = now;
      etharp_request(e->netif, &e->ipaddr);
    }
    return true;
  case ETHARP_STATE_STABLE:
  case ETHARP_STATE_STABLE_REREQUESTING:
    if (age >= ARP_MAXAGE_S * 1000U) {
      LWIP_LOG(ARP, DEBUG, "%s expired", ip4addr_ntoa(&e->ipaddr));
      entry_free(e);
      return false;
    }
    return true;
  default:
    return false;
  }
}

static void etharp_tmr(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  bool again = false;
  u32_t now = sys_now();
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    if (entry_age(&arp_table[i], now)) {
      again = true;
    }
  }
  if (again) {
    arm_timer();
  }
}

/* ---------------------------------------------------------------------- */
/* Management                                                              */
/* ---------------------------------------------------------------------- */

#if LWIP_ARP_STATIC_ENTRIES
err_t etharp_add_static_entry(const ip4_addr_t *ipaddr, const struct eth_addr *ethaddr)
{
  LWIP_ERROR_RET("etharp_add_static_entry: args", ipaddr != NULL && ethaddr != NULL, ERR_ARG);
  if (ip4_addr_isany(ipaddr) || ip4_addr_ismulticast(ipaddr) || ip4_addr_islimitedbroadcast(ipaddr) ||
      ETH_IS_MULTICAST(ethaddr->addr)) {
    return ERR_ARG;
  }
  struct netif *netif = ip4_route(ipaddr);
  if (netif == NULL) {
    return ERR_RTE;
  }
  if (ip4_addr_isbroadcast(ipaddr, netif)) {
    return ERR_ARG;
  }
  struct etharp_entry *e = entry_find(ipaddr, NULL);
  if (e == NULL) {
    e = entry_alloc();
    if (e == NULL) {
      return ERR_MEM;
    }
  }
  e->ipaddr = *ipaddr;
  e->netif = netif;
  entry_resolve(e, ethaddr->addr, ETHARP_STATE_STATIC);
  return ERR_OK;
}

err_t etharp_remove_static_entry(const ip4_addr_t *ipaddr)
{
  LWIP_ERROR_RET("etharp_remove_static_entry: args", ipaddr != NULL, ERR_ARG);
  struct etharp_entry *e = entry_find(ipaddr, NULL);
  if (e == NULL || e->state != ETHARP_STATE_STATIC) {
    return ERR_ARG;
  }
  entry_free(e);
  return ERR_OK;
}
#endif /* LWIP_ARP_STATIC_ENTRIES */

/* Remove every entry of @p netif, static ones included; with @p netif NULL
 * every learned or pending entry instead, static ones kept. */
static void entries_free(const struct netif *netif)
{
  for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
    struct etharp_entry *e = &arp_table[i];
    if (e->state != ETHARP_STATE_EMPTY &&
        (netif != NULL ? e->netif == netif : (!LWIP_ARP_STATIC_ENTRIES || e->state != ETHARP_STATE_STATIC))) {
      entry_free(e);
    }
  }
}

void etharp_cleanup_netif(struct netif *netif)
{
  /* A NULL netif has no entries; it must not flush the table. */
  if (netif != NULL) {
    entries_free(netif);
  }
}

void etharp_flush(void)
{
  entries_free(NULL);
}

int etharp_find_addr(struct netif *netif, const ip4_addr_t *ipaddr, struct eth_addr **eth_ret,
                     const ip4_addr_t **ip_ret)
{
  if (ipaddr == NULL) {
    return -1;
  }
  struct etharp_entry *e = entry_find(ipaddr, netif);
  if (e == NULL || !entry_resolved(e)) {
    return -1;
  }
  if (eth_ret != NULL) {
    *eth_ret = &e->ethaddr;
  }
  if (ip_ret != NULL) {
    *ip_ret = &e->ipaddr;
  }
  return (int)(e - arp_table);
}

#if LWIP_STATS
int etharp_get_entry_info(size_t i, struct etharp_entry_info *info)
{
  if (i >= ARP_TABLE_SIZE || arp_table[i].state == ETHARP_STATE_EMPTY || info == NULL) {
    return 0;
  }
  entry_info(&arp_table[i], info);
  return 1;
}
#endif /* LWIP_STATS */
