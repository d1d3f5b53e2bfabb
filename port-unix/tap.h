/**
 * @file tap.h
 * The TAP device: the bottom of a device stack (dev.h) in lwipd.
 *
 * A tap_dev moves whole Ethernet frames between a Linux TAP interface and
 * the device stack above it.  The file descriptor is non-blocking; the
 * daemon watches tap_fd() for readability and calls tap_read_batch(), which
 * hands every frame up with dev_deliver_up().  Frames sent by the stack
 * reach tap's ops->tx, which writes them to the TAP.
 *
 * Ownership (as in dev.h): frames delivered up are new PBUF_POOL pbufs whose
 * ownership passes to the receiver; tx does not take ownership.
 *
 * Errors in tx are never fatal: they are counted by errno class, logged at
 * most once a second (LWIP_LOG(NETIF, WARN)), and returned as ERR_MEM
 * (transient: the kernel queue is full) or ERR_IF (anything else).
 */
#ifndef LWIPD_TAP_H
#define LWIPD_TAP_H

#include "dev.h"

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Largest frame read from or written to the TAP: a pbuf's tot_len limit. */
#define TAP_FRAME_MAX 65535U

/**
 * Offloads (--offload): with them every frame crossing the TAP carries a
 * virtio-net header (IFF_VNET_HDR, the 10-byte legacy struct
 * virtio_net_hdr in host byte order: no mergeable buffers, so the v1
 * header's num_buffers has no use here).  lwipd then
 *  - receives TCP segments of up to 64 KB in one frame (the kernel's TSO
 *    is not undone: TUN_F_TSO4/TSO6) and frames whose checksum the kernel
 *    vouches for (DATA_VALID) or left partial (NEEDS_CSUM, TUN_F_CSUM);
 *    both are marked PBUF_FLAG_CSUM_OK;
 *  - sends TCP segments of up to 64 KB (pbuf gso_size) that the kernel
 *    cuts into gso_size pieces, and TCP checksums left partial
 *    (PBUF_FLAG_CSUM_PARTIAL) for the kernel to finish.
 */
enum tap_offload {
  TAP_OFFLOAD_OFF,  /**< plain frames, no virtio-net header */
  TAP_OFFLOAD_AUTO, /**< whatever the kernel accepts, plain frames if nothing */
  TAP_OFFLOAD_ON,   /**< checksum and TSO both ways, or tap_open fails */
};

/** Parse "auto", "on" or "off".  @return true and @p out set, or false. */
bool tap_offload_parse(const char *s, enum tap_offload *out);

/** "off", "auto" or "on". */
const char *tap_offload_name(enum tap_offload mode);

/** Counters of one TAP device (zeroed by tap_open, never reset otherwise). */
struct tap_counters {
  uint64_t rx_frames;  /**< frames read and delivered up */
  uint64_t rx_bytes;   /**< bytes of those frames */
  uint64_t rx_nomem;   /**< frames read but dropped: no pbuf (PBUF_POOL empty) */
  uint64_t rx_errors;  /**< read() errors that were not fatal, oversized frames */
  uint64_t tx_frames;  /**< frames written */
  uint64_t tx_bytes;   /**< bytes of those frames */
  uint64_t tx_eagain;  /**< write() failed with EAGAIN: TAP queue full */
  uint64_t tx_enobufs; /**< write() failed with ENOBUFS: kernel out of buffers */
  uint64_t tx_errors;  /**< write() failed otherwise (EIO: interface down, ...) */
  uint64_t rx_gso;     /**< frames read with a GSO header (several segments in one) */
  uint64_t rx_bad_hdr; /**< frames dropped: short, or a virtio-net header we did not ask for */
  uint64_t tx_gso;     /**< frames written for the kernel to segment */
};

struct tap_dev {
  struct dev dev;            /**< must stay first: tx casts back from it */
  int fd;                    /**< non-blocking /dev/net/tun descriptor */
  char name[IF_NAMESIZE];    /**< interface name the kernel confirmed */
  uint8_t mac[6];            /**< MAC for lwipd's netif (not the Linux side's) */
  uint16_t mtu;              /**< Linux interface MTU at open */
  bool link_up;              /**< last value seen by tap_open / tap_link_up */
  struct tap_counters counters;
  uint32_t warn_last_ms;     /**< sys_now() of the last tx warning logged */
  uint32_t warn_suppressed;  /**< tx warnings not logged since */
  bool warned_once;          /**< a tx warning has been logged before */
  uint8_t *buf;              /**< TAP_FRAME_MAX + 1 bytes for read/write */
  enum tap_offload mode;     /**< what was asked for */
  bool vnet_hdr;             /**< every frame carries a virtio-net header */
  unsigned offloads;         /**< TUN_F_* the kernel accepted (receive side) */
  struct tap_uring *uring;   /**< io_uring batching (tap_uring.h); NULL: read()/write() per frame */
};

/**
 * Open the TAP interface @p name (IFF_TAP | IFF_NO_PI, O_NONBLOCK).
 *
 * @param name    interface name (at most IFNAMSIZ-1 bytes); NULL or "" lets
 *                the kernel choose (tapN) when @p create is true.
 * @param create  true: create the interface if it does not exist (it then
 *                disappears when the descriptor is closed, unless someone
 *                made it persistent).  false: the interface must exist
 *                already (for example `ip tuntap add NAME mode tap user U`);
 *                attaching works for root or for the TAP's owner.
 * @param err     buffer for a message naming the step and the reason
 *                ("tap: TUNSETIFF tap0: Operation not permitted ..."); may be
 *                NULL.
 * @param errlen  size of @p err.
 * @return the device (free it with tap_close()), or NULL with @p err set
 *         and errno preserved.
 *
 * On success mtu and link_up are read from the interface (SIOCGIFMTU,
 * SIOCGIFFLAGS: link up = IFF_UP and IFF_RUNNING), and mac holds
 * tap_mac_from_name(name).  The caller may overwrite mac before using it.
 */
struct tap_dev *tap_open(const char *name, bool create, char *err, size_t errlen);

/**
 * tap_open() with offloads @p mode (tap_open is TAP_OFFLOAD_OFF).  AUTO
 * asks for TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, then TUN_F_CSUM alone,
 * and keeps plain frames when the kernel refuses the virtio-net header;
 * ON fails (NULL, @p err says which step the kernel refused and why) unless
 * all three are accepted.  vnet_hdr and offloads say what is in effect.
 */
struct tap_dev *tap_open_offload(const char *name, bool create, enum tap_offload mode, char *err,
                                 size_t errlen);

/**
 * A tap_dev on a descriptor opened elsewhere: a TAP a privileged parent
 * opened and passed on (as QEMU's `tap,fd=N`), already set up with
 * @p vnet_hdr (IFF_VNET_HDR and a header size of sizeof(struct
 * virtio_net_hdr)) and @p offloads (TUN_F_* it agreed to); or any
 * descriptor that keeps frame boundaries (a SOCK_SEQPACKET socket in the
 * tests).  The descriptor becomes the device's: tap_close() closes it.
 * mtu is 1500 and link_up true; nothing is asked of the kernel.
 * @return the device, or NULL (out of memory: @p fd is left open).
 */
struct tap_dev *tap_attach_fd(int fd, const char *name, bool vnet_hdr, unsigned offloads);

/** Offloads in effect, for status: "csum,tso4,tso6", "csum" or "none". */
const char *tap_offload_state(const struct tap_dev *tap);

/** Close the descriptor (the kernel removes a non-persistent TAP), unlink
 *  the device from its stack and free it.  Remove the netif first (see
 *  dev.h: the netif's state points at the stack top).  NULL is a no-op.
 *  ops->close does the same. */
void tap_close(struct tap_dev *tap);

/** The descriptor to watch for readability (EV_READ). */
int tap_fd(const struct tap_dev *tap);

/**
 * Read up to @p max_frames frames (a bounded batch: the event loop stays
 * responsive) and deliver each up with dev_deliver_up(&tap->dev, p).
 * The batch ends early when read() says EAGAIN.  A frame that finds no
 * PBUF_POOL buffer is counted in rx_nomem and dropped.
 *
 * @return the number of frames read (including those dropped for lack of
 *         memory; 0 when nothing was waiting), or -1 with errno set when the
 *         device is unusable (EBADFD, EBADF, EIO, ENODEV: the interface was
 *         deleted): the daemon reports it and stops watching the fd.  When a
 *         fatal error follows some frames in one batch the frames' count is
 *         returned and the next call returns -1.
 */
int tap_read_batch(struct tap_dev *tap, int max_frames);

/** Re-read the interface flags: link up = IFF_UP and IFF_RUNNING.  Updates
 *  and returns tap->link_up (false when the flags cannot be read). */
bool tap_link_up(struct tap_dev *tap);

/** A stable MAC for @p name: locally administered unicast (02:..) made from
 *  an FNV-1a hash of the name, so restarting lwipd on the same TAP keeps
 *  its MAC (and the peer's ARP cache stays right). */
void tap_mac_from_name(const char *name, uint8_t mac[6]);

/**
 * Configure the Linux side of interface @p name: set the IPv4 address and
 * netmask from @p cidr ("10.0.0.1/24"; NULL or "" leaves the address alone)
 * and bring the interface up (SIOCSIFADDR, SIOCSIFNETMASK, SIOCSIFFLAGS).
 * Needs CAP_NET_ADMIN in the interface's network namespace.
 * @return 0, or -1 with a message in @p err (may be NULL) and errno set.
 */
int tap_configure_host(const char *name, const char *cidr, char *err, size_t errlen);

/**
 * Give the Linux side of interface @p name the IPv6 address @p cidr
 * ("fd00::1/64"; without a prefix /64) by netlink (RTM_NEWADDR), without
 * duplicate address detection (IFA_F_NODAD: lwipd is the only other node
 * on the TAP), and bring the interface up.  Built with IPv6 only.  Needs
 * CAP_NET_ADMIN in the interface's network namespace.
 * @return 0, or -1 with a message in @p err (may be NULL) and errno set.
 */
int tap_configure_host6(const char *name, const char *cidr, char *err, size_t errlen);

#endif
