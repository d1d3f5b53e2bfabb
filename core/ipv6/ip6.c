/**
 * @file ip6.c
 * IPv6 (RFC 8200) for a host: validate the fixed header, walk the
 * extension-header chain once, deliver to the upper protocols, choose
 * source addresses (RFC 6724) and build headers for what we send.
 *
 * Input path: ethernet_input / ip_input -> ip6_input -> ip6_check_header ->
 * ip6_dest_check -> ip6_walk_chain -> ip6_deliver -> icmp6_input ...; a
 * fragment goes to ip6_reass (ip6_frag.c) and the packet it completes walks
 * the chain again; a packet not for us goes to ip6_forward when forwarding
 * is on.
 * Output path: ip6_output -> ip6_route -> ip6_output_if ->
 * ip6_select_source_address -> ip6_send (ip6_frag when over the path MTU)
 * -> ip6_emit -> netif->output_ip6 (ethip6_output).
 */
#include "lwip/ip6.h"
#include "lwip/ip6_frag.h"
#include "lwip/ip4.h"
#include "lwip/icmp6.h"
#include "lwip/nd6.h"
#include "lwip/mld6.h"
#include "lwip/udp.h"
#include "lwip/tcp.h"
#include "lwip/raw.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/init.h"
#include "lwip/priv/ip6_frag_priv.h"
#include <string.h>

void ip6_init(void)
{
}

static bool netif_usable(const struct netif *n)
{
  return netif_is_up(n) && netif_is_link_up(n);
}

/* A usable address slot of @p n holding @p addr (zones ignored), or -1. */
static s8_t usable_addr_idx(const struct netif *n, const ip6_addr_t *addr)
{
  s8_t i = netif_get_ip6_addr_match(n, addr);
  return (i >= 0 && ip6_addr_isvalid(netif_ip6_addr_state(n, i))) ? i : -1;
}

bool ip6_addr_is_ours(const ip6_addr_t *addr)
{
  struct netif *n;
  if (addr == NULL || ip6_addr_isany(addr)) {
    return false;
  }
  NETIF_FOREACH(n)
  {
    if (netif_usable(n) && usable_addr_idx(n, addr) >= 0) {
      return true;
    }
  }
  return false;
}

/* ---------------------------------------------------------------------- */
/* Routing and source address selection                                   */
/* ---------------------------------------------------------------------- */

/* Does @p n have a usable address at all? */
static bool netif_has_ip6(const struct netif *n)
{
  for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (ip6_addr_isvalid(netif_ip6_addr_state(n, i))) {
      return true;
    }
  }
  return false;
}

/* Does a prefix of one of @p n's addresses hold @p dest? */
static bool netif_prefix_holds(const struct netif *n, const ip6_addr_t *dest)
{
  for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    u8_t st = netif_ip6_addr_state(n, i);
    if (!ip6_addr_isinvalid(st) && !ip6_addr_isduplicated(st) && n->ip6_addr_prefix_len[i] > 0 &&
        ip6_addr_prefix_eq(netif_ip6_addr(n, i), dest, n->ip6_addr_prefix_len[i])) {
      return true;
    }
  }
  return false;
}

struct netif *ip6_route(const ip6_addr_t *src, const ip6_addr_t *dest)
{
  struct netif *n;
  if (dest == NULL) {
    return NULL;
  }
  /* A scoped destination leaves by its zone (RFC 4007 6); without one it
   * is ambiguous on a host with several links, and the default netif is
   * the only reasonable guess. */
  if (ip6_addr_has_scope(dest)) {
    if (dest->zone != IP6_NO_ZONE) {
      n = netif_get_by_index(dest->zone);
      return (n != NULL && netif_usable(n)) ? n : NULL;
    }
    if (src != NULL && src->zone != IP6_NO_ZONE) {
      n = netif_get_by_index(src->zone);
      return (n != NULL && netif_usable(n)) ? n : NULL;
    }
    return (netif_default != NULL && netif_usable(netif_default)) ? netif_default : NULL;
  }
  /* The netif that owns the source, when it can reach the destination. */
  if (src != NULL && !ip6_addr_isany(src)) {
    NETIF_FOREACH(n)
    {
      if (netif_usable(n) && usable_addr_idx(n, src) >= 0 &&
          (netif_prefix_holds(n, dest) || nd6_has_default_router(n) || ip6_addr_ismulticast(dest))) {
        return n;
      }
    }
  }
  if (!ip6_addr_ismulticast(dest)) {
    NETIF_FOREACH(n)
    {
      if (netif_usable(n) && netif_prefix_holds(n, dest)) {
        return n;
      }
    }
    NETIF_FOREACH(n)
    {
      if (netif_usable(n) && nd6_has_default_router(n)) {
        return n;
      }
    }
  }
  if (netif_default != NULL && netif_usable(netif_default) && netif_has_ip6(netif_default)) {
    return netif_default;
  }
  return NULL;
}

/* RFC 6724 3.1 scope of a unicast address (loopback and link-local are
 * link-local scope, everything else global; ULAs count as global) or of a
 * multicast group (its scope field). */
static u8_t addr_scope(const ip6_addr_t *a)
{
  if (ip6_addr_ismulticast(a)) {
    return ip6_multicast_scope(a);
  }
  if (ip6_addr_islinklocal(a) || ip6_addr_isloopback(a)) {
    return IP6_MULTICAST_SCOPE_LINK_LOCAL;
  }
  return IP6_MULTICAST_SCOPE_GLOBAL;
}

/* RFC 6724 2.1 default policy table: the label of an address. */
static u8_t addr_label(const ip6_addr_t *a)
{
  u32_t w0 = lwip_ntohl(a->addr[0]);
  if (ip6_addr_isloopback(a)) {
    return 0;
  }
  if (ip6_addr_isipv4mapped(a)) {
    return 4;
  }
  if ((w0 >> 16) == 0x2002U) {
    return 2; /* 6to4 */
  }
  if (w0 == 0x20010000UL) {
    return 5; /* Teredo 2001::/32 */
  }
  if ((w0 >> 25) == (0xfc000000UL >> 25)) {
    return 13; /* ULA fc00::/7 */
  }
  if (a->addr[0] == 0 && a->addr[1] == 0 && a->addr[2] == 0) {
    return 3; /* IPv4-compatible ::/96 */
  }
  if ((w0 >> 22) == (0xfec00000UL >> 22)) {
    return 11; /* site-local fec0::/10 */
  }
  if ((w0 >> 16) == 0x3ffeU) {
    return 12; /* 6bone */
  }
  return 1;
}

/* RFC 6724 5: is candidate @p a (slot ia) better than @p b (slot ib)? */
static bool source_better(const struct netif *n, s8_t ia, s8_t ib, const ip6_addr_t *d)
{
  const ip6_addr_t *a = netif_ip6_addr(n, ia);
  const ip6_addr_t *b = netif_ip6_addr(n, ib);
  /* Rule 1: prefer the same address. */
  if (ip6_addr_eq_nozone(a, d) != ip6_addr_eq_nozone(b, d)) {
    return ip6_addr_eq_nozone(a, d);
  }
  /* Rule 2: prefer the appropriate scope. */
  u8_t sa = addr_scope(a), sb = addr_scope(b), sd = addr_scope(d);
  if (sa != sb) {
    if (sa < sb) {
      return sa >= sd;
    }
    return sb < sd;
  }
  /* Rule 3: avoid deprecated addresses. */
  bool pa = ip6_addr_ispreferred(netif_ip6_addr_state(n, ia));
  bool pb = ip6_addr_ispreferred(netif_ip6_addr_state(n, ib));
  if (pa != pb) {
    return pa;
  }
  /* Rules 4 (home addresses), 5 (outgoing interface: all are) and 7
   * (temporary addresses) do not apply.  Rule 6: matching label. */
  u8_t ld = addr_label(d);
  bool la = addr_label(a) == ld, lb = addr_label(b) == ld;
  if (la != lb) {
    return la;
  }
  /* Rule 8: longest matching prefix, counted up to the candidate's own
   * prefix length (RFC 6724 2.2 CommonPrefixLen). */
  u8_t ca = ip6_addr_common_prefix_len(a, d), cb = ip6_addr_common_prefix_len(b, d);
  ca = LWIP_MIN(ca, n->ip6_addr_prefix_len[ia]);
  cb = LWIP_MIN(cb, n->ip6_addr_prefix_len[ib]);
  return ca > cb;
}

const ip_addr_t *ip6_select_source_address(const struct netif *netif, const ip6_addr_t *dest)
{
  s8_t best = -1;
  if (netif == NULL || dest == NULL) {
    return NULL;
  }
  for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (!ip6_addr_isvalid(netif_ip6_addr_state(netif, i))) {
      continue;
    }
    if (best < 0 || source_better(netif, i, best, dest)) {
      best = i;
    }
  }
  return best >= 0 ? netif_ip_addr6(netif, best) : NULL;
}

/* ---------------------------------------------------------------------- */
/* Output                                                                  */
/* ---------------------------------------------------------------------- */

static void ip6_write_header(u8_t *h, u16_t plen, const ip6_addr_t *src, const ip6_addr_t *dest, u8_t hl, u8_t tc,
                             u8_t nexth)
{
  /* Flow label 0: RFC 6437 lets a host that does not label flows send 0. */
  put_be32(h + IP6_OFF_VTCFL, (6UL << 28) | ((u32_t)tc << 20));
  put_be16(h + IP6_OFF_PLEN, plen);
  h[IP6_OFF_NEXTH] = nexth;
  h[IP6_OFF_HOPLIM] = hl;
  memcpy(h + IP6_OFF_SRC, src->addr, IP6_ADDR_LEN);
  memcpy(h + IP6_OFF_DEST, dest->addr, IP6_ADDR_LEN);
}

/* Hand a finished packet or fragment (payload at its IPv6 header, no larger
 * than the link takes) to the netif.  Does not take ownership. */
static err_t ip6_emit(struct pbuf *q, const ip6_addr_t *dest, struct netif *netif)
{
  ip6_addr_t next_hop;
  if (!nd6_next_hop(netif, dest, &next_hop)) {
    LWIP_DROP(IP6_NO_ROUTE);
    return ERR_RTE;
  }
  if (netif->output_ip6 == NULL) {
    return ERR_IF;
  }
  STATS_TX(IP6);
  return netif->output_ip6(netif, q, &next_hop);
}

/* Send a packet we originate (payload at its IPv6 header): looped back when
 * it is for one of our addresses, fragmented when over the path MTU (RFC
 * 8200 5: a source fragments; icmp6_path_mtu is never below 1280). */
static err_t ip6_send(struct pbuf *q, const ip6_addr_t *dest, struct netif *netif)
{
#if LWIP_LOOPBACK
  if (!ip6_addr_ismulticast(dest) && usable_addr_idx(netif, dest) >= 0) {
    STATS_TX(IP6);
    return netif_loop_output(netif, q);
  }
#endif
  if (netif->mtu != 0) {
    u16_t mtu = icmp6_path_mtu(netif, dest);
    /* A TSO packet (gso_size set) is cut into segments by the device. */
    if (q->tot_len > mtu && !NETIF_GSO_TAKES(netif, q)) {
      return ip6_frag(q, dest, netif, mtu, ip6_emit);
    }
  }
  return ip6_emit(q, dest, netif);
}

err_t ip6_output_if_src(struct pbuf *p, const ip6_addr_t *src, const ip6_addr_t *dest, u8_t hl, u8_t tc, u8_t nexth,
                        struct netif *netif)
{
  LWIP_ERROR_RET("ip6_output_if_src: args", p != NULL && netif != NULL && dest != NULL, ERR_ARG);
  if (!netif_usable(netif)) {
    LWIP_DROP(IP6_NETIF_DOWN);
    return ERR_RTE;
  }
  if (p->tot_len > 0xffffU - IP6_HLEN) {
    return ERR_VAL;
  }
  ip6_addr_t any;
  ip6_addr_set_zero(&any);
  if (src == NULL) {
    src = &any;
  }
  struct pbuf *q = p;
  if (pbuf_add_header(p, IP6_HLEN) != 0) {
    q = pbuf_alloc(PBUF_LINK, IP6_HLEN, PBUF_RAM);
    if (q == NULL) {
      LWIP_DROP(IP6_NO_MEM);
      return ERR_MEM;
    }
    pbuf_chain(q, p);
    q->gso_size = p->gso_size; /* the device reads the offload marks from the first pbuf */
    q->flags |= p->flags & PBUF_FLAG_CSUM_PARTIAL;
  }
  ip6_write_header((u8_t *)q->payload, (u16_t)(q->tot_len - IP6_HLEN), src, dest, hl, tc, nexth);
  LWIP_LOG(IP6, TRACE, "out nexth %u len %u via %c%c%u", nexth, q->tot_len, netif->name[0], netif->name[1], netif->num);
  err_t err = ip6_send(q, dest, netif);
  if (q == p) {
    pbuf_remove_header(p, IP6_HLEN);
  } else {
    pbuf_free(q);
  }
  return err;
}

err_t ip6_output_if(struct pbuf *p, const ip6_addr_t *src, const ip6_addr_t *dest, u8_t hl, u8_t tc, u8_t nexth,
                    struct netif *netif)
{
  LWIP_ERROR_RET("ip6_output_if: args", p != NULL && netif != NULL && dest != NULL, ERR_ARG);
  if (src == NULL || ip6_addr_isany(src)) {
    const ip_addr_t *sel = ip6_select_source_address(netif, dest);
    if (sel == NULL) {
      LWIP_DROP(IP6_NO_SOURCE);
      return ERR_RTE;
    }
    src = ip_2_ip6(sel);
  }
  return ip6_output_if_src(p, src, dest, hl, tc, nexth, netif);
}

err_t ip6_output(struct pbuf *p, const ip6_addr_t *src, const ip6_addr_t *dest, u8_t hl, u8_t tc, u8_t nexth)
{
  LWIP_ERROR_RET("ip6_output: args", p != NULL && dest != NULL, ERR_ARG);
  struct netif *netif = ip6_route(src, dest);
  if (netif == NULL) {
    LWIP_DROP(IP6_NO_ROUTE);
    return ERR_RTE;
  }
  return ip6_output_if(p, src, dest, hl, tc, nexth, netif);
}

/* ---------------------------------------------------------------------- */
/* Input                                                                   */
/* ---------------------------------------------------------------------- */

/* RFC 8200 3 and RFC 4291 on the fixed header.  @return the drop reason,
 * or LWIP_DROP_COUNT when the header is fine; the 40 bytes are contiguous
 * in the first pbuf and link-layer padding is trimmed. */
static int ip6_check_header(struct pbuf **pp)
{
  struct pbuf *p = *pp;
  if (p->tot_len < IP6_HLEN) {
    return LWIP_DROP_IP6_SHORT;
  }
  if ((pbuf_try_get_at(p, IP6_OFF_VTCFL) >> 4) != 6) {
    return LWIP_DROP_IP6_BAD_VERSION;
  }
  if (p->len < IP6_HLEN) {
    u8_t flags = p->flags;
    u8_t if_idx = p->if_idx;
    p = *pp = pbuf_coalesce(p, PBUF_RAW);
    if (p->len < IP6_HLEN) {
      return LWIP_DROP_IP6_NO_MEM;
    }
    p->flags = flags;
    p->if_idx = if_idx;
  }
  const u8_t *h = (const u8_t *)p->payload;
  u16_t plen = get_be16(h + IP6_OFF_PLEN);
  /* Payload length 0 announces a jumbogram (RFC 2675), which no link we
   * run on can carry. */
  if (plen == 0 && h[IP6_OFF_NEXTH] != IP6_NEXTH_NONE) {
    return LWIP_DROP_IP6_BAD_PLEN;
  }
  if ((u32_t)plen + IP6_HLEN > p->tot_len) {
    return LWIP_DROP_IP6_BAD_PLEN;
  }
  if ((u32_t)plen + IP6_HLEN < p->tot_len) {
    pbuf_realloc(p, (u16_t)(plen + IP6_HLEN));
  }
  return LWIP_DROP_COUNT;
}

/* Is the packet for us?  @return LWIP_DROP_COUNT when it is, else the drop
 * reason.  Sets rx->ip.is_multicast. */
static int ip6_dest_check(struct ip6_rx *rx)
{
  struct netif *inp = rx->ip.inp;
  const ip6_addr_t *dest = ip_2_ip6(&rx->ip.dest);

  if (ip6_addr_ismulticast(dest)) {
    rx->ip.is_multicast = true;
    /* RFC 4291 2.7: interface-local scope never crosses a link. */
    if (ip6_multicast_scope(dest) == IP6_MULTICAST_SCOPE_INTERFACE_LOCAL || ip6_multicast_scope(dest) == 0) {
      return LWIP_DROP_IP6_BAD_DEST;
    }
    if (ip6_addr_isallnodes_linklocal(dest)) {
      return LWIP_DROP_COUNT;
    }
    /* The groups the netif listens to (mld6.c): the solicited-node group
     * of each address, tentative ones included so DAD hears the
     * solicitations of others (RFC 4862 5.4.3), and those applications
     * joined. */
    return mld6_netif_has_group(inp, dest) ? LWIP_DROP_COUNT : LWIP_DROP_IP6_NOT_JOINED;
  }
  if (ip6_addr_isany(dest) || ip6_addr_isloopback(dest)) {
    /* ::1 from a wire is a martian (RFC 4291 2.5.3). */
#if LWIP_LOOPBACK
    if (ip6_addr_isloopback(dest) && inp == netif_loopback) {
      return LWIP_DROP_COUNT;
    }
#endif
    return LWIP_DROP_IP6_BAD_DEST;
  }
  /* A link-local destination is only ours on its own link; a global one
   * on any netif (the weak host model, as for IPv4). */
  s8_t i = netif_get_ip6_addr_match(inp, dest);
  if (i >= 0) {
    return ip6_addr_isvalid(netif_ip6_addr_state(inp, i)) ? LWIP_DROP_COUNT : LWIP_DROP_IP6_TENTATIVE;
  }
  if (!ip6_addr_islinklocal(dest)) {
    struct netif *n;
    NETIF_FOREACH(n)
    {
      if (n != inp && netif_is_up(n) && usable_addr_idx(n, dest) >= 0) {
        return LWIP_DROP_COUNT;
      }
    }
  }
  return LWIP_DROP_IP6_NOT_FOR_US;
}

/* Result of a step of the chain walk. */
struct chain_err {
  int drop;      /* LWIP_DROP_COUNT: none */
  s8_t pp_code;  /* Parameter Problem code to send, -1: none */
  bool pp_mcast; /* the error may answer a multicast (RFC 4443 2.4(e.3)) */
  u32_t pp_ptr;  /* offset of the offending byte */
};

static void chain_fail(struct chain_err *e, int drop, s8_t code, u32_t ptr)
{
  e->drop = drop;
  e->pp_code = code;
  e->pp_ptr = ptr;
}

/* Process the options of a Hop-by-Hop or Destination Options header of
 * @p hlen bytes at @p h (offset @p off in the packet): RFC 8200 4.2, with
 * the RFC 8504 5.3 limits.  @return true when the packet goes on. */
static bool ip6_process_options(const u8_t *h, u16_t hlen, u16_t off, bool hbh, struct ip6_rx *rx, struct chain_err *e)
{
  u16_t i = 2;
  int opts = 0, pad_run = 0;
  while (i < hlen) {
    u8_t type = h[i];
    if (type == IP6_OPT_PAD1) {
      if (++pad_run > IP6_PAD_MAX) {
        chain_fail(e, LWIP_DROP_IP6_TOO_MANY_OPTS, -1, 0);
        return false;
      }
      i++;
      continue;
    }
    if (i + IP6_OPT_HLEN > hlen || i + IP6_OPT_HLEN + h[i + 1] > hlen) {
      chain_fail(e, LWIP_DROP_IP6_BAD_OPTION, ICMP6_PP_FIELD, (u32_t)off + i + 1U);
      return false;
    }
    u8_t dlen = h[i + 1];
    if (type == IP6_OPT_PADN) {
      pad_run += IP6_OPT_HLEN + dlen;
      if (pad_run > IP6_PAD_MAX) {
        chain_fail(e, LWIP_DROP_IP6_TOO_MANY_OPTS, -1, 0);
        return false;
      }
      i = (u16_t)(i + IP6_OPT_HLEN + dlen);
      continue;
    }
    pad_run = 0;
    if (++opts > IP6_OPTS_MAX) {
      chain_fail(e, LWIP_DROP_IP6_TOO_MANY_OPTS, -1, 0);
      return false;
    }
    if (hbh && type == IP6_OPT_ROUTER_ALERT) {
      if (dlen != 2) {
        chain_fail(e, LWIP_DROP_IP6_BAD_OPTION, ICMP6_PP_FIELD, (u32_t)off + i + 1U);
        return false;
      }
      rx->router_alert = true;
      rx->router_alert_value = get_be16(h + i + 2);
    } else {
      /* RFC 8200 4.2: the two high bits of an unknown type say what to do. */
      switch (IP6_OPT_ACTION(type)) {
      case IP6_OPT_ACTION_SKIP:
        break;
      case IP6_OPT_ACTION_DISCARD:
        chain_fail(e, LWIP_DROP_IP6_OPT_DISCARD, -1, 0);
        return false;
      case IP6_OPT_ACTION_ICMP:
        chain_fail(e, LWIP_DROP_IP6_OPT_DISCARD, ICMP6_PP_OPTION, (u32_t)off + i);
        e->pp_mcast = true;
        return false;
      default: /* IP6_OPT_ACTION_ICMP_UNICAST */
        chain_fail(e, LWIP_DROP_IP6_OPT_DISCARD, rx->ip.is_multicast ? -1 : ICMP6_PP_OPTION, (u32_t)off + i);
        return false;
      }
    }
    i = (u16_t)(i + IP6_OPT_HLEN + dlen);
  }
  return true;
}

/* Walk the extension headers after the fixed header once (RFC 8200 4.1).
 * On success rx->ip.hdr_len is the offset and rx->ip.proto the value of
 * the upper-layer header.  @return true when the packet goes on. */
static bool ip6_walk_chain(const struct pbuf *p, struct ip6_rx *rx, struct chain_err *e)
{
  u8_t nexth = ((const u8_t *)p->payload)[IP6_OFF_NEXTH];
  u16_t nexth_off = IP6_OFF_NEXTH;
  u16_t off = IP6_HLEN;
  u8_t buf[IP6_OPT_HDR_MAX];

  for (;;) {
    switch (nexth) {
    case IP6_NEXTH_HOPBYHOP:
    case IP6_NEXTH_DESTOPTS:
    case IP6_NEXTH_ROUTING:
    case IP6_NEXTH_FRAGMENT:
      break;
    default:
      rx->ip.proto = nexth;
      rx->ip.hdr_len = off;
      rx->nexth_off = nexth_off;
      return true;
    }
    if (nexth == IP6_NEXTH_HOPBYHOP && off != IP6_HLEN) {
      /* RFC 8200 4.1: Hop-by-Hop only right after the IPv6 header; anywhere
       * else its value is an unrecognized Next Header. */
      chain_fail(e, LWIP_DROP_IP6_HBH_NOT_FIRST, ICMP6_PP_HEADER, nexth_off);
      return false;
    }
    if (++rx->n_ext > IP6_EXT_HDRS_MAX) {
      chain_fail(e, LWIP_DROP_IP6_CHAIN_TOO_LONG, -1, 0);
      return false;
    }
    u8_t two[2];
    if (pbuf_copy_partial(p, two, 2, off) != 2) {
      chain_fail(e, LWIP_DROP_IP6_BAD_EXT_HDR, -1, 0);
      return false;
    }
    u16_t hlen = nexth == IP6_NEXTH_FRAGMENT ? IP6_FRAG_HLEN : (u16_t)((two[IP6_EXT_OFF_LEN] + 1U) * 8U);
    if ((u32_t)off + hlen > p->tot_len) {
      chain_fail(e, LWIP_DROP_IP6_BAD_EXT_HDR, -1, 0);
      return false;
    }
    /* Routing and Fragment headers are read only in their first 8 bytes;
     * an options header longer than the RFC 8504 limit is refused. */
    bool opts_hdr = nexth == IP6_NEXTH_HOPBYHOP || nexth == IP6_NEXTH_DESTOPTS;
    if (opts_hdr && hlen > IP6_OPT_HDR_MAX) {
      chain_fail(e, LWIP_DROP_IP6_TOO_MANY_OPTS, -1, 0);
      return false;
    }
    const u8_t *h = (const u8_t *)pbuf_get_contiguous(p, buf, sizeof(buf), opts_hdr ? hlen : 8, off);
    if (h == NULL) {
      chain_fail(e, LWIP_DROP_IP6_BAD_EXT_HDR, -1, 0);
      return false;
    }
    switch (nexth) {
    case IP6_NEXTH_HOPBYHOP:
    case IP6_NEXTH_DESTOPTS:
      if (!ip6_process_options(h, hlen, off, nexth == IP6_NEXTH_HOPBYHOP, rx, e)) {
        return false;
      }
      break;
    case IP6_NEXTH_ROUTING:
      /* RFC 8200 4.4: with no segments left the header is ignored.  A host
       * processes no routing type (type 0 is deprecated by RFC 5095, the
       * others are for routers or mobility), so any with segments left is
       * answered as an unrecognized type, pointing at the type field. */
      if (h[IP6_RH_OFF_SEGLEFT] != 0) {
        chain_fail(e, LWIP_DROP_IP6_ROUTING_HDR, ICMP6_PP_FIELD, (u32_t)off + IP6_RH_OFF_TYPE);
        return false;
      }
      break;
    default: { /* IP6_NEXTH_FRAGMENT */
      u16_t offm = get_be16(h + IP6_FRAG_OFF_OFFSET);
      if ((offm & (IP6_FRAG_OFFSET_MASK | IP6_FRAG_MORE)) != 0) {
        /* A real fragment: what follows is not all here, so the walk
         * stops and reassembly (ip6_frag.c) takes it, the Fragment header
         * standing for the upper layer.  A packet that is itself the
         * product of reassembly may not hold another one. */
        if (rx->reassembled) {
          chain_fail(e, LWIP_DROP_IP6_FRAG_NESTED, -1, 0);
          return false;
        }
        rx->ip.proto = IP6_NEXTH_FRAGMENT;
        rx->ip.hdr_len = off;
        rx->nexth_off = nexth_off;
        return true;
      }
      /* RFC 6946: an atomic fragment (offset 0, no more fragments) is the
       * whole datagram; it is processed on its own, never merged. */
      rx->atomic_frag = true;
      break;
    }
    }
    nexth_off = off; /* every extension header starts with its Next Header */
    nexth = h[IP6_EXT_OFF_NEXTH];
    off = (u16_t)(off + hlen);
  }
}

/* The upper-layer protocols: the one place a new one is plugged in. */
static const struct ip6_protocol {
  u8_t nexth;
  ip6_proto_input_fn input;
} ip6_protocols[] = {
    {.nexth = IP6_NEXTH_ICMP6, .input = icmp6_input},
#if LWIP_UDP
    {.nexth = IP_PROTO_UDP, .input = udp6_input},
#if LWIP_UDPLITE
    {.nexth = IP_PROTO_UDPLITE, .input = udp6_input},
#endif
#endif
#if LWIP_TCP
    {.nexth = IP_PROTO_TCP, .input = tcp6_input},
#endif
};

/* Deliver a packet for us (payload at its IPv6 header): raw PCBs first
 * (they see the header, as on IPv4), then the protocol table, else
 * Parameter Problem.  Takes ownership of @p p. */
static void ip6_deliver(struct pbuf *p, struct ip6_rx *rx)
{
#if LWIP_RAW
  raw_input_state_t raw = raw_input(p, &rx->ip);
  if (raw == RAW_INPUT_EATEN) {
    return;
  }
#else
  bool raw = false;
#endif
  const struct ip6_protocol *proto = NULL;
  for (size_t i = 0; i < LWIP_ARRAYSIZE(ip6_protocols); i++) {
    if (ip6_protocols[i].nexth == rx->ip.proto) {
      proto = &ip6_protocols[i];
    }
  }
  if (proto != NULL) {
    pbuf_remove_header(p, rx->ip.hdr_len);
    proto->input(p, rx);
    return;
  }
  if (raw) {
    /* A raw PCB saw it: the application handles the protocol. */
    pbuf_free(p);
    return;
  }
  if (rx->ip.proto == IP6_NEXTH_NONE) {
    /* RFC 8200 4.7: nothing follows; not an error. */
    LWIP_DROP(IP6_NO_NEXT_HEADER);
    pbuf_free(p);
    return;
  }
  /* RFC 8200 4: an unrecognized Next Header is answered with Parameter
   * Problem code 1 pointing at the field that named it. */
  LWIP_LOG(IP6, DEBUG, "next header %u not handled", rx->ip.proto);
  LWIP_DROP(IP6_UNKNOWN_NEXTH);
  icmp6_param_problem(p, rx, ICMP6_PP_HEADER, rx->nexth_off);
  pbuf_free(p);
}

/* ---------------------------------------------------------------------- */
/* Forwarding (RFC 8200 3, RFC 4443 3, RFC 4291 2.5.6)                      */
/* ---------------------------------------------------------------------- */

#if LWIP_IP_FORWARD
/* IPv6 forwarding follows IPv4's switch (ip4_set_forwarding, the daemon's
 * ip.forward): a node routes both families or neither. */
static bool ip6_forwarding_on(void)
{
  return ip4_forwarding();
}

/* An error about a packet being forwarded must know its upper layer, so
 * that no error is sent about an ICMPv6 error (RFC 4443 2.4(e.1)): the
 * extension headers are skipped, not processed (they are not for us). */
static void forward_error_ctx(const struct pbuf *p, const struct ip6_rx *rx, struct ip6_rx *ectx)
{
  *ectx = *rx;
  u8_t proto;
  u16_t off;
  if (ip6_skip_ext_headers(p, ((const u8_t *)p->payload)[IP6_OFF_NEXTH], IP6_HLEN, &proto, &off)) {
    ectx->ip.proto = proto;
    ectx->ip.hdr_len = off;
  }
}

/* Forward @p p (payload at its checked IPv6 header, not for us, not to a
 * multicast group) towards its destination.  Takes ownership of @p p. */
static void ip6_forward(struct pbuf *p, const struct ip6_rx *rx)
{
  const ip6_addr_t *src = ip_2_ip6(&rx->ip.src);
  const ip6_addr_t *dest = ip_2_ip6(&rx->ip.dest);
  struct ip6_rx ectx;
  forward_error_ctx(p, rx, &ectx);

  /* RFC 4291 2.5.2: the unspecified source is never forwarded; 2.5.6:
   * link-local addresses never leave their link (a link-local source to a
   * wider destination is told so, RFC 4443 3.1 code 2).  Multicast is not
   * routed by this stack. */
  if (ip6_addr_isany(src) || ip6_addr_islinklocal(dest) || ip6_addr_ismulticast(dest) || rx->ip.is_multicast) {
    LWIP_DROP(IP6_NO_FORWARD);
    goto out;
  }
  if (ip6_addr_islinklocal(src)) {
    LWIP_DROP(IP6_NO_FORWARD);
    icmp6_dest_unreach(p, &ectx, ICMP6_DUR_SCOPE);
    goto out;
  }
  /* RFC 8200 3, RFC 4443 3.3: a packet whose hop limit would reach zero is
   * discarded with Time Exceeded code 0. */
  if (rx->ip.ttl <= 1) {
    LWIP_DROP(IP6_HOPLIM_EXCEEDED);
    icmp6_time_exceeded(p, &ectx, ICMP6_TE_HL);
    goto out;
  }
  struct netif *out = ip6_route(NULL, dest);
  ip6_addr_t next_hop;
  if (out == NULL || !nd6_next_hop(out, dest, &next_hop)) {
    LWIP_DROP(IP6_NO_ROUTE);
    icmp6_dest_unreach(p, &ectx, ICMP6_DUR_NO_ROUTE);
    goto out;
  }
  /* Back out the link it came from would call for a Redirect (RFC 4861
   * 8.2), which this stack does not send. */
  if (out == rx->ip.inp) {
    LWIP_DROP(IP6_NO_FORWARD);
    goto out;
  }
  /* RFC 8200 5: routers never fragment; the source is told the MTU (the
   * link's IPv6 MTU, which an RA may have lowered, RFC 4861 6.3.4). */
  if (netif_mtu6(out) != 0 && p->tot_len > netif_mtu6(out)) {
    LWIP_DROP(IP6_FWD_TOO_BIG);
    icmp6_packet_too_big(p, &ectx, netif_mtu6(out));
    goto out;
  }
  /* ip6_check_header made the fixed header contiguous, and the packet is
   * ours to change now that it is being sent on. */
  ((u8_t *)p->payload)[IP6_OFF_HOPLIM] = (u8_t)(rx->ip.ttl - 1U);
  STATS_INC(IP6, fw);
  LWIP_LOG(IP6, TRACE, "forward len %u via %c%c%u", p->tot_len, out->name[0], out->name[1], out->num);
  ip6_emit(p, dest, out);
out:
  pbuf_free(p);
}
#endif /* LWIP_IP_FORWARD */

/* The fields of @p rx that come from the fixed header at @p h. */
static void ip6_rx_header_fields(struct ip6_rx *rx, const u8_t *h)
{
  u32_t vtcfl = get_be32(h + IP6_OFF_VTCFL);
  rx->ip.tos = (u8_t)(vtcfl >> 20);
  rx->flow_label = vtcfl & 0xfffffUL;
  rx->ip.ttl = h[IP6_OFF_HOPLIM];
}

/* The receive context of the packet @p p reassembly completed: netif,
 * addresses and multicast flag as for its fragments (which share them),
 * the rest from its own header and chain, walked afresh. */
static void ip6_rx_reassembled(struct ip6_rx *rx, const struct pbuf *p)
{
  struct ip_rx ip = rx->ip;
  memset(rx, 0, sizeof(*rx));
  rx->ip.inp = ip.inp;
  rx->ip.src = ip.src;
  rx->ip.dest = ip.dest;
  rx->ip.is_multicast = ip.is_multicast;
  rx->reassembled = true;
  ip6_rx_header_fields(rx, (const u8_t *)p->payload);
}

/* Walk the chain of @p p and deliver it; a fragment goes to reassembly
 * and the packet it completes (if any) comes back here.  Takes ownership
 * of @p p. */
static void ip6_process(struct pbuf *p, struct ip6_rx *rx)
{
  struct chain_err e = {.drop = LWIP_DROP_COUNT, .pp_code = -1};
  if (!ip6_walk_chain(p, rx, &e)) {
#if LWIP_STATS || LWIP_DEBUG
    lwip_drop((enum lwip_drop_reason)e.drop);
#endif
    if (e.pp_code >= 0 && (!rx->ip.is_multicast || e.pp_mcast)) {
      icmp6_param_problem(p, rx, (u8_t)e.pp_code, e.pp_ptr);
    }
    pbuf_free(p);
    return;
  }
  if (rx->ip.proto == IP6_NEXTH_FRAGMENT) {
    struct pbuf *whole = ip6_reass(p, rx);
    if (whole != NULL) {
      /* A second pass at most: rx->reassembled refuses another fragment. */
      ip6_rx_reassembled(rx, whole);
      ip6_process(whole, rx);
    }
    return;
  }
  LWIP_LOG(IP6, TRACE, "in nexth %u len %u", rx->ip.proto, p->tot_len);
  ip6_deliver(p, rx);
}

err_t ip6_input(struct pbuf *p, struct netif *inp)
{
  LWIP_ERROR_RET("ip6_input: args", p != NULL && inp != NULL, ERR_ARG);
  STATS_RX(IP6);
  int bad = ip6_check_header(&p);
  if (bad != LWIP_DROP_COUNT) {
    goto drop;
  }
  const u8_t *h = (const u8_t *)p->payload;
  struct ip6_rx rx;
  memset(&rx, 0, sizeof(rx));
  rx.ip.inp = inp;
  ip6_addr_t src, dest;
  memset(&src, 0, sizeof(src));
  memset(&dest, 0, sizeof(dest));
  memcpy(src.addr, h + IP6_OFF_SRC, IP6_ADDR_LEN);
  memcpy(dest.addr, h + IP6_OFF_DEST, IP6_ADDR_LEN);
  if (ip6_addr_has_scope(&src)) {
    src.zone = netif_get_index(inp);
  }
  if (ip6_addr_has_scope(&dest)) {
    dest.zone = netif_get_index(inp);
  }
  memset(&rx.ip.src, 0, sizeof(rx.ip.src));
  memset(&rx.ip.dest, 0, sizeof(rx.ip.dest));
  *ip_2_ip6(&rx.ip.src) = src;
  *ip_2_ip6(&rx.ip.dest) = dest;
  rx.ip.src.type = IPADDR_TYPE_V6;
  rx.ip.dest.type = IPADDR_TYPE_V6;
  ip6_rx_header_fields(&rx, h);

  /* RFC 4291 2.7: a multicast address is never a source; ::1 never
   * arrives from a wire (2.5.3). */
  if (ip6_addr_ismulticast(&src)) {
    bad = LWIP_DROP_IP6_BAD_SRC;
    goto drop;
  }
  if (ip6_addr_isloopback(&src)) {
#if LWIP_LOOPBACK
    if (inp != netif_loopback)
#endif
    {
      bad = LWIP_DROP_IP6_BAD_SRC;
      goto drop;
    }
  }
  bad = ip6_dest_check(&rx);
#if LWIP_IP_FORWARD
  if (bad == LWIP_DROP_IP6_NOT_FOR_US && ip6_forwarding_on() && !rx.ip.is_multicast) {
    ip6_forward(p, &rx);
    return ERR_OK;
  }
#endif
  if (bad != LWIP_DROP_COUNT) {
    goto drop;
  }
  ip6_process(p, &rx);
  return ERR_OK;

drop:
#if LWIP_STATS || LWIP_DEBUG
  lwip_drop((enum lwip_drop_reason)bad);
#endif
  pbuf_free(p);
  return ERR_OK;
}
