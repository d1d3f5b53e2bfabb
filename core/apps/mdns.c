/**
 * @file mdns.c
 * mDNS responder (lwip/apps/mdns.h): the records it owns, probing and
 * announcing on a timer, answering queries, conflict detection with the
 * tie-break of RFC 6762 8.2 and renaming, goodbyes.
 *
 * Records are numbered: 0 the A record, 1..3 the AAAA records, then four
 * per service slot (PTR, SRV, TXT, the _services._dns-sd enumeration
 * PTR).  A set of records is a bit mask of those numbers, so a question
 * becomes a mask of answers, known answers clear bits from it, and one
 * builder writes any mask into as many messages as it needs.
 *
 * Over IPv4 and IPv6 (family 0 and 1): one dual-stack PCB receives both;
 * what goes to the group is written once per family the netif can send
 * by, since the room in a message depends on the IP header's size.
 *
 * A received message is copied into one static buffer and scanned once:
 * every question and record must lie inside it and every name must walk
 * (dns_name.h: compression pointers strictly backwards).  Only then are
 * its parts read, each read still bounded by the message length.
 */
#include "lwip/apps/mdns.h"

#if LWIP_UDP && LWIP_IGMP

#include <string.h>

#include "lwip/debug.h"
#include "lwip/dns_name.h"
#include "lwip/igmp.h"
#include "lwip/ip6.h"
#include "lwip/mld6.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/udp.h"
#include "lwip/prot/dns.h"
#include "lwip/prot/wire.h"

/** Largest message looked at: an Ethernet MTU (RFC 6762 17 allows up to
 *  9000 bytes; larger ones are dropped as MDNS_TOO_BIG). */
#define MDNS_RX_BUF_SIZE 1500U
/** Largest message sent: a 1500-byte MTU less the IPv4 and UDP headers
 *  (RFC 6762 17: no fragmented multicast); over IPv6 20 bytes less. */
#define MDNS_TX_MAX 1472U
/** IP and UDP header bytes of a message per family. */
#define MDNS_HDRS_V4 28U
#define MDNS_HDRS_V6 48U
#define FAM_V4 0U
#define FAM_V6 1U
/** Conflicts within MDNS_RATE_WINDOW_MS after which probing waits
 *  MDNS_RATE_WAIT_MS (RFC 6762 8.1). */
#define MDNS_RATE_CONFLICTS 15U
#define MDNS_RATE_WINDOW_MS 10000U
#define MDNS_RATE_WAIT_MS 5000U
/** Wait after a lost tie-break before probing again (RFC 6762 8.2). */
#define MDNS_TIEBREAK_WAIT_MS 1000U
/** Bytes of a record kept for the tie-break (longer data compares equal
 *  past this), and records per side. */
#define MDNS_KEY_MAX 96U
#define MDNS_KEYS 6U

#define NUM_RECORDS (4U + 4U * MDNS_MAX_SERVICES)
#define RID_A 0U
#define RID_AAAA(k) (1U + (k))
#define RID_SVC(s, k) (4U + 4U * (s) + (k))
enum { K_PTR, K_SRV, K_TXT, K_ENUM };
#define BIT(r) ((u32_t)1 << (r))
#define HOST_BITS (BIT(0) | BIT(1) | BIT(2) | BIT(3))
#define SVC_BITS(s) ((u32_t)0xfU << RID_SVC(s, 0))

/* The groups of RFC 6762 3, by family. */
static const ip_addr_t mdns_group = IPADDR4_INIT_U32(PP_HTONL(DNS_MQUERY_IPV4_GROUP));
#if LWIP_IPV6
static const ip_addr_t mdns_group6 = {{{{PP_HTONL(0xff020000UL), 0, 0, PP_HTONL(0x000000fbUL)}, IP6_NO_ZONE}},
                                      IPADDR_TYPE_V6};
#endif

static u8_t rxbuf[MDNS_RX_BUF_SIZE];
static struct mdns *running;
static netif_ext_callback_t netif_cb;

static void step_timer(void *arg);
static void resp_timer(void *arg);

static const char *const state_names[] = {
    [MDNS_STATE_OFF] = "off",
    [MDNS_STATE_PROBING] = "probing",
    [MDNS_STATE_ANNOUNCING] = "announcing",
    [MDNS_STATE_ANNOUNCED] = "announced",
    [MDNS_STATE_LINK_DOWN] = "link_down",
    [MDNS_STATE_GAVE_UP] = "gave_up",
};

const char *mdns_state_name(u8_t state)
{
  return state < LWIP_ARRAYSIZE(state_names) ? state_names[state] : "?";
}

bool mdns_running(const struct mdns *m)
{
  return m != NULL && m->state != MDNS_STATE_OFF;
}

static bool answering(const struct mdns *m)
{
  return m->state == MDNS_STATE_ANNOUNCING || m->state == MDNS_STATE_ANNOUNCED;
}

static const ip_addr_t *group_of(u8_t fam)
{
#if LWIP_IPV6
  if (fam == FAM_V6) {
    return &mdns_group6;
  }
#endif
  (void)fam;
  return &mdns_group;
}

static u8_t family_of(const ip_addr_t *a)
{
  return (LWIP_IPV6 && IP_IS_V6(a)) ? FAM_V6 : FAM_V4;
}

/** Does the netif take IPv4 multicast?  Without IGMP (an IPv6-only
 *  link) 224.0.0.251 is neither joined nor sent to: the responder runs
 *  over IPv6 alone. */
static bool has_igmp(const struct netif *n)
{
  return (n->flags & NETIF_FLAG_IGMP) != 0;
}

/** Can the netif send to family @p fam's group: IGMP and an IPv4
 *  address, or an IPv6 address to send from to ff02::fb (a link-local
 *  one past DAD)? */
static bool family_ready(const struct mdns *m, u8_t fam)
{
  if (fam == FAM_V4) {
    return has_igmp(m->netif) && !ip4_addr_isany(netif_ip4_addr(m->netif));
  }
#if LWIP_IPV6
  return ip6_select_source_address(m->netif, ip_2_ip6(&mdns_group6)) != NULL;
#else
  return false;
#endif
}

/* ---------------------------------------------------------------------- */
/* Names                                                                   */
/* ---------------------------------------------------------------------- */

/** A name as its labels (the root is implied). */
struct mdns_name {
  const char *lab[4];
  u8_t n;
};

static const char LOCAL[] = "local";

static u8_t lower(u8_t c)
{
  return (c >= 'A' && c <= 'Z') ? (u8_t)(c + ('a' - 'A')) : c;
}

/* DNS names compare without regard to ASCII case (RFC 6762 16, RFC 4343). */
static bool bytes_eq_nocase(const u8_t *a, const char *b, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (lower(a[i]) != lower((u8_t)b[i])) {
      return false;
    }
  }
  return true;
}

static bool str_eq_nocase(const char *a, const char *b)
{
  size_t n = strlen(a);
  return n == strlen(b) && bytes_eq_nocase((const u8_t *)a, b, n);
}

static const char *proto_label(u8_t proto)
{
  return proto == MDNS_PROTO_TCP ? "_tcp" : "_udp";
}

static void name_set(struct mdns_name *n, const char *a, const char *b, const char *c, const char *d)
{
  n->lab[0] = a;
  n->lab[1] = b;
  n->lab[2] = c;
  n->lab[3] = d;
  n->n = (u8_t)(d != NULL ? 4 : c != NULL ? 3 : 2);
}

static void name_host(const struct mdns *m, struct mdns_name *n)
{
  name_set(n, m->hostname, LOCAL, NULL, NULL);
}

/* _service._proto.local */
static void name_type(const struct mdns_service *s, struct mdns_name *n)
{
  name_set(n, s->service, proto_label(s->proto), LOCAL, NULL);
}

static void name_instance(const struct mdns_service *s, struct mdns_name *n)
{
  name_set(n, s->name, s->service, proto_label(s->proto), LOCAL);
}

/* RFC 6763 9: the service type enumeration name. */
static void name_enum(struct mdns_name *n)
{
  name_set(n, "_services", "_dns-sd", "_udp", LOCAL);
}

/** Compare the name at @p off of @p buf with labels @p from.. of @p n.
 *  @return 1 equal, 0 different, -1 malformed. */
static int name_eq(const u8_t *buf, u16_t len, u16_t off, const struct mdns_name *n, u8_t from)
{
  struct dns_name_walk w;
  u16_t lab;
  u8_t i = from;
  bool same = true;
  dns_walk_start(&w, off);
  for (;;) {
    int c = dns_walk_label(&w, buf, len, &lab);
    if (c < 0) {
      return -1;
    }
    if (c == 0) {
      return same && i == n->n ? 1 : 0;
    }
    if (same) {
      same = i < n->n && strlen(n->lab[i]) == (size_t)c && bytes_eq_nocase(buf + lab, n->lab[i], (size_t)c);
      i++;
    }
  }
}

/** Copy the (possibly compressed) name at @p off to @p out uncompressed.
 *  @return its length, or 0 when it is malformed or does not fit. */
static u16_t name_flatten(const u8_t *buf, u16_t len, u16_t off, u8_t *out, u16_t cap)
{
  struct dns_name_walk w;
  u16_t lab, n = 0;
  dns_walk_start(&w, off);
  for (;;) {
    int c = dns_walk_label(&w, buf, len, &lab);
    if (c < 0 || n + 1U + (u16_t)c > cap) {
      return 0;
    }
    out[n++] = (u8_t)c;
    memcpy(out + n, buf + lab, (size_t)c);
    n = (u16_t)(n + c);
    if (c == 0) {
      return n;
    }
  }
}

static bool host_label_ok(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > MDNS_LABEL_MAX || s[0] == '-' || s[n - 1] == '-') {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

/* RFC 6763 7.2: an underscore, then 1..15 letters, digits and hyphens. */
static bool service_label_ok(const char *s)
{
  size_t n = strlen(s);
  return n >= 2 && n <= MDNS_SERVICE_MAX && s[0] == '_' && host_label_ok(s + 1);
}

/* RFC 6763 4.1.1: any UTF-8 but control characters, 1..63 bytes. */
static bool instance_label_ok(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > MDNS_LABEL_MAX) {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    if ((u8_t)s[i] < 0x20 || s[i] == 0x7f) {
      return false;
    }
  }
  return true;
}

/* Decimal digits of @p v into @p out (no terminator).  @return count. */
static size_t put_dec(char *out, unsigned v)
{
  char tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10U);
    v /= 10U;
  } while (v != 0 && n < sizeof(tmp));
  for (size_t i = 0; i < n; i++) {
    out[i] = tmp[n - 1 - i];
  }
  return n;
}

/* The name after a conflict (RFC 6762 9): "NAME-N" for the host,
 * "Inst (N)" for an instance (RFC 6763 appendix D), the base shortened
 * so the label stays within 63 bytes. */
static void make_name(char *out, const char *base, unsigned n, bool host)
{
  char suffix[16];
  size_t sl = 0;
  if (host) {
    suffix[sl++] = '-';
    sl += put_dec(suffix + sl, n);
  } else {
    suffix[sl++] = ' ';
    suffix[sl++] = '(';
    sl += put_dec(suffix + sl, n);
    suffix[sl++] = ')';
  }
  size_t bl = strlen(base);
  if (bl + sl > MDNS_LABEL_MAX) {
    bl = MDNS_LABEL_MAX - sl;
    /* Do not cut a UTF-8 sequence in two. */
    while (bl > 0 && ((u8_t)base[bl] & 0xc0U) == 0x80U) {
      bl--;
    }
  }
  memcpy(out, base, bl);
  memcpy(out + bl, suffix, sl);
  out[bl + sl] = '\0';
}

/* ---------------------------------------------------------------------- */
/* Records                                                                 */
/* ---------------------------------------------------------------------- */

/** The @p k-th usable IPv6 address of the netif. */
static bool aaaa_addr(const struct mdns *m, u8_t k, u8_t out[16])
{
#if LWIP_IPV6
  u8_t seen = 0;
  for (u8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    if (ip6_addr_isvalid(netif_ip6_addr_state(m->netif, i))) {
      if (seen == k) {
        memcpy(out, netif_ip6_addr(m->netif, i)->addr, 16);
        return true;
      }
      seen++;
    }
  }
#else
  (void)m;
  (void)k;
  (void)out;
#endif
  return false;
}

/** Is slot @p s the first of the services of its type?  Only that one
 *  carries the type's enumeration PTR, so it is sent once. */
static bool first_of_type(const struct mdns *m, u8_t s)
{
  const struct mdns_service *a = &m->services[s];
  for (u8_t i = 0; i < s; i++) {
    const struct mdns_service *b = &m->services[i];
    if (b->used && b->proto == a->proto && str_eq_nocase(b->service, a->service)) {
      return false;
    }
  }
  return true;
}

/** The records @p m owns now. */
static u32_t owned(const struct mdns *m)
{
  u32_t r = 0;
  u8_t tmp[16];
  if (!ip4_addr_isany(netif_ip4_addr(m->netif))) {
    r |= BIT(RID_A);
  }
  for (u8_t k = 0; k < MDNS_MAX_AAAA; k++) {
    if (aaaa_addr(m, k, tmp)) {
      r |= BIT(RID_AAAA(k));
    }
  }
  for (u8_t s = 0; s < MDNS_MAX_SERVICES; s++) {
    if (m->services[s].used) {
      r |= BIT(RID_SVC(s, K_PTR)) | BIT(RID_SVC(s, K_SRV)) | BIT(RID_SVC(s, K_TXT));
      if (first_of_type(m, s)) {
        r |= BIT(RID_SVC(s, K_ENUM));
      }
    }
  }
  return r;
}

static u8_t rid_svc(u8_t rid)
{
  return (u8_t)((rid - 4U) / 4U);
}

static u8_t rid_kind(u8_t rid)
{
  return (u8_t)((rid - 4U) % 4U);
}

static u16_t rr_type(u8_t rid)
{
  if (rid == RID_A) {
    return DNS_RRTYPE_A;
  }
  if (rid < 4U) {
    return DNS_RRTYPE_AAAA;
  }
  switch (rid_kind(rid)) {
  case K_SRV:
    return DNS_RRTYPE_SRV;
  case K_TXT:
    return DNS_RRTYPE_TXT;
  default:
    return DNS_RRTYPE_PTR;
  }
}

/* RFC 6762 2: unique records are the host's addresses and an instance's
 * SRV and TXT; the PTR records are shared. */
static bool rr_unique(u8_t rid)
{
  return rid < 4U || rid_kind(rid) == K_SRV || rid_kind(rid) == K_TXT;
}

/* RFC 6762 10: records naming a host 120 s, the others 75 minutes. */
static u32_t rr_ttl(u8_t rid)
{
  return rid < 4U || rid_kind(rid) == K_SRV ? MDNS_TTL_HOST : MDNS_TTL_OTHER;
}

static void rr_owner(const struct mdns *m, u8_t rid, struct mdns_name *n)
{
  if (rid < 4U) {
    name_host(m, n);
    return;
  }
  const struct mdns_service *s = &m->services[rid_svc(rid)];
  switch (rid_kind(rid)) {
  case K_PTR:
    name_type(s, n);
    break;
  case K_ENUM:
    name_enum(n);
    break;
  default:
    name_instance(s, n);
    break;
  }
}

/* The records that help a querier who asked for @p ans (RFC 6763 12):
 * SRV, TXT and addresses after a PTR, addresses after an SRV, the other
 * address family after an address (RFC 6762 6.2). */
static u32_t extras(const struct mdns *m, u32_t ans)
{
  u32_t x = 0;
  if ((ans & HOST_BITS) != 0) {
    x |= HOST_BITS;
  }
  for (u8_t s = 0; s < MDNS_MAX_SERVICES; s++) {
    if ((ans & BIT(RID_SVC(s, K_PTR))) != 0) {
      x |= BIT(RID_SVC(s, K_SRV)) | BIT(RID_SVC(s, K_TXT)) | HOST_BITS;
    }
    if ((ans & BIT(RID_SVC(s, K_SRV))) != 0) {
      x |= HOST_BITS;
    }
  }
  return x & owned(m) & ~ans;
}

/* ---------------------------------------------------------------------- */
/* Writing messages                                                        */
/* ---------------------------------------------------------------------- */

/** A message being written: a bounded buffer, and where earlier names'
 *  labels start so later names can point at them (RFC 1035 4.1.4). */
struct out {
  u8_t *buf;
  u16_t len, cap;
  bool full;
  bool compress;
  u8_t noffs;
  u16_t offs[32];
};

static void out_init(struct out *o, u8_t *buf, u16_t cap, bool compress)
{
  memset(o, 0, sizeof(*o));
  o->buf = buf;
  o->cap = cap;
  o->compress = compress;
}

static void put_bytes(struct out *o, const void *d, size_t n)
{
  if (o->full || o->len + n > o->cap) {
    o->full = true;
    return;
  }
  memcpy(o->buf + o->len, d, n);
  o->len = (u16_t)(o->len + n);
}

static void put8(struct out *o, u8_t v)
{
  put_bytes(o, &v, 1);
}

static void put16(struct out *o, u16_t v)
{
  u8_t b[2];
  put_be16(b, v);
  put_bytes(o, b, 2);
}

static void put32(struct out *o, u32_t v)
{
  u8_t b[4];
  put_be32(b, v);
  put_bytes(o, b, 4);
}

static void put_name(struct out *o, const struct mdns_name *n)
{
  for (u8_t i = 0; i < n->n; i++) {
    if (o->compress) {
      for (u8_t j = 0; j < o->noffs; j++) {
        if (name_eq(o->buf, o->len, o->offs[j], n, i) == 1) {
          put16(o, (u16_t)(0xc000U | o->offs[j]));
          return;
        }
      }
    }
    u16_t at = o->len;
    size_t l = strlen(n->lab[i]);
    put8(o, (u8_t)l);
    put_bytes(o, n->lab[i], l);
    if (!o->full && o->compress && o->noffs < LWIP_ARRAYSIZE(o->offs) && at <= DNS_PTR_OFFSET_MASK) {
      o->offs[o->noffs++] = at;
    }
  }
  put8(o, 0);
}

static void put_rdata(struct out *o, const struct mdns *m, u8_t rid)
{
  struct mdns_name n;
  if (rid == RID_A) {
    u8_t a[4];
    put_n32(a, netif_ip4_addr(m->netif)->addr);
    put_bytes(o, a, 4);
    return;
  }
  if (rid < 4U) {
    u8_t a[16];
    if (!aaaa_addr(m, (u8_t)(rid - 1U), a)) {
      memset(a, 0, sizeof(a));
    }
    put_bytes(o, a, 16);
    return;
  }
  const struct mdns_service *s = &m->services[rid_svc(rid)];
  switch (rid_kind(rid)) {
  case K_PTR:
    name_instance(s, &n);
    put_name(o, &n);
    break;
  case K_ENUM:
    name_type(s, &n);
    put_name(o, &n);
    break;
  case K_SRV:
    /* RFC 2782: priority 0, weight 0, port, target NAME.local. */
    put16(o, 0);
    put16(o, 0);
    put16(o, s->port);
    name_host(m, &n);
    put_name(o, &n);
    break;
  default:
    put_bytes(o, s->txt, s->txt_len);
    break;
  }
}

/** Write record @p rid with @p ttl, and the cache-flush bit when @p flush.
 *  @return false (nothing written) when it does not fit. */
static bool put_rr(struct out *o, const struct mdns *m, u8_t rid, u32_t ttl, bool flush)
{
  u16_t save = o->len;
  u8_t save_offs = o->noffs;
  struct mdns_name n;
  rr_owner(m, rid, &n);
  put_name(o, &n);
  put16(o, rr_type(rid));
  put16(o, (u16_t)(DNS_RRCLASS_IN | (flush ? DNS_RRCLASS_MDNS_FLAG : 0U)));
  put32(o, ttl);
  u16_t rdlen_at = o->len;
  put16(o, 0);
  put_rdata(o, m, rid);
  if (o->full) {
    o->len = save;
    o->noffs = save_offs;
    o->full = false;
    return false;
  }
  put_be16(o->buf + rdlen_at, (u16_t)(o->len - rdlen_at - 2U));
  return true;
}

/** How a message of records goes out. */
struct dest {
  const ip_addr_t *addr; /**< NULL: the group of family fam */
  u8_t fam;              /**< FAM_V4 or FAM_V6 (set from addr when not NULL) */
  u16_t port;
  u16_t id;      /**< echoed in legacy answers (RFC 6762 18.1) */
  bool legacy;   /**< TTL capped, no cache-flush bit, questions echoed */
  bool goodbye;  /**< TTL 0 */
  const u8_t *q; /**< questions to echo (legacy): the query's bytes */
  u16_t qlen, qcount;
};

static err_t send_buf(struct mdns *m, struct pbuf *p, u16_t len, const struct dest *d)
{
  pbuf_realloc(p, len);
  err_t err = udp_sendto_if(m->pcb, p, d->addr != NULL ? d->addr : group_of(d->fam), d->port, m->netif);
  pbuf_free(p);
  if (err != ERR_OK) {
    LWIP_LOG(MDNS, DEBUG, "message not sent: %s", lwip_err_name(err));
    m->stats.send_errors++;
    return err;
  }
  STATS_TX(MDNS);
  return ERR_OK;
}

static struct pbuf *msg_alloc(struct mdns *m, struct out *o, u8_t fam)
{
  u16_t hdrs = fam == FAM_V6 ? MDNS_HDRS_V6 : MDNS_HDRS_V4;
  u16_t cap = (u16_t)LWIP_MIN(MDNS_TX_MAX, m->netif->mtu > hdrs ? (u16_t)(m->netif->mtu - hdrs) : (u16_t)0);
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, cap, PBUF_RAM);
  if (p == NULL) {
    LWIP_DROP(MDNS_NO_MEM);
    m->stats.send_errors++;
    return NULL;
  }
  out_init(o, (u8_t *)p->payload, cap, true);
  return p;
}

/* Echo the questions of a legacy query (RFC 6762 6.7), uncompressed. */
static u16_t put_questions(struct out *o, const struct dest *d)
{
  u16_t off = DNS_HDR_LEN, n = 0;
  for (u16_t i = 0; i < d->qcount; i++) {
    u8_t flat[DNS_NAME_WIRE_MAX];
    int end = dns_skip_name(d->q, d->qlen, off);
    u16_t fl = name_flatten(d->q, d->qlen, off, flat, sizeof(flat));
    if (end < 0 || fl == 0 || (u32_t)end + DNS_QUESTION_TRAILER_LEN > d->qlen) {
      break;
    }
    put_bytes(o, flat, fl);
    put16(o, get_be16(d->q + end));
    put16(o, (u16_t)(get_be16(d->q + end + 2) & ~DNS_RRCLASS_MDNS_FLAG));
    if (o->full) {
      break;
    }
    n++;
    off = (u16_t)(end + DNS_QUESTION_TRAILER_LEN);
  }
  return n;
}

/** Send the records of @p ans as answers (in as many messages as they
 *  need) and those of @p add as additional records where room is left. */
static void send_records(struct mdns *m, u32_t ans, u32_t add, const struct dest *d)
{
  bool multicast = d->addr == NULL;
  u8_t fam = multicast ? d->fam : family_of(d->addr);
  while (ans != 0) {
    struct out o;
    struct pbuf *p = msg_alloc(m, &o, fam);
    if (p == NULL) {
      return;
    }
    u16_t counts[4] = {0, 0, 0, 0};
    put16(&o, d->legacy ? d->id : 0U);
    put16(&o, (u16_t)(DNS_FLAG_QR | DNS_FLAG_AA));
    put_bytes(&o, counts, sizeof(counts));
    if (d->legacy) {
      counts[0] = put_questions(&o, d);
    }
    u32_t now = sys_now();
    for (u8_t rid = 0; rid < NUM_RECORDS; rid++) {
      if ((ans & BIT(rid)) == 0) {
        continue;
      }
      u32_t ttl = d->goodbye ? 0U : d->legacy ? LWIP_MIN(rr_ttl(rid), MDNS_TTL_LEGACY) : rr_ttl(rid);
      if (!put_rr(&o, m, rid, ttl, rr_unique(rid) && !d->legacy)) {
        if (counts[1] == 0) {
          ans &= ~BIT(rid); /* too big for any message: never sent */
        }
        break;
      }
      ans &= ~BIT(rid);
      counts[1]++;
      if (multicast && !d->goodbye) {
        m->last_mc[fam][rid] = now != 0 ? now : 1U;
      }
    }
    for (u8_t rid = 0; rid < NUM_RECORDS && !d->goodbye; rid++) {
      if ((add & BIT(rid)) != 0 &&
          put_rr(&o, m, rid, d->legacy ? MDNS_TTL_LEGACY : rr_ttl(rid), rr_unique(rid) && !d->legacy)) {
        add &= ~BIT(rid);
        counts[3]++;
      }
    }
    for (u8_t i = 0; i < 4; i++) {
      put_be16(o.buf + DNS_OFF_QDCOUNT + 2U * i, counts[i]);
    }
    if (counts[1] == 0) {
      pbuf_free(p);
      continue;
    }
    send_buf(m, p, o.len, d);
  }
}

static void send_multicast_fam(struct mdns *m, u8_t fam, u32_t ans, bool goodbye)
{
  struct dest d;
  memset(&d, 0, sizeof(d));
  d.port = DNS_MQUERY_PORT;
  d.fam = fam;
  d.goodbye = goodbye;
  send_records(m, ans, goodbye ? 0U : extras(m, ans), &d);
}

/* Announcements and goodbyes: to every group the netif can send to. */
static void send_multicast(struct mdns *m, u32_t ans, bool goodbye)
{
  for (u8_t fam = 0; fam < MDNS_FAMILIES; fam++) {
    if (family_ready(m, fam)) {
      send_multicast_fam(m, fam, ans, goodbye);
    }
  }
}

/* RFC 6762 8.1: a query of type ANY for each name we want, our proposed
 * records in the authority section.  The first probe asks for a unicast
 * answer (QU), so a defender need not multicast. */
static bool send_probe_fam(struct mdns *m, bool qu, u8_t fam)
{
  struct out o;
  struct pbuf *p = msg_alloc(m, &o, fam);
  if (p == NULL) {
    return false;
  }
  struct mdns_name n;
  u16_t qd = 0, ns = 0;
  u16_t cls = (u16_t)(DNS_RRCLASS_IN | (qu ? DNS_RRCLASS_MDNS_FLAG : 0U));
  put16(&o, 0);
  put16(&o, 0);
  put32(&o, 0);
  put32(&o, 0);
  name_host(m, &n);
  put_name(&o, &n);
  put16(&o, DNS_RRTYPE_ANY);
  put16(&o, cls);
  qd++;
  for (u8_t s = 0; s < MDNS_MAX_SERVICES; s++) {
    if (m->services[s].used) {
      name_instance(&m->services[s], &n);
      put_name(&o, &n);
      put16(&o, DNS_RRTYPE_ANY);
      put16(&o, cls);
      qd++;
    }
  }
  u32_t own = owned(m);
  for (u8_t rid = 0; rid < NUM_RECORDS; rid++) {
    if ((own & BIT(rid)) != 0 && rr_unique(rid) && put_rr(&o, m, rid, rr_ttl(rid), false)) {
      ns++;
    }
  }
  if (o.full) {
    pbuf_free(p);
    m->stats.send_errors++;
    return false;
  }
  put_be16(o.buf + DNS_OFF_QDCOUNT, qd);
  put_be16(o.buf + DNS_OFF_NSCOUNT, ns);
  struct dest d;
  memset(&d, 0, sizeof(d));
  d.port = DNS_MQUERY_PORT;
  d.fam = fam;
  return send_buf(m, p, o.len, &d) == ERR_OK;
}

/* A probe goes to each group, so a host that speaks only one family sees
 * it too; stats.probes counts probe rounds. */
static void send_probe(struct mdns *m, bool qu)
{
  bool sent = false;
  for (u8_t fam = 0; fam < MDNS_FAMILIES; fam++) {
    if (family_ready(m, fam) && send_probe_fam(m, qu, fam)) {
      sent = true;
    }
  }
  if (sent) {
    m->stats.probes++;
  }
}

/* ---------------------------------------------------------------------- */
/* Probing and announcing                                                  */
/* ---------------------------------------------------------------------- */

static void arm(struct mdns *m, u32_t ms)
{
  m->next_ms = sys_now() + ms;
  sys_untimeout(step_timer, m);
  sys_timeout_static(&m->timeo, ms, step_timer, m);
}

static void set_state(struct mdns *m, u8_t state)
{
  if (m->state != state) {
    LWIP_LOG(MDNS, DEBUG, "state %s -> %s", mdns_state_name(m->state), mdns_state_name(state));
    m->state = state;
  }
}

static bool usable(const struct mdns *m)
{
  return netif_is_up(m->netif) && netif_is_link_up(m->netif) &&
         (family_ready(m, FAM_V4) || (MDNS_FAMILIES > 1U && family_ready(m, FAM_V6)));
}

static void halt_timers(struct mdns *m)
{
  sys_untimeout(step_timer, m);
  sys_untimeout(resp_timer, m);
  memset(m->pending, 0, sizeof(m->pending));
  m->next_ms = 0;
}

/** Probe all names again after @p ms (RFC 6762 8.1; 9 after a conflict). */
static void probe_after(struct mdns *m, u32_t ms)
{
  halt_timers(m);
  memset(m->last_mc, 0, sizeof(m->last_mc));
  if (!usable(m)) {
    set_state(m, MDNS_STATE_LINK_DOWN);
    return;
  }
  set_state(m, MDNS_STATE_PROBING);
  m->step = 0;
  arm(m, ms);
}

/* RFC 6762 8.1: the first probe waits a random 0-250 ms, so hosts powered
 * on together do not probe in step. */
static void probe_soon(struct mdns *m)
{
  probe_after(m, lwip_port_rand() % (MDNS_PROBE_INTERVAL_MS + 1U));
}

static void announce_now(struct mdns *m)
{
  set_state(m, MDNS_STATE_ANNOUNCING);
  m->step = 0;
  arm(m, 0);
}

static void step_timer(void *arg)
{
  struct mdns *m = (struct mdns *)arg;
  m->next_ms = 0;
  if (m->state == MDNS_STATE_PROBING) {
    if (m->step < MDNS_PROBES) {
      send_probe(m, m->step == 0);
      m->step++;
      arm(m, MDNS_PROBE_INTERVAL_MS);
      return;
    }
    /* 250 ms after the third probe and no conflict: the names are ours. */
    LWIP_LOG(MDNS, INFO, "%s.local: probing done", m->hostname);
    set_state(m, MDNS_STATE_ANNOUNCING);
    m->step = 0;
  }
  if (m->state == MDNS_STATE_ANNOUNCING) {
    /* RFC 6762 8.3: every record, unique ones with the cache-flush bit;
     * the interval doubles after each. */
    send_multicast(m, owned(m), false);
    m->stats.announcements++;
    m->step++;
    if (m->step < MDNS_ANNOUNCEMENTS) {
      arm(m, MDNS_ANNOUNCE_INTERVAL_MS << (m->step - 1U));
    } else {
      set_state(m, MDNS_STATE_ANNOUNCED);
    }
  }
}

static void resp_timer(void *arg)
{
  struct mdns *m = (struct mdns *)arg;
  for (u8_t fam = 0; fam < MDNS_FAMILIES; fam++) {
    u32_t ans = m->pending[fam] & owned(m);
    m->pending[fam] = 0;
    if (ans != 0 && answering(m)) {
      send_multicast_fam(m, fam, ans, false);
      m->stats.responses++;
    }
  }
}

static bool any_pending(const struct mdns *m)
{
  for (u8_t fam = 0; fam < MDNS_FAMILIES; fam++) {
    if (m->pending[fam] != 0) {
      return true;
    }
  }
  return false;
}

/** A conflict on the host name (@p who < 0) or on service @p who: take
 *  the next name and probe again (RFC 6762 9). */
static void rename_after_conflict(struct mdns *m, int who)
{
  u32_t now = sys_now();
  m->stats.conflicts++;
  if (m->conflicts_window == 0 || now - m->window_start > MDNS_RATE_WINDOW_MS) {
    m->window_start = now;
    m->conflicts_window = 0;
  }
  if (m->conflicts_window < 255U) {
    m->conflicts_window++;
  }
  if (who < 0) {
    if (m->renames >= MDNS_MAX_RENAMES) {
      LWIP_LOG(MDNS, WARN, "%s.local: too many conflicts, giving up", m->hostname);
      halt_timers(m);
      set_state(m, MDNS_STATE_GAVE_UP);
      return;
    }
    m->renames++;
    make_name(m->hostname, m->base, m->renames + 1U, true);
    LWIP_LOG(MDNS, WARN, "host name conflict: now %s.local", m->hostname);
  } else {
    struct mdns_service *s = &m->services[who];
    if (s->renames >= MDNS_MAX_RENAMES) {
      LWIP_LOG(MDNS, WARN, "instance %s: too many conflicts, giving up", s->name);
      halt_timers(m);
      set_state(m, MDNS_STATE_GAVE_UP);
      return;
    }
    s->renames++;
    make_name(s->name, s->base, s->renames + 1U, false);
    LWIP_LOG(MDNS, WARN, "service instance conflict: now \"%s\"", s->name);
  }
  m->stats.renames++;
  /* RFC 6762 8.1: after 15 conflicts in 10 s, wait 5 s before probing. */
  if (m->conflicts_window >= MDNS_RATE_CONFLICTS) {
    probe_after(m, MDNS_RATE_WAIT_MS);
  } else {
    probe_soon(m);
  }
}

/* ---------------------------------------------------------------------- */
/* Reading messages                                                        */
/* ---------------------------------------------------------------------- */

struct hdr {
  u16_t id, flags;
  u16_t qd, an, ns, ar;
};

/** One resource record of a received message. */
struct rr {
  u16_t owner;
  u16_t type, cls;
  u32_t ttl;
  u16_t rdata, rdlen;
};

/** Check every question and record lies inside the message and every
 *  owner name walks.  @return true, or false with the drop counted. */
static bool scan_message(const u8_t *b, u16_t len, const struct hdr *h)
{
  u32_t off = DNS_HDR_LEN;
  u32_t nrr = (u32_t)h->an + h->ns + h->ar;
  for (u32_t i = 0; i < (u32_t)h->qd + nrr; i++) {
    int end = dns_skip_name(b, len, (u16_t)off);
    if (end < 0) {
      LWIP_DROP(MDNS_BAD_NAME);
      return false;
    }
    off = (u32_t)end;
    if (i < h->qd) {
      off += DNS_QUESTION_TRAILER_LEN;
    } else if (off + DNS_RR_FIXED_LEN <= len) {
      off += DNS_RR_FIXED_LEN + get_be16(b + off + DNS_RR_OFF_RDLEN);
    } else {
      off = (u32_t)len + 1U;
    }
    if (off > len) {
      LWIP_DROP(MDNS_TRUNCATED);
      return false;
    }
  }
  return true;
}

/* Read the record at *@p off (scan_message() checked it) and step over. */
static bool read_rr(const u8_t *b, u16_t len, u16_t *off, struct rr *r)
{
  int end = dns_skip_name(b, len, *off);
  if (end < 0 || (u32_t)end + DNS_RR_FIXED_LEN > len) {
    return false;
  }
  const u8_t *f = b + end;
  r->owner = *off;
  r->type = get_be16(f + DNS_RR_OFF_TYPE);
  r->cls = get_be16(f + DNS_RR_OFF_CLASS);
  r->ttl = get_be32(f + DNS_RR_OFF_TTL);
  r->rdlen = get_be16(f + DNS_RR_OFF_RDLEN);
  r->rdata = (u16_t)(end + DNS_RR_FIXED_LEN);
  if ((u32_t)r->rdata + r->rdlen > len) {
    return false;
  }
  *off = (u16_t)(r->rdata + r->rdlen);
  return true;
}

/* Offset of the first record: after the questions. */
static u16_t skip_questions(const u8_t *b, u16_t len, const struct hdr *h)
{
  u16_t off = DNS_HDR_LEN;
  for (u16_t i = 0; i < h->qd; i++) {
    int end = dns_skip_name(b, len, off);
    if (end < 0) {
      return len;
    }
    off = (u16_t)(end + DNS_QUESTION_TRAILER_LEN);
  }
  return off;
}

enum { RR_OTHER, RR_SAME_NAME_TYPE, RR_IDENTICAL };

/** Compare a received record with our record @p rid. */
static int rr_compare(const struct mdns *m, u8_t rid, const u8_t *b, u16_t len, const struct rr *r)
{
  struct mdns_name n;
  if (r->type != rr_type(rid) || (r->cls & ~DNS_RRCLASS_MDNS_FLAG) != DNS_RRCLASS_IN) {
    return RR_OTHER;
  }
  rr_owner(m, rid, &n);
  if (name_eq(b, len, r->owner, &n, 0) != 1) {
    return RR_OTHER;
  }
  const u8_t *d = b + r->rdata;
  bool same = false;
  if (rid == RID_A) {
    same = r->rdlen == 4U && get_n32(d) == netif_ip4_addr(m->netif)->addr;
  } else if (rid < 4U) {
    u8_t a[16];
    same = r->rdlen == 16U && aaaa_addr(m, (u8_t)(rid - 1U), a) && memcmp(a, d, 16) == 0;
  } else {
    const struct mdns_service *s = &m->services[rid_svc(rid)];
    switch (rid_kind(rid)) {
    case K_PTR:
      name_instance(s, &n);
      same = name_eq(b, len, r->rdata, &n, 0) == 1;
      break;
    case K_ENUM:
      name_type(s, &n);
      same = name_eq(b, len, r->rdata, &n, 0) == 1;
      break;
    case K_SRV:
      name_host(m, &n);
      same = r->rdlen > 6U && get_be16(d) == 0 && get_be16(d + 2) == 0 && get_be16(d + 4) == s->port &&
             name_eq(b, len, (u16_t)(r->rdata + 6U), &n, 0) == 1;
      break;
    default:
      same = r->rdlen == s->txt_len && memcmp(d, s->txt, s->txt_len) == 0;
      break;
    }
  }
  return same ? RR_IDENTICAL : RR_SAME_NAME_TYPE;
}

/** Is the received record one of ours, data and all? */
static bool rr_is_ours(const struct mdns *m, u32_t own, const u8_t *b, u16_t len, const struct rr *r)
{
  for (u8_t rid = 0; rid < NUM_RECORDS; rid++) {
    if ((own & BIT(rid)) != 0 && rr_compare(m, rid, b, len, r) == RR_IDENTICAL) {
      return true;
    }
  }
  return false;
}

/** Which of the names we probe is the name at @p off: -1 the host name,
 *  0.. a service instance, -2 none. */
static int probed_name(const struct mdns *m, const u8_t *b, u16_t len, u16_t off)
{
  struct mdns_name n;
  name_host(m, &n);
  if (name_eq(b, len, off, &n, 0) == 1) {
    return -1;
  }
  for (u8_t s = 0; s < MDNS_MAX_SERVICES; s++) {
    if (m->services[s].used) {
      name_instance(&m->services[s], &n);
      if (name_eq(b, len, off, &n, 0) == 1) {
        return (int)s;
      }
    }
  }
  return -2;
}

/* ---- the simultaneous probe tie-break (RFC 6762 8.2) ---- */

/** A record as the tie-break compares it: class, type, then the data
 *  with any name uncompressed, as bytes. */
struct key {
  u16_t len;
  u8_t b[MDNS_KEY_MAX];
};

static struct key keys_ours[MDNS_KEYS], keys_theirs[MDNS_KEYS];

static int key_cmp(const struct key *a, const struct key *b)
{
  u16_t n = LWIP_MIN(a->len, b->len);
  int c = memcmp(a->b, b->b, n);
  return c != 0 ? c : (int)a->len - (int)b->len;
}

static void keys_sort(struct key *k, u8_t n)
{
  for (u8_t i = 1; i < n; i++) {
    for (u8_t j = i; j > 0 && key_cmp(&k[j - 1], &k[j]) > 0; j--) {
      struct key t = k[j];
      k[j] = k[j - 1];
      k[j - 1] = t;
    }
  }
}

static void key_head(struct key *k, u16_t cls, u16_t type)
{
  put_be16(k->b, (u16_t)(cls & ~DNS_RRCLASS_MDNS_FLAG));
  put_be16(k->b + 2, type);
  k->len = 4;
}

/** Our records for probed name @p who, sorted. @return how many. */
static u8_t our_keys(const struct mdns *m, int who)
{
  u32_t own = owned(m) & (who < 0 ? HOST_BITS : (BIT(RID_SVC(who, K_SRV)) | BIT(RID_SVC(who, K_TXT))));
  u8_t n = 0;
  for (u8_t rid = 0; rid < NUM_RECORDS && n < MDNS_KEYS; rid++) {
    if ((own & BIT(rid)) == 0) {
      continue;
    }
    struct key *k = &keys_ours[n++];
    struct out o;
    key_head(k, DNS_RRCLASS_IN, rr_type(rid));
    out_init(&o, k->b + 4, MDNS_KEY_MAX - 4U, false);
    put_rdata(&o, m, rid);
    k->len = (u16_t)(4U + (o.full ? MDNS_KEY_MAX - 4U : o.len));
  }
  keys_sort(keys_ours, n);
  return n;
}

/** Their authority records for our probed name @p who, sorted. */
static u8_t their_keys(const struct mdns *m, int who, const u8_t *b, u16_t len, const struct hdr *h)
{
  u16_t off = skip_questions(b, len, h);
  struct rr r;
  u8_t n = 0;
  for (u16_t i = 0; i < h->an + h->ns && read_rr(b, len, &off, &r); i++) {
    if (i < h->an || n >= MDNS_KEYS || probed_name(m, b, len, r.owner) != who) {
      continue;
    }
    struct key *k = &keys_theirs[n++];
    key_head(k, r.cls, r.type);
    u16_t cap = MDNS_KEY_MAX - 4U;
    if (r.type == DNS_RRTYPE_SRV && r.rdlen > 6U) {
      memcpy(k->b + 4, b + r.rdata, 6);
      u16_t fl = name_flatten(b, len, (u16_t)(r.rdata + 6U), k->b + 10, (u16_t)(cap - 6U));
      k->len = (u16_t)(10U + (fl != 0 ? fl : cap - 6U));
    } else {
      u16_t l = LWIP_MIN(r.rdlen, cap);
      memcpy(k->b + 4, b + r.rdata, l);
      k->len = (u16_t)(4U + l);
    }
  }
  keys_sort(keys_theirs, n);
  return n;
}

/** @return <0 when our records are lexicographically earlier (we lose),
 *  0 when they are the same, >0 when we win. */
static int tiebreak(const struct mdns *m, int who, const u8_t *b, u16_t len, const struct hdr *h)
{
  u8_t no = our_keys(m, who);
  u8_t nt = their_keys(m, who, b, len, h);
  for (u8_t i = 0; i < no && i < nt; i++) {
    int c = key_cmp(&keys_ours[i], &keys_theirs[i]);
    if (c != 0) {
      return c;
    }
  }
  return (int)no - (int)nt;
}

/* ---------------------------------------------------------------------- */
/* Queries                                                                 */
/* ---------------------------------------------------------------------- */

/** Our records answering a question for the name at @p off of @p qtype. */
static u32_t match_question(const struct mdns *m, const u8_t *b, u16_t len, u16_t off, u16_t qtype)
{
  struct mdns_name n;
  bool any = qtype == DNS_RRTYPE_ANY;
  u32_t r = 0;
  name_host(m, &n);
  if (name_eq(b, len, off, &n, 0) == 1) {
    if (any || qtype == DNS_RRTYPE_A) {
      r |= BIT(RID_A);
    }
    if (any || qtype == DNS_RRTYPE_AAAA) {
      r |= HOST_BITS & ~BIT(RID_A);
    }
    return r;
  }
  bool ptr = any || qtype == DNS_RRTYPE_PTR;
  name_enum(&n);
  bool is_enum = ptr && name_eq(b, len, off, &n, 0) == 1;
  for (u8_t s = 0; s < MDNS_MAX_SERVICES; s++) {
    const struct mdns_service *sv = &m->services[s];
    if (!sv->used) {
      continue;
    }
    if (is_enum) {
      r |= BIT(RID_SVC(s, K_ENUM));
      continue;
    }
    name_type(sv, &n);
    if (ptr && name_eq(b, len, off, &n, 0) == 1) {
      r |= BIT(RID_SVC(s, K_PTR));
    }
    name_instance(sv, &n);
    if (name_eq(b, len, off, &n, 0) == 1) {
      if (any || qtype == DNS_RRTYPE_SRV) {
        r |= BIT(RID_SVC(s, K_SRV));
      }
      if (any || qtype == DNS_RRTYPE_TXT) {
        r |= BIT(RID_SVC(s, K_TXT));
      }
    }
  }
  return r;
}

/* A probe for a name we are probing too (RFC 6762 8.2). */
static void check_simultaneous_probe(struct mdns *m, const u8_t *b, u16_t len, const struct hdr *h)
{
  u16_t off = DNS_HDR_LEN;
  for (u16_t i = 0; i < h->qd; i++) {
    int end = dns_skip_name(b, len, off);
    int who = probed_name(m, b, len, off);
    if (who != -2 && tiebreak(m, who, b, len, h) < 0) {
      /* Lost: wait a second, then probe again; if the winner keeps the
       * name its answer to our probe makes us rename. */
      LWIP_LOG(MDNS, INFO, "simultaneous probe for %s won by the other host",
               who < 0 ? m->hostname : m->services[who].name);
      m->stats.tiebreaks_lost++;
      probe_after(m, MDNS_TIEBREAK_WAIT_MS);
      return;
    }
    off = (u16_t)(end + DNS_QUESTION_TRAILER_LEN);
  }
}

static void handle_query(struct mdns *m, const u8_t *b, u16_t len, const struct hdr *h, const ip_addr_t *src,
                         u16_t sport)
{
  m->stats.rx_queries++;
  if (m->state == MDNS_STATE_PROBING) {
    if (h->ns > 0) {
      check_simultaneous_probe(m, b, len, h);
    }
    return; /* nothing is ours yet to answer with */
  }
  if (!answering(m)) {
    return;
  }
  u32_t own = owned(m);
  u32_t ans = 0, qu = 0;
  u16_t off = DNS_HDR_LEN;
  for (u16_t i = 0; i < h->qd; i++) {
    int end = dns_skip_name(b, len, off);
    u16_t qtype = get_be16(b + end);
    u16_t qclass = get_be16(b + end + 2);
    u16_t cls = (u16_t)(qclass & ~DNS_RRCLASS_MDNS_FLAG);
    if (cls == DNS_RRCLASS_IN || cls == DNS_RRCLASS_ANY) {
      u32_t hit = match_question(m, b, len, off, qtype) & own;
      ans |= hit;
      if ((qclass & DNS_RRCLASS_MDNS_FLAG) != 0) {
        qu |= hit;
      }
    }
    off = (u16_t)(end + DNS_QUESTION_TRAILER_LEN);
  }
  if (ans == 0) {
    return;
  }
  /* RFC 6762 7.1: a known answer with at least half our TTL left is not
   * repeated. */
  struct rr r;
  for (u16_t i = 0; i < h->an && read_rr(b, len, &off, &r); i++) {
    for (u8_t rid = 0; rid < NUM_RECORDS; rid++) {
      if ((ans & BIT(rid)) != 0 && r.ttl >= rr_ttl(rid) / 2U && rr_compare(m, rid, b, len, &r) == RR_IDENTICAL) {
        ans &= ~BIT(rid);
        m->stats.ka_suppressed++;
      }
    }
  }
  if (ans == 0) {
    return;
  }
  struct dest d;
  memset(&d, 0, sizeof(d));
  if (sport != DNS_MQUERY_PORT) {
    /* RFC 6762 6.7: a legacy resolver gets a conventional unicast answer
     * at its port, with its ID and questions, TTLs of at most 10 s. */
    d.addr = src;
    d.port = sport;
    d.id = h->id;
    d.legacy = true;
    d.q = b;
    d.qlen = len;
    d.qcount = h->qd;
    send_records(m, ans, extras(m, ans), &d);
    m->stats.legacy++;
    return;
  }
  u32_t now = sys_now();
  /* RFC 6762 6, 20: the answer goes back over the family the query came
   * by, so only that family's multicast history counts. */
  u8_t fam = family_of(src);
  const u32_t *last = m->last_mc[fam];
  /* RFC 6762 5.4: a QU question is answered by unicast when the record
   * was multicast within a quarter of its TTL (the querier's neighbours
   * have it), else by multicast. */
  u32_t uni = 0;
  for (u8_t rid = 0; rid < NUM_RECORDS; rid++) {
    if ((qu & BIT(rid)) != 0 && last[rid] != 0 && now - last[rid] < rr_ttl(rid) * 250U) {
      uni |= BIT(rid);
    }
  }
  if (uni != 0) {
    d.addr = src;
    d.port = DNS_MQUERY_PORT;
    send_records(m, uni, extras(m, uni), &d);
    m->stats.unicast++;
  }
  /* RFC 6762 6: no record multicast again within 1 s (250 ms when
   * defending against a probe, 8.1). */
  u32_t mc = ans & ~uni;
  u32_t gap = h->ns > 0 ? MDNS_PROBE_INTERVAL_MS : 1000U;
  for (u8_t rid = 0; rid < NUM_RECORDS; rid++) {
    if ((mc & BIT(rid)) != 0 && last[rid] != 0 && now - last[rid] < gap) {
      mc &= ~BIT(rid);
    }
  }
  if (mc == 0) {
    return;
  }
  u32_t shared = 0;
  for (u8_t rid = 0; rid < NUM_RECORDS; rid++) {
    if (!rr_unique(rid)) {
      shared |= BIT(rid);
    }
  }
  if ((mc & shared) == 0) {
    /* Only unique records: the answer is no one else's, send it now. */
    send_multicast_fam(m, fam, mc, false);
    m->stats.responses++;
    return;
  }
  /* RFC 6762 6: shared records wait 20-120 ms (400-500 ms when the query
   * is truncated and more known answers follow), so answers from several
   * responders spread out; later queries join the same answer. */
  if (!any_pending(m)) {
    u32_t delay = (h->flags & DNS_FLAG_TC) != 0 ? 400U + lwip_port_rand() % 101U : 20U + lwip_port_rand() % 101U;
    sys_timeout_static(&m->resp_timeo, delay, resp_timer, m);
  }
  m->pending[fam] |= mc;
}

/* ---------------------------------------------------------------------- */
/* Responses: conflicts                                                    */
/* ---------------------------------------------------------------------- */

static void handle_response(struct mdns *m, const u8_t *b, u16_t len, const struct hdr *h)
{
  m->stats.rx_responses++;
  u32_t own = owned(m);
  u16_t off = skip_questions(b, len, h);
  struct rr r;
  u32_t total = (u32_t)h->an + h->ns + h->ar;
  for (u32_t i = 0; i < total && read_rr(b, len, &off, &r); i++) {
    if (r.ttl == 0 || rr_is_ours(m, own, b, len, &r)) {
      continue; /* a goodbye, or our own data (another of our interfaces) */
    }
    if (m->state == MDNS_STATE_PROBING) {
      /* RFC 6762 8.1: any record with a name we probe for, of any type. */
      int who = probed_name(m, b, len, r.owner);
      if (who != -2) {
        rename_after_conflict(m, who);
        return;
      }
    } else if (answering(m)) {
      /* RFC 6762 9: a unique record of ours with other data. */
      for (u8_t rid = 0; rid < NUM_RECORDS; rid++) {
        if ((own & BIT(rid)) != 0 && rr_unique(rid) && rr_compare(m, rid, b, len, &r) == RR_SAME_NAME_TYPE) {
          LWIP_LOG(MDNS, WARN, "conflicting record for %s.local's names: probing again", m->hostname);
          m->stats.conflicts++;
          probe_soon(m);
          return;
        }
      }
    }
  }
}

#if LWIP_IPV6
/** IPv6 half of on_link(): link-local, or inside the on-link prefix of
 *  one of the netif's addresses. */
static bool on_link6(const struct mdns *m, const ip6_addr_t *a)
{
  if (ip6_addr_islinklocal(a)) {
    return true;
  }
  for (u8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    u8_t plen = m->netif->ip6_addr_prefix_len[i];
    if (ip6_addr_isvalid(netif_ip6_addr_state(m->netif, i)) && plen != 0 &&
        ip6_addr_prefix_eq(a, netif_ip6_addr(m->netif, i), plen)) {
      return true;
    }
  }
  return false;
}
#endif

/** Is @p src on our link (RFC 6762 11: answers go only to the link)? */
static bool on_link(const struct mdns *m, const ip_addr_t *src)
{
#if LWIP_IPV6
  if (IP_IS_V6(src)) {
    return on_link6(m, ip_2_ip6(src));
  }
#endif
  if (!IP_IS_V4(src)) {
    return false;
  }
  const ip4_addr_t *a = ip_2_ip4(src);
  const ip4_addr_t *ours = netif_ip4_addr(m->netif);
  /* 169.254/16 is on every link (RFC 3927). */
  return (!ip4_addr_isany(ours) && ip4_addr_net_eq(a, ours, netif_ip4_netmask(m->netif))) ||
         (lwip_ntohl(a->addr) & 0xffff0000UL) == 0xa9fe0000UL;
}

static void mdns_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct mdns *m = (struct mdns *)arg;
  (void)pcb;
  STATS_RX(MDNS);
  struct hdr h;
  u16_t len = p->tot_len;
  if (len < DNS_HDR_LEN) {
    LWIP_DROP(MDNS_SHORT);
    goto done;
  }
  if (len > sizeof(rxbuf)) {
    LWIP_DROP(MDNS_TOO_BIG);
    goto done;
  }
  if (!on_link(m, addr)) {
    LWIP_DROP(MDNS_OFF_LINK);
    goto done;
  }
  if (pbuf_copy_partial(p, rxbuf, len, 0) != len) {
    LWIP_DROP(MDNS_SHORT);
    goto done;
  }
  h.id = get_be16(rxbuf + DNS_OFF_ID);
  h.flags = get_be16(rxbuf + DNS_OFF_FLAGS);
  h.qd = get_be16(rxbuf + DNS_OFF_QDCOUNT);
  h.an = get_be16(rxbuf + DNS_OFF_ANCOUNT);
  h.ns = get_be16(rxbuf + DNS_OFF_NSCOUNT);
  h.ar = get_be16(rxbuf + DNS_OFF_ARCOUNT);
  /* RFC 6762 18.3, 18.11: other opcodes and non-zero rcodes are ignored. */
  if ((h.flags & (DNS_FLAG_OPCODE_MASK | DNS_FLAG_RCODE_MASK)) != 0) {
    LWIP_DROP(MDNS_BAD_HDR);
    goto done;
  }
  if (!scan_message(rxbuf, len, &h)) {
    goto done;
  }
  if ((h.flags & DNS_FLAG_QR) != 0) {
    /* RFC 6762 6: responses come from port 5353, else they are ignored. */
    if (port != DNS_MQUERY_PORT) {
      LWIP_DROP(MDNS_BAD_PORT);
      goto done;
    }
    handle_response(m, rxbuf, len, &h);
  } else {
    handle_query(m, rxbuf, len, &h, addr, port);
  }
done:
  pbuf_free(p);
}

/* ---------------------------------------------------------------------- */
/* Netif changes                                                           */
/* ---------------------------------------------------------------------- */

static void stop_quietly(struct mdns *m);

/* RFC 6762 20: listen on ff02::fb while the netif has IPv6, that is an
 * address in any state (the group is joined before DAD ends, as the
 * solicited-node groups are); a netif without IPv6 sends no MLD report
 * for it.  @return ERR_OK, or the join's error. */
static err_t sync_group6(struct mdns *m)
{
#if LWIP_IPV6
  bool want = false;
  for (u8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
    want = want || !ip6_addr_isinvalid(netif_ip6_addr_state(m->netif, i));
  }
  if (want && !m->joined6) {
    err_t err = mld6_joingroup_netif(m->netif, ip_2_ip6(&mdns_group6));
    if (err != ERR_OK) {
      LWIP_LOG(MDNS, WARN, "cannot join ff02::fb: %s", lwip_err_name(err));
      return err;
    }
    m->joined6 = true;
  } else if (!want && m->joined6) {
    mld6_leavegroup_netif(m->netif, ip_2_ip6(&mdns_group6));
    m->joined6 = false;
  }
#else
  (void)m;
#endif
  return ERR_OK;
}

static void netif_changed(struct netif *netif, netif_nsc_reason_t reason, const netif_ext_callback_args_t *args)
{
  (void)args;
  struct mdns *next;
  for (struct mdns *m = running; m != NULL; m = next) {
    next = m->next;
    if (m->netif != netif || m->state == MDNS_STATE_GAVE_UP) {
      continue;
    }
    if ((reason & LWIP_NSC_NETIF_REMOVED) != 0) {
      stop_quietly(m);
      continue;
    }
    (void)sync_group6(m); /* a failed join is tried again at the next change */
    if (!usable(m)) {
      halt_timers(m);
      set_state(m, MDNS_STATE_LINK_DOWN);
    } else if (m->state == MDNS_STATE_LINK_DOWN || (reason & (LWIP_NSC_LINK_CHANGED | LWIP_NSC_STATUS_CHANGED)) != 0) {
      /* RFC 6762 13: a link that comes up may be another network. */
      probe_soon(m);
    } else if ((reason & (LWIP_NSC_IPV4_ADDRESS_CHANGED | LWIP_NSC_IPV6_SET | LWIP_NSC_IPV6_ADDR_STATE_CHANGED)) != 0 &&
               answering(m)) {
      /* RFC 6762 8.4: new data is announced again. */
      announce_now(m);
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Start and stop                                                          */
/* ---------------------------------------------------------------------- */

static void list_remove(struct mdns *m)
{
  for (struct mdns **pp = &running; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == m) {
      *pp = m->next;
      break;
    }
  }
  if (running == NULL) {
    netif_remove_ext_callback(&netif_cb);
  }
}

static void stop_quietly(struct mdns *m)
{
  halt_timers(m);
  udp_remove(m->pcb);
  if (has_igmp(m->netif)) {
    igmp_leavegroup_netif(m->netif, ip_2_ip4(&mdns_group));
  }
#if LWIP_IPV6
  if (m->joined6) {
    mld6_leavegroup_netif(m->netif, ip_2_ip6(&mdns_group6));
  }
#endif
  list_remove(m);
  LWIP_LOG(MDNS, INFO, "%s.local: stopped", m->hostname);
  memset(m, 0, sizeof(*m));
}

err_t mdns_start(struct mdns *m, struct netif *netif, const char *hostname)
{
  if (m == NULL || netif == NULL || hostname == NULL || mdns_running(m)) {
    return ERR_ARG;
  }
  memset(m, 0, sizeof(*m));
  /* The netif must take one family's multicast: IGMP for 224.0.0.251, or
   * MLD for ff02::fb (RFC 6762 20). */
  bool v6_group = LWIP_IPV6 && (netif->flags & NETIF_FLAG_MLD6) != 0;
  if (!host_label_ok(hostname) || (!has_igmp(netif) && !v6_group)) {
    return ERR_ARG;
  }
  strcpy(m->base, hostname);
  strcpy(m->hostname, hostname);
  m->netif = netif;
  m->pcb = udp_new_ip_type(LWIP_IPV6 ? IPADDR_TYPE_ANY : IPADDR_TYPE_V4);
  if (m->pcb == NULL) {
    memset(m, 0, sizeof(*m));
    return ERR_MEM;
  }
  /* RFC 6762 11: everything goes out with IP TTL 255. */
  m->pcb->ttl = 255;
  udp_set_multicast_ttl(m->pcb, 255);
  udp_set_multicast_netif_index(m->pcb, netif_get_index(netif));
  ip_set_option(m->pcb, SOF_REUSEADDR);
  udp_bind_netif(m->pcb, netif);
  err_t err = udp_bind(m->pcb, IP_ANY_TYPE, DNS_MQUERY_PORT);
  if (err == ERR_OK && has_igmp(netif)) {
    err = igmp_joingroup_netif(netif, ip_2_ip4(&mdns_group));
  }
  if (err == ERR_OK) {
    err = sync_group6(m);
    if (err != ERR_OK && has_igmp(netif)) {
      igmp_leavegroup_netif(netif, ip_2_ip4(&mdns_group));
    }
  }
  if (err != ERR_OK) {
    udp_remove(m->pcb);
    memset(m, 0, sizeof(*m));
    return err == ERR_VAL ? ERR_ARG : err;
  }
  udp_recv(m->pcb, mdns_recv, m);
  if (running == NULL) {
    netif_add_ext_callback(&netif_cb, netif_changed);
  }
  m->next = running;
  running = m;
  m->state = MDNS_STATE_LINK_DOWN;
  LWIP_LOG(MDNS, INFO, "started: %s.local on %s", m->hostname, netif->name);
  probe_soon(m);
  return ERR_OK;
}

void mdns_stop(struct mdns *m)
{
  if (!mdns_running(m)) {
    return;
  }
  /* RFC 6762 10.1: records others may have cached go with TTL 0. */
  if (answering(m) && usable(m)) {
    send_multicast(m, owned(m), true);
    m->stats.goodbyes++;
  }
  stop_quietly(m);
}

static bool txt_ok(const u8_t *txt, u16_t len)
{
  u16_t off = 0;
  while (off < len) {
    off = (u16_t)(off + 1U + txt[off]);
  }
  return off == len;
}

err_t mdns_add_service(struct mdns *m, const char *instance, const char *service, u8_t proto, u16_t port,
                       const u8_t *txt, u16_t txt_len, u8_t *slot)
{
  if (!mdns_running(m) || instance == NULL || service == NULL || !instance_label_ok(instance) ||
      !service_label_ok(service) || (proto != MDNS_PROTO_TCP && proto != MDNS_PROTO_UDP) || txt_len > MDNS_TXT_MAX ||
      (txt == NULL && txt_len != 0) || (txt != NULL && !txt_ok(txt, txt_len))) {
    return ERR_ARG;
  }
  if (mdns_find_service(m, instance, service) >= 0) {
    return ERR_VAL;
  }
  for (u8_t i = 0; i < MDNS_MAX_SERVICES; i++) {
    struct mdns_service *s = &m->services[i];
    if (s->used) {
      continue;
    }
    memset(s, 0, sizeof(*s));
    s->used = true;
    s->proto = proto;
    s->port = port;
    strcpy(s->base, instance);
    strcpy(s->name, instance);
    strcpy(s->service, service);
    if (txt_len == 0) {
      s->txt_len = 1; /* RFC 6763 6.1: the empty TXT record is one zero byte */
    } else {
      memcpy(s->txt, txt, txt_len);
      s->txt_len = txt_len;
    }
    if (slot != NULL) {
      *slot = i;
    }
    LWIP_LOG(MDNS, INFO, "service \"%s\" %s.%s port %u added", s->name, s->service, proto_label(proto), port);
    if (m->state != MDNS_STATE_LINK_DOWN && m->state != MDNS_STATE_GAVE_UP) {
      probe_soon(m);
    }
    return ERR_OK;
  }
  return ERR_MEM;
}

err_t mdns_remove_service(struct mdns *m, u8_t slot)
{
  if (!mdns_running(m) || slot >= MDNS_MAX_SERVICES || !m->services[slot].used) {
    return ERR_ARG;
  }
  u32_t bits = owned(m) & SVC_BITS(slot);
  if (answering(m) && usable(m)) {
    send_multicast(m, bits, true);
    m->stats.goodbyes++;
  }
  LWIP_LOG(MDNS, INFO, "service \"%s\" removed", m->services[slot].name);
  memset(&m->services[slot], 0, sizeof(m->services[slot]));
  for (u8_t fam = 0; fam < MDNS_FAMILIES; fam++) {
    m->pending[fam] &= ~SVC_BITS(slot);
  }
  /* Another service of the same type may now carry the enumeration PTR. */
  if (answering(m)) {
    announce_now(m);
  }
  return ERR_OK;
}

int mdns_find_service(const struct mdns *m, const char *instance, const char *service)
{
  if (!mdns_running(m) || instance == NULL) {
    return -1;
  }
  for (u8_t i = 0; i < MDNS_MAX_SERVICES; i++) {
    const struct mdns_service *s = &m->services[i];
    if (s->used && (str_eq_nocase(s->base, instance) || str_eq_nocase(s->name, instance)) &&
        (service == NULL || str_eq_nocase(s->service, service))) {
      return (int)i;
    }
  }
  return -1;
}

void mdns_announce(struct mdns *m)
{
  if (mdns_running(m) && answering(m)) {
    announce_now(m);
  }
}

void mdns_get_info(const struct mdns *m, struct mdns_info *info)
{
  memset(info, 0, sizeof(*info));
  info->state = mdns_state_name(m != NULL ? m->state : MDNS_STATE_OFF);
  if (!mdns_running(m)) {
    return;
  }
  info->hostname = m->hostname;
  info->base = m->base;
  info->netif = m->netif;
  info->renames = m->renames;
  u32_t own = owned(m);
  for (u8_t rid = 0; rid < NUM_RECORDS; rid++) {
    if ((own & BIT(rid)) != 0) {
      info->records++;
    }
  }
  for (u8_t i = 0; i < MDNS_MAX_SERVICES; i++) {
    const struct mdns_service *s = &m->services[i];
    if (s->used) {
      struct mdns_service_info *o = &info->services[info->num_services++];
      o->slot = i;
      o->proto = s->proto;
      o->port = s->port;
      o->txt_len = s->txt_len;
      o->name = s->name;
      o->base = s->base;
      o->service = s->service;
      o->txt = s->txt;
    }
  }
  info->stats = m->stats;
}

err_t mdns_txt_append(u8_t *txt, u16_t *len, u16_t cap, const char *kv)
{
  size_t n = kv != NULL ? strlen(kv) : 0;
  if (txt == NULL || len == NULL || n == 0 || n > 255U || *len + 1U + n > cap) {
    return ERR_ARG;
  }
  txt[*len] = (u8_t)n;
  memcpy(txt + *len + 1, kv, n);
  *len = (u16_t)(*len + 1U + n);
  return ERR_OK;
}

#endif /* LWIP_UDP && LWIP_IGMP */
