/**
 * @file dhcp6cmds.c
 * The core's DHCPv6 client on the control socket: dhcp6.start (stateless,
 * stateful or auto), dhcp6.stop, dhcp6.release, dhcp6.status, and a
 * "dhcp6" event on every client state change (delivered to subscribers
 * of the "dhcp" class, which covers both DHCP clients).  DNS servers a
 * Reply carries go to the resolver, as those of a DHCPv4 lease do.
 */
#define _GNU_SOURCE
#include "lwipd.h"

#include <stdio.h>
#include <string.h>

#include "lwip/err.h"
#include "lwip/debug.h"
#if LWIP_DHCP6
#include "lwip/dhcp6.h"
#endif
#if LWIP_DNS
#include "lwip/dns.h"
#endif

#if LWIP_DHCP6

/* The netif named by args.netif, by default the TAP netif. */
static struct netif *netif_named(json_t *args, struct ctl_reply *r)
{
  const char *name = NULL;
  if (!arg_str(args, "netif", false, &name, r)) {
    return NULL;
  }
  if (name == NULL) {
    if (!lwipd.netif_added) {
      ctl_error(r, CTL_E_NOT_FOUND, "lwipd has no TAP netif");
      return NULL;
    }
    return &lwipd.netif;
  }
  struct netif *n = netif_find(name);
  if (n == NULL) {
    ctl_error(r, CTL_E_NOT_FOUND, "no netif named %s", name);
  }
  return n;
}

static const char *netif_label(struct netif *n, char name[NETIF_NAMESIZE])
{
  return netif_index_to_name(netif_get_index(n), name);
}

/* Seconds as JSON, null for "never" (0xffffffff, RFC 8415 7.7). */
static json_t *json_secs(u32_t s)
{
  return s == DHCP6_INFINITY ? json_null() : json_integer((json_int_t)s);
}

/* A DUID as lower-case hex, the form dnsmasq and ISC logs show. */
static json_t *json_hex(const u8_t *b, u8_t n)
{
  char s[2 * DHCP6_DUID_MAX_LEN + 1];
  for (u8_t i = 0; i < n; i++) {
    snprintf(s + 2 * i, 3, "%02x", b[i]);
  }
  s[2 * n] = '\0';
  return json_string(s);
}

static json_t *lease_json(const struct dhcp6_info *in)
{
  if (!in->have_lease) {
    return json_null();
  }
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "ip", json_ip6(&in->addr), "t1_s", json_secs(in->t1_s),
                   "t2_s", json_secs(in->t2_s), "preferred_s", json_secs(in->pref_s), "valid_s", json_secs(in->valid_s),
                   "t1_left_s", json_secs(in->t1_left_s), "t2_left_s", json_secs(in->t2_left_s), "valid_left_s",
                   json_secs(in->valid_left_s));
}

static json_t *dhcp6_status_json(struct netif *n)
{
  char name[NETIF_NAMESIZE];
  u8_t duid[DHCP6_DUID_MAX_LEN];
  u8_t dlen = dhcp6_get_duid(n, duid, sizeof(duid));
  struct dhcp6_info in;
  if (dhcp6_get_info(n, &in) != ERR_OK) {
    /* No client was ever started on this netif. */
    return json_pack("{s:s, s:s, s:s, s:o}", "netif", netif_label(n, name), "state", "off", "mode", "off", "duid",
                     json_hex(duid, dlen));
  }
  json_t *dns = json_array();
  for (u8_t i = 0; i < in.dns_count && i < DHCP6_MAX_DNS_SERVERS; i++) {
    json_array_append_new(dns, json_ip6(&in.dns[i]));
  }
  json_t *domains = json_array();
  for (u8_t i = 0; i < in.domain_count && i < DHCP6_MAX_DOMAINS; i++) {
    json_array_append_new(domains, json_string(in.domains[i]));
  }
  json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:I, s:i, s:I, s:o, s:o, s:o, s:o}", "netif", netif_label(n, name),
                        "state", in.state, "mode", in.mode, "duid", json_hex(duid, dlen), "iaid", (json_int_t)in.iaid,
                        "tries", in.tries, "rt_ms", (json_int_t)in.rt_ms, "server",
                        in.server_duid_len ? json_hex(in.server_duid, in.server_duid_len) : json_null(), "lease",
                        lease_json(&in), "dns", dns, "domains", domains);
  if (strcmp(in.state, "informed") == 0) {
    json_object_set_new(o, "refresh_left_s", json_secs(in.refresh_left_s));
  }
  return o;
}

static json_t *cmd_dhcp6_start(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = netif_named(args, r);
  const char *mode = "stateful";
  if (n == NULL || !arg_str(args, "mode", false, &mode, r)) {
    return NULL;
  }
  if (mode == NULL) {
    mode = "stateful";
  }
  err_t err;
  if (strcmp(mode, "stateless") == 0) {
    err = dhcp6_enable_stateless(n);
  } else if (strcmp(mode, "stateful") == 0) {
    err = dhcp6_enable_stateful(n);
  } else if (strcmp(mode, "auto") == 0) {
    err = dhcp6_enable_auto(n);
  } else {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.mode: expected stateless, stateful or auto");
  }
  if (err == ERR_ARG) {
    return ctl_error(r, CTL_E_BAD_ARGS, "args.netif: DHCPv6 needs an Ethernet netif");
  }
  if (err != ERR_OK) {
    return ctl_error(r, err == ERR_MEM ? CTL_E_NO_MEMORY : CTL_E_FAILED, "%s: %s", lwip_err_name(err),
                     lwip_strerr(err));
  }
  LWIP_LOG(APP, INFO, "DHCPv6 (%s) started on %c%c%u", mode, n->name[0], n->name[1], n->num);
  return dhcp6_status_json(n);
}

/* The netif named in @p args, where DHCPv6 must be running. */
static struct netif *running_netif(json_t *args, struct ctl_reply *r)
{
  struct netif *n = netif_named(args, r);
  if (n != NULL && !dhcp6_running(n)) {
    ctl_error(r, CTL_E_NOT_FOUND, "DHCPv6 is not running on %c%c%u", n->name[0], n->name[1], n->num);
    return NULL;
  }
  return n;
}

static json_t *cmd_dhcp6_stop(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = running_netif(args, r);
  if (n == NULL) {
    return NULL;
  }
  /* Without a Release: the server keeps the binding until its lifetimes
   * end (dhcp6.release tells it). */
  dhcp6_disable(n);
  return dhcp6_status_json(n);
}

static json_t *cmd_dhcp6_release(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = running_netif(args, r);
  if (n == NULL) {
    return NULL;
  }
  struct dhcp6_info in;
  dhcp6_get_info(n, &in);
  err_t err = dhcp6_release(n);
  if (err == ERR_CONN) {
    return ctl_error(r, CTL_E_FAILED, "no lease to release (state %s)", in.state);
  }
  json_t *o = dhcp6_status_json(n);
  json_object_set_new(o, "released_ip", json_ip6(&in.addr));
  return o;
}

static json_t *cmd_dhcp6_status(struct ctl_req *req, json_t *args, struct ctl_reply *r)
{
  (void)req;
  struct netif *n = netif_named(args, r);
  return n == NULL ? NULL : dhcp6_status_json(n);
}

static void dhcp6_state_event(struct netif *n, u8_t old_state, u8_t new_state)
{
  if (!ctl_has_subscribers(CTL_EV_DHCP)) {
    return;
  }
  char name[NETIF_NAMESIZE];
  json_t *ev = json_pack("{s:s, s:s, s:s}", "netif", netif_label(n, name), "from", dhcp6_state_name(old_state), "to",
                         dhcp6_state_name(new_state));
  struct dhcp6_info in;
  if (ev != NULL && dhcp6_get_info(n, &in) == ERR_OK) {
    json_object_set_new(ev, "mode", json_string(in.mode));
    if (in.have_lease) {
      json_object_set_new(ev, "ip", json_ip6(&in.addr));
    }
  }
  ctl_broadcast(CTL_EV_DHCP, "dhcp6", ev);
}

#if LWIP_DNS
/* RFC 3646 3: the servers of a Reply become the resolver's; a Reply
 * without option 23 leaves the configured servers alone. */
static void dhcp6_dns_servers(struct netif *n, u8_t count, const ip6_addr_t *servers)
{
  if (count == 0) {
    return;
  }
  for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
    if (i < count) {
      ip_addr_t a;
      memset(&a, 0, sizeof(a));
      a.type = IPADDR_TYPE_V6;
      *ip_2_ip6(&a) = servers[i];
      /* A link-local server is reached through the netif it was learnt on. */
      ip_2_ip6(&a)->zone = ip6_addr_has_scope(&servers[i]) ? netif_get_index(n) : IP6_NO_ZONE;
      dns_setserver_source(i, &a, DNS_SERVER_DHCP6);
    } else {
      dns_setserver(i, NULL);
    }
  }
}
#endif

void dhcp6cmds_init(void)
{
  dhcp6_set_state_callback(dhcp6_state_event);
#if LWIP_DNS
  dhcp6_set_dns_callback(dhcp6_dns_servers);
#endif
}

#else /* LWIP_DHCP6 */

#define NO_DHCP6 "this build has no DHCPv6 client (dhcp6=disabled)"
#define DISABLED_CMD(fn)                                                                                               \
  static json_t *fn(struct ctl_req *req, json_t *args, struct ctl_reply *r)                                            \
  {                                                                                                                    \
    (void)req;                                                                                                         \
    (void)args;                                                                                                        \
    return ctl_error(r, CTL_E_FAILED, NO_DHCP6);                                                                       \
  }
DISABLED_CMD(cmd_dhcp6_start)
DISABLED_CMD(cmd_dhcp6_stop)
DISABLED_CMD(cmd_dhcp6_release)
DISABLED_CMD(cmd_dhcp6_status)

void dhcp6cmds_init(void)
{
}

#endif /* LWIP_DHCP6 */

const struct ctl_cmd dhcp6_cmds[] = {
    {"dhcp6.start", cmd_dhcp6_start, "start the DHCPv6 client (mode stateful, stateless or auto: as the RA's M/O say)"},
    {"dhcp6.stop", cmd_dhcp6_stop, "stop the DHCPv6 client; a leased address is dropped without a Release"},
    {"dhcp6.release", cmd_dhcp6_release, "release the DHCPv6 lease (RFC 8415 18.2.7) and stop"},
    {"dhcp6.status", cmd_dhcp6_status, "the DHCPv6 client's state, DUID, lease, DNS servers and domains"},
    {NULL, NULL, NULL},
};
