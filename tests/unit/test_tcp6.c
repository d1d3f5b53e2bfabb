/* Unit tests for TCP over IPv6 (core/tcp.c, tcp_in.c, tcp_out.c with
 * core/ipv6/ip6.c and icmp6.c): an active open byte for byte with the IPv6
 * pseudo-header checksum (RFC 8200 8.1) both ways, the MSS from the IPv6
 * path (1440 on a 1500-byte link), a bad checksum dropped, a RST from a
 * closed port, a dual-stack listener taking both families, the binding
 * rules, link-local peers and their zones, and Packet Too Big lowering the
 * MSS of a connection in flight (RFC 8201 5.4).  Segments are built and
 * checked here with test_cksum, independently of the code under test. */
#include "test_ip6_util.h"

#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"

#if LWIP_TCP

static struct test_netif tn;
static struct netif *nif;

/* The MSS lwipd announces over IPv6 on the 1500-byte test link. */
#define MSS6 (TCP_MSS < 1440 ? TCP_MSS : 1440)
#define MSS4 (TCP_MSS < 1460 ? TCP_MSS : 1460)

static void fixture(void)
{
  nif = ip6_fixture(&tn);
  learn_peer(&tn, PEER_GUA, OUR_GUA);
  learn_peer(&tn, PEER_LL, OUR_LL);
}

/* ---- callbacks ---- */
static int connected_calls, err_calls, accepted;
static err_t last_err;
static struct tcp_pcb *accepted_pcb;
static u8_t rxbuf[4096];
static size_t rxlen;

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
  (void)arg;
  (void)pcb;
  assert_int_equal(err, ERR_OK);
  connected_calls++;
  return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
  (void)arg;
  err_calls++;
  last_err = err;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)arg;
  (void)err;
  if (p == NULL) {
    return ERR_OK;
  }
  assert_true(rxlen + p->tot_len <= sizeof(rxbuf));
  pbuf_copy_partial(p, rxbuf + rxlen, p->tot_len, 0);
  rxlen += p->tot_len;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
  (void)arg;
  assert_int_equal(err, ERR_OK);
  accepted++;
  accepted_pcb = pcb;
  tcp_recv(pcb, on_recv);
  tcp_err(pcb, on_err);
  return ERR_OK;
}

static int setup(void **state)
{
  connected_calls = err_calls = accepted = 0;
  last_err = ERR_OK;
  accepted_pcb = NULL;
  rxlen = 0;
  return test_setup(state);
}

/* ---- segments ---- */
struct seg6 {
  const char *src, *dst;
  u16_t sport, dport;
  u32_t seq, ack;
  u8_t flags;
  u16_t wnd;
  u16_t mss; /* 0: no MSS option (only meaningful with SYN) */
  const void *data;
  size_t dlen;
  int bad_chksum;
};

/* A TCP segment over IPv6 from the peer, checksum computed independently. */
static void rx_tcp6(const struct seg6 *g)
{
  u8_t m[1600], f[1700], s[16], d[16];
  size_t hl = g->mss ? 24U : 20U;
  memset(m, 0, hl);
  put_be16(m, g->sport);
  put_be16(m + 2, g->dport);
  put_be32(m + 4, g->seq);
  put_be32(m + 8, g->ack);
  m[12] = (u8_t)((hl / 4U) << 4);
  m[13] = g->flags;
  put_be16(m + 14, g->wnd);
  if (g->mss) {
    m[20] = 2;
    m[21] = 4;
    put_be16(m + 22, g->mss);
  }
  if (g->dlen > 0) {
    memcpy(m + hl, g->data, g->dlen);
  }
  a6(g->src, s);
  a6(g->dst, d);
  u16_t c = cksum6(s, d, 6, m, hl + g->dlen);
  put_be16(m + 16, (u16_t)(g->bad_chksum ? c ^ 0x0101U : c));
  size_t fl = mk6(f, test_mac, g->src, g->dst, 6, 64, m, hl + g->dlen);
  test_rx(&tn, f, fl);
}

/* A sent IPv6 TCP segment, parsed and its checksum checked. */
struct out6 {
  struct sent6 s;
  u8_t *t;
  u16_t sport, dport;
  u32_t seq, ack;
  u8_t flags;
  int hlen, dlen;
  int mss; /* the MSS option, -1 when absent */
};

static bool pop_tcp6(struct out6 *o)
{
  if (!pop6(&tn, &o->s)) {
    return false;
  }
  assert_int_equal(o->s.ip[6], 6);
  assert_int_equal(cksum6(o->s.ip + 8, o->s.ip + 24, 6, o->s.msg, (size_t)o->s.mlen), 0);
  o->t = o->s.msg;
  o->sport = get_be16(o->t);
  o->dport = get_be16(o->t + 2);
  o->seq = get_be32(o->t + 4);
  o->ack = get_be32(o->t + 8);
  o->flags = o->t[13];
  o->hlen = (o->t[12] >> 4) * 4;
  o->dlen = o->s.mlen - o->hlen;
  o->mss = -1;
  for (int i = 20; i < o->hlen;) {
    u8_t k = o->t[i];
    if (k == 0) {
      break;
    }
    if (k == 1) {
      i++;
      continue;
    }
    if (k == 2) {
      o->mss = get_be16(o->t + i + 2);
    }
    i += o->t[i + 1];
  }
  return true;
}

static struct tcp_pcb *listen6(u8_t type, const ip_addr_t *addr, u16_t port)
{
  struct tcp_pcb *pcb = tcp_new_ip_type(type);
  assert_non_null(pcb);
  assert_int_equal(tcp_bind(pcb, addr, port), ERR_OK);
  struct tcp_pcb *l = tcp_listen(pcb);
  assert_non_null(l);
  tcp_accept(l, on_accept);
  return l;
}

/* An active open to [PEER_GUA]:80 and a little data each way. */
static void test_tcp6_active_open_and_data(void **state)
{
  (void)state;
  fixture();
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V6);
  assert_non_null(pcb);
  tcp_recv(pcb, on_recv);
  tcp_err(pcb, on_err);
  ip_addr_t peer;
  assert_int_equal(ipaddr_aton(PEER_GUA, &peer), 1);
  assert_int_equal(tcp_connect(pcb, &peer, 80, on_connected), ERR_OK);
  struct out6 o;
  assert_true(pop_tcp6(&o));
  assert_addr6(o.s.ip + 8, OUR_GUA); /* RFC 6724 picks the global address */
  assert_addr6(o.s.ip + 24, PEER_GUA);
  assert_int_equal(o.flags, TCP_SYN);
  assert_int_equal(o.dport, 80);
  assert_int_equal(o.mss, MSS6);
  assert_int_equal(o.s.ip[1] & 0x30, 0); /* Not-ECT in the Traffic Class of a SYN */
  u16_t lport = o.sport;
  u32_t iss = o.seq;

  struct seg6 g = {PEER_GUA, OUR_GUA, 80, lport, 5000, iss + 1U, TCP_SYN | TCP_ACK, 65535, 1440, NULL, 0, 0};
  rx_tcp6(&g);
  assert_int_equal(connected_calls, 1);
  assert_int_equal(pcb->state, ESTABLISHED);
  assert_true(IP_IS_V6_VAL(pcb->local_ip));
  assert_true(pop_tcp6(&o));
  assert_int_equal(o.flags, TCP_ACK);
  assert_int_equal(o.ack, 5001);

  assert_int_equal(tcp_write(pcb, "hello6", 6, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(pcb), ERR_OK);
  assert_true(pop_tcp6(&o));
  assert_int_equal(o.dlen, 6);
  assert_memory_equal(o.t + o.hlen, "hello6", 6);
  assert_int_equal(o.seq, iss + 1U);

  struct seg6 d = {PEER_GUA, OUR_GUA, 80, lport, 5001, iss + 7U, TCP_ACK | TCP_PSH, 65535, 0, "world!", 6, 0};
  rx_tcp6(&d);
  assert_int_equal(rxlen, 6);
  assert_memory_equal(rxbuf, "world!", 6);
  assert_ptr_equal(tcp_lookup(&pcb->local_ip, lport, &peer, 80), pcb);
  tcp_abort(pcb);
  assert_true(pop_tcp6(&o));
  assert_true(o.flags & TCP_RST);
  assert_int_equal(err_calls, 1);
}

/* A segment with a bad checksum is counted and dropped; a good one to a
 * closed port gets a RST with the right checksum (RFC 9293 3.10.7.1). */
static void test_tcp6_checksum_and_rst(void **state)
{
  (void)state;
  fixture();
  u32_t before = DROPS(TCP_BAD_CHKSUM);
  struct seg6 g = {PEER_GUA, OUR_GUA, 40000, 9, 777, 0, TCP_SYN, 8192, 1440, NULL, 0, 1};
  rx_tcp6(&g);
  assert_int_equal(DROPS(TCP_BAD_CHKSUM), before + 1U);
  struct out6 o;
  assert_false(pop_tcp6(&o));

  g.bad_chksum = 0;
  rx_tcp6(&g);
  assert_true(pop_tcp6(&o));
  assert_addr6(o.s.ip + 8, OUR_GUA);
  assert_addr6(o.s.ip + 24, PEER_GUA);
  assert_int_equal(o.flags, TCP_RST | TCP_ACK);
  assert_int_equal(o.seq, 0);
  assert_int_equal(o.ack, 778);
  assert_int_equal(o.sport, 9);
  assert_int_equal(o.dport, 40000);

  /* A RST for an ACK takes its sequence number from the ACK. */
  struct seg6 a = {PEER_GUA, OUR_GUA, 40001, 9, 900, 4242, TCP_ACK, 8192, 0, NULL, 0, 0};
  rx_tcp6(&a);
  assert_true(pop_tcp6(&o));
  assert_int_equal(o.flags, TCP_RST);
  assert_int_equal(o.seq, 4242);
}

/* One listener of type ANY takes IPv6 and IPv4 SYNs; each SYN-ACK goes
 * back over its own family with its own MSS; the accepted PCBs carry the
 * family of their segments. */
static void test_tcp6_dual_stack_listener(void **state)
{
  (void)state;
  fixture();
  struct tcp_pcb *l = listen6(IPADDR_TYPE_ANY, IP_ANY_TYPE, 7);

  struct seg6 g = {PEER_GUA, OUR_GUA, 41000, 7, 100, 0, TCP_SYN, 8192, 1440, NULL, 0, 0};
  rx_tcp6(&g);
  struct out6 o;
  assert_true(pop_tcp6(&o));
  assert_int_equal(o.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(o.ack, 101);
  assert_int_equal(o.mss, MSS6);
  struct seg6 a = {PEER_GUA, OUR_GUA, 41000, 7, 101, o.seq + 1U, TCP_ACK, 8192, 0, NULL, 0, 0};
  rx_tcp6(&a);
  assert_int_equal(accepted, 1);
  assert_non_null(accepted_pcb);
  assert_true(IP_IS_V6_VAL(accepted_pcb->remote_ip));
  assert_int_equal(accepted_pcb->state, ESTABLISHED);
  struct tcp_pcb *p6 = accepted_pcb;

  /* The same port over IPv4. */
  test_add_peer_arp("192.168.1.20");
  u8_t t4[24], f[128];
  memset(t4, 0, sizeof(t4));
  put_be16(t4, 42000);
  put_be16(t4 + 2, 7);
  put_be32(t4 + 4, 300);
  t4[12] = 6 << 4;
  t4[13] = TCP_SYN;
  put_be16(t4 + 14, 8192);
  t4[20] = 2;
  t4[21] = 4;
  put_be16(t4 + 22, 1460);
  u8_t ph[12 + sizeof(t4)];
  u32_t sip = test_ip("192.168.1.20"), dip = test_ip("192.168.1.10");
  memcpy(ph, &sip, 4);
  memcpy(ph + 4, &dip, 4);
  ph[8] = 0;
  ph[9] = 6;
  put_be16(ph + 10, sizeof(t4));
  memcpy(ph + 12, t4, sizeof(t4));
  put_be16(t4 + 16, test_cksum(ph, sizeof(ph), 0));
  size_t fl = test_eth_ip4(f, "192.168.1.20", "192.168.1.10", 6, t4, sizeof(t4));
  test_rx(&tn, f, fl);
  u8_t out[1600];
  int n = test_pop_ip_bytes(&tn, out, sizeof(out));
  assert_true(n >= 14 + 20 + 24);
  assert_int_equal(get_be16(out + 12), 0x0800);
  u8_t *tcp = out + 14 + 20;
  assert_int_equal(tcp[13], TCP_SYN | TCP_ACK);
  assert_int_equal(get_be16(tcp + 22), MSS4); /* the MSS option comes first */

  tcp_abort(p6);
  tcp_close(l);
  test_frames_clear(&tn);
}

/* Binding: V4 and V6 wildcards share a port, ANY collides with both, a
 * specific IPv6 address collides with the V6 wildcard; an exact listener
 * wins over the wildcard. */
static void test_tcp6_binding_rules(void **state)
{
  (void)state;
  fixture();
  struct tcp_pcb *l4 = listen6(IPADDR_TYPE_V4, IP4_ADDR_ANY, 8080);
  ip_addr_t any6;
  ip_addr_set_zero(&any6);
  any6.type = IPADDR_TYPE_V6;
  struct tcp_pcb *l6 = listen6(IPADDR_TYPE_V6, &any6, 8080);
  struct tcp_pcb *p = tcp_new_ip_type(IPADDR_TYPE_ANY);
  assert_int_equal(tcp_bind(p, IP_ANY_TYPE, 8080), ERR_USE);
  ip_addr_t gua;
  assert_int_equal(ipaddr_aton(OUR_GUA, &gua), 1);
  assert_int_equal(tcp_bind(p, &gua, 8080), ERR_USE);
  assert_int_equal(tcp_bind(p, &gua, 8081), ERR_OK);
  struct tcp_pcb *exact = tcp_listen(p);
  assert_non_null(exact);
  /* A V4 PCB cannot connect to an IPv6 peer. */
  struct tcp_pcb *v4 = tcp_new_ip_type(IPADDR_TYPE_V4);
  assert_int_equal(tcp_connect(v4, &gua, 80, on_connected), ERR_VAL);
  tcp_abort(v4);

  assert_ptr_equal(tcp_listen_lookup(&gua, 8080), l6);
  ip_addr_t a4;
  IP_ADDR4(&a4, 192, 168, 1, 10);
  assert_ptr_equal(tcp_listen_lookup(&a4, 8080), l4);
  assert_ptr_equal(tcp_listen_lookup(&gua, 8081), exact);
  assert_null(tcp_listen_lookup(&a4, 8081));
  tcp_close(l4);
  tcp_close(l6);
  tcp_close(exact);
}

/* A link-local peer without a zone gets the zone of the link it is
 * reached by; the SYN leaves from our link-local address. */
static void test_tcp6_link_local(void **state)
{
  (void)state;
  fixture();
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V6);
  ip_addr_t peer;
  assert_int_equal(ipaddr_aton(PEER_LL, &peer), 1);
  assert_int_equal(tcp_connect(pcb, &peer, 22, on_connected), ERR_OK);
  assert_int_equal(ip_2_ip6(&pcb->remote_ip)->zone, netif_get_index(nif));
  struct out6 o;
  assert_true(pop_tcp6(&o));
  assert_addr6(o.s.ip + 8, OUR_LL);
  assert_addr6(o.s.ip + 24, PEER_LL);
  struct seg6 g = {PEER_LL, OUR_LL, 22, o.sport, 1, o.seq + 1U, TCP_SYN | TCP_ACK, 65535, 1440, NULL, 0, 0};
  rx_tcp6(&g);
  assert_int_equal(connected_calls, 1);
  tcp_abort(pcb);
  test_frames_clear(&tn);
}

/* Packet Too Big for the peer while data is in flight: the MSS drops to
 * 1280 - 60 and the lost segment goes again in pieces that fit.  A PTB
 * quoting a sequence number not in flight is counted and ignored. */
static void test_tcp6_pmtu_lowers_mss(void **state)
{
  (void)state;
  fixture();
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V6);
  ip_addr_t peer;
  assert_int_equal(ipaddr_aton(PEER_GUA, &peer), 1);
  assert_int_equal(tcp_connect(pcb, &peer, 80, on_connected), ERR_OK);
  struct out6 o;
  assert_true(pop_tcp6(&o));
  u32_t iss = o.seq;
  u16_t lport = o.sport;
  struct seg6 g = {PEER_GUA, OUR_GUA, 80, lport, 5000, iss + 1U, TCP_SYN | TCP_ACK, 65535, 1440, NULL, 0, 0};
  rx_tcp6(&g);
  assert_true(pop_tcp6(&o));
  assert_int_equal(pcb->mss, MSS6);
  if (MSS6 <= 1220) {
    tcp_abort(pcb);
    test_frames_clear(&tn);
    return; /* a small-MSS build never exceeds the minimum MTU */
  }
  static u8_t data[1440];
  for (size_t i = 0; i < sizeof(data); i++) {
    data[i] = (u8_t)i;
  }
  assert_int_equal(tcp_write(pcb, data, sizeof(data), TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(pcb), ERR_OK);
  assert_true(pop_tcp6(&o));
  assert_int_equal(o.dlen, 1440);
  u8_t quote[1232];
  memcpy(quote, o.s.ip, sizeof(quote)); /* as much as fits in 1280 bytes */

  /* A forged one first: the quoted sequence number is outside the flight. */
  u8_t forged[sizeof(quote)];
  memcpy(forged, quote, sizeof(forged));
  put_be32(forged + 40 + 4, iss + 100000U);
  u32_t bad = DROPS(TCP_ICMP_BAD_SEQ);
  rx_icmp6(&tn, test_mac, "2001:db8::1", OUR_GUA, 64, 2, 0, 1280, forged, sizeof(forged));
  assert_int_equal(DROPS(TCP_ICMP_BAD_SEQ), bad + 1U);
  assert_int_equal(pcb->mss, MSS6); /* the MSS waits for the path MTU... */

  rx_icmp6(&tn, test_mac, "2001:db8::1", OUR_GUA, 64, 2, 0, 1280, quote, sizeof(quote));
  assert_int_equal(pcb->mss, 1220);
  assert_true(pop_tcp6(&o));
  assert_int_equal(o.seq, iss + 1U);
  assert_int_equal(o.dlen, 1220);
  assert_memory_equal(o.t + o.hlen, data, 1220);
  assert_true(o.s.len <= 14 + 1280);
  /* The peer acknowledges the first piece: the rest follows within 1280. */
  struct seg6 a = {PEER_GUA, OUR_GUA, 80, lport, 5001, iss + 1221U, TCP_ACK, 65535, 0, NULL, 0, 0};
  rx_tcp6(&a);
  bool found = false;
  while (pop_tcp6(&o)) {
    if (o.dlen > 0) {
      assert_int_equal(o.seq, iss + 1221U);
      assert_int_equal(o.dlen, 220);
      found = true;
    }
  }
  if (!found) {
    /* Not sent on the ACK: the retransmission timer sends it. */
    test_clock_advance(3000);
    while (pop_tcp6(&o)) {
      if (o.dlen > 0) {
        assert_int_equal(o.seq, iss + 1221U);
        assert_int_equal(o.dlen, 220);
        found = true;
      }
    }
  }
  assert_true(found);
  /* New connections to the peer announce and use the path's MSS. */
  assert_int_equal(tcp_eff_mss(TCP_MSS, &pcb->local_ip, &peer), 1220);
  tcp_abort(pcb);
  test_frames_clear(&tn);
}

/* An active open to PEER_GUA port 80 with on_err set; @p o gets the SYN
 * and @p quote what an ICMPv6 error quotes of it (IPv6 header and 8 bytes
 * of TCP, enough for the ports and sequence number). */
static struct tcp_pcb *connect6_quoted(struct out6 *o, u8_t quote[48])
{
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V6);
  tcp_err(pcb, on_err);
  ip_addr_t peer;
  assert_int_equal(ipaddr_aton(PEER_GUA, &peer), 1);
  assert_int_equal(tcp_connect(pcb, &peer, 80, on_connected), ERR_OK);
  assert_true(pop_tcp6(o));
  memcpy(quote, o->s.ip, 48);
  return pcb;
}

/* A hard error (port unreachable, RFC 5461 4) ends a connection in
 * SYN_SENT with ERR_RST. */
static void test_tcp6_icmp_hard_error(void **state)
{
  (void)state;
  fixture();
  struct out6 o;
  u8_t quote[40 + 8];
  (void)connect6_quoted(&o, quote);
  /* Address unreachable (code 3) is soft: the SYN goes on. */
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 1, 3, 0, quote, sizeof(quote));
  assert_int_equal(err_calls, 0);
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 1, 4, 0, quote, sizeof(quote));
  assert_int_equal(err_calls, 1);
  assert_int_equal(last_err, ERR_RST);
  test_frames_clear(&tn);
}

/* A soft error (address unreachable) is kept for the application (RFC
 * 5461 4, RFC 1122 4.2.3.9): shown in tcp_get_info, forgotten once an ACK
 * moves SND.UNA, and reported as ERR_RTE, not ERR_ABRT, when the
 * connection then times out. */
static void test_tcp6_soft_error_kept(void **state)
{
  (void)state;
  fixture();
  struct out6 o;
  u8_t quote[40 + 8];
  struct tcp_pcb *pcb = connect6_quoted(&o, quote);
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 1, 3, 0, quote, sizeof(quote));
  struct tcp_conn_info ci;
  tcp_get_info(pcb, &ci);
  assert_true(ci.soft_err);
  assert_int_equal(ci.soft_icmp_type, 1);
  assert_int_equal(ci.soft_icmp_code, 3);
  /* The SYN-ACK acknowledges our SYN: the peer is reachable after all. */
  struct seg6 g = {PEER_GUA, OUR_GUA, 80, o.sport, 5000, o.seq + 1U, TCP_SYN | TCP_ACK, 65535, 1440, NULL, 0, 0};
  rx_tcp6(&g);
  assert_int_equal(connected_calls, 1);
  tcp_get_info(pcb, &ci);
  assert_false(ci.soft_err);
  test_frames_clear(&tn);
  /* Data goes unanswered and draws the error again; the timeout that
   * ends the connection reports it. */
  assert_int_equal(tcp_write(pcb, "soft", 4, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(pcb), ERR_OK);
  assert_true(pop_tcp6(&o));
  assert_int_equal(o.dlen, 4);
  memcpy(quote, o.s.ip, sizeof(quote));
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 1, 3, 0, quote, sizeof(quote));
  tcp_get_info(pcb, &ci);
  assert_true(ci.soft_err);
  /* An acceptable ACK that moves nothing (a window update) also shows the
   * peer reachable. */
  struct seg6 upd = {PEER_GUA, OUR_GUA, 80, o.sport, 5001, o.seq, TCP_ACK, 60000, 0, NULL, 0, 0};
  rx_tcp6(&upd);
  tcp_get_info(pcb, &ci);
  assert_false(ci.soft_err);
  test_frames_clear(&tn);
  rx_icmp6(&tn, test_mac, PEER_GUA, OUR_GUA, 64, 1, 3, 0, quote, sizeof(quote));
  assert_int_equal(err_calls, 0);
  for (int i = 0; i < 4000 && err_calls == 0; i++) {
    test_clock_advance(1000);
    test_frames_clear(&tn);
  }
  assert_int_equal(err_calls, 1);
  assert_int_equal(last_err, ERR_RTE);
  test_frames_clear(&tn);
}

/* The connection's address becomes invalid (RFC 4862 5.5.4): the
 * connection is aborted; one on the other address stays. */
static void test_tcp6_address_removed(void **state)
{
  (void)state;
  fixture();
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V6);
  tcp_err(pcb, on_err);
  ip_addr_t peer;
  assert_int_equal(ipaddr_aton(PEER_GUA, &peer), 1);
  assert_int_equal(tcp_connect(pcb, &peer, 80, on_connected), ERR_OK);
  struct tcp_pcb *ll = tcp_new_ip_type(IPADDR_TYPE_V6);
  ip_addr_t peer_ll;
  assert_int_equal(ipaddr_aton(PEER_LL, &peer_ll), 1);
  assert_int_equal(tcp_connect(ll, &peer_ll, 80, on_connected), ERR_OK);
  /* Deprecated: the connection goes on. */
  netif_ip6_addr_set_state(nif, 1, IP6_ADDR_DEPRECATED);
  assert_int_equal(err_calls, 0);
  netif_ip6_addr_set_state(nif, 1, IP6_ADDR_INVALID);
  assert_int_equal(err_calls, 1);
  assert_int_equal(last_err, ERR_ABRT);
  assert_int_equal(ll->state, SYN_SENT);
  tcp_abort(ll);
  test_frames_clear(&tn);
}

/* ECN (RFC 3168) over IPv6: the ECN-setup SYN, and new data leaves ECT(0)
 * in the Traffic Class (RFC 3168 5, RFC 8200 7). */
static void test_tcp6_ecn_traffic_class(void **state)
{
  (void)state;
  if (!(LWIP_TCP_ECN)) {
    skip(); /* the build leaves the feature out */
  }
  fixture();
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V6);
  assert_int_equal(tcp_set_ecn(pcb, TCP_ECN_MODE_ON), ERR_OK);
  ip_addr_t peer;
  assert_int_equal(ipaddr_aton(PEER_GUA, &peer), 1);
  assert_int_equal(tcp_connect(pcb, &peer, 80, on_connected), ERR_OK);
  struct out6 o;
  assert_true(pop_tcp6(&o));
  assert_int_equal(o.flags, TCP_SYN | TCP_ECE | TCP_CWR);
  assert_int_equal((o.s.ip[1] >> 4) & 3, 0); /* the SYN itself is Not-ECT (6.1.1) */
  struct seg6 g = {PEER_GUA, OUR_GUA, 80,   o.sport, 5000, o.seq + 1U, TCP_SYN | TCP_ACK | TCP_ECE,
                   65535,    1440,    NULL, 0,       0};
  rx_tcp6(&g);
  assert_int_equal(connected_calls, 1);
  assert_true(pop_tcp6(&o));
  assert_int_equal(tcp_write(pcb, "ect", 3, TCP_WRITE_FLAG_COPY), ERR_OK);
  assert_int_equal(tcp_output(pcb), ERR_OK);
  assert_true(pop_tcp6(&o));
  assert_int_equal(o.dlen, 3);
  assert_int_equal((o.s.ip[1] >> 4) & 3, 2); /* ECT(0) */
  tcp_abort(pcb);
  test_frames_clear(&tn);
}

/* With the SYN queue full, an IPv6 SYN gets a cookie (RFC 4987 3.6) keyed
 * on the IPv6 addresses: its ACK completes the connection, the same ACK
 * from another address is answered with a RST. */
static void test_tcp6_syn_cookie(void **state)
{
  (void)state;
  if (!(LWIP_TCP_SYNQ_COOKIES)) {
    skip(); /* the build leaves the feature out */
  }
  fixture();
  struct tcp_pcb *l = listen6(IPADDR_TYPE_V6, NULL, 7);
  struct out6 o;
  u32_t n = 0;
  u32_t cookies = DROPS(TCP_SYN_COOKIE);
  /* Fill the queue; stop at the first cookie (the limit depends on the
   * build's pools). */
  for (; n < 300U && DROPS(TCP_SYN_COOKIE) == cookies; n++) {
    struct seg6 g = {PEER_GUA, OUR_GUA, (u16_t)(20000U + n), 7, 1000U * n, 0, TCP_SYN, 8192, 1440, NULL, 0, 0};
    rx_tcp6(&g);
    assert_true(pop_tcp6(&o));
    assert_int_equal(o.flags, TCP_SYN | TCP_ACK);
  }
  assert_int_equal(DROPS(TCP_SYN_COOKIE), cookies + 1U);
  u16_t sport = (u16_t)(20000U + n - 1U);
  u32_t cookie = o.seq, isn = 1000U * (n - 1U);
  assert_int_equal(o.mss, MSS6);
  /* The same ACK from another IPv6 address (same ports): no connection. */
  struct seg6 forged = {"2001:db8::3", OUR_GUA, sport, 7, isn + 1U, cookie + 1U, TCP_ACK, 8192, 0, NULL, 0, 0};
  learn_peer(&tn, "2001:db8::3", OUR_GUA);
  rx_tcp6(&forged);
  assert_int_equal(accepted, 0);
  assert_true(pop_tcp6(&o));
  assert_int_equal(o.flags, TCP_RST);
  struct seg6 a = {PEER_GUA, OUR_GUA, sport, 7, isn + 1U, cookie + 1U, TCP_ACK, 8192, 0, NULL, 0, 0};
  rx_tcp6(&a);
  assert_int_equal(accepted, 1);
  assert_true(IP_IS_V6_VAL(accepted_pcb->remote_ip));
  assert_int_equal(accepted_pcb->remote_port, sport);
  tcp_abort(accepted_pcb);
  tcp_close(l);
  test_frames_clear(&tn);
}

/* The same error delivery over IPv4 (icmp.c): Time Exceeded is soft, port
 * unreachable ends a connection in SYN_SENT with ERR_RST. */
static void test_tcp4_icmp_errors(void **state)
{
  (void)state;
  fixture();
  test_add_peer_arp("192.168.1.20");
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
  tcp_err(pcb, on_err);
  ip_addr_t peer;
  IP_ADDR4(&peer, 192, 168, 1, 20);
  assert_int_equal(tcp_connect(pcb, &peer, 80, on_connected), ERR_OK);
  u8_t out[200];
  int n = test_pop_ip_bytes(&tn, out, sizeof(out));
  assert_true(n >= 14 + 20 + 20);
  for (int code = 0; code < 2; code++) {
    u8_t icmp[8 + 28], f[200];
    memset(icmp, 0, 8);
    icmp[0] = code == 0 ? 11 : 3; /* time exceeded, then port unreachable */
    icmp[1] = code == 0 ? 0 : 3;
    memcpy(icmp + 8, out + 14, 28); /* the SYN's IPv4 header and 8 bytes */
    put_be16(icmp + 2, test_cksum(icmp, sizeof(icmp), 0));
    size_t fl = test_eth_ip4(f, "192.168.1.20", "192.168.1.10", 1, icmp, sizeof(icmp));
    test_rx(&tn, f, fl);
    assert_int_equal(err_calls, code);
  }
  assert_int_equal(last_err, ERR_RST);
  test_frames_clear(&tn);
}

#endif /* LWIP_TCP */

int main(void)
{
#if LWIP_TCP
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_tcp6_active_open_and_data, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp6_checksum_and_rst, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp6_dual_stack_listener, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp6_binding_rules, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp6_link_local, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp6_pmtu_lowers_mss, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp6_icmp_hard_error, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp6_soft_error_kept, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp6_address_removed, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp6_ecn_traffic_class, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp6_syn_cookie, setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_tcp4_icmp_errors, setup, test_teardown),
  };
  return cmocka_run_group_tests_name("tcp6", tests, NULL, NULL);
#else
  return 0;
#endif
}
