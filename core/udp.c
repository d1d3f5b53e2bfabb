/**
 * @file udp.c
 * UDP (RFC 768, RFC 1122 4.1) and UDP-Lite (RFC 3828).
 *
 * Bound PCBs live in a hash table keyed by local port, so demultiplexing a
 * datagram walks one short chain instead of every PCB; PCBs without a port
 * wait on a separate chain.  Both chains link through pcb->next.
 *
 * Dual stack: a PCB's family is the type of its local address.  An
 * IPADDR_TYPE_V4 PCB sees and sends only IPv4, an IPADDR_TYPE_V6 PCB only
 * IPv6 (as a socket with IPV6_V6ONLY), and an IPADDR_TYPE_ANY PCB (bound to
 * IP_ANY_TYPE) both.  Among the PCBs that could take a datagram the most
 * specific wins: connected to the sender, then bound to the destination
 * address, then a wildcard of exactly the datagram's family, then a
 * dual-stack wildcard.
 */
#include "lwip/opt.h"

#if LWIP_UDP

#include "lwip/udp.h"
#include "lwip/ip4.h"
#include "lwip/icmp.h"
#include "lwip/igmp.h"
#include "lwip/ip6.h"
#include "lwip/icmp6.h"
#include "lwip/mld6.h"
#include "lwip/nd6.h"
#include "lwip/inet_chksum.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/init.h"
#include "lwip/priv/pbuf_priv.h"

#include <string.h>

/* Size hints for the IPv4-only build, measured on the Cortex-M4 -Os build:
 * UDP_INLINE for small helpers that fold to a compare or two there and cost
 * more as calls, UDP_NOINLINE where inlining would copy a helper.  With
 * IPv6 they are left to the compiler.  GCC and Clang; elsewhere only a
 * hint lost. */
#if defined(__GNUC__) && !LWIP_IPV6
#define UDP_INLINE inline __attribute__((always_inline))
#define UDP_NOINLINE __attribute__((noinline))
#else
#define UDP_INLINE inline
#define UDP_NOINLINE
#endif

/** Buckets of the local-port hash (a power of two).  A build of up to 32
 *  PCBs (the minimal profile has 4) keeps one bucket, as TCP does for a
 *  few PCBs: a lookup then walks at most 32 PCBs, cheap next to the
 *  datagram's checksum, the port mixing and the loops over buckets fold
 *  away, and the empty buckets' RAM goes too.  (32 also puts CI's minimal
 *  test build, with 24, on this side, so the unit suites test it.) */
#define UDP_HASH_SIZE (MEMP_NUM_UDP_PCB > 32 ? 64U : 1U)
_Static_assert((UDP_HASH_SIZE & (UDP_HASH_SIZE - 1U)) == 0, "UDP_HASH_SIZE must be a power of two");

static struct udp_pcb *udp_hash[UDP_HASH_SIZE];
#if UDP_HASH_SIZE > 1
/** PCBs that have no local port yet. */
static struct udp_pcb *udp_unbound;
#endif

/** A parsed, validated UDP header (host order). */
struct udp_hdr_view {
  u16_t sport;
  u16_t dport;
  u16_t len; /* UDP: datagram length; UDP-Lite: checksum coverage */
  u16_t chksum;
  u16_t coverage; /* bytes the checksum covers (UDP-Lite), else tot_len */
};

static UDP_NOINLINE struct udp_pcb **udp_chain(u16_t port)
{
#if UDP_HASH_SIZE > 1
  if (port == 0) {
    return &udp_unbound;
  }
  return &udp_hash[(port ^ (port >> 8)) & (UDP_HASH_SIZE - 1U)];
#else
  /* One chain holds every PCB, those without a port too: udp_match()
   * refuses port 0, so a datagram to port 0 still finds none. */
  LWIP_UNUSED_ARG(port);
  return &udp_hash[0];
#endif
}

static UDP_NOINLINE void udp_unlink(struct udp_pcb *pcb)
{
  struct udp_pcb **pp = udp_chain(pcb->local_port);
  while (*pp != NULL) {
    if (*pp == pcb) {
      *pp = pcb->next;
      pcb->next = NULL;
      return;
    }
    pp = &(*pp)->next;
  }
}

static void udp_link(struct udp_pcb *pcb)
{
  struct udp_pcb **head = udp_chain(pcb->local_port);
  pcb->next = *head;
  *head = pcb;
}

/** Is @p pcb still bound to @p port?  Its chain holds other ports too
 *  (one chain for all in small builds, a bucket's ports in others), so
 *  being on it is not enough: a PCB rebound to another port that lands on
 *  the same chain sits at its head again. */
static UDP_NOINLINE bool udp_linked(const struct udp_pcb *pcb, u16_t port)
{
  for (const struct udp_pcb *q = *udp_chain(port); q != NULL; q = q->next) {
    if (q == pcb) {
      return q->local_port == port;
    }
  }
  return false;
}

/** IPv4 part of an address, any when NULL. */
static u32_t addr4(const ip_addr_t *a)
{
  return a == NULL ? IPADDR_ANY : ip_2_ip4(a)->addr;
}

/** ip_addr_isany() of an address that is there: one compare, inline, where
 *  only IPv4 is built. */
static UDP_INLINE bool udp_isany(const ip_addr_t *a)
{
#if LWIP_IPADDR_V6
  return ip_addr_isany(a);
#else
  return ip_2_ip4(a)->addr == IPADDR_ANY;
#endif
}

/** ip_addr_eq(), inline where only IPv4 is built. */
static UDP_INLINE bool udp_addr_eq(const ip_addr_t *a, const ip_addr_t *b)
{
#if LWIP_IPADDR_V6
  return ip_addr_eq(a, b);
#else
  return a->type == b->type && ip_2_ip4(a)->addr == ip_2_ip4(b)->addr;
#endif
}

/** The IPv4 address @p pcb is bound to; any when it is bound to none.
 *  Without IPv6 its address is IPv4 or IP_ANY_TYPE, and an IP_ANY_TYPE
 *  address is always zero (udp_bind_addr, udp_new_ip_type). */
static UDP_INLINE const ip4_addr_t *udp_local4(const struct udp_pcb *pcb)
{
  return !LWIP_IPV6 || IP_IS_V4_VAL(pcb->local_ip) ? ip_2_ip4(&pcb->local_ip) : IP4_ADDR_ANY4;
}

/** Can a PCB whose address has type @p pcb_type carry a datagram of
 *  family @p type (IPADDR_TYPE_V4 or IPADDR_TYPE_V6)? */
static bool udp_family_ok(u8_t pcb_type, u8_t type)
{
  /* Without IPv6 both are IPv4 (the PCB's perhaps IPADDR_TYPE_ANY): bind,
   * connect and udp_new_ip_type() refuse IPv6, and udp_connect() and
   * udp_dst_ok() refuse an IPv6 or IP_ANY_TYPE destination themselves. */
  return !LWIP_IPV6 || pcb_type == IPADDR_TYPE_ANY || pcb_type == type;
}

/** Does the PCB address @p mine (a specific address) name the packet
 *  address @p pkt?  A link-local IPv6 address bound without a zone matches
 *  that address on any link. */
static UDP_INLINE bool udp_addr_match(const ip_addr_t *mine, const ip_addr_t *pkt)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*mine)) {
    const ip6_addr_t *m = ip_2_ip6(mine);
    return IP_IS_V6_VAL(*pkt) && ip6_addr_eq_nozone(m, ip_2_ip6(pkt)) &&
           (m->zone == IP6_NO_ZONE || m->zone == ip_2_ip6(pkt)->zone);
  }
#endif
  /* Without IPv6 no address anywhere is of another family. */
  return (!LWIP_IPV6 || IP_IS_V4_VAL(*pkt)) && addr4(mine) == ip_2_ip4(pkt)->addr;
}

/** Could the PCB addresses @p a and @p b both take the same datagram?
 *  Their families must overlap, and then their addresses: equal, or one
 *  of them the wildcard. */
static bool udp_addrs_overlap(const ip_addr_t *a, const ip_addr_t *b)
{
#if !LWIP_IPV6
  /* Both IPv4, or IP_ANY_TYPE and so all zero: a wildcard, or equal. */
  u32_t x = ip_2_ip4(a)->addr, y = ip_2_ip4(b)->addr;
  return x == IPADDR_ANY || y == IPADDR_ANY || x == y;
#else
  if (a->type != b->type && a->type != IPADDR_TYPE_ANY && b->type != IPADDR_TYPE_ANY) {
    return false;
  }
  if (udp_isany(a) || udp_isany(b) || a->type == IPADDR_TYPE_ANY || b->type == IPADDR_TYPE_ANY) {
    return true;
  }
  return udp_addr_eq(a, b);
#endif
}

void udp_init(void)
{
  memset(udp_hash, 0, sizeof(udp_hash));
#if UDP_HASH_SIZE > 1
  udp_unbound = NULL;
#endif
}

/* ------------------------------------------------------------------ */
/* PCB management                                                      */
/* ------------------------------------------------------------------ */

struct udp_pcb *udp_new(void)
{
  struct udp_pcb *pcb = (struct udp_pcb *)memp_malloc(MEMP_UDP_PCB);
  if (pcb == NULL) {
    LWIP_LOG(UDP, WARN, "udp_new: out of PCBs");
    return NULL;
  }
  memset(pcb, 0, sizeof(*pcb));
  ip_addr_set_zero(&pcb->local_ip);
  ip_addr_set_zero(&pcb->remote_ip);
  pcb->ttl = IP_DEFAULT_TTL;
  /* RFC 1112 6.1: multicast datagrams default to TTL 1 (this subnet). */
  pcb->mcast_ttl = 1;
  udp_link(pcb);
  return pcb;
}

struct udp_pcb *udp_new_ip_type(u8_t type)
{
  if (type != IPADDR_TYPE_V4 && type != IPADDR_TYPE_ANY && (type != IPADDR_TYPE_V6 || !LWIP_IPV6)) {
    return NULL;
  }
  struct udp_pcb *pcb = udp_new();
  if (pcb != NULL) {
    IP_SET_TYPE_VAL(pcb->local_ip, type);
    IP_SET_TYPE_VAL(pcb->remote_ip, type);
  }
  return pcb;
}

void udp_remove(struct udp_pcb *pcb)
{
  if (pcb == NULL) {
    return;
  }
  udp_unlink(pcb);
  memp_free(MEMP_UDP_PCB, pcb);
}

/** Would binding @p pcb to @p addr:@p port collide with another PCB?  The
 *  bindings collide when one datagram could be for both (udp_addrs_overlap);
 *  SO_REUSEADDR on both sides allows it (several listeners of one
 *  multicast port).  @p exclusive: any other PCB on the port collides. */
static bool udp_port_conflict(const struct udp_pcb *pcb, const ip_addr_t *addr, u16_t port, bool exclusive)
{
  for (const struct udp_pcb *q = *udp_chain(port); q != NULL; q = q->next) {
    if (q == pcb || q->local_port != port) {
      continue;
    }
    if (exclusive) {
      return true;
    }
    if (!udp_addrs_overlap(&q->local_ip, addr)) {
      continue;
    }
    if (ip_get_option(pcb, SOF_REUSEADDR) && ip_get_option(q, SOF_REUSEADDR)) {
      continue;
    }
    return true;
  }
  return false;
}

/** RFC 6056 3.3.1 (algorithm 1): a random starting point in the dynamic
 *  range, then the next free port.  @return the port or 0 when all are taken. */
static u16_t udp_ephemeral_port(const struct udp_pcb *pcb)
{
  const u32_t span = UDP_LOCAL_PORT_RANGE_END - UDP_LOCAL_PORT_RANGE_START + 1U;
  u32_t off = lwip_port_rand() % span;
  for (u32_t i = 0; i < span; i++) {
    u16_t port = (u16_t)(UDP_LOCAL_PORT_RANGE_START + (off + i) % span);
    if (!udp_port_conflict(pcb, &pcb->local_ip, port, true)) {
      return port;
    }
  }
  return 0;
}

/** The local address binding @p pcb to @p ipaddr gives it: the address
 *  as given (its type becomes the PCB's family, as in lwIP), or for NULL
 *  the wildcard of the PCB's present family. */
static void udp_bind_addr(const struct udp_pcb *pcb, const ip_addr_t *ipaddr, ip_addr_t *out)
{
  if (ipaddr == NULL) {
    ip_addr_set_zero(out);
    out->type = pcb->local_ip.type;
    return;
  }
  *out = *ipaddr;
  if (IP_IS_ANY_TYPE_VAL(*out)) {
    ip_addr_set_zero(out); /* IP_ANY_TYPE is a wildcard by definition */
    out->type = IPADDR_TYPE_ANY;
  }
}

err_t udp_bind(struct udp_pcb *pcb, const ip_addr_t *ipaddr, u16_t port)
{
  LWIP_ERROR_RET("udp_bind: pcb", pcb != NULL, ERR_VAL);
  LWIP_ERROR_RET("udp_bind: IPv6 not built", ipaddr == NULL || !IP_IS_V6_VAL(*ipaddr) || LWIP_IPV6, ERR_VAL);
  ip_addr_t addr;
  udp_bind_addr(pcb, ipaddr, &addr);
  if (port == 0) {
    port = udp_ephemeral_port(pcb);
    if (port == 0) {
      LWIP_LOG(UDP, WARN, "udp_bind: no free ephemeral port");
      return ERR_BUF;
    }
  } else if (udp_port_conflict(pcb, &addr, port, false)) {
    LWIP_LOG(UDP, DEBUG, "udp_bind: port %u in use", port);
    return ERR_USE;
  }
  udp_unlink(pcb);
  pcb->local_ip = addr;
  pcb->local_port = port;
  udp_link(pcb);
  LWIP_LOG(UDP, DEBUG, "bound to %s:%u", ipaddr_ntoa(&pcb->local_ip), port);
  return ERR_OK;
}

/** A PCB that sends or connects without a port first gets an ephemeral
 *  one on its present address.  @return ERR_OK or udp_bind()'s error. */
static UDP_NOINLINE err_t udp_autobind(struct udp_pcb *pcb)
{
  return pcb->local_port != 0 ? ERR_OK : udp_bind(pcb, &pcb->local_ip, 0);
}

void udp_bind_netif(struct udp_pcb *pcb, const struct netif *netif)
{
  if (pcb != NULL) {
    pcb->netif_idx = netif != NULL ? netif_get_index(netif) : NETIF_NO_INDEX;
  }
}

err_t udp_connect(struct udp_pcb *pcb, const ip_addr_t *ipaddr, u16_t port)
{
  LWIP_ERROR_RET("udp_connect: pcb", pcb != NULL, ERR_VAL);
  if (ipaddr == NULL || IP_IS_ANY_TYPE_VAL(*ipaddr) || !udp_family_ok(pcb->local_ip.type, ipaddr->type) ||
      (IP_IS_V6_VAL(*ipaddr) && !LWIP_IPV6)) {
    return ERR_VAL;
  }
  err_t err = udp_autobind(pcb);
  if (err != ERR_OK) {
    return err;
  }
  pcb->remote_ip = *ipaddr;
  pcb->remote_port = port;
  udp_set_flags(pcb, UDP_FLAGS_CONNECTED);
  return ERR_OK;
}

void udp_disconnect(struct udp_pcb *pcb)
{
  if (pcb == NULL) {
    return;
  }
  u8_t type = pcb->local_ip.type;
  ip_addr_set_zero(&pcb->remote_ip);
  pcb->remote_ip.type = type;
  pcb->remote_port = 0;
  udp_clear_flags(pcb, UDP_FLAGS_CONNECTED);
}

void udp_err(struct udp_pcb *pcb, udp_err_fn errf)
{
  if (pcb != NULL) {
    pcb->errf = errf;
  }
}

void udp_recv(struct udp_pcb *pcb, udp_recv_fn recv, void *recv_arg)
{
  if (pcb != NULL) {
    pcb->recv = recv;
    pcb->recv_arg = recv_arg;
  }
}

static void udp_foreach_chain(struct udp_pcb *head, void (*fn)(struct udp_pcb *pcb, void *arg), void *arg)
{
  struct udp_pcb *pcb = head;
  while (pcb != NULL) {
    struct udp_pcb *next = pcb->next; /* fn may remove pcb */
    fn(pcb, arg);
    pcb = next;
  }
}

void udp_foreach(void (*fn)(struct udp_pcb *pcb, void *arg), void *arg)
{
  if (fn == NULL) {
    return;
  }
  for (size_t i = 0; i < UDP_HASH_SIZE; i++) {
    udp_foreach_chain(udp_hash[i], fn, arg);
  }
#if UDP_HASH_SIZE > 1
  udp_foreach_chain(udp_unbound, fn, arg);
#endif
}

static void udp_rebind_chain(struct udp_pcb *pcb, const ip_addr_t *old_addr, const ip_addr_t *new_addr)
{
  for (; pcb != NULL; pcb = pcb->next) {
    if (udp_addr_eq(&pcb->local_ip, old_addr)) {
#if LWIP_IPADDR_V6
      ip_addr_set(&pcb->local_ip, new_addr);
      pcb->local_ip.type = old_addr->type;
#else
      /* Only the address changes: the type is old_addr's already. */
      ip_2_ip4(&pcb->local_ip)->addr = addr4(new_addr);
#endif
    }
  }
}

void udp_netif_ip_addr_changed(const ip_addr_t *old_addr, const ip_addr_t *new_addr)
{
  /* ip_addr_isany() counts NULL as any. */
  if (ip_addr_isany(old_addr)) {
    return; /* PCBs bound to any follow every address already */
  }
  for (size_t i = 0; i < UDP_HASH_SIZE; i++) {
    udp_rebind_chain(udp_hash[i], old_addr, new_addr);
  }
#if UDP_HASH_SIZE > 1
  udp_rebind_chain(udp_unbound, old_addr, new_addr);
#endif
}

/* ------------------------------------------------------------------ */
/* Input                                                               */
/* ------------------------------------------------------------------ */

/** Check the header and length fields; trims link padding.  Returns false
 *  after counting the drop (the caller frees). */
static bool udp_validate(struct pbuf *p, const struct ip_rx *rx, struct udp_hdr_view *h)
{
  u8_t buf[UDP_HLEN];
  /* NULL also when the datagram is shorter than the header. */
  const u8_t *hdr = pbuf_get_contiguous(p, buf, sizeof(buf), UDP_HLEN, 0);
  if (hdr == NULL) {
    LWIP_DROP(UDP_SHORT);
    return false;
  }
  h->sport = get_be16(hdr + UDP_OFF_SRC);
  h->dport = get_be16(hdr + UDP_OFF_DEST);
  h->len = get_be16(hdr + UDP_OFF_LEN);
  h->chksum = get_be16(hdr + UDP_OFF_CHKSUM);
#if LWIP_UDPLITE
  if (rx->proto == IP_PROTO_UDPLITE) {
    /* RFC 3828 3.1: coverage 0 means the whole datagram; 1..7 and more
     * than the datagram are illegal and the datagram is discarded. */
    if (h->len != 0 && (h->len < UDP_HLEN || h->len > p->tot_len)) {
      LWIP_DROP(UDP_BAD_COVERAGE);
      return false;
    }
    h->coverage = h->len == 0 ? p->tot_len : h->len;
    return true;
  }
#endif
  LWIP_UNUSED_ARG(rx);
  /* RFC 768: the length field counts header and data.  More than IP gave
   * us is a truncated datagram; less means padding after it (RFC 1122
   * 4.1.3.4 lets us discard trailing bytes), which we trim. */
  if (h->len < UDP_HLEN || h->len > p->tot_len) {
    LWIP_DROP(UDP_BAD_LEN);
    return false;
  }
  if (h->len < p->tot_len) {
    pbuf_realloc(p, h->len);
  }
  h->coverage = h->len;
  return true;
}

#if LWIP_IPV6
/** The IPv6 checksum (RFC 8200 8.1: the pseudo header holds both addresses,
 *  the upper-layer length and the next header value).  Unlike IPv4 it is
 *  mandatory for UDP too: a zero checksum is refused by the caller. */
static bool udp6_checksum_ok(const struct pbuf *p, const struct ip_rx *rx, const struct udp_hdr_view *h)
{
  if (!NETIF_CHECKSUM_ENABLED(rx->inp, NETIF_CHECKSUM_CHECK_UDP) || PBUF_CSUM_VERIFIED(p)) {
    return true;
  }
  const ip6_addr_t *src = ip_2_ip6(&rx->src);
  const ip6_addr_t *dst = ip_2_ip6(&rx->dest);
#if LWIP_UDPLITE
  if (rx->proto == IP_PROTO_UDPLITE) {
    return ip6_chksum_pseudo_partial(p, IP_PROTO_UDPLITE, p->tot_len, h->coverage, src, dst) == 0;
  }
#else
  LWIP_UNUSED_ARG(h);
#endif
  return ip6_chksum_pseudo(p, IP_PROTO_UDP, p->tot_len, src, dst) == 0;
}
#endif

static bool udp_checksum_ok(const struct pbuf *p, const struct ip_rx *rx, const struct udp_hdr_view *h)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(rx->dest)) {
    return udp6_checksum_ok(p, rx, h);
  }
#endif
#if LWIP_UDPLITE
  if (rx->proto == IP_PROTO_UDPLITE) {
    if (!NETIF_CHECKSUM_ENABLED(rx->inp, NETIF_CHECKSUM_CHECK_UDP)) {
      return true;
    }
    return inet_chksum_pseudo_partial(p, IP_PROTO_UDPLITE, p->tot_len, h->coverage, ip_2_ip4(&rx->src),
                                      ip_2_ip4(&rx->dest)) == 0;
  }
#endif
  /* RFC 768: a zero checksum means the sender did not compute one. */
  if (h->chksum == 0 || !NETIF_CHECKSUM_ENABLED(rx->inp, NETIF_CHECKSUM_CHECK_UDP) || PBUF_CSUM_VERIFIED(p)) {
    return true;
  }
  return inet_chksum_pseudo(p, IP_PROTO_UDP, p->tot_len, ip_2_ip4(&rx->src), ip_2_ip4(&rx->dest)) == 0;
}

/** A zero checksum the datagram may not carry: UDP-Lite never (RFC 3828
 *  3.1), UDP over IPv6 never (RFC 8200 8.1; the RFC 6935 tunnel exception
 *  is not ours to make).  Counted by the caller under the right name. */
static int udp_zero_chksum_drop(const struct ip_rx *rx, const struct udp_hdr_view *h)
{
  if (h->chksum != 0) {
    return LWIP_DROP_COUNT;
  }
#if LWIP_UDPLITE
  if (rx->proto == IP_PROTO_UDPLITE) {
    return LWIP_DROP_UDP_BAD_CHKSUM;
  }
#endif
  if (IP_IS_V6_VAL(rx->dest)) {
    return LWIP_DROP_UDP6_ZERO_CHKSUM;
  }
  return LWIP_DROP_COUNT;
}

/** How well @p pcb matches the datagram: 0 no match, higher is better
 *  (connected to the sender > bound to the destination > a wildcard of the
 *  datagram's family > a dual-stack wildcard). */
static UDP_NOINLINE int udp_match(const struct udp_pcb *pcb, const struct ip_rx *rx, const struct udp_hdr_view *h)
{
  /* Port 0 is no port (RFC 768 reserves it; a bind to 0 picks another), so
   * a datagram to it matches no PCB, not even one not bound yet. */
  if (h->dport == 0 || pcb->local_port != h->dport) {
    return 0;
  }
#if LWIP_UDPLITE
  bool lite = (pcb->flags & UDP_FLAGS_UDPLITE) != 0;
  if (lite != (rx->proto == IP_PROTO_UDPLITE)) {
    return 0;
  }
#else
  /* Only UDP gets here: without UDP-Lite neither ip4's nor ip6's protocol
   * table hands protocol 136 to UDP.  A PCB flagged UDP-Lite takes none. */
  if (pcb->flags & UDP_FLAGS_UDPLITE) {
    return 0;
  }
#endif
  if (!udp_family_ok(pcb->local_ip.type, rx->dest.type)) {
    return 0; /* an IPv4 PCB never sees IPv6, an IPv6 PCB never IPv4 */
  }
  if (pcb->netif_idx != NETIF_NO_INDEX && pcb->netif_idx != netif_get_index(rx->inp)) {
    return 0;
  }
  int score;
  if (IP_IS_ANY_TYPE_VAL(pcb->local_ip)) {
    score = 1;
  } else if (udp_isany(&pcb->local_ip)) {
    score = 2;
  } else if (udp_addr_match(&pcb->local_ip, &rx->dest)) {
    score = 3;
  } else if (rx->is_broadcast && (!LWIP_IPV6 || IP_IS_V4_VAL(rx->dest)) &&
             addr4(&pcb->local_ip) == netif_ip4_addr(rx->inp)->addr) {
    /* A PCB bound to the netif's address hears the netif's broadcasts. */
    score = 3;
  } else {
    return 0;
  }
  if (pcb->flags & UDP_FLAGS_CONNECTED) {
    if (pcb->remote_port != h->sport || (!udp_isany(&pcb->remote_ip) && !udp_addr_match(&pcb->remote_ip, &rx->src))) {
      return 0; /* connected elsewhere: not for this PCB */
    }
    score += 4;
  }
  return score;
}

/** RFC 3828 3.3: a receiver may insist on a minimum coverage. */
static bool udp_coverage_ok(const struct udp_pcb *pcb, const struct udp_hdr_view *h)
{
#if LWIP_UDPLITE
  if ((pcb->flags & UDP_FLAGS_UDPLITE) && pcb->chksum_len_rx != 0 && h->coverage < pcb->chksum_len_rx) {
    return false;
  }
#else
  LWIP_UNUSED_ARG(pcb);
  LWIP_UNUSED_ARG(h);
#endif
  return true;
}

/** Hand @p p (payload at the UDP header) to @p pcb's callback, which then
 *  owns it. */
static void udp_deliver(struct udp_pcb *pcb, struct pbuf *p, const struct ip_rx *rx, u16_t sport)
{
  if (p->len < UDP_HLEN) {
    /* The header straddles pbufs: hand over one contiguous copy so the
     * payload pointer can simply step over it. */
    struct pbuf *q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
    pbuf_free(p);
    if (q == NULL) {
      LWIP_DROP(UDP_NO_MEM);
      return;
    }
    p = q;
  }
  pbuf_remove_header(p, UDP_HLEN);
  if (pcb->recv == NULL) {
    pbuf_free(p);
    return;
  }
  pcb->recv(pcb->recv_arg, pcb, p, &rx->src, sport);
}

/** A private copy of @p p (payload at the UDP header) for one of several
 *  receivers, with the IP header in front as the original has it. */
static struct pbuf *udp_copy(struct pbuf *p, const struct ip_rx *rx)
{
  bool with_ip = pbuf_add_header_force(p, rx->hdr_len) == 0;
  struct pbuf *q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
  if (with_ip) {
    pbuf_remove_header(p, rx->hdr_len);
    if (q != NULL) {
      pbuf_remove_header(q, rx->hdr_len);
    }
  }
  return q;
}

static UDP_INLINE struct udp_pcb *udp_next_match(struct udp_pcb *pcb, const struct ip_rx *rx,
                                                 const struct udp_hdr_view *h)
{
  for (; pcb != NULL; pcb = pcb->next) {
    if (udp_match(pcb, rx, h) > 0 && udp_coverage_ok(pcb, h)) {
      return pcb;
    }
  }
  return NULL;
}

/** Broadcast and multicast: every matching PCB gets the datagram (RFC 1122
 *  4.1.3.5 leaves it to the application; sockets on a shared port each
 *  receive a copy, as BSD does with SO_REUSEADDR). */
static bool udp_input_multi(struct pbuf *p, const struct ip_rx *rx, const struct udp_hdr_view *h)
{
  u16_t dport = h->dport;
  struct udp_pcb *cur = udp_next_match(*udp_chain(dport), rx, h);
  if (cur == NULL) {
    return false;
  }
  while (cur != NULL) {
    struct udp_pcb *next = udp_next_match(cur->next, rx, h);
    if (next == NULL) {
      udp_deliver(cur, p, rx, h->sport);
      return true;
    }
    struct pbuf *q = udp_copy(p, rx);
    if (q != NULL) {
      udp_deliver(cur, q, rx, h->sport);
    } else {
      LWIP_DROP(UDP_NO_MEM);
    }
    /* The callback may have removed or rebound PCBs: continue only from
     * PCBs still in the chain and still matching. */
    if (!udp_linked(next, dport) || udp_match(next, rx, h) == 0) {
      next = udp_linked(cur, dport) ? udp_next_match(cur->next, rx, h) : NULL;
    }
    cur = next;
  }
  pbuf_free(p);
  return true;
}

static struct udp_pcb *udp_best_match(const struct ip_rx *rx, const struct udp_hdr_view *h)
{
  struct udp_pcb *best = NULL;
  int best_score = 0;
  for (struct udp_pcb *pcb = *udp_chain(h->dport); pcb != NULL; pcb = pcb->next) {
    int score = udp_match(pcb, rx, h);
    if (score > best_score) {
      best = pcb;
      best_score = score;
    }
  }
  return best;
}

/** No receiver for a unicast datagram: RFC 1122 4.1.3.1 asks for port
 *  unreachable; over IPv6, RFC 4443 3.1 asks for Destination Unreachable
 *  code 4.  Both go through their protocol's error rate limit.  (Never for
 *  a broadcast or multicast datagram, RFC 1122 3.2.2 and RFC 4443
 *  2.4(e.3): udp_input_rx() drops those itself.) */
static UDP_INLINE void udp_no_pcb(struct pbuf *p, const struct ip_rx *rx, const struct ip6_rx *rx6)
{
  LWIP_DROP(UDP_NO_PCB);
  if (pbuf_add_header_force(p, rx->hdr_len) == 0) {
#if LWIP_IPV6
    if (rx6 != NULL) {
      icmp6_dest_unreach(p, rx6, ICMP6_DUR_PORT);
      pbuf_free(p);
      return;
    }
#else
    LWIP_UNUSED_ARG(rx6);
#endif
#if LWIP_ICMP
    icmp_dest_unreach(p, ICMP_DUR_PORT);
#endif
  }
  pbuf_free(p);
}

/** Input of either family: @p rx6 is the IPv6 context (NULL for IPv4),
 *  needed only to quote the datagram in an ICMPv6 error. */
static void udp_input_rx(struct pbuf *p, const struct ip_rx *rx, const struct ip6_rx *rx6)
{
  struct udp_hdr_view h;
  LWIP_ASSERT("udp_input: args", p != NULL && rx != NULL && rx->inp != NULL);
  STATS_RX(UDP);
  if (!udp_validate(p, rx, &h)) {
    pbuf_free(p);
    return;
  }
  int zero = udp_zero_chksum_drop(rx, &h);
  if (zero != LWIP_DROP_COUNT) {
#if LWIP_STATS || LWIP_DEBUG
    lwip_drop((enum lwip_drop_reason)zero);
#endif
    pbuf_free(p);
    return;
  }
  if (!udp_checksum_ok(p, rx, &h)) {
    LWIP_DROP(UDP_BAD_CHKSUM);
    pbuf_free(p);
    return;
  }
  LWIP_LOG(UDP, TRACE, "in %s:%u -> port %u len %u", ipaddr_ntoa(&rx->src), h.sport, h.dport, p->tot_len);
  if (rx->is_broadcast || rx->is_multicast) {
    if (!udp_input_multi(p, rx, &h)) {
      LWIP_DROP(UDP_NO_PCB); /* and no ICMP error about it (udp_no_pcb()) */
      pbuf_free(p);
    }
    return;
  }
  struct udp_pcb *pcb = udp_best_match(rx, &h);
  if (pcb == NULL) {
    udp_no_pcb(p, rx, rx6);
    return;
  }
  if (!udp_coverage_ok(pcb, &h)) {
    LWIP_DROP(UDP_BAD_COVERAGE);
    pbuf_free(p);
    return;
  }
  udp_deliver(pcb, p, rx, h.sport);
}

void udp_input(struct pbuf *p, const struct ip_rx *rx)
{
  udp_input_rx(p, rx, NULL);
}

#if LWIP_IPV6
void udp6_input(struct pbuf *p, const struct ip6_rx *rx)
{
  udp_input_rx(p, &rx->ip, rx);
}
#endif

/* ------------------------------------------------------------------ */
/* ICMP errors                                                          */
/* ------------------------------------------------------------------ */

/* ICMP (icmp.c) and ICMPv6 (icmp6.c) report errors about our datagrams
 * here. */

/** Is @p pcb the sender of the datagram @p e quotes?  Its local port is
 *  the quoted source port, its family and any bound address fit the
 *  quoted source, and a connected PCB's peer is the quoted destination. */
static UDP_INLINE bool udp_err_match(const struct udp_pcb *pcb, const struct ip_icmp_err *e)
{
  /* We never send from port 0: a quote of one is about no PCB of ours. */
  if (e->sport == 0 || pcb->local_port != e->sport || !udp_family_ok(pcb->local_ip.type, e->dest.type)) {
    return false;
  }
  bool lite = (pcb->flags & UDP_FLAGS_UDPLITE) != 0;
  if (lite != (e->proto == IP_PROTO_UDPLITE)) {
    return false;
  }
  /* Without IPv6 an IP_ANY_TYPE address is all zero: udp_isany() covers it. */
  if (!udp_isany(&pcb->local_ip) && !(LWIP_IPV6 && IP_IS_ANY_TYPE_VAL(pcb->local_ip)) &&
      !udp_addr_match(&pcb->local_ip, &e->src)) {
    return false;
  }
  if (pcb->flags & UDP_FLAGS_CONNECTED) {
    return pcb->remote_port == e->dport && udp_addr_match(&pcb->remote_ip, &e->dest);
  }
  return true;
}

bool udp_icmp_error(const struct ip_icmp_err *e)
{
  LWIP_ASSERT("udp_icmp_error: args", e != NULL);
  bool found = false;
  struct udp_pcb *pcb = *udp_chain(e->sport);
  while (pcb != NULL) {
    struct udp_pcb *next = pcb->next; /* the callback may remove pcb */
    if (udp_err_match(pcb, e)) {
      found = true;
      LWIP_LOG(UDP, DEBUG, "ICMP error type %u code %u for port %u (to %s:%u)", e->type, e->code, e->sport,
               ipaddr_ntoa(&e->dest), e->dport);
      if (pcb->errf != NULL) {
        pcb->errf(pcb->recv_arg, pcb, e);
      }
      /* RFC 1122 4.1.3.3: every error goes up; stop if the callback
       * removed PCBs we would walk next. */
      if (next != NULL && !udp_linked(next, e->sport)) {
        break;
      }
    }
    pcb = next;
  }
  return found;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

static struct netif *udp_find_netif_by_addr(const ip4_addr_t *addr)
{
  struct netif *n;
  NETIF_FOREACH(n)
  {
    if (netif_is_up(n) && netif_ip4_addr(n)->addr == addr->addr) {
      return n;
    }
  }
  return NULL;
}

#if LWIP_IPV6
/** The netif an IPv6 datagram from @p pcb to @p dst leaves by: the bound
 *  netif, for multicast the chosen interface (RFC 3493 5.2
 *  IPV6_MULTICAST_IF) or the group's zone, else the IPv6 route. */
static struct netif *udp6_route(const struct udp_pcb *pcb, const ip6_addr_t *dst)
{
  if (ip6_addr_ismulticast(dst) && pcb->mcast_ifindex != NETIF_NO_INDEX && dst->zone == IP6_NO_ZONE) {
    return netif_get_by_index(pcb->mcast_ifindex);
  }
  const ip6_addr_t *src = IP_IS_V6_VAL(pcb->local_ip) ? ip_2_ip6(&pcb->local_ip) : NULL;
  return ip6_route(src, dst);
}
#endif

/** The netif a datagram from @p pcb to @p dst leaves by. */
static struct netif *udp_route(const struct udp_pcb *pcb, const ip_addr_t *dst_ip)
{
  if (pcb->netif_idx != NETIF_NO_INDEX) {
    return netif_get_by_index(pcb->netif_idx);
  }
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*dst_ip)) {
    return udp6_route(pcb, ip_2_ip6(dst_ip));
  }
#endif
  const ip4_addr_t *dst = ip_2_ip4(dst_ip);
  if (ip4_addr_ismulticast(dst)) {
    /* The multicast interface options pick the netif (RFC 1112 6.1:
     * the default interface otherwise). */
    if (pcb->mcast_ifindex != NETIF_NO_INDEX) {
      return netif_get_by_index(pcb->mcast_ifindex);
    }
    if (!ip4_addr_isany_val(pcb->mcast_ip4) && !ip4_addr_islimitedbroadcast(&pcb->mcast_ip4)) {
      struct netif *n = udp_find_netif_by_addr(&pcb->mcast_ip4);
      if (n != NULL) {
        return n;
      }
    }
  }
  const ip4_addr_t *local = udp_local4(pcb);
  return ip4_route_src(local, dst);
}

err_t udp_send(struct udp_pcb *pcb, struct pbuf *p)
{
  LWIP_ERROR_RET("udp_send: args", pcb != NULL && p != NULL, ERR_VAL);
  if ((pcb->flags & UDP_FLAGS_CONNECTED) == 0) {
    return ERR_CONN;
  }
  return udp_sendto(pcb, p, &pcb->remote_ip, pcb->remote_port);
}

/** Can @p pcb send to @p dst_ip?  A concrete address of the PCB's family
 *  (either family for a dual-stack PCB), of a family that is built. */
static UDP_INLINE bool udp_dst_ok(const struct udp_pcb *pcb, const ip_addr_t *dst_ip)
{
  if (IP_IS_ANY_TYPE_VAL(*dst_ip) || !udp_family_ok(pcb->local_ip.type, dst_ip->type)) {
    return false;
  }
  return LWIP_IPV6 || !IP_IS_V6_VAL(*dst_ip);
}

err_t udp_sendto(struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *dst_ip, u16_t dst_port)
{
  LWIP_ERROR_RET("udp_sendto: args", pcb != NULL && p != NULL && dst_ip != NULL, ERR_VAL);
  if (!udp_dst_ok(pcb, dst_ip)) {
    return ERR_VAL;
  }
  struct netif *netif = udp_route(pcb, dst_ip);
  if (netif == NULL) {
    LWIP_LOG(UDP, DEBUG, "no route to %s", ipaddr_ntoa(dst_ip));
    STATS_INC(UDP, rterr);
    return ERR_RTE;
  }
  return udp_sendto_if(pcb, p, dst_ip, dst_port, netif);
}

#if LWIP_IPV6
/** The IPv6 source for a datagram from @p pcb to @p dst through @p netif:
 *  the bound address when it is a usable address of that netif, else (a
 *  wildcard or group binding) the one RFC 6724 selection picks.
 *  @return ERR_OK or ERR_RTE. */
static err_t udp6_source(const struct udp_pcb *pcb, const ip6_addr_t *dst, struct netif *netif, ip_addr_t *src)
{
  if (IP_IS_V6_VAL(pcb->local_ip) && !ip6_addr_isany(ip_2_ip6(&pcb->local_ip)) &&
      !ip6_addr_ismulticast(ip_2_ip6(&pcb->local_ip))) {
    s8_t i = netif_get_ip6_addr_match(netif, ip_2_ip6(&pcb->local_ip));
    if (i < 0 || !ip6_addr_isvalid(netif_ip6_addr_state(netif, i))) {
      return ERR_RTE; /* bound to an address this netif cannot use */
    }
    *src = netif->ip6_addr[i];
    return ERR_OK;
  }
  const ip_addr_t *sel = ip6_select_source_address(netif, dst);
  if (sel == NULL) {
    return ERR_RTE;
  }
  *src = *sel;
  return ERR_OK;
}
#endif

err_t udp_sendto_if(struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *dst_ip, u16_t dst_port, struct netif *netif)
{
  LWIP_ERROR_RET("udp_sendto_if: args", pcb != NULL && p != NULL && dst_ip != NULL && netif != NULL, ERR_VAL);
  if (!udp_dst_ok(pcb, dst_ip)) {
    return ERR_VAL;
  }
  ip_addr_t src;
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*dst_ip)) {
    if (udp6_source(pcb, ip_2_ip6(dst_ip), netif, &src) != ERR_OK) {
      LWIP_LOG(UDP, DEBUG, "no IPv6 source on netif %u for %s", netif_get_index(netif), ipaddr_ntoa(dst_ip));
      return ERR_RTE;
    }
    return udp_sendto_if_src(pcb, p, dst_ip, dst_port, netif, &src);
  }
#endif
  const ip4_addr_t *local = udp_local4(pcb);
  if (ip4_addr_isany(local) || ip4_addr_ismulticast(local)) {
    /* Unbound (or bound to a group): the outgoing netif's address. */
    ip_addr_set_ip4(&src, netif_ip4_addr(netif));
  } else {
    if (local->addr != netif_ip4_addr(netif)->addr) {
      /* Bound to an address this netif does not own. */
      return ERR_RTE;
    }
    ip_addr_set_ip4(&src, local);
  }
  return udp_sendto_if_src(pcb, p, dst_ip, dst_port, netif, &src);
}

/** The pseudo-header checksum of @p q (RFC 768 for IPv4, RFC 8200 8.1 for
 *  IPv6) over its first @p cov bytes. */
static u16_t udp_pseudo_sum(const struct pbuf *q, u8_t proto, u16_t cov, const ip_addr_t *src, const ip_addr_t *dst)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*dst)) {
    return ip6_chksum_pseudo_partial(q, proto, q->tot_len, cov, ip_2_ip6(src), ip_2_ip6(dst));
  }
#endif
  return inet_chksum_pseudo_partial(q, proto, q->tot_len, cov, ip_2_ip4(src), ip_2_ip4(dst));
}

/** Fill in length (or coverage) and checksum of the header at q->payload. */
static void udp_finish_header(const struct udp_pcb *pcb, struct pbuf *q, u8_t proto, const ip_addr_t *src,
                              const ip_addr_t *dst, const struct netif *netif)
{
  u8_t *hdr = (u8_t *)q->payload;
  u16_t sum = 0;
  put_be16(hdr + UDP_OFF_CHKSUM, 0); /* summed below: must not be stale header room */
#if LWIP_UDPLITE
  if (proto == IP_PROTO_UDPLITE) {
    /* RFC 3828 3.1: coverage below the header is illegal, beyond the
     * datagram too; both mean "everything" here. */
    u16_t cov = pcb->chksum_len_tx;
    if (cov < UDP_HLEN || cov > q->tot_len) {
      cov = 0;
    }
    put_be16(hdr + UDP_OFF_LEN, cov);
    if (NETIF_CHECKSUM_ENABLED(netif, NETIF_CHECKSUM_GEN_UDP)) {
      sum = udp_pseudo_sum(q, IP_PROTO_UDPLITE, cov == 0 ? q->tot_len : cov, src, dst);
      if (sum == 0) {
        sum = 0xffff; /* 0 is illegal for UDP-Lite; 0xffff is its equal in ones' complement */
      }
    }
    memcpy(hdr + UDP_OFF_CHKSUM, &sum, 2);
    return;
  }
#endif
  LWIP_UNUSED_ARG(proto);
  put_be16(hdr + UDP_OFF_LEN, q->tot_len);
  /* UDP_FLAGS_NOCHKSUM is IPv4's option only: RFC 8200 8.1 makes the
   * checksum mandatory over IPv6. */
  bool want = (pcb->flags & UDP_FLAGS_NOCHKSUM) == 0 || (LWIP_IPV6 && IP_IS_V6_VAL(*dst));
  if (want && NETIF_CHECKSUM_ENABLED(netif, NETIF_CHECKSUM_GEN_UDP)) {
    sum = udp_pseudo_sum(q, IP_PROTO_UDP, q->tot_len, src, dst);
    if (sum == 0) {
      sum = 0xffff; /* RFC 768 and RFC 8200 8.1: a computed 0 is sent as all ones */
    }
  }
  memcpy(hdr + UDP_OFF_CHKSUM, &sum, 2);
}

#if LWIP_LOOPBACK && LWIP_IGMP
/** Deliver our own multicast datagram @p q to ourselves through the
 *  loopback queue, as IP_MULTICAST_LOOP does (RFC 1112 6.1). */
static void udp_mcast_loop(struct pbuf *q, const ip4_addr_t *src, const ip4_addr_t *dst, u8_t ttl, u8_t tos, u8_t proto,
                           struct netif *netif)
{
  struct pbuf *h = pbuf_alloc(PBUF_LINK, IP_HLEN, PBUF_RAM);
  if (h == NULL) {
    LWIP_DROP(UDP_NO_MEM);
    return;
  }
  u8_t *ip = (u8_t *)h->payload;
  memset(ip, 0, IP_HLEN);
  ip[IP4_OFF_VHL] = 0x45;
  ip[IP4_OFF_TOS] = tos;
  put_be16(ip + IP4_OFF_LEN, (u16_t)(IP_HLEN + q->tot_len));
  put_be16(ip + IP4_OFF_ID, ip4_next_id());
  ip[IP4_OFF_TTL] = ttl;
  ip[IP4_OFF_PROTO] = proto;
  put_n32(ip + IP4_OFF_SRC, src->addr);
  put_n32(ip + IP4_OFF_DEST, dst->addr);
  u16_t sum = inet_chksum(ip, IP_HLEN);
  memcpy(ip + IP4_OFF_CHKSUM, &sum, 2);
  pbuf_chain(h, q);
  if (netif_loop_output(netif, h) != ERR_OK) {
    LWIP_DROP(UDP_NO_MEM);
  }
  pbuf_free(h);
}
#endif

#if LWIP_LOOPBACK && LWIP_IPV6
/** IPv6 half of the multicast loop: our own datagram @p q to group @p dst
 *  goes to ourselves through the loopback queue too, as IPV6_MULTICAST_LOOP
 *  asks (RFC 3493 5.2), with the header IPv6 would have given it. */
static void udp6_mcast_loop(struct pbuf *q, const ip6_addr_t *src, const ip6_addr_t *dst, u8_t hl, u8_t tc, u8_t proto,
                            struct netif *netif)
{
  struct pbuf *h = pbuf_alloc(PBUF_LINK, IP6_HLEN, PBUF_RAM);
  if (h == NULL) {
    LWIP_DROP(UDP_NO_MEM);
    return;
  }
  u8_t *ip = (u8_t *)h->payload;
  put_be32(ip + IP6_OFF_VTCFL, (6UL << 28) | ((u32_t)tc << 20));
  put_be16(ip + IP6_OFF_PLEN, q->tot_len);
  ip[IP6_OFF_NEXTH] = proto;
  ip[IP6_OFF_HOPLIM] = hl;
  memcpy(ip + IP6_OFF_SRC, src->addr, IP6_ADDR_LEN);
  memcpy(ip + IP6_OFF_DEST, dst->addr, IP6_ADDR_LEN);
  pbuf_chain(h, q);
  if (netif_loop_output(netif, h) != ERR_OK) {
    LWIP_DROP(UDP_NO_MEM);
  }
  pbuf_free(h);
}
#endif

/** Hand the finished datagram @p q to IP of the family of @p dst_ip. */
static err_t udp_ip_output(const struct udp_pcb *pcb, struct pbuf *q, const ip_addr_t *src_ip, const ip_addr_t *dst_ip,
                           u8_t proto, struct netif *netif)
{
  bool mcast = ip_addr_ismulticast(dst_ip);
  u8_t ttl = mcast ? pcb->mcast_ttl : pcb->ttl;
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*dst_ip)) {
    /* RFC 4861 6.3.4: unicast leaves with the router's Cur Hop Limit unless
     * the application chose its own. */
    if (!mcast && ttl == IP_DEFAULT_TTL) {
      ttl = nd6_hop_limit(netif);
    }
    err_t err6 = ip6_output_if(q, ip_2_ip6(src_ip), ip_2_ip6(dst_ip), ttl, pcb->tos, proto, netif);
#if LWIP_LOOPBACK
    if (mcast && (pcb->flags & UDP_FLAGS_MULTICAST_LOOP) && mld6_lookfor_group(netif, ip_2_ip6(dst_ip)) != NULL) {
      udp6_mcast_loop(q, ip_2_ip6(src_ip), ip_2_ip6(dst_ip), ttl, pcb->tos, proto, netif);
    }
#endif
    return err6;
  }
#endif
  const ip4_addr_t *src = ip_2_ip4(src_ip);
  const ip4_addr_t *dst = ip_2_ip4(dst_ip);
  err_t err = ip4_output_if_src(q, src, dst, ttl, pcb->tos, proto, netif);
#if LWIP_LOOPBACK && LWIP_IGMP
  if (mcast && (pcb->flags & UDP_FLAGS_MULTICAST_LOOP) && igmp_lookfor_group(netif, dst) != NULL) {
    udp_mcast_loop(q, src, dst, ttl, pcb->tos, proto, netif);
  }
#endif
  return err;
}

err_t udp_sendto_if_src(struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *dst_ip, u16_t dst_port,
                        struct netif *netif, const ip_addr_t *src_ip)
{
  LWIP_ERROR_RET("udp_sendto_if_src: args",
                 pcb != NULL && p != NULL && dst_ip != NULL && netif != NULL && src_ip != NULL, ERR_VAL);
  if (!udp_dst_ok(pcb, dst_ip) || src_ip->type != dst_ip->type) {
    return ERR_VAL;
  }
  /* IPv4's total length and IPv6's payload length are 16 bits (no
   * jumbograms): the IPv4 limit is the tighter one. */
  u32_t room = IP_IS_V6_VAL(*dst_ip) ? 0xffffU - UDP_HLEN : 0xffffU - UDP_HLEN - IP_HLEN;
  if (p->tot_len > room) {
    return ERR_MEM;
  }
  err_t err = udp_autobind(pcb);
  if (err != ERR_OK) {
    return err;
  }
  /* The header goes in the header room when there is some, else in a pbuf
   * of its own chained in front (the caller's pbuf is referenced). */
  struct pbuf *q = pbuf_push_header(p, UDP_HLEN, PBUF_IP);
  if (q == NULL) {
    LWIP_DROP(UDP_NO_MEM);
    return ERR_MEM;
  }
  u8_t proto = IP_PROTO_UDP;
#if LWIP_UDPLITE
  if (pcb->flags & UDP_FLAGS_UDPLITE) {
    proto = IP_PROTO_UDPLITE;
  }
#endif
  u8_t *hdr = (u8_t *)q->payload;
  put_be16(hdr + UDP_OFF_SRC, pcb->local_port);
  put_be16(hdr + UDP_OFF_DEST, dst_port);
  udp_finish_header(pcb, q, proto, src_ip, dst_ip, netif);
  LWIP_LOG(UDP, TRACE, "out port %u -> %s:%u len %u", pcb->local_port, ipaddr_ntoa(dst_ip), dst_port, q->tot_len);
  STATS_TX(UDP);
  err = udp_ip_output(pcb, q, src_ip, dst_ip, proto, netif);
  pbuf_pop_header(q, p, UDP_HLEN); /* the caller's pbuf is as it gave it */
  return err;
}

#endif /* LWIP_UDP */
