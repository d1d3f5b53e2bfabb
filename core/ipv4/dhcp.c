/**
 * @file dhcp.c
 * DHCP client (RFC 2131, options RFC 2132).
 *
 * One client per netif, with its own UDP PCB bound to port 68 on that
 * netif only (so a reply is always matched to the right client).  All
 * messages leave from 0.0.0.0 until a lease is bound; DISCOVER and the
 * REQUESTs that precede configuration ask for broadcast replies because
 * the stack cannot accept unicast to an address it does not have yet
 * (RFC 2131 4.1).
 *
 * A single one-shot timeout per client drives everything: the next
 * retransmission (4, 8, 16, 32, 64 s with +-1 s jitter, RFC 2131 4.1),
 * or T1, T2 and the lease end while bound.  An offered address is checked
 * with ACD (RFC 5227) before it is applied; a conflict sends DHCPDECLINE
 * and waits 10 s (RFC 2131 3.1.5).  After DHCP_AUTOIP_COOP_TRIES
 * unanswered DISCOVERs, AutoIP (RFC 3927) supplies a link-local address
 * while discovery goes on; a lease replaces it.
 *
 * Every byte of a received message is read through bounds-checked pbuf
 * copies; options are parsed strictly (length bounds, fixed sizes,
 * duplicates must agree) and anything malformed is dropped and counted.
 */
#include "lwip/opt.h"

#if LWIP_DHCP

#include "lwip/dhcp.h"
#include "lwip/acd.h"
#if LWIP_AUTOIP
#include "lwip/autoip.h"
#endif
#include "lwip/udp.h"
#include "lwip/ip.h"
#include "lwip/mem.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/port.h"
#include "lwip/prot/dhcp.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/init.h"
#include <string.h>

/** Leases beyond this many seconds are timed as if this long, so every
 *  deadline fits the wrap-safe range of the millisecond clock.  Renewing
 *  early is always allowed; an infinite lease (0xffffffff) is not timed. */
#define DHCP_MAX_TIMED_LEASE_S 2000000UL
#define DHCP_LEASE_INFINITE 0xffffffffUL

static dhcp_state_callback_fn dhcp_state_cb;
static dhcp_dns_callback_fn dhcp_dns_cb;
static netif_ext_callback_t dhcp_netif_cb;

static void dhcp_timeout(void *arg);
static void dhcp_discover(struct netif *netif, struct dhcp *dhcp);
static void dhcp_netif_event(struct netif *netif, netif_nsc_reason_t reason,
                             const netif_ext_callback_args_t *args);

void dhcp_init(void)
{
  /* lwip_init() re-initialises the heap and pools: earlier clients are
   * forgotten along with them. */
  dhcp_state_cb = NULL;
  dhcp_dns_cb = NULL;
  memset(&dhcp_netif_cb, 0, sizeof(dhcp_netif_cb));
}

void dhcp_set_state_callback(dhcp_state_callback_fn fn)
{
  dhcp_state_cb = fn;
}

void dhcp_set_dns_callback(dhcp_dns_callback_fn fn)
{
  dhcp_dns_cb = fn;
}

const char *dhcp_state_name(u8_t state)
{
  switch (state) {
  case DHCP_STATE_OFF: return "off";
  case DHCP_STATE_INIT: return "init";
  case DHCP_STATE_SELECTING: return "selecting";
  case DHCP_STATE_REQUESTING: return "requesting";
  case DHCP_STATE_CHECKING: return "checking";
  case DHCP_STATE_BOUND: return "bound";
  case DHCP_STATE_RENEWING: return "renewing";
  case DHCP_STATE_REBINDING: return "rebinding";
  case DHCP_STATE_INIT_REBOOT: return "init-reboot";
  case DHCP_STATE_REBOOTING: return "rebooting";
  case DHCP_STATE_BACKING_OFF: return "backing-off";
  case DHCP_STATE_INFORMING: return "informing";
  default: return "?";
  }
}

static void dhcp_set_state(struct netif *netif, struct dhcp *dhcp, u8_t state)
{
  if (dhcp->state == state) {
    return;
  }
  u8_t old = dhcp->state;
  dhcp->state = state;
  LWIP_LOG(DHCP, INFO, "%c%c%u: %s -> %s", netif->name[0], netif->name[1], netif->num,
           dhcp_state_name(old), dhcp_state_name(state));
  if (dhcp_state_cb != NULL) {
    dhcp_state_cb(netif, old, state);
  }
}

static void dhcp_arm(struct netif *netif, u32_t ms)
{
  sys_untimeout(dhcp_timeout, netif);
  if (sys_timeout(ms, dhcp_timeout, netif) != ERR_OK) {
    LWIP_LOG(DHCP, ERROR, "cannot arm the DHCP timer");
  }
}

static void dhcp_disarm(struct netif *netif)
{
  sys_untimeout(dhcp_timeout, netif);
}

/* RFC 2131 4.1: the delay before retransmission number @p tries doubles
 * from 4 s up to 64 s and is randomised by -1..+1 s. */
static u32_t dhcp_backoff_ms(u8_t tries)
{
  u8_t shift = tries == 0 ? 0 : (u8_t)(tries - 1);
  if (shift > 4) {
    shift = 4;
  }
  u32_t base = 4000UL << shift;
  return base - 1000U + lwip_port_rand() % 2001U;
}

static void dhcp_new_xid(struct dhcp *dhcp)
{
  u32_t old = dhcp->xid;
  do {
    dhcp->xid = lwip_port_rand();
  } while (dhcp->xid == old);
  dhcp->xid_start_ms = sys_now();
}

static bool dhcp_addr_usable(const ip4_addr_t *a)
{
  u32_t h = lwip_ntohl(a->addr);
  return h != 0 && (h >> 24) != 0 && (h >> 24) != 127 && !ip4_addr_ismulticast(a) &&
         !ip4_addr_islimitedbroadcast(a);
}

/* Take the address off the netif if it is still the one we put there. */
static void dhcp_unconfigure(struct netif *netif, struct dhcp *dhcp)
{
  acd_stop(&dhcp->acd);
  if (dhcp->configured) {
    dhcp->configured = false;
    if (ip4_addr_eq(netif_ip4_addr(netif), &dhcp->offered_ip)) {
      netif_set_addr(netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Building and sending messages                                           */
/* ---------------------------------------------------------------------- */

struct dhcp_out {
  u8_t buf[DHCP_MAX_MSG_LEN_MIN];
  u16_t len;
};

/* Append an option when it fits with room left for the END option. */
static void out_opt(struct dhcp_out *o, u8_t code, u8_t len, const void *data)
{
  if ((size_t)o->len + 2U + len + 1U > sizeof(o->buf)) {
    return;
  }
  o->buf[o->len++] = code;
  o->buf[o->len++] = len;
  memcpy(o->buf + o->len, data, len);
  o->len = (u16_t)(o->len + len);
}

static void out_opt_addr(struct dhcp_out *o, u8_t code, const ip4_addr_t *a)
{
  u8_t v[4];
  put_n32(v, a->addr);
  out_opt(o, code, 4, v);
}

/* The fixed header, the magic cookie, the message type and the client
 * identifier (type 1 and our MAC, RFC 2132 9.14). */
static void out_start(struct dhcp_out *o, const struct netif *netif, const struct dhcp *dhcp, u8_t type,
                      const ip4_addr_t *ciaddr, bool bcast)
{
  memset(o->buf, 0, sizeof(o->buf));
  o->buf[DHCP_OFF_OP] = DHCP_BOOTREQUEST;
  o->buf[DHCP_OFF_HTYPE] = DHCP_HTYPE_ETH;
  o->buf[DHCP_OFF_HLEN] = 6;
  put_be32(o->buf + DHCP_OFF_XID, dhcp->xid);
  /* RFC 2131 2: seconds since the client began acquiring or renewing. */
  u32_t secs = (sys_now() - dhcp->xid_start_ms) / 1000U;
  put_be16(o->buf + DHCP_OFF_SECS, (u16_t)(secs > 0xffffU ? 0xffffU : secs));
  put_be16(o->buf + DHCP_OFF_FLAGS, bcast ? DHCP_FLAG_BROADCAST : 0);
  if (ciaddr != NULL) {
    put_n32(o->buf + DHCP_OFF_CIADDR, ciaddr->addr);
  }
  memcpy(o->buf + DHCP_OFF_CHADDR, netif->hwaddr, 6);
  put_be32(o->buf + DHCP_OFF_COOKIE, DHCP_MAGIC_COOKIE);
  o->len = DHCP_OFF_OPTIONS;
  out_opt(o, DHCP_OPTION_MESSAGE_TYPE, 1, &type);
  u8_t cid[7];
  cid[0] = DHCP_HTYPE_ETH;
  memcpy(cid + 1, netif->hwaddr, 6);
  out_opt(o, DHCP_OPTION_CLIENT_ID, sizeof(cid), cid);
}

/* Options of the messages that ask for configuration (DISCOVER, REQUEST,
 * INFORM): maximum size, host name and the parameter request list.
 * DECLINE and RELEASE must not carry them (RFC 2131 table 5). */
static void out_params(struct dhcp_out *o, const struct netif *netif)
{
  u16_t mms = netif->mtu >= DHCP_MAX_MSG_LEN_MIN ? netif->mtu : DHCP_MAX_MSG_LEN_MIN;
  u8_t v[2];
  put_be16(v, mms);
  out_opt(o, DHCP_OPTION_MAX_MSG_SIZE, 2, v);
  if (netif->hostname != NULL && netif->hostname[0] != '\0') {
    size_t n = strlen(netif->hostname);
    if (n > 63) {
      n = 63; /* a DNS label's limit; a longer name would be refused anyway */
    }
    out_opt(o, DHCP_OPTION_HOSTNAME, (u8_t)n, netif->hostname);
  }
  static const u8_t prl[] = {
    DHCP_OPTION_SUBNET_MASK, DHCP_OPTION_ROUTER, DHCP_OPTION_DNS_SERVER, DHCP_OPTION_DOMAIN_NAME,
    DHCP_OPTION_BROADCAST, DHCP_OPTION_LEASE_TIME, DHCP_OPTION_T1, DHCP_OPTION_T2,
    DHCP_OPTION_NTP_SERVER,
  };
  out_opt(o, DHCP_OPTION_PARAMETER_REQUEST_LIST, sizeof(prl), prl);
}

static err_t dhcp_send(struct netif *netif, struct dhcp *dhcp, struct dhcp_out *o,
                       const ip4_addr_t *dst, const ip4_addr_t *src)
{
  o->buf[o->len++] = DHCP_OPTION_END;
  if (o->len < DHCP_MIN_SEND_LEN) {
    o->len = DHCP_MIN_SEND_LEN; /* zero padding, already in place */
  }
  if (dhcp->pcb == NULL) {
    return ERR_CONN;
  }
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, o->len, PBUF_RAM);
  if (p == NULL) {
    LWIP_DROP(DHCP_NO_MEM);
    return ERR_MEM;
  }
  pbuf_take(p, o->buf, o->len);
  ip_addr_t d, s;
  ip_addr_set_ip4(&d, dst);
  ip_addr_set_ip4(&s, src);
  err_t err = udp_sendto_if_src(dhcp->pcb, p, &d, DHCP_SERVER_PORT, netif, &s);
  pbuf_free(p);
  if (err == ERR_OK) {
    STATS_TX(DHCP);
  } else {
    LWIP_LOG(DHCP, WARN, "send of message type %u failed: %d", o->buf[DHCP_OFF_OPTIONS + 2], err);
  }
  return err;
}

static err_t dhcp_send_discover(struct netif *netif, struct dhcp *dhcp)
{
  struct dhcp_out o;
  out_start(&o, netif, dhcp, DHCP_DISCOVER, NULL, true);
  out_params(&o, netif);
  return dhcp_send(netif, dhcp, &o, IP4_ADDR_BROADCAST, IP4_ADDR_ANY4);
}

/* A DHCPREQUEST as each state wants it (RFC 2131 4.3.2, table 5). */
static err_t dhcp_send_request(struct netif *netif, struct dhcp *dhcp)
{
  struct dhcp_out o;
  dhcp->request_ms = sys_now();
  switch (dhcp->state) {
  case DHCP_STATE_REQUESTING:
    out_start(&o, netif, dhcp, DHCP_REQUEST, NULL, true);
    out_opt_addr(&o, DHCP_OPTION_REQUESTED_IP, &dhcp->offered_ip);
    out_opt_addr(&o, DHCP_OPTION_SERVER_ID, &dhcp->server_id);
    out_params(&o, netif);
    return dhcp_send(netif, dhcp, &o, IP4_ADDR_BROADCAST, IP4_ADDR_ANY4);
  case DHCP_STATE_REBOOTING:
    out_start(&o, netif, dhcp, DHCP_REQUEST, NULL, true);
    out_opt_addr(&o, DHCP_OPTION_REQUESTED_IP, &dhcp->offered_ip);
    out_params(&o, netif);
    return dhcp_send(netif, dhcp, &o, IP4_ADDR_BROADCAST, IP4_ADDR_ANY4);
  case DHCP_STATE_RENEWING:
    /* Unicast to the server that granted the lease, from our address. */
    out_start(&o, netif, dhcp, DHCP_REQUEST, &dhcp->offered_ip, false);
    out_params(&o, netif);
    return dhcp_send(netif, dhcp, &o, &dhcp->server_id, &dhcp->offered_ip);
  case DHCP_STATE_REBINDING:
    /* Any server may extend the lease now: broadcast. */
    out_start(&o, netif, dhcp, DHCP_REQUEST, &dhcp->offered_ip, false);
    out_params(&o, netif);
    return dhcp_send(netif, dhcp, &o, IP4_ADDR_BROADCAST, &dhcp->offered_ip);
  default:
    return ERR_VAL;
  }
}

static err_t dhcp_send_decline(struct netif *netif, struct dhcp *dhcp)
{
  struct dhcp_out o;
  dhcp_new_xid(dhcp);
  out_start(&o, netif, dhcp, DHCP_DECLINE, NULL, false);
  out_opt_addr(&o, DHCP_OPTION_REQUESTED_IP, &dhcp->offered_ip);
  out_opt_addr(&o, DHCP_OPTION_SERVER_ID, &dhcp->server_id);
  return dhcp_send(netif, dhcp, &o, IP4_ADDR_BROADCAST, IP4_ADDR_ANY4);
}

static err_t dhcp_send_inform(struct netif *netif, struct dhcp *dhcp)
{
  struct dhcp_out o;
  out_start(&o, netif, dhcp, DHCP_INFORM, netif_ip4_addr(netif), false);
  out_params(&o, netif);
  return dhcp_send(netif, dhcp, &o, IP4_ADDR_BROADCAST, netif_ip4_addr(netif));
}

/* ---------------------------------------------------------------------- */
/* State transitions                                                       */
/* ---------------------------------------------------------------------- */

static void dhcp_discover(struct netif *netif, struct dhcp *dhcp)
{
  acd_stop(&dhcp->acd);
  dhcp->rebooting = false;
  dhcp_new_xid(dhcp);
  dhcp->tries = 0;
  dhcp_set_state(netif, dhcp, DHCP_STATE_INIT);
  dhcp_set_state(netif, dhcp, DHCP_STATE_SELECTING);
  dhcp_send_discover(netif, dhcp);
  dhcp->tries = 1;
  dhcp_arm(netif, dhcp_backoff_ms(dhcp->tries));
}

/* INIT-REBOOT (RFC 2131 3.2): ask to keep the address of an unexpired
 * lease after the link came back. */
static void dhcp_reboot(struct netif *netif, struct dhcp *dhcp)
{
  acd_stop(&dhcp->acd);
  dhcp_new_xid(dhcp);
  dhcp->tries = 0;
  dhcp_set_state(netif, dhcp, DHCP_STATE_INIT_REBOOT);
  dhcp_set_state(netif, dhcp, DHCP_STATE_REBOOTING);
  dhcp_send_request(netif, dhcp);
  dhcp->tries = 1;
  dhcp_arm(netif, dhcp_backoff_ms(dhcp->tries));
}

static u32_t lease_elapsed_ms(const struct dhcp *dhcp)
{
  return sys_now() - dhcp->lease_start_ms;
}

static bool lease_infinite(const struct dhcp *dhcp)
{
  return dhcp->lease_s == DHCP_LEASE_INFINITE;
}

static u32_t timed_s(u32_t s)
{
  return s > DHCP_MAX_TIMED_LEASE_S ? DHCP_MAX_TIMED_LEASE_S : s;
}

static bool lease_expired(const struct dhcp *dhcp)
{
  return !lease_infinite(dhcp) && lease_elapsed_ms(dhcp) >= timed_s(dhcp->lease_s) * 1000U;
}

/* Arm the timer for the next lease event of the BOUND, RENEWING or
 * REBINDING state (RFC 2131 4.4.5: retransmit after half the time left
 * until T2, resp. lease end, but no sooner than 60 s). */
static void dhcp_arm_lease(struct netif *netif, struct dhcp *dhcp)
{
  if (lease_infinite(dhcp)) {
    dhcp_disarm(netif);
    return;
  }
  u32_t el = lease_elapsed_ms(dhcp);
  u32_t t1 = timed_s(dhcp->t1_s) * 1000U, t2 = timed_s(dhcp->t2_s) * 1000U;
  u32_t end = timed_s(dhcp->lease_s) * 1000U;
  u32_t next;
  if (dhcp->state == DHCP_STATE_BOUND) {
    next = t1;
  } else {
    u32_t limit = dhcp->state == DHCP_STATE_RENEWING ? t2 : end;
    u32_t left = limit > el ? limit - el : 0;
    u32_t wait = left / 2 > DHCP_MIN_RENEW_RETRY_MS ? left / 2 : DHCP_MIN_RENEW_RETRY_MS;
    next = wait < left ? el + wait : limit;
  }
  dhcp_arm(netif, next > el ? next - el : 0);
}

static void dhcp_bind(struct netif *netif, struct dhcp *dhcp)
{
  dhcp->rebooting = false;
  dhcp->tries = 0;
  dhcp->discover_rounds = 0;
  dhcp->configured = true;
  netif_set_addr(netif, &dhcp->offered_ip, &dhcp->offered_mask, &dhcp->offered_gw);
#if LWIP_AUTOIP
  /* RFC 3927 1.9: a routable address replaces the link-local one. */
  autoip_stop(netif);
#endif
  dhcp_set_state(netif, dhcp, DHCP_STATE_BOUND);
  LWIP_LOG(DHCP, INFO, "bound to %s, lease %lu s", ip4addr_ntoa(&dhcp->offered_ip),
           (unsigned long)dhcp->lease_s);
  if (dhcp_dns_cb != NULL) {
    dhcp_dns_cb(netif, dhcp->dns_count, dhcp->dns);
  }
  dhcp_arm_lease(netif, dhcp);
}

static void dhcp_acd_callback(struct netif *netif, acd_callback_enum_t result)
{
  struct dhcp *dhcp = netif->dhcp;
  if (dhcp == NULL) {
    return;
  }
  switch (result) {
  case ACD_IP_OK:
    if (dhcp->state == DHCP_STATE_CHECKING) {
      dhcp_bind(netif, dhcp);
    }
    break;
  case ACD_DECLINE:
    if (dhcp->state != DHCP_STATE_CHECKING) {
      break;
    }
    /* RFC 2131 3.1.5: refuse the address, then wait at least 10 s before
     * starting over so a broken server does not make us loop. */
    LWIP_LOG(DHCP, WARN, "%s is in use: declining", ip4addr_ntoa(&dhcp->offered_ip));
    dhcp_unconfigure(netif, dhcp);
    dhcp_send_decline(netif, dhcp);
    dhcp_set_state(netif, dhcp, DHCP_STATE_BACKING_OFF);
    dhcp_arm(netif, DHCP_DECLINE_WAIT_MS);
    break;
  case ACD_RESTART_CLIENT:
    /* Another host insists on our leased address (RFC 5227 2.4 (b)): stop
     * using it and start over after the same pause. */
    LWIP_LOG(DHCP, WARN, "lost %s to another host", ip4addr_ntoa(&dhcp->offered_ip));
    dhcp_unconfigure(netif, dhcp);
    dhcp_set_state(netif, dhcp, DHCP_STATE_BACKING_OFF);
    dhcp_arm(netif, DHCP_DECLINE_WAIT_MS);
    break;
  }
}

static void dhcp_timeout(void *arg)
{
  struct netif *netif = (struct netif *)arg;
  struct dhcp *dhcp = netif->dhcp;
  if (dhcp == NULL || dhcp->paused) {
    return;
  }
  switch (dhcp->state) {
  case DHCP_STATE_INIT:
  case DHCP_STATE_BACKING_OFF:
    dhcp_discover(netif, dhcp);
    break;
  case DHCP_STATE_SELECTING:
#if LWIP_AUTOIP
    if (dhcp->tries >= DHCP_AUTOIP_COOP_TRIES && (netif->autoip == NULL || netif->autoip->state == AUTOIP_STATE_OFF)) {
      LWIP_LOG(DHCP, INFO, "no DHCP answer after %u tries: starting AutoIP", dhcp->tries);
      autoip_start(netif);
    }
#endif
    dhcp_send_discover(netif, dhcp);
    if (dhcp->tries < 0xff) {
      dhcp->tries++;
    }
    dhcp_arm(netif, dhcp_backoff_ms(dhcp->tries));
    break;
  case DHCP_STATE_REQUESTING:
  case DHCP_STATE_REBOOTING:
    if (dhcp->tries >= (dhcp->state == DHCP_STATE_REQUESTING ? DHCP_MAX_REQUEST_TRIES : DHCP_MAX_REBOOT_TRIES)) {
      /* RFC 2131 4.4.1: no DHCPACK or DHCPNAK: back to INIT. */
      dhcp_unconfigure(netif, dhcp);
      dhcp_discover(netif, dhcp);
      break;
    }
    dhcp_send_request(netif, dhcp);
    dhcp->tries++;
    dhcp_arm(netif, dhcp_backoff_ms(dhcp->tries));
    break;
  case DHCP_STATE_INFORMING:
    if (dhcp->tries >= DHCP_MAX_REQUEST_TRIES) {
      dhcp_set_state(netif, dhcp, DHCP_STATE_OFF);
      break;
    }
    dhcp_send_inform(netif, dhcp);
    dhcp->tries++;
    dhcp_arm(netif, dhcp_backoff_ms(dhcp->tries));
    break;
  case DHCP_STATE_BOUND:
  case DHCP_STATE_RENEWING:
  case DHCP_STATE_REBINDING: {
    u32_t el = lease_elapsed_ms(dhcp);
    if (lease_expired(dhcp)) {
      /* RFC 2131 4.4.5: the lease ran out: stop using the address. */
      LWIP_LOG(DHCP, WARN, "lease of %s expired", ip4addr_ntoa(&dhcp->offered_ip));
      dhcp_unconfigure(netif, dhcp);
      dhcp_discover(netif, dhcp);
      break;
    }
    if (el >= timed_s(dhcp->t2_s) * 1000U && dhcp->state != DHCP_STATE_REBINDING) {
      dhcp_new_xid(dhcp);
      dhcp_set_state(netif, dhcp, DHCP_STATE_REBINDING);
    } else if (dhcp->state == DHCP_STATE_BOUND) {
      dhcp_new_xid(dhcp);
      dhcp_set_state(netif, dhcp, DHCP_STATE_RENEWING);
    }
    dhcp_send_request(netif, dhcp);
    dhcp_arm_lease(netif, dhcp);
    break;
  }
  default:
    break;
  }
}

/* ---------------------------------------------------------------------- */
/* Receiving                                                               */
/* ---------------------------------------------------------------------- */

/* What the options of one message say. */
struct dhcp_rx {
  u8_t type;
  u8_t overload;
  u8_t dns_count;
  u8_t ntp_count;
  bool have_type, have_server_id, have_mask, have_router, have_lease, have_t1, have_t2, have_overload;
  ip4_addr_t server_id, mask, router;
  ip4_addr_t dns[DHCP_MAX_DNS_SERVERS];
  ip4_addr_t ntp[DHCP_MAX_NTP_SERVERS];
  u32_t lease, t1, t2;
};

/* A single-valued option seen twice must say the same thing both times:
 * two different message types or server ids cannot both be believed. */
static bool take_u32(bool *have, u32_t *dst, u32_t v)
{
  if (*have && *dst != v) {
    return false;
  }
  *have = true;
  *dst = v;
  return true;
}

static bool take_option(struct dhcp_rx *rx, u8_t code, const u8_t *v, u8_t len, bool main_field)
{
  u32_t tmp;
  switch (code) {
  case DHCP_OPTION_MESSAGE_TYPE:
    if (len != 1) {
      return false;
    }
    tmp = rx->type;
    if (!take_u32(&rx->have_type, &tmp, v[0])) {
      return false;
    }
    rx->type = v[0];
    return true;
  case DHCP_OPTION_OVERLOAD:
    if (!main_field) {
      return true; /* only meaningful in the options field (RFC 2132 9.3) */
    }
    if (len != 1 || v[0] < DHCP_OVERLOAD_FILE || v[0] > DHCP_OVERLOAD_SNAME_FILE) {
      return false;
    }
    tmp = rx->overload;
    if (!take_u32(&rx->have_overload, &tmp, v[0])) {
      return false;
    }
    rx->overload = v[0];
    return true;
  case DHCP_OPTION_SERVER_ID:
    return len == 4 && take_u32(&rx->have_server_id, &rx->server_id.addr, get_n32(v));
  case DHCP_OPTION_SUBNET_MASK:
    return len == 4 && take_u32(&rx->have_mask, &rx->mask.addr, get_n32(v));
  case DHCP_OPTION_LEASE_TIME:
    return len == 4 && take_u32(&rx->have_lease, &rx->lease, get_be32(v));
  case DHCP_OPTION_T1:
    return len == 4 && take_u32(&rx->have_t1, &rx->t1, get_be32(v));
  case DHCP_OPTION_T2:
    return len == 4 && take_u32(&rx->have_t2, &rx->t2, get_be32(v));
  case DHCP_OPTION_ROUTER:
    if (len == 0 || len % 4 != 0) {
      return false;
    }
    /* Repeated instances concatenate (RFC 3396): the first router wins. */
    if (!rx->have_router) {
      rx->have_router = true;
      rx->router.addr = get_n32(v);
    }
    return true;
  case DHCP_OPTION_DNS_SERVER:
    if (len == 0 || len % 4 != 0) {
      return false;
    }
    for (u8_t i = 0; i < len && rx->dns_count < DHCP_MAX_DNS_SERVERS; i = (u8_t)(i + 4)) {
      rx->dns[rx->dns_count++].addr = get_n32(v + i);
    }
    return true;
  case DHCP_OPTION_NTP_SERVER:
    /* A list of addresses in order of preference (RFC 2132 8.3). */
    if (len == 0 || len % 4 != 0) {
      return false;
    }
    for (u8_t i = 0; i < len && rx->ntp_count < DHCP_MAX_NTP_SERVERS; i = (u8_t)(i + 4)) {
      rx->ntp[rx->ntp_count++].addr = get_n32(v + i);
    }
    return true;
  default:
    return true; /* unknown or unused options are skipped by length */
  }
}

/* Parse the options in [off, off + len) of @p p.  @return false when an
 * option runs past the field or has an unacceptable value. */
static bool parse_field(const struct pbuf *p, u16_t off, u16_t len, struct dhcp_rx *rx, bool main_field)
{
  u32_t i = off, end = (u32_t)off + len;
  u8_t v[255];
  while (i < end) {
    u8_t code = pbuf_get_at(p, (u16_t)i);
    if (code == DHCP_OPTION_PAD) {
      i++;
      continue;
    }
    if (code == DHCP_OPTION_END) {
      return true;
    }
    if (i + 1 >= end) {
      return false; /* no room for the length byte */
    }
    u8_t olen = pbuf_get_at(p, (u16_t)(i + 1));
    if (i + 2 + olen > end) {
      return false;
    }
    if (pbuf_copy_partial(p, v, olen, (u16_t)(i + 2)) != olen) {
      return false;
    }
    if (!take_option(rx, code, v, olen, main_field)) {
      return false;
    }
    i += 2U + olen;
  }
  /* A field may simply end without END; RFC 2131 asks servers for one but
   * nothing is lost without it. */
  return true;
}

static void dhcp_take_params(struct dhcp *dhcp, const struct dhcp_rx *rx)
{
  if (rx->have_mask) {
    dhcp->offered_mask = rx->mask;
    dhcp->mask_given = true;
  } else {
    /* No mask offered: fall back to the classful one, as hosts did
     * before subnetting (RFC 1122 3.3.1.1 leaves this to us). */
    u32_t h = lwip_ntohl(dhcp->offered_ip.addr);
    u32_t m = (h >> 31) == 0 ? 0xff000000UL : (h >> 30) == 2 ? 0xffff0000UL : 0xffffff00UL;
    dhcp->offered_mask.addr = lwip_htonl(m);
    dhcp->mask_given = false;
  }
  dhcp->offered_gw.addr = rx->have_router ? rx->router.addr : 0;
  dhcp->dns_count = rx->dns_count;
  for (u8_t i = 0; i < DHCP_MAX_DNS_SERVERS; i++) {
    dhcp->dns[i].addr = i < rx->dns_count ? rx->dns[i].addr : 0;
  }
  dhcp->ntp_count = rx->ntp_count;
  for (u8_t i = 0; i < DHCP_MAX_NTP_SERVERS; i++) {
    dhcp->ntp[i].addr = i < rx->ntp_count ? rx->ntp[i].addr : 0;
  }
}

/* RFC 2131 4.4.5: T1 defaults to half the lease and T2 to 7/8 of it; the
 * server's values are used only when 0 < T1 < T2 < lease holds. */
static void dhcp_take_lease(struct dhcp *dhcp, const struct dhcp_rx *rx)
{
  u32_t lease = rx->lease;
  dhcp->lease_s = lease;
  if (lease == DHCP_LEASE_INFINITE) {
    dhcp->t1_s = dhcp->t2_s = DHCP_LEASE_INFINITE;
    return;
  }
  u32_t t1 = lease / 2, t2 = (u32_t)(((u64_t)lease * 7U) / 8U);
  if (rx->have_t2 && rx->t2 < lease && rx->t2 > 0) {
    t2 = rx->t2;
  }
  if (rx->have_t1 && rx->t1 < t2 && rx->t1 > 0) {
    t1 = rx->t1;
  }
  if (t1 > t2) {
    t1 = t2;
  }
  dhcp->t1_s = t1;
  dhcp->t2_s = t2;
}

static void dhcp_handle_ack(struct netif *netif, struct dhcp *dhcp, const struct dhcp_rx *rx,
                            const ip4_addr_t *yiaddr)
{
  if (dhcp->state == DHCP_STATE_INFORMING) {
    /* The answer to DHCPINFORM carries parameters only (RFC 2131 3.4). */
    ip4_addr_t keep = dhcp->offered_ip;
    dhcp->offered_ip = *netif_ip4_addr(netif);
    dhcp_take_params(dhcp, rx);
    dhcp->offered_ip = keep;
    if (rx->have_server_id) {
      dhcp->server_id = rx->server_id;
    }
    dhcp_disarm(netif);
    dhcp_set_state(netif, dhcp, DHCP_STATE_OFF);
    if (dhcp_dns_cb != NULL) {
      dhcp_dns_cb(netif, dhcp->dns_count, dhcp->dns);
    }
    return;
  }
  if (!rx->have_lease || (dhcp->state == DHCP_STATE_REQUESTING && !rx->have_server_id)) {
    LWIP_DROP(DHCP_MISSING_OPTION);
    return;
  }
  if (!dhcp_addr_usable(yiaddr)) {
    LWIP_DROP(DHCP_BAD_ADDR);
    return;
  }
  bool same = ip4_addr_eq(yiaddr, &dhcp->offered_ip) && dhcp->configured;
  if (!same && dhcp->configured) {
    dhcp_unconfigure(netif, dhcp);
  }
  dhcp->offered_ip = *yiaddr;
  if (rx->have_server_id) {
    dhcp->server_id = rx->server_id;
  }
  dhcp_take_params(dhcp, rx);
  dhcp_take_lease(dhcp, rx);
  /* RFC 2131 4.4.1: the lease runs from when the request was sent. */
  dhcp->lease_start_ms = dhcp->request_ms;
  dhcp_disarm(netif);
  if (same && (dhcp->state == DHCP_STATE_RENEWING || dhcp->state == DHCP_STATE_REBINDING)) {
    /* An extension of the lease we use: no need to probe again. */
    dhcp_bind(netif, dhcp);
    return;
  }
  /* RFC 2131 4.4.1 / RFC 5227 2.1: check the address before using it. */
  dhcp->rebooting = dhcp->state == DHCP_STATE_REBOOTING;
  dhcp_set_state(netif, dhcp, DHCP_STATE_CHECKING);
  acd_start(netif, &dhcp->acd, dhcp->offered_ip);
}

static void dhcp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct netif *netif = (struct netif *)arg;
  struct dhcp *dhcp = netif->dhcp;
  u8_t hdr[DHCP_MIN_MSG_LEN];
  struct dhcp_rx rx;
  LWIP_UNUSED_ARG(addr);
  LWIP_UNUSED_ARG(port);

  STATS_RX(DHCP);
  if (dhcp == NULL || dhcp->pcb != pcb) {
    LWIP_DROP(DHCP_UNEXPECTED);
    goto out;
  }
  if (pbuf_copy_partial(p, hdr, DHCP_MIN_MSG_LEN, 0) != DHCP_MIN_MSG_LEN) {
    LWIP_DROP(DHCP_SHORT);
    goto out;
  }
  if (hdr[DHCP_OFF_OP] != DHCP_BOOTREPLY || hdr[DHCP_OFF_HTYPE] != DHCP_HTYPE_ETH ||
      hdr[DHCP_OFF_HLEN] != 6 || get_be32(hdr + DHCP_OFF_COOKIE) != DHCP_MAGIC_COOKIE) {
    LWIP_DROP(DHCP_BAD_HDR);
    goto out;
  }
  switch (dhcp->state) {
  case DHCP_STATE_SELECTING:
  case DHCP_STATE_REQUESTING:
  case DHCP_STATE_REBOOTING:
  case DHCP_STATE_RENEWING:
  case DHCP_STATE_REBINDING:
  case DHCP_STATE_INFORMING:
    break;
  default:
    LWIP_DROP(DHCP_UNEXPECTED); /* not waiting for any reply */
    goto out;
  }
  if (get_be32(hdr + DHCP_OFF_XID) != dhcp->xid) {
    LWIP_DROP(DHCP_BAD_XID);
    goto out;
  }
  if (memcmp(hdr + DHCP_OFF_CHADDR, netif->hwaddr, 6) != 0) {
    LWIP_DROP(DHCP_BAD_CHADDR);
    goto out;
  }
  memset(&rx, 0, sizeof(rx));
  bool ok = parse_field(p, DHCP_OFF_OPTIONS, (u16_t)(p->tot_len - DHCP_OFF_OPTIONS), &rx, true);
  /* RFC 2131 4.1: with option 52 the 'file' and then the 'sname' field
   * carry more options. */
  if (ok && rx.have_overload && (rx.overload & DHCP_OVERLOAD_FILE)) {
    ok = parse_field(p, DHCP_OFF_FILE, DHCP_FILE_LEN, &rx, false);
  }
  if (ok && rx.have_overload && (rx.overload & DHCP_OVERLOAD_SNAME)) {
    ok = parse_field(p, DHCP_OFF_SNAME, DHCP_SNAME_LEN, &rx, false);
  }
  if (!ok) {
    LWIP_DROP(DHCP_BAD_OPTION);
    goto out;
  }
  if (!rx.have_type) {
    LWIP_DROP(DHCP_MISSING_OPTION);
    goto out;
  }
  ip4_addr_t yiaddr = {get_n32(hdr + DHCP_OFF_YIADDR)};
  LWIP_LOG(DHCP, DEBUG, "message type %u, yiaddr %s", rx.type, ip4addr_ntoa(&yiaddr));

  if (rx.type == DHCP_OFFER && dhcp->state == DHCP_STATE_SELECTING) {
    if (!rx.have_server_id) {
      LWIP_DROP(DHCP_MISSING_OPTION);
      goto out;
    }
    if (!dhcp_addr_usable(&yiaddr)) {
      LWIP_DROP(DHCP_BAD_ADDR);
      goto out;
    }
    /* The first acceptable offer is taken (RFC 2131 4.4.1 allows it);
     * the REQUEST keeps the DISCOVER's xid. */
    dhcp->offered_ip = yiaddr;
    dhcp->server_id = rx.server_id;
    dhcp->discover_rounds = 0;
    dhcp_set_state(netif, dhcp, DHCP_STATE_REQUESTING);
    dhcp->tries = 0;
    dhcp_send_request(netif, dhcp);
    dhcp->tries = 1;
    dhcp_arm(netif, dhcp_backoff_ms(dhcp->tries));
  } else if (rx.type == DHCP_ACK && dhcp->state != DHCP_STATE_SELECTING) {
    dhcp_handle_ack(netif, dhcp, &rx, &yiaddr);
  } else if (rx.type == DHCP_NAK && dhcp->state != DHCP_STATE_SELECTING &&
             dhcp->state != DHCP_STATE_INFORMING) {
    /* RFC 2131 3.1.4 / 3.2: the address is not ours: restart in INIT. */
    LWIP_LOG(DHCP, WARN, "DHCPNAK: restarting");
    dhcp_disarm(netif);
    dhcp_unconfigure(netif, dhcp);
    dhcp_discover(netif, dhcp);
  } else {
    LWIP_DROP(DHCP_UNEXPECTED);
  }
out:
  pbuf_free(p);
}

/* ---------------------------------------------------------------------- */
/* API                                                                     */
/* ---------------------------------------------------------------------- */

/* Stop timers, ACD and AutoIP, drop the address and the PCB; the struct
 * stays attached to the netif. */
static void dhcp_halt(struct netif *netif, struct dhcp *dhcp)
{
  dhcp_disarm(netif);
  dhcp_unconfigure(netif, dhcp);
  acd_remove(netif, &dhcp->acd);
#if LWIP_AUTOIP
  autoip_stop(netif);
#endif
  if (dhcp->pcb != NULL) {
    udp_remove(dhcp->pcb);
    dhcp->pcb = NULL;
  }
  dhcp->paused = false;
  dhcp->tries = 0;
  dhcp_set_state(netif, dhcp, DHCP_STATE_OFF);
}

void dhcp_set_struct(struct netif *netif, struct dhcp *dhcp)
{
  LWIP_ERROR_RET("dhcp_set_struct: args", netif != NULL && dhcp != NULL, );
  LWIP_ERROR_RET("dhcp_set_struct: already set", netif->dhcp == NULL, );
  memset(dhcp, 0, sizeof(*dhcp));
  netif->dhcp = dhcp;
  netif_add_ext_callback(&dhcp_netif_cb, dhcp_netif_event);
}

void dhcp_cleanup(struct netif *netif)
{
  if (netif == NULL || netif->dhcp == NULL) {
    return;
  }
  struct dhcp *dhcp = netif->dhcp;
  dhcp_halt(netif, dhcp);
  netif->dhcp = NULL;
  if (dhcp->allocated) {
    mem_free(dhcp);
  }
}

/* Make sure @p netif has a client with a PCB.  @return it or NULL. */
static struct dhcp *dhcp_prepare(struct netif *netif, err_t *err)
{
  netif_add_ext_callback(&dhcp_netif_cb, dhcp_netif_event);
  struct dhcp *dhcp = netif->dhcp;
  bool fresh = false;
  if (dhcp == NULL) {
    dhcp = (struct dhcp *)mem_malloc(sizeof(struct dhcp));
    if (dhcp == NULL) {
      *err = ERR_MEM;
      return NULL;
    }
    memset(dhcp, 0, sizeof(*dhcp));
    dhcp->allocated = true;
    netif->dhcp = dhcp;
    fresh = true;
  } else {
    dhcp_halt(netif, dhcp);
  }
  struct udp_pcb *pcb = udp_new();
  if (pcb != NULL) {
    /* One PCB per netif on port 68: SO_REUSEADDR lets them share the port,
     * the netif binding keeps each client's replies its own. */
    ip_set_option(pcb, SOF_BROADCAST | SOF_REUSEADDR);
    if (udp_bind(pcb, IP4_ADDR_ANY, DHCP_CLIENT_PORT) != ERR_OK) {
      udp_remove(pcb);
      pcb = NULL;
    }
  }
  if (pcb == NULL) {
    LWIP_LOG(DHCP, ERROR, "no UDP PCB for the DHCP client");
    if (fresh) {
      netif->dhcp = NULL;
      mem_free(dhcp);
    }
    *err = ERR_MEM;
    return NULL;
  }
  udp_bind_netif(pcb, netif);
  udp_recv(pcb, dhcp_recv, netif);
  dhcp->pcb = pcb;
  acd_add(netif, &dhcp->acd, dhcp_acd_callback);
  dhcp->paused = !netif_is_up(netif) || !netif_is_link_up(netif);
  *err = ERR_OK;
  return dhcp;
}

err_t dhcp_start(struct netif *netif)
{
  LWIP_ERROR_RET("dhcp_start: netif", netif != NULL, ERR_ARG);
  if ((netif->flags & NETIF_FLAG_ETHARP) == 0 || netif->hwaddr_len != 6) {
    return ERR_ARG; /* the client identifies itself by an Ethernet MAC */
  }
  err_t err;
  struct dhcp *dhcp = dhcp_prepare(netif, &err);
  if (dhcp == NULL) {
    return err;
  }
  dhcp->discover_rounds = 0;
  if (dhcp->paused) {
    /* Nothing can be sent yet: discovery starts when the link comes up. */
    dhcp_set_state(netif, dhcp, DHCP_STATE_INIT);
    return ERR_OK;
  }
  /* RFC 2131 4.4.1 suggests a random 1-10 s wait first, against storms
   * of hosts booting together; lwIP sends at once and so do we, since
   * the link-up event of one interface is no such storm. */
  dhcp_discover(netif, dhcp);
  return ERR_OK;
}

void dhcp_inform(struct netif *netif)
{
  if (netif == NULL || ip4_addr_isany(netif_ip4_addr(netif)) || (netif->flags & NETIF_FLAG_ETHARP) == 0) {
    return;
  }
  err_t err;
  struct dhcp *dhcp = dhcp_prepare(netif, &err);
  if (dhcp == NULL) {
    return;
  }
  dhcp_new_xid(dhcp);
  dhcp_set_state(netif, dhcp, DHCP_STATE_INFORMING);
  dhcp->tries = 0;
  if (!dhcp->paused) {
    dhcp_send_inform(netif, dhcp);
    dhcp->tries = 1;
    dhcp_arm(netif, dhcp_backoff_ms(dhcp->tries));
  }
}

err_t dhcp_renew(struct netif *netif)
{
  if (netif == NULL || netif->dhcp == NULL) {
    return ERR_ARG;
  }
  struct dhcp *dhcp = netif->dhcp;
  if (dhcp->state != DHCP_STATE_BOUND && dhcp->state != DHCP_STATE_RENEWING &&
      dhcp->state != DHCP_STATE_REBINDING) {
    return ERR_CONN;
  }
  if (dhcp->paused) {
    return ERR_CONN;
  }
  dhcp_new_xid(dhcp);
  dhcp_set_state(netif, dhcp, DHCP_STATE_RENEWING);
  err_t err = dhcp_send_request(netif, dhcp);
  dhcp_arm_lease(netif, dhcp);
  return err;
}

err_t dhcp_release(struct netif *netif)
{
  if (netif == NULL || netif->dhcp == NULL) {
    return ERR_ARG;
  }
  struct dhcp *dhcp = netif->dhcp;
  err_t err = ERR_OK;
  if (dhcp->configured && (dhcp->state == DHCP_STATE_BOUND || dhcp->state == DHCP_STATE_RENEWING ||
                           dhcp->state == DHCP_STATE_REBINDING)) {
    struct dhcp_out o;
    dhcp_new_xid(dhcp);
    /* RFC 2131 4.4.6: unicast to the server, naming the address in ciaddr. */
    out_start(&o, netif, dhcp, DHCP_RELEASE, &dhcp->offered_ip, false);
    out_opt_addr(&o, DHCP_OPTION_SERVER_ID, &dhcp->server_id);
    err = dhcp_send(netif, dhcp, &o, &dhcp->server_id, &dhcp->offered_ip);
  }
  dhcp_halt(netif, dhcp);
  dhcp->offered_ip.addr = 0;
  dhcp->lease_s = dhcp->t1_s = dhcp->t2_s = 0;
  return err;
}

void dhcp_stop(struct netif *netif)
{
  if (netif != NULL && netif->dhcp != NULL) {
    dhcp_halt(netif, netif->dhcp);
  }
}

u8_t dhcp_supplied_address(const struct netif *netif)
{
  if (netif == NULL || netif->dhcp == NULL) {
    return 0;
  }
  const struct dhcp *dhcp = netif->dhcp;
  return (u8_t)(dhcp->configured && (dhcp->state == DHCP_STATE_BOUND || dhcp->state == DHCP_STATE_RENEWING ||
                                     dhcp->state == DHCP_STATE_REBINDING) &&
                ip4_addr_eq(netif_ip4_addr(netif), &dhcp->offered_ip));
}

static u32_t left_s(const struct dhcp *dhcp, u32_t deadline_s)
{
  if (deadline_s == DHCP_LEASE_INFINITE) {
    return DHCP_LEASE_INFINITE;
  }
  u32_t el = lease_elapsed_ms(dhcp) / 1000U;
  u32_t d = timed_s(deadline_s);
  return d > el ? d - el : 0;
}

u8_t dhcp_get_ntp_servers(const struct netif *netif, ip4_addr_t *servers, u8_t max)
{
  if (netif == NULL || servers == NULL || netif->dhcp == NULL) {
    return 0;
  }
  const struct dhcp *dhcp = netif->dhcp;
  u8_t n = LWIP_MIN(dhcp->ntp_count, max);
  for (u8_t i = 0; i < n; i++) {
    servers[i] = dhcp->ntp[i];
  }
  return n;
}

err_t dhcp_get_info(const struct netif *netif, struct dhcp_info *info)
{
  if (netif == NULL || info == NULL || netif->dhcp == NULL) {
    return ERR_ARG;
  }
  const struct dhcp *dhcp = netif->dhcp;
  memset(info, 0, sizeof(*info));
  info->state = dhcp_state_name(dhcp->state);
  info->offered_ip = dhcp->offered_ip;
  if (dhcp->configured) {
    info->leased_ip = dhcp->offered_ip;
  }
  info->netmask = dhcp->offered_mask;
  info->router = dhcp->offered_gw;
  info->server_id = dhcp->server_id;
  info->dns_count = dhcp->dns_count;
  memcpy(info->dns, dhcp->dns, sizeof(info->dns));
  info->lease_s = dhcp->lease_s;
  info->t1_s = dhcp->t1_s;
  info->t2_s = dhcp->t2_s;
  info->tries = dhcp->tries;
  if (dhcp->configured) {
    info->lease_left_s = left_s(dhcp, dhcp->lease_s);
    info->t1_left_s = left_s(dhcp, dhcp->t1_s);
    info->t2_left_s = left_s(dhcp, dhcp->t2_s);
  }
  return ERR_OK;
}

/* Link or administrative state changed: pause while the netif cannot
 * send, and on return try to keep an unexpired lease with INIT-REBOOT
 * (RFC 2131 3.2), else discover anew. */
static void dhcp_link_changed(struct netif *netif, struct dhcp *dhcp)
{
  bool usable = netif_is_up(netif) && netif_is_link_up(netif);
  if (dhcp->state == DHCP_STATE_OFF) {
    return;
  }
  if (!usable) {
    if (!dhcp->paused) {
      dhcp->paused = true;
      dhcp_disarm(netif);
      acd_stop(&dhcp->acd);
      LWIP_LOG(DHCP, INFO, "link down: paused in %s", dhcp_state_name(dhcp->state));
    }
    return;
  }
  if (!dhcp->paused) {
    return;
  }
  dhcp->paused = false;
  switch (dhcp->state) {
  case DHCP_STATE_BOUND:
  case DHCP_STATE_RENEWING:
  case DHCP_STATE_REBINDING:
  case DHCP_STATE_REBOOTING:
  case DHCP_STATE_CHECKING:
    if ((dhcp->configured || dhcp->rebooting || dhcp->state == DHCP_STATE_REBOOTING) && !lease_expired(dhcp)) {
      dhcp_reboot(netif, dhcp);
      return;
    }
    dhcp_unconfigure(netif, dhcp);
    dhcp_discover(netif, dhcp);
    return;
  case DHCP_STATE_INFORMING:
    dhcp_send_inform(netif, dhcp);
    dhcp->tries = 1;
    dhcp_arm(netif, dhcp_backoff_ms(dhcp->tries));
    return;
  default:
    dhcp_discover(netif, dhcp);
    return;
  }
}

static void dhcp_netif_event(struct netif *netif, netif_nsc_reason_t reason,
                             const netif_ext_callback_args_t *args)
{
  LWIP_UNUSED_ARG(args);
  if (netif->dhcp == NULL) {
    return;
  }
  if (reason & LWIP_NSC_NETIF_REMOVED) {
    dhcp_cleanup(netif);
    return;
  }
  if (reason & (LWIP_NSC_LINK_CHANGED | LWIP_NSC_STATUS_CHANGED)) {
    dhcp_link_changed(netif, netif->dhcp);
  }
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int dhcp_disabled_t;
#endif /* LWIP_DHCP */
