/**
 * @file ip4_frag.c
 * IPv4 fragmentation and reassembly (RFC 791 section 3.2, RFC 815).
 *
 * Reassembly keeps each datagram's fragments in a list sorted by offset.
 * While a fragment waits, the first bytes of its own IP header hold the
 * list link and its byte range (struct frag_meta); the original header of
 * the offset-0 fragment is saved in the datagram record first, so it can be
 * restored for a Time Exceeded message and rebuilt on completion.
 *
 * Overlapping fragments other than exact duplicates drop the whole
 * datagram: overlaps have no legitimate use and are the classic way to slip
 * a different transport header past a filter (RFC 1858 section 4).
 *
 * Memory is bounded by MEMP_NUM_REASSDATA datagrams and IP_REASS_MAX_PBUFS
 * pbufs in total; when full, the oldest datagram is given up first.
 */
#include "lwip/ip4_frag.h"
#include "lwip/ip4.h"
#include "lwip/icmp.h"
#include "lwip/memp.h"
#include "lwip/inet_chksum.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/init.h"
#include "lwip/priv/ip4_frag_priv.h"
#include <string.h>

#if IP_REASSEMBLY || IP_FRAG
static void count_drop(enum lwip_drop_reason why)
{
#if LWIP_STATS || LWIP_DEBUG
  lwip_drop(why);
#else
  LWIP_UNUSED_ARG(why);
#endif
}
#endif

#if IP_REASSEMBLY

#define REASS_TMR_INTERVAL_MS 1000U
/** Largest payload of a datagram with a minimal header. */
#define REASS_MAX_PAYLOAD (0xffffU - IP_HLEN)

/* Stored in the first bytes of a waiting fragment's IP header. */
struct frag_meta {
  struct pbuf *next; /* next fragment by offset */
  u16_t start;       /* payload byte range [start, end) in the datagram */
  u16_t end;
  u16_t hlen;        /* this fragment's header length */
};
_Static_assert(sizeof(struct frag_meta) <= IP_HLEN, "fragment bookkeeping must fit in an IP header");

static struct ip_reassdata *reassdatagrams;
static u16_t reass_pbufs;

static void reass_tmr(void *arg);

void ip4_frag_init(void)
{
  /* lwip_init() re-initialises the pools, so old records are forgotten. */
  reassdatagrams = NULL;
  reass_pbufs = 0;
}

u16_t ip4_reass_pbufs(void)
{
  return reass_pbufs;
}

u16_t ip4_reass_datagrams(void)
{
  u16_t n = 0;
  for (const struct ip_reassdata *r = reassdatagrams; r != NULL; r = r->next) {
    n++;
  }
  return n;
}

static struct frag_meta meta_get(const struct pbuf *f)
{
  struct frag_meta m;
  memcpy(&m, f->payload, sizeof(m));
  return m;
}

static void meta_put(struct pbuf *f, const struct frag_meta *m)
{
  memcpy(f->payload, m, sizeof(*m));
}

/* Unlink and free @p r with all its fragments.  When @p why is not
 * LWIP_DROP_COUNT the datagram is counted as dropped for that reason. */
static void reass_free(struct ip_reassdata *r, enum lwip_drop_reason why)
{
  for (struct ip_reassdata **pp = &reassdatagrams; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == r) {
      *pp = r->next;
      break;
    }
  }
  struct pbuf *f = r->frags;
  while (f != NULL) {
    struct pbuf *next = meta_get(f).next;
    pbuf_free(f);
    f = next;
  }
  reass_pbufs = (u16_t)(reass_pbufs - r->npbufs);
  if (why != LWIP_DROP_COUNT) {
    count_drop(why);
  }
  memp_free(MEMP_REASSDATA, r);
}

/* Give up the oldest datagram other than @p keep.  @return false if none. */
static bool reass_evict_oldest(const struct ip_reassdata *keep)
{
  struct ip_reassdata *oldest = NULL;
  u32_t now = sys_now();
  /* The list is newest first, so on equal ages (many datagrams start in
   * the same millisecond) the later entry is the one that came first. */
  for (struct ip_reassdata *r = reassdatagrams; r != NULL; r = r->next) {
    if (r != keep && (oldest == NULL || now - r->started_ms >= now - oldest->started_ms)) {
      oldest = r;
    }
  }
  if (oldest == NULL) {
    return false;
  }
  LWIP_LOG(FRAG, DEBUG, "memory limit: giving up datagram id %u", oldest->id);
  reass_free(oldest, LWIP_DROP_FRAG_LIMIT);
  return true;
}

static struct ip_reassdata *reass_find_or_new(const u8_t *h)
{
  u32_t src = get_n32(h + IP4_OFF_SRC), dest = get_n32(h + IP4_OFF_DEST);
  u16_t id = get_be16(h + IP4_OFF_ID);
  u8_t proto = h[IP4_OFF_PROTO];
  /* RFC 791 3.2: fragments belong together when source, destination,
   * protocol and identification all match. */
  for (struct ip_reassdata *r = reassdatagrams; r != NULL; r = r->next) {
    if (r->src == src && r->dest == dest && r->id == id && r->proto == proto) {
      return r;
    }
  }
  struct ip_reassdata *r = (struct ip_reassdata *)memp_malloc(MEMP_REASSDATA);
  if (r == NULL && reass_evict_oldest(NULL)) {
    r = (struct ip_reassdata *)memp_malloc(MEMP_REASSDATA);
  }
  if (r == NULL) {
    return NULL;
  }
  memset(r, 0, sizeof(*r));
  r->src = src;
  r->dest = dest;
  r->id = id;
  r->proto = proto;
  r->started_ms = sys_now();
  r->next = reassdatagrams;
  reassdatagrams = r;
  if (!sys_timeout_pending(reass_tmr, NULL)) {
    sys_timeout(REASS_TMR_INTERVAL_MS, reass_tmr, NULL);
  }
  return r;
}

/* Insert fragment @p p (range in @p m) into @p r's sorted list.
 * @return LWIP_DROP_COUNT when inserted, else why it was not (duplicate:
 * only this fragment goes; overlap: the whole datagram must go). */
static enum lwip_drop_reason reass_insert(struct ip_reassdata *r, struct pbuf *p, struct frag_meta *m)
{
  struct pbuf *prev = NULL, *cur = r->frags;
  struct frag_meta pm = {0}, cm = {0};
  while (cur != NULL) {
    cm = meta_get(cur);
    if (cm.start >= m->start) {
      break;
    }
    prev = cur;
    pm = cm;
    cur = cm.next;
  }
  if (cur != NULL) {
    if (cm.start == m->start && cm.end == m->end) {
      return LWIP_DROP_FRAG_DUPLICATE;
    }
    if (m->end > cm.start) {
      return LWIP_DROP_FRAG_OVERLAP;
    }
  }
  if (prev != NULL && pm.end > m->start) {
    return LWIP_DROP_FRAG_OVERLAP;
  }
  m->next = cur;
  meta_put(p, m);
  if (prev != NULL) {
    pm.next = p;
    meta_put(prev, &pm);
  } else {
    r->frags = p;
  }
  return LWIP_DROP_COUNT;
}

/* Are fragments [0, datagram_len) all present? */
static bool reass_complete(const struct ip_reassdata *r)
{
  if (!r->have_first || r->datagram_len == 0) {
    return false;
  }
  u16_t expect = 0;
  for (const struct pbuf *f = r->frags; f != NULL;) {
    struct frag_meta m = meta_get(f);
    if (m.start != expect) {
      return false;
    }
    expect = m.end;
    f = m.next;
  }
  return expect == r->datagram_len;
}

/* Join the fragments of the complete datagram @p r behind a rebuilt
 * header and free the record.  @return the datagram. */
static struct pbuf *reass_finish(struct ip_reassdata *r)
{
  struct pbuf *head = NULL;
  struct pbuf *f = r->frags;
  while (f != NULL) {
    struct frag_meta m = meta_get(f);
    pbuf_remove_header(f, m.hlen);
    if (head == NULL) {
      head = f;
    } else {
      pbuf_cat(head, f);
    }
    f = m.next;
  }
  /* The first fragment had at least IP_HLEN bytes of header in front of
   * its data, so the room is there.  Options are not carried over: the
   * stack acts on none of them once a datagram is reassembled. */
  pbuf_add_header_force(head, IP_HLEN);
  u8_t *h = (u8_t *)head->payload;
  memcpy(h, r->hdr, IP_HLEN);
  h[IP4_OFF_VHL] = (4U << 4) | (IP_HLEN / 4);
  put_be16(h + IP4_OFF_LEN, (u16_t)(IP_HLEN + r->datagram_len));
  put_be16(h + IP4_OFF_OFFSET, 0);
  put_be16(h + IP4_OFF_CHKSUM, 0);
  u16_t sum = inet_chksum(h, IP_HLEN);
  memcpy(h + IP4_OFF_CHKSUM, &sum, 2);

  r->frags = NULL;
  reass_free(r, LWIP_DROP_COUNT);
  LWIP_LOG(FRAG, DEBUG, "reassembled %u bytes", head->tot_len);
  return head;
}

/* Check one fragment's own fields.  @return LWIP_DROP_COUNT when usable. */
static enum lwip_drop_reason frag_check(u16_t start, u16_t len, bool mf)
{
  /* RFC 791 3.2: every fragment but the last carries a multiple of 8
   * bytes, and a non-final fragment must carry some data. */
  if (mf && (len == 0 || (len & 7U) != 0)) {
    return LWIP_DROP_FRAG_BAD_LEN;
  }
  if ((u32_t)start + len > REASS_MAX_PAYLOAD) {
    return LWIP_DROP_FRAG_TOO_BIG;
  }
  return LWIP_DROP_COUNT;
}

/* Record what fragment @p m says about the datagram's end.  @return
 * LWIP_DROP_COUNT, or FRAG_INCONSISTENT when it contradicts earlier ones. */
static enum lwip_drop_reason reass_note_end(struct ip_reassdata *r, const struct frag_meta *m, bool mf)
{
  if (!mf) {
    if (r->datagram_len != 0 && r->datagram_len != m->end) {
      return LWIP_DROP_FRAG_INCONSISTENT;
    }
    for (const struct pbuf *f = r->frags; f != NULL;) {
      struct frag_meta o = meta_get(f);
      if (o.end > m->end) {
        return LWIP_DROP_FRAG_INCONSISTENT;
      }
      f = o.next;
    }
    r->datagram_len = m->end;
  } else if (r->datagram_len != 0 && m->end > r->datagram_len) {
    return LWIP_DROP_FRAG_INCONSISTENT;
  }
  return LWIP_DROP_COUNT;
}

struct pbuf *ip4_reass(struct pbuf *p)
{
  const u8_t *h = (const u8_t *)p->payload;
  u16_t hlen = (u16_t)((h[IP4_OFF_VHL] & 0x0f) * 4);
  u16_t off = get_be16(h + IP4_OFF_OFFSET);
  bool mf = (off & IP_MF) != 0;
  struct frag_meta m = {NULL, (u16_t)((off & IP_OFFMASK) * 8U), 0, hlen};
  u16_t len = (u16_t)(p->tot_len - hlen);

  STATS_RX(FRAG);
  enum lwip_drop_reason why = frag_check(m.start, len, mf);
  if (why != LWIP_DROP_COUNT) {
    count_drop(why);
    pbuf_free(p);
    return NULL;
  }
  m.end = (u16_t)(m.start + len);

  struct ip_reassdata *r = reass_find_or_new(h);
  if (r == NULL) {
    count_drop(LWIP_DROP_FRAG_LIMIT);
    pbuf_free(p);
    return NULL;
  }
  u16_t clen = pbuf_clen(p);
  while (reass_pbufs + clen > IP_REASS_MAX_PBUFS && reass_evict_oldest(r)) {
  }
  if (reass_pbufs + clen > IP_REASS_MAX_PBUFS) {
    count_drop(LWIP_DROP_FRAG_LIMIT);
    pbuf_free(p);
    if (r->frags == NULL) {
      reass_free(r, LWIP_DROP_COUNT);
    }
    return NULL;
  }

  why = reass_note_end(r, &m, mf);
  u8_t saved[IP_HLEN];
  memcpy(saved, h, IP_HLEN);
  if (why == LWIP_DROP_COUNT) {
    why = reass_insert(r, p, &m);
  }
  if (why == LWIP_DROP_FRAG_DUPLICATE) {
    count_drop(why);
    pbuf_free(p);
    return NULL;
  }
  if (why != LWIP_DROP_COUNT) {
    LWIP_LOG(FRAG, INFO, "datagram id %u dropped: %s", r->id, lwip_drop_reason_name(why));
    pbuf_free(p);
    reass_free(r, why);
    return NULL;
  }
  r->npbufs = (u16_t)(r->npbufs + clen);
  reass_pbufs = (u16_t)(reass_pbufs + clen);
  if (m.start == 0) {
    memcpy(r->hdr, saved, IP_HLEN);
    r->have_first = true;
  }
  return reass_complete(r) ? reass_finish(r) : NULL;
}

/* RFC 1122 3.2.1.4: when reassembly times out and fragment zero was
 * received, send Time Exceeded (code 1) quoting it. */
static void reass_timed_out(struct ip_reassdata *r)
{
  LWIP_LOG(FRAG, INFO, "datagram id %u timed out", r->id);
  if (r->have_first && r->frags != NULL && meta_get(r->frags).start == 0) {
    struct pbuf *first = r->frags;
    r->frags = meta_get(first).next;
    /* Undo the bookkeeping so the quoted header is the original. */
    memcpy(first->payload, r->hdr, IP_HLEN);
    icmp_time_exceeded(first, ICMP_TE_FRAG);
    pbuf_free(first);
  }
  reass_free(r, LWIP_DROP_FRAG_TIMEOUT);
}

static void reass_tmr(void *arg)
{
  LWIP_UNUSED_ARG(arg);
  u32_t now = sys_now();
  struct ip_reassdata *r = reassdatagrams;
  while (r != NULL) {
    struct ip_reassdata *next = r->next;
    if (now - r->started_ms >= IP_REASS_MAXAGE_S * 1000U) {
      reass_timed_out(r);
    }
    r = next;
  }
  if (reassdatagrams != NULL) {
    sys_timeout(REASS_TMR_INTERVAL_MS, reass_tmr, NULL);
  }
}

#else /* IP_REASSEMBLY */

void ip4_frag_init(void)
{
}

#endif /* IP_REASSEMBLY */

#if IP_FRAG
/* Build and send the fragment of @p p covering payload bytes
 * [off, off + len) behind a copy of the 20-byte header @p h0. */
static err_t frag_send_one(struct pbuf *p, const u8_t *h0, u16_t hlen, u16_t off, u16_t len, bool more,
                           struct netif *netif, const ip4_addr_t *dest)
{
  struct pbuf *f = pbuf_alloc(PBUF_LINK, (u16_t)(IP_HLEN + len), PBUF_RAM);
  if (f == NULL) {
    count_drop(LWIP_DROP_IP4_NO_MEM);
    return ERR_MEM;
  }
  u8_t *h = (u8_t *)f->payload;
  memcpy(h, h0, IP_HLEN);
  if (pbuf_copy_partial(p, h + IP_HLEN, len, (u16_t)(hlen + off)) != len) {
    pbuf_free(f);
    return ERR_VAL;
  }
  u16_t field = get_be16(h0 + IP4_OFF_OFFSET);
  /* A fragment of a fragment keeps its place in the original datagram,
   * and MF stays set when the original had it (RFC 791 3.2). */
  u16_t fo = (u16_t)((field & IP_OFFMASK) + off / 8U);
  if (more || (field & IP_MF)) {
    fo |= IP_MF;
  }
  h[IP4_OFF_VHL] = (4U << 4) | (IP_HLEN / 4);
  put_be16(h + IP4_OFF_LEN, (u16_t)(IP_HLEN + len));
  put_be16(h + IP4_OFF_OFFSET, (u16_t)(fo | (field & IP_DF)));
  put_be16(h + IP4_OFF_CHKSUM, 0);
  if (NETIF_CHECKSUM_ENABLED(netif, NETIF_CHECKSUM_GEN_IP)) {
    u16_t sum = inet_chksum(h, IP_HLEN);
    memcpy(h + IP4_OFF_CHKSUM, &sum, 2);
  }
  STATS_TX(FRAG);
  STATS_TX(IP4);
  err_t err = netif->output(netif, f, dest);
  pbuf_free(f);
  return err;
}

err_t ip4_frag(struct pbuf *p, struct netif *netif, const ip4_addr_t *dest)
{
  u8_t h0[IP_HLEN];
  LWIP_ERROR_RET("ip4_frag: args", p != NULL && netif != NULL && dest != NULL, ERR_ARG);
  if (pbuf_copy_partial(p, h0, IP_HLEN, 0) != IP_HLEN || netif->output == NULL) {
    return ERR_VAL;
  }
  u16_t hlen = (u16_t)((h0[IP4_OFF_VHL] & 0x0f) * 4);
  if (hlen < IP_HLEN || hlen > p->tot_len || netif->mtu < IP_HLEN + 8) {
    return ERR_VAL;
  }
  /* Options are not copied into fragments: every fragment carries a
   * 20-byte header, so each can hold (mtu - 20) rounded down to 8. */
  u16_t chunk = (u16_t)((netif->mtu - IP_HLEN) & ~7U);
  u16_t total = (u16_t)(p->tot_len - hlen);
  /* RFC 791 3.2: offsets are 13-bit counts of 8 bytes and a datagram is at
   * most 65535 bytes.  A fragment reaching beyond that (only a malformed
   * one being forwarded can) would give pieces whose offsets spill into
   * the flag bits, so it is refused rather than sent corrupted. */
  u16_t field = get_be16(h0 + IP4_OFF_OFFSET);
  if ((u32_t)(field & IP_OFFMASK) * 8U + total > 0xffffU - IP_HLEN) {
    count_drop(LWIP_DROP_FRAG_TOO_BIG);
    return ERR_VAL;
  }
  LWIP_LOG(FRAG, DEBUG, "fragmenting %u bytes for mtu %u", total, netif->mtu);
  for (u16_t off = 0; off < total;) {
    u16_t len = (u16_t)LWIP_MIN(chunk, (u16_t)(total - off));
    bool more = (u32_t)off + len < total;
    err_t err = frag_send_one(p, h0, hlen, off, len, more, netif, dest);
    if (err != ERR_OK) {
      return err;
    }
    off = (u16_t)(off + len);
  }
  return ERR_OK;
}
#endif /* IP_FRAG */
