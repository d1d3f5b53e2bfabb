/* Unit tests for core/ipv4/dhcp.c: a scripted DHCP server drives the
 * client through DISCOVER/OFFER/REQUEST/ACK, ACD, renewing, rebinding,
 * expiry, NAK, INIT-REBOOT, DECLINE and RELEASE, and feeds it replies it
 * must ignore.  Every client message is checked byte by byte. */
#include "test_common.h"

#include <stdlib.h>

#include "lwip/opt.h"
#if LWIP_DHCP
#include "lwip/dhcp.h"
#include "lwip/acd.h"
#include "lwip/udp.h"
#include "lwip/etharp.h"
#include "lwip/prot/dhcp.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/etharp.h"

#define SERVER_IP "192.168.1.1"
#define OFFER_IP "192.168.1.50"
#define OTHER_IP "192.168.1.60"
#define MASK "255.255.255.0"
#define DNS1 "192.168.1.53"
#define DNS2 "8.8.8.8"
#define DHCP_LEASE_INFINITE_TEST 0xffffffffU

#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#endif

static struct test_netif tn;
static struct netif *nif;

/* ---- state and DNS recorders ---- */
static u8_t states[64];
static int nstates;
static u8_t dns_count_seen;
static ip4_addr_t dns_seen[2];
static int dns_calls;

static void state_cb(struct netif *netif, u8_t old_state, u8_t new_state)
{
  (void)netif;
  (void)old_state;
  if (nstates < (int)sizeof(states)) {
    states[nstates++] = new_state;
  }
}

static void dns_cb(struct netif *netif, u8_t count, const ip4_addr_t *servers)
{
  (void)netif;
  dns_calls++;
  dns_count_seen = count;
  for (u8_t i = 0; i < count && i < 2; i++) {
    dns_seen[i] = servers[i];
  }
}

static void fixture(void)
{
  nstates = 0;
  dns_calls = 0;
  dns_count_seen = 0;
  nif = test_netif_add(&tn, NULL, NULL, NULL, test_mac);
  nif->hostname = "lwipd-test";
  dhcp_set_state_callback(state_cb);
  dhcp_set_dns_callback(dns_cb);
}

/* ---- the scripted server ---- */

/* A BOOTREPLY with @p opts (raw option bytes, END appended) into @p m. */
static size_t srv_msg(u8_t *m, u32_t xid, const char *yiaddr, const u8_t *chaddr,
                      const u8_t *opts, size_t optlen)
{
  memset(m, 0, 240);
  m[0] = DHCP_BOOTREPLY;
  m[1] = 1;
  m[2] = 6;
  put_be32(m + 4, xid);
  if (yiaddr != NULL) {
    put_n32(m + 16, test_ip(yiaddr));
  }
  put_n32(m + 20, test_ip(SERVER_IP));
  memcpy(m + 28, chaddr, 6);
  put_be32(m + 236, DHCP_MAGIC_COOKIE);
  memcpy(m + 240, opts, optlen);
  m[240 + optlen] = DHCP_OPTION_END;
  return 240 + optlen + 1;
}

static size_t put_opt_ip(u8_t *o, u8_t code, const char *ip)
{
  o[0] = code;
  o[1] = 4;
  put_n32(o + 2, test_ip(ip));
  return 6;
}

static size_t put_opt_u32(u8_t *o, u8_t code, u32_t v)
{
  o[0] = code;
  o[1] = 4;
  put_be32(o + 2, v);
  return 6;
}

/* The options of a normal OFFER or ACK; @p t1/@p t2 0 leave them out. */
static size_t std_opts(u8_t *o, u8_t type, u32_t lease, u32_t t1, u32_t t2)
{
  size_t n = 0;
  o[n++] = DHCP_OPTION_MESSAGE_TYPE;
  o[n++] = 1;
  o[n++] = type;
  n += put_opt_ip(o + n, DHCP_OPTION_SERVER_ID, SERVER_IP);
  n += put_opt_u32(o + n, DHCP_OPTION_LEASE_TIME, lease);
  if (t1 != 0) {
    n += put_opt_u32(o + n, DHCP_OPTION_T1, t1);
  }
  if (t2 != 0) {
    n += put_opt_u32(o + n, DHCP_OPTION_T2, t2);
  }
  n += put_opt_ip(o + n, DHCP_OPTION_SUBNET_MASK, MASK);
  n += put_opt_ip(o + n, DHCP_OPTION_ROUTER, SERVER_IP);
  o[n++] = DHCP_OPTION_DNS_SERVER;
  o[n++] = 8;
  put_n32(o + n, test_ip(DNS1));
  put_n32(o + n + 4, test_ip(DNS2));
  n += 8;
  return n;
}

/* Deliver DHCP message @p m from the server, broadcast. */
static void srv_send_raw(const u8_t *m, size_t len)
{
  static u8_t l4[1600], frame[1700];
  size_t n = test_udp(l4, SERVER_IP, "255.255.255.255", 67, 68, m, len);
  size_t f = test_eth_ip4(frame, SERVER_IP, "255.255.255.255", 17, l4, n);
  memset(frame, 0xff, 6);
  memcpy(frame + 6, peer_mac, 6);
  test_rx(&tn, frame, f);
}

static void srv_reply(u8_t type, u32_t xid, const char *yiaddr, u32_t lease, u32_t t1, u32_t t2)
{
  u8_t o[128], m[600];
  size_t on = std_opts(o, type, lease, t1, t2);
  srv_send_raw(m, srv_msg(m, xid, yiaddr, test_mac, o, on));
}

/* ---- the client's messages ---- */
struct cmsg {
  u8_t frame[1600];
  int flen;
  const u8_t *m;
  size_t mlen;
  u32_t xid;
};

static bool pop_dhcp(struct cmsg *c)
{
  c->flen = test_pop_ip_bytes(&tn, c->frame, sizeof(c->frame));
  if (c->flen < 0) {
    return false;
  }
  assert_int_equal(get_be16(c->frame + 12), 0x0800);
  assert_int_equal(c->frame[14 + 9], 17);
  assert_int_equal(get_be16(c->frame + 34), 68);
  assert_int_equal(get_be16(c->frame + 36), 67);
  c->m = c->frame + 42;
  c->mlen = (size_t)get_be16(c->frame + 38) - 8;
  assert_true(c->mlen >= 300);
  assert_int_equal(c->m[0], DHCP_BOOTREQUEST);
  assert_int_equal(c->m[1], 1);
  assert_int_equal(c->m[2], 6);
  assert_int_equal(c->m[3], 0);
  assert_memory_equal(c->m + 28, test_mac, 6);
  assert_int_equal(get_be32(c->m + 236), DHCP_MAGIC_COOKIE);
  c->xid = get_be32(c->m + 4);
  return true;
}

/* Value of option @p code in the client's message; NULL when absent. */
static const u8_t *copt(const struct cmsg *c, u8_t code, u8_t *len)
{
  size_t i = 240;
  while (i < c->mlen) {
    u8_t k = c->m[i];
    if (k == 0) {
      i++;
      continue;
    }
    if (k == 255) {
      return NULL;
    }
    assert_true(i + 2 <= c->mlen && i + 2 + c->m[i + 1] <= c->mlen);
    if (k == code) {
      *len = c->m[i + 1];
      return c->m + i + 2;
    }
    i += 2U + c->m[i + 1];
  }
  return NULL;
}

static u8_t ctype(const struct cmsg *c)
{
  u8_t l = 0;
  const u8_t *v = copt(c, DHCP_OPTION_MESSAGE_TYPE, &l);
  assert_non_null(v);
  assert_int_equal(l, 1);
  return v[0];
}

static void assert_opt_ip(const struct cmsg *c, u8_t code, const char *ip)
{
  u8_t l = 0;
  const u8_t *v = copt(c, code, &l);
  assert_non_null(v);
  assert_int_equal(l, 4);
  assert_int_equal(get_n32(v), test_ip(ip));
}

static void assert_no_opt(const struct cmsg *c, u8_t code)
{
  u8_t l;
  assert_null(copt(c, code, &l));
}

static void assert_ip_src_dst(const struct cmsg *c, const char *src, const char *dst)
{
  assert_int_equal(get_n32(c->frame + 26), test_ip(src));
  assert_int_equal(get_n32(c->frame + 30), test_ip(dst));
}

static u8_t state(void)
{
  return nif->dhcp != NULL ? nif->dhcp->state : DHCP_STATE_OFF;
}

/* Count ARP frames sent (and discard every frame): probes for @p ip
 * (sender 0.0.0.0) and announcements of it (sender = target = @p ip). */
static void count_arp(const char *ip, int *probes, int *announces)
{
  u8_t f[1600];
  int n;
  *probes = *announces = 0;
  while ((n = test_frame_pop_bytes(&tn, f, sizeof(f))) >= 0) {
    if (n < 42 || get_be16(f + 12) != 0x0806) {
      continue;
    }
    const u8_t *a = f + 14;
    assert_int_equal(get_be16(a + ARP_OFF_OPCODE), ARP_REQUEST);
    assert_memory_equal(a + ARP_OFF_SHWADDR, test_mac, 6);
    if (get_n32(a + ARP_OFF_DIPADDR) != test_ip(ip)) {
      continue;
    }
    if (get_n32(a + ARP_OFF_SIPADDR) == 0) {
      (*probes)++;
    } else if (get_n32(a + ARP_OFF_SIPADDR) == test_ip(ip)) {
      (*announces)++;
    }
  }
}

/* ARP from a peer claiming @p sip (a conflict for ACD). */
static void peer_arp(const char *sip, const char *tip, u16_t op)
{
  u8_t f[60];
  test_rx(&tn, f, test_arp_frame(f, peer_mac, op, test_ip(sip), test_ip(tip)));
}

/* Run a whole exchange to BOUND with the given lease. */
static void do_bind(u32_t lease, u32_t t1, u32_t t2)
{
  struct cmsg c;
  assert_int_equal(dhcp_start(nif), ERR_OK);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_DISCOVER);
  srv_reply(DHCP_OFFER, c.xid, OFFER_IP, lease, t1, t2);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_REQUEST);
  srv_reply(DHCP_ACK, c.xid, OFFER_IP, lease, t1, t2);
  assert_int_equal(state(), DHCP_STATE_CHECKING);
  test_clock_advance(8000); /* ACD: at most 1 + 3 * 2 + 2 s... announce starts by 7 s */
  assert_int_equal(state(), DHCP_STATE_BOUND);
  assert_int_equal(netif_ip4_addr(nif)->addr, test_ip(OFFER_IP));
  test_frames_clear(&tn);
}

static void add_server_arp(void)
{
  test_add_peer_arp(SERVER_IP);
}

/* ---- cases ---- */

static void test_dhcp_full_exchange(void **state_)
{
  (void)state_;
  fixture();
  struct cmsg c;
  assert_int_equal(dhcp_start(nif), ERR_OK);
  assert_int_equal(state(), DHCP_STATE_SELECTING);
  assert_true(pop_dhcp(&c));
  assert_int_equal(tn.nframes, 0);
  /* DISCOVER: broadcast from 0.0.0.0 to the Ethernet broadcast. */
  const u8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  assert_memory_equal(c.frame, bc, 6);
  assert_ip_src_dst(&c, "0.0.0.0", "255.255.255.255");
  assert_int_equal(ctype(&c), DHCP_DISCOVER);
  assert_int_equal(get_be16(c.m + DHCP_OFF_SECS), 0);
  assert_int_equal(get_be16(c.m + DHCP_OFF_FLAGS), 0x8000);
  assert_int_equal(get_n32(c.m + DHCP_OFF_CIADDR), 0);
  assert_int_equal(get_n32(c.m + DHCP_OFF_YIADDR), 0);
  const u8_t zero10[10] = {0};
  assert_memory_equal(c.m + 34, zero10, 10);
  u8_t l = 0;
  const u8_t *v = copt(&c, DHCP_OPTION_CLIENT_ID, &l);
  assert_non_null(v);
  assert_int_equal(l, 7);
  assert_int_equal(v[0], 1);
  assert_memory_equal(v + 1, test_mac, 6);
  v = copt(&c, DHCP_OPTION_HOSTNAME, &l);
  assert_non_null(v);
  assert_int_equal(l, 10);
  assert_memory_equal(v, "lwipd-test", 10);
  v = copt(&c, DHCP_OPTION_MAX_MSG_SIZE, &l);
  assert_non_null(v);
  assert_int_equal(get_be16(v), 1500);
  v = copt(&c, DHCP_OPTION_PARAMETER_REQUEST_LIST, &l);
  assert_non_null(v);
  assert_int_equal(l, 9);
  assert_int_equal(v[0], 1);
  assert_int_equal(v[1], 3);
  assert_int_equal(v[2], 6);
  assert_int_equal(v[8], DHCP_OPTION_NTP_SERVER); /* for the SNTP client */
  assert_no_opt(&c, DHCP_OPTION_REQUESTED_IP);
  assert_no_opt(&c, DHCP_OPTION_SERVER_ID);
  u32_t xid = c.xid;

  /* OFFER -> REQUEST with the same xid, naming address and server. */
  test_clock_advance(1500);
  srv_reply(DHCP_OFFER, xid, OFFER_IP, 3600, 0, 0);
  assert_int_equal(state(), DHCP_STATE_REQUESTING);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_REQUEST);
  assert_int_equal(c.xid, xid);
  assert_int_equal(get_be16(c.m + DHCP_OFF_SECS), 1);
  assert_ip_src_dst(&c, "0.0.0.0", "255.255.255.255");
  assert_int_equal(get_be16(c.m + DHCP_OFF_FLAGS), 0x8000);
  assert_int_equal(get_n32(c.m + DHCP_OFF_CIADDR), 0);
  assert_opt_ip(&c, DHCP_OPTION_REQUESTED_IP, OFFER_IP);
  assert_opt_ip(&c, DHCP_OPTION_SERVER_ID, SERVER_IP);
  assert_non_null(copt(&c, DHCP_OPTION_CLIENT_ID, &l));

  /* ACK -> CHECKING: the address is not used before ACD says so. */
  srv_reply(DHCP_ACK, xid, OFFER_IP, 3600, 0, 0);
  assert_int_equal(state(), DHCP_STATE_CHECKING);
  assert_int_equal(netif_ip4_addr(nif)->addr, 0);
  assert_int_equal(dhcp_supplied_address(nif), 0);
  test_clock_advance(5000); /* probes at <=1, <=3, <=5 s */
  assert_int_equal(state(), DHCP_STATE_CHECKING);
  test_clock_advance(4000);
  assert_int_equal(state(), DHCP_STATE_BOUND);
  int probes, ann;
  count_arp(OFFER_IP, &probes, &ann);
  assert_int_equal(probes, 3);
  assert_true(ann >= 2);
  assert_int_equal(netif_ip4_addr(nif)->addr, test_ip(OFFER_IP));
  assert_int_equal(netif_ip4_netmask(nif)->addr, test_ip(MASK));
  assert_int_equal(netif_ip4_gw(nif)->addr, test_ip(SERVER_IP));
  assert_int_equal(dhcp_supplied_address(nif), 1);
  assert_int_equal(dns_calls, 1);
  assert_int_equal(dns_count_seen, 2);
  assert_int_equal(dns_seen[0].addr, test_ip(DNS1));
  assert_int_equal(dns_seen[1].addr, test_ip(DNS2));

  struct dhcp_info info;
  assert_int_equal(dhcp_get_info(nif, &info), ERR_OK);
  assert_string_equal(info.state, "bound");
  assert_int_equal(info.leased_ip.addr, test_ip(OFFER_IP));
  assert_int_equal(info.server_id.addr, test_ip(SERVER_IP));
  assert_int_equal(info.lease_s, 3600);
  assert_int_equal(info.t1_s, 1800);
  assert_int_equal(info.t2_s, 3150);
  assert_int_equal(info.lease_left_s, 3600 - 9);
  assert_int_equal(info.dns_count, 2);

  const u8_t expect[] = {DHCP_STATE_INIT, DHCP_STATE_SELECTING, DHCP_STATE_REQUESTING,
                         DHCP_STATE_CHECKING, DHCP_STATE_BOUND};
  assert_int_equal(nstates, (int)sizeof(expect));
  assert_memory_equal(states, expect, sizeof(expect));
  assert_int_equal(tn.nframes, 0);
}

static void test_dhcp_retransmit_backoff(void **state_)
{
  (void)state_;
  fixture();
  struct cmsg c;
  assert_int_equal(dhcp_start(nif), ERR_OK);
  assert_true(pop_dhcp(&c));
  u32_t xid = c.xid;
  /* RFC 2131 4.1: 4, 8, 16, 32, 64, 64 s, each +-1 s. */
  const u32_t base[] = {4, 8, 16, 32, 64, 64};
  for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
    /* Step 50 ms at a time until the retransmission shows up. */
    u32_t waited = 0;
    while (test_frames_ip_only(&tn) == 0) {
      test_clock_advance(50);
      waited += 50;
      assert_true(waited <= base[i] * 1000 + 1000);
    }
    assert_true(waited >= base[i] * 1000 - 1000);
    assert_true(pop_dhcp(&c));
    assert_int_equal(ctype(&c), DHCP_DISCOVER);
    assert_int_equal(c.xid, xid);
    assert_int_equal(test_frames_ip_only(&tn), 0);
  }
  dhcp_stop(nif);
  assert_int_equal(state(), DHCP_STATE_OFF);
  test_clock_advance(200000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
}

static void test_dhcp_renew_rebind_expire(void **state_)
{
  (void)state_;
  fixture();
  do_bind(100, 50, 80);
  add_server_arp();
  u32_t bound_xid = nif->dhcp->xid;
  struct cmsg c;
  test_clock_advance(50000 - 8000 - 1);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  test_clock_advance(1);
  /* T1: unicast REQUEST to the server, from our address, new xid. */
  assert_int_equal(state(), DHCP_STATE_RENEWING);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_REQUEST);
  assert_memory_equal(c.frame, peer_mac, 6);
  assert_ip_src_dst(&c, OFFER_IP, SERVER_IP);
  assert_int_equal(get_n32(c.m + DHCP_OFF_CIADDR), test_ip(OFFER_IP));
  assert_int_equal(get_be16(c.m + DHCP_OFF_FLAGS), 0);
  assert_no_opt(&c, DHCP_OPTION_REQUESTED_IP);
  assert_no_opt(&c, DHCP_OPTION_SERVER_ID);
  assert_int_not_equal(c.xid, bound_xid);
  u32_t renew_xid = c.xid;
  /* Less than 60 s until T2: the next try is at T2, broadcast. */
  test_clock_advance(30000 - 1);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  test_clock_advance(1);
  assert_int_equal(state(), DHCP_STATE_REBINDING);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_REQUEST);
  assert_ip_src_dst(&c, OFFER_IP, "255.255.255.255");
  assert_int_equal(get_n32(c.m + DHCP_OFF_CIADDR), test_ip(OFFER_IP));
  assert_no_opt(&c, DHCP_OPTION_SERVER_ID);
  assert_int_not_equal(c.xid, renew_xid);
  /* A reply to the old renew xid is ignored now. */
  srv_reply(DHCP_ACK, renew_xid, OFFER_IP, 100, 0, 0);
  assert_int_equal(state(), DHCP_STATE_REBINDING);
#if LWIP_STATS
  assert_int_equal(DROPS(DHCP_BAD_XID), 1);
#endif
  /* Lease end: address gone, back to discovery. */
  test_clock_advance(20000 - 1);
  assert_int_equal(netif_ip4_addr(nif)->addr, test_ip(OFFER_IP));
  test_clock_advance(1);
  assert_int_equal(netif_ip4_addr(nif)->addr, 0);
  assert_int_equal(state(), DHCP_STATE_SELECTING);
  assert_int_equal(dhcp_supplied_address(nif), 0);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_DISCOVER);
}

static void test_dhcp_renew_ack_extends(void **state_)
{
  (void)state_;
  fixture();
  do_bind(100, 0, 0); /* T1 50, T2 87 by default */
  add_server_arp();
  struct cmsg c;
  test_clock_advance(50000 - 8000);
  assert_int_equal(state(), DHCP_STATE_RENEWING);
  assert_true(pop_dhcp(&c));
  test_clock_advance(2000);
  srv_reply(DHCP_ACK, c.xid, OFFER_IP, 200, 0, 0);
  /* Same address: bound again at once, no new probing. */
  assert_int_equal(state(), DHCP_STATE_BOUND);
  int probes, ann;
  count_arp(OFFER_IP, &probes, &ann);
  assert_int_equal(probes, 0);
  struct dhcp_info info;
  assert_int_equal(dhcp_get_info(nif, &info), ERR_OK);
  assert_int_equal(info.lease_s, 200);
  /* The lease counts from the REQUEST, 2 s before the ACK. */
  assert_int_equal(info.lease_left_s, 198);
  assert_int_equal(info.t1_left_s, 98);
  /* dhcp_renew() forces an early renewal. */
  assert_int_equal(dhcp_renew(nif), ERR_OK);
  assert_int_equal(state(), DHCP_STATE_RENEWING);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_REQUEST);
  assert_ip_src_dst(&c, OFFER_IP, SERVER_IP);
}

static void test_dhcp_nak(void **state_)
{
  (void)state_;
  fixture();
  struct cmsg c;
  assert_int_equal(dhcp_start(nif), ERR_OK);
  assert_true(pop_dhcp(&c));
  srv_reply(DHCP_OFFER, c.xid, OFFER_IP, 3600, 0, 0);
  assert_true(pop_dhcp(&c));
  u32_t xid = c.xid;
  u8_t o[8] = {DHCP_OPTION_MESSAGE_TYPE, 1, DHCP_NAK};
  u8_t m[600];
  srv_send_raw(m, srv_msg(m, xid, NULL, test_mac, o, 3));
  /* NAK: start over with a fresh transaction. */
  assert_int_equal(state(), DHCP_STATE_SELECTING);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_DISCOVER);
  assert_int_not_equal(c.xid, xid);

  /* NAK while renewing takes the address away. */
  dhcp_stop(nif);
  test_frames_clear(&tn);
  do_bind(100, 0, 0);
  add_server_arp();
  assert_int_equal(dhcp_renew(nif), ERR_OK);
  assert_true(pop_dhcp(&c));
  srv_send_raw(m, srv_msg(m, c.xid, NULL, test_mac, o, 3));
  assert_int_equal(netif_ip4_addr(nif)->addr, 0);
  assert_int_equal(state(), DHCP_STATE_SELECTING);
}

static void test_dhcp_ignores_bad_replies(void **state_)
{
  (void)state_;
  fixture();
  struct cmsg c;
  assert_int_equal(dhcp_start(nif), ERR_OK);
  assert_true(pop_dhcp(&c));
  u32_t xid = c.xid;
  u8_t o[300], m[700];
  size_t on = std_opts(o, DHCP_OFFER, 3600, 0, 0);
  size_t n;

  /* wrong xid */
  srv_send_raw(m, srv_msg(m, xid + 1, OFFER_IP, test_mac, o, on));
  /* wrong chaddr */
  srv_send_raw(m, srv_msg(m, xid, OFFER_IP, peer_mac, o, on));
  /* BOOTREQUEST instead of BOOTREPLY */
  n = srv_msg(m, xid, OFFER_IP, test_mac, o, on);
  m[0] = DHCP_BOOTREQUEST;
  srv_send_raw(m, n);
  /* bad magic cookie */
  n = srv_msg(m, xid, OFFER_IP, test_mac, o, on);
  m[239] ^= 1;
  srv_send_raw(m, n);
  /* truncated below the cookie */
  n = srv_msg(m, xid, OFFER_IP, test_mac, o, on);
  srv_send_raw(m, 239);
  /* an option running past the end of the message */
  n = srv_msg(m, xid, OFFER_IP, test_mac, o, on);
  m[n - 1] = DHCP_OPTION_HOSTNAME; /* replaces END: code, then missing length */
  srv_send_raw(m, n);
  n = srv_msg(m, xid, OFFER_IP, test_mac, o, on);
  m[n - 1] = DHCP_OPTION_HOSTNAME;
  m[n] = 20; /* length beyond the datagram */
  srv_send_raw(m, n + 1);
  /* server id of the wrong length */
  {
    u8_t bad[16] = {DHCP_OPTION_MESSAGE_TYPE, 1, DHCP_OFFER, DHCP_OPTION_SERVER_ID, 3, 1, 2, 3};
    srv_send_raw(m, srv_msg(m, xid, OFFER_IP, test_mac, bad, 8));
  }
  /* two contradicting message types */
  {
    u8_t bad[64];
    memcpy(bad, o, on);
    bad[on] = DHCP_OPTION_MESSAGE_TYPE;
    bad[on + 1] = 1;
    bad[on + 2] = DHCP_ACK;
    srv_send_raw(m, srv_msg(m, xid, OFFER_IP, test_mac, bad, on + 3));
  }
  /* no server identifier */
  {
    u8_t bad[8] = {DHCP_OPTION_MESSAGE_TYPE, 1, DHCP_OFFER};
    srv_send_raw(m, srv_msg(m, xid, OFFER_IP, test_mac, bad, 3));
  }
  /* no message type at all */
  srv_send_raw(m, srv_msg(m, xid, OFFER_IP, test_mac, o + 3, on - 3));
  /* unusable address */
  srv_send_raw(m, srv_msg(m, xid, "0.0.0.0", test_mac, o, on));
  srv_send_raw(m, srv_msg(m, xid, "224.0.0.1", test_mac, o, on));
  /* an ACK while selecting */
  srv_reply(DHCP_ACK, xid, OFFER_IP, 3600, 0, 0);

  assert_int_equal(state(), DHCP_STATE_SELECTING);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(DHCP_BAD_XID), 1);
  assert_int_equal(DROPS(DHCP_BAD_CHADDR), 1);
  assert_int_equal(DROPS(DHCP_BAD_HDR), 2);
  assert_int_equal(DROPS(DHCP_SHORT), 1);
  assert_int_equal(DROPS(DHCP_BAD_OPTION), 4);
  assert_int_equal(DROPS(DHCP_MISSING_OPTION), 2);
  assert_int_equal(DROPS(DHCP_BAD_ADDR), 2);
  assert_int_equal(DROPS(DHCP_UNEXPECTED), 1);
#endif

  /* Unknown options are skipped; the same option twice with the same
   * value is fine; message type and server id may sit in 'file' and
   * 'sname' when option 52 says so (RFC 2131 4.1). */
  {
    u8_t ov[32];
    size_t k = 0;
    ov[k++] = 224; /* site-specific, unknown */
    ov[k++] = 3;
    ov[k++] = 1;
    ov[k++] = 2;
    ov[k++] = 3;
    ov[k++] = DHCP_OPTION_OVERLOAD;
    ov[k++] = 1;
    ov[k++] = DHCP_OVERLOAD_SNAME_FILE;
    n = srv_msg(m, xid, OFFER_IP, test_mac, ov, k);
    u8_t *file = m + DHCP_OFF_FILE;
    file[0] = DHCP_OPTION_PAD;
    file[1] = DHCP_OPTION_MESSAGE_TYPE;
    file[2] = 1;
    file[3] = DHCP_OFFER;
    file[4] = DHCP_OPTION_END;
    u8_t *sname = m + DHCP_OFF_SNAME;
    put_opt_ip(sname, DHCP_OPTION_SERVER_ID, SERVER_IP);
    sname[6] = DHCP_OPTION_MESSAGE_TYPE;
    sname[7] = 1;
    sname[8] = DHCP_OFFER;
    sname[9] = DHCP_OPTION_END;
    srv_send_raw(m, n);
  }
  assert_int_equal(state(), DHCP_STATE_REQUESTING);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_REQUEST);
  assert_opt_ip(&c, DHCP_OPTION_SERVER_ID, SERVER_IP);
  assert_opt_ip(&c, DHCP_OPTION_REQUESTED_IP, OFFER_IP);
}

static void test_dhcp_overload_malformed(void **state_)
{
  (void)state_;
  fixture();
  struct cmsg c;
  assert_int_equal(dhcp_start(nif), ERR_OK);
  assert_true(pop_dhcp(&c));
  u8_t m[700];
  /* Option 52 points into 'file', where an option overruns the field. */
  u8_t ov[8] = {DHCP_OPTION_OVERLOAD, 1, DHCP_OVERLOAD_FILE, DHCP_OPTION_MESSAGE_TYPE, 1, DHCP_OFFER};
  size_t n = srv_msg(m, c.xid, OFFER_IP, test_mac, ov, 6);
  m[DHCP_OFF_FILE + DHCP_FILE_LEN - 2] = DHCP_OPTION_ROUTER;
  m[DHCP_OFF_FILE + DHCP_FILE_LEN - 1] = 4;
  srv_send_raw(m, n);
  /* An overload value out of range. */
  ov[2] = 7;
  srv_send_raw(m, srv_msg(m, c.xid, OFFER_IP, test_mac, ov, 6));
  assert_int_equal(state(), DHCP_STATE_SELECTING);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(DHCP_BAD_OPTION), 2);
#endif
}

static void test_dhcp_decline_on_conflict(void **state_)
{
  (void)state_;
  fixture();
  struct cmsg c;
  assert_int_equal(dhcp_start(nif), ERR_OK);
  assert_true(pop_dhcp(&c));
  srv_reply(DHCP_OFFER, c.xid, OFFER_IP, 3600, 0, 0);
  assert_true(pop_dhcp(&c));
  srv_reply(DHCP_ACK, c.xid, OFFER_IP, 3600, 0, 0);
  assert_int_equal(state(), DHCP_STATE_CHECKING);
  test_clock_advance(1500);
  /* Someone answers for the offered address. */
  peer_arp(OFFER_IP, "0.0.0.0", ARP_REPLY);
  assert_int_equal(state(), DHCP_STATE_BACKING_OFF);
  assert_int_equal(netif_ip4_addr(nif)->addr, 0);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_DECLINE);
  assert_ip_src_dst(&c, "0.0.0.0", "255.255.255.255");
  assert_int_equal(get_n32(c.m + DHCP_OFF_CIADDR), 0);
  assert_opt_ip(&c, DHCP_OPTION_REQUESTED_IP, OFFER_IP);
  assert_opt_ip(&c, DHCP_OPTION_SERVER_ID, SERVER_IP);
  assert_no_opt(&c, DHCP_OPTION_PARAMETER_REQUEST_LIST);
  /* RFC 2131 3.1.5: 10 s before trying again; no probe goes out meanwhile. */
  test_clock_advance(10000 - 1);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  test_clock_advance(1);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_DISCOVER);
  assert_int_equal(state(), DHCP_STATE_SELECTING);
}

static void test_dhcp_link_down_up_reboot(void **state_)
{
  (void)state_;
  fixture();
  struct cmsg c;
  do_bind(3600, 0, 0);
  netif_set_link_down(nif);
  test_clock_advance(100000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  netif_set_link_up(nif);
  /* INIT-REBOOT: broadcast REQUEST for the old address, no server id. */
  assert_int_equal(state(), DHCP_STATE_REBOOTING);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_REQUEST);
  assert_ip_src_dst(&c, "0.0.0.0", "255.255.255.255");
  assert_int_equal(get_n32(c.m + DHCP_OFF_CIADDR), 0);
  assert_int_equal(get_be16(c.m + DHCP_OFF_FLAGS), 0x8000);
  assert_opt_ip(&c, DHCP_OPTION_REQUESTED_IP, OFFER_IP);
  assert_no_opt(&c, DHCP_OPTION_SERVER_ID);
  srv_reply(DHCP_ACK, c.xid, OFFER_IP, 3600, 0, 0);
  assert_int_equal(state(), DHCP_STATE_CHECKING);
  test_clock_advance(8000);
  assert_int_equal(state(), DHCP_STATE_BOUND);
  assert_int_equal(netif_ip4_addr(nif)->addr, test_ip(OFFER_IP));
  bool saw_init_reboot = false;
  for (int i = 0; i < nstates; i++) {
    saw_init_reboot |= states[i] == DHCP_STATE_INIT_REBOOT;
  }
  assert_true(saw_init_reboot);

  /* Rebooting unanswered falls back to discovery. */
  netif_set_link_down(nif);
  netif_set_link_up(nif);
  test_frames_clear(&tn);
  test_clock_advance(5000);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_REQUEST);
  test_clock_advance(9000);
  assert_int_equal(state(), DHCP_STATE_SELECTING);
  assert_int_equal(netif_ip4_addr(nif)->addr, 0);
}

static void test_dhcp_release(void **state_)
{
  (void)state_;
  fixture();
  struct cmsg c;
  do_bind(3600, 0, 0);
  add_server_arp();
  assert_int_equal(dhcp_release(nif), ERR_OK);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_RELEASE);
  assert_ip_src_dst(&c, OFFER_IP, SERVER_IP);
  assert_memory_equal(c.frame, peer_mac, 6);
  assert_int_equal(get_n32(c.m + DHCP_OFF_CIADDR), test_ip(OFFER_IP));
  assert_opt_ip(&c, DHCP_OPTION_SERVER_ID, SERVER_IP);
  assert_no_opt(&c, DHCP_OPTION_REQUESTED_IP);
  assert_no_opt(&c, DHCP_OPTION_PARAMETER_REQUEST_LIST);
  assert_int_equal(netif_ip4_addr(nif)->addr, 0);
  assert_int_equal(state(), DHCP_STATE_OFF);
  assert_int_equal(dhcp_supplied_address(nif), 0);
  test_clock_advance(100000);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  dhcp_cleanup(nif);
  assert_null(nif->dhcp);
}

static void test_dhcp_inform(void **state_)
{
  (void)state_;
  fixture();
  ip4_addr_t a, mk;
  a.addr = test_ip(OTHER_IP);
  mk.addr = test_ip(MASK);
  netif_set_addr(nif, &a, &mk, NULL);
  test_frames_clear(&tn);
  dhcp_inform(nif);
  struct cmsg c;
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_INFORM);
  assert_int_equal(get_n32(c.m + DHCP_OFF_CIADDR), test_ip(OTHER_IP));
  assert_no_opt(&c, DHCP_OPTION_REQUESTED_IP);
  u8_t o[128], m[600];
  size_t n = 0;
  o[n++] = DHCP_OPTION_MESSAGE_TYPE;
  o[n++] = 1;
  o[n++] = DHCP_ACK;
  n += put_opt_ip(o + n, DHCP_OPTION_DNS_SERVER, DNS1);
  srv_send_raw(m, srv_msg(m, c.xid, NULL, test_mac, o, n));
  assert_int_equal(dns_calls, 1);
  assert_int_equal(dns_count_seen, 1);
  assert_int_equal(dns_seen[0].addr, test_ip(DNS1));
  assert_int_equal(netif_ip4_addr(nif)->addr, test_ip(OTHER_IP));
  assert_int_equal(state(), DHCP_STATE_OFF);
}

static void test_dhcp_alloc_failures(void **state_)
{
  (void)state_;
  fixture();
#if LWIP_TEST_HOOKS
  /* No memory for the client, then for its PCB: nothing is left behind. */
  lwip_alloc_fail_after(1);
  assert_int_equal(dhcp_start(nif), ERR_MEM);
  assert_null(nif->dhcp);
  lwip_alloc_fail_after(2);
  assert_int_equal(dhcp_start(nif), ERR_MEM);
  assert_null(nif->dhcp);
  lwip_alloc_fail_after(0);
  /* No memory for the DISCOVER: counted, and the retransmission timer
   * still runs. */
  lwip_alloc_fail_after(3);
  assert_int_equal(dhcp_start(nif), ERR_OK);
  lwip_alloc_fail_after(0);
  assert_int_equal(state(), DHCP_STATE_SELECTING);
  assert_int_equal(test_frames_ip_only(&tn), 0);
#if LWIP_STATS
  assert_int_equal(DROPS(DHCP_NO_MEM), 1);
#endif
  test_clock_advance(5000);
  struct cmsg c;
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_DISCOVER);
  /* A failing reply delivery leaves the client waiting. */
  dhcp_stop(nif);
  dhcp_cleanup(nif);
#else
  skip();
#endif
}

static void test_dhcp_struct_and_remove(void **state_)
{
  (void)state_;
  fixture();
  static struct dhcp mine;
  dhcp_set_struct(nif, &mine);
  assert_ptr_equal(nif->dhcp, &mine);
  assert_int_equal(dhcp_start(nif), ERR_OK);
  assert_ptr_equal(nif->dhcp, &mine);
  assert_false(mine.allocated);
  struct cmsg c;
  assert_true(pop_dhcp(&c));
  /* Removing the netif stops the client; the teardown checks for leaks. */
  static struct test_netif tn2;
  struct netif *n2 = test_netif_add(&tn2, NULL, NULL, NULL, test_mac2);
  assert_int_equal(dhcp_start(n2), ERR_OK);
  netif_remove(n2);
  assert_null(n2->dhcp);
  test_frames_clear(&tn2);
  test_clock_advance(100000);
  assert_int_equal(test_frames_ip_only(&tn2), 0);
  dhcp_cleanup(nif);
  assert_null(nif->dhcp);
  /* A netif without ARP cannot identify itself by MAC: refused. */
  nif->flags = (u8_t)(nif->flags & ~NETIF_FLAG_ETHARP);
  assert_int_equal(dhcp_start(nif), ERR_ARG);
  nif->flags |= NETIF_FLAG_ETHARP;
}

static void test_dhcp_reboot_nak_and_chained_input(void **state_)
{
  (void)state_;
  fixture();
  struct cmsg c;
  do_bind(DHCP_LEASE_INFINITE_TEST, 0, 0);
  struct dhcp_info info;
  assert_int_equal(dhcp_get_info(nif, &info), ERR_OK);
  assert_int_equal(info.lease_left_s, 0xffffffffU);
  test_clock_advance(3000000);
  assert_int_equal(state(), DHCP_STATE_BOUND);
  assert_int_equal(test_frames_ip_only(&tn), 0);
  /* INIT-REBOOT answered by a NAK: the address goes, discovery starts. */
  netif_set_link_down(nif);
  netif_set_link_up(nif);
  assert_true(pop_dhcp(&c));
  assert_int_equal(state(), DHCP_STATE_REBOOTING);
  u8_t o[8] = {DHCP_OPTION_MESSAGE_TYPE, 1, DHCP_NAK};
  u8_t m[600];
  srv_send_raw(m, srv_msg(m, c.xid, NULL, test_mac, o, 3));
  assert_int_equal(netif_ip4_addr(nif)->addr, 0);
  assert_int_equal(state(), DHCP_STATE_SELECTING);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_DISCOVER);
  /* An OFFER split over many small pbufs parses the same. */
  u8_t opts[128], l4[700], frame[800];
  size_t on = std_opts(opts, DHCP_OFFER, 600, 0, 0);
  size_t mn = srv_msg(m, c.xid, OFFER_IP, test_mac, opts, on);
  size_t n = test_udp(l4, SERVER_IP, "255.255.255.255", 67, 68, m, mn);
  size_t f = test_eth_ip4(frame, SERVER_IP, "255.255.255.255", 17, l4, n);
  memset(frame, 0xff, 6);
  test_rx_chunked(&tn, frame, f, 37);
  assert_int_equal(state(), DHCP_STATE_REQUESTING);
  assert_true(pop_dhcp(&c));
  assert_opt_ip(&c, DHCP_OPTION_REQUESTED_IP, OFFER_IP);
}

/* Option 42 (RFC 2132 8.3): the first DHCP_MAX_NTP_SERVERS addresses of
 * the list are kept and read back with dhcp_get_ntp_servers(); a list of
 * a wrong length spoils the message like any malformed option. */
static void test_dhcp_ntp_servers(void **state_)
{
  (void)state_;
  fixture();
  ip4_addr_t got[4];
  assert_int_equal(dhcp_get_ntp_servers(nif, got, 4), 0); /* no client */
  struct cmsg c;
  assert_int_equal(dhcp_start(nif), ERR_OK);
  assert_int_equal(dhcp_get_ntp_servers(nif, got, 4), 0); /* no lease */
  assert_true(pop_dhcp(&c));
  srv_reply(DHCP_OFFER, c.xid, OFFER_IP, 3600, 0, 0);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_REQUEST);
  u8_t o[160], m[600];
  size_t n = std_opts(o, DHCP_ACK, 3600, 0, 0);
  o[n++] = DHCP_OPTION_NTP_SERVER;
  o[n++] = 12;
  put_n32(o + n, test_ip("192.168.1.123"));
  put_n32(o + n + 4, test_ip("192.168.1.124"));
  put_n32(o + n + 8, test_ip("192.168.1.125"));
  n += 12;
  srv_send_raw(m, srv_msg(m, c.xid, OFFER_IP, test_mac, o, n));
  assert_int_equal(state(), DHCP_STATE_CHECKING);
  assert_int_equal(dhcp_get_ntp_servers(nif, got, 4), DHCP_MAX_NTP_SERVERS);
  assert_int_equal(got[0].addr, test_ip("192.168.1.123"));
  assert_int_equal(got[1].addr, test_ip("192.168.1.124"));
  assert_int_equal(dhcp_get_ntp_servers(nif, got, 1), 1);
  assert_int_equal(got[0].addr, test_ip("192.168.1.123"));
  assert_int_equal(dhcp_get_ntp_servers(nif, NULL, 1), 0);
  dhcp_stop(nif);

  /* DHCPINFORM answered with a malformed option 42: dropped whole. */
  ip4_addr_t a, mk;
  a.addr = test_ip(OTHER_IP);
  mk.addr = test_ip(MASK);
  netif_set_addr(nif, &a, &mk, NULL);
  test_frames_clear(&tn);
  dhcp_inform(nif);
  assert_true(pop_dhcp(&c));
  assert_int_equal(ctype(&c), DHCP_INFORM);
  n = 0;
  o[n++] = DHCP_OPTION_MESSAGE_TYPE;
  o[n++] = 1;
  o[n++] = DHCP_ACK;
  o[n++] = DHCP_OPTION_NTP_SERVER;
  o[n++] = 6;
  memset(o + n, 1, 6);
  n += 6;
#if LWIP_STATS
  u32_t bad = DROPS(DHCP_BAD_OPTION);
#endif
  srv_send_raw(m, srv_msg(m, c.xid, NULL, test_mac, o, n));
#if LWIP_STATS
  assert_int_equal(DROPS(DHCP_BAD_OPTION), bad + 1);
#endif
  assert_int_equal(state(), DHCP_STATE_INFORMING);
  /* A good answer replaces the lease's servers with its own one. */
  n -= 8;
  n += put_opt_ip(o + n, DHCP_OPTION_NTP_SERVER, "10.1.2.3");
  srv_send_raw(m, srv_msg(m, c.xid, NULL, test_mac, o, n));
  assert_int_equal(state(), DHCP_STATE_OFF);
  assert_int_equal(dhcp_get_ntp_servers(nif, got, 4), 1);
  assert_int_equal(got[0].addr, test_ip("10.1.2.3"));
}

#endif /* LWIP_DHCP */

int main(void)
{
#if LWIP_DHCP
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_dhcp_full_exchange, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_retransmit_backoff, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_renew_rebind_expire, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_renew_ack_extends, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_nak, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_ignores_bad_replies, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_overload_malformed, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_decline_on_conflict, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_link_down_up_reboot, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_release, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_inform, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_alloc_failures, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_struct_and_remove, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_reboot_nak_and_chained_input, test_setup, test_teardown),
    cmocka_unit_test_setup_teardown(test_dhcp_ntp_servers, test_setup, test_teardown),
  };
  return cmocka_run_group_tests_name("dhcp", tests, NULL, NULL);
#else
  return 0;
#endif
}
