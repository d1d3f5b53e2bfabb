/*
 * tcp_scale: the cost of one received TCP data segment with 1 and with
 * many open connections.
 *
 * The core runs on a raw-IP netif whose output is counted and dropped.
 * N connections are opened through a listener by injected handshakes
 * (SYN, then the ACK of our SYN-ACK), then M in-order data segments of
 * 1448 bytes are fed to one of them, whose application consumes them with
 * tcp_recved().  Everything is single-threaded on a frozen clock, so the
 * work per segment is exactly the stack's.
 *
 * Two figures: wall time per segment here, and - under callgrind - the
 * instructions inside ip_input() per segment:
 *   valgrind --tool=callgrind --toggle-collect=ip_input tcp_scale 10000 20000
 * then Ir / M.  tools/bench/tcp-bench runs both for N = 1 and N = 10000.
 *
 * usage: tcp_scale [CONNECTIONS [SEGMENTS]]   (needs MEMP_NUM_TCP_PCB >= N)
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/ip.h"
#include "lwip/tcp.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/tcp.h"
#include "lwip/prot/ip4.h"
#include "unix_port.h"

#define SEG_DATA 1448U

static struct netif bench_netif;
static u32_t last_seq;     /* sequence number of the last segment we sent */
static u8_t last_flags;
static u64_t sent_segments;
static u64_t rx_bytes;
static int accepted;

static err_t bench_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
  (void)netif;
  (void)ipaddr;
  u8_t hdr[40];
  if (pbuf_copy_partial(p, hdr, sizeof(hdr), 0) == sizeof(hdr) && hdr[9] == IP_PROTO_TCP) {
    u16_t ihl = (u16_t)((hdr[0] & 0x0fU) * 4U);
    u8_t tcp[20];
    if (pbuf_copy_partial(p, tcp, sizeof(tcp), ihl) == sizeof(tcp)) {
      last_seq = get_be32(tcp + TCP_OFF_SEQ);
      last_flags = tcp[TCP_OFF_FLAGS];
    }
  }
  sent_segments++;
  return ERR_OK;
}

static err_t bench_netif_init(struct netif *netif)
{
  netif->name[0] = 'b';
  netif->name[1] = 'n';
  netif->output = bench_output;
  netif->mtu = 1500;
  return ERR_OK;
}

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

static err_t sink_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
  (void)arg;
  (void)err;
  tcp_recv(pcb, sink_recv);
  accepted++;
  return ERR_OK;
}

/* One segment from peer @p i to port 5001, fed to ip_input(). */
static void inject(u32_t i, u32_t seq, u32_t ack, u8_t flags, u16_t len)
{
  u16_t tot = (u16_t)(20U + 20U + len);
  struct pbuf *p = pbuf_alloc(PBUF_RAW, tot, PBUF_POOL);
  if (p == NULL) {
    fprintf(stderr, "tcp_scale: pbuf pool empty\n");
    exit(1);
  }
  u8_t buf[20 + 20];
  memset(buf, 0, sizeof(buf));
  ip4_addr_t src, dst;
  IP4_ADDR(&src, 10, (u8_t)(1U + i / 62500U), (u8_t)(i / 250U % 250U), (u8_t)(i % 250U + 1U));
  IP4_ADDR(&dst, 10, 0, 0, 2);
  buf[0] = 0x45;
  put_be16(buf + 2, tot);
  buf[8] = 64;
  buf[9] = IP_PROTO_TCP;
  put_n32(buf + 12, src.addr);
  put_n32(buf + 16, dst.addr);
  u16_t ipsum = inet_chksum(buf, 20);
  memcpy(buf + 10, &ipsum, 2);
  u8_t *t = buf + 20;
  put_be16(t + TCP_OFF_SRC, (u16_t)(20000U + i % 40000U));
  put_be16(t + TCP_OFF_DEST, 5001);
  put_be32(t + TCP_OFF_SEQ, seq);
  put_be32(t + TCP_OFF_ACK, ack);
  t[TCP_OFF_HDRLEN] = 5U << 4;
  t[TCP_OFF_FLAGS] = flags;
  put_be16(t + TCP_OFF_WND, 65535);
  static u8_t payload[SEG_DATA];
  pbuf_take(p, buf, sizeof(buf));
  if (len > 0) {
    memset(payload, (int)(seq & 0xffU), len);
    pbuf_take_at(p, payload, len, 40);
  }
  /* TCP checksum over the segment with the pseudo header. */
  pbuf_remove_header(p, 20);
  u16_t sum = inet_chksum_pseudo(p, IP_PROTO_TCP, p->tot_len, &src, &dst);
  pbuf_take_at(p, &sum, 2, TCP_OFF_CHKSUM);
  pbuf_add_header(p, 20);
  bench_netif.input(p, &bench_netif);
}

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The measured loop: callgrind counts inside ip_input(); the packet
 * building in inject() is outside it. */
static void __attribute__((noinline)) bench_rx_loop(u32_t conn, u32_t *seq, u32_t ack, u32_t segments)
{
  for (u32_t k = 0; k < segments; k++) {
    inject(conn, *seq, ack, TCP_ACK | TCP_PSH, SEG_DATA);
    *seq += SEG_DATA;
  }
}

int main(int argc, char **argv)
{
  u32_t conns = argc > 1 ? (u32_t)strtoul(argv[1], NULL, 0) : 1U;
  u32_t segments = argc > 2 ? (u32_t)strtoul(argv[2], NULL, 0) : 20000U;
  if (conns == 0 || conns > MEMP_NUM_TCP_PCB) {
    fprintf(stderr, "tcp_scale: 1..%u connections in this build (-Dmemp_num_tcp_pcb)\n", (unsigned)MEMP_NUM_TCP_PCB);
    return 2;
  }
  unix_port_seed(1);
  unix_port_clock_set(1000);
  lwip_init();
  ip4_addr_t ip, mask, gw;
  IP4_ADDR(&ip, 10, 0, 0, 2);
  IP4_ADDR(&mask, 255, 0, 0, 0);
  IP4_ADDR(&gw, 0, 0, 0, 0);
  netif_add(&bench_netif, &ip, &mask, &gw, NULL, bench_netif_init, ip_input);
  netif_set_default(&bench_netif);
  netif_set_up(&bench_netif);
  netif_set_link_up(&bench_netif);

  struct tcp_pcb *l = tcp_new();
  tcp_bind(l, IP_ADDR_ANY, 5001);
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
  double t0 = now_ns();
  bench_rx_loop(measured, &seq, ack_measured, segments);
  double t1 = now_ns();
  if (rx_bytes != (u64_t)segments * SEG_DATA) {
    fprintf(stderr, "tcp_scale: delivered %" PRIu64 " of %" PRIu64 " bytes\n", rx_bytes, (u64_t)segments * SEG_DATA);
    return 1;
  }
  printf("tcp_scale: %u connections, %u segments of %u bytes: %.0f ns/segment (incl. building it), %" PRIu64
         " ACKs sent\n",
         (unsigned)conns, (unsigned)segments, SEG_DATA, (t1 - t0) / segments, sent_segments - out_before);
  return 0;
}
