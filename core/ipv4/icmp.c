/**
 * @file icmp.c
 * ICMP for IPv4 (RFC 792) as RFC 1122 section 3.2.2 asks of a host: answer
 * echo requests, send destination unreachable and time exceeded errors
 * under a rate limit, and never send an error about an error.
 */
#include "lwip/icmp.h"
#include "lwip/ip4.h"
#include "lwip/tokbucket.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/raw.h"
#include "lwip/inet_chksum.h"
#include "lwip/stats.h"
#include "lwip/debug.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/wire.h"
#include "lwip/priv/init.h"
#include <string.h>

/* Keeps a helper out of line where inlining copies it, measured on the
 * Cortex-M4 -Os build (GCC and Clang; elsewhere only a hint lost). */
#if defined(__GNUC__)
#define ICMP_NOINLINE __attribute__((noinline))
#else
#define ICMP_NOINLINE
#endif

/* RFC 1812 4.3.2.8 (and common host practice): limit the rate of error
 * messages so a flood of bad packets cannot become a flood of replies.
 * One bucket shared by all destinations: per-host buckets (as Linux
 * adds) would cost a table, and a scan from spoofed sources would defeat
 * them. */
static struct lwip_tokbucket err_bucket;

#if LWIP_DEBUG
/* Errors suppressed since the limit last let one through: one log line
 * when a run of suppressions starts and one when it ends, whatever the
 * flood's size (each suppression is also a debug-level drop line). */
static u32_t suppressed_run;
#endif

void icmp_init(void)
{
  tokbucket_init(&err_bucket, ICMP_RATELIMIT, ICMP_RATELIMIT_BURST, sys_now());
#if LWIP_DEBUG
  suppressed_run = 0;
#endif
}

err_t icmp_set_ratelimit(u32_t rate_per_s, u32_t burst)
{
  if (rate_per_s > TOKBUCKET_MAX || burst > TOKBUCKET_MAX || (rate_per_s != 0 && burst == 0)) {
    return ERR_VAL;
  }
  tokbucket_init(&err_bucket, rate_per_s, burst, sys_now());
  LWIP_LOG(ICMP, INFO, "error rate limit %lu/s, burst %lu%s", (unsigned long)rate_per_s, (unsigned long)burst,
           rate_per_s == 0 ? " (off)" : "");
  return ERR_OK;
}

void icmp_get_ratelimit(u32_t *rate_per_s, u32_t *burst)
{
  if (rate_per_s != NULL) {
    *rate_per_s = err_bucket.rate;
  }
  if (burst != NULL) {
    *burst = err_bucket.burst;
  }
}

/* @return true when one more error may be sent now. */
static bool icmp_rate_ok(void)
{
  if (tokbucket_take(&err_bucket, sys_now())) {
#if LWIP_DEBUG
    if (suppressed_run != 0) {
      LWIP_LOG(ICMP, INFO, "rate limit: %lu errors suppressed, sending again", (unsigned long)suppressed_run);
      suppressed_run = 0;
    }
#endif
    return true;
  }
#if LWIP_DEBUG
  if (suppressed_run++ == 0) {
    LWIP_LOG(ICMP, INFO, "rate limit (%lu/s, burst %lu) reached: suppressing errors", (unsigned long)err_bucket.rate,
             (unsigned long)err_bucket.burst);
  }
#endif
  return false;
}

/* @p q is a fresh PBUF_RAM pbuf, one contiguous buffer: sum it in place. */
static ICMP_NOINLINE void icmp_set_chksum(struct pbuf *q)
{
  u8_t *m = (u8_t *)q->payload;
  put_be16(m + ICMP_OFF_CHKSUM, 0);
  u16_t sum = inet_chksum(m, q->len);
  memcpy(m + ICMP_OFF_CHKSUM, &sum, 2);
}

/* RFC 792 echo: the reply carries the request's identifier, sequence
 * number and data unchanged, from the address the request was sent to. */
static void icmp_echo_reply(const struct pbuf *p, const struct ip_rx *rx)
{
  if (rx->is_broadcast || rx->is_multicast) {
    /* RFC 1122 3.2.2.6 lets a host ignore these; answering them is how
     * smurf amplification works. */
    LWIP_DROP(ICMP_BCAST_ECHO);
    return;
  }
  if (ip4_addr_isany(ip_2_ip4(&rx->src))) {
    /* RFC 1122 3.2.1.3: 0.0.0.0 may only be a source, never a destination,
     * so a request from a host without an address has nowhere to go (it
     * would otherwise leave as a link-level broadcast). */
    LWIP_DROP(IP4_NO_ROUTE);
    return;
  }
  struct pbuf *q = pbuf_clone(PBUF_IP, PBUF_RAM, p);
  if (q == NULL) {
    LWIP_DROP(ICMP_NO_MEM);
    return;
  }
  ((u8_t *)q->payload)[ICMP_OFF_TYPE] = ICMP_ER;
  icmp_set_chksum(q);
  const ip4_addr_t *src = ip_2_ip4(&rx->dest);
  const ip4_addr_t *dst = ip_2_ip4(&rx->src);
  struct netif *out = ip4_route_src(src, dst);
  if (out == NULL) {
    LWIP_DROP(IP4_NO_ROUTE);
  } else {
    STATS_TX(ICMP);
    ip4_output_if(q, src, dst, IP_DEFAULT_TTL, rx->tos, IP_PROTO_ICMP, out);
  }
  pbuf_free(q);
}

#if LWIP_TCP || LWIP_UDP || LWIP_RAW
#define ICMP_ERRORS_TO_PCBS 1
#else
#define ICMP_ERRORS_TO_PCBS 0
#endif

#if ICMP_ERRORS_TO_PCBS
/* Is @p proto a transport whose quoted first 8 bytes start with ports? */
static bool icmp_quote_has_ports(u8_t proto)
{
  return proto == IP_PROTO_TCP || proto == IP_PROTO_UDP || proto == IP_PROTO_UDPLITE;
}

/* Read the error's code and the datagram it quotes (RFC 792: its IP
 * header and at least 8 bytes of what followed) into @p e, which the
 * caller zeroed: addresses and protocol, and for TCP, UDP and UDP-Lite
 * the ports (and TCP's sequence number, which RFC 5927 4.1 has TCP
 * check).  @return false when too little is quoted, it is not IPv4, or
 * its source is not ours (RFC 5927 4.1). */
static bool icmp_read_quote(const struct pbuf *p, struct ip_icmp_err *e)
{
  /* One copy of the ICMP header and as much as a quoted header with
   * options and the 8 bytes after it can be. */
  u8_t m[ICMP_HLEN + IP_HLEN_MAX + 8];
  u16_t got = pbuf_copy_partial(p, m, sizeof(m), 0);
  const u8_t *h = m + ICMP_HLEN;
  if (got < ICMP_HLEN + IP_HLEN || (h[0] >> 4) != 4) {
    return false;
  }
  e->code = m[ICMP_OFF_CODE];
  u16_t ihl = (u16_t)((h[0] & 0x0fU) * 4U);
  ip_addr_set_ip4_u32(&e->src, get_n32(h + IP4_OFF_SRC));
  ip_addr_set_ip4_u32(&e->dest, get_n32(h + IP4_OFF_DEST));
  if (ihl < IP_HLEN || !ip4_addr_is_ours(ip_2_ip4(&e->src))) {
    return false;
  }
  e->proto = h[IP4_OFF_PROTO];
  if (!icmp_quote_has_ports(e->proto)) {
    return true; /* raw PCBs of that protocol may still take it */
  }
  if (got < ICMP_HLEN + ihl + 8) {
    return false;
  }
  const u8_t *t = h + ihl;
  e->sport = get_be16(t);
  e->dport = get_be16(t + 2);
  e->tcp_seq = get_be32(t + 4);
  return true;
}

/* Destination Unreachable, Time Exceeded or Parameter Problem about a
 * datagram we sent: to the PCBs that sent it, as ICMPv6 errors are.  TCP
 * acts on it (RFC 1122 4.2.3.9, RFC 5461); UDP MUST pass it up to the
 * application (RFC 1122 4.1.3.3: udp_err()), and raw PCBs of the quoted
 * protocol get it too (raw_err()).  @return true when some PCB took it. */
static bool icmp_error_input(const struct pbuf *p, const struct ip_rx *rx, u8_t type)
{
  struct ip_icmp_err e;
  memset(&e, 0, sizeof(e));
  if (!icmp_read_quote(p, &e)) {
    return false;
  }
  e.inp = rx->inp;
  e.reporter = rx->src;
  e.type = type;
  /* Fragmentation needed is no PMTU change here (no IPv4 path MTU cache):
   * a soft error like the rest. */
  e.err = type == ICMP_DUR && e.code == ICMP_DUR_PORT ? ERR_RST : ERR_RTE;
  bool taken = false;
  switch (e.proto) {
#if LWIP_TCP
  case IP_PROTO_TCP:
    taken = tcp_icmp_error(&e);
    break;
#endif
#if LWIP_UDP
  case IP_PROTO_UDP:
  case IP_PROTO_UDPLITE:
    taken = udp_icmp_error(&e);
    break;
#endif
  default:
    break;
  }
#if LWIP_RAW
  taken = raw_icmp_error(&e) || taken;
#endif
  return taken;
}
#endif

void icmp_input(struct pbuf *p, const struct ip_rx *rx)
{
  STATS_RX(ICMP);
  if (p->tot_len < ICMP_HLEN) {
    LWIP_DROP(ICMP_SHORT);
    goto out;
  }
  if (NETIF_CHECKSUM_ENABLED(rx->inp, NETIF_CHECKSUM_CHECK_ICMP) && inet_chksum_pbuf(p) != 0) {
    LWIP_DROP(ICMP_BAD_CHKSUM);
    goto out;
  }
  u8_t type = pbuf_get_at(p, ICMP_OFF_TYPE);
  if (type == ICMP_ECHO) {
    LWIP_LOG(ICMP, TRACE, "echo request from %s", ip4addr_ntoa(ip_2_ip4(&rx->src)));
    icmp_echo_reply(p, rx);
#if ICMP_ERRORS_TO_PCBS
  } else if ((type == ICMP_DUR || type == ICMP_TE || type == ICMP_PP) && icmp_error_input(p, rx, type)) {
    LWIP_LOG(ICMP, DEBUG, "type %u code %u to the PCBs that sent the quoted datagram", type,
             pbuf_get_at(p, ICMP_OFF_CODE));
#endif
  } else {
    /* Echo replies reach ping through raw PCBs before this point; an error
     * that no PCB took (nobody sent it, or a bad quote) ends here. */
    LWIP_LOG(ICMP, DEBUG, "type %u code %u not handled", type, pbuf_get_at(p, ICMP_OFF_CODE));
    LWIP_DROP(ICMP_UNHANDLED);
  }
out:
  pbuf_free(p);
}

/* RFC 1122 3.2.2: is an error about the datagram with header @p h (of the
 * received pbuf @p p), from @p src to @p dst, allowed? */
static bool icmp_error_allowed(const struct pbuf *p, const u8_t *h, u16_t hlen, const ip4_addr_t *src,
                               const ip4_addr_t *dst)
{
  struct netif *inp = netif_get_by_index(p->if_idx);

  if (p->flags & (PBUF_FLAG_LLBCAST | PBUF_FLAG_LLMCAST)) {
    return false; /* sent as link-layer broadcast or multicast */
  }
  if (ip4_addr_ismulticast(dst) || ip4_addr_isbroadcast(dst, inp)) {
    return false;
  }
  if (ip4_addr_ismulticast(src) || ip4_addr_isbroadcast(src, inp)) {
    return false; /* the source is not a single host (0.0.0.0 counts as a broadcast) */
  }
  if (get_be16(h + IP4_OFF_OFFSET) & IP_OFFMASK) {
    return false; /* not the first fragment */
  }
  if (h[IP4_OFF_PROTO] == IP_PROTO_ICMP) {
    /* Never about an ICMP error; queries (echo etc.) are fine. */
    const u32_t queries = (1UL << ICMP_ECHO) | (1UL << ICMP_ER) | (1UL << ICMP_TS) | (1UL << ICMP_TSR) |
                          (1UL << ICMP_AM) | (1UL << ICMP_AMR);
    unsigned t = (unsigned)pbuf_try_get_at(p, hlen); /* -1 (none) becomes large */
    if (t >= 32 || !(queries & (1UL << t))) {
      return false;
    }
  }
  return true;
}

/* Send an error of @p type/@p code about @p p (payload at its IP header),
 * with @p rest in bytes 4-7 (the next-hop MTU for code 4).  The code comes
 * second, where the public wrappers already hold it. */
static void icmp_send_error(struct pbuf *p, u8_t code, u8_t type, u32_t rest)
{
  u8_t h[IP_HLEN_MAX];
  if (p == NULL) {
    return;
  }
  /* One copy of as much as a header can be: the header is all there when
   * it is no longer than what was copied (at most the whole datagram). */
  u16_t got = pbuf_copy_partial(p, h, IP_HLEN_MAX, 0);
  if (got < IP_HLEN) {
    return;
  }
  u16_t hlen = (u16_t)((h[IP4_OFF_VHL] & 0x0f) * 4);
  ip4_addr_t to = {get_n32(h + IP4_OFF_SRC)};
  ip4_addr_t was_to = {get_n32(h + IP4_OFF_DEST)};
  if (hlen < IP_HLEN || hlen > got || !icmp_error_allowed(p, h, hlen, &to, &was_to)) {
    return;
  }
  if (!icmp_rate_ok()) {
    LWIP_DROP(ICMP_RATE_LIMIT);
    return;
  }
  /* Quote the header and the first 8 bytes of data (RFC 792), or all of
   * a shorter datagram. */
  u16_t quote = (u16_t)LWIP_MIN(hlen + ICMP_DEST_UNREACH_DATASIZE, p->tot_len);
  struct pbuf *q = pbuf_alloc(PBUF_IP, (u16_t)(ICMP_HLEN + quote), PBUF_RAM);
  if (q == NULL) {
    LWIP_DROP(ICMP_NO_MEM);
    return;
  }
  u8_t *m = (u8_t *)q->payload;
  m[ICMP_OFF_TYPE] = type;
  m[ICMP_OFF_CODE] = code;
  put_be32(m + ICMP_OFF_UNUSED, rest);
  pbuf_copy_partial(p, m + ICMP_HLEN, quote, 0);
  icmp_set_chksum(q);

  /* Answer from the address the datagram was sent to when it is ours;
   * otherwise (forwarding) from the outgoing interface's address. */
  const ip4_addr_t *from = ip4_addr_is_ours(&was_to) ? &was_to : NULL;
  LWIP_LOG(ICMP, DEBUG, "error type %u code %u to %s", type, code, ip4addr_ntoa(&to));
  STATS_TX(ICMP);
  ip4_output(q, from, &to, IP_DEFAULT_TTL, 0, IP_PROTO_ICMP);
  pbuf_free(q);
}

void icmp_dest_unreach(struct pbuf *p, enum icmp_dur_type t)
{
  icmp_send_error(p, (u8_t)t, ICMP_DUR, 0);
}

void icmp_time_exceeded(struct pbuf *p, enum icmp_te_type t)
{
  icmp_send_error(p, (u8_t)t, ICMP_TE, 0);
}

void icmp_frag_needed(struct pbuf *p, u16_t mtu)
{
  icmp_send_error(p, ICMP_DUR_FRAG, ICMP_DUR, mtu);
}
