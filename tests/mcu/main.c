/**
 * @file main.c
 * Firmware of the MPS2 AN386 reference port: lwipd's minimal profile plus
 * DHCP on the LAN9118, with UDP echo, TCP echo and TCP discard (RFC 862,
 * RFC 863) from core/apps.  The console (UART0) reports the address DHCP
 * gave; tests/mcu/test_mcu.py reads it there.
 *
 * This is the NO_SYS main loop every lwIP user knows: one context, no OS,
 * the driver polled and the timers run from the loop; the core sleeps in
 * WFI until a frame or the next millisecond tick arrives.
 */
#include "board.h"
#include "lan9118.h"

#include "lwip/apps/small_servers.h"
#include "lwip/dhcp.h"
#include "lwip/ethernet.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"

#if !LWIP_DHCP || !LWIP_TCP || !LWIP_UDP
#error "the firmware needs DHCP, TCP and UDP: build it with -Dprofile=minimal -Ddhcp=enabled"
#endif

static struct netif eth_netif;
static struct lan9118 eth_dev = {.base = BOARD_ETH_BASE};
static struct small_server udp_echo, tcp_echo, tcp_discard;

/* Say each address the netif takes: DHCP binding, renewal with a new
 * address, or loss of the lease (0.0.0.0). */
static void on_status(struct netif *netif)
{
  char ip[16], mask[16], gw[16];
  ip4addr_ntoa_r(netif_ip4_addr(netif), ip, sizeof(ip));
  ip4addr_ntoa_r(netif_ip4_netmask(netif), mask, sizeof(mask));
  ip4addr_ntoa_r(netif_ip4_gw(netif), gw, sizeof(gw));
  board_printf("%u ms: address %s netmask %s gateway %s\n", (unsigned)sys_now(), ip, mask, gw);
}

static void on_link(struct netif *netif)
{
  board_printf("%u ms: link %s\n", (unsigned)sys_now(), netif_is_link_up(netif) ? "up" : "down");
}

static void start_server(struct small_server *s, const struct small_server_service *svc, enum small_server_proto proto)
{
  err_t e = small_server_start(s, svc, proto, IP_ADDR_ANY, 0);
  board_printf("%s/%s on port %u: %s\n", small_server_name(svc), proto == SMALL_SERVER_TCP ? "tcp" : "udp",
               (unsigned)small_server_default_port(svc), e == ERR_OK ? "listening" : lwip_strerr(e));
}

/* Before sleeping: let the controller's interrupt wake us, then look once
 * more, since a frame may have come in before the unmask. */
static bool work_waiting(void *arg)
{
  lan9118_irq_unmask((struct netif *)arg);
  return lan9118_rx_waiting(arg);
}

int main(void)
{
  board_init();
  board_printf("\n%s on MPS2 AN386 (Cortex-M4), NO_SYS\n", LWIP_VERSION_STRING_FULL);
  lwip_init();

  if (netif_add(&eth_netif, NULL, NULL, NULL, &eth_dev, lan9118_netif_init, ethernet_input) == NULL) {
    board_printf("no LAN9118 at 0x%08x: stopping\n", (unsigned)BOARD_ETH_BASE);
    for (;;) {
    }
  }
  const u8_t *mac = eth_netif.hwaddr;
  board_printf("LAN9118 MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s\n", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
               netif_is_link_up(&eth_netif) ? "up" : "down");
  /* The MAC differs between boards, the clock at this point between runs. */
  mcu_port_seed((u32_t)mac[2] << 24 | (u32_t)mac[3] << 16 | (u32_t)mac[4] << 8 | mac[5]);
  board_irq_attach(BOARD_ETH_IRQ, lan9118_irq_handler);

  netif_set_status_callback(&eth_netif, on_status);
  netif_set_link_callback(&eth_netif, on_link);
  netif_set_default(&eth_netif);
  netif_set_up(&eth_netif);
  err_t e = dhcp_start(&eth_netif);
  board_printf("dhcp: %s\n", e == ERR_OK ? "started" : lwip_strerr(e));

  start_server(&udp_echo, &small_server_echo, SMALL_SERVER_UDP);
  start_server(&tcp_echo, &small_server_echo, SMALL_SERVER_TCP);
  start_server(&tcp_discard, &small_server_discard, SMALL_SERVER_TCP);

  for (;;) {
    lan9118_poll(&eth_netif);
    sys_check_timeouts();
    board_idle(work_waiting, &eth_netif);
  }
}
