/**
 * @file ip6cmds.c
 * IPv6 in lwipd: bringing it up on the TAP netif at start-up (and again
 * when record.start restarts the stack), and the IPv6 commands of the
 * control socket (docs/control-protocol.md).
 *
 * Start-up follows RFC 4862: the link-local address first (5.3), with
 * duplicate address detection before it is used (5.4) and router
 * solicitation once it is (RFC 4861 6.3.7), both run by nd6.c on the
 * core's timers, which the event loop serves like every other timer.
 * Static addresses from --ip6 go through DAD too.  Interface identifiers are
 * RFC 7217 stable, opaque ones keyed by a secret taken from lwipd's seed,
 * so `--seed N` gives the same addresses on every run, or modified EUI-64
 * (--iid eui64).
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <stdio.h>
#include <string.h>

#if LWIP_IPV6
#include "lwip/icmp6.h"
#include "lwip/ip6.h"
#include "lwip/ip6_addr.h"
#include "lwip/nd6.h"
#endif

/* ---------------------------------------------------------------------- */
/* Start-up                                                                */
/* ---------------------------------------------------------------------- */

#if LWIP_IPV6
/* SplitMix64 (Steele, Lea, Flood 2014): a good 64-bit mixer, enough to
 * spread one seed over the 128-bit key. */
static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* RFC 7217 5 wants a secret that is stable for the host.  lwipd has no
 * place to keep one, so a seeded lwipd derives it from its seed (the same
 * seed, the same addresses, which is what tests and replay need); an
 * unseeded one leaves the core to draw a random key, stable for the life
 * of the process.  The key is not the seed's random stream itself, so
 * knowing one says nothing of the other. */
static void set_iid_secret(void)
{
  if (!lwipd.seeded) {
    return;
  }
  uint64_t x = lwipd.seed ^ 0x6c77697064366969ULL; /* "lwipd6ii" */
  u8_t key[16];
  for (int half = 0; half < 2; half++) {
    uint64_t v = splitmix64(&x);
    for (int i = 0; i < 8; i++) {
      key[half * 8 + i] = (u8_t)(v >> (56 - 8 * i));
    }
  }
  netif_ip6_set_iid_secret(key);
}

int ip6cmds_setup(struct netif *n, const struct lwipd_ip6_conf *c, char *err, size_t errlen)
{
  set_iid_secret();
  n->ip6_autoconfig_enabled = c->slaac ? 1 : 0;
  err_t e = netif_create_ip6_linklocal_address(n, c->eui64 ? 1 : 0);
  if (e != ERR_OK) {
    snprintf(err, errlen, "cannot make a link-local address: %s", lwip_strerr(e));
    return -1;
  }
  for (int i = 0; i < c->naddr; i++) {
    char buf[IP6ADDR_STRLEN_MAX];
    ip6addr_ntoa_r(&c->addr[i].addr, buf, sizeof(buf));
    e = netif_add_ip6_address_prefix(n, &c->addr[i].addr, c->addr[i].prefix, NULL);
    if (e == ERR_BUF) {
      snprintf(err, errlen, "%s/%u: no free address slot (this build keeps %d IPv6 addresses per netif)", buf,
               c->addr[i].prefix, LWIP_IPV6_NUM_ADDRESSES);
      return -1;
    }
    if (e != ERR_OK) {
      snprintf(err, errlen, "%s/%u: not a unicast address (%s)", buf, c->addr[i].prefix, lwip_strerr(e));
      return -1;
    }
  }
  return 0;
}
#else
int ip6cmds_setup(struct netif *n, const struct lwipd_ip6_conf *c, char *err, size_t errlen)
{
  (void)n;
  if (c->naddr > 0) {
    snprintf(err, errlen, "this build has no IPv6 (ipv6=disabled)");
    return -1;
  }
  return 0;
}
#endif

json_t *ip6cmds_conf_json(const struct lwipd_ip6_conf *c)
{
  json_t *addrs = json_array();
  for (int i = 0; i < c->naddr; i++) {
    char buf[IP6ADDR_STRLEN_MAX + 8];
    char a[IP6ADDR_STRLEN_MAX];
    snprintf(buf, sizeof(buf), "%s/%u", ip6addr_ntoa_r(&c->addr[i].addr, a, sizeof(a)), c->addr[i].prefix);
    json_array_append_new(addrs, json_string(buf));
  }
  return json_pack("{s:b, s:s, s:o}", "slaac", c->slaac, "iid", c->eui64 ? "eui64" : "stable", "addresses", addrs);
}

int ip6cmds_conf_from_json(json_t *o, struct lwipd_ip6_conf *c, char *err, size_t errlen)
{
  json_t *slaac = json_object_get(o, "slaac"), *iid = json_object_get(o, "iid"),
         *addrs = json_object_get(o, "addresses");
  memset(c, 0, sizeof(*c));
  if (!json_is_object(o) || !json_is_boolean(slaac) || !json_is_string(iid) || !json_is_array(addrs) ||
      json_array_size(addrs) > LWIPD_IP6_MAX_STATIC) {
    snprintf(err, errlen, "ip6: expected {slaac: bool, iid: \"stable\"|\"eui64\", addresses: [\"ADDR/PREFIX\", ...]}");
    return -1;
  }
  c->slaac = json_is_true(slaac);
  if (strcmp(json_string_value(iid), "eui64") == 0) {
    c->eui64 = true;
  } else if (strcmp(json_string_value(iid), "stable") != 0) {
    snprintf(err, errlen, "ip6.iid: expected \"stable\" or \"eui64\"");
    return -1;
  }
  size_t i;
  json_t *v;
  json_array_foreach(addrs, i, v) {
    u8_t prefix = 0;
#if LWIP_IPV6
    bool ok = json_is_string(v) && ip6addr_cidr_aton(json_string_value(v), &c->addr[i].addr, &prefix, true);
#else
    bool ok = false; /* no IPv6 in this build: no address can be set */
#endif
    if (!ok) {
      snprintf(err, errlen, "ip6.addresses[%zu]: expected \"ADDR/PREFIX\"", i);
      return -1;
    }
    c->addr[i].prefix = prefix;
    c->naddr++;
  }
  return 0;
}
