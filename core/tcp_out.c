/**
 * @file tcp_out.c
 * TCP output (RFC 9293 3.8): queuing application data into segments,
 * sending what the windows allow (with Nagle, RFC 896 / RFC 1122 4.2.3.4),
 * building headers and options (MSS, window scale, timestamps, SACK),
 * retransmission after a timeout (RFC 6298), probes, and resets.
 */
#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/priv/tcp_priv.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/nd6.h"
#include "lwip/inet_chksum.h"
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/wire.h"

#include <string.h>

/* ---------------------------------------------------------------------- */
/* Queuing data                                                            */
/* ---------------------------------------------------------------------- */

struct tcp_seg *tcp_seg_new(struct pbuf *p, u32_t seqno, u16_t len, u8_t flags)
{
  struct tcp_seg *seg = (struct tcp_seg *)memp_malloc(MEMP_TCP_SEG);
  if (seg == NULL) {
    return NULL;
  }
  memset(seg, 0, sizeof(*seg));
  seg->p = p;
  seg->seqno = seqno;
  seg->len = len;
  seg->flags = flags;
  return seg;
}

/* A pbuf holding @p len bytes of @p data: a copy, or a reference to the
 * application's memory (which must then stay put until acknowledged). */
static struct pbuf *data_pbuf(const u8_t *data, u16_t len, bool copy)
{
  if (!copy) {
    return pbuf_alloc_reference((void *)(uintptr_t)data, len, PBUF_ROM);
  }
  const struct stats_mem *heap = mem_stats();
  if (heap->used + (u32_t)len + TCP_MEM_HEAP_RESERVE > heap->avail) {
    /* The last part of the heap is for headers, ACKs, ARP and ICMP. */
    return NULL;
  }
  struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_RAM);
  if (p != NULL) {
    memcpy(p->payload, data, len);
  }
  return p;
}

/* Out of line when optimizing for size: a function with several callers
 * that would otherwise be copied into each.  A speed build (-O3) keeps it
 * inline, so tcp_write pays no call for it. */
#if defined(__OPTIMIZE_SIZE__)
#define TCP_OUT_SMALL TCP_NOINLINE
#else
#define TCP_OUT_SMALL
#endif

/* Queue the list @p head .. @p tail (new: tail->next is NULL) behind
 * what is unsent. */
TCP_OUT_SMALL static void unsent_append(struct tcp_pcb *pcb, struct tcp_seg *head, struct tcp_seg *tail)
{
  if (pcb->unsent == NULL) {
    pcb->unsent = head;
  } else {
    pcb->unsent_tail->next = head;
  }
  pcb->unsent_tail = tail;
}

/* The netif toward the peer when it cuts TCP segments of several MSS
 * itself (segmentation offload), else NULL.  Without the offload option no
 * device does: TCP queues segments of one MSS and sends none larger, as
 * RFC 9293 3.7.1 has it (Eff.snd.MSS), exactly as over a netif without
 * gso_max. */
static struct netif *tcp_gso_netif(const struct tcp_pcb *pcb)
{
#if LWIP_OFFLOAD
  struct netif *n = tcp_route(&pcb->local_ip, &pcb->remote_ip);
  if (n != NULL && n->gso_max > n->mtu) {
    return n;
  }
#else
  LWIP_UNUSED_ARG(pcb);
#endif
  return NULL;
}

/* How much data one queued segment carries: the MSS, or with segmentation
 * offload a multiple of it up to what the device takes (the device cuts it
 * into MSS-sized packets; a retransmission is cut here first). */
static u16_t tcp_seg_size(const struct tcp_pcb *pcb)
{
  u16_t mss = pcb->mss ? pcb->mss : 536U;
  if (pcb->state != ESTABLISHED && pcb->state != CLOSE_WAIT) {
    return mss;
  }
  struct netif *n = tcp_gso_netif(pcb);
  if (n == NULL) {
    return mss;
  }
  /* Room for the IP and TCP headers with the largest options. */
  u32_t room = (u32_t)n->gso_max - (IP_IS_V6_VAL(pcb->remote_ip) ? 40U : IP_HLEN) - TCP_HLEN_MAX;
  u32_t size = room / mss * mss;
  return (u16_t)LWIP_MAX(size, (u32_t)mss);
}

err_t tcp_write(struct tcp_pcb *pcb, const void *dataptr, u16_t len, u8_t apiflags)
{
  /* '|', not '||': one branch, so gcc does not copy the state check for
   * the len == 0 case. */
  LWIP_ERROR_RET("tcp_write: args", pcb != NULL && ((dataptr != NULL) | (len == 0)), ERR_ARG);
  if (!TCP_STATE_IN(pcb->state, TCP_STATE_BIT(ESTABLISHED) | TCP_STATE_BIT(CLOSE_WAIT) | TCP_STATE_BIT(SYN_SENT) |
                                    TCP_STATE_BIT(SYN_RCVD))) {
    return ERR_CONN;
  }
  if (len == 0) {
    return ERR_OK;
  }
  if (len > pcb->snd_buf || pcb->snd_queuelen >= TCP_SND_QUEUELEN) {
    return ERR_MEM;
  }
  if (len > tcp_snd_room(pcb)) {
    /* Other connections hold the send budget: backpressure until this
     * one's data is acknowledged (the sent callback) or theirs is. */
    tcp_mem_count_tx_limited();
    return ERR_MEM;
  }
  const u8_t *data = (const u8_t *)dataptr;
  bool copy = (apiflags & TCP_WRITE_FLAG_COPY) != 0;
  u16_t mss = tcp_seg_size(pcb);

  /* First top up the last queued segment (fewer, fuller segments): the
   * first @p fill bytes go into one pbuf chained to it.  Then cut the rest
   * into MSS-sized segments.  Everything is allocated before anything is
   * queued, so a failure leaves the queue as it was. */
  struct tcp_seg *last = pcb->unsent_tail; /* stays the tail until the end */
  u16_t fill = 0;
  if (last != NULL && last->len < mss && !(last->flags & (TCP_SYN | TCP_FIN)) && last->p != NULL) {
    fill = (u16_t)LWIP_MIN((u32_t)(mss - last->len), (u32_t)len);
  }
  struct pbuf *fill_p = NULL;
  struct tcp_seg *head = NULL, *seg = NULL, **link = &head;
  u32_t qlen = pcb->snd_queuelen;
  for (u32_t off = 0; off < len;) {
    u16_t n = off < fill ? fill : (u16_t)LWIP_MIN((u32_t)mss, len - off);
    struct pbuf *p = data_pbuf(data + off, n, copy);
    if (p == NULL) {
      goto fail;
    }
    if (off < fill) {
      fill_p = p;
      off = fill;
      continue;
    }
    seg = tcp_seg_new(p, pcb->snd_lbb + off, n, 0);
    if (seg == NULL) {
      pbuf_free(p);
      goto fail;
    }
    *link = seg;
    link = &seg->next;
    /* The queue limit counts the new segments (the top-up pbuf is let
     * through: the limit was checked on entry). */
    if (++qlen > TCP_SND_QUEUELEN) {
      goto fail;
    }
    off += n;
  }
  if (fill_p != NULL) {
    last = pcb->unsent_tail; /* reloaded: cheaper than keeping it */
    pbuf_cat(last->p, fill_p);
    last->len = (u16_t)(last->len + fill);
    qlen++;
  }
  if (head != NULL) {
    unsent_append(pcb, head, seg);
  }
  /* len > 0 was queued, so there is a tail. */
  if (!(apiflags & TCP_WRITE_FLAG_MORE)) {
    pcb->unsent_tail->flags |= TCP_PSH;
  }
  pcb->snd_lbb += len;
  pcb->snd_buf -= len;
  pcb->snd_queuelen = (u16_t)qlen;
  tcp_mem_sync(pcb);
  return ERR_OK;

fail:
  tcp_segs_free(head); /* and their pbufs */
  pbuf_free(fill_p);
  return ERR_MEM; /* backpressure, counted in the pool's err statistic */
}

err_t tcp_enqueue_flags(struct tcp_pcb *pcb, u8_t flags)
{
  /* A FIN rides on the last queued data segment when there is one. */
  if ((flags & TCP_FIN) && pcb->unsent_tail != NULL && !(pcb->unsent_tail->flags & (TCP_SYN | TCP_FIN))) {
    pcb->unsent_tail->flags |= TCP_FIN;
  } else {
    struct tcp_seg *seg = tcp_seg_new(NULL, pcb->snd_lbb, 0, flags);
    if (seg == NULL) {
      LWIP_DROP(TCP_NO_MEM);
      return ERR_MEM;
    }
    unsent_append(pcb, seg, seg);
    pcb->snd_queuelen++;
  }
  pcb->snd_lbb++;
  /* TF_FIN with a FIN, without a branch (both are single bits, TF_FIN
   * the higher). */
  pcb->flags |= (u32_t)(flags & TCP_FIN) * (TF_FIN / TCP_FIN);
  return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Headers and options                                                     */
/* ---------------------------------------------------------------------- */

#if LWIP_TCP_SACK
/* SACK blocks describing the out-of-order queue (RFC 2018 4): first the
 * one holding the latest arrival, then the blocks reported most recently
 * (still queued), then the rest in sequence order.  What is sent becomes
 * the history for the next ACK.  @return the number written. */
static int sack_blocks(struct tcp_pcb *pcb, u32_t blocks[][2], int max)
{
  u32_t ranges[TCP_OOSEQ_MAX_SEGS][2];
  bool used[TCP_OOSEQ_MAX_SEGS];
  int n = 0;
  for (const struct tcp_seg *s = pcb->ooseq; s != NULL && n < (int)TCP_OOSEQ_MAX_SEGS; s = s->next) {
    u32_t l = s->seqno, r = s->seqno + TCP_SEG_SEQLEN(s);
    if (n > 0 && ranges[n - 1][1] == l) {
      ranges[n - 1][1] = r;
    } else {
      ranges[n][0] = l;
      ranges[n][1] = r;
      used[n] = false;
      n++;
    }
  }
  int out = 0;
  /* Pass 0: the latest arrival; 1: repeat the history; 2: the rest. */
  for (int pass = 0; pass < 3; pass++) {
    int hist = pass == 1 ? pcb->sack_nsent : 1;
    for (int h = 0; h < hist; h++) {
      for (int i = 0; i < n && out < max; i++) {
        bool pick = !used[i] && (pass == 0   ? TCP_SEQ_BETWEEN(pcb->sack_recent, ranges[i][0], ranges[i][1] - 1U)
                                 : pass == 1 ? TCP_SEQ_BETWEEN(pcb->sack_sent[h][0], ranges[i][0], ranges[i][1] - 1U)
                                             : true);
        if (pick) {
          used[i] = true;
          blocks[out][0] = ranges[i][0];
          blocks[out][1] = ranges[i][1];
          out++;
        }
      }
    }
  }
  pcb->sack_nsent = (u8_t)LWIP_MIN(out, 3);
  for (int i = 0; i < pcb->sack_nsent; i++) {
    pcb->sack_sent[i][0] = blocks[i][0];
    pcb->sack_sent[i][1] = blocks[i][1];
  }
  return out;
}
#endif /* LWIP_TCP_SACK */

/* Write the options of a segment with @p flags and @p datalen data bytes
 * into @p o (40 bytes room).
 * @return their length, a multiple of 4. */
static u16_t tcp_build_options(struct tcp_pcb *pcb, u8_t flags, u16_t datalen, u8_t *o)
{
  u16_t n = 0;
  bool syn = (flags & TCP_SYN) != 0;
  bool synack = syn && (flags & TCP_ACK);
  /* Our SYN offers each extension built in; the SYN-ACK only those the
   * peer's SYN offered (RFC 7323 2.2 and 3.2, RFC 2018 2). */
  bool ts = LWIP_TCP_TIMESTAMPS && (synack ? (pcb->flags & TF_TIMESTAMP) != 0 : syn || (pcb->flags & TF_TIMESTAMP));
  if (syn) {
    o[n++] = TCP_OPT_MSS;
    o[n++] = TCP_OPTLEN_MSS;
    put_be16(o + n, pcb->rcv_mss);
    n += 2;
    bool sack = LWIP_TCP_SACK && (synack ? (pcb->flags & TF_SACK) != 0 : true);
    if (sack && ts) {
      o[n++] = TCP_OPT_SACK_PERM;
      o[n++] = TCP_OPTLEN_SACK_PERM;
    } else if (sack) {
      o[n++] = TCP_OPT_NOP;
      o[n++] = TCP_OPT_NOP;
      o[n++] = TCP_OPT_SACK_PERM;
      o[n++] = TCP_OPTLEN_SACK_PERM;
    } else if (ts) {
      o[n++] = TCP_OPT_NOP;
      o[n++] = TCP_OPT_NOP;
    }
  } else if (ts) {
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_NOP;
  }
  if (ts) {
    o[n++] = TCP_OPT_TS;
    o[n++] = TCP_OPTLEN_TS;
    put_be32(o + n, tcp_ts_now(pcb));
    put_be32(o + n + 4, (flags & TCP_ACK) ? pcb->ts_recent : 0);
    n += 8;
  }
  bool ws = LWIP_TCP_WSCALE && (synack ? (pcb->flags & TF_WND_SCALE) != 0 : syn);
  if (ws) {
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_WS;
    o[n++] = TCP_OPTLEN_WS;
    o[n++] = TCP_RCV_SCALE;
  }
#if LWIP_TCP_SACK
  /* SACK blocks on a data segment only as far as the packet stays within
   * the MSS the peer takes (pcb->mss already leaves room for timestamps). */
  int sack_room = datalen == 0 ? 4 : pcb->mss > datalen + 4U ? (int)((pcb->mss - datalen - 4U) / 8U) : 0;
  bool dsack = pcb->dsack[0] != pcb->dsack[1];
  if (!syn && (pcb->flags & TF_SACK) && (pcb->ooseq != NULL || dsack) && sack_room > 0) {
    u32_t blocks[4][2];
    /* What the 40 bytes of option room leave after the timestamps: four
     * blocks, or three next to a timestamp (RFC 2018 3). */
    int max = LWIP_MIN((TCP_MAX_OPT_ROOM - n - 4) / 8, sack_room);
    int nb = 0;
    if (dsack) {
      /* RFC 2883 4: the duplicate range goes first, once. */
      blocks[0][0] = pcb->dsack[0];
      blocks[0][1] = pcb->dsack[1];
      pcb->dsack[0] = pcb->dsack[1];
      nb = 1;
    }
    if (pcb->ooseq != NULL && nb < max) {
      nb += sack_blocks(pcb, blocks + nb, max - nb);
    }
    /* sack_blocks never returns more than asked; saying so here also lets
     * the compiler see that the stores below stay inside the 40 bytes. */
    nb = LWIP_MIN(nb, max);
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_NOP;
    o[n++] = TCP_OPT_SACK;
    o[n++] = (u8_t)(2 + 8 * nb);
    for (int i = 0; i < nb; i++) {
      put_be32(o + n, blocks[i][0]);
      put_be32(o + n + 4, blocks[i][1]);
      n += 8;
    }
  }
#else
  LWIP_UNUSED_ARG(datalen);
#endif
  return n;
}

/* The TCP checksum of the first @p n bytes of segment @p h with the
 * pseudo header of its family: RFC 9293 3.1 for IPv4, RFC 8200 8.1 for
 * IPv6 (both addresses, a 32-bit length, three zero bytes and the next
 * header).  Over a whole received segment it is zero when the segment is
 * intact; with @p n = 0 its complement is the pseudo header's sum alone. */
static u16_t tcp_chksum_n(struct pbuf *h, const ip_addr_t *src, const ip_addr_t *dst, u16_t n)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*dst)) {
    return ip6_chksum_pseudo_partial(h, IP_PROTO_TCP, h->tot_len, n, ip_2_ip6(src), ip_2_ip6(dst));
  }
#endif
  return inet_chksum_pseudo_partial(h, IP_PROTO_TCP, h->tot_len, n, ip_2_ip4(src), ip_2_ip4(dst));
}

u16_t tcp_chksum(struct pbuf *h, const ip_addr_t *src, const ip_addr_t *dst)
{
  return tcp_chksum_n(h, src, dst, h->tot_len);
}

/* Hand segment @p h to IP of the family of @p dst through @p netif.  Over
 * IPv6 the TOS byte is the Traffic Class (RFC 8200 7), whose low two bits
 * are the ECN field as in IPv4 (RFC 3168 5); the default TTL becomes the
 * router's Cur Hop Limit (RFC 4861 6.3.4). */
static err_t tcp_ip_output(struct pbuf *h, const ip_addr_t *src, const ip_addr_t *dst, u8_t ttl, u8_t tos,
                           struct netif *netif)
{
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*dst)) {
    u8_t hl = ttl == IP_DEFAULT_TTL ? nd6_hop_limit(netif) : ttl;
    return ip6_output_if(h, ip_2_ip6(src), ip_2_ip6(dst), hl, tos, IP_PROTO_TCP, netif);
  }
#endif
  return ip4_output_if(h, ip_2_ip4(src), ip_2_ip4(dst), ttl, tos, IP_PROTO_TCP, netif);
}

/* A pbuf for a segment's @p hlen header bytes (options included, a
 * multiple of 4) with its fixed 20 bytes filled (RFC 9293 3.1): window,
 * checksum and urgent pointer zero, the acknowledgment number only with
 * ACK in @p flags.  NULL (counted) when memory is short. */
static struct pbuf *tcp_hdr_alloc(u32_t seqno, u32_t ackno, u16_t sport, u16_t dport, u16_t hlen, u8_t flags)
{
  struct pbuf *h = pbuf_alloc(PBUF_IP, hlen, PBUF_RAM);
  if (h == NULL) {
    LWIP_DROP(TCP_NO_MEM);
    return NULL;
  }
  u8_t *t = (u8_t *)h->payload;
  put_be16(t + TCP_OFF_SRC, sport);
  put_be16(t + TCP_OFF_DEST, dport);
  put_be32(t + TCP_OFF_SEQ, seqno);
  put_be32(t + TCP_OFF_ACK, (flags & TCP_ACK) ? ackno : 0);
  t[TCP_OFF_HDRLEN] = (u8_t)(hlen << 2); /* (hlen / 4) words in the high nibble */
  t[TCP_OFF_FLAGS] = flags;
  memset(t + TCP_OFF_WND, 0, TCP_HLEN - TCP_OFF_WND);
  return h;
}

/* Build the header in front of @p data (may be NULL) and send it.  The
 * caller's data pbuf is referenced, not taken.  @p new_data: data sent for
 * the first time, which alone may go out ECN-capable (tcp_ecn_output). */
static err_t tcp_send_hdr(struct tcp_pcb *pcb, u32_t seqno, u8_t flags, struct pbuf *data, bool new_data)
{
  struct netif *netif = tcp_route(&pcb->local_ip, &pcb->remote_ip);
  if (netif == NULL) {
#if LWIP_IPV6
    if (IP_IS_V6_VAL(pcb->remote_ip)) {
      LWIP_DROP(IP6_NO_ROUTE);
      return ERR_RTE;
    }
#endif
    LWIP_DROP(IP4_NO_ROUTE);
    return ERR_RTE;
  }
  u8_t opts[TCP_MAX_OPT_ROOM];
  if (pcb->state != SYN_SENT || (flags & TCP_ACK)) {
    flags |= TCP_ACK;
  }
  if (pcb->state == SYN_SENT && (flags & TCP_SYN)) {
    flags &= (u8_t)~TCP_ACK;
  }
  tcp_update_rcv_ann_wnd(pcb);
  u16_t optlen = tcp_build_options(pcb, flags, data != NULL ? data->tot_len : 0U, opts);
  struct pbuf *h =
      tcp_hdr_alloc(seqno, pcb->rcv_nxt, pcb->local_port, pcb->remote_port, (u16_t)(TCP_HLEN + optlen), flags);
  if (h == NULL) {
    return ERR_MEM;
  }
  u8_t *t = (u8_t *)h->payload;
  /* ECE/CWR in the flags, and the IP ECN field: TCP owns those two bits
   * of the TOS (RFC 3168 6.1), whatever the application set. */
  u8_t ecn = tcp_ecn_output(pcb, &flags, new_data);
#if LWIP_TCP_ECN
  t[TCP_OFF_FLAGS] = flags;
#endif
  /* The window field: what we announce, scaled except in SYNs (RFC 7323
   * 2.2). */
  u8_t scale = (!(flags & TCP_SYN) && (pcb->flags & TF_WND_SCALE)) ? pcb->rcv_scale : 0U;
  u16_t wnd_field = (u16_t)LWIP_MIN(pcb->rcv_ann_wnd >> scale, 0xffffU);
  put_be16(t + TCP_OFF_WND, wnd_field);
  memcpy(t + TCP_HLEN, opts, optlen);
  if (data != NULL) {
    pbuf_chain(h, data);
  }
#if LWIP_OFFLOAD
  u16_t sum;
  if (NETIF_CHECKSUM_ENABLED(netif, NETIF_CHECKSUM_GEN_TCP)) {
    sum = tcp_chksum(h, &pcb->local_ip, &pcb->remote_ip);
  } else {
    /* Checksum offload: the device adds the segment's own sum to the
     * pseudo-header sum we leave here (folded, not inverted). */
    sum = (u16_t)~tcp_chksum_n(h, &pcb->local_ip, &pcb->remote_ip, 0);
    h->flags |= PBUF_FLAG_CSUM_PARTIAL;
  }
  if (data != NULL && data->tot_len > pcb->mss && netif->gso_max > netif->mtu) {
    h->gso_size = pcb->mss;
  }
#else
  /* No offload option: the checksum is always computed here (RFC 9293
   * 3.1, RFC 1122 4.2.2.7). */
  u16_t sum = tcp_chksum(h, &pcb->local_ip, &pcb->remote_ip);
#endif
  memcpy(t + TCP_OFF_CHKSUM, &sum, 2);
  if (flags & TCP_ACK) {
    /* Whatever we owed is acknowledged by this segment. */
    pcb->flags &= ~(TF_ACK_DELAY | TF_ACK_NOW);
    pcb->delack_due = 0;
    pcb->delack_segs = 0;
#if LWIP_TCP_TIMESTAMPS /* only the TS.Recent update reads it (RFC 7323 4.3) */
    pcb->last_ack_sent = pcb->rcv_nxt;
#endif
    /* The right edge the peer now knows: the window field as sent, scaled
     * back (never in a SYN, RFC 7323 2.2), not the window we meant to
     * offer, which a 16-bit field without scaling cannot carry.  Segments
     * are judged against it (RFC 9293 3.10.7.4, RFC 5961 3.2, 4.2).  The
     * scaled field is rounded down (RFC 7323 2.3); the edge never moves
     * left for it, since the peer may have sent up to the old one. */
    u32_t edge = pcb->rcv_nxt + ((u32_t)wnd_field << scale);
    if (TCP_SEQ_GT(edge, pcb->rcv_ann_right_edge)) {
      pcb->rcv_ann_right_edge = edge;
    }
  }
  STATS_TX(TCP);
  err_t err =
      tcp_ip_output(h, &pcb->local_ip, &pcb->remote_ip, pcb->ttl, (u8_t)((pcb->tos & ~IP_ECN_MASK) | ecn), netif);
  pbuf_free(h);
  return err;
}

/* A segment that carries no new data: Not-ECT whatever ECN says. */
static err_t tcp_send_raw(struct tcp_pcb *pcb, u32_t seqno, u8_t flags, struct pbuf *data)
{
  return tcp_send_hdr(pcb, seqno, flags, data, false);
}

/* Send times are read by the timestamp echo check (tcp_in.c), by RACK
 * and, as "sent before", for the retransmission count that only
 * tcp_get_info's full snapshot (built with stats) reports: a build with
 * none of them keeps neither. */
#define TCP_XMIT_TIMES (LWIP_TCP_TIMESTAMPS || LWIP_TCP_RACK || LWIP_STATS)

static err_t tcp_output_segment(struct tcp_pcb *pcb, struct tcp_seg *seg)
{
#if TCP_XMIT_TIMES
  if (seg->xmit_ms != 0) {
    pcb->rtx_total++; /* sent before: after a timeout or a fast retransmit */
  }
  seg->xmit_ms = sys_now() | 1U;
#endif
#if LWIP_TCP_RACK
  seg->xmit_order = ++pcb->xmit_count;
  if (pcb->flags & TF_INFR) {
    pcb->prr_out += TCP_SEG_SEQLEN(seg); /* RFC 6937 3: everything sent in recovery */
  }
#endif
  tcp_trace_seg(pcb, TCP_SEQ_LT(seg->seqno, pcb->snd_max) ? TCP_TRACE_RETRANSMIT : TCP_TRACE_SEND, seg->seqno,
                seg->len);
  /* New data starts at or beyond snd_max: everything below it was sent before. */
  bool new_data = seg->len > 0 && TCP_SEQ_GEQ(seg->seqno, pcb->snd_max);
  return tcp_send_hdr(pcb, seg->seqno, (u8_t)(seg->flags & (TCP_SYN | TCP_FIN | TCP_PSH)), seg->p, new_data);
}

err_t tcp_send_ctrl(struct tcp_pcb *pcb, u32_t seqno, u8_t flags)
{
  return tcp_send_raw(pcb, seqno, flags, NULL);
}

err_t tcp_send_empty_ack(struct tcp_pcb *pcb)
{
  /* RFC 9293 3.10.7.4: <SEQ=SND.NXT><ACK=RCV.NXT>.  SND.NXT is snd_max
   * here: after a timeout go-back-N rewinds snd_nxt to snd_una, and an
   * ACK numbered from there lies below what the peer has received and
   * acknowledged, so the peer discards it unread (Linux: older than
   * rcv_wup) and never learns our window or what we received. */
  return tcp_send_raw(pcb, pcb->snd_max, TCP_ACK, NULL);
}

/* A RST; with @p pcb (timestamps negotiated on it) it carries TSopt, as
 * RFC 7323 3.2 says a RST SHOULD once they are in use, so a peer that
 * checks PAWS on RSTs takes it. */
static void rst_send(const struct tcp_pcb *pcb, u32_t seqno, u32_t ackno, const ip_addr_t *local,
                     const ip_addr_t *remote, u16_t lport, u16_t rport, bool with_ack)
{
  bool ts = pcb != NULL && (pcb->flags & TF_TIMESTAMP) != 0;
  u16_t hlen = (u16_t)(TCP_HLEN + (ts ? 2U + TCP_OPTLEN_TS : 0U));
  struct pbuf *h = tcp_hdr_alloc(seqno, ackno, lport, rport, hlen, (u8_t)(TCP_RST | (with_ack ? TCP_ACK : 0)));
  if (h == NULL) {
    return;
  }
  u8_t *t = (u8_t *)h->payload;
  if (ts) {
    u8_t *o = t + TCP_HLEN;
    o[0] = TCP_OPT_NOP;
    o[1] = TCP_OPT_NOP;
    o[2] = TCP_OPT_TS;
    o[3] = TCP_OPTLEN_TS;
    put_be32(o + 4, tcp_ts_now(pcb));
    put_be32(o + 8, pcb->ts_recent);
  }
  u16_t sum = tcp_chksum(h, local, remote);
  memcpy(t + TCP_OFF_CHKSUM, &sum, 2);
  STATS_TX(TCP);
  LWIP_LOG(TCP, DEBUG, "RST %u -> %s:%u seq %lu", lport, ipaddr_ntoa(remote), rport, (unsigned long)seqno);
#if LWIP_IPV6
  if (IP_IS_V6_VAL(*remote)) {
    struct netif *n = tcp_route(local, remote);
    if (n != NULL) {
      ip6_output_if(h, ip_2_ip6(local), ip_2_ip6(remote), nd6_hop_limit(n), 0, IP_PROTO_TCP, n);
    } else {
      LWIP_DROP(IP6_NO_ROUTE);
    }
    pbuf_free(h);
    return;
  }
#endif
  ip4_output(h, ip_2_ip4(local), ip_2_ip4(remote), IP_DEFAULT_TTL, 0, IP_PROTO_TCP);
  pbuf_free(h);
}

void tcp_rst(u32_t seqno, u32_t ackno, const ip_addr_t *local, const ip_addr_t *remote, u16_t lport, u16_t rport,
             bool with_ack)
{
  rst_send(NULL, seqno, ackno, local, remote, lport, rport, with_ack);
}

void tcp_rst_pcb(const struct tcp_pcb *pcb, u32_t seqno, u32_t ackno, bool with_ack)
{
#if LWIP_TCP_TIMESTAMPS
  rst_send(pcb, seqno, ackno, &pcb->local_ip, &pcb->remote_ip, pcb->local_port, pcb->remote_port, with_ack);
#else
  /* No TSopt without timestamps: as any RST (rst_send then has one
   * caller, tcp_rst, and lives inside it). */
  tcp_rst(seqno, ackno, &pcb->local_ip, &pcb->remote_ip, pcb->local_port, pcb->remote_port, with_ack);
#endif
}

/* ---------------------------------------------------------------------- */
/* Sending what the windows allow                                          */
/* ---------------------------------------------------------------------- */

/* Cut @p seg after @p keep data bytes; the rest becomes a new segment
 * right behind it, in the same queue and state.  @return ERR_OK or ERR_MEM. */
static err_t tcp_split_seg(struct tcp_pcb *pcb, struct tcp_seg *seg, u16_t keep)
{
  u16_t rest = (u16_t)(seg->len - keep);
  struct pbuf *p = pbuf_alloc(PBUF_RAW, rest, PBUF_RAM);
  struct tcp_seg *tail = p ? tcp_seg_new(p, seg->seqno + keep, rest, (u8_t)(seg->flags & (TCP_FIN | TCP_PSH))) : NULL;
  if (tail == NULL) {
    pbuf_free(p);
    return ERR_MEM;
  }
  pbuf_copy_partial(seg->p, p->payload, rest, keep);
  u16_t freed = pbuf_clen(seg->p);
  pbuf_realloc(seg->p, keep);
  freed = (u16_t)(freed - pbuf_clen(seg->p));
  /* The cut may free pbufs at the end of the chain: the queue count
   * follows (the tail's own pbuf is counted below). */
  pcb->snd_queuelen = (u16_t)(pcb->snd_queuelen - LWIP_MIN(pcb->snd_queuelen, freed));
  seg->len = keep;
  seg->flags &= (u8_t) ~(TCP_FIN | TCP_PSH);
  tail->state = seg->state;
#if TCP_XMIT_TIMES
  tail->xmit_ms = seg->xmit_ms;
#endif
#if LWIP_TCP_RACK
  tail->xmit_order = seg->xmit_order;
#endif
  tail->next = seg->next;
  seg->next = tail;
  if (pcb->unsent_tail == seg) {
    pcb->unsent_tail = tail;
  }
  if (pcb->unacked_tail == seg) {
    pcb->unacked_tail = tail;
  }
  pcb->snd_queuelen++;
  return ERR_OK;
}

/* Nagle (RFC 1122 4.2.3.4): hold a small segment while data is in flight,
 * unless the application disabled it, or a FIN or recovery wants it out. */
static bool nagle_holds(const struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
  return !(pcb->flags & (TF_NODELAY | TF_INFR)) && pcb->unacked != NULL && seg->len < pcb->mss && seg->next == NULL &&
         !(seg->flags & TCP_FIN);
}

static void unacked_append(struct tcp_pcb *pcb, struct tcp_seg *seg)
{
  struct tcp_seg **pp = &pcb->unacked;
  if (*pp != NULL && !TCP_SEQ_LT(seg->seqno, pcb->unacked_tail->seqno)) {
    pp = &pcb->unacked_tail->next; /* the usual case: behind the tail */
  }
  /* After a timeout the queue is sent again in order; keep it sorted. */
  while (*pp != NULL && TCP_SEQ_LT((*pp)->seqno, seg->seqno)) {
    pp = &(*pp)->next;
  }
  seg->next = *pp;
  *pp = seg;
  if (seg->next == NULL) {
    pcb->unacked_tail = seg;
  }
}

err_t tcp_output(struct tcp_pcb *pcb)
{
  if (pcb == NULL || pcb->state == LISTEN || pcb->state == CLOSED) {
    return ERR_OK;
  }
  err_t err = ERR_OK;
  bool sent = false;
  u32_t wnd = LWIP_MIN(pcb->snd_wnd, pcb->cwnd);
  /* In SACK recovery what is in flight is RFC 6675's pipe: computed once,
   * then grown by what this loop sends. */
  bool by_pipe = (pcb->flags & TF_SACK) && (pcb->flags & TF_INFR);
  u32_t pipe = by_pipe ? tcp_pipe(pcb) : 0;
  struct tcp_seg *seg;
  while ((seg = pcb->unsent) != NULL) {
    bool syn = (seg->flags & TCP_SYN) != 0;
    u32_t inflight = by_pipe ? pipe : pcb->snd_nxt - pcb->snd_una;
    if (!syn && inflight + seg->len > wnd) {
      u32_t usable = wnd > inflight ? wnd - inflight : 0;
      u32_t keep = 0; /* what of the segment goes now; 0: wait */
      if (seg->len > pcb->mss && usable >= pcb->mss) {
        /* A segment of several MSS (segmentation offload) larger than the
         * usable window: send the whole MSS that fit, as MSS-sized
         * segments would go (RFC 9293 3.8.6.2.1: a full-sized segment may
         * always be sent). */
        keep = usable / pcb->mss * pcb->mss;
      } else if (pcb->unacked == NULL && seg->len > 1 && pcb->snd_wnd >= (pcb->snd_wnd_max >> 1)) {
        /* Fill a window smaller than the segment when nothing is in
         * flight, so a small but open window never stalls us (usable is
         * below seg->len here: the segment did not fit). */
        keep = usable;
      }
      if (keep == 0 || tcp_split_seg(pcb, seg, (u16_t)keep) != ERR_OK) {
        break;
      }
    }
    if (!syn && nagle_holds(pcb, seg)) {
      break;
    }
    err = tcp_output_segment(pcb, seg);
    if (err != ERR_OK && err != ERR_RTE) {
      break; /* the link refused it: try again later (the RTO timer runs) */
    }
    pcb->unsent = seg->next;
    if (pcb->unsent == NULL) {
      pcb->unsent_tail = NULL;
    }
    u32_t end = seg->seqno + TCP_SEG_SEQLEN(seg);
    if (TCP_SEQ_GT(end, pcb->snd_nxt)) {
      pcb->snd_nxt = end;
    }
    if (TCP_SEQ_GT(end, pcb->snd_max)) {
      /* New data: time it if nothing is being timed (Karn: never a
       * retransmission). */
      if (pcb->rtt_start == 0 && !(pcb->flags & TF_TIMESTAMP) && !(seg->state & SEG_RETRANSMITTED)) {
        pcb->rtt_start = sys_now() | 1U;
        pcb->rtt_seq = seg->seqno;
      }
      pcb->snd_max = end;
#if LWIP_TCP_RACK
      pcb->tlp_due = 0; /* RFC 8985 7.2: new data restarts the probe timer */
#endif
    }
    unacked_append(pcb, seg);
    pipe += TCP_SEG_SEQLEN(seg);
    sent = true;
  }
  if (!sent && (pcb->flags & TF_ACK_NOW)) {
    err = tcp_send_empty_ack(pcb);
  }
  tcp_arm_timers(pcb);
  return err;
}

/* ---------------------------------------------------------------------- */
/* Retransmission and probes                                               */
/* ---------------------------------------------------------------------- */

void tcp_rexmit_rto(struct tcp_pcb *pcb)
{
  if (pcb->unacked == NULL) {
    tcp_output(pcb);
    return;
  }
  /* RFC 6298 5.5: back off the timer; 5.4: retransmit the earliest
   * segment.  We go back to snd_una and resend in order (every segment is
   * retransmitted as the window allows again). */
  pcb->rto = LWIP_MIN(pcb->rto * 2U, TCP_RTO_MAX_MS);
  pcb->nrtx++;
  /* RFC 6582 3.2 step 6: duplicate ACKs for what go-back-N resends must
   * not start a fast retransmit. */
  pcb->recover = pcb->snd_max;
  pcb->rtt_start = 0; /* Karn */
  tcp_rack_on_rto(pcb);
  if (TCP_STATE_IN(pcb->state, TCP_STATE_BIT(ESTABLISHED) | TCP_STATE_BIT(CLOSE_WAIT) | TCP_STATE_BIT(FIN_WAIT_1) |
                                   TCP_STATE_BIT(CLOSING) | TCP_STATE_BIT(LAST_ACK))) {
    TCP_CC(pcb, on_rto)(pcb);
  }
  tcp_trace_recovery(pcb, true, TCP_TRACE_REASON_RTO);
  /* Move unacked in front of unsent; SACK state is forgotten (RFC 6675 5.1
   * lets a sender clear the scoreboard on a timeout). */
  struct tcp_seg *last = pcb->unacked;
  for (struct tcp_seg *s = pcb->unacked; s != NULL; s = s->next) {
    s->state = SEG_RETRANSMITTED;
    last = s;
  }
  last->next = pcb->unsent;
  if (pcb->unsent == NULL) {
    pcb->unsent_tail = last;
  }
  pcb->unsent = pcb->unacked;
  pcb->unacked = pcb->unacked_tail = NULL;
  pcb->snd_nxt = pcb->snd_una;
#if LWIP_TCP_SACK /* without it nothing is ever SACKed: it stays 0 */
  pcb->sacked_bytes = 0;
#endif
  pcb->dupacks = 0;
  pcb->flags &= ~TF_INFR;
  pcb->rto_due = 0;
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: RTO, retransmission %u, rto %lu ms", pcb->local_port, pcb->remote_port,
           pcb->nrtx, (unsigned long)pcb->rto);
  /* The retransmission goes out even if cwnd just shrank to one segment. */
  tcp_output(pcb);
}

#if LWIP_IPV6 /* called for ICMPv6 Packet Too Big only (tcp_pmtu_changed) */
void tcp_mss_lowered(struct tcp_pcb *pcb)
{
  if (tcp_gso_netif(pcb) == NULL) {
    for (struct tcp_seg *seg = pcb->unsent; seg != NULL; seg = seg->next) {
      if (seg->len > pcb->mss && tcp_split_seg(pcb, seg, pcb->mss) != ERR_OK) {
        break; /* ERR_MEM: what is left goes out fragmented by IP */
      }
    }
  }
  struct tcp_seg *first = pcb->unacked;
  if (first != NULL && first->len > pcb->mss) {
    tcp_rexmit_seg(pcb, first);
  }
}
#endif /* LWIP_IPV6 */

err_t tcp_rexmit_seg(struct tcp_pcb *pcb, struct tcp_seg *seg)
{
  /* An offloaded segment larger than the MSS is resent one MSS at a
   * time: only the lost part goes again.  (A SYN is never one: it is
   * queued without data, tcp_enqueue_flags, and tcp_write and the splits
   * add data only to segments that hold some.) */
  if (seg->len > pcb->mss) {
    tcp_split_seg(pcb, seg, pcb->mss); /* ERR_MEM: resend it whole */
  }
  seg->state |= SEG_RETRANSMITTED;
  if (TCP_SEQ_GEQ(pcb->rtt_seq, seg->seqno)) {
    pcb->rtt_start = 0; /* Karn: this sample (if one is timed) is ambiguous now */
  }
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: retransmit seq %lu len %u", pcb->local_port, pcb->remote_port,
           (unsigned long)seg->seqno, seg->len);
  return tcp_output_segment(pcb, seg);
}

/* A segment one below what the peer expects, carrying no data: the peer
 * answers with an ACK showing its window (used for window probes and
 * keepalives, as RFC 1122 4.2.3.6 allows). */
static void tcp_send_probe(struct tcp_pcb *pcb)
{
  tcp_send_raw(pcb, pcb->snd_una - 1U, TCP_ACK, NULL);
}

void tcp_zero_window_probe(struct tcp_pcb *pcb)
{
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: zero window probe", pcb->local_port, pcb->remote_port);
  tcp_send_probe(pcb);
}

void tcp_persist_fire(struct tcp_pcb *pcb)
{
  struct tcp_seg *seg = pcb->unsent;
  if (pcb->snd_wnd > 0 && seg != NULL && seg->len > pcb->snd_wnd) {
    /* The window is open but smaller than the segment: send what fits
     * (RFC 9293 3.8.6.2.1, the override timeout). */
    LWIP_LOG(TCP, DEBUG, "%u -> port %u: window %lu below the segment: sending what fits", pcb->local_port,
             pcb->remote_port, (unsigned long)pcb->snd_wnd);
    if (tcp_split_seg(pcb, seg, (u16_t)pcb->snd_wnd) == ERR_OK) {
      seg->flags |= TCP_PSH;
      tcp_output(pcb);
      return;
    }
  }
  tcp_zero_window_probe(pcb);
}

void tcp_keepalive_probe(struct tcp_pcb *pcb)
{
  LWIP_LOG(TCP, DEBUG, "%u -> port %u: keepalive probe %u", pcb->local_port, pcb->remote_port, pcb->keep_cnt_sent + 1U);
  tcp_send_probe(pcb);
}

#endif /* LWIP_TCP */
