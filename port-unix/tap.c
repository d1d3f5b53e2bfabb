/**
 * @file tap.c
 * The TAP device (see tap.h).
 */
#define _GNU_SOURCE
#include "tap.h"

#include "lwip/debug.h"
#include "lwip/ip4_addr.h"
#if LWIP_IPV6
#include "lwip/ip6_addr.h"
#endif
#include "lwip/port.h"
#include "lwip/timeouts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
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

struct tap_dev *tap_open(const char *name, bool create, char *err, size_t errlen)
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
    dev_set_err(err, errlen, "tap: no interface '%s' (create it with `ip tuntap add %s mode tap`, or let lwipd create it)",
            name, name[0] ? name : "NAME");
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
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(tap->fd, TUNSETIFF, &ifr) < 0) {
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

void tap_close(struct tap_dev *tap)
{
  if (tap == NULL) {
    return;
  }
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

static bool fatal_errno(int e)
{
  return e == EBADFD || e == EBADF || e == EIO || e == ENODEV || e == ENXIO;
}

/* Deliver @p n bytes of tap->buf up as a new PBUF_POOL frame. */
static void tap_deliver(struct tap_dev *tap, size_t n)
{
  struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
  if (p == NULL) {
    tap->counters.rx_nomem++;
    return;
  }
  if (pbuf_take(p, tap->buf, (u16_t)n) != ERR_OK) {
    /* Cannot happen: the chain was allocated for n bytes. */
    pbuf_free(p);
    tap->counters.rx_nomem++;
    return;
  }
  tap->counters.rx_frames++;
  tap->counters.rx_bytes += n;
  dev_deliver_up(&tap->dev, p);
}

int tap_read_batch(struct tap_dev *tap, int max_frames)
{
  int count = 0;
  while (count < max_frames) {
    ssize_t n = read(tap->fd, tap->buf, TAP_FRAME_MAX + 1);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        break;
      }
      if (fatal_errno(errno)) {
        return count > 0 ? count : -1;
      }
      tap->counters.rx_errors++;
      break;
    }
    if (n == 0) {
      break;
    }
    count++;
    if ((size_t)n > TAP_FRAME_MAX) {
      tap->counters.rx_errors++;
      continue;
    }
    tap_deliver(tap, (size_t)n);
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
    LWIP_LOG(NETIF, WARN, "tap %s: write of %lu bytes failed: %s (%lu more failures not logged)",
             tap->name, (unsigned long)len, strerror(e), (unsigned long)tap->warn_suppressed);
  } else {
    LWIP_LOG(NETIF, WARN, "tap %s: write of %lu bytes failed: %s", tap->name, (unsigned long)len, strerror(e));
  }
  (void)len;
  (void)e;
  tap->warned_once = true;
  tap->warn_last_ms = now;
  tap->warn_suppressed = 0;
}

/* Gather the frame's pieces (only tot_len bytes: the chain may continue
 * with the next packet of a queue).  @return iov count, or -1 when the
 * chain has more than TAP_MAX_IOV pieces. */
static int tap_gather(const struct pbuf *p, struct iovec *iov)
{
  int n = 0;
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

static ssize_t tap_write_frame(struct tap_dev *tap, const struct pbuf *p)
{
  struct iovec iov[TAP_MAX_IOV];
  int n = tap_gather(p, iov);
  if (n < 0) {
    u16_t len = pbuf_copy_partial(p, tap->buf, p->tot_len, 0);
    iov[0].iov_base = tap->buf;
    iov[0].iov_len = len;
    n = 1;
  }
  ssize_t w;
  do {
    w = n == 1 ? write(tap->fd, iov[0].iov_base, iov[0].iov_len) : writev(tap->fd, iov, n);
  } while (w < 0 && errno == EINTR);
  return w;
}

static err_t tap_tx(struct dev *d, struct pbuf *p)
{
  struct tap_dev *tap = (struct tap_dev *)d;
  ssize_t w = tap_write_frame(tap, p);
  if (w >= 0) {
    /* A TAP write is one frame, all or nothing. */
    tap->counters.tx_frames++;
    tap->counters.tx_bytes += (uint64_t)w;
    return ERR_OK;
  }
  int e = errno;
  err_t ret = ERR_IF;
  if (e == EAGAIN || e == EWOULDBLOCK) {
    tap->counters.tx_eagain++;
    ret = ERR_MEM;
  } else if (e == ENOBUFS) {
    tap->counters.tx_enobufs++;
    ret = ERR_MEM;
  } else {
    tap->counters.tx_errors++;
  }
  tap_warn(tap, e, p->tot_len);
  return ret;
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

static int set_sockaddr(const char *name, unsigned long req, const char *what, struct in_addr a,
                        char *err, size_t errlen)
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
