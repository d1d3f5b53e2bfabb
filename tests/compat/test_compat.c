/* lwIP compatibility (docs/lwip-compat.md): the lwIP-style applications in
 * this folder, built with -Wall -Wundef -Werror against include/, run
 * against the core on the virtual clock:
 *  - tcpecho_raw: data echoed intact, several connections, the peer's
 *    close, stop aborting open connections, out of heap at accept;
 *  - udpecho_raw: a datagram comes back to its sender;
 *  - sntp_mini: the packed NTP request on the wire, a good reply taken,
 *    forged/kiss-o'-death/late replies refused, retry on the clock;
 * and the compatibility macros themselves: LWIP_DEBUGF onto the debug log
 * (module, level, run-time filter, compile-time switches), the printf
 * format macros, packing (attribute and arch/bpstruct.h pragma), option
 * names against the real pool sizes, lwip/def.h, lwip/inet.h, lwip/sys.h
 * and lwip/prot/iana.h.  Every case's teardown fails on a leak. */
#include "test_tcp_common.h"

#include <stdio.h>

#include "lwip/sys.h"
#include "lwip/def.h"
#include "lwip/inet.h"
#include "lwip/prot/iana.h"
#include "lwip/udp.h"
#include "lwip/prot/wire.h"

#include "compat_apps.h"

/* ---- compile-time facts an lwIP application tests ---- */
#if !NO_SYS || !LWIP_CALLBACK_API || LWIP_NETCONN || LWIP_SOCKET || LWIP_EVENT_API
#error "lwipd is NO_SYS with the callback API only"
#endif
#if !LWIP_TIMERS || LWIP_DHCP_MAX_NTP_SERVERS < 1 || !defined(LWIP_DHCP_GET_NTP_SRV)
#error "timer and DHCP option names"
#endif
#if !LWIP_IPV4 || !defined(LWIP_IPV6) || !defined(LWIP_RAW) || !defined(LWIP_IGMP) || !defined(LWIP_DNS)
#error "feature names"
#endif
#if !(TCP_DEBUG & LWIP_DBG_ON) || (LWIP_DBG_OFF & LWIP_DBG_ON)
#error "debug switches are usable in #if"
#endif

#if LWIP_DHCP
#include "lwip/dhcp.h"
_Static_assert(LWIP_DHCP_MAX_NTP_SERVERS == DHCP_MAX_NTP_SERVERS, "lwIP's name for the DHCP NTP server count");
#endif

#define ECHO_PORT 7007U
#define UDP_ECHO_PORT 7008U
#define NTP_SERVER "10.0.0.1"

static int compat_teardown(void **state)
{
  tcpecho_raw_stop();
#if LWIP_UDP
  udpecho_raw_stop();
  sntp_mini_stop();
#endif
  return tt_teardown(state);
}

/* ---------------------------------------------------------------------- */
/* Log capture                                                            */
/* ---------------------------------------------------------------------- */

#define MAX_LINES 64
static struct {
  int module, level;
  char text[160];
} lines[MAX_LINES];
static int nlines;

static void capture(int module, int level, const char *line)
{
  if (nlines < MAX_LINES) {
    lines[nlines].module = module;
    lines[nlines].level = level;
    snprintf(lines[nlines].text, sizeof(lines[nlines].text), "%s", line);
    nlines++;
  }
}

static void capture_start(void)
{
  nlines = 0;
  test_log_capture(capture);
}

#if LWIP_DEBUG
/* Index of the first captured line containing @p text, or -1. */
static int find_line(const char *text)
{
  for (int i = 0; i < nlines; i++) {
    if (strstr(lines[i].text, text) != NULL) {
      return i;
    }
  }
  return -1;
}
#endif

/* ---------------------------------------------------------------------- */
/* LWIP_DEBUGF and the format macros                                       */
/* ---------------------------------------------------------------------- */

#define MYAPP_DEBUG LWIP_DBG_ON
#define QUIET_DEBUG LWIP_DBG_OFF

static void debugf_maps_onto_log(void **state)
{
  (void)state;
  capture_start();
  lwip_log_set_level(-1, LWIP_LOG_LEVEL_DEBUG);
  u32_t big = 4000000000UL;
  LWIP_UNUSED_ARG(big); /* read only by LWIP_DEBUGF */
  LWIP_DEBUGF(MYAPP_DEBUG, ("plain %" U32_F "\n", big));
  LWIP_DEBUGF(MYAPP_DEBUG | LWIP_DBG_TRACE, ("a trace line"));
  LWIP_DEBUGF(QUIET_DEBUG | LWIP_DBG_LEVEL_SEVERE, ("switched off"));
  LWIP_DEBUGF(TCP_DEBUG | LWIP_DBG_LEVEL_SERIOUS, ("tcp serious %" S32_F, (s32_t)-7));
  LWIP_DEBUGF(ETHARP_DEBUG | LWIP_DBG_LEVEL_WARNING, ("arp warning %" X32_F, (u32_t)0xbeef));
  LWIP_DEBUGF(UDP_DEBUG | LWIP_DBG_LEVEL_SEVERE, ("udp severe %" SZT_F, sizeof(u32_t)));
  LWIP_DEBUGF(SNTP_DEBUG | LWIP_DBG_STATE, ("sntp state"));
  ip_addr_t a;
  IP_ADDR4(&a, 192, 0, 2, 1);
  ip_addr_debug_print(MYAPP_DEBUG, &a);
#if LWIP_DEBUG
  assert_int_equal(nlines, 6);
  int i = find_line("plain 4000000000");
  assert_true(i >= 0);
  assert_string_equal(lines[i].text, "plain 4000000000"); /* newline dropped */
  assert_int_equal(lines[i].module, LWIP_LOG_APP);
  assert_int_equal(lines[i].level, LWIP_LOG_LEVEL_DEBUG);
  assert_int_equal(find_line("a trace line"), -1); /* below the run-time level */
  assert_int_equal(find_line("switched off"), -1); /* off at compile time */
  i = find_line("tcp serious -7");
  assert_true(i >= 0);
  assert_int_equal(lines[i].module, LWIP_LOG_TCP);
  assert_int_equal(lines[i].level, LWIP_LOG_LEVEL_WARN);
  i = find_line("arp warning beef");
  assert_true(i >= 0);
  assert_int_equal(lines[i].module, LWIP_LOG_ARP);
  assert_int_equal(lines[i].level, LWIP_LOG_LEVEL_INFO);
  i = find_line("udp severe 4");
  assert_true(i >= 0);
  assert_int_equal(lines[i].module, LWIP_LOG_UDP);
  assert_int_equal(lines[i].level, LWIP_LOG_LEVEL_ERROR);
  assert_true(find_line("192.0.2.1") >= 0);
  i = find_line("sntp state");
  assert_true(i >= 0);
  assert_int_equal(lines[i].module, LWIP_LOG_SNTP);
  assert_int_equal(lines[i].level, LWIP_LOG_LEVEL_DEBUG);

  /* The run-time level of the module decides: trace shows the trace line,
   * off silences even a severe one. */
  nlines = 0;
  lwip_log_set_level(LWIP_LOG_APP, LWIP_LOG_LEVEL_TRACE);
  lwip_log_set_level(LWIP_LOG_UDP, LWIP_LOG_LEVEL_OFF);
  LWIP_DEBUGF(MYAPP_DEBUG | LWIP_DBG_TRACE, ("a trace line"));
  LWIP_DEBUGF(UDP_DEBUG | LWIP_DBG_LEVEL_SEVERE, ("udp severe"));
  assert_int_equal(nlines, 1);
  assert_int_equal(lines[0].level, LWIP_LOG_LEVEL_TRACE);
#else
  /* A build without debug_log compiles LWIP_DEBUGF away, as lwIP does
   * without LWIP_DEBUG. */
  assert_int_equal(nlines, 0);
#endif
  /* LWIP_PLATFORM_DIAG writes whatever the build. */
  nlines = 0;
  LWIP_PLATFORM_DIAG(("diag %" U16_F "/%" S16_F, (u16_t)65535, (s16_t)-2));
  assert_int_equal(nlines, 1);
  assert_string_equal(lines[0].text, "diag 65535/-2");
  assert_int_equal(lines[0].module, LWIP_LOG_APP);
  lwip_log_set_level(-1, LWIP_LOG_LEVEL_WARN);
}

static void format_macros(void **state)
{
  (void)state;
  char buf[96];
  snprintf(buf, sizeof(buf),
           "%" U32_F " %" S32_F " %" X32_F " %" U16_F " %" S16_F " %" X16_F " %" U8_F " %" X8_F " %" SZT_F,
           (u32_t)4294967295UL, (s32_t)INT32_MIN, (u32_t)0xdeadbeefUL, (u16_t)65535, (s16_t)-32768, (u16_t)0xabcd,
           (u8_t)255, (u8_t)0x0a, (size_t)123456);
  assert_string_equal(buf, "4294967295 -2147483648 deadbeef 65535 -32768 abcd 255 0a 123456");
}

/* ---------------------------------------------------------------------- */
/* Packing                                                                 */
/* ---------------------------------------------------------------------- */

PACK_STRUCT_BEGIN
struct packed_inner {
  PACK_STRUCT_FLD_8(u8_t kind);
  PACK_STRUCT_FIELD(u16_t len);
} PACK_STRUCT_STRUCT;
PACK_STRUCT_END

PACK_STRUCT_BEGIN
struct packed_outer {
  PACK_STRUCT_FLD_8(u8_t tag);
  PACK_STRUCT_FIELD(u32_t value);
  PACK_STRUCT_FLD_S(struct packed_inner inner);
  PACK_STRUCT_FLD_8(u8_t bytes[3]);
} PACK_STRUCT_STRUCT;
PACK_STRUCT_END

/* The pragma form, as a port with PACK_STRUCT_USE_INCLUDES uses it: no
 * attribute here, the pragma alone packs. */
#include "arch/bpstruct.h"
struct pragma_packed {
  u8_t tag;
  u32_t value;
};
#include "arch/epstruct.h"
struct after_pragma {
  u8_t tag;
  u32_t value;
};

static void packing(void **state)
{
  (void)state;
  assert_int_equal(sizeof(struct packed_inner), 3);
  assert_int_equal(sizeof(struct packed_outer), 1 + 4 + 3 + 3);
  assert_int_equal(offsetof(struct packed_outer, value), 1);
  assert_int_equal(offsetof(struct packed_outer, inner), 5);
  assert_int_equal(sizeof(struct pragma_packed), 5);
  /* epstruct.h restored the default. */
  assert_int_equal(sizeof(struct after_pragma), 8);
#if LWIP_UDP
  assert_int_equal(sntp_mini_msg_size(), 48);
#endif
}

/* ---------------------------------------------------------------------- */
/* Option names, def.h, inet.h, sys.h, iana.h                              */
/* ---------------------------------------------------------------------- */

static void option_names_match_build(void **state)
{
  (void)state;
  assert_int_equal(memp_stats(MEMP_SYS_TIMEOUT)->avail, MEMP_NUM_SYS_TIMEOUT);
  assert_int_equal(memp_stats(MEMP_TCP_PCB)->avail, MEMP_NUM_TCP_PCB);
  assert_int_equal(memp_stats(MEMP_UDP_PCB)->avail, MEMP_NUM_UDP_PCB);
  assert_int_equal(memp_stats(MEMP_PBUF_POOL)->avail, PBUF_POOL_SIZE);
#if LWIP_IGMP
  assert_int_equal(memp_stats(MEMP_IGMP_GROUP)->avail, MEMP_NUM_IGMP_GROUP);
#endif
  assert_int_equal(LWIP_WND_SCALE, TCP_WND > 0xffff);
  struct tcp_pcb *pcb = tcp_new();
  assert_non_null(pcb);
  assert_int_equal(pcb->ttl, TCP_TTL);
  tcp_abort(pcb);
  /* LWIP_RAND is the port's seeded source. */
  test_rand_seed(99);
  u32_t r1 = LWIP_RAND();
  test_rand_seed(99);
  assert_int_equal(LWIP_RAND(), r1);
}

static void def_helpers(void **state)
{
  (void)state;
  const char *hay = "GET /index.html HTTP/1.1\r\n";
  assert_ptr_equal(lwip_strnstr(hay, "HTTP", strlen(hay)), hay + 16);
  assert_null(lwip_strnstr(hay, "HTTP", 18)); /* the match would end past n */
  assert_ptr_equal(lwip_strnstr(hay, "", 3), hay);
  assert_int_equal(lwip_stricmp("Content-Length", "content-length"), 0);
  assert_int_not_equal(lwip_stricmp("Content-Length", "content-type"), 0);
  assert_int_not_equal(lwip_stricmp("abc", "abcd"), 0);
  assert_int_equal(lwip_strnicmp("HOST: x", "host: y", 5), 0);
  assert_int_not_equal(lwip_strnicmp("HOST: x", "host: y", 7), 0);
  char buf[12];
  lwip_itoa(buf, sizeof(buf), -2147483647 - 1);
  assert_string_equal(buf, "-2147483648");
  lwip_itoa(buf, sizeof(buf), 0);
  assert_string_equal(buf, "0");
  memset(buf, 'x', sizeof(buf));
  lwip_itoa(buf, 3, 1234); /* too small: untouched */
  assert_int_equal(buf[0], 'x');
  assert_int_equal(LWIP_MAKEU32(10, 0, 0, 1), 0x0a000001UL);
  assert_int_equal(lwip_htons(0x1234), PP_HTONS(0x1234));
}

static void inet_names(void **state)
{
  (void)state;
  struct in_addr ia = {0};
  assert_int_equal(inet_aton("192.0.2.33", &ia), 1);
  assert_int_equal(ia.s_addr, PP_HTONL(0xc0000221UL));
  assert_int_equal(inet_aton("192.0.2", &ia), 0);
  assert_int_equal(inet_addr("10.1.2.3"), PP_HTONL(0x0a010203UL));
  assert_int_equal(inet_addr("nonsense"), INADDR_NONE);
  assert_string_equal(inet_ntoa(ia), "192.0.2.33");
  char buf[INET_ADDRSTRLEN];
  assert_non_null(inet_ntoa_r(ia, buf, (int)sizeof(buf)));
  assert_string_equal(buf, "192.0.2.33");
  ip4_addr_t a;
  inet_addr_to_ip4addr(&a, &ia);
  assert_int_equal(a.addr, ia.s_addr);
  struct in_addr back;
  inet_addr_from_ip4addr(&back, &a);
  assert_int_equal(back.s_addr, ia.s_addr);
  assert_int_equal(INADDR_LOOPBACK, 0x7f000001UL);
}

static int timer_fired;
static void on_timer(void *arg)
{
  *(int *)arg += 1;
}

static void sys_and_timeouts(void **state)
{
  (void)state;
  /* NO_SYS stand-ins: creating works, nothing is ever valid. */
  sys_mutex_t mu;
  sys_sem_t sem;
  assert_int_equal(sys_mutex_new(&mu), ERR_OK);
  sys_mutex_lock(&mu);
  sys_mutex_unlock(&mu);
  assert_false(sys_mutex_valid(&mu));
  assert_int_equal(sys_sem_new(&sem, 0), ERR_OK);
  assert_int_equal(sys_arch_sem_wait(&sem, 10), 0);
  assert_false(sys_sem_valid(&sem));
  /* sys_now() is the port's clock; sys_timeout runs on it. */
  u32_t t0 = sys_now();
  timer_fired = 0;
  sys_timeout(250, on_timer, &timer_fired);
  test_clock_advance(249);
  assert_int_equal(timer_fired, 0);
  test_clock_advance(1);
  assert_int_equal(timer_fired, 1);
  assert_int_equal(sys_now() - t0, 250);
  assert_int_equal(LWIP_IANA_PORT_SNTP, 123);
  assert_int_equal(LWIP_IANA_PORT_HTTP, 80);
  assert_int_equal(LWIP_IANA_PORT_MDNS, 5353);
  assert_int_equal(LWIP_IANA_PORT_MQTT, 1883);
  assert_int_equal(LWIP_IANA_HWTYPE_ETHERNET, 1);
}

/* ---------------------------------------------------------------------- */
/* tcpecho_raw                                                             */
/* ---------------------------------------------------------------------- */

#if LWIP_TCP

/* The peer connects to the echo port; the server accepts. */
static void peer_connect(struct tt_conn *c)
{
  tt_conn_init(c, TT_OPT_NONE, TT_PEER_ISN);
  c->our_port = ECHO_PORT;
  tt_send(c, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  c->our_iss = s.seq;
  c->our_nxt = s.seq + 1U;
  tt_send(c, TCP_ACK, NULL, 0);
}

/* Collect what the stack sent on @p c into @p out (at most @p cap bytes),
 * acknowledging it; the clock moves only when nothing is pending.
 * @return bytes collected, until @p want came or 50 clock steps passed. */
static u32_t collect(struct tt_conn *c, u8_t *out, u32_t cap, u32_t want, int *fins, int *rsts)
{
  u32_t got = 0;
  for (int step = 0; step < 50 && got < want; step++) {
    struct tt_seg s;
    bool progress = false;
    while (tt_pop(&s)) {
      if (s.dport != c->peer_port) {
        continue;
      }
      if (s.flags & TCP_RST) {
        (*rsts)++;
        return got; /* the connection is gone: nothing to acknowledge */
      }
      if (s.len > 0 && s.seq == c->our_nxt) {
        assert_true(got + s.len <= cap);
        memcpy(out + got, s.data, s.len);
        got += s.len;
        c->our_nxt += s.len;
        progress = true;
      }
      if ((s.flags & TCP_FIN) && s.seq + s.len == c->our_nxt) {
        c->our_nxt++;
        (*fins)++;
        progress = true;
      }
    }
    if (progress) {
      tt_send(c, TCP_ACK, NULL, 0);
    } else {
      test_clock_advance(100);
    }
  }
  return got;
}

static u8_t sent_buf[8192], got_buf[8192];

static void tcpecho_echoes_and_closes(void **state)
{
  (void)state;
  assert_int_equal(tcpecho_raw_init(ECHO_PORT), ERR_OK);
  assert_int_equal(tcpecho_raw_init(ECHO_PORT), ERR_USE);
  struct tt_conn c1, c2;
  peer_connect(&c1);
  peer_connect(&c2);
  assert_int_equal(tcpecho_raw_open_count(), 2);

  for (u32_t i = 0; i < sizeof(sent_buf); i++) {
    sent_buf[i] = (u8_t)(i * 7U + 3U);
  }
  /* 4000 bytes in segments of 500 on c1, a short line on c2. */
  u32_t total = 4000;
  int fins = 0, rsts = 0;
  u32_t got = 0;
  for (u32_t off = 0; off < total; off += 500) {
    tt_send(&c1, TCP_ACK | TCP_PSH, sent_buf + off, 500);
    got += collect(&c1, got_buf + got, sizeof(got_buf) - got, off + 500 - got, &fins, &rsts);
  }
  assert_int_equal(got, total);
  assert_memory_equal(got_buf, sent_buf, total);
  tt_send(&c2, TCP_ACK | TCP_PSH, "hello\n", 6);
  u32_t got2 = collect(&c2, got_buf, sizeof(got_buf), 6, &fins, &rsts);
  assert_int_equal(got2, 6);
  assert_memory_equal(got_buf, "hello\n", 6);
  assert_int_equal(fins + rsts, 0);

  /* The peer closes c1: the server closes too. */
  tt_send(&c1, TCP_FIN | TCP_ACK, NULL, 0);
  collect(&c1, got_buf, sizeof(got_buf), 1, &fins, &rsts);
  assert_int_equal(fins, 1);
  assert_int_equal(rsts, 0);
  assert_int_equal(tcpecho_raw_open_count(), 1);

  /* Stopping aborts c2 with a RST and frees its state. */
  tcpecho_raw_stop();
  assert_int_equal(tcpecho_raw_open_count(), 0);
  collect(&c2, got_buf, sizeof(got_buf), 1, &fins, &rsts);
  assert_int_equal(rsts, 1);
}

static void tcpecho_out_of_heap_at_accept(void **state)
{
  (void)state;
  assert_int_equal(tcpecho_raw_init(ECHO_PORT), ERR_OK);
  /* The stack's own allocations while taking the handshake's last ACK
   * come first, then tcpecho's mem_malloc; fail each in turn until one
   * connection gets through.  Every failed
   * attempt must leave nothing behind but the listener. */
  u32_t base = lwip_mem_in_use();
  bool accepted = false;
  for (u32_t n = 1; n < 20 && !accepted; n++) {
    struct tt_conn c;
    tt_conn_init(&c, TT_OPT_NONE, TT_PEER_ISN);
    c.our_port = ECHO_PORT;
    tt_send(&c, TCP_SYN, NULL, 0);
    struct tt_seg s;
    if (!tt_pop(&s) || s.flags != (TCP_SYN | TCP_ACK)) {
      continue;
    }
    c.our_iss = s.seq;
    c.our_nxt = s.seq + 1U;
    tt_fail_next_inject(n);
    tt_send(&c, TCP_ACK, NULL, 0);
    accepted = tcpecho_raw_open_count() == 1;
    if (!accepted) {
      while (tt_pop(&s)) {
      }
      test_clock_advance(200000); /* let any half-open state time out */
      /* and forget what it sent meanwhile (SYN-ACKs again, a RST): the
       * next attempt reads its own SYN-ACK first */
      while (tt_pop(&s)) {
      }
      assert_int_equal(lwip_mem_in_use(), base);
    }
  }
  assert_true(accepted);
}

#endif /* LWIP_TCP */

/* ---------------------------------------------------------------------- */
/* udpecho_raw and sntp_mini                                               */
/* ---------------------------------------------------------------------- */

#if LWIP_UDP

static void udp_from_peer(u16_t sport, u16_t dport, const void *data, size_t len)
{
  static u8_t udp[2048], frame[2048];
  size_t ul = test_udp(udp, TT_PEER_IP, TT_OUR_IP, sport, dport, data, len);
  size_t fl = test_eth_ip4(frame, TT_PEER_IP, TT_OUR_IP, 17, udp, ul);
  test_rx(&tt_tn, frame, fl);
}

/* Pop the next IPv4/UDP frame the stack sent: its ports and payload. */
static int pop_udp(u16_t *sport, u16_t *dport, u8_t *payload, size_t cap)
{
  static u8_t frame[2048];
  int n = test_pop_ip_bytes(&tt_tn, frame, sizeof(frame));
  if (n < 14 + 20 + 8) {
    return -1;
  }
  const u8_t *ip = frame + 14;
  assert_int_equal(ip[9], 17);
  size_t ihl = (size_t)(ip[0] & 0x0fU) * 4U;
  const u8_t *udp = ip + ihl;
  *sport = get_be16(udp);
  *dport = get_be16(udp + 2);
  size_t plen = (size_t)get_be16(udp + 4) - 8U;
  assert_true(plen <= cap);
  memcpy(payload, udp + 8, plen);
  return (int)plen;
}

static void udpecho_returns_datagram(void **state)
{
  (void)state;
  assert_int_equal(udpecho_raw_init(UDP_ECHO_PORT), ERR_OK);
  udp_from_peer(41000, UDP_ECHO_PORT, "ping 1", 6);
  u8_t buf[64];
  u16_t sp, dp;
  assert_int_equal(pop_udp(&sp, &dp, buf, sizeof(buf)), 6);
  assert_int_equal(sp, UDP_ECHO_PORT);
  assert_int_equal(dp, 41000);
  assert_memory_equal(buf, "ping 1", 6);
  assert_int_equal(udpecho_raw_echoed(), 1);
  /* A second start is refused through LWIP_ERROR. */
  assert_int_equal(udpecho_raw_init(UDP_ECHO_PORT), ERR_USE);
}

/* The request the client sent: its source port and transmit timestamp. */
static void pop_request(u16_t *client_port, u8_t tx[8])
{
  u8_t msg[128];
  u16_t dp;
  assert_int_equal(pop_udp(client_port, &dp, msg, sizeof(msg)), 48);
  assert_int_equal(dp, 123);
  assert_int_equal(msg[0], 0x23); /* LI 0, version 4, mode 3 (client) */
  memcpy(tx, msg + 40, 8);
}

/* A server reply to @p client_port echoing @p origin. */
static void reply(u16_t client_port, const u8_t origin[8], u8_t li_vn_mode, u8_t stratum, u32_t unix_secs)
{
  u8_t m[48];
  memset(m, 0, sizeof(m));
  m[0] = li_vn_mode;
  m[1] = stratum;
  put_be32(m + 12, 0x52415445UL); /* reference id "RATE" (a kiss code when stratum is 0) */
  memcpy(m + 24, origin, 8);
  put_be32(m + 32, unix_secs + SNTP_MINI_UNIX_OFFSET);
  put_be32(m + 40, unix_secs + SNTP_MINI_UNIX_OFFSET);
  udp_from_peer(123, client_port, m, sizeof(m));
}

static struct sntp_mini_status sntp_status(void)
{
  struct sntp_mini_status st;
  sntp_mini_get_status(&st);
  return st;
}

static void sntp_mini_request_reply_retry(void **state)
{
  (void)state;
  assert_int_equal(sntp_mini_setserver(0, "bad"), ERR_ARG);
  assert_int_equal(sntp_mini_setserver(0, NTP_SERVER), ERR_OK);
  assert_int_equal(sntp_mini_init(1000, 60000), ERR_OK);
  u16_t cport;
  u8_t tx[8];
  pop_request(&cport, tx);
  assert_int_equal(sntp_status().requests, 1);

  /* A reply with another origin, a kiss-o'-death and an unsynchronised
   * server are refused; the good one is taken. */
  u8_t wrong[8];
  memcpy(wrong, tx, 8);
  wrong[7] ^= 1U;
  reply(cport, wrong, 0x24, 2, 1700000000UL);
  reply(cport, tx, 0x24, 0, 1700000000UL);
  reply(cport, tx, 0xe4, 2, 1700000000UL);
  assert_int_equal(sntp_status().rejected, 3);
  assert_false(sntp_status().synced);
  reply(cport, tx, 0x24, 2, 1700000000UL);
  struct sntp_mini_status st = sntp_status();
  assert_true(st.synced);
  assert_int_equal(st.replies, 1);
  assert_int_equal(st.seconds, 1700000000UL);
  assert_int_equal(st.stratum, 2);
  /* The same reply again is late: nothing is outstanding. */
  reply(cport, tx, 0x24, 2, 1700000001UL);
  assert_int_equal(sntp_status().rejected, 4);
  assert_int_equal(sntp_status().seconds, 1700000000UL);

  /* Next poll after 60 s; unanswered, it is retried after 1 s. */
  test_clock_advance(59999);
  assert_int_equal(test_frames_ip_only(&tt_tn), 0);
  test_clock_advance(1);
  pop_request(&cport, tx);
  test_clock_advance(1000);
  u8_t tx2[8];
  pop_request(&cport, tx2);
  assert_memory_not_equal(tx, tx2, 8); /* a fresh transmit timestamp */
  assert_int_equal(sntp_status().requests, 3);
  reply(cport, tx2, 0x24, 3, 1700000061UL);
  assert_int_equal(sntp_status().replies, 2);
  assert_int_equal(sntp_status().seconds, 1700000061UL);
}

#endif /* LWIP_UDP */

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_setup, compat_teardown)
  const struct CMUnitTest tests[] = {
    T(debugf_maps_onto_log),
    T(format_macros),
    T(packing),
    T(option_names_match_build),
    T(def_helpers),
    T(inet_names),
    T(sys_and_timeouts),
#if LWIP_TCP
    T(tcpecho_echoes_and_closes),
    T(tcpecho_out_of_heap_at_accept),
#endif
#if LWIP_UDP
    T(udpecho_returns_datagram),
    T(sntp_mini_request_reply_retry),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
