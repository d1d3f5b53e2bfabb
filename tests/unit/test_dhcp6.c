/*
 * DHCPv6 client (RFC 8415) on the virtual clock: the messages it sends
 * are taken from the test netif's frames and checked byte by byte (UDP
 * checksum over the IPv6 pseudo header included); the server's messages
 * are built here, independently of the client's builder, and handed to
 * dhcp6_input() as the UDP layer would.
 */
#include "test_ip6_util.h"

#if LWIP_DHCP6

#include "lwip/dhcp6.h"
#include "lwip/prot/dhcp6.h"
#include "lwip/prot/nd6.h"

static struct test_netif tn;
static struct netif *nif;

#define SRV_LL "fe80::53"
#define LEASED "2001:db8::1:5"

/* ---- what the client sent ---- */

struct cmsg {
  u8_t b[1500];
  int len;
  u32_t at; /* virtual time it was popped */
};

/* The next DHCPv6 message the client sent (other frames, such as MLD
 * reports, are skipped): UDP from fe80::ff:fe00:1 port 546 to ff02::1:2
 * port 547, hop limit 1, correct length and checksum. */
static bool pop_msg(struct cmsg *m)
{
  struct sent6 s;
  while (pop6(&tn, &s)) {
    if (s.ip[6] != 17) {
      continue;
    }
    assert_int_equal(s.ip[7], 1);
    assert_addr6(s.ip + 8, OUR_LL);
    assert_addr6(s.ip + 24, "ff02::1:2");
    u8_t mm[6];
    mcast_mac("ff02::1:2", mm);
    assert_memory_equal(s.frame, mm, 6);
    assert_int_equal(get_be16(s.msg), 546);
    assert_int_equal(get_be16(s.msg + 2), 547);
    assert_int_equal(get_be16(s.msg + 4), s.mlen);
    assert_int_not_equal(get_be16(s.msg + 6), 0);
    assert_int_equal(cksum6(s.ip + 8, s.ip + 24, 17, s.msg, (size_t)s.mlen), 0);
    m->len = s.mlen - 8;
    memcpy(m->b, s.msg + 8, (size_t)m->len);
    m->at = sys_now();
    return true;
  }
  return false;
}

static u32_t xid_of(const struct cmsg *m)
{
  return (u32_t)m->b[1] << 16 | (u32_t)m->b[2] << 8 | m->b[3];
}

/* Offset of the body of top-level option @p code, -1 when absent; every
 * option must lie inside the message. */
static int find_opt(const u8_t *b, int len, int from, u16_t code, int *olen)
{
  /* Set on every path: a release build (-O3) cannot see that the callers
   * only read it after a match. */
  *olen = 0;
  int at = from;
  while (at < len) {
    assert_true(at + 4 <= len);
    u16_t c = get_be16(b + at), l = get_be16(b + at + 2);
    assert_true(at + 4 + l <= len);
    if (c == code) {
      *olen = l;
      return at + 4;
    }
    at += 4 + l;
  }
  return -1;
}

static int opt(const struct cmsg *m, u16_t code, int *olen)
{
  return find_opt(m->b, m->len, 4, code, olen);
}

/* The checks every client message passes: our DUID-LL, Elapsed Time. */
static void check_common(const struct cmsg *m, u8_t type)
{
  assert_int_equal(m->b[0], type);
  int l;
  int o = opt(m, DHCP6_OPTION_CLIENTID, &l);
  assert_true(o > 0);
  static const u8_t duid[] = {0, 3, 0, 1, 0x02, 0, 0, 0, 0, 0x01};
  assert_int_equal(l, sizeof(duid));
  assert_memory_equal(m->b + o, duid, sizeof(duid));
  o = opt(m, DHCP6_OPTION_ELAPSED_TIME, &l);
  assert_true(o > 0);
  assert_int_equal(l, 2);
}

static bool oro_has(const struct cmsg *m, u16_t code)
{
  int l;
  int o = opt(m, DHCP6_OPTION_ORO, &l);
  assert_true(o > 0);
  for (int i = 0; i < l; i += 2) {
    if (get_be16(m->b + o + i) == code) {
      return true;
    }
  }
  return false;
}

/* The IA_NA of @p m: IAID and the address it names ("" when none). */
static u32_t ia_of(const struct cmsg *m, char addr[64])
{
  int l;
  int o = opt(m, DHCP6_OPTION_IA_NA, &l);
  assert_true(o > 0);
  assert_true(l >= 12);
  addr[0] = '\0';
  int al;
  int a = find_opt(m->b, o + l, o + 12, DHCP6_OPTION_IAADDR, &al);
  if (a > 0) {
    assert_int_equal(al, 24);
    inet_ntop(AF_INET6, m->b + a, addr, 64);
  }
  return get_be32(m->b + o);
}

/* ---- what the server sends ---- */

struct smsg {
  u8_t b[1500];
  size_t n;
};

static void s_start(struct smsg *s, u8_t type, u32_t xid)
{
  s->b[0] = type;
  s->b[1] = (u8_t)(xid >> 16);
  s->b[2] = (u8_t)(xid >> 8);
  s->b[3] = (u8_t)xid;
  s->n = 4;
}

static void s_opt(struct smsg *s, u16_t code, const void *data, u16_t len)
{
  put_be16(s->b + s->n, code);
  put_be16(s->b + s->n + 2, len);
  if (len != 0) {
    memcpy(s->b + s->n + 4, data, len);
  }
  s->n += 4U + len;
}

static void s_clientid(struct smsg *s, const struct cmsg *m)
{
  int l;
  int o = opt(m, DHCP6_OPTION_CLIENTID, &l);
  s_opt(s, DHCP6_OPTION_CLIENTID, m->b + o, (u16_t)l);
}

static void s_serverid(struct smsg *s, u8_t id)
{
  u8_t d[10] = {0, 3, 0, 1, 0x02, 0, 0, 0, 0x53, id};
  s_opt(s, DHCP6_OPTION_SERVERID, d, sizeof(d));
}

/* IA_NA with one address (@p addr NULL: none) and an optional IA status
 * (@p status < 0: none). */
static void s_ia(struct smsg *s, u32_t iaid, u32_t t1, u32_t t2, const char *addr, u32_t pref, u32_t valid, int status)
{
  u8_t body[128];
  size_t n = 12;
  put_be32(body, iaid);
  put_be32(body + 4, t1);
  put_be32(body + 8, t2);
  if (addr != NULL) {
    put_be16(body + n, DHCP6_OPTION_IAADDR);
    put_be16(body + n + 2, 24);
    a6(addr, body + n + 4);
    put_be32(body + n + 20, pref);
    put_be32(body + n + 24, valid);
    n += 28;
  }
  if (status >= 0) {
    put_be16(body + n, DHCP6_OPTION_STATUS_CODE);
    put_be16(body + n + 2, 2);
    put_be16(body + n + 4, (u16_t)status);
    n += 6;
  }
  s_opt(s, DHCP6_OPTION_IA_NA, body, (u16_t)n);
}

static void s_dns(struct smsg *s, int count)
{
  static const char *const servers[] = {"2001:db8::53", "2001:db8::54", "2001:db8::55"};
  u8_t b[48];
  for (int i = 0; i < count; i++) {
    a6(servers[i], b + 16 * i);
  }
  s_opt(s, DHCP6_OPTION_DNS_SERVERS, b, (u16_t)(16 * count));
}

static void deliver_from(const struct smsg *s, size_t chunk)
{
  ip6_addr_t src = ip6(SRV_LL);
  dhcp6_input(nif, test_pbuf(s->b, s->n, chunk), &src, 547);
}

static void deliver(const struct smsg *s)
{
  deliver_from(s, 0);
}

/* The same through the wire: Ethernet, IPv6 from the server's link-local
 * address to ours, UDP 547 -> @p dport with a correct checksum, so the
 * client's UDP PCB is on the path. */
static void deliver_wire(const struct smsg *s, u16_t dport)
{
  u8_t u[1600], f[1700], src[16], dst[16];
  put_be16(u, 547);
  put_be16(u + 2, dport);
  put_be16(u + 4, (u16_t)(8 + s->n));
  put_be16(u + 6, 0);
  memcpy(u + 8, s->b, s->n);
  a6(SRV_LL, src);
  a6(OUR_LL, dst);
  put_be16(u + 6, cksum6(src, dst, 17, u, 8 + s->n));
  size_t fl = mk6(f, test_mac, SRV_LL, OUR_LL, 17, 64, u, 8 + s->n);
  test_rx(&tn, f, fl);
}

/* ---- callbacks ---- */

static u8_t last_state, dns_count_seen;
static int state_changes, dns_calls;
static ip6_addr_t dns_seen[DHCP6_MAX_DNS_SERVERS];

static void on_state(struct netif *n, u8_t old_state, u8_t new_state)
{
  assert_ptr_equal(n, nif);
  (void)old_state;
  last_state = new_state;
  state_changes++;
}

static void on_dns(struct netif *n, u8_t count, const ip6_addr_t *servers)
{
  assert_ptr_equal(n, nif);
  dns_calls++;
  dns_count_seen = count;
  memcpy(dns_seen, servers, sizeof(dns_seen[0]) * count);
}

/* The netif with its link-local address past DAD and no other. */
static void fixture(void)
{
  nif = test_netif_add(&tn, "192.168.1.10", "255.255.255.0", NULL, test_mac);
  assert_int_equal(netif_create_ip6_linklocal_address(nif, 1), ERR_OK);
  test_clock_advance(2100);
  assert_int_equal(netif_ip6_addr_state(nif, 0), IP6_ADDR_PREFERRED);
  test_clock_advance(20000);
  test_frames_clear(&tn);
  last_state = 0;
  state_changes = dns_calls = 0;
  dns_count_seen = 0;
  dhcp6_set_state_callback(on_state);
  dhcp6_set_dns_callback(on_dns);
}

/* Advance in 10 ms steps until the client sends; @return the message. */
static void wait_msg(struct cmsg *m, u32_t max_ms)
{
  for (u32_t t = 0; t <= max_ms; t += 10) {
    if (pop_msg(m)) {
      return;
    }
    test_clock_advance(10);
  }
  fail_msg("no DHCPv6 message within %u ms", max_ms);
}

static const char *state(void)
{
  struct dhcp6_info in;
  assert_int_equal(dhcp6_get_info(nif, &in), ERR_OK);
  return in.state;
}

static s8_t slot_of(const char *text)
{
  ip6_addr_t a = ip6(text);
  return netif_get_ip6_addr_match(nif, &a);
}

/* Stateful client bound to LEASED from server 1 with T1 @p t1, T2 @p t2,
 * preferred @p pref, valid @p valid; @p req gets the Request. */
static void bind_lease(u32_t t1, u32_t t2, u32_t pref, u32_t valid, struct cmsg *req)
{
  struct cmsg sol;
  struct smsg s;
  assert_int_equal(dhcp6_enable_stateful(nif), ERR_OK);
  wait_msg(&sol, 1000);
  char a[64];
  u32_t iaid = ia_of(&sol, a);
  s_start(&s, DHCP6_ADVERTISE, xid_of(&sol));
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  u8_t pref255 = 255;
  s_opt(&s, DHCP6_OPTION_PREFERENCE, &pref255, 1);
  s_ia(&s, iaid, 0, 0, LEASED, pref, valid, -1);
  deliver(&s);
  assert_true(pop_msg(req)); /* preference 255: Request at once */
  check_common(req, DHCP6_REQUEST);
  s_start(&s, DHCP6_REPLY, xid_of(req));
  s_clientid(&s, req);
  s_serverid(&s, 1);
  s_ia(&s, iaid, t1, t2, LEASED, pref, valid, -1);
  s_dns(&s, 1);
  deliver(&s);
  assert_string_equal(state(), "bound");
}

/* ---- the tests ---- */

static void test_dhcp6_duid_stable(void **st)
{
  (void)st;
  fixture();
  u8_t d1[32], d2[32];
  u8_t n1 = dhcp6_get_duid(nif, d1, sizeof(d1));
  assert_int_equal(n1, 10);
  static const u8_t want[] = {0, 3, 0, 1, 0x02, 0, 0, 0, 0, 0x01};
  assert_memory_equal(d1, want, sizeof(want));
  /* Another seed and another time: the same DUID (it uses neither). */
  test_rand_seed(12345);
  test_clock_advance(777777);
  assert_int_equal(dhcp6_get_duid(nif, d2, sizeof(d2)), n1);
  assert_memory_equal(d1, d2, n1);
  assert_int_equal(dhcp6_get_duid(nif, d2, 9), 0); /* too small a buffer */
}

static void test_dhcp6_stateless(void **st)
{
  (void)st;
  fixture();
  assert_int_equal(dhcp6_enable_stateless(nif), ERR_OK);
  assert_string_equal(state(), "info-request");
  struct cmsg m;
  wait_msg(&m, 1000); /* INF_MAX_DELAY (RFC 8415 18.2.6) */
  check_common(&m, DHCP6_INFORMATION_REQUEST);
  int l;
  assert_int_equal(get_be16(m.b + opt(&m, DHCP6_OPTION_ELAPSED_TIME, &l)), 0);
  assert_true(oro_has(&m, DHCP6_OPTION_DNS_SERVERS));
  assert_true(oro_has(&m, DHCP6_OPTION_DOMAIN_LIST));
  assert_true(oro_has(&m, DHCP6_OPTION_INFORMATION_REFRESH_TIME));
  assert_true(oro_has(&m, DHCP6_OPTION_INF_MAX_RT));
  assert_int_equal(opt(&m, DHCP6_OPTION_IA_NA, &l), -1);
  assert_int_equal(opt(&m, DHCP6_OPTION_SERVERID, &l), -1);

  struct smsg s;
  s_start(&s, DHCP6_REPLY, xid_of(&m));
  s_clientid(&s, &m);
  s_serverid(&s, 1);
  s_dns(&s, 3); /* the third is beyond DHCP6_MAX_DNS_SERVERS */
  static const u8_t dl[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,   'c', 'o', 'm',
                            0, 3,   'l', 'a', 'b', 4,   't', 'e', 's', 't', 0};
  s_opt(&s, DHCP6_OPTION_DOMAIN_LIST, dl, sizeof(dl));
  u8_t irt[4];
  put_be32(irt, 700);
  s_opt(&s, DHCP6_OPTION_INFORMATION_REFRESH_TIME, irt, 4);
  deliver_from(&s, 7); /* a chained pbuf */
  struct dhcp6_info in;
  assert_int_equal(dhcp6_get_info(nif, &in), ERR_OK);
  assert_string_equal(in.state, "informed");
  assert_string_equal(in.mode, "stateless");
  assert_int_equal(in.dns_count, 2);
  ip6_addr_t d = ip6("2001:db8::54");
  assert_true(ip6_addr_eq_nozone(&in.dns[1], &d));
  assert_int_equal(in.domain_count, 2);
  assert_string_equal(in.domains[0], "example.com");
  assert_string_equal(in.domains[1], "lab.test");
  assert_int_equal(in.refresh_left_s, 700);
  assert_false(in.have_lease);
  assert_int_equal(dns_calls, 1);
  assert_int_equal(dns_count_seen, 2);
  assert_int_equal(in.server_duid_len, 10);
  assert_int_equal(in.server_duid[9], 1);

  /* RFC 8415 18.2.6: a new Information-Request at the refresh time, with
   * a new transaction id. */
  test_clock_advance(699000);
  assert_false(pop_msg(&m));
  u32_t old = xid_of(&m);
  test_clock_advance(1000);
  assert_true(pop_msg(&m));
  check_common(&m, DHCP6_INFORMATION_REQUEST);
  assert_int_not_equal(xid_of(&m), old);
  assert_string_equal(state(), "info-request");
  dhcp6_disable(nif);
  assert_int_equal(dhcp6_get_info(nif, &in), ERR_ARG);
}

static void test_dhcp6_refresh_floor(void **st)
{
  (void)st;
  fixture();
  assert_int_equal(dhcp6_enable_stateless(nif), ERR_OK);
  struct cmsg m;
  wait_msg(&m, 1000);
  struct smsg s;
  s_start(&s, DHCP6_REPLY, xid_of(&m));
  s_clientid(&s, &m);
  s_serverid(&s, 1);
  u8_t irt[4];
  put_be32(irt, 5); /* below IRT_MINIMUM (RFC 8415 21.23) */
  s_opt(&s, DHCP6_OPTION_INFORMATION_REFRESH_TIME, irt, 4);
  deliver(&s);
  struct dhcp6_info in;
  dhcp6_get_info(nif, &in);
  assert_int_equal(in.refresh_left_s, 600);
  assert_int_equal(in.dns_count, 0);
}

static void test_dhcp6_stateful(void **st)
{
  (void)st;
  fixture();
  assert_int_equal(dhcp6_enable_stateful(nif), ERR_OK);
  struct cmsg sol;
  wait_msg(&sol, 1000); /* SOL_MAX_DELAY */
  check_common(&sol, DHCP6_SOLICIT);
  char a[64];
  u32_t iaid = ia_of(&sol, a);
  assert_string_equal(a, "");
  assert_int_equal(iaid, 0x00000001UL); /* the MAC's last four bytes */
  assert_true(oro_has(&sol, DHCP6_OPTION_SOL_MAX_RT));
  assert_true(oro_has(&sol, DHCP6_OPTION_DNS_SERVERS));
  int l;
  assert_int_equal(opt(&sol, DHCP6_OPTION_SERVERID, &l), -1);

  /* Two Advertises within the first RT: the higher preference wins
   * (RFC 8415 18.2.9), whatever the order. */
  struct smsg s;
  s_start(&s, DHCP6_ADVERTISE, xid_of(&sol));
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, "2001:db8::1:1", 100, 200, -1);
  deliver(&s);
  s_start(&s, DHCP6_ADVERTISE, xid_of(&sol));
  s_clientid(&s, &sol);
  s_serverid(&s, 2);
  u8_t pref = 10;
  s_opt(&s, DHCP6_OPTION_PREFERENCE, &pref, 1);
  s_ia(&s, iaid, 0, 0, LEASED, 100, 200, -1);
  deliver_wire(&s, 547); /* not our port: no client sees it */
  deliver_wire(&s, 546);
  assert_string_equal(state(), "solicit");
  assert_false(pop_msg(&sol));

  struct cmsg req;
  wait_msg(&req, 1200); /* the first RT ends: Request */
  check_common(&req, DHCP6_REQUEST);
  assert_int_not_equal(xid_of(&req), xid_of(&sol));
  int o = opt(&req, DHCP6_OPTION_SERVERID, &l);
  assert_true(o > 0);
  assert_int_equal(l, 10);
  assert_int_equal(req.b[o + 9], 2);
  assert_int_equal(ia_of(&req, a), iaid);
  assert_string_equal(a, LEASED);
  assert_true(oro_has(&req, DHCP6_OPTION_SOL_MAX_RT));

  s_start(&s, DHCP6_REPLY, xid_of(&req));
  s_clientid(&s, &req);
  s_serverid(&s, 2);
  s_ia(&s, iaid, 50, 80, LEASED, 100, 200, -1);
  s_dns(&s, 1);
  deliver_wire(&s, 546);
  struct dhcp6_info in;
  dhcp6_get_info(nif, &in);
  assert_string_equal(in.state, "bound");
  assert_true(in.have_lease);
  assert_int_equal(in.t1_s, 50);
  assert_int_equal(in.t2_s, 80);
  assert_int_equal(in.valid_left_s, 200);
  assert_int_equal(in.dns_count, 1);
  assert_int_equal(dns_calls, 1);
  s8_t idx = slot_of(LEASED);
  assert_true(idx > 0);
  assert_int_equal(nif->ip6_addr_origin[idx], NETIF_IP6_ORIGIN_DHCP6);
  assert_int_equal(nif->ip6_addr_prefix_len[idx], 128);
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_TENTATIVE);
  test_clock_advance(3000);
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_PREFERRED);
  assert_int_equal(netif_ip6_addr_valid_left(nif, idx), 197);
  /* A late Reply to the old transaction is counted and changes nothing. */
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_XID), 0));
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_XID), 1));
  dhcp6_disable(nif);
  assert_int_equal(slot_of(LEASED), -1);
}

/* Renew at T1 to the lease's server, Rebind at T2 to any, and the
 * address gone when the valid lifetime ends (RFC 8415 18.2.4, 18.2.5). */
static void test_dhcp6_renew_rebind(void **st)
{
  (void)st;
  fixture();
  struct cmsg req, m;
  bind_lease(100, 160, 200, 300, &req);
  u32_t bound_at = sys_now();
  char a[64];
  test_clock_advance(99990);
  assert_false(pop_msg(&m));
  test_clock_advance(10);
  assert_true(pop_msg(&m));
  assert_int_equal(m.at - bound_at, 100000);
  check_common(&m, DHCP6_RENEW);
  int l;
  assert_true(opt(&m, DHCP6_OPTION_SERVERID, &l) > 0);
  ia_of(&m, a);
  assert_string_equal(a, LEASED);
  assert_string_equal(state(), "renew");
  /* REN_TIMEOUT 10 s +-10 %, then doubling (RFC 8415 15). */
  u32_t prev = m.at;
  wait_msg(&m, 12000);
  check_common(&m, DHCP6_RENEW);
  assert_in_range(m.at - prev, 9000, 11000);
  u32_t rt1 = m.at - prev;
  prev = m.at;
  wait_msg(&m, 25000);
  assert_in_range(m.at - prev, rt1 * 19 / 10 - 10, rt1 * 21 / 10 + 10);
  /* T2: Rebind without a Server Identifier, at T2 exactly (MRD cuts the
   * Renew's last RT). */
  for (;;) {
    wait_msg(&m, 60000);
    if (m.b[0] == DHCP6_REBIND) {
      break;
    }
    check_common(&m, DHCP6_RENEW);
  }
  check_common(&m, DHCP6_REBIND);
  assert_int_equal(m.at - bound_at, 160000);
  assert_int_equal(opt(&m, DHCP6_OPTION_SERVERID, &l), -1);
  assert_string_equal(state(), "rebind");

  /* A Reply to the Rebind from another server extends the lease. */
  struct smsg s;
  s_start(&s, DHCP6_REPLY, xid_of(&m));
  s_clientid(&s, &m);
  s_serverid(&s, 7);
  s_ia(&s, ia_of(&m, a), 100, 160, LEASED, 200, 300, -1);
  deliver(&s);
  assert_string_equal(state(), "bound");
  bound_at = sys_now();
  s8_t idx = slot_of(LEASED);
  assert_int_equal(netif_ip6_addr_valid_left(nif, idx), 300);

  /* Now nobody answers: Renew, Rebind, and at the end of the valid
   * lifetime the address goes and Solicit starts over. */
  u32_t last_rebind = 0;
  for (;;) {
    wait_msg(&m, 400000);
    if (m.b[0] == DHCP6_SOLICIT) {
      break;
    }
    if (m.b[0] == DHCP6_REBIND) {
      last_rebind = m.at;
      /* Rebind went to any server: its Renews named server 7 */
    } else {
      check_common(&m, DHCP6_RENEW);
      int o = opt(&m, DHCP6_OPTION_SERVERID, &l);
      assert_int_equal(m.b[o + 9], 7);
    }
  }
  assert_true(last_rebind != 0);
  assert_true(m.at - bound_at >= 300000);
  assert_true(m.at - bound_at <= 301010);
  assert_int_equal(slot_of(LEASED), -1);
  assert_string_equal(state(), "solicit");
}

/* T1 and T2 of 0: the client takes 0.5 and 0.8 of the preferred lifetime. */
static void test_dhcp6_default_times(void **st)
{
  (void)st;
  fixture();
  struct cmsg req;
  bind_lease(0, 0, 1000, 2000, &req);
  struct dhcp6_info in;
  dhcp6_get_info(nif, &in);
  assert_int_equal(in.t1_s, 500);
  assert_int_equal(in.t2_s, 800);
}

/* RFC 8415 15: the first Solicit after 0..SOL_MAX_DELAY, first RT in
 * (IRT, 1.1 IRT], each next in [1.9, 2.1] times the previous, capped at
 * MRT +- 10 %; several seeds. */
static void test_dhcp6_solicit_pacing(void **st)
{
  (void)st;
  for (u32_t seed = 1; seed <= 4; seed++) {
    test_rand_seed(seed * 7919U);
    fixture();
    u32_t start = sys_now();
    assert_int_equal(dhcp6_enable_stateful(nif), ERR_OK);
    struct cmsg m;
    wait_msg(&m, 1000);
    assert_true(m.at - start <= 1000);
    u32_t prev = m.at, rt = 0;
    int l;
    for (int i = 0; i < 16; i++) {
      wait_msg(&m, 4000000);
      check_common(&m, DHCP6_SOLICIT);
      u32_t got = m.at - prev;
      if (i == 0) {
        assert_in_range(got, 1001, 1110);
      } else {
        /* Doubled, or MRT +- 10 % once doubling would pass MRT. */
        bool doubled = got + 10 >= rt * 19 / 10 && got <= rt * 21 / 10 + 10 && got <= 3600000U + 10;
        bool capped = got + 10 >= 3240000U && got <= 3960000U + 10;
        assert_true(doubled || capped);
      }
      assert_true(opt(&m, DHCP6_OPTION_IA_NA, &l) > 0);
      rt = got;
      prev = m.at;
    }
    dhcp6_disable(nif);
    test_teardown(NULL);
    test_setup(NULL);
  }
}

/* Elapsed Time counts hundredths of a second from the first Solicit. */
static void test_dhcp6_elapsed_time(void **st)
{
  (void)st;
  fixture();
  assert_int_equal(dhcp6_enable_stateful(nif), ERR_OK);
  struct cmsg m;
  wait_msg(&m, 1000);
  u32_t first = m.at;
  int l;
  assert_int_equal(get_be16(m.b + opt(&m, DHCP6_OPTION_ELAPSED_TIME, &l)), 0);
  for (int i = 0; i < 3; i++) {
    wait_msg(&m, 20000);
    /* Both times are seen on a 10 ms grid: one hundredth either way. */
    u32_t cs = get_be16(m.b + opt(&m, DHCP6_OPTION_ELAPSED_TIME, &l));
    assert_in_range(cs, (m.at - first) / 10 - 1, (m.at - first) / 10 + 1);
  }
}

/* Request: REQ_MAX_RC transmissions, then Solicit again (RFC 8415 18.2.2). */
static void test_dhcp6_request_gives_up(void **st)
{
  (void)st;
  fixture();
  assert_int_equal(dhcp6_enable_stateful(nif), ERR_OK);
  struct cmsg m;
  wait_msg(&m, 1000);
  char a[64];
  u32_t iaid = ia_of(&m, a);
  struct smsg s;
  s_start(&s, DHCP6_ADVERTISE, xid_of(&m));
  s_clientid(&s, &m);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, LEASED, 100, 200, -1);
  deliver(&s);
  int requests = 0;
  u32_t prev = 0, rt = 0;
  for (;;) {
    wait_msg(&m, 40000);
    if (m.b[0] == DHCP6_SOLICIT) {
      break;
    }
    check_common(&m, DHCP6_REQUEST);
    if (requests >= 2) {
      u32_t got = m.at - prev;
      u32_t lo = rt * 19 / 10 - 10 < 27000 ? rt * 19 / 10 - 10 : 27000 - 10;
      assert_true(got >= lo && got <= 33000 + 10); /* REQ_MAX_RT 30 s +- 10 % */
      rt = got;
    } else if (requests == 1) {
      rt = m.at - prev;
      assert_in_range(rt, 900, 1100);
    }
    prev = m.at;
    requests++;
  }
  assert_int_equal(requests, DHCP6_REQ_MAX_RC);
  assert_string_equal(state(), "solicit");
}

static void test_dhcp6_release(void **st)
{
  (void)st;
  fixture();
  struct cmsg req, m;
  bind_lease(100, 160, 200, 300, &req);
  assert_true(slot_of(LEASED) > 0);
  assert_int_equal(dhcp6_release(nif), ERR_OK);
  /* RFC 8415 18.2.7: the address is not used from the start. */
  assert_int_equal(slot_of(LEASED), -1);
  assert_true(pop_msg(&m));
  check_common(&m, DHCP6_RELEASE);
  int l;
  int o = opt(&m, DHCP6_OPTION_SERVERID, &l);
  assert_true(o > 0);
  assert_int_equal(m.b[o + 9], 1);
  char a[64];
  ia_of(&m, a);
  assert_string_equal(a, LEASED);
  assert_int_equal(opt(&m, DHCP6_OPTION_ORO, &l), -1);
  /* Unanswered: REL_MAX_RC transmissions, then off. */
  int n = 1;
  for (int i = 0; i < 1000; i++) {
    test_clock_advance(100);
    if (pop_msg(&m)) {
      check_common(&m, DHCP6_RELEASE);
      n++;
    }
    if (strcmp(state(), "off") == 0) {
      break;
    }
  }
  assert_int_equal(n, DHCP6_REL_MAX_RC);
  assert_int_equal(dhcp6_release(nif), ERR_CONN);

  /* Answered: off at the Reply. */
  bind_lease(100, 160, 200, 300, &req);
  assert_int_equal(dhcp6_release(nif), ERR_OK);
  assert_true(pop_msg(&m));
  struct smsg s;
  s_start(&s, DHCP6_REPLY, xid_of(&m));
  s_clientid(&s, &m);
  s_serverid(&s, 1);
  deliver(&s);
  assert_string_equal(state(), "off");
  test_clock_advance(10000);
  assert_false(pop_msg(&m));
}

/* DAD fails for the leased address: Decline it (RFC 8415 18.2.8), then
 * Solicit again once the server answers. */
static void test_dhcp6_decline_on_dad_failure(void **st)
{
  (void)st;
  fixture();
  struct cmsg req, m;
  bind_lease(100, 160, 200, 300, &req);
  s8_t idx = slot_of(LEASED);
  assert_true(idx > 0);
  assert_int_equal(netif_ip6_addr_state(nif, idx), IP6_ADDR_TENTATIVE);
  test_clock_advance(1100); /* DAD's random delay is over: probing */
  /* Another node answers for the address. */
  u8_t body[24], mm[6];
  a6(LEASED, body);
  body[16] = ND6_OPT_TLLA;
  body[17] = 1;
  memcpy(body + 18, peer_mac, 6);
  mcast_mac("ff02::1", mm);
  rx_icmp6(&tn, mm, PEER_LL, "ff02::1", 255, 136, 0, (u32_t)ND6_NA_FLAG_OVERRIDE << 24, body, sizeof(body));
  assert_int_equal(slot_of(LEASED), -1);
  assert_string_equal(state(), "decline");
  assert_true(pop_msg(&m));
  check_common(&m, DHCP6_DECLINE);
  int l;
  assert_true(opt(&m, DHCP6_OPTION_SERVERID, &l) > 0);
  char a[64];
  ia_of(&m, a);
  assert_string_equal(a, LEASED);
  struct smsg s;
  s_start(&s, DHCP6_REPLY, xid_of(&m));
  s_clientid(&s, &m);
  s_serverid(&s, 1);
  deliver(&s);
  assert_string_equal(state(), "solicit");
  wait_msg(&m, 1000);
  check_common(&m, DHCP6_SOLICIT);
}

/* Renew answered NoBinding: Request the address again (RFC 8415 18.2.10.1);
 * a valid lifetime of 0: the address goes. */
static void test_dhcp6_nobinding_and_withdrawn(void **st)
{
  (void)st;
  fixture();
  struct cmsg req, m;
  bind_lease(10, 16, 20, 30, &req);
  char a[64];
  test_clock_advance(10000);
  assert_true(pop_msg(&m));
  check_common(&m, DHCP6_RENEW);
  u32_t iaid = ia_of(&m, a);
  struct smsg s;
  s_start(&s, DHCP6_REPLY, xid_of(&m));
  s_clientid(&s, &m);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, NULL, 0, 0, DHCP6_STATUS_NO_BINDING);
  deliver(&s);
  assert_string_equal(state(), "request");
  assert_true(pop_msg(&m));
  check_common(&m, DHCP6_REQUEST);
  ia_of(&m, a);
  assert_string_equal(a, LEASED);
  s_start(&s, DHCP6_REPLY, xid_of(&m));
  s_clientid(&s, &m);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 10, 16, LEASED, 0, 0, -1);
  deliver(&s);
  assert_int_equal(slot_of(LEASED), -1);
  assert_string_equal(state(), "solicit");
}

/* Malformed and hostile messages: each dropped under its reason, the
 * client's state untouched, no memory kept. */
static void test_dhcp6_hostile(void **st)
{
  (void)st;
  fixture();
  assert_int_equal(dhcp6_enable_stateful(nif), ERR_OK);
  struct cmsg sol;
  wait_msg(&sol, 1000);
  char a[64];
  u32_t iaid = ia_of(&sol, a);
  u32_t xid = xid_of(&sol);
  struct smsg s;
  u8_t b[64];

  /* Shorter than the header. */
  s.n = 3;
  s.b[0] = DHCP6_ADVERTISE;
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_SHORT), 1));

  /* An option whose length runs past the message. */
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  put_be16(s.b + s.n, DHCP6_OPTION_DNS_SERVERS);
  put_be16(s.b + s.n + 2, 32);
  s.n += 4 + 16;
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_OPTION), 1));

  /* Half an option header at the end. */
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s.b[s.n++] = 0;
  s.b[s.n++] = 2;
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_OPTION), 2));

  /* DNS servers of a length that is no multiple of 16. */
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  memset(b, 0x20, sizeof(b));
  s_opt(&s, DHCP6_OPTION_DNS_SERVERS, b, 15);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_OPTION), 3));

  /* A compression pointer in the domain list (RFC 8415 10 forbids it),
   * a name running past its option, a label with a control byte. */
  static const u8_t ptr[] = {3, 'f', 'o', 'o', 0xc0, 0x0c};
  static const u8_t unterminated[] = {3, 'f', 'o', 'o'};
  static const u8_t ctrl[] = {3, 'f', 0x07, 'o', 0};
  const u8_t *names[] = {ptr, unterminated, ctrl};
  const u16_t lens[] = {sizeof(ptr), sizeof(unterminated), sizeof(ctrl)};
  for (int i = 0; i < 3; i++) {
    s_start(&s, DHCP6_ADVERTISE, xid);
    s_clientid(&s, &sol);
    s_serverid(&s, 1);
    s_opt(&s, DHCP6_OPTION_DOMAIN_LIST, names[i], lens[i]);
    deliver(&s);
  }
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_OPTION), 6));

  /* Two Server Identifiers; a Server Identifier of 2 bytes. */
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  s_serverid(&s, 2);
  deliver(&s);
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_opt(&s, DHCP6_OPTION_SERVERID, b, 2);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_OPTION), 8));

  /* An IA Address option running past its IA_NA. */
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  u8_t ia[12 + 4 + 24];
  memset(ia, 0, sizeof(ia));
  put_be32(ia, iaid);
  put_be16(ia + 12, DHCP6_OPTION_IAADDR);
  put_be16(ia + 14, 40);
  s_opt(&s, DHCP6_OPTION_IA_NA, ia, sizeof(ia));
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_OPTION), 9));

  /* Wrong transaction id; a Reconfigure; a Solicit (another client's). */
  s_start(&s, DHCP6_ADVERTISE, xid ^ 1);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, LEASED, 100, 200, -1);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_XID), 1));
  s_start(&s, DHCP6_RECONFIGURE, 0);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_RECONFIGURE), 1));
  s_start(&s, DHCP6_SOLICIT, xid);
  s_clientid(&s, &sol);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_TYPE), 1));

  /* No Client Identifier; another client's; no Server Identifier. */
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, LEASED, 100, 200, -1);
  deliver(&s);
  static const u8_t other[] = {0, 3, 0, 1, 0x02, 0, 0, 0, 0, 0x02};
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_opt(&s, DHCP6_OPTION_CLIENTID, other, sizeof(other));
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, LEASED, 100, 200, -1);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_CLIENTID), 2));
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_ia(&s, iaid, 0, 0, LEASED, 100, 200, -1);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_NO_SERVERID), 1));

  /* NoAddrsAvail; T1 > T2; preferred > valid; another IAID only;
   * a multicast or link-local address. */
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  put_be16(b, DHCP6_STATUS_NO_ADDRS_AVAIL);
  memcpy(b + 2, "none", 4);
  s_opt(&s, DHCP6_OPTION_STATUS_CODE, b, 6);
  deliver(&s);
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 90, 80, LEASED, 100, 200, -1);
  deliver(&s);
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, LEASED, 300, 200, -1);
  deliver(&s);
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  s_ia(&s, iaid + 1, 0, 0, LEASED, 100, 200, -1);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_NO_ADDRS), 4));
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_LIFETIMES), 2));
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, "ff02::1", 100, 200, -1);
  deliver(&s);
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, "fe80::77", 100, 200, -1);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_BAD_ADDR), 2));

  /* A Reply while soliciting (no rapid commit asked). */
  s_start(&s, DHCP6_REPLY, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, LEASED, 100, 200, -1);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_UNEXPECTED), 1));

  assert_string_equal(state(), "solicit");
  struct dhcp6_info in;
  dhcp6_get_info(nif, &in);
  assert_int_equal(in.server_duid_len, 0);
  /* The same Advertise, well formed, is taken: the drops were not the
   * client being unable to accept anything. */
  s_start(&s, DHCP6_ADVERTISE, xid);
  s_clientid(&s, &sol);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 0, 0, LEASED, 100, 200, -1);
  deliver(&s);
  struct cmsg req;
  wait_msg(&req, 1200);
  check_common(&req, DHCP6_REQUEST);

  /* Every message is also fine when nothing runs: counted, not crashed. */
  dhcp6_disable(nif);
  s_start(&s, DHCP6_REPLY, xid);
  deliver(&s);
  CHECK_DROPS(assert_int_equal(DROPS(DHCP6_UNEXPECTED), 2));
}

/* A random walk over mutated Replies: whatever the bytes, the client
 * neither crashes nor leaks (teardown checks the pools). */
static void test_dhcp6_mutations(void **st)
{
  (void)st;
  fixture();
  assert_int_equal(dhcp6_enable_stateless(nif), ERR_OK);
  struct cmsg m;
  wait_msg(&m, 1000);
  struct smsg base, s;
  s_start(&base, DHCP6_REPLY, xid_of(&m));
  s_clientid(&base, &m);
  s_serverid(&base, 1);
  s_dns(&base, 2);
  static const u8_t dl[] = {3, 'l', 'a', 'b', 0};
  s_opt(&base, DHCP6_OPTION_DOMAIN_LIST, dl, sizeof(dl));
  s_ia(&base, 1, 10, 20, LEASED, 30, 40, 0);
  u32_t r = 99;
  for (int i = 0; i < 3000; i++) {
    s = base;
    int flips = 1 + i % 4;
    for (int k = 0; k < flips; k++) {
      r = r * 1103515245U + 12345U;
      s.b[4 + (r >> 8) % (base.n - 4)] = (u8_t)(r >> 20);
    }
    r = r * 1103515245U + 12345U;
    s.n = 1 + (r >> 9) % base.n;
    deliver_from(&s, i % 3 == 0 ? 5 : 0);
    if (strcmp(state(), "informed") == 0) {
      dhcp6_enable_stateless(nif);
      test_clock_advance(1000);
      test_frames_clear(&tn);
      wait_msg(&m, 2000);
      base.b[1] = m.b[1];
      base.b[2] = m.b[2];
      base.b[3] = m.b[3];
    }
  }
}

/* Auto mode follows the RA: O starts the stateless client, M the
 * stateful one (RFC 4861 4.2). */
static void test_dhcp6_ra_trigger(void **st)
{
  (void)st;
  fixture();
  assert_int_equal(dhcp6_enable_auto(nif), ERR_OK);
  assert_string_equal(state(), "wait-ra");
  u8_t body[8] = {0};
  u8_t mm[6];
  mcast_mac("ff02::1", mm);
  struct cmsg m;
  /* An RA with neither flag starts nothing. */
  rx_icmp6(&tn, mm, "fe80::1", "ff02::1", 255, 134, 0, 64UL << 24 | 1800, body, sizeof(body));
  test_clock_advance(2000);
  assert_false(pop_msg(&m));
  rx_icmp6(&tn, mm, "fe80::1", "ff02::1", 255, 134, 0, 64UL << 24 | (u32_t)ND6_RA_FLAG_OTHER << 16 | 1800, body,
           sizeof(body));
  wait_msg(&m, 1000);
  check_common(&m, DHCP6_INFORMATION_REQUEST);
  rx_icmp6(&tn, mm, "fe80::1", "ff02::1", 255, 134, 0,
           64UL << 24 | (u32_t)(ND6_RA_FLAG_MANAGED | ND6_RA_FLAG_OTHER) << 16 | 1800, body, sizeof(body));
  wait_msg(&m, 1000);
  check_common(&m, DHCP6_SOLICIT);
  /* The next RA with M changes nothing while the stateful client runs. */
  rx_icmp6(&tn, mm, "fe80::1", "ff02::1", 255, 134, 0, 64UL << 24 | (u32_t)ND6_RA_FLAG_MANAGED << 16 | 1800, body,
           sizeof(body));
  assert_string_equal(state(), "solicit");
  struct dhcp6_info in;
  dhcp6_get_info(nif, &in);
  assert_string_equal(in.mode, "auto");
  /* A client not in auto mode ignores the flags. */
  assert_int_equal(dhcp6_enable_stateless(nif), ERR_OK);
  rx_icmp6(&tn, mm, "fe80::1", "ff02::1", 255, 134, 0, 64UL << 24 | (u32_t)ND6_RA_FLAG_MANAGED << 16 | 1800, body,
           sizeof(body));
  assert_string_equal(state(), "info-request");
}

/* The link comes back (RFC 8415 18.2.12): a lease is checked with
 * Rebind, the stateless configuration asked for again. */
static void test_dhcp6_link_change(void **st)
{
  (void)st;
  fixture();
  struct cmsg req, m;
  bind_lease(100, 160, 200, 300, &req);
  test_clock_advance(3000);
  netif_set_link_down(nif);
  test_clock_advance(5000);
  assert_false(pop_msg(&m));
  netif_set_link_up(nif);
  assert_string_equal(state(), "rebind");
  /* The link-local address runs DAD again first; the Rebind goes out once
   * it may be used (at the latest at the first retransmission). */
  wait_msg(&m, 12000);
  check_common(&m, DHCP6_REBIND);
  char a[64];
  u32_t iaid = ia_of(&m, a);
  assert_string_equal(a, LEASED);
  struct smsg s;
  s_start(&s, DHCP6_REPLY, xid_of(&m));
  s_clientid(&s, &m);
  s_serverid(&s, 1);
  s_ia(&s, iaid, 100, 160, LEASED, 200, 300, -1);
  deliver(&s);
  assert_string_equal(state(), "bound");

  /* Stateless: Information-Request again. */
  assert_int_equal(dhcp6_enable_stateless(nif), ERR_OK);
  wait_msg(&m, 1000);
  s_start(&s, DHCP6_REPLY, xid_of(&m));
  s_clientid(&s, &m);
  s_serverid(&s, 1);
  deliver(&s);
  assert_string_equal(state(), "informed");
  netif_set_link_down(nif);
  netif_set_link_up(nif);
  assert_string_equal(state(), "info-request");
  wait_msg(&m, 12000);
  check_common(&m, DHCP6_INFORMATION_REQUEST);
}

/* No memory for the client: ERR_MEM, nothing kept. */
static void test_dhcp6_no_memory(void **st)
{
  (void)st;
  fixture();
#if LWIP_TEST_HOOKS
  lwip_alloc_fail_after(1);
  assert_int_equal(dhcp6_enable_stateful(nif), ERR_MEM);
  lwip_alloc_fail_after(0);
  assert_false(dhcp6_running(nif));
  /* The client's memory, then no UDP PCB: the client is freed again. */
  lwip_alloc_fail_after(2);
  assert_int_equal(dhcp6_enable_stateful(nif), ERR_MEM);
  lwip_alloc_fail_after(0);
  struct dhcp6_info in;
  assert_int_equal(dhcp6_get_info(nif, &in), ERR_ARG);
  /* Out of pbufs for a message: counted, and the client retransmits. */
  assert_int_equal(dhcp6_enable_stateful(nif), ERR_OK);
  test_clock_advance(1000);
  struct cmsg m;
  test_frames_clear(&tn);
  lwip_alloc_fail_after(1);
  test_clock_advance(1200);
  lwip_alloc_fail_after(0);
  wait_msg(&m, 4000);
  check_common(&m, DHCP6_SOLICIT);
#endif
  struct netif bad;
  memset(&bad, 0, sizeof(bad));
  assert_int_equal(dhcp6_enable_stateless(&bad), ERR_ARG);
  assert_int_equal(dhcp6_enable_stateless(NULL), ERR_ARG);
  assert_int_equal(dhcp6_release(nif), ERR_CONN);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_dhcp6_duid_stable, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_stateless, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_refresh_floor, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_stateful, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_renew_rebind, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_default_times, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_solicit_pacing, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_elapsed_time, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_request_gives_up, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_release, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_decline_on_dad_failure, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_nobinding_and_withdrawn, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_hostile, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_mutations, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_ra_trigger, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_link_change, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(test_dhcp6_no_memory, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

int main(void)
{
  return 0; /* DHCPv6 is not in this build */
}

#endif
