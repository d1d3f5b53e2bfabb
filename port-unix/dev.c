/**
 * @file dev.c
 * Stacking of link devices and the netif glue (see dev.h).
 */
#include "dev.h"

#include "lwip/etharp.h"
#include "lwip/ethernet.h"
#if LWIP_IPV6
#include "lwip/nd6.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct dev_netif_config dev_netif_config = {
  .mac = {0x02, 0, 0, 0, 0, 0x01},
  .mtu = 1500,
  .name = {'t', 'p'},
};

void dev_push(struct dev *wrapper, struct dev *lower)
{
  struct dev *old_upper = lower->upper;
  wrapper->lower = lower;
  wrapper->upper = old_upper;
  wrapper->netif = lower->netif;
  lower->upper = wrapper;
  if (old_upper != NULL) {
    old_upper->lower = wrapper;
  }
  if (wrapper->upper == NULL && wrapper->netif != NULL) {
    wrapper->netif->state = wrapper;
  }
}

void dev_unlink(struct dev *d)
{
  if (d->upper != NULL) {
    d->upper->lower = d->lower;
  } else if (d->netif != NULL && d->lower != NULL) {
    d->netif->state = d->lower;
  }
  if (d->lower != NULL) {
    d->lower->upper = d->upper;
  }
  d->upper = d->lower = NULL;
}

struct dev *dev_top(struct dev *d)
{
  while (d->upper != NULL) {
    d = d->upper;
  }
  return d;
}

void dev_deliver_up(struct dev *d, struct pbuf *p)
{
  struct dev *up = d->upper;
  if (up != NULL) {
    if (up->ops->rx != NULL) {
      up->ops->rx(up, p);
    } else {
      dev_deliver_up(up, p);
    }
    return;
  }
  if (d->netif == NULL) {
    pbuf_free(p);
    return;
  }
  p->if_idx = netif_get_index(d->netif);
  d->netif->counters.rx_packets++;
  d->netif->counters.rx_bytes += p->tot_len;
  d->netif->input(p, d->netif);
}

err_t dev_send_down(struct dev *d, struct pbuf *p)
{
  if (d->lower == NULL) {
    return ERR_IF;
  }
  return d->lower->ops->tx(d->lower, p);
}

static err_t dev_linkoutput(struct netif *netif, struct pbuf *p)
{
  struct dev *top = (struct dev *)netif->state;
  err_t err = top->ops->tx(top, p);
  if (err == ERR_OK) {
    netif->counters.tx_packets++;
    netif->counters.tx_bytes += p->tot_len;
  } else {
    netif->counters.tx_errors++;
  }
  return err;
}

static void dev_set_netif(struct dev *d, struct netif *netif)
{
  for (struct dev *x = d; x != NULL; x = x->lower) {
    x->netif = netif;
  }
  for (struct dev *x = d->upper; x != NULL; x = x->upper) {
    x->netif = netif;
  }
}

err_t dev_netif_init(struct netif *netif)
{
  struct dev *d = (struct dev *)netif->state;
  if (d == NULL) {
    return ERR_ARG;
  }
  dev_set_netif(d, netif);
  netif->state = dev_top(d);
  netif->name[0] = dev_netif_config.name[0];
  netif->name[1] = dev_netif_config.name[1];
  netif->output = etharp_output;
#if LWIP_IPV6
  /* IPv6 over Ethernet resolves next hops by Neighbor Discovery and maps
   * multicast to 33:33:xx:xx:xx:xx (RFC 2464 7). */
  netif->output_ip6 = ethip6_output;
#endif
  netif->linkoutput = dev_linkoutput;
  netif->mtu = dev_netif_config.mtu;
  netif->hwaddr_len = 6;
  memcpy(netif->hwaddr, dev_netif_config.mac, 6);
  /* MLD (RFC 3810) too: MLD-snooping switches forward multicast, even the
   * solicited-node groups of Neighbor Discovery, only to listeners that
   * reported. */
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
  return ERR_OK;
}

void dev_set_err(char *err, size_t errlen, const char *fmt, ...)
{
  if (err == NULL || errlen == 0) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}
