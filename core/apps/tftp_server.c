/**
 * @file tftp_server.c
 * TFTP server (lwip/apps/tftp_server.h): request parsing and option
 * negotiation (RFC 1350 5, RFC 2347, RFC 2348, RFC 2349), one lock-step
 * transfer per client TID, retransmission on an adaptive timer, and the
 * ERROR packets of RFC 1350.
 *
 * Every byte of a received packet is read through pbuf_copy_partial() into
 * a local buffer whose length was checked against p->tot_len first; a
 * DATA payload goes to the write callback a pbuf segment at a time.
 */
#include "lwip/apps/tftp_server.h"

#if LWIP_UDP

#include <string.h>

#include "lwip/debug.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/udp.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tftp.h"
#include "lwip/prot/udp.h"
#include "lwip/prot/wire.h"

static void xfer_timer(void *arg);

static const char *const state_names[] = {
    [TFTP_XFER_FREE] = "free",           [TFTP_XFER_OACK] = "oack",   [TFTP_XFER_SENDING] = "sending",
    [TFTP_XFER_RECEIVING] = "receiving", [TFTP_XFER_DALLY] = "dally",
};

const char *tftp_xfer_state_name(u8_t state)
{
  return state < LWIP_ARRAYSIZE(state_names) ? state_names[state] : "?";
}

static const char *const error_texts[] = {
    [TFTP_ERR_UNDEF] = "Not defined",
    [TFTP_ERR_NOT_FOUND] = "File not found",
    [TFTP_ERR_ACCESS] = "Access violation",
    [TFTP_ERR_DISK_FULL] = "Disk full or allocation exceeded",
    [TFTP_ERR_ILLEGAL] = "Illegal TFTP operation",
    [TFTP_ERR_UNKNOWN_TID] = "Unknown transfer ID",
    [TFTP_ERR_EXISTS] = "File already exists",
    [TFTP_ERR_NO_USER] = "No such user",
    [TFTP_ERR_OPTIONS] = "Option negotiation refused",
};

const char *tftp_error_text(u8_t code)
{
  return code < LWIP_ARRAYSIZE(error_texts) ? error_texts[code] : "Unknown error";
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                 */
/* ---------------------------------------------------------------------- */

/* An ERROR packet (RFC 1350 5) to @p addr:@p port from @p pcb.  Never
 * retransmitted and never answered (RFC 1350 7): best effort. */
static void send_error(struct udp_pcb *pcb, const ip_addr_t *addr, u16_t port, u8_t code, const char *msg)
{
  if (msg == NULL) {
    msg = tftp_error_text(code);
  }
  size_t mlen = strlen(msg);
  if (mlen > 255U) {
    mlen = 255U;
  }
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)(4U + mlen + 1U), PBUF_RAM);
  if (p == NULL) {
    LWIP_DROP(TFTP_NO_MEM);
    return;
  }
  u8_t *b = (u8_t *)p->payload;
  put_be16(b + TFTP_OFF_OPCODE, TFTP_OP_ERROR);
  put_be16(b + TFTP_OFF_ERRCODE, code);
  memcpy(b + 4, msg, mlen);
  b[4 + mlen] = 0;
  if (udp_sendto(pcb, p, addr, port) == ERR_OK) {
    STATS_TX(TFTP);
  }
  LWIP_LOG(TFTP, DEBUG, "ERROR %u \"%s\" to %s:%u", code, msg, ipaddr_ntoa(addr), port);
  pbuf_free(p);
}

static void arm(struct tftp_xfer *x)
{
  sys_untimeout(xfer_timer, x);
  sys_timeout_static(&x->timeo, x->rto_ms, xfer_timer, x);
}

/* Send x->pkt (kept for retransmission) and start its timer. */
static void send_pkt(struct tftp_xfer *x, bool again)
{
  if (udp_sendto(x->pcb, x->pkt, &x->peer, x->peer_port) == ERR_OK) {
    STATS_TX(TFTP);
  } else {
    LWIP_LOG(TFTP, DEBUG, "send to %s:%u failed: the timer retries", ipaddr_ntoa(&x->peer), x->peer_port);
  }
  if (!again) {
    x->sent_ms = sys_now();
    x->timed = true;
    x->tries = 0;
  }
  arm(x);
}

/* Replace the packet in flight with a fresh one of @p len bytes. */
static u8_t *new_pkt(struct tftp_xfer *x, u16_t len)
{
  if (x->pkt != NULL) {
    pbuf_free(x->pkt);
  }
  x->pkt = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_RAM);
  return x->pkt != NULL ? (u8_t *)x->pkt->payload : NULL;
}

/* ---------------------------------------------------------------------- */
/* Transfers: slots, end, timer                                            */
/* ---------------------------------------------------------------------- */

static u8_t active_count(const struct tftp_server *srv)
{
  u8_t n = 0;
  for (u8_t i = 0; i < TFTP_MAX_XFERS; i++) {
    n = (u8_t)(n + (srv->xfers[i].state != TFTP_XFER_FREE));
  }
  return n;
}

/* End a transfer: the file is closed (complete or not), the counters are
 * added to the server's, and the slot is freed. */
static void xfer_end(struct tftp_xfer *x, bool complete)
{
  struct tftp_server *srv = x->srv;
  complete = complete || x->state == TFTP_XFER_DALLY; /* the file was closed complete */
  sys_untimeout(xfer_timer, x);
  if (x->fh != NULL) {
    srv->cfg.ops->close(srv->cfg.ops_arg, x->fh, complete);
  }
  if (x->pkt != NULL) {
    pbuf_free(x->pkt);
  }
  if (x->pcb != NULL) {
    udp_remove(x->pcb);
  }
  if (complete) {
    srv->stats.completed++;
  } else {
    srv->stats.failed++;
  }
  if (x->write) {
    srv->stats.bytes_received += x->stats.bytes;
  } else {
    srv->stats.bytes_sent += x->stats.bytes;
  }
  LWIP_LOG(TFTP, INFO, "%s %s %s:%u: %s, %lu bytes, %lu retransmits", x->write ? "WRQ" : "RRQ", x->name,
           ipaddr_ntoa(&x->peer), x->peer_port, complete ? "done" : "failed", (unsigned long)x->stats.bytes,
           (unsigned long)x->stats.retransmits);
  memset(x, 0, sizeof(*x));
}

/* Fail a transfer, telling the client why. */
static void xfer_fail(struct tftp_xfer *x, u8_t code, const char *msg)
{
  send_error(x->pcb, &x->peer, x->peer_port, code, msg);
  xfer_end(x, false);
}

/* One round-trip sample into RFC 6298's estimator (2.2, 2.3; alpha 1/8,
 * beta 1/4, in fixed point), the result kept between the configured floor
 * and the initial timeout.  Karn's rule: only packets sent once give
 * samples (x->timed). */
static void rtt_sample(struct tftp_xfer *x)
{
  if (!x->timed || x->fixed_timeout) {
    return;
  }
  x->timed = false;
  u32_t r = sys_now() - x->sent_ms;
  if (x->srtt_ms8 == 0) {
    x->srtt_ms8 = (r << 3) | 1U; /* | 1: a 0 ms sample still counts as one */
    x->rttvar_ms4 = r << 1;
  } else {
    u32_t srtt = x->srtt_ms8 >> 3;
    u32_t delta = r > srtt ? r - srtt : srtt - r;
    x->rttvar_ms4 = x->rttvar_ms4 - (x->rttvar_ms4 >> 2) + delta;
    x->srtt_ms8 = x->srtt_ms8 - (x->srtt_ms8 >> 3) + r;
  }
  u32_t rto = (x->srtt_ms8 >> 3) + LWIP_MAX(1U, x->rttvar_ms4);
  const struct tftp_server_config *c = &x->srv->cfg;
  x->rto_ms = LWIP_MIN(LWIP_MAX(rto, c->min_rto_ms), c->timeout_ms);
}

static void xfer_timer(void *arg)
{
  struct tftp_xfer *x = (struct tftp_xfer *)arg;
  struct tftp_server *srv = x->srv;
  if (x->state == TFTP_XFER_DALLY) {
    /* The client did not repeat its last block: our last ACK arrived. */
    xfer_end(x, true);
    return;
  }
  if (x->tries >= srv->cfg.retries) {
    LWIP_LOG(TFTP, INFO, "%s:%u: no answer after %u retransmissions", ipaddr_ntoa(&x->peer), x->peer_port, x->tries);
    srv->stats.timeouts++;
    xfer_fail(x, TFTP_ERR_UNDEF, "timed out");
    return;
  }
  x->tries++;
  x->timed = false;
  x->stats.retransmits++;
  srv->stats.retransmits++;
  if (!x->fixed_timeout) {
    /* Back off (RFC 6298 5.5): the path may be slower than measured. */
    x->rto_ms = LWIP_MIN(x->rto_ms * 2U, TFTP_MAX_RTO_MS);
  }
  LWIP_LOG(TFTP, DEBUG, "%s:%u: retransmit (block %u, try %u, next timeout %lu ms)", ipaddr_ntoa(&x->peer),
           x->peer_port, x->block, x->tries, (unsigned long)x->rto_ms);
  send_pkt(x, true);
}

/* ---------------------------------------------------------------------- */
/* Reading a file (RRQ): DATA out, ACK in                                  */
/* ---------------------------------------------------------------------- */

/* Read the next block into a fresh DATA packet and send it. */
static void send_next_data(struct tftp_xfer *x)
{
  struct tftp_server *srv = x->srv;
  u16_t block = (u16_t)(x->block + 1U); /* wraps to 0 after 65535 */
  u8_t *b = new_pkt(x, (u16_t)(TFTP_DATA_HDR + x->blksize));
  if (b == NULL) {
    LWIP_DROP(TFTP_NO_MEM);
    xfer_fail(x, TFTP_ERR_UNDEF, "out of memory");
    return;
  }
  int n = srv->cfg.ops->read(srv->cfg.ops_arg, x->fh, b + TFTP_DATA_HDR, x->blksize);
  if (n < 0 || n > (int)x->blksize) {
    xfer_fail(x, TFTP_ERR_UNDEF, "read error");
    return;
  }
  put_be16(b + TFTP_OFF_OPCODE, TFTP_OP_DATA);
  put_be16(b + TFTP_OFF_BLOCK, block);
  if (n < (int)x->blksize) {
    pbuf_realloc(x->pkt, (u16_t)(TFTP_DATA_HDR + n));
    x->last = true; /* a short block ends the file (RFC 1350 6) */
  }
  x->block = block;
  x->state = TFTP_XFER_SENDING;
  send_pkt(x, false);
}

static void read_ack(struct tftp_xfer *x, u16_t block)
{
  if (block != x->block) {
    /* The previous block's ACK again (the client saw our retransmission,
     * or its ACK was delayed): answering it would send every block twice
     * from here on, the Sorcerer's Apprentice (RFC 1123 4.2.3.1).  Only
     * the timer retransmits. */
    if (block == (u16_t)(x->block - 1U)) {
      LWIP_DROP(TFTP_DUP_ACK);
      x->stats.dup_acks++;
      x->srv->stats.dup_acks++;
    } else {
      LWIP_DROP(TFTP_BAD_BLOCK);
    }
    return;
  }
  rtt_sample(x);
  if (x->state == TFTP_XFER_SENDING) {
    x->stats.blocks++;
    x->stats.bytes += (u32_t)(x->pkt->tot_len - TFTP_DATA_HDR);
    if (x->last) {
      xfer_end(x, true);
      return;
    }
  }
  send_next_data(x);
}

/* ---------------------------------------------------------------------- */
/* Writing a file (WRQ): DATA in, ACK out                                  */
/* ---------------------------------------------------------------------- */

static void send_ack(struct tftp_xfer *x, u16_t block)
{
  u8_t *b = new_pkt(x, TFTP_ACK_LEN);
  if (b == NULL) {
    /* Not fatal: the client repeats its DATA and we ACK then. */
    LWIP_DROP(TFTP_NO_MEM);
    arm(x);
    return;
  }
  put_be16(b + TFTP_OFF_OPCODE, TFTP_OP_ACK);
  put_be16(b + TFTP_OFF_BLOCK, block);
  send_pkt(x, false);
}

/* Hand a DATA payload to the write callback, one pbuf segment at a time.
 * @return 0, or the callback's error. */
static int write_payload(struct tftp_xfer *x, const struct pbuf *p, u16_t off)
{
  const struct tftp_server *srv = x->srv;
  for (const struct pbuf *q = p; q != NULL; q = q->next) {
    if (off >= q->len) {
      off = (u16_t)(off - q->len);
      continue;
    }
    int r = srv->cfg.ops->write(srv->cfg.ops_arg, x->fh, (const u8_t *)q->payload + off, (u16_t)(q->len - off));
    if (r != 0) {
      return r;
    }
    off = 0;
  }
  return 0;
}

static void write_data(struct tftp_xfer *x, u16_t block, const struct pbuf *p)
{
  u16_t len = (u16_t)(p->tot_len - TFTP_DATA_HDR);
  u16_t expect = (u16_t)(x->block + 1U);
  if (x->state == TFTP_XFER_DALLY || block != expect) {
    if (block == x->block && x->pkt != NULL) {
      /* Our ACK of it was lost: ACK it again (RFC 1350 6), now. */
      LWIP_DROP(TFTP_DUP_DATA);
      x->stats.dup_data++;
      if (udp_sendto(x->pcb, x->pkt, &x->peer, x->peer_port) == ERR_OK) {
        STATS_TX(TFTP);
      }
    } else {
      LWIP_DROP(TFTP_BAD_BLOCK);
    }
    return;
  }
  if (len > x->blksize) {
    LWIP_DROP(TFTP_OVERSIZE);
    xfer_fail(x, TFTP_ERR_ILLEGAL, "block larger than blksize");
    return;
  }
  rtt_sample(x);
  int r = write_payload(x, p, TFTP_DATA_HDR);
  if (r != 0) {
    bool coded = r > 0 && r <= (int)TFTP_ERR_NO_USER;
    xfer_fail(x, coded ? (u8_t)r : TFTP_ERR_UNDEF, coded ? NULL : "write error");
    return;
  }
  x->block = block;
  x->stats.blocks++;
  x->stats.bytes += len;
  x->state = TFTP_XFER_RECEIVING;
  if (len < x->blksize) {
    /* The last block: the file is complete now.  Stay one timeout in case
     * our ACK is lost and the block comes again (RFC 1350 6, "dallying"). */
    x->last = true;
    x->srv->cfg.ops->close(x->srv->cfg.ops_arg, x->fh, true);
    x->fh = NULL;
    x->state = TFTP_XFER_DALLY;
    x->rto_ms = x->fixed_timeout ? x->rto_ms : x->srv->cfg.timeout_ms;
  }
  send_ack(x, block);
}

/* ---------------------------------------------------------------------- */
/* Packets on a transfer's port                                            */
/* ---------------------------------------------------------------------- */

static void xfer_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct tftp_xfer *x = (struct tftp_xfer *)arg;
  STATS_RX(TFTP);
  u8_t h[4];
  if (!ip_addr_eq(addr, &x->peer) || port != x->peer_port) {
    /* RFC 1350 4: another TID gets an ERROR; the transfer goes on. */
    LWIP_DROP(TFTP_UNKNOWN_TID);
    x->stats.unknown_tid++;
    x->srv->stats.unknown_tid++;
    send_error(pcb, addr, port, TFTP_ERR_UNKNOWN_TID, NULL);
    goto done;
  }
  if (p->tot_len < 4U || pbuf_copy_partial(p, h, 4, 0) != 4U) {
    LWIP_DROP(TFTP_SHORT);
    goto done;
  }
  u16_t op = get_be16(h + TFTP_OFF_OPCODE);
  u16_t block = get_be16(h + TFTP_OFF_BLOCK);
  if (op == TFTP_OP_ERROR) {
    /* The client gives up (ERROR 8 refuses our OACK): no answer. */
    LWIP_LOG(TFTP, INFO, "%s:%u sent ERROR %u", ipaddr_ntoa(addr), port, block);
    x->srv->stats.peer_errors++;
    xfer_end(x, false);
  } else if (op == TFTP_OP_ACK && !x->write) {
    read_ack(x, block);
  } else if (op == TFTP_OP_DATA && x->write) {
    write_data(x, block, p);
  } else {
    LWIP_DROP(TFTP_BAD_OPCODE);
    xfer_fail(x, TFTP_ERR_ILLEGAL, NULL);
  }
done:
  pbuf_free(p);
}

/* ---------------------------------------------------------------------- */
/* Requests                                                                */
/* ---------------------------------------------------------------------- */

/* A request's strings, pointing into the checked copy. */
struct tftp_req {
  bool write;
  const char *name;
  const char *mode;
  const char *opt_blksize, *opt_timeout, *opt_tsize;
};

static char lower(char c)
{
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool same_nocase(const char *a, const char *b)
{
  while (*a != '\0' && lower(*a) == lower(*b)) {
    a++;
    b++;
  }
  return *a == '\0' && *b == '\0';
}

/* A decimal number of at most 10 digits.  @return false if not one. */
static bool parse_u32(const char *s, u32_t *v)
{
  u64_t n = 0;
  size_t i = 0;
  for (; s[i] != '\0'; i++) {
    if (s[i] < '0' || s[i] > '9' || i >= 10U) {
      return false;
    }
    n = n * 10U + (u64_t)(s[i] - '0');
  }
  if (i == 0 || n > 0xffffffffULL) {
    return false;
  }
  *v = (u32_t)n;
  return true;
}

/* Split a request (RFC 1350 5; options RFC 2347: name and value pairs,
 * names case-insensitive, unknown ones ignored).  @p m holds @p len bytes,
 * the last of which must be a NUL.  @return false if malformed. */
static bool parse_request(char *m, u16_t len, struct tftp_req *r)
{
  memset(r, 0, sizeof(*r));
  if (len < 2U + 4U || m[len - 1] != '\0') {
    return false; /* room for "x\0" "octet\0" at least; strings end with NUL */
  }
  const char *strs[2 + 2 * 16];
  size_t n = 0;
  for (u16_t i = TFTP_OFF_STRINGS; i < len && n < LWIP_ARRAYSIZE(strs);) {
    strs[n++] = m + i;
    i = (u16_t)(i + strlen(m + i) + 1U);
  }
  if (n < 2 || strs[0][0] == '\0' || strs[1][0] == '\0') {
    return false;
  }
  r->name = strs[0];
  r->mode = strs[1];
  /* An odd trailing string (an option without its value) is ignored. */
  for (size_t k = 2; k + 1 < n; k += 2) {
    if (same_nocase(strs[k], "blksize")) {
      r->opt_blksize = strs[k + 1];
    } else if (same_nocase(strs[k], "timeout")) {
      r->opt_timeout = strs[k + 1];
    } else if (same_nocase(strs[k], "tsize")) {
      r->opt_tsize = strs[k + 1];
    }
  }
  return true;
}

/* Largest block that fits the path MTU to @p peer in one IP datagram. */
static u16_t mtu_blksize(const ip_addr_t *peer)
{
  struct netif *n = ip4_route(ip_2_ip4(peer));
  if (n == NULL || n->mtu == 0 || n->mtu < IP_HLEN + UDP_HLEN + TFTP_DATA_HDR + TFTP_MIN_BLKSIZE) {
    return TFTP_DEFAULT_BLKSIZE;
  }
  return (u16_t)LWIP_MIN((u32_t)n->mtu - IP_HLEN - UDP_HLEN - TFTP_DATA_HDR, TFTP_MAX_BLKSIZE);
}

/* Append "name\0value\0" to the OACK being built in @p b (room checked by
 * the caller: at most 3 options of under 20 bytes each). */
static u16_t put_opt(u8_t *b, u16_t at, const char *name, u32_t v)
{
  size_t n = strlen(name);
  memcpy(b + at, name, n + 1U);
  at = (u16_t)(at + n + 1U);
  char d[11];
  int k = 0;
  do {
    d[k++] = (char)('0' + v % 10U);
    v /= 10U;
  } while (v != 0);
  while (k > 0) {
    b[at++] = (u8_t)d[--k];
  }
  b[at++] = 0;
  return at;
}

#define OACK_MAX 64U

/* Negotiate the options into @p x and build the OACK in @p oack.
 * @return the OACK's length (0: no option acknowledged), or -1 after
 * refusing the request with ERROR 8 (RFC 2347). */
static int negotiate(struct tftp_server *srv, struct tftp_xfer *x, const struct tftp_req *r, u8_t *oack,
                     bool *want_tsize, u32_t *client_tsize)
{
  u16_t at = 2;
  put_be16(oack, TFTP_OP_OACK);
  u32_t v;
  if (r->opt_blksize != NULL) {
    /* RFC 2348: 8..65464; we grant at most what fits the MTU. */
    if (!parse_u32(r->opt_blksize, &v) || v < TFTP_MIN_BLKSIZE) {
      return -1;
    }
    u32_t cap = LWIP_MIN((u32_t)srv->cfg.max_blksize, (u32_t)mtu_blksize(&x->peer));
    x->blksize = (u16_t)LWIP_MAX(LWIP_MIN(v, cap), TFTP_MIN_BLKSIZE);
    at = put_opt(oack, at, "blksize", x->blksize);
  }
  if (r->opt_timeout != NULL) {
    /* RFC 2349: 1..255 s, acknowledged as asked. */
    if (!parse_u32(r->opt_timeout, &v) || v < TFTP_MIN_TIMEOUT_S || v > TFTP_MAX_TIMEOUT_S) {
      return -1;
    }
    x->fixed_timeout = true;
    x->rto_ms = v * 1000U;
    at = put_opt(oack, at, "timeout", v);
  }
  if (r->opt_tsize != NULL) {
    /* RFC 2349: a read asks with 0 and gets the size; a write tells it. */
    if (!parse_u32(r->opt_tsize, &v) || (!r->write && v != 0)) {
      return -1;
    }
    *want_tsize = true;
    *client_tsize = v;
  }
  return at > 2 ? at : 0;
}

/* A transfer slot for a new request, or NULL (busy). */
static struct tftp_xfer *free_slot(struct tftp_server *srv)
{
  if (active_count(srv) >= srv->cfg.max_transfers) {
    return NULL;
  }
  for (u8_t i = 0; i < TFTP_MAX_XFERS; i++) {
    if (srv->xfers[i].state == TFTP_XFER_FREE) {
      return &srv->xfers[i];
    }
  }
  return NULL;
}

static bool name_ok(const char *name)
{
  size_t n = strlen(name);
  if (n > TFTP_NAME_MAX) {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    if ((u8_t)name[i] < 0x20U || (u8_t)name[i] >= 0x7fU) {
      return false;
    }
  }
  return true;
}

/* Whether @p addr:@p port has a transfer already (its request repeated). */
static bool has_transfer(const struct tftp_server *srv, const ip_addr_t *addr, u16_t port)
{
  for (u8_t i = 0; i < TFTP_MAX_XFERS; i++) {
    const struct tftp_xfer *x = &srv->xfers[i];
    if (x->state != TFTP_XFER_FREE && x->peer_port == port && ip_addr_eq(&x->peer, addr)) {
      return true;
    }
  }
  return false;
}

/* Start the transfer @p r asks for in slot @p x, or refuse it.  @return
 * false when refused: the caller sends ERROR @p code / @p msg. */
static bool start_xfer(struct tftp_server *srv, struct tftp_xfer *x, const struct tftp_req *r, const ip_addr_t *addr,
                       u16_t port, u8_t *code, const char **msg)
{
  memset(x, 0, sizeof(*x));
  x->srv = srv;
  x->write = r->write;
  x->peer = *addr;
  x->peer_port = port;
  x->blksize = TFTP_DEFAULT_BLKSIZE;
  x->rto_ms = srv->cfg.timeout_ms;
  x->tsize = TFTP_SIZE_UNKNOWN;
  x->start_ms = sys_now();
  strcpy(x->name, r->name); /* name_ok() checked the length */
  u8_t oack[OACK_MAX];
  bool want_tsize = false;
  u32_t client_tsize = 0;
  int olen = negotiate(srv, x, r, oack, &want_tsize, &client_tsize);
  if (olen < 0) {
    *code = TFTP_ERR_OPTIONS;
    *msg = "bad option value";
    return false;
  }
  u32_t size = r->write && want_tsize ? client_tsize : TFTP_SIZE_UNKNOWN;
  *code = TFTP_ERR_UNDEF;
  *msg = NULL;
  x->fh = srv->cfg.ops->open(srv->cfg.ops_arg, x->name, r->write, &size, code, msg);
  if (x->fh == NULL) {
    return false;
  }
  x->tsize = size;
  if (want_tsize && size != TFTP_SIZE_UNKNOWN) {
    olen = put_opt(oack, (u16_t)(olen > 0 ? olen : 2), "tsize", size);
  }
  x->pcb = udp_new();
  if (x->pcb == NULL || udp_bind(x->pcb, IP_ADDR_ANY, 0) != ERR_OK) {
    LWIP_DROP(TFTP_NO_MEM);
    *code = TFTP_ERR_UNDEF;
    *msg = "out of memory";
    return false;
  }
  x->local_port = x->pcb->local_port;
  udp_recv(x->pcb, xfer_recv, x);
  x->state = r->write ? TFTP_XFER_RECEIVING : TFTP_XFER_SENDING;
  if (olen > 0) {
    /* RFC 2347: the OACK answers the request; ACK 0 (read) or DATA 1
     * (write) answers the OACK. */
    u8_t *b = new_pkt(x, (u16_t)olen);
    if (b == NULL) {
      LWIP_DROP(TFTP_NO_MEM);
      *code = TFTP_ERR_UNDEF;
      *msg = "out of memory";
      return false;
    }
    memcpy(b, oack, (size_t)olen);
    x->state = TFTP_XFER_OACK;
    send_pkt(x, false);
  } else if (r->write) {
    send_ack(x, 0);
  } else {
    send_next_data(x); /* may end the transfer at once (read error) */
  }
  return true;
}

static void handle_request(struct tftp_server *srv, char *m, u16_t len, const ip_addr_t *addr, u16_t port)
{
  struct tftp_req r;
  u8_t code = TFTP_ERR_UNDEF;
  const char *msg = NULL;
  if (!parse_request(m, len, &r)) {
    LWIP_DROP(TFTP_BAD_REQUEST);
    code = TFTP_ERR_ILLEGAL;
    msg = "malformed request";
    goto refuse;
  }
  r.write = get_be16((const u8_t *)m) == TFTP_OP_WRQ;
  if (has_transfer(srv, addr, port)) {
    /* The client repeated its request before our answer reached it; the
     * transfer's own timer retransmits that answer. */
    LWIP_DROP(TFTP_DUP_REQUEST);
    return;
  }
  LWIP_LOG(TFTP, INFO, "%s \"%s\" mode %s from %s:%u", r.write ? "WRQ" : "RRQ", r.name, r.mode, ipaddr_ntoa(addr),
           port);
  if (same_nocase(r.mode, "netascii")) {
    /* Line-end translation is not done: say so rather than corrupt. */
    msg = "netascii mode not supported: use octet (binary)";
    goto refuse;
  }
  if (!same_nocase(r.mode, "octet")) {
    code = TFTP_ERR_ILLEGAL;
    msg = "unsupported transfer mode: use octet";
    goto refuse;
  }
  if (!name_ok(r.name)) {
    code = TFTP_ERR_ACCESS;
    msg = "bad file name";
    goto refuse;
  }
  if (r.write && !srv->cfg.writable) {
    code = TFTP_ERR_ACCESS;
    msg = "writing is not enabled";
    goto refuse;
  }
  struct tftp_xfer *x = free_slot(srv);
  if (x == NULL) {
    LWIP_DROP(TFTP_BUSY);
    msg = "server busy: too many transfers";
    goto refuse;
  }
  if (!start_xfer(srv, x, &r, addr, port, &code, &msg)) {
    if (x->pcb != NULL) {
      udp_remove(x->pcb);
      x->pcb = NULL;
    }
    if (x->fh != NULL) {
      srv->cfg.ops->close(srv->cfg.ops_arg, x->fh, false);
    }
    memset(x, 0, sizeof(*x));
    goto refuse;
  }
  if (r.write) {
    srv->stats.wrq++;
  } else {
    srv->stats.rrq++;
  }
  return;
refuse:
  srv->stats.refused++;
  send_error(srv->pcb, addr, port, code, msg);
}

static void listen_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
  struct tftp_server *srv = (struct tftp_server *)arg;
  (void)pcb;
  STATS_RX(TFTP);
  char m[TFTP_MAX_REQUEST];
  if (p->tot_len < 2U) {
    LWIP_DROP(TFTP_SHORT);
    goto done;
  }
  if (p->tot_len > TFTP_MAX_REQUEST) {
    LWIP_DROP(TFTP_BAD_REQUEST);
    goto done;
  }
  u16_t len = pbuf_copy_partial(p, m, p->tot_len, 0);
  u16_t op = get_be16((const u8_t *)m);
  if (op != TFTP_OP_RRQ && op != TFTP_OP_WRQ) {
    LWIP_DROP(TFTP_BAD_OPCODE);
    goto done;
  }
  if (!IP_IS_V4(addr) || port == 0) {
    LWIP_DROP(TFTP_BAD_REQUEST);
    goto done;
  }
  handle_request(srv, m, len, addr, port);
done:
  pbuf_free(p);
}

/* ---------------------------------------------------------------------- */
/* Start, stop, info                                                       */
/* ---------------------------------------------------------------------- */

static bool config_ok(const struct tftp_server_config *c)
{
  const struct tftp_file_ops *o = c->ops;
  if (o == NULL || o->open == NULL || o->read == NULL || o->write == NULL || o->close == NULL) {
    return false;
  }
  return c->max_transfers <= TFTP_MAX_XFERS && (c->max_blksize == 0 || c->max_blksize >= TFTP_MIN_BLKSIZE) &&
         (c->timeout_ms == 0 || (c->timeout_ms >= 10U && c->timeout_ms <= 60000U)) && c->min_rto_ms <= 60000U &&
         c->retries <= 50U;
}

err_t tftp_server_start(struct tftp_server *srv, const struct tftp_server_config *cfg)
{
  if (srv == NULL || cfg == NULL || srv->running) {
    return ERR_ARG;
  }
  memset(srv, 0, sizeof(*srv));
  if (!config_ok(cfg)) {
    return ERR_ARG;
  }
  struct tftp_server_config *c = &srv->cfg;
  *c = *cfg;
  c->port = c->port != 0 ? c->port : TFTP_PORT;
  c->max_transfers = c->max_transfers != 0 ? c->max_transfers : (u8_t)TFTP_MAX_XFERS;
  c->max_blksize = c->max_blksize != 0 ? (u16_t)LWIP_MIN(c->max_blksize, TFTP_MAX_BLKSIZE) : (u16_t)TFTP_MAX_BLKSIZE;
  c->timeout_ms = c->timeout_ms != 0 ? c->timeout_ms : TFTP_DEFAULT_TIMEOUT_MS;
  c->min_rto_ms = c->min_rto_ms != 0 ? c->min_rto_ms : TFTP_DEFAULT_MIN_RTO_MS;
  c->min_rto_ms = LWIP_MIN(c->min_rto_ms, c->timeout_ms);
  c->retries = c->retries != 0 ? c->retries : (u8_t)TFTP_DEFAULT_RETRIES;
  srv->pcb = udp_new();
  if (srv->pcb == NULL) {
    memset(srv, 0, sizeof(*srv));
    return ERR_MEM;
  }
  err_t err = udp_bind(srv->pcb, IP_ADDR_ANY, c->port);
  if (err != ERR_OK) {
    udp_remove(srv->pcb);
    memset(srv, 0, sizeof(*srv));
    return err;
  }
  udp_recv(srv->pcb, listen_recv, srv);
  srv->running = true;
  LWIP_LOG(TFTP, INFO, "serving on port %u%s, up to %u transfers", c->port, c->writable ? " (writable)" : "",
           c->max_transfers);
  return ERR_OK;
}

void tftp_server_stop(struct tftp_server *srv)
{
  if (srv == NULL || !srv->running) {
    return;
  }
  for (u8_t i = 0; i < TFTP_MAX_XFERS; i++) {
    if (srv->xfers[i].state != TFTP_XFER_FREE) {
      xfer_end(&srv->xfers[i], false);
    }
  }
  udp_remove(srv->pcb);
  LWIP_LOG(TFTP, INFO, "stopped");
  memset(srv, 0, sizeof(*srv));
}

void tftp_server_get_info(const struct tftp_server *srv, struct tftp_server_info *info)
{
  memset(info, 0, sizeof(*info));
  if (srv == NULL || !srv->running) {
    return;
  }
  const struct tftp_server_config *c = &srv->cfg;
  info->running = true;
  info->port = c->port;
  info->writable = c->writable;
  info->max_transfers = c->max_transfers;
  info->active = active_count(srv);
  info->max_blksize = c->max_blksize;
  info->timeout_ms = c->timeout_ms;
  info->min_rto_ms = c->min_rto_ms;
  info->retries = c->retries;
  info->stats = srv->stats;
}

bool tftp_server_get_xfer(const struct tftp_server *srv, u8_t i, struct tftp_xfer_info *info)
{
  memset(info, 0, sizeof(*info));
  if (srv == NULL || !srv->running || i >= TFTP_MAX_XFERS || srv->xfers[i].state == TFTP_XFER_FREE) {
    return false;
  }
  const struct tftp_xfer *x = &srv->xfers[i];
  info->state = tftp_xfer_state_name(x->state);
  info->write = x->write;
  info->name = x->name;
  info->peer = x->peer;
  info->peer_port = x->peer_port;
  info->local_port = x->local_port;
  info->blksize = x->blksize;
  info->block = x->block;
  info->tsize = x->tsize;
  info->rto_ms = x->rto_ms;
  info->age_ms = sys_now() - x->start_ms;
  info->stats = x->stats;
  return true;
}

#endif /* LWIP_UDP */
