/**
 * @file acd.c
 * IPv4 address conflict detection (RFC 5227).
 *
 * Each user of an address (the DHCP client, AutoIP) owns a struct acd
 * linked on its netif.  Starting it sends PROBE_NUM ARP probes (sender IP
 * 0.0.0.0, so no neighbour cache is polluted with a tentative address) at
 * random intervals; a conflict heard meanwhile is reported as ACD_DECLINE.
 * When ANNOUNCE_WAIT passes in silence, the user is told ACD_IP_OK and two
 * announcements follow.  From then on the address is defended: one
 * announcement per DEFEND_INTERVAL, and a second conflict within that
 * interval makes the user give the address up (ACD_RESTART_CLIENT).
 *
 * Every timer is a one-shot timeout armed only while a probe or an
 * announcement is pending.
 */
#include "lwip/opt.h"

#if LWIP_DHCP

#include "lwip/acd.h"
#include "lwip/etharp.h"
#include "lwip/ethernet.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/port.h"
#include "lwip/prot/etharp.h"
#include "lwip/prot/wire.h"
#include <string.h>

static void acd_timer(void *arg);

const char *acd_state_name(u8_t state)
{
  switch (state) {
  case ACD_STATE_OFF: return "off";
  case ACD_STATE_PROBE_WAIT: return "probe-wait";
  case ACD_STATE_PROBING: return "probing";
  case ACD_STATE_ANNOUNCE_WAIT: return "announce-wait";
  case ACD_STATE_ANNOUNCING: return "announcing";
  case ACD_STATE_ONGOING: return "ongoing";
  default: return "?";
  }
}

/* A uniformly random delay in [lo, hi] milliseconds. */
static u32_t acd_rand_ms(u32_t lo, u32_t hi)
{
  return lo + lwip_port_rand() % (hi - lo + 1U);
}

/* Build and broadcast an ARP request from our MAC with sender IP @p sip
 * and target IP @p tip.  etharp_request() cannot send a probe: it always
 * uses the netif's address as sender, and a probe must say 0.0.0.0
 * (RFC 5227 2.1.1). */
static err_t acd_send_arp(struct netif *netif, const ip4_addr_t *sip, const ip4_addr_t *tip)
{
  return etharp_raw(netif, &ethbroadcast, ARP_REQUEST, &ethzero, sip, tip);
}

static err_t acd_send_probe(struct acd *acd)
{
  return acd_send_arp(acd->netif, IP4_ADDR_ANY4, &acd->ipaddr);
}

/* RFC 5227 2.3: an announcement is a probe with the sender IP filled in. */
static err_t acd_send_announce(struct acd *acd)
{
  return acd_send_arp(acd->netif, &acd->ipaddr, &acd->ipaddr);
}

static void acd_arm(struct acd *acd, u32_t ms)
{
  sys_untimeout(acd_timer, acd);
  if (sys_timeout(ms, acd_timer, acd) != ERR_OK) {
    /* Without a timer probing stalls in its current state; the user's own
     * retransmission or a restart gets it going again. */
    LWIP_LOG(ACD, ERROR, "cannot arm the ACD timer");
  }
}

err_t acd_add(struct netif *netif, struct acd *acd, acd_conflict_callback_t cb)
{
  LWIP_ERROR_RET("acd_add: args", netif != NULL && acd != NULL && cb != NULL, ERR_ARG);
  for (struct acd *a = netif->acd; a != NULL; a = a->next) {
    if (a == acd) {
      acd->acd_conflict_callback = cb;
      return ERR_OK;
    }
  }
  memset(acd, 0, sizeof(*acd));
  acd->netif = netif;
  acd->acd_conflict_callback = cb;
  acd->next = netif->acd;
  netif->acd = acd;
  return ERR_OK;
}

void acd_remove(struct netif *netif, struct acd *acd)
{
  if (netif == NULL || acd == NULL) {
    return;
  }
  acd_stop(acd);
  for (struct acd **pp = &netif->acd; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == acd) {
      *pp = acd->next;
      acd->next = NULL;
      return;
    }
  }
}

err_t acd_start(struct netif *netif, struct acd *acd, ip4_addr_t ipaddr)
{
  LWIP_ERROR_RET("acd_start: args", netif != NULL && acd != NULL && acd->netif == netif, ERR_ARG);
  acd->ipaddr = ipaddr;
  acd->sent_num = 0;
  acd->defended = false;
  acd->state = ACD_STATE_PROBE_WAIT;
  LWIP_LOG(ACD, INFO, "probing %s", ip4addr_ntoa(&ipaddr));
  /* RFC 5227 2.1.1: wait a random time up to PROBE_WAIT before the first
   * probe, so hosts powered on together do not probe in lockstep. */
  acd_arm(acd, acd_rand_ms(0, ACD_PROBE_WAIT_MS));
  return ERR_OK;
}

err_t acd_stop(struct acd *acd)
{
  if (acd == NULL) {
    return ERR_ARG;
  }
  acd->state = ACD_STATE_OFF;
  sys_untimeout(acd_timer, acd);
  return ERR_OK;
}

void acd_network_changed_link_down(struct netif *netif)
{
  for (struct acd *a = netif->acd; a != NULL; a = a->next) {
    acd_stop(a);
  }
}

static void acd_timer(void *arg)
{
  struct acd *acd = (struct acd *)arg;
  switch (acd->state) {
  case ACD_STATE_PROBE_WAIT:
  case ACD_STATE_PROBING:
    acd->state = ACD_STATE_PROBING;
    acd_send_probe(acd);
    acd->sent_num++;
    if (acd->sent_num >= ACD_PROBE_NUM) {
      acd->state = ACD_STATE_ANNOUNCE_WAIT;
      acd_arm(acd, ACD_ANNOUNCE_WAIT_MS);
    } else {
      acd_arm(acd, acd_rand_ms(ACD_PROBE_MIN_MS, ACD_PROBE_MAX_MS));
    }
    break;
  case ACD_STATE_ANNOUNCE_WAIT: {
    /* Silence for ANNOUNCE_WAIT after the last probe: the address is ours
     * (RFC 5227 2.1.1).  The user configures it, then we announce. */
    acd->state = ACD_STATE_ANNOUNCING;
    acd->sent_num = 0;
    acd->num_conflicts = 0;
    LWIP_LOG(ACD, INFO, "%s claimed", ip4addr_ntoa(&acd->ipaddr));
    acd->acd_conflict_callback(acd->netif, ACD_IP_OK);
    if (acd->state != ACD_STATE_ANNOUNCING) {
      break; /* the callback stopped us */
    }
    acd_send_announce(acd);
    acd->sent_num++;
    acd_arm(acd, ACD_ANNOUNCE_INTERVAL_MS);
    break;
  }
  case ACD_STATE_ANNOUNCING:
    acd_send_announce(acd);
    acd->sent_num++;
    if (acd->sent_num >= ACD_ANNOUNCE_NUM) {
      acd->state = ACD_STATE_ONGOING;
    } else {
      acd_arm(acd, ACD_ANNOUNCE_INTERVAL_MS);
    }
    break;
  default:
    break;
  }
}

/* A conflict while the address is still tentative: give it up. */
static void acd_probe_conflict(struct acd *acd, const u8_t *shw)
{
  LWIP_LOG(ACD, WARN, "conflict probing %s: in use by %02x:%02x:%02x:%02x:%02x:%02x",
           ip4addr_ntoa(&acd->ipaddr), shw[0], shw[1], shw[2], shw[3], shw[4], shw[5]);
  LWIP_UNUSED_ARG(shw);
  acd_stop(acd);
  if (acd->num_conflicts < 0xff) {
    acd->num_conflicts++;
  }
  acd->acd_conflict_callback(acd->netif, ACD_DECLINE);
}

/* RFC 5227 2.4 (b): defend once per DEFEND_INTERVAL; a second conflict
 * within it means another host insists, and we yield. */
static void acd_defend(struct acd *acd, const u8_t *shw)
{
  u32_t now = sys_now();
  LWIP_UNUSED_ARG(shw);
  if (!acd->defended || now - acd->last_defend_ms >= ACD_DEFEND_INTERVAL_MS) {
    LWIP_LOG(ACD, WARN, "defending %s against %02x:%02x:%02x:%02x:%02x:%02x",
             ip4addr_ntoa(&acd->ipaddr), shw[0], shw[1], shw[2], shw[3], shw[4], shw[5]);
    acd->defended = true;
    acd->last_defend_ms = now;
    acd_send_announce(acd);
    return;
  }
  LWIP_LOG(ACD, WARN, "giving up %s: conflict again within the defend interval",
           ip4addr_ntoa(&acd->ipaddr));
  acd_stop(acd);
  if (acd->num_conflicts < 0xff) {
    acd->num_conflicts++;
  }
  acd->acd_conflict_callback(acd->netif, ACD_RESTART_CLIENT);
}

void acd_arp_reply(struct netif *netif, const u8_t *arp)
{
  if (netif == NULL || arp == NULL) {
    return;
  }
  const u8_t *shw = arp + ARP_OFF_SHWADDR;
  /* Our own packets, looped back by a switch or a bridge, are no conflict
   * (RFC 5227 2.1.1 compares the sender hardware address). */
  if (memcmp(shw, netif->hwaddr, ETH_HWADDR_LEN) == 0) {
    return;
  }
  ip4_addr_t sip = {get_n32(arp + ARP_OFF_SIPADDR)};
  ip4_addr_t tip = {get_n32(arp + ARP_OFF_DIPADDR)};
  struct acd *a = netif->acd;
  while (a != NULL) {
    /* The callback may remove the entry (and others): fetch next first. */
    struct acd *next = a->next;
    switch (a->state) {
    case ACD_STATE_PROBE_WAIT:
    case ACD_STATE_PROBING:
    case ACD_STATE_ANNOUNCE_WAIT:
      /* RFC 5227 2.1.1: any ARP with our candidate as sender, or another
       * host's probe for it, is a conflict. */
      if (ip4_addr_eq(&sip, &a->ipaddr) ||
          (ip4_addr_isany_val(sip) && ip4_addr_eq(&tip, &a->ipaddr))) {
        acd_probe_conflict(a, shw);
      }
      break;
    case ACD_STATE_ANNOUNCING:
    case ACD_STATE_ONGOING:
      if (ip4_addr_eq(&sip, &a->ipaddr)) {
        acd_defend(a, shw);
      }
      break;
    default:
      break;
    }
    a = next;
  }
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int acd_disabled_t;
#endif /* LWIP_DHCP */
