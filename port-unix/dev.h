/**
 * @file dev.h
 * Stackable link devices for the Linux port.
 *
 * A device moves whole Ethernet frames.  Devices stack: the TAP device is
 * at the bottom; wrappers (pcap capture, impairment) sit above it; the top
 * of the stack is attached to a netif.  Frames sent by the stack go down
 * (netif->linkoutput -> top->ops->tx -> ... -> TAP write); frames received
 * go up (TAP read -> dev_deliver_up(tap) -> wrapper rx -> ... -> netif->input).
 *
 * Ownership: ops->tx does not take ownership of the pbuf (like linkoutput);
 * ops->rx and dev_deliver_up() do (like netif->input).
 *
 * The daemon, lwip-replay and tests share these devices: replay puts the
 * wrappers over a virtual device instead of a TAP.
 */
#ifndef LWIPD_DEV_H
#define LWIPD_DEV_H

#include "lwip/netif.h"
#include "lwip/pbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dev;

struct dev_ops {
  const char *kind; /**< "tap", "pcap", "impair", ... */
  /** Send a frame down.  Does not take ownership.  @return ERR_OK or an
   *  error (counted by the caller). */
  err_t (*tx)(struct dev *d, struct pbuf *p);
  /** A frame arrives from the device below.  Takes ownership.  NULL means
   *  pass straight up (dev_deliver_up). */
  void (*rx)(struct dev *d, struct pbuf *p);
  /** Release the device's resources (not the lower device). */
  void (*close)(struct dev *d);
};

struct dev {
  const struct dev_ops *ops;
  struct dev *lower;   /**< device this one wraps; NULL at the bottom */
  struct dev *upper;   /**< device wrapping this one; NULL at the top */
  struct netif *netif; /**< netif the stack top is attached to */
};

/** Put @p wrapper on top of @p lower (which may already be attached to a
 *  netif: the wrapper takes over the attachment). */
void dev_push(struct dev *wrapper, struct dev *lower);
/** Remove @p d from its stack, reconnecting its neighbours; does not close it. */
void dev_unlink(struct dev *d);
/** The top of the stack containing @p d. */
struct dev *dev_top(struct dev *d);
/** Hand a received frame from @p d to whatever is above it (a wrapper's rx
 *  or netif->input).  Takes ownership. */
void dev_deliver_up(struct dev *d, struct pbuf *p);
/** Send a frame through @p d's lower device (what a wrapper calls in tx). */
err_t dev_send_down(struct dev *d, struct pbuf *p);

/** Format an error message into @p err (of @p errlen bytes; NULL or 0:
 *  nothing is written).  The devices' open and parse functions report
 *  through it. */
void dev_set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** netif init function for a netif driven by a device stack: pass the
 *  bottom or any device of the stack as the netif's state.  Sets
 *  linkoutput, output (etharp), Ethernet flags, MTU and MAC from
 *  dev_netif_config (set before netif_add). */
err_t dev_netif_init(struct netif *netif);
struct dev_netif_config {
  uint8_t mac[6];
  uint16_t mtu;
  char name[2];
};
/** Configuration read by dev_netif_init (set before each netif_add). */
extern struct dev_netif_config dev_netif_config;

#endif
