/**
 * @file sntp.c
 * SNTP client (lwip/apps/sntp.h): requests, reply checks, the offset and
 * delay arithmetic of RFC 5905 8, kiss-o'-death handling and the poll /
 * backoff timer.
 *
 * Time arithmetic is done on 64-bit NTP timestamps modulo 2^64: the
 * difference of two timestamps, taken as a signed 64-bit number, is right
 * whenever the true difference is under 68 years, whatever era each lies
 * in (RFC 5905 6).  The offset is the sum of two such differences halved;
 * each is halved first so the sum cannot overflow.
 */
#include "lwip/apps/sntp.h"

#if LWIP_UDP

#include <string.h>

#include "lwip/debug.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/udp.h"
#include "lwip/prot/sntp.h"
#include "lwip/prot/wire.h"
#if LWIP_DHCP
#include "lwip/dhcp.h"
#endif

static void sntp_timer(void *arg);

static const char *const state_names[] = {
    [SNTP_STATE_OFF] = "off",
    [SNTP_STATE_WAIT_REPLY] = "wait_reply",
    [SNTP_STATE_IDLE] = "idle",
    [SNTP_STATE_NO_SERVER] = "no_server",
};

const char *sntp_state_name(u8_t state)
{
  return state < LWIP_ARRAYSIZE(state_names) ? state_names[state] : "?";
}

bool sntp_running(const struct sntp *c)
{
  return c != NULL && c->state != SNTP_STATE_OFF;
}

/* ---------------------------------------------------------------------- */
/* Time                                                                    */
/* ---------------------------------------------------------------------- */

/* Milliseconds as a 32.32 fixed-point number of seconds (exact to 2^-32 s
 * rounding; ms < 2^32 so the product fits 64 bits). */
static u64_t ms_to_fixed(u32_t ms)
{
  return ((u64_t)ms << 32) / 1000U;
}

int64_t sntp_fixed_to_us(int64_t v)
{
  /* Split so the multiplication cannot overflow: whole seconds, then the
   * fraction (below 2^32) times 10^6 (below 2^52). */
  bool neg = v < 0;
  u64_t m = neg ? (u64_t)0 - (u64_t)v : (u64_t)v;
  u64_t us = (m >> 32) * 1000000U + (((m & 0xffffffffU) * 1000000U) >> 32);
  return neg ? -(int64_t)us : (int64_t)us;
}

int64_t sntp_ts_to_unix_us(sntp_ts_t ts)
{
  u32_t sec = (u32_t)(ts >> 32);
  u32_t frac = (u32_t)ts;
  /* RFC 4330 3: a seconds value with the top bit clear is taken as era 1
   * (from 2036-02-07), which keeps the scheme working until 2104. */
  int64_t s = (int64_t)sec - (int64_t)SNTP_UNIX_EPOCH_OFFSET;
  if ((sec & 0x80000000UL) == 0) {
    s += (int64_t)1 << 32;
  }
  return s * 1000000 + (int64_t)(((u64_t)frac * 1000000U) >> 32);
}

sntp_ts_t sntp_unix_us_to_ts(int64_t us)
{
  int64_t s = us / 1000000;
  int64_t rem = us % 1000000;
  if (rem < 0) {
    rem += 1000000;
    s--;
  }
  u32_t sec = (u32_t)((u64_t)(s + (int64_t)SNTP_UNIX_EPOCH_OFFSET) & 0xffffffffU);
  u32_t frac = (u32_t)(((u64_t)rem << 32) / 1000000U);
  return ((u64_t)sec << 32) | frac;
}

/* The built-in clock moves with sys_now(); it is re-anchored on each read
 * so sys_now()'s wrap after 49.7 days does not matter as long as it is
 * read at least that often (every poll reads it). */
static sntp_ts_t builtin_now(struct sntp *c)
{
  u32_t now = sys_now();
  c->builtin += ms_to_fixed(now - c->builtin_ms);
  c->builtin_ms = now;
  return c->builtin;
}

sntp_ts_t sntp_now(struct sntp *c)
{
  if (c->cfg.clock_now != NULL) {
    return c->cfg.clock_now(c->cfg.clock_arg);
  }
  return builtin_now(c);
}

/* a - b as a signed number: right for |a - b| < 2^31 s (RFC 5905 6). */
static int64_t ts_diff(sntp_ts_t a, sntp_ts_t b)
{
  return (int64_t)(a - b);
}

/* ---------------------------------------------------------------------- */
/* Servers and timing                                                      */
/* ---------------------------------------------------------------------- */

#if LWIP_DHCP
/* Take the lease's servers.  A server that stays in the list keeps its
 * state (a DENY is remembered); a new one starts fresh. */
static void refresh_dhcp_servers(struct sntp *c)
{
  ip4_addr_t got[DHCP_MAX_NTP_SERVERS];
  u8_t n = dhcp_get_ntp_servers(c->cfg.dhcp_netif, got, (u8_t)LWIP_MIN(DHCP_MAX_NTP_SERVERS, SNTP_MAX_SERVERS));
  struct sntp_server fresh[SNTP_MAX_SERVERS];
  memset(fresh, 0, sizeof(fresh));
  for (u8_t i = 0; i < n; i++) {
    ip_addr_set_ip4(&fresh[i].addr, &got[i]);
    for (u8_t j = 0; j < c->num_servers; j++) {
      if (ip_addr_eq(&c->servers[j].addr, &fresh[i].addr)) {
        fresh[i] = c->servers[j];
      }
    }
  }
  bool same = n == c->num_servers && memcmp(fresh, c->servers, sizeof(fresh)) == 0;
  if (!same) {
    LWIP_LOG(SNTP, INFO, "%u server(s) from DHCP", n);
    memcpy(c->servers, fresh, sizeof(fresh));
    c->num_servers = n;
    c->cur = 0;
  }
}
#endif

/* Move c->cur to a server that may be asked, starting at @p from.
 * @return false when there is none. */
static bool pick_server(struct sntp *c, u8_t from)
{
  for (u8_t k = 0; k < c->num_servers; k++) {
    u8_t i = (u8_t)((from + k) % c->num_servers);
    if (!c->servers[i].denied) {
      c->cur = i;
      return true;
    }
  }
  return false;
}

static void arm(struct sntp *c, u32_t ms)
{
  c->next_ms = sys_now() + ms;
  sys_untimeout(sntp_timer, c);
  sys_timeout_static(&c->timeo, ms, sntp_timer, c);
}

static void set_state(struct sntp *c, u8_t state)
{
  if (c->state != state) {
    LWIP_LOG(SNTP, DEBUG, "state %s -> %s", sntp_state_name(c->state), sntp_state_name(state));
    c->state = state;
  }
}

/* Wait a poll interval (no server now: a DHCP lease may bring one). */
static void idle_for(struct sntp *c, u32_t ms)
{
  set_state(c, c->num_servers > 0 && pick_server(c, c->cur) ? SNTP_STATE_IDLE : SNTP_STATE_NO_SERVER);
  if (c->state == SNTP_STATE_NO_SERVER && c->cfg.dhcp_netif == NULL) {
    /* Every hand-given server said DENY or RSTR: nothing will change. */
    sys_untimeout(sntp_timer, c);
    c->next_ms = 0;
    return;
  }
  arm(c, ms);
}

/* An exchange failed (no answer, or an authentic but unusable answer):
 * ask the next server after the retry interval, which doubles with each
 * consecutive failure up to the backoff limit. */
static void exchange_failed(struct sntp *c)
{
  if (c->fails < 31) {
    c->fails++;
  }
  u32_t limit = c->cfg.max_backoff_s;
  u32_t wait_s = SNTP_MIN_POLL_S;
  for (u8_t i = 1; i < c->fails && wait_s < limit; i++) {
    wait_s *= 2U;
  }
  wait_s = LWIP_MIN(wait_s, limit);
  if (c->num_servers > 0) {
    pick_server(c, (u8_t)(c->cur + 1U));
  }
  LWIP_LOG(SNTP, DEBUG, "failure %u: next request in %lu s", c->fails, (unsigned long)wait_s);
  idle_for(c, wait_s * 1000U);
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                 */
/* ---------------------------------------------------------------------- */

static void send_request(struct sntp *c)
{
#if LWIP_DHCP
  if (c->cfg.dhcp_netif != NULL) {
    refresh_dhcp_servers(c);
  }
#endif
  if (c->num_servers == 0 || !pick_server(c, c->cur)) {
    idle_for(c, c->poll_s * 1000U);
    return;
  }
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, SNTP_MSG_LEN, PBUF_RAM);
  if (p == NULL) {
    LWIP_DROP(SNTP_NO_MEM);
    c->stats.send_errors++;
    exchange_failed(c);
    return;
  }
  /* RFC 4330 5: every field zero but the first byte and the transmit
   * timestamp, which is a random nonce rather than our clock: the server
   * only echoes it, and a reply must know all 64 bits to be believed. */
  u8_t msg[SNTP_MSG_LEN];
  memset(msg, 0, sizeof(msg));
  msg[SNTP_OFF_LI_VN_MODE] = SNTP_LI_VN_MODE(0U, SNTP_VERSION, SNTP_MODE_CLIENT);
  u32_t hi = lwip_port_rand();
  u32_t lo = lwip_port_rand();
  put_be32(msg + SNTP_OFF_TRANSMIT_TS, hi);
  put_be32(msg + SNTP_OFF_TRANSMIT_TS + 4, lo);
  c->nonce = ((u64_t)hi << 32) | lo;
  pbuf_take(p, msg, sizeof(msg));
  const struct sntp_server *s = &c->servers[c->cur];
  c->t1 = sntp_now(c);
  c->sent_ms = sys_now();
  err_t err = udp_sendto(c->pcb, p, &s->addr, SNTP_SERVER_PORT);
  pbuf_free(p);
  if (err != ERR_OK) {
    LWIP_LOG(SNTP, DEBUG, "request to %s not sent: %s", ipaddr_ntoa(&s->addr), lwip_err_name(err));
    c->stats.send_errors++;
    exchange_failed(c);
    return;
  }
  STATS_TX(SNTP);
  c->stats.requests++;
  LWIP_LOG(SNTP, DEBUG, "request to %s", ipaddr_ntoa(&s->addr));
  set_state(c, SNTP_STATE_WAIT_REPLY);
  arm(c, c->cfg.timeout_ms);
}

static void sntp_timer(void *arg)
{
  struct sntp *c = (struct sntp *)arg;
  c->next_ms = 0;
  if (c->state == SNTP_STATE_WAIT_REPLY) {
    LWIP_LOG(SNTP, INFO, "no reply from %s", ipaddr_ntoa(&c->servers[c->cur].addr));
    c->stats.timeouts++;
    exchange_failed(c);
    return;
  }
  send_request(c);
}

/* ---------------------------------------------------------------------- */
/* Receiving                                                               */
/* ---------------------------------------------------------------------- */

/* What one reply says, read once from the checked buffer. */
struct sntp_reply {
  u8_t leap, version, mode, stratum;
  u32_t refid;
  sntp_ts_t origin, receive, transmit;
};

static sntp_ts_t get_ts(const u8_t *p)
{
  return ((u64_t)get_be32(p) << 32) | get_be32(p + 4);
}

static void parse_reply(const u8_t *m, struct sntp_reply *r)
{
  r->leap = SNTP_LI(m[SNTP_OFF_LI_VN_MODE]);
  r->version = SNTP_VN(m[SNTP_OFF_LI_VN_MODE]);
  r->mode = SNTP_MODE(m[SNTP_OFF_LI_VN_MODE]);
  r->stratum = m[SNTP_OFF_STRATUM];
  r->refid = get_be32(m + SNTP_OFF_REFID);
  r->origin = get_ts(m + SNTP_OFF_ORIGIN_TS);
  r->receive = get_ts(m + SNTP_OFF_RECEIVE_TS);
  r->transmit = get_ts(m + SNTP_OFF_TRANSMIT_TS);
}

/* A kiss-o'-death that answers our request (RFC 5905 7.4, RFC 4330 8). */
static void take_kiss(struct sntp *c, u32_t code)
{
  struct sntp_server *s = &c->servers[c->cur];
  char txt[5];
  for (int i = 0; i < 4; i++) {
    u8_t ch = (u8_t)(code >> (24 - 8 * i));
    txt[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
  }
  txt[4] = '\0';
  (void)txt;
  LWIP_DROP(SNTP_KISS);
  c->stats.rejected++;
  if (code == SNTP_KISS_DENY || code == SNTP_KISS_RSTR) {
    /* The server MUST NOT be asked again (RFC 5905 7.4). */
    LWIP_LOG(SNTP, WARN, "%s says %s: not asked again", ipaddr_ntoa(&s->addr), txt);
    c->stats.kiss_deny++;
    s->denied = true;
    c->fails = 0;
    if (pick_server(c, (u8_t)(c->cur + 1U))) {
      idle_for(c, SNTP_MIN_POLL_S * 1000U);
    } else {
      idle_for(c, c->poll_s * 1000U);
    }
    return;
  }
  if (code == SNTP_KISS_RATE) {
    /* Poll less often: double the interval, up to MAXPOLL. */
    c->stats.kiss_rate++;
    c->poll_s = (u32_t)LWIP_MIN((u64_t)c->poll_s * 2U, (u64_t)SNTP_MAX_POLL_S);
    LWIP_LOG(SNTP, WARN, "%s says RATE: poll interval now %lu s", ipaddr_ntoa(&s->addr), (unsigned long)c->poll_s);
    c->fails = 0;
    idle_for(c, c->poll_s * 1000U);
    return;
  }
  /* Other codes carry no instruction for a client: the reply is useless,
   * and the request is left to time out (RFC 4330 8). */
  LWIP_LOG(SNTP, INFO, "%s sent kiss code %s: ignored", ipaddr_ntoa(&s->addr), txt);
  c->stats.kiss_other++;
}

/* An authentic reply (origin matched): take the time, or refuse it. */
static void take_reply(struct sntp *c, const struct sntp_reply *r)
{
  if (r->stratum == SNTP_STRATUM_KISS) {
    take_kiss(c, r->refid);
    return;
  }
  if (r->stratum > SNTP_STRATUM_MAX) {
    LWIP_DROP(SNTP_BAD_STRATUM);
    goto unusable;
  }
  if (r->leap == SNTP_LI_UNSYNC) {
    LWIP_DROP(SNTP_UNSYNC);
    goto unusable;
  }
  if (r->transmit == 0) {
    LWIP_DROP(SNTP_ZERO_TX);
    goto unusable;
  }
  sntp_ts_t t4 = sntp_now(c);
  /* RFC 5905 8: theta = ((T2 - T1) + (T3 - T4)) / 2,
   *             delta = (T4 - T1) - (T3 - T2). */
  int64_t a = ts_diff(r->receive, c->t1);
  int64_t b = ts_diff(r->transmit, t4);
  struct sntp_sample *s = &c->last;
  memset(s, 0, sizeof(*s));
  s->offset = a / 2 + b / 2;
  s->delay = ts_diff(t4, c->t1) - ts_diff(r->transmit, r->receive);
  if (s->delay < 0) {
    s->delay = 0; /* the two clocks' rates differ over a very short round trip */
  }
  s->server_tx = r->transmit;
  s->local_rx = t4;
  s->stratum = r->stratum;
  s->leap = r->leap;
  s->version = r->version;
  s->server = c->cur;
  s->rx_ms = sys_now();
  c->have_sample = true;
  c->servers[c->cur].stratum = r->stratum;
  c->servers[c->cur].replies++;
  c->stats.replies++;
  c->fails = 0;
  LWIP_LOG(SNTP, INFO, "%s stratum %u: offset %ld us, delay %ld us", ipaddr_ntoa(&c->servers[c->cur].addr), r->stratum,
           (long)sntp_fixed_to_us(s->offset), (long)sntp_fixed_to_us(s->delay));
  if (c->cfg.clock_adjust != NULL) {
    c->cfg.clock_adjust(c->cfg.clock_arg, s);
  } else {
    builtin_now(c);
    c->builtin += (u64_t)s->offset;
    c->clock_set = true;
  }
  idle_for(c, c->poll_s * 1000U);
  return;
unusable:
  c->stats.rejected++;
  exchange_failed(c);
}

static void sntp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct sntp *c = (struct sntp *)arg;
  (void)pcb;
  STATS_RX(SNTP);
  u8_t m[SNTP_MSG_LEN];
  struct sntp_reply r;
  /* Extension fields or a MAC may follow the header; they are not read. */
  if (p->tot_len < SNTP_MSG_LEN || pbuf_copy_partial(p, m, SNTP_MSG_LEN, 0) != SNTP_MSG_LEN) {
    LWIP_DROP(SNTP_SHORT);
    goto drop;
  }
  if (c->state != SNTP_STATE_WAIT_REPLY) {
    LWIP_DROP(SNTP_UNEXPECTED);
    goto drop;
  }
  if (port != SNTP_SERVER_PORT || !ip_addr_eq(addr, &c->servers[c->cur].addr)) {
    LWIP_DROP(SNTP_BAD_SOURCE);
    goto drop;
  }
  parse_reply(m, &r);
  if (r.mode != SNTP_MODE_SERVER || r.version < 3U || r.version > SNTP_VERSION) {
    LWIP_DROP(SNTP_BAD_MODE);
    goto drop;
  }
  /* Checked before anything is believed, kisses included: only the server
   * we asked knows the nonce (RFC 5905 8, "bogus packet"). */
  if (r.origin != c->nonce) {
    LWIP_DROP(SNTP_BAD_ORIGIN);
    goto drop;
  }
  pbuf_free(p);
  take_reply(c, &r);
  return;
drop:
  c->stats.rejected++;
  pbuf_free(p);
}

/* ---------------------------------------------------------------------- */
/* Start and stop                                                          */
/* ---------------------------------------------------------------------- */

static bool config_ok(const struct sntp_config *cfg)
{
  if (cfg->num_servers > SNTP_MAX_SERVERS || (cfg->clock_now == NULL) != (cfg->clock_adjust == NULL)) {
    return false;
  }
  if (cfg->dhcp_netif != NULL) {
#if !LWIP_DHCP
    return false;
#endif
  } else if (cfg->num_servers == 0) {
    return false;
  }
  for (u8_t i = 0; i < cfg->num_servers; i++) {
    const ip_addr_t *a = &cfg->servers[i];
    if (!IP_IS_V4(a) || ip4_addr_isany_val(*ip_2_ip4(a)) || ip4_addr_isbroadcast_u32(ip_2_ip4(a)->addr, NULL) ||
        ip4_addr_ismulticast(ip_2_ip4(a))) {
      return false;
    }
  }
  return (cfg->poll_s == 0 || (cfg->poll_s >= SNTP_MIN_POLL_S && cfg->poll_s <= SNTP_MAX_POLL_S)) &&
         (cfg->timeout_ms == 0 || (cfg->timeout_ms >= 100U && cfg->timeout_ms <= 60000U)) &&
         (cfg->max_backoff_s == 0 || (cfg->max_backoff_s >= SNTP_MIN_POLL_S && cfg->max_backoff_s <= SNTP_MAX_POLL_S));
}

err_t sntp_start(struct sntp *c, const struct sntp_config *cfg)
{
  if (c == NULL || cfg == NULL || sntp_running(c)) {
    return ERR_ARG;
  }
  memset(c, 0, sizeof(*c));
  if (!config_ok(cfg)) {
    return ERR_ARG;
  }
  c->cfg = *cfg;
  if (c->cfg.poll_s == 0) {
    c->cfg.poll_s = SNTP_DEFAULT_POLL_S;
  }
  if (c->cfg.timeout_ms == 0) {
    c->cfg.timeout_ms = SNTP_DEFAULT_TIMEOUT_MS;
  }
  if (c->cfg.max_backoff_s == 0) {
    c->cfg.max_backoff_s = SNTP_DEFAULT_MAX_BACKOFF_S;
  }
  c->poll_s = c->cfg.poll_s;
  if (cfg->dhcp_netif == NULL) {
    c->num_servers = cfg->num_servers;
    for (u8_t i = 0; i < cfg->num_servers; i++) {
      c->servers[i].addr = cfg->servers[i];
    }
  }
  c->builtin_ms = sys_now();
  /* RFC 9109: an ephemeral source port, so replies cannot be aimed at a
   * well-known one. */
  c->pcb = udp_new();
  if (c->pcb == NULL) {
    memset(c, 0, sizeof(*c));
    return ERR_MEM;
  }
  err_t err = udp_bind(c->pcb, IP_ADDR_ANY, 0);
  if (err != ERR_OK) {
    udp_remove(c->pcb);
    memset(c, 0, sizeof(*c));
    return err;
  }
  udp_recv(c->pcb, sntp_recv, c);
  set_state(c, SNTP_STATE_IDLE);
  arm(c, 0);
  LWIP_LOG(SNTP, INFO, "started: %u server(s)%s, poll %lu s", c->num_servers,
           cfg->dhcp_netif != NULL ? " from DHCP" : "", (unsigned long)c->poll_s);
  return ERR_OK;
}

void sntp_stop(struct sntp *c)
{
  if (c == NULL || c->state == SNTP_STATE_OFF) {
    return;
  }
  sys_untimeout(sntp_timer, c);
  udp_remove(c->pcb);
  LWIP_LOG(SNTP, INFO, "stopped");
  memset(c, 0, sizeof(*c));
}

void sntp_get_info(const struct sntp *c, struct sntp_info *info)
{
  memset(info, 0, sizeof(*info));
  info->state = sntp_state_name(c != NULL ? c->state : SNTP_STATE_OFF);
  if (!sntp_running(c)) {
    return;
  }
  info->num_servers = c->num_servers;
  memcpy(info->servers, c->servers, sizeof(info->servers));
  info->cur = c->cur;
  info->from_dhcp = c->cfg.dhcp_netif != NULL;
  info->poll_s = c->poll_s;
  if (sys_timeout_pending(sntp_timer, (void *)(uintptr_t)c)) {
    s32_t left = (s32_t)(c->next_ms - sys_now());
    info->next_in_ms = left > 0 ? (u32_t)left : 0U;
  }
  info->fails = c->fails;
  info->have_sample = c->have_sample;
  info->last = c->last;
  info->stats = c->stats;
}

#endif /* LWIP_UDP */
