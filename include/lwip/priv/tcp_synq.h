/**
 * @file priv/tcp_synq.h
 * The SYN queue (core/tcp_synq.c): one small entry per handshake a
 * listener has answered with a SYN-ACK and not yet seen completed,
 * instead of a full tcp_pcb.  The PCB is made only from the ACK that
 * completes the handshake (tcp_in.c); beyond the pool (memp_num_tcp_synq)
 * SYNs get SYN cookies.  Private to core/tcp*.c and tests.
 */
#ifndef LWIP_PRIV_TCP_SYNQ_H
#define LWIP_PRIV_TCP_SYNQ_H

#include "lwip/opt.h"

#if LWIP_TCP

#include "lwip/tcp.h"

/* ---- entry->opts: what the handshake agreed on ---- */
#define TCP_SYNQ_WS 0x01U   /**< window scaling (both sides sent the option) */
#define TCP_SYNQ_SACK 0x02U /**< SACK permitted */
#define TCP_SYNQ_TS 0x04U   /**< timestamps */

/** SYN-ACKs are sent again after 1, 2, 4 and 8 s (RFC 6298 2.1's initial
 *  RTO, doubled each time, 5.5); the handshake is given up (with a RST)
 *  TCP_SYN_RCVD_TIMEOUT_MS after the SYN, as a SYN_RCVD PCB was. */
#define TCP_SYNQ_RTO_MS 1000U
#define TCP_SYNQ_MAXRTX 4U

/** One pending handshake: 4-tuple, both ISNs and the options agreed. */
struct tcp_synq_entry {
  struct tcp_synq_entry *hnext;         /**< next in the 4-tuple hash bucket */
  struct tcp_synq_entry *tnext, *tprev; /**< the timer list of its retransmission count */
  struct tcp_pcb_listen *listener;
  ip_addr_t local_ip, remote_ip; /**< either family (IPv6 with its zone) */
  u16_t local_port, remote_port;
  u32_t iss;       /**< our ISN (SYN-ACK sequence number) */
  u32_t irs;       /**< the peer's ISN */
  u32_t ts_recent; /**< the SYN's TSval, echoed in our SYN-ACKs (RFC 7323 4.3) */
  u32_t ts_offset; /**< our timestamp clock's offset (the PCB takes it over) */
  u32_t due;       /**< sys_now() of the next SYN-ACK, or of giving up */
  u16_t mss;       /**< send MSS agreed (the peer's, route-clamped, less TSopt) */
  u16_t rcv_ann;   /**< the window our SYN-ACKs announced (the largest; never scaled, RFC 7323 2.2) */
  u8_t snd_scale;  /**< the peer's window shift (with TCP_SYNQ_WS) */
  u8_t opts;       /**< TCP_SYNQ_* */
  u8_t nrtx;       /**< SYN-ACKs sent again */
  u8_t ecn;        /**< the handshake's pcb->ecn bits (TCP_ECN_OK: ECN-setup agreed, RFC 3168 6.1.1) */
};

#if LWIP_TCP_SYNQ_COOKIES
void tcp_synq_init(u32_t salt);
/** The entry of that 4-tuple, or NULL. */
struct tcp_synq_entry *tcp_synq_lookup(const ip_addr_t *laddr, u16_t lport, const ip_addr_t *raddr, u16_t rport);
/** A new entry for listener @p l, from @p tmpl: a PCB on the caller's
 *  stack holding the 4-tuple, rcv_nxt (the peer's ISN + 1) and what
 *  tcp_syn_options() agreed.  Our ISN (RFC 6528) and timestamp offset are
 *  chosen here; the SYN-ACK is sent and its timer armed.
 *  @return the entry, or NULL when the pool is empty (nothing sent). */
struct tcp_synq_entry *tcp_synq_add(struct tcp_pcb_listen *l, const struct tcp_pcb *tmpl);
/** Send the SYN-ACK of @p e again now (a duplicate SYN); the timer keeps
 *  its deadline. */
void tcp_synq_resend(struct tcp_synq_entry *e);
/** Fill @p pcb (zeroed by the caller, or from tcp_alloc) with the
 *  connection @p e describes, as a SYN_RCVD PCB whose SYN-ACK was sent:
 *  addresses, sequence numbers, options, what the SYN-ACK announced. */
void tcp_synq_to_pcb(const struct tcp_synq_entry *e, struct tcp_pcb *pcb);
/** Forget @p e (handshake completed, reset, or given up). */
void tcp_synq_remove(struct tcp_synq_entry *e);
/** Listener @p l closes: its pending handshakes lose their parent, as
 *  SYN_RCVD PCBs did: they go on until they complete (then a RST) or
 *  time out. */
void tcp_synq_listener_closed(const struct tcp_pcb_listen *l);
/** Entries in use. */
u32_t tcp_synq_count(void);
#else
/* Built without the SYN queue (tcp_synq_cookies): listeners make SYN_RCVD
 * PCBs (tcp_in.c), and there is no table to set up or to orphan. */
static inline void tcp_synq_init(u32_t salt)
{
  (void)salt;
}
static inline void tcp_synq_listener_closed(const struct tcp_pcb_listen *l)
{
  (void)l;
}
static inline u32_t tcp_synq_count(void)
{
  return 0;
}
#endif

#endif /* LWIP_TCP */
#endif
