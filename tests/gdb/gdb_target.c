/**
 * @file gdb_target.c
 * A fixed stack state for the gdb helper test (test_gdb.py): one Ethernet
 * netif, a static and a pending ARP entry with two queued packets, a UDP PCB on port 7, a raw PCB,
 * a chain of three pbufs and, with TCP, a listener, a bound PCB and a
 * connection in SYN_SENT, then a stop at gdb_checkpoint().
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

#include <stdio.h>
#include <string.h>

/* Globals, so gdb can name them in `lwip-pbuf`. */
struct pbuf *gdb_chain;
static struct netif gdb_netif;

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
  return ERR_OK;
}

static err_t fake_init(struct netif *netif)
{
  static const u8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  netif->name[0] = 'g';
  netif->name[1] = 'd';
  netif->output = etharp_output;
  netif->linkoutput = fake_linkoutput;
  netif->mtu = 1500;
  netif->hwaddr_len = 6;
  memcpy(netif->hwaddr, mac, 6);
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  return ERR_OK;
}

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
  const struct eth_addr peer_mac = {{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};
  if (etharp_add_static_entry(&peer, &peer_mac) != ERR_OK) {
    return 2;
  }
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
#endif

  gdb_checkpoint();
  puts("gdb_target: done");
  return 0;
}
