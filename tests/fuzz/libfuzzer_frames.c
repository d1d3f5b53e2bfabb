/*
 * libFuzzer target: every input is one Ethernet frame handed to the stack's
 * receive path (ethernet_input via netif->input) on a fake netif with a UDP
 * echo PCB and a joined multicast group, so the fuzzer can reach ARP, IPv4,
 * reassembly, ICMP, IGMP and UDP.  With IPv6 the netif also has the
 * addresses of tests/unit/test_ip6_util.h (link-local fe80::ff:fe00:1 and
 * 2001:db8::10/64, both past DAD), so ethertype 0x86DD frames reach
 * ip6_input, the extension-header walk, ICMPv6 echo and errors, Neighbor
 * Discovery with its cache, the multicast listener code and (with DHCPv6)
 * a stateful DHCPv6 client's message parser.  The virtual
 * clock moves 100 ms per input so the ARP, reassembly, IGMP and ND timers
 * run too.
 *
 * Built only with clang and AddressSanitizer (suite "fuzz", test
 * "libfuzzer"); tests/fuzz/run-libfuzzer seeds it with every input frame in
 * pcaps/ and in tests/fuzz/seeds/ (IPv6 frames written by make-ip6-seeds)
 * and runs it for a bounded time.  A crash it finds is written to a
 * crash-* file: turn it into a replay case and a fix.
 */
#include "test_common.h"

#include <stdlib.h>

#include "lwip/udp.h"
#include "lwip/igmp.h"
#if LWIP_IPV6
#include "test_ip6_util.h"
#endif
#if LWIP_DHCP6
#include "lwip/dhcp6.h"
#endif

static struct test_netif tn;

static void echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  (void)arg;
  udp_sendto(pcb, p, addr, port);
  pbuf_free(p);
}

static void fuzz_init(void)
{
  test_setup(NULL);
  struct netif *n = test_netif_add(&tn, "10.77.0.2", "255.255.255.0", "10.77.0.1", test_mac);
#if LWIP_IPV6
  /* The addresses the IPv6 seeds are sent to; the clock runs DAD and the
   * router solicitations out before the first input.  The netif speaks MLD
   * (NETIF_FLAG_MLD6), so queries are answered, not only parsed. */
  n->flags |= NETIF_FLAG_MLD6;
  ip6_addr_t gua = ip6(OUR_GUA);
  if (netif_create_ip6_linklocal_address(n, 1) != ERR_OK || netif_add_ip6_address_prefix(n, &gua, 64, NULL) != ERR_OK) {
    abort();
  }
  test_clock_advance(20000);
  if (netif_ip6_addr_state(n, 0) != IP6_ADDR_PREFERRED || netif_ip6_addr_state(n, 1) != IP6_ADDR_PREFERRED) {
    abort();
  }
  test_frames_clear(&tn);
#if LWIP_DHCP6
  /* A stateful DHCPv6 client listens on port 546: its parser sees every
   * datagram that gets there (the seeds have DHCPv6 messages). */
  if (dhcp6_enable_stateful(n) != ERR_OK) {
    abort();
  }
#endif
#else
  (void)n;
#endif
  struct udp_pcb *echo = udp_new();
  if (echo != NULL && udp_bind(echo, IP_ADDR_ANY, 7) == ERR_OK) {
    udp_recv(echo, echo_recv, NULL);
  }
#if LWIP_IGMP
  ip4_addr_t group = {test_ip("239.1.2.3")}, ifaddr = {test_ip("10.77.0.2")};
  igmp_joingroup(&ifaddr, &group);
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static bool ready;
  if (!ready) {
    fuzz_init();
    ready = true;
  }
  if (size > 0xffff) {
    return 0;
  }
  struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)size, PBUF_POOL);
  if (p == NULL) {
    return 0; /* pool empty: the stack is holding frames (reassembly, ARP queue) */
  }
  pbuf_take(p, data, (u16_t)size);
  tn.netif.input(p, &tn.netif);
  test_clock_advance(100);
  test_frames_clear(&tn);
  return 0;
}
