/**
 * @file lan9118.c
 * LAN9118 / LAN9220 netif driver (see lan9118.h).  Register names and bits
 * follow the SMSC LAN9118 datasheet (rev. 1.5, sections 5.3 "System
 * Control and Status Registers" and 5.4 "MAC Control and Status
 * Registers"); the PHY registers are IEEE 802.3 clause 22.
 */
#include "lan9118.h"

#include "lwip/etharp.h"
#include "lwip/pbuf.h"

#include <string.h>

/* Directly addressed registers (datasheet 5.3), offsets from base. */
#define RX_DATA_FIFO 0x00U
#define TX_DATA_FIFO 0x20U
#define RX_STATUS_FIFO 0x40U
#define TX_STATUS_FIFO 0x48U
#define ID_REV 0x50U
#define IRQ_CFG 0x54U
#define INT_STS 0x58U
#define INT_EN 0x5CU
#define BYTE_TEST 0x64U
#define TX_CFG 0x70U
#define HW_CFG 0x74U
#define RX_FIFO_INF 0x7CU
#define TX_FIFO_INF 0x80U
#define PMT_CTRL 0x84U
#define MAC_CSR_CMD 0xA4U
#define MAC_CSR_DATA 0xA8U

#define BYTE_TEST_VALUE 0x87654321U
#define HW_CFG_SRST 0x1U
#define PMT_CTRL_READY 0x1U
#define IRQ_CFG_TYPE_PUSH_PULL 0x1U
#define IRQ_CFG_POL_HIGH 0x10U
#define IRQ_CFG_EN 0x100U
#define INT_RSFL 0x8U /* RX status FIFO above its level (FIFO_INT, 0 = any) */
#define TX_CFG_TX_ON 0x2U
#define TX_CFG_TXSAO 0x4U /* let the TX status FIFO overrun: we read it only to count errors */
#define RX_FIFO_INF_RXSUSED(v) (((v) >> 16) & 0xffU)
#define TX_FIFO_INF_TDFREE(v) ((v)&0xffffU)
#define TX_FIFO_INF_TXSUSED(v) (((v) >> 16) & 0xffU)
#define MAC_CSR_BUSY 0x80000000U
#define MAC_CSR_READ 0x40000000U

/* RX status word (datasheet 3.13.3): frame length including the 4-byte
 * FCS, and the error summary bit. */
#define RX_STS_LENGTH(s) (((s) >> 16) & 0x3fffU)
#define RX_STS_ES 0x8000U
/* TX status word: error summary. */
#define TX_STS_ES 0x8000U
/* TX command A and B (datasheet 3.12.2). */
#define TX_CMD_A_FIRST 0x2000U
#define TX_CMD_A_LAST 0x1000U

/* MAC CSRs (datasheet 5.4), reached through MAC_CSR_CMD/DATA. */
#define MAC_CR 1U
#define MAC_ADDRH 2U
#define MAC_ADDRL 3U
#define MII_ACC 6U
#define MII_DATA 7U
#define MAC_CR_RXEN 0x4U
#define MAC_CR_TXEN 0x8U
#define MAC_CR_FDPX 0x100000U
#define MII_ACC_BUSY 0x1U
#define MII_ACC_WRITE 0x2U
#define PHY_ADDR 1U /* the internal PHY */

/* PHY registers (IEEE 802.3 22.2.4). */
#define PHY_BMSR 1U
#define PHY_ANAR 4U
#define PHY_ANLPAR 5U
#define PHY_BMSR_LINK 0x4U
#define PHY_AN_FULL_DUPLEX 0x140U /* 100BASE-TX and 10BASE-T full duplex */

/* An Ethernet frame without FCS, with room for an 802.1Q tag. */
#define FRAME_MAX 1518U
#define FRAME_MIN 14U
#define FCS_LEN 4U
#define LINK_POLL_MS 500U
/* Bounded waits: a controller that never finishes a reset or a CSR
 * access is absent or broken, which init reports instead of hanging. */
#define SPIN_LIMIT 100000U

/* The controller whose interrupt lan9118_irq_handler masks.  One
 * controller per board here; a board with two keeps one per IRQ line. */
static struct lan9118 *irq_dev;

/* Frames pass through these word-aligned buffers: the FIFOs move 32-bit
 * words, a pbuf chain has payloads of any length and alignment.  The copy
 * costs far less than the bus accesses. */
static u32_t rx_words[(FRAME_MAX + FCS_LEN + 3U) / 4U];
static u32_t tx_words[(FRAME_MAX + 3U) / 4U];

static u32_t rd(const struct lan9118 *d, u32_t off)
{
  return *(volatile u32_t *)(d->base + off);
}

static void wr(const struct lan9118 *d, u32_t off, u32_t v)
{
  *(volatile u32_t *)(d->base + off) = v;
}

static bool mac_csr_wait(const struct lan9118 *d)
{
  for (u32_t i = 0; i < SPIN_LIMIT; i++) {
    if ((rd(d, MAC_CSR_CMD) & MAC_CSR_BUSY) == 0) {
      return true;
    }
  }
  return false;
}

static u32_t mac_read(const struct lan9118 *d, u32_t reg)
{
  wr(d, MAC_CSR_CMD, MAC_CSR_BUSY | MAC_CSR_READ | reg);
  return mac_csr_wait(d) ? rd(d, MAC_CSR_DATA) : 0;
}

static void mac_write(const struct lan9118 *d, u32_t reg, u32_t v)
{
  wr(d, MAC_CSR_DATA, v);
  wr(d, MAC_CSR_CMD, MAC_CSR_BUSY | reg);
  (void)mac_csr_wait(d);
}

static u16_t phy_read(const struct lan9118 *d, u32_t reg)
{
  mac_write(d, MII_ACC, (PHY_ADDR << 11) | (reg << 6) | MII_ACC_BUSY);
  for (u32_t i = 0; i < SPIN_LIMIT; i++) {
    if ((mac_read(d, MII_ACC) & MII_ACC_BUSY) == 0) {
      return (u16_t)mac_read(d, MII_DATA);
    }
  }
  return 0;
}

static bool phy_link_up(const struct lan9118 *d)
{
  /* The link bit latches low (IEEE 802.3 22.2.4.2.13): the first read
   * reports a drop since the last one, the second the state now. */
  (void)phy_read(d, PHY_BMSR);
  return (phy_read(d, PHY_BMSR) & PHY_BMSR_LINK) != 0;
}

/* Full duplex when both ends advertise it: the MAC must match what
 * auto-negotiation chose, or a full-duplex partner sees late collisions. */
static bool phy_full_duplex(const struct lan9118 *d)
{
  return (phy_read(d, PHY_ANAR) & phy_read(d, PHY_ANLPAR) & PHY_AN_FULL_DUPLEX) != 0;
}

static bool soft_reset(const struct lan9118 *d)
{
  wr(d, HW_CFG, HW_CFG_SRST);
  for (u32_t i = 0; i < SPIN_LIMIT; i++) {
    if ((rd(d, HW_CFG) & HW_CFG_SRST) == 0 && (rd(d, PMT_CTRL) & PMT_CTRL_READY) != 0) {
      return true;
    }
  }
  return false;
}

/* The address the EEPROM loaded, or a fixed locally administered one
 * (IEEE 802 bit 1 of the first octet) when there is none. */
static void load_mac(const struct lan9118 *d, u8_t mac[6])
{
  u32_t lo = mac_read(d, MAC_ADDRL);
  u32_t hi = mac_read(d, MAC_ADDRH);
  for (unsigned i = 0; i < 4; i++) {
    mac[i] = (u8_t)(lo >> (8U * i));
  }
  mac[4] = (u8_t)hi;
  mac[5] = (u8_t)(hi >> 8);
  bool zero = (lo | (hi & 0xffffU)) == 0;
  bool multicast = (mac[0] & 1U) != 0;
  if (zero || multicast) {
    static const u8_t fallback[6] = {0x02, 0x00, 0x00, 0x00, 0x91, 0x18};
    memcpy(mac, fallback, 6);
    mac_write(d, MAC_ADDRL, (u32_t)mac[0] | (u32_t)mac[1] << 8 | (u32_t)mac[2] << 16 | (u32_t)mac[3] << 24);
    mac_write(d, MAC_ADDRH, (u32_t)mac[4] | (u32_t)mac[5] << 8);
  }
}

static err_t lan9118_linkoutput(struct netif *netif, struct pbuf *p)
{
  struct lan9118 *d = (struct lan9118 *)netif->state;
  u16_t len = p->tot_len;
  if (len > FRAME_MAX) {
    netif->counters.tx_errors++;
    return ERR_ARG;
  }
  u32_t words = ((u32_t)len + 3U) / 4U;
  /* Two command words and the data must fit, or the frame would be cut. */
  if (TX_FIFO_INF_TDFREE(rd(d, TX_FIFO_INF)) < 4U * (words + 2U)) {
    d->tx_full++;
    netif->counters.tx_errors++;
    return ERR_MEM;
  }
  if (pbuf_copy_partial(p, tx_words, len, 0) != len) {
    netif->counters.tx_errors++;
    return ERR_BUF;
  }
  /* One buffer holding the whole frame, so command A marks it both first
   * and last segment; command B repeats the frame length. */
  wr(d, TX_DATA_FIFO, TX_CMD_A_FIRST | TX_CMD_A_LAST | len);
  wr(d, TX_DATA_FIFO, len);
  for (u32_t i = 0; i < words; i++) {
    wr(d, TX_DATA_FIFO, tx_words[i]);
  }
  /* Statuses of frames sent so far: only their error bit matters. */
  while (TX_FIFO_INF_TXSUSED(rd(d, TX_FIFO_INF)) > 0) {
    if ((rd(d, TX_STATUS_FIFO) & TX_STS_ES) != 0) {
      d->tx_errors++;
    }
  }
  netif->counters.tx_packets++;
  netif->counters.tx_bytes += len;
  return ERR_OK;
}

/* Read one frame of @p len bytes (FCS included) out of the data FIFO into
 * rx_words, or only drain it when it does not fit there. */
static bool read_frame(const struct lan9118 *d, u32_t len)
{
  u32_t words = (len + 3U) / 4U;
  bool fits = words <= LWIP_ARRAYSIZE(rx_words);
  for (u32_t i = 0; i < words; i++) {
    u32_t w = rd(d, RX_DATA_FIFO);
    if (fits) {
      rx_words[i] = w;
    }
  }
  return fits;
}

static void receive_one(struct netif *netif, struct lan9118 *d)
{
  u32_t status = rd(d, RX_STATUS_FIFO);
  u32_t len = RX_STS_LENGTH(status);
  bool stored = read_frame(d, len);
  if ((status & RX_STS_ES) != 0 || !stored || len < FRAME_MIN + FCS_LEN) {
    d->rx_errors++;
    netif->counters.rx_drops++;
    return;
  }
  u16_t frame_len = (u16_t)(len - FCS_LEN);
  struct pbuf *p = pbuf_alloc(PBUF_RAW, frame_len, PBUF_POOL);
  if (p == NULL) {
    d->rx_nomem++;
    netif->counters.rx_drops++;
    return;
  }
  if (pbuf_take(p, rx_words, frame_len) != ERR_OK) {
    pbuf_free(p);
    netif->counters.rx_drops++;
    return;
  }
  p->if_idx = netif_get_index(netif);
  netif->counters.rx_packets++;
  netif->counters.rx_bytes += frame_len;
  /* netif->input owns p from here, unless it refuses it. */
  if (netif->input(p, netif) != ERR_OK) {
    pbuf_free(p);
  }
}

static void follow_link(struct netif *netif, struct lan9118 *d)
{
  bool up = phy_link_up(d);
  if (up == netif_is_link_up(netif)) {
    return;
  }
  if (up) {
    u32_t cr = mac_read(d, MAC_CR) & ~MAC_CR_FDPX;
    mac_write(d, MAC_CR, cr | (phy_full_duplex(d) ? MAC_CR_FDPX : 0U));
    netif_set_link_up(netif);
  } else {
    netif_set_link_down(netif);
  }
}

void lan9118_poll(struct netif *netif)
{
  struct lan9118 *d = (struct lan9118 *)netif->state;
  while (RX_FIFO_INF_RXSUSED(rd(d, RX_FIFO_INF)) > 0) {
    receive_one(netif, d);
  }
  if ((s32_t)(sys_now() - d->link_check_at) >= 0) {
    d->link_check_at = sys_now() + LINK_POLL_MS;
    follow_link(netif, d);
  }
}

bool lan9118_rx_waiting(void *netif)
{
  const struct lan9118 *d = (const struct lan9118 *)((struct netif *)netif)->state;
  return RX_FIFO_INF_RXSUSED(rd(d, RX_FIFO_INF)) > 0;
}

void lan9118_irq_unmask(struct netif *netif)
{
  const struct lan9118 *d = (const struct lan9118 *)netif->state;
  wr(d, INT_STS, INT_RSFL); /* write 1 to clear the latched event */
  wr(d, INT_EN, INT_RSFL);
}

void lan9118_irq_handler(void)
{
  if (irq_dev != NULL) {
    wr(irq_dev, INT_EN, 0);
    irq_dev->irq_wakeups++;
  }
}

err_t lan9118_netif_init(struct netif *netif)
{
  struct lan9118 *d = (struct lan9118 *)netif->state;
  if (d == NULL || rd(d, BYTE_TEST) != BYTE_TEST_VALUE || !soft_reset(d)) {
    return ERR_IF;
  }
  load_mac(d, netif->hwaddr);
  netif->hwaddr_len = 6;
  netif->name[0] = 'e';
  netif->name[1] = 'n';
  netif->mtu = 1500;
  netif->output = etharp_output;
  netif->linkoutput = lan9118_linkoutput;
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;

  /* Interrupt line: push-pull, active high, enabled; which events drive
   * it is INT_EN's business (lan9118_irq_unmask). */
  wr(d, INT_EN, 0);
  wr(d, INT_STS, 0xffffffffU);
  wr(d, IRQ_CFG, IRQ_CFG_EN | IRQ_CFG_POL_HIGH | IRQ_CFG_TYPE_PUSH_PULL);
  irq_dev = d;

  wr(d, TX_CFG, TX_CFG_TX_ON | TX_CFG_TXSAO);
  mac_write(d, MAC_CR, MAC_CR_RXEN | MAC_CR_TXEN);
  d->link_check_at = sys_now();
  follow_link(netif, d);
  return ERR_OK;
}
