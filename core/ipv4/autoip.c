/**
 * @file autoip.c
 * IPv4 link-local addresses (RFC 3927).
 *
 * The candidate comes from a hash of the MAC and the number of candidates
 * tried so far, so a host picks the same address on every boot and
 * different hosts pick different sequences (RFC 3927 2.1).  ACD (RFC 5227)
 * probes it, announces it and defends it; a conflict while probing moves
 * on to the next candidate, and after MAX_CONFLICTS conflicts the probing
 * slows to one attempt per RATE_LIMIT_INTERVAL (RFC 3927 2.2.1).
 */
#include "lwip/opt.h"

#if LWIP_AUTOIP

#include "lwip/autoip.h"
#include "lwip/acd.h"
#if LWIP_DHCP
#include "lwip/dhcp.h"
#endif
#include "lwip/mem.h"
#include "lwip/timeouts.h"
#include "lwip/debug.h"
#include <string.h>

static netif_ext_callback_t autoip_netif_cb;

static void autoip_netif_event(struct netif *netif, netif_nsc_reason_t reason,
                               const netif_ext_callback_args_t *args);

const char *autoip_state_name(u8_t state)
{
  switch (state) {
  case AUTOIP_STATE_OFF: return "off";
  case AUTOIP_STATE_CHECKING: return "checking";
  case AUTOIP_STATE_BOUND: return "bound";
  default: return "?";
  }
}

void autoip_set_struct(struct netif *netif, struct autoip *autoip)
{
  LWIP_ERROR_RET("autoip_set_struct: args", netif != NULL && autoip != NULL, );
  LWIP_ERROR_RET("autoip_set_struct: already set", netif->autoip == NULL, );
  memset(autoip, 0, sizeof(*autoip));
  netif->autoip = autoip;
  netif_add_ext_callback(&autoip_netif_cb, autoip_netif_event);
}

/* FNV-1a over the MAC and the candidate number: the same MAC gives the
 * same sequence after every reboot (RFC 3927 2.1). */
static void autoip_create_addr(const struct netif *netif, struct autoip *autoip)
{
  u32_t h = 2166136261UL;
  for (u8_t i = 0; i < netif->hwaddr_len && i < NETIF_MAX_HWADDR_LEN; i++) {
    h = (h ^ netif->hwaddr[i]) * 16777619UL;
  }
  h = (h ^ autoip->tried_llipaddr) * 16777619UL;
  u32_t range = AUTOIP_RANGE_END - AUTOIP_RANGE_START + 1U;
  autoip->llipaddr.addr = lwip_htonl(AUTOIP_RANGE_START + h % range);
}

static void autoip_rate_timeout(void *arg);

static void autoip_probe(struct netif *netif, struct autoip *autoip)
{
  autoip->state = AUTOIP_STATE_CHECKING;
  autoip_create_addr(netif, autoip);
  LWIP_LOG(AUTOIP, INFO, "trying %s", ip4addr_ntoa(&autoip->llipaddr));
  if (autoip->conflicts >= ACD_MAX_CONFLICTS) {
    /* RFC 3927 2.2.1: too many conflicts: at most one attempt a minute. */
    sys_untimeout(autoip_rate_timeout, netif);
    sys_timeout(ACD_RATE_LIMIT_INTERVAL_MS, autoip_rate_timeout, netif);
    return;
  }
  acd_start(netif, &autoip->acd, autoip->llipaddr);
}

static void autoip_rate_timeout(void *arg)
{
  struct netif *netif = (struct netif *)arg;
  struct autoip *autoip = netif->autoip;
  if (autoip != NULL && autoip->state == AUTOIP_STATE_CHECKING) {
    acd_start(netif, &autoip->acd, autoip->llipaddr);
  }
}

static void autoip_unconfigure(struct netif *netif, struct autoip *autoip)
{
  if (autoip->state == AUTOIP_STATE_BOUND && ip4_addr_eq(netif_ip4_addr(netif), &autoip->llipaddr)) {
    netif_set_addr(netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
  }
}

static void autoip_acd_callback(struct netif *netif, acd_callback_enum_t result)
{
  struct autoip *autoip = netif->autoip;
  if (autoip == NULL || autoip->state == AUTOIP_STATE_OFF) {
    return;
  }
  switch (result) {
  case ACD_IP_OK: {
#if LWIP_DHCP
    if (dhcp_supplied_address(netif)) {
      /* A lease arrived meanwhile: it takes precedence (RFC 3927 1.9). */
      autoip_stop(netif);
      return;
    }
#endif
    ip4_addr_t mask;
    IP4_ADDR(&mask, 255, 255, 0, 0);
    autoip->state = AUTOIP_STATE_BOUND;
    /* RFC 3927 2.6.2: no gateway; link-local traffic is never routed. */
    netif_set_addr(netif, &autoip->llipaddr, &mask, IP4_ADDR_ANY4);
    LWIP_LOG(AUTOIP, INFO, "using %s", ip4addr_ntoa(&autoip->llipaddr));
    break;
  }
  case ACD_DECLINE:
  case ACD_RESTART_CLIENT:
    autoip_unconfigure(netif, autoip);
    if (autoip->conflicts < 0xff) {
      autoip->conflicts++;
    }
    autoip->tried_llipaddr++;
    autoip_probe(netif, autoip);
    break;
  }
}

err_t autoip_start(struct netif *netif)
{
  LWIP_ERROR_RET("autoip_start: netif", netif != NULL, ERR_ARG);
  if ((netif->flags & NETIF_FLAG_ETHARP) == 0 || netif->hwaddr_len != 6) {
    return ERR_ARG;
  }
  netif_add_ext_callback(&autoip_netif_cb, autoip_netif_event);
  struct autoip *autoip = netif->autoip;
  if (autoip == NULL) {
    autoip = (struct autoip *)mem_malloc(sizeof(struct autoip));
    if (autoip == NULL) {
      return ERR_MEM;
    }
    memset(autoip, 0, sizeof(*autoip));
    autoip->allocated = true;
    netif->autoip = autoip;
  } else if (autoip->state != AUTOIP_STATE_OFF) {
    return ERR_OK; /* already running */
  }
  acd_add(netif, &autoip->acd, autoip_acd_callback);
  autoip->conflicts = 0;
  autoip_probe(netif, autoip);
  return ERR_OK;
}

err_t autoip_stop(struct netif *netif)
{
  if (netif == NULL || netif->autoip == NULL) {
    return ERR_ARG;
  }
  struct autoip *autoip = netif->autoip;
  if (autoip->state == AUTOIP_STATE_OFF) {
    return ERR_OK;
  }
  sys_untimeout(autoip_rate_timeout, netif);
  acd_remove(netif, &autoip->acd);
  autoip_unconfigure(netif, autoip);
  autoip->state = AUTOIP_STATE_OFF;
  LWIP_LOG(AUTOIP, INFO, "stopped");
  return ERR_OK;
}

void autoip_remove_struct(struct netif *netif)
{
  if (netif == NULL || netif->autoip == NULL) {
    return;
  }
  struct autoip *autoip = netif->autoip;
  autoip_stop(netif);
  netif->autoip = NULL;
  if (autoip->allocated) {
    mem_free(autoip);
  }
}

u8_t autoip_supplied_address(const struct netif *netif)
{
  return (u8_t)(netif != NULL && netif->autoip != NULL && netif->autoip->state == AUTOIP_STATE_BOUND &&
                ip4_addr_eq(netif_ip4_addr(netif), &netif->autoip->llipaddr));
}

void autoip_network_changed_link_down(struct netif *netif)
{
  autoip_stop(netif);
}

static void autoip_netif_event(struct netif *netif, netif_nsc_reason_t reason,
                               const netif_ext_callback_args_t *args)
{
  LWIP_UNUSED_ARG(args);
  if (netif->autoip == NULL) {
    return;
  }
  if (reason & LWIP_NSC_NETIF_REMOVED) {
    autoip_remove_struct(netif);
    return;
  }
  if ((reason & (LWIP_NSC_LINK_CHANGED | LWIP_NSC_STATUS_CHANGED)) &&
      (!netif_is_up(netif) || !netif_is_link_up(netif))) {
    /* The link may lead elsewhere when it returns: DHCP restarts AutoIP
     * if it still gets no answer. */
    autoip_network_changed_link_down(netif);
  }
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int autoip_disabled_t;
#endif /* LWIP_AUTOIP */
