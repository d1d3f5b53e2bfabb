/* Unit tests for core/raw.c: delivery by protocol with the IP header,
 * eat/not eat, bind/connect/netif filters, and what raw_sendto builds. */
#include "test_common.h"

#include <stdlib.h>
#include <arpa/inet.h>

#include "lwip/raw.h"
#include "lwip/udp.h"
#include "lwip/etharp.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/ip4.h"

#if LWIP_RAW

#define OUR_IP "192.168.1.10"
#define PEER_IP "192.168.1.2"

static struct test_netif tn;
static struct netif *nif;

struct raw_rec {
  struct raw_pcb *pcb;
  u8_t data[256];
  u16_t len;
  ip_addr_t addr;
};
static struct raw_rec rrecs[8];
static int nrrecs;
static u8_t eat; /* what the callback returns */
static bool remove_self;

static u8_t rec_raw(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
  (void)arg;
  assert_true(nrrecs < 8);
  struct raw_rec *r = &rrecs[nrrecs++];
  r->pcb = pcb;
  r->len = p->tot_len;
  pbuf_copy_partial(p, r->data, (u16_t)LWIP_MIN(p->tot_len, sizeof(r->data)), 0);
  r->addr = *addr;
  if (remove_self) {
    raw_remove(pcb);
  }
  if (eat) {
    pbuf_free(p);
    return 1;
  }
  return 0;
}

static void fixture(void)
{
  nrrecs = 0;
  eat = 0;
  remove_self = false;
  nif = test_netif_add(&tn, OUR_IP, "255.255.255.0", "192.168.1.1", test_mac);
  test_add_peer_arp(PEER_IP);
}

static void set_ip(ip_addr_t *a, const char *dotted)
{
  ip4_addr_t v;
  v.addr = test_ip(dotted);
  ip_addr_set_ip4(a, &v);
}

static struct raw_pcb *new_raw(u8_t proto)
{
  struct raw_pcb *pcb = raw_new(proto);
  assert_non_null(pcb);
  raw_recv(pcb, rec_raw, NULL);
  return pcb;
}

static size_t echo_frame(u8_t *frame, const char *src, const char *dst)
{
  u8_t icmp[64];
  size_t n = test_icmp_echo(icmp, 8, 0x1234, 1, "pingdata", 8);
  return test_eth_ip4(frame, src, dst, IP_PROTO_ICMP, icmp, n);
}

static void rx_echo(const char *src, const char *dst)
{
  u8_t frame[128];
  size_t n = echo_frame(frame, src, dst);
  test_rx(&tn, frame, n);
}

/* Number of ICMP echo replies sent (and discard every frame). */
static int count_echo_replies(void)
{
  int replies = 0;
  u8_t out[256];
  int n;
  while ((n = test_pop_ip_bytes(&tn, out, sizeof(out))) > 0) {
    if (n >= 14 + 20 + 8 && out[14 + 9] == IP_PROTO_ICMP && out[14 + 20] == 0) {
      replies++;
    }
  }
  return replies;
}

static void test_raw_rx_by_protocol(void **state)
{
  (void)state;
  fixture();
  struct raw_pcb *icmp = new_raw(IP_PROTO_ICMP);
  u8_t frame[128];
  size_t n = echo_frame(frame, PEER_IP, OUR_IP);
  test_rx(&tn, frame, n);
  assert_int_equal(nrrecs, 1);
  assert_ptr_equal(rrecs[0].pcb, icmp);
  /* the payload starts at the IP header */
  assert_int_equal(rrecs[0].len, n - 14);
  assert_memory_equal(rrecs[0].data, frame + 14, n - 14);
  assert_int_equal(ip_2_ip4(&rrecs[0].addr)->addr, test_ip(PEER_IP));
#if LWIP_ICMP
  /* not eaten: ICMP still answers */
  assert_int_equal(count_echo_replies(), 1);
#endif
  /* eaten: ICMP never sees it */
  eat = 1;
  rx_echo(PEER_IP, OUR_IP);
  assert_int_equal(nrrecs, 2);
  assert_int_equal(count_echo_replies(), 0);
#if LWIP_STATS
  assert_int_equal(lwip_stats.proto[LWIP_PROTO_RAW].recv, 2);
#endif
  /* another protocol does not reach an ICMP PCB */
  eat = 0;
#if LWIP_UDP
  u8_t udp[64];
  size_t ulen = test_udp(udp, PEER_IP, OUR_IP, 1, 9, "u", 1);
  n = test_eth_ip4(frame, PEER_IP, OUR_IP, IP_PROTO_UDP, udp, ulen);
  test_rx(&tn, frame, n);
  assert_int_equal(nrrecs, 2);
  test_frames_clear(&tn);
#endif
  raw_remove(icmp);
}

#if LWIP_UDP
static int udp_got;
static void udp_count(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)arg;
  (void)pcb;
  (void)addr;
  (void)port;
  udp_got++;
  pbuf_free(p);
}

static void test_raw_not_eaten_reaches_udp(void **state)
{
  (void)state;
  fixture();
  udp_got = 0;
  struct raw_pcb *r = new_raw(IP_PROTO_UDP);
  struct udp_pcb *u = udp_new();
  assert_non_null(u);
  assert_int_equal(udp_bind(u, NULL, 9), ERR_OK);
  udp_recv(u, udp_count, NULL);
  u8_t udp[64], frame[128];
  size_t ulen = test_udp(udp, PEER_IP, OUR_IP, 1, 9, "u", 1);
  size_t n = test_eth_ip4(frame, PEER_IP, OUR_IP, IP_PROTO_UDP, udp, ulen);
  test_rx(&tn, frame, n);
  assert_int_equal(nrrecs, 1);
  assert_int_equal(udp_got, 1);
  eat = 1;
  test_rx(&tn, frame, n);
  assert_int_equal(nrrecs, 2);
  assert_int_equal(udp_got, 1);
  /* chained input: the raw PCB sees the whole datagram */
  eat = 0;
  test_rx_chunked(&tn, frame, n, 17);
  assert_int_equal(nrrecs, 3);
  assert_int_equal(rrecs[2].len, n - 14);
  assert_memory_equal(rrecs[2].data, frame + 14, n - 14);
  assert_int_equal(udp_got, 2);
  udp_remove(u);
  raw_remove(r);
}
#endif

static void test_raw_eat_stops_others(void **state)
{
  (void)state;
  fixture();
  struct raw_pcb *first = new_raw(IP_PROTO_ICMP);
  struct raw_pcb *second = new_raw(IP_PROTO_ICMP); /* newest is offered first */
  eat = 0;
  rx_echo(PEER_IP, OUR_IP);
  assert_int_equal(nrrecs, 2);
  assert_ptr_equal(rrecs[0].pcb, second);
  assert_ptr_equal(rrecs[1].pcb, first);
  eat = 1;
  rx_echo(PEER_IP, OUR_IP);
  assert_int_equal(nrrecs, 3);
  assert_ptr_equal(rrecs[2].pcb, second);
  /* a callback removing its own PCB without eating: the rest still runs */
  eat = 0;
  remove_self = true;
  rx_echo(PEER_IP, OUR_IP);
  assert_int_equal(nrrecs, 5);
  test_frames_clear(&tn);
}

static void test_raw_bind_connect_filters(void **state)
{
  (void)state;
  fixture();
  struct raw_pcb *pcb = new_raw(IP_PROTO_ICMP);
  ip_addr_t a;
  set_ip(&a, "192.168.1.99");
  assert_int_equal(raw_bind(pcb, &a), ERR_OK);
  rx_echo(PEER_IP, OUR_IP);
  assert_int_equal(nrrecs, 0);
  set_ip(&a, OUR_IP);
  assert_int_equal(raw_bind(pcb, &a), ERR_OK);
  rx_echo(PEER_IP, OUR_IP);
  assert_int_equal(nrrecs, 1);
  assert_int_equal(raw_bind(pcb, NULL), ERR_VAL);
  /* connected: only from the remote */
  set_ip(&a, "192.168.1.3");
  assert_int_equal(raw_connect(pcb, &a), ERR_OK);
  assert_true(raw_flags(pcb) & RAW_FLAGS_CONNECTED);
  rx_echo(PEER_IP, OUR_IP);
  assert_int_equal(nrrecs, 1);
  raw_disconnect(pcb);
  assert_false(raw_flags(pcb) & RAW_FLAGS_CONNECTED);
  rx_echo(PEER_IP, OUR_IP);
  assert_int_equal(nrrecs, 2);
  /* netif binding */
  pcb->netif_idx = 200;
  rx_echo(PEER_IP, OUR_IP);
  assert_int_equal(nrrecs, 2);
  raw_bind_netif(pcb, nif);
  rx_echo(PEER_IP, OUR_IP);
  assert_int_equal(nrrecs, 3);
  /* address change follows the PCB */
  ip4_addr_t na;
  na.addr = test_ip("192.168.1.20");
  netif_set_ipaddr(nif, &na);
  assert_int_equal(ip_2_ip4(&pcb->local_ip)->addr, na.addr);
  test_frames_clear(&tn);
  raw_remove(pcb);
}

static void check_ip_frame(const u8_t *out, int n, const char *dst, u8_t proto, u8_t ttl, const void *payload,
                           u16_t plen)
{
  assert_true(n >= 14 + 20 + plen);
  assert_memory_equal(out, peer_mac, 6);
  const u8_t *ip = out + 14;
  assert_int_equal(ip[0], 0x45);
  assert_int_equal(get_be16(ip + 2), 20 + plen);
  assert_int_equal(ip[8], ttl);
  assert_int_equal(ip[9], proto);
  assert_int_equal(test_cksum(ip, 20, 0), 0);
  u32_t s = test_ip(OUR_IP), d = test_ip(dst);
  assert_memory_equal(ip + 12, &s, 4);
  assert_memory_equal(ip + 16, &d, 4);
  assert_memory_equal(ip + 20, payload, plen);
}

static void test_raw_send(void **state)
{
  (void)state;
  fixture();
  struct raw_pcb *pcb = new_raw(IP_PROTO_ICMP);
  u8_t icmp[32];
  size_t ilen = test_icmp_echo(icmp, 8, 7, 9, "xyz", 3);
  struct pbuf *p = pbuf_alloc(PBUF_IP, (u16_t)ilen, PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, icmp, ilen);
  ip_addr_t peer;
  set_ip(&peer, PEER_IP);
  assert_int_equal(raw_sendto(pcb, p, &peer), ERR_OK);
  assert_int_equal(p->tot_len, ilen);
  u8_t out[256];
  int n = test_pop_ip_bytes(&tn, out, sizeof(out));
  check_ip_frame(out, n, PEER_IP, IP_PROTO_ICMP, IP_DEFAULT_TTL, icmp, (u16_t)ilen);
  /* connected send with the PCB's ttl */
  assert_int_equal(raw_connect(pcb, &peer), ERR_OK);
  pcb->ttl = 3;
  assert_int_equal(raw_send(pcb, p), ERR_OK);
  n = test_pop_ip_bytes(&tn, out, sizeof(out));
  check_ip_frame(out, n, PEER_IP, IP_PROTO_ICMP, 3, icmp, (u16_t)ilen);
  pbuf_free(p);
  /* a PBUF_REF payload without header room */
  struct pbuf *r = pbuf_alloc_reference(icmp, (u16_t)ilen, PBUF_REF);
  assert_non_null(r);
  assert_int_equal(raw_sendto(pcb, r, &peer), ERR_OK);
  assert_ptr_equal(r->payload, icmp);
  n = test_pop_ip_bytes(&tn, out, sizeof(out));
  check_ip_frame(out, n, PEER_IP, IP_PROTO_ICMP, 3, icmp, (u16_t)ilen);
  /* out-of-memory at every allocation, then success */
  u32_t k;
  for (k = 1; k < 50; k++) {
    lwip_alloc_fail_after(k);
    err_t err = raw_sendto(pcb, r, &peer);
    lwip_alloc_fail_after(0);
    assert_int_equal(r->ref, 1);
    if (err == ERR_OK && test_frames_ip_only(&tn) == 1) {
      break;
    }
    test_frames_clear(&tn);
  }
  assert_true(k > 1 && k < 50);
  test_frames_clear(&tn);
  pbuf_free(r);
  /* no route */
  pcb->netif_idx = 200;
  assert_int_equal(raw_sendto(pcb, r = pbuf_alloc(PBUF_IP, 4, PBUF_RAM), &peer), ERR_RTE);
  pbuf_free(r);
  raw_remove(pcb);
}

static void test_raw_send_hdrincl(void **state)
{
  (void)state;
  fixture();
  struct raw_pcb *pcb = new_raw(253);
  raw_setflags(pcb, RAW_FLAGS_HDRINCL);
  u8_t pkt[28];
  test_ip4_hdr(pkt, OUR_IP, PEER_IP, 253, sizeof(pkt), 0x4242, 0, 9);
  memcpy(pkt + 20, "RAWBYTES", 8);
  struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(pkt), PBUF_RAM);
  assert_non_null(p);
  memcpy(p->payload, pkt, sizeof(pkt));
  ip_addr_t peer;
  set_ip(&peer, PEER_IP);
  assert_int_equal(raw_sendto(pcb, p, &peer), ERR_OK);
  u8_t out[128];
  int n = test_pop_ip_bytes(&tn, out, sizeof(out));
  assert_true(n >= 14 + (int)sizeof(pkt));
  assert_memory_equal(out, peer_mac, 6);
  assert_memory_equal(out + 14, pkt, sizeof(pkt)); /* sent as given */
  pbuf_free(p);
  /* shorter than an IP header */
  p = pbuf_alloc(PBUF_IP, 10, PBUF_RAM);
  assert_non_null(p);
  assert_int_equal(raw_sendto(pcb, p, &peer), ERR_VAL);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  pbuf_free(p);
  raw_remove(pcb);
}

static void test_raw_pool_exhaustion(void **state)
{
  (void)state;
  static struct raw_pcb *pcbs[MEMP_NUM_RAW_PCB + 1];
  int n = 0;
  while (n <= MEMP_NUM_RAW_PCB && (pcbs[n] = raw_new(1)) != NULL) {
    n++;
  }
  assert_int_equal(n, MEMP_NUM_RAW_PCB);
  assert_null(raw_new(1));
  for (int i = 0; i < n; i++) {
    raw_remove(pcbs[i]);
  }
#if LWIP_IPV6
  struct raw_pcb *v6 = raw_new_ip_type(IPADDR_TYPE_V6, 1);
  assert_non_null(v6);
  raw_remove(v6);
#else
  assert_null(raw_new_ip_type(IPADDR_TYPE_V6, 1));
#endif
  struct raw_pcb *v4 = raw_new_ip_type(IPADDR_TYPE_V4, 1);
  assert_non_null(v4);
  raw_remove(v4);
}

#endif /* LWIP_RAW */

int main(void)
{
#if LWIP_RAW
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_raw_rx_by_protocol, test_setup, test_teardown),
#if LWIP_UDP
    cmocka_unit_test_setup_teardown(test_raw_not_eaten_reaches_udp, test_setup, test_teardown),
#endif
    cmocka_unit_test_setup_teardown(test_raw_eat_stops_others, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_raw_bind_connect_filters, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_raw_send, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_raw_send_hdrincl, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_raw_pool_exhaustion, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("raw", tests, NULL, NULL);
#else
  return 0;
#endif
}
