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
 * to finish (what virtio's NEEDS_CSUM and Linux's CHECKSUM_PARTIAL expect).
 *
 * All of it needs the offload option (LWIP_OFFLOAD, lwIP's
 * LWIP_CHECKSUM_CTRL_PER_NETIF).  A build without it (the minimal profile)
 * keeps chksum_flags, gso_max and pbuf gso_size, so drivers that set them
 * still compile, but never reads them nor PBUF_FLAG_CSUM_OK: every checksum
 * is computed on output and checked on input in software (what RFC 1122
 * 3.2.1.2, 4.1.3.4 and 4.2.2.7 ask of a host; offloads only move that work
 * to the device), and TCP sends no segment larger than the MSS (RFC 9293
 * 3.7.1).  A driver must then not hand up packets whose checksum the device
 * left unfinished (virtio NEEDS_CSUM): they would fail the check. */

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
/** Send an IPv6 packet to next hop @p ipaddr (on-link, or a multicast
 *  group); does not take ownership. */
typedef err_t (*netif_output_ip6_fn)(struct netif *netif, struct pbuf *p, const ip6_addr_t *ipaddr);
/** Send a complete link-layer frame; does not take ownership.
 *  @return ERR_OK, or ERR_IF/ERR_MEM/ERR_BUF when the frame was not sent. */
typedef err_t (*netif_linkoutput_fn)(struct netif *netif, struct pbuf *p);
typedef void (*netif_status_callback_fn)(struct netif *netif);
/** Add or remove a multicast group from the driver's MAC filter. */
typedef err_t (*netif_igmp_mac_filter_fn)(struct netif *netif, const ip4_addr_t *group,
                                          enum netif_mac_filter_action action);
/** The same for an IPv6 group (its 33:33:... address, RFC 2464 7). */
typedef err_t (*netif_mld_mac_filter_fn)(struct netif *netif, const ip6_addr_t *group,
                                         enum netif_mac_filter_action action);

/** Counters per netif. */
struct netif_counters {
  u32_t rx_packets, rx_bytes, rx_drops;
  u32_t tx_packets, tx_bytes, tx_errors;
};

struct igmp_group;
struct mld6_group;
struct dhcp;
struct acd;
struct autoip;

#if LWIP_IPV6
/** States of an IPv6 address (RFC 4862 2), lwIP's values: bit 0x10 means
 *  usable (preferred or deprecated). */
#define IP6_ADDR_INVALID 0x00U    /**< slot empty */
#define IP6_ADDR_TENTATIVE 0x08U  /**< duplicate address detection running: not used */
#define IP6_ADDR_VALID 0x10U      /**< the usable bit */
#define IP6_ADDR_PREFERRED 0x30U  /**< usable for anything */
#define IP6_ADDR_DEPRECATED 0x10U /**< valid but not chosen for new communication */
#define IP6_ADDR_DUPLICATED 0x40U /**< DAD found it in use: never used */
#define ip6_addr_isinvalid(state) ((state) == IP6_ADDR_INVALID)
#define ip6_addr_istentative(state) ((state) == IP6_ADDR_TENTATIVE)
#define ip6_addr_isvalid(state) (((state) & IP6_ADDR_VALID) != 0)
#define ip6_addr_ispreferred(state) ((state) == IP6_ADDR_PREFERRED)
#define ip6_addr_isdeprecated(state) ((state) == IP6_ADDR_DEPRECATED)
#define ip6_addr_isduplicated(state) ((state) == IP6_ADDR_DUPLICATED)
/** Name of a state ("preferred"); "?" for anything else. */
const char *netif_ip6_addr_state_name(u8_t state);

/** Where an IPv6 address came from (netif->ip6_addr_origin). */
#define NETIF_IP6_ORIGIN_STATIC 0U    /**< configured (netif_add_ip6_address) */
#define NETIF_IP6_ORIGIN_LINKLOCAL 1U /**< netif_create_ip6_linklocal_address */
#define NETIF_IP6_ORIGIN_SLAAC 2U     /**< stateless autoconfiguration from an RA prefix (RFC 4862 5.5.3) */
#define NETIF_IP6_ORIGIN_DHCP6 3U     /**< leased by the DHCPv6 client (RFC 8415 18.2.10.1) */
#define NETIF_IP6_ORIGIN_AUTOCONF NETIF_IP6_ORIGIN_SLAAC /**< the older name */

/** Lifetime value meaning "forever" (RFC 4861 4.6.2). */
#define IP6_ADDR_LIFE_INFINITE 0xffffffffUL

/** How interface identifiers are made (netif_create_ip6_linklocal_address). */
enum netif_ip6_iid_mode {
  NETIF_IP6_IID_STABLE_OPAQUE = 0, /**< RFC 7217: keyed hash of prefix, MAC and DAD counter */
  NETIF_IP6_IID_EUI64 = 1,         /**< RFC 4291 appendix A: modified EUI-64 from the MAC */
};
#endif

struct netif {
  struct netif *next;
  ip_addr_t ip_addr;
  ip_addr_t netmask;
  ip_addr_t gw;
#if LWIP_IPV6
  ip_addr_t ip6_addr[LWIP_IPV6_NUM_ADDRESSES];  /**< zone = netif index for link-local */
  u8_t ip6_addr_state[LWIP_IPV6_NUM_ADDRESSES]; /**< IP6_ADDR_* */
  u8_t ip6_addr_prefix_len[LWIP_IPV6_NUM_ADDRESSES]; /**< on-link prefix it came with */
  u8_t ip6_addr_origin[LWIP_IPV6_NUM_ADDRESSES];     /**< NETIF_IP6_ORIGIN_* */
  u8_t ip6_addr_dad_counter[LWIP_IPV6_NUM_ADDRESSES]; /**< RFC 7217 DAD_Counter it was made with */
  u8_t ip6_addr_dad_left[LWIP_IPV6_NUM_ADDRESSES];   /**< DAD solicitations still to send */
  u32_t ip6_addr_dad_at[LWIP_IPV6_NUM_ADDRESSES];    /**< sys_now() of the next DAD step */
  /** Valid and preferred lifetimes in seconds (or IP6_ADDR_LIFE_INFINITE)
   *  as of sys_now() == ip6_addr_life_stamp: the ND timer counts them down
   *  by moving the stamp; read what is left with netif_ip6_addr_valid_left()
   *  and netif_ip6_addr_pref_left(). */
  u32_t ip6_addr_valid_life[LWIP_IPV6_NUM_ADDRESSES];
  u32_t ip6_addr_pref_life[LWIP_IPV6_NUM_ADDRESSES];
  u32_t ip6_addr_life_stamp[LWIP_IPV6_NUM_ADDRESSES];
  netif_output_ip6_fn output_ip6; /**< ethip6_output for Ethernet */
  u32_t rs_at;      /**< sys_now() of the next router solicitation */
  u8_t rs_left;     /**< router solicitations still to send (RFC 4861 6.3.7) */
  u8_t ip6_iid_mode; /**< enum netif_ip6_iid_mode */
  u8_t ip6_autoconfig_enabled; /**< form SLAAC addresses from RA prefixes (on by default, as in lwIP) */
  /* What Router Advertisements set (RFC 4861 6.3.4); 0 = the default. */
  u16_t mtu6;             /**< link MTU from the RA MTU option (1280..mtu), 0 = none */
  u8_t cur_hop_limit;     /**< RA CurHopLimit */
  u8_t ra_flags;          /**< M and O flags of the latest RA */
  bool ra_seen;           /**< an RA was accepted here */
  u32_t ra_last_ms;       /**< sys_now() of the latest accepted RA */
  u32_t nd6_reachable_ms; /**< BaseReachableTime from an RA */
  u32_t nd6_retrans_ms;   /**< RetransTimer from an RA */
#endif
  netif_input_fn input;
  netif_output_fn output;
  netif_linkoutput_fn linkoutput;
  netif_status_callback_fn status_callback; /**< up/down and address changes */
  netif_status_callback_fn link_callback;   /**< link up/down */
  netif_status_callback_fn remove_callback; /**< netif_remove() */
  void *state;             /**< the driver's own data */
  const char *hostname;    /**< for DHCP, later */
  u16_t mtu;               /**< largest IP packet, 0 = unknown */
  u16_t chksum_flags;      /**< NETIF_CHECKSUM_* (read only with LWIP_OFFLOAD) */
  u16_t gso_max;           /**< TCP segmentation offload: the largest IPv4
                                packet the device cuts into MSS-sized TCP
                                segments itself (pbuf gso_size); 0 = none
                                (read only with LWIP_OFFLOAD) */
  u8_t hwaddr[NETIF_MAX_HWADDR_LEN];
  u8_t hwaddr_len;
  u8_t flags;              /**< NETIF_FLAG_* */
  char name[2];            /**< two letters, set by the driver */
  u8_t num;                /**< unique number, assigned by netif_add() */
  netif_igmp_mac_filter_fn igmp_mac_filter;
#if LWIP_IGMP
  struct igmp_group *igmp_groups;
#endif
#if LWIP_IPV6
  netif_mld_mac_filter_fn mld_mac_filter; /**< told about each IPv6 group joined or left */
  struct mld6_group *mld_groups; /**< IPv6 groups listened to (mld6.c), all-nodes first */
  u32_t mld_gq_at;    /**< sys_now() of the pending answer to a General Query */
  u32_t mld_v1_until; /**< sys_now() when MLDv1 compatibility mode ends */
  u16_t mld_qi_s;     /**< Query Interval learned from queries, s (0: the default) */
  u8_t mld_qrv;       /**< Robustness Variable learned from queries (0: the default) */
  u8_t mld_flags;     /**< mld6.c's MLD6_NF_* */
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
#if LWIP_OFFLOAD
/** Whether the stack must compute (GEN) or check (CHECK) checksum @p chk on
 *  @p netif itself. */
#define NETIF_CHECKSUM_ENABLED(netif, chk) (((netif)->chksum_flags & (chk)) != 0)
/** Whether @p netif cuts packet @p p (gso_size set) into MSS-sized TCP
 *  segments itself, so it may exceed the MTU. */
#define NETIF_GSO_TAKES(netif, p) ((p)->gso_size != 0 && (netif)->gso_max >= (p)->tot_len)
#else
/* Without offloads: every checksum in software, no packet over the MTU. */
#define NETIF_CHECKSUM_ENABLED(netif, chk) ((void)(netif), 1)
#define NETIF_GSO_TAKES(netif, p) 0
#endif

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
#define LWIP_NSC_IPV6_SET 0x0100U                /**< an IPv6 address slot was set or cleared */
#define LWIP_NSC_IPV6_ADDR_STATE_CHANGED 0x0200U /**< an IPv6 address changed state */

/** What changed; only the member matching the reason is valid. */
typedef union {
  struct { u8_t state; } link_changed;   /**< 1 = up, 0 = down */
  struct { u8_t state; } status_changed; /**< 1 = up, 0 = down */
  struct { const ip_addr_t *old_address; const ip_addr_t *old_netmask; const ip_addr_t *old_gw; } ipv4_changed;
  struct { s8_t addr_index; const ip_addr_t *old_address; } ipv6_set;
  struct { s8_t addr_index; u8_t old_state; const ip_addr_t *address; } ipv6_addr_state_changed;
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

#if LWIP_IPV6
#define netif_ip_addr6(netif, i) ((const ip_addr_t *)(&((netif)->ip6_addr[i])))
#define netif_ip6_addr(netif, i) ((const ip6_addr_t *)ip_2_ip6(&((netif)->ip6_addr[i])))
#define netif_ip6_addr_state(netif, i) ((netif)->ip6_addr_state[i])
/** The MTU for IPv6 on @p netif: the RA's MTU option when one was accepted
 *  (RFC 4861 6.3.4), else the link MTU. */
#define netif_mtu6(netif) ((netif)->mtu6 != 0 ? (netif)->mtu6 : (netif)->mtu)
#define netif_set_ip6_autoconfig_enabled(netif, on) ((netif)->ip6_autoconfig_enabled = (u8_t)((on) ? 1 : 0))
/** Seconds of valid lifetime slot @p idx has left (IP6_ADDR_LIFE_INFINITE
 *  when it has no end, 0 for an empty slot). */
u32_t netif_ip6_addr_valid_left(const struct netif *netif, s8_t idx);
/** Seconds of preferred lifetime slot @p idx has left (0: deprecated). */
u32_t netif_ip6_addr_pref_left(const struct netif *netif, s8_t idx);
/** Set the lifetimes of slot @p idx from now (seconds or
 *  IP6_ADDR_LIFE_INFINITE; @p pref is cut to @p valid).  A preferred
 *  lifetime of 0 deprecates a preferred address, a non-zero one makes a
 *  deprecated address preferred again; a valid lifetime of 0 removes it
 *  at the next ND timer run. */
void netif_ip6_addr_set_lifetimes(struct netif *netif, s8_t idx, u32_t valid, u32_t pref);

/** Put @p addr with on-link prefix @p prefix_len into a free slot of
 *  @p netif as TENTATIVE: duplicate address detection runs (RFC 4862 5.4)
 *  once the netif is up, and the address is used only when it passes.  A
 *  link-local address gets the netif's zone.  When the address is there
 *  already its slot is returned and nothing changes.
 *  @return ERR_OK with the slot in *@p chosen_idx (may be NULL), ERR_VAL
 *  for a multicast, unspecified or loopback address or a prefix above 128,
 *  ERR_BUF when every slot is taken. */
err_t netif_add_ip6_address_prefix(struct netif *netif, const ip6_addr_t *addr, u8_t prefix_len,
                                   s8_t *chosen_idx);
/** lwIP's form: as netif_add_ip6_address_prefix() with a /64 prefix
 *  (link-local and most global prefixes are /64, RFC 4291 2.5.1). */
err_t netif_add_ip6_address(struct netif *netif, const ip6_addr_t *addr, s8_t *chosen_idx);
/** Set slot @p idx to @p addr (unspecified: the slot is cleared). */
void netif_ip6_addr_set(struct netif *netif, s8_t idx, const ip6_addr_t *addr);
/** Change the state of slot @p idx (IP6_ADDR_*); IP6_ADDR_INVALID clears
 *  it.  Setting TENTATIVE (re)starts DAD.  Logged and reported to the
 *  extended callbacks. */
void netif_ip6_addr_set_state(struct netif *netif, s8_t idx, u8_t state);
/** Slot holding @p addr on @p netif (any state), or -1. */
s8_t netif_get_ip6_addr_match(const struct netif *netif, const ip6_addr_t *addr);
/** Add the link-local address fe80::IID/64 (RFC 4862 5.3) in slot 0.  The
 *  interface identifier is modified EUI-64 from the MAC when
 *  @p from_mac_48bit is 1 (lwIP's meaning) and a stable, opaque one (RFC
 *  7217) otherwise; the choice is kept for addresses made later.  Needs a
 *  6-byte hwaddr.  @return ERR_OK, ERR_VAL without a MAC. */
err_t netif_create_ip6_linklocal_address(struct netif *netif, u8_t from_mac_48bit);
/** Write the 8-byte interface identifier @p netif uses in @p prefix (the
 *  first 8 bytes matter) with DAD counter @p dad_counter into @p iid. */
void netif_ip6_make_iid(const struct netif *netif, const ip6_addr_t *prefix, u8_t dad_counter, u8_t iid[8]);
/** The secret key of RFC 7217 stable identifiers.  Without a call, the key
 *  is taken from lwip_port_rand() when first needed, so a seeded port (lwipd
 *  --seed) makes identifiers reproducible; a caller that keeps a key across
 *  restarts sets it here. */
void netif_ip6_set_iid_secret(const u8_t key[16]);
#endif

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
