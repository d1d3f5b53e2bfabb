/* Test port and fixtures shared by every unit suite; see test_common.h. */
#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "lwip/init.h"
#include "lwip/ethernet.h"
#include "lwip/etharp.h"
#if LWIP_IPV6
#include "lwip/nd6.h"
#endif
#include "lwip/debug.h"
#include "lwip/prot/wire.h"

/* ---------------- port: clock, random, log, assert ---------------- */

static u32_t virtual_now;
static u32_t rand_state = 1;

u32_t sys_now(void) { return virtual_now; }

u32_t lwip_port_rand(void)
{
  /* xorshift32: reproducible for a given seed, good enough for tests */
  u32_t x = rand_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rand_state = x;
  return x;
}

static test_log_fn log_capture;

void test_log_capture(test_log_fn fn) { log_capture = fn; }

void lwip_port_log(int module, int level, const char *fmt, ...)
{
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  /* lwIP-style LWIP_DEBUGF messages end in a newline; a line has one. */
  size_t n = strlen(line);
  if (n > 0 && line[n - 1] == '\n') {
    line[n - 1] = '\0';
  }
  /* A build without debug_log has no names (NULL, known at compile time
   * there, where printing it is an error under -Werror). */
  const char *mod = lwip_log_module_name(module);
  const char *lvl = lwip_log_level_name(level);
  fprintf(stderr, "[%8lu] %-5s %-5s %s\n", (unsigned long)virtual_now, mod ? mod : "?", lvl ? lvl : "?", line);
  if (log_capture != NULL) {
    log_capture(module, level, line);
  }
}

void lwip_port_assert_fail(const char *expr, const char *file, int line)
{
  fail_msg("LWIP_ASSERT failed: %s at %s:%d", expr, file, line);
  abort(); /* not reached */
}

void test_clock_set(u32_t now) { virtual_now = now; }

void test_clock_advance(u32_t ms)
{
  u32_t end = virtual_now + ms;
  for (;;) {
    u32_t sleep = sys_timeouts_sleeptime();
    if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE || (u32_t)(end - virtual_now) < sleep) {
      break;
    }
    virtual_now += sleep;
    sys_check_timeouts();
  }
  virtual_now = end;
  sys_check_timeouts();
}

void test_rand_seed(u32_t seed) { rand_state = seed ? seed : 1; }

/* ---------------- fake netif ---------------- */

const u8_t test_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
const u8_t test_mac2[6] = {0x02, 0, 0, 0, 0, 0x02};
const u8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0xaa};

#define MAX_TRACKED 8
static struct test_netif *tracked[MAX_TRACKED];

static err_t test_linkoutput(struct netif *netif, struct pbuf *p)
{
  struct test_netif *t = (struct test_netif *)netif;
  assert_true(p->tot_len <= 1514 + 4);
  if (t->linkoutput_ret != ERR_OK) {
    return t->linkoutput_ret;
  }
  assert_true(t->nframes < TEST_MAX_FRAMES);
  /* Keep a private malloc'd copy so captured frames never count as stack
   * memory in use (and cannot hide a leak). */
  struct pbuf *copy = malloc(sizeof(struct pbuf) + p->tot_len);
  assert_non_null(copy);
  memset(copy, 0, sizeof(*copy));
  copy->payload = (u8_t *)(copy + 1);
  copy->len = copy->tot_len = p->tot_len;
  copy->ref = 1;
  pbuf_copy_partial(p, copy->payload, p->tot_len, 0);
  t->frames[t->nframes++] = copy;
  return ERR_OK;
}

#if !LWIP_ARP_STATIC_ENTRIES
/* Without static ARP entries (arp_static_entries off, the minimal
 * profile) the suites' neighbours are kept here instead: the test netif's
 * output sends to a listed next hop at once and leaves everything else to
 * etharp_output.  The ARP cache itself is not touched, as a static entry
 * would not have been refreshed or aged either. */
#define TEST_NEIGHBORS 8
static struct {
  u32_t ip; /* network order; 0 = free */
  u8_t mac[6];
} test_neighbors[TEST_NEIGHBORS];

static err_t test_neighbor_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
  if (!ip4_addr_isbroadcast(ipaddr, netif) && !ip4_addr_ismulticast(ipaddr)) {
    /* The next hop as etharp_output picks it. */
    const ip4_addr_t *hop = ipaddr;
    if (!ip4_addr_net_eq(ipaddr, netif_ip4_addr(netif), netif_ip4_netmask(netif)) &&
        !ip4_addr_islinklocal(ipaddr)) {
      hop = netif_ip4_gw(netif);
    }
    for (int i = 0; i < TEST_NEIGHBORS; i++) {
      if (test_neighbors[i].ip != 0 && test_neighbors[i].ip == hop->addr) {
        struct eth_addr src, dst;
        memcpy(src.addr, netif->hwaddr, 6);
        memcpy(dst.addr, test_neighbors[i].mac, 6);
        return ethernet_output(netif, p, &src, &dst, ETHTYPE_IP);
      }
    }
  }
  return etharp_output(netif, p, ipaddr);
}
#endif

static err_t test_netif_init(struct netif *netif)
{
  netif->name[0] = 't';
  netif->name[1] = 'e';
#if LWIP_ARP_STATIC_ENTRIES
  netif->output = etharp_output;
#else
  netif->output = test_neighbor_output;
#endif
#if LWIP_IPV6
  netif->output_ip6 = ethip6_output;
#endif
  netif->linkoutput = test_linkoutput;
  netif->mtu = 1500;
  netif->hwaddr_len = 6;
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP;
  return ERR_OK;
}

void test_track_netif(struct test_netif *t)
{
  for (int i = 0; i < MAX_TRACKED; i++) {
    if (tracked[i] == NULL || tracked[i] == t) {
      tracked[i] = t;
      return;
    }
  }
  fail_msg("too many test netifs");
}

struct netif *test_netif_add(struct test_netif *t, const char *ip, const char *mask,
                             const char *gw, const u8_t mac[6])
{
  ip4_addr_t a, m, g;
  memset(t, 0, sizeof(*t));
  a.addr = ip ? test_ip(ip) : 0;
  m.addr = mask ? test_ip(mask) : 0;
  g.addr = gw ? test_ip(gw) : 0;
  struct netif *n = netif_add(&t->netif, &a, &m, &g, t, test_netif_init, ethernet_input);
  assert_non_null(n);
  memcpy(n->hwaddr, mac, 6);
  test_track_netif(t);
  if (netif_default == NULL) {
    netif_set_default(n);
  }
  netif_set_up(n);
  netif_set_link_up(n);
  test_frames_clear(t);
  return n;
}

struct pbuf *test_frame_pop(struct test_netif *t)
{
  if (t->nframes == 0) {
    return NULL;
  }
  struct pbuf *p = t->frames[0];
  memmove(&t->frames[0], &t->frames[1], (size_t)(t->nframes - 1) * sizeof(t->frames[0]));
  t->nframes--;
  return p;
}

int test_frame_pop_bytes(struct test_netif *t, u8_t *buf, size_t bufsize)
{
  struct pbuf *p = test_frame_pop(t);
  if (p == NULL) {
    return -1;
  }
  int len = p->tot_len;
  assert_true((size_t)len <= bufsize);
  memcpy(buf, p->payload, (size_t)len);
  free(p);
  return len;
}

void test_frames_clear(struct test_netif *t)
{
  for (int i = 0; i < t->nframes; i++) {
    free(t->frames[i]);
  }
  t->nframes = 0;
}

int test_frames_ip_only(struct test_netif *t)
{
  int kept = 0;
  for (int i = 0; i < t->nframes; i++) {
    struct pbuf *f = t->frames[i];
    const u8_t *b = (const u8_t *)f->payload;
    if (f->len >= 14 && ((b[12] << 8) | b[13]) != 0x0800) {
      free(f);
    } else {
      t->frames[kept++] = f;
    }
  }
  t->nframes = kept;
  return kept;
}

int test_pop_ip_bytes(struct test_netif *t, u8_t *buf, size_t bufsize)
{
  test_frames_ip_only(t);
  return test_frame_pop_bytes(t, buf, bufsize);
}

struct pbuf *test_pbuf(const void *data, size_t len, size_t chunk)
{
  assert_true(len <= 0xffff);
  if (chunk == 0 || chunk >= len) {
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    assert_non_null(p);
    assert_int_equal(pbuf_take(p, data, (u16_t)len), ERR_OK);
    return p;
  }
  struct pbuf *head = NULL;
  for (size_t off = 0; off < len; off += chunk) {
    size_t n = LWIP_MIN(chunk, len - off);
    struct pbuf *q = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
    assert_non_null(q);
    memcpy(q->payload, (const u8_t *)data + off, n);
    if (head == NULL) {
      head = q;
    } else {
      pbuf_cat(head, q);
    }
  }
  return head;
}

void test_rx(struct test_netif *t, const void *frame, size_t len)
{
  t->netif.input(test_pbuf(frame, len, 0), &t->netif);
}

void test_rx_chunked(struct test_netif *t, const void *frame, size_t len, size_t chunk)
{
  t->netif.input(test_pbuf(frame, len, chunk), &t->netif);
}

/* ---------------- builders ---------------- */

u32_t test_ip(const char *dotted)
{
  struct in_addr a;
  assert_int_equal(inet_pton(AF_INET, dotted, &a), 1);
  return a.s_addr;
}

u16_t test_cksum(const void *data, size_t len, u32_t sum)
{
  const u8_t *b = data;
  for (size_t i = 0; i + 1 < len; i += 2) {
    sum += (u32_t)(b[i] << 8 | b[i + 1]);
  }
  if (len & 1) {
    sum += (u32_t)b[len - 1] << 8;
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return (u16_t)~sum;
}

size_t test_eth_hdr(u8_t *buf, const u8_t dst[6], const u8_t src[6], u16_t type)
{
  memcpy(buf, dst, 6);
  memcpy(buf + 6, src, 6);
  put_be16(buf + 12, type);
  return 14;
}

size_t test_ip4_hdr(u8_t *buf, const char *src, const char *dst, u8_t proto, u16_t total_len,
                    u16_t id, u16_t frag, u8_t ttl)
{
  u32_t s = test_ip(src), d = test_ip(dst);
  buf[0] = 0x45;
  buf[1] = 0;
  put_be16(buf + 2, total_len);
  put_be16(buf + 4, id);
  put_be16(buf + 6, frag);
  buf[8] = ttl;
  buf[9] = proto;
  buf[10] = buf[11] = 0;
  memcpy(buf + 12, &s, 4);
  memcpy(buf + 16, &d, 4);
  put_be16(buf + 10, test_cksum(buf, 20, 0));
  return 20;
}

size_t test_eth_ip4(u8_t *buf, const char *src, const char *dst, u8_t proto,
                    const void *payload, size_t plen)
{
  size_t n = test_eth_hdr(buf, test_mac, peer_mac, 0x0800);
  n += test_ip4_hdr(buf + n, src, dst, proto, (u16_t)(20 + plen), 0x1234, 0, 64);
  memcpy(buf + n, payload, plen);
  return n + plen;
}

size_t test_udp(u8_t *buf, const char *src, const char *dst, u16_t sport, u16_t dport,
                const void *payload, size_t plen)
{
  u32_t s = ntohl(test_ip(src)), d = ntohl(test_ip(dst));
  u16_t ulen = (u16_t)(8 + plen);
  put_be16(buf, sport);
  put_be16(buf + 2, dport);
  put_be16(buf + 4, ulen);
  buf[6] = buf[7] = 0;
  memcpy(buf + 8, payload, plen);
  u32_t pseudo = (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + 17 + ulen;
  u16_t c = test_cksum(buf, ulen, pseudo);
  put_be16(buf + 6, c == 0 ? 0xffff : c);
  return ulen;
}

size_t test_icmp_echo(u8_t *buf, u8_t type, u16_t id, u16_t seq, const void *data, size_t dlen)
{
  buf[0] = type;
  buf[1] = 0;
  buf[2] = buf[3] = 0;
  put_be16(buf + 4, id);
  put_be16(buf + 6, seq);
  memcpy(buf + 8, data, dlen);
  put_be16(buf + 2, test_cksum(buf, 8 + dlen, 0));
  return 8 + dlen;
}

/* ---------------- fixtures ---------------- */

int test_setup(void **state)
{
  (void)state;
  memset(tracked, 0, sizeof(tracked));
#if !LWIP_ARP_STATIC_ENTRIES
  memset(test_neighbors, 0, sizeof(test_neighbors));
#endif
  log_capture = NULL;
  test_clock_set(1000);
  test_rand_seed(12345);
  lwip_alloc_fail_after(0);
  lwip_init();
  if (getenv("LWIP_TEST_LOG") != NULL) {
    lwip_log_set_level(-1, LWIP_LOG_LEVEL_TRACE);
  }
  return 0;
}

void test_dump_usage(void)
{
  for (int i = 0; i < MEMP_MAX; i++) {
    const struct stats_mem *s = memp_stats((memp_t)i);
    if (s->used) {
      fprintf(stderr, "pool %s: %lu in use\n", s->name, (unsigned long)s->used);
    }
  }
  fprintf(stderr, "heap: %lu bytes in use\n", (unsigned long)mem_stats()->used);
}

int test_teardown(void **state)
{
  (void)state;
  lwip_alloc_fail_after(0);
  for (int i = 0; i < MAX_TRACKED; i++) {
    if (tracked[i] != NULL) {
      test_frames_clear(tracked[i]);
      netif_remove(&tracked[i]->netif);
      test_frames_clear(tracked[i]);
      tracked[i] = NULL;
    }
  }
  /* Let queued work (loopback deliveries, timers) finish so it is not
   * mistaken for a leak; every protocol drops what it holds on netif
   * removal or timeout. */
  test_clock_advance(10 * 60 * 1000);
  if (lwip_mem_in_use() != 0) {
    test_dump_usage();
    fail_msg("memory leaked: %lu units still in use", (unsigned long)lwip_mem_in_use());
  }
  return 0;
}

size_t test_arp_frame(u8_t buf[60], const u8_t src_mac[6], u16_t op, u32_t sip, u32_t tip)
{
  static const u8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  memset(buf, 0, 60);
  test_eth_hdr(buf, bcast, src_mac, 0x0806);
  u8_t *a = buf + 14;
  a[0] = 0; a[1] = 1;          /* hardware type Ethernet */
  a[2] = 0x08; a[3] = 0x00;    /* protocol IPv4 */
  a[4] = 6;
  a[5] = 4;
  a[6] = (u8_t)(op >> 8);
  a[7] = (u8_t)op;
  memcpy(a + 8, src_mac, 6);
  memcpy(a + 14, &sip, 4);
  memcpy(a + 24, &tip, 4);
  return 60;
}

void test_add_arp(u32_t ip, const u8_t mac[6])
{
#if LWIP_ARP_STATIC_ENTRIES
  ip4_addr_t a = {ip};
  struct eth_addr m;
  memcpy(m.addr, mac, 6);
  assert_int_equal(etharp_add_static_entry(&a, &m), ERR_OK);
#else
  for (int i = 0; i < TEST_NEIGHBORS; i++) {
    if (test_neighbors[i].ip == 0 || test_neighbors[i].ip == ip) {
      test_neighbors[i].ip = ip;
      memcpy(test_neighbors[i].mac, mac, 6);
      return;
    }
  }
  fail_msg("too many test neighbours");
#endif
}

void test_remove_arp(u32_t ip)
{
#if LWIP_ARP_STATIC_ENTRIES
  ip4_addr_t a = {ip};
  etharp_remove_static_entry(&a);
#else
  for (int i = 0; i < TEST_NEIGHBORS; i++) {
    if (test_neighbors[i].ip == ip) {
      test_neighbors[i].ip = 0;
    }
  }
#endif
}

void test_add_peer_arp(const char *ip)
{
  test_add_arp(test_ip(ip), peer_mac);
}
