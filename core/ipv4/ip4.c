/**
 * @file ip4.c
 * IPv4 (RFC 791) with the host requirements of RFC 1122 section 3.2.1:
 * validate every received header, reassemble fragments, deliver to the
 * transport protocols or forward, and build headers for what we send.
 *
 * Input path: ip_input -> ip4_input -> (ip4_reass) -> raw_input ->
 * udp_input / icmp_input / igmp_input, or ip4_forward.
 * Output path: ip4_output -> ip4_route_src -> ip4_output_if_src ->
 * (ip4_frag) -> netif->output.
 */
#include "lwip/ip4.h"
#include "lwip/ip4_frag.h"
#if LWIP_IPV6
#include "lwip/ip6.h"
#endif
#include "lwip/icmp.h"
#include "lwip/igmp.h"
#include "lwip/udp.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/inet_chksum.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/udp.h"
#include "lwip/priv/init.h"
#include "lwip/priv/pbuf_priv.h"
#include <string.h>

/** DHCP client port (RFC 2131 4.1): unicast to it is accepted on a netif
 *  that has no address yet, because servers may send an offer to the
 *  address they are offering. */
#define DHCP_CLIENT_PORT 68

static u16_t ip_id;
#if LWIP_IP_FORWARD
static bool forwarding;
#endif

void ip4_init(void)
{
  /* A random start makes our IDs unpredictable across restarts (RFC 6864
   * discusses why predictable IDs help off-path attackers). */
  ip_id = (u16_t)lwip_port_rand();
#if LWIP_IP_FORWARD
  forwarding = false;
#endif
}

u16_t ip4_next_id(void)
{
  return ip_id++;
}

err_t ip4_set_forwarding(bool on)
{
#if LWIP_IP_FORWARD
  forwarding = on;
  LWIP_LOG(IP4, INFO, "forwarding %s", on ? "on" : "off");
  return ERR_OK;
#else
  LWIP_UNUSED_ARG(on);
  return ERR_VAL;
#endif
}

bool ip4_forwarding(void)
{
#if LWIP_IP_FORWARD
  return forwarding;
#else
  return false; /* ip4_set_forwarding() refuses to turn it on */
#endif
}

static bool netif_usable(const struct netif *n)
{
  return netif_is_up(n) && netif_is_link_up(n);
}

bool ip4_addr_is_ours(const ip4_addr_t *addr)
{
  struct netif *n;
  if (addr == NULL || ip4_addr_isany(addr)) {
    return false;
  }
#if LWIP_LOOPBACK
  if (ip4_addr_isloopback(addr)) {
    return true;
  }
#endif
  NETIF_FOREACH(n) {
    if (netif_usable(n) && ip4_addr_eq(addr, netif_ip4_addr(n))) {
      return true;
    }
  }
  return false;
}

/* ---------------------------------------------------------------------- */
/* Routing                                                                 */
/* ---------------------------------------------------------------------- */

struct netif *ip4_route(const ip4_addr_t *dest)
{
  struct netif *n, *best = NULL;
  u8_t best_len = 0;

  if (dest == NULL) {
    return NULL;
  }
  /* Multicast and limited broadcast have no subnet: they leave by the
   * default netif (applications choose another with the *_if calls). */
  if (!ip4_addr_ismulticast(dest) && !ip4_addr_islimitedbroadcast(dest)) {
    NETIF_FOREACH(n) {
      if (!netif_usable(n) || ip4_addr_isany(netif_ip4_addr(n))) {
        continue;
      }
      if (ip4_addr_net_eq(dest, netif_ip4_addr(n), netif_ip4_netmask(n))) {
        u8_t len = ip4_addr_netmask_prefix(netif_ip4_netmask(n));
        if (best == NULL || len > best_len) {
          best = n;
          best_len = len;
        }
      }
    }
    if (best != NULL) {
      return best;
    }
  }
#if LWIP_LOOPBACK
  /* 127/8 never leaves the host (RFC 1122 3.2.1.3). */
  if (ip4_addr_isloopback(dest)) {
    return netif_loopback;
  }
#endif
  if (netif_default != NULL && netif_usable(netif_default)) {
    return netif_default;
  }
  return NULL;
}

/* Can @p n reach @p dest directly or through its gateway? */
static bool netif_reaches(const struct netif *n, const ip4_addr_t *dest)
{
  return ip4_addr_net_eq(dest, netif_ip4_addr(n), netif_ip4_netmask(n)) || ip4_addr_ismulticast(dest) ||
         ip4_addr_islimitedbroadcast(dest) || !ip4_addr_isany(netif_ip4_gw(n));
}

struct netif *ip4_route_src(const ip4_addr_t *src, const ip4_addr_t *dest)
{
  struct netif *n;
  if (src != NULL && !ip4_addr_isany(src) && !ip4_addr_ismulticast(src)) {
    NETIF_FOREACH(n) {
      if (netif_usable(n) && ip4_addr_eq(src, netif_ip4_addr(n)) && netif_reaches(n, dest)) {
        return n;
      }
    }
  }
  return ip4_route(dest);
}

/* ---------------------------------------------------------------------- */
/* Output                                                                  */
/* ---------------------------------------------------------------------- */

static void ip4_write_header(u8_t *h, u16_t totlen, const ip4_addr_t *src, const ip4_addr_t *dest,
                             u8_t ttl, u8_t tos, u8_t proto, const struct netif *netif)
{
  h[IP4_OFF_VHL] = (4U << 4) | (IP_HLEN / 4);
  h[IP4_OFF_TOS] = tos;
  put_be16(h + IP4_OFF_LEN, totlen);
  put_be16(h + IP4_OFF_ID, ip4_next_id());
  put_be16(h + IP4_OFF_OFFSET, 0);
  h[IP4_OFF_TTL] = ttl;
  h[IP4_OFF_PROTO] = proto;
  put_be16(h + IP4_OFF_CHKSUM, 0);
  put_n32(h + IP4_OFF_SRC, src->addr);
  put_n32(h + IP4_OFF_DEST, dest->addr);
  if (NETIF_CHECKSUM_ENABLED(netif, NETIF_CHECKSUM_GEN_IP)) {
    u16_t sum = inet_chksum(h, IP_HLEN);
    memcpy(h + IP4_OFF_CHKSUM, &sum, 2);
  }
}

/* Hand a finished datagram (payload at its header) to the netif, looping
 * it back when it is addressed to the netif itself and fragmenting it when
 * it exceeds the MTU. */
static err_t ip4_send(struct pbuf *q, const ip4_addr_t *dest, struct netif *netif)
{
#if LWIP_LOOPBACK
  if (netif != netif_loopback && ip4_addr_eq(dest, netif_ip4_addr(netif))) {
    STATS_TX(IP4);
    return netif_loop_output(netif, q);
  }
#endif
  /* A TSO packet (gso_size set) is cut into segments by the device. */
  if (netif->mtu != 0 && q->tot_len > netif->mtu && !NETIF_GSO_TAKES(netif, q)) {
#if IP_FRAG
    return ip4_frag(q, netif, dest);
#else
    LWIP_DROP(IP4_DF_TOO_BIG);
    return ERR_VAL;
#endif
  }
  if (netif->output == NULL) {
    return ERR_IF;
  }
  STATS_TX(IP4);
  return netif->output(netif, q, dest);
}

err_t ip4_output_if_src(struct pbuf *p, const ip4_addr_t *src, const ip4_addr_t *dest,
                        u8_t ttl, u8_t tos, u8_t proto, struct netif *netif)
{
  LWIP_ERROR_RET("ip4_output_if_src: args", p != NULL && netif != NULL, ERR_ARG);
  if (!netif_usable(netif)) {
    LWIP_DROP(IP4_NETIF_DOWN);
    return ERR_RTE;
  }
  if (dest == NULL) {
    /* IP_HDRINCL: the header is already there; take the destination from
     * it after checking it is really there. */
    ip4_addr_t hdest; /* network order, as the header holds it */
    if (pbuf_copy_partial(p, &hdest.addr, 4, IP4_OFF_DEST) != 4) {
      return ERR_VAL;
    }
    return ip4_send(p, &hdest, netif);
  }
  if (p->tot_len > 0xffffU - IP_HLEN) {
    return ERR_VAL;
  }

  const ip4_addr_t any = {IPADDR_ANY};
  if (src == NULL) {
    src = &any;
  }
  /* Put the header in the header room when there is some; otherwise in a
   * pbuf of its own in front (the caller's pbuf is referenced, not taken). */
  struct pbuf *q = pbuf_push_header(p, IP_HLEN, PBUF_LINK);
  if (q == NULL) {
    LWIP_DROP(IP4_NO_MEM);
    return ERR_MEM;
  }
  ip4_write_header((u8_t *)q->payload, q->tot_len, src, dest, ttl, tos, proto, netif);
  LWIP_LOG(IP4, TRACE, "out proto %u len %u via %c%c%u", proto, q->tot_len, netif->name[0], netif->name[1],
           netif->num);
  err_t err = ip4_send(q, dest, netif);
  /* The caller gets its pbuf back exactly as it passed it. */
  pbuf_pop_header(q, p, IP_HLEN);
  return err;
}

err_t ip4_output_if(struct pbuf *p, const ip4_addr_t *src, const ip4_addr_t *dest,
                    u8_t ttl, u8_t tos, u8_t proto, struct netif *netif)
{
  if (netif != NULL && dest != NULL && ip4_addr_isany(src)) {
    src = netif_ip4_addr(netif);
  }
  return ip4_output_if_src(p, src, dest, ttl, tos, proto, netif);
}

err_t ip4_output(struct pbuf *p, const ip4_addr_t *src, const ip4_addr_t *dest,
                 u8_t ttl, u8_t tos, u8_t proto)
{
  LWIP_ERROR_RET("ip4_output: args", p != NULL && dest != NULL, ERR_ARG);
  struct netif *netif = ip4_route_src(src, dest);
  if (netif == NULL) {
    LWIP_LOG(IP4, DEBUG, "no route to %s", ip4addr_ntoa(dest));
    LWIP_DROP(IP4_NO_ROUTE);
    return ERR_RTE;
  }
  return ip4_output_if(p, src, dest, ttl, tos, proto, netif);
}

/* ---------------------------------------------------------------------- */
/* Forwarding (RFC 1812 5.2, minus options and redirects)                  */
/* ---------------------------------------------------------------------- */

#if LWIP_IP_FORWARD
/* Forward @p p (payload at its validated header of @p hlen bytes).  Takes
 * ownership of @p p. */
static void ip4_forward(struct pbuf *p, u16_t hlen, const ip4_addr_t *src, const ip4_addr_t *dest,
                        struct netif *inp)
{
  u8_t *h = (u8_t *)p->payload;

  /* Link-local traffic stays on its link (RFC 3927 2.7), and broadcasts
   * and multicasts are not routed by a host stack. */
  if (ip4_addr_islinklocal(src) || ip4_addr_islinklocal(dest) || ip4_addr_ismulticast(dest) ||
      ip4_addr_isbroadcast(dest, inp) || ip4_addr_isloopback(dest) || ip4_addr_isany(src)) {
    LWIP_DROP(IP4_NO_FORWARD);
    goto out;
  }
  struct netif *out = ip4_route(dest);
  if (out == NULL) {
    LWIP_DROP(IP4_NO_ROUTE);
    icmp_dest_unreach(p, ICMP_DUR_NET);
    goto out;
  }
  if (out == inp || ip4_addr_isbroadcast(dest, out)) {
    LWIP_DROP(IP4_NO_FORWARD);
    goto out;
  }
  /* RFC 1812 5.3.1: a datagram whose TTL would reach zero is discarded
   * with a time exceeded message. */
  if (h[IP4_OFF_TTL] <= 1) {
    LWIP_DROP(IP4_TTL_EXCEEDED);
    icmp_time_exceeded(p, ICMP_TE_TTL);
    goto out;
  }
  h[IP4_OFF_TTL]--;
  put_be16(h + IP4_OFF_CHKSUM, 0);
  u16_t sum = inet_chksum(h, hlen);
  memcpy(h + IP4_OFF_CHKSUM, &sum, 2);

  if (out->mtu != 0 && p->tot_len > out->mtu) {
    if (get_be16(h + IP4_OFF_OFFSET) & IP_DF) {
      /* RFC 1191: tell the source the MTU it must use. */
      LWIP_DROP(IP4_DF_TOO_BIG);
      icmp_frag_needed(p, out->mtu);
      goto out;
    }
  }
  STATS_INC(IP4, fw);
  LWIP_LOG(IP4, TRACE, "forward to %s via %c%c%u", ip4addr_ntoa(dest), out->name[0], out->name[1], out->num);
  ip4_send(p, dest, out);
out:
  pbuf_free(p);
}
#endif

/* ---------------------------------------------------------------------- */
/* Input                                                                   */
/* ---------------------------------------------------------------------- */

/* Is the datagram from the wire with destination @p dest for us?  Sets the
 * broadcast/multicast flags of @p rx. */
static bool ip4_dest_is_ours(struct ip_rx *rx, const ip4_addr_t *dest, const struct pbuf *p, u16_t hlen)
{
  struct netif *inp = rx->inp;
  struct netif *n;

  if (ip4_addr_ismulticast(dest)) {
    rx->is_multicast = true;
#if LWIP_IGMP
    if (inp->flags & NETIF_FLAG_IGMP) {
      return igmp_lookfor_group(inp, dest) != NULL;
    }
#endif
    /* Without IGMP only the all-systems group is joined (RFC 1112 7.2). */
    return dest->addr == PP_HTONL(0xe0000001UL);
  }
  if (ip4_addr_isbroadcast(dest, inp)) {
    rx->is_broadcast = true;
    return true;
  }
  if (ip4_addr_isloopback(dest)) {
    /* 127/8 arriving from a wire is a martian (RFC 1122 3.2.1.3). */
#if LWIP_LOOPBACK
    return inp == netif_loopback;
#else
    return false;
#endif
  }
  /* The weak host model (RFC 1122 3.3.4.2): any of our addresses on any
   * interface is accepted.  @p dest is not 0.0.0.0 here (a broadcast
   * above), so a netif without an address never matches. */
  NETIF_FOREACH(n) {
    if (netif_is_up(n) && ip4_addr_eq(dest, netif_ip4_addr(n))) {
      return true;
    }
  }
  if (ip4_addr_isany(netif_ip4_addr(inp)) && rx->proto == IP_PROTO_UDP) {
    u8_t port[2];
    if (pbuf_copy_partial(p, port, 2, (u16_t)(hlen + UDP_OFF_DEST)) == 2 &&
        get_be16(port) == DHCP_CLIENT_PORT) {
      return true;
    }
  }
  return false;
}

/* The transport protocols, by IP protocol number: the one place a new
 * protocol is plugged in.  Each handler takes ownership of the packet,
 * payload at the transport header. */
static const struct ip4_protocol {
  u8_t proto;
  void (*input)(struct pbuf *p, const struct ip_rx *rx);
} ip4_protocols[] = {
  {.proto = IP_PROTO_ICMP, .input = icmp_input},
#if LWIP_IGMP
  {.proto = IP_PROTO_IGMP, .input = igmp_input},
#endif
#if LWIP_UDP
  {.proto = IP_PROTO_UDP, .input = udp_input},
#if LWIP_UDPLITE
  {.proto = IP_PROTO_UDPLITE, .input = udp_input},
#endif
#endif
#if LWIP_TCP
  {.proto = IP_PROTO_TCP, .input = tcp_input},
#endif
};

static const struct ip4_protocol *ip4_protocol_find(u8_t proto)
{
  for (size_t i = 0; i < LWIP_ARRAYSIZE(ip4_protocols); i++) {
    if (ip4_protocols[i].proto == proto) {
      return &ip4_protocols[i];
    }
  }
  return NULL;
}

/* Deliver a complete datagram for us (payload at its header) to the
 * transport protocol: raw PCBs first, then the protocol table, else
 * protocol unreachable.  Takes ownership of @p p. */
static void ip4_deliver(struct pbuf *p, struct ip_rx *rx)
{
#if LWIP_RAW
  raw_input_state_t raw = raw_input(p, rx);
  if (raw == RAW_INPUT_EATEN) {
    return;
  }
#else
  bool raw = false;
#endif
  pbuf_remove_header(p, rx->hdr_len);
  const struct ip4_protocol *proto = ip4_protocol_find(rx->proto);
  if (proto != NULL) {
    proto->input(p, rx);
    return;
  }
  if (raw) {
    /* A raw PCB saw it: the protocol is "handled" by the application. */
    pbuf_free(p);
    return;
  }
  /* RFC 1122 3.2.2.1: a host SHOULD send protocol unreachable. */
  LWIP_LOG(IP4, DEBUG, "protocol %u not handled", rx->proto);
  LWIP_DROP(IP4_UNKNOWN_PROTO);
  pbuf_add_header_force(p, rx->hdr_len);
  if (!rx->is_broadcast && !rx->is_multicast) {
    icmp_dest_unreach(p, ICMP_DUR_PROTO);
  }
  pbuf_free(p);
}

/* Checks of RFC 791 3.1 / RFC 1122 3.2.1 on the fixed header.  @return the
 * drop reason, or LWIP_DROP_COUNT when the header is fine; *@p hlen_out is
 * the header length and the header is contiguous in the first pbuf. */
static int ip4_check_header(struct pbuf **pp, const struct netif *inp, u16_t *hlen_out)
{
  struct pbuf *p = *pp;
  int vhl = pbuf_try_get_at(p, IP4_OFF_VHL);
  if (vhl < 0 || p->tot_len < IP_HLEN) {
    return LWIP_DROP_IP4_SHORT;
  }
  if ((vhl >> 4) != 4) {
    return LWIP_DROP_IP4_BAD_VERSION;
  }
  u16_t hlen = (u16_t)((vhl & 0x0f) * 4);
  if (hlen < IP_HLEN || hlen > p->tot_len) {
    return LWIP_DROP_IP4_BAD_HLEN;
  }
  if (p->len < hlen) {
    /* The header straddles pbufs: make the packet contiguous. */
    u8_t flags = p->flags;
    u8_t if_idx = p->if_idx;
    p = *pp = pbuf_coalesce(p, PBUF_RAW);
    if (p->len < hlen) {
      return LWIP_DROP_IP4_NO_MEM;
    }
    /* The copy must still say how the frame arrived: ICMP needs the netif
     * and the link-level broadcast flag to refuse errors about broadcasts
     * (RFC 1122 3.2.2). */
    p->flags = flags;
    p->if_idx = if_idx;
  }
  const u8_t *h = (const u8_t *)p->payload;
  u16_t totlen = get_be16(h + IP4_OFF_LEN);
  if (totlen < hlen || totlen > p->tot_len) {
    return LWIP_DROP_IP4_BAD_TOTLEN;
  }
  if (NETIF_CHECKSUM_ENABLED(inp, NETIF_CHECKSUM_CHECK_IP) && inet_chksum(h, hlen) != 0) {
    return LWIP_DROP_IP4_BAD_CHKSUM;
  }
  /* Trim link-layer padding behind the datagram. */
  if (totlen < p->tot_len) {
    pbuf_realloc(p, totlen);
  }
  *hlen_out = hlen;
  return LWIP_DROP_COUNT;
}

err_t ip4_input(struct pbuf *p, struct netif *inp)
{
  u16_t hlen = 0;

  LWIP_ERROR_RET("ip4_input: args", p != NULL && inp != NULL, ERR_ARG);
  STATS_RX(IP4);
  int bad = ip4_check_header(&p, inp, &hlen);
  if (bad != LWIP_DROP_COUNT) {
#if LWIP_STATS || LWIP_DEBUG
    lwip_drop((enum lwip_drop_reason)bad);
#endif
    pbuf_free(p);
    return ERR_OK;
  }

  const u8_t *h = (const u8_t *)p->payload;
  struct ip_rx rx;
  memset(&rx, 0, sizeof(rx));
  rx.inp = inp;
  ip4_addr_t a_src = {get_n32(h + IP4_OFF_SRC)};
  ip4_addr_t a_dest = {get_n32(h + IP4_OFF_DEST)};
  ip_addr_set_ip4(&rx.src, &a_src);
  ip_addr_set_ip4(&rx.dest, &a_dest);
  rx.proto = h[IP4_OFF_PROTO];
  rx.ttl = h[IP4_OFF_TTL];
  rx.tos = h[IP4_OFF_TOS];
  rx.hdr_len = hlen;
  const ip4_addr_t *src = ip_2_ip4(&rx.src);
  const ip4_addr_t *dest = ip_2_ip4(&rx.dest);

  /* RFC 1122 3.2.1.3: a source address is never broadcast or multicast
   * (0.0.0.0 is allowed: a host learning its address, e.g. DHCP). */
  if (!ip4_addr_isany(src) && (ip4_addr_isbroadcast(src, inp) || ip4_addr_ismulticast(src))) {
    LWIP_DROP(IP4_BAD_SRC);
    pbuf_free(p);
    return ERR_OK;
  }
  if (!ip4_dest_is_ours(&rx, dest, p, hlen)) {
#if LWIP_IP_FORWARD
    if (forwarding && !rx.is_multicast) {
      ip4_forward(p, hlen, src, dest, inp);
      return ERR_OK;
    }
#endif
    LWIP_DROP(IP4_NOT_FOR_US);
    pbuf_free(p);
    return ERR_OK;
  }

  if (get_be16(h + IP4_OFF_OFFSET) & (IP_MF | IP_OFFMASK)) {
#if IP_REASSEMBLY
    p = ip4_reass(p);
    if (p == NULL) {
      return ERR_OK;
    }
    /* The reassembled datagram carries a rebuilt header. */
    rx.hdr_len = (u16_t)((((const u8_t *)p->payload)[IP4_OFF_VHL] & 0x0f) * 4);
#else
    LWIP_DROP(IP4_FRAG_DISABLED);
    pbuf_free(p);
    return ERR_OK;
#endif
  }
  LWIP_LOG(IP4, TRACE, "in proto %u from %s len %u", rx.proto, ip4addr_ntoa(src), p->tot_len);
  ip4_deliver(p, &rx);
  return ERR_OK;
}

err_t ip_input(struct pbuf *p, struct netif *inp)
{
#if !LWIP_IPV6 && !LWIP_STATS && !LWIP_DEBUG
  /* Only IPv4 is built and no drop is counted or logged: ip4_input's own
   * header checks refuse a short or other-version packet just as below,
   * only under another drop reason for a short one, which nobody sees. */
  return ip4_input(p, inp);
#else
  LWIP_ERROR_RET("ip_input: args", p != NULL && inp != NULL, ERR_ARG);
  int b = pbuf_try_get_at(p, 0);
  if (b >= 0 && (b >> 4) == 4) {
    return ip4_input(p, inp);
  }
#if LWIP_IPV6
  if (b >= 0 && (b >> 4) == 6) {
    return ip6_input(p, inp);
  }
#endif
  STATS_RX(IP4);
  if (b < 0) {
    LWIP_DROP(IP4_SHORT);
  } else {
    LWIP_DROP(IP4_BAD_VERSION);
  }
  pbuf_free(p);
  return ERR_OK;
#endif
}
