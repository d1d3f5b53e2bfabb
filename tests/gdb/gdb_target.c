/**
 * @file gdb_target.c
 * A fixed stack state for the gdb helper test (test_gdb.py): one Ethernet
 * netif, a static and a pending ARP entry with two queued packets, a UDP PCB on port 7, a raw PCB,
 * a chain of three pbufs, with TCP a listener, a bound PCB and a
 * connection in SYN_SENT, and with IPv6 three addresses in different
 * states, three neighbor entries (DELAY, INCOMPLETE with two packets
 * queued, REACHABLE router), a Router Advertisement's router, prefix (and
 * the SLAAC address it makes), RDNSS server and route, a path MTU entry and
 * MLD groups (one joined by the application, with a query about it
 * pending) and an IPv6 first fragment in reassembly, then a stop at
 * gdb_checkpoint().
 *
 * Everything is built here in C: the test must not call functions in the
 * stopped inferior (gdb cannot on some CPUs, and the test runs gdb with
 * `set may-call-functions off` to prove it).
 */
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/etharp.h"
#include "lwip/ethernet.h"
#include "lwip/udp.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/pbuf.h"
#include "lwip/ip4_addr.h"
#include "lwip/inet_chksum.h"
#if LWIP_IPV6
#include "lwip/ip6_addr.h"
#include "lwip/nd6.h"
#include "lwip/mld6.h"
#include "lwip/prot/wire.h"
#endif

#include <stdio.h>
#include <string.h>

/* Globals, so gdb can name them in `lwip-pbuf`. */
struct pbuf *gdb_chain;
static struct netif gdb_netif;

/* IPv6 frames handed to the driver, apart from the ARP ones, so the test
 * can check the netif's transmit counters exactly. */
unsigned gdb_ip6_tx_frames;
unsigned gdb_ip6_tx_bytes;

void gdb_checkpoint(void);

/* The breakpoint target.  noinline and the asm barrier keep the call and
 * the symbol even in optimised builds. */
__attribute__((noinline)) void gdb_checkpoint(void)
{
  __asm__ volatile("" ::: "memory");
}

/* Frames go nowhere: the test only inspects state.  The transmit counters
 * are the driver's to keep, so this one counts what it is given. */
static err_t fake_linkoutput(struct netif *netif, struct pbuf *p)
{
  netif->counters.tx_packets++;
  netif->counters.tx_bytes += p->tot_len;
  u8_t type[2];
  if (pbuf_copy_partial(p, type, 2, 12) == 2 && type[0] == 0x86 && type[1] == 0xdd) {
    gdb_ip6_tx_frames++;
    gdb_ip6_tx_bytes += p->tot_len;
  }
  return ERR_OK;
}

static err_t fake_init(struct netif *netif)
{
  static const u8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  netif->name[0] = 'g';
  netif->name[1] = 'd';
  netif->output = etharp_output;
#if LWIP_IPV6
  netif->output_ip6 = ethip6_output;
#endif
  netif->linkoutput = fake_linkoutput;
  netif->mtu = 1500;
  netif->hwaddr_len = 6;
  memcpy(netif->hwaddr, mac, 6);
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
#if LWIP_IPV6
  netif->flags |= NETIF_FLAG_MLD6; /* sends reports and answers queries */
#endif
  return ERR_OK;
}

#if LWIP_IPV6
static ip6_addr_t addr6(const char *text)
{
  ip6_addr_t a;
  u8_t prefix;
  memset(&a, 0, sizeof(a));
  (void)ip6addr_cidr_aton(text, &a, &prefix, false);
  return a;
}

/* Hand the netif an ICMPv6 message (type, code, 4-byte field, body) from
 * @p src (MAC @p smac) to @p dst, checksum computed: with hop limit 255 (ND),
 * or for @p mld with hop limit 1 behind a Hop-by-Hop Router Alert (RFC 3810
 * 5). */
static int rx_icmp6_hdr(const u8_t smac[6], const char *src, const char *dst, bool mld, u8_t type, u32_t field,
                        const u8_t *body, u16_t blen)
{
  static const u8_t hbh[8] = {58, 0, 5, 2, 0, 0, 1, 0};
  u8_t f[14 + 40 + 8 + 8 + 128];
  u16_t mlen = (u16_t)(8 + blen), elen = mld ? 8 : 0;
  if (blen > 128) {
    return -1;
  }
  ip6_addr_t s = addr6(src), d = addr6(dst);
  memcpy(f, gdb_netif.hwaddr, 6);
  memcpy(f + 6, smac, 6);
  put_be16(f + 12, 0x86dd);
  u8_t *h = f + 14;
  put_be32(h, 0x60000000UL);
  put_be16(h + 4, (u16_t)(elen + mlen));
  h[6] = mld ? 0 : 58;
  h[7] = mld ? 1 : 255;
  memcpy(h + 8, s.addr, 16);
  memcpy(h + 24, d.addr, 16);
  memcpy(h + 40, hbh, elen);
  u8_t *m = h + 40 + elen;
  m[0] = type;
  m[1] = 0;
  put_be16(m + 2, 0);
  put_be32(m + 4, field);
  memcpy(m + 8, body, blen);
  struct pbuf *msg = pbuf_alloc(PBUF_RAW, mlen, PBUF_RAM);
  if (msg == NULL) {
    return -1;
  }
  pbuf_take(msg, m, mlen);
  u16_t sum = ip6_chksum_pseudo(msg, 58, mlen, &s, &d);
  pbuf_free(msg);
  memcpy(m + 2, &sum, 2);
  u16_t flen = (u16_t)(54 + elen + mlen);
  struct pbuf *p = pbuf_alloc(PBUF_RAW, flen, PBUF_POOL);
  if (p == NULL || pbuf_take(p, f, flen) != ERR_OK) {
    return -1;
  }
  gdb_netif.input(p, &gdb_netif);
  return 0;
}

static int rx_icmp6(const u8_t smac[6], const char *src, const char *dst, u8_t type, u32_t field, const u8_t *body,
                    u16_t blen)
{
  return rx_icmp6_hdr(smac, src, dst, false, type, field, body, blen);
}

/* A packet of @p len bytes (IPv6 header room included, contents a fill
 * byte) given to ethip6_output for @p next_hop; the entry keeps a copy. */
static int send6(const char *next_hop, u16_t len)
{
  ip6_addr_t nh = addr6(next_hop);
  if (ip6_addr_islinklocal(&nh)) {
    nh.zone = netif_get_index(&gdb_netif);
  }
  struct pbuf *q = pbuf_alloc(PBUF_IP, len, PBUF_RAM);
  if (q == NULL) {
    return -1;
  }
  memset(q->payload, (int)(0x60 + len % 16), len);
  err_t err = ethip6_output(&gdb_netif, q, &nh);
  pbuf_free(q);
  return err == ERR_OK ? 0 : -1;
}

/* The IPv6 state lwip-ip6 and lwip-nd show. */
static int setup_ip6(void)
{
  /* fe80::ff:fe00:1 (modified EUI-64), declared past DAD by hand: no
   * timer runs in this program. */
  if (netif_create_ip6_linklocal_address(&gdb_netif, 1) != ERR_OK) {
    return 20;
  }
  netif_ip6_addr_set_state(&gdb_netif, 0, IP6_ADDR_PREFERRED);
  /* A static address still in DAD, and one as SLAAC will leave an address
   * whose preferred lifetime ran out (set by hand: RA processing is what
   * writes these fields). */
  s8_t idx = -1;
  ip6_addr_t a = addr6("2001:db8:7::2");
  if (netif_add_ip6_address_prefix(&gdb_netif, &a, 64, &idx) != ERR_OK || idx != 1) {
    return 21;
  }
  a = addr6("2001:db8:8::2");
  if (netif_add_ip6_address_prefix(&gdb_netif, &a, 48, &idx) != ERR_OK || idx != 2) {
    return 22;
  }
  netif_ip6_addr_set_state(&gdb_netif, 2, IP6_ADDR_PREFERRED);
  gdb_netif.ip6_addr_origin[2] = NETIF_IP6_ORIGIN_SLAAC;
  netif_ip6_addr_set_lifetimes(&gdb_netif, 2, 7200, 0);

  /* fe80::11 solicits us with its MAC: its entry is STALE, and our
   * advertisement back moves it to DELAY (RFC 4861 7.3.3). */
  static const u8_t mac11[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x66};
  static const u8_t mac10[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x77};
  u8_t body[40 + 8];
  ip6_addr_t ll = addr6("fe80::ff:fe00:1");
  memcpy(body, ll.addr, 16);
  body[16] = 1; /* source link-layer address option */
  body[17] = 1;
  memcpy(body + 18, mac11, 6);
  if (rx_icmp6(mac11, "fe80::11", "fe80::ff:fe00:1", 135, 0, body, 24) != 0) {
    return 23;
  }
  /* Two packets of 44 and 46 bytes wait for 2001:db8:7::99 (INCOMPLETE). */
  if (send6("2001:db8:7::99", 44) != 0 || send6("2001:db8:7::99", 46) != 0) {
    return 24;
  }
  /* fe80::10 is resolved by a solicited advertisement with the router
   * flag: REACHABLE, and the packet that waited leaves. */
  if (send6("fe80::10", 48) != 0) {
    return 25;
  }
  ip6_addr_t t = addr6("fe80::10");
  memcpy(body, t.addr, 16);
  body[16] = 2; /* target link-layer address option */
  body[17] = 1;
  memcpy(body + 18, mac10, 6);
  if (rx_icmp6(mac10, "fe80::10", "fe80::ff:fe00:1", 136, 0xe0000000UL, body, 24) != 0) {
    return 26;
  }
  /* fe80::10 advertises itself as a default router (lifetime 1800 s) with
   * a prefix 2001:db8:a::/64 (on-link, autonomous: SLAAC makes
   * 2001:db8:a::ff:fe00:1, tentative), a DNS server and a route to
   * 2001:db8:100::/48 at high preference (RFC 4861 4.2, 4.6.2; RFC 8106
   * 5.1; RFC 4191 2.3). */
  u8_t ra[88];
  memset(ra, 0, sizeof(ra));
  ra[8] = 1; /* source link-layer address */
  ra[9] = 1;
  memcpy(ra + 10, mac10, 6);
  ra[16] = 3; /* prefix information */
  ra[17] = 4;
  ra[18] = 64;
  ra[19] = 0xc0;
  put_be32(ra + 20, 86400);
  put_be32(ra + 24, 14400);
  a = addr6("2001:db8:a::");
  memcpy(ra + 32, a.addr, 16);
  ra[48] = 25; /* RDNSS */
  ra[49] = 3;
  put_be32(ra + 52, 600);
  a = addr6("2001:db8::53");
  memcpy(ra + 56, a.addr, 16);
  ra[72] = 24; /* route information, prefix in 8 bytes */
  ra[73] = 2;
  ra[74] = 48;
  ra[75] = 0x08;
  put_be32(ra + 76, 900);
  a = addr6("2001:db8:100::");
  memcpy(ra + 80, a.addr, 8);
  if (rx_icmp6(mac10, "fe80::10", "ff02::1", 134, (64UL << 24) | 1800U, ra, sizeof(ra)) != 0) {
    return 28;
  }
  /* The router says the path to 2001:db8:9::1 takes 1400 bytes; the quoted
   * header is one we could have sent (from our valid 2001:db8:8::2). */
  memset(body, 0, sizeof(body));
  put_be32(body, 0x60000000UL);
  body[6] = 17;
  body[7] = 64;
  a = addr6("2001:db8:8::2");
  memcpy(body + 8, a.addr, 16);
  a = addr6("2001:db8:9::1");
  memcpy(body + 24, a.addr, 16);
  if (rx_icmp6(mac10, "fe80::10", "fe80::ff:fe00:1", 2, 1400, body, 40) != 0) {
    return 27;
  }
  /* The first fragment (offset 0, M set, id 0xabcd0001) of an echo request
   * from fe80::10: 8 bytes of ICMPv6 header and 8 of data wait in
   * reassembly (RFC 8200 4.5). */
  u8_t fr[14 + 40 + 8 + 16];
  memset(fr, 0, sizeof(fr));
  memcpy(fr, gdb_netif.hwaddr, 6);
  memcpy(fr + 6, mac10, 6);
  put_be16(fr + 12, 0x86dd);
  put_be32(fr + 14, 0x60000000UL);
  put_be16(fr + 18, 8 + 16);
  fr[20] = 44; /* Fragment header */
  fr[21] = 64;
  a = addr6("fe80::10");
  memcpy(fr + 22, a.addr, 16);
  memcpy(fr + 38, ll.addr, 16);
  fr[54] = 58;
  put_be16(fr + 56, 0x0001); /* offset 0, M */
  put_be32(fr + 58, 0xabcd0001UL);
  fr[62] = 128; /* echo request; its checksum is checked once whole */
  memset(fr + 70, 0xee, 8);
  struct pbuf *fp = pbuf_alloc(PBUF_RAW, sizeof(fr), PBUF_POOL);
  if (fp == NULL || pbuf_take(fp, fr, sizeof(fr)) != ERR_OK) {
    return 31;
  }
  gdb_netif.input(fp, &gdb_netif);
  /* An application joins ff05::1:3 (its state-change reports are queued),
   * and the router asks about that group alone (RFC 3810 5.1.10) with a
   * Maximum Response Code of 5000 ms: an answer is due within it. */
  a = addr6("ff05::1:3");
  if (mld6_joingroup_netif(&gdb_netif, &a) != ERR_OK) {
    return 29;
  }
  memset(body, 0, sizeof(body));
  memcpy(body, a.addr, 16);
  body[16] = 2;   /* QRV */
  body[17] = 125; /* QQIC */
  if (rx_icmp6_hdr(mac10, "fe80::10", "ff05::1:3", true, 130, 5000UL << 16, body, 20) != 0) {
    return 30;
  }
  return 0;
}
#endif

int main(void)
{
  lwip_init();

  ip4_addr_t ip, mask, gw;
  IP4_ADDR(&ip, 192, 168, 7, 2);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  IP4_ADDR(&gw, 192, 168, 7, 1);
  if (netif_add(&gdb_netif, &ip, &mask, &gw, NULL, fake_init, ethernet_input) == NULL) {
    return 1;
  }
  netif_set_default(&gdb_netif);
  netif_set_up(&gdb_netif);
  netif_set_link_up(&gdb_netif);

  /* A static entry, and a pending one: the query sends a request to an
   * address nobody answers, so the entry stays incomplete. */
  ip4_addr_t peer, unresolved;
  IP4_ADDR(&peer, 192, 168, 7, 10);
  IP4_ADDR(&unresolved, 192, 168, 7, 99);
#if LWIP_ARP_STATIC_ENTRIES
  const struct eth_addr peer_mac = {{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};
  if (etharp_add_static_entry(&peer, &peer_mac) != ERR_OK) {
    return 2;
  }
#else
  /* Built without static entries: the peer is learned from its reply to
   * us instead (a stable entry). */
  static const u8_t reply[14 + 28] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02,
    0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 192, 168, 7, 10,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 192, 168, 7, 2,
  };
  struct pbuf *r = pbuf_alloc(PBUF_RAW, sizeof(reply), PBUF_POOL);
  if (r == NULL || pbuf_take(r, reply, sizeof(reply)) != ERR_OK) {
    return 2;
  }
  gdb_netif.input(r, &gdb_netif);
  if (etharp_find_addr(&gdb_netif, &peer, NULL, NULL) < 0) {
    return 2;
  }
#endif
  (void)etharp_query(&gdb_netif, &unresolved, NULL);
  /* Two packets of 4 and 6 bytes wait for it: a queue for lwip-pbuf. */
  for (u16_t len = 4; len <= 6; len += 2) {
    struct pbuf *q = pbuf_alloc(PBUF_IP, len, PBUF_RAM);
    if (q == NULL) {
      return 8;
    }
    memset(q->payload, 0xa0 + len, len);
    err_t err = etharp_query(&gdb_netif, &unresolved, q);
    pbuf_free(q); /* the entry queued a copy */
    if (err != ERR_OK) {
      return 9;
    }
  }

  struct udp_pcb *echo = udp_new();
  if (echo == NULL || udp_bind(echo, IP4_ADDR_ANY, 7) != ERR_OK) {
    return 3;
  }
#if LWIP_RAW
  struct raw_pcb *icmp = raw_new(1);
  if (icmp == NULL) {
    return 4;
  }
#endif

  /* Three pbufs of 10, 20 and 30 bytes, the first holding 0x00..0x09. */
  gdb_chain = pbuf_alloc(PBUF_RAW, 10, PBUF_RAM);
  struct pbuf *b = pbuf_alloc(PBUF_RAW, 20, PBUF_RAM);
  struct pbuf *c = pbuf_alloc(PBUF_RAW, 30, PBUF_RAM);
  if (gdb_chain == NULL || b == NULL || c == NULL) {
    return 5;
  }
  for (u8_t i = 0; i < 10; i++) {
    ((u8_t *)gdb_chain->payload)[i] = i;
  }
  memset(b->payload, 0xbb, 20);
  memset(c->payload, 0xcc, 30);
  pbuf_cat(gdb_chain, b);
  pbuf_cat(gdb_chain, c);

  /* A 5-byte frame is shorter than an Ethernet header: one ETH_SHORT drop
   * for lwip-stats to list. */
  struct pbuf *runt = pbuf_alloc(PBUF_RAW, 5, PBUF_POOL);
  if (runt == NULL) {
    return 6;
  }
  memset(runt->payload, 0, 5);
  gdb_netif.input(runt, &gdb_netif);

#if IP_REASSEMBLY
  /* The first fragment (MF set, offset 0) of a UDP datagram from the static
   * peer, id 0x1234: it waits in reassembly for the rest. */
  static const u8_t frag[14 + 20 + 16] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x08, 0x00,
    0x45, 0x00, 0x00, 36, 0x12, 0x34, 0x20, 0x00, 64, 17, 0x00, 0x00,
    192, 168, 7, 10, 192, 168, 7, 2,
  };
  struct pbuf *f = pbuf_alloc(PBUF_RAW, sizeof(frag), PBUF_POOL);
  if (f == NULL || pbuf_take(f, frag, sizeof(frag)) != ERR_OK) {
    return 7;
  }
  u16_t sum = inet_chksum((u8_t *)f->payload + 14, 20);
  memcpy((u8_t *)f->payload + 14 + 10, &sum, 2);
  gdb_netif.input(f, &gdb_netif);
#endif

#if LWIP_IPV6
  int rc = setup_ip6();
  if (rc != 0) {
    return rc;
  }
  /* An IPv6 UDP PCB on [fe80::ff:fe00:1%2]:5353 (zone: the netif's index)
   * connected to [fe80::11%2]:5353, an IPv6-only one on port 7 beside the
   * IPv4 one (different families share a port), and an ICMPv6 raw PCB:
   * lwip-udp shows IPv6 ends in brackets with their zone. */
  struct udp_pcb *u6 = udp_new_ip_type(IPADDR_TYPE_V6);
  ip_addr_t l6, p6;
  memset(&l6, 0, sizeof(l6));
  memset(&p6, 0, sizeof(p6));
  l6.type = p6.type = IPADDR_TYPE_V6;
  *ip_2_ip6(&l6) = addr6("fe80::ff:fe00:1");
  *ip_2_ip6(&p6) = addr6("fe80::11");
  ip_2_ip6(&l6)->zone = ip_2_ip6(&p6)->zone = netif_get_index(&gdb_netif);
  if (u6 == NULL || udp_bind(u6, &l6, 5353) != ERR_OK || udp_connect(u6, &p6, 5353) != ERR_OK) {
    return 30;
  }
  struct udp_pcb *v6only = udp_new_ip_type(IPADDR_TYPE_V6);
  if (v6only == NULL || udp_bind(v6only, NULL, 7) != ERR_OK) {
    return 31;
  }
#if LWIP_RAW
  struct raw_pcb *icmp6 = raw_new_ip_type(IPADDR_TYPE_V6, 58);
  if (icmp6 == NULL) {
    return 32;
  }
#endif
#endif

#if LWIP_TCP
  /* A listener on 8080 with backlog 5, a PCB bound to 9090 and never
   * connected, and a connection to the gateway's port 80 whose SYN waits
   * for ARP (SYN_SENT).  Made last, so the ARP entries above keep their
   * slots and the gateway's entry comes after them. */
  struct tcp_pcb *listener = tcp_new();
  if (listener == NULL || tcp_bind(listener, IP4_ADDR_ANY, 8080) != ERR_OK) {
    return 10;
  }
  if (tcp_listen_with_backlog(listener, 5) == NULL) {
    return 11;
  }
  struct tcp_pcb *bound = tcp_new();
  if (bound == NULL || tcp_bind(bound, IP4_ADDR_ANY, 9090) != ERR_OK) {
    return 12;
  }
  struct tcp_pcb *conn = tcp_new();
  if (conn == NULL || tcp_connect(conn, &gdb_netif.gw, 80, NULL) != ERR_OK) {
    return 13;
  }
#if LWIP_IPV6
  /* A dual-stack listener on 8443 (IPADDR_TYPE_ANY, both families). */
  struct tcp_pcb *dual = tcp_new_ip_type(IPADDR_TYPE_ANY);
  if (dual == NULL || tcp_bind(dual, IP_ANY_TYPE, 8443) != ERR_OK || tcp_listen_with_backlog(dual, 2) == NULL) {
    return 14;
  }
#endif
#endif

  gdb_checkpoint();
  puts("gdb_target: done");
  return 0;
}
