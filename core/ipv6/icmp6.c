/**
 * @file icmp6.c
 * ICMPv6 (RFC 4443) for a host: validate, answer echo requests, hand
 * Neighbor Discovery to nd6, learn path MTUs from Packet Too Big (RFC
 * 8201), and send errors under a token bucket, never where RFC 4443
 * 2.4(e) forbids them.
 */
#include "lwip/icmp6.h"
#include "lwip/nd6.h"
#include "lwip/mld6.h"
#include "lwip/udp.h"
#include "lwip/tcp.h"
#include "lwip/raw.h"
#include "lwip/tokbucket.h"
#include "lwip/inet_chksum.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/init.h"
#include "lwip/priv/ip6_frag_priv.h"
#include <string.h>

/* RFC 4443 2.4(f) names the token bucket; one for all destinations, as
 * for IPv4 (core/ipv4/icmp.c says why). */
static struct lwip_tokbucket err_bucket;

struct pmtu_entry {
  ip6_addr_t dest; /* zone kept: fe80::1%1 and %2 are different paths */
  u16_t mtu;       /* 0: slot free */
  u32_t stamp_ms;
};
static struct pmtu_entry pmtu_cache[IP6_PMTU_CACHE_SIZE];

static icmp6_echo_reply_fn echo_reply_hook;
static void *echo_reply_arg;

void icmp6_init(void)
{
  tokbucket_init(&err_bucket, ICMP_RATELIMIT, ICMP_RATELIMIT_BURST, sys_now());
  memset(pmtu_cache, 0, sizeof(pmtu_cache));
  echo_reply_hook = NULL;
  echo_reply_arg = NULL;
}

void icmp6_set_echo_reply_hook(icmp6_echo_reply_fn fn, void *arg)
{
  echo_reply_hook = fn;
  echo_reply_arg = arg;
}

err_t icmp6_set_ratelimit(u32_t rate_per_s, u32_t burst)
{
  if (rate_per_s > TOKBUCKET_MAX || burst > TOKBUCKET_MAX || (rate_per_s != 0 && burst == 0)) {
    return ERR_VAL;
  }
  tokbucket_init(&err_bucket, rate_per_s, burst, sys_now());
  return ERR_OK;
}

void icmp6_get_ratelimit(u32_t *rate_per_s, u32_t *burst)
{
  if (rate_per_s != NULL) {
    *rate_per_s = err_bucket.rate;
  }
  if (burst != NULL) {
    *burst = err_bucket.burst;
  }
}

/* ---------------------------------------------------------------------- */
/* Path MTU cache (RFC 8201)                                               */
/* ---------------------------------------------------------------------- */

static struct pmtu_entry *pmtu_find(const ip6_addr_t *dest)
{
  for (int i = 0; i < IP6_PMTU_CACHE_SIZE; i++) {
    struct pmtu_entry *e = &pmtu_cache[i];
    if (e->mtu == 0) {
      continue;
    }
    if (sys_now() - e->stamp_ms >= IP6_PMTU_AGE_MS) {
      e->mtu = 0; /* RFC 8201 5.3: try the larger MTU again */
      continue;
    }
    if (ip6_addr_eq(&e->dest, dest)) {
      return e;
    }
  }
  return NULL;
}

u16_t icmp6_path_mtu(const struct netif *netif, const ip6_addr_t *dest)
{
  /* The link's IPv6 MTU: an RA's MTU option lowers it (RFC 4861 6.3.4). */
  u16_t mtu = (netif != NULL && netif_mtu6(netif) != 0) ? netif_mtu6(netif) : 0xffffU;
  const struct pmtu_entry *e = dest != NULL ? pmtu_find(dest) : NULL;
  if (e != NULL && e->mtu < mtu) {
    mtu = e->mtu;
  }
  return LWIP_MAX(mtu, (u16_t)IP6_MIN_MTU);
}

static void pmtu_update(const ip6_addr_t *dest, u32_t mtu)
{
  if (mtu < IP6_MIN_MTU) {
    /* RFC 8201 4: never below the IPv6 minimum (the forged-PTB attack of
     * RFC 8021 is what a smaller value would be). */
    LWIP_DROP(ICMP6_BAD_PTB);
    mtu = IP6_MIN_MTU;
  }
  struct pmtu_entry *e = pmtu_find(dest);
  if (e == NULL) {
    /* A free slot, else the oldest. */
    e = &pmtu_cache[0];
    for (int i = 0; i < IP6_PMTU_CACHE_SIZE; i++) {
      if (pmtu_cache[i].mtu == 0) {
        e = &pmtu_cache[i];
        break;
      }
      if (lwip_time_before(pmtu_cache[i].stamp_ms, e->stamp_ms)) {
        e = &pmtu_cache[i];
      }
    }
    e->dest = *dest;
    e->mtu = 0xffffU;
  }
  if (mtu < e->mtu) {
    /* RFC 8201 4: only a decrease is believed. */
    e->mtu = (u16_t)LWIP_MIN(mtu, 0xffffUL);
    e->stamp_ms = sys_now();
    char b[IP6ADDR_STRLEN_MAX];
    LWIP_LOG(ICMP6, INFO, "path MTU to %s is %u", ip6addr_ntoa_r(dest, b, sizeof(b)), e->mtu);
    LWIP_UNUSED_ARG(b);
  }
}

bool icmp6_pmtu_get_info(int i, struct icmp6_pmtu_info *out)
{
  if (i < 0 || i >= IP6_PMTU_CACHE_SIZE || pmtu_cache[i].mtu == 0 || out == NULL) {
    return false;
  }
  out->dest = pmtu_cache[i].dest;
  out->mtu = pmtu_cache[i].mtu;
  out->age_ms = sys_now() - pmtu_cache[i].stamp_ms;
  return true;
}

/* ---------------------------------------------------------------------- */
/* Output                                                                  */
/* ---------------------------------------------------------------------- */

static void icmp6_set_chksum(struct pbuf *q, const ip6_addr_t *src, const ip6_addr_t *dest)
{
  pbuf_put_at(q, ICMP6_OFF_CHKSUM, 0);
  pbuf_put_at(q, ICMP6_OFF_CHKSUM + 1, 0);
  u16_t sum = ip6_chksum_pseudo(q, IP6_NEXTH_ICMP6, q->tot_len, src, dest);
  u8_t b[2];
  memcpy(b, &sum, 2);
  pbuf_put_at(q, ICMP6_OFF_CHKSUM, b[0]);
  pbuf_put_at(q, ICMP6_OFF_CHKSUM + 1, b[1]);
}

/* A pbuf for an ICMPv6 message of @p len bytes with room for the IPv6 and
 * link headers in front. */
static struct pbuf *icmp6_alloc(u16_t len)
{
  struct pbuf *q = pbuf_alloc(PBUF_LINK, (u16_t)(IP6_HLEN + len), PBUF_RAM);
  if (q != NULL) {
    pbuf_remove_header(q, IP6_HLEN);
  }
  return q;
}

/* Echo reply (RFC 4443 4.2): identifier, sequence number and data of the
 * request, from the address it was sent to (or, for a multicast request,
 * one we select). */
static void icmp6_echo_reply(const struct pbuf *p, const struct ip6_rx *rx)
{
  const ip6_addr_t *dst = ip_2_ip6(&rx->ip.src);
  if (rx->ip.is_multicast && !ip6_addr_isallnodes_linklocal(ip_2_ip6(&rx->ip.dest))) {
    LWIP_DROP(ICMP6_MCAST_ECHO);
    return;
  }
  if (ip6_addr_isany(dst)) {
    LWIP_DROP(IP6_NO_ROUTE);
    return;
  }
  struct pbuf *q = icmp6_alloc(p->tot_len);
  if (q == NULL) {
    LWIP_DROP(ICMP6_NO_MEM);
    return;
  }
  pbuf_copy(q, p);
  pbuf_put_at(q, ICMP6_OFF_TYPE, ICMP6_TYPE_EREP);
  struct netif *out = rx->ip.inp;
  const ip6_addr_t *src = ip_2_ip6(&rx->ip.dest);
  if (rx->ip.is_multicast) {
    const ip_addr_t *sel = ip6_select_source_address(out, dst);
    if (sel == NULL) {
      LWIP_DROP(IP6_NO_SOURCE);
      pbuf_free(q);
      return;
    }
    src = ip_2_ip6(sel);
  } else if (!ip6_addr_has_scope(dst)) {
    /* A global peer is answered by the route to it (it may sit behind a
     * router on another netif); a link-local one on its own link. */
    struct netif *r = ip6_route(src, dst);
    if (r != NULL) {
      out = r;
    }
  }
  icmp6_set_chksum(q, src, dst);
  STATS_TX(ICMP6);
  ip6_output_if(q, src, dst, nd6_hop_limit(out), rx->ip.tos, IP6_NEXTH_ICMP6, out);
  pbuf_free(q);
}

/* @return true when one more error may be sent now (counted when not). */
static bool icmp6_rate_ok(void)
{
  if (tokbucket_take(&err_bucket, sys_now())) {
    return true;
  }
  LWIP_DROP(ICMP6_RATE_LIMIT);
  return false;
}

/* Send error @p type/@p code with the 32-bit field @p data about @p p
 * (payload at its IPv6 header). */
static void icmp6_send_error(struct pbuf *p, const struct ip6_rx *rx, u8_t type, u8_t code, u32_t data)
{
  if (p == NULL || rx == NULL || p->tot_len < IP6_HLEN) {
    return;
  }
  const ip6_addr_t *osrc = ip_2_ip6(&rx->ip.src);
  /* RFC 4443 2.4(e): Packet Too Big, and Parameter Problem code 2 for an
   * option whose type asks for it, are the only errors about a packet to a
   * multicast address or link-layer multicast/broadcast. */
  bool mcast_ok = type == ICMP6_TYPE_PTB || (type == ICMP6_TYPE_PP && code == ICMP6_PP_OPTION);
  bool ll_mcast = (p->flags & (PBUF_FLAG_LLMCAST | PBUF_FLAG_LLBCAST)) != 0;
  if (((rx->ip.is_multicast || ll_mcast) && !mcast_ok) || ip6_addr_isany(osrc) || ip6_addr_ismulticast(osrc)) {
    LWIP_DROP(ICMP6_NO_ERROR);
    return;
  }
  /* 2.4(e.1): never about an ICMPv6 error or a redirect. */
  if (rx->ip.proto == IP6_NEXTH_ICMP6 && rx->ip.hdr_len >= IP6_HLEN) {
    int t = pbuf_try_get_at(p, rx->ip.hdr_len);
    if (t < 0 || ICMP6_TYPE_IS_ERROR(t) || t == ICMP6_TYPE_RD) {
      LWIP_DROP(ICMP6_NO_ERROR);
      return;
    }
  }
  if (!icmp6_rate_ok()) {
    return;
  }
  struct netif *out = rx->ip.inp;
  const ip_addr_t *sel = ip6_select_source_address(out, osrc);
  if (sel == NULL) {
    LWIP_DROP(IP6_NO_SOURCE);
    return;
  }
  /* Where the destination was one of ours, answer from it (RFC 4443 2.2). */
  const ip6_addr_t *src = ip_2_ip6(sel);
  if (!rx->ip.is_multicast && netif_get_ip6_addr_match(out, ip_2_ip6(&rx->ip.dest)) >= 0) {
    src = ip_2_ip6(&rx->ip.dest);
  }
  /* 2.4(c): as much of the invoking packet as fits in the minimum MTU. */
  u16_t quote = (u16_t)LWIP_MIN((u32_t)p->tot_len, (u32_t)(IP6_MIN_MTU - IP6_HLEN - ICMP6_HLEN));
  struct pbuf *q = icmp6_alloc((u16_t)(ICMP6_HLEN + quote));
  if (q == NULL) {
    LWIP_DROP(ICMP6_NO_MEM);
    return;
  }
  u8_t hdr[ICMP6_HLEN] = {type, code, 0, 0, 0, 0, 0, 0};
  put_be32(hdr + ICMP6_OFF_DATA, data);
  pbuf_take(q, hdr, ICMP6_HLEN);
  u8_t chunk[128];
  for (u16_t done = 0; done < quote;) {
    u16_t n = (u16_t)LWIP_MIN((u32_t)sizeof(chunk), (u32_t)(quote - done));
    pbuf_copy_partial(p, chunk, n, done);
    pbuf_take_at(q, chunk, n, (u16_t)(ICMP6_HLEN + done));
    done = (u16_t)(done + n);
  }
  icmp6_set_chksum(q, src, osrc);
  STATS_TX(ICMP6);
  LWIP_LOG(ICMP6, DEBUG, "error type %u code %u sent", type, code);
  ip6_output_if(q, src, osrc, nd6_hop_limit(out), 0, IP6_NEXTH_ICMP6, out);
  pbuf_free(q);
}

void icmp6_dest_unreach(struct pbuf *p, const struct ip6_rx *rx, u8_t code)
{
  icmp6_send_error(p, rx, ICMP6_TYPE_DUR, code, 0);
}

void icmp6_packet_too_big(struct pbuf *p, const struct ip6_rx *rx, u32_t mtu)
{
  icmp6_send_error(p, rx, ICMP6_TYPE_PTB, 0, mtu);
}

void icmp6_time_exceeded(struct pbuf *p, const struct ip6_rx *rx, u8_t code)
{
  icmp6_send_error(p, rx, ICMP6_TYPE_TE, code, 0);
}

void icmp6_param_problem(struct pbuf *p, const struct ip6_rx *rx, u8_t code, u32_t pointer)
{
  icmp6_send_error(p, rx, ICMP6_TYPE_PP, code, pointer);
}

/* ---------------------------------------------------------------------- */
/* Input                                                                   */
/* ---------------------------------------------------------------------- */

/* Packet Too Big (RFC 4443 3.2, RFC 8201 4): the quoted header must be one
 * we could have sent (its source one of our addresses); then the path MTU
 * to its destination is lowered. */
static void icmp6_ptb_input(const struct pbuf *p)
{
  u8_t b[ICMP6_HLEN + IP6_HLEN];
  if (pbuf_copy_partial(p, b, sizeof(b), 0) != sizeof(b)) {
    LWIP_DROP(ICMP6_SHORT);
    return;
  }
  ip6_addr_t qsrc, qdst;
  memset(&qsrc, 0, sizeof(qsrc));
  memset(&qdst, 0, sizeof(qdst));
  memcpy(qsrc.addr, b + ICMP6_HLEN + IP6_OFF_SRC, IP6_ADDR_LEN);
  memcpy(qdst.addr, b + ICMP6_HLEN + IP6_OFF_DEST, IP6_ADDR_LEN);
  if (!ip6_addr_is_ours(&qsrc)) {
    LWIP_DROP(ICMP6_BAD_PTB);
    return;
  }
  if (ip6_addr_has_scope(&qdst)) {
    qdst.zone = p->if_idx;
  }
  pmtu_update(&qdst, get_be32(b + ICMP6_OFF_DATA));
}

/* lwIP's reading of an error, for callbacks that want one code. */
static err_t icmp6_err_code(u8_t type, u8_t code)
{
  switch (type) {
  case ICMP6_TYPE_DUR:
    return code == ICMP6_DUR_PORT ? ERR_RST : ERR_RTE;
  case ICMP6_TYPE_PTB:
    return ERR_BUF;
  case ICMP6_TYPE_PP:
    return ERR_VAL;
  default:
    return ERR_RTE;
  }
}

/* Read the packet an error quotes (RFC 4443 2.4(c): as much of it as fit,
 * from its IPv6 header on) into @p e: addresses, the upper-layer protocol
 * behind any extension headers and, for UDP, UDP-Lite and TCP, the ports.
 * @return false when too little is quoted to name the sender or the
 * quoted source is not one of our addresses (RFC 5927 4.1: a cheap check
 * that the error is about a packet we sent). */
static bool icmp6_read_quote(const struct pbuf *p, const struct ip6_rx *rx, struct ip_icmp_err *e)
{
  u8_t h[IP6_HLEN];
  if (pbuf_copy_partial(p, h, sizeof(h), ICMP6_HLEN) != sizeof(h) || (h[IP6_OFF_VTCFL] >> 4) != 6) {
    return false;
  }
  memset(&e->src, 0, sizeof(e->src));
  memset(&e->dest, 0, sizeof(e->dest));
  memcpy(ip_2_ip6(&e->src)->addr, h + IP6_OFF_SRC, IP6_ADDR_LEN);
  memcpy(ip_2_ip6(&e->dest)->addr, h + IP6_OFF_DEST, IP6_ADDR_LEN);
  e->src.type = IPADDR_TYPE_V6;
  e->dest.type = IPADDR_TYPE_V6;
  u8_t zone = netif_get_index(rx->ip.inp);
  if (ip6_addr_has_scope(ip_2_ip6(&e->src))) {
    ip_2_ip6(&e->src)->zone = zone;
  }
  if (ip6_addr_has_scope(ip_2_ip6(&e->dest))) {
    ip_2_ip6(&e->dest)->zone = zone;
  }
  if (!ip6_addr_is_ours(ip_2_ip6(&e->src))) {
    return false;
  }
  u16_t upper = 0;
  if (!ip6_skip_ext_headers(p, h[IP6_OFF_NEXTH], ICMP6_HLEN + IP6_HLEN, &e->proto, &upper)) {
    return false;
  }
  e->sport = 0;
  e->dport = 0;
  if (e->proto == IP6_NEXTH_UDP || e->proto == IP6_NEXTH_UDPLITE || e->proto == IP6_NEXTH_TCP) {
    /* For TCP the sequence number too: RFC 4443 2.4(c) quotes as much as
     * fits, so its first 8 bytes are always there (RFC 5927 4.1). */
    u8_t ports[8];
    u16_t want = e->proto == IP6_NEXTH_TCP ? 8U : 4U;
    if (pbuf_copy_partial(p, ports, want, upper) != want) {
      return false;
    }
    e->sport = get_be16(ports);
    e->dport = get_be16(ports + 2);
    e->tcp_seq = e->proto == IP6_NEXTH_TCP ? get_be32(ports + 4) : 0U;
  }
  return true;
}

/* An error about a packet we sent (RFC 4443 3, RFC 1122 4.1.3.3): hand it
 * to the UDP, TCP and raw PCBs that sent it. */
static void icmp6_error_input(const struct pbuf *p, const struct ip6_rx *rx, u8_t type)
{
  struct ip_icmp_err e;
  memset(&e, 0, sizeof(e));
  u8_t b[ICMP6_HLEN];
  if (pbuf_copy_partial(p, b, sizeof(b), 0) != sizeof(b)) {
    LWIP_DROP(ICMP6_SHORT);
    return;
  }
  if (!icmp6_read_quote(p, rx, &e)) {
    LWIP_DROP(ICMP6_BAD_QUOTE);
    return;
  }
  e.inp = rx->ip.inp;
  e.reporter = rx->ip.src;
  e.type = type;
  e.code = b[ICMP6_OFF_CODE];
  e.info = get_be32(b + ICMP6_OFF_DATA);
  e.err = icmp6_err_code(type, e.code);
  LWIP_LOG(ICMP6, DEBUG, "error type %u code %u about proto %u port %u", type, e.code, e.proto, e.sport);
  bool taken = false;
#if LWIP_UDP
  if (e.proto == IP6_NEXTH_UDP || e.proto == IP6_NEXTH_UDPLITE) {
    taken = udp_icmp_error(&e);
  }
#endif
#if LWIP_TCP
  if (e.proto == IP6_NEXTH_TCP) {
    taken = tcp_icmp_error(&e);
  }
#endif
#if LWIP_RAW
  taken = raw_icmp_error(&e) || taken;
#endif
  if (!taken && type != ICMP6_TYPE_PTB) {
    /* Packet Too Big was acted on already (the path MTU). */
    LWIP_DROP(ICMP6_ERR_UNMATCHED);
  }
}

void icmp6_input(struct pbuf *p, const struct ip6_rx *rx)
{
  STATS_RX(ICMP6);
  int type = pbuf_try_get_at(p, ICMP6_OFF_TYPE);
  if (p->tot_len < 4 || type < 0) {
    LWIP_DROP(ICMP6_SHORT);
    goto out;
  }
  /* The checksum is mandatory and covers the pseudo header (RFC 4443 2.3). */
  if (NETIF_CHECKSUM_ENABLED(rx->ip.inp, NETIF_CHECKSUM_CHECK_ICMP) &&
      ip6_chksum_pseudo(p, IP6_NEXTH_ICMP6, p->tot_len, ip_2_ip6(&rx->ip.src), ip_2_ip6(&rx->ip.dest)) != 0) {
    LWIP_DROP(ICMP6_BAD_CHKSUM);
    goto out;
  }
  switch (type) {
  case ICMP6_TYPE_EREQ:
    if (p->tot_len < ICMP6_HLEN) {
      LWIP_DROP(ICMP6_SHORT);
      break;
    }
    icmp6_echo_reply(p, rx);
    break;
  case ICMP6_TYPE_EREP:
    /* RFC 4443 4.2: for the application that sent the request. */
    if (echo_reply_hook == NULL || p->tot_len < ICMP6_HLEN) {
      LWIP_DROP(ICMP6_UNHANDLED);
      break;
    }
    echo_reply_hook(p, rx, echo_reply_arg);
    break;
  case ICMP6_TYPE_RS:
  case ICMP6_TYPE_RA:
  case ICMP6_TYPE_NS:
  case ICMP6_TYPE_NA:
  case ICMP6_TYPE_RD:
    nd6_input(p, rx);
    return;
  case ICMP6_TYPE_PTB:
    icmp6_ptb_input(p);
    icmp6_error_input(p, rx, (u8_t)type);
    break;
  case ICMP6_TYPE_DUR:
  case ICMP6_TYPE_TE:
  case ICMP6_TYPE_PP:
    icmp6_error_input(p, rx, (u8_t)type);
    break;
  case ICMP6_TYPE_MLQ:
  case ICMP6_TYPE_MLR:
  case ICMP6_TYPE_MLD:
  case ICMP6_TYPE_MLR2:
    mld6_input(p, rx);
    return;
  default:
    /* RFC 4443 2.4(a)/(b): unknown errors go to the upper layer (none
     * listens yet), unknown informational messages are dropped. */
    LWIP_DROP(ICMP6_UNHANDLED);
    break;
  }
out:
  pbuf_free(p);
}
