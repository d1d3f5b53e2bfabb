/*
 * Shared fixtures for the cmocka unit suites: a virtual clock and seeded
 * random source (the test port), a fake Ethernet netif that captures every
 * frame the stack sends, packet builders, and a teardown that fails the test
 * when any pool element or heap byte is still in use.
 */
#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"

/* ---- drop counters ---- */
/** The count of drop reason @p r (LWIP_DROP_r); 0 without LWIP_STATS. */
#if LWIP_STATS
#define DROPS(r) (lwip_stats.drops[LWIP_DROP_##r])
#else
#define DROPS(r) 0U
#endif
/** Drop counters exist only with LWIP_STATS (the minimal profile has
 *  none): checks on them still compile there, so they stay correct, but
 *  do not run. */
#define CHECK_DROPS(check) \
  do {                     \
    if (LWIP_STATS) {      \
      check;               \
    }                      \
  } while (0)

/* ---- virtual clock and random source ---- */
void test_clock_set(u32_t now);
/** Advance the clock by @p ms, running every timeout that falls due on the
 *  way at its own deadline (as a live event loop would). */
void test_clock_advance(u32_t ms);
void test_rand_seed(u32_t seed);
/** Also hand every log line the port writes (formatted, a trailing
 *  newline dropped) to @p fn; NULL stops.  test_setup() resets it. */
typedef void (*test_log_fn)(int module, int level, const char *line);
void test_log_capture(test_log_fn fn);

/* ---- the fake netif ---- */
#define TEST_MAX_FRAMES 256
struct test_netif {
  struct netif netif;
  struct pbuf *frames[TEST_MAX_FRAMES]; /* copies of frames sent, oldest first */
  int nframes;
  err_t linkoutput_ret;                 /* what linkoutput returns (ERR_OK) */
};

/** Our MAC on the fake netif: 02:00:00:00:00:01 (second one: ...:02). */
extern const u8_t test_mac[6];
extern const u8_t test_mac2[6];
/** A peer's MAC: 02:00:00:00:00:aa. */
extern const u8_t peer_mac[6];

/** Add an Ethernet netif ("te"), up and link up, with @p ip/@p mask/@p gw
 *  in dotted text (NULL: 0.0.0.0) and MAC @p mac; frames sent are captured.
 *  The first one added becomes the default netif.  Frames sent while coming
 *  up (gratuitous ARP, IGMP) are cleared before returning. */
struct netif *test_netif_add(struct test_netif *t, const char *ip, const char *mask,
                             const char *gw, const u8_t mac[6]);
/** Remove the first captured frame and return it (caller frees), or NULL. */
struct pbuf *test_frame_pop(struct test_netif *t);
/** Copy the first captured frame's bytes into @p buf; returns its length or
 *  -1 when none.  The frame is removed. */
int test_frame_pop_bytes(struct test_netif *t, u8_t *buf, size_t bufsize);
void test_frames_clear(struct test_netif *t);
/** Discard captured frames that are not IPv4 (ARP announcements and
 *  requests, whose timing belongs to the ARP module and its tests).
 *  @return the number of frames left. */
int test_frames_ip_only(struct test_netif *t);
/** test_frames_ip_only(), then test_frame_pop_bytes(). */
int test_pop_ip_bytes(struct test_netif *t, u8_t *buf, size_t bufsize);

/** Build a pbuf (PBUF_POOL chain) holding @p len bytes of @p data; when
 *  @p chunk is non-zero the chain is split into pbufs of @p chunk bytes to
 *  exercise chained input. */
struct pbuf *test_pbuf(const void *data, size_t len, size_t chunk);
/** Hand @p len bytes to the netif's input as one received frame. */
void test_rx(struct test_netif *t, const void *frame, size_t len);
void test_rx_chunked(struct test_netif *t, const void *frame, size_t len, size_t chunk);

/* ---- packet builders (independent of the code under test) ---- */
u32_t test_ip(const char *dotted); /* network order */
/** Make the next hop @p ip (network order) known at @p mac, so the stack
 *  sends to it at once: a static ARP entry (asserts it was added), or,
 *  built without arp_static_entries, an entry in the test netif's own
 *  neighbour list, which its output consults before ARP. */
void test_add_arp(u32_t ip, const u8_t mac[6]);
/** Forget what test_add_arp() added for @p ip (nothing when absent). */
void test_remove_arp(u32_t ip);
/** test_add_arp() of @p ip (dotted) at peer_mac. */
void test_add_peer_arp(const char *ip);
/** Byte-wise Internet checksum, stored big-endian by the builders. */
u16_t test_cksum(const void *data, size_t len, u32_t initial);
/** Write an Ethernet header into @p buf.  Returns 14. */
size_t test_eth_hdr(u8_t *buf, const u8_t dst[6], const u8_t src[6], u16_t type);
/** Write a 20-byte IPv4 header with a correct checksum.  @p frag: flags and
 *  offset field as on the wire (host order).  Returns 20. */
size_t test_ip4_hdr(u8_t *buf, const char *src, const char *dst, u8_t proto, u16_t total_len,
                    u16_t id, u16_t frag, u8_t ttl);
/** Ethernet + IPv4 + @p payload (@p plen bytes) to our MAC; returns the
 *  frame length. */
size_t test_eth_ip4(u8_t *buf, const char *src, const char *dst, u8_t proto,
                    const void *payload, size_t plen);
/** UDP header + payload with a correct checksum into @p buf; returns length. */
size_t test_udp(u8_t *buf, const char *src, const char *dst, u16_t sport, u16_t dport,
                const void *payload, size_t plen);
/** A broadcast Ethernet frame carrying ARP (RFC 826) from @p src_mac with
 *  opcode @p op, sender IP @p sip and target IP @p tip (network order),
 *  padded to 60 bytes.  Returns 60. */
size_t test_arp_frame(u8_t buf[60], const u8_t src_mac[6], u16_t op, u32_t sip, u32_t tip);
/** ICMP echo request into @p buf; returns length. */
size_t test_icmp_echo(u8_t *buf, u8_t type, u16_t id, u16_t seq, const void *data, size_t dlen);

/* ---- fixtures ---- */
/** lwip_init() with a fresh clock (1000 ms) and seed. */
int test_setup(void **state);
/** Free captured frames, remove test netifs, fail if anything leaked. */
int test_teardown(void **state);
/** Register a fake netif so teardown removes it and frees its frames. */
void test_track_netif(struct test_netif *t);
/** Print per-pool usage when the leak check fails. */
void test_dump_usage(void);

#endif
