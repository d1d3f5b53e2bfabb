/**
 * @file netif.h
 * Network interfaces.
 *
 * A netif is one link the stack is attached to: a driver fills in
 * linkoutput (send a finished frame), the stack calls input for every
 * received frame, and output resolves the next hop (etharp_output for
 * Ethernet).  Ownership: netif->input takes ownership of the pbuf;
 * netif->output and netif->linkoutput do not (the caller frees it).
 */
#ifndef LWIP_NETIF_H
#define LWIP_NETIF_H

#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NETIF_MAX_HWADDR_LEN 6U
#define NETIF_NAMESIZE 6 /* "xx255" and NUL */

/** netif->flags */
#define NETIF_FLAG_UP 0x01U        /**< administratively up */
#define NETIF_FLAG_BROADCAST 0x02U /**< link supports broadcast */
#define NETIF_FLAG_LINK_UP 0x04U   /**< driver reports the link up */
#define NETIF_FLAG_ETHARP 0x08U    /**< uses ARP (Ethernet with IPv4) */
#define NETIF_FLAG_ETHERNET 0x10U  /**< Ethernet framing (else raw IP) */
#define NETIF_FLAG_IGMP 0x20U      /**< sends and accepts IGMP */
#define NETIF_FLAG_MLD6 0x40U      /**< sends and accepts MLD (IPv6, later) */

/** netif->chksum_flags: which checksums the stack must compute itself.
 *  A driver with checksum offload clears bits; the default is all set. */
#define NETIF_CHECKSUM_GEN_IP 0x0001U
#define NETIF_CHECKSUM_GEN_UDP 0x0002U
#define NETIF_CHECKSUM_GEN_TCP 0x0004U
#define NETIF_CHECKSUM_GEN_ICMP 0x0008U
#define NETIF_CHECKSUM_CHECK_IP 0x0100U
#define NETIF_CHECKSUM_CHECK_UDP 0x0200U
#define NETIF_CHECKSUM_CHECK_TCP 0x0400U
#define NETIF_CHECKSUM_CHECK_ICMP 0x0800U
#define NETIF_CHECKSUM_ENABLE_ALL 0xffffU
/* Checksum offload (e.g. a TAP with IFF_VNET_HDR): a driver that verified a
 * received packet's transport checksum sets PBUF_FLAG_CSUM_OK on it; one
 * that completes transmit checksums clears NETIF_CHECKSUM_GEN_TCP/UDP, and
 * TCP then leaves the pseudo-header sum in the checksum field for the device
 * to finish (what virtio's NEEDS_CSUM and Linux's CHECKSUM_PARTIAL expect). */

enum netif_mac_filter_action {
  NETIF_DEL_MAC_FILTER = 0,
  NETIF_ADD_MAC_FILTER = 1
};

struct netif;

/** Driver init, called by netif_add().  @return ERR_OK, or an error that
 *  makes netif_add() fail. */
typedef err_t (*netif_init_fn)(struct netif *netif);
/** Hand a received packet to the stack; takes ownership of @p p. */
typedef err_t (*netif_input_fn)(struct pbuf *p, struct netif *inp);
/** Send an IPv4 packet to next hop @p ipaddr; does not take ownership. */
typedef err_t (*netif_output_fn)(struct netif *netif, struct pbuf *p, const ip4_addr_t *ipaddr);
/** Send a complete link-layer frame; does not take ownership.
 *  @return ERR_OK, or ERR_IF/ERR_MEM/ERR_BUF when the frame was not sent. */
typedef err_t (*netif_linkoutput_fn)(struct netif *netif, struct pbuf *p);
typedef void (*netif_status_callback_fn)(struct netif *netif);
/** Add or remove a multicast group from the driver's MAC filter. */
typedef err_t (*netif_igmp_mac_filter_fn)(struct netif *netif, const ip4_addr_t *group,
                                          enum netif_mac_filter_action action);

/** Counters per netif. */
struct netif_counters {
  u32_t rx_packets, rx_bytes, rx_drops;
  u32_t tx_packets, tx_bytes, tx_errors;
};

struct igmp_group;
struct dhcp;
struct acd;
struct autoip;

struct netif {
  struct netif *next;
  ip_addr_t ip_addr;
  ip_addr_t netmask;
  ip_addr_t gw;
  netif_input_fn input;
  netif_output_fn output;
  netif_linkoutput_fn linkoutput;
  netif_status_callback_fn status_callback; /**< up/down and address changes */
  netif_status_callback_fn link_callback;   /**< link up/down */
  netif_status_callback_fn remove_callback; /**< netif_remove() */
  void *state;             /**< the driver's own data */
  const char *hostname;    /**< for DHCP, later */
  u16_t mtu;               /**< largest IP packet, 0 = unknown */
  u16_t chksum_flags;      /**< NETIF_CHECKSUM_* */
  u16_t gso_max;           /**< TCP segmentation offload: the largest IPv4
                                packet the device cuts into MSS-sized TCP
                                segments itself (pbuf gso_size); 0 = none */
  u8_t hwaddr[NETIF_MAX_HWADDR_LEN];
  u8_t hwaddr_len;
  u8_t flags;              /**< NETIF_FLAG_* */
  char name[2];            /**< two letters, set by the driver */
  u8_t num;                /**< unique number, assigned by netif_add() */
  netif_igmp_mac_filter_fn igmp_mac_filter;
#if LWIP_IGMP
  struct igmp_group *igmp_groups;
#endif
#if LWIP_DHCP
  struct dhcp *dhcp;       /**< DHCP client state (dhcp_start), NULL when not running */
  struct acd *acd;         /**< address conflict detection (RFC 5227) state */
#endif
#if LWIP_AUTOIP
  struct autoip *autoip;   /**< link-local address state (RFC 3927) */
#endif
#if LWIP_LOOPBACK
  struct pbuf *loop_first; /**< packets looped back, delivered by netif_poll() */
  struct pbuf *loop_last;
  u16_t loop_cnt;
#endif
  struct netif_counters counters;
};

/** Every netif, in the order added (most recent first). */
extern struct netif *netif_list;
/** The netif used when no route matches; may be NULL. */
extern struct netif *netif_default;
#define NETIF_FOREACH(n) for ((n) = netif_list; (n) != NULL; (n) = (n)->next)

#define netif_ip4_addr(netif) ((const ip4_addr_t *)ip_2_ip4(&((netif)->ip_addr)))
#define netif_ip4_netmask(netif) ((const ip4_addr_t *)ip_2_ip4(&((netif)->netmask)))
#define netif_ip4_gw(netif) ((const ip4_addr_t *)ip_2_ip4(&((netif)->gw)))
#define netif_ip_addr4(netif) ((const ip_addr_t *)&((netif)->ip_addr))
#define netif_is_up(netif) (((netif)->flags & NETIF_FLAG_UP) != 0)
#define netif_is_link_up(netif) (((netif)->flags & NETIF_FLAG_LINK_UP) != 0)
#define netif_get_index(netif) ((u8_t)((netif)->num + 1))
#define NETIF_NO_INDEX 0
#define NETIF_CHECKSUM_ENABLED(netif, chk) (((netif)->chksum_flags & (chk)) != 0)

/** Set up the netif module and, when enabled, the loopback netif lo0. */
void netif_init(void);

/** Register @p netif: addresses are set (NULL means 0.0.0.0), @p init is
 *  called to let the driver fill in its fields, and the netif is numbered
 *  and added to netif_list, initially down.
 *  @return @p netif, or NULL when @p init failed or no number is free. */
struct netif *netif_add(struct netif *netif, const ip4_addr_t *ipaddr, const ip4_addr_t *netmask,
                        const ip4_addr_t *gw, void *state, netif_init_fn init, netif_input_fn input);
struct netif *netif_add_noaddr(struct netif *netif, void *state, netif_init_fn init, netif_input_fn input);
/** Take @p netif out of the stack: bring it down, drop its ARP entries,
 *  groups and queued packets, and unbind PCBs from it. */
void netif_remove(struct netif *netif);

/** Find by name ("tp0", two letters and the number). @return NULL if none. */
struct netif *netif_find(const char *name);
/** Find by index (netif_get_index()). @return NULL if none. */
struct netif *netif_get_by_index(u8_t idx);
/** Name ("tp0") of a netif into @p buf (at least NETIF_NAMESIZE). @return buf. */
char *netif_index_to_name(u8_t idx, char *name);

void netif_set_addr(struct netif *netif, const ip4_addr_t *ipaddr, const ip4_addr_t *netmask,
                    const ip4_addr_t *gw);
void netif_set_ipaddr(struct netif *netif, const ip4_addr_t *ipaddr);
void netif_set_netmask(struct netif *netif, const ip4_addr_t *netmask);
void netif_set_gw(struct netif *netif, const ip4_addr_t *gw);
void netif_set_default(struct netif *netif);
void netif_set_up(struct netif *netif);
void netif_set_down(struct netif *netif);
void netif_set_link_up(struct netif *netif);
void netif_set_link_down(struct netif *netif);
/** Change the MTU; values below 68 (RFC 791 minimum) are refused.
 *  @return ERR_OK or ERR_VAL. */
err_t netif_set_mtu(struct netif *netif, u16_t mtu);
void netif_set_hwaddr(struct netif *netif, const u8_t *hwaddr, u8_t len);
void netif_set_status_callback(struct netif *netif, netif_status_callback_fn cb);
void netif_set_link_callback(struct netif *netif, netif_status_callback_fn cb);
void netif_set_remove_callback(struct netif *netif, netif_status_callback_fn cb);
#define netif_set_igmp_mac_filter(netif, fn) do { if ((netif) != NULL) { (netif)->igmp_mac_filter = (fn); } } while (0)
#define netif_get_igmp_mac_filter(netif) (((netif) != NULL) ? ((netif)->igmp_mac_filter) : NULL)

/** Generic input: ethernet_input() for Ethernet netifs, ip_input() for
 *  raw-IP ones.  Takes ownership of @p p.  @return ERR_OK. */
err_t netif_input(struct pbuf *p, struct netif *inp);

/* ---- Extended callbacks: one registration observes every netif. ---- */
typedef u16_t netif_nsc_reason_t;
#define LWIP_NSC_NETIF_ADDED 0x0001U
#define LWIP_NSC_NETIF_REMOVED 0x0002U
#define LWIP_NSC_LINK_CHANGED 0x0004U
#define LWIP_NSC_STATUS_CHANGED 0x0008U
#define LWIP_NSC_IPV4_ADDRESS_CHANGED 0x0010U
#define LWIP_NSC_IPV4_GATEWAY_CHANGED 0x0020U
#define LWIP_NSC_IPV4_NETMASK_CHANGED 0x0040U
#define LWIP_NSC_IPV4_SETTINGS_CHANGED 0x0080U

/** What changed; only the member matching the reason is valid. */
typedef union {
  struct { u8_t state; } link_changed;   /**< 1 = up, 0 = down */
  struct { u8_t state; } status_changed; /**< 1 = up, 0 = down */
  struct { const ip_addr_t *old_address; const ip_addr_t *old_netmask; const ip_addr_t *old_gw; } ipv4_changed;
} netif_ext_callback_args_t;

typedef void (*netif_ext_callback_fn)(struct netif *netif, netif_nsc_reason_t reason,
                                      const netif_ext_callback_args_t *args);
typedef struct netif_ext_callback {
  netif_ext_callback_fn callback_fn;
  struct netif_ext_callback *next;
} netif_ext_callback_t;
#define NETIF_DECLARE_EXT_CALLBACK(name) static netif_ext_callback_t name;
/** Register @p callback (storage owned by the caller) to be told of changes. */
void netif_add_ext_callback(netif_ext_callback_t *callback, netif_ext_callback_fn fn);
void netif_remove_ext_callback(netif_ext_callback_t *callback);

#if LWIP_LOOPBACK
/** Queue a copy of @p p for delivery to @p netif's own input on the next
 *  netif_poll() (scheduled as a zero-delay timeout, so a sender never
 *  re-enters its own receive path).  Does not take ownership.
 *  @return ERR_OK, or ERR_MEM when no copy could be made or the queue is full. */
err_t netif_loop_output(struct netif *netif, struct pbuf *p);
/** Deliver every packet looped back on @p netif. */
void netif_poll(struct netif *netif);
/** The loopback netif (lo0, 127.0.0.1/8). */
extern struct netif *netif_loopback;
#endif

#ifdef __cplusplus
}
#endif

/* lwIP's netif.h brings these in, and applications rely on it. */
#include "lwip/def.h"
#include "lwip/stats.h"

#endif /* LWIP_NETIF_H */
