/**
 * @file raw.c
 * Raw IP PCBs: every datagram of one IP protocol, header included.
 *
 * A plain list: raw PCBs are few (a ping, a routing daemon), and every
 * datagram of their protocol must be offered to each of them anyway.
 *
 * Dual stack as in udp.c: a PCB's family is the type of its local address
 * (IPADDR_TYPE_V4, IPADDR_TYPE_V6 or IPADDR_TYPE_ANY for both).  Received
 * datagrams of either family reach the callback with the payload at the IP
 * header, as lwIP does.  An ICMPv6 PCB has the stack compute and check the
 * ICMPv6 checksum (RFC 3542 3.1); other IPv6 PCBs may ask for it at an
 * offset with raw_set_chksum().
 */
#include "lwip/opt.h"

#if LWIP_RAW

#include "lwip/raw.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/nd6.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/icmp6.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/ip4.h"
#include "lwip/priv/init.h"

#include <string.h>

static struct raw_pcb *raw_pcbs;

void raw_init(void)
{
  raw_pcbs = NULL;
}

static u32_t addr4(const ip_addr_t *a)
{
  return a == NULL ? IPADDR_ANY : ip_2_ip4(a)->addr;
}

static bool raw_family_ok(u8_t pcb_type, u8_t type)
{
  return pcb_type == IPADDR_TYPE_ANY || pcb_type == type;
}

/** Does the specific PCB address @p mine name the packet address @p pkt?
 *  (An IPv6 link-local address bound without a zone matches any link.) */
static bool raw_addr_match(const ip_addr_t *mine, const ip_addr_t *pkt)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*mine)) {
    const ip6_addr_t *m = ip_2_ip6(mine);
    return IP_IS_V6_VAL(*pkt) && ip6_addr_eq_nozone(m, ip_2_ip6(pkt)) &&
           (m->zone == IP6_NO_ZONE || m->zone == ip_2_ip6(pkt)->zone);
  }
#endif
  return IP_IS_V4_VAL(*pkt) && addr4(mine) == ip_2_ip4(pkt)->addr;
}

/** Is @p a a wildcard (any address, or the dual-stack type)? */
static bool raw_addr_wild(const ip_addr_t *a)
{
  return IP_IS_ANY_TYPE_VAL(*a) || ip_addr_isany(a);
}

static bool raw_linked(const struct raw_pcb *pcb)
{
  for (const struct raw_pcb *q = raw_pcbs; q != NULL; q = q->next) {
    if (q == pcb) {
      return true;
    }
  }
  return false;
}

struct raw_pcb *raw_new(u8_t proto)
{
  struct raw_pcb *pcb = (struct raw_pcb *)memp_malloc(MEMP_RAW_PCB);
  if (pcb == NULL) {
    LWIP_LOG(RAW, WARN, "raw_new: out of PCBs");
    return NULL;
  }
  memset(pcb, 0, sizeof(*pcb));
  ip_addr_set_zero(&pcb->local_ip);
  ip_addr_set_zero(&pcb->remote_ip);
  pcb->protocol = proto;
  pcb->ttl = IP_DEFAULT_TTL;
  pcb->next = raw_pcbs;
  raw_pcbs = pcb;
  return pcb;
}

struct raw_pcb *raw_new_ip_type(u8_t type, u8_t proto)
{
  if (type != IPADDR_TYPE_V4 && type != IPADDR_TYPE_ANY && (type != IPADDR_TYPE_V6 || !LWIP_IPV6)) {
    return NULL;
  }
  struct raw_pcb *pcb = raw_new(proto);
  if (pcb != NULL) {
    IP_SET_TYPE_VAL(pcb->local_ip, type);
    IP_SET_TYPE_VAL(pcb->remote_ip, type);
#if LWIP_IPV6
    if (type != IPADDR_TYPE_V4 && proto == IP6_NEXTH_ICMP6) {
      /* RFC 3542 3.1: the stack computes and checks ICMPv6 checksums. */
      pcb->chksum_reqd = 1;
      pcb->chksum_offset = ICMP6_OFF_CHKSUM;
    }
#endif
  }
  return pcb;
}

void raw_remove(struct raw_pcb *pcb)
{
  if (pcb == NULL) {
    return;
  }
  for (struct raw_pcb **pp = &raw_pcbs; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == pcb) {
      *pp = pcb->next;
      break;
    }
  }
  memp_free(MEMP_RAW_PCB, pcb);
}

err_t raw_bind(struct raw_pcb *pcb, const ip_addr_t *ipaddr)
{
  LWIP_ERROR_RET("raw_bind: pcb", pcb != NULL, ERR_VAL);
  if (ipaddr == NULL || (IP_IS_V6_VAL(*ipaddr) && !LWIP_IPV6)) {
    return ERR_VAL;
  }
  /* As udp_bind(): the address's type becomes the PCB's family. */
  pcb->local_ip = *ipaddr;
  if (IP_IS_ANY_TYPE_VAL(*ipaddr)) {
    ip_addr_set_zero(&pcb->local_ip);
    IP_SET_TYPE_VAL(pcb->local_ip, IPADDR_TYPE_ANY);
  }
  return ERR_OK;
}

void raw_bind_netif(struct raw_pcb *pcb, const struct netif *netif)
{
  if (pcb != NULL) {
    pcb->netif_idx = netif != NULL ? netif_get_index(netif) : NETIF_NO_INDEX;
  }
}

err_t raw_connect(struct raw_pcb *pcb, const ip_addr_t *ipaddr)
{
  LWIP_ERROR_RET("raw_connect: pcb", pcb != NULL, ERR_VAL);
  if (ipaddr == NULL || IP_IS_ANY_TYPE_VAL(*ipaddr) || !raw_family_ok(pcb->local_ip.type, ipaddr->type) ||
      (IP_IS_V6_VAL(*ipaddr) && !LWIP_IPV6)) {
    return ERR_VAL;
  }
  pcb->remote_ip = *ipaddr;
  pcb->flags = (u8_t)(pcb->flags | RAW_FLAGS_CONNECTED);
  return ERR_OK;
}

void raw_disconnect(struct raw_pcb *pcb)
{
  if (pcb == NULL) {
    return;
  }
  u8_t type = pcb->local_ip.type;
  ip_addr_set_zero(&pcb->remote_ip);
  pcb->remote_ip.type = type;
  pcb->flags = (u8_t)(pcb->flags & ~RAW_FLAGS_CONNECTED);
}

void raw_err(struct raw_pcb *pcb, raw_err_fn errf)
{
  if (pcb != NULL) {
    pcb->errf = errf;
  }
}

void raw_recv(struct raw_pcb *pcb, raw_recv_fn recv, void *recv_arg)
{
  if (pcb != NULL) {
    pcb->recv = recv;
    pcb->recv_arg = recv_arg;
  }
}

/* ------------------------------------------------------------------ */
/* Input                                                               */
/* ------------------------------------------------------------------ */

#if LWIP_IPV6
/** RFC 3542 3.1: a PCB that has the stack check a checksum (ICMPv6 PCBs
 *  always) does not see datagrams whose checksum is wrong. */
static bool raw6_chksum_ok(const struct raw_pcb *pcb, struct pbuf *p, const struct ip_rx *rx)
{
  if (!pcb->chksum_reqd || !NETIF_CHECKSUM_ENABLED(rx->inp, NETIF_CHECKSUM_CHECK_ICMP)) {
    return true;
  }
  u16_t plen = (u16_t)(p->tot_len - rx->hdr_len);
  if ((u32_t)pcb->chksum_offset + 2U > plen || pbuf_remove_header(p, rx->hdr_len) != 0) {
    return false;
  }
  bool ok = ip6_chksum_pseudo(p, rx->proto, plen, ip_2_ip6(&rx->src), ip_2_ip6(&rx->dest)) == 0;
  pbuf_add_header_force(p, rx->hdr_len);
  return ok;
}
#endif

static bool raw_match(const struct raw_pcb *pcb, struct pbuf *p, const struct ip_rx *rx)
{
  if (pcb->protocol != rx->proto || pcb->recv == NULL) {
    return false;
  }
  if (!raw_family_ok(pcb->local_ip.type, rx->dest.type)) {
    return false;
  }
  if (pcb->netif_idx != NETIF_NO_INDEX && pcb->netif_idx != netif_get_index(rx->inp)) {
    return false;
  }
  if (!raw_addr_wild(&pcb->local_ip) && !raw_addr_match(&pcb->local_ip, &rx->dest)) {
    return false;
  }
  if ((pcb->flags & RAW_FLAGS_CONNECTED) && !raw_addr_wild(&pcb->remote_ip) &&
      !raw_addr_match(&pcb->remote_ip, &rx->src)) {
    return false;
  }
#if LWIP_IPV6
  if (IP_IS_V6_VAL(rx->dest) && !raw6_chksum_ok(pcb, p, rx)) {
    return false;
  }
#else
  LWIP_UNUSED_ARG(p);
#endif
  return true;
}

raw_input_state_t raw_input(struct pbuf *p, const struct ip_rx *rx)
{
  LWIP_ASSERT("raw_input: args", p != NULL && rx != NULL && rx->inp != NULL);
  raw_input_state_t state = RAW_INPUT_NONE;
  struct raw_pcb *pcb = raw_pcbs;
  while (pcb != NULL) {
    if (!raw_match(pcb, p, rx)) {
      pcb = pcb->next;
      continue;
    }
    if (state == RAW_INPUT_NONE) {
      STATS_RX(RAW);
    }
    state = RAW_INPUT_DELIVERED;
    struct raw_pcb *next = pcb->next;
    void *payload = p->payload;
    if (pcb->recv(pcb->recv_arg, pcb, p, &rx->src) != 0) {
      return RAW_INPUT_EATEN; /* the callback owns p now */
    }
    LWIP_ASSERT("raw recv callback moved the payload without eating", p->payload == payload);
    /* The callback may have removed PCBs: stop rather than follow a
     * pointer into a freed PCB. */
    if (next != NULL && !raw_linked(next)) {
      break;
    }
    pcb = next;
  }
  return state;
}

bool raw_icmp_error(const struct ip_icmp_err *e)
{
  LWIP_ASSERT("raw_icmp_error: args", e != NULL);
  bool found = false;
  struct raw_pcb *pcb = raw_pcbs;
  while (pcb != NULL) {
    struct raw_pcb *next = pcb->next;
    /* The PCBs of the quoted protocol that could have sent the datagram:
     * the family, a bound source and a connected peer fit. */
    bool match = pcb->protocol == e->proto && raw_family_ok(pcb->local_ip.type, e->dest.type) &&
                 (raw_addr_wild(&pcb->local_ip) || raw_addr_match(&pcb->local_ip, &e->src)) &&
                 ((pcb->flags & RAW_FLAGS_CONNECTED) == 0 || raw_addr_wild(&pcb->remote_ip) ||
                  raw_addr_match(&pcb->remote_ip, &e->dest));
    if (match) {
      found = true;
      if (pcb->errf != NULL) {
        pcb->errf(pcb->recv_arg, pcb, e);
      }
      if (next != NULL && !raw_linked(next)) {
        break;
      }
    }
    pcb = next;
  }
  return found;
}

void raw_netif_ip_addr_changed(const ip_addr_t *old_addr, const ip_addr_t *new_addr)
{
  if (old_addr == NULL || ip_addr_isany(old_addr)) {
    return;
  }
  for (struct raw_pcb *pcb = raw_pcbs; pcb != NULL; pcb = pcb->next) {
    if (ip_addr_eq(&pcb->local_ip, old_addr)) {
      ip_addr_set(&pcb->local_ip, new_addr);
      pcb->local_ip.type = old_addr->type;
    }
  }
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

static struct netif *raw_route(const struct raw_pcb *pcb, const ip_addr_t *dst)
{
  if (pcb->netif_idx != NETIF_NO_INDEX) {
    return netif_get_by_index(pcb->netif_idx);
  }
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*dst)) {
    const ip6_addr_t *src = IP_IS_V6_VAL(pcb->local_ip) ? ip_2_ip6(&pcb->local_ip) : NULL;
    return ip6_route(src, ip_2_ip6(dst));
  }
#endif
  const ip4_addr_t *local = IP_IS_V4_VAL(pcb->local_ip) ? ip_2_ip4(&pcb->local_ip) : IP4_ADDR_ANY4;
  return ip4_route_src(local, ip_2_ip4(dst));
}

/** Can @p pcb send to @p dst?  A concrete address of its family. */
static bool raw_dst_ok(const struct raw_pcb *pcb, const ip_addr_t *dst)
{
  if (IP_IS_ANY_TYPE_VAL(*dst) || !raw_family_ok(pcb->local_ip.type, dst->type)) {
    return false;
  }
  return LWIP_IPV6 || !IP_IS_V6_VAL(*dst);
}

/** The source for a datagram from @p pcb to @p dst through @p netif: the
 *  bound address, or the netif's (IPv4) or the selected one (IPv6, RFC
 *  6724).  @return ERR_OK or ERR_RTE. */
static err_t raw_source(const struct raw_pcb *pcb, const ip_addr_t *dst, struct netif *netif, ip_addr_t *src)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*dst)) {
    if (IP_IS_V6_VAL(pcb->local_ip) && !ip6_addr_isany(ip_2_ip6(&pcb->local_ip)) &&
        !ip6_addr_ismulticast(ip_2_ip6(&pcb->local_ip))) {
      *src = pcb->local_ip;
      return ERR_OK;
    }
    const ip_addr_t *sel = ip6_select_source_address(netif, ip_2_ip6(dst));
    if (sel == NULL) {
      return ERR_RTE;
    }
    *src = *sel;
    return ERR_OK;
  }
#else
  LWIP_UNUSED_ARG(dst);
#endif
  const ip4_addr_t *local = IP_IS_V4_VAL(pcb->local_ip) ? ip_2_ip4(&pcb->local_ip) : IP4_ADDR_ANY4;
  if (ip4_addr_isany(local) || ip4_addr_ismulticast(local)) {
    ip_addr_set_ip4(src, netif_ip4_addr(netif));
  } else {
    ip_addr_set_ip4(src, local);
  }
  return ERR_OK;
}

err_t raw_sendto(struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *ipaddr)
{
  LWIP_ERROR_RET("raw_sendto: args", pcb != NULL && p != NULL && ipaddr != NULL, ERR_VAL);
  if (!raw_dst_ok(pcb, ipaddr)) {
    return ERR_VAL;
  }
  struct netif *netif = raw_route(pcb, ipaddr);
  if (netif == NULL) {
    LWIP_LOG(RAW, DEBUG, "no route to %s", ipaddr_ntoa(ipaddr));
    STATS_INC(RAW, rterr);
    return ERR_RTE;
  }
  ip_addr_t src;
  if (raw_source(pcb, ipaddr, netif, &src) != ERR_OK) {
    LWIP_LOG(RAW, DEBUG, "no source address for %s", ipaddr_ntoa(ipaddr));
    return ERR_RTE;
  }
  return raw_sendto_if_src(pcb, p, ipaddr, netif, &src);
}

#if LWIP_IPV6
/** Write the checksum the stack owes an IPv6 PCB (RFC 3542 3.1) into @p q
 *  at the PCB's offset.  @return ERR_OK or ERR_VAL (offset past the end). */
static err_t raw6_set_chksum(const struct raw_pcb *pcb, struct pbuf *q, const ip_addr_t *src, const ip_addr_t *dst)
{
  if ((u32_t)pcb->chksum_offset + 2U > q->tot_len) {
    return ERR_VAL;
  }
  u16_t off = pcb->chksum_offset;
  pbuf_put_at(q, off, 0);
  pbuf_put_at(q, (u16_t)(off + 1U), 0);
  u16_t sum = ip6_chksum_pseudo(q, pcb->protocol, q->tot_len, ip_2_ip6(src), ip_2_ip6(dst));
  u8_t b[2];
  memcpy(b, &sum, 2);
  pbuf_put_at(q, off, b[0]);
  pbuf_put_at(q, (u16_t)(off + 1U), b[1]);
  return ERR_OK;
}
#endif

/** Send @p q (payload at the protocol header) with an IP header of the
 *  family of @p dst_ip. */
static err_t raw_ip_output(const struct raw_pcb *pcb, struct pbuf *q, const ip_addr_t *src_ip, const ip_addr_t *dst_ip,
                           struct netif *netif)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*dst_ip)) {
    if (pcb->chksum_reqd && raw6_set_chksum(pcb, q, src_ip, dst_ip) != ERR_OK) {
      return ERR_VAL;
    }
    u8_t hl = pcb->ttl;
    if (ip6_addr_ismulticast(ip_2_ip6(dst_ip))) {
      hl = 1; /* RFC 3493 5.2: multicast hop limit 1 by default */
    } else if (hl == IP_DEFAULT_TTL) {
      hl = nd6_hop_limit(netif); /* RFC 4861 6.3.4: the router's Cur Hop Limit */
    }
    return ip6_output_if(q, ip_2_ip6(src_ip), ip_2_ip6(dst_ip), hl, pcb->tos, pcb->protocol, netif);
  }
#endif
  return ip4_output_if_src(q, ip_2_ip4(src_ip), ip_2_ip4(dst_ip), pcb->ttl, pcb->tos, pcb->protocol, netif);
}

err_t raw_sendto_if_src(struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *dst_ip, struct netif *netif,
                        const ip_addr_t *src_ip)
{
  LWIP_ERROR_RET("raw_sendto_if_src: args",
                 pcb != NULL && p != NULL && dst_ip != NULL && netif != NULL && src_ip != NULL, ERR_VAL);
  if (!raw_dst_ok(pcb, dst_ip) || src_ip->type != dst_ip->type) {
    return ERR_VAL;
  }
  bool v6 = IP_IS_V6_VAL(*dst_ip);
  if (pcb->flags & RAW_FLAGS_HDRINCL) {
    /* The application wrote the IP header itself (IP_HDRINCL); IPv6 has
     * no such option (RFC 3542 3 leaves the header to the stack). */
    if (v6 || p->len < IP_HLEN) {
      return ERR_VAL;
    }
    STATS_TX(RAW);
    return ip4_output_if(p, NULL, NULL, 0, 0, 0, netif);
  }
  u16_t hlen = v6 ? IP6_HLEN : IP_HLEN;
  if (p->tot_len > 0xffffU - (v6 ? 0U : IP_HLEN)) {
    return ERR_VAL;
  }
  /* Without header room (a PBUF_REF payload), chain an empty pbuf that
   * has some, so IP never has to write into memory we do not own; the
   * same when the stack must write a checksum into the caller's data. */
  struct pbuf *q = p;
  bool copy = v6 && pcb->chksum_reqd;
  if (!copy && pbuf_add_header(p, hlen) == 0) {
    pbuf_remove_header(p, hlen);
  } else if (copy) {
    q = pbuf_alloc(PBUF_IP, p->tot_len, PBUF_RAM);
    if (q == NULL) {
      LWIP_DROP(RAW_NO_MEM);
      return ERR_MEM;
    }
    pbuf_copy(q, p);
  } else {
    q = pbuf_alloc(PBUF_IP, 0, PBUF_RAM);
    if (q == NULL) {
      LWIP_DROP(RAW_NO_MEM);
      return ERR_MEM;
    }
    pbuf_chain(q, p);
  }
  STATS_TX(RAW);
  err_t err = raw_ip_output(pcb, q, src_ip, dst_ip, netif);
  if (q != p) {
    pbuf_free(q);
  }
  return err;
}

err_t raw_send(struct raw_pcb *pcb, struct pbuf *p)
{
  LWIP_ERROR_RET("raw_send: pcb", pcb != NULL, ERR_VAL);
  return raw_sendto(pcb, p, &pcb->remote_ip);
}

#endif /* LWIP_RAW */
