/**
 * @file dns.c
 * DNS stub resolver (RFC 1035, AAAA per RFC 3596) and one-shot mDNS
 * queries (RFC 6762 5.1) for ".local" names.  See lwip/dns.h for the
 * behaviour; this file explains the how.
 *
 * Lookups live in a small static table.  Each owns a UDP PCB bound to a
 * random ephemeral port and one timer, both released when the lookup ends,
 * so an idle resolver holds no PCB and arms no timer.  Received messages
 * are copied into one static buffer and parsed with bounds-checked reads
 * only; compression pointers must point strictly backwards past every
 * earlier jump of the same name, which makes loops impossible.
 *
 * Both families: servers may be IPv4 or IPv6 addresses (a link-local one
 * with its zone), the lookup's PCB is dual-stack (IP_ANY_TYPE), so the same
 * source checks (server address and port 53, ID, question with its 0x20
 * case) hold for either, and an mDNS query goes to 224.0.0.251 and, when
 * the link has a usable IPv6 address, to ff02::fb as well (RFC 6762 5.1,
 * 20: a dual-stack querier asks on both).
 */
#include "lwip/opt.h"

#if LWIP_DNS

#include "lwip/dns.h"
#include "lwip/dns_name.h"
#include "lwip/udp.h"
#include "lwip/ip6.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/dns.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/init.h"

#include <string.h>

/** Largest message we look at.  Unicast servers stay within 512 bytes
 *  (we send no EDNS0), but mDNS responders may send up to a link MTU. */
#define DNS_RX_BUF_SIZE 1500
/** Answer records remembered while following a CNAME chain. */
#define DNS_MAX_ANSWERS 24

struct dns_req {
  bool used;
  bool mdns;
  u8_t addrtype;          /* LWIP_DNS_ADDRTYPE_* asked for */
  u8_t server_idx;        /* server of the current try (DNS_SERVER_IDX_MDNS) */
  u8_t tries_server;      /* tries sent to the current server */
  u8_t tries_total;
  u8_t queried;           /* bit per server index this lookup was sent to */
  u16_t qtype;            /* type asked for now */
  u16_t fallback_qtype;   /* type to ask next on NODATA (0: none) */
  u16_t id;
  u32_t wait_ms;          /* current wait for an answer */
  u32_t start;            /* sys_now() when the lookup started */
  struct udp_pcb *pcb;
  dns_found_callback found;
  dns_found_ex_callback found_ex;
  void *arg;
  char name[DNS_MAX_NAME_LENGTH];  /* as asked, without a trailing dot */
  char qname[DNS_MAX_NAME_LENGTH]; /* as sent: 0x20 case randomised */
};

struct dns_cache_entry {
  bool used;
  u8_t naddrs;
  u8_t server_idx;
  u16_t qtype;
  u32_t expires;          /* sys_now() deadline */
  u32_t lru;              /* dns_lru_clock at the last use */
  u32_t elapsed_ms;
  ip_addr_t addrs[DNS_MAX_ADDRS];
  ip_addr_t server;
  char name[DNS_MAX_NAME_LENGTH]; /* lower case */
};

struct dns_local_host {
  bool used;
  ip_addr_t addr;
  char name[DNS_MAX_NAME_LENGTH];
};

static ip_addr_t dns_servers[DNS_MAX_SERVERS];
/* Where each server came from (enum dns_server_origin): the resolver does
 * not use it, but whoever shows the servers needs it to be honest. */
static u8_t dns_server_origin[DNS_MAX_SERVERS];
static struct dns_req dns_reqs[DNS_MAX_REQUESTS];
static struct dns_cache_entry dns_cache[DNS_TABLE_SIZE];
static struct dns_local_host dns_hosts[DNS_LOCAL_HOSTLIST_MAX];
static u32_t dns_lru_clock;
static u8_t dns_rxbuf[DNS_RX_BUF_SIZE];

static void dns_tmr(void *arg);

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

static char dns_lower(char c)
{
  return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static u8_t dns_lower_u8(u8_t c)
{
  return (c >= 'A' && c <= 'Z') ? (u8_t)(c - 'A' + 'a') : c;
}

static bool dns_streq_nocase(const char *a, const char *b)
{
  while (*a != '\0' && dns_lower(*a) == dns_lower(*b)) {
    a++;
    b++;
  }
  return *a == '\0' && *b == '\0';
}

static bool dns_name_char_ok(char c)
{
  /* Letters, digits and hyphen (RFC 1123 2.1), plus underscore, which
   * service names (RFC 2782) use and resolvers pass through. */
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

/** Check @p hostname and copy it to @p out without a trailing dot.
 *  @return true when it is a name we can send. */
static bool dns_name_normalise(const char *hostname, char *out)
{
  size_t len = 0;
  while (len < DNS_MAX_NAME_LENGTH && hostname[len] != '\0') {
    len++;
  }
  if (len == 0 || len >= DNS_MAX_NAME_LENGTH) {
    return false;
  }
  if (hostname[len - 1] == '.') {
    len--; /* a fully qualified name: the root label is implied anyway */
  }
  /* Encoded it takes one length byte per label plus the root byte, i.e.
   * len + 2 bytes, and RFC 1035 2.3.4 limits names to 255. */
  if (len == 0 || len + 2 > DNS_NAME_WIRE_MAX) {
    return false;
  }
  size_t label = 0;
  for (size_t i = 0; i < len; i++) {
    char c = hostname[i];
    if (c == '.') {
      if (label == 0) {
        return false; /* empty label */
      }
      label = 0;
    } else if (!dns_name_char_ok(c)) {
      return false;
    } else if (++label > DNS_LABEL_MAX) {
      return false;
    }
    out[i] = c;
  }
  if (label == 0) {
    return false;
  }
  out[len] = '\0';
  return true;
}

/** Does the (normalised) name end in the label "local" (RFC 6762 3)? */
static bool dns_is_mdns_name(const char *name)
{
  size_t len = strlen(name);
  if (len < 7) {
    return false; /* "local" alone is no host name */
  }
  return dns_streq_nocase(name + len - 6, ".local");
}

/** Compare the name at @p off with the dotted @p name.  @p exact compares
 *  letter case too (DNS 0x20).  @return 1 equal, 0 different, -1 malformed. */
static int dns_name_eq_str(const u8_t *buf, u16_t len, u16_t off, const char *name, bool exact)
{
  struct dns_name_walk w;
  u16_t lab;
  const char *s = name;
  bool same = true;
  dns_walk_start(&w, off);
  for (;;) {
    int n = dns_walk_label(&w, buf, len, &lab);
    if (n < 0) {
      return -1;
    }
    if (n == 0) {
      return (same && *s == '\0') ? 1 : 0;
    }
    /* Keep walking after a mismatch so a malformed tail is still seen. */
    if (same) {
      size_t sl = 0;
      while (s[sl] != '\0' && s[sl] != '.') {
        sl++;
      }
      if (sl != (size_t)n) {
        same = false;
      } else {
        for (int i = 0; i < n; i++) {
          u8_t a = buf[lab + i], b = (u8_t)s[i];
          if (exact ? a != b : dns_lower_u8(a) != dns_lower_u8(b)) {
            same = false;
            break;
          }
        }
        s += sl;
        if (*s == '.') {
          s++;
        }
      }
    }
  }
}

/** Compare two names in the message, ignoring case (RFC 4343).
 *  @return 1 equal, 0 different, -1 malformed. */
static int dns_name_eq_pkt(const u8_t *buf, u16_t len, u16_t a, u16_t b)
{
  struct dns_name_walk wa, wb;
  dns_walk_start(&wa, a);
  dns_walk_start(&wb, b);
  for (;;) {
    u16_t la, lb;
    int na = dns_walk_label(&wa, buf, len, &la);
    int nb = dns_walk_label(&wb, buf, len, &lb);
    if (na < 0 || nb < 0) {
      return -1;
    }
    if (na != nb) {
      return 0;
    }
    if (na == 0) {
      return 1;
    }
    for (int i = 0; i < na; i++) {
      if (dns_lower_u8(buf[la + i]) != dns_lower_u8(buf[lb + i])) {
        return 0;
      }
    }
  }
}

/* ------------------------------------------------------------------ */
/* Cache and local host table                                          */
/* ------------------------------------------------------------------ */

static u32_t dns_ttl_left_s(const struct dns_cache_entry *e, u32_t now)
{
  return (e->expires - now + 999U) / 1000U;
}

/** The live entry for @p name and @p qtype, dropping it when expired. */
static struct dns_cache_entry *dns_cache_find(const char *name, u16_t qtype, u32_t now)
{
  for (int i = 0; i < DNS_TABLE_SIZE; i++) {
    struct dns_cache_entry *e = &dns_cache[i];
    if (!e->used || e->qtype != qtype || !dns_streq_nocase(e->name, name)) {
      continue;
    }
    if (!lwip_time_before(now, e->expires)) {
      e->used = false;
      return NULL;
    }
    return e;
  }
  return NULL;
}

static void dns_cache_store(const char *name, const struct dns_result *res)
{
  u32_t now = sys_now();
  struct dns_cache_entry *e = dns_cache_find(name, res->qtype, now);
  if (e == NULL) {
    /* A free slot, else an expired one, else the least recently used. */
    for (int i = 0; i < DNS_TABLE_SIZE && e == NULL; i++) {
      if (!dns_cache[i].used) {
        e = &dns_cache[i];
      }
    }
    for (int i = 0; i < DNS_TABLE_SIZE && e == NULL; i++) {
      if (!lwip_time_before(now, dns_cache[i].expires)) {
        e = &dns_cache[i];
      }
    }
    if (e == NULL) {
      e = &dns_cache[0];
      for (int i = 1; i < DNS_TABLE_SIZE; i++) {
        if ((s32_t)(dns_cache[i].lru - e->lru) < 0) {
          e = &dns_cache[i];
        }
      }
    }
    if (e->used) {
      LWIP_LOG(DNS, DEBUG, "cache full: evicting %s", e->name);
    }
  }
  size_t n = strlen(name);
  for (size_t i = 0; i <= n; i++) {
    e->name[i] = dns_lower(name[i]);
  }
  e->used = true;
  e->qtype = res->qtype;
  e->naddrs = res->naddrs;
  memcpy(e->addrs, res->addrs, sizeof(e->addrs));
  e->server = res->server;
  e->server_idx = res->server_idx;
  e->elapsed_ms = res->elapsed_ms;
  e->expires = now + res->ttl * 1000U;
  e->lru = ++dns_lru_clock;
}

/** qtypes to look for, in order of preference, for an address type. */
static int dns_qtypes(u8_t addrtype, u16_t types[2])
{
  switch (addrtype) {
  case LWIP_DNS_ADDRTYPE_IPV6:
    types[0] = DNS_RRTYPE_AAAA;
    return 1;
  case LWIP_DNS_ADDRTYPE_IPV4_IPV6:
    types[0] = DNS_RRTYPE_A;
    types[1] = DNS_RRTYPE_AAAA;
    return 2;
  case LWIP_DNS_ADDRTYPE_IPV6_IPV4:
    types[0] = DNS_RRTYPE_AAAA;
    types[1] = DNS_RRTYPE_A;
    return 2;
  default:
    types[0] = DNS_RRTYPE_A;
    return 1;
  }
}

static void dns_result_init(struct dns_result *res, const char *name, u8_t source)
{
  memset(res, 0, sizeof(*res));
  res->name = name;
  res->source = source;
  res->server_idx = DNS_SERVER_IDX_NONE;
  ip_addr_set_zero(&res->server);
}

/** Answer from the local host table or the cache without sending. */
static bool dns_lookup_local(const char *name, u8_t addrtype, struct dns_result *res)
{
  u16_t types[2];
  int ntypes = dns_qtypes(addrtype, types);
  u32_t now = sys_now();
  for (int t = 0; t < ntypes; t++) {
    u8_t family = types[t] == DNS_RRTYPE_A ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6;
    for (int i = 0; i < DNS_LOCAL_HOSTLIST_MAX; i++) {
      const struct dns_local_host *h = &dns_hosts[i];
      if (h->used && IP_GET_TYPE(&h->addr) == family && dns_streq_nocase(h->name, name)) {
        dns_result_init(res, name, DNS_SOURCE_LOCAL);
        res->naddrs = 1;
        res->addrs[0] = h->addr;
        res->qtype = types[t];
        return true;
      }
    }
  }
  for (int t = 0; t < ntypes; t++) {
    struct dns_cache_entry *e = dns_cache_find(name, types[t], now);
    if (e != NULL) {
      dns_result_init(res, name, DNS_SOURCE_CACHE);
      res->naddrs = e->naddrs;
      memcpy(res->addrs, e->addrs, sizeof(res->addrs));
      res->qtype = e->qtype;
      res->ttl = dns_ttl_left_s(e, now);
      res->server = e->server;
      res->server_idx = e->server_idx;
      e->lru = ++dns_lru_clock;
      return true;
    }
  }
  return false;
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */
/* ------------------------------------------------------------------ */

/** First configured server at index @p from or above (DNS_MAX_SERVERS: none). */
static u8_t dns_next_server(u8_t from)
{
  for (u8_t i = from; i < DNS_MAX_SERVERS; i++) {
    if (!ip_addr_isany(&dns_servers[i])) {
      return i;
    }
  }
  return DNS_MAX_SERVERS;
}

/** Randomise the letter case of the question (DNS 0x20): a spoofer must
 *  now guess one more bit per letter besides the port and the ID. */
static void dns_case_randomise(char *qname, const char *name)
{
  u32_t bits = 0;
  int nbits = 0;
  size_t i;
  for (i = 0; name[i] != '\0'; i++) {
    char c = dns_lower(name[i]);
    if (c >= 'a' && c <= 'z') {
      if (nbits == 0) {
        bits = lwip_port_rand();
        nbits = 32;
      }
      if (bits & 1U) {
        c = (char)(c - 'a' + 'A');
      }
      bits >>= 1;
      nbits--;
    }
    qname[i] = c;
  }
  qname[i] = '\0';
}

static void dns_sendto(struct dns_req *r, struct pbuf *p, const ip_addr_t *dst, u16_t port)
{
  err_t err = udp_sendto(r->pcb, p, dst, port);
  STATS_TX(DNS);
  LWIP_LOG(DNS, DEBUG, "query %s type %u id 0x%04x to %s (try %u): %s", r->qname, r->qtype, r->id,
           ipaddr_ntoa(dst), r->tries_total, lwip_strerr(err));
  (void)err;
}

#if LWIP_IPV6
/** The IPv6 mDNS group ff02::fb (RFC 6762 3) in @p dst, when the link it
 *  would leave by has an IPv6 address to send from.  @return false when
 *  there is none (the IPv4 query is then the only one). */
static bool dns_mdns6_group(ip_addr_t *dst)
{
  memset(dst, 0, sizeof(*dst));
  dst->type = IPADDR_TYPE_V6;
  ip6_addr_t *g = ip_2_ip6(dst);
  g->addr[0] = PP_HTONL(0xff020000UL);
  g->addr[3] = PP_HTONL(0xfbUL);
  struct netif *n = ip6_route(NULL, g);
  return n != NULL && ip6_select_source_address(n, g) != NULL;
}
#endif

/** Build and send the query for the current try.  Failures to send are
 *  only logged: the timer retries as for a lost datagram. */
static void dns_send(struct dns_req *r)
{
  size_t nlen = strlen(r->qname);
  u16_t len = (u16_t)(DNS_HDR_LEN + nlen + 2 + DNS_QUESTION_TRAILER_LEN);
  if (!r->mdns) {
    if (ip_addr_isany(&dns_servers[r->server_idx])) {
      /* The server was cleared while we were asking it: let the next
       * timeout move on to the next one. */
      r->tries_server = DNS_MAX_RETRIES;
      return;
    }
    r->queried = (u8_t)(r->queried | (1U << r->server_idx));
  }
  r->tries_server++;
  r->tries_total++;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_RAM);
  if (p == NULL) {
    LWIP_DROP(DNS_NO_MEM);
    return;
  }
  u8_t *m = (u8_t *)p->payload;
  memset(m, 0, DNS_HDR_LEN);
  put_be16(m + DNS_OFF_ID, r->id);
  /* RFC 6762 18.2: mDNS queries have RD clear; a stub asks for recursion. */
  put_be16(m + DNS_OFF_FLAGS, r->mdns ? 0 : DNS_FLAG_RD);
  put_be16(m + DNS_OFF_QDCOUNT, 1);
  u8_t *q = m + DNS_HDR_LEN;
  const char *s = r->qname;
  while (*s != '\0') {
    size_t l = 0;
    while (s[l] != '\0' && s[l] != '.') {
      l++;
    }
    *q++ = (u8_t)l;
    memcpy(q, s, l);
    q += l;
    s += l;
    if (*s == '.') {
      s++;
    }
  }
  *q++ = 0;
  put_be16(q, r->qtype);
  put_be16(q + 2, DNS_RRCLASS_IN);

  ip_addr_t dst;
  u16_t port;
  if (r->mdns) {
    ip4_addr_t group = {PP_HTONL(DNS_MQUERY_IPV4_GROUP)};
    ip_addr_set_ip4(&dst, &group);
    port = DNS_MQUERY_PORT;
  } else {
    dst = dns_servers[r->server_idx];
    port = DNS_SERVER_PORT;
  }
  dns_sendto(r, p, &dst, port);
#if LWIP_IPV6
  if (r->mdns && dns_mdns6_group(&dst)) {
    dns_sendto(r, p, &dst, port);
  }
#endif
  pbuf_free(p);
}

static void dns_req_free(struct dns_req *r)
{
  sys_untimeout(dns_tmr, r);
  if (r->pcb != NULL) {
    udp_remove(r->pcb);
    r->pcb = NULL;
  }
  r->used = false;
}

/** End lookup @p r: cache a positive result, release the request, then
 *  call back (last, so the callback may start new lookups). */
static void dns_finish(struct dns_req *r, struct dns_result *res)
{
  char name[DNS_MAX_NAME_LENGTH];
  strcpy(name, r->name);
  res->name = name;
  res->tries = r->tries_total;
  res->elapsed_ms = sys_now() - r->start;
  if (res->status != DNS_STATUS_OK) {
    res->naddrs = 0;
    res->ttl = 0;
  } else if (res->ttl > 0) {
    /* RFC 1035 3.2.1: TTL 0 means use for this transaction only. */
    dns_cache_store(name, res);
  }
  dns_found_callback found = r->found;
  dns_found_ex_callback found_ex = r->found_ex;
  void *arg = r->arg;
  dns_req_free(r);
  LWIP_LOG(DNS, INFO, "%s: %s (%u addresses, ttl %lu, %lu ms)", name, dns_status_name(res->status),
           res->naddrs, (unsigned long)res->ttl, (unsigned long)res->elapsed_ms);
  if (found_ex != NULL) {
    found_ex(res, arg);
  } else if (found != NULL) {
    found(name, res->status == DNS_STATUS_OK ? &res->addrs[0] : NULL, arg);
  }
}

static void dns_finish_status(struct dns_req *r, u8_t status, const ip_addr_t *from)
{
  struct dns_result res;
  dns_result_init(&res, r->name, DNS_SOURCE_NETWORK);
  res.status = status;
  res.qtype = r->qtype;
  if (from != NULL) {
    res.server = *from;
    res.server_idx = r->server_idx;
  }
  dns_finish(r, &res);
}

/** Start (or restart, for the fallback type) the tries of @p r. */
static err_t dns_start_tries(struct dns_req *r)
{
  r->id = (u16_t)lwip_port_rand();
  r->server_idx = r->mdns ? DNS_SERVER_IDX_MDNS : dns_next_server(0);
  r->tries_server = 0;
  r->wait_ms = DNS_TMR_INITIAL_MS;
  sys_untimeout(dns_tmr, r);
  if (sys_timeout(r->wait_ms, dns_tmr, r) != ERR_OK) {
    LWIP_DROP(DNS_NO_MEM);
    return ERR_MEM;
  }
  dns_send(r);
  return ERR_OK;
}

/** The current try went unanswered: retry, move on, or give up. */
static void dns_tmr(void *arg)
{
  struct dns_req *r = (struct dns_req *)arg;
  if (r->tries_server >= DNS_MAX_RETRIES) {
    u8_t next = r->mdns ? DNS_MAX_SERVERS : dns_next_server((u8_t)(r->server_idx + 1));
    if (next >= DNS_MAX_SERVERS) {
      dns_finish_status(r, DNS_STATUS_TIMEOUT, NULL);
      return;
    }
    LWIP_LOG(DNS, INFO, "%s: server %u silent, trying server %u", r->name, r->server_idx, next);
    r->server_idx = next;
    r->tries_server = 0;
    r->wait_ms = DNS_TMR_INITIAL_MS;
  } else {
    r->wait_ms = r->wait_ms * 2U > DNS_TMR_MAX_MS ? DNS_TMR_MAX_MS : r->wait_ms * 2U;
  }
  if (sys_timeout(r->wait_ms, dns_tmr, r) != ERR_OK) {
    LWIP_DROP(DNS_NO_MEM);
    dns_finish_status(r, DNS_STATUS_NO_MEM, NULL);
    return;
  }
  dns_send(r);
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */
/* ------------------------------------------------------------------ */

#if LWIP_IPV6
/** IPv6 half of dns_on_link(): link-local, or inside the on-link prefix
 *  of one of our addresses. */
static bool dns_on_link6(const ip6_addr_t *a)
{
  if (ip6_addr_islinklocal(a)) {
    return true;
  }
  struct netif *n;
  NETIF_FOREACH(n) {
    for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
      u8_t plen = n->ip6_addr_prefix_len[i];
      if (netif_is_up(n) && ip6_addr_isvalid(netif_ip6_addr_state(n, i)) && plen != 0 &&
          ip6_addr_prefix_eq(a, netif_ip6_addr(n, i), plen)) {
        return true;
      }
    }
  }
  return false;
}
#endif

/** Is @p addr on a link of one of our interfaces (RFC 6762 11: mDNS
 *  answers come from the local link)? */
static bool dns_on_link(const ip_addr_t *addr)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*addr)) {
    return dns_on_link6(ip_2_ip6(addr));
  }
#endif
  if (!IP_IS_V4_VAL(*addr)) {
    return false;
  }
  const ip4_addr_t *a = ip_2_ip4(addr);
  if (ip4_addr_islinklocal(a)) {
    return true;
  }
  struct netif *n;
  NETIF_FOREACH(n) {
    if (netif_is_up(n) && !ip4_addr_isany(netif_ip4_addr(n)) &&
        ip4_addr_net_eq(a, netif_ip4_addr(n), netif_ip4_netmask(n))) {
      return true;
    }
  }
  return false;
}

/** Is @p from the server @p srv?  A link-local IPv6 server set without a
 *  zone answers from whichever link it was asked on. */
static bool dns_server_eq(const ip_addr_t *srv, const ip_addr_t *from)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*srv) && IP_IS_V6_VAL(*from) && ip_2_ip6(srv)->zone == IP6_NO_ZONE) {
    return ip6_addr_eq_nozone(ip_2_ip6(srv), ip_2_ip6(from));
  }
#endif
  return ip_addr_eq(srv, from);
}

/** Is the sender one we asked?  Sets the answering server's index. */
static bool dns_source_ok(struct dns_req *r, const ip_addr_t *addr, u16_t port, u8_t *idx)
{
  if (r->mdns) {
    *idx = DNS_SERVER_IDX_MDNS;
    return port == DNS_MQUERY_PORT && dns_on_link(addr);
  }
  if (port != DNS_SERVER_PORT) {
    return false;
  }
  for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
    if ((r->queried & (1U << i)) && dns_server_eq(&dns_servers[i], addr)) {
      *idx = i;
      return true;
    }
  }
  return false;
}

/* An answer record kept for the CNAME walk: offsets into the message. */
struct dns_rr {
  u16_t owner;
  u16_t type;
  u16_t rdata;
  u16_t rdlen;
  u32_t ttl;
};

/* The answer records worth keeping (class IN; A, AAAA or CNAME). */
struct dns_answers {
  struct dns_rr rr[DNS_MAX_ANSWERS];
  int n;
};

/** Stage 1: the header and the question.  The question must come back as
 *  sent (RFC 5452 9.1), byte for byte for unicast so the 0x20 case
 *  pattern is checked; mDNS names are compared without case (RFC 6762 16).
 *  @return the offset of the first answer record with the header flags in
 *  *@p flags, or -1 when the message is dropped (counted). */
static int dns_check_question(const struct dns_req *r, const u8_t *m, u16_t len, u16_t *flags)
{
  if (len < DNS_HDR_LEN) {
    LWIP_DROP(DNS_SHORT);
    return -1;
  }
  if (get_be16(m + DNS_OFF_ID) != r->id) {
    LWIP_DROP(DNS_BAD_ID);
    return -1;
  }
  *flags = get_be16(m + DNS_OFF_FLAGS);
  if ((*flags & DNS_FLAG_QR) == 0 || (*flags & DNS_FLAG_OPCODE_MASK) != 0) {
    LWIP_DROP(DNS_NOT_RESPONSE);
    return -1;
  }
  if (get_be16(m + DNS_OFF_QDCOUNT) != 1) {
    LWIP_DROP(DNS_BAD_QUESTION);
    return -1;
  }
  int qeq = dns_name_eq_str(m, len, DNS_HDR_LEN, r->qname, !r->mdns);
  int off = dns_skip_name(m, len, DNS_HDR_LEN);
  if (qeq < 0 || off < 0 || off + DNS_QUESTION_TRAILER_LEN > len) {
    LWIP_DROP(DNS_MALFORMED);
    return -1;
  }
  u16_t qclass = get_be16(m + off + 2);
  if (r->mdns) {
    qclass = (u16_t)(qclass & ~DNS_RRCLASS_MDNS_FLAG);
  }
  if (qeq == 0 || get_be16(m + off) != r->qtype || qclass != DNS_RRCLASS_IN) {
    LWIP_DROP(DNS_BAD_QUESTION);
    return -1;
  }
  return off + DNS_QUESTION_TRAILER_LEN;
}

/** Stage 2, one record: read the record at @p off into @p rr, checking
 *  its bounds and the RDATA of the types we use.  *@p keep says whether
 *  it is one for the CNAME walk.  @return the offset of the next record,
 *  or -1 when it is malformed (counted: the message is dropped). */
static int dns_read_rr(const struct dns_req *r, const u8_t *m, u16_t len, int off, struct dns_rr *rr, bool *keep)
{
  *keep = false;
  rr->owner = (u16_t)off;
  off = dns_skip_name(m, len, rr->owner);
  if (off < 0 || off + DNS_RR_FIXED_LEN > len) {
    LWIP_DROP(DNS_MALFORMED); /* also: more records counted than present */
    return -1;
  }
  rr->type = get_be16(m + off + DNS_RR_OFF_TYPE);
  u16_t rclass = get_be16(m + off + DNS_RR_OFF_CLASS);
  u32_t ttl = get_be32(m + off + DNS_RR_OFF_TTL);
  rr->rdlen = get_be16(m + off + DNS_RR_OFF_RDLEN);
  rr->rdata = (u16_t)(off + DNS_RR_FIXED_LEN);
  if ((u32_t)rr->rdata + rr->rdlen > len) {
    LWIP_DROP(DNS_MALFORMED);
    return -1;
  }
  int next = rr->rdata + rr->rdlen;
  if (r->mdns) {
    rclass = (u16_t)(rclass & ~DNS_RRCLASS_MDNS_FLAG); /* cache-flush bit */
  }
  if (rclass != DNS_RRCLASS_IN) {
    return next;
  }
  if ((rr->type == DNS_RRTYPE_A && rr->rdlen != 4) || (rr->type == DNS_RRTYPE_AAAA && rr->rdlen != 16)) {
    LWIP_DROP(DNS_MALFORMED);
    return -1;
  }
  if (rr->type == DNS_RRTYPE_CNAME && dns_skip_name(m, len, rr->rdata) != next) {
    LWIP_DROP(DNS_MALFORMED); /* target name not exactly filling RDATA */
    return -1;
  }
  /* RFC 2181 8: a TTL with the top bit set is to be taken as zero. */
  rr->ttl = (ttl & 0x80000000UL) ? 0 : ttl;
  *keep = rr->type == DNS_RRTYPE_A || rr->type == DNS_RRTYPE_AAAA || rr->type == DNS_RRTYPE_CNAME;
  return next;
}

/** Stage 2: walk every answer record from @p off, validating all of them
 *  before any is used; keep the first DNS_MAX_ANSWERS useful ones in
 *  @p ans.  @return false when the message is dropped as malformed. */
static bool dns_walk_answers(const struct dns_req *r, const u8_t *m, u16_t len, int off, struct dns_answers *ans)
{
  ans->n = 0;
  u16_t ancount = get_be16(m + DNS_OFF_ANCOUNT);
  for (u16_t i = 0; i < ancount; i++) {
    struct dns_rr rr;
    bool keep;
    off = dns_read_rr(r, m, len, off, &rr, &keep);
    if (off < 0) {
      return false;
    }
    if (keep && ans->n < DNS_MAX_ANSWERS) {
      ans->rr[ans->n++] = rr;
    }
  }
  return true;
}

/** Add the address in A or AAAA record @p rr to @p res (while room). */
static void dns_add_addr(struct dns_result *res, const u8_t *m, const struct dns_rr *rr)
{
  if (res->naddrs >= DNS_MAX_ADDRS) {
    return;
  }
  ip_addr_t *a = &res->addrs[res->naddrs++];
  if (rr->type == DNS_RRTYPE_A) {
    ip_addr_set_ip4_u32(a, get_n32(m + rr->rdata));
  } else {
    memset(a, 0, sizeof(*a));
    memcpy(ip_2_ip6(a)->addr, m + rr->rdata, 16);
    a->type = IPADDR_TYPE_V6;
  }
}

/** Stage 3, one hop: the records owned by the name at @p target.  Those
 *  of the asked type go into @p res, lowering *@p ttl to theirs.
 *  @return the offset of the first CNAME's target name (its TTL in
 *  *@p cname_ttl), or -1 when the name has no alias. */
static int dns_match_owner(const struct dns_req *r, const u8_t *m, u16_t len, const struct dns_answers *ans,
                           u16_t target, struct dns_result *res, u32_t *ttl, u32_t *cname_ttl)
{
  int cname = -1;
  for (int i = 0; i < ans->n; i++) {
    const struct dns_rr *rr = &ans->rr[i];
    if ((rr->type != r->qtype && rr->type != DNS_RRTYPE_CNAME) || dns_name_eq_pkt(m, len, rr->owner, target) != 1) {
      continue;
    }
    if (rr->type == DNS_RRTYPE_CNAME) {
      if (cname < 0) {
        cname = rr->rdata;
        *cname_ttl = rr->ttl;
      }
      continue;
    }
    dns_add_addr(res, m, rr);
    if (rr->ttl < *ttl) {
      *ttl = rr->ttl;
    }
  }
  return cname;
}

/** Stage 3: follow the CNAME chain from the question name (RFC 1034
 *  3.6.2), at most DNS_MAX_CNAME_CHAIN aliases, to the first name that
 *  has addresses.  Fills res->addrs, res->naddrs and res->ttl: the
 *  smallest TTL of the addresses and of the aliases leading to them. */
static void dns_follow_chain(const struct dns_req *r, const u8_t *m, u16_t len, const struct dns_answers *ans,
                             struct dns_result *res)
{
  u32_t ttl = DNS_MAX_TTL;
  u16_t target = DNS_HDR_LEN;
  for (int hops = 0; hops <= DNS_MAX_CNAME_CHAIN; hops++) {
    u32_t cname_ttl = 0;
    int cname = dns_match_owner(r, m, len, ans, target, res, &ttl, &cname_ttl);
    if (res->naddrs > 0 || cname < 0) {
      break;
    }
    /* The addresses may live no longer than the alias leading to them. */
    if (cname_ttl < ttl) {
      ttl = cname_ttl;
    }
    target = (u16_t)cname;
  }
  res->ttl = ttl;
}

/** Parse a message that passed the source check, in stages: header and
 *  question, answer records, CNAME chain.  Malformed or mismatching
 *  messages are dropped and the lookup keeps waiting. */
static void dns_parse(struct dns_req *r, const u8_t *m, u16_t len, const ip_addr_t *from, u8_t idx)
{
  u16_t flags = 0;
  int off = dns_check_question(r, m, len, &flags);
  if (off < 0) {
    return;
  }
  if (flags & DNS_FLAG_TC) {
    /* RFC 1035 4.2.1 / RFC 7766: the full answer needs TCP, which this
     * stack does not offer yet; say so rather than use a partial answer. */
    dns_finish_status(r, DNS_STATUS_TRUNCATED, from);
    return;
  }
  struct dns_answers ans;
  if (!dns_walk_answers(r, m, len, off, &ans)) {
    return;
  }
  u16_t rcode = flags & DNS_FLAG_RCODE_MASK;
  if (rcode == DNS_RCODE_NXDOMAIN) {
    dns_finish_status(r, DNS_STATUS_NXDOMAIN, from);
    return;
  }
  if (rcode != DNS_RCODE_NOERROR) {
    dns_finish_status(r, DNS_STATUS_SERVFAIL, from);
    return;
  }
  struct dns_result res;
  dns_result_init(&res, r->name, DNS_SOURCE_NETWORK);
  res.server = *from;
  res.server_idx = idx;
  res.qtype = r->qtype;
  dns_follow_chain(r, m, len, &ans, &res);
  if (res.naddrs > 0) {
    res.status = DNS_STATUS_OK;
    dns_finish(r, &res);
  } else if (r->fallback_qtype != 0) {
    LWIP_LOG(DNS, DEBUG, "%s: no type %u records, asking for type %u", r->name, r->qtype, r->fallback_qtype);
    r->qtype = r->fallback_qtype;
    r->fallback_qtype = 0;
    if (dns_start_tries(r) != ERR_OK) {
      dns_finish_status(r, DNS_STATUS_NO_MEM, NULL);
    }
  } else {
    dns_finish_status(r, DNS_STATUS_NODATA, from);
  }
}

static void dns_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct dns_req *r = (struct dns_req *)arg;
  LWIP_UNUSED_ARG(pcb);
  STATS_RX(DNS);
  u8_t idx = DNS_SERVER_IDX_NONE;
  if (!dns_source_ok(r, addr, port, &idx)) {
    LWIP_LOG(DNS, DEBUG, "answer for %s from %s:%u ignored", r->name, ipaddr_ntoa(addr), port);
    LWIP_DROP(DNS_BAD_SOURCE);
    pbuf_free(p);
    return;
  }
  if (p->tot_len > DNS_RX_BUF_SIZE) {
    LWIP_DROP(DNS_TOO_BIG);
    pbuf_free(p);
    return;
  }
  u16_t len = pbuf_copy_partial(p, dns_rxbuf, p->tot_len, 0);
  pbuf_free(p);
  ip_addr_t from = *addr;
  dns_parse(r, dns_rxbuf, len, &from, idx);
}

/* ------------------------------------------------------------------ */
/* API                                                                 */
/* ------------------------------------------------------------------ */

void dns_init(void)
{
  memset(dns_reqs, 0, sizeof(dns_reqs));
  memset(dns_cache, 0, sizeof(dns_cache));
  memset(dns_hosts, 0, sizeof(dns_hosts));
  for (int i = 0; i < DNS_MAX_SERVERS; i++) {
    ip_addr_set_zero(&dns_servers[i]);
  }
  memset(dns_server_origin, 0, sizeof(dns_server_origin));
  dns_lru_clock = 0;
}

void dns_setserver(u8_t numdns, const ip_addr_t *dnsserver)
{
  dns_setserver_source(numdns, dnsserver, DNS_SERVER_MANUAL);
}

void dns_setserver_source(u8_t numdns, const ip_addr_t *dnsserver, u8_t origin)
{
  if (numdns >= DNS_MAX_SERVERS) {
    return;
  }
  dns_server_origin[numdns] = origin < DNS_SERVER_ORIGIN_COUNT ? origin : (u8_t)DNS_SERVER_MANUAL;
  if (dnsserver != NULL && IP_IS_V6_VAL(*dnsserver) && LWIP_IPV6) {
    dns_servers[numdns] = *dnsserver;
  } else if (dnsserver != NULL && !IP_IS_V6_VAL(*dnsserver)) {
    dns_servers[numdns] = *dnsserver;
    dns_servers[numdns].type = IPADDR_TYPE_V4;
  } else {
    /* NULL, or IPv6 without IPv6 built: the slot clears. */
    ip_addr_set_zero(&dns_servers[numdns]);
    dns_server_origin[numdns] = DNS_SERVER_MANUAL;
  }
}

u8_t dns_getserver_source(u8_t numdns)
{
  return numdns < DNS_MAX_SERVERS ? dns_server_origin[numdns] : (u8_t)DNS_SERVER_MANUAL;
}

const char *dns_server_origin_name(u8_t origin)
{
  static const char *const names[DNS_SERVER_ORIGIN_COUNT] = {
      [DNS_SERVER_MANUAL] = "manual",
      [DNS_SERVER_DHCP] = "dhcp",
      [DNS_SERVER_RA_RDNSS] = "ra-rdnss",
      [DNS_SERVER_DHCP6] = "dhcp6",
  };
  return origin < DNS_SERVER_ORIGIN_COUNT ? names[origin] : "?";
}

const ip_addr_t *dns_getserver(u8_t numdns)
{
  if (numdns >= DNS_MAX_SERVERS) {
    return IP_ADDR_ANY;
  }
  return &dns_servers[numdns];
}

static err_t dns_lookup(const char *hostname, u8_t addrtype, struct dns_result *res,
                        dns_found_callback found, dns_found_ex_callback found_ex, void *arg)
{
  if (hostname == NULL || addrtype > LWIP_DNS_ADDRTYPE_IPV6_IPV4) {
    return ERR_ARG;
  }
  if (ipaddr_aton(hostname, &res->addrs[0])) {
    u16_t qt = IP_IS_V6_VAL(res->addrs[0]) ? DNS_RRTYPE_AAAA : DNS_RRTYPE_A;
    ip_addr_t a = res->addrs[0];
    dns_result_init(res, hostname, DNS_SOURCE_LITERAL);
    res->addrs[0] = a;
    res->naddrs = 1;
    res->qtype = qt;
    return ERR_OK;
  }
  char name[DNS_MAX_NAME_LENGTH];
  if (!dns_name_normalise(hostname, name)) {
    LWIP_LOG(DNS, DEBUG, "bad name");
    return ERR_ARG;
  }
  if (dns_lookup_local(name, addrtype, res)) {
    res->name = hostname;
    return ERR_OK;
  }
  bool mdns = dns_is_mdns_name(name);
  if (!mdns && dns_next_server(0) >= DNS_MAX_SERVERS) {
    LWIP_LOG(DNS, DEBUG, "%s: no DNS server", name);
    return ERR_VAL;
  }
  struct dns_req *r = NULL;
  for (int i = 0; i < DNS_MAX_REQUESTS && r == NULL; i++) {
    if (!dns_reqs[i].used) {
      r = &dns_reqs[i];
    }
  }
  if (r == NULL) {
    LWIP_LOG(DNS, DEBUG, "%s: request table full", name);
    return ERR_MEM;
  }
  memset(r, 0, sizeof(*r));
  /* Dual-stack: the servers (and the mDNS groups) may be of either family. */
  r->pcb = udp_new_ip_type(LWIP_IPV6 ? IPADDR_TYPE_ANY : IPADDR_TYPE_V4);
  if (r->pcb == NULL) {
    LWIP_DROP(DNS_NO_MEM);
    return ERR_MEM;
  }
  /* A fresh random port per lookup (RFC 5452 9.2). */
  err_t err = udp_bind(r->pcb, LWIP_IPV6 ? IP_ANY_TYPE : IP_ADDR_ANY, 0);
  if (err != ERR_OK) {
    udp_remove(r->pcb);
    r->pcb = NULL;
    return ERR_MEM;
  }
  r->used = true;
  udp_recv(r->pcb, dns_recv, r);
  /* RFC 6762 11: mDNS is sent with IP TTL 255. */
  udp_set_multicast_ttl(r->pcb, 255);
  r->mdns = mdns;
  r->addrtype = addrtype;
  u16_t types[2];
  int ntypes = dns_qtypes(addrtype, types);
  r->qtype = types[0];
  r->fallback_qtype = ntypes > 1 ? types[1] : 0;
  r->found = found;
  r->found_ex = found_ex;
  r->arg = arg;
  r->start = sys_now();
  strcpy(r->name, name);
  if (mdns) {
    strcpy(r->qname, name); /* compared without case anyway */
  } else {
    dns_case_randomise(r->qname, name);
  }
  if (dns_start_tries(r) != ERR_OK) {
    dns_req_free(r);
    return ERR_MEM;
  }
  return ERR_INPROGRESS;
}

err_t dns_gethostbyname_addrtype(const char *hostname, ip_addr_t *addr, dns_found_callback found,
                                 void *found_arg, u8_t dns_addrtype)
{
  struct dns_result res;
  if (addr == NULL) {
    return ERR_ARG;
  }
  err_t err = dns_lookup(hostname, dns_addrtype, &res, found, NULL, found_arg);
  if (err == ERR_OK) {
    *addr = res.addrs[0];
  }
  return err;
}

err_t dns_gethostbyname(const char *hostname, ip_addr_t *addr, dns_found_callback found, void *found_arg)
{
  return dns_gethostbyname_addrtype(hostname, addr, found, found_arg, LWIP_DNS_ADDRTYPE_DEFAULT);
}

err_t dns_gethostbyname_ex(const char *hostname, u8_t dns_addrtype, struct dns_result *result,
                           dns_found_ex_callback found, void *found_arg)
{
  struct dns_result res;
  if (found == NULL) {
    return ERR_ARG;
  }
  err_t err = dns_lookup(hostname, dns_addrtype, &res, NULL, found, found_arg);
  if (err == ERR_OK && result != NULL) {
    *result = res;
  }
  return err;
}

int dns_cancel(void *found_arg)
{
  int n = 0;
  for (int i = 0; i < DNS_MAX_REQUESTS; i++) {
    if (dns_reqs[i].used && dns_reqs[i].arg == found_arg) {
      dns_req_free(&dns_reqs[i]);
      n++;
    }
  }
  return n;
}

int dns_pending_count(void)
{
  int n = 0;
  for (int i = 0; i < DNS_MAX_REQUESTS; i++) {
    n += dns_reqs[i].used ? 1 : 0;
  }
  return n;
}

err_t dns_local_addhost(const char *hostname, const ip_addr_t *addr)
{
  char name[DNS_MAX_NAME_LENGTH];
  if (hostname == NULL || addr == NULL || !dns_name_normalise(hostname, name) ||
      (!IP_IS_V4_VAL(*addr) && !IP_IS_V6_VAL(*addr))) {
    return ERR_ARG;
  }
  for (int i = 0; i < DNS_LOCAL_HOSTLIST_MAX; i++) {
    struct dns_local_host *h = &dns_hosts[i];
    if (!h->used) {
      h->used = true;
      h->addr = *addr;
      strcpy(h->name, name);
      return ERR_OK;
    }
  }
  return ERR_MEM;
}

int dns_local_removehost(const char *hostname, const ip_addr_t *addr)
{
  char name[DNS_MAX_NAME_LENGTH];
  int n = 0;
  if (hostname == NULL || !dns_name_normalise(hostname, name)) {
    return 0;
  }
  for (int i = 0; i < DNS_LOCAL_HOSTLIST_MAX; i++) {
    struct dns_local_host *h = &dns_hosts[i];
    if (h->used && dns_streq_nocase(h->name, name) && (addr == NULL || ip_addr_eq(&h->addr, addr))) {
      h->used = false;
      n++;
    }
  }
  return n;
}

void dns_cache_foreach(dns_cache_fn fn, void *arg)
{
  u32_t now = sys_now();
  bool done[DNS_TABLE_SIZE];
  memset(done, 0, sizeof(done));
  for (;;) {
    /* Most recently used first: pick the newest not yet shown. */
    int best = -1;
    for (int i = 0; i < DNS_TABLE_SIZE; i++) {
      struct dns_cache_entry *e = &dns_cache[i];
      if (!e->used || done[i]) {
        continue;
      }
      if (!lwip_time_before(now, e->expires)) {
        e->used = false;
        continue;
      }
      if (best < 0 || (s32_t)(e->lru - dns_cache[best].lru) > 0) {
        best = i;
      }
    }
    if (best < 0) {
      return;
    }
    done[best] = true;
    const struct dns_cache_entry *e = &dns_cache[best];
    struct dns_cache_info info;
    info.name = e->name;
    info.qtype = e->qtype;
    info.naddrs = e->naddrs;
    info.addrs = e->addrs;
    info.ttl_left = dns_ttl_left_s(e, now);
    info.server_idx = e->server_idx;
    info.server = &e->server;
    info.elapsed_ms = e->elapsed_ms;
    fn(&info, arg);
  }
}

void dns_cache_flush(void)
{
  memset(dns_cache, 0, sizeof(dns_cache));
}

const char *dns_status_name(int status)
{
  static const char *const names[DNS_STATUS_COUNT] = {
    "ok", "nxdomain", "nodata", "truncated", "servfail", "timeout", "no-memory",
  };
  if (status < 0 || status >= DNS_STATUS_COUNT) {
    return "?";
  }
  return names[status];
}

#endif /* LWIP_DNS */
