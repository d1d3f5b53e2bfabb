/**
 * @file dhcp6.c
 * DHCPv6 client (RFC 8415).
 *
 * The file has three layers, each usable without the one below it:
 *  - the message builder and parser (struct dhcp6_out, struct dhcp6_rx):
 *    every received byte is read through pbuf_copy_partial() after its
 *    length was checked against the option that holds it;
 *  - the state machine: one client per netif, one one-shot timeout per
 *    client driving retransmission (RFC 8415 15) and the lease times
 *    (T1, T2, valid lifetime), or the information refresh time;
 *  - the transport: one IPv6 UDP PCB per client, bound to port 546 on
 *    its netif only; messages leave to All_DHCP_Relay_Agents_and_Servers
 *    (ff02::1:2, RFC 8415 7.1) port 547 from the link-local address, and
 *    the PCB's receive callback hands each datagram to dhcp6_input(),
 *    which tests may also call directly.
 *
 * The client always multicasts (it never asks for the Server Unicast
 * option), so every reply comes back to port 546 of the link-local
 * address and no message depends on a global address being usable yet.
 */
#include "lwip/opt.h"

#if LWIP_DHCP6

#include "lwip/dhcp6.h"
#include "lwip/ip6.h"
#include "lwip/mem.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/port.h"
#include "lwip/udp.h"
#include "lwip/prot/dhcp6.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/init.h"
#include <string.h>

/** Lease times beyond this many seconds are timed as if this long, so
 *  every deadline stays in the wrap-safe range of the millisecond clock;
 *  renewing earlier than needed is always allowed. */
#define DHCP6_MAX_TIMED_S 2000000UL
/** The largest message the client builds: DUIDs, IA_NA with one address,
 *  Elapsed Time and the option request list fit with room to spare. */
#define DHCP6_OUT_MAX 320U

/* One client.  Private: the daemon and tools see dhcp6_get_info(). */
struct dhcp6 {
  struct dhcp6 *next;
  struct netif *netif;
  struct udp_pcb *pcb; /* port 546 on this netif only */
  u8_t mode;           /* enum dhcp6_mode */
  u8_t state;          /* enum dhcp6_state */
  u8_t tries;          /* transmissions of the current message */
  bool collecting;     /* Solicit: the first RT has not ended yet (RFC 8415 18.2.1) */
  u32_t xid;           /* 24 bits */
  u32_t start_ms;      /* first transmission of the exchange (Elapsed Time, MRD) */
  u32_t rt_ms;         /* RT of the latest transmission (RFC 8415 15) */
  u32_t sol_max_rt_ms; /* SOL_MAX_RT, or the server's option 82 */
  u32_t inf_max_rt_ms; /* INF_MAX_RT, or the server's option 83 */
  u32_t iaid;
  /* The server: the best Advertise while soliciting, then the lease's. */
  bool have_server;
  u8_t server_pref;
  u8_t server_duid_len;
  u8_t server_duid[DHCP6_DUID_MAX_LEN];
  ip6_addr_t offer; /* the address of the chosen Advertise */
  /* The lease. */
  bool have_lease;
  s8_t addr_idx; /* its netif slot, -1 when it found none */
  ip6_addr_t addr;
  u32_t t1_s, t2_s, pref_s, valid_s;
  u32_t lease_ms; /* when the lease's Reply arrived: times count from it */
  /* Stateless configuration (also taken from stateful Replies). */
  u32_t refresh_s;
  u32_t informed_ms;
  u8_t dns_count;
  ip6_addr_t dns[DHCP6_MAX_DNS_SERVERS];
  u8_t domain_count;
  char domains[DHCP6_MAX_DOMAINS][DHCP6_DOMAIN_MAX + 1];
};

static struct dhcp6 *dhcp6_clients;
static dhcp6_state_callback_fn dhcp6_state_cb;
static dhcp6_dns_callback_fn dhcp6_dns_cb;
static netif_ext_callback_t dhcp6_netif_cb;
static bool dhcp6_netif_cb_added;

static void dhcp6_timeout(void *arg);
static void dhcp6_start_solicit(struct dhcp6 *c);
static void dhcp6_netif_event(struct netif *netif, netif_nsc_reason_t reason, const netif_ext_callback_args_t *args);

void dhcp6_init(void)
{
  /* lwip_init() re-initialises the heap: earlier clients went with it. */
  dhcp6_clients = NULL;
  dhcp6_state_cb = NULL;
  dhcp6_dns_cb = NULL;
  memset(&dhcp6_netif_cb, 0, sizeof(dhcp6_netif_cb));
  dhcp6_netif_cb_added = false;
}

void dhcp6_set_state_callback(dhcp6_state_callback_fn fn)
{
  dhcp6_state_cb = fn;
}

void dhcp6_set_dns_callback(dhcp6_dns_callback_fn fn)
{
  dhcp6_dns_cb = fn;
}

const char *dhcp6_state_name(u8_t state)
{
  static const char *const names[] = {
      "off",   "wait-ra", "info-request", "informed", "solicit", "request",
      "bound", "renew",   "rebind",       "release",  "decline",
  };
  return state < LWIP_ARRAYSIZE(names) ? names[state] : "?";
}

const char *dhcp6_mode_name(u8_t mode)
{
  static const char *const names[] = {"off", "stateless", "stateful", "auto"};
  return mode < LWIP_ARRAYSIZE(names) ? names[mode] : "?";
}

static struct dhcp6 *dhcp6_find(const struct netif *netif)
{
  for (struct dhcp6 *c = dhcp6_clients; c != NULL; c = c->next) {
    if (c->netif == netif) {
      return c;
    }
  }
  return NULL;
}

bool dhcp6_running(const struct netif *netif)
{
  const struct dhcp6 *c = dhcp6_find(netif);
  return c != NULL && c->state != DHCP6_STATE_OFF;
}

static void dhcp6_set_state(struct dhcp6 *c, u8_t state)
{
  if (c->state == state) {
    return;
  }
  u8_t old = c->state;
  c->state = state;
  LWIP_LOG(DHCP6, INFO, "%c%c%u: %s -> %s", c->netif->name[0], c->netif->name[1], c->netif->num, dhcp6_state_name(old),
           dhcp6_state_name(state));
  if (dhcp6_state_cb != NULL) {
    dhcp6_state_cb(c->netif, old, state);
  }
}

static void dhcp6_arm(struct dhcp6 *c, u32_t ms)
{
  sys_untimeout(dhcp6_timeout, c);
  if (sys_timeout(ms, dhcp6_timeout, c) != ERR_OK) {
    LWIP_LOG(DHCP6, ERROR, "cannot arm the DHCPv6 timer");
  }
}

static void dhcp6_disarm(struct dhcp6 *c)
{
  sys_untimeout(dhcp6_timeout, c);
}

/* ---------------------------------------------------------------------- */
/* Identity: DUID and IAID                                                  */
/* ---------------------------------------------------------------------- */

/* DUID-LL (RFC 8415 11.4): type 3, hardware type 1, the MAC.  It needs no
 * stable storage and no clock, so the same MAC gives the same DUID across
 * restarts and under any --seed; the netif's MAC is fixed for its life. */
static u8_t duid_make(const struct netif *netif, u8_t *buf, u8_t max)
{
  if (netif->hwaddr_len != 6 || max < 10) {
    return 0;
  }
  put_be16(buf, DHCP6_DUID_LL);
  put_be16(buf + 2, DHCP6_HWTYPE_ETHERNET);
  memcpy(buf + 4, netif->hwaddr, 6);
  return 10;
}

u8_t dhcp6_get_duid(const struct netif *netif, u8_t *buf, u8_t max)
{
  return netif != NULL && buf != NULL ? duid_make(netif, buf, max) : 0;
}

/* RFC 8415 12: the IAID must stay the same across restarts; the low four
 * bytes of the MAC are as stable as the DUID and differ between netifs. */
static u32_t iaid_make(const struct netif *netif)
{
  return get_be32(netif->hwaddr + 2);
}

/* ---------------------------------------------------------------------- */
/* Retransmission (RFC 8415 15)                                             */
/* ---------------------------------------------------------------------- */

struct dhcp6_rtx {
  u32_t irt_ms, mrt_ms;
  u8_t mrc; /* transmissions before the exchange fails; 0: no limit */
};

/* @p base + RAND * @p span, RAND uniform in [-0.1, 0.1] (RFC 8415 15),
 * or in (0, 0.1] when @p positive: the first Solicit's RT must be longer
 * than IRT so Advertises are collected for a while (18.2.1). */
static u32_t randomize(u32_t base, u32_t span, bool positive)
{
  u32_t r = lwip_port_rand();
  u32_t tenth = span / 10U;
  if (tenth == 0) {
    return base + (positive ? 1U : 0U);
  }
  if (positive) {
    return base + 1U + r % tenth;
  }
  return base - tenth + r % (2U * tenth + 1U);
}

/* The next RT: IRT + RAND*IRT first, then 2*RTprev + RAND*RTprev, and
 * MRT + RAND*MRT once that would pass MRT (RFC 8415 15). */
static u32_t next_rt(const struct dhcp6_rtx *x, u32_t prev, bool first, bool solicit)
{
  u32_t rt = first ? randomize(x->irt_ms, x->irt_ms, solicit) : randomize(2U * prev, prev, false);
  if (x->mrt_ms != 0 && rt > x->mrt_ms) {
    rt = randomize(x->mrt_ms, x->mrt_ms, false);
  }
  return rt;
}

static void rtx_params(const struct dhcp6 *c, struct dhcp6_rtx *x)
{
  switch (c->state) {
  case DHCP6_STATE_SOLICIT:
    *x = (struct dhcp6_rtx){DHCP6_SOL_TIMEOUT_MS, c->sol_max_rt_ms, 0};
    break;
  case DHCP6_STATE_REQUEST:
    *x = (struct dhcp6_rtx){DHCP6_REQ_TIMEOUT_MS, DHCP6_REQ_MAX_RT_MS, DHCP6_REQ_MAX_RC};
    break;
  case DHCP6_STATE_RENEW:
    *x = (struct dhcp6_rtx){DHCP6_REN_TIMEOUT_MS, DHCP6_REN_MAX_RT_MS, 0};
    break;
  case DHCP6_STATE_REBIND:
    *x = (struct dhcp6_rtx){DHCP6_REB_TIMEOUT_MS, DHCP6_REB_MAX_RT_MS, 0};
    break;
  case DHCP6_STATE_RELEASE:
    *x = (struct dhcp6_rtx){DHCP6_REL_TIMEOUT_MS, 0, DHCP6_REL_MAX_RC};
    break;
  case DHCP6_STATE_DECLINE:
    *x = (struct dhcp6_rtx){DHCP6_DEC_TIMEOUT_MS, 0, DHCP6_DEC_MAX_RC};
    break;
  default:
    *x = (struct dhcp6_rtx){DHCP6_INF_TIMEOUT_MS, c->inf_max_rt_ms, 0};
    break;
  }
}

static u32_t timed_ms(u32_t s)
{
  return (s > DHCP6_MAX_TIMED_S ? DHCP6_MAX_TIMED_S : s) * 1000U;
}

static u32_t lease_elapsed_ms(const struct dhcp6 *c)
{
  return sys_now() - c->lease_ms;
}

/* Milliseconds from now until lease time @p s (0 when passed). */
static u32_t lease_left_ms(const struct dhcp6 *c, u32_t s)
{
  u32_t at = timed_ms(s), el = lease_elapsed_ms(c);
  return at > el ? at - el : 0;
}

/* MRD (RFC 8415 15): Renew gives up at T2 (18.2.4), Rebind when the
 * valid lifetime ends (18.2.5).  @return ms left, or 0 for "no limit". */
static u32_t mrd_left_ms(const struct dhcp6 *c, bool *limited)
{
  *limited = false;
  if (c->state == DHCP6_STATE_RENEW && c->t2_s != DHCP6_INFINITY) {
    *limited = true;
    return lease_left_ms(c, c->t2_s);
  }
  if (c->state == DHCP6_STATE_REBIND && c->valid_s != DHCP6_INFINITY) {
    *limited = true;
    return lease_left_ms(c, c->valid_s);
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Building messages                                                        */
/* ---------------------------------------------------------------------- */

struct dhcp6_out {
  u8_t buf[DHCP6_OUT_MAX];
  u16_t len;
  bool overflow;
};

/* Reserve @p n bytes; @return where they go, or NULL (and the message is
 * marked too long, so it is never sent half-built). */
static u8_t *out_take(struct dhcp6_out *o, u16_t n)
{
  if (o->overflow || (u32_t)o->len + n > sizeof(o->buf)) {
    o->overflow = true;
    return NULL;
  }
  u8_t *at = o->buf + o->len;
  o->len = (u16_t)(o->len + n);
  return at;
}

/* Option header; @return the offset of the body so a container option can
 * fix its length once its sub-options are in. */
static u16_t out_opt(struct dhcp6_out *o, u16_t code, u16_t len, const void *data)
{
  u8_t *h = out_take(o, DHCP6_OPT_HLEN);
  if (h == NULL) {
    return 0;
  }
  put_be16(h, code);
  put_be16(h + 2, len);
  u16_t body = o->len;
  if (data != NULL) {
    u8_t *b = out_take(o, len);
    if (b != NULL) {
      memcpy(b, data, len);
    }
  }
  return body;
}

/* Set the length of the option whose body starts at @p body. */
static void out_close(struct dhcp6_out *o, u16_t body)
{
  if (!o->overflow && body >= DHCP6_OPT_HLEN) {
    put_be16(o->buf + body - 2, (u16_t)(o->len - body));
  }
}

/* Elapsed Time (RFC 8415 21.9): hundredths of a second since the first
 * transmission of this exchange, 0 in the first, 0xffff at most. */
static void out_elapsed(struct dhcp6_out *o, const struct dhcp6 *c)
{
  u32_t cs = c->tries == 0 ? 0 : (sys_now() - c->start_ms) / 10U;
  u8_t v[2];
  put_be16(v, (u16_t)(cs > 0xffffU ? 0xffffU : cs));
  out_opt(o, DHCP6_OPTION_ELAPSED_TIME, 2, v);
}

/* Option Request (RFC 8415 21.7): what the client wants besides the
 * address.  SOL_MAX_RT must be asked for in Solicit, Request, Renew and
 * Rebind, INF_MAX_RT and the refresh time in Information-Request
 * (18.2.1, 18.2.6). */
static void out_oro(struct dhcp6_out *o, bool stateless)
{
  u16_t codes[4] = {DHCP6_OPTION_DNS_SERVERS, DHCP6_OPTION_DOMAIN_LIST, DHCP6_OPTION_SOL_MAX_RT, 0};
  u16_t n = 3;
  if (stateless) {
    codes[2] = DHCP6_OPTION_INFORMATION_REFRESH_TIME;
    codes[3] = DHCP6_OPTION_INF_MAX_RT;
    n = 4;
  }
  u8_t v[8];
  for (u16_t i = 0; i < n; i++) {
    put_be16(v + 2 * i, codes[i]);
  }
  out_opt(o, DHCP6_OPTION_ORO, (u16_t)(2 * n), v);
}

/* IA_NA (RFC 8415 21.4) with T1 = T2 = 0 (the server decides, 18.2) and
 * @p addr as an IA Address with zero lifetimes when not NULL. */
static void out_ia_na(struct dhcp6_out *o, const struct dhcp6 *c, const ip6_addr_t *addr)
{
  u16_t body = out_opt(o, DHCP6_OPTION_IA_NA, 0, NULL);
  u8_t *ia = out_take(o, DHCP6_IA_NA_LEN);
  if (ia != NULL) {
    memset(ia, 0, DHCP6_IA_NA_LEN);
    put_be32(ia + DHCP6_IA_NA_OFF_IAID, c->iaid);
  }
  if (addr != NULL) {
    u8_t a[DHCP6_IAADDR_LEN];
    memset(a, 0, sizeof(a));
    memcpy(a + DHCP6_IAADDR_OFF_ADDR, addr->addr, 16);
    out_opt(o, DHCP6_OPTION_IAADDR, sizeof(a), a);
  }
  out_close(o, body);
}

/* The message for the client's current state (RFC 8415 18.2.1-18.2.8). */
static void build_message(struct dhcp6_out *o, const struct dhcp6 *c)
{
  static const u8_t types[] = {
      [DHCP6_STATE_INFO_REQUEST] = DHCP6_INFORMATION_REQUEST,
      [DHCP6_STATE_INFORMED] = DHCP6_INFORMATION_REQUEST,
      [DHCP6_STATE_SOLICIT] = DHCP6_SOLICIT,
      [DHCP6_STATE_REQUEST] = DHCP6_REQUEST,
      [DHCP6_STATE_RENEW] = DHCP6_RENEW,
      [DHCP6_STATE_REBIND] = DHCP6_REBIND,
      [DHCP6_STATE_RELEASE] = DHCP6_RELEASE,
      [DHCP6_STATE_DECLINE] = DHCP6_DECLINE,
  };
  memset(o, 0, sizeof(*o));
  u8_t type = c->state < LWIP_ARRAYSIZE(types) ? types[c->state] : 0;
  u8_t *h = out_take(o, DHCP6_HLEN);
  h[DHCP6_OFF_TYPE] = type;
  h[DHCP6_OFF_XID] = (u8_t)(c->xid >> 16);
  h[DHCP6_OFF_XID + 1] = (u8_t)(c->xid >> 8);
  h[DHCP6_OFF_XID + 2] = (u8_t)c->xid;
  u8_t duid[DHCP6_DUID_MAX_LEN];
  u8_t dlen = duid_make(c->netif, duid, sizeof(duid));
  out_opt(o, DHCP6_OPTION_CLIENTID, dlen, duid);
  /* Request, Renew, Release and Decline name the server; Rebind goes to
   * any server (18.2.5); Solicit and Information-Request to all. */
  if (type == DHCP6_REQUEST || type == DHCP6_RENEW || type == DHCP6_RELEASE || type == DHCP6_DECLINE) {
    out_opt(o, DHCP6_OPTION_SERVERID, c->server_duid_len, c->server_duid);
  }
  out_elapsed(o, c);
  switch (type) {
  case DHCP6_INFORMATION_REQUEST:
    out_oro(o, true);
    break;
  case DHCP6_SOLICIT:
    out_ia_na(o, c, NULL);
    out_oro(o, false);
    break;
  case DHCP6_REQUEST:
    out_ia_na(o, c, &c->offer);
    out_oro(o, false);
    break;
  case DHCP6_RENEW:
  case DHCP6_REBIND:
    out_ia_na(o, c, &c->addr);
    out_oro(o, false);
    break;
  default: /* Release and Decline carry no ORO (RFC 8415 18.2.7, 18.2.8) */
    out_ia_na(o, c, &c->addr);
    break;
  }
}

/* ---------------------------------------------------------------------- */
/* Transport                                                                */
/* ---------------------------------------------------------------------- */

/* All_DHCP_Relay_Agents_and_Servers (RFC 8415 7.1), link-scoped. */
static void servers_group(ip_addr_t *dst, const struct netif *netif)
{
  memset(dst, 0, sizeof(*dst));
  dst->type = IPADDR_TYPE_V6;
  IP6_ADDR(ip_2_ip6(dst), 0xff020000UL, 0, 0, 0x00010002UL);
  ip_2_ip6(dst)->zone = netif_get_index(netif);
}

/* UDP delivers a datagram for port 546 of this client's netif. */
static void dhcp6_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct dhcp6 *c = (struct dhcp6 *)arg;
  LWIP_UNUSED_ARG(pcb);
  dhcp6_input(c->netif, p, ip_2_ip6(addr), port);
}

/* One IPv6-only UDP PCB per client, on port 546 of its netif only, so a
 * reply always reaches the client of the netif it came in on.
 * @return ERR_OK, ERR_MEM or udp_bind()'s error. */
static err_t pcb_open(struct dhcp6 *c)
{
  c->pcb = udp_new_ip_type(IPADDR_TYPE_V6);
  if (c->pcb == NULL) {
    return ERR_MEM;
  }
  /* Another netif's client binds the same port on its own netif. */
  ip_set_option(c->pcb, SOF_REUSEADDR);
  udp_bind_netif(c->pcb, c->netif);
  err_t err = udp_bind(c->pcb, NULL, DHCP6_CLIENT_PORT);
  if (err != ERR_OK) {
    udp_remove(c->pcb);
    c->pcb = NULL;
    return err;
  }
  udp_recv(c->pcb, dhcp6_recv, c);
  return ERR_OK;
}

/* Send to ff02::1:2 port 547 from the link-local address (RFC 8415 13.1,
 * which RFC 6724 source selection picks for a link-scoped destination);
 * the multicast hop limit is the PCB's, 1. */
static err_t dhcp6_xmit(struct dhcp6 *c, const struct dhcp6_out *o)
{
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, o->len, PBUF_RAM);
  if (p == NULL) {
    LWIP_DROP(DHCP6_NO_MEM);
    return ERR_MEM;
  }
  pbuf_take(p, o->buf, o->len);
  ip_addr_t dst;
  servers_group(&dst, c->netif);
  err_t err = udp_sendto_if(c->pcb, p, &dst, DHCP6_SERVER_PORT, c->netif);
  pbuf_free(p);
  if (err == ERR_OK) {
    STATS_TX(DHCP6);
  } else {
    LWIP_LOG(DHCP6, WARN, "send of message type %u failed: %d", o->buf[DHCP6_OFF_TYPE], err);
  }
  return err;
}

/* ---------------------------------------------------------------------- */
/* Exchanges                                                                */
/* ---------------------------------------------------------------------- */

static void new_xid(struct dhcp6 *c)
{
  u32_t old = c->xid;
  do {
    c->xid = lwip_port_rand() & 0xffffffUL;
  } while (c->xid == old);
}

/* Send the current state's message once more and arm the next RT, cut
 * to what MRD leaves (RFC 8415 15). */
static void transmit(struct dhcp6 *c)
{
  struct dhcp6_rtx x;
  rtx_params(c, &x);
  bool first = c->tries == 0;
  if (first) {
    c->start_ms = sys_now();
  }
  struct dhcp6_out o;
  build_message(&o, c);
  if (o.overflow) {
    LWIP_LOG(DHCP6, ERROR, "message for state %s does not fit", dhcp6_state_name(c->state));
  } else {
    dhcp6_xmit(c, &o);
  }
  if (c->tries < 0xff) {
    c->tries++;
  }
  c->rt_ms = next_rt(&x, c->rt_ms, first, c->state == DHCP6_STATE_SOLICIT);
  if (c->state == DHCP6_STATE_SOLICIT && first) {
    c->collecting = true;
  }
  bool limited;
  u32_t left = mrd_left_ms(c, &limited);
  dhcp6_arm(c, limited && left < c->rt_ms ? left : c->rt_ms);
}

/* A new exchange in @p state: a new transaction id; the first message
 * goes after @p delay_max ms at most (a random delay, RFC 8415 18.2.1 and
 * 18.2.6, so hosts starting together do not all send at once), or at
 * once when 0. */
static void begin(struct dhcp6 *c, u8_t state, u32_t delay_max)
{
  new_xid(c);
  c->tries = 0;
  c->rt_ms = 0;
  c->collecting = false;
  dhcp6_set_state(c, state);
  if (delay_max != 0) {
    dhcp6_arm(c, lwip_port_rand() % (delay_max + 1U));
  } else {
    transmit(c);
  }
}

/* Take the leased address off the netif (if it is still ours). */
static void drop_address(struct dhcp6 *c)
{
  if (!c->have_lease) {
    return;
  }
  c->have_lease = false;
  s8_t idx = netif_get_ip6_addr_match(c->netif, &c->addr);
  if (idx >= 0 && c->netif->ip6_addr_origin[idx] == NETIF_IP6_ORIGIN_DHCP6) {
    netif_ip6_addr_set_state(c->netif, idx, IP6_ADDR_INVALID);
  }
  c->addr_idx = -1;
}

static void dhcp6_start_solicit(struct dhcp6 *c)
{
  c->have_server = false;
  c->server_duid_len = 0;
  begin(c, DHCP6_STATE_SOLICIT, DHCP6_SOL_MAX_DELAY_MS);
}

static void start_info_request(struct dhcp6 *c, bool delay)
{
  begin(c, DHCP6_STATE_INFO_REQUEST, delay ? DHCP6_INF_MAX_DELAY_MS : 0);
}

/* MRC reached or MRD over: what each exchange does then (RFC 8415 18.2). */
static void exchange_failed(struct dhcp6 *c)
{
  LWIP_LOG(DHCP6, INFO, "%s: no answer after %u messages", dhcp6_state_name(c->state), c->tries);
  switch (c->state) {
  case DHCP6_STATE_REQUEST:
    dhcp6_start_solicit(c);
    break; /* 18.2.2: try the servers again */
  case DHCP6_STATE_RENEW:
    begin(c, DHCP6_STATE_REBIND, 0);
    break; /* 18.2.4: at T2, Rebind */
  case DHCP6_STATE_REBIND:
    /* 18.2.5: the valid lifetime ended without a Reply: the address
     * must not be used any more; start over. */
    drop_address(c);
    dhcp6_start_solicit(c);
    break;
  case DHCP6_STATE_DECLINE:
    dhcp6_start_solicit(c);
    break;
  case DHCP6_STATE_RELEASE:
  default:
    dhcp6_disarm(c);
    c->mode = DHCP6_MODE_OFF;
    dhcp6_set_state(c, DHCP6_STATE_OFF);
    break;
  }
}

/* The lease's next event: Renew at T1, Rebind at T2. */
static void arm_lease(struct dhcp6 *c)
{
  if (c->t1_s == DHCP6_INFINITY) {
    dhcp6_disarm(c); /* RFC 8415 7.7: never renewed */
    return;
  }
  dhcp6_arm(c, lease_left_ms(c, c->t1_s));
}

static void dhcp6_timeout(void *arg)
{
  struct dhcp6 *c = (struct dhcp6 *)arg;
  switch (c->state) {
  case DHCP6_STATE_BOUND:
    if (c->t2_s != DHCP6_INFINITY && lease_left_ms(c, c->t2_s) == 0) {
      begin(c, DHCP6_STATE_REBIND, 0);
    } else {
      begin(c, DHCP6_STATE_RENEW, 0); /* 18.2.4: T1 reached */
    }
    return;
  case DHCP6_STATE_INFORMED:
    start_info_request(c, false);
    return; /* 18.2.6: refresh */
  case DHCP6_STATE_OFF:
  case DHCP6_STATE_WAIT_RA:
    return;
  default:
    break;
  }
  if (c->state == DHCP6_STATE_SOLICIT && c->collecting) {
    /* 18.2.1: the first RT is over: take the best Advertise seen. */
    c->collecting = false;
    if (c->have_server) {
      begin(c, DHCP6_STATE_REQUEST, 0);
      return;
    }
  }
  struct dhcp6_rtx x;
  rtx_params(c, &x);
  bool limited;
  u32_t left = mrd_left_ms(c, &limited);
  if ((x.mrc != 0 && c->tries >= x.mrc) || (limited && left == 0)) {
    exchange_failed(c);
    return;
  }
  transmit(c);
}

/* ---------------------------------------------------------------------- */
/* Parsing                                                                  */
/* ---------------------------------------------------------------------- */

/* What one received message says.  Offsets point into the pbuf. */
struct dhcp6_rx {
  u8_t type;
  u32_t xid;
  u16_t clientid_off, clientid_len;
  u16_t serverid_off, serverid_len;
  bool have_clientid, have_serverid, have_pref, have_status, have_refresh, have_sol_max_rt, have_inf_max_rt;
  u8_t pref;
  u16_t status;
  u32_t refresh_s, sol_max_rt_s, inf_max_rt_s;
  u8_t dns_count;
  ip6_addr_t dns[DHCP6_MAX_DNS_SERVERS];
  bool have_domains;
  u8_t domain_count;
  char domains[DHCP6_MAX_DOMAINS][DHCP6_DOMAIN_MAX + 1];
  /* Our IA_NA (other IAIDs are not ours and are skipped). */
  bool have_ia, have_ia_status, have_addr;
  u32_t t1, t2;
  u16_t ia_status;
  ip6_addr_t addr;
  u32_t pref_life, valid_life;
};

/* The bounds of one option: code, body offset and length. */
struct opt_view {
  u16_t code, off, len;
};

/* The option at @p at within [@p at, @p end): @return false when its
 * header or body runs past @p end (RFC 8415 21.1: the length counts the
 * body only). */
static bool opt_at(const struct pbuf *p, u32_t at, u32_t end, struct opt_view *v)
{
  u8_t h[DHCP6_OPT_HLEN];
  if (at + DHCP6_OPT_HLEN > end || pbuf_copy_partial(p, h, sizeof(h), (u16_t)at) != sizeof(h)) {
    return false;
  }
  v->code = get_be16(h);
  v->len = get_be16(h + 2);
  v->off = (u16_t)(at + DHCP6_OPT_HLEN);
  return (u32_t)v->off + v->len <= end;
}

static bool read_u32(const struct pbuf *p, const struct opt_view *v, u32_t *out)
{
  u8_t b[4];
  if (v->len != 4 || pbuf_copy_partial(p, b, 4, v->off) != 4) {
    return false;
  }
  *out = get_be32(b);
  return true;
}

/* Status Code (RFC 8415 21.13): a 2-byte code and a UTF-8 message that
 * only goes to the log. */
static bool read_status(const struct pbuf *p, const struct opt_view *v, u16_t *out)
{
  u8_t b[2];
  if (v->len < 2 || pbuf_copy_partial(p, b, 2, v->off) != 2) {
    return false;
  }
  *out = get_be16(b);
  return true;
}

static bool addr_usable(const ip6_addr_t *a)
{
  return !ip6_addr_isany(a) && !ip6_addr_ismulticast(a) && !ip6_addr_isloopback(a) && !ip6_addr_islinklocal(a);
}

/* DNS Recursive Name Server option (RFC 3646 3): addresses, 16 bytes
 * each.  Unusable ones (multicast, unspecified, loopback) are skipped. */
static bool take_dns(const struct pbuf *p, const struct opt_view *v, struct dhcp6_rx *rx)
{
  if (v->len % 16U != 0) {
    return false;
  }
  for (u16_t i = 0; i < v->len && rx->dns_count < DHCP6_MAX_DNS_SERVERS; i = (u16_t)(i + 16)) {
    ip6_addr_t a;
    memset(&a, 0, sizeof(a));
    if (pbuf_copy_partial(p, a.addr, 16, (u16_t)(v->off + i)) != 16) {
      return false;
    }
    if (!ip6_addr_isany(&a) && !ip6_addr_ismulticast(&a) && !ip6_addr_isloopback(&a)) {
      rx->dns[rx->dns_count++] = a;
    }
  }
  return true;
}

/* One name of the Domain Search List (RFC 3646 4, RFC 8415 10: DNS wire
 * format, uncompressed).  Writes the dotted name to @p out, or "" when it
 * is longer than DHCP6_DOMAIN_MAX (kept out, not an error).  @return
 * false when the name runs past @p end, uses compression, or has a byte
 * that is not printable ASCII or is a dot (such a name could not be
 * given to the resolver or shown as text). */
static bool read_name(const struct pbuf *p, u32_t *at, u32_t end, char out[DHCP6_DOMAIN_MAX + 1])
{
  size_t n = 0;
  bool too_long = false;
  for (;;) {
    if (*at >= end) {
      return false;
    }
    u8_t ll = pbuf_get_at(p, (u16_t)*at);
    (*at)++;
    if (ll == 0) {
      break;
    }
    if (ll > 63 || *at + ll > end) {
      return false; /* 0xc0: a compression pointer, refused by RFC 8415 10 */
    }
    u8_t label[63];
    if (pbuf_copy_partial(p, label, ll, (u16_t)*at) != ll) {
      return false;
    }
    *at += ll;
    for (u8_t i = 0; i < ll; i++) {
      if (label[i] < 0x21 || label[i] > 0x7e || label[i] == '.') {
        return false;
      }
    }
    if (too_long || n + (n != 0) + ll > DHCP6_DOMAIN_MAX) {
      too_long = true;
      continue;
    }
    if (n != 0) {
      out[n++] = '.';
    }
    memcpy(out + n, label, ll);
    n += ll;
  }
  out[too_long ? 0 : n] = '\0';
  return true;
}

static bool take_domains(const struct pbuf *p, const struct opt_view *v, struct dhcp6_rx *rx)
{
  u32_t at = v->off, end = (u32_t)v->off + v->len;
  rx->have_domains = true;
  while (at < end) {
    char name[DHCP6_DOMAIN_MAX + 1];
    if (!read_name(p, &at, end, name)) {
      return false;
    }
    if (name[0] != '\0' && rx->domain_count < DHCP6_MAX_DOMAINS) {
      memcpy(rx->domains[rx->domain_count++], name, sizeof(name));
    }
  }
  return true;
}

/* IA Address (RFC 8415 21.6).  The first one with a usable address and
 * consistent lifetimes is kept; one whose preferred lifetime exceeds its
 * valid lifetime must be discarded (21.6) and is skipped. */
static bool take_iaaddr(const struct pbuf *p, const struct opt_view *v, struct dhcp6_rx *rx)
{
  u8_t b[DHCP6_IAADDR_LEN];
  if (v->len < DHCP6_IAADDR_LEN || pbuf_copy_partial(p, b, sizeof(b), v->off) != sizeof(b)) {
    return false;
  }
  /* Its own options: only the bounds matter to us. */
  u32_t at = (u32_t)v->off + DHCP6_IAADDR_LEN, end = (u32_t)v->off + v->len;
  while (at < end) {
    struct opt_view s;
    if (!opt_at(p, at, end, &s)) {
      return false;
    }
    at = (u32_t)s.off + s.len;
  }
  ip6_addr_t a;
  memset(&a, 0, sizeof(a));
  memcpy(a.addr, b + DHCP6_IAADDR_OFF_ADDR, 16);
  u32_t pref = get_be32(b + DHCP6_IAADDR_OFF_PREF), valid = get_be32(b + DHCP6_IAADDR_OFF_VALID);
  if (rx->have_addr || pref > valid) {
    if (pref > valid) {
      LWIP_DROP(DHCP6_BAD_LIFETIMES);
    }
    return true;
  }
  rx->have_addr = true;
  rx->addr = a;
  rx->pref_life = pref;
  rx->valid_life = valid;
  return true;
}

/* IA_NA (RFC 8415 21.4): ours when the IAID is.  T1 > T2 (both non-zero)
 * makes the whole IA invalid (21.4): it is then treated as absent. */
static bool take_ia_na(const struct pbuf *p, const struct opt_view *v, struct dhcp6_rx *rx, u32_t iaid)
{
  u8_t b[DHCP6_IA_NA_LEN];
  if (v->len < DHCP6_IA_NA_LEN || pbuf_copy_partial(p, b, sizeof(b), v->off) != sizeof(b)) {
    return false;
  }
  struct dhcp6_rx ia;
  memset(&ia, 0, sizeof(ia));
  u32_t at = (u32_t)v->off + DHCP6_IA_NA_LEN, end = (u32_t)v->off + v->len;
  while (at < end) {
    struct opt_view s;
    if (!opt_at(p, at, end, &s)) {
      return false;
    }
    if (s.code == DHCP6_OPTION_IAADDR && !take_iaaddr(p, &s, &ia)) {
      return false;
    }
    if (s.code == DHCP6_OPTION_STATUS_CODE) {
      if (ia.have_ia_status || !read_status(p, &s, &ia.ia_status)) {
        return false;
      }
      ia.have_ia_status = true;
    }
    at = (u32_t)s.off + s.len;
  }
  u32_t t1 = get_be32(b + DHCP6_IA_NA_OFF_T1), t2 = get_be32(b + DHCP6_IA_NA_OFF_T2);
  if (get_be32(b + DHCP6_IA_NA_OFF_IAID) != iaid || rx->have_ia) {
    return true; /* another client's IA, or a second copy of ours */
  }
  if (t1 != 0 && t2 != 0 && t1 > t2) {
    LWIP_DROP(DHCP6_BAD_LIFETIMES);
    return true;
  }
  rx->have_ia = true;
  rx->t1 = t1;
  rx->t2 = t2;
  rx->have_ia_status = ia.have_ia_status;
  rx->ia_status = ia.ia_status;
  rx->have_addr = ia.have_addr;
  rx->addr = ia.addr;
  rx->pref_life = ia.pref_life;
  rx->valid_life = ia.valid_life;
  return true;
}

/* Mark a once-only option seen (RFC 8415 21: unless stated otherwise an
 * option appears at most once); @return false on a second one. */
static bool once(bool *seen)
{
  if (*seen) {
    return false;
  }
  *seen = true;
  return true;
}

static bool take_option(const struct pbuf *p, const struct opt_view *v, struct dhcp6_rx *rx, u32_t iaid)
{
  u8_t b[1];
  switch (v->code) {
  case DHCP6_OPTION_CLIENTID:
    rx->clientid_off = v->off;
    rx->clientid_len = v->len;
    return once(&rx->have_clientid);
  case DHCP6_OPTION_SERVERID:
    /* A DUID is 3 to 130 bytes (RFC 8415 11.1). */
    rx->serverid_off = v->off;
    rx->serverid_len = v->len;
    return v->len >= 3 && v->len <= DHCP6_DUID_MAX_LEN && once(&rx->have_serverid);
  case DHCP6_OPTION_PREFERENCE:
    if (v->len != 1 || pbuf_copy_partial(p, b, 1, v->off) != 1) {
      return false;
    }
    rx->pref = b[0];
    return once(&rx->have_pref);
  case DHCP6_OPTION_STATUS_CODE:
    return read_status(p, v, &rx->status) && once(&rx->have_status);
  case DHCP6_OPTION_IA_NA:
    return take_ia_na(p, v, rx, iaid);
  case DHCP6_OPTION_DNS_SERVERS:
    return rx->dns_count == 0 && take_dns(p, v, rx);
  case DHCP6_OPTION_DOMAIN_LIST:
    return !rx->have_domains && take_domains(p, v, rx);
  case DHCP6_OPTION_INFORMATION_REFRESH_TIME:
    return read_u32(p, v, &rx->refresh_s) && once(&rx->have_refresh);
  case DHCP6_OPTION_SOL_MAX_RT:
    return read_u32(p, v, &rx->sol_max_rt_s) && once(&rx->have_sol_max_rt);
  case DHCP6_OPTION_INF_MAX_RT:
    return read_u32(p, v, &rx->inf_max_rt_s) && once(&rx->have_inf_max_rt);
  default:
    return true; /* unknown options are skipped (RFC 8415 16) */
  }
}

/* Parse the header and every option of @p p.  @return 0, or the drop
 * reason. */
static int parse_message(const struct pbuf *p, struct dhcp6_rx *rx, u32_t iaid)
{
  u8_t h[DHCP6_HLEN];
  memset(rx, 0, sizeof(*rx));
  if (pbuf_copy_partial(p, h, sizeof(h), 0) != sizeof(h)) {
    return LWIP_DROP_DHCP6_SHORT;
  }
  rx->type = h[DHCP6_OFF_TYPE];
  rx->xid = (u32_t)h[1] << 16 | (u32_t)h[2] << 8 | h[3];
  u32_t at = DHCP6_HLEN, end = p->tot_len;
  while (at < end) {
    struct opt_view v;
    if (!opt_at(p, at, end, &v) || !take_option(p, &v, rx, iaid)) {
      return LWIP_DROP_DHCP6_BAD_OPTION;
    }
    at = (u32_t)v.off + v.len;
  }
  return 0;
}

/* The Client Identifier must be ours (RFC 8415 16.3, 16.10). */
static bool clientid_ours(const struct dhcp6 *c, const struct pbuf *p, const struct dhcp6_rx *rx)
{
  u8_t mine[DHCP6_DUID_MAX_LEN], theirs[DHCP6_DUID_MAX_LEN];
  u8_t n = duid_make(c->netif, mine, sizeof(mine));
  return rx->have_clientid && rx->clientid_len == n && pbuf_copy_partial(p, theirs, n, rx->clientid_off) == n &&
         memcmp(mine, theirs, n) == 0;
}

/* ---------------------------------------------------------------------- */
/* Acting on Advertise and Reply                                            */
/* ---------------------------------------------------------------------- */

/* Count a drop whose reason was chosen at run time. */
static void drop(int reason)
{
#if LWIP_STATS || LWIP_DEBUG
  lwip_drop((enum lwip_drop_reason)reason);
#else
  LWIP_UNUSED_ARG(reason);
#endif
}

static void take_server(struct dhcp6 *c, const struct pbuf *p, const struct dhcp6_rx *rx)
{
  c->server_duid_len = (u8_t)rx->serverid_len;
  pbuf_copy_partial(p, c->server_duid, rx->serverid_len, rx->serverid_off);
  c->have_server = true;
}

/* The configuration options of a Reply (RFC 3646, RFC 8415 21.23-21.25),
 * handed to the resolver through the DNS callback. */
static void take_config(struct dhcp6 *c, const struct dhcp6_rx *rx)
{
  c->dns_count = rx->dns_count;
  memset(c->dns, 0, sizeof(c->dns));
  memcpy(c->dns, rx->dns, sizeof(rx->dns[0]) * rx->dns_count);
  c->domain_count = rx->domain_count;
  memset(c->domains, 0, sizeof(c->domains));
  memcpy(c->domains, rx->domains, sizeof(rx->domains[0]) * rx->domain_count);
  if (rx->have_sol_max_rt && rx->sol_max_rt_s >= DHCP6_MAX_RT_OPT_MIN_S && rx->sol_max_rt_s <= DHCP6_MAX_RT_OPT_MAX_S) {
    c->sol_max_rt_ms = rx->sol_max_rt_s * 1000U;
  }
  if (rx->have_inf_max_rt && rx->inf_max_rt_s >= DHCP6_MAX_RT_OPT_MIN_S && rx->inf_max_rt_s <= DHCP6_MAX_RT_OPT_MAX_S) {
    c->inf_max_rt_ms = rx->inf_max_rt_s * 1000U;
  }
  if (dhcp6_dns_cb != NULL) {
    dhcp6_dns_cb(c->netif, c->dns_count, c->dns);
  }
}

/* Advertise while soliciting (RFC 8415 18.2.9): keep the one of highest
 * preference; 255 or an Advertise after the first RT is taken at once. */
static void rx_advertise(struct dhcp6 *c, const struct pbuf *p, const struct dhcp6_rx *rx)
{
  if (c->state != DHCP6_STATE_SOLICIT) {
    LWIP_DROP(DHCP6_UNEXPECTED);
    return;
  }
  if ((rx->have_status && rx->status != DHCP6_STATUS_SUCCESS) || !rx->have_ia || !rx->have_addr ||
      rx->valid_life == 0 || (rx->have_ia_status && rx->ia_status != DHCP6_STATUS_SUCCESS)) {
    /* 18.2.9: an Advertise without addresses (NoAddrsAvail) is ignored. */
    LWIP_DROP(DHCP6_NO_ADDRS);
    return;
  }
  if (!addr_usable(&rx->addr)) {
    LWIP_DROP(DHCP6_BAD_ADDR);
    return;
  }
  u8_t pref = rx->have_pref ? rx->pref : 0;
  if (!c->have_server || pref > c->server_pref) {
    take_server(c, p, rx);
    c->server_pref = pref;
    c->offer = rx->addr;
  }
  if (pref == 255 || !c->collecting) {
    begin(c, DHCP6_STATE_REQUEST, 0);
  }
}

/* T1 and T2 of 0 leave them to the client (RFC 8415 21.4); it takes
 * 0.5 and 0.8 times the preferred lifetime (the values 18.2.4 and 21.4
 * recommend to servers). */
static void take_times(struct dhcp6 *c, const struct dhcp6_rx *rx)
{
  c->pref_s = rx->pref_life;
  c->valid_s = rx->valid_life;
  u32_t base = rx->pref_life;
  if (rx->t1 != 0) {
    c->t1_s = rx->t1;
  } else {
    c->t1_s = base == DHCP6_INFINITY ? DHCP6_INFINITY : base / 2U;
  }
  if (rx->t2 != 0) {
    c->t2_s = rx->t2;
  } else {
    c->t2_s = base == DHCP6_INFINITY ? DHCP6_INFINITY : (u32_t)(((u64_t)base * 4U) / 5U);
  }
  if (c->t1_s > c->t2_s) {
    c->t1_s = c->t2_s;
  }
  c->lease_ms = sys_now();
}

/* The Reply granted (or extended) an address. */
static void bind(struct dhcp6 *c, const struct dhcp6_rx *rx)
{
  if (c->have_lease && !ip6_addr_eq_nozone(&c->addr, &rx->addr)) {
    drop_address(c); /* the server moved us: the old address goes */
  }
  bool renewed = c->have_lease;
  take_times(c, rx);
  c->addr = rx->addr;
  c->have_lease = true;
  s8_t idx = netif_get_ip6_addr_match(c->netif, &c->addr);
  if (idx < 0) {
    /* /128: DHCPv6 says nothing about on-link prefixes; those come from
     * the RA (RFC 8415 21.6). */
    if (netif_add_ip6_address_prefix(c->netif, &c->addr, 128, &idx) != ERR_OK) {
      LWIP_LOG(DHCP6, WARN, "no free address slot for the leased address");
      idx = -1;
    } else {
      c->netif->ip6_addr_origin[idx] = NETIF_IP6_ORIGIN_DHCP6;
    }
  }
  c->addr_idx = idx;
  if (idx >= 0) {
    netif_ip6_addr_set_lifetimes(c->netif, idx, c->valid_s, c->pref_s);
  }
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(DHCP6, INFO, "%s %s: T1 %lu T2 %lu preferred %lu valid %lu s", renewed ? "extended" : "leased",
           ip6addr_ntoa_r(&c->addr, b, sizeof(b)), (unsigned long)c->t1_s, (unsigned long)c->t2_s,
           (unsigned long)c->pref_s, (unsigned long)c->valid_s);
  LWIP_UNUSED_ARG(b);
  c->tries = 0;
  c->rt_ms = 0;
  dhcp6_set_state(c, DHCP6_STATE_BOUND);
  arm_lease(c);
}

/* Reply to Request, Renew or Rebind (RFC 8415 18.2.10, 18.2.10.1). */
static void rx_reply_lease(struct dhcp6 *c, const struct pbuf *p, const struct dhcp6_rx *rx)
{
  if (rx->have_status && rx->status != DHCP6_STATUS_SUCCESS) {
    LWIP_LOG(DHCP6, INFO, "Reply with status %u", rx->status);
    LWIP_DROP(DHCP6_STATUS);
    if (rx->status == DHCP6_STATUS_NOT_ON_LINK && c->state == DHCP6_STATE_REQUEST) {
      dhcp6_start_solicit(c); /* 18.2.10.1: the address is wrong here */
    }
    return; /* UnspecFail and the rest: keep retransmitting */
  }
  if (rx->have_ia && rx->have_ia_status && rx->ia_status == DHCP6_STATUS_NO_BINDING &&
      (c->state == DHCP6_STATE_RENEW || c->state == DHCP6_STATE_REBIND)) {
    /* 18.2.10.1: the server has no binding for us: Request it. */
    take_server(c, p, rx);
    c->offer = c->addr;
    begin(c, DHCP6_STATE_REQUEST, 0);
    return;
  }
  if (!rx->have_ia || !rx->have_addr || (rx->have_ia_status && rx->ia_status != DHCP6_STATUS_SUCCESS)) {
    LWIP_DROP(DHCP6_NO_ADDRS);
    if (c->state == DHCP6_STATE_REQUEST) {
      dhcp6_start_solicit(c); /* 18.2.10.1: NoAddrsAvail: try the servers again */
    }
    return;
  }
  if (!addr_usable(&rx->addr)) {
    LWIP_DROP(DHCP6_BAD_ADDR);
    return;
  }
  if (rx->valid_life == 0) {
    /* 18.2.10.1: a valid lifetime of 0: the address must not be used. */
    LWIP_LOG(DHCP6, INFO, "server withdrew the address");
    drop_address(c);
    dhcp6_start_solicit(c);
    return;
  }
  take_server(c, p, rx);
  take_config(c, rx);
  bind(c, rx);
}

/* Reply to Information-Request (RFC 8415 18.2.10, 21.23). */
static void rx_reply_info(struct dhcp6 *c, const struct pbuf *p, const struct dhcp6_rx *rx)
{
  if (rx->have_status && rx->status != DHCP6_STATUS_SUCCESS) {
    LWIP_DROP(DHCP6_STATUS);
    return;
  }
  take_server(c, p, rx);
  take_config(c, rx);
  u32_t irt = rx->have_refresh ? rx->refresh_s : DHCP6_IRT_DEFAULT_S;
  if (irt < DHCP6_IRT_MINIMUM_S) {
    irt = DHCP6_IRT_MINIMUM_S; /* 21.23: the floor IRT_MINIMUM */
  }
  c->refresh_s = irt;
  c->informed_ms = sys_now();
  c->tries = 0;
  c->rt_ms = 0;
  dhcp6_set_state(c, DHCP6_STATE_INFORMED);
  if (irt == DHCP6_INFINITY) {
    dhcp6_disarm(c);
  } else {
    dhcp6_arm(c, timed_ms(irt));
  }
}

static void rx_reply(struct dhcp6 *c, const struct pbuf *p, const struct dhcp6_rx *rx)
{
  switch (c->state) {
  case DHCP6_STATE_INFO_REQUEST:
    rx_reply_info(c, p, rx);
    break;
  case DHCP6_STATE_REQUEST:
  case DHCP6_STATE_RENEW:
  case DHCP6_STATE_REBIND:
    rx_reply_lease(c, p, rx);
    break;
  case DHCP6_STATE_RELEASE:
    /* 18.2.10.2: whatever the status, the Release is done. */
    dhcp6_disarm(c);
    c->mode = DHCP6_MODE_OFF;
    dhcp6_set_state(c, DHCP6_STATE_OFF);
    break;
  case DHCP6_STATE_DECLINE:
    dhcp6_start_solicit(c);
    break; /* 18.2.10.3 */
  default:
    LWIP_DROP(DHCP6_UNEXPECTED);
    break;
  }
}

void dhcp6_input(struct netif *netif, struct pbuf *p, const ip6_addr_t *src, u16_t sport)
{
  LWIP_UNUSED_ARG(src);
  LWIP_UNUSED_ARG(sport);
  STATS_RX(DHCP6);
  struct dhcp6 *c = dhcp6_find(netif);
  struct dhcp6_rx rx;
  int reason = 0;
  if (c == NULL || c->state == DHCP6_STATE_OFF || c->state == DHCP6_STATE_WAIT_RA) {
    reason = LWIP_DROP_DHCP6_UNEXPECTED;
  } else if ((reason = parse_message(p, &rx, c->iaid)) != 0) {
    /* malformed */
  } else if (rx.type == DHCP6_RECONFIGURE) {
    /* RFC 8415 18.2.11 with 20.4: a Reconfigure must be authenticated,
     * and this client does no reconfigure-key authentication. */
    reason = LWIP_DROP_DHCP6_RECONFIGURE;
  } else if (rx.type != DHCP6_ADVERTISE && rx.type != DHCP6_REPLY) {
    reason = LWIP_DROP_DHCP6_BAD_TYPE; /* a client or relay message */
  } else if (rx.xid != c->xid || c->tries == 0) {
    reason = LWIP_DROP_DHCP6_BAD_XID;
  } else if (!clientid_ours(c, p, &rx)) {
    reason = LWIP_DROP_DHCP6_BAD_CLIENTID;
  } else if (!rx.have_serverid) {
    reason = LWIP_DROP_DHCP6_NO_SERVERID; /* 16.3, 16.10 */
  }
  if (reason != 0) {
    LWIP_LOG(DHCP6, DEBUG, "dropped: %s", lwip_drop_reason_name(reason));
    drop(reason);
    pbuf_free(p);
    return;
  }
  if (rx.type == DHCP6_ADVERTISE) {
    rx_advertise(c, p, &rx);
  } else {
    rx_reply(c, p, &rx);
  }
  pbuf_free(p);
}

/* ---------------------------------------------------------------------- */
/* Starting and stopping                                                    */
/* ---------------------------------------------------------------------- */

/* The link came back: the host may be on another link now (RFC 8415
 * 18.2.12).  A lease is checked with Rebind, which any server answers
 * (with NotOnLink or NoBinding when it is not valid there); this client
 * sends no Confirm, and Rebind both checks and extends the binding.  The
 * stateless client asks for its configuration again, after the usual
 * random delay.  A client still acquiring simply goes on. */
static void link_up(struct dhcp6 *c)
{
  if (c->have_lease && (c->state == DHCP6_STATE_BOUND || c->state == DHCP6_STATE_RENEW)) {
    begin(c, DHCP6_STATE_REBIND, 0);
  } else if (c->state == DHCP6_STATE_INFORMED) {
    start_info_request(c, true);
  }
}

/* A DHCPv6-leased address failed DAD (RFC 8415 18.2.8: Decline it); a
 * removed netif takes its client with it. */
static void dhcp6_netif_event(struct netif *netif, netif_nsc_reason_t reason, const netif_ext_callback_args_t *args)
{
  struct dhcp6 *c = dhcp6_find(netif);
  if (c == NULL) {
    return;
  }
  if (reason & LWIP_NSC_NETIF_REMOVED) {
    dhcp6_disable(netif);
    return;
  }
  if ((reason & LWIP_NSC_LINK_CHANGED) && args->link_changed.state) {
    link_up(c);
    return;
  }
  if ((reason & LWIP_NSC_IPV6_ADDR_STATE_CHANGED) && c->have_lease) {
    s8_t idx = args->ipv6_addr_state_changed.addr_index;
    if (idx >= 0 && idx < LWIP_IPV6_NUM_ADDRESSES && ip6_addr_eq_nozone(netif_ip6_addr(netif, idx), &c->addr) &&
        ip6_addr_isduplicated(netif_ip6_addr_state(netif, idx))) {
      char b[IP6ADDR_STRLEN_MAX];
      LWIP_LOG(DHCP6, WARN, "%s failed DAD: declining", ip6addr_ntoa_r(&c->addr, b, sizeof(b)));
      LWIP_UNUSED_ARG(b);
      /* The duplicate slot is freed; the lease's address stays in c->addr
       * for the Decline's IA_NA. */
      c->have_lease = false;
      netif_ip6_addr_set_state(netif, idx, IP6_ADDR_INVALID);
      c->addr_idx = -1;
      begin(c, DHCP6_STATE_DECLINE, 0);
    }
  }
}

static struct dhcp6 *dhcp6_get(struct netif *netif)
{
  if (netif == NULL || netif->hwaddr_len != 6) {
    return NULL;
  }
  struct dhcp6 *c = dhcp6_find(netif);
  if (c != NULL) {
    return c;
  }
  c = (struct dhcp6 *)mem_calloc(1, sizeof(*c));
  if (c == NULL) {
    return NULL;
  }
  c->netif = netif;
  c->addr_idx = -1;
  c->iaid = iaid_make(netif);
  c->sol_max_rt_ms = DHCP6_SOL_MAX_RT_MS;
  c->inf_max_rt_ms = DHCP6_INF_MAX_RT_MS;
  if (pcb_open(c) != ERR_OK) {
    mem_free(c);
    return NULL;
  }
  c->next = dhcp6_clients;
  dhcp6_clients = c;
  if (!dhcp6_netif_cb_added) {
    netif_add_ext_callback(&dhcp6_netif_cb, dhcp6_netif_event);
    dhcp6_netif_cb_added = true;
  }
  return c;
}

/* Forget the lease and configuration before a new start. */
static void reset(struct dhcp6 *c)
{
  dhcp6_disarm(c);
  drop_address(c);
  c->have_server = false;
  c->server_duid_len = 0;
  c->dns_count = 0;
  c->domain_count = 0;
  c->tries = 0;
  c->rt_ms = 0;
}

static err_t start_mode(struct netif *netif, u8_t mode)
{
  struct dhcp6 *c = dhcp6_get(netif);
  if (c == NULL) {
    return netif == NULL || netif->hwaddr_len != 6 ? ERR_ARG : ERR_MEM;
  }
  reset(c);
  c->mode = mode;
  switch (mode) {
  case DHCP6_MODE_STATELESS:
    start_info_request(c, true);
    break;
  case DHCP6_MODE_STATEFUL:
    dhcp6_start_solicit(c);
    break;
  default:
    dhcp6_set_state(c, DHCP6_STATE_WAIT_RA);
    break;
  }
  return ERR_OK;
}

err_t dhcp6_enable_stateless(struct netif *netif)
{
  return start_mode(netif, DHCP6_MODE_STATELESS);
}

err_t dhcp6_enable_stateful(struct netif *netif)
{
  return start_mode(netif, DHCP6_MODE_STATEFUL);
}

err_t dhcp6_enable_auto(struct netif *netif)
{
  return start_mode(netif, DHCP6_MODE_AUTO);
}

void dhcp6_disable(struct netif *netif)
{
  struct dhcp6 *c = dhcp6_find(netif);
  if (c == NULL) {
    return;
  }
  reset(c);
  c->mode = DHCP6_MODE_OFF;
  dhcp6_set_state(c, DHCP6_STATE_OFF);
  for (struct dhcp6 **pp = &dhcp6_clients; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  }
  udp_remove(c->pcb);
  mem_free(c);
  if (dhcp6_clients == NULL && dhcp6_netif_cb_added) {
    netif_remove_ext_callback(&dhcp6_netif_cb);
    dhcp6_netif_cb_added = false;
  }
}

void dhcp6_cleanup(struct netif *netif)
{
  dhcp6_disable(netif);
}

err_t dhcp6_release(struct netif *netif)
{
  struct dhcp6 *c = dhcp6_find(netif);
  if (c == NULL) {
    return ERR_ARG;
  }
  if (!c->have_lease || !c->have_server) {
    return ERR_CONN;
  }
  /* RFC 8415 18.2.7: stop using the address before asking to release it. */
  drop_address(c);
  begin(c, DHCP6_STATE_RELEASE, 0);
  return ERR_OK;
}

void dhcp6_nd6_ra_trigger(struct netif *netif, u8_t managed_addr_config, u8_t other_config)
{
  struct dhcp6 *c = dhcp6_find(netif);
  if (c == NULL || c->mode != DHCP6_MODE_AUTO) {
    return;
  }
  /* RFC 4861 4.2: M means addresses by DHCPv6 (which also carries the
   * other configuration), O alone the other configuration only.  A
   * client already doing what the flags ask is left alone; an RA that
   * clears them stops nothing (RFC 4862 5.5.3 leaves that to us, and a
   * lease keeps its own lifetimes). */
  bool stateful_busy = c->state >= DHCP6_STATE_SOLICIT && c->state <= DHCP6_STATE_REBIND;
  if (managed_addr_config && !stateful_busy) {
    reset(c);
    dhcp6_start_solicit(c);
  } else if (!managed_addr_config && other_config && c->state == DHCP6_STATE_WAIT_RA) {
    start_info_request(c, true);
  }
}

err_t dhcp6_get_info(const struct netif *netif, struct dhcp6_info *info)
{
  const struct dhcp6 *c = dhcp6_find(netif);
  if (c == NULL || info == NULL) {
    return ERR_ARG;
  }
  memset(info, 0, sizeof(*info));
  info->state = dhcp6_state_name(c->state);
  info->mode = dhcp6_mode_name(c->mode);
  info->tries = c->tries;
  info->rt_ms = c->rt_ms;
  info->iaid = c->iaid;
  info->have_lease = c->have_lease;
  if (c->have_lease) {
    info->addr = c->addr;
    info->t1_s = c->t1_s;
    info->t2_s = c->t2_s;
    info->pref_s = c->pref_s;
    info->valid_s = c->valid_s;
    info->t1_left_s = c->t1_s == DHCP6_INFINITY ? DHCP6_INFINITY : lease_left_ms(c, c->t1_s) / 1000U;
    info->t2_left_s = c->t2_s == DHCP6_INFINITY ? DHCP6_INFINITY : lease_left_ms(c, c->t2_s) / 1000U;
    info->valid_left_s = c->valid_s == DHCP6_INFINITY ? DHCP6_INFINITY : lease_left_ms(c, c->valid_s) / 1000U;
  }
  if (c->state == DHCP6_STATE_INFORMED) {
    u32_t el = sys_now() - c->informed_ms, at = timed_ms(c->refresh_s);
    info->refresh_left_s = c->refresh_s == DHCP6_INFINITY ? DHCP6_INFINITY : (at > el ? at - el : 0) / 1000U;
  }
  if (c->have_server) {
    info->server_duid_len = c->server_duid_len;
    memcpy(info->server_duid, c->server_duid, c->server_duid_len);
  }
  info->dns_count = c->dns_count;
  memcpy(info->dns, c->dns, sizeof(info->dns));
  info->domain_count = c->domain_count;
  memcpy(info->domains, c->domains, sizeof(info->domains));
  return ERR_OK;
}

#endif /* LWIP_DHCP6 */
