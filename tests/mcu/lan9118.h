/**
 * @file lan9118.h
 * netif driver for the SMSC LAN9118 / LAN9220 Ethernet controller on a
 * memory-mapped bus (the MPS2 boards; QEMU's model "lan9118").
 *
 * Receiving is polled from the main loop: lan9118_poll() hands every frame
 * waiting in the controller to netif->input.  The controller's interrupt
 * only wakes the core from WFI (lan9118_irq_handler masks it, the main loop
 * unmasks it before sleeping), so no stack code runs in interrupt context
 * and the port needs no critical sections.
 *
 * Use:
 *   static struct lan9118 eth_dev = {.base = BOARD_ETH_BASE};
 *   netif_add(&netif, NULL, NULL, NULL, &eth_dev, lan9118_netif_init, ethernet_input);
 *   for (;;) { lan9118_poll(&netif); sys_check_timeouts(); board_idle(...); }
 */
#ifndef MCU_LAN9118_H
#define MCU_LAN9118_H

#include "lwip/netif.h"

/** One controller.  The caller sets base; the rest is the driver's. */
struct lan9118 {
  uintptr_t base;      /**< address of the register block */
  u32_t link_check_at; /**< sys_now() of the next PHY link poll */
  u32_t rx_errors;     /**< frames the controller flagged bad (dropped) */
  u32_t rx_nomem;      /**< frames dropped for want of a pbuf */
  u32_t tx_errors;     /**< frames the controller reported failing */
  u32_t tx_full;       /**< frames refused: transmit FIFO full */
  u32_t irq_wakeups;   /**< receive interrupts taken (each woke the core from WFI) */
};

/**
 * netif_add() init function: resets the controller, reads its MAC address
 * (loaded from its EEPROM; a fixed locally administered one when none is
 * set), enables the receiver and transmitter and fills in the netif
 * (etharp_output, MTU 1500, broadcast/ARP/Ethernet flags, link state from
 * the PHY).  netif->state must point to a struct lan9118 with base set.
 * @return ERR_OK; ERR_IF when no LAN9118 answers at base (BYTE_TEST).
 */
err_t lan9118_netif_init(struct netif *netif);

/**
 * Receive every frame waiting in the controller, giving each to
 * netif->input (which then owns the pbuf), and follow the PHY's link
 * state twice a second.  Frames the controller flags bad and frames no
 * pbuf is left for are dropped and counted in struct lan9118.
 */
void lan9118_poll(struct netif *netif);

/** Whether a received frame is waiting (cheap: one register read). */
bool lan9118_rx_waiting(void *netif);

/** Let the controller's receive interrupt wake the core (call before
 *  sleeping); lan9118_irq_handler masks it again when it fires. */
void lan9118_irq_unmask(struct netif *netif);

/** The handler for the controller's interrupt line (board_irq_attach).
 *  It only masks the interrupt: the main loop does the work. */
void lan9118_irq_handler(void);

#endif /* MCU_LAN9118_H */
