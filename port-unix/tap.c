/**
 * @file tap.c
 * The TAP device (see tap.h).
 */
#define _GNU_SOURCE
#include "tap.h"
#include "tap_uring.h"

#include "lwip/debug.h"
#include "lwip/ip4_addr.h"
#if LWIP_IPV6
#include "lwip/ip6_addr.h"
#endif
#include "lwip/port.h"
#include "lwip/prot/wire.h"
#include "lwip/timeouts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* A chain longer than this is copied into tap->buf instead of writev'd. */
#define TAP_MAX_IOV 64
/* At most one tx warning per this many milliseconds. */
#define TAP_WARN_INTERVAL_MS 1000U

static err_t tap_tx(struct dev *d, struct pbuf *p);
static void tap_ops_close(struct dev *d);

static const struct dev_ops tap_ops = {
    .kind = "tap",
    .tx = tap_tx,
    .rx = NULL,
    .close = tap_ops_close,
};


void tap_mac_from_name(const char *name, uint8_t mac[6])
{
  /* FNV-1a, 64 bit: any stable hash will do; this one is short. */
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char *s = name ? name : ""; *s != '\0'; s++) {
    h ^= (uint8_t)*s;
    h *= 0x100000001b3ULL;
  }
  mac[0] = 0x02; /* locally administered (bit 1), unicast (bit 0 clear) */
  for (int i = 1; i < 6; i++) {
    mac[i] = (uint8_t)(h >> (8 * (i - 1)));
  }
}

/* An AF_INET datagram socket: the handle the interface ioctls need. */
static int ctl_socket(void)
{
  return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

static int if_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
  int s = ctl_socket();
  if (s < 0) {
    return -1;
  }
  /* Names longer than IFNAMSIZ - 1 are cut, as the kernel would refuse
   * them anyway; snprintf always terminates. */
  snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
  int rc = ioctl(s, req, ifr);
  int saved = errno;
  close(s);
  errno = saved;
  return rc;
}

static bool read_link_flags(const char *name, bool *up)
{
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  if (if_ioctl(name, SIOCGIFFLAGS, &ifr) < 0) {
    return false;
  }
  *up = (ifr.ifr_flags & IFF_UP) != 0 && (ifr.ifr_flags & IFF_RUNNING) != 0;
  return true;
}

static struct tap_dev *tap_fail(struct tap_dev *tap)
{
  int saved = errno;
  if (tap != NULL) {
    if (tap->fd >= 0) {
      close(tap->fd);
    }
    free(tap->buf);
    free(tap);
  }
  errno = saved;
  return NULL;
}

bool tap_offload_parse(const char *s, enum tap_offload *out)
{
  static const char *const names[] = {"off", "auto", "on"};
  for (int i = 0; i < 3; i++) {
    if (s != NULL && strcmp(s, names[i]) == 0) {
      *out = (enum tap_offload)i;
      return true;
    }
  }
  return false;
}

const char *tap_offload_name(enum tap_offload mode)
{
  return mode == TAP_OFFLOAD_ON ? "on" : mode == TAP_OFFLOAD_AUTO ? "auto" : "off";
}

const char *tap_offload_state(const struct tap_dev *tap)
{
  const unsigned all = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
  if (!tap->vnet_hdr || tap->offloads == 0) {
    return "none";
  }
  return (tap->offloads & all) == all ? "csum,tso4,tso6" : "csum";
}

/* The offloads lwipd asks for, best first.  TUN_F_CSUM: the kernel may
 * hand us frames whose checksum it left partial; TSO4/TSO6 (which need
 * CSUM): TCP segments of up to 64 KB.  Sending needs no negotiation: with
 * IFF_VNET_HDR the kernel takes GSO frames and partial checksums from us. */
static const unsigned tap_offload_sets[] = {TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, TUN_F_CSUM};

/* Set the header size and agree on offloads on tap->fd (opened with
 * IFF_VNET_HDR).  @return 0; or -1 with @p err set when the kernel refused
 * the header size, or (mode ON) anything less than every offload. */
static int tap_negotiate(struct tap_dev *tap, enum tap_offload mode, char *err, size_t errlen)
{
  int sz = (int)sizeof(struct virtio_net_hdr);
  if (ioctl(tap->fd, TUNSETVNETHDRSZ, &sz) < 0) {
    dev_set_err(err, errlen, "tap: --offload %s: TUNSETVNETHDRSZ %d on %s refused: %s", tap_offload_name(mode), sz,
                tap->name, strerror(errno));
    return -1;
  }
  tap->vnet_hdr = true;
  int last_errno = 0;
  for (size_t i = 0; i < sizeof(tap_offload_sets) / sizeof(tap_offload_sets[0]); i++) {
    if (ioctl(tap->fd, TUNSETOFFLOAD, (unsigned long)tap_offload_sets[i]) == 0) {
      tap->offloads = tap_offload_sets[i];
      break;
    }
    last_errno = errno;
  }
  if (mode == TAP_OFFLOAD_ON && tap->offloads != tap_offload_sets[0]) {
    dev_set_err(err, errlen,
                "tap: --offload on: the kernel refused TUNSETOFFLOAD csum,tso4,tso6 on %s (%s); "
                "use --offload auto to run without",
                tap->name, strerror(last_errno));
    errno = last_errno;
    return -1;
  }
  return 0;
}

/* --offload auto after a refusal: open without offloads, remembering
 * that auto was asked for (status shows both). */
static struct tap_dev *tap_reopen_plain(const char *name, bool create, enum tap_offload mode, char *err, size_t errlen)
{
  struct tap_dev *tap = tap_open_offload(name, create, TAP_OFFLOAD_OFF, err, errlen);
  if (tap != NULL) {
    tap->mode = mode;
  }
  return tap;
}

struct tap_dev *tap_open(const char *name, bool create, char *err, size_t errlen)
{
  return tap_open_offload(name, create, TAP_OFFLOAD_OFF, err, errlen);
}

struct tap_dev *tap_open_offload(const char *name, bool create, enum tap_offload mode, char *err, size_t errlen)
{
  if (name == NULL) {
    name = "";
  }
  if (strlen(name) >= IFNAMSIZ) {
    dev_set_err(err, errlen, "tap: interface name '%s' longer than %d characters", name, IFNAMSIZ - 1);
    errno = EINVAL;
    return NULL;
  }
  if (!create && (name[0] == '\0' || if_nametoindex(name) == 0)) {
    dev_set_err(err, errlen,
                "tap: no interface '%s' (create it with `ip tuntap add %s mode tap`, or let lwipd create it)", name,
                name[0] ? name : "NAME");
    errno = ENODEV;
    return NULL;
  }
  struct tap_dev *tap = calloc(1, sizeof(*tap));
  if (tap == NULL || (tap->buf = malloc(TAP_FRAME_MAX + 1)) == NULL) {
    dev_set_err(err, errlen, "tap: out of memory");
    errno = ENOMEM;
    return tap_fail(tap);
  }
  tap->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (tap->fd < 0) {
    dev_set_err(err, errlen, "tap: open /dev/net/tun: %s", strerror(errno));
    return tap_fail(tap);
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (mode != TAP_OFFLOAD_OFF ? IFF_VNET_HDR : 0);
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(tap->fd, TUNSETIFF, &ifr) < 0) {
    if (mode == TAP_OFFLOAD_AUTO && errno == EINVAL) {
      /* A kernel without IFF_VNET_HDR: plain frames will do. */
      LWIP_LOG(NETIF, INFO, "tap %s: IFF_VNET_HDR refused, running without offloads", name);
      tap_fail(tap);
      return tap_reopen_plain(name, create, mode, err, errlen);
    }
    const char *hint = "";
    if (errno == EPERM) {
      hint = " (needs CAP_NET_ADMIN, or a persistent TAP owned by this user)";
    } else if (errno == EBUSY) {
      hint = " (already attached: another lwipd, or an earlier open in this process)";
    } else if (errno == EINVAL) {
      hint = " (an interface of that name exists but is not a TAP)";
    }
    dev_set_err(err, errlen, "tap: TUNSETIFF %s: %s%s", name[0] ? name : "(any)", strerror(errno), hint);
    return tap_fail(tap);
  }
  memcpy(tap->name, ifr.ifr_name, IFNAMSIZ);
  tap->name[IFNAMSIZ - 1] = '\0';
  tap->mode = mode;
  if (mode != TAP_OFFLOAD_OFF && tap_negotiate(tap, mode, err, errlen) != 0) {
    if (mode == TAP_OFFLOAD_ON) {
      return tap_fail(tap);
    }
    /* The descriptor keeps IFF_VNET_HDR with a header size we cannot
     * use: start again without (the same name, so a TAP the kernel named
     * for us keeps it). */
    LWIP_LOG(NETIF, INFO, "%s; running without offloads", err != NULL ? err : "tap: offloads refused");
    char keep[IFNAMSIZ];
    memcpy(keep, tap->name, sizeof(keep));
    tap_fail(tap);
    return tap_reopen_plain(keep, create, mode, err, errlen);
  }
  if (mode != TAP_OFFLOAD_OFF && tap->offloads == 0) {
    LWIP_LOG(NETIF, INFO, "tap %s: TUNSETOFFLOAD refused: virtio-net headers without offloads", tap->name);
  }

  memset(&ifr, 0, sizeof(ifr));
  if (if_ioctl(tap->name, SIOCGIFMTU, &ifr) < 0) {
    dev_set_err(err, errlen, "tap: SIOCGIFMTU %s: %s", tap->name, strerror(errno));
    return tap_fail(tap);
  }
  tap->mtu = ifr.ifr_mtu > 0 && ifr.ifr_mtu <= 65535 ? (uint16_t)ifr.ifr_mtu : 1500;
  if (!read_link_flags(tap->name, &tap->link_up)) {
    dev_set_err(err, errlen, "tap: SIOCGIFFLAGS %s: %s", tap->name, strerror(errno));
    return tap_fail(tap);
  }
  tap_mac_from_name(tap->name, tap->mac);
  tap->dev.ops = &tap_ops;
  return tap;
}

struct tap_dev *tap_attach_fd(int fd, const char *name, bool vnet_hdr, unsigned offloads)
{
  struct tap_dev *tap = calloc(1, sizeof(*tap));
  if (tap == NULL || (tap->buf = malloc(TAP_FRAME_MAX + 1)) == NULL) {
    free(tap);
    return NULL;
  }
  tap->fd = fd;
  snprintf(tap->name, sizeof(tap->name), "%s", name != NULL ? name : "");
  tap->mtu = 1500;
  tap->link_up = true;
  tap->mode = vnet_hdr ? TAP_OFFLOAD_ON : TAP_OFFLOAD_OFF;
  tap->vnet_hdr = vnet_hdr;
  tap->offloads = vnet_hdr ? offloads : 0;
  tap_mac_from_name(tap->name, tap->mac);
  tap->dev.ops = &tap_ops;
  return tap;
}

void tap_close(struct tap_dev *tap)
{
  if (tap == NULL) {
    return;
  }
  tap_uring_stop(tap);
  dev_unlink(&tap->dev);
  if (tap->fd >= 0) {
    close(tap->fd);
  }
  free(tap->buf);
  free(tap);
}

static void tap_ops_close(struct dev *d)
{
  tap_close((struct tap_dev *)d);
}

int tap_fd(const struct tap_dev *tap)
{
  return tap->fd;
}

bool tap_link_up(struct tap_dev *tap)
{
  bool up = false;
  if (!read_link_flags(tap->name, &up)) {
    up = false;
  }
  tap->link_up = up;
  return up;
}

bool tap_fatal_errno(int e)
{
  return e == EBADFD || e == EBADF || e == EIO || e == ENODEV || e == ENXIO;
}

/* Check the virtio-net header of a received frame of @p n bytes and say
 * whether its transport checksum needs no check.  DATA_VALID: the kernel
 * verified it.  NEEDS_CSUM: the frame was made on this host and its
 * checksum left partial (Linux's CHECKSUM_PARTIAL, virtio 1.1 5.1.6.4.1):
 * the bytes never crossed a wire, so there is nothing to verify, and the
 * stack must not compute the sum expecting a complete one.  A GSO frame
 * (TCPV4/TCPV6, what TUN_F_TSO4/TSO6 allow) is one TCP segment of
 * several MSS, which TCP takes as it is.  @return false to drop: a header
 * describing something we did not negotiate (UDP GSO) or pointing past
 * the frame. */
static bool tap_rx_hdr(struct tap_dev *tap, const struct virtio_net_hdr *vh, size_t n, bool *csum_ok)
{
  u8_t gso = vh->gso_type & (u8_t)~VIRTIO_NET_HDR_GSO_ECN;
  if (gso != VIRTIO_NET_HDR_GSO_NONE) {
    if ((gso != VIRTIO_NET_HDR_GSO_TCPV4 && gso != VIRTIO_NET_HDR_GSO_TCPV6) || vh->gso_size == 0) {
      return false;
    }
    tap->counters.rx_gso++;
  }
  if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
    if ((size_t)vh->csum_start + vh->csum_offset + 2U > n) {
      return false;
    }
    *csum_ok = true;
  }
  if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
    *csum_ok = true;
  }
  return true;
}

/* Deliver the @p n bytes at @p frame up as a new PBUF_POOL frame;
 * @p csum_ok: mark it PBUF_FLAG_CSUM_OK. */
static void tap_deliver(struct tap_dev *tap, const u8_t *frame, size_t n, bool csum_ok)
{
  struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
  if (p == NULL) {
    tap->counters.rx_nomem++;
    return;
  }
  if (pbuf_take(p, frame, (u16_t)n) != ERR_OK) {
    /* Cannot happen: the chain was allocated for n bytes. */
    pbuf_free(p);
    tap->counters.rx_nomem++;
    return;
  }
  if (csum_ok) {
    p->flags |= PBUF_FLAG_CSUM_OK;
  }
  tap->counters.rx_frames++;
  tap->counters.rx_bytes += n;
  dev_deliver_up(&tap->dev, p);
}

void tap_rx_frame(struct tap_dev *tap, const struct virtio_net_hdr *vh, const u8_t *frame, size_t n)
{
  bool csum_ok = false;
  if (tap->vnet_hdr) {
    if (n < sizeof(*vh)) {
      tap->counters.rx_bad_hdr++;
      return;
    }
    n -= sizeof(*vh);
    if (n <= TAP_FRAME_MAX && !tap_rx_hdr(tap, vh, n, &csum_ok)) {
      tap->counters.rx_bad_hdr++;
      return;
    }
  }
  if (n > TAP_FRAME_MAX) {
    tap->counters.rx_errors++;
    return;
  }
  tap_deliver(tap, frame, n, csum_ok);
}

int tap_read_batch(struct tap_dev *tap, int max_frames)
{
  if (tap_uring_active(tap)) {
    return tap_uring_read_batch(tap, max_frames);
  }
  return tap_plain_read_batch(tap, max_frames);
}

int tap_plain_read_batch(struct tap_dev *tap, int max_frames)
{
  int count = 0;
  while (count < max_frames) {
    struct virtio_net_hdr vh;
    struct iovec iov[2] = {{&vh, sizeof(vh)}, {tap->buf, TAP_FRAME_MAX + 1}};
    ssize_t n = tap->vnet_hdr ? readv(tap->fd, iov, 2) : read(tap->fd, tap->buf, TAP_FRAME_MAX + 1);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        break;
      }
      if (tap_fatal_errno(errno)) {
        return count > 0 ? count : -1;
      }
      tap->counters.rx_errors++;
      break;
    }
    if (n == 0) {
      break;
    }
    count++;
    tap_rx_frame(tap, &vh, tap->buf, (size_t)n);
  }
  return count;
}

/* Log a tx failure at most once per TAP_WARN_INTERVAL_MS, saying how many
 * were not logged since: a full TAP queue can fail thousands of writes a
 * second and must not flood the log. */
static void tap_warn(struct tap_dev *tap, int e, size_t len)
{
  u32_t now = sys_now();
  if (tap->warned_once && lwip_time_before(now, tap->warn_last_ms + TAP_WARN_INTERVAL_MS)) {
    tap->warn_suppressed++;
    return;
  }
  if (tap->warn_suppressed != 0) {
    LWIP_LOG(NETIF, WARN, "tap %s: write of %lu bytes failed: %s (%lu more failures not logged)", tap->name,
             (unsigned long)len, strerror(e), (unsigned long)tap->warn_suppressed);
  } else {
    LWIP_LOG(NETIF, WARN, "tap %s: write of %lu bytes failed: %s", tap->name, (unsigned long)len, strerror(e));
  }
  (void)len;
  (void)e;
  tap->warned_once = true;
  tap->warn_last_ms = now;
  tap->warn_suppressed = 0;
}

/* The virtio-net header of a frame we send.  A TCP segment whose checksum
 * TCP left partial (PBUF_FLAG_CSUM_PARTIAL: the pseudo-header sum is in
 * the field) gets NEEDS_CSUM with where the sum starts and where it goes
 * (virtio 1.1 5.1.6.2); one marked with gso_size gets the GSO type, the MSS
 * and the length of the headers every piece repeats, and the kernel cuts
 * it (advancing the sequence number, fixing the lengths, PSH and FIN on
 * the last piece only, CWR on the first).  Anything else: an all-zero
 * header.  @return false when a marked frame is not TCP over IPv4 or IPv6
 * without extension headers, which TCP never sends. */
static bool tap_tx_hdr(const struct pbuf *p, struct virtio_net_hdr *vh)
{
  memset(vh, 0, sizeof(*vh));
  bool partial = (p->flags & PBUF_FLAG_CSUM_PARTIAL) != 0;
  if (!partial && p->gso_size == 0) {
    return true;
  }
  u8_t h[14 + 40 + 60];
  u16_t got = pbuf_copy_partial(p, h, sizeof(h), 0);
  if (got < 14 + 20) {
    return false;
  }
  u16_t etype = get_be16(h + 12);
  u16_t l4;
  u8_t gso_type;
  if (etype == 0x0800U && (h[14] >> 4) == 4 && h[14 + 9] == 6) {
    l4 = (u16_t)(14U + (h[14] & 0x0fU) * 4U);
    gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
  } else if (etype == 0x86ddU && got >= 14 + 40 && (h[14] >> 4) == 6 && h[14 + 6] == 6) {
    l4 = 14 + 40;
    gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
  } else {
    return false;
  }
  if (l4 < 14 + 20 || (u32_t)l4 + 20U > got) {
    return false;
  }
  u16_t hdr_len = (u16_t)(l4 + (h[l4 + 12] >> 4) * 4U);
  if (hdr_len < l4 + 20U || hdr_len > p->tot_len) {
    return false;
  }
  if (partial) {
    vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    vh->csum_start = l4;
    vh->csum_offset = 16; /* the TCP checksum field, RFC 9293 3.1 */
  }
  if (p->gso_size != 0) {
    /* RFC 3168 6.1.2: CWR belongs on the first piece only; the flag tells
     * the kernel the frame carries it. */
    bool cwr = (h[l4 + 13] & 0x80U) != 0;
    vh->gso_type = (u8_t)(gso_type | (cwr ? VIRTIO_NET_HDR_GSO_ECN : 0));
    vh->gso_size = p->gso_size;
    vh->hdr_len = hdr_len;
  }
  return true;
}

/* Gather the frame's pieces (only tot_len bytes: the chain may continue
 * with the next packet of a queue) after the @p n iov entries already
 * there.  @return the iov count, or -1 when the chain has more than
 * TAP_MAX_IOV pieces. */
static int tap_gather(const struct pbuf *p, struct iovec *iov, int n)
{
  size_t left = p->tot_len;
  for (const struct pbuf *q = p; q != NULL && left > 0; q = q->next) {
    if (n == TAP_MAX_IOV) {
      return -1;
    }
    size_t take = q->len < left ? q->len : left;
    iov[n].iov_base = q->payload;
    iov[n].iov_len = take;
    left -= take;
    n++;
  }
  return n;
}

/* Write one frame, with the virtio-net header @p vh in front when the
 * TAP has them.  @return the frame's bytes written, or -1 with errno. */
static ssize_t tap_write_frame(struct tap_dev *tap, const struct pbuf *p, const struct virtio_net_hdr *vh)
{
  struct iovec iov[TAP_MAX_IOV];
  int first = 0;
  if (tap->vnet_hdr) {
    iov[0].iov_base = (void *)vh; /* writev only reads it */
    iov[0].iov_len = sizeof(*vh);
    first = 1;
  }
  int n = tap_gather(p, iov, first);
  if (n < 0) {
    u16_t len = pbuf_copy_partial(p, tap->buf, p->tot_len, 0);
    iov[first].iov_base = tap->buf;
    iov[first].iov_len = len;
    n = first + 1;
  }
  ssize_t w;
  do {
    w = n == 1 ? write(tap->fd, iov[0].iov_base, iov[0].iov_len) : writev(tap->fd, iov, n);
  } while (w < 0 && errno == EINTR);
  if (first != 0 && w >= (ssize_t)sizeof(*vh)) {
    w -= (ssize_t)sizeof(*vh);
  }
  return w;
}

void tap_tx_result(struct tap_dev *tap, ssize_t w, int e, size_t len, bool gso)
{
  if (w >= 0) {
    /* A TAP write is one frame, all or nothing. */
    if (gso) {
      tap->counters.tx_gso++;
    }
    tap->counters.tx_frames++;
    tap->counters.tx_bytes += (uint64_t)w;
    return;
  }
  if (e == EAGAIN || e == EWOULDBLOCK) {
    tap->counters.tx_eagain++;
  } else if (e == ENOBUFS) {
    tap->counters.tx_enobufs++;
  } else {
    tap->counters.tx_errors++;
  }
  tap_warn(tap, e, len);
}

static err_t tap_tx(struct dev *d, struct pbuf *p)
{
  struct tap_dev *tap = (struct tap_dev *)d;
  struct virtio_net_hdr vh = {0};
  if (tap->vnet_hdr ? !tap_tx_hdr(p, &vh) : (p->flags & PBUF_FLAG_CSUM_PARTIAL) != 0) {
    /* A partial checksum the kernel cannot finish would reach the peer
     * wrong: a programming error above, counted, never sent. */
    tap->counters.tx_errors++;
    LWIP_LOG(NETIF, WARN, "tap %s: frame of %u bytes with an offload mark but no TCP header, not sent", tap->name,
             p->tot_len);
    return ERR_VAL;
  }
  bool gso = tap->vnet_hdr && vh.gso_type != VIRTIO_NET_HDR_GSO_NONE;
  if (tap_uring_active(tap)) {
    return tap_uring_tx(tap, p, &vh, tap->vnet_hdr ? sizeof(vh) : 0, gso);
  }
  return tap_plain_tx(tap, p, &vh, gso);
}

err_t tap_plain_tx(struct tap_dev *tap, const struct pbuf *p, const struct virtio_net_hdr *vh, bool gso)
{
  ssize_t w = tap_write_frame(tap, p, vh);
  int e = errno;
  tap_tx_result(tap, w, e, p->tot_len, gso);
  if (w >= 0) {
    return ERR_OK;
  }
  return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS ? ERR_MEM : ERR_IF;
}

/* The host side's "a.b.c.d/prefix"; without a prefix, /24. */
static int parse_cidr(const char *cidr, struct in_addr *addr, struct in_addr *mask)
{
  ip4_addr_t a, m;
  u8_t prefix = 24;
  if (!ip4addr_cidr_aton(cidr, &a, &prefix, false)) {
    return -1;
  }
  ip4_addr_netmask_from_prefix(&m, prefix);
  addr->s_addr = a.addr; /* both in network order */
  mask->s_addr = m.addr;
  return 0;
}

static int set_sockaddr(const char *name, unsigned long req, const char *what, struct in_addr a, char *err,
                        size_t errlen)
{
  struct ifreq ifr;
  struct sockaddr_in sin;
  memset(&ifr, 0, sizeof(ifr));
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr = a;
  memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
  if (if_ioctl(name, req, &ifr) < 0) {
    dev_set_err(err, errlen, "tap: %s %s: %s", what, name, strerror(errno));
    return -1;
  }
  return 0;
}

int tap_configure_host(const char *name, const char *cidr, char *err, size_t errlen)
{
  if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ) {
    dev_set_err(err, errlen, "tap: bad interface name");
    errno = EINVAL;
    return -1;
  }
  if (cidr != NULL && cidr[0] != '\0') {
    struct in_addr addr, mask;
    if (parse_cidr(cidr, &addr, &mask) < 0) {
      dev_set_err(err, errlen, "tap: host address '%s' is not a.b.c.d/prefix", cidr);
      errno = EINVAL;
      return -1;
    }
    if (set_sockaddr(name, SIOCSIFADDR, "SIOCSIFADDR", addr, err, errlen) < 0 ||
        set_sockaddr(name, SIOCSIFNETMASK, "SIOCSIFNETMASK", mask, err, errlen) < 0) {
      return -1;
    }
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  if (if_ioctl(name, SIOCGIFFLAGS, &ifr) < 0) {
    dev_set_err(err, errlen, "tap: SIOCGIFFLAGS %s: %s", name, strerror(errno));
    return -1;
  }
  ifr.ifr_flags |= IFF_UP;
  if (if_ioctl(name, SIOCSIFFLAGS, &ifr) < 0) {
    dev_set_err(err, errlen, "tap: SIOCSIFFLAGS %s (up): %s", name, strerror(errno));
    return -1;
  }
  return 0;
}

#if LWIP_IPV6
/* Append attribute @p type with @p len bytes of @p data to message @p h
 * (its buffer must have room). */
static void nl_put_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len)
{
  struct rtattr a = {.rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type};
  char *at = (char *)h + NLMSG_ALIGN(h->nlmsg_len);
  memcpy(at, &a, sizeof(a));
  memcpy(at + RTA_LENGTH(0), data, len);
  h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a.rta_len);
}

/* Send one request on a fresh NETLINK_ROUTE socket and read its ack.
 * @return 0, or -1 with errno set to the kernel's error. */
static int nl_request(struct nlmsghdr *h)
{
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    return -1;
  }
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  int rc = -1;
  if (sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) == (ssize_t)h->nlmsg_len) {
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    struct nlmsghdr *r = (struct nlmsghdr *)buf;
    if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) && r->nlmsg_type == NLMSG_ERROR) {
      const struct nlmsgerr *e = (const struct nlmsgerr *)NLMSG_DATA(r);
      errno = -e->error;
      rc = e->error == 0 ? 0 : -1;
    } else {
      errno = EPROTO;
    }
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

int tap_configure_host6(const char *name, const char *cidr, char *err, size_t errlen)
{
  ip6_addr_t a;
  u8_t prefix = 64;
  unsigned idx = name ? if_nametoindex(name) : 0;
  if (idx == 0) {
    dev_set_err(err, errlen, "tap: no interface %s", name ? name : "");
    return -1;
  }
  if (cidr == NULL || !ip6addr_cidr_aton(cidr, &a, &prefix, false) || ip6_addr_ismulticast(&a) ||
      ip6_addr_isany_val(a)) {
    dev_set_err(err, errlen, "tap: host address '%s' is not a unicast IPv6 ADDR/PREFIX", cidr ? cidr : "");
    errno = EINVAL;
    return -1;
  }
  /* The interface must be up first: the kernel refuses nothing, but an
   * address added while down waits for the link before it is usable. */
  if (tap_configure_host(name, NULL, err, errlen) != 0) {
    return -1;
  }
  union {
    struct nlmsghdr h;
    char buf[256];
  } m;
  memset(&m, 0, sizeof(m));
  m.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
  m.h.nlmsg_type = RTM_NEWADDR;
  m.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
  struct ifaddrmsg *ifa = (struct ifaddrmsg *)NLMSG_DATA(&m.h);
  ifa->ifa_family = AF_INET6;
  ifa->ifa_prefixlen = prefix;
  /* No duplicate address detection on the Linux side: the only other node
   * on a TAP is lwipd, the address is usable at once, and a test that
   * starts right away does not race the kernel's one-second DAD.  lwipd's
   * own addresses still go through DAD (RFC 4862 5.4). */
  ifa->ifa_flags = IFA_F_NODAD;
  ifa->ifa_scope = ip6_addr_islinklocal(&a) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  ifa->ifa_index = idx;
  nl_put_attr(&m.h, IFA_LOCAL, a.addr, 16);
  nl_put_attr(&m.h, IFA_ADDRESS, a.addr, 16);
  uint32_t flags = IFA_F_NODAD;
  nl_put_attr(&m.h, IFA_FLAGS, &flags, sizeof(flags));
  if (nl_request(&m.h) != 0) {
    dev_set_err(err, errlen, "tap: RTM_NEWADDR %s on %s: %s", cidr, name, strerror(errno));
    return -1;
  }
  return 0;
}
#endif
