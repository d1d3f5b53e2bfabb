/* Shared TCP fixture: see test_tcp_common.h. */
#include "test_tcp_common.h"

#include <stdio.h>
#include <arpa/inet.h>

#include "lwip/etharp.h"
#include "lwip/ip_addr.h"
#include "lwip/prot/wire.h"

#if LWIP_TCP

struct tt_rec tt_rec;
struct test_netif tt_tn;
struct netif *tt_nif;
struct tcp_pcb *tt_listener;

/* The peer ports the fixtures hand out, one per connection, so several
 * connections in one case never share a 4-tuple. */
static u16_t next_peer_port;
/* Allocation the stack must fail on the next injected segment (0: none). */
static u32_t fail_next;

/* ---------------------------------------------------------------------- */
/* setup / teardown                                                        */
/* ---------------------------------------------------------------------- */

int tt_setup(void **state)
{
  test_setup(state);
  memset(&tt_rec, 0, sizeof(tt_rec));
  tt_rec.recv_ret = ERR_OK;
  tt_rec.accept_ret = ERR_OK;
  tt_listener = NULL;
  fail_next = 0;
  tt_inject_tos = 0;
  next_peer_port = 40000;
  /* The MSL is a global the stack keeps across lwip_init(); a case that
   * shortened it must not affect the next one. */
  tcp_set_msl(30000U);
  tt_nif = test_netif_add(&tt_tn, TT_OUR_IP, TT_MASK, TT_GW, test_mac);
  test_add_peer_arp(TT_PEER_IP);
  test_frames_clear(&tt_tn);
  return 0;
}

int tt_teardown(void **state)
{
  tt_cleanup();
  test_remove_arp(test_ip(TT_PEER_IP));
  return test_teardown(state);
}

#define TT_MAX_COLLECT 1024
struct collect {
  struct tcp_pcb *pcbs[TT_MAX_COLLECT];
  struct tcp_pcb_listen *listeners[TT_MAX_COLLECT];
  int n, nl;
  const struct tcp_pcb *find;
  bool found;
};

static void collect_pcb(struct tcp_pcb *pcb, void *arg)
{
  struct collect *c = arg;
  if (pcb == c->find) {
    c->found = true;
  }
  if (c->n < TT_MAX_COLLECT) {
    c->pcbs[c->n++] = pcb;
  }
}

static void collect_listener(struct tcp_pcb_listen *l, void *arg)
{
  struct collect *c = arg;
  if (c->nl < TT_MAX_COLLECT) {
    c->listeners[c->nl++] = l;
  }
}

int tt_cleanup(void)
{
  struct collect c;
  memset(&c, 0, sizeof(c));
  tcp_foreach(collect_pcb, collect_listener, &c);
  /* Free quietly: the case is over, and its recorders must not see
   * callbacks from the cleanup. */
  for (int i = 0; i < c.n; i++) {
    tcp_pcb_free(c.pcbs[i]);
  }
  for (int i = 0; i < c.nl; i++) {
    tcp_close((struct tcp_pcb *)(void *)c.listeners[i]);
  }
  tt_listener = NULL;
  test_frames_clear(&tt_tn);
  return c.n + c.nl;
}

int tt_pcb_count(void)
{
  struct collect c;
  memset(&c, 0, sizeof(c));
  tcp_foreach(collect_pcb, NULL, &c);
  return c.n;
}

bool tt_pcb_alive(const struct tcp_pcb *pcb)
{
  struct collect c;
  memset(&c, 0, sizeof(c));
  c.find = pcb;
  tcp_foreach(collect_pcb, NULL, &c);
  return c.found;
}

/* ---------------------------------------------------------------------- */
/* Recorders                                                               */
/* ---------------------------------------------------------------------- */

err_t tt_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)arg;
  (void)err;
  if (p == NULL) {
    tt_rec.nfin++;
    return ERR_OK;
  }
  if (tt_rec.recv_ret != ERR_OK) {
    return tt_rec.recv_ret; /* refused: the stack keeps p */
  }
  tt_rec.nrecv++;
  u16_t n = p->tot_len;
  u32_t room = TT_REC_MAX - tt_rec.len;
  u16_t take = (u16_t)(n < room ? n : room);
  pbuf_copy_partial(p, tt_rec.data + tt_rec.len, take, 0);
  tt_rec.len += take;
  pbuf_free(p);
  tcp_recved(pcb, n);
  return ERR_OK;
}

err_t tt_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  (void)arg;
  (void)pcb;
  tt_rec.nsent++;
  tt_rec.sent_total += len;
  return ERR_OK;
}

void tt_err_cb(void *arg, err_t err)
{
  /* The stack promises the PCB is freed before this runs (tcp.h). */
  tt_rec.err_pcb = arg;
  if (arg != NULL && tt_pcb_alive(arg)) {
    tt_rec.nerr_while_pcb_live++;
  }
  tt_rec.nerr++;
  tt_rec.err = err;
}

void tt_attach(struct tcp_pcb *pcb)
{
  /* The PCB is its own callback argument, so the err recorder can check
   * that the stack no longer holds it. */
  tcp_arg(pcb, pcb);
  tcp_recv(pcb, tt_recv_cb);
  tcp_sent(pcb, tt_sent_cb);
  tcp_err(pcb, tt_err_cb);
}

err_t tt_accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  (void)arg;
  tt_rec.naccept++;
  tt_rec.accepted = newpcb;
  tt_rec.accept_err = err;
  if (newpcb == NULL) {
    return ERR_OK;
  }
  if (tt_rec.accept_ret == ERR_ABRT) {
    tcp_abort(newpcb);
    return ERR_ABRT;
  }
  tt_attach(newpcb);
  return tt_rec.accept_ret;
}

err_t tt_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
  (void)arg;
  (void)pcb;
  tt_rec.nconnected++;
  tt_rec.connected_err = err;
  return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Building segments                                                       */
/* ---------------------------------------------------------------------- */

static size_t put_opts(u8_t *o, const struct tt_opts *opt)
{
  size_t n = 0;
  if (opt == NULL) {
    return 0;
  }
  if (opt->has_mss) {
    o[n++] = TCP_OPT_MSS;
    o[n++] = TCP_OPTLEN_MSS;
    put_be16(o + n, opt->mss);
    n += 2;
  }
  if (opt->has_ws) {
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_WS;
    o[n++] = TCP_OPTLEN_WS;
    o[n++] = opt->ws;
  }
  if (opt->sack_perm) {
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_SACK_PERM;
    o[n++] = TCP_OPTLEN_SACK_PERM;
  }
  if (opt->has_ts) {
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_TS;
    o[n++] = TCP_OPTLEN_TS;
    put_be32(o + n, opt->tsval);
    put_be32(o + n + 4, opt->tsecr);
    n += 8;
  }
  if (opt->nsack > 0) {
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_SACK;
    o[n++] = (u8_t)(2U + 8U * opt->nsack);
    for (u8_t i = 0; i < opt->nsack; i++) {
      put_be32(o + n, opt->sack[i][0]);
      put_be32(o + n + 4, opt->sack[i][1]);
      n += 8;
    }
  }
  while (n % 4 != 0) {
    o[n++] = TCP_OPT_EOL;
  }
  assert_true(n <= 40);
  return n;
}

/* Checksum over the pseudo header (RFC 9293 3.1) and @p len bytes. */
static u16_t tcp_cksum(const u8_t *seg, size_t len, u32_t src_n, u32_t dst_n)
{
  u32_t s = ntohl(src_n), d = ntohl(dst_n);
  u32_t sum = (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + 6U + (u32_t)len;
  return test_cksum(seg, len, sum);
}

size_t tt_build(u8_t *buf, const char *src, const char *dst, u16_t sport, u16_t dport, u8_t flags, u32_t seq,
                u32_t ack, u16_t wnd, const struct tt_opts *opt, const void *data, u16_t len)
{
  size_t olen = put_opts(buf + TCP_HLEN, opt);
  size_t hlen = TCP_HLEN + olen;
  put_be16(buf + TCP_OFF_SRC, sport);
  put_be16(buf + TCP_OFF_DEST, dport);
  put_be32(buf + TCP_OFF_SEQ, seq);
  put_be32(buf + TCP_OFF_ACK, ack);
  buf[TCP_OFF_HDRLEN] = (u8_t)((hlen / 4U) << 4);
  buf[TCP_OFF_FLAGS] = flags;
  put_be16(buf + TCP_OFF_WND, wnd);
  put_be16(buf + TCP_OFF_CHKSUM, 0);
  put_be16(buf + TCP_OFF_URP, 0);
  if (len > 0) {
    memcpy(buf + hlen, data, len);
  }
  u16_t sum = tcp_cksum(buf, hlen + len, test_ip(src), test_ip(dst));
  put_be16(buf + TCP_OFF_CHKSUM, sum);
  return hlen + len;
}

void tt_fail_next_inject(u32_t n)
{
  fail_next = n;
}

u8_t tt_inject_tos;

void tt_inject_raw(u16_t sport, u16_t dport, u8_t flags, u32_t seq, u32_t ack, u16_t wnd,
                   const struct tt_opts *opt, const void *data, u16_t len)
{
  static u8_t seg[TCP_HLEN_MAX + 0x10000];
  static u8_t frame[14 + 20 + TCP_HLEN_MAX + 0x10000];
  size_t n = tt_build(seg, TT_PEER_IP, TT_OUR_IP, sport, dport, flags, seq, ack, wnd, opt, data, len);
  size_t fl = test_eth_ip4(frame, TT_PEER_IP, TT_OUR_IP, 6, seg, n);
  if (tt_inject_tos != 0) {
    /* Set the TOS octet and the header checksum again. */
    frame[14 + 1] = tt_inject_tos;
    frame[14 + 10] = frame[14 + 11] = 0;
    put_be16(frame + 14 + 10, test_cksum(frame + 14, 20, 0));
  }
  if (fail_next == 0) {
    test_rx(&tt_tn, frame, fl);
    return;
  }
  /* Arm the hook only after the frame's own pbuf exists, so the count
   * starts with the stack's first allocation for this segment. */
  struct pbuf *p = test_pbuf(frame, fl, 0);
  lwip_alloc_fail_after(fail_next);
  fail_next = 0;
  if (tt_tn.netif.input(p, &tt_tn.netif) != ERR_OK) {
    pbuf_free(p);
  }
  lwip_alloc_fail_after(0);
}

void tt_conn_opts(struct tt_conn *c, struct tt_opts *o)
{
  memset(o, 0, sizeof(*o));
  if (c->ts) {
    o->has_ts = true;
    o->tsval = c->peer_ts;
    o->tsecr = c->our_ts;
  }
}

void tt_syn_opts(struct tt_opts *o, unsigned opts, u32_t tsval)
{
  memset(o, 0, sizeof(*o));
  o->has_mss = true;
  o->mss = TT_PEER_MSS;
  if (opts & TT_OPT_WS) {
    o->has_ws = true;
    o->ws = TT_PEER_WS;
  }
  if (opts & TT_OPT_SACK) {
    o->sack_perm = true;
  }
  if (opts & TT_OPT_TS) {
    o->has_ts = true;
    o->tsval = tsval;
  }
}

void tt_inject(struct tt_conn *c, u8_t flags, u32_t seq, u32_t ack, const struct tt_opts *opt, const void *data,
               u16_t len)
{
  struct tt_opts o;
  if (opt == NULL) {
    tt_conn_opts(c, &o);
    opt = &o;
  }
  tt_inject_raw(c->peer_port, c->our_port, flags, seq, ack, c->peer_wnd, opt, data, len);
}

void tt_send(struct tt_conn *c, u8_t flags, const void *data, u16_t len)
{
  struct tt_opts o;
  if (flags & TCP_SYN) {
    tt_syn_opts(&o, c->opts, c->peer_ts);
    if ((flags & TCP_ACK) && (c->opts & TT_OPT_TS)) {
      o.tsecr = c->our_ts;
    }
  } else {
    tt_conn_opts(c, &o);
  }
  tt_inject_raw(c->peer_port, c->our_port, flags, c->peer_nxt, (flags & TCP_ACK) ? c->our_nxt : 0, c->peer_wnd,
                &o, data, len);
  c->peer_nxt += len + ((flags & TCP_SYN) ? 1U : 0U) + ((flags & TCP_FIN) ? 1U : 0U);
  c->peer_ts++;
}

/* ---------------------------------------------------------------------- */
/* Parsing what the stack sent                                             */
/* ---------------------------------------------------------------------- */

static void parse_opts(const u8_t *o, size_t len, struct tt_opts *out)
{
  memset(out, 0, sizeof(*out));
  size_t i = 0;
  while (i < len) {
    u8_t kind = o[i];
    if (kind == TCP_OPT_EOL) {
      break;
    }
    if (kind == TCP_OPT_NOP) {
      i++;
      continue;
    }
    assert_true(i + 1 < len);
    u8_t olen = o[i + 1];
    assert_true(olen >= 2 && i + olen <= len);
    const u8_t *v = o + i + 2;
    switch (kind) {
    case TCP_OPT_MSS:
      assert_int_equal(olen, TCP_OPTLEN_MSS);
      out->has_mss = true;
      out->mss = get_be16(v);
      break;
    case TCP_OPT_WS:
      assert_int_equal(olen, TCP_OPTLEN_WS);
      out->has_ws = true;
      out->ws = v[0];
      break;
    case TCP_OPT_SACK_PERM:
      assert_int_equal(olen, TCP_OPTLEN_SACK_PERM);
      out->sack_perm = true;
      break;
    case TCP_OPT_TS:
      assert_int_equal(olen, TCP_OPTLEN_TS);
      out->has_ts = true;
      out->tsval = get_be32(v);
      out->tsecr = get_be32(v + 4);
      break;
    case TCP_OPT_SACK:
      assert_true(olen >= 10 && (olen - 2) % 8 == 0 && (olen - 2) / 8 <= 4);
      out->nsack = (u8_t)((olen - 2) / 8);
      for (u8_t b = 0; b < out->nsack; b++) {
        out->sack[b][0] = get_be32(v + 8 * b);
        out->sack[b][1] = get_be32(v + 8 * b + 4);
      }
      break;
    default:
      fail_msg("unknown TCP option %u sent", kind);
    }
    i += olen;
  }
}

int tt_pending(void)
{
  return tt_tn.nframes;
}

bool tt_pop(struct tt_seg *out)
{
  static u8_t f[14 + 0x10000];
  int n = test_pop_ip_bytes(&tt_tn, f, sizeof(f));
  if (n < 0) {
    return false;
  }
  memset(out, 0, sizeof(*out));
  assert_true(n >= 14 + 20 + TCP_HLEN);
  const u8_t *ip = f + 14;
  assert_int_equal(get_be16(f + 12), 0x0800);
  assert_memory_equal(f, peer_mac, 6); /* the static ARP entry was used */
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4U;
  assert_int_equal(ip[0] >> 4, 4);
  assert_int_equal(ip[9], 6);
  assert_int_equal(test_cksum(ip, ihl, 0), 0);
  size_t tot = get_be16(ip + 2);
  assert_true(tot <= (size_t)n - 14 && tot >= ihl + TCP_HLEN);
  memcpy(&out->src, ip + 12, 4);
  memcpy(&out->dst, ip + 16, 4);
  out->ttl = ip[8];
  out->tos = ip[1];
  const u8_t *t = ip + ihl;
  size_t tlen = tot - ihl;
  assert_int_equal(tcp_cksum(t, tlen, out->src, out->dst), 0);
  out->sport = get_be16(t + TCP_OFF_SRC);
  out->dport = get_be16(t + TCP_OFF_DEST);
  out->seq = get_be32(t + TCP_OFF_SEQ);
  out->ack = get_be32(t + TCP_OFF_ACK);
  out->flags = t[TCP_OFF_FLAGS];
  out->wnd = get_be16(t + TCP_OFF_WND);
  out->hlen = (u8_t)((t[TCP_OFF_HDRLEN] >> 4) * 4U);
  assert_true(out->hlen >= TCP_HLEN && out->hlen <= tlen);
  parse_opts(t + TCP_HLEN, out->hlen - TCP_HLEN, &out->opt);
  out->len = (u16_t)(tlen - out->hlen);
  memcpy(out->data, t + out->hlen, out->len < TT_MAX_DATA ? out->len : TT_MAX_DATA);
  return true;
}

static const char *flag_str(u8_t f, char *buf)
{
  static const char names[] = "FSRPAUEC";
  int k = 0;
  for (int i = 0; i < 8; i++) {
    if (f & (1U << i)) {
      buf[k++] = names[i];
    }
  }
  if (k == 0) {
    buf[k++] = '-';
  }
  buf[k] = 0;
  return buf;
}

bool tt_expect_at(const char *file, int line, u8_t flags, u32_t seq, u32_t ack, struct tt_seg *out)
{
  struct tt_seg local;
  struct tt_seg *s = out != NULL ? out : &local;
  if (!tt_pop(s)) {
    char fb[10];
    print_error("expected a segment [%s] seq %u ack %u, nothing sent\n", flag_str(flags, fb), (unsigned)seq,
                (unsigned)ack);
    _fail(file, line);
  }
  if (s->flags != flags || s->seq != seq || s->ack != ack) {
    char fb[10], gb[10];
    print_error("expected [%s] seq %u ack %u, got [%s] seq %u ack %u len %u\n", flag_str(flags, fb), (unsigned)seq,
                (unsigned)ack, flag_str(s->flags, gb), (unsigned)s->seq, (unsigned)s->ack, (unsigned)s->len);
    _fail(file, line);
  }
  return true;
}

bool tt_expect_seg_at(const char *file, int line, struct tt_conn *c, u8_t flags, u16_t len, struct tt_seg *out)
{
  struct tt_seg local;
  struct tt_seg *s = out != NULL ? out : &local;
  tt_expect_at(file, line, flags, c->our_nxt, (flags & TCP_ACK) ? c->peer_nxt : 0, s);
  _assert_int_equal(s->len, len, file, line);
  _assert_int_equal(s->sport, c->our_port, file, line);
  _assert_int_equal(s->dport, c->peer_port, file, line);
  _assert_int_equal(s->src, test_ip(TT_OUR_IP), file, line);
  _assert_int_equal(s->dst, test_ip(TT_PEER_IP), file, line);
  if (c->ts && !(flags & TCP_RST)) {
    _assert_true(s->opt.has_ts, "timestamp option", file, line);
    c->our_ts = s->opt.tsval;
  }
  c->our_nxt += len + ((flags & TCP_SYN) ? 1U : 0U) + ((flags & TCP_FIN) ? 1U : 0U);
  return true;
}

void tt_expect_nothing_at(const char *file, int line)
{
  struct tt_seg s;
  if (tt_pop(&s)) {
    char gb[10];
    print_error("expected nothing sent, got [%s] seq %u ack %u len %u\n", flag_str(s.flags, gb), (unsigned)s.seq,
                (unsigned)s.ack, (unsigned)s.len);
    _fail(file, line);
  }
}

/* ---------------------------------------------------------------------- */
/* State fixtures                                                          */
/* ---------------------------------------------------------------------- */

struct tcp_pcb *setup_listen(u16_t port, u8_t backlog)
{
  struct tcp_pcb *pcb = tcp_new();
  assert_non_null(pcb);
  assert_int_equal(tcp_bind(pcb, IP_ADDR_ANY, port), ERR_OK);
  struct tcp_pcb *l = tcp_listen_with_backlog(pcb, backlog ? backlog : TCP_DEFAULT_LISTEN_BACKLOG);
  assert_non_null(l);
  assert_int_equal(l->state, LISTEN);
  tcp_accept(l, tt_accept_cb);
  tt_listener = l;
  return l;
}

void tt_conn_init(struct tt_conn *c, unsigned opts, u32_t peer_iss)
{
  memset(c, 0, sizeof(*c));
  c->opts = opts;
  c->peer_iss = c->peer_nxt = peer_iss;
  c->peer_wnd = 0xffff;
  c->peer_ts = 7000;
  c->peer_port = next_peer_port++;
  c->our_port = TT_LISTEN_PORT;
}

void setup_established_passive(struct tt_conn *c, unsigned opts)
{
  if (tt_listener == NULL) {
    setup_listen(TT_LISTEN_PORT, 0);
  }
  tt_conn_init(c, opts, TT_PEER_ISN);
  c->our_port = tt_listener->local_port;
  int accepts = tt_rec.naccept;
  tt_send(c, TCP_SYN, NULL, 0);
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
  assert_int_equal(s.ack, c->peer_iss + 1U);
  assert_int_equal(s.sport, c->our_port);
  assert_int_equal(s.dport, c->peer_port);
  assert_true(s.opt.has_mss);
  /* Our SYN-ACK offers exactly what the peer offered and the build has
   * (RFC 7323 1.3, RFC 2018 2). */
  assert_int_equal(s.opt.has_ws, (opts & TT_OPT_BUILT & TT_OPT_WS) != 0);
  assert_int_equal(s.opt.sack_perm, (opts & TT_OPT_BUILT & TT_OPT_SACK) != 0);
  assert_int_equal(s.opt.has_ts, (opts & TT_OPT_BUILT & TT_OPT_TS) != 0);
  c->ws = s.opt.has_ws;
  c->sack = s.opt.sack_perm;
  c->ts = s.opt.has_ts;
  if (c->ts) {
    assert_int_equal(s.opt.tsecr, c->peer_ts - 1U);
    c->our_ts = s.opt.tsval;
  }
  c->our_iss = s.seq;
  c->our_nxt = s.seq + 1U;
  tt_expect_nothing();
  assert_int_equal(tt_rec.naccept, accepts);
  tt_send(c, TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.naccept, accepts + 1);
  assert_int_equal(tt_rec.accept_err, ERR_OK);
  c->pcb = tt_rec.accepted;
  assert_non_null(c->pcb);
  assert_int_equal(c->pcb->state, ESTABLISHED);
  tt_expect_nothing();
}

/* The peer's segment moved the PCB to @p state, and the stack answered
 * with a pure ACK and nothing else. */
static void acked_in_state(struct tt_conn *c, enum tcp_state state)
{
  assert_int_equal(c->pcb->state, state);
  tt_expect_seg(c, TCP_ACK, 0, NULL);
  tt_expect_nothing();
}

void setup_established_active(struct tt_conn *c, unsigned opts)
{
  tt_conn_init(c, opts, TT_PEER_ISN);
  struct tcp_pcb *pcb = tcp_new();
  assert_non_null(pcb);
  tt_attach(pcb);
  int connected = tt_rec.nconnected;
  assert_int_equal(tcp_connect(pcb, tt_peer_addr(), TT_PEER_LISTEN_PORT, tt_connected_cb), ERR_OK);
  assert_int_equal(pcb->state, SYN_SENT);
  c->pcb = pcb;
  c->our_port = pcb->local_port;
  c->peer_port = TT_PEER_LISTEN_PORT;
  struct tt_seg s;
  assert_true(tt_pop(&s));
  assert_int_equal(s.flags, TCP_SYN);
  assert_int_equal(s.ack, 0);
  assert_int_equal(s.sport, c->our_port);
  assert_int_equal(s.dport, TT_PEER_LISTEN_PORT);
  /* An active open offers everything the build supports, and nothing else. */
  assert_true(s.opt.has_mss);
  assert_int_equal(s.opt.has_ws, LWIP_TCP_WSCALE);
  assert_int_equal(s.opt.sack_perm, LWIP_TCP_SACK);
  assert_int_equal(s.opt.has_ts, LWIP_TCP_TIMESTAMPS);
  c->our_iss = s.seq;
  c->our_nxt = s.seq + 1U;
  c->our_ts = s.opt.tsval;
  c->ws = (opts & TT_OPT_BUILT & TT_OPT_WS) != 0;
  c->sack = (opts & TT_OPT_BUILT & TT_OPT_SACK) != 0;
  tt_expect_nothing();
  tt_send(c, TCP_SYN | TCP_ACK, NULL, 0);
  c->ts = (opts & TT_OPT_BUILT & TT_OPT_TS) != 0;
  assert_int_equal(tt_rec.nconnected, connected + 1);
  assert_int_equal(tt_rec.connected_err, ERR_OK);
  acked_in_state(c, ESTABLISHED);
}

/* The application closes: the PCB moves to @p state and our FIN (and
 * nothing else) goes out. */
static void close_sends_fin(struct tt_conn *c, enum tcp_state state)
{
  assert_int_equal(tcp_close(c->pcb), ERR_OK);
  assert_int_equal(c->pcb->state, state);
  tt_expect_seg(c, TCP_FIN | TCP_ACK, 0, NULL);
  tt_expect_nothing();
}

void setup_fin_wait_1(struct tt_conn *c, unsigned opts)
{
  setup_established_active(c, opts);
  close_sends_fin(c, FIN_WAIT_1);
}

void setup_fin_wait_2(struct tt_conn *c, unsigned opts)
{
  setup_fin_wait_1(c, opts);
  tt_send(c, TCP_ACK, NULL, 0);
  assert_int_equal(c->pcb->state, FIN_WAIT_2);
  tt_expect_nothing();
}

void setup_close_wait(struct tt_conn *c, unsigned opts)
{
  setup_established_active(c, opts);
  int fins = tt_rec.nfin;
  tt_send(c, TCP_FIN | TCP_ACK, NULL, 0);
  assert_int_equal(tt_rec.nfin, fins + 1);
  acked_in_state(c, CLOSE_WAIT);
}

void setup_closing(struct tt_conn *c, unsigned opts)
{
  setup_fin_wait_1(c, opts);
  /* The peer's FIN crosses ours: it acknowledges everything but our FIN. */
  tt_inject(c, TCP_FIN | TCP_ACK, c->peer_nxt, c->our_nxt - 1U, NULL, NULL, 0);
  c->peer_nxt++;
  c->peer_ts++;
  acked_in_state(c, CLOSING);
}

void setup_last_ack(struct tt_conn *c, unsigned opts)
{
  setup_close_wait(c, opts);
  close_sends_fin(c, LAST_ACK);
}

void setup_time_wait(struct tt_conn *c, unsigned opts)
{
  setup_fin_wait_2(c, opts);
  tt_send(c, TCP_FIN | TCP_ACK, NULL, 0);
  acked_in_state(c, TIME_WAIT);
}

const ip_addr_t *tt_peer_addr(void)
{
  static ip_addr_t a;
  a = (ip_addr_t)IPADDR4_INIT_U32(test_ip(TT_PEER_IP));
  return &a;
}

void tt_expect_err_once_at(const char *file, int line, err_t err)
{
  _assert_int_equal(tt_rec.nerr, 1, file, line);
  _assert_int_equal(tt_rec.err, err, file, line);
  _assert_int_equal(tt_rec.nerr_while_pcb_live, 0, file, line);
}

#endif /* LWIP_TCP */
