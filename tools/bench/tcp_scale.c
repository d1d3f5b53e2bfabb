/*
 * tcp_scale: the stack's own cost of one TCP data segment, received or
 * sent, with 1 and with many open connections, over IPv4 or IPv6.
 *
 * The core runs on a netif whose output is parsed, counted and dropped.
 * N connections are opened through a listener by injected handshakes
 * (SYN with MSS, SACK-permitted, timestamps and window scale, as Linux
 * sends it, then the ACK of our SYN-ACK).  Then either
 *  - receive (default): M in-order data segments are fed to one of them,
 *    whose application consumes them with tcp_recved(); or
 *  - send (--send): its application keeps the send buffer full and the
 *    peer acknowledges every second segment, as a delayed-ACK receiver
 *    does, until M data segments have left.
 * Everything is single-threaded on a frozen clock, so the work per
 * segment is exactly the stack's.
 *
 * Two figures: wall time per segment here, and - under callgrind - the
 * instructions inside the input function (ip_input(), or ethernet_input()
 * with --eth) per segment:
 *   valgrind --tool=callgrind --toggle-collect=ip_input tcp_scale 10000 20000
 * then Ir / M.  With --send the segments go out from within that function
 * too (in answer to the ACKs), so the same division gives the cost per
 * segment sent.  tools/bench/tcp-bench runs it for N = 1 and N = 10000,
 * and for both families on Ethernet (--eth, where ARP or Neighbor
 * Discovery is on the path, as in lwipd).
 *
 * usage: tcp_scale [--ip6] [--eth] [--send] [CONNECTIONS [SEGMENTS]]
 * (needs MEMP_NUM_TCP_PCB >= N; --eth takes one connection, the peer
 * being a neighbor whose link address is learned once).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/ip.h"
#include "lwip/tcp.h"
#include "lwip/etharp.h"
#include "lwip/ethernet.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/tcp.h"
#include "lwip/prot/ip4.h"
#if LWIP_IPV6
#include "lwip/nd6.h"
#include "lwip/prot/ip6.h"
#endif
#include "unix_port.h"

#define SEG_DATA 1448U /* received segments: a 1500-byte link's payload with timestamps over IPv4 */
#define ETH_HLEN 14U
#define PEER_WSCALE 7U

static const u8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const u8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x01};

static struct {
  bool ip6, eth, send;
} mode;

static struct netif bench_netif;
static u32_t last_seq; /* sequence number of the last segment we sent */
static u8_t last_flags;
static u32_t last_tsval; /* its timestamp, echoed by the peer */
static u32_t snd_high;   /* highest sequence number we sent, plus one */
static u64_t sent_segments, sent_data_segments;
static u64_t rx_bytes;
static int accepted;
static u32_t peer_ts = 1; /* the peer's timestamp clock: one tick per segment */

/* ---- what the stack sends: parsed, counted, dropped ---- */

static void note_tcp(const struct pbuf *p, u16_t off, u16_t tcp_len)
{
  u8_t tcp[60];
  u16_t n = tcp_len < sizeof(tcp) ? tcp_len : (u16_t)sizeof(tcp);
  if (n < 20 || pbuf_copy_partial(p, tcp, n, off) != n) {
    return;
  }
  u16_t hl = (u16_t)((tcp[TCP_OFF_HDRLEN] >> 4) * 4U);
  last_seq = get_be32(tcp + TCP_OFF_SEQ);
  last_flags = tcp[TCP_OFF_FLAGS];
  for (u16_t i = 20; i + 1U < hl && i + 1U < n;) {
    if (tcp[i] == TCP_OPT_EOL) {
      break;
    }
    if (tcp[i] == TCP_OPT_NOP) {
      i++;
      continue;
    }
    if (tcp[i] == TCP_OPT_TS && i + TCP_OPTLEN_TS <= n) {
      last_tsval = get_be32(tcp + i + 2);
    }
    if (tcp[i + 1] < 2) {
      break;
    }
    i = (u16_t)(i + tcp[i + 1]);
  }
  if (tcp_len > hl) {
    u32_t end = last_seq + (u32_t)(tcp_len - hl);
    if ((s32_t)(end - snd_high) > 0) {
      snd_high = end;
    }
    sent_data_segments++;
  }
}

/* An IP packet (version from its first byte) starting at @p off. */
static void note_ip(const struct pbuf *p, u16_t off)
{
  u8_t ip[40];
  if (pbuf_copy_partial(p, ip, 1, off) != 1) {
    return;
  }
  if ((ip[0] >> 4) == 4 && pbuf_copy_partial(p, ip, 20, off) == 20 && ip[9] == IP_PROTO_TCP) {
    u16_t ihl = (u16_t)((ip[0] & 0x0fU) * 4U);
    note_tcp(p, (u16_t)(off + ihl), (u16_t)(get_be16(ip + 2) - ihl));
  } else if ((ip[0] >> 4) == 6 && pbuf_copy_partial(p, ip, 40, off) == 40 && ip[6] == IP_PROTO_TCP) {
    note_tcp(p, (u16_t)(off + 40U), get_be16(ip + 4));
  }
  sent_segments++;
}

static __attribute__((noinline)) err_t bench_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
  (void)netif;
  (void)ipaddr;
  note_ip(p, 0);
  return ERR_OK;
}

#if LWIP_IPV6
static __attribute__((noinline)) err_t bench_output_ip6(struct netif *netif, struct pbuf *p, const ip6_addr_t *ipaddr)
{
  (void)netif;
  (void)ipaddr;
  note_ip(p, 0);
  return ERR_OK;
}
#endif

static __attribute__((noinline)) err_t bench_linkoutput(struct netif *netif, struct pbuf *p)
{
  (void)netif;
  u8_t type[2];
  if (pbuf_copy_partial(p, type, 2, 12) == 2 && (get_be16(type) == ETHTYPE_IP || get_be16(type) == ETHTYPE_IPV6)) {
    note_ip(p, ETH_HLEN);
  }
  return ERR_OK;
}

static err_t bench_netif_init(struct netif *netif)
{
  netif->name[0] = 'b';
  netif->name[1] = 'n';
  netif->mtu = 1500;
  if (mode.eth) {
    netif->output = etharp_output;
#if LWIP_IPV6
    netif->output_ip6 = ethip6_output;
#endif
    netif->linkoutput = bench_linkoutput;
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, our_mac, 6);
    netif->flags |= NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  } else {
    netif->output = bench_output;
#if LWIP_IPV6
    netif->output_ip6 = bench_output_ip6;
#endif
  }
  return ERR_OK;
}

/* ---- the application: a sink, or a source that keeps the buffer full ---- */

static err_t sink_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)arg;
  (void)err;
  if (p == NULL) {
    return ERR_OK;
  }
  rx_bytes += p->tot_len;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

static void source_fill(struct tcp_pcb *pcb)
{
  static u8_t chunk[16384];
  while (tcp_sndbuf(pcb) > 0) {
    u16_t n = (u16_t)LWIP_MIN(tcp_sndbuf(pcb), sizeof(chunk));
    if (tcp_write(pcb, chunk, n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
      break;
    }
  }
  tcp_output(pcb);
}

static err_t source_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  (void)arg;
  (void)len;
  source_fill(pcb);
  return ERR_OK;
}

static struct tcp_pcb *measured_pcb;

static err_t sink_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
  (void)arg;
  (void)err;
  tcp_recv(pcb, sink_recv);
  tcp_sent(pcb, source_sent);
  measured_pcb = pcb;
  accepted++;
  return ERR_OK;
}

/* ---- frames from the peers ---- */

static void peer_ip4(u32_t i, ip4_addr_t *src)
{
  IP4_ADDR(src, 10, (u8_t)(1U + i / 62500U), (u8_t)(i / 250U % 250U), (u8_t)(i % 250U + 1U));
}

/* Where a frame starts: the Ethernet header, when there is one. */
static u16_t put_eth(u8_t *buf, u16_t type)
{
  if (!mode.eth) {
    return 0;
  }
  memcpy(buf, our_mac, 6);
  memcpy(buf + 6, peer_mac, 6);
  put_be16(buf + 12, type);
  return ETH_HLEN;
}

/* The IP header for a payload of @p len bytes of protocol @p proto from
 * peer @p i; returns its length.  @p src and @p dst receive the addresses
 * for the pseudo-header checksum. */
static u16_t put_ip(u8_t *b, u32_t i, u8_t proto, u16_t len, ip_addr_t *src, ip_addr_t *dst)
{
#if LWIP_IPV6
  if (mode.ip6) {
    memset(src, 0, sizeof(*src));
    memset(dst, 0, sizeof(*dst));
    IP6_ADDR(ip_2_ip6(src), 0xfd000000UL, 0, 1, i + 1U);
    IP6_ADDR(ip_2_ip6(dst), 0xfd000000UL, 0, 0, 2);
    IP_SET_TYPE(src, IPADDR_TYPE_V6);
    IP_SET_TYPE(dst, IPADDR_TYPE_V6);
    memset(b, 0, IP6_HLEN);
    b[0] = 0x60;
    put_be16(b + 4, len);
    b[6] = proto;
    b[7] = proto == IP_PROTO_TCP ? 64 : 255;
    memcpy(b + 8, ip_2_ip6(src)->addr, 16);
    memcpy(b + 24, ip_2_ip6(dst)->addr, 16);
    return IP6_HLEN;
  }
#endif
  peer_ip4(i, ip_2_ip4(src));
  IP4_ADDR(ip_2_ip4(dst), 10, 0, 0, 2);
  IP_SET_TYPE(src, IPADDR_TYPE_V4);
  IP_SET_TYPE(dst, IPADDR_TYPE_V4);
  memset(b, 0, IP_HLEN);
  b[0] = 0x45;
  put_be16(b + 2, (u16_t)(IP_HLEN + len));
  b[8] = 64;
  b[9] = proto;
  put_n32(b + 12, ip_2_ip4(src)->addr);
  put_n32(b + 16, ip_2_ip4(dst)->addr);
  u16_t ipsum = inet_chksum(b, IP_HLEN);
  memcpy(b + 10, &ipsum, 2);
  return IP_HLEN;
}

/* Fill in the transport checksum of the frame in @p p whose transport
 * header starts at @p off, at @p sum_off inside it. */
static void put_l4_sum(struct pbuf *p, u16_t off, u16_t sum_off, u8_t proto, const ip_addr_t *src, const ip_addr_t *dst)
{
  pbuf_remove_header(p, off);
  u16_t sum;
#if LWIP_IPV6
  if (IP_IS_V6(src)) {
    sum = ip6_chksum_pseudo(p, proto, p->tot_len, ip_2_ip6(src), ip_2_ip6(dst));
  } else
#endif
  {
    sum = inet_chksum_pseudo(p, proto, p->tot_len, ip_2_ip4(src), ip_2_ip4(dst));
  }
  pbuf_take_at(p, &sum, 2, sum_off);
  pbuf_add_header(p, off);
}

static struct pbuf *frame_alloc(u16_t len)
{
  struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
  if (p == NULL) {
    fprintf(stderr, "tcp_scale: pbuf pool empty\n");
    exit(1);
  }
  return p;
}

/* One segment from peer @p i to port 5001, given to the netif's input. */
static void inject(u32_t i, u32_t seq, u32_t ack, u8_t flags, u16_t len)
{
  u8_t opt[20];
  u16_t optlen;
  if (flags & TCP_SYN) {
    /* Linux's SYN: MSS, SACK permitted, timestamps, window scale. */
    u8_t syn[20] = {TCP_OPT_MSS, 4, 0, 0, TCP_OPT_SACK_PERM, 2,          TCP_OPT_TS, 10,         0, 0, 0, 0,
                    0,           0, 0, 0, TCP_OPT_NOP,       TCP_OPT_WS, 3,          PEER_WSCALE};
    put_be16(syn + 2, mode.ip6 ? 1440 : 1460);
    put_be32(syn + 8, peer_ts);
    memcpy(opt, syn, sizeof(syn));
    optlen = sizeof(syn);
  } else {
    u8_t ts[12] = {TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_TS, 10};
    put_be32(ts + 4, peer_ts);
    put_be32(ts + 8, last_tsval);
    memcpy(opt, ts, sizeof(ts));
    optlen = sizeof(ts);
  }
  peer_ts++;
  u8_t buf[ETH_HLEN + 40 + 20 + 20];
  ip_addr_t src, dst;
  u16_t tcp_len = (u16_t)(20U + optlen + len);
  u16_t l2 = put_eth(buf, mode.ip6 ? ETHTYPE_IPV6 : ETHTYPE_IP);
  u16_t off = (u16_t)(l2 + put_ip(buf + l2, i, IP_PROTO_TCP, tcp_len, &src, &dst));
  u8_t *t = buf + off;
  memset(t, 0, 20);
  put_be16(t + TCP_OFF_SRC, (u16_t)(20000U + i % 40000U));
  put_be16(t + TCP_OFF_DEST, 5001);
  put_be32(t + TCP_OFF_SEQ, seq);
  put_be32(t + TCP_OFF_ACK, ack);
  t[TCP_OFF_HDRLEN] = (u8_t)(((20U + optlen) / 4U) << 4);
  t[TCP_OFF_FLAGS] = flags;
  put_be16(t + TCP_OFF_WND, 65535);
  memcpy(t + 20, opt, optlen);
  u16_t hdrs = (u16_t)(off + 20U + optlen);
  struct pbuf *p = frame_alloc((u16_t)(hdrs + len));
  static u8_t payload[SEG_DATA];
  pbuf_take(p, buf, hdrs);
  if (len > 0) {
    memset(payload, (int)(seq & 0xffU), len);
    pbuf_take_at(p, payload, len, hdrs);
  }
  put_l4_sum(p, off, TCP_OFF_CHKSUM, IP_PROTO_TCP, &src, &dst);
  bench_netif.input(p, &bench_netif);
}

/* The peer makes itself known on the link, so that our first reply goes
 * out at once: an ARP request for our address (RFC 826: the target
 * records the sender), or a unicast Neighbor Solicitation with its link
 * address (RFC 4861 7.2.3: a STALE entry). */
static void learn_peer(void)
{
  u8_t buf[ETH_HLEN + 40 + 32];
  struct pbuf *p;
#if LWIP_IPV6
  if (mode.ip6) {
    ip_addr_t src, dst;
    u16_t off = (u16_t)(put_eth(buf, ETHTYPE_IPV6) + put_ip(buf + ETH_HLEN, 0, IP6_NEXTH_ICMP6, 32, &src, &dst));
    u8_t *ns = buf + off;
    memset(ns, 0, 32);
    ns[0] = 135; /* Neighbor Solicitation */
    memcpy(ns + 8, ip_2_ip6(&dst)->addr, 16);
    ns[24] = 1; /* source link-layer address option, 8 bytes */
    ns[25] = 1;
    memcpy(ns + 26, peer_mac, 6);
    p = frame_alloc((u16_t)(off + 32U));
    pbuf_take(p, buf, (u16_t)(off + 32U));
    put_l4_sum(p, off, 2, IP6_NEXTH_ICMP6, &src, &dst);
    bench_netif.input(p, &bench_netif);
    return;
  }
#endif
  ip4_addr_t peer;
  peer_ip4(0, &peer);
  u16_t off = put_eth(buf, ETHTYPE_ARP);
  u8_t *a = buf + off;
  static const u8_t head[8] = {0, 1, 8, 0, 6, 4, 0, 1}; /* Ethernet, IPv4, request */
  memcpy(a, head, 8);
  memcpy(a + 8, peer_mac, 6);
  put_n32(a + 14, peer.addr);
  memset(a + 18, 0, 6);
  a[24] = 10;
  a[25] = 0;
  a[26] = 0;
  a[27] = 2;
  p = frame_alloc((u16_t)(off + 28U));
  pbuf_take(p, buf, (u16_t)(off + 28U));
  bench_netif.input(p, &bench_netif);
}

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The measured loops: callgrind counts inside the input function; the
 * packet building in inject() is outside it. */
static void __attribute__((noinline)) bench_rx_loop(u32_t conn, u32_t *seq, u32_t ack, u32_t segments)
{
  for (u32_t k = 0; k < segments; k++) {
    inject(conn, *seq, ack, TCP_ACK | TCP_PSH, SEG_DATA);
    *seq += SEG_DATA;
  }
}

static bool __attribute__((noinline)) bench_tx_loop(u32_t conn, u32_t seq, u32_t segments)
{
  u32_t acked = measured_pcb->snd_una;
  u64_t first = sent_data_segments;
  while (sent_data_segments - first < segments) {
    if (acked == snd_high) {
      return false; /* nothing in flight: the source stalled */
    }
    /* A delayed-ACK receiver: one ACK for every two full segments. */
    u32_t two = acked + 2U * measured_pcb->mss;
    acked = (s32_t)(snd_high - two) < 0 ? snd_high : two;
    inject(conn, seq, acked, TCP_ACK, 0);
  }
  return true;
}

static int usage(void)
{
  fprintf(stderr, "usage: tcp_scale [--ip6] [--eth] [--send] [CONNECTIONS [SEGMENTS]]\n");
  return 2;
}

static void setup_netif(void)
{
  ip4_addr_t ip, mask, gw;
  IP4_ADDR(&ip, 10, 0, 0, 2);
  IP4_ADDR(&mask, 255, 0, 0, 0);
  IP4_ADDR(&gw, 0, 0, 0, 0);
  netif_add(&bench_netif, &ip, &mask, &gw, NULL, bench_netif_init, mode.eth ? ethernet_input : ip_input);
  netif_set_default(&bench_netif);
  netif_set_up(&bench_netif);
  netif_set_link_up(&bench_netif);
#if LWIP_IPV6
  if (mode.ip6) {
    /* Usable at once: the duplicate address detection a real link
     * needs is not what is measured here. */
    ip6_addr_t a;
    memset(&a, 0, sizeof(a));
    IP6_ADDR(&a, 0xfd000000UL, 0, 0, 2);
    s8_t idx = -1;
    if (netif_add_ip6_address_prefix(&bench_netif, &a, 64, &idx) != ERR_OK) {
      fprintf(stderr, "tcp_scale: cannot add fd00::2\n");
      exit(1);
    }
    netif_ip6_addr_set_state(&bench_netif, idx, IP6_ADDR_PREFERRED);
  }
#endif
}

int main(int argc, char **argv)
{
  int a = 1;
  for (; a < argc && argv[a][0] == '-'; a++) {
    if (strcmp(argv[a], "--ip6") == 0) {
      mode.ip6 = true;
    } else if (strcmp(argv[a], "--eth") == 0) {
      mode.eth = true;
    } else if (strcmp(argv[a], "--send") == 0) {
      mode.send = true;
    } else {
      return usage();
    }
  }
#if !LWIP_IPV6
  if (mode.ip6) {
    fprintf(stderr, "tcp_scale: this build has no IPv6\n");
    return 2;
  }
#endif
  u32_t conns = a < argc ? (u32_t)strtoul(argv[a], NULL, 0) : 1U;
  u32_t segments = a + 1 < argc ? (u32_t)strtoul(argv[a + 1], NULL, 0) : 20000U;
  if (conns == 0 || conns > MEMP_NUM_TCP_PCB || (mode.eth && conns != 1)) {
    fprintf(stderr, "tcp_scale: 1..%u connections in this build (-Dmemp_num_tcp_pcb), 1 with --eth\n",
            (unsigned)MEMP_NUM_TCP_PCB);
    return 2;
  }
  unix_port_seed(1);
  unix_port_clock_set(1000);
  lwip_init();
  setup_netif();
  if (mode.eth) {
    learn_peer();
  }

  /* One listener for both families, as lwipd's apps have. */
  struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_ANY);
  tcp_bind(l, IP_ANY_TYPE, 5001);
  l = tcp_listen_with_backlog(l, 255);
  tcp_accept(l, sink_accept);

  /* Open the connections; remember the ack number for the measured one. */
  u32_t measured = conns - 1U, ack_measured = 0;
  for (u32_t i = 0; i < conns; i++) {
    inject(i, 1000U, 0, TCP_SYN, 0);
    if (last_flags != (TCP_SYN | TCP_ACK)) {
      fprintf(stderr, "tcp_scale: no SYN-ACK for connection %u\n", (unsigned)i);
      return 1;
    }
    u32_t ack = last_seq + 1U;
    snd_high = ack;
    inject(i, 1001U, ack, TCP_ACK, 0);
    if (i == measured) {
      ack_measured = ack;
    }
  }
  if ((u32_t)accepted != conns) {
    fprintf(stderr, "tcp_scale: %d of %u connections accepted\n", accepted, (unsigned)conns);
    return 1;
  }
  u32_t seq = 1001U;
  u64_t out_before = sent_segments;
  double t0 = 0, t1 = 0;
  if (mode.send) {
    source_fill(measured_pcb); /* the first flight, outside the measure */
    t0 = now_ns();
    if (segments > 0 && !bench_tx_loop(measured, seq, segments)) {
      fprintf(stderr, "tcp_scale: sending stalled after %" PRIu64 " segments\n", sent_data_segments);
      return 1;
    }
    t1 = now_ns();
  } else {
    t0 = now_ns();
    bench_rx_loop(measured, &seq, ack_measured, segments);
    t1 = now_ns();
    if (rx_bytes != (u64_t)segments * SEG_DATA) {
      fprintf(stderr, "tcp_scale: delivered %" PRIu64 " of %" PRIu64 " bytes\n", rx_bytes, (u64_t)segments * SEG_DATA);
      return 1;
    }
  }
  printf("tcp_scale: %s%s, %u connections, %u segments %s: %.0f ns/segment (incl. building frames), %" PRIu64
         " segments sent\n",
         mode.ip6 ? "IPv6" : "IPv4", mode.eth ? " on Ethernet" : "", (unsigned)conns, (unsigned)segments,
         mode.send ? "sent" : "received", segments ? (t1 - t0) / segments : 0.0, sent_segments - out_before);
  return 0;
}
