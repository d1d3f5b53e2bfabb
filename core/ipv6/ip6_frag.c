/**
 * @file ip6_frag.c
 * IPv6 fragments (RFC 8200 4.5): reassembly of what arrives and
 * fragmentation of what we send.
 *
 * Reassembly keeps every fragment unchanged (payload at its IPv6 header)
 * in a list sorted by offset, linked through small records of their own
 * (pool IP6_FRAG): the packet is never used as scratch space, so the first
 * fragment can be quoted as it arrived in a Time Exceeded message.  A
 * datagram is known by (source, destination, identification) (RFC 8200
 * 4.5).  Its unfragmentable part and next header come from the offset-0
 * fragment; other fragments' may differ and are ignored, as 4.5 allows.
 *
 * Overlaps (RFC 5722): a fragment overlapping one already held abandons the
 * whole datagram, and the slot stays as a tombstone until the 60 s timer
 * expires so the fragments still on their way are dropped too.  An exact
 * duplicate (same range, same M flag, same bytes) is dropped alone and the
 * datagram goes on (RFC 8200 4.5 lets a node do so); the same range with
 * other bytes is an overlap.
 *
 * Memory: at most IP6_REASS_MAX_DATAGRAMS datagrams (a static table, so
 * ip6_reass_get_info() can index it) and IP6_REASS_MAX_BYTES bytes.  A
 * fragment is charged for the buffers it pins, every pbuf of it at least a
 * full pool buffer: a flood of tiny fragments costs what it really holds,
 * and the IP6_FRAG pool (IP6_REASS_MAX_FRAGS records) can never run out
 * before the byte limit does.  When a new datagram or fragment does not
 * fit, the oldest other datagram is given up first (counted
 * IP6_FRAG_LIMIT), as IPv4 reassembly does.
 *
 * Fragmentation: identifications follow RFC 7739 5.3: a keyed hash of the
 * addresses gives an offset and picks one of a table of counters that start
 * at random values, so the identifications towards one destination tell
 * nothing about those towards another.
 */
#include "lwip/ip6_frag.h"
#include "lwip/icmp6.h"
#include "lwip/memp.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"
#include "lwip/prot/icmp6.h"
#include "lwip/priv/init.h"
#include "lwip/priv/nd6_priv.h"
#include "lwip/priv/ip6_frag_priv.h"
#include <string.h>

#define REASS_TMR_INTERVAL_MS 1000U
#define REASS_MAXAGE_MS (IP6_REASS_MAXAGE_S * 1000UL)
/** RFC 7739 5.3: the table of identification counters. */
#define FRAG_ID_BUCKETS 16U

_Static_assert(IP6_REASS_MAX_DATAGRAMS >= 1, "IPv6 reassembly needs at least one datagram slot");
_Static_assert(IP6_REASS_MAX_FRAGS >= 2, "a 1500-byte IPv6 packet in two fragments must fit (RFC 8200 5)");

static void count_drop(enum lwip_drop_reason why)
{
#if LWIP_STATS || LWIP_DEBUG
  lwip_drop(why);
#else
  LWIP_UNUSED_ARG(why);
#endif
}

/* ---------------------------------------------------------------------- */
/* The header chain                                                        */
/* ---------------------------------------------------------------------- */

bool ip6_skip_ext_headers(const struct pbuf *p, u8_t nexth, u16_t off, u8_t *proto, u16_t *upper_off)
{
  for (int n = 0; n <= IP6_EXT_HDRS_MAX; n++) {
    u8_t h[4];
    u32_t hlen;
    switch (nexth) {
    case IP6_NEXTH_HOPBYHOP:
    case IP6_NEXTH_DESTOPTS:
    case IP6_NEXTH_ROUTING:
    case IP6_NEXTH_AH:
    case IP6_NEXTH_FRAGMENT:
      break;
    default:
      *proto = nexth;
      *upper_off = off;
      return true;
    }
    if (pbuf_copy_partial(p, h, sizeof(h), off) != sizeof(h)) {
      return false;
    }
    if (nexth == IP6_NEXTH_FRAGMENT) {
      if ((get_be16(h + IP6_FRAG_OFF_OFFSET) & IP6_FRAG_OFFSET_MASK) != 0) {
        *proto = nexth;
        *upper_off = off;
        return true;
      }
      hlen = IP6_FRAG_HLEN;
    } else if (nexth == IP6_NEXTH_AH) {
      hlen = ((u32_t)h[IP6_EXT_OFF_LEN] + 2U) * 4U; /* RFC 4302 2.2: in 4-byte units */
    } else {
      hlen = ((u32_t)h[IP6_EXT_OFF_LEN] + 1U) * 8U;
    }
    if ((u32_t)off + hlen > p->tot_len) {
      return false;
    }
    nexth = h[IP6_EXT_OFF_NEXTH];
    off = (u16_t)(off + hlen);
  }
  return false;
}

/* The fixed part of an upper-layer header a first fragment must hold
 * (RFC 7112 5: the whole chain, the upper-layer header included). */
static u16_t upper_min_len(u8_t proto)
{
  switch (proto) {
  case IP6_NEXTH_TCP:
    return 20;
  case IP6_NEXTH_UDP:
  case IP6_NEXTH_UDPLITE:
  case IP6_NEXTH_ICMP6:
  case IP6_NEXTH_ESP: /* SPI and sequence number */
    return 8;
  default:
    return 0;
  }
}

#if LWIP_DEBUG
static const char *addr_str(const ip6_addr_t *a, char *buf, size_t len)
{
  return ip6addr_ntoa_r(a, buf, (int)len);
}
#endif

/* ---------------------------------------------------------------------- */
/* Reassembly state                                                        */
/* ---------------------------------------------------------------------- */

struct ip6_reass {
  struct ip6_frag_node *frags; /* sorted by start */
  ip6_addr_t src, dest;
  u32_t id;
  u32_t started_ms;
  u32_t charge;     /* bytes charged */
  u32_t data_bytes; /* fragment data held */
  u16_t nfrags;
  u16_t total; /* fragmentable part's length, once have_last */
  bool used;
  bool abandoned;
  bool have_first;
  bool have_last;
  /* From the offset-0 fragment: */
  u16_t unfrag_len; /* IPv6 header and unfragmentable extension headers */
  u16_t nexth_off;  /* the Next Header field naming the Fragment header */
  u8_t nexth;       /* the Fragment header's Next Header */
  u8_t upper_proto; /* upper layer and its offset in that fragment, so */
  u16_t upper_off;  /* Time Exceeded knows what it quotes (RFC 4443 2.4(e.1)) */
  u8_t if_idx;      /* where it arrived, to send Time Exceeded back */
};

static struct ip6_reass ip6_reass_slots[IP6_REASS_MAX_DATAGRAMS];
/* The timer in storage of our own: a datagram must never be held without
 * one because the SYS_TIMEOUT pool happened to be empty. */
static struct sys_timeo ip6_reass_timer;
static u32_t ip6_reass_bytes;
static u16_t ip6_reass_frags;

/* RFC 7739 5.3 state: the key of the hash and the counters. */
static u8_t ip6_frag_key[16];
static u32_t ip6_frag_id_counters[FRAG_ID_BUCKETS];
static bool ip6_frag_key_set;

static void reass_tmr(void *arg);

void ip6_frag_init(void)
{
  /* lwip_init() re-initialises the pools and pbufs, so what was held is
   * forgotten, not freed. */
  memset(ip6_reass_slots, 0, sizeof(ip6_reass_slots));
  ip6_reass_bytes = 0;
  ip6_reass_frags = 0;
  memset(ip6_frag_key, 0, sizeof(ip6_frag_key));
  memset(ip6_frag_id_counters, 0, sizeof(ip6_frag_id_counters));
  ip6_frag_key_set = false;
}

/* What fragment @p p costs: every pbuf at least one full pool buffer. */
static u32_t frag_charge(const struct pbuf *p)
{
  u32_t c = 0;
  for (const struct pbuf *q = p; q != NULL; q = q->next) {
    c += LWIP_MAX((u32_t)q->len, (u32_t)PBUF_POOL_BUFSIZE);
  }
  return c;
}

static void free_frags(struct ip6_reass *r)
{
  struct ip6_frag_node *n = r->frags;
  while (n != NULL) {
    struct ip6_frag_node *next = n->next;
    pbuf_free(n->p);
    memp_free(MEMP_IP6_FRAG, n);
    n = next;
  }
  r->frags = NULL;
  ip6_reass_bytes -= r->charge;
  ip6_reass_frags = (u16_t)(ip6_reass_frags - r->nfrags);
  r->charge = 0;
  r->data_bytes = 0;
  r->nfrags = 0;
}

/* Free the slot and everything in it. */
static void reass_release(struct ip6_reass *r)
{
  free_frags(r);
  memset(r, 0, sizeof(*r));
}

/* RFC 5722: give up @p r for reason @p why, keeping the slot as a
 * tombstone so later fragments of the same datagram are dropped too. */
static void reass_abandon(struct ip6_reass *r, enum lwip_drop_reason why)
{
#if LWIP_DEBUG
  char b[IP6ADDR_STRLEN_MAX];
  LWIP_LOG(IP6, INFO, "reassembly of id %lu from %s abandoned: %s", (unsigned long)r->id,
           addr_str(&r->src, b, sizeof(b)), lwip_drop_reason_name(why));
#endif
  count_drop(why);
  free_frags(r);
  r->abandoned = true;
}

static u32_t reass_age(const struct ip6_reass *r, u32_t now)
{
  return now - r->started_ms;
}

/* Give up the oldest datagram other than @p keep; with @p for_bytes only
 * one holding bytes (a tombstone frees none).  @return false if none. */
static bool reass_evict_oldest(const struct ip6_reass *keep, bool for_bytes)
{
  struct ip6_reass *oldest = NULL;
  u32_t now = sys_now();
  for (int i = 0; i < IP6_REASS_MAX_DATAGRAMS; i++) {
    struct ip6_reass *r = &ip6_reass_slots[i];
    if (!r->used || r == keep || (for_bytes && r->charge == 0)) {
      continue;
    }
    if (oldest == NULL || reass_age(r, now) > reass_age(oldest, now)) {
      oldest = r;
    }
  }
  if (oldest == NULL) {
    return false;
  }
  LWIP_LOG(IP6, DEBUG, "reassembly limit: giving up id %lu (%lu bytes)", (unsigned long)oldest->id,
           (unsigned long)oldest->charge);
  if (!oldest->abandoned) {
    count_drop(LWIP_DROP_IP6_FRAG_LIMIT);
  }
  reass_release(oldest);
  return true;
}

static struct ip6_reass *reass_find(const struct ip6_rx *rx, u32_t id)
{
  for (int i = 0; i < IP6_REASS_MAX_DATAGRAMS; i++) {
    struct ip6_reass *r = &ip6_reass_slots[i];
    if (r->used && r->id == id && ip6_addr_eq(&r->src, ip_2_ip6(&rx->ip.src)) &&
        ip6_addr_eq(&r->dest, ip_2_ip6(&rx->ip.dest))) {
      return r;
    }
  }
  return NULL;
}

static struct ip6_reass *reass_new(const struct ip6_rx *rx, u32_t id)
{
  struct ip6_reass *r = NULL;
  for (int i = 0; i < IP6_REASS_MAX_DATAGRAMS && r == NULL; i++) {
    if (!ip6_reass_slots[i].used) {
      r = &ip6_reass_slots[i];
    }
  }
  if (r == NULL) {
    if (!reass_evict_oldest(NULL, false)) {
      return NULL;
    }
    return reass_new(rx, id);
  }
  memset(r, 0, sizeof(*r));
  r->used = true;
  r->src = *ip_2_ip6(&rx->ip.src);
  r->dest = *ip_2_ip6(&rx->ip.dest);
  r->id = id;
  r->started_ms = sys_now();
  if (!sys_timeout_pending(reass_tmr, NULL)) {
    sys_timeout_static(&ip6_reass_timer, REASS_TMR_INTERVAL_MS, reass_tmr, NULL);
  }
  return r;
}

/* ---------------------------------------------------------------------- */
/* One fragment                                                            */
/* ---------------------------------------------------------------------- */

/* A received fragment, parsed. */
struct frag_view {
  u16_t hdr_off;  /* offset of the Fragment header */
  u16_t data_off; /* offset of the fragment data */
  u16_t start;    /* offset in the fragmentable part */
  u16_t len;      /* data bytes */
  bool more;
  u32_t id;
  u8_t nexth;       /* the Fragment header's Next Header */
  u8_t upper_proto; /* offset-0 fragment only */
  u16_t upper_off;
};

/* Check a fragment on its own (RFC 8200 4.5, RFC 7112).  @return
 * LWIP_DROP_COUNT when it may join its datagram, else the drop reason,
 * with the Parameter Problem to send in @p pp_code (-1: none) and
 * @p pp_ptr. */
static enum lwip_drop_reason frag_check(const struct pbuf *p, const struct ip6_rx *rx, struct frag_view *v,
                                        s8_t *pp_code, u32_t *pp_ptr)
{
  u8_t fh[IP6_FRAG_HLEN];
  *pp_code = -1;
  v->hdr_off = rx->ip.hdr_len;
  if (pbuf_copy_partial(p, fh, sizeof(fh), v->hdr_off) != sizeof(fh)) {
    return LWIP_DROP_IP6_BAD_EXT_HDR; /* the chain walk checked it: defensive */
  }
  u16_t offm = get_be16(fh + IP6_FRAG_OFF_OFFSET);
  v->data_off = (u16_t)(v->hdr_off + IP6_FRAG_HLEN);
  v->start = (u16_t)(offm & IP6_FRAG_OFFSET_MASK); /* 8-byte units, already shifted by 3 */
  v->len = (u16_t)(p->tot_len - v->data_off);
  v->more = (offm & IP6_FRAG_MORE) != 0;
  v->id = get_be32(fh + IP6_FRAG_OFF_ID);
  v->nexth = fh[IP6_EXT_OFF_NEXTH];

  /* RFC 8200 4.5: every fragment but the last carries a multiple of 8
   * bytes; Parameter Problem code 0 pointing at the Payload Length.  An
   * empty one that is not the last adds nothing and is dropped too. */
  if (v->more && (v->len & 7U) != 0) {
    *pp_code = ICMP6_PP_FIELD;
    *pp_ptr = IP6_OFF_PLEN;
    return LWIP_DROP_IP6_FRAG_BAD_LEN;
  }
  if (v->more && v->len == 0) {
    return LWIP_DROP_IP6_FRAG_BAD_LEN;
  }
  /* RFC 8200 4.5: a Payload Length over 65535 once reassembled is answered
   * with Parameter Problem code 0 pointing at the Fragment Offset.  A
   * packet within that limit but over 65535 bytes with its 40-byte header
   * does not fit a pbuf; it is dropped silently under the same reason. */
  u32_t plen = (u32_t)v->hdr_off - IP6_HLEN + v->start + v->len;
  if (plen > 0xffffUL) {
    *pp_code = ICMP6_PP_FIELD;
    *pp_ptr = (u32_t)v->hdr_off + IP6_FRAG_OFF_OFFSET;
    return LWIP_DROP_IP6_FRAG_TOO_BIG;
  }
  if (plen + IP6_HLEN > 0xffffUL) {
    return LWIP_DROP_IP6_FRAG_TOO_BIG;
  }
  /* RFC 7112 5, RFC 8200 4.5: the first fragment holds every header up to
   * and including the upper-layer header, else Parameter Problem code 3
   * with the pointer at zero. */
  if (v->start == 0) {
    if (!ip6_skip_ext_headers(p, v->nexth, v->data_off, &v->upper_proto, &v->upper_off) ||
        v->upper_proto == IP6_NEXTH_FRAGMENT || (u32_t)v->upper_off + upper_min_len(v->upper_proto) > p->tot_len) {
      *pp_code = ICMP6_PP_INCOMPLETE;
      *pp_ptr = 0;
      return LWIP_DROP_IP6_FRAG_INCOMPLETE_CHAIN;
    }
  }
  return LWIP_DROP_COUNT;
}

/* Do fragment @p v of @p p and the held node @p n carry the same bytes? */
static bool same_bytes(const struct pbuf *p, const struct frag_view *v, const struct ip6_frag_node *n)
{
  u8_t a[64], b[64];
  for (u16_t done = 0; done < v->len;) {
    u16_t k = (u16_t)LWIP_MIN((u32_t)sizeof(a), (u32_t)(v->len - done));
    if (pbuf_copy_partial(p, a, k, (u16_t)(v->data_off + done)) != k ||
        pbuf_copy_partial(n->p, b, k, (u16_t)(n->data_off + done)) != k || memcmp(a, b, k) != 0) {
      return false;
    }
    done = (u16_t)(done + k);
  }
  return true;
}

/* Where fragment @p v goes in @p r's sorted list.  @return LWIP_DROP_COUNT
 * with the link to update in @p *at, IP6_FRAG_DUPLICATE for an exact
 * duplicate, or IP6_FRAG_OVERLAP. */
static enum lwip_drop_reason reass_place(struct ip6_reass *r, const struct pbuf *p, const struct frag_view *v,
                                         struct ip6_frag_node ***at)
{
  u32_t end = (u32_t)v->start + v->len;
  struct ip6_frag_node **pp = &r->frags;
  const struct ip6_frag_node *prev = NULL;
  while (*pp != NULL && (*pp)->start < v->start) {
    prev = *pp;
    pp = &(*pp)->next;
  }
  const struct ip6_frag_node *cur = *pp;
  if (cur != NULL && cur->start == v->start && cur->end == end) {
    return (cur->more == v->more && same_bytes(p, v, cur)) ? LWIP_DROP_IP6_FRAG_DUPLICATE : LWIP_DROP_IP6_FRAG_OVERLAP;
  }
  if ((prev != NULL && prev->end > v->start) || (cur != NULL && cur->start < end)) {
    return LWIP_DROP_IP6_FRAG_OVERLAP;
  }
  *at = pp;
  return LWIP_DROP_COUNT;
}

/* What fragment @p v says about the datagram's end, against what @p r
 * knows.  @return LWIP_DROP_COUNT, or IP6_FRAG_INCONSISTENT. */
static enum lwip_drop_reason reass_check_end(const struct ip6_reass *r, const struct frag_view *v)
{
  u32_t end = (u32_t)v->start + v->len;
  if (v->more) {
    return (r->have_last && end > r->total) ? LWIP_DROP_IP6_FRAG_INCONSISTENT : LWIP_DROP_COUNT;
  }
  if (r->have_last && r->total != end) {
    return LWIP_DROP_IP6_FRAG_INCONSISTENT;
  }
  for (const struct ip6_frag_node *n = r->frags; n != NULL; n = n->next) {
    if (n->end > end) {
      return LWIP_DROP_IP6_FRAG_INCONSISTENT;
    }
  }
  return LWIP_DROP_COUNT;
}

static bool reass_complete(const struct ip6_reass *r)
{
  if (!r->have_first || !r->have_last) {
    return false;
  }
  u16_t expect = 0;
  for (const struct ip6_frag_node *n = r->frags; n != NULL; n = n->next) {
    if (n->start != expect) {
      return false;
    }
    expect = n->end;
  }
  return expect == r->total;
}

/* Build the datagram of the complete @p r in one new pbuf and free the
 * slot.  @return it, or NULL (counted) when there is no memory for it. */
static struct pbuf *reass_finish(struct ip6_reass *r, const struct ip6_rx *rx)
{
  const struct ip6_frag_node *first = r->frags;
  u16_t plen = (u16_t)(r->unfrag_len - IP6_HLEN + r->total);
  struct pbuf *h = pbuf_alloc(PBUF_RAW, (u16_t)(IP6_HLEN + plen), PBUF_RAM);
  if (h == NULL) {
    LWIP_LOG(IP6, DEBUG, "no memory to reassemble id %lu", (unsigned long)r->id);
    count_drop(LWIP_DROP_IP6_FRAG_NO_MEM);
    reass_release(r);
    return NULL;
  }
  /* RFC 8200 4.5: the unfragmentable part of the offset-0 fragment, its
   * last Next Header taken from that fragment's Fragment header, the
   * Payload Length of the whole, then every fragment's data in order.
   * Copying makes one contiguous buffer, so the header chain and the
   * upper-layer header can be read and exposed again in place. */
  u8_t buf[128];
  for (u16_t done = 0; done < r->unfrag_len;) {
    u16_t k = (u16_t)LWIP_MIN((u32_t)sizeof(buf), (u32_t)(r->unfrag_len - done));
    pbuf_copy_partial(first->p, buf, k, done);
    pbuf_take_at(h, buf, k, done);
    done = (u16_t)(done + k);
  }
  u8_t *hb = (u8_t *)h->payload;
  put_be16(hb + IP6_OFF_PLEN, plen);
  hb[r->nexth_off] = r->nexth;
  for (const struct ip6_frag_node *n = r->frags; n != NULL; n = n->next) {
    u16_t dlen = (u16_t)(n->end - n->start);
    u16_t to = (u16_t)(r->unfrag_len + n->start);
    for (u16_t done = 0; done < dlen;) {
      u16_t k = (u16_t)LWIP_MIN((u32_t)sizeof(buf), (u32_t)(dlen - done));
      pbuf_copy_partial(n->p, buf, k, (u16_t)(n->data_off + done));
      pbuf_take_at(h, buf, k, (u16_t)(to + done));
      done = (u16_t)(done + k);
    }
  }
  h->flags = (u8_t)(first->p->flags & (PBUF_FLAG_LLMCAST | PBUF_FLAG_LLBCAST));
  h->if_idx = netif_get_index(rx->ip.inp);
  LWIP_LOG(IP6, DEBUG, "reassembled id %lu: %u bytes from %u fragments", (unsigned long)r->id, h->tot_len, r->nfrags);
  reass_release(r);
  return h;
}

/* Keep @p p in @p r at @p at; @return false (nothing kept) without memory. */
static bool reass_keep(struct ip6_reass *r, struct pbuf *p, const struct frag_view *v, u32_t charge,
                       struct ip6_frag_node **at)
{
  struct ip6_frag_node *n = (struct ip6_frag_node *)memp_malloc(MEMP_IP6_FRAG);
  if (n == NULL) {
    return false;
  }
  n->p = p;
  n->charge = charge;
  n->start = v->start;
  n->end = (u16_t)(v->start + v->len);
  n->data_off = v->data_off;
  n->more = v->more;
  n->next = *at;
  *at = n;
  r->charge += charge;
  r->data_bytes += v->len;
  r->nfrags++;
  ip6_reass_bytes += charge;
  ip6_reass_frags++;
  return true;
}

/* Note what the offset-0 fragment tells about the datagram. */
static void reass_note_first(struct ip6_reass *r, const struct frag_view *v, const struct ip6_rx *rx)
{
  r->have_first = true;
  r->unfrag_len = v->hdr_off;
  r->nexth_off = rx->nexth_off;
  r->nexth = v->nexth;
  r->upper_proto = v->upper_proto;
  r->upper_off = v->upper_off;
  r->if_idx = netif_get_index(rx->ip.inp);
}

/* Drop fragment @p p for @p why; when the slot @p r holds nothing else
 * (it was made for this fragment), free it. */
static struct pbuf *drop_frag(struct pbuf *p, struct ip6_reass *r, enum lwip_drop_reason why)
{
  count_drop(why);
  pbuf_free(p);
  if (r != NULL && !r->abandoned && r->nfrags == 0) {
    reass_release(r);
  }
  return NULL;
}

/* Parameter Problem about fragment @p v of @p p.  An offset-0 fragment
 * shows its upper layer, so icmp6 can refuse to answer an ICMPv6 error
 * (RFC 4443 2.4(e.1)); when that header is absent (the RFC 7112 case) the
 * Fragment header stands for it as before. */
static void frag_param_problem(struct pbuf *p, const struct ip6_rx *rx, const struct frag_view *v, u8_t code, u32_t ptr)
{
  struct ip6_rx e = *rx;
  u8_t proto;
  u16_t off;
  if (v->start == 0 && ip6_skip_ext_headers(p, v->nexth, v->data_off, &proto, &off) && off < p->tot_len) {
    e.ip.proto = proto;
    e.ip.hdr_len = off;
  }
  icmp6_param_problem(p, &e, code, ptr);
}

struct pbuf *ip6_reass(struct pbuf *p, const struct ip6_rx *rx)
{
  struct frag_view v;
  memset(&v, 0, sizeof(v));
  s8_t pp_code;
  u32_t pp_ptr = 0;
  STATS_RX(IP6FRAG);
  enum lwip_drop_reason why = frag_check(p, rx, &v, &pp_code, &pp_ptr);
  if (why != LWIP_DROP_COUNT) {
    LWIP_LOG(IP6, DEBUG, "fragment of id %lu refused: %s", (unsigned long)v.id, lwip_drop_reason_name(why));
    if (pp_code >= 0) {
      frag_param_problem(p, rx, &v, (u8_t)pp_code, pp_ptr);
    }
    return drop_frag(p, NULL, why);
  }
  struct ip6_reass *r = reass_find(rx, v.id);
  if (r != NULL && r->abandoned) {
    return drop_frag(p, NULL, LWIP_DROP_IP6_FRAG_ABANDONED);
  }
  if (r == NULL) {
    r = reass_new(rx, v.id);
    if (r == NULL) {
      return drop_frag(p, NULL, LWIP_DROP_IP6_FRAG_LIMIT);
    }
  }
  why = reass_check_end(r, &v);
  struct ip6_frag_node **at = NULL;
  if (why == LWIP_DROP_COUNT) {
    why = reass_place(r, p, &v, &at);
  }
  if (why == LWIP_DROP_IP6_FRAG_DUPLICATE) {
    return drop_frag(p, r, why);
  }
  if (why != LWIP_DROP_COUNT) {
    pbuf_free(p);
    reass_abandon(r, why);
    return NULL;
  }
  u32_t charge = frag_charge(p);
  while (ip6_reass_bytes + charge > IP6_REASS_MAX_BYTES && reass_evict_oldest(r, true)) {
  }
  if (ip6_reass_bytes + charge > IP6_REASS_MAX_BYTES) {
    return drop_frag(p, r, LWIP_DROP_IP6_FRAG_LIMIT);
  }
  if (!reass_keep(r, p, &v, charge, at)) {
    return drop_frag(p, r, LWIP_DROP_IP6_FRAG_NO_MEM);
  }
  if (v.start == 0) {
    reass_note_first(r, &v, rx);
  }
  if (!v.more) {
    r->have_last = true;
    r->total = (u16_t)(v.start + v.len);
  }
  LWIP_LOG(IP6, TRACE, "fragment id %lu [%u, %u)%s held", (unsigned long)v.id, v.start, v.start + v.len,
           v.more ? "" : " last");
  return reass_complete(r) ? reass_finish(r, rx) : NULL;
}

/* RFC 8200 4.5: reassembly abandoned after 60 s; Time Exceeded code 1 to
 * the source when the offset-0 fragment had arrived, quoting it. */
static void reass_timed_out(struct ip6_reass *r)
{
  if (r->abandoned) {
    reass_release(r); /* a tombstone: counted when it was abandoned */
    return;
  }
  LWIP_LOG(IP6, INFO, "reassembly of id %lu timed out (%u fragments)", (unsigned long)r->id, r->nfrags);
  struct netif *inp = netif_get_by_index(r->if_idx);
  if (r->have_first && r->frags != NULL && r->frags->start == 0 && inp != NULL) {
    struct ip6_rx rx;
    memset(&rx, 0, sizeof(rx));
    rx.ip.inp = inp;
    *ip_2_ip6(&rx.ip.src) = r->src;
    *ip_2_ip6(&rx.ip.dest) = r->dest;
    rx.ip.src.type = IPADDR_TYPE_V6;
    rx.ip.dest.type = IPADDR_TYPE_V6;
    rx.ip.is_multicast = ip6_addr_ismulticast(&r->dest);
    rx.ip.proto = r->upper_proto;
    rx.ip.hdr_len = r->upper_off;
    icmp6_time_exceeded(r->frags->p, &rx, ICMP6_TE_FRAG);
  }
  count_drop(LWIP_DROP_IP6_FRAG_TIMEOUT);
  reass_release(r);
}

static void reass_tmr(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  u32_t now = sys_now();
  bool any = false;
  for (int i = 0; i < IP6_REASS_MAX_DATAGRAMS; i++) {
    struct ip6_reass *r = &ip6_reass_slots[i];
    if (r->used && reass_age(r, now) >= REASS_MAXAGE_MS) {
      reass_timed_out(r);
    }
    any = any || r->used;
  }
  if (any) {
    sys_timeout_static(&ip6_reass_timer, REASS_TMR_INTERVAL_MS, reass_tmr, NULL);
  }
}

bool ip6_reass_get_info(int i, struct ip6_reass_info *out)
{
  if (i < 0 || i >= IP6_REASS_MAX_DATAGRAMS || out == NULL || !ip6_reass_slots[i].used) {
    return false;
  }
  const struct ip6_reass *r = &ip6_reass_slots[i];
  memset(out, 0, sizeof(*out));
  out->src = r->src;
  out->dest = r->dest;
  out->id = r->id;
  out->bytes = r->charge;
  out->data_bytes = r->data_bytes;
  out->fragments = r->nfrags;
  out->age_ms = reass_age(r, sys_now());
  out->have_first = r->have_first;
  out->have_last = r->have_last;
  out->total = r->total;
  out->abandoned = r->abandoned;
  return true;
}

void ip6_reass_get_totals(struct ip6_reass_totals *out)
{
  if (out == NULL) {
    return;
  }
  memset(out, 0, sizeof(*out));
  for (int i = 0; i < IP6_REASS_MAX_DATAGRAMS; i++) {
    out->datagrams = (u16_t)(out->datagrams + (ip6_reass_slots[i].used ? 1 : 0));
  }
  out->bytes = ip6_reass_bytes;
  out->fragments = ip6_reass_frags;
  out->max_datagrams = IP6_REASS_MAX_DATAGRAMS;
  out->max_bytes = IP6_REASS_MAX_BYTES;
  out->maxage_ms = REASS_MAXAGE_MS;
}

/* ---------------------------------------------------------------------- */
/* Fragmentation                                                           */
/* ---------------------------------------------------------------------- */

/* RFC 7739 5.3: Identification = F(src, dst, key) + counter[G(src, dst,
 * key)], the counter then incremented.  One SipHash output gives both F
 * (its high 32 bits) and G (its low bits): they are independent bits of a
 * keyed PRF. */
static u32_t frag_next_id(const ip6_addr_t *src, const ip6_addr_t *dest)
{
  if (!ip6_frag_key_set) {
    for (size_t i = 0; i < sizeof(ip6_frag_key); i += 4) {
      u32_t rnd = lwip_port_rand();
      memcpy(ip6_frag_key + i, &rnd, 4);
    }
    for (size_t i = 0; i < FRAG_ID_BUCKETS; i++) {
      ip6_frag_id_counters[i] = lwip_port_rand();
    }
    ip6_frag_key_set = true;
  }
  u8_t msg[2 * IP6_ADDR_LEN];
  memcpy(msg, src->addr, IP6_ADDR_LEN);
  memcpy(msg + IP6_ADDR_LEN, dest->addr, IP6_ADDR_LEN);
  u64_t h = lwip_siphash24(ip6_frag_key, msg, sizeof(msg));
  u32_t *counter = &ip6_frag_id_counters[(u32_t)h % FRAG_ID_BUCKETS];
  return (u32_t)(h >> 32) + (*counter)++;
}

/* RFC 8200 4.5: the unfragmentable part is the IPv6 header and every
 * extension header up to and including a Routing header if there is one,
 * else a Hop-by-Hop Options header if there is one.  @return false when
 * the chain runs past the packet; else its length in @p unfrag and the
 * offset of its last Next Header field in @p nexth_off. */
static bool unfrag_part(const struct pbuf *p, u16_t *unfrag, u16_t *nexth_off)
{
  int nexth = pbuf_try_get_at(p, IP6_OFF_NEXTH);
  u16_t off = IP6_HLEN;
  *unfrag = IP6_HLEN;
  *nexth_off = IP6_OFF_NEXTH;
  for (int n = 0; n < IP6_EXT_HDRS_MAX; n++) {
    if (nexth != IP6_NEXTH_HOPBYHOP && nexth != IP6_NEXTH_DESTOPTS && nexth != IP6_NEXTH_ROUTING) {
      break;
    }
    u8_t two[2];
    if (pbuf_copy_partial(p, two, 2, off) != 2) {
      return false;
    }
    u32_t end = off + ((u32_t)two[IP6_EXT_OFF_LEN] + 1U) * 8U;
    if (end > p->tot_len) {
      return false;
    }
    if (nexth == IP6_NEXTH_HOPBYHOP || nexth == IP6_NEXTH_ROUTING) {
      *unfrag = (u16_t)end;
      *nexth_off = off;
    }
    nexth = two[IP6_EXT_OFF_NEXTH];
    off = (u16_t)end;
  }
  return nexth >= 0;
}

/* Copy @p len bytes of @p from at @p from_off into @p to at @p to_off. */
static bool copy_range(struct pbuf *to, u16_t to_off, const struct pbuf *from, u16_t from_off, u16_t len)
{
  u8_t buf[128];
  for (u16_t done = 0; done < len;) {
    u16_t k = (u16_t)LWIP_MIN((u32_t)sizeof(buf), (u32_t)(len - done));
    if (pbuf_copy_partial(from, buf, k, (u16_t)(from_off + done)) != k ||
        pbuf_take_at(to, buf, k, (u16_t)(to_off + done)) != ERR_OK) {
      return false;
    }
    done = (u16_t)(done + k);
  }
  return true;
}

/* One fragment: the unfragmentable part, a Fragment header, and bytes
 * [off, off + len) of the fragmentable part.  @return it, or NULL. */
static struct pbuf *frag_make(const struct pbuf *p, u16_t unfrag, u16_t nexth_off, u16_t off, u16_t len, bool more,
                              u32_t id)
{
  u16_t flen = (u16_t)(unfrag + IP6_FRAG_HLEN + len);
  struct pbuf *f = pbuf_alloc(PBUF_LINK, flen, PBUF_RAM);
  if (f == NULL) {
    return NULL;
  }
  u8_t fh[IP6_FRAG_HLEN];
  fh[IP6_EXT_OFF_NEXTH] = (u8_t)pbuf_try_get_at(p, nexth_off);
  fh[1] = 0; /* reserved */
  put_be16(fh + IP6_FRAG_OFF_OFFSET, (u16_t)(off | (more ? IP6_FRAG_MORE : 0U)));
  put_be32(fh + IP6_FRAG_OFF_ID, id);
  if (!copy_range(f, 0, p, 0, unfrag) || pbuf_take_at(f, fh, IP6_FRAG_HLEN, unfrag) != ERR_OK ||
      !copy_range(f, (u16_t)(unfrag + IP6_FRAG_HLEN), p, (u16_t)(unfrag + off), len)) {
    pbuf_free(f);
    return NULL;
  }
  u8_t plen[2];
  put_be16(plen, (u16_t)(flen - IP6_HLEN));
  pbuf_take_at(f, plen, 2, IP6_OFF_PLEN);
  pbuf_put_at(f, nexth_off, IP6_NEXTH_FRAGMENT);
  return f;
}

err_t ip6_frag(struct pbuf *p, const ip6_addr_t *dest, struct netif *netif, u16_t mtu, ip6_frag_send_fn send)
{
  LWIP_ERROR_RET("ip6_frag: args", p != NULL && dest != NULL && netif != NULL && send != NULL, ERR_ARG);
  u16_t unfrag, nexth_off;
  u8_t src[IP6_ADDR_LEN];
  if (p->tot_len < IP6_HLEN || !unfrag_part(p, &unfrag, &nexth_off) ||
      pbuf_copy_partial(p, src, IP6_ADDR_LEN, IP6_OFF_SRC) != IP6_ADDR_LEN ||
      (u32_t)unfrag + IP6_FRAG_HLEN + 8U > mtu) {
    LWIP_DROP(IP6_TOO_BIG);
    return ERR_VAL;
  }
  ip6_addr_t s;
  memset(&s, 0, sizeof(s));
  memcpy(s.addr, src, IP6_ADDR_LEN);
  u32_t id = frag_next_id(&s, dest);
  /* Each fragment holds as much as fits, rounded down to 8 bytes. */
  u16_t chunk = (u16_t)((mtu - unfrag - IP6_FRAG_HLEN) & ~7U);
  u16_t total = (u16_t)(p->tot_len - unfrag);
  LWIP_LOG(IP6, DEBUG, "fragmenting %u bytes for mtu %u, id %lu", p->tot_len, mtu, (unsigned long)id);
  for (u16_t off = 0; off < total;) {
    u16_t len = (u16_t)LWIP_MIN(chunk, (u16_t)(total - off));
    bool more = (u32_t)off + len < total;
    struct pbuf *f = frag_make(p, unfrag, nexth_off, off, len, more, id);
    if (f == NULL) {
      LWIP_DROP(IP6_NO_MEM);
      return ERR_MEM;
    }
    STATS_TX(IP6FRAG);
    err_t err = send(f, dest, netif);
    pbuf_free(f);
    if (err != ERR_OK) {
      return err;
    }
    off = (u16_t)(off + len);
  }
  return ERR_OK;
}
